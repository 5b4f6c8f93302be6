/* Unit tests (Check) for the pure parts of tcpsafe: the TCPSAFE_* parsers
 * in src/config.c and the async-signal-safe formatters in src/fmt.c.
 *
 * Table-driven: every row of a table is one loop iteration of a Check test,
 * so a failure names the row.  Every formatter case is also replayed through
 * all buffer sizes from 0 to its full length with guard bytes on both sides
 * of the buffer.  The "stress" suite feeds thousands of generated strings,
 * addresses, times and integers to every entry point and compares with
 * independent oracles (libc snprintf/gmtime_r/inet_ntop/inet_pton and small
 * reference models written here).
 *
 * The generator seed can be changed with TS_TEST_SEED=<number>. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "fmt.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Like ck_assert_msg, but silent on success: Check's own assertions record
 * a "mark point" through a syscall each time, far too slow for loops that
 * check millions of things. */
#define REQUIRE(cond, ...)                                                                   \
	do {                                                                                     \
		if (!(cond))                                                                         \
			ck_abort_msg(__VA_ARGS__);                                                       \
	} while (0)

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

/* Printable rendering of arbitrary bytes for failure messages; four
 * rotating buffers so one message can show several strings. */
static const char *show(const char *s, size_t n)
{
	static char bufs[4][600];
	static int next;
	char *o = bufs[next];
	size_t k = 0;
	next = (next + 1) % 4;
	for (size_t i = 0; i < n && k + 8 < sizeof bufs[0]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			o[k++] = (char)c;
		} else {
			k += (size_t)snprintf(o + k, sizeof bufs[0] - k, "\\x%02x", c);
		}
	}
	if (k + 8 >= sizeof bufs[0])
		k += (size_t)snprintf(o + k, sizeof bufs[0] - k, "...");
	o[k] = '\0';
	return o;
}

static const char *shows(const char *s) { return s ? show(s, strlen(s)) : "(null)"; }

/* Deterministic generator (splitmix64). */
static uint64_t rng_state;

static void rng_seed(void)
{
	const char *e = getenv("TS_TEST_SEED");
	rng_state = e ? strtoull(e, NULL, 0) : 0x7c9e4a61d2b3f805ULL;
}

static uint64_t rng64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0; the tiny modulo bias does not matter here). */
static size_t rng_below(size_t n) { return (size_t)(rng64() % n); }

/* A buffer with guard bytes before and after the usable part. */
#define GUARD 32
#define GUARD_BYTE 0xA5
#define GBUF_MAX 8192

struct gbuf {
	unsigned char mem[GUARD + GBUF_MAX + GUARD];
	size_t cap;
	struct ts_buf b;
};

static void gbuf_init(struct gbuf *g, size_t cap)
{
	REQUIRE(cap <= GBUF_MAX, "buffer of %zu bytes is too big for the test", cap);
	memset(g->mem, GUARD_BYTE, sizeof g->mem);
	g->cap = cap;
	g->b.p = (char *)g->mem + GUARD;
	g->b.len = 0;
	g->b.cap = cap;
}

static int gbuf_guards_ok(const struct gbuf *g)
{
	for (size_t i = 0; i < GUARD; i++)
		if (g->mem[i] != GUARD_BYTE || g->mem[GUARD + g->cap + i] != GUARD_BYTE)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Formatter calls as data, so every table row can be replayed at every     */
/* buffer size.                                                             */
/* ------------------------------------------------------------------------ */

enum fkind { FK_U64, FK_I64, FK_TIME, FK_VALUE, FK_ADDR };

struct fcall {
	enum fkind kind;
	uint64_t u;
	int64_t i; /* i64 value, or seconds for FK_TIME */
	long nsec;
	const char *s;
	size_t max;
	int family;
	const uint8_t *addr;
	unsigned port;
};

static void fcall_run(struct ts_buf *b, const struct fcall *c)
{
	switch (c->kind) {
	case FK_U64: ts_put_u64(b, c->u); break;
	case FK_I64: ts_put_i64(b, c->i); break;
	case FK_TIME: ts_put_time_utc(b, c->i, c->nsec); break;
	case FK_VALUE: ts_put_value(b, c->s, c->max); break;
	case FK_ADDR: ts_put_addr(b, c->family, c->addr, c->port); break;
	}
}

/* Run c into a buffer of exactly cap bytes; check the guards and that the
 * output is the first min(cap, len) bytes of full/len. */
static void check_prefix_at(const struct fcall *c, size_t cap, const char *full, size_t len,
                            const char *what)
{
	static struct gbuf g;
	gbuf_init(&g, cap);
	fcall_run(&g.b, c);
	size_t want = cap < len ? cap : len;
	REQUIRE(gbuf_guards_ok(&g), "%s: wrote outside a %zu-byte buffer", what, cap);
	REQUIRE(g.b.cap == cap, "%s: cap changed", what);
	REQUIRE(g.b.len == want, "%s: cap %zu: len %zu, expected %zu", what, cap, g.b.len,
	              want);
	REQUIRE(memcmp(g.b.p, full, want) == 0,
	              "%s: cap %zu: got \"%s\", expected prefix of \"%s\"", what, cap,
	              show(g.b.p, g.b.len), show(full, len));
}

/* Full output must be exactly `expected`, and every smaller buffer must hold
 * a prefix of it without overflowing. */
static void expect_output(const struct fcall *c, const char *expected, const char *what)
{
	size_t len = strlen(expected);
	REQUIRE(len + 2 <= GBUF_MAX, "%s: expected output too long for the test", what);
	static struct gbuf g;
	gbuf_init(&g, len + 2); /* room to spare: catches output that is too long */
	fcall_run(&g.b, c);
	REQUIRE(gbuf_guards_ok(&g), "%s: wrote outside the buffer", what);
	REQUIRE(g.b.len == len && memcmp(g.b.p, expected, len) == 0,
	              "%s: got \"%s\", expected \"%s\"", what, show(g.b.p, g.b.len),
	              show(expected, len));
	for (size_t cap = 0; cap <= len + 1; cap++)
		check_prefix_at(c, cap, expected, len, what);
}

/* ------------------------------------------------------------------------ */
/* Configuration: fake environment                                          */
/* ------------------------------------------------------------------------ */

enum fld { F_DISABLE, F_SIGPIPE, F_LOG, F_LEVEL, F_RATE, F_SYSLOG, F_COUNT };

struct var_info {
	const char *name;
	const char *using_;          /* the default, as the warning says it */
	const char *accepted_has[9]; /* words the "accepted" text must mention */
};

static const struct var_info vars[F_COUNT] = {
	[F_DISABLE] = {"TCPSAFE_DISABLE", "0", {"1", "0", "yes", "no", "true", "false", "on", "off"}},
	[F_SIGPIPE] = {"TCPSAFE_SIGPIPE", "ignore", {"ignore", "default"}},
	[F_LOG] = {"TCPSAFE_LOG", "stderr", {"stderr", "syslog", "none", "absolute"}},
	[F_LEVEL] = {"TCPSAFE_LOG_LEVEL", "info", {"error", "warn", "info", "debug"}},
	[F_RATE] = {"TCPSAFE_LOG_RATE", "100", {"0", "1000000"}},
	[F_SYSLOG] = {"TCPSAFE_SYSLOG_SOCKET", "/dev/log", {"absolute", "108"}},
};

static const char *env_values[F_COUNT];
static int env_asked[F_COUNT];
static int env_asked_other;

static void env_reset(void)
{
	for (int f = 0; f < F_COUNT; f++) {
		env_values[f] = NULL;
		env_asked[f] = 0;
	}
	env_asked_other = 0;
}

static const char *fake_getenv(const char *name)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(name, vars[f].name) == 0) {
			env_asked[f]++;
			return env_values[f];
		}
	env_asked_other++;
	return NULL;
}

/* Field-by-field comparison (log_path only matters for a file). */
static void cfg_expect_equal(const struct ts_config *got, const struct ts_config *exp,
                             const char *what)
{
	REQUIRE(got->disable == exp->disable, "%s: disable %d, expected %d", what,
	              got->disable, exp->disable);
	REQUIRE(got->sigpipe == exp->sigpipe, "%s: sigpipe %d, expected %d", what,
	              (int)got->sigpipe, (int)exp->sigpipe);
	REQUIRE(got->log == exp->log, "%s: log %d, expected %d", what, (int)got->log,
	              (int)exp->log);
	if (exp->log == TS_LOG_FILE)
		REQUIRE(strcmp(got->log_path, exp->log_path) == 0,
		              "%s: log_path \"%s\", expected \"%s\"", what, shows(got->log_path),
		              shows(exp->log_path));
	REQUIRE(got->level == exp->level, "%s: level %d, expected %d", what, (int)got->level,
	              (int)exp->level);
	REQUIRE(got->log_rate == exp->log_rate, "%s: log_rate %lu, expected %lu", what,
	              got->log_rate, exp->log_rate);
	REQUIRE(strcmp(got->syslog_path, exp->syslog_path) == 0,
	              "%s: syslog_path \"%s\", expected \"%s\"", what, shows(got->syslog_path),
	              shows(exp->syslog_path));
}

/* The one warning entry for variable f must be warn[idx]. */
static void expect_warning(const struct ts_config *c, int idx, enum fld f, const char *value,
                           const char *what)
{
	const struct ts_warning *w = &c->warn[idx];
	REQUIRE(w->var && strcmp(w->var, vars[f].name) == 0, "%s: warning %d names %s, not %s",
	              what, idx, shows(w->var), vars[f].name);
	REQUIRE(w->value == value, "%s: warning value is not the string from the environment",
	              what);
	REQUIRE(w->accepted && *w->accepted, "%s: warning has no accepted list", what);
	for (int k = 0; k < 9 && vars[f].accepted_has[k]; k++)
		REQUIRE(strstr(w->accepted, vars[f].accepted_has[k]) != NULL,
		              "%s: accepted \"%s\" does not mention \"%s\"", what, w->accepted,
		              vars[f].accepted_has[k]);
	REQUIRE(w->using_ && strcmp(w->using_, vars[f].using_) == 0,
	              "%s: warning says using \"%s\", expected \"%s\"", what, shows(w->using_),
	              vars[f].using_);
}

/* ------------------------------------------------------------------------ */
/* Configuration tables                                                     */
/* ------------------------------------------------------------------------ */

struct cfg_good {
	enum fld f;
	const char *value;
	long v;           /* expected parsed value (dest for F_LOG) */
	const char *path; /* expected path for a log file / syslog socket */
};

static const struct cfg_good good_rows[] = {
	{F_DISABLE, "1", 1, NULL},
	{F_DISABLE, "0", 0, NULL},
	{F_DISABLE, "yes", 1, NULL},
	{F_DISABLE, "no", 0, NULL},
	{F_DISABLE, "true", 1, NULL},
	{F_DISABLE, "false", 0, NULL},
	{F_DISABLE, "on", 1, NULL},
	{F_DISABLE, "off", 0, NULL},
	{F_DISABLE, "YES", 1, NULL},
	{F_DISABLE, "No", 0, NULL},
	{F_DISABLE, "TrUe", 1, NULL},
	{F_DISABLE, "FALSE", 0, NULL},
	{F_DISABLE, "ON", 1, NULL},
	{F_DISABLE, "oFf", 0, NULL},
	{F_SIGPIPE, "ignore", TS_SIGPIPE_IGNORE, NULL},
	{F_SIGPIPE, "default", TS_SIGPIPE_DEFAULT, NULL},
	{F_SIGPIPE, "IGNORE", TS_SIGPIPE_IGNORE, NULL},
	{F_SIGPIPE, "Default", TS_SIGPIPE_DEFAULT, NULL},
	{F_SIGPIPE, "dEfAuLt", TS_SIGPIPE_DEFAULT, NULL},
	{F_LOG, "stderr", TS_LOG_STDERR, NULL},
	{F_LOG, "syslog", TS_LOG_SYSLOG, NULL},
	{F_LOG, "none", TS_LOG_NONE, NULL},
	{F_LOG, "STDERR", TS_LOG_STDERR, NULL},
	{F_LOG, "SysLog", TS_LOG_SYSLOG, NULL},
	{F_LOG, "NONE", TS_LOG_NONE, NULL},
	{F_LOG, "/tmp/tcpsafe.log", TS_LOG_FILE, "/tmp/tcpsafe.log"},
	{F_LOG, "/", TS_LOG_FILE, "/"},
	{F_LOG, "/stderr", TS_LOG_FILE, "/stderr"},
	{F_LOG, "/Var/Log/X.LOG", TS_LOG_FILE, "/Var/Log/X.LOG"}, /* paths keep their case */
	{F_LOG, "/var/log/tcp safe.log", TS_LOG_FILE, "/var/log/tcp safe.log"},
	{F_LOG, "/dev/stderr", TS_LOG_FILE, "/dev/stderr"},
	{F_LOG, "/tmp/caf\xc3\xa9.log", TS_LOG_FILE, "/tmp/caf\xc3\xa9.log"},
	{F_LOG, "/tmp/ x", TS_LOG_FILE, "/tmp/ x"},
	{F_LEVEL, "error", TS_L_ERROR, NULL},
	{F_LEVEL, "warn", TS_L_WARN, NULL},
	{F_LEVEL, "info", TS_L_INFO, NULL},
	{F_LEVEL, "debug", TS_L_DEBUG, NULL},
	{F_LEVEL, "ERROR", TS_L_ERROR, NULL},
	{F_LEVEL, "Warn", TS_L_WARN, NULL},
	{F_LEVEL, "iNFO", TS_L_INFO, NULL},
	{F_LEVEL, "DEBUG", TS_L_DEBUG, NULL},
	{F_RATE, "0", 0, NULL},
	{F_RATE, "1", 1, NULL},
	{F_RATE, "100", 100, NULL},
	{F_RATE, "999999", 999999, NULL},
	{F_RATE, "1000000", 1000000, NULL},
	{F_RATE, "007", 7, NULL},
	{F_RATE, "0000", 0, NULL},
	{F_RATE, "0001000000", 1000000, NULL},
	{F_SYSLOG, "/dev/log", 0, "/dev/log"},
	{F_SYSLOG, "/run/systemd/journal/dev-log", 0, "/run/systemd/journal/dev-log"},
	{F_SYSLOG, "/tmp/x", 0, "/tmp/x"},
	{F_SYSLOG, "/", 0, "/"},
};

