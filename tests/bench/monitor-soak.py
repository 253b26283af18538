#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""monitor-soak.py SANSO GEN-TRAFFIC — memory of `sanso monitor` over a long run.

Generates a large capture (tests/bench/gen-traffic.c: PACKETS frames over
CONCURRENT interleaved connections that keep being replaced by new ones, 1 in
100 forbidden), replays it with tcpreplay, in a loop, into one end of a veth
pair inside a network namespace created here, and runs `sanso monitor` on the
other end.  Every stats record (each second) the monitor's resident memory
is sampled; the run passes when memory after the warm-up (the first third)
grows by less than 5 % + 4 MiB while packets keep flowing, and the kernel
dropped nothing it could not also have dropped from a full ring (drops are
reported, not failed on: tcpreplay can outrun one core).

Environment: SOAK_SECONDS (default 60), SOAK_PPS (default 50000),
SOAK_PACKETS (default 2000000), SOAK_CONCURRENT (default 20000),
SOAK_MAX_FLOWS (passed as --max-flows, default: sanso's).
Needs root, ip netns and tcpreplay; otherwise exits 77.
Not part of the default test suite: meson test --benchmark --suite bench.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sanso, gen = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
seconds = float(os.environ.get("SOAK_SECONDS", "60"))
pps = int(os.environ.get("SOAK_PPS", "50000"))
n_packets = int(os.environ.get("SOAK_PACKETS", "2000000"))
concurrent = int(os.environ.get("SOAK_CONCURRENT", "20000"))
site = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site.yaml")

if os.geteuid() != 0:
    print("SKIP: needs root")
    sys.exit(77)
if not shutil.which("tcpreplay"):
    print("SKIP: needs tcpreplay")
    sys.exit(77)

ns = "sanso-soak-%d" % os.getpid()
tmp = tempfile.mkdtemp(prefix="sanso-soak.")
procs = []


def sh(*a):
    subprocess.run(a, check=True, capture_output=True)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


status = 1
try:
    cap = os.path.join(tmp, "soak.pcap")
    t = time.time()
    sh(gen, cap, str(n_packets), str(concurrent), "20")
    print("generated %d packets (%d concurrent connections) in %.1fs, %d MiB" %
          (n_packets, concurrent, time.time() - t, os.path.getsize(cap) >> 20))
    sh("ip", "netns", "add", ns)
    sh("ip", "-n", ns, "link", "add", "r0", "type", "veth", "peer", "name", "r1")
    for dev in ("r0", "r1", "lo"):
        sh("ip", "-n", ns, "link", "set", dev, "up")
    sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")

    args = ["ip", "netns", "exec", ns, sanso, "monitor", "-t", site, "-i", "r1", "--format", "json",
            "--stats-interval", "1", "-q"]
    if os.environ.get("SOAK_MAX_FLOWS"):
        args += ["--max-flows", os.environ["SOAK_MAX_FLOWS"]]
    mon = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    procs.append(mon)
    start = json.loads(mon.stdout.readline())
    assert start["type"] == "start", start
    pid = start["pid"]
    replay = subprocess.Popen(["ip", "netns", "exec", ns, "tcpreplay", "-q", "-i", "r0", "--pps=%d" % pps,
                               "--loop=0", cap], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(replay)

    samples = []  # (seconds, rss KiB, packets, flows_live, dropped, findings)
    t0 = time.time()
    print("%8s %10s %12s %10s %10s %9s" % ("seconds", "rss MiB", "packets", "flows", "dropped", "findings"))
    for line in mon.stdout:
        r = json.loads(line)
        if r["type"] != "stats":
            continue
        s = (time.time() - t0, rss_kib(pid), r["packets_read"], r["flows_live"], r["packets_dropped"], r["findings"])
        samples.append(s)
        print("%8.1f %10.1f %12d %10d %10s %9d" % (s[0], s[1] / 1024, s[2], s[3], s[4], s[5]))
        if s[0] >= seconds:
            break
    replay.send_signal(signal.SIGINT)
    replay.wait()
    mon.send_signal(signal.SIGTERM)
    tail = mon.stdout.read().splitlines()
    summary = json.loads(tail[-1]) if tail else {}
    mon.wait()

    warm = [s for s in samples if s[0] >= seconds / 3]
    base, peak = warm[0][1], max(s[1] for s in warm)
    flowing = samples[-1][2] > warm[0][2]
    print("rss after warm-up %.1f MiB, peak %.1f MiB; %d packets, kernel drops %s; exit %d" %
          (base / 1024, peak / 1024, samples[-1][2], summary.get("packets_dropped"), mon.returncode))
    if not flowing:
        print("FAIL: no packets after the warm-up")
    elif peak > base * 1.05 + 4096:
        print("FAIL: memory grew from %.1f to %.1f MiB" % (base / 1024, peak / 1024))
    elif mon.returncode != 0 or summary.get("type") != "summary":
        print("FAIL: monitor ended badly (exit %d)" % mon.returncode)
    else:
        print("PASS: memory flat")
        status = 0
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(status)
