#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# preoom's charge-path trigger: an anonymous fast allocator without swap
# (1 MiB steps, no pause) in a 64M cgroup gets SIGTERM before the OOM
# killer comes and exits cleanly, in at least 9 of 10 trials; the event
# says what the policy saw.  A cache-heavy workload that keeps its cgroup
# at its limit with page cache, and adds some anonymous memory, is never
# signalled, and the checks it caused are counted as near misses.  The
# rate term signals a fast allocator at a lower usage than a slow one.  On
# cgroup v2, --brake lowers memory.high while the policy is loaded and
# restores it exactly (or leaves someone else's value), also after a
# failed load and for an orphaned policy; v1 refuses it.
. "$(dirname "$0")/../lib.sh"
need_root

P="p$$"
PIN=/sys/fs/bpf/memcgctl
FDIR=$(mktemp -d -p /var/tmp memcgctl-ppreoom.XXXXXX)
TRIALS=10

preoom_cleanup() {
	local n
	# unload also undoes a brake whose policy's pins are gone
	for n in $( (ls "$PIN"; ls /run/memcgctl/brake) 2>/dev/null | grep "^${P}_" | sort -u); do
		"$MEMCGCTL" policy unload "$n" >/dev/null 2>&1
	done
	rm -rf "$FDIR"
	cg_cleanup
}
trap preoom_cleanup EXIT

counter() {	# POLICY COUNTER
	"$MEMCGCTL" -j policy show "$1" | jq -r ".counters.$2"
}

# trials WHAT CG SIGCATCH-ARGS...: TRIALS runs of sigcatch in CG; sets
# clean (handled SIGTERM and exited 0) and killed (the cgroup's OOM kills)
trials() {
	local what=$1 cg=$2 i rc kills0
	shift 2
	clean=0 kills0=$(oom_kills "$cg")
	for ((i = 0; i < TRIALS; i++)); do
		cg_run "$cg" "$MEMCGCTL_TEST_BIN/sigcatch" "$@"
		wait "$PID" 2>/dev/null
		rc=$?
		if [[ $rc == 0 ]] && grep -q "got SIGTERM" "$PID_OUT"; then
			clean=$((clean + 1))
		else
			echo "# $what trial $i: rc $rc: $(tr '\n' ' ' <"$PID_OUT")"
		fi
	done
	killed=$(( $(oom_kills "$cg") - kills0 ))
	echo "# $what: $clean/$TRIALS clean exits, $killed OOM kills"
}

# ---- the fast allocator: anonymous, no swap, 1 MiB steps -------------------
cg_new fast 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_f=$CG rel_f=$CG_REL
no_swap "$cg_f"
# interval_ns=0: every trial's process may be signalled, however soon
# after the previous one; rate_grace_ns=0: the static headroom alone (the
# rate term is tested below)
run_mc -j policy load preoom name "${P}_f" cgroup "$rel_f" interval_ns=0 rate_grace_ns=0
check_eq "load-rc" 0 "$RC"
check_json "headroom-default" '.parameters.headroom_pct == 10 and .parameters.headroom_bytes == 0'
check_json "charge-path-attached" '[.programs[] | select(.attached) | .name] | (index("policy_oom_near") != null) or (index("policy_oom_rss") != null)'

