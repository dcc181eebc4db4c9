#!/bin/bash
# The x86_64 VM kernel: kernel/configs/vm.config merged onto allnoconfig,
# built out of tree in $BUILD/vm-kernel. The config is regenerated only
# when the fragment changes, so an unchanged rebuild is a no-op for kbuild.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT="${VM_KERNEL_BUILD:-$BUILD/vm-kernel}"
FRAG="$ROOT/kernel/configs/vm.config"
MAKE=(make -C "$KTREE" O="$OUT" ARCH=x86_64 "CC=ccache gcc" -j"$JOBS" -s)

mkdir -p "$OUT"
if [[ ! -f "$OUT/.config" || ! -f "$OUT/.fragment" ]] || ! cmp -s "$FRAG" "$OUT/.fragment"; then
	note "configuring from $(basename "$FRAG") on allnoconfig"
	KCONFIG_ALLCONFIG="$FRAG" "${MAKE[@]}" allnoconfig
	cp "$FRAG" "$OUT/.fragment"
fi

# Every option the fragment sets must have survived; a silently dropped
# option (unmet dependency) would otherwise surface as a confusing failure
# much later, inside the VM.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qxF "$line" "$OUT/.config"; then
			echo "kernel.sh: $line from vm.config is not in .config (unmet dependency?)" >&2
			missing=1
		fi
		;;
	esac
done <"$FRAG"
if ((missing)); then
	rm -f "$OUT/.fragment"
	exit 1
fi

# Our files must build without warnings, sparse's included. (W=1 changes
# the flags, so checking it here would rebuild those directories each time;
# it is checked by hand: make C=2 W=1 drivers/gpu/drm/{ttm,vttm}/.)
BUILD_LOG="$OUT/build.log"
"${MAKE[@]}" bzImage modules 2>&1 | tee "$BUILD_LOG"
"${MAKE[@]}" C=2 drivers/gpu/drm/ttm/ drivers/gpu/drm/vttm/ >>"$BUILD_LOG" 2>&1
ours=$(cd "$ROOT/kernel" && find drivers include -type f -name '*.[ch]')
if warnings=$(grep -E '(warning|error):' "$BUILD_LOG" | grep -F "$ours"); then
	echo "$warnings"
	die "the compiler or sparse warns about our files (above)"
fi
# sanitized uAPI headers of this kernel, for the VM tests (vttm_drm.h)
"${MAKE[@]}" headers >/dev/null
if grep -q '^CONFIG_MODULES=y' "$OUT/.config"; then
	rm -rf "$OUT/modroot"
	"${MAKE[@]}" INSTALL_MOD_PATH="$OUT/modroot" INSTALL_MOD_STRIP=1 modules_install >/dev/null
	# the guest mounts these as /lib/modules: without the build link,
	# which points at an output tree without the headers, bpftrace takes
	# the kernel's types from BTF instead of failing to parse headers
	rm -f "$OUT"/modroot/lib/modules/*/build "$OUT"/modroot/lib/modules/*/source
fi
note "$(cat "$OUT/include/config/kernel.release") $OUT/arch/x86/boot/bzImage"
