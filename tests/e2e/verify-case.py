#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""verify-case.py — one end-to-end case of `sanso verify`.

    verify-case.py SANSO CASE
    verify-case.py --list

Runs the sanso binary on the example site's firewall and on fixtures, checks
the JSON Lines contract of docs/cli.md for ruleset findings, and compares the
findings with an expected TSV (order-insensitive), or with the findings of the
same ruleset read another way: from nft JSON, from nft text (loaded by nft in
a private network namespace), live from a namespace this test creates, and as
iptables-save.

Expected TSV columns: check, src_zone, dst_zone, flow, proto, dport, rule —
rule is "CHAIN#INDEX" of the first rule the finding names ("-" for none).
'-' is null.

Exit status: 0 pass, 1 fail, 77 skip (meson's convention).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(SRC, 'docs', 'examples')
DATA = os.path.join(SRC, 'tests', 'data', 'verify')
SITE = os.path.join(EXAMPLES, 'site.yaml')
SITE4 = os.path.join(DATA, 'site.yaml')
# `meson test --setup valgrind` (meson.build): its valgrind command goes
# before every sanso run (split at blanks), and the timeouts stretch.
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))

SEVERITY = {  # docs/checks.md, ruleset table
    'RULESET-MYNUMBER-OPEN': 'critical',
    'RULESET-LGWAN-INTERNET-OPEN': 'critical',
    'RULESET-INBOUND-OPEN': 'high',
    'RULESET-EXCEPTION-TOO-BROAD': 'high',
    'RULESET-EXCEPTION-NO-MAC': 'low',
    'RULESET-SHADOWED': 'low',
    'RULESET-FLOW-BLOCKED': 'low',
    'RULESET-UNSUPPORTED': 'medium',
}


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def run(sanso, *args, expect=None):
    p = subprocess.run(WRAPPER + [sanso, 'verify', *args], capture_output=True, text=True, timeout=120 * TIME_SCALE)
    if p.returncode < 0 or p.returncode > 3:
        raise Fail(f'sanso verify {" ".join(args)} died: status {p.returncode}\n{p.stderr}')
    if expect is not None and p.returncode != expect:
        raise Fail(f'sanso verify {" ".join(args)}: exit {p.returncode}, expected {expect}\n'
                   f'stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}')
    return p


def records(p):
    """The JSON Lines contract: one object per line, each with a type, the
    summary last and only there, counts that add up."""
    lines = p.stdout.splitlines()
    if not lines:
        raise Fail('no output')
    objs = [json.loads(line) for line in lines]
    for o in objs:
        if 'type' not in o:
            raise Fail(f'a line without "type": {o}')
    if objs[-1]['type'] != 'summary' or any(o['type'] == 'summary' for o in objs[:-1]):
        raise Fail('the summary must be the last line, and only there')
    findings = [o for o in objs if o['type'] == 'finding']
    summary = objs[-1]
    counts = {}
    for f in findings:
        for key in ('check', 'severity', 'requirement', 'message', 'firewall', 'src_zone', 'dst_zone',
                    'example', 'rules', 'approximate'):
            if key not in f:
                raise Fail(f'finding without "{key}": {f}')
        if SEVERITY.get(f['check']) != f['severity']:
            raise Fail(f'{f["check"]} has severity {f["severity"]}, the spec says {SEVERITY.get(f["check"])}')
        if not f['rules'] and f['check'] != 'RULESET-UNSUPPORTED':
            raise Fail(f'a ruleset finding must name its rules: {f}')
        for r in f['rules']:
            if not r.get('location') or not r.get('text'):
                raise Fail(f'a rule without location or text: {r}')
        ex = f['example']
        if f['check'] in ('RULESET-MYNUMBER-OPEN', 'RULESET-LGWAN-INTERNET-OPEN', 'RULESET-INBOUND-OPEN',
                          'RULESET-EXCEPTION-TOO-BROAD', 'RULESET-EXCEPTION-NO-MAC', 'RULESET-FLOW-BLOCKED'):
            if not ex or not ex['src']['ip'] or not ex['dst']['ip'] or not ex['proto']:
                raise Fail(f'{f["check"]} needs a concrete example packet: {f}')
        counts[f['check']] = counts.get(f['check'], 0) + 1
    if summary['findings'] != counts:
        raise Fail(f'summary counts {summary["findings"]} != findings {counts}')
    return findings, summary