struct cfg_bad {
	enum fld f;
	const char *value;
};

static const struct cfg_bad bad_rows[] = {
	/* TCPSAFE_DISABLE */
	{F_DISABLE, ""},
	{F_DISABLE, " "},
	{F_DISABLE, "2"},
	{F_DISABLE, "-1"},
	{F_DISABLE, "+1"},
	{F_DISABLE, "01"},
	{F_DISABLE, "00"},
	{F_DISABLE, "1.0"},
	{F_DISABLE, "y"},
	{F_DISABLE, "n"},
	{F_DISABLE, "t"},
	{F_DISABLE, "ye"},
	{F_DISABLE, "yess"},
	{F_DISABLE, "tru"},
	{F_DISABLE, "truee"},
	{F_DISABLE, "ONN"},
	{F_DISABLE, "enable"},
	{F_DISABLE, "disabled"},
	{F_DISABLE, "none"},
	{F_DISABLE, "yes "},
	{F_DISABLE, " yes"},
	{F_DISABLE, "\tyes"},
	{F_DISABLE, "yes\n"},
	{F_DISABLE, "1 "},
	{F_DISABLE, " 0"},
	{F_DISABLE, "on\x01"},
	{F_DISABLE, "\xef\xbc\x91"}, /* fullwidth digit one */
	{F_DISABLE, "\xff"},
	/* TCPSAFE_SIGPIPE */
	{F_SIGPIPE, ""},
	{F_SIGPIPE, "ignored"},
	{F_SIGPIPE, "ign"},
	{F_SIGPIPE, "defaults"},
	{F_SIGPIPE, "on"},
	{F_SIGPIPE, "off"},
	{F_SIGPIPE, "1"},
	{F_SIGPIPE, "0"},
	{F_SIGPIPE, "SIG_DFL"},
	{F_SIGPIPE, "SIG_IGN"},
	{F_SIGPIPE, "kill"},
	{F_SIGPIPE, "default "},
	{F_SIGPIPE, " ignore"},
	{F_SIGPIPE, "ignore\n"},
	/* TCPSAFE_LOG */
	{F_LOG, ""},
	{F_LOG, "file"},
	{F_LOG, "stdout"},
	{F_LOG, "std err"},
	{F_LOG, "stderr "},
	{F_LOG, " stderr"},
	{F_LOG, "SYSLOG\n"},
	{F_LOG, "syslog:"},
	{F_LOG, "nones"},
	{F_LOG, "tcpsafe.log"},
	{F_LOG, "./tcpsafe.log"},
	{F_LOG, "../tcpsafe.log"},
	{F_LOG, "~/tcpsafe.log"},
	{F_LOG, "tmp/x"},
	{F_LOG, " /tmp/x"},
	{F_LOG, "\t/tmp/x"},
	{F_LOG, "\\tmp\\x"},
	{F_LOG, "C:/x"},
	{F_LOG, "file:///tmp/x"},
	{F_LOG, "/tmp/x "},
	{F_LOG, "/tmp/x\t"},
	{F_LOG, "/tmp/x\n"},
	{F_LOG, "/tmp/x\r"},
	{F_LOG, "/tmp/a\x01" "b"},
	{F_LOG, "/tmp/\x1b[1m"},
	{F_LOG, "/tmp/\x7f"},
	{F_LOG, "/ "},
	/* TCPSAFE_LOG_LEVEL */
	{F_LEVEL, ""},
	{F_LEVEL, "warning"},
	{F_LEVEL, "err"},
	{F_LEVEL, "inf"},
	{F_LEVEL, "debugx"},
	{F_LEVEL, "trace"},
	{F_LEVEL, "verbose"},
	{F_LEVEL, "0"},
	{F_LEVEL, "3"},
	{F_LEVEL, "INFO "},
	{F_LEVEL, " debug"},
	{F_LEVEL, "info\n"},
	{F_LEVEL, "\xc4\xb0nfo"},         /* dotted capital I */
	{F_LEVEL, "\xe2\x80\x8binfo"},    /* zero-width space */
	{F_LEVEL, "in\xc2\xad" "fo"},        /* soft hyphen */
	/* TCPSAFE_LOG_RATE */
	{F_RATE, ""},
	{F_RATE, "-1"},
	{F_RATE, "-0"},
	{F_RATE, "+1"},
	{F_RATE, "1000001"},
	{F_RATE, "2000000"},
	{F_RATE, "9999999"},
	{F_RATE, "1e3"},
	{F_RATE, "0x10"},
	{F_RATE, "1.5"},
	{F_RATE, "1,000"},
	{F_RATE, "1_000"},
	{F_RATE, " 10"},
	{F_RATE, "10 "},
	{F_RATE, "10\n"},
	{F_RATE, "ten"},
	{F_RATE, "unlimited"},
	{F_RATE, "4294967296"},
	{F_RATE, "18446744073709551615"},
	{F_RATE, "18446744073709551616"},
	{F_RATE, "99999999999999999999999999999999"},
	{F_RATE, "00000000000000000000000001000001"},
	{F_RATE, "\xef\xbc\x91"}, /* fullwidth digit one */
	/* TCPSAFE_SYSLOG_SOCKET */
	{F_SYSLOG, ""},
	{F_SYSLOG, "dev/log"},
	{F_SYSLOG, "./log"},
	{F_SYSLOG, "log"},
	{F_SYSLOG, " /dev/log"},
	{F_SYSLOG, "@/dev/log"},
	{F_SYSLOG, "syslog"},
	{F_SYSLOG, "/dev/log "},
	{F_SYSLOG, "/dev/log\t"},
	{F_SYSLOG, "/dev/log\n"},
	{F_SYSLOG, "/dev/\x01log"},
};

/* Call the single-value parser for field f.  Checks that a refusal leaves
 * the output (and the path buffer) untouched.  Returns the parser's result;
 * *val gets the value, path the path (for F_LOG/F_SYSLOG). */
static int parse_direct(enum fld f, const char *s, long *val, char *path_out, const char *what)
{
	static unsigned char pbuf[GUARD + TS_PATH_MAX + GUARD];
	size_t pathsz = f == F_SYSLOG ? TS_SUN_PATH_MAX : TS_PATH_MAX;
	char *path = (char *)pbuf + GUARD;
	int r = -1;
	memset(pbuf, GUARD_BYTE, sizeof pbuf);

	switch (f) {
	case F_DISABLE: {
		int v = 12345;
		r = ts_parse_bool(s, &v);
		if (r < 0)
			REQUIRE(v == 12345, "%s: refused but changed out", what);
		*val = v;
		break;
	}
	case F_SIGPIPE: {
		enum ts_sigpipe_mode v = (enum ts_sigpipe_mode)77;
		r = ts_parse_sigpipe(s, &v);
		if (r < 0)
			REQUIRE(v == (enum ts_sigpipe_mode)77, "%s: refused but changed out", what);
		*val = (long)v;
		break;
	}
	case F_LOG: {
		enum ts_log_dest v = (enum ts_log_dest)77;
		r = ts_parse_log(s, &v, path, pathsz);
		if (r < 0)
			REQUIRE(v == (enum ts_log_dest)77, "%s: refused but changed dest", what);
		*val = (long)v;
		break;
	}
	case F_LEVEL: {
		enum ts_level v = (enum ts_level)77;
		r = ts_parse_level(s, &v);
		if (r < 0)
			REQUIRE(v == (enum ts_level)77, "%s: refused but changed out", what);
		*val = (long)v;
		break;
	}
	case F_RATE: {
		unsigned long v = 424242;
		r = ts_parse_ulong(s, TS_LOG_RATE_MAX, &v);
		if (r < 0)
			REQUIRE(v == 424242, "%s: refused but changed out", what);
		*val = (long)v;
		break;
	}
	case F_SYSLOG:
		r = ts_parse_abs_path(s, path, pathsz);
		*val = 0;
		break;
	case F_COUNT: break;
	}
	REQUIRE(r == 0 || r == -1, "%s: returned %d (not 0 or -1)", what, r);
	/* guards around the path buffer always intact */
	for (size_t i = 0; i < GUARD; i++)
		REQUIRE(pbuf[i] == GUARD_BYTE && pbuf[GUARD + pathsz + i] == GUARD_BYTE,
		              "%s: wrote outside the path buffer", what);
	if (f == F_LOG || f == F_SYSLOG) {
		int touched = 0;
		for (size_t i = 0; i < pathsz; i++)
			touched |= pbuf[GUARD + i] != GUARD_BYTE;
		if (r < 0 || (f == F_LOG && *val != TS_LOG_FILE))
			REQUIRE(!touched, "%s: path buffer written although no path was taken", what);
		if (path_out && r == 0 && touched) {
			REQUIRE(memchr(path, '\0', pathsz) != NULL, "%s: path not terminated", what);
			strcpy(path_out, path);
		}
	}
	return r;
}

static void expected_from_good(struct ts_config *e, const struct cfg_good *g)
{
	ts_config_defaults(e);
	switch (g->f) {
	case F_DISABLE: e->disable = (int)g->v; break;
	case F_SIGPIPE: e->sigpipe = (enum ts_sigpipe_mode)g->v; break;
	case F_LOG:
		e->log = (enum ts_log_dest)g->v;
		if (g->path)
			strcpy(e->log_path, g->path);
		break;
	case F_LEVEL: e->level = (enum ts_level)g->v; break;
	case F_RATE: e->log_rate = (unsigned long)g->v; break;
	case F_SYSLOG: strcpy(e->syslog_path, g->path); break;
	case F_COUNT: break;
	}
}

/* ------------------------------------------------------------------------ */
/* Suite "config"                                                           */
/* ------------------------------------------------------------------------ */

START_TEST(test_defaults)
{
	struct ts_config c;
	memset(&c, 0x5a, sizeof c);
	ts_config_defaults(&c);
	ck_assert_int_eq(c.disable, 0);
	ck_assert_int_eq(c.sigpipe, TS_SIGPIPE_IGNORE);
	ck_assert_int_eq(c.log, TS_LOG_STDERR);
	ck_assert_int_eq(c.level, TS_L_INFO);
	ck_assert_uint_eq(c.log_rate, 100);
	ck_assert_str_eq(c.syslog_path, "/dev/log");
	ck_assert_int_eq(c.nwarn, 0);
}
END_TEST

START_TEST(test_load_empty_env_gives_defaults)
{
	struct ts_config c, d;
	memset(&c, 0x5a, sizeof c); /* load must not depend on prior contents */
	env_reset();
	ts_config_load(&c, fake_getenv);
	ts_config_defaults(&d);
	cfg_expect_equal(&c, &d, "empty environment");
	ck_assert_int_eq(c.nwarn, 0);
	for (int f = 0; f < F_COUNT; f++)
		REQUIRE(env_asked[f] >= 1, "%s was never looked up", vars[f].name);
}
END_TEST

