/* Hostile configuration and hostile environments, through the real
 * library.
 *
 * config: environments from the generated corpus (tests/hostile_corpus.c)
 * and 1 MiB values run a trivial program (helpers/cfgprobe) under
 * LD_PRELOAD: it must exit 0 and print what it prints without tcpsafe,
 * and the log destination must hold exactly one config warning per
 * invalid variable (naming it, its value as the man page says it is
 * shown, the accepted values and the default), nothing for valid ones,
 * and nothing else anywhere.
 *
 * environment: programs that own every descriptor, dup2 sockets over
 * 0/1/2, call wrapped functions from their signal handlers, start shells
 * that pipe, cancel blocked threads, or make calls from constructors and
 * destructors around tcpsafe's.  Each runs without and with tcpsafe: same
 * output and status, except the failure tcpsafe removes (which must
 * reproduce without it).
 *
 * TS_LONG_TESTS=1 runs more of everything. */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "hostile_corpus.h"

#define BIG (1 << 20)
#define BIGENV_LIB TS_BUILDDIR "/tests/helpers/.libs/libbigenv.so"
#define EDGES_LIB TS_BUILDDIR "/tests/helpers/.libs/libedges.so"

static char *outbuf, *errbuf, *logbuf, *sysbuf;

static int long_tests(void)
{
	const char *l = getenv("TS_LONG_TESTS");
	return l && *l == '1';
}

static void setup(void)
{
	outbuf = malloc(BIG);
	errbuf = malloc(BIG);
	logbuf = malloc(BIG);
	sysbuf = malloc(BIG);
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
	free(outbuf);
	free(errbuf);
	free(logbuf);
	free(sysbuf);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Everything p writes on stdout until it ends; then its status. */
static size_t read_all_and_wait(struct proc *p, char *out, size_t sz, int timeout_ms)
{
	size_t n = 0;
	long end = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pf = {p->out, POLLIN, 0};
		long left = end - now_ms();
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			break;
		ssize_t r = read(p->out, out + n, sz - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n + 1 >= sz)
			break;
	}
	out[n] = '\0';
	long left = end - now_ms();
	ck_assert_msg(proc_wait(p, left > 0 ? (int)left : 1) == 0, "%s did not end", "program");
	return n;
}

/* A datagram socket standing in for /dev/log. */
static int syslog_fd = -1;
static char syslog_path[256];

