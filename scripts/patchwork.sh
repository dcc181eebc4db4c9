#!/bin/bash
# Developer helper: a quilt work area for kernel/patches.
#
#   scripts/patchwork.sh        (re)create build/patchwork: pristine copies
#                               of the directories we patch, every patch of
#                               the series pushed
#   then, in build/patchwork:   quilt new NNNN-name.patch; quilt add FILE;
#                               edit; quilt refresh   (see the env below)
#
# kernel/patches is quilt's patch directory, so a refresh writes straight
# into the series; 'make tree' then carries it into build/linux.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PW="$BUILD/patchwork"
PRISTINE="${PRISTINE:-$BUILD/linux-pristine}"
DIRS=(drivers/gpu/drm include/drm include/uapi/drm include/linux mm lib)
[[ -d "$PRISTINE" ]] || die "no pristine tree: run 'make tree' first"

rm -rf "$PW"
mkdir -p "$PW"
for d in "${DIRS[@]}"; do
	mkdir -p "$PW/$(dirname "$d")"
	cp -a "$PRISTINE/$d" "$PW/$d"
done
# our new files, so that patches can be refreshed against them
(cd "$ROOT/kernel" && find . -type f ! -path './patches/*' ! -path './configs/*' -print0 |
	xargs -0 -I{} cp --parents {} "$PW/")

cat >"$PW/.quiltrc" <<RC
QUILT_PATCHES=$ROOT/kernel/patches
QUILT_REFRESH_ARGS="-p ab --no-timestamps --no-index --sort"
QUILT_DIFF_ARGS="-p ab --no-timestamps --no-index --sort"
QUILT_NO_DIFF_INDEX=1
RC
cd "$PW"
if grep -qv '^#' "$ROOT/kernel/patches/series" 2>/dev/null; then
	quilt --quiltrc "$PW/.quiltrc" push -a -q
fi
note "ready: cd $PW && quilt --quiltrc .quiltrc ..."
