/* The corpus's cases against src/config.c: shared by the parser unit test
 * and the fuzz target, so both check exactly the same properties. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hostile_corpus.h"

static int fail(char *why, size_t sz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t sz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sz, fmt, ap);
	va_end(ap);
	return -1;
}

static const struct hc_case *cur;
static int asked[HC_NVARS];

static const char *case_getenv(const char *name)
{
	for (int v = 0; v < HC_NVARS; v++)
		if (!strcmp(name, hc_vars[v].name)) {
			asked[v]++;
			return cur->val[v];
		}
	return NULL;
}

static int check_warning(const struct ts_warning *w, int v, const char *value, char *why,
                         size_t sz)
{
	const char *name = hc_vars[v].name;
	if (w->value != value)
		return fail(why, sz, "warning for %s does not carry the environment's string", name);
	if (!w->accepted || !*w->accepted)
		return fail(why, sz, "%s warning without accepted values", name);
	for (int k = 0; k < 9 && hc_vars[v].accepted_has[k]; k++)
		if (!strstr(w->accepted, hc_vars[v].accepted_has[k]))
			return fail(why, sz, "%s: accepted \"%s\" lacks %s", name, w->accepted,
			            hc_vars[v].accepted_has[k]);
	if (!w->using_ || strcmp(w->using_, hc_vars[v].using_))
		return fail(why, sz, "%s warning says using \"%s\", the default is \"%s\"", name,
		            w->using_ ? w->using_ : "(null)", hc_vars[v].using_);
	return 0;
}

int hc_check_load(const struct hc_case *c, char *why, size_t sz)
{
	static struct ts_config got; /* 4 KiB of paths: not on a fuzzer's stack */
	struct hc_expect e;

	hc_expect(c, &e);
	cur = c;
	memset(asked, 0, sizeof asked);
	memset(&got, 0xa7, sizeof got); /* garbage in: every field must be set */
	ts_config_load_rt(&got, case_getenv, c->rtmin, c->rtmax);

	if (got.disable != e.disable || (int)got.sigpipe != e.sigpipe || (int)got.log != e.log ||
	    (int)got.level != e.level || got.log_rate != e.rate || (int)got.eintr != e.eintr ||
	    got.eintr_pass != e.eintr_pass || (int)got.accept != e.accept || (int)got.reap != e.reap ||
	    got.reap_cache != e.reap_cache || strcmp(got.syslog_path, e.syslog_path) ||
	    (e.log == 3 && strcmp(got.log_path, e.log_path)) || got.nwarn != e.nbad)
		return fail(why, sz,
		            "got: disable %d sigpipe %d log %d level %d rate %lu eintr %d pass %llx "
		            "accept %d reap %d cache %lu syslog \"%s\" nwarn %d\n"
		            "want: disable %d sigpipe %d log %d level %d rate %lu eintr %d pass %llx "
		            "accept %d reap %d cache %lu syslog \"%s\" nbad %d",
		            got.disable, got.sigpipe, got.log, got.level, got.log_rate, got.eintr,
		            got.eintr_pass, got.accept, got.reap, got.reap_cache,
		            hc_show(got.syslog_path), got.nwarn, e.disable, e.sigpipe, e.log, e.level,
		            e.rate, e.eintr, e.eintr_pass, e.accept, e.reap, e.reap_cache,
		            hc_show(e.syslog_path), e.nbad);
	int seen[HC_NVARS] = {0};
	for (int k = 0; k < got.nwarn; k++) {
		int v = 0;
		while (v < HC_NVARS && !(got.warn[k].var && !strcmp(got.warn[k].var, hc_vars[v].name)))
			v++;
		if (v == HC_NVARS || e.valid[v] != 0 || seen[v]++)
			return fail(why, sz, "unexpected or repeated warning for %s",
			            got.warn[k].var ? got.warn[k].var : "(null)");
		if (check_warning(&got.warn[k], v, c->val[v], why, sz) < 0)
			return -1;
	}
	for (int v = 0; v < HC_NVARS; v++)
		if (asked[v] != 1)
			return fail(why, sz, "%s read %d times", hc_vars[v].name, asked[v]);
	return 0;
}

#define SENT 0x5a5a5a5aUL

