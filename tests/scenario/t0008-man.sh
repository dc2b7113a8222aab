#!/bin/sh
# The manual pages: the four pages exist, and every man/*.[1-8], the
# filter language's krenalis-filters.7 included, is clean under groff
# -mdoc -ww and, when mandoc is installed, under mandoc -Tlint (nothing
# above style level); the SYNOPSIS of krenalisd.8 and krctl.8 is the
# usage line the program prints, and krctl.8 has an entry for every
# command of the usage.
# Needs no daemon.
. "$(dirname "$0")/lib.sh"
MAN=$TOP/man
MANDOC=${MANDOC:-mandoc}
: >"$T/daemon.log"	# finish() shows it on failure; no daemon here

# render PAGE: the page as plain text, lines not filled to a width, so
# that nothing is wrapped or hyphenated.
render() {
	groff -mdoc -rLL=1000n -Tascii -P-c -P-b -P-u "$1" 2>/dev/null
}

# synopsis PAGE: the text of the SYNOPSIS section on one line.
synopsis() {
	render "$1" | awk '
		/^SYNOPSIS$/ { on = 1; next }
		on && /^[^ \t]/ { exit }
		on { print }' | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# usage_line PROGRAM: the usage its -h prints without "usage: ", its
# lines (the first, and those indented under it) joined by blanks.
usage_line() {
	"$1" -h 2>/dev/null | awk '
		/^usage: / { sub(/^usage: /, ""); print; on = 1; next }
		on && /^       [^ ]/ { print; next }
		{ on = 0 }' | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

if ! command -v groff >/dev/null 2>&1; then
	fail "groff is not installed"
	finish
fi
for p in krenalisd.8 krenalisd.conf.5 krctl.8 krenalis-filters.7; do
	[ -f "$MAN/$p" ] || fail "man/$p is missing"
done

have_mandoc=0
if command -v "$MANDOC" >/dev/null 2>&1; then
	have_mandoc=1
else
	echo "mandoc is not installed: skipping mandoc -Tlint"
fi

for page in "$MAN"/*.[1-8]; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	groff -mdoc -ww -z "$page" >"$T/lint" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$T/lint" ]; then
		fail "groff -mdoc -ww -z $name (exit $rc):" \
		    "$(head -n 5 "$T/lint")"
	fi
	if [ $have_mandoc -eq 1 ]; then
		"$MANDOC" -Tlint -W warning "$page" >"$T/lint" 2>&1
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$T/lint" ]; then
			fail "mandoc -Tlint $name (exit $rc):" \
			    "$(head -n 5 "$T/lint")"
		fi
	fi
	# The sections every page has (STYLE.md 17).
	render "$page" >"$T/page"
	for sh in NAME DESCRIPTION "SEE ALSO"; do
		grep -qx "$sh" "$T/page" || fail "$name has no $sh section"
	done
done

# SYNOPSIS = usage().
expect_eq "krenalisd.8 SYNOPSIS is krenalisd's usage" \
    "$(usage_line "$KRENALISD")" "$(synopsis "$MAN/krenalisd.8")"
expect_eq "krctl.8 SYNOPSIS is krctl's usage" \
    "$(usage_line "$KRCTL")" "$(synopsis "$MAN/krctl.8")"
case $(usage_line "$KRCTL") in
krctl*) ;;
*) fail "krctl prints no usage line" ;;
esac

# Every command that krctl's usage lists is an entry of krctl.8, with the
# same arguments: the entry's line is the command, alone or followed by
# its text after two blanks.
"$KRCTL" -h 2>/dev/null | sed -n 's/^	//p' | tr -s ' ' ' ' >"$T/cmds"
[ -s "$T/cmds" ] || fail "krctl's usage lists no commands"
render "$MAN/krctl.8" | sed 's/^ *//' >"$T/krctl.txt"
while IFS= read -r cmd; do
	awk -v c="$cmd" '$0 == c || index($0, c "  ") == 1 { found = 1 }
	    END { exit !found }' "$T/krctl.txt" ||
	    fail "krctl.8 has no entry \"$cmd\""
done <"$T/cmds"
finish
