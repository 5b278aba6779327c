# SPDX-License-Identifier: GPL-2.0-only
#
# memcgctl: one binary, one BPF program per command.
#
#   make                 build build/memcgctl
#   make check           unit + CLI tiers, and the integration tier as root
#   make check SANITIZE=1   the same with ASan+UBSan
#   make check-vm        the integration tier in QEMU guests (cgroup v2, 6.1 6.12 6.18 7.x)
#   make bench           benchmarks (not tests): ratios against peers
#   make fuzz            build the libFuzzer harnesses (clang, ASan+UBSan)
#   make check-fuzz FUZZ_SECONDS=20   run each harness on its corpus
#   make install PREFIX=/usr/local DESTDIR= SYSTEMDUNITDIR=$(PREFIX)/lib/systemd/system
#                        (uninstall: the same list)
#   make deb             a Debian package from the tree, checked by lintian
#   make check-deb       install it here, run it, purge it (root)
#   make check-systemd   install it on a fresh Debian 12 guest under systemd,
#                        run its units, reboot (root, QEMU)
#   make clean           remove $(OUT) (and build-san with the default OUT)
#
# Quiet by default; V=1 prints full commands.  CPPFLAGS, CFLAGS, LDFLAGS are the
# user's (default -O2 -g); the flags the build needs follow them, then
# EXTRA_CFLAGS/EXTRA_LDFLAGS, so `make CFLAGS=-O1` or `make CFLAGS+=-DX`
# keeps working.

VERSION     := 0.1.0
PREFIX      ?= /usr/local
DESTDIR     ?=
OUT         ?= build
ifeq ($(SANITIZE),1)
OUT         := build-san
endif
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

CC       ?= gcc
CLANG    ?= clang
LLVM_STRIP ?= $(shell command -v llvm-strip 2>/dev/null || echo llvm-strip)
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

# $(call cc-flag,COMPILER,FLAG): FLAG when COMPILER accepts it.  gcc takes
# any -Wno-X silently, so a -Wno-X is probed through its -WX.
cc-flag   = $(shell $(1) -Werror $(2) -E -x c /dev/null >/dev/null 2>&1 && echo $(2))
cc-nowarn = $(if $(call cc-flag,$(1),-W$(2)),-Wno-$(2))
cc-warnings = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
	      $(call cc-nowarn,$(1),format-truncation)

CFLAGS   ?= -O2 -g
LDFLAGS  ?=
EXTRA_CFLAGS  ?=
EXTRA_LDFLAGS ?=
# What the build needs whatever the user passes: after CFLAGS, before
# EXTRA_CFLAGS.  -MMD -MP: each object depends on what it includes
# (skeletons too), nothing listed by hand.
WARN_FLAGS := $(call cc-warnings,$(CC))
REQ_CFLAGS := -std=gnu11 $(WARN_FLAGS) -fno-strict-aliasing \
	      -DMEMCGCTL_VERSION='"$(VERSION)"' -I$(OUT) -Icmd -MMD -MP
REQ_LDFLAGS :=
LDLIBS   += -lbpf -lelf -lz $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo) -lm

ifeq ($(SANITIZE),1)
REQ_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
REQ_LDFLAGS += -fsanitize=address,undefined
endif

ALL_CFLAGS  = $(CPPFLAGS) $(CFLAGS) $(REQ_CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(REQ_LDFLAGS) $(EXTRA_LDFLAGS)

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

.PHONY: all check check-unit check-root check-vm check-fuzz fuzz bench install uninstall clean demo \
	deb check-deb check-systemd
.DELETE_ON_ERROR:
# skeletons and BPF objects are worth keeping between builds
.SECONDARY:

all: $(OUT)/memcgctl $(PROGS) $(UNITS) $(EXAMPLES)

$(OUT) $(OUT)/bpf $(OUT)/cmd $(OUT)/tests $(OUT)/tests/unit $(OUT)/examples:
	$(Q)mkdir -p $@

# vmlinux.h comes from the build machine's BTF; CO-RE relocates at load.
# VMLINUX_BTF as a prerequisite: another kernel's BTF regenerates it (a
# missing file is reported below, not as "no rule to make").
$(OUT)/vmlinux.h: $(wildcard $(VMLINUX_BTF)) | $(OUT)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "memcgctl build: $(VMLINUX_BTF) not readable: build on a kernel with BTF or set VMLINUX_BTF=" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

# The skeleton embeds the object: drop its DWARF as bpftool does (.BTF
# and .BTF.ext, which CO-RE and the verifier need, stay).
$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUT)/examples/%.bpf.o: examples/%.bpf.c $(OUT)/vmlinux.h | $(OUT)/examples
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# Which skeletons an object includes comes from its .d file (-MMD); on
# the first build there is none yet, so every skeleton is made first.
$(OUT)/cmd/%.o: cmd/%.c | $(SKELS) $(OUT)/cmd
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Ibpf -c $< -o $@

