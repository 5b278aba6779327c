#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# policy with bad input, no root needed: every mistake is one line with the
# right exit code (JSON under -j), nothing crashes, nothing is loaded.
. "$(dirname "$0")/../lib.sh"

# usage errors come before any privilege check, so these hold as root too
usage() { check_bad "$1" "${WANT:-2}" "" policy "${@:2}"; }

run_mc policy
check_eq "no-subcommand-help" 0 "$RC"
check "help-lists-builtins" grep -q '^  preoom ' <<<"$OUT"
run_mc policy help
check "help-lists-pressure" grep -q '^  pressure ' <<<"$OUT"
run_mc -j policy help
check_json "help-json" '.builtins == ["preoom", "pressure"]'
run_mc policy load help
check "load-help" grep -q 'Usage: memcgctl policy load' <<<"$OUT"
run_mc policy li --bogus
check_eq "prefix-match-then-bad-option" 2 "$RC"

usage "unknown-sub" frob
run_mc policy frob
check "unknown-sub-hint-policy-help" grep -q "hint: 'memcgctl policy help'" <<<"$ERR"
check "unknown-sub-names-it" grep -q "unknown subcommand 'frob'" <<<"$ERR"
run_mc -j policy frob
check_json "unknown-sub-json-hint" '.hint | test("memcgctl policy help")'
usage "ambiguous-sub" s
usage "load-nothing" load
usage "load-unknown-builtin" load nosuch
usage "load-bad-keyword" load preoom frob
usage "load-name-missing" load preoom name
usage "load-cgroup-missing" load preoom cgroup
usage "load-bad-name" load preoom name 'a/b'
usage "load-bad-name-dot" load preoom name 'x.y'
usage "load-long-name" load preoom name "$(printf 'n%.0s' {1..40})"
run_mc policy load preoom name -x
check_eq "load-dash-name-rc" 2 "$RC"
run_mc -j policy load preoom name -x
check_json "load-dash-name-json" '.error | type == "string"'
usage "load-empty-name" load preoom name ''
usage "show-nothing" show
usage "show-two" show a b
# a user who cannot read the pins is told so (4), not that nothing is loaded
WANT=2
[[ $(id -u) -ne 0 && -e /sys/fs/bpf/memcgctl ]] && ! ls /sys/fs/bpf/memcgctl >/dev/null 2>&1 && WANT=4
WANT=$WANT usage "show-not-loaded" show "nosuch$$"
WANT=$WANT usage "set-not-loaded" set "nosuch$$" a=1
WANT=
usage "show-bad-name" show '../etc'
usage "set-nothing" set
usage "set-no-kv" set "nosuch$$"
usage "unload-nothing" unload
usage "unload-both" unload x --all
usage "unload-bad-name" unload 'a b'
usage "list-extra" list junk
usage "events-two" events a b
usage "non-utf8" load $'\xff\xfe'
usage "huge-arg" load "$(head -c 5000 /dev/zero | tr '\0' x)"

# as a user: a clear permission error, not "nothing loaded"
if [[ $(id -u) -ne 0 && -e /sys/fs/bpf/memcgctl ]] && ! ls /sys/fs/bpf/memcgctl >/dev/null 2>&1; then
	run_mc policy list
	check_eq "list-as-user-rc" 4 "$RC"
	one_line_err "list-as-user-one-line"
fi
if [[ $(id -u) -ne 0 ]]; then
	run_mc policy unload foo
	check_eq "unload-as-user-rc" 4 "$RC"
fi

# params: what load accepts, read from the object's BTF, nothing loaded
usage "params-nothing" params
usage "params-two" params preoom pressure
usage "params-unknown" params "nosuch$$"
run_mc policy params "nosuch$$"
check_eq "params-unknown-message" "memcgctl: policy params: 'nosuch$$' is neither a built-in policy (preoom, pressure) nor a file" "$ERR"
for b in preoom pressure; do
	# the config struct in bpf/policy.h is what the built-in's BTF says
	want=$(awk -v s="struct ${b}_config {" 'index($0, s) == 1 { on = 1; next }
		on && /^};/ { exit }
		on { sub(/\/\*.*/, ""); n = $NF; sub(/;$/, "", n); if (n !~ /^__/ && n != "") print n }' \
		"$(dirname "$0")/../../bpf/policy.h" | tr '\n' ' ')
	run_mc -j policy params "$b"
	check_eq "params-$b-rc" 0 "$RC"
	check_json "params-$b-policy" ".policy == \"$b\""
	got=$(jq -r '[.parameters[].name] | join(" ")' <<<"$OUT" 2>/dev/null)
	check_eq "params-$b-names" "${want% }" "$got"
	check_json "params-$b-enabled-switch" '.parameters[] | select(.name == "enabled") | .kind == "switch" and .default == 1'
	check_json "params-$b-values-null-or-array" '[.parameters[].values | type] - ["null", "array"] == []'
	run_mc policy params "$b"
	check_eq "params-$b-plain-header" "PARAMETER            KIND      DEFAULT" "$(head -1 <<<"$OUT")"
	check_eq "params-$b-plain-rows" "$(wc -w <<<"$want")" "$(($(wc -l <<<"$OUT") - 1))"
