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

static void build_env(char **env, size_t max, int preload, const char *const extra[])
{
	size_t n = 0;
	static char pre[512];
	for (char **e = environ; *e && n + 3 < max; e++) {
		if (!strncmp(*e, "LD_PRELOAD=", 11) || !strncmp(*e, "TCPSAFE_", 8) ||
		    !strncmp(*e, "LC_ALL=", 7))
			continue;
		env[n++] = *e;
	}
	env[n++] = "LC_ALL=C"; /* the tests read English error messages */
	if (preload) {
		snprintf(pre, sizeof pre, "LD_PRELOAD=%s", LIBPATH);
		env[n++] = pre;
	}
	for (size_t i = 0; extra && extra[i] && n + 1 < max; i++)
		env[n++] = (char *)extra[i];
	env[n] = NULL;
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

	memset(p, 0, sizeof *p);
	if (fd2 < 0)
		tmp_path(p->err, sizeof p->err, "stderr");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		abort();
	build_env(env, 512, preload, extra);
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
	long end = now_ms() + timeout_ms;
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
	long end = now_ms() + timeout_ms;
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
}

int run(int preload, char *const argv[], const char *const extra[], char *out, size_t outsz,
        int timeout_ms)
{
	struct proc p;
	size_t n = 0;
	long end = now_ms() + timeout_ms;
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
	long left = end - now_ms();
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
	int s1 = run(WITHOUT, argv, NULL, a, sz, timeout_ms);
	ck_assert_msg(WIFEXITED(s1) && WEXITSTATUS(s1) == 0, "%s without tcpsafe: status 0x%x\n%.500s",
	              argv[0], s1, a);
	int s2 = run(WITH, argv, NULL, b, sz, timeout_ms);
	ck_assert_msg(WIFEXITED(s2) && WEXITSTATUS(s2) == 0, "%s with tcpsafe: status 0x%x\n%.500s",
	              argv[0], s2, b);
}

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
