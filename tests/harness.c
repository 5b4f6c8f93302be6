#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include <check.h>

#include "harness.h"

extern char **environ;

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

void tmp_path(char *buf, size_t sz, const char *tag)
{
	static int seq;
	snprintf(buf, sz, "/tmp/tcpsafe-test-%d-%d-%s", (int)getpid(), seq++, tag);
	unlink(buf);
}

/* ---- sanitized builds and valgrind ---------------------------------------
 * A sanitized build (configure --enable-sanitizers) defines TS_ASAN_RUNTIME:
 * ASan's runtime must be first in the initial library list of every process
 * that loads the (sanitized) libtcpsafe.so, so it goes first in LD_PRELOAD,
 * for children started WITHOUT tcpsafe too: the sanitized executables have
 * it already, and it lets the launcher (which keeps an ASan entry first) and
 * the shells and interpreters the tests start under tcpsafe load the library.
 * ASan and LSan write each report to a file in san_dir (log_path), UBSan
 * to the child's stderr; the harness looks at both after reaping each child,
 * so a report fails the test even from a child that is expected to die of
 * SIGPIPE or to exit non-zero, from its forked workers, or from a server the
 * test kills.
 *
 * TS_VALGRIND=1 (make check-valgrind): every child started WITH tcpsafe
 * runs under valgrind's memcheck, which writes its errors to a file per
 * process (forked children too) in san_dir. */

/* The exit status of a child halted by a sanitizer or valgrind error: one
 * no test expects, so the test fails on it even before the report check. */
#define SAN_EXITCODE 86
#define VG_EXITCODE 85

static char san_dir[128]; /* reports of this test program's children */
static void valgrind_init(const char *vg);

static int sanitized(void)
{
#ifdef TS_ASAN_RUNTIME
	return 1;
#else
	return 0;
#endif
}

/* The valgrind to run, or NULL when TS_VALGRIND is unset/0. */
static const char *valgrind_path(void)
{
	const char *v = getenv("TS_VALGRIND");
	if (!v || !*v || !strcmp(v, "0"))
		return NULL;
	if (v[0] == '/')
		return v;
#ifdef TS_VALGRIND_PATH
	return TS_VALGRIND_PATH;
#else
	return "/usr/bin/valgrind";
#endif
}

double ts_time_scale(void)
{
	static double scale;
	if (scale > 0)
		return scale;
	const char *e = getenv("TS_TIME_SCALE");
	if (e && atof(e) > 0)
		scale = atof(e);
	else if (valgrind_path())
		scale = 4; /* valgrind slows the program, not the clock */
	else
		scale = 1;
	return scale;
}

int ts_ms(int ms) { return (int)(ms * ts_time_scale()); }

/* The k-th number (from 1) in a /proc/sys file, or 0. */
static long sysctl_field(const char *path, int k)
{
	long v = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	for (int i = 0; i < k; i++)
		if (fscanf(f, "%ld", &v) != 1) {
			v = 0;
			break;
		}
	fclose(f);
	return v;
}

long ts_reply_size(long at_least)
{
	/* the send buffer's bound: tcp_wmem[2], or wmem_max for SO_SNDBUF */
	long w = sysctl_field("/proc/sys/net/ipv4/tcp_wmem", 3);
	long x = sysctl_field("/proc/sys/net/core/wmem_max", 1);
	if (x > w)
		w = x;
	/* an unread receive buffer stays at its default, tcp_rmem[1] */
	long r = sysctl_field("/proc/sys/net/ipv4/tcp_rmem", 2);
	/* twice, for margin: the buffers are counted with the kernel's overhead */
	long want = 2 * (w + r) + (1L << 20);
	return want > at_least ? want : at_least;
}

