#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# notify against real cgroups and real workloads: usage crossings fire
# exactly once each with the right values, OOM kills and max events fire,
# PSI fires under real thrash (swap or page cache), --exec gets the documented
# environment, --timeout and removal give their exit codes, the man page's
# script example works, an idle notify uses no CPU, and nothing is leaked.
. "$(dirname "$0")/../lib.sh"
need_root

HOG=$MEMCGCTL_TEST_BIN/hog
M=$((1 << 20))

# notify_bg OUTFILE ARGS...: start notify in the background (-d so it says
# when it is armed); sets $NPID.  wait_armed waits for that line.
notify_bg() {
	local out=$1; shift
	"$MEMCGCTL" -d "$@" >"$out" 2>"$out.err" &
	NPID=$!
	T_PIDS+=("$NPID")
}
wait_armed() { wait_grep_alive "$1.err" 'notify: armed' "$NPID" 100; }
usage_of() { cat "$1/memory.current" 2>/dev/null || cat "$1/memory.usage_in_bytes"; }
# the limit_type of memory.max, or of v1's memory.limit_in_bytes
if [[ $MEM_V2 == 1 ]]; then LIMIT_TYPE=max; else LIMIT_TYPE=v1; fi

# ---- usage>=N: once per crossing, the right values ------------------------
cg_new usage 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg=$CG rel=$CG_REL
out=$T_TMP/usage.json
notify_bg "$out" -j notify "$rel" 'usage>=20M' --forever --timeout 8
wait_armed "$out" || t_fail "usage-armed" "notify did not arm: $(tail -3 "$out.err")"
for round in 1 2; do
	# grow to 24M, hold a second (no refiring while above), exit (falls, re-arms)
	cg_run "$cg" "$HOG" -s 24M -H 1
	wait "$PID"
	wait_lines "$out.err" 'usage>=20M re-armed' "$round" ||
		t_fail "usage-rearmed-$round" "notify did not re-arm: $(tail -3 "$out.err")"
done
wait_rc "$NPID" 12
check_eq "usage-forever-ends-by-timeout" 6 "$?"
OUT=$(cat "$out")
[[ -n $OUT ]] && check_schema "json-schema-1" notify
check_eq "usage-fires-once-per-crossing" 2 "$(jq -s length <<<"$OUT")"
check "usage-values-in-range" jq -se "all(.usage_bytes >= $((20 * M)) and .usage_bytes <= $((26 * M)))" <<<"$OUT"
check "usage-threshold" jq -se "all(.threshold_bytes == $((20 * M)))" <<<"$OUT"
check "usage-limit" jq -se "all(.limit_bytes == $((64 * M)) and .limit_type == \"$LIMIT_TYPE\")" <<<"$OUT"
check "usage-not-initial" jq -se 'all(.initial == false)' <<<"$OUT"
check "usage-cgroup" jq -se "all(.cgroup == \"$rel\" and .cgroup_id == $(stat -c %i "$cg"))" <<<"$OUT"
check "usage-firing-numbers" jq -se '[.[].firing] == [1, 2]' <<<"$OUT"
check "usage-timestamps" jq -se 'all(.timestamp_ns >= .event_ns and .event_ns > 0)' <<<"$OUT"
check "usage-by-the-hog" jq -se 'all(.comm == "hog")' <<<"$OUT"
# wall clock, seconds since the epoch with microseconds, taken when it fired
check "usage-time-epoch" jq -se --argjson t0 "$(date +%s)" 'all((.time | type) == "number" and .time >= $t0 - 120 and .time <= $t0 + 120 and .event == "usage")' <<<"$OUT"
# which hook saw the crossing follows the kernel: from 6.14 the memcg stat
# updates every charge makes (mod_memcg_lruvec_state, mod_memcg_state, and
# count_memcg_events' PGPGIN where the v1 code counts it), else the pre-6.14
# hooks (faults, page-cache inserts, reclaim), and feature says notify is
# degraded for want of those tracepoints
usage_out=$OUT
run_mc -j feature
if [[ -e /sys/kernel/tracing/events/memcg/mod_memcg_lruvec_state ]]; then
	check "usage-hook-memcg" jq -se 'length > 0 and all(.hook | IN("memcg:count_memcg_events",
		"memcg:mod_memcg_lruvec_state", "memcg:mod_memcg_state"))' <<<"$usage_out"
	check "usage-hook-armed" grep -q 'notify: hook tp_btf/mod_memcg_lruvec_state' "$out.err"
	check_json "feature-notify-full" '.commands.notify.status == "full"'
	check_json "feature-notify-programs-loaded" '.commands.notify.programs.loaded == true and .commands.notify.programs.lost == ""'
