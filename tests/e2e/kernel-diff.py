#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kernel-diff.py — sanso verify's model against the kernel itself.

    kernel-diff.py SANSO KERNEL_PROBE [--scale CORPUS_DIR]
    kernel-diff.py SANSO KERNEL_PROBE --only RULESET.nft...   (one case at a time)

For each ruleset, build a router network namespace with one veth per
interface of the site's firewall (the names the ruleset uses), the peers in
one outside namespace; load the ruleset there (`nft -f`, or
`iptables-nft-restore` / `ip6tables-nft-restore` for iptables-save dumps);
and send, from the outside namespace, real first packets (TCP SYN, UDP,
ICMP/ICMPv6 requests; IPv4 and IPv6; with the source MACs the model picked)
into the input interface.  Whether each packet leaves the router, and on
which interface, is compared with what sanso's model says.  Packets to the
firewall's own addresses (its host's IPs in the site, put on the router's
lo) go through prerouting and input: a last input chain of our own, at the
highest priority, records the tag of every packet the ruleset let in.

Packets:
  - every rule's witnesses and random first packets (tests' kernel-probe:
    the verdict of verify's own set walk, which must equal the one-packet
    trace's verdict);
  - for the fixture rulesets, the example of every finding: the example of
    a RULESET-*-OPEN, EXCEPTION-TOO-BROAD or -NO-MAC finding must leave on the output
    interface it names, that of a RULESET-FLOW-BLOCKED finding must not.
Packets whose path meets a rule the model can't judge exactly (unsupported
constructs, NAT, netdev chains) are counted and left out, as are repeated
connection tuples (conntrack would take the repeat for the same
connection).

Rulesets: the bundled example and the fixtures of tests/data/verify/; with
--scale also every nft text ruleset of the shared corpus that nft 1.0.6
loads (nft/EXPECTED.tsv), every iptables-save dump of the corpus that
iptables-nft-restore loads, and generated rulesets (merged payloads, ether
saddr, IPv6 prefixes and sets, intervals, concatenations, verdict maps,
jump/goto/return, base chains at several priorities, ct state, ct status
dnat, meta nfproto/l4proto, reject, dnat).  Rulesets that can't be compared are
counted with their reason.  Completion is exact, not timed: after each batch
a sentinel frame is sent that a netdev ingress chain of our own bounces
back; the sender is pinned to one CPU, so when the sentinel is back every
packet before it has been forwarded or dropped.

Traffic stays between the namespaces this test creates.  Prints `N packets
compared, M disagreements`; fails on any disagreement, when nothing was
compared, or with --scale on fewer than 100,000 packets or 300 rulesets.

Environment, for hunting: SANSO_KERNEL_DIFF_SEED (another seed, other
generated rulesets), SANSO_KERNEL_DIFF_GENERATED (how many; 150),
SANSO_KERNEL_DIFF_KEEP=1 (keep the generated rulesets and sites).

