#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# preoom target=largest: where the kernel has bpf_send_signal_task (6.13+)
# a small process charging a cgroup to its limit gets the big idle process
# of that cgroup signalled instead of itself; where it has not, load and
# set refuse target=largest in one line with EXIT_UNSUPPORTED, leave
# nothing behind, and feature says policy is degraded.
. "$(dirname "$0")/../lib.sh"
need_root

P="t$$"
PIN=/sys/fs/bpf/memcgctl
FDIR=$(mktemp -d -p /var/tmp memcgctl-ptarget.XXXXXX)

target_cleanup() {
	local n
	for n in $(ls "$PIN" 2>/dev/null | grep "^${P}_"); do "$MEMCGCTL" policy unload "$n" >/dev/null 2>&1; done
	rm -rf "$FDIR"
	cg_cleanup
}
trap target_cleanup EXIT

run_mc -j feature
has_tk=$(jq '.kfunc.bpf_send_signal_task' <<<"$OUT")

cg_new target 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_t=$CG rel_t=$CG_REL
no_swap "$cg_t"

if [[ $has_tk != true ]]; then
	# ---- kernels without bpf_send_signal_task: refused, clearly, nothing left ----
	check_json "feature-policy-degraded" '.commands.policy.status == "degraded" and (.commands.policy.missing | test("bpf_send_signal_task"))'
	run_mc policy load preoom name "${P}_l" cgroup "$rel_t" target=largest
	check_eq "load-largest-refused-rc" 5 "$RC"
	one_line_err "load-largest-one-line"
	check "load-largest-says-why" grep -q "target=largest needs the bpf_send_signal_task kfunc" <<<"$ERR"
	check "load-largest-no-pins" test ! -e "$PIN/${P}_l"
	run_mc -j policy load preoom name "${P}_c" cgroup "$rel_t"
	check_eq "load-charger-ok" 0 "$RC"
	check_json "charger-by-name" '.parameters.target == "charger"'
	check_json "charger-only-program" '[.programs[].name] | (index("policy_oom_end") != null) and (index("policy_oom_rss") == null)'
	run_mc policy set "${P}_c" target=largest
	check_eq "set-largest-refused-rc" 5 "$RC"
	check "set-largest-says-why" grep -q "target=largest needs the bpf_send_signal_task kfunc" <<<"$ERR"
	run_mc -j policy show "${P}_c"
	check_json "set-refused-unchanged" '.parameters.target == "charger"'
	run_mc policy unload "${P}_c"
	check_eq "unload" 0 "$RC"
	check_eq "no-pins-left" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_")"
	check_no_leaks "no-bpf-leaks" '^policy_'
	exit 0
fi

# ---- kernels with it: the largest process is signalled, not the charger ----
check_json "feature-policy-full" '.commands.policy.status == "full"'
run_mc -j policy load preoom name "${P}_l" cgroup "$rel_t" target=largest interval_ns=100ms
check_eq "load-largest-rc" 0 "$RC"
check_json "target-by-name" '.parameters.target == "largest"'
check_json "tracker-attached" '[.programs[] | select(.attached) | .name] | (index("policy_oom_rss") != null) and (index("policy_oom_end_tk") != null)'

kills0=$(oom_kills "$cg_t")
# big: 40M of anon, then idle; small: 16M of page cache, then anon toward
# 40M.  Without a signal the two need 80M of anon in a 64M cgroup.  The
# page cache must be page cache: on a tmpfs it is shmem, which without swap
# nothing frees, and the cgroup really is out of memory with small alone.
cf=(-f "$FDIR/f" -F 16M) cg=(-f "$FDIR/g" -F 16M)
page_cache "$FDIR" || { cf=() cg=(); echo "# $FDIR is $(stat -f -c %T "$FDIR"), not page cache: small charges anon only"; }
cg_run "$cg_t" "$MEMCGCTL_TEST_BIN/sigcatch" -s 40M -c 4M -i 0 -H 30
big=$PID big_out=$PID_OUT
wait_grep "$big_out" '^done' 100 || t_fail "big-ready" "$(cat "$big_out")"
cg_run "$cg_t" "$MEMCGCTL_TEST_BIN/sigcatch" -s 40M -c 1M -i 10 "${cf[@]}"
small=$PID small_out=$PID_OUT
wait "$small" 2>/dev/null
small_rc=$?
wait "$big" 2>/dev/null
big_rc=$?
check_eq "big-exits-cleanly" 0 "$big_rc"
check "big-got-sigterm" grep -q "got SIGTERM" "$big_out"
check_eq "small-completes" 0 "$small_rc"
check "small-not-signalled" bash -c "! grep -q 'got SIGTERM' '$small_out' && grep -q '^done' '$small_out'"
check_eq "no-oom-kill" "$kills0" "$(oom_kills "$cg_t")"
run_mc -j policy events "${P}_l"
check "event-names-big" jq -se "length == 1 and .[0].pid == $big and .[0].action == \"signal\" and .[0].signal == 15 and .[0].comm == \"sigcatch\"" <<<"$OUT"

# live: back to the charger, then the charger is the one signalled
run_mc -j policy set "${P}_l" target=charger
check_json "set-charger" '.parameters.target == "charger"'
cg_run "$cg_t" "$MEMCGCTL_TEST_BIN/sigcatch" -s 40M -c 4M -i 0 -H 30
big=$PID big_out=$PID_OUT
wait_grep "$big_out" '^done' 100 || t_fail "big2-ready" "$(cat "$big_out")"
cg_run "$cg_t" "$MEMCGCTL_TEST_BIN/sigcatch" -s 40M -c 1M -i 10 "${cg[@]}"
small=$PID small_out=$PID_OUT
wait "$small" 2>/dev/null
check "charger-signalled" grep -q "got SIGTERM" "$small_out"
kill -TERM "$big" 2>/dev/null
wait "$big" 2>/dev/null
run_mc -j policy events "${P}_l"
check "event-names-charger" jq -se "length >= 1 and .[0].pid == $small" <<<"$OUT"

run_mc policy unload "${P}_l"
check_eq "unload" 0 "$RC"
check_eq "no-pins-left" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_")"
check_no_leaks "no-bpf-leaks" '^policy_'
