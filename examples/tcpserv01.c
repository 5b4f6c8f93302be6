/*
 * tcpserv01 - fork-per-connection echo server that never reaps its children.
 *
 * Legacy bug (tcpserv01 of Unix Network Programming, before the book adds
 * a SIGCHLD handler in tcpserv02): the parent accepts a connection, forks a
 * child to echo it and goes straight back to accept().  Nobody ever calls
 * wait(): there is no SIGCHLD handler at all, so SIGCHLD keeps its default
 * action (discarded, but NOT SIG_IGN, so the kernel does not reap for us).
 * Every child that finishes stays a zombie until the parent exits:
 * one zombie per connection served, filling the process table of a
 * long-running server.  tcpsafe reaps them behind the program's back
 * (this server never asks for a status, so nothing has to be kept for it).
 *
 * Parent: accept, fork, close the connected socket, print "served K".
 * Child: echo everything until the client closes, then exit(0).
 *
 * -n N exits after N accepted connections (without waiting for the
 * children); -n 0, the default, serves forever: that is what the zombie
 * test needs, as the zombies are only visible while the parent lives.
 * Stop it with SIGTERM or SIGKILL; its children end when their clients
 * close.
 *
 * usage: tcpserv01 [-p PORT] [-n N]
 */
#include "unp.h"

int main(int argc, char **argv)
{
    const char *usage = "usage: tcpserv01 [-p PORT] [-n N]";
    unsigned port = 0;
    long nclients = 0, served;
    int c, listenfd, connfd;
    pid_t childpid;

    /* Not server_options(): its -n starts at 1, this one accepts 0. */
    while ((c = getopt(argc, argv, "p:n:")) != -1) {
        switch (c) {
        case 'p': port = (unsigned)parse_num(optarg, "port", 0, 65535, 0); break;
        case 'n': nclients = (long)parse_num(optarg, "client count", 0, 1000000000, 0); break;
        default:  err_quit("%s", usage);
        }
    }
    if (optind != argc)
        err_quit("%s", usage);

    listenfd = tcp_listen(port);        /* "listening on 127.0.0.1:PORT" */

    for (served = 0; nclients == 0 || served < nclients; ) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");

        if ((childpid = fork()) < 0)
            err_sys("fork error");
        if (childpid == 0) {            /* child */
            close(listenfd);
            str_echo(connfd);
            exit(0);                    /* BUG: nobody will ever wait() for this */
        }
        if (close(connfd) < 0)          /* parent */
            err_sys("close error");
        printf("served %ld\n", ++served);
        fflush(stdout);
    }
    exit(0);
}
