#!/bin/sh
# tests/run stops a test that runs past KRENALIS_TEST_TIMEOUT, with the
# processes it started, fails it with the reason, and goes on with the
# next test; a ^C (SIGINT) stops the runner and the test under way.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/s"
# A test that hangs, with a process of its own in the background.
cat >"$T/s/t1-hang.sh" <<HANG
sleep 300 &
echo \$! >"$T/s/bg.pid"
echo started
sleep 300
HANG
echo 'exit 0' >"$T/s/t2-ok.sh"

# The runner in place of the subshell that calls this, as a terminal
# starts it: SIGINT not ignored, as it is in a background job of a shell
# without job control.
runner() {
	KRENALIS_TEST_TIMEOUT=$1 UNIT_DIR=/nonexistent TESTS="$2" \
	    exec env --default-signal=INT sh "$TOP/tests/run" >"$T/run.out" 2>&1
}

# Whether the hanging test's background process has gone.
bg_gone() {
	! kill -0 "$(cat "$T/s/bg.pid")" 2>/dev/null
}

start=$(date +%s)
(runner 2 "$T/s/t1-hang.sh $T/s/t2-ok.sh")
expect_eq "runner's exit status" 1 "$?"
secs=$(( $(date +%s) - start ))
[ "$secs" -lt 30 ] || fail "the runner took ${secs}s"
check "the reason" grep -qx 'FAIL t1-hang (timed out after 2s)' "$T/run.out"
check "the test's output" grep -qx '    started' "$T/run.out"
check "the next test" grep -q '^PASS t2-ok ' "$T/run.out"
check "the count" grep -qx '1 passed, 1 failed, 0 skipped' "$T/run.out"
wait_until 5 bg_gone || fail "the test's background process outlived it"

# ^C during a test: the runner stops it and exits 130.
rm -f "$T/s/bg.pid"
(runner 60 "$T/s/t1-hang.sh") &
rpid=$!
wait_until 10 test -s "$T/s/bg.pid" || fail "the test did not start"
kill -INT "$rpid"
wait "$rpid"
expect_eq "runner's exit status on SIGINT" 130 "$?"
wait_until 5 bg_gone || fail "the test's background process outlived the runner"
[ $failures -ne 0 ] && cat "$T/run.out"
: >"$T/daemon.log"	# no daemon here
finish
