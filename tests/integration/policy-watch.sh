#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `memcgctl watch -e policy`: the pressure policy signals a workload and
# watch shows each action with the policy's name and type, the cgroup, the
# signalled pid and the signal, as many as `policy show` counts; a policy
# loaded after watch started is picked up; a policy acting outside the
# watched subtree is not shown; --pid filters; the text stream; policies
# unloaded while watch runs are let go (no crash, nothing kept loaded).
. "$(dirname "$0")/../lib.sh"
need_root

P="tw$$"
PIN=/sys/fs/bpf/memcgctl
SIGCATCH=$MEMCGCTL_TEST_BIN/sigcatch
W_PIDS=()

pw_cleanup() {
	local p n
	for p in "${W_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for n in $(ls "$PIN" 2>/dev/null | grep "^${P}_"); do "$MEMCGCTL" policy unload "$n" >/dev/null 2>&1; done
	cg_cleanup
}
trap pw_cleanup EXIT

mc_bg() {	# mc_bg OUTFILE ARGS...: memcgctl in the background; $W_PID
	local out=$1; shift
	"$MEMCGCTL" "$@" >"$out" 2>"$out.err" &
	W_PID=$!
	W_PIDS+=("$W_PID")
}
actions_of() { "$MEMCGCTL" -j policy show "$1" | jq '.counters.actions'; }

cg_new pw-in 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_in=$CG rel_in=$CG_REL id_in=$(stat -c %i "$CG")
no_swap "$cg_in"
cg_new pw-out 64M
cg_out=$CG rel_out=$CG_REL
no_swap "$cg_out"

# ---- 1. JSON: watch starts before the policies exist ----------------------
mc_bg "$T_TMP/w1" -j watch "$rel_in" -e policy -D 120
w1=$W_PID
if ! wait_grep "$T_TMP/w1" '"event":"start"'; then
	t_fail start "watch -e policy did not start: $(cat "$T_TMP/w1.err")"
	exit 0
fi
check "start-no-policy-of-ours" jq -e "select(.event == \"start\") | (.classes == [\"policy\"]) and (.policies | all(startswith(\"${P}_\") | not))" "$T_TMP/w1"

run_mc policy load pressure name "${P}_in" cgroup "$rel_in" threshold_pct=50 interval_ns=200ms
check_eq "load-in" 0 "$RC"
run_mc policy load pressure name "${P}_out" cgroup "$rel_out" threshold_pct=50 interval_ns=200ms
check_eq "load-out" 0 "$RC"

# grows toward 200M, halves itself on each SIGUSR1: the signals keep it under 64M
cg_run "$cg_in" "$SIGCATCH" -s 200M -c 1M -i 10 -r -T 3
pid_in=$PID
cg_run "$cg_out" "$SIGCATCH" -s 200M -c 1M -i 10 -r -T 3
pid_out=$PID
wait "$pid_in"
check_eq "workload-in-survives" 0 "$?"
wait "$pid_out"
n_in=$(actions_of "${P}_in")
n_out=$(actions_of "${P}_out")
check "policy-acted-in" test "${n_in:-0}" -ge 1
check "policy-acted-out" test "${n_out:-0}" -ge 1
# watch picks a new policy up within half a second; its events wait in the
# ring buffer, and what is left in it at SIGINT is drained before the summary
wait_lines "$T_TMP/w1" '"event":"policy"' "${n_in:-1}" 50
kill -INT "$w1"
wait "$w1"
check_eq "sigint-exit-0" 0 "$?"

f=$T_TMP/w1
check_schema "w1-schema" watch "$f"
n_ev=$(grep -c '"event":"policy"' "$f")
check_eq "events-equal-show-actions" "$n_in" "$n_ev"
check_eq "events-fields" "$n_ev" "$(jq -c "select(.event == \"policy\" and .class == \"policy\" and .policy == \"${P}_in\" and .policy_type == \"pressure\" and .builtin == true and .policy_cgroup == \"$rel_in\" and .cgroup == \"$rel_in\" and .cgroup_id == $id_in and .pid == $pid_in and .comm == \"sigcatch\" and .action == \"signal\" and .signal == 10 and .signal_name == \"SIGUSR1\" and .reason == \"threshold\" and .usage_bytes >= .threshold_bytes and .time > 1e9 and .error == null)" "$f" | wc -l)"
check_eq "outside-subtree-not-shown" 0 "$(jq -c "select(.policy == \"${P}_out\" or .pid == $pid_out or .cgroup == \"$rel_out\")" "$f" | wc -l)"
check_eq "summary-counts-policy" "$n_in" "$(jq "select(.event == \"summary\") | .cgroups[] | select(.cgroup == \"$rel_in\") | .events.policy" "$f")"
check_eq "summary-delivered" "$n_in" "$(jq "select(.event == \"summary\") | .delivered" "$f")"

