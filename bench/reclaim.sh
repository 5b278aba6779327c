#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# reclaim --auto on a cold-heavy workload (coldhot: a large cold page-cache
# region and a small hot set re-read in a loop), over a fixed run, for
#   none      no proactive reclaim
#   memcgctl  reclaim --auto (default controller)
#   senpai    reclaim --auto --mode senpai (senpai's algorithm and defaults)
# side by side in one run.  Per controller: usage reduction, PSI some
# total, workingset refaults, and the hot set's throughput against none.
# Goal (issue 8): >= 60% usage reduction within 2 minutes, hot set within 5%.
# Then the hot-path cost of a waiting --auto on faultbench (see the end).
#   RC_BENCH_SECS (120)  RC_BENCH_COLD (512M)  RC_BENCH_HOT (32M)  RC_BENCH_OVH_ROUNDS (5)
. "$(dirname "$0")/lib.sh"
need_root
SECS=${RC_BENCH_SECS:-120} COLD=${RC_BENCH_COLD:-512M} HOT=${RC_BENCH_HOT:-32M}
WDIR=$(mktemp -d -p "${MEMCGCTL_TEST_DIR:-/var/tmp}" memcgctl-bench.XXXXXX)
trap 'cg_cleanup; rm -rf "$WDIR"' EXIT
if [[ $MEM_V2 == 1 ]]; then USAGE=memory.current; RF='^workingset_refault_(anon|file) '
else USAGE=memory.usage_in_bytes; RF='^total_workingset_refault_(anon|file) '; fi

refaults() { awk -v re="$RF" '$0 ~ re { s += $2 } END { print s + 0 }' "$1/memory.stat"; }
psi_total() { sed -n 's/^some .*total=\([0-9]*\)/\1/p' "$1/memory.pressure"; }

# one_run NAME [reclaim args...]: appends "NAME u0 u1 psi_us refaults passes
# hot_mbs" to $WDIR/results (not through $(...): cg_new must register its
# cgroups in this shell, or nothing removes them)
one_run() {
	local name=$1 cg rel psi wl out u0 rf0 p0 mc=
	shift
	cg_new "bench-$name" 2G
	cg=$CG rel=$CG_REL
	psi=$cg
	[[ $MEM_V2 == 0 ]] && psi=$PSI_ROOT$rel
	cg_run "$cg" "$MEMCGCTL_TEST_BIN/coldhot" -c "$COLD" -h "$HOT" -t "$SECS" -f "$WDIR/$name"
	wl=$PID out=$PID_OUT
	for _ in $(seq 600); do grep -q ready "$out" && break; sleep 0.1; done
	u0=$(cat "$cg/$USAGE") rf0=$(refaults "$cg") p0=$(psi_total "$psi")
	if (($#)); then
		"$MEMCGCTL" -j reclaim "$rel" --auto "$@" >"$WDIR/$name.log" 2>&1 &
		mc=$!
	fi
	# sample just before coldhot ends: on exit it deletes its files
	sleep $((SECS - 3))
	local u1 rf1 p1
	u1=$(cat "$cg/$USAGE") rf1=$(refaults "$cg") p1=$(psi_total "$psi")
	if [[ -n $mc ]]; then
		kill -INT "$mc"
		wait "$mc"
		# the controller's own account, on stderr so the table stays clean
		echo "  $name: $(tail -1 "$WDIR/$name.log" | jq -c '{stopped, reduction_pct, steps, backoffs, psi_some_us, refault_pages}' 2>/dev/null ||
			tail -3 "$WDIR/$name.log")" >&2
	fi
	wait "$wl"
	echo "$name $u0 $u1 $((p1 - p0)) $((rf1 - rf0)) $(sed -n 's/.*passes=\([0-9]*\).*hot_mbs=\([0-9.]*\).*/\1 \2/p' "$out")" \
		>>"$WDIR/results"
}

echo "reclaim --auto: coldhot cold $COLD + hot $HOT, ${SECS}s per controller"
one_run none
one_run memcgctl --mode memcgctl
one_run senpai --mode senpai --min-size "$HOT"
mapfile -t res <"$WDIR/results"
base_mbs=$(awk '{ print $7 }' <<<"${res[0]}")
base_passes=$(awk '{ print $6 }' <<<"${res[0]}")
printf '%-9s %9s %9s %8s %10s %9s %8s %9s %8s\n' controller usage0 usage1 reduced \
	psi_some refaults passes hot_MB/s vs_none
for r in "${res[@]}"; do
	read -r name u0 u1 psi rf passes mbs <<<"$r"
	awk -v n="$name" -v u0="$u0" -v u1="$u1" -v psi="$psi" -v rf="$rf" -v p="$passes" \
		-v m="$mbs" -v bm="$base_mbs" -v bp="$base_passes" 'BEGIN {
		printf "%-9s %8.1fM %8.1fM %7.1f%% %8.1fms %9d %8d %9.1f %7.3f\n", n, u0 / 1048576,
			u1 / 1048576, 100 * (u0 - u1) / u0, psi / 1000, rf / 1, p, m, m / bm }'
done
echo "(vs_none: hot-set read throughput relative to no reclaim; passes are paced 10ms apart)"

# Hot-path cost of a running --auto between steps: faultbench (page faults
# charged in a limited cgroup) alone, and while `reclaim --auto` watches
# that cgroup without reclaiming (--min-size above its usage: every tick is
# "floor"), alternating, median of RC_BENCH_OVH_ROUNDS (5) each.
ovh_rounds=${RC_BENCH_OVH_ROUNDS:-5}
cg_new bench-ovh 512M
ovh=$CG ovh_rel=$CG_REL
without=() with=()
for _ in $(seq "$ovh_rounds"); do
	without+=("$(fault_ns "$ovh")")
	"$MEMCGCTL" reclaim "$ovh_rel" --auto --interval 1s --min-size 1G >/dev/null 2>&1 &
	p=$!
	sleep 1.5	# loaded, first ticks done
	with+=("$(fault_ns "$ovh")")
	kill "$p"
	wait "$p"
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
mw=$(med "${with[@]}") mo=$(med "${without[@]}")
echo "faultbench while --auto waits: $mw ns/page vs $mo alone, ratio $(ratio "$mw" "$mo")" \
	"(rounds: alone ${without[*]}; with ${with[*]})"
