#!/usr/bin/env bash
# sigma_match.sh - builds and runs bench/sigma_match.c against the release objects.
set -eu
cd "$(dirname "$0")/.."
make -s build/tansa
objs=$(ls build/rel/src/*/*.o | grep -v '/cli/')
cc -O2 -g -std=c11 -D_GNU_SOURCE -Isrc $(pkg-config --cflags yaml-0.1 libpcre2-8 libhs jansson) \
   -o build/sigma-match-bench bench/sigma_match.c $objs \
   $(pkg-config --libs yaml-0.1 libpcre2-8 libhs jansson) -lpthread -lm
build/sigma-match-bench "${CORPUS:-../shared/corpus}" "${1:-50}" "${2:--1}"
