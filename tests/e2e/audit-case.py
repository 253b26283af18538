#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""audit-case.py — one end-to-end case of `sanso audit`, written from the spec.

    audit-case.py SANSO GEN-CAPTURES CASE [--keep DIR]
    audit-case.py --list

Runs the sanso binary on a capture (the committed example, or one written by
gen-captures), checks the JSON Lines contract of docs cli.md (one object per
line, the summary last, counts that add up, frames and packet counts that
agree with the capture itself) and compares the findings with an expected TSV
as an order-insensitive multiset, printing a diff on failure.

Expected TSV (docs/examples/expected.tsv, tests/data/e2e/<case>.tsv): tab
separated, '#' starts a comment, the first other line is the header.
Columns: check, src_ip, src_port, dst_ip, dst_port, proto, established, then
any number of key=value extras.  '-' means null/absent (station findings have
'-' for ports, dst and proto), '*' means "any value".  Extras:
    mac=      src.mac (a string, or a list that contains it)
    dst_mac=  dst.mac, likewise
    initiator= the "initiator" field
    vlan=     the "vlan" list, comma separated
    observed= the set of addresses in "observed" (station findings), comma
              separated; link-scoped addresses in the output are ignored
Addresses compare by value (IPv6 text forms may differ).

Exit status: 0 pass, 1 fail, 77 skip (meson's convention).
"""

import collections
import ipaddress
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(SRC, 'tests', 'data', 'e2e')
EXAMPLES = os.path.join(SRC, 'docs', 'examples')

# `meson test --setup valgrind` (meson.build): its valgrind command goes
# before every sanso run (split at blanks), and the timeouts stretch.
WRAPPER = os.environ.get('SANSO_WRAPPER', '').split()
TIME_SCALE = float(os.environ.get('SANSO_TEST_TIME_SCALE', '1'))

RUN_TIMEOUT = 60 * TIME_SCALE

# docs checks.md, traffic table.
SEVERITY = {
    'MYNUMBER-INTERNET': 'critical',
    'MYNUMBER-ISOLATION': 'critical',
    'EXCEPTION-MISMATCH': 'high',
    'REMOTE-TO-MYNUMBER': 'critical',
    'LGWAN-INTERNET': 'critical',
    'SANITIZER-BYPASS': 'high',
    'INBOUND-FROM-INTERNET': 'high',
    'UNDECLARED-CROSSING': 'medium',
    'DUAL-HOMED': 'critical',
    'ADDRESS-SPOOF': 'high',
    'VLAN-MISMATCH': 'medium',
    'UNKNOWN-DEVICE': 'medium',
    'FIREWALL-BYPASS': 'critical',
    'FIREWALL-ATTEMPT-PASSED': 'high',
    'FLOW-UNUSED': 'low',
}
STATION = {'DUAL-HOMED', 'ADDRESS-SPOOF', 'UNKNOWN-DEVICE', 'VLAN-MISMATCH'}
REVIEW = {'FLOW-UNUSED'}  # a declared flow, no packets: src and dst null
ROUTES = {'around', 'through', 'unknown'}
PROTO_NUM = {'tcp': 6, 'udp': 17, 'icmp': 1, 'icmpv6': 58}
INITIATORS = {'syn', 'echo', 'port', 'first'}
TIME_RE = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$')

SCENARIOS = [
    'mynumber-internet', 'mynumber-isolation', 'exception-mismatch',
    'remote-to-mynumber', 'lgwan-internet', 'sanitizer-bypass',
    'inbound-from-internet', 'undeclared-crossing', 'dual-homed',
    'address-spoof', 'vlan-mismatch', 'unknown-device',
]


class Fail(Exception):
    pass


# ------------------------------------------------------------------ captures

Record = collections.namedtuple('Record', 'frame ts_ns data')


def read_capture(path):
    """Returns (linktype, [Record]) for a pcap or pcapng file (Ethernet only
    matters here).  Raises Fail on anything it cannot parse."""
    with open(path, 'rb') as f:
        blob = f.read()
    if len(blob) < 24:
        raise Fail(f'{path}: too short for a capture ({len(blob)} bytes)')
    magic = blob[:4]
    if magic == b'\x0a\x0d\x0d\x0a':
        return read_pcapng(path, blob)
    for endian in '<>':
        m = struct.unpack(endian + 'I', magic)[0]
        if m in (0xa1b2c3d4, 0xa1b23c4d):
            nano = m == 0xa1b23c4d
            break
    else:
        raise Fail(f'{path}: not a pcap/pcapng file')
    linktype = struct.unpack(endian + 'I', blob[20:24])[0] & 0x0fffffff
    recs, off, n = [], 24, 0
    while off < len(blob):
        if off + 16 > len(blob):
            raise Fail(f'{path}: truncated record header after frame {n}')
        sec, frac, incl, _orig = struct.unpack(endian + 'IIII', blob[off:off + 16])
        off += 16
        if off + incl > len(blob):
            raise Fail(f'{path}: truncated frame {n + 1}')
        n += 1
        ts = sec * 10**9 + (frac if nano else frac * 1000)
        recs.append(Record(n, ts, blob[off:off + incl]))
        off += incl
    return linktype, recs


def read_pcapng(path, blob):
    off, n, recs = 0, 0, []
    endian = '<'
    ifaces = []  # (linktype, ts units per second)
    linktype = None
    while off < len(blob):
        if off + 12 > len(blob):
            raise Fail(f'{path}: truncated pcapng block')
        btype = struct.unpack(endian + 'I', blob[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            bom = blob[off + 8:off + 12]
            endian = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            ifaces = []
        blen = struct.unpack(endian + 'I', blob[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(blob):
            raise Fail(f'{path}: bad pcapng block length')
        body = blob[off + 8:off + blen - 4]
        if btype == 1:  # IDB
            lt = struct.unpack(endian + 'H', body[:2])[0]
            units = 10**6
            o = 8
            while o + 4 <= len(body):
                code, ln = struct.unpack(endian + 'HH', body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    v = body[o + 4]
                    units = 2 ** (v & 0x7f) if v & 0x80 else 10 ** v
                o += 4 + ((ln + 3) & ~3)
            ifaces.append((lt, units))
            linktype = lt if linktype is None else linktype
        elif btype == 6:  # EPB
            iface, hi, lo, cap, _orig = struct.unpack(endian + 'IIIII', body[:20])
            units = ifaces[iface][1] if iface < len(ifaces) else 10**6
            t = (hi << 32) | lo
            n += 1
            recs.append(Record(n, t * 10**9 // units, body[20:20 + cap]))
        elif btype == 3:  # SPB
            orig = struct.unpack(endian + 'I', body[:4])[0]
            n += 1
            recs.append(Record(n, 0, body[4:4 + orig]))
        off += blen
    return linktype, recs


Pkt = collections.namedtuple('Pkt', 'smac dmac vlans l3 src dst proto sport dport')


def mac_str(b):
    return ':'.join(f'{x:02x}' for x in b)


def decode(data):
    """Ethernet + 802.1Q/802.1ad + ARP/IPv4/IPv6 + TCP/UDP ports.  Returns a
    Pkt, or None for anything else.  For ARP, src/dst are the sender and
    target protocol addresses."""
    if len(data) < 14:
        return None
    dmac, smac = mac_str(data[0:6]), mac_str(data[6:12])
    et = struct.unpack('>H', data[12:14])[0]
    off, vlans = 14, []
    while et in (0x8100, 0x88a8, 0x9100) and off + 4 <= len(data):
        vlans.append(struct.unpack('>H', data[off:off + 2])[0] & 0x0fff)
        et = struct.unpack('>H', data[off + 2:off + 4])[0]
        off += 4
    vlans = tuple(vlans)
    if et == 0x0806 and off + 28 <= len(data):
        spa = str(ipaddress.ip_address(data[off + 14:off + 18]))
        tpa = str(ipaddress.ip_address(data[off + 24:off + 28]))
        return Pkt(smac, dmac, vlans, 'arp', spa, tpa, None, None, None)
    if et == 0x0800 and off + 20 <= len(data):
        ihl = (data[off] & 0x0f) * 4
        proto = data[off + 9]
        src = str(ipaddress.ip_address(data[off + 12:off + 16]))
        dst = str(ipaddress.ip_address(data[off + 16:off + 20]))
        l4 = off + ihl
        l3 = 'ipv4'
    elif et == 0x86dd and off + 40 <= len(data):
        proto = data[off + 6]
        src = str(ipaddress.ip_address(data[off + 8:off + 24]))
        dst = str(ipaddress.ip_address(data[off + 24:off + 40]))
        l4 = off + 40
        l3 = 'ipv6'
    else:
        return None
    sport = dport = None
    if proto in (6, 17) and l4 + 4 <= len(data):
        sport, dport = struct.unpack('>HH', data[l4:l4 + 4])
    return Pkt(smac, dmac, vlans, l3, src, dst, proto, sport, dport)


# --------------------------------------------------------------- utilities

def norm_ip(s):
    if s is None:
        return '-'
    try:
        return str(ipaddress.ip_address(str(s)))
    except ValueError:
        return str(s)


def link_scoped(s):
    try:
        a = ipaddress.ip_address(str(s))
    except ValueError:
        return False
    return (a.is_link_local or a.is_multicast or a.is_unspecified or a.is_loopback
            or str(a) == '255.255.255.255')


def parse_time(s):
    m = TIME_RE.match(s or '')
    if not m:
        return None
    import calendar
    y, mo, d, h, mi, se, frac = m.groups()
    sec = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(se)))
    ns = int((frac or '0').ljust(9, '0'))
    return sec * 10**9 + ns


def macs_of(v):
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x).lower() for x in v]
    return [str(v).lower()]


def run(argv, timeout=RUN_TIMEOUT):
    print('$ ' + ' '.join(argv), flush=True)
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail(f'timed out after {timeout}s')
    if p.returncode < 0:
        raise Fail(f'killed by signal {-p.returncode}\nstderr:\n{p.stderr.decode(errors="replace")}')
    return p


def show_stderr(p):
    err = p.stderr.decode(errors='replace').strip()
    if err:
        print('stderr:\n  ' + '\n  '.join(err.splitlines()[:40]))


# ------------------------------------------------------------ JSON contract

def parse_jsonl(text, what):
    objs = []
    lines = text.splitlines()
    if not lines:
        raise Fail(f'{what}: no output at all')
    for i, line in enumerate(lines, 1):
        if not line.strip():
            raise Fail(f'{what}:{i}: empty line in JSON Lines output')
        try:
            o = json.loads(line)
        except json.JSONDecodeError as e:
            raise Fail(f'{what}:{i}: not JSON ({e}): {line[:200]}')
        if not isinstance(o, dict) or 'type' not in o:
            raise Fail(f'{what}:{i}: not an object with "type": {line[:200]}')
        objs.append(o)
    if objs[-1]['type'] != 'summary':
        raise Fail(f'{what}: last line is not the summary: {lines[-1][:200]}')
    if sum(1 for o in objs if o['type'] == 'summary') != 1:
        raise Fail(f'{what}: more than one summary line')
    return objs


def flow_key(vlans, proto, a_ip, a_port, b_ip, b_port):
    return (tuple(vlans), proto, frozenset([(a_ip, a_port), (b_ip, b_port)]))


def pkt_key(p):
    ports = p.proto in (6, 17)
    return flow_key(p.vlans, p.proto, p.src, p.sport if ports else None,
                    p.dst, p.dport if ports else None)


def finding_key(f):
    proto = PROTO_NUM.get(f['proto'])
    if proto is None:
        proto = int(f['proto'])
    ports = proto in (6, 17)
    s, d = f['src'], f['dst']
    return flow_key(f.get('vlan') or [], proto,
                    norm_ip(s['ip']), s.get('port') if ports else None,
                    norm_ip(d['ip']), d.get('port') if ports else None)


class Cap:
    """One capture given to sanso: its records, decoded, by frame number."""

    def __init__(self, path):
        self.path = path
        _, self.recs = read_capture(path)
        self.decoded = {r.frame: decode(r.data) for r in self.recs}
        self.by_frame = {r.frame: r for r in self.recs}
        self.names = {path, os.path.basename(path), os.path.abspath(path)}


def find_cap(caps, name):
    for c in caps:
        if name in c.names:
            return c
    return None


def check_contract(objs, caps, problems, check_read=True):
    """Checks every line against the cli.md contract and against the
    captures themselves (caps: [Cap], in -r order).  Appends problems;
    returns the findings."""
    findings = [o for o in objs if o['type'] == 'finding']
    summary = objs[-1]
    other = collections.Counter(o['type'] for o in objs if o['type'] not in ('finding', 'summary'))
    if other:
        print(f'note: other line types ignored: {dict(other)}')

    # Summary
    counts = collections.Counter(f.get('check') for f in findings)
    sf = summary.get('findings')
    if not isinstance(sf, dict):
        problems.append(f'summary "findings" is not an object: {sf!r}')
    else:
        sfc = {k: v for k, v in sf.items() if v != 0}
        if sfc != dict(counts):
            problems.append(f'summary findings {sf} != finding lines {dict(counts)}')
    total = sum(len(c.recs) for c in caps)
    if check_read and summary.get('packets_read') != total:
        problems.append(f'summary packets_read {summary.get("packets_read")!r} != {total} records in the capture(s)')
    if 'packets_dropped' not in summary or summary['packets_dropped'] is not None:
        problems.append(f'summary packets_dropped must be null for a file, got {summary.get("packets_dropped", "<absent>")!r}')
    for k in ('packets_undecoded', 'flows'):
        if not isinstance(summary.get(k), int) or isinstance(summary.get(k), bool) or summary[k] < 0:
            problems.append(f'summary {k} is not a non-negative integer: {summary.get(k)!r}')

    for i, f in enumerate(findings):
        tag = f'finding {i + 1} ({f.get("check")} {json.dumps(f.get("src"), ensure_ascii=False)})'
        check = f.get('check')
        if check not in SEVERITY:
            problems.append(f'{tag}: unknown check {check!r}')
            continue
        if f.get('severity') != SEVERITY[check]:
            problems.append(f'{tag}: severity {f.get("severity")!r}, checks.md says {SEVERITY[check]!r}')
        for k in ('requirement', 'message'):
            if not isinstance(f.get(k), str) or not f[k].strip():
                problems.append(f'{tag}: "{k}" missing or empty')
        if check in REVIEW:
            check_review(f, tag, problems)
            continue
        src = f.get('src')
        if not isinstance(src, dict):
            problems.append(f'{tag}: "src" is not an object')
            continue
        if 'ruleset_verdict' in f:
            check_verdict(f, tag, problems)
        elif check.startswith('FIREWALL-'):
            problems.append(f'{tag}: no "ruleset_verdict"')
        if check == 'FIREWALL-BYPASS' and f.get('route') not in ROUTES:
            problems.append(f'{tag}: route {f.get("route")!r} not in {sorted(ROUTES)}')
        if check in STATION:
            check_station(f, tag, caps, problems)
        else:
            check_traffic(f, tag, caps, problems)
    return findings


def check_review(f, tag, problems):
    if f.get('src', 'absent') is not None or f.get('dst', 'absent') is not None:
        problems.append(f'{tag}: a flow review must have "src": null and "dst": null')
    if not isinstance(f.get('flow'), str) or not f['flow']:
        problems.append(f'{tag}: "flow" missing')
    if not isinstance(f.get('flow_line'), int):
        problems.append(f'{tag}: "flow_line" is not the topology line')


def check_verdict(f, tag, problems):
    v = f['ruleset_verdict']
    if not isinstance(v, dict) or not isinstance(v.get('firewall'), str) or v.get('verdict') not in ('accept', 'drop'):
        problems.append(f'{tag}: ruleset_verdict {v!r} lacks firewall/verdict')
        return
    before = v.get('before')
    if not isinstance(before, list) or not isinstance(v.get('rule'), dict):
        problems.append(f'{tag}: ruleset_verdict needs "rule" (the deciding one) and "before" (a list): {v!r}')
        return
    for r in before + [v['rule']]:
        if not isinstance(r.get('location'), str) or not isinstance(r.get('text'), str):
            problems.append(f'{tag}: ruleset_verdict rule without location/text: {r!r}')
    if f['check'].startswith('FIREWALL-') and v['verdict'] != 'drop':
        problems.append(f'{tag}: {f["check"]} for a connection the ruleset accepts')


def check_station(f, tag, caps, problems):
    src = f['src']
    for k in ('mac', 'ip', 'zone', 'host'):
        if k not in src:
            problems.append(f'{tag}: src has no "{k}"')
    if f.get('dst', 'absent') is not None:
        problems.append(f'{tag}: station finding must have "dst": null')
    obs = f.get('observed')
    if not isinstance(obs, list) or not obs:
        problems.append(f'{tag}: "observed" missing or empty')
        return
    mac = (src.get('mac') or '').lower()
    for o in obs:
        for k in ('ip', 'zone', 'vlan', 'first_frame', 'first_seen', 'capture'):
            if k not in o:
                problems.append(f'{tag}: observed entry without "{k}": {o}')
        if parse_time(o.get('first_seen')) is None:
            problems.append(f'{tag}: observed first_seen {o.get("first_seen")!r} is not RFC 3339 UTC')
        cap = find_cap(caps, o.get('capture'))
        if cap is None:
            problems.append(f'{tag}: observed capture {o.get("capture")!r} is none of the -r files')
            continue
        fr = o.get('first_frame')
        p = cap.decoded.get(fr)
        if p is None:
            problems.append(f'{tag}: observed first_frame {fr!r} is not an IP/ARP frame of {cap.path}')
            continue
        if p.smac != mac:
            problems.append(f'{tag}: observed frame {fr} has source MAC {p.smac}, not {mac}')
        if norm_ip(p.src) != norm_ip(o.get('ip')):
            problems.append(f'{tag}: observed frame {fr} sources {p.src}, not {o.get("ip")}')
        v = o.get('vlan')
        if isinstance(v, list):
            ok = tuple(v) == p.vlans
        elif v is None:
            ok = p.vlans == ()
        else:
            ok = v in p.vlans
        if not ok:
            problems.append(f'{tag}: observed frame {fr} has VLANs {list(p.vlans)}, entry says {v!r}')
        t = parse_time(o.get('first_seen'))
        if t is not None and abs(t - cap.by_frame[fr].ts_ns) >= 1000:
            problems.append(f'{tag}: observed first_seen {o["first_seen"]} is not the time of frame {fr}')


def check_traffic(f, tag, caps, problems):
    for side in ('src', 'dst'):
        ep = f.get(side)
        if not isinstance(ep, dict):
            problems.append(f'{tag}: "{side}" is not an object')
            return
        for k in ('zone', 'host', 'ip', 'mac', 'port'):
            if k not in ep:
                problems.append(f'{tag}: {side} has no "{k}"')
    proto = f.get('proto')
    if not (proto in PROTO_NUM or (isinstance(proto, str) and proto.isdigit())):
        problems.append(f'{tag}: proto {proto!r} is not tcp/udp/icmp/icmpv6/number-string')
        return
    if not isinstance(f.get('vlan'), list) or not all(isinstance(v, int) for v in f['vlan']):
        problems.append(f'{tag}: "vlan" is not a list of integers: {f.get("vlan")!r}')
        return
    if f.get('initiator') not in INITIATORS:
        problems.append(f'{tag}: initiator {f.get("initiator")!r} not in {sorted(INITIATORS)}')
    if not isinstance(f.get('established'), bool):
        problems.append(f'{tag}: established is not a boolean')
    t0, t1 = parse_time(f.get('first_seen')), parse_time(f.get('last_seen'))
    if t0 is None or t1 is None:
        problems.append(f'{tag}: first_seen/last_seen not RFC 3339 UTC: {f.get("first_seen")!r} {f.get("last_seen")!r}')
    elif t0 > t1:
        problems.append(f'{tag}: first_seen after last_seen')
    pk = f.get('packets')
    if not isinstance(pk, dict) or not all(isinstance(pk.get(k), int) for k in ('src_to_dst', 'dst_to_src')):
        problems.append(f'{tag}: "packets" is not {{src_to_dst, dst_to_src}} integers: {pk!r}')
        return
    by = f.get('bytes')
    if not isinstance(by, dict) or not all(isinstance(by.get(k), int) for k in ('src_to_dst', 'dst_to_src')):
        problems.append(f'{tag}: "bytes" is not {{src_to_dst, dst_to_src}} integers: {by!r}')
    frames = f.get('frames')
    if not isinstance(frames, list) or not frames:
        problems.append(f'{tag}: "frames" missing or empty')
        frames = []
    cap = find_cap(caps, f.get('capture'))
    if cap is None:
        problems.append(f'{tag}: capture {f.get("capture")!r} is none of the -r files')
        return

    # Against the capture: the frames of this connection.  (A connection
    # spread over several -r files is not used by these cases.)
    key = finding_key(f)
    sip = norm_ip(f['src']['ip'])
    dec = cap.decoded
    mine = [r.frame for r in cap.recs if dec[r.frame] is not None and pkt_key(dec[r.frame]) == key]
    fwd = sum(1 for fr in mine if norm_ip(dec[fr].src) == sip)
    if not mine:
        problems.append(f'{tag}: no frame of {cap.path} belongs to this connection')
        return
    if pk['src_to_dst'] + pk['dst_to_src'] != len(mine) or pk['src_to_dst'] != fwd:
        problems.append(f'{tag}: packets {pk} but the capture has {fwd} src→dst and {len(mine) - fwd} dst→src')
    if f.get('first_frame') != mine[0]:
        problems.append(f'{tag}: first_frame {f.get("first_frame")!r}, the connection starts at frame {mine[0]}')
    bad = [fr for fr in frames if fr not in mine]
    if bad:
        problems.append(f'{tag}: frames {bad[:5]} do not belong to the connection')
    if t0 is not None and abs(t0 - cap.by_frame[mine[0]].ts_ns) >= 1000:
        problems.append(f'{tag}: first_seen {f["first_seen"]} is not the time of frame {mine[0]}')
    if t1 is not None and abs(t1 - cap.by_frame[mine[-1]].ts_ns) >= 1000:
        problems.append(f'{tag}: last_seen {f["last_seen"]} is not the time of frame {mine[-1]}')


# --------------------------------------------------------- expected rows

COLS = ['check', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto', 'established']


def load_expected(path):
    rows, header = [], None
    with open(path, encoding='utf-8') as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            cells = line.split('\t')
            if header is None:
                header = cells
                if header[:7] != COLS:
                    raise Fail(f'{path}:{ln}: header must start with {COLS}')
                continue
            if len(cells) < 7:
                raise Fail(f'{path}:{ln}: fewer than 7 columns')
            row = dict(zip(COLS, cells[:7]))
            row['extra'] = {}
            for c in cells[7:]:
                if not c:
                    continue
                if '=' not in c:
                    raise Fail(f'{path}:{ln}: extra column {c!r} is not key=value')
                k, v = c.split('=', 1)
                row['extra'][k] = v
            row['where'] = f'{os.path.basename(path)}:{ln}'
            rows.append(row)
    return rows


def got_row(f):
    check = f.get('check')
    src = f.get('src') or {}
    if check in REVIEW:
        return {'check': check, 'src_ip': '-', 'src_port': '-', 'dst_ip': '-', 'dst_port': '-', 'proto': '-',
                'established': '-'}
    if check in STATION:
        return {'check': check, 'src_ip': norm_ip(src.get('ip')), 'src_port': '-',
                'dst_ip': '-', 'dst_port': '-', 'proto': '-', 'established': '-'}
    dst = f.get('dst') or {}

    def port(p):
        return '-' if p is None else str(p)
    est = f.get('established')
    return {'check': check, 'src_ip': norm_ip(src.get('ip')), 'src_port': port(src.get('port')),
            'dst_ip': norm_ip(dst.get('ip')), 'dst_port': port(dst.get('port')),
            'proto': str(f.get('proto')), 'established': 'true' if est is True else 'false' if est is False else str(est)}


def row_matches(exp, f, ignore=()):
    g = got_row(f)
    for c in COLS:
        e = exp[c]
        if e == '*':
            continue
        if c in ('src_ip', 'dst_ip') and e != '-':
            e = norm_ip(e)
        if g[c] != e:
            return False
    x = {k: v for k, v in exp['extra'].items() if k not in ignore}
    if 'mac' in x and x['mac'] != '*' and x['mac'].lower() not in macs_of((f.get('src') or {}).get('mac')):
        return False
    if 'dst_mac' in x and x['dst_mac'] != '*' and x['dst_mac'].lower() not in macs_of((f.get('dst') or {}).get('mac')):
        return False
    if 'initiator' in x and f.get('initiator') != x['initiator']:
        return False
    if 'vlan' in x and [str(v) for v in (f.get('vlan') or [])] != [v for v in x['vlan'].split(',') if v]:
        return False
    if 'flow' in x and f.get('flow') != x['flow']:
        return False
    if 'route' in x and f.get('route') != x['route']:
        return False
    if 'verdict' in x and (f.get('ruleset_verdict') or {}).get('verdict') != x['verdict']:
        return False
    if 'observed' in x:
        want = {norm_ip(a) for a in x['observed'].split(',') if a}
        have = {norm_ip(o.get('ip')) for o in (f.get('observed') or []) if not link_scoped(o.get('ip'))}
        if want != have:
            return False
    return True


def match(expected, findings, ignore=()):
    """Maximum bipartite matching (Kuhn) of expected rows to findings, so that
    wildcard rows cannot steal a finding an exact row needs."""
    adj = [[j for j, f in enumerate(findings) if row_matches(e, f, ignore)] for e in expected]
    owner = [-1] * len(findings)

    def augment(i, seen):
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if owner[j] < 0 or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(expected)):
        augment(i, set())
    matched_e = {owner[j] for j in range(len(findings)) if owner[j] >= 0}
    missing = [expected[i] for i in range(len(expected)) if i not in matched_e]
    extra = [findings[j] for j in range(len(findings)) if owner[j] < 0]
    return missing, extra, adj


def fmt_exp(e):
    s = '\t'.join(e[c] for c in COLS)
    if e['extra']:
        s += '\t' + '\t'.join(f'{k}={v}' for k, v in e['extra'].items())
    return f'{s}   ({e["where"]})'


def fmt_got(f):
    g = got_row(f)
    s = '\t'.join(g[c] for c in COLS)
    src = f.get('src') or {}
    bits = [f'mac={src.get("mac")}']
    if f.get('check') in STATION:
        bits.append('observed=' + ','.join(str(o.get('ip')) for o in (f.get('observed') or [])))
    elif f.get('check') in REVIEW:
        bits = [f'flow={f.get("flow")}']
    else:
        bits.append(f'dst_mac={(f.get("dst") or {}).get("mac")}')
        bits.append(f'initiator={f.get("initiator")}')
        bits.append('vlan=' + ','.join(str(v) for v in f.get('vlan') or []))
    return s + '\t' + '\t'.join(bits) + f'   msg: {f.get("message")}'


def compare(expected, findings, ignore=()):
    missing, extra, _ = match(expected, findings, ignore)
    if not missing and not extra:
        print(f'findings: {len(findings)} as expected')
        return []
    out = ['findings differ from the expected rows:',
           '  columns: ' + '\t'.join(COLS)]
    for e in missing:
        out.append('- expected, not found: ' + fmt_exp(e))
    for f in extra:
        out.append('+ found, not expected: ' + fmt_got(f))
    out.append('  all findings:')
    for f in findings:
        out.append('    ' + fmt_got(f))
    return ['\n'.join(out)]


# ------------------------------------------------------------------- cases

class Ctx:
    def __init__(self, sanso, gen, tmp):
        self.sanso, self.gen, self.tmp = sanso, gen, tmp

    def cmd(self, *args):
        """The argv running sanso with args, behind SANSO_WRAPPER if set."""
        return WRAPPER + [self.sanso, *args]

    def generate(self, scenario, name=None):
        out = os.path.join(self.tmp, (name or scenario) + '.pcap')
        p = run([self.gen, scenario, out])
        if p.returncode != 0:
            raise Fail(f'gen-captures {scenario} failed: {p.stderr.decode(errors="replace")}')
        return out

    def audit(self, topo, captures, extra=(), out=None):
        argv = self.cmd('audit', '-t', topo)
        for c in captures:
            argv += ['-r', c]
        argv += ['--format', 'json']
        if out:
            argv += ['-o', out]
        argv += list(extra)
        return run(argv)


def audit_expected(ctx, topo, captures, tsv, want_exit=None, stdout_too=False, extra=(), rows=True,
                   check_read=True, ignore=(), without=()):
    """The core case: audit, check the contract, compare with the TSV (only
    its length decides the exit status when rows is False: cases about
    options leave the rows to the case that owns them).  captures: a path or
    a list of paths (one -r each)."""
    if isinstance(captures, str):
        captures = [captures]
    expected = [e for e in load_expected(tsv) if e['check'] not in without]
    if want_exit is None:
        want_exit = 1 if expected else 0
    caps = [Cap(c) for c in captures]
    outdir = os.path.join(ctx.tmp, 'out')
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, 'audit.jsonl')
    if os.path.exists(out):
        os.unlink(out)
    p = ctx.audit(topo, captures, extra, out=out)
    show_stderr(p)
    problems = []
    if p.returncode != want_exit:
        problems.append(f'exit status {p.returncode}, expected {want_exit}')
    if p.returncode not in (0, 1):
        raise Fail('\n'.join(problems))
    if not os.path.exists(out):
        raise Fail(f'-o {out} was not written')
    with open(out, encoding='utf-8') as f:
        text = f.read()
    objs = parse_jsonl(text, os.path.basename(out))
    findings = check_contract(objs, caps, problems, check_read=check_read)
    if rows:
        problems += compare(expected, findings, ignore)

    if stdout_too:
        p2 = ctx.audit(topo, captures, extra)
        if p2.returncode != p.returncode:
            problems.append(f'stdout run: exit status {p2.returncode}, the -o run gave {p.returncode}')
        try:
            objs2 = parse_jsonl(p2.stdout.decode('utf-8'), 'stdout')
            # the same but for when each report was made
            def unstamped(o):
                return dict(o, generated=None, timestamp=None) if o['type'] in ('summary', 'warning') else o
            if [unstamped(o) for o in objs2] != [unstamped(o) for o in objs]:
                problems.append('stdout run: JSON differs from the -o run')
        except Fail as e:
            problems.append(f'stdout run: {e}')
    if problems:
        raise Fail('\n\n'.join(problems))
    return objs


def case_example(ctx):
    audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), os.path.join(EXAMPLES, 'example.pcap'),
                   os.path.join(EXAMPLES, 'expected.tsv'), want_exit=1, stdout_too=True)


def case_example_reproducible(ctx):
    fresh = ctx.generate('example')
    committed = os.path.join(EXAMPLES, 'example.pcap')
    with open(fresh, 'rb') as a, open(committed, 'rb') as b:
        x, y = a.read(), b.read()
    if x != y:
        n = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
        raise Fail(f'{committed} differs from a fresh `gen-captures example` at byte {n} '
                   f'(sizes {len(y)} vs {len(x)}); regenerate it (docs/examples/README.md)')
    print(f'{committed}: byte-identical ({len(x)} bytes)')


def case_clean(ctx):
    cap = ctx.generate('clean')
    # the traffic alone: the example's ruleset blocks web-publish (sanso
    # verify says so), which the clean day uses — case `example` has that
    audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), cap, os.path.join(DATA, 'clean.tsv'), want_exit=0,
                   extra=['--no-rulesets'])


def case_scenario(name):
    def f(ctx):
        cap = ctx.generate(name)
        audit_expected(ctx, os.path.join(DATA, name + '.yaml'), cap, os.path.join(DATA, name + '.tsv'))
    return f


def expect_bad_input(ctx, topo, captures, want_in_stderr):
    """Exit 2, a message on stderr matching every regex given, no -o file
    (nor anything else) left in the output directory."""
    outdir = os.path.join(ctx.tmp, 'bad-out')
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, 'audit.jsonl')
    p = ctx.audit(topo, captures, out=out)
    show_stderr(p)
    err = p.stderr.decode(errors='replace')
    problems = []
    if p.returncode != 2:
        problems.append(f'exit status {p.returncode}, expected 2')
    for rx in want_in_stderr:
        if not re.search(rx, err):
            problems.append(f'stderr does not match /{rx}/')
    left = os.listdir(outdir)
    if left:
        problems.append(f'left behind in the output directory: {left} (cli.md: "nothing half-written")')
    if problems:
        raise Fail('\n'.join(problems))


def case_bad_topology_key(ctx):
    # `segmnets` (a typo) is on line 9, column 5 of the file.
    topo = os.path.join(DATA, 'bad-topology-key.yaml')
    cap = ctx.generate('clean')
    expect_bad_input(ctx, topo, [cap], [r'bad-topology-key\.yaml:9:\d+: error:', r'segmnets'])


def case_bad_topology_exception(ctx):
    # An exception flow without `approval`, its mapping starting on line 16.
    topo = os.path.join(DATA, 'bad-topology-exception.yaml')
    cap = ctx.generate('clean')
    expect_bad_input(ctx, topo, [cap], [r'bad-topology-exception\.yaml:\d+:\d+: error:', r'approval'])


def case_truncated_capture(ctx):
    full = ctx.generate('example')
    _, recs = read_capture(full)
    with open(full, 'rb') as f:
        blob = f.read()
    cut = os.path.join(ctx.tmp, 'truncated.pcap')
    # Cut the last record in the middle of its data: frames 1..N-1 are whole.
    with open(cut, 'wb') as f:
        f.write(blob[:len(blob) - len(recs[-1].data) // 2])
    n = len(recs)
    print(f'truncated inside frame {n}')
    expect_bad_input(ctx, os.path.join(EXAMPLES, 'site.yaml'), [cut], [r'(?i)frame', rf'\b{n}\b'])


def case_truncated_header(ctx):
    full = ctx.generate('example')
    cut = os.path.join(ctx.tmp, 'header-only.pcap')
    with open(full, 'rb') as f:
        head = f.read(10)
    with open(cut, 'wb') as f:
        f.write(head)
    expect_bad_input(ctx, os.path.join(EXAMPLES, 'site.yaml'), [cut], [r'header-only\.pcap'])


def case_missing_capture(ctx):
    expect_bad_input(ctx, os.path.join(EXAMPLES, 'site.yaml'), [os.path.join(ctx.tmp, 'no-such.pcap')],
                     [r'no-such\.pcap'])


def case_unwritable_output(ctx):
    # An output path that can't be created is bad usage, found before any
    # capture is read, and the other output is not left behind either.
    site = os.path.join(EXAMPLES, 'site.yaml')
    pcap = os.path.join(EXAMPLES, 'example.pcap')
    outdir = os.path.join(ctx.tmp, 'unwritable-out')
    os.makedirs(outdir, exist_ok=True)
    missing = os.path.join(ctx.tmp, 'no-such-dir')
    problems = []
    for what, extra, rx in (
            ('-o', ['-o', os.path.join(missing, 'report.jsonl'),
                    '--evidence', os.path.join(outdir, 'ev.pcap')], r'-o .*no-such-dir'),
            ('--evidence', ['-o', os.path.join(outdir, 'report.jsonl'),
                            '--evidence', os.path.join(missing, 'ev.pcap')], r'--evidence .*no-such-dir')):
        p = run(ctx.cmd('audit', '-t', site, '-r', pcap, '--format', 'json') + extra)
        show_stderr(p)
        err = p.stderr.decode(errors='replace')
        if p.returncode != 2:
            problems.append(f'{what} in a missing directory: exit {p.returncode}, expected 2')
        if not re.search(rx, err):
            problems.append(f'{what}: stderr does not match /{rx}/')
        left = os.listdir(outdir)
        if left:
            problems.append(f'{what}: left behind: {left}')
    if problems:
        raise Fail('\n'.join(problems))


def case_fifo_output(ctx):
    # -o and --evidence naming something that exists and is not a regular
    # file (a FIFO here, /dev/null in practice) are written in place: the
    # finished file renamed over it would replace it — as root, /dev/null.
    site = os.path.join(EXAMPLES, 'site.yaml')
    pcap = os.path.join(EXAMPLES, 'example.pcap')
    rep, ev = os.path.join(ctx.tmp, 'report.fifo'), os.path.join(ctx.tmp, 'evidence.fifo')
    got = {}

    def drain(path):
        with open(path, 'rb') as f:
            got[path] = f.read()
    readers = []
    for path in (rep, ev):
        os.mkfifo(path)
        readers.append(threading.Thread(target=drain, args=(path,), daemon=True))
        readers[-1].start()
    p = run(ctx.cmd('audit', '-t', site, '-r', pcap, '--format', 'json', '-o', rep, '--evidence', ev))
    show_stderr(p)
    for t in readers:
        t.join(10)
    problems = []
    if p.returncode != 1:
        problems.append(f'exit status {p.returncode}, expected 1')
    for path in (rep, ev):
        if not stat.S_ISFIFO(os.lstat(path).st_mode):
            problems.append(f'{os.path.basename(path)} is no longer a FIFO')
    lines = got.get(rep, b'').decode(errors='replace').splitlines()
    if not lines or json.loads(lines[-1]).get('type') != 'summary':
        problems.append(f'the report FIFO got {len(lines)} line(s), not ending with the summary')
    data = got.get(ev, b'')
    if len(data) <= 24 or struct.unpack('<I', data[:4])[0] != 0xa1b23c4d:
        problems.append(f'the evidence FIFO got {len(data)} bytes, not a nanosecond pcap with packets')
    if problems:
        raise Fail('\n'.join(problems))


def case_fail_on(ctx):
    # vlan-mismatch has only VLAN-MISMATCH findings, severity medium.
    cap = ctx.generate('vlan-mismatch')
    topo = os.path.join(DATA, 'vlan-mismatch.yaml')
    tsv = os.path.join(DATA, 'vlan-mismatch.tsv')
    problems = []
    for level, want in (('critical', 0), ('high', 0), ('medium', 1), ('low', 1)):
        print(f'--fail-on {level}: expect exit {want}, findings still reported')
        try:
            audit_expected(ctx, topo, cap, tsv, want_exit=want, extra=['--fail-on', level])
        except Fail as e:
            problems.append(f'--fail-on {level}: {e}')
    # And the example, which has critical findings, still fails at critical.
    try:
        audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), os.path.join(EXAMPLES, 'example.pcap'),
                       os.path.join(EXAMPLES, 'expected.tsv'), want_exit=1, extra=['--fail-on', 'critical'],
                       rows=False)
    except Fail as e:
        problems.append(f'example --fail-on critical: {e}')
    if problems:
        raise Fail('\n\n'.join(problems))


def evidence_check(ctx, topo, cap, tsv):
    ev = os.path.join(ctx.tmp, 'ev.pcap')
    objs = audit_expected(ctx, topo, cap, tsv, want_exit=1, extra=['--evidence', ev], rows=False)
    traffic = [o for o in objs if o['type'] == 'finding' and o.get('check') not in STATION]
    if not os.path.exists(ev):
        raise Fail(f'--evidence {ev} was not written')
    _, orig = read_capture(cap)
    _, evr = read_capture(ev)
    keys = collections.Counter()
    want = 0
    for f in traffic:
        if f.get('check') in REVIEW:
            continue
        if finding_key(f) in keys:
            continue  # a connection with two findings (FIREWALL-BYPASS and its traffic check): once
        keys[finding_key(f)] += 0
        want += f['packets']['src_to_dst'] + f['packets']['dst_to_src']
    orig_bytes = collections.Counter(r.data for r in orig)
    problems = []
    for r in evr:
        p = decode(r.data)
        if p is None or pkt_key(p) not in keys:
            problems.append(f'evidence packet {r.frame} belongs to no flagged connection: {p}')
        if orig_bytes[r.data] <= 0:
            problems.append(f'evidence packet {r.frame} is not a byte-identical copy of a captured frame')
        else:
            orig_bytes[r.data] -= 1
    if len(evr) != want:
        problems.append(f'evidence has {len(evr)} packets, the flagged connections have {want}')
    if problems:
        raise Fail('\n'.join(problems[:30]))
    print(f'evidence: {len(evr)} packets, all from the {len(traffic)} flagged connections')


def case_evidence(ctx):
    # Traffic findings only: every evidence packet must belong to one.
    cap = ctx.generate('lgwan-internet')
    evidence_check(ctx, os.path.join(DATA, 'lgwan-internet.yaml'), cap, os.path.join(DATA, 'lgwan-internet.tsv'))


def case_evidence_example(ctx):
    # The example also has station findings (ARP frames); cli.md says the
    # evidence holds "every packet of every flagged connection".
    evidence_check(ctx, os.path.join(EXAMPLES, 'site.yaml'), os.path.join(EXAMPLES, 'example.pcap'),
                   os.path.join(EXAMPLES, 'expected.tsv'))


def write_pcapng(src, dst):
    """Rewrites a pcap as pcapng (RFC draft: SHB, one IDB with if_tsresol 9,
    EPBs), little-endian."""
    linktype, recs = read_capture(src)

    def block(btype, body):
        body += b'\0' * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack('<II', btype, n) + body + struct.pack('<I', n)

    out = block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))
    opts = struct.pack('<HHB3x', 9, 1, 9) + struct.pack('<HH', 0, 0)
    out += block(1, struct.pack('<HHI', linktype, 0, 65535) + opts)
    for r in recs:
        out += block(6, struct.pack('<IIIII', 0, r.ts_ns >> 32, r.ts_ns & 0xffffffff, len(r.data), len(r.data))
                     + r.data)
    with open(dst, 'wb') as f:
        f.write(out)


def case_pcapng(ctx):
    # The example as pcapng (nanosecond if_tsresol): the same findings.
    ng = os.path.join(ctx.tmp, 'example.pcapng')
    write_pcapng(os.path.join(EXAMPLES, 'example.pcap'), ng)
    _, recs = read_capture(ng)
    print(f'{ng}: {len(recs)} frames')
    audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), ng, os.path.join(EXAMPLES, 'expected.tsv'),
                   want_exit=1, ignore=('observed',))


def case_snaplen(ctx):
    # The example as captured with a 96-byte snapshot length (tcpdump -s 96,
    # common on busy span ports): every header is still there, so the same
    # findings and the same per-connection packet counts.
    src = os.path.join(EXAMPLES, 'example.pcap')
    with open(src, 'rb') as f:
        blob = f.read()
    out, off = bytearray(blob[:24]), 24
    out[16:20] = struct.pack('<I', 96)
    while off < len(blob):
        sec, frac, incl, orig = struct.unpack('<IIII', blob[off:off + 16])
        cut = min(incl, 96)
        out += struct.pack('<IIII', sec, frac, cut, orig) + blob[off + 16:off + 16 + cut]
        off += 16 + incl
    short = os.path.join(ctx.tmp, 'example-s96.pcap')
    with open(short, 'wb') as f:
        f.write(out)
    audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), short, os.path.join(EXAMPLES, 'expected.tsv'),
                   want_exit=1, ignore=('observed',))


def case_multi_capture(ctx):
    # Two -r files (two SPAN points): the clean day, then the example.  The
    # findings are the example's, each naming example.pcap (station
    # sightings may name either file); packets_read counts both files.
    clean = ctx.generate('clean')
    # (without the rulesets: the clean day's web-publish connection would be
    # a second FIREWALL-BYPASS of the same 5-tuple)
    audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), [clean, os.path.join(EXAMPLES, 'example.pcap')],
                   os.path.join(EXAMPLES, 'expected.tsv'), want_exit=1, ignore=('observed',),
                   extra=['--no-rulesets'], without=('FIREWALL-BYPASS',))


def case_bpf_filter(ctx):
    # -f 'vlan 30 and tcp': only the internet VLAN's TCP is audited, so only
    # the three traffic findings on VLAN 30 remain; the station findings
    # come from frames the filter drops (ARP, VLANs 10 and 20).
    audit_expected(ctx, os.path.join(EXAMPLES, 'site.yaml'), os.path.join(EXAMPLES, 'example.pcap'),
                   os.path.join(DATA, 'example-filter.tsv'), want_exit=1, extra=['-f', 'vlan 30 and tcp'],
                   check_read=False)


class Skip(Exception):
    pass


def case_format(fmt):
    """--format FMT on the example: exit 1, every check ID of the expected
    findings in the report, junit well-formed XML with failures.  A format
    the binary says it does not have (exit 2, "not available") is a skip,
    so the gap stays visible without failing the suite."""
    def f(ctx):
        import xml.etree.ElementTree as ET
        expected = load_expected(os.path.join(EXAMPLES, 'expected.tsv'))
        checks = sorted({e['check'] for e in expected})
        out = os.path.join(ctx.tmp, 'report.' + fmt)
        argv = ctx.cmd('audit', '-t', os.path.join(EXAMPLES, 'site.yaml'), '-r',
                       os.path.join(EXAMPLES, 'example.pcap'), '--format', fmt, '-o', out)
        p = run(argv)
        show_stderr(p)
        err = p.stderr.decode(errors='replace')
        if p.returncode == 2 and 'not available' in err:
            raise Skip(f'--format {fmt} is not implemented yet (cli.md lists it)')
        problems = []
        if p.returncode != 1:
            problems.append(f'--format {fmt}: exit status {p.returncode}, expected 1')
        if not os.path.exists(out) or os.path.getsize(out) == 0:
            raise Fail('\n'.join(problems + [f'--format {fmt}: -o file missing or empty']))
        with open(out, encoding='utf-8', errors='replace') as fh:
            text = fh.read()
        missing = [c for c in checks if c not in text]
        if missing:
            problems.append(f'--format {fmt}: report does not mention {missing}')
        if fmt == 'junit':
            try:
                root = ET.fromstring(text)
                fails = root.findall('.//failure') + root.findall('.//error')
                if root.tag not in ('testsuites', 'testsuite') or not fails:
                    problems.append(f'--format junit: root <{root.tag}> with {len(fails)} failures')
            except ET.ParseError as e:
                problems.append(f'--format junit: not well-formed XML: {e}')
        if fmt == 'html' and '<html' not in text.lower():
            problems.append('--format html: no <html> element')
        if fmt in ('text', 'html') and text.lstrip().startswith('{"type"'):
            problems.append(f'--format {fmt}: looks like JSON Lines')
        if problems:
            raise Fail('\n'.join(problems))
        print(f'--format {fmt}: {len(text)} characters, mentions {len(checks)} checks')
    return f


def case_lang_ja(ctx):
    """--lang ja: Japanese headings and messages in text, Japanese messages
    in JSON; the findings themselves (checks, exit status) unchanged."""
    site = os.path.join(EXAMPLES, 'site.yaml')
    pcap = os.path.join(EXAMPLES, 'example.pcap')
    expected = load_expected(os.path.join(EXAMPLES, 'expected.tsv'))
    problems = []
    p = run(ctx.cmd('audit', '-t', site, '-r', pcap, '--lang', 'ja'))
    show_stderr(p)
    text = p.stdout.decode('utf-8')
    if p.returncode != 1:
        problems.append(f'text --lang ja: exit {p.returncode}, expected 1')
    for word in ('重大', '要件', '開始側', '応答側', '観測'):
        if word not in text:
            problems.append(f'text --lang ja: no "{word}"')
    missing = sorted({e['check'] for e in expected if e['check'] not in text})
    if missing:
        problems.append(f'text --lang ja: does not mention {missing}')
    p = run(ctx.cmd('audit', '-t', site, '-r', pcap, '--lang', 'ja', '--format', 'json'))
    lines = [json.loads(l) for l in p.stdout.decode('utf-8').splitlines() if l.strip()]
    findings = [l for l in lines if l.get('type') == 'finding']
    if len(findings) != len(expected):
        problems.append(f'json --lang ja: {len(findings)} findings, expected {len(expected)}')
    for f in findings:
        if not re.search(r'[\u3040-\u30ff]', f.get('message', '')):
            problems.append(f'json --lang ja: {f["check"]} message not in Japanese: {f.get("message")!r}')
    # the HTML page's headings and labels too (issue 18)
    p = run(ctx.cmd('audit', '-t', os.path.join(EXAMPLES, 'site.yaml'), '-r', os.path.join(EXAMPLES, 'example.pcap'),
                    '--format', 'html', '--lang', 'ja'))
    html = p.stdout.decode()
    for want in ('<html lang="ja">', '<th>チェック</th>', '>重大</h2>', 'モデル alpha', '作成'):
        if want not in html:
            problems.append(f'html --lang ja lacks {want!r}')
    for unwanted in ('>critical</h2>', '<th>check</th>', 'packets read'):
        if unwanted in html:
            problems.append(f'html --lang ja still says {unwanted!r}')
    if problems:
        raise Fail('\n'.join(problems))
    print(f'--lang ja: {len(findings)} findings, Japanese text and messages')


def case_topologies_valid(ctx):
    # Every topology the other cases use loads without an error.
    problems = []
    topos = [os.path.join(EXAMPLES, 'site.yaml')] + sorted(
        os.path.join(DATA, n) for n in os.listdir(DATA) if n.endswith('.yaml') and not n.startswith('bad-'))
    for t in topos:
        p = run(ctx.cmd('topology', '-t', t))
        err = p.stderr.decode(errors='replace')
        if p.returncode != 0 or 'error:' in err:
            problems.append(f'{os.path.basename(t)}: exit {p.returncode}\n  ' + err.strip().replace('\n', '\n  '))
        elif 'warning' in err:
            print(f'{os.path.basename(t)}: {err.strip()}')
    if problems:
        raise Fail('\n'.join(problems))
    print(f'{len(topos)} topologies load')


def write_pcap(path, linktype, frames, t0=1793610000):
    """A classic pcap (microseconds) with the frames one second apart."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', t0 + i, 0, len(fr), len(fr)) + fr)
    return path


def eth_syn(smac, dmac, src, dst, sport, dport):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 1, 0, 64, 6, 0, bytes(map(int, src.split('.'))),
                     bytes(map(int, dst.split('.'))))
    tcp = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 0x50, 0x02, 8192, 0, 0)
    return bytes.fromhex(dmac.replace(':', '')) + bytes.fromhex(smac.replace(':', '')) + b'\x08\x00' + ip + tcp


