/* Hostile configuration, parser level: a generated corpus of TCPSAFE_*
 * environments (tests/hostile_corpus.c: empty, 1 MiB, non-UTF-8, negative,
 * overflowing, malformed, control-character, boundary, mutated and random
 * values for all eleven variables, alone, mixed and all bad at once) goes
 * through ts_config_load_rt and through every single-value parser.
 * Each result is compared with an oracle written from the man page:
 * the valid values are taken, every invalid one leaves its default and
 * gets exactly one warning naming the variable, its value and the accepted
 * values; a valid one gets none.  Never a crash (the fuzz target runs the
 * same checks under ASan and UBSan).
 *
 * TS_TEST_SEED=<n> changes the corpus; TS_LONG_TESTS=1 makes it 10x
 * larger.  A failure names the case index: rerun with the same seed. */
#include "autoconfig.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hostile_corpus.h"

#define REQUIRE(cond, ...)                                                                   \
	do {                                                                                     \
		if (!(cond))                                                                         \
			ck_abort_msg(__VA_ARGS__);                                                       \
	} while (0)

static unsigned long corpus_size(void)
{
	const char *l = getenv("TS_LONG_TESTS");
	return l && *l == '1' ? 120000 : 12000;
}

/* Printable, cut rendering of a value for failure messages. */
static const char *show(const char *s)
{
	static char bufs[4][200];
	static int next;
	char *o = bufs[next];
	size_t k = 0, i = 0;
	next = (next + 1) % 4;
	if (!s)
		return "(unset)";
	for (; s[i] && k + 6 < sizeof bufs[0] - 16; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			o[k++] = (char)c;
		else
			k += (size_t)snprintf(o + k, sizeof bufs[0] - k, "\\x%02x", c);
	}
	if (s[i])
		k += (size_t)snprintf(o + k, sizeof bufs[0] - k, "...(%zu bytes)", strlen(s));
	o[k] = '\0';
	return o;
}

/* The environment the parser sees: the current case. */
static const struct hc_case *cur;
static int asked[HC_NVARS], asked_other;

static const char *case_getenv(const char *name)
{
	for (int v = 0; v < HC_NVARS; v++)
		if (!strcmp(name, hc_vars[v].name)) {
			asked[v]++;
			return cur->val[v];
		}
	asked_other++;
	return NULL;
}

static void describe(char *out, size_t sz, unsigned long idx, const struct hc_case *c)
{
	size_t k = (size_t)snprintf(out, sz, "case %lu (rt %d..%d):", idx, c->rtmin, c->rtmax);
	for (int v = 0; v < HC_NVARS && k < sz; v++)
		if (c->val[v])
			k += (size_t)snprintf(out + k, sz - k, " %s=[%s]\"%s\"", hc_vars[v].name + 8,
			                      hc_class_names[c->cls[v]], show(c->val[v]));
}

static void check_warning(const struct ts_warning *w, int v, const char *value, const char *what)
{
	REQUIRE(w->value == value, "%s: warning for %s does not carry the environment's string",
	        what, hc_vars[v].name);
	REQUIRE(w->accepted && *w->accepted, "%s: %s warning without accepted values", what,
	        hc_vars[v].name);
	for (int k = 0; k < 9 && hc_vars[v].accepted_has[k]; k++)
		REQUIRE(strstr(w->accepted, hc_vars[v].accepted_has[k]), "%s: accepted \"%s\" lacks %s",
		        what, w->accepted, hc_vars[v].accepted_has[k]);
	REQUIRE(w->using_ && !strcmp(w->using_, hc_vars[v].using_),
	        "%s: %s warning says using \"%s\", the default is \"%s\"", what, hc_vars[v].name,
	        w->using_ ? w->using_ : "(null)", hc_vars[v].using_);
}

