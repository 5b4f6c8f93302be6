/* zombies: how many zombie children does a process have, and how big is it?
 *
 *   zombies PID          the number of zombie children of PID
 *   zombies --rss PID    VmRSS of PID in kB
 *
 * Prints one integer and a newline on stdout and exits 0.
 *
 * Zombie children are found by scanning /proc/<pid>/stat for processes
 * whose parent (field 4) is PID and whose state (field 3) is 'Z'.  The
 * command name (field 2) is in parentheses and may itself hold spaces and
 * ')', so the fields after it are read from the LAST ')' of the line.
 * Processes that vanish during the scan are skipped.  The count is a
 * snapshot: children that exit or are reaped while the scan runs may or
 * may not be in it.
 *
 * VmRSS comes from the "VmRSS:" line of /proc/PID/status (a zombie has
 * none: that is an error).
 *
 * Exit 1 (message on stderr) if /proc/PID does not exist or cannot be
 * read; exit 2 on a usage error.  Starts nothing, so nothing to reap. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "procscan.h"

static void usage(void)
{
	fputs("usage: zombies PID\n"
	      "       zombies --rss PID\n",
	      stderr);
	exit(2);
}

static void fail(const char *what, const char *arg)
{
	fprintf(stderr, "zombies: %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

static long parse_pid(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		usage();
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 0x3fffffffL)
		usage();
	return v;
}

/* Read a small /proc file into buf (NUL-terminated).  -1 if it is gone. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

static long count_zombies(long parent)
{
	int z = 0;
	ps_scan_children((pid_t)parent, &z, NULL);
	return z;
}

int main(int argc, char **argv)
{
	char path[64], buf[8192];
	long pid;

	if (argc == 2 && argv[1][0] != '-') {
		pid = parse_pid(argv[1]);
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		if (read_small(path, buf, sizeof buf) < 0)
			fail("cannot read", path);
		printf("%ld\n", count_zombies(pid));
		return fflush(stdout) ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--rss")) {
		const char *line;

		pid = parse_pid(argv[2]);
		snprintf(path, sizeof path, "/proc/%ld/status", pid);
		if (read_small(path, buf, sizeof buf) < 0)
			fail("cannot read", path);
		line = strstr(buf, "\nVmRSS:");
		if (!line) {
			fprintf(stderr, "zombies: no VmRSS in %s (a zombie or kernel thread?)\n", path);
			return 1;
		}
		printf("%ld\n", strtol(line + 7, NULL, 10));
		return fflush(stdout) ? 1 : 0;
	}
	usage();
}