def case_coverage(ctx):
    """An audit that analysed nothing must not pass a CI gate as clean
    (issue 18): an empty capture, a capture of frames sanso can't decode
    (USB, 802.11 without radiotap handling), a -f filter that matches
    nothing, and a capture of none of the site's zones each exit 4 with a
    coverage warning in text, JSON and HTML naming what was missing;
    --allow-empty makes them exit 0; the example's capture is covered."""
    import hashlib
    site = os.path.join(EXAMPLES, 'site.yaml')
    example = os.path.join(EXAMPLES, 'example.pcap')
    usb = write_pcap(os.path.join(ctx.tmp, 'usb.pcap'), 189, [bytes(range(64))] * 5)       # DLT_USB_LINUX_MMAPPED
    wifi = write_pcap(os.path.join(ctx.tmp, 'wifi.pcap'), 105, [b'\x80\x00' + bytes(60)] * 5)  # 802.11 beacons
    empty = write_pcap(os.path.join(ctx.tmp, 'empty.pcap'), 1, [])
    foreign = write_pcap(os.path.join(ctx.tmp, 'foreign.pcap'), 1, [
        eth_syn('02:00:00:99:00:01', '02:00:00:99:00:02', '198.18.0.1', '198.18.0.2', 40000 + i, 443)
        for i in range(3)])
    cases = [
        ('empty capture', [empty], [], {'no-packets', 'no-connections', 'no-zone'}),
        ('USB capture', [usb], [], {'no-connections', 'low-decode', 'no-zone'}),
        ('802.11 capture', [wifi], [], {'no-connections', 'low-decode', 'no-zone'}),
        ("-f 'port 9999'", [example], ['-f', 'port 9999'], {'no-connections', 'no-zone'}),
        ('another site', [foreign], [], {'no-zone'}),
    ]
    for what, caps, extra, problems in cases:
        args = ['audit', '-t', site] + [a for c in caps for a in ('-r', c)] + extra
        p = run(ctx.cmd(*args, '--format', 'json'))
        if p.returncode != 4:
            show_stderr(p)
            raise Fail(f'{what}: exit {p.returncode}, expected 4 (nothing to vouch for)')
        objs = parse_jsonl(p.stdout.decode(), what)
        summary = objs[-1]
        cov = summary.get('coverage') or {}
        if cov.get('sufficient') is not False or set(cov.get('problems', [])) != problems:
            raise Fail(f'{what}: coverage {cov}, expected problems {sorted(problems)}')
        if set(cov.get('zones_not_seen', [])) != {'mynumber', 'lgwan', 'internet'} or cov.get('zones_seen') != []:
            raise Fail(f'{what}: zones seen/not seen {cov}')
        warn = [o for o in objs if o['type'] == 'warning' and o.get('warning') == 'coverage']
        if len(warn) != 1 or set(warn[0]['problems']) != problems or not warn[0]['message']:
            raise Fail(f'{what}: one coverage warning record expected: {warn}')
        text = run(ctx.cmd(*args))
        out = text.stdout.decode()
        if text.returncode != 4 or 'WARNING' not in out or 'zones never seen: mynumber, lgwan, internet' not in out \
                or 'No findings: no connection' in out:
            raise Fail(f'{what}: text report (exit {text.returncode}) must warn, not say clean:\n{out}')
        html = run(ctx.cmd(*args, '--format', 'html'))
        if html.returncode != 4 or 'class="warning"' not in html.stdout.decode():
            raise Fail(f'{what}: html report must carry the warning')
        ja = run(ctx.cmd(*args, '--lang', 'ja')).stdout.decode()
        if '警告' not in ja or '観測されなかったゾーン' not in ja:
            raise Fail(f'{what}: --lang ja must word the warning in Japanese:\n{ja}')
        allowed = run(ctx.cmd(*args, '--allow-empty', '--format', 'json'))
        if allowed.returncode != 0:
            raise Fail(f'{what}: --allow-empty: exit {allowed.returncode}, expected 0')
        if parse_jsonl(allowed.stdout.decode(), what)[-1]['coverage']['sufficient'] is not False:
            raise Fail(f'{what}: --allow-empty changes the exit status, not the report')
    # covered: the example; its provenance names every input by its SHA-256
    p = run(ctx.cmd('audit', '-t', site, '-r', example, '--format', 'json'))
    summary = parse_jsonl(p.stdout.decode(), 'example')[-1]
    cov = summary['coverage']
    if p.returncode != 1 or not cov['sufficient'] or cov['problems'] or cov['vlans_seen'] != [10, 20, 30] or \
            set(cov['zones_seen']) != {'mynumber', 'lgwan', 'internet'} or cov['decoded_share'] != 1:
        raise Fail(f'example: exit {p.returncode}, coverage {cov}')
    want = [('topology', site), ('capture', example), ('ruleset', os.path.join(EXAMPLES, 'core-fw.json'))]
    got = [(i['kind'], i['path']) for i in summary['inputs']]
    if got != want:
        raise Fail(f'inputs {got}, expected {want}')
    for i in summary['inputs']:
        with open(i['path'], 'rb') as f:
            if i['sha256'] != hashlib.sha256(f.read()).hexdigest():
                raise Fail(f'{i["path"]}: sha256 {i["sha256"]} is not the file\'s')
    version = run(ctx.cmd('--version')).stdout.decode().split()[-1]
    if summary['sanso_version'] != version:
        raise Fail(f'sanso_version {summary["sanso_version"]} != --version {version}')
    gen = parse_time(summary['generated'])
    if abs(gen / 1e9 - time.time()) > 600:
        raise Fail(f'generated {summary["generated"]} is not now')
    _, recs = read_capture(example)
    first, last = min(r.ts_ns for r in recs), max(r.ts_ns for r in recs)
    if parse_time(summary['period']['first']) != first or parse_time(summary['period']['last']) != last:
        raise Fail(f'period {summary["period"]} is not the capture\'s first/last record')
    text = run(ctx.cmd('audit', '-t', site, '-r', example)).stdout.decode()
    if hashlib.sha256(open(example, 'rb').read()).hexdigest() not in text or 'generated' not in text:
        raise Fail('the text report names the inputs with their SHA-256 and when it was made')


