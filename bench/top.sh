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
# Not a test: it prints numbers and ratios.  Root only.
set -uo pipefail
: "${MEMCGCTL:=$(dirname "$0")/../build/memcgctl}"
SIZES=${SIZES:-"1000 10000"}
# BASELINE=/path/to/an/older/memcgctl adds its default-columns cost, same tree, same run
BASELINE=${BASELINE:-}
N=${N:-10}
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

# lean: the columns the cgroup iterator fills alone (no memory.stat, no PSI)
LEAN=current,limit,use,reclaim,stall,events,oom
printf "%-8s %9s %9s %9s %10s %9s %14s %9s %10s\n" cgroups "baseline" "top" "top-lean" "--no-iter" \
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
	base=-
	[[ -n $BASELINE ]] && base=$(per_refresh "$BASELINE" top -b -n ITER -d 0.1 "/$prefix")
	if command -v systemd-cgtop >/dev/null; then
		c=$(per_refresh systemd-cgtop -b -n ITER -d 0.1 --depth=3 "/$prefix")
	else
		c=-
	fi
	ratio=$(awk -v t="$t" -v c="$c" 'BEGIN { if (c == "-" || c == 0) print "-"; else printf "%.2fx", t / c }')
	lratio=$(awk -v t="$tl" -v c="$c" 'BEGIN { if (c == "-" || c == 0) print "-"; else printf "%.2fx", t / c }')
	printf "%-8s %9s %9s %9s %10s %9s %14s %9s %10s\n" "$((size + 100 + 1))" "$base" "$t" "$tl" \
		"$ti" "$tn" "$c" "$ratio" "$lratio"
done
echo "(CPU ms per refresh.  baseline: \$BASELINE's top, default columns; top: default columns; top-lean: --columns $LEAN;"
echo " --no-iter: default columns read from cgroupfs only; --no-bpf: no BPF at all, cgroupfs;"
echo " ratio = top / systemd-cgtop, below 1 is cheaper)"
