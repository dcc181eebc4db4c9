#!/bin/bash
# xe-shrinkctl against fake sysfs/debugfs/proc trees (--root), no kernel:
# every command, its text and JSON output (checked with jq: values, types,
# the schema), every error path and its exit code, JSON errors, sizes as
# printed and typed, the --force rule, kernel lockdown, unprivileged use
# (setpriv as nobody), the build with a packager's CFLAGS, install, the man
# page and the bash and zsh completions. FIFOs served by background loops
# stand in for the kernel's shrink node and for a changing stats node,
# /dev/full for a node whose writes the kernel refuses, an immutable file
# (chattr +i: EPERM, even for root) for a node under lockdown.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/tap.sh"
BUILD=${BUILD:-$ROOT/build}
OUT="$BUILD/xe-shrinkctl"
SRC="$ROOT/tools/xe-shrinkctl"
W=$(mktemp -d)
servers=()
immutable=()
cleanup() {
	local s
	for s in "${servers[@]}"; do
		pkill -P "$s" 2>/dev/null
		kill "$s" 2>/dev/null
		wait "$s" 2>/dev/null
	done
	((${#immutable[@]})) && chattr -i "${immutable[@]}" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

mkdir -p "$OUT"
if ! make -s -C "$SRC" O="$OUT" CC="ccache gcc" >"$W/make.log" 2>&1; then
	not_ok "xe-shrinkctl builds with -Wall -Wextra -Werror" "$(cat "$W/make.log")"
	done_testing
	exit 1
fi
ok "xe-shrinkctl builds with -Wall -Wextra -Werror"
X="$OUT/xe-shrinkctl"

# ---- the fake machine ----
# card0: bochs on PCI, no shrinker; card1: vttm (platform) with every
# node; card2: an xe whose shrink and purgeable writes fail and that has
# no sysfs device (its driver comes from debugfs); card3: a second vttm
# whose stats change at every read. renderD128 and renderD129 are the
# render nodes of card0 and card1.
F="$W/root"
D="$F/sys/kernel/debug/dri"
mkdir -p "$F/dev/dri" "$D/0" "$D/1/shrinker" "$D/2/shrinker" "$D/3/shrinker"
touch "$F/dev/dri/"{card0,card1,card2,card3,renderD128,renderD129}
echo "bochs-drm dev=0000:00:02.0 unique=0000:00:02.0" >"$D/0/name"
echo "vttm dev=vttm.0 unique=vttm.0" >"$D/1/name"
echo "xe dev=0000:03:00.0 unique=0000:03:00.0" >"$D/2/name"
echo "vttm dev=vttm.1 unique=vttm.1" >"$D/3/name"
# sysdev CARD DEVPATH BUS DRIVER|- [RENDER]: a sysfs device as the kernel
# links it; "-": no driver is bound (vttm creates its platform device
# itself), only its modalias names it
sysdev() {
	local dev="$F/sys/devices/$2" n b
	mkdir -p "$dev/drm/card$1" "$F/sys/class/drm/card$1"
	if [[ $4 == - ]]; then
		b=${2##*/}
		echo "platform:${b%.*}" >"$dev/modalias"
	else
		ln -s "../../../bus/$3/drivers/$4" "$dev/driver"
		echo "pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00" >"$dev/modalias"
	fi
	ln -s "../../../bus/$3" "$dev/subsystem"
	ln -s "../../../devices/$2" "$F/sys/class/drm/card$1/device"
	for n in "${@:5}"; do
		mkdir -p "$dev/drm/$n" "$F/sys/class/drm/$n"
		ln -s "../../../devices/$2" "$F/sys/class/drm/$n/device"
	done
}
sysdev 0 pci0000:00/0000:00:02.0 pci bochs-drm renderD128
sysdev 1 platform/vttm.0 platform - renderD129
sysdev 3 platform/vttm.1 platform vttm
S="$D/1/shrinker"
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
skipped_fragmentation: 5
walk_steps: 400
enospc: 0
backup_errors: 0
restore_errors: 0
EOF
# BO 9 is this script's: the CLI's caller
cat >"$S/bos" <<EOF
# id size placement state madvise pinned busy pid comm
3 4096 tt resident willneed unpinned idle 100 vttm-demo
1 67108864 system backed_up willneed unpinned idle 100 vttm-demo
2 1048576 vram locked dontneed - - 200 my "odd" app\\
7 65536 tt partial dontneed pinned busy 200 -
8 1572864 tt resident willneed unpinned idle 101 café-app
9 2097152 tt resident willneed unpinned idle $$ host-test
10 8192 system resident willneed unpinned idle 1 init
EOF
printf '11 4096 tt resident willneed unpinned idle 102 bad\xff\x01name\n' >>"$S/bos"
: >"$S/purgeable"
T="$F/sys/class/drm/card1/device/svm_migrate_threshold"
echo 65536 >"$T"
ln -s /dev/full "$D/2/shrinker/shrink"
ln -s /dev/full "$D/2/shrinker/purgeable"
cp "$S/stats" "$D/2/shrinker/stats"

# /proc: DRM clients. fdinfo DRIVER CLIENT-ID [KEY VALUE]...
fdinfo() {
	printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t1085\ndrm-driver:\t%s\ndrm-client-id:\t%s\n' "$1" "$2"
	shift 2
	while (($#)); do
		printf '%s:\t%s\n' "$1" "$2"
		shift 2
	done
}
# drmfd PID COMM FD NODE FDINFO-ARGS...: process PID has NODE open as FD
drmfd() {
	local p="$F/proc/$1"
	mkdir -p "$p/fd" "$p/fdinfo"
	printf '%s\n' "$2" >"$p/comm"
	ln -s "$4" "$p/fd/$3"
	fdinfo "${@:5}" >"$p/fdinfo/$3"
}
# client 5: two fds in pid 100 (card and render node) and one in its child 102
C5=(drm-total-memory "65536 KiB" drm-shared-memory 0 drm-resident-memory "32 MiB"
	drm-purgeable-memory "4096 KiB" drm-total-vram "16 MiB" drm-resident-vram "16 MiB"
	drm-purgeable-vram 0 vttm-backed-up-memory "32768 KiB")
drmfd 100 vttm-demo 3 /dev/dri/card1 vttm 5 "${C5[@]}"
drmfd 100 vttm-demo 4 /dev/dri/renderD129 vttm 5 "${C5[@]}"
drmfd 100 vttm-demo 5 /dev/dri/renderD129 vttm 6 drm-total-memory 4096 \
	drm-resident-memory 4096 vttm-backed-up-memory "0 KiB"
ln -s /dev/null "$F/proc/100/fd/0"
printf 'pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t5\n' >"$F/proc/100/fdinfo/0"
drmfd 102 vttm-demo 3 /dev/dri/renderD129 vttm 5 "${C5[@]}"
drmfd 101 café-app 7 /dev/dri/renderD129 vttm 7 drm-total-memory "1 MiB" \
	drm-resident-memory "1 MiB"
drmfd 200 bochs-client 3 /dev/dri/card0 bochs-drm 1 drm-total-memory "8 MiB"
drmfd 600 xe-client 3 /dev/dri/card2 xe 3 drm-total-system "64 MiB" \
	drm-resident-system "48 MiB" xe-backed-up-system "16 MiB"
# not DRM at all
mkdir -p "$F/proc/300/fd" "$F/proc/300/fdinfo"
ln -s /dev/null "$F/proc/300/fd/0"
printf 'pos:\t0\nflags:\t0100002\n' >"$F/proc/300/fdinfo/0"
# root's only: a client, and one whose fdinfo is malformed
drmfd 400 secret 3 /dev/dri/card1 vttm 9 drm-total-memory "2 MiB"
drmfd 500 broken 3 /dev/dri/card1 vttm 11 drm-total-memory lots
chmod 700 "$F/proc/400/fdinfo" "$F/proc/500/fdinfo"

# the shrink node: a FIFO answered the way the kernel answers; the request
# lands in $W/shrink-req
mkfifo "$S/shrink"
(
	trap '' PIPE
	while :; do
		req=$(cat "$S/shrink") || exit 0
		printf '%s' "$req" >"$W/shrink-req"
		case $req in
		all) printf 'requested_bytes: 0\nfreed_bytes: 104857600\npurged_bytes: 4194304\nbacked_up_bytes: 100663296\nscanned_bos: 30\nduration_ns: 2500000\nstatus: 0\n' ;;
		purge) printf 'requested_bytes: 0\nfreed_bytes: 8388608\npurged_bytes: 8388608\nbacked_up_bytes: 0\nscanned_bos: 7\nduration_ns: 300000\nstatus: 0\n' ;;
		*) printf 'requested_bytes: %s\nfreed_bytes: %s\npurged_bytes: 4194304\nbacked_up_bytes: %s\nscanned_bos: 12\nskipped_locked: 2\nskipped_busy: 1\nduration_ns: 1500000\nstatus: 0\n' \
			"$req" "$req" "$((req - 4194304))" ;;
		esac >"$S/shrink"
	done
) >/dev/null 2>&1 </dev/null &
servers+=($!)
# card3's stats: read k: freed_bytes grows by 1 MiB, backed_up_bytes (a
# gauge) falls by 1 MiB, scan_ns_max falls, restore_errors goes down (a
# counter that was reset). Each read gets one sample: the next is written
# only once the reader has closed the FIFO (no process has it open).
mkfifo "$D/3/shrinker/stats"
(
	trap '' PIPE
	fifo="$D/3/shrinker/stats"
	k=0
	while :; do
		printf 'shrinkable_bytes: 1048576\npurgeable_bytes: 0\nbacked_up_bytes: %d\npinned_bytes: 0\ncount_calls: %d\nscan_ns_total: %d\nscan_ns_max: %d\nfreed_bytes: %d\nrestore_errors: %d\n' \
			$((2147483648 - k * 1048576)) $((120 + k)) $((5000000 + k * 1000000)) \
			$((900000 - k * 1000)) $((3221225472 + k * 1048576)) $((1000 - k)) >"$fifo"
		k=$((k + 1))
		reading=1
		while ((reading)); do
			reading=0
			for fd in /proc/[0-9]*/fd/*; do
				[[ $fd -ef $fifo ]] && reading=1 && sleep 0.01 && break
			done
		done
	done
) >/dev/null 2>&1 </dev/null &
servers+=($!)

x() { "$X" --root "$F" "$@"; }
# check DESC EXPECTED_RC CMD...: exit code, and a one-line error on stderr
# on failure
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
# jerr DESC EXPECTED_RC ERRNO CMD...: in JSON mode, the exit code, one JSON
# error object on stdout with that errno ("null" for none), stderr empty
jerr() {
	local d=$1 want=$2 errno=$3 rc
	shift 3
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	if ((rc != want)); then
		not_ok "$d: exit $want" "exit $rc" "$(cat "$W/out" "$W/err")"
	elif [[ -s "$W/err" ]] || [[ $(jq -s length "$W/out" 2>/dev/null) != 1 ]] ||
		! jq -e --argjson rc "$want" --arg errno "$errno" \
			'.schema == 1 and has("card") and (.error | keys) == ["errno", "exit_code", "message"] and
			 .error.exit_code == $rc and (.error.errno | tostring) == $errno and
			 (.error.message | length) > 10' "$W/out" >/dev/null 2>&1; then
		not_ok "$d: JSON error, exit $want, $errno" "$(cat "$W/out" "$W/err")"
	else
		ok "$d: JSON error, exit $want, $errno"
	fi
}
# jqcheck DESC FILTER: the last output is JSON and FILTER is true of it
jqcheck() {
	if jq -e "$2" "$W/out" >/dev/null 2>"$W/jqerr"; then ok "$1"; else
		not_ok "$1" "$(cat "$W/out" "$W/jqerr")"; fi
}
has() { if grep -qE -- "$2" "$W/out"; then ok "$1"; else not_ok "$1" "$(cat "$W/out")"; fi; }
hasnt() { if grep -qE -- "$2" "$W/out"; then not_ok "$1" "$(cat "$W/out")"; else ok "$1"; fi; }
err_has() { if grep -qE -- "$2" "$W/err"; then ok "$1"; else not_ok "$1" "$(cat "$W/err")"; fi; }
# same DESC GOT WANT
same() { if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1" "got  '$2'" "want '$3'"; fi; }
# keep the JSON of every command, for the checks across commands at the end
keep() { cat "$W/out" >>"$W/all.json"; }

# ---- list ----
check "list" 0 x list
has "list shows vttm (no driver bound: its modalias) with all nodes, bus from sysfs" \
	'^card1 +vttm +platform +yes +shrink,stats,bos,purgeable$'
has "list shows bochs on PCI from sysfs, without nodes" '^card0 +bochs-drm +pci 0000:00:02.0 +no +none$'
has "list: without sysfs links, the driver from debugfs" '^card2 +xe +- +no +shrink,stats,purgeable$'
check "list --json" 0 x list --json
keep
jqcheck "list JSON: schema, no card, four devices" \
	'.schema == 1 and .card == null and (.devices | map(.card)) == ["card0","card1","card2","card3"]'
jqcheck "list JSON: driver, bus, minor, nodes present" \
	'.devices[1].driver == "vttm" and .devices[1].bus == "platform" and .devices[1].minor == 1 and
	 .devices[1].nodes == ["shrink","stats","bos","purgeable"] and .devices[0].nodes == [] and
	 .devices[0].bus == "pci 0000:00:02.0" and .devices[2].driver == "xe"'
jqcheck "list JSON: svm_migrate_threshold is the number, or null" \
	'[.devices[].svm_migrate_threshold] == [null, 65536, null, null]'
check "list of an empty root" 0 "$X" --root "$W/empty" list
check "list --json of an empty root" 0 "$X" --root "$W/empty" list --json
jqcheck "no devices: an empty array" '.devices == []'

# ---- stats (default device: the first with the nodes) ----
check "stats" 0 x stats
has "stats picks card1 by default, with a timestamp" \
	'^card1 \(vttm\) shrinker stats, [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
has "stats shows bytes readably" '^backed_up_bytes +2147483648 +2.0 GiB$'
has "stats shows nanoseconds as milliseconds" '^scan_ns_max +900000 +0.900 ms$'
has "stats shows counters as they are" '^scan_calls +40$'
check "stats --json" 0 x --json stats
keep
jqcheck "stats JSON: every key, numbers as numbers" \
	'.schema == 1 and .card == "card1" and .driver == "vttm" and
	 .stats.shrinkable_bytes == 1073741824 and .stats.skipped_rpm == 3 and .stats.skipped_fragmentation == 5 and
	 (.stats | length) == 22 and ([.stats[] | type] | unique) == ["number"]'
jqcheck "stats JSON: a timestamp (seconds since the epoch)" \
	'(.timestamp | type) == "number" and ((.timestamp - now) | fabs) < 600'
check "stats -d 2" 0 x -d 2 stats
check "stats -d /dev/dri/card1" 0 x stats -d /dev/dri/card1
check "stats -d card1" 0 x stats -d card1
check "XE_SHRINKCTL_ROOT" 0 env XE_SHRINKCTL_ROOT="$F" "$X" stats --json
jqcheck "XE_SHRINKCTL_ROOT is the root" '.card == "card1"'
check "stats -a --json" 0 x stats -a --json
keep
jqcheck "stats -a: every device with the nodes" \
	'.card == null and (.devices | map(.card)) == ["card1","card2","card3"] and
	 .devices[0].stats.scan_calls == 40 and .devices[2].driver == "vttm"'
check "stats -a -d 1" 2 x stats -a -d 1

# ---- shrink and purge ----
echo none >"$W/shrink-req"
check "shrink --bytes 512M" 0 x shrink --bytes 512M
has "shrink prints the request" '^card1 \(vttm\): shrink 512.0 MiB$'
has "shrink prints the freed bytes" '^  freed_bytes +536870912 +512.0 MiB$'
has "shrink prints the time" '^  duration_ns +1500000 +1.500 ms$'
has "shrink prints the BOs it found held" '^  skipped_locked +2$'
check "shrink --json" 0 x shrink --bytes 4096 --json
keep
jqcheck "shrink JSON: the node's result" \
	'.schema == 1 and .card == "card1" and .request == "4096" and
	 .requested_bytes == 4096 and .freed_bytes == 4096 and .purged_bytes == 4194304 and
	 .scanned_bos == 12 and .skipped_locked == 2 and .skipped_busy == 1 and
	 .duration_ns == 1500000 and .status == 0'
check "shrink --all --json" 0 x --json shrink --all
keep
jqcheck "shrink JSON: a key an older kernel does not print is null" \
	'.skipped_locked == null and .scanned_bos == 30'
check "shrink --all" 0 x shrink --all
same "shrink --all writes 'all'" "$(cat "$W/shrink-req")" all
has "shrink --all prints the result" '^  freed_bytes +104857600 +100.0 MiB$'
check "shrink --all --json" 0 x --json shrink --all
jqcheck "shrink --all JSON" '.request == "all" and .freed_bytes == 104857600 and .backed_up_bytes == 100663296'
check "purge" 0 x purge
same "purge writes 'purge'" "$(cat "$W/shrink-req")" purge
has "purge prints the result" '^card1 \(vttm\): purge$'
has "purge prints the purged bytes" '^  purged_bytes +8388608 +8.0 MiB$'
check "purge --json" 0 x purge --json
keep
jqcheck "purge JSON: the same keys" \
	'.request == "purge" and .purged_bytes == 8388608 and .freed_bytes == 8388608 and
	 ([.requested_bytes, .backed_up_bytes, .scanned_bos, .duration_ns, .status] | map(type) | unique) == ["number"]'
echo none >"$W/shrink-req"
check "shrink --all --bytes 4K" 2 x shrink --all --bytes 4K
check "shrink without --bytes or --all" 2 x shrink
check "purge --bytes 4K" 2 x purge --bytes 4K
check "purge extra" 2 x purge extra
check "--all on purge" 2 x purge --all
same "usage errors write nothing" "$(cat "$W/shrink-req")" none
check "shrink refused by the kernel" 1 x -d 2 shrink --bytes 64K
err_has "the kernel's errno is named" 'No space left on device'
check "shrink --all refused by the kernel" 1 x -d 2 shrink --all
check "purge refused by the kernel" 1 x -d 2 purge

# ---- sizes: what the CLI prints, it accepts ----
for pair in 4096:4096 64K:65536 64MiB:67108864 64.0MiB:67108864 "64.0 MiB:67108864" \
	1.5G:1610612736 1.5GiB:1610612736 512KiB:524288 2M:2097152 2m:2097152 0.5K:512 \
	"512 B:512" 512B:512 1.25M:1310720 "1.0 TiB:1099511627776" 65.3MiB:68472013; do
	check "shrink --bytes '${pair%:*}'" 0 x shrink --bytes "${pair%:*}" --json
	jqcheck "'${pair%:*}' is ${pair##*:} bytes" ".requested_bytes == ${pair##*:}"
done
# the SIZE column of bos read back
x bos >"$W/bos.txt"
while read -r id size unit _; do
	[[ $id =~ ^[0-9]+$ && $unit =~ ^(B|KiB|MiB|GiB)$ ]] || continue
	x shrink --bytes "$size $unit" --json >"$W/out" 2>&1
	want=$(x bos --json | jq ".bos[] | select(.id == $id) | .size")
	jqcheck "bos prints BO $id as '$size $unit', which reads back as $want" \
		".requested_bytes == $want"
done <"$W/bos.txt"
echo none >"$W/shrink-req"
for bad in -1 abc "" 12Q 99999999999999999999 0 4K4 " 64K" 64KB 17179869184T 1.5 "1.5 " \
	"64 " 1.2345678G 0.0000001K 1..5G .5G 5.G "64  MiB" 64Mi 64MiBs 1e3 0x10 0.4B "0 KiB"; do
	check "shrink rejects '$bad'" 2 x shrink --bytes "$bad"
done
same "rejected sizes write nothing" "$(cat "$W/shrink-req")" none
jerr "--json: a bad size" 2 EINVAL x --json shrink --bytes 12Q
jerr "--json: a size too large" 2 ERANGE x shrink --bytes 17179869184T --json

# ---- bos ----
check "bos" 0 x bos
has "bos shows the header" '^ +ID +SIZE +PLACEMENT +STATE'
if [[ $(sed -n 2p "$W/out") =~ ^\ +1\  && $(sed -n 9p "$W/out") =~ ^\ +11\  ]]; then
	ok "bos sorts by id"
else
	not_ok "bos sorts by id" "$(cat "$W/out")"
fi
has "bos counts in the plural" '^8 BOs, 68.6 MiB$'
has "bos: UTF-8 names as they are" ' 101 café-app$'
has "bos: bytes that are not text become '?'" ' 102 bad\?\?name$'
check "bos --json" 0 x bos --json
keep
jqcheck "bos JSON: the BOs in id order, their count and total" \
	'.schema == 1 and .card == "card1" and .count == 8 and .total_bytes == 71909376 and
	 (.bos | map(.id)) == [1,2,3,7,8,9,10,11]'
jqcheck "bos JSON: fields and types" \
	'.bos[0].size == 67108864 and .bos[0].state == "backed_up" and .bos[1].pinned == null and
	 .bos[3].pinned == true and .bos[3].busy == true and .bos[1].comm == "my \"odd\" app\\" and
	 .bos[0].pid == 100'
jqcheck "bos JSON: UTF-8 passes through: café-app" \
	'(.bos[] | select(.id == 8) | .comm) == "café-app"'
if x bos --json | jq -r '.bos[] | select(.id == 8) | .comm' | grep -qx 'café-app' &&
	x bos --json | grep -q '"comm":"café-app"'; then
	ok "bos JSON: café-app is not escaped, and jq reads it back"
else
	not_ok "bos JSON: café-app is not escaped, and jq reads it back" "$(x bos --json)"
fi
jqcheck "bos JSON: invalid UTF-8 becomes U+FFFD" \
	'(.bos[] | select(.id == 11) | .comm) == "bad\ufffd\u0001name"'
check "bos --sort size --limit 2" 0 x bos --sort size --limit 2 --json
jqcheck "largest first, two of them" '(.bos | map(.id)) == [1,9] and .count == 2'
check "bos --state backed_up" 0 x bos --state backed_up
has "one BO in the singular" '^1 BO, 64.0 MiB$'
check "bos --state purged" 0 x bos --state purged
has "no BO in the plural" '^0 BOs, 0 B$'
check "bos --state backed_up --json" 0 x bos --state backed_up --json
jqcheck "filter by state" '(.bos | map(.id)) == [1]'
check "bos --madvise dontneed --pid 200" 0 x bos --madvise dontneed --pid 200 --json
jqcheck "filter by madvise and pid" '(.bos | map(.id)) == [2,7]'
check "bos --placement vram" 0 x bos --placement vram --json
jqcheck "filter by placement" '(.bos | map(.id)) == [2]'
check "bos --sort nope" 2 x bos --sort nope
check "bos --state nope" 2 x bos --state nope
check "bos --placement nope" 2 x bos --placement nope
err_has "--placement says what it takes" 'vram, tt or system'
check "bos --pid x" 2 x bos --pid x
check "bos --limit -1" 2 x bos --limit -1

# ---- purgeable ----
node() { cat "$S/purgeable"; }
check "purgeable 9 dontneed (the caller's BO)" 0 x purgeable 9 dontneed
same "purgeable writes '<id> <advice>'" "$(node)" "9 dontneed"
: >"$S/purgeable"
check "purgeable 9 dontneed from a shell the caller started" 0 \
	bash -c '"$1" --root "$2" purgeable 9 dontneed; exit $?' _ "$X" "$F"
same "through the shell: written" "$(node)" "9 dontneed"
: >"$S/purgeable"
check "purgeable 1 dontneed (pid 100's BO)" 2 x purgeable 1 dontneed
err_has "says whose BO it is and what to do" 'BO 1 belongs to pid 100 \(vttm-demo\).*--force'
same "refused: nothing written" "$(node)" ""
check "purgeable 10 dontneed (init's BO)" 2 x purgeable 10 dontneed
check "purgeable 9 dontneed from another session" 2 \
	setsid bash -c '"$1" --root "$2" purgeable 9 dontneed; exit $?' _ "$X" "$F"
same "refused: nothing written" "$(node)" ""
jerr "--json: another process's BO" 2 null x --json purgeable 1 dontneed
check "purgeable 1 dontneed --force" 0 x purgeable 1 dontneed --force
same "with --force: written" "$(node)" "1 dontneed"
check "purgeable 1 willneed needs no --force" 0 x purgeable 1 willneed
same "willneed: written" "$(node)" "1 willneed"
check "purgeable -f" 0 x purgeable -f 2 dontneed
check "purgeable --json" 0 x --json purgeable 6 willneed
keep
jqcheck "purgeable JSON" '.schema == 1 and .card == "card1" and .id == 6 and .madvise == "willneed"'
check "purgeable x dontneed" 2 x purgeable x dontneed
check "purgeable 5 maybe" 2 x purgeable 5 maybe
check "purgeable 5" 2 x purgeable 5
check "purgeable 4294967296 dontneed" 2 x purgeable 4294967296 dontneed
check "--force on another command" 2 x bos --force
check "purgeable refused by the kernel" 1 x -d 2 purgeable 5 dontneed --force
check "purgeable without a bos node to tell the owner" 3 x -d 2 purgeable 5 dontneed

# ---- threshold ----
check "threshold" 0 x threshold
has "threshold reads the attribute" '^card1 svm_migrate_threshold: 65536 \(64.0 KiB\)$'
check "threshold --json" 0 x threshold --json
keep
jqcheck "threshold JSON" '.schema == 1 and .svm_migrate_threshold == 65536 and .card == "card1"'
check "threshold 128K" 0 x threshold 128K --json
jqcheck "threshold set and read back" '.svm_migrate_threshold == 131072'
check "threshold 2M" 0 x threshold 2M
check "threshold 4KiB" 0 x threshold 4KiB
same "threshold 4KiB wrote 4096" "$(cat "$T")" 4096
for bad in abc 0 3000 2048 6K 4M 1.5K -4096; do
	check "threshold $bad" 2 x threshold "$bad"
done
same "rejected thresholds write nothing" "$(cat "$T")" 4096
jerr "--json: a threshold out of range" 2 EINVAL x --json threshold 4M
check "threshold 1 2" 2 x threshold 1 2
check "threshold on a card without it" 3 x -d 0 threshold
rm "$T"
ln -s /dev/full "$T"
check "threshold refused by the kernel" 1 x threshold 4K
err_has "and says so" 'setting the threshold failed'
rm "$T"
echo 65536 >"$T"

# ---- watch: gauges as values, counters as rates, timestamps ----
check "watch -n 3 -i 0.1 --json" 0 x watch -n 3 -i 0.1 --json
cat "$W/out" >>"$W/all.json"
if [[ $(jq -s 'length' "$W/out" 2>/dev/null) == 3 && $(wc -l <"$W/out") == 3 ]] &&
	jq -e -s 'all(.[]; .schema == 1 and .card == "card1" and ((.timestamp - now) | fabs) < 600) and
		.[1].rates_per_s.scan_calls == 0 and .[1].interval_s > 0.05 and
		(.[0] | has("rates_per_s") or has("interval_s") | not)' "$W/out" >/dev/null; then
	ok "watch JSON: one line per sample (NDJSON), timestamps, rates after the first"
else
	not_ok "watch JSON: one line per sample (NDJSON), timestamps, rates after the first" "$(cat "$W/out")"
fi
check "watch -d 3 -n 2 -i 0.1 --json" 0 x -d 3 watch -n 2 -i 0.1 --json
if jq -e -s '.[1] as $s | $s.rates_per_s as $r |
	($r | has("backed_up_bytes") or has("scan_ns_max") or has("shrinkable_bytes") | not) and
	$r.freed_bytes > 0 and (($r.freed_bytes - 1048576 / $s.interval_s) | fabs) < 0.01 * $r.freed_bytes and
	$r.count_calls > 0 and $r.restore_errors == null and
	([$r[] | select(. != null)] | all(. >= 0)) and
	$s.stats.backed_up_bytes < .[0].stats.backed_up_bytes' "$W/out" >/dev/null; then
	ok "watch JSON: gauges have no rate, counters do, a reset counter is null, none negative"
else
	not_ok "watch JSON: gauges have no rate, counters do, a reset counter is null, none negative" \
		"$(cat "$W/out")"
fi
check "watch -d 3 -n 2 -i 0.1" 0 x -d 3 watch -n 2 -i 0.1
sed -n '/^$/,$p' "$W/out" | tail -n +2 >"$W/first"
tail -n 11 "$W/out" >"$W/second"
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}, every 0.1 s$' "$W/out" &&
	[[ $(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}, every' "$W/out") == 2 ]]; then
	ok "watch text: a timestamp in every sample"
else
	not_ok "watch text: a timestamp in every sample" "$(cat "$W/out")"
fi
if grep -qE '^backed_up_bytes +[0-9]+ +[0-9.]+ GiB$' "$W/second" &&
	grep -qE '^scan_ns_max +[0-9]+ +0.89[0-9] ms$' "$W/second" &&
	grep -qE '^freed_bytes +[0-9]+ +3.0 GiB +[0-9.]+ MiB/s$' "$W/second" &&
	grep -qE '^restore_errors +[0-9]+ +- \(reset\)$' "$W/second" &&
	! grep -qE -- '-[0-9]' "$W/second"; then
	ok "watch text: gauges as values, counters with rates, no negative rate"
else
	not_ok "watch text: gauges as values, counters with rates, no negative rate" "$(cat "$W/second")"
fi
check "watch -n 2 -i 0.1" 0 x watch -n 2 -i 0.1
has "watch prints rates" '^scan_calls +40 +0.0/s$'
# every value ends in the same column, keys longer than the default too
ends=$(awk '/^[a-z_]+ +[0-9]+/ { match($0, /^[a-z_]+ +[0-9]+/); print RLENGTH }' "$W/out" | sort -u)
if grep -qE '^skipped_fragmentation +5 ' "$W/out" && [[ $(wc -l <<<"$ends") == 1 ]]; then
	ok "watch text: one column for the values, however long the key"
else
	not_ok "watch text: one column for the values, however long the key" "$(cat "$W/out")"
fi
check "watch -n 1 --json" 0 x watch -n 1 --json
jqcheck "watch -n 1: one sample, no rates" '.stats.scan_calls == 40 and (has("rates_per_s") | not)'
check "watch -n 1" 0 x watch -n 1
has "watch -n 1 prints the stats" '^scan_calls +40$'
check "watch -a -n 2 -i 0.1 --json" 0 x watch -a -n 2 -i 0.1 --json
if jq -e -s 'length == 2 and all(.[]; .card == null and (.devices | map(.card)) == ["card1","card2","card3"]) and
	.[1].devices[2].rates_per_s.freed_bytes > 0 and .[1].devices[0].rates_per_s.scan_calls == 0' \
	"$W/out" >/dev/null; then
	ok "watch -a: every device with the nodes, in each sample"
else
	not_ok "watch -a: every device with the nodes, in each sample" "$(cat "$W/out")"
fi
check "watch -a -n 1" 0 x watch -a -n 1
if [[ $(grep -c 'shrinker stats$' "$W/out") == 3 ]]; then ok "watch -a text: three devices"; else
	not_ok "watch -a text: three devices" "$(cat "$W/out")"; fi
check "watch -i 0" 2 x watch -i 0
check "watch -i abc" 2 x watch -i abc
check "watch -n 0" 2 x watch -n 0
check "watch -a -d 1" 2 x watch -a -d 1

# ---- clients ----
check "clients" 0 x clients
has "clients: one line per client and region" \
	'^card1 +5 +100 memory +64.0 MiB +32.0 MiB +4.0 MiB +32.0 MiB vttm-demo$'
has "clients: a region without backed-up key" '^card1 +5 +100 vram +16.0 MiB +16.0 MiB +0 B +- vttm-demo$'
has "clients: UTF-8 comm" '^card1 +7 +101 memory +1.0 MiB +1.0 MiB +- +- café-app$'
has "clients: <driver>-backed-up-<region> for any driver" \
	'^card2 +3 +600 system +64.0 MiB +48.0 MiB +- +16.0 MiB xe-client$'
has "clients: counted once per client" '^6 clients$'
err_has "clients: a malformed fdinfo is reported" 'warning: 1 DRM fdinfo files not understood'
check "clients --json" 0 x clients --json
keep
jqcheck "clients JSON: deduplicated by card and client id, sorted" \
	'.schema == 1 and .card == null and .count == 6 and
	 (.clients | map([.card, .client_id])) == [["card0",1],["card1",5],["card1",6],["card1",7],["card1",9],["card2",3]]'
jqcheck "clients JSON: three fds of client 5, the lowest pid" \
	'.clients[1] | .fds == 3 and .pid == 100 and .comm == "vttm-demo" and .driver == "vttm"'
jqcheck "clients JSON: memory per region in bytes" \
	'.clients[1].regions == {"memory": {"total_bytes": 67108864, "shared_bytes": 0,
	   "resident_bytes": 33554432, "purgeable_bytes": 4194304, "backed_up_bytes": 33554432},
	 "vram": {"total_bytes": 16777216, "shared_bytes": null, "resident_bytes": 16777216,
	   "purgeable_bytes": 0, "backed_up_bytes": null}}'
jqcheck "clients JSON: plain byte counts and 0 KiB" \
	'.clients[2].regions.memory | .total_bytes == 4096 and .backed_up_bytes == 0'
jqcheck "clients JSON: café-app round trip" '(.clients[] | select(.client_id == 7) | .comm) == "café-app"'
jqcheck "clients JSON: xe's backed-up key" '.clients[5].regions.system.backed_up_bytes == 16777216'
check "clients -d 1 --json" 0 x clients -d 1 --json
jqcheck "clients -d 1: only card1's" '.card == "card1" and (.clients | map(.client_id)) == [5,6,7,9]'
check "clients -d 0" 0 x clients -d 0
has "one client in the singular" '^1 client$'
check "clients -d 9" 3 x clients -d 9
check "clients of an empty root" 0 "$X" --root "$W/empty" clients --json
jqcheck "no clients: an empty array" '.clients == [] and .count == 0'

# ---- top: stats, rates and clients ----
check "top -n 1 --json" 0 x top -n 1 --json
keep
jqcheck "top JSON: stats and card1's clients" \
	'.card == "card1" and .stats.scan_calls == 40 and (.clients | map(.client_id)) == [5,6,7,9]'
check "top -d 3 -n 2 -i 0.1 --json" 0 x -d 3 top -n 2 -i 0.1 --json
if jq -e -s '.[1].rates_per_s.freed_bytes > 0 and (.[1].rates_per_s | has("backed_up_bytes") | not) and
	.[1].clients == []' "$W/out" >/dev/null; then
	ok "top JSON: rates of counters only"
else
	not_ok "top JSON: rates of counters only" "$(cat "$W/out")"
fi
check "top -a -n 1 --json" 0 x top -a -n 1 --json
jqcheck "top -a: clients per device" \
	'(.devices | map(.clients | length)) == [4, 1, 0] and .devices[1].clients[0].driver == "xe"'
check "top -n 2 -i 0.1" 0 x top -n 2 -i 0.1
has "top text: the stats with rates" '^scan_calls +40 +0.0/s$'
has "top text: the clients" '^card1 +6 +100 memory +4.0 KiB +4.0 KiB +- +0 B vttm-demo$'
has "top text: how many" '^4 clients$'
has "top text: a timestamp" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}, every 0.1 s$'

# ---- JSON: --pretty, errors, one schema across commands ----
check "bos --pretty" 0 x bos --pretty
if [[ $(wc -l <"$W/out") -gt 20 ]] && grep -q '^  "card": "card1",$' "$W/out" &&
	cmp -s <(jq -S . "$W/out") <(x bos --json | jq -S .); then
	ok "--pretty: indented, the same document"
else
	not_ok "--pretty: indented, the same document" "$(head -5 "$W/out")"
fi
jerr "--json: no such card" 3 ENODEV x --json -d 9 stats
jqcheck "a JSON error says which command failed how" '.error.message | test("no DRM device .9.")'
jerr "--json: a card without the nodes" 3 ENOENT x --json -d 0 stats
jerr "--json: the kernel refuses" 1 ENOSPC x --json -d 2 shrink --bytes 64K
jqcheck "a JSON error names the card" '.card == "card2"'
jerr "--json: unknown option" 2 null x --json --frob stats
jerr "--json after an unknown option" 2 null x stats --frob --json
jerr "--json: unknown command" 2 null x -j frobnicate
jerr "--pretty: errors too" 2 null x --pretty bos --sort nope
jerr "--json: no command" 2 null x --json
cat "$W/out" >>"$W/all.json"
if jq -e -s '[.[] | .. | objects | to_entries[] | select(.value != null) |
	{k: .key, t: (.value | type)}] | group_by(.k) | map(select((map(.t) | unique | length) > 1)) == []' \
	"$W/all.json" >/dev/null; then
	ok "JSON: a key has the same type in every command's output"
else
	not_ok "JSON: a key has the same type in every command's output" \
		"$(jq -s -c '[.[] | .. | objects | to_entries[] | select(.value != null) | {k: .key, t: (.value | type)}] |
			group_by(.k) | map(select((map(.t) | unique | length) > 1)) | map(.[0].k)' "$W/all.json")"
fi
if jq -e -s 'all(.[]; .schema == 1 and has("card") and (.card == null or (.card | test("^card[0-9]+$"))))' \
	"$W/all.json" >/dev/null; then
	ok "JSON: every document has the schema and the card"
else
	not_ok "JSON: every document has the schema and the card"
fi

# ---- usage, missing devices and nodes ----
check "no command" 2 x
check "unknown command" 2 x frobnicate
check "unknown option" 2 x --frob stats
check "option of another command" 2 x stats --sort id
err_has "names the command that takes it" '--sort is an option of bos, not of stats'
check "extra argument" 2 x stats extra
check "no such card" 3 x -d 9 stats
check "bad card name" 3 x -d /dev/dri/nope stats
check "card without nodes" 3 x -d 0 stats
err_has "names the missing node" '/sys/kernel/debug/dri/0/shrinker/stats does not exist'
check "no device with nodes" 3 "$X" --root "$W/empty" stats
check "--version" 0 x --version
has "--version: the version" '^xe-shrinkctl [0-9]+\.[0-9]+$'
check "--version --json" 0 x --version --json
keep
jqcheck "--version JSON" '.schema == 1 and .card == null and (.version | test("^[0-9]+\\.[0-9]+$"))'

# ---- help ----
check "--help" 0 x --help
for cmd in list stats shrink purge bos purgeable threshold watch top clients help; do
	if grep -qE "^  $cmd " "$W/out"; then ok "--help lists $cmd"; else not_ok "--help lists $cmd"; fi
done
check "help" 0 x help
same "help is --help" "$(x help)" "$(x --help)"
for cmd in list stats shrink purge bos purgeable threshold watch top clients; do
	check "$cmd --help" 0 x "$cmd" --help
	if grep -q "^Usage: xe-shrinkctl \[OPTIONS\] $cmd" "$W/out" && [[ $(x help "$cmd") == "$(cat "$W/out")" ]]; then
		ok "$cmd --help is 'help $cmd'"
	else
		not_ok "$cmd --help is 'help $cmd'" "$(cat "$W/out")"
	fi
done
check "shrink --help" 0 x shrink --help
has "shrink --help tells of --all" '--all'
check "purgeable --help" 0 x purgeable --help
has "purgeable --help tells of --force" '--force'
check "help nope" 2 x help nope
check "help shrink extra" 2 x help shrink extra

# ---- clients read /proc alone: no debugfs at all (lockdown, no root) ----
N="$W/no-debugfs"
cp -a "$F" "$N"
rm -rf "$N/sys/kernel/debug"
check "clients without debugfs" 0 "$X" --root "$N" clients --json
jqcheck "clients without debugfs: every client, as with it" '.count == 6 and (.clients | length) == 6'

# ---- kernel lockdown: debugfs writes are EPERM even for root ----
L="$W/lockdown"
LS="$L/sys/kernel/debug/dri/0/shrinker"
mkdir -p "$L/dev/dri" "$LS" "$L/sys/kernel/security"
touch "$L/dev/dri/card0"
cp "$S/stats" "$LS/stats"
echo "1 4096 tt resident willneed unpinned idle $$ host-test" >"$LS/bos"
printf 'requested_bytes: 0\n' >"$LS/shrink"
: >"$LS/purgeable"
if chattr +i "$LS/shrink" "$LS/purgeable" 2>/dev/null; then
	immutable+=("$LS/shrink" "$LS/purgeable")
fi
if ((${#immutable[@]})) && ! (printf 1 >"$LS/shrink") 2>/dev/null; then
	echo "none [integrity] confidentiality" >"$L/sys/kernel/security/lockdown"
	check "lockdown: shrink" 4 "$X" --root "$L" shrink --bytes 4K
	err_has "says lockdown forbids it" 'kernel lockdown \(integrity\) forbids debugfs writes'
	check "lockdown: purgeable" 4 "$X" --root "$L" purgeable 1 willneed
	err_has "says lockdown forbids it" 'kernel lockdown \(integrity\) forbids debugfs writes'
	jerr "lockdown: JSON error" 4 EPERM "$X" --root "$L" --json purge
	jqcheck "the JSON error says lockdown" '.error.message | test("kernel lockdown .integrity.")'
	check "lockdown: stats still read" 0 "$X" --root "$L" stats
	echo "none integrity [confidentiality]" >"$L/sys/kernel/security/lockdown"
	check "lockdown (confidentiality)" 4 "$X" --root "$L" purge
	err_has "names the mode" 'kernel lockdown \(confidentiality\) forbids'
	echo "[none] integrity confidentiality" >"$L/sys/kernel/security/lockdown"
	check "EPERM without lockdown" 4 "$X" --root "$L" purge
	err_has "says to run as root" 'run as root'
	rm "$L/sys/kernel/security/lockdown"
	check "EPERM without a lockdown file" 4 "$X" --root "$L" purge
	err_has "says to run as root" 'run as root'
else
	not_ok "lockdown tests need chattr +i (EPERM on write) on $W"
fi

# ---- not root: debugfs is root-only; list and clients still work ----
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$X" --root "$F" "$@"; }
	chmod 755 "$W" "$F" "$F/sys" "$F/sys/kernel" "$OUT"
	chmod 700 "$F/sys/kernel/debug"
	check "not root: stats" 4 nobody -d 1 stats
	err_has "says to run as root" 'run as root'
	check "not root: default device" 4 nobody stats
	jerr "not root: JSON error" 4 EACCES nobody --json stats
	check "not root: list still works" 0 nobody list
	has "list: driver and bus from sysfs, without debugfs" \
		'^card1 +vttm +platform +yes +\(no access: run as root\)$'
	has "list: PCI address from sysfs" '^card0 +bochs-drm +pci 0000:00:02.0 +no +\(no access'
	check "not root: list --json" 0 nobody list --json
	jqcheck "list JSON as nobody: drivers from sysfs, nodes unknown (null)" \
		'(.devices | map(.driver)) == ["bochs-drm","vttm","unknown","vttm"] and
		 .devices[1].nodes == null and .devices[1].svm_migrate_threshold == 65536'
	check "not root: threshold reads" 0 nobody threshold
	has "the threshold is sysfs, readable by all" '^card1 svm_migrate_threshold: 65536 '
	check "not root: clients" 0 nobody clients --json
	jqcheck "clients as nobody: the processes it may read" \
		'(.clients | map(.client_id)) == [1,5,6,7,3]'
	if [[ ! -s "$W/err" ]]; then ok "clients as nobody: unreadable processes skipped silently"; else
		not_ok "clients as nobody: unreadable processes skipped silently" "$(cat "$W/err")"; fi
	chmod 755 "$F/sys/kernel/debug"
else
	not_ok "permission tests need the nobody user and setpriv"
fi

# ---- build: a packager's CFLAGS keep the project's flags ----
if out=$(make -B -n -C "$SRC" O="$W/cf" CC=cc CFLAGS="-O1 -DPACKAGER_FLAG" 2>&1); then
	compiles=$(grep -c -- ' -c -o ' <<<"$out")
	kept=$(grep -- ' -c -o ' <<<"$out" | grep -- '-O1 -DPACKAGER_FLAG' | grep -- '-std=c11' |
		grep -- '-Wall -Wextra -Werror' | grep -cF -- "$(pkg-config --cflags json-c)")
	if ((compiles >= 7 && kept == compiles)) && grep -q -- '-ljson-c' <<<"$out"; then
		ok "make CFLAGS=...: every compile keeps -std=c11 -Wall -Wextra -Werror and json-c"
	else
		not_ok "make CFLAGS=...: every compile keeps -std=c11 -Wall -Wextra -Werror and json-c" "$out"
	fi
else
	not_ok "make -n CFLAGS=..." "$out"
fi
check "make CFLAGS='-O1 -g0' builds" 0 make -s -C "$SRC" O="$W/cf" CC="ccache gcc" CFLAGS="-O1 -g0"
check "and that binary runs" 0 "$W/cf/xe-shrinkctl" --root "$F" --json stats

# ---- install, man page, completion ----
check "make install" 0 make -s -C "$SRC" O="$OUT" CC="ccache gcc" DESTDIR="$W/dest" PREFIX=/usr install
for f in usr/sbin/xe-shrinkctl usr/share/man/man8/xe-shrinkctl.8 \
	usr/share/bash-completion/completions/xe-shrinkctl usr/share/zsh/site-functions/_xe-shrinkctl; do
	if [[ -e "$W/dest/$f" ]]; then ok "installs $f"; else not_ok "installs $f"; fi
done
MAN="$SRC/xe-shrinkctl.8"
if warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN" 2>&1) && [[ -z "$warn" ]]; then
	ok "the man page formats without warnings"
else
	not_ok "the man page formats without warnings" "$warn"
fi
for cmd in list stats shrink purge bos purgeable threshold watch top clients help; do
	if grep -qE "^\.SS \"?$cmd" "$MAN"; then ok "the man page documents $cmd"; else
		not_ok "the man page documents $cmd"; fi
done
for sec in ENVIRONMENT "JSON OUTPUT" CAVEATS "EXIT STATUS"; do
	if grep -qE "^\.SH \"?$sec\"?$" "$MAN"; then ok "the man page has $sec"; else
		not_ok "the man page has $sec"; fi
done
# every key of every command's JSON (region names are data, not keys)
sed -n '/^\.SH "JSON OUTPUT"/,/^\.SH [^J]/p' "$MAN" >"$W/json-section"
missing=$(jq -r -s '[.[] | .. | objects | to_entries[] |
		select(.key != "memory" and .key != "vram" and .key != "system") | .key] | unique[]' \
	"$W/all.json" | while read -r k; do grep -qF -- "$k" "$W/json-section" || echo "$k"; done)
if [[ -z "$missing" ]] && [[ $(wc -l <"$W/json-section") -gt 20 ]]; then
	ok "JSON OUTPUT in the man page names every key the commands print"
else
	not_ok "JSON OUTPUT in the man page names every key the commands print" "missing: $missing"
fi
for w in lockdown XE_SHRINKCTL_ROOT destructive; do
	if grep -qi -- "$w" "$MAN"; then ok "the man page tells of $w"; else not_ok "the man page tells of $w"; fi
done
bcomp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _xe_shrinkctl
		echo "${COMPREPLY[*]}"' _ "$SRC/xe-shrinkctl.bash" "$@"
}
same "bash completion: commands" "$(bcomp xe-shrinkctl s)" "stats shrink"
same "bash completion: option values" "$(bcomp xe-shrinkctl bos --sort s)" "size state"
same "bash completion: new commands" "$(bcomp xe-shrinkctl p)" "purge purgeable"
same "bash completion: shrink --all" "$(bcomp xe-shrinkctl shrink --a)" "--all"
same "bash completion: purgeable advice" "$(bcomp xe-shrinkctl purgeable 3 d)" "dontneed"
same "bash completion: help COMMAND" "$(bcomp xe-shrinkctl help t)" "threshold top"
if command -v zsh >/dev/null; then
	mkdir -p "$W/zfunc"
	cp "$SRC/xe-shrinkctl.zsh" "$W/zfunc/_xe-shrinkctl"
	# zcomp TYPED: the candidates zsh's completion offers for TYPED<Tab>,
	# from an interactive zsh in a pseudo-terminal, compadd recording them
	cat >"$W/zcomp.zsh" <<'EOF'
zmodload zsh/zpty || exit 1
dir=$1 out=$2 typed=$3
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "compadd() { builtin compadd -O __m \"\$@\"; print -rl -- \$__m >>$out; builtin compadd \"\$@\"; }"
zpty -w z "echo READY-\$((40+2))"
zpty -r z x '*READY-42*'
zpty -w -n z "$typed"$'\t'
# input typed ahead cuts completion short: wait for it to be done
for i in {1..100}; do [[ -s $out ]] && break; sleep 0.05; done
sleep 0.3
zpty -w z $'\C-u'"echo DONE-\$((40+2))"
zpty -r z x '*DONE-42*'
zpty -d z
EOF
	zcomp() {
		rm -f "$W/zout"
		timeout 30 zsh -f "$W/zcomp.zsh" "$W/zfunc" "$W/zout" "$1" >/dev/null 2>&1
		[[ -f "$W/zout" ]] && grep -v '^$' "$W/zout" | sort -u | tr '\n' ' ' | sed 's/ $//'
	}
	same "zsh completion: commands" "$(zcomp 'xe-shrinkctl s')" "shrink stats"
	same "zsh completion: every command" "$(zcomp 'xe-shrinkctl ')" \
		"bos clients help list purge purgeable shrink stats threshold top watch"
	same "zsh completion: option values" "$(zcomp 'xe-shrinkctl bos --sort s')" "size state"
	same "zsh completion: purgeable advice" "$(zcomp 'xe-shrinkctl purgeable 3 ')" "dontneed willneed"
	same "zsh completion: shrink's options" "$(zcomp 'xe-shrinkctl shrink --b')" "--bytes"
	same "zsh completion: watch -a" "$(zcomp 'xe-shrinkctl watch --all')" "--all-devices"
else
	not_ok "zsh completion tests need zsh (scripts/setup.sh installs it)"
fi

done_testing
