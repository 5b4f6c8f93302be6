/* Parsing of the TCPSAFE_* variables.  Pure functions: the library feeds
 * them secure_getenv, the unit tests feed them tables.  ASCII-only
 * comparisons so the C locale of the host program never matters. */
#include "autoconfig.h"

#include <signal.h>
#include <string.h>

#include "config.h"
#include "fmt.h"

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

static int word_eq(const char *s, const char *word)
{
	for (; *s && *word; s++, word++)
		if (lower((unsigned char)*s) != *word)
			return 0;
	return *s == '\0' && *word == '\0';
}

/* Returns the index of s in the NULL-terminated words list, or -1. */
static int word_index(const char *s, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (word_eq(s, words[i]))
			return i;
	return -1;
}

int ts_parse_bool(const char *s, int *out)
{
	static const char *const words[] = {"0", "1", "no", "yes", "false", "true", "off", "on", NULL};
	int i = word_index(s, words);
	if (i < 0)
		return -1;
	*out = i & 1;
	return 0;
}

static const char *const level_words[] = {"error", "warn", "info", "debug", NULL};

int ts_parse_level(const char *s, enum ts_level *out)
{
	int i = word_index(s, level_words);
	if (i < 0)
		return -1;
	*out = (enum ts_level)i;
	return 0;
}

const char *ts_level_name(enum ts_level l)
{
	return (unsigned)l <= TS_L_DEBUG ? level_words[l] : "info";
}

int ts_parse_sigpipe(const char *s, enum ts_sigpipe_mode *out)
{
	static const char *const words[] = {"ignore", "default", NULL};
	int i = word_index(s, words);
	if (i < 0)
		return -1;
	*out = (enum ts_sigpipe_mode)i;
	return 0;
}

int ts_parse_eintr(const char *s, enum ts_eintr_mode *out)
{
	static const char *const words[] = {"retry", "strict", "pass", "auto", NULL};
	int i = word_index(s, words);
	if (i < 0)
		return -1;
	*out = (enum ts_eintr_mode)i;
	return 0;
}

int ts_parse_accept(const char *s, enum ts_accept_mode *out)
{
	static const char *const words[] = {"retry", "pass", NULL};
	int i = word_index(s, words);
	if (i < 0)
		return -1;
	*out = (enum ts_accept_mode)i;
	return 0;
}

int ts_parse_reap(const char *s, enum ts_reap_mode *out)
{
	static const char *const words[] = {"fork", "off", NULL};
	int i = word_index(s, words);
	if (i < 0)
		return -1;
	*out = (enum ts_reap_mode)i;
	return 0;
}

/* Does s[0..n) equal word, ignoring ASCII case? */
static int span_eq(const char *s, size_t n, const char *word)
{
	size_t i = 0;
	for (; i < n && word[i]; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)word[i]))
			return 0;
	return i == n && word[i] == '\0';
}

static int span_number(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	char tmp[24];
	/* leading zeros, however many, as ts_parse_ulong takes them */
	while (n > 1 && *s == '0')
		s++, n--;
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return ts_parse_ulong(tmp, max, out);
}

/* One signal: returns its number, or -1. */
static int parse_signal(const char *s, size_t n, int rtmin, int rtmax)
{
	unsigned long v;
	if (n >= 3 && span_eq(s, 3, "sig")) {
		s += 3;
		n -= 3;
	}
	if (n >= 5 && (span_eq(s, 5, "rtmin") || span_eq(s, 5, "rtmax"))) {
		int base = span_eq(s, 5, "rtmin") ? rtmin : rtmax;
		if (n == 5)
			return base;
		if (n > 6 && ((base == rtmin && s[5] == '+') || (base == rtmax && s[5] == '-')) &&
		    span_number(s + 6, n - 6, 64, &v) == 0) {
			long sig = base == rtmin ? base + (long)v : base - (long)v;
			return sig >= rtmin && sig <= rtmax ? (int)sig : -1;
		}
		return -1;
	}
	if (n > 0 && s[0] >= '0' && s[0] <= '9')
		return span_number(s, n, 64, &v) == 0 && v >= 1 ? (int)v : -1;
	for (int sig = 1; sig < 32; sig++) {
		const char *name = ts_signal_name(sig);
		if (name && span_eq(s, n, name + 3))
			return sig;
	}
	/* the other names of signal(7): glibc's own table says POLL for 29 */
	static const struct {
		char name[5];
		int sig;
	} alias[] = {{"IOT", SIGABRT}, {"CLD", SIGCHLD}, {"POLL", SIGIO}};
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (span_eq(s, n, alias[i].name))
			return alias[i].sig;
	return -1;
}

