#!/bin/sh
# The instructions per event of decoding alone and of decoding with the
# filters of 10 pipelines of 5 conditions (filters.c), counted by
# valgrind's cachegrind: a run of one round and a run of N more, whose
# difference is N rounds of 500 events without the start-up.  Counts are
# the same on a busy machine, where times are not.
set -e
cd "$(dirname "$0")"
N=${N:-4}

count() {
	valgrind --tool=cachegrind --cache-sim=no \
	    --cachegrind-out-file=/dev/null obj/filters "$@" 2>&1 |
	    sed -n 's/.*I *refs: *//p' | tr -d ,
}

dec1=$(count -r 1)
decn=$(count -r $((N + 1)))
fil1=$(count -f -r 1)
filn=$(count -f -r $((N + 1)))
dec=$(( (decn - dec1) / (N * 500) ))
fil=$(( (filn - fil1) / (N * 500) ))
echo "decode:           $dec instructions/event"
echo "decode + filters: $fil instructions/event"
echo "filters:          $((fil - dec)) instructions/event," \
    "$(( (fil - dec) * 100 / dec ))% of decoding"
