/* Calls that wait with a timeout, and pause/sigsuspend: the calls the
 * kernel never restarts after a signal handler (signal(7)).  Besides the
 * program's own handlers, tcpsafe's SIGCHLD handler (children.c) must
 * never show here as an EINTR, so sleep(), sigtimedwait(), System V
 * semop()/msgrcv()/msgsnd(), sem_timedwait() and sem_clockwait() are
 * covered too.
 *
 * When the EINTR policy retries one of these, it must not restart the full
 * timeout: a poll(500 ms) interrupted by SIGCHLD at 400 ms goes on for
 * 100 ms, not 500.  So a call with a finite timeout notes the monotonic
 * clock before it starts (vDSO, no system call) and retries with what is
 * left; select() and nanosleep() get the remaining time from the kernel.
 * pause() and sigsuspend() return whenever a program handler ran: waiting
 * for those signals is what they are for. */
#include "autoconfig.h"

#include <errno.h>
#include <unistd.h>

#include "tcpsafe.h"

extern int __poll_chk(struct pollfd *, nfds_t, int, size_t);
extern int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);

static struct timespec now_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* What is left of a timeout of `total` started at `start`, never < 0. */
static struct timespec left(const struct timespec *start, const struct timespec *total)
{
	struct timespec n = now_mono(), r;
	long long ns = (long long)(total->tv_sec - (n.tv_sec - start->tv_sec)) * 1000000000LL +
	               (total->tv_nsec - (n.tv_nsec - start->tv_nsec));
	if (ns < 0)
		ns = 0;
	r.tv_sec = (time_t)(ns / 1000000000LL);
	r.tv_nsec = (long)(ns % 1000000000LL);
	return r;
}

static int left_ms(const struct timespec *start, int total_ms)
{
	struct timespec total = {total_ms / 1000, (long)(total_ms % 1000) * 1000000L};
	struct timespec l = left(start, &total);
	/* round up: never return before the deadline */
	return (int)(l.tv_sec * 1000 + (l.tv_nsec + 999999) / 1000000);
}

/* poll-style calls: int milliseconds, < 0 = forever.  The wrapper stores
 * its arguments, the handler count and (finite timeouts only) the start
 * time for the rare retry, calls, and only on failure goes out of line. */
struct ms_call {
	unsigned long seq;
	struct timespec start;
	int timeout, a1, a4;
	void *p1, *p2;
	size_t n;
};

static TS_COLD int ms_retry(enum ts_call call, struct ms_call *c,
                            int (*again)(const struct ms_call *, int))
{
	for (;;) {
		if (!ts_io_again_timed(call, call == TS_C_POLL ? -1 : c->a1, &c->seq, c->timeout >= 0))
			return -1;
		int t = c->timeout > 0 ? left_ms(&c->start, c->timeout) : c->timeout;
		int r = again(c, t);
		if (r >= 0)
			return r;
	}
}

/* The call is made through again(): it reads the stored arguments, so
 * nothing has to be kept in saved registers. */
#define MS_WRAPPER(call, fill, again_fn)                                          \
	do {                                                                     \
		struct ms_call c_;                                               \
		fill;                                                            \
		c_.seq = ts_tsig.hseq;                                           \
		if (c_.timeout > 0)                                              \
			c_.start = now_mono();                                   \
		int r_ = again_fn(&c_, c_.timeout);                              \
		if (TS_UNLIKELY(r_ < 0))                                         \
			return ms_retry(call, &c_, again_fn);                    \
		return r_;                                                       \
	} while (0)

static inline int poll_again(const struct ms_call *c, int t)
{
	return ts_real.poll(c->p1, c->n, t);
}
static inline int poll_chk_again(const struct ms_call *c, int t)
{
	return ts_real.poll_chk(c->p1, c->n, t, (size_t)c->p2);
}
static inline int epoll_wait_again(const struct ms_call *c, int t)
{
	return ts_real.epoll_wait(c->a1, c->p1, c->a4, t);
}
static inline int epoll_pwait_again(const struct ms_call *c, int t)
{
	return ts_real.epoll_pwait(c->a1, c->p1, c->a4, t, c->p2);
}

TS_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	MS_WRAPPER(TS_C_POLL, (c_.timeout = timeout, c_.p1 = fds, c_.n = n), poll_again);
}

TS_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	MS_WRAPPER(TS_C_POLL, (c_.timeout = timeout, c_.p1 = fds, c_.n = n, c_.p2 = (void *)fdslen),
	           poll_chk_again);
}

