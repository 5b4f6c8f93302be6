/* Formatting primitives for log lines.  Everything here must stay
 * async-signal-safe: it runs inside signal handlers and between fork and
 * exec, so it touches only the caller's buffer. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "fmt.h"

void ts_put_mem(struct ts_buf *b, const char *s, size_t n)
{
	size_t room = b->cap - b->len;
	if (n > room)
		n = room;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void ts_put_str(struct ts_buf *b, const char *s) { ts_put_mem(b, s, strlen(s)); }

void ts_put_char(struct ts_buf *b, char c)
{
	if (b->len < b->cap)
		b->p[b->len++] = c;
}

void ts_put_u64(struct ts_buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ts_put_mem(b, tmp + i, sizeof tmp - i);
}

void ts_put_i64(struct ts_buf *b, int64_t v)
{
	if (v < 0) {
		ts_put_char(b, '-');
		ts_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		ts_put_u64(b, (uint64_t)v);
	}
}

static void put_2(struct ts_buf *b, unsigned v)
{
	ts_put_char(b, (char)('0' + v / 10 % 10));
	ts_put_char(b, (char)('0' + v % 10));
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's well-known
 * days-to-civil method, proleptic Gregorian). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void ts_put_time_utc(struct ts_buf *b, int64_t sec, long nsec)
{
	/* real clocks stay far inside this; clamp so nothing can overflow */
	if (sec < -62135596800LL) /* 0001-01-01 */
		sec = -62135596800LL;
	if (sec > 253402300799LL) /* 9999-12-31T23:59:59 */
		sec = 253402300799LL;
	if (nsec < 0 || nsec > 999999999)
		nsec = 0;
	int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	int64_t rem = sec - days * 86400;
	int64_t y;
	unsigned m, d;
	civil(days, &y, &m, &d);
	for (int64_t p = 1000; p > 1 && y < p; p /= 10)
		ts_put_char(b, '0');
	ts_put_i64(b, y);
	ts_put_char(b, '-');
	put_2(b, m);
	ts_put_char(b, '-');
	put_2(b, d);
	ts_put_char(b, 'T');
	put_2(b, (unsigned)(rem / 3600));
	ts_put_char(b, ':');
	put_2(b, (unsigned)(rem / 60 % 60));
	ts_put_char(b, ':');
	put_2(b, (unsigned)(rem % 60));
	ts_put_char(b, '.');
	unsigned ms = (unsigned)(nsec / 1000000);
	ts_put_char(b, (char)('0' + ms / 100 % 10));
	put_2(b, ms % 100);
	ts_put_char(b, 'Z');
}

static const char hexd[] = "0123456789abcdef";

static int bare_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
}

void ts_put_value(struct ts_buf *b, const char *s, size_t maxbytes)
{
	size_t n = strlen(s);
	int cut = n > maxbytes;
	if (cut)
		n = maxbytes;
	int bare = n > 0 && !cut;
	for (size_t i = 0; bare && i < n; i++)
		bare = bare_ok((unsigned char)s[i]);
	if (bare) {
		ts_put_mem(b, s, n);
		return;
	}
	ts_put_char(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			ts_put_char(b, '\\');
			ts_put_char(b, (char)c);
		} else if (c == '\n') {
			ts_put_str(b, "\\n");
		} else if (c < ' ' || c >= 0x7f) {
			ts_put_str(b, "\\x");
			ts_put_char(b, hexd[c >> 4]);
			ts_put_char(b, hexd[c & 15]);
		} else {
			ts_put_char(b, (char)c);
		}
	}
	if (cut)
		ts_put_str(b, "...");
	ts_put_char(b, '"');
}

static void put_ipv4(struct ts_buf *b, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			ts_put_char(b, '.');
		ts_put_u64(b, a[i]);
	}
}

static void put_hex16(struct ts_buf *b, unsigned v)
{
	int started = 0;
	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned nib = (v >> shift) & 15;
		if (nib || started || shift == 0) {
			ts_put_char(b, hexd[nib]);
			started = 1;
		}
	}
}

/* RFC 5952 text: lowercase, longest run (>= 2) of zero groups as "::",
 * IPv4-mapped addresses as ::ffff:a.b.c.d. */
static void put_ipv6(struct ts_buf *b, const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned g[8];
	int best = -1, bestlen = 0;

	if (memcmp(a, mapped, 12) == 0) {
		ts_put_str(b, "::ffff:");
		put_ipv4(b, a + 12);
		return;
	}
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			ts_put_str(b, "::");
			i += bestlen - 1;
			continue;
		}
		if (i && i != best + bestlen)
			ts_put_char(b, ':');
		put_hex16(b, g[i]);
	}
}

void ts_put_addr(struct ts_buf *b, int family, const uint8_t *addr, unsigned port)
{
	if (family == AF_INET) {
		put_ipv4(b, addr);
	} else {
		ts_put_char(b, '[');
		put_ipv6(b, addr);
		ts_put_char(b, ']');
	}
	ts_put_char(b, ':');
	ts_put_u64(b, port);
}

#define E(x) [x] = #x
static const char *const errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
	E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST),
	E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(ENOSYS),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL),
	E(ENETDOWN), E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS),
	E(EISCONN), E(ENOTCONN), E(ESHUTDOWN), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN),
	E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(EPROTO), E(ENONET), E(ECANCELED),
};
#undef E

const char *ts_errno_name(int err)
{
	if (err > 0 && (size_t)err < sizeof errnames / sizeof errnames[0])
		return errnames[err];
	return NULL;
}

#define S(x) [x] = #x
static const char *const signames[] = {
	S(SIGHUP), S(SIGINT), S(SIGQUIT), S(SIGILL), S(SIGTRAP), S(SIGABRT), S(SIGBUS),
	S(SIGFPE), S(SIGKILL), S(SIGUSR1), S(SIGSEGV), S(SIGUSR2), S(SIGPIPE), S(SIGALRM),
	S(SIGTERM), S(SIGSTKFLT), S(SIGCHLD), S(SIGCONT), S(SIGSTOP), S(SIGTSTP), S(SIGTTIN),
	S(SIGTTOU), S(SIGURG), S(SIGXCPU), S(SIGXFSZ), S(SIGVTALRM), S(SIGPROF), S(SIGWINCH),
	S(SIGIO), S(SIGPWR), S(SIGSYS),
};
#undef S

const char *ts_signal_name(int sig)
{
	if (sig > 0 && (size_t)sig < sizeof signames / sizeof signames[0])
		return signames[sig];
	return NULL;
}
