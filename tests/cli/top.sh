#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# top's bad input: one clear line, the right exit code, no crash; -j
# errors are JSON.  No root needed.
. "$(dirname "$0")/../lib.sh"

bad() { check_bad "$1" "$2" "" top "${@:3}"; }
bad "delay-empty" 2 -b -n 1 -d ""
bad "delay-junk" 2 -b -n 1 -d abc
bad "delay-negative" 2 -b -n 1 -d -1
bad "delay-too-small" 2 -b -n 1 -d 1ms
bad "delay-overflow" 2 -b -n 1 -d 99999999999999999999999
bad "iterations-zero" 2 -b -n 0
bad "iterations-junk" 2 -b -n 3x
bad "iterations-negative" 2 -b -n -4
bad "iterations-overflow" 2 -b -n 18446744073709551616
bad "depth-zero" 2 -b -n 1 --depth 0
bad "output-unknown" 2 -b -n 1 -o xml
bad "sort-unknown" 2 -b -n 1 -s bogus
bad "columns-unknown" 2 -b -n 1 --columns current,bogus
bad "columns-empty" 2 -b -n 1 --columns ""
bad "columns-dup" 2 -b -n 1 --columns oom,oom
bad "unknown-option" 2 -b --bogus
bad "two-cgroups" 2 -b -n 1 / /
bad "empty-cgroup" 2 -b -n 1 ""
bad "no-such-cgroup" 3 -b -n 1 /memcgctl-no-such-cgroup-$$
bad "demo-needs-tty" 2 --demo

run_mc -j top -b -n 1 -d junk
check_eq "json-error-rc" 2 "$RC"
check_json "json-error-is-json" '.error | test("delay")'
run_mc -j top -b -n 1 /memcgctl-no-such-cgroup-$$
check_eq "json-nocgroup-rc" 3 "$RC"
check_json "json-nocgroup-is-json" '.error | test("not found")'
run_mc -j top -o openmetrics -n 1
check_eq "json-vs-openmetrics" 2 "$RC"

run_mc top --columns help
check_eq "columns-help-rc" 0 "$RC"
check "columns-help-lists-stall" grep -q "^stall " <<<"$OUT"
run_mc top help
check "help-mentions-batch" grep -q -- "--batch" <<<"$OUT"
run_mc -j top --columns help
check_eq "columns-help-json-rc" 0 "$RC"
check_json "columns-help-json" '.columns | length > 10 and (map(.name) | index("stall")) and
	(.[] | select(.name == "current") | .default == true)'
run_mc top -o json --columns help
check_json "columns-help-output-json" '.columns[0].name == "cgroup"'

# ---- batch text escapes the names other users choose ------------------------
FX=$(cd "$(dirname "$0")/../fixtures" && pwd)
EVIL=$'evil\e]0;pwned\a\e[2J\r\n\x9b\xff\x7f'
EVIL_ESC='evil\x1b]0;pwned\x07\x1b[2J\x0d\x0a\x9b\xff\x7f'
cp -r "$FX/v2" "$T_TMP/v2"
cp -r "$FX/v2/app.slice/web.service" "$T_TMP/v2/app.slice/$EVIL"
EV=(--cgroup-root="$T_TMP/v2")
for mode in --tree --flat; do
	run_mc "${EV[@]}" top -b -n 1 --no-bpf $mode
	check_eq "escape$mode-rc" 0 "$RC"
	if LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f-\xff]' <<<"$OUT"; then
		t_fail "escape$mode-no-raw-bytes" "$(od -c <<<"$OUT" | head -5)"
	else
		t_ok "escape$mode-no-raw-bytes"
	fi
	check "escape$mode-escaped" grep -qF "$EVIL_ESC " <<<"$OUT"
	# one line per cgroup: the name's LF does not start a forged row
	check_eq "escape$mode-rows" 11 "$(wc -l <<<"$OUT")"	# title, header, 9 cgroups
done
run_mc "${EV[@]}" -j top -b -n 1 --no-bpf
check_json "escape-json" '[.cgroups[].cgroup] | index("/app.slice/evil\u001b]0;pwned\u0007\u001b[2J\r\n\ufffd\ufffd\u007f")'

# ---- batch output: a reader that goes away ends top quietly ------------------
OUT=$( { timeout 20 "$MEMCGCTL" --cgroup-root="$FX/v2" top -b -d 0.1 --no-bpf 2>"$T_TMP/epipe.err"; echo "rc $?" >"$T_TMP/epipe.rc"; } | head -n 1)
check_eq "epipe-stops-quietly" "rc 0|" "$(cat "$T_TMP/epipe.rc")|$(cat "$T_TMP/epipe.err")"
check "epipe-got-output" grep -q '^memcgctl top' <<<"$OUT"

# ---- --filter: an argument that looks like an option is the argument --------
run_mc --cgroup-root="$FX/v2" top -b -n 1 --no-bpf --flat --filter --help
check_eq "filter-arg-help-rc" 0 "$RC"
check "filter-arg-help-no-usage" bash -c '! grep -q "^Usage:" <<<"$1"' _ "$OUT"
run_mc --cgroup-root="$FX/v2" top -b -n 1 --no-bpf --flat --filter db.service
check_eq "filter-batch" "/app.slice/db.service" "$(awk 'NR > 2 { print $1 }' <<<"$OUT")"
run_mc top -b -n 1 --filter "$(printf 'x%.0s' $(seq 5000))"
check_eq "filter-too-long" 2 "$RC"
one_line_err "filter-too-long-one-line"
