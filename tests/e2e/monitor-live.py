#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""monitor-live.py SANSO MODE — `sanso monitor` on a real span port.

Four namespaces: three hosts on one bridge, and the bridge's namespace,
where every frame entering a bridge port is mirrored (tc mirred) to a veth
pair: a span port.  Ports pa and pc are mirrored to span0 → span1, port pb to
span2 → span3 (a second span port: a connection of lg-srv-01 is seen half on
each, as with asymmetric mirroring).  sanso monitors span1 (and span3).

  mn-pc-01   10.10.1.1  (mynumber) ── pa ┐                ┌─> span0 ═ span1 <- sanso monitor
  lg-srv-01  10.20.0.2  (lgwan)    ── pb ├ br0 ── mirror ─┤
  inet-pc-01 10.30.0.5  (internet) ── pc ┘                └─> span2 ═ span3 <- (main mode)

MODE
  main        an allowed flow (lg-srv-01 → inet-pc-01 tcp/3389, declared) and a
              forbidden one (mn-pc-01 → inet-pc-01 tcp/443): the forbidden one is
              reported within a second while still open, once; repeats are
              folded; SIGHUP with the declaration removed makes the next 3389
              connection a finding; SIGTERM gives finding_end records, the summary
              and exit 0.  Also: the start record (TPACKET_V3), capabilities
              (CAP_NET_RAW only), no listening socket, the syslog messages
              (RFC 5424 on a unix socket) and the evidence pcap.
  bad-reload  run as -Z nobody; SIGHUP with a broken topology is refused with
              file:line:column and the old topology keeps judging.
  lost        the span port goes down (a warning) and up again (monitoring
              resumes), then disappears: exit 3 with the interface named, and
              the summary still written.

