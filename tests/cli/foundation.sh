#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The dispatcher, global options and show, driven with good and bad input
# against fixture trees: no root, no BPF.  Every error is one line with a
# distinct exit code; under -j it is a JSON object; nothing crashes.
. "$(dirname "$0")/../lib.sh"

FX=$(cd "$(dirname "$0")/../fixtures" && pwd)
V2=(--cgroup-root="$FX/v2")
HY=(--cgroup-root="$FX/v1" --psi-root="$FX/psi")


# ---- dispatch -------------------------------------------------------------
run_mc
check_eq "no-command-is-usage" 2 "$RC"
run_mc help
check_eq "help-ok" 0 "$RC"
check "help-lists-show" grep -q '^  show ' <<<"$OUT"
run_mc -V
check_eq "version" "memcgctl 0.1.0" "$OUT"
run_mc -j version
check_json "version-json" '.version == "0.1.0"'
run_mc frobnicate
check_eq "unknown-command-rc" 2 "$RC"
one_line_err "unknown-command-one-line"
run_mc -j frobnicate
check_json "unknown-command-json" '.error | test("unknown command")'
check_eq "unknown-command-json-rc" 2 "$RC"
run_mc "${V2[@]}" sh /
check_eq "prefix-match" 0 "$RC"
run_mc ''
check_eq "empty-command" 2 "$RC"
run_mc --bogus show
check_eq "bad-global-option" 2 "$RC"
run_mc -j --bogus show
check_json "bad-global-option-json" 'has("error")'
run_mc show --bogus
check_eq "bad-command-option" 2 "$RC"
run_mc -j show --bogus
check_json "bad-command-option-json" 'has("error")'
run_mc $'\xff\xfe'
check_eq "non-utf8-command" 2 "$RC"
run_mc -j $'\xff\xfe'
check_json "non-utf8-command-json-valid" '.error | type == "string"'
run_mc show help
check "show-help" grep -q 'Usage: memcgctl show' <<<"$OUT"
run_mc show --help
check "show---help" grep -q -- '--recursive' <<<"$OUT"
run_mc "${V2[@]}" show -j /
check_json "json-after-command" '.cgroup == "/"'

# ---- show on fixtures -------------------------------------------------------
run_mc "${V2[@]}" -j show app.slice/web.service
check_json "v2-usage" '.usage_bytes == 150994944'
check_json "v2-binding-high" '.limit_type == "high" and .limit_bytes == 201326592 and .limits.high_bytes == 201326592 and .limits.max_bytes == 268435456'
check_json "v2-percent" '.limit_pct == 75'
check_json "v2-events" '.high_events == 17 and .oom_kills == 1 and .max_events == 3 and .failcnt == null'
check_json "v2-psi" '.psi.some.avg10_pct == 1.5 and .psi.full.total_us == 65432'
check_json "v2-unknown-is-null" '.stat.zswap == null'
check_json "v2-swap-max-unlimited-null" '.limits.swap_max_bytes == null and .swap_bytes == 4096'
run_mc "${V2[@]}" show app.slice/web.service
check "v2-plain-limit" grep -q 'usage     144M of high 192M (75.0%)' <<<"$OUT"
check "v2-plain-unknown-dash" grep -q 'zswap -' <<<"$OUT"
# memory.events max and v1's failcnt are different counters: never one name
check "v2-plain-max-events" grep -qE 'max_events 3( |$)' <<<"$OUT"
check "v2-plain-no-failcnt" bash -c '! grep -q failcnt <<<"$1"' _ "$OUT"
check "v2-plain-80-columns" test "$(awk '{ if (length > m) m = length } END { print m }' <<<"$OUT")" -le 80
run_mc "${V2[@]}" -j show cron.service
check_json "unit-name" '.cgroup == "/system.slice/cron.service"'
run_mc "${V2[@]}" show web.service
# a name the user must make precise is a usage error (2), as an ambiguous command is
check_eq "ambiguous-unit-rc" 2 "$RC"
one_line_err "ambiguous-unit-one-line"
run_mc "${V2[@]}" -j show web.service
check_json "ambiguous-unit-json" '.error | test("ambiguous")'
# errors say what is missing once, without a double negative
run_mc "${V2[@]}" show 4242424242
check_eq "missing-id-rc" 3 "$RC"
check "missing-id-message" grep -qx "memcgctl: show: memory cgroup id '4242424242' not found in $FX/v2" <<<"$ERR"
run_mc "${V2[@]}" show nope.service
check "missing-unit-message" grep -qx "memcgctl: show: unit 'nope.service' not found in $FX/v2" <<<"$ERR"
check "no-double-negative" bash -c '! grep -qiE "\bno\b.*\bnot found\b" <<<"$1"' _ "$ERR"
run_mc "${V2[@]}" -j show -r /app.slice
check_json "recursive" 'length == 3 and .[2].cgroup == "/app.slice/web.service"'
run_mc "${V2[@]}" -j show --depth 1 /
check_json "depth-1" '[.[].cgroup] == ["/", "/app.slice", "/other.slice", "/system.slice"]'
run_mc "${HY[@]}" -j show /app.slice/web.service
check_json "hybrid-layout" '.layout == "hybrid" and .failcnt == 42 and .max_events == null and .psi.some.avg10_pct == 2'
check_json "hybrid-v1-no-high" '.limits.high_bytes == null and .limit_type == "v1"'
run_mc "${HY[@]}" show /app.slice/web.service
check "hybrid-plain-failcnt" grep -qE 'failcnt 42( |$)' <<<"$OUT"
check "hybrid-plain-no-max-events" bash -c '! grep -q max_events <<<"$1"' _ "$OUT"

