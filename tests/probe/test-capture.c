/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture reading and evidence writing, on files made here: pcap written
 * with libpcap (nanosecond), pcap and pcapng built byte by byte for the
 * broken cases libpcap would never write.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"
#include "test-tmpdir.h"

static void make_tmpdir(void)
{
	make_tmpdir_named("probe-capture");
}

static unsigned count_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static const uint64_t stamps[3] = { 1700000000123456789ull, 1700000000123456790ull, 1700000001000000001ull };

/* Three 60-byte Ethernet frames, nanosecond pcap, via libpcap. */
static void write_pcap(const char *path)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	uint8_t frame[60];
	unsigned i;

	ck_assert_ptr_nonnull(d);
	for (i = 0; i < 3; i++) {
		struct pcap_pkthdr h = { 0 };

		memset(frame, (int)i, sizeof(frame));
		h.ts.tv_sec = (time_t)(stamps[i] / 1000000000u);
		h.ts.tv_usec = (suseconds_t)(stamps[i] % 1000000000u);
		h.caplen = 60;
		h.len = 64;
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

START_TEST(test_read_back)
{
	struct probe_capture *c;
	struct probe_record r;
	char err[1024] = "";
	unsigned i;

	make_tmpdir();
	write_pcap(path_in("a.pcap"));
	ck_assert_int_eq(probe_capture_open_offline(path_in("a.pcap"), 7, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_capture_linktype(c), DLT_EN10MB);
	ck_assert_int_eq(probe_capture_snaplen(c), 65535);
	ck_assert_str_eq(probe_capture_path(c), path_in("a.pcap"));
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(probe_capture_next(c, &r), 1);
		ck_assert_uint_eq(r.ref.frame, i + 1);
		ck_assert_uint_eq(r.ref.file, 7);
		ck_assert_uint_eq(r.ts_ns, stamps[i]);
		ck_assert_uint_eq(r.caplen, 60);
		ck_assert_uint_eq(r.len, 64);
		ck_assert_int_eq(r.linktype, DLT_EN10MB);
		ck_assert_uint_eq(r.data[0], i);
	}
	ck_assert_int_eq(probe_capture_next(c, &r), 0);
	ck_assert_int_eq(probe_capture_next(c, &r), 0);
	probe_capture_free(c);
	probe_capture_free(NULL);
	remove_tmpdir();
}
END_TEST

static void expect_damaged_at(const char *path, unsigned good, const char *needle)
{
	struct probe_capture *c;
	struct probe_record r;
	char err[1024] = "", want[32];
	unsigned i;

	ck_assert_int_eq(probe_capture_open_offline(path, 0, &c, err, sizeof(err)), 0);
	for (i = 0; i < good; i++)
		ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_int_eq(probe_capture_next(c, &r), -EBADMSG);
	snprintf(want, sizeof(want), "frame %u:", good + 1);
	ck_assert_msg(strstr(probe_capture_error(c), want), "error %s lacks '%s'", probe_capture_error(c), want);
	ck_assert_msg(strstr(probe_capture_error(c), needle), "error %s lacks '%s'", probe_capture_error(c), needle);
	probe_capture_free(c);
}

/* The live-only calls on a file: fd -1, ring "file", no statistics. */
START_TEST(test_offline_live_calls)
{
	struct probe_capture_stats st;
	struct probe_capture *c;
	char err[1024];

	make_tmpdir();
	write_pcap(path_in("a.pcap"));
	ck_assert_int_eq(probe_capture_open_offline(path_in("a.pcap"), 0, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_capture_fd(c), -1);
	ck_assert_str_eq(probe_capture_ring(c), "file");
	ck_assert_int_eq(probe_capture_stats(c, &st), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(probe_capture_error(c), "a.pcap"));
	probe_capture_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_truncated)
{
	make_tmpdir();
	/* 24-byte header + 3 × (16 + 60): cut 10 bytes into record 3's data */
	write_pcap(path_in("cut.pcap"));
	ck_assert_int_eq(truncate(path_in("cut.pcap"), 24 + 2 * 76 + 16 + 50), 0);
	expect_damaged_at(path_in("cut.pcap"), 2, "truncated");
	/* cut inside record 3's header */
	ck_assert_int_eq(truncate(path_in("cut.pcap"), 24 + 2 * 76 + 5), 0);
	expect_damaged_at(path_in("cut.pcap"), 2, "truncated");
	remove_tmpdir();
}
END_TEST

/* n 60-byte frames, frame i's bytes all (uint8_t)i, nanosecond pcap. */
static void write_big_pcap(const char *path, unsigned n)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	uint8_t frame[60];

	ck_assert_ptr_nonnull(d);
	for (unsigned i = 0; i < n; i++) {
		struct pcap_pkthdr h = { 0 };

		memset(frame, (int)(uint8_t)i, sizeof(frame));
		h.ts.tv_sec = 1700000000 + i;
		h.caplen = h.len = 60;
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

/* A regular file is read through a memory map; a FIFO can't be mapped and
 * must still be read, through stdio, to the same records. */
START_TEST(test_read_fifo)
{
	struct probe_capture *c;
	struct probe_record r;
	char err[1024] = "";
	pid_t pid;
	int status;
	unsigned i;

	make_tmpdir();
	write_big_pcap(path_in("a.pcap"), 5000);
	ck_assert_int_eq(mkfifo(path_in("a.fifo"), 0600), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* the writer: cat a.pcap > a.fifo */
		static char buf[65536];
		int in = open(path_in("a.pcap"), O_RDONLY), out = open(path_in("a.fifo"), O_WRONLY);
		ssize_t n;

		while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				_exit(1);
		_exit(in >= 0 && out >= 0 ? 0 : 1);
	}
	ck_assert_int_eq(probe_capture_open_offline(path_in("a.fifo"), 0, &c, err, sizeof(err)), 0);
	for (i = 0; i < 5000; i++) {
		ck_assert_int_eq(probe_capture_next(c, &r), 1);
		ck_assert_uint_eq(r.ref.frame, i + 1);
		ck_assert_uint_eq(r.data[59], (uint8_t)i);
	}
	ck_assert_int_eq(probe_capture_next(c, &r), 0);
	probe_capture_free(c);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	remove_tmpdir();
}
END_TEST

/* Another program cuts the file short while we read it: the pages past
 * its new end are gone from under the map.  A damaged-file error naming
 * the frame, not a SIGBUS; the frames before it were read intact. */
START_TEST(test_shrunk_while_read)
{
	struct probe_capture *c;
	struct probe_record r;
	char err[1024] = "";
	unsigned i;
	int q;

	/* valgrind cannot resume a copy that a SIGBUS handler let continue
	 * (it then reports its own replacement memmove writing past the
	 * buffer); the plain run covers this */
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload"))
		return;
	make_tmpdir();
	write_big_pcap(path_in("a.pcap"), 20000); /* 1.5 MB */
	ck_assert_int_eq(probe_capture_open_offline(path_in("a.pcap"), 0, &c, err, sizeof(err)), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_int_eq(truncate(path_in("a.pcap"), 65536), 0);
	while ((q = probe_capture_next(c, &r)) == 1) {
		ck_assert_uint_eq(r.data[0], (uint8_t)i);
		ck_assert_uint_eq(r.data[59], (uint8_t)i);
		i++;
	}
	ck_assert_int_eq(q, -EBADMSG);
	ck_assert_uint_eq(i, (65536 - 24) / 76); /* every frame that still fits */
	ck_assert_msg(strstr(probe_capture_error(c), "frame 863: the file shrank"), "error: %s",
		      probe_capture_error(c));
	probe_capture_free(c);
	remove_tmpdir();
}
END_TEST

/* Little-endian pcap (microseconds) built by hand: header + records. */
static size_t pcap_hdr(uint8_t *b, uint32_t snaplen, uint32_t linktype)
{
	const uint32_t h[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, snaplen, linktype };

	memcpy(b, h, sizeof(h)); /* the host is little-endian (checked in main) */
	return sizeof(h);
}

static size_t pcap_rec(uint8_t *b, uint32_t caplen, uint32_t len, size_t data_bytes)
{
	const uint32_t h[4] = { 1700000000, 5, caplen, len };

	memcpy(b, h, sizeof(h));
	memset(b + sizeof(h), 0xab, data_bytes);
	return sizeof(h) + data_bytes;
}

START_TEST(test_lying_record)
{
	static uint8_t buf[1024];
	size_t n;

	make_tmpdir();
	/* record 2 claims 300 000 captured bytes: more than any snaplen */
	n = pcap_hdr(buf, 65535, DLT_EN10MB);
	n += pcap_rec(buf + n, 60, 60, 60);
	n += pcap_rec(buf + n, 300000, 300000, 100);
	write_file(path_in("lie.pcap"), buf, n);
	expect_damaged_at(path_in("lie.pcap"), 1, "300000");
	remove_tmpdir();
}
END_TEST

/* A record longer than the file's snaplen (but sane): libpcap 1.10 reads
 * it cut to the snaplen, so the reader never hands out more than snaplen. */
START_TEST(test_record_above_snaplen)
{
	static uint8_t buf[1024];
	struct probe_capture *c;
	struct probe_record r;
	char err[1024];
	size_t n;
	int rc;

	make_tmpdir();
	n = pcap_hdr(buf, 64, DLT_EN10MB);
	n += pcap_rec(buf + n, 100, 100, 100);
	n += pcap_rec(buf + n, 60, 60, 60);
	write_file(path_in("big.pcap"), buf, n);
	ck_assert_int_eq(probe_capture_open_offline(path_in("big.pcap"), 0, &c, err, sizeof(err)), 0);
	rc = probe_capture_next(c, &r);
	if (rc == 1)
		ck_assert_uint_le(r.caplen, 64);
	else
		ck_assert_msg(rc == -EBADMSG && strstr(probe_capture_error(c), "frame 1:"), "%d %s", rc,
			      probe_capture_error(c));
	probe_capture_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_open_errors)
{
	static uint8_t buf[256];
	struct probe_capture *c = (void *)1;
	char err[1024];
	size_t n;

	make_tmpdir();
	ck_assert_int_eq(probe_capture_open_offline(path_in("missing.pcap"), 0, &c, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "missing.pcap"));

	ck_assert_int_eq(probe_capture_open_offline(tmpdir, 0, &c, err, sizeof(err)), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err, "directory"));

	write_file(path_in("text.pcap"), "hello, this is not a capture\n", 29);
	ck_assert_int_eq(probe_capture_open_offline(path_in("text.pcap"), 0, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not a pcap or pcapng file"), "%s", err);

	write_file(path_in("empty.pcap"), "", 0);
	ck_assert_int_eq(probe_capture_open_offline(path_in("empty.pcap"), 0, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "empty.pcap: "), "%s", err);

	n = pcap_hdr(buf, 65535, DLT_EN10MB);
	buf[4] = 9; /* version 9.4 */
	write_file(path_in("v9.pcap"), buf, n);
	ck_assert_int_eq(probe_capture_open_offline(path_in("v9.pcap"), 0, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "version"), "%s", err);
	remove_tmpdir();
}
END_TEST

/* ---- pcapng by hand (little-endian) */

static size_t put32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4);
	return 4;
}

static size_t ng_shb(uint8_t *b)
{
	size_t n = 0;

	n += put32(b + n, 0x0a0d0d0a);
	n += put32(b + n, 28);
	n += put32(b + n, 0x1a2b3c4d);
	n += put32(b + n, 0x00000001); /* major 1, minor 0 */
	n += put32(b + n, 0xffffffff);
	n += put32(b + n, 0xffffffff); /* section length unknown */
	n += put32(b + n, 28);
	return n;
}

static size_t ng_idb(uint8_t *b, uint16_t linktype, uint32_t snaplen)
{
	size_t n = 0;

	n += put32(b + n, 1);
	n += put32(b + n, 20);
	n += put32(b + n, linktype); /* linktype, reserved 0 */
	n += put32(b + n, snaplen);
	n += put32(b + n, 20);
	return n;
}

static size_t ng_epb(uint8_t *b, uint32_t iface, uint64_t ts_us, uint32_t caplen)
{
	uint32_t padded = (caplen + 3) & ~3u;
	size_t n = 0;

	n += put32(b + n, 6);
	n += put32(b + n, 32 + padded);
	n += put32(b + n, iface);
	n += put32(b + n, (uint32_t)(ts_us >> 32));
	n += put32(b + n, (uint32_t)ts_us);
	n += put32(b + n, caplen);
	n += put32(b + n, caplen);
	memset(b + n, 0x5a, padded);
	n += padded;
	n += put32(b + n, 32 + padded);
	return n;
}

START_TEST(test_pcapng)
{
	static uint8_t buf[1024];
	struct probe_capture *c;
	struct probe_record r;
	char err[1024];
	size_t n = 0;

	make_tmpdir();
	n += ng_shb(buf + n);
	n += ng_idb(buf + n, DLT_EN10MB, 0);
	n += ng_epb(buf + n, 0, 1700000000123456ull, 42);
	n += ng_epb(buf + n, 0, 1700000000123457ull, 60);
	write_file(path_in("ok.pcapng"), buf, n);
	ck_assert_int_eq(probe_capture_open_offline(path_in("ok.pcapng"), 1, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_uint_eq(r.ts_ns, 1700000000123456000ull);
	ck_assert_uint_eq(r.caplen, 42);
	ck_assert_uint_eq(r.ref.frame, 1);
	ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_uint_eq(r.ref.frame, 2);
	ck_assert_int_eq(probe_capture_next(c, &r), 0);
	probe_capture_free(c);

	/* a second interface of another link type, as mergecap writes */
	n = 0;
	n += ng_shb(buf + n);
	n += ng_idb(buf + n, DLT_EN10MB, 0);
	n += ng_epb(buf + n, 0, 1700000000123456ull, 42);
	n += ng_idb(buf + n, DLT_NULL, 0);
	n += ng_epb(buf + n, 1, 1700000000123457ull, 40);
	write_file(path_in("mixed.pcapng"), buf, n);
	expect_damaged_at(path_in("mixed.pcapng"), 1, "different link types");
	ck_assert_int_eq(probe_capture_open_offline(path_in("mixed.pcapng"), 0, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_int_eq(probe_capture_next(c, &r), -EBADMSG);
	ck_assert_msg(strstr(probe_capture_error(c), "tshark -r"), "%s", probe_capture_error(c));
	probe_capture_free(c);

	/* different snapshot lengths: the same restriction, explained alike */
	n = 0;
	n += ng_shb(buf + n);
	n += ng_idb(buf + n, DLT_EN10MB, 0);
	n += ng_idb(buf + n, DLT_EN10MB, 128);
	n += ng_epb(buf + n, 0, 1700000000123456ull, 42);
	write_file(path_in("snap.pcapng"), buf, n);
	ck_assert_int_eq(probe_capture_open_offline(path_in("snap.pcapng"), 0, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_capture_next(c, &r), -EBADMSG);
	ck_assert_msg(strstr(probe_capture_error(c), "frame 1:"), "%s", probe_capture_error(c));
	ck_assert_msg(strstr(probe_capture_error(c), "different link types or snapshot lengths"), "%s",
		      probe_capture_error(c));
	probe_capture_free(c);
	remove_tmpdir();
}
END_TEST

/* ---- evidence writer */

static struct probe_record mkrec(const uint8_t *data, uint32_t caplen, uint64_t ts, int linktype)
{
	struct probe_record r = { .data = data, .caplen = caplen, .len = caplen, .ts_ns = ts, .linktype = linktype };

	return r;
}

START_TEST(test_dump_commit)
{
	struct probe_dump *d;
	struct probe_capture *c;
	struct probe_record r;
	uint8_t frame[60] = { 1, 2, 3 };
	char err[1024];
	struct stat st;

	make_tmpdir();
	ck_assert_int_eq(probe_dump_open(path_in("ev.pcap"), DLT_EN10MB, 65535, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(count_entries(), 1); /* the temp file */
	ck_assert_int_ne(stat(path_in("ev.pcap"), &st), 0);
	r = mkrec(frame, 60, stamps[0], DLT_EN10MB);
	ck_assert_int_eq(probe_dump_write(d, &r), 0);
	r = mkrec(frame, 60, stamps[2], DLT_EN10MB);
	ck_assert_int_eq(probe_dump_write(d, &r), 0);
	r = mkrec(frame, 60, stamps[2], DLT_RAW);
	ck_assert_int_eq(probe_dump_write(d, &r), -EINVAL);
	ck_assert_int_eq(probe_dump_commit(d), 0);
	ck_assert_uint_eq(count_entries(), 1); /* only ev.pcap: the temp name is gone */
	ck_assert_int_eq(stat(path_in("ev.pcap"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(probe_capture_open_offline(path_in("ev.pcap"), 0, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_uint_eq(r.ts_ns, stamps[0]);
	ck_assert_uint_eq(r.data[2], 3);
	ck_assert_int_eq(probe_capture_next(c, &r), 1);
	ck_assert_uint_eq(r.ts_ns, stamps[2]);
	ck_assert_int_eq(probe_capture_next(c, &r), 0);
	probe_capture_free(c);
	remove_tmpdir();
}
END_TEST

START_TEST(test_dump_abort)
{
	struct probe_dump *d;
	uint8_t frame[60] = { 0 };
	struct probe_record r = mkrec(frame, 60, stamps[0], DLT_EN10MB);
	char err[1024];

	make_tmpdir();
	ck_assert_int_eq(probe_dump_open(path_in("ev.pcap"), DLT_EN10MB, 65535, &d, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_dump_write(d, &r), 0);
	probe_dump_abort(d);
	ck_assert_uint_eq(count_entries(), 0);
	probe_dump_abort(NULL);

	/* an existing file is left alone by an aborted run */
	write_file(path_in("ev.pcap"), "old", 3);
	ck_assert_int_eq(probe_dump_open(path_in("ev.pcap"), DLT_EN10MB, 65535, &d, err, sizeof(err)), 0);
	probe_dump_abort(d);
	ck_assert_uint_eq(count_entries(), 1);

	/* no such directory */
	d = (void *)1;
	ck_assert_int_eq(probe_dump_open(path_in("nope/ev.pcap"), DLT_EN10MB, 65535, &d, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err, "nope/ev.pcap.tmp-"), "%s", err);
	remove_tmpdir();
}
END_TEST

/* A disk that fills up (here: a file size limit) fails the commit, and
 * neither the evidence file nor the temp file stays behind. */
START_TEST(test_dump_disk_full)
{
	struct rlimit lim = { .rlim_cur = 8192 }, old;
	struct probe_dump *d;
	uint8_t frame[1000] = { 0 };
	struct probe_record r = mkrec(frame, sizeof(frame), stamps[0], DLT_EN10MB);
	char err[1024];
	int rc = 0, i;

	make_tmpdir();
	signal(SIGXFSZ, SIG_IGN); /* write() then fails with EFBIG */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(probe_dump_open(path_in("ev.pcap"), DLT_EN10MB, 65535, &d, err, sizeof(err)), 0);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = probe_dump_write(d, &r);
	ck_assert_int_lt(probe_dump_commit(d), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_uint_eq(count_entries(), 0);
	remove_tmpdir();
}
END_TEST

int main(void)
{
	const uint16_t one = 1;
	Suite *s = suite_create("probe-capture");
	TCase *tc = tcase_create("capture");
	SRunner *sr;
	int failed;

	if (*(const uint8_t *)&one != 1) {
		fprintf(stderr, "the hand-built files assume a little-endian host\n");
		return 77;
	}
	tcase_add_test(tc, test_read_back);
	tcase_add_test(tc, test_offline_live_calls);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_read_fifo);
	tcase_add_test(tc, test_shrunk_while_read);
	tcase_add_test(tc, test_lying_record);
	tcase_add_test(tc, test_record_above_snaplen);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_pcapng);
	tcase_add_test(tc, test_dump_commit);
	tcase_add_test(tc, test_dump_abort);
	tcase_add_test(tc, test_dump_disk_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
