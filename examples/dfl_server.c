/*
 * dfl_server - like sigpipe_server, but it "resets" SIGPIPE to SIG_DFL.
 *
 * Legacy bug: many old daemons start by putting signals back to their
 * default action.  That undoes whatever protection the environment gave
 * them - `trap '' PIPE` in a start script, a supervisor that starts its
 * children with SIGPIPE ignored - so a client that resets the connection
 * in the middle of the (unchecked, see send_reply() in unp.h) reply kills
 * the server with SIGPIPE (shell status 141) even when it was started with
 * SIGPIPE ignored.  tcpsafe sees the signal() call: the program reads back
 * SIG_DFL as it asked, yet SIGPIPE stays harmless and the write()s just
 * fail with EPIPE.
 *
 * Deterministic for the same reason as sigpipe_server: the reply is far
 * larger than loopback socket buffers, so the server is still writing when
 * the RST arrives.
 *
 * usage: dfl_server [-p PORT] [-n N] [-s BYTES]
 */
#include <signal.h>

#include "unp.h"

int main(int argc, char **argv)
{
    struct server_opts opt = { .port = 0, .nclients = 0, .size = 32LL << 20 };
    int listenfd, connfd;
    long served;

    signal(SIGPIPE, SIG_DFL);       /* "start from a clean state" */

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