START_TEST(test_parse_good)
{
	const struct cfg_good *g = &good_rows[_i];
	char what[200], path[TS_PATH_MAX] = "";
	long v = -999;
	snprintf(what, sizeof what, "%s=\"%s\" (direct parser)", vars[g->f].name, shows(g->value));
	int r = parse_direct(g->f, g->value, &v, path, what);
	REQUIRE(r == 0, "%s: refused", what);
	if (g->f != F_SYSLOG)
		REQUIRE(v == g->v, "%s: value %ld, expected %ld", what, v, g->v);
	if (g->path)
		REQUIRE(strcmp(path, g->path) == 0, "%s: path \"%s\", expected \"%s\"", what,
		              shows(path), g->path);
}
END_TEST

START_TEST(test_load_good)
{
	const struct cfg_good *g = &good_rows[_i];
	struct ts_config c, e;
	char what[200];
	snprintf(what, sizeof what, "%s=\"%s\"", vars[g->f].name, shows(g->value));
	env_reset();
	env_values[g->f] = g->value;
	ts_config_load(&c, fake_getenv);
	REQUIRE(c.nwarn == 0, "%s: %d warnings, expected none", what, c.nwarn);
	expected_from_good(&e, g);
	cfg_expect_equal(&c, &e, what);
}
END_TEST

START_TEST(test_parse_bad)
{
	const struct cfg_bad *b = &bad_rows[_i];
	char what[200];
	long v = 0;
	snprintf(what, sizeof what, "%s=\"%s\" (direct parser)", vars[b->f].name, shows(b->value));
	REQUIRE(parse_direct(b->f, b->value, &v, NULL, what) == -1, "%s: accepted", what);
}
END_TEST

START_TEST(test_load_bad)
{
	const struct cfg_bad *b = &bad_rows[_i];
	struct ts_config c, d;
	char what[200];
	snprintf(what, sizeof what, "%s=\"%s\"", vars[b->f].name, shows(b->value));
	env_reset();
	env_values[b->f] = b->value;
	ts_config_load(&c, fake_getenv);
	REQUIRE(c.nwarn == 1, "%s: %d warnings, expected exactly 1", what, c.nwarn);
	expect_warning(&c, 0, b->f, b->value, what);
	ts_config_defaults(&d);
	cfg_expect_equal(&c, &d, what);
}
END_TEST

/* A bad value for one variable does not disturb good values of the others. */
START_TEST(test_load_bad_among_good)
{
	const struct cfg_bad *b = &bad_rows[_i];
	static const char *const good[F_COUNT] = {"yes", "default", "/tmp/t.log",
	                                          "debug", "5", "/tmp/sock"};
	struct ts_config c, e;
	char what[200];
	snprintf(what, sizeof what, "%s=\"%s\" among good values", vars[b->f].name,
	         shows(b->value));
	env_reset();
	for (int f = 0; f < F_COUNT; f++)
		env_values[f] = good[f];
	env_values[b->f] = b->value;
	ts_config_load(&c, fake_getenv);
	REQUIRE(c.nwarn == 1, "%s: %d warnings, expected 1", what, c.nwarn);
	expect_warning(&c, 0, b->f, b->value, what);

	ts_config_defaults(&e);
	if (b->f != F_DISABLE)
		e.disable = 1;
	if (b->f != F_SIGPIPE)
		e.sigpipe = TS_SIGPIPE_DEFAULT;
	if (b->f != F_LOG) {
		e.log = TS_LOG_FILE;
		strcpy(e.log_path, "/tmp/t.log");
	}
	if (b->f != F_LEVEL)
		e.level = TS_L_DEBUG;
	if (b->f != F_RATE)
		e.log_rate = 5;
	if (b->f != F_SYSLOG)
		strcpy(e.syslog_path, "/tmp/sock");
	cfg_expect_equal(&c, &e, what);
}
END_TEST

START_TEST(test_load_all_bad)
{
	static const char *const bad[F_COUNT] = {"maybe", "sometimes", "relative.log",
	                                         "loud", "-5", "dev/log"};
	struct ts_config c, d;
	env_reset();
	for (int f = 0; f < F_COUNT; f++)
		env_values[f] = bad[f];
	ts_config_load(&c, fake_getenv);
	ck_assert_int_eq(c.nwarn, F_COUNT);
	for (int f = 0; f < F_COUNT; f++) {
		/* order is not promised: find the entry for this variable */
		int found = -1, count = 0;
		for (int k = 0; k < c.nwarn; k++)
			if (c.warn[k].var && strcmp(c.warn[k].var, vars[f].name) == 0) {
				found = k;
				count++;
			}
		REQUIRE(count == 1, "%s: %d warnings", vars[f].name, count);
		expect_warning(&c, found, (enum fld)f, bad[f], vars[f].name);
	}
	ts_config_defaults(&d);
	cfg_expect_equal(&c, &d, "all bad");
}
END_TEST

START_TEST(test_load_all_good)
{
	struct ts_config c;
	env_reset();
	env_values[F_DISABLE] = "ON";
	env_values[F_SIGPIPE] = "DEFAULT";
	env_values[F_LOG] = "syslog";
	env_values[F_LEVEL] = "Error";
	env_values[F_RATE] = "0";
	env_values[F_SYSLOG] = "/run/log";
	ts_config_load(&c, fake_getenv);
	ck_assert_int_eq(c.nwarn, 0);
	ck_assert_int_eq(c.disable, 1);
	ck_assert_int_eq(c.sigpipe, TS_SIGPIPE_DEFAULT);
	ck_assert_int_eq(c.log, TS_LOG_SYSLOG);
	ck_assert_int_eq(c.level, TS_L_ERROR);
	ck_assert_uint_eq(c.log_rate, 0); /* 0 = unlimited */
	ck_assert_str_eq(c.syslog_path, "/run/log");
}
END_TEST

/* Loading twice into the same struct: the second load starts from scratch
 * (no leftover warnings, no leftover values). */
START_TEST(test_load_twice)
{
	struct ts_config c, d;
	env_reset();
	env_values[F_LEVEL] = "bogus";
	env_values[F_RATE] = "7";
	ts_config_load(&c, fake_getenv);
	ck_assert_int_eq(c.nwarn, 1);
	ck_assert_uint_eq(c.log_rate, 7);
	env_reset();
	ts_config_load(&c, fake_getenv);
	ck_assert_int_eq(c.nwarn, 0);
	ts_config_defaults(&d);
	cfg_expect_equal(&c, &d, "second load");
}
END_TEST

/* Path lengths at the limits, built at run time. */
struct len_case {
	enum fld f;
	size_t len; /* total length including the leading '/' */
	int ok;
};

static const struct len_case len_rows[] = {
	{F_LOG, 1, 1},      {F_LOG, 4094, 1},  {F_LOG, 4095, 1},  {F_LOG, 4096, 0},
	{F_LOG, 4097, 0},   {F_LOG, 9000, 0},  {F_SYSLOG, 1, 1},  {F_SYSLOG, 106, 1},
	{F_SYSLOG, 107, 1}, {F_SYSLOG, 108, 0}, {F_SYSLOG, 109, 0}, {F_SYSLOG, 4095, 0},
};

START_TEST(test_path_length_limits)
{
	const struct len_case *lc = &len_rows[_i];
	static char s[10000];
	static char path[TS_PATH_MAX];
	char what[120];
	long v;
	struct ts_config c;

	ck_assert_uint_lt(lc->len, sizeof s);
	s[0] = '/';
	for (size_t i = 1; i < lc->len; i++)
		s[i] = (char)('a' + i % 26);
	s[lc->len] = '\0';
	snprintf(what, sizeof what, "%s of length %zu", vars[lc->f].name, lc->len);

	path[0] = '\0';
	int r = parse_direct(lc->f, s, &v, path, what);
	REQUIRE(r == (lc->ok ? 0 : -1), "%s: parser returned %d", what, r);
	if (lc->ok)
		REQUIRE(strcmp(path, s) == 0, "%s: path not copied whole", what);

	env_reset();
	env_values[lc->f] = s;
	ts_config_load(&c, fake_getenv);
	REQUIRE(c.nwarn == (lc->ok ? 0 : 1), "%s: %d warnings", what, c.nwarn);
	if (lc->ok) {
		const char *got = lc->f == F_LOG ? c.log_path : c.syslog_path;
		REQUIRE(strcmp(got, s) == 0, "%s: config path differs", what);
		if (lc->f == F_LOG)
			ck_assert_int_eq(c.log, TS_LOG_FILE);
	} else {
		expect_warning(&c, 0, lc->f, s, what);
		ck_assert_int_eq(c.log, TS_LOG_STDERR);
		ck_assert_str_eq(c.syslog_path, "/dev/log");
	}
}
END_TEST

/* ts_parse_abs_path with tiny buffers: needs room for the NUL. */
struct abs_case {
	const char *s;
	size_t pathsz;
	int ok;
};

static const struct abs_case abs_rows[] = {
	{"/", 0, 0},    {"/", 1, 0},     {"/", 2, 1},    {"/a", 2, 0},      {"/a", 3, 1},
	{"/ab", 3, 0},  {"/ab", 4, 1},   {"a", 100, 0},  {"", 100, 0},      {"//", 3, 1},
	{"/x/y", 16, 1}, {" /x", 16, 0}, {"/x", 4096, 1}, {"./x", 4096, 0},
};

START_TEST(test_abs_path_small_buffers)
{
	const struct abs_case *a = &abs_rows[_i];
	unsigned char mem[GUARD + 4096 + GUARD];
	char *path = (char *)mem + GUARD;
	memset(mem, GUARD_BYTE, sizeof mem);
	int r = ts_parse_abs_path(a->s, path, a->pathsz);
	REQUIRE(r == (a->ok ? 0 : -1), "\"%s\" pathsz %zu: returned %d", a->s, a->pathsz, r);
	for (size_t i = 0; i < GUARD; i++)
		REQUIRE(mem[i] == GUARD_BYTE && mem[GUARD + a->pathsz + i] == GUARD_BYTE,
		              "\"%s\" pathsz %zu: wrote outside the buffer", a->s, a->pathsz);
	if (a->ok)
		ck_assert_str_eq(path, a->s);
	else
		for (size_t i = 0; i < a->pathsz; i++)
			REQUIRE(mem[GUARD + i] == GUARD_BYTE, "\"%s\": refused but wrote", a->s);
}
END_TEST

/* ts_parse_ulong with various bounds, max >= 9. */
struct ulong_case {
	const char *s;
	unsigned long max;
	int ok;
	unsigned long v;
};

static const struct ulong_case ulong_rows[] = {
	{"0", 9, 1, 0},
	{"9", 9, 1, 9},
	{"10", 9, 0, 0},
	{"10", 10, 1, 10},
	{"11", 10, 0, 0},
	{"99", 99, 1, 99},
	{"100", 99, 0, 0},
	{"100", 100, 1, 100},
	{"101", 100, 0, 0},
	{"1000000", TS_LOG_RATE_MAX, 1, 1000000},
	{"1000001", TS_LOG_RATE_MAX, 0, 0},
	{"1000010", TS_LOG_RATE_MAX, 0, 0},
	{"999999", TS_LOG_RATE_MAX, 1, 999999},
	{"4294967295", 4294967295UL, 1, 4294967295UL},
	{"4294967296", 4294967295UL, 0, 0},
	{"", 100, 0, 0},
	{"-0", 100, 0, 0},
	{"12a", 1000, 0, 0},
	{"a12", 1000, 0, 0},
	{"1 2", 1000, 0, 0},
	{"000000000000000000000000000000009", 9, 1, 9},
};

START_TEST(test_parse_ulong_bounds)
{
	const struct ulong_case *u = &ulong_rows[_i];
	unsigned long v = 31337;
	int r = ts_parse_ulong(u->s, u->max, &v);
	REQUIRE(r == (u->ok ? 0 : -1), "\"%s\" max %lu: returned %d (value %lu)", u->s,
	              u->max, r, v);
	REQUIRE(v == (u->ok ? u->v : 31337UL), "\"%s\" max %lu: out %lu", u->s, u->max, v);
}
END_TEST

