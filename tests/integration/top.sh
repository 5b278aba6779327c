#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# top in batch mode against real cgroups: values agree with cgroupfs; a
# page-cache hog in a tight limit shows reclaim and reclaim stall (BPF);
# an OOM kill is counted by cgroupfs and attributed by BPF; a cgroup
# removed mid-run is handled; metrics (promtool, node_exporter, an
# OpenMetrics parser) and JSON (schema/top.schema.json) are valid; no TTY
# means no escape codes; unprivileged runs show BPF columns as '-'.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../metrics.sh"
# a VM guest without swap (a kernel packaged without zram) cannot reclaim the
# tmpfs/anon workloads below: the checks that need that skip, saying why
swap_skip() { [[ ${MEMCGCTL_VM_SWAP:-1} == 0 ]] && t_skip "$1" "$MEMCGCTL_VM_SWAP_WHY"; }
need_root

if [[ $MEM_V2 == 1 ]]; then
	f_cur=memory.current f_max=memory.max f_anon=anon lim_type=max
else
	f_cur=memory.usage_in_bytes f_max=memory.limit_in_bytes f_anon=total_rss lim_type=v1
fi
# jq: the row for one cgroup in a document
row() { echo ".cgroups[] | select(.cgroup == \"$1\")"; }
# wait_written (tests/lib.sh) waits for top's first refresh, i.e. its BPF
# programs are attached and it has seen the tree: under TCG, loading and
# attaching takes seconds, so a fixed sleep is not enough.

# ---- values agree with cgroupfs ------------------------------------------
cg_new top-a 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_a=$CG rel_a=$CG_REL
cg_run "$cg_a" "$MEMCGCTL_TEST_BIN/hog" -s 16M
wait_ready "$PID_OUT" 100

# a child without the memory controller (v2: not in top-a's subtree_control;
# v1: the memory hierarchy has none, so it is an ordinary memory cgroup)
rel_nm=$rel_a/nomem
mkdir "$cg_a/nomem" && T_CGROUPS+=("$cg_a/nomem")

run_mc -j top -b -n 1 "/$T_PREFIX"
check_eq "batch-json-exit-0" 0 "$RC"
check_json "one-document" "type == \"object\" and (.cgroups | length) >= 2"
check_json "root-of-view-first" ".cgroups[0].cgroup == \"/$T_PREFIX\" and .cgroups[0].depth == 0"
check_json "id-is-inode" "$(row "$rel_a") | .cgroup_id == $(stat -c %i "$cg_a")"
check_json "limit-agrees" "$(row "$rel_a") | .limit_type == \"$lim_type\" and .limit_bytes == $(cat "$cg_a/$f_max")"
check_json "procs-agrees" "$(row "$rel_a") | .procs == 1"
got=$(jq "$(row "$rel_a") | .usage_bytes" <<<"$OUT")
now=$(cat "$cg_a/$f_cur")
check "current-agrees" test $((got > now ? got - now : now - got)) -le $((1 << 20))
want_anon=$(awk -v k="$f_anon" '$1 == k { print $2 }' "$cg_a/memory.stat")
check_json "anon-agrees" "$(row "$rel_a") | .anon_bytes >= $want_anon - 1048576 and .anon_bytes <= $want_anon + 1048576"
check_json "percent-agrees" "$(row "$rel_a") | .limit_pct > 20 and .limit_pct < 100"
check_json "psi-from-cgroup2" "$(row "$rel_a") | .psi_some_total_us != null"
check_json "bpf-loaded" ".bpf == true"
check_json "first-rates-unknown-not-0" "$(row "$rel_a") | .stall_ms_per_s == null"

