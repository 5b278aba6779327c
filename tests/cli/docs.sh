#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Help text, man pages and bash completion agree: every command has a man
# page that documents every long option its --help lists, and completion
# offers exactly those commands and options.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1

# Run the completion function as bash would for the words given.
complete_words() {
	bash -c '
		source bash-completion/memcgctl
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_memcgctl
		printf "%s\n" "${COMPREPLY[@]}"' complete "$@"
}

cmds=$("$MEMCGCTL" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ && on { exit }')
check "commands-listed" test -n "$cmds"
got=$(complete_words "$MEMCGCTL" "" | sort | tr '\n' ' ')
check_eq "completion-commands" "$(sort <<<"$cmds" | tr '\n' ' ')" "$got"
check "man-main-lists-every-command" bash -c "for c in $(echo $cmds); do grep -q \"^\\.B \$c\$\" man/memcgctl.8 || { echo \$c; exit 1; }; done"

for c in $cmds; do
	[[ $c == help || $c == version ]] && continue
	page=man/memcgctl-$c.8
	check "man-page-$c" test -s "$page"
	check "man-main-refers-$c" grep -q "memcgctl\\\\-$c (8)" man/memcgctl.8
	opts=$("$MEMCGCTL" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]*' | grep -v -- '--help\|--usage' | sort -u)
	for o in $opts; do
		roff=${o//-/\\-}
		if grep -qF -- "$roff" "$page" || grep -qF -- "$o" "$page"; then t_ok "man-$c$o"
		else t_fail "man-$c$o" "$page does not document $o"; fi
	done
	got=$(complete_words "$MEMCGCTL" "$c" "--" | tr '\n' ' ')
	for o in $opts; do
		if [[ " $got " == *" $o "* ]]; then t_ok "completion-$c$o"
		else t_fail "completion-$c$o" "completion of '$c --' lacks $o (got: $got)"; fi
	done
done
# prefix commands complete their options too
got=$(complete_words "$MEMCGCTL" sh --r | tr '\n' ' ')
check_eq "completion-prefix-command" "--recursive " "$got"
for m in man/*.8; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	check_eq "man-renders-clean-$(basename "$m")" "" "$w"
done
# what memcgctl(8) promises about output is what the binary does
check "man-main-escape-rules" grep -q '^\.SH OUTPUT' man/memcgctl.8
check "man-main-write-error" grep -qF "write error on standard output: No space left on device" man/memcgctl.8
err=$("$MEMCGCTL" help 2>&1 >/dev/full)
check_eq "man-main-write-error-matches" "memcgctl: write error on standard output: No space left on device" "$err"
check "man-main-json-help" grep -qF '{"help": "' man/memcgctl.8
got=$("$MEMCGCTL" -j show --help | jq -r 'keys | join(",")')
check_eq "man-main-json-help-matches" "help" "$got"
# the built-ins' parameters: their config struct in bpf/policy.h, their
# table in memcgctl-policy(8) and what `policy load NAME` completes agree
for b in preoom pressure; do
	want=$(awk -v s="struct ${b}_config {" 'index($0, s) == 1 { on = 1; next }
		on && /^};/ { exit }
		on { sub(/\/\*.*/, ""); n = $NF; sub(/;$/, "", n); if (n !~ /^__/ && n != "") print n }' bpf/policy.h | sort)
	check "params-$b-listed" test -n "$want"
	man=$(awk -v s=".SS $b " 'index($0, s) == 1 { on = 1; next }
		on && /^\.TS/ { t = 1; next } t && /^\.TE/ { exit }
		t && /\t/ && !/parameter/ { split($0, f, "\t"); print f[1] }' man/memcgctl-policy.8 | sort)
	check_eq "man-params-$b" "$(echo $want)" "$(echo $man)"
	got=$(complete_words "$MEMCGCTL" policy load "$b" "" | grep '=$' | tr -d = | sort)
	check_eq "completion-params-$b" "$(echo $want)" "$(echo $got)"
done