trials "fast allocator" "$cg_f" -s 256M -c 1M -i 0
check "fast-clean-9-of-10" test "$clean" -ge 9
run_mc -j policy events "${P}_f"
echo "# first event: $(head -n 1 <<<"$OUT")"
check "events-near-limit" jq -se "length >= $clean and all(.[]; .reason == \"near_limit\" and .action == \"signal\" and .signal == 15 and .comm == \"sigcatch\")" <<<"$OUT"
# what it saw: unreclaimable within the headroom (10% of 64M) of the limit,
# usage at most the limit, and a growth rate
lt='"max"'; [[ $MEM_V2 == 1 ]] || lt='"v1"'
check "event-explains" jq -se --argjson lt "$lt" 'all(.[]; .limit_bytes == 67108864 and .limit_type == $lt and .headroom_bytes == 6710886 and .unreclaimable_bytes + .headroom_bytes >= .limit_bytes and .usage_bytes <= .limit_bytes and .unreclaimable_bytes <= .usage_bytes and .value == .unreclaimable_bytes and .value2 == .headroom_bytes and .threshold_bytes == null)' <<<"$OUT"
check "event-rate" jq -se 'any(.[]; .rate_bytes_per_s > 0)' <<<"$OUT"
# one more, for the human form of its event (the -j read consumed the rest)
cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 1M -i 0
wait "$PID" 2>/dev/null
run_mc policy events "${P}_f"
echo "# human event: $(head -n 1 <<<"$OUT")"
# the rate is "-" when no recent sample measured it; the rate term's
# headroom is shown when it counted (a slow guest's rate may make it)
sz='[0-9.]+[BKMG]'
check "events-human-explains" grep -Eq " unreclaimable=$sz headroom=$sz rate=(-|$sz/s)( rate_headroom=$sz)?\$" <<<"$OUT"
run_mc policy unload "${P}_f"
check_eq "unload-f" 0 "$RC"

# ---- the rate term: same static headroom, the fast allocator signalled earlier ----
run_mc -j policy load preoom name "${P}_r" cgroup "$rel_f" interval_ns=0 headroom_bytes=4M
check_eq "load-rate-rc" 0 "$RC"
check_json "rate-grace-default" '.parameters.rate_grace_ns == 100000000'
# slow: 128K every 10 ms (at most 12.8 MB/s: 1.3M in 100 ms, under the 4M)
cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 128K -i 10
wait "$PID" 2>/dev/null
rc_slow=$? out_slow=$(tr '\n' ' ' <"$PID_OUT")
run_mc -j policy events "${P}_r"
ev_slow=$OUT
# fast: 1M steps without a pause
cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/sigcatch" -s 256M -c 1M -i 0
wait "$PID" 2>/dev/null
rc_fast=$? out_fast=$(tr '\n' ' ' <"$PID_OUT")
run_mc -j policy events "${P}_r"
ev_fast=$OUT
ev_show='{usage_bytes, headroom_bytes, rate_bytes_per_s, rate_headroom_bytes}'
echo "# slow: rc $rc_slow ($out_slow) $(jq -c "$ev_show" <<<"$ev_slow" 2>/dev/null)"
echo "# fast: rc $rc_fast ($out_fast) $(jq -c "$ev_show" <<<"$ev_fast" 2>/dev/null)"
check "rate-slow-clean" bash -c "[[ $rc_slow == 0 && '$out_slow' == *'got SIGTERM'* ]]"
check "rate-fast-clean" bash -c "[[ $rc_fast == 0 && '$out_fast' == *'got SIGTERM'* ]]"
# Under TCG (the guests) one 128K chunk can fill a whole 1 ms rate window,
# so the slow allocator's rate is read as a burst's: its static headroom is
# judged on the host only.  The comparison below holds everywhere.
if [[ -n ${MEMCGCTL_VM_SWAP+guest} ]]; then
	t_skip "rate-slow-static-headroom" "TCG guest: the slow allocator's 1 ms rate samples read its bursts"
else
	check "rate-slow-static-headroom" jq -se 'length == 1 and .[0].headroom_bytes == 4194304 and
		.[0].rate_headroom_bytes < 4194304' <<<"$ev_slow"
fi
check "rate-fast-wider-headroom" jq -se 'length == 1 and .[0].headroom_bytes > 4194304 and
	.[0].headroom_bytes == .[0].rate_headroom_bytes and .[0].headroom_bytes <= 2 * 4194304 and
	.[0].unreclaimable_bytes + .[0].headroom_bytes >= .[0].limit_bytes' <<<"$ev_fast"
check "rate-fast-signalled-lower" test "$(jq -r .usage_bytes <<<"$ev_fast")" -lt "$(jq -r .usage_bytes <<<"$ev_slow")"
run_mc policy unload "${P}_r"
check_eq "unload-r" 0 "$RC"

