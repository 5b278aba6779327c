#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# watch's command line: bad input gets one clear line and the right exit
# code, never a crash; under -j the error is JSON.  Needs no root: every
# case fails before anything is loaded.
. "$(dirname "$0")/../lib.sh"

# bad NAME WANT_RC WANT_TEXT ARGS...: one line on stderr naming the problem
bad() { check_bad "$1" "$2" "$3" watch "${@:4}"; }

bad "events-empty"        2 "missing value: '-e'" -e
bad "events-junk"         2 "unknown class 'junk'" -e junk
bad "events-trailing"     2 "empty class name" -e reclaim,
bad "events-case"         2 "unknown class 'OOM'" -e OOM
bad "minlat-junk"         2 "--min-lat 'abc'" --min-lat abc
bad "minlat-negative"     2 "--min-lat '-1ms'" --min-lat -1ms
bad "minlat-overflow"     2 "--min-lat" --min-lat 99999999999999999999s
bad "duration-zero"       2 "--duration '0'" -D 0
bad "duration-negative"   2 "--duration" --duration=-5s
bad "duration-unit"       2 "--duration '10x'" -D 10x
bad "count-zero"          2 "--count '0'" -c 0
bad "count-negative"      2 "--count '-3'" -c -3
bad "count-overflow"      2 "--count" -c 99999999999999999999999
bad "count-junk"          2 "--count '1e3'" -c 1e3
bad "pid-zero"            2 "--pid '0'" -P 0
bad "pid-junk"            2 "--pid 'abc'" --pid abc
bad "pid-overflow"        2 "--pid '99999999999'" -P 99999999999
bad "interval-too-short"  2 "--interval '1ms'" -i 1ms
bad "unknown-option"      2 "unknown option or missing value: '--bogus'" --bogus
bad "two-cgroups"         2 "one CGROUP at most" a b
bad "empty-cgroup"        2 "empty cgroup name" ""
bad "no-such-cgroup"      3 "not found" /memcgctl-no-such-cgroup-$$
bad "no-such-id"          3 "" 18446744073709551615

# -j: the error is one JSON object on stdout, nothing else
run_mc -j watch -e junk
check_eq "json-error-rc" 2 "$RC"
check_json "json-error-object" '.error | test("unknown class")'
check_eq "json-error-one-line" 1 "$(wc -l <<<"$OUT")"
run_mc watch --bogus -j
check_eq "json-unknown-option-rc" 2 "$RC"
check_json "json-unknown-option" '.error | test("unknown option or missing value: .--bogus.")'
run_mc -j watch /memcgctl-no-such-cgroup-$$
check_eq "json-nocgroup-rc" 3 "$RC"
check_json "json-nocgroup" '.error | test("not found")'

# help works, by name and by prefix, and lists every option
run_mc watch help
check_eq "help-rc" 0 "$RC"
for opt in --events --pid --min-lat --duration --count --interval --hist --ids --no-summary; do
	check "help-has$opt" grep -q -- "$opt" <<<"$OUT"
done
run_mc wat --help
check_eq "prefix-help-rc" 0 "$RC"
check "prefix-help" grep -q "Stream memory-cgroup events" <<<"$OUT"

# without privileges: a clear EXIT_PERM, not a libbpf error
if [[ $(id -u) -ne 0 ]]; then
	run_mc watch -D 1
	check_eq "unprivileged-rc" 4 "$RC"
	check "unprivileged-says-root" grep -q "needs root" <<<"$ERR"
elif command -v setpriv >/dev/null; then
	o=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMCGCTL" watch -D 1 2>&1)
	check_eq "unprivileged-rc" 4 "$?"
	check "unprivileged-says-root" grep -q "needs root" <<<"$o"
else
	t_skip "unprivileged-rc" "no setpriv"
fi
