# Sourced: sets PYTHON to an interpreter that can import every module named in $TP_PY_MODULES
# (e.g. "pandas jsonschema"), or skips the test. Debian's python3-pandas/python3-jsonschema serve
# /usr/bin/python3; the python3 first on PATH may be another interpreter without them.
PYTHON=
for cand in /usr/bin/python3 python3 python; do
    command -v "$cand" >/dev/null 2>&1 || continue
    ok=1
    for m in ${TP_PY_MODULES:-}; do
        "$cand" -c "import $m" >/dev/null 2>&1 || { ok=0; break; }
    done
    if [ "$ok" = 1 ]; then PYTHON=$cand; break; fi
done
if [ -z "$PYTHON" ]; then
    echo "SKIP: no python interpreter with modules: ${TP_PY_MODULES:-}"
    exit 77
fi
export PYTHON
