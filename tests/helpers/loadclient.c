/* loadclient: many short connections to an echo server, some reset.
 *
 *   loadclient [-c COUNT] [-j PARALLEL] [-r RESET] [-s SEED] [-b SRC] HOST PORT
 *
 * PARALLEL threads (default 16) share COUNT connections (default 1000).
 * A normal connection sends 1..8192 random bytes, reads the echo back,
 * checks it byte for byte and closes.  Every RESET-th connection (default
 * 10; 0 = none) is reset while the server writes: with a small receive
 * buffer and MSS it sends up to 256 KiB (what fits) without reading, waits
 * until the echo has stopped filling its receive queue (the server is then
 * blocked writing the rest), and closes with SO_LINGER 0: an RST.  The server never gets an
 * EOF on such a connection, so it sees exactly one error on it: the
 * pending ECONNRESET, or EPIPE.
 *
 * -b SRC connects from that loopback address (e.g. 127.0.0.2), so that the
 * server's log lines about these clients can be told from anybody else's.
 *
 * Prints "done ok=N reset=N failed=N mismatch=N bytes=N ms=N" and exits 0
 * if every normal connection was echoed exactly, 1 otherwise (the first
 * errors on stderr).  Loopback only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXLEN 8192
#define RESET_SEND (256 * 1024)

static long count = 1000, reset_every = 10;
static int parallel = 16;
static unsigned long seed = 1;
static struct sockaddr_in srv, src;
static atomic_long next_conn, ok, resets, failed, mismatch, bytes;

static long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void fail(long k, const char *what, int err)
{
	if (atomic_fetch_add(&failed, 1) < 5)
		fprintf(stderr, "connection %ld: %s: %s\n", k, what, err ? strerror(err) : "");
}

/* connect, retried a few times if the backlog is momentarily full */
static int dial(long k, int small)
{
	for (int tries = 0; tries < 50; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			fail(k, "socket", errno);
			return -1;
		}
		if (src.sin_family) { /* the port is chosen at connect, by 4-tuple */
			int one = 1;
			setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
			if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
				fail(k, "bind", errno);
				close(fd);
				return -1;
			}
		}
		if (small) { /* a small window, and small segments so that the
			      * server's send buffer (sized from the MSS) fills fast */
			int v = 1024;
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
			setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof v);
		}
		if (connect(fd, (struct sockaddr *)&srv, sizeof srv) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != ECONNREFUSED && e != EAGAIN && e != ETIMEDOUT) {
			fail(k, "connect", e);
			return -1;
		}
		usleep(20000);
	}
	fail(k, "connect: gave up", 0);
	return -1;
}

static void normal(long k, uint64_t *s)
{
	unsigned char out[MAXLEN], in[MAXLEN];
	size_t n = 1 + rnd(s) % MAXLEN, got = 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)rnd(s);
	int fd = dial(k, 0);
	if (fd < 0)
		return;
	for (size_t sent = 0; sent < n;) {
		ssize_t w = send(fd, out + sent, n - sent, MSG_NOSIGNAL);
		if (w < 0) {
			fail(k, "send", errno);
			close(fd);
			return;
		}
		sent += (size_t)w;
	}
	while (got < n) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 20000) <= 0) {
			fail(k, "no echo within 20 s", 0);
			close(fd);
			return;
		}
		ssize_t r = recv(fd, in + got, n - got, 0);
		if (r <= 0) {
			fail(k, r ? "recv" : "recv: early EOF", r ? errno : 0);
			close(fd);
			return;
		}
		got += (size_t)r;
	}
	if (memcmp(in, out, n) != 0)
		atomic_fetch_add(&mismatch, 1);
	else
		atomic_fetch_add(&ok, 1);
	atomic_fetch_add(&bytes, (long)n);
	close(fd);
}

static void reset_one(long k)
{
	static const char junk[RESET_SEND];
	int fd = dial(k, 1);
	if (fd < 0)
		return;
	/* non-blocking: whatever fits, the server may stop reading */
	ssize_t w = send(fd, junk, sizeof junk, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w <= 0) {
		fail(k, "send", w < 0 ? errno : 0);
		close(fd);
		return;
	}
	/* wait (up to 2 s) until the echo stops growing our receive queue:
	 * the server is then blocked in write() */
	int last = -1, queued = 0;
	for (int i = 0; i < 200; i++) {
		if (ioctl(fd, FIONREAD, &queued) < 0)
			break;
		if (queued > 0 && queued == last)
			break;
		last = queued;
		usleep(queued > 0 ? 2000 : 10000);
	}
	struct linger lg = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	atomic_fetch_add(&resets, 1);
}

static void *runner(void *arg)
{
	uint64_t s = seed * 6364136223846793005ull +
	             (uint64_t)(intptr_t)arg * 1442695040888963407ull + 1;
	for (;;) {
		long k = atomic_fetch_add(&next_conn, 1);
		if (k >= count)
			return NULL;
		if (reset_every > 0 && k % reset_every == reset_every - 1)
			reset_one(k);
		else
			normal(k, &s);
	}
}

int main(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "c:j:r:s:b:")) != -1) {
		switch (c) {
		case 'b':
			src.sin_family = AF_INET;
			if (inet_pton(AF_INET, optarg, &src.sin_addr) != 1 ||
			    (ntohl(src.sin_addr.s_addr) >> 24) != 127)
				goto usage;
			break;
		case 'c': count = atol(optarg); break;
		case 'j': parallel = atoi(optarg); break;
		case 'r': reset_every = atol(optarg); break;
		case 's': seed = strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || parallel < 1 || parallel > 1024 || count < 0 || reset_every < 0)
		goto usage;
	memset(&srv, 0, sizeof srv);
	srv.sin_family = AF_INET;
	srv.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &srv.sin_addr) != 1 ||
	    (ntohl(srv.sin_addr.s_addr) >> 24) != 127)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	long t0 = ms_now();
	pthread_t t[1024];
	for (int i = 0; i < parallel; i++)
		if (pthread_create(&t[i], NULL, runner, (void *)(intptr_t)i) != 0) {
			fputs("loadclient: pthread_create failed\n", stderr);
			return 1;
		}
	for (int i = 0; i < parallel; i++)
		pthread_join(t[i], NULL);
	printf("done ok=%ld reset=%ld failed=%ld mismatch=%ld bytes=%ld ms=%ld\n",
	       atomic_load(&ok), atomic_load(&resets), atomic_load(&failed),
	       atomic_load(&mismatch), atomic_load(&bytes), ms_now() - t0);
	return atomic_load(&failed) || atomic_load(&mismatch) ? 1 : 0;
usage:
	fputs("usage: loadclient [-c COUNT] [-j PARALLEL] [-r RESET] [-s SEED] [-b SRC] HOST PORT\n",
	      stderr);
	return 2;
}
