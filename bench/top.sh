#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Refresh cost of `memcgctl top` at 1,000 and 10,000 cgroups (default columns,
# the lean set the cgroup iterator fills alone, cgroupfs only), side by side
# with `systemd-cgtop -b` on the same scratch tree (a unique prefix,
# removed afterwards; in a hybrid layout each cgroup gets its cgroup2
# twin so both tools see the same tree).
#
#   CPU ms per refresh = (CPU of N+1 refreshes - CPU of 1 refresh) / N
#
# Then the hot-path overhead with top's programs attached (a running
# `memcgctl top -b`, 1 s refreshes): CPU ns per page of faultcpu in a
# 1G-limited memcg (the charge path: top hooks nothing there), and the
# CPU of a page-cache writer through a 16M-limited memcg (every charge
# reclaims: top's reclaim tracepoints fire), alternating rounds, medians.
#
# First, startup: exec -> first snapshot printed of `top -b -n 1` on the
# machine's own tree (BPF loaded; --no-bpf; systemd-cgtop -b -n 1), wall
# time, median and mean of STARTUP_RUNS runs after 3 warm-ups (hyperfine
# when installed).  STARTUP_ONLY=1 stops after it.
#
# Not a test: it prints numbers and ratios.  Root only.
set -uo pipefail
: "${MEMCGCTL:=$(dirname "$0")/../build/memcgctl}"
SIZES=${SIZES:-"1000 10000"}
# BASELINE=/path/to/an/older/memcgctl adds its default-columns cost, same tree, same run
BASELINE=${BASELINE:-}
N=${N:-10}
HOT_REPS=${HOT_REPS:-5}
[[ $(id -u) -eq 0 ]] || { echo "bench/top.sh: needs root" >&2; exit 4; }

mem_root=$(awk '$9 == "cgroup2" { print $5 }' /proc/self/mountinfo | while read -r m; do
	grep -qw memory "$m/cgroup.controllers" 2>/dev/null && { echo "$m"; break; }; done)
[[ -z $mem_root ]] && mem_root=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
psi_root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
prefix="memcgctl-bench-top-$$"
roots=("$mem_root/$prefix")
[[ -n $psi_root && $psi_root != "$mem_root" ]] && roots+=("$psi_root/$prefix")

cleanup() {
	local r
	for r in "${roots[@]}"; do
		[[ -d $r ]] || continue
		find "$r" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$r" 2>/dev/null
	done
}
trap cleanup EXIT

# cpu_ms CMD...: user+system CPU of CMD in ms
cpu_ms() {
	local f
	f=$(mktemp)
	/usr/bin/time -o "$f" -f "%U %S" "$@" >/dev/null 2>&1
	awk '{ printf "%.1f", ($1 + $2) * 1000 }' "$f"
	rm -f "$f"
}
per_refresh() {	# per_refresh CMD-with-ITER-placeholder...
	local a b
	a=$(cpu_ms "${@/ITER/1}")
	b=$(cpu_ms "${@/ITER/$((N + 1))}")
	awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { v = (b - a) / n; printf "%.1f", v < 0 ? 0 : v }'
}

# tui_refresh BIN: CPU ms per refresh of the full-screen view (default
# columns, 160x50 in tmux, -d 0.5) over a 6 s window; "-" without tmux
tui_refresh() {
	local sock sess=mctopbench$$ pid t0 t1
	command -v tmux >/dev/null || { echo -; return; }
	sock=$(mktemp -u /tmp/memcgctl-bench-tmux.XXXXXX)
	tmux -S "$sock" new-session -d -s "$sess" -x 160 -y 50 "exec $1 top -d 0.5 /$prefix"
	sleep 3	# attached, first refreshes done
	pid=$(tmux -S "$sock" list-panes -t "$sess" -F '#{pane_pid}')
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
	sleep 6
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
	tmux -S "$sock" send-keys -t "$sess" q
	sleep 0.5
	tmux -S "$sock" kill-server 2>/dev/null
	rm -f "$sock"
	awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f", (b - a) * 1000 / hz / 12 }'
}

