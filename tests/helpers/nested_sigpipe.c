/* nested_sigpipe: writes to a reset TCP connection while another thread
 * keeps sending the writer a signal that has a handler.
 *
 *   nested_sigpipe SIGNUM [MS]
 *
 * A loopback connection is reset by its peer (SO_LINGER 0); the main
 * thread then writes one byte at a time on it for MS milliseconds
 * (default 1000) or 200,000 writes: the first write returns ECONNRESET,
 * every later one EPIPE and raises SIGPIPE, which nobody handles (SIG_DFL:
 * an unprotected program dies).  Meanwhile a second thread sends SIGNUM to
 * the main thread with tgkill() as fast as it can; SIGNUM's handler
 * (SA_RESTART) only counts.  When SIGNUM is pending as a write returns,
 * the kernel delivers both signals at once; for a SIGNUM below SIGPIPE's
 * number (SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2) SIGNUM's frame is
 * built first and SIGPIPE interrupts the very first instruction of its
 * handler, not the write.
 *
 * Prints "writes=W epipe=E handled=H" and exits 0 if it was not killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static atomic_int stop;
static pid_t writer;
static atomic_ulong handled;

static void on_sig(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void *sender(void *arg)
{
	int sig = (int)(long)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&stop))
		syscall(SYS_tgkill, getpid(), writer, sig);
	return NULL;
}

static long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void fail(const char *what)
{
	fprintf(stderr, "nested_sigpipe: %s: %s\n", what, strerror(errno));
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: nested_sigpipe SIGNUM [MS]\n", stderr);
		return 2;
	}
	int sig = atoi(argv[1]);
	long ms = argc > 2 ? atol(argv[2]) : 1000;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, NULL) < 0)
		fail("sigaction");

	/* a loopback connection, reset by the accepted side */
	struct sockaddr_in a;
	int l = lo_listen(0, 1, &a), c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
		fail("connection");
	int s = accept(l, NULL, NULL);
	if (s < 0)
		fail("accept");
	struct linger lg = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(s);
	usleep(10000); /* the RST arrives */

	writer = (pid_t)syscall(SYS_gettid);
	pthread_t t;
	if (pthread_create(&t, NULL, sender, (void *)(long)sig) != 0)
		fail("pthread_create");
	long end = ms_now() + ms, writes = 0, epipe = 0;
	while (writes < 200000 && (writes & 1023 || ms_now() < end)) {
		if (write(c, "x", 1) < 0 && errno == EPIPE)
			epipe++;
		writes++;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("writes=%ld epipe=%ld handled=%lu\n", writes, epipe, atomic_load(&handled));
	return 0;
}
