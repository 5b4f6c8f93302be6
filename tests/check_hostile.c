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
#include <pthread.h>
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

/* A datagram socket standing in for /dev/log, emptied by a thread as
 * lines arrive: an AF_UNIX datagram queue holds only about ten
 * (net.unix.max_dgram_qlen), and tcpsafe drops what does not fit rather
 * than wait. */
static int syslog_fd = -1;
static char syslog_path[256];
static pthread_t syslog_thread;
static pthread_mutex_t syslog_mu = PTHREAD_MUTEX_INITIALIZER;
static char *syslog_acc;
static size_t syslog_len;
static int syslog_stop, syslog_bad;

/* Caller holds syslog_mu.  Each datagram must carry the "<PRI>tcpsafe[PID]: "
 * header; it is stored without it, one per line. */
static void syslog_pull(void)
{
	char d[4096];
	for (;;) {
		ssize_t r = recv(syslog_fd, d, sizeof d - 1, MSG_DONTWAIT);
		if (r <= 0)
			return;
		d[r] = '\0';
		const char *p = strstr(d, ">tcpsafe[");
		const char *colon = p ? strstr(p, "]: ") : NULL;
		if (d[0] != '<' || !p || !colon) {
			syslog_bad++;
			continue;
		}
		size_t len = strlen(colon + 3);
		if (syslog_len + len + 2 < BIG) {
			memcpy(syslog_acc + syslog_len, colon + 3, len);
			syslog_len += len;
			syslog_acc[syslog_len++] = '\n';
			syslog_acc[syslog_len] = '\0';
		}
	}
}

static void *syslog_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd pf = {syslog_fd, POLLIN, 0};
		poll(&pf, 1, 20);
		pthread_mutex_lock(&syslog_mu);
		int stop = syslog_stop;
		syslog_pull();
		pthread_mutex_unlock(&syslog_mu);
		if (stop)
			return NULL;
	}
}

static void syslog_open(void)
{
	struct sockaddr_un sun;
	tmp_path(syslog_path, sizeof syslog_path, "syslog");
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%.107s", syslog_path);
	ck_assert_int_eq(bind(syslog_fd, (struct sockaddr *)&sun, sizeof sun), 0);
	int sz = 4 << 20;
	setsockopt(syslog_fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	syslog_acc = malloc(BIG);
	syslog_acc[0] = '\0';
	syslog_len = 0;
	syslog_stop = syslog_bad = 0;
	ck_assert_int_eq(pthread_create(&syslog_thread, NULL, syslog_main, NULL), 0);
}

static void syslog_close(void)
{
	pthread_mutex_lock(&syslog_mu);
	syslog_stop = 1;
	pthread_mutex_unlock(&syslog_mu);
	pthread_join(syslog_thread, NULL);
	close(syslog_fd);
	unlink(syslog_path);
	free(syslog_acc);
	syslog_fd = -1;
}

/* Everything received since the last call, one line per datagram. */
static void syslog_drain(char *buf, size_t sz)
{
	pthread_mutex_lock(&syslog_mu);
	syslog_pull();
	ck_assert_msg(!syslog_bad, "syslog datagrams without their header");
	snprintf(buf, sz, "%s", syslog_acc);
	syslog_acc[0] = '\0';
	syslog_len = 0;
	pthread_mutex_unlock(&syslog_mu);
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

/* ======================================================================== */
/* Hostile environments                                                     */
/* ======================================================================== */

static int connect_to(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s",
	              strerror(errno));
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	return ntohs(sa.sin_port);
}

/* Close with an RST: the client vanishes. */
static void reset_close(int fd)
{
	struct linger lg = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

/* Reads a reply to EOF: 1 if it is exactly size bytes of the pattern,
 * with no stray byte anywhere (a log line would be one). */
static int read_reply(int fd, long size, long *got)
{
	static char b[1 << 16];
	long n = 0;
	int exact = 1;
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 20000) != 1)
			break;
		ssize_t r = read(fd, b, sizeof b);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (b[i] != (char)('a' + (n + i) % 26))
				exact = 0;
		n += r;
	}
	*got = n;
	return exact && n == size;
}

struct daemon_run {
	int status;
	char result[256];
	int good, exact, resets;
	int reset_ports[512];
};

/* Runs daemonfd MODE against CLIENTS clients; every third one (1, 4, 7,
 * ...) resets instead of reading.  stop_after_reset: the run only needs
 * the first reset (the daemon is expected to die of it). */