else
	check "usage-hook-pre-6.14" jq -se 'length > 0 and all(.hook | IN("kmem:rss_stat",
		"filemap:mm_filemap_add_to_page_cache", "vmscan:mm_vmscan_memcg_reclaim_begin",
		"vmscan:mm_vmscan_memcg_reclaim_end"))' <<<"$usage_out"
	check_json "feature-notify-degraded" '.commands.notify.status == "degraded" and
		(.commands.notify.note | test("mod_memcg_lruvec_state")) and
		(.commands.notify.note | test("before 6.14"))'
fi

# ---- the pre-6.14 hooks, forced: faults, page cache, process exit --------
out=$T_TMP/old.json
MEMCGCTL_NOTIFY_OLD_HOOKS=1 notify_bg "$out" -j notify "$rel" 'usage>=20M' 'usage<4M' \
	--wait-next --count 2 --timeout 10
wait_armed "$out"
cg_run "$cg" "$HOG" -s 24M -H 1
wait "$PID"
wait_rc "$NPID" 10
check_eq "old-hooks-exit-0" 0 "$?"
OUT=$(cat "$out")
[[ -n $OUT ]] && check_schema "json-schema-2" notify
check "old-hooks-rise-then-fall" jq -se '[.[].condition] == ["usage>=20M", "usage<4M"]' <<<"$OUT"
check "old-hooks-rise-by-fault" jq -se '.[0].hook == "kmem:rss_stat" and .[0].usage_bytes >= 20971520' <<<"$OUT"
check "old-hooks-fall-by-exit" jq -se '.[1].usage_bytes < 4194304' <<<"$OUT"

# ---- already holds at start: reported at once, or --wait-next -------------
cg_run "$cg" "$HOG" -s 24M
hog=$PID
wait_ready "$PID_OUT"
run_mc -j notify "$rel" 'usage>=20M' --timeout 5
check_eq "initial-exit-0" 0 "$RC"
check_json "initial-flag" '.initial == true and .usage_bytes >= 20971520'
run_mc notify "$rel" 'usage>=20M' --timeout 1
check "initial-plain-says-so" grep -q 'already holds at start' <<<"$OUT"
run_mc notify "$rel" 'usage>=20M' --wait-next --timeout 1
check_eq "wait-next-waits" 6 "$RC"
check "timeout-message" grep -q 'timed out' <<<"$ERR"

# ---- percentage of the limit, and the falling edge ------------------------
run_mc -j notify "$rel" 'usage>=25%' --timeout 5
check_json "pct-threshold" ".threshold_bytes == $((16 * M)) and .limit_bytes == $((64 * M))"
out=$T_TMP/fall.json
notify_bg "$out" -j notify "$rel" 'usage<10%' --timeout 8
wait_armed "$out"
kill "$hog"
wait_rc "$NPID" 10
check_eq "falling-exit-0" 0 "$?"
OUT=$(cat "$out")
[[ -n $OUT ]] && check_schema "json-schema-3" notify
check_json "falling-value" ".usage_bytes < $((64 * M / 10)) and .threshold_bytes == $((64 * M / 10))"

# ---- --any (default) and --all ---------------------------------------------
run_mc -j notify "$rel" 'usage>=1G' 'usage<50%' --timeout 3
check_json "any-fires-on-one" '.condition == "usage<50%"'
run_mc -j notify "$rel" 'usage>=1G' 'usage<50%' --all --timeout 1
check_eq "all-needs-all" 6 "$RC"

