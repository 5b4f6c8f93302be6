/*
 * fortify_server - iterative echo server whose fortified read() dies of EINTR.
 *
 * Legacy bug: for each client the server first forks a short-lived helper
 * (here a stand-in for a logger or an accounting hook: it sleeps -d MS,
 * default 50, and exits), and it reaps its helpers in a SIGCHLD handler
 * installed with sigaction() WITHOUT SA_RESTART.  Then it reads the
 * client's request with a blocking read() and treats every failure as
 * fatal.  If the client has not sent its line by the time the helper
 * exits, SIGCHLD interrupts that read() and the server dies with
 * "read error: Interrupted system call" (exit 1).  tcpsafe restarts the
 * interrupted read().
 *
 * Build it with -O2 -D_FORTIFY_SOURCE=2, as distributions build packages:
 * a read() into an array whose size the compiler knows, with a length it
 * cannot check at compile time (read_size below), becomes a call to
 * __read_chk() instead of read(): `nm -D fortify_server` lists __read_chk
 * and no read.  glibc's __read_chk makes the system call itself, so a
 * preload library that wraps only read() never sees these calls; tcpsafe
 * has to wrap __read_chk as well.  (With a constant length such as
 * sizeof(buf), glibc does the check at compile time and calls plain read().)
 *
 * Why the failure is deterministic with `echo_client -s 200 127.0.0.1 PORT`:
 * the client connects and waits 200 ms before sending its line.  The
 * server accepts, forks the helper and blocks in read() within well under
 * a millisecond; 50 ms later the helper exits while the server is still
 * blocked (nothing can arrive before 200 ms).  SIGCHLD is caught, not
 * left at its default (ignore), and without SA_RESTART the kernel ends the
 * read() with EINTR once the handler has run.  (With a client that sends
 * at once, the helper usually exits while the server is back in accept()
 * waiting for the next client: "accept error: Interrupted system call".)
 *
 * usage: fortify_server [-p PORT] [-n N] [-d MS] [-b BYTES]
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "unp.h"

#define MAXLINE 4096

/* -b BYTES: how much each read() asks for, a global "tunable" as old
 * daemons have them.  It has external linkage, so the compiler cannot know
 * its value at the read() (any function called since could have changed
 * it): read(connfd, buf, read_size) with 'buf' a local array becomes
 * __read_chk(connfd, buf, read_size, sizeof(buf)). */
size_t read_size = MAXLINE;

/* Reap every helper that has exited (this part is done right). */
static void sig_chld(int signo)
{
    int saved = errno;

    (void)signo;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

/* The per-client helper: does its "work" for ms milliseconds and exits. */
static __attribute__((noreturn)) void helper(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *usage = "[-p PORT] [-n N] [-d MS] [-b BYTES]";
    struct server_opts opt = { .port = 0, .nclients = 0 };
    struct sigaction sa;
    char buf[MAXLINE];
    long served, delay = 50;
    int c, listenfd, connfd;
    ssize_t n, w;
    size_t off;
    pid_t pid;

    /* server_options() knows -p and -n but not -d and -b: parse here. */
    while ((c = getopt(argc, argv, "p:n:d:b:")) != -1) {
        switch (c) {
        case 'p': opt.port = (unsigned)parse_num(optarg, "port", 0, 65535, 0); break;
        case 'n': opt.nclients = (long)parse_num(optarg, "client count", 1, 1000000000, 0); break;
        case 'd': delay = (long)parse_num(optarg, "helper delay", 0, 3600000, 0); break;
        case 'b': read_size = (size_t)parse_num(optarg, "read size", 1, sizeof(buf), 0); break;
        default:  err_quit("usage: %s %s", argv[0], usage);
        }
    }
    if (optind != argc)
        err_quit("usage: %s %s", argv[0], usage);

    listenfd = tcp_listen(opt.port);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sig_chld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                    /* BUG: no SA_RESTART */
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        err_sys("sigaction error");

    for (served = 0; opt.nclients == 0 || served < opt.nclients; ) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0)
            err_sys("accept error");

        if ((pid = fork()) < 0)
            err_sys("fork error");
        if (pid == 0) {                 /* the helper */
            close(listenfd);
            close(connfd);
            helper(delay);
        }

        /* Echo the request back as it comes, up to its newline (or EOF). */
        do {
            if ((n = read(connfd, buf, read_size)) < 0)
                err_sys("read error");  /* BUG: EINTR is fatal too */
            for (off = 0; off < (size_t)n; off += (size_t)w)
                if ((w = write(connfd, buf + off, (size_t)n - off)) < 0)
                    err_sys("write error");
        } while (n > 0 && memchr(buf, '\n', (size_t)n) == NULL);
        if (close(connfd) < 0)
            err_sys("close error");
        printf("served %ld\n", ++served);
        fflush(stdout);
    }
    exit(0);
}
