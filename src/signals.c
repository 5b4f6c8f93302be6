/* The signal layer: one table of what the program asked for per signal
 * (as OpenJDK's libjsig does), and what is really installed underneath.
 *
 * - A program handler is installed as our trampoline, with the program's
 *   mask and flags, so the kernel applies mask, SA_RESTART, SA_NODEFER and
 *   SA_ONSTACK itself; the trampoline records which handler ran on this
 *   thread, then calls the program's function with its own signature.
 * - SIG_IGN is installed as asked.  SIG_DFL is installed as asked, except
 *   where tcpsafe keeps its own handler (SIGPIPE: see sigpipe.c).
 * - sigaction()/signal() read back what the program installed, never what
 *   is underneath.
 *
 * Writers take a spin lock with all signals blocked on their thread, so a
 * handler on the same thread can never wait for it, and publish into one
 * of two copies; the trampoline reads without the lock. */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>

#include "tcpsafe.h"

TS_TLS struct ts_thread_sig ts_tsig;

struct want {
	void *handler; /* sa_handler or sa_sigaction; SIG_DFL and SIG_IGN as such */
	sigset_t mask;
	int flags;
	void (*restorer)(void);
};

struct slot {
	_Atomic int known;     /* 0 until read from the kernel or set by the program */
	_Atomic int cur;       /* which of w[] is live */
	_Atomic unsigned gen;  /* publications so far */
	struct want w[2];
};

static struct slot slots[NSIG] TS_FILE_DATA;
/* sa_flags bits the kernel keeps (Linux >= 5.11 drops unknown ones); learnt
 * once, so the program's view of a SIG_DFL we replaced matches. */
static int kernel_keeps = ~0;
static void lock(ts_mask *old) { ts_lock(&ts_proc.sig_lock, old); }
static void unlock(const ts_mask *old) { ts_unlock(&ts_proc.sig_lock, old); }

/* fork() while another thread holds the lock would leave the child's table
 * locked forever: take it around fork.  A single-threaded process has no
 * other thread, and a handler never interrupts a holder (it blocks every
 * signal), so there the lock is never held at fork(): skipping it spares a
 * fork server two system calls and a copy-on-write fault per fork.  The
 * release handlers unlock only what the prepare handler took. */
static ts_mask fork_mask TS_FILE_DATA;
static void fork_prepare(void)
{
	if (!ts_single_threaded())
		lock(&fork_mask);
}
static void fork_release(void)
{
	if (ts_lock_held(&ts_proc.sig_lock))
		unlock(&fork_mask);
}

/* The handler tcpsafe keeps installed while the program wants SIG_DFL:
 * SIGPIPE's (sigpipe.c), and SIGCHLD's once children are reaped
 * (children.c) unless the kernel reaps them for the program. */
static void (*own_handler(int sig, const struct want *w))(int, siginfo_t *, void *)
{
	if (sig == SIGPIPE && ts_cfg.sigpipe == TS_SIGPIPE_IGNORE)
		return ts_sigpipe_noop;
	if (sig == SIGCHLD && ts_reap_active() && !(w->flags & SA_NOCLDWAIT))
		return ts_sigchld_own;
	return NULL;
}

static const struct want *live(struct slot *s)
{
	return &s->w[atomic_load_explicit(&s->cur, memory_order_acquire)];
}

static void publish(struct slot *s, const struct want *w)
{
	int next = !atomic_load_explicit(&s->cur, memory_order_relaxed);
	s->w[next] = *w;
	atomic_store_explicit(&s->cur, next, memory_order_release);
	atomic_fetch_add_explicit(&s->gen, 1, memory_order_release);
}

static void want_from_kernel(struct want *w, const struct sigaction *k)
{
	w->handler = (void *)k->sa_sigaction;
	w->mask = k->sa_mask;
	w->flags = k->sa_flags;
	w->restorer = k->sa_restorer;
}

/* Caller holds the lock. */
static int load(int sig)
{
	struct slot *s = &slots[sig];
	if (atomic_load_explicit(&s->known, memory_order_acquire))
		return 0;
	struct sigaction k;
	if (ts_real.sigaction(sig, NULL, &k) < 0)
		return -1;
	struct want w;
	want_from_kernel(&w, &k);
	publish(s, &w);
	atomic_store_explicit(&s->known, 1, memory_order_release);
	return 0;
}

static void trampoline(int sig, siginfo_t *si, void *uc);

