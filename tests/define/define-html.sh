#!/bin/sh
# trialpack define --html renders define.html (tp_define_render_html): the page passes the
# stylesheet's checker (tests/xsl/check-define-html.py: well formed, self-contained, every
# internal link resolves, every dataset/value list/codelist/method/comment shown, variables in
# ItemRef order); loaded in headless Chromium it logs no console error and makes no network
# request. A screenshot (of the SCLERADEC II example once `trialpack build` exists, else of the
# fixture) is kept in the build folder; TP_UPDATE_SCREENSHOT=1 also copies it to
# doc/images/define-html.png for the README.
given_builddir=${TP_BUILDDIR:-}
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/define/lib-define.sh"
has_command define || skip "this trialpack has no define command"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 for the HTML checks"
if [ -n "$given_builddir" ]; then keep="$TP_BUILDDIR/tests/define"; else keep="$tp_tmp/keep"; fi
mkdir -p "$keep"

define_fixture_data "$tp_tmp/fx" || finish
names="fixture"
"$CDT" define --study "$TP_SRCDIR/tests/data/define" --data "$tp_tmp/fx" --out "$tp_tmp/fixture.xml" \
    --html "$tp_tmp/fixture.html" 2>"$tp_tmp/err" || fail "fixture: define --html failed: $(cat "$tp_tmp/err")"
if has_command build && "$CDT" build --out "$tp_tmp/sub" >/dev/null 2>&1; then
    sd=$(find "$tp_tmp/sub" -type d -name sdtm | head -n 1)
    "$CDT" define --study "$TP_DATADIR/mappings/scleradec2" --data "$sd" --out "$tp_tmp/scleradec2.xml" \
        --html "$tp_tmp/scleradec2.html" 2>"$tp_tmp/err" && names="$names scleradec2" \
        || fail "scleradec2: define --html failed: $(cat "$tp_tmp/err")"
fi
pairs=""
for n in $names; do pairs="$pairs $tp_tmp/$n.xml $tp_tmp/$n.html"; done
# shellcheck disable=SC2086
if "$PY" "$TP_SRCDIR/tests/xsl/check-define-html.py" $pairs >"$tp_tmp/chk" 2>&1; then
    pass "HTML checks: $(tr '\n' ' ' <"$tp_tmp/chk" | head -c 300)"
else
    fail "HTML checks: $(head -c 1500 "$tp_tmp/chk")"
fi

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "note: $CHROMIUM not found; skipping the headless browser check (CI installs chromium)"
    finish
fi
chrome() {
    prof=$(mktemp -d "$tp_tmp/chrome.XXXXXX")
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --host-resolver-rules='MAP * ~NOTFOUND' \
        --user-data-dir="$prof" --enable-logging=stderr --v=0 "$@"
    rc=$?
    rm -rf "$prof"
    return $rc
}
for n in $names; do
    if ! chrome --log-net-log="$tp_tmp/$n.net" --dump-dom "file://$tp_tmp/$n.html" \
            >"$tp_tmp/$n.dom" 2>"$tp_tmp/$n.chrome"; then
        fail "chromium: $n did not load: $(grep -v dbus "$tp_tmp/$n.chrome" | tail -n 3)"
        continue
    fi
    grep -q '</html>' "$tp_tmp/$n.dom" || fail "chromium: $n: DOM dump is incomplete"
    if grep -E 'CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|Failed to load resource|Refused to' \
            "$tp_tmp/$n.chrome" >"$tp_tmp/$n.console"; then
        fail "chromium: $n: console errors: $(head -c 600 "$tp_tmp/$n.console")"
    fi
    if [ -f "$tp_tmp/$n.net" ] && grep -o '"url":"[a-zA-Z][a-zA-Z0-9+.-]*://[^/"]*' "$tp_tmp/$n.net" \
            | grep -v -E '"url":"file://|://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)$' \
            | sort -u >"$tp_tmp/$n.urls" && [ -s "$tp_tmp/$n.urls" ]; then
        fail "chromium: $n made network requests: $(tr '\n' ' ' <"$tp_tmp/$n.urls")"
    fi
    # every internal link of the rendered DOM has its target
    "$PY" - "$tp_tmp/$n.dom" <<'PYEOF' || fail "chromium: $n: internal links without a target"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
ids = set(re.findall(r'\bid="([^"]+)"', dom))
links = set(re.findall(r'href="#([^"]+)"', dom))
missing = sorted(l for l in links if l not in ids)
if missing:
    print("missing targets:", missing[:20])
sys.exit(1 if missing else 0)
PYEOF
done
[ "$tp_fails" = 0 ] && pass "chromium loaded: $names (no console errors, no network, every #link resolves)"
shot=$(echo "$names" | awk '{print $NF}')
rm -f "$keep/define-html.png"
chrome --screenshot="$keep/define-html.png" --window-size=1280,860 "file://$tp_tmp/$shot.html" \
    >/dev/null 2>"$tp_tmp/shot.log"
if [ -s "$keep/define-html.png" ] && head -c 4 "$keep/define-html.png" | grep -q PNG; then
    pass "screenshot of $shot: $keep/define-html.png"
    if [ "${TP_UPDATE_SCREENSHOT:-0}" = 1 ]; then
        mkdir -p "$TP_SRCDIR/doc/images" && cp "$keep/define-html.png" "$TP_SRCDIR/doc/images/define-html.png"
    fi
else
    fail "chromium screenshot failed: $(grep -v dbus "$tp_tmp/shot.log" | tail -n 3)"
fi
finish