Exit status: 0 pass, 1 fail, 77 skip (not root, no nft or ip).
"""

import collections
import ipaddress
import json
import os
import random
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))

EX = os.path.join(SRC, 'docs', 'examples')
DATA = os.path.join(SRC, 'tests', 'data', 'verify')
KERNEL_DIR = os.path.join(DATA, 'kernel')
ACCEPTED = ('RULESET-MYNUMBER-OPEN', 'RULESET-LGWAN-INTERNET-OPEN', 'RULESET-INBOUND-OPEN',
            'RULESET-EXCEPTION-TOO-BROAD', 'RULESET-EXCEPTION-NO-MAC')
PROTO = {'tcp': 6, 'udp': 17, 'icmp': 1, 'icmpv6': 58, 'ipv6-icmp': 58}
SRC_MAC = '02:00:00:ee:00:01'  # when a finding names none
SENTINEL_TYPE = 0x88b5  # IEEE 802 local experimental ethertype
LOCAL = 'local'  # what arrived at the router itself
# records the tag of every packet delivered to the router (the tag: TCP
# sequence number, ICMP id/sequence, the first 4 bytes of UDP payload)
OBSERVER = '''table inet sanso_kernel_local {
	set seen { type mark; size 65536; flags dynamic; }
	chain in {
		type filter hook input priority 2147483647; policy accept;
		meta l4proto udp meta mark set @th,64,32 add @seen { meta mark } accept
		meta l4proto { tcp, icmp, ipv6-icmp } meta mark set @th,32,32 add @seen { meta mark }
	}
}
'''
BATCH = 200
MIN_PACKETS, MIN_RULESETS = 100000, 300


class Skip(Exception):
    pass


def sh(*args, input=None, check=True):
    p = subprocess.run(args, input=input, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f'{" ".join(args)}: exit {p.returncode}: {p.stderr.strip()}')
    return p


# ------------------------------------------------------------------ packets

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))


def frame(p, dst_mac):
    """An Ethernet frame for packet p (a dict): the tag goes where the model
    does not look (TCP sequence number, UDP payload, ICMP id/sequence)."""
    src, dst = ipaddress.ip_address(p['src']), ipaddress.ip_address(p['dst'])
    v6 = src.version == 6
    proto, tag = p['proto'], p['tag']
    if proto == 6:
        l4 = struct.pack('!HHIIBBHHH', p['sport'], p['dport'], tag, 0, 5 << 4, p.get('tcp_flags', 2), 64240, 0, 0)
    elif proto == 17:
        l4 = struct.pack('!HHHH', p['sport'], p['dport'], 12, 0) + struct.pack('!I', tag)
    else:
        # two data bytes make the checksum what the model chose for
        # transport bytes 2-3 (`th dport` reads them)
        l4 = struct.pack('!BBHIH', p['icmp_type'], p['icmp_code'], 0, tag, 0)
    if v6:
        pseudo = src.packed + dst.packed + struct.pack('!IxxxB', len(l4), proto)
    else:
        pseudo = src.packed + dst.packed + struct.pack('!xBH', proto, len(l4))
    off = {6: 16, 17: 6}.get(proto, 2)
    summed = (pseudo if (proto in (6, 17) or v6) else b'') + l4
    if proto in (1, 58) and 'icmp_checksum' in p:
        s = (~csum(summed)) & 0xffff  # the one's complement sum so far
        w = ((~p['icmp_checksum'] & 0xffff) + (~s & 0xffff))
        w = (w & 0xffff) + (w >> 16)
        l4 = l4[:8] + struct.pack('!H', w & 0xffff)
        summed = (pseudo if v6 else b'') + l4
    c = csum(summed)
    if proto == 17 and c == 0:
        c = 0xffff
    if proto in (1, 58) and 'icmp_checksum' in p and c != p['icmp_checksum']:
        raise ValueError('checksum not reachable')
    l4 = l4[:off] + struct.pack('!H', c) + l4[off + 2:]
    if v6:
        ip = struct.pack('!IHBB', 0x60000000, len(l4), proto, 64) + src.packed + dst.packed
        et = 0x86dd
    else:
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), tag & 0xffff, 0x4000, 64, proto, 0,
                          src.packed, dst.packed)
        ip = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        et = 0x0800
    return dst_mac + mac(p['smac']) + struct.pack('!H', et) + ip + l4


def parse(buf):
    """(tag, src, dst) of a frame we sent, or None."""
    if len(buf) < 14:
        return None
    et = struct.unpack('!H', buf[12:14])[0]
    if et == 0x0800 and len(buf) >= 34:
        ihl = (buf[14] & 15) * 4
        proto, l4 = buf[23], buf[14 + ihl:]
        src, dst = ipaddress.ip_address(buf[26:30]), ipaddress.ip_address(buf[30:34])
    elif et == 0x86dd and len(buf) >= 54:
        proto, l4 = buf[20], buf[54:]
        src, dst = ipaddress.ip_address(buf[22:38]), ipaddress.ip_address(buf[38:54])
    else:
        return None
    if proto == 6 and len(l4) >= 8:
        tag = struct.unpack('!I', l4[4:8])[0]
    elif proto == 17 and len(l4) >= 12:
        tag = struct.unpack('!I', l4[8:12])[0]
    elif proto in (1, 58) and len(l4) >= 8:
        tag = struct.unpack('!I', l4[4:8])[0]
    else:
        return None
    return tag, str(src), str(dst)


SOL_PACKET, PACKET_IGNORE_OUTGOING = 263, 23


def agent():
    """In the outside namespace, one process for the whole run: a request
    (JSON, one line) per batch — the peers, the packets, each with the peer
    to send on and the router's MAC there — answered by {tag: peer it
    arrived on} once the sentinel has come back."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # one CPU: one backlog queue, in order
    for line in sys.stdin:
        req = json.loads(line)
        socks = {}
        for peer in req['peers']:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
            s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            s.setsockopt(socket.SOL_SOCKET, 33, 1 << 25)  # SO_RCVBUFFORCE
            s.bind((peer, 0))
            s.setblocking(False)
            socks[peer] = s
        sent = {p['tag']: (p['src'], p.get('out_dst', p['dst'])) for p in req['packets']}
        for p in req['packets']:
            socks[p['in_peer']].send(frame(p, mac(p['router_mac'])))
        sp = req['sentinel_peer']
        nonce = os.urandom(8)
        socks[sp].send(mac(req['sentinel_mac']) + b'\x02\0\0\0\0\x01' + struct.pack('!H', SENTINEL_TYPE) +
                       nonce + b'\0' * 38)
        arrived, back = {}, False
        deadline = time.monotonic() + 5.0 * TIME_SCALE  # a safety net only

        def drain():
            nonlocal back
            for peer, s in socks.items():
                while True:
                    try:
                        buf, addr = s.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if addr[2] == socket.PACKET_OUTGOING:
                        continue
                    if peer == sp and buf[12:14] == struct.pack('!H', SENTINEL_TYPE) and buf[14:22] == nonce:
                        back = True
                        continue
                    t = parse(buf)
                    if t and t[0] in sent and sent[t[0]] == (t[1], t[2]):
                        arrived.setdefault(str(t[0]), peer)

        while not back and time.monotonic() < deadline:
            select.select(list(socks.values()), [], [], 0.05)
            drain()
        drain()
        for s in socks.values():
            s.close()
        print(json.dumps({'arrived': arrived, 'sentinel': back}), flush=True)


# ----------------------------------------------------------------- the model

