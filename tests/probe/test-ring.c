/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Evidence ring tests: rotation by size (every file readable by libpcap
 * with its exact records and nanosecond stamps), deletion beyond `keep`,
 * numbering that continues across a reopen, and errors naming the path.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"
#include "test-tmpdir.h"

static void make_tmpdir(void)
{
	make_tmpdir_named("probe-ring");
}

static char *ring_file(unsigned n)
{
	char name[64];

	snprintf(name, sizeof(name), "ev-%06u.pcap", n);
	return path_in(name);
}

/* The numbers of the ring's files in tmpdir, as a bit set (n < 64). */
static uint64_t files_present(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	uint64_t set = 0;
	unsigned n;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		int end = 0;

		/* exactly "ev-NNNNNN.pcap" */
		if (strlen(e->d_name) != 14 || sscanf(e->d_name, "ev-%6u.pcap%n", &n, &end) != 1 || end != 14)
			continue;
		ck_assert_uint_lt(n, 64);
		set |= 1ull << n;
	}
	closedir(d);
	return set;
}

static uint64_t stamp(unsigned i)
{
	return 1700000000000000000ull + (uint64_t)i * 1000003u + 7; /* not a whole microsecond */
}

/* Record i: caplen 100 + i % 50, bytes = i + offset. */
static struct probe_record mkrec(unsigned i, uint8_t *buf)
{
	struct probe_record r = { 0 };

	r.caplen = 100 + i % 50;
	r.len = r.caplen + 4;
	memset(buf, (int)(i & 0xff), r.caplen);
	r.data = buf;
	r.ts_ns = stamp(i);
	r.linktype = DLT_EN10MB;
	return r;
}

/* Reads a ring file back; checks its records are *next, *next + 1, … and
 * advances *next.  Returns the record count. */
static unsigned read_back(const char *path, unsigned *next)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned n = 0;
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "%s: %s", path, err);
	ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1) {
		unsigned i = *next + n;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;

		ck_assert_uint_eq(ts, stamp(i));
		ck_assert_uint_eq(h->caplen, 100 + i % 50);
		ck_assert_uint_eq(h->len, h->caplen + 4);
		ck_assert_uint_eq(data[0], i & 0xff);
		ck_assert_uint_eq(data[h->caplen - 1], i & 0xff);
		n++;
	}
	pcap_close(p);
	*next += n;
	return n;
}