$(OUT)/memcgctl: $(CMD_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -o $@

# Test workloads are plain C with no dependency on memcgctl.
$(OUT)/tests/%: tests/progs/%.c | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) -lm

$(OUT)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB_OBJS) $(ALL_LDFLAGS) $(LDLIBS) -o $@

# ---- fuzzing: libFuzzer harnesses over cmd/'s parsers and formatters ----
# Built apart in $(OUT)/fuzz with clang, ASan and UBSan; they reuse $(OUT)'s
# skeletons.  check-fuzz runs each for FUZZ_SECONDS on tests/fuzz/corpus/.
FUZZ_CC      ?= $(shell command -v clang-14 2>/dev/null || echo clang)
FUZZ_SECONDS ?= 20
FUZZ_OUT     := $(OUT)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 $(FUZZ_SAN) -std=gnu11 $(call cc-warnings,$(FUZZ_CC)) \
		-fno-strict-aliasing -DMEMCGCTL_VERSION='"$(VERSION)"' -I$(OUT) -Icmd -Ibpf \
		-MMD -MP
FUZZ_SRCS    := $(filter-out tests/fuzz/fuzz_common.c,$(wildcard tests/fuzz/fuzz_*.c))
FUZZERS      := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst $(OUT)/cmd/%,$(FUZZ_OUT)/cmd/%,$(LIB_OBJS))

fuzz: $(FUZZERS)

$(FUZZ_OUT) $(FUZZ_OUT)/cmd:
	$(Q)mkdir -p $@

$(FUZZ_OUT)/cmd/%.o: cmd/%.c | $(SKELS) $(FUZZ_OUT)/cmd
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(EXTRA_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUT)/%.o: tests/fuzz/%.c | $(SKELS) $(FUZZ_OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(EXTRA_CFLAGS) -Itests/fuzz -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/fuzz_%.o $(FUZZ_OUT)/fuzz_common.o $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $(EXTRA_LDFLAGS) $^ $(LDLIBS) -o $@

check-fuzz: fuzz
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS)

