#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make install / uninstall into a scratch DESTDIR: the file list, a binary
# without DWARF (neither its own nor that of the BPF objects it embeds),
# STRIP honoured, systemd units where SYSTEMDUNITDIR says, and uninstall
# removing exactly what install put there.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1

out=$(dirname "$MEMCGCTL")
readelf=$(command -v readelf || command -v llvm-readelf)
# -o: install what the tier is testing, never rebuild it here
mk() { make -s --no-print-directory -o "$out/memcgctl" OUT="$out" PREFIX=/usr "$@" >/dev/null; }

# a unit of our own, so that the systemd path is tested whatever systemd/ holds
unit=$T_TMP/memcgctl-test.service
printf '[Unit]\nDescription=test\n' >"$unit"
units="$(echo $(ls systemd/*.service 2>/dev/null)) $unit"

dest=$T_TMP/root
check "install-runs" mk install DESTDIR="$dest" SYSTEMD_UNITS="$units" \
	SYSTEMDUNITDIR=/usr/lib/systemd/system
want=$( { echo usr/sbin/memcgctl
	  echo usr/share/bash-completion/completions/memcgctl
	  for m in man/*.8; do echo "usr/share/man/man8/${m#man/}"; done
	  for j in schema/*.schema.json; do echo "usr/share/memcgctl/schema/${j#schema/}"; done
	  for u in $units; do echo "usr/lib/systemd/system/$(basename "$u")"; done; } | sort)
got=$(cd "$dest" && find . -type f | sed 's|^\./||' | sort)
check_eq "install-file-list" "$(echo $want)" "$(echo $got)"
bin=$dest/usr/sbin/memcgctl
check_eq "install-binary-mode" "755" "$(stat -c %a "$bin" 2>/dev/null)"
check_eq "install-manpage-mode" "644" "$(stat -c %a "$dest/usr/share/man/man8/memcgctl.8" 2>/dev/null)"
sections=$("$readelf" -S -W "$bin" 2>&1)
check "install-binary-is-elf" grep -q '\.text' <<<"$sections"
check_eq "install-binary-no-dwarf" "" "$(grep -o '\.debug_[a-z_]*' <<<"$sections" | sort -u | tr '\n' ' ')"
check_eq "install-binary-no-symtab" "" "$(grep -o '\.symtab' <<<"$sections")"
# the embedded BPF objects are ELF files inside .rodata: their section names
# would show as strings if their DWARF had been kept
check_eq "install-embedded-objects-no-dwarf" "0" "$(grep -ac '\.debug_' "$bin")"
size=$(stat -c %s "$bin")
echo "     installed binary: $size bytes"
if "$readelf" -d "$bin" | grep -q 'libasan'; then
	t_skip "install-binary-under-2M" "an ASan build is larger"
else
	check "install-binary-under-2M" test "$size" -lt $((2 << 20))
fi
check_eq "install-binary-runs" "$("$MEMCGCTL" --version)" "$("$bin" --version 2>&1)"

check "uninstall-runs" mk uninstall DESTDIR="$dest" SYSTEMD_UNITS="$units" \
	SYSTEMDUNITDIR=/usr/lib/systemd/system
check_eq "uninstall-removes-all" "" "$(cd "$dest" && find . -type f)"

# STRIP=true: the symbols stay, for a packager whose own tool strips
dest=$T_TMP/keep
check "install-strip-true" mk install DESTDIR="$dest" STRIP=true SYSTEMD_UNITS=
check "install-strip-true-keeps-symtab" grep -q '\.symtab' <<<"$("$readelf" -S -W "$dest/usr/sbin/memcgctl")"
check_eq "install-no-units-no-dir" "" "$(ls -d "$dest/usr/lib/systemd" 2>/dev/null)"
rm -rf "$T_TMP"/root "$T_TMP"/keep

# debian/control builds from what scripts/install-deps.sh installs to build
# (less make and gcc, which build-essential brings)
want=$(sed -n '/^build_pkgs=(/,/)/p' scripts/install-deps.sh | tr -d '()' | sed 's/build_pkgs=//' |
	tr ' \t' '\n\n' | grep -v '^$' | grep -vx 'make\|gcc' | sort)
got=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed '$d; s/^Build-Depends://' |
	tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -v '^$\|^debhelper-compat' | sort)
check "deb-build-depends-listed" test -n "$got"
check_eq "deb-build-depends-match-install-deps" "$(echo $want)" "$(echo $got)"
# one version: the package's comes from the Makefile, like the binary's
check "deb-no-committed-changelog" test ! -e debian/changelog

# ---- the units as installed (exporter and policies) ----

unit=memcgctl-exporter.service

d=$T_TMP/usr
make -s install OUT="$out" DESTDIR="$d" PREFIX=/usr >"$T_TMP/make.out" 2>&1
check_eq "install-rc" 0 "$?"
check "install-binary" test -x "$d/usr/sbin/memcgctl"
check_eq "install-unit-mode" 644 "$(stat -c %a "$d/usr/lib/systemd/system/$unit" 2>&1)"
check "install-unit-execstart" grep -qx 'ExecStart=/usr/sbin/memcgctl top --textfile /var/lib/prometheus/node-exporter/memcgctl.prom .*' "$d/usr/lib/systemd/system/$unit"

d=$T_TMP/local
make -s install OUT="$out" DESTDIR="$d" PREFIX=/usr/local SYSTEMDUNITDIR=/etc/systemd/system >"$T_TMP/make.out" 2>&1
check_eq "install-prefix-rc" 0 "$?"
check "install-prefix-unitdir" test -f "$d/etc/systemd/system/$unit"
check "install-prefix-execstart" grep -q '^ExecStart=/usr/local/sbin/memcgctl top ' "$d/etc/systemd/system/$unit"
make -s uninstall OUT="$out" DESTDIR="$d" PREFIX=/usr/local SYSTEMDUNITDIR=/etc/systemd/system >/dev/null 2>&1
check_eq "unit-uninstall-removes-all" "" "$(find "$d" -type f)"

# what systemd says of the unit, pointed at the binary under test
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/sbin/memcgctl|$MEMCGCTL|" "systemd/$unit" >"$T_TMP/$unit"
	w=$(systemd-analyze verify --man=no "$T_TMP/$unit" 2>&1)
	check_eq "unit-verifies-clean" "" "$w"
else
	t_skip "unit-verifies-clean" "no systemd-analyze"
fi
# the unit's arguments are ones top takes: with a directory that is not
# there it fails at the file (1), not at the options (2)
args=$(sed -n 's|^ExecStart=/usr/sbin/memcgctl ||p' "systemd/$unit")
run_mc ${args//\/var\/lib\/prometheus\/node-exporter/$T_TMP/missing}
check_eq "unit-args-parse" 1 "$RC"
check "unit-args-reach-the-file" grep -q "$T_TMP/missing: No such file or directory" <<<"$ERR"
