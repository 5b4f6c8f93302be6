/* A daemon that owns every descriptor: it closes 0 .. getdtablesize()-1
 * at start, so its sockets reuse 0, 1 and 2, and it never writes to
 * stderr itself.  Sloppy legacy writer: it writes its whole reply in
 * 64 KiB calls and only counts the failures.
 *
 *   daemonfd MODE RESULT CLIENTS SIZE [ignore]
 *
 * MODE pairs: the listener is fd 0; clients are accepted two at a time,
 *   so they are fds 1 and 2 (the second one where stderr was), and served
 *   one after the other.
 * MODE dup2: the listener moves to fd 10; each client is dup2()ed over
 *   0, 1 and 2 (inetd style), its request read from 0 up to a newline,
 *   its reply written to 1.
 * MODE backlog: like pairs, one client at a time, but nothing is accepted
 *   before the file RESULT.go exists: clients that reset meanwhile are
 *   still handed out by accept(), and only the kernel knows their address.
 * SIZE bytes of reply per client: byte i is 'a' + i % 26.
 * "ignore": SIG_IGN for SIGPIPE, as a careful daemon would; without it
 *   nothing touches SIGPIPE.
 * The port goes into RESULT.port once listening; at the end, RESULT gets
 *   "clients=N failed=F fds=ok|wrong" (F: clients whose reply saw a write
 *   error), exit status 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

#define CHUNK (64 * 1024)

static char chunk[CHUNK + 26];
static long size;
static int fds_wrong;

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		exit(10);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(11);
	close(fd);
}

/* The whole reply, every call made whatever the previous one gave. */
static int serve(int fd)
{
	int failed = 0;
	for (long off = 0; off < size; off += CHUNK) {
		long n = size - off < CHUNK ? size - off : CHUNK;
		if (write(fd, chunk + off % 26, (size_t)n) != n)
			failed = 1;
	}
	return failed;
}

static int accept_at(int lfd, int want)
{
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		exit(12);
	if (want >= 0 && c != want)
		fds_wrong = 1;
	return c;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return 2;
	const char *mode = argv[1], *result = argv[2];
	int clients = atoi(argv[3]);
	size = atol(argv[4]);
	if (argc > 5 && !strcmp(argv[5], "ignore"))
		signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < (int)sizeof chunk; i++)
		chunk[i] = (char)('a' + i % 26);

	for (int fd = 0, max = getdtablesize(); fd < max; fd++)
		close(fd);

	struct sockaddr_in sa;
	int lfd = lo_listen(0, 64, &sa);
	if (lfd < 0)
		return 14;
	if (lfd != 0)
		return 13;
	char text[128], path[4096];
	snprintf(text, sizeof text, "port %d\n", ntohs(sa.sin_port));
	snprintf(path, sizeof path, "%s.port", result);
	put_file(path, text);

	int failed = 0;
	if (!strcmp(mode, "backlog")) {
		snprintf(path, sizeof path, "%s.go", result);
		for (int i = 0; i < 1000 && access(path, F_OK) < 0; i++)
			usleep(10000);
		for (int i = 0; i < clients; i++) {
			int c = accept_at(lfd, 1);
			failed += serve(c);
			close(c);
		}
	} else if (!strcmp(mode, "pairs")) {
		for (int i = 0; i < clients; i += 2) {
			int a = accept_at(lfd, 1);
			int b = i + 1 < clients ? accept_at(lfd, 2) : -1;
			failed += serve(a);
			close(a);
			if (b >= 0) {
				failed += serve(b);
				close(b);
			}
		}
	} else {
		if (dup2(lfd, 10) != 10)
			return 15;
		close(lfd);
		lfd = 10;
		for (int i = 0; i < clients; i++) {
			int c = accept_at(lfd, 0);
			if (dup2(c, 1) != 1 || dup2(c, 2) != 2)
				return 16;
			char ch;
			while (read(0, &ch, 1) == 1 && ch != '\n')
				;
			failed += serve(1);
			close(0);
			close(1);
			close(2);
		}
	}
	close(lfd);
	snprintf(text, sizeof text, "clients=%d failed=%d fds=%s\n", clients, failed,
	         fds_wrong ? "wrong" : "ok");
	put_file(result, text);
	return 0;
}