/* What goes into the kernel for what the program wants. */
static void kernel_action(int sig, const struct want *w, struct sigaction *k)
{
	memset(k, 0, sizeof *k);
	void (*own)(int, siginfo_t *, void *) = own_handler(sig, w);
	if (w->handler == (void *)SIG_DFL && own) {
		k->sa_sigaction = own;
		sigemptyset(&k->sa_mask);
		k->sa_flags = SA_SIGINFO | SA_RESTART;
		/* short, and it takes a lock without masking.  No SA_NOCLDSTOP:
		 * the kernel would then send no SIGCHLD for a child's stop, which a
		 * program that reads SIGCHLD (sigwaitinfo, signalfd) or traces its
		 * children expects to get, SIG_DFL or not. */
		if (sig == SIGCHLD)
			sigfillset(&k->sa_mask);
	} else if (w->handler == (void *)SIG_DFL || w->handler == (void *)SIG_IGN) {
		k->sa_handler = (void (*)(int))w->handler;
		k->sa_mask = w->mask;
		k->sa_flags = w->flags;
	} else {
		k->sa_sigaction = trampoline;
		k->sa_mask = w->mask;
		k->sa_flags = w->flags | SA_SIGINFO;
		/* EINTR policy: the kernel itself restarts what it can after a
		 * handler outside the pass set, wrapped or not (stdio too) */
		if (ts_eintr_force_restart(sig))
			k->sa_flags |= SA_RESTART;
		/* One-shot is emulated in the trampoline where the kernel's reset
		 * to SIG_DFL would drop our own handler. */
		if (own)
			k->sa_flags &= ~SA_RESETHAND;
	}
}

static int is_handler(const void *h) { return h != (void *)SIG_DFL && h != (void *)SIG_IGN; }

/* Install w for sig (lock held).  The program's view (flags, mask) is made
 * to match what the kernel would have reported for its own sigaction():
 * bits the kernel drops or glibc adds (SA_RESTORER) are mirrored. */
static int install(int sig, struct want *w)
{
	struct slot *s = &slots[sig];
	struct want prev = *live(s);
	struct sigaction k, kn;

	kernel_action(sig, w, &k);
	/* A handler is published before the kernel can call the trampoline
	 * for it; SIG_DFL/SIG_IGN after the kernel stops calling it. */
	if (is_handler(w->handler))
		publish(s, w);
	if (ts_real.sigaction(sig, &k, NULL) < 0) {
		int e = errno;
		publish(s, &prev);
		errno = e;
		return -1;
	}
	if (ts_real.sigaction(sig, NULL, &kn) == 0) {
		int dropped = k.sa_flags & ~kn.sa_flags;
		int added = kn.sa_flags & ~k.sa_flags;
		if (k.sa_handler == (void (*)(int))w->handler || k.sa_sigaction == trampoline) {
			w->mask = kn.sa_mask; /* kernel removed SIGKILL/SIGSTOP */
			w->flags = (w->flags & ~dropped) | added;
		} else { /* our own handler carries none of the program's bits */
			sigdelset(&w->mask, SIGKILL);
			sigdelset(&w->mask, SIGSTOP);
			w->flags = (w->flags & kernel_keeps) | added;
		}
		w->restorer = kn.sa_restorer;
	}
	publish(s, w);
	return 0;
}

static int managed(int sig)
{
	/* glibc reserves 32 and 33 (cancellation, setxid) and refuses them;
	 * SIGKILL and SIGSTOP cannot be caught: pass those straight through. */
	return sig > 0 && sig < NSIG && sig != SIGKILL && sig != SIGSTOP &&
	       (sig < 32 || sig >= SIGRTMIN);
}

/* The logic behind sigaction and every other door of the signal API. */
int ts_sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	if (TS_UNLIKELY(!ts_active))
		ts_init();
	if (!ts_active || !managed(sig) || ts_in_vfork_child())
		return ts_real.sigaction(sig, act, oact);

	ts_mask old;
	struct want prev, next;
	int rc = 0, e = 0;

	if (act) { /* read before oact is written: they may alias */
		next.handler = (void *)act->sa_sigaction;
		next.mask = act->sa_mask;
		next.flags = act->sa_flags;
		next.restorer = NULL;
	}
	lock(&old);
	if (load(sig) < 0) {
		rc = -1;
		e = errno;
	} else {
		prev = *live(&slots[sig]);
		if (act && install(sig, &next) < 0) {
			rc = -1;
			e = errno;
		}
	}
	unlock(&old);
	if (act && rc == 0 && sig == SIGCHLD && ts_sigchld_program() == TS_CHLD_AUTOREAP)
		ts_children_autoreap();
	if (rc < 0) {
		errno = e;
		return -1;
	}
	if (oact) {
		memset(oact, 0, sizeof *oact);
		oact->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev.handler;
		oact->sa_mask = prev.mask;
		oact->sa_flags = prev.flags;
		oact->sa_restorer = prev.restorer;
	}
	return 0;
}

