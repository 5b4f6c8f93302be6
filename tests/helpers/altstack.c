/* altstack: how much of a program's alternate signal stack tcpsafe uses.
 *
 *   altstack measure
 *   altstack tight [chld]
 *
 * measure: a 64 KiB alternate stack (sigaltstack), handlers installed with
 * SA_ONSTACK.  Each handler notes how deep below the top of that stack one
 * of its locals sits; the stack is painted before each signal, so the
 * lowest byte written (kernel frame, whatever runs before the handler, the
 * handler) is known too.  Prints
 *   usr1 depth=D peak=P        SIGUSR1 from raise()
 *   chld depth=D peak=P status=3
 *                              SIGCHLD from a child's exit; then
 *                              waitpid(pid) gives exit status 3
 * D and P are bytes; they differ with and without tcpsafe (the trampoline
 * in front of the handler), so the test compares them, not the lines.
 *
 * tight: a program that sizes its alternate stack for its own handler, no
 * more: the kernel's frame plus what the handler uses, plus MARGIN bytes,
 * with a PROT_NONE guard page right below it.  SIGUSR1 is raised ROUNDS
 * times; the handler touches a small local array.  Prints
 *   handled N
 * With "chld", a child's exit is handled on that stack ROUNDS times too
 * (under tcpsafe the reap runs there, before the handler):
 *   chld handled N statuses ok
 * Whatever runs between the kernel's frame and the handler (tcpsafe's
 * trampoline) must fit in MARGIN (to 64 bytes: the frame's alignment);
 * more runs into the guard page and the program dies of SIGSEGV (core
 * dumps are turned off for that).
 *
 * Why measured and not sysconf(_SC_MINSIGSTKSZ) + a handler estimate:
 * AT_MINSIGSTKSZ is the kernel's worst case, not the frame it pushes.  On
 * the AVX-512 machine this was written on it is 3376 bytes, the frame
 * ~2930, and a stack of 3376 + 512 + 256 bytes still held a 704-byte
 * trampoline.  So the helper first measures the frame and the handler
 * with nothing in between: the handler is installed once with a raw
 * rt_sigaction system call, which no preloaded library sees (the kernel
 * calls it directly), and run on a painted stack.  The tight stack is
 * that, rounded to 64, plus MARGIN (never less than sigaltstack accepts).
 *
 * Exit 1 on a set-up failure; a watchdog (alarm) ends the program after
 * 10 s, and children are reaped by pid. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

#define BIG_STACK (64 * 1024)
/* the kernel's fixed floor (uapi); glibc's MINSIGSTKSZ is sysconf(_SC_SIGSTKSZ)
 * under _GNU_SOURCE, four times the worst-case frame */
#define KERNEL_MINSIGSTKSZ 2048
static long margin = 256; /* what may run before the handler: the test's bound (argv) */
#define ROUNDS 5
#define PAINT 0xa5u

static char *stack_lo, *stack_hi; /* the alternate stack in use */
static volatile long depth;
static volatile sig_atomic_t got, handled;

static void on_measure(int sig, siginfo_t *si, void *uc)
{
	volatile char here = 0;
	(void)sig, (void)si, (void)uc;
	depth = (long)(stack_hi - (char *)&here);
	got = 1;
}

/* A handler with a little work of its own: 128 bytes of locals. */
static void on_tight(int sig, siginfo_t *si, void *uc)
{
	volatile char scratch[128];
	(void)si, (void)uc;
	for (size_t i = 0; i < sizeof scratch; i++)
		scratch[i] = (char)(i + (size_t)sig);
	if (scratch[127] == (char)(127 + sig))
		handled++;
	got = 1;
}

static void use_stack(char *lo, size_t size)
{
	stack_t ss = {.ss_sp = lo, .ss_size = size, .ss_flags = 0};
	stack_lo = lo;
	stack_hi = lo + size;
	if (sigaltstack(&ss, NULL) < 0)
		fail("sigaltstack");
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		fail("sigaction");
}

static void paint(void) { memset(stack_lo, (int)PAINT, (size_t)(stack_hi - stack_lo)); }

/* Bytes from the top of the stack down to the lowest one written. */
static long peak(void)
{
	char *p = stack_lo;
	while (p < stack_hi && (unsigned char)*p == PAINT)
		p++;
	return (long)(stack_hi - p);
}

/* SIGCHLD from a child that exits 3, handled while we sit in sigsuspend;
 * then the status through waitpid(pid).  1 if it was 3. */
