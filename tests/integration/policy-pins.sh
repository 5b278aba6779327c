#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The pin root on bpffs is shared with every local user (bpffs is mode
# 1777): memcgctl trusts only a root-owned 0700 directory on bpffs, and
# never follows, adopts or removes what someone else planted there.
. "$(dirname "$0")/../lib.sh"
need_root

P="t$$"
PIN=/sys/fs/bpf/memcgctl
SCRATCH=$(mktemp -d -p /var/tmp memcgctl-pins.XXXXXX)
MADE_ROOT=0		# 1 while a foreign pin root made by this test exists

pins_cleanup() {
	local n
	rm -f "$PIN/${P}_link" 2>/dev/null
	[[ $MADE_ROOT == 1 ]] && { rm -f "$PIN" 2>/dev/null; rmdir "$PIN" 2>/dev/null; }
	for n in $(ls "$PIN" 2>/dev/null | grep "^${P}_"); do
		rm -f "$PIN/$n/maps/evil" 2>/dev/null
		"$MEMCGCTL" policy unload "$n" >/dev/null 2>&1
	done
	rm -rf "$SCRATCH"
	cg_cleanup
}
trap pins_cleanup EXIT

mkdir "$SCRATCH/victim"
echo keep >"$SCRATCH/victim/precious"
cg_new pins 64M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg=$CG_REL

# ---- links planted in a trusted root ---------------------------------------
run_mc policy load pressure name "${P}_a" cgroup "$cg"
check_eq "load-rc" 0 "$RC"
check_eq "root-mode" "700 0" "$(stat -c '%a %u' "$PIN")"

ln -s "$SCRATCH/victim" "$PIN/${P}_link"
run_mc policy unload "${P}_link"
check "unload-link-fails" test "$RC" -ne 0
one_line_err "unload-link-one-line"
check "unload-link-says-link" grep -q "symbolic link" <<<"$ERR"
check "unload-link-not-unloaded" bash -c "! grep -q unloaded <<<'$OUT'"
check "unload-link-target-kept" test -f "$SCRATCH/victim/precious"
check "unload-link-left-alone" test -L "$PIN/${P}_link"
# with a loaded policy beside it: one JSON document, the error, and nothing removed
run_mc -j policy unload "${P}_a" "${P}_link"
check_eq "unload-link-json-rc" 1 "$RC"
check "unload-link-json-one-document" jq -se 'length == 1 and (.[0].error | test("symbolic link"))' <<<"$OUT"
check "unload-link-json-nothing-removed" test -e "$PIN/${P}_a/meta"
run_mc policy show "${P}_link"
check "show-link-refused" test "$RC" -ne 0 -a "$RC" -ne 2
one_line_err "show-link-one-line"
run_mc -j policy list
check_json "list-skips-link" "[.[] | .name] | index(\"${P}_link\") == null and index(\"${P}_a\") != null"
rm -f "$PIN/${P}_link"

# a link inside a policy's own tree: the whole tree stays, nothing followed
ln -s "$SCRATCH/victim" "$PIN/${P}_a/maps/evil"
run_mc policy unload "${P}_a"
check "unload-inner-link-fails" test "$RC" -ne 0
one_line_err "unload-inner-link-one-line"
check "unload-inner-link-target-kept" test -f "$SCRATCH/victim/precious"
check "unload-inner-link-tree-kept" test -e "$PIN/${P}_a/meta"
rm -f "$PIN/${P}_a/maps/evil"
run_mc policy unload "${P}_a"
check_eq "unload-after-rc" 0 "$RC"
check "unload-after-says" grep -q "unloaded policy '${P}_a'" <<<"$OUT"
check "unload-after-gone" test ! -e "$PIN/${P}_a"

