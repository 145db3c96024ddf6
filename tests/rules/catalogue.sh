#!/bin/sh
# mappings/rules/catalogue.csv: the conformance-rule catalogue `trialpack validate` runs.
# Checks (with /usr/bin/python3's csv module): UTF-8 without BOM, LF line ends, the 13-column
# header (the last, Implemented, is Yes or No), unique TPnnnn rule ids, allowed Severity/Scope/Category values, Domains tokens known to
# the standards tables, Params written as key=value, non-empty Message/Description, every Check
# listed in mappings/rules/README.md ("Check kinds" table), at least 100 rules, and a
# YYYY.MM.N VERSION file. When $TP_REFERENCE_DIR/rules exists, every CDISC_ID/FDA_ID/PMDA_ID must
# be an id of the reference rule files (CG ids applying to SDTMIG 3.4, published CORE ids, FDA
# validator v1.6 / business rules v1.5, PMDA v6.0); without that folder this part is skipped with
# a message. Exit 0 pass, 1 fail, 77 skip (no python3).
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 interpreter"

"$PY" - "$TP_SRCDIR" "$TP_REFERENCE_DIR" <<'EOF'
import csv, io, os, re, sys

src, ref = sys.argv[1], sys.argv[2]
rules_dir = os.path.join(src, "mappings", "rules")
errors = []
def err(msg):
    errors.append(msg)

HEADER = ["RuleID", "Severity", "Scope", "Domains", "Category", "Message", "Description",
          "CDISC_ID", "FDA_ID", "PMDA_ID", "Check", "Params", "Implemented"]
SEVERITIES = {"Error", "Warning", "Notice"}
SCOPES = {"dataset", "define", "odm", "xpt", "package"}
CATEGORIES = {"xpt-format", "encoding", "structure", "metadata", "keys", "package", "ISO8601",
              "timing", "CT", "SUPPQUAL", "RELREC", "DM", "trial-design", "findings", "events",
              "interventions", "define-data", "define-only", "odm", "ADaM"}
CLASS_TOKENS = {"INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS_ABOUT", "SPECIAL_PURPOSE",
                "TRIAL_DESIGN", "RELATIONSHIP", "STUDY_REFERENCE"}
SPECIAL_TOKENS = {"ALL", "SUPP--", "AP--", "OCCDS", "ADAMOTHER"}

# --- the file itself ---------------------------------------------------------------------------
path = os.path.join(rules_dir, "catalogue.csv")
try:
    raw = open(path, "rb").read()
except OSError as e:
    print("FAIL: cannot read %s: %s" % (path, e))
    sys.exit(1)
if raw.startswith(b"\xef\xbb\xbf"):
    err("catalogue.csv starts with a UTF-8 BOM")
if b"\r" in raw:
    err("catalogue.csv contains CR characters (LF line ends only)")
if not raw.endswith(b"\n"):
    err("catalogue.csv does not end with a newline")
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    print("FAIL: catalogue.csv is not UTF-8: %s" % e)
    sys.exit(1)

try:
    table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
except csv.Error as e:
    print("FAIL: catalogue.csv does not parse: %s" % e)
    sys.exit(1)
if not table or table[0] != HEADER:
    print("FAIL: header is %r, want %r" % (table[0] if table else None, HEADER))
    sys.exit(1)
rows = []
for n, cells in enumerate(table[1:], start=2):
    if len(cells) != len(HEADER):
        err("line %d: %d fields, want %d" % (n, len(cells), len(HEADER)))
        continue
    rows.append((n, dict(zip(HEADER, cells))))

# --- documented check kinds --------------------------------------------------------------------
checks = set()
readme = os.path.join(rules_dir, "README.md")
try:
    section = open(readme, encoding="utf-8").read().split("## Check kinds", 1)
    if len(section) == 2:
        checks = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section[1], re.M))
except OSError as e:
    err("cannot read %s: %s" % (readme, e))
if not checks:
    err("README.md has no 'Check kinds' table")

# --- dataset names known to the standards tables -----------------------------------------------
datasets = set()
for rel in ("standards/sdtmig-3.4/datasets.csv", "standards/adamig-1.3/datasets.csv"):
    p = os.path.join(src, "mappings", rel)
    try:
        with open(p, encoding="utf-8", newline="") as fh:
            datasets |= {r["Dataset"] for r in csv.DictReader(fh)}
    except (OSError, KeyError) as e:
        err("cannot read dataset names from %s: %s" % (p, e))

