#!/usr/bin/env bash
# read_gz.sh - gzip-compressed logs read as they are (read/gz.c): real
# OTRF JSON Lines and a real EVTX sample, compressed here with gzip(1),
# give what their plain files give; damage costs its member only and is
# said with the byte and the line; gzip on a pipe is refused with the way
# out.
cd "$(dirname "$0")/../.." || exit 1
. tests/tools/check.sh
OTRF="$CORPUS/otrf-security-datasets-subset/datasets/atomic/windows/lateral_movement/host/schtask_create_2020-12-1907003032.json"
EVTX="$CORPUS/evtx-attack-samples/Defense Evasion/DE_1102_security_log_cleared.evtx"
RULES="$CORPUS/sigma/rules/windows"
if [ ! -f "$OTRF" ] || [ ! -f "$EVTX" ]; then
    echo "corpus not found at $CORPUS"
    echo "0 passed, 1 failed"
    exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# the timeline without its file names, which differ by the suffix
hunt() { "$TANSA" hunt -q -t 2 --rules "$RULES" -f jsonl "$@" 2>/dev/null | sed 's/"file":"[^"]*"//' | md5sum; }

cp "$OTRF" "$T/otrf.json"
gzip -c "$T/otrf.json" > "$T/otrf.json.gz"
plain=$(hunt "$T/otrf.json")
check "OTRF JSON Lines: detections found" 1 \
    "$([ "$("$TANSA" hunt -q --rules "$RULES" -f jsonl "$T/otrf.json" 2>/dev/null | grep -c rule_id)" -gt 0 ] && echo 1)"
check "OTRF JSON Lines .gz: the same timeline as the plain file" "$plain" "$(hunt "$T/otrf.json.gz")"

# members joined with cat are one file: split in three, each compressed
n=$(wc -l < "$T/otrf.json")
head -n $((n / 3)) "$T/otrf.json" | gzip -c > "$T/m1.gz"
sed -n "$((n / 3 + 1)),$((2 * n / 3))p" "$T/otrf.json" | gzip -c > "$T/m2.gz"
tail -n +$((2 * n / 3 + 1)) "$T/otrf.json" | gzip -c > "$T/m3.gz"
cat "$T/m1.gz" "$T/m2.gz" "$T/m3.gz" > "$T/multi.json.gz"
check "three members joined: the same timeline" "$plain" "$(hunt "$T/multi.json.gz")"

# a corrupt middle member costs that member only: its deflate data is
# overwritten, the first and last members are read
python3 - "$T/m2.gz" "$T/m2bad.gz" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for i in range(20, len(d) - 20):
    d[i] = 0xff          # not valid deflate data
open(sys.argv[2], 'wb').write(d)
EOF
cat "$T/m1.gz" "$T/m2bad.gz" "$T/m3.gz" > "$T/midbad.json.gz"
bad=$(stat -c %s "$T/m1.gz")
next=$((bad + $(stat -c %s "$T/m2bad.gz")))
"$TANSA" hunt --rules "$RULES" -f jsonl --summary "$T/midbad.json.gz" >/dev/null 2>"$T/err"
m1=$(zcat "$T/m1.gz" | wc -l) m3=$(zcat "$T/m3.gz" | wc -l)
check "corrupt member: the first and last members' records are read" "read 1 files, $((m1 + m3)) records" \
    "$(grep -o 'read 1 files, [0-9]* records' "$T/err")"
check "corrupt member: said, with where it resumed" 1 \
    "$(grep -c "midbad.json.gz: line $((m1 + 1)): gzip data corrupt (.*) at byte [0-9]* of the file: [0-9]* bytes skipped, to the next gzip member at byte $next" "$T/err")"
check "corrupt member: counted as damaged gzip, not bad JSON" 1 "$(grep -c 'input problems: 1, damaged gzip: 1$' "$T/err")"

# a file cut in its middle: what came before is read, the cut is said
s=$(stat -c %s "$T/otrf.json.gz")
head -c $((s / 2)) "$T/otrf.json.gz" > "$T/cut.json.gz"
"$TANSA" hunt --rules "$RULES" -f jsonl --summary "$T/cut.json.gz" >/dev/null 2>"$T/err"
got=$(grep -o 'read 1 files, [0-9]* records' "$T/err" | grep -o '[0-9]* records' | cut -d' ' -f1)
check "cut file: about half its records are read" 1 "$([ "${got:-0}" -gt $((n / 4)) ] && [ "$got" -lt "$n" ] && echo 1)"
check "cut file: said with its byte" 1 \
    "$(grep -c "cut.json.gz: line [0-9]*: gzip data ends at byte $((s / 2)) of the file, inside a member (the file is cut)" "$T/err")"

# EVTX: decompressed to a temporary file, then read as the plain file is
cp "$EVTX" "$T/sec.evtx"
gzip -c "$T/sec.evtx" > "$T/sec.evtx.gz"
check "EVTX .gz: the same records as the plain file (dump)" "$("$TANSA" dump -q -f event "$T/sec.evtx" | md5sum)" \
    "$("$TANSA" dump -q -f event "$T/sec.evtx.gz" 2>&1 | md5sum)"
check "EVTX .gz: the same timeline" "$(hunt "$T/sec.evtx")" "$(hunt "$T/sec.evtx.gz")"

