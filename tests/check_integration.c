/* Integration tests: every sample program runs without and with tcpsafe.
 * The "without" side must reproduce the failure (or the test proves
 * nothing); the "with" side must show it gone, and the log must name the
 * client by address and port. */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define BIG (8 << 20) /* a debug-level log of a threaded run exceeds 1 MiB */

static char *logbuf, *errbuf;

/* "-s" arguments: the examples' default replies, or more on a host whose
 * socket buffers are larger (the reply must outlast the buffers) */
static char reply32[32], reply8[32];

static void setup(void)
{
	snprintf(reply32, sizeof reply32, "%ld", ts_reply_size(32L << 20));
	snprintf(reply8, sizeof reply8, "%ld", ts_reply_size(8L << 20));
	logbuf = malloc(BIG);
	errbuf = malloc(BIG);
	signal(SIGPIPE, SIG_IGN); /* the runner itself must survive its pipes */
}

static void teardown(void)
{
	free(logbuf);
	free(errbuf);
}

/* Attack port with rst_client; collects the client ports it reported.
 * Returns the number of resets.  The servers attacked get a reply (-s)
 * larger than this machine's socket buffers can hold (ts_reply_size), and
 * never less than their default: loopback buffered 3.7 MiB here for a
 * peer that reads one byte, so a 4 MiB reply once finished before the RST
 * in CI and the error these tests look for never came. */
static int attack(int port, int count, int parallel, int ports[], int maxports)
{
	char ps[16], cs[16], js[16], out[65536];
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(cs, sizeof cs, "%d", count);
	snprintf(js, sizeof js, "%d", parallel);
	char *argv[] = {EXAMPLE("rst_client"), "-c", cs, "-j", js, "127.0.0.1", ps, NULL};
	run(WITHOUT, argv, NULL, out, sizeof out, 30000);
	int n = 0;
	for (char *l = out; (l = strstr(l, "reset 127.0.0.1:")); l++) {
		if (n < maxports)
			ports[n] = atoi(l + strlen("reset 127.0.0.1:"));
		n++;
	}
	return n;
}

static void assert_killed_by_sigpipe(struct proc *p)
{
	ck_assert_msg(proc_wait(p, 20000) == 0, "program did not end");
	ck_assert_msg(WIFSIGNALED(p->status) && WTERMSIG(p->status) == SIGPIPE,
	              "expected death by SIGPIPE, got status 0x%x", p->status);
}

static void assert_exit(struct proc *p, int code)
{
	ck_assert_msg(proc_wait(p, 20000) == 0, "program did not end");
	ck_assert_msg(WIFEXITED(p->status) && WEXITSTATUS(p->status) == code,
	              "expected exit %d, got status 0x%x", code, p->status);
}

/* The log holds an rst/epipe line for this client, with both addresses. */
static void assert_logged_peer(const char *log, int server_port, int client_port)
{
	char peer[64], local[64];
	snprintf(peer, sizeof peer, " peer=127.0.0.1:%d", client_port);
	snprintf(local, sizeof local, " local=127.0.0.1:%d", server_port);
	int found = 0;
	for (const char *l = log; (l = strstr(l, peer)); l++) {
		const char *start = l;
		while (start > log && start[-1] != '\n')
			start--;
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, start);
		if (strstr(line, local) && (strstr(line, "event=rst ") || strstr(line, "event=epipe ")))
			found = 1;
	}
	ck_assert_msg(found, "no rst/epipe line for client port %d in log:\n%.2000s", client_port, log);
}

/* ---- a server killed by SIGPIPE without, serving on with --------------- */

