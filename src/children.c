/* Children: no zombies from fork servers, without stealing anyone's status.
 *
 * - Tracked: exactly the children fork() returned to the program (a bit per
 *   pid).  popen, system, posix_spawn, vfork and clone children, made inside
 *   libc or without fork(), are never touched.
 * - Reaped from SIGCHLD, by pid: the signal names the child (si_pid), and a
 *   wait for one pid is O(1) in the kernel.  While the program leaves
 *   SIGCHLD at SIG_DFL, the kernel runs our own handler (SA_RESTART, every
 *   signal blocked while it runs); the program still reads back SIG_DFL.
 *   A program handler runs through the signal layer's trampoline, which
 *   reaps first, so the program's own waits are answered from the cache.
 * - Standard signals coalesce: one SIGCHLD may stand for several deaths.
 *   So every SIGCHLD is followed by a sweep: peek at the next zombie with
 *   waitid(P_ALL, WNOWAIT), reap it if tracked, repeat; the same walk of
 *   the child list a correct server's own waitpid(-1, WNOHANG) loop makes.
 *   After PEEKS zombies, or when something else comes first in the list
 *   (a popen() child not collected yet, a traced child's stop), our own
 *   children are checked by pid instead: a scan, at most one per SWEEP_MS
 *   (SWEEP_MAX while scans find few zombies for their cost).  A scan that
 *   is not due is owed, and made at the next SIGCHLD, fork() or wait that
 *   finds it due.  No timer and no signal of our own: anything tcpsafe
 *   raised could reach the program (sigwaitinfo, signalfd) or merge with a
 *   child's SIGCHLD.
 * - Only exits are ever reaped: a traced child's stops (which waitid
 *   reports to its tracer whatever the flags) are checked for and left
 *   alone, so they reach the program's own waits.
 * - A program thread blocked waiting for any child gets the next death from
 *   the kernel itself: while one waits, reaping steps aside (wait.c).
 * - Each status (code, uid, rusage) goes into a bounded cache, served to
 *   the program's own wait calls (wait.c) exactly once; when it is full the
 *   oldest status is dropped, counted and logged.  While a status waits
 *   there, kill() on its pid acts as on a zombie: the pid may already be
 *   another process's.
 * - Never waitpid(-1), never SIG_IGN or SA_NOCLDWAIT, never a subreaper.
 *   Nothing starts before the first fork(): programs that never fork see no
 *   change.  A forked child starts with empty tables and SIGCHLD as the
 *   program set it. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpsafe.h"

#define PID_LIMIT (1u << 22) /* Linux PID_MAX_LIMIT on 64-bit */
#define MAP_WORDS (PID_LIMIT / 64)

struct centry {
	struct ts_status st;
	int32_t prev, next; /* FIFO order, oldest at head */
};

/* All the mutable state lives in the mapping made at the first fork, with
 * MADV_DONTFORK: a fork server's parent writes it on every fork and reap,
 * and pages shared with a fresh child would cost a copy-on-write fault
 * each time.  Before that (and in a forked child) R is a pristine boot
 * copy that only says "inactive". */
struct reaper {
	_Atomic int active;
	_Atomic(uint64_t *) tracked; /* bit per pid: forked, not yet reaped */
	_Atomic(uint64_t *) cached;  /* bit per pid: status waiting in the cache */
	struct centry *e;
	int32_t *hash; /* open addressing on pid -> entry index, -1 empty */
	uint32_t cap, hmask, count;
	int32_t head, tail, free_;
	unsigned long dropped, dropped_logged;
	time_t overflow_logged_at;
	struct ts_lock lock;
	_Atomic int forking;     /* fork() calls between the fork and the track */
	_Atomic int early;       /* pid of a child that died before fork() tracked it */
	_Atomic int recheck;     /* more than one such: sweep after the fork */
	_Atomic int anywaiters;  /* program threads waiting in the kernel for any child */
	_Atomic int reaping;     /* reaps between the kernel and the cache */
	_Atomic int deferred;    /* a reap was left to such a waiter */
	_Atomic long last_sweep; /* monotonic ms */
	_Atomic long last_signal;
	_Atomic long last_scan;  /* monotonic ms */
	_Atomic int owed;        /* a scan was due to be made but was not yet */
	_Atomic uint64_t summary[MAP_WORDS / 64]; /* bit per word of tracked that may be non-zero */
	_Atomic long interval;   /* ms between sweeps: SWEEP_MS, longer while scans find little */
	_Atomic int burst;       /* the last sweep scanned and found many: scan straight away */
	int starting_failed;
};
static struct reaper boot = {.lock = TS_LOCK_INIT, .head = -1, .tail = -1, .free_ = -1};
#define Rp (ts_proc.reaper) /* &boot until the first fork */
#define R (*(struct reaper *)(atomic_load_explicit(&Rp, memory_order_acquire) ?: &boot))

