/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a report goes (cmd.h, struct output): standard output, or a file
 * written next to its target and renamed into place only when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

/* f writes through these, so that a failed write keeps its reason */
static ssize_t output_write(void *cookie, const char *buf, size_t n)
{
	struct output *out = cookie;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(out->fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!out->err)
				out->err = w < 0 ? errno : EIO;
			errno = out->err;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int output_close(void *cookie)
{
	struct output *out = cookie;

	if (out->fd <= STDERR_FILENO)
		return 0;
	return close(out->fd);
}

int output_stream(struct output *out, int fd)
{
	static const cookie_io_functions_t io = {.write = output_write, .close = output_close};

	out->fd = fd;
	out->f = fopencookie(out, "w", io);
	if (!out->f)
		return -errno;
	setvbuf(out->f, NULL, _IOFBF, 1 << 16);
	return 0;
}

bool output_in_place(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* Output goes to a temporary file next to the target and is renamed into
 * place only when complete: bad input never leaves a half-written report.
 * A target that exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO) is written in place instead: a rename would replace it — run as
 * root, -o /dev/null would leave a regular file as the system's /dev/null.
 * The report gets the mode a shell redirect would give it (0666 less the
 * umask), not mkstemp's 0600. */
int output_open(struct output *out, const char *path)
{
	int fd, r;

	out->path = path;
	out->err = 0;
	if (!path || strcmp(path, "-") == 0) {
		fflush(stdout);
		return output_stream(out, STDOUT_FILENO);
	}
	if (output_in_place(path)) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			return -errno;
		if ((r = output_stream(out, fd)) < 0)
			close(fd);
		return r;
	}
	if (asprintf(&out->tmp, "%s.tmp-XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(out->tmp);
	if (fd < 0) {
		r = -errno;
		free(out->tmp);
		out->tmp = NULL;
		return r;
	}
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || (r = output_stream(out, fd)) < 0) {
		r = -errno;
		close(fd);
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
		return r;
	}
	return 0;
}

/* a writer's -EIO made precise by what write(2) said */
int output_error(const struct output *out, int r)
{
	return out->err ? -out->err : r;
}

int output_commit(struct output *out)
{
	int r = 0;

	if (fflush(out->f) != 0 || ferror(out->f))
		r = -EIO;
	if (r == 0 && out->tmp && fsync(out->fd) != 0)
		r = -errno;
	if (fclose(out->f) != 0 && r == 0)
		r = -EIO;
	out->f = NULL;
	r = r < 0 ? output_error(out, r) : 0;
	if (r == 0 && out->tmp && rename(out->tmp, out->path) != 0)
		r = -errno;
	if (r < 0 && out->tmp)
		unlink(out->tmp);
	free(out->tmp);
	out->tmp = NULL;
	return r;
}

void output_abort(struct output *out)
{
	if (out->f) {
		fclose(out->f);
		out->f = NULL;
	}
	if (out->tmp) {
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	}
}
