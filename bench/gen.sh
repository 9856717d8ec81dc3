#!/usr/bin/env bash
# gen.sh - speed (MB/s of EVTX written) and peak RSS of `tansa gen` at scales 1 and 10.
#
#   bench/gen.sh [SCALE...]      (default: 1 10; 30 days, seed 1, EVTX only)
#
# Output goes to $BENCH_TMP (default: a temporary folder, removed after).
set -eu
cd "$(dirname "$0")/.."
TANSA=${TANSA_REL:-build/tansa}
[ -x "$TANSA" ] || make -s build/tansa
tmp=${BENCH_TMP:-$(mktemp -d)}
mkdir -p "$tmp"
keep=${BENCH_TMP:+1}
scales=${*:-1 10}
printf "%-6s %10s %8s %10s %9s %10s %9s\n" scale events hosts MB seconds MB/s "RSS MiB"
for s in $scales; do
    out=$tmp/scale$s
    rm -rf "$out"
    /usr/bin/time -v "$TANSA" gen --seed 1 --scale "$s" --out "$out" --quiet 2>"$tmp/time$s"
    bytes=$(du -sb "$out/logs" | cut -f1)
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time$s")
    secs=$(awk -F: '{ t = 0; for (i = 1; i <= NF; i++) t = t * 60 + $i; print t }' <<<"$wall")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time$s")
    events=$(sed -n 's/.*"events": \([0-9]*\).*/\1/p' "$out/truth.json")
    hosts=$(($(wc -l <"$out/assets.csv") - 1))
    awk -v s="$s" -v e="$events" -v h="$hosts" -v b="$bytes" -v t="$secs" -v r="$rss" \
        'BEGIN { printf "%-6s %10d %8d %10.1f %9.2f %10.1f %9.1f\n", s, e, h, b / 1e6, t, (t > 0 ? b / 1e6 / t : 0), r / 1024 }'
    rm -rf "$out"
done
[ -n "$keep" ] || rm -rf "$tmp"