int ts_reap_active(void) { return atomic_load_explicit(&R.active, memory_order_acquire); }

/* ---- pid bitmaps -------------------------------------------------------- */

static int bit_get(_Atomic(uint64_t *) *map, pid_t pid)
{
	uint64_t *m = atomic_load_explicit(map, memory_order_acquire);
	if (!m || pid <= 0 || (unsigned)pid >= PID_LIMIT)
		return 0;
	return (__atomic_load_n(&m[pid / 64], __ATOMIC_RELAXED) >> (pid % 64)) & 1;
}

static void bit_set(_Atomic(uint64_t *) *map, pid_t pid, int on)
{
	uint64_t *m = atomic_load_explicit(map, memory_order_acquire);
	if (!m || pid <= 0 || (unsigned)pid >= PID_LIMIT)
		return;
	uint64_t b = 1ULL << (pid % 64);
	if (on)
		__atomic_fetch_or(&m[pid / 64], b, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&m[pid / 64], ~b, __ATOMIC_RELEASE);
}

void ts_child_untrack(pid_t pid) { bit_set(&R.tracked, pid, 0); }

/* ---- the status cache (caller holds R.lock) ------------------------------ */

static uint32_t hslot(pid_t pid) { return ((uint32_t)pid * 2654435761u) & R.hmask; }

static int32_t hfind(pid_t pid)
{
	for (uint32_t i = hslot(pid);; i = (i + 1) & R.hmask) {
		int32_t x = R.hash[i];
		if (x < 0 || R.e[x].st.pid == pid)
			return x;
	}
}

static void hinsert(int32_t x)
{
	uint32_t i = hslot(R.e[x].st.pid);
	while (R.hash[i] >= 0)
		i = (i + 1) & R.hmask;
	R.hash[i] = x;
}

/* Linear probing deletion without tombstones: shift later members of the
 * cluster back so every lookup still finds them. */
static void hremove(pid_t pid)
{
	uint32_t i = hslot(pid);
	while (R.hash[i] >= 0 && R.e[R.hash[i]].st.pid != pid)
		i = (i + 1) & R.hmask;
	if (R.hash[i] < 0)
		return;
	R.hash[i] = -1;
	for (uint32_t j = (i + 1) & R.hmask; R.hash[j] >= 0; j = (j + 1) & R.hmask) {
		uint32_t home = hslot(R.e[R.hash[j]].st.pid);
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			R.hash[i] = R.hash[j];
			R.hash[j] = -1;
			i = j;
		}
	}
}

static void unlink_entry(int32_t x)
{
	struct centry *c = &R.e[x];
	if (c->prev >= 0)
		R.e[c->prev].next = c->next;
	else
		R.head = c->next;
	if (c->next >= 0)
		R.e[c->next].prev = c->prev;
	else
		R.tail = c->prev;
	hremove(c->st.pid);
	bit_set(&R.cached, c->st.pid, 0);
	c->next = R.free_;
	R.free_ = x;
	R.count--;
}

