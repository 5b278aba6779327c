#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# policy on the real kernel: preoom turns an OOM kill into a clean SIGTERM
# exit (and leaves a cgroup outside its scope alone), pressure keeps a
# shedding workload under its limit, the policies outlive memcgctl, set
# changes behaviour live, every failed load rolls back, the template user
# policy loads and acts, and unload leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
need_root
# a VM guest without swap (a kernel packaged without zram) cannot reclaim the
# tmpfs/anon workloads below: the checks that need that skip, saying why
swap_skip() { [[ ${MEMCGCTL_VM_SWAP:-1} == 0 ]] && t_skip "$1" "$MEMCGCTL_VM_SWAP_WHY"; }

P="t$$"				# our policy names start with this
PIN=/sys/fs/bpf/memcgctl
# page cache must be on a real file system (tmpfs pages are not reclaimable without swap)
FDIR=$(mktemp -d -p /var/tmp memcgctl-policy.XXXXXX)

policy_cleanup() {
	local n
	for n in $(ls "$PIN" 2>/dev/null | grep "^${P}_"); do "$MEMCGCTL" policy unload "$n" >/dev/null 2>&1; done
	rm -rf "$FDIR"
	cg_cleanup
}
trap policy_cleanup EXIT

# preoom's workload needs its page cache to be reclaimable.  On the v1 host
# /var/tmp is a disk file system and swap is off.  In the v2 guests the only
# writable file systems are tmpfs: the "page cache" is shmem, which only swap
# can reclaim, so the cgroup gets a little swap (16M, less than the 76M the
# workload is over its 64M limit: without a signal it is still OOM-killed).
preoom_swap() {
	if [[ $MEM_V2 == 1 ]] && [[ $(stat -f -c %T "$FDIR") == tmpfs ]] &&
		[[ -e $1/memory.swap.max ]] && awk 'NR > 1 { f = 1 } END { exit !f }' /proc/swaps; then
		echo 16M >"$1/memory.swap.max"
	else
		no_swap "$1"
	fi
}
prog_loaded() { bpftool -j prog show 2>/dev/null | jq -e --arg n "$1" 'any(.[]; .name == $n)' >/dev/null; }
# a freed program disappears from bpftool after an RCU grace period
prog_gone() { ! prog_loaded "$1"; }
wait_prog_gone() { wait_until 50 prog_gone "$1"; }
pinned_count() { find "$PIN/$1" 2>/dev/null | wc -l; }

# ---- preoom ---------------------------------------------------------------
# with bpf_send_signal_task (6.13+) preoom's action is policy_oom_end_tk
# beside the rss_stat tracker policy_oom_rss; without, policy_oom_end
# beside the charge-path trigger policy_oom_near
if [[ $("$MEMCGCTL" -j feature | jq '.kfunc.bpf_send_signal_task') == true ]]; then
	PEND=policy_oom_end_tk NPROGS=3
else
	PEND=policy_oom_end NPROGS=3
fi
cg_new preoom 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_oom=$CG rel_oom=$CG_REL
preoom_swap "$cg_oom"
cg_new outside 64M
cg_out=$CG
preoom_swap "$cg_out"

# headroom_pct=0: the reclaim-failure trigger alone (policy-preoom.sh
# tests the charge path)
run_mc -j policy load preoom name "${P}_oom" cgroup "$rel_oom" interval_ns=100ms headroom_pct=0
check_eq "load-rc" 0 "$RC"
check_json "load-json" ".name == \"${P}_oom\" and .policy == \"preoom\" and .state == \"active\" and .cgroup == \"$rel_oom\" and .cgroup_id == $(stat -c %i "$cg_oom")"
check_json "load-param-from-kv" '.parameters.interval_ns == 100000000 and .parameters.signal == 15'

# memcgctl has exited: the pins and the attached programs remain
check "pins-exist" test -e "$PIN/${P}_oom/links/$PEND" -a -e "$PIN/${P}_oom/meta"
check "pin-dir-root-only" test "$(stat -c %a "$PIN/${P}_oom")" = 700
check "pins-root-only" test -z "$(find "$PIN/${P}_oom" -type f ! -perm 600)"
check "bpftool-sees-prog" prog_loaded "$PEND"

# trials: the workload gets SIGTERM and exits cleanly, no OOM kill
ok=0 trials=5
kills0=$(oom_kills "$cg_oom")
for i in $(seq $trials); do
	cg_run "$cg_oom" "$MEMCGCTL_TEST_BIN/sigcatch" -s 100M -c 1M -i 10 -f "$FDIR/f$i" -F 40M
	wait "$PID" 2>/dev/null
	rc=$?
	rm -f "$FDIR/f$i"
	if [[ $rc -eq 0 ]] && grep -q "got SIGTERM" "$PID_OUT"; then ok=$((ok + 1)); fi
