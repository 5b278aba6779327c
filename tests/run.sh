#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# memcgctl's test runner: tests/run.sh [unit] [cli] [integration]
# (default: all tiers; integration skips itself without root).
# T_ONLY=watch,notify runs only those files of the shell tiers.
# Ends with "N passed, N failed, N skipped" on a line of its own.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${MEMCGCTL:=$PWD/build/memcgctl}"
: "${MEMCGCTL_TEST_BIN:=$PWD/build/tests}"
export MEMCGCTL MEMCGCTL_TEST_BIN
export T_RESULTS
T_RESULTS=$(mktemp)
trap 'rm -f "$T_RESULTS"' EXIT

tiers=("$@")
((${#tiers[@]})) || tiers=(unit cli integration)

for tier in "${tiers[@]}"; do
	echo "== $tier"
	case $tier in
	unit)
		for t in "$MEMCGCTL_TEST_BIN"/unit/test_*; do
			[[ -x $t ]] || continue
			out=$("$t" 2>&1)
			rc=$?
			echo "$out"
			awk '$1 == "ok" { print "pass", $2 } $1 == "FAIL" { print "fail", $2 }' \
				<<<"$out" >>"$T_RESULTS"
			# a crash is a failure even if every line so far said ok
			((rc <= 1)) || echo "fail $(basename "$t")/crashed-$rc" >>"$T_RESULTS"
		done
		;;
	cli | integration)
		if [[ $tier == integration && $(id -u) -ne 0 ]]; then
			echo "skip integration: needs root" ; echo "skip integration/all" >>"$T_RESULTS"
			continue
		fi
		for t in tests/$tier/*.sh; do
			[[ $(basename "$t") == run.sh ]] && continue
			# T_ONLY=a,b runs only those files (as the VM tier's --only does)
			[[ -n ${T_ONLY:-} && ",$T_ONLY," != *",$(basename "$t" .sh),"* ]] && continue
			[[ -e $t ]] || continue
			timeout -k 10 600 bash "$t"
			rc=$?
			# a script that dies without reporting must not pass silently
			[[ $rc -eq 0 ]] || echo "fail $tier/$(basename "$t" .sh)/exit-$rc" >>"$T_RESULTS"
		done
		;;
	*)
		echo "unknown tier '$tier'" >&2
		exit 2
		;;
	esac
done

pass=$(grep -c '^pass' "$T_RESULTS")
fail=$(grep -c '^fail' "$T_RESULTS")
skip=$(grep -c '^skip' "$T_RESULTS")
if ((fail)); then
	echo "failed:"
	grep '^fail' "$T_RESULTS" | sed 's/^fail /  /'
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
