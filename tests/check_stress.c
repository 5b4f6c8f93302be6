/* Stress, load and descriptor exhaustion, each proven both ways where the
 * failure is tcpsafe's to prevent:
 *  - storm: 32 threads in blocking I/O on connections their peers reset
 *    at random, thousands of signals a second (SIGUSR1 in the EINTR pass
 *    set, SIGUSR2 not, SIGCHLD from children forked without pause whose
 *    every status must come back exactly once).  Without tcpsafe the
 *    program dies by SIGPIPE or on an EINTR it cannot expect; with it, it
 *    runs to the end with every byte echoed, every status delivered once,
 *    every EINTR the program asked for handed over, and a log whose lines
 *    are whole and account for every reset.
 *  - load: a fork-per-connection echo server (tcpserv01) serves thousands
 *    of short connections, a tenth of them reset while it writes: no
 *    zombie, flat memory, and one log line (or one count of the rate
 *    limiter) per reset.  Without tcpsafe every child stays a zombie.
 *  - fd exhaustion: a thread-per-connection server under RLIMIT_NOFILE 32
 *    exits on accept's EMFILE without tcpsafe, and with it waits, serves
 *    the clients left waiting once descriptors are free, and says so.
 * Figures measured are printed on stderr ("figures: ...").
 * TS_LONG_TESTS=1 runs the long versions (20,000 connections, 20 s storms). */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "helpers/procscan.h"

#define PASS_USR1 "TCPSAFE_EINTR_PASS=ALRM,VTALRM,INT,TERM,QUIT,USR1"
/* The storm's SIGUSR2 and SIGCHLD handlers only count (no reaping, no
 * SA_RESTART) and any EINTR they cause is fatal to it: the default policy
 * passes those on, as without tcpsafe, so the storm asks for retry mode,
 * what an operator chooses for such a program. */
#define RETRY_MODE "TCPSAFE_EINTR=retry"

static char *errbuf;
#define ERRSZ (1 << 20)

static void setup(void)
{
	errbuf = malloc(ERRSZ);
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void) { free(errbuf); }

static int long_mode(void)
{
	const char *v = getenv("TS_LONG_TESTS");
	return v && !strcmp(v, "1");
}

static long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* The value of " key=" (or "key=" at the start) in text, or -1. */
static long field(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl)
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[kl] == '=')
			return atol(p + kl + 1);
	return -1;
}

/* A whole file, malloc'ed and NUL-terminated. */
static char *slurp_all(const char *path)
{
	struct stat st;
	size_t sz = stat(path, &st) == 0 ? (size_t)st.st_size + 1 : 1;
	char *b = malloc(sz);
	ck_assert(b != NULL);
	slurp(path, b, sz);
	return b;
}

static void assert_log_well_formed(const char *log, int *nlines)
{
	char bad[512];
	ck_assert_msg(all_lines_well_formed(log, nlines, bad, sizeof bad), "torn or bad log line: %s",
	              bad);
}

/* Copies the line at *text into one (cut to sz - 1 bytes) and moves *text
 * past it; 0 at the end. */
static int next_line(const char **text, char *one, size_t sz)
{
	const char *line = *text;
	if (!*line)
		return 0;
	const char *nl = strchr(line, '\n');
	size_t len = nl ? (size_t)(nl - line) : strlen(line);
	*text = line + len + (nl ? 1 : 0);
	if (len >= sz)
		len = sz - 1;
	memcpy(one, line, len);
	one[len] = '\0';
	return 1;
}

/* Lines of text holding a (linear, unlike a strstr over the whole text). */
static long lines_with(const char *text, const char *a)
{
	long n = 0;
	char one[2048];
	while (next_line(&text, one, sizeof one))
		n += strstr(one, a) != NULL;
	return n;
}

/* Lines of text holding both a and b. */
static long lines_with_both(const char *text, const char *a, const char *b)
{
	long n = 0;
	char one[2048];
	while (next_line(&text, one, sizeof one))
		n += strstr(one, a) && strstr(one, b);
	return n;
}

