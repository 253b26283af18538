/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft text rulesets (`nft list ruleset` output, or any file `nft -f` takes)
 * without an nft grammar of our own.  nft(8) itself loads the file into a
 * private network namespace, the netlink reader (netlink.c) reads it back
 * exactly like a live ruleset, and a structural scan of the text gives each
 * rule back the line and text the kernel does not keep.
 *
 * The namespace: one child process unshare()s a network namespace (as root
 * CLONE_NEWNET; otherwise, or when that is refused, inside a new user
 * namespace mapping root to the caller), creates the interfaces the caller
 * names, opens a NETLINK_NETFILTER and a NETLINK_ROUTE socket there, passes
 * both to the parent with SCM_RIGHTS and then execs `nft -f PATH` in place.
 * The sockets keep the namespace alive after nft exits, so the parent reads
 * it back without ever entering it; one child means a single pid to time
 * out, kill and reap.  Opening the sockets before nft runs rather than after
 * changes nothing: they see the namespace as it is when they are read.
 *
 * nft runs in the file's directory, so that `include "./part.nft"` finds
 * the file next to it, as in nftables' own examples; it follows includes
 * with the caller's privileges, exactly as `nft -f` run by hand would (as
 * root: any file, and nft's error messages quote offending lines).  Rules
 * from included files load, but are not located in the text: a rule
 * carries only a line, not a file, so their chains keep handles, with a
 * warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "rulesets-internal.h"

/* A hostile or pathological file (millions of set elements, an nft bug
 * looping) must not hang the verifier: nft gets this long, then SIGKILL. */
#define NFT_TIMEOUT_MS (60 * 1000)
/* nft echoes every offending line with its error; keep this much of it. */
#define NFT_STDERR_MAX (64 * 1024)
/* Diagnostics relayed from nft's stderr, so a file of garbage gives a
 * readable report rather than thousands of lines. */
#define NFT_DIAGS_MAX 20

#define JSON_HINT "or export the ruleset as JSON with `nft -j list ruleset` and load that"

/* ------------------------------------------------------- the private netns */

/* Where the child stopped; ST_READY carries the two sockets. */
enum stage {
	ST_READY,
	ST_UNSHARE,
	ST_USERNS_MAP,
	ST_SOCKET,
	ST_CHDIR,
	ST_EXEC,
};

/* The child's report to the parent, over a SOCK_SEQPACKET socketpair. */
struct report {
	int stage;
	int err; /* errno of the failure */
	unsigned links_failed;
	int link_err;
	char link[IFNAMSIZ]; /* the first interface that could not be made */
};

struct nft_run {
	struct report rep;
	bool have_report;
	int nft_fd, rtnl_fd; /* -1 until ST_READY */
	char *err;           /* nft's stderr, NUL-terminated, at most NFT_STDERR_MAX */
	size_t err_len;
	bool err_truncated;
	bool timed_out;
	int status; /* waitpid() status */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* nft: $SANSO_NFT (a path, or a name looked up in $PATH), else nft in
 * $PATH, else /usr/sbin or /sbin, which an unprivileged user's PATH often
 * lacks.  Returns 0 or -ENOENT. */
static int nft_find(char *buf, size_t len)
{
	const char *name = getenv("SANSO_NFT");

	if (name && *name && strchr(name, '/')) {
		snprintf(buf, len, "%s", name);
		goto found;
	}
	if (!name || !*name)
		name = "nft";
	const char *path = getenv("PATH");
	while (path && *path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && (size_t)snprintf(buf, len, "%.*s/%s", (int)n, path, name) < len &&
		    access(buf, X_OK) == 0)
			goto found;
		path += n + (path[n] == ':');
	}
	static const char *const fallback[] = {"/usr/sbin/", "/sbin/"};
	for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++)
		if ((size_t)snprintf(buf, len, "%s%s", fallback[i], name) < len && access(buf, X_OK) == 0)
			return 0;
	return -ENOENT;
found:
	/* nft runs in the file's directory: a relative name would move */
	if (buf[0] != '/') {
		char *abs = realpath(buf, NULL);
		if (abs && strlen(abs) < len)
			strcpy(buf, abs);
		free(abs);
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : (size_t)n == strlen(text) ? 0 : -EIO;
	close(fd);
	return err;
}

/* Enters a new network namespace: directly when we may (root with
 * CAP_SYS_ADMIN), else inside a new user namespace where the caller is
 * root, as `unshare -Urn` does.  Returns 0 or -errno with rep->stage set. */
static int child_enter_netns(struct report *rep)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int err;

	if (uid == 0 && unshare(CLONE_NEWNET) == 0)
		return 0;
	rep->stage = ST_UNSHARE;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return -errno;
	rep->stage = ST_USERNS_MAP;
	/* an unprivileged process may write gid_map only after denying
	 * setgroups; kernels before 3.19 have no such file */
	err = write_file("/proc/self/setgroups", "deny");
	if (err < 0 && err != -ENOENT)
		return err;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if ((err = write_file("/proc/self/uid_map", map)) < 0)
		return err;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

static int child_link_add(struct mnl_socket *nl, const char *name, const char *kind, unsigned seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	/* libmnl 1.0.4 (Debian 12) leaves the alignment padding after an
	 * attribute as it found it: zero it all rather than send stack bytes */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL) < 0 ? -errno : 0;
}

/* Creates the interfaces so that `iif "eth0"` loads (nft resolves the
 * name to an index then).  "dummy" is the natural kind, but some kernels
 * lack it and a user namespace cannot load modules: "ifb" and "bridge"
 * need no lower device either.  Failures are counted, not fatal: a
 * ruleset that doesn't name the interface loads anyway. */