# ---- oom_kill and max on a real OOM ----------------------------------------
cg_new oom 32M
cg2=$CG rel2=$CG_REL
if [[ $MEM_V2 == 0 ]]; then echo 0 >"$cg2/memory.swappiness"; else echo 0 >"$cg2/memory.swap.max"; fi
out=$T_TMP/oom.json
notify_bg "$out" -j notify "$rel2" oom_kill --timeout 20
wait_armed "$out"
out_max=$T_TMP/max.json
notify_bg "$out_max" -j notify "$rel2" max --timeout 20
npid_oom=$NPID
wait_armed "$out_max"
cg_run "$cg2" "$HOG" -s 128M -q
hog=$PID
wait "$hog" 2>/dev/null
check_eq "oom-hog-killed" 137 "$?"
wait_rc "$npid_oom" 10
check_eq "max-exit-0" 0 "$?"
OUT=$(cat "$out_max")
[[ -n $OUT ]] && check_schema "json-schema-4" notify
check_json "max-counts" '.event == "max" and .counter == "max_events" and .delta >= 1 and .value >= 1'
wait_rc "$NPID" 10 2>/dev/null
OUT=$(cat "$out")
[[ -n $OUT ]] && check_schema "json-schema-5" notify
check_json "oom-victim" ".event == \"oom_kill\" and .counter == \"oom_kills\" and .victim.pid == $hog and .victim.comm == \"hog\""
check_json "oom-count" '.value == 1 and .delta == 1'

# ---- --exec: the documented environment, a command per firing --------------
cg_new exec 64M
cg3=$CG rel3=$CG_REL
envf=$T_TMP/env
notify_bg "$T_TMP/exec.out" notify "$rel3" 'usage>=8M' --timeout 10 --count 1 \
	--exec sh -c 'env | grep ^MEMCGCTL_ | sort > "$0"; echo "$1" >> "$0"' "$envf" arg1
wait_armed "$T_TMP/exec.out"
cg_run "$cg3" "$HOG" -s 12M -H 1
wait_rc "$NPID" 10
check_eq "exec-exit-0" 0 "$?"
wait "$PID"
getenv() { sed -n "s/^$1=//p" "$envf"; }
check_eq "exec-condition" 'usage>=8M' "$(getenv MEMCGCTL_CONDITION)"
check_eq "exec-type" usage "$(getenv MEMCGCTL_TYPE)"
check_eq "exec-cgroup" "$rel3" "$(getenv MEMCGCTL_CGROUP)"
check_eq "exec-cgroup-path" "$cg3" "$(getenv MEMCGCTL_CGROUP_PATH)"
check_eq "exec-cgroup-id" "$(stat -c %i "$cg3")" "$(getenv MEMCGCTL_CGROUP_ID)"
check_eq "exec-threshold" $((8 * M)) "$(getenv MEMCGCTL_THRESHOLD)"
check_eq "exec-limit" $((64 * M)) "$(getenv MEMCGCTL_LIMIT)"
check_eq "exec-firing" 1 "$(getenv MEMCGCTL_FIRING)"
check_eq "exec-initial" 0 "$(getenv MEMCGCTL_INITIAL)"
check "exec-usage" test "$(getenv MEMCGCTL_USAGE)" -ge $((8 * M))
check "exec-timestamp" test "$(getenv MEMCGCTL_TIMESTAMP_NS)" -gt 0
check "exec-args-passed" grep -qx arg1 "$envf"
check "exec-no-shell-needed" grep -q 'usage>=8M' "$T_TMP/exec.out"
# every firing runs the command once; hysteresis stops storms
cnt=$T_TMP/count
# (no fixed timeout to race: under TCG in the VM tier three hogs and three
# commands can take longer than a short one; wait for the third command,
# then notify must still be running: it runs until told otherwise)
notify_bg "$T_TMP/exec2.out" notify "$rel3" 'usage>=8M' --timeout 60 --wait-next \
	--exec sh -c 'echo x >> "$0"' "$cnt"
wait_armed "$T_TMP/exec2.out"
for i in 1 2 3; do
	cg_run "$cg3" "$HOG" -s 12M -H 0 -q
	wait "$PID"
	wait_lines "$T_TMP/exec2.out.err" 'usage>=8M re-armed' "$i" ||
		t_fail "exec-rearmed-$i" "notify did not re-arm: $(tail -3 "$T_TMP/exec2.out.err")"
