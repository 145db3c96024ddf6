#!/usr/bin/env python3
"""Conformance checks of a `trialpack sdtm` output folder against its spec and raw export.

Usage: check_sdtm.py SPEC_DIR RAW_DIR OUT_DIR
Prints one line per failed check and exits 1 when any failed. Checks: every XPT reads in pandas;
DM has one row per subject; dataset keys unique; --SEQ unique per USUBJID; every --DTC is ISO 8601
(partial values stay partial); no --DY is 0 and each agrees with DM.RFSTDTC; EPOCH agrees with SE
and TA; VISITNUM/VISIT agree with TV (unscheduled visits between planned ones); character values of
variables with a codelist are terms of that codelist; every SUPP-- record has its parent; RELREC
points at existing records; the reconciliation accounts for every raw record exactly once.
"""
import csv
import datetime
import glob
import math
import os
import re
import sys

import shutil
import subprocess

import pandas as pd

ISO = re.compile(r'^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d)?)?)?)?)?$')
fails = []


def fail(msg):
    fails.append(msg)
    print('FAIL: ' + msg)


def sheet(spec, name):
    p = os.path.join(spec, name)
    if not os.path.exists(p):
        return []
    with open(p, newline='', encoding='utf-8-sig') as f:
        return list(csv.DictReader(f))


