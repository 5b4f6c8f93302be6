/* sigreadback: walk the whole glibc signal API and print, one line per
 * observation, what the program reads back.  The test runs it without and
 * with LD_PRELOAD=libtcpsafe.so and requires byte-identical output: the
 * library's promise is that a program sees exactly what it would see
 * without it (handlers, flags, masks, return values, errno, what a handler
 * receives).
 *
 * Everything printed is symbolic or derived from this process only
 * (handler names, flag bits, mask members 1..64, errno names), so the
 * output does not depend on addresses or timing.  The signal mask is reset
 * at start; the dispositions inherited from the parent are printed as they
 * are (both runs inherit the same ones).
 *
 * Never make this program print less to hide a difference: a difference
 * is a bug in the library. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* siginterrupt, sigset and sigignore are deprecated in glibc's headers,
 * but they are part of the API the library wraps: exercise them. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

typedef void (*handler_t)(int);

/* Not (or not always) declared by <signal.h> in this mode: declare them. */
extern handler_t bsd_signal(int, handler_t);
extern handler_t __sysv_signal(int, handler_t);
extern int __sigaction(int, const struct sigaction *, struct sigaction *);

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef SA_UNSUPPORTED
#define SA_UNSUPPORTED 0x00000400
#endif
#ifndef SA_EXPOSE_TAGBITS
#define SA_EXPOSE_TAGBITS 0x00000800
#endif
#ifndef SA_INTERRUPT
#define SA_INTERRUPT 0x20000000
#endif

#define SENTINEL 777 /* errno before every call: "unchanged" if still there */

/* ---- output --------------------------------------------------------------- */

__attribute__((format(printf, 1, 2))) static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout); /* nothing lost if a later step kills us */
}

static const char *errname(int e)
{
	static char buf[32];
	switch (e) {
	case SENTINEL: return "unchanged";
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case EPIPE: return "EPIPE";
	case EINTR: return "EINTR";
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	case ECHILD: return "ECHILD";
	case ENOMEM: return "ENOMEM";
	default: snprintf(buf, sizeof buf, "%d", e); return buf;
	}
}

static const char *codename(int sig, int c)
{
	static char buf[32];
	if (sig == SIGCHLD) {
		switch (c) {
		case CLD_EXITED: return "CLD_EXITED";
		case CLD_KILLED: return "CLD_KILLED";
		case CLD_DUMPED: return "CLD_DUMPED";
		default: break;
		}
	}
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_KERNEL: return "SI_KERNEL";
	default: snprintf(buf, sizeof buf, "%d", c); return buf;
	}
}

/* ---- handlers ------------------------------------------------------------- */

/* What the last handler run saw.  Filled in the handler with async-signal-
 * safe calls only, printed afterwards. */
struct rec {
	volatile sig_atomic_t count;
	const char *name;
	int sig;
	int has_info, signo, code, pid_self, uid_self, qvalue;
	int cstatus;
	int uc_nonnull;
	sigset_t ucmask;
	sigset_t blocked;
	int onstack;
	int rb_rc;
	struct sigaction rb; /* the disposition of sig, read back in the handler */
	handler_t rearm_ret;
	int rearm_errno;
};
static struct rec rec;
static char altstack_mem[1 << 16];

static void reset_rec(void)
{
	memset(&rec, 0, sizeof rec);
	rec.name = "none";
}

static void record(const char *name, int sig, siginfo_t *si, void *ucv)
{
	int saved = errno; /* only what the handler itself does to errno counts */
	rec.count++;
	rec.name = name;
	rec.sig = sig;
	if (si) {
		rec.has_info = 1;
		rec.signo = si->si_signo;
		rec.code = si->si_code;
		rec.pid_self = si->si_pid == getpid();
		rec.uid_self = si->si_uid == getuid();
		rec.qvalue = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
		rec.cstatus = sig == SIGCHLD ? si->si_status : 0;
		rec.uc_nonnull = ucv != NULL;
		if (ucv)
			rec.ucmask = ((ucontext_t *)ucv)->uc_sigmask;
	}
	sigprocmask(SIG_BLOCK, NULL, &rec.blocked);
	stack_t ss;
	if (sigaltstack(NULL, &ss) == 0)
		rec.onstack = (ss.ss_flags & SS_ONSTACK) != 0;
	memset(&rec.rb, 0, sizeof rec.rb);
	rec.rb_rc = sigaction(sig, NULL, &rec.rb);
	errno = saved;
}

static void h_plain(int sig) { record("h_plain", sig, NULL, NULL); }
static void h_other(int sig) { record("h_other", sig, NULL, NULL); }
static void h_info(int sig, siginfo_t *si, void *uc) { record("h_info", sig, si, uc); }
static void h_errno(int sig)
{
	record("h_errno", sig, NULL, NULL);
	errno = EIO;
}
static void h_errno_info(int sig, siginfo_t *si, void *uc)
{
	record("h_errno_info", sig, si, uc);
	errno = EIO;
}
/* The System V idiom: a one-shot handler that re-arms itself. */
static void h_rearm(int sig)
{
	record("h_rearm", sig, NULL, NULL);
	int saved = errno;
	errno = SENTINEL;
	rec.rearm_ret = sysv_signal(sig, h_rearm);
	rec.rearm_errno = errno;
	errno = saved;
}

static const char *hname(handler_t h)
{
	if (h == SIG_DFL) return "DFL";
	if (h == SIG_IGN) return "IGN";
	if (h == SIG_HOLD) return "HOLD";
	if (h == SIG_ERR) return "ERR";
	if (h == h_plain) return "h_plain";
	if (h == h_other) return "h_other";
	if (h == (handler_t)(void (*)(void))h_info) return "h_info";
	if (h == h_errno) return "h_errno";
	if (h == (handler_t)(void (*)(void))h_errno_info) return "h_errno_info";
	if (h == h_rearm) return "h_rearm";
	return "UNKNOWN";
}

/* ---- formatting of dispositions -------------------------------------------- */

