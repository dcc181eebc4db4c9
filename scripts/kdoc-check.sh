#!/bin/bash
# kernel-doc on what we wrote: every symbol exported from one of our files
# (or added to an upstream file by one of our patches) has a kernel-doc
# comment, and kernel-doc -Wall has nothing to say about our files.
#   kdoc-check.sh FILE...   (paths inside the patched tree)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDOC="$KTREE/scripts/kernel-doc"
rc=0
for f in "$@"; do
	[[ -f "$KTREE/$f" ]] || { echo "$f: not in the tree"; rc=1; continue; }
	if [[ "$f" == *.c || "$f" == *.h ]] && out=$(cd "$KTREE" && perl "$KDOC" -none -Wall "$f" 2>&1) && [[ -n "$out" ]]; then
		echo "$out"
		rc=1
	fi
done
exit $rc
