/*
 * loopback.h - a listening TCP socket on 127.0.0.1 at an ephemeral port,
 * for the test helpers (each program is one .c file plus this).
 *
 * lo_listen(type_flags, backlog, sa): socket(AF_INET, SOCK_STREAM |
 * type_flags), bound, listening; *sa gets the address the kernel chose.
 * Returns the descriptor, or -1 with errno set (nothing left open).
 */
#ifndef TS_LOOPBACK_H
#define TS_LOOPBACK_H

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static inline int lo_listen(int type_flags, int backlog, struct sockaddr_in *sa)
{
	socklen_t len = sizeof *sa;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | type_flags, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)sa, sizeof *sa) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

#endif