static void daemon_run(const char *mode, int preload, int ignore, int clients, long size,
                       int stop_after_reset, struct daemon_run *d)
{
	char result[256], portfile[300], cs[16], ss[32], env1[300];
	struct proc p;
	memset(d, 0, sizeof *d);
	tmp_path(result, sizeof result, "daemon");
	snprintf(portfile, sizeof portfile, "%s.port", result);
	snprintf(cs, sizeof cs, "%d", clients);
	snprintf(ss, sizeof ss, "%ld", size);
	snprintf(env1, sizeof env1, "TCPSAFE_SYSLOG_SOCKET=%s", syslog_path);
	const char *extra[] = {env1, "TCPSAFE_LOG_RATE=0", NULL};
	char *argv[] = {HELPER("daemonfd"), (char *)mode, result, cs, ss,
	                ignore ? "ignore" : NULL, NULL};
	proc_start(&p, preload, argv, extra);

	int port = -1;
	for (int i = 0; i < 500 && port < 0; i++) {
		char line[64];
		if (slurp(portfile, line, sizeof line) && !strncmp(line, "port ", 5) && strchr(line, '\n'))
			port = atoi(line + 5);
		else
			usleep(10000);
	}
	ck_assert_msg(port > 0, "daemonfd did not say its port");

	int pairs = !strcmp(mode, "pairs");
	for (int i = 0; i < clients; i += pairs ? 2 : 1) {
		int fds[2], n = pairs && i + 1 < clients ? 2 : 1, stop = 0;
		for (int k = 0; k < n; k++)
			fds[k] = connect_to(port);
		for (int k = 0; k < n; k++) {
			int idx = i + k;
			if (idx % 3 == 1) {
				if (d->resets < 512)
					d->reset_ports[d->resets] = local_port(fds[k]);
				d->resets++;
				reset_close(fds[k]);
				stop = stop_after_reset;
				continue;
			}
			long got;
			if (!pairs)
				ck_assert_int_eq(write(fds[k], "GET\n", 4), 4);
			if (stop) { /* the daemon is gone: nothing to read */
				close(fds[k]);
				continue;
			}
			d->good++;
			d->exact += read_reply(fds[k], size, &got);
			close(fds[k]);
		}
		if (stop)
			break;
	}
	read_all_and_wait(&p, outbuf, BIG, 30000);
	d->status = p.status;
	slurp(result, d->result, sizeof d->result);
	slurp(p.err, errbuf, BIG);
	ck_assert_msg(!*errbuf, "the daemon's first stderr got: %.500s", errbuf);
	unlink(result);
	unlink(portfile);
	unlink(p.err);
}

/* The log lines went to syslog (never into a client's socket): one at
 * least per reset client, naming it by its port. */
static void assert_resets_logged(const struct daemon_run *d, const char *what)
{
	int nl;
	char bad[2048];
	syslog_drain(sysbuf, BIG);
	ck_assert_msg(all_lines_well_formed(sysbuf, &nl, bad, sizeof bad), "%s: malformed: %s", what,
	              bad);
	ck_assert_msg(count_lines_with(sysbuf, "event=rst") + count_lines_with(sysbuf, "event=epipe") >=
	                  d->resets,
	              "%s: %d resets, syslog has:\n%.2000s", what, d->resets, sysbuf);
	for (int i = 0; i < d->resets && i < 512; i++) {
		char peer[48];
		snprintf(peer, sizeof peer, "peer=127.0.0.1:%d", d->reset_ports[i]);
		if (!strstr(sysbuf, peer)) {
			const char *tail = strlen(sysbuf) > 3000 ? sysbuf + strlen(sysbuf) - 3000 : sysbuf;
			ck_abort_msg("%s: no line names reset client %d of %d, %s; the last lines:\n%s",
			             what, i, d->resets, peer, tail);
		}
	}
}