/* Sum of key over the log lines holding what (and, if pid > 0, from pid;
 * if pid < 0, from any other pid than -pid). */
static long sum_over(const char *log, const char *what, const char *key, long pid)
{
	long sum = 0;
	char one[2048];
	while (next_line(&log, one, sizeof one)) {
		long p = field(one, "pid");
		if (strstr(one, what) && (pid == 0 || (pid > 0 && p == pid) || (pid < 0 && p != -pid)))
			sum += key ? field(one, key) : 1;
	}
	return sum;
}

/* "exit 1" or "killed by SIGPIPE", for messages. */
static const char *how(int st)
{
	static char b[64];
	if (WIFEXITED(st))
		snprintf(b, sizeof b, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, sizeof b, "killed by SIG%s", sigabbrev_np(WTERMSIG(st)));
	else
		snprintf(b, sizeof b, "status 0x%x", st);
	return b;
}

/* ---- storm: threads, signals, resets, forks ---------------------------------- */

static int storm_ms(void) { return long_mode() ? 20000 : 2500; }

/* Runs sigstorm; returns its wait status, its last stdout line in out,
 * stderr in errbuf. */
static int storm(int preload, const char *flags, const char *const extra[], char *out,
                 size_t outsz)
{
	char ms[16];
	snprintf(ms, sizeof ms, "%d", storm_ms());
	char *argv[] = {HELPER("sigstorm"), "-t", "32", "-d", ms, (char *)flags, NULL};
	if (!flags)
		argv[5] = NULL;
	struct proc p;
	proc_start(&p, preload, argv, extra);
	out[0] = '\0';
	if (proc_read_line(&p, "result ", out, outsz, storm_ms() + 60000) < 0)
		out[0] = '\0';
	ck_assert_msg(proc_wait(&p, storm_ms() + 60000) == 0, "sigstorm hung (killed)");
	slurp(p.err, errbuf, ERRSZ);
	unlink(p.err);
	return p.status;
}

/* The checks that hold both ways when the program survives. */
static void assert_storm_sound(const char *r)
{
	ck_assert_msg(field(r, "conns") > 0 && field(r, "completed") > 0 && field(r, "resets") > 0,
	              "%s", r);
	ck_assert_msg(field(r, "mismatches") == 0 && field(r, "eof_early") == 0 &&
	                  field(r, "peer_errors") == 0,
	              "bytes lost, duplicated or altered: %s", r);
	ck_assert_msg(field(r, "peer_resets") == field(r, "resets") + field(r, "connect_resets"),
	              "a reset not seen by its worker: %s", r);
	ck_assert_msg(field(r, "forks") > 0 && field(r, "statuses") == field(r, "forks") &&
	                  field(r, "dup") == 0 && field(r, "lost") == 0 && field(r, "wrong") == 0 &&
	                  field(r, "extra") == 0,
	              "exit statuses not delivered exactly once: %s", r);
	ck_assert_msg(field(r, "sig_usr1") > 0 && field(r, "sig_usr2") > 0 && field(r, "sig_chld") > 0,
	              "%s", r);
}

/* EINTR tolerated, SIGPIPE left alone: the goodbye write after the first
 * reset kills the program. */
START_TEST(storm_dies_by_sigpipe_without)
{
	char r[2048];
	int st = storm(WITHOUT, "-i", NULL, r, sizeof r);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	              "expected death by SIGPIPE, %s: %s %.300s", how(st), r, errbuf);
}
END_TEST

/* SIGPIPE ignored, EINTR fatal: SIGUSR2's or SIGCHLD's handler, installed
 * without SA_RESTART, interrupts a blocking call. */
START_TEST(storm_dies_on_eintr_without)
{
	char r[2048];
	int st = storm(WITHOUT, "-p", NULL, r, sizeof r);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1 &&
	                  strstr(errbuf, "error: Interrupted system call"),
	              "expected an EINTR exit, %s: %s %.300s", how(st), r, errbuf);
}
END_TEST

/* Both tolerated: the run completes and shows what tcpsafe has to absorb;
 * the integrity checks hold (the kernel delivers each status once). */
