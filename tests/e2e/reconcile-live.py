#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""reconcile-live.py SANSO CAPTURE-HELPER — does the wire agree with the firewall?

Builds a router and a cable around it, in network namespaces this test
creates and deletes:

    cli (mynumber)                 fw (nftables router)               srv (lgwan)
    mn-pc  10.10.0.2 eth0 ──── fw-m 10.10.0.1 │ 10.20.0.1 fw-l ──── eth0 10.20.0.2 lg-srv
           10.10.0.3 cab-c ──────────── the cable around it ───────── cab-s 10.20.0.3

The router runs one ruleset (the kernel: it accepts tcp/22, 8081 and 8082
from mn-pc to lg-srv); sanso is given another (given.nft: tcp/22 only), as
when the firewall runs something else than the reviewed configuration.
Captures both legs of the router in one file (`any`) and the cable in
another (capture-helper, libpcap), then:

  tcp/22    through fw, both rulesets accept, answered  -> no finding (near miss)
  tcp/8081  through fw, given ruleset drops, answered    -> FIREWALL-BYPASS, route "through"
  tcp/8082  through fw, given drops, RST from lg-srv     -> FIREWALL-ATTEMPT-PASSED
            (its SYN is on the far leg, sent from the router's MAC)
  tcp/9090  through fw, both drop, never answered        -> EXCEPTION-MISMATCH with
            ruleset_verdict drop; no BYPASS, no ATTEMPT-PASSED (near miss)
  tcp/8080  over the cable, 10.10.0.3 -> 10.20.0.3       -> FIREWALL-BYPASS, route "around"
            (and MYNUMBER-ISOLATION: no exception covers those hosts)
  exception ex-backup, never used                        -> FLOW-UNUSED; ex-ssh and
            ex-app, used, give none (near misses)

The same capture audited against the running ruleset itself (--live
fw@NETNS: the kernel's) must leave only the cable's bypass: sanso's verdict
on every connection through the router agrees with what the kernel did.
--no-rulesets: no reconciliation at all.  `sanso monitor` on the router's
two legs, live, reports the same FIREWALL-* findings as they happen.

Traffic stays inside the test's namespaces.  Root and `ip netns` or exit 77
(skipped).  Every wait is bounded and waits for a readiness line.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SANSO, HELPER = sys.argv[1], sys.argv[2]
WRAP = os.environ.get('SANSO_WRAPPER', '').split()
TAG = str(os.getpid())
NS = {k: f'sanso-rc-{k}-{TAG}' for k in ('cli', 'fw', 'srv')}

AGENT = r'''
import socket, sys, threading
def serve(s):
    while True:
        c, _ = s.accept()
        with c:
            c.settimeout(5)
            try:
                d = c.recv(100)
                c.sendall(b"pong:" + d)
            except OSError:
                pass
for line in sys.stdin:
    w = line.split()
    try:
        if w[0] == "listen":
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((w[1], int(w[2])))
            s.listen(8)
            threading.Thread(target=serve, args=(s,), daemon=True).start()
            print("listening", w[2], flush=True)
        elif w[0] == "echo":  # echo HOST PORT [SRC]
            c = socket.socket()
            c.settimeout(5)
            if len(w) > 3:
                c.bind((w[3], 0))
            c.connect((w[1], int(w[2])))
            c.sendall(b"ping")
            d = c.recv(100)
            c.close()
            print("ok" if d == b"pong:ping" else "bad %r" % d, flush=True)
        elif w[0] == "try":  # try HOST PORT SECONDS: a connection expected to fail
            c = socket.socket()
            c.settimeout(float(w[3]))
            try:
                c.connect((w[1], int(w[2])))
                print("connected", flush=True)
            except ConnectionRefusedError:
                print("refused", flush=True)
            except socket.timeout:
                print("timeout", flush=True)
            c.close()
        elif w[0] == "quit":
            break
    except OSError as e:
        print("error", e, flush=True)
'''

RUNNING = '''
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "fw-m" oifname "fw-l" ip saddr 10.10.0.2 ip daddr 10.20.0.2 tcp dport { 22, 8081, 8082 } accept
  }
}
'''

GIVEN = '''table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "fw-m" oifname "fw-l" ip saddr 10.10.0.2 ip daddr 10.20.0.2 tcp dport 22 accept
  }
}
'''


def skip(why):
    print('SKIP:', why)
    sys.exit(77)


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=30, **kw).stdout


def nsx(ns, *args, **kw):
    return sh('ip', 'netns', 'exec', NS[ns], *args, **kw)


def mac_of(ns, dev):
    return json.loads(sh('ip', '-n', NS[ns], '-j', 'link', 'show', dev))[0]['address']


class Proc:
    """A process whose stdout is read line by line, with a bounded wait."""

    def __init__(self, args, stdin=False):
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def line(self, seconds=10):
        import select
        r, _, _ = select.select([self.p.stdout], [], [], seconds)
        if not r:
            raise SystemExit(f'FAIL: no answer within {seconds}s from {self.p.args}')
        return self.p.stdout.readline().strip()

    def ask(self, cmd, seconds=10):
        self.p.stdin.write(cmd + '\n')
        self.p.stdin.flush()
        return self.line(seconds)


DUMPS = []  # captures to show when the test fails


def fail(msg):
    print('FAIL:', msg)
    for path in DUMPS:
        if shutil.which('tcpdump') and os.path.exists(path):
            print(f'--- {path}')
            print(subprocess.run(['tcpdump', '-nn', '-e', '-tt', '-r', path], capture_output=True, text=True).stdout)
    sys.exit(1)


def main():
    if os.geteuid() != 0:
        skip('needs root (network namespaces, packet capture, nftables)')
    for tool in ('ip', 'nft'):
        if not shutil.which(tool):
            skip(f'no {tool}')
    if not os.access(HELPER, os.X_OK):
        skip(f'capture helper {HELPER} not built')
    tmp = tempfile.mkdtemp(prefix='sanso-reconcile.')
    procs = []
    try:
        try:
            sh('ip', 'netns', 'add', NS['cli'])
        except subprocess.CalledProcessError as e:
            skip(f'ip netns add failed: {e.stderr.strip()}')
        sh('ip', 'netns', 'add', NS['fw'])
        sh('ip', 'netns', 'add', NS['srv'])
        for ns in NS:
            nsx(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1',
                'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0')
            sh('ip', '-n', NS[ns], 'link', 'set', 'lo', 'up')
        nsx('fw', 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
        sh('ip', '-n', NS['cli'], 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'fw-m', 'netns', NS['fw'])
        sh('ip', '-n', NS['srv'], 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'fw-l', 'netns', NS['fw'])
        sh('ip', '-n', NS['cli'], 'link', 'add', 'cab-c', 'type', 'veth', 'peer', 'name', 'cab-s', 'netns', NS['srv'])
        for ns, dev, addr in (('cli', 'eth0', '10.10.0.2/24'), ('cli', 'cab-c', '10.10.0.3/32'),
                              ('fw', 'fw-m', '10.10.0.1/24'), ('fw', 'fw-l', '10.20.0.1/24'),
                              ('srv', 'eth0', '10.20.0.2/24'), ('srv', 'cab-s', '10.20.0.3/32')):
            sh('ip', '-n', NS[ns], 'addr', 'add', addr, 'dev', dev)
            sh('ip', '-n', NS[ns], 'link', 'set', dev, 'up')
        sh('ip', '-n', NS['cli'], 'route', 'add', 'default', 'via', '10.10.0.1')
        sh('ip', '-n', NS['srv'], 'route', 'add', 'default', 'via', '10.20.0.1')
        sh('ip', '-n', NS['cli'], 'route', 'add', '10.20.0.3/32', 'dev', 'cab-c', 'src', '10.10.0.3')
        sh('ip', '-n', NS['srv'], 'route', 'add', '10.10.0.3/32', 'dev', 'cab-s', 'src', '10.20.0.3')
        nsx('fw', 'nft', '-f', '-', input=RUNNING)
        given = os.path.join(tmp, 'given.nft')
        with open(given, 'w') as f:
            f.write(GIVEN)

        macs = {k: mac_of(*k) for k in (('cli', 'eth0'), ('cli', 'cab-c'), ('srv', 'eth0'), ('srv', 'cab-s'),
                                        ('fw', 'fw-m'), ('fw', 'fw-l'))}
        site = os.path.join(tmp, 'site.yaml')
        with open(site, 'w') as f:
            f.write(f'''# generated by tests/e2e/reconcile-live.py: its namespaces' real MACs
site: e2e reconciliation
model: alpha
zones:
  - {{ name: mynumber, kind: mynumber, segments: [ {{ cidr: 10.10.0.0/24 }} ] }}
  - {{ name: lgwan, kind: lgwan, segments: [ {{ cidr: 10.20.0.0/24 }} ] }}
hosts:
  - {{ name: mn-pc, zone: mynumber, mac: "{macs[('cli', 'eth0')]}", ip: 10.10.0.2, role: terminal }}
  - {{ name: lg-srv, zone: lgwan, mac: "{macs[('srv', 'eth0')]}", ip: 10.20.0.2, role: server }}
  - {{ name: mn-pc-cable, zone: mynumber, mac: "{macs[('cli', 'cab-c')]}", ip: 10.10.0.3, role: terminal }}
  - {{ name: lg-srv-cable, zone: lgwan, mac: "{macs[('srv', 'cab-s')]}", ip: 10.20.0.3, role: server }}
  - {{ name: fw, zone: mynumber, mac: [ "{macs[('fw', 'fw-m')]}", "{macs[('fw', 'fw-l')]}" ], ip: [ 10.10.0.1, 10.20.0.1 ], role: gateway }}
flows:
  - {{ name: ex-ssh, kind: exception, from: {{ host: mn-pc }}, to: {{ host: lg-srv }}, proto: tcp, ports: [ 22 ], approval: "e2e" }}
  - {{ name: ex-app, kind: exception, from: {{ host: mn-pc }}, to: {{ host: lg-srv }}, proto: tcp, ports: [ 8081, 8082 ], approval: "e2e" }}
  - {{ name: ex-backup, kind: exception, from: {{ host: mn-pc }}, to: {{ host: lg-srv }}, proto: tcp, ports: [ 873 ], approval: "e2e" }}
firewalls:
  - name: fw
    host: fw
    interfaces:
      - {{ name: fw-m, faces: [ mynumber ] }}
      - {{ name: fw-l, faces: [ lgwan ] }}
    ruleset: {{ format: nft, path: given.nft }}
''')
        # both legs of the router in one capture (`any`: Linux cooked
        # headers with each frame's sender MAC), the cable in another
        caps = {}
        for ns, dev in (('fw', 'any'), ('cli', 'cab-c')):
            caps[dev] = os.path.join(tmp, f'{dev}.pcap')
            p = Proc(['timeout', '60', 'ip', 'netns', 'exec', NS[ns], HELPER, dev, caps[dev]])
            procs.append(p)
            if p.line() != 'ready':
                fail(f'capture on {dev} did not start: {p.p.stderr.read()}')
        # sanso monitor on both legs, live, beside the captures
        mon_out = os.path.join(tmp, 'monitor.jsonl')
        mon = Proc(WRAP + ['ip', 'netns', 'exec', NS['fw'], SANSO, 'monitor', '-t', site, '-i', 'fw-m', '-i', 'fw-l',
                           '--immediate', '--format', 'json', '--stats-interval', '0', '--repeat-window', '0'])
        procs.append(mon)
        first = mon.line(30)
        if not first.startswith('{') or json.loads(first).get('type') != 'start':
            fail(f'sanso monitor did not start: {first!r} {mon.p.stderr.read() if mon.p.poll() is not None else ""}')
        srv = Proc(['ip', 'netns', 'exec', NS['srv'], sys.executable, '-u', '-c', AGENT], stdin=True)
        cli = Proc(['ip', 'netns', 'exec', NS['cli'], sys.executable, '-u', '-c', AGENT], stdin=True)
        procs += [srv, cli]
        for addr, port in (('10.20.0.2', 22), ('10.20.0.2', 8081), ('10.20.0.3', 8080)):
            if srv.ask(f'listen {addr} {port}') != f'listening {port}':
                fail(f'listen {port}')
        steps = [('echo 10.20.0.2 22', 'ok'), ('echo 10.20.0.2 8081', 'ok'), ('try 10.20.0.2 8082 5', 'refused'),
                 ('try 10.20.0.2 9090 1', 'timeout'), ('echo 10.20.0.3 8080 10.10.0.3', 'ok')]
        for cmd, want in steps:
            got = cli.ask(cmd)
            print(f'{cmd}: {got}')
            if got != want:
                fail(f'{cmd}: expected {want}, got {got} (the namespaces did not behave as built)')
        for p in procs[:2]:
            p.p.terminate()
            if p.p.wait(timeout=10) != 0:
                fail(f'capture failed: {p.p.stderr.read()}')
        # SIGHUP: the topology again, the same rulesets bound to it
        import signal
        seen = [first]
        mon.p.send_signal(signal.SIGHUP)
        while True:
            line = mon.line(15)
            seen.append(line)
            if line.startswith('{') and json.loads(line).get('type') == 'reload':
                if not json.loads(line).get('ok'):
                    fail(f'sanso monitor refused the reload: {line}')
                break
        first = '\n'.join(seen)
        mon.p.terminate()
        rest, _ = mon.p.communicate(timeout=30)
        if mon.p.returncode != 0:
            fail(f'sanso monitor exit {mon.p.returncode}: {mon.p.stderr.read() if mon.p.stderr else ""}')
        records = [json.loads(l) for l in (first + '\n' + rest).splitlines() if l.strip()]
        with open(mon_out, 'w') as f:
            f.write('\n'.join(json.dumps(r) for r in records))

        reads = [a for d in ('any', 'cab-c') for a in ('-r', caps[d])]
        DUMPS.extend(caps.values())

        def audit(*extra):
            r = subprocess.run(WRAP + [SANSO, 'audit', '-t', site, *reads, '--format', 'json', *extra],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 1:
                fail(f'audit {extra}: exit {r.returncode}, expected 1\n{r.stderr}')
            lines = [json.loads(l) for l in r.stdout.splitlines()]
            return [o for o in lines if o['type'] == 'finding'], lines[-1]

        def port_of(f):
            return f['dst']['port'] if f.get('dst') else None

        findings, summary = audit()
        for f in findings:
            print(f"  {f['check']:24} {f.get('src') and f['src']['ip']} -> {port_of(f)} "
                  f"{f.get('route', '')} {f.get('ruleset_verdict', {}).get('verdict', '')}")
        by = {}
        for f in findings:
            by.setdefault(f['check'], []).append(f)
        bypass = sorted(by.get('FIREWALL-BYPASS', []), key=port_of)
        if [(port_of(f), f['route'], f['ruleset_verdict']['verdict']) for f in bypass] != \
           [(8080, 'around', 'drop'), (8081, 'through', 'drop')]:
            fail(f'FIREWALL-BYPASS: {bypass}')
        if bypass[0]['src']['ip'] != '10.10.0.3' or bypass[1]['src']['ip'] != '10.10.0.2':
            fail('FIREWALL-BYPASS: wrong connections')
        if bypass[1]['ruleset_verdict']['rule']['text'] != 'policy drop':
            fail(f"the deciding rule of 8081: {bypass[1]['ruleset_verdict']['rule']}")
        att = by.get('FIREWALL-ATTEMPT-PASSED', [])
        if [port_of(f) for f in att] != [8082] or att[0]['established']:
            fail(f'FIREWALL-ATTEMPT-PASSED: {att}')
        unused = by.get('FLOW-UNUSED', [])
        if [f['flow'] for f in unused] != ['ex-backup']:
            fail(f'FLOW-UNUSED: {unused}')
        if any(port_of(f) == 22 for f in findings):
            fail('a finding for the permitted, accepted tcp/22 connection')
        iso = [(port_of(f), f['established'], f['ruleset_verdict']['verdict']) for f in by.get('MYNUMBER-ISOLATION', [])]
        if iso != [(8080, True, 'drop')]:
            fail(f'MYNUMBER-ISOLATION (the cable): {iso}')
        mis = [(port_of(f), f['established'], f['ruleset_verdict']['verdict']) for f in by.get('EXCEPTION-MISMATCH', [])]
        if mis != [(9090, False, 'drop')]:
            fail(f'EXCEPTION-MISMATCH (tcp/9090, dropped by both rulesets): {mis}')
        if set(by) != {'FIREWALL-BYPASS', 'FIREWALL-ATTEMPT-PASSED', 'FLOW-UNUSED', 'MYNUMBER-ISOLATION',
                       'EXCEPTION-MISMATCH'}:
            fail(f'unexpected checks: {sorted(by)}')
        usage = summary.get('rulesets')
        if not usage or usage[0]['firewall'] != 'fw' or usage[0]['connections'] != 5:
            fail(f'summary.rulesets: {usage}')
        rules = {r['text']: r for r in usage[0]['rules']}
        accept22 = [r for t, r in rules.items() if 'dport 22 accept' in t]
        if len(accept22) != 1 or accept22[0]['connections'] != 1 or accept22[0]['forbidden'] != 0:
            fail(f'the tcp/22 rule in summary.rulesets: {accept22}')
        if rules['policy drop']['connections'] != 4 or rules['policy drop']['forbidden'] != 2:
            fail(f"the policy in summary.rulesets: {rules['policy drop']}")
        if not any(i['kind'] == 'ruleset' and i['path'].endswith('given.nft') for i in summary['inputs']):
            fail(f"the ruleset is not among the inputs: {summary['inputs']}")

        # the kernel's own ruleset: only the cable remains
        findings, summary = audit('--live', f"fw@{NS['fw']}")
        fw_checks = sorted((f['check'], port_of(f), f.get('route')) for f in findings if f['check'].startswith('FIREWALL'))
        if fw_checks != [('FIREWALL-BYPASS', 8080, 'around')]:
            fail(f'against the running ruleset (the kernel), sanso disagrees with the kernel: {fw_checks}')
        verdicts = {port_of(f): f['ruleset_verdict']['verdict'] for f in findings if 'ruleset_verdict' in f}
        if verdicts.get(9090) != 'drop':
            fail(f'tcp/9090 against the running ruleset: {verdicts}')
        print('against the running ruleset: the kernel and sanso agree on every connection through fw')

        findings, summary = audit('--no-rulesets')
        if any(f['check'].startswith('FIREWALL') or 'ruleset_verdict' in f for f in findings) or 'rulesets' in summary:
            fail('--no-rulesets still reconciled')
        if [f['flow'] for f in findings if f['check'] == 'FLOW-UNUSED'] != ['ex-backup']:
            fail('--no-rulesets: FLOW-UNUSED')

        # the monitor, live on both legs: the same disagreements as they happen
        mf = [r for r in records if r.get('type') == 'finding']
        got = sorted((r['check'], r['dst']['port'], r.get('route')) for r in mf if r['check'].startswith('FIREWALL'))
        if got != [('FIREWALL-ATTEMPT-PASSED', 8082, None), ('FIREWALL-BYPASS', 8081, 'through')]:
            fail(f'sanso monitor: FIREWALL-* findings {got}')
        v9090 = [r.get('ruleset_verdict', {}).get('verdict') for r in mf if r['dst']['port'] == 9090]
        if v9090 != ['drop'] or any(r['dst']['port'] == 22 for r in mf):
            fail(f'sanso monitor: tcp/9090 verdicts {v9090}, or a finding for tcp/22')
        print('sanso monitor: FIREWALL-BYPASS 8081 and FIREWALL-ATTEMPT-PASSED 8082, live')

        # one type per field, across the audit's and the monitor's records
        # (tests/e2e/json-schema.py: what a SIEM needs)
        import importlib.util
        spec = importlib.util.spec_from_file_location('json_schema', os.path.join(os.path.dirname(__file__),
                                                                                  'json-schema.py'))
        js = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(js)
        r = subprocess.run(WRAP + [SANSO, 'audit', '-t', site, *reads, '--format', 'json'], capture_output=True,
                           text=True, timeout=120)
        types = {}
        try:
            js.check([json.loads(l) for l in r.stdout.splitlines()], 'audit with rulesets', types)
            js.check(records, 'monitor with rulesets', types)
        except js.Bad as e:
            fail(f'JSON types: {e}')

        for lang in ('en', 'ja'):
            r = subprocess.run(WRAP + [SANSO, 'audit', '-t', site, *reads, '--lang', lang], capture_output=True,
                               text=True, timeout=120)
            want = 'ファイアウォールを迂回' if lang == 'ja' else 'went around the firewall'
            if r.returncode != 1 or want not in r.stdout or 'FIREWALL-ATTEMPT-PASSED' not in r.stdout:
                fail(f'text report ({lang}): exit {r.returncode}\n{r.stdout}\n{r.stderr}')
        print('PASS')
    finally:
        for p in procs:
            if p.p.poll() is None:
                p.p.kill()
                p.p.wait()
        for ns in NS.values():
            subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)
        if os.environ.get('KEEP'):
            print('kept', tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
