/* Async-signal-safe formatting into a caller's buffer: no stdio, no malloc,
 * no locale.  Output is silently truncated at the buffer's end. */
#ifndef TS_FMT_H
#define TS_FMT_H

#include <stddef.h>
#include <stdint.h>

struct ts_buf {
	char *p;
	size_t len, cap; /* cap includes room for nothing else: no NUL kept */
};

#define TS_BUF(arr) ((struct ts_buf){(arr), 0, sizeof(arr)})

void ts_put_mem(struct ts_buf *b, const char *s, size_t n);
void ts_put_str(struct ts_buf *b, const char *s);
void ts_put_char(struct ts_buf *b, char c);
void ts_put_u64(struct ts_buf *b, uint64_t v);
void ts_put_i64(struct ts_buf *b, int64_t v);
/* UTC ISO-8601 with milliseconds: 2026-11-21T10:49:23.123Z */
void ts_put_time_utc(struct ts_buf *b, int64_t sec, long nsec);
/* logfmt value: bare when safe, else "quoted" with \" \\ \n and \xNN
 * escapes; at most maxbytes input bytes, then "..." is appended. */
void ts_put_value(struct ts_buf *b, const char *s, size_t maxbytes);
/* 127.0.0.1:80 or [::1]:80 ; family AF_INET/AF_INET6, port in host order */
void ts_put_addr(struct ts_buf *b, int family, const uint8_t *addr, unsigned port);
const char *ts_errno_name(int err); /* "EPIPE", or NULL if unknown */
const char *ts_signal_name(int sig); /* "SIGPIPE", or NULL if unknown */

#endif
