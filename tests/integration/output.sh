#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The commands that need root (real BPF, real cgroups): a write error on
# stdout makes them exit 1 with one line saying so, the streaming ones stop
# on it by themselves; and a help request anywhere prints the help and acts
# on nothing (no reclaim, no policy loaded).  The CLI tier covers the rest.
. "$(dirname "$0")/../lib.sh"
need_root

POL="memcgctl-test-$$-help"
out_cleanup() {
	"$MEMCGCTL" policy unload "$POL" >/dev/null 2>&1
	cg_cleanup
}
trap out_cleanup EXIT

cg_new out-a 256M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg=$CG rel=$CG_REL
cg_run "$cg" "$MEMCGCTL_TEST_BIN/hog" -s 16M
wait_ready "$PID_OUT" 100

# ---- write errors ---------------------------------------------------------
MSG="memcgctl: write error on standard output"
if [[ -w /dev/full ]]; then
	full_cmds=(
		"watch -D 1 /$T_PREFIX" "-j watch -D 1 /$T_PREFIX"
		"top -b -n 1 /$T_PREFIX" "-j top -b -n 1 /$T_PREFIX"
		"top -b -n 1 -o openmetrics /$T_PREFIX"
		"notify $rel usage>=0" "-j notify $rel usage>=0"
		"policy list" "-j policy list"
	)
	for c in "${full_cmds[@]}"; do
		n=${c//[ \/]/_}
		# shellcheck disable=SC2086 # the words of $c are the arguments
		err=$(timeout 60 "$MEMCGCTL" $c 2>&1 >/dev/full)
		check_eq "full-rc-$n" 1 "$?"
		# the last line says it (watch announces itself on stderr first)
		check "full-msg-$n" grep -qx "$MSG\(: No space left on device\)\?" <<<"$(tail -n 1 <<<"$err")"
	done
	check_eq "full-watch-says-why" "$MSG: No space left on device" \
		"$("$MEMCGCTL" -j watch -D 1 "/$T_PREFIX" 2>&1 >/dev/full)"
	# streams stop by themselves: without -n / -D they would run forever
	timeout 30 "$MEMCGCTL" top -b -d 0.2 "/$T_PREFIX" >/dev/full 2>"$T_TMP/top.err"
	check_eq "full-top-stream-stops" "1 $MSG: No space left on device" "$? $(cat "$T_TMP/top.err")"
	timeout 30 "$MEMCGCTL" watch "/$T_PREFIX" >/dev/full 2>"$T_TMP/watch.err"
	check_eq "full-watch-stream-stops" "1" "$?"
	check "full-watch-stream-msg" grep -qx "$MSG: No space left on device" "$T_TMP/watch.err"
else
	t_skip "full" "no writable /dev/full"
fi
check_no_leaks "full-no-bpf-leaks"

# ---- help acts on nothing ------------------------------------------------------
if [[ $MEM_V2 == 1 ]]; then lim_file=memory.max; else lim_file=memory.limit_in_bytes; fi
lim=$(cat "$cg/$lim_file")
run_mc reclaim "$rel" 4M --help
check_eq "reclaim-help-rc" 0 "$RC"
check_eq "reclaim-help-prints-usage" "Usage: memcgctl reclaim" "${OUT:0:23}"
check_eq "reclaim-help-says-nothing-else" "" "$ERR"
check_eq "reclaim-help-is-only-help" "$("$MEMCGCTL" reclaim --help)" "$OUT"
check_eq "reclaim-help-limit-untouched" "$lim" "$(cat "$cg/$lim_file")"
for h in --help -? --usage; do
	run_mc policy load pressure name "$POL" cgroup "$rel" "$h"
	check_eq "policy-load$h-rc" 0 "$RC"
	check_eq "policy-load$h-usage" "Usage: memcgctl policy load" "${OUT:0:27}"
	run_mc -j policy list
	check_json "policy-load$h-loads-nothing" "map(select(.name == \"$POL\")) | length == 0"
	check "policy-load$h-no-pin" test ! -e "/sys/fs/bpf/memcgctl/$POL"
done
run_mc -j policy load pressure name "$POL" cgroup "$rel" --help
check_json "policy-load-json-help" '.help | startswith("Usage: memcgctl policy load")'
run_mc watch "/$T_PREFIX" --help -D 30
check_eq "watch-help-ends-at-once" "0 " "$RC $ERR"
check_no_leaks "help-no-bpf-leaks"
