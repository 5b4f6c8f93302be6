/* Log lines: built on the stack with fmt.c, rate-limited lock-free, and
 * written with one write() each so concurrent lines never tear.  Every
 * function here is async-signal-safe: lines come from signal handlers
 * (SIGPIPE) and from any thread.  No fd is kept open between lines, so a
 * daemon that closes all its fds never closes ours and we never write to
 * a number it reused. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "tcpsafe.h"

#define LINE_MAX_BYTES 1024

extern char *program_invocation_short_name;

static const char *const call_names[TS_C__COUNT] = {
	[TS_C_READ] = "read", [TS_C_READV] = "readv", [TS_C_RECV] = "recv",
	[TS_C_RECVFROM] = "recvfrom", [TS_C_RECVMSG] = "recvmsg", [TS_C_WRITE] = "write",
	[TS_C_WRITEV] = "writev", [TS_C_SEND] = "send", [TS_C_SENDTO] = "sendto",
	[TS_C_SENDMSG] = "sendmsg", [TS_C_SENDFILE] = "sendfile", [TS_C_ACCEPT] = "accept",
	[TS_C_ACCEPT4] = "accept4", [TS_C_CONNECT] = "connect", [TS_C_POLL] = "poll",
	[TS_C_PPOLL] = "ppoll", [TS_C_SELECT] = "select", [TS_C_PSELECT] = "pselect",
	[TS_C_EPOLL_WAIT] = "epoll_wait", [TS_C_EPOLL_PWAIT] = "epoll_pwait",
	[TS_C_NANOSLEEP] = "nanosleep", [TS_C_CLOCK_NANOSLEEP] = "clock_nanosleep",
	[TS_C_USLEEP] = "usleep", [TS_C_PAUSE] = "pause", [TS_C_SIGSUSPEND] = "sigsuspend",
	[TS_C_WAIT] = "wait", [TS_C_SPLICE] = "splice", [TS_C_CLOSE] = "close",
	[TS_C_SLEEP] = "sleep", [TS_C_SIGTIMEDWAIT] = "sigtimedwait",
	[TS_C_SIGWAITINFO] = "sigwaitinfo", [TS_C_SEMOP] = "semop", [TS_C_SEMTIMEDOP] = "semtimedop",
	[TS_C_MSGRCV] = "msgrcv", [TS_C_MSGSND] = "msgsnd", [TS_C_SEM_TIMEDWAIT] = "sem_timedwait",
	[TS_C_SEM_CLOCKWAIT] = "sem_clockwait", [TS_C_EPOLL_PWAIT2] = "epoll_pwait2",
	[TS_C_GETSOCKOPT] = "getsockopt",
	[TS_C_UNKNOWN] = "unknown",
};

const char *ts_call_name(enum ts_call c)
{
	return (unsigned)c < TS_C__COUNT ? call_names[c] : "unknown";
}

/* ---- raw I/O that never re-enters our own wrappers ---------------------- */

ssize_t ts_sys_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

int ts_sys_close(int fd) { return (int)syscall(SYS_close, fd); }

static void write_all(int fd, const char *p, size_t n)
{
	for (int tries = 0; n > 0 && tries < 8; tries++) {
		ssize_t r = ts_sys_write(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && errno != EINTR) {
			return;
		}
	}
}

/* A write to a pipe whose reader left raises SIGPIPE.  Our own log line
 * must never kill the program (it may have SIGPIPE at SIG_DFL with
 * TCPSAFE_SIGPIPE=default), so block it and swallow what we caused. */
static void write_pipe_quietly(int fd, const char *p, size_t n)
{
	sigset_t pipe, old, pend;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	int was_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE);
	write_all(fd, p, n);
	if (!was_pending && sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE)) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- destinations ------------------------------------------------------- */

static struct {
	int known;
	dev_t dev;
	ino_t ino;
} err_start; /* what fd 2 was when we loaded */

static void forget_parents_drops(void);

