#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kernel-diff.py — sanso verify's model against the kernel itself.

    kernel-diff.py SANSO

For each test ruleset (CASES below: the bundled example and the fixtures of
tests/data/verify/), build a router network namespace with one veth per
interface of the site's firewall, the peers in an outside namespace; load the
ruleset there with `nft -f`; and send, from the outside namespace, real first
packets (TCP SYN, UDP, ICMP/ICMPv6 echo request; IPv4 and IPv6; with the
source MAC the case needs) into the input interface.  What sanso's own
findings say is compared with what the kernel does:
  - the example of each RULESET-*-OPEN and EXCEPTION-TOO-BROAD finding must
    leave the router on the output interface the finding names;
  - the example of each RULESET-FLOW-BLOCKED finding must not leave it.
Findings marked approximate are counted and left out.  Traffic stays between
the namespaces this test creates.  Prints `N packets compared, M
disagreements`; fails on any disagreement or when nothing was compared.

Exit status: 0 pass, 1 fail, 77 skip (not root, no nft or ip).
"""

import ipaddress
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))

EX = os.path.join(SRC, 'docs', 'examples')
DATA = os.path.join(SRC, 'tests', 'data', 'verify')
# (site, firewall, ruleset)
CASES = [
    (os.path.join(EX, 'site.yaml'), 'core-fw', os.path.join(EX, 'core-fw.nft')),
    (os.path.join(DATA, 'site6.yaml'), 'core-fw', os.path.join(DATA, 'mac-ipv6.nft')),
]
KERNEL_DIR = os.path.join(DATA, 'kernel')
IFACES = ['vlan10', 'vlan20', 'vlan30', 'wan0', 'wan1']  # core-fw's, in both sites
ACCEPTED = ('RULESET-MYNUMBER-OPEN', 'RULESET-LGWAN-INTERNET-OPEN', 'RULESET-INBOUND-OPEN',
            'RULESET-EXCEPTION-TOO-BROAD')
PROTO = {'tcp': 6, 'udp': 17, 'icmp': 1, 'icmpv6': 58, 'ipv6-icmp': 58}
SRC_MAC = '02:00:00:ee:00:01'  # when the finding names none


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
    does not look (TCP sequence number, UDP payload, ICMP echo id/sequence)."""
    src, dst = ipaddress.ip_address(p['src']), ipaddress.ip_address(p['dst'])
    v6 = src.version == 6
    proto, tag = p['proto'], p['tag']
    if proto == 6:
        l4 = struct.pack('!HHIIBBHHH', p['sport'], p['dport'], tag, 0, 5 << 4, 0x02, 64240, 0, 0)
    elif proto == 17:
        l4 = struct.pack('!HHHH', p['sport'], p['dport'], 12, 0) + struct.pack('!I', tag)
    else:
        l4 = struct.pack('!BBHI', p.get('icmp_type', 128 if proto == 58 else 8), p.get('icmp_code', 0), 0, tag)
    if v6:
        pseudo = src.packed + dst.packed + struct.pack('!IxxxB', len(l4), proto)
    else:
        pseudo = src.packed + dst.packed + struct.pack('!xBH', proto, len(l4))
    off = {6: 16, 17: 6}.get(proto, 2)
    c = csum((pseudo if (proto in (6, 17) or v6) else b'') + l4)
    if proto == 17 and c == 0:
        c = 0xffff
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


def tag_of(buf):
    """The tag of a frame we sent, or None."""
    if len(buf) < 14:
        return None
    et = struct.unpack('!H', buf[12:14])[0]
    if et == 0x0800 and len(buf) >= 34:
        ihl = (buf[14] & 15) * 4
        proto, l4 = buf[23], buf[14 + ihl:]
    elif et == 0x86dd and len(buf) >= 54:
        proto, l4 = buf[20], buf[54:]
    else:
        return None
    if proto == 6 and len(l4) >= 8:
        return struct.unpack('!I', l4[4:8])[0]
    if proto == 17 and len(l4) >= 12:
        return struct.unpack('!I', l4[8:12])[0]
    if proto in (1, 58) and len(l4) >= 8:
        return struct.unpack('!I', l4[4:8])[0]
    return None


