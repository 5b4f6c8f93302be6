/* A preload listed after tcpsafe: its constructor runs before tcpsafe's,
 * its destructor after tcpsafe's.  Both make a round of wrapped calls
 * (exercise.h).  With EDGES_EPIPE=1 the destructor also writes into a
 * socket whose peer is gone: SIGPIPE kills the process without tcpsafe,
 * with it the write fails with EPIPE and the exit status stays 0. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "exercise.h"

__attribute__((constructor)) static void edges_init(void) { exercise("preload ctor"); }

__attribute__((destructor)) static void edges_fini(void)
{
	exercise("preload dtor");
	if (getenv("EDGES_EPIPE")) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
			close(sv[1]);
			errno = 0;
			ssize_t r = write(sv[0], "x", 1);
			ex_say("preload dtor", "epipe", r < 0 && errno == EPIPE);
		}
	}
}