/* The program's name, taken once at start-up: servers that rewrite argv[0]
 * for their process title (nginx workers, PostgreSQL backends) would
 * otherwise log a piece of the title. */
static char prog_name[64] TS_FILE_DATA;

void ts_log_init(void)
{
	struct stat st;
	const char *n = program_invocation_short_name;
	if (n) {
		size_t i = 0;
		for (; n[i] && i < sizeof prog_name - 1; i++)
			prog_name[i] = n[i];
		prog_name[i] = 0;
	}
	pthread_atfork(NULL, NULL, forget_parents_drops);
	if (fstat(2, &st) == 0) {
		err_start.dev = st.st_dev;
		err_start.ino = st.st_ino;
		err_start.known = 1;
	}
}

/* May we write to fd 2?  Never into a socket (inetd-style servers have the
 * client there).  If fd 2 is no longer the stream we started with and is a
 * regular file not opened for appending, it is likely a data file the
 * program opened after closing stderr: do not corrupt it. */
static int stderr_usable(int *is_fifo)
{
	struct stat st;
	if (fstat(2, &st) < 0 || S_ISSOCK(st.st_mode))
		return 0;
	*is_fifo = S_ISFIFO(st.st_mode);
	if (err_start.known && st.st_dev == err_start.dev && st.st_ino == err_start.ino)
		return 1;
	if (S_ISREG(st.st_mode)) {
		int fl = fcntl(2, F_GETFL);
		return fl >= 0 && (fl & O_APPEND);
	}
	return 1;
}

static void to_syslog(enum ts_level level, const char *line, size_t len)
{
	static const int sev[] = {3, 4, 6, 7}; /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
	char msg[LINE_MAX_BYTES + 64];
	struct ts_buf b = TS_BUF(msg);
	struct sockaddr_un sun;
	int saved = errno;

	ts_put_char(&b, '<');
	ts_put_u64(&b, (3 << 3) | sev[level]); /* LOG_DAEMON */
	ts_put_str(&b, ">tcpsafe[");
	ts_put_u64(&b, (uint64_t)getpid());
	ts_put_str(&b, "]: ");
	ts_put_mem(&b, line, len && line[len - 1] == '\n' ? len - 1 : len);

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ts_cfg.syslog_path, sizeof sun.sun_path - 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		if (syscall(SYS_connect, fd, &sun, sizeof sun) == 0)
			syscall(SYS_sendto, fd, msg, b.len, MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0);
		ts_sys_close(fd);
	}
	errno = saved;
}

