#!/bin/sh
# /init of the VM test guest (busybox sh, PID 1). Installed by mkinitramfs.sh.
#
# Mounts the usual pseudo file systems, cgroup v2 with every controller enabled in the root's
# subtree_control, bpffs and tracefs, loads zram and turns it on as swap (without swap an anonymous
# hog never reclaims; a kernel packaged without zram runs without swap, MEMCGCTL_VM_SWAP=0 tells
# the tests), runs the test script from the repository copy in /repo, prints
#   MEMCGCTL-VM-RESULT rc=<exit status> summary=<the script's "N passed, N failed, N skipped" line>
# on the console and leaves QEMU through isa-debug-exit (port 0xf4), with poweroff as fallback.
#
# Kernel command line options (all optional; defaults come from /etc/memcgctl-vm.conf):
#   memcgctl.script=PATH   script to run, relative to /repo     memcgctl.timeout=SECONDS
#   memcgctl.only=A,B      run only these test files (T_ONLY for tests/run.sh)
#   memcgctl.zram=SIZE     zram swap size (e.g. 512M, 0 = none)  memcgctl.shell=1 (shell, no test)
# shellcheck disable=SC2317  # fail() is reached from several places; shellcheck loses track.

PATH=/usr/bin:/usr/sbin:/bin:/sbin
export PATH

SCRIPT=tests/integration/run.sh
TIMEOUT=0
ZRAM=512M
SHELL_ONLY=0
# shellcheck source=/dev/null
[ -r /etc/memcgctl-vm.conf ] && . /etc/memcgctl-vm.conf

log() { echo "vm-init: $*"; }

