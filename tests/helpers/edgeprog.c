/* The program side of the edges test: the same round of wrapped calls
 * from main, from an atexit handler and from its own destructor (the
 * executable's destructors run before the libraries'). */
#define _GNU_SOURCE
#include <stdlib.h>

#include "exercise.h"

static void at_exit(void) { exercise("atexit"); }

__attribute__((destructor)) static void prog_fini(void) { exercise("program dtor"); }

int main(void)
{
	exercise("main");
	atexit(at_exit);
	return 0;
}
