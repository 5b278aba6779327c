#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The JSON vocabulary (memcgctl(8) JSON OUTPUT): the schema files are valid
# JSON Schema, the validator can fail, the real output of the commands that
# run without BPF validates, and the man pages' jq examples work on it.
# (run_mc validates every -j output of every test; this file is the part
# that needs no root.)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
FX=$PWD/tests/fixtures
V2=(--cgroup-root="$FX/v2")
HY=(--cgroup-root="$FX/v1" --psi-root="$FX/psi")

# ---- the schema files ---------------------------------------------------------
for f in schema/*.schema.json; do
	check "meta-$(basename "$f" .schema.json)" python3 -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema", s.get("$schema")
assert s["$id"] == sys.argv[1].split("/")[-1], s.get("$id")
jsonschema.Draft202012Validator.check_schema(s)' "$f"
done
check "common-defs" python3 -c '
import json
d = json.load(open("schema/common.schema.json"))["$defs"]
missing = {"cgroup", "cgroup_id", "bytes", "nullable_bytes", "time", "limit_type", "event_header"} - set(d)
assert not missing, missing'

# ---- the validator fails where it must ------------------------------------------
must_fail() {	# must_fail NAME SCHEMA DOC: tests/schema.py rejects DOC
	local msg
	msg=$(python3 tests/schema.py "$2" <<<"$3" 2>&1)
	if [[ $? == 1 && -n $msg ]]; then t_ok "$1"; else t_fail "$1" "accepted: $3 ($msg)"; fi
}
run_mc -j "${V2[@]}" show app.slice/web.service
good=$OUT
check_schema "show-v2-valid" show
must_fail "rejects-empty" show ""
must_fail "rejects-not-json" show "{"
must_fail "rejects-retired-usage" show "$(jq -c '. + {usage: 1}' <<<"$good")"
must_fail "rejects-missing-field" show "$(jq -c 'del(.limit_type)' <<<"$good")"
must_fail "rejects-sentinel" show "$(jq -c '.procs = 18446744073709551615' <<<"$good")"
must_fail "rejects-minus-one" show "$(jq -c '.procs = -1' <<<"$good")"
must_fail "rejects-string-size" show "$(jq -c '.usage_bytes = "max"' <<<"$good")"
must_fail "rejects-limit-type" show "$(jq -c '.limit_type = "memory.max"' <<<"$good")"
must_fail "rejects-stray-field" show "$(jq -c '. + {limit_hits: 3}' <<<"$good")"
must_fail "rejects-float-bytes" show "$(jq -c '.peak_bytes = 1.5' <<<"$good")"
must_fail "rejects-error-as-show" show '{"error": "x"}'
must_fail "rejects-one-bad-line" policy-event "$(head -1 tests/unit/golden/watch-policy.json)
{\"event\": \"policy\"}"

# ---- one policy record, whoever reads it ------------------------------------------
# the formatter's golden output is what policy events and watch -e policy print
check_schema "golden-policy-event" policy-event tests/unit/golden/watch-policy.json
check_schema "golden-policy-in-watch" watch tests/unit/golden/watch-policy.json

# ---- real output, no BPF needed ------------------------------------------------------
run_mc -j "${V2[@]}" show -r /
check_schema "show-v2-recursive" show
run_mc -j "${HY[@]}" show -r /
check_schema "show-hybrid-recursive" show
check_json "hybrid-failcnt-not-max-events" 'all(.[]; has("failcnt") and .max_events == null)'
run_mc -j "${V2[@]}" show /
check_json "v2-root-no-usage-is-null" '.cgroup == "/" and (.usage_bytes == null or (.usage_bytes | type) == "number")'
run_mc -j feature
check_schema "feature" feature
run_mc -j --cgroup-root=/nonexistent feature
check_schema "feature-without-hierarchy" feature
check_json "feature-unknown-root-null" '.cgroup.memory_root == null and .cgroup.psi_root == null'
# errors are their own documents, with the exit code saying which kind
for args in "show /nope" "show --bogus" "notify" "watch -e bogus" "reclaim" "policy bogus" "feature extra"; do
	# shellcheck disable=SC2086
	run_mc -j "${V2[@]}" $args
	check "error-${args// /-}-rc" test "$RC" -ne 0
	check_schema "error-${args// /-}" error
done
run_mc -j policy help
check_schema "policy-help" policy
run_mc -j show --help
check_schema "show-help-json" help

# ---- man pages: their jq examples run on real output ----------------------------------
run_mc -j "${V2[@]}" show --depth 1 /
check_man_jq "man-show-example" memcgctl-show.8 "show --depth 1"
run_mc -j "${V2[@]}" show -r /app.slice
check_man_jq "man-memcgctl-example" memcgctl.8 "show -r /app.slice"
run_mc -j feature
check_man_jq "man-feature-example" memcgctl-feature.8 "feature |"
# every page that documents -j output points at the one vocabulary
for page in man/memcgctl-{watch,notify,policy,reclaim,show,feature}.8; do
	check "man-points-at-vocabulary-$(basename "$page" .8)" grep -q 'JSON OUTPUT' "$page"
done
check "man-vocabulary-section" grep -q '^\.SH JSON OUTPUT' man/memcgctl.8