# the checks above ran on the cgroup iterator where the kernel has one;
# prove it was used, and that cgroupfs (--no-iter) says the same:
# the same tree (paths, ids, parents, depths), limits and event counters;
# not limit.percent: it is usage / limit, and usage moves between the runs
shape='[.cgroups[] | {cgroup, cgroup_id, parent_id, depth, limit_type, limit_bytes, max_bytes, high_bytes, swap_bytes, oom_kills, max_events, failcnt, high_events}]'
iter_on=0
if "$MEMCGCTL" -j feature 2>/dev/null | jq -e '.program."iter/cgroup" == true' >/dev/null; then iter_on=1; fi
if [[ $iter_on == 1 ]]; then
	# every row from the iterator but a v2 cgroup without memory: its (absent) files
	check_json "iter-walked" ".walk == \"iter\" and ([.cgroups[] | select(.cgroup != \"$rel_nm\") | .source] | unique == [\"iter\"])"
	if [[ $MEM_V2 == 1 ]]; then
		check_json "iter-no-memcg-row" "$(row "$rel_nm") | .source == \"cgroupfs\" and .usage_bytes == null and .parent_id == $(stat -c %i "$cg_a")"
	else
		check_json "iter-no-memcg-row" "$(row "$rel_nm") | .source == \"iter\" and .parent_id == $(stat -c %i "$cg_a")"
	fi
	iter_out=$OUT
	run_mc -j top -b -n 1 --no-iter "/$T_PREFIX"
	check_json "no-iter-walked-cgroupfs" ".walk == \"cgroupfs\" and ([.cgroups[].source] | unique == [\"cgroupfs\"])"
	check_eq "iter-same-tree-limits-events" "$(jq -c "$shape" <<<"$OUT")" "$(jq -c "$shape" <<<"$iter_out")"
	# usage moves between the two runs: within 1M, both near the file's value
	a=$(jq "$(row "$rel_a") | .usage_bytes" <<<"$iter_out")
	b=$(jq "$(row "$rel_a") | .usage_bytes" <<<"$OUT")
	check "iter-current-agrees" test $((a > b ? a - b : b - a)) -le $((1 << 20))
	check_json "iter-peak-agrees" "$(row "$rel_a") | .peak_bytes == $(jq "$(row "$rel_a") | .peak_bytes" <<<"$iter_out")"
else
	t_skip "iter" "this kernel has no cgroup iterator: cgroupfs only"
fi

# plain text: the same cgroup, the same limit, no escape codes without a TTY
run_mc top -n 1 "/$T_PREFIX"	# no -b: stdout is not a terminal
check_eq "no-tty-is-batch" 0 "$RC"
check "text-has-header" grep -q "^CGROUP" <<<"$OUT"
check "text-shows-cgroup" grep -qE "^  top-a +[0-9.]+M +64\.0M" <<<"$OUT"
if grep -q $'\e' <<<"$OUT"; then t_fail "no-escape-codes" "escape codes in batch output"; else t_ok "no-escape-codes"; fi

# ---- reclaim stall: page cache in a tight limit ----------------------------
cg_new top-pc 32M
cg_pc=$CG rel_pc=$CG_REL
file=$(mktemp -p /var/tmp memcgctl-top-XXXXXX)
"$MEMCGCTL" -j top -b -n 5 -d 1 "/$T_PREFIX" >"$T_TMP/pc.json" 2>"$T_TMP/pc.err" &
top_pid=$!
# the same in text, with only columns that need the reclaim programs: a
# run that loads no more than its columns need still loads those
"$MEMCGCTL" top -b -n 5 -d 1 --columns current,entries "/$T_PREFIX" >"$T_TMP/pc.txt" 2>&1 &
txt_pid=$!
wait_written "$T_TMP/pc.json" "$top_pid"
wait_written "$T_TMP/pc.txt" "$txt_pid"
cg_run "$cg_pc" bash -c "for i in \$(seq 12); do dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file >/dev/null; done"
pc_pid=$PID
wait "$top_pid"
check_eq "pc-top-exit-0" 0 "$?"
wait "$txt_pid"
check_eq "pc-text-exit-0" 0 "$?"
check "pc-text-entries-counted" grep -qE "^  top-pc +[0-9.]+[KMG]? +[1-9][0-9]*$" "$T_TMP/pc.txt"
kill "$pc_pid" 2>/dev/null; wait "$pc_pid" 2>/dev/null
rm -f "$file"
OUT=$(jq -s . "$T_TMP/pc.json")
check_json "pc-five-documents" "length == 5"
swap_skip pc-reclaim-stall-seen || check_json "pc-reclaim-stall-seen" "[.[] | $(row "$rel_pc") | .stall_ms_per_s // 0] | max > 0"
check_json "pc-bpf-reclaims-counted" "[.[] | $(row "$rel_pc") | .reclaim_entries] | max > 0"
swap_skip pc-reclaim-rate || check_json "pc-reclaim-rate" "[.[] | $(row "$rel_pc") | .reclaim_pages_per_s // 0] | max > 0"
check_json "pc-limit-events" "[.[] | $(row "$rel_pc") | .interval_limit_events // 0] | max > 0"
# stall is hierarchical: the parent carries at least its child's.  A
# snapshot taken while the workload runs may read the parent's counter
# just before a reclaim's end credits both, so ask it of some snapshot
# in which the child has stalled, not necessarily the last one.
swap_skip pc-stall-hierarchical || check_json "pc-stall-hierarchical" "any(.[]; ($(row "$rel_pc") | .reclaim_stall_ns) > 0 and ($(row "/$T_PREFIX") | .reclaim_stall_ns) >= ($(row "$rel_pc") | .reclaim_stall_ns))"
check_json "pc-other-cgroup-no-stall" ".[-1] | $(row "$rel_a") | .reclaim_stall_ns == 0"

