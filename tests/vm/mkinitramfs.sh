#!/usr/bin/env bash
# Build the initramfs (newc cpio, uncompressed: faster to unpack under TCG than to decompress)
# for the VM tests of one kernel.
#
# Usage: tests/vm/mkinitramfs.sh --kernel-dir DIR --out FILE [--repo DIR] [--build DIR]
#                                [--script PATH] [--modules "zram ..."] [--extra-bin "tool ..."]
#                                [--init FILE]
#   --kernel-dir  a kernel unpacked by fetch-kernels.sh (lib/modules/<release>/ or
#                 usr/lib/modules/<release>/, or none at all for a kernel packaged without modules)
#   --repo        repository root (default: two levels above this script)
#   --build       build directory with memcgctl and tests/ (default: REPO/build)
#   --script      test script to run in the guest (default: tests/integration/run.sh); must lie
#                 inside the repository, it is run from /repo as `bash PATH`
#   --modules     kernel modules to load at boot, with their dependencies (default:
#                 "zram ext4 ?crc32c_generic"; ?NAME: only where NAME is a module, as the
#                 crc32c that ext4 asks the crypto API for before 6.14); when
#                 the kernel came without modules, those it does not build in are listed in
#                 /etc/memcgctl-vm.missing instead
#   --extra-bin   more host programs to copy (with their libraries), also MEMCGCTL_VM_EXTRA_BINS
#   --init        the /init to install (default guest-init.sh, which runs the test script;
#                 systemd-init.sh instead boots the Debian root of a virtio disk)
#
# Contents: /init (guest-init.sh), busybox-static and its applets, bash, jq, GNU coreutils, grep,
# sed, awk, findutils, procps, tmux and a few util-linux tools where the host has them, every
# shared library they need (ldd, including the dynamic loader), a few terminfo entries and the
# C.UTF-8 locale; /repo with tests/, scripts/, man/, bash-completion/, build/memcgctl and the
# build's subdirectories but cmd/ and tests/unit/ (the unit tier needs no VM); the modules,
# decompressed, under /lib/modules/<release>/. The module part is cached next to the kernel; the
# rest is rebuilt every time (a few seconds).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kdir="" out="" build="" init="$here/guest-init.sh" script=tests/integration/run.sh modules="zram ext4 ?crc32c_generic"
extra=${MEMCGCTL_VM_EXTRA_BINS:-}

die() { echo "mkinitramfs: $*" >&2; exit 1; }
log() { echo "mkinitramfs: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel-dir) kdir=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--repo) repo=$(cd "$2" && pwd); shift 2 ;;
	--build) build=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--extra-bin) extra="$extra $2"; shift 2 ;;
	--init) init=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
{ [ -n "$kdir" ] && [ -n "$out" ]; } || die "--kernel-dir and --out are required (see --help)"
[ -n "$build" ] || build="$repo/build"
kdir=$(cd "$kdir" && pwd)
for cmd in cpio ldd busybox; do
	command -v "$cmd" >/dev/null || die "$cmd not found (apt-get install cpio busybox-static libc-bin)"
done
file_is_static_busybox() { ! ldd "$1" >/dev/null 2>&1; }
bb=$(command -v busybox)
file_is_static_busybox "$bb" || die "$bb is not statically linked (install busybox-static)"

