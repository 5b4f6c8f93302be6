/* An executable whose preinit_array function calls sigaction, as a
 * sanitizer runtime (ASan's __asan_init installing its SIGSEGV handler)
 * does: it runs before libc has initialised itself, when getenv sees no
 * environment yet.  tcpsafe must still apply the configuration it is given
 * (a test passes TCPSAFE_LOG_LEVEL=bogus and expects the warning). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int early_rc = -1;

static void early(int argc, char **argv, char **envp)
{
	struct sigaction old;
	(void)argc, (void)argv, (void)envp;
	memset(&old, 0, sizeof old);
	early_rc = sigaction(SIGSEGV, NULL, &old);
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **,
                                                                              char **) = early;

int main(void)
{
	printf("preinit: sigaction=%d\n", early_rc);
	return early_rc == 0 ? 0 : 1;
}
