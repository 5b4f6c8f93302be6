/* Binding of the real functions: the third layer of every wrapper.
 *
 * Each pointer in ts_real starts at a lazy stub, so a call that arrives
 * before our constructor (another library's constructor may write or
 * install a handler) starts tcpsafe up right there, binding them all.
 * The hot path is one indirect call, never a NULL test.  dlsym may
 * allocate: if it re-enters us on the same thread (a malloc that writes),
 * the stub falls back to the raw system call. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpsafe.h"

/* Our own exported wrappers, to detect dlsym handing them back.  Linked
 * with -Bsymbolic-functions, so these addresses are ours, not the
 * executable's. */
extern ssize_t __read_chk(int, void *, size_t, size_t);
extern ssize_t __recv_chk(int, void *, size_t, size_t, int);
extern ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
extern int __poll_chk(struct pollfd *, nfds_t, int, size_t);
extern int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);

static TS_TLS int binding; /* >0 while this thread is inside dlsym */

/* ---- raw-syscall fallbacks (used during dlsym recursion, or if a symbol
 * is missing from this glibc) -------------------------------------------- */
static ssize_t sys_read(int fd, void *b, size_t n) { return syscall(SYS_read, fd, b, n); }
static ssize_t sys_readv(int fd, const struct iovec *v, int c) { return syscall(SYS_readv, fd, v, c); }
static ssize_t sys_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
	return syscall(SYS_recvfrom, fd, b, n, f, a, l);
}
static ssize_t sys_recv(int fd, void *b, size_t n, int f) { return sys_recvfrom(fd, b, n, f, NULL, NULL); }
static ssize_t sys_recvmsg(int fd, struct msghdr *m, int f) { return syscall(SYS_recvmsg, fd, m, f); }
static ssize_t sys_writev(int fd, const struct iovec *v, int c) { return syscall(SYS_writev, fd, v, c); }
static ssize_t sys_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l)
{
	return syscall(SYS_sendto, fd, b, n, f, a, l);
}
static ssize_t sys_send(int fd, const void *b, size_t n, int f) { return sys_sendto(fd, b, n, f, NULL, 0); }
static ssize_t sys_sendmsg(int fd, const struct msghdr *m, int f) { return syscall(SYS_sendmsg, fd, m, f); }
static ssize_t sys_sendfile(int o, int i, off_t *off, size_t n) { return syscall(SYS_sendfile, o, i, off, n); }
static ssize_t sys_read_chk(int fd, void *b, size_t n, size_t cap)
{
	if (n > cap)
		abort(); /* what __chk_fail would do */
	return sys_read(fd, b, n);
}
static ssize_t sys_recv_chk(int fd, void *b, size_t n, size_t cap, int f)
{
	if (n > cap)
		abort();
	return sys_recv(fd, b, n, f);
}
static ssize_t sys_recvfrom_chk(int fd, void *b, size_t n, size_t cap, int f, struct sockaddr *a,
                                socklen_t *l)
{
	if (n > cap)
		abort();
	return sys_recvfrom(fd, b, n, f, a, l);
}
static int sys_accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { return (int)syscall(SYS_accept4, fd, a, l, f); }
static int sys_accept(int fd, struct sockaddr *a, socklen_t *l) { return sys_accept4(fd, a, l, 0); }
static int sys_connect(int fd, const struct sockaddr *a, socklen_t l) { return (int)syscall(SYS_connect, fd, a, l); }
static int sys_getsockopt(int fd, int l, int o, void *v, socklen_t *n) { return (int)syscall(SYS_getsockopt, fd, l, o, v, n); }
static int sys_dup3(int a, int b, int f) { return (int)syscall(SYS_dup3, a, b, f); }
static int sys_dup2(int a, int b)
{
	if (a == b) /* dup3 refuses equal fds; dup2 returns b if a is valid */
		return syscall(SYS_fcntl, a, F_GETFD) < 0 ? -1 : b;
	return sys_dup3(a, b, 0);
}
static int sys_close_range(unsigned a, unsigned b, int f)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, a, b, f);
#else
	(void)a, (void)b, (void)f;
	errno = ENOSYS;
	return -1;
