#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make install honours DESTDIR, PREFIX and SYSTEMDUNITDIR, installs the
# systemd units pointing at the installed binary, and the units are ones
# systemd accepts (systemd-analyze verify) with arguments memcgctl takes.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
out=$(dirname "$MEMCGCTL")
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
check_eq "uninstall-removes-all" "" "$(find "$d" -type f)"

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