def finding_packets(sanso, site, fw, ruleset, stats):
    p = subprocess.run(WRAPPER + [sanso, 'verify', '-t', site, '--ruleset', f'{fw}={ruleset}', '--format', 'json'],
                       capture_output=True, text=True, timeout=120 * TIME_SCALE)
    if p.returncode not in (0, 1):
        raise RuntimeError(f'sanso verify {ruleset}: exit {p.returncode}: {p.stderr}')
    out = []
    for line in p.stdout.splitlines():
        f = json.loads(line)
        if f.get('type') != 'finding' or not f.get('example'):
            continue
        if f['check'] not in ACCEPTED and f['check'] != 'RULESET-FLOW-BLOCKED':
            continue
        if f['approximate']:
            stats['left out: approximate finding'] += 1
            continue
        ex = f['example']
        proto = PROTO.get(ex['proto'], ex['proto'] if isinstance(ex['proto'], int) else None)
        if proto not in (1, 6, 17, 58):
            stats['left out: example not sendable'] += 1
            continue
        sent = ex.get('original_dst') or ex['dst']  # a dnat's: sent there, arrives translated
        if ex.get('original_dst'):
            stats['finding examples through a dnat'] += 1
        out.append({
            'what': f'{f["check"]}: {f["message"]}',
            'src': ex['src']['ip'], 'dst': sent['ip'], 'out_dst': ex['dst']['ip'], 'proto': proto,
            'out_dport': ex['dst'].get('port') or 0,
            'sport': ex['src'].get('port') or 0, 'dport': sent.get('port') or 0,
            'smac': ex['src'].get('mac') or SRC_MAC,
            'icmp_type': ex.get('icmp_type', 128 if proto == 58 else 8), 'icmp_code': ex.get('icmp_code', 0),
            'iif': ex['iif'], 'oif': ex['oif'],
            'expect': 'drop' if f['check'] == 'RULESET-FLOW-BLOCKED' else 'accept',
        })
    return out


def probe_packets(probe, site, fw, ruleset, per_rule, n_random, seed, stats):
    p = subprocess.run(WRAPPER + [probe, site, fw, ruleset, str(per_rule), str(n_random), str(seed)],
                       capture_output=True, text=True, timeout=300 * TIME_SCALE)
    if p.returncode != 0:
        raise Skip(f'kernel-probe refuses it: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}')
    out = []
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o['approximate']:
            stats['left out: approximate packet'] += 1
            continue
        rules = '; '.join(f'{r["chain"]} {r["verdict"]} ({r["location"]})' for r in o['rules'])
        what = (f'{"witness of " + o["witness_of"] if o["witness_of"] else "random"}: '
                f'{o["src"]["ip"]} → {o["dst"]["ip"]}'
                f'{" (dnat to " + o["out_dst"]["ip"] + ":" + str(o["out_dst"].get("port", "")) + ")" if o["translated"] else ""}'
                f' proto {o["proto"]} '
                f'{o["src"].get("port", o.get("icmp_type", ""))}→{o["dst"].get("port", o.get("icmp_code", ""))} '
                f'{o["iif"]} → {o["oif"]} mac {o["smac"]}; decided by {rules}')
        if o['translated']:
            stats['packets through a dnat'] += 1
        q = {'what': what, 'src': o['src']['ip'], 'dst': o['dst']['ip'], 'out_dst': o['out_dst']['ip'],
             'out_dport': o['out_dst'].get('port', 0),
             'proto': o['proto'],
             'sport': o['src'].get('port', 0), 'dport': o['dst'].get('port', 0), 'smac': o['smac'],
             'icmp_type': o.get('icmp_type', 0), 'icmp_code': o.get('icmp_code', 0), 'tcp_flags': o['tcp_flags'],
             'icmp_checksum': o.get('icmp_checksum', 0),
             'iif': o['iif'], 'oif': o['oif'], 'expect': 'accept' if o['accept'] else 'drop'}
        if o['proto'] in (1, 58) and o['icmp_checksum'] == 0xffff:
            stats['left out: ICMP checksum 0xffff (no valid packet has it)'] += 1
            continue
        if o['accept'] != o['traced_accept']:
            q['internal'] = True  # the set walk and the trace disagree: a model bug
        out.append(q)
    return out


# ---------------------------------------------------------------- the kernel

def link_mac(ns, dev):
    return json.loads(sh('ip', '-n', ns, '-j', 'link', 'show', dev).stdout)[0]['address']