done
swap_skip preoom-graceful-majority || check "preoom-graceful-majority" test "$ok" -ge $((trials - 1))
swap_skip preoom-no-oom-kill || check_eq "preoom-no-oom-kill" "$kills0" "$(oom_kills "$cg_oom")"

# the same workload in a cgroup outside the policy's scope is OOM-killed
kout=$(oom_kills "$cg_out")
cg_run "$cg_out" "$MEMCGCTL_TEST_BIN/sigcatch" -s 100M -c 1M -i 10 -f "$FDIR/out" -F 40M
wait "$PID" 2>/dev/null
rc=$?
check_eq "outside-scope-oom-killed" 137 "$rc"
check "outside-scope-no-sigterm" bash -c "! grep -q 'got SIGTERM' '$PID_OUT'"
check_eq "outside-scope-oom-counted" $((kout + 1)) "$(oom_kills "$cg_out")"
rm -f "$FDIR/out"

# counters and events agree with what happened
run_mc -j policy show "${P}_oom"
check_man_jq "man-policy-example" memcgctl-policy.8 "policy show web |"
swap_skip show-counters-actions || check_json "show-counters-actions" ".counters.actions == $ok"
check_json "show-counters-consistent" '.counters.triggers >= .counters.actions and .counters.evaluations >= .counters.triggers and .counters.errors == 0'
check_json "show-programs" "[.programs[] | select(.attached)] | length == $NPROGS"
run_mc -j policy list
swap_skip list-actions || check_json "list-actions" "any(.[]; .name == \"${P}_oom\" and .actions == $ok and .state == \"active\")"
run_mc -j policy events "${P}_oom"
check_eq "events-rc" 0 "$RC"
nev=$(grep -c '"event":"policy"' <<<"$OUT")
swap_skip events-one-per-action || check_eq "events-one-per-action" "$ok" "$nev"
check "events-fields" jq -se "all(.[]; .policy == \"${P}_oom\" and .action == \"signal\" and .signal == 15 and .reason == \"reclaim_failing\" and .comm == \"sigcatch\" and .cgroup_id == $(stat -c %i "$cg_oom") and .cgroup == \"$rel_oom\" and .time > 1e9 and .usage_bytes > 0 and .limit_type != \"none\")" <<<"$OUT"
run_mc -j policy events "${P}_oom"
check_eq "events-read-once" "" "$OUT"

# set changes behaviour live: in dry-run the policy only reports, and the OOM killer acts
run_mc -j policy set "${P}_oom" dry_run=1
check_json "set-json" '.parameters.dry_run == 1'
cg_run "$cg_oom" "$MEMCGCTL_TEST_BIN/sigcatch" -s 100M -c 1M -i 10 -f "$FDIR/dry" -F 40M
wait "$PID" 2>/dev/null
check_eq "dry-run-oom-killed" 137 "$?"
rm -f "$FDIR/dry"
run_mc -j policy events "${P}_oom"
check "dry-run-event" jq -se 'length >= 1 and all(.[]; .action == "dry_run")' <<<"$OUT"
run_mc policy set "${P}_oom" dry_run=0
check_eq "set-back-rc" 0 "$RC"
# the contract's switches are 0 or 1
run_mc policy set "${P}_oom" enabled=2
check_eq "set-switch-2-rc" 2 "$RC"
check "set-switch-2-says" grep -q "enabled: '2' is not a boolean" <<<"$ERR"
run_mc -j policy show "${P}_oom"
check_json "set-switch-2-unchanged" '.parameters.enabled == 1'
run_mc policy load preoom name "${P}_sw" cgroup "$rel_oom" dry_run=2
check_eq "load-switch-2-rc" 2 "$RC"
check "load-switch-2-no-pins" test ! -e "$PIN/${P}_sw"

# ---- pressure -------------------------------------------------------------
cg_new pressure 64M
cg_prs=$CG
no_swap "$cg_prs"
run_mc policy load pressure name "${P}_prs" cgroup "$CG_REL" threshold_pct=50 interval_ns=200ms
check_eq "pressure-load" 0 "$RC"
kills0=$(oom_kills "$cg_prs")
# grows 100M/s toward 200M, halves itself on SIGUSR1: only the signals keep it under 64M
cg_run "$cg_prs" "$MEMCGCTL_TEST_BIN/sigcatch" -s 200M -c 1M -i 10 -r -T 4
wait "$PID" 2>/dev/null
check_eq "pressure-workload-survives" 0 "$?"
nsig=$(grep -c "got SIGUSR1" "$PID_OUT")
check "pressure-signalled" test "$nsig" -ge 2
check_eq "pressure-no-oom-kill" "$kills0" "$(oom_kills "$cg_prs")"
run_mc -j policy show "${P}_prs"
check_json "pressure-actions-counted" ".counters.actions >= $nsig"
run_mc -j policy events "${P}_prs"
check "pressure-events" jq -se 'length >= 2 and all(.[]; .reason == "threshold" and .signal == 10)' <<<"$OUT"
# 50% of 64M (max / 100 * 50, as the policy computes it): the threshold is not the limit
check "pressure-threshold-not-limit" jq -se 'all(.[]; .threshold_bytes == 33554400 and .limit_bytes == 67108864 and .usage_bytes >= .threshold_bytes)' <<<"$OUT"

