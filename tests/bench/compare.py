#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""compare.py — sanso audit side by side with a bare libpcap loop, softflowd and argus.

    python3 tests/bench/compare.py BUILD_DIR [BUILD_DIR...]
            [--packets 1000000] [--flows 100000] [--life 10] [--runs 3]
            [--workdir DIR] [--cpu 1 | --no-pin] [--metric wall|cpu]
            [--scaling [--scaling-flows 10000,100000,1000000]] [--perf]
            [--length [--length-packets 1000000,3000000,10000000]]

Generates one capture with tests/bench/gen-traffic (`--mix`: 802.1Q-tagged,
IPv4 and IPv6, TCP and UDP, IMIX frame sizes 7:4:1, FLOWS concurrent
connections of LIFE packets, 1 in 100 from the My Number zone to the
Internet), or reuses it from --workdir, and measures on that same file, each
under `/usr/bin/time -v`, pinned to one core (`taskset -c CPU`), best of RUNS
after a warm-up read that puts the file in the page cache, the runs of the
tools interleaved so a busy machine slows them alike:

  pcap_next_ex loop   BUILD_DIR/tests/bench/pcap-read FILE (the ceiling)
  ... mmap'd file     BUILD_DIR/tests/bench/pcap-read --mmap FILE: the same
                      loop with libpcap reading the file through a memory
                      map behind a FILE (no read(2)).  sanso goes further and
                      hands out pcap records in place from its map, so this
                      is no ceiling for it.  The targets stay against the
                      plain loop.
  sanso audit         sanso audit -t tests/bench/site.yaml -r FILE --format json
                      (stdout to a scratch file, read back; one row per
                      BUILD_DIR, labelled with its buildtype)
  ... 1k-rule ruleset the same with the site's firewall core-fw given a
                      generated 1,000-rule nft JSON ruleset: every
                      crossing judged against it (reconciliation; target:
                      within 10 % of the plain audit)
  softflowd           softflowd -r FILE -6 -T vlan -m M  (no -n: statistics
                      only, nothing is sent; -m: room for every flow, as sanso)
  argus               argus -X -r FILE -w -  (stdout to /dev/null; -X: built-in
                      defaults, not /etc/argus.conf)

and prints a markdown table (seconds, packets/s, ratio to the bare loop, peak
RSS) with the targets: sanso at least 2/3 of the bare loop's packet rate and
5x softflowd, peak memory under 256 MiB at 1M concurrent flows.

--length runs sanso alone on captures of growing length with the same
traffic (10,000 concurrent connections, 100 µs between packets, so 1M
packets are 100 s of capture time and connections time out within the file):
its peak RSS must not grow with the length once the idle timeouts have
passed (about a minute of capture time), apart from the findings an audit
keeps for its report (bounded by --max-findings; a second run with
--max-findings 100 shows the rest).

--scaling also runs sanso alone at 10k, 100k and 1M concurrent flows, each
on LIFE x FLOWS packets (100k, 1M, 10M): one connection per flow slot, all
live until the end, so sanso's table holds exactly FLOWS flows (it keeps a
closed TCP connection 10 s and an idle UDP one 60 s of capture time, and
the capture is 1 µs per packet: connections that followed each other in a
slot would all still be in the table) and every size has the same mix of
new, ongoing and closing connections per packet.  It prints ns/packet (and
above the bare loop on the same file) and peak RSS per size: per-packet
time should not grow with flows.

--perf records `perf record -g` of one sanso audit (first BUILD_DIR) on the
main capture and prints the top symbols.

--metric cpu computes the rates from user+system time instead of wall time,
for a machine that other work keeps busy (the table shows both times).

