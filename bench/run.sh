#!/bin/sh
# bench/run.sh - tcpsafe's benchmark suite: what the preload costs.
#
# usage: sh bench/run.sh BUILDDIR [quick]
#
# BUILDDIR is a build tree holding src/.libs/libtcpsafe.so and
# examples/tcpserv01.  The script compiles bench/*.c itself (cc -O2) into a
# temporary directory, runs five measurements and prints a Markdown report
# on stdout:
#   1. instructions per call on the success path (valgrind callgrind);
#   2. wall-clock ratio of a 1-byte ping-pong between two processes;
#   3. throughput and zombies of a fork-per-connection server (tcpserv01);
#   4. cost of reaping a child as the number of live children grows;
#   5. memory (RSS), heap allocations made by the wrappers, start-up time.
# Each section compares glibc alone with tcpsafe, and with the peers
# socket_wrapper (libsocket-wrapper) and libfiu's POSIX preload (libfiu0)
# where the section says so and they are installed; missing ones are
# skipped with a note.  "quick" makes fewer and shorter runs (under 2
# minutes).  Progress and the programs' stderr go to stderr.
#
# Every run is wrapped in bench/bounded.c: a time limit, and whatever the
# run leaves behind is killed and reaped by pid.  The temporary directory
# is removed at exit.  Exit status 0 when every run worked (a target not met
# is a finding, not a failure), 1 if a run failed, 2 on a usage error or if
# the programs cannot be built.
# Linux only (uses /proc); a POSIX sh with GNU date, env and awk.

set -u
LC_ALL=C
export LC_ALL

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != quick ]; }; then
    echo "usage: sh $0 BUILDDIR [quick]" >&2
    exit 2
fi
build=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: $1: no such directory" >&2; exit 2; }
quick=${2:+1}
quick=${quick:-0}
here=$(cd "$(dirname "$0")" && pwd)
lib=$build/src/.libs/libtcpsafe.so
server=$build/examples/tcpserv01
if [ ! -f "$lib" ]; then
    echo "run.sh: $lib not found (run make first)" >&2
    exit 2
fi

# The benchmark decides what is preloaded and how tcpsafe is configured.
unset LD_PRELOAD SOCKET_WRAPPER_DIR SOCKET_WRAPPER_DEFAULT_IFACE FIU_ENABLE FIU_CTRL_FIFO \
    BENCH_MALLOCCOUNT TCPSAFE_DISABLE TCPSAFE_SIGPIPE TCPSAFE_LOG TCPSAFE_LOG_LEVEL \
    TCPSAFE_LOG_RATE TCPSAFE_SYSLOG_SOCKET TCPSAFE_EINTR TCPSAFE_EINTR_PASS TCPSAFE_ACCEPT \
    TCPSAFE_REAP TCPSAFE_REAP_CACHE TCPSAFE_LIBRARY

t_start=$(date +%s%N)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpsafe-bench.XXXXXX") || exit 2
bg_pids=
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
    for p in $bg_pids; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

B=$tmp/bin
mkdir "$B" "$tmp/sw" || exit 2
CC=${CC:-cc}
CFLAGS="-O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -pthread"
echo "run.sh: compiling bench programs into $B" >&2
for prog in calls pingpong loadgen reapcost mem spawn bounded tcpserv04; do
    # shellcheck disable=SC2086  # CFLAGS is a list of words
    if ! $CC $CFLAGS "$here/$prog.c" -o "$B/$prog" -ldl; then
        echo "run.sh: cannot compile $here/$prog.c" >&2
        exit 2
    fi
done
# shellcheck disable=SC2086
for so in malloccount nothing; do
    # nothing.so: laid out as libtcpsafe.so is (two mappings)
    soflags=
    [ "$so" = nothing ] && soflags="-Wl,-z,noseparate-code -Wl,-z,norelro"
    # shellcheck disable=SC2086
    if ! $CC $CFLAGS -shared -fPIC $soflags "$here/$so.c" -o "$B/$so.so" -ldl; then
        echo "run.sh: cannot compile $here/$so.c" >&2
        exit 2
    fi
done

