/* tcpsafe internal interfaces shared by the library's source files.
 *
 * Layering (as in socket_wrapper): the exported symbol (e.g. write in io.c)
 * calls the real function through a typed pointer bound once (bind.c), and
 * only on failure drops into out-of-line logic (events, signals, fd table).
 * Everything here is hidden: only interposed names are exported (TS_EXPORT).
 */
#ifndef TS_H
#define TS_H

#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/select.h>
#include <time.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/sem.h>
#include <sys/msg.h>
#include <semaphore.h>

#include "config.h"

#define TS_EXPORT __attribute__((visibility("default")))
#define TS_HIDDEN __attribute__((visibility("hidden")))
#define TS_COLD __attribute__((cold, noinline))
/* A macro's value as a string, for assembly text. */
#define TS_STR_(x) #x
#define TS_STR(x) TS_STR_(x)
#define TS_LIKELY(x) __builtin_expect(!!(x), 1)
#define TS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TS_TLS __attribute__((tls_model("initial-exec"))) _Thread_local
/* Zero-initialised data placed in the file-backed data segment instead of
 * .bss: a .bss larger than the tail of the last data page becomes an extra
 * anonymous mapping, and every mapping costs each fork() and exit of the
 * program about a microsecond. */
#define TS_FILE_DATA __attribute__((section(".data.tcpsafe")))
/* Restore errno only if it changed: a write to the thread's TLS page right
 * after fork() costs the parent a copy-on-write fault. */
#define TS_ERRNO_RESTORE(saved)                                                \
	do {                                                                   \
		if (TS_UNLIKELY(errno != (saved)))                             \
			errno = (saved);                                       \
	} while (0)
/* a frame cancellation may unwind through: no ASan redzones in it */
#define TS_UNWOUND __attribute__((no_sanitize_address))

/* ---- lock.c ------------------------------------------------------------ */
struct ts_lock {
	_Atomic int held;
};
#define TS_LOCK_INIT {0}
/* The kernel's signal mask (64 signals): 8 bytes on the stack where glibc's
 * sigset_t takes 128, which a handler on a small alternate stack feels. */
typedef unsigned long long ts_mask;
void ts_lock(struct ts_lock *l, ts_mask *old) TS_HIDDEN;
void ts_unlock(struct ts_lock *l, const ts_mask *old) TS_HIDDEN;
void ts_spin_lock(struct ts_lock *l) TS_HIDDEN;   /* signals already all blocked */
void ts_spin_unlock(struct ts_lock *l) TS_HIDDEN;
int ts_lock_held(struct ts_lock *l) TS_HIDDEN;
int ts_single_threaded(void) TS_HIDDEN; /* 0 when unsure */

/* ---- raw system calls for a forked child's first steps ------------------
 * What a forked child runs right after fork() should touch no page it would
 * not touch anyway: each libc code page it calls into is one more page
 * fault per fork.  These make the call from our own code instead. */
#if defined(__x86_64__)
static inline long ts_syscall4(long nr, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
	                 : "rcx", "r11", "memory");
	return ret;
}
#define TS_HAVE_RAW_SYSCALL 1
#endif

/* ---- bind.c: typed pointers to the real functions ---------------------- */
struct ts_real {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*sendfile64)(int, int, off_t *, size_t);
	ssize_t (*read_chk)(int, void *, size_t, size_t);
	ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*close)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*close_range)(unsigned int, unsigned int, int);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*poll_chk)(struct pollfd *, nfds_t, int, size_t);
	int (*ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*nanosleep)(const struct timespec *, struct timespec *);
	int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
	int (*pause)(void);
	int (*sigsuspend)(const sigset_t *);
	pid_t (*fork)(void);
	pid_t (*wait4)(pid_t, int *, int, struct rusage *);
	int (*waitid)(idtype_t, id_t, siginfo_t *, int);
	int (*kill)(pid_t, int);
	/* calls the kernel never restarts, for our own SIGCHLD's sake */
	int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
	int (*sigwaitinfo)(const sigset_t *, siginfo_t *);
	int (*semop)(int, struct sembuf *, size_t);
	int (*semtimedop)(int, struct sembuf *, size_t, const struct timespec *);
	ssize_t (*msgrcv)(int, void *, size_t, long, int);
	int (*msgsnd)(int, const void *, size_t, int);
	int (*sem_timedwait)(sem_t *, const struct timespec *);
	int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *, const sigset_t *);
	int (*clone)(int (*)(void *), void *, int, void *, ...);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
};