static void cache_put(const struct ts_status *st)
{
	if (R.count == R.cap) { /* full: the oldest status goes */
		unlink_entry(R.head);
		R.dropped++;
	}
	int32_t x = R.free_;
	R.free_ = R.e[x].next;
	R.e[x].st = *st;
	R.e[x].prev = R.tail;
	R.e[x].next = -1;
	if (R.tail >= 0)
		R.e[R.tail].next = x;
	else
		R.head = x;
	R.tail = x;
	R.count++;
	hinsert(x);
	bit_set(&R.cached, st->pid, 1);
}

static int matches(const struct ts_status *st, idtype_t idtype, unsigned long long id)
{
	return idtype == P_ALL || (idtype == P_PID && st->pid == (pid_t)id) ||
	       (idtype == P_PGID && st->pgid == (pid_t)id) ||
	       (idtype == TS_P_PIDFS_INO && id && st->ino == id);
}

int ts_cache_take(idtype_t idtype, unsigned long long id, int peek, struct ts_status *out)
{
	ts_mask old;
	int32_t x = -1;
	if (!ts_reap_active() || (idtype == P_PID && !bit_get(&R.cached, (pid_t)id)))
		return 0;
	ts_lock(&R.lock, &old);
	if (R.count) {
		if (idtype == P_PID)
			x = hfind((pid_t)id);
		else
			for (x = R.head; x >= 0 && !matches(&R.e[x].st, idtype, id); x = R.e[x].next)
				;
		if (x >= 0) {
			*out = R.e[x].st;
			if (!peek)
				unlink_entry(x);
		}
	}
	ts_unlock(&R.lock, &old);
	return x >= 0;
}

/* ---- reaping ---------------------------------------------------------------- */

#define SWEEP_MS 10  /* at most one child-list walk per this, under churn */
#define SWEEP_MAX 40 /* ... or this, while scans find few zombies for their cost */

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Cache lock.  Our own SIGCHLD handler runs with every signal blocked, so
 * it only spins; elsewhere the lock blocks signals itself. */
static void cache_lock(int masked, ts_mask *old)
{
	if (masked)
		ts_spin_lock(&R.lock);
	else
		ts_lock(&R.lock, old);
}

static void cache_unlock(int masked, const ts_mask *old)
{
	if (masked)
		ts_spin_unlock(&R.lock);
	else
		ts_unlock(&R.lock, old);
}

static int is_exit(int code) { return code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED; }

/* Has tracked child pid exited (a zombie)?  Most children checked are
 * alive; one call tells, without taking anything.  It may also tell of a
 * traced child's stop, which is the program's.  *uid: the child's uid, as
 * waitid reports it.  Its own frame holds the siginfo (see peek()). */
static __attribute__((noinline)) int exited(pid_t pid, uid_t *uid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	long r = syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT, NULL);
	if (r < 0 && errno == ECHILD)
		ts_child_untrack(pid); /* the program waited for it first */
	if (r < 0 || si.si_pid != pid || !is_exit(si.si_code))
		return 0;
	*uid = si.si_uid;
	return 1;
}

/* A pidfd the program opened on a child (Python's os.pidfd_open makes the
 * system call itself, so no wrapper sees it) stops naming a pid once the
 * child is reaped: its fdinfo says "Pid: -1".  On pidfs (Linux 6.9+) every
 * pidfd of a process shares one inode, so the inode, noted while the child
 * is still a zombie, lets waitid(P_PIDFD) find the status in the cache
 * (wait.c).  Elsewhere 0: such a wait gets ECHILD (libtcpsafe(7), BUGS). */
#define PIDFS_MAGIC 0x50494446
static int pidfs = -1; /* pidfds live on pidfs: 1, 0, -1 not known yet */
static __attribute__((noinline)) unsigned long long pidfd_ino(pid_t pid)
{
	if (!pidfs)
		return 0;
	int saved = errno;
	unsigned long long ino = 0;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		union { /* one at a time: the stack may be a small sigaltstack */
			struct statfs f;
			struct stat s;
		} b;
		if (pidfs < 0 && fstatfs(fd, &b.f) == 0)
			pidfs = b.f.f_type == PIDFS_MAGIC;
		if (pidfs > 0 && fstat(fd, &b.s) == 0)
			ino = b.s.st_ino;
		ts_sys_close(fd);
	} else if (errno == ENOSYS) { /* before Linux 5.3 */
		pidfs = 0;
	}
	TS_ERRNO_RESTORE(saved);
	return ino;
}

