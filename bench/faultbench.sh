#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The hot path every other benchmark is measured against: ns per page
# faulted and charged in a memory-limited cgroup, against the same in an
# unlimited one.  Rounds alternate so drift hits both sides alike.
. "$(dirname "$0")/lib.sh"
need_root
cg_new bench-limited 512M; lim=$CG
cg_new bench-unlimited; unl=$CG
a=() b=()
for _ in 1 2 3; do
	a+=("$(fault_ns "$lim")")
	b+=("$(fault_ns "$unl")")
done
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "faultbench: limited memcg $(med "${a[@]}") ns/page, unlimited memcg $(med "${b[@]}") ns/page," \
	"ratio $(ratio "$(med "${a[@]}")" "$(med "${b[@]}")")"
