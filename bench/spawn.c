/*
 * spawn.c - start-up time of a program (e.g. /bin/true) without and with
 * preloaded libraries: the wall-clock time of posix_spawn() + waitpid().
 *
 * usage: spawn N PROG CONFIG...
 *   CONFIG is "-" (no LD_PRELOAD) or a value for LD_PRELOAD.
 * The runs are interleaved (config 1, config 2, ..., config 1, ...), N of
 * each; the child's environment is ours with LD_PRELOAD removed, plus
 * LD_PRELOAD=CONFIG.  spawn itself should run without a preload.
 * Prints one line per config, times in microseconds:
 *   config=I median_us=M min_us=A p90_us=B
 * Exit status 0 on success, 1 if a run failed, 2 on a usage error.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/helpers/procscan.h"

extern char **environ;

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: spawn N PROG CONFIG...\n");
        return 2;
    }
    long n = atol(argv[1]);
    if (n <= 0) {
        fprintf(stderr, "spawn: bad N\n");
        return 2;
    }
    const char *prog = argv[2];
    int nc = argc - 3;

    size_t ne = 0;
    while (environ[ne])
        ne++;
    char ***envs = calloc((size_t)nc, sizeof *envs);
    long long **t = calloc((size_t)nc, sizeof *t);
    for (int c = 0; c < nc; c++) {
        char **e = calloc(ne + 2, sizeof *e);
        size_t j = 0;
        for (size_t i = 0; i < ne; i++)
            if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
                e[j++] = environ[i];
        const char *cfg = argv[3 + c];
        if (strcmp(cfg, "-") != 0) {
            size_t len = strlen(cfg) + 12;
            e[j] = malloc(len);
            snprintf(e[j], len, "LD_PRELOAD=%s", cfg);
            j++;
        }
        e[j] = NULL;
        envs[c] = e;
        t[c] = calloc((size_t)n, sizeof **t);
    }

    char *const args[] = {(char *)prog, NULL};
    for (long i = 0; i < n; i++) {
        for (int c = 0; c < nc; c++) {
            pid_t pid;
            int st;
            long long t0 = ps_now_ns();
            int err = posix_spawn(&pid, prog, NULL, NULL, args, envs[c]);
            if (err) {
                fprintf(stderr, "spawn: %s: %s\n", prog, strerror(err));
                return 1;
            }
            while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR) {
                    perror("spawn: waitpid");
                    return 1;
                }
            t[c][i] = ps_now_ns() - t0;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "spawn: %s failed (status %#x) in config %d\n", prog, st, c + 1);
                return 1;
            }
        }
    }
    for (int c = 0; c < nc; c++) {
        qsort(t[c], (size_t)n, sizeof **t, cmp_ll);
        long long med = n % 2 ? t[c][n / 2] : (t[c][n / 2 - 1] + t[c][n / 2]) / 2;
        printf("config=%d median_us=%.1f min_us=%.1f p90_us=%.1f\n", c + 1, (double)med / 1e3,
               (double)t[c][0] / 1e3, (double)t[c][(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1e3);
    }
    return 0;
}