/* Reap tracked child pid, which the caller knows has exited (its SIGCHLD,
 * a peek or exited() said so): a wait that could consume a traced child's
 * stop is never made blind.  1 if reaped.  wait4 rather than waitid: no
 * siginfo on the stack (a handler's stack may be a small sigaltstack); uid
 * comes from the caller's siginfo.  Steps aside (and says so in
 * R.deferred) while a program thread waits in the kernel for any child:
 * that wait is to get it.  reaping/anywaiters are a Dekker pair with
 * wait.c: either we see the waiter, or it sees us and lets this reap land
 * in the cache before it looks. */
static __attribute__((noinline)) int reap_ino(pid_t pid, int masked, uid_t uid,
                                              unsigned long long ino)
{
	struct ts_status st;
	ts_mask old;
	int w = 0;
	atomic_fetch_add(&R.reaping, 1);
	if (atomic_load(&R.anywaiters)) {
		atomic_store(&R.deferred, 1);
		atomic_fetch_sub(&R.reaping, 1);
		return 0;
	}
	memset(&st, 0, sizeof st);
	pid_t pgid = getpgid(pid); /* a zombie still has its group */
	long r = syscall(SYS_wait4, pid, &w, WNOHANG, &st.ru);
	if (r != pid) {
		if (r < 0 && errno == ECHILD) /* the program waited for it first */
			ts_child_untrack(pid);
		atomic_fetch_sub(&R.reaping, 1);
		return 0;
	}
	st.pid = pid;
	st.pgid = pgid;
	st.uid = uid;
	st.ino = ino;
	if (WIFEXITED(w)) {
		st.code = CLD_EXITED;
		st.status = WEXITSTATUS(w);
	} else {
		st.code = WCOREDUMP(w) ? CLD_DUMPED : CLD_KILLED;
		st.status = WTERMSIG(w);
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	cache_lock(masked, &old);
	cache_put(&st);
	/* overflow: one line a second at most, with the running total */
	unsigned long dropped = R.dropped, logged = R.dropped_logged;
	if (dropped != logged && now.tv_sec != R.overflow_logged_at) {
		R.dropped_logged = dropped;
		R.overflow_logged_at = now.tv_sec;
	} else {
		logged = dropped;
	}
	cache_unlock(masked, &old);
	ts_child_untrack(pid);
	atomic_fetch_sub(&R.reaping, 1);
	ts_log_reap(&st);
	if (dropped != logged)
		ts_log_reap_overflow(dropped, R.cap);
	return 1;
}

/* The pidfs inode is noted first, in a frame of its own, not under
 * reap_ino's. */
static int reap(pid_t pid, int masked, uid_t uid)
{
	return reap_ino(pid, masked, uid, pidfd_ino(pid));
}

/* A child died before fork() returned its pid to be tracked: fork() reaps
 * it by pid (or sweeps, if several came). */
static void note_early(pid_t pid)
{
	int none = 0;
	if (!atomic_compare_exchange_strong(&R.early, &none, (int)pid) && none != (int)pid)
		atomic_store(&R.recheck, 1);
}

#define PEEKS 8

/* Check our own children one by one (a wait by pid is O(1) in the
 * kernel), all of them: nothing could finish a scan later.  It stops when
 * a program thread starts waiting for any child (reaping steps aside, and
 * that wait's end sweeps again). */
static void scan(int masked)
{
	uint64_t *m = atomic_load(&R.tracked);
	uint32_t nsum = MAP_WORDS / 64;
	int checked = 0, reaped = 0;
	atomic_store(&R.last_scan, now_ms());
	atomic_store(&R.owed, 0);
	/* the summary says which words of the 4M-pid map to look at */
	for (uint32_t sw = 0; sw < nsum && !atomic_load(&R.anywaiters); sw++) {
		uint64_t sbits = atomic_load(&R.summary[sw]);
		while (sbits) {
			int sb = __builtin_ctzll(sbits);
			sbits &= sbits - 1;
			uint32_t w = sw * 64 + (uint32_t)sb;
			uint64_t bits = __atomic_load_n(&m[w], __ATOMIC_RELAXED);
			if (!bits) { /* empty now; a fork may be filling it again */
				atomic_fetch_and(&R.summary[sw], ~(1ULL << sb));
				if (__atomic_load_n(&m[w], __ATOMIC_SEQ_CST))
					atomic_fetch_or(&R.summary[sw], 1ULL << sb);
				continue;
			}
			while (bits) {
				int b = __builtin_ctzll(bits);
				bits &= bits - 1;
				pid_t pid = (pid_t)(w * 64 + (uint32_t)b);
				uid_t uid;
				if (exited(pid, &uid))
					reaped += reap(pid, masked, uid);
				checked++;
			}
		}
	}
	/* A scan costs a call per live child: in a long burst of exits, space
	 * the scans out while each finds few zombies for what it checks. */
	long iv = atomic_load(&R.interval);
	if (reaped * 8 < checked)
		iv = iv * 2 > SWEEP_MAX ? SWEEP_MAX : iv * 2;
	else
		iv = SWEEP_MS;
	atomic_store(&R.interval, iv);
	atomic_store(&R.burst, reaped >= PEEKS);
}

/* The next child with something to report, without taking it: 0 if none.
 * Its own frame holds the siginfo, so none is on the stack while reap()
 * runs (a handler's stack may be a small sigaltstack). */
static __attribute__((noinline)) pid_t peek(int *code, uid_t *uid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT, NULL) < 0)
		return 0;
	*code = si.si_code;
	*uid = si.si_uid;
	return si.si_pid;
}

