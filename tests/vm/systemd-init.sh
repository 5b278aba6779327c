#!/bin/sh
# /init of the systemd guest's initramfs (busybox sh), installed by mkinitramfs.sh --init.
#
# Loads the modules of /etc/memcgctl-vm.modules (the disk's and its file system's), mounts the
# guest's Debian root from the first virtio disk and hands over to its systemd as PID 1: from then
# on the guest is an ordinary Debian machine. If the root cannot be mounted, prints the same
# result marker as guest-init.sh, so that tests/vm/systemd.sh reports why, and powers off.

PATH=/usr/bin:/usr/sbin:/bin:/sbin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fail() {
	echo "MEMCGCTL-VM-RESULT rc=255 summary= setup-failed=$*"
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

if [ -r /etc/memcgctl-vm.modules ]; then
	while read -r ko; do
		[ -n "$ko" ] || continue
		insmod "$ko" || echo "systemd-init: insmod $ko failed"
	done </etc/memcgctl-vm.modules
fi

# The disk appears once virtio has probed it: wait for the device node (at most 20 s).
i=0
while [ ! -b /dev/vda ]; do
	[ "$i" -lt 200 ] || fail "no /dev/vda (virtio disk)"
	sleep 0.1
	i=$((i + 1))
done
mkdir -p /newroot
mount -t ext4 -o rw /dev/vda /newroot || fail "mount /dev/vda"
[ -x /newroot/lib/systemd/systemd ] || fail "no /lib/systemd/systemd on /dev/vda"
for m in dev proc sys; do
	mount --move "/$m" "/newroot/$m" || fail "move /$m"
done
# shellcheck disable=SC2093  # only a failed exec comes back
exec switch_root /newroot /lib/systemd/systemd
fail "switch_root"
