#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# reclaim against real cgroups and a real workload (coldhot: a large cold
# region and a small hot set re-read in a loop):
#  - one-shot reclaim takes about what was asked, the BPF count (and its
#    anon/file split) agrees with cgroupfs, and the limit is exactly as
#    before (v1 emulation) or never touched (v2 memory.reclaim);
#  - SIGINT/SIGTERM in the middle leave the limits exactly as they were;
#  - --auto shrinks the cold region while the hot set keeps running and
#    pressure stays under target, and stops cleanly on a signal;
#  - v2: swappiness= support as the kernel really has it (--file-only,
#    --anon-only, --swappiness work or are refused in one line);
#  - refusals: more than usage, non-memory cgroups; no BPF object left.
#
# The workload is page cache on a real file system (the v1 host: no swap,
# so only file pages are reclaimable). Where the only file system is tmpfs
# (the VM guests) page cache would be shmem, so with swap on the workload
# is anonymous memory instead, reclaimed to swap: the assertions then
# follow the anon LRU (shmem and anon are both swap-backed, on it).
. "$(dirname "$0")/../lib.sh"
need_root

WDIR=${MEMCGCTL_TEST_DIR:-/var/tmp}
ANON=0
if [[ $(stat -f -c %T "$WDIR") == tmpfs || $(stat -f -c %T "$WDIR") == ramfs ]]; then
	if [[ $MEM_V2 == 1 && $(awk 'NR > 1' /proc/swaps | wc -l) -gt 0 ]]; then
		ANON=1
	else
		t_skip all "$WDIR is tmpfs and there is no swap (or no v2): nothing reclaimable"
		exit 0
	fi
fi
WDIR=$(mktemp -d -p "$WDIR" memcgctl-reclaim.XXXXXX)
# coldhot's backing: -f PREFIX (page cache) or -a (anonymous)
wl_mem() { if ((ANON)); then echo -a; else echo -f "$WDIR/$1"; fi; }
trap 'cg_cleanup; rm -rf "$WDIR"' EXIT

if [[ $MEM_V2 == 1 ]]; then LIMIT_FILE=memory.max USAGE_FILE=memory.current
else LIMIT_FILE=memory.limit_in_bytes USAGE_FILE=memory.usage_in_bytes; fi
# every limit reclaim could touch: v1 the limit; v2 memory.max and memory.high
limits_of() {
	if [[ $MEM_V2 == 1 ]]; then echo "max=$(cat "$1/memory.max") high=$(cat "$1/memory.high")"
	else cat "$1/$LIMIT_FILE"; fi
}
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1/memory.stat"; }

usage_of() { cat "$1/$USAGE_FILE"; }
near() { # near A B TOL: |A-B| <= TOL
	local d=$(($1 - $2))
	((d < 0)) && d=$((-d))
	((d <= $3))
}

# ---- one-shot ------------------------------------------------------------
cg_new rc-once 512M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg=$CG rel=$CG_REL
# shellcheck disable=SC2046  # wl_mem gives one or two words on purpose
cg_run "$cg" "$MEMCGCTL_TEST_BIN/coldhot" -c 96M -h 4M $(wl_mem once)
wl=$PID wl_out=$PID_OUT
wait_ready "$wl_out" || t_fail workload-ready "coldhot never got ready: $(cat "$wl_out")"
lim0=$(cat "$cg/$LIMIT_FILE") lims0=$(limits_of "$cg")
((ANON)) && anon0=$(stat_of "$cg" anon) swap0=$(cat "$cg/memory.swap.current")
[[ $MEM_V2 == 1 ]] && pgsteal0=$(stat_of "$cg" pgsteal) pgscan0=$(stat_of "$cg" pgscan)

