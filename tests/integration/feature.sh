#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# feature's verdicts against independent sources: tracefs for tracepoints,
# bpftool for map types and helpers, sysfs for kprobes, the mount table
# for the cgroup layout.  Then every command feature calls "full" is run
# for real on a real workload and must work (notify fires on a crossing,
# reclaim reports BPF numbers, watch sees a reclaim, top reads BPF, the
# built-in policies load); one that is not "full" must say why.  Then:
# nothing it loaded stays loaded.
. "$(dirname "$0")/../lib.sh"
need_root

run_mc -j feature
check_eq "exit-0" 0 "$RC"
check_json "privileged" '.privileged == true'
if [[ $MEM_V2 == 1 ]]; then
	check_json "layout-v2" '.cgroup.layout == "v2"'
	check_json "memory-reclaim" ".system[\"memory.reclaim\"] == $([[ -e $MEM_ROOT/memory.reclaim ]] && echo true || echo false)"
else
	check_json "layout-v1-or-hybrid" ".cgroup.layout == \"$([[ -n $PSI_ROOT ]] && echo hybrid || echo v1)\""
	check_json "no-memory-reclaim-on-v1" '.system["memory.reclaim"] == false'
fi
check_json "memory-root" ".cgroup.memory_root == \"$MEM_ROOT\""
check_json "btf" '.system.btf == true'