static void daemon_case(const char *mode)
{
	struct daemon_run a, b;
	int clients = long_tests() ? 90 : 18;
	long size = ts_reply_size(8L << 20);
	char want[128];
	syslog_open();

	/* a careful daemon (SIG_IGN): the same both ways, byte for byte */
	daemon_run(mode, WITHOUT, 1, clients, size, 0, &a);
	syslog_drain(sysbuf, BIG);
	ck_assert_msg(!*sysbuf, "syslog lines without tcpsafe: %.200s", sysbuf);
	daemon_run(mode, WITH, 1, clients, size, 0, &b);
	snprintf(want, sizeof want, "clients=%d failed=%d fds=ok\n", clients, a.resets);
	ck_assert_msg(WIFEXITED(a.status) && WEXITSTATUS(a.status) == 0, "without: 0x%x", a.status);
	ck_assert_msg(WIFEXITED(b.status) && WEXITSTATUS(b.status) == 0, "with: 0x%x", b.status);
	ck_assert_str_eq(a.result, want);
	ck_assert_str_eq(b.result, a.result);
	ck_assert_int_eq(a.exact, a.good);
	ck_assert_msg(b.exact == b.good, "with tcpsafe %d of %d clients got a stray or short reply",
	              b.good - b.exact, b.good);
	assert_resets_logged(&b, "SIG_IGN daemon");

	/* a daemon that never thought of SIGPIPE: killed by the first reset
	 * without tcpsafe, serves everyone with it */
	daemon_run(mode, WITHOUT, 0, clients, size, 1, &a);
	ck_assert_msg(WIFSIGNALED(a.status) && WTERMSIG(a.status) == SIGPIPE,
	              "without tcpsafe: expected death by SIGPIPE, status 0x%x", a.status);
	daemon_run(mode, WITH, 0, clients, size, 0, &b);
	ck_assert_msg(WIFEXITED(b.status) && WEXITSTATUS(b.status) == 0, "with: 0x%x", b.status);
	ck_assert_str_eq(b.result, want);
	ck_assert_int_eq(b.exact, b.good);
	assert_resets_logged(&b, "plain daemon");
	syslog_close();
	printf("daemonfd %s: %d clients (%d reset, %d read %ld bytes each exactly) per run\n", mode,
	       clients, b.resets, b.good, size);
}

/* Closes every fd, then its listener is fd 0 and its clients 1 and 2,
 * where stdout and stderr were. */
START_TEST(daemon_owning_fds_0_1_2)
{
	daemon_case("pairs");
}
END_TEST

/* inetd style: each client dup2()ed over 0, 1 and 2. */
START_TEST(daemon_dup2_client_over_0_1_2)
{
	daemon_case("dup2");
}
END_TEST

/* Clients that reset while still in the listen backlog: accept() hands
 * them out all the same, and only accept itself can tell who they were
 * (getpeername says ENOTCONN).  The daemon asks for no address.  Each must
 * be named, with one line per kind of error and a repeats line, not one
 * line per failed write. */
START_TEST(reset_in_backlog_is_named)
{
	char result[256], portfile[300], gofile[300], cs[16], ss[32], env1[300], logpath[256];
	struct proc p;
	int clients = 8, ports[8], port = -1;
	tmp_path(logpath, sizeof logpath, "backloglog");
	tmp_path(result, sizeof result, "backlog");
	snprintf(portfile, sizeof portfile, "%s.port", result);
	snprintf(gofile, sizeof gofile, "%s.go", result);
	snprintf(cs, sizeof cs, "%d", clients);
	snprintf(ss, sizeof ss, "%d", 1 << 20);
	snprintf(env1, sizeof env1, "TCPSAFE_LOG=%s", logpath); /* a burst: no line lost */
	const char *extra[] = {env1, "TCPSAFE_LOG_RATE=0", NULL};
	char *argv[] = {HELPER("daemonfd"), "backlog", result, cs, ss, NULL};
	proc_start(&p, WITH, argv, extra);
	for (int i = 0; i < 500 && port < 0; i++) {
		char line[64];
		if (slurp(portfile, line, sizeof line) && strchr(line, '\n'))
			port = atoi(line + 5);
		else
			usleep(10000);
	}
	ck_assert_int_gt(port, 0);
	for (int i = 0; i < clients; i++) {
		int fd = connect_to(port);
		ports[i] = local_port(fd);
		reset_close(fd);
	}
	int go = open(gofile, O_WRONLY | O_CREAT, 0600);
	close(go);
	read_all_and_wait(&p, outbuf, BIG, 30000);
	ck_assert_msg(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0, "status 0x%x", p.status);
	slurp(result, outbuf, BIG);
	ck_assert_str_eq(outbuf, "clients=8 failed=8 fds=ok\n");
	slurp(logpath, sysbuf, BIG);
	for (int i = 0; i < clients; i++) {
		char peer[48];
		snprintf(peer, sizeof peer, " peer=127.0.0.1:%d", ports[i]);
		ck_assert_msg(count_lines_with(sysbuf, peer) >= 2, "client %d (%s) not named:\n%.3000s",
		              i, peer, sysbuf);
	}
	/* first rst, first epipe, repeats: at most three lines a client */
	ck_assert_msg(count_lines_with(sysbuf, "lib=tcpsafe") <= 3 * clients,
	              "%d lines for %d clients: every failed write logged",
	              count_lines_with(sysbuf, "lib=tcpsafe"), clients);
	unlink(result);
	unlink(portfile);
	unlink(gofile);
	unlink(p.err);
	unlink(logpath);
}
END_TEST

