#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# notify's command line without root: bad input gives one clear line, the
# usage exit code (2), the grammar for bad conditions, JSON errors under -j,
# and never a crash.
. "$(dirname "$0")/../lib.sh"

# bad_usage NAME ARGS...: exit 2, "memcgctl: notify:" on stderr, nothing on stdout
bad_usage() { check_bad "$1" 2 "notify" notify "${@:2}"; }

bad_usage no-args
bad_usage no-condition /
bad_usage empty-condition / ''
bad_usage junk-condition / 'junk'
bad_usage junk-size / 'usage>=1x'
bad_usage negative-size / 'usage>=-1G'
bad_usage overflow-size / 'usage>=99999999999999999999999'
bad_usage overflow-suffix / 'usage>=99999999999T'
bad_usage pct-over-100 / 'usage>=150%'
bad_usage no-operator / 'usage1G'
bad_usage psi-bad-window / 'psi.some>=10%/10ms'
bad_usage psi-no-window / 'psi.some>=10%'
bad_usage event-bad-count / 'oom_kill+0'
bad_usage event-negative / 'max+-1'
bad_usage too-many / oom_kill oom_kill oom_kill oom_kill oom_kill oom_kill oom_kill oom_kill oom_kill
bad_usage unknown-option / oom_kill --frobnicate
bad_usage count-zero / oom_kill --count 0
bad_usage count-junk / oom_kill --count x
bad_usage count-negative / oom_kill --count -1
bad_usage timeout-junk / oom_kill --timeout soon
bad_usage timeout-zero / oom_kill --timeout 0
bad_usage timeout-overflow / oom_kill --timeout 99999999999999999999s
bad_usage rearm-junk / oom_kill --rearm x
bad_usage exec-no-command / oom_kill --exec
bad_usage exec-timeout-zero / oom_kill --exec-timeout 0 --exec true
bad_usage exec-timeout-junk / oom_kill --exec-timeout soon --exec true
bad_usage exec-timeout-overflow / oom_kill --exec-timeout 25h --exec true
bad_usage exec-empty-command / oom_kill --exec ''
bad_usage forever-and-count / oom_kill --forever --count 2

# a bad condition hints at the grammar, in one line
run_mc notify / 'usage>=1x'
check "grammar-hinted" grep -q '^memcgctl: hint: conditions: .*psi.some|psi.full>=PCT%/WINDOW' <<<"$ERR"
check "names-the-condition" grep -q "bad condition 'usage>=1x'" <<<"$ERR"

# -j: errors are one JSON object on stdout, with the hint
run_mc -j notify / 'usage>=1x'
check_eq "json-exit-2" 2 "$RC"
check_json "json-error" '.error | test("bad condition")'
check_json "json-hint" '.hint | test("oom_kill")'
run_mc notify -j / --count 0 oom_kill
check_eq "json-after-cmd-exit-2" 2 "$RC"
check_json "json-after-cmd-error" '.error | test("--count")'

# help works without root and names every option
run_mc notify help
check_eq "help-exit-0" 0 "$RC"
for o in --any --all --count --forever --timeout --rearm --wait-next --exec; do
	check "help-has$o" grep -q -- "$o" <<<"$OUT"
done

# a missing cgroup is exit 3 (before any privilege is needed)
run_mc notify /memcgctl-no-such-cgroup-$$ oom_kill
check_eq "missing-cgroup-exit-3" 3 "$RC"
