#!/bin/bash
# Build the C tests under tests/vm/ into build/tests/vm/ with the host's
# compiler: the guest runs on the host's root file system, so they run there
# unchanged. Rebuilds only what is older than its source or the harness.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT="$BUILD/tests/vm"
SELFTESTS="$KTREE/tools/testing/selftests"
UAPI="${VM_KERNEL_BUILD:-$BUILD/vm-kernel}/usr/include"
# -Wno-clobbered: kselftest_harness.h's fixture wrapper (its setjmp and
# fork) trips -Wextra's clobbered warning when gcc inlines a short test.
CFLAGS=(-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered
	-D_GNU_SOURCE -I"$SELFTESTS" -I"$ROOT/tests/vm" -isystem "$UAPI")
mkdir -p "$OUT"
for src in "$ROOT"/tests/vm/*.c; do
	[[ -e "$src" ]] || continue
	bin="$OUT/$(basename "$src" .c)"
	if [[ ! -x "$bin" || "$src" -nt "$bin" || "$SELFTESTS/kselftest_harness.h" -nt "$bin" ||
		"$ROOT/tests/vm/vm_test.h" -nt "$bin" || "$UAPI/drm/vttm_drm.h" -nt "$bin" ]]; then
		ccache gcc "${CFLAGS[@]}" -o "$bin" "$src"
	fi
done

# upstream's HMM selftest (tests/vm/hmm.sh runs it against lib/test_hmm.ko),
# built from the tree as its own Makefile would, with our flags
HMM_SRC="$SELFTESTS/mm/hmm-tests.c"
HMM_BIN="$OUT/upstream/hmm-tests"
mkdir -p "$OUT/upstream"
if [[ ! -x "$HMM_BIN" || "$HMM_SRC" -nt "$HMM_BIN" || "$KTREE/lib/test_hmm_uapi.h" -nt "$HMM_BIN" ]]; then
	ccache gcc -O2 -g -Wall -D_GNU_SOURCE -I"$KTREE" -isystem "$UAPI" \
		-o "$HMM_BIN" "$HMM_SRC" -lrt -lpthread -lm
fi

# make bench's load, built the same way
mkdir -p "$BUILD/bench/bin"
for src in "$ROOT"/bench/*.c; do
	[[ -e "$src" ]] || continue
	bin="$BUILD/bench/bin/$(basename "$src" .c)"
	if [[ ! -x "$bin" || "$src" -nt "$bin" || "$ROOT/tests/vm/vm_test.h" -nt "$bin" ]]; then
		ccache gcc "${CFLAGS[@]}" -o "$bin" "$src"
	fi
done

# the demo program, built the same way
mkdir -p "$BUILD/demo"
for src in "$ROOT"/demo/*.c; do
	[[ -e "$src" ]] || continue
	bin="$BUILD/demo/$(basename "$src" .c)"
	if [[ ! -x "$bin" || "$src" -nt "$bin" || "$ROOT/tests/vm/vm_test.h" -nt "$bin" ]]; then
		ccache gcc "${CFLAGS[@]}" -o "$bin" "$src"
	fi
done

# xe-shrinkctl, which the demo and the CLI's VM test run in the guest
mkdir -p "$BUILD/xe-shrinkctl"
make -s -C "$ROOT/tools/xe-shrinkctl" O="$BUILD/xe-shrinkctl" CC="ccache gcc"
