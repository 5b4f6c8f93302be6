/* waitcheck: a transcript of wait semantics, to be compared byte for byte
 * between a plain run and a run under tcpsafe.
 *
 *   waitcheck [-t SECONDS] [SECTIONS]
 *
 * SECTIONS: letters a..l, the sections to run in that order (default: all,
 * "abcdefghijkl").  -t: watchdog timeout for the whole run (default 30).
 *
 * Every line printed on stdout is a fact that must be the same with and
 * without the library: no pids, no timings, only relative facts such as
 * "same_pid=1" (the call returned the pid of the child it was meant to
 * return).  Statuses are printed as "exited=1 status=N",
 * "signaled=1 sig=SIGNAME core=C", "stopped=1 sig=SIGNAME" or
 * "continued=1"; failed calls as "ret=-1 errno=ENAME"; waitid() results as
 * "ret=0 same_pid=1 signo=SIGCHLD code=CLD_xxx status=S uid_ok=1" (S is a
 * number for CLD_EXITED, a signal name otherwise) or "ret=0 pid_zero=1
 * signo_zero=1" when WNOHANG found nothing.
 *
 *   a  waitpid(pid) after the child is long gone, then again (ECHILD);
 *      at once; NULL status; a pid that is not a child; invalid options
 *      with a waitable child (EINVAL, the child stays waitable); fork+exec.
 *   b  5 children exit at staggered times, wait() until all 5 are in
 *      (sorted statuses, number of calls), then wait() gives ECHILD.
 *   c  WNOHANG with a running child (waitpid(-1), waitpid(pid), wait4)
 *      gives 0; polling with WNOHANG later gives its status.
 *   d  killed by SIGKILL / SIGTERM; stopped: WUNTRACED reports the stop
 *      once, WCONTINUED the SIGCONT once; the same with waitid(WSTOPPED /
 *      WCONTINUED) and waitpid(-1, WUNTRACED); finally SIGKILL while
 *      stopped.  (Core dumps are not covered: whether one is written and
 *      so WCOREDUMP depend on the system's core_pattern.)
 *   e  waitid(P_PID, WEXITED|WNOWAIT) twice, then WEXITED, then ECHILD;
 *      waitid(P_ALL, WNOWAIT) then waitpid(-1) takes that same child;
 *      CLD_KILLED; waitid(P_ALL, WEXITED|WNOHANG) with a running child
 *      returns 0 with si_pid and si_signo zeroed (the siginfo is filled
 *      with junk before the call).
 *   f  wait4(pid) and wait3() for children that burned 60 ms of CPU: the
 *      rusage is nonzero and at least 40 ms; RUSAGE_CHILDREN covers both.
 *   g  popen()/pclose() and system() while 5 forked children exit during
 *      each of them; then wait() for the 10; posix_spawn(), vfork() and
 *      fork() children reaped together by wait().
 *   h  waitpid(0), waitpid(-pgrp), waitid(P_PGID) for children in our
 *      process group; a child that moved to its own group is invisible to
 *      waitpid(0) and waitpid(-ourpgrp) (ECHILD) but not to its own.
 *   i  kill(pid, 0) and kill(pid, SIGTERM) on an exited, not yet waited
 *      for child return 0 and change nothing: it then waits as exited 0.
 *   j  a thread blocked in waitpid(pid) gets the status within 1 s of its
 *      child exiting at 100 ms; the same with waitpid(-1) while another
 *      child stays alive; two threads waiting for two children that exit
 *      in the other order each get their own.
 *   k  nginx-style master: a SIGCHLD handler (flags 0) loops on
 *      waitpid(-1, WNOHANG); 10 workers exit at (seeded) random times
 *      within 300 ms; the main loop waits in ppoll() with SIGCHLD
 *      unblocked only there, until the handler has counted 10 deaths or
 *      3 s have passed.
 *   l  a double fork: the grandchild is not ours (ECHILD); a child forked
 *      by another thread is reaped by the main thread.
 *
 * Every section ends with "X: end ret=-1 errno=ECHILD" (nothing left
 * over); if something was left over it is killed and reaped by pid and
 * "X: cleanup killed=N" is printed.  The last line is "ok" and the exit
 * status 0 if every line was what a plain Linux kernel gives; otherwise
 * each differing line is reported on stderr ("waitcheck: expected: ..."),
 * the last line is "failed=N" and the exit status 1.  Exit 2: usage, or
 * started with children already (run it directly, not exec'd by a shell
 * that has forked before).
 *
 * Designed around nondeterminism: children that must still be running
 * block on a pipe (a "gate") until the parent writes to it, so "still
 * running" never depends on timing; "already exited" is a 200 ms sleep
 * (so tcpsafe's reaper has cached the status) but the transcript is the
 * same if the child is slower; lists of statuses are sorted; polling loops
 * print only their outcome.
 *
 * Bounded: a whole run takes about 4 s.  After -t seconds a watchdog
 * thread (all signals blocked, so it never runs a handler) SIGKILLs, by
 * pid, every child not yet reaped, reaps them by pid (for at most 1 s) and
 * _exit(3)s.  Every child has PR_SET_PDEATHSIG(SIGKILL), and a gated child
 * gives up after 30 s.  SIGCHLD and SIGTERM are reset to SIG_DFL and
 * SIGCHLD is unblocked at start, whatever was inherited. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAXKIDS 256
#define GATE_GIVEUP_MS 30000

static int failures;
static atomic_int cur_section;

/* ---- small utilities ------------------------------------------------------- */

