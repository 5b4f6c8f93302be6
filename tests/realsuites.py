#!/usr/bin/python3
"""realsuites: real programs' own test suites, without and with tcpsafe.

Run by tests/realsuites.sh, which checks what is installed and picks the
mode; see there for the command line.  Two roles:

  realsuites.py record cpython|twisted|tornado OUT ARGS...
      Runs CPython's regrtest (python3 -m test ARGS), Twisted's trial
      (ARGS) or Tornado's runtests (ARGS) in this process and appends one
      line per test outcome to
      OUT: "id<TAB>outcome".  The runners' own reports are not parsed:
      their result classes are patched to write these lines, which also
      catches what the verbose text and the JUnit XML of regrtest leave
      out (failed subtests, setUpClass errors).  This process is the one
      that runs with or without the library preloaded.

  realsuites.py compare --lib SO --work DIR [--long] [--jobs N]
                        [--suites cpython,twisted,tornado] [--only MODULE,...]
      Runs every selected test module once without and once with
      LD_PRELOAD=SO (and TCPSAFE_LOG=file), in the same clean environment,
      never one module both ways at the same time.  Then the tests whose
      outcome differs run RERUNS more times each way, and the difference
      counts when:
        - no outcome seen without the library was seen with it (a
          consistent difference), or
        - one side always gave the same outcome and the other did not: those
          run EXTRA more times each way, and count when the steady side
          still never gave the odd outcome and the other gave it ODD_MIN
          times or more (an intermittent difference, as a race would make).
      The rest is reported as flaky and not counted: the same test varies
      without the library too (a timing test on a loaded machine).
      Prints both result sets, the difference and the library's log lines;
      exits 1 on a counted difference, 0 otherwise.

Outcomes: ok, FAIL, ERROR, skipped, xfail (expected failure), xpass
(unexpected success), missing (not reported at all: the module crashed,
timed out, or did not get that far).  Each module's exit status is
compared too, as the test id "<rc>": regrtest runs with
--fail-env-changed, so a test that leaves a thread or a child process
behind makes it 3; a timeout makes it "timeout".  A status that only says
that some test failed (regrtest 2, trial 1) is not compared on its own:
the outcomes of the tests are.
"""
import os
import signal
import subprocess
import sys
import threading
import time

# ---------------------------------------------------------------------------
# The test selection.
#
# Chosen for sockets, signals, child processes and the waits on them: the
# calls tcpsafe wraps.  The short set (a few classes of the big modules)
# takes under a minute both ways, the long set about ten minutes on two
# cores.
#
# Excluded, and why:
#  - test_socket's VSOCK tests (-i '*VSOCK*'): on a virtual machine with a
#    vsock device they connect to the hypervisor's channel and block in
#    accept() until regrtest's timeout, with or without the library.
#  - resource "network" is enabled for test_socketserver only: it talks to
#    127.0.0.1 only, while in test_ssl, test_timeout, test_httplib ... it
#    enables tests that reach hosts on the internet.
#  - test_concurrent_futures, test_multiprocessing_forkserver/_spawn: long
#    (1-2.5 min each) and they add little to test_multiprocessing_fork;
#    test_imaplib: 30 s spent mostly in timeouts.
#  - asyncio: the submodules about sockets, subprocesses, signals and
#    servers, not the whole package (the rest is pure Python logic).
#  - Tornado: NO_NETWORK=1 skips its resolver tests that look up names on
#    the internet.  In short mode its process_test runs its SIGCHLD-handler
#    tests (a Python handler CPython runs when epoll_wait() returns EINTR:
#    each waited for a 5 s timeout under tcpsafe's former default).
#  - PyPy (pypy3-lib-testsuite) is not used: Debian ships its test suite
#    without _testcapimodule.c, so test_subprocess, test_signal and
#    test_socket fail to import there.
# ---------------------------------------------------------------------------
REGR = ['-W', '-u', 'subprocess', '--fail-env-changed', '--timeout', '900']
ASYNCIO = ['test_subprocess', 'test_events', 'test_sock_lowlevel', 'test_unix_events',
           'test_server', 'test_streams', 'test_sendfile', 'test_base_events',
           'test_ssl', 'test_selector_events', 'test_runners', 'test_taskgroups']
