#!/usr/bin/env python3
"""Run the rule fixtures under tests/rules/fixtures/ (see tests/rules/fixtures/README.md).

Usage: fixture_run.py CDT FIXTURES_DIR WORK_DIR [RULE_ID...]
       fixture_run.py --build CDT FIXTURES_DIR CASE_DIR OUT_DIR   (assemble one case, for debugging)

For every <RuleID>/fire and <RuleID>/nofire case: build a package folder from the shared base
study (_base/, unless the case has a file named `nobase`), overlay the case's files (a case file
`omit` lists base datasets to leave out), turn every CSV dataset into an XPT v5 file with
`trialpack convert` (variable types and labels from the SDTMIG 3.4 tables, overridden by the
case's vars.csv; per-dataset convert options from `opts` lines "ds: ARGS"; dataset labels from
the IG unless `labels.csv` says otherwise; `rename` lines "from.xpt to.xpt" rename files after),
copy the other files (define.xml, ct.txt ...) as they are, run `trialpack validate -f csv` on the folder (plus the arguments in `args`, where
{dir} is the case folder) and check that the rule fires (fire/) or does not (nofire/), and that
its messages have every placeholder filled. Also checks that the catalogue's Implemented column
and the engine agree, and that every implemented rule has both cases.
Prints one line per failure and a summary; exit 0 when all pass, 1 otherwise.
"""
import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import concurrent.futures
import hashlib
import tempfile
import threading
import sys

if sys.argv[1] == "--build":
    cdt, fixtures = sys.argv[2], sys.argv[3]
    work, only = None, set()
else:
    cdt, fixtures, work = sys.argv[1], sys.argv[2], sys.argv[3]
    only = set(sys.argv[4:])
cache_dir = os.path.join(work or tempfile.mkdtemp(), ".convert-cache")
os.makedirs(cache_dir, exist_ok=True)
src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(fixtures))))
std_dir = os.path.join(src, "mappings", "standards", "sdtmig-3.4")

std_vars = {}
for r in csv.DictReader(open(os.path.join(std_dir, "variables.csv"), encoding="utf-8")):
    std_vars.setdefault(r["Dataset"], {})[r["Variable"]] = r
std_labels = {r["Dataset"]: r["Label"] for r in csv.DictReader(
    open(os.path.join(std_dir, "datasets.csv"), encoding="utf-8"))}
any_var = {}
for ds, vs in std_vars.items():
    for v, r in vs.items():
        any_var.setdefault(v, r)


def std_for(ds):
    if ds in std_vars:
        return std_vars[ds]
    if ds.startswith("SUPP") or ds.startswith("SQ"):
        return std_vars.get("SUPPQUAL", {})
    if len(ds) > 2 and ds[:2] in std_vars:
        return std_vars[ds[:2]]
    return {}


def read_vars(path):
    out = {}
    if os.path.exists(path):
        for r in csv.DictReader(open(path, encoding="utf-8")):
            out.setdefault(r["Dataset"].upper(), {})[r["Variable"]] = r
    return out


