#!/bin/bash
# Print every kernel log line that reports a problem the VM tests must not
# cause: WARN, BUG, Oops, panics, lockdep, KASAN/UBSAN, hung tasks, RCU
# stalls, OOM kills. Exit 1 if there is any, 0 if the logs are clean.
# Only kernel lines count (printk timestamps, CONFIG_PRINTK_TIME): the
# console also carries the tests' own output, which may say "WARNING".
#
#   scan-dmesg.sh [--raw] LOG...
#   --raw  every line is kernel output (UML's console log has no timestamps)
set -u
raw=0
if [[ "${1:-}" == --raw ]]; then
	raw=1
	shift
fi
kernel_lines() {
	if ((raw)); then
		cat
	else
		grep -aE '^<?[0-9]*>?\[ *[0-9]+\.[0-9]+\]'
	fi
}
PATTERN='WARNING:|------------\[ cut here \]------------|BUG:|kernel BUG at|Oops|'
PATTERN+='general protection fault|Kernel panic|KASAN|UBSAN:|DEBUG_LOCKS_WARN_ON|'
PATTERN+='turning off the locking correctness validator|'
PATTERN+='INFO: (task .* blocked for more than|possible (recursive|circular|irq)|trying to register non-static key)|'
PATTERN+='detected stalls? on CPU|rcu_.* self-detected stall|'
PATTERN+='Out of memory|oom-kill|invoked oom-killer|Killed process [0-9]+|'
PATTERN+='Runtime PM usage count underflow|ODEBUG:|list_(add|del) corruption|'
PATTERN+='inconsistent lock state|lock held when returning to user space'

found=0
for log in "$@"; do
	[[ -f "$log" ]] || continue
	hits=$(tr -d '\r' <"$log" | kernel_lines | grep -aE -- "$PATTERN" | head -40)
	if [[ -n "$hits" ]]; then
		sed "s|^|$(basename "$log"): |" <<<"$hits"
		found=1
	fi
done
exit $found
