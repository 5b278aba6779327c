#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# pre-OOM benchmark (not a test), root: does the workload get the chance to
# exit cleanly before the kernel's OOM killer comes, and is a workload that
# would not have OOMed left alone?
#
#   bench/preoom.sh [-j] [-o FILE] | -r FILE
#     -j        JSON lines (one "preoom_trial" per trial, one "preoom_run",
#               one "preoom_cell" per cell) instead of the tables
#     -o FILE   also append the JSON lines to FILE
#     -r FILE   only print the tables of the JSON lines in FILE (e.g. the
#               records a VM guest printed)
#   TRIALS=10 (5 in a VM guest)  LIMIT=64M  GRACE_MS=200
#   WORKLOADS="burst steady cache tmpfs redis"  POLICIES="none preoom pressure poll"
#   SWAP="no yes" (the v1 host has no swap: no only)
#   PREOOM_ARGS="rate_grace_ns=200ms ..." parameters for preoom (default: none,
#   its defaults)
#
# Workloads, each alone in a memory cgroup of LIMIT:
#   burst   anonymous memory, 1 MiB steps, no pause (sigcatch -i 0)
#   steady  anonymous memory, 1 MiB every 20 ms
#   cache   a file of 2.5 x LIMIT written and read back, then 8M of anon:
#           never OOMs; any signal to it is a false alarm
#   tmpfs   shmem grown by write(2) to a tmpfs file, 1 MiB steps
#   redis   redis-server (no persistence) filled by redis-benchmark SETs of
#           4000 bytes from outside the cgroup; a clean exit is status 0
#           after "ready to exit" in its log, an OOM kill is status 137
# Policies: none; `policy load preoom` with its defaults; `policy load
# pressure` at threshold_pct=90 with signal=SIGTERM; poll: usagepoll reading
# memory.current (v1 memory.usage_in_bytes) every 100 ms and sending SIGTERM
# at 90% of the limit, what oomd-style daemons do.
# A trial is clean when the workload handled SIGTERM and exited with status 0
# (cache: when it finished without a signal); it is also counted late when
# that exit came more than GRACE_MS after the signal was sent. Swap "yes" (guests' zram) bounds the cgroup's swap to LIMIT, so the
# anonymous workloads still OOM; "no" turns swap off in the guest (swapoff)
# and sets memory.swap.max to 0.
# On the host (make bench, or BENCH=preoom) the v1 matrix takes ~7 min. In a
# guest (QEMU TCG, 1 vCPU) the v2 matrix, both swap columns, takes ~35 min at
# 5 trials, close to the runner's default bound; redis comes along with
#   MEMCGCTL_VM_EXTRA_BINS="redis-server redis-cli redis-benchmark" \
#     tests/vm/run.sh --kernel 6.12 --jobs 1 --script bench/preoom.sh --timeout 3600
# and the records it prints at the end render again with -r.
set -uo pipefail
: "${MEMCGCTL:?}" "${MEMCGCTL_TEST_BIN:?}"
JSON=0 OUTF='' RENDER=''
while getopts jo:r: o; do
	case $o in
	j) JSON=1 ;;
	o) OUTF=$OPTARG ;;
	r) RENDER=$OPTARG ;;
	*) echo "usage: bench/preoom.sh [-j] [-o FILE] | -r FILE" >&2; exit 2 ;;
	esac
