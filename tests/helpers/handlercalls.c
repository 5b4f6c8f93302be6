/* Wrapped calls from the program's own signal handlers, at a high rate.
 *
 *   handlercalls PIPES PINGS CHILDREN
 *
 * Handlers (no SA_RESTART, every signal masked while one runs):
 * - SIGPIPE, raised PIPES times by writes into a socket whose peer is
 *   closed: accept() on a non-blocking listener (main connected one client
 *   just before), close() it, send() and recv() one byte over a
 *   socketpair, sigaction() read-back of SIGURG;
 * - SIGCHLD, from CHILDREN short-lived children and the pinger:
 *   waitpid(-1, WNOHANG) until nothing is left, kill(getpid(), 0);
 * - SIGUSR1, sent PINGS times by a child (the pinger) that waits for each
 *   answer: read() the byte it sent, sigaction() toggling SIGURG between
 *   two handlers (checking the old one), and answer by write() into a pipe
 *   or by kill(pinger, SIGUSR2), in turn.
 * Main meanwhile forks, connects, writes, and toggles SIGURG itself (with
 * those signals blocked, as a correct program must).
 * Prints one line of counts, all determined by the arguments, and exits
 * 0; the same with and without tcpsafe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static int lfd, sp[2], dead[2], cmd[2], ack[2];
static pid_t pinger;
static volatile sig_atomic_t pipes, accepted, eagain, echoed, urg_ok, urg_bad;
static volatile sig_atomic_t reaped, status_sum, kill_ok, pings, ping_bad;
static void (*volatile urg_cur)(int);

static void urg_a(int sig) { (void)sig; }
static void urg_b(int sig) { (void)sig; }

/* Swap SIGURG's handler, checking the old one is the last one set. */
static void toggle_urg(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = urg_cur == urg_a ? urg_b : urg_a;
	if (sigaction(SIGURG, &sa, &old) == 0 && old.sa_handler == urg_cur)
		urg_ok++;
	else
		urg_bad++;
	urg_cur = sa.sa_handler;
}

static void on_pipe(int sig)
{
	(void)sig;
	int e = errno;
	char b;
	struct sigaction q;
	pipes++;
	int c = accept(lfd, NULL, NULL);
	if (c >= 0) {
		accepted++;
		close(c);
	} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		eagain++;
	}
	if (send(sp[0], "p", 1, MSG_DONTWAIT) == 1 && recv(sp[1], &b, 1, MSG_DONTWAIT) == 1 && b == 'p')
		echoed++;
	if (sigaction(SIGURG, NULL, &q) == 0 && q.sa_handler == urg_cur)
		urg_ok++;
	else
		urg_bad++;
	errno = e;
}

static void on_chld(int sig)
{
	(void)sig;
	int e = errno, st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		reaped++;
		status_sum += WIFEXITED(st) ? WEXITSTATUS(st) : 1000;
	}
	if (kill(getpid(), 0) == 0)
		kill_ok++;
	errno = e;
}

static void on_usr1(int sig)
{
	(void)sig;
	int e = errno;
	char b;
	if (read(cmd[0], &b, 1) != 1 || b != 'x')
		ping_bad++;
	toggle_urg();
	if (pings++ % 2 == 0) {
		if (write(ack[1], "a", 1) != 1)
			ping_bad++;
	} else if (pinger <= 0 || kill(pinger, SIGUSR2) < 0) { /* never kill(0, ...) */
		ping_bad++;
	}
	errno = e;
}

static volatile sig_atomic_t got_usr2;
static void on_usr2(int sig) { (void)sig; got_usr2 = 1; }

/* The pinger: PINGS round trips, answered in turn through the pipe and
 * by SIGUSR2.  Exits 7, or 8 if an answer never came. */