static void server_without(const char *prog, char *reply, int count, int parallel)
{
	struct proc s;
	char *argv[] = {(char *)prog, "-n", "100", "-s", reply, NULL};
	proc_start(&s, WITHOUT, argv, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[64];
	attack(port, count, parallel, ports, 64);
	assert_killed_by_sigpipe(&s);
	unlink(s.err);
}

static void server_with(const char *prog, char *reply, int rounds, int count, int parallel,
                        const char *env1, const char *env2)
{
	struct proc s;
	char n[16], logenv[300], line[128], want[32];
	int total = rounds * count;
	snprintf(n, sizeof n, "%d", total);
	char *argv[] = {(char *)prog, "-n", n, "-s", reply, NULL};
	tmp_path(s.log, sizeof s.log, "log");
	char logpath[256];
	snprintf(logpath, sizeof logpath, "%s", s.log);
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {logenv, env1, env2, NULL};
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[256], got = 0;
	/* one round at a time: after each, the server must still accept */
	for (int r = 0; r < rounds; r++)
		got += attack(port, count, parallel, ports + got, 256 - got);
	ck_assert_int_eq(got, total);
	snprintf(want, sizeof want, "served %d", total);
	ck_assert_msg(proc_read_line(&s, want, line, sizeof line, 20000) == 0, "no '%s'", want);
	assert_exit(&s, 0);
	/* all of it: a log cut at the buffer's end would look torn (a debug
	 * log grows with the reply, so with the host's socket buffers) */
	struct stat lst;
	ck_assert_int_eq(stat(logpath, &lst), 0);
	size_t lsz = (size_t)lst.st_size + 2 > BIG ? (size_t)lst.st_size + 2 : BIG;
	char *log = lsz > BIG ? malloc(lsz) : logbuf;
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(slurp(logpath, log, lsz) < lsz - 1, "log over %zu bytes", lsz);
	for (int i = 0; i < got && i < 256; i++)
		assert_logged_peer(log, port, ports[i]);
	int nl;
	char bad[2048];
	ck_assert_msg(all_lines_well_formed(log, &nl, bad, sizeof bad), "malformed line: %s", bad);
	if (env2) /* the concurrent debug run must really have produced volume */
		ck_assert_msg(nl > 1000, "only %d lines", nl);
	if (log != logbuf)
		free(log);
	unlink(logpath);
	unlink(s.err);
}

START_TEST(sigpipe_server_dies_without)
{
	server_without(EXAMPLE("sigpipe_server"), reply32, 1, 1);
}
END_TEST

START_TEST(sigpipe_server_survives_with)
{
	server_with(EXAMPLE("sigpipe_server"), reply32, 3, 1, 1, NULL, NULL);
}
END_TEST

START_TEST(dfl_server_dies_without)
{
	server_without(EXAMPLE("dfl_server"), reply32, 1, 1);
}
END_TEST

START_TEST(dfl_server_survives_with)
{
	server_with(EXAMPLE("dfl_server"), reply32, 2, 1, 1, NULL, NULL);
}
END_TEST

START_TEST(threaded_server_dies_without)
{
	server_without(EXAMPLE("threaded_server"), reply8, 16, 16);
}
END_TEST

/* 16 threads logging every error at once, no rate limit: no line may
 * tear. */
START_TEST(threaded_server_survives_with_untorn_log)
{
	server_with(EXAMPLE("threaded_server"), reply8, 2, 16, 16, "TCPSAFE_LOG_RATE=0",
	            "TCPSAFE_LOG_LEVEL=debug");
}
END_TEST

/* ---- a client writing after the server closed ---------------------------- */

static void writer_case(int preload)
{
	struct proc srv, cli;
	char ps[16], logenv[300], logpath[256];
	char *sargv[] = {EXAMPLE("close_server"), "-n", "1", NULL};
	proc_start(&srv, WITHOUT, sargv, NULL);
	int port = proc_port(&srv);
	ck_assert_int_gt(port, 0);
	snprintf(ps, sizeof ps, "%d", port);
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {logenv, NULL};
	/* 200 ms before each line (not 20): close_server must have closed
	 * before line 1 even on a loaded machine, or the RST comes from its
	 * close and line 2 gets ECONNRESET, no SIGPIPE (writer_client.c) */
	char *cargv[] = {EXAMPLE("writer_client"), "-i", "200", "127.0.0.1", ps, NULL};
	proc_start(&cli, preload, cargv, extra);
	if (!preload) {
		assert_killed_by_sigpipe(&cli);
	} else {
		assert_exit(&cli, 1);
		slurp(cli.err, errbuf, BIG);
		ck_assert_msg(strstr(errbuf, "write error: Broken pipe"), "stderr: %s", errbuf);
		slurp(logpath, logbuf, BIG);
		char peer[64];
		snprintf(peer, sizeof peer, "peer=127.0.0.1:%d", port);
		ck_assert_msg(strstr(logbuf, "event=epipe call=write") && strstr(logbuf, peer),
		              "log: %s", logbuf);
	}
	assert_exit(&srv, 0);
	unlink(logpath);
	unlink(cli.err);
	unlink(srv.err);
}

START_TEST(writer_client_dies_without) { writer_case(WITHOUT); }
END_TEST

START_TEST(writer_client_errors_with) { writer_case(WITH); }
END_TEST

/* ---- switches ------------------------------------------------------------ */

static void one_attack_expect_sigpipe(const char *env1)
{
	struct proc s;
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "2", "-s", reply32, NULL};
	const char *extra[] = {env1, NULL};
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[4];
	attack(port, 1, 1, ports, 4);
	assert_killed_by_sigpipe(&s);
	unlink(s.err);
}