ALL = None          # the whole module
# (suite, module, arguments in long mode, arguments in short mode or
#  False to leave it out there, rough seconds (to start long ones first))
SUITES = [
    ('cpython', 'test_wait3', ALL, ALL, 6),
    ('cpython', 'test_wait4', ALL, ALL, 6),
    ('cpython', 'test_fork1', ALL, ALL, 6),
    ('cpython', 'test_popen', ALL, ALL, 1),
    ('cpython', 'test_pty', ALL, ALL, 1),
    ('cpython', 'test_select', ALL, ALL, 2),
    ('cpython', 'test_epoll', ALL, ALL, 1),
    ('cpython', 'test_threadsignals', ALL, ALL, 5),
    ('cpython', 'test_socketserver', ['-u', 'network'], ['-u', 'network'], 3),
    ('cpython', 'test_httpservers', ALL, ALL, 3),
    ('cpython', 'test_os', ALL, ALL, 4),
    ('cpython', 'test_file_eintr', ALL, ALL, 3),
    ('cpython', 'test_eintr', ALL, ALL, 9),
    ('cpython', 'test_subprocess', ALL, ['-m', 'POSIXProcessTestCase'], 30),
    ('cpython', 'test_signal', ALL,
     ['-m', 'WakeupSignalTests', '-m', 'WakeupSocketSignalTests', '-m', 'PosixTests',
      '-m', 'PendingSignalsTests', '-m', 'StressTest'], 50),
    ('cpython', 'test_socket', ['-i', '*VSOCK*'],
     ['-m', 'BasicTCPTest', '-m', 'BasicTCPTest2', '-m', 'NonBlockingTCPTests',
      '-m', 'InterruptedRecvTimeoutTest', '-m', 'InterruptedSendTimeoutTest',
      '-m', 'BasicUDPTest', '-m', 'BasicSocketPairTest'], 30),
    ('cpython', 'test_poll', ALL, False, 12),
    ('cpython', 'test_threading_local', ALL, False, 2),
    ('cpython', 'test_selectors', ALL, False, 16),
    ('cpython', 'test_ssl', ALL, False, 55),
    ('cpython', 'test_threading', ALL, False, 13),
    ('cpython', 'test_multiprocessing_fork', ALL, False, 70),
    ('cpython', 'test_faulthandler', ALL, False, 23),
    ('cpython', 'test_ftplib', ALL, False, 11),
    ('cpython', 'test_poplib', ALL, False, 8),
    ('cpython', 'test_smtplib', ALL, False, 2),
    ('cpython', 'test_xmlrpc', ALL, False, 28),
    ('cpython', 'test_logging', ALL, False, 21),
    ('cpython', 'test_urllib2_localnet', ALL, False, 2),
    ('cpython', 'test_asyncore', ALL, False, 2),
    ('cpython', 'test_asynchat', ALL, False, 2),
    ('cpython', 'test_wsgiref', ALL, False, 1),
    ('cpython', 'test_asyncio', [x for m in ASYNCIO for x in ('-m', m)], False, 90),
    # Twisted: its process support (SIGCHLD handler, waitpid(pid) for each
    # process), over every reactor that is installed; TCP and UNIX sockets.
    ('twisted', 'twisted.internet.test.test_process', ALL,
     ['twisted.internet.test.test_process.ProcessTestsBuilder_EPollReactorTests',
      'twisted.internet.test.test_process.PTYProcessTestsBuilder_EPollReactorTests',
      'twisted.internet.test.test_process.PotentialZombieWarningTests',
      'twisted.internet.test.test_process.ReapingNonePidsLogsProperly'], 35),
    ('twisted', 'twisted.internet.test.test_sigchld', ALL, ALL, 1),
    ('twisted', 'twisted.internet.test.test_posixprocess', ALL, ALL, 1),
    ('twisted', 'twisted.test.test_process', ALL, False, 30),
    ('twisted', 'twisted.internet.test.test_tcp', ALL, False, 6),
    ('twisted', 'twisted.internet.test.test_unix', ALL, False, 4),
    ('twisted', 'twisted.internet.test.test_socket', ALL, False, 1),
    ('twisted', 'twisted.test.test_tcp', ALL, False, 1),
    ('twisted', 'twisted.test.test_loopback', ALL, False, 1),
    ('twisted', 'twisted.test.test_ssl', ALL, False, 2),
    # Tornado: Subprocess (SIGCHLD handler, waitpid(pid, WNOHANG)),
    # fork_processes (a parent that forks workers and waits with os.wait()),
    # its IOStream, TCP and HTTP servers and clients.
    ('tornado', 'tornado.test.process_test', ALL,
     # short: the SIGCHLD-handler tests (they hung for 5 s under retry mode)
     ['tornado.test.process_test.ProcessTest',
      'tornado.test.process_test.SubprocessTest.test_sigchild',
      'tornado.test.process_test.SubprocessTest.test_subprocess',
      'tornado.test.process_test.SubprocessTest.test_close_stdin',
      'tornado.test.process_test.SubprocessTest.test_stderr'], 30),
    ('tornado', 'tornado.test.tcpserver_test', ALL, ALL, 2),
    ('tornado', 'tornado.test.iostream_test', ALL, ALL, 5),
    ('tornado', 'tornado.test.tcpclient_test', ALL, False, 1),
    ('tornado', 'tornado.test.netutil_test', ALL, False, 1),
    ('tornado', 'tornado.test.httpserver_test', ALL, False, 2),
    ('tornado', 'tornado.test.simple_httpclient_test', ALL, False, 3),
    ('tornado', 'tornado.test.ioloop_test', ALL, False, 1),
    ('tornado', 'tornado.test.websocket_test', ALL, False, 1),
    ('tornado', 'tornado.test.autoreload_test', ALL, False, 1),
    # The same module with SIGCHLD in the pass set must give exactly the
    # results it gives without.
    ('tornado', 'tornado.test.process_test+PASS=CHLD', ['tornado.test.process_test'],
     ['tornado.test.process_test'], 2,
     {'TCPSAFE_EINTR_PASS': 'ALRM,VTALRM,INT,TERM,QUIT,CHLD'}),
]

