# SPDX-License-Identifier: GPL-2.0-only
# Shared by the benchmarks: the test library's cgroup helpers, and
# faultbench inside a limited cgroup.  Benchmarks print numbers and
# ratios measured side by side in one run; they assert nothing.
T_RESULTS=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"

# fault_ns CG: median ns/page of faultbench run inside cgroup CG
fault_ns() {
	cg_run "$1" "$MEMCGCTL_TEST_BIN/faultbench" -s "${FB_MB:-64}" -r "${FB_ROUNDS:-15}" -j
	wait "$PID"
	jq .ns_per_page "$PID_OUT"
}

# ratio A B: A/B with 3 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
