/* EINTR and accept hardening, proven both ways: each sample program dies
 * without tcpsafe and lives with it; and programs that rely on EINTR
 * (alarm timeouts, SIGTERM flags, interval timers, pause) behave exactly
 * the same with and without. */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BIG (1 << 20)
#define FAULTLIB TS_BUILDDIR "/tests/helpers/.libs/libfault.so"

static char *errbuf;

static void setup(void)
{
	errbuf = malloc(BIG);
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void) { free(errbuf); }

static long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* echo_client with options; returns its wait status, output in out. */
static int echo(int port, const char *count, const char *delay_ms, const char *const extra[],
                int preload, char *out, size_t outsz)
{
	char ps[16];
	snprintf(ps, sizeof ps, "%d", port);
	char *argv[] = {EXAMPLE("echo_client"), "-c", (char *)count, "-s", (char *)delay_ms,
	                "127.0.0.1", ps, NULL};
	return run(preload, argv, extra, out, outsz, 30000);
}

static void expect_err_exit(struct proc *p, const char *msg)
{
	ck_assert_msg(proc_wait(p, 20000) == 0, "did not end");
	slurp(p->err, errbuf, BIG);
	ck_assert_msg(WIFEXITED(p->status) && WEXITSTATUS(p->status) == 1 && strstr(errbuf, msg),
	              "expected exit 1 with '%s'; status 0x%x, stderr: %.500s", msg, p->status,
	              errbuf);
	unlink(p->err);
}

static void expect_ok_exit(struct proc *p)
{
	ck_assert_msg(proc_wait(p, 20000) == 0, "did not end");
	slurp(p->err, errbuf, BIG);
	ck_assert_msg(WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0,
	              "status 0x%x, stderr: %.500s", p->status, errbuf);
	unlink(p->err);
}

/* ---- sample servers: die without, live with --------------------------- */

/* Many clients closing at once: their children exit, SIGCHLD (handler
 * without SA_RESTART) interrupts accept(). */
static void tcpserv03_case(int preload, const char *const extra[])
{
	struct proc s;
	char out[65536];
	char *argv[] = {EXAMPLE("tcpserv03"), "-n", "41", NULL};
	proc_start(&s, preload, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	echo(port, "20", "0", NULL, WITHOUT, out, sizeof out);
	usleep(300000); /* the children exit, SIGCHLDs arrive */
	echo(port, "20", "0", NULL, WITHOUT, out, sizeof out);
	usleep(300000);
	if (!preload || (extra && extra[0] && strstr(extra[0], "=pass"))) {
		expect_err_exit(&s, "accept error: Interrupted system call");
		return;
	}
	int st = echo(port, "1", "0", NULL, WITHOUT, out, sizeof out); /* a new client */
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "echoed 1"), "%s", out);
	expect_ok_exit(&s);
}

START_TEST(tcpserv03_dies_without) { tcpserv03_case(WITHOUT, NULL); }
END_TEST

START_TEST(tcpserv03_survives_with) { tcpserv03_case(WITH, NULL); }
END_TEST

START_TEST(tcpserv03_dies_with_eintr_pass)
{
	const char *extra[] = {"TCPSAFE_EINTR=pass", NULL};
	tcpserv03_case(WITH, extra);
}
END_TEST

/* A helper child's SIGCHLD interrupts read() (fortified: __read_chk) or
 * select() while the client waits 200 ms before sending. */
static void helper_child_case(const char *prog, int preload, const char *msg)
{
	struct proc s;
	char out[4096];
	char *argv[] = {(char *)prog, "-n", "2", NULL};
	proc_start(&s, preload, argv, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	for (int i = 0; i < 2; i++) {
		int st = echo(port, "1", "200", NULL, WITHOUT, out, sizeof out);
		if (!preload)
			break;
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "client %d: %s", i, out);
	}
	if (preload)
		expect_ok_exit(&s);
	else
		expect_err_exit(&s, msg);
}