static void child_links_add(const char *const *ifnames, size_t n, struct report *rep)
{
	static const char *const kinds[] = {"dummy", "ifb", "bridge"};
	size_t kind = 0;
	struct mnl_socket *nl;

	if (n == 0 || !ifnames)
		return;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rep->links_failed = (unsigned)n;
		rep->link_err = errno;
		snprintf(rep->link, sizeof(rep->link), "%s", ifnames[0] ? ifnames[0] : "");
		if (nl)
			mnl_socket_close(nl);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int err = -EINVAL;
		if (ifnames[i] && ifnames[i][0] && strlen(ifnames[i]) < IFNAMSIZ)
			while ((err = child_link_add(nl, ifnames[i], kinds[kind], (unsigned)i + 1)) == -EOPNOTSUPP &&
			       kind + 1 < sizeof(kinds) / sizeof(kinds[0]))
				kind++;
		/* EEXIST: "lo", or a name given twice */
		if (err < 0 && err != -EEXIST && rep->links_failed++ == 0) {
			rep->link_err = -err;
			snprintf(rep->link, sizeof(rep->link), "%s", ifnames[i] ? ifnames[i] : "");
		}
	}
	mnl_socket_close(nl);
}

static int send_report(int sock, const struct report *rep, const int *fds, size_t n_fds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct iovec iov = {(void *)rep, sizeof(*rep)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n_fds) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static __attribute__((noreturn)) void child_fail(int sock, struct report *rep, int stage, int err)
{
	rep->stage = stage;
	rep->err = err;
	send_report(sock, rep, NULL, 0);
	_exit(127);
}

/* The child: never returns.  Only _exit(), so none of the caller's atexit
 * handlers or stdio buffers run twice. */
static __attribute__((noreturn)) void child_run(int sock, int errfd, int nullfd, const char *nft, const char *dir,
						  const char *base, const char *const *ifnames, size_t n_ifnames)
{
	struct report rep = {.stage = ST_READY};
	sigset_t none;
	int fds[2], err;

	/* the caller's signal mask must not reach nft, nor its descriptors:
	 * ours are close-on-exec, this makes everyone else's so */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* if the caller dies, nft goes with it instead of running on */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	if ((err = child_enter_netns(&rep)) < 0)
		child_fail(sock, &rep, rep.stage, -err);
	child_links_add(ifnames, n_ifnames, &rep);
	fds[0] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	fds[1] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fds[0] < 0 || fds[1] < 0)
		child_fail(sock, &rep, ST_SOCKET, errno);
	rep.stage = ST_READY;
	if (send_report(sock, &rep, fds, 2) < 0)
		_exit(127);
	close(fds[0]);
	close(fds[1]);

	if (chdir(dir) < 0)
		child_fail(sock, &rep, ST_CHDIR, errno);
	if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(nullfd, STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0)
		child_fail(sock, &rep, ST_EXEC, errno);
	/* "-" would make nft read stdin */
	char *argv[] = {"nft", "-f", (char *)(strcmp(base, "-") == 0 ? "./-" : base), NULL};
	extern char **environ;
	execve(nft, argv, environ);
	child_fail(sock, &rep, ST_EXEC, errno);
}

/* One message from the child; returns >0 to go on, 0 at EOF, <0 on error. */
static int read_report(int sock, struct nft_run *run)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct report rep;
	struct iovec iov = {&rep, sizeof(rep)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};

	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	int fds[4], n_fds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k && n_fds < 4; i++)
				memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
	if ((size_t)n == sizeof(rep)) {
		run->rep = rep;
		run->have_report = true;
		if (rep.stage == ST_READY && n_fds == 2 && run->nft_fd < 0) {
			run->nft_fd = fds[0];
			run->rtnl_fd = fds[1];
			n_fds = 0;
		}
	}
	while (n_fds > 0)
		close(fds[--n_fds]);
	return 1;
}

static int read_stderr(int fd, struct nft_run *run)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	size_t keep = run->err_len < NFT_STDERR_MAX ? NFT_STDERR_MAX - run->err_len : 0;
	if ((size_t)n > keep)
		run->err_truncated = true;
	else
		keep = (size_t)n;
	/* the rest is read and dropped, so nft never blocks on a full pipe */
	memcpy(run->err + run->err_len, buf, keep);
	run->err_len += keep;
	run->err[run->err_len] = 0;
	return 1;
}

/* Runs the child and waits for it.  Returns 0 when it ran (whatever nft
 * did: see run), or -errno when it could not be started; on return no
 * child, pipe or socket of ours is left but run->nft_fd/rtnl_fd. */
static int nft_run(const char *nft, const char *dir, const char *base, const char *const *ifnames,
		   size_t n_ifnames, struct nft_run *run)
{
	int sv[2] = {-1, -1}, ep[2] = {-1, -1}, nullfd = -1, err = 0;
	pid_t pid;

	run->nft_fd = run->rtnl_fd = -1;
	run->err = malloc(NFT_STDERR_MAX + 1);
	if (!run->err)
		return -ENOMEM;
	run->err[0] = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
	    (nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		err = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		close(ep[0]);
		child_run(sv[1], ep[1], nullfd, nft, dir, base, ifnames, n_ifnames);
	}
	close(sv[1]);
	close(ep[1]);
	close(nullfd);
	sv[1] = ep[1] = nullfd = -1;

	struct pollfd pfd[2] = {{.fd = sv[0], .events = POLLIN}, {.fd = ep[0], .events = POLLIN}};
	int64_t deadline = now_ms() + NFT_TIMEOUT_MS;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			run->timed_out = true;
			break;
		}
		int n = poll(pfd, 2, (int)left);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (n > 0 && pfd[0].revents && read_report(pfd[0].fd, run) <= 0)
			pfd[0].fd = -1; /* closed below as sv[0] */
		if (n > 0 && pfd[1].revents && read_stderr(pfd[1].fd, run) <= 0)
			pfd[1].fd = -1;
	}
	if (run->timed_out || err < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &run->status, 0) < 0)
		if (errno != EINTR) {
			err = err < 0 ? err : -errno;
			break;
		}
