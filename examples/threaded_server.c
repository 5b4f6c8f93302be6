/*
 * threaded_server - prethreaded server: one reset client kills every thread.
 *
 * Legacy bug: a pool of -t threads all call accept() on the same listening
 * socket (the "prethreaded server" of Unix Network Programming) and each
 * writes a large reply with unchecked write() calls (send_reply() in
 * unp.h).  SIGPIPE is sent to the thread whose write() hit the reset
 * connection, but its default action terminates the whole process: a
 * single impatient client takes down all the other connections in
 * progress.  Under tcpsafe the write()s fail with EPIPE, each thread
 * closes its connection and goes back to accept().
 *
 * Deterministic because each reply (8 MiB by default) is more than
 * loopback TCP can buffer for a client that does not read (send buffer
 * capped at net.ipv4.tcp_wmem[2] = 4 MiB by default, plus the client's
 * unread receive buffer): every thread is still writing when the RST
 * arrives (on a host tuned for larger buffers, pass a larger -s, as the
 * tests do).  -n counts clients over all threads.
 *
 * usage: threaded_server [-p PORT] [-n N] [-s BYTES] [-t THREADS]
 */
#include <pthread.h>

#include "unp.h"

static struct server_opts opt = { .port = 0, .nclients = 0, .size = 8LL << 20,
                                  .nthreads = 16 };
static int listenfd;
static long served;                     /* clients served, all threads */
static pthread_mutex_t served_lock = PTHREAD_MUTEX_INITIALIZER;

static void *serve_clients(void *arg)
{
    int connfd;

    (void)arg;
    for (;;) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");
        send_reply(connfd, opt.size);
        if (close(connfd) < 0)
            err_sys("close error");

        pthread_mutex_lock(&served_lock);
        printf("served %ld\n", ++served);
        fflush(stdout);
        if (opt.nclients > 0 && served >= opt.nclients)
            exit(0);
        pthread_mutex_unlock(&served_lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t tid;
    long i;
    int e;

    server_options(argc, argv, "p:n:s:t:", &opt,
                   "[-p PORT] [-n N] [-s BYTES] [-t THREADS]");
    listenfd = tcp_listen(opt.port);

    for (i = 0; i < opt.nthreads; i++) {
        if ((e = pthread_create(&tid, NULL, serve_clients, NULL)) != 0) {
            errno = e;
            err_sys("pthread_create error");
        }
        pthread_detach(tid);
    }
    for (;;)
        pause();        /* the threads do all the work; exit(0) ends us */
}