# ---- PSI of quiet cgroups from the kernel, equal to memory.pressure -----------
# After a refresh has read a cgroup's memory.pressure once, top takes the
# values of a cgroup nothing has stalled in since from one BPF pass
# (bpf/top_psi.bpf.h) and leaves its file unread.  top-pc has stalled (its
# writer is gone, so nothing stalls there now), top-a never has.
# psi_total REL some|full: the file's total=
psi_total() {
	sed -n "s/^$2 .*total=\([0-9]*\).*/\1/p" "$PSI_ROOT$1/memory.pressure"
}
if [[ -n $PSI_ROOT && -r $PSI_ROOT$rel_pc/memory.pressure ]]; then
	# -d: every file is read as well, and compared with what the kernel said
	run_mc -d -j top -b -n 4 -d 0.3 "/$T_PREFIX"
	check_eq "psi-debug-exit-0" 0 "$RC"
	psi_lines=$(grep -E '^memcgctl: debug: top: PSI: [0-9]+ from the kernel' <<<"$ERR")
	# loaded at the second refresh (the first reads every file anyway)
	check_eq "psi-pass-each-later-refresh" 3 "$(grep -c . <<<"$psi_lines")"
	check "psi-kernel-equals-files" test -z "$(grep -v ', 0 differ$' <<<"$psi_lines")"
	# the first refresh learns the twins' ids; then all of them are quiet
	# (top-a's hog sleeps), top-pc with stall time in its totals
	last=$(tail -n 1 <<<"$psi_lines")
	read -r files checked < <(sed -E 's/.* ([0-9]+) files read, ([0-9]+) checked.*/\1 \2/' <<<"$last")
	check "psi-all-quiet-checked" test "${checked:-0}" -ge 1 -a "${checked:-0}" -eq "${files:-x}"
	pc_total=$(psi_total "$rel_pc" some)
	swap_skip psi-stalled-total-nonzero || check "psi-stalled-total-nonzero" test "${pc_total:-0}" -gt 0
	# without -d: the values printed are the kernel's, and equal the files'
	if command -v strace >/dev/null; then
		strace -f -y -e trace=pread64 -o "$T_TMP/psi.strace" \
			"$MEMCGCTL" -j top -b -n 4 -d 0.3 "/$T_PREFIX" >"$T_TMP/psi.json" 2>"$T_TMP/psi.err"
		check_eq "psi-strace-exit-0" 0 "$?"
		nr_cg=$(jq -s '.[0].cgroups | length' "$T_TMP/psi.json")
		reads=$(grep -c 'memory.pressure>' "$T_TMP/psi.strace")
		a_reads=$(grep -c "$rel_a/memory.pressure>" "$T_TMP/psi.strace")
		# the first refresh reads every file; then only those whose
		# averages are not yet 0 (top-pc and its parent) are read again
		check "psi-files-left-unread" test "$reads" -ge "$nr_cg" -a "$reads" -lt $((4 * nr_cg))
		check_eq "psi-never-stalled-read-once" 1 "$a_reads"
	else
		"$MEMCGCTL" -j top -b -n 4 -d 0.3 "/$T_PREFIX" >"$T_TMP/psi.json" 2>"$T_TMP/psi.err"
		check_eq "psi-run-exit-0" 0 "$?"
		t_skip "psi-files-left-unread" "no strace here"
	fi
	OUT=$(jq -s '.[-1]' "$T_TMP/psi.json")
	check_json "psi-pc-totals-equal" "$(row "$rel_pc") | .psi_some_total_us == $(psi_total "$rel_pc" some) and .psi_full_total_us == $(psi_total "$rel_pc" full)"
	# top-pc's averages are not 0 yet (avg300 takes many minutes to decay):
	# they must come from its file, not as the kernel shortcut's 0.00
	pc_avg300=$(sed -n 's/^some .*avg300=\([0-9.]*\).*/\1/p' "$PSI_ROOT$rel_pc/memory.pressure")
	if awk -v v="${pc_avg300:-0}" 'BEGIN { exit !(v > 0) }'; then
		check_json "psi-pc-averages-from-file" "$(row "$rel_pc") | .psi_some_avg300_pct > 0"
	else
		t_skip "psi-pc-averages-from-file" "top-pc's avg300 is already 0"
	fi
	check_json "psi-quiet-zero" "$(row "$rel_a") | .psi_some_total_us == $(psi_total "$rel_a" some) and .psi_some_avg10_pct == 0 and .psi_full_avg300_pct == 0"
