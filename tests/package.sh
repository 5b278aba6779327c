#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package on this very system: lintian, dpkg -i, run, purge, and
# nothing left behind.  tests/package.sh [DEB]: without DEB it runs make deb
# first (and checks that the tree is left as it was); `make check-deb` is that.  Needs root and dpkg; changes the real
# system (the package is purged again, also on failure), so it refuses to
# run where a memcgctl package is already installed.  `memcgctl feature`
# loads BPF probes: on a shared machine run this under the host lock.
# Ends with "N passed, N failed, N skipped" like tests/run.sh.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
deb=${1:-build/deb/memcgctl_${version}_$(dpkg --print-architecture 2>/dev/null).deb}
export MEMCGCTL=/usr/sbin/memcgctl MEMCGCTL_TEST_BIN=/nonexistent
T_RESULTS=$(mktemp)
export T_RESULTS
. tests/lib.sh

summary() {
	local p f s
	p=$(grep -c '^pass' "$T_RESULTS") f=$(grep -c '^fail' "$T_RESULTS") s=$(grep -c '^skip' "$T_RESULTS")
	rm -f "$T_RESULTS"
	echo "$p passed, $f failed, $s skipped"
	((f == 0))
}

if [[ $(id -u) -ne 0 ]] || ! command -v dpkg >/dev/null; then
	t_skip "package" "needs root and dpkg"; summary; exit
fi
if dpkg-query -W -f='${Status}' memcgctl 2>/dev/null | grep -q installed; then
	t_skip "package" "a memcgctl package is installed already; not touching it"; summary; exit
fi
if [[ -z ${1:-} ]]; then
	# make deb works in a copy: the tree's status is what it was
	before=$(git status --porcelain --ignored 2>/dev/null | grep -v '^!! build/$')
	out=$(make -s --no-print-directory deb 2>&1)
	rc=$?
	check_eq "make-deb" "0" "$rc"
	((rc == 0)) || echo "$out"
	after=$(git status --porcelain --ignored 2>/dev/null | grep -v '^!! build/$')
	check_eq "make-deb-leaves-tree-alone" "$before" "$after"
fi
if [[ ! -f $deb ]]; then
	t_fail "package-built" "no $deb (make deb builds it)"; summary; exit
fi

check_eq "deb-version-is-the-tree's" "$version" "$(dpkg-deb -f "$deb" Version)"
check_eq "deb-name" "memcgctl" "$(dpkg-deb -f "$deb" Package)"
check "deb-depends-from-shlibs" grep -q 'libbpf1' <<<"$(dpkg-deb -f "$deb" Depends)"
changes=${deb%.deb}.changes
if command -v lintian >/dev/null && [[ -f $changes ]]; then
	l=$(lintian --fail-on error,warning "$changes" 2>&1 | grep -E '^[EW]: ')
	check_eq "lintian-clean" "" "$l"
else
	t_skip "lintian-clean" "needs lintian and $changes"
fi

# what exists before: a path the package lists may be shared (/usr, /usr/share)
files=$(dpkg-deb -c "$deb" | awk '{ print substr($6, 2) }' | sed 's|/$||' | grep -v '^$')
pre=$T_TMP/pre
while read -r f; do [[ -e $f ]] && echo "$f"; done <<<"$files" >"$pre"
cleanup() {
	dpkg-query -W memcgctl >/dev/null 2>&1 && dpkg --purge memcgctl >/dev/null 2>&1
	cg_cleanup
}
trap cleanup EXIT

out=$(dpkg -i "$deb" 2>&1)
rc=$?
check_eq "dpkg-i" "0" "$rc"
((rc == 0)) || echo "$out"
check_eq "dpkg-status" "install ok installed" "$(dpkg-query -W -f='${Status}' memcgctl 2>&1)"
check_eq "installed-version" "memcgctl $version" "$(/usr/sbin/memcgctl --version 2>&1)"
run_mc -j feature
check_eq "installed-feature-rc" "0" "$RC"
check_json "installed-feature-json" 'type == "object" and length > 0'
check_no_leaks "installed-feature-no-leaks"
check "installed-man-page" test -s /usr/share/man/man8/memcgctl.8.gz
check "installed-completion" bash -c 'source /usr/share/bash-completion/completions/memcgctl &&
	complete -p memcgctl | grep -q _memcgctl'
listed=$(dpkg -L memcgctl | grep -vx '/\.')
check "dpkg-L-lists-binary" grep -qx /usr/sbin/memcgctl <<<"$listed"

out=$(dpkg --purge memcgctl 2>&1)
rc=$?
check_eq "dpkg-purge" "0" "$rc"
((rc == 0)) || echo "$out"
check_eq "purged-status" "" "$(dpkg-query -W -f='${Status}' memcgctl 2>/dev/null | grep installed)"
left=$(while read -r f; do
	[[ -e $f || -L $f ]] && ! grep -qxF "$f" "$pre" && echo "$f"
done <<<"$listed")
check_eq "purge-leaves-nothing" "" "$(echo $left)"
check_eq "purge-no-dpkg-info" "" "$(ls /var/lib/dpkg/info/memcgctl.* 2>/dev/null)"
check_eq "purge-no-pins" "" "$(ls /sys/fs/bpf/memcgctl 2>/dev/null)"
# units are neither enabled on install nor remembered after purge
check_eq "purge-no-unit-state" "" "$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
	/var/lib/systemd/deb-systemd-helper-masked -name '*memcgctl*' 2>/dev/null)"
summary
