#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# notify: latency from a usage crossing to the waiter's wake-up, against a
# loop polling the usage file every 100 ms, over NOTIFY_BENCH_N (100)
# crossings; time from the onset of page-cache thrash to notify and to a
# PSI trigger; CPU of an idle notify (and of the poller) over
# NOTIFY_BENCH_IDLE (60) s; page-fault cost with notify armed.
#
# A crossing: a hog in a 256M cgroup touches 16M past the cgroup's idle
# usage; `hog -T` prints CLOCK_MONOTONIC when it touches the page that
# crosses, notify prints its wake-up time (timestamp_ns) and the kernel's
# (event_ns).  The page counter is charged in batches of 64 pages and the
# hog has a little memory of its own, so the kernel sees the crossing up to
# ~100 us before the hog's page: wake - hog is the latency an outside clock
# sees (slightly low), wake - event_ns the kernel-to-user latency.
. "$(dirname "$0")/lib.sh"
need_root

N=${NOTIFY_BENCH_N:-100}
IDLE=${NOTIFY_BENCH_IDLE:-60}
PSI_N=${NOTIFY_BENCH_PSI_N:-5}
HOG=$MEMCGCTL_TEST_BIN/hog
MB=$((1 << 20))

usage_file() { if [[ -e $1/memory.current ]]; then echo "$1/memory.current"; else echo "$1/memory.usage_in_bytes"; fi; }

# The peer: poll the usage file every PERIOD s, print the monotonic time of
# each upward crossing of TH (re-armed below 95% of TH, as notify).
cat >"$T_TMP/poll.py" <<'EOF'
import sys, time
path, th, period = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
armed = True
while True:
    with open(path) as f:
        v = int(f.read())
    if armed and v >= th:
        print(time.monotonic_ns(), flush=True)
        armed = False
    elif not armed and v < th * 0.95:
        armed = True
    time.sleep(period)
EOF

# The other peer: a PSI trigger on memory.pressure; prints the monotonic
# time of its first event.  500ms window if the kernel takes it (needs
# CAP_SYS_RESOURCE), else 2s.
cat >"$T_TMP/psi.py" <<'EOF'
import os, select, sys, time
path, pct = sys.argv[1], float(sys.argv[2])
for win in (500000, 2000000):
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    try:
        os.write(fd, b"some %d %d\0" % (int(win * pct / 100), win))
        break
    except OSError:
        os.close(fd)
print("window", win, flush=True)
p = select.poll()
p.register(fd, select.POLLPRI)
while True:
    for _, ev in p.poll():
        if ev & select.POLLERR:
            sys.exit(1)
        print("fired", time.monotonic_ns(), flush=True)
        sys.exit(0)
EOF

