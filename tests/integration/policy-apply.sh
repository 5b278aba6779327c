#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# policy apply on the real kernel: a policy file round-trips.  From nothing
# it loads what the file names; again it changes nothing (same program
# ids); an edited parameter is set live (same ids), a removed one goes back
# to its default; a removed line is unloaded, pins and programs gone;
# --dry-run prints the difference and changes nothing; a bad line changes
# nothing and says FILE:LINE; a policy loaded by hand is left alone until
# the file names it; a cgroup that does not exist fails that line only.
. "$(dirname "$0")/../lib.sh"
need_root

P="t$$"
PIN=/sys/fs/bpf/memcgctl
DIR=$(mktemp -d -p /var/tmp memcgctl-apply.XXXXXX)
CONF=$DIR/policies.conf

apply_cleanup() {
	local n
	for n in $(ls "$PIN" 2>/dev/null | grep "^${P}_"); do "$MEMCGCTL" policy unload "$n" >/dev/null 2>&1; done
	rm -rf "$DIR"
	cg_cleanup
}
trap apply_cleanup EXIT

prog_ids() { "$MEMCGCTL" -j policy show "$1" 2>/dev/null | jq -c '[.programs[].prog_id] | sort'; }
param() { "$MEMCGCTL" -j policy show "$1" 2>/dev/null | jq -r ".parameters.$2"; }
# the pinned policies of this test, one per line
ours() { ls "$PIN" 2>/dev/null | grep "^${P}_" || true; }
prog_loaded_id() { bpftool -j prog show 2>/dev/null | jq -e --argjson i "$1" 'any(.[]; .id == $i)' >/dev/null; }
# a freed program disappears from bpftool after an RCU grace period
ids_gone() {
	local id
	for id in $(jq -r '.[]' <<<"$1"); do prog_loaded_id "$id" && return 1; done
	return 0
}
wait_ids_gone() { wait_until 50 ids_gone "$1"; }

cg_new a 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
rel_a=$CG_REL
cg_new b 64M
rel_b=$CG_REL
before=$(ours)
check_eq "setup-none-of-ours" "" "$before"

cat >"$CONF" <<EOF
# NAME      POLICY    CGROUP    PARAMETERS
${P}_oom    preoom    $rel_a    headroom_pct=15   # the charge-path headroom
${P}_prs    pressure  $rel_b    threshold_pct=70 signal=USR2
EOF

# ---- dry run from nothing -------------------------------------------------------
run_mc policy apply --dry-run "$CONF"
check_eq "dry-empty-rc" 0 "$RC"
check_eq "dry-empty-lines" "load   ${P}_oom (preoom on $rel_a)
load   ${P}_prs (pressure on $rel_b)" "$OUT"
check_eq "dry-empty-nothing-loaded" "" "$(ours)"
run_mc -j policy apply --dry-run "$CONF"
check_eq "dry-empty-json-rc" 0 "$RC"
check "dry-empty-json-two-lines" jq -se "length == 2 and .[0].action == \"load\" and .[1].action == \"load\"
	and .[1].name == \"${P}_prs\" and .[1].line == 3 and all(.[]; .dry_run == true)" <<<"$OUT"
check_eq "dry-empty-json-nothing-loaded" "" "$(ours)"

# ---- apply loads both -----------------------------------------------------------
run_mc policy apply "$CONF"
check_eq "load-rc" 0 "$RC"
check_eq "load-lines" "load   ${P}_oom (preoom on $rel_a)
load   ${P}_prs (pressure on $rel_b)" "$OUT"
run_mc -j policy show "${P}_oom"
check_json "load-oom-show" ".policy == \"preoom\" and .cgroup == \"$rel_a\" and .state == \"active\"
	and .parameters.headroom_pct == 15 and (.programs | length) > 0 and all(.programs[]; .attached)"
run_mc -j policy show "${P}_prs"
check_json "load-prs-show" ".policy == \"pressure\" and .cgroup == \"$rel_b\"
	and .parameters.threshold_pct == 70 and .parameters.signal == 12"
check "load-marked" test -e "$PIN/${P}_oom/applied"
ids_oom=$(prog_ids "${P}_oom") ids_prs=$(prog_ids "${P}_prs")
# the ids compared below are real numbers, not nulls of a renamed field
check "ids-are-numbers" jq -e 'all(type == "number")' <<<"$ids_oom"
check "load-ids" test "$ids_oom" != "[]" -a "$ids_prs" != "[]" -a -n "$ids_oom"