int hc_check_parsers(const char *s, int rtmin, int rtmax, char *why, size_t sz)
{
	static char path[TS_PATH_MAX + 64];
	struct hc_expect e;
	int r, ok;
	memset(&e, 0, sizeof e);

#define WORD_PARSER(VAR, fn, type, field)                                                    \
	do {                                                                                     \
		type out = (type)77;                                                                 \
		ok = hc_oracle(VAR, s, rtmin, rtmax, &e);                                            \
		r = fn(s, &out);                                                                     \
		if (r != (ok ? 0 : -1) || (ok ? (int)out != e.field : (int)out != 77))              \
			return fail(why, sz, #fn "(\"%s\") = %d, value %d; oracle %d, %d", hc_show(s),  \
			            r, (int)out, ok, e.field);                                           \
	} while (0)

	WORD_PARSER(HC_DISABLE, ts_parse_bool, int, disable);
	WORD_PARSER(HC_SIGPIPE, ts_parse_sigpipe, enum ts_sigpipe_mode, sigpipe);
	WORD_PARSER(HC_LEVEL, ts_parse_level, enum ts_level, level);
	WORD_PARSER(HC_EINTR, ts_parse_eintr, enum ts_eintr_mode, eintr);
	WORD_PARSER(HC_ACCEPT, ts_parse_accept, enum ts_accept_mode, accept);
	WORD_PARSER(HC_REAP, ts_parse_reap, enum ts_reap_mode, reap);
#undef WORD_PARSER

	unsigned long ul = SENT;
	ok = hc_oracle(HC_RATE, s, rtmin, rtmax, &e);
	r = ts_parse_ulong(s, TS_LOG_RATE_MAX, &ul);
	if (r != (ok ? 0 : -1) || ul != (ok ? e.rate : SENT))
		return fail(why, sz, "ts_parse_ulong(\"%s\", 1000000) = %d, %lu; oracle %d, %lu",
		            hc_show(s), r, ul, ok, e.rate);

	unsigned long long set = 0xfeedULL;
	ok = hc_oracle(HC_EINTR_PASS, s, rtmin, rtmax, &e);
	r = ts_parse_sigset(s, rtmin, rtmax, &set);
	if (r != (ok ? 0 : -1) || set != (ok ? e.eintr_pass : 0xfeedULL))
		return fail(why, sz, "ts_parse_sigset(\"%s\", %d, %d) = %d, %llx; oracle %d, %llx",
		            hc_show(s), rtmin, rtmax, r, set, ok, e.eintr_pass);

	/* the path parsers: never a byte past the buffer, none when refusing */
	enum ts_log_dest d = (enum ts_log_dest)77;
	memset(path, 0xa5, sizeof path);
	ok = hc_oracle(HC_LOG, s, rtmin, rtmax, &e);
	r = ts_parse_log(s, &d, path, TS_PATH_MAX);
	if (r != (ok ? 0 : -1))
		return fail(why, sz, "ts_parse_log(\"%s\") = %d, oracle %d", hc_show(s), r, ok);
	if (ok && ((int)d != e.log || (e.log == 3 && strcmp(path, s))))
		return fail(why, sz, "ts_parse_log(\"%s\"): dest %d, want %d", hc_show(s), (int)d,
		            e.log);
	if (!ok && ((int)d != 77 || (unsigned char)path[0] != 0xa5))
		return fail(why, sz, "ts_parse_log(\"%s\") refused but wrote", hc_show(s));
	for (size_t i = TS_PATH_MAX; i < sizeof path; i++)
		if ((unsigned char)path[i] != 0xa5)
			return fail(why, sz, "ts_parse_log(\"%s\") wrote past the buffer", hc_show(s));

	memset(path, 0xa5, sizeof path);
	ok = hc_oracle(HC_SYSLOG, s, rtmin, rtmax, &e);
	r = ts_parse_abs_path(s, path, TS_SUN_PATH_MAX);
	if (r != (ok ? 0 : -1) || (ok ? strcmp(path, s) != 0 : (unsigned char)path[0] != 0xa5))
		return fail(why, sz, "ts_parse_abs_path(\"%s\", 108) = %d, oracle %d", hc_show(s), r,
		            ok);
	for (size_t i = TS_SUN_PATH_MAX; i < sizeof path; i++)
		if ((unsigned char)path[i] != 0xa5)
			return fail(why, sz, "ts_parse_abs_path(\"%s\") wrote past the buffer",
			            hc_show(s));
	return 0;
}