cat >"$T_TMP/stats.py" <<'EOF'
import json, sys
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
cross = [int(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("cross")]
ev = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
poll = [int(l) for l in open(sys.argv[3]) if l.strip()]
def pair(ts, lo, hi):
    out = []
    for c in cross:
        m = [t for t in ts if c - lo <= t <= c + hi]
        if m:
            out.append(min(m) - c)
    return out
wake = pair([e["timestamp_ns"] for e in ev], 5_000_000, 1_000_000_000)
k2u = [e["timestamp_ns"] - e["event_ns"] for e in ev if e.get("event_ns")]
pl = pair(poll, 5_000_000, 1_500_000_000)
def show(name, v):
    if not v:
        print(f"  {name:34s} no samples")
        return None
    med, p99 = q(v, 0.5), q(v, 0.99)
    print(f"  {name:34s} n={len(v):3d} median {med/1e3:9.1f} us  p99 {p99/1e3:9.1f} us  max {max(v)/1e3:9.1f} us")
    return med, p99
print(f"crossings: {len(cross)}, notify firings: {len(ev)}, poller detections: {len(poll)}")
a = show("notify: hog page -> wake-up", wake)
k = show("notify: kernel crossing -> wake-up", k2u)
b = show("poll 100ms: hog page -> detection", pl)
if k and b:
    print(f"  ratio poll/notify (kernel crossing): median {b[0]/max(k[0],1):.0f}x, p99 {b[1]/max(k[1],1):.0f}x")
if a and b and a[0] > 0:
    print(f"  ratio poll/notify (hog page): median {b[0]/a[0]:.0f}x, p99 {b[1]/max(a[1],1):.0f}x")
print("  (the hog-page numbers carry +-250 us: the page counter is charged 64 pages at a time)")
EOF

# ---- 1. usage crossing latency: notify vs polling --------------------------
cg_new bench-notify 256M
cg=$CG rel=$CG_REL uf=$(usage_file "$CG")
# warm-up: the hog's own file pages get charged here once
cg_run "$cg" "$HOG" -s 1M -H 0 -q; wait "$PID"
sleep 0.2
base=$(cat "$uf")
# calibrate: what a hog holding 16M adds beyond its 16M (page tables, stack,
# libc data, the per-cpu charge batch), so the threshold falls on its 16M page
cal=()
for _ in 1 2 3; do
	cg_run "$cg" "$HOG" -s 16M -H 1
	for _ in $(seq 100); do grep -q ready "$PID_OUT" && break; sleep 0.01; done
	cal+=($(($(cat "$uf") - base - 16 * MB)))
	wait "$PID"
	sleep 0.2
done
extra=$(printf '%s\n' "${cal[@]}" | sort -n | sed -n 2p)
th=$((base + 16 * MB + extra))
echo "usage crossing: idle usage $base, a 16M hog adds $extra more; threshold $th"
"$MEMCGCTL" -j notify "$rel" "usage>=$th" --forever >"$T_TMP/notify.json" 2>"$T_TMP/notify.err" &
npid=$!; T_PIDS+=("$npid")
python3 "$T_TMP/poll.py" "$uf" "$th" 0.1 >"$T_TMP/poll.txt" &
ppid=$!; T_PIDS+=("$ppid")
sleep 1
: >"$T_TMP/cross.txt"
for ((i = 0; i < N; i++)); do
	cg_run "$cg" "$HOG" -s 20M -T 16M -H 1 -q
	wait "$PID"
	cat "$PID_OUT" >>"$T_TMP/cross.txt"
	sleep 0.25
done
kill "$npid" "$ppid"; wait "$npid" "$ppid" 2>/dev/null
echo "usage crossing (threshold idle+16M in a 256M cgroup, $N crossings):"
python3 "$T_TMP/stats.py" "$T_TMP/cross.txt" "$T_TMP/notify.json" "$T_TMP/poll.txt"

# ---- 2. thrash onset: notify usage>=90% vs a PSI trigger ------------------
if [[ -n $PSI_ROOT ]]; then
	echo "page-cache thrash onset (48M file re-read in a 32M cgroup, $PSI_N runs):"
	: >"$T_TMP/onset.txt"
	for ((i = 0; i < PSI_N; i++)); do
		cg_new "bench-psi-$i" 32M
		pc=$CG prel=$CG_REL
		big=$T_TMP/big$i
		dd if=/dev/zero of="$big" bs=1M count=48 oflag=direct status=none 2>/dev/null ||
			dd if=/dev/zero of="$big" bs=1M count=48 status=none
		psi_file=$PSI_ROOT$prel/memory.pressure
		[[ $MEM_V2 == 1 ]] && psi_file=$pc/memory.pressure
		"$MEMCGCTL" -j notify "$prel" 'usage>=90%' --timeout 20 >"$T_TMP/on.json" 2>/dev/null &
		n2=$!; T_PIDS+=("$n2")
		python3 "$T_TMP/psi.py" "$psi_file" 1 >"$T_TMP/psi.txt" 2>&1 &
		p2=$!; T_PIDS+=("$p2")
		sleep 1
		cg_run "$pc" python3 -c "
import os, time
print('start', time.monotonic_ns(), flush=True)
os.execvp('bash', ['bash', '-c', 'while :; do cat $big >/dev/null; done'])"
		th=$PID
		for _ in $(seq 200); do
			kill -0 "$n2" 2>/dev/null || kill -0 "$p2" 2>/dev/null || break
			sleep 0.1
		done
		kill "$th" "$n2" "$p2" 2>/dev/null; wait "$th" "$n2" "$p2" 2>/dev/null
		t0=$(awk '/^start/ { print $2 }' "$PID_OUT")
		tn=$(jq -r '.timestamp_ns // empty' "$T_TMP/on.json" 2>/dev/null)
		tp=$(awk '/^fired/ { print $2 }' "$T_TMP/psi.txt")
		win=$(awk '/^window/ { print $2 }' "$T_TMP/psi.txt")
		echo "$t0 ${tn:--} ${tp:--} ${win:--}" >>"$T_TMP/onset.txt"
		rm -f "$big"
	done
	awk '
		function med(a, n,  i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((n + 1) / 2)] }
		{ if ($2 != "-") nn[++n] = ($2 - $1) / 1e6; if ($3 != "-") pp[++p] = ($3 - $1) / 1e6; w = $4 }
		END {
			printf "  notify usage>=90%%:                n=%d median %8.1f ms\n", n, n ? med(nn, n) : 0
			printf "  PSI trigger some 1%% / %s us:  n=%d median %8.1f ms\n", w, p, p ? med(pp, p) : 0
			if (n && p) printf "  ratio PSI/notify: %.0fx\n", med(pp, p) / med(nn, n)
		}' "$T_TMP/onset.txt"