# ---- orphans: the cgroup goes away, list says so -----------------------------
cg_new orphan 64M
cg_orph=$CG
run_mc policy load pressure name "${P}_orph" cgroup "$CG_REL"
check_eq "orphan-load" 0 "$RC"
rmdir "$cg_orph"
run_mc -j policy list
check_json "orphan-listed" "any(.[]; .name == \"${P}_orph\" and .orphaned and .state == \"orphaned\")"
run_mc policy list
check "orphan-plain" grep -q "${P}_orph .*orphaned" <<<"$OUT"

# a cgroup path of 512 bytes or more (cut in the metadata) is still told apart
long=longpath
cg_new "$long"
[[ $MEM_V2 == 1 ]] && echo +memory >"$CG/cgroup.subtree_control"
for i in 1 2 3 4 5 6; do
	long=$long/$(printf 'd%.0s' {1..99})
	cg_new "$long"
	# v2: a level is a memory cgroup only if its parent delegates the controller
	[[ $MEM_V2 == 1 && $i -lt 6 ]] && echo +memory >"$CG/cgroup.subtree_control"
done
cg_long=$CG
run_mc policy load pressure name "${P}_long" cgroup "$CG_REL"
check_eq "long-path-load" 0 "$RC"
run_mc -j policy list
check_json "long-path-active" "any(.[]; .name == \"${P}_long\" and .state == \"active\" and (.orphaned | not))"
rmdir "$cg_long"
run_mc -j policy list
check_json "long-path-orphaned" "any(.[]; .name == \"${P}_long\" and .orphaned)"
run_mc policy unload "${P}_long"
check_eq "long-path-unload" 0 "$RC"

# ---- failed loads roll back ---------------------------------------------------
run_mc policy load preoom name "${P}_bad" cgroup "$rel_oom" no_such_param=1
check_eq "bad-param-rc" 2 "$RC"
check "bad-param-no-pins" test ! -e "$PIN/${P}_bad"
run_mc policy load preoom name "${P}_bad" cgroup "$rel_oom" failures=-1
check_eq "bad-value-rc" 2 "$RC"
run_mc policy load preoom name "${P}_bad" cgroup "/$T_PREFIX/does-not-exist"
check_eq "no-cgroup-rc" 3 "$RC"
check "no-cgroup-no-pins" test ! -e "$PIN/${P}_bad"
MEMCGCTL_POLICY_FAULT=pin run_mc policy load preoom name "${P}_bad" cgroup "$rel_oom"
check_eq "fault-after-pins-rc" 1 "$RC"
check "fault-after-pins-rolled-back" test ! -e "$PIN/${P}_bad"
# a signal in the middle of pinning: rolled back, not left half-pinned and attached
for sig in SIGTERM SIGINT; do
	MEMCGCTL_POLICY_FAULT=pin-$sig run_mc policy load preoom name "${P}_sig" cgroup "$rel_oom"
	check_eq "$sig-while-pinning-rc" 1 "$RC"
	one_line_err "$sig-while-pinning-one-line"
	check "$sig-while-pinning-says" grep -q "interrupted by $sig while pinning: rolled back" <<<"$ERR"
	check "$sig-while-pinning-rolled-back" test ! -e "$PIN/${P}_sig"