static void die(const char *what)
{
	fprintf(stderr, "waitcheck: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* async-signal-safe: also used in children */
static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void burn_cpu(long ms)
{
	struct timespec t0, t;
	volatile unsigned long spin = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			spin++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static const char *ename(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

/* Rotating buffers for the formatting helpers (main thread only), one
 * pool per level, so that a string is never formatted from pieces that
 * live in its own pool: leaves (signal names, numbers), statuses and
 * lists, whole results. */
enum { LEAF, MID, TOP };

static char leaf_bufs[16][256], mid_bufs[16][256], top_bufs[16][256];

static char *tmpbuf(int level)
{
	static unsigned next[3];
	unsigned i = next[level]++ % 16;

	return level == LEAF ? leaf_bufs[i] : level == MID ? mid_bufs[i] : top_bufs[i];
}

static const char *signame(int sig)
{
	const char *s = sigabbrev_np(sig);
	char *b = tmpbuf(LEAF);

	if (s)
		snprintf(b, 256, "SIG%s", s);
	else
		snprintf(b, 256, "SIG%d", sig);
	return b;
}

static const char *numstr(int v)
{
	char *b = tmpbuf(LEAF);

	snprintf(b, 256, "%d", v);
	return b;
}

static const char *codename(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_TRAPPED: return "CLD_TRAPPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	}
	return numstr(code);
}

static const char *st_str(int st)
{
	char *b = tmpbuf(MID);

	if (WIFEXITED(st))
		snprintf(b, 256, "exited=1 status=%d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, 256, "signaled=1 sig=%s core=%d", signame(WTERMSIG(st)),
		         WCOREDUMP(st) ? 1 : 0);
	else if (WIFSTOPPED(st))
		snprintf(b, 256, "stopped=1 sig=%s", signame(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		snprintf(b, 256, "continued=1");
	else
		snprintf(b, 256, "raw=%#x", (unsigned)st);
	return b;
}

/* Result of a pid-returning call made just before (errno still its own). */
static const char *res(pid_t r, pid_t want, const int *st)
{
	int e = errno;
	char *b = tmpbuf(TOP);

	if (r < 0)
		snprintf(b, 256, "ret=-1 errno=%s", ename(e));
	else if (r == 0)
		snprintf(b, 256, "ret=0");
	else if (st)
		snprintf(b, 256, "same_pid=%d %s", r == want, st_str(*st));
	else
		snprintf(b, 256, "same_pid=%d", r == want);
	return b;
}

/* Result of a call that returns 0 or -1 (kill). */
static const char *ret0(int r)
{
	int e = errno;
	char *b = tmpbuf(TOP);

	if (r < 0)
		snprintf(b, 256, "ret=-1 errno=%s", ename(e));
	else
		snprintf(b, 256, "ret=%d", r);
	return b;
}

/* Result of waitid(). */
static const char *res_si(int r, pid_t want, const siginfo_t *si)
{
	int e = errno;
	char *b = tmpbuf(TOP);

	if (r < 0)
		snprintf(b, 256, "ret=-1 errno=%s", ename(e));
	else if (si->si_pid == 0)
		snprintf(b, 256, "ret=%d pid_zero=1 signo_zero=%d", r, si->si_signo == 0);
	else
		snprintf(b, 256, "ret=%d same_pid=%d signo=%s code=%s status=%s uid_ok=%d", r,
		         si->si_pid == want, signame(si->si_signo), codename(si->si_code),
		         si->si_code == CLD_EXITED ? numstr(si->si_status) : signame(si->si_status),
		         si->si_uid == getuid());
	return b;
}

/* Print one transcript line; count it as a failure if it is not what a
 * plain Linux kernel gives. */
static __attribute__((format(printf, 2, 3))) void check(const char *expected, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	printf("%s\n", line);
	fflush(stdout);
	if (strcmp(line, expected) != 0) {
		fprintf(stderr, "waitcheck: expected: %s\nwaitcheck:      got: %s\n", expected, line);
		failures++;
	}
}

/* ---- children: tracking, gates, spawning ---------------------------------- */

static pid_t tk_pid[MAXKIDS];
static atomic_int tk_live[MAXKIDS];
static atomic_int tk_n;

static void track(pid_t pid)
{
	int i = atomic_load(&tk_n);

	if (i >= MAXKIDS) {
		fprintf(stderr, "waitcheck: too many children\n");
		kill(pid, SIGKILL);
		exit(1);
	}
	tk_pid[i] = pid;
	atomic_store(&tk_live[i], 1);
	atomic_store(&tk_n, i + 1);
}

static void untrack(pid_t pid)
{
	for (int i = atomic_load(&tk_n) - 1; i >= 0; i--)
		if (tk_pid[i] == pid && atomic_load(&tk_live[i])) {
			atomic_store(&tk_live[i], 0);
			return;
		}
}

/* Write ends of the gates still closed (every child closes them all). */
static int gates[MAXKIDS];
static int ngates;

enum kmode {
	K_EXIT,   /* sleep MS, _exit(CODE) */
	K_GATE,   /* wait for the gate, sleep MS, _exit(CODE) */
	K_PGRP,   /* setpgid(0, 0), then like K_GATE */
	K_BURN,   /* burn MS of CPU, _exit(CODE) */
	K_EXEC,   /* exec sh -c 'exit CODE' */
	K_DOUBLE, /* fork a grandchild that exits after 50 ms, _exit(CODE) */
};

struct kid {
	pid_t pid;
	int gate; /* write end of its gate, or -1 */
};

static void wait_gate(int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	char c;

	while (poll(&pfd, 1, GATE_GIVEUP_MS) < 0 && errno == EINTR)
		;
	if (!(pfd.revents & (POLLIN | POLLHUP)))
		_exit(98); /* nobody opened the gate in 30 s */
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* Only async-signal-safe calls: the parent has other threads. */
static __attribute__((noreturn)) void child_body(enum kmode m, long ms, int code, int gate_rd,
                                                 const char *cmd)
{
	pid_t g;

	switch (m) {
	case K_PGRP:
		setpgid(0, 0);
		wait_gate(gate_rd);
		sleep_ms(ms);
		_exit(code);
	case K_GATE:
		wait_gate(gate_rd);
		sleep_ms(ms);
		_exit(code);
	case K_EXIT:
		sleep_ms(ms);
		_exit(code);
	case K_BURN:
		burn_cpu(ms);
		_exit(code);
	case K_EXEC:
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	case K_DOUBLE:
		g = fork();
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, 0);
			sleep_ms(50);
			_exit(0);
		}
		_exit(code);
	}
	_exit(97);
}

static struct kid spawn(enum kmode m, long ms, int code)
{
	struct kid k = {-1, -1};
	int gp[2] = {-1, -1};
	char cmd[32];
	pid_t parent = getpid();

	snprintf(cmd, sizeof cmd, "exit %d", code);
	if ((m == K_GATE || m == K_PGRP) && pipe2(gp, O_CLOEXEC))
		die("pipe");
	fflush(NULL);
	k.pid = fork();
	if (k.pid < 0)
		die("fork");
	if (k.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(96);
		for (int i = 0; i < ngates; i++)
			close(gates[i]);
		if (gp[1] >= 0)
			close(gp[1]);
		child_body(m, ms, code, gp[0], cmd);
	}
	track(k.pid);
	if (gp[0] >= 0) {
		close(gp[0]);
		k.gate = gp[1];
		gates[ngates++] = gp[1];
	}
	return k;
}

/* Let a gated child go on: one byte, then close (the byte does not depend
 * on every copy of the write end being closed).  No byte if the child is
 * already gone (POLLERR: no reader), which would raise SIGPIPE; only the
 * child ever has the read end open. */
static void release(struct kid *k)
{
	struct pollfd pfd;

	if (k->gate < 0)
		return;
	pfd.fd = k->gate;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == 1 && !(pfd.revents & POLLERR))
		(void)!write(k->gate, "g", 1);
	close(k->gate);
	for (int i = 0; i < ngates; i++)
		if (gates[i] == k->gate) {
			gates[i] = gates[--ngates];
			break;
		}
	k->gate = -1;
}

/* ---- the wait calls, retried on EINTR, with the book-keeping -------------- */

static void note(pid_t r, const int *st)
{
	if (r > 0 && (!st || WIFEXITED(*st) || WIFSIGNALED(*st)))
		untrack(r);
}

static pid_t w_waitpid(pid_t pid, int *st, int opt)
{
	pid_t r;

	do
		r = waitpid(pid, st, opt);
	while (r < 0 && errno == EINTR);
	note(r, st);
	return r;
}

static pid_t w_wait(int *st)
{
	pid_t r;

	do
		r = wait(st);
	while (r < 0 && errno == EINTR);
	note(r, st);
	return r;
}

static pid_t w_wait3(int *st, int opt, struct rusage *ru)
{
	pid_t r;

	do
		r = wait3(st, opt, ru);
	while (r < 0 && errno == EINTR);
	note(r, st);
	return r;
}

static pid_t w_wait4(pid_t pid, int *st, int opt, struct rusage *ru)
{
	pid_t r;

	do
		r = wait4(pid, st, opt, ru);
	while (r < 0 && errno == EINTR);
	note(r, st);
	return r;
}

static int w_waitid(idtype_t type, id_t id, siginfo_t *si, int opt)
{
	int r;

	do
		r = waitid(type, id, si, opt);
	while (r < 0 && errno == EINTR);
	if (r == 0 && si->si_pid > 0 && !(opt & WNOWAIT) &&
	    (si->si_code == CLD_EXITED || si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED))
		untrack(si->si_pid);
	return r;
}

/* ---- lists of statuses ------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* exit code, or 1000+signal, or 2000 for anything else */
static int st_num(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return 2000;
}

static const char *sorted(int *v, int n)
{
	char *b = tmpbuf(MID);
	size_t len = 0;

	qsort(v, (size_t)n, sizeof *v, cmp_int);
	b[0] = '\0';
	for (int i = 0; i < n && len < 200; i++)
		len += (size_t)snprintf(b + len, 256 - len, "%s%d", i ? "," : "", v[i]);
	return b;
}

/* wait() until n of the children in pids[] are in (or an error);
 * "calls=C statuses=S pids_ok=P" */
static const char *collect(const pid_t *pids, int n)
{
	int vals[64] = {0}, used[64] = {0}, got = 0, calls = 0, pids_ok = 1, st;
	char *b = tmpbuf(TOP);

	while (got < n && calls < 2 * n + 5) {
		pid_t r = w_wait(&st);
		int idx = -1;

		calls++;
		if (r < 0)
			break;
		for (int i = 0; i < n; i++)
			if (pids[i] == r)
				idx = i;
		if (idx < 0 || used[idx])
			pids_ok = 0;
		else
			used[idx] = 1;
		vals[got++] = st_num(st);
	}
	snprintf(b, 256, "calls=%d statuses=%s pids_ok=%d", calls, sorted(vals, got), pids_ok);
	return b;
}

/* End of a section: nothing may be left; kill and reap what is. */
static void end_section(char sec)
{
	char exp[64];
	int st, killed = 0;
	pid_t r;

	while (ngates > 0) {
		struct kid k = {0, gates[ngates - 1]};
		release(&k);
	}
	r = w_waitpid(-1, &st, WNOHANG);
	snprintf(exp, sizeof exp, "%c: end ret=-1 errno=ECHILD", sec);
	check(exp, "%c: end %s", sec, res(r, 0, &st));
	for (int i = 0; i < atomic_load(&tk_n); i++) {
		if (!atomic_load(&tk_live[i]))
			continue;
		kill(tk_pid[i], SIGKILL);
		w_waitpid(tk_pid[i], NULL, 0);
		atomic_store(&tk_live[i], 0);
		killed++;
	}
	if (killed) {
		snprintf(exp, sizeof exp, "%c: cleanup killed=0", sec);
		check(exp, "%c: cleanup killed=%d", sec, killed);
	}
}

/* ---- the sections ------------------------------------------------------------ */

static void sec_a(void)
{
	struct kid k;
	pid_t r;
	int st;

	k = spawn(K_EXIT, 0, 7);
	sleep_ms(200);
	r = w_waitpid(k.pid, &st, 0);
	check("a: waitpid same_pid=1 exited=1 status=7", "a: waitpid %s", res(r, k.pid, &st));
	r = w_waitpid(k.pid, &st, 0);
	check("a: again ret=-1 errno=ECHILD", "a: again %s", res(r, k.pid, &st));

	k = spawn(K_EXIT, 0, 9);
	r = w_waitpid(k.pid, &st, 0);
	check("a: immediate same_pid=1 exited=1 status=9", "a: immediate %s", res(r, k.pid, &st));

	k = spawn(K_EXIT, 0, 8);
	sleep_ms(200);
	r = w_waitpid(k.pid, NULL, 0);
	check("a: null_status same_pid=1", "a: null_status %s", res(r, k.pid, NULL));

	r = w_waitpid(getppid(), &st, WNOHANG);
	check("a: not_child ret=-1 errno=ECHILD", "a: not_child %s", res(r, 0, &st));

	k = spawn(K_EXIT, 0, 10);
	sleep_ms(200);
	r = w_waitpid(k.pid, &st, 0x1000); /* not a waitpid option */
	check("a: bad_options ret=-1 errno=EINVAL", "a: bad_options %s", res(r, k.pid, &st));
	r = w_waitpid(-1, &st, 0);
	check("a: after_bad_options same_pid=1 exited=1 status=10", "a: after_bad_options %s",
	      res(r, k.pid, &st));

	k = spawn(K_EXEC, 0, 18);
	r = w_waitpid(k.pid, &st, 0);
	check("a: exec same_pid=1 exited=1 status=18", "a: exec %s", res(r, k.pid, &st));
}

static void sec_b(void)
{
	static const long delay[5] = {90, 30, 150, 0, 60};
	pid_t pids[5];
	int st;
	pid_t r;

	for (int i = 0; i < 5; i++)
		pids[i] = spawn(K_EXIT, delay[i], i + 1).pid;
	check("b: calls=5 statuses=1,2,3,4,5 pids_ok=1", "b: %s", collect(pids, 5));
	r = w_wait(&st);
	check("b: final ret=-1 errno=ECHILD", "b: final %s", res(r, 0, &st));
}

static void sec_c(void)
{
	struct kid k = spawn(K_GATE, 100, 3);
	struct rusage ru;
	long long t0;
	pid_t r;
	int st;

	r = w_waitpid(-1, &st, WNOHANG);
	check("c: nohang_any ret=0", "c: nohang_any %s", res(r, k.pid, &st));
	r = w_waitpid(k.pid, &st, WNOHANG);
	check("c: nohang_pid ret=0", "c: nohang_pid %s", res(r, k.pid, &st));
	r = w_wait4(-1, &st, WNOHANG, &ru);
	check("c: wait4_nohang ret=0", "c: wait4_nohang %s", res(r, k.pid, &st));
	release(&k);
	t0 = now_ms();
	while ((r = w_waitpid(-1, &st, WNOHANG)) == 0 && now_ms() - t0 < 3000)
		sleep_ms(5);
	check("c: later same_pid=1 exited=1 status=3", "c: later %s", res(r, k.pid, &st));
}

static void sec_d(void)
{
	struct kid k;
	siginfo_t si;
	pid_t r;
	int st, ri;

	k = spawn(K_GATE, 0, 0);
	kill(k.pid, SIGKILL);
	r = w_waitpid(k.pid, &st, 0);
	check("d: sigkill same_pid=1 signaled=1 sig=SIGKILL core=0", "d: sigkill %s",
	      res(r, k.pid, &st));
	release(&k);

	k = spawn(K_GATE, 0, 0);
	kill(k.pid, SIGTERM);
	r = w_waitpid(k.pid, &st, 0);
	check("d: sigterm same_pid=1 signaled=1 sig=SIGTERM core=0", "d: sigterm %s",
	      res(r, k.pid, &st));
	release(&k);

	/* stop / continue, reported once each */
	k = spawn(K_GATE, 0, 0);
	kill(k.pid, SIGSTOP);
	r = w_waitpid(k.pid, &st, WUNTRACED);
	check("d: stop same_pid=1 stopped=1 sig=SIGSTOP", "d: stop %s", res(r, k.pid, &st));
	r = w_waitpid(k.pid, &st, WUNTRACED | WNOHANG);
	check("d: stop_again ret=0", "d: stop_again %s", res(r, k.pid, &st));
	r = w_waitpid(k.pid, &st, WNOHANG);
	check("d: stopped_plain ret=0", "d: stopped_plain %s", res(r, k.pid, &st));
	kill(k.pid, SIGCONT);
	r = w_waitpid(k.pid, &st, WCONTINUED);
	check("d: cont same_pid=1 continued=1", "d: cont %s", res(r, k.pid, &st));
	r = w_waitpid(k.pid, &st, WCONTINUED | WNOHANG);
	check("d: cont_again ret=0", "d: cont_again %s", res(r, k.pid, &st));

	kill(k.pid, SIGSTOP);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WSTOPPED);
	check("d: waitid_stop ret=0 same_pid=1 signo=SIGCHLD code=CLD_STOPPED status=SIGSTOP uid_ok=1",
	      "d: waitid_stop %s", res_si(ri, k.pid, &si));
	kill(k.pid, SIGCONT);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WCONTINUED);
	check("d: waitid_cont ret=0 same_pid=1 signo=SIGCHLD code=CLD_CONTINUED status=SIGCONT uid_ok=1",
	      "d: waitid_cont %s", res_si(ri, k.pid, &si));

	kill(k.pid, SIGSTOP);
	r = w_waitpid(-1, &st, WUNTRACED);
	check("d: stop_any same_pid=1 stopped=1 sig=SIGSTOP", "d: stop_any %s", res(r, k.pid, &st));
	kill(k.pid, SIGKILL);
	r = w_waitpid(k.pid, &st, 0);
	check("d: kill_stopped same_pid=1 signaled=1 sig=SIGKILL core=0", "d: kill_stopped %s",
	      res(r, k.pid, &st));
	release(&k);
}

static void sec_e(void)
{
	struct kid k;
	siginfo_t si;
	pid_t r;
	int st, ri;

	k = spawn(K_EXIT, 0, 9);
	sleep_ms(200);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT);
	check("e: nowait ret=0 same_pid=1 signo=SIGCHLD code=CLD_EXITED status=9 uid_ok=1",
	      "e: nowait %s", res_si(ri, k.pid, &si));
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT);
	check("e: nowait_again ret=0 same_pid=1 signo=SIGCHLD code=CLD_EXITED status=9 uid_ok=1",
	      "e: nowait_again %s", res_si(ri, k.pid, &si));
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WEXITED);
	check("e: reap ret=0 same_pid=1 signo=SIGCHLD code=CLD_EXITED status=9 uid_ok=1", "e: reap %s",
	      res_si(ri, k.pid, &si));
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WEXITED);
	check("e: again ret=-1 errno=ECHILD", "e: again %s", res_si(ri, k.pid, &si));

	/* a peek at any child, then waitpid(-1) takes that very child */
	k = spawn(K_EXIT, 0, 10);
	sleep_ms(200);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_ALL, 0, &si, WEXITED | WNOWAIT);
	check("e: peek_any ret=0 same_pid=1 signo=SIGCHLD code=CLD_EXITED status=10 uid_ok=1",
	      "e: peek_any %s", res_si(ri, k.pid, &si));
	r = w_waitpid(-1, &st, 0);
	check("e: take_any same_pid=1 exited=1 status=10", "e: take_any %s", res(r, k.pid, &st));

	k = spawn(K_GATE, 0, 0);
	kill(k.pid, SIGTERM);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PID, (id_t)k.pid, &si, WEXITED);
	check("e: killed ret=0 same_pid=1 signo=SIGCHLD code=CLD_KILLED status=SIGTERM uid_ok=1",
	      "e: killed %s", res_si(ri, k.pid, &si));
	release(&k);

	/* WNOHANG, nothing waitable: 0, si_pid and si_signo zeroed */
	k = spawn(K_GATE, 0, 11);
	memset(&si, 0x5a, sizeof si);
	ri = w_waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	check("e: nohang ret=0 pid_zero=1 signo_zero=1", "e: nohang %s", res_si(ri, k.pid, &si));
	release(&k);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_ALL, 0, &si, WEXITED);
	check("e: after_release ret=0 same_pid=1 signo=SIGCHLD code=CLD_EXITED status=11 uid_ok=1",
	      "e: after_release %s", res_si(ri, k.pid, &si));
}