static void syslog_open(void)
{
	struct sockaddr_un sun;
	tmp_path(syslog_path, sizeof syslog_path, "syslog");
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%.107s", syslog_path);
	ck_assert_int_eq(bind(syslog_fd, (struct sockaddr *)&sun, sizeof sun), 0);
	int sz = 4 << 20;
	setsockopt(syslog_fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
}

static void syslog_close(void)
{
	close(syslog_fd);
	unlink(syslog_path);
	syslog_fd = -1;
}

/* The datagrams received so far, one per line, each checked for the
 * "<PRI>tcpsafe[PID]: " header and stripped of it. */
static int syslog_drain(char *buf, size_t sz)
{
	int n = 0;
	size_t used = 0;
	char d[4096];
	buf[0] = '\0';
	for (;;) {
		ssize_t r = recv(syslog_fd, d, sizeof d - 1, 0);
		if (r <= 0)
			break;
		d[r] = '\0';
		const char *p = strstr(d, ">tcpsafe[");
		const char *colon = p ? strstr(p, "]: ") : NULL;
		ck_assert_msg(d[0] == '<' && p && colon, "syslog datagram without its header: %.200s", d);
		size_t len = strlen(colon + 3);
		if (used + len + 2 < sz) {
			memcpy(buf + used, colon + 3, len);
			used += len;
			buf[used++] = '\n';
			buf[used] = '\0';
		}
		n++;
	}
	return n;
}

/* ======================================================================== */
/* Hostile configuration through the library                                */
/* ======================================================================== */

enum dest { D_NONE, D_STDERR, D_FILE, D_SYSLOG };

/* Checks one config line: returns the variable index, -1 if malformed.
 * The value field must show the first 64 bytes of what the environment
 * held (with "..." when cut) and the message the accepted values and the
 * default. */
static int check_config_line(const char *line, size_t len, const struct hc_case *c, char *why,
                             size_t whysz)
{
	static char val[4096], msg[1024];
	char one[2048];
	size_t n;
	snprintf(one, sizeof one, "%.*s", (int)(len < sizeof one - 1 ? len : sizeof one - 1), line);
	const char *p = one;
	if (strncmp(p, "ts=", 3) || !(p = strstr(p, " lib=tcpsafe prog=cfgprobe pid=")))
		goto bad;
	p += strlen(" lib=tcpsafe prog=cfgprobe pid=");
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, " level=warn event=config var=", 29))
		goto bad;
	p += 29;
	int v = 0;
	for (; v < HC_NVARS; v++) {
		size_t k = strlen(hc_vars[v].name);
		if (!strncmp(p, hc_vars[v].name, k) && p[k] == ' ')
			break;
	}
	if (v == HC_NVARS)
		goto bad;
	p += strlen(hc_vars[v].name);
	if (strncmp(p, " value=", 7) || !(p = hc_decode_value(p + 7, val, sizeof val, &n)))
		goto bad;
	/* the value as the environment had it: 64 bytes at most, then ... */
	const char *want = c->val[v];
	size_t wl = want ? strlen(want) : 0;
	if (!want || (wl <= 64 ? n != wl || memcmp(val, want, wl)
	                       : n != 67 || memcmp(val, want, 64) || memcmp(val + 64, "...", 3))) {
		snprintf(why, whysz, "%s: value shown as \"%s\", environment had \"%s\"",
		         hc_vars[v].name, hc_show(val), hc_show(want));
		return -1;
	}
	if (strncmp(p, " msg=", 5) || !(p = hc_decode_value(p + 5, msg, sizeof msg, &n)) || *p)
		goto bad;
	char tail[128];
	snprintf(tail, sizeof tail, "; using %s", hc_vars[v].using_);
	if (strncmp(msg, "accepted: ", 10) || n < strlen(tail) ||
	    strcmp(msg + n - strlen(tail), tail)) {
		snprintf(why, whysz, "%s: msg \"%.300s\" lacks the accepted values or \"%s\"",
		         hc_vars[v].name, msg, tail);
		return -1;
	}
	for (int k = 0; k < 9 && hc_vars[v].accepted_has[k]; k++)
		if (!strstr(msg, hc_vars[v].accepted_has[k])) {
			snprintf(why, whysz, "%s: msg \"%.300s\" does not name %s", hc_vars[v].name, msg,
			         hc_vars[v].accepted_has[k]);
			return -1;
		}
	return v;
bad:
	snprintf(why, whysz, "not a well-formed config warning: %s", hc_show(one));
	return -1;
}

/* Every line of text must be the config warning of a distinct invalid
 * variable of c, and every invalid variable must have one. */
static void check_warnings(const char *text, const struct hc_case *c, const struct hc_expect *e,
                           const char *label)
{
	int seen[HC_NVARS] = {0}, lines = 0;
	char why[1024];
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		ck_assert_msg(nl, "%s: unterminated line: %s", label, hc_show(l));
		int v = check_config_line(l, (size_t)(nl - l), c, why, sizeof why);
		ck_assert_msg(v >= 0, "%s: %s", label, why);
		ck_assert_msg(e->valid[v] == 0, "%s: warning for %s, whose value is valid or unset",
		              label, hc_vars[v].name);
		ck_assert_msg(!seen[v]++, "%s: two warnings for %s", label, hc_vars[v].name);
		lines++;
		l = nl + 1;
	}
	ck_assert_msg(lines == e->nbad, "%s: %d warning lines for %d invalid variables:\n%.3000s",
	              label, lines, e->nbad, text);
}

static unsigned long cfg_runs, cfg_lines;

/* Runs cfgprobe with c's environment (and the raw extra strings) and
 * checks exit, stdout and every destination.  The variables in bigmask
 * reach the probe through a preload instead (helpers/bigenv.c), which
 * sets them to hc_huge(flavour[v]) before tcpsafe reads them: 1 MiB is
 * more than execve() passes in one string. */
