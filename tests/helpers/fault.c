/* libfault: a fault-injection preload for the EINTR and accept() tests.
 *
 * Load it BELOW tcpsafe, so that tcpsafe's dlsym(RTLD_NEXT) finds these
 * functions and they in turn call glibc's:
 *
 *   LD_PRELOAD="/path/libtcpsafe.so:/path/libfault.so" FAULT_PLAN=... prog
 *
 * FAULT_PLAN is a comma-separated list of CALL:ERRNO:COUNT entries, e.g.
 *   accept:ECONNABORTED:1,accept:EMFILE:3,read:EINTR:2,connect:EINTR:1
 * CALL is accept, accept4, read (also __read_chk), write, recv (also
 * __recv_chk), send or connect; ERRNO is a name (EINTR, EMFILE, ...) or a
 * number; COUNT >= 1.  For each CALL the entries are consumed in order:
 * the next COUNT calls of that name on a socket fail with that errno, then
 * the next entry applies, and once the entries are used up calls pass
 * through.  Calls on fds that are not sockets never fail and never use up
 * an entry (for accept/accept4 the listening fd is the one checked).
 *
 * What an injected failure does:
 *   - accept/accept4: -1 without accepting; the connection stays queued.
 *   - read/write/recv/send: -1 without any I/O.
 *   - connect with EINTR: what the kernel does when a signal interrupts a
 *     blocking connect: the socket is made non-blocking for one real
 *     connect() (which starts the handshake: EINPROGRESS), its flags are
 *     restored and -1/EINTR is returned while the connection goes on in the
 *     background.  Should that real connect fail at once (ECONNREFUSED,
 *     ENETUNREACH, ...) its own error is returned instead and no fault is
 *     counted (the entry is used up all the same).
 *   - connect with any other errno: -1 without connecting.
 *
 * FAULT_VERBOSE=1 prints one line per injected fault on stderr:
 *   fault: accept -> ECONNABORTED
 * FAULT_REPORT=/path makes the process write, per call name, how many
 * faults it injected ("accept 6\naccept4 0\nread 2\n...", all seven names
 * in that order).  The file is (re)written atomically (temporary file +
 * rename) after every injection and again at exit, so it is right even if
 * the program is then killed; it is not written at all by a process that
 * injected nothing (a test reads "no file" as zero everywhere).  Without
 * "%p" in the path only the process that loaded the library writes it
 * (a fork child would otherwise overwrite it); every "%p" is replaced by
 * the pid, and then each process, fork children included, writes its own
 * file with only its own faults (counts restart at 0 in a fork child, the
 * plan goes on where the parent was).
 *
 * The report ends with "changed N": how many times a read, write, recv or
 * send that follows an injected failure of the same name was made with
 * different arguments (fd, buffer, length, flags).  A layer above that
 * retries must repeat the call exactly; the check is for single-threaded
 * programs.
 *
 * An invalid FAULT_PLAN is a test bug: the library says so on stderr and
 * the process exits with status 2 before main().
 *
 * The call path is thread- and async-signal-safe: the plan is parsed once
 * into a static table, entries are taken with atomics, nothing allocates,
 * and output goes through raw syscalls (calling write() here would go back
 * through tcpsafe and this library). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

extern ssize_t __read_chk(int, void *, size_t, size_t);
extern ssize_t __recv_chk(int, void *, size_t, size_t, int);

/* ---- the plan --------------------------------------------------------- */

enum { C_ACCEPT, C_ACCEPT4, C_READ, C_WRITE, C_RECV, C_SEND, C_CONNECT, C__COUNT };
static const char *const call_name[C__COUNT] = {"accept", "accept4", "read", "write",
                                                "recv",   "send",    "connect"};

#define MAX_ENTRIES 32 /* per call name */

struct entry {
	int err;
	unsigned long long first, end; /* socket calls [first, end) of this name fail */
};

struct plan {
	int n;
	unsigned long long total; /* calls that fail in all */
	struct entry e[MAX_ENTRIES];
	_Atomic unsigned long long next; /* index of the next socket call */
	_Atomic unsigned long long injected;
};

static struct plan plans[C__COUNT];

/* The arguments of the last injected failure of each call, armed until the
 * next call of that name compares its own with them. */
static struct {
	_Atomic int armed;
	long v[4];
} last[C__COUNT];
static _Atomic unsigned long changed;
static int verbose;

/* FAULT_REPORT */
static char report_tmpl[PATH_MAX];
static void report_update(void);
static int report_per_pid;
static pid_t report_owner;
static atomic_flag report_busy = ATOMIC_FLAG_INIT;
static _Atomic unsigned long report_gen;

/* ---- raw output (no stdio, no malloc, no interposed symbols) -------------- */