def key(f, with_rules=True):
    ex = f['example'] or {}
    k = (f['check'], f['firewall'], f['src_zone'], f['dst_zone'], f.get('flow'),
         ex.get('proto'), (ex.get('src') or {}).get('ip'), (ex.get('dst') or {}).get('ip'),
         (ex.get('dst') or {}).get('port'), ex.get('iif'), ex.get('oif'))
    if with_rules:
        k += tuple((r['chain'], r['index'], r['handle'], r['verdict']) for r in f['rules'])
    return k


def row(f):
    ex = f['example'] or {}
    rule = f'{f["rules"][0]["chain"]}#{f["rules"][0]["index"] or "policy"}' if f['rules'] else '-'
    dport = (ex.get('dst') or {}).get('port')
    return (f['check'], f['src_zone'] or '-', f['dst_zone'] or '-', f.get('flow') or '-', ex.get('proto') or '-',
            '-' if dport is None else str(dport), rule)


def compare_tsv(findings, path):
    want = []
    with open(path, encoding='utf-8') as fh:
        lines = [line.rstrip('\n') for line in fh if line.strip() and not line.startswith('#')]
    for line in lines[1:]:
        want.append(tuple(line.split('\t')))
    got = sorted(row(f) for f in findings)
    want = sorted(want)
    if got != want:
        raise Fail('findings differ from ' + os.path.relpath(path, SRC) + ':\n' +
                   ''.join(f'  - {"	".join(w)}\n' for w in want if w not in got) +
                   ''.join(f'  + {"	".join(g)}\n' for g in got if g not in want))


def same(a, b, what, with_rules=True):
    ka = sorted(key(f, with_rules) for f in a)
    kb = sorted(key(f, with_rules) for f in b)
    if ka != kb:
        raise Fail(f'{what}: findings differ\n' + ''.join(f'  - {k}\n' for k in ka if k not in kb) +
                   ''.join(f'  + {k}\n' for k in kb if k not in ka))


def example_json(sanso):
    p = run(sanso, '-t', SITE, '--format', 'json', expect=1)
    return records(p)


def case_example(sanso):
    findings, summary = example_json(sanso)
    compare_tsv(findings, os.path.join(EXAMPLES, 'verify-expected.tsv'))
    if summary['approximate'] or any(f['approximate'] for f in findings):
        raise Fail('the example has no unsupported constructs: nothing may be approximate')
    if [fw['name'] for fw in summary['firewalls']] != ['core-fw']:
        raise Fail(f'summary firewalls: {summary["firewalls"]}')
    # provenance (issue 18): what the report was made from, by SHA-256
    want = [('topology', SITE), ('ruleset', os.path.join(EXAMPLES, 'core-fw.json'))]
    if [(i['kind'], os.path.abspath(i['path'])) for i in summary['inputs']] != [(k, os.path.abspath(v)) for k, v in want]:
        raise Fail(f'summary inputs: {summary["inputs"]}')
    for i in summary['inputs']:
        with open(i['path'], 'rb') as fh:
            if i['sha256'] != hashlib.sha256(fh.read()).hexdigest():
                raise Fail(f'{i["path"]}: sha256 {i["sha256"]} is not the file\'s')
    if not re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$', summary['generated']) or not summary['sanso_version']:
        raise Fail(f'generated/sanso_version: {summary.get("generated")} {summary.get("sanso_version")}')


def case_example_text(sanso):
    findings, _ = example_json(sanso)
    p = run(sanso, '-t', SITE, '--ruleset', 'core-fw=' + os.path.join(EXAMPLES, 'core-fw.nft'), '--format', 'json')
    if p.returncode == 2 and ('user namespaces' in p.stderr or 'install nftables' in p.stderr):
        raise Skip('nft text needs nft(8) and root or user namespaces: ' + p.stderr.strip().splitlines()[0])
    if p.returncode != 1:
        raise Fail(f'exit {p.returncode}\n{p.stderr}')
    text, _ = records(p)
    same(findings, text, 'nft JSON vs nft text')
    # the text gives file:line locations with the rule as written
    loc = [r['location'] for f in text for r in f['rules'] if r['index']]
    if not loc or not all(re.search(r'core-fw\.nft:\d+$', x) for x in loc):
        raise Fail(f'nft text findings must locate rules by file:line: {loc}')


def netns_available():
    if os.geteuid() != 0:
        raise Skip('live rulesets need root (CAP_NET_ADMIN) to create a network namespace')
    if subprocess.run(['nft', '--version'], capture_output=True).returncode != 0:
        raise Skip('nft(8) is not installed')