/* Full unsigned long range: ULONG_MAX itself is accepted, one more is not. */
START_TEST(test_parse_ulong_ulong_max)
{
	char s[64];
	unsigned long v = 0;
	snprintf(s, sizeof s, "%lu", ULONG_MAX);
	ck_assert_int_eq(ts_parse_ulong(s, ULONG_MAX, &v), 0);
	ck_assert(v == ULONG_MAX);
	/* ULONG_MAX + 1 in decimal: ULONG_MAX ends in 5 on every usual ABI */
	size_t n = strlen(s);
	ck_assert(s[n - 1] == '5');
	s[n - 1] = '6';
	v = 1;
	ck_assert_int_eq(ts_parse_ulong(s, ULONG_MAX, &v), -1);
	ck_assert_uint_eq(v, 1);
	snprintf(s, sizeof s, "%lu0", ULONG_MAX);
	ck_assert_int_eq(ts_parse_ulong(s, ULONG_MAX, &v), -1);
	snprintf(s, sizeof s, "%lu", ULONG_MAX / 10);
	ck_assert_int_eq(ts_parse_ulong(s, ULONG_MAX / 10, &v), 0);
	ck_assert(v == ULONG_MAX / 10);
	snprintf(s, sizeof s, "%lu", ULONG_MAX / 10 + 1);
	ck_assert_int_eq(ts_parse_ulong(s, ULONG_MAX / 10, &v), -1);
}
END_TEST

/* Regression: the header promises "value <= max" for every max; the first
 * src/config.c computed (max - d) / 10 with d > max, which wrapped around
 * and let "1" through with max 0. */
static const struct ulong_case ulong_small_rows[] = {
	{"0", 0, 1, 0}, {"1", 0, 0, 0}, {"9", 0, 0, 0}, {"5", 5, 1, 5},  {"6", 5, 0, 0},
	{"9", 8, 0, 0}, {"35", 3, 0, 0}, {"3", 3, 1, 3}, {"8", 1, 0, 0}, {"2", 1, 0, 0},
};

START_TEST(test_parse_ulong_small_max)
{
	const struct ulong_case *u = &ulong_small_rows[_i];
	unsigned long v = 31337;
	int r = ts_parse_ulong(u->s, u->max, &v);
	REQUIRE(r == (u->ok ? 0 : -1),
	              "ts_parse_ulong(\"%s\", max=%lu) returned %d with value %lu (> max)", u->s,
	              u->max, r, v);
	REQUIRE(v == (u->ok ? u->v : 31337UL), "\"%s\" max %lu: out %lu", u->s, u->max, v);
}
END_TEST

START_TEST(test_level_names)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (int l = TS_L_ERROR; l <= TS_L_DEBUG; l++) {
		const char *n = ts_level_name((enum ts_level)l);
		ck_assert_str_eq(n, names[l]);
		enum ts_level back = (enum ts_level)77;
		ck_assert_int_eq(ts_parse_level(n, &back), 0);
		ck_assert_int_eq(back, l);
	}
	/* out of range: still some valid level name, never NULL */
	static const int odd[] = {-1, 4, 77, INT_MAX};
	for (size_t k = 0; k < N_ELEMS(odd); k++) {
		const char *n = ts_level_name((enum ts_level)odd[k]);
		enum ts_level back;
		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(ts_parse_level(n, &back), 0);
	}
}
END_TEST

/* Regression: the first src/config.c accepted a path with a trailing space
 * (spec: "leading/trailing spaces are not trimmed (they make the value
 * invalid)") and logged to a file whose name ended in a space. */
static const struct cfg_bad spec_space_rows[] = {
	{F_LOG, "/tmp/tcpsafe.log "},
	{F_SYSLOG, "/dev/log "},
	{F_LOG, "/var/log/x.log\t"},
	{F_SYSLOG, "/run/log\t"},
};

