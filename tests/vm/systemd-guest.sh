#!/bin/bash
# shellcheck disable=SC2317  # predicates are called through wait_until
# SPDX-License-Identifier: GPL-2.0-only
# The package on a fresh Debian under systemd: run inside the guest that tests/vm/systemd.sh
# builds, by memcgctl-vmtest.service, once per boot. It is an ordinary Debian 12 (debootstrap
# minbase with the package's dependencies) with systemd as PID 1 and cgroup v2 as systemd sets it
# up, and the package is not installed before boot 1.
#   boot 1: install the .deb, check that installing started nothing, verify the units, run the
#           exporter under its own unit (its sandboxing included) through a real reclaim and a
#           real OOM kill and check its counters moved, write a policy file, enable the units,
#           reboot;
#   boot 2: the policy is back after the reboot (applied at boot by memcgctl-policies.service),
#           the exporter is running again with counters from its new start, reload applies an
#           edited file, and purging the package leaves nothing behind.
# Each check prints "ok   systemd/NAME" or "FAIL systemd/NAME: why" on the serial
# console; boot 2 ends with the marker line
#   MEMCGCTL-VM-RESULT rc=<0|1> summary=<N passed, N failed, N skipped over both boots>
# and powers the guest off. The exporter's output of boot 1 is kept in /root/vmtest/out for the
# host, which checks it with promtool.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8

D=/root/vmtest
OUT=$D/out
RES=$D/results
PROM=/var/lib/prometheus/node-exporter/memcgctl.prom
APP=memcgctltest-app.service	# a service whose cgroup the policy file names
SLICE=memcgctltest.slice	# a 32M slice for the workloads
mkdir -p "$OUT"

t_ok()   { echo "ok   systemd/$1"; echo "pass $1" >>"$RES"; }
t_fail() { echo "FAIL systemd/$1: $2"; echo "fail $1" >>"$RES"; }
check() {
	local name=$1; shift
	if "$@" >"$OUT/last" 2>&1; then t_ok "$name"; else t_fail "$name" "failed: $* ($(head -c 300 "$OUT/last" | tr '\n' ' '))"; fi
}
check_eq() { if [[ "$2" == "$3" ]]; then t_ok "$1"; else t_fail "$1" "want '$2', got '$3'"; fi; }
# wait_until SECONDS CMD...: true as soon as CMD succeeds, false after SECONDS
wait_until() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}
finish() {
	local p f s
	p=$(grep -c '^pass' "$RES") f=$(grep -c '^fail' "$RES") s=$(grep -c '^skip' "$RES")
	echo "MEMCGCTL-VM-RESULT rc=$((f > 0)) summary=$p passed, $f failed, $s skipped"
	sync
	systemctl poweroff --no-block
	exit 0
}
# the value of the first sample of METRIC whose labels contain LABEL, from the textfile
sample() {
	awk -v m="$1" -v l="$2" 'index($0, m "{") == 1 && index($0, l) { print $NF; exit }' "$PROM"
}
positive() { awk -v x="$1" 'BEGIN { exit !(x != "" && x + 0 > 0) }'; }
# the mtime of the textfile is later than T (epoch seconds)
prom_newer_than() { [[ -s $PROM ]] && (($(stat -c %Y "$PROM") > $1)); }

phase=1
[[ -f $D/phase ]] && phase=$(cat "$D/phase")
echo "memcgctl systemd guest: boot $phase, kernel $(uname -r)"

