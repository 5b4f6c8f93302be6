/* Transparency of the EINTR policy (issue 15): programs that are correct
 * because they rely on EINTR must behave the same under tcpsafe.  Each
 * test runs one sample without, then with the library and requires the
 * same output, and that output to be the correct program's:
 *   - GNU make's jobserver: SIGCHLD unblocked only inside pselect(),
 *     ppoll() or epoll_pwait(), with no timeout;
 *   - the PostgreSQL postmaster: a reaping SIGCHLD handler (with
 *     SA_RESTART, or without as in PostgreSQL 15), and select()/poll()
 *     returning EINTR so the timeout is recomputed;
 *   - vsftpd: a SIGCHLD flag, and accept() returning EINTR to reap;
 *   - a SIGUSR1 handler without SA_RESTART interrupting poll, epoll_wait,
 *     read, sigtimedwait and sigwaitinfo;
 *   - CPython, whose Python handlers run only when the call returns EINTR.
 * The samples bound themselves (a give-up timer, a timeout or a way-out
 * event), print what happened in words and time buckets, and exit 0, so a
 * sample that hangs under tcpsafe shows as different output, not a
 * timeout. */
#include "autoconfig.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define PYTHON "/usr/bin/python3"
#define OUTSZ 4096

static void setup(void) { signal(SIGPIPE, SIG_IGN); }

/* Runs argv both ways; each output must be `expected`.  The outputs go
 * through normalize (may be NULL) first.  The one place that starts the
 * runs, so a variant of the "with" run (TCPSAFE_EINTR=strict, by hand)
 * is a change here only. */
static void same_both_ways(char *const argv[], const char *expected,
                           void (*normalize)(char *, size_t), int timeout_ms)
{
	char a[OUTSZ], b[OUTSZ], cmd[256] = "";
	/* the command line for the messages, paths cut to their last part */
	for (size_t i = 0, n = 0; argv[i] && n < sizeof cmd; i++) {
		const char *slash = strrchr(argv[i], '/');
		n += (size_t)snprintf(cmd + n, sizeof cmd - n, "%s%s", i ? " " : "",
		                      slash ? slash + 1 : argv[i]);
	}
	run_both(argv, a, b, sizeof a, timeout_ms);
	if (normalize) {
		normalize(a, sizeof a);
		normalize(b, sizeof b);
	}
	/* first the sample itself, so a broken sample is not blamed on tcpsafe */
	ck_assert_msg(!strcmp(a, expected), "%s without tcpsafe:\n%s--- expected:\n%s", cmd, a,
	              expected);
	ck_assert_msg(!strcmp(a, b), "%s: not transparent\n--- without tcpsafe:\n%s"
	              "--- with tcpsafe:\n%s", cmd, a, b);
}

static void ms_arg(char *buf, size_t sz, int ms) { snprintf(buf, sz, "%d", ts_ms(ms)); }

/* ---- GNU make's jobserver ------------------------------------------------ */

static const char *const job_waits[][2] = {
	{"pselect", "plain"}, {"pselect", "restart"},     {"ppoll", "plain"},
	{"ppoll", "restart"}, {"epoll_pwait", "plain"}, {"epoll_pwait", "restart"},
};

/* 3 jobs of 100 ms, 2 at a time: about 200 ms.  Under today's retry
 * policy the wait never returns and the sample gives up at 2 s. */
START_TEST(jobserver_woken_by_sigchld)
{
	char limit[16], giveup[16], want[256];
	ms_arg(limit, sizeof limit, 1000);
	ms_arg(giveup, sizeof giveup, 2000);
	char *argv[] = {HELPER("jobserver"), (char *)job_waits[_i][0], (char *)job_waits[_i][1],
	                limit, giveup, NULL};
	snprintf(want, sizeof want,
	         "jobserver wait=%s flags=%s\njobs started=3 reaped=3 max_running=2\n"
	         "woken by EINTR: yes\nfinished within %s ms: yes\n",
	         job_waits[_i][0], job_waits[_i][1], limit);
	same_both_ways(argv, want, NULL, 10000);
}
END_TEST

/* ---- the PostgreSQL postmaster ------------------------------------------ */

static const char *const pm_waits[][2] = {
	{"select", "restart"}, {"poll", "restart"}, {"select", "pm15"}, {"poll", "pm15"}};

/* The worker exits at 100 ms, its restart is due at 300 ms; acting at
 * 800 ms or later is late (today: at the 5 s idle timeout).  Both ways the
 * handler can be installed: with SA_RESTART, and as PostgreSQL 15 really
 * does, without it (the reaper's signature is then the Stevens server's:
 * the wait's timeout tells them apart). */