def junit_checker():
    import importlib.util
    spec = importlib.util.spec_from_file_location('junit_check', os.path.join(HERE, 'junit-check.py'))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def case_junit(ctx):
    """JUnit that adds up (issue 18): valid against tests/data/junit/junit.xsd,
    counts equal to the testcases at every level, time and timestamp; one
    suite per traffic/station check and COVERAGE; with --fail-on critical
    the lower findings are skipped (their block in <system-out>), never
    failures; names in Japanese under --lang ja; an empty capture fails
    COVERAGE."""
    jc = junit_checker()
    site = os.path.join(EXAMPLES, 'site.yaml')
    example = os.path.join(EXAMPLES, 'example.pcap')
    expected = load_expected(os.path.join(EXAMPLES, 'expected.tsv'))
    sev = {}
    for e in expected:
        sev[e['check']] = SEVERITY[e['check']]

    def junit(*extra, want):
        p = run(ctx.cmd('audit', '-t', site, '--format', 'junit', *extra))
        if p.returncode != want:
            show_stderr(p)
            raise Fail(f'junit {extra}: exit {p.returncode}, expected {want}')
        try:
            return jc.check(p.stdout.decode())
        except jc.Bad as e:
            raise Fail(f'junit {extra}: {e}')

    r = junit('-r', example, want=1)
    want_suites = set(SEVERITY) | {'COVERAGE'}
    if set(r['suites']) != want_suites:
        raise Fail(f'suites {sorted(r["suites"])}, expected {sorted(want_suites)}')
    findings = [c for c in r['cases'] if c[0] != 'COVERAGE' and c[1] != 'no findings']
    if len(findings) != len(expected) or r['failures'] != len(expected) or r['skipped'] != 0:
        raise Fail(f'{len(findings)} finding cases, {r["failures"]} failures, {r["skipped"]} skipped; '
                   f'expected {len(expected)} failures')
    if any(c[3] != SEVERITY[c[0]] for c in findings):
        raise Fail('a failure\'s type is its severity')
    if [c[2] for c in r['cases'] if c[0] == 'COVERAGE'] != ['pass']:
        raise Fail('the example is covered: COVERAGE passes')
    r = junit('-r', example, '--fail-on', 'critical', want=1)
    crit = sum(1 for e in expected if SEVERITY[e['check']] == 'critical')
    if r['failures'] != crit or r['skipped'] != len(expected) - crit:
        raise Fail(f'--fail-on critical: {r["failures"]} failures, {r["skipped"]} skipped; expected {crit} and '
                   f'{len(expected) - crit}')
    for c in r['cases']:
        if c[2] == 'skipped' and (SEVERITY.get(c[0]) == 'critical' or '--fail-on critical' not in c[4] or not c[5]):
            raise Fail(f'--fail-on critical: a skipped case must be below it and keep its evidence: {c}')
    r = junit('-r', example, '--lang', 'ja', want=1)
    names = [c[1] for c in r['cases'] if c[0] != 'COVERAGE']
    if not any(re.search(r'[\u3040-\u30ff]', n) for n in names) or any(n == 'no findings' for n in names):
        raise Fail(f'--lang ja: testcase names must be Japanese: {names[:3]}')
    empty = write_pcap(os.path.join(ctx.tmp, 'empty.pcap'), 1, [])
    r = junit('-r', empty, want=4)
    cov = [c for c in r['cases'] if c[0] == 'COVERAGE']
    if len(cov) != 1 or cov[0][2] != 'failure' or 'no packet' not in cov[0][4] or r['failures'] != 1:
        raise Fail(f'an empty capture must fail COVERAGE, and only it: {cov}, {r["failures"]} failures')


