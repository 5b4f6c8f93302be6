/* Children: no zombies from fork servers, without stealing anyone's status.
 *
 * - Tracked: exactly the children fork() returned to the program (a bit per
 *   pid).  popen, system, posix_spawn, vfork and clone children, made inside
 *   libc or without fork(), are never touched.
 * - Reaped by a helper thread (all signals blocked, so it never receives
 *   the program's signals and installs no handler: nothing the program does
 *   can see an EINTR because of it).  It sleeps in waitid(P_ALL, WNOWAIT),
 *   which only peeks at the next zombie, and reaps a tracked one by pid.
 *   Our own work per exit is O(1); the peek itself makes the kernel walk
 *   its child list, O(live children) (measured in bench/: 64 -> 198 us per
 *   child from 10 to 5,000 live).  Never waitpid(-1), never SIG_IGN or
 *   SA_NOCLDWAIT, never a subreaper.
 * - Each status (code, uid, rusage) goes into a bounded cache, served to
 *   the program's own wait calls (wait.c) exactly once; when it is full the
 *   oldest status is dropped, counted and logged.  While a status waits
 *   there, kill() on its pid acts as on a zombie: the pid may already be
 *   another process's.
 * - The thread starts at the first fork(): programs that never fork see no
 *   change.  A forked child starts with empty tables and no thread. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpsafe.h"

#define PID_LIMIT (1u << 22) /* Linux PID_MAX_LIMIT on 64-bit */
#define MAP_WORDS (PID_LIMIT / 64)

struct centry {
	struct ts_status st;
	int32_t prev, next; /* FIFO order, oldest at head */
};

static struct {
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
	_Atomic uint32_t gen;      /* bumped after each reap: futex word */
	_Atomic int waiters;       /* program threads sleeping on gen */
	_Atomic int forking;       /* fork() calls between fork and track */
	_Atomic uint32_t fork_gen; /* bumped after each track: futex word */
	_Atomic int reaper_idle;   /* reaper sleeping on fork_gen */
	_Atomic int reaping;       /* between the reaper's waitid and cache_put */
	int starting_failed;
} R = {.lock = TS_LOCK_INIT, .head = -1, .tail = -1, .free_ = -1};

static long futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *t)
{
	return syscall(SYS_futex, (uint32_t *)w, op, val, t, NULL, 0);
}

int ts_reap_active(void) { return atomic_load_explicit(&R.active, memory_order_acquire); }
uint32_t ts_reap_gen(void) { return atomic_load(&R.gen); }

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

static int matches(const struct ts_status *st, idtype_t idtype, id_t id)
{
	return idtype == P_ALL || (idtype == P_PID && st->pid == (pid_t)id) ||
	       (idtype == P_PGID && st->pgid == (pid_t)id);
}