out:;
	const int fds[] = {sv[0], sv[1], ep[0], ep[1], nullfd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

/* ---------------------------------------------------- relaying nft's errors */

/* Control characters from a binary file must not reach a terminal. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = *s == '\t' ? ' ' : '?';
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Parses "FILE:LINE:COL-COL" (nft's erec_print location). */
static bool parse_location(char *loc, const char **ret_file, unsigned *ret_line, unsigned *ret_col)
{
	char *cols = strrchr(loc, ':');
	if (!cols)
		return false;
	*cols = 0;
	char *line = strrchr(loc, ':');
	size_t ncol = strcspn(cols + 1, "-");
	if (!line || line == loc || !all_digits(cols + 1, ncol) || !all_digits(line + 1, strlen(line + 1))) {
		*cols = ':';
		return false;
	}
	*line = 0;
	*ret_file = loc;
	*ret_line = (unsigned)strtoul(line + 1, NULL, 10);
	*ret_col = (unsigned)strtoul(cols + 1, NULL, 10);
	return true;
}

static bool is_caret_line(const char *s)
{
	bool caret = false;

	for (; *s; s++) {
		if (*s == '^' || *s == '~')
			caret = true;
		else if (*s != ' ' && *s != '\t')
			return false;
	}
	return caret;
}

/* The file as the caller named it, and as nft sees it from its directory. */
struct nft_file {
	const char *path;
	char *dir; /* "." when path has no '/' */
	const char *base;
};

static int nft_file_init(struct nft_file *f, const char *path)
{
	const char *slash = strrchr(path, '/');

	f->path = path;
	f->base = slash ? slash + 1 : path;
	f->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	return f->dir ? 0 : -ENOMEM;
}

/* A file named in nft's messages, as the caller would name it: nft names
 * ours by its base name, included ones relative to the directory. */
static const char *nft_file_name(const struct nft_file *f, const char *file, char *buf, size_t len)
{
	if (strcmp(file, f->base) == 0)
		return f->path;
	if (file[0] == '/' || strcmp(f->dir, ".") == 0)
		return file;
	snprintf(buf, len, "%s/%s", f->dir, file);
	return buf;
}

/*
 * Turns nft's stderr into diagnostics: "FILE:L:C-C: Error: MSG" keeps its
 * file (an included one, maybe), line and column; the source line and
 * caret line nft prints under it are dropped; anything else (an assertion,
 * "BUG: …") is relayed as it is, against path.  Returns how many.
 */
static unsigned relay_nft_output(const struct nft_file *f, char *text, enum topo_severity sev,
				 struct topo_diag_list *diags)
{
	unsigned n = 0, dropped = 0, echo = 0;
	char src[PATH_MAX];

	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		sanitize(line);
		if (echo > 0) {
			/* after a located message: its source line, then the carets */
			echo--;
			if (is_caret_line(line))
				echo = 0;
			continue;
		}
		if (!line[strspn(line, " ")])
			continue;
		if (n >= NFT_DIAGS_MAX) {
			dropped++;
			continue;
		}
		const char *file = f->path, *msg = line;
		unsigned lno = 0, col = 0;
		enum topo_severity s = sev;
		char *tag = strstr(line, ": Error: ");
		if (!tag && (tag = strstr(line, ": Warning: ")))
			s = TOPO_SEV_WARNING;
		if (!tag && strncmp(line, "Warning: ", 9) == 0)
			s = TOPO_SEV_WARNING;
		if (tag) {
			*tag = 0;
			if (parse_location(line, &file, &lno, &col)) {
				msg = tag + 2;
				if (strcmp(file, "internal") == 0) {
					file = f->path;
					lno = col = 0;
				} else {
					file = nft_file_name(f, file, src, sizeof(src));
					echo = 2;
				}
			} else {
				*tag = ':';
			}
		}
		topo_diag_add(diags, file, lno, col, s, "nft: %s", msg);
		n++;
	}
	if (dropped)
		topo_diag_add(diags, f->path, 0, 0, sev, "nft: … and %u more messages", dropped);
	return n;
}

static const char *stage_what(int stage)
{
	switch (stage) {
	case ST_UNSHARE:
		return "unshare(CLONE_NEWUSER|CLONE_NEWNET)";
	case ST_USERNS_MAP:
		return "mapping the caller to root in the user namespace";
	case ST_SOCKET:
		return "opening netlink sockets in the private namespace";
	case ST_CHDIR:
		return "entering the file's directory";
	case ST_EXEC:
		return "running nft";
	}
	return "?";
}

/* Interprets a finished run; returns 0 when nft loaded the file. */
static int nft_run_check(const struct nft_file *f, const char *nft, struct nft_run *run,
			 struct topo_diag_list *diags)
{
	const char *path = f->path;
	const struct report *rep = &run->rep;
	size_t errors = diags->n_errors;

	if (run->have_report && rep->stage == ST_EXEC && rep->err == ENOENT) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR,
			      "cannot read an nft text ruleset: %s not found; install nftables (nft) to read text "
			      "rulesets, " JSON_HINT,
			      nft);
		return -EPERM;
	}
	if (run->have_report && (rep->stage == ST_UNSHARE || rep->stage == ST_USERNS_MAP)) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR,
			      "cannot make a private network namespace to load the nft text ruleset into (%s: %s): "
			      "this needs root, or unprivileged user namespaces (sysctl user.max_user_namespaces > 0, "
			      "kernel.unprivileged_userns_clone=1 where it exists, and no AppArmor "
			      "restrict_unprivileged_userns); " JSON_HINT,
			      stage_what(rep->stage),
			      rep->err == ENOSPC ? "user.max_user_namespaces is 0 or used up" : strerror(rep->err));
		return -EPERM;
	}
	if (run->have_report && rep->stage != ST_READY) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "cannot load the nft text ruleset: %s: %s",
			      stage_what(rep->stage), strerror(rep->err));
		return rep->stage == ST_CHDIR && rep->err > 0 ? -rep->err : -EPERM;
	}
	if (!run->have_report || run->nft_fd < 0) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR,
			      "cannot load the nft text ruleset: the helper process ended without a report");
		return -EPERM;
	}
	if (run->timed_out) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "nft -f did not finish within %d s; it was stopped",
			      NFT_TIMEOUT_MS / 1000);
		return -EBADMSG;
	}
	bool ok = WIFEXITED(run->status) && WEXITSTATUS(run->status) == 0;
	relay_nft_output(f, run->err, ok ? TOPO_SEV_WARNING : TOPO_SEV_ERROR, diags);
	if (run->err_truncated)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_WARNING, "nft printed more than %d bytes; the rest was dropped",
			      NFT_STDERR_MAX);
	if (ok)
		return 0;
	if (WIFSIGNALED(run->status))
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR,
			      "nft crashed (signal %d, %s) loading this file: a bug in nft, but no ruleset was read; a "
			      "newer nft may load it, " JSON_HINT,
			      WTERMSIG(run->status), strsignal(WTERMSIG(run->status)));
	else if (diags->n_errors == errors)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "nft -f failed (exit status %d) without saying why",
			      WEXITSTATUS(run->status));
	if (rep->links_failed)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_WARNING,
			      "%u interface(s) could not be made in the private namespace (%s: %s); rules naming them "
			      "with iif/oif do not load without them",
			      rep->links_failed, rep->link, strerror(rep->link_err));
	return -EBADMSG;
}