static void pinger_main(int n)
{
	sigset_t usr2, old;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old);
	sigdelset(&old, SIGUSR2);
	pid_t parent = getppid();
	for (int i = 0; i < n; i++) {
		got_usr2 = 0;
		if (write(cmd[1], "x", 1) != 1 || kill(parent, SIGUSR1) < 0)
			_exit(9);
		if (i % 2 == 0) {
			char b;
			struct pollfd p = {ack[0], POLLIN, 0};
			if (poll(&p, 1, 10000) != 1 || read(ack[0], &b, 1) != 1)
				_exit(8);
		} else {
			struct timespec ts = {10, 0};
			sigset_t only;
			sigemptyset(&only);
			sigaddset(&only, SIGUSR2);
			/* blocked since before the kill: it waits for us here */
			if (sigtimedwait(&only, NULL, &ts) != SIGUSR2)
				_exit(8);
		}
	}
	_exit(7);
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: hostile on purpose */
	if (sigaction(sig, &sa, NULL) < 0)
		exit(20);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int npipes = atoi(argv[1]), npings = atoi(argv[2]), nchildren = atoi(argv[3]);
	struct sockaddr_in sa;
	if ((lfd = lo_listen(SOCK_NONBLOCK, 64, &sa)) < 0)
		return 3;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, dead) < 0 ||
	    pipe(cmd) < 0 || pipe(ack) < 0)
		return 4;
	close(dead[1]); /* writes into dead[0] now fail with EPIPE and raise SIGPIPE */

	struct sigaction sa0;
	memset(&sa0, 0, sizeof sa0);
	sa0.sa_handler = urg_a;
	sigaction(SIGURG, &sa0, NULL);
	urg_cur = urg_a;
	handle(SIGPIPE, on_pipe);
	handle(SIGCHLD, on_chld);
	handle(SIGUSR1, on_usr1);
	handle(SIGUSR2, on_usr2);

	sigset_t ours, old;
	sigemptyset(&ours);
	sigaddset(&ours, SIGCHLD);
	sigaddset(&ours, SIGUSR1);
	sigaddset(&ours, SIGPIPE);

	/* no ping may be answered before we know the pinger's pid */
	sigprocmask(SIG_BLOCK, &ours, &old);
	pid_t pp = fork();
	if (pp < 0)
		return 5;
	if (pp == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		pinger_main(npings);
	}
	pinger = pp;
	sigprocmask(SIG_SETMASK, &old, NULL);

	int wrote_epipe = 0, forked = 0;
	for (int i = 0; i < npipes || forked < nchildren; i++) {
		if (forked < nchildren && i % 8 == 0) {
			pid_t c = fork();
			if (c == 0)
				_exit(forked % 200);
			if (c < 0)
				return 5;
			forked++;
		}
		if (i < npipes) {
			/* a connection for the handler's accept; connect and the toggle
			 * with our signals blocked, as a careful program does */
			sigprocmask(SIG_BLOCK, &ours, &old);
			int c = socket(AF_INET, SOCK_STREAM, 0);
			int ok = c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof sa) == 0;
			if (i % 16 == 0)
				toggle_urg();
			sigprocmask(SIG_SETMASK, &old, NULL);
			if (!ok)
				return 6;
			/* the handler runs as this write returns */
			if (write(dead[0], "x", 1) < 0 && errno == EPIPE)
				wrote_epipe++;
			close(c);
		}
	}

	/* every child, the pinger too, is reaped by the SIGCHLD handler */
	sigset_t none;
	sigemptyset(&none);
	long deadline = now_ms() + 20000;
	sigprocmask(SIG_BLOCK, &ours, &old);
	while (reaped < nchildren + 1 && now_ms() < deadline) {
		struct timespec ten = {0, 10000000L};
		ppoll(NULL, 0, &ten, &none);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = 0;
	int echild = waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;

	int expect_sum = 7;
	for (int i = 0; i < nchildren; i++)
		expect_sum += i % 200;
	printf("epipe=%d pipes=%d accepted=%d eagain=%d echoed=%d urg_ok=%d urg_bad=%d\n",
	       wrote_epipe, (int)pipes, (int)accepted, (int)eagain, (int)echoed, (int)urg_ok,
	       (int)urg_bad);
	printf("pings=%d ping_bad=%d reaped=%d status_sum=%d expect_sum=%d kill_ok=%s echild=%d\n",
	       (int)pings, (int)ping_bad, (int)reaped, (int)status_sum, expect_sum,
	       kill_ok > 0 ? "yes" : "no", echild);
	return 0;
}
