#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# top --textfile, the exporter: a real node_exporter's textfile collector
# serves its file, and the BPF counters (reclaim stall, reclaim by tasks,
# OOM victims) move while it runs, from real reclaim and a real OOM kill,
# with a start time that stays put; a cgroup with a hostile name does not
# break the scrape.  The file is replaced atomically: a symbolic link is
# refused or replaced, never followed; a full disk (a small tmpfs) keeps
# the previous file and is said once per run of failures.  Without
# node_exporter (a VM guest) the counters are read from the file itself.
. "$(dirname "$0")/../lib.sh"
swap_skip() { [[ ${MEMCGCTL_VM_SWAP:-1} == 0 ]] && t_skip "$1" "$MEMCGCTL_VM_SWAP_WHY"; }
need_root

T_MOUNTS=()
exp_cleanup() {
	local m
	# the exporters and node_exporter are in T_PIDS; mounts go before T_TMP
	for p in "${T_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for m in "${T_MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	cg_cleanup
}
trap exp_cleanup EXIT

# label value as the exposition format escapes it
prom_esc() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '%s' "${s//$'\n'/\\n}"
}
# val NAME [CGROUP [ID]]: the sample's value in $SCRAPE (empty if none), the
# sample whose labels include cgroup="CGROUP" (escaped as the format does),
# or cgroup_id="ID" for a name top escapes (a control byte, not UTF-8).
# Labels may come in any order (node_exporter sorts them).  ENVIRON, not
# awk -v, which would undo the escapes.
val() {
	local sel=
	if [[ $# -gt 2 ]]; then sel="cgroup_id=\"$3\""
	elif [[ $# -gt 1 ]]; then sel="cgroup=\"$(prom_esc "$2")\""; fi
	N=$1 S=$sel awk '
		BEGIN { n = ENVIRON["N"]; s = ENVIRON["S"] }
		s == "" && (index($0, n " ") == 1 || index($0, n "{") == 1) { print $NF; exit }
		s != "" && index($0, n "{") == 1 {
			l = substr($0, length(n) + 2); i = index(l, "} ")
			if (index("," substr(l, 1, i - 1) ",", "," s ",")) { print substr(l, i + 2); exit }
		}' <<<"$SCRAPE"
}
gt0() { awk -v x="$1" 'BEGIN { exit !(x != "" && x + 0 > 0) }'; }

cg_new exp-rc 32M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_rc=$CG rel_rc=$CG_REL
cg_new exp-oom 32M
cg_oom=$CG rel_oom=$CG_REL
no_swap "$cg_oom"
# quotes, a backslash and a tab (the kernel refuses a newline in a cgroup name)
hostile=$'exp-q"uo\\te\tb'
cg_new "$hostile"
rel_hostile=$CG_REL id_hostile=$(stat -c %i "$CG")

# ---- the exporter, served by node_exporter --------------------------------
dir=$T_TMP/textfile
mkdir -m 0755 "$dir"
prom=$dir/memcgctl.prom
t0=$(date +%s.%N)
"$MEMCGCTL" top --textfile "$prom" -d 0.5 "/$T_PREFIX" >"$T_TMP/exp.out" 2>"$T_TMP/exp.err" &
exp_pid=$!
T_PIDS+=("$exp_pid")
if ! wait_written "$prom" "$exp_pid" 1200; then
	t_fail "exporter-writes" "no $prom: $(head -c 300 "$T_TMP/exp.err")"
	exit 0
fi
t1=$(date +%s.%N)
t_ok "exporter-writes"
check_eq "exporter-file-mode" 644 "$(stat -c %a "$prom")"
check_eq "exporter-stdout-empty" "" "$(cat "$T_TMP/exp.out")"
if command -v promtool >/dev/null; then
	check "exporter-promtool" promtool check metrics <"$prom"
else
	t_skip "exporter-promtool" "no promtool"
fi

ne=$(command -v prometheus-node-exporter || command -v node_exporter)
if command -v curl >/dev/null; then get() { curl -sf --max-time 5 "$1"; }
else get() { wget -qO- -T 5 "$1"; }
fi
ne_pid="" port=""
if [[ -n $ne ]]; then
	# a free port: the kernel picks one; another process may take it before
	# node_exporter binds, so a node_exporter that exits is tried again
	for _ in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
			echo $((20000 + RANDOM % 20000)))
		"$ne" --collector.disable-defaults --collector.textfile \
			--collector.textfile.directory="$dir" --web.listen-address="127.0.0.1:$port" \
			>"$T_TMP/ne.log" 2>&1 &
		ne_pid=$!
		T_PIDS+=("$ne_pid")
		for _ in $(seq 300); do
			get "http://127.0.0.1:$port/metrics" 2>/dev/null | grep -q '^node_textfile_scrape_error' && break 2
			kill -0 "$ne_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$ne_pid" 2>/dev/null; wait "$ne_pid" 2>/dev/null
		ne_pid=
	done
	[[ -n $ne_pid ]] || t_fail "node-exporter-up" "did not serve: $(tail -c 300 "$T_TMP/ne.log")"
fi
if [[ -n $ne_pid ]]; then
	t_ok "node-exporter-up"
	scrape() { get "http://127.0.0.1:$port/metrics"; }
else
	[[ -z $ne ]] && t_skip "node-exporter" "no prometheus-node-exporter here: the counters are read from the file"
	scrape() { cat "$prom"; }
fi

STARTS=()
# poll TENTHS FN: scrape until FN holds on $SCRAPE (the exporter still running)
poll() {
	local i
	for ((i = 0; i < $1; i++)); do
		if SCRAPE=$(scrape); then
			STARTS+=("$(val memcgctl_start_time_seconds)")
			"$2" && return 0
		fi
		kill -0 "$exp_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
have_rc() { [[ -n $(val memcgctl_memory_usage_bytes "$rel_rc") ]]; }
poll 600 have_rc
check "scrape-has-memcgctl" have_rc
start=$(val memcgctl_start_time_seconds)
check "start-time-when-started" awk -v s="$start" -v a="$t0" -v b="$t1" 'BEGIN { exit !(s >= a - 1 && s <= b + 1) }'
check_eq "bpf-attached" 1 "$(val memcgctl_top_bpf)"
# before any workload: the BPF counters count from the exporter's start
check_eq "victims-0-at-start" 0 "$(val memcgctl_oom_victims_total "$rel_oom")"
if [[ -n $ne_pid ]]; then
	check_eq "node-exporter-no-scrape-error" 0 "$(val node_textfile_scrape_error)"
	check "node-exporter-hostile-name" test -n "$(val memcgctl_memory_usage_bytes "$rel_hostile" "$id_hostile")"
fi

# ---- real reclaim: page cache through a 32M limit ----------------------------
file=$(mktemp -p /var/tmp memcgctl-exp-XXXXXX)
cg_run "$cg_rc" bash -c "while :; do dd if=/dev/zero of=$file bs=1M count=96 status=none; cat $file >/dev/null; done"
rc_pid=$PID
stall_moved() { gt0 "$(val memcgctl_reclaim_stall_seconds_total "$rel_rc")"; }
pages_moved() { gt0 "$(val memcgctl_reclaimed_pages_total "$rel_rc")"; }
both_moved() { stall_moved && pages_moved; }
if ! swap_skip "reclaim-counters-move"; then
	poll 1200 both_moved
	check "reclaim-stall-moves" stall_moved
	check "reclaim-by-tasks-moves" pages_moved
fi
kill "$rc_pid" 2>/dev/null; wait "$rc_pid" 2>/dev/null
rm -f "$file"

# ---- a real OOM kill ----------------------------------------------------------
cg_run "$cg_oom" "$MEMCGCTL_TEST_BIN/hog" -s 128M -q
wait "$PID" 2>/dev/null
check_eq "oom-hog-killed" 137 "$?"
victim_seen() { gt0 "$(val memcgctl_oom_victims_total "$rel_oom")" && gt0 "$(val memcgctl_oom_kills_total "$rel_oom")"; }
poll 1200 victim_seen
check "oom-victims-moves" victim_seen
check_eq "oom-victims-one" 1 "$(val memcgctl_oom_victims_total "$rel_oom")"
check_eq "oom-kills-as-cgroupfs" "$(oom_kills "$cg_oom")" "$(val memcgctl_oom_kills_total "$rel_oom")"
check_eq "start-time-constant" "$start" "$(printf '%s\n' "${STARTS[@]}" | sort -u | tr -d '\n')"
check "start-time-scraped-often" test "${#STARTS[@]}" -ge 2
if [[ -n $ne_pid ]]; then
	SCRAPE=$(scrape)
	check_eq "node-exporter-no-scrape-error-after" 0 "$(val node_textfile_scrape_error)"
fi

# a name that is not UTF-8 (any byte but / and newline is allowed): one such
# cgroup must not make node_exporter drop the file
cg_new $'exp-bad\xff\xfe'
# escaped as memcgctl prints it (\xNN), then its backslashes for the format
in_file() { LC_ALL=C grep -qF 'exp-bad\\xff\\xfe' "$prom"; }
check "non-utf8-name-in-file" wait_until 600 in_file
check "non-utf8-name-not-raw" bash -c "! LC_ALL=C grep -qF \$'\\xff' '$prom'"
if [[ -n $ne_pid ]]; then
	SCRAPE=$(scrape)
	non_utf8_ok() { [[ $(val node_textfile_scrape_error) == 0 ]] && have_rc; }
	if non_utf8_ok; then t_ok "node-exporter-non-utf8-name"
	else t_fail "node-exporter-non-utf8-name" "node_textfile_scrape_error $(val node_textfile_scrape_error): $(grep -m1 memcgctl.prom "$T_TMP/ne.log" | head -c 300)"; fi
	kill "$ne_pid"; wait "$ne_pid" 2>/dev/null
fi

kill -TERM "$exp_pid"
wait "$exp_pid"
check_eq "exporter-sigterm-exit-0" 0 "$?"
check_eq "exporter-leaves-only-path" "memcgctl.prom" "$(ls -A "$dir")"
check_eq "exporter-quiet" "" "$(cat "$T_TMP/exp.err")"

# -n refreshes, -d apart: three refreshes hold at least two intervals
# between launch and exit, however slow loading or collecting is (a lower
# bound that slowness cannot break; measured from launch, not from the
# first write, whose own collection time a slow guest subtracts)
t_launch=$(date +%s.%N)
"$MEMCGCTL" top --textfile "$dir/n.prom" -n 3 -d 1 "/$T_PREFIX" 2>"$T_TMP/n.err" &
exp_pid=$!
T_PIDS+=("$exp_pid")
wait "$exp_pid"
check_eq "n-refreshes-exit-0" 0 "$?"
t_end=$(date +%s.%N)
check "n-refreshes-written" test -s "$dir/n.prom"
check "n-refreshes-keep-interval" awk -v a="$t_launch" -v b="$t_end" 'BEGIN { exit !(b - a >= 1.95) }'
rm -f "$dir/n.prom"

# ---- links: refused at start, replaced (not followed) while running --------
victim=$T_TMP/victim
echo victim >"$victim"
ln -s "$victim" "$dir/link.prom"
run_mc top --textfile "$dir/link.prom" -n 1 "/$T_PREFIX"
check_eq "symlink-refused-exit-2" 2 "$RC"
one_line_err "symlink-refused-one-line"
check "symlink-refused-says" grep -q "symbolic link" <<<"$ERR"
check_eq "symlink-victim-untouched" victim "$(cat "$victim")"
check "symlink-still-link" test -L "$dir/link.prom"
rm -f "$dir/link.prom"

chmod 0777 "$dir"
run_mc top --textfile "$prom" -n 1 "/$T_PREFIX"
check_eq "open-directory-refused-exit-2" 2 "$RC"
check "open-directory-refused-says" grep -q "writable by group or others" <<<"$ERR"
chmod 0755 "$dir"

"$MEMCGCTL" top --textfile "$prom" -d 0.2 "/$T_PREFIX" 2>"$T_TMP/swap.err" &
exp_pid=$!
T_PIDS+=("$exp_pid")
rm -f "$prom"
wait_written "$prom" "$exp_pid" 1200
ln -sfn "$victim" "$prom"
link_replaced() { [[ -f $prom && ! -L $prom ]]; }
check "swapped-link-replaced" wait_until 600 link_replaced
check_eq "swapped-link-not-followed" victim "$(cat "$victim")"
kill -TERM "$exp_pid"
wait "$exp_pid"
check_eq "swapped-link-exit-0" 0 "$?"

# ---- a full disk: the previous file stays, said once per run of failures ----
full=$T_TMP/full
mkdir "$full"
if mount -t tmpfs -o size=1m,mode=0755 memcgctl-test "$full"; then
	T_MOUNTS+=("$full")
	run_mc top --textfile "$full/m.prom" -n 1 "/$T_PREFIX"
	check_eq "full-first-write" 0 "$RC"
	before=$(md5sum <"$full/m.prom")
	dd if=/dev/zero of="$full/fill" bs=4k status=none 2>/dev/null
	run_mc top --textfile "$full/m.prom" -n 5 -d 0.1 "/$T_PREFIX"
	check_eq "full-exit-1" 1 "$RC"
	check_eq "full-said-once" 1 "$(grep -c 'No space left on device' <<<"$ERR")"
	check "full-says-what" grep -qx "memcgctl: top: --textfile $full/m.prom: write: No space left on device; the previous file stays, retrying every 0.1s" <<<"$ERR"
	check_eq "full-previous-intact" "$before" "$(md5sum <"$full/m.prom")"
	check_eq "full-no-temp-left" "fill m.prom" "$(ls -A "$full" | tr '\n' ' ' | sed 's/ $//')"
	# space comes back while it runs: written again, said once, exit 0
	"$MEMCGCTL" top --textfile "$full/m.prom" -d 0.1 "/$T_PREFIX" 2>"$T_TMP/full.err" &
	exp_pid=$!
	T_PIDS+=("$exp_pid")
	wait_grep "$T_TMP/full.err" "No space left"
	rm -f "$full/fill"
	wait_grep "$T_TMP/full.err" "written again after"
	check "full-recovered-says" grep -qE "^memcgctl: top: --textfile $full/m.prom: written again after [0-9]+ failed refreshes$" "$T_TMP/full.err"
	check "full-recovered-new-file" test "$before" != "$(md5sum <"$full/m.prom")"
	kill -TERM "$exp_pid"
	wait "$exp_pid"
	check_eq "full-recovered-exit-0" 0 "$?"
	check_eq "full-recovered-two-lines" 2 "$(wc -l <"$T_TMP/full.err")"
	umount "$full" && T_MOUNTS=()
else
	t_skip "full" "cannot mount a tmpfs"
fi

check_no_leaks "no-bpf-leaks" '^top_'
