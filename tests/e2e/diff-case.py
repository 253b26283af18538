#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""diff-case.py SANSO — `sanso diff` on each kind of change, and the kernel as oracle.

Changes made to the bundled example's ruleset (docs/examples/core-fw.nft), each
reviewed with `sanso diff -t docs/examples/site.yaml --before core-fw=OLD --after
core-fw=NEW --format json` (and once as text, ja and en, and as JUnit):

  added      a rule that opens lgwan → internet tcp/8080: one `opened` record,
             RULESET-LGWAN-INTERNET-OPEN, exit 1
  removed    the mail-receive accept: one `closed` record, RULESET-FLOW-BLOCKED
             flow mail-receive, exit 0 (nothing opened)
  reorder    two rules with disjoint matches swapped: no change record, the
             rules `moved` with changes_nothing, exit 0
  shadow     a drop before the virtual-browser accept: `closed`, FLOW-BLOCKED
             flow virtual-browser, severity medium (a screen-transfer path)
  ipv6       an IPv6-only accept mynumber → the Internet (wan1): `opened`
             RULESET-MYNUMBER-OPEN with an IPv6 example, no IPv4 record
  unchanged  the same ruleset twice: no records, exit 0

Then, as root (else that part is skipped with a reason), the kernel: every
change's example is sent through a router namespace running the before and
the after ruleset (tests/e2e/kernel-diff.py's machinery): an opened example
must be dropped before and forwarded after, a closed one the reverse.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
EX = os.path.join(SRC, 'docs', 'examples')
WRAP = os.environ.get('SANSO_WRAPPER', '').split()
SANSO = sys.argv[1]

with open(os.path.join(EX, 'core-fw.nft')) as f:
    BEFORE = f.read()


def edit(old, new, text=BEFORE):
    if old not in text:
        raise SystemExit(f'FAIL: the example ruleset has no {old!r}')
    return text.replace(old, new, 1)


VB = '\t\tiifname "vlan20" oifname "vlan30" ip daddr 10.30.3.1 tcp dport 3389 accept comment "virtual-browser"\n'
FD = '\t\tiifname "vlan20" oifname "vlan30" ip daddr 10.30.2.20 tcp dport 443 accept comment "file-download"\n'
MR = '\t\tiifname "wan1" oifname "vlan30" ip daddr 10.30.2.1 tcp dport 25 accept comment "mail-receive"\n'
CASES = {
    'added': edit(VB, '\t\tiifname "vlan20" oifname "vlan30" tcp dport 8080 accept\n' + VB),
    'removed': edit(MR, ''),
    'reorder': edit(FD + MR, MR + FD),
    'shadow': edit(VB, '\t\tiifname "vlan20" oifname "vlan30" tcp dport 3389 drop\n' + VB),
    'ipv6': edit(VB, '\t\tiifname "vlan10" oifname "wan1" ip6 saddr fd00:10::/64 tcp dport 443 accept\n' + VB),
    'unchanged': BEFORE,
}


def fail(msg):
    print('FAIL:', msg)
    sys.exit(1)


def diff(before, after, *extra):
    p = subprocess.run(WRAP + [SANSO, 'diff', '-t', os.path.join(EX, 'site.yaml'), '--before', f'core-fw={before}',
                               '--after', f'core-fw={after}', *extra], capture_output=True, text=True, timeout=300)
    return p


def main():
    tmp = tempfile.mkdtemp(prefix='sanso-diff-')
    before = os.path.join(tmp, 'before.nft')
    with open(before, 'w') as f:
        f.write(BEFORE)
    results = {}
    for name, text in CASES.items():
        after = os.path.join(tmp, f'{name}.nft')
        with open(after, 'w') as f:
            f.write(text)
        p = diff(before, after, '--format', 'json')
        if p.returncode not in (0, 1):
            fail(f'{name}: exit {p.returncode}: {p.stderr}')
        recs = [json.loads(l) for l in p.stdout.splitlines()]
        if recs[-1]['type'] != 'summary':
            fail(f'{name}: the last record is not the summary')
        ch = [r for r in recs if r['type'] == 'change']
        rc = [r for r in recs if r['type'] == 'rule_change']
        print(f'{name}: exit {p.returncode}; ' + '; '.join(f'{r["change"]} {r["check"]} {r["src_zone"]}→{r["dst_zone"]} '
                                                           f'{r["packets"]}' for r in ch))
        results[name] = (after, p.returncode, ch, rc, recs[-1])
        if recs[-1]['opened'] != sum(r['change'] == 'opened' for r in ch) or \
           recs[-1]['closed'] != sum(r['change'] == 'closed' for r in ch):
            fail(f'{name}: summary counts {recs[-1]}')
        for r in ch:
            if not r['example'] or not r['rules'] or not r['message']:
                fail(f'{name}: a change without example, rules or message: {r}')

    # one type per field across every record (what a SIEM or a ticket system needs)
    spec = importlib.util.spec_from_file_location('json_schema', os.path.join(HERE, 'json-schema.py'))
    js = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(js)
    types = {}
    try:
        for name, (_, _, ch, rc, summary) in results.items():
            js.check(ch + rc + [summary], f'diff {name}', types)
    except js.Bad as e:
        fail(f'JSON types: {e}')

    _, code, ch, rc, _ = results['added']
    if code != 1 or [(r['change'], r['check'], r['src_zone'], r['dst_zone']) for r in ch] != \
            [('opened', 'RULESET-LGWAN-INTERNET-OPEN', 'lgwan', 'internet')]:
        fail(f'added: {ch}')
    if ch[0]['packets'] != 'tcp 8080 from lgwan (10.20.0.0/16) to internet (10.30.0.0/16)' or 'dport 8080 accept' not in ch[0]['rules'][-1]['text']:
        fail(f'added: the packets and the rule: {ch[0]["packets"]}, {ch[0]["rules"]}')
    if [(r['change'], r['text']) for r in rc] != [('added', 'iifname "vlan20" oifname "vlan30" tcp dport 8080 accept')]:
        fail(f'added: rule changes {rc} (an insertion moves nothing)')
    _, code, ch, rc, _ = results['removed']
    # the rule took tcp/25 to inet-mta from anyone on wan1: the Internet
    # (the declared flow, now blocked) and the VPN pool (declared by nothing)
    if code != 0 or [(r['change'], r['check'], r['flow']) for r in ch if r['check']] != \
            [('closed', 'RULESET-FLOW-BLOCKED', 'mail-receive')] or any(r['change'] != 'closed' for r in ch):
        fail(f'removed: exit {code}, {ch}')
    if [r['change'] for r in rc] != ['removed']:
        fail(f'removed: rule changes {rc}')
    _, code, ch, rc, _ = results['reorder']
    if code != 0 or ch or not rc or any(r['change'] != 'moved' or not r['changes_nothing'] for r in rc):
        fail(f'reorder: exit {code}, changes {ch}, rule changes {rc}')
    _, code, ch, rc, _ = results['shadow']
    if code != 0 or [(r['change'], r['check'], r['flow'], r['severity']) for r in ch] != \
            [('closed', 'RULESET-FLOW-BLOCKED', 'virtual-browser', 'medium')]:
        fail(f'shadow: exit {code}, {ch}')
    _, code, ch, rc, _ = results['ipv6']
    if code != 1 or [(r['change'], r['check'], r['example']['family']) for r in ch] != \
            [('opened', 'RULESET-MYNUMBER-OPEN', 'ipv6')] or \
            ch[0]['packets'] != 'tcp 443 from mynumber (fd00:10::/64) to the Internet':
        fail(f'ipv6: exit {code}, {ch}')
    _, code, ch, rc, summary = results['unchanged']
    if code != 0 or ch or rc or summary['opened'] or summary['closed']:
        fail(f'unchanged: exit {code}, {ch}, {rc}')

    # the text report, both languages; --fail-on; JUnit: a case per area pair
    after = results['added'][0]
    for lang, want in (('en', 'the change opens lgwan → internet'), ('ja', '新たに通ります')):
        p = diff(before, after, '--lang', lang)
        if p.returncode != 1 or want not in p.stdout or 'OPENED RULESET-LGWAN-INTERNET-OPEN' not in p.stdout:
            fail(f'text ({lang}): exit {p.returncode}\n{p.stdout}{p.stderr}')
    p = diff(before, results['removed'][0], '--fail-on', 'low')
    if p.returncode != 0:
        fail('a change that only closes exits 0')
    p = diff(before, after, '--format', 'junit')
    if p.returncode != 1 or p.stdout.count('<testcase') < 10 or p.stdout.count('<failure') != 1 or \
            'lgwan → internet' not in p.stdout:
        fail(f'junit: exit {p.returncode}\n{p.stdout[:2000]}')
    p = diff(before, after, '--format', 'html')
    if p.returncode != 1 or '<html' not in p.stdout or 'OPENED' not in p.stdout:
        fail('html')
    for bad, want in ((['--before', 'core-fw=' + before], 'nothing to compare'),
                      (['--before', 'nosuch=' + before, '--after', 'nosuch=' + after], "no firewall named 'nosuch'"),
                      (['--after', 'core-fw=' + after], 'no --before')):
        p = subprocess.run(WRAP + [SANSO, 'diff', '-t', os.path.join(EX, 'site.yaml'), *bad], capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 2 or want not in p.stderr:
            fail(f'{bad}: exit {p.returncode}, {p.stderr!r} lacks {want!r}')
    print('sanso diff: every kind of change as expected')

    # the kernel: each example flips between the two rulesets
    if os.geteuid() != 0 or not os.path.exists('/usr/sbin/nft') and not os.path.exists('/sbin/nft'):
        print('SKIP (kernel part): needs root and nft(8) for the router namespace')
        print('PASS')
        return
    spec = importlib.util.spec_from_file_location('kernel_diff', os.path.join(HERE, 'kernel-diff.py'))
    kd = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kd)
    ifaces = ['vlan10', 'vlan20', 'vlan30', 'wan0', 'wan1']
    kernel = kd.Kernel()
    stats, show = __import__('collections').Counter(), [20]
    compared = bad = 0
    try:
        for name, (after, _, ch, _, _) in results.items():
            for side, path in (('before', before), ('after', after)):
                packets = []
                for r in ch:
                    ex = r['example']
                    proto = kd.PROTO[ex['proto']]
                    passes = (r['change'] == 'opened') == (side == 'after')
                    packets.append({'what': f'{name} {side}: {r["message"]}', 'src': ex['src']['ip'],
                                    'dst': ex['dst']['ip'], 'out_dst': ex['dst']['ip'], 'proto': proto,
                                    'out_dport': ex['dst'].get('port') or 0, 'sport': ex['src'].get('port') or 0,
                                    'dport': ex['dst'].get('port') or 0, 'smac': ex['src'].get('mac') or kd.SRC_MAC,
                                    'icmp_type': ex.get('icmp_type', 8), 'icmp_code': ex.get('icmp_code', 0),
                                    'iif': ex['iif'], 'oif': ex['oif'], 'expect': 'accept' if passes else 'drop'})
                c, d = kd.compare(kernel, path, 'nft', ifaces, packets, stats, f'{name} ({side})', show)
                compared += c
                bad += d
    finally:
        kernel.close()
    print(f'{compared} change examples sent through the kernel (before and after), {bad} disagreements')
    if bad or compared < 8:
        fail('the kernel does not flip every change as sanso says')
    print('PASS')


if __name__ == '__main__':
    main()