static void raw_write(int fd, const char *s, size_t n)
{
	while (n > 0) {
		long r = syscall(SYS_write, fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

/* Appends s to buf[*len], never past cap - 1 (the result is terminated). */
static void put_str(char *buf, size_t cap, size_t *len, const char *s)
{
	while (*s && *len + 1 < cap)
		buf[(*len)++] = *s++;
	buf[*len] = '\0';
}

static void put_num(char *buf, size_t cap, size_t *len, unsigned long long v)
{
	char tmp[24];
	int i = (int)sizeof tmp - 1;
	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	put_str(buf, cap, len, tmp + i);
}

static const char *errno_name(int err)
{
	const char *s = strerrorname_np(err);
	return s ? s : "E?";
}

/* ---- the report file ---------------------------------------------------- */

static void report_path(char *out, size_t cap, pid_t pid)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = report_tmpl; *p && len + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			put_num(out, cap, &len, (unsigned long long)pid);
			p++;
		} else {
			out[len++] = *p;
			out[len] = '\0';
		}
	}
}

static void report_write_once(void)
{
	pid_t pid = (pid_t)syscall(SYS_getpid);
	char path[PATH_MAX], tmp[PATH_MAX + 32], text[C__COUNT * 32 + 32];
	size_t len = 0, tlen = 0;
	report_path(path, sizeof path, pid);
	put_str(tmp, sizeof tmp, &tlen, path);
	put_str(tmp, sizeof tmp, &tlen, ".tmp");
	put_num(tmp, sizeof tmp, &tlen, (unsigned long long)pid);
	text[0] = '\0';
	for (int c = 0; c < C__COUNT; c++) {
		put_str(text, sizeof text, &len, call_name[c]);
		put_str(text, sizeof text, &len, " ");
		put_num(text, sizeof text, &len, atomic_load(&plans[c].injected));
		put_str(text, sizeof text, &len, "\n");
	}
	put_str(text, sizeof text, &len, "changed ");
	put_num(text, sizeof text, &len, atomic_load(&changed));
	put_str(text, sizeof text, &len, "\n");
	int fd = (int)syscall(SYS_openat, AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                      0644);
	if (fd < 0)
		return;
	raw_write(fd, text, len);
	syscall(SYS_close, fd);
	syscall(SYS_rename, tmp, path);
}

static int report_wanted(void)
{
	if (!report_tmpl[0])
		return 0;
	if (!report_per_pid && (pid_t)syscall(SYS_getpid) != report_owner)
		return 0;
	for (int c = 0; c < C__COUNT; c++)
		if (atomic_load(&plans[c].injected))
			return 1;
	return 0;
}

/* Never blocks: whoever holds the flag rewrites until no injection is
 * newer than what it wrote; a caller that finds the flag taken (another
 * thread, or the code its signal handler interrupted) leaves it to it. */
static void report_update(void)
{
	if (!report_wanted())
		return;
	for (;;) {
		if (atomic_flag_test_and_set(&report_busy))
			return;
		unsigned long gen = atomic_load(&report_gen);
		report_write_once();
		atomic_flag_clear(&report_busy);
		if (atomic_load(&report_gen) == gen)
			return;
	}
}

/* ---- the real functions --------------------------------------------------- */

typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef ssize_t (*recv_chk_fn)(int, void *, size_t, size_t, int);

enum { R_ACCEPT, R_ACCEPT4, R_READ, R_WRITE, R_RECV, R_SEND, R_CONNECT, R_READ_CHK, R_RECV_CHK, R__COUNT };
static const char *const real_name[R__COUNT] = {"accept", "accept4", "read",       "write",     "recv",
                                                "send",   "connect", "__read_chk", "__recv_chk"};
static void *_Atomic real[R__COUNT];

/* Bound in the constructor; the lookup here only serves a call that comes
 * before it (another library's constructor).  NULL: use the syscall. */
static void *real_fn(int i)
{
	void *p = atomic_load_explicit(&real[i], memory_order_acquire);
	if (!p) {
		int saved = errno;
		p = dlsym(RTLD_NEXT, real_name[i]);
		errno = saved;
		if (p)
			atomic_store_explicit(&real[i], p, memory_order_release);
	}
	return p;
}

/* ---- injection ------------------------------------------------------------- */

static int is_socket(int fd)
{
	struct stat st;
	int saved = errno;
	int r = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	errno = saved;
	return r;
}

/* The errno this call must fail with, or 0 for "pass through".  Takes the
 * call's slot in the plan. */
static int take(int call, int fd)
{
	struct plan *p = &plans[call];
	if (p->total == 0 || !is_socket(fd))
		return 0;
	unsigned long long k = atomic_load(&p->next);
	do {
		if (k >= p->total)
			return 0;
	} while (!atomic_compare_exchange_weak(&p->next, &k, k + 1));
	for (int i = 0; i < p->n; i++)
		if (k >= p->e[i].first && k < p->e[i].end)
			return p->e[i].err;
	return 0;
}