-include $(wildcard $(OUT)/bpf/*.d $(OUT)/examples/*.d $(OUT)/cmd/*.d $(OUT)/tests/*.d \
		    $(OUT)/tests/unit/*.d $(FUZZ_OUT)/*.d $(FUZZ_OUT)/cmd/*.d)

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

# The host binary is stripped on install (install -s through $(STRIP));
# the BPF objects it embeds were stripped before their skeletons were
# made.  STRIP=true keeps the symbols (a packager's dh_strip wants them).
# Every systemd/*.service present is installed: the units come with the
# commands that need them.  They name /usr/sbin/memcgctl; install points
# them at $(SBINDIR).
STRIP          ?= strip
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSTEMD_UNITS  ?= $(wildcard systemd/*.service)
SBINDIR        := $(PREFIX)/sbin
MAN8DIR        := $(PREFIX)/share/man/man8
BASHCOMPDIR    := $(PREFIX)/share/bash-completion/completions
# the JSON vocabulary's schemas (memcgctl(8) JSON OUTPUT), for consumers to validate against
SCHEMADIR      := $(PREFIX)/share/memcgctl/schema
SCHEMAS        := $(wildcard schema/*.schema.json)

install: $(OUT)/memcgctl
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR) $(DESTDIR)$(BASHCOMPDIR)
	$(Q)install -m 0755 -s --strip-program=$(STRIP) $(OUT)/memcgctl $(DESTDIR)$(SBINDIR)/memcgctl
	$(Q)install -m 0644 $(MANS) $(DESTDIR)$(MAN8DIR)/
	$(Q)install -m 0644 bash-completion/memcgctl $(DESTDIR)$(BASHCOMPDIR)/memcgctl
	$(Q)install -d $(DESTDIR)$(SCHEMADIR)
	$(Q)install -m 0644 $(SCHEMAS) $(DESTDIR)$(SCHEMADIR)/
ifneq ($(SYSTEMD_UNITS),)
	$(Q)install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	$(Q)for u in $(SYSTEMD_UNITS); do \
		sed 's|/usr/sbin/memcgctl|$(SBINDIR)/memcgctl|g' $$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} || exit 1; \
	done
endif

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/memcgctl $(DESTDIR)$(BASHCOMPDIR)/memcgctl \
		$(addprefix $(DESTDIR)$(MAN8DIR)/,$(notdir $(MANS))) \
		$(addprefix $(DESTDIR)$(SCHEMADIR)/,$(notdir $(SCHEMAS))) \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(SYSTEMD_UNITS)))
	$(Q)rmdir $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(dir $(SCHEMADIR)) 2>/dev/null || true

# ---- Debian package ----
# Built in a copy of the tree under $(DEB_OUT), so that dpkg-buildpackage's
# debian/memcgctl, debian/files and the .deb beside the source stay out of
# the tree.  VERSION above is the one version: debian/changelog is written
# into the copy from it (and dated by the last commit, for reproducibility).
DEB_OUT   := $(OUT)/deb
DEB_SRC   := $(DEB_OUT)/memcgctl-$(VERSION)
DEB_DATE   = $(shell git log -1 --format=%cD 2>/dev/null || date -R)
DEB_MAINT  = $(shell sed -n 's/^Maintainer: //p' debian/control)
DEB_ARCH   = $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE   = $(DEB_OUT)/memcgctl_$(VERSION)_$(DEB_ARCH).deb

deb:
	$(call msg,DEB,$(DEB_FILE))
	$(Q)rm -rf $(DEB_OUT) && mkdir -p $(DEB_SRC)
	$(Q)if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard; \
	else \
		find . -path ./.git -prune -o -path './$(OUT)' -prune -o -path ./build-san -prune \
			-o -type f -printf '%P\0'; \
	fi | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(DEB_SRC)
	$(Q)printf '%s\n' "memcgctl ($(VERSION)) unstable; urgency=medium" "" \
		"  * Built from the memcgctl source tree by make deb." "" \
		" -- $(DEB_MAINT)  $(DEB_DATE)" >$(DEB_SRC)/debian/changelog
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc $(if $(V),,>../build.log 2>&1) || \
		{ tail -40 ../build.log 2>/dev/null; exit 1; }
	$(Q)test -f $(DEB_FILE)
	$(call msg,LINTIAN,$(DEB_FILE))
	$(Q)lintian --fail-on error,warning --tag-display-limit 0 $(DEB_OUT)/memcgctl_$(VERSION)_$(DEB_ARCH).changes

# Build (make deb), lintian, then install into this system, run, purge and
# check that nothing is left (needs root; see tests/package.sh).
check-deb:
	$(Q)tests/package.sh

# The package on a fresh Debian 12 with systemd as PID 1, in a QEMU guest:
# the units run for real and the policies come back after a reboot (needs
# root; about 6 minutes; see tests/vm/systemd.sh).  Uses the .deb that is
# there (make deb, or check-deb before it), else builds it.
check-systemd: all
	$(Q)test -f $(DEB_FILE) || $(MAKE) --no-print-directory deb
	$(Q)tests/vm/systemd.sh --deb $(DEB_FILE)

# OUT alone; with the default OUT also the SANITIZE=1 tree beside it.
clean:
	rm -rf $(OUT) $(if $(filter build,$(OUT)),build-san)
