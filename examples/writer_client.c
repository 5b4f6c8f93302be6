/*
 * writer_client - keeps writing to a server that has closed: SIGPIPE.
 *
 * Legacy bug (the str_cli case of Unix Network Programming): the client
 * checks every write() carefully, yet it never reads, so it does not notice
 * that the server closed the connection.  The first write after the close
 * "succeeds" (the data is sent) and the server's kernel answers with an
 * RST; the next write() fails with EPIPE and raises SIGPIPE, which kills
 * the client before its error check ever runs (shell status 141).  Under
 * tcpsafe the check does its job: "write error: Broken pipe", exit 1.
 *
 * Why this is deterministic with close_server: connect() returns as soon
 * as the kernel has completed the handshake; the client then sleeps -i MS
 * before *each* line, including the first, like an interactive client
 * waiting for its user.  In that time close_server accepts and closes, the
 * FIN arrives (on loopback, during the server's close()) and the client
 * socket is in CLOSE_WAIT.  Line 1 then reaches a closed socket, whose
 * reply is an RST; Linux records an RST received in CLOSE_WAIT as EPIPE
 * (not ECONNRESET), so line 2 gets EPIPE and SIGPIPE.  (If the server were
 * slower than MS ms, line 1 would arrive before its close(), the close
 * would send the RST itself and line 2 would fail with ECONNRESET and no
 * signal: "write error: Connection reset by peer".)
 *
 * usage: writer_client [-l LINES] [-i MS] HOST PORT
 */
#include <time.h>

#include "unp.h"

int main(int argc, char **argv)
{
    const char *usage = "usage: writer_client [-l LINES] [-i MS] HOST PORT";
    struct sockaddr_in servaddr;
    struct timespec pause_ts;
    long i, lines = 50, ms = 20;
    char line[64];
    int c, fd, n;

    while ((c = getopt(argc, argv, "l:i:")) != -1) {
        switch (c) {
        case 'l': lines = (long)parse_num(optarg, "line count", 1, 1000000000, 0); break;
        case 'i': ms = (long)parse_num(optarg, "interval", 0, 3600000, 0); break;
        default:  err_quit("%s", usage);
        }
    }
    if (argc - optind != 2)
        err_quit("%s", usage);
    loopback_addr(&servaddr, argv[optind], argv[optind + 1]);

    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        err_sys("socket error");
    if (connect(fd, (struct sockaddr *)&servaddr, sizeof(servaddr)) < 0)
        err_sys("connect error");

    pause_ts.tv_sec = ms / 1000;
    pause_ts.tv_nsec = (ms % 1000) * 1000000L;
    for (i = 1; i <= lines; i++) {
        nanosleep(&pause_ts, NULL);
        n = snprintf(line, sizeof(line), "line %ld of %ld\n", i, lines);
        if (write(fd, line, (size_t)n) != n)
            err_sys("write error");
    }
    if (close(fd) < 0)
        err_sys("close error");
    exit(0);
}
