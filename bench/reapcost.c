/*
 * reapcost.c - the cost of reaping short-lived children while L other
 * children stay alive, to check that it does not grow with L.
 *
 * usage: reapcost MODE L K
 *
 * It first forks L long-lived children that block reading a pipe.  Then,
 * timed with CLOCK_MONOTONIC, one of:
 *
 * fork loop: K children forked one at a time, each _exit(0)s at once;
 *   self        the program reaps each one itself, waitpid(pid) right
 *               after its fork() (the baseline, run without tcpsafe);
 *   none        the program never waits: the fork loop, then the time
 *               until all K have been reaped by someone else (tcpsafe's
 *               SIGCHLD handler).
 *   per child = (fork loop + time until all K are reaped) / K.
 *
 * burst: K children are forked first, untimed, each blocked reading a
 *   second pipe (the gate); the clock starts when the gate is closed, so
 *   that all K exit at once, and stops when all K are reaped: the cost of
 *   exiting and reaping only, without fork;
 *   burst-self  the program waitpid()s each pid, in fork order;
 *   burst-none  the program never waits (tcpsafe's handler reaps).
 *   per child = that time / K.
 *
 * "Reaped" (modes none): the raw kill(pid, 0) system call says ESRCH (a
 * zombie still takes signals; libc's kill() is bypassed, as tcpsafe's
 * kill() answers for pids it has reaped); pids are checked oldest first,
 * sleeping 0.2 ms while the oldest one is not reaped yet; 60 s at most.
 * Prints one line:
 *   mode=M live=L K=K loop_ns=A drain_ns=B per_child_us=U backlog=N
 * (loop_ns: the fork loop, 0 in burst modes; drain_ns: the time after it;
 * backlog: children of the K not reaped when the fork loop ended, or K).
 * Then it closes the pipe, so the live children exit, and reaps them (self
 * modes: waitpid on each pid; none modes: waits until its children list is
 * empty).  RLIMIT_NPROC is raised (to infinity when allowed, else the soft
 * limit to the hard one); if fewer than L children can be made, it says so
 * on stderr and goes on with those ("live=" shows how many).
 * Exit status 0 on success, 1 on an error or time-out, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/helpers/procscan.h"

#define LIMIT_NS (60LL * 1000000000LL)

static pid_t self;

/* Children of our main thread not reaped yet (live or zombie). */
static int unreaped(void)
{
    int n = ps_children_file(self, self, NULL, 0);
    if (n < 0)
        n = ps_scan_children(self, NULL, NULL);
    return n;
}

/* Wait until at most `target` children are left; -1 on time-out.  (Reads
 * the children file: for clean-up only, never timed, as the kernel takes a
 * lock for every entry it lists.) */
static int drain_to(int target)
{
    long long t0 = ps_now_ns();
    while (unreaped() > target) {
        if (ps_now_ns() - t0 > LIMIT_NS)
            return -1;
        usleep(500);
    }
    return 0;
}

/* Gone for good: not even a zombie any more. */
static int reaped(pid_t pid)
{
    return syscall(SYS_kill, pid, 0) < 0 && errno == ESRCH;
}

/* Until every pid in kids is reaped by someone else: 0, or -1 after 60 s. */
static int wait_reaped(const pid_t *kids, long k, long long since)
{
    long next = 0;
    while (next < k) {
        if (reaped(kids[next])) {
            next++;
            continue;
        }
        if (ps_now_ns() - since > LIMIT_NS) {
            fprintf(stderr, "reapcost: %ld children still unreaped after 60 s\n", k - next);
            return -1;
        }
        usleep(200);
    }
    return 0;
}

