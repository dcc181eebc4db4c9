#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's table: ratios of what was measured in one run.

Reads the VM runs' raw data (bench/guest.sh: trace-cmd recordings and the
loads' result lines) and the KUnit walk benchmark's lines, prints a
Markdown table and writes it to --out. Every ratio compares two figures of
the same run; the targets of the reclaim-latency issue are printed next to
them, met or not.
"""

import argparse
import datetime
import os
import re
import subprocess
import sys

EVENT = re.compile(r'^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[\d+\]\s+(?P<ts>\d+\.\d+):\s+'
                   r'(?P<event>\w+):\s*(?P<fields>.*)$')


def fields(text):
    """key=value pairs of a trace line."""
    return dict(m.groups() for m in re.finditer(r'(\w+)=(\S+)', text))


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    values = sorted(values)
    rank = max(1, -(-len(values) * p // 100))
    return values[int(rank) - 1]


def trace(dat):
    """GPU direct scans and direct-reclaim stalls of one recording.

    Returns (scans, stalls, excess): scans in ns, stalls in ns per
    allocation, and the largest number of pages a direct scan freed beyond
    its nr_to_scan.
    """
    scans, stalls, excess = [], [], 0
    if not os.path.exists(dat):
        return scans, stalls, excess
    report = subprocess.run(['trace-cmd', 'report', '-t', '-i', dat], check=True,
                            capture_output=True, text=True).stdout
    begin = {}
    for line in report.splitlines():
        m = EVENT.match(line)
        if not m:
            continue
        ns = int(round(float(m['ts']) * 1e9))
        event = m['event']
        if event == 'mm_vmscan_direct_reclaim_begin':
            begin[m['pid']] = ns
        elif event == 'mm_vmscan_direct_reclaim_end' and m['pid'] in begin:
            stalls.append(ns - begin.pop(m['pid']))
        elif event == 'ttm_shrink_scan_end':
            f = fields(m['fields'])
            if f.get('caller') != 'direct':
                continue
            scans.append(int(f['duration_ns']))
            excess = max(excess, int(f['freed']) - int(f['nr_to_scan']))
    return scans, stalls, excess


def result(path):
    """The load's result line as a dict, or None."""
    try:
        with open(path) as f:
            words = f.read().split()
    except OSError:
        return None
    return dict(zip(words[::2], words[1::2]))


def walk(log):
    """KUnit walk benchmark: {(bos, busy): (ns_per_bo, steps_per_bo)}."""
    out = {}
    try:
        with open(log, errors='replace') as f:
            for line in f:
                m = re.search(r'ttm_shrinker_bench: bos (\d+) busy (\d+) ns_per_bo (\d+) '
                              r'steps_per_bo ([\d.]+)', line)
                if m:
                    out[(int(m[1]), int(m[2]))] = (int(m[3]), float(m[4]))
    except OSError:
        pass
    return out


def throughput(log):
    """KUnit ttm_backup_benchmark: [(backend, op, percent, MiB/s, baseline MiB/s)]."""
    out = []
    try:
        with open(log, errors='replace') as f:
            for line in f:
                m = re.search(r'(\w+) (backup|restore) (\d+) MiB/s = (\d+)% of plain copy'
                              r'.*\((\d+) MiB/s\)', line)
                if m:
                    out.append((m[1], m[2], int(m[4]), int(m[3]), int(m[5])))
    except OSError:
        pass
    return out


def memory_use(log):
    """KUnit ttm_backup_memory_use: (KiB extra after, KiB extra at peak) or None."""
    try:
        with open(log, errors='replace') as f:
            for line in f:
                m = re.search(r'64 MiB backed up to shmem: (\d+) KiB extra after, (\d+) KiB extra at peak',
                              line)
                if m:
                    return int(m[1]), int(m[2])
    except OSError:
        pass
    return None


def ms(ns):
    return '-' if ns is None else f'{ns / 1e6:.2f} ms'


def mib(b):
    return '-' if b is None else f'{int(b) / 2**20:.0f} MiB'


def ratio(a, b):
    return None if a is None or not b else a / b


def fmt_ratio(r):
    return '-' if r is None else f'{r:.2f}x'