/* Counts, tells and returns -1 with errno = err. */
static int injected(int call, int err)
{
	atomic_fetch_add(&plans[call].injected, 1);
	atomic_fetch_add(&report_gen, 1);
	if (verbose) {
		char line[96];
		size_t len = 0;
		put_str(line, sizeof line, &len, "fault: ");
		put_str(line, sizeof line, &len, call_name[call]);
		put_str(line, sizeof line, &len, " -> ");
		put_str(line, sizeof line, &len, errno_name(err));
		put_str(line, sizeof line, &len, "\n");
		raw_write(2, line, len);
	}
	report_update();
	errno = err;
	return -1;
}

/* A call right after an injected failure of its name: the same arguments? */
static void compare_retry(int call, long a, long b, long c, long d)
{
	if (!atomic_exchange(&last[call].armed, 0))
		return;
	if (last[call].v[0] != a || last[call].v[1] != b || last[call].v[2] != c ||
	    last[call].v[3] != d) {
		atomic_fetch_add(&changed, 1);
		atomic_fetch_add(&report_gen, 1);
		if (verbose)
			raw_write(2, "fault: retried with other arguments\n", 36);
		report_update();
	}
}

static int injected_args(int call, int err, long a, long b, long c, long d)
{
	last[call].v[0] = a, last[call].v[1] = b, last[call].v[2] = c, last[call].v[3] = d;
	atomic_store(&last[call].armed, 1);
	return injected(call, err);
}

/* ---- the wrappers ------------------------------------------------------------ */

int accept(int fd, struct sockaddr *sa, socklen_t *salen)
{
	int err = take(C_ACCEPT, fd);
	if (err)
		return injected(C_ACCEPT, err);
	accept_fn f = (accept_fn)real_fn(R_ACCEPT);
	return f ? f(fd, sa, salen) : (int)syscall(SYS_accept4, fd, sa, salen, 0);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *salen, int flags)
{
	int err = take(C_ACCEPT4, fd);
	if (err)
		return injected(C_ACCEPT4, err);
	accept4_fn f = (accept4_fn)real_fn(R_ACCEPT4);
	return f ? f(fd, sa, salen, flags) : (int)syscall(SYS_accept4, fd, sa, salen, flags);
}

ssize_t read(int fd, void *buf, size_t n)
{
	compare_retry(C_READ, fd, (long)buf, (long)n, 0);
	int err = take(C_READ, fd);
	if (err)
		return injected_args(C_READ, err, fd, (long)buf, (long)n, 0);
	read_fn f = (read_fn)real_fn(R_READ);
	return f ? f(fd, buf, n) : syscall(SYS_read, fd, buf, n);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	int err = take(C_READ, fd);
	if (err)
		return injected(C_READ, err);
	read_chk_fn f = (read_chk_fn)real_fn(R_READ_CHK);
	if (f)
		return f(fd, buf, n, buflen);
	if (n > buflen)
		abort();
	return syscall(SYS_read, fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	compare_retry(C_WRITE, fd, (long)buf, (long)n, 0);
	int err = take(C_WRITE, fd);
	if (err)
		return injected_args(C_WRITE, err, fd, (long)buf, (long)n, 0);
	write_fn f = (write_fn)real_fn(R_WRITE);
	return f ? f(fd, buf, n) : syscall(SYS_write, fd, buf, n);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	compare_retry(C_RECV, fd, (long)buf, (long)n, flags);
	int err = take(C_RECV, fd);
	if (err)
		return injected_args(C_RECV, err, fd, (long)buf, (long)n, flags);
	recv_fn f = (recv_fn)real_fn(R_RECV);
	return f ? f(fd, buf, n, flags) : syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL);
}

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	int err = take(C_RECV, fd);
	if (err)
		return injected(C_RECV, err);
	recv_chk_fn f = (recv_chk_fn)real_fn(R_RECV_CHK);
	if (f)
		return f(fd, buf, n, buflen, flags);
	if (n > buflen)
		abort();
	return syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	compare_retry(C_SEND, fd, (long)buf, (long)n, flags);
	int err = take(C_SEND, fd);
	if (err)
		return injected_args(C_SEND, err, fd, (long)buf, (long)n, flags);
	send_fn f = (send_fn)real_fn(R_SEND);
	return f ? f(fd, buf, n, flags) : syscall(SYS_sendto, fd, buf, n, flags, NULL, 0);
}

static int real_connect(int fd, const struct sockaddr *sa, socklen_t salen)
{
	connect_fn f = (connect_fn)real_fn(R_CONNECT);
	return f ? f(fd, sa, salen) : (int)syscall(SYS_connect, fd, sa, salen);
}

