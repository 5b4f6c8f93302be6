/* jobserver: GNU make's way of waiting for its jobs (issue 15).
 *
 *   jobserver WAIT FLAGS LIMIT_MS GIVEUP_MS
 *
 * WAIT: pselect ppoll epoll_pwait; FLAGS: plain (sigaction flags 0) or
 * restart (SA_RESTART, as make's bsd_signal() sets).
 *
 * Runs 3 jobs of 100 ms each, at most 2 at once.  The SIGCHLD handler only
 * counts; SIGCHLD is blocked in the process mask and unblocked only by the
 * mask given to WAIT, which waits with no timeout on the read end of a
 * pipe nobody writes to (make's jobserver pipe with no token left).  So
 * the only way out of WAIT is the EINTR a child's exit causes ("SIGCHLD
 * will show up as an EINTR", make's posixos.c); the main loop then reaps
 * with waitpid(-1, WNOHANG) and starts the next job.  Blocked SIGCHLD
 * makes it race-free: a child that exits between the reaping and the wait
 * leaves the signal pending, and WAIT returns at once.
 *
 * Prints, and exits 0:
 *   jobserver wait=WAIT flags=FLAGS
 *   jobs started=3 reaped=3 max_running=2
 *   woken by EINTR: yes
 *   finished within LIMIT_MS ms: yes     ("no" if it took longer)
 * Bounded: at GIVEUP_MS a SIGALRM handler prints
 *   gave up in WAIT: reaped=N of 3
 * kills and reaps the running jobs by pid and exits 0 (the run's output
 * then differs from a good one).  Exit 1: set-up failure; 2: usage. */
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
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#define JOBS 3
#define SLOTS 2

static volatile sig_atomic_t chld_count, reaped;
static pid_t jobs[JOBS]; /* 0 once reaped; read by the give-up handler */
static const char *wait_name;

static void on_chld(int sig)
{
	(void)sig;
	chld_count++; /* make's child_handler: a counter, nothing more */
}

static void say(const char *s) { (void)!write(1, s, strlen(s)); }

/* Async-signal-safe: only write, kill and waitpid. */
static void on_giveup(int sig)
{
	(void)sig;
	char n[2] = {(char)('0' + reaped), '\0'};
	say("gave up in ");
	say(wait_name);
	say(": reaped=");
	say(n);
	say(" of 3\n");
	for (int i = 0; i < JOBS; i++)
		if (jobs[i] > 0) {
			kill(jobs[i], SIGKILL);
			waitpid(jobs[i], NULL, 0);
		}
	_exit(0);
}

static void usage(void)
{
	fputs("usage: jobserver pselect|ppoll|epoll_pwait plain|restart LIMIT_MS GIVEUP_MS\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 5)
		usage();
	enum { W_PSELECT, W_PPOLL, W_EPOLL_PWAIT } w;
	if (!strcmp(argv[1], "pselect"))
		w = W_PSELECT;
	else if (!strcmp(argv[1], "ppoll"))
		w = W_PPOLL;
	else if (!strcmp(argv[1], "epoll_pwait"))
		w = W_EPOLL_PWAIT;
	else
		usage();
	wait_name = argv[1];
	int restart = !strcmp(argv[2], "restart");
	if (!restart && strcmp(argv[2], "plain"))
		usage();
	long limit = arg_ms(argv[3], usage), giveup = arg_ms(argv[4], usage);

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC))
		fail("pipe");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data = {.fd = pfd[0]}};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev))
		fail("epoll");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_giveup;
	if (sigaction(SIGALRM, &sa, NULL))
		fail("sigaction");
	sa.sa_handler = on_chld;
	sa.sa_flags = restart ? SA_RESTART : 0;
	if (sigaction(SIGCHLD, &sa, NULL))
		fail("sigaction");
	sigset_t chld, waitmask;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &waitmask))
		fail("sigprocmask");
	sigdelset(&waitmask, SIGCHLD); /* the mask during the wait */

	printf("jobserver wait=%s flags=%s\n", argv[1], argv[2]);
	fflush(stdout);
	long long t0 = now_ms();
	struct itimerval it = {{0, 0}, {giveup / 1000, (giveup % 1000) * 1000}};
	if (setitimer(ITIMER_REAL, &it, NULL))
		fail("setitimer");

	int started = 0, running = 0, max_running = 0, eintr = 0;
	while (reaped < JOBS) {
		while (running < SLOTS && started < JOBS) {
			jobs[started++] = sleeper(100);
			if (++running > max_running)
				max_running = running;
		}
		pid_t pid;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (int i = 0; i < JOBS; i++)
				if (jobs[i] == pid) {
					jobs[i] = 0;
					reaped++;
					running--;
				}
		if (reaped == JOBS || running < SLOTS)
			continue;
		/* every slot busy: wait for a token that never comes, or SIGCHLD */
		int r;
		if (w == W_PSELECT) {
			fd_set rs;
			FD_ZERO(&rs);
			FD_SET(pfd[0], &rs);
			r = pselect(pfd[0] + 1, &rs, NULL, NULL, NULL, &waitmask);
		} else if (w == W_PPOLL) {
			struct pollfd p = {pfd[0], POLLIN, 0};
			r = ppoll(&p, 1, NULL, &waitmask);
		} else {
			struct epoll_event out;
			r = epoll_pwait(ep, &out, 1, -1, &waitmask);
		}
		if (r < 0 && errno == EINTR)
			eintr++;
		else
			fail(r < 0 ? wait_name : "token from nowhere");
	}
	long long took = now_ms() - t0;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("jobs started=%d reaped=%d max_running=%d\n", started, (int)reaped, max_running);
	printf("woken by EINTR: %s\n", eintr > 0 ? "yes" : "no");
	printf("finished within %ld ms: %s\n", limit, took < limit ? "yes" : "no");
	return 0;
}