START_TEST(disable_restores_the_failure) { one_attack_expect_sigpipe("TCPSAFE_DISABLE=1"); }
END_TEST

START_TEST(sigpipe_default_restores_the_failure) { one_attack_expect_sigpipe("TCPSAFE_SIGPIPE=default"); }
END_TEST

/* ---- bad configuration: one warning each, defaults apply ------------------ */

static const char *const bad_values[][2] = {
	{"TCPSAFE_LOG_LEVEL", "loud"},     {"TCPSAFE_LOG_LEVEL", ""},
	{"TCPSAFE_LOG_RATE", "-5"},        {"TCPSAFE_LOG_RATE", "99999999999999999999999"},
	{"TCPSAFE_LOG_RATE", "12abc"},     {"TCPSAFE_SIGPIPE", "maybe"},
	{"TCPSAFE_DISABLE", "2"},          {"TCPSAFE_LOG", "relative/path.log"},
	{"TCPSAFE_LOG", ""},               {"TCPSAFE_SYSLOG_SOCKET", "dev/log"},
	{"TCPSAFE_LOG_LEVEL", "\xff\xfe info"},
};

START_TEST(bad_variable_warns_once_and_defaults_apply)
{
	const char *var = bad_values[_i][0], *val = bad_values[_i][1];
	char env1[256], want[300];
	snprintf(env1, sizeof env1, "%s=%s", var, val);
	struct proc s;
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "1", "-s", reply32, NULL};
	const char *extra[] = {env1, NULL};
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[4];
	ck_assert_int_eq(attack(port, 1, 1, ports, 4), 1);
	assert_exit(&s, 0); /* defaults still protect */
	slurp(s.err, errbuf, BIG);
	snprintf(want, sizeof want, "event=config var=%s ", var);
	ck_assert_msg(count_lines_with(errbuf, want) == 1, "want one warning for %s: %s", var, errbuf);
	ck_assert_int_eq(count_lines_with(errbuf, "event=config"), 1);
	ck_assert_int_eq(count_lines_with(errbuf, "accepted: "), 1);
	/* defaults: info level with the events on stderr */
	ck_assert_int_ge(count_lines_with(errbuf, "event=rst") + count_lines_with(errbuf, "event=epipe"), 1);
	unlink(s.err);
}
END_TEST

/* ---- where lines go -------------------------------------------------------- */

