/* SIGPIPE policy.  While the program's SIGPIPE is SIG_DFL, this handler
 * sits underneath instead of SIG_IGN: a handler is reset to SIG_DFL by
 * execve, SIG_IGN would leak into every program it starts.
 *
 * tcpsafe protects sockets, not pipes: a child that inherited LD_PRELOAD
 * and writes into a pipe whose reader left (`yes | head -1`) must still
 * end by SIGPIPE, or shell loops that rely on it would spin forever.  The
 * kernel raises a socket's SIGPIPE as SI_USER from the process itself,
 * right as the write returns; on x86-64 the interrupted context still
 * holds the syscall's result and fd argument (rdi survives the syscall),
 * so we can look at what was written to, and log it right here.  When we
 * cannot tell (other architectures), we protect, and write-family wrappers
 * mark the thread so the handler knows whether one of them will log. */
#include "autoconfig.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include "tcpsafe.h"

static _Atomic unsigned long unseen; /* SIGPIPEs no line named yet */

static int fd_type(long fd)
{
	struct stat st;
	if (fd < 0 || fd > 0x7fffffff || fstat((int)fd, &st) < 0)
		return 0;
	return (int)(st.st_mode & S_IFMT);
}

/* The system call that just failed, from the instruction before it: glibc
 * loads the number with "mov $N, %eax" right before "syscall". */
static enum ts_call call_of(const unsigned char *ip)
{
	if (((uintptr_t)ip & 0xfff) < 7 || ip[-7] != 0xb8 || ip[-4] || ip[-3])
		return TS_C_UNKNOWN;
	switch (ip[-6] | ip[-5] << 8) {
	case 1: case 18: return TS_C_WRITE; /* write, pwrite64 */
	case 20: case 296: return TS_C_WRITEV;
	case 44: return TS_C_SENDTO;
	case 46: return TS_C_SENDMSG;
	case 40: return TS_C_SENDFILE;
	case 275: case 278: return TS_C_SPLICE;
	default: return TS_C_UNKNOWN;
	}
}

#if defined(__x86_64__)
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel flag glibc sets */
#endif

static int syscall_epipe(const greg_t *g, const unsigned char *ip)
{
	return g[REG_RAX] == -EPIPE && ((uintptr_t)ip & 0xfff) >= 2 && ip[-2] == 0x0f &&
	       ip[-1] == 0x05;
}

/* Is the context the first instruction of a handler the kernel has just
 * built a frame for (its restorer on top of the stack)? */
static int handler_entry(const greg_t *g)
{
	for (int sig = 1; sig < SIGPIPE; sig++) {
		struct sigaction k;
		if (ts_real.sigaction(sig, NULL, &k) < 0 || !(k.sa_flags & SA_RESTORER))
			continue;
		greg_t entry = (k.sa_flags & SA_SIGINFO) ? (greg_t)k.sa_sigaction
		                                         : (greg_t)k.sa_handler;
		if (entry == g[REG_RIP] && *(void **)g[REG_RSP] == (void *)k.sa_restorer)
			return 1;
	}
	return 0;
}
#endif

/* Should this SIGPIPE be swallowed, and for which socket?  On x86-64 the
 * interrupted context tells: a socket's SIGPIPE is delivered as the
 * write-family syscall returns -EPIPE, with the fd still in rdi (splice:
 * the output fd in rdx).  Anything else (kill(getpid()), a pipe reader
 * gone, a SIGPIPE held blocked and released later) gets the default
 * action, as without us.  Elsewhere we cannot tell, and protect (*fd = -1). */
static int from_socket_write(void *ucv, int *fd, enum ts_call *call)
{
	*fd = -1;
	*call = TS_C_UNKNOWN;
#if defined(__x86_64__)
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	const unsigned char *ip = (const unsigned char *)g[REG_RIP];
	/* A lower-numbered signal pending at the same time got its frame
	 * first: we interrupt the entry of its handler, and the syscall's
	 * context is the one the kernel saved in that frame (rsp points to
	 * its return address, the ucontext follows). */
	for (int depth = 0; depth < 4 && !syscall_epipe(g, ip); depth++) {
		if (!handler_entry(g))
			return 0;
		uc = (ucontext_t *)((char *)g[REG_RSP] + sizeof(void *));
		g = uc->uc_mcontext.gregs;
		ip = (const unsigned char *)g[REG_RIP];
	}
	if (!syscall_epipe(g, ip))
		return 0;
	int t = fd_type(g[REG_RDI]);
	if (t == S_IFIFO && fd_type(g[REG_RDX]) == S_IFSOCK)
		*fd = (int)g[REG_RDX];
	else if (t == S_IFSOCK)
		*fd = (int)g[REG_RDI];
	else
		return 0;
	*call = call_of(ip);
	return 1;
#else
	(void)ucv;
	return 1;
#endif
}

void ts_sigpipe_noop(int sig, siginfo_t *si, void *uc)
{
	int saved = errno, fd;
	enum ts_call call;
	/* kill -PIPE from another process, raise() or sigqueue(): the program
	 * asked for SIG_DFL, so it gets the default action. */
	int from_kernel = si && si->si_code == SI_USER && si->si_pid == getpid();
	if (!from_kernel || !from_socket_write(uc, &fd, &call)) {
		ts_log_signal_debug(sig, "default");
		ts_signal_default_action(sig);
		errno = saved;
		return;
	}
	ts_log_signal_debug(sig, "suppressed");
	if (fd >= 0) {
		/* Log the EPIPE here, where the socket is known even for stdio
		 * and splice; the wrapper that sees it return logs nothing more. */
		ts_log_io_event(call, fd, EPIPE);
		ts_tsig.pipe_fd = fd + 1;
	} else if (ts_tsig.in_write == 0) { /* no wrapper will log it */
		ts_log_sigpipe_unseen(atomic_fetch_add(&unseen, 1) + 1);
	}
	errno = saved;
}
