#!/bin/bash
# scripts/vm/scan-dmesg.sh on canned kernel logs: a clean boot passes, and
# every kind of report the VM runner must fail on is caught.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tap.sh"
SCAN="$HERE/../../scripts/vm/scan-dmesg.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cat >"$W/clean" <<'LOG'
[    0.000000] Linux version 6.12.57 (root@host) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP
[    0.000000] Command line: console=ttyS0 root=root rootfstype=9p ro
[    0.412000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.420000] ... MAX_LOCKDEP_SUBCLASSES:  8
[    1.100000] ACPI: PM: Power Button [PWRF]
[    1.500000] [drm] Initialized bochs-drm 1.0.0 for 0000:00:02.0 on minor 0
[    2.000000] Adding 3145724k swap on /dev/vda.  Priority:-2 extents:1 across:3145724k
[    2.100000] lkdtm: No crash points registered, enable through debugfs
[    3.000000] [12:00:00] anon-overcommit
[    9.000000] sysrq: Power Off
LOG
expect "a clean boot log passes" bash "$SCAN" "$W/clean"
expect "a missing log is no error" bash "$SCAN" "$W/does-not-exist"

while IFS='|' read -r what line; do
	{ cat "$W/clean"; echo "$line"; } >"$W/bad"
	if out=$(bash "$SCAN" "$W/bad"); then
		not_ok "detects $what" "not detected: $line"
	elif grep -qF -- "${line#*] }" <<<"$out"; then
		ok "detects $what"
	else
		not_ok "detects $what" "reported the wrong line: $out"
	fi
done <<'CASES'
WARN|[   10.1] WARNING: CPU: 1 PID: 77 at drivers/misc/lkdtm/bugs.c:98 lkdtm_WARNING+0x1e/0x30
WARN cut line|[   10.1] ------------[ cut here ]------------
BUG|[   10.2] BUG: kernel NULL pointer dereference, address: 0000000000000008
kernel BUG|[   10.2] kernel BUG at mm/slub.c:400!
Oops|[   10.3] Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP
panic|[   10.4] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100
lockdep circular|[   10.5] WARNING: possible circular locking dependency detected
lockdep recursive|[   10.5] INFO: possible recursive locking detected
lockdep non-static key|[   10.5] INFO: trying to register non-static key.
lockdep off|[   10.5] turning off the locking correctness validator.
sleep in atomic|[   10.6] BUG: sleeping function called from invalid context at mm/page_alloc.c:4500
KASAN|[   10.7] BUG: KASAN: use-after-free in ttm_pool_free+0x10/0x20
UBSAN|[   10.7] UBSAN: shift-out-of-bounds in drivers/gpu/drm/ttm/ttm_pool.c:100:3
hung task|[  130.0] INFO: task kworker/0:1:33 blocked for more than 120 seconds.
RCU stall|[   70.0] rcu: INFO: rcu_preempt self-detected stall on CPU
OOM invoked|[   11.0] anon-overcommit invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0
OOM killed|[   11.1] Out of memory: Killed process 812 (anon-overcommit) total-vm:1600000kB
soft lockup|[   12.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:10]
rpm underflow|[   13.0] vttm vttm: Runtime PM usage count underflow!
debugobjects|[   13.1] ODEBUG: free active (active state 0) object: 00000000deadbeef object type: work_struct hint: vttm_job_work+0x0/0x10
list corruption|[   13.2] list_del corruption. prev->next should be ffff888003b5a0c8, but was dead000000000100
inconsistent lock|[   13.3] WARNING: inconsistent lock state
lock held at return|[   13.4] WARNING: lock held when returning to user space!
CASES

# test output on the console is not kernel output
{ cat "$W/clean"; echo '# stdin:2-3: WARNING: do_sys_openat2 is not traceable'; echo 'BUG: in a test name'; } >"$W/tap"
expect "test output that says WARNING is not a kernel report" bash "$SCAN" "$W/tap"

# the console log carries CR LF line ends
printf '[ 1.0] ok\r\n[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x0\r\n' >"$W/crlf"
expect_fail "detects a WARN in a CR LF console log" bash "$SCAN" "$W/crlf"

done_testing
