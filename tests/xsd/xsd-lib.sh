# Helpers for the schema tests in tests/xsd (sourced after tests/lib.sh).
#
# Validation:  want_valid LABEL XSD FILE / want_invalid LABEL XSD FILE
#   "invalid" means xmllint exit status 3 (a schema validity error), so that a broken schema
#   (status 5) or a file that is not well-formed (status 1) never counts as a rejection.
# Mutations:   each mut_* writes $tp_tmp/mut/NAME.xml from the file in $mut_base (an
#   xmllint --format copy of a valid example, one element per line) and appends NAME to
#   $mut_list; it calls fail and returns 1 when the edit does not apply.

command -v xmllint >/dev/null 2>&1 || skip "xmllint (libxml2-utils) is not installed"

# xsd_rc XSD FILE: validate, print the xmllint exit status; stderr kept in $tp_tmp/xsd.err
xsd_rc() {
    xmllint --noout --nonet --schema "$1" "$2" >/dev/null 2>"$tp_tmp/xsd.err"
    echo $?
}

xsd_errors() { grep -v -e ' validates$' -e 'Skipping import' "$tp_tmp/xsd.err" | head -n 3; }

want_valid() {
    rc=$(xsd_rc "$2" "$3")
    if [ "$rc" -ne 0 ]; then
        fail "$1: $(basename "$3") rejected by $(basename "$2") (exit $rc): $(xsd_errors)"
        return 1
    fi
    return 0
}

want_invalid() {
    rc=$(xsd_rc "$2" "$3")
    case $rc in
    3) return 0 ;;
    0) fail "$1: $(basename "$3") accepted by $(basename "$2"), want a validity error" ;;
    *) fail "$1: $(basename "$3") with $(basename "$2"): exit $rc, want 3: $(xsd_errors)" ;;
    esac
    return 1
}

mut_dir=$tp_tmp/mut
mkdir -p "$mut_dir"
mut_list=

# mut_base FILE: the valid example the following mutations start from.
mut_base() {
    mut_base=$mut_dir/base-$(basename "$1")
    xmllint --format "$1" >"$mut_base" || fail "xmllint --format $1"
}

# _mut_done NAME AWK-STATUS: check the edit applied and produced well-formed XML.
_mut_done() {
    out=$mut_dir/$1.xml
    if [ "$2" -ne 0 ] || cmp -s "$mut_base" "$out"; then
        fail "mutation $1 did not apply to $(basename "$mut_base")"
        return 1
    fi
    if ! xmllint --noout "$out" 2>/dev/null; then
        fail "mutation $1 is not well-formed XML"
        return 1
    fi
    mut_list="$mut_list $1"
    return 0
}

# mut_sub NAME LINE-RE FIND-RE REPLACEMENT: in the first line matching LINE-RE, replace the
# first match of FIND-RE (awk EREs without backslashes; REPLACEMENT without & or \).
mut_sub() {
    case $4 in *'&'* | *'\'*) fail "mutation $1: unsafe replacement"; return 1 ;; esac
    awk -v lre="$2" -v fre="$3" -v rep="$4" '
        !done && $0 ~ lre { if (sub(fre, rep)) done = 1 }
        { print }
        END { if (!done) exit 2 }' "$mut_base" >"$mut_dir/$1.xml"
    _mut_done "$1" $?
}

# mut_del NAME LINE-RE: delete the first line matching LINE-RE.
mut_del() {
    awk -v lre="$2" '
        !done && $0 ~ lre { done = 1; next }
        { print }
        END { if (!done) exit 2 }' "$mut_base" >"$mut_dir/$1.xml"
    _mut_done "$1" $?
}

# mut_ins NAME LINE-RE TEXT: insert the line TEXT after the first line matching LINE-RE.
mut_ins() {
    awk -v lre="$2" -v txt="$3" '
        !done && $0 ~ lre { print; print txt; done = 1; next }
        { print }
        END { if (!done) exit 2 }' "$mut_base" >"$mut_dir/$1.xml"
    _mut_done "$1" $?
}

# mut_move NAME ANCHOR-RE START-RE END-RE TARGET-RE: after the first line matching ANCHOR-RE
# (empty: the top), take the first block of lines from START-RE to END-RE and put it in
# front of the first line matching TARGET-RE (outside the block).
mut_move() {
    awk -v anchor="$2" -v start="$3" -v end="$4" -v target="$5" '
        { line[NR] = $0 }
        END {
            a = 1
            if (anchor != "") {
                for (a = 1; a <= NR; a++) if (line[a] ~ anchor) break
                if (a > NR) exit 2
            }
            for (s = a; s <= NR; s++) if (line[s] ~ start) break
            for (e = s; e <= NR; e++) if (line[e] ~ end) break
            for (t = a; t <= NR; t++) if ((t < s || t > e) && line[t] ~ target) break
            if (s > NR || e > NR || t > NR) exit 2
            for (i = 1; i <= NR; i++) {
                if (i == t) for (j = s; j <= e; j++) print line[j]
                if (i < s || i > e) print line[i]
            }
        }' "$mut_base" >"$mut_dir/$1.xml"
    _mut_done "$1" $?
}

# first_attr LINE-RE ATTR: value of attribute ATTR on the first line matching LINE-RE
# (sed BRE; ATTR must be preceded by a space on that line).
first_attr() {
    sed -n "/$1/{s/.* $2=\"\\([^\"]*\\)\".*/\\1/p;q;}" "$mut_base"
}

# check_mutants LABEL XSD...: every mutant in $mut_list must be rejected by every XSD.
check_mutants() {
    label=$1; shift
    for m in $mut_list; do
        for x in "$@"; do
            want_invalid "$label mutant $m" "$x" "$mut_dir/$m.xml" && mut_rejected=$((mut_rejected + 1))
        done
    done
}
mut_rejected=0
