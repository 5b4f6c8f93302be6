/*
 * echo_client - the well-behaved client that makes SIGCHLD fly at a server.
 *
 * Not a buggy program itself: it opens COUNT connections to an echo server
 * (tcpserv03, fortify_server, select_server), PARALLEL at a time (default:
 * all at once), and on each one sends a line with send() and reads the echo
 * back with recv() up to the newline, checking that it matches.  Once every
 * connection of the batch has its echo it waits -w MS and closes them all
 * at about the same time, then starts the next batch.  That close is what
 * makes tcpserv03's children exit together, so that their SIGCHLD reaches
 * the parent while it is blocked in accept().
 *
 * -s MS waits MS milliseconds after connecting (the whole batch) before
 * sending the lines, like an interactive user who takes a moment to type:
 * the servers that fork a short-lived helper per connection (fortify_server,
 * select_server) are then blocked in read() or select() when the helper
 * exits and its SIGCHLD interrupts them.
 *
 * Prints "echoed K" for each connection whose echo matched (K counts from
 * 1 over all batches).  Exit status 0 if all COUNT connections were echoed,
 * 1 on the first error, handled the Unix Network Programming way:
 * "connect error: Connection refused", "send error: ...", "recv error: ...",
 * "recv error: server terminated prematurely" (EOF before the newline).
 * SIGPIPE is left alone, like in the other examples.
 *
 * usage: echo_client [-c COUNT] [-j PARALLEL] [-w MS] [-s MS] HOST PORT
 */
#include <time.h>

#include "unp.h"

#define MAXLINE 128

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0)
        if (errno != EINTR)
            err_sys("nanosleep error");
}

/* Send the whole line with send(). */
static void send_line(int fd, const char *line, size_t len)
{
    ssize_t n;

    while (len > 0) {
        if ((n = send(fd, line, len, 0)) < 0)
            err_sys("send error");
        line += n;
        len -= (size_t)n;
    }
}

/* recv() until the newline and check that it is 'line' coming back. */
static void check_echo(int fd, const char *line, size_t len, long k)
{
    char buf[MAXLINE];
    size_t got = 0;
    ssize_t n;

    while (got == 0 || buf[got - 1] != '\n') {
        if (got == sizeof(buf))
            err_quit("echo mismatch on connection %ld: line too long", k);
        if ((n = recv(fd, buf + got, sizeof(buf) - got, 0)) < 0)
            err_sys("recv error");
        if (n == 0)
            err_quit("recv error: server terminated prematurely");
        got += (size_t)n;
    }
    if (got != len || memcmp(buf, line, len) != 0)
        err_quit("echo mismatch on connection %ld: sent %zu bytes, got %zu",
                 k, len, got);
}

int main(int argc, char **argv)
{
    const char *usage = "usage: echo_client [-c COUNT] [-j PARALLEL] [-w MS] [-s MS] HOST PORT";
    struct sockaddr_in servaddr;
    long count = 1, parallel = 0, wait_ms = 0, send_ms = 0;
    long done, batch, i;
    char line[MAXLINE];
    int c, *fds;

    while ((c = getopt(argc, argv, "c:j:w:s:")) != -1) {
        switch (c) {
        case 'c': count = (long)parse_num(optarg, "count", 1, 100000, 0); break;
        case 'j': parallel = (long)parse_num(optarg, "parallel", 1, 100000, 0); break;
        case 'w': wait_ms = (long)parse_num(optarg, "wait", 0, 3600000, 0); break;
        case 's': send_ms = (long)parse_num(optarg, "send delay", 0, 3600000, 0); break;
        default:  err_quit("%s", usage);
        }
    }
    if (argc - optind != 2)
        err_quit("%s", usage);
    loopback_addr(&servaddr, argv[optind], argv[optind + 1]);
    if (parallel == 0 || parallel > count)
        parallel = count;               /* default: all at once */
    if ((fds = calloc((size_t)parallel, sizeof(*fds))) == NULL)
        err_quit("out of memory");

    for (done = 0; done < count; done += batch) {
        batch = count - done < parallel ? count - done : parallel;

        for (i = 0; i < batch; i++) {
            if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0)
                err_sys("socket error");
            if (connect(fds[i], (struct sockaddr *)&servaddr, sizeof(servaddr)) < 0)
                err_sys("connect error");
        }
        if (send_ms > 0)
            sleep_ms(send_ms);
        for (i = 0; i < batch; i++) {
            int len = snprintf(line, sizeof(line), "echo_client line %ld\n", done + i + 1);

            send_line(fds[i], line, (size_t)len);
        }
        for (i = 0; i < batch; i++) {
            int len = snprintf(line, sizeof(line), "echo_client line %ld\n", done + i + 1);

            check_echo(fds[i], line, (size_t)len, done + i + 1);
            printf("echoed %ld\n", done + i + 1);
            fflush(stdout);
        }
        if (wait_ms > 0)
            sleep_ms(wait_ms);
        for (i = 0; i < batch; i++)     /* all together: FIN, FIN, FIN... */
            if (close(fds[i]) < 0)
                err_sys("close error");
    }
    free(fds);
    exit(0);
}