static int scan_due(void)
{
	return now_ms() - atomic_load(&R.last_scan) >= atomic_load(&R.interval);
}

/* Reap every tracked zombie.  A peek (waitid(P_ALL, WNOWAIT)) finds the
 * next zombie, walking the child list from the oldest child: the walk a
 * correct server's waitpid(-1, WNOHANG) loop makes for each zombie too.
 * In a burst, checking our own children by pid (a scan) is cheaper per
 * zombie, so after PEEKS zombies, or after a scan that found many, a
 * sweep scans, if a scan is due; if not, it goes on peeking.  When an
 * untracked zombie (a popen/system child not collected yet) or a traced
 * child's stop comes first in the list, only a scan sees past it: if none
 * is due, it is owed to the next sweep, fork() or wait that finds it due. */
static void sweep(int masked)
{
	int due = scan_due();
	atomic_store(&R.last_sweep, now_ms());
	if (due && (atomic_load(&R.burst) || atomic_load(&R.owed))) {
		scan(masked);
		if (atomic_load(&R.burst))
			return;
	}
	for (int n = 0; !due || n < PEEKS; n++) {
		int code;
		uid_t uid;
		pid_t pid = peek(&code, &uid);
		if (pid <= 0) {
			atomic_store(&R.interval, SWEEP_MS);
			atomic_store(&R.burst, 0);
			atomic_store(&R.owed, 0);
			return;
		}
		if (!is_exit(code) || !bit_get(&R.tracked, pid)) {
			/* fork() is about to track it: it sweeps again after */
			if (is_exit(code) && atomic_load(&R.forking)) {
				atomic_store(&R.recheck, 1);
				return;
			}
			break;
		}
		if (!reap(pid, masked, uid)) {
			if (atomic_load(&R.anywaiters))
				return; /* left to the waiter */
			break;      /* never peek at the same zombie forever */
		}
	}
	if (!due) {
		atomic_store(&R.owed, 1);
		return;
	}
	scan(masked);
}

/* Every SIGCHLD that tcpsafe reaps for (not when the kernel reaps for the
 * program: SA_NOCLDWAIT).  masked: all signals are blocked (our own
 * handler). */
