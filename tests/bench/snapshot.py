#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""snapshot.py — every output sanso writes for the bundled example, a
benchmark capture and benchmark rulesets, for a byte-for-byte comparison
of two builds (a refactoring must not change any of it).

    snapshot.py SANSO GEN_TRAFFIC OUTDIR
    diff -r OUTDIR-before OUTDIR-after

For audit (the example capture and a generated benchmark capture), verify
(the example's core-fw as nft JSON, nft text and iptables-save, the dnat
and IPv6 fixtures, two generated benchmark rulesets) and topology: every
format (text, json, html, junit) in both languages, the evidence pcap, and
each run's exit status.  What differs from run to run — the time a report
was generated, timestamps of records, elapsed seconds, the BDD's peak node
count (jansson's random hash seed changes the order sets are built in) —
is replaced by a fixed token; nothing else is touched.  The generated
inputs are written to one fixed path, since reports name them.
"""

import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
EX = os.path.join(SRC, 'docs', 'examples')
DATA = os.path.join(SRC, 'tests', 'data', 'verify')

VOLATILE = [
    (re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?'), 'TIMESTAMP'),
    # jansson seeds its hash tables at random, so the order sets are built
    # in, and with it the BDD's peak, varies from run to run
    (re.compile(r'"bdd_nodes_peak":\d+'), '"bdd_nodes_peak":N'),
    (re.compile(r'"seconds":[0-9.eE+-]+'), '"seconds":0'),
    (re.compile(r'\btime="[0-9.]+"'), 'time="0"'),
    (re.compile(r'\b\d+\.\d+ s\b'), 'N s'),
]


def normalise(data):
    text = data.decode('utf-8', 'surrogateescape')
    for pat, rep in VOLATILE:
        text = pat.sub(rep, text)
    return text.encode('utf-8', 'surrogateescape')


def run(out, name, argv, evidence=None):
    """evidence: the fixed path to write the evidence pcap to (reports name
    it), moved into out afterwards."""
    args = list(argv) + (['--evidence', evidence] if evidence else [])
    p = subprocess.run(args, capture_output=True, timeout=600)
    if evidence and os.path.exists(evidence):
        shutil.move(evidence, os.path.join(out, name + '.evidence.pcap'))
    with open(os.path.join(out, name), 'wb') as f:
        f.write(normalise(p.stdout))
    with open(os.path.join(out, name + '.status'), 'w') as f:
        f.write(f'exit {p.returncode}\n')
        f.write(normalise(p.stderr).decode('utf-8', 'surrogateescape'))


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    sanso, gen, out = argv[1:]
    os.makedirs(out, exist_ok=True)
    # the inputs at one fixed path: reports name them
    work = os.path.join(tempfile.gettempdir(), 'sanso-snapshot-inputs')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    site = os.path.join(EX, 'site.yaml')

    # a benchmark capture and two benchmark rulesets, made the same way every time
    bench_pcap = os.path.join(work, 'bench.pcap')
    subprocess.run([gen, bench_pcap, '20000', '2000'], check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location('vb', os.path.join(HERE, 'verify-bench.py'))
    vb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vb)
    bench_rulesets = []
    for n, elems in ((200, 0), (2000, 0), (200, 5000)):
        rs, st = os.path.join(work, f'bench-{n}-{elems}.json'), os.path.join(work, f'bench-{n}-{elems}.yaml')
        doc, _ = vb.ruleset(n, elems, random.Random(n + elems))
        with open(rs, 'w') as f:
            json.dump(doc, f)
        vb.site_yaml(st, rs)
        bench_rulesets.append((f'bench{n}-{elems}', st, rs))

    audits = [('example', site, [os.path.join(EX, 'example.pcap')]),
              ('bench', os.path.join(HERE, 'site.yaml'), [bench_pcap])]
    verifies = [('core-fw-json', site, []),
                ('core-fw-nft', site, ['--ruleset', 'core-fw=' + os.path.join(EX, 'core-fw.nft')]),
                ('core-fw-iptables', site, ['--ruleset', 'core-fw=' + os.path.join(DATA, 'core-fw.iptables')]),
                ('dnat', site, ['--ruleset', 'core-fw=' + os.path.join(DATA, 'dnat.json')]),
                ('mac-ipv6', os.path.join(DATA, 'site6.yaml'), ['--ruleset', 'core-fw=' +
                                                                 os.path.join(DATA, 'mac-ipv6.json')])]
    verifies += [(name, st, []) for name, st, rs in bench_rulesets]
    for fmt in ('text', 'json', 'html', 'junit'):
        for lang in ('en', 'ja'):
            common = ['--format', fmt, '--lang', lang]
            for name, st, caps in audits:
                reads = [a for c in caps for a in ('-r', c)]
                run(out, f'audit-{name}.{lang}.{fmt}', [sanso, 'audit', '-t', st] + reads + common,
                    evidence=os.path.join(work, 'evidence.pcap') if fmt == 'json' else None)
            for name, st, extra in verifies:
                run(out, f'verify-{name}.{lang}.{fmt}', [sanso, 'verify', '-t', st] + extra + common)
        run(out, f'topology.{fmt}', [sanso, 'topology', '-t', site, '--format', fmt])
    print(f'{len(os.listdir(out))} files in {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
