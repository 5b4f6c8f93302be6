/* A program that starts shells whose pipelines end by SIGPIPE, in the
 * three ways programs do: fork+exec+waitpid, system() and popen().  The
 * shells inherit LD_PRELOAD, so under tcpsafe every process of the
 * pipeline has it too.  Each writer's own exit status is printed by the
 * pipeline itself (128+13 = 141 when SIGPIPE ended it), then the status
 * the program got for the shell.  Same output with and without tcpsafe;
 * a hang would be a writer that SIGPIPE no longer stops. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The writer's status comes out of fd 3 into $s after the pipeline has
 * ended, so the order of the lines never depends on scheduling. */
#define WRITER(w, rest)                                                                      \
	"exec 4>&1; s=$( { (" w "; echo $? >&3) | " rest " >&4; } 3>&1 ); echo \"writer=$s\""

static const char *const cmds[] = {
	WRITER("yes", "head -1"),
	WRITER("cat /dev/zero", "head -c 10 | od -An -tx1"),
	WRITER("sh -c 'while :; do echo x; done'", "head -2"),
	"yes | head -c 100000 | wc -c",
	"cat /dev/zero | head -c 10 | wc -c",
};

static void show_status(const char *how, int i, int st)
{
	if (st == -1)
		printf("%s %d: failed errno=%d\n", how, i, errno);
	else if (WIFEXITED(st))
		printf("%s %d: exit=%d\n", how, i, WEXITSTATUS(st));
	else
		printf("%s %d: signal=%d\n", how, i, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

int main(void)
{
	char line[512];
	for (int i = 0; i < (int)(sizeof cmds / sizeof cmds[0]); i++) {
		int p[2], st = -1;
		if (pipe(p) < 0)
			return 2;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			execl("/bin/sh", "sh", "-c", cmds[i], (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		FILE *f = fdopen(p[0], "r");
		while (f && fgets(line, sizeof line, f))
			printf("fork %d> %s", i, line);
		if (f)
			fclose(f);
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			st = -1;
		show_status("fork", i, st);

		fflush(stdout);
		show_status("system", i, system(cmds[i]));

		f = popen(cmds[i], "r");
		while (f && fgets(line, sizeof line, f))
			printf("popen %d> %s", i, line);
		show_status("popen", i, f ? pclose(f) : -1);
	}
	return 0;
}