else
	t_skip "psi-kernel-equals-files" "no memory.pressure for $rel_pc"
fi

# ---- OOM kill ---------------------------------------------------------------
cg_new top-oom 32M
cg_oom=$CG rel_oom=$CG_REL
if [[ $MEM_V2 == 0 ]]; then echo 0 >"$cg_oom/memory.swappiness"; else echo 0 >"$cg_oom/memory.swap.max"; fi
"$MEMCGCTL" -j top -b -n 4 -d 1 "/$T_PREFIX" >"$T_TMP/oom.json" 2>"$T_TMP/oom.err" &
top_pid=$!
wait_written "$T_TMP/oom.json" "$top_pid"
cg_run "$cg_oom" "$MEMCGCTL_TEST_BIN/hog" -s 128M -q
wait "$PID" 2>/dev/null
check_eq "oom-hog-killed" 137 "$?"
wait "$top_pid"
OUT=$(jq -s '.[-1]' "$T_TMP/oom.json")
check_json "oom-kill-counted" "$(row "$rel_oom") | .oom_kills == 1"
check_json "oom-victim-attributed-by-bpf" "$(row "$rel_oom") | .oom_victims == 1"
check_json "oom-in-parent-too" "$(row "/$T_PREFIX") | .oom_victims >= 1"
check_json "oom-not-elsewhere" "$(row "$rel_a") | .oom_victims == 0"
# the events now differ between the child and its parent (memory.events is
# hierarchical, or local with memory_localevents): iterator and cgroupfs agree
if [[ $iter_on == 1 ]]; then
	run_mc -j top -b -n 1 "/$T_PREFIX"
	iter_out=$OUT
	run_mc -j top -b -n 1 --no-iter "/$T_PREFIX"
	ev='[.cgroups[] | {cgroup, oom_kills, max_events, failcnt, high_events}]'
	check_eq "iter-events-after-oom" "$(jq -c "$ev" <<<"$OUT")" "$(jq -c "$ev" <<<"$iter_out")"
fi

# ---- refaults from the iterator: flushed, equal to memory.stat ---------------
# A file written and read twice through a limit half its size: the reads
# refault what was evicted before: page cache on a disk-backed /var/tmp
# (file refaults), else a tmpfs file pushed to swap (anon refaults; the VM
# guests' root is in memory).  Once the reader has exited nothing moves
# the cgroup's refault counters, so the iterator's (read after its rstat
# flush, before anything reads memory.stat) must equal cgroupfs exactly:
# first the iterator, with only the refault column, which it fills alone
# where it can flush; then memory.stat itself and --no-iter.
rf_dir=
case $(stat -f -c %T /var/tmp 2>/dev/null) in
tmpfs|ramfs|"") [[ ${MEMCGCTL_VM_SWAP:-1} != 0 && $(wc -l </proc/swaps) -gt 1 ]] && rf_dir=/dev/shm ;;
*) rf_dir=/var/tmp ;;
esac
if [[ $iter_on == 1 && -n $rf_dir ]]; then
	cg_new top-rf 32M
	cg_rf=$CG rel_rf=$CG_REL
	file=$(mktemp -p "$rf_dir" memcgctl-top-XXXXXX)
	# written inside the cgroup, so its pages are charged to it (not to the shell's)
	cg_run "$cg_rf" bash -c "dd if=/dev/zero of=$file bs=1M count=64 status=none; cat $file >/dev/null; cat $file >/dev/null"
	wait "$PID"
	run_mc -d -j top -b -n 1 --columns refault "/$T_PREFIX"
	rf_iter=$OUT
	check "rf-from-iterator" grep -q "refaults from the cgroup iterator, flushed with" <<<"$ERR"
	echo "# top/rf: $(grep -o -e 'flushed with .*' -e 'rstat flush with .*' <<<"$ERR" | tr '\n' ' ')"
	check_json "rf-iter-walked" ".walk == \"iter\" and ($(row "$rel_rf") | .source == \"iter\")"
	if [[ $MEM_V2 == 1 ]]; then k=workingset_refault; else k=total_workingset_refault; fi
	want_f=$(awk -v k="${k}_file" '$1 == k { print $2 }' "$cg_rf/memory.stat")
	want_a=$(awk -v k="${k}_anon" '$1 == k { print $2 }' "$cg_rf/memory.stat")
	check "rf-refaults-happened" test $((${want_f:-0} + ${want_a:-0})) -gt 0
	check_json "rf-file-equals-memory.stat" "$(row "$rel_rf") | .workingset_refault_file == ${want_f:-null}"
	check_json "rf-anon-equals-memory.stat" "$(row "$rel_rf") | .workingset_refault_anon == ${want_a:-null}"
	run_mc -j top -b -n 1 --no-iter "/$T_PREFIX"
	rf=".cgroups | map({cgroup, a: .workingset_refault_anon, f: .workingset_refault_file})"
	check_eq "rf-every-row-equals-cgroupfs" "$(jq -c "$rf" <<<"$OUT")" "$(jq -c "$rf" <<<"$rf_iter")"
	check_json "rf-cgroupfs-has-them" "$(row "$rel_rf") | .workingset_refault_file + .workingset_refault_anon > 0"
	rm -f "$file"