KEYS = {"DM": ["STUDYID", "USUBJID"], "TS": ["STUDYID", "TSPARMCD", "TSSEQ"],
        "TA": ["STUDYID", "ARMCD", "TAETORD"], "TE": ["STUDYID", "ETCD"],
        "TV": ["STUDYID", "VISITNUM", "ARMCD"], "TI": ["STUDYID", "IETESTCD"],
        "SV": ["STUDYID", "USUBJID", "VISITNUM"],
        "SUPP": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"],
        "RELREC": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID"]}


def esc(t):
    return (t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def make_define(pkg, info, omit, patches):
    """A Define-XML 2.1 document describing the package's datasets as converted."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:xlink="http://www.w3.org/1999/xlink" '
           'xmlns:def="http://www.cdisc.org/ns/def/v2.1" ODMVersion="1.3.2" FileType="Snapshot" '
           'FileOID="DEF.S1" CreationDateTime="2024-04-01T00:00:00" def:Context="Submission">',
           '<Study OID="S.S1"><GlobalVariables><StudyName>S1</StudyName>'
           '<StudyDescription>S1</StudyDescription><ProtocolName>S1</ProtocolName></GlobalVariables>',
           '<MetaDataVersion OID="MDV.S1" Name="S1" def:DefineVersion="2.1.0">',
           '<def:Standards><def:Standard OID="STD.1" Name="SDTMIG" Type="IG" Version="3.4" '
           'Status="Final"/></def:Standards>']
    items = []
    vlm = []  # (ds, qnams) for SUPP-- QVAL value-level metadata
    for ds, label, cols, qnams in info:
        if ds.startswith("SUPP") and qnams and ds not in omit:
            vlm.append((ds, qnams))
    for ds, qnams in vlm:
        out.append('<def:ValueListDef OID="VL.%s.QVAL">' % ds)
        for n, q in enumerate(qnams, start=1):
            out.append('<ItemRef ItemOID="IT.%s.QVAL.%s" OrderNumber="%d" Mandatory="Yes">'
                       '<def:WhereClauseRef WhereClauseOID="WC.%s.%s"/></ItemRef>' % (ds, q, n, ds, q))
        out.append('</def:ValueListDef>')
    for ds, qnams in vlm:
        for q in qnams:
            out.append('<def:WhereClauseDef OID="WC.%s.%s"><RangeCheck SoftHard="Soft" '
                       'def:ItemOID="IT.%s.QNAM" Comparator="EQ"><CheckValue>%s</CheckValue>'
                       '</RangeCheck></def:WhereClauseDef>' % (ds, q, ds, esc(q)))
    for ds, label, cols, qnams in info:
        if ds in omit:
            continue
        dom = ds[:2] if not ds.startswith("SUPP") else ds
        keys = KEYS.get(ds) or (KEYS["SUPP"] if ds.startswith("SUPP") else None)
        if not keys:
            seq = [c[0] for c in cols if c[0].endswith("SEQ")]
            keys = ["STUDYID", "USUBJID"] + seq[:1]
        cls = {"TA": "TRIAL DESIGN", "TE": "TRIAL DESIGN", "TV": "TRIAL DESIGN", "TS": "TRIAL DESIGN",
               "TI": "TRIAL DESIGN", "DM": "SPECIAL PURPOSE", "SE": "SPECIAL PURPOSE",
               "SV": "SPECIAL PURPOSE", "CO": "SPECIAL PURPOSE"}.get(ds, "")
        if ds.startswith("SUPP") or ds == "RELREC":
            cls = "RELATIONSHIP"
        if not cls:
            cls = "EVENTS"
        out.append('<ItemGroupDef OID="IG.%s" Name="%s" SASDatasetName="%s" Repeating="%s" '
                   'IsReferenceData="%s" Purpose="Tabulation" def:Structure="One record per row" '
                   'def:StandardOID="STD.1" def:ArchiveLocationID="LF.%s" Domain="%s">'
                   % (ds, ds, ds, "No" if ds == "DM" else "Yes",
                      "Yes" if cls == "TRIAL DESIGN" else "No", ds, dom))
        out.append('<Description><TranslatedText xml:lang="en">%s</TranslatedText></Description>'
                   % esc(label))
        for n, (v, t, lab, length, dt) in enumerate(cols, start=1):
            if "%s.%s" % (ds, v) in omit:
                continue
            ks = ' KeySequence="%d"' % (keys.index(v) + 1) if v in keys else ""
            out.append('<ItemRef ItemOID="IT.%s.%s" OrderNumber="%d" Mandatory="%s"%s/>'
                       % (ds, v, n, "Yes" if v in keys else "No", ks))
            items.append((ds, v, lab, length, dt))
        out.append('<def:Class Name="%s"/>' % cls)
        out.append('<def:leaf ID="LF.%s" xlink:href="%s.xpt"><def:title>%s.xpt</def:title></def:leaf>'
                   % (ds, ds.lower(), ds.lower()))
        out.append('</ItemGroupDef>')
    vl_of = {ds: q for ds, q in vlm}
    for ds, v, lab, length, dt in items:
        sig = ' SignificantDigits="2"' if dt == "float" else ""
        vref = ('<def:ValueListRef ValueListOID="VL.%s.QVAL"/>' % ds
                if v == "QVAL" and ds in vl_of else "")
        out.append('<ItemDef OID="IT.%s.%s" Name="%s" DataType="%s" Length="%d"%s SASFieldName="%s">'
                   '<Description><TranslatedText xml:lang="en">%s</TranslatedText></Description>'
                   '<def:Origin Type="Collected" Source="Investigator"/>%s</ItemDef>'
                   % (ds, v, v, dt, length, sig, v, esc(lab), vref))
        if vref:
            for q in vl_of[ds]:
                out.append('<ItemDef OID="IT.%s.QVAL.%s" Name="QVAL" DataType="text" Length="%d" '
                           'SASFieldName="QVAL"><Description><TranslatedText xml:lang="en">%s'
                           '</TranslatedText></Description><def:Origin Type="Collected" '
                           'Source="Investigator"/></ItemDef>' % (ds, q, length, esc(q)))
    out.append('</MetaDataVersion></Study></ODM>')
    text = "\n".join(out) + "\n"
    for old, new in patches:
        text = text.replace(old, new)
    with open(os.path.join(pkg, "define.xml"), "w", encoding="utf-8") as f:
        f.write(text)


def build(case, pkg):
    """Assemble the package for one case; returns (validate args, error text or None)."""
    os.makedirs(pkg)
    files = {}
    base = os.path.join(fixtures, "_base")
    omit = set()
    if os.path.exists(os.path.join(case, "omit")):
        omit = {l.strip().lower() for l in open(os.path.join(case, "omit")) if l.strip()}
    if not os.path.exists(os.path.join(case, "nobase")):
        for f in os.listdir(base):
            if f.endswith(".csv") and f != "vars.csv" and f[:-4].lower() not in omit:
                files[f.lower()] = os.path.join(base, f)
    special = {"vars.csv", "labels.csv", "opts", "args", "omit", "nobase", "README", "rename",
               "ct.txt", "nodefine", "define.omit", "define.patch"}
    for f in os.listdir(case):
        if f in special:
            continue
        files[f.lower() if f.endswith(".csv") else f] = os.path.join(case, f)
    vars_over = read_vars(os.path.join(case, "vars.csv"))
    labels = {}
    if os.path.exists(os.path.join(case, "labels.csv")):
        for r in csv.DictReader(open(os.path.join(case, "labels.csv"), encoding="utf-8")):
            labels[r["Dataset"].upper()] = r["Label"]
    opts = {}
    if os.path.exists(os.path.join(case, "opts")):
        for line in open(os.path.join(case, "opts")):
            if ":" in line:
                k, v = line.split(":", 1)
                opts[k.strip().upper()] = shlex.split(v)
    info = []
    for name, path in sorted(files.items()):
        if not name.endswith(".csv"):
            shutil.copy(path, os.path.join(pkg, name))
            continue
        ds = name[:-4].upper()
        table = list(csv.reader(open(path, encoding="utf-8", newline="")))
        header = table[0]
        sv = std_for(ds)
        cols = []
        meta = os.path.join(pkg, ".vars-%s.csv" % ds)
        with open(meta, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["Variable", "Type", "Label", "Length"])
            for k, v in enumerate(header):
                o = vars_over.get(ds, {}).get(v)
                r = sv.get(v) or any_var.get(v)
                if o:
                    row = [v, o.get("Type", "Char"), o.get("Label", v), o.get("Length", "")]
                elif r:
                    row = [v, r["Type"], r["Label"], ""]
                else:
                    row = [v, "Char", v, ""]
                w.writerow(row)
                vals = [x[k] for x in table[1:] if k < len(x) and x[k] != ""]
                if row[1].lower().startswith("n"):
                    dt = "integer" if all(x.lstrip("-").isdigit() for x in vals) else "float"
                    length = max([len(x.lstrip("-").replace(".", "")) for x in vals] + [1])
                else:
                    dt = "text"
                    length = int(row[3]) if row[3] else max([len(x.encode()) for x in vals] + [1])
                cols.append((v, row[1], row[2], length, dt))
        label = labels.get(ds, std_labels.get(ds, std_labels.get(ds[:2], "")
                                             if not ds.startswith("SUPP") else
                                             "Supplemental Qualifiers for " + ds[4:]))
        out = os.path.join(pkg, ds.lower() + ".xpt")
        cmd = [cdt, "convert", "--meta", meta, "-n", ds, "-l", label] + opts.get(ds, []) + [path, out]
        # most cases share the base datasets: convert each distinct (sheet, options, CSV) once
        h = hashlib.sha1()
        for part in (open(meta, "rb").read(), "\0".join(cmd[3:-2]).encode(), open(path, "rb").read()):
            h.update(part)
            h.update(b"\1")
        cached = os.path.join(cache_dir, h.hexdigest() + ".xpt")
        if os.path.exists(cached):
            shutil.copy(cached, out)
            os.remove(meta)
        else:
            p = subprocess.run(cmd, capture_output=True, text=True)
            os.remove(meta)
            if p.returncode != 0:
                return None, "convert %s failed: %s" % (name, p.stderr.strip()[:300])
            tmp = cached + ".%d.tmp" % threading.get_ident()
            shutil.copy(out, tmp)
            os.replace(tmp, cached)
        qnams = []
        if "QNAM" in header:
            k = header.index("QNAM")
            for x in table[1:]:
                if k < len(x) and x[k] and x[k] not in qnams:
                    qnams.append(x[k])
        info.append((ds, label, cols, qnams))
    # define.xml: the case's own, none (file `nodefine`), or one generated from the datasets
    # (`define.omit` lists datasets or DS.VAR to leave out, `define.patch` lines "old => new")
    if not os.path.exists(os.path.join(case, "define.xml")) and \
            not os.path.exists(os.path.join(case, "nodefine")):
        omit_d = set()
        if os.path.exists(os.path.join(case, "define.omit")):
            omit_d = {l.strip() for l in open(os.path.join(case, "define.omit")) if l.strip()}
        patches = []
        if os.path.exists(os.path.join(case, "define.patch")):
            for line in open(os.path.join(case, "define.patch"), encoding="utf-8"):
                if " => " in line:
                    a, b = line.rstrip("\n").split(" => ", 1)
                    patches.append((a, b))
        make_define(pkg, info, omit_d, patches)
    if os.path.exists(os.path.join(case, "rename")):
        for line in open(os.path.join(case, "rename")):
            parts = line.split()
            if len(parts) == 2:
                os.rename(os.path.join(pkg, parts[0]), os.path.join(pkg, parts[1]))
    args = []
    if os.path.exists(os.path.join(case, "args")):
        args = shlex.split(open(os.path.join(case, "args")).read().replace("{dir}", case))
    if "--ct" not in args:
        # terminology: the case's ct.txt, else the base's (so the bundled mappings/ct can change
        # without changing what the fixtures prove)
        ct = os.path.join(case, "ct.txt")
        args += ["--ct", ct if os.path.exists(ct) else os.path.join(fixtures, "_base", "ct.txt")]
    return args, None


def run_case(case, pkg):
    args, e = build(case, pkg)
    if e:
        return None, e
    p = subprocess.run([cdt, "validate", "-f", "csv"] + args + [pkg], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None, "validate exited %d: %s" % (p.returncode, p.stderr.strip()[:300])
    rows = list(csv.reader(io.StringIO(p.stdout)))
    return rows[1:], None


def main():
    # engine vs catalogue: --list-rules prints the engine's view
    p = subprocess.run([cdt, "validate", "--list-rules", "-f", "csv"], capture_output=True, text=True)
    if p.returncode != 0:
        print("FAIL: --list-rules: %s" % p.stderr.strip())
        return 1
    listed = {r["RuleID"]: r for r in csv.DictReader(io.StringIO(p.stdout))}
    cat = {r["RuleID"]: r for r in csv.DictReader(
        open(os.path.join(src, "mappings", "rules", "catalogue.csv"), encoding="utf-8"))}
    failures = []
    for rid, r in cat.items():
        col = r.get("Implemented", "")
        if listed.get(rid, {}).get("Implemented") != col:
            failures.append("%s: catalogue says Implemented=%s, the engine says %s"
                            % (rid, col, listed.get(rid, {}).get("Implemented")))
    implemented = sorted(rid for rid, r in cat.items() if r.get("Implemented") == "Yes")
    ran = 0
    os.makedirs(cache_dir, exist_ok=True)
    cases = []
    for rid in implemented:
        if only and rid not in only:
            continue
        for kind in ("fire", "nofire"):
            case = os.path.join(fixtures, rid, kind)
            if not os.path.isdir(case):
                failures.append("%s: no %s/ fixture" % (rid, kind))
                continue
            cases.append((rid, kind, case))

    def one(item):
        rid, kind, case = item
        pkg = os.path.join(work, rid + "-" + kind)
        shutil.rmtree(pkg, ignore_errors=True)
        return run_case(case, pkg)

    # cases are independent: run two at a time (the subprocesses do the work), report in order
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(one, cases))
    for (rid, kind, case), (rows, e) in zip(cases, results):
        if True:
            pkg = os.path.join(work, rid + "-" + kind)
            ran += 1
            if e:
                failures.append("%s %s: %s" % (rid, kind, e))
                continue
            mine = [x for x in rows if len(x) > 8 and x[1] == rid]
            if kind == "fire" and not mine:
                failures.append("%s fire: rule did not fire (fired: %s)"
                                % (rid, " ".join(sorted({x[1] for x in rows if len(x) > 1}))))
            if kind == "nofire" and mine:
                failures.append("%s nofire: rule fired: %s" % (rid, mine[0][8]))
            for x in mine:
                if re.search(r"\{[a-z_]+\}", x[8]):
                    failures.append("%s %s: unfilled placeholder in %r" % (rid, kind, x[8]))
                    break
            shutil.rmtree(pkg, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("%d fixture case(s) run for %d implemented rule(s), %d failure(s)"
          % (ran, len(implemented), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1] == "--build":
        a, e = build(os.path.abspath(sys.argv[4]), sys.argv[5])
        if e:
            print(e)
            sys.exit(1)
        print(" ".join(a))
        sys.exit(0)
    sys.exit(main())
