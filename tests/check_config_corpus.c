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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hostile_corpus.h"

/* Check's own assertions record a mark point per call: too slow here. */
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

static void check_case(unsigned long idx, const struct hc_case *c)
{
	char why[1024], what[1600];
	if (hc_check_load(c, why, sizeof why) < 0) {
		hc_describe(what, sizeof what, idx, c);
		ck_abort_msg("%s\n%s", what, why);
	}
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

START_TEST(corpus_through_single_parsers)
{
	static struct hc_case c;
	uint64_t seed = hc_seed() ^ 0x1234;
	unsigned long n = corpus_size() / 2, calls = 0;
	char why[1024];
	for (unsigned long i = 0; i < n; i++) {
		hc_generate(&c, seed, i, 0);
		/* every value through every parser, not only its own */
		for (int v = 0; v < HC_NVARS; v++)
			if (c.val[v]) {
				if (hc_check_parsers(c.val[v], c.rtmin, c.rtmax, why, sizeof why) < 0)
					ck_abort_msg("case %lu, %s: %s", i, hc_vars[v].name, why);
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