done
wait_lines "$cnt" x 3 200
# negative check: let half a second pass to show notify neither ends nor
# runs the command a fourth time
sleep 0.5
kill -0 "$NPID" 2>/dev/null
check_eq "exec-forever-still-running" 0 "$?"
kill "$NPID"
wait_rc "$NPID" 10
check_eq "exec-forever-until-signal" 143 "$?"
check_eq "exec-per-firing" 3 "$(wc -l <"$cnt" 2>/dev/null)"

# ---- --exec and signals: its own process group, bounded, never orphaned ----
# 'usage<1G' holds at start, so the command runs at once.  Each sleep has a
# duration of its own (1000.<pid><n>) for pgrep to find exactly it (anchored:
# notify's own command line holds the same words).
# running PATTERN: is a process whose command line starts so alive?
running() { pgrep -f "^$1" >/dev/null; }
not_running() { ! running "$1"; }
# wait_gone PATTERN [TENTHS]: until no such process is left
wait_gone() { wait_until "${2:-50}" not_running "$1"; }
wait_running() { wait_until 600 running "$1"; }
u=1000.$$1
notify_bg "$T_TMP/hang.out" notify "$rel3" 'usage<1G' --exec sleep "$u"
wait_running "sleep $u" || t_fail "exec-hang-started" "the command never ran: $(cat "$T_TMP/hang.out.err")"
check "exec-own-process-group" test "$(ps -o pgid= -p "$(pgrep -f "^sleep $u")" | tr -d ' ')" != \
	"$(ps -o pgid= -p "$NPID" | tr -d ' ')"
kill -TERM "$NPID"
wait_rc "$NPID" 5
check_eq "exec-sigterm-ends-notify" 143 "$?"
check "exec-sigterm-ends-command" wait_gone "sleep $u"
u=1000.$$2
notify_bg "$T_TMP/hup.out" notify "$rel3" 'usage<1G' --exec sleep "$u"
wait_running "sleep $u"
kill -HUP "$NPID"
wait_rc "$NPID" 5
check_eq "exec-sighup-ends-notify" 129 "$?"
check "exec-sighup-ends-command" wait_gone "sleep $u"

# --exec-timeout: SIGTERM once it is over; notify goes on (here: --count 1, exit 0)
u=1000.$$3
notify_bg "$T_TMP/etime.out" notify "$rel3" 'usage<1G' --count 1 --exec-timeout 1s --exec sleep "$u"
wait_rc "$NPID" 20
check_eq "exec-timeout-exit-0" 0 "$?"
check "exec-timeout-ends-command" wait_gone "sleep $u"
check "exec-timeout-says-so" grep -q "'sleep' still running after 1s (--exec-timeout): SIGTERM" \
	"$T_TMP/etime.out.err"
check "exec-timeout-status" grep -q "'sleep' killed by signal 15" "$T_TMP/etime.out.err"
# a command that ignores SIGTERM gets SIGKILL after the grace
tag=memcgctl-test-$$-stubborn
notify_bg "$T_TMP/estub.out" notify "$rel3" 'usage<1G' --count 1 --exec-timeout 200ms \
	--exec sh -c 'trap "" TERM; while :; do sleep 0.1; done' "$tag"
wait_rc "$NPID" 20
check_eq "exec-timeout-kill-exit-0" 0 "$?"
check "exec-timeout-kill-says-so" grep -q "SIGKILL to its process group" "$T_TMP/estub.out.err"
check "exec-timeout-kill-ends-command" wait_gone "sh .*$tag"
run_mc notify "$rel3" 'usage<1G' --exec-timeout 0 --exec true
check_eq "exec-timeout-zero-usage" 2 "$RC"

# SIGKILL of notify: the command dies with it (PR_SET_PDEATHSIG)
u=1000.$$4
notify_bg "$T_TMP/kill.out" notify "$rel3" 'usage<1G' --exec sleep "$u"
wait_running "sleep $u"
kill -KILL "$NPID"
wait "$NPID" 2>/dev/null
check "exec-sigkill-no-orphan" wait_gone "sleep $u"
pkill -f "^sleep $u"

