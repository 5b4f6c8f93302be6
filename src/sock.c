/* connect: remember the peer when the connection is made, because after an
 * RST getpeername() fails; an interrupted connect is never called again
 * (the kernel goes on connecting: a second call gives EALREADY/EISCONN),
 * we wait for it instead.  close, dup2, dup3 and close_range only keep
 * the peer memory right when fd numbers are reused; the entry is cleared
 * before the real call, so a new connection that gets the same number in
 * another thread is never erased afterwards.  close is never retried
 * (Linux releases the fd even when it reports EINTR). */
#include "autoconfig.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "tcpsafe.h"

/* connect() was interrupted and the policy says retry: wait until the
 * connection is made or fails, as connect itself would have. */
static TS_COLD int connect_wait(int fd)
{
	struct timeval snd = {0, 0};
	socklen_t sl = sizeof snd;
	int timeout = -1;
	/* SO_SNDTIMEO bounds a blocking connect; keep that bound */
	if (ts_real.getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, &sl) == 0 && (snd.tv_sec || snd.tv_usec))
		timeout = (int)(snd.tv_sec * 1000 + (snd.tv_usec + 999) / 1000);
	for (;;) {
		struct pollfd p = {fd, POLLOUT, 0};
		int r = ts_real.poll(&p, 1, timeout);
		if (r == 0) {
			errno = EINPROGRESS;
			return -1;
		}
		if (r < 0) {
			if (errno == EINTR && ts_eintr_retry_restartable(TS_C_CONNECT, fd))
				continue;
			return -1;
		}
		int soerr = 0;
		sl = sizeof soerr;
		if (ts_real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			return -1;
		if (soerr) {
			ts_io_log_error(TS_C_CONNECT, fd, soerr); /* an RST, as connect would */
			ts_fd_forget(fd);
			errno = soerr;
			return -1;
		}
		return 0;
	}
}

static TS_COLD int connect_failed(int fd, const struct sockaddr *sa, socklen_t salen)
{
	int err = errno;
	/* a non-blocking or interrupted connect goes on in the background */
	if (err == EINPROGRESS || err == EINTR)
		ts_fd_remember(fd, sa, salen);
	if (err == EINTR) {
		if (ts_eintr_retry_restartable(TS_C_CONNECT, fd))
			return connect_wait(fd);
	} else {
		ts_io_again(TS_C_CONNECT, fd, NULL); /* logs an RST */
	}
	errno = err;
	return -1;
}

TS_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t salen)
{
	int r = ts_real.connect(fd, sa, salen);
	if (TS_UNLIKELY(r < 0))
		return connect_failed(fd, sa, salen);
	ts_fd_remember(fd, sa, salen); /* leaves errno alone */
	return r;
}

/* getsockopt(SO_ERROR) is how event-driven servers (nginx: "client
 * prematurely closed connection") learn of a reset on a non-blocking
 * socket: the pending error is handed over there, not by a failed call. */
TS_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int r = ts_real.getsockopt(fd, level, name, val, len);
	if (TS_UNLIKELY(level == SOL_SOCKET && name == SO_ERROR) && r == 0 && val && len &&
	    *len >= sizeof(int))
		ts_io_log_error(TS_C_GETSOCKOPT, fd, *(int *)val);
	return r;
}

TS_EXPORT int close(int fd)
{
	ts_fd_forget(fd);
	return ts_real.close(fd);
}

/* dup2/dup3 onto newfd: newfd now names oldfd's socket, so it inherits
 * oldfd's peer (inetd-style servers dup2 the connection onto 0, 1, 2). */
static int duped(int oldfd, int newfd, int r)
{
	if (r >= 0)
		ts_fd_copy(oldfd, newfd);
	return r;
}

TS_EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		ts_fd_forget(newfd);
	return duped(oldfd, newfd, ts_real.dup2(oldfd, newfd));
}

TS_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		ts_fd_forget(newfd);
	return duped(oldfd, newfd, ts_real.dup3(oldfd, newfd, flags));
}

TS_EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		ts_fd_forget_range(lo, hi);
	return ts_real.close_range(lo, hi, flags);
}