Needs root, `ip netns` and tc; otherwise exits 77 (skipped).  Every wait is
bounded and waits for a line, never for a fixed time.
"""
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

WAIT = 10.0          # seconds, for any expected line
REPORT_BOUND = 1.0   # a forbidden connection is reported within this of its first packet
# `meson test --setup valgrind` (meson.build): its valgrind command goes
# before sanso (split at blanks), and under it the waits and the report
# bound stretch by SANSO_TEST_TIME_SCALE — the bound then says only that
# the finding comes soon, not within a second.
WRAPPER = os.environ.get("SANSO_WRAPPER", "").split()
TIME_SCALE = float(os.environ.get("SANSO_TEST_TIME_SCALE", "1"))
WAIT *= TIME_SCALE
REPORT_BOUND *= TIME_SCALE

sanso = os.path.abspath(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "main"
here = os.path.dirname(os.path.abspath(__file__))
agent_py = os.path.join(here, "netns-agent.py")
HERE = here
SENSOR = "庁舎3F-span"  # a sensor name as operators write them


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


current = []  # the running monitor, for the records shown on failure


def fail(why):
    for m in current:
        print("monitor records so far:")
        for r in m.records[-40:]:
            print("  ", json.dumps({k: v for k, v in r.items() if k != "_read_at"}, ensure_ascii=False)[:400])
    print("FAIL:", why)
    sys.exit(1)


def mode_usage():
    """Bad usage and bad input exit 2 with a message, before capturing anything."""
    site = os.path.join(os.environ.get("SANSO_SOURCE_ROOT", os.path.join(here, "..", "..")), "docs", "examples",
                        "site.yaml")
    cases = [
        (["-t", site], "no interface given"),
        (["-i", "lo"], "topology is required"),
        (["-t", site, "-i", "lo", "--format", "html"], "--format text or json"),
        (["-t", site, "-i", "lo", "-r", "x.pcap"], "-r is for sanso audit"),
        (["-t", site, "-i", "lo", "--no-rulesets", "--ruleset", "core-fw=x.json"], "which is it"),
        (["-t", site, "-i", "lo", "--ruleset", "no-such-fw=x.json"], "no firewall named 'no-such-fw'"),
        (["-t", site, "-i", "lo", "--buffer-size", "lots"], "--buffer-size needs a size"),
        (["-t", site, "-i", "lo", "--syslog-facility", "local9", "--syslog", "local"], "unknown --syslog-facility"),
        (["-t", site, "-i", "lo", "--stats-interval", "-1"], "--stats-interval needs seconds"),
        (["-t", site, "-i", "lo", "-i", "lo"], "given twice"),
        (["-t", site, "-i", "sanso-no-such-if0"], "sanso-no-such-if0"),
        (["-t", site, "-i", "lo", "-f", "tcp port"], "filter"),
        (["-t", site, "-i", "lo", "-Z", "sanso-no-such-user"], "sanso-no-such-user"),
        (["-t", site, "-i", "lo", "--syslog", "tcp:example"], "tcp:example"),
        (["-t", site, "-i", "lo", "--evidence", "/nonexistent-dir/ev.pcap"], "/nonexistent-dir"),
        (["-t", os.path.join(here, "..", "data", "e2e", "bad-topology-key.yaml"), "-i", "lo"], "bad-topology-key.yaml:"),
    ]
    for args, want in cases:
        if os.geteuid() != 0 and want in ("sanso-no-such-if0", "filter", "sanso-no-such-user", "tcp:example",
                                          "/nonexistent-dir", "given twice"):
            continue  # these get as far as opening the capture, which needs root
        r = subprocess.run(WRAPPER + [sanso, "monitor"] + args, capture_output=True, text=True, timeout=WAIT,
                           stdin=subprocess.DEVNULL)
        check(r.returncode == 2, "%s: exit %d, expected 2 (stderr %r)" % (args, r.returncode, r.stderr))
        check(want in r.stderr, "%s: stderr %r lacks %r" % (args, r.stderr, want))
        check(r.stdout == "", "%s: wrote to stdout: %r" % (args, r.stdout))
        print("ok: %s -> %s" % (" ".join(args[2:]) or " ".join(args), r.stderr.strip().splitlines()[0]))
    print("PASS")


if os.geteuid() != 0 and mode != "usage":
    skip("needs root (network namespaces, packet capture)")
if not shutil.which("ip") or not shutil.which("tc"):
    skip("needs ip(8) and tc(8)")

tag = "%d" % os.getpid()
NS = {"a": "sanso-mon-a-" + tag, "b": "sanso-mon-b-" + tag, "c": "sanso-mon-c-" + tag, "br": "sanso-mon-br-" + tag}
tmp = tempfile.mkdtemp(prefix="sanso-monitor.")
procs = []


def sh(*args, check=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode != 0:
        fail("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in NS.values():
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    if os.environ.get("KEEP"):
        print("kept", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def build_network():
    r = subprocess.run(["ip", "netns", "add", NS["br"]], capture_output=True, text=True)
    if r.returncode != 0:
        skip("ip netns add failed: " + r.stderr.strip())
    for k in ("a", "b", "c"):
        sh("ip", "netns", "add", NS[k])
    for ns in NS.values():
        # IPv6 off: no router/neighbour solicitations, only the test's traffic
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    br = NS["br"]
    sh("ip", "-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0")
    sh("ip", "-n", br, "link", "set", "br0", "up")
    for a, b in (("span0", "span1"), ("span2", "span3")):
        sh("ip", "-n", br, "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "-n", br, "link", "set", a, "up")
        sh("ip", "-n", br, "link", "set", b, "up")
    addrs = {"a": "10.10.1.1", "b": "10.20.0.2", "c": "10.30.0.5"}
    mirrored = True
    for k in ("a", "b", "c"):
        port = "p" + k
        sh("ip", "-n", NS[k], "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", br)
        sh("ip", "-n", br, "link", "set", port, "master", "br0")
        sh("ip", "-n", br, "link", "set", port, "up")
        sh("ip", "-n", NS[k], "link", "set", "eth0", "up")
        sh("ip", "-n", NS[k], "addr", "add", addrs[k] + "/8", "dev", "eth0")
        # the span: every frame entering the bridge through this port, copied out of span0 (span2)
        if sh("tc", "-n", br, "qdisc", "add", "dev", port, "clsact", check=False).returncode != 0 or \
           sh("tc", "-n", br, "filter", "add", "dev", port, "ingress", "u32", "match", "u32", "0", "0",
              "action", "mirred", "egress", "mirror", "dev", "span2" if k == "b" else "span0",
              check=False).returncode != 0:
            mirrored = False
    if not mirrored:
        skip("the kernel has no tc u32/mirred to build a span port")


def mac_of(ns, dev):
    out = sh("ip", "-n", ns, "-o", "link", "show", dev).stdout
    return re.search(r"link/ether ([0-9a-f:]+)", out).group(1)


def write_topology(path, with_vb):
    flows = ""
    if with_vb:
        flows = """flows:
  - { name: virtual-browser, kind: screen-transfer, from: { host: lg-srv-01 }, to: { host: inet-pc-01 }, proto: tcp, ports: [ 3389 ] }
