#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# top's bad input: one clear line, the right exit code, no crash; -j
# errors are JSON.  No root needed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../metrics.sh"

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
# one exposition per run: a second snapshot would repeat every family
bad "prometheus-n2" 2 -b -n 2 -o prometheus
bad "openmetrics-n2" 2 -b -n 2 -o openmetrics

run_mc -j top -b -n 1 -d junk
check_eq "json-error-rc" 2 "$RC"
check_json "json-error-is-json" '.error | test("delay")'
run_mc -j top -b -n 1 /memcgctl-no-such-cgroup-$$
check_eq "json-nocgroup-rc" 3 "$RC"
check_json "json-nocgroup-is-json" '.error | test("not found")'
run_mc -j top -o openmetrics -n 1
check_eq "json-vs-openmetrics" 2 "$RC"
run_mc -j top -o prometheus -n 1
check_eq "json-vs-prometheus" 2 "$RC"
check_json "json-vs-prometheus-is-json" '.error | test("prometheus")'

run_mc top --columns help
check_eq "columns-help-rc" 0 "$RC"
check "columns-help-lists-stall" grep -q "^stall " <<<"$OUT"
run_mc top help
check "help-mentions-batch" grep -q -- "--batch" <<<"$OUT"
run_mc -j top --columns help
check_eq "columns-help-json-rc" 0 "$RC"
check_json "columns-help-json" '.columns | length > 10 and (map(.name) | index("stall")) and
	(.[] | select(.name == "current") | .default == true)'
check_json "columns-help-json-names" '.columns[] | select(.name == "current") | .json == "usage_bytes" and .metric == "memcgctl_memory_usage_bytes"'
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

# ---- metrics and JSON, with the names other users choose ----------------------
# Beside EVIL (controls, CR/LF, invalid UTF-8): a quote and a backslash, and
# a name whose escaped form reads like another's literal one ("lit\xff")
cp -r "$FX/v2/app.slice/db.service" "$T_TMP/v2/app.slice/"$'q"uo\\te'
cp -r "$FX/v2/app.slice/db.service" "$T_TMP/v2/app.slice/"$'lit\xff'
cp -r "$FX/v2/app.slice/db.service" "$T_TMP/v2/app.slice/"'lit\xff'
no_raw() {
	if LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f-\xff]' <<<"$2"; then
		t_fail "$1" "$(LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f-\xff]' <<<"$2" | head -2 | od -c | head -4)"
	else
		t_ok "$1"
	fi
}
run_mc "${EV[@]}" top -o prometheus --no-bpf
check_eq "prom-rc" 0 "$RC"
PROM=$OUT
check_promtool "prom-promtool-hostile" prometheus "$PROM"
no_raw "prom-no-raw-bytes" "$PROM"
check_node_exporter "prom-node-exporter-hostile" "$PROM"
check "prom-evil-escaped" grep -qF 'cgroup="/app.slice/evil\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\x0a\\x9b\\xff\\x7f",parent="/app.slice",depth="2"' <<<"$PROM"
check "prom-quote-backslash" grep -qF 'cgroup="/app.slice/q\"uo\\te",parent="/app.slice",depth="2"}' <<<"$PROM"
# the raw 0xff and the literal text "\xff" read alike: the id tells them apart
lit_id=$(stat -c %i "$T_TMP/v2/app.slice/"$'lit\xff')
check "prom-escaped-has-id" grep -qF "memcgctl_memory_usage_bytes{cgroup=\"/app.slice/lit\\\\xff\",parent=\"/app.slice\",depth=\"2\",cgroup_id=\"$lit_id\"} " <<<"$PROM"
check "prom-literal-no-id" grep -qF 'memcgctl_memory_usage_bytes{cgroup="/app.slice/lit\\xff",parent="/app.slice",depth="2"} ' <<<"$PROM"
check "prom-counter-total" grep -qx '# TYPE memcgctl_oom_kills_total counter' <<<"$PROM"
check "prom-oom-sample" grep -qx 'memcgctl_oom_kills_total{cgroup="/app.slice/web.service",parent="/app.slice",depth="2"} 1' <<<"$PROM"
check "prom-unlimited-max-inf" grep -qx 'memcgctl_memory_max_bytes{cgroup="/app.slice",parent="/",depth="1"} +Inf' <<<"$PROM"
check "prom-bpf-labelled" grep -qx 'memcgctl_top_bpf{root="/"} 0' <<<"$PROM"
check_eq "prom-help-once" "" "$(grep '^# HELP' <<<"$PROM" | sort | uniq -d)"
check "prom-no-eof" bash -c '! grep -q "^# EOF" <<<"$1"' _ "$PROM"
# a subtree: its own root label, depth counted from it
run_mc "${EV[@]}" top -o prometheus --no-bpf /app.slice
check "prom-subtree-root" grep -qx 'memcgctl_top_bpf{root="/app.slice"} 0' <<<"$OUT"
check "prom-subtree-depth" grep -q '^memcgctl_memory_usage_bytes{cgroup="/app.slice",parent="/",depth="0"} ' <<<"$OUT"

