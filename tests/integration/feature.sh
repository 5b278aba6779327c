#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# feature's verdicts against independent sources: tracefs for tracepoints,
# bpftool for map types and helpers, sysfs for kprobes, the mount table
# for the cgroup layout.  Then: nothing it loaded stays loaded.
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
check_json "show-full" '.commands.show.status == "full" or .commands.show.status == "degraded"'
# policy: bpf_send_signal_task (6.13+) is an optional probe, in BTF as a function
tk=false
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_send_signal_task'" && tk=true
check_json "kfunc-send-signal-task-agrees-with-btf" ".kfunc.bpf_send_signal_task == $tk"
if [[ $tk == false ]]; then
	check_json "policy-degraded-without-send-signal-task" '.commands.policy.status == "degraded" and (.commands.policy.missing | test("bpf_send_signal_task"))'
else
	check_json "policy-not-degraded-by-send-signal-task" '.commands.policy.missing | test("bpf_send_signal_task") | not'
fi

run_mc feature
check "plain-has-commands" grep -q '^Commands:' <<<"$OUT"
check "plain-says-why-no" grep -qE '  no: .+' <<<"$OUT"
check_no_leaks "no-bpf-leaks" '^(probe_|feature_)'