#endif
}
static int sys_ppoll(struct pollfd *f, nfds_t n, const struct timespec *t, const sigset_t *m)
{
	return (int)syscall(SYS_ppoll, f, n, t, m, _NSIG / 8);
}
static int sys_poll(struct pollfd *f, nfds_t n, int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	return sys_ppoll(f, n, ms < 0 ? NULL : &t, NULL);
}
static int sys_poll_chk(struct pollfd *f, nfds_t n, int ms, size_t cap)
{
	if (cap / sizeof *f < n)
		abort();
	return sys_poll(f, n, ms);
}
static int sys_ppoll_chk(struct pollfd *f, nfds_t n, const struct timespec *t, const sigset_t *m,
                         size_t cap)
{
	if (cap / sizeof *f < n)
		abort();
	return sys_ppoll(f, n, t, m);
}
static int sys_pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *t,
                       const sigset_t *m)
{
	struct timespec tc, *tp = NULL;
	struct { const sigset_t *ss; size_t len; } sm = {m, _NSIG / 8};
	if (t) {
		tc = *t;
		tp = &tc;
	}
	return (int)syscall(SYS_pselect6, n, r, w, e, tp, m ? &sm : NULL);
}
static int sys_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct timespec t;
	if (!tv)
		return sys_pselect(n, r, w, e, NULL, NULL);
	t.tv_sec = tv->tv_sec;
	t.tv_nsec = tv->tv_usec * 1000;
	return sys_pselect(n, r, w, e, &t, NULL);
}
static int sys_epoll_pwait(int fd, struct epoll_event *ev, int max, int ms, const sigset_t *m)
{
	return (int)syscall(SYS_epoll_pwait, fd, ev, max, ms, m, _NSIG / 8);
}
static int sys_epoll_wait(int fd, struct epoll_event *ev, int max, int ms)
{
	return sys_epoll_pwait(fd, ev, max, ms, NULL);
}
static int sys_clock_nanosleep(clockid_t c, int f, const struct timespec *t, struct timespec *r)
{
	return syscall(SYS_clock_nanosleep, c, f, t, r) < 0 ? errno : 0;
}
static int sys_nanosleep(const struct timespec *t, struct timespec *r)
{
	int e = sys_clock_nanosleep(CLOCK_REALTIME, 0, t, r);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}
static int sys_sigsuspend(const sigset_t *m) { return (int)syscall(SYS_rt_sigsuspend, m, _NSIG / 8); }
static int sys_pause(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sys_sigsuspend(&cur);
}
static pid_t sys_fork(void) { return (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0); }
static pid_t sys_wait4(pid_t p, int *st, int o, struct rusage *ru) { return (pid_t)syscall(SYS_wait4, p, st, o, ru); }
static int sys_waitid(idtype_t t, id_t id, siginfo_t *i, int o) { return (int)syscall(SYS_waitid, t, id, i, o, NULL); }
static int sys_kill(pid_t p, int s) { return (int)syscall(SYS_kill, p, s); }
static int sys_sigtimedwait(const sigset_t *m, siginfo_t *i, const struct timespec *t)
{
	return (int)syscall(SYS_rt_sigtimedwait, m, i, t, _NSIG / 8);
}
static int sys_sigwaitinfo(const sigset_t *m, siginfo_t *i) { return sys_sigtimedwait(m, i, NULL); }
static int sys_semtimedop(int id, struct sembuf *b, size_t n, const struct timespec *t)
{
	return (int)syscall(SYS_semtimedop, id, b, n, t);
}
static int sys_semop(int id, struct sembuf *b, size_t n) { return sys_semtimedop(id, b, n, NULL); }
static ssize_t sys_msgrcv(int id, void *p, size_t n, long t, int f) { return syscall(SYS_msgrcv, id, p, n, t, f); }
static int sys_msgsnd(int id, const void *p, size_t n, int f) { return (int)syscall(SYS_msgsnd, id, p, n, f); }
static int sys_sem_timedwait(sem_t *s, const struct timespec *t)
{
	(void)s, (void)t; /* lives in libc only */
	errno = ENOSYS;
	return -1;
}
static int sys_sem_clockwait(sem_t *s, clockid_t c, const struct timespec *t)
{
	(void)c;
	return sys_sem_timedwait(s, t);
}
static int sys_epoll_pwait2(int fd, struct epoll_event *ev, int max, const struct timespec *t,
                            const sigset_t *m)
{
#ifdef SYS_epoll_pwait2
	return (int)syscall(SYS_epoll_pwait2, fd, ev, max, t, m, _NSIG / 8);
#else
	(void)fd, (void)ev, (void)max, (void)t, (void)m;
	errno = ENOSYS;
	return -1;
#endif
}
static int sys_clone(int (*fn)(void *), void *st, int f, void *arg, ...)
{
	(void)fn, (void)st, (void)f, (void)arg; /* the child's start lives in libc */
	errno = ENOSYS;
	return -1;
}
static int sys_sigaction(int s, const struct sigaction *a, struct sigaction *o)
{
	(void)s, (void)a, (void)o; /* needs libc's restorer: no raw fallback */
	errno = ENOSYS;
	return -1;
}

