/* alarm_read: the classic alarm() timeout around a blocking read.
 *
 *   alarm_read
 *
 * A SIGALRM handler is installed with sigaction flags 0 (no SA_RESTART),
 * alarm(1) is armed and read() blocks on one end of a connected
 * socketpair nobody writes to; the read must fail with EINTR after about
 * one second.  Prints
 *   read=-1 errno=EINTR elapsed_ms=N
 * (read=R errno=NAME otherwise) and exits 0 when read failed with EINTR
 * within 3 s, 1 otherwise.
 *
 * Bounded without a second alarm: a watchdog child writes one byte into
 * the other end of the socketpair at 3 s, so a read that was not
 * interrupted returns 1 (exit 1); should even that not end it, the child
 * SIGKILLs this process at 5 s.  The child is killed and reaped by pid. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_until(long long t0, long ms)
{
	long long t = t0 + ms;
	struct timespec ts = {(time_t)(t / 1000), (long)(t % 1000) * 1000000L};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("alarm_read: socketpair");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	if (sigaction(SIGALRM, &sa, NULL) < 0) {
		perror("alarm_read: sigaction");
		return 1;
	}

	long long t0 = now_ms();
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("alarm_read: fork");
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		sleep_until(t0, 3000);
		if (getppid() != parent)
			_exit(0);
		(void)!write(sv[1], "x", 1);
		sleep_until(t0, 5000);
		if (getppid() != parent)
			_exit(0);
		(void)!write(2, "alarm_read: watchdog: read still blocked at 5 s; killing it\n", 61);
		kill(parent, SIGKILL);
		_exit(0);
	}

	char c;
	long long start = now_ms();
	alarm(1);
	ssize_t r = read(sv[0], &c, 1);
	int err = errno;
	long long elapsed = now_ms() - start;
	alarm(0);

	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	const char *ename = "0";
	if (r < 0) {
		ename = strerrorname_np(err);
		if (!ename)
			ename = "E?";
	}
	printf("read=%zd errno=%s elapsed_ms=%lld\n", r, ename, elapsed);
	fflush(stdout);
	return r == -1 && err == EINTR && elapsed < 3000 ? 0 : 1;
}
