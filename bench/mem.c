/*
 * mem.c - resident memory (VmRSS from /proc/self/status) of a process, to
 * compare a run without and with a preloaded library.
 *
 * usage: mem start
 *   prints "rss_kb=N" as the first thing main() does: the cost of loading.
 * usage: mem fds N A
 *   raises RLIMIT_NOFILE (soft and hard to N+64 when allowed, else the
 *   soft limit to the hard one, and N is reduced to fit, with a note on
 *   stderr), measures the RSS, then opens AF_UNIX socketpairs until N-2A
 *   fds are open, then A TCP connections over 127.0.0.1 (connect + accept,
 *   2A fds; the accepted ends are at the highest fd numbers, where a per-fd
 *   peer table must cover them), and measures the RSS again:
 *   "fds=F accepted=A rss_before_kb=B rss_after_kb=R delta_kb=D"
 * Exit status 0 on success, 1 on an error, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "start") == 0) {
        printf("rss_kb=%ld\n", rss_kb());
        return 0;
    }
    if (argc != 4 || strcmp(argv[1], "fds") != 0) {
        fprintf(stderr, "usage: mem start | mem fds N A\n");
        return 2;
    }
    long n = atol(argv[2]), a = atol(argv[3]);
    if (n <= 0 || a < 0) {
        fprintf(stderr, "mem: bad N or A\n");
        return 2;
    }
    struct rlimit r;
    rlim_t need = (rlim_t)(n + 64);
    getrlimit(RLIMIT_NOFILE, &r);
    struct rlimit want = {need, need > r.rlim_max ? need : r.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
        long fit = (long)r.rlim_max - 64;
        if (fit < 2 * a + 16) {
            fprintf(stderr, "mem: RLIMIT_NOFILE hard limit %ld is too low\n", (long)r.rlim_max);
            return 1;
        }
        fprintf(stderr, "mem: note: RLIMIT_NOFILE hard limit is %ld and cannot be raised: "
                "%ld fds instead of %ld\n", (long)r.rlim_max, fit, n);
        n = fit;
    }
    if (2 * a + 16 > n) {
        fprintf(stderr, "mem: N too small for A connections\n");
        return 2;
    }

    long before = rss_kb();
    int sv[2], hi = 2;
    while (hi + 1 + 2 <= n - 2 * a) { /* fds 0..2 are already open */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
            die("mem: socketpair");
        hi = sv[1];
    }
    if (a > 0) {
        struct sockaddr_in sa;
        socklen_t slen = sizeof sa;
        int l = socket(AF_INET, SOCK_STREAM, 0);
        if (l < 0)
            die("mem: socket");
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 128) < 0 ||
            getsockname(l, (struct sockaddr *)&sa, &slen) < 0)
            die("mem: listen");
        for (long i = 0; i < a; i++) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
                die("mem: connect");
            int s = accept(l, NULL, NULL);
            if (s < 0)
                die("mem: accept");
            hi = s;
        }
    }
    long after = rss_kb();
    printf("fds=%d accepted=%ld rss_before_kb=%ld rss_after_kb=%ld delta_kb=%ld\n", hi + 1, a,
           before, after, after - before);
    return 0;
}