static int bind_dgram(char *path, size_t sz)
{
	struct sockaddr_un sun;
	tmp_path(path, sz, "syslog");
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

static int drain_dgrams(int fd, char *buf, size_t sz)
{
	int n = 0;
	size_t used = 0;
	for (;;) {
		ssize_t r = recv(fd, buf + used, sz - used - 1, 0);
		if (r <= 0)
			break;
		used += (size_t)r;
		buf[used++] = '\n';
		n++;
		if (used + 2 >= sz)
			break;
	}
	buf[used] = '\0';
	return n;
}

/* inetd-style: fd 2 is a socket.  Never write there; use syslog. */
START_TEST(fd2_socket_gets_nothing_syslog_gets_the_lines)
{
	char sockpath[256], env1[300];
	int sl = bind_dgram(sockpath, sizeof sockpath);
	int sp[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	snprintf(env1, sizeof env1, "TCPSAFE_SYSLOG_SOCKET=%s", sockpath);
	const char *extra[] = {env1, NULL};
	struct proc s;
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "1", "-s", reply32, NULL};
	proc_start_fd2(&s, WITH, argv, extra, sp[1]);
	close(sp[1]);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[4];
	ck_assert_int_eq(attack(port, 1, 1, ports, 4), 1);
	assert_exit(&s, 0);
	char b[16];
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	ssize_t r = read(sp[0], b, sizeof b);
	ck_assert_msg(r == 0, "fd 2 socket received %zd bytes", r);
	int n = drain_dgrams(sl, logbuf, BIG);
	ck_assert_int_ge(n, 1);
	ck_assert_msg(!strncmp(logbuf, "<30>tcpsafe[", 12), "syslog got: %.200s", logbuf);
	char peer[64];
	snprintf(peer, sizeof peer, "peer=127.0.0.1:%d", ports[0]);
	ck_assert_msg(strstr(logbuf, peer), "syslog lines lack %s", peer);
	close(sl);
	close(sp[0]);
	unlink(sockpath);
}
END_TEST

/* A daemon closed stderr and fd 2 now holds its data file: our lines go
 * to syslog, the file keeps exactly what the program wrote. */
START_TEST(fd2_reused_by_a_data_file_is_not_written)
{
	char sockpath[256], env1[300], data[256], ps[16];
	int sl = bind_dgram(sockpath, sizeof sockpath);
	snprintf(env1, sizeof env1, "TCPSAFE_SYSLOG_SOCKET=%s", sockpath);
	struct proc srv, cli;
	char *sargv[] = {EXAMPLE("close_server"), "-n", "1", NULL};
	proc_start(&srv, WITHOUT, sargv, NULL);
	int port = proc_port(&srv);
	ck_assert_int_gt(port, 0);
	snprintf(ps, sizeof ps, "%d", port);
	tmp_path(data, sizeof data, "data");
	char *cargv[] = {HELPER("fd2reuse"), data, ps, NULL};
	const char *extra[] = {env1, NULL};
	proc_start(&cli, WITH, cargv, extra);
	assert_exit(&cli, 0);
	assert_exit(&srv, 0);
	slurp(data, errbuf, BIG);
	ck_assert_str_eq(errbuf, "DATA\nEND\n");
	ck_assert_int_ge(drain_dgrams(sl, logbuf, BIG), 1);
	ck_assert_msg(strstr(logbuf, "event=rst") || strstr(logbuf, "event=epipe"), "%s", logbuf);
	close(sl);
	unlink(sockpath);
	unlink(data);
	unlink(cli.err);
	unlink(srv.err);
}
END_TEST

/* An fd number reused behind our back must not carry the old peer. */
START_TEST(reused_fd_never_shows_a_stale_peer)
{
	char out[512];
	char *argv[] = {HELPER("stalepeer"), NULL};
	struct proc p;
	proc_start(&p, WITH, argv, NULL);
	ck_assert_int_eq(proc_read_line(&p, "old peer port ", out, sizeof out, 5000), 0);
	int port = atoi(out + strlen("old peer port "));
	assert_exit(&p, 0);
	slurp(p.err, errbuf, BIG);
	ck_assert_msg(count_lines_with(errbuf, "event=epipe call=write") == 1, "%s", errbuf);
	char old[64];
	snprintf(old, sizeof old, ":%d", port);
	ck_assert_msg(!strstr(errbuf, "peer="), "stale peer (old port %d) in: %s", port, errbuf);
	unlink(p.err);
}
END_TEST

/* What a vfork() or clone(CLONE_VM) child does to its own descriptors
 * (dup2 over another connection, close) leaves the parent's peers as they
 * were. */
static void borrower_leaves_the_parents_peers(const char *how)
{
	char out[512], want[2][96];
	int fd[2], port[2];
	char *argv[] = {HELPER("vforkpeer"), (char *)how, NULL};
	struct proc p;
	proc_start(&p, WITH, argv, NULL);
	ck_assert_int_eq(proc_read_line(&p, "fds ", out, sizeof out, 5000), 0);
	ck_assert_int_eq(sscanf(out, "fds %d %d ports %d %d", &fd[0], &fd[1], &port[0], &port[1]), 4);
	assert_exit(&p, 0);
	slurp(p.err, errbuf, BIG);
	ck_assert_msg(count_lines_with(errbuf, "event=rst call=read") == 2, "%s", errbuf);
	for (int i = 0; i < 2; i++) {
		snprintf(want[i], sizeof want[i], " fd=%d errno=ECONNRESET ", fd[i]);
		const char *line = strstr(errbuf, want[i]);
		ck_assert_msg(line, "no line for fd %d in:\n%s", fd[i], errbuf);
		size_t len = strcspn(line, "\n");
		snprintf(want[i], sizeof want[i], " peer=127.0.0.1:%d", port[i]);
		ck_assert_msg(len >= strlen(want[i]) &&
		                  !strncmp(line + len - strlen(want[i]), want[i], strlen(want[i])),
		              "fd %d: want%s at the end of its line in:\n%s", fd[i], want[i], errbuf);
	}
	unlink(p.err);
}

START_TEST(vfork_child_leaves_the_parents_peers) { borrower_leaves_the_parents_peers("vfork"); }
END_TEST

/* Not under memcheck, which runs only the clone()s of fork and of thread
 * libraries ("Unsupported clone() flags" stops the program); make check
 * runs it. */
START_TEST(clone_vm_child_leaves_the_parents_peers)
{
	const char *vg = getenv("TS_VALGRIND");
	if (vg && !strcmp(vg, "1"))
		return;
	borrower_leaves_the_parents_peers("clone");
}
END_TEST

START_TEST(syslog_destination)
{
	char sockpath[256], env1[300];
	int sl = bind_dgram(sockpath, sizeof sockpath);
	snprintf(env1, sizeof env1, "TCPSAFE_SYSLOG_SOCKET=%s", sockpath);
	const char *extra[] = {env1, "TCPSAFE_LOG=syslog", NULL};
	struct proc s;
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "1", "-s", reply32, NULL};
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	int ports[4];
	ck_assert_int_eq(attack(port, 1, 1, ports, 4), 1);
	assert_exit(&s, 0);
	ck_assert_int_ge(drain_dgrams(sl, logbuf, BIG), 1);
	ck_assert(strstr(logbuf, "event=rst") || strstr(logbuf, "event=epipe"));
	slurp(s.err, errbuf, BIG);
	ck_assert_msg(!strstr(errbuf, "lib=tcpsafe"), "stderr got lines: %s", errbuf);
	close(sl);
	unlink(sockpath);
	unlink(s.err);
}
END_TEST