def case_example_live(sanso):
    netns_available()
    findings, _ = example_json(sanso)
    ns = f'sanso-verify-{os.getpid()}'
    if subprocess.run(['ip', 'netns', 'add', ns], capture_output=True).returncode != 0:
        raise Skip('ip netns add failed: no network namespaces here')
    try:
        subprocess.run(['ip', 'netns', 'exec', ns, 'nft', '-f', os.path.join(EXAMPLES, 'core-fw.nft')],
                       check=True, capture_output=True)
        live, summary = records(run(sanso, '-t', SITE, '--live', f'core-fw@{ns}', '--format', 'json', expect=1))
        same(findings, live, 'nft JSON vs live')
        if summary['firewalls'][0]['source'] != f'live@{ns}':
            raise Fail(f'source: {summary["firewalls"][0]["source"]}')
        # a namespace that isn't there is bad input, with a message
        p = run(sanso, '-t', SITE, '--live', 'core-fw@sanso-no-such-ns', expect=2)
        if 'sanso-no-such-ns' not in p.stderr:
            raise Fail(f'the message must name the namespace: {p.stderr}')
    finally:
        subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)


def case_iptables(sanso):
    p = run(sanso, '-t', SITE4, '--ruleset', 'core-fw=' + os.path.join(DATA, 'core-fw.iptables'), '--format', 'json',
            expect=1)
    findings, _ = records(p)
    compare_tsv(findings, os.path.join(DATA, 'core-fw.iptables.tsv'))
    # same verdicts as the nft ruleset on the same site, apart from the
    # LOG rule iptables needs separately
    nft, _ = records(run(sanso, '-t', SITE4, '--format', 'json', expect=1))
    same([f for f in nft], [f for f in findings if not (f['check'] == 'RULESET-SHADOWED' and
                                                      'LOG' in f['rules'][0]['text'])],
         'nft vs iptables-save', with_rules=False)
    loc = [r['location'] for f in findings for r in f['rules']]
    if not all(re.search(r'core-fw\.iptables:\d+$', x) for x in loc):
        raise Fail(f'iptables findings must locate rules by file:line: {loc}')


def case_ipv6_unfiltered(sanso):
    # an IPv4-only ruleset on a site with IPv6: IPv6 is forwarded unfiltered
    p = run(sanso, '-t', SITE, '--ruleset', 'core-fw=' + os.path.join(DATA, 'core-fw.iptables'), '--format', 'json',
            expect=1)
    findings, _ = records(p)
    v6 = [f for f in findings if f['example'] and f['example']['family'] == 'ipv6' and
          f['check'] == 'RULESET-MYNUMBER-OPEN']
    if not v6:
        raise Fail('expected RULESET-MYNUMBER-OPEN for IPv6, which no chain filters')
    if not all('no forward chain' in f['rules'][0]['location'] or 'address family' in f['rules'][0]['text']
               for f in v6):
        raise Fail(f'IPv6 findings must say no chain filters IPv6: {v6[0]["rules"]}')


def case_unsupported(sanso):
    p = run(sanso, '-t', SITE4, '--ruleset', 'core-fw=' + os.path.join(DATA, 'unsupported.iptables'), '--format',
            'json', expect=1)
    findings, summary = records(p)
    uns = [f for f in findings if f['check'] == 'RULESET-UNSUPPORTED']
    if not uns or not any('recent' in f['message'] for f in uns):
        raise Fail(f'expected RULESET-UNSUPPORTED naming -m recent: {[f["message"] for f in uns]}')
    if not any(re.search(r'unsupported\.iptables:\d+$', r['location']) for f in uns for r in f['rules']):
        raise Fail('the unsupported rule must be located by file:line')
    if not summary['approximate'] or not all(f['approximate'] for f in findings):
        raise Fail('a firewall with unsupported rules gives approximate findings')
    # `-m recent` in an accepting rule is assumed to match: the SSH rule opens
    if not any(f['check'] == 'RULESET-INBOUND-OPEN' and f['example']['dst']['port'] == 22 for f in findings):
        raise Fail('an unsupported match in an accept rule must be assumed to match (over-approximation)')


