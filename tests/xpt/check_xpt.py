#!/usr/bin/python3
"""External-truth checks of trialpack's XPT reader and writer (tests/xpt/*.sh run this).

usage:
  check_xpt.py pilot TOOL FILE.xpt...            trialpack's reading == pandas == readstat
  check_xpt.py rewrite TOOL TMPDIR FILE.xpt...   xpt -> xpt reproduces every byte but the
                                                 software, OS and date-time header fields
  check_xpt.py written TOOL TMPDIR                files trialpack writes (edge values, special
                                                 missings, v5 / short lengths / v8 / v9) read back
                                                 the same in trialpack, pandas and readstat

TOOL is tests/xpt/xpt_tool (JSON-lines dump of what trialpack reads). The oracles:
  * pandas.read_sas(format='xport') values (v5 only); its XportReader.fields / member_info for
    NAMESTR and member metadata. pandas reads an IBM zero as 5.397605346934028e-79 (pandas issues
    #30051, #50670): such a pandas value matches our 0. pandas rstrip()s all whitespace of
    character values; we strip blanks only.
  * readstat CLI: `readstat F -` (CSV; numbers printed "%f", or "%.14f" when they need more than
    six decimals) and `readstat F` (summary); `readstat F out.sav` + ReadStat's extract_metadata
    for names, types and full labels (v8 long labels included) as ReadStat understood them.
Exit status 0 = all equal, 1 = a difference (printed), 77 = an oracle is missing.
"""
import csv
import io
import json
import math
import os
import subprocess
import sys

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    print("SKIP: pandas is not importable by %s" % sys.executable)
    sys.exit(77)

PANDAS_ZERO = math.ldexp(1.0, -260)  # what pandas reads for an IBM zero
stats = {"files": 0, "values_pandas": 0, "values_readstat": 0, "meta": 0}
problems = []


def problem(msg):
    problems.append(msg)
    if len(problems) <= 40:
        print("DIFF: " + msg)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, **kw)


def tp_dump(tool, path):
    """Members read by trialpack: list of dicts (meta + rows). Strings as bytes."""
    r = run([tool, "dump", path])
    if r.returncode != 0:
        raise RuntimeError("xpt_tool dump %s failed: %s" % (path, r.stderr.decode("latin-1")))
    return parse_dump(r.stdout)


def parse_dump(data):
    members, cur = [], None
    for line in data.decode("ascii").splitlines():
        obj = json.loads(line)
        if isinstance(obj, dict) and "dataset" in obj:
            cur = dict(obj, rows=[])
            members.append(cur)
        elif isinstance(obj, dict) and "end" in obj:
            if obj["end"] != len(cur["rows"]):
                raise RuntimeError("row count mismatch in dump")
        else:
            cur["rows"].append([v.encode("latin-1") if isinstance(v, str) else v for v in obj])
    for m in members:
        for v in m["vars"]:
            for k in ("name", "label", "format", "informat"):
                v[k] = v[k].encode("latin-1") if isinstance(v[k], str) else v[k]
    return members


def is_missing(v):
    return isinstance(v, dict) and "missing" in v


def readstat_num_ok(text, x):
    """readstat prints %lf, or %.14f when the value has more than 6 decimals."""
    if text in ("%f" % x, "%.14f" % x):
        return True
    try:  # allow its double_decimals() heuristic to pick the other format
        return float(text) == float("%.14f" % x) or float(text) == x
    except ValueError:
        return False


