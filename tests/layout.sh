#!/bin/sh
# libtcpsafe.so must add two mappings to a process, no more: every mapping
# costs each fork() and exit of the program about a microsecond (README,
# Performance), and a fork server pays it per connection.  So: one code
# and one data segment, no RELRO splitting the data, and no .bss spilling
# into an anonymous mapping of its own (big tables are TS_FILE_DATA).
set -u
lib=${top_builddir:-.}/src/.libs/libtcpsafe.so
[ -f "$lib" ] || { echo "layout.sh: $lib not built"; exit 1; }
command -v readelf >/dev/null 2>&1 || { echo "layout.sh: readelf not installed (binutils)"; exit 77; }
if readelf -d "$lib" | grep -q 'NEEDED.*lib[at]san'; then
	echo "layout.sh: sanitized build, its runtime lays data out itself: skipped"
	exit 77
fi
status=0
loads=$(readelf -lW "$lib" | grep -c ' LOAD ')
if [ "$loads" != 2 ]; then
	echo "layout.sh: $loads LOAD segments, want 2 (code, data)"
	status=1
fi
if readelf -lW "$lib" | grep -q GNU_RELRO; then
	echo "layout.sh: a GNU_RELRO segment splits the data mapping in two"
	status=1
fi
# The data segment's zero-filled tail must end in its last file page.
set -- $(readelf -lW "$lib" | awk '$1 == "LOAD" && index($0, "RW") { print $3, $5, $6; exit }')
if [ $# = 3 ]; then
	fe=$(( ($1 + $2 + 4095) / 4096 )) me=$(( ($1 + $3 + 4095) / 4096 ))
	if [ "$me" -gt "$fe" ]; then
		echo "layout.sh: .bss needs $((me - fe)) page(s) past the file: a mapping of its own"
		status=1
	fi
else
	echo "layout.sh: no RW LOAD segment found"
	status=1
fi
# And at run time: the mappings of the library file in a process.
n=$(LD_PRELOAD=$lib cat /proc/self/maps | grep -c 'libtcpsafe\.so')
if [ "$n" != 2 ]; then
	echo "layout.sh: $n mappings of libtcpsafe.so in a process, want 2"
	LD_PRELOAD=$lib cat /proc/self/maps | grep 'libtcpsafe\.so'
	status=1
fi
[ $status = 0 ] && echo "layout.sh: 2 LOAD segments, no RELRO, .bss within the data pages, 2 mappings"
exit $status