def case_mac_ipv6(sanso):
    # issue 11's two reproducers, from nft JSON and from nft text (read back
    # over netlink, where nft merges `ether saddr` with the ether type it
    # adds for `ip saddr` into one compare, and loads 8 bytes for a /64)
    site6 = os.path.join(DATA, 'site6.yaml')
    tsv = os.path.join(DATA, 'mac-ipv6.tsv')
    results = [('nft JSON', records(run(sanso, '-t', site6, '--format', 'json', expect=1))[0])]
    p = run(sanso, '-t', site6, '--ruleset', 'core-fw=' + os.path.join(DATA, 'mac-ipv6.nft'), '--format', 'json')
    if p.returncode == 2 and ('user namespaces' in p.stderr or 'install nftables' in p.stderr):
        print('nft text part skipped: ' + p.stderr.strip().splitlines()[0])
    elif p.returncode != 1:
        raise Fail(f'nft text: exit {p.returncode}\n{p.stderr}')
    else:
        results.append(('nft text', records(p)[0]))
    for what, findings in results:
        try:
            compare_tsv(findings, tsv)
        except Fail as e:
            raise Fail(f'{what}: {e}')
        if any(f['approximate'] for f in findings):
            raise Fail(f'{what}: nothing here is unsupported: {[f["message"] for f in findings]}')
        # the forward holes (not the firewall's own open input hook, IPv4 in site6.yaml)
        v6 = [f for f in findings if f['check'] != 'RULESET-FLOW-BLOCKED' and f['example']['oif']]
        if not v6 or any(f['example']['family'] != 'ipv6' for f in v6):
            raise Fail(f'{what}: the holes are IPv6 ones: {[f["example"] for f in v6]}')
        # an address the kernel forwards, not the network address itself
        for f in v6:
            for side in ('src', 'dst'):
                ip = f['example'][side]['ip']
                if ip.endswith('::') or ip.startswith('::'):
                    raise Fail(f'{what}: example address {ip} is no host the kernel forwards to')
    same(results[0][1], results[-1][1], 'nft JSON vs nft text', with_rules=False)


def case_no_mac(sanso):
    # 5.1 ア: "MAC and/or IP".  The rule carrying an exception that pins the
    # addresses and ports but no MAC is advice (NO-MAC, low) only where the
    # MAC could be pinned, and never TOO-BROAD (tests/data/verify/no-mac.iptables)
    with open(os.path.join(DATA, 'no-mac.iptables'), encoding='utf-8') as fh:
        base = fh.read()
    with open(SITE4, encoding='utf-8') as fh:
        site = fh.read()
    rule = '-s 10.10.2.1/32 -d 203.0.113.0/28 -i vlan10 -o wan0 -p tcp -m tcp --dport 443 -m comment'
    if rule not in base or 'exception_pinning: mac-and-ip' not in site or '- name: core-fw\n' not in site:
        raise Fail('no-mac.iptables or site.yaml no longer hold what this case rewrites')
    gateway = '  - { name: mn-router, zone: mynumber, mac: 02:00:00:10:ff:01, ip: 10.10.0.254, role: gateway }\n'
    variants = [
        # (what, rule, site, checks expected for jlis-link)
        ('pinned by MAC, IP and port', rule.replace('-i vlan10', '-i vlan10 -m mac --mac-source 02:00:00:10:01:01'),
         site, []),
        ('IP and port, no MAC', rule, site, ['RULESET-EXCEPTION-NO-MAC']),
        ('other ports', rule.replace('--dport 443', '--dport 443:444'), site, ['RULESET-EXCEPTION-TOO-BROAD']),
        ('other sources', rule.replace('10.10.2.1/32', '10.10.2.0/24'), site, ['RULESET-EXCEPTION-TOO-BROAD']),
        ('mac-or-ip site', rule, site.replace('exception_pinning: mac-and-ip', 'exception_pinning: mac-or-ip'), []),
        ('a router inside mynumber', rule, site.replace('\nhosts:\n', '\nhosts:\n' + gateway, 1), []),
    ]
    tmp = tempfile.mkdtemp(prefix='sanso-no-mac-')
    try:
        for what, r, st, want in variants:
            rs, yml = os.path.join(tmp, 'no-mac.iptables'), os.path.join(tmp, 'site.yaml')
            with open(rs, 'w', encoding='utf-8') as fh:
                fh.write(base.replace(rule, r))
            with open(yml, 'w', encoding='utf-8') as fh:
                fh.write(st)
            p = run(sanso, '-t', yml, '--ruleset', 'core-fw=' + rs, '--format', 'json')
            if p.returncode not in (0, 1):
                raise Fail(f'{what}: exit {p.returncode}\n{p.stderr}')
            findings, summary = records(p)
            got = sorted(f['check'] for f in findings if f.get('flow') == 'jlis-link')
            if got != want:
                raise Fail(f'{what}: jlis-link findings {got}, expected {want}: {[f["message"] for f in findings]}')
            for f in findings:
                if f['check'] == 'RULESET-EXCEPTION-NO-MAC':
                    ex = f['example']
                    if ex['src']['ip'] != '10.10.2.1' or ex['dst']['port'] != 443 or ex['iif'] != 'vlan10' or \
                            ex['src']['mac'] == '02:00:00:10:01:01' or 'vlan10' not in f['message']:
                        raise Fail(f'{what}: NO-MAC example must be mn-srv-01:443 on vlan10 from another MAC: {f}')
            if p.returncode != (1 if findings else 0):
                raise Fail(f'{what}: exit {p.returncode} with {len(findings)} findings')
    finally:
        shutil.rmtree(tmp)