static long ru_ms(const struct rusage *ru)
{
	return (long)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000 +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000;
}

static int ru_nonzero(const struct rusage *ru)
{
	return ru->ru_utime.tv_sec || ru->ru_utime.tv_usec || ru->ru_stime.tv_sec ||
	       ru->ru_stime.tv_usec;
}

static void sec_f(void)
{
	struct rusage ru, before, after;
	struct kid k;
	pid_t r;
	int st;

	getrusage(RUSAGE_CHILDREN, &before);
	k = spawn(K_BURN, 60, 0);
	sleep_ms(200);
	memset(&ru, 0, sizeof ru);
	r = w_wait4(k.pid, &st, 0, &ru);
	check("f: wait4 same_pid=1 exited=1 status=0 rusage_utime_nonzero=1 rusage_ge_40ms=1",
	      "f: wait4 %s rusage_utime_nonzero=%d rusage_ge_40ms=%d", res(r, k.pid, &st),
	      ru_nonzero(&ru), ru_ms(&ru) >= 40);

	k = spawn(K_BURN, 60, 1);
	memset(&ru, 0, sizeof ru);
	r = w_wait3(&st, 0, &ru);
	check("f: wait3 same_pid=1 exited=1 status=1 rusage_utime_nonzero=1 rusage_ge_40ms=1",
	      "f: wait3 %s rusage_utime_nonzero=%d rusage_ge_40ms=%d", res(r, k.pid, &st),
	      ru_nonzero(&ru), ru_ms(&ru) >= 40);

	getrusage(RUSAGE_CHILDREN, &after);
	check("f: children_rusage_ge_80ms=1", "f: children_rusage_ge_80ms=%d",
	      ru_ms(&after) - ru_ms(&before) >= 80);
}