TS_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	MS_WRAPPER(TS_C_EPOLL_WAIT, (c_.timeout = timeout, c_.a1 = epfd, c_.a4 = max, c_.p1 = ev),
	           epoll_wait_again);
}

TS_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
                          const sigset_t *mask)
{
	MS_WRAPPER(TS_C_EPOLL_PWAIT,
	           (c_.timeout = timeout, c_.a1 = epfd, c_.a4 = max, c_.p1 = ev, c_.p2 = (void *)mask),
	           epoll_pwait_again);
}

/* timespec calls: NULL = forever; the program's timespec is const */
#define TS_TIMEOUT_CALL(call, tmo, expr_with_tp)                               \
	do {                                                                   \
		unsigned long seq_ = ts_tsig.hseq;                             \
		struct timespec start_ = {0, 0}, rem_;                                  \
		const struct timespec *tp = (tmo);                             \
		if (tp && (tp->tv_sec > 0 || tp->tv_nsec > 0))                 \
			start_ = now_mono();                                   \
		for (;;) {                                                     \
			int r_ = (expr_with_tp);                               \
			if (TS_LIKELY(r_ >= 0))                                \
				return r_;                                     \
			if (!ts_io_again_timed(call, -1, &seq_, (tmo) != NULL)) \
				return r_;                                     \
			if ((tmo) && ((tmo)->tv_sec > 0 || (tmo)->tv_nsec > 0)) { \
				rem_ = left(&start_, (tmo));                   \
				tp = &rem_;                                    \
			}                                                      \
		}                                                              \
	} while (0)

TS_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
                    const sigset_t *mask)
{
	TS_TIMEOUT_CALL(TS_C_PPOLL, tmo, ts_real.ppoll(fds, n, tp, mask));
}

TS_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
                          const sigset_t *mask, size_t fdslen)
{
	TS_TIMEOUT_CALL(TS_C_PPOLL, tmo, ts_real.ppoll_chk(fds, n, tp, mask, fdslen));
}

TS_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo,
                      const sigset_t *mask)
{
	TS_TIMEOUT_CALL(TS_C_PSELECT, tmo, ts_real.pselect(n, r, w, e, tp, mask));
}

/* Linux select() leaves the fd sets alone when interrupted and updates
 * *tv to the time left, which the retry then uses; we recompute it from
 * the clock too, so it holds whatever the C library does. */
TS_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	unsigned long seq = ts_tsig.hseq;
	struct timespec start = {0, 0}, total = {0, 0};
	int timed = tv && (tv->tv_sec > 0 || tv->tv_usec > 0);
	if (timed) {
		start = now_mono();
		total.tv_sec = tv->tv_sec;
		total.tv_nsec = (long)tv->tv_usec * 1000;
	}
	for (;;) {
		int rc = ts_real.select(n, r, w, e, tv);
		if (TS_LIKELY(rc >= 0))
			return rc;
		if (!ts_io_again_timed(TS_C_SELECT, -1, &seq, tv != NULL))
			return rc;
		if (timed) {
			struct timespec l = left(&start, &total);
			tv->tv_sec = l.tv_sec;
			tv->tv_usec = (l.tv_nsec + 999) / 1000;
		}
	}
}

/* nanosleep reports what is left in *rem; retry with that. */
static int sleep_rel(enum ts_call call, const struct timespec *req, struct timespec *rem)
{
	unsigned long seq = ts_tsig.hseq;
	struct timespec cur = *req, mine;
	struct timespec *rp = rem ? rem : &mine;
	for (;;) {
		int r = ts_real.nanosleep(&cur, rp);
		if (TS_LIKELY(r == 0))
			return 0;
		if (!ts_io_again_timed(call, -1, &seq, 1))
			return r;
		cur = *rp;
	}
}

TS_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return sleep_rel(TS_C_NANOSLEEP, req, rem);
}

/* glibc's usleep calls its internal nanosleep, which we cannot see: so
 * usleep is rebuilt here exactly as glibc defines it. */
TS_EXPORT int usleep(useconds_t us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
	return sleep_rel(TS_C_USLEEP, &ts, NULL);
}

