#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hostile-inputs.py — sanso on input built to hurt it.

    hostile-inputs.py SANSO CASE
    hostile-inputs.py --list

Every case generates its input in a temporary directory (removed at the end)
and runs the sanso binary on it.  Bad input must give exit status 2, a
message that says where (file:line[:column], or the frame number of a
capture), no output file left behind (-o, --evidence, their temporary
files), no signal and no hang; the one size test (100,000 hosts) must load
and finish quickly.  The limits these rely on are listed in
docs/topology.md §11 and docs/verify.md "Limits".

Exit status: 0 pass, 1 fail (meson's convention).
"""

import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
SITE = os.path.join(SRC, 'docs', 'examples', 'site.yaml')  # firewall core-fw
# `meson test --setup valgrind`: the wrapper goes before every sanso run and
# the timeouts stretch; times and memory are then not measured.
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))
TIMEOUT = 60 * TIME_SCALE


class Fail(Exception):
    pass


class Result:
    def __init__(self, returncode, stdout, stderr, wall, cpu, maxrss_kib):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.wall, self.cpu, self.maxrss_kib = wall, cpu, maxrss_kib


def run(sanso, args, stdin_feed=None):
    """Runs sanso with a timeout.  stdin_feed: a generator of byte chunks
    written to its stdin from a thread until it stops reading."""
    t0 = time.monotonic()
    p = subprocess.Popen(WRAPPER + [sanso, *args], stdin=subprocess.PIPE if stdin_feed else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    written = [0]

    def feed():
        try:
            for chunk in stdin_feed:
                p.stdin.write(chunk)
                written[0] += len(chunk)
        except (BrokenPipeError, ValueError, OSError):
            pass  # sanso stopped reading: what we want
        finally:
            try:
                p.stdin.close()
            except OSError:
                pass

    writer = threading.Thread(target=feed, daemon=True) if stdin_feed else None
    if writer:
        writer.start()
    try:
        # os.wait4 gives this child's own rusage (time and peak memory)
        deadline = t0 + TIMEOUT
        out_chunks, err_chunks = [], []
        readers = [threading.Thread(target=lambda f=f, acc=acc: acc.append(f.read()), daemon=True)
                   for f, acc in ((p.stdout, out_chunks), (p.stderr, err_chunks))]
        for r in readers:
            r.start()
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                raise Fail(f'sanso {" ".join(args)}: no answer after {TIMEOUT:.0f} s (hang)')
            time.sleep(0.01)
        p.returncode = os.waitstatus_to_exitcode(status)
        for r in readers:
            r.join()
    finally:
        if writer:
            writer.join(timeout=10)
    res = Result(p.returncode, out_chunks[0].decode(errors='replace'), err_chunks[0].decode(errors='replace'),
                 time.monotonic() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss)
    res.fed = written[0]
    if res.returncode < 0:
        raise Fail(f'sanso {" ".join(args)}: killed by signal {-res.returncode}\n{res.stderr[-3000:]}')
    return res


def expect_refused(res, what, pattern, leftovers=()):
    """Exit 2, a positioned message matching `pattern` on stderr, no output
    file (nor a temporary one next to it) left."""
    if res.returncode != 2:
        raise Fail(f'{what}: exit {res.returncode}, expected 2\nstdout:\n{res.stdout[-2000:]}\n'
                   f'stderr:\n{res.stderr[-2000:]}')
    if not re.search(pattern, res.stderr, re.M):
        raise Fail(f'{what}: no message matching {pattern!r} on stderr:\n{res.stderr[-3000:]}')
    for path in leftovers:
        d, base = os.path.split(path)
        left = [f for f in os.listdir(d) if f == base or f.startswith(base + '.')]
        if left:
            raise Fail(f'{what}: output left behind: {left}')
    first = res.stderr.strip().splitlines()[0] if res.stderr.strip() else ''
    print(f'ok   {what}: exit 2 in {res.wall:.2f} s ({res.cpu:.2f} s CPU, {res.maxrss_kib // 1024} MiB): {first[:160]}')


# ------------------------------------------------------------------ captures

ETH_TCP = (bytes.fromhex('020000000002' '020000100001' '0800')
           + bytes.fromhex('45000028' '00010000' '4006' '0000' '0a0a0101' 'c6336401')
           + bytes.fromhex('04d2' '01bb' '00000001' '00000000' '5002' '2000' '0000' '0000'))


def pcap(records, snaplen=65535):
    out = struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, snaplen, 1)
    for caplen, length, data in records:
        out += struct.pack('<IIII', 1700000000, 0, caplen, length) + data
    return out


def pcapng_block(btype, body, total=None):
    length = 12 + len(body)
    return struct.pack('<II', btype, length if total is None else total) + body + struct.pack('<I', length)


def pcapng(blocks):
    shb = pcapng_block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(1, struct.pack('<HHI', 1, 0, 65535))
    return shb + idb + b''.join(blocks)


def epb(data, caplen=None, total=None):
    body = struct.pack('<IIIII', 0, 0, 0, len(data) if caplen is None else caplen, len(data))
    return pcapng_block(6, body + data + bytes(-len(data) % 4), total)


def case_lying_capture(sanso, tmp):
    good = (len(ETH_TCP), len(ETH_TCP), ETH_TCP)
    good_epb = epb(ETH_TCP)
    huge_len = good_epb[:4] + struct.pack('<I', 0x7ffffff0) + good_epb[8:]
    variants = {
        # a record claiming 2 GiB: libpcap's per-link-type maximum
        'caplen-huge.pcap': (pcap([good, good, (0x7fffffff, 60, ETH_TCP)]), 3),
        # a record claiming more bytes than the file still has
        'caplen-past-eof.pcap': (pcap([good, (60000, 60000, ETH_TCP)]), 2),
        # a record claiming more than the whole libpcap maximum (256 KiB)
        'caplen-over-max.pcap': (pcap([good, (300000, 300000, ETH_TCP + bytes(300000 - len(ETH_TCP)))]), 2),
        # pcapng: a packet claiming more bytes than its block holds
        'epb-caplen.pcapng': (pcapng([good_epb, epb(ETH_TCP, caplen=1000)]), 2),
        # pcapng: a block claiming 2 GiB
        'block-huge.pcapng': (pcapng([good_epb, good_epb, huge_len]), 3),
        # pcapng: header and trailer lengths disagree
        'block-short.pcapng': (pcapng([good_epb, epb(ETH_TCP, total=16)]), 2),
    }
    for name, (data, frame) in variants.items():
        path = os.path.join(tmp, name)
        with open(path, 'wb') as f:
            f.write(data)
        out = os.path.join(tmp, 'report.json')
        ev = os.path.join(tmp, 'evidence.pcap')
        res = run(sanso, ['audit', '-t', SITE, '-r', path, '--format', 'json', '-o', out, '--evidence', ev])
        expect_refused(res, f'audit {name}', re.escape(name) + rf': frame {frame}\b', [out, ev])


# ------------------------------------------------------------------ topology

def case_topology_100k_hosts(sanso, tmp):
    """A size test, not an error: 100,000 hosts load, and quickly."""
    path = os.path.join(tmp, 'big.yaml')
    with open(path, 'w') as f:
        f.write('site: big\nmodel: alpha\nzones:\n'
                '  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.0.0.0/8, vlan: 20 } ] }\nhosts:\n')
        for i in range(100000):
            a, b, c = (i + 1) >> 16, ((i + 1) >> 8) & 255, (i + 1) & 255
            f.write(f'  - {{ name: pc-{i:06d}, zone: lgwan, mac: 02:00:00:{a:02x}:{b:02x}:{c:02x}, '
                    f'ip: 10.{a}.{b}.{c}, role: terminal }}\n')
    size = os.path.getsize(path)
    res = run(sanso, ['topology', '-t', path])
    if res.returncode != 0:
        raise Fail(f'topology of 100k hosts: exit {res.returncode}\n{res.stderr[-3000:]}')
    if not re.search(r'^hosts: 100000$', res.stdout, re.M):
        raise Fail(f'topology of 100k hosts: the summary does not say "hosts: 100000":\n{res.stdout[:2000]}')
    print(f'ok   topology of 100,000 hosts ({size / 1e6:.1f} MB): loaded in {res.wall:.2f} s '
          f'({res.cpu:.2f} s CPU, {res.maxrss_kib // 1024} MiB)')
    # CPU time, so a machine busy with other tests doesn't fail this
    if not WRAPPER and res.cpu > 10:
        raise Fail(f'topology of 100k hosts took {res.cpu:.1f} s of CPU (limit 10 s)')


def case_yaml_bomb(sanso, tmp):
    """Billion laughs: nine levels of nine aliases, 10^9 "lol"s once
    expanded.  Anchors and aliases are refused before anything expands."""
    lines = ['site: bomb', 'model: alpha', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord('a') + i - 1), chr(ord('a') + i)
        lines.append(f'{cur}: &{cur} [' + ','.join([f'*{prev}'] * 9) + ']')
    lines.append('zones: *i')
    path = os.path.join(tmp, 'bomb.yaml')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    out = os.path.join(tmp, 'summary.txt')
    res = run(sanso, ['topology', '-t', path, '-o', out])
    expect_refused(res, 'topology bomb.yaml', r'^' + re.escape(path) + r':3:4: error: YAML anchors .*not supported',
                   [out])
    if not WRAPPER and res.maxrss_kib > 100 * 1024:
        raise Fail(f'bomb.yaml: {res.maxrss_kib // 1024} MiB used: was something expanded?')
    # the same bomb in a firewall's place: `sanso verify` reads the topology first
    res = run(sanso, ['verify', '-t', path, '-o', out])
    expect_refused(res, 'verify bomb.yaml', r'^' + re.escape(path) + r':3:4: error: YAML anchors', [out])


def case_yaml_long_line(sanso, tmp):
    """One 1 GB line: refused by its size before a byte is read (a sparse
    file), or after 64 MiB when streamed through a pipe; never read whole."""
    path = os.path.join(tmp, 'line.yaml')
    with open(path, 'wb') as f:
        f.write(b'site: ')
        f.seek(1 << 30)
        f.write(b'x\n')
    out = os.path.join(tmp, 'summary.txt')
    res = run(sanso, ['topology', '-t', path, '-o', out])
    expect_refused(res, 'topology line.yaml (1 GiB, sparse)',
                   r'^' + re.escape(path) + r': error: the file is larger than the limit of 64 MiB', [out])
    if not WRAPPER and res.maxrss_kib > 64 * 1024:
        raise Fail(f'line.yaml: {res.maxrss_kib // 1024} MiB used: the file was read')

    def one_gb_line():
        yield b'site: '
        chunk = b'x' * (1 << 20)
        for _ in range(1024):
            yield chunk
        yield b'\n'

    res = run(sanso, ['topology', '-t', '/dev/stdin', '-o', out], stdin_feed=one_gb_line())
    expect_refused(res, 'topology /dev/stdin (1 GiB line, streamed)',
                   r'^/dev/stdin: error: the file is larger than the limit of 64 MiB', [out])
    if res.fed > (128 << 20):
        raise Fail(f'/dev/stdin: sanso read {res.fed >> 20} MiB of the stream before refusing it')
    if not WRAPPER and res.maxrss_kib > 256 * 1024:
        raise Fail(f'/dev/stdin: {res.maxrss_kib // 1024} MiB used')

    # below the file size limit, the line limit (1 MiB) stops it before libyaml
    with open(path, 'w') as f:
        f.write('site: t\nmodel: alpha\nzones: [' + 'a,' * (16 << 20) + ']\n')
    res = run(sanso, ['topology', '-t', path, '-o', out])
    expect_refused(res, 'topology line.yaml (32 MiB line)',
                   r'^' + re.escape(path) + r':3:1048577: error: the line is longer than the limit of 1048576 bytes',
                   [out])

    # the rulesets sanso verify reads: a 1 GB file (sparse) is refused by its
    # size, an 8 MiB line of iptables-save by the line limit (16 KiB)
    report = os.path.join(tmp, 'report.txt')
    for name, limit in (('big.rules', 'file larger than 64 MiB'), ('big.json', 'larger than 256 MiB')):
        big = os.path.join(tmp, name)
        with open(big, 'wb') as f:
            f.write(b'*filter\n-A INPUT ' if name.endswith('.rules') else b'{"nftables": [')
            f.seek(1 << 30)
            f.write(b'\n')
        res = run(sanso, ['verify', '-t', SITE, '--ruleset', f'core-fw={big}', '-o', report])
        expect_refused(res, f'verify --ruleset core-fw={name} (1 GiB, sparse)',
                       r'^' + re.escape(big) + r': error: .*' + re.escape(limit), [report])
        if not WRAPPER and res.maxrss_kib > 300 * 1024:
            raise Fail(f'{name}: {res.maxrss_kib // 1024} MiB used')
    rules = os.path.join(tmp, 'line.rules')
    with open(rules, 'w') as f:
        f.write('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ' + '10.0.0.1,' * (1 << 20) + '10.0.0.1 -j DROP\nCOMMIT\n')
    res = run(sanso, ['verify', '-t', SITE, '--ruleset', f'core-fw={rules}', '-o', report])
    expect_refused(res, 'verify --ruleset core-fw=line.rules (9 MiB line)',
                   r'^' + re.escape(rules) + r':3:16385: error: ', [report])


def case_yaml_deep(sanso, tmp):
    path = os.path.join(tmp, 'deep.yaml')
    out = os.path.join(tmp, 'summary.txt')
    # flow style: 100,000 levels of [
    with open(path, 'w') as f:
        f.write('site: deep\nmodel: alpha\nzones: ' + '[' * 100000 + ']' * 100000 + '\n')
    res = run(sanso, ['topology', '-t', path, '-o', out])
    expect_refused(res, 'topology deep.yaml (flow)',
                   r'^' + re.escape(path) + r':3:\d+: error: nesting deeper than 64 levels', [out])
    # block style: 5,000 nested sequences, one more space each
    with open(path, 'w') as f:
        f.write('site: deep\nmodel: alpha\nzones:\n' + ''.join(' ' * i + '-\n' for i in range(5000)))
    res = run(sanso, ['topology', '-t', path, '-o', out])
    expect_refused(res, 'topology deep.yaml (block)',
                   r'^' + re.escape(path) + r':\d+:\d+: error: nesting deeper than 64 levels', [out])


# ------------------------------------------------------------------- verify

def case_json_deep(sanso, tmp):
    """sanso verify --ruleset core-fw=deep.json: jansson's depth limit
    (2048), reported with the position and what the limit is."""
    out = os.path.join(tmp, 'report.txt')
    for name, text in (('deep-array.json', '[' * 100000 + ']' * 100000),
                       ('deep-object.json', '{"nftables": ' + '{"a": ' * 100000 + '1' + '}' * 100001)):
        path = os.path.join(tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        res = run(sanso, ['verify', '-t', SITE, '--ruleset', f'core-fw={path}', '-o', out])
        expect_refused(res, f'verify --ruleset core-fw={name}',
                       r'^' + re.escape(path) + r':1:\d+: error: invalid JSON: .*nested more than 2048 levels', [out])



def case_ruleset_loops(sanso, tmp):
    """Jump/goto loops (tests/data/verify/loops/): the kernel refuses them,
    a file may still hold one.  Refused when loading (exit 2, naming the
    rule and the chains of the loop), never walked forever; and a long
    chain of gotos without a loop, which the kernel takes, is verified in
    bounded time."""
    out = os.path.join(tmp, 'report.txt')
    loops = os.path.join(SRC, 'tests', 'data', 'verify', 'loops')
    want = {
        'goto-self.iptables': r'goto-self\.iptables:10:1: error: chain .A. rule 1: goto to chain .A. makes a loop \(A → A\)',
        'jump-cycle.iptables': r'jump-cycle\.iptables:13:1: error: chain .C. rule 1: jump to chain .A. makes a loop '
                               r'\(A → B → C → A\)',
        'goto-self.json': r'goto-self\.json: error: table inet filter a handle 4: goto to chain .a. makes a loop',
        'vmap-loop.json': r'vmap-loop\.json: error: table inet filter from_lgwan handle 4: goto to chain .from_lgwan. '
                          r'makes a loop',
    }
    if os.geteuid() == 0 or os.path.exists('/proc/sys/kernel/unprivileged_userns_clone'):
        want['goto-self.nft'] = r'goto-self\.nft:\d+:\d+: error: nft: .*Too many links'
    for name, pattern in sorted(want.items()):
        res = run(sanso, ['verify', '-t', SITE, '--ruleset', f'core-fw={os.path.join(loops, name)}', '-o', out])
        if name.endswith('.nft') and res.returncode == 2 and 'namespace' in res.stderr:
            print(f'skip {name}: {res.stderr.strip().splitlines()[0]}')
            continue
        expect_refused(res, f'verify --ruleset core-fw={name}', pattern, [out])
    # 3,000 chains, each a goto to the next: no loop (iptables-legacy takes
    # it; nftables refuses chains nested 16 deep, gotos counted)
    n = 3000
    lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]']
    lines += [f':c{i} - [0:0]' for i in range(n)]
    lines += ['-A FORWARD -i vlan20 -o wan1 -j c0']
    lines += [f'-A c{i} -p tcp -g c{i + 1}' for i in range(n - 1)] + [f'-A c{n - 1} -j ACCEPT', 'COMMIT']
    path = os.path.join(tmp, 'gotos.iptables')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    res = run(sanso, ['verify', '-t', SITE, '--ruleset', f'core-fw={path}', '--format', 'json'])
    if res.returncode != 1:
        raise Fail(f'3,000 gotos: exit {res.returncode}\n{res.stderr[-2000:]}')
    recs = [json.loads(x) for x in res.stdout.splitlines()]
    if not any(r.get('check') == 'RULESET-UNSUPPORTED' and 'nested 16 deep' in r['message'] for r in recs):
        raise Fail('3,000 gotos: the walk must stop at its bound and say the verdict is approximate')
    if not any(r.get('check') == 'RULESET-LGWAN-INTERNET-OPEN' for r in recs):
        raise Fail('3,000 gotos: the path it could not follow is assumed open (over-approximation)')
    print(f'ok   3,000 chained gotos: exit 1 in {res.wall:.2f} s, approximate beyond the kernel\'s depth of 16')

CASES = {
    'hostile-capture-lengths': case_lying_capture,
    'hostile-topology-100k-hosts': case_topology_100k_hosts,
    'hostile-yaml-bomb': case_yaml_bomb,
    'hostile-yaml-long-line': case_yaml_long_line,
    'hostile-yaml-deep': case_yaml_deep,
    'hostile-json-deep': case_json_deep,
    'hostile-ruleset-loops': case_ruleset_loops,
}


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--list':
        print('\n'.join(CASES))
        return 0
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    sanso, case = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='sanso-hostile-') as tmp:
        try:
            CASES[case](sanso, tmp)
        except Fail as e:
            print(f'FAIL {case}: {e}', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