START_TEST(fortify_server_imports_read_chk)
{
	char out[65536];
	char *argv[] = {"/usr/bin/nm", "-D", EXAMPLE("fortify_server"), NULL};
	int st = run(WITHOUT, argv, NULL, out, sizeof out, 10000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(strstr(out, " U __read_chk"), "no __read_chk import:\n%s", out);
	ck_assert_msg(!strstr(out, " U read@"), "plain read imported too:\n%s", out);
}
END_TEST

START_TEST(fortify_server_dies_without)
{
	helper_child_case(EXAMPLE("fortify_server"), WITHOUT, "read error: Interrupted system call");
}
END_TEST

START_TEST(fortify_server_survives_with)
{
	helper_child_case(EXAMPLE("fortify_server"), WITH, NULL);
}
END_TEST

START_TEST(select_server_dies_without)
{
	helper_child_case(EXAMPLE("select_server"), WITHOUT, "select error: Interrupted system call");
}
END_TEST

START_TEST(select_server_survives_with)
{
	helper_child_case(EXAMPLE("select_server"), WITH, NULL);
}
END_TEST

/* ---- injected faults (libfault below tcpsafe) -------------------------- */

static void fault_case(int with_tcpsafe, const char *accept_mode)
{
	char srv_plan[] = "FAULT_PLAN=accept:ECONNABORTED:1,accept:EPROTO:1,accept:ENETUNREACH:1,"
	                  "accept:EMFILE:3,read:EINTR:2,write:EINTR:2";
	char cli_plan[] = "FAULT_PLAN=connect:EINTR:1,send:EINTR:2,recv:EINTR:2";
	char pre[600], report[256], repenv[300], logpath[256], logenv[300];
	snprintf(pre, sizeof pre, "LD_PRELOAD=%s%s", with_tcpsafe ? LIBPATH ":" : "", FAULTLIB);
	tmp_path(report, sizeof report, "faults");
	snprintf(repenv, sizeof repenv, "FAULT_REPORT=%s", report);
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *sx[] = {pre, srv_plan, repenv, logenv, "TCPSAFE_LOG_LEVEL=debug", accept_mode,
	                    NULL};
	struct proc s;
	char *argv[] = {EXAMPLE("tcpserv03"), "-n", "3", NULL};
	proc_start(&s, WITHOUT, argv, sx);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);

	if (!with_tcpsafe || accept_mode) {
		char out[4096];
		echo(port, "1", "0", NULL, WITHOUT, out, sizeof out);
		expect_err_exit(&s, "accept error: Software caused connection abort");
		unlink(report);
		unlink(logpath);
		return;
	}
	/* every client served, each one itself under faults */
	const char *cx[] = {pre, cli_plan, NULL};
	for (int i = 0; i < 3; i++) {
		char out[4096];
		int st = echo(port, "1", "0", cx, WITHOUT, out, sizeof out);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "echoed 1"),
		              "client %d status 0x%x: %s", i, st, out);
	}
	expect_ok_exit(&s);
	slurp(report, errbuf, BIG);
	ck_assert_msg(strstr(errbuf, "accept 6"), "faults injected: %s", errbuf);
	slurp(logpath, errbuf, BIG);
	ck_assert_msg(strstr(errbuf, "event=retry call=accept") && strstr(errbuf, "errno=ECONNABORTED"),
	              "%.1000s", errbuf);
	ck_assert_msg(strstr(errbuf, "level=warn event=accept_backoff call=accept") &&
	                  strstr(errbuf, "errno=EMFILE"), "%.1000s", errbuf);
	unlink(report);
	unlink(logpath);
}

START_TEST(injected_faults_kill_without) { fault_case(0, NULL); }
END_TEST

START_TEST(injected_faults_all_served_with) { fault_case(1, NULL); }
END_TEST

START_TEST(injected_faults_kill_with_accept_pass) { fault_case(1, "TCPSAFE_ACCEPT=pass"); }
END_TEST

