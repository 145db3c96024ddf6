#!/usr/bin/python3
"""Check an HTML rendering of a Define-XML document made by xsl/define2html.xsl.

usage: check-define-html.py DEFINE.xml OUT.html [DEFINE.xml OUT.html ...]

For each pair it checks that the HTML
  * is well formed (every non-void element closed in order, one <html>, <!DOCTYPE html>),
  * is self-contained (no script, link, img, iframe, object, embed, src= or url()/@import),
  * has unique ids and every href="#..." names an id in the page,
  * shows every ItemGroupDef, ValueListDef, CodeList, MethodDef, def:CommentDef, def:Standard,
    def:leaf document and ARM ResultDisplay/AnalysisResult of the input (id derived from the
    OID as the stylesheet does), and
  * lists, per dataset, exactly its ItemRefs as variable rows in ItemRef (OrderNumber) order;
    per value list, its ItemRefs; per codelist, its items.
Prints one summary line per file; exit status 0 when all pass, 1 otherwise.
"""
import sys
import string
import urllib.parse
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
ARM = "{http://www.cdisc.org/ns/arm/v1.0}"
DEF_NS = ("http://www.cdisc.org/ns/def/v2.1", "http://www.cdisc.org/ns/def/v2.0")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
FORBIDDEN_TAGS = {"script", "link", "img", "iframe", "object", "embed", "frame", "audio",
                  "video", "source", "base", "form"}
SAFE = set(string.ascii_letters + string.digits + ".-")


def enc(oid):
    """Same id encoding as the stylesheet's 'enc' template."""
    out = []
    for c in oid:
        if c in SAFE:
            out.append(c)
        elif ord(c) < 128:
            out.append("_%02X" % ord(c))
        else:
            out.append("_u")
    return "".join(out)