# MEMCGCTL_* of notify's own environment never reach the command: this
# firing (at start, no limit, no pid) sets neither LIMIT nor PID
cg_new envleak
envf=$T_TMP/env2
MEMCGCTL_LIMIT=1 MEMCGCTL_PID=4242 MEMCGCTL_FORGED=x "$MEMCGCTL" notify "$CG_REL" 'usage<1G' \
	--count 1 --exec sh -c 'env | grep ^MEMCGCTL_ | sort > "$0"' "$envf" >/dev/null 2>&1
check_eq "exec-env-cleared-rc" 0 "$?"
check "exec-env-has-firing" grep -qx 'MEMCGCTL_CONDITION=usage<1G' "$envf"
check "exec-env-no-stale-limit" sh -c "! grep -q '^MEMCGCTL_LIMIT=' '$envf'"
check "exec-env-no-stale-pid" sh -c "! grep -q '^MEMCGCTL_PID=' '$envf'"
check "exec-env-no-foreign" sh -c "! grep -q '^MEMCGCTL_FORGED=' '$envf'"

# ---- PSI under real memory thrash (cgroup2 twin in the hybrid layout) -------
# The workload must really stall on memory, and what stalls depends on the
# machine:
#  - with swap (the v2 guests: zram), an anonymous working set of 48M kept
#    hot in a 32M cgroup: every pass swaps its cold part out (memcg reclaim
#    at the limit) and back in (refaults of its own working set), and both
#    are memory stalls.
#  - without swap (the v1 host), the same from page cache: a 48M file read
#    over and over in a 32M cgroup refaults its own working set (refault
#    distance 16M < 32M).  The file is written with O_DIRECT so that its
#    pages are not already cached (and charged) elsewhere; measured ~5% some
#    over 4 s.  This needs a block-backed filesystem: on tmpfs/ramfs (an
#    initramfs root) the "file" is shmem, already resident and charged to
#    whoever wrote it, and reading it in the 32M cgroup stalls on nothing.
cg_new psi 32M
cg4=$CG rel4=$CG_REL
big=$T_TMP/big
swap_kb=$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)
tmp_fs=$(stat -f -c %T "$T_TMP")
psi_dir=$PSI_ROOT$rel4
thrash_how=
if [[ ${swap_kb:-0} -gt $((128 * 1024)) ]]; then
	thrash_how=anon
	if [[ $MEM_V2 == 0 ]]; then echo 60 >"$cg4/memory.swappiness"; fi
elif [[ $tmp_fs != tmpfs && $tmp_fs != ramfs ]]; then
	thrash_how=file
	dd if=/dev/zero of="$big" bs=1M count=48 oflag=direct status=none 2>/dev/null ||
		dd if=/dev/zero of="$big" bs=1M count=48 status=none
fi
if [[ ! -e $psi_dir/memory.pressure ]]; then
	t_skip "psi-fires-under-thrash" "no memory.pressure at $psi_dir"
elif [[ -z $thrash_how ]]; then
	t_skip "psi-fires-under-thrash" "no swap and $T_TMP is $tmp_fs: nothing here can thrash"
else
	echo "     psi: thrashing by $thrash_how (swap ${swap_kb:-0} kB, $T_TMP on $tmp_fs)"
	out=$T_TMP/psi.json
	notify_bg "$out" -j notify "$rel4" 'psi.some>=1%/2s' --timeout 30
	wait_armed "$out"
	if [[ $thrash_how == anon ]]; then
		cg_run "$cg4" "$HOG" -s 48M -l -q
	else
		cg_run "$cg4" bash -c "while :; do cat '$big' >/dev/null; done"
	fi
	thrash=$PID
	wait_rc "$NPID" 35
	check_eq "psi-fires-under-thrash" 0 "$?"
	OUT=$(cat "$out")
	[[ -n $OUT ]] && check_schema "json-schema-6" notify
	# -s: an empty output must fail (jq -e on no input exits 0)
	check "psi-fields" jq -se 'length == 1 and (.[0] | .event == "psi" and
		.stall_us == 20000 and .window_us == 2000000)' <<<"$OUT"
	check "psi-some-total" jq -se 'length == 1 and .[0].total_us > 0 and .[0].avg10_pct >= 0' <<<"$OUT"
	kill "$thrash" 2>/dev/null
	wait "$thrash" 2>/dev/null