START_TEST(log_none_and_levels)
{
	struct proc s;
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "1", "-s", reply32, NULL};
	static const char *const cases[][2] = {
		{"TCPSAFE_LOG=none", NULL}, {"TCPSAFE_LOG_LEVEL=warn", NULL},
		{"TCPSAFE_LOG_LEVEL=debug", "action=suppressed"},
	};
	for (size_t i = 0; i < 3; i++) {
		const char *extra[] = {cases[i][0], NULL};
		proc_start(&s, WITH, argv, extra);
		int port = proc_port(&s);
		int ports[4];
		ck_assert_int_eq(attack(port, 1, 1, ports, 4), 1);
		assert_exit(&s, 0);
		slurp(s.err, errbuf, BIG);
		if (cases[i][1]) {
			ck_assert_msg(strstr(errbuf, "event=signal sig=SIGPIPE action=suppressed"),
			              "%s: %.500s", cases[i][0], errbuf);
			ck_assert(strstr(errbuf, "level=debug"));
		} else {
			ck_assert_msg(!strstr(errbuf, "lib=tcpsafe"), "%s: %.500s", cases[i][0], errbuf);
		}
		unlink(s.err);
	}
}
END_TEST

/* A reset learnt through getsockopt(SO_ERROR), by a program that rewrote
 * argv[0] for its title: the line is written, with the program's name as
 * it was at start-up; the program sees the same SO_ERROR both ways. */
START_TEST(so_error_reset_logged_under_the_start_up_name)
{
	char a[256], b[256], logpath[256], logenv[300];
	char *argv[] = {HELPER("retitle"), NULL};
	ck_assert_int_eq(run(WITHOUT, argv, NULL, a, sizeof a, 10000), 0);
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {logenv, NULL};
	ck_assert_int_eq(run(WITH, argv, extra, b, sizeof b, 10000), 0);
	ck_assert_str_eq(a, "title=rewritten so_error=ECONNRESET\n");
	ck_assert_str_eq(a, b);
	slurp(logpath, errbuf, BIG);
	unlink(logpath);
	ck_assert_msg(strstr(errbuf, " prog=retitle ") &&
	                  strstr(errbuf, "event=rst call=getsockopt fd=") &&
	                  !strstr(errbuf, "worker"),
	              "%.600s", errbuf);
}
END_TEST

