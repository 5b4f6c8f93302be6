/* A preload listed after tcpsafe: its constructor runs before tcpsafe's,
 * its destructor after tcpsafe's.  Both make a round of wrapped calls
 * (exercise.h).  With EDGES_EPIPE=1 the destructor also writes into a
 * socket whose peer is gone: SIGPIPE kills the process without tcpsafe,
 * with it the write fails with EPIPE and the exit status stays 0.
 * EDGES_CTOR_EPIPE=1 does the same as the very first call of the
 * constructor, before tcpsafe's own constructor has run. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "exercise.h"

static void epipe(const char *when)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		close(sv[1]);
		errno = 0;
		ssize_t r = write(sv[0], "x", 1);
		ex_say(when, "epipe", r < 0 && errno == EPIPE);
		close(sv[0]);
	}
}

__attribute__((constructor)) static void edges_init(void)
{
	/* first of all, before any other wrapped call could start tcpsafe */
	if (getenv("EDGES_CTOR_EPIPE"))
		epipe("preload ctor");
	exercise("preload ctor");
}

__attribute__((destructor)) static void edges_fini(void)
{
	exercise("preload dtor");
	if (getenv("EDGES_EPIPE"))
		epipe("preload dtor");
}
