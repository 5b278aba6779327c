#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# policy benchmarks (not tests), root:
#  1. hot-path overhead: a page-fault/charge microbenchmark (hog touching
#     SIZE of anon in a cgroup with room to spare) with nothing attached,
#     with each built-in loaded on that cgroup, and with bpftrace on the
#     same tracepoints (the peer); N alternating rounds, median ratios.
#  2. signal latency: pressure's event timestamp (bpf_ktime_get_ns) to the
#     workload's signal handler (CLOCK_MONOTONIC), median and p99.
set -uo pipefail
: "${MEMCGCTL:?}" "${MEMCGCTL_TEST_BIN:?}"
N=${N:-7}
SIZE=${SIZE:-256M}
MEM=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
[[ -e /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers && MEM=/sys/fs/cgroup
V2=0; [[ -e $MEM/cgroup.controllers ]] && V2=1
CG=$MEM/memcgctl-bench-$$
P=bench$$
BT=

cleanup() {
	[[ -n $BT ]] && kill "$BT" 2>/dev/null && wait "$BT" 2>/dev/null
	"$MEMCGCTL" policy unload "${P}_o" "${P}_p" "${P}_l" >/dev/null 2>&1
	for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT
# only our own policies are touched: refuse to run if others are loaded
if [[ -n $("$MEMCGCTL" -j policy list | jq -r '.[].name') ]]; then
	echo "policy bench: other policies are loaded; not touching them" >&2
	exit 0
fi
mkdir "$CG"
if [[ $V2 == 1 ]]; then echo 2G >"$CG/memory.max"; else echo 2G >"$CG/memory.limit_in_bytes"; fi

run_hog() {	# prints elapsed ns of one run
	local t0 t1
	t0=$(date +%s%N)
	(echo $BASHPID >"$CG/cgroup.procs"; exec "$MEMCGCTL_TEST_BIN/hog" -s "$SIZE" -H 0 -q)
	t1=$(date +%s%N)
	echo $((t1 - t0))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The runs alternate, one of each setup per round, and each setup's ratio
# is the median of its per-round ratios to that round's bare run: on a
# shared machine the speed drifts over a minute by more than the effects
# measured here, and back-to-back blocks of one setup would measure drift.
echo "== hot path: $SIZE of anon faults in a memcg, $N alternating rounds, medians"
TMPD=$(mktemp -d)
HAVE_L=0
if "$MEMCGCTL" policy load preoom name "${P}_o" cgroup "${CG#"$MEM"}" target=largest >/dev/null 2>&1; then
	HAVE_L=1
	"$MEMCGCTL" policy unload "${P}_o" >/dev/null
fi
with_policy() {	# LABEL POLICY [KEY=VALUE]: one run with the policy loaded
	local label=$1 pol=$2
	shift 2
	"$MEMCGCTL" policy load "$pol" name "${P}_o" cgroup "${CG#"$MEM"}" "$@" >/dev/null || exit 1
	run_hog >>"$TMPD/$label"
	"$MEMCGCTL" policy unload "${P}_o" >/dev/null
}
for r in $(seq "$N"); do
	run_hog >>"$TMPD/none"
	with_policy preoom preoom
	((HAVE_L)) && with_policy largest preoom target=largest
	with_policy pressure pressure
	if command -v bpftrace >/dev/null; then
		bpftrace -e 'tracepoint:exceptions:page_fault_user, tracepoint:filemap:mm_filemap_add_to_page_cache { @[cgroup] = count(); }' >/dev/null 2>&1 &
		BT=$!
		sleep 3
		run_hog >>"$TMPD/bpftrace"
		kill "$BT"; wait "$BT" 2>/dev/null; BT=
	fi
done
ratio() {	# LABEL [BASE]: median of per-round ratios
	paste "$TMPD/$1" "$TMPD/${2:-none}" | awk '{ print $1 / $2 }' | median
}
report() {	# LABEL TEXT
	printf '%-28s %8.1f ms  ratio %.3f\n' "$2" "$(median <"$TMPD/$1" | awk '{ print $1 / 1e6 }')" "$(ratio "$1")"
}
printf '%-28s %8.1f ms\n' "nothing attached" "$(median <"$TMPD/none" | awk '{ print $1 / 1e6 }')"
report preoom "preoom loaded"
if ((HAVE_L)); then
	report largest "preoom target=largest"
	printf '%-28s %8s     ratio %.3f\n' "  largest vs charger" "" "$(ratio largest preoom)"
else
	echo "preoom target=largest        not on this kernel (no bpf_send_signal_task)"
fi
report pressure "pressure loaded"
[[ -s $TMPD/bpftrace ]] && report bpftrace "bpftrace, same hooks (peer)"
rm -rf "$TMPD"

echo "== latency: pressure event -> signal handler"
if [[ $V2 == 1 ]]; then echo 64M >"$CG/memory.max"; echo 0 >"$CG/memory.swap.max" 2>/dev/null
else echo 64M >"$CG/memory.limit_in_bytes"; echo 0 >"$CG/memory.swappiness"; fi
"$MEMCGCTL" policy load pressure name "${P}_l" cgroup "${CG#"$MEM"}" threshold_pct=50 interval_ns=20ms >/dev/null || exit 1
out=$(mktemp)
(echo $BASHPID >"$CG/cgroup.procs"; exec "$MEMCGCTL_TEST_BIN/sigcatch" -s 200M -c 1M -i 2 -r -T 5) >"$out"
"$MEMCGCTL" -j policy events "${P}_l" | jq -r '.ts_ns' >"$out.ev"
awk '/got SIGUSR1/ { print $NF }' "$out" >"$out.sig"
nev=$(wc -l <"$out.ev") nsig=$(wc -l <"$out.sig")
echo "events $nev, handled signals $nsig (pairs in order; coalesced signals would skew)"
paste "$out.ev" "$out.sig" | awk 'NF == 2 { print ($2 - $1) / 1000 }' | sort -n |
	awk '{ a[NR] = $1 } END { if (NR) printf "latency us: median %.1f  p99 %.1f  max %.1f  (n=%d)\n", a[int((NR + 1) / 2)], a[int(NR * 0.99 + 0.999)], a[NR], NR }'
rm -f "$out" "$out.ev" "$out.sig"
"$MEMCGCTL" policy unload "${P}_l" >/dev/null
