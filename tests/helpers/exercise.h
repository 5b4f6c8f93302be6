/* One round of wrapped calls for the edges of a process's life: from a
 * preloaded constructor that runs before tcpsafe's, from atexit and from
 * destructors after tcpsafe's.  Each result goes to stdout with write()
 * (stdio may already be gone at that point), so the test can compare the
 * lines with and without tcpsafe. */
#ifndef TS_EXERCISE_H
#define TS_EXERCISE_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t ex_usr1;
static void ex_on_usr1(int sig) { (void)sig; ex_usr1++; }

static void ex_say(const char *when, const char *what, long v)
{
	char line[256];
	int n = snprintf(line, sizeof line, "%s: %s=%ld\n", when, what, v);
	if (n > 0)
		(void)!write(1, line, (size_t)n);
}

static void exercise(const char *when)
{
	int st = -1;

	/* fork, then wait for that pid; fork, then wait for any child */
	pid_t p = fork();
	if (p == 0)
		_exit(3);
	ex_say(when, "waitpid_status", p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	p = fork();
	if (p == 0)
		_exit(4);
	st = -1;
	ex_say(when, "wait_status", p > 0 && wait(&st) == p && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	errno = 0;
	ex_say(when, "wait_none_echild", waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);

	/* a handler installed, read back, run */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ex_on_usr1;
	ex_usr1 = 0;
	int ok = sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGUSR1, NULL, &old) == 0 &&
	         old.sa_handler == ex_on_usr1 && kill(getpid(), SIGUSR1) == 0 && ex_usr1 == 1;
	ex_say(when, "sigaction_kill", ok);

	/* accept on a non-blocking listener: nothing, then one client */
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ok = l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0 &&
	     getsockname(l, (struct sockaddr *)&a, &al) == 0;
	errno = 0;
	ok = ok && accept(l, NULL, NULL) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok = ok && c >= 0 && connect(c, (struct sockaddr *)&a, sizeof a) == 0;
	int s = -1;
	for (int i = 0; ok && i < 1000 && (s = accept(l, NULL, NULL)) < 0; i++)
		usleep(1000);
	char b = 0;
	ok = ok && s >= 0 && send(c, "k", 1, 0) == 1 && recv(s, &b, 1, 0) == 1 && b == 'k';
	ex_say(when, "accept_send_recv", ok);
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
}

#endif
