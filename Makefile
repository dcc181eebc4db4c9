# GPU buffer-object reclaim for Linux: build and test entry points.
# The logic lives in scripts/; this file only wires targets together.
# Every target depends on 'setup', which installs what is missing.

ROOT := $(CURDIR)
BUILD := $(ROOT)/build
export ROOT BUILD

.PHONY: all setup tree kunit kernel vm-tests vm-test vm-shell lint host-test check demo bench clean

all: kernel

setup:
	@scripts/setup.sh

tree: setup
	@scripts/tree.sh

kunit: tree
	@scripts/kunit.sh

kernel: tree
	@scripts/kernel.sh

vm-tests: tree
	@scripts/build-vm-tests.sh

vm-test: kernel vm-tests
	@scripts/vm.sh test

vm-shell: kernel
	@scripts/vm.sh shell

lint: tree
	@scripts/lint.sh

host-test: setup
	@scripts/host-tests.sh

check: setup
	@scripts/check.sh

demo: kernel vm-tests
	@scripts/vm.sh demo

bench: setup
	@scripts/bench.sh

clean:
	rm -rf $(BUILD)
