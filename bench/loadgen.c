/*
 * loadgen.c - throughput of a fork-per-connection echo server, in
 * connections per second, and the zombies it leaves behind.
 *
 * usage: loadgen [-l LIB] [-c C] [-P P] SERVER [ARGS...]
 *   -l LIB  preload LIB into the server only (LD_PRELOAD=LIB in its
 *           environment; without -l, LD_PRELOAD is removed for it)
 *   -c C    connections in all (default 2000)
 *   -P P    client threads (default 8)
 *
 * loadgen starts SERVER itself (e.g. examples/tcpserv01 -p 0), its stdout
 * on a pipe that a thread keeps draining; the first line must be
 * "listening on 127.0.0.1:PORT".  Then P threads share C short
 * connections: each one is connect, write one line, read until the echoed
 * line is back, close.  The time from the first connect to the last close
 * (CLOCK_MONOTONIC) gives connections per second.  loadgen itself is never
 * preloaded.
 *
 * Then it waits (10 s at most) until the server has no live child left,
 * waits 200 ms more so that a reaper has a chance to finish, and counts the
 * server's zombie children (processes with ppid = server and state Z in
 * /proc/PID/stat).  It kills the server by pid with SIGKILL, reaps it, and,
 * being a child subreaper, reaps the server's orphaned children too.
 * Prints one line:
 *   conns=C errors=E secs=S cps=R zombies=Z live=L served=N cpu_us=U minflt=F parent_us=P
 * where U is the CPU time (user + system) of the server and all its
 * children, F their minor page faults, and P the server process's own CPU
 * time (its accept loop, read from /proc/PID/schedstat just before the
 * kill; left out where the kernel has no such file), per connection.
 * Exit status 0 if every connection worked, 1 otherwise, 2 on usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/helpers/procscan.h"

static struct sockaddr_in server_addr;
static _Atomic long next_conn, errors, done_conns, served_lines;
static long total_conns = 2000;

static int one_connection(long id)
{
    char line[64], buf[128];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) < 0) {
        close(fd);
        return -1;
    }
    int len = snprintf(line, sizeof line, "hello %ld\n", id);
    if (write(fd, line, (size_t)len) != len) {
        close(fd);
        return -1;
    }
    int got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, sizeof buf - (size_t)got);
        if (r <= 0)
            break;
        got += (int)r;
    }
    close(fd);
    return (got == len && memcmp(buf, line, (size_t)len) == 0) ? 0 : -1;
}

static void *client(void *arg)
{
    (void)arg;
    for (;;) {
        long id = atomic_fetch_add(&next_conn, 1);
        if (id >= total_conns)
            return NULL;
        if (one_connection(id) < 0) {
            if (atomic_fetch_add(&errors, 1) < 5)
                perror("loadgen: connection failed");
        }
        atomic_fetch_add(&done_conns, 1);
    }
}

/* Keep the server's stdout pipe empty ("served K" lines). */
static void *drain(void *arg)
{
    FILE *f = arg;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "served", 6) == 0)
            atomic_fetch_add(&served_lines, 1);
    return NULL;
}

/* The server process's own CPU time (the accept loop, without its
 * children), in ns, exactly: the scheduler's count in /proc/PID/schedstat.
 * -1 if the kernel has no such file. */
static double server_runtime_ns(pid_t pid)
{
    char path[64];
    unsigned long long ns;
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fscanf(f, "%llu", &ns) == 1;
    fclose(f);
    return ok ? (double)ns : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen [-l LIB] [-c C] [-P P] SERVER [ARGS...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *lib = NULL;
    int nthreads = 8, c;
    while ((c = getopt(argc, argv, "+l:c:P:")) != -1) {
        switch (c) {
        case 'l': lib = optarg; break;
        case 'c': total_conns = atol(optarg); break;
        case 'P': nthreads = atoi(optarg); break;
        default: usage();
        }
    }
    if (optind >= argc || total_conns <= 0 || nthreads <= 0 || nthreads > 256)
        usage();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        perror("loadgen: PR_SET_CHILD_SUBREAPER (going on)");
    signal(SIGPIPE, SIG_IGN);

    int out[2];
    if (pipe(out) < 0) {
        perror("loadgen: pipe");
        return 1;
    }
    pid_t server = fork();
    if (server < 0) {
        perror("loadgen: fork");
        return 1;
    }
    if (server == 0) {
        close(out[0]);
        dup2(out[1], 1);
        close(out[1]);
        if (lib)
            setenv("LD_PRELOAD", lib, 1);
        else
            unsetenv("LD_PRELOAD");
        execv(argv[optind], argv + optind);
        perror("loadgen: exec server");
        _exit(127);
    }
    close(out[1]);
    FILE *sf = fdopen(out[0], "r");
    char line[256];
    unsigned port = 0;
    alarm(20); /* the server must say where it listens within 20 s */
    if (!sf || !fgets(line, sizeof line, sf) ||
        sscanf(line, "listening on 127.0.0.1:%u", &port) != 1 || port == 0) {
        fprintf(stderr, "loadgen: server did not report its port\n");
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        return 1;
    }
    alarm(0);
    pthread_t drainer;
    pthread_create(&drainer, NULL, drain, sf);
    pthread_detach(drainer);

    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_addr.sin_port = htons((unsigned short)port);

    pthread_t *th = calloc((size_t)nthreads, sizeof *th);
    long long t0 = ps_now_ns();
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, client, NULL);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    long long t1 = ps_now_ns();
    free(th);

    /* children still echoing or exiting: wait until none is alive */
    int z = 0, l = 0;
    long long deadline = ps_now_ns() + 10LL * 1000000000LL;
    for (;;) {
        ps_scan_children(server, &z, &l);
        if (l == 0 || ps_now_ns() > deadline)
            break;
        usleep(20000);
    }
    usleep(200000);
    ps_scan_children(server, &z, &l);
    double server_ns = server_runtime_ns(server);

    kill(server, SIGKILL);
    int st;
    waitpid(server, &st, 0);
    /* the server's children are ours now (subreaper): reap them */
    deadline = ps_now_ns() + 10LL * 1000000000LL;
    pid_t self = getpid();
    for (;;) {
        while (waitpid(-1, &st, WNOHANG) > 0)
            ;
        int left = ps_scan_children(self, NULL, NULL);
        if (left == 0 || ps_now_ns() > deadline)
            break;
        usleep(5000);
    }

    /* CPU of the server and of all its children, reaped by it or by us:
     * a steadier figure than conn/s on a shared machine */
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    double secs = (double)(t1 - t0) / 1e9;
    printf("conns=%ld errors=%ld secs=%.3f cps=%.1f zombies=%d live=%d served=%ld cpu_us=%.1f minflt=%.1f",
           total_conns, (long)errors, secs, (double)total_conns / secs, z, l,
           (long)served_lines, cpu / (double)total_conns,
           (double)ru.ru_minflt / (double)total_conns);
    if (server_ns >= 0)
        printf(" parent_us=%.1f", server_ns / 1e3 / (double)total_conns);
    printf("\n");
    return errors ? 1 : 0;
}
