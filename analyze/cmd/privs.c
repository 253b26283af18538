/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Giving up privileges once the captures are open (tcpdump -Z; OpenBSD
 * tcpdump privsep): a monitor parses hostile packets for weeks, so what a
 * bug in a decoder could do with the process's rights should be as little
 * as possible.  Capabilities through capget/capset and prctl, without
 * libcap.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd.h"

/* capability sets as 64-bit masks (two 32-bit words in the v3 ABI) */
struct caps {
	uint64_t eff, prm, inh;
};

static int caps_get(struct caps *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	c->eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	c->prm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	c->inh = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	return 0;
}

static int caps_set(const struct caps *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)c->eff, .permitted = (uint32_t)c->prm, .inheritable = (uint32_t)c->inh },
		{ .effective = (uint32_t)(c->eff >> 32),
		  .permitted = (uint32_t)(c->prm >> 32),
		  .inheritable = (uint32_t)(c->inh >> 32) },
	};

	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/* The highest capability the running kernel knows; when /proc cannot tell,
 * every bit of the 64-bit ABI is tried (unknown ones answer EINVAL). */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v >= 0 && v < 64 ? v : 63;
}

/*
 * Drops every capability not in keep from the bounding set, so not even an
 * exec of a file with capabilities could get them back.  Needs CAP_SETPCAP:
 * without it (EPERM) the set is left as it is, which is not an error — the
 * permitted set and PR_SET_NO_NEW_PRIVS already bound the process.
 */
