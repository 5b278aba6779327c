#!/usr/bin/env bash
# Smoke test of the VM guest itself (not of memcgctl): cgroup v2 with the memory controller, a
# limit that really OOM-kills and really reclaims to zram swap, bpffs, tracefs and BTF. Prints the
# same per-test lines and summary as tests/integration/run.sh, plus an inventory of the
# tracepoints memcgctl cares about. Run as root inside the guest:
#   tests/vm/run.sh --script tests/vm/smoke.sh
set -euo pipefail

CG=/sys/fs/cgroup
prefix="$CG/memcgctl-vmsmoke-$$"
passed=0 failed=0 skipped=0

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }
stat_of() { awk -v k="$2" '$1 == k {print $2; found=1} END {if (!found) print 0}' "$1/memory.stat"; }
event_of() { awk -v k="$2" '$1 == k {print $2; found=1} END {if (!found) print 0}' "$1/memory.events"; }
vmstat_of() { awk -v k="$1" '$1 == k {print $2; found=1} END {if (!found) print 0}' /proc/vmstat; }

cleanup() {
	local d
	for d in "$prefix"/*/ "$prefix"; do
		if [ -d "$d" ]; then rmdir "$d" 2>/dev/null || true; fi
	done
}
trap cleanup EXIT

# Run "$@" inside cgroup $1 (the shell moves itself in, then execs).
in_cgroup() {
	local cg=$1
	shift
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
# An anonymous-memory hog: GNU tail keeps the last N bytes of a pipe in heap buffers.
hog() { head -c "$1" /dev/zero | tail -c "$1" >/dev/null; }
export -f hog

# --- the cgroup v2 hierarchy --------------------------------------------------------------------
if grep -q '^cgroup2 /sys/fs/cgroup cgroup2' /proc/mounts; then ok cgroup2_mounted; else fail cgroup2_mounted "no cgroup2 at $CG"; fi
if grep -qw memory "$CG/cgroup.subtree_control"; then
	ok memory_controller
else
	fail memory_controller "subtree_control: $(cat "$CG/cgroup.subtree_control")"
fi
if grep -q '^bpf /sys/fs/bpf bpf' /proc/mounts; then ok bpffs; else fail bpffs "not mounted"; fi
if grep -q '^tracefs /sys/kernel/tracing tracefs' /proc/mounts && [ -d /sys/kernel/tracing/events ]; then
	ok tracefs
else
	fail tracefs "not mounted"
fi
if [ -s /sys/kernel/btf/vmlinux ]; then ok btf_vmlinux; else fail btf_vmlinux "no /sys/kernel/btf/vmlinux"; fi
# guest-init.sh says when this guest has no swap on purpose (a kernel without the zram module).
noswap=0
[ "${MEMCGCTL_VM_SWAP:-1}" = 0 ] && noswap=1
if [ "$noswap" = 1 ]; then
	skip zram_swap "${MEMCGCTL_VM_SWAP_WHY:-MEMCGCTL_VM_SWAP=0}"
elif grep -q zram /proc/swaps; then ok zram_swap; else fail zram_swap "no zram in /proc/swaps"; fi
if [ -r /proc/pressure/memory ]; then ok psi; else fail psi "no /proc/pressure/memory"; fi

mkdir "$prefix"
echo "+memory" >"$prefix/cgroup.subtree_control"

# --- a hog over memory.max without swap is OOM-killed -------------------------------------------
cg="$prefix/oom"
mkdir "$cg"
echo 32M >"$cg/memory.max"
echo 0 >"$cg/memory.swap.max"
rc=0
in_cgroup "$cg" bash -c 'hog 64M' 2>/dev/null || rc=$?
kills=$(event_of "$cg" oom_kill)
if [ "$kills" -ge 1 ] && [ "$rc" -ne 0 ]; then
	ok oom_kill
else
	fail oom_kill "oom_kill=$kills, hog exit status $rc"
fi
echo "# oom: memory.events: $(tr '\n' ' ' <"$cg/memory.events")"

# --- the same hog with swap allowed is reclaimed to zram and survives ---------------------------
cg="$prefix/reclaim"
mkdir "$cg"
echo 32M >"$cg/memory.max"
if [ "$noswap" = 1 ]; then
	skip reclaim_to_swap "${MEMCGCTL_VM_SWAP_WHY:-MEMCGCTL_VM_SWAP=0}"
else
	swp0=$(vmstat_of pswpout)
	rc=0
	in_cgroup "$cg" bash -c 'hog 64M' || rc=$?
	scan=$(stat_of "$cg" pgscan)
	steal=$(stat_of "$cg" pgsteal)
	swp=$(($(vmstat_of pswpout) - swp0))
	kills=$(event_of "$cg" oom_kill)
	if [ "$rc" -eq 0 ] && [ "$scan" -gt 0 ] && [ "$steal" -gt 0 ] && [ "$swp" -gt 0 ] && [ "$kills" -eq 0 ]; then
		ok reclaim_to_swap
	else
		fail reclaim_to_swap "exit $rc pgscan=$scan pgsteal=$steal pswpout+$swp oom_kill=$kills"
	fi
	echo "# reclaim: pgscan=$scan pgsteal=$steal pswpout+=$swp max events: $(event_of "$cg" max)"
fi

# --- memory.high throttles and counts ----------------------------------------------------------
cg="$prefix/high"
mkdir "$cg"
echo 24M >"$cg/memory.high"
rc=0
if [ "$noswap" = 0 ]; then
	in_cgroup "$cg" bash -c 'hog 64M' || rc=$?
else
	# Without swap nothing of an anonymous hog is reclaimable: above memory.high it is only
	# throttled, ever more slowly. It is stopped after a while; the events are what counts.
	in_cgroup "$cg" timeout 20 bash -c 'hog 64M' || rc=$?
	[ "$rc" != 124 ] || rc=0
fi
high=$(event_of "$cg" high)
if [ "$rc" -eq 0 ] && [ "$high" -gt 0 ]; then ok memory_high; else fail memory_high "exit $rc high events=$high"; fi

# --- memory.reclaim (5.19+) --------------------------------------------------------------------
if [ -e "$cg/memory.reclaim" ]; then
	if echo 1M >"$cg/memory.reclaim" 2>/dev/null || [ "$(cat "$cg/memory.current")" -lt 1048576 ]; then
		ok memory_reclaim_file
	else
		fail memory_reclaim_file "write to memory.reclaim failed"
	fi
else
	skip memory_reclaim_file "no memory.reclaim on $(uname -r)"
fi

# --- the memcgctl binary loads (its libraries are in the initramfs) ----------------------------
if [ -n "${MEMCGCTL:-}" ] && [ -x "$MEMCGCTL" ]; then
	missing=$(/lib64/ld-linux-x86-64.so.2 --list "$MEMCGCTL" 2>&1 | grep 'not found' || true)
	if [ -z "$missing" ]; then ok memcgctl_libs; else fail memcgctl_libs "$missing"; fi
	# What memcgctl itself finds on this kernel (its BPF programs load and attach here).
	rc=0
	out=$("$MEMCGCTL" feature 2>&1) || rc=$?
	while IFS= read -r l; do echo "# feature: $l"; done <<<"$out"
	case "$rc" in
	0) ok memcgctl_feature ;;
	2) skip memcgctl_feature "no 'feature' command in this build" ;;
	*) fail memcgctl_feature "exit status $rc" ;;
	esac
else
	skip memcgctl_feature "MEMCGCTL not built"
	skip memcgctl_libs "MEMCGCTL not built"
fi

# --- inventory of the hooks memcgctl uses --------------------------------------------------------
for sys in memcg vmscan oom cgroup; do
	d=/sys/kernel/tracing/events/$sys
	if [ -d "$d" ]; then
		echo "# tracepoints $sys: $(find "$d" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' ')"
	else
		echo "# tracepoints $sys: (none)"
	fi
done
echo "# cgroup files: $(find "$prefix/reclaim" -maxdepth 1 -name 'memory.*' -printf '%f\n' | sort | tr '\n' ' ')"
echo "# swap: $(tail -n +2 /proc/swaps | tr -s ' ')"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
