/* The wait family, once tcpsafe reaps the children the program forked.
 *
 * A status tcpsafe collected is handed out exactly once, in the form the
 * kernel would have used (status word, rusage, siginfo), before asking the
 * kernel.  A wait for one pid blocks in the kernel as usual: if tcpsafe
 * reaps that child meanwhile, the kernel says ECHILD and the cache answers.
 * A blocking wait for any child (or a group) also blocks in the kernel,
 * with tcpsafe's reaping stepped aside meanwhile (a child reaped into the
 * cache would not wake it while others live): the kernel hands it the next
 * death, stop or continue itself, and tcpsafe reaps what is left after.
 * Before the first fork, every call goes straight to libc. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpsafe.h"

extern pid_t __wait(int *);
extern pid_t __waitpid(pid_t, int *, int);

static int encode(const struct ts_status *st)
{
	switch (st->code) {
	case CLD_EXITED:
		return (st->status & 0xff) << 8;
	case CLD_DUMPED:
		return (st->status & 0x7f) | 0x80;
	default:
		return st->status & 0x7f;
	}
}

/* What a wait4-style call (wait, waitpid, wait3, wait4) asks for. */
struct req {
	idtype_t idtype;
	id_t id;
	int options;
	int *status;
	struct rusage *ru;
	siginfo_t *info; /* waitid */
};

static void deliver(const struct req *q, const struct ts_status *st)
{
	if (q->info) {
		memset(q->info, 0, sizeof *q->info);
		q->info->si_signo = SIGCHLD;
		q->info->si_code = st->code;
		q->info->si_pid = st->pid;
		q->info->si_uid = st->uid;
		q->info->si_status = st->status;
		return;
	}
	if (q->status)
		*q->status = encode(st);
	if (q->ru)
		*q->ru = st->ru;
}

/* One kernel call for q, with extra option bits.  Returns the pid reported
 * (0 = nothing ready), or -1. */
static pid_t kernel_wait(const struct req *q, int extra)
{
	if (q->info) {
		memset(q->info, 0, sizeof *q->info);
		int r = ts_real.waitid(q->idtype, q->id, q->info, q->options | extra);
		return r < 0 ? -1 : q->info->si_pid;
	}
	pid_t pid = q->idtype == P_PID ? (pid_t)q->id
	            : q->idtype == P_PGID ? -(pid_t)q->id : -1;
	return ts_real.wait4(pid, q->status, q->options | extra, q->ru);
}

/* The kernel reported pid: if it was an exit, tcpsafe is no longer to reap it. */
static void reported(const struct req *q, pid_t pid)
{
	if (q->info ? (q->info->si_code == CLD_EXITED || q->info->si_code == CLD_KILLED ||
	               q->info->si_code == CLD_DUMPED)
	            : (q->status && (WIFEXITED(*q->status) || WIFSIGNALED(*q->status))))
		ts_child_untrack(pid);
	else if (!q->info && !q->status && !(q->options & (WUNTRACED | WCONTINUED)))
		ts_child_untrack(pid);
}

static pid_t do_wait(struct req *q)
{
	int exits = !q->info || (q->options & WEXITED);
	int peek = q->info && (q->options & WNOWAIT);
	int any = !(q->options & WNOHANG) && q->idtype != P_PID;
	struct ts_status st;
	int saved = errno;
	pid_t r;

	if (any) /* reaping steps aside until we are done: the kernel hands us the next death */
		ts_reap_anywait_begin();
	if (exits && ts_cache_take(q->idtype, q->id, peek, &st))
		goto cached;
	r = kernel_wait(q, 0);
	if (r > 0) {
		if (!peek)
			reported(q, r);
		goto out;
	}
	/* Nothing from the kernel: a child tcpsafe reaps right now (one pid,
	 * or WNOHANG) may be on its way to the cache; let it land, look again. */
	if (exits && (r == 0 || errno == ECHILD)) {
		int e = errno;
		ts_reap_settle();
		if (ts_cache_take(q->idtype, q->id, peek, &st))
			goto cached;
		errno = e;
	}
	goto out;
cached:
	deliver(q, &st);
	errno = saved;
	r = st.pid;
out:
	if (any) {
		int e = errno;
		ts_reap_anywait_end();
		errno = e;
	}
	return r;
}

