/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a report was made from: the SHA-256 of each input file (topology,
 * captures, rulesets), so that a report in an audit file can be tied to
 * the very files it judged, and when it was made.
 *
 * Hashing is OpenSSL's libcrypto (EVP, SHA-NI where the CPU has it: ~2 GB/s
 * here).  A capture of many gigabytes is hashed on a thread of its own
 * while the audit reads it, so it costs no wall time on a machine with a
 * second core; the page cache serves both readers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "analyze.h"

int an_sha256_file(const char *path, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], *buf;
	unsigned int mdlen = 0;
	struct stat sb;
	int fd, r = 0;

	hex[0] = '\0';
	if (strcmp(path, "-") == 0)
		return -ESPIPE; /* standard input: read once, by the audit */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0)
		r = -errno;
	else if (!S_ISREG(sb.st_mode))
		r = -ESPIPE; /* a FIFO or a device can be read only once: by the audit */
	if (r < 0) {
		close(fd);
		return r;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	buf = malloc(1 << 20);
	if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			r = -EIO;
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
		r = -EIO;
		goto out;
	}
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	return r;
}

struct an_hash_job {
	struct an_input *inputs;
	size_t n;
	pthread_t thread;
	bool threaded;
};

static void hash_all(struct an_input *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		in[i].hashed = an_sha256_file(in[i].path, in[i].sha256) == 0;
}

static void *hash_thread(void *arg)
{
	struct an_hash_job *j = arg;

	hash_all(j->inputs, j->n);
	return NULL;
}

struct an_hash_job *an_hash_start(struct an_input *inputs, size_t n)
{
	struct an_hash_job *j = calloc(1, sizeof(*j));

	if (!j) {
		hash_all(inputs, n);
		return NULL;
	}
	j->inputs = inputs;
	j->n = n;
	j->threaded = pthread_create(&j->thread, NULL, hash_thread, j) == 0;
	if (!j->threaded)
		hash_all(inputs, n);
	return j;
}

void an_hash_join(struct an_hash_job *j)
{
	if (!j)
		return;
	if (j->threaded)
		pthread_join(j->thread, NULL);
	free(j);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t an_now_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t an_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t an_progress_after_ns(uint64_t dflt)
{
	const char *after = getenv("SANSO_PROGRESS_AFTER");

	return after && *after ? (uint64_t)(strtod(after, NULL) * 1e9) : dflt;
}