# --- row checks --------------------------------------------------------------------------------
seen = {}
for n, r in rows:
    rid = r["RuleID"]
    where = "line %d (%s)" % (n, rid)
    if not re.fullmatch(r"TP[0-9]{4}", rid):
        err("%s: RuleID is not TPnnnn" % where)
    if rid in seen:
        err("%s: RuleID already used on line %d" % (where, seen[rid]))
    seen[rid] = n
    if r["Severity"] not in SEVERITIES:
        err("%s: Severity %r not in %s" % (where, r["Severity"], sorted(SEVERITIES)))
    if r["Scope"] not in SCOPES:
        err("%s: Scope %r not in %s" % (where, r["Scope"], sorted(SCOPES)))
    if r["Category"] not in CATEGORIES:
        err("%s: Category %r is not a documented category" % (where, r["Category"]))
    for col in ("Message", "Description", "Domains", "Check"):
        if not r[col].strip():
            err("%s: %s is empty" % (where, col))
    for col in HEADER:
        if r[col] != r[col].strip() or "\n" in r[col]:
            err("%s: %s has surrounding blanks or a line break" % (where, col))
    if r["Implemented"] not in ("Yes", "No"):
        err("%s: Implemented is %r, want Yes or No" % (where, r["Implemented"]))
    if r["Check"] and r["Check"] not in checks:
        err("%s: Check %r is not listed in README.md" % (where, r["Check"]))
    for tok in r["Domains"].split(";"):
        ok = (tok in SPECIAL_TOKENS or tok in CLASS_TOKENS or tok in datasets
              or re.fullmatch(r"SUPP[A-Z0-9]{2}", tok))
        if not ok:
            err("%s: unknown Domains token %r" % (where, tok))
    if r["Params"]:
        for kv in r["Params"].split(";"):
            if not re.fullmatch(r"[a-z_]+=\S.*", kv):
                err("%s: Params item %r is not key=value" % (where, kv))
    for col in ("CDISC_ID", "FDA_ID", "PMDA_ID"):
        if r[col] and (r[col] != r[col].strip(";") or ";;" in r[col] or " " in r[col]):
            err("%s: %s is not a ;-separated list without blanks" % (where, col))
if len(rows) < 100:
    err("only %d rules; at least 100 expected" % len(rows))

# --- VERSION -----------------------------------------------------------------------------------
try:
    version = open(os.path.join(rules_dir, "VERSION"), encoding="utf-8").read()
    if not re.fullmatch(r"[0-9]{4}\.(0?[1-9]|1[0-2])\.[0-9]+\n", version):
        err("VERSION is %r, want one line YYYY.MM.N" % version)
except OSError as e:
    err("cannot read VERSION: %s" % e)

# --- cross-reference ids against the reference rule files --------------------------------------
rdir = os.path.join(ref, "rules")
if not os.path.isdir(rdir):
    print("SKIP (part): %s is absent; cross-reference ids not checked" % rdir)
else:
    def load(rel):
        with open(os.path.join(rdir, rel), encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    try:
        cg34 = {x["Rule ID"] for x in load("cdisc-sdtmig-conformance-v2.0/sdtmig-conformance-rules-v2.0.csv")
                if x["SDTMIG Version"] == "3.4"}
        core = {x["core_id"] for x in load("cdisc-core/core-rules-index.csv")
                if x["core_id"] and x["folder"] == "Published"}
        fda = {x["FDA Validator Rule ID"] for x in load("fda-validator-rules-v1.6/fda-validator-rules-v1.6.csv")}
        fda |= {x["FDA Business Rule ID"] for x in load("fda-business-rules-v1.5/fda-business-rules-v1.5.csv")}
        pmda = {x["Rule ID"] for x in load("pmda-validation-rules-v6.0/pmda-validation-rules-v6.0.csv")}
    except (OSError, KeyError) as e:
        print("FAIL: cannot read the reference rule files under %s: %s" % (rdir, e))
        sys.exit(1)
    counted = {"CDISC_ID": 0, "FDA_ID": 0, "PMDA_ID": 0}
    for n, r in rows:
        where = "line %d (%s)" % (n, r["RuleID"])
        for col, known, what in (("CDISC_ID", cg34 | core, "an SDTMIG 3.4 CG rule or a published CORE rule"),
                                 ("FDA_ID", fda, "an FDA validator v1.6 or business rule v1.5 id"),
                                 ("PMDA_ID", pmda, "a PMDA v6.0 rule id")):
            ids = [i for i in r[col].split(";") if i]
            if ids:
                counted[col] += 1
            for i in ids:
                if i not in known:
                    err("%s: %s %s is not %s" % (where, col, i, what))
    print("ok: cross-reference ids checked against %s (rules with ids: CDISC %d, FDA %d, PMDA %d)"
          % (rdir, counted["CDISC_ID"], counted["FDA_ID"], counted["PMDA_ID"]))

for e in errors:
    print("FAIL: " + e)
if errors:
    print("%d problem(s) in mappings/rules" % len(errors))
    sys.exit(1)
print("ok: %d rules (%d implemented), %d check kinds used, VERSION %s"
      % (len(rows), sum(r["Implemented"] == "Yes" for _, r in rows),
         len({r['Check'] for _, r in rows}), version.strip()))
EOF
