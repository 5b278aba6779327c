#!/usr/bin/env bash
# Run memcgctl's integration suite (or another script) inside QEMU guests booted from Debian's own
# kernels, with cgroup v2 + the memory controller, zram swap, bpffs and tracefs.
#
# Usage: tests/vm/run.sh [options]
#   --kernel K       a kernel series: MAJOR.MINOR (6.1, 6.12, 6.18, 7.0, 7.3, ...: the newest point
#                    release of it), MAJOR (7: the newest 7.x), latest, or all (the default set,
#                    `fetch-kernels.sh --defaults`: 6.1 6.12 6.18 7); repeat or give "6.1 7.3"
#   --jobs N         boot up to N guests side by side (default 2; each guest is one vCPU)
#   --script PATH    script to run in the guest, inside the repo (default tests/integration/run.sh)
#   --only A,B       run only these test files of the suite (e.g. --only watch,notify)
#   --keep-log DIR   copy every console log there (failed runs' logs are always kept)
#   --build DIR      build directory with memcgctl and tests/ (default: build)
#   --cache DIR      kernel cache (default tests/vm/.cache)
#   --machine M      microvm (default: uncompressed vmlinux, fastest) or pc (bzImage)
#   --timeout SEC    wall-clock bound of one boot (default 2400); the guest stops the script 60 s
#                    earlier so that it can still report
#   --mem SIZE       guest memory (default 768M)      --zram SIZE   zram swap (default 512M)
#   --append ARGS    extra kernel command line        --offline     no apt, cached kernels only
#   --verbose        also show the kernel's console messages
#   --shell          boot one kernel interactively with a shell instead of the script
# Prints the script's output prefixed with the kernel series, a result line per kernel (counts,
# boot time, total time), and finally "vm: N passed, N failed, N skipped" over all kernels. Exits
# non-zero if anything failed, a guest printed no result marker (panic, hang, timeout), or a kernel
# could not be fetched. Always runs QEMU with TCG (no KVM) and one vCPU per guest.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache="$here/.cache"
kernels=() script=tests/integration/run.sh keep="" build="$repo/build" machine=microvm
timeout_s=2400 mem=768M zram=512M append="" offline=() verbose=0 shell=0 jobs=2

die() { echo "vm: $*" >&2; exit 2; }
usage() { sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) read -r -a ks <<<"${2//,/ }"; kernels+=("${ks[@]}"); shift 2 ;;
	--jobs|-j) jobs=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--keep-log) keep=$2; shift 2 ;;
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--cache) mkdir -p "$2"; cache=$(cd "$2" && pwd); shift 2 ;;
	--machine) machine=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--zram) zram=$2; shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	--only) append="$append memcgctl.only=$2"; shift 2 ;;
	--offline) offline=(--offline); shift ;;
	-v|--verbose) verbose=1; shift ;;
	--shell) shell=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(all)
# The series names themselves are fetch-kernels.sh's business (it refuses what it does not know).
sel=()
for k in "${kernels[@]}"; do
	if [ "$k" = all ]; then
		read -r -a ks <<<"$("$here/fetch-kernels.sh" --defaults)"
		sel+=("${ks[@]}")
	else
		sel+=("$k")
	fi
