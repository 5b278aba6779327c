# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for memcgctl's shell test tiers.  Source it; then:
#
#   t_ok NAME | t_fail NAME WHY | t_skip NAME WHY   record one result
#   check NAME CMD...            ok when CMD succeeds
#   check_eq NAME WANT GOT       ok when equal
#   check_rc NAME WANT CMD...    ok when CMD exits with WANT
#   check_json NAME JQ_EXPR      ok when jq -e EXPR holds on $OUT
#   run_mc ARGS...               run memcgctl: stdout in $OUT, stderr in $ERR, rc in $RC
#   no_crash NAME / one_line_err NAME   judge the last run_mc's exit and stderr
#   cg_new NAME [LIMIT]          create a memory cgroup for this test (v1 or v2):
#                                sets $CG (absolute) and $CG_REL; removed at exit
#   cg_run CGPATH CMD...         start CMD inside the cgroup in the background:
#                                sets $PID, and $PID_OUT (its stdout+stderr file)
#   (never call these inside $(...): what they register would be lost)
#   wait_until TENTHS CMD... / wait_grep / wait_lines / wait_ready /
#   wait_grep_alive / wait_written / wait_exit / wait_rc
#                                wait for observable state, with a timeout
#   bpf_leaks                    prints memcgctl BPF programs/maps still loaded
#   check_no_leaks NAME [REGEX]  ok when none of this run's is left
#
# Results go to $T_RESULTS (one line each) so tests/run.sh can total them.

: "${MEMCGCTL:?set MEMCGCTL to the memcgctl binary}"
: "${MEMCGCTL_TEST_BIN:?set MEMCGCTL_TEST_BIN to build/tests}"
: "${T_RESULTS:=/dev/null}"
T_FILE=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
T_PREFIX="memcgctl-test-$$"
T_CGROUPS=()
T_PIDS=()
T_TMP=$(mktemp -d)

t_ok()   { echo "ok   $T_FILE/$1"; echo "pass $T_FILE/$1" >>"$T_RESULTS"; }
t_fail() { echo "FAIL $T_FILE/$1: $2"; echo "fail $T_FILE/$1" >>"$T_RESULTS"; }
t_skip() { echo "skip $T_FILE/$1: $2"; echo "skip $T_FILE/$1" >>"$T_RESULTS"; }

check() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then t_ok "$name"; else t_fail "$name" "failed: $*"; fi
}
check_eq() {
	if [[ "$2" == "$3" ]]; then t_ok "$1"; else t_fail "$1" "want '$2', got '$3'"; fi
}
check_rc() {
	local name=$1 want=$2; shift 2
	"$@" >/dev/null 2>&1
	local rc=$?
	if [[ $rc -eq $want ]]; then t_ok "$name"; else t_fail "$name" "want exit $want, got $rc: $*"; fi
}
check_json() {
	# jq 1.6 exits 0 for -e on empty input: no output must never pass
	if [[ -z ${OUT//[[:space:]]/} ]]; then
		t_fail "$1" "no output to check '$2' against (rc ${RC:-?}; stderr: $(head -c 200 <<<"${ERR:-}"))"
		return
	fi
	if jq -e "$2" >/dev/null 2>&1 <<<"$OUT"; then t_ok "$1"
	else t_fail "$1" "jq '$2' does not hold on: $(head -c 300 <<<"$OUT")"; fi
}

run_mc() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$MEMCGCTL" "$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
	schema_auto "$@"
	return 0
}

# ---- the JSON vocabulary: memcgctl(8) JSON OUTPUT, schema/*.schema.json ----
T_SCHEMA_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/schema.py
T_SCHEMA_N=0
# The VM guests carry no python: there the checks say so and skip (the host
# tier validates the same output).
if python3 -c 'import jsonschema' 2>/dev/null; then T_SCHEMA_PY_OK=1; else T_SCHEMA_PY_OK=0; fi
# mc_schema ARGS...: the schema of what `memcgctl ARGS` prints under -j
# (empty when it is not -j, or prints no JSON of its own: help, version)
mc_schema() {
	local json=0 cmd= sub=
	while (($#)); do
		case $1 in
		-j | --json | -p | --pretty) json=1 ;;
		--cgroup-root | --psi-root) shift ;;
		--cgroup-root=* | --psi-root=* | -d | --debug) ;;
		-*) [[ -z $cmd ]] && return 0 ;;	# -V, -h: not a command's output
		*) if [[ -z $cmd ]]; then cmd=$1; elif [[ -z $sub ]]; then sub=$1; fi ;;
		esac
		shift
	done
	((json)) || return 0
	case $cmd in
	w | wa | wat | watc | watch) echo watch ;;
	n | no | not | noti | notif | notify) echo notify ;;
	r | re | rec | recl | recla | reclai | reclaim) echo reclaim ;;
	s | sh | sho | show) echo show ;;
	f | fe | fea | feat | featu | featur | feature) echo feature ;;
	p | po | pol | poli | polic | policy)
		case $sub in e | ev | eve | even | event | events) echo policy-event ;; *) echo policy ;; esac ;;
	t | to | top) [[ -e $(dirname "$T_SCHEMA_PY")/../schema/top.schema.json ]] && echo top ;;
	esac
}
# check_schema NAME SCHEMA [FILE]: $OUT (or FILE) validates against
# schema/SCHEMA.schema.json; {"error": ...} documents against error's.
check_schema() {
	local msg
	if ((!T_SCHEMA_PY_OK)); then t_skip "$1" "no python3-jsonschema here"; return; fi
	if [[ -n ${3:-} ]]; then msg=$(python3 "$T_SCHEMA_PY" --or-error "$2" "$3" 2>&1)
	else msg=$(python3 "$T_SCHEMA_PY" --or-error "$2" <<<"$OUT" 2>&1); fi
	if [[ $? == 0 ]]; then t_ok "$1"
	else t_fail "$1" "$(head -c 600 <<<"$msg")"; fi
}
# check_man_jq NAME PAGE WORD [FILE]: the jq example on the line of man page
# PAGE (e.g. memcgctl-show.8) that contains WORD runs on real output ($OUT,
# or FILE): jq succeeds, prints something, and no field it names is null
# (what a renamed field gives).
check_man_jq() {
	local page=$(dirname "$T_SCHEMA_PY")/../man/$2 res args=()
	if ((!T_SCHEMA_PY_OK)); then t_skip "$1" "no python3 here"; return; fi
	res=$(python3 - "$page" "$3" <<'PY'
import shlex, sys
page, word = sys.argv[1], sys.argv[2]
for line in open(page):
    line = line.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
    if word in line and "| jq " in line:
        print("\n".join(shlex.split(line.split("| jq ", 1)[1], comments=True)))
        sys.exit(0)
sys.exit(1)
PY
)
	if [[ $? != 0 || -z $res ]]; then t_fail "$1" "no jq example with '$3' in $2"; return; fi
	mapfile -t args <<<"$res"
	if [[ -n ${4:-} ]]; then res=$(jq "${args[@]}" <"$4" 2>&1)
	else res=$(jq "${args[@]}" <<<"$OUT" 2>&1); fi
	if [[ $? != 0 || -z $res ]]; then
		t_fail "$1" "jq ${args[*]} from $2: $(head -c 300 <<<"$res")"
	elif grep -qE '(^|[:[ ])null([],} ]|$)' <<<"$res"; then
		t_fail "$1" "jq ${args[*]} from $2 gives null: $(head -c 300 <<<"$res")"
	else
		t_ok "$1"
	fi
}
# Every -j output run_mc captures is validated; an empty one has nothing to check.
schema_auto() {
	local schema
	[[ -n ${OUT//[[:space:]]/} ]] || return 0
	schema=$(mc_schema "$@")
	[[ -n $schema ]] || return 0
	T_SCHEMA_N=$((T_SCHEMA_N + 1))
	check_schema "schema-$T_SCHEMA_N-$schema" "$schema"
}

# oom_kills CG: the cgroup's oom_kill counter (v2 memory.events, v1 memory.oom_control)
oom_kills() {
	if [[ $MEM_V2 == 1 ]]; then awk '$1 == "oom_kill" { print $2 }' "$1/memory.events"
	else awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control"; fi
}
# no_swap CG: keep the cgroup's anonymous memory out of swap
no_swap() {
	if [[ $MEM_V2 == 1 ]]; then echo 0 >"$1/memory.swap.max" 2>/dev/null
	else echo 0 >"$1/memory.swappiness"; fi
}

# page_cache DIR: whether files written under DIR are page cache (reclaim
# drops them once written back), not tmpfs or ramfs (shmem: swap-backed,
# kept without swap room).  A VM guest's root is a tmpfs.
page_cache() {
	case $(stat -f -c %T "$1" 2>/dev/null) in
	tmpfs | ramfs | '') return 1 ;;
	esac
}

# ---- waiting on state ------------------------------------------------------
# Tests wait for what they can observe (a line in a file, a pin, a program,
# a process's state), never for a fixed time; every wait has a timeout, in
# tenths of a second, and its status says whether the state was reached.
# A sleep that is left lets time pass on purpose, to show that something
# does NOT happen: say so beside it, and keep it short.

# wait_until TENTHS CMD...: until CMD succeeds, polled every 0.1 s
wait_until() {
	local i n=$1; shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# wait_grep FILE PATTERN [TENTHS]: until grep finds PATTERN in FILE (default
# a minute: loading and verifying programs takes seconds in a TCG guest)
wait_grep() {
	wait_until "${3:-600}" grep -q "$2" "$1" 2>/dev/null
}

# wait_lines FILE PATTERN N [TENTHS]: until N lines of FILE match PATTERN
_lines_match() { (($(grep -c "$2" "$1" 2>/dev/null) >= $3)); }
wait_lines() {
	wait_until "${4:-100}" _lines_match "$1" "$2" "$3"
}

# wait_ready FILE [TENTHS]: until the workload writing FILE (a tests/progs
# program's output) printed "ready": its memory is touched (default 30 s)
wait_ready() {
	wait_grep "$1" ready "${2:-300}"
}

# wait_grep_alive FILE PATTERN PID [TENTHS]: wait_grep, failing early if
# process PID, which writes FILE, has exited
_grep_or_dead() { grep -q "$2" "$1" 2>/dev/null || ! kill -0 "$3" 2>/dev/null; }
wait_grep_alive() {
	wait_until "${4:-600}" _grep_or_dead "$1" "$2" "$3" && grep -q "$2" "$1" 2>/dev/null
}

# wait_written FILE PID [TENTHS]: until FILE has content (default a minute),
# failing early if process PID, which writes it, has exited
_written_or_dead() { [[ -s $1 ]] || ! kill -0 "$2" 2>/dev/null; }
wait_written() {
	wait_until "${3:-600}" _written_or_dead "$1" "$2" && [[ -s $1 ]]
}

# wait_exit PID [TENTHS]: until process PID has exited (default a minute)
_exited() { ! kill -0 "$1" 2>/dev/null; }
wait_exit() {
	wait_until "${2:-600}" _exited "$1"
}

# wait_rc PID SECS: the exit code of our child PID, or 255 (and PID killed)
# if it is still running after SECS
wait_rc() {
	if ! wait_exit "$1" $(($2 * 10)); then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 255
	fi
	wait "$1"
}

# no_crash NAME: after run_mc, a signal (rc >= 128) or a sanitizer report fails
no_crash() {
	if ((RC >= 128)) || grep -q 'Sanitizer' <<<"$ERR"; then
		t_fail "$1" "crashed (rc $RC): $(head -c 300 <<<"$ERR")"
	else
		t_ok "$1"
	fi
}
# one_line_err NAME: after run_mc, stderr is one "memcgctl: ..." line (+ hints)
one_line_err() {
	local n
	n=$(grep -vc '^memcgctl: hint:' <<<"$ERR")
	if [[ $n -eq 1 && $ERR == memcgctl* ]]; then t_ok "$1"
	else t_fail "$1" "want one 'memcgctl: ...' line, got: $ERR"; fi
}

# check_bad NAME WANT_RC TEXT ARGS...: bad input to `memcgctl ARGS` gets
# exit WANT_RC, no crash, nothing on stdout and one "memcgctl: ..." line on
# stderr (hints and argp's "Try" line aside) that contains TEXT (if given);
# under -j the same exit code and a JSON error object on stdout.
check_bad() {
	local name=$1 want=$2 text=$3 n; shift 3
	run_mc "$@"
	n=$(grep -vcE '^(memcgctl: hint:|Try `)' <<<"$ERR")
	if ((RC >= 128)) || grep -q 'Sanitizer' <<<"$ERR"; then
		t_fail "$name" "crashed (rc $RC): $(head -c 300 <<<"$ERR")"
	elif [[ $RC -ne $want ]]; then
		t_fail "$name" "want exit $want, got $RC: $ERR"
	elif [[ -n $OUT ]]; then
		t_fail "$name" "stdout not empty: $OUT"
	elif [[ $ERR != memcgctl:* || $n -ne 1 ]]; then
		t_fail "$name" "want one 'memcgctl: ...' line, got: $ERR"
	elif [[ -n $text ]] && ! grep -qF -- "$text" <<<"$ERR"; then
		t_fail "$name" "stderr lacks '$text': $ERR"
	else
		t_ok "$name"
	fi
	run_mc -j "$@"
	if ((RC >= 128)) || [[ $RC -ne $want ]]; then
		t_fail "$name-json" "want exit $want under -j, got $RC: $ERR"
	elif ! jq -e '.error | type == "string"' >/dev/null 2>&1 <<<"$OUT"; then
		t_fail "$name-json" "no JSON error on stdout: $OUT"
	else
		t_ok "$name-json"
	fi
}

need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		t_skip "${1:-all}" "needs root"
		exit 0
	fi
}

# ---- cgroups -------------------------------------------------------------

# The memory hierarchy as memcgctl detects it (v2 with memory, else v1).
mem_root() {
	local v2 v1
	v2=$(awk '$9 == "cgroup2" { print $5 }' /proc/self/mountinfo | while read -r m; do
		grep -qw memory "$m/cgroup.controllers" 2>/dev/null && { echo "$m"; break; }; done)
	if [[ -n $v2 ]]; then echo "$v2"; return; fi
	v1=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
	echo "$v1"
}
psi_root() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}
MEM_ROOT=$(mem_root)
PSI_ROOT=$(psi_root)
if [[ -e $MEM_ROOT/cgroup.controllers ]]; then MEM_V2=1; else MEM_V2=0; fi

# cg_new NAME [LIMIT_BYTES]: a cgroup under this test's prefix; in the
# hybrid layout a twin is made on cgroup2 so PSI can be read for it.
cg_new() {
	local name=$1 limit=${2:-} base="$MEM_ROOT/$T_PREFIX" path
	CG= CG_REL=
	if [[ ! -d $base ]]; then
		mkdir "$base" || return 1
		T_CGROUPS+=("$base")
		if [[ $MEM_V2 == 1 ]]; then
			echo +memory >"$base/cgroup.subtree_control" 2>/dev/null
		fi
	fi
	path="$base/$name"
	mkdir -p "$path" || return 1
	T_CGROUPS+=("$path")
	if [[ $MEM_V2 == 1 ]]; then
		[[ -n $limit ]] && echo "$limit" >"$path/memory.max"
	else
		[[ -n $limit ]] && echo "$limit" >"$path/memory.limit_in_bytes"
		if [[ -n $PSI_ROOT && $PSI_ROOT != "$MEM_ROOT" ]]; then
			mkdir -p "$PSI_ROOT/$T_PREFIX/$name" 2>/dev/null &&
				T_CGROUPS+=("$PSI_ROOT/$T_PREFIX" "$PSI_ROOT/$T_PREFIX/$name")
		fi
	fi
	CG=$path
	CG_REL=${path#"$MEM_ROOT"}
}

# cg_run CGPATH CMD...: run CMD in the memory cgroup (and its cgroup2 twin).
cg_run() {
	local cg=$1; shift
	local twin=${cg#"$MEM_ROOT"}
	PID_OUT=$(mktemp -p "$T_TMP")
	(
		echo $BASHPID >"$cg/cgroup.procs"
		if [[ $MEM_V2 == 0 && -n $PSI_ROOT && -d $PSI_ROOT$twin ]]; then
			echo $BASHPID >"$PSI_ROOT$twin/cgroup.procs" 2>/dev/null
		fi
		exec "$@"
	) >"$PID_OUT" 2>&1 &
	PID=$!
	T_PIDS+=("$PID")
}

cg_cleanup() {
	local p i cg
	for p in "${T_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for ((i = ${#T_CGROUPS[@]} - 1; i >= 0; i--)); do
		cg=${T_CGROUPS[i]}
		[[ -d $cg ]] || continue
		# processes a test started in its cgroups go first
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$cg" 2>/dev/null && break
			sleep 0.2
		done
	done
	rm -rf "$T_TMP"
}
trap cg_cleanup EXIT

# ---- BPF leaks -----------------------------------------------------------

# Programs and maps memcgctl creates are named after their command
# (watch_*, notify_*, ...); none may outlive the process that loaded them,
# except the pinned policies that `policy load` keeps on purpose.
#
# A leak is judged against this run only: an object counts if it was
# created after this file was sourced (BPF ids only grow) and no process
# outside this run holds an fd to it.  Someone running `memcgctl feature`
# by hand during a test run is not our leak; a memcgctl of ours still
# holding its programs after it should have exited is, and so is an
# object held by nothing (pinned or linked).  "Ours" is every process
# that inherited MC_TEST_RUN (tmux servers the tests start included).
MC_BPF_NAMES='^(probe_|feature_|watch_|notify_|top_|reclaim_)'
_bpf_max_id() {
	bpftool -j "$1" show 2>/dev/null | jq '[.[].id] | max // 0' 2>/dev/null || echo 0
}
MC_BPF_BASE_PROG=$(_bpf_max_id prog)
MC_BPF_BASE_MAP=$(_bpf_max_id map)
export MC_TEST_RUN=${MC_TEST_RUN:-$$.$RANDOM.$SECONDS}
# "prog ID" / "map ID" held by processes that are not this run's
_bpf_foreign_held() {
	local f
	for f in $(grep -LsFxz "MC_TEST_RUN=$MC_TEST_RUN" /proc/[0-9]*/environ); do
		f=${f%/environ}
		[[ $f == /proc/self || $f == /proc/thread-self ]] && continue
		grep -hsE '^(prog|map)_id:' "$f"/fdinfo/* 2>/dev/null
	done | sed -E 's/_id:[[:space:]]*/ /' | sort -u
}
bpf_leaks() {
	local re=${1:-$MC_BPF_NAMES} held
	held=$(_bpf_foreign_held)
	{
		bpftool -j prog show 2>/dev/null |
			jq -r --argjson b "$MC_BPF_BASE_PROG" '.[] | select(.id > $b) | "prog \(.id) \(.name // "")"'
		bpftool -j map show 2>/dev/null |
			jq -r --argjson b "$MC_BPF_BASE_MAP" '.[] | select(.id > $b) | "map \(.id) \(.name // "")"'
	} | while read -r kind id name; do
		[[ $name =~ $re ]] || continue
		grep -qx "$kind $id" <<<"$held" && continue
		echo "$name"
	done
}
# check_no_leaks NAME [REGEX]: a command may narrow it to its own prefix.
# The kernel frees a program or map an RCU grace period after its last
# reference goes, so a leak is one still there after a few seconds.
check_no_leaks() {
	local l
	if ! bpftool -j prog show >/dev/null 2>&1; then
		t_skip "$1" "bpftool cannot list BPF objects here"
		return
	fi
	wait_until 50 _no_leaks "${2:-}"
	l=$(bpf_leaks "${2:-}")
	if [[ -z $l ]]; then t_ok "$1"; else t_fail "$1" "still loaded: $(echo $l)"; fi
}
_no_leaks() { [[ -z $(bpf_leaks "$1") ]]; }
