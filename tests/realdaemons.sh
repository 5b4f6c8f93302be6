#!/bin/sh
# Transparency on real daemons (issue 15): GNU make, OpenSSH's sshd and the
# PostgreSQL 15 postmaster, each run once without and once with
# libtcpsafe.so preloaded, must behave the same.  All three rely on a
# blocking call returning EINTR when a signal was handled; a library that
# retries those calls hangs them or delays what they do on the signal:
#
#   make       make -s -j2 of three 0.1 s jobs: exit 0 within 5 s, the same
#              lines (the jobserver's pselect() sees SIGCHLD as EINTR)
#   sshd       a login running `sleep 0.3; exit 42`: 42 within 5 s
#              (server_loop2's ppoll() sees SIGCHLD as EINTR)
#   sshd HUP   kill -HUP of the listener: "Received SIGHUP; restarting." and
#              listening again (same pid, it execs itself) within 3 s, then
#              a login still works (the accept loop's ppoll() sees EINTR)
#   postgres   kill -TERM of the logical replication launcher: a new one
#              within 15 s (bgw_restart_time is 5 s; ServerLoop's select()
#              must return EINTR to recompute its timeout, else up to 60 s)
#   postgres   crash escalation: one backend stopped, another one killed;
#   crash      the postmaster must SIGKILL the stopped one within 15 s
#              (it does after 5 s, again a timeout recomputed on EINTR)
#   postgres   and then be ready again within 10 s: ServerLoop restarts the
#   recovery   checkpointer that the startup process waits for (checked
#              only if the escalation passed, to keep the run short)
#
# Only the daemon gets LD_PRELOAD (and what it starts inherits it); the
# clients (ssh, psql) run without.  Everything listens on 127.0.0.1 or a
# unix socket in a temporary directory, every call is bounded by timeout,
# and every process started is killed by pid when the script exits.
# Prints one line per scenario and side, e.g.
#   realdaemons: make without: 0.21 s, exit 0, output: a b c
# and the scenarios that differ.  Exit 0: same behaviour; 1: a difference
# (or a side outside its bounds); 99: the test could not be set up; 77:
# skipped (no daemon installed, or a sanitized build).  A daemon that is
# not installed is left out, and is a failure with TS_LONG_TESTS=1 (CI).
#
# REALDAEMONS_EXTRA_ENV="NAME=VALUE ..." adds variables to the "with" side
# only, e.g. REALDAEMONS_EXTRA_ENV=TCPSAFE_EINTR=strict, or
# TCPSAFE_LOG_LEVEL=debug to see what tcpsafe did (in the daemons' logs,
# printed when a scenario fails).
#
#   make check TESTS=tests/realdaemons.sh
# or from the build directory:  sh tests/realdaemons.sh
# Takes about 30 s when all pass (postgres waits for its 5 s timers), up
# to about 90 s when every "with" side runs into its bound.
set -u
me=realdaemons
builddir=${top_builddir:-$(pwd)}
case $builddir in
/*) ;;
*) builddir=$(cd "$builddir" && pwd) || exit 99 ;;
esac
lib=$builddir/src/.libs/libtcpsafe.so
long=0
[ "${TS_LONG_TESTS:-0}" = 1 ] && long=1
sshd=/usr/sbin/sshd     # absolute: sshd re-execs itself by this path
pgbin=/usr/lib/postgresql/15/bin

say() { echo "$me: $*"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }
t_start=$(now_ms)

[ -f "$lib" ] || { say "$lib not built"; exit 99; }
# A sanitized library would need ASan's runtime preloaded first into every
# daemon, whose own allocations it would then check: the plain build (CI
# runs both) compares the daemons.
if grep -q 'define TS_ASAN_RUNTIME' "$builddir/autoconfig.h" 2>/dev/null; then
	say "SKIP: sanitized build (the plain build runs these daemons)"
	exit 77
fi

# Variables for the "with" side only: NAME=VALUE words.
extra=${REALDAEMONS_EXTRA_ENV:-}
for w in $extra; do
	name=${w%%=*}
	case $w in
	*=*) ;;
	*) name= ;;
	esac
	case $name$w in
	'' | [!A-Za-z_]* | *[*?[]*) name= ;;
	esac
	case $name in
	*[!A-Za-z0-9_]*) name= ;;
	esac
	[ -n "$name" ] || { say "REALDAEMONS_EXTRA_ENV: '$w' is not NAME=VALUE"; exit 99; }
done
[ -n "$extra" ] && say "with side also gets: $extra"

# Nothing from the caller's environment may reach either side: no preload,
# no TCPSAFE_* setting, and no outer make's jobserver (make check sets
# MAKEFLAGS, and with -j hands its jobserver down).
unset LD_PRELOAD MAKEFLAGS MFLAGS GNUMAKEFLAGS MAKELEVEL MAKE_TERMOUT MAKE_TERMERR
for v in $(env | sed -n 's/^\(TCPSAFE_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$v"
done

# ---- which daemons are here ----------------------------------------------------
root=0
[ "$(id -u)" = 0 ] && root=1
left_out=
missing() {     # $1 = scenario, $2 = why
	if [ $long = 1 ]; then
		say "FAIL: $2 (TS_LONG_TESTS=1 needs it)"
		exit 1
	fi
	say "$1 left out: $2"
	left_out="$left_out $1"
}
have_make=0 have_ssh=0 have_pg=0
if command -v make >/dev/null 2>&1 && make --version 2>/dev/null | grep -q '^GNU Make'; then
	have_make=1
else
	missing make "GNU make not installed (apt-get install make)"
fi
if [ -x $sshd ] && command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; then
	have_ssh=1
else
	missing sshd "OpenSSH not installed (apt-get install openssh-server openssh-client)"
fi
if [ -x $pgbin/postgres ] && [ -x $pgbin/initdb ] && [ -x $pgbin/psql ]; then
	if [ $root = 0 ]; then
		have_pg=1
	elif id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
		have_pg=1
	else
		missing postgres "running as root, but no postgres user or no runuser to run PostgreSQL as"
	fi
else
	missing postgres "PostgreSQL 15 not installed in $pgbin (apt-get install postgresql)"
fi
if [ $have_make$have_ssh$have_pg = 000 ]; then
	say "SKIP: none of the daemons is installed (apt-get install make openssh-server openssh-client postgresql)"
	exit 77
fi

# ---- processes and clean-up -----------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/realdaemons.XXXXXX") || exit 99
chmod 755 "$tmp"        # the postgres user must reach its directory
cd "$tmp" || exit 99
started=        # pids of the background processes we started
postmasters=    # postmaster pids, stopped gracefully first

# "pid ppid state" of every process
ptable() {
	for f in /proc/[0-9]*/stat; do
		{ read -r st < "$f"; } 2>/dev/null || continue
		p=${f#/proc/}
		st=${st##*) }
		# shellcheck disable=SC2086
		set -- $st
		echo "${p%/stat} $2 $1"
	done
}
# pids below $1 (children, grandchildren...), not $1 itself
descendants() {
	ptable | awk -v root="$1" '
		{ par[$1] = $2 }
		END {
			for (p in par) {
				q = par[p]
				for (n = 0; q != "" && q > 1 && n < 64; n++) {
					if (q == root) { print p; break }
					q = par[q]
				}
			}
		}'
}
# direct children of $1 whose command line starts with $2
children_titled() {
	for c in $(ptable | awk -v pp="$1" '$2 == pp && $3 != "Z" { print $1 }'); do
		t=$(tr '\0' ' ' 2>/dev/null < "/proc/$c/cmdline") || continue
		case $t in "$2"*) echo "$c" ;; esac
	done
}
# true while $1 exists and is not a zombie
alive() {
	{ read -r st < "/proc/$1/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	case $st in Z* | X*) return 1 ;; esac
	return 0
}
# wait up to $2 ms for $1 to end
gone_within() {
	t_end=$(( $(now_ms) + $2 ))
	while alive "$1"; do
		[ "$(now_ms)" -ge "$t_end" ] && return 1
		sleep 0.05
	done
	return 0
}
# End $1 and everything below it: the polite signal $2 (TERM), up to $3 ms
# (3000) for $1 to go, then SIGKILL.  What is below is listed before the
# signal (a listener that exits leaves its sessions behind) and again
# with $1 stopped (so that it forks nothing more meanwhile).  Stopped
# processes are continued first, to see their signal.  Returns 1 if $1
# had to be killed.
stop_tree() {
	alive "$1" || return 0
	below=$(descendants "$1")
	for c in $below; do
		kill -CONT "$c" 2>/dev/null
	done
	kill -"${2:-TERM}" "$1" 2>/dev/null
	forced=0
	if ! gone_within "$1" "${3:-3000}"; then
		forced=1
		kill -STOP "$1" 2>/dev/null
		below="$below $(descendants "$1")"
		kill -KILL "$1" 2>/dev/null
	fi
	for c in $below; do
		alive "$c" && kill -KILL "$c" 2>/dev/null
	done
	return $forced
}
# fast shutdown of postmaster $1 (SIGINT), 3 s at most; a postmaster that
# had to be killed leaves its small SysV segment, which is removed here
stop_postmaster() {
	stop_tree "$1" INT 3000 && return 0
	sleep 0.2
	for id in $(awk -v pm="$1" '$5 == pm && $7 == 0 { print $2 }' /proc/sysvipc/shm 2>/dev/null); do
		ipcrm -m "$id" 2>/dev/null
	done
	return 1
}
cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	for p in $postmasters; do
		stop_postmaster "$p"
	done
	for p in $started; do
		stop_tree "$p" KILL
	done
	for p in $started; do
		wait "$p" 2>/dev/null
	done
	cd / && rm -rf "$tmp"
	exit $status
}
trap cleanup EXIT
trap 'say interrupted; exit 99' INT TERM HUP