def case_output_errors(ctx):
    """Small but real (issue 18): -o onto a full disk says so ("No space
    left on device", exit 3), a report gets the mode a shell redirect
    would (0666 less the umask, not 0600), topology --format html is
    refused, and an interface that doesn't exist says so even without the
    privilege to capture."""
    site = os.path.join(EXAMPLES, 'site.yaml')
    example = os.path.join(EXAMPLES, 'example.pcap')
    if os.path.exists('/dev/full'):
        for args in (['audit', '-t', site, '-r', example], ['verify', '-t', site], ['topology', '-t', site]):
            p = run(ctx.cmd(*args, '-o', '/dev/full'))
            err = p.stderr.decode()
            if p.returncode != 3 or 'No space left on device' not in err:
                raise Fail(f'{args[0]} -o /dev/full: exit {p.returncode}, {err!r}')
    for mask, mode in ((0o022, 0o644), (0o027, 0o640), (0o077, 0o600)):
        out = os.path.join(ctx.tmp, f'report-{mask:o}.txt')
        old = os.umask(mask)
        try:
            p = run(ctx.cmd('audit', '-t', site, '-r', example, '-o', out))
        finally:
            os.umask(old)
        got = stat.S_IMODE(os.stat(out).st_mode)
        if p.returncode != 1 or got != mode:
            raise Fail(f'umask {mask:03o}: report mode {got:o}, expected {mode:o} (exit {p.returncode})')
    # each command's --help lists its own options only
    for cmd, has, lacks in (('audit', ['-r, --read', '--allow-empty', '--evidence FILE     write', '--ruleset', '--no-rulesets'],
                             ['--interface']),
                            ('verify', ['--ruleset', '--live'], ['-r, --read', '--interface', '--allow-empty']),
                            ('monitor', ['--interface', '--sensor', '--syslog', '--ruleset', '--no-rulesets'], ['-r, --read', '--allow-empty']),
                            ('topology', ['--topology'], ['--ruleset', '--interface', '-r, --read', '--fail-on'])):
        p = run(ctx.cmd(cmd, '--help'))
        text = p.stdout.decode()
        if p.returncode != 0 or not text.startswith(f'usage: sanso {cmd} ') or \
                any(x not in text for x in has) or any(x in text for x in lacks):
            raise Fail(f'sanso {cmd} --help: exit {p.returncode}, must list {has} and not {lacks}:\n{text}')
    for fmt in ('html', 'junit'):
        p = run(ctx.cmd('topology', '-t', site, '--format', fmt))
        if p.returncode != 2 or b'not available' not in p.stderr or p.stdout:
            raise Fail(f'topology --format {fmt}: exit {p.returncode}, must be refused with nothing printed')
    # progress on a terminal (script(1) gives it one), never in a pipe or with -q
    traffic = os.path.join(os.path.dirname(os.path.dirname(ctx.gen)), 'bench', 'gen-traffic')
    if shutil.which('script') and os.access(traffic, os.X_OK):
        big = os.path.join(ctx.tmp, 'traffic.pcap')
        if run([traffic, big, '300000', '1000']).returncode != 0:
            raise Fail('gen-traffic failed')
        bench_site = os.path.join(SRC, 'tests', 'bench', 'site.yaml')
        env = dict(os.environ, SANSO_PROGRESS_AFTER='0')  # the 2 s a real audit waits, for a small capture
        for quiet in (False, True):
            cmd = ' '.join(ctx.cmd('audit', '-t', bench_site, '-r', big, '-o', os.path.join(ctx.tmp, 'r.txt'))
                           + (['-q'] if quiet else []))
            tty = subprocess.run(['script', '-qec', cmd, '/dev/null'], capture_output=True, env=env, timeout=120)
            shown = re.search(rb'sanso audit: .*traffic\.pcap: \d+ packets, \d+% of the file, \d+ packets/s', tty.stdout)
            if bool(shown) == quiet or (not quiet and not tty.stdout.rstrip().endswith(b'\x1b[K')):
                raise Fail(f'progress on a terminal{" with -q" if quiet else ""}: {tty.stdout[-300:]!r}')
        piped = subprocess.run(ctx.cmd('audit', '-t', bench_site, '-r', big, '-o', os.path.join(ctx.tmp, 'r.txt')),
                               capture_output=True, env=env, timeout=120)
        if piped.stderr:
            raise Fail(f'no progress when stderr is not a terminal: {piped.stderr[:200]!r}')
    if os.geteuid() == 0 and shutil.which('runuser'):
        copy = os.path.join(ctx.tmp, 'site')
        shutil.copytree(EXAMPLES, copy)
        for root, dirs, files in os.walk(ctx.tmp):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        p = run(['runuser', '-u', 'nobody', '--'] + ctx.cmd('monitor', '-t', os.path.join(copy, 'site.yaml'),
                                                              '-i', 'nosuch9'))
        err = p.stderr.decode()
        if p.returncode != 2 or 'nosuch9: no such network interface' not in err or 'permission' in err:
            raise Fail(f'monitor -i nosuch9 as nobody: exit {p.returncode}: {err!r}')