tracefs=/sys/kernel/tracing
[[ -d $tracefs/events ]] || tracefs=/sys/kernel/debug/tracing
for tp in $(jq -r '.tracepoint | keys[]' <<<"$OUT"); do
	want=false
	[[ -d $tracefs/events/${tp%%:*}/${tp#*:} ]] && want=true
	check_json "tracepoint-$tp" ".tracepoint[\"$tp\"] == $want"
done

# the hook types memcgctl is built on must load and attach for real
check_json "prog-tracepoint" '.program.tracepoint == true'
check_json "prog-raw_tp" '.program.raw_tp == true'
check_json "prog-tp_btf" '.program.tp_btf == true'
kprobe=false
[[ -d /sys/bus/event_source/devices/kprobe ]] && kprobe=true
# kprobes need both the PMU and a kernel that lets us attach: never "yes"
# without the PMU; "yes" with it when lockdown is off
lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null)
if [[ $kprobe == false ]]; then check_json "prog-kprobe-agrees" '.program.kprobe == false'
elif [[ $lockdown == *"[none]"* ]]; then check_json "prog-kprobe-agrees" '.program.kprobe == true'
else t_skip "prog-kprobe-agrees" "kprobe PMU present, lockdown '${lockdown:-unknown}': outcome depends on it"; fi

bt=$(bpftool -j feature probe kernel 2>/dev/null)
ringbuf=$(jq '.map_types.have_ringbuf_map_type' <<<"$bt")
check_json "map-ringbuf-agrees-with-bpftool" ".map.ringbuf == $ringbuf"
sig=$(jq '.helpers.tracepoint_available_helpers | index("bpf_send_signal") != null' <<<"$bt")
check_json "helper-send-signal-agrees-with-bpftool" ".helper.bpf_send_signal == $sig"
# memory PSI as cgroupfs has it: a readable memory.pressure on cgroup2
# (reading fails with EOPNOTSUPP where PSI is off)
psi=false
for f in "$PSI_ROOT/memory.pressure" "$PSI_ROOT"/*/memory.pressure; do
	[[ -n $PSI_ROOT ]] && head -c 1 "$f" >/dev/null 2>&1 && { psi=true; break; }
done
check_json "memory-psi-agrees-with-cgroupfs" ".system.memory_psi == $psi"
# show needs nothing but the memory controller; PSI alone decides full/degraded
if [[ $psi == true ]]; then
	check_json "show-full" '.commands.show.status == "full"'
else
	check_json "show-degraded-without-psi" '.commands.show.status == "degraded" and (.commands.show.note | test("PSI"))'
fi
# every command that is not full says, for this kernel, what it lacks
check_json "not-full-says-why" '[.commands[] | select(.status != "full") | (.note // "") + .missing] | all(length > 0)'
# a command with programs was judged by loading them
for c in notify watch top reclaim policy; do
	check_json "$c-programs-probed" ".commands.$c.status == \"unavailable\" or (.commands.$c.programs.loaded | type) == \"boolean\""
	check_json "$c-full-means-loaded" ".commands.$c.status != \"full\" or .commands.$c.programs.loaded == true"
done
# policy: bpf_send_signal_task (6.13+) is an optional probe, in BTF as a function
tk=false
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_send_signal_task'" && tk=true
check_json "kfunc-send-signal-task-agrees-with-btf" ".kfunc.bpf_send_signal_task == $tk"
# the memcg kfuncs (7.0+): where BTF has them, feature calls them from a
# program and must find them callable; where it has not, never "yes"
btfdump=$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null)
for k in bpf_get_mem_cgroup bpf_mem_cgroup_usage bpf_mem_cgroup_page_state \
	 bpf_mem_cgroup_vm_events bpf_mem_cgroup_memory_events bpf_mem_cgroup_flush_stats; do
	inbtf=false
	grep -q "FUNC '$k'" <<<"$btfdump" && inbtf=true
	check_json "kfunc-$k-callable-iff-in-btf" ".kfunc.$k == $inbtf"
done
# top's rstat flush on 6.1 .. 6.15: reported as BTF has it
inbtf=false
grep -q "FUNC 'cgroup_rstat_flush'" <<<"$btfdump" && inbtf=true
check_json "kfunc-cgroup_rstat_flush-agrees-with-btf" ".kfunc.cgroup_rstat_flush == $inbtf"
if [[ $tk == false ]]; then
	check_json "policy-degraded-without-send-signal-task" '.commands.policy.status == "degraded" and (.commands.policy.missing | test("bpf_send_signal_task"))'
else
	check_json "policy-not-degraded-by-send-signal-task" '.commands.policy.missing | test("bpf_send_signal_task") | not'
fi

# ---- "full" must be true: run each command so judged, briefly, for real ----
FEAT=$OUT
jq -r --arg k "$(uname -r)" '.commands | to_entries[] |
	"     \($k) \(.key): \(.value.status)\(if .value.note then " (\(.value.note))" else "" end)"' <<<"$FEAT"
status() { jq -r ".commands.$1.status" <<<"$FEAT"; }
HOG=$MEMCGCTL_TEST_BIN/hog
M=$((1 << 20))
trap cg_cleanup EXIT

if [[ $(status notify) == full ]]; then
	cg_new feat-notify 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
	"$MEMCGCTL" -d -j notify "$CG_REL" 'usage>=8M' --timeout 30 >"$T_TMP/n.json" 2>"$T_TMP/n.err" &
	npid=$!
	T_PIDS+=("$npid")
	if wait_grep "$T_TMP/n.err" 'notify: armed' 200; then
		cg_run "$CG" "$HOG" -s 12M -H 0 -q
		wait "$PID"
	fi
	wait "$npid"
	check_eq "full-notify-fires-on-a-crossing" 0 "$?"
	OUT=$(cat "$T_TMP/n.json")
	[[ -n $OUT ]] && check_schema "notify-json-schema" notify
	check_json "full-notify-crossing-values" ".usage_bytes >= $((8 * M)) and .initial == false"
fi

if [[ $(status top) == full ]]; then
	run_mc -j top -b -n 1
	check_json "full-top-reads-bpf" '.bpf == true'
fi

if [[ $(status watch) == full ]]; then
	cg_new feat-watch 16M
	cg_w=$CG
	"$MEMCGCTL" -j watch "$CG_REL" -e reclaim -D 60 >"$T_TMP/w.json" 2>"$T_TMP/w.err" &
	wpid=$!
	T_PIDS+=("$wpid")
	if wait_grep "$T_TMP/w.json" '"event":"start"' 200; then
		# a page-cache hog twice the limit: memcg reclaim, or an OOM kill after it
		cg_run "$cg_w" "$HOG" -s 32M -f "$T_TMP/w.file" -H 0 -q
		wait "$PID" 2>/dev/null
		wait_grep "$T_TMP/w.json" '"event":"reclaim"' 100
	fi
	kill -INT "$wpid" 2>/dev/null
	wait "$wpid"
	rm -f "$T_TMP/w.file"
	check "full-watch-sees-a-reclaim" grep -q '"event":"reclaim"' "$T_TMP/w.json"
	check_schema "full-watch-schema" watch "$T_TMP/w.json"
fi

if [[ $(status reclaim) == full || $(status reclaim) == degraded ]] &&
   [[ $(jq -r '.commands.reclaim.programs.loaded' <<<"$FEAT") == true ]]; then
	# something reclaimable: page cache on a real file system, or anon with swap
	rdir=${MEMCGCTL_TEST_DIR:-/var/tmp} rarg=
	fs=$(stat -f -c %T "$rdir")
	if [[ $fs != tmpfs && $fs != ramfs ]]; then rarg="-f $rdir/memcgctl-feat-$$.file"
	elif (($(awk 'NR > 1' /proc/swaps | wc -l) == 0)); then rarg=none; fi
	if [[ $rarg == none ]]; then
		t_skip "loaded-reclaim-bpf-numbers" "$rdir is $fs and there is no swap: nothing reclaimable"
	else
		cg_new feat-reclaim 256M
		# shellcheck disable=SC2086  # rarg is zero or two words
		cg_run "$CG" "$HOG" -s 32M $rarg -H 600
		rhog=$PID
		wait_grep "$PID_OUT" ready 300
		run_mc -j reclaim "$CG_REL" 8M
		check_json "loaded-reclaim-bpf-numbers" '.by_memcgctl.passes > 0 and .reclaimed_pages > 0'
		kill "$rhog" 2>/dev/null
		wait "$rhog" 2>/dev/null
		rm -f "$rdir/memcgctl-feat-$$.file"
	fi
fi

if [[ $(status policy) == full ]]; then
	run_mc -j policy load pressure name "fp$$"
	check_eq "full-policy-loads" 0 "$RC"
	check_json "full-policy-attached" '[.programs[] | select(.attached)] | length > 0'
	run_mc policy unload "fp$$"
fi

run_mc feature
check "plain-has-commands" grep -q '^Commands:' <<<"$OUT"
check "plain-says-why-no" grep -qE '  no: .+' <<<"$OUT"
check "plain-full-has-no-reason" bash -c '! grep -qE "^  [a-z]+ +full \\(" <<<"$1"' _ "$OUT"
check_no_leaks "no-bpf-leaks" '^(probe_|feature_|notify_|watch_|top_|reclaim_|policy_)'
