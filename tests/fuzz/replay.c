/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main() for a fuzz target in a build without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once on every file named on the command line,
 * or on every regular file of a directory named there (sorted by name, so a
 * failure is reproducible).  A crash, a sanitizer report or a leak fails the
 * test; the inputs themselves are expected to be rejected or accepted
 * quietly.  Exits 1 when an argument can't be read or a directory is empty
 * (a corpus that silently vanished would otherwise test nothing).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path, size_t *n_run)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *p;

			cap = cap ? cap * 2 : 4096;
			p = realloc(buf, cap);
			if (!p) {
				fprintf(stderr, "%s: out of memory\n", path);
				err = -1;
				goto out;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		err = -1;
		goto out;
	}
	/* an exact-size copy, so ASan catches a read one byte past the input */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		err = -1;
		goto out;
	}
	memcpy(exact, buf, len);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	(*n_run)++;
out:
	free(buf);
	fclose(f);
	return err;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *n_run)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, before = *n_run;
	int err = 0;

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p;

			cap = cap ? cap * 2 : 256;
			p = realloc(names, cap * sizeof(*names));
			if (!p) {
				err = -1;
				goto out;
			}
			names = p;
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			err = -1;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(names[i], n_run) < 0)
			err = -1;
	}
	if (*n_run == before) {
		fprintf(stderr, "%s: no input files\n", dir);
		err = -1;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return err;
}

int main(int argc, char **argv)
{
	size_t n_run = 0;
	int err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR|FILE…\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			err = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &n_run) < 0)
				err = -1;
		} else if (run_file(argv[i], &n_run) < 0) {
			err = -1;
		}
	}
	printf("%s: %zu inputs replayed\n", argv[0], n_run);
	return err < 0 ? 1 : 0;
}