/* ---- the binding table ------------------------------------------------- */
struct binding {
	const char *name;
	void **slot;    /* field of ts_real */
	void *self;     /* our wrapper of the same name */
	void *fallback; /* raw syscall version */
};

#define FIELD(f) ((void **)&ts_real.f)
enum {
	B_READ, B_READV, B_RECV, B_RECVFROM, B_RECVMSG, B_WRITE, B_WRITEV, B_SEND, B_SENDTO,
	B_SENDMSG, B_SENDFILE, B_SENDFILE64, B_READ_CHK, B_RECV_CHK, B_RECVFROM_CHK, B_ACCEPT,
	B_ACCEPT4, B_CONNECT, B_CLOSE, B_DUP2, B_DUP3, B_CLOSE_RANGE, B_SIGACTION, B_POLL, B_PPOLL,
	B_POLL_CHK, B_PPOLL_CHK, B_SELECT, B_PSELECT, B_EPOLL_WAIT, B_EPOLL_PWAIT, B_NANOSLEEP,
	B_CLOCK_NANOSLEEP, B_PAUSE, B_SIGSUSPEND, B_FORK, B_WAIT4, B_WAITID, B_KILL,
	B_SIGTIMEDWAIT, B_SIGWAITINFO, B_SEMOP, B_SEMTIMEDOP, B_MSGRCV, B_MSGSND, B_SEM_TIMEDWAIT,
	B_SEM_CLOCKWAIT, B_EPOLL_PWAIT2, B_CLONE, B_GETSOCKOPT, B__COUNT
};
static const struct binding table[B__COUNT] = {
	[B_READ] = {"read", FIELD(read), (void *)read, (void *)sys_read},
	[B_READV] = {"readv", FIELD(readv), (void *)readv, (void *)sys_readv},
	[B_RECV] = {"recv", FIELD(recv), (void *)recv, (void *)sys_recv},
	[B_RECVFROM] = {"recvfrom", FIELD(recvfrom), (void *)recvfrom, (void *)sys_recvfrom},
	[B_RECVMSG] = {"recvmsg", FIELD(recvmsg), (void *)recvmsg, (void *)sys_recvmsg},
	[B_WRITE] = {"write", FIELD(write), (void *)write, (void *)ts_sys_write},
	[B_WRITEV] = {"writev", FIELD(writev), (void *)writev, (void *)sys_writev},
	[B_SEND] = {"send", FIELD(send), (void *)send, (void *)sys_send},
	[B_SENDTO] = {"sendto", FIELD(sendto), (void *)sendto, (void *)sys_sendto},
	[B_SENDMSG] = {"sendmsg", FIELD(sendmsg), (void *)sendmsg, (void *)sys_sendmsg},
	[B_SENDFILE] = {"sendfile", FIELD(sendfile), (void *)sendfile, (void *)sys_sendfile},
	[B_SENDFILE64] = {"sendfile64", FIELD(sendfile64), (void *)sendfile64, (void *)sys_sendfile},
	[B_READ_CHK] = {"__read_chk", FIELD(read_chk), (void *)__read_chk, (void *)sys_read_chk},
	[B_RECV_CHK] = {"__recv_chk", FIELD(recv_chk), (void *)__recv_chk, (void *)sys_recv_chk},
	[B_RECVFROM_CHK] = {"__recvfrom_chk", FIELD(recvfrom_chk), (void *)__recvfrom_chk,
	                    (void *)sys_recvfrom_chk},
	[B_ACCEPT] = {"accept", FIELD(accept), (void *)accept, (void *)sys_accept},
	[B_ACCEPT4] = {"accept4", FIELD(accept4), (void *)accept4, (void *)sys_accept4},
	[B_CONNECT] = {"connect", FIELD(connect), (void *)connect, (void *)sys_connect},
	[B_GETSOCKOPT] = {"getsockopt", FIELD(getsockopt), (void *)getsockopt,
	                  (void *)sys_getsockopt},
	[B_CLOSE] = {"close", FIELD(close), (void *)close, (void *)ts_sys_close},
	[B_DUP2] = {"dup2", FIELD(dup2), (void *)dup2, (void *)sys_dup2},
	[B_DUP3] = {"dup3", FIELD(dup3), (void *)dup3, (void *)sys_dup3},
	[B_CLOSE_RANGE] = {"close_range", FIELD(close_range), (void *)close_range,
	                   (void *)sys_close_range},
	[B_SIGACTION] = {"sigaction", FIELD(sigaction), (void *)sigaction, (void *)sys_sigaction},
	[B_POLL] = {"poll", FIELD(poll), (void *)poll, (void *)sys_poll},
	[B_PPOLL] = {"ppoll", FIELD(ppoll), (void *)ppoll, (void *)sys_ppoll},
	[B_POLL_CHK] = {"__poll_chk", FIELD(poll_chk), (void *)__poll_chk, (void *)sys_poll_chk},
	[B_PPOLL_CHK] = {"__ppoll_chk", FIELD(ppoll_chk), (void *)__ppoll_chk, (void *)sys_ppoll_chk},
	[B_SELECT] = {"select", FIELD(select), (void *)select, (void *)sys_select},
	[B_PSELECT] = {"pselect", FIELD(pselect), (void *)pselect, (void *)sys_pselect},
	[B_EPOLL_WAIT] = {"epoll_wait", FIELD(epoll_wait), (void *)epoll_wait, (void *)sys_epoll_wait},
	[B_EPOLL_PWAIT] = {"epoll_pwait", FIELD(epoll_pwait), (void *)epoll_pwait,
	                   (void *)sys_epoll_pwait},
	[B_NANOSLEEP] = {"nanosleep", FIELD(nanosleep), (void *)nanosleep, (void *)sys_nanosleep},
	[B_CLOCK_NANOSLEEP] = {"clock_nanosleep", FIELD(clock_nanosleep), (void *)clock_nanosleep,
	                       (void *)sys_clock_nanosleep},
	[B_PAUSE] = {"pause", FIELD(pause), (void *)pause, (void *)sys_pause},
	[B_SIGSUSPEND] = {"sigsuspend", FIELD(sigsuspend), (void *)sigsuspend,
	                  (void *)sys_sigsuspend},
	[B_FORK] = {"fork", FIELD(fork), (void *)fork, (void *)sys_fork},
	[B_WAIT4] = {"wait4", FIELD(wait4), (void *)wait4, (void *)sys_wait4},
	[B_WAITID] = {"waitid", FIELD(waitid), (void *)waitid, (void *)sys_waitid},
	[B_KILL] = {"kill", FIELD(kill), (void *)kill, (void *)sys_kill},
	[B_SIGTIMEDWAIT] = {"sigtimedwait", FIELD(sigtimedwait), (void *)sigtimedwait,
	                    (void *)sys_sigtimedwait},
	[B_SIGWAITINFO] = {"sigwaitinfo", FIELD(sigwaitinfo), (void *)sigwaitinfo,
	                   (void *)sys_sigwaitinfo},
	[B_SEMOP] = {"semop", FIELD(semop), (void *)semop, (void *)sys_semop},
	[B_SEMTIMEDOP] = {"semtimedop", FIELD(semtimedop), (void *)semtimedop, (void *)sys_semtimedop},
	[B_MSGRCV] = {"msgrcv", FIELD(msgrcv), (void *)msgrcv, (void *)sys_msgrcv},
	[B_MSGSND] = {"msgsnd", FIELD(msgsnd), (void *)msgsnd, (void *)sys_msgsnd},
	[B_SEM_TIMEDWAIT] = {"sem_timedwait", FIELD(sem_timedwait), (void *)sem_timedwait,
	                     (void *)sys_sem_timedwait},
	[B_SEM_CLOCKWAIT] = {"sem_clockwait", FIELD(sem_clockwait), (void *)sem_clockwait,
	                     (void *)sys_sem_clockwait},
	[B_EPOLL_PWAIT2] = {"epoll_pwait2", FIELD(epoll_pwait2), (void *)epoll_pwait2,
	                    (void *)sys_epoll_pwait2},
	[B_CLONE] = {"clone", FIELD(clone), (void *)clone, (void *)sys_clone},
};

