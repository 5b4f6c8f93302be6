/*
 * helper.h - what the small sample programs of the transparency tests
 * share (each program is one .c file plus this and loopback.h): a failure
 * exit that cleans up its child, a monotonic clock, a sleep, a millisecond
 * argument, and a child that sleeps and exits.
 */
#ifndef TS_HELPER_H
#define TS_HELPER_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child that fail() and end_child() kill and reap by pid; 0: none. */
static volatile pid_t h_child;

/* Kill and reap h_child if there is one (async-signal-safe). */
static inline void end_child(void)
{
	pid_t p = h_child;
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		h_child = 0;
	}
}

/* "PROG: what: strerror", exit 1 (a set-up failure). */
static inline void fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
	end_child();
	exit(1);
}

static inline long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Sleeps ms, whatever handlers run meanwhile. */
static inline void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* A command-line number of milliseconds, 1 to 600000, else usage(). */
static inline long arg_ms(const char *s, void (*usage)(void))
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > 600000)
		usage();
	return v;
}

/* A child that sleeps ms and exits 0, and dies with us. */
static inline pid_t sleeper(long ms)
{
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
		nanosleep(&t, NULL);
		_exit(0);
	}
	return pid;
}

#endif