failed=     # scenarios that differ (or fail their bounds)
errors=     # scenarios that could not be set up without the library
fail() { say "$1: FAIL: $2"; case " $failed " in *" $1 "*) ;; *) failed="$failed $1" ;; esac; }
# a side that cannot even start: an error without the library, a failure with it
setup_failed() {    # $1 = scenario, $2 = side, $3 = what
	if [ "$2" = without ]; then
		say "$1 without: ERROR: $3 (without the library: a problem of this machine)"
		errors="$errors $1"
	else
		fail "$1" "$3 with the library, not without"
	fi
}
# the last lines of a log, for a failing scenario
show() {    # $1 = title, $2 = file
	[ -s "$2" ] || return 0
	echo "---- $1 (last lines of $2)"
	tail -n 15 "$2"
	echo "----"
}
# the environment of a side's daemon: set `env_args` for `env $env_args ...`
side_env() {    # $1 = side, $2 = library path
	if [ "$1" = with ]; then
		env_args="LD_PRELOAD=$2 $extra"
	else
		env_args=
	fi
}
# library mapped in process $1 (1) or not (0)
has_lib() {
	if grep -q 'libtcpsafe\.so' "/proc/$1/maps" 2>/dev/null; then echo 1; else echo 0; fi
}
# check that the side's daemon $2 has the library mapped exactly when it should
check_preload() {   # $1 = scenario, $2 = pid, $3 = side, $4 = what
	m=$(has_lib "$2")
	if [ "$3" = with ] && [ "$m" = 0 ]; then
		fail "$1" "$4 (pid $2) runs without libtcpsafe.so mapped: LD_PRELOAD did not reach it"
		return 1
	fi
	if [ "$3" = without ] && [ "$m" = 1 ]; then
		fail "$1" "$4 (pid $2) has libtcpsafe.so mapped in the run without it"
		return 1
	fi
	return 0
}

