#!/bin/bash
# xe-shrinkctl against fake sysfs/debugfs trees (--root), no kernel: every
# subcommand, its text and JSON output (checked with jq), every error path
# and its exit code, install, man page and completion. A FIFO served by a
# background loop stands in for the kernel's shrink node, /dev/full for a
# node whose writes the kernel refuses.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/tap.sh"
BUILD=${BUILD:-$ROOT/build}
OUT="$BUILD/xe-shrinkctl"
W=$(mktemp -d)
server=
stop_server() {
	[[ -n "$server" ]] || return 0
	pkill -P "$server" 2>/dev/null
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
}
trap 'stop_server; rm -rf "$W"' EXIT

mkdir -p "$OUT"
if ! make -s -C "$ROOT/tools/xe-shrinkctl" O="$OUT" CC="ccache gcc" >"$W/make.log" 2>&1; then
	not_ok "xe-shrinkctl builds with -Wall -Wextra -Werror" "$(cat "$W/make.log")"
	done_testing
	exit 1
fi
ok "xe-shrinkctl builds with -Wall -Wextra -Werror"
X="$OUT/xe-shrinkctl"

# The fake machine: card0 is bochs (no shrinker), card1 vttm with every
# node, card2 a device whose shrink and purgeable writes fail.
F="$W/root"
mkdir -p "$F/dev/dri" "$F/sys/kernel/debug/dri/0" "$F/sys/kernel/debug/dri/1/shrinker" \
	"$F/sys/kernel/debug/dri/2/shrinker" "$F/sys/class/drm/card1/device"
touch "$F/dev/dri/card0" "$F/dev/dri/card1" "$F/dev/dri/card2" "$F/dev/dri/renderD128"
echo "bochs-drm dev=0000:00:02.0 unique=0000:00:02.0" >"$F/sys/kernel/debug/dri/0/name"
echo "vttm dev=vttm unique=vttm" >"$F/sys/kernel/debug/dri/1/name"
echo "xe dev=0000:03:00.0 unique=0000:03:00.0" >"$F/sys/kernel/debug/dri/2/name"
S="$F/sys/kernel/debug/dri/1/shrinker"
cat >"$S/stats" <<'EOF'
shrinkable_bytes: 1073741824
purgeable_bytes: 4194304
backed_up_bytes: 2147483648
pinned_bytes: 0
count_calls: 120
scan_calls: 40
scan_ns_total: 5000000
scan_ns_max: 900000
scanned_bos: 300
freed_bytes: 3221225472
purged_bytes: 4194304
backup_bytes: 3217031168
restore_bytes: 1069547520
skipped_locked: 1
skipped_busy: 2
skipped_pinned: 0
skipped_rpm: 3
walk_steps: 400
enospc: 0
backup_errors: 0
restore_errors: 0
EOF
cat >"$S/bos" <<'EOF'
# id size placement state madvise pinned busy pid comm
3 4096 tt resident willneed unpinned idle 100 vttm-demo
1 67108864 system backed_up willneed unpinned idle 100 vttm-demo
2 1048576 vram locked dontneed - - 200 my "odd" app\
7 65536 tt partial dontneed pinned busy 200 -
EOF
: >"$S/purgeable"
echo 65536 >"$F/sys/class/drm/card1/device/svm_migrate_threshold"
ln -s /dev/full "$F/sys/kernel/debug/dri/2/shrinker/shrink"
ln -s /dev/full "$F/sys/kernel/debug/dri/2/shrinker/purgeable"
cp "$S/stats" "$F/sys/kernel/debug/dri/2/shrinker/stats"

# the shrink node: a FIFO answered the way the kernel answers
mkfifo "$S/shrink"
(
	while :; do
		req=$(cat "$S/shrink") || exit 0
		printf 'requested_bytes: %s\nfreed_bytes: %s\npurged_bytes: 4194304\nbacked_up_bytes: %s\nscanned_bos: 12\nduration_ns: 1500000\nstatus: 0\n' \
			"$req" "$req" "$((req - 4194304))" >"$S/shrink"
	done
) >/dev/null 2>&1 </dev/null &
server=$!

