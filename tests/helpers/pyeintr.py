#!/usr/bin/env python3
"""pyeintr: CPython's signal handlers run when a blocking call fails with
EINTR (issue 15).

    python3 pyeintr.py MODE SCALE

CPython installs every handler without SA_RESTART: its C handler only
sets a flag, and the Python handler runs when the blocking system call
returns EINTR (PEP 475 then retries the call itself, unless the handler
raised).  A library that retries the call underneath leaves the handler
waiting for the call's own end.

MODE (the wait is 5*SCALE s; the signal comes at 0.4*SCALE s or so):
  accept  socket.accept() on a loopback listener; SIGUSR1 at 0.4 s.  The
          child that sent it connects at 3*SCALE s, as the way out.
  sleep   time.sleep(5); SIGUSR1 at 0.4 s.
  select  select.select([r], [], [], 5) on a pipe nobody writes to;
          SIGUSR1 at 0.4 s.
  sigchld time.sleep(5); a SIGCHLD handler; a forked child exits at 0.2 s.

The handler notes when it ran and raises, which ends the wait.  Prints:
  mode=MODE
  handler ran early        (before 2.5*SCALE s; "late" after, "never"
                            if it did not run)
Exit 0; 2: usage.  Bounded: SIGALRM (default action: terminate) ends the
script after 20*SCALE s.  Every child is killed (if still there) and
waited for by pid; SIGCHLD is set back to SIG_DFL before that wait.

Run it with a real interpreter (/usr/bin/python3), not a shell shim.
"""
import os
import select
import signal
import socket
import sys
import time


class Interrupted(Exception):
    pass


handled_at = None


def handler(signum, frame):
    global handled_at
    if handled_at is None:
        handled_at = time.monotonic()
    raise Interrupted()


def spawn(action):
    """A child that does action() and then lingers until killed."""
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            action()
            time.sleep(60)
        finally:
            os._exit(0)
    return pid


def main():
    modes = ("accept", "sleep", "select", "sigchld")
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        print("usage: pyeintr.py accept|sleep|select|sigchld SCALE", file=sys.stderr)
        return 2
    mode, scale = sys.argv[1], float(sys.argv[2])
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(20 * scale))
    print("mode=" + mode, flush=True)
    wait = 5 * scale
    parent = os.getpid()

    lsock = rfd = wfd = None
    if mode == "accept":
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        port = lsock.getsockname()[1]
    if mode == "select":
        rfd, wfd = os.pipe()

    def usr1_then_connect():
        time.sleep(0.4 * scale)
        os.kill(parent, signal.SIGUSR1)
        if mode == "accept":
            time.sleep(2.6 * scale)
            socket.create_connection(("127.0.0.1", port)).close()

    def exit_soon():
        time.sleep(0.2 * scale)
        os._exit(0)

    if mode == "sigchld":
        signal.signal(signal.SIGCHLD, handler)
    else:
        signal.signal(signal.SIGUSR1, handler)
    start = time.monotonic()
    pid = spawn(exit_soon if mode == "sigchld" else usr1_then_connect)
    try:
        if mode == "accept":
            conn, _ = lsock.accept()
            conn.close()
        elif mode == "select":
            select.select([rfd], [], [], wait)
        else:
            time.sleep(wait)
        # a handler left pending by a call that was not interrupted runs
        # at the next bytecode: still inside this try
        time.sleep(0)
    except Interrupted:
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)

    if handled_at is None:
        print("handler ran never")
    elif handled_at - start < 2.5 * scale:
        print("handler ran early")
    else:
        print("handler ran late")
    return 0


if __name__ == "__main__":
    sys.exit(main())