/* waitpid-style pid to an id type */
static struct req by_pid(pid_t pid, int *status, int options, struct rusage *ru)
{
	struct req q = {P_ALL, 0, options, status, ru, NULL};
	if (pid > 0) {
		q.idtype = P_PID;
		q.id = (id_t)pid;
	} else if (pid == 0) {
		q.idtype = P_PGID;
		q.id = (id_t)getpgrp();
	} else if (pid < -1) {
		q.idtype = P_PGID;
		q.id = (id_t)-pid;
	}
	return q;
}

/* Clone children (__WCLONE without __WALL) are never ours; options the
 * kernel refuses go to it untouched, so it says EINVAL as usual. */
static int ours(int options, int valid)
{
	return ts_reap_active() && !(options & ~valid) &&
	       (!(options & __WCLONE) || (options & __WALL));
}

#define WAIT4_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)
#define WAITID_OPTIONS (WAIT4_OPTIONS | WEXITED | WSTOPPED | WNOWAIT)

/* A wait made inside a program handler: the EINTR policy wants to know
 * whether a SIGCHLD handler reaped (eintr.c).  Counted only there, so the
 * thread's TLS page is not written after every fork of a server that waits
 * in its main loop. */
static void count_wait(void)
{
	if (ts_tsig.in_handler)
		ts_tsig.waits++;
}

TS_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	count_wait();
	if (!ours(options, WAIT4_OPTIONS))
		return ts_real.wait4(pid, status, options, ru);
	struct req q = by_pid(pid, status, options, ru);
	return do_wait(&q);
}

TS_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

TS_EXPORT pid_t __waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

TS_EXPORT pid_t wait(int *status) { return wait4(-1, status, 0, NULL); }

TS_EXPORT pid_t __wait(int *status) { return wait4(-1, status, 0, NULL); }

TS_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
	return wait4(-1, status, options, ru);
}

#define TS_P_PIDFD ((idtype_t)3) /* Linux 5.4; not in every glibc's idtype_t */

/* waitid(P_PIDFD): the kernel first; if tcpsafe reaped the child already
 * (ECHILD), its status waits in the cache under the pidfd's pidfs inode
 * (children.c, pidfd_ino). */
static int pidfd_wait(id_t fd, siginfo_t *info, int options)
{
	int before = errno;
	int r = ts_real.waitid(TS_P_PIDFD, fd, info, options);
	if (r == 0 || errno != ECHILD || !(options & WEXITED))
		return r;
	int saved = errno;
	struct stat sb;
	struct ts_status st;
	if (fstat((int)fd, &sb) == 0) {
		ts_reap_settle();
		if (ts_cache_take(TS_P_PIDFS_INO, sb.st_ino, (options & WNOWAIT) != 0, &st)) {
			struct req q = {P_PID, (id_t)st.pid, options, NULL, NULL, info};
			deliver(&q, &st);
			errno = before;
			return 0;
		}
	}
	errno = saved;
	return -1;
}

TS_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	count_wait();
	if (idtype == TS_P_PIDFD && info && ours(options, WAITID_OPTIONS))
		return pidfd_wait(id, info, options);
	if (!ours(options, WAITID_OPTIONS) || !(options & (WEXITED | WSTOPPED | WCONTINUED)) ||
	    !info || (idtype != P_ALL && idtype != P_PID && idtype != P_PGID))
		return ts_real.waitid(idtype, id, info, options);
	struct req q = {idtype, id, options, NULL, NULL, info};
	if (idtype == P_PGID && id == 0)
		q.id = (id_t)getpgrp();
	return do_wait(&q) < 0 ? -1 : 0;
}