int ts_cache_take(idtype_t idtype, id_t id, int peek, struct ts_status *out)
{
	sigset_t old;
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

/* ---- the reaper ------------------------------------------------------------ */

static void wake_waiters(void)
{
	atomic_fetch_add(&R.gen, 1);
	if (atomic_load(&R.waiters))
		futex(&R.gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

/* Reap one tracked child by pid, if it is a zombie.  1 if reaped. */
static int reap(pid_t pid)
{
	struct ts_status st;
	siginfo_t si;
	sigset_t old;
	memset(&st, 0, sizeof st);
	memset(&si, 0, sizeof si);
	pid_t pgid = getpgid(pid); /* a zombie still has its group */
	atomic_fetch_add(&R.reaping, 1);
	if (syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, &st.ru) < 0) {
		atomic_fetch_sub(&R.reaping, 1);
		if (errno == ECHILD) /* the program waited for it first */
			ts_child_untrack(pid);
		return 0;
	}
	if (si.si_pid != pid) {
		atomic_fetch_sub(&R.reaping, 1);
		return 0; /* still running */
	}
	st.pid = pid;
	st.pgid = pgid;
	st.code = si.si_code;
	st.status = si.si_status;
	st.uid = si.si_uid;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ts_lock(&R.lock, &old);
	cache_put(&st);
	/* overflow: one line a second at most, with the running total */
	unsigned long dropped = R.dropped, logged = R.dropped_logged;
	if (dropped != logged && now.tv_sec != R.overflow_logged_at) {
		R.dropped_logged = dropped;
		R.overflow_logged_at = now.tv_sec;
	} else {
		logged = dropped;
	}
	ts_unlock(&R.lock, &old);
	ts_child_untrack(pid);
	atomic_fetch_sub(&R.reaping, 1);
	wake_waiters();
	ts_log_reap(&st);
	if (dropped != logged)
		ts_log_reap_overflow(dropped, R.cap);
	return 1;
}

/* An untracked zombie (popen/system/posix_spawn child the program has not
 * waited for yet) is first in line, so peeking shows nothing behind it.
 * Until the program reaps it, look at our own children directly, a bounded
 * slice per round so the cost stays small. */
static void scan_slice(uint32_t *cursor)
{
	uint64_t *m = atomic_load(&R.tracked);
	int checked = 0;
	for (uint32_t n = 0; n < MAP_WORDS && checked < 512; n++) {
		uint32_t w = (*cursor + n) % MAP_WORDS;
		uint64_t bits = __atomic_load_n(&m[w], __ATOMIC_RELAXED);
		while (bits) {
			int b = __builtin_ctzll(bits);
			bits &= bits - 1;
			reap((pid_t)(w * 64 + (uint32_t)b));
			checked++;
		}
		if (checked >= 512) {
			*cursor = (w + 1) % MAP_WORDS;
			return;
		}
	}
	*cursor = 0;
}

static void nap_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (syscall(SYS_nanosleep, &t, &t) < 0 && errno == EINTR)
		;
}

/* Under churn every exit would wake the thread for one reap; instead,
 * after a reap it drains what else is waiting, then naps BATCH_US, so a
 * busy fork server pays one wake-up for many children (each still reaped
 * within a millisecond or two). */
#define BATCH_US 1000

static void *reaper_main(void *arg)
{
	(void)arg;
	uint32_t cursor = 0;
	long nap = 10;
	int flags = WEXITED | WNOWAIT;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (syscall(SYS_waitid, P_ALL, 0, &si, flags, NULL) < 0) {
			flags = WEXITED | WNOWAIT;
			if (errno == ECHILD) { /* no children: sleep until a fork */
				uint32_t g = atomic_load(&R.fork_gen);
				atomic_store(&R.reaper_idle, 1);
				struct timespec t = {1, 0};
				futex(&R.fork_gen, FUTEX_WAIT_PRIVATE, g, &t);
				atomic_store(&R.reaper_idle, 0);
			} else if (errno != EINTR) {
				ts_log_reaper_trouble("waitid failed", errno);
				nap_ms(100);
			}
			continue;
		}
		pid_t pid = si.si_pid;
		if (pid <= 0) { /* drained (WNOHANG): rest, then block again */
			struct timespec t = {0, BATCH_US * 1000L};
			while (syscall(SYS_nanosleep, &t, &t) < 0 && errno == EINTR)
				;
			flags = WEXITED | WNOWAIT;
			continue;
		}
		if (bit_get(&R.tracked, pid)) {
			reap(pid);
			nap = 10;
			flags = WEXITED | WNOWAIT | WNOHANG;
			continue;
		}
		flags = WEXITED | WNOWAIT;
		/* A fork() in progress may be about to track it. */
		for (int spins = 0; spins < 100 && atomic_load(&R.forking); spins++)
			sched_yield();
		if (bit_get(&R.tracked, pid))
			continue;
		wake_waiters(); /* the program may be waiting for this one */
		scan_slice(&cursor);
		nap_ms(nap);
		nap = nap * 2 > 100 ? 100 : nap * 2;
	}
	return NULL;
}

