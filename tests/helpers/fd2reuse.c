/* A daemon-style program: it closes stderr, and the next file it opens (a
 * data file, not opened for appending) becomes fd 2.  Then a write to a
 * peer that went away fails.  tcpsafe must not put its log line into the
 * data file.  usage: fd2reuse DATAFILE PORT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	close(2);
	int data = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (data != 2)
		return 3;
	if (write(data, "DATA\n", 5) != 5)
		return 4;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 5;
	usleep(100000); /* the server closes; our writes elicit an RST */
	for (int i = 0; i < 20; i++) {
		if (write(fd, "x", 1) < 0) {
			(void)write(data, "END\n", 4);
			return 0;
		}
		usleep(20000);
	}
	return 6;
}