static void fmt_mask(char *buf, size_t n, const sigset_t *m)
{
	size_t len = 0;
	len += (size_t)snprintf(buf + len, n - len, "{");
	int first = 1;
	for (int s = 1; s <= 64 && len < n; s++) {
		int r = sigismember(m, s);
		if (r == 0)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%d%s", first ? "" : ",", s,
		                        r < 0 ? "?" : "");
		first = 0;
	}
	if (len < n)
		snprintf(buf + len, n - len, "}");
}

static void fmt_flags(char *buf, size_t n, int flags)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{SA_NOCLDSTOP, "NOCLDSTOP"}, {SA_NOCLDWAIT, "NOCLDWAIT"},
		{SA_SIGINFO, "SIGINFO"},     {SA_UNSUPPORTED, "UNSUPPORTED"},
		{SA_EXPOSE_TAGBITS, "EXPOSE_TAGBITS"},
		{SA_RESTORER, "RESTORER"},   {SA_ONSTACK, "ONSTACK"},
		{SA_RESTART, "RESTART"},     {SA_INTERRUPT, "INTERRUPT"},
		{SA_NODEFER, "NODEFER"},     {SA_RESETHAND, "RESETHAND"},
	};
	unsigned f = (unsigned)flags, rest = f;
	size_t len = (size_t)snprintf(buf, n, "0x%08x<", f);
	int first = 1;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && len < n; i++) {
		if (!(f & names[i].bit))
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%s", first ? "" : "|", names[i].name);
		rest &= ~names[i].bit;
		first = 0;
	}
	if (rest && len < n)
		len += (size_t)snprintf(buf + len, n - len, "%s0x%x", first ? "" : "|", rest);
	if (len < n)
		snprintf(buf + len, n - len, ">");
}

/* The restorer is glibc's, at an address that changes from run to run:
 * print whether it is set, and whether it is always the same one. */
static void (*first_restorer)(void);
static const char *rstname(void (*r)(void))
{
	if (!r)
		return "null";
	if (!first_restorer)
		first_restorer = r;
	return r == first_restorer ? "R" : "other";
}

static void show_sa(const char *tag, const struct sigaction *sa)
{
	char m[400], f[160];
	fmt_mask(m, sizeof m, &sa->sa_mask);
	fmt_flags(f, sizeof f, sa->sa_flags);
	out("%s h=%s flags=%s mask=%s restorer=%s\n", tag, hname(sa->sa_handler), f, m,
	    rstname(sa->sa_restorer));
}

/* Read back sig's disposition through sigaction(sig, NULL, &old). */
static void rb(const char *what, int sig)
{
	struct sigaction o;
	char tag[512];
	memset(&o, 0xa5, sizeof o); /* the read-back must write what we print */
	errno = SENTINEL;
	int rc = sigaction(sig, NULL, &o);
	int e = errno;
	if (rc < 0) {
		out("  readback %s sig=%d rc=%d errno=%s\n", what, sig, rc, errname(e));
		return;
	}
	snprintf(tag, sizeof tag, "  readback %s sig=%d rc=%d errno=%s", what, sig, rc, errname(e));
	show_sa(tag, &o);
}

static void show_blocked(const char *what)
{
	sigset_t cur;
	char m[400];
	sigprocmask(SIG_BLOCK, NULL, &cur);
	fmt_mask(m, sizeof m, &cur);
	out("  blocked %s %s\n", what, m);
}

static void show_rec(const char *what)
{
	char m1[400], m2[400];
	out("  ran %s count=%d handler=%s sig=%d\n", what, (int)rec.count, rec.name, rec.sig);
	if (!rec.count)
		return;
	fmt_mask(m1, sizeof m1, &rec.blocked);
	out("  in-handler %s blocked=%s onstack=%d\n", what, m1, rec.onstack);
	if (rec.has_info) {
		fmt_mask(m2, sizeof m2, &rec.ucmask);
		out("  siginfo %s si_signo=%d si_code=%s pid_self=%d uid_self=%d value=%d status=%d "
		    "uc=%s uc_sigmask=%s\n",
		    what, rec.signo, codename(rec.sig, rec.code), rec.pid_self, rec.uid_self, rec.qvalue,
		    rec.cstatus, rec.uc_nonnull ? "nonnull" : "NULL",
		    rec.uc_nonnull ? m2 : "-");
	}
	if (rec.rb_rc < 0) {
		out("  in-handler readback %s rc=%d\n", what, rec.rb_rc);
	} else {
		char tag[512];
		snprintf(tag, sizeof tag, "  in-handler readback %s rc=%d", what, rec.rb_rc);
		show_sa(tag, &rec.rb);
	}
}

/* ---- wrappers that print a call's result ---------------------------------- */

static handler_t call_h(const char *what, handler_t (*fn)(int, handler_t), int sig, handler_t h)
{
	errno = SENTINEL;
	handler_t r = fn(sig, h);
	int e = errno;
	out("%s(%d,%s) = %s errno=%s\n", what, sig, hname(h), hname(r), errname(e));
	return r;
}
#define SIGNAL(sig, h) call_h("signal", signal, sig, h)
#define BSD_SIGNAL(sig, h) call_h("bsd_signal", bsd_signal, sig, h)
#define SSIGNAL(sig, h) call_h("ssignal", ssignal, sig, h)
#define SYSV_SIGNAL(sig, h) call_h("sysv_signal", sysv_signal, sig, h)
#define UU_SYSV_SIGNAL(sig, h) call_h("__sysv_signal", __sysv_signal, sig, h)
#define SIGSET(sig, h) call_h("sigset", sigset, sig, h)

static int call_i(const char *what, int rc)
{
	/* errno was set to SENTINEL by the macro before the call */
	int e = errno;
	out("%s = %d errno=%s\n", what, rc, errname(e));
	return rc;
}
#define CALL(expr) (errno = SENTINEL, call_i(#expr, (expr)))

