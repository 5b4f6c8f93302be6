/*
 * unp.h - tiny helpers shared by the tcpsafe example programs.
 *
 * The examples imitate classic "Unix Network Programming" code: every
 * failing system call ends the program through err_sys() ("msg: strerror"
 * on stderr, exit status 1), nobody touches SIGPIPE and nobody passes
 * MSG_NOSIGNAL.  That is exactly the kind of legacy code tcpsafe protects.
 *
 * Everything here is a static inline function, so each example is still a
 * single .c file plus this header and unused helpers cost nothing.
 * All sockets are IPv4 on 127.0.0.1 only.
 */
#ifndef TS_EXAMPLES_UNP_H
#define TS_EXAMPLES_UNP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTENQ     1024         /* listen() backlog */
#define WRITE_CHUNK (64 * 1024)  /* servers write their reply in 64 KiB calls */

#define UNP_PRINTF __attribute__((format(printf, 1, 2)))
#define UNP_FATAL  __attribute__((format(printf, 1, 2), noreturn))

/* Print one whole line "msg[: strerror(error)]" to stderr with a single
 * fputs(), so that messages from several threads do not get mixed up. */
static inline __attribute__((format(printf, 3, 0)))
void err_print(int errnoflag, int error, const char *fmt, va_list ap)
{
    char buf[1024];
    size_t n;

    vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    n = strlen(buf);
    if (errnoflag)
        snprintf(buf + n, sizeof(buf) - 1 - n, ": %s", strerror(error));
    strcat(buf, "\n");
    fflush(stdout);
    fputs(buf, stderr);
}

/* Nonfatal error related to a system call: "msg: strerror(errno)". */
static inline UNP_PRINTF void err_ret(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    err_print(1, saved, fmt, ap);
    va_end(ap);
}

/* Nonfatal error unrelated to a system call: "msg". */
static inline UNP_PRINTF void err_msg(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_print(0, 0, fmt, ap);
    va_end(ap);
}

/* Fatal error related to a system call: "msg: strerror(errno)", exit(1). */
static inline UNP_FATAL void err_sys(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    err_print(1, saved, fmt, ap);
    va_end(ap);
    exit(1);
}

/* Fatal error unrelated to a system call: "msg", exit(1). */
static inline UNP_FATAL void err_quit(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_print(0, 0, fmt, ap);
    va_end(ap);
    exit(1);
}

/* Parse a decimal number in [min, max]; an optional k/m/g suffix multiplies
 * by 1024, 1024^2 or 1024^3 when 'suffixes' is nonzero. */
static inline long long parse_num(const char *s, const char *what,
                                  long long min, long long max, int suffixes)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || errno != 0 || v < 0)
        err_quit("invalid %s: %s", what, s);
    if (suffixes && *end != '\0' && end[1] == '\0') {
        int shift = 0;

        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        }
        if (shift != 0 && v <= (max >> shift)) {
            v <<= shift;
            end++;
        }
    }
    if (*end != '\0' || v < min || v > max)
        err_quit("invalid %s: %s", what, s);
    return v;
}

/* Options common to the example servers. */
struct server_opts {
    unsigned port;      /* -p PORT: 0 = ephemeral (default) */
    long nclients;      /* -n N: exit(0) after N clients; 0 = forever */
    long long size;     /* -s BYTES: reply size (k/m/g suffixes accepted) */
    long nthreads;      /* -t N: threads (threaded_server only) */
};

/* getopt() over 'optstring' (a subset of "p:n:s:t:"); exits with 'usage'
 * on an unknown option or a stray argument.  Fields keep the defaults the
 * caller put in *o unless the option is given. */
static inline void server_options(int argc, char **argv, const char *optstring,
                                  struct server_opts *o, const char *usage)
{
    int c;

    while ((c = getopt(argc, argv, optstring)) != -1) {
        switch (c) {
        case 'p': o->port = (unsigned)parse_num(optarg, "port", 0, 65535, 0); break;
        case 'n': o->nclients = (long)parse_num(optarg, "client count", 1, 1000000000, 0); break;
        case 's': o->size = parse_num(optarg, "size", 1, 1LL << 40, 1); break;
        case 't': o->nthreads = (long)parse_num(optarg, "thread count", 1, 1024, 0); break;
        default:  err_quit("usage: %s %s", argv[0], usage);
        }
    }
    if (optind != argc)
        err_quit("usage: %s %s", argv[0], usage);
}

/* socket + SO_REUSEADDR + bind(127.0.0.1:port) + listen, then announce the
 * real port as "listening on 127.0.0.1:PORT" on stdout.  Returns the fd. */
static inline int tcp_listen(unsigned port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int fd, on = 1;

    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        err_sys("socket error");
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
        err_sys("setsockopt SO_REUSEADDR error");

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        err_sys("bind error");
    if (listen(fd, LISTENQ) < 0)
        err_sys("listen error");

    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
        err_sys("getsockname error");
    printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);
    return fd;
}

/* Fill in a loopback server address from the HOST and PORT arguments of
 * the example clients (only 127.x.x.x is accepted). */
static inline void loopback_addr(struct sockaddr_in *addr, const char *host,
                                 const char *port)
{
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons((unsigned short)parse_num(port, "port", 1, 65535, 0));
    if (inet_pton(AF_INET, host, &addr->sin_addr) != 1 ||
        (ntohl(addr->sin_addr.s_addr) >> 24) != 127)
        err_quit("invalid host %s: use a loopback address such as 127.0.0.1", host);
}

/*
 * THE LEGACY BUG shared by the servers: send an 'nbytes' reply in 64 KiB
 * write() calls and never look at what write() returned.  Once the client
 * has reset the connection the next write() fails with ECONNRESET and the
 * one after that with EPIPE, which also raises SIGPIPE: the default action
 * kills the whole process, with every other client it was serving.
 * (The result goes into a variable only so that builds using
 * -D_FORTIFY_SOURCE, where write() is warn_unused_result, stay warning-free;
 * it is still ignored, and so are short writes.)
 */
static inline void send_reply(int fd, long long nbytes)
{
    char buf[WRITE_CHUNK];
    ssize_t ignored;

    memset(buf, 'x', sizeof(buf));
    while (nbytes > 0) {
        size_t n = nbytes < (long long)sizeof(buf) ? (size_t)nbytes : sizeof(buf);

        ignored = write(fd, buf, n);    /* BUG: result not checked */
        (void)ignored;
        nbytes -= (long long)n;
    }
}

/* Write all n bytes (a short write on a blocking socket is rare but legal). */
static inline void writen(int fd, const char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        if ((w = write(fd, p, n)) < 0)
            err_sys("write error");
        p += w;
        n -= (size_t)w;
    }
}

/* Echo whatever the client sends until it closes the connection. */
static inline void str_echo(int sockfd)
{
    char buf[4096];
    ssize_t n;

    while ((n = read(sockfd, buf, sizeof(buf))) > 0)
        writen(sockfd, buf, (size_t)n);
    if (n < 0)
        err_sys("str_echo: read error");
}

#endif /* TS_EXAMPLES_UNP_H */
