#!/usr/bin/env python3
"""Extract the CDISC codelists a trialpack mapping spec uses from an NCI EVS SDTM terminology
release (tab-delimited .txt, e.g. SDTM_Terminology.txt) into the same layout.

Every codelist named by an "NCI Codelist Code" in the given Codelists.csv sheets is copied with its
header row (so extensibility is kept). Codelists of up to --max-terms terms are copied whole; longer
ones (UNIT, LOC, LBTESTCD ...) keep only the terms the specs list, which is enough to check them;
pass the full release with `trialpack sdtm --ct FILE` to check new terms.

Usage:
  extract-ct.py --source SDTM_Terminology.txt --out mappings/ct/sdtm-ct.txt \
      mappings/scleradec2/sdtm/Codelists.csv [tests/data/ministudy/sdtm/Codelists.csv ...]
"""
import argparse
import csv
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--source', required=True, help='NCI EVS SDTM terminology .txt (tab-delimited)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--max-terms', type=int, default=150)
    ap.add_argument('sheets', nargs='+', help='Codelists.csv sheets of the specs')
    a = ap.parse_args()

    wanted = {}  # codelist code -> set of terms the specs use
    for sheet in a.sheets:
        with open(sheet, newline='', encoding='utf-8') as f:
            for row in csv.DictReader(f):
                code = (row.get('NCI Codelist Code') or '').strip()
                if code:
                    wanted.setdefault(code, set()).add(row['Term'].strip())

    with open(a.source, encoding='utf-8') as f:
        lines = f.read().splitlines()
    header, rows = lines[0], [l.split('\t') for l in lines[1:] if l.strip()]
    count = {}
    for r in rows:
        if r[1]:
            count[r[1]] = count.get(r[1], 0) + 1
    out = [header]
    found = set()
    for r in rows:
        if not r[1] and r[0] in wanted:
            out.append('\t'.join(r))
            found.add(r[0])
    for r in rows:
        if r[1] in wanted and (count[r[1]] <= a.max_terms or r[4] in wanted[r[1]]):
            out.append('\t'.join(r))
    missing = sorted(set(wanted) - found)
    if missing:
        print('codelists not in the source: ' + ' '.join(missing), file=sys.stderr)
    # codelist header rows first, then terms grouped by codelist in source order
    heads = [l for l in out[1:] if l.split('\t')[1] == '']
    terms = sorted((l for l in out[1:] if l.split('\t')[1] != ''), key=lambda l: l.split('\t')[1])
    with open(a.out, 'w', encoding='utf-8', newline='\n') as f:
        f.write(header + '\n')
        for h in heads:
            f.write(h + '\n')
            code = h.split('\t')[0]
            for t in terms:
                if t.split('\t')[1] == code:
                    f.write(t + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