done
# cells FILE: one "preoom_cell" record per kernel, workload, swap and policy,
# from the "preoom_trial" records in FILE. Clean: the workload handled SIGTERM
# and exited with status 0 (cache: it finished and was never signalled);
# late: clean, but more than grace_ms after the signal was sent.
cells() {
	jq -sc --argjson grace "${GRACE_MS:-200}" '
	def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	map(select(.event == "preoom_trial")
	    | .clean = (if .workload == "cache" then .outcome == "finished" and (.false_alarm | not)
	                else .outcome == "exit0" and .signalled end)) |
	group_by([.kernel, .workload, .swap, .policy])[] |
	{event: "preoom_cell", time: (map(.time) | max), kernel: .[0].kernel, layout: .[0].layout,
	 workload: .[0].workload, swap: .[0].swap, policy: .[0].policy, trials: length,
	 clean_exits: map(select(.clean)) | length,
	 late_exits: map(select(.clean and .signal_to_exit_ms != null and .signal_to_exit_ms > $grace)) | length,
	 signalled: map(select(.signalled)) | length,
	 oom_kills: map(.oom_kills) | add, false_alarms: map(select(.false_alarm)) | length,
	 grace_ms: $grace, limit_bytes: .[0].limit_bytes,
	 signal_to_exit_ms_median: [.[] | select(.clean) | .signal_to_exit_ms | select(. != null)] | median,
	 signal_to_exit_ms_max: [.[] | select(.clean) | .signal_to_exit_ms | select(. != null)] | max,
	 usage_at_signal_pct_median: [.[] | .usage_at_signal_pct | select(. != null)] | median}' "$1"
}

# report FILE: the tables, per kernel, from the JSON lines in FILE
report() {
	local c k wl swap pol h sw
	c=$(cells "$1")
	for k in $(jq -r 'select(.event == "preoom_trial") | .kernel' "$1" | awk '!seen[$0]++'); do
		jq -r --arg k "$k" 'select(.event == "preoom_trial" and .kernel == $k) | "\(.kernel) \(.layout) \(.limit_bytes)"' "$1" | head -n 1 |
			while read -r _ layout limit; do
				echo "== preoom: kernel $k, cgroup $layout, limit $((limit >> 20))M, grace ${GRACE_MS:-200} ms"
			done
		jq -r --arg k "$k" 'select(.event == "preoom_run" and .kernel == $k) |
			"   \(.cpus) CPU(s)\(if .vm then " (QEMU TCG guest)" else "" end), load average \(.load_start | join(" ")) at start, \(.load_end | join(" ")) at end; \(.trials) trials per cell, \(.duration_s) s"' "$1"
		echo "   clean exits/trials (k: OOM kills, f: false alarms, l: clean but later than the grace)"
		printf '%-8s %-5s' workload swap
		for pol in $POLICIES; do
			case $pol in pressure) h=pressure90 ;; poll) h=poll100ms ;; *) h=$pol ;; esac
			printf ' %-14s' "$h"
		done
		echo
		jq -r --arg k "$k" 'select(.event == "preoom_trial" and .kernel == $k) | "\(.workload) \(.swap)"' "$1" | awk '!seen[$0]++' |
			while read -r wl sw; do
				printf '%-8s %-5s' "$wl" "$([[ $sw == true ]] && echo yes || echo no)"
				for pol in $POLICIES; do
					printf ' %-14s' "$(jq -r --arg k "$k" --arg wl "$wl" --arg pol "$pol" --argjson swap "$sw" \
						'select(.kernel == $k and .workload == $wl and .policy == $pol and .swap == $swap) |
						 "\(.clean_exits)/\(.trials)" + (if .oom_kills > 0 then " k\(.oom_kills)" else "" end) +
						 (if .false_alarms > 0 then " f\(.false_alarms)" else "" end) +
						 (if .late_exits > 0 then " l\(.late_exits)" else "" end)' <<<"$c")"
				done
				echo
			done
		echo "   clean exits: signal -> exit ms (median/max); all signals: usage then (median, % of limit)"
		printf '%-8s %-5s' workload swap
		for pol in $POLICIES; do [[ $pol == none ]] || printf ' %-18s' "$pol"; done
		echo
		jq -r --arg k "$k" 'select(.event == "preoom_trial" and .kernel == $k) | "\(.workload) \(.swap)"' "$1" | awk '!seen[$0]++' |
			while read -r wl sw; do
				printf '%-8s %-5s' "$wl" "$([[ $sw == true ]] && echo yes || echo no)"
				for pol in $POLICIES; do
					[[ $pol == none ]] && continue
					printf ' %-18s' "$(jq -r --arg k "$k" --arg wl "$wl" --arg pol "$pol" --argjson swap "$sw" \
						'select(.kernel == $k and .workload == $wl and .policy == $pol and .swap == $swap) |
						 (if .signal_to_exit_ms_median == null then "-" else "\(.signal_to_exit_ms_median)/\(.signal_to_exit_ms_max)" end) +
						 (if .usage_at_signal_pct_median == null then "" else " @\(.usage_at_signal_pct_median)%" end)' <<<"$c")"
				done
				echo
			done
	done
}

