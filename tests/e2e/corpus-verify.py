#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""corpus-verify.py — `sanso verify` over every ruleset of the shared corpus.

    corpus-verify.py SANSO CORPUS_DIR SITE.yaml

Every nft JSON file and every iptables-save dump under CORPUS_DIR (…/corpus),
and, when this runs as root, every nft text file, is verified as the ruleset
of the generic site's firewall.  Each must either be analysed (exit 0 or 1,
a JSON Lines report ending in its summary) or be refused with exit 2 and a
message naming the file — never a crash, a hang or a silent empty result.
The files MANIFEST.tsv marks NEGATIVE (batfish's invalid inputs) must be
refused.

Exit status: 0 pass, 1 fail, 77 skip (no corpus).
"""

import collections
import json
import os
import subprocess
import sys

# `meson test --setup valgrind` (meson.build): its valgrind command goes
# before every sanso run (split at blanks), and the timeouts stretch.
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))


def rulesets(corpus, with_text):
    for top in ('nft', 'iptables'):
        for root, _, files in os.walk(os.path.join(corpus, top)):
            for name in sorted(files):
                path = os.path.join(root, name)
                if name in ('EXPECTED.tsv', 'MANIFEST.tsv') or name.endswith(('.md', '.txt', '.tsv')):
                    if top == 'nft' or name != 'iptables-save.txt' and not name.endswith('.txt'):
                        continue
                if top == 'nft':
                    if name.endswith(('.json', '.json-nft')):
                        yield path, 'json'
                    elif name.endswith('.nft') and with_text:
                        yield path, 'text'
                else:
                    yield path, 'iptables'


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    sanso, corpus, site = argv[1:]
    if not os.path.isdir(corpus):
        print(f'SKIP: no corpus at {corpus}')
        return 77
    with_text = os.geteuid() == 0
    negatives = set()
    with open(os.path.join(corpus, 'MANIFEST.tsv'), encoding='utf-8') as fh:
        for line in fh:
            cols = line.rstrip('\n').split('\t')
            if len(cols) >= 6 and cols[5].startswith('NEGATIVE'):
                negatives.add(cols[0])
    # batfish refuses this one only because it can't parse `-m state`
    # (batfish issue #234); it is valid iptables-save, and reading it is
    # exactly what sanso must do (notes-rulesets.md)
    negatives.discard('iptables/batfish/tests__parsing-errors-tests__networks__invalid-iptables__iptables__host1.iptables')
    stats = collections.Counter()
    failures = []
    for path, kind in rulesets(corpus, with_text):
        stats[kind] += 1
        try:
            p = subprocess.run(WRAPPER + [sanso, 'verify', '-t', site, '--ruleset', 'fw=' + path, '--format', 'json',
                                          '--max-findings', '200'], capture_output=True, text=True,
                               timeout=120 * TIME_SCALE, errors='replace')
        except subprocess.TimeoutExpired:
            failures.append(f'{path}: no answer within {120 * TIME_SCALE:.0f} s')
            continue
        rel = os.path.relpath(path, corpus)
        negative = rel in negatives
        if p.returncode in (0, 1):
            lines = p.stdout.splitlines()
            try:
                summary = json.loads(lines[-1])
                assert summary['type'] == 'summary' and summary['firewalls'][0]['verified']
            except (IndexError, ValueError, AssertionError, KeyError) as e:
                failures.append(f'{rel}: exit {p.returncode} without a proper summary ({e})')
                continue
            if negative:
                failures.append(f'{rel}: a NEGATIVE test file was accepted')
            stats[kind + ' analysed'] += 1
            stats['rules'] += summary['firewalls'][0]['rules']
            stats['unsupported rules'] += summary['firewalls'][0]['unsupported_rules']
            # rules the data itself makes unmodellable: the corpus anonymised their
            # MAC addresses (TUM_Net: -m mac --mac-source XX:XX:XX:XX:XX:XX)
            with open(path, errors='replace') as fh:
                stats['unsupported rules: anonymised MACs'] += sum(
                    1 for ln in fh if 'XX:XX:XX:XX:XX:XX' in ln and not ln.lstrip().startswith('#'))
            stats['findings'] += sum(summary['findings'].values())
            stats['rulesets approximate'] += bool(summary['approximate'])
            # NAT the model doesn't translate (a dnat to a map or range, redirect)
            if any('"RULESET-UNSUPPORTED"' in ln and ('dnat' in ln or 'redirect' in ln) for ln in lines[:-1]):
                stats['rulesets with a dnat or redirect not translated'] += 1
        elif p.returncode == 2:
            if os.path.basename(path) not in p.stderr and 'fw' not in p.stderr:
                failures.append(f'{rel}: refused without naming the file: {p.stderr.strip()[:300]}')
            stats[kind + ' refused'] += 1
        else:
            failures.append(f'{rel}: exit {p.returncode}: {p.stderr.strip()[-3000:]}')
    print(', '.join(f'{k}: {v}' for k, v in sorted(stats.items())))
    if not with_text:
        print('(nft text files skipped: loading them needs root here)')
    if sum(stats[k] for k in ('json', 'iptables', 'text')) == 0:
        print('FAIL: no ruleset found in the corpus')
        return 1
    for f in failures:
        print('FAIL:', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
