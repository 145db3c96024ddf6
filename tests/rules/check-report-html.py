#!/usr/bin/env python3
"""Check a `trialpack validate --format html` page (or Chromium's DOM dump of it).

Usage: check-report-html.py PAGE.html CSV_REPORT
The page must be one self-contained document (no scripts, no external resources), name the rule
catalogue, give totals equal to the CSV report's, list every rule with findings in the summary
table with the CSV's count, and give each of those rules a drill-down section with records.
"""
import csv
import re
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.external = []
        self.ids = set()
        self.summary = {}  # rule -> count
        self.details_rows = {}
        self._in_summary = False
        self._row = []
        self._cell = None
        self._details = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag in ("script", "iframe", "object", "embed"):
            self.external.append(tag)
        for k in ("src", "href"):
            v = a.get(k, "")
            if v and not v.startswith("#"):
                self.external.append(v)
        if tag == "link":
            self.external.append("link")
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table" and a.get("id") == "summary":
            self._in_summary = True
        if tag == "details" and a.get("id", "").startswith("r-"):
            self._details = a["id"][2:]
            self.details_rows[self._details] = 0
        if tag == "tr":
            self._row = []
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        if tag == "tr":
            if self._in_summary and len(self._row) >= 3 and self._row[0] != "Rule":
                self.summary[self._row[0]] = int(self._row[2])
            elif self._details and self._row and self._row[0] != "File":
                self.details_rows[self._details] += 1
        if tag == "table":
            self._in_summary = False
        if tag == "details":
            self._details = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell += data


def main():
    page, report = sys.argv[1], sys.argv[2]
    p = Page()
    p.feed(open(page, encoding="utf-8").read())
    errors = []
    text = "".join(p.text)
    if p.external:
        errors.append("not self-contained: %s" % p.external[:5])
    if not re.search(r"rules \d{4}\.\d+\.\d+ sha256:[0-9a-f]{64}", text):
        errors.append("no catalogue line")
    counts = {}
    sev = {"error": 0, "warning": 0, "notice": 0}
    for r in list(csv.reader(open(report, encoding="utf-8")))[1:]:
        if r[0] in sev:
            sev[r[0]] += 1
            counts[r[1]] = counts.get(r[1], 0) + 1
    m = re.search(r"(\d+) error\(s\), (\d+) warning\(s\), (\d+) notice\(s\)", text)
    if not m or tuple(map(int, m.groups())) != (sev["error"], sev["warning"], sev["notice"]):
        errors.append("totals %s differ from the CSV %s" % (m.groups() if m else None, sev))
    if p.summary != counts:
        errors.append("summary table %s differs from the CSV counts %s" % (p.summary, counts))
    for rule, n in counts.items():
        if p.details_rows.get(rule, 0) < min(n, 1):
            errors.append("rule %s has no drill-down records" % rule)
    for e in errors:
        print("FAIL: " + e)
    print("ok: %d rule(s), %d finding(s) checked" % (len(counts), sum(counts.values())))
    return 1 if errors else 0


sys.exit(main())