# ---- mounting bpffs and tracefs where they are missing ------------------------
# in a private mount namespace: the host's mounts stay as they are
if unshare -m --propagation private true 2>/dev/null; then
	NS=$SCRATCH/ns
	unshare -m --propagation private bash -c '
		umount /sys/fs/bpf 2>/dev/null
		umount /sys/kernel/debug/tracing 2>/dev/null
		umount /sys/kernel/tracing 2>/dev/null
		test -e /sys/kernel/tracing/events -o -e /sys/kernel/debug/tracing/events && echo still-mounted
		"$1" policy load pressure name "$2" cgroup "$3" 2>"$4.err" >"$4.out"
		echo "rc $?"
		findmnt -n -o FSTYPE,OPTIONS /sys/fs/bpf
		findmnt -n -o FSTYPE,OPTIONS /sys/kernel/tracing
		"$1" policy unload "$2" >/dev/null 2>&1
	' _ "$MEMCGCTL" "${P}_ns" "$cg" "$NS" >"$NS.res" 2>&1
	check "ns-load-rc" grep -qx "rc 0" "$NS.res"
	check "ns-bpffs-flags" grep -Eq '^bpf +.*nosuid,nodev,noexec.*mode=700' "$NS.res"
	check "ns-says-bpffs" grep -q "mounted bpffs on /sys/fs/bpf" "$NS.err"
	# where tracefs cannot be unmounted (debugfs' automount of it), it stays found
	if grep -q still-mounted "$NS.res"; then
		t_skip "ns-tracefs" "tracefs stays reachable in the namespace"
		check_eq "ns-says-once" 1 "$(grep -c mounted "$NS.err")"
	else
		check "ns-tracefs-flags" grep -Eq '^tracefs +.*nosuid,nodev,noexec' "$NS.res"
		check "ns-says-tracefs" grep -q "mounted tracefs on /sys/kernel/tracing" "$NS.err"
		check_eq "ns-says-once" 2 "$(grep -c mounted "$NS.err")"
	fi
else
	t_skip "ns-mounts" "unshare -m is not available"
fi

# ---- user objects attach only to the contract's hooks -------------------------
# built here with the project's BPF flags from a source beside this file
SRC=$(cd "$(dirname "$0")" && pwd)
BUILD=$(dirname "$MEMCGCTL")
# The object is kept in $BUILD/tests, which the VM guests get (they have no
# clang): a guest uses what the host built.
build_obj() {	# NAME: $SRC/policy-NAME.bpf.c -> $SCRATCH/NAME.bpf.o, root's, 0644
	local cached=$BUILD/tests/policy-$1.bpf.o
	if command -v clang >/dev/null && [[ -r $BUILD/vmlinux.h ]]; then
		clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I"$BUILD" -I"$SRC/../../bpf" \
			$(test -d /usr/include/x86_64-linux-gnu && echo -I/usr/include/x86_64-linux-gnu) \
			-c "$SRC/policy-$1.bpf.c" -o "$SCRATCH/$1.bpf.o" 2>"$SCRATCH/cc.err" || return 1
		cp "$SCRATCH/$1.bpf.o" "$cached" 2>/dev/null
	elif [[ -s $cached ]]; then
		cp "$cached" "$SCRATCH/$1.bpf.o"
	else
		echo "no clang and no $cached" >"$SCRATCH/cc.err"
		return 1
	fi
	chown root:root "$SCRATCH/$1.bpf.o" && chmod 0644 "$SCRATCH/$1.bpf.o"
}
obj=$SCRATCH/anyhook.bpf.o
if build_obj anyhook; then
	run_mc policy load "$obj" name "${P}_any" cgroup "$cg"
	check_eq "any-hook-refused-rc" 2 "$RC"
	one_line_err "any-hook-refused-one-line"
	check "any-hook-refused-names-hook" grep -q "raw_tp/sys_enter.*not a hook of the policy contract" <<<"$ERR"
	check "any-hook-refused-nothing-pinned" test ! -e "$PIN/${P}_any"
	check "any-hook-refused-nothing-loaded" bash -c "! bpftool -j prog show | jq -e 'any(.[]; .name == \"policy_anyhook_\")' >/dev/null"
	run_mc -j policy load "$obj" name "${P}_any" cgroup "$cg"
	check_json "any-hook-refused-json" '.error | test("not a hook")'
	run_mc -j policy load --any-hook "$obj" name "${P}_any" cgroup "$cg"
	check_eq "any-hook-opt-in-rc" 0 "$RC"
	check_json "any-hook-opt-in-attached" '[.programs[] | select(.attached)] | length == 1'
	run_mc policy unload "${P}_any"
	check_eq "any-hook-unload-rc" 0 "$RC"