"""
    with open(path + ".new", "w") as f:
        f.write("""# Generated by tests/e2e/monitor-live.py
site: e2e monitor
model: alpha
zones:
  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 } ] }
  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }
  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }
hosts:
  - { name: mn-pc-01, zone: mynumber, mac: "%s", ip: 10.10.1.1, role: terminal }
  - { name: lg-srv-01, zone: lgwan, mac: "%s", ip: 10.20.0.2, role: server }
  - { name: inet-pc-01, zone: internet, mac: "%s", ip: 10.30.0.5, role: terminal }
%s""" % (mac_of(NS["a"], "eth0"), mac_of(NS["b"], "eth0"), mac_of(NS["c"], "eth0"), flows))
    os.chmod(path + ".new", 0o644)
    os.rename(path + ".new", path)  # the monitor never reads half a file


class Lines:
    """A process's stdout, line by line, with bounded waits."""

    def __init__(self, proc, name):
        self.q = queue.Queue()
        self.name = name
        self.all = []
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

    def _pump(self, f):
        for line in f:
            self.q.put((time.time(), line.rstrip("\n")))
        self.q.put((time.time(), None))

    def next(self, timeout=WAIT):
        try:
            t, line = self.q.get(timeout=timeout)
        except queue.Empty:
            fail("%s: no line within %.0fs" % (self.name, timeout))
        if line is not None:
            self.all.append(line)
        return t, line


class Agent:
    def __init__(self, ns, name):
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-u", agent_py], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        procs.append(self.p)
        self.out = Lines(self.p, name)
        self.name = name

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        _, answer = self.out.next()
        if answer is None or answer.startswith("error"):
            fail("%s: %s -> %s" % (self.name, line, answer))
        return answer.split()