run_mc -j reclaim "$rel" 32M
check_eq "size-exit-0" 0 "$RC"
check_json "size-result-done" '.result == "done" and .complete == true'
check_json "size-requested" '.requested_bytes == 33554432 and .cgroup_id > 0 and .time > 1e9'
got=$(jq .usage_reduction_bytes <<<"$OUT")
# at least the request, give or take the hot set's churn; above it by what
# the kernel's reclaim batches overshoot (6.1's memory.reclaim of page
# cache gave 41.5M for 32M), not by another request's worth
echo "# 32M asked: usage fell by $((got >> 10))K"
check "size-usage-fell-32M-or-a-batch-more" test "$got" -ge $((28 << 20)) -a "$got" -le $((48 << 20))
now=$(usage_of "$cg")
check "size-usage-after-agrees-with-cgroupfs" near "$(jq .usage_after_bytes <<<"$OUT")" "$now" $((2 << 20))
# BPF saw what cgroupfs saw: within 12% (slab and other kernel memory also move)
bpf=$(jq .reclaimed_bytes <<<"$OUT")
check "size-bpf-count-agrees" near "$bpf" "$got" $((got / 8))
if ((ANON)); then
	# swap-backed pages are on the anon LRU: BPF must count them as anon,
	# and memory.stat's anon and memory.swap.current must move by as much
	check_json "size-anon-pages" '.anon_reclaimed_pages > 7000 and .file_reclaimed_pages < 512'
	check_json "size-by-memcgctl" '.by_memcgctl.reclaimed_anon_pages > 7000 and .by_memcgctl.passes > 0'
	anon_bpf=$(($(jq .anon_reclaimed_pages <<<"$OUT") * $(jq .page_size <<<"$OUT")))
	anon_drop=$((anon0 - $(stat_of "$cg" anon)))
	swap_rise=$(($(cat "$cg/memory.swap.current") - swap0))
	check "size-anon-agrees-with-memory.stat" near "$anon_drop" "$anon_bpf" $((anon_bpf / 8 + (1 << 20)))
	check "size-swapped-out-about-32M" near "$swap_rise" $((32 << 20)) $((6 << 20))
else
	check_json "size-file-pages" '.file_reclaimed_pages > 7000 and .anon_reclaimed_pages == 0'
	check_json "size-by-memcgctl" '.by_memcgctl.reclaimed_file_pages > 7000 and .by_memcgctl.passes > 0'
fi
# anon pages were just written: their accessed bits send many back to the
# active list on the first scan (6.1's classic LRU: ~25% efficiency)
if ((ANON)); then
	check_json "size-scanned-ge-reclaimed" '.scanned_pages >= .reclaimed_pages and .efficiency_pct > 10'
else
	check_json "size-scanned-ge-reclaimed" '.scanned_pages >= .reclaimed_pages and .efficiency_pct > 30'
fi
check_json "size-duration" '.duration_ns > 0 and .duration_ns < 30000000000'
check_man_jq "man-reclaim-example" memcgctl-reclaim.8 "20% |"
# v2: the kernel's own counters of the subtree moved as much as BPF says.
# pgscan/pgsteal are vm events up to 7.0 and node stats from 7.1: either
# way memory.stat has them, and BPF must follow whichever hook carries
# them (reading memory.stat flushes the stats; 1/8 + 256 pages of slack for
# the per-CPU batches and the workload's own faults)
if [[ $MEM_V2 == 1 && -n $pgsteal0 ]]; then
	steal=$(($(stat_of "$cg" pgsteal) - pgsteal0)) scan=$(($(stat_of "$cg" pgscan) - pgscan0))
	bsteal=$(jq .reclaimed_pages <<<"$OUT") bscan=$(jq .scanned_pages <<<"$OUT")
	check "size-pgsteal-agrees-with-memory.stat" near "$bsteal" "$steal" $((steal / 8 + 256))
	check "size-pgscan-agrees-with-memory.stat" near "$bscan" "$scan" $((scan / 8 + 256))
	echo "# reclaim: memory.stat pgsteal $steal pgscan $scan, BPF $bsteal $bscan"
fi
check_eq "size-limit-unchanged" "$lim0" "$(cat "$cg/$LIMIT_FILE")"
[[ $MEM_V2 == 1 ]] && check_eq "size-v2-limits-untouched" "$lims0" "$(limits_of "$cg")"
[[ $MEM_V2 == 1 ]] && check_json "size-v2-method" '.method == "memory.reclaim"'

run_mc -j reclaim "$rel" 25%
check_eq "percent-exit-0" 0 "$RC"
check_json "percent-is-of-usage" '(.requested_bytes - .usage_before_bytes / 4) | fabs < 8192'
check_json "percent-usage-fell" '.usage_reduction_bytes > .requested_bytes * 0.8'
check_eq "percent-limit-unchanged" "$lim0" "$(cat "$cg/$LIMIT_FILE")"

# text report: one line per fact, fits 80 columns
run_mc reclaim "$rel" 4M
check_eq "text-exit-0" 0 "$RC"
check "text-has-efficiency" grep -q 'efficiency' <<<"$OUT"
check "text-80-columns" test "$(awk '{ print length }' <<<"$OUT" | sort -n | tail -1)" -le 80

