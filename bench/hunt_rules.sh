#!/usr/bin/env bash
# hunt_rules.sh - the cost of the whole SigmaHQ rule set over parsing alone:
# `tansa hunt` with an empty rule set (parse + normalise every record) and
# with every active SigmaHQ rule tree, on the 256 MiB real-chunk EVTX, for
# 1 and 2 threads. Also hunt's scale run: 8 x 256 MiB files (2 GiB).
#
#   bench/hunt_rules.sh [--scale]
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

run() { # prints "wall cpu rss" of a command
    local out t0 t1
    out=$(mktemp)
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$out" "$@" >/dev/null 2>>"$DIR/hunt-bench.err" || true
    t1=$(date +%s.%N)
    read -r rss u s < <(tail -n 1 "$out")
    rm -f "$out"
    echo "$(echo "$t1 - $t0" | bc -l) $(echo "$u + $s" | bc -l) $rss"
}
records=$("$TANSA" dump -q -f event "$F" | wc -l)
loaded=$("$TANSA" hunt -q "${args[@]}" -f jsonl --summary "$DIR/empty-rules" 2>/dev/null | grep -o '[0-9]* loaded' | head -1 || true)
echo "input: $F ($records records); rule set: ${loaded:-?}"
for t in 1 2; do
    read -r pw pc pr < <(run "$TANSA" hunt -q -t "$t" --rules "$DIR/empty-rules" -f jsonl "$F")
    read -r hw hc hr < <(run "$TANSA" hunt -q -t "$t" "${args[@]}" -f jsonl "$F")
    printf '%d thread(s): parse only %8.0f rec/s (wall %.2f s, CPU %.2f s); all rules %8.0f rec/s (wall %.2f s, CPU %.2f s, RSS %d KiB)\n' \
        "$t" "$(echo "$records / $pw" | bc -l)" "$pw" "$pc" "$(echo "$records / $hw" | bc -l)" "$hw" "$hc" "$hr"
    printf '           rules cost over parsing: +%.0f%% wall, +%.0f%% CPU\n' \
        "$(echo "($hw / $pw - 1) * 100" | bc -l)" "$(echo "($hc / $pc - 1) * 100" | bc -l)"
done
if [ "${1:-}" = "--scale" ]; then
    mkdir -p "$DIR/scale"
    for i in 1 2 3 4 5 6 7 8; do ln -sf "$F" "$DIR/scale/part$i.evtx"; done
    read -r w1 c1 r1 < <(run "$TANSA" hunt -q -t 1 "${args[@]}" -f jsonl "$DIR/scale")
    read -r w2 c2 r2 < <(run "$TANSA" hunt -q -t 2 "${args[@]}" -f jsonl "$DIR/scale")
    printf '2 GiB (8 x 256 MiB): 1 thread %.0f rec/s (RSS %d KiB); 2 threads %.0f rec/s (RSS %d KiB); speed-up %.2fx\n' \
        "$(echo "8 * $records / $w1" | bc -l)" "$r1" "$(echo "8 * $records / $w2" | bc -l)" "$r2" "$(echo "$w1 / $w2" | bc -l)"
fi
