/* term_accept: a server with the usual SIGTERM shutdown flag.
 *
 *   term_accept            (env TERM_ACCEPT_TIMEOUT=seconds, default 30)
 *
 * The SIGTERM handler (sigaction, flags 0: no SA_RESTART) only sets a
 * flag; the accept loop stops when accept() fails with EINTR and the flag
 * is set, and dies on any other accept() error, as such servers do:
 *
 *   for (;;) {
 *           connfd = accept(listenfd, ...);
 *           if (connfd < 0) {
 *                   if (errno == EINTR && stop) { puts("stopping"); exit(0); }
 *                   err_sys("accept");
 *           }
 *           ...
 *   }
 *
 * Prints "listening on 127.0.0.1:PORT" (flushed) once it listens on an
 * ephemeral port; each client gets "hello\n" and is closed.  "stopping"
 * and exit 0 after SIGTERM; "accept: <strerror>" on stderr and exit 1 on
 * an accept() error (ECONNABORTED and friends kill it without tcpsafe).
 *
 * Bounded: a watchdog child (stdio on /dev/null, dies with the server)
 * SIGKILLs the server after TERM_ACCEPT_TIMEOUT seconds; the server kills
 * and reaps it by pid before it exits. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static volatile sig_atomic_t stop;
static pid_t watchdog = -1;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void reap_watchdog(void)
{
	if (watchdog > 0) {
		kill(watchdog, SIGKILL);
		waitpid(watchdog, NULL, 0);
		watchdog = -1;
	}
}

static void err_sys(const char *what)
{
	int err = errno;
	fprintf(stderr, "%s: %s\n", what, strerror(err));
	reap_watchdog();
	exit(1);
}

static void start_watchdog(int listenfd, unsigned secs)
{
	pid_t server = getpid();
	watchdog = fork();
	if (watchdog < 0)
		err_sys("fork");
	if (watchdog > 0)
		return;
	/* child: hold nothing the test may wait on (pipes, the port) */
	close(listenfd);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != server)
		_exit(0);
	struct timespec ts = {(time_t)secs, 0};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (getppid() == server)
		kill(server, SIGKILL);
	_exit(0);
}

int main(void)
{
	unsigned secs = 30;
	const char *t = getenv("TERM_ACCEPT_TIMEOUT");
	if (t && *t) {
		char *end;
		unsigned long v = strtoul(t, &end, 10);
		if (*end || v == 0 || v > 86400) {
			fprintf(stderr, "term_accept: bad TERM_ACCEPT_TIMEOUT '%s'\n", t);
			return 2;
		}
		secs = (unsigned)v;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		err_sys("sigaction");

	struct sockaddr_in addr;
	int listenfd = lo_listen(SOCK_CLOEXEC, 64, &addr);
	if (listenfd < 0)
		err_sys("listen");

	start_watchdog(listenfd, secs);

	printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
	fflush(stdout);

	for (;;) {
		struct sockaddr_in cli;
		socklen_t clen = sizeof cli;
		int connfd = accept(listenfd, (struct sockaddr *)&cli, &clen);
		if (connfd < 0) {
			if (errno == EINTR && stop) {
				puts("stopping");
				fflush(stdout);
				reap_watchdog();
				exit(0);
			}
			err_sys("accept");
		}
		static const char hello[] = "hello\n";
		if (write(connfd, hello, sizeof hello - 1) < 0)
			err_sys("write");
		close(connfd);
	}
}
