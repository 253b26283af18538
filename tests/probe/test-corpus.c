/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shared real-world corpus: every file under corpus/pcap is opened,
 * every record read, decoded and fed to a flow table and a station table
 * (nothing may crash; run this under ASan), and the record counts are
 * compared with what libpcap 1.10.3's tcpdump read (EXPECTED.tsv):
 *  - tcpdump_exit 0: we read exactly tcpdump_packets records, then EOF;
 *  - linktype "unreadable": opening fails with a message;
 *  - tcpdump stopped in pcap_loop (mixed-interface pcapng): we read the
 *    same number of records, then fail with an explanation.
 *
 * Usage: test-probe-corpus CORPUS/pcap  (or $SANSO_PCAP_CORPUS); exits 77
 * (meson: skipped) when the directory is missing.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture-diff.h"
#include "probe.h"

/* ck_assert() reports every passing check to the runner (a write() each):
 * per record, use this, which only reports a failure. */
#define CHECK(cond)                                                                                                \
	do {                                                                                                       \
		if (!(cond))                                                                                       \
			ck_abort_msg("%s:%d: %s: check failed: %s", __FILE__, __LINE__, path, #cond);               \
	} while (0)

static const char *corpus_dir; /* …/corpus/pcap */

struct totals {
	unsigned long files, opened, records, compared;
	unsigned long st[4];
	unsigned long flows, stations;
};

static struct totals totals;

struct read_result {
	int open_rc;
	int end_rc; /* 0 at EOF, -EBADMSG */
	unsigned long records;
	char message[2048];
};

static void read_file(const char *path, struct read_result *res)
{
	struct probe_flow_table *ft = NULL;
	struct probe_station_table *st = NULL;
	struct probe_capture *c = NULL;
	struct probe_record r;
	int rc;

	memset(res, 0, sizeof(*res));
	totals.files++;
	res->open_rc = probe_capture_open_offline(path, 0, &c, res->message, sizeof(res->message));
	if (res->open_rc < 0)
		return;
	totals.opened++;
	ft = probe_flow_table_new(NULL, NULL, NULL);
	st = probe_station_table_new(0);
	ck_assert_ptr_nonnull(ft);
	ck_assert_ptr_nonnull(st);
	while ((rc = probe_capture_next(c, &r)) == 1) {
		struct probe_packet p;
		enum probe_status s = probe_decode(r.linktype, r.data, r.caplen, &p);

		res->records++;
		CHECK(r.ref.frame == res->records);
		totals.st[s]++;
		if (s != PROBE_OK)
			continue;
		if (p.l3 == PROBE_L3_IPV4 || p.l3 == PROBE_L3_IPV6) {
			unsigned side, ev;
			struct probe_flow *f = probe_flow_table_update(ft, &p, &r, &side, &ev);

			if (f) {
				struct probe_flow_key k;

				CHECK(side <= 1);
				CHECK(f->packets[side] >= 1);
				if (!p.is_fragment && probe_flow_key_from_packet(&p, false, &k, NULL))
					CHECK(probe_flow_table_find(ft, &k) == f);
			}
		}
		if (p.has_mac && p.l3 != PROBE_L3_NONE)
			probe_station_observe(st, p.src_mac, p.l3 == PROBE_L3_ARP ? &p.arp_spa : &p.src,
					      p.n_vlans ? p.vlans[p.n_vlans - 1] : -1, -1, 0, p.l3 == PROBE_L3_ARP,
					      r.ts_ns, r.ref);
	}
	res->end_rc = rc;
	if (rc < 0)
		snprintf(res->message, sizeof(res->message), "%s", probe_capture_error(c));
	totals.records += res->records;
	{
		struct probe_flow_stats fs;

		probe_flow_table_flush(ft);
		probe_flow_table_stats(ft, &fs);
		ck_assert_uint_eq(fs.live, 0);
		ck_assert_uint_eq(fs.created, fs.ended_idle + fs.ended_capacity + fs.ended_flush);
		totals.flows += fs.created;
	}
	totals.stations += probe_station_table_count(st);
	probe_station_table_free(st);
	probe_flow_table_free(ft);
	probe_capture_free(c);
}

static int visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct read_result res;

	(void)sb;
	(void)ftw;
	char why[4096];
	long n;

	if (flag != FTW_F)
		return 0;
	read_file(path, &res);
	/* every record as libpcap itself reads it (capture-diff.h) */
	n = capture_diff(path, why, sizeof(why));
	ck_assert_msg(n >= 0, "%s", why);
	totals.compared += (unsigned long)n;
	return 0;
}

/* Every file, including the .txt and .tsv ones (they must fail to open,
 * cleanly). */