int connect(int fd, const struct sockaddr *sa, socklen_t salen)
{
	int err = take(C_CONNECT, fd);
	if (!err)
		return real_connect(fd, sa, salen);
	if (err != EINTR)
		return injected(C_CONNECT, err);
	/* EINTR: start the connection without waiting, as the kernel has done
	 * by the time a signal interrupts a blocking connect */
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	int r = real_connect(fd, sa, salen);
	int real_err = errno;
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags);
	if (r == 0 || real_err == EINPROGRESS)
		return injected(C_CONNECT, EINTR);
	errno = real_err; /* failed at once: the kernel would have said so too */
	return -1;
}

/* ---- set-up ----------------------------------------------------------------- */

static void die(const char *what, const char *item, size_t itemlen)
{
	raw_write(2, "fault: ", 7);
	raw_write(2, what, strlen(what));
	raw_write(2, ": '", 3);
	raw_write(2, item, itemlen);
	raw_write(2, "'\n", 2);
	_exit(2);
}

static int parse_errno(const char *s, size_t n)
{
	char name[32];
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	if (name[0] >= '0' && name[0] <= '9') {
		char *end;
		long v = strtol(name, &end, 10);
		return *end || v <= 0 || v > 4095 ? 0 : (int)v;
	}
	if (!strcmp(name, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	if (!strcmp(name, "ENOTSUP"))
		return ENOTSUP;
	if (!strcmp(name, "EDEADLOCK"))
		return EDEADLOCK;
	for (int e = 1; e < 4096; e++) {
		const char *en = strerrorname_np(e);
		if (en && !strcmp(en, name))
			return e;
	}
	return 0;
}

static void parse_entry(const char *s, size_t n)
{
	const char *c1 = memchr(s, ':', n);
	const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s)) : NULL;
	if (!c2)
		die("FAULT_PLAN: expected CALL:ERRNO:COUNT", s, n);
	size_t clen = (size_t)(c1 - s);
	int call = -1;
	for (int c = 0; c < C__COUNT; c++)
		if (strlen(call_name[c]) == clen && !memcmp(call_name[c], s, clen))
			call = c;
	if (clen == 10 && !memcmp(s, "__read_chk", 10))
		call = C_READ;
	if (clen == 10 && !memcmp(s, "__recv_chk", 10))
		call = C_RECV;
	if (call < 0)
		die("FAULT_PLAN: unknown call", s, n);
	int err = parse_errno(c1 + 1, (size_t)(c2 - c1 - 1));
	if (!err)
		die("FAULT_PLAN: unknown errno", s, n);
	const char *cs = c2 + 1;
	size_t cn = n - (size_t)(cs - s);
	unsigned long long count = 0;
	if (cn == 0 || cn > 9)
		die("FAULT_PLAN: bad count", s, n);
	for (size_t i = 0; i < cn; i++) {
		if (cs[i] < '0' || cs[i] > '9')
			die("FAULT_PLAN: bad count", s, n);
		count = count * 10 + (unsigned)(cs[i] - '0');
	}
	if (count == 0)
		die("FAULT_PLAN: bad count", s, n);
	struct plan *p = &plans[call];
	if (p->n == MAX_ENTRIES)
		die("FAULT_PLAN: too many entries for one call", s, n);
	p->e[p->n++] = (struct entry){err, p->total, p->total + count};
	p->total += count;
}

static void child_after_fork(void)
{
	for (int c = 0; c < C__COUNT; c++)
		atomic_store(&plans[c].injected, 0);
	atomic_flag_clear(&report_busy);
}

__attribute__((constructor)) static void fault_init(void)
{
	for (int i = 0; i < R__COUNT; i++)
		real_fn(i);
	const char *v = getenv("FAULT_VERBOSE");
	verbose = v && !strcmp(v, "1");
	const char *plan = getenv("FAULT_PLAN");
	if (plan) {
		const char *s = plan;
		for (;;) {
			const char *comma = strchr(s, ',');
			size_t n = comma ? (size_t)(comma - s) : strlen(s);
			if (n)
				parse_entry(s, n);
			if (!comma)
				break;
			s = comma + 1;
		}
	}
	const char *rep = getenv("FAULT_REPORT");
	if (rep && *rep) {
		if (strlen(rep) >= sizeof report_tmpl)
			die("FAULT_REPORT: path too long", rep, strlen(rep));
		strcpy(report_tmpl, rep);
		report_per_pid = strstr(rep, "%p") != NULL;
		report_owner = (pid_t)syscall(SYS_getpid);
	}
	pthread_atfork(NULL, NULL, child_after_fork);
}

__attribute__((destructor)) static void fault_fini(void)
{
	report_update();
}