# a damaged member in the middle of an EVTX .gz costs its own chunks: the
# chunks after it keep their offsets (the trailer gives the member's
# size), as the plain file with those bytes zeroed gives (a review,
# session 28: every chunk after it was lost)
BIG="$CORPUS/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx"
python3 - "$BIG" "$T" <<'EOF2'
import sys, gzip
d = open(sys.argv[1], 'rb').read()
parts = [gzip.compress(x, mtime=0) for x in (d[:1000000], d[1000000:1100000], d[1100000:])]
bad = bytearray(parts[1])
for i in range(12, len(bad) - 8):
    bad[i] = 0xff
open(sys.argv[2] + '/midbad.evtx.gz', 'wb').write(parts[0] + bytes(bad) + parts[2])
# one bit flipped in the middle member (its CRC then fails, after data of
# another length) and one in its header (it reads as junk): the same
for name, at, bit in (('flip.evtx.gz', 5934, 2), ('head.evtx.gz', 0, 1)):
    b = bytearray(parts[1])
    b[at] ^= bit
    open(sys.argv[2] + '/' + name, 'wb').write(parts[0] + bytes(b) + parts[2])
z = bytearray(d)
z[1000000:1100000] = bytes(100000)
open(sys.argv[2] + '/zeroed.evtx', 'wb').write(bytes(z))
EOF2
zeroed=$("$TANSA" dump -q -f event "$T/zeroed.evtx" 2>/dev/null | wc -l)
check "EVTX .gz, a damaged middle member: the records of the plain file with it zeroed" "$zeroed" \
    "$("$TANSA" dump -q -f event "$T/midbad.evtx.gz" 2>/dev/null | wc -l)"
# (a review, session 28: 1,810 and 1,703 records, every chunk after them lost)
for f in flip head; do
    got=$("$TANSA" dump -q -f event "$T/$f.evtx.gz" 2>/dev/null | wc -l)
    check "EVTX .gz, one bit flipped ($f): at least the zeroed file's records" 1 "$([ "$got" -ge "$zeroed" ] && echo 1)"
done

# zero padding after the last member is no problem (gzip(1) takes it so)
{ cat "$T/otrf.json.gz"; head -c 512 /dev/zero; } > "$T/padded.json.gz"
"$TANSA" hunt --rules "$RULES" -f jsonl --summary "$T/padded.json.gz" >/dev/null 2>"$T/err"
check "zero padding: no problem" 1 "$(grep -c 'input problems: 0' "$T/err")"

# a header with a long file name (past the first 4 KiB) is still known
python3 - "$T/otrf.json" "$T/longname.json.gz" <<'EOF2'
import sys, zlib, struct
data = open(sys.argv[1], 'rb').read()
name = b'x' * 8000 + b'\0'
c = zlib.compressobj(6, zlib.DEFLATED, -15)
body = c.compress(data) + c.flush()
open(sys.argv[2], 'wb').write(b'\x1f\x8b\x08\x08' + bytes(6) + name + body +
                              struct.pack('<II', zlib.crc32(data), len(data) & 0xffffffff))
EOF2
check "a long header field: read as the plain file" "$plain" "$(hunt "$T/longname.json.gz")"

# EVTX from standard input, gzip-compressed: dump decompresses it too
check "dump - < x.evtx.gz: the same records" "$("$TANSA" dump -q -f event "$T/sec.evtx" | md5sum)" \
    "$("$TANSA" dump -q -f event - < "$T/sec.evtx.gz" 2>/dev/null | md5sum)"

# found in folders by content, whatever the name; a gzip of something
# else named like a log is said, a tarball of no log is passed over
mkdir -p "$T/dir"
cp "$T/otrf.json.gz" "$T/dir/a-log-without-suffix"
cp "$T/sec.evtx.gz" "$T/dir/sec.evtx.gz"
echo "not a log" | gzip -c > "$T/dir/notes.json.gz"
cp "$CORPUS/SOURCES.md" "$T/notes.md"
tar -czf "$T/dir/backup.tar.gz" -C "$T" notes.md
"$TANSA" hunt --rules "$RULES" -f jsonl --summary "$T/dir" >/dev/null 2>"$T/err"
check "folder: both gzip logs read" 1 "$(grep -c 'read 2 files' "$T/err")"
check "folder: a .json.gz of no log is said" 1 \
    "$(grep -c 'notes.json.gz: gzip-compressed, and not EVTX, JSON or auditd inside; skipped' "$T/err")"
check "folder: a tarball is passed over without a word" 0 "$(grep -c 'backup.tar.gz' "$T/err")"

# standard input: a pipe is refused with the way out (exit 3: no input);
# a file given as standard input is read in place (session 29: refused too)
cat "$T/otrf.json.gz" | "$TANSA" hunt --rules "$RULES" -f jsonl - >/dev/null 2>"$T/err"
rc=${PIPESTATUS[1]}
check "stdin gzip from a file: the same timeline" "$plain" "$(hunt - < "$T/otrf.json.gz")"
# ... and a file read as standard input from further on is read from there
# (the gzip at its start was taken instead: a review of session 29's change)
printf '{"note":"not these"}\n' | gzip -c >"$T/other.json.gz"
cat "$T/other.json.gz" "$T/otrf.json" >"$T/mix.bin"
check "stdin file from an offset: read from there" "$plain" \
    "$( (dd bs="$(stat -c %s "$T/other.json.gz")" skip=1 count=0 status=none; hunt -) < "$T/mix.bin")"
check "stdin gzip: refused, with the way out" 1 "$(grep -c 'standard input is gzip-compressed: name the file instead, or decompress it into the pipe (zcat)' "$T/err")"
check "stdin gzip: exit 3" 3 "$rc"
check "stdin through zcat: the same timeline" "$plain" "$(zcat "$T/otrf.json.gz" | hunt -)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
