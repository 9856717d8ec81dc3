#!/usr/bin/env bash
# tansa dump against SigmaHQ's reference evtx_dump JSON (202 cases, 238
# records): each case must match, and >= 99.5% of records overall.
set -u
exec python3 tests/tools/cmp_regression_json.py "$TANSA" "$CORPUS"
