#!/usr/bin/python3
"""Check Dataset-JSON 1.1 files (.json, .ndjson, .dsjc) against CDISC's JSON schema and against
what the schema does not check.

usage: check_dsjson.py [--ours] SCHEMA_DIR FILE...

The schema is SCHEMA_DIR/dataset.schema.json (Draft 2019-09). The published NDJSON schema
(dataset-ndjson-schema.json) is UTF-16 with a BOM and refers to a missing #/$defs/Column, so it
cannot be used as shipped: NDJSON line 1 is validated with dataset.schema.json instead (valid
because "rows" is optional there) and every later line is checked here as one row.

Beyond the schema (its Row definition puts the item constraints under "properties", which JSON
Schema ignores for arrays):
  - records equals the number of rows;
  - every row is an array with one value per column;
  - every value has the JSON type its dataType/targetDataType asks for (spec table "Supported
    Column Data Type Combinations"), null being missing; ISO 8601 syntax for date/datetime/time;
    decimal strings use "." and digits only;
  - NDJSON/DSJC: one JSON value per line, line 1 without "rows", a final newline;
With --ours (files trialpack wrote) also: top-level and column attributes in the specification's
order (a recommendation that CDISC's example .dsjc files do not follow), DSJC is a zlib stream (spec: "zLib", not gzip), NDJSON
lines and the .json header use minimal whitespace, and dbLastModifiedDateTime <= creation time.
Exit 0 when every file passes, 1 otherwise (one line per problem on stderr).
"""
import json
import re
import sys
import zlib

TOP_ORDER = ["datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID",
             "dbLastModifiedDateTime", "originator", "sourceSystem", "studyOID",
             "metaDataVersionOID", "metaDataRef", "itemGroupOID", "records", "name", "label",
             "columns", "rows"]
COL_ORDER = ["itemOID", "name", "label", "dataType", "targetDataType", "length",
             "displayFormat", "keySequence"]
