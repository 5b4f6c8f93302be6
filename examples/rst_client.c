/*
 * rst_client - the impatient peer: aborts connections in mid-reply (RST).
 *
 * Browsers that give up, health checkers and load balancers often read the
 * first bytes of a reply and then abort the connection.  This client does
 * it on purpose: connect, wait for the first byte of the server's reply,
 * set SO_LINGER {on, 0 s} and close(), so the kernel discards the unread
 * data and sends an RST instead of a FIN.  A server still writing its
 * reply then gets ECONNRESET/EPIPE - and SIGPIPE, which kills legacy
 * servers such as sigpipe_server.
 *
 * Before each close it prints "reset 127.0.0.1:LOCALPORT" (its own side of
 * the connection, as the server's logs would show the peer).  -j runs that
 * many connections at once (threads).  Exit status 0 if all COUNT
 * connections were made and reset, 1 on any error, e.g. "connect error:
 * Connection refused" once the server is dead (no new connections are
 * started after an error).
 *
 * usage: rst_client [-c COUNT] [-j PARALLEL] HOST PORT
 */
#include <pthread.h>

#include "unp.h"

static struct sockaddr_in servaddr;
static long count = 1;                  /* connections still to start */
static int failed;                      /* some connection went wrong */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

/* One connection; returns 0 when it was reset, -1 after printing an error
 * (not exit(): other threads may still be busy with their connection). */
static int connect_and_reset(void)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    struct sockaddr_in local;
    socklen_t len = sizeof(local);
    char addr[INET_ADDRSTRLEN], c;
    ssize_t n;
    int fd;

    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
        err_ret("socket error");
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&servaddr, sizeof(servaddr)) < 0) {
        err_ret("connect error");
        close(fd);
        return -1;
    }
    if ((n = read(fd, &c, 1)) <= 0) {   /* wait for the reply to start */
        if (n < 0)
            err_ret("read error");
        else
            err_msg("read error: server terminated prematurely");
        close(fd);
        return -1;
    }

    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
        err_sys("setsockopt SO_LINGER error");
    if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
        err_sys("getsockname error");
    inet_ntop(AF_INET, &local.sin_addr, addr, sizeof(addr));
    printf("reset %s:%u\n", addr, (unsigned)ntohs(local.sin_port));
    fflush(stdout);
    if (close(fd) < 0)                  /* linger 0: RST, not FIN */
        err_sys("close error");
    return 0;
}

/* Each thread makes connections until COUNT have been started or one
 * of them failed. */
static void *resetter(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&count_lock);
        if (count == 0 || failed) {
            pthread_mutex_unlock(&count_lock);
            return NULL;
        }
        count--;
        pthread_mutex_unlock(&count_lock);

        if (connect_and_reset() < 0) {
            pthread_mutex_lock(&count_lock);
            failed = 1;
            pthread_mutex_unlock(&count_lock);
        }
    }
}
int main(int argc, char **argv)
{
    const char *usage = "usage: rst_client [-c COUNT] [-j PARALLEL] HOST PORT";
    pthread_t tid[256];
    long i, parallel = 1;
    int c, e;

    while ((c = getopt(argc, argv, "c:j:")) != -1) {
        switch (c) {
        case 'c': count = (long)parse_num(optarg, "count", 1, 1000000000, 0); break;
        case 'j': parallel = (long)parse_num(optarg, "parallel", 1, 256, 0); break;
        default:  err_quit("%s", usage);
        }
    }
    if (argc - optind != 2)
        err_quit("%s", usage);
    loopback_addr(&servaddr, argv[optind], argv[optind + 1]);

    if (parallel > count)
        parallel = count;
    for (i = 0; i < parallel; i++) {
        if ((e = pthread_create(&tid[i], NULL, resetter, NULL)) != 0) {
            errno = e;
            err_sys("pthread_create error");
        }
    }
    for (i = 0; i < parallel; i++)
        pthread_join(tid[i], NULL);
    exit(failed ? 1 : 0);
}
