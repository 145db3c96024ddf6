#!/bin/sh
# The HTML validation report: one self-contained page (no scripts, no external resources) whose
# summary by rule and drill-down sections agree with the CSV report of the same run
# (tests/rules/check-report-html.py); loaded in headless Chromium (flags as in
# tests/xsl/define-html.sh) without console errors or network requests, when /usr/bin/chromium
# (or $CHROMIUM) exists; otherwise that part is skipped with a note.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 interpreter"
fx="$TP_SRCDIR/tests/rules/fixtures"
# a package with several kinds of findings: key, CT, timing, define
mkdir -p "$tp_tmp/case"
cp "$fx/_base/"*.csv "$tp_tmp/case/" 2>/dev/null
cp "$fx/TP0041/fire/lb.csv" "$fx/TP0102/fire/ae.csv" "$tp_tmp/case/"
printf 'S1,DM,S1-003,003,2024-01,,,,,,,,01,,,F,,,,,,,,,USA\n' >> "$tp_tmp/case/dm.csv"
echo "a package with a duplicate key, a CT error, a partial date and null arms" > "$tp_tmp/case/README"
args=$("$PY" "$TP_SRCDIR/tests/rules/fixture_run.py" --build "$CDT" "$fx" "$tp_tmp/case" "$tp_tmp/pkg") \
    || fail "cannot build the package: $args"
# shellcheck disable=SC2086
"$CDT" validate -f csv $args -o "$tp_tmp/r.csv" "$tp_tmp/pkg"
# shellcheck disable=SC2086
"$CDT" validate -f html $args -o "$tp_tmp/r.html" "$tp_tmp/pkg"
[ -s "$tp_tmp/r.html" ] || fail "no HTML report"
"$PY" "$TP_SRCDIR/tests/rules/check-report-html.py" "$tp_tmp/r.html" "$tp_tmp/r.csv" \
    && pass "HTML report agrees with the CSV report" || fail "HTML report checks"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    prof=$(mktemp -d "$tp_tmp/chrome.XXXXXX")
    if timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --disable-extensions --host-resolver-rules='MAP * ~NOTFOUND' \
            --user-data-dir="$prof" --enable-logging=stderr --v=0 \
            --log-net-log="$tp_tmp/net.json" --dump-dom "file://$tp_tmp/r.html" \
            >"$tp_tmp/dom.html" 2>"$tp_tmp/chrome.log"; then
        grep -q 'id="summary"' "$tp_tmp/dom.html" && grep -q '</html>' "$tp_tmp/dom.html" \
            && pass "chromium rendered the report" || fail "chromium: DOM dump incomplete"
        "$PY" "$TP_SRCDIR/tests/rules/check-report-html.py" "$tp_tmp/dom.html" "$tp_tmp/r.csv" >/dev/null \
            && pass "chromium DOM agrees with the CSV report" || fail "chromium DOM checks"
        if grep -E 'CONSOLE|Uncaught|Failed to load resource|Refused to' "$tp_tmp/chrome.log" >"$tp_tmp/console"; then
            fail "chromium console errors: $(head -c 400 "$tp_tmp/console")"
        fi
        if [ -f "$tp_tmp/net.json" ] && grep -o '"url":"[a-zA-Z][a-zA-Z0-9+.-]*://[^/"]*' "$tp_tmp/net.json" \
                | grep -v -E '"url":"file://|://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)$' \
                | sort -u >"$tp_tmp/urls" && [ -s "$tp_tmp/urls" ]; then
            fail "chromium: the report made network requests: $(tr '\n' ' ' <"$tp_tmp/urls")"
        fi
    else
        fail "chromium did not load the report: $(grep -v dbus "$tp_tmp/chrome.log" | tail -n 3)"
    fi
    rm -rf "$prof"
else
    echo "note: $CHROMIUM not found; skipping the headless browser check"
fi
finish