static int bounding_keep(uint64_t keep, char *errbuf, size_t errlen)
{
	int last = last_cap();

	for (int c = 0; c <= last; c++) {
		if (keep & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0)
			continue; /* already gone */
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				continue; /* a capability this kernel does not have */
			if (errno == EPERM)
				return 0;
			snprintf(errbuf, errlen, "cannot drop capability %d from the bounding set: %s", c,
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int finish(const struct caps *want, char *errbuf, size_t errlen)
{
	struct caps got;
	int r;

	/* EINVAL: a kernel before 4.3 has no ambient set to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		r = -errno;
		snprintf(errbuf, errlen, "cannot clear the ambient capabilities: %s", strerror(-r));
		return r;
	}
	r = caps_set(want);
	if (r < 0) {
		snprintf(errbuf, errlen,
			 "cannot lower the capabilities (capset): %s; is a security module or seccomp filter "
			 "denying it?",
			 strerror(-r));
		return r;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		snprintf(errbuf, errlen, "cannot set no_new_privs: %s (a Linux kernel 3.5 or later is needed)",
			 strerror(-r));
		return r;
	}
	r = caps_get(&got);
	if (r < 0) {
		snprintf(errbuf, errlen, "cannot read back the capabilities (capget): %s", strerror(-r));
		return r;
	}
	if (got.eff != want->eff || got.prm != want->prm || got.inh != want->inh) {
		snprintf(errbuf, errlen,
			 "capabilities still held after dropping them (effective %#llx, permitted %#llx): not "
			 "continuing with more rights than intended",
			 (unsigned long long)got.eff, (unsigned long long)got.prm);
		return -EPERM;
	}
	return 0;
}

/* getpwnam_r with a buffer that grows as needed; -ENOENT for no such user */
static int lookup_user(const char *user, struct passwd *pw, char **ret_buf, char *errbuf, size_t errlen)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 16384;
	struct passwd *res = NULL;
	char *buf = NULL;
	int r;

	for (;;) {
		char *nb = realloc(buf, size);
		if (!nb) {
			free(buf);
			snprintf(errbuf, errlen, "cannot look up user \"%s\": out of memory", user);
			return -ENOMEM;
		}
		buf = nb;
		r = getpwnam_r(user, pw, buf, size, &res);
		if (r != ERANGE || size >= 1 << 20)
			break;
		size *= 2;
	}
	if (res) {
		*ret_buf = buf;
		return 0;
	}
	free(buf);
	/* getpwnam_r(3): 0, ENOENT, ESRCH, EBADF or EPERM may all mean "not found" */
	if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM) {
		snprintf(errbuf, errlen, "unknown user \"%s\": create it (e.g. a system user for sanso) or name an "
					 "existing one",
			 user);
		return -ENOENT;
	}
	snprintf(errbuf, errlen, "cannot look up user \"%s\": %s", user, strerror(r));
	return -r;
}

static int switch_user(const char *user, uid_t *ret_uid, char *errbuf, size_t errlen)
{
	struct passwd pw;
	char *buf = NULL;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int r;

	r = lookup_user(user, &pw, &buf, errbuf, errlen);
	if (r < 0)
		return r;
	/* only here, while still privileged: nothing regains the rest later */
	r = bounding_keep(0, errbuf, errlen);
	if (r < 0)
		goto out;
	/* Already that user (a service manager switched for us and left
	 * CAP_NET_RAW to open the captures): there is nothing to switch, and
	 * without CAP_SETGID initgroups() could only fail.  The groups stay
	 * the ones the service manager gave. */
	if (getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 && ru == pw.pw_uid && eu == pw.pw_uid &&
	    su == pw.pw_uid && rg == pw.pw_gid && eg == pw.pw_gid && sg == pw.pw_gid)
		goto out;
	if (initgroups(user, pw.pw_gid) < 0) {
		r = -errno;
		if (r == -EPERM)
			snprintf(errbuf, errlen,
				 "cannot switch to user \"%s\": setting its groups needs root (CAP_SETGID); run "
				 "sanso as root, or do not ask for a user",
				 user);
		else
			snprintf(errbuf, errlen, "cannot set the groups of user \"%s\": %s", user, strerror(-r));
		goto out;
	}
	if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) < 0) {
		r = -errno;
		snprintf(errbuf, errlen, "cannot switch to the group %lu of user \"%s\": %s%s",
			 (unsigned long)pw.pw_gid, user, strerror(-r), r == -EPERM ? "; run sanso as root" : "");
		goto out;
	}
	if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) < 0) {
		r = -errno;
		snprintf(errbuf, errlen, "cannot switch to user \"%s\" (uid %lu): %s%s", user, (unsigned long)pw.pw_uid,
			 strerror(-r), r == -EPERM ? "; run sanso as root" : "");
		goto out;
	}
	/* a switch that left a saved id behind is no switch at all */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != pw.pw_uid || eu != pw.pw_uid ||
	    su != pw.pw_uid || rg != pw.pw_gid || eg != pw.pw_gid || sg != pw.pw_gid) {
		snprintf(errbuf, errlen, "switching to user \"%s\" did not take: the user and group ids are not all "
					 "theirs",
			 user);
		r = -EPERM;
		goto out;
	}
	r = 0;
out:
	if (r == 0)
		*ret_uid = pw.pw_uid;
	free(buf);
	return r;
}

int an_drop_privileges(const char *user, char *errbuf, size_t errlen)
{
	const uint64_t raw = UINT64_C(1) << CAP_NET_RAW;
	struct caps now, want = { 0 };
	int r;

	if (user) {
		uid_t uid = 0;

		r = switch_user(user, &uid, errbuf, errlen);
		if (r < 0)
			return r;
		r = finish(&want, errbuf, errlen);
		if (r < 0)
			return r;
		/* with every id and capability gone there must be no way back */
		if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
			snprintf(errbuf, errlen,
				 "after switching to user \"%s\" the process can still become root: refusing to go on",
				 user);
			return -EPERM;
		}
		return 0;
	}
	r = caps_get(&now);
	if (r < 0) {
		snprintf(errbuf, errlen, "cannot read the capabilities (capget): %s", strerror(-r));
		return r;
	}
	r = bounding_keep(raw, errbuf, errlen);
	if (r < 0)
		return r;
	/* a process that was never given CAP_NET_RAW (captures from files, or
	 * an interface opened by a privileged parent) keeps nothing */
	want.eff = want.prm = now.prm & raw;
	return finish(&want, errbuf, errlen);
}
