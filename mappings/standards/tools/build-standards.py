#!/usr/bin/python3
"""Build trialpack's standards tables (SDTMIG 3.4, ADaMIG 1.3) from reference metadata.

Outputs (committed data; rerun this script to regenerate them byte for byte):
    mappings/standards/sdtmig-3.4/datasets.csv
    mappings/standards/sdtmig-3.4/variables.csv
    mappings/standards/adamig-1.3/datasets.csv
    mappings/standards/adamig-1.3/variables.csv

Inputs (read only, never copied into the tree), below REFDIR:
    ig/sdtmig-3.4/Datasets.csv             SDTMIG 3.4 dataset list (CDISC Library CSV export)
    ig/sdtmig-3.4/Variables.csv            SDTMIG 3.4 variable metadata (same export)
    ig/adamig-1.3/DataStructures.csv       ADaMIG 1.3 data structures (same export)
    ig/adamig-1.3/Variables.csv            ADaMIG 1.3 variable metadata (same export)
    ct/nci-evs-txt/SDTM_Terminology.txt    NCI EVS SDTM CT (2025-03): codelist short names, extensibility
    ct/nci-evs-txt/ADaM_Terminology_2022-03-25.txt   NCI EVS ADaM CT: same for ADaM-only codelists
REFDIR defaults to $TP_REFERENCE_DIR, else <repo root>/../shared/reference (see ig/PROVENANCE.md there).

Rerun (from anywhere):
    /usr/bin/python3 mappings/standards/tools/build-standards.py [--refdir DIR] [--outdir DIR]
    git diff --stat mappings/standards     # expect no change unless the inputs changed
--outdir defaults to <repo root>/mappings/standards. --check compares instead of writing (exit 1 on drift).

What is kept, and what is left out on purpose
    Only facts are carried over: dataset names, labels, classes, structures; variable names, order,
    labels, types, roles, core designations, NCI codelist C-codes, codelist submission short names and
    extensibility, the "described value domain" (e.g. ISO 8601 datetime or interval, MedDRA) and the
    fixed value list of a variable (e.g. DOMAIN = "AE"). The "CDISC Notes" prose of the IG exports is
    NOT copied (CDISC text; the export terms are unclear, see the reference PROVENANCE), nor are
    descriptions of the ADaM data structures beyond their one-line structure statement.
    Keys: the IG exports carry no key variables. Keys are filled only where the structure itself
    states them (one record per subject: DM, ADSL) or the IG states them for the relationship
    dataset (SUPPQUAL: first six columns; SDTMIG 3.4 section 8.4). Study keys come from define.xml.

Output format: UTF-8 without BOM, comma-separated, RFC 4180 quoting (only where needed), LF line
ends, one header row. Multi-valued cells (several codelists) are separated by ";".
"""

import argparse
import csv
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

# Keys stated by the structure or by the IG (see the docstring); everything else stays empty.
SDTM_KEYS = {
    "DM": "STUDYID;USUBJID",
    "SUPPQUAL": "STUDYID;RDOMAIN;USUBJID;IDVAR;IDVARVAL;QNAM",
}
ADAM_KEYS = {"ADSL": "STUDYID;USUBJID"}

ADAM_STRUCT_CODE = {
    "Subject-Level Analysis Dataset": "ADSL",
    "Basic Data Structure": "BDS",
}


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_ct(paths):
    """codelist C-code -> (submission short name, extensible Yes/No), first file wins."""
    out = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            rd = csv.reader(fh, delimiter="\t")
            next(rd)
            for row in rd:
                if len(row) < 5 or row[1]:
                    continue  # only codelist header rows (empty "Codelist Code")
                out.setdefault(row[0], (row[4], row[2]))
    return out


def split_codes(cell):
    return [c.strip() for c in cell.replace(",", ";").split(";") if c.strip()]


def codelist_cells(codes, ct, given_names=None):
    names, ext = [], []
    given = split_codes(given_names) if given_names else []
    for i, code in enumerate(codes):
        name, extensible = ct.get(code, ("", ""))
        if not name and i < len(given):
            name = given[i]
        names.append(name)
        ext.append(extensible)
    return ";".join(codes), ";".join(names), ";".join(ext)


def clean(s):
    return " ".join((s or "").split())


