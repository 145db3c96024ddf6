# Sourced by the bench scripts: sets TPRUN, the command that runs $TP. In a build tree ./trialpack
# is a libtool wrapper script that sets LD_LIBRARY_PATH and execs .libs/trialpack; timing the
# wrapper would add a shell start-up (5-10 ms, a tenth of a 100k-row conversion) that an installed
# trialpack does not have. So the real binary is run, with LD_LIBRARY_PATH exported as the wrapper
# would set it. Any other $TP (an installed binary) is run as it is.
TPRUN=$TP
if [ -f "$TP" ] && grep -q 'libtool' "$TP" 2>/dev/null && [ "$(head -c 2 "$TP")" = '#!' ]; then
    tp_libs=$(cd "$(dirname "$TP")" && pwd)/.libs
    for tp_cand in "$tp_libs/$(basename "$TP")" "$tp_libs/lt-$(basename "$TP")"; do
        if [ -x "$tp_cand" ] && [ "$(head -c 4 "$tp_cand" | tail -c 3)" = ELF ]; then
            LD_LIBRARY_PATH=$tp_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
            export LD_LIBRARY_PATH
            TPRUN=$tp_cand
            break
        fi
    done
fi
"$TPRUN" --version >/dev/null 2>&1 || { echo "bench: cannot run trialpack as '$TPRUN' (set TP)" >&2; exit 2; }