if [[ $phase == 1 ]]; then
	: >"$RES"
	check_eq "pid1-is-systemd" "systemd" "$(cat /proc/1/comm)"
	check_eq "cgroup2-unified" "cgroup2fs" "$(stat -fc %T /sys/fs/cgroup)"
	check "bpffs-mounted-by-systemd" mountpoint -q /sys/fs/bpf

	# --- install on the fresh system: dpkg alone, no network, no apt
	check "dpkg-install" dpkg -i "$D/memcgctl.deb"
	check "binary-runs" memcgctl version
	check_eq "install-enables-nothing" "disabled disabled" \
		"$(systemctl is-enabled memcgctl-exporter.service memcgctl-policies.service | tr '\n' ' ' | sed 's/ $//')"
	check_eq "install-starts-nothing" "inactive inactive" \
		"$(systemctl is-active memcgctl-exporter.service memcgctl-policies.service | tr '\n' ' ' | sed 's/ $//')"
	check "install-pins-nothing" test ! -e /sys/fs/bpf/memcgctl
	for u in memcgctl-exporter.service memcgctl-policies.service; do
		check "verify-$u" systemd-analyze verify --man=no "/lib/systemd/system/$u"
	done

	# --- the exporter under its unit and its sandbox; node_exporter's directory may not exist yet
	t0=$(date +%s)
	check "exporter-enable-now" systemctl enable --now memcgctl-exporter.service
	if wait_until 60 test -s "$PROM"; then t_ok "exporter-writes-textfile"; else
		t_fail "exporter-writes-textfile" "no $PROM after 60 s: $(systemctl status --no-pager -l memcgctl-exporter.service 2>&1 | tail -n 5 | tr '\n' ' ')"
	fi
	check_eq "exporter-active" "active" "$(systemctl is-active memcgctl-exporter.service)"
	check "exporter-has-bpf" grep -q '^memcgctl_top_bpf{.*} 1$' "$PROM"
	st=$(awk '/^memcgctl_start_time_seconds/ { print int($NF); exit }' "$PROM")
	if [[ -n $st ]] && ((st >= t0 - 1 && st <= $(date +%s))); then t_ok "exporter-start-time"; else
		t_fail "exporter-start-time" "memcgctl_start_time_seconds '$st', the unit started at $t0"
	fi

	# A real reclaim and a real OOM kill in a 32M slice: page cache beyond the limit is
	# reclaimed, then 64M of anonymous memory without swap is OOM-killed.
	mkdir -p /etc/systemd/system
	printf '[Unit]\nDescription=memcgctl test workloads\n[Slice]\nMemoryMax=32M\nMemorySwapMax=0\n' \
		>"/etc/systemd/system/$SLICE"
	systemctl daemon-reload
	check "slice-start" systemctl start "$SLICE"
	systemd-run --quiet --wait --slice="$SLICE" --unit=memcgctltest-cache \
		dd if=/dev/zero of=/var/tmp/memcgctltest.cache bs=1M count=96 status=none
	systemd-run --quiet --wait --slice="$SLICE" --unit=memcgctltest-oom "$D/hog" -q -s 64M -c 1M
	check_eq "oom-workload-killed" "oom-kill" "$(systemctl show -P Result memcgctltest-oom.service 2>/dev/null)"
	rm -f /var/tmp/memcgctltest.cache
	label="cgroup=\"/$SLICE\""
	oom_counted() { positive "$(sample memcgctl_oom_victims_total "$label")"; }
	if wait_until 60 oom_counted; then
		t_ok "exporter-oom-victims-moved"
	else
		t_fail "exporter-oom-victims-moved" "memcgctl_oom_victims_total{$label} is '$(sample memcgctl_oom_victims_total "$label")'"
	fi
	if positive "$(sample memcgctl_reclaimed_pages_total "$label")"; then t_ok "exporter-reclaim-moved"; else
		t_fail "exporter-reclaim-moved" "memcgctl_reclaimed_pages_total{$label} is '$(sample memcgctl_reclaimed_pages_total "$label")'"
	fi
	cp "$PROM" "$OUT/memcgctl.prom"

	# --- a policy file for the next boot, for a service that starts at boot
	printf '[Unit]\nDescription=memcgctl test application\n[Service]\nExecStart=/bin/sleep infinity\nMemoryMax=256M\n[Install]\nWantedBy=multi-user.target\n' \
		>"/etc/systemd/system/$APP"
	mkdir -p /etc/memcgctl /etc/systemd/system/memcgctl-policies.service.d
	echo "vmtest  pressure  system.slice/$APP  threshold_pct=90" >/etc/memcgctl/policies.conf
	# what memcgctl-policies.service's comment asks for: order it after the named cgroup's unit
	printf '[Unit]\nAfter=%s\nWants=%s\n' "$APP" "$APP" >/etc/systemd/system/memcgctl-policies.service.d/order.conf
	systemctl daemon-reload
	check "app-enable" systemctl enable "$APP"
	check "policies-enable" systemctl enable memcgctl-policies.service
	check "nothing-loaded-before-reboot" test ! -e /sys/fs/bpf/memcgctl/vmtest
	echo 2 >"$D/phase"
	sync
	echo "memcgctl systemd guest: rebooting"
	systemctl reboot --no-block
	exit 0
fi

# --- boot 2: what came back by itself
boot=$(($(date +%s) - $(awk '{ print int($1) }' /proc/uptime)))
check_eq "policies-unit-active" "active" "$(systemctl is-active memcgctl-policies.service)"
check "policy-back-after-reboot" memcgctl policy show vmtest
got=$(memcgctl -j policy show vmtest 2>&1)
check_eq "policy-cgroup" "/system.slice/$APP 90" "$(jq -r '"\(.cgroup) \(.parameters.threshold_pct)"' <<<"$got" 2>&1)"
check_eq "exporter-active-after-reboot" "active" "$(systemctl is-active memcgctl-exporter.service)"
if wait_until 60 prom_newer_than "$boot"; then t_ok "exporter-rewrites-after-reboot"; else
	t_fail "exporter-rewrites-after-reboot" "$PROM not rewritten since boot"
fi
st=$(awk '/^memcgctl_start_time_seconds/ { print int($NF); exit }' "$PROM")
if [[ -n $st ]] && ((st >= boot)); then t_ok "exporter-counts-from-this-boot"; else
	t_fail "exporter-counts-from-this-boot" "memcgctl_start_time_seconds '$st', boot at $boot"
fi

# --- an edited file, applied by reload; then a removed line unloads the policy
echo "vmtest  pressure  system.slice/$APP  threshold_pct=80" >/etc/memcgctl/policies.conf
check "reload-applies" systemctl reload memcgctl-policies.service
check_eq "reload-changed-parameter" "80" "$(memcgctl -j policy show vmtest 2>&1 | jq -r .parameters.threshold_pct 2>&1)"
: >/etc/memcgctl/policies.conf
check "reload-removes" systemctl reload memcgctl-policies.service
check "policy-gone" test ! -e /sys/fs/bpf/memcgctl/vmtest

# --- stopping the exporter is clean; purging leaves nothing behind
check "exporter-stop" systemctl stop memcgctl-exporter.service
check_eq "exporter-stopped-cleanly" "success" "$(systemctl show -P Result memcgctl-exporter.service)"
check "purge" dpkg --purge memcgctl
check "binary-gone" test ! -e /usr/sbin/memcgctl
check "units-gone" test ! -e /lib/systemd/system/memcgctl-exporter.service -a ! -e /lib/systemd/system/memcgctl-policies.service
left=$(systemctl list-units --all --no-legend 'memcgctl-*' 2>/dev/null | awk '$1 != "memcgctl-vmtest.service" && !/not-found/ { print $1 }' | tr '\n' ' ')
check_eq "no-unit-left-loaded" "" "$left"
finish
