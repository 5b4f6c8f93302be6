/*
 * malloccount.c - an LD_PRELOAD library that counts heap calls, to measure
 * how many allocations the tcpsafe wrappers make (the answer should be 0).
 * Preload it BELOW tcpsafe ("libtcpsafe.so:malloccount.so") so tcpsafe's own
 * calls to malloc land here before reaching libc.
 *
 * It counts malloc, calloc, realloc, free and the memalign family
 * (posix_memalign, aligned_alloc, memalign, valloc, pvalloc), process-wide,
 * and forwards every call to the next definition found with
 * dlsym(RTLD_NEXT).  Calls made while dlsym itself is being resolved are
 * served from a small static arena.  The counts are read with
 *   void malloccount_get(unsigned long out[5]);
 * found by the program with dlsym(RTLD_DEFAULT, "malloccount_get"):
 * out = {malloc, calloc, realloc, free, memalign family}.
 *
 * build: cc -O2 -shared -fPIC malloccount.c -o malloccount.so -ldl
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h> /* memalign, valloc, pvalloc */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT void malloccount_get(unsigned long out[5]);

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

static _Atomic unsigned long counts[5];
enum { C_MALLOC, C_CALLOC, C_REALLOC, C_FREE, C_ALIGN };

/* Bootstrap arena for the allocations dlsym makes while we resolve. */
static _Alignas(max_align_t) char arena[16384];
static _Atomic size_t arena_used;
static _Atomic int resolving;
static _Atomic int resolved;

static int in_arena(const void *p)
{
    return (const char *)p >= arena && (const char *)p < arena + sizeof arena;
}

static void *arena_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    size_t off = atomic_fetch_add(&arena_used, n);
    if (off + n > sizeof arena) {
        errno = ENOMEM;
        return NULL;
    }
    return arena + off;
}

#define RESOLVE(name) \
    (*(void **)&real_##name = dlsym(RTLD_NEXT, #name))

static void resolve(void)
{
    if (atomic_load(&resolved))
        return;
    int expect = 0;
    if (!atomic_compare_exchange_strong(&resolving, &expect, 1))
        return; /* recursion from inside dlsym: the arena serves it */
    RESOLVE(malloc);
    RESOLVE(calloc);
    RESOLVE(realloc);
    RESOLVE(free);
    RESOLVE(posix_memalign);
    RESOLVE(aligned_alloc);
    RESOLVE(memalign);
    RESOLVE(valloc);
    RESOLVE(pvalloc);
    atomic_store(&resolved, 1);
}

__attribute__((constructor)) static void malloccount_init(void) { resolve(); }

static void count(int which)
{
    atomic_fetch_add_explicit(&counts[which], 1, memory_order_relaxed);
}

EXPORT void malloccount_get(unsigned long out[5])
{
    for (int i = 0; i < 5; i++)
        out[i] = atomic_load(&counts[i]);
}

EXPORT void *malloc(size_t n)
{
    resolve();
    count(C_MALLOC);
    if (!real_malloc)
        return arena_alloc(n);
    return real_malloc(n);
}

EXPORT void *calloc(size_t a, size_t b)
{
    resolve();
    count(C_CALLOC);
    if (!real_calloc) {
        if (b && a > SIZE_MAX / b) {
            errno = ENOMEM;
            return NULL;
        }
        return arena_alloc(a * b); /* static storage: already zero */
    }
    return real_calloc(a, b);
}

EXPORT void *realloc(void *p, size_t n)
{
    resolve();
    count(C_REALLOC);
    if (in_arena(p) || !real_realloc) {
        void *q = real_malloc ? real_malloc(n) : arena_alloc(n);
        if (q && p) {
            size_t room = (size_t)(arena + sizeof arena - (char *)p);
            memcpy(q, p, n < room ? n : room);
        }
        return q;
    }
    return real_realloc(p, n);
}

EXPORT void free(void *p)
{
    count(C_FREE);
    if (!p || in_arena(p))
        return;
    resolve();
    if (real_free)
        real_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    resolve();
    count(C_ALIGN);
    if (!real_posix_memalign)
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    resolve();
    count(C_ALIGN);
    return real_aligned_alloc ? real_aligned_alloc(align, n) : NULL;
}

EXPORT void *memalign(size_t align, size_t n)
{
    resolve();
    count(C_ALIGN);
    return real_memalign ? real_memalign(align, n) : NULL;
}

EXPORT void *valloc(size_t n)
{
    resolve();
    count(C_ALIGN);
    return real_valloc ? real_valloc(n) : NULL;
}

EXPORT void *pvalloc(size_t n)
{
    resolve();
    count(C_ALIGN);
    return real_pvalloc ? real_pvalloc(n) : NULL;
}