int rs_load_nft_text(const char *path, const char *const *ifnames, size_t n_ifnames, struct rs_ruleset **ret,
		     struct topo_diag_list *diags)
{
	struct nft_run run = {.nft_fd = -1, .rtnl_fd = -1};
	struct nft_file f;
	char nft[PATH_MAX];
	struct stat st;
	int fd, err;

	*ret = NULL;
	/* a missing file is the caller's error, not nft's: say so plainly.  A
	 * pipe won't do either: the file is read twice, by nft and by us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	err = fd < 0 || fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : !S_ISREG(st.st_mode) ? -EINVAL : 0;
	if (fd >= 0)
		close(fd);
	if (err < 0) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "cannot read: %s",
			      err == -EINVAL ? "not a regular file" : strerror(-err));
		return err;
	}
	if (nft_find(nft, sizeof(nft)) < 0) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR,
			      "cannot read an nft text ruleset: nft is not installed (not in $PATH, /usr/sbin or /sbin); "
			      "install nftables (nft) to read text rulesets, " JSON_HINT);
		return -EPERM;
	}

	if (nft_file_init(&f, path) < 0)
		return -ENOMEM;
	err = nft_run(nft, f.dir, f.base, ifnames, n_ifnames, &run);
	if (err < 0) {
		if (err != -ENOMEM)
			topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "cannot run nft: %s", strerror(-err));
		goto out;
	}
	err = nft_run_check(&f, nft, &run, diags);
	if (err < 0)
		goto out;
	err = rs_netlink_read(run.nft_fd, run.rtnl_fd, path, RS_ORIGIN_NFT_TEXT, ret, diags);
	if (err < 0)
		goto out;
	/* lines and text are a convenience: only running out of memory fails */
	err = rs_nft_text_annotate(path, *ret, diags);
	if (err == -ENOMEM) {
		rs_ruleset_free(*ret);
		*ret = NULL;
	} else {
		err = 0;
	}
out:
	if (run.nft_fd >= 0)
		close(run.nft_fd);
	if (run.rtnl_fd >= 0)
		close(run.rtnl_fd);
	free(run.err);
	free(f.dir);
	return err;
}

/* ------------------------------------------------------- locating the rules */

/*
 * Not a grammar: a scan of the file's structure, enough to know which
 * statements are rules of which chain.  Tokens are words, "strings",
 * braces and statement ends (newline, ';'); '#' comments and backslash
 * line continuations vanish.  Braces open a block only after a header
 * (`table [FAMILY] NAME`, `chain NAME` in a table, `add chain …`); every
 * other brace (anonymous sets, set and map declarations, flowtables,
 * counters, `define`) only nests, and newlines inside it don't end the
 * statement.
 */

enum tok_kind {
	TOK_EOF,
	TOK_WORD,
	TOK_STRING,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_END,
};

struct tok {
	enum tok_kind kind;
	size_t start, end; /* the word, or the string inside its quotes */
	size_t raw_end;    /* past the closing quote */
	unsigned line;
};

struct lexer {
	const char *buf;
	size_t len, pos;
	unsigned line;
};

static bool lex_continuation(const struct lexer *lx, size_t pos)
{
	const char *b = lx->buf;

	return b[pos] == '\\' && ((pos + 1 < lx->len && b[pos + 1] == '\n') ||
				  (pos + 2 < lx->len && b[pos + 1] == '\r' && b[pos + 2] == '\n'));
}

static bool lex_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == 0;
}

static struct tok lex(struct lexer *lx)
{
	const char *b = lx->buf;
	struct tok t = {TOK_EOF, 0, 0, 0, 0};

	for (;;) {
		if (lx->pos >= lx->len) {
			t.start = t.end = t.raw_end = lx->len;
			t.line = lx->line;
			return t;
		}
		if (lex_space(b[lx->pos])) {
			lx->pos++;
		} else if (lex_continuation(lx, lx->pos)) {
			lx->pos += b[lx->pos + 1] == '\n' ? 2 : 3;
			lx->line++;
		} else if (b[lx->pos] == '#') {
			while (lx->pos < lx->len && b[lx->pos] != '\n')
				lx->pos++;
		} else {
			break;
		}
	}
	t.start = lx->pos;
	t.line = lx->line;
	switch (b[lx->pos]) {
	case '\n':
		lx->line++;
		/* fall through */
	case ';':
		t.kind = TOK_END;
		lx->pos++;
		break;
	case '{':
		t.kind = TOK_LBRACE;
		lx->pos++;
		break;
	case '}':
		t.kind = TOK_RBRACE;
		lx->pos++;
		break;
	case '"':
		t.kind = TOK_STRING;
		t.start = ++lx->pos;
		while (lx->pos < lx->len && b[lx->pos] != '"')
			lx->line += b[lx->pos++] == '\n';
		t.end = lx->pos;
		lx->pos += lx->pos < lx->len;
		t.raw_end = lx->pos;
		return t;
	default:
		t.kind = TOK_WORD;
		while (lx->pos < lx->len && !lex_space(b[lx->pos]) && !strchr("\n;{}#\"", b[lx->pos]) &&
		       !lex_continuation(lx, lx->pos))
			lx->pos++;
		break;
	}
	t.end = t.raw_end = lx->pos;
	return t;
}

/* What the file says about one chain. */
struct text_rule {
	unsigned line;
	size_t start, end; /* the rule's bytes */
};

struct text_chain {
	enum rs_family family;
	size_t table, table_len, name, name_len; /* slices of the file */
	unsigned line;
	struct text_rule *rules;
	size_t n_rules, cap_rules;
	const char *unordered; /* why the file doesn't say the rules' order, or NULL */
};

