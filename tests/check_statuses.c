/* Statuses and signals a program reads about its own children, and the
 * signal stack it gives its handlers: the same with tcpsafe as without
 * (issue 15).  Each case runs its helper both ways; the run without
 * tcpsafe must show the kernel's behaviour (so the case proves something),
 * the run with it must print the same.
 *
 *   ptrace_stop_is_a_stop       a tracee's stop, met first by a sweep's
 *                               waitid(P_ALL, WNOWAIT) peek, must reach the
 *                               tracer's waitpid as a stop (ptracestop)
 *   pidfd_wait                  waitid(P_PIDFD) on an exited child
 *                               (pidfdwait)
 *   sigchld_by_sigwaitinfo,     tcpsafe's sweep timer (SIGCHLD, SI_TIMER)
 *   sigchld_by_signalfd         must not stand in for a child's CLD_EXITED
 *                               (timersig)
 *   trampoline_stack_overhead   bytes the trampoline puts between the
 *                               kernel's frame and a program handler on its
 *                               alternate stack (altstack measure)
 *   tight_altstack,             handlers on an alternate stack sized for
 *   tight_altstack_sigchld      the frame and the handler plus the bound,
 *                               guard page below (altstack tight [chld])
 *
 * The stack cases are skipped under memcheck (which builds signal frames
 * of its own) and in a sanitized build (instrumented frames); pidfd_wait
 * under memcheck (valgrind 3.19 does not know pidfd_open). */
#include "autoconfig.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The most stack (bytes) the trampoline may add in front of a program's
 * handler (112 measured on x86-64; it was ~700 with a siginfo_t of its
 * own), and the most that tcpsafe's reaping may use below the kernel's
 * frame before a SIGCHLD handler runs (about 520 measured): the bounds
 * libtcpsafe(7) documents.  altstack's tight mode leaves exactly that much
 * room on the alternate stack beyond what the program's handler needs. */
#define TS_TRAMPOLINE_BOUND 128
#define TS_SIGCHLD_BOUND 640

#define OUT 8192

static char *a, *b;

static void setup(void)
{
	a = malloc(OUT);
	b = malloc(OUT);
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
	free(a);
	free(b);
}

static int under_memcheck(void)
{
	const char *vg = getenv("TS_VALGRIND");
	return vg && *vg && strcmp(vg, "0");
}

static int line_len(const char *s) { return (int)strcspn(s, "\n"); }

/* Runs argv both ways: without tcpsafe it must print expect exactly, with
 * it the same. */
static void same_both_ways(char *const argv[], const char *expect, int timeout_ms)
{
	run_both(argv, a, b, OUT, timeout_ms);
	ck_assert_msg(!strcmp(a, expect), "%s without tcpsafe (the kernel's view):\n%s\nexpected:\n%s",
	              argv[0], a, expect);
	const char *y, *x = first_difference(a, b, &y);
	if (x)
		ck_abort_msg("%s%s%s: differs at:\nwithout: %.*s\nwith:    %.*s", argv[0],
		             argv[1] ? " " : "", argv[1] ? argv[1] : "", line_len(x), x, line_len(y), y);
}

/* ---- a tracee's stop ---------------------------------------------------- */

START_TEST(ptrace_stop_is_a_stop)
{
	char *argv[] = {HELPER("ptracestop"), NULL};
	same_both_ways(argv,
	               "traced: stopped=1 sig=SIGSTOP\n"
	               "traced: cont ret=0\n"
	               "traced: exited=1 status=0\n"
	               "burst 0: exited=1 status=10\n"
	               "burst 1: exited=1 status=11\n"
	               "burst 2: exited=1 status=12\n"
	               "burst 3: exited=1 status=13\n"
	               "end: ret=-1 errno=ECHILD\n",
	               15000);
}
END_TEST

/* ---- waitid(P_PIDFD) ------------------------------------------------------- */

START_TEST(pidfd_wait)
{
	char *argv[] = {HELPER("pidfdwait"), NULL};
	if (under_memcheck()) { /* valgrind 3.19 does not know pidfd_open (434) */
		fprintf(stderr, "pidfd_wait skipped under memcheck\n");
		return;
	}
	same_both_ways(argv,
	               "exited: ret=0 code=CLD_EXITED status=7 pid=match\n"
	               "nohang: ret=0 code=CLD_EXITED status=8 pid=match\n"
	               "nowait: ret=0 code=CLD_EXITED status=9 pid=match\n"
	               "nowait again: ret=0 code=CLD_EXITED status=9 pid=match\n"
	               "nowait after: ret=-1 errno=ECHILD\n"
	               "running: ret=0 pid=0\n"
	               "running then: ret=0 code=CLD_EXITED status=10 pid=match\n"
	               "end: ret=-1 errno=ECHILD\n",
	               15000);
}
END_TEST

/* ---- SIGCHLD read synchronously --------------------------------------------- */

static void sigchld_read_by(const char *how)
{
	char expect[1024];
	size_t n = 0;
	for (int r = 0; r < 5; r++) /* timersig's ROUNDS */
		n += (size_t)snprintf(expect + n, sizeof expect - n,
		                      "round %d: code=CLD_EXITED pid=match status=%d c=exited:%d "
		                      "ab=exited:0,exited:0\n",
		                      r, 20 + r, 20 + r);
	char *argv[] = {HELPER("timersig"), (char *)how, NULL};
	same_both_ways(argv, expect, 15000);
}

