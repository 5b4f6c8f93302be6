/* retitle: a program that rewrites argv[0] for its process title (as nginx
 * workers and PostgreSQL backends do), then learns of a reset the way
 * event-driven servers do: getsockopt(SO_ERROR) on its socket, with no
 * failed call at all.
 *
 * A loopback connection is made; the accepted end is closed with
 * SO_LINGER 0 (an RST); the client end then reads SO_ERROR.  Prints
 *   title=rewritten so_error=ECONNRESET
 * (or the errno it got), exits 0; 1 on a set-up failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	(void)argc;
	/* the whole of argv[0] becomes a title, as setproctitle() does */
	size_t n = strlen(argv[0]);
	memset(argv[0], 0, n);
	strncpy(argv[0], "worker process", n);

	int l = lo_listen(0, 1, &sa);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 1;
	int s = accept(l, NULL, NULL);
	struct linger lg = {1, 0};
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
		return 1;
	close(s);
	struct timespec d = {0, 50 * 1000000L};
	nanosleep(&d, NULL);
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return 1;
	printf("title=rewritten so_error=%s\n", err == ECONNRESET ? "ECONNRESET" : strerror(err));
	close(c);
	close(l);
	return 0;
}
