#!/usr/bin/env bash
# evtx_dump.sh - EVTX parsing throughput: tansa dump against libevtx's
# evtxexport in the same run, on a 256 MiB file built from the corpus's
# real chunks; then peak RSS at 256 MiB and 1 GiB side by side.
#
#   bench/evtx_dump.sh            (BENCH_DIR=/tmp/tansa-bench by default)
#
# Prints records/s for each reader and the ratio. The machines are shared
# and noisy: compare ratios, not absolute figures.
set -eu
cd "$(dirname "$0")/.."
TANSA=${TANSA:-build/tansa}
CORPUS=${CORPUS:-../shared/corpus}
DIR=${BENCH_DIR:-/tmp/tansa-bench}
mkdir -p "$DIR"
[ -x "$TANSA" ] || make -s build/tansa
for mb in 256 1024; do
    f="$DIR/real-$mb.evtx"
    [ -s "$f" ] || /usr/bin/python3 ../shared/tools/make-bench-evtx.py --size-mb "$mb" --out "$f" "$CORPUS" >&2
done
F256="$DIR/real-256.evtx"
F1G="$DIR/real-1024.evtx"

# run LABEL CMD...: wall seconds, CPU seconds (user+sys) and peak RSS (KiB)
# into $secs, $cpu, $rss. CPU time is the steadier figure on a shared machine.
run() {
    local t0 t1 out
    out=$(mktemp)
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$out" "${@:2}" >/dev/null 2>"$out.err" || true
    t1=$(date +%s.%N)
    secs=$(echo "$t1 - $t0" | bc -l)
    read -r rss u s < <(tail -n 1 "$out")
    cpu=$(echo "$u + $s" | bc -l)
    rm -f "$out" "$out.err"
}

records=$("$TANSA" dump -q "$F256" | wc -l)
echo "input: $F256, $(($(stat -c %s "$F256") / 1048576)) MiB, $records records"

run tansa1 "$TANSA" dump -q "$F256"; t1=$secs; c1=$cpu; r1=$rss
run tansa2 "$TANSA" dump -q --threads 2 "$F256"; t2=$secs; c2=$cpu; r2=$rss
run tansaxml "$TANSA" dump -q --format xml "$F256"; tx=$secs; cx=$cpu; rx=$rss
run evtxexport evtxexport -f xml "$F256"; te=$secs; ce=$cpu; re=$rss

rate() { echo "$records / $1" | bc; }
printf '%-32s %9s rec/s wall %8.2f s | %9s rec/s CPU %8.2f s | peak RSS %7d KiB\n' \
    "tansa dump (jsonl, 1 thread)" "$(rate "$t1")" "$t1" "$(rate "$c1")" "$c1" "$r1" \
    "tansa dump (jsonl, 2 threads)" "$(rate "$t2")" "$t2" "$(rate "$c2")" "$c2" "$r2" \
    "tansa dump (xml, 1 thread)" "$(rate "$tx")" "$tx" "$(rate "$cx")" "$cx" "$rx" \
    "evtxexport -f xml" "$(rate "$te")" "$te" "$(rate "$ce")" "$ce" "$re"
printf 'ratio tansa/evtxexport, wall: %.1fx (1 thread), %.1fx (2 threads); CPU time: %.1fx\n' \
    "$(echo "$te / $t1" | bc -l)" "$(echo "$te / $t2" | bc -l)" "$(echo "$ce / $c1" | bc -l)"
printf '2 threads over 1 thread (wall): %.2fx\n' "$(echo "$t1 / $t2" | bc -l)"

run big "$TANSA" dump -q "$F1G"; tb=$secs; rb=$rss
run big2 "$TANSA" dump -q --threads 2 "$F1G"; rb2=$rss
printf 'peak RSS, 1 thread: 256 MiB input %d KiB, 1 GiB input %d KiB (%.1f s); 2 threads on 1 GiB: %d KiB\n' \
    "$r1" "$rb" "$tb" "$rb2"