/* The client's side alone: connect, send and recv interrupted. */
START_TEST(client_faults_both_ways)
{
	struct proc s;
	char out[4096];
	/* the failed client's connection still completes in the background;
	 * the server runs under tcpsafe so its children's exits cannot kill it */
	char *argv[] = {EXAMPLE("tcpserv03"), "-n", "5", NULL};
	proc_start(&s, WITH, argv, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	const char *without[] = {"LD_PRELOAD=" FAULTLIB, "FAULT_PLAN=connect:EINTR:1", NULL};
	int st = echo(port, "1", "0", without, WITHOUT, out, sizeof out);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "0x%x %s", st, out);
	const char *with[] = {"LD_PRELOAD=" LIBPATH ":" FAULTLIB,
	                      "FAULT_PLAN=connect:EINTR:1,send:EINTR:3,recv:EINTR:3", NULL};
	st = echo(port, "1", "0", with, WITHOUT, out, sizeof out);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "echoed 1"), "0x%x %s",
	              st, out);
	proc_kill(&s);
	unlink(s.err);
}
END_TEST

/* A retried call repeats the program's call exactly: flags and all (send
 * and recv keep their fourth argument in a shared stack slot).  libfault
 * fails the first send, recv, write and read with EINTR and compares the
 * next call's arguments. */
START_TEST(retry_repeats_the_arguments)
{
	char out[1024], report[256], repenv[300];
	char *argv[] = {HELPER("retryargs"), NULL};
	tmp_path(report, sizeof report, "faults");
	snprintf(repenv, sizeof repenv, "FAULT_REPORT=%s", report);
	const char *plan = "FAULT_PLAN=send:EINTR:1,recv:EINTR:1,write:EINTR:1,read:EINTR:1";
	const char *without[] = {"LD_PRELOAD=" FAULTLIB, plan, NULL};
	int st = run(WITHOUT, argv, without, out, sizeof out, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "0x%x %s", st, out);
	ck_assert_msg(strstr(out, "send r=-1 errno=EINTR") && strstr(out, "peek r=-1 errno=EINTR") &&
	                  strstr(out, "write r=-1 errno=EINTR"),
	              "without tcpsafe the faults must show:\n%s", out);
	const char *with[] = {"LD_PRELOAD=" LIBPATH ":" FAULTLIB, plan, repenv, NULL};
	st = run(WITHOUT, argv, with, out, sizeof out, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "0x%x %s", st, out);
	ck_assert_str_eq(out, "send r=2 errno=- data=\npeek r=2 errno=- data=ab\n"
	                      "recv r=2 errno=- data=ab\nwrite r=2 errno=- data=\n"
	                      "read r=2 errno=- data=cd\n");
	slurp(report, errbuf, BIG);
	ck_assert_msg(strstr(errbuf, "read 1\nwrite 1\nrecv 1\nsend 1\n") &&
	                  strstr(errbuf, "changed 0\n"),
	              "faults injected and retried: %s", errbuf);
	unlink(report);
}
END_TEST

/* ---- transparency: code that relies on EINTR ---------------------------- */

struct waitres {
	int ret, handled;
	long elapsed;
	char err[32];
};

static void interrupt_wait2(const char *call, const char *mode, int preload, const char *env1,
                            const char *env2, struct waitres *w)
{
	char out[512];
	char *argv[] = {HELPER("interrupt_wait"), (char *)call, (char *)mode, "500", NULL};
	const char *extra[] = {env1, env2, NULL};
	int st = run(preload, argv, extra, out, sizeof out, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s %s: status 0x%x %s", call, mode, st,
	              out);
	ck_assert_msg(sscanf(out, "call=%*s ret=%d errno=%31s elapsed_ms=%ld handled=%d", &w->ret,
	                     w->err, &w->elapsed, &w->handled) == 4,
	              "unparsable: %s", out);
}