/* clock_nanosleep returns the error number instead of setting errno. */
TS_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                              struct timespec *rem)
{
	unsigned long seq = ts_tsig.hseq;
	struct timespec cur = *req, mine;
	struct timespec *rp = rem ? rem : &mine;
	for (;;) {
		int r = ts_real.clock_nanosleep(clk, flags, &cur, rp);
		if (TS_LIKELY(r == 0) || r != EINTR)
			return r;
		if (!ts_eintr_retry_timed(TS_C_CLOCK_NANOSLEEP, -1, &seq, 1))
			return r;
		if (!(flags & TIMER_ABSTIME)) /* absolute: same deadline again */
			cur = *rp;
	}
}

TS_EXPORT int pause(void)
{
	unsigned long seq = ts_tsig.hseq;
	ts_tsig.in_pause++;
	for (;;) {
		int r = ts_real.pause();
		if (!ts_eintr_resume_wait(TS_C_PAUSE, &seq)) {
			ts_tsig.in_pause--;
			return r;
		}
	}
}

TS_EXPORT int sigsuspend(const sigset_t *mask)
{
	unsigned long seq = ts_tsig.hseq;
	ts_tsig.in_pause++;
	for (;;) {
		int r = ts_real.sigsuspend(mask);
		if (r == 0 || errno != EINTR || !ts_eintr_resume_wait(TS_C_SIGSUSPEND, &seq)) {
			ts_tsig.in_pause--;
			return r;
		}
	}
}

/* glibc's sleep calls its internal nanosleep, which we cannot see.  As
 * glibc does: the seconds left, rounded, when a handler cut it short. */
TS_EXPORT unsigned int sleep(unsigned int seconds)
{
	int saved = errno;
	struct timespec req = {(time_t)seconds, 0}, rem = {0, 0};
	if (sleep_rel(TS_C_SLEEP, &req, &rem) == 0) {
		errno = saved;
		return 0;
	}
	return (unsigned int)rem.tv_sec + (rem.tv_nsec >= 500000000L);
}

TS_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
	TS_TIMEOUT_CALL(TS_C_SIGTIMEDWAIT, tmo, ts_real.sigtimedwait(set, info, tp));
}

TS_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	TS_TIMEOUT_CALL(TS_C_SIGWAITINFO, (const struct timespec *)NULL,
	                ts_real.sigwaitinfo(set, info));
}

TS_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *tmo)
{
	TS_TIMEOUT_CALL(TS_C_SEMTIMEDOP, tmo, ts_real.semtimedop(id, ops, n, tp));
}

TS_EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
	TS_TIMEOUT_CALL(TS_C_SEMOP, (const struct timespec *)NULL, ts_real.semop(id, ops, n));
}

TS_EXPORT int msgsnd(int id, const void *msg, size_t n, int flags)
{
	TS_TIMEOUT_CALL(TS_C_MSGSND, (const struct timespec *)NULL, ts_real.msgsnd(id, msg, n, flags));
}

TS_EXPORT ssize_t msgrcv(int id, void *msg, size_t n, long type, int flags)
{
	unsigned long seq = ts_tsig.hseq;
	for (;;) {
		ssize_t r = ts_real.msgrcv(id, msg, n, type, flags);
		if (TS_LIKELY(r >= 0) || !ts_io_again(TS_C_MSGRCV, -1, &seq))
			return r;
	}
}

/* Semaphores, absolute deadline: the same call again, but only after
 * tcpsafe's own SIGCHLD (ts_eintr_retry_unless_program). */
#define TS_SEM_AGAIN(call, expr)                                               \
	do {                                                                   \
		unsigned long seq_ = ts_tsig.hseq;                             \
		for (;;) {                                                     \
			int r_ = (expr);                                       \
			if (TS_LIKELY(r_ == 0) || errno != EINTR ||            \
			    !ts_eintr_retry_unless_program(call, &seq_))       \
				return r_;                                     \
		}                                                              \
	} while (0)

TS_EXPORT int sem_timedwait(sem_t *sem, const struct timespec *abstime)
{
	TS_SEM_AGAIN(TS_C_SEM_TIMEDWAIT, ts_real.sem_timedwait(sem, abstime));
}

TS_EXPORT int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	TS_SEM_AGAIN(TS_C_SEM_CLOCKWAIT, ts_real.sem_clockwait(sem, clock, abstime));
}

TS_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *tmo,
                           const sigset_t *mask)
{
	TS_TIMEOUT_CALL(TS_C_EPOLL_PWAIT2, tmo, ts_real.epoll_pwait2(epfd, ev, max, tp, mask));
}