static void check_case(unsigned long idx, const struct hc_case *c)
{
	struct ts_config got;
	struct hc_expect e;
	char what[1600];

	hc_expect(c, &e);
	cur = c;
	memset(asked, 0, sizeof asked);
	asked_other = 0;
	memset(&got, (int)(idx * 37 & 0xff), sizeof got); /* garbage in: all must be set */
	ts_config_load_rt(&got, case_getenv, c->rtmin, c->rtmax);

	int fail = got.disable != e.disable || (int)got.sigpipe != e.sigpipe ||
	           (int)got.log != e.log || (int)got.level != e.level || got.log_rate != e.rate ||
	           (int)got.eintr != e.eintr || got.eintr_pass != e.eintr_pass ||
	           (int)got.accept != e.accept || (int)got.reap != e.reap ||
	           got.reap_cache != e.reap_cache || strcmp(got.syslog_path, e.syslog_path) ||
	           (e.log == 3 && strcmp(got.log_path, e.log_path)) || got.nwarn != e.nbad;
	if (fail) {
		describe(what, sizeof what, idx, c);
		ck_abort_msg("%s\ngot: disable %d sigpipe %d log %d level %d rate %lu eintr %d pass "
		             "%llx accept %d reap %d cache %lu syslog \"%s\" nwarn %d\n"
		             "want: disable %d sigpipe %d log %d level %d rate %lu eintr %d pass %llx "
		             "accept %d reap %d cache %lu syslog \"%s\" nbad %d",
		             what, got.disable, got.sigpipe, got.log, got.level, got.log_rate,
		             got.eintr, got.eintr_pass, got.accept, got.reap, got.reap_cache,
		             show(got.syslog_path), got.nwarn, e.disable, e.sigpipe, e.log, e.level,
		             e.rate, e.eintr, e.eintr_pass, e.accept, e.reap, e.reap_cache,
		             show(e.syslog_path), e.nbad);
	}
	int seen[HC_NVARS] = {0};
	for (int k = 0; k < got.nwarn; k++) {
		int v = 0;
		while (v < HC_NVARS && !(got.warn[k].var && !strcmp(got.warn[k].var, hc_vars[v].name)))
			v++;
		if (v == HC_NVARS || e.valid[v] != 0 || seen[v]++) {
			describe(what, sizeof what, idx, c);
			ck_abort_msg("%s\nunexpected or repeated warning for %s", what,
			             got.warn[k].var ? got.warn[k].var : "(null)");
		}
		check_warning(&got.warn[k], v, c->val[v], hc_vars[v].name);
	}
	for (int v = 0; v < HC_NVARS; v++)
		REQUIRE(asked[v] == 1, "case %lu: %s read %d times", idx, hc_vars[v].name, asked[v]);
}

START_TEST(corpus_through_config_load)
{
	static struct hc_case c;
	uint64_t seed = hc_seed();
	unsigned long n = corpus_size(), valid = 0, invalid = 0, huge = 0;
	for (unsigned long i = 0; i < n; i++) {
		hc_generate(&c, seed, i, 0);
		check_case(i, &c);
		for (int v = 0; v < HC_NVARS; v++)
			if (c.val[v]) {
				struct hc_expect e;
				memset(&e, 0, sizeof e);
				if (hc_oracle((enum hc_var)v, c.val[v], c.rtmin, c.rtmax, &e))
					valid++;
				else
					invalid++;
				huge += c.cls[v] == HCC_HUGE;
			}
	}
	printf("config corpus: %lu environments, %lu valid and %lu invalid values (%lu of 1 MiB), "
	       "seed 0x%llx\n",
	       n, valid, invalid, huge, (unsigned long long)seed);
}
END_TEST

/* ---- every value through every single-value parser ---------------------- */

#define SENT 0x5a5a5a5aUL

static void check_parsers(unsigned long idx, const char *s, int rtmin, int rtmax)
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
		REQUIRE(r == (ok ? 0 : -1), "case %lu: " #fn "(\"%s\") = %d, oracle %d", idx, show(s), \
		        r, ok);                                                                      \
		REQUIRE(ok ? (int)out == e.field : (int)out == 77, "case %lu: " #fn "(\"%s\") gave %d", \
		        idx, show(s), (int)out);                                                     \
	} while (0)

	WORD_PARSER(HC_DISABLE, ts_parse_bool, int, disable);
	WORD_PARSER(HC_SIGPIPE, ts_parse_sigpipe, enum ts_sigpipe_mode, sigpipe);
	WORD_PARSER(HC_LEVEL, ts_parse_level, enum ts_level, level);
	WORD_PARSER(HC_EINTR, ts_parse_eintr, enum ts_eintr_mode, eintr);
	WORD_PARSER(HC_ACCEPT, ts_parse_accept, enum ts_accept_mode, accept);
	WORD_PARSER(HC_REAP, ts_parse_reap, enum ts_reap_mode, reap);
