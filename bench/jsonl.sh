#!/usr/bin/env bash
# jsonl.sh - JSON reader speed: the largest OTRF file concatenated COPIES
# times (default 100, about 200 MB) into /tmp, read RUNS times (default 3).
set -eu
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/corpus}
COPIES=${COPIES:-100} RUNS=${RUNS:-3}
make -s build/tansa # builds the release objects under build/rel
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -o build/jsonl_bench bench/jsonl_bench.c \
    $(find build/rel/src -name '*.o' ! -path '*/cli/*') \
    $(pkg-config --libs yaml-0.1 libpcre2-8 libhs jansson 2>/dev/null) -lpthread -lm
src=$(find "$CORPUS/otrf-security-datasets-subset" -name '*.json' -printf '%s %p\n' |
      sort -n | tail -n 1 | cut -d' ' -f2-)
big=$(mktemp /tmp/tansa-jsonl-bench.XXXXXX)
trap 'rm -f "$big"' EXIT
for _ in $(seq "$COPIES"); do cat "$src" >>"$big"; done
echo "input: $COPIES x $(basename "$src")"
for _ in $(seq "$RUNS"); do build/jsonl_bench "$big"; done