CASES = {
    'example': case_example,
    'example-reproducible': case_example_reproducible,
    'clean': case_clean,
    'bad-topology-key': case_bad_topology_key,
    'bad-topology-exception': case_bad_topology_exception,
    'truncated-capture': case_truncated_capture,
    'truncated-header': case_truncated_header,
    'missing-capture': case_missing_capture,
    'unwritable-output': case_unwritable_output,
    'fifo-output': case_fifo_output,
    'fail-on': case_fail_on,
    'evidence': case_evidence,
    'evidence-example': case_evidence_example,
    'pcapng': case_pcapng,
    'multi-capture': case_multi_capture,
    'snaplen': case_snaplen,
    'bpf-filter': case_bpf_filter,
    'format-text': case_format('text'),
    'format-html': case_format('html'),
    'lang-ja': case_lang_ja,
    'format-junit': case_format('junit'),
    'topologies-valid': case_topologies_valid,
    'coverage': case_coverage,
    'junit': case_junit,
    'output-errors': case_output_errors,
}
for _s in SCENARIOS:
    CASES[_s] = case_scenario(_s)


def main(argv):
    if len(argv) == 2 and argv[1] == '--list':
        print('\n'.join(CASES))
        return 0
    keep = None
    if '--keep' in argv:
        i = argv.index('--keep')
        keep = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) != 4 or argv[3] not in CASES:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        print('cases: ' + ' '.join(CASES), file=sys.stderr)
        return 2
    sanso, gen, case = argv[1:]
    for exe in (sanso, gen):
        if not os.access(exe, os.X_OK):
            print(f'SKIP: {exe} is not executable')
            return 77
    tmp = tempfile.mkdtemp(prefix=f'sanso-e2e-{case}-')
    try:
        CASES[case](Ctx(os.path.abspath(sanso), os.path.abspath(gen), tmp))
    except Fail as e:
        print(f'FAIL {case}:\n{e}')
        return 1
    except Skip as e:
        print(f'SKIP {case}: {e}')
        return 77
    finally:
        if keep:
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(tmp, keep)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'PASS {case}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
