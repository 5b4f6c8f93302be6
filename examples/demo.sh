#!/bin/sh
# demo.sh - what SIGPIPE does to a legacy server, and what tcpsafe changes.
#
# usage: sh examples/demo.sh BUILDDIR
#
# BUILDDIR is a build tree holding examples/sigpipe_server,
# examples/rst_client, src/tcpsafe (the launcher) and src/.libs/libtcpsafe.so.
#
# Part 1 starts sigpipe_server WITHOUT tcpsafe and lets rst_client reset a
# connection while the server is writing its reply: the server is killed by
# SIGPIPE.  Part 2 starts the same server under tcpsafe and resets two
# connections: the server serves both and exits 0, and tcpsafe logs what
# happened.  Exit status 0 when both parts showed this, 1 otherwise, 2 on a
# usage error.  Every step is bounded in time, whatever is still running at
# the end is killed by pid, and the temporary directory is removed.
# Linux only (like tcpsafe): uses /proc and fractional sleep(1) arguments.

set -u

if [ $# -ne 1 ]; then
    echo "usage: sh $0 BUILDDIR" >&2
    exit 2
fi
build=$1
server=$build/examples/sigpipe_server
# The reply must outlast what one connection's socket buffers hold, or the
# server finishes before the reset: 32 MiB (its default) is far more on
# default settings; a host tuned for larger buffers gets twice its limits.
num() { case $1 in ''|*[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
wmem=$(num "$(awk '{print $3}' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null)")
wmax=$(num "$(cat /proc/sys/net/core/wmem_max 2>/dev/null)")
rmem=$(num "$(awk '{print $2}' /proc/sys/net/ipv4/tcp_rmem 2>/dev/null)")
[ "$wmax" -gt "$wmem" ] && wmem=$wmax
reply=$((2 * (wmem + rmem) + 1048576))
[ "$reply" -lt 33554432 ] && reply=33554432
client=$build/examples/rst_client
launcher=$build/src/tcpsafe
library=$build/src/.libs/libtcpsafe.so
for prog in "$server" "$client"; do
    if [ ! -x "$prog" ]; then
        echo "demo: $prog: not found or not executable (build the examples first)" >&2
        exit 2
    fi
done

# The demo decides how tcpsafe is configured, not the caller's environment.
unset TCPSAFE_DISABLE TCPSAFE_SIGPIPE TCPSAFE_LOG TCPSAFE_LOG_LEVEL \
    TCPSAFE_LOG_RATE TCPSAFE_LIBRARY
case ${LD_PRELOAD-} in
*tcpsafe*) echo "demo: note: removing LD_PRELOAD=$LD_PRELOAD (part 1 must run without tcpsafe)"
           unset LD_PRELOAD ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpsafe-demo.XXXXXX") || exit 1
server_pid=
client_pid=

# alive PID: true while PID has not terminated (a zombie counts as gone).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ "$state" != Z ]
}

# shellcheck disable=SC2317  # only reached through the EXIT trap
cleanup() {
    for pid in $server_pid $client_pid; do
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    wait
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# finish PID SECONDS: wait for PID, killing it if it runs longer than
# SECONDS; leaves its exit status in $status.
finish() {
    tenths=0
    while alive "$1" && [ "$tenths" -lt $(($2 * 10)) ]; do
        sleep 0.1
        tenths=$((tenths + 1))
    done
    if alive "$1"; then
        echo "demo: pid $1 still running after $2 s, killing it"
        kill -KILL "$1" 2>/dev/null
    fi
    wait "$1"
    status=$?
}

# describe STATUS: "exited with status N" or "killed by signal SIGXXX (...)".
describe() {
    if [ "$1" -gt 128 ]; then
        echo "killed by signal SIG$(kill -l "$1") (exit status $1)"
    else
        echo "exited with status $1"
    fi
}

# start_server NAME COMMAND...: run COMMAND in the background (stdout and
# stderr in $tmp/NAME.out and .err) and wait up to 5 s for its
# "listening on 127.0.0.1:PORT" line; sets $server_pid and $port.
start_server() {
    out=$tmp/$1.out
    err=$tmp/$1.err
    shift
    echo "\$ $*"
    : >"$out"                   # exists before the first poll below
    "$@" >"$out" 2>"$err" &
    server_pid=$!
    port=
    tenths=0
    while [ "$tenths" -lt 50 ]; do
        port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out")
        if [ -n "$port" ] || ! alive "$server_pid"; then
            break
        fi
        sleep 0.1
        tenths=$((tenths + 1))
    done
    if [ -z "$port" ]; then
        echo "demo: the server did not say \"listening on ...\" within 5 s"
        sed 's/^/    /' "$err"
        return 1
    fi
    echo "listening on 127.0.0.1:$port"
}

# attack NAME: one rst_client run against $port (at most 10 s); its output
# is shown, its exit status left in $status.
attack() {
    echo "\$ $client 127.0.0.1 $port"
    "$client" 127.0.0.1 "$port" >"$tmp/$1.out" 2>&1 &
    client_pid=$!
    finish "$client_pid" 10
    client_pid=
    cat "$tmp/$1.out"
}

part1=fail
part2=fail

echo "=== Part 1: a legacy server WITHOUT tcpsafe ==="
echo "sigpipe_server writes a $((reply >> 20)) MiB reply to each client without checking"
echo "write(); rst_client reads one byte and then resets the connection."
echo
sigign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)
if [ -n "$sigign" ] && [ $((0x${sigign#"${sigign%????}"} & 0x1000)) -ne 0 ]; then
    echo "demo: SIGPIPE is ignored in the environment this demo was started"
    echo "from, and programs inherit that: part 1 cannot show the problem."
    echo "Run the demo from an ordinary shell."
elif start_server plain "$server" -n 2 -s "$reply"; then
    attack plain-client
    finish "$server_pid" 10
    server_pid=
    echo "server $(describe "$status")"
    if [ "$status" -eq 141 ]; then
        part1=ok
        echo "-> the reset connection killed the server: its next client"
        echo "   would get \"connection refused\"."
    else
        echo "-> unexpected: the server should have been killed by SIGPIPE."
    fi
else
    finish "$server_pid" 1
    server_pid=
fi

echo
echo "=== Part 2: the same server under tcpsafe ==="
if [ ! -x "$launcher" ] || [ ! -f "$library" ]; then
    echo "demo: $launcher or $library is missing: build tcpsafe first."
elif start_server tcpsafe env TCPSAFE_LOG=stderr \
        "$launcher" --library="$library" -- "$server" -n 2 -s "$reply"; then
    attack tcpsafe-client1
    client1=$status
    attack tcpsafe-client2
    client2=$status
    finish "$server_pid" 10
    server_pid=
    grep '^served' "$tmp/tcpsafe.out"
    echo "server $(describe "$status")"
    if [ "$status" -eq 0 ] && [ "$client1" -eq 0 ] && [ "$client2" -eq 0 ] &&
            grep -q '^served 2$' "$tmp/tcpsafe.out"; then
        part2=ok
        echo "-> the writes to the reset connections failed with EPIPE instead"
        echo "   of killing the server, and it went on to serve both clients."
    else
        echo "-> unexpected: the server should have served 2 clients and exited 0."
    fi
    lines=$(grep -c 'lib=tcpsafe' "$tmp/tcpsafe.err")
    echo
    echo "tcpsafe log on the server's stderr: $lines lines; the first 6:"
    grep 'lib=tcpsafe' "$tmp/tcpsafe.err" | head -n 6 | sed 's/^/    /'
    if [ "$lines" -gt 6 ]; then
        echo "    ... ($((lines - 6)) more)"
    fi
    printf 'lines by event: '
    sed -n 's/^.* lib=tcpsafe .* event=\([a-z]*\).*$/\1/p' "$tmp/tcpsafe.err" |
        sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep = " " }'
    echo
else
    finish "$server_pid" 1
    server_pid=
fi

echo
echo "=== Summary ==="
echo "without tcpsafe: $part1 (expected: killed by SIGPIPE)"
echo "with tcpsafe:    $part2 (expected: both clients served, exit 0)"
if [ "$part1" = ok ] && [ "$part2" = ok ]; then
    exit 0
fi
exit 1
