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
# top --textfile takes a file name
touch "$T_TMP/memcgctl.prom"
got=$(complete_words "$MEMCGCTL" top --textfile "$T_TMP/mem" | tr '\n' ' ')
check_eq "completion-top-textfile-file" "$T_TMP/memcgctl.prom " "$got"
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
# mandoc's lint is stricter than man's renderer: no form feeds or other bad
# characters, no macro misuse, no unparseable .TH date in any page
if command -v mandoc >/dev/null; then
	for m in man/*.8; do
		w=$(mandoc -T lint -W warning "$m" 2>&1)
		check_eq "man-lint-$(basename "$m")" "" "$w"
	done
	# the alternating-font macros pair up as meant: what follows them is
	# roman prose, not every other word bold (HTML shows the fonts plainly)
	html() { mandoc -T html -O fragment "man/memcgctl-$1.8" | tr -s '\n ' '  '; }
	w=$(html watch)
	check "man-font-watch-e-all" grep -qF '<b>-e all</b>. The tracepoint carries vm_event_item counters' <<<"$w"
	check "man-font-watch-policy-line" grep -qF '<b>stalled=</b><i>D</i>, and what it saw: <b>unreclaimable=</b><i>S</i><b> headroom=</b><i>S</i><b> rate=</b><i>S</i><b>/s</b> (rate &quot;-&quot; when unknown); user policies <b>value=</b><i>N</i>. PID' <<<"$w"
	check "man-font-watch-json-error" grep -qF '<b>{&quot;error&quot;: &quot;...&quot;, &quot;hint&quot;: &quot;...&quot;}</b>.' <<<"$w"
	w=$(html policy)
	check "man-font-policy-sections" grep -qF '<b>tp_btf/</b><i>EVENT</i> or <b>raw_tp/</b><i>EVENT</i> sections, on the' <<<"$w"
	check "man-font-policy-events-line" grep -qF 'usage=<i>S</i> [threshold=<i>S</i>] limit=<i>S</i> and the reason' <<<"$w"
	w=$(html notify)
	check "man-font-notify-max-high" grep -qF '<b>max</b>[+<i>N</i>], <b>high</b>[+<i>N</i>]' <<<"$w"
else
	t_skip "man-lint" "needs mandoc (scripts/install-deps.sh)"
fi
# one date for the whole set: every page's .TH carries the same one
dates=$(awk '/^\.TH / { split($0, q, "\""); print q[2] }' man/*.8 | sort | uniq -c)
check_eq "man-dates-agree" "1" "$(wc -l <<<"$dates")"
check_eq "man-dates-every-page" "$(ls man/*.8 | wc -l)" "$(awk '{ print $1 }' <<<"$dates")"
# completion words go into the command line as they are: a bare > or < there
# is a redirection, so they come escaped; each word is offered once, and the
# option list is what --help lists minus --usage (help is offered as --help)
unescaped() { grep -E '(^|[^\\])[<>]' || true; }
for args in "notify / ''" "notify / u" "notify / psi" "notify / usage\\>" "top -s ''" \
	"watch -e ''" "policy load preoom ''" "policy load pressure ''"; do
	eval "set -- $args"
	got=$(complete_words "$MEMCGCTL" "$@")
	name=$(tr -c 'a-z0-9\n' - <<<"$*")
	check_eq "completion-escaped-$name" "" "$(unescaped <<<"$got" | tr '\n' ' ')"
done
got=$(complete_words "$MEMCGCTL" notify / "" | tr '\n' ' ')
check_eq "completion-notify-conditions" 'usage\>= usage\< psi.some\>= psi.full\>= oom_kill max high removed ' "$got"
got=$(complete_words "$MEMCGCTL" notify / 'usage\>' | tr '\n' ' ')
check_eq "completion-notify-escaped-prefix" 'usage\>= ' "$got"
# what the shell makes of the word is the condition notify parses
w=$(complete_words "$MEMCGCTL" notify / 'usage\>')
eval "set -- ${w}50%"
check_eq "completion-notify-dequotes" "usage>=50%" "$1"
for c in "" $cmds; do
	for p in - --; do
		got=$(complete_words "$MEMCGCTL" $c "$p")
		check_eq "completion-unique-${c:-global}$p" "" "$(sort <<<"$got" | uniq -d | tr '\n' ' ')"
		check "completion-no-usage-${c:-global}$p" bash -c '! grep -qx -- --usage <<<"$1"' x "$got"
	done
done
# policy load's parameters come from the binary (policy params -j, the
# object's BTF): an enum's values complete too, and for a user object, the
# names its BTF has.  A stub binary stands in where the real one would need
# a particular object: values the shell would misread come quoted.
got=$(complete_words "$MEMCGCTL" policy load preoom target= | tr '\n' ' ')
check_eq "completion-params-enum-values" "target=charger target=largest " "$got"
got=$(complete_words "$MEMCGCTL" policy load preoom target=l | tr '\n' ' ')
check_eq "completion-params-enum-prefix" "target=largest " "$got"
got=$(complete_words "$MEMCGCTL" policy load pressure on_high= | tr '\n' ' ')
check_eq "completion-params-switch-values" "on_high=0 on_high=1 " "$got"
got=$(complete_words "$MEMCGCTL" policy par | tr '\n' ' ')
check_eq "completion-policy-params-sub" "params " "$got"
got=$(complete_words "$MEMCGCTL" policy params pre | tr '\n' ' ')
check_eq "completion-policy-params-builtins" "preoom pressure " "$got"
stub=$T_TMP/memcgctl-stub
cat >"$stub" <<'STUB'
#!/bin/bash
case "$*" in
"-j policy params ./mine.o")
	echo '{"policy":"mine","parameters":[{"name":"limit_bytes","kind":"size","default":0,"values":null},{"name":"mode","kind":"enum","default":"lt<x","values":["lt<x","a|b","plain"]}]}' ;;
"-j policy list") echo '[{"name":"live"}]' ;;
"-j policy show live") echo '{"name":"live","policy":"mine","builtin":false,"source":"./mine.o","parameters":{"threshold_pct":80,"mode":"plain"},"counters":{"actions":0}}' ;;
"-j policy show web") echo '{"name":"web","policy":"preoom","builtin":true,"parameters":{"target":"charger"},"counters":{}}' ;;
*) exit 2 ;;
esac
STUB
chmod +x "$stub"
got=$(complete_words "$stub" policy load ./mine.o "" | tr '\n' ' ')
check_eq "completion-params-from-object" "name cgroup limit_bytes= mode= " "$got"
got=$(complete_words "$stub" policy load ./mine.o mode= | tr '\n' ' ')
check_eq "completion-params-values-quoted" 'mode=lt\<x mode=a\|b mode=plain ' "$got"
check_eq "completion-params-values-unescaped" "" "$(complete_words "$stub" policy load ./mine.o mode= | unescaped)"
w=$(complete_words "$stub" policy load ./mine.o mode=l)
eval "set -- $w"
check_eq "completion-params-values-dequote" "mode=lt<x" "$1"
got=$(complete_words "$stub" policy load ./nosuch.o "" | tr '\n' ' ')
check_eq "completion-params-unknown-object" "name cgroup " "$got"
# set: a loaded policy's parameters, from its pinned config (policy show -j)
got=$(complete_words "$stub" policy set live "" | tr '\n' ' ')
check_eq "completion-set-params" "threshold_pct= mode= " "$got"
got=$(complete_words "$stub" policy set live mode= | tr '\n' ' ')
check_eq "completion-set-values-from-source" 'mode=lt\<x mode=a\|b mode=plain ' "$got"
# a built-in's values: the stub answers show, the real binary params
cat >"$T_TMP/memcgctl-stub2" <<STUB
#!/bin/bash
[[ "\$*" == "-j policy show web" ]] && exec "$stub" "\$@"
exec "$MEMCGCTL" "\$@"
STUB
chmod +x "$T_TMP/memcgctl-stub2"
got=$(complete_words "$T_TMP/memcgctl-stub2" policy set web target= | tr '\n' ' ')
check_eq "completion-set-values-builtin" "target=charger target=largest " "$got"
got=$(complete_words "$stub" policy set "" | tr '\n' ' ')
check_eq "completion-set-names" "live " "$got"
# policy's subcommands come from its help, which lists every one
want=$("$MEMCGCTL" policy help | sed -nE 's/^(Usage:)? +[^ ]+ policy ([a-z]+).*/\2/p' | sort | tr '\n' ' ')
check "policy-help-lists-subcommands" grep -q 'params' <<<"$want"
got=$(complete_words "$MEMCGCTL" policy "" | grep -vx help | sort | tr '\n' ' ')
check_eq "completion-policy-subcommands" "$want" "$got"
for s in $want; do
	check "policy-sub-$s-exists" "$MEMCGCTL" policy "$s" --help
done