# Leave QEMU with a status: isa-debug-exit makes QEMU exit with (byte << 1) | 1. The host maps
# 0x10 (exit 33) to "test script passed" and 0x11 (exit 35) to "failed"; the console marker
# printed before is what the host trusts, the port only makes QEMU stop at once.
leave() {
	sync
	if [ "$1" = 0 ]; then b='\020'; else b='\021'; fi
	# shellcheck disable=SC2059
	printf "$b" | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc 2>/dev/null
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

fail() {
	echo 1 >/proc/sys/kernel/printk 2>/dev/null
	echo "MEMCGCTL-VM-RESULT rc=255 summary= setup-failed=$*"
	leave 255
}

mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "mount /dev"
exec </dev/console >/dev/console 2>&1

read -r cmdline </proc/cmdline
for a in $cmdline; do
	case "$a" in
	memcgctl.script=*) SCRIPT=${a#*=} ;;
	memcgctl.timeout=*) TIMEOUT=${a#*=} ;;
	memcgctl.zram=*) ZRAM=${a#*=} ;;
	memcgctl.shell=*) SHELL_ONLY=${a#*=} ;;
	memcgctl.only=*) T_ONLY=${a#*=}; export T_ONLY ;;
	esac
done

# devtmpfs has no fd links; bash's process substitution and /dev/stdin users need them.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || fail "mount /dev/pts"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || fail "mount /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs /tmp || fail "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs /run || fail "mount /run"

# cgroup v2 alone (no v1 hierarchy), with the options systemd uses, and every available
# controller enabled for the children of the root.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
	mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
read -r controllers </sys/fs/cgroup/cgroup.controllers
for c in $controllers; do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || log "could not enable controller $c"
done
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || fail "memory controller not enabled"
mount -t bpf -o mode=700 bpf /sys/fs/bpf || fail "mount bpffs"
mount -t tracefs tracefs /sys/kernel/tracing || fail "mount tracefs"
mount -t debugfs debugfs /sys/kernel/debug || log "no debugfs"
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || log "no securityfs"
hostname memcgctl-vm

# Modules in load order, written by mkinitramfs.sh (already decompressed). The kernel's own
# request_module() goes to busybox modprobe.
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe 2>/dev/null
if [ -r /etc/memcgctl-vm.modules ]; then
	while read -r ko; do
		[ -n "$ko" ] || continue
		insmod "$ko" || log "insmod $ko failed"
	done </etc/memcgctl-vm.modules
fi

# The tests learn whether there is swap from MEMCGCTL_VM_SWAP (1 or 0) and, without it, why from
# MEMCGCTL_VM_SWAP_WHY. A kernel packaged without modules (mkinitramfs.sh lists what it lacks in
# /etc/memcgctl-vm.missing) runs without swap; a zram that should be there and is not is fatal.
MEMCGCTL_VM_SWAP=1 MEMCGCTL_VM_SWAP_WHY=
if [ "$ZRAM" = 0 ]; then
	MEMCGCTL_VM_SWAP=0 MEMCGCTL_VM_SWAP_WHY="no swap in this guest (memcgctl.zram=0)"
elif [ ! -e /sys/block/zram0 ] && grep -qx zram /etc/memcgctl-vm.missing 2>/dev/null; then
	MEMCGCTL_VM_SWAP=0
	MEMCGCTL_VM_SWAP_WHY="no swap in this guest ($(uname -r) is packaged without the zram module)"
fi
if [ "$MEMCGCTL_VM_SWAP" = 1 ]; then
	[ -e /sys/block/zram0 ] || fail "no zram0 (zram module missing?)"
	echo "$ZRAM" >/sys/block/zram0/disksize || fail "zram disksize $ZRAM"
	mkswap /dev/zram0 >/dev/null || fail "mkswap /dev/zram0"
	swapon /dev/zram0 || fail "swapon /dev/zram0"
	log "zram swap $ZRAM ($(cat /sys/block/zram0/comp_algorithm))"
else
	log "$MEMCGCTL_VM_SWAP_WHY: tests that need swap skip"
fi
export MEMCGCTL_VM_SWAP MEMCGCTL_VM_SWAP_WHY

# Page cache. The guest's root is the initramfs, a tmpfs: what is written there is swap-backed
# shmem, which reclaim cannot drop without swap room. The tests put the files whose page cache
# they mean under /var/tmp (on a real machine a disk), so here /var/tmp is an ext2 on a second zram
# disk (freed blocks discarded; the suite's files are same-filled pages, which zram stores for
# next to nothing). Without the modules it stays on the root, and tests that need page cache see
# that from its file system type.
if [ -e /sys/class/zram-control/hot_add ] && grep -qw ext2 /proc/filesystems; then
	zdisk=$(cat /sys/class/zram-control/hot_add) || fail "zram hot_add"
	echo 512M >"/sys/block/zram$zdisk/disksize" || fail "zram$zdisk disksize"
	busybox mke2fs -F -m 0 "/dev/zram$zdisk" >/dev/null || fail "mke2fs /dev/zram$zdisk"
	mount -t ext2 -o discard "/dev/zram$zdisk" /var/tmp || fail "mount /dev/zram$zdisk on /var/tmp"
	chmod 1777 /var/tmp
	log "/var/tmp: ext2 on zram$zdisk (page cache)"
else
	log "/var/tmp: on the initramfs (no zram or ext4 module): tests that need page cache skip"
fi

export HOME=/root TERM=linux LANG=C.UTF-8 USER=root LOGNAME=root SHELL=/usr/bin/bash
export MEMCGCTL=/repo/build/memcgctl MEMCGCTL_TEST_BIN=/repo/build/tests
cd /repo || fail "no /repo"
log "kernel $(uname -r), $(grep MemTotal /proc/meminfo | tr -s ' '), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

if [ "$SHELL_ONLY" = 1 ]; then
	log "memcgctl.shell=1: interactive shell, exit it to power off"
	setsid cttyhack bash -l
	echo "MEMCGCTL-VM-RESULT rc=0 summary= shell"
	leave 0
fi

[ -f "$SCRIPT" ] || fail "test script $SCRIPT not in the initramfs"
log "running $SCRIPT"
echo "MEMCGCTL-VM-BEGIN uptime=$(cut -d" " -f1 /proc/uptime)"
case "$TIMEOUT" in '' | *[!0-9]*) TIMEOUT=0 ;; esac
# GNU timeout (by path: busybox sh prefers its own applet, which neither makes a process group nor
# signals one) runs the script in a process group of its own. Its output goes to a file (so that
# the summary can be repeated in the marker after the console is quiet: kernel messages may split
# the line on the serial console), and GNU tail --pid copies the file to the console until the
# script's process is gone, with a last read. Nothing the script leaves behind can then hold the
# console up: not even processes in process groups of their own (the suite's per-file timeouts
# make those), which a stop on timeout never reaches. They are all killed afterwards.
: >/tmp/test.log
if [ -x /usr/bin/timeout ] && [ ! -L /usr/bin/timeout ] && /usr/bin/tail --version >/dev/null 2>&1; then
	/usr/bin/timeout -k 10 "$TIMEOUT" bash "$SCRIPT" </dev/null >/tmp/test.log 2>&1 &
	pid=$!
	/usr/bin/tail -n +1 -s 0.2 --pid="$pid" -f /tmp/test.log &
	tpid=$!
	wait "$pid"
	rc=$?
	wait "$tpid"
	# PID 1's kill -1 reaches every process but itself.
	kill -KILL -1 2>/dev/null
else
	{ timeout "$TIMEOUT" bash "$SCRIPT" </dev/null 2>&1; echo $? >/tmp/.rc; } | tee /tmp/test.log
	rc=$(cat /tmp/.rc 2>/dev/null || echo 255)
fi
echo 1 >/proc/sys/kernel/printk 2>/dev/null
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' /tmp/test.log | tail -n1)
echo "MEMCGCTL-VM-END uptime=$(cut -d" " -f1 /proc/uptime)"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	log "test script timed out after ${TIMEOUT}s"
	# What ran until then, counted from the test lines, marked as partial.
	[ -n "$summary" ] || summary="$(grep -c '^ok ' /tmp/test.log) passed, $(grep -c '^FAIL ' /tmp/test.log) failed, $(grep -c '^skip ' /tmp/test.log) skipped (partial: timed out)"
fi
echo "MEMCGCTL-VM-RESULT rc=$rc summary=$summary"
leave "$rc"