static void deliver(enum ts_level level, const char *line, size_t len)
{
	int saved = errno, is_fifo = 0, fd;

	switch (ts_cfg.log) {
	case TS_LOG_NONE:
		break;
	case TS_LOG_SYSLOG:
		to_syslog(level, line, len);
		break;
	case TS_LOG_FILE:
		fd = (int)syscall(SYS_openat, AT_FDCWD, ts_cfg.log_path,
		                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
		if (fd >= 0) {
			write_all(fd, line, len);
			ts_sys_close(fd);
			break;
		}
		/* out of descriptors (the very moment an accept_backoff warning
		 * is due) or an unwritable path: the line goes where stderr's
		 * would, rather than nowhere */
		/* fall through */
	case TS_LOG_STDERR:
		if (!stderr_usable(&is_fifo))
			to_syslog(level, line, len);
		else if (is_fifo)
			write_pipe_quietly(2, line, len);
		else
			write_all(2, line, len);
		break;
	}
	errno = saved;
}

/* ---- rate limit: a one-second window, lock-free ------------------------- */

static _Atomic long rl_window;
static _Atomic unsigned long rl_count, rl_suppressed;

/* One line being built: on the caller's stack, errno kept aside. */
struct line {
	char buf[LINE_MAX_BYTES];
	struct ts_buf b;
	enum ts_level level;
	int saved_errno;
};

static void line_open(struct line *l, enum ts_level level, const char *event);
static void line_close(struct line *l);

static void emit_suppressed(unsigned long n)
{
	struct line l;
	line_open(&l, TS_L_WARN, "ratelimit");
	ts_put_str(&l.b, " suppressed=");
	ts_put_u64(&l.b, n);
	line_close(&l);
}

static int admit(void)
{
	if (ts_cfg.log_rate == 0)
		return 1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long w = atomic_load(&rl_window);
	if (now.tv_sec != w && atomic_compare_exchange_strong(&rl_window, &w, (long)now.tv_sec)) {
		atomic_store(&rl_count, 0);
		unsigned long n = atomic_exchange(&rl_suppressed, 0);
		if (n)
			emit_suppressed(n);
	}
	if (atomic_fetch_add(&rl_count, 1) < ts_cfg.log_rate)
		return 1;
	atomic_fetch_add(&rl_suppressed, 1);
	return 0;
}

/* In a forked child: the lines dropped so far were the parent's, and the
 * parent reports them; counted again here they would be reported twice. */
static void forget_parents_drops(void)
{
	if (atomic_load(&rl_suppressed)) /* no write, no copy-on-write, if none */
		atomic_store(&rl_suppressed, 0);
}

void ts_log_flush_suppressed(void)
{
	/* at every exit, in every forked child: no write unless needed */
	unsigned long n = atomic_load(&rl_suppressed) ? atomic_exchange(&rl_suppressed, 0) : 0;
	if (n)
		emit_suppressed(n);
}

/* ---- line building ------------------------------------------------------ */

static int enabled(enum ts_level level)
{
	return ts_cfg.log != TS_LOG_NONE && level <= ts_cfg.level;
}

/* Debug events come often (every reap, every retry) and are off by
 * default: their front function checks the level before the line buffer's
 * frame exists, which the stack-clash probes would touch (a page fault
 * after every fork in the reaping signal handler). */
#define DEBUG_EVENT(name, build, PARAMS, ARGS)                                    \
	void name PARAMS                                                          \
	{                                                                         \
		if (TS_UNLIKELY(enabled(TS_L_DEBUG)))                             \
			build ARGS;                                               \
	}

/* Common fields: ts, lib, prog, pid, level, event. */
static void line_open(struct line *l, enum ts_level level, const char *event)
{
	struct ts_buf *b = &l->b;
	struct timespec now;
	l->saved_errno = errno;
	l->level = level;
	*b = TS_BUF(l->buf);
	clock_gettime(CLOCK_REALTIME, &now);
	ts_put_str(b, "ts=");
	ts_put_time_utc(b, now.tv_sec, now.tv_nsec);
	ts_put_str(b, " lib=tcpsafe prog=");
	ts_put_value(b, prog_name[0] ? prog_name : "?", 64);
	ts_put_str(b, " pid=");
	ts_put_u64(b, (uint64_t)getpid());
	ts_put_str(b, " level=");
	ts_put_str(b, ts_level_name(level));
	ts_put_str(b, " event=");
	ts_put_str(b, event);
}

/* One write() for the whole line; errno as it was before line_open. */
static void line_close(struct line *l)
{
	struct ts_buf *b = &l->b;
	if (b->len >= b->cap) /* keep the newline even when truncated */
		b->len = b->cap - 1;
	ts_put_char(b, '\n');
	deliver(l->level, b->p, b->len);
	errno = l->saved_errno;
}

/* Opens a line if its level is logged and the rate limit lets it by. */
static int line_begin(struct line *l, enum ts_level level, const char *event)
{
	if (!enabled(level) || !admit())
		return 0;
	line_open(l, level, event);
	return 1;
}

static void put_sockaddr_field(struct ts_buf *b, const char *key, const struct ts_addr *a)
{
	ts_put_char(b, ' ');
	ts_put_str(b, key);
	ts_put_char(b, '=');
	ts_put_addr(b, a->family, a->addr, ntohs(a->port));
}

static void put_errno(struct ts_buf *b, int err)
{
	const char *name = ts_errno_name(err);
	ts_put_str(b, " errno=");
	if (name)
		ts_put_str(b, name);
	else
		ts_put_i64(b, err);
}

/* local from getsockname; peer from getpeername while it still works,
 * else the remembered one, and only if the socket is still of that family:
 * a different family means the fd number was reused by something we did
 * not see.  Never a guess. */
static void put_addresses(struct ts_buf *b, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct ts_addr local, peer;
	int have_local = getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	                 ts_addr_from_sockaddr(&local, (struct sockaddr *)&ss, sl);
	if (!have_local)
		return;
	put_sockaddr_field(b, "local", &local);
	sl = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ts_addr_from_sockaddr(&peer, (struct sockaddr *)&ss, sl))
			put_sockaddr_field(b, "peer", &peer);
	} else if (ts_fd_peer(fd, &peer) && local.family == peer.family) {
		put_sockaddr_field(b, "peer", &peer);
	}
}