def s(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ''
    if isinstance(v, bytes):
        v = v.decode('utf-8')
    return str(v)


def n(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == '':
        return None
    return float(v)


def day(v):
    return datetime.date(int(v[0:4]), int(v[5:7]), int(v[8:10])) if len(v) >= 10 else None


def load(path):
    """Read an XPT with pandas (must work) and, when readstat is installed, take the rows from
    readstat: pandas' XPORT reader counts blank 8-byte words of the last 80-byte record as padding,
    which loses the last rows of datasets with records shorter than 80 bytes."""
    df = pd.read_sas(path, format='xport', encoding='utf-8')
    if not shutil.which('readstat'):
        return df
    out = subprocess.run(['readstat', path, '-'], capture_output=True, check=True).stdout.decode('utf-8')
    rows = list(csv.reader(out.splitlines()))
    if not rows:
        return df
    cols = rows[0]
    if len(rows) - 1 != len(df):
        print('NOTE: pandas reads %d rows of %s, readstat %d (pandas short-record padding heuristic)'
              % (len(df), os.path.basename(path), len(rows) - 1))
    conv = {}
    for i, c in enumerate(cols):
        if c in df.columns and df[c].dtype != object:
            conv[c] = [float(r[i]) if r[i] != '' else float('nan') for r in rows[1:]]
        else:
            conv[c] = [r[i] for r in rows[1:]]
    return pd.DataFrame(conv, columns=cols)


def main():
    spec, raw, out = sys.argv[1:4]
    datasets = {d['Dataset']: d for d in sheet(spec, 'Datasets.csv')}
    variables = sheet(spec, 'Variables.csv')
    codelists = {}
    for c in sheet(spec, 'Codelists.csv'):
        codelists.setdefault(c['ID'], set()).add(c['Term'])
    data = {}
    for p in sorted(glob.glob(os.path.join(out, '*.xpt'))):
        name = os.path.basename(p)[:-4].upper()
        try:
            df = load(p)
        except Exception as e:  # noqa: BLE001
            fail('%s does not read in pandas: %s' % (p, e))
            continue
        data[name] = df
    if 'DM' not in data:
        fail('no dm.xpt')
        return 1
    dm = data['DM']
    if dm['USUBJID'].duplicated().any():
        fail('DM has more than one row for a subject')
    rfst = {s(r.USUBJID): s(r.RFSTDTC) for r in dm.itertuples()}
    # keys, seq, dtc, dy
    for name, df in data.items():
        d = datasets.get(name)
        if d is None and not name.startswith('SUPP') and name != 'RELREC':
            fail('%s is not in Datasets.csv' % name)
            continue
        keys = (d['Keys'].replace(',', ' ').split() if d else [])
        keys = [k for k in keys if k in df.columns]
        dom = name[:2]
        seq = dom + 'SEQ'
        if keys and d and d.get('IsReferenceData') != 'Yes' and seq in df.columns and keys:
            if df.duplicated(subset=keys + [seq]).any():
                fail('%s: keys %s + %s not unique' % (name, keys, seq))
        elif keys and df.duplicated(subset=keys).any():
            fail('%s: keys %s not unique' % (name, keys))
        if seq in df.columns and 'USUBJID' in df.columns and d and d.get('IsReferenceData') != 'Yes':
            if df.duplicated(subset=['USUBJID', seq]).any():
                fail('%s: %s not unique within USUBJID' % (name, seq))
        for c in df.columns:
            if c.endswith('DTC'):
                for v in df[c].map(s):
                    if v and not ISO.match(v):
                        fail('%s.%s: %r is not ISO 8601' % (name, c, v))
                        break
            if c.endswith('DY') and c != 'VISITDY' and c[:-2] + 'DTC' in df.columns:
                for r in df[['USUBJID', c, c[:-2] + 'DTC']].itertuples(index=False):
                    dy, dtc = n(r[1]), s(r[2])
                    if dy == 0:
                        fail('%s.%s is 0' % (name, c))
                        break
                    ref = rfst.get(s(r[0]), '')
                    if len(dtc) >= 10 and len(ref) >= 10:
                        delta = (day(dtc) - day(ref)).days
                        want = delta + 1 if delta >= 0 else delta
                        if dy != want:
                            fail('%s.%s %s for %s %s (RFSTDTC %s), want %s' % (name, c, dy, c[:-2] + 'DTC', dtc, ref, want))
                            break
                    elif dy is not None:
                        fail('%s.%s set for a partial date %r' % (name, c, dtc))
                        break
    # codelists
    for v in variables:
        if not v['CodeList'] or v['Dataset'] not in data or v.get('NonStandard') == 'Yes':
            continue
        df = data[v['Dataset']]
        if v['Variable'] not in df.columns or df[v['Variable']].dtype != object:
            continue
        terms = codelists.get(v['CodeList'], set())
        bad = sorted({s(x) for x in df[v['Variable']] if s(x) and s(x) not in terms})
        if bad:
            fail('%s.%s: values not in codelist %s: %s' % (v['Dataset'], v['Variable'], v['CodeList'], bad[:5]))
    # EPOCH vs SE
    if 'SE' in data:
        se = {}
        for r in data['SE'].itertuples():
            se.setdefault(s(r.USUBJID), []).append((s(r.SESTDTC), s(r.SEENDTC), s(r.EPOCH)))
        ta_epochs = set(data['TA']['EPOCH'].map(s)) if 'TA' in data else set()
        for e in data['SE']['EPOCH'].map(s):
            if e not in ta_epochs:
                fail('SE.EPOCH %r not in TA' % e)
                break
        for name, df in data.items():
            if 'EPOCH' not in df.columns or name in ('SE', 'TA') or 'USUBJID' not in df.columns:
                continue
            dtcv = name[:2] + 'STDTC' if name[:2] + 'STDTC' in df.columns else name[:2] + 'DTC'
            if dtcv not in df.columns:
                continue
            for r in df[['USUBJID', 'EPOCH', dtcv]].itertuples(index=False):
                u, ep, dtc = s(r[0]), s(r[1]), s(r[2])
                if not ep:
                    continue
                ok = False
                for st, en, e in se.get(u, []):
                    if e == ep and dtc[:10] >= st[:10] and (not en or dtc[:10] <= en[:10]):
                        ok = True
                if not ok:
                    fail('%s: EPOCH %s for %s %s of %s outside the subject elements' % (name, ep, dtcv, dtc, u))
                    break
    # VISITNUM vs TV
    if 'TV' in data:
        tv = {n(r.VISITNUM): s(r.VISIT) for r in data['TV'].itertuples()}
        for name, df in data.items():
            if name == 'TV' or 'VISITNUM' not in df.columns:
                continue
            for r in df[['VISITNUM'] + (['VISIT'] if 'VISIT' in df.columns else [])].itertuples(index=False):
                vn = n(r[0])
                if vn is None:
                    continue
                if vn in tv:
                    if len(r) > 1 and s(r[1]) != tv[vn]:
                        fail('%s: VISIT %r for VISITNUM %s, TV says %r' % (name, s(r[1]), vn, tv[vn]))
                        break
                elif abs(vn * 100 - round(vn * 100)) > 1e-6 or vn == int(vn):
                    fail('%s: VISITNUM %s is neither planned nor an unscheduled x.yy' % (name, vn))
                    break
    # SUPP parents
    for name, df in data.items():
        if not name.startswith('SUPP') or len(df) == 0:
            continue
        parent = data.get(name[4:])
        if parent is None:
            fail('%s without its parent dataset' % name)
            continue
        for r in df.itertuples():
            if s(r.QVAL) == '':
                fail('%s: empty QVAL' % name)
                break
            idvar = s(r.IDVAR)
            if not idvar:
                ok = (parent['USUBJID'] == s(r.USUBJID)).any()
            else:
                ok = ((parent['USUBJID'] == s(r.USUBJID)) & (parent[idvar] == float(s(r.IDVARVAL)))).any()
            if not ok:
                fail('%s: record %s/%s=%s has no parent' % (name, s(r.USUBJID), idvar, s(r.IDVARVAL)))
                break
        if df.duplicated(subset=['USUBJID', 'IDVAR', 'IDVARVAL', 'QNAM']).any():
            fail('%s: duplicate qualifier' % name)
    if 'RELREC' in data:
        for r in data['RELREC'].itertuples():
            p = data.get(s(r.RDOMAIN))
            if p is None or not ((p['USUBJID'] == s(r.USUBJID)) & (p[s(r.IDVAR)] == float(s(r.IDVARVAL)))).any():
                fail('RELREC: %s %s %s=%s not found' % (s(r.RDOMAIN), s(r.USUBJID), s(r.IDVAR), s(r.IDVARVAL)))
                break
    # reconciliation
    rec = os.path.join(out, 'reconciliation.csv')
    seen = {}
    with open(rec, newline='', encoding='utf-8') as f:
        for row in csv.DictReader(f):
            if row['STATUS'] in ('MAPPED', 'NOT MAPPED'):
                k = (row['FORM'], row['RECORD'])
                if k in seen:
                    fail('reconciliation lists %s record %s twice' % k)
                seen[k] = row['STATUS']
                if row['STATUS'] == 'NOT MAPPED' and not row['DETAIL']:
                    fail('reconciliation: %s record %s not mapped without a reason' % k)
    meta = {'dictionnaire', 'listes', 'errors', 'errors_manifest'}
    total = 0
    for p in sorted(glob.glob(os.path.join(raw, '*.csv'))):
        form = os.path.basename(p)[:-4]
        if form in meta:
            continue
        with open(p, newline='', encoding='utf-8-sig') as f:
            nrec = sum(1 for _ in csv.reader(f, delimiter=';')) - 1
        total += nrec
        for i in range(1, nrec + 1):
            if (form, str(i)) not in seen:
                fail('reconciliation misses %s record %d' % (form, i))
                break
    if len(seen) != total:
        fail('reconciliation has %d records, the raw export %d' % (len(seen), total))
    print('%d datasets checked, %d raw records reconciled, %d failure(s)' % (len(data), total, len(fails)))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