x() { "$X" --root "$F" "$@"; }
# check DESC EXPECTED_RC CMD...: exit code and a one-line error on failure
check() {
	local d=$1 want=$2 rc
	shift 2
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	if ((rc != want)); then
		not_ok "$d: exit $want" "exit $rc" "$(cat "$W/out" "$W/err")"
	elif ((want != 0)) && [[ $(wc -l <"$W/err") -ne 1 ]]; then
		not_ok "$d: one-line error" "$(cat "$W/err")"
	else
		ok "$d: exit $want"
	fi
}
# jqcheck DESC FILTER: the last output is JSON and FILTER is true of it
jqcheck() {
	if jq -e "$2" "$W/out" >/dev/null 2>"$W/jqerr"; then ok "$1"; else
		not_ok "$1" "$(cat "$W/out" "$W/jqerr")"; fi
}
has() { if grep -qE -- "$2" "$W/out"; then ok "$1"; else not_ok "$1" "$(cat "$W/out")"; fi; }
err_has() { if grep -qE -- "$2" "$W/err"; then ok "$1"; else not_ok "$1" "$(cat "$W/err")"; fi; }

# list
check "list" 0 x list
has "list shows vttm with all nodes" '^card1 +vttm .* yes +shrink,stats,bos,purgeable$'
has "list shows bochs without nodes" '^card0 +bochs-drm .* no +none$'
check "list --json" 0 x list --json
jqcheck "list JSON: three cards, nodes as booleans" \
	'length == 3 and .[1].driver == "vttm" and .[1].nodes.bos == true and
	 .[0].nodes.stats == false and .[1].svm_migrate_threshold == true and .[0].card == 0'
check "list of an empty root" 0 "$X" --root "$W/empty" list

# stats (default device: the first with the nodes)
check "stats" 0 x stats
has "stats picks card1 by default" '^card1 \(vttm\)'
has "stats shows bytes readably" '^backed_up_bytes +2147483648 +2.0 GiB'
check "stats --json" 0 x --json stats
jqcheck "stats JSON: every key, numbers as numbers" \
	'.card == 1 and .stats.shrinkable_bytes == 1073741824 and .stats.skipped_rpm == 3 and
	 (.stats | length) == 21 and ([.stats[] | type] | unique) == ["number"]'
check "stats -d 2" 0 x -d 2 stats
check "stats -d /dev/dri/card1" 0 x stats -d /dev/dri/card1
check "XE_SHRINKCTL_ROOT" 0 env XE_SHRINKCTL_ROOT="$F" "$X" stats --json
jqcheck "XE_SHRINKCTL_ROOT is the root" '.card == 1'

# shrink
check "shrink --bytes 512M" 0 x shrink --bytes 512M
has "shrink prints the freed bytes" '^  freed_bytes +536870912 +512.0 MiB'
has "shrink prints the time" '^  duration_ns +1500000 +1.500 ms'
check "shrink --json" 0 x shrink --bytes 4096 --json
jqcheck "shrink JSON: the node's result" \
	'.requested_bytes == 4096 and .freed_bytes == 4096 and .purged_bytes == 4194304 and
	 .scanned_bos == 12 and .duration_ns == 1500000 and .status == 0'
check "shrink 2G" 0 x shrink --bytes 2g --json
jqcheck "shrink writes the size in bytes" '.requested_bytes == 2147483648'
for bad in -1 abc "" 12Q 99999999999999999999 0 4K4 " 64K" 64KB 1.5G 17179869184T; do
	check "shrink rejects '$bad'" 2 x shrink --bytes "$bad"
done
check "shrink without --bytes" 2 x shrink
check "shrink refused by the kernel" 1 x -d 2 shrink --bytes 64K
err_has "the kernel's errno is named" 'No space left on device'