class Kernel:
    """The outside namespace and its agent, for the whole run."""

    def __init__(self):
        self.o = f'skd-o{os.getpid()}'
        sh('ip', 'netns', 'add', self.o)
        for k in ('net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'):
            sh('ip', 'netns', 'exec', self.o, 'sysctl', '-qw', k)
        self.agent = subprocess.Popen(['ip', 'netns', 'exec', self.o, sys.executable, os.path.abspath(__file__),
                                       '--agent'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.n = 0

    def close(self):
        if self.agent.stdin:
            self.agent.stdin.close()
        self.agent.wait(timeout=30)
        sh('ip', 'netns', 'del', self.o, check=False)

    def ask(self, req):
        self.agent.stdin.write(json.dumps(req) + '\n')
        self.agent.stdin.flush()
        line = self.agent.stdout.readline()
        if not line:
            raise RuntimeError('the agent in the outside namespace died')
        return json.loads(line)

    def run(self, ruleset, fmt, ifaces, packets):
        """Loads the ruleset in a new router namespace and sends the packets
        (each with a unique 'tag'); returns {tag: peer} and {iface: peer}."""
        self.n += 1
        r = f'skd-r{os.getpid()}-{self.n}'
        peer = {i: f'k{self.n}p{k}' for k, i in enumerate(ifaces)}
        try:
            sh('ip', 'netns', 'add', r)
            # before the interfaces exist, so that they inherit the defaults
            sh('ip', 'netns', 'exec', r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1',
               'net.ipv6.conf.default.forwarding=1', 'net.ipv4.conf.all.rp_filter=0',
               'net.ipv4.conf.default.rp_filter=0')
            cmds = []
            for i in ifaces:
                cmds.append(f'link add {i} type veth peer name {peer[i]} netns {self.o}')
                cmds.append(f'link set {i} up')
            sh('ip', '-n', r, '-batch', '-', input='\n'.join(cmds) + '\n')
            sh('ip', '-n', self.o, '-batch', '-', input=''.join(f'link set {peer[i]} up\n' for i in ifaces))
            rmac = {i: link_mac(r, i) for i in ifaces}
            pmac = {i: link_mac(self.o, peer[i]) for i in ifaces}
            if fmt == 'nft':
                p = sh('ip', 'netns', 'exec', r, 'nft', '-f', ruleset, check=False)
            else:
                with open(ruleset) as f:
                    text = f.read()
                tool = 'ip6tables-nft-restore' if fmt == 'ip6tables' else 'iptables-nft-restore'
                p = sh('ip', 'netns', 'exec', r, tool, input=text, check=False)
            if p.returncode != 0:
                why = [ln for ln in p.stderr.strip().splitlines() if not ln.startswith('Try ')] or ['?']
                raise Skip(f'the kernel refuses it: {"; ".join(why[:2])[:200]}')
            sentinel = 'table netdev sanso_kernel_diff {\n' + ''.join(
                f'\tchain s{k} {{ type filter hook ingress device "{i}" priority -32768; policy accept; '
                f'ether type 0x{SENTINEL_TYPE:04x} fwd to "{i}"; }}\n' for k, i in enumerate(ifaces)) + '}\n'
            sh('ip', 'netns', 'exec', r, 'nft', '-f', '-', input=sentinel + OBSERVER)
            own = sorted({p['out_dst'] for p in packets if p['oif'] is None})
            if own:
                sh('ip', '-n', r, '-batch', '-', input='link set lo up\n' + ''.join(
                    f'addr add {a}/{128 if ":" in a else 32} dev lo{" nodad" if ":" in a else ""}\n' for a in own))
            # rounds: in one round no destination needs two output interfaces
            rounds = []
            # (by the destination the packet has when routed: after a dnat)
            for p in packets:
                for rd in rounds:
                    if rd['dst'].get(p['out_dst'], p['oif']) == p['oif']:
                        break
                else:
                    rd = {'dst': {}, 'packets': []}
                    rounds.append(rd)
                rd['dst'][p['out_dst']] = p['oif']
                rd['packets'].append(p)
            arrived = {}
            for rd in rounds:
                cmds = []
                for dst, oif in rd['dst'].items():
                    if oif is None:
                        continue  # on lo
                    v6 = ':' in dst
                    cmds.append(f'route replace {dst}/{128 if v6 else 32} dev {oif}')
                    cmds.append(f'neigh replace {dst} lladdr {pmac[oif]} dev {oif} nud permanent')
                sh('ip', '-n', r, '-batch', '-', input='\n'.join(cmds) + '\n')
                for p in rd['packets']:
                    p['in_peer'], p['router_mac'] = peer[p['iif']], rmac[p['iif']]
                for k in range(0, len(rd['packets']), BATCH):
                    batch = rd['packets'][k:k + BATCH]
                    sp = batch[-1]['iif']
                    ans = self.ask({'peers': list(peer.values()), 'packets': batch, 'sentinel_peer': peer[sp],
                                    'sentinel_mac': rmac[sp]})
                    if not ans['sentinel']:
                        raise Skip('the sentinel frame did not come back (a netdev chain of the ruleset?)')
                    arrived.update({int(t): v for t, v in ans['arrived'].items()})
                    if own:
                        seen = json.loads(sh('ip', 'netns', 'exec', r, 'nft', '-j', 'list', 'set', 'inet',
                                             'sanso_kernel_local', 'seen').stdout)
                        for o in seen['nftables']:
                            for t in o.get('set', {}).get('elem', []):
                                # the mark holds the packet's bytes in host order
                                arrived.setdefault(struct.unpack('!I', struct.pack('=I', int(t)))[0], LOCAL)
                        sh('ip', 'netns', 'exec', r, 'nft', 'flush', 'set', 'inet', 'sanso_kernel_local', 'seen')
            return arrived, peer
        finally:
            sh('ip', 'netns', 'del', r, check=False)


# ---------------------------------------------------------------- rulesets

IFNAME = re.compile(r'^[A-Za-z][A-Za-z0-9_.-]{0,14}$')
RESERVED = {'lo', 'all', 'default', 'any', 'vmap', 'map', 'type'}


def ifaces_of(text, fmt):
    """The interface names a ruleset matches on, made concrete (eth* →
    eth0), at most 8; padded to two."""
    names = []
    if fmt == 'nft':
        pats = re.findall(r'\b(?:iif|oif|iifname|oifname)\s+(?:!=\s*)?(\{[^}]*\}|"[^"]*"|\S+)', text)
        for p in pats:
            for n in re.findall(r'"([^"]+)"|([A-Za-z][\w.*-]*)', p.strip('{}')):
                names.append(n[0] or n[1])
    else:
        names = re.findall(r'\s(?:-i|-o|--in-interface|--out-interface)\s+(?:!\s+)?(\S+)', text)
    out = []
    for n in names:
        n = n.replace('\\', '')
        if n.endswith(('*', '+')):
            n = n[:-1] + '0'
        if IFNAME.match(n) and n not in RESERVED and n not in out:
            out.append(n)
    out = out[:8]
    for d in ('eth0', 'eth1', 'eth2'):
        if len(out) >= 3:
            break
        if d not in out:
            out.append(d)
    return out


def site_yaml(ifaces):
    """A site whose one firewall has these interfaces, each facing its own
    area (the model's packets ignore areas; the site must be valid)."""
    kinds = [('internet-wan', None), ('mynumber', 'mynumber'), ('lgwan', 'lgwan'), ('internet', 'internet')]
    zones = ['  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 }, { cidr: "fd00:10::/64" } ] }',
             '  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 }, { cidr: "fd00:20::/64" } ] }',
             '  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 }, { cidr: "fd00:30::/64" } ] }']
    faces = []
    for k, i in enumerate(ifaces):
        if k < len(kinds):
            faces.append(kinds[k][0])
        else:
            z = f'other{k}'
            zones.append(f'  - {{ name: {z}, kind: other, segments: [ {{ cidr: 10.{40 + k}.0.0/16 }} ] }}')
            faces.append(z)
    # the firewall's own addresses: one in a zone, one public, each family
    hosts = ['hosts:', '  - { name: fw, zone: lgwan, role: gateway, ip: [ 10.20.0.254, "fd00:20::fe", 198.51.100.254, '
             '"2001:db8:ffff::fe" ] }']
    lines = ['site: kernel-diff', 'model: alpha', 'zones:'] + zones + hosts + ['firewalls:', '  - name: fw',
                                                                             '    host: fw', '    interfaces:']
    lines += [f'      - {{ name: {i}, faces: [ {f} ] }}' for i, f in zip(ifaces, faces)]
    return '\n'.join(lines) + '\n'


def corpus_rulesets(corpus):
    """(path, format) of the corpus rulesets the local kernel tools load."""
    out = []
    with open(os.path.join(corpus, 'nft', 'EXPECTED.tsv')) as f:
        for row in list(f)[1:]:
            c = row.rstrip('\n').split('\t')
            if len(c) >= 3 and c[1] == 'text' and c[2] == 'ok':
                out.append((os.path.join(corpus, c[0]), 'nft'))
    negative = set()
    with open(os.path.join(corpus, 'MANIFEST.tsv')) as f:
        for row in f:
            c = row.rstrip('\n').split('\t')
            if len(c) >= 6 and 'NEGATIVE' in c[5]:
                negative.add(c[0])
    for root, _, files in os.walk(os.path.join(corpus, 'iptables')):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, corpus)
            if name == 'EXPECTED.tsv' or rel in negative:
                continue
            with open(path, errors='replace') as f:
                text = f.read()
            v6 = re.search(r'^-A .*\s-[sd] !?\s*[0-9a-fA-F]*:[0-9a-fA-F:]*', text, re.M) or 'ip6' in name
            out.append((path, 'ip6tables' if v6 else 'iptables'))
    return out


# generated rulesets: every construct the issue names, at random
def gen_ruleset(rng, ifaces):
    v4 = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3', '192.168.0.0/16', '172.16.0.0/12',
          '100.64.0.0/10', '198.51.100.0/24', '203.0.113.7', '0.0.0.0/1', '128.0.0.0/2', '64.0.0.0/3',
          '198.51.100.254', '10.20.0.254']
    v6 = ['2001:db8::/32', '2001:db8:1::/48', '2001:db8:1:2::/64', '2001:db8::1', 'fd00::/8', 'fd00:10::/64',
          '2000::/4', '3000::/4', 'fc00::/7', '2400::/6', 'fd00:20::fe', '2001:db8:ffff::/48']
    macs = ['02:00:00:00:00:01', '02:00:00:10:01:01', '0a:1b:2c:3d:4e:5f', '02:aa:bb:cc:dd:ee']
    ports = ['22', '25', '53', '80', '443', '3389', '1024-65535', '1-1023', '8000-8999', '0-32767', '32768-65535']

    def iface():
        return rng.choice(ifaces)

    def matches(fam):
        m = []
        if rng.random() < 0.6:
            op = '!= ' if rng.random() < 0.15 else ''
            if rng.random() < 0.2:
                m.append(f'iifname {op}{{ ' + ', '.join(f'"{i}"' for i in rng.sample(ifaces, 2)) + ' }')
            elif rng.random() < 0.1:
                m.append(f'iifname "{iface()[:-1]}*"')
            else:
                m.append(f'iifname {op}"{iface()}"')
        if rng.random() < 0.5:
            m.append(f'oifname {"!= " if rng.random() < 0.15 else ""}"{iface()}"')
        if rng.random() < 0.15:
            m.append(f'ether saddr {rng.choice(macs)}')
        l3 = fam if fam != 'inet' else rng.choice(['ip', 'ip6', 'ip', None])
        if l3 == 'ip':
            for d in ('saddr', 'daddr'):
                if rng.random() < 0.45:
                    if rng.random() < 0.2:
                        m.append(f'ip {d} {{ ' + ', '.join(rng.sample(v4, 3)) + ' }')
                    else:
                        m.append(f'ip {d} {"!= " if rng.random() < 0.1 else ""}{rng.choice(v4)}')
        elif l3 == 'ip6':
            for d in ('saddr', 'daddr'):
                if rng.random() < 0.45:
                    if rng.random() < 0.2:
                        m.append(f'ip6 {d} {{ ' + ', '.join(rng.sample(v6, 3)) + ' }')
                    else:
                        m.append(f'ip6 {d} {"!= " if rng.random() < 0.1 else ""}{rng.choice(v6)}')
        elif fam == 'inet' and rng.random() < 0.3:
            m.append(f'meta nfproto {rng.choice(["ipv4", "ipv6"])}')
        x = rng.random()
        if x < 0.35:
            m.append(f'tcp dport {rng.choice(ports)}' if rng.random() < 0.7 else
                     'tcp dport { ' + ', '.join(rng.sample(ports[:6], 3)) + ' }')
            if rng.random() < 0.2:
                m.append(f'tcp sport {rng.choice(ports[6:])}')
        elif x < 0.55:
            m.append(f'udp dport {rng.choice(ports)}')
        elif x < 0.62 and l3 != 'ip6':
            m.append(f'icmp type {rng.choice(["echo-request", "timestamp-request", "echo-reply"])}')
        elif x < 0.69 and l3 != 'ip':
            m.append(f'icmpv6 type {rng.choice(["echo-request", "echo-reply"])}')
        elif x < 0.8:
            m.append(f'meta l4proto {rng.choice(["tcp", "udp", "{ tcp, udp }", "icmp", "ipv6-icmp"])}')
        elif x < 0.85:
            m.append(f'th dport {rng.choice(ports)}')
        if rng.random() < 0.3:
            m.append(f'ct state {rng.choice(["new", "established,related", "new,untracked", "invalid", "!= new"])}')
        if rng.random() < 0.08:  # what a dnat of prerouting marked
            m.append(rng.choice(['ct status dnat', 'ct status & dnat == 0']))
        return m

    fam = rng.choice(['inet', 'inet', 'ip', 'ip6'])
    l3 = 'ip6' if fam == 'ip6' else 'ip'
    addrs = v6 if fam == 'ip6' else v4
    disjoint = (['2001:db8:1::/48', 'fd00::/8', '3000::/4', '2400::/6'] if fam == 'ip6' else
                ['10.0.0.0/8', '192.168.0.0/16', '203.0.113.7', '128.0.0.0/2'])
    lines = [f'table {fam} gen {{']
    lines.append(f'\tset addrs {{ type {l3}v{6 if fam == "ip6" else 4}_addr; flags interval; auto-merge; '
                 f'elements = {{ {", ".join(rng.sample(addrs, 3))} }} }}'.replace(f'{l3}v6_addr', 'ipv6_addr')
                 .replace(f'{l3}v4_addr', 'ipv4_addr'))
    lines.append(f'\tset svc {{ type {"ipv6_addr" if fam == "ip6" else "ipv4_addr"} . inet_service; flags interval; '
                 f'elements = {{ {", ".join(a + " . " + p for a, p in zip(rng.sample(disjoint, 3), rng.sample(ports, 3)))} }} }}')
    subs = ['sub0', 'sub1', 'sub2']

    def verdict(depth):
        x = rng.random()
        if depth < 2 and x < 0.12:
            return f'jump {subs[depth + (rng.random() < 0.5)]}'
        if depth < 2 and x < 0.18:
            return f'goto {subs[depth + (rng.random() < 0.5)]}'
        if depth > 0 and x < 0.25:
            return 'return'
        return rng.choice(['accept', 'accept', 'drop', 'reject', 'counter', 'log prefix "x"', 'continue',
                           'reject with icmpx type admin-prohibited' if fam == 'inet' else 'drop'])

    def rule(depth, post=False):
        m = matches(fam)
        x = rng.random()
        if fam == 'inet' and any(t.startswith(('ip6 ', 'meta nfproto ipv6', 'icmpv6')) for t in m):
            x = max(x, 0.13)  # the sets hold IPv4 addresses
        if x < 0.07:
            m.append(f'{l3} saddr @addrs')
        elif x < 0.13 and not any(t.startswith(('udp', 'icmp', 'meta l4proto', 'th')) for t in m):
            m = [t for t in m if not t.startswith('tcp')] + [f'{l3} daddr . tcp dport @svc']
        elif x < 0.18:
            return ' '.join(m + ['iifname vmap { ' + ', '.join(f'"{i}" : {rng.choice(["accept", "drop"])}'
                                                              for i in rng.sample(ifaces, 2)) + ' }'])
        elif x < 0.22 and not any(t.startswith(('udp', 'icmp', 'meta l4proto', 'th', 'tcp')) for t in m):
            return ' '.join(m + ['tcp dport vmap { 22 : drop, 80 : accept, 1000-2000 : accept }'])
        v = verdict(depth)
        if post and (v.startswith(('reject', 'jump', 'goto'))):
            v = 'drop'  # the kernel refuses reject in postrouting, also in chains it jumps to
        if v.startswith('reject') and 'ether saddr' in ' '.join(m) and fam != 'inet':
            v = 'drop'
        return ' '.join(m + [v])

    hooks = [('forward', rng.choice(['filter', '-10', '10']))]
    if rng.random() < 0.4:
        hooks.append(('forward', str(rng.choice([-300, -100, 50, 100]))))
    if rng.random() < 0.3:
        hooks.append(('prerouting', rng.choice(['-150', '-300'])))  # after and before conntrack
    if rng.random() < 0.15:
        hooks.append(('postrouting', '50'))
    if rng.random() < 0.5:  # the firewall's own services
        hooks.append(('input', rng.choice(['filter', '-10', '10'])))
        if rng.random() < 0.3:
            hooks.append(('input', str(rng.choice([-300, -150, 100]))))
    for k, (hook, prio) in enumerate(hooks):
        pol = rng.choice(['accept', 'drop'])
        lines.append(f'\tchain base{k} {{\n\t\ttype filter hook {hook} priority {prio}; policy {pol};')
        for _ in range(rng.randint(2, 14)):
            lines.append('\t\t' + rule(0, hook == 'postrouting'))
        lines.append('\t}')
    for d, s in enumerate(subs):
        lines.append(f'\tchain {s} {{')
        for _ in range(rng.randint(1, 6)):
            lines.append('\t\t' + rule(min(d + 1, 2) if d < 2 else 2))
        lines.append('\t}')
    if rng.random() < 0.35:
        lines += gen_nat(rng, fam, ifaces)
    lines.append('}')
    return '\n'.join(lines) + '\n'


