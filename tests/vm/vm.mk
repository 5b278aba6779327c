# The VM tier: memcgctl's integration suite in QEMU guests (TCG, 1 vCPU) booted from Debian 12's
# 6.1 and 6.12 kernels, with cgroup v2 + the memory controller. Included by the top Makefile.
#
#   make check-vm                          both kernels, tests/integration/run.sh
#   make check-vm VM_KERNELS=6.12          one kernel
#   make check-vm VM_ONLY=watch,notify     only these test files
#   make check-vm VM_SCRIPT=tests/vm/smoke.sh VM_FLAGS='--keep-log /tmp/vmlogs'
#   make vm-smoke                          the guest's own smoke test (no memcgctl tests)
#   make vm-kernels                        only download/unpack the kernels (cached)
#   make vm-clean                          drop the cached kernels and logs
# See tests/vm/README.md.

VM_DIR     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
VM_KERNELS ?= 6.1 6.12
VM_SCRIPT  ?= tests/integration/run.sh
VM_FLAGS   ?=
VM_ONLY    ?=
VM_OUT     := $(if $(OUT),$(OUT),build)

.PHONY: check-vm vm-smoke vm-kernels vm-clean

check-vm: all
	$(VM_DIR)/run.sh $(foreach k,$(VM_KERNELS),--kernel $(k)) --build $(VM_OUT) --script $(VM_SCRIPT) $(if $(VM_ONLY),--only $(VM_ONLY)) $(VM_FLAGS)

vm-smoke: all
	$(VM_DIR)/run.sh $(foreach k,$(VM_KERNELS),--kernel $(k)) --build $(VM_OUT) --script $(VM_DIR)/smoke.sh $(VM_FLAGS)

vm-kernels:
	$(VM_DIR)/fetch-kernels.sh $(VM_KERNELS)

vm-clean:
	rm -rf $(VM_DIR)/.cache