# The script path as the guest sees it: relative to the repository root.
case "$script" in
/*) abs=$(realpath "$script") ;;
*) abs=$(realpath "$repo/$script") ;;
esac
[ -f "$abs" ] || die "test script $script not found"
case "$abs" in
"$repo"/*) script_rel=${abs#"$repo"/} ;;
*) die "test script $abs is outside the repository $repo" ;;
esac

# It travels on the kernel command line and in a shell-sourced file: keep it to plain characters.
[[ "$script_rel" =~ ^[A-Za-z0-9._/+-]+$ ]] || die "test script path '$script_rel' has characters other than A-Za-z0-9._/+-"

rel=$(basename "$(find "$kdir/lib/modules" "$kdir/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n1)")
# A kernel packaged without modules (Debian's 6.19-7.1 have no modules package) has no such
# directory at all: its cache directory is named after the release.
[ -n "$rel" ] || rel=$(basename "$kdir")
moddir="$kdir/lib/modules/$rel"
[ -d "$moddir" ] || moddir="$kdir/usr/lib/modules/$rel"
# Whether the kernel came with its modules: if not, a module it does not build in is noted as
# missing (the guest then goes without it) instead of failing the build.
has_modules=0
[ -d "$moddir/kernel" ] && has_modules=1

stage=$(mktemp -d "${TMPDIR:-/tmp}/memcgctl-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# ---------------------------------------------------------------------------------------------
# Kernel modules: dependencies come from each module's .modinfo "depends=" string (Debian ships
# no modules.dep; depmod runs at install time). Compressed modules are decompressed here since
# busybox insmod does not decompress.
declare -A mod_path=() mod_done=()
mod_order=() mod_missing=()
index_modules() {
	local f n
	[ "$has_modules" = 1 ] || return 0
	while IFS= read -r f; do
		n=$(basename "$f")
		n=${n%%.ko*}
		mod_path[${n//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
}
ko_cat() {
	case "$1" in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -dcq "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
add_module() {
	local n=${1//-/_} dep deps opt=0
	case $n in \?*) opt=1 n=${n#\?} ;; esac
	[ -z "${mod_done[$n]:-}" ] || return 0
	mod_done[$n]=1
	if [ -z "${mod_path[$n]:-}" ] && [ "$opt" = 1 ]; then
		return 0	# wanted only where it is a module
	fi
	if [ -z "${mod_path[$n]:-}" ]; then
		grep -qE "/${n//_/[-_]}\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0 # built in
		[ "$has_modules" = 0 ] || die "module $n: neither a module nor built in for $rel"
		mod_missing+=("$n")
		return 0
	fi
	deps=$(ko_cat "${mod_path[$n]}" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	mod_order+=("$n")
}
modules_cpio() {
	local key f dst n
	key=$(echo "$modules" | tr -d '?' | tr ' ' '\n' | sort -u | tr '\n' '+')
	f="$kdir/initramfs-modules-v2-${key%+}.cpio"
	if [ -s "$f" ]; then
		echo "$f"
		return
	fi
	index_modules
	for n in $modules; do add_module "$n"; done
	local mstage="$stage/modules"
	mkdir -p "$mstage/etc"
	: >"$mstage/etc/memcgctl-vm.modules"
	for n in "${mod_order[@]}"; do
		dst=${mod_path[$n]#"$moddir"/}
		dst="lib/modules/$rel/${dst%.ko*}.ko"
		mkdir -p "$mstage/usr/$(dirname "$dst")"
		ko_cat "${mod_path[$n]}" >"$mstage/usr/$dst"
		echo "/$dst" >>"$mstage/etc/memcgctl-vm.modules"
	done
	# The modules this kernel's packages do not have: guest-init.sh goes on without them.
	printf '%s\n' "${mod_missing[@]}" | sed '/^$/d' >"$mstage/etc/memcgctl-vm.missing"
	log "modules for $rel: ${mod_order[*]:-(all built in)}${mod_missing[*]:+; not packaged for this kernel: ${mod_missing[*]}}"
	# Several runs may share the cache: build under a name of our own, then rename.
	(cd "$mstage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$f.$$.tmp"
	mv "$f.$$.tmp" "$f"
	echo "$f"
}

# ---------------------------------------------------------------------------------------------
# Programs and their libraries.
declare -A copied=()
copy_file() { # host path -> same path in the stage (through the stage's /lib -> usr/lib links)
	local src=$1 dst=${2:-$1}
	[ -z "${copied[$dst]:-}" ] || return 0
	copied[$dst]=1
	mkdir -p "$stage$(dirname "$dst")"
	cp -L "$src" "$stage$dst"
}
copy_libs() { # every library ldd reports for an ELF file, plus the loader
	local lib out
	out=$(ldd "$1" 2>/dev/null) || return 0 # static, or not an ELF file
	while read -r lib; do
		[ -n "$lib" ] && copy_file "$lib"
	done < <(awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}' <<<"$out")
}
copy_prog() { # host program -> /usr/bin/NAME with its libraries
	local name=$1 src
	src=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$name" 2>/dev/null) || return 1
	[ -f "$src" ] || return 1
	copy_file "$src" "/usr/bin/$name"
	copy_libs "$src"
}

mkdir -p "$stage"/usr/{bin,lib,lib64} "$stage"/{dev,proc,sys,tmp,run,root,etc,repo} "$stage"/var/{tmp,lib,log}
chmod 1777 "$stage/tmp" "$stage/var/tmp"
ln -s usr/bin "$stage/bin"
ln -s usr/bin "$stage/sbin"
ln -s bin "$stage/usr/sbin"
ln -s usr/lib "$stage/lib"
ln -s usr/lib64 "$stage/lib64"
# The kernel opens /dev/console before /init runs; devtmpfs is mounted over it afterwards.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || log "cannot mknod /dev/console (not root?): early output goes to /init's redirect"

copy_prog bash || die "bash not found"
copy_prog jq || die "jq not found (apt-get install jq)"
# GNU tools where the host has them (the suite may use GNU options); busybox fills the rest.
gnu_tools=(awk sed grep egrep fgrep find xargs diff cmp timeout stat date sort uniq head tail cut tr
	wc tee cat ls cp mv rm mkdir rmdir ln chmod readlink realpath basename dirname env printf seq
	sleep touch mktemp id nproc numfmt od dd df du nohup stdbuf sync true false test yes expr
	ps pgrep pkill pidof kill free top watch
	flock setsid setpriv nsenter unshare mountpoint findmnt taskset prlimit getopt
	tmux strace bpftool)
if command -v dpkg >/dev/null; then
	while IFS= read -r p; do gnu_tools+=("$(basename "$p")"); done < <(dpkg -L coreutils 2>/dev/null | grep -E '/s?bin/[^/]+$' || true)
fi
# shellcheck disable=SC2206
extra_tools=($extra)
for t in "${gnu_tools[@]}"; do copy_prog "$t" || true; done
for t in "${extra_tools[@]}"; do copy_prog "$t" || die "--extra-bin $t: not found on the host"; done
# glibc dlopens libgcc_s for thread cancellation and backtraces.
for l in /lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
	[ -f "$l" ] && { copy_file "$l"; break; }
done

cp "$bb" "$stage/usr/bin/busybox"
while read -r a; do
	[ -e "$stage/usr/bin/$a" ] || [ -L "$stage/usr/bin/$a" ] || ln -s busybox "$stage/usr/bin/$a"
done < <("$bb" --list)
[ -e "$stage/usr/bin/sh" ] || ln -s busybox "$stage/usr/bin/sh"

# Terminal descriptions for the TUI (ncursesw) and tmux, and a UTF-8 locale.
for t in linux vt100 vt220 xterm xterm-256color screen screen-256color tmux tmux-256color dumb; do
	for d in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
		f="$d/${t:0:1}/$t"
		if [ -f "$f" ]; then
			mkdir -p "$stage/usr/share/terminfo/${t:0:1}"
			cp -L "$f" "$stage/usr/share/terminfo/${t:0:1}/$t"
			break
		fi
	done
done
[ -d /usr/lib/locale/C.utf8 ] && mkdir -p "$stage/usr/lib/locale" && cp -r /usr/lib/locale/C.utf8 "$stage/usr/lib/locale/"

cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo memcgctl-vm >"$stage/etc/hostname"
: >"$stage/etc/fstab"
ln -s /proc/self/mounts "$stage/etc/mtab"
mkdir -p "$stage/sys/fs/cgroup"

# The repository: the tests and what they may read, the binary and the test helpers.
for d in tests scripts man bash-completion; do
	[ -d "$repo/$d" ] || continue
	mkdir -p "$stage/repo/$d"
	tar -C "$repo/$d" --exclude=./vm/.cache --exclude='*.o' -cf - . | tar -C "$stage/repo/$d" -xf -
done
mkdir -p "$stage/repo/$(dirname "$script_rel")"
cp "$abs" "$stage/repo/$script_rel"
# From the build directory: the binary and every subdirectory (tests/, examples/, bpf/ - tests
# load its objects -, ...) except the host-side objects (cmd/) and the unit tests; not the
# generated headers.
mkdir -p "$stage/repo/build/tests"
if [ -f "$build/memcgctl" ]; then
	cp "$build/memcgctl" "$stage/repo/build/memcgctl"
	copy_libs "$build/memcgctl"
else
	log "warning: $build/memcgctl not built; the guest has no memcgctl"
fi
if [ -d "$build" ]; then
	while IFS= read -r f; do
		dst="$stage/repo/build/${f#"$build/"}"
		[ "$(dirname "$f")" != "$build" ] || continue # top-level files: headers, the binary
		mkdir -p "$(dirname "$dst")"
		cp -a "$f" "$dst"
		[ -x "$f" ] && copy_libs "$f"
	done < <(find "$build" -mindepth 1 \( -path "$build/cmd" -o -path "$build/tests/unit" \) -prune \
		-o -type f ! -name '*.d' ! -name '*.tmp' -print)
fi

cp "$init" "$stage/init"
chmod 755 "$stage/init"
cat >"$stage/etc/memcgctl-vm.conf" <<EOF
SCRIPT='$script_rel'
EOF

mcpio=$(modules_cpio)
rm -rf "$stage/modules"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out.tmp"
# Concatenated newc archives are unpacked one after the other by the kernel.
cat "$mcpio" >>"$out.tmp"
mv "$out.tmp" "$out"
log "$out: $(du -h "$out" | cut -f1) for $rel, script $script_rel"