static void san_dir_init(void)
{
	if (san_dir[0] || (!sanitized() && !valgrind_path()))
		return;
	if (sanitized() && valgrind_path()) {
		fprintf(stderr, "TS_VALGRIND=1 needs a build without --enable-sanitizers\n");
		exit(EXIT_FAILURE);
	}
	if (valgrind_path())
		valgrind_init(valgrind_path());
	snprintf(san_dir, sizeof san_dir, "/tmp/tcpsafe-san-%d", (int)getpid());
	if (mkdir(san_dir, 0700) < 0 && errno != EEXIST) {
		perror(san_dir);
		exit(EXIT_FAILURE);
	}
}

/* Appends the report in path, each line indented, to msg. */
static void report_excerpt(const char *path, char *msg, size_t sz)
{
	static char buf[65536];
	size_t n = strlen(msg);
	slurp(path, buf, sizeof buf);
	const char *line = buf;
	while (*line && n + 1 < sz) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		n += (size_t)snprintf(msg + n, sz - n, "  %.*s\n", (int)len, line);
		line += len + (nl ? 1 : 0);
	}
}

/* Reports of processes started by test process `owner` (0: any).  A file
 * with an error is described in msg and renamed *.seen so it is reported
 * once; with cleanup, every file is removed.  Returns the count of errors. */
static int scan_reports(pid_t owner, char *msg, size_t sz, int cleanup)
{
	int found = 0;
	char prefix[32];
	if (!san_dir[0])
		return 0;
	DIR *d = opendir(san_dir);
	if (!d)
		return 0;
	snprintf(prefix, sizeof prefix, "%d.", (int)owner);
	msg[0] = '\0';
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", san_dir, e->d_name);
		int seen = strstr(e->d_name, ".seen") != NULL;
		int ours = !owner || !strncmp(e->d_name, prefix, strlen(prefix));
		int vg = strstr(e->d_name, ".vg") != NULL;
		if (ours && !seen) {
			static char head[65536];
			slurp(path, head, sizeof head);
			/* memcheck (--quiet) writes only its errors, as "==PID=="
			 * lines: a clean process leaves an empty file, or valgrind's
			 * own "--PID--" notes (3.19 does not know pidfd_open, which
			 * the library makes when it reaps, and falls back from).
			 * ASan and UBSan errors say ERROR or end with a SUMMARY line;
			 * a file may also hold only a warning (LSan's, in a forked
			 * child, about its parent's threads), which fails nothing. */
			if (vg ? (!strncmp(head, "==", 2) || strstr(head, "\n==") != NULL)
			       : strstr(head, "ERROR: ") || strstr(head, "runtime error:") ||
			             strstr(head, "SUMMARY: ")) {
				size_t n = strlen(msg);
				snprintf(msg + n, sz - n, "%s report %s:\n", vg ? "valgrind" : "sanitizer",
				         path);
				report_excerpt(path, msg, sz);
				found++;
				if (!cleanup) {
					char to[600];
					snprintf(to, sizeof to, "%s.seen", path);
					rename(path, to);
				}
			}
		}
		if (cleanup)
			unlink(path);
	}
	closedir(d);
	if (cleanup)
		rmdir(san_dir);
	return found;
}

/* Check carries a failure message of a few kB at most: the whole report
 * goes to our stderr (the test's .log), its start to the message. */
static void fail_with(const char *msg)
{
	fprintf(stderr, "%s", msg);
	ck_abort_msg("%.1500s", msg);
}

/* Fails the running test if a process it started reported an error: in
 * san_dir, or on the stderr of p (a file) and of p's own children. */
static void check_reports(const struct proc *p)
{
	static char msg[16384], err[65536];
	if (!san_dir[0])
		return;
	if (scan_reports(getpid(), msg, sizeof msg, 0))
		fail_with(msg);
	/* GCC's UBSan runtime is a library of its own that does not follow
	 * log_path when ASan's is loaded too: its reports reach stderr */
	if (sanitized() && p->err[0] && slurp(p->err, err, sizeof err) &&
	    (strstr(err, "runtime error:") || strstr(err, "ERROR: AddressSanitizer") ||
	     strstr(err, "ERROR: LeakSanitizer"))) {
		snprintf(msg, sizeof msg, "sanitizer report on the stderr of %d:\n", (int)p->pid);
		report_excerpt(p->err, msg, sizeof msg);
		fail_with(msg);
	}
}

