/*
 * sigpipe_server - iterative server killed by SIGPIPE when a client resets.
 *
 * Legacy bug: for every client it writes a large reply with unchecked
 * write() calls (send_reply() in unp.h) and never handles SIGPIPE.  When
 * the client aborts the connection (RST, see rst_client) in the middle of
 * the reply, a write() fails with EPIPE and the kernel sends SIGPIPE: the
 * process dies (shell status 141) and every later client gets "connection
 * refused".  Under tcpsafe the write()s just fail with EPIPE (logged) and
 * the server goes on with the next client.
 *
 * Why this is deterministic: the reply (32 MiB by default) is far larger
 * than what loopback TCP can buffer for a peer that does not read (the
 * send buffer is capped by net.ipv4.tcp_wmem[2], 4 MiB by default, plus
 * the peer's unread receive buffer, net.ipv4.tcp_rmem[1], which does not
 * grow while nobody reads), so the server is always blocked in write() -
 * or still writing - when the RST arrives; it can never finish the reply
 * first.  A host tuned for larger buffers needs a larger -s: the tests and
 * the demo pass twice what the sysctls allow (loopback held 27 MB of a
 * reply with tcp_rmem[1] at 16 MiB).
 *
 * usage: sigpipe_server [-p PORT] [-n N] [-s BYTES]
 */
#include "unp.h"

int main(int argc, char **argv)
{
    struct server_opts opt = { .port = 0, .nclients = 0, .size = 32LL << 20 };
    int listenfd, connfd;
    long served;

    server_options(argc, argv, "p:n:s:", &opt, "[-p PORT] [-n N] [-s BYTES]");
    listenfd = tcp_listen(opt.port);

    for (served = 0; opt.nclients == 0 || served < opt.nclients; ) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");
        send_reply(connfd, opt.size);
        if (close(connfd) < 0)
            err_sys("close error");
        printf("served %ld\n", ++served);
        fflush(stdout);
    }
    exit(0);
}
