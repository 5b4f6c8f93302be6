/*
 * fdlimit_server - thread-per-connection echo server that exits when it
 * runs out of file descriptors.
 *
 * Legacy bug: the accept loop treats every accept() error as fatal
 * (err_sys), like the servers of Unix Network Programming.  Each client
 * holds one descriptor for as long as it stays connected, so with enough
 * clients at once (or a low RLIMIT_NOFILE) accept() fails with EMFILE
 * ("Too many open files") and the whole server exits, although every
 * descriptor would be free again as soon as a few clients leave.  Under
 * tcpsafe accept() waits (5 ms, doubling to 1 s) and retries, so the
 * server serves the waiting clients once descriptors are freed.
 *
 * Main thread: accept, print "accepted K", start a detached thread.
 * Thread: echo everything until the client closes, close, end.
 *
 * usage: fdlimit_server [-p PORT]
 */
#include <pthread.h>
#include <stdint.h>

#include "unp.h"

static void *serve(void *arg)
{
    int connfd = (int)(intptr_t)arg;

    str_echo(connfd);
    if (close(connfd) < 0)
        err_sys("close error");
    return NULL;
}

int main(int argc, char **argv)
{
    struct server_opts opt = { .port = 0 };
    pthread_attr_t attr;
    pthread_t tid;
    long accepted = 0;
    int listenfd, connfd, e;

    server_options(argc, argv, "p:", &opt, "[-p PORT]");
    listenfd = tcp_listen(opt.port);    /* "listening on 127.0.0.1:PORT" */

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (;;) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");    /* BUG: EMFILE is not fatal */
        if ((e = pthread_create(&tid, &attr, serve, (void *)(intptr_t)connfd)) != 0) {
            errno = e;
            err_sys("pthread_create error");
        }
        printf("accepted %ld\n", ++accepted);
        fflush(stdout);
    }
}
