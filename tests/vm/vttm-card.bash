# Sourced by the shell VM tests (not a test itself: run-tests.sh runs
# *.sh): the first vttm card. vttm creates its platform devices itself, so
# they have no driver link: the modalias names them. Sets card (its
# /sys/class/drm path), minor, dev (its dev_name(), as the ttm events print
# it) and debugfs (its shrinker nodes).
# shellcheck shell=bash
card=
for c in /sys/class/drm/card[0-9]*; do
	[[ "$(cat "$c/device/modalias" 2>/dev/null)" == platform:vttm ]] && { card=$c; break; }
done
[[ -n "$card" ]] || { echo "no vttm card"; exit 1; }
minor=${card##*card}
dev=$(basename "$(readlink -f "$card/device")")
debugfs=/sys/kernel/debug/dri/$minor/shrinker
