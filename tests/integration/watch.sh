#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# watch against real cgroups and real workloads: a page-cache hog in a
# limited cgroup reclaims and watch names its cgroup and pid; a hog in a
# sibling outside the filter produces nothing; an anonymous hog is
# OOM-killed and watch reports the victim; the counts agree with what the
# kernel itself records (tracefs, memory.oom_control / memory.events);
# --duration, SIGINT, a vanishing cgroup and leaks.
. "$(dirname "$0")/../lib.sh"
# a VM guest without swap (a kernel packaged without zram) cannot reclaim the
# tmpfs/anon workloads below: the checks that need that skip, saying why
swap_skip() { [[ ${MEMCGCTL_VM_SWAP:-1} == 0 ]] && t_skip "$1" "$MEMCGCTL_VM_SWAP_WHY"; }
need_root

HOG=$MEMCGCTL_TEST_BIN/hog
TRACEFS=/sys/kernel/tracing
INST=
W_PIDS=()

watch_cleanup() {
	local p
	for p in "${W_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [[ -n $INST && -d $INST ]]; then
		echo 0 >"$INST/tracing_on" 2>/dev/null
		echo 0 >"$INST/events/enable" 2>/dev/null
		rmdir "$INST" 2>/dev/null
	fi
	rm -f "$T_TMP"/*.file
	cg_cleanup
}
trap watch_cleanup EXIT

# mc_bg OUTFILE ARGS...: memcgctl in the background; $W_PID
mc_bg() {
	local out=$1; shift
	"$MEMCGCTL" "$@" >"$out" 2>"$out.err" &
	W_PID=$!
	W_PIDS+=("$W_PID")
}
# count of JSON lines in FILE matching a jq filter
jcount() {
	jq -c "select($2)" "$1" 2>/dev/null | wc -l
}

cg_new watch-a 48M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_a=$CG rel_a=$CG_REL id_a=$(stat -c %i "$CG")
cg_new watch-b 48M
cg_b=$CG rel_b=$CG_REL

# ---- 1. page-cache reclaim in watch-a, a sibling hog in watch-b ----------
mc_bg "$T_TMP/w1" -j watch "$rel_a" -e all -D 60
w1=$W_PID
# the same run, every cgroup but only one class and a latency no reclaim reaches
mc_bg "$T_TMP/w2" -j watch -e reclaim --min-lat 10s -D 60
w2=$W_PID
if ! wait_grep "$T_TMP/w1" '"event":"start"' || ! wait_grep "$T_TMP/w2" '"event":"start"'; then
	t_fail attach "watch did not start: $(cat "$T_TMP/w1.err" "$T_TMP/w2.err")"
	exit 0
fi
t_ok attach

# the hog waits for a go so that w3 and tracefs can be pointed at its pid
# first (a fixed delay is too short where loading takes seconds)
cg_run "$cg_a" sh -c "while [ ! -e $T_TMP/go-a ]; do sleep 0.05; done; exec $HOG -s 32M -f $T_TMP/a.file -H 0 -q"
pid_a=$PID
mc_bg "$T_TMP/w3" -j watch -e reclaim -P "$pid_a" -D 60
w3=$W_PID
have_tracefs=0
if [[ -d $TRACEFS/instances ]] && INST=$TRACEFS/instances/$T_PREFIX && mkdir "$INST" 2>/dev/null; then
	for e in mm_vmscan_memcg_reclaim_begin mm_vmscan_memcg_reclaim_end; do
		echo "common_pid == $pid_a" >"$INST/events/vmscan/$e/filter"
		echo 1 >"$INST/events/vmscan/$e/enable"
	done
	have_tracefs=1
else
	INST=
fi
wait_grep "$T_TMP/w3" '"event":"start"' || t_fail pid-attach "$(cat "$T_TMP/w3.err")"
touch "$T_TMP/go-a"
wait "$pid_a"
rc_a=$?
swap_skip hog-a-finished || check_eq "hog-a-finished" 0 "$rc_a"
cg_run "$cg_b" "$HOG" -s 32M -f "$T_TMP/b.file" -H 0 -q
pid_b=$PID
wait "$pid_b"
# the hogs' events are in the ring buffers by now: watch drains them at SIGINT
kill -INT "$w1" "$w2" "$w3"
wait "$w1"; rc1=$?
wait "$w2"; rc2=$?
wait "$w3"
check_eq "sigint-exit-0" 0 "$rc1"

f=$T_TMP/w1
check "json-lines-parse" jq -e . "$f"
check_schema "w1-schema" watch "$f"
n_rec=$(jcount "$f" ".event == \"reclaim\"")
check "reclaim-seen" test "$n_rec" -gt 0
check_eq "reclaim-right-cgroup" "$n_rec" "$(jcount "$f" ".event == \"reclaim\" and .cgroup == \"$rel_a\" and .cgroup_id == $id_a")"
check_eq "reclaim-right-pid" "$n_rec" "$(jcount "$f" ".event == \"reclaim\" and .pid == $pid_a and .comm == \"hog\"")"
check_eq "sibling-produces-nothing" 0 "$(jcount "$f" ".cgroup == \"$rel_b\" or .pid == $pid_b")"
check_eq "all-events-in-subtree" 0 "$(jcount "$f" "has(\"class\") and (.cgroup | startswith(\"$rel_a\") | not)")"
# a latency is a difference of bpf_ktime_get_ns(): 0 is a fair reading where
# the guest's clock is coarse (TCG), but not for every reclaim
check "reclaim-latency-measured" test "$(jcount "$f" ".event == \"reclaim\" and .latency_ns > 0")" -gt 0
check_eq "reclaim-fields" "$n_rec" "$(jcount "$f" ".event == \"reclaim\" and (.time|type) == \"number\" and (.latency_ns|type) == \"number\" and (.reclaimed_pages|type) == \"number\" and (.tid|type) == \"number\" and .class == \"reclaim\"")"
check_eq "sigint-prints-summary" 1 "$(jcount "$f" ".event == \"summary\"")"
check_eq "summary-counts-reclaim" "$n_rec" "$(jq -c "select(.event == \"summary\") | .cgroups[] | select(.cgroup == \"$rel_a\") | .events.reclaim" "$f")"
swap_skip summary-pages-reclaimed || check_eq "summary-pages-reclaimed" 1 "$(jcount "$f" ".event == \"summary\" and .cgroups[0].reclaimed_pages > 0 and .lost == 0")"
n_lim=$(jcount "$f" ".event == \"limit\" and .cgroup == \"$rel_a\" and .reclaim_entries > 0")
check "limit-line-for-cgroup" test "$n_lim" -gt 0
sum_hits=$(jq -s "[.[] | select(.event == \"limit\") | .reclaim_entries] | add" "$f")
check_eq "limit-hits-equal-reclaims" "$n_rec" "$sum_hits"
# without memcg:count_memcg_events (6.1, 6.12) limit is partial: hits only,
# page counts 0, and feature calls watch degraded; with it, pages counted
if [[ -d $TRACEFS/events/memcg/count_memcg_events ]]; then want_partial=false; else want_partial=true; fi
check_eq "limit-partial-iff-no-count-events" "$want_partial" \
	"$(jq -r 'select(.event == "start") | .partial | index("limit") != null' "$f")"
if [[ $want_partial == true ]]; then
	check_eq "limit-partial-no-page-counts" 0 "$(jcount "$f" '.event == "limit" and (.pgscan > 0 or .pgsteal > 0)')"
	check_eq "limit-partial-feature-degraded" degraded "$("$MEMCGCTL" -j feature | jq -r .commands.watch.status)"
else
	swap_skip limit-page-counts || check "limit-page-counts" test "$(jcount "$f" ".event == \"limit\" and .cgroup == \"$rel_a\" and .pgscan > 0 and .pgsteal > 0")" -gt 0
fi

# --min-lat keeps events in the kernel; the summary still counts them
f=$T_TMP/w2
check_schema "w2-schema" watch "$f"
check_eq "min-lat-filters-in-kernel" 0 "$(jcount "$f" ".event == \"reclaim\"")"
check_eq "min-lat-summary-counts" "$n_rec" "$(jq -c "select(.event == \"summary\") | .cgroups[] | select(.cgroup == \"$rel_a\") | .events.reclaim" "$f")"
check_eq "min-lat-exit-0" 0 "$rc2"

# -P: only the hog's events, and all of them
f=$T_TMP/w3
check_schema "w3-schema" watch "$f"
check_eq "pid-filter" "$n_rec" "$(jcount "$f" ".event == \"reclaim\" and .pid == $pid_a")"
check_eq "pid-filter-nothing-else" 0 "$(jcount "$f" "has(\"pid\") and .pid != $pid_a")"

# the kernel's own count of the same tracepoint for the same task
if ((have_tracefs)); then
	echo 0 >"$INST/tracing_on"
	k_end=$(grep -c mm_vmscan_memcg_reclaim_end: "$INST/trace")
	check_eq "reclaim-count-equals-tracefs" "$k_end" "$n_rec"
	echo 0 >"$INST/events/enable"
	rmdir "$INST" && INST=
else
	t_skip "reclaim-count-equals-tracefs" "no tracefs instances"
fi

# ---- 2. OOM kill, mkdir, --duration ----------------------------------------
mc_bg "$T_TMP/o1" -j watch "/$T_PREFIX" -e oom,cgroup -D 10
wo=$W_PID
wait_grep "$T_TMP/o1" '"event":"start"' || t_fail oom-attach "$(cat "$T_TMP/o1.err")"
cg_new watch-oom 32M
cg_o=$CG rel_o=$CG_REL id_o=$(stat -c %i "$CG")
if [[ $MEM_V2 == 1 ]]; then
	echo 0 >"$cg_o/memory.swap.max" 2>/dev/null
	before=$(awk '$1 == "oom_kill" { print $2 }' "$cg_o/memory.events")
else
	echo 0 >"$cg_o/memory.swappiness"
	before=$(awk '$1 == "oom_kill" { print $2 }' "$cg_o/memory.oom_control")
fi
# two victims in a row: the counts must agree, not merely be non-zero
cg_run "$cg_o" "$HOG" -s 128M -q
pid_o=$PID
wait "$pid_o"
check_eq "oom-hog-killed" 137 "$?"
cg_run "$cg_o" "$HOG" -s 128M -q
pid_o2=$PID
wait "$pid_o2"
if [[ $MEM_V2 == 1 ]]; then
	after=$(awk '$1 == "oom_kill" { print $2 }' "$cg_o/memory.events")
else
	after=$(awk '$1 == "oom_kill" { print $2 }' "$cg_o/memory.oom_control")
fi
wait "$wo"
rco=$?
t1=$(date +%s%N)
f=$T_TMP/o1
check_schema "o1-schema" watch "$f"
check_man_jq "man-watch-example" memcgctl-watch.8 "-e oom |" "$f"
# -D counts from the start record (loading takes seconds in a TCG guest)
t0=$(jq -r 'select(.event == "start") | .time * 1000 | floor' "$f")
ms=$((t1 / 1000000 - t0))
check_eq "duration-exit-0" 0 "$rco"
check "duration-ends-on-time" test "$ms" -ge 9950 -a "$ms" -lt 12000
check_eq "oom-event" 1 "$(jcount "$f" ".event == \"oom_kill\" and .pid == $pid_o")"
check_eq "oom-victim-cgroup" 1 "$(jcount "$f" ".event == \"oom_kill\" and .pid == $pid_o and .cgroup == \"$rel_o\" and .cgroup_id == $id_o and .comm == \"hog\" and .cgroup_of == \"victim\"")"
check_eq "oom-victim-rss" 1 "$(jcount "$f" ".event == \"oom_kill\" and .pid == $pid_o and .anon_rss_bytes > 16777216 and .anon_rss_bytes <= 33554432 and (.oom_score_adj|type) == \"number\" and (.killer_pid|type) == \"number\"")"
check_eq "oom-kills-equal-kernel-count" "$((after - before))" "$(jcount "$f" ".event == \"oom_kill\" and .cgroup == \"$rel_o\"")"
check_eq "oom-summary" "$((after - before))" "$(jq -c "select(.event == \"summary\") | .cgroups[] | select(.cgroup == \"$rel_o\") | .events.oom" "$f")"
check_eq "mkdir-event" 1 "$(jcount "$f" ".event == \"mkdir\" and .cgroup == \"$rel_o\" and .cgroup_id == $id_o")"

# ---- 3. text output, -c, the watched cgroup vanishing ---------------------
cg_new watch-gone
cg_g=$CG rel_g=$CG_REL
mc_bg "$T_TMP/g1" watch "$rel_g" -D 30
wg=$W_PID
wait_grep "$T_TMP/g1.err" "Watching" || t_fail vanish-attach "$(cat "$T_TMP/g1.err")"
check "text-header" grep -q "^TIME .*CGROUP .*PID .*COMM .*EVENT" "$T_TMP/g1"
rmdir "$cg_g"
t0=$(date +%s%N)
wait "$wg"
rcg=$?
t1=$(date +%s%N)
check_eq "vanished-exit-code" 7 "$rcg"
check "vanished-message" grep -q "$rel_g was removed" "$T_TMP/g1.err"
check "vanished-promptly" test $(((t1 - t0) / 1000000)) -lt 2000
check "vanished-summary" grep -q "^--- .* events delivered, 0 lost" "$T_TMP/g1"

# -c 3 ends after three events, text lines carry the cgroup and pid
cg_new watch-c 48M
cg_c=$CG rel_c=$CG_REL id_c=$(stat -c %i "$CG")
mc_bg "$T_TMP/c1" watch "$rel_c" -e reclaim -c 3 -I -D 60
wc_=$W_PID
wait_grep "$T_TMP/c1.err" "Watching"
cg_run "$cg_c" "$HOG" -s 32M -f "$T_TMP/c.file" -H 0 -q
pid_c=$PID
wait "$wc_"
check_eq "count-exit-0" 0 "$?"
check_eq "count-3-lines" 3 "$(grep -c " reclaim  lat=" "$T_TMP/c1")"
# long paths keep their tail: "..st-1234/watch-c"
check "text-line-fields" grep -Eq "^[0-9:.]+ +$id_c +[^ ]*/watch-c +$pid_c hog +reclaim +lat=[0-9.]+[mun]?s reclaimed=[0-9]+$" "$T_TMP/c1"
wait "$pid_c"

# SIGHUP (the terminal went away) ends it like SIGINT: summary, exit 0
mc_bg "$T_TMP/h1" watch "$rel_c" -D 60
wh=$W_PID
wait_grep "$T_TMP/h1.err" "Watching" || t_fail sighup-attach "$(cat "$T_TMP/h1.err")"
kill -HUP "$wh"
wait "$wh"
check_eq "sighup-exit-0" 0 "$?"
check "sighup-prints-summary" grep -q "^--- .* events delivered, 0 lost" "$T_TMP/h1"

# ---- 3b. batched wakeups and buffered output lose nothing ------------------
# Into a file the kernel wakes watch rarely and output is written in chunks.
# mkdir/rmdir events are emitted before the syscall returns, so once the
# loop below is done all of them are in the ring buffer: whatever ends the
# watch, every one must be printed (or counted lost), and the kernel's own
# per-class count in the summary must match the lines.
cg_new watch-n
cg_n=$CG rel_n=$CG_REL
NB=200
batch_run() {	# batch_run NAME SIGNAL: NB children made and removed, then SIGNAL
	local name=$1 sig=$2 w rc
	mc_bg "$T_TMP/$name" -j watch "$rel_n" -e cgroup -D 600
	w=$W_PID
	if ! wait_grep "$T_TMP/$name" '"event":"start"'; then
		t_fail "$name-attach" "$(cat "$T_TMP/$name.err")"
		return
	fi
	for ((i = 0; i < NB; i++)); do mkdir "$cg_n/b$i"; done
	for ((i = 0; i < NB; i++)); do rmdir "$cg_n/b$i"; done
	kill -"$sig" "$w"
	wait "$w"
	rc=$?
	check_eq "$name-exit-0" 0 "$rc"
	check_eq "$name-mkdir-lines" "$NB" "$(jcount "$T_TMP/$name" '.event == "mkdir"')"
	check_eq "$name-rmdir-lines" "$NB" "$(jcount "$T_TMP/$name" '.event == "rmdir"')"
	check_eq "$name-summary" "$((2 * NB)) 0 $((2 * NB))" \
		"$(jq -r 'select(.event == "summary") |
			"\(.delivered) \(.lost) \([.cgroups[].events.cgroup] | add)"' "$T_TMP/$name")"
}
batch_run batch-sigint INT
batch_run batch-sigterm TERM

# --count ends it with exactly N events written, the summary after them
mc_bg "$T_TMP/batch-count" -j watch "$rel_n" -e cgroup -c 50 -D 600
wb=$W_PID
if wait_grep "$T_TMP/batch-count" '"event":"start"'; then
	for ((i = 0; i < 60; i++)); do mkdir "$cg_n/c$i"; done
	wait "$wb"
	check_eq "batch-count-exit-0" 0 "$?"
	check_eq "batch-count-lines" 50 "$(jcount "$T_TMP/batch-count" '.event == "mkdir"')"
	check_eq "batch-count-summary" 50 \
		"$(jq -r 'select(.event == "summary") | .delivered' "$T_TMP/batch-count")"
	for ((i = 0; i < 60; i++)); do rmdir "$cg_n/c$i"; done
else
	t_fail batch-count-attach "$(cat "$T_TMP/batch-count.err")"
fi

# a lone event reaches a file while the watch goes on (written when events pause)
mc_bg "$T_TMP/batch-idle" -j watch "$rel_n" -e cgroup -D 600
wb=$W_PID
if wait_grep "$T_TMP/batch-idle" '"event":"start"'; then
	mkdir "$cg_n/lone"
	check "batch-idle-written" wait_grep "$T_TMP/batch-idle" '"event":"mkdir"'
	check "batch-idle-still-running" kill -0 "$wb"
	rmdir "$cg_n/lone"
	kill -INT "$wb"
	wait "$wb"
else
	t_fail batch-idle-attach "$(cat "$T_TMP/batch-idle.err")"
fi

# ---- 4. nothing left behind ------------------------------------------------
for p in "${W_PIDS[@]}"; do wait "$p" 2>/dev/null; done
check_no_leaks "no-bpf-leaks" '^watch_'
