#!/usr/bin/env bash
# hunt_rules.sh - the cost of the SigmaHQ Windows rules over parsing alone:
# `tansa hunt` with an empty rule set (parse + normalise every record) and
# with every SigmaHQ rule whose log source is `product: windows` (2,872 of
# the 3,780 in the active `rules*` trees; the others can never see an EVTX
# record), on the 256 MiB real-chunk EVTX, for 1 and 2 threads. INSTR=1
# adds the same pair under callgrind, 1 thread: instruction counts are
# exact where wall and CPU time on a shared machine are not (~5 min).
# Also hunt's scale run (--scale, with all 3,780 rules): links to 1, 4 and 8
# copies of the 256 MiB file (256 MiB, 1 GiB, 2 GiB; 2 GiB of disk in
# $DIR/copies: hunt reads a file reached twice once), 1 and 2 threads each, with
# records/s, wall and CPU time, the scan alone (hunt's own "read ... in N s",
# without rule loading), the speed-up from 1 to 2 threads (goal >= 1.8x at
# 2 GiB), peak RSS side by side per size (goal <= 256 MiB, flat) and the
# serial part, wall minus scan (rule loading; the timeline's merge). The
# copies hit the page cache alike; that is fine, the reading is the same.
#
#   bench/hunt_rules.sh [--scale]        SCALE_ONLY=1 skips the rule-cost part
#   REPS=5 bench/hunt_rules.sh           the least of 5 runs of each (default 3);
#                                        also the median of the paired ratios
#                                        (each rules run over the parse-only
#                                        run just before it) and the scan
#                                        phase alone, without rule loading
#   INSTR=1 bench/hunt_rules.sh          also counts instructions (valgrind), and
#                                        the scan's alone on a file of unique chunks
set -eu
cd "$(dirname "$0")/.."
TANSA=${TANSA:-build/tansa}
CORPUS=${CORPUS:-../shared/corpus}
DIR=${BENCH_DIR:-/tmp/tansa-bench}
mkdir -p "$DIR" "$DIR/empty-rules"
[ -x "$TANSA" ] || make -s build/tansa
F="$DIR/real-256.evtx"
[ -s "$F" ] || /usr/bin/python3 ../shared/tools/make-bench-evtx.py --size-mb 256 --out "$F" "$CORPUS" >&2
RULES=("$CORPUS"/sigma/rules "$CORPUS"/sigma/rules-emerging-threats "$CORPUS"/sigma/rules-threat-hunting "$CORPUS"/sigma/rules-placeholder "$CORPUS"/sigma/rules-compliance "$CORPUS"/sigma/rules-dfir)
args=()
for r in "${RULES[@]}"; do [ -d "$r" ] && args+=(--rules "$r"); done

run() { # prints "wall cpu rss scan" of a command (scan: hunt's own time, or 0)
    local out err t0 t1 scan
    out=$(mktemp)
    err=$(mktemp)
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$out" "$@" >/dev/null 2>"$err" || true
    t1=$(date +%s.%N)
    read -r rss u s < <(tail -n 1 "$out")
    scan=$(sed -n 's/.* MB in \([0-9.]*\) s .*/\1/p' "$err" | tail -n 1)
    cat "$err" >>"$DIR/hunt-bench.err"
    rm -f "$out" "$err"
    echo "$(echo "$t1 - $t0" | bc -l) $(echo "$u + $s" | bc -l) $rss ${scan:-0}"
}
# the Windows rules: a link to each rule file that names product windows,
# named by a hash of its real path (a fixed order: the same run each time)
WIN="$DIR/windows-rules"
if [ ! -d "$WIN" ]; then
    mkdir -p "$WIN.tmp"
    for r in "${RULES[@]}"; do
        [ -d "$r" ] || continue
        grep -rl --include='*.yml' 'product: windows' "$r" | while read -r f; do
            p=$(realpath "$f")
            ln -sf "$p" "$WIN.tmp/$(echo "$p" | md5sum | cut -c1-12)-$(basename "$f")"
        done
    done
    mv "$WIN.tmp" "$WIN"
