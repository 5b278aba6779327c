#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Names other users choose reach root's terminal escaped: a real cgroup
# whose name holds OSC (set the title), BEL, CSI (clear the screen), CR, a
# raw 8-bit CSI, 0xff and DEL (the kernel refuses LF in cgroup names; the
# CLI tier covers it on fixtures), and a process whose comm holds ESC, BEL
# and 0x9b.  show, top -b, watch and policy print an escaped form and no raw
# control byte; their -j output is valid JSON that keeps the name; top's
# metrics stay valid for promtool, node_exporter and an OpenMetrics parser.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../metrics.sh"
need_root

HOG=$MEMCGCTL_TEST_BIN/hog
EVIL=$'evil\e]0;pwned\a\e[2J\r\x9b\xff\x7f'
EVIL_ESC='evil\x1b]0;pwned\x07\x1b[2J\x0d\x9b\xff\x7f'
EVIL_JSON='evil\u001b]0;pwned\u0007\u001b[2J\r\ufffd\ufffd\u007f'
POL="memcgctl-test-$$-esc"
W_PIDS=()

esc_cleanup() {
	local p
	for p in "${W_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	"$MEMCGCTL" policy unload "$POL" >/dev/null 2>&1
	cg_cleanup
}
trap esc_cleanup EXIT

# raw_ctl NAME TEXT: no C0 control but LF, no DEL, no byte >= 0x80 in TEXT
raw_ctl() {
	if LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f-\xff]' <<<"$2"; then
		t_fail "$1" "raw control bytes: $(LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f-\xff]' <<<"$2" | head -3 | od -c | head -6)"
	else
		t_ok "$1"
	fi
}

cg_new "$EVIL" 32M || { t_fail setup "cannot create a cgroup with control characters in its name"; exit 0; }
cg=$CG rel=$CG_REL
if [[ $MEM_V2 == 1 ]]; then echo 0 >"$cg/memory.swap.max" 2>/dev/null; else echo 0 >"$cg/memory.swappiness"; fi

# ---- show ------------------------------------------------------------------
run_mc show "$rel"
check_eq "show-rc" 0 "$RC"
raw_ctl "show-no-raw-bytes" "$OUT"
check "show-escaped" grep -qF "/$T_PREFIX/$EVIL_ESC  (id $(stat -c %i "$cg")" <<<"$OUT"
run_mc -j show "$rel"
check_json "show-json" ".cgroup == \"/$T_PREFIX/$EVIL_JSON\""
run_mc show "$rel/gone"
raw_ctl "show-error-no-raw-bytes" "$ERR"
one_line_err "show-error-one-line"

# ---- top -b (BPF on) -----------------------------------------------------------
for mode in --tree --flat; do
	run_mc top -b -n 1 $mode "/$T_PREFIX"
	check_eq "top$mode-rc" 0 "$RC"
	raw_ctl "top$mode-no-raw-bytes" "$OUT"
	check "top$mode-escaped" grep -qF "$EVIL_ESC" <<<"$OUT"
	# title, header, the prefix and the cgroup: the CR hides no row
	check_eq "top$mode-rows" 4 "$(wc -l <<<"$OUT")"
done
run_mc -j top -b -n 1 "/$T_PREFIX"
check_json "top-json" "[.cgroups[].cgroup] | index(\"/$T_PREFIX/$EVIL_JSON\")"
check_schema "top-json-schema" top
# metrics: the name escaped as on a terminal, the exposition valid, with its id
id=$(stat -c %i "$cg") evil_label=$(sed 's/\\/\\\\/g' <<<"$EVIL_ESC")
for fmt in prometheus openmetrics; do
	run_mc top -o $fmt "/$T_PREFIX"
	check_eq "top-$fmt-rc" 0 "$RC"
	raw_ctl "top-$fmt-no-raw-bytes" "$OUT"
	check "top-$fmt-escaped" grep -qF "memcgctl_memory_usage_bytes{cgroup=\"/$T_PREFIX/$evil_label\",parent=\"/$T_PREFIX\",depth=\"1\",cgroup_id=\"$id\"} " <<<"$OUT"
	check_promtool "top-$fmt-promtool" $fmt "$OUT"
	[[ $fmt == prometheus ]] && check_node_exporter "top-prometheus-node-exporter" "$OUT"