class Monitor:
    def __init__(self, topo, *extra):
        self.err = open(os.path.join(tmp, "monitor.err"), "w+")
        args = ["ip", "netns", "exec", NS["br"]] + WRAPPER + [
            sanso, "monitor", "-t", topo, "-i", "span1", "--format", "json", "--stats-interval", "1"] + list(extra)
        print("+", " ".join(args))
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err, text=True)
        procs.append(self.p)
        self.out = Lines(self.p, "monitor")
        self.records = []
        current[:] = [self]
        start = self.wait("start")
        # the ring the kernel mapped, not just the size asked for (issue 18)
        for it in start["interfaces"]:
            check(isinstance(it.get("ring_bytes"), int) and it["ring_bytes"] >= it["buffer_bytes"] > 0,
                  "start record: ring_bytes %r for buffer_bytes %r" % (it.get("ring_bytes"), it.get("buffer_bytes")))
        import hashlib
        with open(topo, "rb") as fh:
            check(start.get("topology_sha256") == hashlib.sha256(fh.read()).hexdigest(),
                  "start record: topology_sha256 %r" % start.get("topology_sha256"))
        check(isinstance(start.get("user"), str) and isinstance(start.get("uid"), int),
              "start record: user %r (a string), uid %r" % (start.get("user"), start.get("uid")))
        self.start = start
        self.pid = start["pid"]

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def wait(self, want, pred=lambda r: True, timeout=WAIT, forbid=None):
        """The next record of type `want` satisfying pred; fails on a `forbid`-matching record before it."""
        deadline = time.time() + timeout
        while True:
            t, line = self.out.next(max(0.1, deadline - time.time()))
            if line is None:
                fail("monitor ended (status %s) while waiting for %s; stderr:\n%s" % (self.p.wait(), want, self.stderr()))
            try:
                r = json.loads(line)
            except ValueError:
                fail("not JSON: %r" % line)
            r["_read_at"] = t
            self.records.append(r)
            if forbid and forbid(r):
                fail("unexpected record before %s: %s" % (want, line))
            if r["type"] == want and pred(r):
                return r
            if time.time() > deadline:
                fail("no %s record within %.0fs" % (want, timeout))

    def signal(self, sig):
        os.kill(self.pid, sig)

    def finish(self, timeout=WAIT):
        """Reads to the end; returns (status, records)."""
        while True:
            t, line = self.out.next(timeout)
            if line is None:
                break
            r = json.loads(line)
            r["_read_at"] = t
            self.records.append(r)
        try:
            status = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            fail("monitor did not exit")
        return status, self.records


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def is_finding(check=None, dport=None, sport=None):
    return lambda r: r["type"] == "finding" and (check is None or r["check"] == check) and \
        (dport is None or r["dst"]["port"] == dport) and (sport is None or r["src"]["port"] == sport)


def check(cond, why):
    if not cond:
        fail(why)


def parse_syslog(data):
    m = re.match(r'<(\d+)>1 (\S+) (\S+) (\S+) (\d+) (\S+) (-|\[.*\]) ?(.*)$', data, re.S)
    check(m, "not an RFC 5424 message: %r" % data)
    pri, ts, host, app, procid, msgid, sd, msg = m.groups()
    params = dict(re.findall(r'(\w+)="((?:[^"\\\]]|\\.)*)"', sd))
    return {"pri": int(pri), "ts": ts, "app": app, "procid": int(procid), "msgid": msgid, "sd": params,
            "msg": msg.lstrip("\ufeff")}


