#!/usr/bin/env python3
"""Ratio table for `make bench` (bench/run.sh xpt): trialpack's rows in an anchors run
(RES/summary.tsv from ../shared/bench/run_anchors.sh) set against every anchor of the same run.

    bench/ratios.py RES_DIR [TARGET]        (TARGET: the speed-up asked for, default 3)

ratio = anchor median wall / trialpack median wall (> 1: trialpack is faster). The target is met
when trialpack is TARGET times as fast as the fastest anchor of that direction and size.
Standard library only."""
import sys

res = sys.argv[1]
target = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
rows = {}
with open(res + "/summary.tsv") as f:
    head = f.readline().rstrip("\n").split("\t")
    for line in f:
        d = dict(zip(head, line.rstrip("\n").split("\t")))
        try:
            d["wall"] = float(d["median_wall_s"])
        except ValueError:
            continue
        rows[(d["name"], d["size"])] = d

# what each anchor is, by direction; the readstat CLI route to XPT takes two steps
WRITE = [("w_libreadstat_csv2xpt5", "ReadStat C library writer, CSV->XPT v5"),
         ("w_readstat_route", "readstat CLI, CSV->dta->XPT v8 (both steps)"),
         ("w_R_fread_haven_write_xpt5", "R fread + haven::write_xpt v5")]
READ = [("r_pandas_read_sas_bytes", "pandas read_sas (bytes)"),
        ("r_pandas_read_sas_utf8", "pandas read_sas (utf-8)"),
        ("r_readstat_xpt5_csv", "readstat CLI, XPT v5->CSV"),
        ("r_haven_read_xpt5", "R haven::read_xpt")]


def wall(name, size):
    if name == "w_readstat_route":
        a, b = rows.get(("w_readstat_csv2dta", size)), rows.get(("w_readstat_dta2xpt8", size))
        return a["wall"] + b["wall"] if a and b else None
    d = rows.get((name, size))
    return d["wall"] if d else None


sizes = []
for (_, s) in rows:
    if s != "-" and s not in sizes:
        sizes.append(s)
sizes.sort(key=lambda s: float(s[:-1]) * (1e3 if s[-1] in "kK" else 1e6 if s[-1] in "mM" else 1))

env = {}
try:
    for line in open(res + "/env.txt"):
        if ":" in line:
            k, v = line.split(":", 1)
            env[k.strip()] = v.strip()
except OSError:
    pass
print("## trialpack beside the anchors (same run; ratio = anchor wall / trialpack wall)\n")
if "load" in env:
    print("Load average when the timings started: %s\n" % env["load"])
ok_all = True
for direction, proj, anchors in (("CSV -> XPT v5 (write)", "w_PROJECT", WRITE),
                                 ("XPT v5 -> CSV (read)", "r_PROJECT", READ)):
    print("### %s\n" % direction)
    print("| size | trialpack s | trialpack peak MiB | " +
          " | ".join("%s (s, ratio)" % label for _, label in anchors) + " | fastest anchor | target %g× |" % target)
    print("|---|---:|---:|" + "---:|" * len(anchors) + "---|---|")
    for s in sizes:
        p = rows.get((proj, s))
        if not p:
            continue
        cells, best = [], None
        for name, label in anchors:
            w = wall(name, s)
            if w is None:
                cells.append("–")
                continue
            cells.append("%.3f (%.2f×)" % (w, w / p["wall"]))
            if best is None or w < best[0]:
                best = (w, label)
        met = best is not None and best[0] / p["wall"] >= target
        ok_all = ok_all and met
        print("| %s | %.3f | %s | %s | %s %.2f× | %s |" % (
            s, p["wall"], p["peak_MiB"], " | ".join(cells), best[1] if best else "–",
            best[0] / p["wall"] if best else 0, "met" if met else "**missed**"))
    print()
print("Target %s in every direction and size." % ("met" if ok_all else "NOT met"))
