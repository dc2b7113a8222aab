#!/bin/sh
# make install puts the programs and every manual page under DESTDIR.
. "$(dirname "$0")/lib.sh"
make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/usr >"$T/install.out" 2>&1 ||
    fail "make install: $(cat "$T/install.out")"
for f in usr/sbin/krenalisd usr/bin/krctl usr/bin/krtop; do
	[ -x "$T/root/$f" ] || fail "$f not installed"
done
for m in man8/krenalisd.8 man5/krenalisd.conf.5 man8/krctl.8 man1/krtop.1 \
    man7/krenalis-filters.7; do
	[ -f "$T/root/usr/share/man/$m" ] || fail "$m not installed"
done
"$T/root/usr/sbin/krenalisd" -n -f /dev/null 2>"$T/err"
expect_eq "installed daemon runs" "configuration OK" "$(cat "$T/err")"
finish
