/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live capture tests on real interfaces: two network namespaces of our
 * own ("sanso-cap-PID", "sanso-peer-PID") joined by a veth pair
 *
 *   sanso-cap-PID: va 10.199.0.1/24  <── veth ──>  vb 10.199.0.2/24 :sanso-peer-PID
 *
 * The capture is opened on va from inside sanso-cap (setns there and
 * back: the packet socket stays in the namespace it was made in); UDP
 * datagrams come from a socket made inside sanso-peer the same way.  No
 * traffic leaves the two namespaces, IPv6 is off in both (no router
 * solicitations or MLD reports), and static neighbour entries replace
 * ARP, so the only packets on the link are the test's.
 *
 * Needs root (namespaces, veth, CAP_NET_RAW): exits 77 (skip) otherwise,
 * or when `ip netns add` fails.  The namespaces are deleted at the end of
 * main(), and on every other exit path by a guardian: a child in its own
 * process group that waits for EOF on a pipe whose write end only this
 * process (and its forks) hold, then deletes them.  That covers a crash,
 * SIGKILL and Check's own SIGTERM/SIGINT handling (it re-raises on its
 * process group, so no handler of ours would run).  A failing test runs
 * in a child (Check forks) and leaves the namespaces to the parent.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define CAP_IP "10.199.0.1"
#define PEER_IP "10.199.0.2"
#define CAP_MAC "02:00:5e:00:00:01"
#define PEER_MAC "02:00:5e:00:00:02"
#define PAYLOAD_FMT "sanso live test %u"
#define WAIT_MS 5000 /* the longest any expected packet or event may take */

static const uint8_t cap_mac[6] = { 2, 0, 0x5e, 0, 0, 1 }, peer_mac[6] = { 2, 0, 0x5e, 0, 0, 2 };

static char ns_cap[32], ns_peer[32];
static char ns_path[2][64]; /* /run/netns/NAME */

/* ------------------------------------------------------------ namespaces */

/* What `ip netns del` does: detach the bind mount that keeps the
 * namespace alive and remove its file.  Harmless if they don't exist. */
static void ns_delete_all(void)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		(void)umount2(ns_path[i], MNT_DETACH);
		(void)unlink(ns_path[i]);
	}
}

/* Forks the guardian described at the top.  Best effort: without it only
 * the normal exit path cleans up. */
static void start_guardian(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		/* out of the test's process group and deaf to ^C, so that it
		 * outlives whatever ends the test */
		setpgid(0, 0);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		ns_delete_all();
		_exit(0);
	}
	close(p[0]); /* p[1] stays open until this process and its forks end */
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Enters namespace `ns`; returns a descriptor of the one we were in. */
static int ns_enter(const char *ns)
{
	char path[64];
	int self, fd;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(self, 0);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(setns(fd, CLONE_NEWNET) == 0, "setns %s: %s", ns, strerror(errno));
	close(fd);
	return self;
}

static void ns_leave(int self)
{
	ck_assert_msg(setns(self, CLONE_NEWNET) == 0, "setns back: %s", strerror(errno));
	close(self);
}

/* A fresh veth pair for each test (one test deletes it). */
static void veth_setup(void)
{
	(void)sh("ip -n %s link del va >/dev/null 2>&1", ns_cap);
	ck_assert_int_eq(sh("ip link add name va netns %s address " CAP_MAC " type veth peer name vb netns %s "
			    "address " PEER_MAC,
			    ns_cap, ns_peer),
			 0);
	ck_assert_int_eq(sh("ip -n %s addr add " CAP_IP "/24 dev va && ip -n %s link set va up", ns_cap, ns_cap), 0);
	ck_assert_int_eq(sh("ip -n %s addr add " PEER_IP "/24 dev vb && ip -n %s link set vb up", ns_peer, ns_peer),
			 0);
	ck_assert_int_eq(sh("ip -n %s neigh replace " CAP_IP " lladdr " CAP_MAC " dev vb nud permanent", ns_peer), 0);
	ck_assert_int_eq(sh("ip -n %s neigh replace " PEER_IP " lladdr " PEER_MAC " dev va nud permanent", ns_cap),
			 0);
}

