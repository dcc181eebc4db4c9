#!/bin/bash
# Make the kernel WARN on purpose (LKDTM), for the runner's own test: the
# host runner must fail the run although this "test" passes.
echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
