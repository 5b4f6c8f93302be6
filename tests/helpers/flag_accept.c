/* flag_accept: vsftpd's (and CPython's) SIGCHLD flag around accept()
 * (issue 15).
 *
 *   flag_accept LIMIT_MS GIVEUP_MS
 *
 * The SIGCHLD handler is installed without SA_RESTART and only sets a
 * flag.  The main loop blocks in accept() on a loopback listener nobody
 * connects to, and expects accept() to fail with EINTR when a session
 * process exits, so that it can reap it with waitpid(): vsftpd's
 * standalone loop.  One child exits after 100 ms.
 *
 * Prints, and exits 0:
 *   flag_accept
 *   reaped after accept EINTR
 *   reaped within LIMIT_MS ms: yes     ("no" if later)
 * Bounded: at GIVEUP_MS a SIGALRM handler (its own, which ends the
 * program whatever happens to the accept() it interrupts) prints
 *   accept never returned
 * kills and reaps the child by pid and exits 0.  "accept returned a
 * connection" if somebody connected.  Exit 1: set-up failure; 2: usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "loopback.h"

static volatile sig_atomic_t child_exited; /* the child: h_child, 0 once reaped */

static void on_chld(int sig)
{
	(void)sig;
	child_exited = 1;
}

static void on_giveup(int sig)
{
	(void)sig;
	static const char msg[] = "accept never returned\n";
	(void)!write(1, msg, sizeof msg - 1);
	end_child();
	_exit(0);
}

static void usage(void)
{
	fputs("usage: flag_accept LIMIT_MS GIVEUP_MS\n", stderr);
	exit(2);
}


int main(int argc, char **argv)
{
	if (argc != 3)
		usage();
	long limit = arg_ms(argv[1], usage), giveup = arg_ms(argv[2], usage);

	struct sockaddr_in addr;
	int lfd = lo_listen(SOCK_CLOEXEC, 16, &addr);
	if (lfd < 0)
		fail("listen");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: accept() must fail with EINTR */
	sa.sa_handler = on_chld;
	if (sigaction(SIGCHLD, &sa, NULL))
		fail("sigaction");
	sa.sa_handler = on_giveup;
	if (sigaction(SIGALRM, &sa, NULL))
		fail("sigaction");

	puts("flag_accept");
	fflush(stdout);
	long long t0 = now_ms();
	struct itimerval it = {{0, 0}, {giveup / 1000, (giveup % 1000) * 1000}};
	if (setitimer(ITIMER_REAL, &it, NULL))
		fail("setitimer");
	h_child = sleeper(100);

	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c >= 0) {
			puts("accept returned a connection");
			close(c);
			break;
		}
		if (errno != EINTR)
			fail("accept");
		if (child_exited) {
			child_exited = 0;
			pid_t r;
			while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
				if (r == h_child)
					h_child = 0;
			if (h_child == 0) {
				long long took = now_ms() - t0;
				puts("reaped after accept EINTR");
				printf("reaped within %ld ms: %s\n", limit, took < limit ? "yes" : "no");
				break;
			}
		}
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	end_child();
	return 0;
}
