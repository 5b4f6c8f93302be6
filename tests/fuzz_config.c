/* libFuzzer target for the TCPSAFE_* parser (src/config.c), built by
 * `make fuzz` when clang has -fsanitize=fuzzer (with ASan and UBSan).
 *
 * An input is a series of records "<selector byte><value bytes>", each
 * ended by a NUL (the environment cannot hold one): the selector picks the
 * variable (selector % 12; 11 sets SIGRTMIN/SIGRTMAX from the next two
 * bytes).  The environment goes through ts_config_load_rt and every value
 * through every single-value parser; besides crashes, any difference from
 * the man-page oracle of tests/hostile_corpus.c aborts, so the fuzzer also
 * hunts wrong answers. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_corpus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hc_case c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[1024], what[1600];
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (int v = 0; v < HC_NVARS; v++) {
		c.val[v] = NULL;
		c.cls[v] = HCC_RANDOM;
	}
	c.rtmin = 34;
	c.rtmax = 64;
	for (size_t i = 0; i < size;) {
		unsigned sel = (unsigned char)copy[i] % (HC_NVARS + 1);
		char *val = copy + i + 1;
		size_t len = i + 1 <= size ? strlen(val) : 0;
		if (sel == HC_NVARS) {
			/* any real-time range glibc could report: 32..40 up to 56..64 */
			if (len >= 2) {
				c.rtmin = 32 + (unsigned char)val[0] % 9;
				c.rtmax = 56 + (unsigned char)val[1] % 9;
			}
		} else {
			c.val[sel] = val;
		}
		i += 1 + len + 1;
	}
	if (hc_check_load(&c, why, sizeof why) < 0) {
		hc_describe(what, sizeof what, 0, &c);
		fprintf(stderr, "ts_config_load_rt differs from the oracle\n%s\n%s\n", what, why);
		abort();
	}
	for (int v = 0; v < HC_NVARS; v++)
		if (c.val[v] && hc_check_parsers(c.val[v], c.rtmin, c.rtmax, why, sizeof why) < 0) {
			fprintf(stderr, "%s\n", why);
			abort();
		}
	free(copy);
	return 0;
}