fi
records=$("$TANSA" dump -q -f event "$F" | wc -l)
loaded=$("$TANSA" hunt -q --rules "$WIN" -f jsonl --summary "$DIR/empty-rules" 2>&1 | grep -o '[0-9]* loaded' | head -1 || true)
echo "input: $F ($records records); Windows rules: ${loaded:-?} ($(ls "$WIN" | wc -l) files)"
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0) ? a : b }'; }
REPS=${REPS:-3}
echo "wall and CPU time: the least of $REPS runs of each, parse-only and rules runs alternating (REPS=N to change)"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for t in 1 2; do
    [ -n "${SCALE_ONLY:-}" ] && break
    pw=999999 pc=999999 ps=999999 hw=999999 hc=999999 hs=999999 hr=0 ratios=""
    for _ in $(seq 1 "$REPS"); do
        read -r w c _ s < <(run "$TANSA" hunt -q -t "$t" --rules "$DIR/empty-rules" -f jsonl "$F")
        pw=$(min "$w" "$pw") pc=$(min "$c" "$pc") ps=$(min "$s" "$ps") w0=$w
        read -r w c hr s < <(run "$TANSA" hunt -q -t "$t" --rules "$WIN" -f jsonl "$F")
        hw=$(min "$w" "$hw") hc=$(min "$c" "$hc") hs=$(min "$s" "$hs")
        ratios="$ratios $(echo "$w / $w0" | bc -l)"
    done
    mr=$(echo "$ratios" | tr ' ' '\n' | grep . | median)
    printf '%d thread(s): parse only %8.0f rec/s (wall %.2f s, CPU %.2f s); all rules %8.0f rec/s (wall %.2f s, CPU %.2f s, RSS %d KiB)\n' \
        "$t" "$(echo "$records / $pw" | bc -l)" "$pw" "$pc" "$(echo "$records / $hw" | bc -l)" "$hw" "$hc" "$hr"
    printf '           rules cost over parsing: +%.0f%% wall, +%.0f%% CPU; median of the %d paired runs +%.0f%%\n' \
        "$(echo "($hw / $pw - 1) * 100" | bc -l)" "$(echo "($hc / $pc - 1) * 100" | bc -l)" "$REPS" \
        "$(echo "($mr - 1) * 100" | bc -l)"
    printf '           the scan alone (hunt'"'"'s own time, without loading the rules): %.2f s against %.2f s, +%.0f%%\n' \
        "$hs" "$ps" "$(echo "($hs / $ps - 1) * 100" | bc -l)"
done
instr() { # instructions of a command under callgrind
    local o
    o=$(mktemp)
    local opt=()
    [ "${1#--}" != "$1" ] && { opt=("$1"); shift; }   # one valgrind option may come first
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "${opt[@]}" "$@" >/dev/null 2>"$o" || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$o" | tail -n 1
    rm -f "$o"
}
if [ -n "${INSTR:-}" ] && [ -z "${SCALE_ONLY:-}" ]; then
    # once first: a build new to valgrind compiles the literal databases
    # for valgrind's CPU model and caches them; the counted runs reuse them
    instr "$TANSA" hunt -q -t 1 --rules "$WIN" -f jsonl "$DIR/empty-rules" >/dev/null
    pi=$(instr "$TANSA" hunt -q -t 1 --rules "$DIR/empty-rules" -f jsonl "$F")
    hi=$(instr "$TANSA" hunt -q -t 1 --rules "$WIN" -f jsonl "$F")
    # the rules' own instructions too: the ratio also moves when parsing
    # gets faster or slower, this does not
    printf 'instructions, 1 thread: parse only %.3f G; all Windows rules %.3f G; rules cost over parsing: +%.1f%% (the rules'"'"' own %.3f G)\n' \
        "$(echo "$pi / 10^9" | bc -l)" "$(echo "$hi / 10^9" | bc -l)" "$(echo "($hi / $pi - 1) * 100" | bc -l)" \
        "$(echo "($hi - $pi) / 10^9" | bc -l)"
    # The 256 MiB file repeats each of the corpus's ~200 usable chunks ~20
    # times, and the scan cache and value memo (match/scancache.c, vmemo.c)
    # gain from repeats. The same count, the scan alone (no rule loading),
    # on a file holding each chunk at most once, shows what they do not.
    U="$DIR/unique-12.evtx"
    [ -s "$U" ] || /usr/bin/python3 ../shared/tools/make-bench-evtx.py --size-mb 12 --out "$U" "$CORPUS" >&2
    sinstr() { instr --toggle-collect=tn_inputs_scan "$@"; }
    pu=$(sinstr "$TANSA" hunt -q -t 1 --rules "$DIR/empty-rules" -f jsonl "$U")
    hu=$(sinstr "$TANSA" hunt -q -t 1 --rules "$WIN" -f jsonl "$U")
    printf 'instructions, the scan alone, on %s (12 MiB, each real chunk at most once): parse only %.1f M; all Windows rules %.1f M: +%.1f%%\n' \
        "$(basename "$U")" "$(echo "$pu / 10^6" | bc -l)" "$(echo "$hu / 10^6" | bc -l)" "$(echo "($hu / $pu - 1) * 100" | bc -l)"