# bos
check "bos" 0 x bos
has "bos shows the header" '^ +ID +SIZE +PLACEMENT +STATE'
if [[ $(sed -n 2p "$W/out") =~ ^\ +1\  && $(sed -n 5p "$W/out") =~ ^\ +7\  ]]; then
	ok "bos sorts by id"
else
	not_ok "bos sorts by id" "$(cat "$W/out")"
fi
check "bos --json" 0 x bos --json
jqcheck "bos JSON: four BOs, typed fields, odd comm kept" \
	'length == 4 and (map(.id) == [1,2,3,7]) and .[0].size == 67108864 and
	 .[0].state == "backed_up" and .[1].pinned == null and .[3].pinned == true and
	 .[3].busy == true and .[1].comm == "my \"odd\" app\\" and .[0].pid == 100'
check "bos --sort size --limit 2" 0 x bos --sort size --limit 2 --json
jqcheck "largest first, two of them" 'map(.id) == [1,2]'
check "bos --state backed_up" 0 x bos --state backed_up --json
jqcheck "filter by state" 'map(.id) == [1]'
check "bos --madvise dontneed --pid 200" 0 x bos --madvise dontneed --pid 200 --json
jqcheck "filter by madvise and pid" 'map(.id) == [2,7]'
check "bos --placement vram" 0 x bos --placement vram --json
jqcheck "filter by placement" 'map(.id) == [2]'
check "bos --sort nope" 2 x bos --sort nope
check "bos --state nope" 2 x bos --state nope
check "bos --pid x" 2 x bos --pid x
check "bos --limit -1" 2 x bos --limit -1

# purgeable
check "purgeable 5 dontneed" 0 x purgeable 5 dontneed
if [[ $(cat "$S/purgeable") == "5 dontneed" ]]; then ok "purgeable writes '<id> <advice>'"; else
	not_ok "purgeable writes '<id> <advice>'" "$(cat "$S/purgeable")"; fi
check "purgeable --json" 0 x --json purgeable 6 willneed
jqcheck "purgeable JSON" '.id == 6 and .madvise == "willneed"'
check "purgeable x dontneed" 2 x purgeable x dontneed
check "purgeable 5 maybe" 2 x purgeable 5 maybe
check "purgeable 5" 2 x purgeable 5
check "purgeable 4294967296 dontneed" 2 x purgeable 4294967296 dontneed
check "purgeable refused by the kernel" 1 x -d 2 purgeable 5 dontneed

# threshold
T="$F/sys/class/drm/card1/device/svm_migrate_threshold"
check "threshold" 0 x threshold
has "threshold reads the attribute" '^card1 svm_migrate_threshold: 65536 \(64.0 KiB\)'
check "threshold --json" 0 x threshold --json
jqcheck "threshold JSON" '.svm_migrate_threshold == 65536 and .card == 1'
echo 65536 >"$T"
check "threshold 128K" 0 x threshold 128K --json
jqcheck "threshold set and read back" '.svm_migrate_threshold == 131072'
check "threshold abc" 2 x threshold abc
check "threshold 0" 2 x threshold 0
check "threshold 1 2" 2 x threshold 1 2
check "threshold on a card without it" 3 x -d 0 threshold
rm "$T"
ln -s /dev/full "$T"
check "threshold refused by the kernel" 1 x threshold 4K
err_has "and says so" 'setting the threshold failed'

# watch
check "watch -n 3 -i 0.1 --json" 0 x watch -n 3 -i 0.1 --json
if [[ $(jq -s 'length' "$W/out" 2>/dev/null) == 3 ]] &&
	jq -e -s '.[1].rates_per_s.scan_calls == 0 and .[1].interval_s > 0 and
		(.[0] | has("rates_per_s") | not)' "$W/out" >/dev/null; then
	ok "watch JSON: one object per sample, rates after the first"
else
	not_ok "watch JSON: one object per sample, rates after the first" "$(cat "$W/out")"
