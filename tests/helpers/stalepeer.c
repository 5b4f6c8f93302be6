/* The fd number of an accepted TCP connection is closed behind tcpsafe's
 * back (fclose goes through glibc's internal close) and reused by a
 * socketpair; a write on it then fails with EPIPE.  The log line must not
 * name the old TCP peer.  Prints the old peer's port for the test. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

int main(void)
{
	struct sockaddr_in sa;
	int l = lo_listen(0, 1, &sa);
	if (l < 0)
		return 2;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 3;
	struct sockaddr_in me;
	socklen_t sl = sizeof me;
	getsockname(c, (struct sockaddr *)&me, &sl);
	int a = accept(l, NULL, NULL);
	if (a < 0)
		return 4;
	printf("old peer port %d fd %d\n", ntohs(me.sin_port), a);
	fflush(stdout);
	fclose(fdopen(a, "r")); /* closes fd a without calling close() */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || sv[0] != a)
		return 5;
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	if (write(sv[0], "x", 1) >= 0)
		return 6;
	return 0;
}