done
case "$machine" in microvm|pc) ;; *) die "--machine is microvm or pc" ;; esac
{ [[ "$timeout_s" =~ ^[0-9]+$ ]] && [ "$timeout_s" -ge 120 ]; } || die "--timeout needs at least 120 seconds"
{ [[ "$jobs" =~ ^[0-9]+$ ]] && [ "$jobs" -ge 1 ]; } || die "--jobs needs a number >= 1"
[ "$shell" = 0 ] || [ ${#sel[@]} = 1 ] || die "--shell boots one kernel: give one --kernel"
missing=()
for c in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static jq:jq cpio:cpio zstd:zstd xz:xz-utils \
	dpkg-deb:dpkg apt-get:apt ldd:libc-bin timeout:coreutils flock:util-linux; do
	command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
done
[ ${#missing[@]} -eq 0 ] || die "missing tools: apt-get install ${missing[*]}"
[ -n "$keep" ] && mkdir -p "$keep" && keep=$(cd "$keep" && pwd)

# TCG reads the host's TSC for the guest's, so the guest's TSC runs at the host's TSC frequency.
# microvm has no PIT/HPET to calibrate against: without tsc_early_khz the kernel hangs at boot.
host_tsc_khz() {
	local mhz
	mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n1)
	[ -n "$mhz" ] || mhz=$(awk -F: '/^cpu MHz/ {gsub(/ /, "", $2); print $2; exit}' /proc/cpuinfo)
	[ -n "$mhz" ] || mhz=2000
	awk -v m="$mhz" 'BEGIN {printf "%d\n", m * 1000}'
}

mkdir -p "$cache"
work=$(mktemp -d "$cache/run.XXXXXX")
job_pids=()
cleanup() {
	local p f
	set +e # runs on the way out: finish every step whatever fails
	# Never leave a QEMU behind: the pids QEMU wrote, then the guests' jobs and the timeout and
	# log followers they started (each job lists them in pids-<series>).
	for f in "$work"/qemu-*.pid; do
		[ -s "$f" ] || continue
		p=$(cat "$f")
		kill -TERM "$p" 2>/dev/null && { sleep 1; kill -KILL "$p" 2>/dev/null; }
	done
	for p in "${job_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for f in "$work"/pids-*; do
		[ -s "$f" ] || continue
		# shellcheck disable=SC2046
		kill -TERM $(cat "$f") 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# Show the guest's test output live: strip the serial console's CRs, keep the lines between the
# markers, hide kernel messages unless --verbose, prefix each line with the kernel series.
follow() {
	awk -v pfx="[$1] " -v verbose="$verbose" '
		{ sub(/\r+$/, ""); gsub(/\r/, "") }
		/^MEMCGCTL-VM-BEGIN/ { on = 1; next }
		/^MEMCGCTL-VM-END/ { on = 0; next }
		/^MEMCGCTL-VM-RESULT/ { next }
		/^vm-init: / { print pfx $0; fflush(); next }
		/^\[ *[0-9]+\.[0-9]+\] / { if (verbose) { print pfx $0; fflush() } next }
		on || verbose { print pfx $0; fflush() }'
}

tsc_khz=$(host_tsc_khz)

boot() { # series release kdir machine initrd log -> sets qrc
	local s=$1 rel=$2 kdir=$3 m=$4 initrd=$5 log=$6 kernel cmdline pidfile="$work/qemu-$1.pid"
	local -a qemu
	cmdline="console=ttyS0 panic=-1 quiet loglevel=4 memcgctl.zram=$zram"
	# The guest's own bound leaves time for the marker before the host's timeout kills QEMU.
	cmdline="$cmdline memcgctl.timeout=$((timeout_s - 60)) $append"
	# shellcheck disable=SC2054  # the commas belong to QEMU's option syntax
	qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m "$mem" -nographic -no-reboot
		-nodefaults -no-user-config -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
		-pidfile "$pidfile")
	if [ "$m" = microvm ]; then
		kernel="$kdir/vmlinux"
		qemu+=(-M microvm)
		cmdline="$cmdline tsc_early_khz=$tsc_khz"
	else
		kernel="$kdir/vmlinuz"
		qemu+=(-M pc)
	fi
	[ "$shell" = 1 ] && cmdline="$cmdline memcgctl.shell=1"
	qemu+=(-kernel "$kernel" -initrd "$initrd" -append "$cmdline")
	rm -f "$pidfile"
	if [ "$shell" = 1 ]; then
		qrc=0
		"${qemu[@]}" || qrc=$?
		return
	fi
	: >"$log"
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$log" 2>&1 &
	local qpid=$!
	tail -n +1 -s 0.5 --pid="$qpid" -f "$log" 2>/dev/null | follow "$s" &
	local fpid=$!
	echo "$qpid $fpid" >"$work/pids-$s"
	qrc=0
	wait "$qpid" || qrc=$?
	wait "$fpid" 2>/dev/null || true
	rm -f "$pidfile" "$work/pids-$s"
}

# One kernel, start to end: initramfs, boot (a microvm that never reaches /init is retried as a
# pc), the verdict. Writes "ok|FAIL <TAB> passed failed skipped <TAB> description" to result-<s>.
run_kernel() { # series release kdir
	local s=$1 rel=$2 kdir=$3 t0 tb te initrd log m marker boot_s why p f sk grc summary warns desc kept
	t0=$(now)
	initrd="$work/initrd-$s.cpio"
	log="$work/console-$s.log"
	if ! "$here/mkinitramfs.sh" --kernel-dir "$kdir" --out "$initrd" --repo "$repo" --build "$build" \
		--script "$script" 2> >(sed -u "s/^/[$s] /" >&2); then
		printf 'FAIL\t0 1 0\t%s (%s): the initramfs could not be built\n' "$s" "$rel" >"$work/result-$s"
		return
	fi
	m=$machine
	echo "vm: $s: booting $rel ($m, TCG, 1 vCPU, $mem)" >&2
	tb=$(now)
	boot "$s" "$rel" "$kdir" "$m" "$initrd" "$log"
	if [ "$shell" = 1 ]; then
		case "$qrc" in 0|33) exit 0 ;; *) exit "$qrc" ;; esac
	fi
	if [ "$m" = microvm ] && ! grep -q '^vm-init: ' "$log"; then
		echo "vm: $s: microvm never reached /init (qemu exit $qrc); retrying with -M pc" >&2
		cp "$log" "$work/console-$s-microvm.log"
		m=pc
		tb=$(now)
		boot "$s" "$rel" "$kdir" "$m" "$initrd" "$log"
	fi
	te=$(now)
	marker=$(tr -d '\r' <"$log" | grep -a '^MEMCGCTL-VM-RESULT ' | tail -n1 || true)
	boot_s=$(tr -d '\r' <"$log" | sed -n 's/^MEMCGCTL-VM-BEGIN uptime=\([0-9.]*\).*/\1/p' | tail -n1)
	why="" p=0 f=0 sk=0
	if [ -z "$marker" ]; then
		case "$qrc" in
		124|137) why="timed out after ${timeout_s}s (no result marker)" ;;
		*) why="no result marker (qemu exit $qrc; kernel panic or guest crash?)" ;;
		esac
	else
		grc=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$marker")
		summary=$(sed -n 's/.* summary=\(.*\)$/\1/p' <<<"$marker")
		if [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
			p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} sk=${BASH_REMATCH[4]:-0}
		fi
		if [ "$grc" != 0 ]; then
			why="script exit status $grc${summary:+ ($summary)}"
			[ "$grc" = 124 ] && why="script timed out in the guest${summary:+ ($summary)}"
		elif [ -z "$summary" ]; then
			why="script printed no 'N passed, N failed, N skipped' line"
		elif [ "$f" != 0 ]; then
			why="$f failed"
		fi
	fi
	if grep -aqE 'Kernel panic|Oops:|BUG: |general protection fault' "$log"; then
		why="${why:+$why; }kernel oops/BUG/panic on the console"
	fi
	warns=$(grep -ac 'WARNING: CPU' "$log" || true)
	[ -z "$why" ] || [ "$f" -gt 0 ] || f=1
	desc="$s ($rel, $m): $p passed, $f failed, $sk skipped; boot ${boot_s:-?} s, boot+test $(secs "$tb" "$te") s, total $(secs "$t0" "$te") s"
	grep -aq '^vm-init: no swap in this guest' "$log" && desc="$desc; no swap"
	[ "${warns:-0}" -gt 0 ] && desc="$desc; $warns kernel WARNING(s) on the console"
	if [ -n "$why" ]; then
		mkdir -p "$cache/logs"
		kept="${keep:-$cache/logs}/console-$s-$rel-$(date +%Y%m%d-%H%M%S).log"
		cp "$log" "$kept"
		printf 'FAIL\t%s %s %s\t%s: %s\n' "$p" "$f" "$sk" "$desc" "$why" >"$work/result-$s"
		echo "vm: $s: FAIL: $why; console log: $kept; its last lines:" >&2
		tr -d '\r' <"$log" | tail -n 40 | sed "s/^/[$s] | /" >&2
	else
		printf 'ok\t%s %s %s\t%s\n' "$p" "$f" "$sk" "$desc" >"$work/result-$s"
		[ -n "$keep" ] && cp "$log" "$keep/console-$s-$rel.log"
	fi
	echo "vm: $s: done: $desc" >&2
}

