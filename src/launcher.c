/* tcpsafe: run a program with libtcpsafe.so preloaded.
 * The library goes in front of LD_PRELOAD (existing entries are kept; an
 * AddressSanitizer runtime that must stay first stays first), options
 * become TCPSAFE_* variables, and the program is exec'd so its exit status
 * and signals are its own. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TS_LIBDIR
#define TS_LIBDIR "/usr/local/lib"
#endif
#define LIBNAME "libtcpsafe.so"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: tcpsafe [OPTIONS] [--] PROGRAM [ARGS...]\n"
	        "Run PROGRAM with libtcpsafe.so preloaded: not killed by SIGPIPE on reset\n"
	        "connections, every RST/EPIPE logged with the peer's address.\n\n"
	        "  --log=DEST         stderr (default), syslog, none, or /absolute/file\n"
	        "  --log-level=LEVEL  error, warn, info (default), debug\n"
	        "  --log-rate=N       at most N lines per second (default 100, 0 = no limit)\n"
	        "  --no-sigpipe       leave SIGPIPE alone (TCPSAFE_SIGPIPE=default)\n"
	        "  --eintr=MODE       auto (default), retry, strict, pass: calls interrupted\n"
	        "                     by signals (auto: only what no correct program relies on)\n"
	        "  --eintr-pass=SIGS  handlers whose EINTR reaches the program\n"
	        "                     (default ALRM,VTALRM,INT,TERM,QUIT; none for no signal)\n"
	        "  --accept=MODE      retry (default) or pass: transient accept() errors\n"
	        "  --reap=MODE        fork (default): reap forked children; off\n"
	        "  --reap-cache=N     exit statuses kept for the program's wait calls (1024)\n"
	        "  --disable          load the library but do nothing (TCPSAFE_DISABLE=1)\n"
	        "  --library=PATH     use this libtcpsafe.so\n"
	        "  -h, --help         show this help\n"
	        "  -V, --version      show the version\n\n"
	        "Each option sets the TCPSAFE_* variable of the same name; see libtcpsafe(7).\n"
	        "Without an option: TCPSAFE_SYSLOG_SOCKET (syslog socket, default /dev/log);\n"
	        "TCPSAFE_LIBRARY (the libtcpsafe.so to use, like --library).\n");
}

static int readable(const char *p) { return access(p, R_OK) == 0; }

/* --library, $TCPSAFE_LIBRARY, the build tree next to us, then $(libdir). */
static int find_library(const char *opt, char *out, size_t outsz)
{
	const char *env = getenv("TCPSAFE_LIBRARY");
	char self[PATH_MAX];
	ssize_t n;

	if (opt || (env && *env)) {
		const char *p = opt ? opt : env;
		if (!realpath(p, out) || !readable(out)) {
			fprintf(stderr, "tcpsafe: %s: %s\n", p, strerror(errno ? errno : ENOENT));
			return -1;
		}
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			static const char *const rel[] = {"/.libs/" LIBNAME, "/" LIBNAME};
			for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
				if ((size_t)snprintf(out, outsz, "%s%s", self, rel[i]) < outsz &&
				    readable(out))
					return 0;
			}
		}
	}
	if ((size_t)snprintf(out, outsz, "%s/%s", TS_LIBDIR, LIBNAME) < outsz && readable(out))
		return 0;
	fprintf(stderr, "tcpsafe: cannot find %s (looked next to the launcher and in %s); "
	                "use --library=PATH\n", LIBNAME, TS_LIBDIR);
	return -1;
}

static int is_asan(const char *entry, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++) /* libasan.so, libclang_rt.asan-*.so */
		if (!strncmp(entry + i, "asan", 4))
			return 1;
	return 0;
}

