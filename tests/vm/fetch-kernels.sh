#!/usr/bin/env bash
# Fetch Debian 12 kernels for the VM tests without installing anything into the host:
# `apt-get download` the newest linux-image package of a series and `dpkg -x` it into
# tests/vm/.cache/<release>/, then produce an uncompressed vmlinux next to it.
#
# Usage: tests/vm/fetch-kernels.sh [--cache DIR] [--offline] [SERIES...]
#   SERIES is 6.1 or 6.12 (default: both).
# Prints one line per series on stdout:  SERIES RELEASE DIR
# Everything else goes to stderr. Idempotent: a complete cache entry is reused, and apt is asked
# for a newer package at most every MEMCGCTL_VM_RECHECK_HOURS (default 24; 0 = always).
#
# Where the packages come from: 6.1 from Debian 12's main suite (bookworm), 6.12 from its
# security suite (bookworm-security). When the host's apt sources cannot see a package (e.g. the
# security suite is not configured), a private apt configuration is derived from the host's own
# Debian source entry (same mirror, suites bookworm + bookworm-security) and used from the cache
# directory; the host's apt configuration is never changed. Override the derived mirror roots with
# MEMCGCTL_VM_DEBIAN_URI and MEMCGCTL_VM_SECURITY_URI if the mirror has no security tree;
# MEMCGCTL_VM_PRIVATE_APT=1 uses the private configuration even when the host's would do.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="$here/.cache"
offline=0
series=()
# How long a cached kernel is used without asking apt whether a newer one exists.
recheck_hours=${MEMCGCTL_VM_RECHECK_HOURS:-24}

die() { echo "fetch-kernels: $*" >&2; exit 1; }
log() { echo "fetch-kernels: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--cache) cache=$2; shift 2 ;;
	--cache=*) cache=${1#*=}; shift ;;
	--offline) offline=1; shift ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	6.1|6.12) series+=("$1"); shift ;;
	*) die "unknown argument '$1' (series are 6.1 and 6.12)" ;;
	esac
done
[ ${#series[@]} -gt 0 ] || series=(6.1 6.12)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Options for apt; filled with a private configuration when the host's sources are not enough.
apt_opts=(-o APT::Sandbox::User=root)
private_apt=0
updated=0

# Package-name patterns per series: the meta package that points at the newest image, and a regex
# for the image packages themselves (signed or unsigned flavour, generic amd64 only).
meta_pkg() {
	case "$1" in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	esac
}
image_re() {
	case "$1" in
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64(-unsigned)?$' ;;
	esac
}

has_candidate() {
	local cand
	cand=$(apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
	[ -n "$cand" ] && [ "$cand" != "(none)" ]
}

# Print the image package name for a series, or nothing.
resolve_pkg() {
	local s=$1 re dep
	re=$(image_re "$s")
	# The meta package names the newest image of the series directly.
	dep=$(apt-cache "${apt_opts[@]}" depends "$(meta_pkg "$s")" 2>/dev/null |
		awk '/^ *Depends:/ {print $2}' | grep -E "$re" | head -n1 || true)
	if [ -n "$dep" ] && has_candidate "$dep"; then
		echo "$dep"
		return
	fi
	# Otherwise the highest-numbered image package that can be downloaded.
	local name
	apt-cache "${apt_opts[@]}" pkgnames linux-image-6.1 2>/dev/null | grep -E "$re" | sort -rV |
		while read -r name; do
			if has_candidate "$name"; then
				echo "$name"
				break
			fi
		done
}

apt_update() {
	[ "$updated" = 0 ] || return 0
	updated=1
	[ "$(id -u)" = 0 ] || { log "not root: cannot run apt-get update"; return 0; }
	if [ "$private_apt" = 0 ]; then log "apt-get update"; else log "apt-get update (private config $private_apt)"; fi
	apt-get "${apt_opts[@]}" -q update >&2 || log "apt-get update failed"
}

# Find the Debian archive root the host already uses (first .../debian URI in its sources).
host_debian_uri() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		grep -v '^[[:space:]]*#' "$f" | grep -oE '(https?|file)://[^[:space:]]+/debian/?([[:space:]]|$)' |
			tr -d '[:space:]' | sed 's:/*$::' | head -n1
	done | head -n1
}

# Switch apt to a private configuration under the cache with bookworm + bookworm-security.
use_private_apt() {
	[ "$private_apt" = 0 ] || return 0
	local root sec d="$cache/apt"
	root=${MEMCGCTL_VM_DEBIAN_URI:-$(host_debian_uri)}
	[ -n "$root" ] || die "no Debian source entry found in /etc/apt; set MEMCGCTL_VM_DEBIAN_URI (archive root) and MEMCGCTL_VM_SECURITY_URI"
	sec=${MEMCGCTL_VM_SECURITY_URI:-$root-security}
	mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial"
	cat >"$d/sources.list.d/bookworm.sources" <<-EOF
		Types: deb
		URIs: $root
		Suites: bookworm
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: $sec
		Suites: bookworm-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	apt_opts+=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$d/sources.list.d"
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=/dev/null")
	private_apt="$d/sources.list.d/bookworm.sources"
	log "using a private apt config in $d derived from the host's sources ($root, $sec)"
	updated=0
	apt_update
}

# Decompress the payload of a bzImage into an ELF vmlinux. The boot protocol (>= 2.08) header
# gives the payload's position: setup_sects at 0x1f1, payload_offset/length at 0x248/0x24c; the
# protected-mode code starts at (setup_sects + 1) * 512.
u32_at() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
u8_at() { od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' '; }
extract_vmlinux() {
	local img=$1 out=$2 setup off len start magic
	setup=$(u8_at "$img" $((0x1f1)))
	[ "$setup" -ne 0 ] || setup=4
	off=$(u32_at "$img" $((0x248)))
	len=$(u32_at "$img" $((0x24c)))
	start=$(((setup + 1) * 512 + off))
	magic=$(od -An -t x1 -j "$start" -N 6 "$img" | tr -d ' \n')
	local dec
	case "$magic" in
	fd377a585a00) dec=(xz -dc) ;;
	28b52ffd*) dec=(zstd -dcq) ;;
	1f8b*) dec=(gzip -dc) ;;
	5d0000*) dec=(xz -dc --format=lzma) ;;
	425a68*) dec=(bzip2 -dc) ;;
	02214c18*) dec=(lz4 -dc) ;;
	*) die "$img: unknown payload compression (magic $magic)" ;;
	esac
	# The payload ends with the decompressed size (4 bytes), which some decompressors reject as
	# trailing garbage: feed exactly payload_length bytes and accept a complaint about the tail
	# as long as an ELF image came out.
	tail -c +$((start + 1)) "$img" | head -c "$len" | "${dec[@]}" >"$out.tmp" 2>/dev/null || true
	[ "$(head -c 4 "$out.tmp" | od -An -t x1 | tr -d ' ')" = 7f454c46 ] ||
		die "$img: payload did not decompress to an ELF vmlinux"
	mv "$out.tmp" "$out"
}