static void set_act(struct sigaction *a, handler_t h, int flags, const int *maskv)
{
	memset(a, 0, sizeof *a);
	a->sa_handler = h;
	a->sa_flags = flags;
	sigemptyset(&a->sa_mask);
	for (; maskv && *maskv; maskv++)
		sigaddset(&a->sa_mask, *maskv);
}

static void set_act_info(struct sigaction *a, void (*h)(int, siginfo_t *, void *), int flags,
                         const int *maskv)
{
	set_act(a, SIG_DFL, flags | SA_SIGINFO, maskv);
	a->sa_sigaction = h;
}

/* sigaction(sig, act, &old), print rc, errno and old. */
static int do_sigaction(const char *what, int (*fn)(int, const struct sigaction *, struct sigaction *),
                        int sig, const struct sigaction *act)
{
	struct sigaction o;
	memset(&o, 0xa5, sizeof o);
	errno = SENTINEL;
	int rc = fn(sig, act, &o);
	int e = errno;
	char tag[512];
	if (act) {
		char f[160];
		fmt_flags(f, sizeof f, act->sa_flags);
		snprintf(tag, sizeof tag, "%s(%d,{h=%s flags=%s}) = %d errno=%s", what, sig,
		         hname(act->sa_handler), f, rc, errname(e));
	} else {
		snprintf(tag, sizeof tag, "%s(%d,NULL) = %d errno=%s", what, sig, rc, errname(e));
	}
	if (rc < 0) {
		out("%s\n", tag);
	} else {
		strncat(tag, " old:", sizeof tag - strlen(tag) - 1);
		show_sa(tag, &o);
	}
	return rc;
}
#define SIGACTION(sig, act) do_sigaction("sigaction", sigaction, sig, act)

static void do_raise(int sig)
{
	reset_rec();
	errno = SENTINEL;
	int rc = raise(sig);
	int e = errno;
	out("raise(%d) = %d errno=%s\n", sig, rc, errname(e));
}

static void section(const char *title) { out("== %s\n", title); }

/* ---- the walk -------------------------------------------------------------- */

static void initial(void)
{
	section("1 initial read-back");
	static const int sigs[] = {SIGPIPE, SIGINT, SIGCHLD, SIGUSR1, SIGUSR2, SIGTERM, SIGALRM,
	                           SIGKILL, SIGSTOP, 34, 35, 64};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		rb("initial", sigs[i]);
	struct sigaction o;
	memset(&o, 0, sizeof o);
	errno = SENTINEL;
	int rc = sigaction(SIGPIPE, NULL, NULL);
	out("sigaction(SIGPIPE,NULL,NULL) = %d errno=%s\n", rc, errname(errno));
	errno = SENTINEL;
	rc = __sigaction(SIGINT, NULL, &o);
	out("__sigaction(SIGINT,NULL,&o) = %d errno=%s h=%s\n", rc, errname(errno),
	    hname(o.sa_handler));
}

