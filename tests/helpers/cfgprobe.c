/* The trivial program run under every hostile configuration: a few
 * wrapped calls (sigaction, raise, write, close), one line on stdout,
 * nothing on stderr, exit 0.  Whatever tcpsafe makes of its environment,
 * this must stay exactly so; its warnings are checked by the test. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t ran;
static void on_usr1(int sig) { (void)sig; ran++; }

int main(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGUSR1, NULL, &old) < 0)
		return 3;
	raise(SIGUSR1);
	const char *msg = ran == 1 && old.sa_handler == on_usr1 ? "probe: ok\n" : "probe: WRONG\n";
	if (write(1, msg, strlen(msg)) != (ssize_t)strlen(msg))
		return 4;
	close(0);
	return 0;
}
