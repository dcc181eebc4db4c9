#!/bin/bash
# Boot the VM kernel in QEMU.
#
#   vm.sh test    run tests/vm/ in the guest; exit 0 only if every test
#                 passed and the kernel log shows no splat
#   vm.sh shell   an interactive shell in the same VM
#   vm.sh demo    the make demo scenario
#   vm.sh bench   make bench's loads (bench/guest.sh; VM_APPEND passes
#                 vmtest.bench=main|stock)
#
# Environment: VM_MEM (384M), VM_SWAP (3G), VM_CPUS (2), VM_TIMEOUT seconds
# (1800), VM_TESTS (comma-separated names/globs, "none"), VM_INJECT (fail,
# warn: the runner's own tests), VM_NAME (run directory under build/vm/),
# VM_ACCEL (kvm, tcg; default: KVM if it boots a kernel, else TCG),
# VM_VRAM_MB (vttm's fake VRAM, 32: it comes out of the guest's RAM),
# VM_APPEND (more kernel arguments, e.g. swiotlb=force), VM_BACKUP_DISK
# (size of /dev/vdb, the file backup backend's disk, 1G), VM_EXPECT_SPLAT
# (an extended regex: the kernel log must hold a splat matching it and no
# other, for tests that provoke one on purpose).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=${1:-test}
VM_MEM=${VM_MEM:-384M}
VM_SWAP=${VM_SWAP:-3G}
VM_CPUS=${VM_CPUS:-2}
VM_TIMEOUT=${VM_TIMEOUT:-1800}
VM_TESTS=${VM_TESTS:-}
VM_INJECT=${VM_INJECT:-}
VM_NAME=${VM_NAME:-$MODE}
KIMAGE=${VM_KERNEL:-$BUILD/vm-kernel/arch/x86/boot/bzImage}
RUN="$BUILD/vm/$VM_NAME"

[[ -f "$KIMAGE" ]] || die "no VM kernel at $KIMAGE (run 'make kernel')"
case "$MODE" in test | shell | demo | bench) ;; *) die "usage: vm.sh test|shell|demo|bench" ;; esac
[[ "$ROOT" != *[[:space:],]* ]] || die "the project path must not contain spaces or commas: $ROOT"

if [[ "$MODE" != shell ]]; then
	"$ROOT/scripts/build-vm-tests.sh"
fi

rm -rf "$RUN"
mkdir -p "$RUN"
truncate -s "$VM_SWAP" "$RUN/swap.img"
# a disk for TTM's file backup backend (/dev/vdb in the guest), sparse
truncate -s "${VM_BACKUP_DISK:-1G}" "$RUN/backup.img"

# KVM only when it really boots a kernel: a /dev/kvm node can exist in a
# nested sandbox and still fail (MSR errors, vCPUs that never run). The
# verdict is cached per QEMU version and kernel image.
kvm_works() {
	local cache="$BUILD/vm/accel-probe" key
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	key="$(qemu-system-x86_64 --version | head -1) $(stat -c '%s %Y' "$KIMAGE")"
	if [[ -f "$cache" && "$(head -1 "$cache")" == "$key" ]]; then
		[[ "$(tail -1 "$cache")" == kvm ]]
		return
	fi
	local verdict=tcg
	if timeout 20 qemu-system-x86_64 -accel kvm -cpu host -m 128M -kernel "$KIMAGE" \
		-append "console=ttyS0 panic=-1 init=/bin/false" -nic none -no-reboot \
		-display none -serial stdio </dev/null 2>/dev/null | grep -q -m1 'Linux version'; then
		verdict=kvm
	fi
	mkdir -p "$BUILD/vm"
	printf '%s\n%s\n' "$key" "$verdict" >"$cache"
	[[ "$verdict" == kvm ]]
}

case "${VM_ACCEL:-auto}" in
kvm) accel=(-accel kvm -cpu host) ;;
tcg) accel=(-accel tcg -cpu max) ;;
auto)
	if kvm_works; then
		accel=(-accel kvm -cpu host)
	else
		accel=(-accel tcg -cpu max)
	fi
	;;
*) die "VM_ACCEL must be kvm, tcg or auto" ;;
esac

append="console=ttyS0 root=root rootfstype=9p ro"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=none"
append+=" init=$ROOT/scripts/vm/guest-init.sh panic=-1"
append+=" rcupdate.rcu_cpu_stall_timeout=60 hung_task_timeout_secs=120"
# Under TCG the guest's clock runs at the host's pace while its CPUs run 10
# to 50 times slower, and slower still when the host deschedules a vCPU
# thread: on a busy host the default 20 s reported soft lockups of 22-25 s
# in kswapd's shmem allocation and a BO's populate, both stopped in
# clear_page() between cond_resched() points. A soft lockup is reported
# after 2 x 60 s under TCG, which still catches a loop that never
# reschedules; under KVM the default stays.
[[ "${accel[1]}" == tcg ]] && append+=" watchdog_thresh=60"
append+=" vttm.vram_size_mb=${VM_VRAM_MB:-32}"
append+=" vmtest.project=$ROOT vmtest.out=$RUN vmtest.mode=$MODE"
[[ -n "$VM_TESTS" ]] && append+=" vmtest.tests=$VM_TESTS"
[[ -n "$VM_INJECT" ]] && append+=" vmtest.inject=$VM_INJECT"
# extra kernel arguments, e.g. swiotlb=force for the DMA run of make check
[[ -n "${VM_APPEND:-}" ]] && append+=" $VM_APPEND"

