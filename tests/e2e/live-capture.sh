#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# live-capture.sh SANSO CAPTURE-HELPER — a real capture, audited.
#
# Builds three network namespaces on one Ethernet link (a bridge inside the
# server's namespace, veth pairs to the two others):
#
#   mn-pc-01   10.10.1.1  (mynumber)  ── eth0 ═╗
#   mn-srv-01  10.10.1.2  (mynumber)  ── br0 ══╣ bridge
#   inet-pc-01 10.30.0.5  (internet)  ── eth0 ═╝
#
# captures on mn-pc-01's eth0 with tests/e2e/capture-helper (libpcap), makes
# one permitted connection (mn-pc-01 → mn-srv-01 tcp/8443, intra-zone) and
# one forbidden one (mn-pc-01 → inet-pc-01 tcp/443, a real connection to a
# listener), writes a topology with the interfaces' real MACs, and asserts
# that `sanso audit` reports exactly one finding: MYNUMBER-INTERNET from
# 10.10.1.1 to 10.30.0.5:443, with the right MACs, established.
#
# No traffic leaves the test's own namespaces.  Needs root and `ip netns`;
# otherwise exits 77 (meson: skipped).  Every wait is bounded and waits for a
# readiness line, never for a fixed time.  The namespaces are deleted on
# every exit path.
set -euo pipefail

sanso=${1:?usage: live-capture.sh SANSO CAPTURE-HELPER}
helper=${2:?usage: live-capture.sh SANSO CAPTURE-HELPER}
WAIT=10 # seconds, for any readiness line
# `meson test --setup valgrind` (meson.build): its valgrind command goes
# before sanso (split at blanks)
read -ra wrapper <<<"${SANSO_WRAPPER:-}"

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, packet capture)"
command -v ip >/dev/null || skip "no ip(8)"
command -v python3 >/dev/null || skip "no python3"
[ -x "$helper" ] || skip "capture helper $helper not built"

ns_a=sanso-e2e-mnpc-$$
ns_b=sanso-e2e-mnsrv-$$
ns_c=sanso-e2e-inet-$$
tmp=$(mktemp -d /tmp/sanso-live.XXXXXX)
pids=()

cleanup() {
	local rc=$?
	set +e
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "$ns_a" "$ns_b" "$ns_c"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if ! ip netns add "$ns_a" 2>"$tmp/err"; then
	skip "ip netns add failed: $(cat "$tmp/err")"
fi
ip netns add "$ns_b"
ip netns add "$ns_c"

for ns in "$ns_a" "$ns_b" "$ns_c"; do
	# IPv6 off: no router/neighbour solicitations from link-local addresses,
	# so the capture holds exactly the test's traffic and its ARP.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done

# One link: a bridge in mn-srv-01's namespace, veth pairs to the others.
ip -n "$ns_b" link add br0 type bridge stp_state 0 forward_delay 0
ip -n "$ns_a" link add eth0 type veth peer name port-a netns "$ns_b"
ip -n "$ns_c" link add eth0 type veth peer name port-c netns "$ns_b"
ip -n "$ns_b" link set port-a master br0
ip -n "$ns_b" link set port-c master br0
ip -n "$ns_b" link set port-a up
ip -n "$ns_b" link set port-c up
ip -n "$ns_b" link set br0 up
ip -n "$ns_a" link set eth0 up
ip -n "$ns_c" link set eth0 up

ip -n "$ns_a" addr add 10.10.1.1/16 dev eth0
ip -n "$ns_b" addr add 10.10.1.2/16 dev br0
ip -n "$ns_c" addr add 10.30.0.5/16 dev eth0
# Both tiers on the same link: the forbidden path a misplugged cable makes.
ip -n "$ns_a" route add 10.30.0.0/16 dev eth0
ip -n "$ns_c" route add 10.10.0.0/16 dev eth0

mac_of() { # NS IFACE
	ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# Starts "$@" in the background with stdout on a FIFO and waits (bounded) for
# its first line to equal $want.  Sets $started_pid.
start_and_wait() { # WANT NAME CMD...
	local want=$1 name=$2 line fd
	shift 2
	mkfifo "$tmp/$name.fifo"
	"$@" >"$tmp/$name.fifo" 2>"$tmp/$name.err" &
	started_pid=$!
	pids+=("$started_pid")
	exec {fd}<"$tmp/$name.fifo"
	if ! read -r -t "$WAIT" line <&"$fd" || [ "$line" != "$want" ]; then
		echo "FAIL: $name did not report '$want' within ${WAIT}s (got '${line:-}')"
		cat "$tmp/$name.err"
		exit 1
	fi
	# Keep draining its stdout so it never blocks on a full pipe.
	cat <&"$fd" >"$tmp/$name.out" &
	pids+=("$!")
	exec {fd}<&-
}

server_py='
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(20)
print("listening", flush=True)
c, _ = s.accept()
c.settimeout(10)
d = c.recv(1024)
c.sendall(b"pong:" + d)
c.close()
s.close()
'
client_py='
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
c.sendall(b"ping")
d = b""
while True:
    x = c.recv(1024)
    if not x:
        break
    d += x
c.close()
sys.exit(0 if d == b"pong:ping" else "unexpected reply %r" % d)
'

start_and_wait ready capture timeout 60 ip netns exec "$ns_a" "$helper" eth0 "$tmp/live.pcap"
cap_pid=$started_pid
start_and_wait listening srv-b timeout 30 ip netns exec "$ns_b" python3 -u -c "$server_py" 10.10.1.2 8443
srv_b=$started_pid
start_and_wait listening srv-c timeout 30 ip netns exec "$ns_c" python3 -u -c "$server_py" 10.30.0.5 443
srv_c=$started_pid

echo "permitted: mn-pc-01 → mn-srv-01 tcp/8443"
timeout 20 ip netns exec "$ns_a" python3 -c "$client_py" 10.10.1.2 8443
echo "forbidden: mn-pc-01 → inet-pc-01 tcp/443"
timeout 20 ip netns exec "$ns_a" python3 -c "$client_py" 10.30.0.5 443
wait "$srv_b"
wait "$srv_c"

kill -TERM "$cap_pid"
if ! wait "$cap_pid"; then
	echo "FAIL: capture helper failed"
	cat "$tmp/capture.err"
	exit 1
fi

mac_a=$(mac_of "$ns_a" eth0)
mac_b=$(mac_of "$ns_b" br0)
mac_c=$(mac_of "$ns_c" eth0)
echo "MACs: mn-pc-01 $mac_a, mn-srv-01 $mac_b, inet-pc-01 $mac_c"

cat >"$tmp/live-site.yaml" <<EOF
# Generated by tests/e2e/live-capture.sh: its namespaces' real MACs.
site: e2e live capture
model: alpha
inventory: strict
zones:
  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 } ] }
  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }
hosts:
  - { name: mn-pc-01, zone: mynumber, mac: "$mac_a", ip: 10.10.1.1, role: terminal }
  - { name: mn-srv-01, zone: mynumber, mac: "$mac_b", ip: 10.10.1.2, role: server }
  - { name: inet-pc-01, zone: internet, mac: "$mac_c", ip: 10.30.0.5, role: terminal }
EOF

if command -v tcpdump >/dev/null; then
	echo "capture:"
	tcpdump -nn -e -r "$tmp/live.pcap" 2>/dev/null | sed 's/^/  /'
fi

if [ -n "${LIVE_NO_AUDIT:-}" ]; then
	echo "LIVE_NO_AUDIT set: stopping before the audit"
	exit 0
fi

set +e
"${wrapper[@]}" "$sanso" audit -t "$tmp/live-site.yaml" -r "$tmp/live.pcap" --format json -o "$tmp/out.jsonl" 2>"$tmp/audit.err"
rc=$?
set -e
cat "$tmp/audit.err"
if [ "$rc" -ne 1 ] || [ ! -s "$tmp/out.jsonl" ]; then
	echo "FAIL: sanso audit exited $rc, expected 1 (one finding) and JSON in -o"
	if [ -f "$tmp/out.jsonl" ]; then cat "$tmp/out.jsonl"; fi
	exit 1
fi

python3 - "$tmp/out.jsonl" "$mac_a" "$mac_c" <<'EOF'
import ipaddress, json, sys
path, mac_a, mac_c = sys.argv[1:]
lines = [json.loads(l) for l in open(path, encoding="utf-8")]
for l in lines:
    print("  " + json.dumps(l, ensure_ascii=False))
problems = []
if not lines or lines[-1].get("type") != "summary":
    problems.append("last line is not the summary")
findings = [l for l in lines if l.get("type") == "finding"]
if len(findings) != 1:
    problems.append(f"{len(findings)} findings, expected exactly 1")
else:
    f = findings[0]
    def macs(v):
        return [m.lower() for m in (v if isinstance(v, list) else [v])] if v else []
    want = [
        ("check", f.get("check"), "MYNUMBER-INTERNET"),
        ("proto", f.get("proto"), "tcp"),
        ("src.ip", str(ipaddress.ip_address(f["src"]["ip"])), "10.10.1.1"),
        ("dst.ip", str(ipaddress.ip_address(f["dst"]["ip"])), "10.30.0.5"),
        ("dst.port", f["dst"].get("port"), 443),
        ("established", f.get("established"), True),
        ("src.mac", mac_a in macs(f["src"].get("mac")), True),
        ("dst.mac", mac_c in macs(f["dst"].get("mac")), True),
        ("src.zone", f["src"].get("zone"), "mynumber"),
        ("dst.zone", f["dst"].get("zone"), "internet"),
        ("src.host", f["src"].get("host"), "mn-pc-01"),
        ("dst.host", f["dst"].get("host"), "inet-pc-01"),
    ]
    for name, got, exp in want:
        if got != exp:
            problems.append(f"{name}: got {got!r}, expected {exp!r}")
    if lines and lines[-1].get("findings") != {"MYNUMBER-INTERNET": 1}:
        problems.append(f"summary findings {lines[-1].get('findings')!r}")
if problems:
    print("FAIL:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("PASS: one MYNUMBER-INTERNET finding, as expected")
EOF