static void signal_family(void)
{
	section("2 signal, bsd_signal, ssignal, sysv_signal, __sysv_signal");
	SIGNAL(SIGUSR1, h_plain);
	rb("after signal h_plain", SIGUSR1);
	SIGNAL(SIGUSR1, h_other);
	SIGNAL(SIGUSR1, SIG_IGN);
	rb("after signal IGN", SIGUSR1);
	SIGNAL(SIGUSR1, SIG_DFL);
	rb("after signal DFL", SIGUSR1);

	BSD_SIGNAL(SIGUSR2, h_plain);
	rb("after bsd_signal", SIGUSR2);
	SSIGNAL(SIGUSR2, SIG_IGN);
	rb("after ssignal IGN", SIGUSR2);
	SYSV_SIGNAL(SIGUSR2, h_plain);
	rb("after sysv_signal", SIGUSR2);
	UU_SYSV_SIGNAL(SIGUSR2, SIG_DFL);
	rb("after __sysv_signal DFL", SIGUSR2);
	UU_SYSV_SIGNAL(SIGUSR2, SIG_IGN);
	rb("after __sysv_signal IGN", SIGUSR2);
	SIGNAL(SIGUSR2, SIG_DFL);

	/* the same doors on SIGPIPE, where the library keeps its own handler */
	SIGNAL(SIGPIPE, h_plain);
	rb("SIGPIPE after signal h_plain", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE after signal DFL", SIGPIPE);
	SYSV_SIGNAL(SIGPIPE, SIG_IGN);
	rb("SIGPIPE after sysv_signal IGN", SIGPIPE);
	SYSV_SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE after sysv_signal DFL", SIGPIPE);
	UU_SYSV_SIGNAL(SIGPIPE, h_plain);
	rb("SIGPIPE after __sysv_signal h_plain", SIGPIPE);
	BSD_SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE after bsd_signal DFL", SIGPIPE);

	/* real-time signals, the first and the last */
	SIGNAL(34, h_plain);
	rb("rt 34", 34);
	SIGNAL(34, SIG_DFL);
	SYSV_SIGNAL(64, h_plain);
	rb("rt 64", 64);
	SIGNAL(64, SIG_DFL);
	rb("rt 64 back", 64);

	/* System V re-arming one-shot handler */
	SYSV_SIGNAL(SIGUSR2, h_rearm);
	do_raise(SIGUSR2);
	show_rec("sysv rearm 1");
	out("  rearm returned %s errno=%s\n", hname(rec.rearm_ret), errname(rec.rearm_errno));
	rb("after rearm 1", SIGUSR2);
	do_raise(SIGUSR2);
	show_rec("sysv rearm 2");
	out("  rearm returned %s errno=%s\n", hname(rec.rearm_ret), errname(rec.rearm_errno));
	SIGNAL(SIGUSR2, SIG_DFL);

	/* signal() handler: BSD semantics, signal blocked in its own handler */
	SIGNAL(SIGUSR1, h_plain);
	do_raise(SIGUSR1);
	show_rec("signal h_plain");
	rb("after raise", SIGUSR1);
	SIGNAL(SIGUSR1, SIG_DFL);

	/* a handler with a signal that the program itself ignores or restores */
	SIGNAL(SIGINT, SIG_IGN);
	rb("SIGINT ignored", SIGINT);
	SIGNAL(SIGINT, SIG_DFL);
	rb("SIGINT back", SIGINT);
}

static void sigaction_flags(void)
{
	struct sigaction a;
	static const int mask1[] = {SIGINT, SIGKILL, SIGSTOP, SIGTERM, 34, 64, 0};
	static const int mask_ks[] = {SIGKILL, SIGSTOP, 0};

	section("3 sigaction flags and masks");
	set_act_info(&a, h_info, SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK, mask1);
	SIGACTION(SIGUSR2, &a);
	rb("all flags, mask with KILL/STOP", SIGUSR2);

	set_act(&a, h_plain, SA_RESTART, NULL);
	sigfillset(&a.sa_mask);
	SIGACTION(SIGUSR2, &a);
	rb("sigfillset mask", SIGUSR2);

	set_act(&a, h_plain, 0, mask_ks);
	SIGACTION(SIGUSR2, &a);
	rb("mask only KILL/STOP", SIGUSR2);

	/* bits the kernel does not know are dropped (sigaction(2), SA_UNSUPPORTED) */
	set_act(&a, h_plain, SA_UNSUPPORTED | SA_EXPOSE_TAGBITS | SA_INTERRUPT, NULL);
	SIGACTION(SIGUSR2, &a);
	rb("UNSUPPORTED probe, handler", SIGUSR2);
	set_act(&a, SIG_IGN, SA_UNSUPPORTED | SA_INTERRUPT, mask_ks);
	SIGACTION(SIGUSR2, &a);
	rb("UNSUPPORTED probe, IGN", SIGUSR2);
	set_act(&a, SIG_DFL, SA_UNSUPPORTED | SA_INTERRUPT, mask_ks);
	SIGACTION(SIGUSR2, &a);
	rb("UNSUPPORTED probe, DFL", SIGUSR2);

	/* the same on SIGPIPE */
	set_act_info(&a, h_info, SA_RESTART | SA_NODEFER | SA_ONSTACK, mask1);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE all flags but RESETHAND", SIGPIPE);
	set_act(&a, h_plain, SA_UNSUPPORTED | SA_INTERRUPT, mask_ks);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE UNSUPPORTED probe, handler", SIGPIPE);
	set_act(&a, SIG_IGN, SA_UNSUPPORTED | SA_INTERRUPT, mask_ks);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE UNSUPPORTED probe, IGN", SIGPIPE);
	set_act(&a, SIG_DFL, SA_UNSUPPORTED | SA_INTERRUPT, mask_ks);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE UNSUPPORTED probe, DFL", SIGPIPE);
	set_act(&a, SIG_DFL, SA_SIGINFO | SA_ONSTACK | SA_NODEFER, mask1);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE DFL with flags and mask", SIGPIPE);
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE plain DFL", SIGPIPE);

	/* glibc's sigaddset refuses 32 and 33, a program can still set the
	 * bits: the kernel keeps them */
	static const int mask_hup[] = {SIGHUP, 0};
	unsigned long word;
	set_act(&a, h_plain, SA_RESTART, mask_hup);
	memcpy(&word, &a.sa_mask, sizeof word);
	word |= 3UL << 31;
	memcpy(&a.sa_mask, &word, sizeof word);
	SIGACTION(SIGUSR2, &a);
	rb("raw bits 32,33 in mask, handler", SIGUSR2);
	a.sa_handler = SIG_DFL;
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE raw bits 32,33 in mask, DFL", SIGPIPE);
	a.sa_handler = SIG_IGN;
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE raw bits 32,33 in mask, IGN", SIGPIPE);
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGPIPE, &a);
	SIGACTION(SIGUSR2, &a);

	/* SIGCHLD flags that only mean something for SIGCHLD */
	set_act(&a, SIG_DFL, SA_NOCLDSTOP | SA_NOCLDWAIT, NULL);
	SIGACTION(SIGCHLD, &a);
	rb("SIGCHLD NOCLDSTOP|NOCLDWAIT", SIGCHLD);
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGCHLD, &a);

	/* __sigaction is the same door */
	set_act(&a, h_other, SA_RESTART, mask_ks);
	do_sigaction("__sigaction", __sigaction, SIGTERM, &a);
	rb("after __sigaction", SIGTERM);
	set_act(&a, SIG_DFL, 0, NULL);
	do_sigaction("__sigaction", __sigaction, SIGTERM, &a);
	rb("after __sigaction DFL", SIGTERM);

	/* a handler value that is neither DFL nor IGN nor a function of ours
	 * (never raised) */
	set_act(&a, SIG_HOLD, 0, NULL);
	SIGACTION(SIGTERM, &a);
	rb("SIG_HOLD as handler value", SIGTERM);
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGTERM, &a);
	rb("SIGTERM back", SIGTERM);
}

static void aliasing(void)
{
	struct sigaction sa;
	static const int mq[] = {SIGQUIT, 0};
	static const int mh[] = {SIGHUP, SIGKILL, 0};
	char f[160];

	/* sigaction's prototype says restrict; programs pass one pointer
	 * anyway: call through a pointer whose type does not promise it. */
	int (*volatile sa_fn)(int, const struct sigaction *, struct sigaction *) = sigaction;

	section("4 act and oldact are the same pointer");
	static const int sigs[] = {SIGUSR1, SIGPIPE};
	for (size_t i = 0; i < 2; i++) {
		int sig = sigs[i];
		set_act(&sa, h_plain, SA_RESTART, mq);
		errno = SENTINEL;
		int rc = sa_fn(sig, &sa, &sa);
		fmt_flags(f, sizeof f, SA_RESTART);
		char tag[512];
		snprintf(tag, sizeof tag, "sigaction(%d,&sa,&sa) sa={h_plain,%s,{3}} = %d errno=%s sa now:",
		         sig, f, rc, errname(errno));
		show_sa(tag, &sa);
		rb("after aliased 1", sig);

		set_act_info(&sa, h_info, SA_NODEFER, mh);
		errno = SENTINEL;
		rc = sa_fn(sig, &sa, &sa);
		snprintf(tag, sizeof tag, "sigaction(%d,&sa,&sa) sa={h_info,SIGINFO|NODEFER,{1,9}} = %d errno=%s sa now:",
		         sig, rc, errname(errno));
		show_sa(tag, &sa);
		rb("after aliased 2", sig);

		/* put back what was read: a round trip of the program's own view */
		errno = SENTINEL;
		rc = sa_fn(sig, &sa, &sa);
		snprintf(tag, sizeof tag, "sigaction(%d,&sa,&sa) round trip = %d errno=%s sa now:", sig, rc,
		         errname(errno));
		show_sa(tag, &sa);
		rb("after round trip", sig);

		set_act(&sa, SIG_DFL, 0, NULL);
		sigaction(sig, &sa, NULL);
		rb("back to DFL", sig);
	}
}