# more than usage: refused before anything happens
run_mc -j reclaim "$rel" 100G
check_eq "too-much-rc" 2 "$RC"
check_json "too-much-json" '.error | test("more than the cgroup uses")'

# v2: does this kernel's memory.reclaim take swappiness=? Ask the kernel
# itself (EINVAL: unknown key) and hold feature's probe and the options to it.
if [[ $MEM_V2 == 1 ]]; then
	if err=$(echo "4096 swappiness=60" 2>&1 >"$cg/memory.reclaim"); then kswap=true
	elif grep -q 'Invalid argument' <<<"$err"; then kswap=false
	else kswap=true; fi	# EAGAIN: parsed, just not all reclaimed
	echo "# $(uname -r): memory.reclaim swappiness= accepted: $kswap"
	run_mc -j feature
	check_json "swappiness-probe-agrees-with-kernel" ".system[\"memory.reclaim_swappiness\"] == $kswap"
	if [[ $kswap == true ]]; then
		# the workload is anonymous: page cache only finds ~nothing
		if ((ANON)); then
			run_mc -j reclaim "$rel" 8M --file-only
			check_eq "file-only-partial-rc" 8 "$RC"
			check_json "file-only-partial" '.result == "partial" and .anon_reclaimed_pages < 256 and .usage_reduction_bytes < 2097152'
		fi
		if ((ANON)); then
			run_mc -j reclaim "$rel" 8M --anon-only
			check_eq "anon-only-rc" 0 "$RC"
			check_json "anon-only-anon-pages" '.anon_reclaimed_pages > 1500'
		else
			# the workload is page cache: --file-only finds it all
			run_mc -j reclaim "$rel" 8M --file-only
			check_eq "file-only-rc" 0 "$RC"
			check_json "file-only-file-pages" '.file_reclaimed_pages > 1500 and .anon_reclaimed_pages < 256'
		fi
		run_mc -j reclaim "$rel" 4M --swappiness 100
		check_eq "swappiness-rc" 0 "$RC"
	else
		for o in --file-only --anon-only "--swappiness 60"; do
			# shellcheck disable=SC2086
			run_mc reclaim "$rel" 4M $o
			check_eq "refused${o%% *}-rc" 5 "$RC"
			one_line_err "refused${o%% *}-one-line"
			check "refused${o%% *}-says-why" grep -q 'takes no swappiness=' <<<"$ERR"
		done
		run_mc -j reclaim "$rel" 4M --file-only
		check_json "refused-json" '.error | test("swappiness=")'
	fi
	check_eq "swappiness-v2-limits-untouched" "$lims0" "$(limits_of "$cg")"
fi

# nothing reclaimable left: partial, exit 8, a clear line: anon without
# swap (on v2, a cgroup whose memory.swap.max is 0).
kill "$wl"; wait "$wl" 2>/dev/null
cg_new rc-anon 512M
[[ -e $CG/memory.swap.max ]] && echo 0 >"$CG/memory.swap.max"
cg_run "$CG" "$MEMCGCTL_TEST_BIN/hog" -s 32M
wait_ready "$PID_OUT"
lim_a=$(cat "$CG/$LIMIT_FILE")
run_mc reclaim "$CG_REL" 90%
check_eq "partial-rc" 8 "$RC"
check "partial-clear-line" grep -q 'partial: usage fell by' <<<"$ERR"
check_eq "partial-limit-restored" "$lim_a" "$(cat "$CG/$LIMIT_FILE")"
run_mc -j reclaim "$CG_REL" 90%
check_json "partial-json" '.result == "partial" and .complete == false'
kill "$PID"

# non-memory cgroups and the root
other=$(awk '$9 == "cgroup" && $NF !~ /memory/ && $5 ~ /pids|cpu|devices/ { print $5; exit }' /proc/self/mountinfo)
if [[ -n $other && $MEM_V2 == 0 ]]; then
	run_mc reclaim "$other" 1M
	check_eq "non-memory-hierarchy-rc" 3 "$RC"