def gen_nat(rng, fam, ifaces):
    """One or two nat chains in prerouting: dnat to a zone's host, to the
    firewall itself, to the Internet side (back out where it came in),
    with and without a port, of one family or the other in inet."""
    t4 = ['10.10.0.5', '10.20.0.7', '10.30.0.80', '10.20.0.254', '192.0.2.9']
    t6 = ['fd00:10::5', 'fd00:30::80', 'fd00:20::fe', '2001:db8:5::9']
    d4 = ['198.51.100.254', '203.0.113.7', '10.20.0.254', '10.30.0.0/16']
    d6 = ['2001:db8:ffff::fe', '2001:db8:7::/48', 'fd00:20::fe']
    out = []
    for k in range(1 if rng.random() < 0.7 else 2):
        prio = rng.choice(['dstnat', '-150', '-50', '-100'])
        out.append(f'\tchain nat{k} {{\n\t\ttype nat hook prerouting priority {prio}; policy {rng.choice(["accept", "accept", "drop"])};')
        for _ in range(rng.randint(1, 4)):
            l3 = {'ip': 'ip', 'ip6': 'ip6'}.get(fam) or rng.choice(['ip', 'ip6'])
            m = []
            if rng.random() < 0.6:
                m.append(f'iifname "{rng.choice(ifaces)}"')
            if rng.random() < 0.6:
                m.append(f'{l3} daddr {rng.choice(d4 if l3 == "ip" else d6)}')
            if rng.random() < 0.15:
                m.append(f'{l3} saddr {rng.choice(["10.20.0.0/16", "192.0.2.0/24"] if l3 == "ip" else ["fd00:20::/64"])}')
            x, port = rng.random(), None
            if x < 0.45:
                m.append(f'tcp dport {rng.choice(["8443", "80", "{ 80, 443 }", "1024-65535"])}')
                port = rng.choice([None, 443, 22, 8080])
            elif x < 0.65:
                m.append(f'udp dport {rng.choice(["53", "5353"])}')
                port = rng.choice([None, 53])
            if rng.random() < 0.2:
                out.append('\t\t' + ' '.join(m + [rng.choice(['accept', 'drop', 'counter'])]))
                continue
            to = rng.choice(t4 if l3 == 'ip' else t6)
            if port is not None:
                to = f'{to}:{port}' if l3 == 'ip' else f'[{to}]:{port}'
            out.append('\t\t' + ' '.join(m + [f'dnat {l3 + " " if fam == "inet" else ""}to {to}']))
        out.append('\t}')
    return out


