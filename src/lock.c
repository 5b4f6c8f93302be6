/* The only lock tcpsafe has, for its rare paths (signal table, child
 * status cache), never for a call's success path.  A spin lock taken with
 * every signal blocked on the taking thread: a handler on that thread can
 * never find it held by the code it interrupted, and holders never wait
 * for anything but the CPU. */
#include "autoconfig.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#if HAVE_DECL___LIBC_SINGLE_THREADED
#include <sys/single_threaded.h>
#endif

#include "tcpsafe.h"

/* For a caller whose signals are all blocked already (a handler installed
 * with a full mask): the spin alone. */
void ts_spin_lock(struct ts_lock *l)
{
	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
		__builtin_ia32_pause();
}

void ts_spin_unlock(struct ts_lock *l) { atomic_store_explicit(&l->held, 0, memory_order_release); }

int ts_lock_held(struct ts_lock *l) { return atomic_load_explicit(&l->held, memory_order_relaxed); }

/* rt_sigprocmask itself, with the kernel's 8-byte mask: glibc's
 * pthread_sigmask copies a 128-byte sigset_t, and these run inside signal
 * handlers, on whatever stack the program gave them.  Blocking glibc's own
 * two signals (cancellation, setxid) for these few instructions only
 * delays them. */
void ts_lock(struct ts_lock *l, ts_mask *old)
{
	ts_mask all = ~0ULL;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, old, sizeof all);
	ts_spin_lock(l);
}

void ts_unlock(struct ts_lock *l, const ts_mask *old)
{
	ts_spin_unlock(l);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, sizeof *old);
}

/* glibc (2.32+) says whether a second thread was ever started. */
int ts_single_threaded(void)
{
#if HAVE_DECL___LIBC_SINGLE_THREADED
	return __libc_single_threaded;
#else
	return 0;
#endif
}