static void put_call_fd(struct ts_buf *b, enum ts_call call, int fd)
{
	ts_put_str(b, " call=");
	ts_put_str(b, ts_call_name(call));
	if (fd >= 0) {
		ts_put_str(b, " fd=");
		ts_put_i64(b, fd);
	}
}

void ts_log_io_event(enum ts_call call, int fd, int err)
{
	struct line l;
	if (!enabled(TS_L_INFO))
		return;
	/* after the first rst and the first epipe of a connection, further
	 * ones are counted and summed up when it is closed (debug: all) */
	if (!ts_fd_first_event(fd, err == EPIPE ? TS_SEEN_EPIPE : TS_SEEN_RST) &&
	    !enabled(TS_L_DEBUG))
		return;
	if (!line_begin(&l, TS_L_INFO, err == EPIPE ? "epipe" : "rst"))
		return;
	put_call_fd(&l.b, call, fd);
	put_errno(&l.b, err);
	put_addresses(&l.b, fd);
	line_close(&l);
}

/* Summary of the errors not logged one by one, when the fd is closed. */
void ts_log_repeats(int fd, uint32_t count)
{
	struct line l;
	if (!line_begin(&l, TS_L_INFO, "repeats"))
		return;
	put_call_fd(&l.b, TS_C_CLOSE, fd);
	ts_put_str(&l.b, " count=");
	ts_put_u64(&l.b, count);
	put_addresses(&l.b, fd);
	line_close(&l);
}

void ts_log_sigpipe_unseen(unsigned long count)
{
	struct line l;
	if (!line_begin(&l, TS_L_INFO, "sigpipe"))
		return;
	ts_put_str(&l.b, " call=unknown count=");
	ts_put_u64(&l.b, count);
	line_close(&l);
}

static void put_signal(struct ts_buf *b, int sig)
{
	const char *name = ts_signal_name(sig);
	ts_put_str(b, " sig=");
	if (name)
		ts_put_str(b, name);
	else if (sig > 0)
		ts_put_i64(b, sig);
	else
		ts_put_str(b, "any");
}

static TS_COLD void signal_debug_line(int sig, const char *action)
{
	struct line l;
	if (!line_begin(&l, TS_L_DEBUG, "signal"))
		return;
	put_signal(&l.b, sig);
	ts_put_str(&l.b, " action=");
	ts_put_str(&l.b, action);
	line_close(&l);
}

DEBUG_EVENT(ts_log_signal_debug, signal_debug_line, (int sig, const char *action), (sig, action))

