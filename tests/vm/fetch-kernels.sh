#!/usr/bin/env bash
# Fetch Debian kernels for the VM tests without installing anything into the host: find the newest
# point release of a kernel series in the archive, `apt-get download` its packages and `dpkg -x`
# them into tests/vm/.cache/<release>/, then produce an uncompressed vmlinux next to it.
#
# Usage: tests/vm/fetch-kernels.sh [--cache DIR] [--offline] [SERIES...]
#        tests/vm/fetch-kernels.sh --defaults      print the default series and exit
#        tests/vm/fetch-kernels.sh --archive-uri   print the Debian archive root used and exit
#   SERIES is MAJOR.MINOR (6.1, 6.12, 6.18, 7.0, 7.3, ...: the newest point release of that
#   series), MAJOR (7: the newest 7.x) or latest (the newest of all). Never an -rc.
#   Default: 6.1 6.12 6.18 7.
# Prints one line per series on stdout:  SERIES RELEASE DIR
# Everything else goes to stderr. Exits 1 if a series could not be fetched (after trying the
# others), 2 on a bad argument. Idempotent: a complete cache entry is reused, and apt is asked for a newer package
# at most every MEMCGCTL_VM_RECHECK_HOURS (default 24; 0 = always).
#
# Where the packages come from: 6.1 and 6.12 from Debian 12 (bookworm, bookworm-updates,
# bookworm-security), every other series from trixie-backports and sid. The host's own package
# lists are asked first; when they cannot see the series (the newer suites are usually not
# configured), a private apt configuration is derived from the host's own Debian source entry
# (same archive root and security root, all the suites above) and used from the cache directory;
# the host's apt configuration is never changed. MEMCGCTL_VM_DEBIAN_URI and
# MEMCGCTL_VM_SECURITY_URI override the derived roots; MEMCGCTL_VM_PRIVATE_APT=1 uses the private
# configuration even when the host's would do.
#
# Packaging: up to 7.1 linux-image-REL holds the kernel (boot/vmlinuz-REL) and, up to 6.18, its
# modules. From 6.19 linux-image-REL is a meta package over linux-binary-REL (the kernel, in
# usr/lib/modules/REL/vmlinuz), linux-modules-REL and linux-base-REL (config, modules.builtin);
# every one of those the archive has is fetched. 6.19-7.1 have no modules package in the archive:
# such a kernel is cached without modules (the guest then has no zram swap).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="$here/.cache"
offline=0
series=()
# How long a cached kernel is used without asking apt whether a newer one exists.
recheck_hours=${MEMCGCTL_VM_RECHECK_HOURS:-24}

# --- kernel naming: everything that knows Debian's suites and package names is here -------------
default_series="6.1 6.12 6.18 7"
bookworm_suites="bookworm bookworm-updates bookworm-security"
newer_suites="trixie-backports sid"
# The suites a series is taken from.
suites_of() {
	case "$1" in
	6.1 | 6.12) echo "$bookworm_suites" ;;
	*) echo "$newer_suites" ;;
	esac
}
# Image package names of the generic amd64 flavour (signed or -unsigned), one per line: not the
# cloud/rt flavours, not -rc builds, not the debug symbols.
image_names() {
	grep -E '^linux-image-[0-9][^ ]*-amd64(-unsigned)?$' | grep -vE -- '-(cloud|rt)-amd64|-rc[0-9]|-dbg'
}
print_uri=0
valid_series() { [[ "$1" =~ ^([0-9]+(\.[0-9]+)?|latest)$ ]]; }
# --------------------------------------------------------------------------------------------------

die() { echo "fetch-kernels: $*" >&2; exit 1; }
usage_error() { echo "fetch-kernels: $*" >&2; exit 2; }
log() { echo "fetch-kernels: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--cache) cache=$2; shift 2 ;;
	--cache=*) cache=${1#*=}; shift ;;
	--offline) offline=1; shift ;;
	--defaults) echo "$default_series"; exit 0 ;;
	--archive-uri) print_uri=1; shift ;;
	-h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) valid_series "$1" || usage_error "bad series '$1' (MAJOR.MINOR such as 6.12 or 7.3, MAJOR such as 7, or latest)"
		series+=("$1"); shift ;;
	esac