static void run_config_case(const struct hc_case *c, const char *logpath, unsigned bigmask,
                            const int flavour[], const char *const raw[], const char *label)
{
	char *envs[HC_NVARS] = {0};
	const char *extra[HC_NVARS + 16];
	char spec[1024], pre[1024];
	int n = 0;
	struct hc_expect e;
	struct proc p;

	hc_expect(c, &e);
	size_t k = (size_t)snprintf(spec, sizeof spec, "TS_BIGENV=");
	for (int v = 0; v < HC_NVARS; v++) {
		if (!c->val[v])
			continue;
		if (bigmask & (1u << v)) {
			ck_assert_msg(c->val[v] == hc_huge(flavour[v]), "%s: not a shared value", label);
			k += (size_t)snprintf(spec + k, sizeof spec - k, "%s%s=%d", k > 10 ? "," : "",
			                      hc_vars[v].name, flavour[v]);
			continue;
		}
		size_t len = strlen(hc_vars[v].name) + strlen(c->val[v]) + 2;
		envs[v] = malloc(len);
		snprintf(envs[v], len, "%s=%s", hc_vars[v].name, c->val[v]);
		extra[n++] = envs[v];
	}
	for (int i = 0; raw && raw[i]; i++)
		extra[n++] = raw[i];
	if (bigmask) {
		snprintf(pre, sizeof pre, "LD_PRELOAD=%s:%s", LIBPATH, BIGENV_LIB);
		extra[n++] = spec;
		extra[n++] = pre;
	}
	extra[n] = NULL;

	enum dest d = D_STDERR;
	if (e.disable || e.log == 2 || e.level < 1)
		d = D_NONE; /* disabled, TCPSAFE_LOG=none, or only errors logged */
	else if (e.log == 3)
		d = D_FILE;
	else if (e.log == 1)
		d = D_SYSLOG;
	if (d == D_FILE)
		ck_assert_msg(!strcmp(e.log_path, logpath), "%s: a log file other than ours", label);

	char *argv[] = {HELPER("cfgprobe"), NULL};
	proc_start(&p, bigmask ? WITHOUT : WITH, argv, extra);
	read_all_and_wait(&p, outbuf, BIG, 20000);
	for (int v = 0; v < HC_NVARS; v++)
		free(envs[v]);
	ck_assert_msg(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0,
	              "%s: cfgprobe status 0x%x", label, p.status);
	ck_assert_msg(!strcmp(outbuf, "probe: ok\n"), "%s: stdout \"%s\"", label, hc_show(outbuf));
	slurp(p.err, errbuf, BIG);
	unlink(p.err);
	slurp(logpath, logbuf, BIG);
	unlink(logpath);
	syslog_drain(sysbuf, BIG);

	const char *texts[] = {[D_STDERR] = errbuf, [D_FILE] = logbuf, [D_SYSLOG] = sysbuf};
	static const char *const dname[] = {"none", "stderr", "file", "syslog"};
	for (int t = D_STDERR; t <= D_SYSLOG; t++) {
		if (t == (int)d) {
			check_warnings(texts[t], c, &e, label);
		} else {
			ck_assert_msg(!*texts[t], "%s: %s got lines (expected: %s): %.1000s", label,
			              dname[t], dname[d], texts[t]);
		}
	}
	cfg_runs++;
	cfg_lines += d == D_NONE ? 0 : (unsigned long)e.nbad;
}

/* Make a generated case observable: our log file for any valid file
 * name, our syslog socket for any valid socket name; lines meant for a
 * syslog we cannot read go to stderr instead (still a valid setting). */
static void make_observable(struct hc_case *c, const char *logpath)
{
	struct hc_expect e;
	c->rtmin = SIGRTMIN; /* what the library will see */
	c->rtmax = SIGRTMAX;
	hc_expect(c, &e);
	if (e.valid[HC_LOG] == 1 && e.log == 3) {
		snprintf(c->buf[HC_LOG], HC_VAL_CAP, "%s", logpath);
		c->val[HC_LOG] = c->buf[HC_LOG];
	}
	if (e.valid[HC_SYSLOG] == 1) {
		snprintf(c->buf[HC_SYSLOG], HC_VAL_CAP, "%s", syslog_path);
		c->val[HC_SYSLOG] = c->buf[HC_SYSLOG];
	} else if (e.valid[HC_LOG] == 1 && e.log == 1) {
		snprintf(c->buf[HC_LOG], HC_VAL_CAP, "StdErr");
		c->val[HC_LOG] = c->buf[HC_LOG];
	}
}