fi
if [[ $MEM_V2 == 1 ]]; then
	# a v2 child whose parent does not delegate memory has no memory files
	cg_new rc-nomem
	mkdir "$CG/sub" && T_CGROUPS+=("$CG/sub")
	run_mc reclaim "$CG_REL/sub" 1M
	check_eq "non-memory-cgroup-rc" 3 "$RC"
	check "non-memory-cgroup-says-so" grep -q 'not a memory cgroup' <<<"$ERR"
fi
run_mc reclaim / 1M
check_eq "root-needs-force" 2 "$RC"

# ---- signals mid-run ---------------------------------------------------------
# MEMCGCTL_TEST_STEP_PAUSE_MS holds each lowered step, so the signal lands
# while the limit really is lowered (checked); the limit must then be
# exactly as before, every time.
# v2 writes nothing persistent: memory.max and memory.high must read the
# same, and the signal is sent once usage has really started to fall. One
# 1M write may take several MB there (MGLRU evicts in batches), so each
# step is held longer and there is more to take.
cg_new rc-sig 512M
sig_cold=48M pause=40
[[ $MEM_V2 == 1 ]] && sig_cold=96M pause=250
# shellcheck disable=SC2046
cg_run "$CG" "$MEMCGCTL_TEST_BIN/coldhot" -c $sig_cold -h 8M $(wl_mem sig)
wait_ready "$PID_OUT"
lim_s=$(limits_of "$CG")
n=0 ok=0 mid=0 lowered=0
# v1: the limit reclaim lowers step by step no longer reads LIMIT, or PID ended
v1_lowered_or_done() { [[ $(cat "$CG/$LIMIT_FILE") != "$2" ]] || ! kill -0 "$1" 2>/dev/null; }
for sig in INT TERM INT TERM; do
	u_s=$(usage_of "$CG")
	MEMCGCTL_TEST_STEP_PAUSE_MS=$pause "$MEMCGCTL" -j reclaim "$CG_REL" 50% --step 1M \
		>"$T_TMP/sig.json" 2>/dev/null &
	p=$!
	if [[ $MEM_V2 == 1 ]]; then
		for _ in $(seq 300); do
			(($(usage_of "$CG") < u_s - (2 << 20))) && break
			sleep 0.1
		done
		kill -0 "$p" 2>/dev/null && (($(usage_of "$CG") < u_s - (2 << 20))) &&
			lowered=$((lowered + 1))
	else
		wait_until 300 v1_lowered_or_done "$p" "$lim_s"
		[[ $(cat "$CG/$LIMIT_FILE") != "$lim_s" ]] && lowered=$((lowered + 1))
	fi
	kill -s "$sig" "$p" 2>/dev/null
	wait "$p"
	rc=$?
	n=$((n + 1))
	jq -e '.result == "interrupted"' "$T_TMP/sig.json" >/dev/null 2>&1 && mid=$((mid + 1))
	[[ -s $T_TMP/sig.json ]] && check_schema "sig$sig-$n-json-schema" reclaim "$T_TMP/sig.json"
	lim=$(limits_of "$CG")
	if [[ $lim == "$lim_s" && $rc == 8 ]]; then ok=$((ok + 1))
	else echo "# SIG$sig: rc $rc, limit $lim (was $lim_s)"; fi
done
check_eq "signals-limit-exactly-restored" "$n/$n" "$ok/$n"
check_eq "signals-landed-while-lowered" "$n/$n" "$lowered/$n"
check_eq "signals-reported-interrupted" "$n/$n" "$mid/$n"
kill "$PID"