fetch_series() {
	local s=$1 pkg rel dir deb tmp
	pkg=""
	# Asking apt costs a few seconds per series: a cache entry checked recently is used as is.
	local stamp="$cache/.checked-$s" fresh=0
	if [ -f "$cache/$s/.complete" ] && [ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mmin -$((recheck_hours * 60)) 2>/dev/null)" ]; then
		fresh=1
	fi
	if [ "$offline" = 0 ] && [ "$fresh" = 0 ]; then
		pkg=$(resolve_pkg "$s")
		if [ -z "$pkg" ]; then
			apt_update
			pkg=$(resolve_pkg "$s")
		fi
		if [ -z "$pkg" ]; then
			use_private_apt
			pkg=$(resolve_pkg "$s")
		fi
	fi
	if [ -z "$pkg" ]; then
		# Offline or unresolvable: fall back to what the cache already has.
		if [ -f "$cache/$s/.complete" ]; then
			rel=$(basename "$(readlink -f "$cache/$s")")
			if [ "$offline" = 1 ]; then
				log "$s: offline: using cached $rel"
			elif [ "$fresh" = 1 ]; then
				log "$s: using cached $rel (apt checked less than ${recheck_hours}h ago)"
			else
				log "$s: no package resolvable with apt; using cached $rel"
			fi
			echo "$s $rel $cache/$rel"
			return
		fi
		die "$s: no downloadable linux-image package found (tried $(meta_pkg "$s") and $(image_re "$s"))"
	fi
	rel=${pkg#linux-image-}
	rel=${rel%-unsigned}
	dir="$cache/$rel"
	if [ ! -f "$dir/.complete" ]; then
		log "$s: fetching $pkg"
		tmp=$(mktemp -d "$cache/.dl.XXXXXX")
		# A stale package list can name a file the mirror no longer has: update once and retry.
		if ! (cd "$tmp" && apt-get "${apt_opts[@]}" -q download "$pkg" >&2); then
			apt_update
			(cd "$tmp" && apt-get "${apt_opts[@]}" -q download "$pkg" >&2) || { rm -rf "$tmp"; die "$s: apt-get download $pkg failed"; }
		fi
		deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n1)
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg -x "$deb" "$dir"
		local ver
		ver=$(dpkg-deb -f "$deb" Version)
		rm -rf "$tmp"
		[ -f "$dir/boot/vmlinuz-$rel" ] || die "$pkg: no boot/vmlinuz-$rel inside"
		# Debian generates modules.dep at install time (postinst), so it is not in the package:
		# mkinitramfs.sh reads module dependencies from the .ko files themselves.
		[ -d "$dir/lib/modules/$rel/kernel" ] || [ -d "$dir/usr/lib/modules/$rel/kernel" ] ||
			die "$pkg: no lib/modules/$rel/kernel inside"
		log "$s: extracting vmlinux from vmlinuz-$rel"
		extract_vmlinux "$dir/boot/vmlinuz-$rel" "$dir/vmlinux"
		echo "$pkg $ver" >"$dir/.complete"
	else
		log "$s: $rel already cached"
	fi
	# The series name points at the release last fetched, for offline use.
	ln -sfn "$rel" "$cache/$s.tmp" && mv -T "$cache/$s.tmp" "$cache/$s"
	touch "$stamp"
	echo "$s $rel $dir"
}

# MEMCGCTL_VM_PRIVATE_APT=1 uses the private configuration from the start (to test it, or to
# keep the host's package lists out of it).
[ "${MEMCGCTL_VM_PRIVATE_APT:-0}" = 0 ] || [ "$offline" = 1 ] || use_private_apt

for s in "${series[@]}"; do
	fetch_series "$s"
done