static int waitpid_all(const pid_t *kids, long k)
{
    for (long i = 0; i < k; i++) {
        while (waitpid(kids[i], NULL, 0) < 0) {
            if (errno != EINTR) {
                perror("reapcost: waitpid");
                return -1;
            }
        }
    }
    return 0;
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

/* fork(), retrying for a while when out of processes. */
static pid_t fork_retry(void)
{
    for (int tries = 0;; tries++) {
        pid_t pid = fork();
        if (pid >= 0 || errno != EAGAIN || tries > 5000)
            return pid;
        usleep(1000);
    }
}

/* A child that blocks until fd reads EOF, then exits 0. */
static void blocked_child(int rfd, int wfd)
{
    char c;
    close(wfd);
    while (read(rfd, &c, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}

int main(int argc, char **argv)
{
    static const char *modes[] = {"self", "none", "burst-self", "burst-none"};
    int mode = -1;
    for (int i = 0; argc == 4 && i < 4; i++)
        if (strcmp(argv[1], modes[i]) == 0)
            mode = i;
    if (mode < 0) {
        fprintf(stderr, "usage: reapcost self|none|burst-self|burst-none L K\n");
        return 2;
    }
    int self_wait = mode == 0 || mode == 2, burst = mode >= 2;
    long want = atol(argv[2]), k = atol(argv[3]);
    if (want < 0 || k <= 0) {
        fprintf(stderr, "reapcost: bad L or K\n");
        return 2;
    }
    self = getpid();
    raise_nproc();

    int p[2], gate[2];
    if (pipe(p) < 0 || pipe(gate) < 0) {
        perror("reapcost: pipe");
        return 1;
    }
    pid_t *live = calloc((size_t)want + 1, sizeof *live);
    pid_t *kids = calloc((size_t)k, sizeof *kids);
    if (!live || !kids) {
        perror("reapcost: calloc");
        return 1;
    }
    long made = 0;
    for (; made < want; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "reapcost: note: only %ld of %ld live children could be made: %s\n",
                    made, want, strerror(errno));
            break;
        }
        if (pid == 0) {
            close(gate[0]);
            close(gate[1]);
            blocked_child(p[0], p[1]);
        }
        live[made] = pid;
    }
    close(p[0]);

    long long t0, t1, t2;
    int backlog, rc = 0;
    if (!burst) {
        usleep(100000); /* let the live children settle into read() */
        t0 = ps_now_ns();
        for (long i = 0; i < k; i++) {
            pid_t pid = fork_retry();
            if (pid < 0) {
                perror("reapcost: fork");
                return 1;
            }
            if (pid == 0)
                _exit(0);
            kids[i] = pid;
            if (self_wait && waitpid_all(&kids[i], 1) < 0)
                return 1;
        }
        t1 = ps_now_ns();
        backlog = 0;
        for (long i = 0; i < k; i++)
            backlog += !reaped(kids[i]);
        if (!self_wait && wait_reaped(kids, k, t1) < 0)
            rc = 1;
        t2 = ps_now_ns();
    } else {
        for (long i = 0; i < k; i++) {
            pid_t pid = fork_retry();
            if (pid < 0) {
                perror("reapcost: fork");
                return 1;
            }
            if (pid == 0) {
                close(p[1]);
                blocked_child(gate[0], gate[1]);
            }
            kids[i] = pid;
        }
        close(gate[0]);
        usleep(200000); /* every child blocked in read() */
        t0 = t1 = ps_now_ns();
        close(gate[1]); /* all K exit now */
        backlog = (int)k;
        if (self_wait ? waitpid_all(kids, k) < 0 : wait_reaped(kids, k, t1) < 0)
            rc = 1;
        t2 = ps_now_ns();
    }
    if (rc == 0)
        printf("mode=%s live=%ld K=%ld loop_ns=%lld drain_ns=%lld per_child_us=%.2f backlog=%d\n",
               argv[1], made, k, t1 - t0, t2 - t1, (double)(t2 - t0) / (double)k / 1000.0,
               backlog);
    fflush(stdout);

    if (!burst)
        close(gate[1]);
    close(p[1]); /* the live children read EOF and exit */
    if (self_wait && waitpid_all(live, made) < 0)
        rc = 1;
    if (drain_to(0) < 0) {
        fprintf(stderr, "reapcost: %d children left unreaped at exit\n", unreaped());
        rc = 1;
    }
    free(live);
    free(kids);
    return rc;
}
