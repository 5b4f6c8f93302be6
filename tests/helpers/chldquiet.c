/* chldquiet: children exit all the time while the program sits in calls
 * the kernel never restarts after a handler.  Without tcpsafe SIGCHLD is
 * ignored and nothing is interrupted; under tcpsafe its own SIGCHLD handler
 * reaps them, and none of these calls may see an EINTR or return early.
 * Then every status must still reach the program: by pid, and through a
 * thread blocked in wait() while others fork.  Last, a program handler
 * must still interrupt semaphore waits ("chldquiet sem": that part alone).
 * The output is the same with and without tcpsafe. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXKIDS 4096
static pid_t kids[MAXKIDS];
static _Atomic int nkids, stop;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* forks a child every 5 ms that exits at once with a code of its own
 * (fewer than the 1024 statuses tcpsafe keeps by default, in this run) */
static void *forker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop) && atomic_load(&nkids) < MAXKIDS) {
		int i = atomic_load(&nkids);
		pid_t p = fork();
		if (p == 0)
			_exit(i % 251);
		if (p > 0) {
			kids[i] = p;
			atomic_store(&nkids, i + 1);
		}
		struct timespec t = {0, 5000000};
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &t) == EINTR)
			;
	}
	return NULL;
}

static void on_usr1(int sig) { (void)sig; }

/* An absolute deadline ms from now on clock c, for the semaphore waits. */
static struct timespec deadline(clockid_t c, long ms)
{
	struct timespec t;
	clock_gettime(c, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += ms % 1000 * 1000000L;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Early is the failure looked for (an EINTR cut it short); late is load. */
static void report(const char *what, long r, int err, double t0, double want)
{
	double el = now() - t0;
	printf("%-14s r=%ld errno=%s time=%s\n", what, r, r < 0 ? strerror(err) : "-",
	       el >= want - 0.005 && el < want + 5 ? "ok" : "WRONG");
	if (!(el >= want - 0.005 && el < want + 5))
		fprintf(stderr, "%s took %.3f s, wanted %.3f\n", what, el, want);
}

static int semid, msqid;
static sem_t psem;

/* A program handler (SIGUSR1, outside the default pass set, installed
 * without SA_RESTART as CPython does) still interrupts semaphore waits:
 * CPython's locks rely on that EINTR to run the program's handlers.
 * ("chldquiet sem" runs only this part, with no children dying.) */
static void sem_after_program_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sem_init(&psem, 0, 0);
	for (int k = 0; k < 2; k++) {
		pid_t poke = fork();
		if (poke == 0) {
			usleep(100000);
			kill(getppid(), SIGUSR1);
			_exit(0);
		}
		struct timespec dl = deadline(k ? CLOCK_MONOTONIC : CLOCK_REALTIME, 2000);
		double t0 = now();
		long r = k ? sem_clockwait(&psem, CLOCK_MONOTONIC, &dl) : sem_timedwait(&psem, &dl);
		double took = now() - t0;
		printf("%s after a program handler: r=%ld errno=%s %s\n",
		       k ? "sem_clockwait" : "sem_timedwait", r,
		       r ? (errno == EINTR ? "EINTR" : strerror(errno)) : "-",
		       took < 1.5 ? "at once" : "at the deadline (WRONG)");
		int st;
		waitpid(poke, &st, 0);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "sem")) {
		sem_after_program_handler();
		return 0;
	}
	pthread_t th;
	pthread_create(&th, NULL, forker, NULL);
	double t0;
	long r;