def mode_main():
    topo = os.path.join(tmp, "site.yaml")
    write_topology(topo, with_vb=True)
    sock_path = os.path.join(tmp, "syslog.sock")
    sl = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sl.bind(sock_path)
    sl.settimeout(WAIT)
    evdir = os.path.join(tmp, "evidence")
    os.mkdir(evdir)

    a, b, c = Agent(NS["a"], "mn-pc-01"), Agent(NS["b"], "lg-srv-01"), Agent(NS["c"], "inet-pc-01")
    c.cmd("listen 443")
    c.cmd("listen 3389")
    mon = Monitor(topo, "-i", "span3", "--syslog", "unix:" + sock_path, "--evidence", os.path.join(evdir, "ev.pcap"),
                  "--sensor", SENSOR)

    ifs = mon.start["interfaces"]
    check([i["name"] for i in ifs] == ["span1", "span3"] and all(i["ring"] == "tpacket_v3" for i in ifs),
          "start record: expected span1 and span3 on tpacket_v3, got %s" % ifs)
    st = proc_status(mon.pid)
    check(int(st["CapEff"], 16) == 1 << 13 and int(st["CapPrm"], 16) == 1 << 13,
          "capabilities after start: CapEff %s CapPrm %s, expected CAP_NET_RAW only" % (st["CapEff"], st["CapPrm"]))
    check(st["NoNewPrivs"].strip() == "1", "NoNewPrivs not set")
    ss = sh("ip", "netns", "exec", NS["br"], "ss", "-H", "-lnp", "-A", "inet").stdout
    check("sanso" not in ss, "sanso listens on the network:\n" + ss)

    # allowed first (declared), then forbidden: the forbidden finding comes
    # after every record of the allowed one's packets
    allowed = b.cmd("connect vb1 10.30.0.5 3389")
    b.cmd("close vb1")
    conn = a.cmd("connect f1 10.30.0.5 443")
    t0, lport = float(conn[2]), int(conn[3])
    f = mon.wait("finding", is_finding("MYNUMBER-INTERNET", 443),
                 forbid=lambda r: r["type"] == "finding" and r["dst"]["port"] == 3389)
    delay = f["_read_at"] - t0
    print("forbidden connection reported %.3fs after connect()" % delay)
    check(delay < REPORT_BOUND, "reported %.3fs after its first packet (bound %.1fs)" % (delay, REPORT_BOUND))
    check(f["state"] == "open" and f["src"]["ip"] == "10.10.1.1" and f["src"]["port"] == lport and
          f["dst"]["ip"] == "10.30.0.5" and f["src"]["host"] == "mn-pc-01" and f["capture"] == "span1" and
          f["initiator"] == "syn" and f["severity"] == "critical",
          "finding fields: %s" % f)
    first_id = f["id"]

    # the same connection again and again: folded, not a flood
    for i in range(3):
        a.cmd("connect r%d 10.30.0.5 443" % i)
        a.cmd("close r%d" % i)
    # a stats record after those packets: none of them may have become a finding
    mon.wait("stats", lambda r: r["packets_read"] > 0, forbid=is_finding("MYNUMBER-INTERNET"))
    mon.wait("stats", forbid=is_finding("MYNUMBER-INTERNET"))

    # SIGHUP with the declaration removed: the next 3389 connection is forbidden
    write_topology(topo, with_vb=False)
    mon.signal(signal.SIGHUP)
    r = mon.wait("reload")
    check(r["ok"] is True, "reload refused: %s" % r)
    vb2 = b.cmd("connect vb2 10.30.0.5 3389")
    f2 = mon.wait("finding", is_finding("LGWAN-INTERNET", 3389, int(vb2[3])))
    # seen half on each span port: whichever ring hands its packet over
    # first opens the flow (the SYN-ACK on span1 may come before the SYN on
    # span3), and the initiator is lg-srv-01 either way
    check(f2["src"]["host"] == "lg-srv-01" and f2["dst"]["port"] == 3389 and f2["state"] == "open" and
          f2["capture"] in ("span1", "span3"), "finding after reload: %s" % f2)
    b.cmd("close vb2")

    # syslog: the finding as RFC 5424 with its fields in structured data
    got = []
    while True:
        msg = parse_syslog(sl.recv(65536).decode("utf-8"))
        got.append(msg)
        if msg["msgid"] == "finding" and msg["sd"].get("check") == "MYNUMBER-INTERNET":
            break
    check(msg["pri"] == 3 * 8 + 2 and msg["app"] == "sanso" and msg["procid"] == mon.pid and
          msg["sd"]["src"] == "10.10.1.1" and msg["sd"]["dport"] == "443" and msg["sd"]["id"] == str(first_id),
          "syslog finding: %s" % msg)

    mon.signal(signal.SIGTERM)
    status, recs = mon.finish()
    check(status == 0, "exit status %d after SIGTERM; stderr:\n%s" % (status, mon.stderr()))
    findings = [r for r in recs if r["type"] == "finding"]
    check(sorted((x["check"], x["dst"]["port"]) for x in findings) == [("LGWAN-INTERNET", 3389),
                                                                        ("MYNUMBER-INTERNET", 443)],
          "findings: %s" % [(x["check"], x["dst"]["port"]) for x in findings])
    ends = {r["id"]: r for r in recs if r["type"] == "finding_end"}
    check(first_id in ends, "no finding_end for #%d" % first_id)
    e = ends[first_id]
    check(e["packets"]["src_to_dst"] >= 3 and e["packets"]["dst_to_src"] >= 2 and e["established"] and
          e["bytes"]["dst_to_src"] > 0, "finding_end counters: %s" % e)
    reps = [r for r in recs if r["type"] == "repeat"]
    check(len(reps) == 1 and reps[0]["id"] == first_id and reps[0]["count"] == 3,
          "repeat records: %s" % reps)
    summ = recs[-1]
    check(summ["type"] == "summary", "last record is not the summary: %s" % summ)
    check(summ["findings"] == {"MYNUMBER-INTERNET": 4, "LGWAN-INTERNET": 1} and summ["packets_dropped"] == 0 and
          summ["repeats_folded"] == 3 and summ["reloads"] == 1,
          "summary: %s" % summ)
    stats = [r for r in recs if r["type"] == "stats"]
    check(stats and all(s["packets_dropped"] == 0 for s in stats), "stats records: %s" % stats[:1])

    # evidence: every packet of the flagged connections, none of the allowed one
    files = sorted(os.listdir(evdir))
    check(files == ["ev-span1-000001.pcap", "ev-span3-000001.pcap"], "evidence files: %s" % files)
    dump = [l for x in files for l in sh("tcpdump", "-nn", "-r", os.path.join(evdir, x)).stdout.splitlines()]
    allowed_port = int(allowed[3])
    check(all((".%d " % allowed_port) not in l and (".%d:" % allowed_port) not in l for l in dump),
          "the allowed connection's packets are in the evidence")
    ev_443 = [l for l in dump if "10.30.0.5.443" in l]
    # the reported connection's packets, and the folded repeats' (3 × at least 3)
    e_total = e["packets"]["src_to_dst"] + e["packets"]["dst_to_src"]
    check(len(ev_443) >= e_total + 9, "evidence has %d packets of tcp/443, the first connection alone %d" %
          (len(ev_443), e_total))
    # its packets on both span ports: the request half on span3, the replies on span1
    check(any("> 10.30.0.5.3389" in l for l in dump) and any("10.30.0.5.3389 >" in l for l in dump),
          "no evidence of both halves of the post-reload 3389 connection")
    print("evidence: %d packets" % len(dump))
    # a SIEM takes these as they are: one type per field, a timestamp and
    # the sensor on every record (tests/e2e/json-schema.py)
    import importlib.util
    spec = importlib.util.spec_from_file_location("json_schema", os.path.join(HERE, "json-schema.py"))
    js = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(js)
    try:
        js.check(recs, "monitor")
    except js.Bad as e:
        fail("monitor records: %s" % e)
    check(all(r.get("sensor") == SENSOR for r in recs), "sensor on every record: %s" %
          sorted({r.get("sensor") for r in recs}, key=str))
    print("PASS: %d records" % len(recs))


