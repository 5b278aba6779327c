#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# watch's costs, each beside bpftrace doing the same work in the same run:
#   1. hot path: faultcpu (mmap/touch/munmap, CPU ns per page) in a limited
#      memcg with nothing attached, with watch (all classes; and without
#      the per-page 'limit' class), and with a bpftrace script on the same
#      tracepoints;
#   2. CPU per delivered event in an event storm (a page-cache writer in a
#      16M cgroup): the consumer's CPU time (schedstat) / lines delivered;
#   3. startup: exec -> attached (watch's "start" line; bpftrace's BEGIN).
# Rounds alternate so that drift hits every side alike; medians reported.
# Benchmarks print numbers; they assert nothing.
set -u
: "${MEMCGCTL:=$PWD/build/memcgctl}" "${MEMCGCTL_TEST_BIN:=$PWD/build/tests}"
export MEMCGCTL MEMCGCTL_TEST_BIN
T_RESULTS=/dev/null
. "$(dirname "$0")/../tests/lib.sh"
need_root
command -v bpftrace >/dev/null || { echo "watch bench: bpftrace missing, no peer to compare with"; exit 0; }

REPS=${WATCH_BENCH_REPS:-5}
FAULT_SECS=${WATCH_BENCH_FAULT_SECS:-2}
STORM_MB=${WATCH_BENCH_STORM_MB:-1024}
BG=()
bench_cleanup() {
	local p
	for p in "${BG[@]}"; do kill -KILL "$p" 2>/dev/null; done
	cg_cleanup
}
trap bench_cleanup EXIT

med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", b ? (a / b - 1) * 100 : 0 }'; }
# CPU ns a process has used (all threads): sum of schedstat run times
cpu_ns() {
	local t s=0
	for t in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$t" 2>/dev/null && s=$((s + v))
	done
	echo "$s"
}
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# vm_event_item numbers for the bpftrace peer (watch resolves them by CO-RE)
items=$(bpftool btf dump file /sys/kernel/btf/vmlinux format c 2>/dev/null |
	awk '$1 ~ /^(PGSCAN_DIRECT|PGSCAN_KSWAPD|PGSTEAL_DIRECT|PGSTEAL_KSWAPD)$/ && $2 == "=" {
		sub(",", "", $3); printf "%sargs->item == %s", n++ ? " || " : "", $3 }')
memid=$(bpftool btf dump file /sys/kernel/btf/vmlinux format c 2>/dev/null |
	awk '$1 == "memory_cgrp_id" { sub(",", "", $3); print $3; exit }')
BT=$T_TMP/watch.bt
# the same tracepoints, the same per-task pairing, the same cgroup read
cat >"$BT" <<EOF
BEGIN { printf("ready\n"); }
tracepoint:vmscan:mm_vmscan_memcg_reclaim_begin { @ms[tid] = nsecs; }
tracepoint:vmscan:mm_vmscan_memcg_reclaim_end /@ms[tid]/ {
	printf("%llu %llu %d %s reclaim lat=%llu reclaimed=%lu\n", nsecs,
	       curtask->cgroups->subsys[$memid]->cgroup->kn->id, pid, comm,
	       nsecs - @ms[tid], args->nr_reclaimed);
	delete(@ms[tid]);
}
tracepoint:vmscan:mm_vmscan_direct_reclaim_begin { @ds[tid] = nsecs; }
tracepoint:vmscan:mm_vmscan_direct_reclaim_end /@ds[tid]/ {
	printf("%llu %llu %d %s direct lat=%llu reclaimed=%lu\n", nsecs,
	       curtask->cgroups->subsys[$memid]->cgroup->kn->id, pid, comm,
	       nsecs - @ds[tid], args->nr_reclaimed);
	delete(@ds[tid]);
}
tracepoint:vmscan:mm_vmscan_throttled {
	printf("%llu %llu %d %s throttle delayed=%d reason=%d\n", nsecs,
	       curtask->cgroups->subsys[$memid]->cgroup->kn->id, pid, comm,
	       args->usec_delayed, args->reason);
}
tracepoint:oom:mark_victim { printf("%llu oom pid=%d\n", nsecs, args->pid); }
tracepoint:cgroup:cgroup_mkdir { printf("%llu mkdir %llu %d\n", nsecs, args->id, args->level); }
tracepoint:cgroup:cgroup_rmdir { printf("%llu rmdir %llu %d\n", nsecs, args->id, args->level); }
tracepoint:memcg:count_memcg_events /${items:-0}/ { @pg[args->id] = sum(args->val); }
interval:s:1 { print(@pg); clear(@pg); }
EOF

# attach MODE OUT: start a tracer (none, watch, watch-nolimit, bpftrace); $TPID
attach() {
	local mode=$1 out=$2
	TPID=
	case $mode in
	none) return 0 ;;
	watch) "$MEMCGCTL" -j watch -D 600 >"$out" 2>"$out.err" & ;;
	watch-nolimit) "$MEMCGCTL" -j watch -e reclaim,direct,oom,throttle,cgroup -D 600 >"$out" 2>"$out.err" & ;;
	watch-text) "$MEMCGCTL" watch -e reclaim,direct,oom,throttle,cgroup -D 600 >"$out" 2>"$out.err" & ;;
	bpftrace) bpftrace -B line "$BT" >"$out" 2>"$out.err" & ;;
	esac
	TPID=$!
	BG+=("$TPID")
	# text: the header line (the "Watching" note goes to stderr)
	wait_for "$out" '"event":"start"\|^ready\|^TIME ' || { echo "watch bench: $mode did not attach: $(cat "$out.err")" >&2; return 1; }
}
# SIGINT (both print their summaries), then harder if it does not end
detach() {
	local i
	[[ -n $TPID ]] || return 0
	kill -INT "$TPID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	TPID=
}