POLICIES=${POLICIES:-none preoom pressure poll}
GRACE_MS=${GRACE_MS:-200}
if [[ -n $RENDER ]]; then
	report "$RENDER"
	exit 0
fi

# bench/lib.sh's setup, inline: a VM guest gets this file and tests/, not bench/
export T_RESULTS=/dev/null
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"
[[ $(id -u) == 0 ]] || { echo "preoom bench: needs root" >&2; exit 0; }

IN_VM=0; [[ -n ${MEMCGCTL_VM_SWAP:-} ]] && IN_VM=1
TRIALS=${TRIALS:-$((IN_VM ? 5 : 10))}
LIMIT=${LIMIT:-64M}
WORKLOADS=${WORKLOADS:-burst steady cache tmpfs redis}
PREOOM_ARGS=${PREOOM_ARGS:-}
LIMIT_B=$(numfmt --from=iec "$LIMIT")
THRESH_B=$((LIMIT_B * 90 / 100))
if [[ $MEM_V2 == 1 ]]; then USAGE_FILE=memory.current LAYOUT=v2; else USAGE_FILE=memory.usage_in_bytes LAYOUT=v1; fi
if [[ -z ${SWAP:-} ]]; then
	SWAP=no
	[[ $MEM_V2 == 1 && $(awk 'NR > 1' /proc/swaps | wc -l) -gt 0 ]] && SWAP="yes no"
fi
P="bp$$"
FDIR=$(mktemp -d -p /var/tmp memcgctl-bpreoom.XXXXXX)
REC=$FDIR/records.jsonl
SWAPPED_OFF=() ZRAM_DEV='' AUX_PIDS=()