# ---------------------------------------------------------------------- run

def compare(kernel, ruleset, fmt, ifaces, packets, stats, label, show):
    """Sends the packets; returns (compared, disagreements)."""
    seen, uniq = set(), []
    for p in packets:
        if p['proto'] in (6, 17):
            # conntrack keeps both directions of a connection, the reply
            # one after any dnat: neither may be taken already
            orig = (p['src'], p['sport'], p['dst'], p['dport'], p['proto'])
            reply = (p['out_dst'], p['out_dport'], p['src'], p['sport'], p['proto'])
            if orig in seen or reply in seen:
                stats['left out: repeated connection tuple'] += 1
                continue
            seen |= {orig, reply}
        if p['iif'] not in ifaces or (p['oif'] is not None and p['oif'] not in ifaces):
            stats['left out: interface not in the site'] += 1
            continue
        p['tag'] = len(uniq) + 1
        uniq.append(p)
        if p['oif'] is None:
            stats['packets to the firewall itself (input hook)'] += 1
    if not uniq:
        return 0, 0
    arrived, peer = kernel.run(ruleset, fmt, ifaces, uniq)
    peer = {**peer, None: LOCAL}
    bad = 0
    for p in uniq:
        got = arrived.get(p['tag'])
        ok = (got == peer[p['oif']]) if p['expect'] == 'accept' else got is None
        if p.get('internal'):
            ok = False
        if not ok:
            bad += 1
            if show[0] > 0:
                show[0] -= 1
                kern = 'dropped' if got is None else 'delivered to the router' if got == LOCAL else \
                    f'forwarded via {[i for i, v in peer.items() if v == got]}'
                note = ' (set walk and trace disagree)' if p.get('internal') else ''
                print(f'DISAGREE {label}: sanso: {p["expect"]}{note}; kernel: {kern}; {p["what"]}')
    return len(uniq), bad