run_mc "${EV[@]}" top -o openmetrics --no-bpf
check_eq "om-rc" 0 "$RC"
OM=$OUT
check_openmetrics "om-parses-hostile" "$OM"
check_promtool "om-promtool-hostile" openmetrics "$OM"
no_raw "om-no-raw-bytes" "$OM"
check_eq "om-eof-last" "# EOF" "$(tail -n 1 <<<"$OM")"
check_eq "om-eof-once" 1 "$(grep -c '^# EOF' <<<"$OM")"
check "om-counter-family" grep -qx '# TYPE memcgctl_oom_kills counter' <<<"$OM"
check "om-counter-sample-total" grep -q '^memcgctl_oom_kills_total{' <<<"$OM"
check "om-unit" grep -qx '# UNIT memcgctl_memory_usage_bytes bytes' <<<"$OM"
check "om-unit-seconds" grep -qx '# UNIT memcgctl_memory_pressure_some_seconds seconds' <<<"$OM"
check "om-evil-escaped" grep -qF 'cgroup="/app.slice/evil\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\x0a\\x9b\\xff\\x7f"' <<<"$OM"

run_mc "${EV[@]}" -j top -b -n 2 -d 0.1 --no-bpf
check_eq "json-two-docs-rc" 0 "$RC"
check_schema "json-schema-hostile" top
check_eq "json-two-docs" 2 "$(jq -s length <<<"$OUT")"
run_mc "${EV[@]}" -j top -b -n 1 --no-bpf
check_json "json-vocabulary" '.cgroups[] | select(.cgroup == "/app.slice/web.service") |
	.usage_bytes == 150994944 and .limit_bytes == 201326592 and .limit_type == "high" and .max_bytes == 268435456 and
	.oom_kills == 1 and .max_events != null and .failcnt == null and .reclaim_stall_ns == null'
check_json "json-unlimited" '.cgroups[] | select(.cgroup == "/app.slice") |
	.limit_bytes == null and .limit_type == "none" and .max_bytes == null'
# the man page's jq example runs (it used to fail on the string "max")
ex=$(sed -n "s/^memcgctl -j top -b -n 1 | jq '\\(.*\\)'\$/\\1/p" "$(dirname "$0")/../../man/memcgctl-top.8")
check "man-jq-example-found" test -n "$ex"
check "man-jq-example-runs" jq "$ex" <<<"$OUT"
# the validators refuse what they must: the old nested limit, an exposition cut short
check_schema_fails() {
	local py
	py=$(py_with jsonschema) || { t_skip "$1" "python3-jsonschema not installed"; return; }
	check "$1" bash -c '! "$1" -c "import json,sys,jsonschema; jsonschema.validate(json.loads(sys.argv[3]), json.load(open(sys.argv[2])), cls=jsonschema.Draft202012Validator)" "$2" "$3" 2>/dev/null' _ "$py" "$T_SCHEMA/top.schema.json" "$2"
}
check_schema_fails "schema-rejects-old-limit" "$(jq -c '.cgroups[0].limit = {which: "max"}' <<<"$OUT")"
check_schema_fails "schema-rejects-minus-one" "$(jq -c '.cgroups[0].usage_bytes = -1' <<<"$OUT")"
if py=$(py_with prometheus_client.openmetrics.parser); then
	check "om-check-rejects-no-eof" bash -c '! "$1" "$2" <<<"$3" >/dev/null' _ "$py" "$T_TOOLS/om-check.py" "$(head -n -1 <<<"$OM")"
	check "om-check-rejects-dup" bash -c '! "$1" "$2" <<<"$3" >/dev/null' _ "$py" "$T_TOOLS/om-check.py" "$(sed 's/^memcgctl_top_bpf.*/&\n&/' <<<"$OM")"
fi

# ---- completion follows the field table and the formats -----------------------
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _memcgctl
		printf "%s\n" "${COMPREPLY[@]}"' comp "$(dirname "$0")/../../bash-completion/memcgctl" "$@"
}
want=$("$MEMCGCTL" top --columns help | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')
check_eq "completion-sort-every-field" "$want" "$(comp "$MEMCGCTL" top -s "" | sort | tr '\n' ' ')"
check "completion-columns-new-field" grep -qx victims < <(comp "$MEMCGCTL" top --columns "")
check_eq "completion-output-formats" "json openmetrics prometheus text " "$(comp "$MEMCGCTL" top -o "" | sort | tr '\n' ' ')"