cleanup() {
	local p d
	trap - INT TERM
	for p in "${AUX_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${AUX_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	"$MEMCGCTL" policy unload "${P}_preoom" "${P}_pressure" >/dev/null 2>&1
	cg_cleanup
	for d in "${SWAPPED_OFF[@]}"; do swapon "$d" 2>/dev/null || echo "preoom bench: swapon $d failed" >&2; done
	if [[ -n $ZRAM_DEV ]]; then
		echo 1 >"/sys/block/$ZRAM_DEV/reset" 2>/dev/null
		echo "${ZRAM_DEV#zram}" >/sys/class/zram-control/hot_remove 2>/dev/null
	fi
	rm -rf "$FDIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# only our own policies are touched: refuse to run if others are loaded on
# this machine (they would act on our cgroups too, if global)
if [[ -n $("$MEMCGCTL" -j policy list 2>/dev/null | jq -r '.[].name') ]]; then
	echo "preoom bench: other policies are loaded; not touching them" >&2
	exit 0
fi

# The cache workload needs real, reclaimable page cache: a file on disk on
# the host; in a guest, whose files are all on tmpfs, a zram block device
# read and written through its page cache.
CACHE_FILE=
if [[ $IN_VM == 0 ]]; then
	[[ $(stat -f -c %T /var/tmp) != tmpfs ]] && CACHE_FILE=$FDIR/cache
elif [[ -r /sys/class/zram-control/hot_add ]]; then
	n=$(cat /sys/class/zram-control/hot_add 2>/dev/null) && ZRAM_DEV=zram$n &&
		echo $((LIMIT_B * 3)) >"/sys/block/$ZRAM_DEV/disksize" && CACHE_FILE=/dev/$ZRAM_DEV
fi
HAVE_REDIS=0
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null && HAVE_REDIS=1

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
# mono_to_real_us NS: a CLOCK_MONOTONIC reading (BPF ts_ns) in wall-clock us
mono_to_real_us() {
	local m r
	read -r m r < <("$MEMCGCTL_TEST_BIN/usagepoll" -C)
	echo $(((r - m + $1) / 1000))
}

# reset CG: empty the cgroup of the pages earlier trials left charged
reset_cg() {
	if [[ $MEM_V2 == 1 ]]; then echo "$LIMIT_B" >"$1/memory.reclaim" 2>/dev/null
	else echo 0 >"$1/memory.force_empty" 2>/dev/null; fi
}

set_swap() {	# CG yes|no
	if [[ $MEM_V2 == 1 ]]; then
		if [[ $2 == yes ]]; then echo "$LIMIT_B" >"$1/memory.swap.max"; else echo 0 >"$1/memory.swap.max" 2>/dev/null; fi
	else
		no_swap "$1"
	fi
}

swap_off() {
	local d
	while read -r d _; do
		swapoff "$d" && SWAPPED_OFF+=("$d")
	done < <(awk 'NR > 1 { print $1 }' /proc/swaps)
}
swap_on() {
	local d
	for d in "${SWAPPED_OFF[@]}"; do swapon "$d"; done
	SWAPPED_OFF=()
}

start_workload() {	# WORKLOAD CG: sets PID, PID_OUT (and SOCK for redis)
	case $1 in
	burst) cg_run "$2" "$MEMCGCTL_TEST_BIN/sigcatch" -s $((LIMIT_B * 4)) -c 1M -i 0 ;;
	steady) cg_run "$2" "$MEMCGCTL_TEST_BIN/sigcatch" -s $((LIMIT_B * 4)) -c 1M -i 20 ;;
	tmpfs) cg_run "$2" "$MEMCGCTL_TEST_BIN/sigcatch" -S /dev/shm -s $((LIMIT_B * 4)) -c 1M -i 2 ;;
	cache) cg_run "$2" "$MEMCGCTL_TEST_BIN/sigcatch" -f "$CACHE_FILE" -F $((LIMIT_B * 5 / 2)) -s 8M -c 1M -i 10 ;;
	redis)
		SOCK=$FDIR/redis.sock
		rm -f "$SOCK"
		cg_run "$2" redis-server --port 0 --unixsocket "$SOCK" --save '' --appendonly no \
			--daemonize no --logfile '' --dir "$FDIR"
		;;
	esac
}

