/*
 * Demographics derivations that need other datasets or the trial design (SDTMIG 3.4 DM): ARM and
 * ACTARM decoded from ARMCD/ACTARMCD through TrialArms.csv; ACTARMCD defaulting to ARMCD for a
 * subject with an exposure start (RFXSTDTC) when no rule sets it; DTHFL = Y when DTHDTC has a
 * value. Reference dates themselves come from the spec (derive from=EX/DS rules), not from here.
 */
#include "map.h"

#include <string.h>
#include <strings.h>

static const char *arm_name(const struct tp_spec *s, const char *armcd, size_t n)
{
    const struct sheet *ta = &s->ta_sh;
    long c_cd = sheet_col(ta, "ARMCD"), c_arm = sheet_col(ta, "ARM");
    for (size_t i = 0; c_cd >= 0 && c_arm >= 0 && i < ta->nrows; i++) {
        const char *cd = sheet_get(ta, i, c_cd);
        if (strlen(cd) == n && memcmp(cd, armcd, n) == 0)
            return sheet_get(ta, i, c_arm);
    }
    return NULL;
}

int derive_dm(struct tp_sdtm *r, struct tp_error *err)
{
    struct otab *dm = exec_tab(r, "DM");
    long c_armcd, c_arm, c_act, c_actarm, c_rfx, c_dth, c_dthfl;
    (void)err;
    if (!dm)
        return TP_OK;
    c_armcd = otab_col(dm, "ARMCD");
    c_arm = otab_col(dm, "ARM");
    c_act = otab_col(dm, "ACTARMCD");
    c_actarm = otab_col(dm, "ACTARM");
    c_rfx = otab_col(dm, "RFXSTDTC");
    c_dth = otab_col(dm, "DTHDTC");
    c_dthfl = otab_col(dm, "DTHFL");
    for (size_t row = 0; row < dm->nrows; row++) {
        size_t n, an, xn;
        const char *cd = c_armcd >= 0 ? otab_str(dm, row, (size_t)c_armcd, &n) : "";
        if (c_armcd < 0)
            n = 0;
        if (c_act >= 0 && c_rfx >= 0 && n && (otab_str(dm, row, (size_t)c_act, &an), an == 0) &&
            (otab_str(dm, row, (size_t)c_rfx, &xn), xn > 0))
            otab_set_str(dm, row, (size_t)c_act, cd, n);
        if (c_arm >= 0 && n && (otab_str(dm, row, (size_t)c_arm, &an), an == 0)) {
            const char *nm = arm_name(r->spec, cd, n);
            if (nm)
                otab_set_str(dm, row, (size_t)c_arm, nm, strlen(nm));
        }
        if (c_act >= 0 && c_actarm >= 0) {
            const char *acd = otab_str(dm, row, (size_t)c_act, &an);
            if (an && (otab_str(dm, row, (size_t)c_actarm, &xn), xn == 0)) {
                const char *nm = arm_name(r->spec, acd, an);
                if (nm)
                    otab_set_str(dm, row, (size_t)c_actarm, nm, strlen(nm));
            }
        }
        if (c_dth >= 0 && c_dthfl >= 0 && (otab_str(dm, row, (size_t)c_dth, &xn), xn > 0))
            otab_set_str(dm, row, (size_t)c_dthfl, "Y", 1);
    }
    return TP_OK;
}