# ---- the peers -------------------------------------------------------------
notes=
swlib=/usr/lib/x86_64-linux-gnu/libsocket_wrapper.so
if [ ! -f "$swlib" ]; then
    swlib=
    for f in /usr/lib/*/libsocket_wrapper.so /usr/lib/libsocket_wrapper.so; do
        if [ -f "$f" ]; then swlib=$f; break; fi
    done
fi
fiupre=/usr/lib/fiu/fiu_posix_preload.so
fiulib=
for f in /usr/lib/libfiu.so.0 /usr/lib/*/libfiu.so.0 /lib/libfiu.so.0 /lib/*/libfiu.so.0; do
    if [ -f "$f" ]; then fiulib=$f; break; fi
done
peers=
if [ -n "$swlib" ] && [ -f "$swlib" ]; then
    peers="$peers sw"
else
    notes="$notes
- socket_wrapper (libsocket-wrapper) is not installed: its rows are skipped."
fi
if [ -f "$fiupre" ] && [ -n "$fiulib" ]; then
    peers="$peers fiu"
else
    notes="$notes
- libfiu's POSIX preload (libfiu0, fiu-utils) is not installed: its rows are skipped."
fi
have_valgrind=0
command -v valgrind >/dev/null 2>&1 && have_valgrind=1

label() {
    case $1 in
    base) echo "glibc alone" ;;
    tcpsafe) echo "+tcpsafe" ;;
    sw) echo "+socket_wrapper" ;;
    fiu) echo "+libfiu" ;;
    tcpsafe_noreap) echo "+tcpsafe, TCPSAFE_REAP=off (diagnostic)" ;;
    esac
}

# run_cfg CONFIG SECS COMMAND...: COMMAND with CONFIG's preload, bounded.
# socket_wrapper is only active with SOCKET_WRAPPER_DIR set (its man page).
run_cfg() {
    rc_cfg=$1
    rc_secs=$2
    shift 2
    case $rc_cfg in
    base) "$B/bounded" "$rc_secs" "$@" ;;
    tcpsafe) "$B/bounded" "$rc_secs" env LD_PRELOAD="$lib" "$@" ;;
    tcpsafe_noreap) "$B/bounded" "$rc_secs" env LD_PRELOAD="$lib" TCPSAFE_REAP=off "$@" ;;
    sw) "$B/bounded" "$rc_secs" env LD_PRELOAD="$swlib" SOCKET_WRAPPER_DIR="$tmp/sw" \
            SOCKET_WRAPPER_DEFAULT_IFACE=1 "$@" ;;
    fiu) "$B/bounded" "$rc_secs" env LD_PRELOAD="$fiulib:$fiupre" "$@" ;;
    esac
}

failures=0
log=$tmp/stderr.log
: >"$log"
# fail WHAT: note a failed run, show the end of its stderr.
fail() {
    failures=$((failures + 1))
    echo "run.sh: FAILED: $1" >&2
    tail -n 5 "$log" >&2
}

# field NAME: the value of NAME=value in the line on stdin.
field() {
    awk -v k="$1" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
        if (n && substr($i, 1, n - 1) == k) { print substr($i, n + 1); exit } } }'
}
# median: of the numbers on stdin, one a line.
median() {
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a";
        else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# calc EXPR: floating-point arithmetic with awk, printed with %.2f (or FMT).
calc() {
    awk "BEGIN { v = $1; printf \"${2:-%.2f}\", v }"
}

if [ "$quick" = 1 ]; then
    PP_PAIRS=5 PP_M=20000 SRV_C=300 SRV_R=2 REAP_LS="10 1000" REAP_REPS=3 SPAWN_N=500
else
    PP_PAIRS=11 PP_M=100000 SRV_C=2000 SRV_R=15 REAP_LS="10 1000 5000" REAP_REPS=3 SPAWN_N=2000
fi
CG_N1=20000 CG_N2=40000 SRV_P=8 REAP_K=2000 MEM_FDS=100000 MEM_ACC="1000 9000" ALLOC_N=100000
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
pin_cpu=$((ncpu - 1))

# ---- the report --------------------------------------------------------------
echo "# tcpsafe benchmarks"
echo
echo "Mode: $( [ "$quick" = 1 ] && echo quick || echo full ). Library: \`$lib\`."
echo "Machine: $(uname -sr), $ncpu CPU(s), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)."
echo "Compiler: $($CC --version 2>/dev/null | head -n 1); flags \`$CFLAGS\`."
if [ "$have_valgrind" = 1 ]; then
    echo "Valgrind: $(valgrind --version 2>/dev/null)."
fi
case " $peers " in
*" sw "*) sw_desc="socket_wrapper \`$swlib\` (made active: SOCKET_WRAPPER_DIR set to a temporary directory)" ;;
*) sw_desc="socket_wrapper absent" ;;
esac
case " $peers " in
*" fiu "*) fiu_desc="libfiu \`LD_PRELOAD=$fiulib:$fiupre\` (no failure point enabled)" ;;
*) fiu_desc="libfiu absent" ;;
esac
echo "Peers: $sw_desc; $fiu_desc."
echo "Each run is bounded in time and leaves no process behind (bench/bounded.c)."
if [ -n "$notes" ]; then
    echo "$notes"
fi
echo

# ==== 1. instructions per call ===================================================
echo "## 1. Instructions per call (success path, callgrind)"
echo
echo "Method: bench/calls.c makes N calls of one kind in a loop; valgrind --tool=callgrind counts the"
echo "instructions of the whole process (\"Collected\"), at N=$CG_N1 and N=$CG_N2.  Start-up and set-up"
echo "cancel out in I(N2)-I(N1); the cost of the loop per call is (I(N2)-I(N1))/(N2-N1)/calls, and a"
echo "preload's extra cost is that figure minus glibc's own.  send/recv counts 2 calls per iteration."
echo "Deterministic: the same build gives the same counts."
echo
if [ "$have_valgrind" = 0 ]; then
    echo "Skipped: valgrind is not installed."
    echo
else
    cg_cfgs="base tcpsafe $peers"
    raw1=$tmp/raw1
    : >"$raw1"
    for kind in write read sendrecv poll; do
        for cfg in $cg_cfgs; do
            echo "run.sh: callgrind $kind $cfg" >&2
            run_cfg "$cfg" 300 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
                "$B/calls" "$kind" "$CG_N1" >/dev/null 2>"$tmp/cg1" &
            p1=$!
            run_cfg "$cfg" 300 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
                "$B/calls" "$kind" "$CG_N2" >/dev/null 2>"$tmp/cg2" &
            p2=$!
            bg_pids="$p1 $p2"
            wait "$p1"; s1=$?
            wait "$p2"; s2=$?
            bg_pids=
            i1=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$tmp/cg1")
            i2=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$tmp/cg2")
            if [ "$s1" != 0 ] || [ "$s2" != 0 ] || [ -z "$i1" ] || [ -z "$i2" ]; then
                cat "$tmp/cg1" "$tmp/cg2" >>"$log"
                fail "callgrind $kind $cfg"
                i1=failed i2=failed
            fi
            echo "$kind $cfg $i1 $i2" >>"$raw1"
        done
    done
    hdr="| call | glibc alone (instr/call, loop included) |"
    sep="|---|---|"
    for cfg in tcpsafe $peers; do
        hdr="$hdr $(label "$cfg") (extra instr/call) |"
        sep="$sep---|"
    done
    echo "$hdr"
    echo "$sep"
    for kind in write read sendrecv poll; do
        case $kind in
        sendrecv) cpi=2 name="send+recv (AF_UNIX pair)" ;;
        write) cpi=1 name="write 1 B to /dev/null" ;;
        read) cpi=1 name="read 1 B from /dev/zero" ;;
        poll) cpi=1 name="poll 1 ready fd, timeout 0" ;;
        esac
        # shellcheck disable=SC2046  # two numbers, or nothing
        set -- $(awk -v k="$kind" '$1 == k && $2 == "base" { print $3, $4 }' "$raw1")
        b1=${1:-failed} b2=${2:-failed}
        if [ "$b1" = failed ]; then
            row="| $name | failed |"
        else
            row="| $name | $(calc "($b2 - $b1) / ($CG_N2 - $CG_N1) / $cpi" %.1f) |"
        fi
        for cfg in tcpsafe $peers; do
            # shellcheck disable=SC2046  # two numbers, or nothing
            set -- $(awk -v k="$kind" -v c="$cfg" '$1 == k && $2 == c { print $3, $4 }' "$raw1")
            if [ "$b1" = failed ] || [ "${1:-failed}" = failed ]; then
                row="$row failed |"
            else
                row="$row $(calc "(($2 - $1) - ($b2 - $b1)) / ($CG_N2 - $CG_N1) / $cpi" %+.1f) |"
            fi
        done
        echo "$row"
    done
    echo
    echo "Raw counts (instructions, whole process):"
    echo
    echo "| call | preload | I(N=$CG_N1) | I(N=$CG_N2) |"
    echo "|---|---|---|---|"
    while read -r kind cfg i1 i2; do
        echo "| $kind | $(label "$cfg") | $i1 | $i2 |"
    done <"$raw1"
    echo
fi

# ==== 2. ping-pong ===================================================================
echo "## 2. Wall-clock ratio: 1-byte ping-pong between two processes"
echo
echo "Method: bench/pingpong.c forks; the parent writes 1 byte and reads it back M=$PP_M times (after"
echo "1000 warm-up round trips), the child echoes with read/write; the loop is timed with"
echo "CLOCK_MONOTONIC.  Transports: an AF_UNIX socketpair, and TCP over 127.0.0.1 (ephemeral port,"
echo "TCP_NODELAY).  Both processes run under the preload and are pinned to CPU $pin_cpu, so a round trip"
echo "is two context switches on one CPU (unpinned, it is two cross-CPU wake-ups: slower, several times"
echo "noisier, and any per-call overhead looks smaller).  $PP_PAIRS rounds; in each round every preload"
echo "runs once, glibc alone first in odd rounds and last in even ones.  Figures are ns per round trip."
echo "\"ratio of medians\" = median with / median without; \"paired ratio\" = median over the rounds of"
echo "(with / without in the same round), which cancels the drift between rounds.  Target for tcpsafe:"
echo "<= 1.01.  Under socket_wrapper the \"TCP\" connection is really an AF_UNIX one.  Diagnostic row:"
echo "tcpsafe with TCPSAFE_REAP=off, i.e. without the SIGCHLD handler that the fork() installs."
echo
raw2=$tmp/raw2
: >"$raw2"
i=1
while [ "$i" -le "$PP_PAIRS" ]; do
    order="base tcpsafe tcpsafe_noreap $peers"
    if [ $((i % 2)) = 0 ]; then
        order=$(echo "$order" | awk '{ for (j = NF; j >= 1; j--) printf "%s ", $j }')
    fi
    for transport in unix tcp; do
        for cfg in $order; do
            echo "run.sh: pingpong round $i $transport $cfg" >&2
            out=$(run_cfg "$cfg" 300 "$B/pingpong" "$transport" "$PP_M" "$pin_cpu" 2>>"$log")
            v=$(echo "$out" | field per_rt_ns)
            if [ -z "$v" ]; then
                fail "pingpong $transport $cfg"
                v=failed
            fi
            echo "$i $transport $cfg $v" >>"$raw2"
        done
    done
    i=$((i + 1))
done
echo "| transport | preload | runs, by round (ns per round trip) | median | ratio of medians | paired ratio |"
echo "|---|---|---|---|---|---|"
for transport in unix tcp; do
    base_med=$(awk -v t="$transport" '$2 == t && $3 == "base" && $4 != "failed" { print $4 }' "$raw2" | median)
    for cfg in base tcpsafe tcpsafe_noreap $peers; do
        runs=$(awk -v t="$transport" -v c="$cfg" '$2 == t && $3 == c { printf "%s%s", sep, $4; sep = ", " }' "$raw2")
        med=$(awk -v t="$transport" -v c="$cfg" '$2 == t && $3 == c && $4 != "failed" { print $4 }' "$raw2" | median)
        if [ "$cfg" = base ]; then
            ratio="-" paired="-"
        elif [ "$med" = n/a ] || [ "$base_med" = n/a ]; then
            ratio="n/a" paired="n/a"
        else
            ratio=$(calc "$med / $base_med" %.3f)
            paired=$(awk -v t="$transport" -v c="$cfg" '$2 == t && $4 != "failed" && $3 == "base" { b[$1] = $4 }
                $2 == t && $4 != "failed" && $3 == c { w[$1] = $4 }
                END { for (r in w) if (r in b) printf "%.4f\n", w[r] / b[r] }' "$raw2" | median)
            paired=$(calc "$paired" %.3f)
            if [ "$cfg" = tcpsafe ]; then
                if awk "BEGIN { exit !($paired <= 1.01) }"; then paired="$paired (target met)"; else paired="$paired (target NOT met)"; fi
            fi
        fi
        echo "| $transport | $(label "$cfg") | $runs | $med | $ratio | $paired |"
    done
done
echo

# ==== 3. fork-per-connection server ======================================================
echo "## 3. Fork-per-connection server: throughput and zombies"
echo
if [ ! -x "$server" ]; then
    echo "Skipped: $server is not built (make builds the examples)."
    echo
else
    echo "Method: bench/loadgen.c starts a server, preloaded or not (loadgen itself never is), and runs"
    echo "$SRV_C short connections over 127.0.0.1 from $SRV_P threads: connect, write a line, read the echo,"
    echo "close.  conn/s = $SRV_C / time from the first connect to the last close.  Then, once the server has"
    echo "no live child left (+200 ms), its zombie children are counted (/proc/*/stat: ppid = server, state Z);"
    echo "the server is killed and everything reaped.  CPU and page faults: getrusage(RUSAGE_CHILDREN) of"
    echo "loadgen at the end, i.e. the server and all its children (a leaking server's zombies are released"
    echo "by loadgen after the run, and counted here), per connection: steadier than conn/s on a shared VM."
    echo "The accept loop's share is the server process's own CPU time (/proc/PID/schedstat, exact), the"
    echo "children's the rest (their fork, echo and exit; zombies' release is in whichever process reaps)."
    echo "Each of $SRV_R rounds runs every row once, in turn;"
    echo "a row's ratio is the median over the rounds of its conn/s over the same round's first row (machine"
    echo "noise here moves single runs by 10 %, and drifts over minutes).  Rows:"
    echo "- \`examples/tcpserv01\` (never waits for its children), glibc alone: the issue's baseline;"
    echo "- the same with tcpsafe (defaults: log to stderr, status cache of 1024; its log lines are counted);"
    echo "- \`bench/tcpserv04\`, the correct server (SIGCHLD handler with SA_RESTART and a waitpid loop), glibc"
    echo "  alone: what reaping costs any server that leaves no zombie;"
    echo "- \`tcpserv04 -l\`: no SIGCHLD handler, waitpid(-1, WNOHANG) only before each fork(): reaping without"
    echo "  a signal per child, at the price of zombies that stay while the server is idle (not a correct server);"
    echo "- tcpserv01 preloading bench/nothing.c, a library with no code: the floor of any preload library;"
    echo "- tcpserv01 with tcpsafe and TCPSAFE_REAP=off (diagnostic: the zombies stay)."
    echo "Target: tcpsafe over glibc alone >= 0.97, 0 zombies where the baseline leaves $SRV_C."
    echo
    raw3=$tmp/raw3
    : >"$raw3"
    for rep in $(seq "$SRV_R"); do
        for cfg in base tcpsafe correct lazy nothing tcpsafe_noreap; do
            echo "run.sh: server round $rep $cfg" >&2
            srv=$server libarg='' reap=fork lazyarg=
            case $cfg in
            tcpsafe) libarg="-l $lib" ;;
            correct) srv=$B/tcpserv04 ;;
            lazy) srv=$B/tcpserv04 lazyarg=-l ;;
            nothing) libarg="-l $B/nothing.so" ;;
            tcpsafe_noreap) libarg="-l $lib" reap=off ;;
            esac
            # shellcheck disable=SC2086  # libarg is empty or two words
            out=$("$B/bounded" 300 env TCPSAFE_REAP=$reap "$B/loadgen" $libarg -c "$SRV_C" -P "$SRV_P" "$srv" $lazyarg -p 0 2>"$tmp/srv.err")
            st=$?
            cat "$tmp/srv.err" >>"$log"
            echo "server round $rep $cfg: $out" >>"$log"
            cps=$(echo "$out" | field cps)
            if [ "$st" != 0 ] || [ -z "$cps" ]; then
                fail "loadgen $cfg"
                cps=failed
            fi
            echo "$rep $cfg $cps $(echo "$out" | field errors) $(echo "$out" | field zombies) $(grep -c 'lib=tcpsafe' "$tmp/srv.err") $(echo "$out" | field cpu_us) $(echo "$out" | field minflt) $(echo "$out" | field parent_us)" >>"$raw3"
        done
    done
    echo "| server | preload | median conn/s | ratio to glibc alone (paired median) | CPU µs per connection: all / accept loop / children (medians) | page faults per connection (median) | errors | zombies after the runs | tcpsafe log lines |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for cfg in base tcpsafe correct lazy nothing tcpsafe_noreap; do
        case $cfg in
        base) what="tcpserv01|glibc alone" ;;
        tcpsafe) what="tcpserv01|+tcpsafe" ;;
        correct) what="tcpserv04 (reaps itself)|glibc alone" ;;
        lazy) what="tcpserv04 -l (reaps only before each fork, no SIGCHLD)|glibc alone" ;;
        nothing) what="tcpserv01|+nothing.so (empty library)" ;;
        tcpsafe_noreap) what="tcpserv01|+tcpsafe, TCPSAFE_REAP=off (diagnostic)" ;;
        esac
        med=$(awk -v c="$cfg" '$2 == c && $3 != "failed" { print $3 }' "$raw3" | median)
        ratio=$(awk -v c="$cfg" '$2 == "base" { b[$1] = $3 } $2 == c { v[$1] = $3 }
            END { for (r in v) if (b[r] != "failed" && v[r] != "failed" && b[r] > 0) print v[r] / b[r] }' "$raw3" | median)
        errs=$(awk -v c="$cfg" '$2 == c { s += $4 } END { print s + 0 }' "$raw3")
        zs=$(awk -v c="$cfg" '$2 == c { printf "%s%s", sep, $5; sep = "," }' "$raw3" | awk -F, '{ m = $1; M = $1; for (i = 2; i <= NF; i++) { if ($i < m) m = $i; if ($i > M) M = $i } print (m == M) ? m : m "-" M }')
        ll=$(awk -v c="$cfg" '$2 == c { s += $6 } END { print s + 0 }' "$raw3")
        cpu=$(awk -v c="$cfg" '$2 == c && $7 != "" { print $7 }' "$raw3" | median)
        flt=$(awk -v c="$cfg" '$2 == c && $8 != "" { print $8 }' "$raw3" | median)
        par=$(awk -v c="$cfg" '$2 == c && $9 != "" { print $9 }' "$raw3" | median)
        kid=$(awk -v c="$cfg" '$2 == c && $9 != "" { print $7 - $9 }' "$raw3" | median)
        [ "$cpu" != n/a ] && cpu=$(calc "$cpu" %.0f)
        [ "$par" != n/a ] && cpu="$cpu / $(calc "$par" %.0f) / $(calc "$kid" %.0f)"
        [ "$flt" != n/a ] && flt=$(calc "$flt" %.1f)
        [ "$med" != n/a ] && med=$(calc "$med" %.0f)
        [ "$ratio" != n/a ] && ratio=$(calc "$ratio" %.3f)
        [ "$cfg" = base ] && ratio=1
        case $cfg in tcpsafe) r_ts=$ratio ;; correct) r_ok=$ratio ;; lazy) r_lz=$ratio ;; esac
        echo "| $what | $med | $ratio | $cpu | $flt | $errs | $zs | $ll |"
    done
    echo
    if [ -n "$r_ts" ] && [ "$r_ts" != n/a ]; then
        if awk "BEGIN { exit !($r_ts >= 0.97) }"; then verdict="target met"; else verdict="target NOT met"; fi
        echo "tcpsafe over glibc alone: **$r_ts** ($verdict); the correct server over the same baseline: $r_ok."
        if [ -n "$r_ok" ] && [ "$r_ok" != n/a ]; then
            echo "tcpsafe over the correct server: $(calc "$r_ts / $r_ok" %.3f) (what tcpsafe costs beyond reaping itself)."
            echo "A server that reaps only before each fork, with no signal per child: $r_lz."
        fi
    else
        echo "No ratio (a run failed)."
    fi
    echo
