/* pthread_cancel on threads blocked in wrapped calls under hostile
 * conditions that cancel_read.c does not cover: a read hammered by a
 * signal whose handler has no SA_RESTART (the thread retries EINTR itself
 * without tcpsafe; tcpsafe restarts or retries it), a recv on a socket
 * with SO_RCVTIMEO (a timeout-and-retry loop), and the wait family with a
 * live child (waitpid for it, waitpid(-1), wait).
 *
 *   cancel_more
 *
 * One line per case: "call=NAME canceled=1 cleanup=1", exit 0 when all
 * say 1 and 1.  A thread still blocked 3 s after the cancel prints
 * joined=0 and the program leaves at once with status 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum which { W_READ_EINTR, W_RECV_TIMEO, W_WAITPID_PID, W_WAITPID_ANY, W_WAIT };
static const char *const names[] = {"read_eintr", "recv_timeo", "waitpid_pid", "waitpid_any",
                                    "wait"};

struct job {
	enum which which;
	int fd;
	pid_t child;
	atomic_int cleanup, started;
};

static atomic_long usr1_seen;
static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&usr1_seen, 1);
}

static void cleanup(void *arg) { atomic_store(&((struct job *)arg)->cleanup, 1); }

static void *blocker(void *arg)
{
	struct job *j = arg;
	char c;
	int st;
	pthread_cleanup_push(cleanup, j);
	atomic_store(&j->started, 1);
	switch (j->which) {
	case W_READ_EINTR: /* a legacy loop: EINTR means try again */
		while (read(j->fd, &c, 1) < 0 && errno == EINTR)
			;
		break;
	case W_RECV_TIMEO: /* the timeout is only a chance to look around */
		while (recv(j->fd, &c, 1, 0) < 0 && (errno == EAGAIN || errno == EINTR))
			;
		break;
	case W_WAITPID_PID:
		waitpid(j->child, &st, 0);
		break;
	case W_WAITPID_ANY:
		waitpid(-1, &st, 0);
		break;
	case W_WAIT:
		wait(&st);
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

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, ms % 1000 * 1000000L};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int one(enum which w)
{
	struct job j;
	int sv[2] = {-1, -1};
	memset(&j, 0, sizeof j);
	j.which = w;
	j.fd = -1;
	if (w == W_READ_EINTR || w == W_RECV_TIMEO) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			exit(2);
		j.fd = sv[0];
		if (w == W_RECV_TIMEO) {
			struct timeval tv = {0, 20000};
			setsockopt(j.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		}
	} else {
		j.child = fork();
		if (j.child < 0)
			exit(2);
		if (j.child == 0) {
			sleep_ms(30000);
			_exit(0);
		}
	}

	pthread_t t;
	if (pthread_create(&t, NULL, blocker, &j))
		exit(2);
	while (!atomic_load(&j.started))
		sleep_ms(1);
	/* 100 ms blocked; in the EINTR case under a signal every 2 ms */
	for (int i = 0; i < 50; i++) {
		if (w == W_READ_EINTR)
			pthread_kill(t, SIGUSR1);
		sleep_ms(2);
	}
	pthread_cancel(t);
	void *ret = NULL;
	int e = timed_join(t, &ret, 3);
	if (e) {
		printf("call=%s canceled=0 cleanup=%d joined=0\n", names[w], atomic_load(&j.cleanup));
		fflush(stdout);
		if (j.child > 0)
			kill(j.child, SIGKILL);
		_exit(1);
	}
	int canceled = ret == PTHREAD_CANCELED, cleaned = atomic_load(&j.cleanup);
	printf("call=%s canceled=%d cleanup=%d\n", names[w], canceled, cleaned);
	fflush(stdout);
	if (j.child > 0) { /* the child must still be there for us to reap */
		int st = 0;
		kill(j.child, SIGKILL);
		if (waitpid(j.child, &st, 0) != j.child || !WIFSIGNALED(st)) {
			printf("call=%s child status lost\n", names[w]);
			return 0;
		}
	}
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return canceled && cleaned;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	int ok = 1;
	for (int w = W_READ_EINTR; w <= W_WAIT; w++)
		ok &= one((enum which)w);
	printf("usr1_delivered=%s\n", atomic_load(&usr1_seen) > 0 ? "yes" : "no");
	return ok ? 0 : 1;
}
