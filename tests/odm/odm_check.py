#!/usr/bin/python3
"""Independent checks for the ODM shell tests (standard library only).

  odm_check.py roundtrip STUDY_DIR RAW_DIR TABLES_DIR
      The tables imported from an ODM export hold the raw export's values: every raw row of every
      form, split by item group, is found once under its keys with the same values, after the
      raw conventions (decimal comma, dd/mm/yyyy, UK/mm/yyyy, HH:MM) are normalised here, by a
      second implementation, the way ODM wants them. Compared as values, not text (62.50 == 62.5).

  odm_check.py counts ODM_FILE TABLES_DIR
      Each table has as many rows as the document has ItemGroupData elements of its item group
      (counted with xml.etree, independently of trialpack), and every group has a table.
"""
import csv
import os
import re
import sys
import xml.etree.ElementTree as ET

ODM_NS = "{http://www.cdisc.org/ns/odm/v1.3}"


def read_sheet(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def norm_raw(value, dtype, decimal=","):
    """Raw French conventions -> ODM lexical form (None when left as is)."""
    v = value
    if dtype in ("text", "string"):
        return v
    v = v.strip()
    if dtype in ("integer",):
        return v[1:] if v.startswith("+") else v
    if dtype in ("float", "double"):
        return v.replace(decimal, ".")
    m = re.fullmatch(r"(\d\d|UK|UNK)/(\d\d|UK|UNK)/(\d{4})", v, re.I)
    if dtype in ("date", "partialDate") and m:
        d, mo, y = m.groups()
        if d.upper() in ("UK", "UNK"):
            if mo.upper() in ("UK", "UNK"):
                return y
            return "%s-%s" % (y, mo)
        return "%s-%s-%s" % (y, mo, d)
    m = re.fullmatch(r"(\d\d):(\d\d)", v)
    if dtype == "time" and m:
        return v + ":00"
    m = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d)", v)
    if dtype == "datetime" and m:
        d, mo, y, h, mi = m.groups()
        return "%s-%s-%sT%s:%s:00" % (y, mo, d, h, mi)
    return v