# Every kernel first (one fetch at a time, apt and the cache are shared), then the guests.
tf=$(now)
frc=0
"$here/fetch-kernels.sh" --cache "$cache" "${offline[@]}" "${sel[@]}" >"$work/fetched" || frc=$?
[ "$frc" != 2 ] || die "fetch-kernels.sh refused the kernel list (${sel[*]})"
echo "vm: kernels ready in $(secs "$tf" "$(now)") s: $(awk '{printf "%s%s=%s", sep, $1, $2; sep = " "}' "$work/fetched")" >&2

declare -A seen=()
order=()
for s in "${sel[@]}"; do
	line=$(awk -v s="$s" '$1 == s' "$work/fetched" | tail -n1)
	if [ -z "$line" ]; then
		echo "vm: $s: could not fetch the kernel" >&2
		printf 'FAIL\t0 1 0\t%s: no kernel (fetch-kernels.sh failed)\n' "$s" >"$work/result-$s"
		order+=("$s")
		continue
	fi
	read -r _ rel kdir <<<"$line"
	# Two names for one release (7 and 7.3) boot it once.
	if [ -n "${seen[$rel]:-}" ]; then
		echo "vm: $s: $rel is already booted as ${seen[$rel]}" >&2
		continue
	fi
	seen[$rel]=$s
	order+=("$s")
	if [ "$shell" = 1 ]; then
		run_kernel "$s" "$rel" "$kdir"
		exit 0
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	run_kernel "$s" "$rel" "$kdir" &
	job_pids+=($!)
done
wait || true
job_pids=()

echo "vm: results (QEMU TCG, 1 vCPU each, up to $jobs side by side, $mem, zram $zram):"
total_p=0 total_f=0 total_s=0 bad=0
for s in "${order[@]}"; do
	if [ -s "$work/result-$s" ]; then
		IFS=$'\t' read -r st counts desc <"$work/result-$s"
	else
		st=FAIL counts="0 1 0" desc="$s: the guest's job ended without a result"
	fi
	read -r p f sk <<<"$counts"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + sk))
	[ "$st" = ok ] || bad=1
	printf 'vm:   %-4s %s\n' "$st" "$desc"
done
echo "vm: wall time $(secs "$tf" "$(now)") s"
echo "vm: $total_p passed, $total_f failed, $total_s skipped"
[ "$bad" = 0 ]
