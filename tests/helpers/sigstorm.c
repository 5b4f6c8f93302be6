/* sigstorm: thread and signal stress for blocking I/O, forks and waits.
 *
 *   sigstorm [-t THREADS] [-d MS] [-r RESET] [-i] [-p] [-s SEED]
 *
 * THREADS worker threads (default 32) each connect over loopback to an
 * echo peer of the same process and exchange random chunks (1..16 KiB),
 * written with write() or send() and read back with read() or recv(),
 * checking every byte echoed against what was sent; a connection ends
 * with shutdown(SHUT_WR) and the peer's EOF.  The peers (one thread per
 * worker, all signals blocked) reset a connection at random, one read in
 * RESET (default 64), with SO_LINGER 0 and close().  A worker that sees
 * ECONNRESET or EPIPE counts it and then says goodbye with one more
 * write(), as legacy code does, which on a reset socket fails with EPIPE
 * and raises SIGPIPE.  Meanwhile:
 *  - a sender thread sends SIGUSR1 and SIGUSR2 as fast as it can, to
 *    single workers and the forker (tgkill) and to the process (kill);
 *  - a forker thread forks batches of 8 children that exit after 0-1 ms,
 *    each with its own status (exit codes, every 16th killed by SIGKILL),
 *    and collects each batch with waitpid(pid) in random order, with a
 *    blocking waitpid(-1), or by polling waitpid(-1, WNOHANG); every
 *    status must come back exactly once, right, and then ECHILD;
 *  - SIGUSR1, SIGUSR2 and SIGCHLD have handlers installed with sigaction()
 *    without SA_RESTART, which count their runs.
 * The main thread, the peers, the sender and the watchdog block every
 * signal, so the signals land on the workers and the forker.
 *
 * An EINTR is "expected" when a SIGUSR1 handler ran on the thread during
 * the call (the test lists SIGUSR1 in TCPSAFE_EINTR_PASS), "unexpected"
 * otherwise (only SIGUSR2 or SIGCHLD ran).  Legacy behaviour (default):
 * an unexpected EINTR is fatal ("read error: Interrupted system call",
 * exit 1) and SIGPIPE keeps its default action.
 *   -i  count unexpected EINTRs and retry instead of exiting
 *   -p  set SIGPIPE to SIG_IGN (a program fixed by hand)
 *
 * After MS milliseconds (default 3000) everything stops; workers finish
 * the connection in progress.  The last line on stdout is
 *   result k=v ...
 * with the counts; exit 0 if no byte was lost, duplicated or altered,
 * every child status came back exactly once, every reset a peer made was
 * seen by its worker and nothing unexpected happened; 1 otherwise
 * (message on stderr); 3 if the watchdog found the run hung (MS + 30 s). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

#define MAXT 256
#define CHUNK 16384
#define BATCH 8

static int nthreads = 32, duration_ms = 3000, reset_one_in = 64, tolerant, ignore_pipe;
static unsigned long seed = 1;
static int listenfd, port;
static atomic_int stop, stop_sender, all_done;
static pid_t worker_tid[MAXT + 1];
static atomic_int ntids;

/* counts */
static atomic_ulong h_usr1, h_usr2, h_chld, sent_usr1, sent_usr2;
static atomic_ulong conns, completed, resets, e_connreset, e_epipe, peer_errors, bytes_ok;
static atomic_ulong mismatches, eof_early, eintr_expected, eintr_unexpected, eintr_io_expected;
static atomic_ulong forks, statuses, st_dup, st_lost, st_wrong, st_extra, eintr_wait;
static atomic_ulong peer_resets, connect_resets;

static __thread unsigned long usr1_here; /* SIGUSR1 handler runs on this thread */

static void on_usr1(int sig)
{
	(void)sig;
	usr1_here++;
	atomic_fetch_add(&h_usr1, 1);
}

static void on_usr2(int sig)
{
	(void)sig;
	atomic_fetch_add(&h_usr2, 1);
}

