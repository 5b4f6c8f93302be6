/* The I/O wrappers.  Success path: one TLS load (the handler count, for
 * the EINTR policy), one indirect call through the bound pointer and one
 * predicted branch; write-family calls also mark the thread, one TLS
 * increment each way, so the SIGPIPE handler can tell a call we see from
 * stdio or splice.  All error handling lives out of line: logging of
 * EPIPE/ECONNRESET, and the EINTR retry decision. */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpsafe.h"

extern ssize_t __read_chk(int, void *, size_t, size_t);
extern ssize_t __recv_chk(int, void *, size_t, size_t, int);
extern ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);

/* Log a vanished client: an EPIPE or ECONNRESET on a socket, unless the
 * SIGPIPE handler has just logged this EPIPE. */
static void log_if_network_error(enum ts_call call, int fd, int err)
{
	if (err == EPIPE && ts_tsig.pipe_fd == fd + 1) {
		ts_tsig.pipe_fd = 0;
		return;
	}
	if (err == EPIPE || err == ECONNRESET) {
		struct stat st;
		if (!ts_active)
			ts_init(); /* error before our constructor ran */
		/* a vanished client is a socket event; a pipe reader that left
		 * (`prog | head`) is not news for anyone */
		if (ts_active && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			ts_log_io_event(call, fd, err);
	}
}

TS_COLD void ts_io_log_error(enum ts_call call, int fd, int err)
{
	int saved = errno;
	log_if_network_error(call, fd, err);
	errno = saved;
}

TS_COLD int ts_io_again(enum ts_call call, int fd, unsigned long *seq)
{
	return ts_io_again_timed(call, fd, seq, 0);
}

TS_COLD int ts_io_again_timed(enum ts_call call, int fd, unsigned long *seq, int timed)
{
	int err = errno;
	if (err == EINTR)
		return seq ? ts_eintr_retry_timed(call, fd, seq, timed)
		           : ts_eintr_retry_restartable(call, fd);
	log_if_network_error(call, fd, err);
	errno = err;
	return 0;
}

/* Each wrapper: the arguments are stored on the stack (not kept in saved
 * registers) for the rare retry, one indirect call, one predicted branch.
 * The kernel restarts these calls itself after handlers outside the EINTR
 * pass set (see eintr.c), so nothing is noted before the call.  Writes
 * also mark the thread for the SIGPIPE handler around the call.  The
 * retry loop, logging and policy live out of line. */
#if defined(__x86_64__) /* the SIGPIPE handler reads the fd from the context */
#define MARK_BEGIN(mark) do { (void)(mark); } while (0)
#define MARK_END(mark) do { (void)(mark); } while (0)
#else
#define MARK_BEGIN(mark) do { if (mark) ts_tsig.in_write++; } while (0)
#define MARK_END(mark) do { if (mark) ts_tsig.in_write--; } while (0)
#endif

/* The body of every NAME_retry: the policy decides, the call is made again. */
#define RETRY_LOOP(rt, call, fd, mark, realcall)                                  \
	for (;;) {                                                                \
		if (!ts_io_again(call, fd, NULL))                                 \
			return -1;                                                \
		MARK_BEGIN(mark);                                                 \
		rt r = realcall;                                                  \
		MARK_END(mark);                                                   \
		if (r >= 0)                                                       \
			return r;                                                 \
	}

#define UNPAREN(...) __VA_ARGS__
#define WRAP(rt, name, real, call, mark, PARAMS, FIELDS, ARGS, AARGS)             \
	struct name##_args { UNPAREN FIELDS };                                    \
	static TS_COLD rt name##_retry(const struct name##_args *a)                \
	{                                                                         \
		RETRY_LOOP(rt, call, (int)a->a1, mark, ts_real.real AARGS)        \
	}                                                                         \
	TS_EXPORT rt name PARAMS                                                  \
	{                                                                         \
		struct name##_args a = {UNPAREN ARGS};                            \
		__asm__("" : : "m"(a)); /* in memory before the call */           \
		MARK_BEGIN(mark);                                                 \
		rt r = ts_real.real ARGS;                                         \
		MARK_END(mark);                                                   \
		if (TS_UNLIKELY(r < 0))                                           \
			return name##_retry(&a);                                  \
		return r;                                                         \
	}


/* Three-argument calls on x86-64: the same wrapper written out, because
 * three pushes keep the arguments for a retry and align the stack in one
 * instruction less than the compiler's sub + stores: push, push, push,
 * call, test, js, add, ret.  send and recv have a fourth argument, an int
 * like the first: it goes into the upper half of the first slot (one mov),
 * since a fourth push would need a fifth for the alignment.  The CFI notes
 * let pthread_cancel unwind through it.  The retry, logging and policy
 * stay in C (ts_NAME_retry, given the slots). */
#if defined(__x86_64__)
#define PUSH3                                                                       \
	"pushq %rdx\n.cfi_adjust_cfa_offset 8\n"                                    \
	"pushq %rsi\n.cfi_adjust_cfa_offset 8\n"                                    \
	"pushq %rdi\n.cfi_adjust_cfa_offset 8\n"
#define WRAP_ASM(name, real, SAVE)                                                  \
	_Static_assert(offsetof(struct ts_real, real) == OFF_##real, "ts_real layout"); \
	__asm__(".text\n"                                                          \
	        ".globl " #name "\n"                                               \
	        ".type " #name ", @function\n"                                     \
	        ".p2align 4\n" #name ":\n"                                        \
	        ".cfi_startproc\n"                                                 \
	        SAVE                                                               \
	        "call *ts_real+" TS_STR(OFF_##real) "(%rip)\n"                       \
	        "testq %rax, %rax\n"                                               \
	        "js 1f\n"                                                          \
	        "addq $24, %rsp\n.cfi_adjust_cfa_offset -24\n"                    \
	        "ret\n"                                                            \
	        "1:\n.cfi_adjust_cfa_offset 24\n"                                 \
	        "movq %rsp, %rdi\n"                                                \
	        "call ts_" #name "_retry\n"                                        \
	        "addq $24, %rsp\n.cfi_adjust_cfa_offset -24\n"                    \
	        "ret\n"                                                            \
	        ".cfi_endproc\n"                                                   \
	        ".size " #name ", .-" #name "\n");
#define WRAP3(name, real, call)                                                     \
	TS_HIDDEN TS_COLD ssize_t ts_##name##_retry(const long *a);                  \
	TS_COLD ssize_t ts_##name##_retry(const long *a)                             \
	{                                                                           \
		RETRY_LOOP(ssize_t, call, (int)a[0], 0,                             \
		           ts_real.real((int)a[0], (void *)a[1], (size_t)a[2]))      \
	}                                                                           \
	WRAP_ASM(name, real, PUSH3)
/* the slots as PUSH3 + "movl %ecx, 4(%rsp)" leave them */
struct fd_flags_args {
	int fd, flags;
	void *buf;
	size_t len;
};
_Static_assert(offsetof(struct fd_flags_args, flags) == 4 &&
                   offsetof(struct fd_flags_args, buf) == 8 &&
                   offsetof(struct fd_flags_args, len) == 16,
               "send/recv slots");
#define WRAP4(name, real, call)                                                     \
	TS_HIDDEN TS_COLD ssize_t ts_##name##_retry(const struct fd_flags_args *a);  \
	TS_COLD ssize_t ts_##name##_retry(const struct fd_flags_args *a)             \
	{                                                                           \
		RETRY_LOOP(ssize_t, call, a->fd, 0,                                 \
		           ts_real.real(a->fd, a->buf, a->len, a->flags))            \
	}                                                                           \
	WRAP_ASM(name, real, PUSH3 "movl %ecx, 4(%rsp)\n")
#define OFF_read 0
#define OFF_readv 8
#define OFF_recv 16
#define OFF_recvmsg 32
#define OFF_write 40
#define OFF_writev 48
#define OFF_send 56
#define OFF_sendmsg 72
#endif

#if defined(__x86_64__)
WRAP3(read, read, TS_C_READ)
#else
WRAP(ssize_t, read, read, TS_C_READ, 0, (int a1, void *a2, size_t a3),
     (int a1; void *a2; size_t a3;), (a1, a2, a3), (a->a1, a->a2, a->a3))
#endif

WRAP(ssize_t, __read_chk, read_chk, TS_C_READ, 0, (int a1, void *a2, size_t a3, size_t a4),
     (int a1; void *a2; size_t a3; size_t a4;), (a1, a2, a3, a4),
     (a->a1, a->a2, a->a3, a->a4))

#if defined(__x86_64__)
WRAP3(readv, readv, TS_C_READV)
#else
WRAP(ssize_t, readv, readv, TS_C_READV, 0, (int a1, const struct iovec *a2, int a3),
     (int a1; const struct iovec *a2; int a3;), (a1, a2, a3), (a->a1, a->a2, a->a3))
#endif

#if defined(__x86_64__)
WRAP4(recv, recv, TS_C_RECV)
#else
WRAP(ssize_t, recv, recv, TS_C_RECV, 0, (int a1, void *a2, size_t a3, int a4),
     (int a1; void *a2; size_t a3; int a4;), (a1, a2, a3, a4), (a->a1, a->a2, a->a3, a->a4))
#endif

WRAP(ssize_t, __recv_chk, recv_chk, TS_C_RECV, 0,
     (int a1, void *a2, size_t a3, size_t a4, int a5),
     (int a1; void *a2; size_t a3; size_t a4; int a5;), (a1, a2, a3, a4, a5),
     (a->a1, a->a2, a->a3, a->a4, a->a5))

WRAP(ssize_t, recvfrom, recvfrom, TS_C_RECVFROM, 0,
     (int a1, void *a2, size_t a3, int a4, struct sockaddr *a5, socklen_t *a6),
     (int a1; void *a2; size_t a3; int a4; struct sockaddr *a5; socklen_t *a6;),
     (a1, a2, a3, a4, a5, a6), (a->a1, a->a2, a->a3, a->a4, a->a5, a->a6))

WRAP(ssize_t, __recvfrom_chk, recvfrom_chk, TS_C_RECVFROM, 0,
     (int a1, void *a2, size_t a3, size_t a4, int a5, struct sockaddr *a6, socklen_t *a7),
     (int a1; void *a2; size_t a3; size_t a4; int a5; struct sockaddr *a6; socklen_t *a7;),
     (a1, a2, a3, a4, a5, a6, a7), (a->a1, a->a2, a->a3, a->a4, a->a5, a->a6, a->a7))

#if defined(__x86_64__)
WRAP3(recvmsg, recvmsg, TS_C_RECVMSG)
#else
WRAP(ssize_t, recvmsg, recvmsg, TS_C_RECVMSG, 0, (int a1, struct msghdr *a2, int a3),
     (int a1; struct msghdr *a2; int a3;), (a1, a2, a3), (a->a1, a->a2, a->a3))
#endif

#if defined(__x86_64__)
WRAP3(write, write, TS_C_WRITE)
#else
WRAP(ssize_t, write, write, TS_C_WRITE, 1, (int a1, const void *a2, size_t a3),
     (int a1; const void *a2; size_t a3;), (a1, a2, a3), (a->a1, a->a2, a->a3))
#endif

#if defined(__x86_64__)
WRAP3(writev, writev, TS_C_WRITEV)
#else
WRAP(ssize_t, writev, writev, TS_C_WRITEV, 1, (int a1, const struct iovec *a2, int a3),
     (int a1; const struct iovec *a2; int a3;), (a1, a2, a3), (a->a1, a->a2, a->a3))
#endif

#if defined(__x86_64__)
WRAP4(send, send, TS_C_SEND)
#else
WRAP(ssize_t, send, send, TS_C_SEND, 1, (int a1, const void *a2, size_t a3, int a4),
     (int a1; const void *a2; size_t a3; int a4;), (a1, a2, a3, a4),
     (a->a1, a->a2, a->a3, a->a4))
#endif

WRAP(ssize_t, sendto, sendto, TS_C_SENDTO, 1,
     (int a1, const void *a2, size_t a3, int a4, const struct sockaddr *a5, socklen_t a6),
     (int a1; const void *a2; size_t a3; int a4; const struct sockaddr *a5; socklen_t a6;),
     (a1, a2, a3, a4, a5, a6), (a->a1, a->a2, a->a3, a->a4, a->a5, a->a6))

#if defined(__x86_64__)
WRAP3(sendmsg, sendmsg, TS_C_SENDMSG)
#else
WRAP(ssize_t, sendmsg, sendmsg, TS_C_SENDMSG, 1, (int a1, const struct msghdr *a2, int a3),
     (int a1; const struct msghdr *a2; int a3;), (a1, a2, a3), (a->a1, a->a2, a->a3))
#endif

WRAP(ssize_t, sendfile, sendfile, TS_C_SENDFILE, 1, (int a1, int a2, off_t *a3, size_t a4),
     (int a1; int a2; off_t *a3; size_t a4;), (a1, a2, a3, a4), (a->a1, a->a2, a->a3, a->a4))

WRAP(ssize_t, sendfile64, sendfile64, TS_C_SENDFILE, 1,
     (int a1, int a2, off_t *a3, size_t a4), (int a1; int a2; off_t *a3; size_t a4;),
     (a1, a2, a3, a4), (a->a1, a->a2, a->a3, a->a4))
