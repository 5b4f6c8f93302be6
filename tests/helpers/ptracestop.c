/* ptracestop: a traced child's stop is a stop, not a death.
 *
 *   ptracestop
 *
 * SIGCHLD stays at SIG_DFL (so under tcpsafe its own handler reaps, with
 * SA_NOCLDSTOP).  The first child forked calls PTRACE_TRACEME and stops
 * itself with raise(SIGSTOP): it is the oldest child, so a
 * waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT) peek meets it first, and the
 * kernel reports a tracee's stop to its tracer in any wait, whatever the
 * flags.  Once it sits in its stop, BURST more children exit together
 * (each blocks reading a pipe the parent then closes) and the parent lets
 * 100 ms pass: the SIGCHLDs of the burst make tcpsafe sweep.  Then, as a
 * debugger would:
 *   traced: stopped=1 sig=SIGSTOP      waitpid(pid, &st, 0)
 *   traced: cont ret=0                 PTRACE_CONT, no signal
 *   traced: exited=1 status=0          waitpid(pid, &st, 0)
 *   burst I: exited=1 status=10+I      waitpid(pid) for each, oldest first
 *   end: ret=-1 errno=ECHILD           waitpid(-1, WNOHANG): nothing left
 *
 * Statuses are printed as "exited=1 status=N", "signaled=1 sig=NAME" or
 * "stopped=1 sig=NAME"; failed calls as "ret=-1 errno=NAME".  No pids.
 *
 * Bounded: every child dies with this process (PR_SET_PDEATHSIG), the
 * burst as soon as the pipe closes; alarm(10) ends a run that hangs.
 * Exit 1 on a set-up failure. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "procscan.h"

#define BURST 4

static void print_status(const char *who, pid_t r, pid_t want, int st)
{
	if (r < 0)
		printf("%s: ret=-1 errno=%s\n", who, strerrorname_np(errno));
	else if (r != want)
		printf("%s: ret=other\n", who);
	else if (WIFEXITED(st))
		printf("%s: exited=1 status=%d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: signaled=1 sig=SIG%s\n", who, sigabbrev_np(WTERMSIG(st)));
	else if (WIFSTOPPED(st))
		printf("%s: stopped=1 sig=SIG%s\n", who, sigabbrev_np(WSTOPSIG(st)));
	else
		printf("%s: status=%#x\n", who, st);
}

/* A child that dies with us, even if we die before it got here. */
static pid_t child(pid_t parent)
{
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(99);
	return pid;
}

/* The state letter of pid in /proc/pid/stat ('t': tracing stop), or 0. */
static char state_of(pid_t pid)
{
	char state;
	pid_t ppid;
	return ps_stat(pid, &state, &ppid) == 0 ? state : 0;
}

static pid_t wait_for(pid_t pid, int *st)
{
	pid_t r;
	while ((r = waitpid(pid, st, 0)) < 0 && errno == EINTR)
		;
	return r;
}

int main(void)
{
	pid_t me = getpid(), traced, burst[BURST];
	int go[2], st = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(10);
	if (pipe(go) < 0)
		fail("pipe");

	traced = child(me);
	if (traced == 0) {
		close(go[0]);
		close(go[1]);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(98);
		raise(SIGSTOP); /* a signal-delivery stop, reported to us, the tracer */
		_exit(0);
	}
	/* up to 2 s for it to sit in its stop */
	for (int i = 0; i < 2000 && state_of(traced) != 't'; i++)
		sleep_ms(1);
	if (state_of(traced) != 't')
		fprintf(stderr, "ptracestop: the traced child is not in its stop\n");

	for (int i = 0; i < BURST; i++) {
		burst[i] = child(me);
		if (burst[i] == 0) {
			char c;
			close(go[1]);
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(10 + i);
		}
	}
	close(go[0]);
	close(go[1]); /* the burst exits together */
	sleep_ms(100);

	pid_t r = wait_for(traced, &st);
	print_status("traced", r, traced, st);
	long c = ptrace(PTRACE_CONT, traced, NULL, NULL);
	if (c < 0)
		printf("traced: cont ret=-1 errno=%s\n", strerrorname_np(errno));
	else
		printf("traced: cont ret=0\n");
	if (c < 0) /* it would stay stopped: end it */
		kill(traced, SIGKILL);
	r = wait_for(traced, &st);
	print_status("traced", r, traced, st);
	for (int i = 0; i < BURST; i++) {
		char who[32];
		snprintf(who, sizeof who, "burst %d", i);
		r = wait_for(burst[i], &st);
		print_status(who, r, burst[i], st);
	}
	r = waitpid(-1, &st, WNOHANG);
	print_status("end", r, -1, st);
	return 0;
}