static pid_t vfork_exit(int code)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(code);
	return pid;
}

static void sec_g(void)
{
	static char a0[] = "sh", a1[] = "-c", a2[] = "exit 4";
	char *const args[] = {a0, a1, a2, NULL};
	pid_t pids[10], mixed[3], sp, r;
	char line[64] = "";
	FILE *f;
	int st;

	/* 5 forked children exit while popen()'s shell runs */
	for (int i = 0; i < 5; i++)
		pids[i] = spawn(K_EXIT, 10 + 20 * i, 21 + i).pid;
	if (!(f = popen("echo popen-out; sleep 0.2; exit 5", "r")))
		die("popen");
	if (fgets(line, sizeof line, f))
		line[strcspn(line, "\n")] = '\0';
	st = pclose(f);
	if (st < 0)
		check("g: popen read=popen-out exited=1 status=5", "g: popen read=%s pclose %s", line,
		      ret0(st));
	else
		check("g: popen read=popen-out exited=1 status=5", "g: popen read=%s %s", line,
		      st_str(st));

	/* 5 more while system()'s shell runs */
	for (int i = 0; i < 5; i++)
		pids[5 + i] = spawn(K_EXIT, 10 + 20 * i, 31 + i).pid;
	st = system("sleep 0.2; exit 6");
	if (st < 0)
		check("g: system exited=1 status=6", "g: system %s", ret0(st));
	else
		check("g: system exited=1 status=6", "g: system %s", st_str(st));

	check("g: forked calls=10 statuses=21,22,23,24,25,31,32,33,34,35 pids_ok=1", "g: forked %s",
	      collect(pids, 10));
	r = w_wait(&st);
	check("g: forked_final ret=-1 errno=ECHILD", "g: forked_final %s", res(r, 0, &st));

	/* posix_spawn(), vfork() and fork() children, all reaped by wait() */
	fflush(NULL);
	if ((errno = posix_spawn(&sp, "/bin/sh", NULL, NULL, args, environ)) != 0)
		die("posix_spawn");
	track(sp);
	mixed[0] = sp;
	if ((mixed[1] = vfork_exit(8)) < 0)
		die("vfork");
	track(mixed[1]);
	mixed[2] = spawn(K_EXIT, 0, 9).pid;
	sleep_ms(200);
	check("g: mixed calls=3 statuses=4,8,9 pids_ok=1", "g: mixed %s", collect(mixed, 3));
	r = w_wait(&st);
	check("g: mixed_final ret=-1 errno=ECHILD", "g: mixed_final %s", res(r, 0, &st));
}

