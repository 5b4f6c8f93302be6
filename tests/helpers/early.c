/* A library whose constructor runs before tcpsafe's (listed after it in
 * LD_PRELOAD) and already writes and installs a handler: tcpsafe's lazy
 * binding must serve these calls, and its table must keep the handler. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t ran;
static void on_usr1(int sig) { (void)sig; ran++; }

static void say(const char *m) { (void)!write(1, m, strlen(m)); }

__attribute__((constructor)) static void early_init(void)
{
	struct sigaction sa, old;
	say("early: write ok\n");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	raise(SIGUSR1);
	say(old.sa_handler == on_usr1 && ran == 1 ? "early: handler ok\n" : "early: handler WRONG\n");
}
