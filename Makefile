# SPDX-License-Identifier: GPL-2.0-only
#
# memcgctl: one binary, one BPF program per command.
#
#   make                 build build/memcgctl
#   make check           unit + CLI tiers, and the integration tier as root
#   make check SANITIZE=1   the same with ASan+UBSan
#   make check-vm        the integration tier in QEMU guests (cgroup v2, 6.1 6.12 6.18 7.x)
#   make bench           benchmarks (not tests): ratios against peers
#   make install PREFIX=/usr/local DESTDIR=
#   make clean
#
# Quiet by default; V=1 prints full commands.

VERSION     := 0.1.0
PREFIX      ?= /usr/local
DESTDIR     ?=
OUT         ?= build
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	    -Wshadow -Wformat=2 -Wno-format-truncation -fno-strict-aliasing \
	    -DMEMCGCTL_VERSION='"$(VERSION)"' -I$(OUT) -Icmd
LDLIBS   += -lbpf -lelf -lz $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo) -lm

ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
OUT      := build-san
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -I$(OUT) -Ibpf $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
CMD_SRCS  := $(wildcard cmd/*.c)
CMD_OBJS  := $(patsubst cmd/%.c,$(OUT)/cmd/%.o,$(CMD_SRCS))
# Everything but main(): what unit tests link against.
LIB_OBJS  := $(filter-out $(OUT)/cmd/main.o,$(CMD_OBJS))
PROG_SRCS := $(wildcard tests/progs/*.c)
PROGS     := $(patsubst tests/progs/%.c,$(OUT)/tests/%,$(PROG_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS     := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(UNIT_SRCS))
MANS      := $(wildcard man/*.8)
# User-policy examples: built to prove the policy contract (memcgctl-policy(8)).
EXAMPLE_SRCS := $(wildcard examples/*.bpf.c)
EXAMPLES  := $(patsubst examples/%.bpf.c,$(OUT)/examples/%.bpf.o,$(EXAMPLE_SRCS))

.PHONY: all check check-unit check-root check-vm bench install uninstall clean demo
.DELETE_ON_ERROR:
# skeletons and BPF objects are worth keeping between builds
.SECONDARY:

all: $(OUT)/memcgctl $(PROGS) $(UNITS) $(EXAMPLES)

$(OUT) $(OUT)/bpf $(OUT)/cmd $(OUT)/tests $(OUT)/tests/unit $(OUT)/examples:
	$(Q)mkdir -p $@

# vmlinux.h comes from the build machine's BTF; CO-RE relocates at load.
$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "memcgctl build: $(VMLINUX_BTF) not readable: build on a kernel with BTF or set VMLINUX_BTF=" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/examples/%.bpf.o: examples/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h) | $(OUT)/examples
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# Command files include their skeleton; keep it simple and correct:
# every command object waits for every skeleton.
$(OUT)/cmd/%.o: cmd/%.c $(wildcard cmd/*.h) $(wildcard bpf/*.h) $(SKELS) | $(OUT)/cmd
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Ibpf -c $< -o $@

$(OUT)/memcgctl: $(CMD_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Test workloads are plain C with no dependency on memcgctl.
$(OUT)/tests/%: tests/progs/%.c tests/progs/progs.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(LDFLAGS) -lm

$(OUT)/tests/unit/%: tests/unit/%.c tests/unit/unit.h tests/unit/golden.h $(LIB_OBJS) | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS) -o $@

# The README's test command.  Tiers that need root skip themselves.
check: all
	$(Q)MEMCGCTL=$(abspath $(OUT)/memcgctl) MEMCGCTL_TEST_BIN=$(abspath $(OUT)/tests) tests/run.sh

check-unit: all
	$(Q)MEMCGCTL=$(abspath $(OUT)/memcgctl) MEMCGCTL_TEST_BIN=$(abspath $(OUT)/tests) tests/run.sh unit cli

bench: all
	$(Q)MEMCGCTL=$(abspath $(OUT)/memcgctl) MEMCGCTL_TEST_BIN=$(abspath $(OUT)/tests) bench/run.sh

# memcgctl top on a scratch cgroup with a memory hog (needs root and a terminal)
demo: $(OUT)/memcgctl
	$(Q)$(OUT)/memcgctl top --demo

-include tests/vm/vm.mk

install: $(OUT)/memcgctl
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(OUT)/memcgctl $(DESTDIR)$(PREFIX)/sbin/memcgctl
	install -m 0644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 bash-completion/memcgctl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/memcgctl

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/memcgctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/memcgctl \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,$(notdir $(MANS)))

clean:
	rm -rf build build-san
