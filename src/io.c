/* The I/O wrappers.  Success path: one TLS load (the handler count, for
 * the EINTR policy), one indirect call through the bound pointer and one
 * predicted branch; write-family calls also mark the thread, one TLS
 * increment each way, so the SIGPIPE handler can tell a call we see from
 * stdio or splice.  All error handling lives out of line: logging of
 * EPIPE/ECONNRESET, and the EINTR retry decision. */
#include "autoconfig.h"

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpsafe.h"

extern ssize_t __read_chk(int, void *, size_t, size_t);
extern ssize_t __recv_chk(int, void *, size_t, size_t, int);
extern ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);

/* Log a vanished client: an EPIPE or ECONNRESET on a socket. */
static void log_if_network_error(enum ts_call call, int fd, int err)
{
	if (err == EPIPE || err == ECONNRESET) {
		struct stat st;
		if (!ts_active)
			ts_init(); /* error before our constructor ran */
		/* a vanished client is a socket event; a pipe reader that left
		 * (`prog | head`) is not news for anyone */
		if (ts_active && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			ts_log_io_event(call, fd, err);
	}
}

TS_COLD ssize_t ts_io_failed(enum ts_call call, int fd, ssize_t ret)
{
	int err = errno;
	log_if_network_error(call, fd, err);
	errno = err;
	return ret;
}

TS_COLD int ts_io_again(enum ts_call call, int fd, unsigned long *seq)
{
	int err = errno;
	if (err == EINTR)
		return ts_eintr_retry(call, fd, seq);
	log_if_network_error(call, fd, err);
	errno = err;
	return 0;
}

/* Reads: note which handlers ran before the call (for EINTR), call, and
 * only on failure go out of line. */
#define READ_CALL(call, fd, expr)                                      \
	do {                                                           \
		unsigned long seq_ = ts_tsig.hseq;                     \
		for (;;) {                                             \
			ssize_t r_ = (expr);                           \
			if (TS_LIKELY(r_ >= 0))                        \
				return r_;                             \
			if (!ts_io_again(call, fd, &seq_))             \
				return r_;                             \
		}                                                      \
	} while (0)

/* Writes: also mark the thread for the SIGPIPE handler around the call. */
#define WRITE_CALL(call, fd, expr)                                     \
	do {                                                           \
		unsigned long seq_ = ts_tsig.hseq;                     \
		for (;;) {                                             \
			ts_tsig.in_write++;                            \
			ssize_t r_ = (expr);                           \
			ts_tsig.in_write--;                            \
			if (TS_LIKELY(r_ >= 0))                        \
				return r_;                             \
			if (!ts_io_again(call, fd, &seq_))             \
				return r_;                             \
		}                                                      \
	} while (0)

TS_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	READ_CALL(TS_C_READ, fd, ts_real.read(fd, buf, n));
}

TS_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	READ_CALL(TS_C_READ, fd, ts_real.read_chk(fd, buf, n, buflen));
}

TS_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	READ_CALL(TS_C_READV, fd, ts_real.readv(fd, iov, cnt));
}

TS_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	READ_CALL(TS_C_RECV, fd, ts_real.recv(fd, buf, n, flags));
}

TS_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	READ_CALL(TS_C_RECV, fd, ts_real.recv_chk(fd, buf, n, buflen, flags));
}

TS_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
                           socklen_t *salen)
{
	READ_CALL(TS_C_RECVFROM, fd, ts_real.recvfrom(fd, buf, n, flags, sa, salen));
}

TS_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                                 struct sockaddr *sa, socklen_t *salen)
{
	READ_CALL(TS_C_RECVFROM, fd, ts_real.recvfrom_chk(fd, buf, n, buflen, flags, sa, salen));
}

TS_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	READ_CALL(TS_C_RECVMSG, fd, ts_real.recvmsg(fd, msg, flags));
}

TS_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	WRITE_CALL(TS_C_WRITE, fd, ts_real.write(fd, buf, n));
}

TS_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	WRITE_CALL(TS_C_WRITEV, fd, ts_real.writev(fd, iov, cnt));
}

TS_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	WRITE_CALL(TS_C_SEND, fd, ts_real.send(fd, buf, n, flags));
}

TS_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa,
                         socklen_t salen)
{
	WRITE_CALL(TS_C_SENDTO, fd, ts_real.sendto(fd, buf, n, flags, sa, salen));
}

TS_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	WRITE_CALL(TS_C_SENDMSG, fd, ts_real.sendmsg(fd, msg, flags));
}

TS_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *off, size_t n)
{
	WRITE_CALL(TS_C_SENDFILE, out_fd, ts_real.sendfile(out_fd, in_fd, off, n));
}

TS_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *off, size_t n)
{
	WRITE_CALL(TS_C_SENDFILE, out_fd, ts_real.sendfile64(out_fd, in_fd, off, n));
}