def case_dnat(sanso):
    # dnat in prerouting (tests/data/verify/kernel/dnat.nft): what forward
    # sees is the translated packet.  The example of a hole opened only
    # through a dnat is sent to the public address (original_dst) and
    # reaches the translated one; the published services (web-publish,
    # mail-receive) pass through their dnat, so they are not blocked; the
    # same from nft text, nft JSON and iptables-save.
    nft = os.path.join(DATA, 'kernel', 'dnat.nft')
    with open(nft, encoding='utf-8') as fh:
        base = fh.read()
    v4 = ('ipv4', '10.10.2.1', 22, '192.0.2.80', 8022)
    v6 = ('ipv6', 'fd00:10::2:1', 443, '2001:db8:80::80', 443)
    pre = 'type filter hook prerouting priority -150;'
    m8022 = '\t\tiifname "wan1" ip daddr 192.0.2.80 tcp dport 8022 dnat ip to 10.10.2.1:22\n'
    if pre not in base or m8022 not in base or 'priority dstnat;' not in base:
        raise Fail('dnat.nft no longer holds what this case rewrites')
    with open(os.path.join(DATA, 'dnat.iptables'), encoding='utf-8') as fh:
        ipt = fh.read()
    variants = [
        # (what, ruleset path or text, expected dnat'ed MYNUMBER-OPEN examples, blocked flows, unsupported)
        ('nft text', nft, {v4, v6}, set(), False),
        ('nft JSON', os.path.join(DATA, 'dnat.json'), {v4, v6}, set(), False),
        ('iptables-save', os.path.join(DATA, 'dnat.iptables'), {v4}, set(), False),
        ('without the 8022 translation', base.replace(m8022, ''), {v6}, set(), False),
        # a nat chain runs at -100 whatever its priority: still after the filter at -150
        ('nat chain at priority -180', base.replace('priority dstnat;', 'priority -180;'), {v4, v6}, set(), False),
        # the filter after the translation sees the translated destination
        ('filter after the dnat', base.replace(pre, 'type filter hook prerouting priority -50;'), set(),
         {'web-publish', 'mail-receive'}, False),
        # `ct status dnat accept` (firewalld's way): exact, from all three formats
        # (one accepting rule for both families: one finding, its example IPv4)
        ('ct status dnat', os.path.join(DATA, 'kernel', 'ct-status-dnat.nft'), {v4}, set(), False),
        ('ct status dnat (iptables --ctstate DNAT)', ipt.replace(
            '-A FORWARD -i wan1 -o vlan10 -p tcp -m tcp --dport 22 -j ACCEPT',
            '-A FORWARD -i wan1 -m conntrack --ctstate DNAT -j ACCEPT'), {v4}, set(), False),
        ('dnat to a map', base.replace(m8022, '\t\tiifname "wan1" ip daddr 192.0.2.80 dnat ip to tcp dport map '
                                        '{ 8022 : 10.10.2.1 }\n'), {v6}, set(), True),
    ]
    tmp = tempfile.mkdtemp(prefix='sanso-dnat-')
    try:
        for what, rs, want, blocked, unsupported in variants:
            if '\n' in rs:
                path = os.path.join(tmp, 'core-fw.iptables' if rs.startswith('# Generated by iptables') else 'core-fw.nft')
                with open(path, 'w', encoding='utf-8') as fh:
                    fh.write(rs)
                rs = path
            p = run(sanso, '-t', SITE, '--ruleset', 'core-fw=' + rs, '--format', 'json')
            if p.returncode not in (0, 1):
                raise Fail(f'{what}: exit {p.returncode}\n{p.stderr}')
            findings, summary = records(p)
            got = set()
            for f in findings:
                ex = f['example']
                if not ex:
                    continue
                if 'original_dst' not in ex:
                    raise Fail(f'{what}: every example has original_dst (null without a dnat): {ex}')
                if ex['original_dst'] is None:
                    continue
                if f['check'] != 'RULESET-MYNUMBER-OPEN' or f['src_zone'] != 'internet-wan':
                    continue
                if not any(r['verdict'] == 'dnat' and 'dnat' in r['text'].lower() for r in f['rules']):
                    raise Fail(f'{what}: the rules of a dnat example must name the dnat rule: {f["rules"]}')
                if ex['original_dst']['ip'] not in f['message']:
                    raise Fail(f'{what}: the message must say where the packet was sent: {f["message"]}')
                got.add((ex['family'], ex['dst']['ip'], ex['dst']['port'], ex['original_dst']['ip'],
                         ex['original_dst']['port']))
            if got != want:
                raise Fail(f'{what}: dnat\'ed MYNUMBER-OPEN examples {sorted(got)}, expected {sorted(want)}')
            direct = [f for f in findings if f['check'] == 'RULESET-MYNUMBER-OPEN' and f['src_zone'] == 'internet-wan'
                      and f['example']['family'] == 'ipv4' and f['example']['original_dst'] is None]
            if direct:
                raise Fail(f'{what}: the Internet reaches mynumber over IPv4 only through a dnat: {direct[0]["message"]}')
            got_blocked = {f['flow'] for f in findings if f['check'] == 'RULESET-FLOW-BLOCKED'} & \
                {'web-publish', 'mail-receive'}
            if got_blocked != blocked:
                raise Fail(f'{what}: blocked published services {sorted(got_blocked)}, expected {sorted(blocked)}')
            uns = [f for f in findings if f['check'] == 'RULESET-UNSUPPORTED']
            if bool(uns) != unsupported or summary['approximate'] != unsupported:
                raise Fail(f'{what}: RULESET-UNSUPPORTED {[f["message"] for f in uns]}, approximate '
                           f'{summary["approximate"]}; expected {unsupported}')
            if unsupported and not any('dnat to a map' in f['message'] for f in uns):
                raise Fail(f'{what}: the finding must say which dnat is not modelled: {uns[0]["message"]}')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_firewall_itself(sanso):
    # Connections to the firewall's own addresses (its host's IPs) take
    # prerouting and input, not forward: what they let in from the Internet
    # is INBOUND-OPEN with a null oif; a service flow to the firewall
    # declares it; a prerouting drop closes it; IPv6 as IPv4.
    with open(os.path.join(EXAMPLES, 'core-fw.nft'), encoding='utf-8') as fh:
        base = fh.read()
    with open(SITE, encoding='utf-8') as fh:
        site = fh.read()
    ssh = 'iifname "wan1" tcp dport 22 accept comment "vendor remote maintenance (temporary)"'
    inp = base[base.index('\tchain input {'):base.rindex('}')]
    ips = 'ip: [ 10.10.0.1, 10.20.0.1, 10.30.0.1 ]'
    flows = '\nflows:\n'
    if ssh not in base or ips not in site or flows not in site or '    host: core-fw\n' not in site:
        raise Fail('core-fw.nft or site.yaml no longer hold what this case rewrites')
    # a service may not reach the lgwan tier: the firewall's host moves to the internet zone for it
    inet_fw = site.replace('  - name: core-fw\n    zone: lgwan\n', '  - name: core-fw\n    zone: internet\n', 1)
    if inet_fw == site:
        raise Fail('site.yaml no longer declares core-fw in the lgwan zone')
    svc = flows + '  - { name: vendor-ssh, kind: service, from: { external: internet-wan }, to: { host: core-fw }, ' \
                  'proto: tcp, ports: [ %s ] }\n'
    pre = '\tchain pre {\n\t\ttype filter hook prerouting priority -150; policy accept;\n' \
          '\t\tiifname "wan1" tcp dport 22 drop\n\t}\n\n'
    v6 = 'iifname "wan1" ip6 daddr fd00:20::1 tcp dport 8443 accept'
    variants = [
        # (what, ruleset, site, expected (family, dport, rule) of the local INBOUND-OPEN findings, local FLOW-BLOCKED)
        ('ssh from the Internet line', base, site, [('ipv4', 22, 'inet filter input#5')], 0),
        ('declared as a service', base, inet_fw.replace(flows, svc % 22, 1), [], 0),
        ('a declared service the input hook drops', base.replace(ssh, 'counter'),
         inet_fw.replace(flows, svc % 22, 1), [], 1),
        ('no input chain', base.replace(inp, ''), site, [('ipv4', 443, '(none)#policy')], 0),
        ('dropped in prerouting first', base.replace('\tchain input {', pre + '\tchain input {'), site, [], 0),
        ('IPv6', base.replace(ssh, v6), site.replace(ips, 'ip: [ 10.10.0.1, 10.20.0.1, 10.30.0.1, "fd00:20::1" ]'),
         [('ipv6', 8443, 'inet filter input#5')], 0),
        ('no host link', base, site.replace('    host: core-fw\n', '', 1), [], 0),
    ]
    tmp = tempfile.mkdtemp(prefix='sanso-self-')
    try:
        for what, rs_text, st, want, blocked in variants:
            rs, yml = os.path.join(tmp, 'core-fw.nft'), os.path.join(tmp, 'site.yaml')
            with open(rs, 'w', encoding='utf-8') as fh:
                fh.write(rs_text)
            with open(yml, 'w', encoding='utf-8') as fh:
                fh.write(st)
            p = run(sanso, '-t', yml, '--ruleset', 'core-fw=' + rs, '--format', 'json')
            if p.returncode not in (0, 1):
                raise Fail(f'{what}: exit {p.returncode}\n{p.stderr}')
            findings, _ = records(p)
            local = [f for f in findings if f['example'] and f['example']['oif'] is None]
            got = sorted((f['example']['family'], f['example']['dst']['port'], row(f)[6]) for f in local
                         if f['check'] == 'RULESET-INBOUND-OPEN')
            if got != want:
                raise Fail(f'{what}: local INBOUND-OPEN {got}, expected {want}: {[f["message"] for f in local]}')
            for f in local:
                if f['check'] == 'RULESET-INBOUND-OPEN' and (f['src_zone'] != 'internet-wan' or
                                                             f['example']['iif'] != 'wan1' or
                                                             'to itself' not in f['message']):
                    raise Fail(f'{what}: the finding must name the Internet line and the firewall itself: {f}')
            nb = sum(1 for f in local if f['check'] == 'RULESET-FLOW-BLOCKED' and f['flow'] == 'vendor-ssh')
            if nb != blocked:
                raise Fail(f'{what}: {nb} FLOW-BLOCKED for vendor-ssh, expected {blocked}')
            other = [f for f in local if f['check'] not in ('RULESET-INBOUND-OPEN', 'RULESET-FLOW-BLOCKED')]
            if other:
                raise Fail(f'{what}: only INBOUND-OPEN and FLOW-BLOCKED concern the firewall itself: {other}')
    finally:
        shutil.rmtree(tmp)


