/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture-helper — a minimal live capture for tests/e2e/live-capture.sh.
 *
 *   capture-helper IFACE OUT.pcap [BPF FILTER]
 *
 * Opens IFACE with libpcap in immediate mode, prints "ready" on stdout (and
 * flushes) only once the handle is activated and the filter installed, so the
 * caller can start its traffic without sleeping, then writes every packet to
 * OUT.pcap until SIGTERM or SIGINT.  On the signal it drains what the kernel
 * has already queued, flushes the file and exits 0.  Exit 1 on any error.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop;
static pcap_t *handle;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	if (handle)
		pcap_breakloop(handle);
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_dumper_t *dump = NULL;
	struct sigaction sa;
	struct bpf_program prog;
	int r, ret = 1;

	if (argc < 3 || argc > 4) {
		fputs("usage: capture-helper IFACE OUT.pcap [FILTER]\n", stderr);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	handle = pcap_create(argv[1], err);
	if (!handle) {
		fprintf(stderr, "capture-helper: %s\n", err);
		return 1;
	}
	pcap_set_snaplen(handle, 65535);
	pcap_set_promisc(handle, 1);
	pcap_set_immediate_mode(handle, 1);
	/* The read timeout bounds how long a signal can go unnoticed should
	 * pcap_breakloop() race with the start of a blocking read. */
	pcap_set_timeout(handle, 100);
	r = pcap_activate(handle);
	if (r < 0) {
		fprintf(stderr, "capture-helper: %s: %s\n", argv[1], pcap_geterr(handle));
		goto out;
	}
	if (argc == 4) {
		if (pcap_compile(handle, &prog, argv[3], 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(handle, &prog) < 0) {
			fprintf(stderr, "capture-helper: filter: %s\n", pcap_geterr(handle));
			goto out;
		}
		pcap_freecode(&prog);
	}
	dump = pcap_dump_open(handle, argv[2]);
	if (!dump) {
		fprintf(stderr, "capture-helper: %s: %s\n", argv[2], pcap_geterr(handle));
		goto out;
	}

	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		r = pcap_dispatch(handle, -1, pcap_dump, (u_char *)dump);
		if (r == PCAP_ERROR) {
			fprintf(stderr, "capture-helper: %s\n", pcap_geterr(handle));
			goto out;
		}
	}
	/* Drain what is already queued: the caller signals us right after its
	 * last packet went out. */
	if (pcap_setnonblock(handle, 1, err) == 0)
		while (pcap_dispatch(handle, -1, pcap_dump, (u_char *)dump) > 0)
			;
	if (pcap_dump_flush(dump) != 0) {
		fprintf(stderr, "capture-helper: %s: %s\n", argv[2], strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (dump)
		pcap_dump_close(dump);
	pcap_close(handle);
	return ret;
}
