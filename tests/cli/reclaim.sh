#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# reclaim with bad input, against fixture trees: every refusal happens
# before the kernel is touched, is one line with the right exit code, is
# JSON under -j, and nothing crashes.  No root, no BPF, no writes.
. "$(dirname "$0")/../lib.sh"

FX=$(cd "$(dirname "$0")/../fixtures" && pwd)
HY=(--cgroup-root="$FX/v1" --psi-root="$FX/psi")

# bad NAME RC ARGS...: exit RC, one line, and a JSON error under -j
bad() { check_bad "$1" "$2" "" "${HY[@]}" reclaim "${@:3}"; }

bad missing-cgroup 2
bad missing-amount 2 /app.slice
bad empty-amount 2 /app.slice ''
bad junk-amount 2 /app.slice junk
bad unit-junk 2 /app.slice 5Q
bad zero 2 /app.slice 0
bad zero-percent 2 /app.slice 0%
bad over-100-percent 2 /app.slice 150%
bad overflow 2 /app.slice 99999999999999999999G
bad negative 2 /app.slice -- -5M
bad extra-arg 2 /app.slice 1M 2M
bad unknown-option 2 /app.slice 1M --bogus
bad auto-and-amount 2 /app.slice 1M --auto
bad file-and-anon 2 /app.slice 1M --file-only --anon-only
bad swappiness-and-file 2 /app.slice 1M --swappiness 10 --file-only
bad swappiness-range 2 /app.slice 1M --swappiness 201
bad swappiness-junk 2 /app.slice 1M --swappiness x
bad step-zero 2 /app.slice 1M --step 0
bad interval-zero 2 /app.slice --auto --interval 0
bad interval-junk 2 /app.slice --auto --interval soon
bad mode 2 /app.slice --auto --mode fast
bad min-size 2 /app.slice --auto --min-size big
bad duration 2 /app.slice --auto --duration -1
bad psi-target 2 /app.slice --auto --psi-target lots
bad psi-target-over 2 /app.slice --auto --psi-target 150%
bad max-step 2 /app.slice --auto --max-step huge
bad root-without-force 2 / 1M
bad not-a-memcg 3 /notmem 1M
bad no-such-cgroup 3 /nope 1M
bad dotdot 2 /../etc 1M
bad unknown-id 3 999999999 1M
run_mc "${HY[@]}" reclaim / 1M
check "root-hint-says-force" grep -q -- '--force' <<<"$ERR"
run_mc "${HY[@]}" reclaim --help
check_eq "help-rc" 0 "$RC"
check "help-mentions-v1" grep -q 'limit_in_bytes' <<<"$OUT"
