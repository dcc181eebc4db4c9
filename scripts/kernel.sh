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

"${MAKE[@]}" bzImage modules
# sanitized uAPI headers of this kernel, for the VM tests (vttm_drm.h)
"${MAKE[@]}" headers >/dev/null
if grep -q '^CONFIG_MODULES=y' "$OUT/.config"; then
	rm -rf "$OUT/modroot"
	"${MAKE[@]}" INSTALL_MOD_PATH="$OUT/modroot" INSTALL_MOD_STRIP=1 modules_install >/dev/null
fi
note "$(cat "$OUT/include/config/kernel.release") $OUT/arch/x86/boot/bzImage"