static void one_shot(void)
{
	struct sigaction a;
	static const int m2[] = {SIGUSR2, 0};

	section("5 SA_RESETHAND one-shot");
	set_act(&a, h_plain, SA_RESETHAND, m2);
	SIGACTION(SIGUSR1, &a);
	rb("SIGUSR1 one-shot armed", SIGUSR1);
	do_raise(SIGUSR1);
	show_rec("SIGUSR1 one-shot");
	rb("SIGUSR1 one-shot after", SIGUSR1);

	set_act_info(&a, h_info, SA_RESETHAND | SA_NODEFER, m2);
	SIGACTION(SIGUSR1, &a);
	rb("SIGUSR1 one-shot siginfo nodefer armed", SIGUSR1);
	do_raise(SIGUSR1);
	show_rec("SIGUSR1 one-shot siginfo nodefer");
	rb("SIGUSR1 one-shot siginfo nodefer after", SIGUSR1);
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGUSR1, &a);

	/* SIGPIPE: after the reset a second raise would kill; only read back */
	set_act(&a, h_plain, SA_RESETHAND, m2);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE one-shot armed", SIGPIPE);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE one-shot");
	rb("SIGPIPE one-shot after", SIGPIPE);

	set_act_info(&a, h_info, SA_RESETHAND | SA_NODEFER | SA_RESTART, m2);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE one-shot siginfo nodefer armed", SIGPIPE);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE one-shot siginfo nodefer");
	rb("SIGPIPE one-shot siginfo nodefer after", SIGPIPE);

	SYSV_SIGNAL(SIGPIPE, h_plain);
	rb("SIGPIPE sysv_signal armed", SIGPIPE);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE sysv_signal");
	rb("SIGPIPE sysv_signal after", SIGPIPE);
	SYSV_SIGNAL(SIGPIPE, h_rearm);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE sysv rearm 1");
	out("  rearm returned %s errno=%s\n", hname(rec.rearm_ret), errname(rec.rearm_errno));
	rb("SIGPIPE after rearm 1", SIGPIPE);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE sysv rearm 2");
	out("  rearm returned %s errno=%s\n", hname(rec.rearm_ret), errname(rec.rearm_errno));
	rb("SIGPIPE after rearm 2", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE signal DFL", SIGPIPE);
}

static void sigpipe_dispositions(void)
{
	struct sigaction a;
	int p[2];

	section("6 SIGPIPE: DFL, IGN, handler");
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE DFL", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_IGN);
	rb("SIGPIPE IGN", SIGPIPE);

	/* ignored: a write into a pipe without reader fails with EPIPE */
	if (pipe(p) == 0) {
		close(p[0]);
		reset_rec();
		errno = SENTINEL;
		ssize_t n = write(p[1], "x", 1);
		out("write(broken pipe) with IGN = %d errno=%s\n", (int)n, errname(errno));
		close(p[1]);
	}

	set_act_info(&a, h_info, 0, NULL);
	SIGACTION(SIGPIPE, &a);
	rb("SIGPIPE handler", SIGPIPE);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE raise");

	/* caught: the kernel's own SIGPIPE for a write into a broken pipe */
	if (pipe(p) == 0) {
		close(p[0]);
		reset_rec();
		errno = SENTINEL;
		ssize_t n = write(p[1], "x", 1);
		out("write(broken pipe) with handler = %d errno=%s\n", (int)n, errname(errno));
		show_rec("SIGPIPE from write");
		close(p[1]);
	}
	rb("SIGPIPE handler still", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE back to DFL", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE DFL again", SIGPIPE);
}

static void interrupt(void)
{
	section("7 siginterrupt");
	CALL(siginterrupt(SIGUSR2, 1));
	rb("after siginterrupt 1 (DFL)", SIGUSR2);
	SIGNAL(SIGUSR2, h_plain);
	rb("signal after siginterrupt 1", SIGUSR2);
	BSD_SIGNAL(SIGUSR2, h_other);
	rb("bsd_signal after siginterrupt 1", SIGUSR2);
	CALL(siginterrupt(SIGUSR2, 0));
	rb("after siginterrupt 0", SIGUSR2);
	SIGNAL(SIGUSR2, h_plain);
	rb("signal after siginterrupt 0", SIGUSR2);
	CALL(siginterrupt(SIGUSR2, 1));
	rb("siginterrupt 1 on a handler", SIGUSR2);
	SIGNAL(SIGUSR2, SIG_DFL);
	rb("DFL after siginterrupt 1", SIGUSR2);
	CALL(siginterrupt(SIGUSR2, 0));
	SIGNAL(SIGUSR2, SIG_DFL);
	rb("SIGUSR2 reset", SIGUSR2);

	CALL(siginterrupt(SIGPIPE, 1));
	rb("SIGPIPE after siginterrupt 1", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_IGN);
	rb("SIGPIPE IGN after siginterrupt 1", SIGPIPE);
	CALL(siginterrupt(SIGPIPE, 0));
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE DFL after siginterrupt 0", SIGPIPE);

	CALL(siginterrupt(64, 1));
	SIGNAL(64, h_plain);
	rb("64 after siginterrupt 1", 64);
	CALL(siginterrupt(64, 0));
	SIGNAL(64, SIG_DFL);
	rb("64 back", 64);

	CALL(siginterrupt(0, 1));
	CALL(siginterrupt(65, 1));
	CALL(siginterrupt(-1, 0));
	CALL(siginterrupt(SIGKILL, 1));
	CALL(siginterrupt(SIGSTOP, 0));
	CALL(siginterrupt(32, 1));
	CALL(siginterrupt(33, 0));
}