static void refuse(const char *name)
{
	static const char a[] = "tcpsafe: fatal: dlsym(RTLD_NEXT, \"";
	static const char b[] = "\") returned tcpsafe's own wrapper; refusing to run "
	                        "(is libtcpsafe.so preloaded twice or linked into the program?)\n";
	ts_sys_write(2, a, sizeof a - 1);
	ts_sys_write(2, name, strlen(name));
	ts_sys_write(2, b, sizeof b - 1);
	_exit(127);
}

/* Returns the function to use; stores it unless we are recursing. */
static void *bind_one(int i)
{
	const struct binding *t = &table[i];
	if (binding)
		return t->fallback;
	int saved = errno;
	binding++;
	void *p = dlsym(RTLD_NEXT, t->name);
	binding--;
	errno = saved;
	if (p == t->self)
		refuse(t->name);
	if (!p)
		p = t->fallback;
	__atomic_store_n(t->slot, p, __ATOMIC_RELEASE);
	return p;
}

void ts_bind_all(void)
{
	for (int i = 0; i < B__COUNT; i++)
		bind_one(i);
}

/* ---- lazy stubs: bind on first use, then call through ------------------- */
/* A stub runs only before our constructor (another library's constructor
 * calls us): start up completely first.  A write that raises SIGPIPE must
 * find our handler in place, since the signal arrives before the wrapper
 * sees EPIPE.  Not while dlsym re-enters us: it would bind fallbacks. */