done
# shellcheck disable=SC2206
[ ${#series[@]} -gt 0 ] || series=($default_series)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Several runs may share one cache (and apt's lists and locks): one fetch at a time.
exec 7>"$cache/.fetch.lock"
if ! flock -n 7; then
	log "waiting for another fetch in $cache"
	flock 7
fi

# Options for apt; filled with a private configuration when the host's sources are not enough.
apt_opts=(-o APT::Sandbox::User=root)
private_apt=0
updated=0

# The newest image of a series in the package lists apt currently sees, as "VERSION PACKAGE", or
# nothing. The version is the package's (e.g. 6.1.192-3, 7.3.4-1~bpo13+1): its upstream part
# decides the series; among equal versions the signed package wins over -unsigned.
newest_image() {
	local s=$1 names
	# shellcheck disable=SC2046
	names=$(apt-cache "${apt_opts[@]}" pkgnames linux-image- 2>/dev/null | image_names || true)
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2086  # one package name per word
	apt-cache "${apt_opts[@]}" madison $names 2>/dev/null | awk -F'|' -v s="$s" -v suites="$(suites_of "$s")" '
		function trim(x) { gsub(/^[ \t]+|[ \t]+$/, "", x); return x }
		BEGIN { n = split(suites, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		{
			pkg = trim($1); ver = trim($2); split(trim($3), src, " ")
			suite = src[2]; sub(/\/.*/, "", suite)
			if (!(suite in ok)) next
			up = ver; sub(/^[0-9]+:/, "", up); sub(/-[^-]*$/, "", up)
			if (up ~ /rc[0-9]/) next
			if (s != "latest" && index(up ".", s ".") != 1) next
			print ver, (pkg ~ /-unsigned$/ ? 0 : 1), pkg
		}' | sort -k1,1V -k2,2n | tail -n1 | awk '{print $1, $3}'
}

# A field of one version of a package.
pkg_field() { # package version field
	apt-cache "${apt_opts[@]}" show "$1=$2" 2>/dev/null | awk -v f="$3:" '$1 == f {sub(/^[^:]*: */, ""); print; exit}'
}
# Is this version of this package in the lists?
have_version() {
	apt-cache "${apt_opts[@]}" madison "$1" 2>/dev/null | awk -F'|' -v v="$2" '{gsub(/ /, "", $2)} $2 == v {f = 1} END {exit !f}'
}
# The release (uname -r) an image package is for.
release_of() { local r=${1#linux-image-}; echo "${r%-unsigned}"; }

# "PACKAGE VERSION" of the series' image, with a meta package (linux-image-6.12-amd64, which only
# depends on the newest linux-image-6.12.N+deb12-amd64) followed to the image it names.
resolve_pkg() {
	local s=$1 ver pkg dep
	read -r ver pkg <<<"$(newest_image "$s")"
	[ -n "${pkg:-}" ] || return 0
	for _ in 1 2 3; do
		dep=$(pkg_field "$pkg" "$ver" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' |
			image_names | grep -vxF "$pkg" | head -n1 || true)
		if [ -z "$dep" ] || ! have_version "$dep" "$ver"; then break; fi
		pkg=$dep
	done
	echo "$pkg $ver"
}

apt_update() {
	[ "$updated" = 0 ] || return 0
	updated=1
	[ "$(id -u)" = 0 ] || { log "not root: cannot run apt-get update"; return 0; }
	if [ "$private_apt" = 0 ]; then log "apt-get update"; else log "apt-get update (private config $private_apt)"; fi
	if apt-get "${apt_opts[@]}" -q update >&2; then
		[ "$private_apt" = 0 ] || touch "$cache/apt-private/.updated"
	else
		log "apt-get update failed"
	fi
}

# Does the host's apt configuration list one of these suites?
host_has_suite() {
	local have x
	# shellcheck disable=SC2016  # apt's own $(FIELD) syntax
	have=$(apt-get indextargets --format '$(RELEASE)' 2>/dev/null | sort -u)
	for x in "$@"; do grep -qxF "$x" <<<"$have" && return 0; done
	return 1
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

if [ "$print_uri" = 1 ]; then
	u=${MEMCGCTL_VM_DEBIAN_URI:-$(host_debian_uri)}
	[ -n "$u" ] || die "no Debian source entry found in /etc/apt; set MEMCGCTL_VM_DEBIAN_URI"
	echo "$u"
	exit 0
fi

# Switch apt to a private configuration under the cache, with every suite a series may come from.
# Its lists are refreshed when older than the recheck interval.
use_private_apt() {
	[ "$private_apt" = 0 ] || return 0
	local root sec d="$cache/apt-private" s main=()
	root=${MEMCGCTL_VM_DEBIAN_URI:-$(host_debian_uri)}
	[ -n "$root" ] || die "no Debian source entry found in /etc/apt; set MEMCGCTL_VM_DEBIAN_URI (archive root) and MEMCGCTL_VM_SECURITY_URI"
	sec=${MEMCGCTL_VM_SECURITY_URI:-$root-security}
	for s in $bookworm_suites $newer_suites; do
		[ "$s" = bookworm-security ] || main+=("$s")
	done
	mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial"
	cat >"$d/sources.list.d/debian.sources.tmp" <<-EOF
		Types: deb
		URIs: $root
		Suites: ${main[*]}
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: $sec
		Suites: bookworm-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	local changed=0
	cmp -s "$d/sources.list.d/debian.sources.tmp" "$d/sources.list.d/debian.sources" || changed=1
	mv "$d/sources.list.d/debian.sources.tmp" "$d/sources.list.d/debian.sources"
	apt_opts+=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$d/sources.list.d"
		-o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=/dev/null")
	private_apt="$d/sources.list.d/debian.sources"
	log "using a private apt config in $d derived from the host's sources ($root, $sec)"
	updated=0
	if [ "$changed" = 1 ] || [ ! -f "$d/.updated" ] ||
		[ -z "$(find "$d/.updated" -mmin -$((recheck_hours * 60)) 2>/dev/null)" ]; then
		apt_update
	fi
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
	*) echo "$img: unknown payload compression (magic $magic)" >&2; return 1 ;;
	esac
	# The payload ends with the decompressed size (4 bytes), which some decompressors reject as
	# trailing garbage: feed exactly payload_length bytes and accept a complaint about the tail
	# as long as an ELF image came out.
	tail -c +$((start + 1)) "$img" | head -c "$len" | "${dec[@]}" >"$out.tmp" 2>/dev/null || true
	if [ "$(head -c 4 "$out.tmp" | od -An -t x1 | tr -d ' ')" != 7f454c46 ]; then
		rm -f "$out.tmp"
		echo "$img: payload did not decompress to an ELF vmlinux" >&2
		return 1
	fi
	mv "$out.tmp" "$out"
}

# Where a package set put the kernel image of a release, relative to the tree.
find_vmlinuz() { # dir release
	local p
	for p in "boot/vmlinuz-$2" "usr/lib/modules/$2/vmlinuz" "lib/modules/$2/vmlinuz"; do
		[ -f "$1/$p" ] && { echo "$p"; return; }
	done
}

# Download and unpack the packages of one image into DIR. Fails with a message on stderr.
fetch_image() { # series package version dir
	local s=$1 pkg=$2 ver=$3 dir=$4 rel tmp deb dep vmlinuz
	local -a want=("$pkg=$ver") missing=()
	rel=$(release_of "$pkg")
	# The split packages of 6.19+: the kernel, its modules and linux-base, each at the image's
	# version; those the archive lacks are noted (6.19-7.1 have no modules package).
	while read -r dep; do
		[ -n "$dep" ] || continue
		if have_version "$dep" "$ver"; then want+=("$dep=$ver"); else missing+=("$dep"); fi
	done < <(pkg_field "$pkg" "$ver" Depends | tr ',|' '\n' | sed 's/^ *//; s/ .*//' |
		grep -E "^linux-(binary|modules|base)(-unsigned)?-${rel//+/\\+}\$" || true)
	log "$s: fetching ${want[*]}${missing[*]:+ (not in the archive: ${missing[*]})}"
	tmp=$(mktemp -d "$cache/.dl.XXXXXX")
	# A stale package list can name a file the mirror no longer has: update once and retry.
	if ! (cd "$tmp" && apt-get "${apt_opts[@]}" -q download "${want[@]}" >&2); then
		apt_update
		(cd "$tmp" && apt-get "${apt_opts[@]}" -q download "${want[@]}" >&2) || {
			rm -rf "$tmp"
			echo "$s: apt-get download ${want[*]} failed" >&2
			return 1
		}
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	for deb in "$tmp"/*.deb; do
		dpkg -x "$deb" "$dir" || { rm -rf "$tmp"; echo "$s: dpkg -x $deb failed" >&2; return 1; }
	done
	rm -rf "$tmp"
	vmlinuz=$(find_vmlinuz "$dir" "$rel")
	[ -n "$vmlinuz" ] || { echo "$s: no kernel image for $rel in ${want[*]}" >&2; return 1; }
	ln -sfn "$vmlinuz" "$dir/vmlinuz"
	# Debian generates modules.dep at install time (postinst), so it is not in the package:
	# mkinitramfs.sh reads module dependencies from the .ko files themselves.
	local mods=yes
	if [ ! -d "$dir/lib/modules/$rel/kernel" ] && [ ! -d "$dir/usr/lib/modules/$rel/kernel" ]; then
		mods=no
		log "$s: $rel comes without modules (${missing[*]:-no modules in $pkg}): the guest will have no zram swap"
	fi
	log "$s: extracting vmlinux from $vmlinuz"
	extract_vmlinux "$dir/vmlinuz" "$dir/vmlinux" || return 1
	{
		echo "$pkg $ver"
		echo "packages ${want[*]}"
		echo "missing ${missing[*]:-}"
		echo "modules $mods"
	} >"$dir/.complete"
}

# Older cache entries have no vmlinuz link (the kernel was always boot/vmlinuz-REL then).
fix_entry() {
	local dir=$1 rel v
	rel=$(basename "$dir")
	[ -e "$dir/vmlinuz" ] || { v=$(find_vmlinuz "$dir" "$rel") && [ -n "$v" ] && ln -sfn "$v" "$dir/vmlinuz"; } || true
}

fetch_series() {
	local s=$1 pkg="" ver="" rel dir
	# Asking apt costs a few seconds per series: a cache entry checked recently is used as is.
	local stamp="$cache/.checked-$s" fresh=0
	if [ -f "$cache/$s/.complete" ] && [ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mmin -$((recheck_hours * 60)) 2>/dev/null)" ]; then
		fresh=1
	fi
	if [ "$offline" = 0 ] && [ "$fresh" = 0 ]; then
		# shellcheck disable=SC2046
		if [ "$private_apt" = 0 ] && host_has_suite $(suites_of "$s"); then
			read -r pkg ver <<<"$(resolve_pkg "$s")"
			if [ -z "${pkg:-}" ]; then
				apt_update
				read -r pkg ver <<<"$(resolve_pkg "$s")"
			fi
		fi
		if [ -z "${pkg:-}" ]; then
			use_private_apt
			read -r pkg ver <<<"$(resolve_pkg "$s")"
		fi
	fi
	if [ -z "${pkg:-}" ]; then
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
			fix_entry "$cache/$rel"
			echo "$s $rel $cache/$rel"
			return
		fi
		if [ "$offline" = 1 ]; then
			echo "fetch-kernels: $s: offline and not in the cache $cache" >&2
		else
			echo "fetch-kernels: $s: no linux-image package of series $s in $(suites_of "$s")" >&2
		fi
		return 1
	fi
	rel=$(release_of "$pkg")
	dir="$cache/$rel"
	if [ ! -f "$dir/.complete" ]; then
		fetch_image "$s" "$pkg" "$ver" "$dir" || { rm -rf "$dir"; return 1; }
	else
		log "$s: $rel already cached"
		fix_entry "$dir"
	fi
	# The series name points at the release last fetched, for offline use.
	ln -sfn "$rel" "$cache/$s.tmp" && mv -T "$cache/$s.tmp" "$cache/$s"
	touch "$stamp"
	echo "$s $rel $dir"
}

# MEMCGCTL_VM_PRIVATE_APT=1 uses the private configuration from the start (to test it, or to
# keep the host's package lists out of it).
[ "${MEMCGCTL_VM_PRIVATE_APT:-0}" = 0 ] || [ "$offline" = 1 ] || use_private_apt

rc=0
for s in "${series[@]}"; do
	fetch_series "$s" || { log "$s: FAILED"; rc=1; }
done
exit "$rc"