static void sysv_calls(void)
{
	section("8 sigset, sigignore");
	SIGSET(SIGUSR1, SIG_HOLD);
	show_blocked("after sigset HOLD");
	rb("after sigset HOLD", SIGUSR1);
	SIGSET(SIGUSR1, SIG_HOLD);
	SIGSET(SIGUSR1, h_plain);
	show_blocked("after sigset h_plain");
	rb("after sigset h_plain", SIGUSR1);
	SIGSET(SIGUSR1, h_other);
	SIGSET(SIGUSR1, SIG_HOLD);
	show_blocked("after sigset HOLD on a handler");
	do_raise(SIGUSR1);
	show_rec("held");
	SIGSET(SIGUSR1, h_plain);
	show_rec("released by sigset");
	show_blocked("after release");
	SIGSET(SIGUSR1, SIG_DFL);
	rb("after sigset DFL", SIGUSR1);
	SIGSET(SIGUSR1, SIG_IGN);
	rb("after sigset IGN", SIGUSR1);
	SIGSET(SIGUSR1, SIG_DFL);

	SIGSET(SIGPIPE, SIG_HOLD);
	SIGSET(SIGPIPE, SIG_IGN);
	rb("SIGPIPE sigset IGN", SIGPIPE);
	SIGSET(SIGPIPE, SIG_DFL);
	rb("SIGPIPE sigset DFL", SIGPIPE);
	show_blocked("after SIGPIPE sigset");

	CALL(sigignore(SIGUSR1));
	rb("after sigignore", SIGUSR1);
	SIGNAL(SIGUSR1, SIG_DFL);
	CALL(sigignore(SIGPIPE));
	rb("SIGPIPE after sigignore", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("SIGPIPE DFL after sigignore", SIGPIPE);

	CALL(sigignore(0));
	CALL(sigignore(65));
	CALL(sigignore(SIGKILL));
	CALL(sigignore(SIGSTOP));
	CALL(sigignore(32));
	CALL(sigignore(33));
	SIGSET(0, h_plain);
	SIGSET(65, h_plain);
	SIGSET(-1, SIG_HOLD);
	SIGSET(SIGUSR1, SIG_ERR);
	SIGSET(32, h_plain);
	SIGSET(33, SIG_HOLD);
	SIGSET(SIGKILL, h_plain);
	SIGSET(SIGKILL, SIG_HOLD);
	SIGSET(SIGSTOP, SIG_DFL);
	show_blocked("after invalid sigset");
	rb("SIGUSR1 after invalid sigset", SIGUSR1);
	/* whatever sigset(SIGUSR1, SIG_ERR) did, start section 9 from a known
	 * state so that one difference does not show up again further down */
	struct sigaction dfl;
	set_act(&dfl, SIG_DFL, 0, NULL);
	SIGACTION(SIGUSR1, &dfl);
	rb("SIGUSR1 reset", SIGUSR1);
}

static void invalid(void)
{
	struct sigaction a, ign;
	section("9 invalid signals and handlers");
	SIGNAL(0, h_plain);
	SIGNAL(65, h_plain);
	SIGNAL(-1, h_plain);
	SIGNAL(32, h_plain);
	SIGNAL(33, SIG_IGN);
	SIGNAL(SIGKILL, h_plain);
	SIGNAL(SIGKILL, SIG_DFL);
	SIGNAL(SIGSTOP, SIG_IGN);
	SIGNAL(SIGUSR1, SIG_ERR);
	rb("SIGUSR1 after SIG_ERR", SIGUSR1);
	SIGNAL(SIGPIPE, SIG_ERR);
	rb("SIGPIPE after SIG_ERR", SIGPIPE);
	BSD_SIGNAL(0, h_plain);
	BSD_SIGNAL(SIGUSR1, SIG_ERR);
	SSIGNAL(65, SIG_IGN);
	SSIGNAL(32, SIG_DFL);
	SYSV_SIGNAL(0, h_plain);
	SYSV_SIGNAL(65, h_plain);
	SYSV_SIGNAL(SIGUSR1, SIG_ERR);
	SYSV_SIGNAL(33, h_plain);
	SYSV_SIGNAL(SIGKILL, h_plain);
	UU_SYSV_SIGNAL(65, h_plain);
	UU_SYSV_SIGNAL(SIGSTOP, SIG_IGN);

	set_act(&a, h_plain, SA_RESTART, NULL);
	set_act(&ign, SIG_IGN, 0, NULL);
	SIGACTION(SIGKILL, &a);
	SIGACTION(SIGKILL, &ign);
	SIGACTION(SIGSTOP, &a);
	SIGACTION(SIGKILL, NULL);
	SIGACTION(SIGSTOP, NULL);
	SIGACTION(32, &a);
	SIGACTION(33, &a);
	SIGACTION(32, NULL);
	SIGACTION(33, NULL);
	SIGACTION(0, &a);
	SIGACTION(0, NULL);
	SIGACTION(65, &a);
	SIGACTION(65, NULL);
	SIGACTION(-1, NULL);
	do_sigaction("__sigaction", __sigaction, 32, &a);
	do_sigaction("__sigaction", __sigaction, SIGKILL, &a);
	errno = SENTINEL;
	int rc = sigaction(SIGUSR1, NULL, NULL);
	out("sigaction(SIGUSR1,NULL,NULL) = %d errno=%s\n", rc, errname(errno));
	errno = SENTINEL;
	rc = sigaction(65, NULL, NULL);
	out("sigaction(65,NULL,NULL) = %d errno=%s\n", rc, errname(errno));
	rb("SIGKILL", SIGKILL);
	rb("SIGSTOP", SIGSTOP);
	rb("SIGUSR1 untouched", SIGUSR1);
}

static void errno_across_handlers(void)
{
	struct sigaction a;
	section("10 errno across a handler that clobbers it");
	SIGNAL(SIGUSR1, h_errno);
	reset_rec();
	errno = 12345;
	int rc = raise(SIGUSR1);
	int e = errno;
	out("raise(SIGUSR1) with h_errno = %d errno=%s\n", rc, errname(e));
	show_rec("h_errno");

	set_act_info(&a, h_errno_info, SA_RESTART, NULL);
	SIGACTION(SIGUSR1, &a);
	reset_rec();
	errno = 12345;
	rc = raise(SIGUSR1);
	e = errno;
	out("raise(SIGUSR1) with h_errno_info = %d errno=%s\n", rc, errname(e));
	show_rec("h_errno_info");
	SIGNAL(SIGUSR1, SIG_DFL);

	SIGNAL(SIGPIPE, h_errno);
	reset_rec();
	errno = 12345;
	rc = raise(SIGPIPE);
	e = errno;
	out("raise(SIGPIPE) with h_errno = %d errno=%s\n", rc, errname(e));
	show_rec("SIGPIPE h_errno");

	set_act(&a, h_errno, SA_RESETHAND, NULL);
	SIGACTION(SIGPIPE, &a);
	reset_rec();
	errno = 12345;
	rc = raise(SIGPIPE);
	e = errno;
	out("raise(SIGPIPE) with one-shot h_errno = %d errno=%s\n", rc, errname(e));
	show_rec("SIGPIPE one-shot h_errno");
	rb("SIGPIPE after one-shot h_errno", SIGPIPE);
	SIGNAL(SIGPIPE, SIG_DFL);
}

static void siginfo_delivery(void)
{
	struct sigaction a;
	static const int m1[] = {SIGHUP, 0};
	section("11 SA_SIGINFO delivery");

	set_act_info(&a, h_info, 0, m1);
	SIGACTION(SIGUSR1, &a);
	do_raise(SIGUSR1);
	show_rec("raise SIGUSR1");

	/* sigqueue carries a value */
	SIGACTION(34, &a);
	reset_rec();
	union sigval v;
	v.sival_int = 42;
	errno = SENTINEL;
	int rc = sigqueue(getpid(), 34, v);
	out("sigqueue(self,34,42) = %d errno=%s\n", rc, errname(errno));
	show_rec("sigqueue 34");
	SIGNAL(34, SIG_DFL);

	/* kill() from ourselves: SI_USER */
	reset_rec();
	errno = SENTINEL;
	rc = kill(getpid(), SIGUSR1);
	out("kill(self,SIGUSR1) = %d errno=%s\n", rc, errname(errno));
	show_rec("kill SIGUSR1");

	/* pending while blocked, then the handler changes: the new one runs */
	sigset_t one, old;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	sigprocmask(SIG_BLOCK, &one, &old);
	do_raise(SIGUSR1);
	show_rec("blocked SIGUSR1");
	SIGNAL(SIGUSR1, h_other);
	sigprocmask(SIG_SETMASK, &old, NULL);
	show_rec("unblocked after handler change");

	/* pending while blocked, then SIG_IGN: the pending signal is dropped */
	sigprocmask(SIG_BLOCK, &one, &old);
	do_raise(SIGUSR1);
	SIGNAL(SIGUSR1, SIG_IGN);
	sigset_t pend;
	sigpending(&pend);
	out("  pending SIGUSR1 after IGN: %d\n", sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);
	show_rec("unblocked after IGN");
	SIGNAL(SIGUSR1, SIG_DFL);

	/* alternate stack */
	stack_t ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_sp = altstack_mem;
	ss.ss_size = sizeof altstack_mem;
	errno = SENTINEL;
	rc = sigaltstack(&ss, NULL);
	out("sigaltstack = %d errno=%s\n", rc, errname(errno));
	set_act_info(&a, h_info, SA_ONSTACK, NULL);
	SIGACTION(SIGUSR2, &a);
	do_raise(SIGUSR2);
	show_rec("SA_ONSTACK");
	set_act_info(&a, h_info, 0, NULL);
	SIGACTION(SIGUSR2, &a);
	do_raise(SIGUSR2);
	show_rec("without SA_ONSTACK");
	set_act_info(&a, h_info, SA_ONSTACK, NULL);
	SIGACTION(SIGPIPE, &a);
	do_raise(SIGPIPE);
	show_rec("SIGPIPE SA_ONSTACK");
	SIGNAL(SIGPIPE, SIG_DFL);
	SIGNAL(SIGUSR2, SIG_DFL);

	/* a child's exit */
	set_act_info(&a, h_info, SA_NOCLDSTOP, NULL);
	SIGACTION(SIGCHLD, &a);
	reset_rec();
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int st = 0;
	errno = SENTINEL;
	pid_t w = waitpid(pid, &st, 0);
	out("waitpid = %s status=%d errno=%s\n", w == pid ? "child" : "other",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1, errname(errno));
	show_rec("SIGCHLD");
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGCHLD, &a);
	rb("SIGCHLD back", SIGCHLD);
}

