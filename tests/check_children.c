/* Children: fork servers leave no zombies under tcpsafe, and every exit
 * status a program asks for is still delivered exactly once.  Each case
 * runs both ways: the zombies must pile up without tcpsafe (or the test
 * proves nothing), and the programs' own view of their children must be
 * identical. */
#include "autoconfig.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define BIG (1 << 20)

static char *buf;

static void setup(void)
{
	buf = malloc(BIG);
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void) { free(buf); }

static long helper_number(const char *opt, pid_t pid)
{
	char ps[16], out[64];
	snprintf(ps, sizeof ps, "%d", (int)pid);
	char *argv[] = {HELPER("zombies"), (char *)opt, ps, NULL};
	char *argv1[] = {HELPER("zombies"), ps, NULL};
	int st = run(WITHOUT, opt ? argv : argv1, NULL, out, sizeof out, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "zombies helper: 0x%x", st);
	return atol(out);
}

static long zombies_of(pid_t pid) { return helper_number(NULL, pid); }
static long rss_of(pid_t pid) { return helper_number("--rss", pid); }

static void clients(int port, int count, int parallel)
{
	char ps[16], cs[16], js[16], out[8192];
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(cs, sizeof cs, "%d", count);
	snprintf(js, sizeof js, "%d", parallel);
	char *argv[] = {EXAMPLE("echo_client"), "-c", cs, "-j", js, "127.0.0.1", ps, NULL};
	int st = run(WITHOUT, argv, NULL, out, sizeof out, 60000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "echo_client: 0x%x", st);
}

/* Wait up to ms (scaled under memcheck, where every child's exit runs a
 * leak check) for the zombie count of pid to reach want. */
static long settle_zombies(pid_t pid, long want, int ms)
{
	long z = -1;
	for (int t = 0; t <= ts_ms(ms); t += 50) {
		z = zombies_of(pid);
		if (z == want)
			break;
		usleep(50000);
	}
	return z;
}

/* ---- tcpserv01: no SIGCHLD handling at all ------------------------------ */