static void interrupt_wait(const char *call, const char *mode, int preload, const char *env1,
                           struct waitres *w)
{
	interrupt_wait2(call, mode, preload, env1, NULL, w);
}

static const char *const timed_calls[] = {
	"poll", "ppoll", "select", "pselect", "epoll_wait", "epoll_pwait",
	"nanosleep", "clock_nanosleep", "usleep",
};

/* A SIGUSR1 handler (no SA_RESTART, every 50 ms): the call fails with EINTR
 * at once, with and without tcpsafe, in every mode but retry: the program
 * has a handler, so it must expect (and may rely on) the EINTR. */
START_TEST(timed_call_usr1_interrupts_both_ways)
{
	const char *call = timed_calls[_i];
	static const char *const modes[] = {NULL, "TCPSAFE_EINTR=auto", "TCPSAFE_EINTR=strict",
	                                    "TCPSAFE_EINTR=pass"};
	struct waitres a, b;
	interrupt_wait(call, "usr1", WITHOUT, NULL, &a);
	ck_assert_msg(a.ret == -1 && !strcmp(a.err, "EINTR") && a.elapsed < 300,
	              "%s without: ret=%d %s %ld ms", call, a.ret, a.err, a.elapsed);
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		interrupt_wait(call, "usr1", WITH, modes[m], &b);
		ck_assert_msg(b.ret == -1 && !strcmp(b.err, "EINTR") && b.elapsed < 300 &&
		                  b.handled == a.handled,
		              "%s with %s: ret=%d %s %ld ms handled=%d", call,
		              modes[m] ? modes[m] : "defaults", b.ret, b.err, b.elapsed, b.handled);
	}
}
END_TEST

/* TCPSAFE_EINTR=retry (tcpsafe 0.1's default, for servers that die of any
 * handler's EINTR): the call completes after its own timeout, not later. */
START_TEST(timed_call_retry_mode_keeps_the_timeout)
{
	const char *call = timed_calls[_i];
	struct waitres b;
	interrupt_wait(call, "usr1", WITH, "TCPSAFE_EINTR=retry", &b);
	ck_assert_msg(b.ret == 0 && b.handled >= 2, "%s with: ret=%d %s handled=%d", call, b.ret,
	              b.err, b.handled);
	ck_assert_msg(b.elapsed >= 480 && b.elapsed < 800, "%s with: %ld ms, expected ~500", call,
	              b.elapsed);
}
END_TEST

/* A plain blocking read interrupted by SIGUSR1's handler (no SA_RESTART):
 * EINTR both ways by default.  Retry mode adds SA_RESTART underneath the
 * program's handler, so the kernel restarts the read, which returns the
 * byte the helper's child writes at 500 ms; a signal in the pass set keeps
 * its EINTR even there. */
START_TEST(blocking_read_usr1)
{
	struct waitres a, b;
	interrupt_wait("read", "usr1", WITHOUT, NULL, &a);
	ck_assert_msg(a.ret == -1 && !strcmp(a.err, "EINTR"), "without: %d %s", a.ret, a.err);
	interrupt_wait("read", "usr1", WITH, NULL, &b);
	ck_assert_msg(b.ret == -1 && !strcmp(b.err, "EINTR") && b.handled == a.handled,
	              "with: %d %s %ld ms", b.ret, b.err, b.elapsed);
	interrupt_wait("read", "usr1", WITH, "TCPSAFE_EINTR=retry", &b);
	ck_assert_msg(b.ret == 1 && b.handled >= 2 && b.elapsed >= 480, "retry: %d %s %ld ms", b.ret,
	              b.err, b.elapsed);
	interrupt_wait2("read", "usr1", WITH, "TCPSAFE_EINTR=retry", "TCPSAFE_EINTR_PASS=USR1", &b);
	ck_assert_msg(b.ret == -1 && !strcmp(b.err, "EINTR"), "USR1 in pass set: %d %s", b.ret, b.err);
}
END_TEST