void ts_children_sigchld(const siginfo_t *si, int masked)
{
	int saved = errno;
	if (!ts_reap_active()) {
		TS_ERRNO_RESTORE(saved);
		return;
	}
	ts_eintr_own_handler_ran();
	atomic_store(&R.last_signal, now_ms());
	if (is_exit(si->si_code) && si->si_pid > 0) {
		if (bit_get(&R.tracked, si->si_pid))
			reap(si->si_pid, masked, si->si_uid);
		else if (atomic_load(&R.forking))
			note_early(si->si_pid); /* fork() has not tracked it yet */
	}
	sweep(masked);
	TS_ERRNO_RESTORE(saved);
}

/* Our handler while the program leaves SIGCHLD at SIG_DFL. */
void ts_sigchld_own(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	ts_children_sigchld(si, 1); /* all signals blocked */
}

/* For wait.c: a program thread is about to wait in the kernel for any
 * child, or is done with it. */
void ts_reap_anywait_begin(void)
{
	atomic_fetch_add(&R.anywaiters, 1);
	ts_reap_settle();
}

void ts_reap_anywait_end(void)
{
	if (atomic_fetch_sub(&R.anywaiters, 1) == 1 &&
	    (atomic_exchange(&R.deferred, 0) || atomic_load(&R.owed))) {
		atomic_store(&R.last_sweep, now_ms());
		sweep(0);
	}
}

/* A status may be between the kernel and the cache right now (a handler
 * on another thread): wait until it has landed. */
void ts_reap_settle(void)
{
	for (int spins = 0; atomic_load(&R.reaping) && spins < 100000; spins++)
		sched_yield();
}

/* The program made the kernel reap for it (SIG_IGN, SA_NOCLDWAIT): its
 * children vanish unseen, so forget them all, lest a pid come back as a
 * child we must not touch. */
void ts_children_autoreap(void)
{
	uint64_t *m = atomic_load(&R.tracked);
	if (m)
		for (uint32_t w = 0; w < MAP_WORDS; w++)
			if (__atomic_load_n(&m[w], __ATOMIC_RELAXED))
				__atomic_store_n(&m[w], 0, __ATOMIC_RELAXED);
}

/* First fork: tables and our SIGCHLD handler (before the child
 * exists, so its death is never missed).  0 if reaping is on. */
