#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The integration tier alone (what the VM guests run).
exec "$(dirname "$0")/../run.sh" integration "$@"