fi

# ---- 3. idle CPU: notify vs the poller ------------------------------------
cg_new bench-idle 64M
"$MEMCGCTL" notify "$CG_REL" 'usage>=1G' oom_kill max --timeout $((IDLE + 30))s >/dev/null 2>&1 &
npid=$!; T_PIDS+=("$npid")
python3 "$T_TMP/poll.py" "$(usage_file "$CG")" $((1 << 30)) 0.1 >/dev/null &
ppid=$!; T_PIDS+=("$ppid")
sleep 1
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
n0=$(ticks "$npid") p0=$(ticks "$ppid")
sleep "$IDLE"
n1=$(ticks "$npid") p1=$(ticks "$ppid")
kill "$npid" "$ppid"; wait "$npid" "$ppid" 2>/dev/null
hz=$(getconf CLK_TCK)
echo "idle CPU over ${IDLE}s: notify $((n1 - n0)) ticks ($(ratio $(((n1 - n0) * 1000)) "$hz") ms)," \
	"poll 100ms $((p1 - p0)) ticks ($(ratio $(((p1 - p0) * 1000)) "$hz") ms)"

# ---- 4. hot path: page faults in the watched cgroup, armed vs not ---------
cg_new bench-fault 512M
fc=$CG
a=() b=()
stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
for _ in 1 2 3; do
	a+=("$(fault_ns "$fc")")
	sysctl -qw kernel.bpf_stats_enabled=1
	"$MEMCGCTL" -d notify "${fc#"$MEM_ROOT"}" 'usage>=100G' max >/dev/null 2>"$T_TMP/f.err" &
	npid=$!; T_PIDS+=("$npid")
	for _ in $(seq 100); do grep -q 'notify: armed' "$T_TMP/f.err" && break; sleep 0.05; done
	b+=("$(fault_ns "$fc")")
	bpftool -j prog show name notify_memcg_events 2>/dev/null |
		jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"' >>"$T_TMP/runtime.txt"
	kill "$npid"; wait "$npid" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$stats"
done
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "page faults in the watched cgroup: $(med "${b[@]}") ns/page armed, $(med "${a[@]}") ns/page" \
	"without, ratio $(ratio "$(med "${b[@]}")" "$(med "${a[@]}")")"
awk '{ t += $1; n += $2 } END { if (n) printf "BPF charge hook: %.0f ns per run over %d runs (all cgroups, all items; ~2 runs per page charged)\n", t / n, n }' \
	"$T_TMP/runtime.txt"