def verdict(ok):
    return '-' if ok is None else ('met' if ok else '**missed**')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vm', required=True)
    ap.add_argument('--stock', required=True)
    ap.add_argument('--kunit', required=True)
    ap.add_argument('--factor', default='2')
    ap.add_argument('--out', required=True)
    args = ap.parse_args()

    rows = []

    def row(measure, ours, base, r, target, ok):
        rows.append((measure, ours, base, fmt_ratio(r), target, verdict(ok)))

    gpu, bo_stalls, excess = trace(os.path.join(args.vm, 'bo.dat'))
    _, anon_stalls, _ = trace(os.path.join(args.vm, 'anon.dat'))
    anon_p99 = percentile(anon_stalls, 99)
    for p in (50, 99):
        a, b = percentile(bo_stalls, p), percentile(anon_stalls, p)
        row(f'direct-reclaim stall per allocation, p{p} (BO vs anonymous load)',
            ms(a), ms(b), ratio(a, b), '', None)
    a, b = max(bo_stalls, default=None), max(anon_stalls, default=None)
    row('direct-reclaim stall per allocation, max (BO vs anonymous load)',
        ms(a), ms(b), ratio(a, b), '', None)
    g99 = percentile(gpu, 99)
    row(f'GPU shrinker direct scan p50 ({len(gpu)} scans) vs anonymous stall p50',
        ms(percentile(gpu, 50)), ms(percentile(anon_stalls, 50)),
        ratio(percentile(gpu, 50), percentile(anon_stalls, 50)), '', None)
    row('GPU shrinker direct scan p99 vs anonymous stall p99', ms(g99), ms(anon_p99),
        ratio(g99, anon_p99), '<= 1.00x', None if g99 is None or anon_p99 is None
        else g99 <= anon_p99)
    gmax = max(gpu, default=None)
    row('GPU shrinker direct scan max vs its p99', ms(gmax), ms(g99), ratio(gmax, g99),
        '<= 10x', None if gmax is None or not g99 else gmax <= 10 * g99)
    row('pages a direct scan freed beyond nr_to_scan, at most', str(excess) if gpu else '-',
        '', None, '<= one folio (1024)', None if not gpu else excess <= 1024)

    ours, stock = result(os.path.join(args.vm, 'bo.result')), \
        result(os.path.join(args.stock, 'bo-stock.result'))
    if ours or stock:
        o, s = ours or {}, stock or {}
        secs_o, secs_s = o.get('seconds'), s.get('seconds')
        row(f'BO overcommit {args.factor}x RAM: time (shrinker vs TTM swapout alone)',
            f'{secs_o} s' if secs_o else 'killed', f'{secs_s} s' if secs_s else 'killed',
            ratio(float(secs_o), float(secs_s)) if secs_o and secs_s else None, '', None)
        row('BO overcommit: OOM kills', o.get('oom_kills', '-'), s.get('oom_kills', '-'),
            None, '0', None if 'oom_kills' not in o else o['oom_kills'] == '0')
        row('BO overcommit: bytes lost', o.get('lost_bytes', '-'), s.get('lost_bytes', '-'),
            None, '0', None if 'lost_bytes' not in o else o['lost_bytes'] == '0')
        row('BO overcommit: peak memory in use', mib(o.get('peak_used_bytes')),
            mib(s.get('peak_used_bytes')), None, '', None)
        row('BO overcommit: peak swap in use', mib(o.get('peak_swap_bytes')),
            mib(s.get('peak_swap_bytes')), None, '', None)

    w = walk(args.kunit)
    for busy in (0, 90):
        base = w.get((1000, busy))
        for bos in (10000, 100000):
            cur = w.get((bos, busy))
            if not cur or not base:
                continue
            r = cur[0] / base[0]
            row(f'scan cost per BO backed up, {bos // 1000}k vs 1k BOs, {busy} % busy '
                f'({cur[1]:.2f} vs {base[1]:.2f} walk steps per BO)',
                f'{cur[0] / 1000:.1f} us', f'{base[0] / 1000:.1f} us', r,
                '<= 1.20x' if bos == 100000 else '', r <= 1.2 if bos == 100000 else None)

    for backend, op, pct, rate, base in throughput(args.kunit):
        target = 0.95 if op == 'backup' else 0.9
        row(f'{op} throughput, {backend} backend, 64 MiB (vs a plain copy that allocates)',
            f'{rate} MiB/s', f'{base} MiB/s', pct / 100, f'>= {target:.2f}x',
            pct / 100 >= target)
    mem = memory_use(args.kunit)
    if mem:
        row('extra memory while backing up a 64 MiB BO (after / at peak)',
            f'{mem[0]} KiB / {mem[1]} KiB', '65536 KiB (the BO)', mem[1] / 65536, '', None)

    lines = [f'make bench, {datetime.date.today()}: ratios of figures from the same run',
             '', '| measure | measured | baseline | ratio | target | |',
             '|---|---|---|---|---|---|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    text = '\n'.join(lines) + '\n'
    with open(args.out, 'w') as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == '__main__':
    main()