def mode_bad_reload():
    os.chmod(tmp, 0o755)  # nobody reads the topology on reload
    topo = os.path.join(tmp, "site.yaml")
    write_topology(topo, with_vb=True)
    a, c = Agent(NS["a"], "mn-pc-01"), Agent(NS["c"], "inet-pc-01")
    c.cmd("listen 443")
    mon = Monitor(topo, "-Z", "nobody")
    check(mon.start["user"] == "nobody", "start record user: %s" % mon.start["user"])
    st = proc_status(mon.pid)
    check(st["Uid"].split()[0] == str(65534) and int(st["CapEff"], 16) == 0,
          "after -Z nobody: Uid %s CapEff %s" % (st["Uid"], st["CapEff"]))

    with open(topo + ".new", "w") as f:
        f.write("site: broken\nmodel: alpha\nzones:\n  - { name: mynumber, kind: no-such-kind, segments: [] }\n")
    os.chmod(topo + ".new", 0o644)
    os.rename(topo + ".new", topo)
    mon.signal(signal.SIGHUP)
    r = mon.wait("reload")
    check(r["ok"] is False and r["site"] == "e2e monitor", "bad reload accepted: %s" % r)
    check(any(re.match(re.escape(topo) + r":\d+:\d+: error: ", e) for e in r["errors"]),
          "no file:line:column in %s" % r["errors"])
    check("refused" in mon.stderr(), "no message on stderr")
    # the old topology still judges
    a.cmd("connect f1 10.30.0.5 443")
    mon.wait("finding", is_finding("MYNUMBER-INTERNET", 443))
    a.cmd("close f1")
    mon.signal(signal.SIGINT)
    status, recs = mon.finish()
    check(status == 0, "exit status %d after SIGINT; stderr:\n%s" % (status, mon.stderr()))
    check(recs[-1]["type"] == "summary" and recs[-1]["reloads_refused"] == 1, "summary: %s" % recs[-1])
    print("PASS")