#undef WORD_PARSER

	{
		unsigned long out = SENT;
		ok = hc_oracle(HC_RATE, s, rtmin, rtmax, &e);
		r = ts_parse_ulong(s, TS_LOG_RATE_MAX, &out);
		REQUIRE(r == (ok ? 0 : -1) && out == (ok ? e.rate : SENT),
		        "case %lu: ts_parse_ulong(\"%s\", 1000000) = %d, %lu; oracle %d, %lu", idx,
		        show(s), r, out, ok, e.rate);
	}
	{
		unsigned long long out = 0xfeedULL;
		ok = hc_oracle(HC_EINTR_PASS, s, rtmin, rtmax, &e);
		r = ts_parse_sigset(s, rtmin, rtmax, &out);
		REQUIRE(r == (ok ? 0 : -1) && out == (ok ? e.eintr_pass : 0xfeedULL),
		        "case %lu: ts_parse_sigset(\"%s\", %d, %d) = %d, %llx; oracle %d, %llx", idx,
		        show(s), rtmin, rtmax, r, out, ok, e.eintr_pass);
	}
	{
		/* the path parsers must never write past their buffer, nor at
		 * all when they refuse */
		enum ts_log_dest d = (enum ts_log_dest)77;
		memset(path, 0xa5, sizeof path);
		ok = hc_oracle(HC_LOG, s, rtmin, rtmax, &e);
		r = ts_parse_log(s, &d, path, TS_PATH_MAX);
		REQUIRE(r == (ok ? 0 : -1), "case %lu: ts_parse_log(\"%s\") = %d, oracle %d", idx,
		        show(s), r, ok);
		if (ok) {
			REQUIRE((int)d == e.log, "case %lu: log dest %d, want %d", idx, (int)d, e.log);
			if (e.log == 3)
				REQUIRE(!strcmp(path, s), "case %lu: log path differs", idx);
		} else {
			REQUIRE((int)d == 77 && (unsigned char)path[0] == 0xa5,
			        "case %lu: refused log value changed outputs", idx);
		}
		for (size_t i = TS_PATH_MAX; i < sizeof path; i++)
			REQUIRE((unsigned char)path[i] == 0xa5, "case %lu: log path overflow", idx);

		memset(path, 0xa5, sizeof path);
		ok = hc_oracle(HC_SYSLOG, s, rtmin, rtmax, &e);
		r = ts_parse_abs_path(s, path, TS_SUN_PATH_MAX);
		REQUIRE(r == (ok ? 0 : -1), "case %lu: ts_parse_abs_path(\"%s\", 108) = %d, oracle %d",
		        idx, show(s), r, ok);
		REQUIRE(ok ? !strcmp(path, s) : (unsigned char)path[0] == 0xa5,
		        "case %lu: syslog path output wrong", idx);
		for (size_t i = TS_SUN_PATH_MAX; i < sizeof path; i++)
			REQUIRE((unsigned char)path[i] == 0xa5, "case %lu: syslog path overflow", idx);
	}
}

START_TEST(corpus_through_single_parsers)
{
	static struct hc_case c;
	uint64_t seed = hc_seed() ^ 0x1234;
	unsigned long n = corpus_size() / 2, calls = 0;
	for (unsigned long i = 0; i < n; i++) {
		hc_generate(&c, seed, i, 0);
		/* every value through every parser, not only its own */
		for (int v = 0; v < HC_NVARS; v++)
			if (c.val[v]) {
				check_parsers(i, c.val[v], c.rtmin, c.rtmax);
				calls += 11;
			}
	}
	printf("single parsers: %lu calls\n", calls);
}
END_TEST

/* The corpus is only worth something if it reaches every variable with
 * every kind of value, valid and invalid alike. */
START_TEST(corpus_covers_every_variable_and_class)
{
	static struct hc_case c;
	static unsigned long cov[HC_NVARS][HCC_N], nvalid[HC_NVARS], ninvalid[HC_NVARS];
	unsigned long allbad = 0, n = corpus_size();
	uint64_t seed = hc_seed();
	for (unsigned long i = 0; i < n; i++) {
		struct hc_expect e;
		hc_generate(&c, seed, i, 0);
		hc_expect(&c, &e);
		int set = 0;
		for (int v = 0; v < HC_NVARS; v++)
			if (c.val[v]) {
				set++;
				cov[v][c.cls[v]]++;
				nvalid[v] += e.valid[v] == 1;
				ninvalid[v] += e.valid[v] == 0;
			}
		allbad += set == HC_NVARS && e.nbad == HC_NVARS;
	}
	for (int v = 0; v < HC_NVARS; v++) {
		for (int k = 0; k < HCC_N; k++)
			REQUIRE(cov[v][k] >= 3, "%s: only %lu %s values", hc_vars[v].name, cov[v][k],
			        hc_class_names[k]);
		REQUIRE(nvalid[v] >= 200 && ninvalid[v] >= 200, "%s: %lu valid, %lu invalid",
		        hc_vars[v].name, nvalid[v], ninvalid[v]);
	}
	REQUIRE(allbad >= 50, "only %lu all-bad environments", allbad);
	printf("coverage: %lu environments with all eleven variables invalid\n", allbad);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_corpus");
	TCase *t = tcase_create("corpus");
	tcase_set_timeout(t, 300);
	tcase_add_test(t, corpus_covers_every_variable_and_class);
	tcase_add_test(t, corpus_through_config_load);
	tcase_add_test(t, corpus_through_single_parsers);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
