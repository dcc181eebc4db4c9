#!/bin/bash
# Every symbol that our patches or files export has kernel-doc.
#   kdoc-exports.sh   (reads kernel/ and kernel/patches/)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDOC="$KTREE/scripts/kernel-doc"
rc=0
# symbol -> file, from our new files and the + lines of our patches
declare -A where=()
while IFS=: read -r file sym; do
	where[$sym]=$file
done < <(
	cd "$ROOT/kernel" && grep -rHoE '^EXPORT_SYMBOL[A-Z_]*\(([a-z0-9_]+)\)' --include='*.c' . |
		sed -E 's|^\./||; s|EXPORT_SYMBOL[A-Z_]*\(([a-z0-9_]+)\)|\1|'
	for p in "$ROOT"/kernel/patches/*.patch; do
		awk '/^\+\+\+ b\// { f = substr($2, 3) } /^\+EXPORT_SYMBOL/ {
			s = $0; sub(/^\+EXPORT_SYMBOL[A-Z_]*\(/, "", s); sub(/\).*/, "", s); print f ":" s }' "$p"
	done
)
for sym in "${!where[@]}"; do
	f=${where[$sym]}
	doc=$(cd "$KTREE" && perl "$KDOC" -rst -function "$sym" "$f" 2>/dev/null)
	if [[ -z "$doc" ]]; then
		echo "$f: exported $sym has no kernel-doc"
		rc=1
	fi
done
echo "${#where[@]} exported symbols checked"
exit $rc