fi
if [ "${1:-}" = "--scale" ]; then
    echo "scale: all rules, the 256 MiB file linked 1, 4 and 8 times; wall and CPU in s, RSS in MiB"
    printf '  %-8s %8s | %-36s | %-36s | %s\n' size records "1 thread: wall (scan) CPU rec/s RSS" \
        "2 threads: wall (scan) CPU rec/s RSS" "speed-up wall (scan)"
    rss1="" rss2="" ser1="" ser2=""
    for n in 1 4 8; do
        mkdir -p "$DIR/scale-$n"
        # links to copies: hunt reads a file reached twice once (session 25),
        # so links to the one file would be one input
        mkdir -p "$DIR/copies"
        for i in $(seq 1 "$n"); do
            c="$DIR/copies/part$i.evtx"
            [ -s "$c" ] || cp "$F" "$c"
            ln -sf "$c" "$DIR/scale-$n/part$i.evtx"
        done
        read -r w1 c1 r1 s1 < <(run "$TANSA" hunt -q -t 1 "${args[@]}" -f jsonl "$DIR/scale-$n")
        read -r w2 c2 r2 s2 < <(run "$TANSA" hunt -q -t 2 "${args[@]}" -f jsonl "$DIR/scale-$n")
        size=$((n * 256))
        label="${size} MiB"; [ "$n" -ge 4 ] && label="$((size / 1024)) GiB"
        nrec=$((n * records))
        printf '  %-8s %8d | %5.2f (%5.2f) %6.2f %7.0f %4d MiB | %5.2f (%5.2f) %6.2f %7.0f %4d MiB | %.2fx (%.2fx)\n' \
            "$label" "$nrec" "$w1" "$s1" "$c1" "$(echo "$nrec / $w1" | bc -l)" $((r1 / 1024)) \
            "$w2" "$s2" "$c2" "$(echo "$nrec / $w2" | bc -l)" $((r2 / 1024)) \
            "$(echo "$w1 / $w2" | bc -l)" "$(echo "$s1 / $s2" | bc -l)"
        rss1="$rss1 $((r1 / 1024))" rss2="$rss2 $((r2 / 1024))"
        ser1="$ser1 $(printf '%.2f' "$(echo "$w1 - $s1" | bc -l)")"
        ser2="$ser2 $(printf '%.2f' "$(echo "$w2 - $s2" | bc -l)")"
    done
    echo "  peak RSS at 256 MiB / 1 GiB / 2 GiB: 1 thread$rss1 MiB; 2 threads$rss2 MiB (goal: <= 256, flat)"
    echo "  serial, wall - scan (rule loading, then merging and writing the timeline) at 256 MiB / 1 GiB /"
    echo "  2 GiB: 1 thread$ser1 s; 2 threads$ser2 s"
    echo "  speed-up goal: >= 1.8x at 2 GiB. On a shared machine, compare CPU with wall: wall above"
    echo "  CPU / threads means the threads waited for a core."
fi