DATE = r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
TIME = r"[0-9]{2}(:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
TZ = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
ISO = {
    # SDTM --DTC values may be partial ("1928", "2015-07"); targetDataType integer needs all parts
    "date": re.compile("^" + DATE + "$"),
    "datetime": re.compile("^" + DATE + "(T" + TIME + TZ + ")?$"),
    "time": re.compile("^" + TIME + TZ + "$"),
}
ISO_FULL = {
    "date": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "datetime": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"),
    "time": re.compile(r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"),
}
DECIMAL = re.compile(r"^-?[0-9]{1,3}(,?[0-9]{3})*(\.[0-9]+)?$|^-?[0-9]+(\.[0-9]+)?$|^-?\.[0-9]+$")

problems = []


def problem(path, msg):
    problems.append("%s: %s" % (path, msg))


def in_order(keys, order):
    idx = [order.index(k) for k in keys if k in order]
    return idx == sorted(idx)


def check_value(path, rec, col, v):
    dt = col["dataType"]
    tdt = col.get("targetDataType")
    where = "record %d, column %s" % (rec, col["name"])
    if v is None:
        return
    if dt in ("string", "URI"):
        ok = isinstance(v, str)
    elif dt == "integer":
        ok = isinstance(v, int) and not isinstance(v, bool)
    elif dt in ("float", "double"):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    elif dt == "decimal":
        ok = isinstance(v, str) and (v == "" or DECIMAL.match(v) is not None)
    elif dt == "boolean":
        ok = isinstance(v, bool)
    elif dt in ISO:
        pat = ISO_FULL[dt] if tdt == "integer" else ISO[dt]
        ok = isinstance(v, str) and (v == "" or pat.match(v) is not None)
    else:
        ok = False
    if not ok:
        problem(path, "%s: %r does not fit dataType %s%s" %
                (where, v, dt, " / targetDataType " + tdt if tdt else ""))


def check_rows(path, meta, rows):
    cols = meta.get("columns", [])
    n = 0
    for n, row in enumerate(rows, 1):
        if not isinstance(row, list):
            problem(path, "record %d is not an array" % n)
            continue
        if len(row) != len(cols):
            problem(path, "record %d has %d values for %d columns" % (n, len(row), len(cols)))
            continue
        for col, v in zip(cols, row):
            check_value(path, n, col, v)
    if meta.get("records") != n:
        problem(path, "records is %r but there are %d rows" % (meta.get("records"), n))


def check_meta(path, meta, validator, ours):
    for e in validator.iter_errors(meta):
        problem(path, "schema: %s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path)))
    # CDISC's own example .dsjc files do not keep the order (it is a recommendation): ours must
    if ours and not in_order(list(meta.keys()), TOP_ORDER):
        problem(path, "top-level attributes out of the spec's order: %s" % list(meta.keys()))
    for c in meta.get("columns", []):
        if ours and isinstance(c, dict) and not in_order(list(c.keys()), COL_ORDER):
            problem(path, "column %s attributes out of order: %s" % (c.get("name"), list(c)))
        if isinstance(c, dict) and c.get("dataType") == "decimal" and \
                c.get("targetDataType") != "decimal":
            problem(path, "column %s: decimal without targetDataType decimal" % c.get("name"))
    if ours and "dbLastModifiedDateTime" in meta and \
            meta["dbLastModifiedDateTime"][:19] > meta["datasetJSONCreationDateTime"][:19]:
        problem(path, "dbLastModifiedDateTime is after datasetJSONCreationDateTime")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def check_lines(path, text, validator, ours):
    if not text.endswith("\n"):
        problem(path, "no final newline")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        problem(path, "empty")
        return
    try:
        meta = json.loads(lines[0])
    except ValueError as e:
        problem(path, "line 1 is not JSON: %s" % e)
        return
    if not isinstance(meta, dict):
        problem(path, "line 1 is not an object")
        return
    if "rows" in meta:
        problem(path, "line 1 holds rows")
    check_meta(path, meta, validator, ours)
    rows = []
    for i, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        try:
            obj = json.loads(line)
        except ValueError as e:
            problem(path, "line %d is not one JSON value: %s" % (i, e))
            obj = None
        if ours and obj is not None and compact(obj) != line:
            problem(path, "line %d is not in minimal-whitespace form" % i)
        if i > 1:
            rows.append(obj)
    check_rows(path, meta, rows)


def main(argv):
    ours = False
    if argv and argv[0] == "--ours":
        ours = True
        argv = argv[1:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    import jsonschema
    with open(argv[0] + "/dataset.schema.json", encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft201909Validator(schema)
    for path in argv[1:]:
        with open(path, "rb") as f:
            raw = f.read()
        try:
            if path.endswith(".dsjc"):
                if ours and not (len(raw) > 2 and raw[0] == 0x78 and
                                 (raw[0] * 256 + raw[1]) % 31 == 0):
                    problem(path, "not a zlib stream (first bytes %s)" % raw[:2].hex())
                text = zlib.decompress(raw, 47).decode("utf-8")   # zlib or gzip
                check_lines(path, text, validator, ours)
            elif path.endswith(".ndjson"):
                check_lines(path, raw.decode("utf-8"), validator, ours)
            else:
                doc = json.loads(raw.decode("utf-8"))
                rows = doc.get("rows", [])
                meta = dict(doc)
                check_meta(path, meta, validator, ours)
                check_rows(path, meta, rows)
                if ours:
                    head = raw.decode("utf-8").split("\n", 1)[0]
                    meta.pop("rows", None)
                    if not head.startswith(compact(meta)[:-1] + ',"rows":['):
                        problem(path, "header line is not in minimal-whitespace form")
        except (ValueError, zlib.error, UnicodeDecodeError) as e:
            problem(path, "cannot read: %s" % e)
    for p in problems:
        sys.stderr.write(p + "\n")
    print("%d file(s) checked, %d problem(s)" % (len(argv) - 1, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