# ---- v1: one lowerer per cgroup, a journal that survives SIGKILL -------------
# wait_limit_below CG LIMIT: until the v1 limit reads lower than LIMIT
wait_limit_below() {
	for _ in $(seq 600); do (($(cat "$1/$LIMIT_FILE") < $2)) && return 0; sleep 0.05; done
	return 1
}
if [[ $MEM_V2 == 0 ]]; then
	cg_new rc-lock 512M
	lcg=$CG lrel=$CG_REL lid=$(stat -c %i "$CG")
	# shellcheck disable=SC2046
	cg_run "$lcg" "$MEMCGCTL_TEST_BIN/coldhot" -c 64M -h 4M $(wl_mem lock)
	lwl=$PID
	wait_ready "$PID_OUT"
	lim_l=$(cat "$lcg/$LIMIT_FILE")
	# two at once: the second waits for the first, and the limit ends as it was
	# (before: the second took the first's lowered limit for the original and,
	# ending last, put that back)
	MEMCGCTL_TEST_STEP_PAUSE_MS=1000 "$MEMCGCTL" reclaim "$lrel" 4M --step 1M \
		>"$T_TMP/l1.out" 2>&1 &
	p1=$!
	wait_limit_below "$lcg" "$lim_l" || t_fail "lock-first-lowered" "the limit never moved"
	MEMCGCTL_TEST_STEP_PAUSE_MS=600 "$MEMCGCTL" reclaim "$lrel" 12M --step 1M \
		>"$T_TMP/l2.out" 2>&1 &
	p2=$!
	wait_grep "$T_TMP/l2.out" "waiting for pid $p1"
	check "lock-second-waits-for-first" kill -0 "$p1"
	check "lock-second-says-so" grep -q "reclaim: $lrel: waiting for pid $p1, which is reclaiming from it" \
		"$T_TMP/l2.out"
	wait "$p1"; rc1=$?
	wait "$p2"; rc2=$?
	check_eq "lock-both-exit-0" "0 0" "$rc1 $rc2"
	check_eq "lock-limit-as-it-was" "$lim_l" "$(cat "$lcg/$LIMIT_FILE")"
	check "lock-state-dir-private" test "$(stat -c '%u %a %F' "/run/memcgctl")" = "0 700 directory"
	check "lock-no-journal-left" test ! -e "/run/memcgctl/reclaim-$lid.journal"
	check "lock-file-removed-after" test ! -e "/run/memcgctl/reclaim-$lid.lock"

	# SIGKILL while a step holds the limit down: the journal keeps the
	# original, and the next reclaim on the cgroup puts it back and says so
	for mode in text json; do
		MEMCGCTL_TEST_STEP_PAUSE_MS=3000 "$MEMCGCTL" reclaim "$lrel" 8M --step 1M \
			>/dev/null 2>&1 &
		p=$!
		wait_limit_below "$lcg" "$lim_l"
		kill -KILL "$p"
		wait "$p" 2>/dev/null
		low=$(cat "$lcg/$LIMIT_FILE")
		check "kill9-$mode-left-it-lowered" test "$low" -lt "$lim_l"
		check "kill9-$mode-journal-kept" grep -qx "limit $lim_l" "/run/memcgctl/reclaim-$lid.journal"
		if [[ $mode == text ]]; then run_mc reclaim "$lrel" 1M; else run_mc -j reclaim "$lrel" 1M; fi
		check_eq "kill9-$mode-repair-exit-0" 0 "$RC"
		check "kill9-$mode-repair-says-so" grep -q \
			"reclaim: $lrel: restored memory.limit_in_bytes to $lim_l (it was $low): a reclaim (pid $p) was killed" <<<"$ERR"
		check_eq "kill9-$mode-limit-back" "$lim_l" "$(cat "$lcg/$LIMIT_FILE")"
		check "kill9-$mode-journal-gone" test ! -e "/run/memcgctl/reclaim-$lid.journal"
	done
	check_json "kill9-json-repaired" '.limit_repaired == true and .result == "done"'
	run_mc -j reclaim "$lrel" 1M
	check_json "kill9-repaired-once" '.limit_repaired == false'
	kill "$lwl"; wait "$lwl" 2>/dev/null
fi