static void sec_h(void)
{
	struct kid k;
	siginfo_t si;
	pid_t r;
	int st, ri;

	k = spawn(K_EXIT, 0, 11);
	r = w_waitpid(0, &st, 0);
	check("h: pgrp_zero same_pid=1 exited=1 status=11", "h: pgrp_zero %s", res(r, k.pid, &st));

	k = spawn(K_EXIT, 0, 12);
	sleep_ms(200);
	r = w_waitpid(-getpgrp(), &st, 0);
	check("h: pgrp_neg same_pid=1 exited=1 status=12", "h: pgrp_neg %s", res(r, k.pid, &st));

	k = spawn(K_EXIT, 0, 14);
	sleep_ms(200);
	memset(&si, 0, sizeof si);
	ri = w_waitid(P_PGID, (id_t)getpgrp(), &si, WEXITED);
	check("h: waitid_pgid ret=0 same_pid=1 signo=SIGCHLD code=CLD_EXITED status=14 uid_ok=1",
	      "h: waitid_pgid %s", res_si(ri, k.pid, &si));

	/* a child in a process group of its own (set by both, as shells do) */
	k = spawn(K_PGRP, 0, 13);
	if (setpgid(k.pid, k.pid) < 0)
		die("setpgid");
	release(&k);
	sleep_ms(200);
	r = w_waitpid(0, &st, WNOHANG);
	check("h: other_pgrp_zero ret=-1 errno=ECHILD", "h: other_pgrp_zero %s", res(r, k.pid, &st));
	r = w_waitpid(-getpgrp(), &st, WNOHANG);
	check("h: other_pgrp_neg ret=-1 errno=ECHILD", "h: other_pgrp_neg %s", res(r, k.pid, &st));
	r = w_waitpid(-k.pid, &st, 0);
	check("h: own_pgrp same_pid=1 exited=1 status=13", "h: own_pgrp %s", res(r, k.pid, &st));
}