static int is_asan_entry(const char *list)
{
	size_t first = strcspn(list, ": ");
	const char *a = strstr(list, "asan");
	return a && a < list + first;
}

/* Builds the child's environment for prog; returns whether it loads
 * libtcpsafe.so. */
static int build_env(char **env, size_t max, const char *prog, int preload,
                     const char *const extra[])
{
	size_t n = 0;
	static char pre[1024], asan_opts[512], ubsan_opts[512];
	const char *list = preload ? LIBPATH : "";
	for (char **e = environ; *e && n + 8 < max; e++) {
		if (!strncmp(*e, "LD_PRELOAD=", 11) || !strncmp(*e, "TCPSAFE_", 8) ||
		    !strncmp(*e, "LC_ALL=", 7))
			continue;
		if (sanitized() && (!strncmp(*e, "ASAN_OPTIONS=", 13) ||
		                    !strncmp(*e, "UBSAN_OPTIONS=", 14) ||
		                    !strncmp(*e, "LSAN_OPTIONS=", 13)))
			continue;
		env[n++] = *e;
	}
	env[n++] = "LC_ALL=C"; /* the tests read English error messages */
	for (size_t i = 0; extra && extra[i]; i++)
		if (!strncmp(extra[i], "LD_PRELOAD=", 11))
			list = extra[i] + 11; /* the test's own list replaces ours */
#ifdef TS_ASAN_RUNTIME
	if (!is_asan_entry(list))
		snprintf(pre, sizeof pre, "LD_PRELOAD=%s%s%s", TS_ASAN_RUNTIME, *list ? ":" : "", list);
	else
		snprintf(pre, sizeof pre, "LD_PRELOAD=%s", list);
	/* halt on the first error, with an exit status no test expects.  Leaks
	 * are looked for when one of our programs exits (memory still
	 * reachable, like a server's tables, is no leak); not in a shell or an
	 * interpreter a test starts, whose exit-time leaks are not ours. */
	int ours = !strncmp(prog, TS_BUILDDIR "/", strlen(TS_BUILDDIR "/"));
	/* a program run out of descriptors cannot have its leaks checked
	 * (LSan needs to open /proc at exit): the test says so */
	for (size_t i = 0; extra && extra[i]; i++)
		if (!strcmp(extra[i], "TS_NO_LEAK_CHECK=1"))
			ours = 0;
	snprintf(asan_opts, sizeof asan_opts,
	         "ASAN_OPTIONS=log_path=%s/%d:halt_on_error=1:abort_on_error=0:exitcode=%d:"
	         "detect_leaks=%d:verify_asan_link_order=1",
	         san_dir, (int)getpid(), SAN_EXITCODE, ours);
	/* UBSan's runtime hands its log_path to ASan's (it calls the exported
	 * __sanitizer_set_report_path, which ASan's defines first): the same
	 * value, or ASan would report to stderr; UBSan itself reports there */
	snprintf(ubsan_opts, sizeof ubsan_opts,
	         "UBSAN_OPTIONS=log_path=%s/%d:halt_on_error=1:abort_on_error=0:exitcode=%d:"
	         "print_stacktrace=1",
	         san_dir, (int)getpid(), SAN_EXITCODE);
	env[n++] = asan_opts;
	env[n++] = ubsan_opts;
#else
	(void)asan_opts;
	(void)ubsan_opts;
	(void)prog;
	(void)is_asan_entry;
	snprintf(pre, sizeof pre, "LD_PRELOAD=%s", list);
#endif
	if (pre[11])
		env[n++] = pre;
	for (size_t i = 0; extra && extra[i] && n + 3 < max; i++)
		if (strncmp(extra[i], "LD_PRELOAD=", 11))
			env[n++] = (char *)extra[i];
	env[n] = NULL;
	return strstr(list, LIBPATH) != NULL;
}

