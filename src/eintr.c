/* The EINTR policy (TCPSAFE_EINTR).
 *
 * Legacy code treats EINTR as fatal; correct code relies on it (alarm()
 * timeouts, SIGTERM flags, make's pselect, sshd's ppoll, the postmaster's
 * select timeout, CPython's handlers, which run only when the call
 * returns).  The trampoline counts, per thread, every program handler run
 * (ts_tsig.hseq), when each signal's handler last ran (ts_tsig.sig_seq),
 * and the latest run whose EINTR belongs to the program (ts_tsig.keep_seq).
 * A wrapper that notes hseq before its call knows which handlers ran
 * during it:
 *   auto   (default) retry only what no correct program can rely on: an
 *          EINTR that no program handler caused (tcpsafe's own SIGCHLD,
 *          stop/continue), and one caused only by a SIGCHLD handler that
 *          reaped (called a wait function itself) and was installed
 *          without SA_RESTART: the classic Stevens reaper, whose job is
 *          done when it returns.  That second kind only for calls that
 *          would otherwise block without end: a wait with a timeout
 *          belongs to a program that keeps time and recomputes it when a
 *          handler cuts the wait short (the PostgreSQL 15 postmaster reaps
 *          in such a handler and relies on select()'s EINTR), and a call
 *          given a signal mask (pselect, ppoll, epoll_pwait) exists to be
 *          interrupted;
 *   retry  retry unless a handler of the pass set ran (the former
 *          default; it also adds SA_RESTART underneath those handlers);
 *   strict retry only if no program handler ran at all;
 *   pass   never retry.
 * In pass mode an EINTR with no program handler run is retried only once
 * tcpsafe's own SIGCHLD handler is installed. */
#include "autoconfig.h"

#include <errno.h>

#include "tcpsafe.h"

/* Calls given a signal mask to wait with. */
static int masked_call(enum ts_call call)
{
	return call == TS_C_PPOLL || call == TS_C_PSELECT || call == TS_C_EPOLL_PWAIT ||
	       call == TS_C_EPOLL_PWAIT2;
}

/* From the trampoline, after the program's handler for sig returned: in
 * auto mode a SIGCHLD handler that reaped, installed without SA_RESTART,
 * gives up the EINTR it caused (keep0: keep_seq before the run). */
void ts_eintr_handler_done(int sig, int flags, unsigned long seq, unsigned long keep0,
                           unsigned long waits0)
{
	if (sig == SIGCHLD && ts_tsig.waits != waits0 && !(flags & SA_RESTART) &&
	    ts_tsig.keep_seq == seq && !(ts_cfg.eintr_pass & TS_SIGBIT(SIGCHLD)))
		ts_tsig.keep_seq = keep0;
}

/* The pass-set signal whose handler ran since seq, or 0. */
static int pass_handler_ran(unsigned long seq)
{
	unsigned long long set = ts_cfg.eintr_pass;
	while (set) {
		int sig = __builtin_ctzll(set) + 1;
		set &= set - 1;
		if (sig < NSIG && ts_tsig.sig_seq[sig] > seq)
			return sig;
	}
	return 0;
}

/* From tcpsafe's own SIGCHLD handler.  Only pause() and sigsuspend() ask
 * (own_ran), so runs are counted only while one waits: no write to the
 * thread's TLS page otherwise, which right after a fork() would cost the
 * parent a copy-on-write fault. */
void ts_eintr_own_handler_ran(void)
{
	if (ts_tsig.in_pause)
		ts_tsig.own_runs++;
}

/* Did tcpsafe's own SIGCHLD handler run on this thread since the last
 * decision?  Its wake-ups are never the program's, in any mode. */
static int own_ran(void)
{
	unsigned long runs = ts_tsig.own_runs;
	int ran = runs != ts_tsig.own_decided;
	ts_tsig.own_decided = runs;
	return ran;
}

/* An EINTR handed to the program: logged at level debug, except in pass
 * mode, where passing is the rule. */