static void tcpserv01_case(int preload, const char *env1)
{
	struct proc s;
	char *argv[] = {EXAMPLE("tcpserv01"), NULL};
	const char *extra[] = {env1, NULL};
	proc_start(&s, preload, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	clients(port, 10, 10);
	if (preload && !env1) {
		long z = settle_zombies(s.pid, 0, 1000);
		ck_assert_msg(z == 0, "with tcpsafe: %ld zombies 1 s after the clients", z);
	} else {
		long z = settle_zombies(s.pid, 10, 2000);
		ck_assert_msg(z == 10, "expected the bug: 10 zombies, saw %ld", z);
	}
	proc_kill(&s);
	unlink(s.err);
}

START_TEST(tcpserv01_zombies_without) { tcpserv01_case(WITHOUT, NULL); }
END_TEST

START_TEST(tcpserv01_no_zombies_with) { tcpserv01_case(WITH, NULL); }
END_TEST

START_TEST(tcpserv01_zombies_with_reap_off) { tcpserv01_case(WITH, "TCPSAFE_REAP=off"); }
END_TEST

/* 2,000 connections: no zombie, and no growth in the server's memory once
 * the status cache is full (the server never waits). */
START_TEST(tcpserv01_two_thousand_connections)
{
	struct proc s;
	char *argv[] = {EXAMPLE("tcpserv01"), NULL};
	proc_start(&s, WITH, argv, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	clients(port, 1200, 40);
	ck_assert_int_eq(settle_zombies(s.pid, 0, 1000), 0);
	long rss1 = rss_of(s.pid);
	clients(port, 800, 40);
	ck_assert_int_eq(settle_zombies(s.pid, 0, 1000), 0);
	long rss2 = rss_of(s.pid);
	ck_assert_msg(rss2 - rss1 < 128, "RSS grew from %ld kB to %ld kB", rss1, rss2);
	proc_kill(&s);
	unlink(s.err);
}
END_TEST

/* ---- a handler with a single wait(): SIGCHLDs coalesce --------------------- */

START_TEST(coalesced_sigchld)
{
	char a[512], b[512];
	char *argv[] = {HELPER("coalesce"), NULL};
	run_both(argv, a, b, sizeof a, 10000);
	int h, z, l, t, u;
	ck_assert_msg(sscanf(a, "handled=%d zombies=%d later=%d total=%d unique=%d", &h, &z, &l, &t,
	                     &u) == 5, "%s", a);
	ck_assert_msg(z > 0 && t == 20 && u == 20 && !strstr(a, "dup=1"), "without: %s", a);
	ck_assert_msg(sscanf(b, "handled=%d zombies=%d later=%d total=%d unique=%d", &h, &z, &l, &t,
	                     &u) == 5, "%s", b);
	ck_assert_msg(z == 0 && t == 20 && u == 20 && !strstr(b, "dup=1"), "with: %s", b);
}
END_TEST

/* ---- what programs see of their children: identical ------------------------ */

START_TEST(wait_semantics_identical)
{
	char *a = malloc(BIG), *b = malloc(BIG);
	char *argv[] = {HELPER("waitcheck"), NULL};
	run_both(argv, a, b, BIG, 30000);
	ck_assert_msg(strstr(a, "\nok\n"), "transcript incomplete:\n%s", a);
	const char *y, *x = first_difference(a, b, &y);
	if (x)
		ck_abort_msg("transcripts differ at:\nwithout: %.300s\nwith:    %.300s", x, y);
	free(a);
	free(b);
}
END_TEST

/* Python's subprocess sees the same statuses with tcpsafe reaping. */
START_TEST(python_subprocess_status)
{
	char a[512], b[512];
	if (access("/usr/bin/python3", X_OK) != 0)
		ck_abort_msg("python3 is needed for this test (apt-get install python3)");
	char *argv[] = {"/usr/bin/python3", TS_SRCDIR "/tests/helpers/pysub.py", NULL};
	run_both(argv, a, b, sizeof a, 20000);
	ck_assert_msg(strstr(a, "\nrun 3\n") && strstr(a, "py ok"), "%s", a);
	ck_assert_str_eq(a, b);
}
END_TEST

/* chldquiet's semaphore waits each ended at once with EINTR after a program
 * handler ran (what the program gets without tcpsafe). */
static int sem_eintr_at_once(const char *out)
{
	return strstr(out, "sem_timedwait after a program handler: r=-1 errno=EINTR at once") &&
	       strstr(out, "sem_clockwait after a program handler: r=-1 errno=EINTR at once");
}

/* Children exit every 5 ms while the program sits in calls the kernel never
 * restarts (sleep, poll, epoll_wait, sigtimedwait, semop, msgrcv,
 * sem_timedwait...).  Without tcpsafe nothing interrupts them; tcpsafe's
 * own SIGCHLD handler must not either, in any EINTR mode, and every status
 * still arrives (by pid; and through wait() in a thread while another
 * forks). */
static void chldquiet_both_ways(const char *mode)
{
	char *a = malloc(BIG), *b = malloc(BIG);
	char *argv[] = {HELPER("chldquiet"), NULL};
	char env[64];
	snprintf(env, sizeof env, "TCPSAFE_EINTR=%s", mode);
	const char *vg = getenv("TS_VALGRIND");
	/* memcheck (valgrind 3.19) warns on epoll_pwait2, a system call it does not know */
	const char *nopw = vg && !strcmp(vg, "1") ? "CHLDQUIET_NO_PWAIT2=1" : NULL;
	/* a status for each child chldquiet can make (MAXKIDS): a slow run
	 * makes more than the default 1024 and would drop the oldest */
	const char *extra[] = {env, "TCPSAFE_REAP_CACHE=4096", nopw, NULL};
	const char *extra0[] = {nopw, NULL};
	int st = run(WITHOUT, argv, extra0, a, BIG, 30000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "without: status %#x", st);
	st = run(WITH, argv, extra, b, BIG, 30000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "with: status %#x", st);
	ck_assert_msg(strstr(a, "by pid: every status") && strstr(a, "wait(): every status once"),
	              "%s", a);
	ck_assert_msg(!strstr(a, "WRONG"), "%s", a);
	/* a program handler's EINTR reaches semaphore waits (the baseline) */
	ck_assert_msg(sem_eintr_at_once(a), "%s", a);
	if (nopw) { /* under memcheck: its own checks; the timing-bound comparison is make check's */
		ck_assert_msg(strstr(b, "by pid: every status") && strstr(b, "wait(): every status once") &&
		                  !strstr(b, "WRONG") && !strstr(b, "Interrupted"),
		              "with tcpsafe under memcheck:\n%s", b);
		free(a);
		free(b);
		return;
	}
	const char *y, *x = first_difference(a, b, &y);
	if (x)
		ck_abort_msg("TCPSAFE_EINTR=%s: differs at:\nwithout: %.300s\nwith:    %.300s", mode, x, y);
	free(a);
	free(b);
}

START_TEST(own_sigchld_never_interrupts) { chldquiet_both_ways("retry"); }
END_TEST
START_TEST(own_sigchld_never_interrupts_pass) { chldquiet_both_ways("pass"); }
END_TEST

/* Statuses beyond the cache are dropped, counted and logged; the newest are
 * still delivered.  Without the bound (default size) all are. */
START_TEST(cache_bound_is_logged)
{
	char out[256], logpath[256], logenv[300];
	char *argv[] = {HELPER("forkmany"), "40", NULL};
	int st = run(WITH, argv, NULL, out, sizeof out, 10000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(!strncmp(out, "waited=40 sum=780", 17), "%s", out);
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {"TCPSAFE_REAP_CACHE=16", "TCPSAFE_LOG_LEVEL=debug", logenv, NULL};
	st = run(WITH, argv, extra, out, sizeof out, 10000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(!strncmp(out, "waited=16 ", 10), "%s", out);
	slurp(logpath, buf, BIG);
	ck_assert_msg(strstr(buf, "level=warn event=reap_overflow dropped="), "%.2000s", buf);
	ck_assert_msg(count_lines_with(buf, "event=reap child=") == 40, "%.2000s", buf);
	unlink(logpath);
}
END_TEST

/* A semaphore wait that a program handler interrupts gets its EINTR, as
 * without tcpsafe, and the debug log says so, as for every other call. */
START_TEST(semaphore_eintr_passed_is_logged)
{
	char a[512], b[512], logpath[256], logenv[300];
	char *argv[] = {HELPER("chldquiet"), "sem", NULL};
	int st = run(WITHOUT, argv, NULL, a, sizeof a, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "without: status %#x", st);
	ck_assert_msg(sem_eintr_at_once(a), "%s", a);
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {"TCPSAFE_LOG_LEVEL=debug", logenv, NULL};
	st = run(WITH, argv, extra, b, sizeof b, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "with: status %#x", st);
	ck_assert_str_eq(a, b);
	slurp(logpath, buf, BIG);
	ck_assert_msg(strstr(buf, "event=eintr call=sem_timedwait action=pass sig=SIGUSR1") &&
	                  strstr(buf, "event=eintr call=sem_clockwait action=pass sig=SIGUSR1"),
	              "%.2000s", buf);
	unlink(logpath);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("children");
	TCase *t = tcase_create("reaping");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 240);
	tcase_add_test(t, tcpserv01_zombies_without);
	tcase_add_test(t, tcpserv01_no_zombies_with);
	tcase_add_test(t, tcpserv01_zombies_with_reap_off);
	tcase_add_test(t, tcpserv01_two_thousand_connections);
	tcase_add_test(t, coalesced_sigchld);
	tcase_add_test(t, cache_bound_is_logged);
	tcase_add_test(t, own_sigchld_never_interrupts);
	tcase_add_test(t, own_sigchld_never_interrupts_pass);
	suite_add_tcase(s, t);
	t = tcase_create("statuses");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, wait_semantics_identical);
	tcase_add_test(t, python_subprocess_status);
	tcase_add_test(t, semaphore_eintr_passed_is_logged);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return run_suite(suite()); }