static unsigned count_records(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned n = 0;
	pcap_t *p = pcap_open_offline(path, err);

	ck_assert_msg(p != NULL, "%s: %s", path, err);
	while (pcap_next_ex(p, &h, &data) == 1)
		n++;
	pcap_close(p);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

/* How many files 100 records make under the documented rule (a file is
 * closed when the next record would take it over max_bytes). */
static unsigned expected_files(unsigned records, uint64_t max_bytes)
{
	uint64_t size = 0;
	unsigned i, files = 0;

	for (i = 0; i < records; i++) {
		uint64_t rec = 16 + 100 + i % 50;

		if (files == 0 || size + rec > max_bytes) {
			files++;
			size = 24;
		}
		size += rec;
	}
	return files;
}

START_TEST(test_rotation)
{
	struct probe_ring_config cfg = { .linktype = DLT_EN10MB, .max_bytes = 2000, .keep = 100 };
	struct probe_ring *r;
	struct probe_record rec;
	uint8_t buf[300];
	char err[1024], prefix[300];
	unsigned i, f, next = 0, total = 0, nfiles = expected_files(100, 2000);
	struct stat st;

	ck_assert_uint_ge(nfiles, 5);
	make_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/ev", tmpdir);
	cfg.prefix = prefix;
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	ck_assert_ptr_null(probe_ring_current(r)); /* nothing before the first record */
	ck_assert_uint_eq(files_present(), 0);
	for (i = 0; i < 100; i++) {
		rec = mkrec(i, buf);
		ck_assert_int_eq(probe_ring_write(r, &rec), 0);
	}
	ck_assert_int_eq(probe_ring_flush(r), 0);
	ck_assert_str_eq(probe_ring_current(r), ring_file(nfiles));
	/* every file, the current one too, is readable after a flush */
	f = 0;
	for (i = 1; i <= nfiles; i++)
		ck_assert_uint_gt(read_back(ring_file(i), &f), 0);
	ck_assert_uint_eq(f, 100);
	/* a record of another link type is refused, the ring stays usable */
	rec = mkrec(100, buf);
	rec.linktype = DLT_RAW;
	ck_assert_int_eq(probe_ring_write(r, &rec), -EINVAL);
	ck_assert_int_eq(probe_ring_close(r), 0);
	ck_assert_int_eq(probe_ring_close(NULL), 0);

	ck_assert_uint_eq(files_present(), ((1ull << (nfiles + 1)) - 1) & ~1ull); /* 1 … nfiles */
	for (i = 1; i <= nfiles; i++) {
		unsigned n;

		ck_assert_int_le(file_size(ring_file(i)), 2000);
		ck_assert_int_eq(stat(ring_file(i), &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0600);
		n = read_back(ring_file(i), &next);
		ck_assert_uint_gt(n, 0);
		/* size is header + records, and the file was full: the next
		 * record would not have fitted */
		if (i < nfiles)
			ck_assert_int_gt(file_size(ring_file(i)) + 16 + 100 + next % 50, 2000);
		total += n;
	}
	ck_assert_uint_eq(total, 100);
	remove_tmpdir();
}
END_TEST

/* A record bigger than max_bytes gets a file of its own; a longer record
 * than snaplen is cut. */
START_TEST(test_big_record)
{
	struct probe_ring_config cfg = { .linktype = DLT_EN10MB, .snaplen = 1000, .max_bytes = 300, .keep = 5 };
	struct probe_ring *r;
	struct probe_record rec = { 0 };
	static uint8_t buf[4000];
	char err[1024], prefix[300];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	make_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/ev", tmpdir);
	cfg.prefix = prefix;
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	rec.data = buf;
	rec.linktype = DLT_EN10MB;
	rec.caplen = rec.len = 100;
	ck_assert_int_eq(probe_ring_write(r, &rec), 0);
	rec.caplen = rec.len = 4000; /* cut to 1000: 24 + 16 + 1000 > 300 */
	ck_assert_int_eq(probe_ring_write(r, &rec), 0);
	rec.caplen = rec.len = 100;
	ck_assert_int_eq(probe_ring_write(r, &rec), 0);
	ck_assert_int_eq(probe_ring_close(r), 0);
	ck_assert_uint_eq(files_present(), 0xe);
	ck_assert_int_eq(file_size(ring_file(1)), 24 + 16 + 100);
	ck_assert_int_eq(file_size(ring_file(2)), 24 + 16 + 1000);
	ck_assert_int_eq(file_size(ring_file(3)), 24 + 16 + 100);
	p = pcap_open_offline(ring_file(2), err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
	ck_assert_uint_eq(h->caplen, 1000);
	ck_assert_uint_eq(h->len, 4000);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
	remove_tmpdir();
}
END_TEST

/* keep = 3: only the three newest files stay; a reopen continues after
 * the highest number on disk (also past a gap and a stranger's files). */
START_TEST(test_keep_and_reopen)
{
	struct probe_ring_config cfg = { .linktype = DLT_EN10MB, .max_bytes = 24 + 2 * 116, .keep = 3 };
	struct probe_ring *r;
	struct probe_record rec;
	uint8_t buf[300];
	char err[1024], prefix[300];
	unsigned i;
	FILE *f;

	make_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/ev", tmpdir);
	cfg.prefix = prefix;
	/* not ours: other prefixes, other suffixes, too few digits */
	f = fopen(path_in("ev-000050.pcap.txt"), "w");
	fclose(f);
	f = fopen(path_in("evx-000060.pcap"), "w");
	fclose(f);
	f = fopen(path_in("ev-61.pcap"), "w");
	fclose(f);

	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	for (i = 0; i < 10; i++) { /* two 116-byte records per file: files 1 … 5 */
		rec = mkrec(i * 50, buf);
		ck_assert_int_eq(probe_ring_write(r, &rec), 0);
		if (i == 1)
			ck_assert_uint_eq(files_present(), 0x2);
		if (i == 5) /* file 3 just started: 1 … 3 */
			ck_assert_uint_eq(files_present(), 0xe);
		if (i == 6) /* file 4: 1 deleted */
			ck_assert_uint_eq(files_present(), 0x1c);
	}
	ck_assert_int_eq(probe_ring_close(r), 0);
	ck_assert_uint_eq(files_present(), 0x38); /* 3, 4, 5 */
	ck_assert_uint_eq(count_records(ring_file(3)), 2);
	ck_assert_uint_eq(count_records(ring_file(5)), 2);
	/* strangers untouched */
	ck_assert_int_eq(access(path_in("ev-000050.pcap.txt"), F_OK), 0);
	ck_assert_int_eq(access(path_in("evx-000060.pcap"), F_OK), 0);
	ck_assert_int_eq(access(path_in("ev-61.pcap"), F_OK), 0);

	/* reopen: continues at 6; opening alone creates nothing */
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(files_present(), 0x38);
	rec = mkrec(0, buf);
	ck_assert_int_eq(probe_ring_write(r, &rec), 0);
	ck_assert_str_eq(probe_ring_current(r), ring_file(6));
	ck_assert_int_eq(probe_ring_close(r), 0);
	ck_assert_uint_eq(files_present(), 0x70); /* 4, 5, 6 */

	/* a gap: only 4 and 9 on disk → 10 next, and 4 goes beyond keep */
	ck_assert_int_eq(unlink(ring_file(5)), 0);
	ck_assert_int_eq(rename(ring_file(6), ring_file(9)), 0);
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	for (i = 0; i < 5; i++) {
		rec = mkrec(i * 50, buf);
		ck_assert_int_eq(probe_ring_write(r, &rec), 0);
	}
	ck_assert_str_eq(probe_ring_current(r), ring_file(12));
	ck_assert_int_eq(probe_ring_close(r), 0);
	ck_assert_uint_eq(files_present(), 0x1c00); /* 10, 11, 12 */
	remove_tmpdir();
}
END_TEST

START_TEST(test_open_errors)
{
	struct probe_ring_config cfg = { .linktype = DLT_EN10MB };
	struct probe_ring *r = (void *)1;
	char err[1024], prefix[300];
	FILE *f;

	make_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/missing/ev", tmpdir);
	cfg.prefix = prefix;
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(err, path_in("missing")), "%s", err);

	f = fopen(path_in("file"), "w");
	fclose(f);
	snprintf(prefix, sizeof(prefix), "%s/file/ev", tmpdir);
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), -ENOTDIR);
	ck_assert_msg(strstr(err, path_in("file")), "%s", err);

	snprintf(prefix, sizeof(prefix), "%s/", tmpdir);
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), -EINVAL);

	/* unwritable directory (root writes anyway: then only the other cases) */
	if (geteuid() != 0) {
		ck_assert_int_eq(mkdir(path_in("ro"), 0500), 0);
		snprintf(prefix, sizeof(prefix), "%s/ro/ev", tmpdir);
		ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), -EACCES);
		ck_assert_msg(strstr(err, path_in("ro")), "%s", err);
	}
	remove_tmpdir();
}
END_TEST