/* memcheck itself, started the way valgrind's launcher starts it: the
 * launcher is a dynamic executable (and Debian's `valgrind` a shell script
 * before it), so with LD_PRELOAD in its environment it would load tcpsafe
 * natively and log in the test's output.  The tool is static: only the
 * program under it gets LD_PRELOAD (valgrind's preloads put first). */
static char vg_tool[400], vg_lib_env[420], vg_launcher_env[420];
/* run_both compares outputs: both runs under memcheck, whose own signal
 * (SIGRTMAX) and flags show in what a program reads back */
static int vg_both;

static void valgrind_init(const char *vg)
{
	char launcher[300], prefix[256], lib[300];
	const char *l = getenv("VALGRIND_LIB");
	snprintf(launcher, sizeof launcher, "%s.bin", vg); /* Debian's real launcher */
	if (access(launcher, X_OK) != 0)
		snprintf(launcher, sizeof launcher, "%s", vg);
	if (l && *l) {
		snprintf(lib, sizeof lib, "%s", l);
	} else { /* PREFIX/bin/valgrind: the tools are in PREFIX/libexec/valgrind */
		char real[256];
		if (!realpath(vg, real))
			snprintf(real, sizeof real, "%s", vg);
		snprintf(prefix, sizeof prefix, "%s", real);
		for (int up = 0; up < 2; up++) {
			char *slash = strrchr(prefix, '/');
			if (slash)
				*slash = '\0';
		}
		snprintf(lib, sizeof lib, "%s/libexec/valgrind", prefix);
	}
	snprintf(vg_tool, sizeof vg_tool, "%s/memcheck-amd64-linux", lib);
	if (access(vg_tool, X_OK) != 0) {
		fprintf(stderr, "TS_VALGRIND: no %s (set VALGRIND_LIB to valgrind's libexec dir)\n",
		        vg_tool);
		exit(EXIT_FAILURE);
	}
	snprintf(vg_lib_env, sizeof vg_lib_env, "VALGRIND_LIB=%s", lib);
	snprintf(vg_launcher_env, sizeof vg_launcher_env, "VALGRIND_LAUNCHER=%s", launcher);
}

/* argv under valgrind's memcheck, in vargv (room for max entries), and the
 * two variables the tool needs added to env (room for them). */
static void valgrind_argv(char **vargv, size_t max, char **env, char *const argv[])
{
	static char log[300], supp[300], code[64];
	size_t n = 0;
	while (env[n])
		n++;
	env[n++] = vg_lib_env;
	env[n++] = vg_launcher_env;
	env[n] = NULL;
	n = 0;
	snprintf(log, sizeof log, "--log-file=%s/%d.%%p.vg.log", san_dir, (int)getpid());
	snprintf(supp, sizeof supp, "--suppressions=%s/tests/valgrind.supp", TS_SRCDIR);
	snprintf(code, sizeof code, "--error-exitcode=%d", VG_EXITCODE);
	/* leaks as for ASan: in our programs only, and only memory the program
	 * can no longer reach */
	int ours = !strncmp(argv[0], TS_BUILDDIR "/", strlen(TS_BUILDDIR "/"));
	const char *opts[] = {vg_tool, "--tool=memcheck", "--quiet", code, log, supp,
	                      ours ? "--leak-check=full" : "--leak-check=no",
	                      "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
	                      /* forked children write their own files (%p) */
	                      "--child-silent-after-fork=no", "--trace-children=no",
	                      "--vgdb=no", "--fair-sched=yes"};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0] && n + 1 < max; i++)
		vargv[n++] = (char *)opts[i];
	for (size_t i = 0; argv[i] && n + 1 < max; i++)
		vargv[n++] = argv[i];
	vargv[n] = NULL;
}