def mode_lost():
    topo = os.path.join(tmp, "site.yaml")
    write_topology(topo, with_vb=True)
    a, c = Agent(NS["a"], "mn-pc-01"), Agent(NS["c"], "inet-pc-01")
    c.cmd("listen 443")
    mon = Monitor(topo)
    # set down (a link loss): a warning, and monitoring resumes when it is up
    sh("ip", "-n", NS["br"], "link", "set", "span1", "down")
    mon.wait("warning", lambda r: r["code"] == "INTERFACE-DOWN" and r["interface"] == "span1")
    sh("ip", "-n", NS["br"], "link", "set", "span1", "up")
    a.cmd("connect f1 10.30.0.5 443")
    mon.wait("finding", is_finding("MYNUMBER-INTERNET", 443))
    check(any(r["type"] == "warning" and r["code"] == "INTERFACE-UP" for r in mon.records), "no INTERFACE-UP")
    # removed: the capture is lost for good
    sh("ip", "-n", NS["br"], "link", "del", "span0")  # takes span1 with it
    status, recs = mon.finish()
    check(status == 3, "exit status %d when the interface vanished (expected 3); stderr:\n%s" % (status, mon.stderr()))
    check("span1" in mon.stderr(), "stderr does not name the interface: %r" % mon.stderr())
    check(recs and recs[-1]["type"] == "summary", "no summary after the failure")
    print("PASS:", mon.stderr().strip())


def mode_lang_ja():
    # --lang ja words every record's message in Japanese: findings, their
    # end, a refused reload (issue 18)
    topo = os.path.join(tmp, "site.yaml")
    write_topology(topo, with_vb=True)
    a, c = Agent(NS["a"], "mn-pc-01"), Agent(NS["c"], "inet-pc-01")
    c.cmd("listen 443")
    mon = Monitor(topo, "--lang", "ja")
    a.cmd("connect f1 10.30.0.5 443")
    f = mon.wait("finding", is_finding("MYNUMBER-INTERNET", 443))
    a.cmd("close f1")
    with open(topo + ".new", "w") as fh:
        fh.write("site: broken\nmodel: alpha\nzones:\n  - { name: mynumber, kind: no-such-kind, segments: [] }\n")
    os.chmod(topo + ".new", 0o644)
    os.rename(topo + ".new", topo)
    mon.signal(signal.SIGHUP)
    r = mon.wait("reload")
    mon.signal(signal.SIGINT)
    status, recs = mon.finish()
    check(status == 0, "exit status %d; stderr:\n%s" % (status, mon.stderr()))
    ja = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
    check(ja.search(f["message"]), "finding message not Japanese: %s" % f["message"])
    check("使いません" in r["message"], "reload message not Japanese: %s" % r["message"])
    ends = [x for x in recs if x["type"] == "finding_end"]
    check(ends and all("終了" in x["message"] for x in ends), "finding_end messages: %s" % [x["message"] for x in ends])
    print("PASS")


if mode == "usage":
    try:
        mode_usage()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0)
try:
    build_network()
    {"main": mode_main, "bad-reload": mode_bad_reload, "lost": mode_lost, "lang-ja": mode_lang_ja}[mode]()
finally:
    cleanup()
