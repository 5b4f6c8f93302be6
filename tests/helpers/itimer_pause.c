/* itimer_pause: a periodic ITIMER_REAL ticker driving pause().
 *
 *   itimer_pause
 *
 * setitimer(ITIMER_REAL) fires every 200 ms, a SIGALRM handler (sigaction
 * flags 0) counts the ticks, and the program calls pause() three times.
 * Prints
 *   pauses=3 ticks=T elapsed_ms=N
 * (T is 3 and N about 600 when every tick ends one pause) and exits 0;
 * exits 1 when a pause() did not return -1/EINTR or ticks < 3.
 *
 * Bounded without alarm(): a watchdog child SIGKILLs this process if it
 * is still running after 3 s (after saying so on stderr).  The child is
 * killed and reaped by pid. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	if (sigaction(SIGALRM, &sa, NULL) < 0) {
		perror("itimer_pause: sigaction");
		return 1;
	}

	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("itimer_pause: fork");
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct timespec ts = {3, 0};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		if (getppid() == parent) {
			(void)!write(2, "itimer_pause: watchdog: still running at 3 s; killing it\n", 58);
			kill(parent, SIGKILL);
		}
		_exit(0);
	}

	struct itimerval it = {{0, 200000}, {0, 200000}};
	long long start = now_ms();
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		perror("itimer_pause: setitimer");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	int pauses = 0, ok = 1;
	for (int i = 0; i < 3; i++) {
		int r = pause();
		if (r != -1 || errno != EINTR)
			ok = 0;
		pauses++;
	}
	long long elapsed = now_ms() - start;
	int t = ticks;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);

	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	printf("pauses=%d ticks=%d elapsed_ms=%lld\n", pauses, t, elapsed);
	fflush(stdout);
	return ok && t >= 3 ? 0 : 1;
}
