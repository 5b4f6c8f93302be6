/* coalesce: the classic buggy SIGCHLD handler meets 20 simultaneous exits.
 *
 *   coalesce [-b]
 *
 * A SIGCHLD handler (sigaction, flags 0: no SA_RESTART) calls wait() ONCE
 * per signal, like the sig_chld of Unix Network Programming's tcpserv02.
 * 20 children block in read() on one pipe; the parent closes its end of
 * the pipe, so they all see end-of-file and _exit(i), i = 0..19, at about
 * the same moment.  SIGCHLD is a standard signal: while one is pending the
 * others merge into it, so the handler runs fewer than 20 times and, on a
 * plain kernel, zombies are left behind.
 *
 * The parent waits until every child has exited (each holds the write end
 * of a second pipe: end-of-file when the last one is gone, however slow
 * their exits, e.g. under memcheck), sleeps 500 ms more (nanosleep,
 * resumed with the remaining time after EINTR), blocks SIGCHLD (the handler is done from then on), then
 * prints
 *   handled=H zombies=Z
 * H: statuses the handler collected; Z: zombie children of this process
 * right now (from /proc/<pid>/stat: parent is us, state 'Z').  It then
 * calls wait() until ECHILD and prints
 *   later=L total=T unique=U
 * L: statuses collected by these later waits, T = H + L, U: how many of
 * the exit codes 0..19 were seen.  Then, only if something was wrong:
 *   dup=1     an exit code was seen more than once
 *   bad=N     N statuses were not an exit code in 0..19
 * and exits 0.
 *
 * Plain kernel: zombies > 0, total=20 unique=20.  How many signals merge
 * depends on scheduling (handled=1..16 and so zombies=19..4 seen in 700
 * runs on 2 CPUs); zombies=0 would need the handler to run between every
 * two exits: possible in theory, never seen.
 * Under tcpsafe: zombies=0, total=20 unique=20.
 *
 * -b makes the merging deterministic: SIGCHLD stays blocked from before
 * the pipe is closed until the 500 ms are over, so all 20 signals are
 * merged into one pending SIGCHLD and the handler runs exactly once, when
 * SIGCHLD is unblocked (it is unblocked for 100 ms more, then the count is
 * taken).  Plain kernel: handled=1 zombies=19, later=19 total=20
 * unique=20.  Under tcpsafe: handled=1 zombies=0, later=19.
 *
 * Exit 1 on a set-up failure.  Bounded: a watchdog thread (all signals
 * blocked, so SIGCHLD is only ever handled by the main thread) SIGKILLs
 * the children still unreaped, reaps them (by pid, for at most 1 s) and
 * _exit(3)s after 10 s; the children
 * also get end-of-file, and exit, as soon as this process is gone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procscan.h"

#define NCHILD 20
#define WATCHDOG_S 10

static pid_t kids[NCHILD];
static atomic_int reaped[NCHILD];

static volatile sig_atomic_t handled;
static volatile sig_atomic_t seen[NCHILD];
static volatile sig_atomic_t bad;

static void fail(const char *what)
{
	fprintf(stderr, "coalesce: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Book-keeping for one collected status; async-signal-safe. */
static void record(pid_t pid, int st)
{
	for (int i = 0; i < NCHILD; i++)
		if (kids[i] == pid)
			atomic_store(&reaped[i], 1);
	if (WIFEXITED(st) && WEXITSTATUS(st) < NCHILD)
		seen[WEXITSTATUS(st)]++;
	else
		bad++;
}

/* The classic bug: one wait() per signal, however many children exited. */
static void on_chld(int sig)
{
	int saved = errno, st;
	pid_t pid;

	(void)sig;
	pid = wait(&st);
	if (pid > 0) {
		handled++;
		record(pid, st);
	}
	errno = saved;
}