static void start_early(void)
{
	if (!binding)
		ts_init();
}

#define LAZY(idx, field, ret, params, args)                                   \
	static ret lazy_##field params                                        \
	{                                                                     \
		start_early();                                                \
		ret(*fn) params = (ret(*) params)bind_one(idx);               \
		return fn args;                                               \
	}

LAZY(B_READ, read, ssize_t, (int a, void *b, size_t c), (a, b, c))
LAZY(B_READV, readv, ssize_t, (int a, const struct iovec *b, int c), (a, b, c))
LAZY(B_RECV, recv, ssize_t, (int a, void *b, size_t c, int d), (a, b, c, d))
LAZY(B_RECVFROM, recvfrom, ssize_t,
     (int a, void *b, size_t c, int d, struct sockaddr *e, socklen_t *f), (a, b, c, d, e, f))
LAZY(B_RECVMSG, recvmsg, ssize_t, (int a, struct msghdr *b, int c), (a, b, c))
LAZY(B_WRITE, write, ssize_t, (int a, const void *b, size_t c), (a, b, c))
LAZY(B_WRITEV, writev, ssize_t, (int a, const struct iovec *b, int c), (a, b, c))
LAZY(B_SEND, send, ssize_t, (int a, const void *b, size_t c, int d), (a, b, c, d))
LAZY(B_SENDTO, sendto, ssize_t,
     (int a, const void *b, size_t c, int d, const struct sockaddr *e, socklen_t f),
     (a, b, c, d, e, f))