RERUNS = 3          # extra runs of each differing test, each way
EXTRA = 6           # and more for one that differs only now and then
ODD_MIN = 3         # ... counted if one side gave an outcome of its own so often
PY = '/usr/bin/python3'
ORDER = ['ERROR', 'FAIL', 'missing', 'xpass', 'xfail', 'skipped', 'ok']


# ---------------------------------------------------------------------------
# Role 1: record.
# ---------------------------------------------------------------------------
def record(kind, out, args):
    fh = open(out, 'a', buffering=1)

    def note(test, outcome):
        try:
            tid = test.id()
        except Exception:
            tid = str(test)
        fh.write('%s\t%s\n' % (tid.replace('\t', ' ').replace('\n', ' '), outcome))

    # Proof that the preload is (or is not) in effect in the process whose
    # results are compared.
    with open('/proc/self/maps') as maps:
        loaded = any('libtcpsafe' in line for line in maps)
    fh.write('#preload\t%s\n' % ('yes' if loaded else 'no'))

    def patch(cls, name, outcome, sub=False):
        orig = getattr(cls, name)

        def wrapper(self, test, *rest, **kw):
            if sub:
                # addSubTest(test, subtest, err): only failed subtests
                if rest and rest[-1] is not None:
                    err = rest[-1]
                    failed = issubclass(err[0], test.failureException)
                    note(rest[0], 'FAIL' if failed else 'ERROR')
            else:
                note(test, outcome)
            return orig(self, test, *rest, **kw)
        setattr(cls, name, wrapper)

    if kind == 'cpython':
        from test.support import testresult
        cls = testresult.RegressionTestResult
        patch(cls, 'addSubTest', None, sub=True)
    elif kind == 'twisted':
        from twisted.trial import reporter
        cls = reporter.TestResult
    else:
        # plain unittest: every result class calls up to this one
        import unittest
        cls = unittest.TestResult
        patch(cls, 'addSubTest', None, sub=True)
    for name, outcome in (('addSuccess', 'ok'), ('addFailure', 'FAIL'),
                          ('addError', 'ERROR'), ('addSkip', 'skipped'),
                          ('addExpectedFailure', 'xfail'),
                          ('addUnexpectedSuccess', 'xpass')):
        patch(cls, name, outcome)

    if kind == 'cpython':
        sys.argv = [PY + ' -m test'] + args
        from test.libregrtest import main
        main()
    elif kind == 'twisted':
        sys.argv = ['trial'] + args
        from twisted.scripts.trial import run
        run()
    else:
        sys.argv = ['runtests'] + args
        from tornado.test.runtests import main
        main()


