#!/usr/bin/env python3
"""pysub: Python's own child handling, with a process that has fork()ed.

    python3 pysub.py            (no arguments)

1. os.fork(); the child leaves at once with os._exit(0) and the parent
   reaps it with os.waitpid(pid, 0):        "fork same_pid=1 exit=0"
2. subprocess.run(["sh", "-c", "exit 3"]).returncode:   "run 3"
3. Popen(["sh", "-c", "echo hi; exit 4"], stdout=PIPE).communicate(),
   then .returncode and what it read:       "popen 4 out=hi"
4. "py ok"

subprocess starts its children with vfork/posix_spawn or fork+exec,
depending on the Python version (3.11: vfork), and waits for them with
waitpid(pid) by itself: blocking for run(), polling with WNOHANG for
communicate(timeout=...).  Under tcpsafe each status must still reach
Python exactly once (a returncode of 0 or an "ECHILD" exception would
mean it did not).

Run it with a real interpreter (/usr/bin/python3, or sys.executable of
the one wanted): a pyenv-style "python3" shim is a shell script, and
under LD_PRELOAD that shell's own forks and waits would be tested too.

Exit 0 if all the values are the expected ones, 1 otherwise (the lines
are printed either way).  Bounded: every wait has a timeout, and
SIGALRM (default action: terminate) ends the script after 20 s; every
child it starts is waited for by pid (or killed and then waited for, by
subprocess, on a timeout).
"""
import os
import signal
import subprocess
import sys


def main():
    if len(sys.argv) != 1:
        print("usage: pysub.py", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.alarm(20)
    ok = True

    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    wpid, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print("fork same_pid=%d exit=%d" % (wpid == pid, code), flush=True)
    ok = ok and wpid == pid and code == 0

    # no timeout: Popen.wait() blocks in waitpid(pid, 0) (bounded by the
    # alarm); communicate(timeout=...) below polls with WNOHANG instead
    rc = subprocess.run(["sh", "-c", "exit 3"]).returncode
    print("run %d" % rc, flush=True)
    ok = ok and rc == 3

    p = subprocess.Popen(["sh", "-c", "echo hi; exit 4"], stdout=subprocess.PIPE)
    try:
        out, _ = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    text = out.decode(errors="replace").strip()
    print("popen %d out=%s" % (p.returncode, text), flush=True)
    ok = ok and p.returncode == 4 and text == "hi"

    print("py ok" if ok else "py failed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