/* ---- child processes ------------------------------------------------------- */

static void show_status(const char *what, pid_t pid)
{
	int st = 0;
	pid_t w = waitpid(pid, &st, 0);
	if (w != pid)
		out("%s: waitpid failed errno=%s\n", what, errname(errno));
	else if (WIFEXITED(st))
		out("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		out("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		out("%s: status 0x%x\n", what, st);
}

/* What a program exec'd by us starts with: "--exec-child" mode. */
static int exec_child(void)
{
	section("exec child: inherited dispositions");
	static const int sigs[] = {SIGPIPE, SIGUSR1, SIGUSR2, SIGINT, SIGCHLD};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		rb("exec child", sigs[i]);
	show_blocked("exec child");
	SIGSET(SIGUSR2, SIG_HOLD);
	SIGNAL(SIGPIPE, SIG_DFL);
	rb("exec child SIGPIPE DFL", SIGPIPE);
	SIGNAL(SIGPIPE, h_plain);
	do_raise(SIGPIPE);
	show_rec("exec child SIGPIPE");
	SIGNAL(SIGPIPE, SIG_IGN);
	rb("exec child SIGPIPE IGN", SIGPIPE);
	out("== exec child done\n");
	return 0;
}

static void children(void)
{
	struct sigaction a;
	int p[2];
	pid_t pid;

	section("12 child processes");

	/* SIGPIPE at SIG_DFL still kills: a write into a pipe without reader,
	 * raise(), and a raise after the one-shot reset */
	if (pipe(p) == 0) {
		/* no reader from the start: closed after the fork, the parent's
		 * copy of the read end let a quick child's write succeed */
		close(p[0]);
		pid = fork();
		if (pid == 0) {
			signal(SIGPIPE, SIG_DFL);
			ssize_t n = write(p[1], "x", 1);
			out("child survived write: %d errno=%s\n", (int)n, errname(errno));
			_exit(0);
		}
		close(p[1]);
		show_status("child DFL write into broken pipe", pid);
	}
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		out("child survived raise(SIGPIPE)\n");
		_exit(0);
	}
	show_status("child DFL raise(SIGPIPE)", pid);
	pid = fork();
	if (pid == 0) {
		set_act(&a, h_plain, SA_RESETHAND, NULL);
		sigaction(SIGPIPE, &a, NULL);
		do_raise(SIGPIPE);
		show_rec("child one-shot");
		rb("child after one-shot", SIGPIPE);
		raise(SIGPIPE);
		out("child survived second raise(SIGPIPE)\n");
		_exit(0);
	}
	show_status("child one-shot then raise(SIGPIPE)", pid);
	pid = fork();
	if (pid == 0) {
		sysv_signal(SIGUSR1, h_plain);
		do_raise(SIGUSR1);
		show_rec("child sysv one-shot");
		raise(SIGUSR1);
		out("child survived second raise(SIGUSR1)\n");
		_exit(0);
	}
	show_status("child sysv one-shot then raise(SIGUSR1)", pid);

	/* a forked child reads back what its parent installed */
	static const int m[] = {SIGTERM, 0};
	set_act_info(&a, h_info, SA_RESTART | SA_NODEFER, m);
	SIGACTION(SIGPIPE, &a);
	SIGNAL(SIGUSR1, h_other);
	pid = fork();
	if (pid == 0) {
		rb("forked child", SIGPIPE);
		rb("forked child", SIGUSR1);
		do_raise(SIGPIPE);
		show_rec("forked child SIGPIPE");
		SIGNAL(SIGPIPE, SIG_DFL);
		rb("forked child SIGPIPE DFL", SIGPIPE);
		_exit(0);
	}
	show_status("forked child", pid);
	rb("parent after fork", SIGPIPE);

	/* SA_NOCLDWAIT: the child is reaped by the kernel */
	set_act(&a, SIG_DFL, SA_NOCLDWAIT, NULL);
	SIGACTION(SIGCHLD, &a);
	pid = fork();
	if (pid == 0)
		_exit(3);
	errno = SENTINEL;
	pid_t w = waitpid(pid, NULL, 0);
	out("waitpid with SA_NOCLDWAIT = %s errno=%s\n", w == pid ? "child" : w < 0 ? "-1" : "other",
	    errname(errno));
	set_act(&a, SIG_DFL, 0, NULL);
	SIGACTION(SIGCHLD, &a);

	/* exec: handlers become SIG_DFL, SIG_IGN stays, flags and masks are
	 * cleared, the blocked mask is kept */
	set_act(&a, SIG_IGN, SA_RESTART, m);
	SIGACTION(SIGPIPE, &a);
	SIGACTION(SIGUSR2, &a);
	sigset_t one, old;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR2);
	sigprocmask(SIG_BLOCK, &one, &old);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "sigreadback", "--exec-child", (char *)NULL);
		out("exec failed errno=%s\n", errname(errno));
		_exit(127);
	}
	show_status("exec child", pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	SIGNAL(SIGPIPE, SIG_DFL);
	SIGNAL(SIGUSR1, SIG_DFL);
	SIGNAL(SIGUSR2, SIG_DFL);
	rb("parent after exec child", SIGPIPE);
}