START_TEST(test_spec_trailing_space_paths)
{
	const struct cfg_bad *b = &spec_space_rows[_i];
	struct ts_config c;
	char what[200];
	snprintf(what, sizeof what, "%s=\"%s\"", vars[b->f].name, b->value);
	env_reset();
	env_values[b->f] = b->value;
	ts_config_load(&c, fake_getenv);
	REQUIRE(c.nwarn == 1,
	        "%s: trailing white space accepted without a warning (log=%d log_path=\"%s\" "
	        "syslog_path=\"%s\")",
	        what, (int)c.log, shows(c.log_path), shows(c.syslog_path));
	expect_warning(&c, 0, b->f, b->value, what);
	ck_assert_int_eq(c.log, TS_LOG_STDERR);
	ck_assert_str_eq(c.syslog_path, "/dev/log");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Suite "fmt"                                                              */
/* ------------------------------------------------------------------------ */

START_TEST(test_put_mem_str_char)
{
	struct gbuf g;
	gbuf_init(&g, 4);
	ts_put_str(&g.b, "ab");
	ck_assert_uint_eq(g.b.len, 2);
	ts_put_mem(&g.b, "cdef", 3);
	ck_assert_uint_eq(g.b.len, 4);
	ck_assert(memcmp(g.b.p, "abcd", 4) == 0);
	ts_put_char(&g.b, 'x');
	ts_put_str(&g.b, "yz");
	ts_put_mem(&g.b, "q", 1);
	ck_assert_uint_eq(g.b.len, 4);
	ck_assert(memcmp(g.b.p, "abcd", 4) == 0);
	ck_assert(gbuf_guards_ok(&g));

	gbuf_init(&g, 0); /* zero-capacity buffer: nothing at all */
	ts_put_char(&g.b, 'x');
	ts_put_str(&g.b, "hello");
	ts_put_mem(&g.b, "hello", 5);
	ck_assert_uint_eq(g.b.len, 0);
	ck_assert(gbuf_guards_ok(&g));

	gbuf_init(&g, 3);
	ts_put_mem(&g.b, "xyz", 0);
	ts_put_str(&g.b, "");
	ck_assert_uint_eq(g.b.len, 0);
	ts_put_mem(&g.b, "a\0b", 3); /* mem copies NULs too */
	ck_assert_uint_eq(g.b.len, 3);
	ck_assert(memcmp(g.b.p, "a\0b", 3) == 0);
	ck_assert(gbuf_guards_ok(&g));

	char arr[5];
	struct ts_buf b = TS_BUF(arr);
	ck_assert_uint_eq(b.cap, 5);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_eq(b.p, arr);
}
END_TEST

struct u64_case {
	uint64_t v;
	const char *s;
};

static const struct u64_case u64_rows[] = {
	{0, "0"},
	{1, "1"},
	{9, "9"},
	{10, "10"},
	{99, "99"},
	{100, "100"},
	{65535, "65535"},
	{4294967295ULL, "4294967295"},
	{4294967296ULL, "4294967296"},
	{9999999999999999999ULL, "9999999999999999999"},
	{10000000000000000000ULL, "10000000000000000000"},
	{UINT64_MAX - 1, "18446744073709551614"},
	{UINT64_MAX, "18446744073709551615"},
};

START_TEST(test_put_u64)
{
	const struct u64_case *r = &u64_rows[_i];
	struct fcall c = {.kind = FK_U64, .u = r->v};
	expect_output(&c, r->s, r->s);
}
END_TEST

struct i64_case {
	int64_t v;
	const char *s;
};

static const struct i64_case i64_rows[] = {
	{0, "0"},
	{1, "1"},
	{-1, "-1"},
	{-9, "-9"},
	{-10, "-10"},
	{42, "42"},
	{INT32_MIN, "-2147483648"},
	{INT32_MAX, "2147483647"},
	{INT64_MAX, "9223372036854775807"},
	{INT64_MIN + 1, "-9223372036854775807"},
	{INT64_MIN, "-9223372036854775808"},
};

START_TEST(test_put_i64)
{
	const struct i64_case *r = &i64_rows[_i];
	struct fcall c = {.kind = FK_I64, .i = r->v};
	expect_output(&c, r->s, r->s);
}
END_TEST

struct time_case {
	int64_t sec;
	long nsec;
	const char *s;
};

static const struct time_case time_rows[] = {
	{0, 0, "1970-01-01T00:00:00.000Z"},
	{0, 7000000, "1970-01-01T00:00:00.007Z"},
	{0, 10000000, "1970-01-01T00:00:00.010Z"},
	{0, 123000000, "1970-01-01T00:00:00.123Z"},
	{0, 999999999, "1970-01-01T00:00:00.999Z"},
	{0, 1999999, "1970-01-01T00:00:00.001Z"}, /* milliseconds truncate */
	{0, 999999, "1970-01-01T00:00:00.000Z"},
	{59, 0, "1970-01-01T00:00:59.000Z"},
	{60, 0, "1970-01-01T00:01:00.000Z"},
	{3599, 0, "1970-01-01T00:59:59.000Z"},
	{3600, 0, "1970-01-01T01:00:00.000Z"},
	{86399, 500000000, "1970-01-01T23:59:59.500Z"},
	{86400, 0, "1970-01-02T00:00:00.000Z"},
	{68256000, 0, "1972-03-01T00:00:00.000Z"},
	{946684799, 0, "1999-12-31T23:59:59.000Z"},
	{951782400, 0, "2000-02-29T00:00:00.000Z"}, /* divisible by 400: leap */
	{951868800, 0, "2000-03-01T00:00:00.000Z"},
	{978307200, 0, "2001-01-01T00:00:00.000Z"},
	{1704067199, 0, "2023-12-31T23:59:59.000Z"},
	{1709164800, 0, "2024-02-29T00:00:00.000Z"},
	{1709251199, 999000000, "2024-02-29T23:59:59.999Z"},
	{1735603200, 0, "2024-12-31T00:00:00.000Z"}, /* day 366 */
	{1735689599, 0, "2024-12-31T23:59:59.000Z"},
	{1795258163, 123000000, "2026-11-21T10:49:23.123Z"}, /* the spec's example */
	{2147483647, 0, "2038-01-19T03:14:07.000Z"},
	{2147483648, 0, "2038-01-19T03:14:08.000Z"},
	{4102444800, 0, "2100-01-01T00:00:00.000Z"},
	{4107456000, 0, "2100-02-28T00:00:00.000Z"},
	{4107542399, 0, "2100-02-28T23:59:59.000Z"},
	{4107542400, 0, "2100-03-01T00:00:00.000Z"}, /* 2100 is not a leap year */
	{253402300799, 999999999, "9999-12-31T23:59:59.999Z"},
	{253402300800, 0, "9999-12-31T23:59:59.000Z"}, /* clamped: years stay 4 digits */
	{-62135596800, 0, "0001-01-01T00:00:00.000Z"},
	{INT64_MIN, 0, "0001-01-01T00:00:00.000Z"},
	{0, -5000000, "1970-01-01T00:00:00.000Z"},
	{-1, 0, "1969-12-31T23:59:59.000Z"},
	{-1, 1000000, "1969-12-31T23:59:59.001Z"},
	{-86400, 0, "1969-12-31T00:00:00.000Z"},
	{-86401, 0, "1969-12-30T23:59:59.000Z"},
	{-2208988800, 0, "1900-01-01T00:00:00.000Z"},
	{-2203891200, 0, "1900-03-01T00:00:00.000Z"}, /* 1900: no Feb 29 */
	{-11670998400, 0, "1600-02-29T00:00:00.000Z"},
	{-11670912000, 0, "1600-03-01T00:00:00.000Z"},
	{-30610224000, 0, "1000-01-01T00:00:00.000Z"},
};

START_TEST(test_put_time_utc)
{
	const struct time_case *r = &time_rows[_i];
	struct fcall c = {.kind = FK_TIME, .i = r->sec, .nsec = r->nsec};
	expect_output(&c, r->s, r->s);
}
END_TEST

struct value_case {
	const char *name;
	const char *s;
	size_t max;
	const char *out;
};

static const struct value_case value_rows[] = {
	{"bare word", "abc", 64, "abc"},
	{"bare path", "/usr/bin/x-y_z.1", 64, "/usr/bin/x-y_z.1"},
	{"bare punctuation", "!#$%&'()*+,-./:;<>?@[]^_`{|}~", 64, "!#$%&'()*+,-./:;<>?@[]^_`{|}~"},
	{"literal dots are not a cut", "a...", 64, "a..."},
	{"empty", "", 64, "\"\""},
	{"empty, max 0", "", 0, "\"\""},
	{"inner space", "hello world", 64, "\"hello world\""},
	{"single space", " ", 64, "\" \""},
	{"equals sign", "a=b", 64, "\"a=b\""},
	{"lone equals", "=", 64, "\"=\""},
	{"quotes", "say \"hi\"", 64, "\"say \\\"hi\\\"\""},
	{"lone quote", "\"", 64, "\"\\\"\""},
	{"backslash", "C:\\dir", 64, "\"C:\\\\dir\""},
	{"lone backslash", "\\", 64, "\"\\\\\""},
	{"newline", "a\nb", 64, "\"a\\nb\""},
	{"quote backslash newline", "\"\\\n", 64, "\"\\\"\\\\\\n\""},
	{"tab", "a\tb", 64, "\"a\\x09b\""},
	{"carriage return", "\r", 64, "\"\\x0d\""},
	{"byte 0x01", "\x01", 64, "\"\\x01\""},
	{"escape sequence", "\x1b" "[0m", 64, "\"\\x1b[0m\""},
	{"byte 0x1f", "\x1f", 64, "\"\\x1f\""},
	{"DEL", "\x7f", 64, "\"\\x7f\""},
	{"high bytes", "\x80\xff", 64, "\"\\x80\\xff\""},
	{"UTF-8", "caf\xc3\xa9", 64, "\"caf\\xc3\\xa9\""},
	{"exact fit is not cut", "abc", 3, "abc"},
	{"cut by one", "abcd", 3, "\"abc...\""},
	{"cut bare value", "abcdef", 3, "\"abc...\""},
	{"cut to nothing", "abc", 0, "\"...\""},
	{"cut after an escape", "a\"b", 2, "\"a\\\"...\""},
	{"cut before a newline", "ab\ncd", 2, "\"ab...\""},
	{"cut after a newline", "ab\ncd", 3, "\"ab\\n...\""},
	{"cut quoted value", "a b c", 3, "\"a b...\""},
	{"cut inside UTF-8", "\xc3\xa9\xc3\xa9", 3, "\"\\xc3\\xa9\\xc3...\""},
	{"one byte max", "xy", 1, "\"x...\""},
};

START_TEST(test_put_value)
{
	const struct value_case *r = &value_rows[_i];
	struct fcall c = {.kind = FK_VALUE, .s = r->s, .max = r->max};
	expect_output(&c, r->out, r->name);
}
END_TEST

/* Every single byte value, by the documented rule. */
START_TEST(test_put_value_each_byte)
{
	for (int ch = 1; ch < 256; ch++) {
		char in[2] = {(char)ch, '\0'};
		char exp[16], what[32];
		int bare = ch > ' ' && ch < 0x7f && ch != '"' && ch != '=' && ch != '\\';
		if (bare)
			snprintf(exp, sizeof exp, "%c", ch);
		else if (ch == '"' || ch == '\\')
			snprintf(exp, sizeof exp, "\"\\%c\"", ch);
		else if (ch == '\n')
			snprintf(exp, sizeof exp, "\"\\n\"");
		else if (ch < ' ' || ch >= 0x7f)
			snprintf(exp, sizeof exp, "\"\\x%02x\"", (unsigned)ch);
		else
			snprintf(exp, sizeof exp, "\"%c\"", ch);
		snprintf(what, sizeof what, "byte 0x%02x", (unsigned)ch);
		struct fcall c = {.kind = FK_VALUE, .s = in, .max = 64};
		expect_output(&c, exp, what);
	}
}
END_TEST

/* A 64-byte cut of a long value, as the config warnings use it. */
START_TEST(test_put_value_long_cut)
{
	char in[200], exp[200];
	for (int i = 0; i < 199; i++)
		in[i] = (char)('a' + i % 26);
	in[199] = '\0';
	exp[0] = '"';
	memcpy(exp + 1, in, 64);
	memcpy(exp + 65, "...\"", 5);
	struct fcall c = {.kind = FK_VALUE, .s = in, .max = 64};
	expect_output(&c, exp, "199 bytes cut at 64");
	struct fcall whole = {.kind = FK_VALUE, .s = in, .max = 199};
	expect_output(&whole, in, "199 bytes, max 199");
}
END_TEST

struct v4_case {
	uint8_t a[4];
	unsigned port;
	const char *out;
};

static const struct v4_case v4_rows[] = {
	{{127, 0, 0, 1}, 80, "127.0.0.1:80"},
	{{0, 0, 0, 0}, 0, "0.0.0.0:0"},
	{{255, 255, 255, 255}, 65535, "255.255.255.255:65535"},
	{{10, 20, 30, 40}, 8080, "10.20.30.40:8080"},
	{{192, 168, 1, 100}, 443, "192.168.1.100:443"},
	{{1, 0, 10, 100}, 9877, "1.0.10.100:9877"},
};

START_TEST(test_put_addr_ipv4)
{
	const struct v4_case *r = &v4_rows[_i];
	struct fcall c = {.kind = FK_ADDR, .family = AF_INET, .addr = r->a, .port = r->port};
	expect_output(&c, r->out, r->out);
}
END_TEST

struct v6_case {
	const char *name;
	uint16_t g[8];
	unsigned port;
	const char *out;
};

static const struct v6_case v6_rows[] = {
	{"loopback", {0, 0, 0, 0, 0, 0, 0, 1}, 80, "[::1]:80"},
	{"unspecified", {0, 0, 0, 0, 0, 0, 0, 0}, 0, "[::]:0"},
	{"documentation", {0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}, 443, "[2001:db8::1]:443"},
	{"link-local prefix", {0xfe80, 0, 0, 0, 0, 0, 0, 0}, 1, "[fe80::]:1"},
	{"1::", {1, 0, 0, 0, 0, 0, 0, 0}, 2, "[1::]:2"},
	{"longest run wins", {1, 0, 0, 1, 0, 0, 0, 1}, 7, "[1:0:0:1::1]:7"},
	{"longest run wins (at the end)", {0x2001, 0, 0, 1, 0, 0, 0, 0}, 7, "[2001:0:0:1::]:7"},
	{"single zero not compressed", {0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}, 9,
	 "[2001:db8:0:1:1:1:1:1]:9"},
	{"trailing single zero", {1, 2, 3, 4, 5, 6, 7, 0}, 3, "[1:2:3:4:5:6:7:0]:3"},
	{"leading single zero", {0, 1, 2, 3, 4, 5, 6, 7}, 3, "[0:1:2:3:4:5:6:7]:3"},
	{"tie: first run wins", {1, 0, 0, 1, 1, 0, 0, 1}, 5, "[1::1:1:0:0:1]:5"},
	{"tie of three: first wins", {0, 0, 0, 1, 0, 0, 0, 1}, 5, "[::1:0:0:0:1]:5"},
	{"tie in the middle", {0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}, 5, "[2001:db8::1:0:0:1]:5"},
	{"leading run of two", {0, 0, 2, 3, 4, 5, 6, 7}, 6, "[::2:3:4:5:6:7]:6"},
	{"trailing run of two", {1, 2, 3, 4, 5, 6, 0, 0}, 6, "[1:2:3:4:5:6::]:6"},
	{"middle run of two", {1, 2, 3, 0, 0, 6, 7, 8}, 6, "[1:2:3::6:7:8]:6"},
	{"leading zeros dropped", {0x2001, 0x0db8, 0x0012, 0x0003, 0x0abc, 0x00f0, 0x0f00, 0xf000},
	 8, "[2001:db8:12:3:abc:f0:f00:f000]:8"},
	{"lowercase hex", {0xABCD, 0xEF01, 0x2345, 0x6789, 0xABCD, 0xEF01, 0x2345, 0x6789}, 8,
	 "[abcd:ef01:2345:6789:abcd:ef01:2345:6789]:8"},
	{"all ones", {0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff}, 65535,
	 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
	{"IPv4-mapped", {0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304}, 80, "[::ffff:1.2.3.4]:80"},
	{"IPv4-mapped 127.0.0.1", {0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001}, 9877,
	 "[::ffff:127.0.0.1]:9877"},
	{"IPv4-mapped 0.0.0.0", {0, 0, 0, 0, 0, 0xffff, 0, 0}, 0, "[::ffff:0.0.0.0]:0"},
	{"IPv4-mapped broadcast", {0, 0, 0, 0, 0, 0xffff, 0xffff, 0xffff}, 1,
	 "[::ffff:255.255.255.255]:1"},
	{"ffff in another place is not mapped", {0, 0, 0, 0, 0xffff, 0, 0x0102, 0x0304}, 1,
	 "[::ffff:0:102:304]:1"},
	{"fffe is not mapped", {0, 0, 0, 0, 0, 0xfffe, 1, 1}, 1, "[::fffe:1:1]:1"},
};

static void groups_to_bytes(const uint16_t g[8], uint8_t a[16])
{
	for (int i = 0; i < 8; i++) {
		a[2 * i] = (uint8_t)(g[i] >> 8);
		a[2 * i + 1] = (uint8_t)(g[i] & 0xff);
	}
}

START_TEST(test_put_addr_ipv6)
{
	const struct v6_case *r = &v6_rows[_i];
	uint8_t a[16];
	groups_to_bytes(r->g, a);
	struct fcall c = {.kind = FK_ADDR, .family = AF_INET6, .addr = a, .port = r->port};
	expect_output(&c, r->out, r->name);
}
END_TEST

struct name_case {
	int n;
	const char *name; /* NULL: unknown */
};

static const struct name_case errno_rows[] = {
	{EPIPE, "EPIPE"},
	{ECONNRESET, "ECONNRESET"},
	{EAGAIN, "EAGAIN"},
	{EINTR, "EINTR"},
	{EBADF, "EBADF"},
	{EPERM, "EPERM"},
	{EINVAL, "EINVAL"},
	{ENOTSOCK, "ENOTSOCK"},
	{ENOTCONN, "ENOTCONN"},
	{ETIMEDOUT, "ETIMEDOUT"},
	{ECONNREFUSED, "ECONNREFUSED"},
	{ECONNABORTED, "ECONNABORTED"},
	{EHOSTUNREACH, "EHOSTUNREACH"},
	{ENETUNREACH, "ENETUNREACH"},
	{ENETRESET, "ENETRESET"},
	{EMFILE, "EMFILE"},
	{ECANCELED, "ECANCELED"},
	{0, NULL},
	{-1, NULL},
	{-EPIPE, NULL},
	{1000, NULL},
	{4096, NULL},
	{INT_MAX, NULL},
	{INT_MIN, NULL},
};

START_TEST(test_errno_name)
{
	const struct name_case *r = &errno_rows[_i];
	const char *got = ts_errno_name(r->n);
	if (r->name)
		REQUIRE(got && strcmp(got, r->name) == 0, "errno %d: \"%s\", expected %s", r->n,
		              shows(got), r->name);
	else
		REQUIRE(got == NULL, "errno %d: \"%s\", expected NULL", r->n, shows(got));
}
END_TEST

/* Whatever name is given must be the right one (glibc's own table). */
START_TEST(test_errno_name_matches_libc)
{
	int known = 0;
	for (int e = -5; e < 300; e++) {
		const char *got = ts_errno_name(e);
		if (!got)
			continue;
		known++;
		REQUIRE(e > 0, "errno %d has a name", e);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
		const char *want = strerrorname_np(e);
		REQUIRE(want && strcmp(got, want) == 0, "errno %d: \"%s\", libc says \"%s\"", e,
		              got, shows(want));
#else
		REQUIRE(got[0] == 'E', "errno %d: \"%s\"", e, got);
#endif
	}
	ck_assert_int_ge(known, 10);
}
END_TEST

static const struct name_case signal_rows[] = {
	{SIGPIPE, "SIGPIPE"}, {SIGSEGV, "SIGSEGV"}, {SIGTERM, "SIGTERM"}, {SIGKILL, "SIGKILL"},
	{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGCHLD, "SIGCHLD"}, {SIGALRM, "SIGALRM"},
	{SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},
	{SIGSYS, "SIGSYS"},   {SIGURG, "SIGURG"},   {0, NULL},            {-1, NULL},
	{-SIGPIPE, NULL},     {32, NULL},           {65, NULL},           {INT_MAX, NULL},
	{INT_MIN, NULL},
};

START_TEST(test_signal_name)
{
	const struct name_case *r = &signal_rows[_i];
	const char *got = ts_signal_name(r->n);
	if (r->name)
		REQUIRE(got && strcmp(got, r->name) == 0, "signal %d: \"%s\", expected %s", r->n,
		              shows(got), r->name);
	else
		REQUIRE(got == NULL, "signal %d: \"%s\", expected NULL", r->n, shows(got));
}
END_TEST

START_TEST(test_signal_name_matches_libc)
{
	ck_assert_ptr_null(ts_signal_name(SIGRTMIN));
	ck_assert_ptr_null(ts_signal_name(SIGRTMAX));
	for (int s = -3; s < 70; s++) {
		const char *got = ts_signal_name(s);
		if (s >= 1 && s <= 31)
			REQUIRE(got != NULL, "signal %d has no name", s);
		if (!got)
			continue;
		REQUIRE(s >= 1 && s < SIGRTMIN, "signal %d has name %s", s, got);
		REQUIRE(strncmp(got, "SIG", 3) == 0, "signal %d: \"%s\"", s, got);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
		const char *abbrev = sigabbrev_np(s);
		/* SIGIO and SIGPOLL are the same number; either name is right */
		int same = abbrev && strcmp(got + 3, abbrev) == 0;
		if (s == SIGIO)
			same = same || strcmp(got, "SIGIO") == 0 || strcmp(got, "SIGPOLL") == 0;
		REQUIRE(same, "signal %d: \"%s\", libc says SIG%s", s, got, shows(abbrev));
#endif
	}
}
END_TEST

/* A complete log line assembled from the primitives in a small buffer:
 * cut off cleanly, never past the end. */
START_TEST(test_log_line_in_small_buffers)
{
	static const uint8_t lo[4] = {127, 0, 0, 1};
	const char *full = "ts=2026-11-21T10:49:23.123Z prog=\"my prog\" pid=4242 errno=EPIPE "
	                   "peer=127.0.0.1:51544";
	size_t len = strlen(full);
	for (size_t cap = 0; cap <= len + 3; cap++) {
		struct gbuf g;
		gbuf_init(&g, cap);
		ts_put_str(&g.b, "ts=");
		ts_put_time_utc(&g.b, 1795258163, 123456789);
		ts_put_str(&g.b, " prog=");
		ts_put_value(&g.b, "my prog", 64);
		ts_put_str(&g.b, " pid=");
		ts_put_i64(&g.b, 4242);
		ts_put_str(&g.b, " errno=");
		ts_put_str(&g.b, ts_errno_name(EPIPE));
		ts_put_str(&g.b, " peer=");
		ts_put_addr(&g.b, AF_INET, lo, 51544);
		size_t want = cap < len ? cap : len;
		REQUIRE(gbuf_guards_ok(&g), "cap %zu: overflow", cap);
		REQUIRE(g.b.len == want && memcmp(g.b.p, full, want) == 0,
		              "cap %zu: \"%s\"", cap, show(g.b.p, g.b.len));
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Suite "stress": generated inputs against oracles                         */
/* ------------------------------------------------------------------------ */

static const char *const pool_words[] = {
	"0",      "1",       "no",       "yes",    "false",   "true",    "off",     "on",
	"ignore", "default", "stderr",   "syslog", "none",    "error",   "warn",    "info",
	"debug",  "100",     "1000000",  "1000001", "0000",   "/dev/log", "/tmp/x", "/",
	"-1",     "18446744073709551616", "info ", "relative/x",
};

/* One generated string into dst (cap >= 5000).  Returns its length. */
static size_t gen_string(char *dst, size_t cap)
{
	size_t n = 0;
	switch (rng_below(8)) {
	case 0: /* random bytes 1..255 */
		n = rng_below(40);
		for (size_t i = 0; i < n; i++)
			dst[i] = (char)(1 + rng_below(255));
		break;
	case 1: /* printable ASCII */
		n = rng_below(24);
		for (size_t i = 0; i < n; i++)
			dst[i] = (char)(' ' + rng_below(95));
		break;
	case 2:
	case 3: { /* mutated keyword */
		const char *w = pool_words[rng_below(N_ELEMS(pool_words))];
		n = strlen(w);
		memcpy(dst, w, n);
		int muts = (int)rng_below(3);
		for (int m = 0; m < muts; m++) {
			size_t pos = n ? rng_below(n + 1) : 0;
			static const char nasty[] = " \t\n\r\x01\x7f\x80\xff" "AaZz09/-+.=\"\\";
			switch (rng_below(5)) {
			case 0: /* flip case */
				if (pos < n && ((dst[pos] | 0x20) >= 'a' && (dst[pos] | 0x20) <= 'z'))
					dst[pos] ^= 0x20;
				break;
			case 1: /* insert */
				memmove(dst + pos + 1, dst + pos, n - pos);
				dst[pos] = nasty[rng_below(sizeof nasty - 1)];
				n++;
				break;
			case 2: /* delete */
				if (pos < n) {
					memmove(dst + pos, dst + pos + 1, n - pos - 1);
					n--;
				}
				break;
			case 3: /* surrounding space */
				if (rng_below(2)) {
					memmove(dst + 1, dst, n);
					dst[0] = ' ';
				} else {
					dst[n] = ' ';
				}
				n++;
				break;
			default: /* all upper case */
				for (size_t i = 0; i < n; i++)
					if (dst[i] >= 'a' && dst[i] <= 'z')
						dst[i] = (char)(dst[i] - 32);
				break;
			}
		}
		break;
	}
	case 4: /* digits, maybe signed, maybe long */
		if (rng_below(8) == 0)
			dst[n++] = "+- "[rng_below(3)];
		for (size_t k = rng_below(26); k > 0; k--)
			dst[n++] = (char)('0' + (rng_below(3) ? rng_below(2) : rng_below(10)));
		break;
	case 5: { /* absolute path, lengths around the limits */
		static const size_t lens[] = {105, 106, 107, 108, 109, 4093, 4094, 4095, 4096, 4097};
		size_t want = rng_below(2) ? lens[rng_below(N_ELEMS(lens))] : 1 + rng_below(200);
		dst[n++] = '/';
		while (n < want)
			dst[n++] = (char)('!' + rng_below(94));
		switch (rng_below(6)) { /* sometimes spoil it */
		case 0: dst[1 + rng_below(n - 1 ? n - 1 : 1)] = (char)(1 + rng_below(255)); break;
		case 1: dst[n - 1] = " \t\n"[rng_below(3)]; break;
		case 2: dst[rng_below(n)] = ' '; break;
		default: break;
		}
		break;
	}
	case 6: /* empty */
		break;
	default: /* long random bytes */
		n = rng_below(300);
		for (size_t i = 0; i < n; i++)
			dst[i] = (char)(1 + rng_below(255));
		break;
	}
	REQUIRE(n < cap, "generated string too long");
	dst[n] = '\0';
	return n;
}

/* Oracles, written from the spec, independent of src/config.c. */
static int oracle_word(const char *s, const char *const *words, int nwords)
{
	for (int i = 0; i < nwords; i++)
		if (strcasecmp(s, words[i]) == 0) /* C locale: ASCII folding only */
			return i;
	return -1;
}

static int oracle_bool(const char *s, int *v)
{
	static const char *const t[] = {"1", "yes", "true", "on"};
	static const char *const f[] = {"0", "no", "false", "off"};
	if (oracle_word(s, t, 4) >= 0) {
		*v = 1;
		return 0;
	}
	if (oracle_word(s, f, 4) >= 0) {
		*v = 0;
		return 0;
	}
	return -1;
}

/* Decimal digits only, value <= max; compared as strings to avoid any
 * arithmetic shared with the code under test. */
static int oracle_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char maxs[32];
	size_t n = strlen(s);
	if (n == 0 || strspn(s, "0123456789") != n)
		return -1;
	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	snprintf(maxs, sizeof maxs, "%lu", max);
	size_t m = strlen(maxs);
	if (n > m || (n == m && strcmp(s, maxs) > 0))
		return -1;
	*v = strtoul(s, NULL, 10);
	return 0;
}

/* 1: must accept, -1: must refuse.  Absolute, fits with its NUL, no
 * trailing space (spec: spaces are not trimmed and make a value invalid),
 * no control character (src/config.c: "a typing accident, not a name"). */
static int oracle_path(const char *s, size_t pathsz)
{
	size_t n = strlen(s);
	if (s[0] != '/' || n >= pathsz || s[n - 1] == ' ')
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return -1;
	return 1;
}

static void check_parsers_on(const char *s, const char *what)
{
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	static const char *const modes[] = {"ignore", "default"};
	static const char *const dests[] = {"stderr", "syslog", "none"};
	static unsigned char mem[GUARD + TS_PATH_MAX + GUARD];
	char *path = (char *)mem + GUARD;

	{
		int v = 777, ov = 0;
		int r = ts_parse_bool(s, &v), o = oracle_bool(s, &ov);
		REQUIRE(r == o, "%s: ts_parse_bool returned %d, expected %d", what, r, o);
		REQUIRE(o == 0 ? v == ov : v == 777, "%s: bool value %d", what, v);
	}
	{
		enum ts_level v = (enum ts_level)77;
		int o = oracle_word(s, levels, 4);
		int r = ts_parse_level(s, &v);
		REQUIRE(r == (o >= 0 ? 0 : -1), "%s: ts_parse_level returned %d", what, r);
		REQUIRE((int)v == (o >= 0 ? o : 77), "%s: level %d", what, (int)v);
	}
	{
		enum ts_sigpipe_mode v = (enum ts_sigpipe_mode)77;
		int o = oracle_word(s, modes, 2);
		int r = ts_parse_sigpipe(s, &v);
		REQUIRE(r == (o >= 0 ? 0 : -1), "%s: ts_parse_sigpipe returned %d", what, r);
		REQUIRE((int)v == (o >= 0 ? o : 77), "%s: sigpipe %d", what, (int)v);
	}
	{
		static const unsigned long maxes[] = {9, 10, 99, 100, 65535, 1000000, 4294967295UL,
		                                      ULONG_MAX};
		unsigned long max = rng_below(4) ? maxes[rng_below(N_ELEMS(maxes))]
		                                 : 9 + rng64() % (ULONG_MAX - 9);
		unsigned long v = 4242, ov = 0;
		int r = ts_parse_ulong(s, max, &v), o = oracle_ulong(s, max, &ov);
		REQUIRE(r == o, "%s: ts_parse_ulong(max %lu) returned %d, expected %d", what, max,
		              r, o);
		REQUIRE(o == 0 ? v == ov : v == 4242, "%s: ulong value %lu (max %lu)", what, v,
		              max);
	}
	{
		static const size_t sizes[] = {0, 1, 2, 3, 16, 64, TS_SUN_PATH_MAX, TS_PATH_MAX};
		size_t pathsz = sizes[rng_below(N_ELEMS(sizes))];
		memset(mem, GUARD_BYTE, sizeof mem);
		int o = oracle_path(s, pathsz);
		int r = ts_parse_abs_path(s, path, pathsz);
		for (size_t i = 0; i < GUARD; i++)
			REQUIRE(mem[i] == GUARD_BYTE && mem[GUARD + pathsz + i] == GUARD_BYTE,
			              "%s: ts_parse_abs_path wrote outside %zu bytes", what, pathsz);
		REQUIRE(r == 0 || r == -1, "%s: returned %d", what, r);
		REQUIRE(r == (o > 0 ? 0 : -1), "%s: ts_parse_abs_path(pathsz %zu) returned %d", what,
		        pathsz, r);
		if (r == 0)
			REQUIRE(strcmp(path, s) == 0, "%s: path differs", what);
		else
			for (size_t i = 0; i < pathsz; i++)
				REQUIRE(mem[GUARD + i] == GUARD_BYTE, "%s: refused but wrote", what);
	}
	{
		enum ts_log_dest d = (enum ts_log_dest)77;
		memset(mem, GUARD_BYTE, sizeof mem);
		int ow = oracle_word(s, dests, 3);
		int op = oracle_path(s, TS_PATH_MAX);
		int r = ts_parse_log(s, &d, path, TS_PATH_MAX);
		for (size_t i = 0; i < GUARD; i++)
			REQUIRE(mem[i] == GUARD_BYTE && mem[GUARD + TS_PATH_MAX + i] == GUARD_BYTE,
			              "%s: ts_parse_log wrote outside the path", what);
		if (ow >= 0) {
			REQUIRE(r == 0 && (int)d == ow, "%s: ts_parse_log %d dest %d", what, r, (int)d);
		} else {
			REQUIRE(r == (op > 0 ? 0 : -1), "%s: ts_parse_log returned %d", what, r);
		}
		if (r == 0 && ow < 0)
			REQUIRE(d == TS_LOG_FILE && strcmp(path, s) == 0, "%s: file dest wrong", what);
		if (r < 0)
			REQUIRE(d == (enum ts_log_dest)77, "%s: refused but changed dest", what);
	}
}

START_TEST(test_stress_parsers)
{
	static char s[5000];
	char what[64];
	rng_seed();
	for (int it = 0; it < 20000; it++) {
		gen_string(s, sizeof s);
		snprintf(what, sizeof what, "iteration %d \"%.20s\"", it, shows(s));
		check_parsers_on(s, what);
	}
}
END_TEST

/* Random environments through ts_config_load: each variable gets at most
 * one warning, a warned variable keeps its default, a good one is taken. */
START_TEST(test_stress_config_load)
{
	static char vals[F_COUNT][5000];
	static const char *const good[F_COUNT][4] = {
		{"1", "no", "TRUE", "Off"},         {"ignore", "DEFAULT", "Ignore", "default"},
		{"none", "SYSLOG", "/tmp/a", "/x"}, {"error", "WARN", "Info", "debug"},
		{"0", "1000000", "42", "0100"},     {"/dev/log", "/a", "/run/x", "/"},
	};
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	static const char *const modes[] = {"ignore", "default"};
	static const char *const dests[] = {"stderr", "syslog", "none"};
	rng_seed();
	for (int it = 0; it < 5000; it++) {
		struct ts_config c, e;
		char what[64];
		snprintf(what, sizeof what, "iteration %d", it);
		env_reset();
		for (int f = 0; f < F_COUNT; f++) {
			switch (rng_below(3)) {
			case 0: env_values[f] = NULL; break;
			case 1: env_values[f] = good[f][rng_below(4)]; break;
			default:
				gen_string(vals[f], sizeof vals[f]);
				env_values[f] = vals[f];
				break;
			}
		}
		memset(&c, rng_below(256), sizeof c);
		ts_config_load(&c, fake_getenv);
		REQUIRE(c.nwarn >= 0 && c.nwarn <= F_COUNT, "%s: nwarn %d", what, c.nwarn);

		int nw[F_COUNT] = {0};
		for (int k = 0; k < c.nwarn; k++) {
			int f;
			for (f = 0; f < F_COUNT; f++)
				if (c.warn[k].var && strcmp(c.warn[k].var, vars[f].name) == 0)
					break;
			REQUIRE(f < F_COUNT, "%s: warning for unknown %s", what, shows(c.warn[k].var));
			nw[f]++;
			expect_warning(&c, k, (enum fld)f, env_values[f], what);
		}

		ts_config_defaults(&e);
		for (int f = 0; f < F_COUNT; f++) {
			const char *v = env_values[f];
			char w2[160];
			snprintf(w2, sizeof w2, "%s %s=\"%.40s\"", what, vars[f].name, shows(v));
			REQUIRE(nw[f] <= 1, "%s: %d warnings", w2, nw[f]);
			if (!v) {
				REQUIRE(nw[f] == 0, "%s: warning for an unset variable", w2);
				continue;
			}
			int ok; /* 1 must be taken, 0 must be refused */
			switch (f) {
			case F_DISABLE: ok = oracle_bool(v, &e.disable) == 0; break;
			case F_SIGPIPE: {
				int i = oracle_word(v, modes, 2);
				ok = i >= 0;
				if (ok)
					e.sigpipe = (enum ts_sigpipe_mode)i;
				break;
			}
			case F_LEVEL: {
				int i = oracle_word(v, levels, 4);
				ok = i >= 0;
				if (ok)
					e.level = (enum ts_level)i;
				break;
			}
			case F_RATE: ok = oracle_ulong(v, TS_LOG_RATE_MAX, &e.log_rate) == 0; break;
			case F_LOG: {
				int i = oracle_word(v, dests, 3);
				if (i >= 0) {
					ok = 1;
					e.log = (enum ts_log_dest)i;
				} else {
					ok = oracle_path(v, TS_PATH_MAX) > 0;
					if (ok) {
						e.log = TS_LOG_FILE;
						strcpy(e.log_path, v);
					}
				}
				break;
			}
			default: { /* F_SYSLOG */
				ok = oracle_path(v, TS_SUN_PATH_MAX) > 0;
				if (ok)
					strcpy(e.syslog_path, v);
				break;
			}
			}
			REQUIRE(nw[f] == (ok ? 0 : 1), "%s: %d warnings, expected %d", w2, nw[f],
			              ok ? 0 : 1);
		}
		cfg_expect_equal(&c, &e, what);
	}
}
END_TEST

/* Decode a logfmt value produced by ts_put_value.  Returns 0 and the bytes
 * in dst if out is well-formed; *quoted says which form it had. */
static int decode_value(const char *out, size_t len, char *dst, size_t *dlen, int *quoted)
{
	size_t k = 0;
	if (len == 0)
		return -1;
	if (out[0] != '"') {
		*quoted = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)out[i];
			if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\')
				return -1;
			dst[k++] = (char)c;
		}
		*dlen = k;
		return 0;
	}
	*quoted = 1;
	if (len < 2 || out[len - 1] != '"')
		return -1;
	for (size_t i = 1; i < len - 1; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c == '"' || c < ' ' || c >= 0x7f)
			return -1;
		if (c != '\\') {
			dst[k++] = (char)c;
			continue;
		}
		if (++i >= len - 1)
			return -1;
		switch (out[i]) {
		case '"': dst[k++] = '"'; break;
		case '\\': dst[k++] = '\\'; break;
		case 'n': dst[k++] = '\n'; break;
		case 'x': {
			/* two lowercase hex digits, both before the closing quote */
			static const char hx[] = "0123456789abcdef";
			if (i + 2 > len - 2)
				return -1;
			const char *h1 = memchr(hx, out[i + 1], 16);
			const char *h2 = memchr(hx, out[i + 2], 16);
			if (!h1 || !h2)
				return -1;
			dst[k++] = (char)((h1 - hx) << 4 | (h2 - hx));
			i += 2;
			break;
		}
		default: return -1;
		}
	}
	*dlen = k;
	return 0;
}