done
check_openmetrics "top-openmetrics-parses" "$OUT"

# ---- watch: the cgroup's path, and a victim whose comm holds controls ----------
"$MEMCGCTL" watch "/$T_PREFIX" -e oom,cgroup -D 60 >"$T_TMP/wt" 2>"$T_TMP/wt.err" &
wt=$!
"$MEMCGCTL" -j watch "/$T_PREFIX" -e oom,cgroup -D 60 >"$T_TMP/wj" 2>"$T_TMP/wj.err" &
wj=$!
W_PIDS+=("$wt" "$wj")
if ! wait_grep "$T_TMP/wt.err" "Watching" || ! wait_grep "$T_TMP/wj" '"event":"start"'; then
	t_fail watch-attach "$(cat "$T_TMP/wt.err" "$T_TMP/wj.err")"
else
	t_ok watch-attach
	# a child created while watching: a mkdir event with the escaped path
	cg_new "$EVIL/sub"$'\e[5m'
	# the comm is the executable's name: a copy of the hog named with controls
	cp "$HOG" "$T_TMP/"$'h\e[2Jg\a\x9b'
	cg_run "$cg" "$T_TMP/"$'h\e[2Jg\a\x9b' -s 128M -q
	wait "$PID" 2>/dev/null
	check_eq "watch-hog-killed" 137 "$?"
	wait_grep "$T_TMP/wt" "oom_kill" 100 || t_fail "watch-saw-oom" "$(cat "$T_TMP/wt" "$T_TMP/wt.err")"
	wait_grep "$T_TMP/wj" '"oom_kill"' 100
	kill -INT "$wt" "$wj"
	wait "$wt"; check_eq "watch-exit-0" 0 "$?"
	wait "$wj"
	out=$(cat "$T_TMP/wt")
	raw_ctl "watch-text-no-raw-bytes" "$out"
	raw_ctl "watch-stderr-no-raw-bytes" "$(cat "$T_TMP/wt.err")"
	check "watch-comm-escaped" grep -qF 'h\x1b[2Jg' <<<"$out"
	check "watch-mkdir-escaped" grep -qE 'sub\\x1b\[5m +[0-9]+ .* mkdir' <<<"$out"
	check "watch-path-escaped" grep -qF '\x9b\xff\x7f' <<<"$out"
	# every line of the stream is JSON, and the names survive in it
	check "watch-json-lines-parse" jq -e . "$T_TMP/wj"
	check_schema "watch-json-schema" watch "$T_TMP/wj"
	check "watch-json-comm" jq -se 'map(select(.event == "oom_kill")) |
		any(.comm == "h\u001b[2Jg\u0007\ufffd")' "$T_TMP/wj"
	check "watch-json-mkdir" jq -se "map(select(.event == \"mkdir\")) |
		any(.cgroup == \"/$T_PREFIX/$EVIL_JSON/sub\\u001b[5m\")" "$T_TMP/wj"
	raw_ctl "watch-json-no-raw-bytes" "$(cat "$T_TMP/wj")"
fi

# ---- policy: load, list, show, unload on that cgroup ----------------------------
run_mc policy load pressure name "$POL" cgroup "$rel"
if [[ $RC -ne 0 ]]; then
	t_fail "policy-load" "rc $RC: $ERR"
else
	raw_ctl "policy-load-no-raw-bytes" "$OUT"
	check "policy-load-escaped" grep -qF "on /$T_PREFIX/$EVIL_ESC, pinned" <<<"$OUT"
	run_mc policy list
	raw_ctl "policy-list-no-raw-bytes" "$OUT"
	check "policy-list-escaped-tail" grep -qE "^$POL +pressure +\\.\\.\\..*\\\\x7f " <<<"$OUT"
	run_mc policy show "$POL"
	raw_ctl "policy-show-no-raw-bytes" "$OUT"
	check "policy-show-escaped" grep -qF "on /$T_PREFIX/$EVIL_ESC (id" <<<"$OUT"
	run_mc -j policy list
	check_json "policy-list-json" "map(select(.name == \"$POL\")) | .[0].cgroup == \"/$T_PREFIX/$EVIL_JSON\""
	run_mc policy unload "$POL"
	check_eq "policy-unload-rc" 0 "$RC"
fi
check_no_leaks "no-bpf-leaks"