#define STMT_WORDS 8

/* One statement: its first words (enough for every header and command we
 * look at) and its extent. */
struct stmt {
	struct tok w[STMT_WORDS];
	size_t n_words; /* may exceed STMT_WORDS */
	size_t start, end;
	unsigned line;
	bool opens_block;
};

enum ctx {
	CTX_TOP,
	CTX_TABLE,
	CTX_CHAIN,
};

struct scan {
	struct lexer lx;
	struct tok peek;
	bool peeked;
	struct text_chain *chains;
	size_t n_chains, cap_chains;
	bool saw_include;
};

static struct tok scan_next(struct scan *sc)
{
	if (sc->peeked) {
		sc->peeked = false;
		return sc->peek;
	}
	return lex(&sc->lx);
}

static bool word_is_at(const char *buf, const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->kind == TOK_WORD && t->end - t->start == n && memcmp(buf + t->start, s, n) == 0;
}

static bool word_is(const struct scan *sc, const struct tok *t, const char *s)
{
	return word_is_at(sc->lx.buf, t, s);
}

static bool stmt_word_is(const struct scan *sc, const struct stmt *st, size_t i, const char *s)
{
	return i < st->n_words && i < STMT_WORDS && word_is(sc, &st->w[i], s);
}

static bool family_parse(const struct scan *sc, const struct tok *t, enum rs_family *ret)
{
	static const struct {
		const char *name;
		enum rs_family family;
	} fams[] = {{"ip", RS_FAMILY_IP},       {"ip6", RS_FAMILY_IP6},       {"inet", RS_FAMILY_INET},
		    {"arp", RS_FAMILY_ARP},     {"bridge", RS_FAMILY_BRIDGE}, {"netdev", RS_FAMILY_NETDEV}};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		if (word_is(sc, t, fams[i].name)) {
			*ret = fams[i].family;
			return true;
		}
	return false;
}

/* "[FAMILY] TABLE [CHAIN]" from word i on: the family defaults to ip, as
 * in nft.  Returns the index past what it read, or 0 when words are
 * missing. */
static size_t spec_parse(const struct scan *sc, const struct stmt *st, size_t i, bool chain, enum rs_family *fam,
			 const struct tok **table, const struct tok **name)
{
	size_t n = st->n_words < STMT_WORDS ? st->n_words : STMT_WORDS;

	*fam = RS_FAMILY_IP;
	if (i < n && family_parse(sc, &st->w[i], fam))
		i++;
	if (i + (chain ? 2 : 1) > n)
		return 0;
	*table = &st->w[i++];
	if (chain)
		*name = &st->w[i++];
	return i;
}

/* Words i… are exactly "[FAMILY] NAME…" with n names. */
static bool spec_exact(const struct scan *sc, const struct stmt *st, size_t i, size_t n)
{
	enum rs_family fam;

	return st->n_words == i + n || (st->n_words == i + n + 1 && family_parse(sc, &st->w[i], &fam));
}

/* The verb of a top-level command, and where its object word is: a bare
 * `table …` or `chain …` is an implicit add. */