START_TEST(test_stress_put_value)
{
	static char s[5000], full[GBUF_MAX], dec[GBUF_MAX], want[GBUF_MAX];
	static struct gbuf g;
	rng_seed();
	for (int it = 0; it < 20000; it++) {
		size_t n = gen_string(s, sizeof s);
		size_t max = rng_below(4) ? rng_below(n + 3) : rng_below(400);
		if (n > 1500)
			max = rng_below(1500); /* keep the output inside GBUF_MAX */
		int cut = n > max;
		size_t keep = cut ? max : n;
		char what[80];
		snprintf(what, sizeof what, "iteration %d (len %zu max %zu)", it, n, max);

		/* full output in a roomy buffer */
		gbuf_init(&g, GBUF_MAX);
		ts_put_value(&g.b, s, max);
		REQUIRE(gbuf_guards_ok(&g), "%s: overflow", what);
		size_t len = g.b.len;
		REQUIRE(len < GBUF_MAX, "%s: output fills the buffer", what);
		memcpy(full, g.b.p, len);

		/* output is printable ASCII only, and decodes back to the input */
		for (size_t i = 0; i < len; i++)
			REQUIRE(full[i] >= ' ' && full[i] < 0x7f, "%s: raw byte 0x%02x in output",
			              what, (unsigned char)full[i]);
		size_t dlen = 0;
		int quoted = -1;
		REQUIRE(decode_value(full, len, dec, &dlen, &quoted) == 0,
		              "%s: malformed output \"%s\"", what, show(full, len));
		memcpy(want, s, keep);
		if (cut)
			memcpy(want + keep, "...", 3);
		size_t wlen = keep + (cut ? 3 : 0);
		REQUIRE(dlen == wlen && memcmp(dec, want, wlen) == 0,
		              "%s: \"%s\" decodes to \"%s\"", what, show(full, len), show(dec, dlen));

		/* bare exactly when nothing needs quoting */
		int safe = !cut && n > 0;
		for (size_t i = 0; safe && i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			safe = c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
		}
		REQUIRE(quoted == !safe, "%s: quoted=%d for \"%s\"", what, quoted,
		              show(s, n < 60 ? n : 60));

		/* and a small buffer: a prefix, nothing past the end */
		size_t cap = rng_below(2) ? rng_below(48) : rng_below(len + 2);
		struct fcall c = {.kind = FK_VALUE, .s = s, .max = max};
		check_prefix_at(&c, cap, full, len, what);
	}
}
END_TEST