/* Every child started and not yet reaped, so a failed assertion still
 * kills them all.  Never reaped here: proc_wait must get the status. */
static pid_t live[256];

static void kill_all(void)
{
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
			live[i] = 0;
		}
}

static void track(pid_t pid)
{
	static int registered;
	if (!registered++)
		atexit(kill_all);
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		if (live[i] <= 0) {
			live[i] = pid;
			return;
		}
}

static void untrack(pid_t pid)
{
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		if (live[i] == pid)
			live[i] = 0;
}

void proc_start_fd2(struct proc *p, int preload, char *const argv[], const char *const extra[],
                    int fd2)
{
	int pfd[2];
	char *env[512];
	char *vargv[128];
	const char *vg = valgrind_path();

	memset(p, 0, sizeof *p);
	if (fd2 < 0)
		tmp_path(p->err, sizeof p->err, "stderr");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		abort();
	san_dir_init();
	int with = build_env(env, 512, argv[0], preload, extra);
	int under_vg = vg && (with || vg_both);
	if (under_vg)
		valgrind_argv(vargv, 128, env, argv);
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0)
		abort();
	if (p->pid == 0) {
		/* die with the test even if Check kills it on a timeout */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], 1);
		if (fd2 >= 0) {
			dup2(fd2, 2);
		} else {
			int e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			dup2(e, 2);
		}
		/* a clean signal state, whatever the test runner has */
		signal(SIGPIPE, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (under_vg)
			execve(vargv[0], vargv, env);
		else
			execve(argv[0], argv, env);
		_exit(126);
	}
	close(pfd[1]);
	p->out = pfd[0];
	track(p->pid);
}

void proc_start(struct proc *p, int preload, char *const argv[], const char *const extra[])
{
	proc_start_fd2(p, preload, argv, extra, -1);
}

int proc_read_line(struct proc *p, const char *prefix, char *line, size_t sz, int timeout_ms)
{
	long end = now_ms() + ts_ms(timeout_ms);
	size_t n = 0;
	while (now_ms() < end) {
		struct pollfd pf = {p->out, POLLIN, 0};
		int r = poll(&pf, 1, (int)(end - now_ms()));
		if (r <= 0)
			continue;
		char c;
		if (read(p->out, &c, 1) != 1)
			return -1;
		if (c == '\n') {
			line[n < sz ? n : sz - 1] = '\0';
			if (!strncmp(line, prefix, strlen(prefix)))
				return 0;
			n = 0;
		} else if (n + 1 < sz) {
			line[n++] = c;
		}
	}
	return -1;
}

int proc_port(struct proc *p)
{
	char line[256];
	if (proc_read_line(p, "listening on ", line, sizeof line, 5000) < 0)
		return -1;
	char *colon = strrchr(line, ':');
	return colon ? atoi(colon + 1) : -1;
}

int proc_wait(struct proc *p, int timeout_ms)
{
	long end = now_ms() + ts_ms(timeout_ms);
	if (p->done)
		return 0;
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);
		if (r == p->pid) {
			p->done = 1;
			untrack(p->pid);
			break;
		}
		if (now_ms() >= end) {
			proc_kill(p);
			return -1;
		}
		usleep(2000);
	}
	if (p->out >= 0) {
		close(p->out);
		p->out = -1;
	}
	check_reports(p);
	return 0;
}

void proc_kill(struct proc *p)
{
	if (!p->pid || p->done)
		return;
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &p->status, 0);
	untrack(p->pid);
	p->done = 1;
	if (p->out >= 0) {
		close(p->out);
		p->out = -1;
	}
	check_reports(p);
}

