/*
 * procscan.h - /proc helpers shared by the benchmark programs (bench/) and
 * the test helpers
 * (measures nothing itself).
 *
 * - ps_children_file(): the pids listed in /proc/PID/task/TID/children
 *   (live and zombie children that thread created and nobody reaped yet).
 * - ps_scan_children(): every process whose parent is PPID, split into
 *   zombies and live ones, found by reading /proc/[0-9]*\/stat.
 * - ps_now_ns(): CLOCK_MONOTONIC in nanoseconds.
 *
 * Everything is a static function: each program is one .c file plus this.
 */
#ifndef TS_PROCSCAN_H
#define TS_PROCSCAN_H

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline long long ps_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Read a whole small /proc file into a malloc'ed, NUL-terminated buffer. */
static inline char *ps_slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            return NULL;
        }
        if (cap - n < 2048) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Count the children listed in /proc/PID/task/TID/children; store up to
 * max of them in out (out may be NULL).  -1 if the file is unavailable
 * (kernel without CONFIG_PROC_CHILDREN). */
static inline int ps_children_file(pid_t pid, pid_t tid, pid_t *out, int max)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)tid);
    char *buf = ps_slurp(path, NULL);
    if (!buf)
        return -1;
    int count = 0;
    for (char *p = buf; *p;) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        long v = strtol(p, &p, 10);
        if (out && count < max)
            out[count] = (pid_t)v;
        count++;
    }
    free(buf);
    return count;
}

/* State and parent of one process from /proc/PID/stat.  0 on success. */
static inline int ps_stat(pid_t pid, char *state, pid_t *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold anything */
    if (!p || p[1] != ' ' || !p[2])
        return -1;
    *state = p[2];
    *ppid = (pid_t)strtol(p + 3, NULL, 10);
    return 0;
}

/* Children of ppid, by scanning all of /proc.  Returns the total count. */
static inline int ps_scan_children(pid_t ppid, int *zombies, int *live)
{
    DIR *d = opendir("/proc");
    int z = 0, l = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            char st;
            pid_t pp;
            if (ps_stat((pid_t)atol(e->d_name), &st, &pp) == 0 && pp == ppid) {
                if (st == 'Z')
                    z++;
                else
                    l++;
            }
        }
        closedir(d);
    }
    if (zombies)
        *zombies = z;
    if (live)
        *live = l;
    return z + l;
}

#endif
