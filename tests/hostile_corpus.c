/* Hostile TCPSAFE_* environments and their expected outcome; see
 * hostile_corpus.h.  The oracle follows man/libtcpsafe.7 and uses libc
 * (strcasecmp in the C locale, sigabbrev_np) where src/config.c has its
 * own code, so the two share nothing but the specification. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostile_corpus.h"

const struct hc_varinfo hc_vars[HC_NVARS] = {
	[HC_DISABLE] = {"TCPSAFE_DISABLE", "0", {"1", "0", "yes", "no", "true", "false", "on", "off"}},
	[HC_SIGPIPE] = {"TCPSAFE_SIGPIPE", "ignore", {"ignore", "default"}},
	[HC_LOG] = {"TCPSAFE_LOG", "stderr", {"stderr", "syslog", "none", "absolute"}},
	[HC_LEVEL] = {"TCPSAFE_LOG_LEVEL", "info", {"error", "warn", "info", "debug"}},
	[HC_RATE] = {"TCPSAFE_LOG_RATE", "100", {"0", "1000000"}},
	[HC_SYSLOG] = {"TCPSAFE_SYSLOG_SOCKET", "/dev/log", {"absolute", "108"}},
	[HC_EINTR] = {"TCPSAFE_EINTR", "auto", {"auto", "retry", "strict", "pass"}},
	[HC_EINTR_PASS] = {"TCPSAFE_EINTR_PASS", "ALRM,VTALRM,INT,TERM,QUIT",
	                   {"none", "signals", "RTMIN", "RTMAX"}},
	[HC_ACCEPT] = {"TCPSAFE_ACCEPT", "retry", {"retry", "pass"}},
	[HC_REAP] = {"TCPSAFE_REAP", "fork", {"fork", "off"}},
	[HC_REAP_CACHE] = {"TCPSAFE_REAP_CACHE", "1024", {"16", "1000000"}},
};

const char *const hc_class_names[HCC_N] = {
	"valid", "empty", "huge", "non-utf8", "negative", "overflow",
	"malformed", "control", "boundary", "mutant", "othervar", "random",
};

/* ---- generator state (splitmix64) --------------------------------------- */

uint64_t hc_rng(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned long hc_below(uint64_t *state, unsigned long n) { return (unsigned long)(hc_rng(state) % n); }

uint64_t hc_seed(void)
{
	const char *e = getenv("TS_TEST_SEED");
	return e ? strtoull(e, NULL, 0) : 0x5eed0f7c9a11e6e5ULL;
}

#define PICK(rng, arr) ((arr)[hc_below(rng, sizeof(arr) / sizeof((arr)[0]))])

/* ---- the oracle ---------------------------------------------------------- */

static int word_in(const char *s, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(s, words[i]) == 0)
			return i;
	return -1;
}

static const char *const w_bool[] = {"0", "1", "no", "yes", "false", "true", "off", "on"};
static const char *const w_sigpipe[] = {"ignore", "default"};
static const char *const w_log[] = {"stderr", "syslog", "none"};
static const char *const w_level[] = {"error", "warn", "info", "debug"};
static const char *const w_eintr[] = {"retry", "strict", "pass", "auto"}; /* enum order */
static const char *const w_accept[] = {"retry", "pass"};
static const char *const w_reap[] = {"fork", "off"};

/* Decimal digits (leading zeros allowed), value <= max.  Compared as
 * text, so no arithmetic can overflow here. */
static int dec_le(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	char maxs[24];
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	while (n > 1 && *s == '0')
		s++, n--;
	size_t m = (size_t)snprintf(maxs, sizeof maxs, "%lu", max);
	if (n > m || (n == m && memcmp(s, maxs, n) > 0))
		return 0;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	*out = v;
	return 1;
}

/* Absolute, shorter than cap with its NUL, no control byte, no trailing
 * blank (blanks are not trimmed: "/tmp/x " is a typing accident). */