LAZY(B_SENDMSG, sendmsg, ssize_t, (int a, const struct msghdr *b, int c), (a, b, c))
LAZY(B_SENDFILE, sendfile, ssize_t, (int a, int b, off_t *c, size_t d), (a, b, c, d))
LAZY(B_SENDFILE64, sendfile64, ssize_t, (int a, int b, off_t *c, size_t d), (a, b, c, d))
LAZY(B_READ_CHK, read_chk, ssize_t, (int a, void *b, size_t c, size_t d), (a, b, c, d))
LAZY(B_RECV_CHK, recv_chk, ssize_t, (int a, void *b, size_t c, size_t d, int e), (a, b, c, d, e))
LAZY(B_RECVFROM_CHK, recvfrom_chk, ssize_t,
     (int a, void *b, size_t c, size_t d, int e, struct sockaddr *f, socklen_t *g),
     (a, b, c, d, e, f, g))
LAZY(B_ACCEPT, accept, int, (int a, struct sockaddr *b, socklen_t *c), (a, b, c))
LAZY(B_ACCEPT4, accept4, int, (int a, struct sockaddr *b, socklen_t *c, int d), (a, b, c, d))
LAZY(B_CONNECT, connect, int, (int a, const struct sockaddr *b, socklen_t c), (a, b, c))
LAZY(B_GETSOCKOPT, getsockopt, int, (int a, int b, int c, void *d, socklen_t *e), (a, b, c, d, e))
LAZY(B_CLOSE, close, int, (int a), (a))
LAZY(B_DUP2, dup2, int, (int a, int b), (a, b))
LAZY(B_DUP3, dup3, int, (int a, int b, int c), (a, b, c))
LAZY(B_CLOSE_RANGE, close_range, int, (unsigned a, unsigned b, int c), (a, b, c))
LAZY(B_SIGACTION, sigaction, int, (int a, const struct sigaction *b, struct sigaction *c), (a, b, c))
LAZY(B_POLL, poll, int, (struct pollfd *a, nfds_t b, int c), (a, b, c))
LAZY(B_PPOLL, ppoll, int, (struct pollfd *a, nfds_t b, const struct timespec *c, const sigset_t *d),
     (a, b, c, d))
LAZY(B_POLL_CHK, poll_chk, int, (struct pollfd *a, nfds_t b, int c, size_t d), (a, b, c, d))
LAZY(B_PPOLL_CHK, ppoll_chk, int,
     (struct pollfd *a, nfds_t b, const struct timespec *c, const sigset_t *d, size_t e),
     (a, b, c, d, e))
LAZY(B_SELECT, select, int, (int a, fd_set *b, fd_set *c, fd_set *d, struct timeval *e),
     (a, b, c, d, e))
LAZY(B_PSELECT, pselect, int,
     (int a, fd_set *b, fd_set *c, fd_set *d, const struct timespec *e, const sigset_t *f),
     (a, b, c, d, e, f))
LAZY(B_EPOLL_WAIT, epoll_wait, int, (int a, struct epoll_event *b, int c, int d), (a, b, c, d))
LAZY(B_EPOLL_PWAIT, epoll_pwait, int,
     (int a, struct epoll_event *b, int c, int d, const sigset_t *e), (a, b, c, d, e))
LAZY(B_NANOSLEEP, nanosleep, int, (const struct timespec *a, struct timespec *b), (a, b))
LAZY(B_CLOCK_NANOSLEEP, clock_nanosleep, int,
     (clockid_t a, int b, const struct timespec *c, struct timespec *d), (a, b, c, d))
LAZY(B_PAUSE, pause, int, (void), ())
LAZY(B_SIGSUSPEND, sigsuspend, int, (const sigset_t *a), (a))
LAZY(B_FORK, fork, pid_t, (void), ())
LAZY(B_WAIT4, wait4, pid_t, (pid_t a, int *b, int c, struct rusage *d), (a, b, c, d))
LAZY(B_WAITID, waitid, int, (idtype_t a, id_t b, siginfo_t *c, int d), (a, b, c, d))
LAZY(B_KILL, kill, int, (pid_t a, int b), (a, b))
LAZY(B_SIGTIMEDWAIT, sigtimedwait, int, (const sigset_t *a, siginfo_t *b, const struct timespec *c),
     (a, b, c))