/* SIGALRM is in the pass set: the timeout still fires, both ways. */
START_TEST(timed_call_alarm_passes)
{
	const char *call = timed_calls[_i];
	struct waitres a, b;
	interrupt_wait(call, "alrm", WITHOUT, NULL, &a);
	interrupt_wait(call, "alrm", WITH, NULL, &b);
	ck_assert_msg(a.ret == -1 && !strcmp(a.err, "EINTR"), "%s without: %d %s", call, a.ret, a.err);
	ck_assert_msg(b.ret == -1 && !strcmp(b.err, "EINTR") && b.elapsed < 300,
	              "%s with: ret=%d %s %ld ms", call, b.ret, b.err, b.elapsed);
	/* and in retry mode with SIGALRM taken out of the pass set, it is retried */
	interrupt_wait2(call, "alrm", WITH, "TCPSAFE_EINTR=retry", "TCPSAFE_EINTR_PASS=TERM", &b);
	ck_assert_msg(b.ret == 0 && b.elapsed >= 480, "%s pass=TERM: ret=%d %s %ld ms", call, b.ret,
	              b.err, b.elapsed);
}
END_TEST

/* Stop and continue, no handler at all: epoll_wait returns EINTR on Linux. */
START_TEST(stop_continue_is_retried)
{
	struct waitres a, b;
	interrupt_wait("epoll_wait", "stop", WITHOUT, NULL, &a);
	ck_assert_msg(a.ret == -1 && !strcmp(a.err, "EINTR"), "without: %d %s", a.ret, a.err);
	interrupt_wait("epoll_wait", "stop", WITH, NULL, &b);
	ck_assert_msg(b.ret == 0 && b.elapsed >= 480 && b.elapsed < 900, "with: %d %s %ld ms", b.ret,
	              b.err, b.elapsed);
}
END_TEST

/* pause/sigsuspend return for the program's own handlers, as always. */
START_TEST(pause_returns_for_program_signals)
{
	static const char *const calls[] = {"pause", "sigsuspend"};
	for (int i = 0; i < 2; i++) {
		struct waitres a, b;
		interrupt_wait(calls[i], "usr1", WITHOUT, NULL, &a);
		interrupt_wait(calls[i], "usr1", WITH, NULL, &b);
		ck_assert_msg(a.ret == b.ret && !strcmp(a.err, b.err) && b.elapsed < 300,
		              "%s: without %d %s, with %d %s %ld ms", calls[i], a.ret, a.err, b.ret,
		              b.err, b.elapsed);
	}
}
END_TEST

START_TEST(alarm_read_times_out_both_ways)
{
	for (int preload = WITHOUT; preload <= WITH; preload++) {
		char out[256];
		char *argv[] = {HELPER("alarm_read"), NULL};
		int st = run(preload, argv, NULL, out, sizeof out, 10000);
		long ms = 0;
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "preload %d: 0x%x %s", preload, st,
		              out);
		ck_assert_msg(sscanf(out, "read=-1 errno=EINTR elapsed_ms=%ld", &ms) == 1, "%s", out);
		ck_assert_msg(ms >= 900 && ms < 1500, "preload %d: %ld ms", preload, ms);
	}
}
END_TEST

/* Waits (bounded) until pid's main thread is in accept(2) or accept4(2),
 * as /proc/PID/syscall tells: a SIGTERM sent before the call starts would
 * set the flag and leave the loop blocked in accept.  A fixed sleep was
 * not always long enough under memcheck. */
static void wait_in_accept(pid_t pid)
{
	char path[64], buf[64];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	for (long t0 = ms_now(); ms_now() - t0 < ts_ms(5000); usleep(10000)) {
		FILE *f = fopen(path, "r");
		if (!f)
			break; /* not readable here: the sleep below */
		int nr = fgets(buf, sizeof buf, f) ? atoi(buf) : -1;
		fclose(f);
#ifdef SYS_accept
		if (nr == SYS_accept)
			return;
#endif
		if (nr == SYS_accept4)
			return;
	}
	usleep((useconds_t)ts_ms(100) * 1000);
}

