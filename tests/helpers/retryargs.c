/* Calls whose first attempt libfault fails with EINTR (FAULT_PLAN), each
 * with arguments a wrong retry would betray: send with MSG_DONTWAIT and
 * MSG_NOSIGNAL, recv with MSG_PEEK (a retry without it would consume the
 * data the next recv must see), then write and read.  Prints one line per
 * call: "NAME r=R errno=E data=D". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void show(const char *name, ssize_t r, int err, const char *buf)
{
	printf("%s r=%zd errno=%s data=%.*s\n", name, r, r < 0 ? strerrorname_np(err) : "-",
	       r > 0 ? (int)r : 0, buf);
}

int main(void)
{
	int sv[2];
	char buf[8] = "";
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 2;
	ssize_t r = send(sv[0], "ab", 2, MSG_DONTWAIT | MSG_NOSIGNAL);
	show("send", r, errno, "");
	if (r < 0 && send(sv[0], "ab", 2, 0) != 2) /* without tcpsafe: the program's own retry */
		return 3;
	r = recv(sv[1], buf, 2, MSG_PEEK);
	show("peek", r, errno, buf);
	r = recv(sv[1], buf, 2, 0);
	show("recv", r, errno, buf);
	r = write(sv[0], "cd", 2);
	show("write", r, errno, "");
	if (r < 0 && write(sv[0], "cd", 2) != 2)
		return 4;
	r = read(sv[1], buf, 2);
	show("read", r, errno, buf);
	return 0;
}
