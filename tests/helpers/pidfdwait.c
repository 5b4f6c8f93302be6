/* pidfdwait: waitid(P_PIDFD) gets the status of a child that has exited.
 *
 *   pidfdwait
 *
 * SIGCHLD stays at SIG_DFL.  For each case a child is forked and waits on
 * a pipe while a pidfd is opened on it (pidfd_open: on a live child, so
 * the open never races with its exit); then the pipe is closed, the child
 * exits and waitid(P_PIDFD, fd, ...) is called.  The kernel answers only
 * while the child is unreaped, so a library that reaps it first leaves
 * the program with ECHILD.
 *   exited:  child exits 7; 200 ms later waitid(WEXITED)
 *   nohang:  child exits 8; 200 ms later waitid(WEXITED|WNOHANG)
 *   nowait:  child exits 9; 200 ms later waitid(WEXITED|WNOWAIT), then
 *            waitid(WEXITED) (the same status again), then ECHILD
 *   running: before the pipe is closed, waitid(WEXITED|WNOHANG) finds
 *            nothing; after, a blocking waitid(WEXITED) gets its exit 10
 * Each waitid prints "CASE: ret=0 code=CLD_EXITED status=N pid=match",
 * "CASE: ret=0 pid=0" (WNOHANG, nothing yet) or "CASE: ret=-1 errno=NAME".
 * Last: "end: ret=-1 errno=ECHILD" (waitpid(-1, WNOHANG): nothing left).
 *
 * Bounded: children die with this process (PR_SET_PDEATHSIG); alarm(10).
 * Exit 1 on a set-up failure (a kernel before 5.3 has no pidfd_open). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct kid {
	pid_t pid;
	int pidfd, go; /* go: the pipe's write end; closing it lets the child exit */
};

/* A child that exits with code once its pipe reads end-of-file, and dies
 * with us; its pidfd is opened while it waits. */
static struct kid child(int code)
{
	struct kid k;
	int p[2];
	pid_t parent = getpid();
	if (pipe(p) < 0)
		fail("pipe");
	k.pid = fork();
	if (k.pid < 0)
		fail("fork");
	if (k.pid == 0) {
		char c;
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(99);
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	close(p[0]);
	k.go = p[1];
	k.pidfd = (int)syscall(SYS_pidfd_open, k.pid, 0);
	if (k.pidfd < 0)
		fail("pidfd_open"); /* the child dies with us */
	return k;
}

static void release(struct kid *k)
{
	close(k->go);
	k->go = -1;
}

static void wait_fd(const char *what, int fd, pid_t pid, int options)
{
	siginfo_t si;
	memset(&si, 0xff, sizeof si); /* junk: WNOHANG must zero si_pid */
	int r;
	while ((r = waitid(P_PIDFD, (id_t)fd, &si, options)) < 0 && errno == EINTR)
		;
	if (r < 0)
		printf("%s: ret=-1 errno=%s\n", what, strerrorname_np(errno));
	else if (si.si_pid == 0)
		printf("%s: ret=0 pid=0\n", what);
	else
		printf("%s: ret=0 code=%s status=%d pid=%s\n", what,
		       si.si_code == CLD_EXITED ? "CLD_EXITED" : "OTHER", si.si_status,
		       si.si_pid == pid ? "match" : "other");
}

int main(void)
{
	struct kid k;
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(10);

	k = child(7);
	release(&k);
	sleep_ms(200);
	wait_fd("exited", k.pidfd, k.pid, WEXITED);
	close(k.pidfd);

	k = child(8);
	release(&k);
	sleep_ms(200);
	wait_fd("nohang", k.pidfd, k.pid, WEXITED | WNOHANG);
	close(k.pidfd);

	k = child(9);
	release(&k);
	sleep_ms(200);
	wait_fd("nowait", k.pidfd, k.pid, WEXITED | WNOWAIT);
	wait_fd("nowait again", k.pidfd, k.pid, WEXITED);
	wait_fd("nowait after", k.pidfd, k.pid, WEXITED);
	close(k.pidfd);

	k = child(10);
	wait_fd("running", k.pidfd, k.pid, WEXITED | WNOHANG);
	release(&k);
	wait_fd("running then", k.pidfd, k.pid, WEXITED);
	close(k.pidfd);

	int st;
	if (waitpid(-1, &st, WNOHANG) < 0)
		printf("end: ret=-1 errno=%s\n", strerrorname_np(errno));
	else
		printf("end: a child was left\n");
	return 0;
}
