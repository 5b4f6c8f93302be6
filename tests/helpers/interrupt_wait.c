/* interrupt_wait: how does a blocking call react to signals?
 *
 *   interrupt_wait CALL MODE [TIMEOUT_MS]
 *
 * CALL: poll ppoll select pselect epoll_wait epoll_pwait nanosleep
 *       clock_nanosleep usleep read pause sigsuspend sigtimedwait
 *       sigwaitinfo
 * MODE: usr1  a child sends SIGUSR1 every 50 ms for 2*TIMEOUT_MS; a
 *             SIGUSR1 handler (sigaction flags 0, no SA_RESTART) counts;
 *       stop  the child sends SIGSTOP at 100 ms and SIGCONT 20 ms later
 *             (no handler involved);
 *       alrm  setitimer(ITIMER_REAL) one shot at 100 ms; a SIGALRM handler
 *             (flags 0) counts.
 * TIMEOUT_MS: default 500.
 *
 * The calls with a timeout wait TIMEOUT_MS (poll/select/epoll: for the
 * read end of an empty pipe to become readable).  read has no timeout: it
 * blocks on the empty pipe and the child writes one byte into it at
 * TIMEOUT_MS, so it returns 1 then.  pause and sigsuspend only return when
 * a handler has run; in stop mode the child sends SIGUSR1 (handler
 * installed for them) at TIMEOUT_MS as their way out.
 *
 * sigtimedwait and sigwaitinfo wait for SIGUSR2, which is blocked in the
 * process mask and otherwise never sent, while the mode's signal stays
 * unblocked: its handler interrupts them.  sigtimedwait gives up after
 * TIMEOUT_MS (EAGAIN); sigwaitinfo has no timeout, so the child sends
 * SIGUSR2 at TIMEOUT_MS as its way out (ret=12 then).
 *
 * ppoll, pselect, epoll_pwait and sigsuspend are used the way they are
 * meant to be: the mode's signal (SIGUSR1 or SIGALRM) is blocked in the
 * process mask and only unblocked by the mask given to the call.
 * clock_nanosleep returns an error number instead of setting errno; it is
 * printed like the others (ret=-1 errno=EINTR).
 *
 * INTERRUPT_WAIT_FD=socket uses a connected AF_UNIX socketpair instead of
 * the pipe (the default is INTERRUPT_WAIT_FD=pipe).
 *
 * Prints exactly one line and exits 0:
 *   call=CALL ret=R errno=NAME elapsed_ms=N handled=K
 * NAME is the errno name, 0 when ret >= 0; K is how many times a handler
 * ran between the start of the call and its return.  Exit 2: usage; exit
 * 1: set-up failure.  The child is killed and reaped by pid before exit.
 * Bounded: if the call has not returned after 3*TIMEOUT_MS + 2000 ms, the
 * child says so on stderr and SIGKILLs this process (no line printed). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum call {
	K_POLL, K_PPOLL, K_SELECT, K_PSELECT, K_EPOLL_WAIT, K_EPOLL_PWAIT, K_NANOSLEEP,
	K_CLOCK_NANOSLEEP, K_USLEEP, K_READ, K_PAUSE, K_SIGSUSPEND, K_SIGTIMEDWAIT, K_SIGWAITINFO,
	K__COUNT
};
static const char *const call_names[K__COUNT] = {
	"poll",      "ppoll",           "select", "pselect", "epoll_wait", "epoll_pwait",
	"nanosleep", "clock_nanosleep", "usleep", "read",    "pause",      "sigsuspend",
	"sigtimedwait", "sigwaitinfo"};

enum mode { M_USR1, M_STOP, M_ALRM };

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ms_ts(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	return ts;
}

static void fail(const char *what)
{
	fprintf(stderr, "interrupt_wait: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fputs("usage: interrupt_wait CALL MODE [TIMEOUT_MS]\n"
	      "  CALL: poll ppoll select pselect epoll_wait epoll_pwait nanosleep\n"
	      "        clock_nanosleep usleep read pause sigsuspend sigtimedwait\n"
	      "        sigwaitinfo\n"
	      "  MODE: usr1 stop alrm\n",
	      stderr);
	exit(2);
}

/* ---- the child: signals on schedule, then the watchdog ------------------- */

struct schedule {
	long usr1_every_until; /* usr1 mode: 2*TIMEOUT_MS; 0: none */
	long stop_at, cont_at; /* stop mode; 0: none */
	long usr1_once_at;     /* stop mode, pause/sigsuspend; 0: none */
	long write_at;         /* read: one byte into the pipe; 0: none */
	long usr2_at;          /* sigwaitinfo: the signal it waits for; 0: none */
	long kill_at;          /* watchdog */
};

