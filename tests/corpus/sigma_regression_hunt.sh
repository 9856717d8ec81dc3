#!/usr/bin/env bash
# SigmaHQ regression cases through `tansa hunt`, on each .evtx and its .json.
set -u
exec python3 tests/tools/regression_hunt.py "$TANSA" "$CORPUS"
