/* A generated corpus of hostile TCPSAFE_* environments, and an oracle for
 * what each must give, written from man/libtcpsafe.7 (ENVIRONMENT) and
 * independent of src/config.c.  Shared by the parser unit test
 * (check_config_corpus), the library test (check_hostile) and the fuzz
 * target (fuzz_config).  Deterministic: case i of seed s is always the
 * same environment, so a failure is replayed from its index alone. */
#ifndef TS_HOSTILE_CORPUS_H
#define TS_HOSTILE_CORPUS_H

#include <stddef.h>
#include <stdint.h>

enum hc_var {
	HC_DISABLE, HC_SIGPIPE, HC_LOG, HC_LEVEL, HC_RATE, HC_SYSLOG,
	HC_EINTR, HC_EINTR_PASS, HC_ACCEPT, HC_REAP, HC_REAP_CACHE, HC_NVARS
};

/* How a value was made (for coverage counts and failure messages only:
 * validity is decided by the oracle, never by the class). */
enum hc_class {
	HCC_VALID, HCC_EMPTY, HCC_HUGE, HCC_NONUTF8, HCC_NEGATIVE, HCC_OVERFLOW,
	HCC_MALFORMED, HCC_CONTROL, HCC_BOUNDARY, HCC_MUTANT, HCC_OTHERVAR, HCC_RANDOM,
	HCC_N
};

struct hc_varinfo {
	const char *name;
	const char *using_;          /* the default, as the warning names it */
	const char *accepted_has[9]; /* words the accepted list must mention */
};
extern const struct hc_varinfo hc_vars[HC_NVARS];
extern const char *const hc_class_names[HCC_N];

#define HC_VAL_CAP 8192     /* ordinary generated values */
#define HC_HUGE_LEN (1u << 20) /* 1 MiB */

struct hc_case {
	const char *val[HC_NVARS]; /* NULL: unset */
	enum hc_class cls[HC_NVARS];
	int rtmin, rtmax;          /* the process's SIGRTMIN/SIGRTMAX to assume */
	char buf[HC_NVARS][HC_VAL_CAP];
};

/* What the documented semantics give for one environment.  Enumerations
 * in the man page's order: log 0 stderr, 1 syslog, 2 none, 3 file; level
 * 0 error .. 3 debug; sigpipe 0 ignore, 1 default; eintr 0 retry, 1
 * strict, 2 pass; accept 0 retry, 1 pass; reap 0 fork, 1 off. */
struct hc_expect {
	int valid[HC_NVARS]; /* -1 unset, 1 taken, 0 refused (one warning) */
	int nbad;
	int disable, sigpipe, log, level, eintr, accept, reap;
	unsigned long rate, reap_cache;
	unsigned long long eintr_pass;
	const char *log_path, *syslog_path; /* into the case (or the default) */
};

/* Flags for hc_generate. */
#define HC_NO_HUGE 1     /* cap values at HC_VAL_CAP (an execve'd environment) */

/* Case index of seed: every variable unset, valid or hostile. */
void hc_generate(struct hc_case *c, uint64_t seed, unsigned long index, int flags);
/* One hostile or valid value for var into dst (cap >= HC_VAL_CAP) or a
 * shared 1 MiB buffer; returns it.  rng is the caller's generator state. */
const char *hc_value(enum hc_var v, enum hc_class cls, uint64_t *rng, char *dst, int rtmin,
                     int rtmax);
/* The shared 1 MiB values, by flavour 0 .. HC_HUGE_FLAVOURS-1 (all a,
 * "/" then p, zeros then 7, 0xff, x and newline, TERM,TERM,...,INT, info
 * then blanks, nines, RTMIN+0...01, zeros then 4096). */
#define HC_HUGE_FLAVOURS 10
const char *hc_huge(int flavour);
/* The oracle. */
void hc_expect(const struct hc_case *c, struct hc_expect *e);
/* Single-value oracles: 1 valid (outputs set), 0 invalid. */
int hc_oracle(enum hc_var v, const char *s, int rtmin, int rtmax, struct hc_expect *e);

uint64_t hc_rng(uint64_t *state);
unsigned long hc_below(uint64_t *state, unsigned long n);
/* Seed from TS_TEST_SEED, else a fixed default. */
uint64_t hc_seed(void);
/* Decodes one logfmt value as a log line shows it (bare, or "quoted" with
 * \" \\ \n and \xNN escapes) into out (NUL-terminated, *n bytes).
 * Returns the first byte after it, or NULL if it is malformed. */
const char *hc_decode_value(const char *p, char *out, size_t cap, size_t *n);

/* Printable rendering of a value, cut, for messages (rotating buffers). */
const char *hc_show(const char *s);
/* "case N: NAME=[class]"value" ..." into out. */
void hc_describe(char *out, size_t sz, unsigned long idx, const struct hc_case *c);

/* ---- hostile_check.c: needs src/config.c linked in ------------------------ */
/* The case through ts_config_load_rt (on a garbage-filled config): 0 if it
 * matches the oracle, every refused value has exactly one warning with its
 * name, value, accepted values and default, no valid value has any, and
 * each variable is read once; else -1 and why. */
int hc_check_load(const struct hc_case *c, char *why, size_t sz);
/* s through every single-value parser: the oracle's verdict and value,
 * outputs untouched on refusal, no byte written past a path buffer. */
int hc_check_parsers(const char *s, int rtmin, int rtmax, char *why, size_t sz);

#endif
