#!/usr/bin/env bash
# Every .evtx in the corpus: record counts equal python-evtx and libevtx's
# evtxexport, and values agree field for field with python-evtx's XML.
set -u
exec /usr/bin/python3 tests/tools/cmp_pyevtx.py "$TANSA" "$CORPUS" --jobs 2
