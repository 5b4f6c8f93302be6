/*
 * tcpserv04 - the correct fork-per-connection echo server, for comparison.
 *
 * What tcpserv01 should have been (the final server of Unix Network
 * Programming's chapter 5): a SIGCHLD handler installed with SA_RESTART
 * that reaps every dead child with waitpid(-1, WNOHANG) in a loop, and an
 * accept() loop that goes on after EINTR.  bench/run.sh serves the same
 * load with it, without tcpsafe, to show what reaping itself costs: a
 * server that leaves no zombie pays one signal and one wait per child,
 * with or without tcpsafe.
 *
 * With -l (lazy) it installs no handler and reaps the children that have
 * finished, waitpid(-1, WNOHANG) in a loop, only before each fork(): no
 * signal per child, but the last children of a burst stay zombies for as
 * long as the server then sits idle in accept().  A reference for what
 * the signal costs, not a correct server.
 *
 * usage: tcpserv04 [-l] [-p PORT]
 */
#include "../examples/unp.h"

#include <signal.h>
#include <sys/wait.h>

static void sig_chld(int signo)
{
    int saved = errno;
    (void)signo;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

int main(int argc, char **argv)
{
    unsigned port = 0;
    long served = 0;
    int c, listenfd, connfd, lazy = 0;
    struct sigaction sa;

    while ((c = getopt(argc, argv, "lp:")) != -1) {
        switch (c) {
        case 'l': lazy = 1; break;
        case 'p': port = (unsigned)parse_num(optarg, "port", 0, 65535, 0); break;
        default:  err_quit("usage: tcpserv04 [-l] [-p PORT]");
        }
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sig_chld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (!lazy && sigaction(SIGCHLD, &sa, NULL) < 0)
        err_sys("sigaction error");

    listenfd = tcp_listen(port);        /* "listening on 127.0.0.1:PORT" */
    for (;;) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0) {
            if (errno == EINTR)
                continue;
            err_sys("accept error");
        }
        if (lazy)
            sig_chld(SIGCHLD);
        pid_t childpid = fork();
        if (childpid < 0)
            err_sys("fork error");
        if (childpid == 0) {
            close(listenfd);
            str_echo(connfd);
            exit(0);
        }
        close(connfd);
        printf("served %ld\n", ++served);
        fflush(stdout);
    }
}