def same_value(a, b):
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def roundtrip(study, raw, tables):
    crf = os.path.join(study, "crf")
    study_kv = {r["Key"]: r["Value"] for r in read_sheet(os.path.join(study, "study.csv"))}
    decimal = study_kv.get("Raw.DecimalMark", ",")
    events = read_sheet(os.path.join(crf, "events.csv"))
    by_code = {e["VisitCode"]: e for e in events if e["VisitCode"]}
    ev_forms = {}
    for r in read_sheet(os.path.join(crf, "event_forms.csv")):
        ev_forms.setdefault(r["StudyEventOID"], set()).add(r["FormOID"])
    common = {}
    for e in events:
        if e["Type"] == "Common":
            for f in ev_forms.get(e["StudyEventOID"], ()):
                common.setdefault(f, e["StudyEventOID"])
    forms = read_sheet(os.path.join(crf, "forms.csv"))
    groups = read_sheet(os.path.join(crf, "itemgroups.csv"))
    items = read_sheet(os.path.join(crf, "items.csv"))
    groups.sort(key=lambda g: int(g.get("OrderNumber") or 0))
    items.sort(key=lambda i: int(i.get("OrderNumber") or 0))
    missing = 0
    mismatches = 0
    checked = 0
    for form in forms:
        table = os.path.join(raw, form["Table"] + ".csv")
        if not os.path.exists(table):
            continue
        fgroups = [g for g in groups if g["FormOID"] == form["FormOID"]]
        with open(table, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
        # imported tables of this form's groups, indexed by keys
        imported = {}
        for g in fgroups:
            path = os.path.join(tables, g["ItemGroupOID"] + ".csv")
            idx = {}
            if os.path.exists(path):
                with open(path, encoding="utf-8", newline="") as f:
                    for r in csv.DictReader(f):
                        k = (r["SubjectKey"], r["StudyEventOID"], r["StudyEventRepeatKey"],
                             r["FormOID"], r["ItemGroupRepeatKey"])
                        if k in idx:
                            print("duplicate imported row %s in %s" % (k, path))
                            mismatches += 1
                        idx[k] = r
            imported[g["ItemGroupOID"]] = idx
        gitems = {g["ItemGroupOID"]: [i for i in items if i["ItemGroupOID"] == g["ItemGroupOID"]]
                  for g in fgroups}
        seen_keys = set()
        for n, row in enumerate(rows, start=2):
            code = row["VISITE"].strip()
            ev = by_code.get(code)
            if code and ev is None:
                m = re.fullmatch(r"([A-Z]+)[._-]?(\d+)", code)
                ev = by_code.get(m.group(1)) if m else None
                rep = m.group(2).lstrip("0") or "0" if m else ""
            else:
                rep = "1" if ev is not None and ev["Repeating"] == "Yes" else ""
            if ev is None or form["FormOID"] not in ev_forms.get(ev["StudyEventOID"], ()):
                if form["FormOID"] in common:
                    ev_oid, rep = common[form["FormOID"]], ""
                else:
                    ev_oid = ev["StudyEventOID"] if ev else "?"
            else:
                ev_oid = ev["StudyEventOID"]
            subject = row["PATNUM"].strip()
            any_value = any(row[i["Name"]] != "" for g in fgroups for i in gitems[g["ItemGroupOID"]])
            first = True
            for g in fgroups:
                gi = gitems[g["ItemGroupOID"]]
                has = any(row[i["Name"]] != "" for i in gi)
                if not has and (any_value or not first):
                    continue
                first = False
                grep = row["LIGNE"].strip() if g["Repeating"] == "Yes" else ""
                key = (subject, ev_oid, rep, form["FormOID"], grep)
                if (g["ItemGroupOID"], key) in seen_keys:
                    continue  # a duplicate raw row: the export keeps the first
                seen_keys.add((g["ItemGroupOID"], key))
                got = imported[g["ItemGroupOID"]].get(key)
                if got is None:
                    missing += 1
                    if missing <= 10:
                        print("%s:%d: no imported row %s in %s" % (table, n, key, g["ItemGroupOID"]))
                    continue
                for i in gi:
                    want = row[i["Name"]]
                    want = norm_raw(want, i["DataType"], decimal) if want != "" else ""
                    have = got.get(i["Name"], "")
                    checked += 1
                    if not same_value(want, have):
                        mismatches += 1
                        if mismatches <= 20:
                            print("%s:%d: %s.%s: raw %r -> expected %r, imported %r" % (
                                table, n, g["ItemGroupOID"], i["Name"], row[i["Name"]], want, have))
        # nothing imported that the raw table does not have
        for g in fgroups:
            extra = set(imported[g["ItemGroupOID"]]) - {k for (o, k) in seen_keys
                                                        if o == g["ItemGroupOID"]}
            if extra:
                mismatches += len(extra)
                print("%s: %d imported rows not in the raw table, e.g. %s" % (
                    g["ItemGroupOID"], len(extra), sorted(extra)[0]))
    print("roundtrip: %d values compared, %d missing rows, %d mismatches" % (
        checked, missing, mismatches))
    return 1 if missing or mismatches or checked == 0 else 0


def table_name(oid):
    name = re.sub(r"[^A-Za-z0-9._-]", "_", oid[:120])
    if not oid or oid.startswith("."):
        name = "_" + name
    return name + ".csv"


def counts(odm, tables):
    want = {}
    for ig in ET.parse(odm).getroot().iter(ODM_NS + "ItemGroupData"):
        oid = ig.get("ItemGroupOID", "")
        want[oid] = want.get(oid, 0) + 1
    bad = 0
    for oid, n in sorted(want.items()):
        path = os.path.join(tables, table_name(oid))
        if not os.path.exists(path):
            print("%s: no table %s for %d ItemGroupData" % (odm, table_name(oid), n))
            bad += 1
            continue
        with open(path, encoding="utf-8", newline="") as f:
            got = sum(1 for _ in csv.reader(f)) - 1
        if got != n:
            print("%s: %s has %d rows, the document %d ItemGroupData" % (odm, path, got, n))
            bad += 1
    extra = set(os.listdir(tables)) - {table_name(o) for o in want}
    if extra:
        print("%s: unexpected tables %s" % (odm, sorted(extra)))
        bad += 1
    print("counts: %d item groups, %d ItemGroupData, %d problems" % (
        len(want), sum(want.values()), bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "roundtrip":
        return roundtrip(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "counts":
        return counts(argv[2], argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
