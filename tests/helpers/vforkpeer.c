/* A vfork() child shares its parent's memory until it execs or exits, but
 * has its own file table: what it does to its descriptors must not change
 * the peers tcpsafe remembers for the parent's.  The parent has two TCP
 * connections, a and b.  The child dup2()s a onto b's fd number and closes
 * a, as an inetd-style spawner does before exec.  Then both clients reset
 * their connections, so getpeername() no longer works and the log has only
 * what was remembered: a's line must name a's peer, b's line b's.
 * With the argument "clone" the child is made by clone(CLONE_VM) instead,
 * and runs alongside its parent.  Prints "fds A B ports PA PB". */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loopback.h"

static int lport(int fd)
{
	struct sockaddr_in me;
	socklen_t sl = sizeof me;
	getsockname(fd, (struct sockaddr *)&me, &sl);
	return ntohs(me.sin_port);
}

static int s[2];

static int child(void *arg)
{
	(void)arg;
	dup2(s[0], s[1]);
	close(s[0]);
	return 0;
}

int main(int argc, char **argv)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	struct sockaddr_in sa;
	int l = lo_listen(0, 2, &sa);
	if (l < 0)
		return 2;
	int c[2];
	for (int i = 0; i < 2; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c[i], (struct sockaddr *)&sa, sizeof sa) < 0)
			return 3;
		if ((s[i] = accept(l, NULL, NULL)) < 0)
			return 4;
	}
	printf("fds %d %d ports %d %d\n", s[0], s[1], lport(c[0]), lport(c[1]));
	fflush(stdout);
	pid_t pid;
	if (argc > 1 && !strcmp(argv[1], "clone"))
		pid = clone(child, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);
	else if ((pid = vfork()) == 0)
		_exit(child(NULL));
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		return 5;
	struct linger lg = {1, 0}; /* close() sends an RST */
	char ch;
	for (int i = 0; i < 2; i++)
		if (setsockopt(c[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0 || close(c[i]) < 0)
			return 6;
	usleep(50000);
	for (int i = 0; i < 2; i++)
		if (read(s[i], &ch, 1) >= 0)
			return 7;
	return 0;
}
