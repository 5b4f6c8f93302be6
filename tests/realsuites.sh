#!/bin/sh
# Transparency on real programs: the own test suites of Debian's CPython
# (package libpython3.11-testsuite), Twisted (python3-twisted) and Tornado
# (python3-tornado), run once without and once with libtcpsafe.so
# preloaded, must give the same outcome for every test.  Prints both
# result sets, the difference, and the lines tcpsafe logged.
# tests/realsuites.py does the work; its header
# says how results are recorded and how flaky tests are told apart from
# real differences, and its SUITES table what runs and what is left out.
#
# Short mode: a quick subset (under a minute).  TS_LONG_TESTS=1: the whole
# selection (about ten minutes on two cores), and a missing test package
# is then a failure, not a skip, so that CI cannot pass without running it.
#
#   make check TESTS=tests/realsuites.sh [TS_LONG_TESTS=1]
# or from the build directory:  sh tests/realsuites.sh
set -u
srcdir=${top_srcdir:-.}
builddir=$(pwd)
lib=$builddir/src/.libs/libtcpsafe.so
py=/usr/bin/python3     # Debian's, not a pyenv shim that PATH may find first
long=
[ "${TS_LONG_TESTS:-0}" = 1 ] && long=--long

missing() {
	if [ -n "$long" ]; then
		echo "realsuites: FAIL: $1 (TS_LONG_TESTS=1 needs it)"
		exit 1
	fi
	echo "realsuites: SKIP: $1"
	exit 77
}

[ -f "$lib" ] || { echo "realsuites: $lib not built"; exit 99; }
# A sanitized library (configure --enable-sanitizers) would need ASan's
# runtime preloaded into Python, whose own allocations it would then check
# and report: these suites compare the plain build (CI runs both builds).
if grep -q 'define TS_ASAN_RUNTIME' "$builddir/autoconfig.h" 2>/dev/null; then
	echo "realsuites: SKIP: sanitized build (the plain build runs these suites)"
	exit 77
fi
[ -x $py ] || missing "$py not installed (apt-get install python3)"
$py -c 'import test.libregrtest, test.test_socket' 2>/dev/null ||
	missing "CPython's test suite not installed (apt-get install libpython3.11-testsuite)"
# Twisted and Tornado: left out in short mode if missing, required in long
suites=cpython
for pkg in twisted:python3-twisted:twisted.trial,twisted.internet.test.test_process \
	tornado:python3-tornado:tornado.test.runtests; do
	name=${pkg%%:*} rest=${pkg#*:}
	deb=${rest%%:*} modules=${rest#*:}
	if $py -c "import $modules" 2>/dev/null; then
		suites=$suites,$name
	else
		[ -n "$long" ] && missing "$name not installed (apt-get install $deb)"
		echo "realsuites: $name not installed (apt-get install $deb): its tests are left out"
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/realsuites.XXXXXX") || exit 99
$py "$srcdir/tests/realsuites.py" compare --lib "$lib" --work "$work" --suites $suites $long
status=$?
if [ $status -eq 0 ]; then
	rm -rf "$work"
else
	echo "realsuites: outputs kept in $work"
fi
exit $status