static void sec_i(void)
{
	struct kid k = spawn(K_EXIT, 0, 0);
	pid_t r;
	int st;

	sleep_ms(200);
	check("i: kill0 ret=0", "i: kill0 %s", ret0(kill(k.pid, 0)));
	check("i: kill_term ret=0", "i: kill_term %s", ret0(kill(k.pid, SIGTERM)));
	r = w_waitpid(k.pid, &st, 0);
	check("i: reaped same_pid=1 exited=1 status=0", "i: reaped %s", res(r, k.pid, &st));
}

struct waiter {
	pthread_t th;
	pid_t target, ret;
	int st, err;
	atomic_int done;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	int st = 0;
	pid_t r = w_waitpid(w->target, &st, 0);

	w->err = errno;
	w->st = st;
	w->ret = r;
	atomic_store(&w->done, 1);
	return NULL;
}

static void waiter_start(struct waiter *w, pid_t target)
{
	memset(w, 0, sizeof *w);
	w->target = target;
	atomic_store(&w->done, 0);
	if ((errno = pthread_create(&w->th, NULL, waiter_main, w)) != 0)
		die("pthread_create");
}

/* Wait until every waiter is done or 'ms' have passed since t0; join the
 * done ones, cancel the others.  1 if all were done in time. */
static int waiters_finish(struct waiter *w, int n, long long t0, long ms)
{
	int all;

	for (;;) {
		all = 1;
		for (int i = 0; i < n; i++)
			if (!atomic_load(&w[i].done))
				all = 0;
		if (all || now_ms() - t0 >= ms)
			break;
		sleep_ms(5);
	}
	for (int i = 0; i < n; i++) {
		if (atomic_load(&w[i].done)) {
			pthread_join(w[i].th, NULL);
			continue;
		}
		/* stuck in waitpid(), a cancellation point */
		struct timespec ts;
		pthread_cancel(w[i].th);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (pthread_timedjoin_np(w[i].th, NULL, &ts) != 0)
			pthread_detach(w[i].th);
		w[i].ret = -1;
		w[i].err = ETIMEDOUT;
	}
	return all;
}

