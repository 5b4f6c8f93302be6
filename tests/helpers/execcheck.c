/* Under tcpsafe: the program reads SIGPIPE back as SIG_DFL, and a program
 * it execs (without the library) starts with SIGPIPE neither ignored nor
 * caught: tcpsafe's no-op handler, unlike SIG_IGN, does not survive exec. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(void)
{
	char line[256];
	unsigned long long ign = 0, cgt = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 2;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "SigIgn:", 7))
			ign = strtoull(line + 7, NULL, 16);
		if (!strncmp(line, "SigCgt:", 7))
			cgt = strtoull(line + 7, NULL, 16);
	}
	fclose(f);
	unsigned long long bit = 1ULL << (SIGPIPE - 1);
	printf("child SIGPIPE ignored=%d caught=%d\n", !!(ign & bit), !!(cgt & bit));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child"))
		return child();
	struct sigaction old;
	sigaction(SIGPIPE, NULL, &old);
	printf("parent readback SIGPIPE=%s\n", old.sa_handler == SIG_DFL ? "DFL"
	                                       : old.sa_handler == SIG_IGN ? "IGN" : "handler");
	fflush(stdout);
	unsetenv("LD_PRELOAD"); /* look at what exec itself hands over */
	/* our own path: under valgrind, /proc/self/exe is the tool, while
	 * readlink of it gives the program's path */
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0)
		return 2;
	self[len] = '\0';
	pid_t pid = fork();
	if (pid == 0) {
		execl(self, argv[0], "--child", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
