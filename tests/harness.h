/* Test harness: start the sample programs with or without tcpsafe, read
 * what they print, wait with a deadline, and clean up every pid. */
#ifndef TS_HARNESS_H
#define TS_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#ifndef TS_BUILDDIR
#error "TS_BUILDDIR must name the build tree"
#endif

#define LIBPATH TS_BUILDDIR "/src/.libs/libtcpsafe.so"
#define EXAMPLE(name) TS_BUILDDIR "/examples/" name
#define HELPER(name) TS_BUILDDIR "/tests/helpers/" name
#define LAUNCHER TS_BUILDDIR "/src/tcpsafe"

struct proc {
	pid_t pid;
	int out;      /* read end of the child's stdout, or -1 */
	char err[256]; /* path of the file holding its stderr */
	char log[256]; /* path for TCPSAFE_LOG when used */
	int status;
	int done;
};

enum { WITHOUT = 0, WITH = 1 };

/* Start argv with a clean environment (no LD_PRELOAD, no TCPSAFE_*), plus
 * LD_PRELOAD=libtcpsafe.so if preload, plus the NULL-terminated extra
 * "NAME=value" list (an LD_PRELOAD there replaces the harness's own).  In a
 * sanitized build ASan's runtime goes first in LD_PRELOAD; under
 * TS_VALGRIND=1 a child whose LD_PRELOAD has libtcpsafe.so runs under
 * memcheck.  stdout is a pipe, stderr a temp file. */
void proc_start(struct proc *p, int preload, char *const argv[], const char *const extra[]);
/* Like proc_start with stderr on the given fd (e.g. a socket). */
void proc_start_fd2(struct proc *p, int preload, char *const argv[], const char *const extra[],
                    int fd2);
/* Read stdout lines until one starts with prefix; copies it.  -1 on timeout/EOF. */
int proc_read_line(struct proc *p, const char *prefix, char *line, size_t sz, int timeout_ms);
/* The port from a "listening on 127.0.0.1:PORT" line. */
int proc_port(struct proc *p);
/* Wait up to timeout_ms; kills (SIGKILL) and returns -1 on timeout. */
int proc_wait(struct proc *p, int timeout_ms);
void proc_kill(struct proc *p);
/* Runs argv to completion, returns its wait status; its stdout in out. */
int run(int preload, char *const argv[], const char *const extra[], char *out, size_t outsz,
        int timeout_ms);

/* Reads a whole file (NUL-terminated, truncated to sz-1). */
size_t slurp(const char *path, char *buf, size_t sz);
int count_lines_with(const char *text, const char *needle);
/* Every line of text matches the tcpsafe log line grammar. */
int all_lines_well_formed(const char *text, int *nlines, char *bad, size_t badsz);
void tmp_path(char *buf, size_t sz, const char *tag);
/* NULL if a and b are equal, else the start of the first differing line
 * of a (its counterpart in b through *in_b). */
const char *first_difference(const char *a, const char *b, const char **in_b);
/* Runs argv without, then with tcpsafe; each must exit 0 (asserted).
 * Their stdout in a and b (sz bytes each).  Under TS_VALGRIND=1 both run in
 * memcheck, so only tcpsafe differs. */
void run_both(char *const argv[], char *a, char *b, size_t sz, int timeout_ms);
/* Timing under valgrind: deadlines given to proc_read_line, proc_wait and
 * run are multiplied by ts_time_scale() (TS_TIME_SCALE, else 4 under
 * TS_VALGRIND=1, else 1); tests scale their upper bounds with ts_ms(). */
double ts_time_scale(void);
int ts_ms(int ms);
/* A reply size (bytes) beyond what one loopback connection's socket
 * buffers hold for a peer that reads nothing, from this machine's
 * net.ipv4.tcp_wmem, net.core.wmem_max and net.ipv4.tcp_rmem; at least
 * at_least.  A server writing it to a client that resets is still
 * writing when the RST comes, on a tuned host too. */
long ts_reply_size(long at_least);
/* Runs every test of s, returns main()'s exit status.  In a sanitized build
 * or under TS_VALGRIND=1, a sanitizer or memcheck report from any process a
 * test started fails that test (or, found only at the end, the program). */
struct Suite;
int run_suite(struct Suite *s);

#endif