START_TEST(test_stress_put_addr)
{
	static const uint16_t picks[] = {0, 1, 0xffff, 0x00f0, 0x0100, 0xdb8, 0x2001, 0xfe80, 0x0a0b};
	rng_seed();
	for (int it = 0; it < 30000; it++) {
		uint8_t a[16];
		uint16_t g[8];
		char ntop[INET6_ADDRSTRLEN], exp[128], what[160];
		unsigned port = (unsigned)rng_below(65536);
		int v4 = rng_below(5) == 0;

		if (v4) {
			for (int i = 0; i < 4; i++)
				a[i] = (uint8_t)rng64();
			REQUIRE(inet_ntop(AF_INET, a, ntop, sizeof ntop), "inet_ntop failed");
			snprintf(exp, sizeof exp, "%s:%u", ntop, port);
			snprintf(what, sizeof what, "iteration %d %s", it, exp);
			struct fcall c = {.kind = FK_ADDR, .family = AF_INET, .addr = a, .port = port};
			expect_output(&c, exp, what);
			continue;
		}
		unsigned zero_pct = (unsigned)rng_below(100);
		for (int i = 0; i < 8; i++) {
			if (rng_below(100) < zero_pct)
				g[i] = 0;
			else if (rng_below(2))
				g[i] = picks[rng_below(N_ELEMS(picks))];
			else
				g[i] = (uint16_t)rng64();
		}
		if (rng_below(10) == 0) { /* IPv4-mapped */
			memset(g, 0, 5 * sizeof g[0]);
			g[5] = 0xffff;
		}
		groups_to_bytes(g, a);

		struct gbuf gb;
		gbuf_init(&gb, 80);
		ts_put_addr(&gb.b, AF_INET6, a, port);
		REQUIRE(gbuf_guards_ok(&gb), "iteration %d: overflow", it);
		char got[81];
		memcpy(got, gb.b.p, gb.b.len);
		got[gb.b.len] = '\0';
		snprintf(what, sizeof what, "iteration %d %s", it, got);

		/* shape: [addr]:port */
		char *rb = strrchr(got, ']');
		REQUIRE(got[0] == '[' && rb && rb[1] == ':', "%s: not [addr]:port", what);
		char portbuf[8];
		snprintf(portbuf, sizeof portbuf, "%u", port);
		REQUIRE(strcmp(rb + 2, portbuf) == 0, "%s: port", what);
		*rb = '\0';
		const char *text = got + 1;

		/* round trip */
		uint8_t back[16];
		REQUIRE(inet_pton(AF_INET6, text, back) == 1, "%s: not parseable", what);
		REQUIRE(memcmp(back, a, 16) == 0, "%s: parses to another address", what);

		/* RFC 5952 shape: lowercase, at most one "::", no leading zeros */
		REQUIRE(strspn(text, "0123456789abcdef:.") == strlen(text), "%s: bad chars", what);
		const char *dc = strstr(text, "::");
		REQUIRE(!dc || !strstr(dc + 1, "::"), "%s: two ::", what);
		REQUIRE(!strstr(text, ":::"), "%s: :::", what);

		/* glibc's inet_ntop follows RFC 5952 except for the deprecated
		 * IPv4-compatible form (::a.b.c.d); compare everywhere else. */
		int compat = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 &&
		             g[5] == 0 && g[6] != 0;
		if (!compat) {
			REQUIRE(inet_ntop(AF_INET6, a, ntop, sizeof ntop), "inet_ntop failed");
			REQUIRE(strcmp(text, ntop) == 0, "%s: inet_ntop says %s", what, ntop);
		}
		/* every smaller buffer: a prefix, no overflow */
		*rb = ']';
		snprintf(exp, sizeof exp, "%s", got);
		struct fcall c = {.kind = FK_ADDR, .family = AF_INET6, .addr = a, .port = port};
		check_prefix_at(&c, rng_below(strlen(exp) + 2), exp, strlen(exp), what);
	}
}
END_TEST

START_TEST(test_stress_put_time)
{
	const int64_t lo = -30610224000LL; /* 1000-01-01 */
	const int64_t hi = 253402300799LL; /* 9999-12-31T23:59:59 */
	rng_seed();
	for (int it = 0; it < 30000; it++) {
		int64_t sec;
		if (rng_below(3) == 0) /* near a day boundary */
			sec = ((int64_t)rng_below((size_t)((hi - lo) / 86400)) + lo / 86400) * 86400 +
			      (int64_t)rng_below(3) - 1;
		else
			sec = lo + (int64_t)(rng64() % (uint64_t)(hi - lo + 1));
		if (sec < lo)
			sec = lo;
		long nsec = (long)rng_below(1000000000);
		time_t t = (time_t)sec;
		struct tm tm;
		char exp[64], what[96];
		REQUIRE(gmtime_r(&t, &tm), "gmtime_r failed");
		snprintf(exp, sizeof exp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec / 1000000);
		snprintf(what, sizeof what, "iteration %d sec %" PRId64 " nsec %ld", it, sec, nsec);
		struct fcall c = {.kind = FK_TIME, .i = sec, .nsec = nsec};
		static struct gbuf g;
		gbuf_init(&g, 64);
		fcall_run(&g.b, &c);
		REQUIRE(gbuf_guards_ok(&g), "%s: overflow", what);
		REQUIRE(g.b.len == strlen(exp) && memcmp(g.b.p, exp, g.b.len) == 0,
		              "%s: \"%s\", gmtime_r says \"%s\"", what, show(g.b.p, g.b.len), exp);
		check_prefix_at(&c, rng_below(strlen(exp) + 2), exp, strlen(exp), what);
	}
}
END_TEST

