/*
 * calls.c - the cost of ONE kind of call on its success path, for
 * instruction counting under valgrind --tool=callgrind (bench/run.sh runs it
 * at two iteration counts, without and with a preload, and takes the
 * difference of the differences, so start-up and set-up cancel out).
 *
 * usage: calls KIND N
 *   write     write(2) of 1 byte to /dev/null             (1 call/iteration)
 *   read      read(2) of 1 byte from /dev/zero            (1 call/iteration)
 *   sendrecv  send() then recv() of 1 byte on an AF_UNIX   (2 calls/iteration)
 *             SOCK_STREAM socketpair
 *   poll      poll() of one ready fd (/dev/zero, POLLIN),  (1 call/iteration)
 *             timeout 0
 *   malloc    malloc(16) then free() (a positive control for the
 *             allocation count below)
 *
 * With BENCH_MALLOCCOUNT=1 in the environment it also prints the heap calls
 * made during the loop, read from a preloaded bench/malloccount.so through
 * dlsym(RTLD_DEFAULT, "malloccount_get") just before and just after the
 * loop: "allocs=A frees=F" (A = malloc+calloc+realloc+memalign family).
 * Exit status 0 on success, 1 if a call failed, 2 on a usage error.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef void (*getter_fn)(unsigned long out[5]);

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: calls write|read|sendrecv|poll|malloc N\n");
        return 2;
    }
    const char *kind = argv[1];
    char *end;
    long n = strtol(argv[2], &end, 10);
    if (*end || n < 0) {
        fprintf(stderr, "calls: bad N: %s\n", argv[2]);
        return 2;
    }

    int nullfd = open("/dev/null", O_WRONLY);
    int zerofd = open("/dev/zero", O_RDONLY);
    int sv[2];
    if (nullfd < 0 || zerofd < 0)
        die("open");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        die("socketpair");

    getter_fn get = NULL;
    unsigned long before[5] = {0}, after[5] = {0};
    const char *mc = getenv("BENCH_MALLOCCOUNT");
    if (mc && *mc && strcmp(mc, "0") != 0) {
        get = (getter_fn)(void (*)(void))dlsym(RTLD_DEFAULT, "malloccount_get");
        if (!get) {
            fprintf(stderr, "calls: malloccount_get not found (malloccount.so not preloaded)\n");
            return 1;
        }
    }

    char c = 'x';
    volatile long sink = 0;
    int k;
    if (strcmp(kind, "write") == 0)
        k = 0;
    else if (strcmp(kind, "read") == 0)
        k = 1;
    else if (strcmp(kind, "sendrecv") == 0)
        k = 2;
    else if (strcmp(kind, "poll") == 0)
        k = 3;
    else if (strcmp(kind, "malloc") == 0)
        k = 4;
    else {
        fprintf(stderr, "calls: unknown kind %s\n", kind);
        return 2;
    }

    if (get)
        get(before);
    switch (k) {
    case 0:
        for (long i = 0; i < n; i++)
            if (write(nullfd, &c, 1) != 1)
                die("write");
        break;
    case 1:
        for (long i = 0; i < n; i++) {
            if (read(zerofd, &c, 1) != 1)
                die("read");
            sink += c;
        }
        break;
    case 2:
        for (long i = 0; i < n; i++) {
            if (send(sv[0], &c, 1, 0) != 1)
                die("send");
            if (recv(sv[1], &c, 1, 0) != 1)
                die("recv");
            sink += c;
        }
        break;
    case 4:
        for (long i = 0; i < n; i++) {
            char *volatile p = malloc(16);
            if (!p)
                die("malloc");
            sink += (long)(p != NULL);
            free(p);
        }
        break;
    default: {
        struct pollfd p = {.fd = zerofd, .events = POLLIN};
        for (long i = 0; i < n; i++) {
            if (poll(&p, 1, 0) != 1)
                die("poll");
            sink += p.revents;
        }
        break;
    }
    }
    if (get) {
        get(after);
        unsigned long allocs = 0;
        for (int i = 0; i < 3; i++)
            allocs += after[i] - before[i];
        allocs += after[4] - before[4];
        printf("allocs=%lu frees=%lu\n", allocs, after[3] - before[3]);
    }
    (void)sink;
    return 0;
}