# ---- cache-heavy: page cache at the limit, plus some anon: never signalled ----
if page_cache "$FDIR"; then
	cg_new cache 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
	cg_c=$CG rel_c=$CG_REL
	run_mc -j policy load preoom name "${P}_c" cgroup "$rel_c" interval_ns=0
	check_eq "load-cache-rc" 0 "$RC"
	kills0=$(oom_kills "$cg_c")
	# 160M of page cache through a 64M cgroup (written and read back), then 8M
	# of anon in 1 MiB steps while the cache keeps usage at the limit
	cg_run "$cg_c" "$MEMCGCTL_TEST_BIN/sigcatch" -f "$FDIR/cache" -F 160M -s 8M -c 1M -i 10
	wait "$PID" 2>/dev/null
	check_eq "cache-completes" 0 "$?"
	check "cache-not-signalled" bash -c "! grep -q 'got SIGTERM' '$PID_OUT' && grep -q '^done' '$PID_OUT'"
	check_eq "cache-no-oom-kill" "$kills0" "$(oom_kills "$cg_c")"
	check_eq "cache-no-actions" 0 "$(counter "${P}_c" actions)"
	check "cache-near-misses" test "$(counter "${P}_c" near_misses)" -gt 0
	run_mc -j policy events "${P}_c"
	check_eq "cache-no-events" "" "$OUT"
	run_mc policy unload "${P}_c"
	check_eq "unload-c" 0 "$RC"
else
	t_skip cache "$FDIR is $(stat -f -c %T "$FDIR"): no page cache to fill here"
fi

# ---- the cgroup v2 brake: memory.high just under memory.max while loaded ----
BRAKES=/run/memcgctl/brake
cg_new brake 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_b=$CG rel_b=$CG_REL
if [[ $MEM_V2 != 1 ]]; then
	# v1 has no memory.high: refused before anything is loaded
	run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check_eq "brake-v1-refused" 5 "$RC"
	one_line_err "brake-v1-one-line"
	check "brake-v1-says-why" grep -q "^memcgctl: policy load: --brake: memory.high needs the memory controller on cgroup v2" <<<"$ERR"
	run_mc -j policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check "brake-v1-json-error" jq -e '.error | test("cgroup v2")' <<<"$OUT"
	check_eq "brake-v1-nothing-pinned" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_b")"
	check "brake-v1-no-record" test ! -e "$BRAKES/${P}_b"