static int child_round(void)
{
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	got = 0;
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0)
		_exit(3);
	sigset_t wait_mask = old;
	sigdelset(&wait_mask, SIGCHLD);
	while (!got)
		sigsuspend(&wait_mask);
	sigprocmask(SIG_SETMASK, &old, NULL);
	int st = 0;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3;
}

static int measure(void)
{
	static char big[BIG_STACK] __attribute__((aligned(64)));
	use_stack(big, sizeof big);
	handle(SIGUSR1, on_measure);
	handle(SIGCHLD, on_measure);
	paint();
	got = 0;
	raise(SIGUSR1);
	if (!got)
		fail("SIGUSR1 not handled");
	printf("usr1 depth=%ld peak=%ld\n", depth, peak());
	paint();
	int ok = child_round();
	printf("chld depth=%ld peak=%ld status=%s\n", depth, peak(), ok ? "3" : "WRONG");
	return 0;
}

/* The kernel's struct sigaction (x86-64, i386, aarch64 alike): glibc's
 * differs, and a raw system call needs the restorer glibc installs. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* Bytes the kernel's frame plus fn use on a stack, fn installed for sig
 * under everybody's nose: whatever sigaction() put in the kernel (a
 * trampoline or fn itself) is replaced by fn, same flags and restorer. */
static long bare_need(int sig, void (*fn)(int, siginfo_t *, void *))
{
	static char big[BIG_STACK] __attribute__((aligned(64)));
	struct ksigaction k;
	handle(sig, fn); /* glibc fills in the restorer */
	if (syscall(SYS_rt_sigaction, sig, NULL, &k, sizeof k.mask) < 0)
		fail("rt_sigaction read");
	k.handler = (void *)fn;
	if (syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof k.mask) < 0)
		fail("rt_sigaction write");
	use_stack(big, sizeof big);
	paint();
	raise(sig);
	long need = peak();
	handled = 0;
	handle(sig, fn); /* back the usual way */
	return need;
}

/* size bytes of stack with a PROT_NONE page right below its lowest byte:
 * one byte too many faults.  Returns the stack's lowest byte. */
static char *guarded(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = page + (size + page - 1) / page * page;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		fail("mmap");
	if (mprotect(m, page, PROT_NONE) < 0)
		fail("mprotect");
	return m + page;
}

static int tight(int with_chld)
{
	long need = bare_need(SIGUSR2, on_tight);
	/* a 64-aligned top, as for the measurement: the same frame alignment */
	size_t size = ((size_t)need + 63) / 64 * 64 + (size_t)margin;
	if (size < KERNEL_MINSIGSTKSZ)
		size = KERNEL_MINSIGSTKSZ;
	char *lo = guarded(size);
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	stack_t ss = {.ss_sp = lo, .ss_size = size, .ss_flags = 0};
	long min = sysconf(_SC_MINSIGSTKSZ);
	if (sigaltstack(&ss, NULL) < 0 && errno == ENOMEM && min > 0 && (size_t)min > size) {
		/* a kernel that insists on its worst case (AT_MINSIGSTKSZ) gets it */
		fprintf(stderr, "altstack: the kernel wants %ld bytes: the margin is wider\n", min);
		size = (size_t)min;
		lo = guarded(size);
	}
	fprintf(stderr, "altstack: frame + handler %ld bytes, tight stack %zu\n", need, size);
	use_stack(lo, size);
	handle(SIGUSR1, on_tight);
	for (int i = 0; i < ROUNDS; i++)
		raise(SIGUSR1);
	printf("handled %d\n", (int)handled);
	if (with_chld) {
		handle(SIGCHLD, on_tight);
		handled = 0;
		int ok = 0;
		for (int i = 0; i < ROUNDS; i++)
			ok += child_round();
		printf("chld handled %d statuses %s\n", (int)handled, ok == ROUNDS ? "ok" : "WRONG");
	}
	return 0;
}

int main(int argc, char **argv)
{
	alarm(10); /* bounded, whatever happens */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "measure"))
		return measure();
	if (argc >= 2 && !strcmp(argv[1], "tight")) {
		int chld = argc >= 3 && !strcmp(argv[2], "chld");
		if (argc >= 3 + chld)
			margin = atol(argv[2 + chld]);
		return tight(chld);
	}
	fprintf(stderr, "usage: altstack measure | altstack tight [chld]\n");
	return 2;
}