# ---- OOM kills during a reclaim are reported, never "done", exit 0 -----------
# rc-oom/work holds what is reclaimed, rc-oom/victim a hog that is OOM-killed
# while the reclaim runs: on v1 by the limit a step holds down (48M fit in
# 512M otherwise), on v2 by its own 32M limit (memory.reclaim lowers none).
cg_new rc-oom 512M
ocg=$CG orel=$CG_REL
olim=$(cat "$ocg/$LIMIT_FILE")
[[ $MEM_V2 == 1 ]] && echo +memory >"$ocg/cgroup.subtree_control"
cg_new rc-oom/work
wcg=$CG
if [[ $MEM_V2 == 1 ]]; then cg_new rc-oom/victim 32M; echo 0 >"$CG/memory.swap.max"
else cg_new rc-oom/victim; echo 0 >"$CG/memory.swappiness"; fi
vcg=$CG
# reclaim counts the kills of its whole subtree: the OOM killer may pick the
# workload in rc-oom/work as well as (or instead of) the hog
for mode in json text; do
	# a fresh workload each time: on v1 the hog pushed the last one's cache out
	# shellcheck disable=SC2046
	cg_run "$wcg" "$MEMCGCTL_TEST_BIN/coldhot" -c 24M -h 4M $(wl_mem oom-$mode)
	owl=$PID
	wait_ready "$PID_OUT"
	k0=$(($(oom_kills "$vcg") + $(oom_kills "$wcg")))
	if [[ $mode == json ]]; then j=-j; else j=; fi
	MEMCGCTL_TEST_STEP_PAUSE_MS=1500 "$MEMCGCTL" $j -d reclaim "$orel" 8M --step 1M \
		>"$T_TMP/oom.out" 2>"$T_TMP/oom.err" &
	p=$!
	wait_grep "$T_TMP/oom.err" "debug: reclaim: step" ||
		t_fail "oom-$mode-reclaim-started" "$(tail -3 "$T_TMP/oom.err")"
	# v1 sets the lower limit only once usage fits under it: until then the
	# old one binds, and a hog started meanwhile fits in 512M and is not killed
	if [[ $MEM_V2 == 0 ]]; then
		wait_limit_below "$ocg" "$olim" || t_fail "oom-$mode-limit-lowered" "$(cat "$ocg/$LIMIT_FILE")"
	fi
	cg_run "$vcg" "$MEMCGCTL_TEST_BIN/hog" -s 48M -H 0 -q
	wait "$PID" 2>/dev/null
	wait "$p"
	rc=$?
	k1=$(($(oom_kills "$vcg") + $(oom_kills "$wcg")))
	check "oom-$mode-kernel-counted" test "$((k1 - k0))" -ge 1
	check_eq "oom-$mode-exit-8" 8 "$rc"
	if [[ $mode == json ]]; then
		OUT=$(cat "$T_TMP/oom.out")
		check_json "oom-json-reported" ".oom_kills == $((k1 - k0)) and .complete == false"
	else
		check "oom-text-report" grep -q "^  OOM kills   $((k1 - k0)) in the cgroup while it ran" \
			"$T_TMP/oom.out"
		check "oom-text-stderr" grep -q "reclaim: $((k1 - k0)) OOM kill(s) in $orel while it ran" \
			"$T_TMP/oom.err"
	fi
	kill "$owl"; wait "$owl" 2>/dev/null
done

# ---- --auto ------------------------------------------------------------------
cg_new rc-auto 512M
auto_cg=$CG auto_rel=$CG_REL
# shellcheck disable=SC2046
cg_run "$CG" "$MEMCGCTL_TEST_BIN/coldhot" -c 128M -h 8M -t 50 $(wl_mem auto)
hot=$PID hot_out=$PID_OUT
wait_ready "$hot_out"
lim_a=$(limits_of "$CG")
u0=$(usage_of "$CG")
# 30 s: one stall tick above the target (a TCG guest under load has them)
# holds the controller above that usage for 16 << backoffs ticks, 16 s here
run_mc -j reclaim "$auto_rel" --auto --interval 500ms --duration 30s --psi-target 0.2%
check_eq "auto-exit-0" 0 "$RC"
auto_log=$OUT
OUT=$(tail -1 <<<"$auto_log")
check_json "auto-summary" '.event == "summary" and .stopped == "duration" and .mode == "memcgctl" and .duration_ms >= 29000'
check_json "auto-shrinks-cold-workload" '.reduction_pct >= 50'
jq -e '.reduction_pct >= 50' <<<"$OUT" >/dev/null ||
	jq -c '[.elapsed_ms, .usage_bytes, .psi_some_us, .refault_pages, .action, .reclaimed_bytes]' <<<"$auto_log"
check_json "auto-pressure-under-target" '.psi_some_pct < 0.2'
jq -e '.psi_some_pct < 0.2' <<<"$OUT" >/dev/null ||
	jq -c '[.elapsed_ms, .usage_bytes, .psi_some_us, .refault_pages, .action, .reclaimed_bytes]' <<<"$auto_log"
check_json "auto-limit-restored" '.limit_restored == true'
check_eq "auto-limit-unchanged" "$lim_a" "$(limits_of "$auto_cg")"
# survived: still running, or already through its 50 s (a TCG guest that
# took long to fill the page cache) with its "done" line, not OOM-killed
check "auto-hot-set-survived" bash -c "kill -0 $hot 2>/dev/null || grep -q 'done passes=' '$hot_out'"
check "auto-usage-really-fell" test "$(usage_of "$auto_cg")" -lt $((u0 / 2))
wait "$hot"
check "auto-hot-set-finished" grep -q 'done passes=' "$hot_out"
passes=$(sed -n 's/.*done passes=\([0-9]*\).*/\1/p' "$hot_out")
check "auto-hot-set-made-progress" test "${passes:-0}" -gt 100