static int open_in_cap(const struct probe_live_config *cfg, unsigned index, struct probe_capture **ret, char *err,
		       size_t errlen)
{
	int self = ns_enter(ns_cap), r;

	r = probe_capture_open_live(cfg, index, ret, err, errlen);
	ns_leave(self);
	return r;
}

/* A UDP socket living in the peer namespace (sockets keep theirs). */
static int peer_socket(void)
{
	int self = ns_enter(ns_peer), fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ns_leave(self);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static void send_udp(int fd, uint16_t port, unsigned seq)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	char payload[64];
	int n = snprintf(payload, sizeof(payload), PAYLOAD_FMT, seq);

	ck_assert_int_eq(inet_pton(AF_INET, CAP_IP, &to.sin_addr), 1);
	ck_assert_int_eq(sendto(fd, payload, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)), n);
}

/* ------------------------------------------------------------ receiving */

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct seen {
	unsigned index;       /* expected ref.file */
	uint32_t frames;      /* records so far (ref.frame of the last) */
	unsigned udp[2];      /* datagrams to port 5555, 5556 */
	unsigned next_seq;    /* expected sequence number of the next 5555 datagram */
	uint64_t t0;          /* wall clock when the test started */
};

static void check_record(struct seen *s, const struct probe_record *r)
{
	struct probe_packet p;
	struct topo_addr a;
	char want[64];
	int n;

	ck_assert_uint_eq(r->ref.file, s->index);
	ck_assert_uint_eq(r->ref.frame, s->frames + 1); /* 1, 2, 3, … */
	s->frames++;
	ck_assert_int_eq(r->linktype, DLT_EN10MB);
	/* kernel timestamps, wall clock, nanoseconds: within the test's time */
	ck_assert_uint_ge(r->ts_ns, s->t0 - 1000000000u);
	ck_assert_uint_le(r->ts_ns, now_ns(CLOCK_REALTIME) + 1000000000u);
	ck_assert_int_eq(probe_decode(r->linktype, r->data, r->caplen, &p), PROBE_OK);
	if (p.l3 != PROBE_L3_IPV4 || p.proto != 17)
		return; /* nothing else is expected, but nothing else is the test's either */
	ck_assert_mem_eq(p.src_mac, peer_mac, 6);
	ck_assert_mem_eq(p.dst_mac, cap_mac, 6);
	memset(&a, 0, sizeof(a));
	a.family = 4;
	inet_pton(AF_INET, PEER_IP, a.bytes);
	ck_assert_mem_eq(&p.src, &a, sizeof(a));
	inet_pton(AF_INET, CAP_IP, a.bytes);
	ck_assert_mem_eq(&p.dst, &a, sizeof(a));
	ck_assert(p.dport == 5555 || p.dport == 5556);
	s->udp[p.dport - 5555]++;
	if (p.dport != 5555)
		return;
	n = snprintf(want, sizeof(want), PAYLOAD_FMT, s->next_seq++);
	ck_assert_uint_eq(p.l4_payload_len, (unsigned)n);
	ck_assert_uint_eq(r->caplen, 14 + 20 + 8 + (unsigned)n);
	ck_assert_mem_eq(r->data + 14 + 20 + 8, want, (size_t)n);
}

/* Reads until `want` datagrams to 5555 arrived, waiting with poll() at
 * most WAIT_MS in all. */
static void collect(struct probe_capture *c, struct seen *s, unsigned want)
{
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)WAIT_MS * 1000000u, now;
	struct pollfd pfd = { .fd = probe_capture_fd(c), .events = POLLIN };
	struct probe_record r;
	int rc;

	for (;;) {
		while ((rc = probe_capture_next(c, &r)) == 1)
			check_record(s, &r);
		ck_assert_msg(rc == 0, "probe_capture_next: %d %s", rc, probe_capture_error(c));
		if (s->udp[0] >= want)
			return;
		now = now_ns(CLOCK_MONOTONIC);
		ck_assert_msg(now < deadline, "only %u of %u datagrams arrived in %d ms", s->udp[0], want, WAIT_MS);
		ck_assert_int_ge(poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1), 0);
	}
}

