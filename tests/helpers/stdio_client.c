/* A client that talks through stdio (fdopen on the socket), as much old
 * code does.  glibc's stdio writes with its internal __write, which no
 * preload can see: only the SIGPIPE tells tcpsafe.  Without tcpsafe the
 * process dies of it; with it, fputs fails and the error path runs. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: stdio_client HOST PORT\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		return 1;
	}
	FILE *f = fdopen(fd, "w");
	setvbuf(f, NULL, _IONBF, 0);
	usleep(300000); /* let the server close its side, on a loaded machine too */
	for (int i = 0; i < 50; i++) {
		if (fputs("hello over stdio\n", f) == EOF) {
			perror("stdio write error");
			return 1;
		}
		usleep(20000);
	}
	return 0;
}