int ts_parse_sigset(const char *s, int rtmin, int rtmax, unsigned long long *out)
{
	unsigned long long set = 0;
	if (word_eq(s, "none")) {
		*out = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	for (;;) {
		size_t n = strcspn(s, ",");
		int sig = parse_signal(s, n, rtmin, rtmax);
		if (sig < 1 || sig > 64)
			return -1;
		set |= TS_SIGBIT(sig);
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	*out = set;
	return 0;
}

/* Decimal digits only (no sign, no spaces, no 0x), value <= max. */
int ts_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* An absolute path that fits (with its NUL) in pathsz bytes.  Relative
 * paths are refused: the program may chdir() and we open per line.  A
 * trailing space or a control character is a typing accident, not a name. */
int ts_parse_abs_path(const char *s, char *path, size_t pathsz)
{
	size_t n = strlen(s);
	if (s[0] != '/' || n >= pathsz || s[n - 1] == ' ' || s[n - 1] == '\t')
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(path, s, n + 1);
	return 0;
}

int ts_parse_log(const char *s, enum ts_log_dest *dest, char *path, size_t pathsz)
{
	static const char *const words[] = {"stderr", "syslog", "none", NULL};
	int i = word_index(s, words);
	if (i >= 0) {
		*dest = (enum ts_log_dest)i; /* same order as the enum */
		return 0;
	}
	if (ts_parse_abs_path(s, path, pathsz) < 0)
		return -1;
	*dest = TS_LOG_FILE;
	return 0;
}

void ts_config_defaults(struct ts_config *c)
{
	memset(c, 0, sizeof *c);
	c->disable = 0;
	c->sigpipe = TS_SIGPIPE_IGNORE;
	c->log = TS_LOG_STDERR;
	c->level = TS_L_INFO;
	c->log_rate = 100;
	memcpy(c->syslog_path, "/dev/log", sizeof "/dev/log");
	c->eintr = TS_EINTR_AUTO;
	c->eintr_pass = TS_EINTR_PASS_DEFAULT;
	c->accept = TS_ACCEPT_RETRY;
	c->reap = TS_REAP_FORK;
	c->reap_cache = TS_REAP_CACHE_DEFAULT;
}

static void warn(struct ts_config *c, const char *var, const char *value, const char *accepted,
                 const char *using_)
{
	if (c->nwarn < TS_MAX_WARNINGS)
		c->warn[c->nwarn++] = (struct ts_warning){var, value, accepted, using_};
}

void ts_config_load(struct ts_config *c, ts_getenv_fn get)
{
	ts_config_load_rt(c, get, 34, 64);
}

void ts_config_load_rt(struct ts_config *c, ts_getenv_fn get, int rtmin, int rtmax)
{
	const char *v;

	ts_config_defaults(c);

	if ((v = get("TCPSAFE_DISABLE")) && ts_parse_bool(v, &c->disable) < 0)
		warn(c, "TCPSAFE_DISABLE", v, "1, 0, yes, no, true, false, on, off", "0");
	if ((v = get("TCPSAFE_SIGPIPE")) && ts_parse_sigpipe(v, &c->sigpipe) < 0)
		warn(c, "TCPSAFE_SIGPIPE", v, "ignore, default", "ignore");
	if ((v = get("TCPSAFE_LOG")) && ts_parse_log(v, &c->log, c->log_path, sizeof c->log_path) < 0)
		warn(c, "TCPSAFE_LOG", v, "stderr, syslog, none, or an absolute file path", "stderr");
	if ((v = get("TCPSAFE_LOG_LEVEL")) && ts_parse_level(v, &c->level) < 0)
		warn(c, "TCPSAFE_LOG_LEVEL", v, "error, warn, info, debug", "info");
	if ((v = get("TCPSAFE_LOG_RATE")) && ts_parse_ulong(v, TS_LOG_RATE_MAX, &c->log_rate) < 0)
		warn(c, "TCPSAFE_LOG_RATE", v, "an integer from 0 (unlimited) to 1000000", "100");
	if ((v = get("TCPSAFE_SYSLOG_SOCKET")) &&
	    ts_parse_abs_path(v, c->syslog_path, sizeof c->syslog_path) < 0)
		warn(c, "TCPSAFE_SYSLOG_SOCKET", v, "an absolute socket path shorter than 108 bytes",
		     "/dev/log");
	if ((v = get("TCPSAFE_EINTR")) && ts_parse_eintr(v, &c->eintr) < 0)
		warn(c, "TCPSAFE_EINTR", v, "auto, retry, strict, pass", "auto");
	if ((v = get("TCPSAFE_EINTR_PASS")) && ts_parse_sigset(v, rtmin, rtmax, &c->eintr_pass) < 0)
		warn(c, "TCPSAFE_EINTR_PASS", v,
		     "none, or a comma-separated list of signals: TERM or SIGTERM, 15, RTMIN+N, RTMAX-N",
		     "ALRM,VTALRM,INT,TERM,QUIT");
	if ((v = get("TCPSAFE_ACCEPT")) && ts_parse_accept(v, &c->accept) < 0)
		warn(c, "TCPSAFE_ACCEPT", v, "retry, pass", "retry");
	if ((v = get("TCPSAFE_REAP")) && ts_parse_reap(v, &c->reap) < 0)
		warn(c, "TCPSAFE_REAP", v, "fork, off", "fork");
	if ((v = get("TCPSAFE_REAP_CACHE")) &&
	    (ts_parse_ulong(v, TS_REAP_CACHE_MAX, &c->reap_cache) < 0 ||
	     c->reap_cache < TS_REAP_CACHE_MIN)) {
		c->reap_cache = TS_REAP_CACHE_DEFAULT;
		warn(c, "TCPSAFE_REAP_CACHE", v, "an integer from 16 to 1000000", "1024");
	}
}
