#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# show against real cgroups: values agree with cgroupfs, an OOM kill in a
# limited cgroup shows up in its events, and show (cgroupfs only) makes no
# bpf() call.
. "$(dirname "$0")/../lib.sh"
need_root

cg_new show-a 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg=$CG rel=$CG_REL
cg_run "$cg" "$MEMCGCTL_TEST_BIN/hog" -s 16M
pid=$PID
# wait until the hog has touched its memory
wait_ready "$PID_OUT" 100

run_mc -j show "$rel"
check_eq "exit-0" 0 "$RC"
check_json "json-cgroup" ".cgroup == \"$rel\""
check_json "json-id-is-inode" ".cgroup_id == $(stat -c %i "$cg")"
if [[ $MEM_V2 == 1 ]]; then
	check_json "limit-max-agrees" ".limits.max_bytes == $(cat "$cg/memory.max") and .limit_type == \"max\" and .limit_bytes == .limits.max_bytes"
	want_anon=$(awk '$1 == "anon" { print $2 }' "$cg/memory.stat")
else
	check_json "limit-max-agrees" ".limits.max_bytes == $(cat "$cg/memory.limit_in_bytes") and .limit_type == \"v1\" and .limit_bytes == .limits.max_bytes"
	want_anon=$(awk '$1 == "total_rss" { print $2 }' "$cg/memory.stat")
fi
check_json "binding-limit-is-max" '.limit_bytes == 67108864'
# usage moves a little between reads: within 1 MiB of cgroupfs, and >= the hog
got=$(jq .usage_bytes <<<"$OUT")
now=$(cat "$cg/memory.current" 2>/dev/null || cat "$cg/memory.usage_in_bytes")
check "usage-agrees" test $((got > now ? got - now : now - got)) -le $((1 << 20))
check "usage-covers-hog" test "$got" -ge $((16 << 20))
check_json "anon-agrees" ".stat.anon >= $want_anon - 1048576 and .stat.anon <= $want_anon + 1048576 and .anon_bytes == .stat.anon"
check_json "procs-is-1" '.procs == 1'
check_json "psi-read-from-cgroup2" '.psi.some.total_us != null'
check_json "percent-of-limit" '.limit_pct > 20 and .limit_pct < 100'
kill "$pid"

# The same cgroup by id and by absolute path
id=$(stat -c %i "$cg")
run_mc -j show "$id"
check_json "by-id" ".cgroup == \"$rel\""
run_mc -j show "$cg"
check_json "by-abs-path" ".cgroup == \"$rel\""

# An OOM kill inside a 32M cgroup shows in events
cg_new show-oom 32M
cg2=$CG
before=$("$MEMCGCTL" -j show "${cg2#"$MEM_ROOT"}" | jq .oom_kills)
if [[ $MEM_V2 == 0 ]]; then echo 0 >"$cg2/memory.swappiness"; else echo 0 >"$cg2/memory.swap.max"; fi
cg_run "$cg2" "$MEMCGCTL_TEST_BIN/hog" -s 128M -q
wait "$PID" 2>/dev/null
check_eq "hog-was-killed" 137 "$?"
run_mc -j show "${cg2#"$MEM_ROOT"}"
check_json "oom-kill-counted" ".oom_kills == $before + 1"

# -r lists the test parent and both children
run_mc -j show -r "/$T_PREFIX"
check_json "recursive-lists-children" "length == 3 and .[1].cgroup == \"/$T_PREFIX/show-a\""
run_mc show "/$T_PREFIX/show-a"
check "plain-has-limit" grep -q "of max 64.0M" <<<"$OUT"

# show reads cgroupfs only: it makes no bpf() call at all (strace sees
# every one, also of objects closed again before it exits), and nothing of
# this run is left loaded
no_bpf_calls() {	# NAME ARGS...: `memcgctl ARGS` succeeds without a bpf() call
	local name=$1 tr=$T_TMP/strace.out; shift
	if ! strace -f -qq -e trace=bpf -o "$tr" "$MEMCGCTL" "$@" >/dev/null 2>&1; then
		t_fail "$name" "memcgctl $* failed under strace: $(head -c 300 "$tr")"
	elif grep -q 'bpf(' "$tr"; then
		t_fail "$name" "bpf() called: $(grep -m3 'bpf(' "$tr")"
	else
		t_ok "$name"
	fi
}
if command -v strace >/dev/null; then
	no_bpf_calls "no-bpf-calls-json" -j show "$rel"
	no_bpf_calls "no-bpf-calls-plain" show "$rel"
	no_bpf_calls "no-bpf-calls-by-id" -j show "$id"
	no_bpf_calls "no-bpf-calls-recursive" show -r "/$T_PREFIX"
else
	t_skip "no-bpf-calls" "no strace here"
fi
check_no_leaks "no-bpf-objects"
