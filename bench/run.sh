#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: every bench/*.sh but this one and lib.sh, each on its own.
cd "$(dirname "$0")/.." || exit 1
: "${MEMCGCTL:=$PWD/build/memcgctl}" "${MEMCGCTL_TEST_BIN:=$PWD/build/tests}"
export MEMCGCTL MEMCGCTL_TEST_BIN
rc=0
for b in bench/*.sh; do
	case $(basename "$b") in run.sh | lib.sh) continue ;; esac
	[[ -n ${BENCH:-} && $(basename "$b" .sh) != "$BENCH" ]] && continue
	echo "== $(basename "$b" .sh)"
	bash "$b" || rc=1
done
exit $rc