START_TEST(postmaster_recomputes_timeout)
{
	char limit[16], want[256];
	ms_arg(limit, sizeof limit, 800);
	char *argv[] = {HELPER("postmaster"), (char *)pm_waits[_i][0], limit,
	                (char *)pm_waits[_i][1], NULL};
	snprintf(want, sizeof want,
	         "postmaster wait=%s\nworker reaped by the handler: yes\n"
	         "wait returned EINTR: yes\nrestart deadline met late=no\n",
	         pm_waits[_i][0]);
	same_both_ways(argv, want, NULL, 15000);
}
END_TEST

/* ---- vsftpd's accept loop ------------------------------------------------ */

START_TEST(accept_eintr_reaps_child)
{
	char limit[16], giveup[16], want[256];
	ms_arg(limit, sizeof limit, 1000);
	ms_arg(giveup, sizeof giveup, 3000);
	char *argv[] = {HELPER("flag_accept"), limit, giveup, NULL};
	snprintf(want, sizeof want, "flag_accept\nreaped after accept EINTR\nreaped within %s ms: yes\n",
	         limit);
	same_both_ways(argv, want, NULL, 15000);
}
END_TEST

/* ---- a SIGUSR1 handler without SA_RESTART -------------------------------- */

static const char *const usr1_calls[] = {"poll", "epoll_wait", "read", "sigtimedwait",
                                         "sigwaitinfo"};

/* interrupt_wait's line, with the time as a bucket: "early" is before
 * 300 ms of a 500 ms wait (the first SIGUSR1 comes at 50 ms), and the
 * handler count as whether it ran. */
static void iw_normalize(char *out, size_t sz)
{
	char call[32], err[32];
	int ret, handled;
	long ms;
	if (sscanf(out, "call=%31s ret=%d errno=%31s elapsed_ms=%ld handled=%d", call, &ret, err, &ms,
	           &handled) != 5)
		return; /* left as it is: the comparison shows it */
	snprintf(out, sz, "call=%s ret=%d errno=%s %s handler ran=%s\n", call, ret, err,
	         ms < ts_ms(300) ? "early" : "late", handled > 0 ? "yes" : "no");
}

START_TEST(usr1_interrupts_wait)
{
	char tmo[16], want[256];
	ms_arg(tmo, sizeof tmo, 500);
	char *argv[] = {HELPER("interrupt_wait"), (char *)usr1_calls[_i], "usr1", tmo, NULL};
	snprintf(want, sizeof want, "call=%s ret=-1 errno=EINTR early handler ran=yes\n",
	         usr1_calls[_i]);
	same_both_ways(argv, want, iw_normalize, 10000);
}
END_TEST

/* ---- CPython ------------------------------------------------------------- */

static const char *const py_modes[] = {"accept", "sleep", "select", "sigchld"};

/* The signal comes at 0.4 s (SIGCHLD: 0.2 s) of a 5 s wait; the Python
 * handler must run then, not when the wait ends. */
START_TEST(python_handler_runs_on_time)
{
	char scale[32], want[128];
	if (access(PYTHON, X_OK) != 0)
		ck_abort_msg("python3 is needed for this test (apt-get install python3)");
	snprintf(scale, sizeof scale, "%g", ts_time_scale());
	char *argv[] = {PYTHON, TS_SRCDIR "/tests/helpers/pyeintr.py", (char *)py_modes[_i], scale,
	                NULL};
	snprintf(want, sizeof want, "mode=%s\nhandler ran early\n", py_modes[_i]);
	same_both_ways(argv, want, NULL, 30000);
}
END_TEST

/* One case per sample, so CK_RUN_CASE can pick one. */
static TCase *tcase(Suite *s, const char *name)
{
	TCase *t = tcase_create(name);
	tcase_add_checked_fixture(t, setup, NULL);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return t;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *suite(void)
{
	Suite *s = suite_create("policy");
	tcase_add_loop_test(tcase(s, "jobserver"), jobserver_woken_by_sigchld, 0, COUNT(job_waits));
	tcase_add_loop_test(tcase(s, "postmaster"), postmaster_recomputes_timeout, 0,
	                    COUNT(pm_waits));
	tcase_add_test(tcase(s, "accept"), accept_eintr_reaps_child);
	tcase_add_loop_test(tcase(s, "usr1"), usr1_interrupts_wait, 0, COUNT(usr1_calls));
	tcase_add_loop_test(tcase(s, "python"), python_handler_runs_on_time, 0, COUNT(py_modes));
	return s;
}

int main(void) { return run_suite(suite()); }
