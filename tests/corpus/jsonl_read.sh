#!/usr/bin/env bash
# jsonl_read.sh - the JSON reader over the shared corpus (sigma regression
# .json, OTRF JSON Lines), checked against jansson; see test_jsonl_corpus.c.
cd "$(dirname "$0")/../.." || exit 1
export CORPUS=${CORPUS:-../shared/corpus}
if [ ! -d "$CORPUS/sigma/regression_data" ]; then
    echo "corpus not found at $CORPUS"
    echo "0 passed, 1 failed"
    exit 1
fi
TN_JSONL_CORPUS=1 exec build/unit-tests jsonl_corpus