def main(argv):
    if len(argv) == 2 and argv[1] == '--agent':
        agent()
        return 0
    only = argv[4:] if len(argv) > 4 and argv[3] == '--only' else None
    if not only and (len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != '--scale')):
        print(__doc__, file=sys.stderr)
        return 2
    sanso, probe = argv[1], argv[2]
    corpus = argv[4] if len(argv) == 5 and not only else None
    if os.geteuid() != 0:
        print('SKIP: the kernel test needs root to create network namespaces')
        return 77
    for tool in ('nft', 'ip') + (('iptables-nft-restore',) if corpus else ()):
        if not shutil.which(tool):
            print(f'SKIP: {tool}(8) is not installed')
            return 77
    if corpus and not os.path.isfile(os.path.join(corpus, 'nft', 'EXPECTED.tsv')):
        print(f'SKIP: no corpus at {corpus}')
        return 77

    fixture_site = os.path.join(EX, 'site.yaml')
    cases = [(fixture_site, os.path.join(EX, 'core-fw.nft'), 'nft', True),
             (os.path.join(DATA, 'site6.yaml'), os.path.join(DATA, 'mac-ipv6.nft'), 'nft', True)]
    cases += [(fixture_site, os.path.join(KERNEL_DIR, n), 'nft', True)
              for n in sorted(os.listdir(KERNEL_DIR)) if n.endswith('.nft')]
    tmp = tempfile.mkdtemp(prefix='sanso-kernel-diff-')
    if only:  # nft text rulesets, each with a site of the interfaces it names
        cases = [(None, path, 'nft', False) for path in only]
    if corpus:
        cases += [(None, path, fmt, False) for path, fmt in corpus_rulesets(corpus)]
        seed = int(os.environ.get('SANSO_KERNEL_DIFF_SEED', '20261206'))  # another seed: more cases
        rng = random.Random(seed)
        for k in range(int(os.environ.get('SANSO_KERNEL_DIFF_GENERATED', '150'))):
            ifaces = rng.sample(['lan0', 'lan1', 'dmz0', 'wan0', 'vpn0', 'mgmt0', 'vlan10', 'vlan20'], rng.randint(2, 5))
            path = os.path.join(tmp, f'gen-{k:03d}.nft')
            with open(path, 'w') as f:
                f.write(f'# generated by kernel-diff.py, seed {seed}, #{k}\n' + gen_ruleset(rng, ifaces))
            cases.append((None, path, 'nft', False))

    stats = collections.Counter()
    compared = disagreements = rulesets = 0
    per_source = collections.Counter()
    show = [40]
    kernel = Kernel()
    t0 = time.monotonic()
    try:
        for n, (site, ruleset, fmt, fixture) in enumerate(cases):
            label = os.path.relpath(ruleset, corpus) if corpus and ruleset.startswith(corpus) else \
                os.path.relpath(ruleset, SRC) if ruleset.startswith(SRC) else os.path.basename(ruleset)
            try:
                if site is None:
                    with open(ruleset, errors='replace') as f:
                        ifaces = ifaces_of(f.read(), 'nft' if fmt == 'nft' else 'iptables')
                    site = os.path.join(tmp, f'site-{n}.yaml')
                    with open(site, 'w') as f:
                        f.write(site_yaml(ifaces))
                    fw = 'fw'
                else:
                    ifaces = ['vlan10', 'vlan20', 'vlan30', 'wan0', 'wan1']  # core-fw's, in both sites
                    fw = 'core-fw'
                packets = finding_packets(sanso, site, fw, ruleset, stats) if fixture else []
                packets += probe_packets(probe, site, fw, ruleset, 3 if fixture else 2, 400 if fixture else 250,
                                         1000 + n, stats)
                c, d = compare(kernel, ruleset, fmt, ifaces, packets, stats, label, show)
            except Skip as e:
                stats[f'rulesets skipped: {str(e).split(":")[0]}'] += 1
                print(f'skipped {label}: {e}')
                continue
            if c:
                rulesets += 1
                per_source['fixtures' if fixture else 'generated' if ruleset.startswith(tmp) else
                           'corpus ' + fmt] += 1
            compared += c
            disagreements += d
    finally:
        kernel.close()
        if os.environ.get('SANSO_KERNEL_DIFF_KEEP'):  # the generated rulesets and sites, to look at
            print(f'kept {tmp}')
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for k, v in sorted(stats.items()):
        print(f'{k}: {v}')
    print('rulesets compared: ' + ', '.join(f'{k} {v}' for k, v in sorted(per_source.items())) +
          f' ({rulesets} in all, {time.monotonic() - t0:.0f} s)')
    print(f'{compared} packets compared, {disagreements} disagreements')
    if disagreements or compared == 0:
        return 1
    if corpus and (compared < MIN_PACKETS or rulesets < MIN_RULESETS):
        print(f'FAIL: the scale run needs at least {MIN_PACKETS} packets over {MIN_RULESETS} rulesets')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