TS_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	return ts_sigaction(sig, act, oact);
}

extern int __sigaction(int, const struct sigaction *, struct sigaction *);

TS_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	return ts_sigaction(sig, act, oact);
}

/* SA_RESETHAND: the program's view becomes SIG_DFL (mask and flags stay,
 * as the kernel keeps them); where we stripped the flag, reinstall what
 * SIG_DFL means underneath ourselves. */
static TS_COLD void one_shot_done(int sig, void *handler)
{
	ts_mask old;
	lock(&old);
	struct slot *s = &slots[sig];
	const struct want *cur = live(s);
	if (cur->handler == handler && (cur->flags & SA_RESETHAND)) {
		struct want w = *cur;
		w.handler = (void *)SIG_DFL;
		if (own_handler(sig, &w)) {
			struct sigaction k;
			kernel_action(sig, &w, &k);
			ts_real.sigaction(sig, &k, NULL);
		}
		publish(s, &w);
	}
	unlock(&old);
}

/* The program switched sig to SIG_DFL/SIG_IGN while the signal was on
 * its way.  Make sure the kernel has what the table says (never loop
 * through here again), then re-raise: blocked until we return, it gets
 * the default action.  Out of line: its locals stay off the trampoline's
 * frame, which the program's alternate signal stack must hold. */
static TS_COLD void no_longer_handled(int sig, void *h)
{
	if (h == (void *)SIG_DFL && !own_handler(sig, live(&slots[sig]))) {
		ts_mask old;
		struct sigaction k;
		lock(&old);
		kernel_action(sig, live(&slots[sig]), &k);
		ts_real.sigaction(sig, &k, NULL);
		unlock(&old);
		raise(sig);
	}
}

/* Every program handler runs through here.  It stays small: its frame
 * comes out of the program's signal stack (a sigaltstack may be as small
 * as sysconf(_SC_MINSIGSTKSZ) plus what the program's handler needs), so
 * everything rare is out of line.  errno is restored before the program's
 * handler runs, not after: without tcpsafe nothing restores it, and a
 * program may see what its handler set. */
static void trampoline(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	const struct want *w = live(&slots[sig]);
	void *h = w->handler;
	int flags = w->flags;

	/* Children are reaped before the program's handler runs, so its waits
	 * are answered from the cache. */
	if (sig == SIGCHLD && ts_reap_active() && !(flags & SA_NOCLDWAIT))
		ts_children_sigchld(si, 0);

	unsigned long seq = ++ts_tsig.hseq, keep0 = ts_tsig.keep_seq, waits0 = ts_tsig.waits;
	ts_tsig.sig_seq[sig] = seq;
	ts_tsig.last_sig = sig;
	ts_tsig.keep_seq = seq; /* the program's EINTR, unless shown otherwise */
	if (flags & SA_RESETHAND)
		one_shot_done(sig, h);

	errno = saved;
	if (!is_handler(h)) {
		no_longer_handled(sig, h);
		errno = saved;
		return;
	}
	ts_tsig.in_handler++;
	if (flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h)(sig, si, uc);
	else
		((void (*)(int))h)(sig);
	ts_tsig.in_handler--;
	ts_eintr_handler_done(sig, flags, seq, keep0, waits0);
}

/* sig is at SIG_DFL in the table: install what that means underneath (our
 * own handler where we keep one).  The first time, learn which sa_flags
 * bits the kernel keeps, so the program's read-back of a SIG_DFL we
 * replaced shows what the kernel would have.  Lock held. */
static void take_over(int sig)
{
	struct want w = *live(&slots[sig]);
	struct sigaction k, probe;
	if (kernel_keeps == ~0) {
		/* never SA_NOCLDWAIT on SIGCHLD, not even for an instant: a child
		 * of popen() dying then would vanish (the kernel keeps that bit) */
		int nocld = sig == SIGCHLD ? SA_NOCLDWAIT : 0;
		memset(&probe, 0, sizeof probe);
		probe.sa_handler = SIG_DFL;
		probe.sa_flags = ~nocld;
		if (ts_real.sigaction(sig, &probe, NULL) == 0 &&
		    ts_real.sigaction(sig, NULL, &probe) == 0)
			kernel_keeps = probe.sa_flags | nocld;
	}
	kernel_action(sig, &w, &k);
	ts_real.sigaction(sig, &k, NULL);
}

