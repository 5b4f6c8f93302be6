/*
 * bounded.c - run one benchmark command with a time limit and leave nothing
 * behind (measures nothing itself; bench/run.sh wraps every run in it).
 *
 * usage: bounded SECS COMMAND [ARGS...]
 *
 * It makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so any
 * process the command leaves orphaned is re-parented here rather than to
 * PID 1 (which, in some containers, never reaps).  It forks and execs
 * COMMAND and waits for it.  After SECS seconds it kills the command by pid
 * with SIGKILL and reports the time-out on stderr.  Once the command is
 * gone, every remaining child (orphans adopted meanwhile, found in
 * /proc/self/task/TID/children or by scanning /proc) is killed by pid and
 * reaped, for 10 s at most.
 * Exit status: the command's (128+N if killed by signal N), 124 on a
 * time-out, 125 if COMMAND could not be started, 2 on a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/helpers/procscan.h"

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

/* Kill (by pid) and reap whatever children are left, for 10 s at most. */
static void sweep(void)
{
    long long deadline = ps_now_ns() + 10LL * 1000000000LL;
    pid_t self = getpid();
    for (;;) {
        int st, n = 0;
        while (waitpid(-1, &st, WNOHANG) > 0)
            ;
        pid_t kids[4096];
        int listed = ps_children_file(self, self, kids, 4096);
        if (listed >= 0) {
            n = listed;
            for (int i = 0; i < n && i < 4096; i++)
                kill(kids[i], SIGKILL);
        } else { /* no children file: scan all of /proc */
            DIR *d = opendir("/proc");
            struct dirent *e;
            while (d && (e = readdir(d)) != NULL) {
                char s;
                pid_t pp, p = (pid_t)atol(e->d_name);
                if (p > 0 && ps_stat(p, &s, &pp) == 0 && pp == self) {
                    kill(p, SIGKILL);
                    n++;
                }
            }
            if (d)
                closedir(d);
        }
        if (n == 0)
            return;
        if (ps_now_ns() > deadline) {
            fprintf(stderr, "bounded: %d children could not be reaped\n", n);
            return;
        }
        usleep(2000);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bounded SECS COMMAND [ARGS...]\n");
        return 2;
    }
    char *end;
    long secs = strtol(argv[1], &end, 10);
    if (*end || secs <= 0) {
        fprintf(stderr, "bounded: bad SECS: %s\n", argv[1]);
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        perror("bounded: PR_SET_CHILD_SUBREAPER (going on)");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);

    int pfd[2]; /* close-on-exec pipe: tells us whether exec worked */
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        perror("bounded: pipe");
        return 125;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("bounded: fork");
        return 125;
    }
    if (pid == 0) {
        close(pfd[0]);
        execvp(argv[2], argv + 2);
        int e = errno;
        if (write(pfd[1], &e, sizeof e) < 0)
            _exit(125);
        _exit(125);
    }
    close(pfd[1]);
    int e = 0;
    if (read(pfd[0], &e, sizeof e) == (ssize_t)sizeof e) {
        fprintf(stderr, "bounded: %s: %s\n", argv[2], strerror(e));
        close(pfd[0]);
        waitpid(pid, NULL, 0);
        return 125;
    }
    close(pfd[0]);

    alarm((unsigned)secs);
    int st = 0, rc = 125;
    for (;;) {
        pid_t w = waitpid(-1, &st, 0);
        if (w == pid) {
            rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (w < 0 && errno == EINTR && timed_out) {
            fprintf(stderr, "bounded: %s: time limit of %ld s reached, killed\n", argv[2], secs);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            rc = 124;
            break;
        }
        if (w < 0 && errno == ECHILD)
            break;
        /* w > 0: an adopted orphan, now reaped */
    }
    alarm(0);
    sweep();
    return rc;
}
