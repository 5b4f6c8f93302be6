/* vfork and clone: children that borrow our memory.
 *
 * A vfork() child, or a clone(CLONE_VM) child, runs in its parent's memory
 * (our tables with it) but has its own descriptors and signal dispositions:
 * what it closes, dup2()s or sets must not be written into the parent's
 * tables.  Telling such a child apart costs a getpid().  Counting the
 * vfork() calls in progress lets close() and dup2() of a connection skip
 * that system call whenever none is, which is nearly always.
 *
 * vfork must be assembly: the child returns into the caller on the
 * parent's stack and overwrites whatever lies below it, our frame
 * included, so the return address has to cross the system call in a
 * register (rdi; syscall preserves it).  Where that stub is not built
 * (other architectures, or a -fcf-protection build whose shadow stack the
 * child's return would unbalance), vfork is not wrapped and the pid is
 * checked every time, as before.
 *
 * A clone(CLONE_VM) child without CLONE_VFORK runs alongside its parent
 * for as long as it likes: from the first one on, the pid is checked every
 * time.  posix_spawn(), system() and popen() make their children through
 * glibc's internal clone, and those children call only glibc's internal
 * functions, never a wrapper of ours. */
#include "autoconfig.h"

#include <sched.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpsafe.h"

/* ts_proc.borrowers: vfork() calls in progress (low bits) and, once a
 * clone(CLONE_VM) child was made, BORROW_STICKY. */
#define BORROW_STICKY (1 << 30)

/* Before anyone may ask "am I a borrower?", the answer's reference. */
static void note_owner(void)
{
#ifdef TS_HAVE_RAW_SYSCALL
	pid_t me = (pid_t)ts_syscall4(SYS_getpid, 0, 0, 0, 0);
#else
	pid_t me = getpid();
#endif
	if (ts_proc.owner_pid != me)
		ts_proc.owner_pid = me;
}

int ts_in_vfork_child(void)
{
#ifdef TS_WRAP_VFORK
	if (!atomic_load_explicit(&ts_proc.borrowers, memory_order_acquire))
		return 0;
#endif
	return ts_proc.owner_pid && getpid() != ts_proc.owner_pid;
}

/* After fork(): a process of our own.  The count was the parent's (another
 * thread's vfork in progress); without the stub, the reference pid is
 * refreshed here.  Nothing is written unless it must be: each page a
 * forked child writes costs a copy-on-write fault. */
void ts_vfork_after_fork(void)
{
#ifdef TS_WRAP_VFORK
	if (atomic_load_explicit(&ts_proc.borrowers, memory_order_relaxed))
		atomic_store_explicit(&ts_proc.borrowers, 0, memory_order_relaxed);
#else
	note_owner();
#endif
}

#ifdef TS_WRAP_VFORK
/* Called from the stub only. */
void ts_vfork_enter(void) TS_HIDDEN __attribute__((used));
long ts_vfork_leave(long r) TS_HIDDEN __attribute__((used));

/* In the parent, before the system call. */
void ts_vfork_enter(void)
{
	note_owner();
	atomic_fetch_add_explicit(&ts_proc.borrowers, 1, memory_order_release);
}

/* Called by the stub in the parent once the child has exec'd or exited
 * (or vfork failed): the child's borrowing is over.  Returns vfork's
 * result, setting errno from the kernel's -errno. */
long ts_vfork_leave(long r)
{
	atomic_fetch_sub_explicit(&ts_proc.borrowers, 1, memory_order_release);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Entry: rsp is 8 mod 16.  Calls are made with rsp 0 mod 16. */
__asm__(".pushsection .text\n"
        ".globl vfork\n"
        ".type vfork, @function\n"
        ".globl __vfork\n"
        ".type __vfork, @function\n"
        "vfork:\n"
        "__vfork:\n"
        "	.cfi_startproc\n"
        "	subq $8, %rsp\n"
        "	.cfi_adjust_cfa_offset 8\n"
        "	call ts_vfork_enter\n"
        "	addq $8, %rsp\n"
        "	.cfi_adjust_cfa_offset -8\n"
        /* the return address, in a register the system call preserves */
        "	popq %rdi\n"
        "	.cfi_adjust_cfa_offset -8\n"
        "	.cfi_register %rip, %rdi\n"
        "	movl $" TS_STR(SYS_vfork) ", %eax\n"
        "	syscall\n"
        "	pushq %rdi\n"
        "	.cfi_adjust_cfa_offset 8\n"
        "	.cfi_offset %rip, -8\n"
        /* the child: straight back to the caller, writing none of our data */
        "	testq %rax, %rax\n"
        "	jz 1f\n"
        /* the parent, resumed (or vfork failed) */
        "	subq $8, %rsp\n"
        "	.cfi_adjust_cfa_offset 8\n"
        "	movq %rax, %rdi\n"
        "	call ts_vfork_leave\n"
        "	addq $8, %rsp\n"
        "	.cfi_adjust_cfa_offset -8\n"
        "1:	ret\n"
        "	.cfi_endproc\n"
        ".size vfork, .-vfork\n"
        ".size __vfork, .-__vfork\n"
        ".popsection\n");
#endif

/* clone(): a child in our memory that is not a thread makes the pid check
 * permanent.  The optional arguments are passed on as they came, each read
 * only when flags say it was passed (the last one is on the caller's
 * stack). */
TS_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = NULL, *ctid = NULL;
	void *tls = NULL;
	if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD | CLONE_SETTLS | CLONE_CHILD_SETTID |
	             CLONE_CHILD_CLEARTID))
		ptid = va_arg(ap, pid_t *);
	if (flags & (CLONE_SETTLS | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
		tls = va_arg(ap, void *);
	if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
		ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if ((flags & CLONE_VM) && !(flags & CLONE_THREAD)) {
		note_owner();
		atomic_fetch_or_explicit(&ts_proc.borrowers, BORROW_STICKY, memory_order_release);
	}
	return ts_real.clone(fn, stack, flags, arg, ptid, tls, ctid);
}
