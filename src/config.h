/* TCPSAFE_* configuration: pure parsing, no I/O, no malloc (unit-tested). */
#ifndef TS_CONFIG_H
#define TS_CONFIG_H

#include <stddef.h>

enum ts_log_dest { TS_LOG_STDERR, TS_LOG_SYSLOG, TS_LOG_NONE, TS_LOG_FILE };
enum ts_level { TS_L_ERROR, TS_L_WARN, TS_L_INFO, TS_L_DEBUG };
enum ts_sigpipe_mode { TS_SIGPIPE_IGNORE, TS_SIGPIPE_DEFAULT };
enum ts_eintr_mode { TS_EINTR_RETRY, TS_EINTR_STRICT, TS_EINTR_PASS, TS_EINTR_AUTO };
enum ts_accept_mode { TS_ACCEPT_RETRY, TS_ACCEPT_PASS };
enum ts_reap_mode { TS_REAP_FORK, TS_REAP_OFF };
#define TS_REAP_CACHE_DEFAULT 1024UL
#define TS_REAP_CACHE_MIN 16UL
#define TS_REAP_CACHE_MAX 1000000UL

/* Signal sets as bit (sig - 1) of a 64-bit word: signals 1..64. */
#define TS_SIGBIT(sig) (1ULL << ((unsigned)(sig) - 1))
#define TS_EINTR_PASS_DEFAULT                                                   \
	(TS_SIGBIT(14) | TS_SIGBIT(26) | TS_SIGBIT(2) | TS_SIGBIT(15) | TS_SIGBIT(3))

#define TS_PATH_MAX 4096
#define TS_SUN_PATH_MAX 108
#define TS_LOG_RATE_MAX 1000000UL
#define TS_MAX_WARNINGS 16

struct ts_warning {
	const char *var;      /* variable name */
	const char *value;    /* the bad value as found (not copied) */
	const char *accepted; /* human list of accepted values */
	const char *using_;   /* what applies instead */
};

struct ts_config {
	int disable;
	enum ts_sigpipe_mode sigpipe;
	enum ts_log_dest log;
	char log_path[TS_PATH_MAX];
	enum ts_level level;
	unsigned long log_rate; /* lines per second, 0 = unlimited */
	char syslog_path[TS_SUN_PATH_MAX];
	enum ts_eintr_mode eintr;
	unsigned long long eintr_pass; /* TS_SIGBIT set */
	enum ts_accept_mode accept;
	enum ts_reap_mode reap;
	unsigned long reap_cache; /* statuses kept for the program's wait calls */
	int nwarn;
	struct ts_warning warn[TS_MAX_WARNINGS];
};

typedef const char *(*ts_getenv_fn)(const char *name);

void ts_config_defaults(struct ts_config *c);
/* Fill c from the environment through get (secure_getenv in the library);
 * each bad value leaves the default and appends one entry to c->warn. */
void ts_config_load(struct ts_config *c, ts_getenv_fn get);
/* The same with the process's SIGRTMIN/SIGRTMAX (ts_config_load assumes
 * glibc's usual 34 and 64). */
void ts_config_load_rt(struct ts_config *c, ts_getenv_fn get, int rtmin, int rtmax);

/* Single-value parsers: 0 on success, -1 on a bad value (out untouched). */
int ts_parse_bool(const char *s, int *out);
int ts_parse_level(const char *s, enum ts_level *out);
int ts_parse_sigpipe(const char *s, enum ts_sigpipe_mode *out);
int ts_parse_ulong(const char *s, unsigned long max, unsigned long *out);
int ts_parse_log(const char *s, enum ts_log_dest *dest, char *path, size_t pathsz);
int ts_parse_abs_path(const char *s, char *path, size_t pathsz);
int ts_parse_eintr(const char *s, enum ts_eintr_mode *out);
int ts_parse_accept(const char *s, enum ts_accept_mode *out);
int ts_parse_reap(const char *s, enum ts_reap_mode *out);
/* Comma-separated signals: INT or SIGINT (any case), 1..64, RTMIN, RTMIN+N,
 * RTMAX, RTMAX-N; or "none" for the empty set.  rtmin/rtmax are the
 * process's SIGRTMIN/SIGRTMAX. */
int ts_parse_sigset(const char *s, int rtmin, int rtmax, unsigned long long *out);
const char *ts_level_name(enum ts_level l);

#endif