# ---- again: nothing changes -------------------------------------------------------
run_mc policy apply "$CONF"
check_eq "again-rc" 0 "$RC"
check_eq "again-keeps" "keep   ${P}_oom
keep   ${P}_prs" "$OUT"
check_eq "again-same-oom-ids" "$ids_oom" "$(prog_ids "${P}_oom")"
check_eq "again-same-prs-ids" "$ids_prs" "$(prog_ids "${P}_prs")"
run_mc -j policy apply "$CONF"
check "again-json" jq -se 'length == 2 and all(.[]; .action == "keep" and .ok == true and .changes == [])' <<<"$OUT"

# ---- an edited parameter: set live ----------------------------------------------
sed -i 's/threshold_pct=70/threshold_pct=60/' "$CONF"
run_mc -j policy apply --dry-run "$CONF"
check "edit-dry-json" jq -se "length == 2 and .[0].action == \"keep\" and .[1].action == \"set\"
	and .[1].changes == [{\"parameter\": \"threshold_pct\", \"from\": 70, \"to\": 60}]" <<<"$OUT"
check_eq "edit-dry-unchanged" 70 "$(param "${P}_prs" threshold_pct)"
run_mc policy apply "$CONF"
check_eq "edit-rc" 0 "$RC"
check_eq "edit-lines" "keep   ${P}_oom
set    ${P}_prs: threshold_pct 70% -> 60%" "$OUT"
check_eq "edit-value" 60 "$(param "${P}_prs" threshold_pct)"
check_eq "edit-same-ids" "$ids_prs" "$(prog_ids "${P}_prs")"
# a parameter the file no longer gives is the policy's default again (80%, SIGUSR1)
sed -i 's/ threshold_pct=60 signal=USR2//' "$CONF"
run_mc policy apply "$CONF"
check_eq "default-rc" 0 "$RC"
check_eq "default-line" "set    ${P}_prs: signal SIGUSR2 -> SIGUSR1, threshold_pct 60% -> 80%" \
	"$(grep "${P}_prs" <<<"$OUT")"
check_eq "default-value" "80 10" "$(param "${P}_prs" threshold_pct) $(param "${P}_prs" signal)"
check_eq "default-same-ids" "$ids_prs" "$(prog_ids "${P}_prs")"

# ---- a bad line: nothing changes, FILE:LINE said once ----------------------------
cp "$CONF" "$DIR/good"
sed -i 's/headroom_pct=15/headroom_pct=25/' "$CONF"
echo "${P}_new   pressure  $rel_a" >>"$CONF"
echo "${P}_bad   pressure  $rel_a  threshold_pct=170" >>"$CONF"
run_mc policy apply "$CONF"
check_eq "bad-rc" 2 "$RC"
one_line_err "bad-one-line"
check "bad-names-line" grep -q "^memcgctl: policy apply: $CONF:5: ${P}_bad: threshold_pct: '170' " <<<"$ERR"
check_eq "bad-nothing-printed" "" "$OUT"
check_eq "bad-nothing-loaded" "${P}_oom
${P}_prs" "$(ours)"
check_eq "bad-nothing-set" 15 "$(param "${P}_oom" headroom_pct)"
run_mc -j policy apply "$CONF"
check_eq "bad-json-rc" 2 "$RC"
check "bad-json-one-document" jq -se "length == 1 and (.[0].error | test(\":5: \"))" <<<"$OUT"
for bad in "${P}_x preoom" "${P}_x nosuch -" "${P}_x pressure - nosuch=1" "${P}_oom pressure -" \
	   "${P}_x pressure $rel_a/../../x" "${P}_x \"preoom -"; do
	cp "$DIR/good" "$CONF"
	echo "$bad" >>"$CONF"
	run_mc policy apply "$CONF"
	check_eq "bad-rc: $bad" 2 "$RC"
	check "bad-line: $bad" grep -q "^memcgctl: policy apply: $CONF:4: " <<<"$ERR"
done
check_eq "bad-all-nothing-loaded" "${P}_oom
${P}_prs" "$(ours)"
check_eq "bad-all-same-ids" "$ids_oom $ids_prs" "$(prog_ids "${P}_oom") $(prog_ids "${P}_prs")"
cp "$DIR/good" "$CONF"
run_mc policy apply "$DIR/missing.conf"
check_eq "missing-file-rc" 2 "$RC"
one_line_err "missing-file-one-line"
chmod 0666 "$CONF"
run_mc policy apply "$CONF"
check_eq "writable-file-rc" 4 "$RC"
check "writable-file-says" grep -q "writable by other users" <<<"$ERR"
chmod 0644 "$CONF"

# ---- loaded by hand: left alone until the file names it --------------------------
run_mc policy load pressure name "${P}_hand" cgroup "$rel_a"
check_eq "hand-load-rc" 0 "$RC"
ids_hand=$(prog_ids "${P}_hand")
run_mc policy apply "$CONF"
check_eq "hand-rc" 0 "$RC"
check_eq "hand-skipped" "skip   ${P}_hand: not loaded by apply and not in the file: left alone" \
	"$(grep "${P}_hand" <<<"$OUT")"
check_eq "hand-still-loaded" "$ids_hand" "$(prog_ids "${P}_hand")"
echo "${P}_hand pressure $rel_a" >>"$CONF"
run_mc policy apply "$CONF"
check_eq "hand-adopted" "keep   ${P}_hand: loaded by hand: adopted, apply manages it now" \
	"$(grep "${P}_hand" <<<"$OUT")"
check_eq "hand-adopted-same-ids" "$ids_hand" "$(prog_ids "${P}_hand")"
cp "$DIR/good" "$CONF"
run_mc policy apply "$CONF"
check_eq "hand-unloaded" "unload ${P}_hand" "$(grep "${P}_hand" <<<"$OUT")"
check "hand-pins-gone" test ! -e "$PIN/${P}_hand"
check "hand-progs-gone" wait_ids_gone "$ids_hand"

# ---- another cgroup: reloaded ---------------------------------------------------
sed -i "s|^${P}_prs\(.*\)pressure.*|${P}_prs pressure $rel_a|" "$CONF"
run_mc policy apply "$CONF"
check_eq "reload-rc" 0 "$RC"
check_eq "reload-line" "reload ${P}_prs (pressure on $rel_a): loaded on $rel_b" "$(grep "${P}_prs" <<<"$OUT")"
run_mc -j policy show "${P}_prs"
check_json "reload-cgroup" ".cgroup == \"$rel_a\""
ids_prs2=$(prog_ids "${P}_prs")
check "reload-new-ids" test "$ids_prs2" != "$ids_prs"
check "reload-old-ids-gone" wait_ids_gone "$ids_prs"
ids_prs=$ids_prs2

# ---- a cgroup that does not exist: that line fails, the rest converges ----------
cat >>"$CONF" <<EOF
${P}_gone   pressure  $rel_a/nonexistent
${P}_more   pressure  -
EOF
run_mc policy apply "$CONF"
check_eq "nocg-rc" 3 "$RC"
check "nocg-failed-line" grep -q "^load   ${P}_gone (pressure on $rel_a/nonexistent) \[FAILED\]$" <<<"$OUT"
check "nocg-error-names-line" grep -q "^memcgctl: policy apply: $CONF:4: ${P}_gone: " <<<"$ERR"
check "nocg-summary" grep -q "^memcgctl: policy apply: 1 of 2 changes failed" <<<"$ERR"
check_eq "nocg-others-loaded" "${P}_more
${P}_oom
${P}_prs" "$(ours)"
run_mc -j policy apply "$CONF"
check_eq "nocg-json-rc" 3 "$RC"
check "nocg-json" jq -se "(map(select(.action)) | length == 4) and
	any(.[]; .name == \"${P}_gone\" and .ok == false and .cgroup_id == null)
	and (.[-1].error | test(\"${P}_gone\"))" <<<"$OUT"
sed -i "/^${P}_gone/d; /^${P}_more/d" "$CONF"

# ---- a user's object: loaded from its path, its own parameters checked ----------
TPL=$(dirname "$MEMCGCTL")/examples/policy-template.bpf.o
if [[ -r $TPL ]]; then
	install -m 0644 -o root -g root "$TPL" "$DIR/tpl.bpf.o"
	install -m 0644 -o root -g root "$(dirname "$MEMCGCTL")/bpf/watch.bpf.o" "$DIR/notpolicy.bpf.o"
	cp "$CONF" "$DIR/good"
	echo "${P}_tpl $DIR/tpl.bpf.o $rel_b interval_ns=2s" >>"$CONF"
	run_mc policy apply "$CONF"
	check_eq "user-rc" 0 "$RC"
	check_eq "user-line" "load   ${P}_tpl ($DIR/tpl.bpf.o on $rel_b)" "$(grep "${P}_tpl" <<<"$OUT")"
	check_eq "user-more-unloaded" "unload ${P}_more" "$(grep "${P}_more" <<<"$OUT")"
	run_mc -j policy show "${P}_tpl"
	check_json "user-show" ".builtin == false and .source == \"$DIR/tpl.bpf.o\" and .parameters.interval_ns == 2000000000"
	ids_tpl=$(prog_ids "${P}_tpl")
	run_mc policy apply "$CONF"
	check_eq "user-again" "keep   ${P}_tpl" "$(grep "${P}_tpl" <<<"$OUT")"
	check_eq "user-same-ids" "$ids_tpl" "$(prog_ids "${P}_tpl")"
	echo "${P}_tp2 $DIR/tpl.bpf.o - threshold_pct=5" >>"$CONF"
	run_mc policy apply "$CONF"
	check_eq "user-foreign-param-rc" 2 "$RC"
	check "user-foreign-param-line" grep -q "$CONF:5: ${P}_tp2: 'threshold_pct': no such parameter" <<<"$ERR"
	sed -i '$d' "$CONF"
	echo "${P}_np $DIR/notpolicy.bpf.o -" >>"$CONF"
	run_mc policy apply "$CONF"
	check_eq "user-not-policy-rc" 2 "$RC"
	check "user-not-policy-line" grep -q "$CONF:5: $DIR/notpolicy.bpf.o is not a memcgctl policy" <<<"$ERR"
	check_eq "user-not-policy-nothing-loaded" "" "$(ours | grep "${P}_np")"
	cp "$DIR/good" "$CONF"
	run_mc policy apply "$CONF"
	check_eq "user-unloaded" "unload ${P}_tpl" "$(grep "${P}_tpl" <<<"$OUT")"
	check "user-progs-gone" wait_ids_gone "$ids_tpl"
else
	t_skip "user-object" "no $TPL"
	run_mc policy apply "$CONF"	# what the block above does to ${P}_more
fi

# ---- policies.d beside policies.conf --------------------------------------------
mkdir "$DIR/policies.d"
echo "${P}_d2 pressure $rel_b" >"$DIR/policies.d/20-b.conf"
echo "${P}_d1 pressure $rel_a threshold_pct=50" >"$DIR/policies.d/10-a.conf"
echo "${P}_no pressure $rel_a" >"$DIR/policies.d/30-c.conf.off"
run_mc policy apply "$CONF"
check_eq "dotd-rc" 0 "$RC"
check_eq "dotd-lines" "keep   ${P}_oom
keep   ${P}_prs
load   ${P}_d1 (pressure on $rel_a)
load   ${P}_d2 (pressure on $rel_b)" "$OUT"
check_eq "dotd-value" 50 "$(param "${P}_d1" threshold_pct)"
rm -rf "$DIR/policies.d"

# ---- a removed line: unloaded, dry run first --------------------------------------
sed -i "/^${P}_oom/d" "$CONF"
run_mc policy apply --dry-run "$CONF"
check_eq "remove-dry-rc" 0 "$RC"
check_eq "remove-dry-lines" "unload ${P}_d1
unload ${P}_d2
unload ${P}_oom
keep   ${P}_prs" "$OUT"
check "remove-dry-pins-kept" test -e "$PIN/${P}_oom/meta" -a -e "$PIN/${P}_d1/meta"
check_eq "remove-dry-same-ids" "$ids_oom" "$(prog_ids "${P}_oom")"
run_mc policy apply "$CONF"
check_eq "remove-rc" 0 "$RC"
check_eq "remove-unloaded" "unload ${P}_d1
unload ${P}_d2
unload ${P}_oom" "$(grep '^unload' <<<"$OUT")"
check "remove-pins-gone" test ! -e "$PIN/${P}_oom" -a ! -e "$PIN/${P}_d1" -a ! -e "$PIN/${P}_d2"
check "remove-progs-gone" wait_ids_gone "$ids_oom"
check_eq "remove-kept" "$ids_prs" "$(prog_ids "${P}_prs")"

# ---- an empty file: everything apply loaded goes --------------------------------
: >"$CONF"
run_mc policy apply "$CONF"
check_eq "empty-rc" 0 "$RC"
check_eq "empty-unloads" "unload ${P}_prs" "$OUT"
check_eq "empty-none-left" "" "$(ours)"
if [[ ! -d $PIN || -n $(ls -A "$PIN") ]]; then t_ok "empty-pin-root-not-left-empty"
else t_fail "empty-pin-root-not-left-empty" "$PIN is left behind, empty"; fi
run_mc policy apply "$CONF"
check_eq "empty-again" "0 " "$RC $OUT"
check_no_leaks "no-bpf-leaks" '^policy_'