START_TEST(sigchld_by_sigwaitinfo) { sigchld_read_by("sigwaitinfo"); }
END_TEST

START_TEST(sigchld_by_signalfd) { sigchld_read_by("signalfd"); }
END_TEST

/* ---- the program's alternate signal stack ------------------------------------ */

/* The stack cases measure real frames: not under memcheck, nor with
 * sanitizers (a sanitized trampoline is bigger, and ASan may keep locals
 * off the stack). */
static int stack_cases_skipped(void)
{
#ifdef TS_ASAN_RUNTIME
	fprintf(stderr, "alternate stack cases skipped: sanitized build\n");
	return 1;
#endif
	if (under_memcheck()) {
		fprintf(stderr, "alternate stack cases skipped under memcheck\n");
		return 1;
	}
	return 0;
}

struct depths {
	long usr1, usr1_peak, chld, chld_peak;
	int chld_status;
};

static void measure(int preload, struct depths *d, char *out)
{
	char *argv[] = {HELPER("altstack"), "measure", NULL};
	int st = run(preload, argv, NULL, out, OUT, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "altstack measure %s tcpsafe: %#x\n%s",
	              preload ? "with" : "without", st, out);
	ck_assert_msg(sscanf(out, "usr1 depth=%ld peak=%ld\nchld depth=%ld peak=%ld status=%d",
	                     &d->usr1, &d->usr1_peak, &d->chld, &d->chld_peak, &d->chld_status) == 5,
	              "%s", out);
}

START_TEST(trampoline_stack_overhead)
{
	struct depths w0, w1;
	if (stack_cases_skipped())
		return;
	measure(WITHOUT, &w0, a);
	measure(WITH, &w1, b);
	ck_assert_msg(w0.chld_status == 3 && w1.chld_status == 3, "without:\n%swith:\n%s", a, b);
	long usr1 = w1.usr1 - w0.usr1, chld = w1.chld - w0.chld;
	/* the reap before a SIGCHLD handler goes deeper still: for the record */
	fprintf(stderr,
	        "trampoline: %ld bytes before a SIGUSR1 handler, %ld before a SIGCHLD one "
	        "(deepest point %ld bytes below the plain one's)\n",
	        usr1, chld, w1.chld_peak - w0.chld_peak);
	ck_assert_msg(w1.chld_peak - w0.chld_peak <= TS_SIGCHLD_BOUND,
	              "reaping before a SIGCHLD handler goes %ld bytes deeper, more than %d",
	              w1.chld_peak - w0.chld_peak, TS_SIGCHLD_BOUND);
	ck_assert_msg(usr1 <= TS_TRAMPOLINE_BOUND && chld <= TS_TRAMPOLINE_BOUND,
	              "the trampoline puts %ld bytes (SIGUSR1), %ld (SIGCHLD) between the kernel's "
	              "frame and the program's handler, more than %d\nwithout:\n%swith:\n%s",
	              usr1, chld, TS_TRAMPOLINE_BOUND, a, b);
}
END_TEST

/* altstack tight: without tcpsafe it must print expect (the stack is big
 * enough for the program's own handler); with it the same, not SIGSEGV. */
static void tight(const char *mode, const char *expect)
{
	char margin[16];
	snprintf(margin, sizeof margin, "%d", mode ? TS_SIGCHLD_BOUND : TS_TRAMPOLINE_BOUND);
	char *argv[] = {HELPER("altstack"), "tight", mode ? (char *)mode : margin,
	                mode ? margin : NULL, NULL};
	mode = mode ? mode : "usr1";
	if (stack_cases_skipped())
		return;
	int st = run(WITHOUT, argv, NULL, a, OUT, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !strcmp(a, expect),
	              "altstack tight %s without tcpsafe: %#x\n%s", mode, st, a);
	st = run(WITH, argv, NULL, b, OUT, 10000);
	ck_assert_msg(!WIFSIGNALED(st), "altstack tight %s with tcpsafe: killed by SIG%s (its handler's "
	              "stack leaves %d bytes to what runs before the handler)\nprinted:\n%s",
	              mode, sigabbrev_np(WTERMSIG(st)), atoi(margin), b);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "altstack tight %s with tcpsafe: %#x\n%s",
	              mode, st, b);
	ck_assert_str_eq(a, b);
}

START_TEST(tight_altstack) { tight(NULL, "handled 5\n"); }
END_TEST

/* SIGCHLD: under tcpsafe the reap runs on that stack too, before the handler */
START_TEST(tight_altstack_sigchld) { tight("chld", "handled 5\nchld handled 5 statuses ok\n"); }
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("statuses");
	TCase *t = tcase_create("children");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, ptrace_stop_is_a_stop);
	tcase_add_test(t, pidfd_wait);
	tcase_add_test(t, sigchld_by_sigwaitinfo);
	tcase_add_test(t, sigchld_by_signalfd);
	suite_add_tcase(s, t);
	t = tcase_create("altstack");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, trampoline_stack_overhead);
	tcase_add_test(t, tight_altstack);
	tcase_add_test(t, tight_altstack_sigchld);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return run_suite(suite()); }