static void sleep_until(long long t0, long ms)
{
	long long t = t0 + (long long)ms * 1000000LL;
	struct timespec ts = {(time_t)(t / 1000000000LL), (long)(t % 1000000000LL)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void say(const char *s)
{
	(void)!write(2, s, strlen(s));
}

static void child(const struct schedule *s, pid_t parent, int syncfd, int wfd, const char *callname)
{
	long long t0;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent sends its start time when it is about to make the call */
	if (read(syncfd, &t0, sizeof t0) != (ssize_t)sizeof t0)
		_exit(0);
	long next_usr1 = s->usr1_every_until ? 50 : 0;
	int stopped = 0, conted = 0, usr1_once = 0, written = 0, usr2 = 0;
	for (;;) {
		if (getppid() != parent)
			_exit(0);
		long at = s->kill_at;
		int what = 0; /* 0 kill, 1 usr1 tick, 2 stop, 3 cont, 4 usr1 once, 5 write,
		               * 6 usr2 */
		if (next_usr1 && next_usr1 <= s->usr1_every_until && next_usr1 < at)
			at = next_usr1, what = 1;
		if (s->stop_at && !stopped && s->stop_at < at)
			at = s->stop_at, what = 2;
		if (s->cont_at && !conted && s->cont_at < at)
			at = s->cont_at, what = 3;
		if (s->usr1_once_at && !usr1_once && s->usr1_once_at < at)
			at = s->usr1_once_at, what = 4;
		if (s->write_at && !written && s->write_at < at)
			at = s->write_at, what = 5;
		if (s->usr2_at && !usr2 && s->usr2_at < at)
			at = s->usr2_at, what = 6;
		sleep_until(t0, at);
		if (getppid() != parent)
			_exit(0);
		switch (what) {
		case 0:
			say("interrupt_wait: watchdog: ");
			say(callname);
			say(" did not return in time; killing it\n");
			kill(parent, SIGKILL);
			_exit(0);
		case 1:
			kill(parent, SIGUSR1);
			next_usr1 += 50;
			break;
		case 2:
			kill(parent, SIGSTOP);
			stopped = 1;
			break;
		case 3:
			kill(parent, SIGCONT);
			conted = 1;
			break;
		case 4:
			kill(parent, SIGUSR1);
			usr1_once = 1;
			break;
		case 5:
			(void)!write(wfd, "x", 1);
			written = 1;
			break;
		case 6:
			kill(parent, SIGUSR2);
			usr2 = 1;
			break;
		}
	}
}

/* ---- the calls ------------------------------------------------------------- */

struct result {
	long ret;
	int err;
};

/* what sigtimedwait and sigwaitinfo wait for: SIGUSR2 */
static sigset_t usr2set;

static struct result run_call(enum call k, long tmo, int rfd, int epfd, const sigset_t *callmask)
{
	struct result r = {0, 0};
	struct pollfd pfd = {rfd, POLLIN, 0};
	struct timespec ts = ms_ts(tmo), rem;
	struct timeval tv = {tmo / 1000, (tmo % 1000) * 1000};
	struct epoll_event ev;
	fd_set rs;
	char c;
	FD_ZERO(&rs);
	FD_SET(rfd, &rs);
	errno = 0;
	switch (k) {
	case K_POLL:
		r.ret = poll(&pfd, 1, (int)tmo);
		break;
	case K_PPOLL:
		r.ret = ppoll(&pfd, 1, &ts, callmask);
		break;
	case K_SELECT:
		r.ret = select(rfd + 1, &rs, NULL, NULL, &tv);
		break;
	case K_PSELECT:
		r.ret = pselect(rfd + 1, &rs, NULL, NULL, &ts, callmask);
		break;
	case K_EPOLL_WAIT:
		r.ret = epoll_wait(epfd, &ev, 1, (int)tmo);
		break;
	case K_EPOLL_PWAIT:
		r.ret = epoll_pwait(epfd, &ev, 1, (int)tmo, callmask);
		break;
	case K_NANOSLEEP:
		r.ret = nanosleep(&ts, &rem);
		break;
	case K_CLOCK_NANOSLEEP: {
		int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem);
		r.ret = e ? -1 : 0;
		errno = e;
		break;
	}
	case K_USLEEP:
		r.ret = usleep((useconds_t)(tmo * 1000));
		break;
	case K_READ:
		r.ret = read(rfd, &c, 1);
		break;
	case K_PAUSE:
		r.ret = pause();
		break;
	case K_SIGSUSPEND:
		r.ret = sigsuspend(callmask);
		break;
	case K_SIGTIMEDWAIT:
		r.ret = sigtimedwait(&usr2set, NULL, &ts);
		break;
	case K_SIGWAITINFO:
		r.ret = sigwaitinfo(&usr2set, NULL);
		break;
	case K__COUNT:
		break;
	}
	r.err = r.ret < 0 ? errno : 0;
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		usage();
	int k = -1;
	for (int i = 0; i < K__COUNT; i++)
		if (!strcmp(argv[1], call_names[i]))
			k = i;
	if (k < 0)
		usage();
	enum mode mode;
	if (!strcmp(argv[2], "usr1"))
		mode = M_USR1;
	else if (!strcmp(argv[2], "stop"))
		mode = M_STOP;
	else if (!strcmp(argv[2], "alrm"))
		mode = M_ALRM;
	else
		usage();
	long tmo = 500;
	if (argc == 4) {
		char *end;
		tmo = strtol(argv[3], &end, 10);
		if (*end || end == argv[3] || tmo < 1 || tmo > 600000)
			usage();
	}
	int use_socket = 0;
	const char *fdkind = getenv("INTERRUPT_WAIT_FD");
	if (fdkind && *fdkind) {
		if (!strcmp(fdkind, "socket"))
			use_socket = 1;
		else if (strcmp(fdkind, "pipe")) {
			fputs("interrupt_wait: INTERRUPT_WAIT_FD must be pipe or socket\n", stderr);
			return 2;
		}
	}
	int masked_call = k == K_PPOLL || k == K_PSELECT || k == K_EPOLL_PWAIT || k == K_SIGSUSPEND;

	/* fds: the one we wait on (fds[0]) and the one the child writes to */
	int fds[2], syncp[2];
	if (use_socket ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)
	               : pipe2(fds, O_CLOEXEC))
		fail("pipe");
	if (pipe2(syncp, O_CLOEXEC))
		fail("pipe");
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		fail("epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data = {.fd = fds[0]}};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &ev))
		fail("epoll_ctl");

	/* handlers: flags 0, so no SA_RESTART */
	int sig = mode == M_ALRM ? SIGALRM : SIGUSR1;
	int want_handler = mode != M_STOP || k == K_PAUSE || k == K_SIGSUSPEND;
	if (want_handler) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		if (sigaction(sig, &sa, NULL))
			fail("sigaction");
	}
	/* the race-free pattern of the p* calls: block the signal, let the call
	 * unblock it */
	sigset_t callmask;
	sigprocmask(SIG_SETMASK, NULL, &callmask);
	sigdelset(&callmask, sig);
	if (masked_call && want_handler) {
		sigset_t block;
		sigemptyset(&block);
		sigaddset(&block, sig);
		if (sigprocmask(SIG_BLOCK, &block, NULL))
			fail("sigprocmask");
	}

	/* sigtimedwait/sigwaitinfo: SIGUSR2 blocked, so it waits to be taken */
	sigemptyset(&usr2set);
	sigaddset(&usr2set, SIGUSR2);
	if ((k == K_SIGTIMEDWAIT || k == K_SIGWAITINFO) && sigprocmask(SIG_BLOCK, &usr2set, NULL))
		fail("sigprocmask");

	struct schedule s;
	memset(&s, 0, sizeof s);
	if (mode == M_USR1)
		s.usr1_every_until = 2 * tmo;
	if (mode == M_STOP) {
		s.stop_at = 100;
		s.cont_at = 120;
		if (k == K_PAUSE || k == K_SIGSUSPEND)
			s.usr1_once_at = tmo;
	}
	if (k == K_READ)
		s.write_at = tmo;
	if (k == K_SIGWAITINFO)
		s.usr2_at = tmo;
	s.kill_at = 3 * tmo + 2000;
	if (s.kill_at < s.usr1_every_until + 1000)
		s.kill_at = s.usr1_every_until + 1000;

	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(fds[0]);
		close(syncp[1]);
		child(&s, parent, syncp[0], fds[1], call_names[k]);
		_exit(0);
	}
	close(syncp[0]);
	/* fds[1] stays open here too: the read end never sees end-of-file */

	long long t0 = now_ns();
	if (write(syncp[1], &t0, sizeof t0) != (ssize_t)sizeof t0)
		fail("write");
	if (mode == M_ALRM) {
		struct itimerval it = {{0, 0}, {0, 100000}};
		if (setitimer(ITIMER_REAL, &it, NULL))
			fail("setitimer");
	}
	handled = 0;
	long long start = now_ns();
	struct result r = run_call((enum call)k, tmo, fds[0], epfd, &callmask);
	long long end = now_ns();
	int h = handled;

	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (mode == M_ALRM) {
		struct itimerval off = {{0, 0}, {0, 0}};
		setitimer(ITIMER_REAL, &off, NULL);
	}
	const char *ename = "0";
	if (r.ret < 0) {
		ename = strerrorname_np(r.err);
		if (!ename)
			ename = "E?";
	}
	printf("call=%s ret=%ld errno=%s elapsed_ms=%lld handled=%d\n", call_names[k], r.ret, ename,
	       (end - start + 500000) / 1000000, h);
	fflush(stdout);
	return 0;
}
