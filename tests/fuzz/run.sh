#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run every libFuzzer harness in DIR (make fuzz) for SECONDS each, on its
# seed corpus (tests/fuzz/corpus/NAME, read-only: new inputs go to a
# scratch directory) with its dictionary when there is one.
#   tests/fuzz/run.sh build/fuzz 20
# One "ok fuzz/NAME (N execs)" or "FAIL fuzz/NAME" line per harness (a
# failure also prints the report and where the input was saved), then
# "fuzz: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
# absolute paths: harnesses with a fake cgroupfs tree chdir into it
dir=$(realpath "${1:?usage: run.sh DIR SECONDS}")
secs=${2:-20}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

for bin in "$dir"/fuzz_*; do
	[[ -x $bin && ! -d $bin && $bin != *.o && $bin != *.d ]] || continue
	name=${bin##*/fuzz_}
	corpus=$PWD/tests/fuzz/corpus/$name
	dict=$PWD/tests/fuzz/$name.dict
	# the fake trees go in $work too: a crashed harness leaves nothing behind
	mkdir -p "$work/$name" "$work/tmp-$name" "$dir/crashes"
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$dir/crashes/$name-")
	[[ -r $dict ]] && args+=(-dict="$dict")
	[[ -d $corpus ]] || corpus=
	# a hang must end too: libFuzzer's own -timeout covers one input,
	# this covers the harness
	TMPDIR=$work/tmp-$name timeout -k 10 $((secs * 2 + 60)) "$bin" "${args[@]}" "$work/$name" $corpus \
		>"$work/$name.log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units:/ { n = $2 } END { print n + 0 }' "$work/$name.log")
	if ((rc == 0)); then
		echo "ok fuzz/$name ($execs execs)"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz/$name (exit $rc after $execs execs)"
		grep -E -A30 '^==[0-9]+==ERROR|^fuzz: |runtime error|ALARM|SUMMARY' "$work/$name.log" |
			head -40 | sed 's/^/    /'
		grep -E 'Test unit written to' "$work/$name.log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
((fail == 0))