/* Polls until probe_capture_next() fails (bounded); returns its error. */
static int wait_error(struct probe_capture *c)
{
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)WAIT_MS * 1000000u;
	struct pollfd pfd = { .fd = probe_capture_fd(c), .events = POLLIN };
	struct probe_record r;
	int rc;

	for (;;) {
		while ((rc = probe_capture_next(c, &r)) == 1)
			;
		if (rc < 0)
			return rc;
		ck_assert_msg(now_ns(CLOCK_MONOTONIC) < deadline, "no error within %d ms", WAIT_MS);
		/* libpcap may need another look after the wake-up (see
		 * probe_capture_fd()), hence the short timeout */
		ck_assert_int_ge(poll(&pfd, 1, 100), 0);
	}
}

/* ------------------------------------------------------------ tests */

/* Defaults: TPACKET_V3, records numbered, stamped and intact. */
START_TEST(test_records)
{
	struct probe_live_config cfg = { .iface = "va" };
	struct probe_capture_stats st;
	struct probe_capture *c;
	struct seen s = { .index = 3, .t0 = now_ns(CLOCK_REALTIME) };
	char err[1024] = "x";
	int fd = peer_socket();
	unsigned i;

	ck_assert_msg(open_in_cap(&cfg, 3, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(err, ""); /* no warning */
	ck_assert_str_eq(probe_capture_ring(c), "tpacket_v3");
	ck_assert_str_eq(probe_capture_path(c), "va");
	ck_assert_int_eq(probe_capture_linktype(c), DLT_EN10MB);
	ck_assert_int_eq(probe_capture_snaplen(c), 262144);
	ck_assert_int_ge(probe_capture_fd(c), 0);
	for (i = 0; i < 10; i++)
		send_udp(fd, 5555, i);
	collect(c, &s, 10);
	ck_assert_uint_eq(s.udp[0], 10);
	ck_assert_int_eq(probe_capture_stats(c, &st), 0);
	ck_assert_uint_ge(st.received, 10);
	ck_assert_uint_eq(st.dropped, 0);
	if (!st.if_dropped_known)
		ck_assert_uint_eq(st.if_dropped, 0);
	close(fd);
	probe_capture_free(c);
}
END_TEST

/* Immediate mode: TPACKET_V2, packets delivered without a block timeout. */
START_TEST(test_immediate)
{
	struct probe_live_config cfg = { .iface = "va", .immediate = true, .buffer_bytes = 1 << 20, .snaplen = 128 };
	struct probe_capture *c;
	struct seen s = { .index = 0, .t0 = now_ns(CLOCK_REALTIME) };
	char err[1024];
	int fd = peer_socket();
	unsigned i;

	ck_assert_msg(open_in_cap(&cfg, 0, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(probe_capture_ring(c), "tpacket_v2");
	ck_assert_int_eq(probe_capture_snaplen(c), 128);
	for (i = 0; i < 3; i++)
		send_udp(fd, 5555, i);
	collect(c, &s, 3);
	close(fd);
	probe_capture_free(c);
}
END_TEST

/* The BPF filter runs in the kernel: datagrams to 5556 are never seen and
 * not even counted as received. */
START_TEST(test_filter)
{
	struct probe_live_config cfg = { .iface = "va", .bpf_filter = "udp port 5555", .buffer_bytes = 1 << 20,
					 .timeout_ms = 10 };
	struct probe_capture_stats st;
	struct probe_capture *c;
	struct seen s = { .index = 1, .t0 = now_ns(CLOCK_REALTIME) };
	char err[1024];
	int fd = peer_socket();
	unsigned i, seq = 0;

	ck_assert_msg(open_in_cap(&cfg, 1, &c, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < 5; i++)
		send_udp(fd, 5556, 100 + i);
	for (i = 0; i < 5; i++)
		send_udp(fd, 5555, seq++);
	for (i = 0; i < 5; i++)
		send_udp(fd, 5556, 200 + i);
	/* a last one to 5555: once it is here, the 5556 ones before it would
	 * have been too (a veth keeps order) */
	send_udp(fd, 5555, seq++);
	collect(c, &s, seq);
	ck_assert_uint_eq(s.udp[0], 6);
	ck_assert_uint_eq(s.udp[1], 0);
	ck_assert_uint_eq(s.frames, 6);
	ck_assert_int_eq(probe_capture_stats(c, &st), 0);
	ck_assert_uint_eq(st.received, 6); /* filtered in the kernel, before counting */
	ck_assert_uint_eq(st.dropped, 0);
	/* counts are cumulative */
	send_udp(fd, 5555, seq++);
	collect(c, &s, seq);
	ck_assert_int_eq(probe_capture_stats(c, &st), 0);
	ck_assert_uint_eq(st.received, 7);
	close(fd);
	probe_capture_free(c);
}
END_TEST

/* The interface is removed while capturing: -ENETDOWN (or -EIO) naming it,
 * and it stays failed. */
START_TEST(test_iface_removed)
{
	struct probe_live_config cfg = { .iface = "va", .buffer_bytes = 1 << 20, .timeout_ms = 10 };
	struct probe_capture *c;
	struct probe_record r;
	struct seen s = { .index = 0, .t0 = now_ns(CLOCK_REALTIME) };
	char err[1024];
	int fd = peer_socket(), rc;

	ck_assert_msg(open_in_cap(&cfg, 0, &c, err, sizeof(err)) == 0, "%s", err);
	send_udp(fd, 5555, 0);
	collect(c, &s, 1);
	/* deleting the peer end deletes both */
	ck_assert_int_eq(sh("ip -n %s link del vb", ns_peer), 0);
	rc = wait_error(c);
	ck_assert_msg(rc == -ENETDOWN || rc == -EIO, "%d %s", rc, probe_capture_error(c));
	ck_assert_msg(strstr(probe_capture_error(c), "va"), "%s", probe_capture_error(c));
	rc = probe_capture_next(c, &r);
	ck_assert_msg(rc == -ENETDOWN || rc == -EIO, "%d %s", rc, probe_capture_error(c));
	close(fd);
	probe_capture_free(c);
}
END_TEST

/* Set down: -ENETDOWN; up again: records flow again. */
START_TEST(test_iface_down_up)
{
	struct probe_live_config cfg = { .iface = "va", .buffer_bytes = 1 << 20, .timeout_ms = 10 };
	struct probe_capture *c;
	struct seen s = { .index = 0, .t0 = now_ns(CLOCK_REALTIME) };
	char err[1024];
	int fd = peer_socket(), rc;

	ck_assert_msg(open_in_cap(&cfg, 0, &c, err, sizeof(err)) == 0, "%s", err);
	send_udp(fd, 5555, s.next_seq);
	collect(c, &s, 1);
	ck_assert_int_eq(sh("ip -n %s link set va down", ns_cap), 0);
	rc = wait_error(c);
	ck_assert_msg(rc == -ENETDOWN, "%d %s", rc, probe_capture_error(c));
	ck_assert_msg(strstr(probe_capture_error(c), "va: the interface went down"), "%s", probe_capture_error(c));
	ck_assert_int_eq(sh("ip -n %s link set va up", ns_cap), 0);
	ck_assert_int_eq(sh("ip -n %s neigh replace " PEER_IP " lladdr " PEER_MAC " dev va nud permanent", ns_cap),
			 0);
	send_udp(fd, 5555, s.next_seq);
	collect(c, &s, 2);
	close(fd);
	probe_capture_free(c);
}
END_TEST

START_TEST(test_open_errors)
{
	struct probe_live_config cfg = { .iface = "nosuch0", .buffer_bytes = 1 << 20 };
	struct probe_capture *c = (void *)1;
	char err[1024];

	ck_assert_int_eq(open_in_cap(&cfg, 0, &c, err, sizeof(err)), -ENODEV);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "nosuch0: no such network interface"), "%s", err);

	cfg.iface = "a-name-much-too-long-for-linux";
	ck_assert_int_eq(open_in_cap(&cfg, 0, &c, err, sizeof(err)), -ENODEV);
	ck_assert_msg(strstr(err, cfg.iface), "%s", err);

	cfg.iface = "";
	ck_assert_int_eq(open_in_cap(&cfg, 0, &c, err, sizeof(err)), -EINVAL);

	cfg.iface = "va";
	cfg.bpf_filter = "udp port banana";
	ck_assert_int_eq(open_in_cap(&cfg, 0, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "va: bad capture filter \"udp port banana\""), "%s", err);

	cfg.bpf_filter = NULL;
	cfg.snaplen = -1;
	ck_assert_int_eq(open_in_cap(&cfg, 0, &c, err, sizeof(err)), -EINVAL);
	cfg.snaplen = 0;

	ck_assert_int_eq(sh("ip -n %s link set va down", ns_cap), 0);
	ck_assert_int_eq(open_in_cap(&cfg, 0, &c, err, sizeof(err)), -ENETDOWN);
	ck_assert_msg(strstr(err, "va: the interface is down"), "%s", err);
}
END_TEST

/* Without privileges: -EPERM, saying what is needed.  In a child that
 * gives up root (uid nobody drops every capability). */
START_TEST(test_no_permission)
{
	struct probe_live_config cfg = { .iface = "va", .buffer_bytes = 1 << 20 };
	struct probe_capture *c;
	char err[1024];
	int self, st, r;
	pid_t pid;

	self = ns_enter(ns_cap);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		r = probe_capture_open_live(&cfg, 0, &c, err, sizeof(err));
		if (r != -EPERM) {
			fprintf(stderr, "open as nobody: %d %s\n", r, err);
			_exit(3);
		}
		if (!strstr(err, "va: permission denied: capturing needs root or CAP_NET_RAW")) {
			fprintf(stderr, "open as nobody: %s\n", err);
			_exit(4);
		}
		_exit(0);
	}
	ns_leave(self);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	unsigned i;
	int failed;

	if (geteuid() != 0) {
		printf("SKIP: live capture tests need root (network namespaces, veth, CAP_NET_RAW)\n");
		return 77;
	}
	snprintf(ns_cap, sizeof(ns_cap), "sanso-cap-%d", (int)getpid());
	snprintf(ns_peer, sizeof(ns_peer), "sanso-peer-%d", (int)getpid());
	snprintf(ns_path[0], sizeof(ns_path[0]), "/run/netns/%s", ns_cap);
	snprintf(ns_path[1], sizeof(ns_path[1]), "/run/netns/%s", ns_peer);
	start_guardian();
	for (i = 0; i < 2; i++) {
		const char *ns = i ? ns_peer : ns_cap;

		if (sh("ip netns add %s", ns) != 0) {
			ns_delete_all();
			printf("SKIP: `ip netns add %s` failed: network namespaces unavailable\n", ns);
			return 77;
		}
		/* no IPv6 on the test's links: no router solicitations, MLD or
		 * DAD packets among the test's own (best effort: no IPv6 at all
		 * is fine too) */
		(void)sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
			 "net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1",
			 ns);
	}

	/* created only now: the guardian, forked above, then holds nothing of
	 * Check's that valgrind would see it lose when it exits */
	s = suite_create("probe-live");
	tc = tcase_create("live");
	tcase_add_checked_fixture(tc, veth_setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_immediate);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_iface_removed);
	tcase_add_test(tc, test_iface_down_up);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_no_permission);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ns_delete_all();
	return failed ? 1 : 0;
}
