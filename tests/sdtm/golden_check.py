#!/usr/bin/env python3
"""Compare hand-written expected records (GOLDEN_DIR/<dataset>.csv) with a trialpack sdtm output.

Usage: golden_check.py OUT_DIR GOLDEN_DIR
For each expected file: the output rows of the subjects it lists (USUBJID column), in output
order, restricted to its columns, must equal the expected rows. Numbers compare by value.
"""
import csv
import glob
import os
import sys

sys.dont_write_bytecode = True  # never leave __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_sdtm import load  # noqa: E402


def norm(v):
    if v is None:
        return ''
    if isinstance(v, float):
        if v != v:
            return ''
        return ('%.10g' % v)
    v = str(v)
    try:
        f = float(v)
        if v.strip() and not v.strip().startswith(('0', '+')) or v.strip() in ('0',):
            return '%.10g' % f
    except ValueError:
        pass
    return v


def main():
    out, gold = sys.argv[1:3]
    bad = 0
    for g in sorted(glob.glob(os.path.join(gold, '*.csv'))):
        name = os.path.basename(g)[:-4]
        with open(g, newline='', encoding='utf-8') as f:
            rows = list(csv.reader(f))
        hdr, want = rows[0], rows[1:]
        df = load(os.path.join(out, name + '.xpt'))
        subjects = {r[hdr.index('USUBJID')] for r in want}
        got = df[df['USUBJID'].isin(subjects)]
        missing = [c for c in hdr if c not in df.columns]
        if missing:
            print('FAIL: %s: columns %s not in the output' % (name, missing))
            bad += 1
            continue
        got_rows = [[norm(v) for v in r] for r in got[hdr].itertuples(index=False)]
        want_rows = [[norm(v) for v in r] for r in want]
        if got_rows != want_rows:
            bad += 1
            print('FAIL: %s differs from %s' % (name, g))
            for i in range(max(len(got_rows), len(want_rows))):
                a = want_rows[i] if i < len(want_rows) else None
                b = got_rows[i] if i < len(got_rows) else None
                if a != b:
                    if a and b:
                        diff = ['%s: want %r got %r' % (h, x, y) for h, x, y in zip(hdr, a, b) if x != y]
                        print('  row %d: %s' % (i + 1, '; '.join(diff)))
                    else:
                        print('  row %d: want %s got %s' % (i + 1, a, b))
        else:
            print('ok: %s (%d records)' % (name, len(want_rows)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