/* Always callable: before binding each pointer holds a lazy stub that binds
 * that symbol and calls through, so the hot path never tests for NULL. */
extern struct ts_real ts_real TS_HIDDEN;
void ts_bind_all(void) TS_HIDDEN;

/* ---- init.c: configuration state, read once ---------------------------- */
/* What a forked child writes (and the parent around fork()), in one cache
 * line: each page written after fork() costs a copy-on-write fault, in a
 * fork server's every child. */
struct ts_proc {
	pid_t owner_pid;            /* the process our tables belong to */
	void *_Atomic reaper;       /* children.c's state */
	struct ts_lock sig_lock;    /* signals.c's table lock */
	_Atomic int reap_starting;  /* children.c: first fork in progress */
	_Atomic int borrowers;      /* vfork.c: children in our memory */
};
extern struct ts_proc ts_proc TS_HIDDEN;
extern struct ts_config ts_cfg TS_HIDDEN;
extern int ts_active TS_HIDDEN; /* 0 until init done, or when disabled */
void ts_init(void) TS_HIDDEN;   /* idempotent, async-signal-safe after first run */

/* ---- vfork.c: children that borrow our memory ---------------------------- */
/* x86-64 gets a vfork stub that counts the vforks in progress; elsewhere
 * (and in -fcf-protection builds) vfork is not wrapped. */
#if defined(__x86_64__) && !defined(__CET__)
#define TS_WRAP_VFORK 1
#endif
/* A system call while a vfork()/clone(CLONE_VM) child may exist, else none. */
int ts_in_vfork_child(void) TS_HIDDEN;
void ts_vfork_after_fork(void) TS_HIDDEN;

/* ---- fdtab.c: peer address remembered per fd --------------------------- */
struct ts_addr {
	uint16_t family; /* AF_INET or AF_INET6; 0 = unknown */
	uint16_t port;   /* network byte order */
	uint8_t addr[16];
};
void ts_fd_remember(int fd, const struct sockaddr *sa, socklen_t len) TS_HIDDEN;
void ts_fd_forget(int fd) TS_HIDDEN;
void ts_fd_copy(int oldfd, int newfd) TS_HIDDEN;
void ts_fd_forget_range(unsigned int lo, unsigned int hi) TS_HIDDEN;
int ts_fd_peer(int fd, struct ts_addr *out) TS_HIDDEN; /* 1 if known */
#define TS_SEEN_RST 1u
#define TS_SEEN_EPIPE 2u
int ts_fd_first_event(int fd, uint32_t kind) TS_HIDDEN;
int ts_addr_from_sockaddr(struct ts_addr *out, const struct sockaddr *sa, socklen_t len) TS_HIDDEN;