static void *watchdog(void *arg)
{
	struct timespec ts = {WATCHDOG_S, 0};
	static const char msg[] = "coalesce: watchdog: not done in time; killing the children\n";

	(void)arg;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	(void)!write(2, msg, sizeof msg - 1);
	for (int i = 0; i < NCHILD; i++)
		if (kids[i] > 0 && !atomic_load(&reaped[i]))
			kill(kids[i], SIGKILL);
	/* reap them by pid; at most 1 s, the main thread may be reaping too */
	for (int round = 0; round < 200; round++) {
		int left = 0;

		for (int i = 0; i < NCHILD; i++) {
			pid_t r;

			if (kids[i] <= 0 || atomic_load(&reaped[i]))
				continue;
			r = waitpid(kids[i], NULL, WNOHANG);
			if (r == kids[i] || (r < 0 && errno == ECHILD))
				atomic_store(&reaped[i], 1);
			else
				left = 1;
		}
		if (!left)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = 5 * 1000000L;
		nanosleep(&ts, NULL);
	}
	_exit(3);
}

/* Zombie children of this process, from /proc/<pid>/stat. */
static long count_zombies(pid_t parent)
{
	int z = 0;
	ps_scan_children((pid_t)parent, &z, NULL);
	return z;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec ts = {0, 500 * 1000000L};
	sigset_t chld, all, old;
	pthread_t wd;
	int p[2], gone[2], st, h, later = 0, unique = 0, dup = 0, blocked = 0;
	long zombies;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "-b"))
		blocked = 1;
	else if (argc != 1) {
		fputs("usage: coalesce [-b]\n", stderr);
		return 2;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_UNBLOCK, &chld, NULL))
		fail("sigprocmask");

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART */
	if (sigaction(SIGCHLD, &sa, NULL))
		fail("sigaction");

	if (pipe2(p, O_CLOEXEC) || pipe2(gone, O_CLOEXEC))
		fail("pipe");
	/* the watchdog thread starts with every signal blocked, so that
	 * SIGCHLD is only ever handled by the main thread */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old))
		fail("sigprocmask");
	if ((errno = pthread_create(&wd, NULL, watchdog, NULL)) != 0)
		fail("pthread_create");
	if (sigprocmask(SIG_SETMASK, &old, NULL))
		fail("sigprocmask");

	fflush(NULL);
	for (int i = 0; i < NCHILD; i++) {
		if ((pid = fork()) < 0)
			fail("fork");
		if (pid == 0) {
			char c;

			close(p[1]);
			close(gone[0]); /* gone[1] closes when this child exits */
			/* end-of-file once the parent has closed its end (or died) */
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(i);
		}
		kids[i] = pid;
	}
	close(p[0]);
	close(gone[1]);
	if (blocked && sigprocmask(SIG_BLOCK, &chld, NULL))
		fail("sigprocmask");
	close(p[1]); /* all 20 wake up and exit together */

	/* every child has exited (however slowly, e.g. under memcheck) ... */
	for (;;) {
		char c;
		ssize_t r = read(gone[0], &c, 1);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR) /* the handler ran */
			continue;
		fail("read");
	}
	close(gone[0]);
	/* ... and has had 500 ms to be collected */
	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR)
			fail("nanosleep");
	}
	if (blocked) {
		/* the one merged SIGCHLD is delivered here */
		if (sigprocmask(SIG_UNBLOCK, &chld, NULL))
			fail("sigprocmask");
		ts.tv_sec = 0;
		ts.tv_nsec = 100 * 1000000L;
		while (nanosleep(&ts, &ts) < 0) {
			if (errno != EINTR)
				fail("nanosleep");
		}
	}

	if (sigprocmask(SIG_BLOCK, &chld, NULL))
		fail("sigprocmask");
	h = handled;
	zombies = count_zombies(getpid());
	printf("handled=%d zombies=%ld\n", h, zombies);
	fflush(stdout);

	for (;;) {
		pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				fail("wait");
			break;
		}
		later++;
		record(pid, st);
	}
	for (int i = 0; i < NCHILD; i++) {
		if (seen[i] > 0)
			unique++;
		if (seen[i] > 1)
			dup = 1;
	}
	printf("later=%d total=%d unique=%d\n", later, h + later, unique);
	if (dup)
		printf("dup=1\n");
	if (bad)
		printf("bad=%d\n", (int)bad);
	fflush(stdout);
	return 0;
}
