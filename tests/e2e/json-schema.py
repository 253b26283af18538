#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""json-schema.py — sanso's JSON Lines as a SIEM maps them (issue 18).

    json-schema.py SANSO GEN-CAPTURES       (the test json-schema)
    (imported: check(records, what) raises Bad on a conflict)

Elasticsearch, OpenSearch and Splunk map a field name to one type the
first time they see it and reject (or silently drop) later records that
disagree.  This collects every record sanso writes — audit findings,
warnings and summaries of the example and every generated scenario,
coverage failures, verify of the example, iptables and IPv6 rulesets —
flattens each to dotted paths (arrays as `path[]`) and checks that every
path has one JSON type (null aside; integers and reals both count as a
number only where a field is documented as a real), that every record
has a `timestamp` in RFC 3339 with one fixed number of fraction digits
per run, and that connection findings carry the Community ID as tshark
computes it for the same frame (when tshark is installed).
tests/e2e/monitor-live.py feeds a monitor run's records to check() too.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
EX = os.path.join(SRC, 'docs', 'examples')
DATA = os.path.join(SRC, 'tests', 'data')
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
STAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{6}|\d{9})Z$')
REALS = {'decoded_share', 'seconds', 'window_s'}  # documented as reals: 1.0 and 0 both numbers


class Bad(Exception):
    pass


def kind(v, key):
    if v is None:
        return None
    if isinstance(v, bool):
        return 'boolean'
    if isinstance(v, (int, float)):
        return 'number' if key in REALS else ('integer' if isinstance(v, int) else 'real')
    if isinstance(v, str):
        return 'string'
    if isinstance(v, list):
        return 'array'
    return 'object'


def flatten(o, prefix, out):
    for k, v in o.items():
        path = prefix + k
        t = kind(v, k)
        if t:
            out.append((path, t))
        if isinstance(v, dict):
            flatten(v, path + '.', out)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, dict):
                    flatten(x, path + '[].', out)
                elif kind(x, k):
                    out.append((path + '[]', kind(x, k)))


def check(records, what, types=None):
    """records: one run's parsed lines.  types: a dict shared across runs
    (path -> {type: first record}) so that runs are checked together."""
    types = {} if types is None else types
    digits = set()
    for r in records:
        ts = r.get('timestamp')
        m = STAMP.match(ts or '')
        if not m:
            raise Bad(f'{what}: a {r.get("type")} record without an RFC 3339 timestamp: {str(r)[:300]}')
        digits.add(len(m.group(1)))
        fields = []
        flatten(r, '', fields)
        for path, t in fields:
            seen = types.setdefault(path, {})
            seen.setdefault(t, f'{what}: {r.get("type")}')
            if len(seen) > 1:
                raise Bad(f'field {path} has {len(seen)} types: ' +
                          '; '.join(f'{k} in {v}' for k, v in seen.items()))
    if len(digits) > 1:
        raise Bad(f'{what}: timestamps with {sorted(digits)} fraction digits in one run')
    return types


def run(argv):
    p = subprocess.run(WRAPPER + argv, capture_output=True, text=True, timeout=300)
    if p.returncode not in (0, 1, 4):
        raise Bad(f'{" ".join(argv)}: exit {p.returncode}\n{p.stderr[-2000:]}')
    return [json.loads(x) for x in p.stdout.splitlines()]


def tshark_ids(pcap):
    """frame number -> Community ID, as tshark computes it."""
    p = subprocess.run(['tshark', '-r', pcap, '--enable-protocol', 'communityid', '-T', 'fields',
                        '-e', 'frame.number', '-e', 'communityid'], capture_output=True, text=True)
    out = {}
    for line in p.stdout.splitlines():
        parts = line.split('\t')
        if len(parts) == 2 and parts[1]:
            out[int(parts[0])] = parts[1]
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sanso, gen = argv[1], argv[2]
    # the check itself catches what it is for (the monitor's stats once had
    # an integer `findings` beside the summary's object)
    ts = '2026-12-06T00:00:00.000000Z'
    for bad in ([{'timestamp': ts, 'findings': 3}, {'timestamp': ts, 'findings': {'X': 1}}],
                [{'timestamp': ts}, {'timestamp': '2026-12-06T00:00:00.000000001Z'}], [{'type': 'x'}]):
        try:
            check(bad, 'self-test')
        except Bad:
            continue
        print(f'FAIL: the check passes {bad}')
        return 1
    tmp = tempfile.mkdtemp(prefix='sanso-schema-')
    types, n, compared = {}, 0, 0
    try:
        runs = [('audit example', os.path.join(EX, 'example.pcap'),
                 [sanso, 'audit', '-t', os.path.join(EX, 'site.yaml'), '-r', os.path.join(EX, 'example.pcap'),
                  '--format', 'json'])]
        scen = subprocess.run([sys.executable, os.path.join(HERE, 'audit-case.py'), '--list'],
                              capture_output=True, text=True).stdout.split()
        for s in scen:
            topo = os.path.join(DATA, 'e2e', s + '.yaml')
            if not os.path.exists(topo):
                continue
            pcap = os.path.join(tmp, s + '.pcap')
            if subprocess.run([gen, s, pcap], capture_output=True).returncode != 0:
                continue
            runs.append((f'audit {s}', pcap, [sanso, 'audit', '-t', topo, '-r', pcap, '--format', 'json']))
        empty = os.path.join(tmp, 'empty.pcap')
        with open(empty, 'wb') as f:
            f.write(bytes.fromhex('d4c3b2a1020004000000000000000000ffff000001000000'))
        runs.append(('audit empty', None, [sanso, 'audit', '-t', os.path.join(EX, 'site.yaml'), '-r', empty,
                                            '--format', 'json']))
        runs.append(('verify example', None, [sanso, 'verify', '-t', os.path.join(EX, 'site.yaml'), '--format', 'json']))
        runs.append(('verify iptables', None, [sanso, 'verify', '-t', os.path.join(DATA, 'verify', 'site.yaml'),
                                               '--ruleset', 'core-fw=' + os.path.join(DATA, 'verify', 'core-fw.iptables'),
                                               '--format', 'json']))
        runs.append(('verify ipv6', None, [sanso, 'verify', '-t', os.path.join(DATA, 'verify', 'site6.yaml'),
                                           '--format', 'json']))
        have_tshark = shutil.which('tshark') is not None
        for what, pcap, argv_ in runs:
            recs = run(argv_)
            check(recs, what, types)
            n += len(recs)
            if pcap and have_tshark:
                ids = tshark_ids(pcap)
                for r in recs:
                    if r['type'] == 'finding' and 'community_id' in r and r['community_id']:
                        want = ids.get(r['first_frame'])
                        if want != r['community_id']:
                            raise Bad(f'{what}: {r["check"]} frame {r["first_frame"]}: community_id '
                                      f'{r["community_id"]}, tshark says {want}')
                        compared += 1
        if have_tshark and not compared:
            raise Bad('no Community ID was compared with tshark')
    except Bad as e:
        print(f'FAIL: {e}')
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'{n} records of {len(runs)} runs, {len(types)} field paths, each of one type; '
          + (f'{compared} Community IDs equal to tshark\'s' if have_tshark else
             'tshark not installed: Community IDs not compared'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
