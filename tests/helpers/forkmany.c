/* forkmany N: fork N children that exit at once with i % 100, wait until
 * all have exited (each holds a pipe's write end: EOF when the last one is
 * gone, however slow their exits, e.g. under memcheck) and 300 ms more for
 * the reaper, without waiting for any, then collect statuses with wait()
 * until ECHILD.  Prints `waited=W sum=S` (S = sum of exit codes).  Used to
 * show the status cache's bound: with TCPSAFE_REAP_CACHE below N the
 * oldest statuses are dropped, counted and logged. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	int gone[2];
	if (pipe(gone) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return 2;
		if (p == 0)
			_exit(i % 100);
	}
	close(gone[1]);
	char c;
	while (read(gone[0], &c, 1) < 0 && errno == EINTR)
		;
	struct timespec t = {0, 300000000L};
	while (nanosleep(&t, &t) < 0)
		;
	int st, waited = 0;
	long sum = 0;
	while (wait(&st) > 0) {
		waited++;
		sum += WEXITSTATUS(st);
	}
	printf("waited=%d sum=%ld\n", waited, sum);
	return 0;
}