def agent():
    """In the outside namespace: packets (JSON) on stdin, each with the peer
    to send on, the router's MAC there and the peer it must (or must not)
    come out of; prints {tag: peer it arrived on}."""
    req = json.load(sys.stdin)
    socks = {}
    for peer in req['peers']:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((peer, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        socks[s] = peer
    by_peer = {v: k for k, v in socks.items()}
    want = {p['tag'] for p in req['packets'] if p['expect'] == 'accept'}
    arrived = {}
    for p in req['packets']:
        by_peer[p['in_peer']].send(frame(p, mac(p['router_mac'])))
    # read until every packet expected to arrive has, or the bound for a
    # failing run; packets expected to be dropped share that one bound
    deadline = time.monotonic() + 1.0 * TIME_SCALE
    sent = {p['tag'] for p in req['packets']}
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select(list(socks), [], [], left)
        for s in r:
            buf, addr = s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            t = tag_of(buf)
            if t in sent:
                arrived.setdefault(str(t), socks[s])
        if want <= {int(t) for t in arrived} and not (sent - want):
            break
    json.dump(arrived, sys.stdout)


# ----------------------------------------------------------------- the model

def model_packets(sanso, site, fw, ruleset, stats, tag0):
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
            stats['approximate'] += 1
            continue
        ex = f['example']
        proto = PROTO.get(ex['proto'], ex['proto'] if isinstance(ex['proto'], int) else None)
        if proto not in (1, 6, 17, 58) or ex['iif'] not in IFACES or ex['oif'] not in IFACES:
            stats['not sendable'] += 1
            continue
        out.append({
            'tag': tag0 + len(out), 'check': f['check'], 'message': f['message'],
            'src': ex['src']['ip'], 'dst': ex['dst']['ip'], 'proto': proto,
            'sport': ex['src'].get('port') or 0, 'dport': ex['dst'].get('port') or 0,
            'smac': ex['src'].get('mac') or SRC_MAC,
            'icmp_type': ex.get('icmp_type', 128 if proto == 58 else 8), 'icmp_code': ex.get('icmp_code', 0), 'iif': ex['iif'], 'oif': ex['oif'],
            'expect': 'drop' if f['check'] == 'RULESET-FLOW-BLOCKED' else 'accept',
        })
    return out


# ---------------------------------------------------------------- the kernel

def link_mac(ns, dev):
    return json.loads(sh('ip', '-n', ns, '-j', 'link', 'show', dev).stdout)[0]['address']


def kernel_run(ruleset, packets, n):
    r, o = f'skd-r{os.getpid()}-{n}', f'skd-o{os.getpid()}-{n}'
    try:
        sh('ip', 'netns', 'add', r)
        sh('ip', 'netns', 'add', o)
        peer = {i: f'p{k}' for k, i in enumerate(IFACES)}
        cmds = []
        for i in IFACES:
            cmds.append(f'link add {i} type veth peer name {peer[i]} netns {o}')
            cmds.append(f'link set {i} up')
        sh('ip', '-n', r, '-batch', '-', input='\n'.join(cmds) + '\n')
        sh('ip', '-n', o, '-batch', '-', input=''.join(f'link set {peer[i]} up\n' for i in IFACES))
        for k in ('net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=0',
                  'net.ipv4.conf.default.rp_filter=0'):
            sh('ip', 'netns', 'exec', r, 'sysctl', '-qw', k)
        for i in IFACES:
            sh('ip', 'netns', 'exec', r, 'sysctl', '-qw', f'net.ipv4.conf.{i}.rp_filter=0')
        for k in ('net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'):
            sh('ip', 'netns', 'exec', o, 'sysctl', '-qw', k)
        rmac = {i: link_mac(r, i) for i in IFACES}
        pmac = {i: link_mac(o, peer[i]) for i in IFACES}
        # each destination leaves by its finding's output interface: in one
        # round no destination needs two
        rounds = []
        for p in packets:
            for rd in rounds:
                if rd['dst'].get(p['dst'], p['oif']) == p['oif']:
                    break
            else:
                rd = {'dst': {}, 'packets': []}
                rounds.append(rd)
            rd['dst'][p['dst']] = p['oif']
            rd['packets'].append(p)
        sh('ip', 'netns', 'exec', r, 'nft', '-f', ruleset)
        arrived = {}
        for rd in rounds:
            cmds = []
            for dst, oif in rd['dst'].items():
                v6 = ':' in dst
                cmds.append(f'route replace {dst}/{128 if v6 else 32} dev {oif}')
                cmds.append(f'neigh replace {dst} lladdr {pmac[oif]} dev {oif} nud permanent')
            sh('ip', '-n', r, '-batch', '-', input='\n'.join(cmds) + '\n')
            for p in rd['packets']:
                p['in_peer'], p['router_mac'] = peer[p['iif']], rmac[p['iif']]
            req = {'peers': list(peer.values()), 'packets': rd['packets']}
            out = sh('ip', 'netns', 'exec', o, sys.executable, os.path.abspath(__file__), '--agent',
                     input=json.dumps(req)).stdout
            arrived.update({int(k): v for k, v in json.loads(out).items()})
        return arrived, peer
    finally:
        sh('ip', 'netns', 'del', r, check=False)
        sh('ip', 'netns', 'del', o, check=False)


def main(argv):
    if len(argv) == 2 and argv[1] == '--agent':
        agent()
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    sanso = argv[1]
    if os.geteuid() != 0:
        print('SKIP: the kernel test needs root to create network namespaces')
        return 77
    for tool in ('nft', 'ip'):
        if not shutil.which(tool):
            print(f'SKIP: {tool}(8) is not installed')
            return 77
    cases = list(CASES)
    if os.path.isdir(KERNEL_DIR):
        for name in sorted(os.listdir(KERNEL_DIR)):
            if name.endswith('.nft'):
                cases.append((os.path.join(EX, 'site.yaml'), 'core-fw', os.path.join(KERNEL_DIR, name)))
    stats = {'approximate': 0, 'not sendable': 0}
    compared = disagreements = 0
    for n, (site, fw, ruleset) in enumerate(cases):
        packets = model_packets(sanso, site, fw, ruleset, stats, 1 + 1000 * n)
        if not packets:
            continue
        arrived, peer = kernel_run(ruleset, packets, n)
        for p in packets:
            compared += 1
            got = arrived.get(p['tag'])
            ok = (got == peer[p['oif']]) if p['expect'] == 'accept' else got is None
            if not ok:
                disagreements += 1
                print(f'DISAGREE {os.path.relpath(ruleset, SRC)}: sanso: {p["expect"]} '
                      f'({p["check"]}: {p["message"]}); kernel: '
                      f'{"dropped" if got is None else "forwarded via the peer " + got}')
        print(f'{os.path.relpath(ruleset, SRC)}: {len(packets)} packets')
    print(f'left out: {stats["approximate"]} approximate findings, {stats["not sendable"]} examples not sendable')
    print(f'{compared} packets compared, {disagreements} disagreements')
    return 1 if disagreements or compared == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
