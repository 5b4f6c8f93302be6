/* postmaster: the PostgreSQL 15 postmaster's way of timing a restart
 * (issue 15).
 *
 *   postmaster WAIT LIMIT_MS [FLAGS]
 *
 * WAIT: select or poll.  FLAGS: restart (the default: SA_RESTART, an
 * empty mask, as pqsignal() installs handlers) or pm15 (flags 0 and every
 * signal but the synchronous ones masked: what PostgreSQL 15's
 * pqsignal_pm() gives the postmaster's reaper(), measured with strace).
 *
 * The SIGCHLD handler reaps every exited
 * child (waitpid(-1, WNOHANG) loop) and schedules the worker's restart
 * 200 ms later (PostgreSQL's reaper() and its bgworker restart interval).
 * SIGCHLD is blocked except around the wait, as PG_SETMASK(&UnBlockSig)
 * does.  The main loop (ServerLoop) waits on a pipe nobody writes to, for
 * 5 s when nothing is scheduled, else until the restart is due: it relies
 * on the wait failing with EINTR after the handler ran (select() and
 * poll() do, SA_RESTART or not) to recompute that timeout.  The worker
 * exits after 100 ms, so the restart is due at about 300 ms.
 *
 * Prints, and exits 0:
 *   postmaster wait=WAIT
 *   worker reaped by the handler: yes
 *   wait returned EINTR: yes
 *   restart deadline met late=no      (yes: acted on LIMIT_MS or more after
 *                                      the start, e.g. at the 5 s timeout)
 * or "restart never scheduled" if 5 s passed with no child reaped.
 * Bounded by the 5 s timeout; the worker is reaped (or killed and reaped
 * by pid) before exit.  Exit 1: set-up failure; 2: usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#define RESTART_DELAY_MS 200
#define IDLE_TIMEOUT_MS 5000

static volatile sig_atomic_t reaped, restart_pending;
/* Written by the handler, read only while SIGCHLD is blocked. */
static volatile long long restart_at;
/* the worker: h_child, 0 once reaped */

/* PostgreSQL's reaper(): it does the work in the handler itself. */
static void reaper(int sig)
{
	(void)sig;
	int saved = errno;
	pid_t pid;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		if (pid == h_child) {
			h_child = 0;
			reaped = 1;
			restart_at = now_ms() + RESTART_DELAY_MS;
			restart_pending = 1;
		}
	errno = saved;
}

static void usage(void)
{
	fputs("usage: postmaster select|poll LIMIT_MS [restart|pm15]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4)
		usage();
	int pm15 = argc == 4 && !strcmp(argv[3], "pm15");
	if (argc == 4 && !pm15 && strcmp(argv[3], "restart"))
		usage();
	int use_poll = !strcmp(argv[1], "poll");
	if (!use_poll && strcmp(argv[1], "select"))
		usage();
	char *end;
	long limit = strtol(argv[2], &end, 10);
	if (*end || end == argv[2] || limit < 1 || limit > 600000)
		usage();

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC))
		fail("pipe");
	sigset_t block, unblock;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, &unblock))
		fail("sigprocmask");
	sigdelset(&unblock, SIGCHLD);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = reaper;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART; /* pqsignal() */
	if (pm15) { /* pqsignal_pm(): BlockSig as the mask, no SA_RESTART */
		sigfillset(&sa.sa_mask);
		static const int sync_sigs[] = {SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV};
		for (size_t i = 0; i < sizeof sync_sigs / sizeof sync_sigs[0]; i++)
			sigdelset(&sa.sa_mask, sync_sigs[i]);
		sa.sa_flags = 0;
	}
	if (sigaction(SIGCHLD, &sa, NULL))
		fail("sigaction");

	printf("postmaster wait=%s\n", argv[1]);
	fflush(stdout);
	long long t0 = now_ms();
	h_child = sleeper(100); /* SIGCHLD is blocked: the handler sees it set */

	int eintr = 0, acted = 0;
	long long acted_at = 0;
	for (;;) {
		/* DetermineSleepTime(): until the restart is due, else idle */
		long long tmo = IDLE_TIMEOUT_MS;
		if (restart_pending) {
			tmo = restart_at - now_ms();
			if (tmo < 0)
				tmo = 0;
		}
		int r;
		sigprocmask(SIG_SETMASK, &unblock, NULL);
		if (use_poll) {
			struct pollfd p = {pfd[0], POLLIN, 0};
			r = poll(&p, 1, (int)tmo);
		} else {
			fd_set rs;
			FD_ZERO(&rs);
			FD_SET(pfd[0], &rs);
			struct timeval tv = {(time_t)(tmo / 1000), (suseconds_t)(tmo % 1000) * 1000};
			r = select(pfd[0] + 1, &rs, NULL, NULL, &tv);
		}
		int err = errno;
		sigprocmask(SIG_BLOCK, &block, NULL);
		if (r < 0 && err == EINTR) {
			eintr++;
			continue; /* recompute the timeout */
		}
		if (r != 0) {
			errno = err;
			fail(r < 0 ? argv[1] : "data from nowhere");
		}
		/* maybe_start_bgworkers() */
		if (restart_pending && now_ms() >= restart_at) {
			acted = 1;
			acted_at = now_ms();
			restart_pending = 0;
			break;
		}
		if (!restart_pending && now_ms() - t0 >= IDLE_TIMEOUT_MS)
			break;
	}
	end_child();
	printf("worker reaped by the handler: %s\n", reaped ? "yes" : "no");
	printf("wait returned EINTR: %s\n", eintr ? "yes" : "no");
	if (acted)
		printf("restart deadline met late=%s\n", acted_at - t0 >= limit ? "yes" : "no");
	else
		printf("restart never scheduled\n");
	return 0;
}