	t0 = now(); r = sleep(1); report("sleep", r, errno, t0, 1.0);
	struct timespec ts = {0, 300000000};
	t0 = now(); r = nanosleep(&ts, NULL); report("nanosleep", r, errno, t0, 0.3);
	t0 = now(); r = usleep(300000); report("usleep", r, errno, t0, 0.3);
	t0 = now(); r = poll(NULL, 0, 300); report("poll", r, errno, t0, 0.3);
	struct timeval tv = {0, 300000};
	t0 = now(); r = select(0, NULL, NULL, NULL, &tv); report("select", r, errno, t0, 0.3);
	int ep = epoll_create1(0);
	struct epoll_event ev;
	t0 = now(); r = epoll_wait(ep, &ev, 1, 300); report("epoll_wait", r, errno, t0, 0.3);
	/* valgrind 3.19 does not know epoll_pwait2 (syscall 441) */
	if (getenv("CHLDQUIET_NO_PWAIT2"))
		printf("epoll_pwait2   not run\n");
	else {
		t0 = now(); r = epoll_pwait2(ep, &ev, 1, &ts, NULL); report("epoll_pwait2", r, errno, t0, 0.3);
	}
	sigset_t s2;
	sigemptyset(&s2);
	sigaddset(&s2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s2, NULL);
	t0 = now(); r = sigtimedwait(&s2, NULL, &ts); report("sigtimedwait", r, errno, t0, 0.3);
	semid = semget(IPC_PRIVATE, 1, 0600);
	struct sembuf down = {0, -1, 0};
	t0 = now(); r = semtimedop(semid, &down, 1, &ts); report("semtimedop", r, errno, t0, 0.3);
	msqid = msgget(IPC_PRIVATE, 0600);
	/* a child posts after 300 ms, and again 300 ms later: semop and msgrcv
	 * block until then.  Each wait is judged against when the post was made
	 * (the child notes it), not against 300 ms: on a loaded machine (one
	 * core, memcheck) main may reach msgrcv late, and then a correct wait is
	 * shorter than 300 ms. */
	_Atomic double *posted = mmap(NULL, 2 * sizeof *posted, PROT_READ | PROT_WRITE,
	                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (posted == MAP_FAILED)
		return 2;
	pid_t poster = fork();
	if (poster == 0) {
		struct { long type; char c; } m = {1, 'x'};
		usleep(300000);
		struct sembuf up = {0, 1, 0};
		atomic_store(&posted[0], now());
		semop(semid, &up, 1);
		usleep(300000);
		atomic_store(&posted[1], now());
		msgsnd(msqid, &m, 1, 0);
		_exit(0);
	}
	t0 = now(); r = semop(semid, &down, 1);
	report("semop", r, errno, t0, atomic_load(&posted[0]) - t0);
	struct { long type; char c; } m;
	t0 = now(); r = msgrcv(msqid, &m, 1, 0, 0);
	report("msgrcv", r, errno, t0, atomic_load(&posted[1]) - t0);
	sem_init(&psem, 0, 0);
	struct timespec abs = deadline(CLOCK_REALTIME, 300);
	t0 = now(); r = sem_timedwait(&psem, &abs); report("sem_timedwait", r, errno, t0, 0.3);
	abs = deadline(CLOCK_MONOTONIC, 300);
	t0 = now(); r = sem_clockwait(&psem, CLOCK_MONOTONIC, &abs); report("sem_clockwait", r, errno, t0, 0.3);
	int st;
	waitpid(poster, &st, 0);
	semctl(semid, 0, IPC_RMID);
	msgctl(msqid, IPC_RMID, NULL);

	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	/* every status, by pid, exactly as the kernel gives it */
	int n = atomic_load(&nkids), bad = 0;
	for (int i = 0; i < n; i++)
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != i % 251)
			bad++;
	printf("by pid: %s (%s children)\n", bad ? "WRONG" : "every status", n > 20 ? "> 20" : "few");
	if (waitpid(-1, &st, WNOHANG) != -1 || errno != ECHILD)
		printf("a child is left over\n");

	/* a thread blocked in wait() gets every death while another forks */
	atomic_store(&stop, 0);
	atomic_store(&nkids, 0);
	pthread_create(&th, NULL, forker, NULL);
	usleep(200000);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	n = atomic_load(&nkids);
	long sum = 0, want = 0;
	int got = 0;
	for (int i = 0; i < n; i++)
		want += i % 251;
	pid_t w;
	while ((w = wait(&st)) > 0) {
		got++;
		sum += WEXITSTATUS(st);
	}
	printf("wait(): %s, then %s\n", got == n && sum == want ? "every status once" : "WRONG",
	       strerror(errno));
	sem_after_program_handler();
	return 0;
}
