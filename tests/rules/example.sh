#!/bin/sh
# End to end with the bundled SCLERADEC II study:
#  1. `trialpack build` of the clean 40-subject example validates with zero errors; every warning
#     left is justified in tests/rules/example-warnings.csv (RuleID,Justification).
#  2. Recall: with `trialpack generate --errors standard`, every injected error of errors.csv
#     (SEVERITE=ERREUR) that survives into SDTM is reported by one of its expected rules
#     (tests/rules/error-rule-map.csv: REGLE -> rule ids, as data, since the generator names the
#     expected check in words). An error survives into SDTM when its REGLE maps to rules, the
#     mapper's reconciliation.csv records no ISSUE / NOT MAPPED for that raw record (the mapper
#     empties bad values and says so), and the injected value is a character value of one of the
#     SDTM records the reconciliation says that raw record produced. Fails below 100 % recall.
# Skips with the reason when `trialpack build`/`generate` are missing or cannot build the study.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 interpreter"
"$CDT" --help 2>/dev/null | grep -q '^  build' || skip "trialpack has no build command yet"
"$CDT" --help 2>/dev/null | grep -q '^  generate' || skip "trialpack has no generate command yet"

# 1. the clean example
if ! "$CDT" build --out "$tp_tmp/clean" >"$tp_tmp/build.log" 2>&1; then
    skip "trialpack build of the example failed: $(tail -n 2 "$tp_tmp/build.log")"
fi
"$CDT" validate -f csv -o "$tp_tmp/clean.csv" "$tp_tmp/clean"
st=$?
errs=$(awk -F, '$1 == "error"' "$tp_tmp/clean.csv")
[ -z "$errs" ] && pass "clean example: no errors" || fail "clean example (exit $st): $(echo "$errs" | head -n 5)"
"$PY" - "$tp_tmp/clean.csv" "$TP_SRCDIR/tests/rules/example-warnings.csv" <<'PY' \
    && pass "clean example: every warning justified" || fail "clean example: unjustified warnings"
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if r and r[0] == "warning"]
ok = {r["RuleID"]: r["Justification"] for r in csv.DictReader(open(sys.argv[2]))}
bad = sorted({r[1] for r in rows if r[1] not in ok})
for rid in sorted({r[1] for r in rows if r[1] in ok}):
    print("  warning %s (%d): justified: %s" % (rid, sum(r[1] == rid for r in rows), ok[rid]))
for rid in bad:
    ex = next(r for r in rows if r[1] == rid)
    print("  UNJUSTIFIED warning %s (%d), e.g. %s" % (rid, sum(r[1] == rid for r in rows), ex[8]))
sys.exit(1 if bad else 0)
PY

# 2. recall over the injected errors
if ! "$CDT" generate --study scleradec2 --errors standard --out "$tp_tmp/raw" >"$tp_tmp/gen.log" 2>&1; then
    skip "trialpack generate --errors standard failed: $(tail -n 2 "$tp_tmp/gen.log")"
fi
if ! "$CDT" build --raw "$tp_tmp/raw" --out "$tp_tmp/dirty" >"$tp_tmp/build2.log" 2>&1; then
    skip "trialpack build of the dirty export failed: $(tail -n 2 "$tp_tmp/build2.log")"
fi
"$CDT" validate -f csv -o "$tp_tmp/dirty.csv" "$tp_tmp/dirty"
# the SDTM values as CSV, to see which injected values reached SDTM
sdtm=$(dirname "$(find "$tp_tmp/dirty" -name dm.xpt | head -n 1)")
mkdir -p "$tp_tmp/sdtmcsv"
for x in "$sdtm"/*.xpt; do
    "$CDT" convert "$x" "$tp_tmp/sdtmcsv/$(basename "$x" .xpt).csv" >/dev/null 2>&1
    "$CDT" info "$x" > "$tp_tmp/sdtmcsv/$(basename "$x" .xpt).info" 2>/dev/null
done
"$PY" - "$tp_tmp/raw/errors.csv" "$TP_SRCDIR/tests/rules/error-rule-map.csv" "$tp_tmp/dirty.csv" \
    "$tp_tmp/dirty" "$tp_tmp/sdtmcsv" <<'PY' && pass "recall 100 %" || fail "recall below 100 %"
import csv, glob, os, re, sys
errors = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"), delimiter=";"))
rmap = {r["REGLE"]: r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
findings = [r for r in csv.reader(open(sys.argv[3], encoding="utf-8")) if r and r[0] in ("error", "warning", "notice")]
recon = {}
for p in glob.glob(os.path.join(sys.argv[4], "**", "reconciliation.csv"), recursive=True):
    for r in csv.DictReader(open(p, encoding="utf-8-sig")):
        recon.setdefault((r["FORM"], r["USUBJID"].split("-", 1)[-1], r["VISIT"], r["LIGNE"]), []).append(r)
# SDTM records by (dataset, --SEQ): the character cells only (numbers say nothing here)
records = {}
for path in glob.glob(os.path.join(sys.argv[5], "*.csv")):
    ds = os.path.basename(path)[:-4].upper()
    info = open(path[:-4] + ".info").read()
    chars = set(re.findall(r"^\s+\d+\s+(\w+)\s+char", info, re.M))
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    seq = next((c for c in (rows[0].keys() if rows else []) if c.endswith("SEQ")), None)
    for r in rows:
        if seq:
            records[(ds, r[seq])] = {k: v.strip() for k, v in r.items() if k in chars}
by_rule = {}
for f in findings:
    by_rule.setdefault(f[1], []).append(f)
expected = found = 0
for e in errors:
    m = rmap.get(e["REGLE"])
    if e.get("SEVERITE") != "ERREUR" or not m or m["SURVIVES"] != "yes":
        continue
    lines = recon.get((os.path.splitext(e["FICHIER"])[0], e["PATNUM"].strip(), e["VISITE"], e["LIGNE"]), [])
    if any(l["STATUS"] in ("ISSUE", "NOT MAPPED") for l in lines):
        continue  # the mapper caught it and emptied the value: it does not reach SDTM
    bad = e["VALEUR_APRES"].strip()
    reached = False
    if not e["COLONNE"].strip():
        # a whole-record error (duplicate rows): it reaches SDTM when the record was mapped
        reached = any(l["STATUS"] == "MAPPED" and l["TARGETS"] for l in lines)
    for l in lines:
        for t in l["TARGETS"].split():
            m2 = re.fullmatch(r"([A-Z]{2,8}):(\d+)", t)
            rec = records.get((m2.group(1), m2.group(2))) if m2 else None
            if rec and bad and bad in rec.values():
                reached = True
    if not reached:
        continue  # the injected value is not in the SDTM records made from that raw record
    expected += 1
    pat = e["PATNUM"].strip()
    hit = any(pat in f[2] or pat in f[7] or pat in f[8]
              for rid in m["EXPECTED_RULES"].split(";") for f in by_rule.get(rid, []))
    if hit:
        found += 1
    else:
        print("  MISSED %s %s %s %s %r: expected %s" % (e["ERRID"], e["REGLE"], e["FICHIER"], pat, bad,
                                                    m["EXPECTED_RULES"]))
print("recall: %d of %d injected errors that reached SDTM reported by their expected rule"
      % (found, expected))
sys.exit(0 if found == expected else 1)
PY
finish