/* New LD_PRELOAD value: lib first, unless an ASan runtime is first. */
static char *prepend(const char *lib, const char *old)
{
	size_t need = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *v = malloc(need);
	if (!v)
		return NULL;
	if (!old || !*old) {
		strcpy(v, lib);
		return v;
	}
	/* already there: keep the user's order */
	for (const char *p = old; *p;) {
		size_t len = strcspn(p, ": ");
		if (len == strlen(lib) && !strncmp(p, lib, len)) {
			strcpy(v, old);
			return v;
		}
		p += len;
		p += strspn(p, ": ");
	}
	size_t first = strcspn(old, ": ");
	if (is_asan(old, first)) {
		snprintf(v, need, "%.*s:%s%s", (int)first, old, lib, old + first);
		/* old + first starts with the separator of the remaining list */
	} else {
		snprintf(v, need, "%s:%s", lib, old);
	}
	return v;
}

static int set(const char *var, const char *val)
{
	if (setenv(var, val, 1) < 0) {
		perror("tcpsafe: setenv");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_LOG = 256, O_LEVEL, O_RATE, O_NOSIGPIPE, O_DISABLE, O_LIBRARY, O_EINTR, O_PASS,
	       O_ACCEPT, O_REAP, O_REAP_CACHE };
	/* options that set one variable to their argument */
	static const char *const var_of[] = {
		[O_LOG - O_LOG] = "TCPSAFE_LOG",       [O_LEVEL - O_LOG] = "TCPSAFE_LOG_LEVEL",
		[O_RATE - O_LOG] = "TCPSAFE_LOG_RATE", [O_EINTR - O_LOG] = "TCPSAFE_EINTR",
		[O_PASS - O_LOG] = "TCPSAFE_EINTR_PASS", [O_ACCEPT - O_LOG] = "TCPSAFE_ACCEPT",
		[O_REAP - O_LOG] = "TCPSAFE_REAP", [O_REAP_CACHE - O_LOG] = "TCPSAFE_REAP_CACHE",
	};
	static const struct option opts[] = {
		{"log", required_argument, NULL, O_LOG},
		{"log-level", required_argument, NULL, O_LEVEL},
		{"log-rate", required_argument, NULL, O_RATE},
		{"no-sigpipe", no_argument, NULL, O_NOSIGPIPE},
		{"disable", no_argument, NULL, O_DISABLE},
		{"library", required_argument, NULL, O_LIBRARY},
		{"eintr", required_argument, NULL, O_EINTR},
		{"eintr-pass", required_argument, NULL, O_PASS},
		{"accept", required_argument, NULL, O_ACCEPT},
		{"reap", required_argument, NULL, O_REAP},
		{"reap-cache", required_argument, NULL, O_REAP_CACHE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *library = NULL;
	int c;

	/* '+': stop at the program name, its options are its own */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case O_LOG: case O_LEVEL: case O_RATE: case O_EINTR: case O_PASS: case O_ACCEPT:
		case O_REAP: case O_REAP_CACHE:
			if (set(var_of[c - O_LOG], optarg) < 0)
				return 2;
			break;
		case O_NOSIGPIPE:
			if (set("TCPSAFE_SIGPIPE", "default") < 0)
				return 2;
			break;
		case O_DISABLE:
			if (set("TCPSAFE_DISABLE", "1") < 0)
				return 2;
			break;
		case O_LIBRARY:
			library = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tcpsafe %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tcpsafe: no program given\n");
		usage(stderr);
		return 2;
	}

	char lib[PATH_MAX];
	if (find_library(library, lib, sizeof lib) < 0)
		return 127;
	char *preload = prepend(lib, getenv("LD_PRELOAD"));
	if (!preload || set("LD_PRELOAD", preload) < 0)
		return 127;
	free(preload); /* setenv copied it; a failed exec returns from main */

	execvp(argv[optind], argv + optind);
	int e = errno;
	if (e == ENOENT)
		fprintf(stderr, "tcpsafe: %s: command not found\n", argv[optind]);
	else
		fprintf(stderr, "tcpsafe: %s: %s\n", argv[optind], strerror(e));
	return e == ENOENT ? 127 : 126;
}