class Page(HTMLParser):
    """Collects ids, internal links, problems and row ownership per section."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []          # (tag, id)
        self.ids = {}
        self.links = []
        self.problems = []
        self.doctype = None
        self.html_count = 0
        self.rows = {}           # owner id -> list of (row class, row id)
        self.in_style = False
        self.style = []

    def owner(self, prefixes):
        for tag, ident in reversed(self.stack):
            if ident and ident.startswith(prefixes):
                return ident
        return None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        where = "line %d" % self.getpos()[0]
        if tag in FORBIDDEN_TAGS:
            self.problems.append("%s: forbidden element <%s>" % (where, tag))
        for k, v in attrs:
            if k == "src" or k.startswith("on"):
                self.problems.append("%s: forbidden attribute %s on <%s>" % (where, k, tag))
            if k == "style" and v and ("url(" in v or "@import" in v):
                self.problems.append("%s: external reference in style attribute" % where)
        ident = a.get("id")
        if ident is not None:
            if ident in self.ids:
                self.problems.append("%s: duplicate id %r" % (where, ident))
            self.ids[ident] = where
        href = a.get("href")
        if tag == "a" and href is not None:
            if href == "":
                self.problems.append("%s: empty href" % where)
            elif href.startswith("#"):
                self.links.append((urllib.parse.unquote(href[1:]), where))
        if tag == "html":
            self.html_count += 1
        if tag == "style":
            self.in_style = True
        if tag == "tr":
            cls = (a.get("class") or "").split()
            for c, prefixes in (("var", ("ds-",)), ("vlm-row", ("vl-",)), ("term", ("cl-",))):
                if c in cls:
                    own = self.owner(prefixes)
                    self.rows.setdefault(own, []).append((c, ident))
        if tag not in VOID:
            self.stack.append((tag, ident))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problems.append("line %d: end tag for void element </%s>" % (self.getpos()[0], tag))
            return
        if not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1][0] if self.stack else "nothing"
            self.problems.append("line %d: </%s> closes <%s>" % (self.getpos()[0], tag, open_tag))
            # recover: pop to the matching element if any
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] == tag:
                    del self.stack[i:]
                    break
            return
        self.stack.pop()
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.style.append(data)


def attr(el, name):
    """def:NAME attribute in either Define-XML namespace."""
    for ns in DEF_NS:
        v = el.get("{%s}%s" % (ns, name))
        if v is not None:
            return v
    return None


def defs(parent, name):
    out = []
    for ns in DEF_NS:
        out.extend(parent.findall("{%s}%s" % (ns, name)))
    return out


def order_key(indexed):
    """Sort key matching xsl:sort data-type=number on @OrderNumber (NaN first, stable)."""
    i, ref = indexed
    v = ref.get("OrderNumber")
    try:
        return (1, float(v), i)
    except (TypeError, ValueError):
        return (0, 0.0, i)


def check(define, html):
    problems = []
    tree = ET.parse(define)
    root = tree.getroot()
    mdv = root.find(ODM + "Study/" + ODM + "MetaDataVersion")
    if mdv is None:
        return ["no Study/MetaDataVersion in %s" % define], {}

    with open(html, encoding="utf-8") as fh:
        text = fh.read()
    page = Page()
    page.feed(text)
    page.close()
    problems.extend(page.problems)
    if page.stack:
        problems.append("unclosed elements at end: %s" % [t for t, _ in page.stack])
    if (page.doctype or "").strip().lower() != "doctype html":
        problems.append("missing <!DOCTYPE html> (got %r)" % page.doctype)
    if page.html_count != 1:
        problems.append("%d <html> elements" % page.html_count)
    if "charset=UTF-8" not in text[:2000] and 'charset="UTF-8"' not in text[:2000]:
        problems.append("no UTF-8 charset declaration in <head>")
    css = "".join(page.style)
    for bad in ("url(", "@import", "http:", "https:"):
        if bad in css:
            problems.append("embedded CSS contains %r" % bad)

    for target, where in page.links:
        if target not in page.ids:
            problems.append("%s: href=#%s has no target" % (where, target))

    def need(ident, what):
        if ident not in page.ids:
            problems.append("missing %s (id %s)" % (what, ident))

    # datasets and their variables in ItemRef order
    igs = mdv.findall(ODM + "ItemGroupDef")
    nvars = 0
    for ig in igs:
        oid = ig.get("OID")
        ds = "ds-" + enc(oid)
        need(ds, "dataset %s" % ig.get("Name"))
        refs = [r for _, r in sorted(enumerate(ig.findall(ODM + "ItemRef")), key=order_key)]
        want = ["var-%s__%s" % (enc(oid), enc(r.get("ItemOID"))) for r in refs]
        got = [rid for cls, rid in page.rows.get(ds, []) if cls == "var"]
        nvars += len(got)
        if len(got) != len(refs):
            problems.append("dataset %s: %d variable rows, %d ItemRefs" % (ig.get("Name"), len(got), len(refs)))
        elif got != want:
            problems.append("dataset %s: variable rows not in ItemRef order" % ig.get("Name"))

    vls = defs(mdv, "ValueListDef")
    for vl in vls:
        ident = "vl-" + enc(vl.get("OID"))
        need(ident, "value list %s" % vl.get("OID"))
        n = len(vl.findall(ODM + "ItemRef"))
        got = len([1 for cls, _ in page.rows.get(ident, []) if cls == "vlm-row"])
        if got != n:
            problems.append("value list %s: %d rows, %d ItemRefs" % (vl.get("OID"), got, n))

    cls_ = mdv.findall(ODM + "CodeList")
    for cl in cls_:
        ident = "cl-" + enc(cl.get("OID"))
        need(ident, "codelist %s" % cl.get("Name"))
        if cl.find(ODM + "ExternalCodeList") is None:
            n = len(cl.findall(ODM + "CodeListItem")) + len(cl.findall(ODM + "EnumeratedItem"))
            got = len([1 for c, _ in page.rows.get(ident, []) if c == "term"])
            if got != n:
                problems.append("codelist %s: %d term rows, %d items" % (cl.get("OID"), got, n))

    for el in mdv.findall(ODM + "MethodDef"):
        need("mt-" + enc(el.get("OID")), "method %s" % el.get("OID"))
    for el in defs(mdv, "CommentDef"):
        need("com-" + enc(el.get("OID")), "comment %s" % el.get("OID"))
    for stds in defs(mdv, "Standards"):
        for el in defs(stds, "Standard"):
            need("std-" + enc(el.get("OID")), "standard %s" % el.get("OID"))
    for el in defs(mdv, "leaf"):
        need("doc-" + enc(el.get("ID")), "document %s" % el.get("ID"))
    nres = 0
    for rd in mdv.iter(ARM + "ResultDisplay"):
        need("rd-" + enc(rd.get("OID")), "result display %s" % rd.get("OID"))
        for ar in rd.findall(ARM + "AnalysisResult"):
            nres += 1
            need("ar-" + enc(ar.get("OID")), "analysis result %s" % ar.get("OID"))

    stats = {"datasets": len(igs), "variables": nvars, "valuelists": len(vls),
             "codelists": len(cls_), "results": nres, "ids": len(page.ids),
             "links": len(page.links)}
    return problems, stats


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        sys.stderr.write(__doc__)
        return 2
    failed = 0
    for define, html in zip(argv[1::2], argv[2::2]):
        try:
            problems, stats = check(define, html)
        except (OSError, ET.ParseError) as exc:
            problems, stats = ["cannot check: %s" % exc], {}
        name = html.rsplit("/", 1)[-1]
        if problems:
            failed += 1
            print("FAIL %s: %d problem(s)" % (name, len(problems)))
            for p in problems[:25]:
                print("   - " + p)
            if len(problems) > 25:
                print("   ... %d more" % (len(problems) - 25))
        else:
            print("ok   %s: %d datasets, %d variables, %d value lists, %d codelists, "
                  "%d analysis results; %d ids, %d internal links resolved"
                  % (name, stats["datasets"], stats["variables"], stats["valuelists"],
                     stats["codelists"], stats["results"], stats["ids"], stats["links"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
