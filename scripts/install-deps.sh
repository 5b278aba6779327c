#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install what memcgctl needs to build, test and benchmark.
#
# Debian/Ubuntu (apt) is handled here.  On Fedora the equivalents are:
#   dnf install clang llvm bpftool libbpf-devel elfutils-libelf-devel \
#       zlib-devel ncurses-devel make gcc pkgconf jq tmux qemu-system-x86 compiler-rt \
#       busybox bpftrace hyperfine perf cpio zstd xz python3-docutils mandoc
#
# Usage: scripts/install-deps.sh [--build-only]
set -euo pipefail

build_pkgs=(make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev
	    zlib1g-dev libncurses-dev)
# mandoc: the man page lint (tests/cli/docs.sh); clang-14 + its runtime:
# the libFuzzer harnesses (make check-fuzz)
test_pkgs=(jq tmux procps util-linux qemu-system-x86 busybox-static cpio zstd xz-utils kmod mandoc
	   clang-14 libclang-rt-14-dev)
# promtool and a real node_exporter: the metrics tier (python3-prometheus-client:
# its strict OpenMetrics parser, tests/tools/om-check.py); python3-jsonschema:
# every command's -j output against schema/; redis-server: a real server for
# the pre-OOM tests and bench; lintian + debhelper: make deb
test_pkgs+=(prometheus prometheus-node-exporter python3-jsonschema python3-prometheus-client redis-server
	    lintian debhelper fakeroot)
# debootstrap + e2fsprogs: the fresh Debian 12 guest of make check-systemd
test_pkgs+=(debootstrap e2fsprogs)
bench_pkgs=(bpftrace hyperfine linux-perf python3 systemd stress-ng)

pkgs=("${build_pkgs[@]}")
if [[ ${1:-} != --build-only ]]; then
	pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}")
fi

if ! command -v apt-get >/dev/null; then
	echo "install-deps: no apt-get here; install the equivalents listed at the top of $0" >&2
	exit 1
fi
sudo=
[[ $(id -u) -eq 0 ]] || sudo=sudo

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "install-deps: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
