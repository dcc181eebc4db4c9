#!/bin/bash
# scripts/tree.sh on a miniature kernel tarball: overlay and patches land,
# a re-run touches nothing, an edit touches only what it changes, a patch
# that does not apply is reported by name and leaves the tree unchanged,
# and dropping a patch or an overlay file reverts the tree.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tap.sh"
TREE_SH="$HERE/../../scripts/tree.sh"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# a two-file "kernel"
mkdir -p "$W/src/linux-source-6.12/drivers/gpu/drm/ttm"
printf 'VERSION = 6\nPATCHLEVEL = 12\n' >"$W/src/linux-source-6.12/Makefile"
printf 'int ttm_pool_alloc(void)\n{\n\treturn 0;\n}\n' \
	>"$W/src/linux-source-6.12/drivers/gpu/drm/ttm/ttm_pool.c"
tar -cJf "$W/linux.tar.xz" -C "$W/src" linux-source-6.12

R="$W/repo"
mkdir -p "$R/kernel/patches" "$R/kernel/drivers/gpu/drm/ttm"
printf '// SPDX-License-Identifier: GPL-2.0\nint ttm_backup;\n' >"$R/kernel/drivers/gpu/drm/ttm/ttm_backup.c"
cat >"$R/kernel/patches/0001-pool-return-one.patch" <<'P'
--- a/drivers/gpu/drm/ttm/ttm_pool.c
+++ b/drivers/gpu/drm/ttm/ttm_pool.c
@@ -1,4 +1,4 @@
 int ttm_pool_alloc(void)
 {
-	return 0;
+	return 1;
 }
P
printf '# tested-on: linux-source-6.12 x\n0001-pool-return-one.patch\n' >"$R/kernel/patches/series"

run_tree() { ROOT="$R" BUILD="$R/build" KTREE="$R/build/linux" LINUX_TARBALL="$W/linux.tar.xz" bash "$TREE_SH"; }
T="$R/build/linux"
mtimes() { (cd "$T" && find . -type f ! -name '.*' -printf '%p %T@\n' | sort); }
changed_files() { diff <(echo "$1") <(echo "$2") | sed -n 's/^> \([^ ]*\) .*/\1/p' | sort -u | tr '\n' ' '; }

expect "first run builds the tree" run_tree
expect "overlay file is in the tree" test -f "$T/drivers/gpu/drm/ttm/ttm_backup.c"
expect "patch is applied" grep -q 'return 1;' "$T/drivers/gpu/drm/ttm/ttm_pool.c"
expect "Debian version is recorded" test -s "$T/.debian-version"

before=$(mtimes)
sleep 0.05
run_tree >/dev/null
after=$(mtimes)
if [[ "$before" == "$after" ]]; then ok "re-run without changes touches no file"; else
	not_ok "re-run without changes touches no file" "$(changed_files "$before" "$after")"; fi

echo 'int ttm_backup_v2;' >>"$R/kernel/drivers/gpu/drm/ttm/ttm_backup.c"
before=$after
sleep 0.05
run_tree >/dev/null
after=$(mtimes)
c=$(changed_files "$before" "$after")
if [[ "$c" == "./drivers/gpu/drm/ttm/ttm_backup.c " ]]; then ok "editing an overlay file touches only it"; else
	not_ok "editing an overlay file touches only it" "changed: $c"; fi

sed -i 's/return 1;/return 2;/' "$R/kernel/patches/0001-pool-return-one.patch"
before=$after
sleep 0.05
run_tree >/dev/null
after=$(mtimes)
c=$(changed_files "$before" "$after")
if [[ "$c" == "./drivers/gpu/drm/ttm/ttm_pool.c " ]] && grep -q 'return 2;' "$T/drivers/gpu/drm/ttm/ttm_pool.c"; then
	ok "editing a patch touches only its files"
else
	not_ok "editing a patch touches only its files" "changed: $c"
fi

cat >"$R/kernel/patches/0002-bad.patch" <<'P'
--- a/drivers/gpu/drm/ttm/ttm_pool.c
+++ b/drivers/gpu/drm/ttm/ttm_pool.c
@@ -1,4 +1,4 @@
 int ttm_pool_free(void)
 {
-	return 7;
+	return 8;
 }
P
echo 0002-bad.patch >>"$R/kernel/patches/series"
echo 'int ttm_backup_v3;' >>"$R/kernel/drivers/gpu/drm/ttm/ttm_backup.c"
before=$after
if out=$(run_tree 2>&1); then
	not_ok "a patch that does not apply fails the build" "$out"
else
	ok "a patch that does not apply fails the build"
fi
if grep -q 'patch kernel/patches/0002-bad.patch does not apply' <<<"$out"; then
	ok "the failing patch is named"
else
	not_ok "the failing patch is named" "$out"
fi
after=$(mtimes)
if [[ "$before" == "$after" ]]; then ok "a failed patch leaves the tree unchanged"; else
	not_ok "a failed patch leaves the tree unchanged" "$(changed_files "$before" "$after")"; fi

printf '0001-pool-return-one.patch\n' >"$R/kernel/patches/series"
rm "$R/kernel/patches/0002-bad.patch"
expect "the tree builds again once the patch is dropped" run_tree

printf '# empty\n' >"$R/kernel/patches/series"
rm "$R/kernel/drivers/gpu/drm/ttm/ttm_backup.c"
expect "dropping all patches and overlay files succeeds" run_tree
expect "dropped patch: file back to pristine" \
	cmp "$T/drivers/gpu/drm/ttm/ttm_pool.c" "$W/src/linux-source-6.12/drivers/gpu/drm/ttm/ttm_pool.c"
expect_fail "dropped overlay file: gone from the tree" test -e "$T/drivers/gpu/drm/ttm/ttm_backup.c"

echo 'junk' >"$R/kernel/Makefile"
out=$(run_tree 2>&1)
rc=$?
if ((rc != 0)) && grep -q 'kernel/Makefile shadows upstream file Makefile' <<<"$out"; then
	ok "an overlay file that shadows an upstream file is refused"
else
	not_ok "an overlay file that shadows an upstream file is refused" "$out"
fi
rm "$R/kernel/Makefile"

echo 0009-missing.patch >"$R/kernel/patches/series"
out=$(run_tree 2>&1)
rc=$?
if ((rc != 0)) && grep -q 'series names 0009-missing.patch' <<<"$out"; then
	ok "a series entry without its patch file is reported"
else
	not_ok "a series entry without its patch file is reported" "$out"
fi

done_testing