/* 10 resetting clients make ~30 lines; at 5 per second the rest must be
 * counted in event=ratelimit lines, not silently lost. */
START_TEST(rate_limit_counts_what_it_drops)
{
	struct proc s;
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "10", "-s", reply32, NULL};
	const char *extra[] = {"TCPSAFE_LOG_RATE=5", NULL};
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	int ports[16];
	ck_assert_int_eq(attack(port, 10, 1, ports, 16), 10);
	assert_exit(&s, 0);
	slurp(s.err, errbuf, BIG);
	int logged = count_lines_with(errbuf, "event=rst") + count_lines_with(errbuf, "event=epipe") +
	             count_lines_with(errbuf, "event=repeats");
	long suppressed = 0;
	int windows = 0;
	for (const char *p = errbuf; (p = strstr(p, "event=ratelimit suppressed=")); p++) {
		suppressed += atol(p + strlen("event=ratelimit suppressed="));
		windows++;
	}
	ck_assert_msg(windows >= 1, "no ratelimit line: %.1000s", errbuf);
	ck_assert_int_le(logged, 5 * (windows + 1));
	ck_assert_msg(logged + suppressed >= 20, "logged %d + suppressed %ld", logged, suppressed);
	unlink(s.err);
}
END_TEST

/* ---- signals seen by exec'd children and by pipelines ---------------------- */

START_TEST(exec_child_sees_sigpipe_default)
{
	char a[4096], b[4096];
	char *argv[] = {HELPER("execcheck"), NULL};
	run_both(argv, a, b, sizeof a, 10000);
	ck_assert_msg(strstr(b, "parent readback SIGPIPE=DFL"), "%s", b);
	ck_assert_msg(strstr(b, "child SIGPIPE ignored=0 caught=0"), "%s", b);
	ck_assert_str_eq(a, b);
}
END_TEST

/* A shell under tcpsafe (LD_PRELOAD inherited) must still end pipelines
 * by SIGPIPE: tcpsafe protects sockets, not pipes. */
START_TEST(pipelines_still_end_by_sigpipe)
{
	char out[4096], a[4096];
	char *argv[] = {"/bin/sh", "-c",
	                "while :; do echo x; done | head -1; yes | head -1 >/dev/null; echo end", NULL};
	run_both(argv, a, out, sizeof out, 10000); /* a hang would be a timeout */
	ck_assert_str_eq(a, "x\nend\n");
	ck_assert_str_eq(out, "x\nend\n");
	int st;
	/* a SIGPIPE the program sends itself is not a socket's: default */
	char *argv2[] = {"/bin/sh", "-c", "kill -PIPE $$; echo survived", NULL};
	for (int preload = WITHOUT; preload <= WITH; preload++) {
		st = run(preload, argv2, NULL, out, sizeof out, 10000);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "preload %d: 0x%x %s",
		              preload, st, out);
	}
}
END_TEST

/* stdio writes are invisible to our write wrapper: the SIGPIPE tells.  On
 * x86-64 the handler reads the socket from the interrupted call and logs
 * the EPIPE with its peer; elsewhere it is counted as call=unknown. */
static void stdio_case(int preload)
{
	struct proc srv, cli;
	char ps[16];
	char *sargv[] = {EXAMPLE("close_server"), "-n", "1", NULL};
	proc_start(&srv, WITHOUT, sargv, NULL);
	int port = proc_port(&srv);
	ck_assert_int_gt(port, 0);
	snprintf(ps, sizeof ps, "%d", port);
	char *cargv[] = {HELPER("stdio_client"), "127.0.0.1", ps, NULL};
	proc_start(&cli, preload, cargv, NULL);
	if (!preload) {
		assert_killed_by_sigpipe(&cli);
	} else {
		assert_exit(&cli, 1);
		slurp(cli.err, errbuf, BIG);
#if defined(__x86_64__)
		char peer[64];
		snprintf(peer, sizeof peer, "peer=127.0.0.1:%d", port);
		ck_assert_msg(strstr(errbuf, "event=epipe call=write") && strstr(errbuf, peer), "%s",
		              errbuf);
		ck_assert_int_eq(count_lines_with(errbuf, "event=epipe"), 1);
#else
		ck_assert_msg(strstr(errbuf, "event=sigpipe call=unknown count=1"), "%s", errbuf);
#endif
		ck_assert_msg(strstr(errbuf, "stdio write error"), "%s", errbuf);
	}
	assert_exit(&srv, 0);
	unlink(cli.err);
	unlink(srv.err);
}

