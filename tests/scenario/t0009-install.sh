#!/bin/sh
# make install lays out the programs, every manual page, the sample
# krenalisd.conf and the systemd unit under DESTDIR, and keeps an existing
# krenalisd.conf.  The sample has every setting of krenalisd.conf(5),
# commented out; the unit passes systemd-analyze verify (or, without it, a
# check of its syntax), and a daemon running as another user, as the unit
# runs it, still lets root's krctl in.
. "$(dirname "$0")/lib.sh"
install_to() {
	make -s -C "$TOP" install "$@" >"$T/install.out" 2>&1 ||
	    fail "make install $*: $(cat "$T/install.out")"
}
R=$T/root
install_to DESTDIR="$R" PREFIX=/usr
for f in usr/sbin/krenalisd usr/sbin/krctl usr/bin/krtop; do
	[ -x "$R/$f" ] || fail "$f not installed"
done
for m in man8/krenalisd.8 man5/krenalisd.conf.5 man8/krctl.8 man1/krtop.1 \
    man7/krenalis-filters.7; do
	[ -f "$R/usr/share/man/$m" ] || fail "$m not installed"
done
for f in usr/share/doc/krenalis/krenalisd.conf etc/krenalisd.conf; do
	cmp -s "$TOP/etc/krenalisd.conf" "$R/$f" || fail "$f not installed"
done
UNIT=$R/usr/lib/systemd/system/krenalisd.service
expect_eq "unit's daemon" "ExecStart=/usr/sbin/krenalisd -d" \
    "$(grep '^ExecStart=' "$UNIT" 2>&1)"
# (-n checks that the data directory could be made: one under $T.)
"$R/usr/sbin/krenalisd" -n -f "$R/etc/krenalisd.conf" -D "$T/dd" 2>"$T/err"
expect_eq "installed daemon runs" "configuration OK" "$(cat "$T/err")"

# Installed again, the sample does not replace an operator's file.
echo "listen = 127.0.0.1:2999" >>"$R/etc/krenalisd.conf"
install_to DESTDIR="$R" PREFIX=/usr
expect_eq "krenalisd.conf kept" "listen = 127.0.0.1:2999" \
    "$(tail -n 1 "$R/etc/krenalisd.conf")"

# The sample names every setting of the manual once, with a value the
# daemon accepts: uncommented, the file is valid.
SAMPLE=$TOP/etc/krenalisd.conf
for key in $(sed -n 's/^\.It Ic \([a-z_]*\).*/\1/p' "$TOP/man/krenalisd.conf.5"); do
	expect_eq "$key in the sample" 1 "$(grep -c "^#$key = " "$SAMPLE")"
done
expect_eq "nothing set" "" "$(grep -v '^#' "$SAMPLE" | grep .)"
sed 's/^#\([a-z_]* = \)/\1/' "$SAMPLE" |
    sed "s|^data_dir = /var/lib/krenalis|data_dir = $T/dd|;
    s|^socket = /var/lib/krenalis/|socket = $T/dd/|" >"$T/all.conf"
"$KRENALISD" -n -f "$T/all.conf" 2>"$T/err"
expect_eq "every setting uncommented" "configuration OK" "$(cat "$T/err")"

# The unit, installed where its ExecStart exists.
S=$T/sys
install_to PREFIX="$S/usr" SYSCONFDIR="$S/etc"
SUNIT=$S/usr/lib/systemd/system/krenalisd.service
if command -v systemd-analyze >/dev/null 2>&1; then
	# It exits 0 on unknown keys and bad values: its output says.
	systemd-analyze verify --man=no "$SUNIT" >"$T/verify" 2>&1 ||
	    fail "systemd-analyze verify failed"
	expect_eq "systemd-analyze verify" "" "$(cat "$T/verify")"
else
	echo "systemd-analyze is not installed: checking the unit's syntax only"
	awk '/^(#|$)/ { next }
	    /^\[(Unit|Service|Install)\]$/ { next }
	    /^[A-Z][A-Za-z]*=./ { next }
	    { print FILENAME ":" NR ": " $0; bad = 1 }
	    END { exit bad }' "$SUNIT" >"$T/verify" ||
	    fail "unit syntax: $(cat "$T/verify")"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$SUNIT")
	[ -x "$exe" ] || fail "ExecStart $exe is not executable"
fi
for man in $(sed -n 's/^Documentation=//p' "$SUNIT"); do
	page=${man#man:}
	sect=${page#*(}
	sect=${sect%)}
	[ -f "$S/usr/share/man/man$sect/${page%(*}.$sect" ] ||
	    fail "unit documentation $man not installed"
done

# The unit runs the daemon as a user of its own, in a data directory that
# only it may enter, below one that only root may: root's krctl gets in.
if [ "$(id -u)" -eq 0 ]; then
	chmod 711 "$T"
	mkdir -m 700 "$DATA"
	chown 65534:65534 "$DATA"
	KRENALIS_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups" \
	    start_daemon -f /dev/null
	check "root's krctl" kr -j status
	expect_eq "daemon's user" 65534 "$(stat -c %u "$SOCK")"
	stop_daemon
	expect_eq "exit status" 0 $?
else
	echo "not root: the daemon was not run as another user"
fi
finish