/* A vfork() child shares the parent's memory until it execs, but has its
 * own signal dispositions: what it sets (as CPython's subprocess does,
 * resetting every handler) must not show in the parent. */
static volatile sig_atomic_t vfork_hits;
static void h_vfork(int sig) { (void)sig; vfork_hits++; }

static void vfork_child_dispositions(void)
{
	section("12b vfork child resets handlers");
	struct sigaction sa, dfl;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h_vfork;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pid_t pid = vfork();
	if (pid == 0) {
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGUSR2, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	rb("parent after vfork child", SIGUSR2);
	rb("parent after vfork child", SIGINT);
	raise(SIGUSR2);
	raise(SIGINT);
	out("vfork: parent handler ran %d times\n", (int)vfork_hits);
	SIGNAL(SIGUSR2, SIG_DFL);
	SIGNAL(SIGINT, SIG_DFL);
}

static void final(void)
{
	section("13 final read-back");
	static const int sigs[] = {SIGPIPE, SIGINT, SIGCHLD, SIGUSR1, SIGUSR2, SIGTERM, 34, 64};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		rb("final", sigs[i]);
	show_blocked("final");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec-child"))
		return exec_child();

	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	reset_rec();

	initial();
	signal_family();
	sigaction_flags();
	aliasing();
	one_shot();
	sigpipe_dispositions();
	interrupt();
	sysv_calls();
	invalid();
	errno_across_handlers();
	siginfo_delivery();
	children();
	vfork_child_dispositions();
	final();
	out("== done\n");
	exit(0);
}
