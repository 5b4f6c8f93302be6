/* timersig: a program that reads SIGCHLD synchronously gets its child's.
 *
 *   timersig sigwaitinfo|signalfd
 *
 * SIGCHLD stays at SIG_DFL.  Each of ROUNDS rounds:
 *   1. two children wait on a pipe; 15 ms later the pipe is closed: A
 *      exits at once, B 2 ms after it (two separate SIGCHLDs, a few ms
 *      apart: under tcpsafe the first sweeps, the second finds the next
 *      sweep not due and arms tcpsafe's timer, which signals SIGCHLD);
 *   2. once both are gone (end-of-file on a pipe they hold, then each is
 *      a zombie or reaped) and 1 ms more, SIGCHLD is blocked;
 *   3. child C is forked; it exits 20+R after 50 ms;
 *   4. the next SIGCHLD is read with sigwaitinfo() or from a signalfd;
 *   5. C is waited for by pid, then A and B, and SIGCHLD unblocked.
 * Without tcpsafe A's and B's SIGCHLDs were discarded (SIG_DFL, not
 * blocked), so the signal read is C's.  Prints per round
 *   round R: code=CLD_EXITED pid=match status=20+R c=exited:20+R ab=exited:0,exited:0
 * where code/pid/status are from the siginfo read (code=SI_TIMER etc. and
 * status=- for a signal that is no child's; pid=other if not C's pid) and
 * c/ab are what waitpid(pid) gave for C, A and B.
 *
 * Bounded: children die with this process (PR_SET_PDEATHSIG); alarm(10)
 * ends a run whose signal never comes.  Exit 1 on a set-up failure. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "procscan.h"

#define ROUNDS 5

/* A child that dies with us: closes other, reads fd to end-of-file
 * (fd >= 0), sleeps ms, exits code. */
static pid_t child(int fd, int other, long ms, int code)
{
	pid_t parent = getpid(), pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		char c;
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(99);
		if (other >= 0)
			close(other);
		while (fd >= 0 && read(fd, &c, 1) < 0 && errno == EINTR)
			;
		sleep_ms(ms);
		_exit(code);
	}
	return pid;
}

/* 1 once pid is a zombie or gone (reaped by somebody). */
static int dead(pid_t pid)
{
	char state;
	pid_t ppid;
	return ps_stat(pid, &state, &ppid) < 0 || state == 'Z';
}

static const char *code_name(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case SI_TIMER: return "SI_TIMER";
	case SI_USER: return "SI_USER";
	case SI_QUEUE: return "SI_QUEUE";
	default: return "OTHER";
	}
}

/* "exited:N", "signaled:SIG..." or "ret=-1:ERRNO" of waitpid(pid). */
static const char *status_of(pid_t pid, char *buf, size_t sz)
{
	int st = 0;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid)
		snprintf(buf, sz, "ret=%d:%s", (int)(r < 0 ? -1 : 0), r < 0 ? strerrorname_np(errno) : "-");
	else if (WIFEXITED(st))
		snprintf(buf, sz, "exited:%d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sz, "signaled:SIG%s", sigabbrev_np(WTERMSIG(st)));
	else
		snprintf(buf, sz, "status:%#x", st);
	return buf;
}

int main(int argc, char **argv)
{
	int use_fd = argc >= 2 && !strcmp(argv[1], "signalfd");
	if (argc < 2 || (!use_fd && strcmp(argv[1], "sigwaitinfo"))) {
		fprintf(stderr, "usage: timersig sigwaitinfo|signalfd\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(10);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	int sfd = -1;
	if (use_fd && (sfd = signalfd(-1, &chld, SFD_CLOEXEC)) < 0)
		fail("signalfd");

	for (int round = 0; round < ROUNDS; round++) {
		int go[2], done[2];
		if (pipe(go) < 0 || pipe(done) < 0)
			fail("pipe");
		/* both hold done[1]: end-of-file there once both are gone */
		pid_t a = child(go[0], go[1], 0, 0), b = child(go[0], go[1], 2, 0);
		close(go[0]);
		close(done[1]); /* the children hold the write end until they exit */
		sleep_ms(15);   /* the forks' sweep is past: the first exit sweeps */
		close(go[1]);
		char c;
		while (read(done[0], &c, 1) != 0 && errno == EINTR)
			;
		close(done[0]);
		for (int i = 0; i < 1000 && !(dead(a) && dead(b)); i++)
			sleep_ms(1);
		sleep_ms(1); /* their SIGCHLDs are sent (or handled) by now */
		sigprocmask(SIG_BLOCK, &chld, NULL);
		pid_t cpid = child(-1, -1, 50, 20 + round);

		int code, pid, status;
		if (use_fd) {
			struct signalfd_siginfo fsi;
			ssize_t n;
			while ((n = read(sfd, &fsi, sizeof fsi)) < 0 && errno == EINTR)
				;
			if (n != (ssize_t)sizeof fsi)
				fail("read signalfd");
			code = fsi.ssi_code, pid = (int)fsi.ssi_pid, status = fsi.ssi_status;
		} else {
			siginfo_t si;
			while (sigwaitinfo(&chld, &si) < 0)
				if (errno != EINTR)
					fail("sigwaitinfo");
			code = si.si_code, pid = (int)si.si_pid, status = si.si_status;
		}
		char cs[32], as[32], bs[32], st[16] = "-";
		if (code == CLD_EXITED || code == CLD_KILLED)
			snprintf(st, sizeof st, "%d", status);
		status_of(cpid, cs, sizeof cs);
		status_of(a, as, sizeof as);
		status_of(b, bs, sizeof bs);
		printf("round %d: code=%s pid=%s status=%s c=%s ab=%s,%s\n", round, code_name(code),
		       pid == (int)cpid ? "match" : "other", st, cs, as, bs);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
	}
	return 0;
}