fi

# ==== 4. reaping cost vs live children ====================================================
echo "## 4. Reaping cost as live children grow"
echo
echo "Method: bench/reapcost.c keeps L children alive (blocked reading a pipe), then, timed:"
echo
echo "- *fork loop*: forks K=$REAP_K children one at a time that _exit(0) at once.  Baseline (glibc alone):"
echo "  the program waitpid()s each one right after fork().  tcpsafe, never waits: the fork loop plus the"
echo "  time until tcpsafe has reaped all K.  tcpsafe, waitpid each: the baseline program under tcpsafe."
echo "  µs per child = total / K.  \"backlog\": children not yet reaped when the loop ended, and the"
echo "  time tcpsafe then needed for them."
echo "- *burst* (reaping only, no fork in the timed part): K children are forked first, blocked on a"
echo "  second pipe; closing it makes all K exit at once, and the clock runs until all K are reaped,"
echo "  by the program's waitpid(pid) on each (baseline) or by tcpsafe (the program never waits)."
echo
echo "\"Reaped by tcpsafe\" = the raw kill(pid, 0) system call says ESRCH (checked oldest first, 0.2 ms"
echo "naps).  Median of $REAP_REPS run(s) per cell, raw runs in the last column.  Process limit:"
echo "$(awk '/^Max processes/ { print $3 " (soft), " $4 " (hard)" }' /proc/self/limits), pid_max $(cat /proc/sys/kernel/pid_max 2>/dev/null || echo '?');"
echo "reapcost raises RLIMIT_NPROC, and the first column shows how many live children were really made."
echo
raw4=$tmp/raw4
: >"$raw4"
for L in $REAP_LS; do
    rep=1
    while [ "$rep" -le "$REAP_REPS" ]; do
        for m in base:self tcpsafe:none tcpsafe:self base:burst-self tcpsafe:burst-none; do
            cfg=${m%%:*} mode=${m#*:}
            echo "run.sh: reapcost L=$L round $rep $cfg $mode" >&2
            out=$(run_cfg "$cfg" 300 "$B/reapcost" "$mode" "$L" "$REAP_K" 2>>"$log")
            v=$(echo "$out" | field per_child_us)
            if [ -z "$v" ]; then
                fail "reapcost $cfg $mode L=$L"
                echo "$L $m failed - - -" >>"$raw4"
            else
                echo "$L $m $v $(echo "$out" | field live) $(echo "$out" | field backlog) $(echo "$out" | field drain_ns)" >>"$raw4"
            fi
        done
        rep=$((rep + 1))
    done
done
# med L MODE: median µs/child of the runs of MODE at L.
med4() {
    awk -v l="$1" -v m="$2" '$1 == l && $2 == m && $3 != "failed" { print $3 }' "$raw4" | median
}
raw4runs() {
    awk -v l="$1" -v m="$2" '$1 == l && $2 == m { printf "%s%s", sep, $3; sep = " " }' "$raw4"
}
echo "Fork loop (µs per child):"
echo
echo "| L (live made) | glibc alone, waitpid each | +tcpsafe, never waits | ratio | backlog at loop end, tcpsafe's time after | +tcpsafe, waitpid each | raw runs (glibc / never waits / waitpid each) |"
echo "|---|---|---|---|---|---|---|"
for L in $REAP_LS; do
    mb=$(med4 "$L" base:self)
    mn=$(med4 "$L" tcpsafe:none)
    ms=$(med4 "$L" tcpsafe:self)
    made=$(awk -v l="$L" '$1 == l && $4 != "-" { print $4 }' "$raw4" | sort -n | head -n 1)
    bl=$(awk -v l="$L" '$1 == l && $2 == "tcpsafe:none" && $3 != "failed" { printf "%s%d, %.1f ms", sep, $5, $6 / 1e6; sep = "; " }' "$raw4")
    if [ "$mb" != n/a ] && [ "$mn" != n/a ]; then ratio=$(calc "$mn / $mb" %.2f); else ratio=n/a; fi
    echo "| $L (${made:-?}) | $mb | $mn | $ratio | $bl | $ms | $(raw4runs "$L" base:self) / $(raw4runs "$L" tcpsafe:none) / $(raw4runs "$L" tcpsafe:self) |"
done
echo
echo "Burst, reaping only (µs per child):"
echo
echo "| L | glibc alone, waitpid each | +tcpsafe, never waits | ratio | raw runs (glibc / tcpsafe) |"
echo "|---|---|---|---|---|"
burst=
for L in $REAP_LS; do
    mb=$(med4 "$L" base:burst-self)
    mn=$(med4 "$L" tcpsafe:burst-none)
    if [ "$mb" != n/a ] && [ "$mn" != n/a ]; then
        ratio=$(calc "$mn / $mb" %.2f)
        burst="$burst $L:$mn:$mb"
    else
        ratio=n/a
    fi
    echo "| $L | $mb | $mn | $ratio | $(raw4runs "$L" base:burst-self) / $(raw4runs "$L" tcpsafe:burst-none) |"
done
echo
first=$(echo "$burst" | awk '{ print $1 }')
last=$(echo "$burst" | awk '{ print $NF }')
if [ -n "$first" ] && [ "$first" != "$last" ]; then
    f_l=$(echo "$first" | cut -d: -f1) f_v=$(echo "$first" | cut -d: -f2) f_b=$(echo "$first" | cut -d: -f3)
    l_l=$(echo "$last" | cut -d: -f1) l_v=$(echo "$last" | cut -d: -f2) l_b=$(echo "$last" | cut -d: -f3)
    growth=$(calc "$l_v / $f_v" %.2f)
    bgrowth=$(calc "$l_b / $f_b" %.2f)
    if awk "BEGIN { exit !($growth <= 1.20) }"; then
        flat="**flat in L**"
    else
        flat="**NOT flat in L**"
    fi
    echo "Verdict (rule: tcpsafe's burst reaping cost per child at L=$l_l within 20% of the one at"
    echo "L=$f_l): $flat — $f_v µs at L=$f_l, $l_v µs at L=$l_l (x$growth); the baseline's waitpid(pid)"
    echo "went from $f_b to $l_b µs (x$bgrowth).  The fork-loop figures include fork(), whose own cost also"
    echo "moves with L, for both columns."
else
    echo "Verdict: not enough successful runs to say."
fi
if grep -q "live children could be made" "$log"; then
    echo
    echo "Note: $(grep "live children could be made" "$log" | sed 's/^reapcost: note: //' | sort -u | tr '\n' ';')"
fi
echo

# ==== 5. memory, allocations, start-up ====================================================
echo "## 5. Memory, heap allocations and start-up"
echo
echo "Method: RSS is VmRSS from /proc/self/status.  At start: bench/mem.c prints it first thing in"
echo "main() (median of 5 runs).  With many fds: RLIMIT_NOFILE is raised, then socketpairs are opened"
echo "and, last, A TCP connections over 127.0.0.1 are connected and accepted (A = $(echo "$MEM_ACC" | sed 's/ / and /'); a per-fd peer"
echo "table holds both ends, the accepted ones at the highest fd numbers); RSS before and after; the last"
echo "column is tcpsafe's delta over glibc's for the same A, per remembered fd (2A).  Allocations: bench/malloccount.c, a"
echo "preload that counts malloc/calloc/realloc/free (and the memalign family) and forwards them with"
echo "dlsym(RTLD_NEXT), is placed below tcpsafe (\`LD_PRELOAD=libtcpsafe.so:malloccount.so\`); bench/calls.c"
echo "reads its counters just before and after a loop of $ALLOC_N iterations (expected: 0); \"malloc+free\""
echo "is a positive control.  Start-up: bench/spawn.c times posix_spawn + waitpid of /bin/true, $SPAWN_N runs"
echo "per preload, interleaved; spawn itself runs without a preload.  Target: tcpsafe adds < 100 µs."
echo
echo "| preload | RSS at start (kB) | runs |"
echo "|---|---|---|"
for cfg in base tcpsafe $peers; do
    runs=
    for _ in 1 2 3 4 5; do
        v=$(run_cfg "$cfg" 60 "$B/mem" start 2>>"$log" | field rss_kb)
        [ -n "$v" ] || { fail "mem start $cfg"; v=failed; }
        runs="$runs $v"
    done
    med=$(echo "$runs" | tr ' ' '\n' | grep -v '^$' | grep -v failed | median)
    echo "| $(label "$cfg") | $med | $(echo "$runs" | sed 's/^ //; s/ /, /g') |"
done
echo
echo "| preload | fds open | accepted TCP | RSS before (kB) | RSS after (kB) | delta (kB) | over glibc, bytes per remembered fd |"
echo "|---|---|---|---|---|---|---|"
: >"$tmp/memnote"
for acc in $MEM_ACC; do
    base_delta=
    for cfg in base tcpsafe; do
        out=$(run_cfg "$cfg" 120 "$B/mem" fds "$MEM_FDS" "$acc" 2>>"$tmp/memnote")
        if [ -z "$(echo "$out" | field fds)" ]; then
            cat "$tmp/memnote" >>"$log"
            fail "mem fds $cfg $acc"
        fi
        d=$(echo "$out" | field delta_kb)
        per=
        if [ "$cfg" = base ]; then
            base_delta=$d
        elif [ -n "$d" ] && [ -n "$base_delta" ]; then
            per=$(( (d - base_delta) * 1024 / (2 * acc) ))
        fi
        echo "| $(label "$cfg") | $(echo "$out" | field fds) | $(echo "$out" | field accepted) | $(echo "$out" | field rss_before_kb) | $(echo "$out" | field rss_after_kb) | $d | $per |"
    done
done
if grep -q note "$tmp/memnote"; then
    echo
    echo "Note: $(grep note "$tmp/memnote" | sed 's/^mem: note: //' | sort -u | head -n 1) (the"
    echo "process lacks CAP_SYS_RESOURCE or the hard limit is set low)."
fi
echo
echo "| loop ($ALLOC_N iterations) | glibc alone: allocations / frees | +tcpsafe: allocations / frees |"
echo "|---|---|---|"
for kind in write read sendrecv poll malloc; do
    row="| $kind |"
    for pre in "$B/malloccount.so" "$lib:$B/malloccount.so"; do
        out=$("$B/bounded" 60 env LD_PRELOAD="$pre" BENCH_MALLOCCOUNT=1 "$B/calls" "$kind" "$ALLOC_N" 2>>"$log")
        a=$(echo "$out" | field allocs)
        f=$(echo "$out" | field frees)
        if [ -z "$a" ]; then
            fail "malloccount $kind"
            row="$row failed |"
        else
            row="$row $a / $f |"
        fi
    done
    [ "$kind" = malloc ] && row=$(echo "$row" | sed 's/^| malloc |/| malloc+free (control) |/')
    echo "$row"
done
echo
spawn_cfgs="-"
spawn_names="base"
spawn_cfgs="$spawn_cfgs $lib"
spawn_names="$spawn_names tcpsafe"
for p in $peers; do
    case $p in
    sw) spawn_cfgs="$spawn_cfgs $swlib" ;;
    fiu) spawn_cfgs="$spawn_cfgs $fiulib:$fiupre" ;;
    esac
    spawn_names="$spawn_names $p"
