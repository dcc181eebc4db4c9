#!/bin/bash
# Build the patched kernel tree in $BUILD/linux.
#
#   pristine  $BUILD/linux-pristine  the Debian tarball, extracted once
#   tree      $BUILD/linux           pristine + kernel/ overlay + patches
#
# Only files that our overlay or patches touch (now or on the previous run)
# are regenerated, in a staging directory, and a tree file is rewritten only
# when its content changed. kbuild therefore recompiles only what an edit
# really affects, and a patch that fails leaves the tree as it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KERNEL_DIR="${KERNEL_DIR:-$ROOT/kernel}"
TARBALL="${LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}"
PRISTINE="${PRISTINE:-$BUILD/linux-pristine}"
STAGE="$BUILD/tree-stage"
STATE="$KTREE/.ours"
SERIES="$KERNEL_DIR/patches/series"
# Overlay sources: repo dir -> tree dir. Only new files are allowed.
OVERLAYS=("$KERNEL_DIR:." "$ROOT/Documentation/ABI/testing:Documentation/ABI/testing"
	"$ROOT/Documentation/gpu:Documentation/gpu")

[[ -f "$TARBALL" ]] || die "no kernel tarball at $TARBALL (run 'make setup')"

# Debian package version of the tarball, recorded with the tree.
deb_version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
[[ -n "$deb_version" ]] || deb_version="unknown"
tarball_id="$(stat -c '%n %s %Y' "$TARBALL") $deb_version"

# 1. pristine extract
if [[ ! -f "$PRISTINE/.tarball-id" || "$(cat "$PRISTINE/.tarball-id")" != "$tarball_id" ]]; then
	note "extracting $TARBALL ($deb_version)"
	rm -rf "$PRISTINE" "$PRISTINE.tmp"
	mkdir -p "$PRISTINE.tmp"
	tar -xf "$TARBALL" -C "$PRISTINE.tmp" --strip-components=1
	echo "$tarball_id" >"$PRISTINE.tmp/.tarball-id"
	mv "$PRISTINE.tmp" "$PRISTINE"
fi

# 2. working tree, a full copy (never hard links: an in-place write would
#    corrupt the pristine copy)
if [[ ! -f "$KTREE/.tarball-id" || "$(cat "$KTREE/.tarball-id")" != "$tarball_id" ]]; then
	note "creating $KTREE"
	rm -rf "$KTREE" "$KTREE.tmp"
	cp -a "$PRISTINE" "$KTREE.tmp"
	: >"$KTREE.tmp/.ours"
	mv "$KTREE.tmp" "$KTREE"
fi

# 3. the files we manage
declare -A managed=()
declare -a overlay_files=()
while IFS= read -r f; do
	[[ -n "$f" ]] && managed["$f"]=1
done <"$STATE"

for ov in "${OVERLAYS[@]}"; do
	src="${ov%%:*}"
	dst="${ov#*:}"
	[[ -d "$src" ]] || continue
	while IFS= read -r -d '' f; do
		rel="${f#"$src"/}"
		# patches/ and configs/ in kernel/ are inputs, not tree files
		if [[ "$src" == "$KERNEL_DIR" ]]; then
			case "$rel" in patches/* | configs/* | README*) continue ;; esac
		fi
		t="${dst#./}"
		t="${t:+$t/}$rel"
		t="${t#./}"
		if [[ -e "$PRISTINE/$t" ]]; then
			die "${f#"$ROOT"/} shadows upstream file $t: change it with a patch in kernel/patches/"
		fi
		overlay_files+=("$f:$t")
		managed["$t"]=1
	done < <(find "$src" -type f -print0 | sort -z)
done

patches=()
if [[ -f "$SERIES" ]]; then
	while read -r p _; do
		[[ -z "$p" || "$p" == \#* ]] && continue
		[[ -f "$KERNEL_DIR/patches/$p" ]] || die "series names $p, but kernel/patches/$p does not exist"
		patches+=("$p")
	done <"$SERIES"
fi

# files a patch touches: unified-diff headers, with a/ b/ prefixes
patch_files() {
	sed -n -e 's,^--- a/\([^\t ]*\).*,\1,p' -e 's,^+++ b/\([^\t ]*\).*,\1,p' \
		-e 's,^diff --git a/\([^ ]*\) b/\(.*\),\1\n\2,p' \
		-e 's,^rename \(from\|to\) \(.*\),\2,p' "$1"
}
for p in "${patches[@]}"; do
	while IFS= read -r f; do
		[[ -n "$f" ]] && managed["$f"]=1
	done < <(patch_files "$KERNEL_DIR/patches/$p")
done

# 4. stage: pristine versions of the managed files, overlay, patches
rm -rf "$STAGE"
mkdir -p "$STAGE"
for f in "${!managed[@]}"; do
	if [[ -f "$PRISTINE/$f" ]]; then
		mkdir -p "$STAGE/$(dirname "$f")"
		cp -p "$PRISTINE/$f" "$STAGE/$f"
	fi
done
for pair in "${overlay_files[@]}"; do
	mkdir -p "$STAGE/$(dirname "${pair#*:}")"
	cp "${pair%%:*}" "$STAGE/${pair#*:}"
done
for p in "${patches[@]}"; do
	if ! out=$(patch -p1 -d "$STAGE" --dry-run --batch --forward --fuzz=0 \
		<"$KERNEL_DIR/patches/$p" 2>&1); then
		echo "$out" | sed 's/^/  /' >&2
		die "patch kernel/patches/$p does not apply; the tree is unchanged"
	fi
	patch -p1 -d "$STAGE" --batch --forward --fuzz=0 --quiet \
		--no-backup-if-mismatch <"$KERNEL_DIR/patches/$p" >/dev/null
done

# 5. sync the stage into the tree, touching only what changed
changed=0
declare -a now_ours=()
for f in $(printf '%s\n' "${!managed[@]}" | sort); do
	if [[ -f "$STAGE/$f" ]]; then
		if [[ -f "$PRISTINE/$f" ]] && cmp -s "$STAGE/$f" "$PRISTINE/$f"; then
			: # back to pristine: no longer ours
		else
			now_ours+=("$f")
		fi
		if ! cmp -s "$STAGE/$f" "$KTREE/$f" 2>/dev/null; then
			mkdir -p "$KTREE/$(dirname "$f")"
			rm -f "$KTREE/$f"
			cp "$STAGE/$f" "$KTREE/$f"
			changed=$((changed + 1))
			[[ -n "${TREE_VERBOSE:-}" ]] && note "updated $f"
		fi
	elif [[ -e "$KTREE/$f" ]]; then
		rm -f "$KTREE/$f"
		changed=$((changed + 1))
		[[ -n "${TREE_VERBOSE:-}" ]] && note "removed $f"
	fi
done
printf '%s\n' "${now_ours[@]}" >"$STATE.tmp"
mv "$STATE.tmp" "$STATE"
rm -rf "$STAGE"

echo "$deb_version" >"$KTREE/.debian-version"
tested=$(sed -n 's/^# tested-on: *linux-source-6.12 *//p' "$SERIES" 2>/dev/null || true)
if [[ -n "$tested" && "$tested" != "$deb_version" ]]; then
	note "warning: series tested on $tested, tree is $deb_version"
fi
note "linux-source-6.12 $deb_version, ${#patches[@]} patches, ${#overlay_files[@]} new files, $changed updated"