START_TEST(config_corpus_through_library)
{
	static struct hc_case c;
	unsigned long n = long_tests() ? 2500 : 320, allbad = 0, nbad = 0;
	uint64_t seed = hc_seed() ^ 0x11b7a7e5ULL;
	long t0 = now_ms();
	syslog_open();
	cfg_runs = cfg_lines = 0;
	for (unsigned long i = 0; i < n; i++) {
		char label[64], logpath[256];
		struct hc_expect e;
		hc_generate(&c, seed, i, HC_NO_HUGE);
		tmp_path(logpath, sizeof logpath, "cfglog");
		make_observable(&c, logpath);
		hc_expect(&c, &e);
		allbad += e.nbad == HC_NVARS;
		nbad += (unsigned long)e.nbad;
		snprintf(label, sizeof label, "library case %lu", i);
		run_config_case(&c, logpath, 0, NULL, NULL, label);
	}
	syslog_close();
	printf("config through the library: %lu runs, %lu invalid values, %lu warning lines checked, "
	       "%lu runs with all eleven invalid, %ld ms\n",
	       cfg_runs, nbad, cfg_lines, allbad, now_ms() - t0);
}
END_TEST

static void clear_case(struct hc_case *c)
{
	for (int v = 0; v < HC_NVARS; v++) {
		c->val[v] = NULL;
		c->cls[v] = HCC_VALID;
	}
	c->rtmin = SIGRTMIN;
	c->rtmax = SIGRTMAX;
}

static int oracle_ok(enum hc_var v, const char *s)
{
	struct hc_expect e;
	memset(&e, 0, sizeof e);
	return hc_oracle(v, s, SIGRTMIN, SIGRTMAX, &e);
}

/* 1 MiB values: every variable alone with every flavour, then all eleven
 * at once with rotating flavours (valid ones among them: 1 MiB of zeros
 * before a 7 is a fine TCPSAFE_LOG_RATE). */
START_TEST(config_one_mebibyte_values)
{
	static struct hc_case c;
	int flavour[HC_NVARS];
	char label[96], logpath[256];
	long t0 = now_ms();
	unsigned long valid = 0;
	syslog_open();
	cfg_runs = cfg_lines = 0;
	for (int v = 0; v < HC_NVARS; v++)
		for (int f = 0; f < HC_HUGE_FLAVOURS; f++) {
			clear_case(&c);
			c.val[v] = hc_huge(f);
			c.cls[v] = HCC_HUGE;
			flavour[v] = f;
			valid += (unsigned long)oracle_ok((enum hc_var)v, c.val[v]);
			tmp_path(logpath, sizeof logpath, "cfglog");
			snprintf(label, sizeof label, "1 MiB %s flavour %d", hc_vars[v].name, f);
			run_config_case(&c, logpath, 1u << v, flavour, NULL, label);
		}
	for (int r = 0; r < HC_HUGE_FLAVOURS; r++) {
		clear_case(&c);
		for (int v = 0; v < HC_NVARS; v++) {
			flavour[v] = (v + r) % HC_HUGE_FLAVOURS;
			c.val[v] = hc_huge(flavour[v]);
		}
		tmp_path(logpath, sizeof logpath, "cfglog");
		snprintf(label, sizeof label, "1 MiB in all eleven, rotation %d", r);
		run_config_case(&c, logpath, (1u << HC_NVARS) - 1, flavour, NULL, label);
	}
	/* and every one invalid at once */
	clear_case(&c);
	for (int v = 0; v < HC_NVARS; v++) {
		int f = 0;
		while (oracle_ok((enum hc_var)v, hc_huge(f)))
			f++;
		flavour[v] = f;
		c.val[v] = hc_huge(f);
	}
	tmp_path(logpath, sizeof logpath, "cfglog");
	run_config_case(&c, logpath, (1u << HC_NVARS) - 1, flavour, NULL, "1 MiB, all eleven invalid");
	syslog_close();
	printf("1 MiB values through the library: %lu runs (%lu valid values), %lu warning lines "
	       "checked, %ld ms\n",
	       cfg_runs, valid, cfg_lines, now_ms() - t0);
}
END_TEST

/* Every variable invalid at once, each value as long as execve() takes
 * (128 KiB a string, the whole environment within ARG_MAX). */
