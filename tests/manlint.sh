#!/bin/sh
# The man pages must lint clean with mandoc and render with man -l.
set -u
dir=${top_srcdir:-.}/man
status=0
command -v mandoc >/dev/null 2>&1 || { echo "mandoc not installed (apt-get install mandoc)"; exit 1; }
for page in "$dir/tcpsafe.1" "$dir/libtcpsafe.7"; do
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then echo "$out"; status=1; fi
	if command -v man >/dev/null 2>&1; then
		err=$(LC_ALL=C MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
		if [ -n "$err" ]; then echo "man -l $page: $err"; status=1; fi
	fi
done
exit $status
