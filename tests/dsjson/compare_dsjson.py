#!/usr/bin/python3
"""Compare two Dataset-JSON files (.json, .ndjson or .dsjc, any mix) by content.

usage: compare_dsjson.py [--meta] EXPECTED ACTUAL

Always compared: column names and labels, in order, the number of rows and every value. Numbers
compare by value (1 == 1.0, so a column that is "integer" in one file and "double" in the other
still matches); strings exactly; null only equals null. With --meta also dataset name and label and
every column attribute (itemOID, dataType, targetDataType, length, displayFormat, keySequence).
Exit 0 when equal, 1 with the first differences on stderr.
"""
import json
import sys
import zlib


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".dsjc"):
        raw = zlib.decompress(raw, 47)
    text = raw.decode("utf-8")
    if path.endswith(".json"):
        doc = json.loads(text)
        return doc, doc.get("rows", [])
    lines = [l for l in text.split("\n") if l.strip()]
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:]]


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and \
            not isinstance(b, bool):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def main(argv):
    meta_too = False
    if argv and argv[0] == "--meta":
        meta_too = True
        argv = argv[1:]
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    (em, er), (am, ar) = load(argv[0]), load(argv[1])
    diffs = []
    ecols, acols = em["columns"], am["columns"]
    keys = ["name", "label"]
    if meta_too:
        keys = ["itemOID", "name", "label", "dataType", "targetDataType", "length",
                "displayFormat", "keySequence"]
        for k in ("name", "label"):
            if em.get(k) != am.get(k):
                diffs.append("dataset %s: %r != %r" % (k, em.get(k), am.get(k)))
    if len(ecols) != len(acols):
        diffs.append("%d columns != %d columns" % (len(ecols), len(acols)))
    for i, (e, a) in enumerate(zip(ecols, acols), 1):
        for k in keys:
            if e.get(k) != a.get(k):
                diffs.append("column %d %s: %r != %r" % (i, k, e.get(k), a.get(k)))
    if len(er) != len(ar):
        diffs.append("%d rows != %d rows" % (len(er), len(ar)))
    for n, (e, a) in enumerate(zip(er, ar), 1):
        for i, (x, y) in enumerate(zip(e, a)):
            if not same(x, y):
                name = ecols[i]["name"] if i < len(ecols) else "#%d" % (i + 1)
                diffs.append("record %d, column %s: %r != %r" % (n, name, x, y))
                break
        if len(diffs) > 20:
            break
    for d in diffs[:20]:
        sys.stderr.write("%s vs %s: %s\n" % (argv[0], argv[1], d))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
