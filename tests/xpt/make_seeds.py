#!/usr/bin/python3
"""Regenerate the XPT fuzzing seeds in tests/fuzz/corpus/xpt/ (all made here, none copied from
reference files).

usage: make_seeds.py XPT_TOOL OUTDIR

Base files come from `xpt_tool gen-edge` (trialpack's writer, SOURCE_DATE_EPOCH pinned so the
bytes are reproducible); the others are byte-level variants of them that exercise reader paths a
writer never produces: 136-byte (VAX) NAMESTRs, NUL-padded OS fields and lower-case months, two
members with and without a second LIBRARY header, rows shorter than 80 bytes with trailing
blanks, zero rows, and a few corrupt inputs (truncated, bad NAMESTR type, bad counts).
"""
import os
import subprocess
import sys

tool, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")


def gen(name, *args):
    path = os.path.join(out, name)
    subprocess.run([tool, "gen-edge", path, "format=xpt"] + list(args), check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return open(path, "rb").read()


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


v5 = gen("v5-edge", "variant=v5", "rows=6")
gen("short-lengths", "variant=short", "rows=5")
gen("v8-labelv8", "variant=v8", "rows=3")
gen("v9-labelv9", "variant=v9", "rows=2")
zero = gen("zero-rows", "variant=v5", "rows=0")

# two members: the second without, then with, its own LIBRARY header
put("two-members", v5 + zero[240:])
put("two-libraries", v5 + zero)


def namestrs(data):
    """(offset of the first NAMESTR, count, length) of a single-member file."""
    return 640, int(data[560 + 52:560 + 58]), int(data[240 + 74:240 + 78])


# 136-byte NAMESTRs (TS-140: VAX/VMS), NUL-padded OS, lower-case months
start, n, ln = namestrs(v5)
block = b"".join(v5[start + i * ln:start + i * ln + 136] for i in range(n))
block += b" " * (-len(block) % 80)
old_end = start + ((n * ln + 79) // 80) * 80
vax = bytearray(v5[:start] + block + v5[old_end:])
vax[240 + 74:240 + 78] = b"0136"
vax[80 + 32:80 + 40] = b"\0" * 8
vax[400 + 32:400 + 40] = b"\0" * 8
vax[400 + 64:400 + 80] = b"14nov23:22:13:20"
put("vax-namestr-136", bytes(vax))

# all-character rows of 7 bytes with trailing blank rows (section 1.9 row count)
hdr = bytearray(zero[:560])
hdr[400 + 8:400 + 16] = b"CHARONLY"
ns = bytearray(140)
ns[0:2] = (2).to_bytes(2, "big")
ns[4:6] = (7).to_bytes(2, "big")
ns[6:8] = (1).to_bytes(2, "big")
ns[8:16] = b"C       "
ns[16:56] = b"Seven bytes".ljust(40)
ns[56:64] = b" " * 8
ns[72:80] = b" " * 8
body = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000000100000000000000000000  "
body += bytes(ns) + b" " * 20
body += b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  "
rows = b"abcdefg" + b"       " + b"xyz    " + b"       " * 3
put("char-blank-rows", bytes(hdr) + body + rows + b" " * (-len(rows) % 80))

# corrupt inputs
put("truncated-header", v5[:600])
put("truncated-data", v5[:len(v5) - 37])
bad = bytearray(v5)
bad[640 + 1] = 9
put("bad-namestr-type", bytes(bad))
bad = bytearray(v5)
bad[560 + 52:560 + 58] = b"009999"
put("bad-namestr-count", bytes(bad))
bad = bytearray(v5)
bad[640 + 84:640 + 88] = b"\x7f\xff\xff\xff"
put("bad-namestr-position", bytes(bad))
v8 = open(os.path.join(out, "v8-labelv8"), "rb").read()
i = v8.find(b"OBSV8   HEADER RECORD")
bad = bytearray(v8)
bad[i - 20 + 48:i - 20 + 63] = b"  9999999999999"
put("bad-obsv8-count", bytes(bad))