static int start_reaping(void)
{
	sigset_t old, all;
	int rc = 0, idle = 0;
	if (ts_reap_active())
		return 0;
	/* a lock a forked child can see and clear (fork_child) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (!atomic_compare_exchange_weak(&ts_proc.reap_starting, &idle, 1)) {
		idle = 0;
		sched_yield();
	}
	if (ts_reap_active() || boot.starting_failed) {
		rc = ts_reap_active() ? 0 : -1;
		goto out;
	}
	uint32_t cap = (uint32_t)ts_cfg.reap_cache, hcap = 1;
	while (hcap < cap * 2)
		hcap <<= 1;
	size_t head = (sizeof(struct reaper) + 4095) & ~(size_t)4095;
	size_t maps = 2 * MAP_WORDS * sizeof(uint64_t);
	size_t cache = cap * sizeof(struct centry) + hcap * sizeof(int32_t);
	char *m = mmap(NULL, head + maps + cache, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		ts_log_reaper_trouble("cannot map the child tables; children are not reaped", errno);
		boot.starting_failed = 1;
		rc = -1;
		goto out;
	}
	/* Not copied into children: the child gets none of it anyway, and a
	 * fork server's parent then writes it without copy-on-write faults
	 * after every fork. */
	madvise(m, head + maps + cache, MADV_DONTFORK);
	struct reaper *nr = (struct reaper *)m;
	m += head;
	nr->lock = (struct ts_lock)TS_LOCK_INIT;
	nr->e = (struct centry *)(m + maps);
	nr->hash = (int32_t *)(m + maps + cap * sizeof(struct centry));
	memset(nr->hash, 0xff, hcap * sizeof(int32_t));
	for (uint32_t i = 0; i < cap; i++)
		nr->e[i].next = i + 1 < cap ? (int32_t)i + 1 : -1;
	nr->head = nr->tail = -1;
	nr->free_ = 0;
	nr->cap = cap;
	nr->hmask = hcap - 1;
	atomic_store(&nr->tracked, (uint64_t *)m);
	atomic_store(&nr->cached, (uint64_t *)(m + maps / 2));

	atomic_store(&nr->last_sweep, now_ms());
	atomic_store(&nr->interval, SWEEP_MS);
	atomic_store(&nr->active, 1);
	atomic_store_explicit(&Rp, nr, memory_order_release);
	ts_signals_sync(SIGCHLD);
out:
	atomic_store(&ts_proc.reap_starting, 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---- fork, and what the child inherits ------------------------------------- */

/* The child has none of the parent's children, nor their tables (not even
 * mapped), and gets SIGCHLD
 * back as the program set it.  No lock is taken around fork(): the child
 * never uses the parent's cache.  Nothing is written unless it must be. */
static void fork_child(void)
{
	if (atomic_load(&Rp)) {
		atomic_store(&Rp, NULL);
		ts_signals_sync_child(SIGCHLD);
	}
	if (boot.starting_failed)
		boot.starting_failed = 0;
	if (atomic_load(&ts_proc.reap_starting)) /* another thread was starting */
		atomic_store(&ts_proc.reap_starting, 0);
}

void ts_children_init(void) { pthread_atfork(NULL, NULL, fork_child); }

/* At exit: the overflow total not reported yet. */
void ts_children_flush(void)
{
	ts_mask old;
	if (!ts_reap_active())
		return;
	ts_lock(&R.lock, &old);
	unsigned long dropped = R.dropped, logged = R.dropped_logged;
	R.dropped_logged = dropped;
	ts_unlock(&R.lock, &old);
	if (dropped != logged)
		ts_log_reap_overflow(dropped, R.cap);
}

/* In the parent after fork().  A SIGCHLD for p may have come before p was
 * tracked (R.early: reap p; R.recheck: sweep).  If a scan is owed, or SIGCHLD
 * has been quiet for a while (blocked in every thread?), sweep too, so
 * zombies stay bounded. */
static pid_t forked(pid_t p, int track)
{
	if (p > 0 && track) {
		bit_set(&R.tracked, p, 1);
		if ((unsigned)p < PID_LIMIT)
			atomic_fetch_or(&R.summary[(unsigned)p / 4096], 1ULL << ((unsigned)p / 64 % 64));
	}
	if (p != 0) {
		atomic_fetch_sub(&R.forking, 1);
		long now = now_ms();
		int mine = (int)p;
		uid_t uid;
		if (p > 0 && atomic_compare_exchange_strong(&R.early, &mine, 0) && exited(p, &uid))
			reap(p, 0, uid);
		if ((p > 0 && atomic_exchange(&R.recheck, 0)) || atomic_load(&R.owed) ||
		    (now - atomic_load(&R.last_signal) >= SWEEP_MS &&
		     now - atomic_load(&R.last_sweep) >= SWEEP_MS))
			sweep(0);
	}
	return p;
}

TS_EXPORT pid_t fork(void)
{
	if (!ts_active || ts_cfg.reap != TS_REAP_FORK)
		return ts_real.fork();
	int track = start_reaping() == 0 && ts_sigchld_program() != TS_CHLD_AUTOREAP;
	if (track)
		atomic_fetch_add(&R.forking, 1);
	int saved = errno;
	pid_t p = ts_real.fork();
	if (p < 0)
		saved = errno;
	if (track)
		p = forked(p, track);
	TS_ERRNO_RESTORE(saved);
	return p;
}

extern pid_t __fork(void);
TS_EXPORT pid_t __fork(void) { return fork(); }

/* ---- kill on a pid whose status waits in the cache -------------------------- */

TS_EXPORT int kill(pid_t pid, int sig)
{
	if (TS_UNLIKELY(pid > 0 && bit_get(&R.cached, pid))) {
		if (sig < 0 || sig >= NSIG) {
			errno = EINVAL;
			return -1;
		}
		return 0; /* a zombie takes any signal and does nothing */
	}
	return ts_real.kill(pid, sig);
}
