/* cancel_read: pthread_cancel() must still end a thread blocked in a
 * wrapped call, run its cleanup handlers and make join report
 * PTHREAD_CANCELED.
 *
 *   cancel_read
 *
 * For each of read (empty pipe), accept (listening TCP socket on
 * 127.0.0.1, nobody connects) and poll (empty pipe, no timeout): a thread
 * pushes a cleanup handler that sets a flag and blocks in the call; main
 * sleeps 100 ms, cancels it and joins it.  One line per call:
 *   call=read canceled=1 cleanup=1
 * canceled=1: join returned PTHREAD_CANCELED; cleanup=1: the handler ran.
 * Exits 0 when all three lines say 1 and 1, 1 otherwise.
 *
 * Bounded, no signals involved: join waits at most 2 s
 * (pthread_timedjoin_np); a thread still blocked then is woken the plain
 * way (a byte into the pipe, a connection to the listener) and joined
 * again (canceled=0 then); one that still does not end makes the program
 * print "joined=0" for it and exit 1 at once. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

enum which { W_READ, W_ACCEPT, W_POLL };
static const char *const names[] = {"read", "accept", "poll"};

struct job {
	enum which which;
	int fd;                     /* pipe read end or listener */
	struct sockaddr_in addr;    /* the listener's address */
	atomic_int cleanup;         /* set by the cleanup handler */
};

static void cleanup(void *arg)
{
	struct job *j = arg;
	atomic_store(&j->cleanup, 1);
}

static void *blocker(void *arg)
{
	struct job *j = arg;
	char c;
	struct pollfd p = {j->fd, POLLIN, 0};
	pthread_cleanup_push(cleanup, j);
	switch (j->which) {
	case W_READ:
		(void)!read(j->fd, &c, 1);
		break;
	case W_ACCEPT: {
		int a = accept(j->fd, NULL, NULL);
		if (a >= 0)
			close(a);
		break;
	}
	case W_POLL:
		poll(&p, 1, -1);
		break;
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static int timed_join(pthread_t t, void **ret, int secs)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += secs;
	return pthread_timedjoin_np(t, ret, &dl);
}

/* Returns 1 when the thread was canceled and cleaned up. */
static int one(enum which w)
{
	struct job j;
	memset(&j, 0, sizeof j);
	j.which = w;
	int wake = -1; /* pipe write end */
	if (w == W_ACCEPT) {
		if ((j.fd = lo_listen(SOCK_CLOEXEC, 8, &j.addr)) < 0) {
			perror("cancel_read: listener");
			exit(1);
		}
	} else {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("cancel_read: pipe");
			exit(1);
		}
		j.fd = p[0];
		wake = p[1];
	}

	pthread_t t;
	int e = pthread_create(&t, NULL, blocker, &j);
	if (e) {
		fprintf(stderr, "cancel_read: pthread_create: %s\n", strerror(e));
		exit(1);
	}
	struct timespec ms100 = {0, 100000000L};
	while (nanosleep(&ms100, &ms100) < 0 && errno == EINTR)
		;
	pthread_cancel(t);
	void *ret = NULL;
	e = timed_join(t, &ret, 2);
	if (e == ETIMEDOUT) {
		/* still blocked: wake it without signals and try once more */
		if (w == W_ACCEPT) {
			int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (c >= 0) {
				(void)!connect(c, (struct sockaddr *)&j.addr, sizeof j.addr);
				close(c);
			}
		} else {
			(void)!write(wake, "x", 1);
		}
		e = timed_join(t, &ret, 2);
	}
	if (e) {
		printf("call=%s canceled=0 cleanup=%d joined=0\n", names[w], atomic_load(&j.cleanup));
		fflush(stdout);
		_exit(1); /* a thread is stuck on our stack frame: leave now */
	}
	int canceled = ret == PTHREAD_CANCELED;
	int cleaned = atomic_load(&j.cleanup);
	printf("call=%s canceled=%d cleanup=%d\n", names[w], canceled, cleaned);
	fflush(stdout);
	close(j.fd);
	if (wake >= 0)
		close(wake);
	return canceled && cleaned;
}

int main(void)
{
	int ok = 1;
	ok &= one(W_READ);
	ok &= one(W_ACCEPT);
	ok &= one(W_POLL);
	return ok ? 0 : 1;
}
