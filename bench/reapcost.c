/*
 * reapcost.c - the cost of reaping one short-lived child while L other
 * children stay alive, to check that it does not grow with L.
 *
 * usage: reapcost self|none L K
 *
 * It forks L long-lived children that block reading a pipe, then forks K
 * children one at a time that _exit(0) at once, and times (CLOCK_MONOTONIC):
 *   self  the program reaps each one itself, waitpid(pid) right after its
 *         fork() (the baseline, run without tcpsafe);
 *   none  the program never waits: the fork loop, then the time until
 *         all K are reaped by someone else (tcpsafe's reaper thread), seen
 *         when /proc/PID/task/PID/children lists only the L live children
 *         again (polled every 0.5 ms; 60 s at most).
 * per child = (fork loop + time until all K are reaped) / K.
 * Prints one line:
 *   mode=M live=L K=K loop_ns=A drain_ns=B per_child_us=U backlog=N
 * (backlog: K children not reaped yet when the fork loop ended).
 * Then it closes the pipe, so the live children exit, and reaps them (self:
 * waitpid on each pid; none: waits until its children list is empty).
 * RLIMIT_NPROC's soft limit is raised to the hard one (to infinity when
 * allowed); if fewer than L children can be made, it says so on stderr and
 * goes on with those ("live=" shows how many).
 * Exit status 0 on success, 1 on an error or time-out, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procscan.h"

static pid_t self;

/* Children of our main thread not reaped yet (live or zombie). */
static int unreaped(void)
{
    int n = bench_children_file(self, self, NULL, 0);
    if (n < 0)
        n = bench_scan_children(self, NULL, NULL);
    return n;
}

/* Wait until at most `target` children are left; ns taken, -1 on time-out. */
static long long drain_to(int target, long long limit_ns)
{
    long long t0 = bench_now_ns();
    while (unreaped() > target) {
        if (bench_now_ns() - t0 > limit_ns)
            return -1;
        usleep(500);
    }
    return bench_now_ns() - t0;
}

static void raise_nproc(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NPROC, &r) < 0)
        return;
    struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_NPROC, &inf) == 0)
        return;
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NPROC, &r);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "self") != 0 && strcmp(argv[1], "none") != 0)) {
        fprintf(stderr, "usage: reapcost self|none L K\n");
        return 2;
    }
    int self_wait = strcmp(argv[1], "self") == 0;
    long want = atol(argv[2]), k = atol(argv[3]);
    if (want < 0 || k <= 0) {
        fprintf(stderr, "reapcost: bad L or K\n");
        return 2;
    }
    self = getpid();
    raise_nproc();

    int p[2];
    if (pipe(p) < 0) {
        perror("reapcost: pipe");
        return 1;
    }
    pid_t *live = calloc((size_t)want + 1, sizeof *live);
    long made = 0;
    for (; made < want; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "reapcost: note: only %ld of %ld live children could be made: %s\n",
                    made, want, strerror(errno));
            break;
        }
        if (pid == 0) {
            char c;
            close(p[1]);
            while (read(p[0], &c, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        live[made] = pid;
    }
    usleep(100000); /* let the live children settle into read() */

    long long t0 = bench_now_ns();
    for (long i = 0; i < k; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("reapcost: fork");
            if (errno == EAGAIN) { /* out of processes: let reaping catch up */
                usleep(1000);
                i--;
                continue;
            }
            return 1;
        }
        if (pid == 0)
            _exit(0);
        if (self_wait) {
            int st;
            while (waitpid(pid, &st, 0) < 0) {
                if (errno != EINTR) {
                    perror("reapcost: waitpid");
                    return 1;
                }
            }
        }
    }
    long long t1 = bench_now_ns();
    int backlog = unreaped() - (int)made;
    long long drain = drain_to((int)made, 60LL * 1000000000LL);
    int rc = 0;
    if (drain < 0) {
        fprintf(stderr, "reapcost: %d children still unreaped after 60 s\n",
                unreaped() - (int)made);
        rc = 1;
    } else {
        printf("mode=%s live=%ld K=%ld loop_ns=%lld drain_ns=%lld per_child_us=%.2f backlog=%d\n",
               argv[1], made, k, t1 - t0, drain,
               (double)(t1 - t0 + drain) / (double)k / 1000.0, backlog);
    }
    fflush(stdout);

    close(p[1]); /* the live children read EOF and exit */
    if (self_wait) {
        for (long i = 0; i < made; i++)
            while (waitpid(live[i], NULL, 0) < 0 && errno == EINTR)
                ;
    }
    if (drain_to(0, 60LL * 1000000000LL) < 0) {
        fprintf(stderr, "reapcost: %d children left unreaped at exit\n", unreaped());
        rc = 1;
    }
    free(live);
    return rc;
}
