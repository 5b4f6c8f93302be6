/* Start-up: bind the real functions, read the configuration once, report
 * bad values, take SIGPIPE under care.  Runs from our constructor, or
 * earlier from the first wrapper that needs it (another library's
 * constructor may run before ours). */
#include "autoconfig.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpsafe.h"

struct ts_config ts_cfg TS_FILE_DATA;
int ts_active;

/* What a forked child writes lives in one cache line (tcpsafe.h). */
struct ts_proc ts_proc __attribute__((aligned(64))) = {.sig_lock = TS_LOCK_INIT};

static _Atomic int state; /* 0 not started, 1 running, 2 done */

static const char *env(const char *name) { return secure_getenv(name); }

extern char **environ;

/* Before libc has initialised itself (a call from an executable's
 * preinit_array, as AddressSanitizer's runtime makes when it installs its
 * handlers) environ is still NULL: getenv would find none of TCPSAFE_*, nor
 * is the program's name known.  Such a call passes through uninitialised;
 * a later one, at the latest our constructor, does the work. */
static void init(int early_ok)
{
	int expect = 0;
	if (!environ && early_ok)
		return;
	if (!atomic_compare_exchange_strong(&state, &expect, 1))
		return; /* done, or in progress (recursion): callers pass through */
	ts_bind_all();
#ifndef TS_WRAP_VFORK
	/* the reference for ts_in_vfork_child(); with the vfork stub, vfork
	 * and clone set it before anyone asks, and start-up spares a getpid */
	ts_proc.owner_pid = getpid();
#endif
	pthread_atfork(NULL, NULL, ts_vfork_after_fork);
	ts_config_load_rt(&ts_cfg, env, SIGRTMIN, SIGRTMAX);
	if (!ts_cfg.disable) {
		ts_log_init();
		for (int i = 0; i < ts_cfg.nwarn; i++)
			ts_log_config_warning(ts_cfg.warn[i].var, ts_cfg.warn[i].value,
			                      ts_cfg.warn[i].accepted, ts_cfg.warn[i].using_);
		ts_signals_init();
		ts_children_init();
		__atomic_store_n(&ts_active, 1, __ATOMIC_RELEASE);
	}
	atomic_store(&state, 2);
}

void ts_init(void) { init(1); }

__attribute__((constructor)) static void tcpsafe_load(void) { init(0); }

/* Lines held back by the rate limit are still accounted for at exit. */
__attribute__((destructor)) static void tcpsafe_unload(void)
{
	if (ts_active) {
		ts_children_flush();
		ts_log_flush_suppressed();
	}
}