elif [[ $iter_on == 1 ]]; then
	t_skip "rf" "/var/tmp is in memory and there is no swap: nothing can refault"
fi

# ---- metrics: Prometheus text and OpenMetrics -------------------------------
run_mc top -o prometheus "/$T_PREFIX"
check_eq "prom-exit-0" 0 "$RC"
bad=$(grep -vE '^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="([^"\\]|\\.)*"(,[a-z_]+="([^"\\]|\\.)*")*\})? (-?[0-9.]+(e[-+]?[0-9]+)?|\+Inf))$' <<<"$OUT")
check_eq "prom-syntax" "" "$bad"
check_promtool "prom-promtool" prometheus "$OUT"
check_node_exporter "prom-node-exporter" "$OUT"
check "prom-oom-sample" grep -qx "memcgctl_oom_kills_total{cgroup=\"$rel_oom\",parent=\"/$T_PREFIX\",depth=\"1\"} 1" <<<"$OUT"
check "prom-limit-sample" grep -qx "memcgctl_memory_max_bytes{cgroup=\"$rel_a\",parent=\"/$T_PREFIX\",depth=\"1\"} $((64 << 20))" <<<"$OUT"
check "prom-bpf-sample" grep -qx "memcgctl_top_bpf{root=\"/$T_PREFIX\"} 1" <<<"$OUT"
check "prom-bpf-counter" grep -qE "^memcgctl_oom_victims_total\\{cgroup=\"$rel_oom\",.*\\} [0-9]+$" <<<"$OUT"
run_mc top -o openmetrics "/$T_PREFIX"
check_eq "om-exit-0" 0 "$RC"
check_openmetrics "om-parses" "$OUT"
check_promtool "om-promtool" openmetrics "$OUT"
check_eq "om-eof-last" "# EOF" "$(tail -n 1 <<<"$OUT")"
check "om-oom-sample" grep -qx "memcgctl_oom_kills_total{cgroup=\"$rel_oom\",parent=\"/$T_PREFIX\",depth=\"1\"} 1" <<<"$OUT"
run_mc -j top -b -n 2 -d 0.2 "/$T_PREFIX"
check_schema "json-schema" top

# ---- cgroups vanishing mid-run ---------------------------------------------
cg_new top-gone
cg_gone=$CG rel_gone=$CG_REL
"$MEMCGCTL" -j top -b -n 6 -d 0.5 "/$T_PREFIX" >"$T_TMP/gone.json" 2>"$T_TMP/gone.err" &
top_pid=$!
wait_written "$T_TMP/gone.json" "$top_pid"
# memory.stat and memory.pressure stay open across refreshes (iterator path)...
if [[ $iter_on == 1 ]]; then
	check "fds-kept-open" grep -q "$rel_gone/memory.stat" < <(ls -l "/proc/$top_pid/fd" 2>/dev/null)
