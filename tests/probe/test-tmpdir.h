/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A scratch directory per test case, for the probe tests that write files. */
#pragma once

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmpdir[256];

/* mkdtemp under $TMPDIR (or /tmp), named after the test file */
static inline void make_tmpdir_named(const char *what)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/%s-XXXXXX", base && *base ? base : "/tmp", what);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline int tmpdir_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void remove_tmpdir(void)
{
	nftw(tmpdir, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir/name; the last four results stay valid */
static inline char *path_in(const char *name)
{
	static char buf[4][512];
	static unsigned n;
	char *p = buf[n++ % 4];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}
