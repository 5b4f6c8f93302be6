/*
 * close_server - accepts each client and closes it at once.
 *
 * The peer for writer_client: it stands for a server that has gone away
 * (crashed, restarted, decided it does not want to talk) while the client
 * still believes the connection is usable.  Nothing is read, so a client
 * that writes gets answered with an RST.
 *
 * usage: close_server [-p PORT] [-n N]
 */
#include "unp.h"

int main(int argc, char **argv)
{
    struct server_opts opt = { .port = 0, .nclients = 0 };
    int listenfd, connfd;
    long served;

    server_options(argc, argv, "p:n:", &opt, "[-p PORT] [-n N]");
    listenfd = tcp_listen(opt.port);

    for (served = 0; opt.nclients == 0 || served < opt.nclients; ) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");
        if (close(connfd) < 0)
            err_sys("close error");
        printf("served %ld\n", ++served);
        fflush(stdout);
    }
    exit(0);
}