START_TEST(wrapped_calls_from_signal_handlers)
{
	char *a = malloc(BIG), *b = malloc(BIG), want[512];
	const char *np = long_tests() ? "20000" : "4000", *nk = long_tests() ? "3000" : "600",
	           *nc = long_tests() ? "600" : "150";
	char *argv[] = {HELPER("handlercalls"), (char *)np, (char *)nk, (char *)nc, NULL};
	long t0 = now_ms();
	run_both(argv, a, b, BIG, 60000);
	int p = atoi(np), k = atoi(nk), c = atoi(nc), sum = 7;
	for (int i = 0; i < c; i++)
		sum += i % 200;
	snprintf(want, sizeof want,
	         "epipe=%d pipes=%d accepted=%d eagain=0 echoed=%d urg_ok=%d urg_bad=0\n"
	         "pings=%d ping_bad=0 reaped=%d status_sum=%d expect_sum=%d kill_ok=yes echild=1\n",
	         p, p, p, p, p + (p + 15) / 16 + k, k, c + 1, sum, sum);
	ck_assert_str_eq(a, want);
	const char *y, *x = first_difference(a, b, &y);
	if (x)
		ck_abort_msg("differs:\nwithout: %.300s\nwith:    %.300s", x, y);
	printf("handlers: %d SIGPIPE, %d SIGUSR1 round trips, %d children, both ways, %ld ms\n", p,
	       k, c + 1, now_ms() - t0);
	free(a);
	free(b);
}
END_TEST

START_TEST(program_starts_shells_that_pipe)
{
	char *a = malloc(BIG), *b = malloc(BIG);
	char *argv[] = {HELPER("shellpipes"), NULL};
	run_both(argv, a, b, BIG, 60000);
	/* each writer ended by SIGPIPE (141), in each of the three ways */
	ck_assert_msg(count_lines_with(a, "writer=141") == 9, "%s", a);
	ck_assert_int_eq(count_lines_with(a, ": exit=0"), 15);
	const char *y, *x = first_difference(a, b, &y);
	if (x)
		ck_abort_msg("differs:\nwithout: %.300s\nwith:    %.300s", x, y);
	free(a);
	free(b);
}
END_TEST

START_TEST(cancel_blocked_threads_both_ways)
{
	char a[4096], b[4096];
	char *argv[] = {HELPER("cancel_more"), NULL};
	run_both(argv, a, b, sizeof a, 60000);
	ck_assert_int_eq(count_lines_with(a, "canceled=1 cleanup=1"), 5);
	ck_assert_str_eq(a, b);
}
END_TEST

/* Calls from a preload's constructor (before tcpsafe's), from main, from
 * atexit, from the program's destructor and from the preload's destructor
 * (after tcpsafe's): the same results both ways.  LD_DEBUG=files shows the
 * order the dynamic linker really used. */