# one trial: prints its record (JSON); WL POL CG SWAP I
trial() {
	local wl=$1 pol=$2 cg=$3 swap=$4 i=$5 poller='' filler='' dog rc t_exit t_sig='' usage='' ev kills0 kills
	local signalled=false clean=false fa=false s2e=null why r=''
	# trials are spaced by the policy's interval_ns (one signal per cgroup
	# per interval): a trial must not find the policy still rate limited
	while (($(now_us) - LAST_END_US < GAP_US)); do sleep 0.05; done
	reset_cg "$cg"
	kills0=$(oom_kills "$cg")
	start_workload "$wl" "$cg"
	# a bound for a trial that hangs: it ends when the workload does
	{ timeout 300 tail -s 0.1 --pid="$PID" -f /dev/null >/dev/null 2>&1 || kill -KILL "$PID" 2>/dev/null; } &
	dog=$!
	AUX_PIDS+=("$dog")
	if [[ $wl == redis ]]; then
		for _ in $(seq 200); do
			[[ $(redis-cli -s "$SOCK" ping 2>/dev/null) == PONG ]] && break
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.05
		done
	fi
	if [[ $pol == poll ]]; then
		"$MEMCGCTL_TEST_BIN/usagepoll" -f "$cg/$USAGE_FILE" -t "$THRESH_B" -p "$PID" -i 100 >"$FDIR/poll" 2>&1 &
		poller=$!
		AUX_PIDS+=("$poller")
	fi
	if [[ $wl == redis ]]; then
		redis-benchmark -s "$SOCK" -t set -n $((LIMIT_B * 8 / 4000)) -r 100000000 -d 4000 -P 16 -c 2 -q >/dev/null 2>&1 &
		filler=$!
		AUX_PIDS+=("$filler")
	fi
	wait "$PID" 2>/dev/null
	rc=$?
	t_exit=$(now_us)
	[[ -n $filler ]] && { kill -KILL "$filler" 2>/dev/null; wait "$filler" 2>/dev/null; }
	[[ -n $poller ]] && { kill -KILL "$poller" 2>/dev/null; wait "$poller" 2>/dev/null; }
	wait "$dog" 2>/dev/null
	AUX_PIDS=()
	kills=$(($(oom_kills "$cg") - kills0))
	LAST_END_US=$(now_us)
	# when the signal was sent, and the usage then
	case $pol in
	preoom | pressure)
		ev=$("$MEMCGCTL" -j policy events "${P}_$pol" | jq -c "select(.action == \"signal\" and .pid == $PID)" | head -n 1)
		if [[ -n $ev ]]; then
			t_sig=$(mono_to_real_us "$(jq -r .ts_ns <<<"$ev")")
			usage=$(jq -r '.usage_bytes // .usage' <<<"$ev")
		fi
		;;
	poll)
		if read -r _ _ usage _ _ _ r <"$FDIR/poll" 2>/dev/null && [[ -n ${r:-} ]]; then
			t_sig=$((r / 1000))
		else
			usage=
		fi
		;;
	esac
	# what the workload saw
	if [[ $wl == redis ]]; then
		grep -q 'Received SIGTERM' "$PID_OUT" && signalled=true
		if [[ $rc == 0 ]] && grep -q 'ready to exit' "$PID_OUT"; then why=exit0; else why=rc$rc; fi
	else
		grep -q '^got SIGTERM' "$PID_OUT" && signalled=true
		if [[ $rc == 0 ]] && grep -q '^done' "$PID_OUT"; then why=finished
		elif [[ $rc == 0 && $signalled == true ]]; then why=exit0
		else why=rc$rc; fi
	fi
	[[ -n $t_sig ]] && s2e=$(((t_exit - t_sig) / 1000))
	if [[ $wl == cache ]]; then
		[[ $signalled == true || -n $t_sig ]] && fa=true
		[[ $why == finished && $fa == false ]] && clean=true
	elif [[ $why == exit0 && $signalled == true ]]; then
		clean=true
	fi
	# a redis that survived its filler is shut down here (it is not clean)
	[[ $wl == redis ]] && kill -0 "$PID" 2>/dev/null && { redis-cli -s "$SOCK" shutdown nosave >/dev/null 2>&1; wait "$PID" 2>/dev/null; }
	jq -cn --arg wl "$wl" --arg pol "$pol" --arg cg "${cg#"$MEM_ROOT"}" --argjson swap "$([[ $swap == yes ]] && echo true || echo false)" \
		--argjson i "$i" --argjson clean "$clean" --argjson sig "$signalled" --argjson fa "$fa" \
		--argjson rc "$rc" --arg why "$why" --argjson kills "$kills" --argjson s2e "$s2e" \
		--arg usage "$usage" --argjson limit "$LIMIT_B" --arg kernel "$(uname -r)" --arg layout "$LAYOUT" \
		--argjson t "$(awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.6f", t }')" \
		'{event: "preoom_trial", time: $t, cgroup: $cg, kernel: $kernel, layout: $layout, workload: $wl, swap: $swap,
		  policy: $pol, trial: $i, clean: $clean, signalled: $sig, outcome: $why, exit_status: $rc,
		  oom_kills: $kills, false_alarm: $fa, signal_to_exit_ms: $s2e, limit_bytes: $limit,
		  usage_at_signal_bytes: (if $usage == "" then null else ($usage | tonumber) end),
		  usage_at_signal_pct: (if $usage == "" then null else (($usage | tonumber) * 1000 / $limit | round / 10) end)}'
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(now_us)
for swap in $SWAP; do
	[[ $IN_VM == 1 && $swap == no ]] && swap_off
	[[ $IN_VM == 1 && $swap == yes ]] && swap_on
	for wl in $WORKLOADS; do
		if [[ $wl == cache && -z $CACHE_FILE ]] || [[ $wl == redis && $HAVE_REDIS == 0 ]]; then
			echo "preoom bench: $wl: skipped ($([[ $wl == cache ]] && echo "no disk or block device for page cache" || echo "redis-server/redis-benchmark not installed"))" >&2
			continue
		fi
		cg_new "$wl-$swap" "$LIMIT_B" || { echo "preoom bench: cannot create a cgroup" >&2; exit 1; }
		cg=$CG
		set_swap "$cg" "$swap"
		for pol in $POLICIES; do
			case $pol in
			# shellcheck disable=SC2086  # PREOOM_ARGS: words of KEY=VALUE
			preoom) "$MEMCGCTL" policy load preoom name "${P}_preoom" cgroup "$CG_REL" $PREOOM_ARGS >/dev/null || continue ;;
			pressure) "$MEMCGCTL" policy load pressure name "${P}_pressure" cgroup "$CG_REL" threshold_pct=90 signal=SIGTERM >/dev/null || continue ;;
			esac
			GAP_US=0 LAST_END_US=0
			case $pol in preoom | pressure)
				GAP_US=$(("$("$MEMCGCTL" -j policy show "${P}_$pol" | jq -r '.parameters.interval_ns // 0')" / 1000)) ;;
			esac
			for ((i = 0; i < TRIALS; i++)); do
				trial "$wl" "$pol" "$cg" "$swap" "$i" >>"$REC"
			done
			case $pol in preoom | pressure) "$MEMCGCTL" policy unload "${P}_$pol" >/dev/null ;; esac
			[[ $JSON == 0 ]] && jq -r "select(.workload == \"$wl\" and .policy == \"$pol\" and .swap == $([[ $swap == yes ]] && echo true || echo false)) | \"\(.trial) \(.outcome) sig=\(.signalled) kills=\(.oom_kills) s2e=\(.signal_to_exit_ms)ms usage=\(.usage_at_signal_pct)%\"" "$REC" |
				tr '\n' ' ' | sed "s/^/# $wl swap=$swap $pol: /; s/\$/\n/" >&2
		done
	done