fi
check "watch -n 2 -i 0.1" 0 x watch -n 2 -i 0.1
has "watch prints rates" '^scan_calls +40 +0.0/s'
check "watch -n 1 --json" 0 x watch -n 1 --json
jqcheck "watch -n 1: one sample, no rates" '.stats.scan_calls == 40 and (has("rates_per_s") | not)'
check "watch -n 1" 0 x watch -n 1
has "watch -n 1 prints the stats" '^scan_calls +40$'
check "watch -i 0" 2 x watch -i 0
check "watch -i abc" 2 x watch -i abc
check "watch -n 0" 2 x watch -n 0

# usage, missing devices and nodes
check "no command" 2 x
check "unknown command" 2 x frobnicate
check "unknown option" 2 x --frob stats
check "option of another command" 2 x stats --sort id
check "extra argument" 2 x stats extra
check "no such card" 3 x -d 9 stats
check "bad card name" 3 x -d /dev/dri/nope stats
check "card without nodes" 3 x -d 0 stats
err_has "names the missing node" '/sys/kernel/debug/dri/0/shrinker/stats does not exist'
check "no device with nodes" 3 "$X" --root "$W/empty" stats
check "--help" 0 x --help
check "--version" 0 x --version

# permission: debugfs is root-only
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 755 "$W" "$F" "$F/sys" "$F/sys/kernel" "$OUT"
	chmod 700 "$F/sys/kernel/debug"
	check "not root: stats" 4 setpriv --reuid=nobody --regid=nogroup --clear-groups "$X" --root "$F" -d 1 stats
	err_has "says to run as root" 'run as root'
	check "not root: default device" 4 setpriv --reuid=nobody --regid=nogroup --clear-groups "$X" --root "$F" stats
	check "not root: list still works" 0 setpriv --reuid=nobody --regid=nogroup --clear-groups "$X" --root "$F" list
	has "list says why nodes are not shown" 'no access: run as root'
	chmod 755 "$F/sys/kernel/debug"
else
	not_ok "permission tests need the nobody user and setpriv"
fi

# install, man page, completion
check "make install" 0 make -s -C "$ROOT/tools/xe-shrinkctl" O="$OUT" CC="ccache gcc" \
	DESTDIR="$W/dest" PREFIX=/usr install
for f in usr/sbin/xe-shrinkctl usr/share/man/man8/xe-shrinkctl.8 \
	usr/share/bash-completion/completions/xe-shrinkctl; do
	if [[ -e "$W/dest/$f" ]]; then ok "installs $f"; else not_ok "installs $f"; fi
done
if warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$ROOT/tools/xe-shrinkctl/xe-shrinkctl.8" 2>&1) &&
	[[ -z "$warn" ]]; then
	ok "the man page formats without warnings"
else
	not_ok "the man page formats without warnings" "$warn"
fi
for cmd in list stats shrink bos purgeable threshold watch; do
	if grep -qE "^\.SS \"?$cmd" "$ROOT/tools/xe-shrinkctl/xe-shrinkctl.8"; then
		ok "the man page documents $cmd"
	else
		not_ok "the man page documents $cmd"
	fi
done
comp=$(bash -c '. "$1"; COMP_WORDS=(xe-shrinkctl s); COMP_CWORD=1; _xe_shrinkctl; echo "${COMPREPLY[*]}"' \
	_ "$ROOT/tools/xe-shrinkctl/xe-shrinkctl.bash")
if [[ "$comp" == "stats shrink" ]]; then ok "completion completes commands"; else
	not_ok "completion completes commands" "got '$comp'"; fi
comp=$(bash -c '. "$1"; COMP_WORDS=(xe-shrinkctl bos --sort s); COMP_CWORD=3; _xe_shrinkctl; echo "${COMPREPLY[*]}"' \
	_ "$ROOT/tools/xe-shrinkctl/xe-shrinkctl.bash")
if [[ "$comp" == "size state" ]]; then ok "completion completes option values"; else
	not_ok "completion completes option values" "got '$comp'"; fi

done_testing