LAZY(B_SIGWAITINFO, sigwaitinfo, int, (const sigset_t *a, siginfo_t *b), (a, b))
LAZY(B_SEMOP, semop, int, (int a, struct sembuf *b, size_t c), (a, b, c))
LAZY(B_SEMTIMEDOP, semtimedop, int, (int a, struct sembuf *b, size_t c, const struct timespec *d),
     (a, b, c, d))
LAZY(B_MSGRCV, msgrcv, ssize_t, (int a, void *b, size_t c, long d, int e), (a, b, c, d, e))
LAZY(B_MSGSND, msgsnd, int, (int a, const void *b, size_t c, int d), (a, b, c, d))
LAZY(B_SEM_TIMEDWAIT, sem_timedwait, int, (sem_t *a, const struct timespec *b), (a, b))
LAZY(B_SEM_CLOCKWAIT, sem_clockwait, int, (sem_t *a, clockid_t b, const struct timespec *c),
     (a, b, c))
LAZY(B_EPOLL_PWAIT2, epoll_pwait2, int,
     (int a, struct epoll_event *b, int c, const struct timespec *d, const sigset_t *e),
     (a, b, c, d, e))
/* clone is variadic: its stub passes on the three optional arguments
 * (the wrapper has read only those the flags name; the rest are NULL). */
static int lazy_clone(int (*fn)(void *), void *st, int f, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *ctid = va_arg(ap, pid_t *);
	va_end(ap);
	start_early();
	int (*real)(int (*)(void *), void *, int, void *, ...) =
		(int (*)(int (*)(void *), void *, int, void *, ...))bind_one(B_CLONE);
	return real(fn, st, f, arg, ptid, tls, ctid);
}

struct ts_real ts_real = {
	.read = lazy_read, .readv = lazy_readv, .recv = lazy_recv, .recvfrom = lazy_recvfrom,
	.recvmsg = lazy_recvmsg, .write = lazy_write, .writev = lazy_writev, .send = lazy_send,
	.sendto = lazy_sendto, .sendmsg = lazy_sendmsg, .sendfile = lazy_sendfile,
	.sendfile64 = lazy_sendfile64, .read_chk = lazy_read_chk, .recv_chk = lazy_recv_chk,
	.recvfrom_chk = lazy_recvfrom_chk, .accept = lazy_accept, .accept4 = lazy_accept4,
	.connect = lazy_connect, .close = lazy_close, .dup2 = lazy_dup2, .dup3 = lazy_dup3,
	.close_range = lazy_close_range, .sigaction = lazy_sigaction, .poll = lazy_poll,
	.ppoll = lazy_ppoll, .poll_chk = lazy_poll_chk, .ppoll_chk = lazy_ppoll_chk,
	.select = lazy_select, .pselect = lazy_pselect, .epoll_wait = lazy_epoll_wait,
	.epoll_pwait = lazy_epoll_pwait, .nanosleep = lazy_nanosleep,
	.clock_nanosleep = lazy_clock_nanosleep, .pause = lazy_pause, .sigsuspend = lazy_sigsuspend,
	.fork = lazy_fork, .wait4 = lazy_wait4, .waitid = lazy_waitid, .kill = lazy_kill,
	.sigtimedwait = lazy_sigtimedwait, .sigwaitinfo = lazy_sigwaitinfo, .semop = lazy_semop,
	.semtimedop = lazy_semtimedop, .msgrcv = lazy_msgrcv, .msgsnd = lazy_msgsnd,
	.sem_timedwait = lazy_sem_timedwait, .sem_clockwait = lazy_sem_clockwait,
	.epoll_pwait2 = lazy_epoll_pwait2, .clone = lazy_clone, .getsockopt = lazy_getsockopt,
};
