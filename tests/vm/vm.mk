# The VM tier: memcgctl's integration suite in QEMU guests (TCG, 1 vCPU each, cgroup v2 + the memory
# controller) booted from Debian's own kernels: by default 6.1, 6.12, the newest 6.18 and the newest
# 7.x (`tests/vm/fetch-kernels.sh --defaults`), two guests side by side. Included by the top Makefile.
#
#   make check-vm                          the default kernels, tests/integration/run.sh
#   make check-vm VM_KERNELS=6.12          one kernel; any MAJOR.MINOR series (its newest point
#                                          release), MAJOR (7: newest 7.x) or latest
#   make check-vm VM_KERNELS='6.18 7.0' VM_JOBS=1
#   make check-vm VM_ONLY=watch,notify     only these test files
#   make check-vm VM_SCRIPT=tests/vm/smoke.sh VM_FLAGS='--keep-log /tmp/vmlogs'
#   make vm-smoke                          the guest's own smoke test (no memcgctl tests)
#   make vm-kernels                        only download/unpack the kernels (cached)
#   make vm-clean                          drop the cached kernels and logs
# See tests/vm/README.md.

VM_DIR     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
VM_KERNELS ?= $(shell $(VM_DIR)/fetch-kernels.sh --defaults)
VM_JOBS    ?= 2
VM_SCRIPT  ?= tests/integration/run.sh
VM_FLAGS   ?=
VM_ONLY    ?=
VM_OUT     := $(if $(OUT),$(OUT),build)

.PHONY: check-vm vm-smoke vm-kernels vm-clean

check-vm: all
	$(VM_DIR)/run.sh --kernel "$(VM_KERNELS)" --jobs $(VM_JOBS) --build $(VM_OUT) --script $(VM_SCRIPT) $(if $(VM_ONLY),--only $(VM_ONLY)) $(VM_FLAGS)

vm-smoke: all
	$(VM_DIR)/run.sh --kernel "$(VM_KERNELS)" --jobs $(VM_JOBS) --build $(VM_OUT) --script $(VM_DIR)/smoke.sh $(VM_FLAGS)

vm-kernels:
	$(VM_DIR)/fetch-kernels.sh $(VM_KERNELS)

vm-clean:
	rm -rf $(VM_DIR)/.cache
