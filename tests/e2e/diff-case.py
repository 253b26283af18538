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
  input      an input-hook accept of tcp/8443 from the Internet line:
             `opened` RULESET-INBOUND-OPEN to the firewall itself, exit 1
  input-lgwan  the LGWAN management ssh to the firewall removed: `closed`
             without a check (no declared flow), exit 0

And topology changes (--after-topology NEW.yaml, the same ruleset under both):

  legalise   a new service flow internet-wan → internet udp/53: the "DNS for
             the vendor" accept becomes legal (`opened`, check null, flow
             vendor-dns), the rest of the flow nobody accepts (`closed`
             RULESET-FLOW-BLOCKED, forward, and again for the firewall's
             own address in that zone: the input hook), exit 0
  withdraw   the mail-receive flow struck out: its accept now breaks the
             policy (`opened` RULESET-INBOUND-OPEN), exit 1
  newflow    a new file-cdr flow on a port no rule opens: `closed`
             RULESET-FLOW-BLOCKED, severity medium, exit 0
  same       the topology unchanged: no records, exit 0

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
IN22 = '\t\tiifname "wan1" tcp dport 22 accept comment "vendor remote maintenance (temporary)"\n'
ADM = '\t\tiifname "vlan20" ip saddr @lgwan_admins tcp dport 22 accept comment "management from LGWAN"\n'
CASES = {
    'added': edit(VB, '\t\tiifname "vlan20" oifname "vlan30" tcp dport 8080 accept\n' + VB),
    'removed': edit(MR, ''),
    'reorder': edit(FD + MR, MR + FD),
    'shadow': edit(VB, '\t\tiifname "vlan20" oifname "vlan30" tcp dport 3389 drop\n' + VB),
    'ipv6': edit(VB, '\t\tiifname "vlan10" oifname "wan1" ip6 saddr fd00:10::/64 tcp dport 443 accept\n' + VB),
    'unchanged': BEFORE,
    'input': edit(IN22, IN22 + '\t\tiifname "wan1" tcp dport 8443 accept\n'),
    'input-lgwan': edit(ADM, ''),
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
    _, code, ch, rc, _ = results['input']
    # wan1 carries the Internet (INBOUND-OPEN) and the VPN pool (no check judges it)
    if code != 1 or [(r['change'], r['check'], r['src_zone']) for r in ch if r['check']] != \
            [('opened', 'RULESET-INBOUND-OPEN', 'internet-wan')] or \
            sorted((r['change'], r['src_zone']) for r in ch) != [('opened', 'internet-wan'), ('opened', 'remote-vpn')] or \
            any(r['example']['oif'] is not None or not r['packets'].startswith('tcp 8443 from ') or
                not r['packets'].endswith('(core-fw itself)') or r['rules'][-1]['chain'] != 'inet filter input'
                for r in ch):
        fail(f'input: exit {code}, {ch}')
    _, code, ch, rc, _ = results['input-lgwan']
    if code != 0 or [(r['change'], r['check'], r['src_zone'], r['example']['oif']) for r in ch] != \
            [('closed', None, 'lgwan', None)]:
        fail(f'input-lgwan: exit {code}, {ch}')
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

    # topology changes: the same ruleset under the old and the new topology
    with open(os.path.join(EX, 'site.yaml')) as f:
        site = f.read()
    mr = ('  - { name: mail-receive, kind: service, from: { external: internet-wan }, to: { host: inet-mta }, '
          'proto: tcp, ports: [ 25 ] }\n')
    if mr not in site:
        fail('the example topology has no mail-receive flow')
    topo_cases = {
        'legalise': site.replace(mr, mr + '  - { name: vendor-dns, kind: service, from: { external: internet-wan }, '
                                 'to: { zone: internet }, proto: udp, ports: [ 53 ] }\n'),
        'withdraw': site.replace(mr, ''),
        'newflow': site.replace(mr, mr + '  - { name: cdr-admin, kind: file-cdr, from: { zone: lgwan }, '
                                'to: { host: file-sanitizer }, proto: tcp, ports: [ 8443 ] }\n'),
        'same': site,
    }
    topo = {}
    for name, text in topo_cases.items():
        path = os.path.join(tmp, f'{name}.yaml')
        with open(path, 'w') as f:
            f.write(text)
        p = subprocess.run(WRAP + [SANSO, 'diff', '-t', os.path.join(EX, 'site.yaml'), '--before', f'core-fw={before}',
                                   '--after-topology', path, '--format', 'json'], capture_output=True, text=True,
                           timeout=300)
        if p.returncode not in (0, 1):
            fail(f'topology {name}: exit {p.returncode}: {p.stderr}')
        recs = [json.loads(l) for l in p.stdout.splitlines()]
        ch = [r for r in recs if r['type'] == 'change']
        print(f'topology {name}: exit {p.returncode}; ' + '; '.join(
            f'{r["change"]} {r["check"]} {r["flow"]} {r["src_zone"]}→{r["dst_zone"]} {r["packets"]}' for r in ch))
        if recs[-1]['type'] != 'summary' or [i['kind'] for i in recs[-1]['inputs']] != \
                ['topology', 'topology-after', 'ruleset']:
            fail(f'topology {name}: summary {recs[-1]}')
        for r in ch:
            if not r['example'] or not r['rules'] or not r['message']:
                fail(f'topology {name}: a change without example, rules or message: {r}')
        try:
            js.check(ch + [recs[-1]], f'diff --after-topology {name}', types)
        except js.Bad as e:
            fail(f'JSON types: {e}')
        topo[name] = (p.returncode, ch)
    code, ch = topo['legalise']
    if code != 0 or [(r['change'], r['check'], r['flow'], r['packets']) for r in ch if r['change'] == 'opened'] != \
            [('opened', None, 'vendor-dns', 'udp 53 from the Internet to 10.30.2.53')] or \
            [(r['change'], r['check'], r['flow']) for r in ch if r['change'] == 'closed'] != \
            [('closed', 'RULESET-FLOW-BLOCKED', 'vendor-dns')] * 2 or \
            not ch[-1]['packets'].endswith('to 10.30.0.1 (core-fw itself)') or ch[-1]['example']['oif'] is not None:
        # the flow's zone holds the firewall's own address there: the input hook drops it
        fail(f'topology legalise: exit {code}, {ch}')
    if 'DNS for the vendor' not in json.dumps(ch[0]['rules']) and 'udp dport 53 accept' not in ch[0]['rules'][-1]['text']:
        fail(f'topology legalise: the accepting rule {ch[0]["rules"]}')
    code, ch = topo['withdraw']
    if code != 1 or [(r['change'], r['check'], r['src_zone'], r['dst_zone'], r['packets']) for r in ch] != \
            [('opened', 'RULESET-INBOUND-OPEN', 'internet-wan', 'internet', 'tcp 25 from the Internet to 10.30.2.1')]:
        fail(f'topology withdraw: exit {code}, {ch}')
    code, ch = topo['newflow']
    if code != 0 or [(r['change'], r['check'], r['flow'], r['severity']) for r in ch] != \
            [('closed', 'RULESET-FLOW-BLOCKED', 'cdr-admin', 'medium')]:
        fail(f'topology newflow: exit {code}, {ch}')
    if topo['same'] != (0, []):
        fail(f'topology same: {topo["same"]}')
    p = subprocess.run(WRAP + [SANSO, 'diff', '-t', os.path.join(EX, 'site.yaml'), '--before', f'core-fw={before}',
                               '--after-topology', os.path.join(tmp, 'withdraw.yaml'), '--lang', 'ja'],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 1 or '新しいトポロジでは' not in p.stdout or 'OPENED RULESET-INBOUND-OPEN' not in p.stdout:
        fail(f'topology text (ja): exit {p.returncode}\n{p.stdout}{p.stderr}')
    other_ifs = site.replace('{ name: wan1,', '{ name: wan9,')
    if other_ifs == site:
        fail('the example topology has no wan1 interface')
    with open(os.path.join(tmp, 'other-ifs.yaml'), 'w') as f:
        f.write(other_ifs)
    for bad, want in ((['--after-topology', os.path.join(tmp, 'other-ifs.yaml')], 'has other interfaces'),
                      (['--after', 'core-fw=' + after, '--after-topology', os.path.join(tmp, 'same.yaml')],
                       'one change at a time'),
                      (['--after-topology', os.path.join(tmp, 'nosuch.yaml')], 'nosuch.yaml')):
        p = subprocess.run(WRAP + [SANSO, 'diff', '-t', os.path.join(EX, 'site.yaml'), '--before', f'core-fw={before}',
                                   *bad], capture_output=True, text=True, timeout=60)
        if p.returncode != 2 or want not in p.stderr:
            fail(f'{bad}: exit {p.returncode}, {p.stderr!r} lacks {want!r}')
    print('sanso diff --after-topology: every kind of change as expected')

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
        # a topology change: the ruleset is the same, so the kernel must pass
        # every opened example and drop every closed one
        packets = []
        for name, (_, ch) in topo.items():
            for r in ch:
                ex = r['example']
                packets.append({'what': f'topology {name}: {r["message"]}', 'src': ex['src']['ip'],
                                'dst': ex['dst']['ip'], 'out_dst': ex['dst']['ip'], 'proto': kd.PROTO[ex['proto']],
                                'out_dport': ex['dst'].get('port') or 0, 'sport': ex['src'].get('port') or 0,
                                'dport': ex['dst'].get('port') or 0, 'smac': ex['src'].get('mac') or kd.SRC_MAC,
                                'icmp_type': ex.get('icmp_type', 8), 'icmp_code': ex.get('icmp_code', 0),
                                'iif': ex['iif'], 'oif': ex['oif'],
                                'expect': 'accept' if r['change'] == 'opened' else 'drop'})
        topo_compared, topo_bad = kd.compare(kernel, before, 'nft', ifaces, packets, stats, 'topology changes', show)
    finally:
        kernel.close()
    print(f'{compared} change examples sent through the kernel (before and after), {bad} disagreements')
    print(f'{topo_compared} topology-change examples sent through the kernel, {topo_bad} disagreements')
    if bad or compared < 12 or topo_bad or topo_compared < 4:
        fail('the kernel does not flip every change as sanso says')
    print('PASS')


if __name__ == '__main__':
    main()
