#!/bin/bash
# bpftrace attaches to a kernel tracepoint and a kprobe and counts events
# while we generate them.
set -eu
out=/tmp/bpftrace.out
bpftrace -e '
tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { @tp = count(); }
kprobe:do_sys_openat2 /comm == "cat"/ { @kp = count(); }
interval:s:1 { @ticks = count(); }
interval:s:30 { exit(); }' >"$out" 2>&1 &
pid=$!

# Wait for the probes to attach before generating events.
for _ in $(seq 300); do
	grep -q '^Attaching' "$out" 2>/dev/null && break
	sleep 0.2
done
sleep 2
for _ in $(seq 50); do cat /etc/hostname >/dev/null; done
kill -INT "$pid"
wait "$pid" || true
cat "$out"

grep -q '^Attaching 4 probes' "$out" || { echo "bpftrace did not attach all probes"; exit 1; }
if grep -q 'WARNING' "$out"; then echo "bpftrace warned"; exit 1; fi
tp=$(sed -n 's/^@tp: \([0-9]*\)$/\1/p' "$out")
kp=$(sed -n 's/^@kp: \([0-9]*\)$/\1/p' "$out")
[[ -n "$tp" && "$tp" -ge 50 ]] || { echo "tracepoint counted '${tp}' events, expected >= 50"; exit 1; }
[[ -n "$kp" && "$kp" -ge 50 ]] || { echo "kprobe counted '${kp}' events, expected >= 50"; exit 1; }