static void note_passed(enum ts_call call, int fd, int sig)
{
	if (ts_cfg.eintr != TS_EINTR_PASS)
		ts_log_eintr_passed(call, fd, sig);
}

int ts_eintr_retry_timed(enum ts_call call, int fd, unsigned long *seq, int timed)
{
	int saved = errno, sig = 0, retry;
	unsigned long now = ts_tsig.hseq;

	if (!ts_active) {
		ts_init();
		if (!ts_active)
			return 0;
	}
	switch (ts_cfg.eintr) {
	case TS_EINTR_AUTO:
		/* a masked or timed wait is the program's way to take its signals */
		retry = masked_call(call) || timed ? now == *seq : ts_tsig.keep_seq <= *seq;
		if (!retry)
			sig = ts_tsig.last_sig;
		break;
	case TS_EINTR_RETRY:
		retry = !(sig = pass_handler_ran(*seq));
		break;
	case TS_EINTR_STRICT:
		retry = now == *seq;
		break;
	default:
		/* pass: only what tcpsafe's own SIGCHLD handler may have caused.
		 * That includes an EINTR on this thread while another thread took
		 * the signal (epoll_wait, sigtimedwait, semop... return EINTR as
		 * soon as a signal is pending, even if they do not handle it). */
		retry = now == *seq && ts_reap_active();
		break;
	}
	if (retry) {
		*seq = now;
		ts_log_retry(call, fd, EINTR);
	} else {
		note_passed(call, fd, sig);
	}
	ts_tsig.decided = now;
	errno = saved;
	return retry;
}

/* The kernel decides whether to restart by the first signal it delivers
 * during the call, whose handler runs last: so the latest handler run
 * decides here too. */
int ts_eintr_retry_restartable(enum ts_call call, int fd)
{
	unsigned long seq = ts_tsig.decided;
	int last = ts_tsig.last_sig;
	if (ts_active && ts_tsig.hseq != seq && last > 0) {
		if (ts_cfg.eintr == TS_EINTR_RETRY && !(ts_cfg.eintr_pass & TS_SIGBIT(last)))
			seq = ts_tsig.sig_seq[last];
		else if (ts_cfg.eintr == TS_EINTR_AUTO && ts_tsig.keep_seq != ts_tsig.hseq)
			seq = ts_tsig.hseq; /* the latest run was a reaper's */
	}
	return ts_eintr_retry_timed(call, fd, &seq, 0);
}

/* A semaphore wait with a deadline is how a language runtime blocks while
 * staying interruptible: CPython's locks wait in sem_clockwait() (or
 * sem_timedwait()), and on EINTR run the program's signal handlers, which
 * may be what the wait is for (a SIGCHLD handler reaping a child).  So the
 * EINTR of a program handler reaches the program in every mode, as without
 * tcpsafe; only one that no program handler caused (tcpsafe's own SIGCHLD)
 * is left to the policy. */
int ts_eintr_retry_unless_program(enum ts_call call, unsigned long *seq)
{
	if (ts_tsig.hseq != *seq) {
		ts_tsig.decided = ts_tsig.hseq;
		if (ts_active)
			note_passed(call, -1, ts_tsig.last_sig);
		return 0;
	}
	return ts_eintr_retry_timed(call, -1, seq, 0);
}

int ts_eintr_force_restart(int sig)
{
	return ts_active && ts_cfg.eintr == TS_EINTR_RETRY && sig >= 1 && sig <= 64 &&
	       !(ts_cfg.eintr_pass & TS_SIGBIT(sig));
}

/* pause() and sigsuspend() exist to wait for the program's signals: they
 * return whenever a program handler ran, and are resumed only when the
 * wake-up was not the program's (tcpsafe's own handler). */
int ts_eintr_resume_wait(enum ts_call call, unsigned long *seq)
{
	int saved = errno;
	if (!ts_active || ts_tsig.hseq != *seq || (ts_cfg.eintr == TS_EINTR_PASS && !own_ran()))
		return 0;
	ts_log_retry(call, -1, EINTR);
	errno = saved;
	return 1;
}