static size_t command_object(const struct scan *sc, const struct stmt *st, const char **verb)
{
	static const char *const verbs[] = {"add", "create", "insert", "replace", "delete", "destroy", "flush"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (stmt_word_is(sc, st, 0, verbs[i])) {
			*verb = verbs[i];
			return 1;
		}
	*verb = "add";
	return 0;
}

static bool is_header(const struct scan *sc, enum ctx ctx, const struct stmt *st)
{
	const char *verb;
	size_t o;

	switch (ctx) {
	case CTX_TOP:
		o = command_object(sc, st, &verb);
		if (strcmp(verb, "add") != 0 && strcmp(verb, "create") != 0)
			return false;
		if (stmt_word_is(sc, st, o, "table"))
			return spec_exact(sc, st, o + 1, 1);
		if (stmt_word_is(sc, st, o, "chain"))
			return spec_exact(sc, st, o + 1, 2);
		return false;
	case CTX_TABLE:
		return st->n_words == 2 && stmt_word_is(sc, st, 0, "chain");
	case CTX_CHAIN:
		break;
	}
	return false;
}

/* Reads one statement, or returns false at a closing brace (consumed, in
 * *closes) or the end of the file. */
static bool stmt_read(struct scan *sc, enum ctx ctx, struct stmt *st, bool *closes)
{
	unsigned depth = 0;
	struct tok t;

	memset(st, 0, sizeof(*st));
	*closes = false;
	do
		t = scan_next(sc);
	while (t.kind == TOK_END);
	if (t.kind == TOK_EOF)
		return false;
	if (t.kind == TOK_RBRACE) {
		*closes = true;
		return false;
	}
	st->start = t.start - (t.kind == TOK_STRING);
	st->line = t.line;
	for (;; t = scan_next(sc)) {
		switch (t.kind) {
		case TOK_EOF:
			return true;
		case TOK_END:
			if (depth == 0)
				return true;
			continue;
		case TOK_WORD:
		case TOK_STRING:
			if (depth == 0 && st->n_words < STMT_WORDS)
				st->w[st->n_words] = t;
			st->n_words += depth == 0;
			break;
		case TOK_LBRACE:
			if (depth == 0 && is_header(sc, ctx, st)) {
				st->opens_block = true;
				return true;
			}
			depth++;
			break;
		case TOK_RBRACE:
			if (depth == 0) {
				/* `chain c { accept }`: the brace ends this statement and the block */
				sc->peek = t;
				sc->peeked = true;
				return true;
			}
			depth--;
			break;
		}
		st->end = t.raw_end;
	}
}

static bool slice_eq(const char *buf, size_t start, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(buf + start, s, len) == 0;
}

/* Finds a chain or adds it; a definition (defines) gives it its line.
 * NULL when out of memory. */
static struct text_chain *chain_get(struct scan *sc, enum rs_family fam, const struct tok *table,
				    const struct tok *name, bool defines)
{
	const char *b = sc->lx.buf;
	struct text_chain *c = NULL;

	for (size_t i = 0; i < sc->n_chains && !c; i++) {
		struct text_chain *x = &sc->chains[i];
		if (x->family == fam && x->table_len == table->end - table->start &&
		    memcmp(b + x->table, b + table->start, x->table_len) == 0 && x->name_len == name->end - name->start &&
		    memcmp(b + x->name, b + name->start, x->name_len) == 0)
			c = x;
	}
	if (!c) {
		if (sc->n_chains == sc->cap_chains) {
			size_t cap = sc->cap_chains ? sc->cap_chains * 2 : 16;
			struct text_chain *p = realloc(sc->chains, cap * sizeof(*p));
			if (!p)
				return NULL;
			sc->chains = p;
			sc->cap_chains = cap;
		}
		c = &sc->chains[sc->n_chains++];
		*c = (struct text_chain){.family = fam,
					 .table = table->start,
					 .table_len = table->end - table->start,
					 .name = name->start,
					 .name_len = name->end - name->start};
	}
	if (defines && !c->line)
		c->line = name->line;
	return c;
}

/* Appends (or with prepend, inserts first) a rule; -ENOMEM. */
static int chain_rule_add(struct text_chain *c, unsigned line, size_t start, size_t end, bool prepend)
{
	if (c->n_rules == c->cap_rules) {
		size_t cap = c->cap_rules ? c->cap_rules * 2 : 16;
		struct text_rule *p = realloc(c->rules, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->rules = p;
		c->cap_rules = cap;
	}
	if (prepend)
		memmove(c->rules + 1, c->rules, c->n_rules * sizeof(*c->rules));
	c->rules[prepend ? 0 : c->n_rules] = (struct text_rule){line, start, end};
	c->n_rules++;
	return 0;
}

/* Forgets the rules of every chain of a table (name NULL) or of one chain
 * (flush, delete): what comes after starts afresh. */
static void chains_clear(struct scan *sc, enum rs_family fam, const struct tok *table, const struct tok *name,
			 const char *unordered)
{
	const char *b = sc->lx.buf;

	for (size_t i = 0; i < sc->n_chains; i++) {
		struct text_chain *c = &sc->chains[i];
		if (table && (c->family != fam || c->table_len != table->end - table->start ||
			      memcmp(b + c->table, b + table->start, c->table_len) != 0))
			continue;
		if (name && (c->name_len != name->end - name->start ||
			     memcmp(b + c->name, b + name->start, c->name_len) != 0))
			continue;
		c->n_rules = 0;
		c->unordered = unordered;
	}
}

static bool is_chain_property(const struct scan *sc, const struct stmt *st)
{
	/* define may appear in any block, as include does */
	static const char *const props[] = {"type", "policy", "comment",  "devices",  "device",
					    "flags", "define", "redefine", "undefine"};

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (stmt_word_is(sc, st, 0, props[i]))
			return true;
	return false;
}

/* A top-level command that touches rules: `add|insert rule`, `replace` or
 * `delete rule`, `flush`, `delete table|chain`. */
static int command_run(struct scan *sc, const struct stmt *st)
{
	const struct tok *table = NULL, *name = NULL;
	enum rs_family fam;
	const char *verb;
	size_t o = command_object(sc, st, &verb), i;
	bool add = strcmp(verb, "add") == 0, insert = strcmp(verb, "insert") == 0;
	bool del = strcmp(verb, "delete") == 0 || strcmp(verb, "destroy") == 0;

	if (stmt_word_is(sc, st, o, "ruleset") && strcmp(verb, "flush") == 0) {
		chains_clear(sc, 0, NULL, NULL, NULL);
		return 0;
	}
	if (stmt_word_is(sc, st, o, "table") && (del || strcmp(verb, "flush") == 0)) {
		if (spec_parse(sc, st, o + 1, false, &fam, &table, &name))
			chains_clear(sc, fam, table, NULL, NULL);
		return 0;
	}
	if (stmt_word_is(sc, st, o, "chain") && (add || strcmp(verb, "create") == 0)) {
		if (spec_parse(sc, st, o + 1, true, &fam, &table, &name) && !chain_get(sc, fam, table, name, true))
			return -ENOMEM;
		return 0;
	}
	if (stmt_word_is(sc, st, o, "chain") && (del || strcmp(verb, "flush") == 0)) {
		i = spec_parse(sc, st, o + 1, true, &fam, &table, &name);
		if (i && word_is(sc, name, "handle")) /* which one? */
			chains_clear(sc, fam, table, NULL, "a chain is deleted by handle");
		else if (i)
			chains_clear(sc, fam, table, name, NULL);
		return 0;
	}
	if (!stmt_word_is(sc, st, o, "rule"))
		return 0;
	i = spec_parse(sc, st, o + 1, true, &fam, &table, &name);
	if (!i)
		return 0;
	struct text_chain *c = chain_get(sc, fam, table, name, false);
	if (!c)
		return -ENOMEM;
	if (!add && !insert) {
		c->unordered = del ? "a rule is deleted by handle" : "a rule is replaced";
		return 0;
	}
	if (stmt_word_is(sc, st, i, "position") || stmt_word_is(sc, st, i, "handle") ||
	    stmt_word_is(sc, st, i, "index")) {
		c->unordered = "a rule is placed by position, handle or index";
		return 0;
	}
	if (i >= st->n_words || i >= STMT_WORDS)
		return 0;
	return chain_rule_add(c, st->line, st->w[i].start - (st->w[i].kind == TOK_STRING), st->end, insert);
}

/* The whole file: tables, chains, their rules in kernel order. */
static int scan_file(struct scan *sc)
{
	enum ctx ctx[3] = {CTX_TOP};
	struct text_chain *c;
	size_t chain = 0; /* the open chain block (an index: chain_get() may move them) */
	enum rs_family table_fam = RS_FAMILY_IP; /* the open table block */
	struct tok table = {TOK_EOF, 0, 0, 0, 0};
	size_t depth = 0;
	struct stmt st;
	bool closes;
	int err;

	for (;;) {
		if (!stmt_read(sc, ctx[depth], &st, &closes)) {
			if (!closes)
				return 0;
			if (depth > 0)
				depth--; /* a stray '}' at the top is nft's problem */
			continue;
		}
		const struct tok *tname = NULL, *cname = NULL;
		enum rs_family fam;
		const char *verb;
		size_t o;
		if (stmt_word_is(sc, &st, 0, "include")) {
			/* nft reads it, in any block; we don't */
			sc->saw_include = true;
			continue;
		}
		switch (ctx[depth]) {
		case CTX_TOP:
			if (!st.opens_block) {
				if ((err = command_run(sc, &st)) < 0)
					return err;
				break;
			}
			o = command_object(sc, &st, &verb);
			if (stmt_word_is(sc, &st, o, "table")) {
				spec_parse(sc, &st, o + 1, false, &table_fam, &tname, &cname);
				table = *tname;
				ctx[++depth] = CTX_TABLE;
			} else {
				spec_parse(sc, &st, o + 1, true, &fam, &tname, &cname);
				if (!(c = chain_get(sc, fam, tname, cname, true)))
					return -ENOMEM;
				chain = (size_t)(c - sc->chains);
				ctx[++depth] = CTX_CHAIN;
			}
			break;
		case CTX_TABLE:
			if (st.opens_block) {
				if (!(c = chain_get(sc, table_fam, &table, &st.w[1], true)))
					return -ENOMEM;
				chain = (size_t)(c - sc->chains);
				ctx[++depth] = CTX_CHAIN;
			}
			break;
		case CTX_CHAIN:
			if (st.n_words > 0 && !is_chain_property(sc, &st) &&
			    chain_rule_add(&sc->chains[chain], st.line, st.start, st.end, false) < 0)
				return -ENOMEM;
			break;
		}
	}
}

/* The rule's text: comments and continuations dropped, whitespace runs
 * made one space, strings kept as written. */
static char *rule_text(const char *buf, size_t start, size_t end)
{
	char *s = malloc(end - start + 1), *p = s;

	if (!s)
		return NULL;
	for (size_t i = start; i < end; i++) {
		char c = buf[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < end && buf[j] != '"')
				j++;
			j += j < end;
			memcpy(p, buf + i, j - i);
			p += j - i;
			i = j - 1;
			continue;
		}
		if (c == '#') {
			while (i + 1 < end && buf[i + 1] != '\n')
				i++;
			continue;
		}
		if (c == '\\' && i + 1 < end && (buf[i + 1] == '\n' || buf[i + 1] == '\r'))
			c = ' ';
		if (lex_space(c) || c == '\n') {
			if (p > s && p[-1] != ' ')
				*p++ = ' ';
			continue;
		}
		*p++ = c;
	}
	while (p > s && p[-1] == ' ')
		p--;
	*p = 0;
	sanitize(s);
	return s;
}

/* Does the text agree with the loaded rule's verdict?  Cheap and one-sided:
 * a jump or goto must name the chain it goes to, and a rule that doesn't
 * jump must not say jump or goto (outside braces: a verdict map's).  For
 * `jump { … }`, an anonymous chain nft names __chainN, *ret_bound gets the
 * bytes between the braces. */
static bool verdict_agrees(const char *buf, const struct text_rule *tr, const struct rs_ruleset *r,
			   const struct rs_rule *rule, struct text_rule *ret_bound)
{
	struct lexer lx = {.buf = buf, .len = tr->end, .pos = tr->start, .line = tr->line};
	struct tok prev = {TOK_EOF, 0, 0, 0, 0}, t;
	unsigned depth = 0;
	bool jumps = rule->verdict.code == RS_V_JUMP || rule->verdict.code == RS_V_GOTO;
	const char *target = jumps && rule->verdict.chain < r->n_chains ? r->chains[rule->verdict.chain].name : NULL;

	if (rule->has_vmap || rule->verdict.code == RS_V_UNKNOWN)
		return true;
	for (; (t = lex(&lx)).kind != TOK_EOF; prev = t) {
		bool verb = depth == 0 && (word_is_at(buf, &prev, "jump") || word_is_at(buf, &prev, "goto"));
		depth += t.kind == TOK_LBRACE;
		depth -= t.kind == TOK_RBRACE && depth > 0;
		if (!verb || t.kind == TOK_END)
			continue;
		if (!target)
			return false;
		if (t.kind == TOK_LBRACE && strncmp(target, "__chain", 7) == 0) {
			*ret_bound = (struct text_rule){t.line, t.end, t.end};
			for (unsigned d = 1; d > 0 && (t = lex(&lx)).kind != TOK_EOF;) {
				d += t.kind == TOK_LBRACE;
				d -= t.kind == TOK_RBRACE;
				ret_bound->end = d ? t.raw_end : t.start;
			}
			return true;
		}
		if (buf[t.start] == '$' || slice_eq(buf, t.start, t.end - t.start, target))
			return true;
	}
	return !jumps;
}

/* The statements between the braces of `jump { … }`: the anonymous chain's
 * rules. */
static int bound_rules(const char *buf, const struct text_rule *bound, struct text_chain *ret)
{
	struct lexer lx = {.buf = buf, .len = bound->end, .pos = bound->start, .line = bound->line};
	struct text_rule cur = {0, 0, 0};
	unsigned depth = 0;
	struct tok t;

	do {
		t = lex(&lx);
		if (t.kind == TOK_EOF || (t.kind == TOK_END && depth == 0)) {
			if (cur.line && chain_rule_add(ret, cur.line, cur.start, cur.end, false) < 0)
				return -ENOMEM;
			cur.line = 0;
			continue;
		}
		if (t.kind == TOK_END)
			continue;
		if (!cur.line)
			cur = (struct text_rule){t.line, t.start - (t.kind == TOK_STRING), 0};
		cur.end = t.raw_end;
		depth += t.kind == TOK_LBRACE;
		depth -= t.kind == TOK_RBRACE && depth > 0;
	} while (t.kind != TOK_EOF);
	return 0;
}

/* A rule with `jump { … }`: newlines separate the anonymous chain's rules,
 * so its text gets "; " between them. */
static char *bound_text(const char *buf, const struct text_rule *tr, const struct text_rule *bound,
			const struct text_chain *inner)
{
	char *head = rule_text(buf, tr->start, bound->start), *tail = rule_text(buf, bound->end, tr->end);
	size_t len = (head ? strlen(head) : 0) + (tail ? strlen(tail) : 0) + 3, n = 0;
	char *s = NULL, **parts = calloc(inner->n_rules + 1, sizeof(*parts));

	for (size_t j = 0; parts && j < inner->n_rules; j++, n++) {
		if (!(parts[j] = rule_text(buf, inner->rules[j].start, inner->rules[j].end)))
			goto out;
		len += strlen(parts[j]) + 2;
	}
	if (head && tail && parts && (s = malloc(len))) {
		char *p = s + sprintf(s, "%s ", head);
		for (size_t j = 0; j < n; j++)
			p += sprintf(p, "%s%s", parts[j], j + 1 < n ? "; " : " ");
		strcpy(p, tail);
	}
out:
	for (size_t j = 0; parts && j < n; j++)
		free(parts[j]);
	free(parts);
	free(head);
	free(tail);
	return s;
}

struct annotate {
	const char *path, *buf;
	struct rs_ruleset *r;
	struct topo_diag_list *diags;
	bool include; /* the file has include directives */
	bool *done;   /* per chain of r */
};

/* Kernel call depth: anonymous chains nest no deeper. */
#define BOUND_DEPTH_MAX 16

/* Gives a chain's rules their line and text when the file and the kernel
 * agree on how many there are and on their jumps; else a warning.  Then
 * the same for the anonymous chains its rules jump into. */
static int annotate_chain(struct annotate *a, uint32_t ci, const struct text_chain *tc, unsigned depth)
{
	struct rs_chain *c = &a->r->chains[ci];
	size_t n_text = tc ? tc->n_rules : 0, bad = c->n_rules;
	struct text_rule *bound;
	char ch[256];
	int err = 0;

	a->done[ci] = true;
	if (tc && !c->line)
		c->line = tc->line;
	if (c->n_rules == 0 && n_text == 0)
		return 0;
	rs_chain_describe(a->r, ci, ch, sizeof(ch));
	if (tc && tc->unordered) {
		topo_diag_add(a->diags, a->path, tc->line, 0, TOPO_SEV_WARNING,
			      "chain %s: %s, so the file doesn't say the rules' order; they are located by handle", ch,
			      tc->unordered);
		return 0;
	}
	if (n_text != c->n_rules) {
		topo_diag_add(a->diags, a->path, tc ? tc->line : 0, 0, TOPO_SEV_WARNING,
			      "chain %s: %zu rules found in the file, %zu loaded%s; they are located by handle", ch,
			      n_text, c->n_rules,
			      a->include ? " (the file uses include: rules in included files are not located)" : "");
		return 0;
	}
	bound = calloc(c->n_rules, sizeof(*bound));
	if (!bound)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_rules && bad == c->n_rules; i++)
		if (!verdict_agrees(a->buf, &tc->rules[i], a->r, &c->rules[i], &bound[i]))
			bad = i;
	if (bad < c->n_rules) {
		topo_diag_add(a->diags, a->path, tc->rules[bad].line, 0, TOPO_SEV_WARNING,
			      "chain %s: this rule's jump or goto doesn't match loaded rule %zu; the chain's rules are "
			      "located by handle",
			      ch, bad + 1);
		goto out;
	}
	for (size_t i = 0; i < c->n_rules && err == 0; i++) {
		struct text_chain inner = {.line = bound[i].line};
		uint32_t target = c->rules[i].verdict.chain;
		char *text;

		if (bound[i].line && (err = bound_rules(a->buf, &bound[i], &inner)) < 0)
			break;
		text = bound[i].line ? bound_text(a->buf, &tc->rules[i], &bound[i], &inner)
				     : rule_text(a->buf, tc->rules[i].start, tc->rules[i].end);
		if (!text)
			err = -ENOMEM;
		else {
			free(c->rules[i].text);
			c->rules[i].text = text;
			c->rules[i].line = tc->rules[i].line;
		}
		if (err == 0 && bound[i].line && depth < BOUND_DEPTH_MAX && !a->done[target])
			err = annotate_chain(a, target, &inner, depth + 1);
		free(inner.rules);
	}
out:
	free(bound);
	return err;
}