START_TEST(sigterm_flag_stops_accept_loop_both_ways)
{
	for (int preload = WITHOUT; preload <= WITH; preload++) {
		struct proc p;
		char line[128];
		char *argv[] = {HELPER("term_accept"), NULL};
		proc_start(&p, preload, argv, NULL);
		ck_assert_int_gt(proc_port(&p), 0);
		wait_in_accept(p.pid);
		long t0 = ms_now();
		kill(p.pid, SIGTERM);
		ck_assert_msg(proc_wait(&p, 1000) == 0, "preload %d: still running 1 s after SIGTERM",
		              preload);
		/* scaled like proc_wait's bound: memcheck's exit runs a leak check */
		ck_assert_msg(ms_now() - t0 < ts_ms(1000), "preload %d: %ld ms after SIGTERM", preload,
		              ms_now() - t0);
		ck_assert(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0);
		(void)line;
		unlink(p.err);
	}
}
END_TEST

START_TEST(interval_timer_interrupts_pause_both_ways)
{
	char a[256], b[256];
	char *argv[] = {HELPER("itimer_pause"), NULL};
	run_both(argv, a, b, sizeof a, 10000);
	long ma, mb;
	int ta, tb;
	ck_assert_msg(sscanf(a, "pauses=3 ticks=%d elapsed_ms=%ld", &ta, &ma) == 2, "%s", a);
	ck_assert_msg(sscanf(b, "pauses=3 ticks=%d elapsed_ms=%ld", &tb, &mb) == 2, "%s", b);
	ck_assert_int_eq(ta, tb);
	ck_assert_msg(mb >= 550 && mb < 900, "with: %ld ms", mb);
}
END_TEST

START_TEST(cancel_unwinds_through_wrappers)
{
	char out[1024];
	char *argv[] = {HELPER("cancel_read"), NULL};
	int st = run(WITH, argv, NULL, out, sizeof out, 10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "0x%x %s", st, out);
	ck_assert_msg(strstr(out, "canceled=1 cleanup=1"), "%s", out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("eintr");
	TCase *t = tcase_create("servers");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, tcpserv03_dies_without);
	tcase_add_test(t, tcpserv03_survives_with);
	tcase_add_test(t, tcpserv03_dies_with_eintr_pass);
	tcase_add_test(t, fortify_server_imports_read_chk);
	tcase_add_test(t, fortify_server_dies_without);
	tcase_add_test(t, fortify_server_survives_with);
	tcase_add_test(t, select_server_dies_without);
	tcase_add_test(t, select_server_survives_with);
	suite_add_tcase(s, t);

	t = tcase_create("faults");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, injected_faults_kill_without);
	tcase_add_test(t, injected_faults_all_served_with);
	tcase_add_test(t, injected_faults_kill_with_accept_pass);
	tcase_add_test(t, client_faults_both_ways);
	tcase_add_test(t, retry_repeats_the_arguments);
	suite_add_tcase(s, t);

	t = tcase_create("transparency");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	int n = (int)(sizeof timed_calls / sizeof timed_calls[0]);
	tcase_add_loop_test(t, timed_call_usr1_interrupts_both_ways, 0, n);
	tcase_add_loop_test(t, timed_call_retry_mode_keeps_the_timeout, 0, n);
	tcase_add_loop_test(t, timed_call_alarm_passes, 0, n);
	tcase_add_test(t, blocking_read_usr1);
	tcase_add_test(t, stop_continue_is_retried);
	tcase_add_test(t, pause_returns_for_program_signals);
	tcase_add_test(t, alarm_read_times_out_both_ways);
	tcase_add_test(t, sigterm_flag_stops_accept_loop_both_ways);
	tcase_add_test(t, interval_timer_interrupts_pause_both_ways);
	tcase_add_test(t, cancel_unwinds_through_wrappers);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return run_suite(suite()); }