# ---- GNU make: the jobserver's pselect() ----------------------------------------
printf 'all: a b c\na b c:\n\t@sleep 0.1; echo $@\n' > "$tmp/Makefile"
make_out_without='' make_out_with=''
make_side() {   # $1 = side
	side_env "$1" "$lib"
	t0=$(now_ms)
	# shellcheck disable=SC2086
	timeout 10 env $env_args make -s -j2 -f "$tmp/Makefile" \
		> "$tmp/make.$1.out" 2> "$tmp/make.$1.err"
	rc=$?
	ms=$(( $(now_ms) - t0 ))
	out=$(sort "$tmp/make.$1.out" | tr '\n' ' ')
	out=${out% }
	eval "make_out_$1=\$out"
	say "make $1: $(secs $ms) s, exit $rc, output: $out"
	if [ $rc != 0 ] || [ $ms -gt 5000 ]; then
		[ $rc = 124 ] && rc="124 (killed by timeout 10: it hung)"
		fail make "$1 the library: exit $rc after $(secs $ms) s (want exit 0 within 5 s)"
		show "make's stderr" "$tmp/make.$1.err"
	fi
}
if [ $have_make = 1 ]; then
	make_side without
	make_side with
	if [ "$make_out_without" != "a b c" ]; then
		fail make "output without the library: '$make_out_without', want 'a b c'"
	fi
	if [ "$make_out_without" != "$make_out_with" ]; then
		fail make "output differs: without '$make_out_without', with '$make_out_with'"
	fi