START_TEST(test_every_file)
{
	memset(&totals, 0, sizeof(totals));
	ck_assert_int_eq(nftw(corpus_dir, visit, 32, FTW_PHYS), 0);
	printf("corpus: %lu files, %lu opened, %lu records (%lu equal to libpcap's): %lu ok, %lu truncated, "
	       "%lu malformed, %lu unsupported link type; %lu flows, %lu stations\n",
	       totals.files, totals.opened, totals.records, totals.compared, totals.st[PROBE_OK], totals.st[PROBE_TRUNCATED],
	       totals.st[PROBE_MALFORMED], totals.st[PROBE_UNSUPPORTED_LINKTYPE], totals.flows, totals.stations);
	ck_assert_uint_gt(totals.records, 0);
	ck_assert_uint_gt(totals.compared, totals.records / 2);
}
END_TEST

/* Splits a TSV line in place; returns the number of fields. */
static unsigned split_tsv(char *line, char **fields, unsigned max)
{
	unsigned n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		fields[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

START_TEST(test_expected_counts)
{
	unsigned long checked = 0, unreadable = 0, stopped = 0;
	char *tsv, *root, line[8192];
	char *f[16];
	FILE *fp;

	ck_assert_int_ge(asprintf(&tsv, "%s/EXPECTED.tsv", corpus_dir), 0);
	ck_assert_int_ge(asprintf(&root, "%s/..", corpus_dir), 0); /* TSV paths start with pcap/ */
	fp = fopen(tsv, "r");
	ck_assert_msg(fp != NULL, "%s: %s", tsv, strerror(errno));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp)); /* header */
	ck_assert_msg(strncmp(line, "path\tlinktype\t", 14) == 0, "unexpected header: %s", line);
	while (fgets(line, sizeof(line), fp)) {
		char *path;
		struct read_result res;
		unsigned n = split_tsv(line, f, 16);
		const char *linktype, *stderr_line;
		int tcpdump_exit;
		unsigned long tcpdump_packets;

		ck_assert_uint_ge(n, 9);
		linktype = f[1];
		tcpdump_exit = atoi(f[4]);
		tcpdump_packets = strtoul(f[5], NULL, 10);
		stderr_line = f[8];
		ck_assert_int_ge(asprintf(&path, "%s/%s", root, f[0]), 0);
		read_file(path, &res);

		if (strcmp(linktype, "unreadable") == 0) {
			ck_assert_msg(res.open_rc < 0, "%s: libpcap refuses it, we opened it", f[0]);
			ck_assert_msg(strstr(res.message, path) && strlen(res.message) > strlen(path) + 10,
				      "%s: poor message '%s'", f[0], res.message);
			unreadable++;
		} else if (tcpdump_exit == 0) {
			ck_assert_msg(res.open_rc == 0, "%s: open failed: %s", f[0], res.message);
			ck_assert_msg(res.end_rc == 0, "%s: read failed: %s", f[0], res.message);
			ck_assert_msg(res.records == tcpdump_packets, "%s: %lu records, tcpdump read %lu", f[0],
				      res.records, tcpdump_packets);
			checked++;
		} else if (strstr(stderr_line, "pcap_loop:")) {
			ck_assert_msg(res.open_rc == 0, "%s: open failed: %s", f[0], res.message);
			ck_assert_msg(res.end_rc == -EBADMSG, "%s: read to the end, tcpdump stopped", f[0]);
			ck_assert_msg(res.records == tcpdump_packets, "%s: %lu records before the error, tcpdump %lu",
				      f[0], res.records, tcpdump_packets);
			if (strstr(stderr_line, "an interface has"))
				ck_assert_msg(strstr(res.message, "different link types or snapshot lengths"),
					      "%s: unexplained: %s", f[0], res.message);
			stopped++;
		}
		free(path);
	}
	fclose(fp);
	free(tsv);
	free(root);
	printf("EXPECTED.tsv: %lu counts match, %lu unreadable refused, %lu mid-file stops match\n", checked,
	       unreadable, stopped);
	ck_assert_uint_gt(checked, 1000);
}
END_TEST

int main(int argc, char **argv)
{
	struct stat st;
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	corpus_dir = argc > 1 ? argv[1] : getenv("SANSO_PCAP_CORPUS");
	if (!corpus_dir || stat(corpus_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		printf("SKIP: pcap corpus directory %s not found (pass it as the argument or in "
		       "$SANSO_PCAP_CORPUS)\n",
		       corpus_dir ? corpus_dir : "(none given)");
		return 77;
	}
	s = suite_create("probe-corpus");
	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_every_file);
	tcase_add_test(tc, test_expected_counts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
