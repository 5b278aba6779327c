#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# policy benchmarks (not tests), root:
#  1. hot-path overhead: a page-fault/charge microbenchmark (hog touching
#     SIZE of anon in a cgroup with room to spare) with nothing attached,
#     with each built-in loaded on that cgroup, and with bpftrace on the
#     same tracepoints (the peer); median of N runs, ratios to nothing.
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
measure() {	# LABEL
	local i
	for i in $(seq "$N"); do run_hog; done | median
}

echo "== hot path: $SIZE of anon faults in a memcg, median of $N runs"
base=$(measure none)
printf '%-28s %8.1f ms\n' "nothing attached" "$(bc -l <<<"$base / 1000000")"
report() {	# LABEL NS
	printf '%-28s %8.1f ms  ratio %.3f\n' "$1" "$(bc -l <<<"$2 / 1000000")" "$(bc -l <<<"$2 / $base")"
}
"$MEMCGCTL" policy load preoom name "${P}_o" cgroup "${CG#"$MEM"}" >/dev/null || exit 1
o_ns=$(measure preoom)
report "preoom loaded" "$o_ns"
"$MEMCGCTL" policy unload "${P}_o" >/dev/null
# target=largest (6.13+): an rss_stat program runs at every RSS change
if "$MEMCGCTL" policy load preoom name "${P}_o" cgroup "${CG#"$MEM"}" target=largest >/dev/null 2>&1; then
	l_ns=$(measure largest)
	report "preoom target=largest" "$l_ns"
	printf '%-28s %8s     ratio %.3f\n' "  largest vs charger" "" "$(bc -l <<<"$l_ns / $o_ns")"
	"$MEMCGCTL" policy unload "${P}_o" >/dev/null
else
	echo "preoom target=largest        not on this kernel (no bpf_send_signal_task)"
fi
"$MEMCGCTL" policy load pressure name "${P}_p" cgroup "${CG#"$MEM"}" >/dev/null || exit 1
report "pressure loaded" "$(measure pressure)"
"$MEMCGCTL" policy unload "${P}_p" >/dev/null
if command -v bpftrace >/dev/null; then
	bpftrace -e 'tracepoint:exceptions:page_fault_user, tracepoint:filemap:mm_filemap_add_to_page_cache { @[cgroup] = count(); }' >/dev/null 2>&1 &
	BT=$!
	sleep 3
	report "bpftrace, same hooks (peer)" "$(measure bpftrace)"
	kill "$BT"; wait "$BT" 2>/dev/null; BT=
fi

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