done
run_mc -j policy params preoom
check_json "params-preoom-enum" '.parameters[] | select(.name == "target") |
	.kind == "enum" and .default == "charger" and .values == ["charger", "largest"]'
check_json "params-preoom-duration-ns" '.parameters[] | select(.name == "window_ns") |
	.kind == "duration" and .default == 10000000000'
run_mc policy params preoom
check "params-preoom-plain-enum" grep -qE '^target +enum +charger +\(charger\|largest\)$' <<<"$OUT"
# a user object, as load would read it
obj=$MEMCGCTL_TEST_BIN/../examples/policy-template.bpf.o
if [[ -r $obj && $(stat -c %u "$obj") == 0 ]]; then
	run_mc -j policy params "$obj"
	check_json "params-object" '.policy == "policy-template" and
		([.parameters[].name] == ["enabled", "dry_run", "signal", "interval_ns"])'
	check_json "params-object-defaults" '[.parameters[].default] == [1, 1, 12, 1000000000]'
else
	t_skip "params-object" "no root-owned $obj (make; run as root)"
fi
run_mc policy params /etc/hostname
check_eq "params-not-bpf-rc" 2 "$RC"
one_line_err "params-not-bpf-one-line"

# ---- apply: the policy file is checked whole before anything else ----------
AD=$(mktemp -d)
printf 'a preoom -\n' >"$AD/ok.conf"
usage "apply-two-files" apply "$AD/ok.conf" "$AD/ok.conf"
usage "apply-empty-file-name" apply ''
run_mc policy apply --bogus
check_eq "apply-bad-option-rc" 2 "$RC"
usage "apply-missing-file" apply "$AD/missing.conf"
printf '# c\na preoom -\nb pressure - threshold_pct=170\n' >"$AD/bad.conf"
usage "apply-bad-value" apply "$AD/bad.conf"
run_mc policy apply --dry-run "$AD/bad.conf"
check "apply-bad-value-names-line" grep -q "^memcgctl: policy apply: $AD/bad.conf:3: b: threshold_pct: '170' is not a whole percentage" <<<"$ERR"
check_eq "apply-bad-value-prints-nothing" "" "$OUT"
printf 'a preoom -\nb /nonexistent/x.bpf.o -\n' >"$AD/bad.conf"
usage "apply-missing-object" apply "$AD/bad.conf"
run_mc policy apply "$AD/bad.conf"
check "apply-missing-object-names-line" grep -q "$AD/bad.conf:2: /nonexistent/x.bpf.o: No such file" <<<"$ERR"
printf 'a preoom - nosuch=1\n' >"$AD/bad.conf"
usage "apply-unknown-param" apply "$AD/bad.conf"
run_mc policy apply "$AD/bad.conf"
check "apply-unknown-param-says" grep -q "bad.conf:1: a: 'nosuch': no such parameter" <<<"$ERR"
printf 'a preoom -\n' >"$AD/bad.conf"
chmod 0666 "$AD/bad.conf"
WANT=4 usage "apply-writable-file" apply "$AD/bad.conf"
run_mc policy apply --help
check "apply-help" grep -q -- '--dry-run' <<<"$OUT"
# the unit runs what memcgctl takes, and systemd accepts it
unit=systemd/memcgctl-policies.service
check "unit-exec-start" grep -qx 'ExecStart=memcgctl policy apply' "$unit"
check "unit-exec-reload" grep -qx 'ExecReload=memcgctl policy apply' "$unit"
check "unit-oneshot" grep -qx 'RemainAfterExit=yes' "$unit"
check "unit-after-bpffs" grep -qx 'RequiresMountsFor=/sys/fs/bpf' "$unit"
if command -v systemd-analyze >/dev/null; then
	# with the binary that was built: the unit's own name is found once installed
	sed "s|=memcgctl |=$MEMCGCTL |" "$unit" >"$AD/memcgctl-policies.service"
	check "unit-verifies" bash -c "cd '$AD' && systemd-analyze verify --man=no ./memcgctl-policies.service"
else
	t_skip "unit-verifies" "no systemd-analyze"
fi
rm -rf "$AD"
