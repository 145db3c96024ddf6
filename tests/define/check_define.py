#!/usr/bin/python3
"""Check a define.xml written by `trialpack define` against the data it describes.

usage: check_define.py DEFINE.xml DATADIR INFO.json

INFO.json is `trialpack info --format json` of every dataset file in DATADIR. Checks:
  * every OID is unique and every OID reference resolves (ItemOID, MethodOID, CodeListOID,
    ValueListOID, WhereClauseOID, def:ItemOID, def:CommentOID, def:StandardOID,
    def:ArchiveLocationID, leafID) -- the schema does not check these;
  * every data file has exactly one ItemGroupDef whose def:leaf names it (and the file exists);
    no ItemGroupDef without a file;
  * each ItemGroupDef lists exactly the file's variables, in the file's order, with a matching
    type (num <-> integer/float, char <-> text or a date/time type) and, for text, the file's
    length; integer and float have a Length, float a SignificantDigits;
  * nothing is described that is not used: every ItemDef, CodeList, MethodDef, def:CommentDef,
    def:ValueListDef and def:WhereClauseDef is referenced;
  * value-level text lengths do not exceed their parent's.
Prints one line per problem; exit 1 when there is any.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
XL = "{http://www.w3.org/1999/xlink}"
DATES = {"date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
         "incompleteDatetime", "durationDatetime", "intervalDatetime"}

problems = []


def bad(msg):
    problems.append(msg)


def main():
    define, datadir, info = sys.argv[1:4]
    root = ET.parse(define).getroot()
    mdv = root.find(ODM + "Study/" + ODM + "MetaDataVersion")
    if mdv is None:
        bad("no MetaDataVersion")
        return
    defs = {}   # kind -> {oid: element}
    kinds = [(ODM + "ItemGroupDef", "IG"), (ODM + "ItemDef", "IT"), (ODM + "CodeList", "CL"),
             (ODM + "MethodDef", "MT"), (DEF + "CommentDef", "COM"),
             (DEF + "ValueListDef", "VL"), (DEF + "WhereClauseDef", "WC")]
    seen = set()
    for tag, kind in kinds:
        defs[kind] = {}
        for e in mdv.iter(tag):
            oid = e.get("OID")
            if oid in seen:
                bad("OID %s defined twice" % oid)
            seen.add(oid)
            defs[kind][oid] = e
    defs["STD"] = {e.get("OID"): e for e in mdv.iter(DEF + "Standard")}
    defs["LF"] = {}
    for e in mdv.iter(DEF + "leaf"):
        if e.get("ID") in defs["LF"]:
            bad("leaf ID %s defined twice" % e.get("ID"))
        defs["LF"][e.get("ID")] = e
    used = {k: set() for k in defs}

    def ref(kind, oid, where):
        if oid is None:
            return
        used[kind].add(oid)
        if oid not in defs[kind]:
            bad("dangling %s reference '%s' in %s" % (kind, oid, where))

    for e in mdv.iter():
        for attr, kind in (("ItemOID", "IT"), ("MethodOID", "MT"), ("CodeListOID", "CL"),
                           ("ValueListOID", "VL"), ("WhereClauseOID", "WC"), ("leafID", "LF"),
                           (DEF + "ItemOID", "IT"), (DEF + "CommentOID", "COM"),
                           (DEF + "StandardOID", "STD"), (DEF + "ArchiveLocationID", "LF")):
            if e.get(attr) is not None:
                ref(kind, e.get(attr), e.tag.split("}")[1] + " " + str(e.get("OID", "")))
    for kind in ("IT", "CL", "MT", "COM", "VL", "WC"):
        for oid in defs[kind]:
            if oid not in used[kind]:
                bad("%s %s is described but never referenced" % (kind, oid))

    with open(info) as f:
        files = json.load(f)["files"]
    groups = {}
    for g in mdv.iter(ODM + "ItemGroupDef"):
        leaf = g.find(DEF + "leaf")
        href = leaf.get(XL + "href") if leaf is not None else None
        if href is None:
            bad("ItemGroupDef %s has no def:leaf" % g.get("OID"))
            continue
        if href in groups:
            bad("two ItemGroupDefs for %s" % href)
        groups[href] = g
        if not os.path.exists(os.path.join(datadir, href)):
            bad("ItemGroupDef %s: def:leaf %s does not exist" % (g.get("OID"), href))
    nfiles = 0
    for f in files:
        base = os.path.basename(f["path"])
        nfiles += 1
        g = groups.pop(base, None)
        if g is None:
            bad("%s has no ItemGroupDef" % base)
            continue
        m = f["members"][0]
        if g.get("Name") != m["name"]:
            bad("%s: ItemGroupDef Name %s, dataset %s" % (base, g.get("Name"), m["name"]))
        refs = g.findall(ODM + "ItemRef")
        refs.sort(key=lambda r: int(r.get("OrderNumber", "0")))
        names = []
        for r in refs:
            it = defs["IT"].get(r.get("ItemOID"))
            names.append(it.get("Name") if it is not None else None)
        want = [v["name"] for v in m["variables"]]
        if names != want:
            bad("%s: ItemRefs %s, file variables %s" % (base, names, want))
            continue
        for r, v in zip(refs, m["variables"]):
            it = defs["IT"][r.get("ItemOID")]
            dt = it.get("DataType")
            where = "%s.%s" % (m["name"], v["name"])
            if v["type"] == "num" and dt not in ("integer", "float") and dt not in DATES:
                bad("%s: numeric variable with DataType %s" % (where, dt))
            if v["type"] == "char" and dt not in DATES and dt != "text":
                bad("%s: character variable with DataType %s" % (where, dt))
            if dt == "text" and it.get("Length") != str(v["length"]):
                bad("%s: Length %s, file length %s" % (where, it.get("Length"), v["length"]))
            if dt in ("integer", "float") and not it.get("Length"):
                bad("%s: %s without Length" % (where, dt))
            if dt == "float" and it.get("SignificantDigits") is None:
                bad("%s: float without SignificantDigits" % where)
            if dt in DATES and it.get("Length"):
                bad("%s: %s with a Length" % (where, dt))
            vlr = it.find(DEF + "ValueListRef")
            if vlr is not None and dt == "text" and vlr.get("ValueListOID") in defs["VL"]:
                for vr in defs["VL"][vlr.get("ValueListOID")].findall(ODM + "ItemRef"):
                    vit = defs["IT"].get(vr.get("ItemOID"))
                    if vit is not None and vit.get("Length") and \
                            int(vit.get("Length")) > int(it.get("Length")):
                        bad("%s: value-level %s Length %s > %s" % (
                            where, vit.get("OID"), vit.get("Length"), it.get("Length")))
    for href, g in groups.items():
        bad("ItemGroupDef %s describes %s, which is not among the data files" % (g.get("OID"), href))
    print("check_define: %d dataset file(s), %d ItemDef(s), %d problem(s)" % (
        nfiles, len(defs["IT"]), len(problems)))


main()
for p in problems[:50]:
    print("  " + p)
sys.exit(1 if problems else 0)