# ---- bad CGROUP and option values ---------------------------------------------
bad_args=(
	"nope" "../etc" "a/../../b" "./x" "" "99999999999999999999999" "4294967296999"
	$'\xff' "$(printf 'x%.0s' $(seq 5000))" "notmem" "/etc" "-5"
)
for a in "${bad_args[@]}"; do
	run_mc "${HY[@]}" show -- "$a"
	no_crash "show-bad-arg-no-crash-${#a}-${a:0:6}"
	if [[ $RC -eq 2 || $RC -eq 3 ]]; then t_ok "show-bad-arg-rc-${a:0:6}"
	else t_fail "show-bad-arg-rc-${a:0:6}" "rc $RC for '${a:0:40}'"; fi
	run_mc "${HY[@]}" -j show -- "$a"
	check_json "show-bad-arg-json-${a:0:6}" '.error | type == "string"'
done
for d in 0 -1 abc 1001 99999999999999999999 1.5 ''; do
	run_mc "${V2[@]}" show --depth "$d" /
	check_eq "depth-bad-$d" 2 "$RC"
	one_line_err "depth-bad-one-line-$d"
done
run_mc "${V2[@]}" show a b
check_eq "two-cgroups" 2 "$RC"
run_mc --cgroup-root=/nonexistent show
check_eq "bad-root" 5 "$RC"
run_mc --cgroup-root="$FX/v1/notmem" -j show
check_json "bad-root-json" '.error | test("not a memory cgroup hierarchy")'

# ---- feature without root still answers --------------------------------------
run_mc -j feature
check_eq "feature-rc" 0 "$RC"
check_json "feature-has-commands" '.commands.show.status | test("full|degraded|unavailable")'
check_json "feature-has-tracepoints" '.tracepoint | has("oom:mark_victim")'

# ---- unprivileged: show works, feature explains instead of failing -------------
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	OUT=$(as_nobody "$MEMCGCTL" -j feature 2>/dev/null); RC=$?
	check_eq "nobody-feature-rc" 0 "$RC"
	check_json "nobody-feature-unprivileged" '.privileged == false and .program.tp_btf == false'
	OUT=$(as_nobody "$MEMCGCTL" feature 2>/dev/null)
	check "nobody-feature-says-why" grep -q 'tp_btf .*no: load failed: Operation not permitted' <<<"$OUT"
	OUT=$(as_nobody "$MEMCGCTL" -j show / 2>/dev/null); RC=$?
	check_eq "nobody-show-rc" 0 "$RC"
	check_json "nobody-show-root" '.cgroup == "/" and .cgroup_id > 0'