static int abs_path_ok(const char *s, size_t cap)
{
	size_t n = strlen(s);
	if (n == 0 || s[0] != '/' || n >= cap || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

static int casecmp_n(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* One item of a signal list: a name (with or without SIG, any case), a
 * number 1..64, RTMIN, RTMIN+n, RTMAX, RTMAX-n within [rtmin, rtmax].
 * The SIG prefix is allowed before every form, as in SIGRTMIN+2. */
static int sig_item(const char *s, size_t n, int rtmin, int rtmax)
{
	unsigned long k;
	if (n >= 3 && strncasecmp(s, "SIG", 3) == 0)
		s += 3, n -= 3;
	if (n == 0)
		return -1;
	if (casecmp_n(s, n, "RTMIN"))
		return rtmin;
	if (casecmp_n(s, n, "RTMAX"))
		return rtmax;
	if (n > 6 && strncasecmp(s, "RTMIN+", 6) == 0)
		return dec_le(s + 6, n - 6, 64, &k) && (long)rtmin + (long)k <= rtmax
		           ? rtmin + (int)k : -1;
	if (n > 6 && strncasecmp(s, "RTMAX-", 6) == 0)
		return dec_le(s + 6, n - 6, 64, &k) && (long)rtmax - (long)k >= rtmin
		           ? rtmax - (int)k : -1;
	if (s[0] >= '0' && s[0] <= '9')
		return dec_le(s, n, 64, &k) && k >= 1 ? (int)k : -1;
	for (int sig = 1; sig < 32; sig++) {
		const char *name = sigabbrev_np(sig);
		if (name && casecmp_n(s, n, name))
			return sig;
	}
	/* the other names signal(7) gives: glibc says POLL for 29, the
	 * kernel and shells IO */
	static const struct {
		const char *name;
		int sig;
	} alias[] = {{"IOT", 6}, {"CLD", 17}, {"IO", 29}, {"POLL", 29}};
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (casecmp_n(s, n, alias[i].name))
			return alias[i].sig;
	return -1;
}

static int sig_list(const char *s, int rtmin, int rtmax, unsigned long long *out)
{
	unsigned long long set = 0;
	if (strcasecmp(s, "none") == 0) {
		*out = 0;
		return 1;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		int sig = sig_item(s, n, rtmin, rtmax);
		if (sig < 1 || sig > 64)
			return 0;
		set |= 1ULL << (sig - 1);
		if (!comma)
			break;
		s = comma + 1;
	}
	*out = set;
	return 1;
}

int hc_oracle(enum hc_var v, const char *s, int rtmin, int rtmax, struct hc_expect *e)
{
	int i;
	unsigned long u;
	unsigned long long set;
	switch (v) {
	case HC_DISABLE:
		if ((i = word_in(s, w_bool, 8)) < 0)
			return 0;
		e->disable = i & 1;
		return 1;
	case HC_SIGPIPE:
		if ((i = word_in(s, w_sigpipe, 2)) < 0)
			return 0;
		e->sigpipe = i;
		return 1;
	case HC_LOG:
		if ((i = word_in(s, w_log, 3)) >= 0) {
			e->log = i;
			return 1;
		}
		if (!abs_path_ok(s, 4096))
			return 0;
		e->log = 3;
		e->log_path = s;
		return 1;
	case HC_LEVEL:
		if ((i = word_in(s, w_level, 4)) < 0)
			return 0;
		e->level = i;
		return 1;
	case HC_RATE:
		if (!dec_le(s, strlen(s), 1000000, &u))
			return 0;
		e->rate = u;
		return 1;
	case HC_SYSLOG:
		if (!abs_path_ok(s, 108))
			return 0;
		e->syslog_path = s;
		return 1;
	case HC_EINTR:
		if ((i = word_in(s, w_eintr, 4)) < 0)
			return 0;
		e->eintr = i;
		return 1;
	case HC_EINTR_PASS:
		if (!sig_list(s, rtmin, rtmax, &set))
			return 0;
		e->eintr_pass = set;
		return 1;
	case HC_ACCEPT:
		if ((i = word_in(s, w_accept, 2)) < 0)
			return 0;
		e->accept = i;
		return 1;
	case HC_REAP:
		if ((i = word_in(s, w_reap, 2)) < 0)
			return 0;
		e->reap = i;
		return 1;
	case HC_REAP_CACHE:
		if (!dec_le(s, strlen(s), 1000000, &u) || u < 16)
			return 0;
		e->reap_cache = u;
		return 1;
	default:
		return 0;
	}
}

#define BIT(sig) (1ULL << ((sig) - 1))

void hc_expect(const struct hc_case *c, struct hc_expect *e)
{
	memset(e, 0, sizeof *e);
	e->level = 2;
	e->rate = 100;
	e->syslog_path = "/dev/log";
	e->eintr = 3; /* auto */
	e->eintr_pass = BIT(14) | BIT(26) | BIT(2) | BIT(15) | BIT(3);
	e->reap_cache = 1024;
	for (int v = 0; v < HC_NVARS; v++) {
		if (!c->val[v]) {
			e->valid[v] = -1;
			continue;
		}
		e->valid[v] = hc_oracle((enum hc_var)v, c->val[v], c->rtmin, c->rtmax, e);
		e->nbad += !e->valid[v];
	}
}

const char *hc_decode_value(const char *p, char *out, size_t cap, size_t *n)
{
	size_t k = 0;
	static const char hex[] = "0123456789abcdef";
	if (*p != '"') {
		while ((unsigned char)*p > ' ' && (unsigned char)*p < 0x7f && *p != '"' && *p != '\\') {
			if (k + 1 < cap)
				out[k++] = *p;
			p++;
		}
		if (k == 0)
			return NULL;
	} else {
		for (p++;; p++) {
			unsigned char c = (unsigned char)*p;
			if (c == '"')
				break;
			if (c < ' ' || c >= 0x7f)
				return NULL;
			if (c == '\\') {
				p++;
				if (*p == '"' || *p == '\\') {
					c = (unsigned char)*p;
				} else if (*p == 'n') {
					c = '\n';
				} else if (*p == 'x' && p[1] && p[2] && strchr(hex, p[1]) && strchr(hex, p[2])) {
					c = (unsigned char)((strchr(hex, p[1]) - hex) * 16 + (strchr(hex, p[2]) - hex));
					p += 2;
				} else {
					return NULL;
				}
			}
			if (k + 1 < cap)
				out[k++] = (char)c;
		}
		p++;
	}
	out[k] = '\0';
	*n = k;
	return p;
}

/* ---- values --------------------------------------------------------------- */

static const char *const *words_of(enum hc_var v, int *n)
{
	switch (v) {
	case HC_DISABLE: *n = 8; return w_bool;
	case HC_SIGPIPE: *n = 2; return w_sigpipe;
	case HC_LOG: *n = 3; return w_log;
	case HC_LEVEL: *n = 4; return w_level;
	case HC_EINTR: *n = 4; return w_eintr;
	case HC_ACCEPT: *n = 2; return w_accept;
	case HC_REAP: *n = 2; return w_reap;
	default: *n = 0; return NULL;
	}
}

static void random_case(uint64_t *rng, char *s)
{
	int how = (int)hc_below(rng, 4);
	for (; *s; s++) {
		int up = how == 0 ? 0 : how == 1 ? 1 : (int)hc_below(rng, 2);
		if (up && *s >= 'a' && *s <= 'z')
			*s = (char)(*s - 32);
		else if (!up && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
	}
}

/* Appends without ever passing HC_VAL_CAP - 1. */
static void cat(char *dst, const char *s)
{
	size_t n = strlen(dst), m = strlen(s);
	if (n + m >= HC_VAL_CAP)
		m = HC_VAL_CAP - 1 - n;
	memcpy(dst + n, s, m);
	dst[n + m] = '\0';
}

static void catf_ul(char *dst, unsigned long v)
{
	char t[24];
	snprintf(t, sizeof t, "%lu", v);
	cat(dst, t);
}

static void random_path(uint64_t *rng, char *dst, size_t len, int high_bytes)
{
	dst[0] = '/';
	for (size_t i = 1; i < len; i++) {
		if (high_bytes && hc_below(rng, 16) == 0)
			dst[i] = (char)(0x80 + hc_below(rng, 128));
		else
			dst[i] = (char)('!' + hc_below(rng, 94));
	}
	dst[len] = '\0';
	if (len > 1 && dst[len - 1] == ' ')
		dst[len - 1] = 'x';
}

static void sig_item_valid(uint64_t *rng, char *dst, int rtmin, int rtmax)
{
	char t[64];
	int span = rtmax - rtmin;
	if (hc_below(rng, 3) == 0)
		cat(dst, hc_below(rng, 2) ? "SIG" : "sig");
	switch (hc_below(rng, 6)) {
	case 0:
	case 1: {
		int sig = 1 + (int)hc_below(rng, 31);
		snprintf(t, sizeof t, "%s", sigabbrev_np(sig));
		random_case(rng, t);
		cat(dst, t);
		break;
	}
	case 2:
		if (hc_below(rng, 4) == 0)
			cat(dst, "00");
		catf_ul(dst, 1 + hc_below(rng, 64));
		break;
	case 3:
		cat(dst, hc_below(rng, 2) ? "RTMIN" : "rtmax");
		break;
	case 4:
		snprintf(t, sizeof t, "RTMIN+%lu", hc_below(rng, (unsigned long)span + 1));
		cat(dst, t);
		break;
	default:
		snprintf(t, sizeof t, "rtmax-%lu", hc_below(rng, (unsigned long)span + 1));
		cat(dst, t);
		break;
	}
}

static void gen_valid(enum hc_var v, uint64_t *rng, char *dst, int rtmin, int rtmax)
{
	int n;
	const char *const *w = words_of(v, &n);
	dst[0] = '\0';
	if (w && (v != HC_LOG || hc_below(rng, 2))) {
		cat(dst, w[hc_below(rng, (unsigned long)n)]);
		random_case(rng, dst);
		return;
	}
	switch (v) {
	case HC_LOG:
		random_path(rng, dst, 1 + hc_below(rng, 300), 1);
		break;
	case HC_SYSLOG:
		random_path(rng, dst, 1 + hc_below(rng, 107), 1);
		break;
	case HC_RATE:
	case HC_REAP_CACHE:
		for (unsigned long z = hc_below(rng, 8) == 0 ? hc_below(rng, 40) : 0; z; z--)
			cat(dst, "0");
		catf_ul(dst, v == HC_RATE ? hc_below(rng, 1000001) : 16 + hc_below(rng, 1000000 - 15));
		break;
	case HC_EINTR_PASS:
		if (hc_below(rng, 8) == 0) {
			cat(dst, PICK(rng, ((const char *const[]){"none", "NONE", "None"})));
			break;
		}
		for (unsigned long k = 1 + hc_below(rng, 6); k; k--) {
			sig_item_valid(rng, dst, rtmin, rtmax);
			if (k > 1)
				cat(dst, ",");
		}
		break;
	default:
		break;
	}
}

/* 1 MiB values, built once and shared: generating them per case would
 * cost more than parsing them. */
enum { HUGE_A, HUGE_PATH, HUGE_ZEROS7, HUGE_FF, HUGE_NL, HUGE_TERMS, HUGE_INFO_SP, HUGE_NINES,
       HUGE_RTMIN, HUGE_ZEROS_CACHE, HUGE_N };
static char *huge[HUGE_N];

static const char *huge_value(int which)
{
	if (!huge[which]) {
		char *h = malloc(HC_HUGE_LEN + 1);
		if (!h)
			abort();
		size_t n = HC_HUGE_LEN;
		switch (which) {
		case HUGE_A: memset(h, 'a', n); break;
		case HUGE_PATH: memset(h, 'p', n); h[0] = '/'; break;
		case HUGE_ZEROS7: memset(h, '0', n); h[n - 1] = '7'; break;
		case HUGE_FF: memset(h, 0xff, n); break;
		case HUGE_NL: for (size_t i = 0; i < n; i++) h[i] = "x\n"[i & 1]; break;
		case HUGE_TERMS:
			for (size_t i = 0; i + 5 <= n - 3; i += 5)
				memcpy(h + i, "TERM,", 5);
			n = (n - 3) / 5 * 5;
			memcpy(h + n, "INT", 3);
			n += 3;
			break;
		case HUGE_INFO_SP: memset(h, ' ', n); memcpy(h, "info", 4); break;
		case HUGE_NINES: memset(h, '9', n); break;
		case HUGE_RTMIN: memset(h, '0', n); memcpy(h, "RTMIN+", 6); h[n - 1] = '1'; break;
		default: memset(h, '0', n); memcpy(h + n - 4, "4096", 4); break;
		}
		h[n] = '\0';
		huge[which] = h;
	}
	return huge[which];
}

const char *hc_huge(int flavour)
{
	return flavour >= 0 && flavour < HUGE_N ? huge_value(flavour) : NULL;
}

/* The same flavours, short enough for an execve'd environment. */
static void long_value(int which, uint64_t *rng, char *dst)
{
	size_t n = HC_VAL_CAP / 2 + hc_below(rng, HC_VAL_CAP / 2 - 8);
	const char *h = huge_value(which);
	memcpy(dst, h, n);
	dst[n] = '\0';
	switch (which) { /* keep the tail that makes the flavour */
	case HUGE_ZEROS7: dst[n - 1] = '7'; break;
	case HUGE_TERMS: n = n / 5 * 5; memcpy(dst + n - 5, "INT", 4); break;
	case HUGE_RTMIN: dst[n - 1] = '1'; break;
	case HUGE_ZEROS_CACHE: memcpy(dst + n - 4, "4096", 4); break;
	default: break;
	}
}

static void insert_at(char *dst, size_t pos, const char *s)
{
	size_t n = strlen(dst), m = strlen(s);
	if (n + m >= HC_VAL_CAP)
		return;
	if (pos > n)
		pos = n;
	memmove(dst + pos + m, dst + pos, n - pos + 1);
	memcpy(dst + pos, s, m);
}

static const char *const nonutf8[] = {
	"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
	"\xf4\x90\x80\x80", "\xf5", "\xf8\x88\x80\x80\x80", "\xfe", "\xff", "\xe2\x82",
	"\xef\xbb\xbf", /* a BOM, valid UTF-8 but not ASCII */
	"\xef\xbc\x91", /* fullwidth 1 */
	"\xc4\xb0",     /* capital I with dot: folds to i in Turkish */
	"\xe2\x84\xaa", /* Kelvin sign: folds to k in Unicode */
	"\xc5\xbf",     /* long s: folds to s */
	"\xe2\x88\x92", /* minus sign */
};

static const char *const controls[] = {"\t", "\n", "\r", "\x1b", "\x01", "\x7f", "\x08",
                                       "\v", "\f", "\x1b[2J", "\r\n", "\x1f"};

static const char *const malformed[] = {
	"1e3", "0x10", "0X1F", " 10", "10 ", "+5", "1,000", "1_000", "1.5", ".5", "5.",
	"TERM,,INT", "TERM;INT", "TERM INT", ",", ",,", "TERM,", ",TERM", "none,TERM", "TERM,none",
	"SIG", "SIGSIG", "SIGSIGTERM", "RTMIN+", "RTMIN-1", "RTMAX+1", "RTMIN++1", "RTMIN+1+1",
	"RTMIN+0x1", "RTMIN +1", "RT MIN", "info,debug", "info=debug", "=info", "'info'",
	"\"info\"", "info\\", "\\", "stderr:", "syslog:", "file:///tmp/x", "~/x", "./x", "x/",
	"relative/path", "..", ".", "*", "%s%s%s%n", "${HOME}", "$(id)", "`id`", "yes!",
	"TCPSAFE_LOG=stderr", "TCPSAFE_DISABLE", "null", "NULL", "(null)", "nil", "undefined",
	"true false", "on/off", "1/0", "0.0", "00x", "0b1", "1k", "1M", "inf", "nan", "-",
	"/tmp/x ", " /tmp/x", "/ ", "@/dev/log", "unix:/dev/log", "C:\\log",
};

static void mutate(uint64_t *rng, char *dst)
{
	size_t n = strlen(dst);
	size_t pos = hc_below(rng, n + 1);
	char b[2] = {(char)(1 + hc_below(rng, 255)), 0};
	switch (hc_below(rng, 6)) {
	case 0: /* flip the case of one letter (stays valid for keywords) */
		if (pos < n && ((dst[pos] | 0x20) >= 'a' && (dst[pos] | 0x20) <= 'z'))
			dst[pos] ^= 0x20;
		break;
	case 1:
		insert_at(dst, pos, b);
		break;
	case 2:
		if (pos < n)
			memmove(dst + pos, dst + pos + 1, n - pos);
		break;
	case 3:
		if (pos < n)
			dst[pos] = b[0];
		break;
	case 4: /* duplicate one byte */
		if (pos < n) {
			b[0] = dst[pos];
			insert_at(dst, pos, b);
		}
		break;
	default: /* swap two neighbours */
		if (pos + 1 < n) {
			char t = dst[pos];
			dst[pos] = dst[pos + 1];
			dst[pos + 1] = t;
		}
		break;
	}
}

static void boundary(enum hc_var v, uint64_t *rng, char *dst, int rtmin, int rtmax)
{
	char t[64];
	int span = rtmax - rtmin;
	dst[0] = '\0';
	switch (v) {
	case HC_RATE:
		cat(dst, PICK(rng, ((const char *const[]){"0", "1", "999999", "1000000", "1000001",
		                                         "0000000", "01000000", "001000001", "00",
		                                         "4294967295", "4294967296"})));
		break;
	case HC_REAP_CACHE:
		cat(dst, PICK(rng, ((const char *const[]){"0", "1", "15", "16", "17", "015", "0016",
		                                         "999999", "1000000", "1000001", "01000000",
		                                         "4294967312"})));
		break;
	case HC_SYSLOG:
		random_path(rng, dst, 105 + hc_below(rng, 5), 0);
		break;
	case HC_LOG:
		if (hc_below(rng, 4) == 0)
			cat(dst, PICK(rng, ((const char *const[]){"/", "//", "/.", "/..", "/ x"})));
		else
			random_path(rng, dst, 4093 + hc_below(rng, 5), 0);
		break;
	case HC_EINTR_PASS:
		switch (hc_below(rng, 6)) {
		case 0:
			cat(dst, PICK(rng, ((const char *const[]){"0", "1", "31", "32", "33", "34", "63",
			                                         "64", "65", "064", "0064", "100", "SIG0",
			                                         "SIG64", "SIG65"})));
			break;
		case 1: snprintf(t, sizeof t, "RTMIN+%d", span); cat(dst, t); break;
		case 2: snprintf(t, sizeof t, "RTMIN+%d", span + 1); cat(dst, t); break;
		case 3: snprintf(t, sizeof t, "RTMAX-%d", span); cat(dst, t); break;
		case 4: snprintf(t, sizeof t, "RTMAX-%d", span + 1); cat(dst, t); break;
		default:
			cat(dst, PICK(rng, ((const char *const[]){"RTMIN+0", "RTMAX-0", "RTMIN+64",
			                                         "RTMAX-64", "RTMIN+65", "RTMAX+0",
			                                         "RTMIN-0", "STKFLT", "SYS", "PWR",
			                                         "IOT", "POLL", "CLD", "UNUSED"})));
			break;
		}
		break;
	default: {
		int n;
		const char *const *w = words_of(v, &n);
		const char *word = w[hc_below(rng, (unsigned long)n)];
		size_t len = strlen(word);
		switch (hc_below(rng, 4)) {
		case 0: /* a strict prefix */
			if (len > 1)
				len = 1 + hc_below(rng, len - 1);
			else
				len = 0;
			memcpy(dst, word, len);
			dst[len] = '\0';
			break;
		case 1: /* one letter more */
			cat(dst, word);
			cat(dst, PICK(rng, ((const char *const[]){"s", "e", "0", "1", "x"})));
			break;
		case 2: /* the word twice */
			cat(dst, word);
			cat(dst, word);
			break;
		default:
			cat(dst, PICK(rng, ((const char *const[]){"2", "-0", "00", "01", "10", "y", "n",
			                                         "t", "f"})));
			break;
		}
		break;
	}
	}
}

static void overflow(enum hc_var v, uint64_t *rng, char *dst)
{
	static const char *const big[] = {
		"1000001", "2000000", "4294967296", "4294967311", "9223372036854775807",
		"9223372036854775808", "18446744073709551615", "18446744073709551616",
		"18446744073709551631", "340282366920938463463374607431768211456", "99999999999999999999999",
		"65", "256", "65536", "1000000000000", "100000000000000000000000000000000000001",
	};
	dst[0] = '\0';
	if (v == HC_EINTR_PASS && hc_below(rng, 2)) {
		cat(dst, PICK(rng, ((const char *const[]){"RTMIN+", "RTMAX-", "SIG", "TERM,"})));
		cat(dst, PICK(rng, big));
		return;
	}
	if (hc_below(rng, 4) == 0) {
		for (unsigned long k = 20 + hc_below(rng, 200); k; k--)
			catf_ul(dst, 1 + hc_below(rng, 9));
		return;
	}
	cat(dst, PICK(rng, big));
}

static void negative(enum hc_var v, uint64_t *rng, char *dst, int rtmin, int rtmax)
{
	dst[0] = '\0';
	switch (hc_below(rng, 4)) {
	case 0:
		cat(dst, PICK(rng, ((const char *const[]){"-1", "-0", "-00", "-100", "-1000000",
		                                         "-9223372036854775808", "-18446744073709551615",
		                                         "-4294967295", "--1", "- 1", "\xe2\x88\x92" "1"})));
		break;
	case 1:
		cat(dst, PICK(rng, ((const char *const[]){"RTMIN+-1", "RTMAX--1", "RTMIN-1", "RTMAX+-1",
		                                         "TERM,-15", "-15", "SIG-15", "-TERM"})));
		break;
	case 2: /* a minus before a valid value */
		cat(dst, "-");
		gen_valid(v, rng, dst + 1, rtmin, rtmax);
		break;
	default: /* huge negatives as long strings */
		cat(dst, "-");
		for (unsigned long k = 1 + hc_below(rng, 60); k; k--)
			catf_ul(dst, hc_below(rng, 10));
		break;
	}
}

const char *hc_value(enum hc_var v, enum hc_class cls, uint64_t *rng, char *dst, int rtmin,
                     int rtmax)
{
	dst[0] = '\0';
	switch (cls) {
	case HCC_VALID:
		gen_valid(v, rng, dst, rtmin, rtmax);
		break;
	case HCC_EMPTY:
		break;
	case HCC_HUGE: {
		static const int pick[HC_NVARS][3] = {
			[HC_DISABLE] = {HUGE_A, HUGE_FF, HUGE_ZEROS7},
			[HC_SIGPIPE] = {HUGE_A, HUGE_NL, HUGE_INFO_SP},
			[HC_LOG] = {HUGE_PATH, HUGE_NL, HUGE_FF},
			[HC_LEVEL] = {HUGE_INFO_SP, HUGE_A, HUGE_NL},
			[HC_RATE] = {HUGE_ZEROS7, HUGE_NINES, HUGE_A},
			[HC_SYSLOG] = {HUGE_PATH, HUGE_FF, HUGE_NL},
			[HC_EINTR] = {HUGE_A, HUGE_FF, HUGE_NL},
			[HC_EINTR_PASS] = {HUGE_TERMS, HUGE_RTMIN, HUGE_ZEROS7},
			[HC_ACCEPT] = {HUGE_A, HUGE_NINES, HUGE_NL},
			[HC_REAP] = {HUGE_FF, HUGE_INFO_SP, HUGE_A},
			[HC_REAP_CACHE] = {HUGE_ZEROS_CACHE, HUGE_ZEROS7, HUGE_NINES},
		};
		return huge_value(pick[v][hc_below(rng, 3)]);
	}
	case HCC_NONUTF8:
		gen_valid(v, rng, dst, rtmin, rtmax);
		for (unsigned long k = 1 + hc_below(rng, 3); k; k--) {
			size_t n = strlen(dst);
			if (hc_below(rng, 2) && n) /* replace a byte */
				dst[hc_below(rng, n)] = (char)(0x80 + hc_below(rng, 128));
			else
				insert_at(dst, hc_below(rng, n + 1), PICK(rng, nonutf8));
		}
		break;
	case HCC_NEGATIVE:
		negative(v, rng, dst, rtmin, rtmax);
		break;
	case HCC_OVERFLOW:
		overflow(v, rng, dst);
		break;
	case HCC_MALFORMED:
		cat(dst, PICK(rng, malformed));
		break;
	case HCC_CONTROL:
		gen_valid(v, rng, dst, rtmin, rtmax);
		insert_at(dst, PICK(rng, ((const size_t[]){0, 1, 2, 3, 1000000})) ,
		          PICK(rng, controls));
		break;
	case HCC_BOUNDARY:
		boundary(v, rng, dst, rtmin, rtmax);
		break;
	case HCC_MUTANT:
		gen_valid(v, rng, dst, rtmin, rtmax);
		for (unsigned long k = 1 + hc_below(rng, 3); k; k--)
			mutate(rng, dst);
		break;
	case HCC_OTHERVAR: {
		enum hc_var o = (enum hc_var)((v + 1 + hc_below(rng, HC_NVARS - 1)) % HC_NVARS);
		gen_valid(o, rng, dst, rtmin, rtmax);
		break;
	}
	default: { /* random bytes 1..255 */
		size_t n = hc_below(rng, 65);
		for (size_t i = 0; i < n; i++)
			dst[i] = (char)(1 + hc_below(rng, 255));
		dst[n] = '\0';
		break;
	}
	}
	return dst;
}

static enum hc_class hostile_class(uint64_t *rng)
{
	static const enum hc_class pool[] = {HCC_EMPTY,     HCC_NONUTF8, HCC_NEGATIVE, HCC_OVERFLOW,
	                                     HCC_MALFORMED, HCC_CONTROL, HCC_BOUNDARY, HCC_MUTANT,
	                                     HCC_OTHERVAR,  HCC_RANDOM};
	/* huge values are rarer: each costs megabytes of scanning */
	if (hc_below(rng, 60) == 0)
		return HCC_HUGE;
	return PICK(rng, pool);
}

static void set_var(struct hc_case *c, int v, enum hc_class cls, uint64_t *rng, int flags)
{
	if (cls == HCC_HUGE && (flags & HC_NO_HUGE)) {
		static const int flavour[] = {HUGE_A, HUGE_PATH, HUGE_ZEROS7, HUGE_FF, HUGE_NL,
		                              HUGE_TERMS, HUGE_INFO_SP, HUGE_NINES, HUGE_RTMIN,
		                              HUGE_ZEROS_CACHE};
		long_value(PICK(rng, flavour), rng, c->buf[v]);
		c->val[v] = c->buf[v];
	} else {
		c->val[v] = hc_value((enum hc_var)v, cls, rng, c->buf[v], c->rtmin, c->rtmax);
	}
	c->cls[v] = cls;
}

void hc_generate(struct hc_case *c, uint64_t seed, unsigned long index, int flags)
{
	uint64_t rng = seed ^ (index * 0xd1342543de82ef95ULL);
	hc_rng(&rng);
	for (int v = 0; v < HC_NVARS; v++) {
		c->val[v] = NULL;
		c->cls[v] = HCC_VALID;
	}
	c->rtmin = 34;
	c->rtmax = 64;
	if (hc_below(&rng, 8) == 0) {
		c->rtmin = 32 + (int)hc_below(&rng, 9);
		c->rtmax = 56 + (int)hc_below(&rng, 9);
	}
	switch (hc_below(&rng, 10)) {
	case 0: case 1: case 2: case 3: /* one variable alone */
		set_var(c, (int)hc_below(&rng, HC_NVARS),
		        hc_below(&rng, 8) ? hostile_class(&rng) : HCC_VALID, &rng, flags);
		break;
	case 4: case 5: case 6: case 7: /* a mix of unset, valid and hostile */
		for (int v = 0; v < HC_NVARS; v++) {
			unsigned long r = hc_below(&rng, 20);
			if (r < 7)
				continue;
			set_var(c, v, r < 13 ? HCC_VALID : hostile_class(&rng), &rng, flags);
		}
		break;
	case 8: /* everything hostile at once */
		for (int v = 0; v < HC_NVARS; v++)
			set_var(c, v, hostile_class(&rng), &rng, flags);
		break;
	default: /* everything valid but one */
		for (int v = 0; v < HC_NVARS; v++)
			set_var(c, v, HCC_VALID, &rng, flags);
		set_var(c, (int)hc_below(&rng, HC_NVARS), hostile_class(&rng), &rng, flags);
		break;
	}
}

const char *hc_show(const char *s)
{
	static char bufs[4][200];
	static int next;
	char *o = bufs[next];
	size_t k = 0, i = 0;
	next = (next + 1) % 4;
	if (!s)
		return "(unset)";
	for (; s[i] && k + 6 < sizeof bufs[0] - 24; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			o[k++] = (char)ch;
		else
			k += (size_t)snprintf(o + k, sizeof bufs[0] - k, "\\x%02x", ch);
	}
	if (s[i])
		k += (size_t)snprintf(o + k, sizeof bufs[0] - k, "...(%zu bytes)", strlen(s));
	o[k] = '\0';
	return o;
}

void hc_describe(char *out, size_t sz, unsigned long idx, const struct hc_case *c)
{
	size_t k = (size_t)snprintf(out, sz, "case %lu (rt %d..%d):", idx, c->rtmin, c->rtmax);
	for (int v = 0; v < HC_NVARS && k < sz; v++)
		if (c->val[v])
			k += (size_t)snprintf(out + k, sz - k, " %s=[%s]\"%s\"", hc_vars[v].name + 8,
			                      hc_class_names[c->cls[v]], hc_show(c->val[v]));
}