def case_bad_ruleset(sanso):
    p = run(sanso, '-t', SITE4, '--ruleset', 'core-fw=' + os.path.join(DATA, 'bad.iptables'), '-o',
            os.path.join(tempfile.gettempdir(), f'sanso-never-{os.getpid()}.txt'), expect=2)
    if not re.search(r'bad\.iptables:\d+:\d+: error', p.stderr):
        raise Fail(f'expected file:line:column: {p.stderr}')
    if os.path.exists(os.path.join(tempfile.gettempdir(), f'sanso-never-{os.getpid()}.txt')):
        raise Fail('no report may be written for bad input')


def case_bad_json(sanso):
    with open(os.path.join(EXAMPLES, 'core-fw.json'), encoding='utf-8') as fh:
        text = fh.read()
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as tmp:
        tmp.write(text[:len(text) // 2])
    try:
        p = run(sanso, '-t', SITE, '--ruleset', 'core-fw=' + tmp.name, expect=2)
        if not re.search(re.escape(os.path.basename(tmp.name)) + r':\d+:\d+: error', p.stderr):
            raise Fail(f'expected file:line:column: {p.stderr}')
    finally:
        os.unlink(tmp.name)


def case_usage(sanso):
    p = run(sanso, '-t', SITE, '--ruleset', 'nosuch=x.json', expect=2)
    if 'nosuch' not in p.stderr:
        raise Fail(p.stderr)
    p = run(sanso, '-t', os.path.join(SRC, 'tests', 'data', 'e2e', 'minimal.yaml'), expect=2)
    if 'no firewall' not in p.stderr:
        raise Fail(p.stderr)
    run(sanso, '-t', SITE, '--ruleset', 'core-fw', expect=2)
    run(sanso, '-t', SITE, '--ruleset', 'core-fw=/nonexistent/rules.nft', expect=2)


def case_formats(sanso):
    text = run(sanso, '-t', SITE, expect=1).stdout
    for want in ('RULESET-MYNUMBER-OPEN', 'core-fw', 'example', 'マイナンバー利用事務系'):
        if want not in text:
            raise Fail(f'text report lacks {want!r}')
    ja = run(sanso, '-t', SITE, '--lang', 'ja', expect=1).stdout
    if '許可しています' not in ja:
        raise Fail('--lang ja must word the findings in Japanese')
    # the audit's JUnit layout (tests/e2e/junit-check.py): a suite per ruleset
    # check and FIREWALLS; below --fail-on, skipped rather than failed
    import importlib.util
    spec = importlib.util.spec_from_file_location('junit_check', os.path.join(HERE, 'junit-check.py'))
    jc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(jc)
    for fail_on, failures, skipped in (('low', 7, 0), ('high', 4, 3)):
        junit = run(sanso, '-t', SITE, '--format', 'junit', '--fail-on', fail_on, expect=1).stdout
        try:
            r = jc.check(junit)
        except jc.Bad as e:
            raise Fail(f'junit --fail-on {fail_on}: {e}')
        if set(r['suites']) != set(SEVERITY) | {'FIREWALLS'} or r['failures'] != failures or r['skipped'] != skipped:
            raise Fail(f'junit --fail-on {fail_on}: suites {sorted(r["suites"])}, {r["failures"]} failures, '
                       f'{r["skipped"]} skipped; expected {failures} and {skipped}')
        if [c[1:3] for c in r['cases'] if c[0] == 'FIREWALLS'] != [('core-fw', 'pass')]:
            raise Fail(f'junit: FIREWALLS {[c for c in r["cases"] if c[0] == "FIREWALLS"]}')
    html = run(sanso, '-t', SITE, '--format', 'html', expect=1).stdout
    if not html.startswith('<!DOCTYPE html>') or 'RULESET-SHADOWED' not in html:
        raise Fail('html report')
    run(sanso, '-t', SITE, '--fail-on', 'critical', expect=1)


def case_progress(sanso):
    """A progress line on a terminal (script(1) gives it one), rewritten in
    place and cleared at the end; none with -q or when stderr is a pipe."""
    if not shutil.which('script'):
        raise Skip('script(1) is not installed: no terminal to test progress on')
    env = dict(os.environ, SANSO_PROGRESS_AFTER='0')  # the 1 s a real verify waits, for a small ruleset
    out = os.path.join(tempfile.mkdtemp(prefix='sanso-progress-'), 'r.txt')
    try:
        for quiet in (False, True):
            cmd = ' '.join(WRAPPER + [sanso, 'verify', '-t', SITE, '-o', out] + (['-q'] if quiet else []))
            tty = subprocess.run(['script', '-qec', cmd, '/dev/null'], capture_output=True, env=env,
                                 timeout=120 * TIME_SCALE)
            shown = re.search(rb'sanso verify: core-fw: [a-z ,]+, \d+ rules walked, \d+ s', tty.stdout)
            if bool(shown) == quiet or (not quiet and not tty.stdout.rstrip().endswith(b'\x1b[K')):
                raise Fail(f'progress on a terminal{" with -q" if quiet else ""}: {tty.stdout[-300:]!r}')
        piped = subprocess.run(WRAPPER + [sanso, 'verify', '-t', SITE, '-o', out], capture_output=True, env=env,
                               timeout=120 * TIME_SCALE)
        if piped.returncode != 1 or b'rules walked' in piped.stderr:
            raise Fail(f'no progress when stderr is not a terminal: exit {piped.returncode}, {piped.stderr[:200]!r}')
    finally:
        shutil.rmtree(os.path.dirname(out), ignore_errors=True)


CASES = {
    'verify-example': case_example,
    'verify-example-text': case_example_text,
    'verify-example-live': case_example_live,
    'verify-iptables': case_iptables,
    'verify-ipv6-unfiltered': case_ipv6_unfiltered,
    'verify-unsupported': case_unsupported,
    'verify-mac-ipv6': case_mac_ipv6,
    'verify-no-mac': case_no_mac,
    'verify-firewall-itself': case_firewall_itself,
    'verify-dnat': case_dnat,
    'verify-bad-ruleset': case_bad_ruleset,
    'verify-bad-json': case_bad_json,
    'verify-usage': case_usage,
    'verify-formats': case_formats,
    'verify-progress': case_progress,
}


def main(argv):
    if len(argv) == 2 and argv[1] == '--list':
        print('\n'.join(CASES))
        return 0
    if len(argv) != 3 or argv[2] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        CASES[argv[2]](argv[1])
    except Skip as e:
        print(f'SKIP: {e}')
        return 77
    except Fail as e:
        print(f'FAIL: {e}')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