static const char *wres(const struct waiter *w, pid_t want)
{
	errno = w->err;
	return res(w->ret, want, &w->st);
}

static void sec_j(void)
{
	struct waiter w[2];
	struct kid k, alive, k2;
	long long t0;
	int in_time;
	pid_t r;
	int st;

	t0 = now_ms();
	k = spawn(K_EXIT, 100, 15);
	waiter_start(&w[0], k.pid);
	in_time = waiters_finish(w, 1, t0, 1000);
	check("j: thread_pid within_1s=1 same_pid=1 exited=1 status=15", "j: thread_pid within_1s=%d %s",
	      in_time, wres(&w[0], k.pid));

	alive = spawn(K_GATE, 0, 17);
	t0 = now_ms();
	k = spawn(K_EXIT, 100, 16);
	waiter_start(&w[0], -1);
	in_time = waiters_finish(w, 1, t0, 1000);
	check("j: thread_any within_1s=1 same_pid=1 exited=1 status=16", "j: thread_any within_1s=%d %s",
	      in_time, wres(&w[0], k.pid));
	release(&alive);
	r = w_waitpid(alive.pid, &st, 0);
	check("j: alive same_pid=1 exited=1 status=17", "j: alive %s", res(r, alive.pid, &st));

	t0 = now_ms();
	k = spawn(K_EXIT, 150, 18);
	k2 = spawn(K_EXIT, 50, 19);
	waiter_start(&w[0], k.pid);
	waiter_start(&w[1], k2.pid);
	in_time = waiters_finish(w, 2, t0, 1000);
	check("j: two_threads within_1s=1 first same_pid=1 exited=1 status=18 second same_pid=1 exited=1 status=19",
	      "j: two_threads within_1s=%d first %s second %s", in_time, wres(&w[0], k.pid),
	      wres(&w[1], k2.pid));
}

#define K_WORKERS 10
static volatile sig_atomic_t k_deaths;
static volatile pid_t k_pids[64];
static volatile int k_status[64];

static void k_on_chld(int sig)
{
	int saved = errno, st;
	pid_t p;

	(void)sig;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (k_deaths < 64) {
			k_pids[k_deaths] = p;
			k_status[k_deaths] = st;
		}
		k_deaths++;
	}
	errno = saved;
}

static void sec_k(void)
{
	struct sigaction sa, old;
	sigset_t chld, waitmask;
	pid_t pids[K_WORKERS];
	int vals[64] = {0}, n, pids_ok = 1, used[K_WORKERS] = {0};
	unsigned long x = 12345;
	long long t0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = k_on_chld;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &waitmask))
		die("sigprocmask");
	sigdelset(&waitmask, SIGCHLD);
	k_deaths = 0;
	if (sigaction(SIGCHLD, &sa, &old))
		die("sigaction");

	for (int i = 0; i < K_WORKERS; i++) {
		x = x * 1103515245UL + 12345UL;
		pids[i] = spawn(K_EXIT, (long)((x >> 16) % 300), 40 + i).pid;
	}
	t0 = now_ms();
	while (k_deaths < K_WORKERS && now_ms() - t0 < 3000) {
		struct timespec ts = {0, 100 * 1000000L};
		ppoll(NULL, 0, &ts, &waitmask); /* the handler runs in here */
	}
	/* SIGCHLD is blocked again here: the handler has finished */
	n = k_deaths < 64 ? k_deaths : 64;
	for (int i = 0; i < n; i++) {
		int idx = -1;

		for (int j = 0; j < K_WORKERS; j++)
			if (pids[j] == k_pids[i])
				idx = j;
		if (idx < 0 || used[idx])
			pids_ok = 0;
		else
			used[idx] = 1;
		vals[i] = st_num(k_status[i]);
		if (WIFEXITED(k_status[i]) || WIFSIGNALED(k_status[i]))
			untrack(k_pids[i]);
	}
	if (sigaction(SIGCHLD, &old, NULL))
		die("sigaction");
	if (sigprocmask(SIG_UNBLOCK, &chld, NULL))
		die("sigprocmask");
	check("k: deaths=10 statuses=40,41,42,43,44,45,46,47,48,49 pids_ok=1",
	      "k: deaths=%d statuses=%s pids_ok=%d", (int)k_deaths, sorted(vals, n), pids_ok);
}

