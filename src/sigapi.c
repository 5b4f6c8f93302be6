/* The other doors of the signal API.  glibc implements each of them with
 * its internal __sigaction, which a preload cannot see, so we rebuild them
 * over ts_sigaction with glibc's exact semantics: signal() (= bsd_signal =
 * ssignal) restarts calls unless siginterrupt() asked otherwise and blocks
 * the signal in its handler; sysv_signal() is one-shot, unmasked and not
 * restarting; sigset()/sigignore() are the System V calls. */
#include "autoconfig.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "tcpsafe.h"

typedef void (*handler_t)(int);

extern handler_t bsd_signal(int, handler_t);
extern handler_t ssignal(int, handler_t);
extern handler_t sysv_signal(int, handler_t);
extern handler_t __sysv_signal(int, handler_t);
extern handler_t sigset(int, handler_t);
extern int sigignore(int);
extern int siginterrupt(int, int);

/* Signals siginterrupt() made non-restarting for later signal() calls
 * (glibc's internal _sigintr set). */
static _Atomic unsigned long long intr_set;

static unsigned long long bit(int sig) { return 1ULL << ((unsigned)sig & 63); }

static int bad_signal(int sig, handler_t h)
{
	if (h == SIG_ERR || sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return 1;
	}
	return 0;
}

/* Install h with a mask of just sig (or nothing) and these flags; return
 * the previous handler, as glibc's signal() family does. */
static handler_t install_simple(int sig, handler_t h, int mask_self, int flags)
{
	struct sigaction act, old;
	if (bad_signal(sig, h))
		return SIG_ERR;
	memset(&act, 0, sizeof act);
	act.sa_handler = h;
	sigemptyset(&act.sa_mask);
	if (mask_self)
		sigaddset(&act.sa_mask, sig);
	act.sa_flags = flags;
	if (ts_sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

static handler_t bsd_semantics(int sig, handler_t h)
{
	int restart = !(atomic_load(&intr_set) & bit(sig));
	return install_simple(sig, h, 1, restart ? SA_RESTART : 0);
}

static handler_t sysv_semantics(int sig, handler_t h)
{
	return install_simple(sig, h, 0, SA_RESETHAND | SA_NODEFER | SA_INTERRUPT);
}

TS_EXPORT handler_t signal(int sig, handler_t h) { return bsd_semantics(sig, h); }
TS_EXPORT handler_t bsd_signal(int sig, handler_t h) { return bsd_semantics(sig, h); }
TS_EXPORT handler_t ssignal(int sig, handler_t h) { return bsd_semantics(sig, h); }
TS_EXPORT handler_t sysv_signal(int sig, handler_t h) { return sysv_semantics(sig, h); }
TS_EXPORT handler_t __sysv_signal(int sig, handler_t h) { return sysv_semantics(sig, h); }

TS_EXPORT int siginterrupt(int sig, int interrupt)
{
	struct sigaction act;
	if (sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (ts_sigaction(sig, NULL, &act) < 0)
		return -1;
	if (interrupt) {
		atomic_fetch_or(&intr_set, bit(sig));
		act.sa_flags &= ~SA_RESTART;
	} else {
		atomic_fetch_and(&intr_set, ~bit(sig));
		act.sa_flags |= SA_RESTART;
	}
	return ts_sigaction(sig, &act, NULL);
}

TS_EXPORT int sigignore(int sig)
{
	struct sigaction act;
	memset(&act, 0, sizeof act);
	act.sa_handler = SIG_IGN;
	sigemptyset(&act.sa_mask);
	return ts_sigaction(sig, &act, NULL);
}

TS_EXPORT handler_t sigset(int sig, handler_t h)
{
	struct sigaction act, old;
	sigset_t one, oldmask;

	sigemptyset(&one);
	if (sigaddset(&one, sig) < 0) { /* glibc accepts SIG_ERR here */
		errno = EINVAL;
		return SIG_ERR;
	}
	if (h == SIG_HOLD) {
		if (ts_sigaction(sig, NULL, &old) < 0 ||
		    sigprocmask(SIG_BLOCK, &one, &oldmask) < 0)
			return SIG_ERR;
	} else {
		memset(&act, 0, sizeof act);
		act.sa_handler = h;
		sigemptyset(&act.sa_mask);
		if (ts_sigaction(sig, &act, &old) < 0 ||
		    sigprocmask(SIG_UNBLOCK, &one, &oldmask) < 0)
			return SIG_ERR;
	}
	return sigismember(&oldmask, sig) ? SIG_HOLD : old.sa_handler;
}