fi

# ---- OpenSSH sshd: server_loop2's ppoll() and the SIGHUP restart ----------------
pick_port() {
	while :; do
		n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		port=$((20000 + n % 10000))
		hex=$(printf '%04X' $port)
		grep -q ":$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null || return 0
	done
}
ssh_client() {      # $1 = timeout, $2 = remote command; sets rc and ms
	t0=$(now_ms)
	timeout "$1" ssh -F /dev/null -i "$tmp/ssh/client" -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
		-o ConnectTimeout=5 -p "$port" 127.0.0.1 "$2" \
		< /dev/null > "$d/ssh.out" 2>> "$d/ssh.err"
	rc=$?
	ms=$(( $(now_ms) - t0 ))
}
# start sshd for side $1 in $d; sets spid and port
start_sshd() {
	side_env "$1" "$lib"
	for _ in 1 2 3 4 5; do
		pick_port
		cat > "$d/sshd_config" <<-EOF
			Port $port
			ListenAddress 127.0.0.1
			AddressFamily inet
			HostKey $tmp/ssh/host
			PidFile $d/sshd.pid
			AuthorizedKeysFile $tmp/ssh/authorized_keys
			PermitRootLogin prohibit-password
			PubkeyAuthentication yes
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			StrictModes no
			UsePAM no
			UseDNS no
			PrintMotd no
			PrintLastLog no
			LogLevel INFO
		EOF
		: > "$d/sshd.log"
		# shellcheck disable=SC2086
		env $env_args $sshd -D -e -f "$d/sshd_config" -E "$d/sshd.log" \
			< /dev/null > "$d/sshd.err" 2>&1 &
		spid=$!
		started="$started $spid"
		t_end=$(( $(now_ms) + 10000 ))
		while [ "$(now_ms)" -lt "$t_end" ]; do
			grep -q 'Server listening on' "$d/sshd.log" && return 0
			alive "$spid" || break
			sleep 0.05
		done
		stop_tree "$spid"
		wait "$spid" 2>/dev/null
		grep -qi 'bind.*failed\|cannot bind\|address already in use' "$d/sshd.log" || return 1
	done
	return 1
}
ssh_side() {    # $1 = side
	d=$tmp/ssh-$1
	mkdir "$d" || exit 99
	if ! start_sshd "$1"; then
		setup_failed sshd "$1" "sshd did not start listening"
		show "sshd log" "$d/sshd.log"
		show "sshd stderr" "$d/sshd.err"
		return
	fi
	check_preload sshd "$spid" "$1" "sshd"

	# a login whose shell exits after 0.3 s with status 42
	ssh_client 20 'exec >/dev/null 2>&1; sleep 0.3; exit 42'
	say "sshd $1: $(secs $ms) s, exit $rc"
	if [ $rc != 42 ] || [ $ms -gt 5000 ]; then
		[ $rc = 124 ] && rc="124 (killed by timeout 20: the session hung)"
		fail sshd "$1 the library: exit $rc after $(secs $ms) s (want 42 within 5 s)"
		show "sshd log" "$d/sshd.log"
		show "sshd stderr" "$d/sshd.err"
		show "ssh's stderr" "$d/ssh.err"
	fi

	# SIGHUP: sshd execs itself at once and listens again, same pid
	n0=$(grep -c 'Server listening on' "$d/sshd.log")
	t0=$(now_ms)
	kill -HUP "$spid"
	restarted=0
	while :; do
		if grep -q 'Received SIGHUP; restarting' "$d/sshd.log" &&
			[ "$(grep -c 'Server listening on' "$d/sshd.log")" -gt "$n0" ]; then
			restarted=1
			break
		fi
		[ $(( $(now_ms) - t0 )) -ge 3000 ] && break
		sleep 0.05
	done
	ms=$(( $(now_ms) - t0 ))
	if [ $restarted = 0 ]; then
		say "sshd-hup $1: no restart within $(secs $ms) s"
		fail sshd-hup "$1 the library: kill -HUP did not restart sshd within 3 s"
		show "sshd log" "$d/sshd.log"
		show "sshd stderr" "$d/sshd.err"
	elif ! alive "$spid"; then
		say "sshd-hup $1: restarted after $(secs $ms) s, but pid $spid is gone"
		fail sshd-hup "$1 the library: sshd $spid gone after its restart"
	else
		say "sshd-hup $1: restarted after $(secs $ms) s (same pid $spid)"
		# the exec'd sshd must carry the library too, and still work
		check_preload sshd-hup "$spid" "$1" "the re-exec'd sshd"
		ssh_client 20 'exit 7'
		say "sshd-hup $1: login after the restart: $(secs $ms) s, exit $rc"
		if [ $rc != 7 ] || [ $ms -gt 5000 ]; then
			fail sshd-hup "$1 the library: login after the restart: exit $rc after $(secs $ms) s (want 7 within 5 s)"
			show "sshd log" "$d/sshd.log"
		fi
	fi
	stop_tree "$spid"
	wait "$spid" 2>/dev/null
}
if [ $have_ssh = 1 ]; then
	if [ $root = 1 ] && [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd    # privilege separation's chroot
	fi
	mkdir "$tmp/ssh" || exit 99
	if ssh-keygen -q -t ed25519 -N '' -C realdaemons-host -f "$tmp/ssh/host" &&
		ssh-keygen -q -t ed25519 -N '' -C realdaemons-client -f "$tmp/ssh/client" &&
		cp "$tmp/ssh/client.pub" "$tmp/ssh/authorized_keys"; then
		ssh_side without
		ssh_side with
	else
		say "sshd: ERROR: ssh-keygen failed"
		errors="$errors sshd"
	fi
fi

# ---- PostgreSQL 15: the postmaster's timers -----------------------------------
# the prefix that runs a command as the postgres user when we are root
as_pg=
[ $root = 1 ] && as_pg="runuser -u postgres --"
pgport=5432     # only a unix socket, in a directory of our own
LAUNCHER='postgres: logical replication launcher'
BACKEND='postgres: postgres postgres [local]'
pg_side() {     # $1 = side
	side=$1
	d=$tmp/pg-$side
	mkdir "$d" || exit 99
	[ $root = 1 ] && chown postgres "$d"
	# the postgres user must be able to read the library
	cp "$lib" "$d/libtcpsafe.so" && chmod 644 "$d/libtcpsafe.so"
	# shellcheck disable=SC2086
	if ! timeout 60 $as_pg "$pgbin/initdb" -D "$d/data" -A trust -U postgres -E UTF8 \
		--locale=C --no-sync --no-instructions > "$d/initdb.log" 2>&1; then
		say "postgres $side: ERROR: initdb failed (the postgres user must reach $tmp)"
		show "initdb output" "$d/initdb.log"
		errors="$errors postgres"
		return
	fi
	side_env "$side" "$d/libtcpsafe.so"
	# shellcheck disable=SC2086
	$as_pg env $env_args "$pgbin/postgres" -D "$d/data" -p $pgport -k "$d" \
		-c listen_addresses= -c fsync=off -c logging_collector=off \
		< /dev/null > "$d/postgres.log" 2>&1 &
	rpid=$!
	started="$started $rpid"
	pm=
	t_end=$(( $(now_ms) + 20000 ))
	while [ "$(now_ms)" -lt "$t_end" ]; do
		if [ -z "$pm" ] && [ -s "$d/data/postmaster.pid" ]; then
			read -r pm < "$d/data/postmaster.pid" && postmasters="$postmasters $pm"
		fi
		[ -n "$pm" ] && [ -n "$(children_titled "$pm" "$LAUNCHER")" ] && break
		alive "$rpid" || break
		sleep 0.05
	done
	launcher=
	[ -n "$pm" ] && launcher=$(children_titled "$pm" "$LAUNCHER")
	if [ -z "$launcher" ]; then
		setup_failed postgres "$side" "postgres did not start (no logical replication launcher)"
		show "postgres log" "$d/postgres.log"
		return
	fi
	check_preload postgres "$pm" "$side" "the postmaster"

	# the launcher, killed, is started again after bgw_restart_time (5 s)
	t0=$(now_ms)
	kill -TERM "$launcher"
	new=
	while :; do
		new=$(children_titled "$pm" "$LAUNCHER")
		[ -n "$new" ] && [ "$new" != "$launcher" ] && break
		new=
		[ $(( $(now_ms) - t0 )) -ge 15000 ] && break
		sleep 0.05
	done
	ms=$(( $(now_ms) - t0 ))
	if [ -n "$new" ]; then
		say "postgres-launcher $side: new launcher after $(secs $ms) s (pid $launcher -> $new)"
	else
		say "postgres-launcher $side: no new launcher within $(secs $ms) s"
		fail postgres-launcher "$side the library: the launcher was not restarted within 15 s (bgw_restart_time is 5 s)"
		show "postgres log" "$d/postgres.log"
	fi

	# crash escalation: a backend dies, one stopped backend must get SIGKILL
	# from the postmaster 5 s after its SIGQUIT
	for i in 1 2; do
		timeout 40 "$pgbin/psql" -X -q -h "$d" -p $pgport -U postgres -d postgres \
			-c 'SELECT pg_sleep(30)' < /dev/null > "$d/psql$i.out" 2>&1 &
		started="$started $!"
	done
	t_end=$(( $(now_ms) + 10000 ))
	while :; do
		# shellcheck disable=SC2046
		set -- $(children_titled "$pm" "$BACKEND")
		[ $# -ge 2 ] && break
		if [ "$(now_ms)" -ge "$t_end" ]; then
			setup_failed postgres-crash "$side" "two psql sessions did not get their backends"
			show "postgres log" "$d/postgres.log"
			show "psql" "$d/psql1.out"
			pg_stop
			return
		fi
		sleep 0.05
	done
	stuck=$1 victim=$2
	ready0=$(grep -c 'database system is ready to accept connections' "$d/postgres.log")
	kill -STOP "$stuck"
	t0=$(now_ms)
	kill -KILL "$victim"
	while :; do
		alive "$stuck" || break
		[ $(( $(now_ms) - t0 )) -ge 15000 ] && break
		sleep 0.05
	done
	ms=$(( $(now_ms) - t0 ))
	if alive "$stuck"; then
		say "postgres-crash $side: stopped backend $stuck still there after $(secs $ms) s"
		fail postgres-crash "$side the library: the postmaster did not SIGKILL the stopped backend within 15 s"
		show "postgres log" "$d/postgres.log"
		kill -KILL "$stuck" 2>/dev/null
		say "postgres-recovery $side: not checked (the crash escalation failed)"
	else
		say "postgres-crash $side: stopped backend $stuck killed after $(secs $ms) s"
		# then it reinitializes: the startup process's end-of-recovery
		# checkpoint waits for a checkpointer that ServerLoop starts
		t0=$(now_ms)
		while :; do
			[ "$(grep -c 'database system is ready to accept connections' "$d/postgres.log")" -gt "$ready0" ] && break
			[ $(( $(now_ms) - t0 )) -ge 10000 ] && break
			sleep 0.05
		done
		ms=$(( $(now_ms) - t0 ))
		if [ "$(grep -c 'database system is ready to accept connections' "$d/postgres.log")" -gt "$ready0" ]; then
			say "postgres-recovery $side: ready again after $(secs "$ms") s"
		else
			say "postgres-recovery $side: not ready again within $(secs "$ms") s"
			fail postgres-recovery "$side the library: not ready to accept connections within 10 s of the crash's end"
			show "postgres log" "$d/postgres.log"
		fi
	fi
	pg_stop
}
pg_stop() {     # fast shutdown of $pm, then whatever is left of $rpid
	if ! stop_postmaster "$pm"; then
		say "postgres $side: postmaster $pm did not shut down within 3 s of SIGINT: killed"
	fi
	stop_tree "$rpid"
	wait "$rpid" 2>/dev/null
}
if [ $have_pg = 1 ]; then
	pg_side without
	pg_side with
fi

# ---- verdict -------------------------------------------------------------------------
say "total $(secs $(( $(now_ms) - t_start ))) s"
[ -n "$left_out" ] && say "left out (not installed):$left_out"
if [ -n "$failed" ]; then
	say "FAIL:$failed"
	exit 1
fi
if [ -n "$errors" ]; then
	say "ERROR: could not run without the library:$errors"
	exit 99
fi
say "PASS: the same behaviour with and without the library"
exit 0
