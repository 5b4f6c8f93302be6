/*
 * select_server - single-process select() echo server killed by EINTR.
 *
 * Legacy bug: a tcpservselect01-style server of Unix Network Programming
 * (one select() over the listening socket and every client socket, each
 * line echoed back) that also forks a short-lived helper for each new
 * connection (a stand-in for a logger or an accounting hook: it sleeps
 * -d MS, default 50, and exits) and reaps the helpers in a SIGCHLD handler
 * installed WITHOUT SA_RESTART.  Any select() failure is fatal, so when a
 * helper exits while the server waits in select(), the server dies with
 * "select error: Interrupted system call" (exit 1) and every connected
 * client loses its server.  SA_RESTART would not even help here: Linux
 * never restarts select() after a signal handler, whatever the flags
 * (signal(7)); only an EINTR check, or tcpsafe, does.
 *
 * Why the failure is deterministic with `echo_client -s 200 127.0.0.1 PORT`:
 * the client connects and waits 200 ms before sending its line.  The
 * server's select() reports the new connection, the server accepts it,
 * forks the helper and is back in select() well under a millisecond later;
 * nothing can arrive on the connection before 200 ms, so the server is
 * still blocked in select() when the helper exits 50 ms after the fork,
 * and SIGCHLD (caught, not left at its default) ends select() with EINTR.
 *
 * -n N: exit(0) once N clients have closed their connection ("served K" is
 * printed when client K closes).
 *
 * usage: select_server [-p PORT] [-n N] [-d MS]
 */
#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

#include "unp.h"

#define MAXLINE 4096

static int client[FD_SETSIZE];          /* connected sockets, -1 = free */

/* Reap every helper that has exited (this part is done right). */
static void sig_chld(int signo)
{
    int saved = errno;

    (void)signo;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

/* The per-connection helper: drops the server's sockets (so that its
 * copies do not keep any connection open), does its "work" for ms
 * milliseconds and exits. */
static __attribute__((noreturn)) void helper(int listenfd, int maxi, long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    int i;

    close(listenfd);
    for (i = 0; i <= maxi; i++)
        if (client[i] >= 0)
            close(client[i]);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *usage = "[-p PORT] [-n N] [-d MS]";
    struct server_opts opt = { .port = 0, .nclients = 0 };
    struct sigaction sa;
    fd_set rset, allset;
    char buf[MAXLINE];
    long served = 0, delay = 50;
    int c, i, maxi, maxfd, nready, listenfd, connfd, sockfd;
    ssize_t n;
    pid_t pid;

    /* server_options() knows -p and -n but not -d: parse here. */
    while ((c = getopt(argc, argv, "p:n:d:")) != -1) {
        switch (c) {
        case 'p': opt.port = (unsigned)parse_num(optarg, "port", 0, 65535, 0); break;
        case 'n': opt.nclients = (long)parse_num(optarg, "client count", 1, 1000000000, 0); break;
        case 'd': delay = (long)parse_num(optarg, "helper delay", 0, 3600000, 0); break;
        default:  err_quit("usage: %s %s", argv[0], usage);
        }
    }
    if (optind != argc)
        err_quit("usage: %s %s", argv[0], usage);

    listenfd = tcp_listen(opt.port);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sig_chld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                    /* BUG: no SA_RESTART (moot for select) */
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        err_sys("sigaction error");

    maxfd = listenfd;
    maxi = -1;                          /* highest index in use in client[] */
    for (i = 0; i < FD_SETSIZE; i++)
        client[i] = -1;
    FD_ZERO(&allset);
    FD_SET(listenfd, &allset);

    for (;;) {
        rset = allset;
        nready = select(maxfd + 1, &rset, NULL, NULL, NULL);
        if (nready < 0)
            err_sys("select error");    /* BUG: EINTR is fatal too */

        if (FD_ISSET(listenfd, &rset)) {        /* new client connection */
            if ((connfd = accept(listenfd, NULL, NULL)) < 0)
                err_sys("accept error");
            if (connfd >= FD_SETSIZE)
                err_quit("too many clients");
            for (i = 0; i < FD_SETSIZE; i++)
                if (client[i] < 0) {
                    client[i] = connfd;
                    break;
                }
            if (i > maxi)
                maxi = i;
            FD_SET(connfd, &allset);
            if (connfd > maxfd)
                maxfd = connfd;

            if ((pid = fork()) < 0)
                err_sys("fork error");
            if (pid == 0)
                helper(listenfd, maxi, delay);

            if (--nready <= 0)
                continue;                       /* no more readable sockets */
        }

        for (i = 0; i <= maxi; i++) {           /* check all clients for data */
            if ((sockfd = client[i]) < 0 || !FD_ISSET(sockfd, &rset))
                continue;
            if ((n = read(sockfd, buf, sizeof(buf))) < 0 && errno != ECONNRESET)
                err_sys("read error");
            if (n <= 0) {                       /* EOF or reset: client done */
                if (close(sockfd) < 0)
                    err_sys("close error");
                FD_CLR(sockfd, &allset);
                client[i] = -1;
                printf("served %ld\n", ++served);
                fflush(stdout);
                if (opt.nclients > 0 && served >= opt.nclients)
                    exit(0);
            } else {
                writen(sockfd, buf, (size_t)n);
            }
            if (--nready <= 0)
                break;                          /* no more readable sockets */
        }
    }
}