# ---------------------------------------------------------------- pandas
def check_pandas(path, mem, label):
    with pd.read_sas(path, format="xport", iterator=True) as rdr:
        fields = rdr.fields
        info = rdr.member_info
        df = rdr.read()
    tag = "%s (pandas)" % label
    if info["set_name"] != mem["dataset"]:
        problem("%s: dataset name %r != %r" % (tag, info["set_name"], mem["dataset"]))
    if info["label"] != mem["label"]:
        problem("%s: dataset label %r != %r" % (tag, info["label"], mem["label"]))
    attrs = mem["attrs"]
    if info["type"] != attrs.get("xpt.dstype", ""):
        problem("%s: dataset type %r != %r" % (tag, info["type"], attrs.get("xpt.dstype")))
    if info["version"] != attrs.get("xpt.sas_version") or info["OS"] != attrs.get("xpt.os"):
        problem("%s: version/OS %r/%r != %r/%r" % (tag, info["version"], info["OS"],
                                                  attrs.get("xpt.sas_version"), attrs.get("xpt.os")))
    for key, ours in (("created", attrs.get("xpt.created")), ("modified", attrs.get("xpt.modified"))):
        if info[key].strftime("%Y-%m-%dT%H:%M:%S") != ours:
            problem("%s: %s %s != %s" % (tag, key, info[key], ours))
    if len(fields) != len(mem["vars"]):
        problem("%s: %d variables != %d" % (tag, len(fields), len(mem["vars"])))
        return
    for f, v in zip(fields, mem["vars"]):
        want = {
            "name": v["name"], "label": v["label"], "field_length": v["length"],
            "ntype": "numeric" if v["type"] == "num" else "char",
            "nform": v["format"], "nfl": v["fw"], "num_decimals": v["fd"], "nfj": v["fj"],
            "niform": v["informat"], "nifl": v["iw"], "nifd": v["id"],
        }
        for k, w in want.items():
            got = f[k]
            if isinstance(w, bytes):
                w = w.rstrip()
            if got != w:
                problem("%s: variable %s: %s %r != %r" % (tag, v["name"], k, got, w))
        stats["meta"] += 1
    if len(df) != len(mem["rows"]):
        problem("%s: %d rows != %d" % (tag, len(df), len(mem["rows"])))
        return
    for j, v in enumerate(mem["vars"]):
        col = df.iloc[:, j].tolist()
        for i, (p, ours) in enumerate(zip(col, (r[j] for r in mem["rows"]))):
            stats["values_pandas"] += 1
            if v["type"] == "num":
                if is_missing(ours):
                    ok = isinstance(p, float) and math.isnan(p)
                elif ours == 0:
                    ok = p == 0 or abs(p) == PANDAS_ZERO
                else:
                    ok = p == ours
            else:
                ok = p == ours.rstrip(b" \t\n\r\x0b\x0c")
            if not ok:
                problem("%s: row %d %s: pandas %r, trialpack %r" % (tag, i + 1, v["name"], p, ours))