START_TEST(test_stress_put_ints)
{
	rng_seed();
	for (int it = 0; it < 30000; it++) {
		/* random magnitude: uniform bit length */
		unsigned bits = (unsigned)rng_below(65);
		uint64_t u = bits == 0 ? 0 : rng64() >> (64 - bits);
		char exp[32], what[64];
		struct fcall cu = {.kind = FK_U64, .u = u};
		snprintf(exp, sizeof exp, "%" PRIu64, u);
		snprintf(what, sizeof what, "u64 %s", exp);
		check_prefix_at(&cu, 32, exp, strlen(exp), what);
		check_prefix_at(&cu, rng_below(strlen(exp) + 1), exp, strlen(exp), what);

		int64_t i = (int64_t)u;
		if (rng_below(2))
			i = (int64_t)(0 - (uint64_t)i);
		struct fcall ci = {.kind = FK_I64, .i = i};
		snprintf(exp, sizeof exp, "%" PRId64, i);
		snprintf(what, sizeof what, "i64 %s", exp);
		check_prefix_at(&ci, 32, exp, strlen(exp), what);
		check_prefix_at(&ci, rng_below(strlen(exp) + 1), exp, strlen(exp), what);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* EINTR and accept settings                                                */
/* ------------------------------------------------------------------------ */

#define B(sig) TS_SIGBIT(sig)

static const struct {
	const char *in;
	int ok;
	unsigned long long set;
} sigset_rows[] = {
	{"ALRM,VTALRM,INT,TERM,QUIT", 1, TS_EINTR_PASS_DEFAULT},
	{"SIGALRM,sigterm", 1, B(14) | B(15)},
	{"term", 1, B(15)},
	{"15", 1, B(15)},
	{"1,64", 1, B(1) | B(64)},
	{"USR1,usr2,CHLD", 1, B(10) | B(12) | B(17)},
	{"RTMIN", 1, B(34)},
	{"SIGRTMIN+2", 1, B(36)},
	{"RTMAX", 1, B(64)},
	{"rtmax-1", 1, B(63)},
	{"RTMIN+30", 1, B(64)},
	{"none", 1, 0},
	{"NONE", 1, 0},
	{"", 0, 0},
	{",", 0, 0},
	{"TERM,", 0, 0},
	{",TERM", 0, 0},
	{"TERM,,INT", 0, 0},
	{"0", 0, 0},
	{"65", 0, 0},
	{"-1", 0, 0},
	{"SIG", 0, 0},
	{"SIGSIGTERM", 0, 0},
	{"TERM INT", 0, 0},
	{" TERM", 0, 0},
	{"RTMIN+31", 0, 0},
	{"RTMIN-1", 0, 0},
	{"RTMAX+1", 0, 0},
	{"RTMIN+", 0, 0},
	{"RTMIN+x", 0, 0},
	{"BOGUS", 0, 0},
	{"99999999999999999999", 0, 0},
	{"none,TERM", 0, 0},
	/* found by the hostile corpus (check_config_corpus): the names glibc
	 * and signal(7) also use, and leading zeros of any length */
	{"POLL,io", 1, B(29)},
	{"SIGIOT,cld", 1, B(6) | B(17)},
	{"000000000000000000000000015", 1, B(15)},
	{"RTMIN+00000000000000000000000001", 1, B(35)},
	{"RTMAX-0000000000000000000000000000", 1, B(64)},
	{"000000000000000000000000065", 0, 0},
	{"00000000000000000000000000", 0, 0},
};

START_TEST(test_parse_sigset)
{
	unsigned long long out = 0xdeadbeefULL;
	int rc = ts_parse_sigset(sigset_rows[_i].in, 34, 64, &out);
	if (sigset_rows[_i].ok) {
		ck_assert_msg(rc == 0, "\"%s\" refused", sigset_rows[_i].in);
		ck_assert_msg(out == sigset_rows[_i].set, "\"%s\": %llx, expected %llx",
		              sigset_rows[_i].in, out, sigset_rows[_i].set);
	} else {
		ck_assert_msg(rc == -1, "\"%s\" accepted", sigset_rows[_i].in);
		ck_assert_msg(out == 0xdeadbeefULL, "\"%s\": output touched", sigset_rows[_i].in);
	}
}
END_TEST

static const char *env_one_name, *env_one_value;
static const char *env_one(const char *name)
{
	return !strcmp(name, env_one_name) ? env_one_value : NULL;
}

START_TEST(test_eintr_accept_load)
{
	struct ts_config c;
	static const struct {
		const char *var, *val;
		int warns;
	} rows[] = {
		{"TCPSAFE_EINTR", "retry", 0},  {"TCPSAFE_EINTR", "STRICT", 0},
		{"TCPSAFE_EINTR", "auto", 0},
		{"TCPSAFE_EINTR", "pass", 0},   {"TCPSAFE_EINTR", "always", 1},
		{"TCPSAFE_EINTR", "", 1},       {"TCPSAFE_ACCEPT", "pass", 0},
		{"TCPSAFE_ACCEPT", "Retry", 0}, {"TCPSAFE_ACCEPT", "strict", 1},
		{"TCPSAFE_EINTR_PASS", "USR1", 0}, {"TCPSAFE_EINTR_PASS", "", 1},
		{"TCPSAFE_EINTR_PASS", "TERM;INT", 1},
		{"TCPSAFE_REAP", "fork", 0},    {"TCPSAFE_REAP", "OFF", 0},
		{"TCPSAFE_REAP", "on", 1},      {"TCPSAFE_REAP_CACHE", "16", 0},
		{"TCPSAFE_REAP_CACHE", "1000000", 0}, {"TCPSAFE_REAP_CACHE", "15", 1},
		{"TCPSAFE_REAP_CACHE", "1000001", 1}, {"TCPSAFE_REAP_CACHE", "-1", 1},
		{"TCPSAFE_REAP_CACHE", "", 1},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		env_one_name = rows[i].var;
		env_one_value = rows[i].val;
		ts_config_load(&c, env_one);
		ck_assert_msg(c.nwarn == rows[i].warns, "%s=%s: %d warnings", rows[i].var,
		              rows[i].val, c.nwarn);
		if (c.nwarn) {
			ck_assert_str_eq(c.warn[0].var, rows[i].var);
			ck_assert_ptr_eq(c.warn[0].value, rows[i].val);
			ck_assert_int_eq(c.eintr, TS_EINTR_AUTO);
			ck_assert_int_eq(c.accept, TS_ACCEPT_RETRY);
			ck_assert(c.eintr_pass == TS_EINTR_PASS_DEFAULT);
			ck_assert_int_eq(c.reap, TS_REAP_FORK);
			ck_assert_uint_eq(c.reap_cache, TS_REAP_CACHE_DEFAULT);
		}
	}
	env_one_name = "TCPSAFE_EINTR";
	env_one_value = "strict";
	ts_config_load(&c, env_one);
	ck_assert_int_eq(c.eintr, TS_EINTR_STRICT);
	env_one_value = "retry";
	ts_config_load(&c, env_one);
	ck_assert_int_eq(c.eintr, TS_EINTR_RETRY);
	env_one_name = "TCPSAFE_ACCEPT";
	env_one_value = "pass";
	ts_config_load(&c, env_one);
	ck_assert_int_eq(c.accept, TS_ACCEPT_PASS);
	env_one_name = "TCPSAFE_EINTR_PASS";
	env_one_value = "USR1,RTMIN+1";
	ts_config_load_rt(&c, env_one, 35, 64);
	ck_assert(c.eintr_pass == (B(10) | B(36)));
	env_one_name = "TCPSAFE_REAP_CACHE";
	env_one_value = "4096";
	ts_config_load(&c, env_one);
	ck_assert_uint_eq(c.reap_cache, 4096);
	env_one_name = "TCPSAFE_REAP";
	env_one_value = "off";
	ts_config_load(&c, env_one);
	ck_assert_int_eq(c.reap, TS_REAP_OFF);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Suites                                                                   */
/* ------------------------------------------------------------------------ */

static TCase *tc(Suite *s, const char *name)
{
	TCase *t = tcase_create(name);
	suite_add_tcase(s, t);
	return t;
}

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t;

	t = tc(s, "defaults");
	tcase_add_test(t, test_defaults);
	tcase_add_test(t, test_load_empty_env_gives_defaults);
	tcase_add_test(t, test_load_twice);

	t = tc(s, "good_values");
	tcase_add_loop_test(t, test_parse_good, 0, (int)N_ELEMS(good_rows));
	tcase_add_loop_test(t, test_load_good, 0, (int)N_ELEMS(good_rows));
	tcase_add_test(t, test_load_all_good);

	t = tc(s, "bad_values");
	tcase_add_loop_test(t, test_parse_bad, 0, (int)N_ELEMS(bad_rows));
	tcase_add_loop_test(t, test_load_bad, 0, (int)N_ELEMS(bad_rows));
	tcase_add_loop_test(t, test_load_bad_among_good, 0, (int)N_ELEMS(bad_rows));
	tcase_add_test(t, test_load_all_bad);

	t = tc(s, "paths");
	tcase_add_loop_test(t, test_path_length_limits, 0, (int)N_ELEMS(len_rows));
	tcase_add_loop_test(t, test_abs_path_small_buffers, 0, (int)N_ELEMS(abs_rows));

	t = tc(s, "numbers");
	tcase_add_loop_test(t, test_parse_ulong_bounds, 0, (int)N_ELEMS(ulong_rows));
	tcase_add_test(t, test_parse_ulong_ulong_max);

	t = tc(s, "level_names");
	tcase_add_test(t, test_level_names);

	t = tc(s, "eintr_accept");
	tcase_add_loop_test(t, test_parse_sigset, 0, (int)N_ELEMS(sigset_rows));
	tcase_add_test(t, test_eintr_accept_load);

	/* Bugs found in the first version of src/config.c. */
	t = tc(s, "regressions");
	tcase_add_loop_test(t, test_parse_ulong_small_max, 0, (int)N_ELEMS(ulong_small_rows));
	tcase_add_loop_test(t, test_spec_trailing_space_paths, 0, (int)N_ELEMS(spec_space_rows));
	return s;
}

static Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *t;

	t = tc(s, "buffer");
	tcase_add_test(t, test_put_mem_str_char);
	tcase_add_test(t, test_log_line_in_small_buffers);

	t = tc(s, "integers");
	tcase_add_loop_test(t, test_put_u64, 0, (int)N_ELEMS(u64_rows));
	tcase_add_loop_test(t, test_put_i64, 0, (int)N_ELEMS(i64_rows));

	t = tc(s, "time");
	tcase_add_loop_test(t, test_put_time_utc, 0, (int)N_ELEMS(time_rows));

	t = tc(s, "value");
	tcase_add_loop_test(t, test_put_value, 0, (int)N_ELEMS(value_rows));
	tcase_add_test(t, test_put_value_each_byte);
	tcase_add_test(t, test_put_value_long_cut);

	t = tc(s, "addr");
	tcase_add_loop_test(t, test_put_addr_ipv4, 0, (int)N_ELEMS(v4_rows));
	tcase_add_loop_test(t, test_put_addr_ipv6, 0, (int)N_ELEMS(v6_rows));

	t = tc(s, "names");
	tcase_add_loop_test(t, test_errno_name, 0, (int)N_ELEMS(errno_rows));
	tcase_add_test(t, test_errno_name_matches_libc);
	tcase_add_loop_test(t, test_signal_name, 0, (int)N_ELEMS(signal_rows));
	tcase_add_test(t, test_signal_name_matches_libc);
	return s;
}

static Suite *stress_suite(void)
{
	Suite *s = suite_create("stress");
	TCase *t;

	t = tc(s, "generated");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_stress_parsers);
	tcase_add_test(t, test_stress_config_load);
	tcase_add_test(t, test_stress_put_value);
	tcase_add_test(t, test_stress_put_addr);
	tcase_add_test(t, test_stress_put_time);
	tcase_add_test(t, test_stress_put_ints);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_add_suite(sr, fmt_suite());
	srunner_add_suite(sr, stress_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
