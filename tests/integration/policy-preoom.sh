#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# preoom's charge-path trigger: an anonymous fast allocator without swap
# (1 MiB steps, no pause) in a 64M cgroup gets SIGTERM before the OOM
# killer comes and exits cleanly, in at least 9 of 10 trials; the event
# says what the policy saw.  A cache-heavy workload that keeps its cgroup
# at its limit with page cache, and adds some anonymous memory, is never
# signalled, and the checks it caused are counted as near misses.
. "$(dirname "$0")/../lib.sh"
need_root

P="p$$"
PIN=/sys/fs/bpf/memcgctl
FDIR=$(mktemp -d -p /var/tmp memcgctl-ppreoom.XXXXXX)
TRIALS=10

preoom_cleanup() {
	local n
	for n in $(ls "$PIN" 2>/dev/null | grep "^${P}_"); do "$MEMCGCTL" policy unload "$n" >/dev/null 2>&1; done
	rm -rf "$FDIR"
	cg_cleanup
}
trap preoom_cleanup EXIT

counter() {	# POLICY COUNTER
	"$MEMCGCTL" -j policy show "$1" | jq -r ".counters.$2"
}

# ---- the fast allocator: anonymous, no swap, 1 MiB steps -------------------
cg_new fast 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_f=$CG rel_f=$CG_REL
no_swap "$cg_f"
# interval_ns=0: every trial's process may be signalled, however soon
# after the previous one; rate_grace_ns=0: the static headroom alone (the
# rate term is tested below)
run_mc -j policy load preoom name "${P}_f" cgroup "$rel_f" interval_ns=0 rate_grace_ns=0
check_eq "load-rc" 0 "$RC"
check_json "headroom-default" '.parameters.headroom_pct == 10 and .parameters.headroom_bytes == 0'
check_json "charge-path-attached" '[.programs[] | select(.attached) | .name] | (index("policy_oom_near") != null) or (index("policy_oom_rss") != null)'

clean=0 killed=0 kills0=$(oom_kills "$cg_f")
for ((i = 0; i < TRIALS; i++)); do
	cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 1M -i 0
	wait "$PID" 2>/dev/null
	rc=$?
	if [[ $rc == 0 ]] && grep -q "got SIGTERM" "$PID_OUT"; then
		clean=$((clean + 1))
	else
		echo "# trial $i: rc $rc: $(tr '\n' ' ' <"$PID_OUT")"
	fi
done
killed=$(( $(oom_kills "$cg_f") - kills0 ))
echo "# fast allocator: $clean/$TRIALS clean exits, $killed OOM kills"
check "fast-clean-9-of-10" test "$clean" -ge 9
run_mc -j policy events "${P}_f"
echo "# first event: $(head -n 1 <<<"$OUT")"
check "events-near-limit" jq -se "length >= $clean and all(.[]; .reason == \"near_limit\" and .action == \"signal\" and .signal == 15 and .comm == \"sigcatch\")" <<<"$OUT"
# what it saw: unreclaimable within the headroom (10% of 64M) of the limit,
# usage at most the limit, and a growth rate
check "event-explains" jq -se 'all(.[]; .limit == 67108864 and .headroom == 6710886 and .unreclaimable + .headroom >= .limit and .usage <= .limit and .unreclaimable <= .usage and .value == .unreclaimable and .value2 == .headroom)' <<<"$OUT"
check "event-rate" jq -se 'any(.[]; .rate > 0)' <<<"$OUT"
# one more, for the human form of its event (the -j read consumed the rest)
cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 1M -i 0
wait "$PID" 2>/dev/null
run_mc policy events "${P}_f"
check "events-human-explains" grep -q "^ *unreclaimable [0-9.]*M headroom 6.4M rate .*/s$" <<<"$OUT"
run_mc policy unload "${P}_f"
check_eq "unload-f" 0 "$RC"

# ---- the rate term: same static headroom, the fast allocator signalled earlier ----
run_mc -j policy load preoom name "${P}_r" cgroup "$rel_f" interval_ns=0 headroom_bytes=4M
check_eq "load-rate-rc" 0 "$RC"
check_json "rate-grace-default" '.parameters.rate_grace_ns == 100000000'
# slow: 128K every 10 ms (at most 12.8 MB/s: 1.3M in 100 ms, under the 4M)
cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 128K -i 10
wait "$PID" 2>/dev/null
rc_slow=$? out_slow=$(tr '\n' ' ' <"$PID_OUT")
run_mc -j policy events "${P}_r"
ev_slow=$OUT
# fast: 1M steps without a pause
cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 1M -i 0
wait "$PID" 2>/dev/null
rc_fast=$? out_fast=$(tr '\n' ' ' <"$PID_OUT")
run_mc -j policy events "${P}_r"
ev_fast=$OUT
echo "# slow: rc $rc_slow ($out_slow) $(jq -c '{usage, headroom, rate, rate_headroom_bytes}' <<<"$ev_slow" 2>/dev/null)"
echo "# fast: rc $rc_fast ($out_fast) $(jq -c '{usage, headroom, rate, rate_headroom_bytes}' <<<"$ev_fast" 2>/dev/null)"
check "rate-slow-clean" bash -c "[[ $rc_slow == 0 && '$out_slow' == *'got SIGTERM'* ]]"
check "rate-fast-clean" bash -c "[[ $rc_fast == 0 && '$out_fast' == *'got SIGTERM'* ]]"
check "rate-slow-static-headroom" jq -se 'length == 1 and .[0].headroom == 4194304 and .[0].rate_headroom_bytes < 4194304' <<<"$ev_slow"
check "rate-fast-wider-headroom" jq -se 'length == 1 and .[0].headroom > 4194304 and .[0].headroom == .[0].rate_headroom_bytes and .[0].headroom <= 2 * 4194304 and .[0].unreclaimable + .[0].headroom >= .[0].limit' <<<"$ev_fast"
check "rate-fast-signalled-lower" test "$(jq -r .usage <<<"$ev_fast")" -lt "$(jq -r .usage <<<"$ev_slow")"
run_mc policy unload "${P}_r"
check_eq "unload-r" 0 "$RC"

# ---- cache-heavy: page cache at the limit, plus some anon: never signalled ----
cg_new cache 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_c=$CG rel_c=$CG_REL
run_mc -j policy load preoom name "${P}_c" cgroup "$rel_c" interval_ns=0
check_eq "load-cache-rc" 0 "$RC"
kills0=$(oom_kills "$cg_c")
# 160M of page cache through a 64M cgroup (written and read back), then 8M
# of anon in 1 MiB steps while the cache keeps usage at the limit
cg_run "$cg_c" "$MEMCGCTL_TEST_BIN/sigcatch" -f "$FDIR/cache" -F 160M -s 8M -c 1M -i 10
wait "$PID" 2>/dev/null
check_eq "cache-completes" 0 "$?"
check "cache-not-signalled" bash -c "! grep -q 'got SIGTERM' '$PID_OUT' && grep -q '^done' '$PID_OUT'"
check_eq "cache-no-oom-kill" "$kills0" "$(oom_kills "$cg_c")"
check_eq "cache-no-actions" 0 "$(counter "${P}_c" actions)"
check "cache-near-misses" test "$(counter "${P}_c" near_misses)" -gt 0
run_mc -j policy events "${P}_c"
check_eq "cache-no-events" "" "$OUT"
run_mc policy unload "${P}_c"
check_eq "unload-c" 0 "$RC"

check_eq "no-pins-left" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_")"
sleep 0.5
check_no_leaks "no-bpf-leaks" '^policy_'