# ---------------------------------------------------------------- readstat
def check_readstat(path, mem, label, tmp, numeric_lengths_ok=(3, 4, 5, 6, 7, 8)):
    tag = "%s (readstat)" % label
    r = run(["readstat", path])
    summary = r.stdout.decode("latin-1")
    want = {"Columns": str(len(mem["vars"])), "Table name": mem["dataset"],
            "Format version": mem["attrs"]["xpt.version"]}
    if mem["label"]:
        want["Table label"] = mem["label"]
    got = dict(l.split(": ", 1) for l in summary.splitlines() if ": " in l)
    for k, w in want.items():
        if got.get(k) != w:
            problem("%s: summary %s %r != %r" % (tag, k, got.get(k), w))
    # values
    r = run(["readstat", path, "-"])
    if r.returncode != 0:
        problem("%s: readstat failed: %s" % (tag, r.stderr.decode("latin-1")[:200]))
        return
    rows = list(csv.reader(io.StringIO(r.stdout.decode("latin-1"), newline="")))
    names = [v["name"].decode("latin-1") for v in mem["vars"]]
    if rows[0] != names:
        problem("%s: names %r != %r" % (tag, rows[0], names))
    rows = rows[1:]
    if len(rows) != len(mem["rows"]):
        problem("%s: %d rows != %d" % (tag, len(rows), len(mem["rows"])))
        return
    for i, (rs, ours) in enumerate(zip(rows, mem["rows"])):
        for j, v in enumerate(mem["vars"]):
            text, x = rs[j], ours[j]
            if v["type"] == "num" and v["length"] not in numeric_lengths_ok:
                ok = text == "nan"  # ReadStat does not read 2-byte numbers
            elif v["type"] == "num":
                ok = text == "" if is_missing(x) else readstat_num_ok(text, x)
            else:
                ok = text.encode("latin-1") == x
            stats["values_readstat"] += 1
            if not ok:
                problem("%s: row %d %s: readstat %r, trialpack %r" % (tag, i + 1, v["name"], text, x))
    # names, types and labels as ReadStat understood them: its SPSS writer plus its
    # extract_metadata tool (a sas7bdat detour loses labels in pandas' sas7bdat reader)
    sav, meta = os.path.join(tmp, "readstat-meta.sav"), os.path.join(tmp, "readstat-meta.json")
    for f in (sav, meta):
        if os.path.exists(f):
            os.unlink(f)
    r = run(["readstat", path, sav])
    r2 = run(["extract_metadata", sav, meta]) if r.returncode == 0 else r
    if r2.returncode != 0 or not os.path.exists(meta):
        problem("%s: readstat/extract_metadata failed: %s" % (tag, (r.stderr + r2.stderr).decode("latin-1")[:200]))
        return
    with open(meta, "rb") as f:
        spss = json.loads(f.read().decode("utf-8", "replace"))["variables"]
    if len(spss) != len(mem["vars"]):
        problem("%s: extract_metadata lists %d variables" % (tag, len(spss)))
        return
    for c, v in zip(spss, mem["vars"]):
        name, clabel = c["name"].encode("latin-1"), c.get("label", "").encode("latin-1")
        if name != v["name"] or clabel != v["label"]:
            problem("%s: name/label %r/%r != %r/%r" % (tag, name, clabel, v["name"], v["label"]))
        if (c["type"] == "STRING") != (v["type"] == "char"):
            problem("%s: %s type %r != %s" % (tag, v["name"], c["type"], v["type"]))
        stats["meta"] += 1


# ---------------------------------------------------------------- modes
def mode_pilot(tool, files, tmp):
    for path in files:
        label = os.path.basename(path)
        mems = tp_dump(tool, path)
        if len(mems) != 1:
            problem("%s: %d members" % (label, len(mems)))
            continue
        check_pandas(path, mems[0], label)
        check_readstat(path, mems[0], label, tmp)
        stats["files"] += 1


# Header bytes that record who wrote the file and when (single-member file):
# real header 1: SAS release 104..111, OS 112..119, created 144..159; real header 2: modified
# 160..175; member record 1: release 424..431, OS 432..439, created 464..479; member record 2:
# modified 480..495.
EXCLUDED = [(104, 112), (112, 120), (144, 160), (160, 176), (424, 432), (432, 440), (464, 480),
            (480, 496)]


def mode_rewrite(tool, tmp, files):
    for path in files:
        label = os.path.basename(path)
        out = os.path.join(tmp, "rewrite-" + label)
        # profile none: SAS wrote these files in its session encoding (ts.xpt has a cp1252 0x92)
        r = run([tool, "convert", path, out, "profile=none"])
        if r.returncode != 0:
            problem("%s: rewrite failed: %s" % (label, r.stderr.decode("latin-1")))
            continue
        a, b = open(path, "rb").read(), open(out, "rb").read()
        if len(a) != len(b):
            problem("%s: rewritten size %d != %d" % (label, len(b), len(a)))
            continue
        diff = [i for i in range(len(a)) if a[i] != b[i]] if a != b else []
        bad = [i for i in diff if not any(lo <= i < hi for lo, hi in EXCLUDED)]
        if bad:
            problem("%s: %d bytes differ outside the header identity fields, first at %d: %r vs %r"
                    % (label, len(bad), bad[0], a[bad[0]:bad[0] + 16], b[bad[0]:bad[0] + 16]))
        # the excluded fields hold what trialpack says it is
        if b[104:120] != b"9.4     TRIALPCK" or b[424:440] != b"9.4     TRIALPCK":
            problem("%s: identity fields %r %r" % (label, b[104:120], b[424:440]))
        stats["files"] += 1
        stats["values_pandas"] += len(a) - len(diff)  # bytes equal


