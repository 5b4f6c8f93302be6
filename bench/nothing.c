/* nothing.so - a preload library with no code of its own, for bench/run.sh:
 * what merely preloading a library (two more mappings for every fork() and
 * exit, one more symbol table to search when a child binds a function) costs
 * a fork server.  The floor under any preload library's figure. */
int tcpsafe_bench_nothing(void);
int tcpsafe_bench_nothing(void) { return 0; }