else
	t_skip "any-hook" "cannot build the test object here (clang, $BUILD/vmlinux.h): $(head -c 200 "$SCRATCH/cc.err" 2>/dev/null)"
fi

# ---- event records are hostile input too ---------------------------------
# a comm of 16 bytes without a NUL is printed as 16 characters, nothing past it
if build_obj comm; then
	run_mc policy load "$SCRATCH/comm.bpf.o" name "${P}_comm"
	check_eq "comm-load-rc" 0 "$RC"
	cg_new comm-trigger		# a cgroup_mkdir: one event
	run_mc -j policy events "${P}_comm"
	check_eq "comm-events-rc" 0 "$RC"
	check "comm-events-valid-json" jq -se 'length >= 1' <<<"$OUT"
	check "comm-bounded" jq -se 'all(.[]; .comm == "AAAAAAAAAAAAAAAA")' <<<"$OUT"
	run_mc policy unload "${P}_comm"
	check_eq "comm-unload-rc" 0 "$RC"
else
	t_skip "comm" "cannot build the test object here: $(head -c 200 "$SCRATCH/cc.err" 2>/dev/null)"
fi

# ---- a pin root someone else made ------------------------------------------
# only when no one else's policies are loaded: the root must be ours to play with
if [[ -e $PIN ]]; then
	for t in foreign-owner world-writable root-link; do t_skip "$t" "$PIN is in use"; done
	exit 0
fi
try_foreign() {	# NAME: load, list and unload refuse, and $PIN is left as it is
	local name=$1 before
	before=$(stat -c '%F %U %a' "$PIN")
	run_mc policy load pressure name "${P}_f" cgroup "$cg"
	check_eq "$name-load-rc" 1 "$RC"
	one_line_err "$name-load-one-line"
	check "$name-load-says-refusing" grep -q "refusing" <<<"$ERR"
	check_eq "$name-untouched" "$before" "$(stat -c '%F %U %a' "$PIN")"
	check "$name-nothing-pinned" test ! -e "$PIN/${P}_f"
	run_mc policy list
	check_eq "$name-list-rc" 1 "$RC"
	one_line_err "$name-list-one-line"
	run_mc -j policy list
	check_json "$name-list-json" '.error | test("refusing")'
	run_mc policy unload "${P}_f"
	check_eq "$name-unload-rc" 1 "$RC"
	# the event reader (policy events, watch -e policy) goes through the same check
	run_mc policy events
	check_eq "$name-events-rc" 1 "$RC"
	check "$name-events-says-refusing" grep -q "refusing" <<<"$ERR"
	run_mc watch -e policy -D 1s
	check_eq "$name-watch-rc" 1 "$RC"
	check "$name-watch-says-refusing" grep -q "refusing" <<<"$ERR"
}
MADE_ROOT=1
mkdir -m 0700 "$PIN" && chown nobody "$PIN"
try_foreign foreign-owner
rmdir "$PIN"
mkdir "$PIN" && chmod 0777 "$PIN"
try_foreign world-writable
rmdir "$PIN"
ln -s "$SCRATCH/victim" "$PIN"
try_foreign root-link
check "root-link-target-kept" test -f "$SCRATCH/victim/precious"
rm -f "$PIN"
MADE_ROOT=0
check_no_leaks "no-bpf-leaks" '^policy_'