else
	t_skip "nobody" "needs root to drop to nobody"
fi

# ---- names other users choose are escaped on the terminal ---------------------
# A copy of the v2 fixture with a cgroup whose name holds OSC (set the title),
# BEL, CSI (clear the screen), CR, LF, a raw 8-bit CSI (0x9b), 0xff and DEL.
EVIL=$'evil\e]0;pwned\a\e[2J\r\n\x9b\xff\x7f'
EVIL_ESC='evil\x1b]0;pwned\x07\x1b[2J\x0d\x0a\x9b\xff\x7f'
cp -r "$FX/v2" "$T_TMP/v2"
cp -r "$FX/v2/app.slice/web.service" "$T_TMP/v2/app.slice/$EVIL"
EV=(--cgroup-root="$T_TMP/v2")
# raw_ctl NAME TEXT: no C0 control but LF, no DEL, no byte >= 0x80 in TEXT
raw_ctl() {
	if LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f-\xff]' <<<"$2"; then
		t_fail "$1" "raw control bytes: $(od -c <<<"$2" | head -5)"
	else
		t_ok "$1"
	fi
}
run_mc "${EV[@]}" show "app.slice/$EVIL"
check_eq "escape-show-rc" 0 "$RC"
raw_ctl "escape-show-no-raw-bytes" "$OUT"
check "escape-show-escaped" grep -qF "/app.slice/$EVIL_ESC  (id " <<<"$OUT"
check_eq "escape-show-one-title-line" 1 "$(grep -c '(id ' <<<"$OUT")"
run_mc "${EV[@]}" show -r /app.slice
raw_ctl "escape-show-r-no-raw-bytes" "$OUT"
check "escape-show-r-escaped" grep -qF "$EVIL_ESC" <<<"$OUT"
run_mc "${EV[@]}" -j show "app.slice/$EVIL"
check_json "escape-json-exact" '.cgroup == "/app.slice/evil\u001b]0;pwned\u0007\u001b[2J\r\n\ufffd\ufffd\u007f"'
raw_ctl "escape-json-no-raw-bytes" "$OUT"
run_mc "${EV[@]}" -j show -r /app.slice
check_json "escape-json-r-valid" 'length == 4'
run_mc "${EV[@]}" show "app.slice/$EVIL/gone"
check_eq "escape-error-rc" 3 "$RC"
one_line_err "escape-error-one-line"
raw_ctl "escape-error-no-raw-bytes" "$ERR"
check "escape-error-escaped" grep -qF "$EVIL_ESC/gone" <<<"$ERR"
run_mc -j "${EV[@]}" show "app.slice/$EVIL/gone"
check_json "escape-error-json" '.error | test("evil\u001b")'
# valid UTF-8 stays readable in a UTF-8 locale, and is escaped in others
mkdir "$T_TMP/v2/caf"$'\xc3\xa9' && cp "$FX/v2/app.slice/memory.stat" "$T_TMP/v2/caf"$'\xc3\xa9/'
OUT=$(LC_ALL=C "$MEMCGCTL" "${EV[@]}" show "caf"$'\xc3\xa9' 2>&1)
check "escape-c-locale-bytes" grep -qF '/caf\xc3\xa9  (id' <<<"$OUT"
if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then
	OUT=$(LC_ALL=C.UTF-8 "$MEMCGCTL" "${EV[@]}" show "caf"$'\xc3\xa9' 2>&1)
	check "escape-utf8-locale-kept" grep -qF "/caf"$'\xc3\xa9'"  (id" <<<"$OUT"
	OUT=$(LC_ALL=C.UTF-8 "$MEMCGCTL" "${EV[@]}" show "app.slice/$EVIL" 2>&1)
	raw_ctl "escape-utf8-locale-no-raw-bytes" "$OUT"
else
	t_skip "escape-utf8-locale" "no C.UTF-8 locale"
fi

