#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Mount the pseudo file systems memcgctl and its tests use, if missing.
set -euo pipefail
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
if ! [[ -e /sys/kernel/tracing/events ]]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
		mount -t debugfs debugfs /sys/kernel/debug
fi
