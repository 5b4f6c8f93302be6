/* A preload whose constructor runs before tcpsafe's (listed after it in
 * LD_PRELOAD) and puts 1 MiB values into TCPSAFE_* variables: more than
 * execve() lets one environment string carry (128 KiB), so this is the
 * only way to hand tcpsafe such a value at start-up.
 *   TS_BIGENV=NAME=FLAVOUR[,NAME=FLAVOUR...]
 * FLAVOUR is a number for hc_huge() (tests/hostile_corpus.c), so the test
 * can build the very same value to compare the warning with. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../hostile_corpus.h"

__attribute__((constructor)) static void bigenv_init(void)
{
	const char *spec = getenv("TS_BIGENV");
	char name[64];
	while (spec && *spec) {
		const char *eq = strchr(spec, '=');
		if (!eq || (size_t)(eq - spec) >= sizeof name)
			return;
		memcpy(name, spec, (size_t)(eq - spec));
		name[eq - spec] = '\0';
		const char *v = hc_huge(atoi(eq + 1));
		if (v)
			setenv(name, v, 1);
		spec = strchr(eq, ',');
		spec = spec ? spec + 1 : NULL;
	}
}