# shellcheck disable=SC2054 # commas belong to the option values
qemu=(qemu-system-x86_64 "${accel[@]}" -smp "$VM_CPUS" -m "$VM_MEM"
	-kernel "$KIMAGE" -append "$append"
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=root,mount_tag=root
	-fsdev "local,id=project,path=$ROOT,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=project,mount_tag=project
	-drive "file=$RUN/swap.img,format=raw,if=virtio,cache=unsafe"
	-drive "file=$RUN/backup.img,format=raw,if=virtio,cache=unsafe"
	-nic none -no-reboot -display none)

if [[ "$MODE" == shell ]]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

if [[ "$MODE" == bench ]]; then
	set +e
	timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" -serial stdio </dev/null 2>&1 |
		tee "$RUN/console.log" | tr -d '\r' | grep --line-buffered '^bench: '
	set -e
	[[ "$(cat "$RUN/guest-rc" 2>/dev/null)" == 0 ]] ||
		die "the benchmark failed in the VM; console log: $RUN/console.log"
	exit 0
fi

if [[ "$MODE" == demo ]]; then
	note "booting the VM ($VM_MEM RAM, ${accel[1]}); the demo's report follows"
	set +e
	timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" -serial stdio </dev/null 2>&1 |
		tee "$RUN/console.log" | tr -d '\r' | grep --line-buffered -vE '^\[ *[0-9]+\.[0-9]+\]|^guest|^$' |
		sed -n '/^== vttm demo/,/^== /p'
	set -e
	if [[ "$(cat "$RUN/guest-rc" 2>/dev/null)" != 0 ]]; then
		die "the demo failed; console log: $RUN/console.log"
	fi
	if splats=$("$ROOT/scripts/vm/scan-dmesg.sh" "$RUN/dmesg.txt"); then
		note "kernel log clean: no WARN, BUG, lockdep report or OOM kill"
	else
		echo "$splats" >&2
		die "the kernel log reports a problem; see $RUN/console.log"
	fi
	exit 0
fi

note "booting $(basename "$KIMAGE") (${accel[1]}, $VM_CPUS CPUs, $VM_MEM RAM, $VM_SWAP swap); console log $RUN/console.log"
start=$(date +%s)
set +e
# The console goes to the log; TAP lines are echoed as they arrive.
timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" -serial stdio </dev/null 2>&1 |
	tee "$RUN/console.log" | tr -d '\r' | grep --line-buffered -E '^(ok |not ok |1\.\.)'
qrc=${PIPESTATUS[0]}
set -e
secs=$(($(date +%s) - start))

passed=0
failed=0
fail() {
	echo "vm-test: FAIL: $*" >&2
	failed=$((failed + 1))
}

if ((qrc == 124 || qrc == 137)); then
	fail "guest hung: no power-off within ${VM_TIMEOUT}s (VM_TIMEOUT); see $RUN/console.log"
elif [[ ! -f "$RUN/result.tap" || ! -f "$RUN/guest-rc" ]]; then
	fail "guest stopped without reporting results (qemu exit $qrc, crash or panic?); see $RUN/console.log"
fi

if [[ -f "$RUN/result.tap" ]]; then
	passed=$(grep -cE '^ok [0-9]+' "$RUN/result.tap" || true)
	nok=$(grep -cE '^not ok [0-9]+' "$RUN/result.tap" || true)
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$RUN/result.tap" | head -1)
	failed=$((failed + nok))
	# each failure with the last lines its test printed, so that a CI
	# log, which keeps only this output, says why
	awk '/^# / { buf[n++ % 15] = $0; next }
	     /^not ok / { print "vm-test: FAIL: " $0
			  for (i = (n > 15 ? n - 15 : 0); i < n; i++)
				  print "vm-test:   " buf[i % 15] }
	     /^(not )?ok / { n = 0 }' "$RUN/result.tap" >&2
	if [[ -n "$planned" ]] && ((passed + nok < planned)); then
		fail "only $((passed + nok)) of $planned tests reported"
	fi
fi

# The splat scan is a test of its own: every run must leave the kernel
# log clean, or, with VM_EXPECT_SPLAT, hold the splat its tests provoke
# and nothing else.
splats=$("$ROOT/scripts/vm/scan-dmesg.sh" "$RUN/dmesg.txt" "$RUN/console.log") || true
if [[ -n "${VM_EXPECT_SPLAT:-}" ]]; then
	others=$(grep -vE -- "$VM_EXPECT_SPLAT" <<<"$splats" | grep . || true)
	if ! grep -qE -- "$VM_EXPECT_SPLAT" <<<"$splats"; then
		fail "the kernel log lacks the expected splat ($VM_EXPECT_SPLAT); see $RUN/console.log"
	elif [[ -n "$others" ]]; then
		echo "$others" | sed 's/^/vm-test: /' >&2
		fail "kernel log reports more than the expected splat (above); see $RUN/console.log"
	else
		passed=$((passed + 1))
	fi
elif [[ -z "$splats" ]]; then
	passed=$((passed + 1))
else
	echo "$splats" | sed 's/^/vm-test: /' >&2
	fail "kernel log reports a WARN/BUG/Oops/lockdep/KASAN/hung task/OOM kill (above); see $RUN/console.log"
fi

printf 'passed %d\nfailed %d\n' "$passed" "$failed" >"$RUN/counts"
note "$passed passed, $failed failed in ${secs}s"
((failed == 0))