START_TEST(calls_around_our_constructor_and_destructor)
{
	struct proc p;
	char *outs[2];
	const char *pre[2] = {"LD_PRELOAD=" EDGES_LIB, "LD_PRELOAD=" LIBPATH ":" EDGES_LIB};
	char *argv[] = {HELPER("edgeprog"), NULL};
	for (int w = 0; w < 2; w++) {
		const char *extra[] = {pre[w], "LD_DEBUG=files", NULL};
		proc_start(&p, WITHOUT, argv, extra);
		outs[w] = malloc(BIG);
		read_all_and_wait(&p, outs[w], BIG, 30000);
		ck_assert_msg(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0, "%s: status 0x%x",
		              pre[w], p.status);
		slurp(p.err, errbuf, BIG);
		unlink(p.err);
		if (w == 1) {
			const char *ie = strstr(errbuf, "calling init: " EDGES_LIB);
			const char *it = strstr(errbuf, "calling init: " LIBPATH);
			const char *ft = strstr(errbuf, "calling fini: " LIBPATH);
			const char *fe = strstr(errbuf, "calling fini: " EDGES_LIB);
			ck_assert_msg(ie && it && ie < it, "the preload's constructor did not run first");
			ck_assert_msg(ft && fe && ft < fe, "the preload's destructor did not run last");
		}
	}
	static const char *const whens[] = {"preload ctor", "main", "atexit", "program dtor",
	                                    "preload dtor"};
	for (size_t i = 0; i < 5; i++) {
		char want[256];
		snprintf(want, sizeof want,
		         "%s: waitpid_status=3\n%s: wait_status=4\n%s: wait_none_echild=1\n"
		         "%s: sigaction_kill=1\n%s: accept_send_recv=1\n",
		         whens[i], whens[i], whens[i], whens[i], whens[i]);
		ck_assert_msg(strstr(outs[0], want), "without tcpsafe, %s:\n%s", whens[i], outs[0]);
	}
	ck_assert_str_eq(outs[0], outs[1]);
	free(outs[0]);
	free(outs[1]);
}
END_TEST

/* edgeprog under a preload of libedges with var=1: killed by SIGPIPE
 * without tcpsafe; with it, exit 0 and one epipe line.  outbuf gets the
 * output of the run with tcpsafe. */
static void edge_epipe_both_ways(const char *var)
{
	struct proc p;
	char *argv[] = {HELPER("edgeprog"), NULL};
	const char *without[] = {"LD_PRELOAD=" EDGES_LIB, var, NULL};
	const char *with[] = {"LD_PRELOAD=" LIBPATH ":" EDGES_LIB, var, NULL};
	proc_start(&p, WITHOUT, argv, without);
	read_all_and_wait(&p, outbuf, BIG, 30000);
	unlink(p.err);
	ck_assert_msg(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGPIPE,
	              "without tcpsafe: status 0x%x", p.status);
	proc_start(&p, WITHOUT, argv, with);
	read_all_and_wait(&p, outbuf, BIG, 30000);
	ck_assert_msg(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0,
	              "with tcpsafe: status 0x%x (killed by %d)", p.status,
	              WIFSIGNALED(p.status) ? WTERMSIG(p.status) : 0);
	slurp(p.err, errbuf, BIG);
	unlink(p.err);
	ck_assert_msg(count_lines_with(errbuf, "event=epipe call=write") == 1, "%s", errbuf);
}

/* The very first wrapped call of the process, from a preload's
 * constructor before ours, is a write into a vanished peer: its SIGPIPE
 * arrives before any wrapper could start tcpsafe on the error path, so
 * the stub that binds write must start it first.  Killed without tcpsafe,
 * EPIPE and exit 0 with it. */
START_TEST(epipe_before_our_constructor)
{
	edge_epipe_both_ways("EDGES_CTOR_EPIPE=1");
	ck_assert_msg(!strncmp(outbuf, "preload ctor: epipe=1\n", 22), "%s", outbuf);
	ck_assert_msg(strstr(outbuf, "preload dtor: accept_send_recv=1\n"), "%s", outbuf);
}
END_TEST

/* A write into a vanished peer from a destructor that runs after ours:
 * killed by SIGPIPE without tcpsafe, EPIPE and exit 0 with it. */
START_TEST(epipe_after_our_destructor)
{
	edge_epipe_both_ways("EDGES_EPIPE=1");
	ck_assert_msg(strstr(outbuf, "preload dtor: epipe=1\n"), "%s", outbuf);
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

	t = tcase_create("environment");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 300);
	tcase_add_test(t, daemon_owning_fds_0_1_2);
	tcase_add_test(t, daemon_dup2_client_over_0_1_2);
	tcase_add_test(t, reset_in_backlog_is_named);
	tcase_add_test(t, wrapped_calls_from_signal_handlers);
	tcase_add_test(t, program_starts_shells_that_pipe);
	tcase_add_test(t, cancel_blocked_threads_both_ways);
	tcase_add_test(t, calls_around_our_constructor_and_destructor);
	tcase_add_test(t, epipe_after_our_destructor);
	tcase_add_test(t, epipe_before_our_constructor);
	suite_add_tcase(s, t);
	return s;
}

int main(void) { return run_suite(suite()); }