/* ---- log.c: one-line logfmt records ------------------------------------ */
enum ts_call {
	TS_C_READ, TS_C_READV, TS_C_RECV, TS_C_RECVFROM, TS_C_RECVMSG,
	TS_C_WRITE, TS_C_WRITEV, TS_C_SEND, TS_C_SENDTO, TS_C_SENDMSG,
	TS_C_SENDFILE, TS_C_ACCEPT, TS_C_ACCEPT4, TS_C_CONNECT,
	TS_C_POLL, TS_C_PPOLL, TS_C_SELECT, TS_C_PSELECT, TS_C_EPOLL_WAIT, TS_C_EPOLL_PWAIT,
	TS_C_NANOSLEEP, TS_C_CLOCK_NANOSLEEP, TS_C_USLEEP, TS_C_PAUSE, TS_C_SIGSUSPEND,
	TS_C_WAIT, TS_C_SPLICE, TS_C_CLOSE,
	TS_C_SLEEP, TS_C_SIGTIMEDWAIT, TS_C_SIGWAITINFO, TS_C_SEMOP, TS_C_SEMTIMEDOP,
	TS_C_MSGRCV, TS_C_MSGSND, TS_C_SEM_TIMEDWAIT, TS_C_SEM_CLOCKWAIT, TS_C_EPOLL_PWAIT2,
	TS_C_GETSOCKOPT,
	TS_C_UNKNOWN, TS_C__COUNT
};
const char *ts_call_name(enum ts_call c) TS_HIDDEN;
void ts_log_io_event(enum ts_call call, int fd, int err) TS_HIDDEN;
void ts_log_sigpipe_unseen(unsigned long count) TS_HIDDEN;
void ts_log_repeats(int fd, uint32_t count) TS_HIDDEN;
void ts_log_retry(enum ts_call call, int fd, int err) TS_HIDDEN;
void ts_log_eintr_passed(enum ts_call call, int fd, int sig) TS_HIDDEN;
void ts_log_accept_backoff(enum ts_call call, int fd, int err, long delay_ms) TS_HIDDEN;
void ts_log_signal_debug(int sig, const char *action) TS_HIDDEN;
void ts_log_config_warning(const char *var, const char *value, const char *accepted,
                           const char *using_) TS_HIDDEN;
void ts_log_flush_suppressed(void) TS_HIDDEN;
void ts_log_init(void) TS_HIDDEN;

/* ---- io.c: the shared error path of every wrapped I/O call ------------- */
/* After a failed call: log what must be logged; 1 if it is to be retried
 * (EINTR policy).  errno is preserved.  *seq: see ts_eintr_retry_timed; NULL for
 * calls the kernel restarts (ts_eintr_retry_restartable). */
int ts_io_again(enum ts_call call, int fd, unsigned long *seq) TS_HIDDEN;
/* Log an EPIPE or ECONNRESET the program learnt of without a failed call
 * (getsockopt(SO_ERROR), connect's wait).  errno preserved. */
void ts_io_log_error(enum ts_call call, int fd, int err) TS_HIDDEN;
/* The same for a timed call: timed != 0 when it has a finite timeout. */
int ts_io_again_timed(enum ts_call call, int fd, unsigned long *seq, int timed) TS_HIDDEN;

/* ---- eintr.c: the EINTR policy ----------------------------------------- */
/* The call got EINTR; *seq is ts_tsig.hseq from when it started; timed:
 * it waits with a finite timeout.  1 = retry (and *seq moves on), 0 = give
 * EINTR to the program.  errno preserved. */
int ts_eintr_retry_timed(enum ts_call call, int fd, unsigned long *seq, int timed) TS_HIDDEN;
/* For calls the kernel restarts itself (read, write, accept, connect...):
 * EINTR reaching the wrapper means a handler without SA_RESTART (in retry
 * mode only a pass-set one: tcpsafe adds SA_RESTART to the others), a
 * socket timeout, or no signal at all.  Decided from the latest handler run
 * since the last decision, so the fast path notes nothing before its call. */
int ts_eintr_retry_restartable(enum ts_call call, int fd) TS_HIDDEN;
/* After a program handler returned (trampoline): classify the run. */
void ts_eintr_handler_done(int sig, int flags, unsigned long seq, unsigned long keep0,
                           unsigned long waits0) TS_HIDDEN;
/* Does the policy make the kernel restart calls after sig's handler? */
int ts_eintr_force_restart(int sig) TS_HIDDEN;
void ts_eintr_own_handler_ran(void) TS_HIDDEN;
/* For pause/sigsuspend: resume only if no program handler ran at all. */
int ts_eintr_resume_wait(enum ts_call call, unsigned long *seq) TS_HIDDEN;
/* For semaphore waits: never after a program handler (see eintr.c). */
int ts_eintr_retry_unless_program(enum ts_call call, unsigned long *seq) TS_HIDDEN;

/* ---- signals.c: per-signal table of what the program asked for --------- */
void ts_signals_init(void) TS_HIDDEN;
int ts_sigaction(int sig, const struct sigaction *act, struct sigaction *oact) TS_HIDDEN;
void ts_signal_default_action(int sig) TS_HIDDEN;
/* Put into the kernel what the table says for sig (after tcpsafe's own
 * need for it changed). */