done
# a FIFO as the object: refused at once instead of blocking in open()
mkfifo "$FDIR/fifo.o"
run_mc_timeout() { local o e; o=$(mktemp) e=$(mktemp); timeout 10 "$MEMCGCTL" "$@" >"$o" 2>"$e"; RC=$?; OUT=$(cat "$o") ERR=$(cat "$e"); rm -f "$o" "$e"; }
run_mc_timeout policy load "$FDIR/fifo.o" name "${P}_fifo"
check_eq "fifo-object-rc" 2 "$RC"
one_line_err "fifo-object-one-line"
check "fifo-object-says" grep -q "not a regular file" <<<"$ERR"
run_mc policy load preoom name "${P}_oom"
check_eq "duplicate-name-rc" 1 "$RC"
check_eq "duplicate-name-kept" 1 "$("$MEMCGCTL" -j policy list | jq "[.[] | select(.name == \"${P}_oom\")] | length")"

# ---- user policies: the template, and unsafe objects ------------------------------
TPL=$(dirname "$MEMCGCTL")/examples/policy-template.bpf.o
if [[ -r $TPL ]]; then
	obj=$FDIR/tpl.bpf.o
	install -m 0644 -o root -g root "$TPL" "$obj"
	cg_new tpl 32M
	cg_tpl=$CG
	run_mc -j policy load "$obj" name "${P}_tpl" cgroup "$CG_REL"
	check_eq "template-load" 0 "$RC"
	check_json "template-params-from-btf" '.builtin == false and (.parameters | has("signal") and has("interval_ns") and has("dry_run"))'
	run_mc policy set "${P}_tpl" interval_ns=10ms
	check_eq "template-set" 0 "$RC"
	# page cache beyond the limit: reclaim, no OOM
	cg_run "$cg_tpl" "$MEMCGCTL_TEST_BIN/sigcatch" -s 1M -f "$FDIR/tplf" -F 64M
	wait "$PID" 2>/dev/null
	rm -f "$FDIR/tplf"
	run_mc -j policy show "${P}_tpl"
	check_json "template-acted" '.counters.evaluations > 0 and .counters.actions > 0'
	run_mc -j policy events "${P}_tpl"
	check "template-events" jq -se 'length > 0 and all(.[]; .reason == "user" and .action == "dry_run")' <<<"$OUT"
	run_mc policy unload "${P}_tpl"

	chmod 0666 "$obj"
	run_mc policy load "$obj" name "${P}_ww"
	check_eq "world-writable-refused" 4 "$RC"
	check "world-writable-no-pins" test ! -e "$PIN/${P}_ww"
	chmod 0644 "$obj"
	chown nobody "$obj"
	run_mc policy load "$obj" name "${P}_ww"
	check_eq "not-root-owned-refused" 4 "$RC"
	printf 'not an ELF object\n' >"$FDIR/junk.o"
	run_mc policy load "$FDIR/junk.o" name "${P}_junk"
	check_eq "junk-object-rc" 2 "$RC"
	check "junk-object-says-why" grep -q "BPF object format invalid" <<<"$ERR"
	check "junk-object-no-errno-number" bash -c '! grep -q "Unknown error"' <<<"$ERR"
	head -c 2000 "$TPL" >"$FDIR/trunc.o"
	run_mc policy load "$FDIR/trunc.o" name "${P}_trunc"
	check_eq "truncated-object-rc" 2 "$RC"
	one_line_err "truncated-object-one-line"
	check "truncated-object-no-errno-number" bash -c '! grep -q "Unknown error"' <<<"$ERR"
	ln -s "$obj" "$FDIR/link.o"
	run_mc policy load "$FDIR/link.o" name "${P}_link"
	check_eq "symlinked-object-rc" 2 "$RC"
	check "symlinked-object-says" grep -q "symbolic links are not followed" <<<"$ERR"
	check "junk-object-no-pins" test ! -e "$PIN/${P}_junk"
	# a real BPF object that is not a policy
	install -m 0644 "$(dirname "$MEMCGCTL")/bpf/feature.bpf.o" "$FDIR/feature.bpf.o"
	run_mc policy load "$FDIR/feature.bpf.o" name "${P}_np"
	check_eq "not-a-policy-rc" 2 "$RC"
	check "not-a-policy-says-why" grep -q "not a memcgctl policy" <<<"$ERR"
else
	t_fail "template-built" "$TPL missing (make builds it)"
fi

# ---- unload ---------------------------------------------------------------
run_mc -j policy unload "${P}_oom" "${P}_prs"
check_eq "unload-rc" 0 "$RC"
check_json "unload-json" ".unloaded == [\"${P}_oom\", \"${P}_prs\"]"
check_eq "unload-no-pins" 0 "$(pinned_count "${P}_oom")"
run_mc policy unload "${P}_oom"
check_eq "unload-twice-ok" 0 "$RC"
run_mc policy unload "${P}_orph"
check_eq "unload-orphan" 0 "$RC"
check "unload-progs-gone" wait_prog_gone "$PEND"
check "unload-pressure-gone" wait_prog_gone policy_prs_fault
check_eq "no-pins-left" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_")"
# the pin root goes with the last policy: it may stay only if others' policies are in it
if [[ ! -d $PIN || -n $(ls -A "$PIN") ]]; then t_ok "pin-root-not-left-empty"
else t_fail "pin-root-not-left-empty" "$PIN is left behind, empty"; fi
check_no_leaks "no-bpf-leaks" '^policy_'
