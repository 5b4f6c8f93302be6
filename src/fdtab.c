/* Per-fd memory of the peer address, filled when accept/accept4/connect
 * succeed: after an RST the socket is in TCP_CLOSE and getpeername() fails
 * with ENOTCONN, so the address must be kept from when it was known.
 *
 * The first 1024 fds (where a fork server's connections live) have a
 * static table in the data segment, which costs no mapping of its own.
 * Beyond, chunks of 65536 entries are mapped on first use with mmap (unlike
 * malloc, async-signal-safe; only the pages touched cost memory).  fds never
 * accepted or connected cost nothing; 16M fds are covered.  Each entry is a
 * tiny seqlock so a reader in a signal handler never sees a torn address. */
#include "autoconfig.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "tcpsafe.h"

#define LOW 1024u
#define CHUNK_SHIFT 16
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define NCHUNKS 256u

struct entry {
	_Atomic uint32_t seq;     /* odd while being written */
	_Atomic uint32_t seen;    /* TS_SEEN_* kinds already logged */
	_Atomic uint32_t repeats; /* later errors not logged one by one */
	struct ts_addr a;         /* family 0 = nothing known */
};

static struct entry low[LOW] TS_FILE_DATA;
/* chunks[0] serves fds LOW..65535 (its first LOW entries stay unused) */
static _Atomic(struct entry *) chunks[NCHUNKS] TS_FILE_DATA;

static struct entry *slot(int fd, int create)
{
	if (TS_LIKELY((unsigned)fd < LOW))
		return &low[fd];
	if (fd < 0 || (unsigned)fd >= CHUNK_SIZE * NCHUNKS)
		return NULL;
	unsigned ci = (unsigned)fd >> CHUNK_SHIFT;
	struct entry *c = atomic_load_explicit(&chunks[ci], memory_order_acquire);
	if (!c) {
		if (!create)
			return NULL;
		int saved = errno;
		void *m = mmap(NULL, CHUNK_SIZE * sizeof(struct entry), PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		errno = saved;
		if (m == MAP_FAILED)
			return NULL;
		struct entry *expect = NULL;
		if (atomic_compare_exchange_strong(&chunks[ci], &expect, (struct entry *)m)) {
			c = m;
		} else { /* another thread won the race */
			munmap(m, CHUNK_SIZE * sizeof(struct entry));
			errno = saved;
			c = expect;
		}
	}
	return &c[(unsigned)fd & (CHUNK_SIZE - 1)];
}

static void store(struct entry *e, const struct ts_addr *a)
{
	uint32_t s = atomic_load_explicit(&e->seq, memory_order_relaxed);
	atomic_store_explicit(&e->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	e->a = *a;
	atomic_store_explicit(&e->seen, 0, memory_order_relaxed);
	atomic_store_explicit(&e->repeats, 0, memory_order_relaxed);
	atomic_store_explicit(&e->seq, s + 2, memory_order_release);
}

int ts_addr_from_sockaddr(struct ts_addr *out, const struct sockaddr *sa, socklen_t len)
{
	memset(out, 0, sizeof *out);
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		out->port = in->sin_port;
		memcpy(out->addr, &in->sin_addr, 4);
		return 1;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		out->family = AF_INET6;
		out->port = in6->sin6_port;
		memcpy(out->addr, &in6->sin6_addr, 16);
		return 1;
	}
	return 0;
}

/* Never changes errno: called on success paths. */
void ts_fd_remember(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct ts_addr a;
	ts_addr_from_sockaddr(&a, sa, len);
	/* Unknown families are stored as "nothing known" so an older peer of
	 * the same fd number is never shown. */
	struct entry *e = slot(fd, a.family != 0);
	if (e)
		store(e, &a);
}

void ts_fd_forget(int fd)
{
	struct entry *e = slot(fd, 0);
	if (e && e->a.family && !ts_in_vfork_child()) {
		uint32_t rep = atomic_exchange_explicit(&e->repeats, 0, memory_order_relaxed);
		if (TS_UNLIKELY(rep))
			ts_log_repeats(fd, rep);
		static const struct ts_addr none;
		store(e, &none);
	}
}

void ts_fd_forget_range(unsigned int lo, unsigned int hi)
{
	/* Only chunks that exist can hold anything: skip the rest quickly. */
	for (unsigned long fd = lo; fd <= hi && fd < (unsigned long)CHUNK_SIZE * NCHUNKS;) {
		if (fd >= LOW && !atomic_load_explicit(&chunks[fd >> CHUNK_SHIFT], memory_order_acquire)) {
			fd = ((fd >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
			continue;
		}
		ts_fd_forget((int)fd);
		fd++;
	}
}

int ts_fd_peer(int fd, struct ts_addr *out)
{
	struct entry *e = slot(fd, 0);
	if (!e)
		return 0;
	for (int tries = 0; tries < 100; tries++) {
		uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		*out = e->a;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) == s1)
			return out->family != 0;
	}
	return 0;
}

/* One line per kind of error per connection: an unchecked write loop on a
 * reset socket fails hundreds of times.  Returns 1 the first time kind is
 * seen on this connection, 0 (and counts a repeat) afterwards, 1 for fds
 * we know nothing about. */
int ts_fd_first_event(int fd, uint32_t kind)
{
	struct entry *e = slot(fd, 0);
	if (!e || !e->a.family)
		return 1;
	if (!(atomic_fetch_or(&e->seen, kind) & kind))
		return 1;
	atomic_fetch_add(&e->repeats, 1);
	return 0;
}

/* dup2/dup3: newfd names oldfd's socket now.  Not from a vfork child: the
 * parent's descriptors did not change. */
void ts_fd_copy(int oldfd, int newfd)
{
	struct ts_addr a;
	if (!ts_fd_peer(oldfd, &a) || ts_in_vfork_child())
		return;
	struct entry *e = slot(newfd, 1);
	if (e)
		store(e, &a);
}
