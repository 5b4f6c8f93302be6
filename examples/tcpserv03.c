/*
 * tcpserv03 - fork-per-connection echo server whose accept() dies of EINTR.
 *
 * Legacy bug (the tcpserv02/tcpserv03 story of Unix Network Programming):
 * the server catches SIGCHLD to reap its children, but installs the handler
 * with sigaction() WITHOUT SA_RESTART, and its main loop treats every
 * accept() failure as fatal.  When a client closes, its child process
 * exits, SIGCHLD interrupts the parent's blocking accept() and accept()
 * fails with EINTR: "accept error: Interrupted system call", exit 1, and
 * the server is gone for every later client.  (The handler also calls
 * wait() only once, the other half of the classic buggy sig_chld: when
 * several children exit together their signals merge and zombies are
 * left behind.)  tcpsafe restarts the interrupted accept(), so the server
 * keeps serving.
 *
 * Why the failure is deterministic with `echo_client -c 20 127.0.0.1 PORT`:
 * the client opens all its connections, gets every echo back and only then
 * closes them all at once.  An echo can only come back once the parent has
 * accepted that connection and forked its child, so by the time the first
 * child sees EOF and exits, the parent has finished with all 20 clients and
 * is blocked in accept() waiting for a 21st: nothing is left that could
 * take the signal instead.  SIGCHLD is caught, not left at its default
 * (ignore), and without SA_RESTART the kernel ends the accept() with EINTR
 * once the handler has run.
 *
 * Do not give -n the number of clients of the test run: the parent would
 * exit after the last accept(), before any child exits.
 *
 * usage: tcpserv03 [-p PORT] [-n N]
 */
#include <signal.h>
#include <sys/wait.h>

#include "unp.h"

/* The classic buggy handler: one wait() per signal, however many children
 * exited.  (errno is saved so that it is the only bug.) */
static void sig_chld(int signo)
{
    int saved = errno, stat;

    (void)signo;
    (void)wait(&stat);
    errno = saved;
}

int main(int argc, char **argv)
{
    struct server_opts opt = { .port = 0, .nclients = 0 };
    struct sigaction sa;
    int listenfd, connfd;
    long served;
    pid_t childpid;

    server_options(argc, argv, "p:n:", &opt, "[-p PORT] [-n N]");
    listenfd = tcp_listen(opt.port);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sig_chld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                    /* BUG: no SA_RESTART */
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        err_sys("sigaction error");

    for (served = 0; opt.nclients == 0 || served < opt.nclients; ) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");    /* BUG: EINTR is fatal too */

        if ((childpid = fork()) < 0)
            err_sys("fork error");
        if (childpid == 0) {            /* child */
            close(listenfd);
            str_echo(connfd);
            exit(0);
        }
        if (close(connfd) < 0)          /* parent */
            err_sys("close error");
        printf("served %ld\n", ++served);
        fflush(stdout);
    }
    exit(0);
}
