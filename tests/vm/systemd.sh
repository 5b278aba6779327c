#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package on a fresh Debian 12 machine with systemd as PID 1, in a QEMU guest.
#
# Usage: tests/vm/systemd.sh [--deb FILE] [--kernel SERIES] [--cache DIR] [--keep-log DIR]
#                            [--timeout SEC] [--mem SIZE]
#   --deb      the package (default build/deb/memcgctl_<version>_<arch>.deb: `make deb`)
#   --kernel   the guest's kernel series (default 6.12, Debian 12's own), from fetch-kernels.sh
#   --cache    kernel and root file system cache (default tests/vm/.cache)
#   --keep-log copy the console log there (a failed run's log is always kept under the cache)
#   --timeout  wall-clock bound of both boots together (default 900)
#   --mem      guest memory (default 1G)
#
# Builds a Debian 12 root with debootstrap (minbase, systemd, D-Bus, jq and the package's dependencies as
# the .deb declares them; from the archive the host's apt sources name, cached by package list),
# adds tests/vm/systemd-guest.sh as a unit that runs once per boot, writes it to an ext4 image
# and boots it twice in one QEMU (the guest reboots itself) from an initramfs whose /init
# (systemd-init.sh) hands over to the root's systemd. The guest prints its checks; the exporter
# output it kept is then read out of the image (debugfs) and checked with promtool here.
# Ends with "N passed, N failed, N skipped"; exits non-zero on a failure or a missing marker.
# Needs root (debootstrap), qemu-system-x86, debootstrap, e2fsprogs, cpio, busybox-static.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache="$here/.cache" deb="" series=6.12 keep="" timeout_s=900 mem=1G
suite=bookworm

die() { echo "systemd-vm: $*" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
log() { echo "systemd-vm: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--deb) deb=$2; shift 2 ;;
	--kernel) series=$2; shift 2 ;;
	--cache) mkdir -p "$2"; cache=$(cd "$2" && pwd); shift 2 ;;
	--keep-log) mkdir -p "$2"; keep=$(cd "$2" && pwd); shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "systemd-vm: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "systemd-vm: --timeout takes seconds" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, the image's root-owned files)"
missing=()
for c in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap mkfs.ext4:e2fsprogs \
	debugfs:e2fsprogs cpio:cpio busybox:busybox-static dpkg-deb:dpkg; do
	command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
