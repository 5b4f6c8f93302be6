/*
 * pingpong.c - wall-clock time of M round trips of a 1-byte message between
 * two processes, to compare a run without and with a preloaded library.
 *
 * usage: pingpong unix|tcp M [CPU]
 *   unix  an AF_UNIX SOCK_STREAM socketpair
 *   tcp   a TCP connection over loopback: listen on 127.0.0.1 port 0
 *         (ephemeral), connect, accept, TCP_NODELAY on both ends
 *
 * With CPU, both processes are pinned to that one CPU (sched_setaffinity
 * before the fork): each round trip is then two context switches on one
 * CPU rather than two cross-CPU wake-ups, which are slower and noisier.
 * Then fork(): the child echoes every byte it reads (read/write) until
 * end of file; the parent writes 1 byte and reads it back M times (after
 * 1000 untimed warm-up round trips) and times the loop with
 * CLOCK_MONOTONIC.  The parent closes its end, waits for the child, and
 * prints one line: "ns=TOTAL per_rt_ns=PER_ROUND_TRIP".
 * Exit status 0 on success, 1 on an error, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/helpers/procscan.h"

#define WARMUP 1000

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        perror("pingpong: setsockopt TCP_NODELAY (going on)");
}

static void tcp_pair(int sv[2])
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0)
        die("socket");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0)
        die("bind");
    if (listen(l, 1) < 0)
        die("listen");
    if (getsockname(l, (struct sockaddr *)&a, &alen) < 0)
        die("getsockname");
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (sv[0] < 0)
        die("socket");
    if (connect(sv[0], (struct sockaddr *)&a, sizeof a) < 0)
        die("connect");
    sv[1] = accept(l, NULL, NULL);
    if (sv[1] < 0)
        die("accept");
    close(l);
    nodelay(sv[0]);
    nodelay(sv[1]);
}

static void roundtrips(int fd, long m)
{
    char c = 'p';
    for (long i = 0; i < m; i++) {
        if (write(fd, &c, 1) != 1)
            die("write");
        if (read(fd, &c, 1) != 1)
            die("read");
    }
}

int main(int argc, char **argv)
{
    if ((argc != 3 && argc != 4) || (strcmp(argv[1], "unix") != 0 && strcmp(argv[1], "tcp") != 0)) {
        fprintf(stderr, "usage: pingpong unix|tcp M [CPU]\n");
        return 2;
    }
    char *end;
    long m = strtol(argv[2], &end, 10);
    if (*end || m <= 0) {
        fprintf(stderr, "pingpong: bad M: %s\n", argv[2]);
        return 2;
    }
    if (argc == 4) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(atoi(argv[3]), &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0)
            die("sched_setaffinity");
    }
    int sv[2];
    if (strcmp(argv[1], "unix") == 0) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
            die("socketpair");
    } else {
        tcp_pair(sv);
    }

    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) { /* echo until EOF */
        char c;
        ssize_t r;
        close(sv[0]);
        while ((r = read(sv[1], &c, 1)) == 1)
            if (write(sv[1], &c, 1) != 1)
                _exit(1);
        _exit(r == 0 ? 0 : 1);
    }
    close(sv[1]);
    roundtrips(sv[0], WARMUP);
    long long t0 = ps_now_ns();
    roundtrips(sv[0], m);
    long long t1 = ps_now_ns();
    close(sv[0]);

    int st;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (w != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "pingpong: echo child failed (waitpid %d, status %#x)\n", (int)w, st);
        return 1;
    }
    printf("ns=%lld per_rt_ns=%.1f\n", t1 - t0, (double)(t1 - t0) / (double)m);
    return 0;
}