int run(int preload, char *const argv[], const char *const extra[], char *out, size_t outsz,
        int timeout_ms)
{
	struct proc p;
	size_t n = 0;
	long end = now_ms() + ts_ms(timeout_ms);
	proc_start(&p, preload, argv, extra);
	for (;;) {
		struct pollfd pf = {p.out, POLLIN, 0};
		long left = end - now_ms();
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			break;
		char tmp[4096];
		ssize_t r = read(p.out, tmp, sizeof tmp);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r && out && n + 1 < outsz; i++)
			out[n++] = tmp[i];
	}
	if (out && outsz)
		out[n] = '\0';
	long left = (long)((end - now_ms()) / ts_time_scale()); /* proc_wait scales it back */
	if (proc_wait(&p, left > 0 ? (int)left : 1) < 0) {
		unlink(p.err);
		return -1;
	}
	unlink(p.err);
	return p.status;
}

size_t slurp(const char *path, char *buf, size_t sz)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY);
	buf[0] = '\0';
	if (fd < 0)
		return 0;
	ssize_t r;
	while (n + 1 < sz && (r = read(fd, buf + n, sz - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	return n;
}

int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *hit = strstr(line, needle);
		if (hit && hit < line + len)
			n++;
		line += len + (nl ? 1 : 0);
	}
	return n;
}

int all_lines_well_formed(const char *text, int *nlines, char *bad, size_t badsz)
{
	/* event names hold underscores (accept_backoff, reap_overflow); a
	 * value is bare or quoted with backslash escapes (msg="...") */
	static const char *re_s =
	    "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	    "lib=tcpsafe prog=([^ \"]+|\"([^\"\\\\]|\\\\.)*\") pid=[0-9]+ "
	    "level=(error|warn|info|debug) "
	    "event=[a-z_]+( [a-z_]+=([^ \"]+|\"([^\"\\\\]|\\\\.)*\"))*$";
	regex_t re;
	int ok = 1;
	*nlines = 0;
	if (regcomp(&re, re_s, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	const char *line = text;
	char one[2048];
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (!nl) { /* a line without its newline was torn or truncated */
			ok = 0;
			snprintf(bad, badsz, "unterminated: %.*s", (int)len, line);
			break;
		}
		if (len >= sizeof one)
			len = sizeof one - 1;
		memcpy(one, line, len);
		one[len] = '\0';
		/* two lines run together also look like key=value pairs: the
		 * second one's " lib=" gives them away */
		const char *lib = strstr(one, " lib=");
		if (regexec(&re, one, 0, NULL, 0) != 0 || !lib || strstr(lib + 1, " lib=")) {
			ok = 0;
			snprintf(bad, badsz, "%s", one);
			break;
		}
		(*nlines)++;
		line = nl + 1;
	}
	regfree(&re);
	return ok;
}

const char *first_difference(const char *a, const char *b, const char **in_b)
{
	const char *x = a, *y = b;
	if (!strcmp(a, b))
		return NULL;
	while (*x && *x == *y)
		x++, y++;
	while (x > a && x[-1] != '\n')
		x--, y--;
	*in_b = y;
	return x;
}

void run_both(char *const argv[], char *a, char *b, size_t sz, int timeout_ms)
{
	vg_both = 1;
	int s1 = run(WITHOUT, argv, NULL, a, sz, timeout_ms);
	vg_both = 0;
	ck_assert_msg(WIFEXITED(s1) && WEXITSTATUS(s1) == 0, "%s without tcpsafe: status 0x%x\n%.500s",
	              argv[0], s1, a);
	int s2 = run(WITH, argv, NULL, b, sz, timeout_ms);
	ck_assert_msg(WIFEXITED(s2) && WEXITSTATUS(s2) == 0, "%s with tcpsafe: status 0x%x\n%.500s",
	              argv[0], s2, b);
}

int run_suite(Suite *s)
{
	static char msg[65536];
	san_dir_init(); /* before the tests fork: one directory for them all */
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* reports no test saw: processes that outlived the test that started them */
	int late = scan_reports(0, msg, sizeof msg, 1);
	if (late) {
		fprintf(stderr, "%d sanitizer/valgrind report(s) after the tests:\n%s", late, msg);
		failed++;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