void ts_signals_sync(int sig) TS_HIDDEN;
void ts_signals_sync_child(int sig) TS_HIDDEN;
/* What the program set for SIGCHLD. */
enum { TS_CHLD_DFL, TS_CHLD_HANDLER, TS_CHLD_AUTOREAP };
int ts_sigchld_program(void) TS_HIDDEN;
/* Per-thread record written by the trampoline: which program handlers ran.
 * hseq counts program handler runs on this thread; sig_seq[s] is hseq at the
 * last run of signal s.  A wrapper that notes hseq before a call knows exactly
 * which handlers ran during it (used by EINTR policy). */
struct ts_thread_sig {
	unsigned long hseq;
	unsigned long sig_seq[NSIG];
	int last_sig;          /* signal of the latest program handler run */
	unsigned long decided; /* hseq at the last EINTR decision */
	unsigned long keep_seq; /* hseq of the latest run whose EINTR is the
	                         * program's (auto mode: all but a reaping
	                         * SIGCHLD handler without SA_RESTART) */
	unsigned long waits;    /* wait-family calls made in program handlers */
	unsigned int in_handler; /* program handlers running on this thread */
	unsigned int in_write; /* >0 while a wrapped write-family call runs
	                        * (only maintained where sigpipe.c needs it) */
	int pipe_fd;           /* fd + 1 whose EPIPE the SIGPIPE handler logged */
	unsigned int in_pause;     /* >0 while pause()/sigsuspend() wait */
	unsigned long own_runs;    /* tcpsafe's own SIGCHLD handler runs during them */
	unsigned long own_decided; /* own_runs at the last EINTR decision */
};
extern TS_TLS struct ts_thread_sig ts_tsig TS_HIDDEN;

/* ---- sigpipe.c: the SIGPIPE policy ------------------------------------- */
void ts_sigpipe_noop(int sig, siginfo_t *si, void *uc) TS_HIDDEN;

/* ---- children.c: the children the program forked ----------------------- */
struct ts_status {
	pid_t pid, pgid;
	int code;   /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
	int status; /* exit code or signal */
	uid_t uid;
	unsigned long long ino; /* its pidfs inode (Linux 6.9+), 0 if unknown */
	struct rusage ru;
};
int ts_reap_active(void) TS_HIDDEN;
/* Take (or with peek, copy) a cached status matching idtype/id: P_ALL,
 * P_PID, P_PGID, or TS_P_PIDFS_INO with the pidfs inode of the process's
 * pidfds as id (waitid(P_PIDFD) after tcpsafe reaped it). */
#define TS_P_PIDFS_INO ((idtype_t)-1) /* ours; no kernel idtype */
int ts_cache_take(idtype_t idtype, unsigned long long id, int peek, struct ts_status *out) TS_HIDDEN;
void ts_child_untrack(pid_t pid) TS_HIDDEN;
/* Every SIGCHLD (see children.c). */
void ts_children_sigchld(const siginfo_t *si, int masked) TS_HIDDEN;
void ts_sigchld_own(int sig, siginfo_t *si, void *uc) TS_HIDDEN;
void ts_children_autoreap(void) TS_HIDDEN;
/* Around a program's blocking wait for any child / a group. */
void ts_reap_anywait_begin(void) TS_HIDDEN;
void ts_reap_anywait_end(void) TS_HIDDEN;
void ts_reap_settle(void) TS_HIDDEN;
void ts_children_init(void) TS_HIDDEN;
void ts_children_flush(void) TS_HIDDEN;
void ts_log_reap(const struct ts_status *st) TS_HIDDEN;
void ts_log_reap_overflow(unsigned long dropped, unsigned long cap) TS_HIDDEN;
void ts_log_reaper_trouble(const char *what, int err) TS_HIDDEN;

/* raw syscall helpers that never re-enter our wrappers */
ssize_t ts_sys_write(int fd, const void *buf, size_t n) TS_HIDDEN;
int ts_sys_close(int fd) TS_HIDDEN;

#endif
