#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""corpus-audit.py — `sanso audit` on every capture of the third-party corpus.

    corpus-audit.py SANSO CORPUS/pcap [TOPOLOGY]

For every capture under CORPUS/pcap (the files EXPECTED.tsv lists, plus any
other file there that is not .txt/.tsv/.md), runs

    sanso audit -t TOPOLOGY -r FILE --format json

(TOPOLOGY defaults to tests/data/e2e/minimal.yaml) and checks that

  - the process never dies by a signal and never hangs (timeout per file);
  - it exits 0, 1 or 2 only;
  - exit 2 comes with a message on stderr;
  - exit 0/1 comes with JSON Lines whose last line is the summary;
  - where EXPECTED.tsv says tcpdump read the file without error
    (tcpdump_exit 0) and counted a number of packets, the summary's
    packets_read equals that number (cli.md: "packets_read counts every
    record libpcap returned") — so such a file must not be refused (exit 2)
    either: an undecodable link type is packets_undecoded, not bad input.

Known gaps of the reference tools (corpus/README.md) are not compared:
libpcap 1.10.3 refuses pcapng files whose interfaces differ in link type or
snaplen (tcpdump_exit 1 there); tshark counts pcapng Custom Blocks.

Exit 0 pass, 1 fail, 77 skip (no corpus).  Runs files in parallel.
"""

import concurrent.futures
import csv
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
# `meson test --setup valgrind` (meson.build): its valgrind command goes
# before every sanso run (split at blanks), and the timeouts stretch.
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))
PER_FILE_TIMEOUT = 30 * TIME_SCALE
SKIP_EXT = ('.txt', '.tsv', '.md')


def load_expected(pcap_dir):
    """EXPECTED.tsv rows by absolute path.  Its paths are relative to the
    corpus root (the parent of pcap/)."""
    rows = {}
    path = os.path.join(pcap_dir, 'EXPECTED.tsv')
    if not os.path.exists(path):
        return rows
    root = os.path.dirname(os.path.abspath(pcap_dir))
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            rows[os.path.normpath(os.path.join(root, row['path']))] = row
    return rows


def list_files(pcap_dir, expected):
    files = set(p for p in expected if os.path.exists(p))
    for d, _, names in os.walk(pcap_dir):
        for n in names:
            if not n.endswith(SKIP_EXT):
                files.add(os.path.normpath(os.path.join(os.path.abspath(d), n)))
    return sorted(files)


def audit_one(sanso, topo, path):
    t0 = time.monotonic()
    try:
        p = subprocess.run(WRAPPER + [sanso, 'audit', '-t', topo, '-r', path, '--format', 'json'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=PER_FILE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return path, None, b'', b'', time.monotonic() - t0
    return path, p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def judge(path, rc, out, err, row):
    """Returns (kind, problem-or-None, packets_read-or-None)."""
    if rc is None:
        return 'timeout', f'no exit within {PER_FILE_TIMEOUT:.0f}s', None
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = str(-rc)
        return 'signal', f'killed by {name}; stderr: {err.decode(errors="replace").strip()[-300:]}', None
    if rc not in (0, 1, 2, 4):
        return 'status', f'exit status {rc}; stderr: {err.decode(errors="replace").strip()[-3000:]}', None
    tcpdump_ok = row is not None and row.get('tcpdump_exit') == '0' and (row.get('tcpdump_packets') or '').isdigit()
    if rc == 2:
        if not err.strip():
            return 'status', 'exit 2 without a message on stderr', None
        if tcpdump_ok:
            return 'refused', (f'exit 2 on a file libpcap reads ({row["tcpdump_packets"]} packets, '
                               f'link type {row.get("linktype")}): {err.decode(errors="replace").strip()[-300:]}'), None
        return 'ok', None, None
    lines = out.decode('utf-8', errors='replace').splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        summary = None
    if not isinstance(summary, dict) or summary.get('type') != 'summary':
        return 'output', f'exit {rc} but the last stdout line is not the JSON summary: {(lines or [""])[-1][:200]}', None
    cov = summary.get('coverage') or {}
    if (rc == 4) != (cov.get('sufficient') is False and not any(summary.get('findings', {}).values())):
        return 'coverage', f'exit {rc} with coverage {cov} and findings {summary.get("findings")}', None
    got = summary.get('packets_read')
    if tcpdump_ok and got != int(row['tcpdump_packets']):
        return 'count', (f'packets_read {got!r}, tcpdump read {row["tcpdump_packets"]} '
                         f'(link type {row.get("linktype")})'), got
    return 'ok', None, got


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    sanso, pcap_dir = os.path.abspath(argv[1]), argv[2]
    topo = argv[3] if len(argv) == 4 else os.path.join(SRC, 'tests', 'data', 'e2e', 'minimal.yaml')
    if not os.path.isdir(pcap_dir):
        print(f'SKIP: no corpus at {pcap_dir}')
        return 77
    if not os.access(sanso, os.X_OK):
        print(f'SKIP: {sanso} is not executable')
        return 77
    expected = load_expected(pcap_dir)
    files = list_files(pcap_dir, expected)
    if not files:
        print(f'SKIP: no captures under {pcap_dir}')
        return 77

    t0 = time.monotonic()
    workers = max(2, min(8, (os.cpu_count() or 2) * 2))
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futs = [pool.submit(audit_one, sanso, topo, f) for f in files]
        for fut in concurrent.futures.as_completed(futs):
            results.append(fut.result())
    elapsed = time.monotonic() - t0

    status = {0: 0, 1: 0, 2: 0, 4: 0}
    failures, compared, slowest = [], 0, []
    for path, rc, out, err, dt in sorted(results):
        row = expected.get(path)
        kind, problem, got = judge(path, rc, out, err, row)
        if rc in status:
            status[rc] += 1
        if got is not None and row is not None and row.get('tcpdump_exit') == '0':
            compared += 1
        if problem:
            failures.append((kind, os.path.relpath(path, os.path.dirname(os.path.abspath(pcap_dir))), problem))
        slowest.append((dt, path))

    by_kind = {}
    for kind, rel, problem in failures:
        by_kind.setdefault(kind, []).append((rel, problem))
    for kind in sorted(by_kind):
        print(f'--- {kind}: {len(by_kind[kind])} file(s)')
        for rel, problem in by_kind[kind][:60]:
            print(f'  {rel}: {problem}')
        if len(by_kind[kind]) > 60:
            print(f'  … and {len(by_kind[kind]) - 60} more')
    slowest.sort(reverse=True)
    print('slowest: ' + ', '.join(f'{os.path.basename(p)} {dt:.2f}s' for dt, p in slowest[:3]))
    print(f'corpus: {len(files)} captures in {elapsed:.1f}s; exit 0: {status[0]}, exit 1: {status[1]}, '
          f'exit 2: {status[2]}, exit 4 (too little to judge): {status[4]}; packets_read compared with tcpdump: {compared}; failures: {len(failures)}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