# ---------------------------------------------------------------------------
# Role 2: compare.
# ---------------------------------------------------------------------------
class Job:
    def __init__(self, suite, module, args, mode, tag, timeout, env=None):
        self.suite, self.module, self.args = suite, module, args
        self.env = env or {}
        self.mode, self.tag, self.timeout = mode, tag, timeout
        self.rc = None
        self.results = {}
        self.preload = None
        self.secs = 0.0


def clean_env(work, mode, logfile, lib):
    env = {
        'PATH': '/usr/bin:/bin',
        'HOME': os.environ.get('HOME', '/root'),
        'LANG': 'C.UTF-8',
        'TMPDIR': os.path.join(work, 'tmp'),
        # the suites live under /usr: leave the installed .pyc alone
        'PYTHONDONTWRITEBYTECODE': '1',
        # Tornado: skip its tests that resolve names on the internet
        'NO_NETWORK': '1',
    }
    if mode == 'with':
        env['LD_PRELOAD'] = lib
        env['TCPSAFE_LOG'] = logfile
    return env


ACTIVE = set()      # process groups of the runs under way


def stop(signum, frame):
    """Killed (make's timeout, ^C): end the runs under way, by group."""
    for pgid in list(ACTIVE):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(128 + signum)


def run_job(job, work, lib, script):
    base = os.path.join(work, job.mode, '%s.%s' % (job.module, job.tag))
    os.makedirs(base, exist_ok=True)
    out = os.path.join(base, 'results.tsv')
    log = os.path.join(base, 'tcpsafe.log')
    for f in (out, log):
        if os.path.exists(f):
            os.unlink(f)
    kind = job.suite
    if kind == 'cpython':
        argv = ([PY, script, 'record', kind, out] + REGR +
                ['--tempdir', os.path.join(base, 'cwd')] + job.args + [job.module])
    elif kind == 'twisted':
        argv = ([PY, script, 'record', kind, out, '--temp-directory',
                 os.path.join(base, '_trial_temp'), '--reporter=text'] + job.args)
    else:
        argv = [PY, script, 'record', kind, out] + job.args
    env = clean_env(work, job.mode, log, lib)
    if job.mode == 'with':
        env.update(job.env)
    t0 = time.monotonic()
    with open(os.path.join(base, 'output.txt'), 'wb') as output:
        # own session, so that a timeout ends the whole group (by its id)
        p = subprocess.Popen(argv, cwd=base, env=env, stdin=subprocess.DEVNULL,
                             stdout=output, stderr=subprocess.STDOUT,
                             start_new_session=True)
        ACTIVE.add(p.pid)
        try:
            p.wait(timeout=job.timeout)
            job.rc = str(p.returncode)
        except subprocess.TimeoutExpired:
            job.rc = 'timeout'
        # whatever the tests left behind in the group goes too
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        ACTIVE.discard(p.pid)
    job.secs = time.monotonic() - t0
    job.log = log
    if os.path.exists(out):
        with open(out, errors='replace') as fh:
            for line in fh:
                tid, _, outcome = line.rstrip('\n').partition('\t')
                if tid == '#preload':
                    job.preload = outcome
                    continue
                old = job.results.get(tid)
                # several reports for one test (a tearDown error after
                # success, trial's dirty-reactor errors): keep the worst
                if old is None or ORDER.index(outcome) < ORDER.index(old):
                    job.results[tid] = outcome