START_TEST(stdio_client_dies_without) { stdio_case(WITHOUT); }
END_TEST

START_TEST(stdio_client_counted_with) { stdio_case(WITH); }
END_TEST

/* ---- signal API read-back is identical ------------------------------------ */

START_TEST(signal_readback_identical)
{
	char *a = malloc(BIG), *b = malloc(BIG);
	char *argv[] = {HELPER("sigreadback"), NULL};
	run_both(argv, a, b, BIG, 10000);
	ck_assert_int_gt(strlen(a), 100);
	const char *y, *x = first_difference(a, b, &y);
	if (x)
		ck_abort_msg("read-back differs at:\nwithout: %.200s\nwith:    %.200s", x, y);
	free(a);
	free(b);
}
END_TEST

/* ---- the launcher ------------------------------------------------------------ */

START_TEST(launcher_basics)
{
	char out[8192];
	char *v[] = {LAUNCHER, "--version", NULL};
	int st = run(WITHOUT, v, NULL, out, sizeof out, 5000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(!strncmp(out, "tcpsafe ", 8), "%s", out);

	char *h[] = {LAUNCHER, "--help", NULL};
	st = run(WITHOUT, h, NULL, out, sizeof out, 5000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(strstr(out, "--log=DEST"));

	char *missing[] = {LAUNCHER, "/nonexistent/program", NULL};
	st = run(WITHOUT, missing, NULL, out, sizeof out, 5000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);

	char *bad[] = {LAUNCHER, "--bogus", "true", NULL};
	st = run(WITHOUT, bad, NULL, out, sizeof out, 5000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);

	/* the program's own exit status and death signal */
	char *ex[] = {LAUNCHER, "--", "/bin/sh", "-c", "exit 7", NULL};
	st = run(WITHOUT, ex, NULL, out, sizeof out, 5000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	char *sig[] = {LAUNCHER, "/bin/sh", "-c", "kill -TERM $$", NULL};
	st = run(WITHOUT, sig, NULL, out, sizeof out, 5000);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}
END_TEST

START_TEST(launcher_prepends_and_sets_variables)
{
	char out[8192];
	const char *extra[] = {"LD_PRELOAD=libdoesnotexist-xyz.so", NULL};
	char *argv[] = {LAUNCHER, "--log=none", "--no-sigpipe", "--log-level=debug", "--eintr=strict",
	                "--eintr-pass=TERM,USR1", "--accept=pass", "--reap=off", "--reap-cache=64",
	                "/bin/sh", "-c",
	                "echo \"$LD_PRELOAD|$TCPSAFE_LOG|$TCPSAFE_SIGPIPE|$TCPSAFE_LOG_LEVEL|"
	                "$TCPSAFE_EINTR|$TCPSAFE_EINTR_PASS|$TCPSAFE_ACCEPT|$TCPSAFE_REAP|"
	                "$TCPSAFE_REAP_CACHE\"", NULL};
	int st = run(WITHOUT, argv, extra, out, sizeof out, 5000);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(strstr(out, "libtcpsafe.so:libdoesnotexist-xyz.so|none|default|debug|strict|TERM,USR1|pass|off|64"), "%s", out);
#ifdef TS_ASAN_RUNTIME
	/* sanitized build: the harness put ASan's runtime first, where the
	 * launcher must keep it, and our absolute path comes next */
	ck_assert_msg(!strncmp(out, TS_ASAN_RUNTIME ":/", strlen(TS_ASAN_RUNTIME) + 2),
	              "ASan runtime not first, or library path not absolute: %s", out);
#else
	ck_assert_msg(out[0] == '/', "library path not absolute: %s", out);
#endif
}
END_TEST

START_TEST(launcher_runs_the_demo_server)
{
	struct proc s;
	char *argv[] = {LAUNCHER, EXAMPLE("sigpipe_server"), "-n", "2", "-s", reply32, NULL};
	proc_start(&s, WITHOUT, argv, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[4];
	ck_assert_int_eq(attack(port, 2, 1, ports, 4), 2);
	assert_exit(&s, 0);
	slurp(s.err, errbuf, BIG);
	assert_logged_peer(errbuf, port, ports[0]);
	assert_logged_peer(errbuf, port, ports[1]);
	unlink(s.err);
}
END_TEST

/* Calls that arrive before our constructor: another preloaded library's
 * constructor writes and installs a handler; then the program is still
 * protected. */
START_TEST(calls_before_our_constructor)
{
	struct proc s;
	char line[256];
	const char *extra[] = {"LD_PRELOAD=" LIBPATH ":" TS_BUILDDIR "/tests/helpers/.libs/libearly.so",
	                       NULL};
	char *argv[] = {EXAMPLE("sigpipe_server"), "-n", "1", "-s", reply32, NULL};
	proc_start(&s, WITHOUT, argv, extra);
	ck_assert_int_eq(proc_read_line(&s, "early: write ok", line, sizeof line, 5000), 0);
	ck_assert_int_eq(proc_read_line(&s, "early: handler", line, sizeof line, 5000), 0);
	ck_assert_str_eq(line, "early: handler ok");
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int ports[4];
	ck_assert_int_eq(attack(port, 1, 1, ports, 4), 1);
	assert_exit(&s, 0);
	slurp(s.err, errbuf, BIG);
	assert_logged_peer(errbuf, port, ports[0]);
	unlink(s.err);
}
END_TEST

/* A call that comes before libc's own initialisation (an executable's
 * preinit_array, as ASan's runtime does) must not make tcpsafe read an empty
 * environment: the configuration given still applies. */
START_TEST(config_applies_when_called_before_libc_init)
{
	char out[256];
	char *argv[] = {HELPER("preinit"), NULL};
	const char *extra[] = {"TCPSAFE_LOG_LEVEL=bogus", NULL};
	struct proc p;
	proc_start(&p, WITH, argv, extra);
	ck_assert_int_eq(proc_read_line(&p, "preinit: ", out, sizeof out, 5000), 0);
	ck_assert_str_eq(out, "preinit: sigaction=0");
	assert_exit(&p, 0);
	slurp(p.err, errbuf, BIG);
	ck_assert_msg(count_lines_with(errbuf, "event=config var=TCPSAFE_LOG_LEVEL ") == 1 &&
	                  count_lines_with(errbuf, "prog=preinit ") == 1,
	              "want one warning from prog=preinit: %s", errbuf);
	unlink(p.err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("integration");
	struct {
		const char *name;
		const TTest *tests[10];
	} groups[] = {
		{"sigpipe", {sigpipe_server_dies_without, sigpipe_server_survives_with,
		             dfl_server_dies_without, dfl_server_survives_with,
		             writer_client_dies_without, writer_client_errors_with, NULL}},
		{"threads", {threaded_server_dies_without, threaded_server_survives_with_untorn_log, NULL}},
		{"switches", {disable_restores_the_failure, sigpipe_default_restores_the_failure, NULL}},
		{"log", {fd2_socket_gets_nothing_syslog_gets_the_lines,
		         fd2_reused_by_a_data_file_is_not_written, reused_fd_never_shows_a_stale_peer,
		         vfork_child_leaves_the_parents_peers, clone_vm_child_leaves_the_parents_peers,
		         syslog_destination, log_none_and_levels, rate_limit_counts_what_it_drops,
		         so_error_reset_logged_under_the_start_up_name, NULL}},
		{"transparency", {exec_child_sees_sigpipe_default, pipelines_still_end_by_sigpipe,
		                  stdio_client_dies_without, stdio_client_counted_with,
		                  signal_readback_identical, calls_before_our_constructor,
		                  config_applies_when_called_before_libc_init, NULL}},
		{"launcher", {launcher_basics, launcher_prepends_and_sets_variables,
		              launcher_runs_the_demo_server, NULL}},
	};
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		TCase *tc = tcase_create(groups[g].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 120);
		for (int i = 0; groups[g].tests[i]; i++)
			tcase_add_test(tc, groups[g].tests[i]);
		suite_add_tcase(s, tc);
	}
	TCase *cfg = tcase_create("config");
	tcase_add_checked_fixture(cfg, setup, teardown);
	tcase_set_timeout(cfg, 120);
	tcase_add_loop_test(cfg, bad_variable_warns_once_and_defaults_apply, 0,
	                    (int)(sizeof bad_values / sizeof bad_values[0]));
	suite_add_tcase(s, cfg);
	return s;
}

int main(void) { return run_suite(suite()); }