START_TEST(config_all_bad_at_execve_limit)
{
	static struct hc_case c;
	char label[96], logpath[256];
	long argmax = sysconf(_SC_ARG_MAX);
	size_t len = 120000;
	if (argmax > 0 && (size_t)(argmax - 65536) / HC_NVARS < len + 64)
		len = (size_t)(argmax - 65536) / HC_NVARS - 64;
	char *vals[HC_NVARS];
	syslog_open();
	for (int round = 0; round < 3; round++) {
		clear_case(&c);
		for (int v = 0; v < HC_NVARS; v++) {
			vals[v] = malloc(len + 1);
			/* a flavour invalid for v, cut to len: still invalid */
			for (int f = (v + round) % HC_HUGE_FLAVOURS;; f = (f + 1) % HC_HUGE_FLAVOURS) {
				memcpy(vals[v], hc_huge(f), len);
				vals[v][len] = '\0';
				if (!oracle_ok((enum hc_var)v, vals[v]))
					break;
			}
			c.val[v] = vals[v];
		}
		tmp_path(logpath, sizeof logpath, "cfglog");
		snprintf(label, sizeof label, "all eleven invalid, %zu bytes each, round %d", len, round);
		run_config_case(&c, logpath, 0, NULL, NULL, label);
		for (int v = 0; v < HC_NVARS; v++)
			free(vals[v]);
	}
	syslog_close();
}
END_TEST

/* Every variable at once with a short bad value, under each setting that
 * decides where (and whether) the warnings go. */
START_TEST(config_all_bad_each_destination)
{
	static struct hc_case c;
	static const char *const bad[HC_NVARS] = {
		"maybe", "ignored", "relative/x", "loud", "-5", "dev/log", "always", "TERM;INT",
		"strict", "on", "15",
	};
	char logpath[256], label[400];
	struct {
		int var; /* set to a valid value, or -1 */
		const char *value;
	} rows[] = {
		{-1, NULL},                        /* eleven warnings on stderr */
		{HC_RATE, "1"},            /* rate limit of one line a second */
		{HC_LOG, "@file"},                 /* to the log file */
		{HC_LOG, "syslog"},                /* to the syslog socket */
		{HC_LOG, "none"},                  /* nowhere */
		{HC_LEVEL, "error"},               /* warnings not logged */
		{HC_DISABLE, "yes"},               /* library off: nothing */
		{HC_DISABLE, "0"},
	};
	syslog_open();
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		clear_case(&c);
		for (int v = 0; v < HC_NVARS; v++)
			c.val[v] = bad[v];
		tmp_path(logpath, sizeof logpath, "cfglog");
		if (rows[r].var >= 0)
			c.val[rows[r].var] = !strcmp(rows[r].value, "@file") ? logpath : rows[r].value;
		if (rows[r].var == HC_LOG && !strcmp(rows[r].value, "syslog"))
			c.val[HC_SYSLOG] = syslog_path;
		snprintf(label, sizeof label, "all bad but %s=%s",
		         rows[r].var >= 0 ? hc_vars[rows[r].var].name : "-",
		         rows[r].var >= 0 ? c.val[rows[r].var] : "");
		run_config_case(&c, logpath, 0, NULL, NULL, label);
	}
	syslog_close();
}
END_TEST

/* What the environment itself can hold: the same name twice (getenv
 * takes the first), names without "=", other cases. */
START_TEST(config_environment_oddities)
{
	static struct hc_case c;
	char logpath[256];
	static const char *const twice_bad[] = {"TCPSAFE_LOG_LEVEL=debug", NULL};
	static const char *const twice_good[] = {"TCPSAFE_LOG_LEVEL=loud", NULL};
	static const char *const not_ours[] = {
		"TCPSAFE_LOG_LEVEL", "tcpsafe_log_level=loud", "Tcpsafe_Log=relative",
		"TCPSAFE_LOG_LEVEL =loud", " TCPSAFE_LOG=x", "=TCPSAFE_LOG=x", "TCPSAFE_=1", NULL,
	};
	syslog_open();
	tmp_path(logpath, sizeof logpath, "cfglog");
	clear_case(&c);
	c.val[HC_LEVEL] = "loud"; /* first: the one getenv finds */
	run_config_case(&c, logpath, 0, NULL, twice_bad, "loud, then debug");
	clear_case(&c);
	c.val[HC_LEVEL] = "debug";
	run_config_case(&c, logpath, 0, NULL, twice_good, "debug, then loud");
	clear_case(&c);
	run_config_case(&c, logpath, 0, NULL, not_ours, "names that are not ours");
	syslog_close();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *t = tcase_create("config");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 300);
	tcase_add_test(t, config_corpus_through_library);
	tcase_add_test(t, config_one_mebibyte_values);
	tcase_add_test(t, config_all_bad_at_execve_limit);
	tcase_add_test(t, config_all_bad_each_destination);
	tcase_add_test(t, config_environment_oddities);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return run_suite(suite()); }