START_TEST(storm_counts_without)
{
	char r[2048];
	int st = storm(WITHOUT, "-ip", NULL, r, sizeof r);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s %.300s", how(st), r, errbuf);
	assert_storm_sound(r);
	ck_assert_msg(field(r, "eintr_unexpected") > 0, "no EINTR to absorb: %s", r);
	fprintf(stderr, "figures: storm without tcpsafe (-i -p): %s\n", r);
}
END_TEST

/* Legacy program under tcpsafe, every line logged (debug, no rate limit):
 * it survives; each EINTR it gets is one it asked for (SIGUSR1), and each
 * is logged; each ECONNRESET/EPIPE it gets has its line; no SIGPIPE got
 * the default action. */
START_TEST(storm_survives_with_debug_log)
{
	char r[2048], logpath[256], logenv[300];
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {RETRY_MODE, PASS_USR1, logenv, "TCPSAFE_LOG_LEVEL=debug", "TCPSAFE_LOG_RATE=0",
	                       NULL};
	long t0 = ms_now();
	int st = storm(WITH, NULL, extra, r, sizeof r);
	long took = ms_now() - t0;
	char *log = slurp_all(logpath);
	unlink(logpath);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s %.300s\nlog tail: %s", how(st), r,
	              errbuf, strlen(log) > 600 ? log + strlen(log) - 600 : log);
	assert_storm_sound(r);
	ck_assert_msg(field(r, "eintr_unexpected") == 0, "%s", r);
	int n;
	assert_log_well_formed(log, &n);
	long rst = lines_with(log, "event=rst "), epipe = lines_with(log, "event=epipe ");
	ck_assert_msg(rst == field(r, "econnreset") && epipe == field(r, "epipe"),
	              "log: %ld rst, %ld epipe lines; program: %s", rst, epipe, r);
	long eintr = lines_with(log, "event=eintr call=read ") +
	             lines_with(log, "event=eintr call=recv ") +
	             lines_with(log, "event=eintr call=write ") +
	             lines_with(log, "event=eintr call=send ");
	ck_assert_msg(eintr == field(r, "eintr_io"), "log: %ld eintr lines for I/O; program: %s",
	              eintr, r);
	ck_assert_msg(lines_with(log, "sig=SIGPIPE action=default") == 0,
	              "a SIGPIPE got the default action: %.300s", strstr(log, "action=default"));
	/* statuses went through tcpsafe's cache, not only the kernel */
	long reaped = lines_with(log, "event=reap child=");
	ck_assert_msg(reaped > 0, "tcpsafe reaped no child: the cache was not exercised");
	fprintf(stderr,
	        "figures: storm with tcpsafe (debug log, %d lines, %ld children reaped by tcpsafe, "
	        "%ld ms): %s\n",
	        n, reaped, took, r);
	free(log);
}
END_TEST

/* Default log level and rate limit: every reset is a line or a count in a
 * ratelimit line. */
START_TEST(storm_survives_with_default_log)
{
	char r[2048], logpath[256], logenv[300];
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {RETRY_MODE, PASS_USR1, logenv, NULL};
	int st = storm(WITH, NULL, extra, r, sizeof r);
	char *log = slurp_all(logpath);
	unlink(logpath);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s %.300s", how(st), r, errbuf);
	assert_storm_sound(r);
	ck_assert_msg(field(r, "eintr_unexpected") == 0, "%s", r);
	int n;
	assert_log_well_formed(log, &n);
	long lines = lines_with(log, "event=rst ") + lines_with(log, "event=epipe ");
	long dropped = sum_over(log, "event=ratelimit ", "suppressed", 0);
	long repeats = sum_over(log, "event=repeats ", "count", 0);
	ck_assert_msg(lines + dropped + repeats == field(r, "econnreset") + field(r, "epipe"),
	              "log: %ld lines + %ld dropped + %ld repeats; program: %s", lines, dropped,
	              repeats, r);
	fprintf(stderr, "figures: storm with tcpsafe (default log: %ld lines, %ld dropped): %s\n",
	        lines, dropped, r);
	free(log);
}
END_TEST