Registered as `meson test -C BUILD --benchmark --suite bench compare`
(with --scaling); nothing passes or fails, the tables go into
docs/performance.md.  Needs /usr/bin/time, taskset; softflowd and argus are
skipped (with a note) when absent.
"""

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = os.path.join(HERE, "site.yaml")
TIME = "/usr/bin/time"


def fail(msg):
    print("compare.py: " + msg, file=sys.stderr)
    sys.exit(2)


def buildtype(build):
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            for o in json.load(f):
                if o["name"] == "buildtype":
                    return o["value"]
    except (OSError, ValueError, KeyError):
        pass
    return "?"


def label(build, builds):
    """The build's buildtype, and its directory when another build has the
    same one (a before/after comparison of two trees)."""
    bt = buildtype(build)
    if sum(buildtype(b) == bt for b in builds) > 1:
        return "%s, %s" % (bt, build)
    return bt


def parse_time_v(path):
    """wall, user+sys seconds and peak RSS (KiB) from a `time -v -o` file."""
    wall = cpu = rss = None
    status = 0
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().rpartition(": ")
            if k.startswith("Elapsed (wall clock) time"):
                parts = [float(x) for x in v.split(":")]
                wall = 0.0
                for p in parts:
                    wall = wall * 60 + p
            elif k in ("User time (seconds)", "System time (seconds)"):
                cpu = (cpu or 0.0) + float(v)
            elif k == "Maximum resident set size (kbytes)":
                rss = int(v)
            elif k == "Exit status":
                status = int(v)
    return wall, cpu, rss, status


class Tool:
    """One command to time; check(stdout, stderr, outfile) returns a note or raises."""

    def __init__(self, name, argv, check=None, ok_status=(0,), stdout_null=False):
        self.name, self.argv, self.check = name, argv, check
        self.ok_status, self.stdout_null = ok_status, stdout_null
        self.runs = []  # (wall, cpu, rss)
        self.note = ""


def run_timed(tool, pin, scratch):
    """One run: wall time from a monotonic clock around the process (time -v
    rounds to 10 ms, too coarse for the bare loop), user+sys from wait4 (µs),
    peak RSS and exit status from /usr/bin/time -v."""
    tv = os.path.join(scratch, "time.txt")
    argv = [TIME, "-v", "-o", tv] + pin + tool.argv
    out = tempfile.TemporaryFile(mode="w+", dir=scratch)
    err = tempfile.TemporaryFile(mode="w+", dir=scratch)
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL if tool.stdout_null else out, stderr=err)
    _, _, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = 0  # reaped above
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read(), err.read()
    out.close()
    err.close()
    _, _, rss, status = parse_time_v(tv)
    if status not in tool.ok_status or rss is None:
        fail("%s exited with %s:\n  %s\n%s" % (tool.name, status, " ".join(tool.argv), stderr[-2000:]))
    if tool.check:
        tool.note = tool.check(stdout, stderr)
    tool.runs.append((wall, ru.ru_utime + ru.ru_stime, rss))


def measure(tools, runs, pin, scratch):
    # interleaved: run r of every tool, then run r+1 — background load then
    # slows all of them alike instead of whichever happened to run during it
    for _ in range(runs):
        for t in tools:
            run_timed(t, pin, scratch)


def best(tool, metric):
    """(seconds by the metric, wall, cpu, peak rss KiB) of the fastest run."""
    key = 0 if metric == "wall" else 1
    r = min(tool.runs, key=lambda x: x[key])
    return r[key], r[0], r[1], max(x[2] for x in tool.runs)


def fmt_rate(pps):
    return "%.2f M" % (pps / 1e6) if pps >= 1e6 else "%.0f k" % (pps / 1e3)


def generate(gen, path, packets, flows, life, extra=()):
    if os.path.exists(path):
        return False
    t = time.time()
    tmp = path + ".part"
    subprocess.run([gen, tmp, str(packets), str(flows), str(life), "--mix", *extra], check=True)
    os.rename(tmp, path)
    print("generated %s: %d packets, %d concurrent flows of %d packets, %d MiB, %.1f s" %
          (os.path.basename(path), packets, flows, life, os.path.getsize(path) >> 20, time.time() - t),
          file=sys.stderr)
    return True


def warm(pcap_read, path):
    subprocess.run([pcap_read, path], check=True, stdout=subprocess.DEVNULL)


def check_bare(packets):
    def check(out, err):
        n = int(out.split()[0])
        if n != packets:
            fail("pcap-read counted %d packets, expected %d" % (n, packets))
        return ""
    return check


def check_sanso(packets):
    def check(out, err):
        summary = None
        findings = 0
        for line in out.splitlines():
            o = json.loads(line)
            if o.get("type") == "summary":
                summary = o
            elif o.get("type") == "finding":
                findings += 1
        if not summary or summary.get("packets_read") != packets:
            fail("sanso's summary does not count %d packets: %s" % (packets, summary))
        return "%d flows, %d evicted, %d findings (%s)" % (
            summary.get("flows", 0), summary.get("flows_evicted", 0), findings,
            ", ".join("%s %d" % kv for kv in sorted(summary.get("findings", {}).items())))
    return check


def check_softflowd(packets):
    def check(out, err):
        m = re.search(r"Packets processed: (\d+)", out + err)
        ign = re.search(r"Ignored packets: (\d+)", out + err)
        exp = re.search(r"Flows expired: (\d+) \((\d+) forced\)", out + err)
        if not m:
            fail("softflowd printed no statistics:\n" + (out + err)[-1000:])
        if int(m.group(1)) + int(ign.group(1) if ign else 0) != packets:
            fail("softflowd saw %s packets, expected %d" % (m.group(1), packets))
        return "%s packets processed, %s ignored, %s flows (%s expired early)" % (
            m.group(1), ign.group(1) if ign else "?", exp.group(1) if exp else "?",
            exp.group(2) if exp else "?")
    return check


def sanso_tool(build, label, path, packets):
    # JSON Lines on standard output (kept in a scratch file and read back:
    # proof the run did the work).  Not -o: sanso fsyncs a report file
    # before renaming it into place, a disk wait the other tools don't have.
    return Tool(label, [os.path.join(build, "sanso"), "audit", "-t", SITE, "-r", path, "--format", "json"],
                check=check_sanso(packets), ok_status=(0, 1))


def reconcile_site(scratch, n_rules=1000):
    """tests/bench/site.yaml with core-fw's three VLAN interfaces and an nft
    JSON ruleset of n_rules rules (per-host accepts and drops between the
    zones, policy drop, and halfway down the accept the capture's forbidden
    connections cross by, as a firewall the capture was taken behind
    would have): what `sanso audit` judges every crossing against."""
    import random
    rng = random.Random(1)
    ifs = [("vlan10", "mynumber", 0x0a0a), ("vlan20", "lgwan", 0x0a14), ("vlan30", "internet", 0x0a1e)]

    def ip(net, n):
        return "%d.%d.%d.%d" % (net >> 8, net & 255, (n >> 8) & 255, n & 255)

    def m(left, right):
        return {"match": {"op": "==", "left": left, "right": right}}
    out = [{"metainfo": {"version": "1.0.6", "release_name": "bench", "json_schema_version": 1}},
           {"table": {"family": "inet", "name": "filter", "handle": 1}},
           {"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 1, "type": "filter",
                      "hook": "forward", "prio": 0, "policy": "drop"}},
           {"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 2,
                     "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}},
                                         "right": ["established", "related"]}}, {"accept": None}]}}]
    for i in range(n_rules - 1):
        if i == n_rules // 2:
            # the hole the benchmark's forbidden connections use (mynumber →
            # the internet zone's server), halfway down: their traces walk
            # half the chain, and the findings name this rule
            out.append({"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 10 + i, "expr": [
                m({"meta": {"key": "iifname"}}, "vlan10"), m({"meta": {"key": "oifname"}}, "vlan30"),
                m({"payload": {"protocol": "ip", "field": "daddr"}}, "10.30.0.5"), {"accept": None}]}})
            continue
        a, b = rng.sample(ifs, 2)
        out.append({"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 10 + i, "expr": [
            m({"meta": {"key": "iifname"}}, a[0]), m({"meta": {"key": "oifname"}}, b[0]),
            m({"payload": {"protocol": "ip", "field": "saddr"}}, ip(a[2], 1 + rng.randrange(8192))),
            m({"payload": {"protocol": "ip", "field": "daddr"}}, ip(b[2], 1 + rng.randrange(8192))),
            m({"payload": {"protocol": "tcp", "field": "dport"}}, rng.choice([22, 25, 443, 445, 3389, 8080])),
            {"accept" if rng.random() < 0.8 else "drop": None}]}})
    rules = os.path.join(scratch, "rules-%d.json" % n_rules)
    with open(rules, "w") as f:
        json.dump({"nftables": out}, f)
    site = os.path.join(scratch, "site-fw.yaml")
    with open(SITE) as f:
        text = f.read()
    with open(site, "w") as f:
        f.write(text.rstrip("\n") + "\nfirewalls:\n  - name: core-fw\n    host: core-fw\n    interfaces:\n")
        for name, zone, _ in ifs:
            f.write("      - { name: %s, faces: [ %s ] }\n" % (name, zone))
        f.write("    ruleset: { format: nft-json, path: %s }\n" % os.path.basename(rules))
    return site


def comparison(args, builds, pin, scratch, path):
    pcap_read = os.path.join(builds[0], "tests", "bench", "pcap-read")
    tools = [Tool("pcap_next_ex loop (ceiling)", [pcap_read, path], check=check_bare(args.packets)),
             Tool("pcap_next_ex loop, mmap'd FILE", [pcap_read, "--mmap", path],
                  check=check_bare(args.packets))]
    for b in builds:
        tools.append(sanso_tool(b, "sanso audit (%s)" % label(b, builds), path, args.packets))
    # the same audit judging every crossing against a 1k-rule ruleset
    # (docs/user-guide.md, "Does the wire agree with the firewall?")
    recon = sanso_tool(builds[0], "sanso audit, 1k-rule ruleset (%s)" % label(builds[0], builds), path, args.packets)
    recon.argv[recon.argv.index(SITE)] = reconcile_site(scratch)
    tools.append(recon)
    skipped = []
    if shutil.which("softflowd"):
        # -6: track IPv6 too (sanso does); -T vlan: key on the VLAN like
        # sanso; -m: room for every flow (default 8192 expires them early);
        # no -n: statistics only, nothing exported
        tools.append(Tool("softflowd -r", ["softflowd", "-r", path, "-6", "-T", "vlan",
                                           "-m", str(max(8192, 4 * args.flows))],
                          check=check_softflowd(args.packets)))
    else:
        skipped.append("softflowd")
    if shutil.which("argus"):
        tools.append(Tool("argus -r", ["argus", "-X", "-r", path, "-w", "-"], stdout_null=True))
    else:
        skipped.append("argus")

    # what each tool costs with (almost) nothing to read: start-up and exit
    # (argus sleeps about a second before it exits)
    tiny = os.path.join(scratch, "tiny.pcap")
    subprocess.run([os.path.join(builds[0], "tests", "bench", "gen-traffic"), tiny, "10", "10", "10", "--mix"],
                   check=True)
    fixed = []
    for t in tools:
        f = Tool(t.name, [tiny if a == path else a for a in t.argv], ok_status=t.ok_status,
                 stdout_null=t.stdout_null)
        fixed.append(f)
    measure(fixed, args.runs, pin, scratch)

    warm(pcap_read, path)
    measure(tools, args.runs, pin, scratch)

    base = best(tools[0], args.metric)[0]
    base_mmap = best(tools[1], args.metric)[0]
    soft = next((t for t in tools if t.name.startswith("softflowd")), None)
    print("\n### %d packets, %d concurrent flows (%s, best of %d, %s)\n" %
          (args.packets, args.flows, "one core: " + " ".join(pin) if pin else "not pinned",
           args.runs, "rates from " + ("wall" if args.metric == "wall" else "user+sys") + " time"))
    print("| tool | wall s | CPU s | packets/s | × bare loop | peak RSS MiB | start+exit s (10 packets) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for t, f in zip(tools, fixed):
        s, wall, cpu, rss = best(t, args.metric)
        print("| %s | %.2f | %.2f | %s | %.2f | %.1f | %.2f |" %
              (t.name, wall, cpu, fmt_rate(args.packets / s), base / s, rss / 1024,
               best(f, args.metric)[0]))
    print()
    for t in tools:
        if not t.name.startswith("sanso"):
            continue
        s = best(t, args.metric)[0]
        ratio = base / s
        line = "- %s: %.2f of the bare loop's packet rate (target ≥ 0.67: %s)" % (
            t.name, ratio, "met" if ratio >= 2 / 3 else "NOT met")
        if soft:
            r = best(soft, args.metric)[0] / s
            line += "; %.1f× softflowd (target ≥ 5×: %s)" % (r, "met" if r >= 5 else "NOT met")
        line += "; %.2f of the mmap'd loop's" % (base_mmap / s)
        print(line)
    plain = best(tools[2], args.metric)[0]
    slower = best(recon, args.metric)[0] / plain - 1
    # start-up (10 packets): for the ruleset, mostly reading its JSON once
    fp, fr = best(fixed[2], args.metric)[0], best(fixed[tools.index(recon)], args.metric)[0]
    net = (best(recon, args.metric)[0] - fr) / (plain - fp) - 1
    print("- reconciliation (1k-rule ruleset): %+.1f%% against the same audit without it (target ≤ +10%%: %s); "
          "%+.1f%% net of start-up, which reading the ruleset makes %.0f ms longer" %
          (100 * slower, "met" if slower <= 0.10 else "NOT met", 100 * net, 1000 * (fr - fp)))
    for t in tools:
        if t.note:
            print("- %s: %s" % (t.name, t.note))
    if args.packets > args.life * args.flows:
        print("- note: PACKETS > LIFE × FLOWS: connections follow each other in each of the FLOWS slots; "
              "the capture spans only %.1f s (1 µs per packet) and sanso keeps a closed TCP connection 10 s, "
              "so its table holds all %d of them" %
              (args.packets / 1e6, args.flows * -(-args.packets // (args.life * args.flows))))
    for s in skipped:
        print("- %s: not installed, skipped" % s)


def scaling(args, builds, pin, scratch, workdir):
    pcap_read = os.path.join(builds[0], "tests", "bench", "pcap-read")
    gen = os.path.join(builds[0], "tests", "bench", "gen-traffic")
    sizes = [int(x) for x in args.scaling_flows.split(",")]

    # sanso's own start and exit (topology, tables, report) on 10 packets,
    # taken off the per-packet figures: the smallest run is short
    tiny = os.path.join(scratch, "tiny.pcap")
    subprocess.run([gen, tiny, "10", "10", "10", "--mix"], check=True)
    fixed = [Tool(label(b, builds), [os.path.join(b, "sanso"), "audit", "-t", SITE, "-r", tiny, "--format", "json"],
                  ok_status=(0, 1)) for b in builds]
    measure(fixed, args.runs, pin, scratch)

    rows = []
    for flows in sizes:
        # one connection per slot, all live to the end: the table holds
        # exactly FLOWS flows, and every size has the same mix of new,
        # ongoing and closing connections per packet
        packets = args.life * flows
        path = os.path.join(workdir, "bench-%d-%d-%d.pcap" % (packets, flows, args.life))
        generate(gen, path, packets, flows, args.life)
        bare = Tool("bare", [pcap_read, path], check=check_bare(packets))
        tools = [bare] + [sanso_tool(b, label(b, builds), path, packets) for b in builds]
        warm(pcap_read, path)
        measure(tools, args.runs, pin, scratch)
        base = best(bare, args.metric)[0]
        for t, f in zip(tools[1:], fixed):
            s, wall, cpu, rss = best(t, args.metric)
            f_s, _, _, f_rss = best(f, args.metric)
            rows.append((t.name, flows, packets, s, s - f_s, base, rss, rss - f_rss, t.note))
        if not args.keep_captures and workdir == scratch:
            os.unlink(path)

    print("\n### sanso audit against concurrent flows (%d packets per connection, best of %d, %s)\n" %
          (args.life, args.runs, "rates from " + ("wall" if args.metric == "wall" else "user+sys") + " time"))
    print("| build | concurrent flows | packets | seconds | ns/packet | above bare loop ns/packet "
          "| peak RSS MiB | bytes/flow |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, flows, packets, s, net, base, rss, net_rss, note in rows:
        print("| %s | %d | %d | %.2f | %.0f | %.0f | %.1f | %.0f |" %
              (name, flows, packets, s, net * 1e9 / packets, (net - base) * 1e9 / packets, rss / 1024,
               net_rss * 1024 / flows))
    print("\nns/packet: (time − the same build's time on a 10-packet capture) / packets; "
          "bytes/flow: (peak RSS − its peak RSS on that capture) / flows.\n")
    for name, flows, packets, s, net, base, rss, net_rss, note in rows:
        if flows >= 1000000:
            print("- %s at %d flows: peak RSS %.0f MiB (target < 256 MiB: %s)" %
                  (name, flows, rss / 1024, "met" if rss < 256 * 1024 else "NOT met"))
    for name, flows, packets, s, net, base, rss, net_rss, note in rows:
        print("- %s, %d flows: %s" % (name, flows, note))


LENGTH_FLOWS = 10000
LENGTH_GAP_NS = 100000


def length(args, builds, pin, scratch, workdir):
    """Peak RSS against capture length, the traffic otherwise the same: as
    is, and with --max-findings 100, so that the findings an audit keeps
    for its report (1 connection in 100 here, up to --max-findings, 100,000
    by default) are told apart from the tables."""
    gen = os.path.join(builds[0], "tests", "bench", "gen-traffic")
    rows = []
    for packets in [int(x) for x in args.length_packets.split(",")]:
        path = os.path.join(workdir, "bench-%d-%d-%d-gap%d.pcap" % (packets, LENGTH_FLOWS, args.life, LENGTH_GAP_NS))
        generate(gen, path, packets, LENGTH_FLOWS, args.life, ("--gap", str(LENGTH_GAP_NS)))
        tools = []
        for b in builds:
            t = sanso_tool(b, label(b, builds), path, packets)
            capped = sanso_tool(b, label(b, builds), path, packets)
            capped.argv += ["--max-findings", "100"]
            tools += [t, capped]
        measure(tools, 1, pin, scratch)
        for t, capped in zip(tools[::2], tools[1::2]):
            rows.append((t.name, packets, packets * LENGTH_GAP_NS / 1e9, os.path.getsize(path), best(t, "cpu")[2],
                         best(t, "cpu")[3], best(capped, "cpu")[3], t.note))
        if not args.keep_captures and workdir == scratch:
            os.unlink(path)
    print("\n### sanso audit against capture length (%d concurrent connections of %d packets, %d µs apart)\n" %
          (LENGTH_FLOWS, args.life, LENGTH_GAP_NS // 1000))
    print("| build | packets | capture time s | file MiB | CPU s | findings | peak RSS MiB "
          "| peak RSS MiB, --max-findings 100 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, packets, span, size, cpu, rss, rss_capped, note in rows:
        m = re.search(r"(\d+) findings", note)
        print("| %s | %d | %.0f | %d | %.2f | %s | %.1f | %.1f |" %
              (name, packets, span, size >> 20, cpu, m.group(1) if m else "?", rss / 1024, rss_capped / 1024))
    print()
    for name in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == name]
        lo, hi = mine[0], mine[-1]
        grew = (hi[6] - lo[6]) / lo[6]
        f_lo, f_hi = (int(re.search(r"(\d+) findings", r[7]).group(1)) for r in (lo, hi))
        print("- %s, --max-findings 100: peak RSS %.1f MiB at %d packets, %.1f MiB at %d (%+.0f %%; target: "
              "independent of the capture's length: %s)" % (name, lo[6] / 1024, lo[1], hi[6] / 1024, hi[1],
                                                            grew * 100, "met" if grew < 0.10 else "NOT met"))
        if f_hi > f_lo:
            print("- %s, as is: %+.1f MiB for %d more findings kept for the report, %.0f bytes each (bounded by "
                  "--max-findings)" % (name, (hi[5] - lo[5]) / 1024, f_hi - f_lo,
                                       (hi[5] - lo[5]) * 1024 / (f_hi - f_lo)))


def perf(args, builds, scratch, path, pin):
    if not shutil.which("perf"):
        print("\n- perf: not installed, skipped")
        return
    data = os.path.join(scratch, "perf.data")
    subprocess.run(["perf", "record", "-q", "-g", "-o", data, "--"] + pin +
                   [os.path.join(builds[0], "sanso"), "audit", "-t", SITE, "-r", path, "--format", "json"],
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                          "--sort", "dso,symbol", "-g", "none", "--percent-limit", "1"],
                         capture_output=True, text=True)
    print("\n### perf: sanso audit (%s), %d packets, %d flows — self time, top symbols\n" %
          (buildtype(builds[0]), args.packets, args.flows))
    print("| self % | object | symbol |")
    print("|---:|---|---|")
    n = 0
    for line in rep.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(\S+)", line)
        if m and n < args.perf_top:
            print("| %s | %s | `%s` |" % (m.group(1), m.group(2), m.group(3)))
            n += 1
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso",
                          "-g", "none"], capture_output=True, text=True)
    objs = []
    for line in rep.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
        if m:
            objs.append("%s %s %%" % (m.group(2), m.group(1)))
    print("\nby object: " + ", ".join(objs[:6]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("builds", nargs="+", metavar="BUILD_DIR",
                    help="meson build directories: sanso from each, pcap-read and gen-traffic from the first")
    ap.add_argument("--packets", type=int, default=1000000)
    ap.add_argument("--flows", type=int, default=100000, help="concurrent flows (connections)")
    ap.add_argument("--life", type=int, default=10, help="packets per connection (at least 6)")
    ap.add_argument("--runs", type=int, default=3, help="best of RUNS")
    ap.add_argument("--workdir", help="keep and reuse the captures here (default: a temporary directory)")
    ap.add_argument("--keep-captures", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cpu", default="1", help="taskset -c CPU (default 1)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to one core")
    ap.add_argument("--metric", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--scaling", action="store_true")
    ap.add_argument("--scaling-flows", default="10000,100000,1000000")
    ap.add_argument("--length", action="store_true", help="peak memory against capture length")
    ap.add_argument("--length-packets", default="1000000,3000000,10000000")
    ap.add_argument("--perf", action="store_true")
    ap.add_argument("--perf-top", type=int, default=15)
    args = ap.parse_args()
    args.life = max(args.life, 6)

    builds = [os.path.abspath(b) for b in args.builds]
    for b in builds:
        if not os.access(os.path.join(b, "sanso"), os.X_OK):
            fail("%s: no sanso here (meson compile -C %s)" % (b, b))
    for exe in ("pcap-read", "gen-traffic"):
        if not os.access(os.path.join(builds[0], "tests", "bench", exe), os.X_OK):
            fail("%s: no tests/bench/%s (meson compile -C %s)" % (builds[0], exe, builds[0]))
    if not os.access(TIME, os.X_OK):
        fail("needs GNU time as %s (apt-get install time)" % TIME)
    pin = [] if args.no_pin or not shutil.which("taskset") else ["taskset", "-c", args.cpu]
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        fail("/dev/null is not a character device any more (something renamed a file over it); "
             "restore it: mknod -m 666 /dev/null.new c 1 3 && mv /dev/null.new /dev/null")

    scratch = tempfile.mkdtemp(prefix="sanso-bench.")
    workdir = os.path.abspath(args.workdir) if args.workdir else scratch
    if args.workdir:
        os.makedirs(workdir, exist_ok=True)
        args.keep_captures = True
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = re.search(r"Model name:\s*(.*)", lscpu)
        print("machine: %s, %d CPUs; load average before: %s" %
              (model.group(1) if model else "?", os.cpu_count(),
               " ".join("%.2f" % x for x in os.getloadavg())))
        gen = os.path.join(builds[0], "tests", "bench", "gen-traffic")
        path = os.path.join(workdir, "bench-%d-%d-%d.pcap" % (args.packets, args.flows, args.life))
        generate(gen, path, args.packets, args.flows, args.life)
        comparison(args, builds, pin, scratch, path)
        if args.perf:
            perf(args, builds, scratch, path, pin)
        if args.scaling:
            scaling(args, builds, pin, scratch, workdir)
        if args.length:
            length(args, builds, pin, scratch, workdir)
        load = os.getloadavg()
        print("\nload average after: %s" % " ".join("%.2f" % x for x in load))
        if load[0] > (os.cpu_count() or 1) - 0.5:
            print("- note: other work kept the machine busy; wall times are inflated "
                  "(compare the CPU column, or rerun with --metric cpu on a quiet machine)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