# JSON lines: one object per tick, then the summary
# shellcheck disable=SC2046
cg_run "$auto_cg" "$MEMCGCTL_TEST_BIN/coldhot" -c 64M -h 4M -t 30 $(wl_mem auto2)
hot=$PID
wait_ready "$PID_OUT"
run_mc -j reclaim "$auto_rel" --auto --interval 300ms --duration 3s
n_lines=$(grep -c . <<<"$OUT")
check "auto-json-lines-parse" jq -e . <<<"$OUT"
check "auto-one-line-per-tick" test "$n_lines" -ge 8
check "auto-tick-fields" jq -se '.[0] | .event == "tick" and has("usage_bytes") and has("psi_some_us") and has("refault_pages") and has("action")' <<<"$OUT"

# SIGTERM / SIGINT while a step holds the v1 limit lowered
for sig in TERM INT; do
	MEMCGCTL_TEST_STEP_PAUSE_MS=300 "$MEMCGCTL" -j reclaim "$auto_rel" --auto --interval 100ms \
		--max-step 2M >"$T_TMP/auto-sig.json" 2>&1 &
	p=$!
	# signalled once it runs (a tick printed), its 300 ms steps under way
	check "auto-sig$sig-ticking" wait_grep "$T_TMP/auto-sig.json" '"event":"tick"' 100
	kill -s "$sig" "$p"
	wait "$p"
	rc=$?
	check_eq "auto-sig$sig-exit-0" 0 "$rc"
	check_eq "auto-sig$sig-limit-exact" "$lim_a" "$(limits_of "$auto_cg")"
	OUT=$(tail -1 "$T_TMP/auto-sig.json")
	check_schema "auto-sig$sig-summary-schema" reclaim
	check_json "auto-sig$sig-summary" '.stopped == "signal" and .limit_restored == true'
done

# senpai's algorithm: a virtual limit that tightens by at most 1% per probe
# Each probe is judged against the tick before it: under load (one TCG vCPU)
# a tick may back off on PSI instead, which loosens the limit and is also
# checked, rather than making the probes non-adjacent.
run_mc -j reclaim "$auto_rel" --auto --mode senpai --interval 2s --min-size 1M --duration 7s
check_eq "senpai-exit-0" 0 "$RC"
check "senpai-logs-limit" jq -se '.[0] | .event == "tick" and .target_bytes > 0' <<<"$OUT"
senpai_steps='[.[] | select(.event == "tick")] as $t | [range(1; $t | length) |
	{a: $t[.].action, r: ($t[.].target_bytes / $t[. - 1].target_bytes)}]'
check "senpai-probes-by-1pct" jq -se "$senpai_steps"' |
	([.[] | select(.a == "probe")] | length) >= 1 and
	all(.[] | select(.a == "probe"); .r >= 0.985 and .r < 1) and
	all(.[] | select(.a == "backoff-psi"); .r > 1)' <<<"$OUT" ||
	jq -c '[.action, .target_bytes, .psi_some_us]' <<<"$OUT"
OUT=$(tail -1 <<<"$OUT")
check_json "senpai-summary" '.mode == "senpai" and .stopped == "duration"'
kill "$hot" 2>/dev/null

# the cgroup going away mid-run: exit 7, nothing left behind
cg_new rc-gone 64M
gone_cg=$CG
"$MEMCGCTL" reclaim "$CG_REL" --auto --interval 200ms >"$T_TMP/gone.out" 2>&1 &
p=$!
# removed once reclaim runs (a tick printed), not after a guessed delay
check "auto-vanished-ticking" wait_grep "$T_TMP/gone.out" '^ *[0-9]'
rmdir "$gone_cg"
[[ -n $PSI_ROOT && $PSI_ROOT != "$MEM_ROOT" ]] && rmdir "$PSI_ROOT/$T_PREFIX/rc-gone" 2>/dev/null
wait "$p"
check_eq "auto-vanished-exit-7" 7 "$?"
check "auto-vanished-says-so" grep -q 'vanished' "$T_TMP/gone.out"

# programs are released a moment after their process exits (check_no_leaks waits)
check_no_leaks "no-bpf-leaks" '^reclaim_'