done
[ ${#missing[@]} -eq 0 ] || die "missing tools: apt-get install ${missing[*]}"
if [ -z "$deb" ]; then
	version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
	deb="$repo/build/deb/memcgctl_${version}_$(dpkg --print-architecture).deb"
fi
[ -f "$deb" ] || die "no package $deb (make deb)"

mkdir -p "$cache"
work=$(mktemp -d "$cache/systemd.XXXXXX")
qpid=""
cleanup() {
	set +e
	# timeout(1) passes the TERM on to QEMU; a KILL would leave QEMU running
	[ -n "$qpid" ] && { kill -TERM "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; }
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the kernel: Debian 12's own by default, with its modules
read -r _ rel kdir < <("$here/fetch-kernels.sh" --cache "$cache" "$series") || die "cannot fetch kernel $series"
[ -f "$kdir/vmlinuz" ] || die "kernel $rel has no vmlinuz in $kdir"

# --- the root: debootstrap once per package list, kept as a tarball in the cache
# The package's own dependencies, as its control file says (names only: the suite's versions
# are what a user of it gets).
mapfile -t deps < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/[[:space:]]//g' | grep -v '^$')
include=$(printf '%s\n' systemd systemd-sysv udev dbus kmod procps jq "${deps[@]}" | sort -u | paste -sd, -)
key=$(printf '%s %s' "$suite" "$include" | sha256sum | cut -c1-16)
tarball="$cache/rootfs-$suite-$key.tar"
if [ ! -s "$tarball" ]; then
	uri=$("$here/fetch-kernels.sh" --archive-uri) || die "no Debian archive in the host's apt sources"
	log "debootstrap $suite (minbase + $include)"
	t0=$SECONDS
	timeout 900 debootstrap --variant=minbase --include="$include" "$suite" "$work/root" "$uri" \
		>"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	tar -C "$work/root" -cf "$tarball.$$.tmp" . && mv "$tarball.$$.tmp" "$tarball"
	log "root file system in $((SECONDS - t0)) s"
else
	mkdir -p "$work/root"
	tar -C "$work/root" -xf "$tarball"
fi
root=$work/root

# --- the guest's own files: the package, the test and its unit, a quiet console
mkdir -p "$root/root/vmtest"
cp "$deb" "$root/root/vmtest/memcgctl.deb"
cp "$here/systemd-guest.sh" "$root/root/vmtest/systemd-guest.sh"
chmod 755 "$root/root/vmtest/systemd-guest.sh"
cp "$repo/build/tests/hog" "$root/root/vmtest/hog" || die "no build/tests/hog (make)"
echo memcgctl-systemd >"$root/etc/hostname"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
cat >"$root/etc/systemd/system/memcgctl-vmtest.service" <<'EOF'
[Unit]
Description=memcgctl package test (tests/vm/systemd-guest.sh)
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/root/vmtest/systemd-guest.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/memcgctl-vmtest.service "$root/etc/systemd/system/multi-user.target.wants/"
# The serial console carries the test's output: no login prompt on it.
for u in serial-getty@ttyS0.service getty@tty1.service; do ln -sf /dev/null "$root/etc/systemd/system/$u"; done

# --- image and initramfs
img=$work/root.img
mkfs.ext4 -q -F -L memcgctl -d "$root" "$img" 2G || die "mkfs.ext4 -d failed"
rm -rf "$root"
"$here/mkinitramfs.sh" --kernel-dir "$kdir" --out "$work/initrd.cpio" --repo "$repo" \
	--init "$here/systemd-init.sh" --modules "?virtio_pci virtio_blk ext4 ?crc32c_generic" \
	>"$work/mkinitramfs.log" 2>&1 || { cat "$work/mkinitramfs.log" >&2; die "mkinitramfs failed"; }

# --- both boots in one QEMU: the guest reboots itself after boot 1 and powers off after boot 2
conslog=$work/console.log
t0=$SECONDS
log "booting $rel with systemd (two boots, at most $timeout_s s)"
timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m "$mem" -M pc -nographic \
	-nodefaults -no-user-config -serial stdio \
	-drive "file=$img,format=raw,if=virtio" \
	-kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 root=/dev/vda rw panic=-1 quiet loglevel=3 systemd.show_status=0" \
	</dev/null >"$conslog" 2>&1 &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=""
tr -d '\r' <"$conslog" >"$conslog.txt"
grep -E '^(ok   |FAIL |skip )systemd/|^memcgctl systemd guest:' "$conslog.txt" || true
log "guest done in $((SECONDS - t0)) s (qemu exit $qrc)"

T_RESULTS=$(mktemp)
# lib.sh wants its binaries named; nothing here runs them on the host
export T_RESULTS MEMCGCTL=/nonexistent MEMCGCTL_TEST_BIN=/nonexistent
# shellcheck source=tests/lib.sh
. "$repo/tests/lib.sh"
trap 'cg_cleanup; cleanup' EXIT
marker=$(grep -a '^MEMCGCTL-VM-RESULT ' "$conslog.txt" | tail -n1 || true)
if [ -z "$marker" ]; then
	t_fail "guest-result" "no result marker (qemu exit $qrc)"
else
	sum=${marker#*summary=}
	read -r gp _ gf _ gs _ <<<"${sum//,/}"
	if [[ ! $gp =~ ^[0-9]+$ ]]; then
		t_fail "guest-result" "$marker"
	else
		for ((i = 0; i < gp; i++)); do echo "pass systemd/guest" >>"$T_RESULTS"; done
		for ((i = 0; i < ${gf:-0}; i++)); do echo "fail systemd/guest" >>"$T_RESULTS"; done
		for ((i = 0; i < ${gs:-0}; i++)); do echo "skip systemd/guest" >>"$T_RESULTS"; done
	fi
fi

# The exporter's textfile from boot 1, under a real systemd and its sandbox: promtool decides.
debugfs -R "dump /root/vmtest/out/memcgctl.prom $work/memcgctl.prom" "$img" >/dev/null 2>&1 || true
if [ ! -s "$work/memcgctl.prom" ]; then
	t_fail "promtool-guest-textfile" "the guest kept no textfile"
elif command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$work/memcgctl.prom" 2>&1)
	check_eq "promtool-guest-textfile" "" "$out"
else
	t_skip "promtool-guest-textfile" "no promtool (apt-get install prometheus)"
fi

p=$(grep -c '^pass' "$T_RESULTS" || true) f=$(grep -c '^fail' "$T_RESULTS" || true) s=$(grep -c '^skip' "$T_RESULTS" || true)
rm -f "$T_RESULTS"
if [ "$f" -gt 0 ] || [ -n "$keep" ]; then
	dst=${keep:-$cache/logs}
	mkdir -p "$dst"
	cp "$conslog.txt" "$dst/console-systemd-$rel-$(date +%Y%m%d-%H%M%S).log"
	[ "$f" -eq 0 ] || { log "console log kept in $dst; its last lines:"; tail -n 30 "$conslog.txt" >&2; }
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