def render(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build_sdtm(ig, ct):
    ds = read_csv(os.path.join(ig, "sdtmig-3.4", "Datasets.csv"))
    vs = read_csv(os.path.join(ig, "sdtmig-3.4", "Variables.csv"))
    ds_rows = [
        [d["Dataset Name"], clean(d["Dataset Label"]), d["Class"], clean(d["Structure"]),
         SDTM_KEYS.get(d["Dataset Name"], "")]
        for d in ds
    ]
    var_rows = []
    for v in vs:
        codes = split_codes(v["CDISC CT Codelist Code(s)"])
        cl, names, ext = codelist_cells(codes, ct)
        var_rows.append([
            v["Dataset Name"], int(v["Variable Order"]), v["Variable Name"], clean(v["Variable Label"]),
            v["Type"], cl, names, ext, v["Role"], v["Core"],
            clean(v["Described Value Domain(s)"]), ";".join(split_codes(v["Value List"])),
        ])
    order = {d[0]: i for i, d in enumerate(ds_rows)}
    var_rows.sort(key=lambda r: (order[r[0]], r[1]))
    return (
        render(["Dataset", "Label", "Class", "Structure", "Keys"], ds_rows),
        render(["Dataset", "Order", "Variable", "Label", "Type", "Codelist", "CodelistName",
                "CodelistExtensible", "Role", "Core", "ValueDomain", "ValueList"], var_rows),
    )


def build_adam(ig, ct):
    ds = read_csv(os.path.join(ig, "adamig-1.3", "DataStructures.csv"))
    vs = read_csv(os.path.join(ig, "adamig-1.3", "Variables.csv"))
    ds_rows = []
    for d in ds:
        name = d["Data Structure Name"]
        # structure statement: the first sentence of the notes when it says "record(s) per"
        first = clean(d["CDISC Notes"]).split(". ")[0].rstrip(".")
        structure = first + "." if " per " in first and "record" in first else ""
        ds_rows.append([name, clean(d["Data Structure Description"]), d["Class"], d["Subclass"],
                        structure, ADAM_KEYS.get(name, "")])
    var_rows, seq = [], {}
    for v in vs:
        code = ADAM_STRUCT_CODE[v["Data Structure Name"]]
        seq[code] = seq.get(code, 0) + 1
        codes = split_codes(v["CDISC CT Codelist Code(s)"])
        cl, names, ext = codelist_cells(codes, ct, v["CDISC CT Codelist Submission Value(s)"])
        var_rows.append([
            code, seq[code], clean(v["Variable Set"]), v["Variable Name"], clean(v["Variable Label"]),
            v["Type"], cl, names, ext, v["Core"], clean(v["Described Value Domain(s)"]),
            ";".join(split_codes(v["Value List Value"])),
        ])
    return (
        render(["Dataset", "Label", "Class", "Subclass", "Structure", "Keys"], ds_rows),
        render(["Dataset", "Order", "VariableSet", "Variable", "Label", "Type", "Codelist",
                "CodelistName", "CodelistExtensible", "Core", "ValueDomain", "ValueList"], var_rows),
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_ref = os.environ.get("TP_REFERENCE_DIR") or os.path.join(REPO, "..", "shared", "reference")
    ap.add_argument("--refdir", default=default_ref)
    ap.add_argument("--outdir", default=os.path.join(REPO, "mappings", "standards"))
    ap.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    a = ap.parse_args()

    ig = os.path.join(a.refdir, "ig")
    ctdir = os.path.join(a.refdir, "ct", "nci-evs-txt")
    if not os.path.isdir(ig):
        sys.exit("build-standards: no IG metadata under %s (set --refdir or TP_REFERENCE_DIR)" % ig)
    ct = read_ct([os.path.join(ctdir, "SDTM_Terminology.txt"),
                  os.path.join(ctdir, "ADaM_Terminology_2022-03-25.txt")])

    outputs = {}
    outputs["sdtmig-3.4/datasets.csv"], outputs["sdtmig-3.4/variables.csv"] = build_sdtm(ig, ct)
    outputs["adamig-1.3/datasets.csv"], outputs["adamig-1.3/variables.csv"] = build_adam(ig, ct)

    drift = 0
    for rel, text in outputs.items():
        path = os.path.join(a.outdir, rel)
        data = text.encode("utf-8")
        if a.check:
            try:
                with open(path, "rb") as fh:
                    same = fh.read() == data
            except OSError:
                same = False
            if not same:
                print("build-standards: %s differs from a fresh build" % path)
                drift = 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        print("build-standards: wrote %s (%d rows)" % (path, text.count("\n") - 1))
    return drift


if __name__ == "__main__":
    sys.exit(main())