else
	no_swap "$cg_b"
	# memory.max minus 10% of it, rounded down to a page
	page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
	want=$(( (67108864 - 6710886) / page * page ))
	check "brake-page-size" test "$want" -gt 0
	check_eq "brake-high-before" max "$(cat "$cg_b/memory.high")"
	run_mc -j policy load --brake preoom name "${P}_b" cgroup "$rel_b" interval_ns=0
	check_eq "brake-load-rc" 0 "$RC"
	echo "# load: brake $(jq -c .brake <<<"$OUT" 2>&1 | head -c 200) (stderr: $(head -c 200 <<<"$ERR"))"
	check_json "brake-shown" ".brake.high_bytes == $want and .brake.saved_high_bytes == null"
	# the loader has exited: the brake and its record stay with the pinned policy
	check_eq "brake-lowered" "$want" "$(cat "$cg_b/memory.high")"
	check "brake-recorded" grep -qx "saved max" "$BRAKES/${P}_b"
	check_eq "brake-record-private" "600 0" "$(stat -c '%a %u' "$BRAKES/${P}_b")"
	trials "fast allocator with the brake" "$cg_b" -s 256M -c 1M -i 0
	check "brake-fast-clean-9-of-10" test "$clean" -ge 9
	run_mc policy unload "${P}_b"
	check_eq "brake-unload-rc" 0 "$RC"
	check "brake-unload-says" grep -q "^restored memory.high of .* to max$" <<<"$OUT"
	check_eq "brake-restored-max" max "$(cat "$cg_b/memory.high")"
	check "brake-record-gone" test ! -e "$BRAKES/${P}_b"

	# a number before: restored to that number exactly
	echo 65011712 >"$cg_b/memory.high"
	run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check_eq "brake-number-load-rc" 0 "$RC"
	check_eq "brake-number-lowered" "$want" "$(cat "$cg_b/memory.high")"
	run_mc -j policy unload "${P}_b"
	check_json "brake-number-unload-json" ".unloaded == [\"${P}_b\"] and .brakes[\"${P}_b\"] == \"restored\""
	check_eq "brake-number-restored" 65011712 "$(cat "$cg_b/memory.high")"

	# changed by someone else meanwhile: theirs is kept, and unload says so
	echo max >"$cg_b/memory.high"
	run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check_eq "brake-changed-load-rc" 0 "$RC"
	echo 52428800 >"$cg_b/memory.high"
	run_mc policy unload "${P}_b"
	check_eq "brake-changed-unload-rc" 0 "$RC"
	check "brake-changed-says" grep -q "memory.high of .* was changed since the brake set it to $want: left as it is" <<<"$ERR"
	check_eq "brake-changed-not-clobbered" 52428800 "$(cat "$cg_b/memory.high")"
	check "brake-changed-record-gone" test ! -e "$BRAKES/${P}_b"

	# already under the target: never raised, nothing recorded
	echo 41943040 >"$cg_b/memory.high"
	run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check_eq "brake-lower-load-rc" 0 "$RC"
	check "brake-lower-says" grep -q "^brake: memory.high of .* is already at or under $want: left as it is$" <<<"$OUT"
	check_eq "brake-lower-kept" 41943040 "$(cat "$cg_b/memory.high")"
	check "brake-lower-no-record" test ! -e "$BRAKES/${P}_b"
	run_mc policy unload "${P}_b"
	check_eq "brake-lower-unchanged" 41943040 "$(cat "$cg_b/memory.high")"
	echo max >"$cg_b/memory.high"

	# a load that fails or is interrupted after the brake: nothing left behind
	for f in brake brake-TERM brake-INT; do
		MEMCGCTL_POLICY_FAULT=$f run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
		check_eq "brake-fault-$f-rc" 1 "$RC"
		check_eq "brake-fault-$f-restored" max "$(cat "$cg_b/memory.high")"
		check_eq "brake-fault-$f-no-pins" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_b")"
		check "brake-fault-$f-no-record" test ! -e "$BRAKES/${P}_b"
	done

	# orphaned: the pins removed by other means than unload; list finds the
	# record and restores memory.high
	run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check_eq "brake-orphan-lowered" "$want" "$(cat "$cg_b/memory.high")"
	rm -r "${PIN:?}/${P}_b"
	rmdir "$PIN" 2>/dev/null	# only when empty, as unload would
	run_mc policy list
	check_eq "brake-orphan-list-rc" 0 "$RC"
	check "brake-orphan-list-says" grep -q "restored memory.high of .* to max (the brake of '${P}_b', whose pins are gone)" <<<"$ERR"
	check_eq "brake-orphan-restored" max "$(cat "$cg_b/memory.high")"
	check "brake-orphan-no-record" test ! -e "$BRAKES/${P}_b"

	# orphaned: the cgroup removed; unload drops the record
	cg_new brake2 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
	run_mc policy load --brake preoom name "${P}_b2" cgroup "$CG_REL"
	check_eq "brake-rmdir-load-rc" 0 "$RC"
	rmdir "$CG"
	run_mc -j policy unload "${P}_b2"
	check_eq "brake-rmdir-unload-rc" 0 "$RC"
	check_json "brake-rmdir-gone" ".brakes[\"${P}_b2\"] == \"gone\""
	check "brake-rmdir-no-record" test ! -e "$BRAKES/${P}_b2"

	# no memory.max to brake under: refused, nothing loaded
	echo max >"$cg_b/memory.max"
	run_mc policy load --brake preoom name "${P}_b" cgroup "$rel_b"
	check_eq "brake-nomax-refused" 2 "$RC"
	one_line_err "brake-nomax-one-line"
	check_eq "brake-nomax-nothing-pinned" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_b")"
fi
run_mc policy load --brake preoom name "${P}_b"
check_eq "brake-needs-cgroup" 2 "$RC"
one_line_err "brake-needs-cgroup-one-line"
run_mc policy load --brake pressure name "${P}_b" cgroup "$rel_b"
check_eq "brake-preoom-only" 2 "$RC"

check_eq "no-pins-left" "" "$(ls "$PIN" 2>/dev/null | grep "^${P}_")"
check_no_leaks "no-bpf-leaks" '^policy_'