# ---- 2. text, --pid, and policies unloaded while watching ----------------
cg_run "$cg_in" sh -c "while [ ! -e $T_TMP/go ]; do sleep 0.05; done; exec $SIGCATCH -s 200M -c 1M -i 10 -r -T 3"
pid_c=$PID
mc_bg "$T_TMP/w2" watch -e policy -P "$pid_c" -D 120
w2=$W_PID
wait_grep "$T_TMP/w2.err" 'Watching' || t_fail text-start "$(cat "$T_TMP/w2.err")"
check "text-start-names-class" grep -q "^Watching / (policy)" "$T_TMP/w2.err"
a0=$(actions_of "${P}_in")
touch "$T_TMP/go"
# another workload (the other policy's), whose actions --pid leaves out
cg_run "$cg_out" "$SIGCATCH" -s 200M -c 1M -i 10 -r -T 3
pid_d=$PID
wait "$pid_c"
wait "$pid_d"
n_c=$(( $(actions_of "${P}_in") - a0 ))
check "pid-policy-acted" test "$n_c" -ge 1
t=$T_TMP/w2
txt_re=" policy  *${P}_in(pressure) SIGUSR1 threshold usage="
wait_lines "$t" "$txt_re" "$n_c" 50
n_txt=$(grep -c "$txt_re" "$t")
check_eq "text-lines-equal-show-actions" "$n_c" "$n_txt"
check_eq "text-only-that-pid" "$n_txt" "$(awk -v p="$pid_c" '$5 == "policy" && $3 == p' "$t" | wc -l)"
check_eq "text-no-other-pid" 0 "$(awk -v p="$pid_d" '$3 == p' "$t" | wc -l)"
check "text-cgroup-column" grep -q "pw-in .* policy " "$t"

# and one in JSON, unfiltered, to see a policy loaded after the unload.
# Started only now: readers of -e policy share each policy's ring buffer,
# so two at once would split the events between them
mc_bg "$T_TMP/w3" -j watch "$rel_in" -e policy -D 120
w3=$W_PID
wait_grep "$T_TMP/w3" '"event":"start"' || t_fail json-start "$(cat "$T_TMP/w3.err")"

# unload while watch runs: it goes on, and holds nothing of them (its own
# fds and ring buffer mappings would keep them loaded: a leak)
run_mc policy unload "${P}_in" "${P}_out"
check_eq "unload-while-watching" 0 "$RC"
check_no_leaks "unloaded-policy-let-go" '^policy_'
check "watch-survives-unload" kill -0 "$w2"
check "json-watch-survives-unload" kill -0 "$w3"
kill -INT "$w2"
wait "$w2"
check_eq "text-sigint-exit-0" 0 "$?"
check "text-summary-pol-column" grep -q "^CGROUP .* POL " "$t"
check_eq "text-summary-pol-count" "$n_txt" "$(awk '$1 ~ /pw-in$/ { print $7 }' "$t")"
# and a policy loaded now is picked up again: its actions are reported
run_mc policy load pressure name "${P}_again" cgroup "$rel_in" threshold_pct=50 interval_ns=200ms
check_eq "load-again" 0 "$RC"
cg_run "$cg_in" "$SIGCATCH" -s 200M -c 1M -i 10 -r -T 3
pid_e=$PID
wait "$pid_e"
n_again=$(actions_of "${P}_again")
check "again-policy-acted" test "${n_again:-0}" -ge 1
again_re="\"policy\":\"${P}_again\""
wait_lines "$T_TMP/w3" "$again_re" "${n_again:-1}" 50
check_eq "reload-events-equal-show-actions" "$n_again" "$(grep -c "$again_re" "$T_TMP/w3")"
check_eq "reload-events-of-its-pid" "$n_again" "$(jq -c "select(.policy == \"${P}_again\" and .pid == $pid_e)" "$T_TMP/w3" | wc -l)"
run_mc policy unload "${P}_again"
check_no_leaks "reloaded-policy-let-go" '^policy_'
check "watch-survives-reload" kill -0 "$w3"
kill -INT "$w3"
wait "$w3"
check_eq "json-sigint-exit-0" 0 "$?"
check_no_leaks "no-bpf-leaks" '^(policy_|watch_)'