/* ---- SIGPIPE together with a lower-numbered signal (minimal reproducer) ----- */

static const int nested_sigs[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD};

/* Without tcpsafe the program dies by SIGPIPE (nothing protects it); with
 * tcpsafe it must live, whichever signal's handler runs at the time. */
START_TEST(sigpipe_with_other_signal_both_ways)
{
	char sig[16], out[256];
	snprintf(sig, sizeof sig, "%d", nested_sigs[_i]);
	char *argv[] = {HELPER("nested_sigpipe"), sig, "1000", NULL};
	const char *extra[] = {"TCPSAFE_LOG=none", NULL};
	int st = run(WITHOUT, argv, extra, out, sizeof out, 30000);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "without: %s", how(st));
	st = run(WITH, argv, extra, out, sizeof out, 30000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	              "with tcpsafe, SIGPIPE arriving with SIG%s: %s (%s)",
	              sigabbrev_np(nested_sigs[_i]), how(st), out);
	ck_assert_msg(field(out, "epipe") > 0 && field(out, "handled") > 0, "%s", out);
}
END_TEST

/* ---- load: fork-per-connection server ------------------------------------------ */

static long rss_kb(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	char *s = ps_slurp(path, NULL);
	ck_assert_msg(s != NULL, "no /proc/%d/status", (int)pid);
	char *v = strstr(s, "VmRSS:");
	long kb = v ? atol(v + 6) : -1;
	free(s);
	return kb;
}

/* Wait up to ms for pid to have want zombies and no live child. */
static void settle_children(pid_t pid, int want, int ms, int *zombies, int *live)
{
	for (int t = 0;; t += 50) {
		ps_scan_children(pid, zombies, live);
		if ((*zombies == want && *live == 0) || t >= ms)
			return;
		usleep(50000);
	}
}

/* The load clients connect from their own loopback address, so the
 * server's log lines about them are told from those about any stray
 * client of another test that finds the same port. */
#define CLIENT_ADDR "127.0.0.2"
#define CLIENT_PEER " peer=" CLIENT_ADDR ":"

/* Runs loadclient; asserts it echoed everything.  Its output in out. */
static void load_clients(int port, long count, int every, char *out, size_t outsz)
{
	char ps[16], cs[16], rs[16];
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(cs, sizeof cs, "%ld", count);
	snprintf(rs, sizeof rs, "%d", every);
	char *argv[] = {HELPER("loadclient"), "-c", cs, "-j", "16", "-r", rs, "-b", CLIENT_ADDR,
	                "127.0.0.1", ps, NULL};
	int st = run(WITHOUT, argv, NULL, out, outsz, 240000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "loadclient: status 0x%x: %s", st, out);
	ck_assert_msg(field(out, "ok") + field(out, "reset") == count && field(out, "failed") == 0 &&
	                  field(out, "mismatch") == 0,
	              "%s", out);
}

/* Each reset the clients caused is one event=rst or event=epipe line of a
 * server child, or a count in a child's ratelimit line (or, were there
 * further errors on a connection, in its repeats line).  Lines from the
 * server process itself are not about connections. */
static void assert_resets_accounted(const char *log, long resets, pid_t server, long *dropped)
{
	long rst = lines_with_both(log, "event=rst ", CLIENT_PEER);
	long epipe = lines_with_both(log, "event=epipe ", CLIENT_PEER);
	long all = lines_with(log, "event=rst ") + lines_with(log, "event=epipe ");
	long parent = sum_over(log, "event=rst ", NULL, server) +
	              sum_over(log, "event=epipe ", NULL, server);
	*dropped = sum_over(log, "event=ratelimit ", "suppressed", -server);
	long repeats = sum_over(log, "event=repeats ", "count", -server);
	ck_assert_msg(parent == 0, "%ld rst/epipe lines from the server process itself", parent);
	long stray = lines_with_both(log, "event=rst ", " peer=127.0.0.1:") +
	             lines_with_both(log, "event=epipe ", " peer=127.0.0.1:");
	ck_assert_msg(all - rst - epipe == stray, "a reset line without the peer's address");
	ck_assert_msg(rst + epipe + *dropped + repeats == resets,
	              "resets caused: %ld; logged: %ld rst + %ld epipe, %ld dropped, %ld repeats",
	              resets, rst, epipe, *dropped, repeats);
}