# ---- a write error on stdout is an error ------------------------------------
# (a full disk must not leave a truncated file behind an exit status of 0)
FULL_MSG="memcgctl: write error on standard output: No space left on device"
full_cmds=(
	"help" "version" "-j version" "show /" "-j show /" "show -r /" "-j show -r /"
	"feature" "-j feature" "top -b -n 1 --no-bpf" "-j top -b -n 1 --no-bpf"
	"top -b -n 1 --no-bpf -o openmetrics" "top --columns help" "-j top --columns help"
	"show --help" "-j show --help" "top --help" "watch --help" "notify --help"
	"reclaim --help" "policy help" "policy load --help" "feature --usage"
)
if [[ -w /dev/full ]]; then
	for c in "${full_cmds[@]}"; do
		# shellcheck disable=SC2086 # the words of $c are the arguments
		err=$("$MEMCGCTL" "${V2[@]}" $c 2>&1 >/dev/full)
		rc=$?
		check_eq "full-rc-${c// /_}" 1 "$rc"
		check_eq "full-msg-${c// /_}" "$FULL_MSG" "$err"
	done
	# a failed command keeps its own exit code, and still says stdout failed
	err=$("$MEMCGCTL" "${V2[@]}" -j show /nope 2>&1 >/dev/full)
	check_eq "full-error-keeps-rc" "3 $FULL_MSG" "$? $err"
else
	t_skip "full" "no writable /dev/full"
fi
err=$("$MEMCGCTL" "${V2[@]}" show / 2>&1 >&-)
check_eq "closed-stdout" "1 memcgctl: write error on standard output: Bad file descriptor" "$? $err"
err=$("$MEMCGCTL" "${V2[@]}" show / 2>&1 >/dev/null)
check_eq "dev-null-is-fine" "0 " "$? $err"

# ---- help anywhere stops the command before it acts ------------------------
# Each line: a command whose arguments would fail (or act) if it ran.
help_cmds=(
	"show /nonexistent"
	"top -b -n 1 /nonexistent"
	"watch /nonexistent -e oom"
	"notify /nonexistent oom"
	"reclaim /nonexistent 4M"
	"reclaim /nonexistent --auto"
	"feature"
	"policy load /nonexistent.bpf.o"
	"policy list"
	"policy show memcgctl-test-none"
	"policy set memcgctl-test-none a=1"
	"policy unload memcgctl-test-none"
	"policy events memcgctl-test-none -f"
)
for c in "${help_cmds[@]}"; do
	set -- $c
	want="Usage: memcgctl $1"
	[[ $1 == policy ]] && want="Usage: memcgctl policy $2"
	for h in --help -? --usage; do
		n="help-${c// /_}-$h"
		# shellcheck disable=SC2086
		run_mc "${V2[@]}" $c $h
		check_eq "$n-rc" 0 "$RC"
		check_eq "$n-nothing-else" "" "$ERR"
		check_eq "$n-prints-usage" "$want" "${OUT:0:${#want}}"
	done
	# first too (after the subcommand), and under -j as one JSON object
	set -- $c
	k=1
	[[ $1 == policy ]] && k=2
	# shellcheck disable=SC2086
	run_mc "${V2[@]}" ${*:1:k} --help ${*:k+1}
	check_eq "help-first-${c// /_}" "0 $want" "$RC ${OUT:0:${#want}}"
	# shellcheck disable=SC2086
	run_mc "${V2[@]}" -j $c --help
	check_eq "help-json-rc-${c// /_}" 0 "$RC"
	check_json "help-json-${c// /_}" "(.help | startswith(\"$want\")) and (keys == [\"help\"])"
done
run_mc "${V2[@]}" -j show help
check_json "help-word-json" '.help | startswith("Usage: memcgctl show")'
# an option's argument that looks like --help is an argument; after "--" it is a name
run_mc "${V2[@]}" show -- --help
check_eq "help-after-dashdash-is-a-name" 3 "$RC"
run_mc "${V2[@]}" show --bogus --help
check_eq "help-with-bad-option-is-usage" 2 "$RC"
run_mc -j policy --usage
check_json "policy-usage-json" 'has("builtins")'
run_mc -?
check "global-question-mark" grep -q '^Usage: memcgctl' <<<"$OUT"