# ---- startup ---------------------------------------------------------------------
STARTUP_RUNS=${STARTUP_RUNS:-30}
# wall_ms CMD...: "median mean" wall ms of CMD (stdout dropped), STARTUP_RUNS runs
wall_ms() {
	local f i t0 t1
	f=$(mktemp)
	if command -v hyperfine >/dev/null; then
		hyperfine -N -w 3 -r "$STARTUP_RUNS" --export-json "$f" "$*" >/dev/null 2>&1
		jq -r '.results[0] | "\(.median * 1000) \(.mean * 1000)"' "$f"
	else
		for ((i = 0; i < STARTUP_RUNS + 3; i++)); do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1
			t1=$(date +%s%N)
			((i >= 3)) && echo $(((t1 - t0) / 1000)) >>"$f"
		done
		sort -n "$f" | awk '{ v[NR] = $1 / 1000; s += v[NR] } END { print v[int((NR + 1) / 2)], s / NR }'
	fi
	rm -f "$f"
}
startup_row() {	# startup_row LABEL CMD...
	local m
	m=$(wall_ms "${@:2}")
	printf "  %-34s %9.1f %9.1f" "$1" ${m% *} ${m#* }
	if [[ -n ${CGTOP_MS:-} ]]; then
		awk -v a="${m% *}" -v b="$CGTOP_MS" 'BEGIN { printf " %9.1fx\n", a / b }'
	else
		echo
	fi
}
echo "top startup: exec -> first snapshot printed, wall ms ($STARTUP_RUNS runs; ratio: median / systemd-cgtop's)"
printf "  %-34s %9s %9s %10s\n" "" median mean ratio
CGTOP_MS=
if command -v systemd-cgtop >/dev/null; then
	m=$(wall_ms systemd-cgtop -b -n 1)
	CGTOP_MS=${m% *}
	printf "  %-34s %9.1f %9.1f %9.1fx\n" "systemd-cgtop -b -n 1" ${m% *} ${m#* } 1
fi
startup_row "memcgctl top -b -n 1" "$MEMCGCTL" top -b -n 1
startup_row "memcgctl -j top -b -n 1" "$MEMCGCTL" -j top -b -n 1
startup_row "memcgctl top -b -n 1 --no-bpf" "$MEMCGCTL" top -b -n 1 --no-bpf
[[ -n $BASELINE ]] && startup_row "baseline top -b -n 1" "$BASELINE" top -b -n 1
[[ ${STARTUP_ONLY:-0} == 1 ]] && exit 0
echo

# lean: the columns the cgroup iterator fills alone (no memory.stat, no PSI)
LEAN=current,limit,use,reclaim,stall,events,oom
printf "%-8s %9s %9s %9s %9s %10s %9s %14s %9s %10s\n" cgroups "baseline" "top" "top-lean" "top-tui" "--no-iter" \
	"--no-bpf" "systemd-cgtop" "ratio" "lean-ratio"
have=0
for size in $SIZES; do
	for r in "${roots[@]}"; do
		mkdir -p "$r"
		# 100 groups of size/100 leaves: a realistic two-level tree
		for ((g = have / 100; g < size / 100; g++)); do
			mkdir -p "$r/g$g"
			(cd "$r/g$g" && mkdir $(seq -f "c%.0f" 0 99)) || exit 1
		done
	done
	have=$size
	t=$(per_refresh "$MEMCGCTL" top -b -n ITER -d 0.1 "/$prefix")
	tl=$(per_refresh "$MEMCGCTL" top -b --columns "$LEAN" -n ITER -d 0.1 "/$prefix")
	ti=$(per_refresh "$MEMCGCTL" top -b --no-iter -n ITER -d 0.1 "/$prefix")
	tn=$(per_refresh "$MEMCGCTL" top -b --no-bpf -n ITER -d 0.1 "/$prefix")
	tui=$(tui_refresh "$MEMCGCTL")
	base=-
	[[ -n $BASELINE ]] && base=$(per_refresh "$BASELINE" top -b -n ITER -d 0.1 "/$prefix")
	if command -v systemd-cgtop >/dev/null; then
		c=$(per_refresh systemd-cgtop -b -n ITER -d 0.1 --depth=3 "/$prefix")
	else
		c=-
	fi
	ratio=$(awk -v t="$t" -v c="$c" 'BEGIN { if (c == "-" || c == 0) print "-"; else printf "%.2fx", t / c }')
	lratio=$(awk -v t="$tl" -v c="$c" 'BEGIN { if (c == "-" || c == 0) print "-"; else printf "%.2fx", t / c }')
	printf "%-8s %9s %9s %9s %9s %10s %9s %14s %9s %10s\n" "$((size + 100 + 1))" "$base" "$t" "$tl" \
		"$tui" "$ti" "$tn" "$c" "$ratio" "$lratio"
done
echo "(CPU ms per refresh.  baseline: \$BASELINE's top, default columns; top: default columns; top-lean: --columns $LEAN;"
echo " top-tui: the full-screen view, default columns, 160x50 (memory.stat only for rows on screen);"
echo " --no-iter: default columns read from cgroupfs only; --no-bpf: no BPF at all, cgroupfs;"
echo " ratio = top / systemd-cgtop, below 1 is cheaper)"

# ---- hot path ------------------------------------------------------------------
(
	: "${MEMCGCTL_TEST_BIN:=$(dirname "$0")/../build/tests}"
	MEMCGCTL=$(realpath "$MEMCGCTL") MEMCGCTL_TEST_BIN=$(realpath "$MEMCGCTL_TEST_BIN")
	. "$(dirname "$0")/lib.sh"
	med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", b ? (a / b - 1) * 100 : 0 }'; }
	cg_new bench-fault 1G; cg_f=$CG
	cg_new bench-pc 16M; cg_p=$CG
	file=$(mktemp -p /var/tmp memcgctl-bench-top-XXXXXX)
	TPID=
	attach() {
		"$MEMCGCTL" top -b -d 1 -n 1000000 "/$T_PREFIX" >"$T_TMP/top.out" 2>&1 &
		TPID=$!
		T_PIDS+=("$TPID")
		for _ in $(seq 200); do [[ -s $T_TMP/top.out ]] && return 0; sleep 0.05; done
		echo "top bench: top did not start: $(head -3 "$T_TMP/top.out")" >&2
		return 1
	}
	detach() { kill -INT "$TPID" 2>/dev/null; wait "$TPID" 2>/dev/null; TPID=; }
	declare -A F P
	for ((r = 0; r < HOT_REPS; r++)); do
		for m in none top; do
			[[ $m == top ]] && { attach || exit 1; }
			cg_run "$cg_f" "$MEMCGCTL_TEST_BIN/faultcpu" -s 32M -t 2
			wait "$PID"
			F[$m]+="$(awk '{ print $2 }' "$PID_OUT") "
			# dd's CPU: perf stat's task-clock (ms, fine-grained), else time(1) (10 ms ticks)
			f=$(mktemp -p "$T_TMP")
			if command -v perf >/dev/null; then
				cg_run "$cg_p" perf stat -x, -e task-clock -o "$f" dd if=/dev/zero of="$file" bs=1M count=512 status=none
				wait "$PID"
				P[$m]+="$(awk -F, '$3 == "task-clock" || $3 ~ /^task-clock/ { printf "%.4f", $1 / 512 }' "$f") "
			else
				cg_run "$cg_p" /usr/bin/time -o "$f" -f "%U %S" dd if=/dev/zero of="$file" bs=1M count=512 status=none
				wait "$PID"
				P[$m]+="$(awk '{ printf "%.4f", ($1 + $2) * 1000 / 512 }' "$f") "
			fi
			[[ $m == top ]] && detach
		done
	done
	rm -f "$file"
	fn=$(med ${F[none]}) ft=$(med ${F[top]}) pn=$(med ${P[none]}) pt=$(med ${P[top]})
	echo "top hot path (median of $HOT_REPS, alternating rounds; top -b -d 1 running or not):"
	printf '  charge path (faultcpu, 1G memcg): nothing %.1f ns/page | top %.1f ns/page (%s)\n' "$fn" "$ft" "$(pct "$ft" "$fn")"
	printf '  reclaim path (dd 512M through a 16M memcg): nothing %.3f ms CPU/MB | top %.3f ms CPU/MB (%s)\n' \
		"$pn" "$pt" "$(pct "$pt" "$pn")"
)
