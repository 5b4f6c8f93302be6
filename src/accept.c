/* accept and accept4: remember the peer, and keep a listener alive
 * through errors that concern one pending connection, not the listener
 * (TCPSAFE_ACCEPT=retry):
 * - ECONNABORTED, EPROTO and the network errors that accept(2) says to
 *   treat like EAGAIN are retried at once; EOPNOTSUPP only on a stream
 *   listener (elsewhere it is permanent, and retrying would spin);
 * - EMFILE, ENFILE, ENOBUFS, ENOMEM on a blocking listener: wait 5 ms,
 *   doubling to 1 s, and retry, so a fork- or thread-per-connection
 *   server waits for descriptors instead of exiting.  A non-blocking
 *   listener gets the error: its event loop decides.
 * EINVAL, EBADF, ENOTSOCK, EFAULT are the program's own errors: returned. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>

#include "tcpsafe.h"

static int transient(int fd, int err)
{
	switch (err) {
	case ECONNABORTED: case EPROTO: case ENETDOWN: case ENOPROTOOPT: case EHOSTDOWN:
	case ENONET: case EHOSTUNREACH: case ENETUNREACH:
		return 1;
	case EOPNOTSUPP: {
		int type = 0;
		socklen_t sl = sizeof type;
		return ts_real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == 0 && type == SOCK_STREAM;
	}
	default:
		return 0;
	}
}

static int out_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* One warning per second at most, whatever the number of threads waiting. */
static void warn_backoff(enum ts_call call, int fd, int err, long delay_ms)
{
	static _Atomic long last;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long prev = atomic_load(&last);
	if (prev != now.tv_sec && atomic_compare_exchange_strong(&last, &prev, (long)now.tv_sec))
		ts_log_accept_backoff(call, fd, err, delay_ms);
	else
		ts_log_retry(call, fd, err);
}

/* 1 = call accept again.  errno preserved when 0. */
static int accept_again(enum ts_call call, int fd, long *delay_ms)
{
	int err = errno;
	if (err == EINTR || !ts_active || ts_cfg.accept != TS_ACCEPT_RETRY)
		return ts_io_again(call, fd, NULL);
	if (transient(fd, err)) {
		ts_log_retry(call, fd, err);
		errno = err;
		return 1;
	}
	if (out_of_resources(err)) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_NONBLOCK)) {
			errno = err;
			return 0;
		}
		warn_backoff(call, fd, err, *delay_ms);
		struct timespec d = {*delay_ms / 1000, (*delay_ms % 1000) * 1000000L}, rem;
		while (ts_real.nanosleep(&d, &rem) < 0 && errno == EINTR) {
			/* a signal while we wait is as if it interrupted accept */
			if (!ts_eintr_retry_restartable(call, fd)) {
				errno = EINTR;
				return 0;
			}
			d = rem;
		}
		*delay_ms = *delay_ms * 2 > 1000 ? 1000 : *delay_ms * 2;
		errno = err;
		return 1;
	}
	return ts_io_again(call, fd, NULL);
}

/* The program's buffer was too small for the address (or it passed a
 * buffer without a length): look it up ourselves, on this rare path. */
static TS_COLD void remember_by_lookup(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int saved = errno;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		ts_fd_remember(fd, (struct sockaddr *)&ss, sl);
	else
		ts_fd_forget(fd);
	errno = saved;
}

static int accepted(int nfd, struct sockaddr *sa, socklen_t *salen, socklen_t cap)
{
	if (sa && salen && *salen <= cap)
		ts_fd_remember(nfd, sa, *salen);
	else
		remember_by_lookup(nfd);
	return nfd;
}

/* Out of line: the loop over accept_again.  accept is one the kernel
 * restarts itself (see eintr.c), so nothing is noted before the call. */
static TS_COLD int accept_retry(enum ts_call call, int fd, struct sockaddr *sa, socklen_t *salen,
                                socklen_t cap, int flags)
{
	long delay = 5;
	for (;;) {
		if (!accept_again(call, fd, &delay))
			return -1;
		int nfd = call == TS_C_ACCEPT4 ? ts_real.accept4(fd, sa, salen, flags)
		                               : ts_real.accept(fd, sa, salen);
		if (nfd >= 0)
			return accepted(nfd, sa, salen, cap);
	}
}

/* A program that asks for no address gets ours lent to the kernel: accept
 * reports the peer even of a connection reset while it waited in the
 * backlog, where getpeername() says ENOTCONN.  (Cheaper, too, than the
 * lookup.)  The kernel ignores the length when there is no buffer, so the
 * program's is never written either way. */
#define LEND_ADDRESS(sa, salen)                                                \
	struct sockaddr_storage own_;                                           \
	socklen_t own_len_ = sizeof own_;                                       \
	if (!(sa)) {                                                            \
		(sa) = (struct sockaddr *)&own_;                                \
		(salen) = &own_len_;                                            \
	}

/* Not instrumented by ASan (sanitized builds): pthread_cancel unwinds
 * through these frames without ASan unpoisoning the lent buffer, and
 * reports the next use of that stack as an overflow. */
TS_EXPORT TS_UNWOUND int accept(int fd, struct sockaddr *sa, socklen_t *salen)
{
	LEND_ADDRESS(sa, salen)
	socklen_t cap = (sa && salen) ? *salen : 0;
	int nfd = ts_real.accept(fd, sa, salen);
	if (TS_UNLIKELY(nfd < 0))
		return accept_retry(TS_C_ACCEPT, fd, sa, salen, cap, 0);
	return accepted(nfd, sa, salen, cap);
}

TS_EXPORT TS_UNWOUND int accept4(int fd, struct sockaddr *sa, socklen_t *salen, int flags)
{
	LEND_ADDRESS(sa, salen)
	socklen_t cap = (sa && salen) ? *salen : 0;
	int nfd = ts_real.accept4(fd, sa, salen, flags);
	if (TS_UNLIKELY(nfd < 0))
		return accept_retry(TS_C_ACCEPT4, fd, sa, salen, cap, flags);
	return accepted(nfd, sa, salen, cap);
}