static int annotate(const char *path, struct scan *sc, struct rs_ruleset *r, struct topo_diag_list *diags)
{
	struct annotate a = {path, sc->lx.buf, r, diags, sc->saw_include, calloc(r->n_chains + 1, sizeof(bool))};
	int err = 0;

	if (!a.done)
		return -ENOMEM;
	/* named chains first: the anonymous ones are reached through them */
	for (int pass = 0; pass < 2 && err == 0; pass++)
		for (uint32_t ci = 0; ci < r->n_chains && err == 0; ci++) {
			const struct rs_chain *c = &r->chains[ci];
			const struct rs_table *t = &r->tables[c->table];
			const struct text_chain *tc = NULL;

			for (size_t i = 0; i < sc->n_chains && !tc; i++) {
				const struct text_chain *x = &sc->chains[i];
				if (x->family == t->family && slice_eq(a.buf, x->table, x->table_len, t->name) &&
				    slice_eq(a.buf, x->name, x->name_len, c->name))
					tc = x;
			}
			if (a.done[ci] || (pass == 0 && !tc && strncmp(c->name, "__chain", 7) == 0))
				continue;
			err = annotate_chain(&a, ci, tc, 0);
		}
	free(a.done);
	return err;
}

/* Files larger than this are not scanned (their rules keep handles): the
 * scan holds the whole file in memory. */
#define TEXT_MAX (256u << 20)

int rs_nft_text_annotate(const char *path, struct rs_ruleset *r, struct topo_diag_list *diags)
{
	struct scan sc = {.lx = {.line = 1}};
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		err = -errno;
		goto fail;
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			char *p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len > TEXT_MAX) {
			err = -EFBIG;
			goto fail;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		goto fail;
	}
	buf[len] = 0;
	sc.lx.buf = buf;
	sc.lx.len = len;
	err = scan_file(&sc);
	if (err == 0)
		err = annotate(path, &sc, r, diags);
	goto out;
fail:
	topo_diag_add(diags, path, 0, 0, TOPO_SEV_WARNING, "cannot read the file again to locate its rules (%s); "
		      "they are located by handle", strerror(-err));
out:
	if (f)
		fclose(f);
	for (size_t i = 0; i < sc.n_chains; i++)
		free(sc.chains[i].rules);
	free(sc.chains);
	free(buf);
	return err;
}
