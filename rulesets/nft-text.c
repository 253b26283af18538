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
 *
 * This file loads; nft-text-annotate.c locates the rules in the text.
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
void rs_nft_text_sanitize(char *s)
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
		rs_nft_text_sanitize(line);
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
