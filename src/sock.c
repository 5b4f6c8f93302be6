/* accept, accept4, connect: remember the peer when the connection is made,
 * because after an RST getpeername() fails.  close, dup2, dup3 and
 * close_range only keep that memory right when fd numbers are reused; the
 * entry is cleared before the real call, so a new connection that gets
 * the same number in another thread is never erased afterwards.  close is
 * never retried (Linux releases the fd even when it reports EINTR). */
#include "autoconfig.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "tcpsafe.h"

/* The program's buffer may be missing or too small for the address: then
 * we look it up ourselves, once, on this rare path. */
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

TS_EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *salen)
{
	socklen_t cap = (sa && salen) ? *salen : 0;
	int nfd = ts_real.accept(fd, sa, salen);
	if (TS_UNLIKELY(nfd < 0))
		return (int)ts_io_failed(TS_C_ACCEPT, fd, nfd);
	return accepted(nfd, sa, salen, cap);
}

TS_EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *salen, int flags)
{
	socklen_t cap = (sa && salen) ? *salen : 0;
	int nfd = ts_real.accept4(fd, sa, salen, flags);
	if (TS_UNLIKELY(nfd < 0))
		return (int)ts_io_failed(TS_C_ACCEPT4, fd, nfd);
	return accepted(nfd, sa, salen, cap);
}

TS_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t salen)
{
	int r = ts_real.connect(fd, sa, salen);
	/* A non-blocking or interrupted connect goes on in the background. */
	if (r == 0 || errno == EINPROGRESS || errno == EINTR) {
		int saved = errno;
		ts_fd_remember(fd, sa, salen);
		errno = saved;
	}
	if (TS_UNLIKELY(r < 0))
		return (int)ts_io_failed(TS_C_CONNECT, fd, r);
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
	if (r >= 0) {
		struct ts_addr a;
		int saved = errno;
		if (ts_fd_peer(oldfd, &a)) {
			struct sockaddr_in6 tmp; /* large enough for both families */
			socklen_t len = 0;
			memset(&tmp, 0, sizeof tmp);
			tmp.sin6_family = a.family;
			tmp.sin6_port = a.port;
			if (a.family == AF_INET) {
				struct sockaddr_in *in = (struct sockaddr_in *)&tmp;
				memcpy(&in->sin_addr, a.addr, 4);
				len = sizeof *in;
			} else {
				memcpy(&tmp.sin6_addr, a.addr, 16);
				len = sizeof tmp;
			}
			ts_fd_remember(newfd, (struct sockaddr *)&tmp, len);
		}
		errno = saved;
	}
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
	int saved = errno;
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		ts_fd_forget_range(lo, hi);
	errno = saved;
	return ts_real.close_range(lo, hi, flags);
}