/* Called once at load: take SIGPIPE under our care if the program (or what
 * it inherited) leaves it at SIG_DFL. */
void ts_signals_init(void)
{
	ts_mask old;
	pthread_atfork(fork_prepare, fork_release, fork_release);
	if (ts_cfg.sigpipe != TS_SIGPIPE_IGNORE)
		return;
	lock(&old);
	if (load(SIGPIPE) == 0 && live(&slots[SIGPIPE])->handler == (void *)SIG_DFL)
		take_over(SIGPIPE);
	unlock(&old);
}

/* Put into the kernel what the table says for sig: after tcpsafe's own need
 * for it changed (children.c, for SIGCHLD). */
void ts_signals_sync(int sig)
{
	ts_mask old;
	lock(&old);
	if (load(sig) == 0) {
		if (live(&slots[sig])->handler == (void *)SIG_DFL) {
			take_over(sig);
		} else {
			struct sigaction k;
			kernel_action(sig, live(&slots[sig]), &k);
			ts_real.sigaction(sig, &k, NULL);
		}
	}
	unlock(&old);
}

/* rt_sigaction straight from here, as glibc's sigaction() would make it
 * (its restorer is the one the kernel reported for this signal before).
 * -1 where that is not possible: the caller goes through libc. */
#define KERNEL_SA_RESTORER 0x04000000 /* x86-64 <asm/signal.h>; glibc hides it */
static int raw_sigaction(int sig, const struct sigaction *k, void (*restorer)(void))
{
#if defined(TS_HAVE_RAW_SYSCALL)
	struct {
		void *handler;
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} kk;
	int caught = k->sa_handler != SIG_DFL && k->sa_handler != SIG_IGN;
	if (caught && !restorer)
		return -1;
	kk.handler = (void *)k->sa_sigaction;
	kk.flags = (unsigned long)k->sa_flags | (restorer ? KERNEL_SA_RESTORER : 0);
	kk.restorer = restorer;
	memcpy(&kk.mask, &k->sa_mask, sizeof kk.mask);
	return ts_syscall4(SYS_rt_sigaction, sig, (long)&kk, 0, sizeof kk.mask) == 0 ? 0 : -1;
#else
	(void)sig, (void)k, (void)restorer;
	return -1;
#endif
}

/* The same in a forked child, right after fork(): one system call, no
 * lock or mask.  Only one thread exists; a handler that changes sig in
 * between publishes a new generation, and then the locked path redoes it. */
void ts_signals_sync_child(int sig)
{
	struct slot *s = &slots[sig];
	unsigned g = atomic_load_explicit(&s->gen, memory_order_acquire);
	/* known and kernel_keeps learnt: so it is for SIGCHLD once the parent
	 * reaped; otherwise the locked path loads and learns them */
	if (atomic_load_explicit(&s->known, memory_order_acquire) && kernel_keeps != ~0) {
		struct sigaction k;
		const struct want *w = live(s);
		kernel_action(sig, w, &k);
		if (raw_sigaction(sig, &k, w->restorer) < 0)
			ts_real.sigaction(sig, &k, NULL);
		if (atomic_load_explicit(&s->gen, memory_order_acquire) == g)
			return;
	}
	ts_signals_sync(sig);
}

/* What the program set for SIGCHLD, as children.c needs it. */
int ts_sigchld_program(void)
{
	struct slot *s = &slots[SIGCHLD];
	if (!atomic_load_explicit(&s->known, memory_order_acquire)) {
		ts_mask old;
		lock(&old);
		load(SIGCHLD);
		unlock(&old);
	}
	const struct want *w = live(s);
	if (w->handler == (void *)SIG_IGN || (w->flags & SA_NOCLDWAIT))
		return TS_CHLD_AUTOREAP;
	return w->handler == (void *)SIG_DFL ? TS_CHLD_DFL : TS_CHLD_HANDLER;
}

/* For sigpipe.c: emulate the default action of a signal whose SIG_DFL we
 * replaced with our own handler (terminate the process with it). */
void ts_signal_default_action(int sig)
{
	struct sigaction dfl;
	sigset_t one;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	ts_real.sigaction(sig, &dfl, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	/* Still here (blocked elsewhere?): put our handler back. */
	ts_mask old;
	lock(&old);
	const struct want *cur = live(&slots[sig]);
	struct want w = *cur;
	struct sigaction k;
	kernel_action(sig, &w, &k);
	ts_real.sigaction(sig, &k, NULL);
	unlock(&old);
}