static void on_chld(int sig)
{
	(void)sig;
	atomic_fetch_add(&h_chld, 1);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(err));
	exit(1);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void block_all(void)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* After EINTR: did the SIGUSR1 handler run on this thread since *mark?
 * Returns 1 to retry; an unexpected EINTR is fatal in legacy mode. */
static int eintr_ok(unsigned long *mark, const char *what, int io)
{
	if (usr1_here != *mark) {
		atomic_fetch_add(&eintr_expected, 1);
		if (io)
			atomic_fetch_add(&eintr_io_expected, 1);
	} else {
		atomic_fetch_add(&eintr_unexpected, 1);
		if (!tolerant)
			die(what, EINTR);
	}
	*mark = usr1_here;
	return 1;
}

/* Write all n bytes; 0 or the errno that ended it. */
static int put_all(int fd, const unsigned char *p, size_t n, int use_send)
{
	unsigned long mark = usr1_here;
	while (n > 0) {
		ssize_t w = use_send ? send(fd, p, n, 0) : write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR &&
			    eintr_ok(&mark, use_send ? "send error" : "write error", 1))
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes; 0, -1 on early EOF, or the errno. */
static int get_all(int fd, unsigned char *p, size_t n, int use_recv)
{
	unsigned long mark = usr1_here;
	while (n > 0) {
		ssize_t r = use_recv ? recv(fd, p, n, 0) : read(fd, p, n);
		if (r < 0) {
			if (errno == EINTR &&
			    eintr_ok(&mark, use_recv ? "recv error" : "read error", 1))
				continue;
			return errno;
		}
		if (r == 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A blocking connect that a pass-set signal interrupted goes on in the
 * background: wait for it with poll and read the outcome.  The peer may
 * have accepted and reset the connection meanwhile: then the outcome is
 * ECONNRESET, counted, and -1. */
static int connect_peer(void)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket error", errno);
	unsigned long mark = usr1_here;
	int err = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
		return fd;
	if (errno == EINTR) {
		eintr_ok(&mark, "connect error", 0);
		for (;;) {
			struct pollfd pf = {fd, POLLOUT, 0};
			int r = poll(&pf, 1, -1);
			if (r > 0)
				break;
			if (r < 0 && errno != EINTR)
				die("poll error", errno);
			if (r < 0)
				eintr_ok(&mark, "poll error", 0);
		}
		socklen_t sl = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			die("getsockopt error", errno);
		if (!err)
			return fd;
		/* learnt through SO_ERROR: tcpsafe logs that one too */
		if (err == ECONNRESET)
			atomic_fetch_add(&e_connreset, 1);
	} else {
		err = errno;
		/* connect() itself returned it (reset before the connect woke up,
		 * or tcpsafe's own wait after an interruption): a call returning
		 * ECONNRESET, like read() or write() */
		if (err == ECONNRESET)
			atomic_fetch_add(&e_connreset, 1);
	}
	if (err != ECONNRESET)
		die("connect error", err);
	atomic_fetch_add(&connect_resets, 1);
	close(fd);
	return -1;
}

static void count_net_error(int err, const char *what)
{
	if (err == ECONNRESET)
		atomic_fetch_add(&e_connreset, 1);
	else if (err == EPIPE)
		atomic_fetch_add(&e_epipe, 1);
	else
		die(what, err);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t s = seed * 1000003u + (uint64_t)id * 7919u + 1;
	static __thread unsigned char out[CHUNK], in[CHUNK];
	worker_tid[id] = (pid_t)syscall(SYS_gettid);
	atomic_fetch_add(&ntids, 1);
	while (!atomic_load(&stop)) {
		int fd = connect_peer();
		if (fd < 0)
			continue;
		atomic_fetch_add(&conns, 1);
		int use_sys = (int)(rnd(&s) & 1); /* write/read or send/recv */
		size_t target = 4096 + rnd(&s) % (256 * 1024), done = 0;
		int err = 0;
		while (done < target && !err) {
			size_t n = 1 + rnd(&s) % CHUNK;
			if (n > target - done)
				n = target - done;
			for (size_t i = 0; i < n; i++)
				out[i] = (unsigned char)rnd(&s);
			if ((err = put_all(fd, out, n, use_sys)) != 0)
				break;
			err = get_all(fd, in, n, use_sys);
			if (err == -1) {
				atomic_fetch_add(&eof_early, 1);
				break;
			}
			if (err == 0 && memcmp(in, out, n) != 0)
				atomic_fetch_add(&mismatches, 1);
			if (err == 0)
				done += n;
		}
		if (!err) { /* all echoed: the peer's EOF must follow ours */
			shutdown(fd, SHUT_WR);
			unsigned char c;
			err = get_all(fd, &c, 1, use_sys);
			if (err == 0) {
				atomic_fetch_add(&mismatches, 1); /* a byte too many */
			} else if (err == -1) {
				atomic_fetch_add(&completed, 1);
				atomic_fetch_add(&bytes_ok, done);
				err = 0;
			}
		}
		if (err > 0) {
			atomic_fetch_add(&resets, 1);
			count_net_error(err, use_sys ? "send/recv error" : "write/read error");
			/* legacy goodbye on a dead connection: EPIPE, and SIGPIPE */
			ssize_t w = write(fd, "bye\n", 4);
			if (w < 0)
				count_net_error(errno, "write error");
		}
		close(fd);
	}
	return NULL;
}

/* Echo peer: one connection at a time; resets at random. */
static void *peer(void *arg)
{
	uint64_t s = seed * 2654435761u + (uint64_t)(intptr_t)arg * 104729u + 7;
	unsigned char buf[CHUNK];
	block_all();
	for (;;) {
		int fd = accept(listenfd, NULL, NULL);
		if (fd < 0) {
			if (atomic_load(&all_done))
				return NULL;
			die("accept error", errno);
		}
		for (;;) {
			if (rnd(&s) % (uint64_t)reset_one_in == 0) {
				struct linger lg = {1, 0};
				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
				atomic_fetch_add(&peer_resets, 1);
				break;
			}
			ssize_t r = read(fd, buf, sizeof buf);
			if (r <= 0) {
				if (r < 0)
					atomic_fetch_add(&peer_errors, 1);
				break;
			}
			if (put_all(fd, buf, (size_t)r, 0) != 0) {
				atomic_fetch_add(&peer_errors, 1);
				break;
			}
		}
		close(fd);
	}
}

static void *sender(void *arg)
{
	(void)arg;
	uint64_t s = seed * 31u + 5;
	pid_t me = getpid();
	block_all();
	while (!atomic_load(&stop_sender)) {
		for (int burst = 0; burst < 8; burst++) {
			int n = atomic_load(&ntids);
			int sig = (rnd(&s) & 1) ? SIGUSR1 : SIGUSR2;
			int ok;
			/* one worker, the forker (in waitpid) or the process */
			int i = (int)(rnd(&s) % (uint64_t)(n + 1));
			pid_t to = i < n ? worker_tid[i] : worker_tid[MAXT];
			if (to <= 0 || rnd(&s) % 8 == 0) /* not started yet, or 1 in 8 */
				ok = kill(me, sig) == 0;
			else
				ok = syscall(SYS_tgkill, me, to, sig) == 0;
			if (ok)
				atomic_fetch_add(sig == SIGUSR1 ? &sent_usr1 : &sent_usr2, 1);
		}
		struct timespec t = {0, 20000};
		nanosleep(&t, NULL);
	}
	return NULL;
}

/* One batch of children and their expected statuses. */
struct kid {
	pid_t pid;
	int status; /* as waitpid reports it */
	int got;
};

static void collected(struct kid *k, int n, pid_t pid, int st)
{
	for (int i = 0; i < n; i++)
		if (k[i].pid == pid) {
			if (k[i].got++)
				atomic_fetch_add(&st_dup, 1);
			else if (k[i].status != st)
				atomic_fetch_add(&st_wrong, 1);
			else
				atomic_fetch_add(&statuses, 1);
			return;
		}
	atomic_fetch_add(&st_extra, 1); /* not a child of this batch */
}

static pid_t wait_retrying(pid_t pid, int *st, int opts)
{
	unsigned long mark = usr1_here;
	for (;;) {
		pid_t r = waitpid(pid, st, opts);
		if (r >= 0 || errno != EINTR)
			return r;
		atomic_fetch_add(&eintr_wait, 1);
		eintr_ok(&mark, "waitpid error", 0);
	}
}

static void *forker(void *arg)
{
	(void)arg;
	uint64_t s = seed * 97u + 3;
	unsigned long seq = 0;
	worker_tid[MAXT] = (pid_t)syscall(SYS_gettid);
	for (unsigned long batch = 0; !atomic_load(&stop); batch++) {
		struct kid k[BATCH];
		for (int i = 0; i < BATCH; i++, seq++) {
			long delay_us = (long)(rnd(&s) % 1000);
			int killed = seq % 16 == 15, code = (int)(seq % 251);
			pid_t p = fork();
			if (p < 0)
				die("fork error", errno);
			if (p == 0) {
				struct timespec t = {0, delay_us * 1000};
				nanosleep(&t, NULL);
				if (killed)
					raise(SIGKILL);
				_exit(code);
			}
			k[i].pid = p;
			k[i].status = killed ? SIGKILL : code << 8;
			k[i].got = 0;
			atomic_fetch_add(&forks, 1);
		}
		int st;
		pid_t r;
		switch (batch % 3) {
		case 0: /* by pid, in random order */
			for (int i = BATCH - 1; i > 0; i--) {
				int j = (int)(rnd(&s) % (uint64_t)(i + 1));
				struct kid t = k[i];
				k[i] = k[j];
				k[j] = t;
			}
			for (int i = 0; i < BATCH; i++) {
				r = wait_retrying(k[i].pid, &st, 0);
				if (r != k[i].pid)
					atomic_fetch_add(&st_lost, 1);
				else
					collected(k, BATCH, r, st);
			}
			break;
		case 1: /* any child, blocking */
			for (int i = 0; i < BATCH; i++) {
				r = wait_retrying(-1, &st, 0);
				if (r <= 0)
					atomic_fetch_add(&st_lost, 1);
				else
					collected(k, BATCH, r, st);
			}
			break;
		default: /* any child, polling */
			for (int got = 0; got < BATCH;) {
				r = wait_retrying(-1, &st, WNOHANG);
				if (r > 0) {
					collected(k, BATCH, r, st);
					got++;
				} else if (r < 0) {
					atomic_fetch_add(&st_lost, (unsigned long)(BATCH - got));
					break;
				} else {
					struct timespec t = {0, 200000};
					nanosleep(&t, NULL);
				}
			}
			break;
		}
		for (int i = 0; i < BATCH; i++)
			if (!k[i].got)
				atomic_fetch_add(&st_lost, 1);
		/* nothing more to collect: the batch was all there was */
		r = waitpid(-1, &st, WNOHANG);
		if (!(r < 0 && errno == ECHILD))
			atomic_fetch_add(&st_extra, 1);
	}
	return NULL;
}

static void *watchdog(void *arg)
{
	(void)arg;
	block_all();
	long end = ms_now() + duration_ms + 30000;
	while (!atomic_load(&all_done)) {
		if (ms_now() > end) {
			fprintf(stderr, "watchdog: hung; conns=%lu completed=%lu forks=%lu\n",
			        atomic_load(&conns), atomic_load(&completed), atomic_load(&forks));
			_exit(3);
		}
		struct timespec t = {0, 50000000};
		nanosleep(&t, NULL);
	}
	return NULL;
}

static void handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the legacy mistake */
	if (sigaction(sig, &sa, NULL) < 0)
		die("sigaction error", errno);
}

int main(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "t:d:r:ips:")) != -1) {
		switch (c) {
		case 't': nthreads = atoi(optarg); break;
		case 'd': duration_ms = atoi(optarg); break;
		case 'r': reset_one_in = atoi(optarg); break;
		case 'i': tolerant = 1; break;
		case 'p': ignore_pipe = 1; break;
		case 's': seed = strtoul(optarg, NULL, 10); break;
		default:
			fputs("usage: sigstorm [-t THREADS] [-d MS] [-r RESET] [-i] [-p] [-s SEED]\n",
			      stderr);
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAXT || reset_one_in < 1 || duration_ms < 1)
		return 2;
	handler(SIGUSR1, on_usr1);
	handler(SIGUSR2, on_usr2);
	handler(SIGCHLD, on_chld);
	if (ignore_pipe)
		signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in a;
	if ((listenfd = lo_listen(0, 1024, &a)) < 0)
		die("listen error", errno);
	port = ntohs(a.sin_port);

	/* the rig's own threads are created with every signal blocked; the
	 * workers and the forker unblock them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_t wd, snd, frk, pt[MAXT], wt[MAXT];
	pthread_create(&wd, NULL, watchdog, NULL);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&pt[i], NULL, peer, (void *)(intptr_t)i) != 0)
			die("pthread_create error", EAGAIN);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&wt[i], NULL, worker, (void *)(intptr_t)i) != 0)
			die("pthread_create error", EAGAIN);
	if (pthread_create(&frk, NULL, forker, NULL) != 0)
		die("pthread_create error", EAGAIN);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (pthread_create(&snd, NULL, sender, NULL) != 0)
		die("pthread_create error", EAGAIN);

	long t0 = ms_now();
	struct timespec t = {duration_ms / 1000, (duration_ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(wt[i], NULL);
	pthread_join(frk, NULL);
	atomic_store(&stop_sender, 1);
	pthread_join(snd, NULL);
	/* wake the peers blocked in accept */
	atomic_store(&all_done, 1);
	shutdown(listenfd, SHUT_RDWR);
	for (int i = 0; i < nthreads; i++)
		pthread_join(pt[i], NULL);
	pthread_join(wd, NULL);
	long elapsed = ms_now() - t0;

	printf("result threads=%d ms=%ld conns=%lu completed=%lu resets=%lu peer_resets=%lu "
	       "connect_resets=%lu econnreset=%lu epipe=%lu peer_errors=%lu bytes=%lu "
	       "mismatches=%lu eof_early=%lu eintr_expected=%lu eintr_io=%lu eintr_wait=%lu "
	       "eintr_unexpected=%lu sig_usr1=%lu sig_usr2=%lu sig_chld=%lu sent_usr1=%lu "
	       "sent_usr2=%lu forks=%lu statuses=%lu dup=%lu lost=%lu wrong=%lu extra=%lu\n",
	       nthreads, elapsed, atomic_load(&conns), atomic_load(&completed),
	       atomic_load(&resets), atomic_load(&peer_resets), atomic_load(&connect_resets),
	       atomic_load(&e_connreset), atomic_load(&e_epipe), atomic_load(&peer_errors),
	       atomic_load(&bytes_ok), atomic_load(&mismatches), atomic_load(&eof_early),
	       atomic_load(&eintr_expected), atomic_load(&eintr_io_expected),
	       atomic_load(&eintr_wait), atomic_load(&eintr_unexpected), atomic_load(&h_usr1),
	       atomic_load(&h_usr2), atomic_load(&h_chld), atomic_load(&sent_usr1),
	       atomic_load(&sent_usr2), atomic_load(&forks), atomic_load(&statuses),
	       atomic_load(&st_dup), atomic_load(&st_lost), atomic_load(&st_wrong),
	       atomic_load(&st_extra));
	fflush(stdout);
	int bad = atomic_load(&mismatches) || atomic_load(&eof_early) ||
	          atomic_load(&peer_errors) || atomic_load(&st_dup) || atomic_load(&st_lost) ||
	          atomic_load(&st_wrong) || atomic_load(&st_extra) ||
	          atomic_load(&statuses) != atomic_load(&forks) ||
	          atomic_load(&peer_resets) != atomic_load(&resets) + atomic_load(&connect_resets);
	if (bad)
		fputs("sigstorm: data or statuses went wrong\n", stderr);
	return bad ? 1 : 0;
}