def run_all(jobs, work, lib, script, njobs):
    """Run the jobs on njobs threads; never one module both ways at once."""
    lock = threading.Lock()
    pending = list(jobs)
    running = set()
    cond = threading.Condition(lock)

    def worker():
        while True:
            with cond:
                while True:
                    if not pending:
                        return
                    pick = next((j for j in pending if j.module not in running), None)
                    if pick:
                        break
                    cond.wait()
                pending.remove(pick)
                running.add(pick.module)
            run_job(pick, work, lib, script)
            print('  %-7s %-45s rc=%-7s %5.1fs %5d tests' %
                  (pick.mode, pick.module + ('' if pick.tag == 'run' else ' (' + pick.tag + ')'),
                   pick.rc, pick.secs, len(pick.results)), flush=True)
            with cond:
                running.discard(pick.module)
                cond.notify_all()
    threads = [threading.Thread(target=worker) for _ in range(njobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def counts(results):
    c = {}
    for o in results.values():
        c[o] = c.get(o, 0) + 1
    return c


def fmt_counts(c):
    return ', '.join('%d %s' % (c[o], o) for o in ORDER if c.get(o))


def match_pattern(tid):
    """A regrtest --matchfile pattern that selects test tid again."""
    if ' (' in tid:
        head, _, inner = tid.partition(' (')
        if head in ('setUpClass', 'tearDownClass'):
            return inner.rstrip(')') + '.*'
        if head in ('setUpModule', 'tearDownModule'):
            return None            # whole module
        return head                # a subtest: its test method
    return tid


def compare(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--long', action='store_true')
    ap.add_argument('--suites', default='cpython,twisted,tornado')
    ap.add_argument('--jobs', type=int, default=0)
    ap.add_argument('--only', help='comma-separated modules of the selection')
    a = ap.parse_args(argv)
    script = os.path.abspath(__file__)
    # mostly waiting (sleeps, timeouts, children): more than the 2 cores
    if not a.jobs:
        a.jobs = 3 if a.long else 4
    os.makedirs(os.path.join(a.work, 'tmp'), exist_ok=True)
    t_start = time.monotonic()

    # (suite, module, runner arguments), the long ones first
    mods = []
    for suite, mod, long_args, short_args, est, *env in sorted(SUITES, key=lambda e: -e[4]):
        args = long_args if a.long else short_args
        if args is False:
            continue
        if suite not in a.suites.split(','):
            continue
        if a.only and mod not in a.only.split(','):
            continue
        if args is ALL:
            args = [] if suite == 'cpython' else [mod]
        mods.append((suite, mod, args, env[0] if env else {}))
    # generous: the slowest module takes about 70 s on an idle machine
    timeout = 900 if a.long else 150
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    first = {}
    jobs = []
    for suite, mod, extra, env in mods:
        for mode in ('without', 'with'):
            j = Job(suite, mod, extra, mode, 'run', timeout, env)
            first[(mod, mode)] = j
            jobs.append(j)
    print('realsuites: %d modules (%s mode), each run without and with %s, %d at a time'
          % (len(mods), 'long' if a.long else 'short', a.lib, a.jobs), flush=True)
    run_all(jobs, a.work, a.lib, script, a.jobs)

    bad_preload = [j for j in jobs if j.preload != ('yes' if j.mode == 'with' else 'no')]

    # -- differences in the first runs ---------------------------------------
    diffs = {}          # mod -> set of test ids (or '<rc>')
    for suite, mod, extra, env in mods:
        w, t = first[(mod, 'without')], first[(mod, 'with')]
        ids = set(w.results) | set(t.results)
        d = {i for i in ids if w.results.get(i, 'missing') != t.results.get(i, 'missing')}
        # An exit status that only says "some test failed" follows from
        # the outcomes compared above; any other difference (a crash, a
        # timeout, regrtest's "environment changed") is one of its own.
        fail_rc = {'0', '2'} if suite == 'cpython' else {'0', '1'}   # trial, unittest
        if w.rc != t.rc and not (d and {w.rc, t.rc} <= fail_rc):
            d.add('<rc>')
        if d:
            diffs[mod] = d

    # -- reruns of what differed --------------------------------------------
    # seen[(mod, id)][mode]: the outcomes of every run, first run included
    seen = {}
    for mod, d in diffs.items():
        w, t = first[(mod, 'without')], first[(mod, 'with')]
        for i in d:
            if i == '<rc>':
                seen[(mod, i)] = {'without': [w.rc], 'with': [t.rc]}
            else:
                seen[(mod, i)] = {'without': [w.results.get(i, 'missing')],
                                  'with': [t.results.get(i, 'missing')]}
    rerun_jobs = []

    def rerun(keys, rounds, label):
        """Run the tests in keys rounds more times each way."""
        jobs = []
        for mod in sorted({m for m, _ in keys}):
            suite, _, extra, env = next(m for m in mods if m[1] == mod)
            ids = {i for m, i in keys if m == mod}
            tests = sorted(ids - {'<rc>'})
            pats = [match_pattern(i) for i in tests]
            whole = '<rc>' in ids or None in pats or len(tests) > 200
            if suite != 'cpython':
                names = [i.partition(' (')[0] for i in tests]
                whole = whole or any(n.endswith('Class') or n.endswith('Module')
                                     for n in names)
                args = [mod] if whole else sorted(set(names))
            elif whole:
                args = list(extra)
            else:
                mf = os.path.join(a.work, 'match-%s-%s.txt' % (mod, label))
                with open(mf, 'w') as fh:
                    fh.write('\n'.join(sorted(set(pats))) + '\n')
                # a -m of the selection would widen the match again
                args = [x for k, x in enumerate(extra)
                        if x != '-m' and (k == 0 or extra[k - 1] != '-m')]
                args += ['--matchfile', mf]
            for n in range(rounds):
                for mode in ('without', 'with'):
                    jobs.append(Job(suite, mod, args, mode, '%s%d' % (label, n + 1),
                                    timeout, env))
        print('realsuites: running %d test(s) that differ %d more times each way'
              % (len(keys), rounds), flush=True)
        run_all(jobs, a.work, a.lib, script, a.jobs)
        for j in jobs:
            for (mod, i) in keys:
                if mod != j.module:
                    continue
                if i == '<rc>':
                    seen[(mod, i)][j.mode].append(j.rc)
                elif i in j.results:
                    seen[(mod, i)][j.mode].append(j.results[i])
                elif j.rc not in ('0', '1', '2'):
                    # crashed or timed out before it; a test that the
                    # selection missed is no outcome at all
                    seen[(mod, i)][j.mode].append('missing')
        rerun_jobs.extend(jobs)

    if seen:
        rerun(set(seen), RERUNS, 'rerun')

    def one_sided(s):
        """The outcomes only one side ever had, if the other side was steady."""
        for steady, other in (('without', 'with'), ('with', 'without')):
            if len(set(s[steady])) == 1 and set(s[other]) - set(s[steady]):
                return other, [o for o in s[other] if o not in s[steady]]
        return None, []

    # Outcome sets that never meet: a consistent difference.  Sets that
    # meet, where one side always gave the same outcome and the other
    # sometimes another: run them more, and count them if that odd outcome
    # never shows up on the steady side and comes back often enough.
    consistent = {k for k, s in seen.items() if not set(s['without']) & set(s['with'])}
    suspects = {k for k, s in seen.items() if k not in consistent and one_sided(s)[0]}
    if suspects:
        rerun(suspects, EXTRA, 'extra')
    intermittent = set()
    for k in suspects:
        side, odd = one_sided(seen[k])
        if side and len(odd) >= ODD_MIN:
            intermittent.add(k)

    # -- report ---------------------------------------------------------------
    print()
    print('== Result sets (first run of each module) ==')
    print('%-40s %-34s %-34s' % ('module', 'without tcpsafe', 'with tcpsafe'))
    tot = {'without': {}, 'with': {}}
    ntests = {'without': 0, 'with': 0}
    secs = {'without': 0.0, 'with': 0.0}
    for suite, mod, extra, env in mods:
        cells = []
        for mode in ('without', 'with'):
            j = first[(mod, mode)]
            c = counts(j.results)
            for o, n in c.items():
                tot[mode][o] = tot[mode].get(o, 0) + n
            ntests[mode] += len(j.results)
            secs[mode] += j.secs
            cells.append('rc=%s %d: %s' % (j.rc, len(j.results),
                                            ' '.join('%d%s' % (c[o], o[0]) for o in ORDER if c.get(o))))
        print('%-40s %-34s %-34s' % (mod, cells[0], cells[1]))
    print('(o=ok F=FAIL E=ERROR s=skipped x=xfail m=missing)')
    for mode in ('without', 'with'):
        print('%-8s tcpsafe: %d tests: %s; %.0f s' % (mode, ntests[mode],
                                                      fmt_counts(tot[mode]), secs[mode]))
    for mode in ('without', 'with'):
        both_bad = sorted((m, i, o) for (m, mode2), j in first.items() if mode2 == mode
                          for i, o in j.results.items() if o in ('FAIL', 'ERROR'))
        if both_bad:
            print('failing %s tcpsafe:' % mode)
            for m, i, o in both_bad[:40]:
                print('  %s %s' % (o, i))

    print()
    print('== Difference ==')
    if not seen:
        print('none: every test has the same outcome both ways, every module the same status')
    for k in sorted(seen):
        s = seen[k]
        if k in consistent:
            kind = 'DIFFERENCE'
        elif k in intermittent:
            kind = 'INTERMITTENT DIFFERENCE (outcome seen only %s tcpsafe)' % one_sided(s)[0]
        else:
            kind = 'FLAKY (not counted: the outcomes vary both ways or too seldom)'
        print('%s: %s %s' % (kind, k[0], k[1]))
        print('    without: %s' % ' '.join(s['without']))
        print('    with:    %s' % ' '.join(s['with']))
    print()

    print('== tcpsafe log (runs with the library) ==')
    # Expected: level=info lines about resets (rst, epipe, repeats) from
    # tests that reset or close connections on purpose.  Anything else is
    # printed in full.
    by_kind, by_mod, other, sample = {}, {}, [], {}
    for j in jobs + rerun_jobs:
        if j.mode != 'with' or not os.path.exists(j.log):
            continue
        with open(j.log, errors='replace') as fh:
            for line in fh.read().splitlines():
                f = dict(x.split('=', 1) for x in line.split(' ') if '=' in x)
                kind = '%s %s call=%s' % (f.get('level'), f.get('event'), f.get('call', '-'))
                by_kind[kind] = by_kind.get(kind, 0) + 1
                sample.setdefault(kind, line)
                key = '%s (%s)' % (j.module, j.tag)
                by_mod[key] = by_mod.get(key, 0) + 1
                if f.get('level') != 'info' or f.get('event') not in ('rst', 'epipe', 'repeats'):
                    other.append('%s: %s' % (key, line))
    print('%d lines in all; by level, event and call:' % sum(by_kind.values()))
    for k, n in sorted(by_kind.items(), key=lambda x: -x[1]):
        print('  %5d  %s, e.g.' % (n, k))
        print('         ' + sample[k])
    print('by module:')
    for k, n in sorted(by_mod.items(), key=lambda x: -x[1]):
        print('  %5d  %s' % (n, k))
    print('%d lines other than info-level rst/epipe/repeats%s' % (len(other), ':' if other else ''))
    for line in other:
        print('  ' + line)

    print()
    status = 0
    if bad_preload:
        for j in bad_preload:
            print('realsuites: %s %s: preload in effect = %s, expected the opposite'
                  % (j.mode, j.module, j.preload))
        status = 1
    if consistent or intermittent:
        print('realsuites: %d difference(s)' % (len(consistent) + len(intermittent)))
        status = 1
    print('realsuites: %.0f s wall time' % (time.monotonic() - t_start))
    # plain closing line: the comparisons made, one per test id and module
    ncmp = len({(m, i) for (m, _), j in first.items() for i in j.results}) + len(mods)
    nbad = len(consistent) + len(intermittent) + len(bad_preload)
    print('realsuites: %d passed, %d failed, 0 skipped' % (ncmp - nbad, nbad))
    return status


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == 'record':
        record(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) >= 2 and sys.argv[1] == 'compare':
        sys.exit(compare(sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