done
echo "run.sh: spawn" >&2
# shellcheck disable=SC2086  # one word per configuration
out=$("$B/bounded" 300 env SOCKET_WRAPPER_DIR="$tmp/sw" SOCKET_WRAPPER_DEFAULT_IFACE=1 \
    "$B/spawn" "$SPAWN_N" /bin/true $spawn_cfgs 2>>"$log")
[ -n "$out" ] || fail "spawn"
base_us=$(echo "$out" | awk '$1 == "config=1"' | field median_us)
echo "| preload | /bin/true median (µs) | min (µs) | p90 (µs) | added vs glibc alone (µs) |"
echo "|---|---|---|---|---|"
n=1
for name in $spawn_names; do
    line=$(echo "$out" | awk -v c="config=$n" '$1 == c')
    med=$(echo "$line" | field median_us)
    if [ -z "$med" ]; then
        echo "| $(label "$name") | failed | | | |"
    else
        if [ "$name" = base ]; then
            add="-"
        else
            add=$(calc "$med - $base_us" %+.1f)
            if [ "$name" = tcpsafe ]; then
                if awk "BEGIN { exit !($add < 100) }"; then add="$add (target met)"; else add="$add (target NOT met)"; fi
            fi
        fi
        echo "| $(label "$name") | $med | $(echo "$line" | field min_us) | $(echo "$line" | field p90_us) | $add |"
    fi
    n=$((n + 1))
done
echo

t_end=$(date +%s%N)
echo "---"
echo
echo "Total run time: $(calc "($t_end - $t_start) / 1e9" %.1f) s."
if [ "$failures" != 0 ]; then
    echo
    echo "**$failures run(s) failed**: see the messages on stderr."
    exit 1
fi
exit 0
