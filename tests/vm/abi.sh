#!/bin/bash
# shellcheck disable=SC2016 # backquotes are Markdown here, not shell
# The ABI documents match the kernel: every node in the table of
# debugfs-abi/README.md exists with its mode, every node the kernel creates
# in the directories we own is in the table, and the table and
# Documentation/ABI/testing/ name the same paths.
set -u
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
TABLE="$PROJECT/debugfs-abi/README.md"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# the primary node's minor (a card number): render nodes are 128 and up
minor=
for card in /dev/dri/card*; do
	n=${card#/dev/dri/card}
	if [[ $(cut -d' ' -f1 "/sys/kernel/debug/dri/$n/name" 2>/dev/null) == vttm ]]; then
		minor=$n
		break
	fi
done
[[ -n "$minor" ]] || { echo "no vttm device in debugfs"; exit 1; }
echo "vttm is dri/$minor"

# documented paths and modes, with the placeholders filled in
declare -A mode=()
while IFS='|' read -r _ path m _; do
	path=$(sed 's/^ *`//; s/` *$//' <<<"$path")
	path=${path//<minor>/$minor}
	path=${path//<N>/$minor}
	mode[$path]=$(tr -d ' ' <<<"$m")
done <<<"$(grep -E '^\| `/sys/' "$TABLE")"
((${#mode[@]} >= 13)) || bad "only ${#mode[@]} rows in $TABLE"

for path in "${!mode[@]}"; do
	if [[ ! -e "$path" ]]; then
		bad "documented but missing: $path"
	elif [[ 0$(stat -c %a "$path") != "${mode[$path]}" ]]; then
		bad "$path: mode 0$(stat -c %a "$path"), documented ${mode[$path]}"
	else
		echo "ok $path ${mode[$path]}"
	fi
done

# what the kernel creates where the project owns the namespace
for path in /sys/kernel/debug/dri/"$minor"/shrinker/* /sys/kernel/debug/dri/"$minor"/vttm/* \
	/sys/kernel/debug/ttm/fail_* /sys/module/vttm/parameters/* \
	/sys/class/drm/card"$minor"/device/svm_* /sys/class/drm/card"$minor"/device/vram_*; do
	[[ -e "$path" ]] || continue
	[[ -n "${mode[$path]:-}" ]] || bad "undocumented node: $path"
done

# Documentation/ABI/testing and the table agree
docs=$(grep -h '^What:' "$PROJECT"/Documentation/ABI/testing/* | awk '{print $2}' | sed 's:/$::' | sort)
table=$(grep -E '^\| `/sys/' "$TABLE" | sed 's/^| `\([^`]*\)`.*/\1/' | sort)
if [[ "$docs" != "$table" ]]; then
	bad "Documentation/ABI/testing and $TABLE differ:"
	echo "Documentation/ABI/testing:"
	echo "$docs"
	echo "table:"
	echo "$table"
fi
((fails == 0))