/* Reads the server's stdout ("served K" lines) so that it never blocks
 * writing them; keeps the last K. */
struct drain {
	int fd;
	long served;
	pthread_t t;
};

static void *drain_run(void *arg)
{
	struct drain *d = arg;
	char buf[4096], line[64];
	size_t n = 0;
	ssize_t r;
	while ((r = read(d->fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (n + 1 < sizeof line)
					line[n++] = buf[i];
				continue;
			}
			line[n] = '\0';
			n = 0;
			if (!strncmp(line, "served ", 7))
				__atomic_store_n(&d->served, atol(line + 7), __ATOMIC_RELAXED);
		}
	return NULL;
}

static void drain_start(struct drain *d, struct proc *p)
{
	d->fd = dup(p->out);
	d->served = 0;
	ck_assert(d->fd >= 0 && pthread_create(&d->t, NULL, drain_run, d) == 0);
}

/* After the server and all its children are gone: EOF. */
static void drain_stop(struct drain *d)
{
	pthread_join(d->t, NULL);
	close(d->fd);
}

START_TEST(load_fork_server_with)
{
	long total = long_mode() ? 20000 : 3000, first = 1000;
	char out[512], logpath[256], logenv[300];
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {logenv, NULL};
	char *argv[] = {EXAMPLE("tcpserv01"), NULL};
	struct proc s;
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	struct drain d;
	drain_start(&d, &s);
	long t0 = ms_now();
	load_clients(port, first, 10, out, sizeof out);
	long resets = field(out, "reset");
	int z, l;
	settle_children(s.pid, 0, 5000, &z, &l);
	ck_assert_msg(z == 0 && l == 0, "after %ld connections: %d zombies, %d live children", first,
	              z, l);
	long rss1 = rss_kb(s.pid);
	load_clients(port, total - first, 10, out, sizeof out);
	resets += field(out, "reset");
	settle_children(s.pid, 0, 10000, &z, &l);
	long took = ms_now() - t0;
	ck_assert_msg(z == 0 && l == 0, "after %ld connections: %d zombies, %d live children", total,
	              z, l);
	long rss2 = rss_kb(s.pid);
	ck_assert_msg(rss2 - rss1 < 256, "server RSS grew from %ld kB to %ld kB", rss1, rss2);
	int st;
	ck_assert_msg(waitpid(s.pid, &st, WNOHANG) == 0, "the server died: status 0x%x", st);
	char *log = slurp_all(logpath);
	int n;
	assert_log_well_formed(log, &n);
	long dropped;
	assert_resets_accounted(log, resets, s.pid, &dropped);
	fprintf(stderr,
	        "figures: tcpserv01 with tcpsafe: %ld connections (%ld reset, %ld of them hit in "
	        "write) in %ld ms, RSS %ld -> %ld kB, 0 zombies, %d log lines, %ld dropped\n",
	        total, resets,
	        lines_with(log, "event=rst call=write ") +
	            lines_with(log, "event=epipe call=write "),
	        took, rss1, rss2, n, dropped);
	ck_assert_msg(__atomic_load_n(&d.served, __ATOMIC_RELAXED) >= total, "served only %ld",
	              __atomic_load_n(&d.served, __ATOMIC_RELAXED));
	free(log);
	proc_kill(&s);
	drain_stop(&d);
	unlink(s.err);
	unlink(logpath);
}
END_TEST

/* The same load without tcpsafe: every child stays a zombie. */
START_TEST(load_fork_server_zombies_without)
{
	long total = 300;
	char out[512];
	char *argv[] = {EXAMPLE("tcpserv01"), NULL};
	struct proc s;
	proc_start(&s, WITHOUT, argv, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	load_clients(port, total, 10, out, sizeof out);
	int z, l;
	settle_children(s.pid, (int)total, 5000, &z, &l);
	/* (a stray client of another test could add one) */
	ck_assert_msg(z >= total && l == 0, "expected the bug: %ld zombies, saw %d (%d live)", total,
	              z, l);
	fprintf(stderr, "figures: tcpserv01 without tcpsafe: %ld connections, %d zombies\n", total,
	        z);
	proc_kill(&s);
	unlink(s.err);
}
END_TEST

/* The rate limiter at work: debug lines (one per child reaped) from the
 * server exhaust its budget, so children forked in the same second start
 * with it exhausted and drop their reset line; each such child reports its
 * own drop (1 at most) when it exits, and never the server's. */
START_TEST(load_resets_accounted_under_rate_limit)
{
	long total = long_mode() ? 5000 : 1000;
	char out[512], logpath[256], logenv[300];
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {logenv, "TCPSAFE_LOG_LEVEL=debug", "TCPSAFE_LOG_RATE=50", NULL};
	char *argv[] = {EXAMPLE("tcpserv01"), NULL};
	struct proc s;
	proc_start(&s, WITH, argv, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	struct drain d;
	drain_start(&d, &s);
	load_clients(port, total, 5, out, sizeof out);
	long resets = field(out, "reset");
	int z, l;
	settle_children(s.pid, 0, 5000, &z, &l);
	ck_assert_msg(z == 0 && l == 0, "%d zombies, %d live children", z, l);
	char *log = slurp_all(logpath);
	int n;
	assert_log_well_formed(log, &n);
	/* no child reports more than its own one line */
	for (const char *p = log; (p = strstr(p, "event=ratelimit suppressed=")) != NULL; p++) {
		const char *bol = p;
		while (bol > log && bol[-1] != '\n')
			bol--;
		long pid = field(bol, "pid"), sup = field(p, "suppressed");
		ck_assert_msg(pid == s.pid || sup == 1,
		              "child %ld reports %ld suppressed lines: it had one to log", pid, sup);
	}
	long dropped;
	assert_resets_accounted(log, resets, s.pid, &dropped);
	ck_assert_msg(dropped > 0, "the rate limiter dropped no reset line: nothing was tested");
	fprintf(stderr,
	        "figures: rate-limited debug log: %ld connections, %ld resets = %ld lines + %ld "
	        "dropped\n",
	        total, resets, resets - dropped, dropped);
	free(log);
	proc_kill(&s);
	drain_stop(&d);
	unlink(s.err);
	unlink(logpath);
}
END_TEST

/* ---- descriptor exhaustion ------------------------------------------------------ */

#define FDLIMIT 32
#define NCLIENTS 40

static int dial(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(fd >= 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
		return fd;
	ck_assert_msg(errno == ECONNREFUSED, "connect: %s", strerror(errno));
	close(fd); /* the server is gone */
	return -1;
}

/* 0 if the peer is gone (the server exited with the connection in its
 * backlog: reset) */
static int say_or_gone(int fd, int i)
{
	char line[32];
	int n = snprintf(line, sizeof line, "line %d\n", i);
	ssize_t r = send(fd, line, (size_t)n, MSG_NOSIGNAL);
	if (r < 0 && (errno == ECONNRESET || errno == EPIPE))
		return 0;
	ck_assert_msg(r == n, "send: %s", strerror(errno));
	return 1;
}

static void say(int fd, int i) { ck_assert_msg(say_or_gone(fd, i), "send: %s", strerror(errno)); }

/* Waits up to ms for the echo of "line i" on each fd in fds[] not yet
 * echoed (echoed[i] == 0); returns how many got theirs. */
static int collect_echoes(const int *fds, int *echoed, int n, int ms)
{
	long end = ms_now() + ms;
	int got = 0;
	for (;;) {
		struct pollfd pf[NCLIENTS + 16];
		int idx[NCLIENTS + 16], k = 0;
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0 && !echoed[i]) {
				pf[k].fd = fds[i];
				pf[k].events = POLLIN;
				idx[k++] = i;
			}
		long left = end - ms_now();
		if (k == 0 || left <= 0 || poll(pf, (nfds_t)k, (int)left) <= 0)
			return got;
		for (int j = 0; j < k; j++) {
			if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[64], want[32];
			int i = idx[j];
			ssize_t r = recv(fds[i], buf, sizeof buf - 1, 0);
			snprintf(want, sizeof want, "line %d\n", i);
			if (r == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)r)) {
				echoed[i] = 1;
				got++;
			} else {
				echoed[i] = -1; /* EOF, error or wrong data */
			}
		}
	}
}

/* Starts fdlimit_server with RLIMIT_NOFILE lowered to FDLIMIT: set in this
 * process around the fork, so the child inherits it before exec. */
static void start_limited(struct proc *s, int preload, const char *const extra[])
{
	struct rlimit old, low;
	ck_assert(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = FDLIMIT;
	char *argv[] = {EXAMPLE("fdlimit_server"), NULL};
	/* out of descriptors at exit: no leak check (sanitized builds) */
	const char *all[8] = {"TS_NO_LEAK_CHECK=1"};
	for (size_t i = 0; extra && extra[i] && i + 2 < sizeof all / sizeof all[0]; i++)
		all[i + 1] = extra[i];
	ck_assert(setrlimit(RLIMIT_NOFILE, &low) == 0);
	proc_start(s, preload, argv, all);
	ck_assert(setrlimit(RLIMIT_NOFILE, &old) == 0);
}

/* Opens NCLIENTS connections (more than the server has descriptors) and
 * sends a line on each; returns how many were echoed within 2 s.  A
 * connection refused or reset (the server has exited) counts in *refused. */
static int flood(int port, int *fds, int *echoed, int *refused)
{
	*refused = 0;
	for (int i = 0; i < NCLIENTS; i++) {
		fds[i] = dial(port);
		echoed[i] = 0;
		if (fds[i] >= 0 && !say_or_gone(fds[i], i)) {
			close(fds[i]);
			fds[i] = -1;
		}
		if (fds[i] < 0)
			++*refused;
	}
	return collect_echoes(fds, echoed, NCLIENTS, 2000);
}

START_TEST(fdlimit_server_exits_without)
{
	struct proc s;
	int fds[NCLIENTS], echoed[NCLIENTS];
	start_limited(&s, WITHOUT, NULL);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int refused, first = flood(port, fds, echoed, &refused);
	ck_assert_msg(proc_wait(&s, 10000) == 0, "did not exit");
	slurp(s.err, errbuf, ERRSZ);
	ck_assert_msg(WIFEXITED(s.status) && WEXITSTATUS(s.status) == 1 &&
	                  strstr(errbuf, "accept error: Too many open files"),
	              "expected the EMFILE exit: status 0x%x, stderr: %.300s", s.status, errbuf);
	ck_assert_msg(first < NCLIENTS, "all %d clients served: the limit was not reached", first);
	fprintf(stderr,
	        "figures: fdlimit_server without tcpsafe: %d of %d echoed, %d refused, exit 1: %s",
	        first, NCLIENTS, refused, errbuf);
	for (int i = 0; i < NCLIENTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	unlink(s.err);
}
END_TEST

static void fdlimit_with(const char *const extra[], const char *logpath)
{
	struct proc s;
	int fds[NCLIENTS + 8], echoed[NCLIENTS + 8];
	start_limited(&s, WITH, extra);
	int port = proc_port(&s);
	ck_assert_int_gt(port, 0);
	int refused, first = flood(port, fds, echoed, &refused);
	ck_assert_msg(refused == 0, "%d connections refused", refused);
	/* enough served that 20 leaving frees room for all the others */
	ck_assert_msg(first > NCLIENTS - 20 && first < NCLIENTS, "%d of %d echoed at first", first,
	              NCLIENTS);
	/* out of descriptors, still alive */
	int st;
	ck_assert_msg(waitpid(s.pid, &st, WNOHANG) == 0, "server ended: status 0x%x", st);
	/* 20 clients leave: the server frees their descriptors and must then
	 * take the connections that waited in the backlog */
	int closed = 0;
	for (int i = 0; i < NCLIENTS && closed < 20; i++)
		if (echoed[i] == 1) {
			close(fds[i]);
			fds[i] = -1;
			closed++;
		}
	long t0 = ms_now();
	int late = collect_echoes(fds, echoed, NCLIENTS, 15000);
	long took = ms_now() - t0;
	ck_assert_msg(first + late == NCLIENTS, "%d echoed at first, %d after 20 left (of %d)", first,
	              late, NCLIENTS);
	/* the connections still open still work, and new clients are served */
	for (int i = 0; i < NCLIENTS; i++)
		if (fds[i] >= 0) {
			echoed[i] = 0;
			say(fds[i], i);
		}
	int more = first - (NCLIENTS - closed); /* room left */
	if (more > 4)
		more = 4;
	for (int i = NCLIENTS; i < NCLIENTS + more; i++) {
		fds[i] = dial(port);
		ck_assert_msg(fds[i] >= 0, "connection refused");
		echoed[i] = 0;
		say(fds[i], i);
	}
	int open_now = NCLIENTS - closed + more;
	int again = collect_echoes(fds, echoed, NCLIENTS + more, 15000);
	ck_assert_msg(again == open_now, "%d of %d open connections echoed afterwards", again,
	              open_now);
	ck_assert_msg(waitpid(s.pid, &st, WNOHANG) == 0, "server ended: status 0x%x", st);
	/* With a log file: out of descriptors, the file cannot be opened, and
	 * the line goes to stderr instead (never lost). */
	slurp(s.err, errbuf, ERRSZ);
	long warned =
	    lines_with_both(errbuf, "level=warn event=accept_backoff call=accept ", " errno=EMFILE ");
	if (logpath) {
		slurp(logpath, errbuf, ERRSZ);
		warned += lines_with_both(errbuf, "level=warn event=accept_backoff call=accept ",
		                          " errno=EMFILE ");
	}
	ck_assert_msg(warned > 0, "no accept_backoff warning in %s: %.500s",
	              logpath ? "the log file or stderr" : "stderr", errbuf);
	fprintf(stderr,
	        "figures: fdlimit_server with tcpsafe: %d of %d echoed at first, the other %d within "
	        "%ld ms of 20 clients leaving, %ld backoff warnings\n",
	        first, NCLIENTS, late, took, warned);
	for (int i = 0; i < NCLIENTS + more; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	proc_kill(&s);
	unlink(s.err);
}

START_TEST(fdlimit_server_waits_with)
{
	fdlimit_with(NULL, NULL);
}
END_TEST

/* A log file is opened for each line: out of descriptors, the
 * accept_backoff warning must still reach the operator (stderr). */
START_TEST(fdlimit_backoff_logged_to_file)
{
	char logpath[256], logenv[300];
	tmp_path(logpath, sizeof logpath, "log");
	snprintf(logenv, sizeof logenv, "TCPSAFE_LOG=%s", logpath);
	const char *extra[] = {logenv, NULL};
	fdlimit_with(extra, logpath);
	unlink(logpath);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stress");
	int timeout = long_mode() ? 600 : 240;
	TCase *t = tcase_create("storm");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, timeout);
	tcase_add_test(t, storm_dies_by_sigpipe_without);
	tcase_add_test(t, storm_dies_on_eintr_without);
	tcase_add_test(t, storm_counts_without);
	tcase_add_test(t, storm_survives_with_debug_log);
	tcase_add_test(t, storm_survives_with_default_log);
	tcase_add_loop_test(t, sigpipe_with_other_signal_both_ways, 0,
	                    (int)(sizeof nested_sigs / sizeof nested_sigs[0]));
	suite_add_tcase(s, t);

	t = tcase_create("load");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, timeout);
	tcase_add_test(t, load_fork_server_with);
	tcase_add_test(t, load_fork_server_zombies_without);
	tcase_add_test(t, load_resets_accounted_under_rate_limit);
	suite_add_tcase(s, t);

	t = tcase_create("fdlimit");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, timeout);
	tcase_add_test(t, fdlimit_server_exits_without);
	tcase_add_test(t, fdlimit_server_waits_with);
	tcase_add_test(t, fdlimit_backoff_logged_to_file);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return run_suite(suite()); }