void ts_log_config_warning(const char *var, const char *value, const char *accepted,
                           const char *using_)
{
	struct line l;
	char msg[512];
	struct ts_buf m = TS_BUF(msg);
	/* At most one per variable, once at start-up: never held back by the
	 * rate limit (nor counted in it), so every bad variable is named. */
	if (!enabled(TS_L_WARN))
		return;
	line_open(&l, TS_L_WARN, "config");
	ts_put_str(&l.b, " var=");
	ts_put_str(&l.b, var);
	ts_put_str(&l.b, " value=");
	ts_put_value(&l.b, value, 64);
	ts_put_str(&l.b, " msg=");
	ts_put_str(&m, "accepted: ");
	ts_put_str(&m, accepted);
	ts_put_str(&m, "; using ");
	ts_put_str(&m, using_);
	ts_put_char(&m, '\0');
	msg[sizeof msg - 1] = '\0';
	ts_put_value(&l.b, msg, sizeof msg);
	line_close(&l);
}

/* debug: a call tcpsafe retried, and why */
static TS_COLD void retry_line(enum ts_call call, int fd, int err)
{
	struct line l;
	if (!line_begin(&l, TS_L_DEBUG, "retry"))
		return;
	put_call_fd(&l.b, call, fd);
	put_errno(&l.b, err);
	line_close(&l);
}

DEBUG_EVENT(ts_log_retry, retry_line, (enum ts_call call, int fd, int err), (call, fd, err))

/* debug: EINTR handed to the program because of this signal's handler */
static TS_COLD void eintr_passed_line(enum ts_call call, int fd, int sig)
{
	struct line l;
	if (!line_begin(&l, TS_L_DEBUG, "eintr"))
		return;
	put_call_fd(&l.b, call, fd);
	ts_put_str(&l.b, " action=pass");
	put_signal(&l.b, sig);
	line_close(&l);
}

DEBUG_EVENT(ts_log_eintr_passed, eintr_passed_line, (enum ts_call call, int fd, int sig),
            (call, fd, sig))

/* warn: accept() out of descriptors or memory, waiting before a retry */
void ts_log_accept_backoff(enum ts_call call, int fd, int err, long delay_ms)
{
	struct line l;
	if (!line_begin(&l, TS_L_WARN, "accept_backoff"))
		return;
	put_call_fd(&l.b, call, fd);
	put_errno(&l.b, err);
	ts_put_str(&l.b, " delay_ms=");
	ts_put_i64(&l.b, delay_ms);
	line_close(&l);
}

/* debug: a child the program forked, reaped by tcpsafe into its cache */
static TS_COLD void reap_line(const struct ts_status *st)
{
	struct line l;
	if (!line_begin(&l, TS_L_DEBUG, "reap"))
		return;
	ts_put_str(&l.b, " child=");
	ts_put_i64(&l.b, st->pid);
	if (st->code == CLD_EXITED) {
		ts_put_str(&l.b, " exit=");
		ts_put_i64(&l.b, st->status);
	} else {
		const char *name = ts_signal_name(st->status);
		ts_put_str(&l.b, " signal=");
		if (name)
			ts_put_str(&l.b, name);
		else
			ts_put_i64(&l.b, st->status);
		if (st->code == CLD_DUMPED)
			ts_put_str(&l.b, " core=1");
	}
	line_close(&l);
}

DEBUG_EVENT(ts_log_reap, reap_line, (const struct ts_status *st), (st))

/* warn: the status cache was full; the oldest statuses were dropped */
void ts_log_reap_overflow(unsigned long dropped, unsigned long cap)
{
	struct line l;
	if (!line_begin(&l, TS_L_WARN, "reap_overflow"))
		return;
	ts_put_str(&l.b, " dropped=");
	ts_put_u64(&l.b, dropped);
	ts_put_str(&l.b, " cache=");
	ts_put_u64(&l.b, cap);
	line_close(&l);
}

/* warn: reaping could not start or went wrong */
void ts_log_reaper_trouble(const char *what, int err)
{
	struct line l;
	if (!line_begin(&l, TS_L_WARN, "reaper"))
		return;
	ts_put_str(&l.b, " msg=");
	ts_put_value(&l.b, what, 200);
	put_errno(&l.b, err);
	line_close(&l);
}