/* First fork: tables and thread.  0 if reaping is on. */
static int start_reaping(void)
{
	static struct ts_lock start_lock = TS_LOCK_INIT;
	sigset_t old, all;
	int rc = 0;
	if (ts_reap_active())
		return 0;
	ts_lock(&start_lock, &old);
	if (ts_reap_active() || R.starting_failed) {
		rc = ts_reap_active() ? 0 : -1;
		goto out;
	}
	uint32_t cap = (uint32_t)ts_cfg.reap_cache, hcap = 1;
	while (hcap < cap * 2)
		hcap <<= 1;
	size_t maps = 2 * MAP_WORDS * sizeof(uint64_t);
	size_t cache = cap * sizeof(struct centry) + hcap * sizeof(int32_t);
	char *m = mmap(NULL, maps + cache, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		ts_log_reaper_trouble("cannot map the child tables; children are not reaped", errno);
		R.starting_failed = 1;
		rc = -1;
		goto out;
	}
	R.e = (struct centry *)(m + maps);
	R.hash = (int32_t *)(m + maps + cap * sizeof(struct centry));
	memset(R.hash, 0xff, hcap * sizeof(int32_t));
	for (uint32_t i = 0; i < cap; i++)
		R.e[i].next = i + 1 < cap ? (int32_t)i + 1 : -1;
	R.free_ = 0;
	R.cap = cap;
	R.hmask = hcap - 1;
	atomic_store(&R.tracked, (uint64_t *)m);
	atomic_store(&R.cached, (uint64_t *)(m + maps / 2));

	/* the thread inherits this mask: it takes none of the program's signals */
	pthread_t t;
	pthread_attr_t attr;
	sigfillset(&all);
	sigset_t mine;
	pthread_sigmask(SIG_BLOCK, &all, &mine);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	int err = pthread_create(&t, &attr, reaper_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &mine, NULL);
	if (err) {
		ts_log_reaper_trouble("cannot start the reaper thread; children are not reaped", err);
		atomic_store(&R.tracked, NULL);
		atomic_store(&R.cached, NULL);
		munmap(m, maps + cache);
		R.starting_failed = 1;
		rc = -1;
		goto out;
	}
	pthread_setname_np(t, "tcpsafe-reaper");
	atomic_store_explicit(&R.active, 1, memory_order_release);
out:
	ts_unlock(&start_lock, &old);
	return rc;
}

/* ---- fork, and what the child inherits ------------------------------------- */

static sigset_t fork_mask;
static void fork_prepare(void) { ts_lock(&R.lock, &fork_mask); }
static void fork_parent(void) { ts_unlock(&R.lock, &fork_mask); }

/* The child has no reaper thread and none of the parent's children. */
static void fork_child(void)
{
	uint64_t *m = atomic_load(&R.tracked);
	size_t maps = 2 * MAP_WORDS * sizeof(uint64_t);
	size_t cache = R.cap * sizeof(struct centry) + (R.hmask + 1) * sizeof(int32_t);
	atomic_store(&R.active, 0);
	atomic_store(&R.tracked, NULL);
	atomic_store(&R.cached, NULL);
	if (m)
		munmap(m, maps + cache);
	R.e = NULL;
	R.hash = NULL;
	R.cap = R.hmask = R.count = 0;
	R.head = R.tail = R.free_ = -1;
	R.dropped = R.dropped_logged = 0;
	R.overflow_logged_at = 0;
	atomic_store(&R.waiters, 0);
	atomic_store(&R.forking, 0);
	atomic_store(&R.reaper_idle, 0);
	atomic_store(&R.reaping, 0);
	R.starting_failed = 0;
	ts_unlock(&R.lock, &fork_mask);
}

void ts_children_init(void) { pthread_atfork(fork_prepare, fork_parent, fork_child); }

/* At exit: the overflow total not reported yet. */
void ts_children_flush(void)
{
	sigset_t old;
	if (!ts_reap_active())
		return;
	ts_lock(&R.lock, &old);
	unsigned long dropped = R.dropped, logged = R.dropped_logged;
	R.dropped_logged = dropped;
	ts_unlock(&R.lock, &old);
	if (dropped != logged)
		ts_log_reap_overflow(dropped, R.cap);
}

static pid_t forked(pid_t p)
{
	if (p > 0 && start_reaping() == 0) {
		bit_set(&R.tracked, p, 1);
		atomic_fetch_add(&R.fork_gen, 1);
		if (atomic_load(&R.reaper_idle))
			futex(&R.fork_gen, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
	if (p != 0)
		atomic_fetch_sub(&R.forking, 1);
	return p;
}

TS_EXPORT pid_t fork(void)
{
	if (!ts_active || ts_cfg.reap != TS_REAP_FORK)
		return ts_real.fork();
	atomic_fetch_add(&R.forking, 1);
	int saved = errno;
	pid_t p = ts_real.fork();
	if (p < 0)
		saved = errno;
	p = forked(p);
	errno = saved;
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

/* ---- for wait.c: sleep until the reaper moves on ------------------------- */

/* A status may be between the kernel and the cache right now: wait until
 * it has landed (a few instructions of the reaper's time). */
void ts_reap_settle(void)
{
	for (int spins = 0; atomic_load(&R.reaping) && spins < 100000; spins++)
		sched_yield();
}

int ts_reap_wait(uint32_t g, int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	atomic_fetch_add(&R.waiters, 1);
	long r = futex(&R.gen, FUTEX_WAIT_PRIVATE, g, &t);
	int e = errno;
	atomic_fetch_sub(&R.waiters, 1);
	if (r < 0 && e == EINTR) {
		errno = EINTR;
		return -1;
	}
	return 0;
}