fi
rm -f "$big"

# ---- --timeout and removal exit codes --------------------------------------
cg_new gone
cg5=$CG rel5=$CG_REL
# never early (whole run >= 500ms), on time once armed (the timer starts
# when notify is armed; loading and verifying the BPF program before that
# takes seconds under TCG in the VM tier, so it is not counted)
start=$(date +%s%N)
out=$T_TMP/timeout.out
notify_bg "$out" notify "$rel5" 'usage>=1G' --timeout 500ms
wait_armed "$out"
armed=$(date +%s%N)
wait_rc "$NPID" 10
check_eq "timeout-exit-6" 6 "$?"
end=$(date +%s%N)
el=$(((end - start) / 1000000)) el_armed=$(((end - armed) / 1000000))
check "timeout-on-time" test "$el_armed" -lt 3000 -a "$el" -ge 500
echo "     timeout 500ms: ${el} ms in all, ${el_armed} ms after armed"
out=$T_TMP/gone.json
notify_bg "$out" -j notify "$rel5" 'usage>=1G' oom_kill
wait_armed "$out"
rmdir "$cg5"
wait_rc "$NPID" 5
check_eq "removed-exit-7" 7 "$?"
OUT=$(cat "$out")
[[ -n $OUT ]] && check_schema "json-schema-7" notify
check_json "removed-json-error" '.error | test("removed")'
cg_new gone2
cg6=$CG rel6=$CG_REL
out=$T_TMP/gone2.json
notify_bg "$out" -j notify "$rel6" removed
wait_armed "$out"
rmdir "$cg6"
wait_rc "$NPID" 5
check_eq "removed-condition-exit-0" 0 "$?"
OUT=$(cat "$out")
[[ -n $OUT ]] && check_schema "json-schema-8" notify
check_json "removed-condition-json" '.event == "removed"'

# ---- an idle notify uses no CPU ----------------------------------------------
cg_new idle 64M
out=$T_TMP/idle.json
notify_bg "$out" notify "$CG_REL" 'usage>=1G' oom_kill max --timeout 20
wait_armed "$out"
# armed, it goes to sleep in epoll_wait (state S) and stays there
_asleep() { [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == S ]]; }
check "idle-asleep" wait_until 50 _asleep "$NPID"
t0=$(awk '{ print $14 + $15 }' "/proc/$NPID/stat")
# negative check: two seconds pass in which notify must use no CPU
sleep 2
t1=$(awk '{ print $14 + $15 }' "/proc/$NPID/stat")
kill "$NPID"
wait "$NPID" 2>/dev/null
check_eq "sigterm-exit-143" 143 "$?"
check "idle-cpu-zero" test $((t1 - t0)) -le 1
echo "     idle notify: $((t1 - t0)) clock ticks of CPU over 2 s"

# ---- the man page's script example runs as written ---------------------------
man=$(dirname "$0")/../../man/memcgctl-notify.8
script=$T_TMP/example.sh
sed -n '/^\.\\" example-script-begin/,/^\.\\" example-script-end/p' "$man" |
	grep -v '^\.' | sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\(aq/'"'"'/g' >"$script"
if [[ -s $script ]]; then
	mkdir -p "$T_TMP/bin"
	ln -sf "$MEMCGCTL" "$T_TMP/bin/memcgctl"
	cg_new example 64M
	cgx=$CG
	ex_out=$T_TMP/example.out
	# under 16M for the whole window: the script says so
	PATH=$T_TMP/bin:$PATH bash "$script" "$CG_REL" 16M 1s >"$ex_out" 2>&1
	check_eq "man-example-timeout" "0 still under 16M after 1s" "$? $(cat "$ex_out")"
	cg_run "$cgx" "$HOG" -s 24M
	wait_ready "$PID_OUT"
	PATH=$T_TMP/bin:$PATH bash "$script" "$CG_REL" 16M 5s >"$ex_out" 2>&1
	check "man-example-fires" grep -q "^over 16M: usage [0-9]* bytes" "$ex_out"
	kill "$PID"
else
	t_fail "man-example" "no example-script block in $man"
fi

# ---- nothing left behind ------------------------------------------------------
check_no_leaks "no-bpf-leaks" '^notify_'