struct forker {
	atomic_int pid;
	atomic_int reaped;
};

static void *forker_main(void *arg)
{
	struct forker *f = arg;
	long long t0 = now_ms();

	atomic_store(&f->pid, spawn(K_EXIT, 0, 19).pid);
	/* stay alive until it is reaped: PR_SET_PDEATHSIG follows this thread */
	while (!atomic_load(&f->reaped) && now_ms() - t0 < 5000)
		sleep_ms(5);
	return NULL;
}

static void sec_l(void)
{
	struct forker fk;
	pthread_t th;
	struct kid k;
	pid_t r;
	int st;

	k = spawn(K_DOUBLE, 0, 20);
	r = w_wait(&st);
	check("l: double_fork same_pid=1 exited=1 status=20", "l: double_fork %s", res(r, k.pid, &st));
	sleep_ms(150); /* the grandchild has exited too (reaped by init) */
	r = w_wait(&st);
	check("l: grandchild ret=-1 errno=ECHILD", "l: grandchild %s", res(r, 0, &st));

	atomic_store(&fk.pid, 0);
	atomic_store(&fk.reaped, 0);
	if ((errno = pthread_create(&th, NULL, forker_main, &fk)) != 0)
		die("pthread_create");
	while (atomic_load(&fk.pid) == 0)
		sleep_ms(1);
	r = w_waitpid(-1, &st, 0);
	check("l: thread_fork same_pid=1 exited=1 status=19", "l: thread_fork %s",
	      res(r, atomic_load(&fk.pid), &st));
	atomic_store(&fk.reaped, 1);
	pthread_join(th, NULL);
}

/* ---- the watchdog and main ----------------------------------------------------- */

/* Reap, by pid, the children killed by the watchdog (give up after 'ms':
 * the main thread may be reaping them at the same time). */
static void reap_killed(long ms)
{
	long long t0 = now_ms();
	int left;

	do {
		left = 0;
		for (int i = 0; i < atomic_load(&tk_n); i++) {
			pid_t r;

			if (!atomic_load(&tk_live[i]))
				continue;
			r = waitpid(tk_pid[i], NULL, WNOHANG);
			if (r == tk_pid[i] || (r < 0 && errno == ECHILD))
				atomic_store(&tk_live[i], 0);
			else
				left = 1;
		}
		if (left)
			sleep_ms(5);
	} while (left && now_ms() - t0 < ms);
}

static void *watchdog(void *arg)
{
	long secs = (long)(intptr_t)arg;
	struct timespec ts;
	char msg[128];
	int len;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += secs;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	len = snprintf(msg, sizeof msg,
	               "waitcheck: watchdog: section %c not done after %ld s; killing children\n",
	               (char)atomic_load(&cur_section), secs);
	(void)!write(2, msg, (size_t)len);
	for (int i = 0; i < atomic_load(&tk_n); i++)
		if (atomic_load(&tk_live[i]))
			kill(tk_pid[i], SIGKILL);
	reap_killed(1000);
	_exit(3);
}

static void usage(void)
{
	fputs("usage: waitcheck [-t SECONDS] [SECTIONS]\n"
	      "  SECTIONS: letters a..l (default: all)\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static void (*const sections[])(void) = {sec_a, sec_b, sec_c, sec_d, sec_e, sec_f,
	                                         sec_g, sec_h, sec_i, sec_j, sec_k, sec_l};
	const char *which = "abcdefghijkl";
	long timeout = 30;
	sigset_t all, old, chld;
	struct sigaction sa;
	pthread_t wd;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout < 1 || timeout > 3600)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (optind < argc) {
		which = argv[optind];
		for (const char *p = which; *p; p++)
			if (*p < 'a' || *p > 'l')
				usage();
	}

	/* a known starting point, whatever was inherited */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		die("sigaction");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_UNBLOCK, &chld, NULL))
		die("sigprocmask");
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD) {
		fputs("waitcheck: started with children of its own; run it directly\n", stderr);
		return 2;
	}

	/* the watchdog thread never takes a signal */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old))
		die("sigprocmask");
	if ((errno = pthread_create(&wd, NULL, watchdog, (void *)(intptr_t)timeout)) != 0)
		die("pthread_create");
	if (sigprocmask(SIG_SETMASK, &old, NULL))
		die("sigprocmask");

	for (const char *p = which; *p; p++) {
		atomic_store(&cur_section, *p);
		sections[*p - 'a']();
		end_section(*p);
	}
	if (failures)
		printf("failed=%d\n", failures);
	else
		printf("ok\n");
	fflush(stdout);
	return failures ? 1 : 0;
}