done
swap_on
jq -cn --arg kernel "$(uname -r)" --arg layout "$LAYOUT" --argjson cpus "$(nproc)" \
	--arg l0 "$LOAD0" --arg l1 "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson d "$((($(now_us) - T0) / 1000000))" \
	--argjson trials "$TRIALS" --argjson limit "$LIMIT_B" --argjson grace "$GRACE_MS" \
	--argjson t "$(awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.6f", t }')" --argjson vm "$([[ $IN_VM == 1 ]] && echo true || echo false)" \
	'{event: "preoom_run", time: $t, kernel: $kernel, layout: $layout, vm: $vm, cpus: $cpus,
	  load_start: ($l0 | split(" ") | map(tonumber)), load_end: ($l1 | split(" ") | map(tonumber)),
	  duration_s: $d, trials: $trials, limit_bytes: $limit, grace_ms: $grace}' >>"$REC"
cells "$REC" >"$FDIR/cells"
[[ -n $OUTF ]] && cat "$REC" "$FDIR/cells" >>"$OUTF"
if [[ $JSON == 1 ]]; then
	cat "$REC" "$FDIR/cells"
	exit 0
fi
report "$REC"
if [[ $IN_VM == 1 ]]; then
	# the records, for bench/preoom.sh -r; and the VM runner wants a summary line: cells measured
	cat "$REC"
	echo "$(wc -l <"$FDIR/cells") passed, 0 failed, 0 skipped"
fi