def num_expected(x, length):
    """What a length-L XPT number reads back as (truncated IBM, as SAS stores it)."""
    import struct
    if x == 0 or not math.isfinite(x):
        return 0.0
    bits = struct.unpack(">Q", struct.pack(">d", x))[0]
    sign, eb, frac = bits >> 63, (bits >> 52) & 0x7FF, bits & ((1 << 52) - 1)
    if eb == 0:
        return 0.0
    e = eb - 1023
    r = e & 3
    q = (e - r) // 4
    exp16 = q + 65
    if exp16 < 0:
        return 0.0
    f = ((1 << 52) | frac) << r
    f &= ~((1 << (8 * (8 - length))) - 1)  # keep the first `length` bytes
    val = math.ldexp(f, 4 * (exp16 - 64) - 56)
    return -val if sign else val


def mode_written(tool, tmp):
    for variant in ("v5", "short", "v8", "v9"):
        path = os.path.join(tmp, "written-%s.xpt" % variant)
        r = run([tool, "gen-edge", path, "variant=" + variant])
        if r.returncode != 0:
            problem("gen-edge %s failed: %s" % (variant, r.stderr.decode("latin-1")))
            continue
        src = parse_dump(r.stdout)[0]
        mems = tp_dump(tool, path)
        got = mems[0]
        label = "written-%s" % variant
        # 1. trialpack reads back what it wrote
        for k in ("dataset", "label"):
            if got[k] != src[k]:
                problem("%s: %s %r != %r" % (label, k, got[k], src[k]))
        if got["attrs"].get("xpt.dstype") != src["attrs"].get("xpt.dstype"):
            problem("%s: dstype" % label)
        if got["attrs"]["xpt.version"] != ("8" if variant in ("v8", "v9") else "5"):
            problem("%s: version %r" % (label, got["attrs"]["xpt.version"]))
        for vs, vg in zip(src["vars"], got["vars"]):
            if vs != vg:
                problem("%s: variable %r read back as %r" % (label, vs, vg))
        for i, (rs, rg) in enumerate(zip(src["rows"], got["rows"])):
            for j, v in enumerate(src["vars"]):
                a, b = rs[j], rg[j]
                if v["type"] == "char":
                    want = a.rstrip(b" ")
                elif is_missing(a):
                    want = a
                elif isinstance(a, dict) and "nan" in a:
                    want = {"missing": "."}
                else:
                    want = num_expected(a, v["length"])
                if b != want:
                    problem("%s: row %d %s: wrote %r, read %r (want %r)"
                            % (label, i + 1, v["name"], a, b, want))
                stats["values_readstat"] += 0
        if len(src["rows"]) != len(got["rows"]):
            problem("%s: %d rows read, %d written" % (label, len(got["rows"]), len(src["rows"])))
        # 2. the oracles read what trialpack reads
        if variant in ("v5", "short"):
            check_pandas(path, got, label)
        check_readstat(path, got, label, tmp)
        stats["files"] += 1


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    mode, tool = argv[1], argv[2]
    if subprocess.run(["sh", "-c", "command -v readstat"], stdout=subprocess.DEVNULL).returncode:
        print("SKIP: readstat (Debian package readstat) is not installed")
        return 77
    if mode == "pilot":
        tmp = os.environ.get("TMPDIR", "/tmp")
        mode_pilot(tool, argv[3:], tmp)
    elif mode == "rewrite":
        mode_rewrite(tool, argv[3], argv[4:])
    elif mode == "written":
        mode_written(tool, argv[3])
    else:
        print(__doc__)
        return 2
    print("%s: %d files; %d values compared with pandas, %d with readstat; %d variable metadata "
          "checks; %d differences" % (mode, stats["files"], stats["values_pandas"],
                                      stats["values_readstat"], stats["meta"], len(problems))
          if mode != "rewrite" else
          "rewrite: %d files byte-identical outside the excluded header fields %s; %d differences"
          % (stats["files"], EXCLUDED, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