/* The directory vanishes before the first record: the write fails with
 * the path in the message, and the ring stays failed. */
START_TEST(test_write_error_sticky)
{
	struct probe_ring_config cfg = { .linktype = DLT_EN10MB };
	struct probe_ring *r;
	struct probe_record rec;
	uint8_t buf[300];
	char err[1024], prefix[300];

	make_tmpdir();
	ck_assert_int_eq(mkdir(path_in("sub"), 0700), 0);
	snprintf(prefix, sizeof(prefix), "%s/sub/ev", tmpdir);
	cfg.prefix = prefix;
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(rmdir(path_in("sub")), 0);
	rec = mkrec(0, buf);
	ck_assert_int_eq(probe_ring_write(r, &rec), -ENOENT);
	ck_assert_msg(strstr(probe_ring_error(r), path_in("sub/ev-000001.pcap")), "%s", probe_ring_error(r));
	ck_assert_int_eq(mkdir(path_in("sub"), 0700), 0); /* too late: the ring stays failed */
	ck_assert_int_eq(probe_ring_write(r, &rec), -ENOENT);
	ck_assert_int_eq(probe_ring_flush(r), -ENOENT);
	ck_assert_ptr_null(probe_ring_current(r));
	ck_assert_int_eq(probe_ring_close(r), -ENOENT);
	remove_tmpdir();
}
END_TEST

/* A full disk (file size limit, which binds root too): -EFBIG naming the
 * file, sticky, and close reports it. */
START_TEST(test_disk_full)
{
	struct probe_ring_config cfg = { .linktype = DLT_EN10MB, .max_bytes = 1u << 20 };
	struct probe_ring *r;
	struct probe_record rec;
	struct rlimit old, lim = { .rlim_cur = 8192, .rlim_max = RLIM_INFINITY };
	uint8_t buf[300];
	char err[1024], prefix[300];
	unsigned i;
	int rc = 0;

	make_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/ev", tmpdir);
	cfg.prefix = prefix;
	signal(SIGXFSZ, SIG_IGN); /* write() then fails with EFBIG */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(probe_ring_open(&cfg, &r, err, sizeof(err)), 0);
	for (i = 0; i < 1000 && rc == 0; i++) {
		rec = mkrec(i, buf);
		rc = probe_ring_write(r, &rec);
		if (rc == 0)
			rc = probe_ring_flush(r);
	}
	ck_assert_int_eq(rc, -EFBIG);
	ck_assert_msg(strstr(probe_ring_error(r), "ev-000001.pcap"), "%s", probe_ring_error(r));
	ck_assert_int_eq(probe_ring_write(r, &rec), -EFBIG);
	ck_assert_int_eq(probe_ring_close(r), -EFBIG);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	remove_tmpdir();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe-ring");
	TCase *tc = tcase_create("ring");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_big_record);
	tcase_add_test(tc, test_keep_and_reopen);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_write_error_sticky);
	tcase_add_test(tc, test_disk_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