fi
rmdir "$cg_gone"; rmdir "$PSI_ROOT$rel_gone" 2>/dev/null
check "vanish-rmdir" test ! -d "$cg_gone"
# ...and those of a removed cgroup are closed at the next refresh
# (while top still runs: a top that has exited has closed everything)
gone_fds_closed() {
	[[ -d /proc/$top_pid/fd ]] && ! ls -l "/proc/$top_pid/fd" 2>/dev/null | grep -q "$rel_gone/"
}
check "vanish-fds-closed" wait_until 20 gone_fds_closed
wait "$top_pid"
check_eq "vanish-child-exit-0" 0 "$?"
OUT=$(jq -s . "$T_TMP/gone.json")
check_json "vanish-seen-before" ".[0] | [$(row "$rel_gone")] | length == 1"
check_json "vanish-gone-after" ".[-1] | [$(row "$rel_gone")] | length == 0"
check_json "vanish-counted" "[.[].vanished_cgroups] | add == 1"

# a cgroup removed and made again under its name (hybrid: only the cgroup2
# twin, so the memory cgroup's id stays): its files are read afresh
cg_new top-reborn 64M
cg_rb=$CG rel_rb=$CG_REL
"$MEMCGCTL" -j top -b -n 6 -d 0.5 "/$T_PREFIX" >"$T_TMP/rb.json" 2>"$T_TMP/rb.err" &
top_pid=$!
wait_written "$T_TMP/rb.json" "$top_pid"
if [[ $MEM_V2 == 1 ]]; then
	rmdir "$cg_rb" && mkdir "$cg_rb"
elif [[ -d $PSI_ROOT$rel_rb ]]; then
	rmdir "$PSI_ROOT$rel_rb" && mkdir "$PSI_ROOT$rel_rb"
fi
wait "$top_pid"
OUT=$(jq -s '.[-1]' "$T_TMP/rb.json")
check_json "reborn-new-id" "$(row "$rel_rb") | .cgroup_id == $(stat -c %i "$cg_rb")"
check_json "reborn-psi-read" "$(row "$rel_rb") | .psi_some_total_us != null"

cg_new top-gone2
cg_g2=$CG rel_g2=$CG_REL
"$MEMCGCTL" top -b -n 10 -d 0.3 "$rel_g2" >"$T_TMP/g2.out" 2>"$T_TMP/g2.err" &
top_pid=$!
wait_written "$T_TMP/g2.out" "$top_pid"
rmdir "$cg_g2" "$PSI_ROOT$rel_g2" 2>/dev/null
wait "$top_pid"
check_eq "vanish-root-exit-7" 7 "$?"
check "vanish-root-message" grep -q "removed" "$T_TMP/g2.err"

# ---- one snapshot: the BPF counters are there, and 0 ---------------------------
# (-n 1 loads only the iterator: the counters count from attach, so nothing)
run_mc top -b -n 1 --columns current,entries,victims "/$T_PREFIX"
check_eq "oneshot-exit-0" 0 "$RC"
check "oneshot-bpf-counters-0" grep -qE "^  top-a +[0-9.]+[KMG]? +0 +0$" <<<"$OUT"
run_mc -j top -b -n 1 "/$T_PREFIX"
check_json "oneshot-json-bpf" ".bpf == true and ($(row "$rel_a") | .reclaim_stall_ns == 0 and .reclaim_entries == 0 and .oom_victims == 0)"

# ---- unprivileged: BPF columns '-' with a note, values never 0 ----------------
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$MEMCGCTL" top -b -n 1 --columns current,stall "/$T_PREFIX" 2>&1)
	check "unpriv-note" grep -q "note: BPF columns show '-'" <<<"$out"
	check "unpriv-stall-dash" grep -qE "^  top-a +[0-9.]+M +-$" <<<"$out"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$MEMCGCTL" -j top -b -n 1 "/$T_PREFIX" 2>&1)
	OUT=$out
	check_json "unpriv-json-bpf-false" ".bpf == false and (.bpf_note | test(\"root\"))"
	check_json "unpriv-json-bpf-null" "$(row "$rel_a") | .reclaim_stall_ns == null and .reclaim_entries == null and .oom_victims == null"
	check_json "unpriv-walks-cgroupfs" ".walk == \"cgroupfs\" and ($(row "$rel_a") | .source == \"cgroupfs\" and .limit_bytes == $((64 << 20)))"
else
	t_skip "unpriv" "no nobody user or setpriv"
fi

check_no_leaks "no-bpf-leaks" '^top_'