cg_new bench-fault 1G; cg_f=$CG
cg_new bench-storm 16M; cg_s=$CG

# ---- 1. hot path ------------------------------------------------------------
declare -A F
modes=(none watch watch-nolimit bpftrace)
for ((r = 0; r < REPS; r++)); do
	for m in "${modes[@]}"; do
		attach "$m" "$T_TMP/f.$m" || exit 1
		cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/faultcpu" -s 32M -t "$FAULT_SECS"
		wait "$PID"
		F[$m]+="$(awk '{ print $2 }' "$PID_OUT") "
		detach
	done
done
n=$(med ${F[none]}) w=$(med ${F[watch]}) wn=$(med ${F[watch-nolimit]}) b=$(med ${F[bpftrace]})
echo "watch hot path (faultcpu, CPU ns per page in a 1G-limited memcg, median of $REPS):"
printf '  nothing %.1f ns | watch (all) %.1f ns (%s) | watch (no limit class) %.1f ns (%s) | bpftrace %.1f ns (%s)\n' \
	"$n" "$w" "$(pct "$w" "$n")" "$wn" "$(pct "$wn" "$n")" "$b" "$(pct "$b" "$n")"
echo "  ratio watch/nothing $(ratio "$w" "$n"), watch-nolimit/nothing $(ratio "$wn" "$n"), bpftrace/nothing $(ratio "$b" "$n")"
echo "  overhead ratio watch/bpftrace $(ratio "$(awk -v a="$w" -v b="$n" 'BEGIN{print a-b}')" "$(awk -v a="$b" -v b="$n" 'BEGIN{print a-b}')")"

# ---- 2. CPU per delivered event ---------------------------------------------
declare -A C E
for ((r = 0; r < REPS; r++)); do
	for m in watch-nolimit watch-text bpftrace; do
		attach "$m" "$T_TMP/s.$m" || exit 1
		c0=$(cpu_ns "$TPID")
		cg_run "$cg_s" dd if=/dev/zero of="$T_TMP/storm.file" bs=1M count="$STORM_MB" status=none
		wait "$PID"
		sleep 0.3	# let the consumer drain
		c1=$(cpu_ns "$TPID")
		detach
		if [[ $m == bpftrace ]]; then
			ev=$(grep -c ' reclaim lat=\| direct lat=\| throttle delayed=' "$T_TMP/s.$m")
		elif [[ $m == watch-text ]]; then
			ev=$(grep -c ' reclaim  lat=\| direct   lat=\| throttle slept=' "$T_TMP/s.$m")
		else
			ev=$(grep -c '"class":"\(reclaim\|direct\|throttle\)"' "$T_TMP/s.$m")
		fi
		rm -f "$T_TMP/storm.file"
		((ev > 0)) || continue
		C[$m]+="$(awk -v c=$((c1 - c0)) -v e="$ev" 'BEGIN { printf "%.1f", c / e }') "
		E[$m]+="$ev "
	done
done
cw=$(med ${C[watch-nolimit]:-0}) ct=$(med ${C[watch-text]:-0}) cb=$(med ${C[bpftrace]:-0})
echo "watch event storm (dd ${STORM_MB}M into a 16M memcg, to a file, consumer CPU per delivered event, median of $REPS):"
printf '  watch -j %.0f ns/event (%s events/run) | watch text %.0f ns/event | bpftrace %.0f ns/event (%s events/run)\n' \
	"$cw" "$(med ${E[watch-nolimit]:-0})" "$ct" "$cb" "$(med ${E[bpftrace]:-0})"
echo "  ratio watch -j/bpftrace $(ratio "$cw" "$cb"), watch text/bpftrace $(ratio "$ct" "$cb")"
lost=$(jq -s '[.[] | select(.event == "summary") | .lost] | add' "$T_TMP/s.watch-nolimit" 2>/dev/null)
echo "  watch lost events in the last run: ${lost:-?}"

# ---- 3. startup: exec -> attached ------------------------------------------
declare -A S
startup() {
	local t0 t1 line
	t0=$EPOCHREALTIME
	case $1 in
	watch) coproc SP { exec "$MEMCGCTL" -j watch -D 600 2>/dev/null; } ;;
	bpftrace) coproc SP { exec bpftrace -B line "$BT" 2>/dev/null; } ;;
	esac
	local sp=$SP_PID
	while read -r line <&"${SP[0]}"; do
		[[ $line == *'"event":"start"'* || $line == ready ]] && break
	done
	t1=$EPOCHREALTIME
	kill -INT "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}
for ((r = 0; r < REPS; r++)); do
	for m in watch bpftrace; do
		S[$m]+="$(startup "$m") "
	done
done
sw=$(med ${S[watch]}) sb=$(med ${S[bpftrace]})
echo "watch startup (exec -> attached, all classes, median of $REPS):"
echo "  watch ${sw} ms | bpftrace ${sb} ms | ratio watch/bpftrace $(ratio "$sw" "$sb")"
