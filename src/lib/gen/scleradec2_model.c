/*
 * SCLERADEC II generator model: the study-specific realism of the synthetic raw export (study
 * brief §6.3 column specifications, §6.4 generation model, §6.6 study-level injected errors).
 * Everything generic (files, formatting, metadata fill, cell-level error rules) lives in gen.c and
 * gen_inject.c; this file only decides what each subject's data look like.
 *
 * Calendar and allocation depend on the randomisation rank only (§6.4): ranks 1-40 follow one
 * permuted list (20/20 arms, centres 01-06 = 14/8/6/6/4/2, J0 about every 16 days from
 * 13/10/2015); ranks 41+ go to centres 07, 08... (200 each) with permuted blocks of 4 and 50
 * randomised per working day from 01/02/2018. Screen failures (18 %) are decided by the screened
 * index alone. Each subject draws from its own named streams (gen_rng_init), so subject i is the
 * same whatever the number of subjects, and the first 40 are the example study.
 * The synthetic values are invented; only design facts and published summary statistics are used.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "gen/gen.h"

/* ------------------------------------------------------------------ column binding */

#define S2_ENUM(p, n) p##_##n,
#define S2_NAME(p, n) #n,

/* clang-format off */
#define INC_COLS(p, X) X(p, DATCONS) X(p, DATSELEC) X(p, CHFS_SEL) X(p, ELIGIBLE) X(p, NUMRANDO) \
    X(p, DATRANDO) X(p, HRANDO)
#define DEM_COLS(p, X) X(p, SEXE) X(p, MOISNAIS) X(p, ANNAIS) X(p, AGE) X(p, MAINDOM) \
    X(p, TAILLE) X(p, POIDS) X(p, IMC) X(p, MENOP) X(p, CONTRACEP)
#define CRI_COLS(p, X) X(p, INC01) X(p, INC02) X(p, INC03) X(p, INC04) X(p, EXC01) X(p, EXC02) \
    X(p, EXC03) X(p, EXC04) X(p, EXC05) X(p, EXC06) X(p, EXC07) X(p, COMMENT)
#define SSC_COLS(p, X) X(p, DATDIAG) X(p, FORME) X(p, DATRAYN) X(p, DATSYMP) X(p, ACREULAR) \
    X(p, AC_ACA) X(p, AC_SCL70) X(p, AC_ARNP3) X(p, PID) X(p, HTAP) X(p, DIGEST) X(p, CALCIN) \
    X(p, ATCD_UD) X(p, CAUSEHAND)
#define ATC_COLS(p, X) X(p, ATCD) X(p, DATDEB) X(p, ENCOURS) X(p, DATFIN)
#define CM_COLS(p, X) X(p, MEDIC) X(p, DOSE) X(p, UNITE) X(p, FREQ) X(p, VOIE) X(p, INDIC) \
    X(p, DATDEB) X(p, DATFIN) X(p, ENCOURS) X(p, TTT_SSC)
#define SER_COLS(p, X) X(p, DATPREL) X(p, VIH) X(p, VHC) X(p, AGHBS) X(p, HTLV) X(p, TPHA) \
    X(p, BHCG)
#define RND_COLS(p, X) X(p, NUMRANDO) X(p, DATRANDO) X(p, KIT)
#define UNB_COLS(p, X) X(p, NUMRANDO) X(p, KIT) X(p, BRAS)
#define VIS_COLS(p, X) X(p, FAITE) X(p, DATVIS) X(p, RAISONNF)
#define VS_COLS(p, X) X(p, DATVS) X(p, PAS) X(p, PAD) X(p, FC) X(p, TEMP) X(p, POIDS)
#define LAB_COLS(p, X) X(p, DATPREL) X(p, HPREL) X(p, EXAMEN) X(p, RESULTAT) X(p, UNITE) \
    X(p, BINF) X(p, BSUP) X(p, INTERP) X(p, LABO)
#define LIP_COLS(p, X) X(p, DATLIPO) X(p, HDEB) X(p, HFIN) X(p, ANESTH) X(p, SITEPREL) \
    X(p, VOLPREL) X(p, INCIDENT) X(p, INCID_TXT)
#define PRE_COLS(p, X) X(p, DATTRAIT) X(p, HDEB) X(p, HFIN) X(p, APPAREIL) X(p, VOLTRAIT) \
    X(p, CELLTOT) X(p, VIAB) X(p, VOLFINAL) X(p, CONFORME) X(p, STERIL)
#define INJ_COLS(p, X) X(p, DATINJ) X(p, HINJ) X(p, MAIN) X(p, DOIGT) X(p, NBPOINTS) \
    X(p, VOLINJ) X(p, INCIDENT)
#define CHF_COLS(p, X) X(p, DATQ) X(p, MAINEVAL) X(p, SCORETOT) X(p, AIDE)
#define SHQ_COLS(p, X) X(p, DATQ) X(p, VAS_DOUL) X(p, VAS_DIG) X(p, VAS_RESP) X(p, VAS_RAYN) \
    X(p, VAS_UD) X(p, VAS_GLOB)
#define EVA_COLS(p, X) X(p, DATEVA) X(p, EVA_MAINS)
#define DIA_COLS(p, X) X(p, PERIODE) X(p, JOUR) X(p, DATJOUR) X(p, NBCRISES) X(p, DUREE_MIN) \
    X(p, RCS)
#define EXA_COLS(p, X) X(p, MRSS_DOI_D) X(p, MRSS_DOI_G) X(p, MRSS_MAI_D) X(p, MRSS_MAI_G) \
    X(p, MRSSTOT) X(p, KAP_D) X(p, KAP_G) X(p, CIRC_D3) X(p, CIRC_G3) X(p, UD_PRESENT)
#define UD_COLS(p, X) X(p, NUMUD) X(p, MAIN) X(p, DOIGT) X(p, LOCAL) X(p, STATUT_UD) \
    X(p, DIAM_MM) X(p, INFECTE) X(p, DATAPP)
#define CAP_COLS(p, X) X(p, FAITE) X(p, PATTERN) X(p, DENSITE) X(p, SCORE_SUPP)
#define SAT_COLS(p, X) X(p, SAT_PAT) X(p, SAT_MED) X(p, EVA_GLOB_PAT) X(p, EVA_GLOB_MED) \
    X(p, COMMENT)
#define AE_COLS(p, X) X(p, NUMEI) X(p, EI_TXT) X(p, DATDEB) X(p, HDEB) X(p, DATFIN) \
    X(p, ENCOURS) X(p, INTENS) X(p, GRAVE) X(p, CRITGRAV) X(p, LIEN_LIPO) X(p, LIEN_INJ) \
    X(p, LIEN_PROD) X(p, TTCORR) X(p, EVOL)
#define DEV_COLS(p, X) X(p, NUMDEV) X(p, TYPE) X(p, DESC) X(p, DATDEV) X(p, MAJEURE)
#define EOS_COLS(p, X) X(p, STATFIN) X(p, DATFIN) X(p, DATDERNOUV)

#define S2_TABLES(X)               \
    X(INC, inc, "inclusion")       \
    X(DEM, dem, "demographie")     \
    X(CRI, cri, "criteres")        \
    X(SSC, ssc, "sclerodermie")    \
    X(ATC, atc, "antecedents")     \
    X(CM, cm, "traitements")       \
    X(SER, ser, "serologies")      \
    X(RND, rnd, "randomisation")   \
    X(UNB, unb, "levee_aveugle")   \
    X(VIS, vis, "visite")          \
    X(VS, vs, "signes_vitaux")     \
    X(LAB, lab, "biologie")        \
    X(LIP, lip, "liposuccion")     \
    X(PRE, pre, "preparation_fvs") \
    X(INJ, inj, "injection")       \
    X(CHF, chf, "cochin")          \
    X(SHQ, shq, "shaq")            \
    X(EVA, eva, "eva_douleur")     \
    X(DIA, dia, "raynaud_journal") \
    X(EXA, exa, "examen_mains")    \
    X(UD, ud, "ulceres")           \
    X(CAP, cap, "capillaroscopie") \
    X(SAT, sat, "satisfaction")    \
    X(AE, ae, "ei")                \
    X(DEV, dev, "deviations")      \
    X(EOS, eos, "fin_etude")

#define S2_DECL_ENUM(P, l, name) enum { P##_COLS(P, S2_ENUM) P##_N };
S2_TABLES(S2_DECL_ENUM)
#define S2_DECL_NAMES(P, l, name) static const char *const l##_names[] = {P##_COLS(P, S2_NAME)};
S2_TABLES(S2_DECL_NAMES)
/* clang-format on */

/* Visits of the schedule (brief §2.3) in protocol order; NP is placed by date. */
enum { V_V0, V_J0, V_J7, V_M1, V_M3, V_M6, V_NP, V_N };
static const char *const visit_codes[V_N] = {"V0", "J0", "J7", "M1", "M3", "M6", "NP"};
static const long visit_nominal[V_N] = {-14, 0, 7, 30, 90, 180, 0};

#define S2_MAX_UD 24
#define S2_MAX_AE 24
#define S2_MAX_CM 20

struct s2_state {
#define S2_DECL_FIELDS(P, l, name) size_t t_##l, l[P##_N];
    S2_TABLES(S2_DECL_FIELDS)
    size_t q[18], h[20], aid[8], tiers[8], mrss[17], ddp[2][4], jam[2][3], pin[2][3], mono[2][5];
    const struct tp_crf_event *ev[V_N], *ev_log;
    long first_j0, extraction_fixed;
    int alloc_arm[40], alloc_centre[40];
    size_t nrand;
    unsigned *seq; /* per-centre screened count */
    size_t nseq;
};

/* ------------------------------------------------------------------ per subject */

struct s2_visit {
    bool present, done;
    long day;  /* the day the data describe (clean calendar) */
    long rday; /* the day reported in the files (differs only for injected E27) */
    bool e27;
};

struct s2_ulcer {
    int id, finger, loc, diam, prec;
    char hand;
    long onset;
    bool active;
    int first_seen; /* visit index where first reported */
};

struct s2_ae {
    const char *txt;
    long start, end;
    int prec, hdeb, intens, critgrav, lien[3], evol;
    bool ongoing, serious, ttcorr;
};

struct s2_subject {
    uint64_t idx;
    bool sf;
    int sf_reason; /* 1 CHFS, 2 BMI, 3 serology, 4 other */
    size_t rank;
    unsigned centre, seq;
    char site[8], patnum[16], numrando[16];
    int arm; /* 1 AD-SVF, 2 placebo */
    char kit;
    double zh, zv, zf;
    int sex, age, bmonth, byear, maindom, height, menop, contra, forme;
    long weight10;
    long consent, rando_day;
    int rando_min;
    struct s2_visit v[V_N];
    int order[V_N], norder; /* present visits in date order */
    long last_day;
    int last_visit;
    bool dropout;
    int statfin;
    long drop_day;
    int chfs[V_N];      /* totals, -1 = none */
    int chfs_items[18]; /* baseline item profile */
    double item_w[18];
    int lipo_start, lipo_end, prep_end;
    int e04, e08, e24;
    bool e25, e14;
    struct s2_ulcer ud[S2_MAX_UD];
    int nud;
    long infections[4];
    int ninfections;
};

/* ------------------------------------------------------------------ small helpers */

static long s2_weekday_in(long d, long lo, long hi)
{
    /* move a weekend day to the nearest working day inside [lo, hi] when possible */
    int w = gen_weekday(d);
    if (w == 5) {
        if (d - 1 >= lo)
            return d - 1;
        if (d + 2 <= hi)
            return d + 2;
    } else if (w == 6) {
        if (d + 1 <= hi)
            return d + 1;
        if (d - 2 >= lo)
            return d - 2;
    }
    return d;
}

static long s2_business_day(long start, long n)
{
    int w = gen_weekday(start);
    long d;
    if (w >= 5)
        start += 7 - w;
    w = gen_weekday(start);
    d = start + (n / 5) * 7 + n % 5;
    if (w + n % 5 >= 5)
        d += 2;
    return d;
}

static int s2_month(long day)
{
    int y, m, d;
    gen_civil(day, &y, &m, &d);
    return m;
}

static long s2_clampl(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static long s2_rnorm(struct gen_rng *r, double mean, double sd, long lo, long hi)
{
    return s2_clampl(gen_round(gen_normal_ms(r, mean, sd)), lo, hi);
}

static const char *s2_visit_code(int v)
{
    return visit_codes[v];
}

/* Start a row at visit v of the subject (reported day). */
static void s2_row(struct gen *g, struct s2_state *S, size_t table, int v, long line,
                   const struct s2_subject *s)
{
    gen_row_begin(g, table, S->ev[v], s2_visit_code(v), line, s->v[v].rday);
}

/* ------------------------------------------------------------------ model set-up */

static int s2_bind(struct gen *g, struct s2_state *S)
{
    char name[32];
#define S2_BIND(P, l, nm)        \
    S->t_##l = gen_table(g, nm); \
    gen_cols(g, S->t_##l, l##_names, P##_N, S->l);
    S2_TABLES(S2_BIND)
#undef S2_BIND
    for (int i = 0; i < 18; i++) {
        snprintf(name, sizeof name, "Q%02d", i + 1);
        S->q[i] = gen_col(g, S->t_chf, name);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "H%02d", i + 1);
        S->h[i] = gen_col(g, S->t_shq, name);
    }
    {
        static const char *const cats[8] = {"HAB", "LEV", "REP", "MAR", "HYG", "ATT", "PRE", "ACT"};
        for (int i = 0; i < 8; i++) {
            snprintf(name, sizeof name, "AID_%s", cats[i]);
            S->aid[i] = gen_col(g, S->t_shq, name);
            snprintf(name, sizeof name, "TIERS_%s", cats[i]);
            S->tiers[i] = gen_col(g, S->t_shq, name);
        }
    }
    for (int i = 0; i < 17; i++) {
        snprintf(name, sizeof name, "MRSS%02d", i + 1);
        S->mrss[i] = gen_col(g, S->t_exa, name);
    }
    for (int h = 0; h < 2; h++) {
        char hand = h ? 'G' : 'D';
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof name, "DDP_%c%d", hand, i + 2);
            S->ddp[h][i] = gen_col(g, S->t_exa, name);
        }
        for (int i = 0; i < 3; i++) {
            snprintf(name, sizeof name, "JAM_%c%d", hand, i + 1);
            S->jam[h][i] = gen_col(g, S->t_exa, name);
            snprintf(name, sizeof name, "PIN_%c%d", hand, i + 1);
            S->pin[h][i] = gen_col(g, S->t_exa, name);
        }
        for (int i = 0; i < 5; i++) {
            snprintf(name, sizeof name, "MONO_%c%d", hand, i + 1);
            S->mono[h][i] = gen_col(g, S->t_exa, name);
        }
    }
    /* E01-E03 classes of the brief: questionnaire items, VAS, clinician scores (nothing else) */
    for (size_t t = 0; t < g->ntables; t++)
        for (size_t i = 0; i < g->tables[t].nitems; i++)
            g->tables[t].cls[i] = GEN_CLASS_NONE;
    for (int i = 0; i < 18; i++)
        gen_set_class(g, S->t_chf, S->q[i], GEN_CLASS_ITEM_RANGE);
    for (int i = 0; i < 20; i++)
        gen_set_class(g, S->t_shq, S->h[i], GEN_CLASS_ITEM_RANGE);
    for (int i = 0; i < 17; i++)
        gen_set_class(g, S->t_exa, S->mrss[i], GEN_CLASS_SCORE);
    gen_set_class(g, S->t_dia, S->dia[DIA_RCS], GEN_CLASS_ITEM_RANGE);
    {
        static const int vas[] = {SHQ_VAS_DOUL, SHQ_VAS_DIG, SHQ_VAS_RESP,
                                  SHQ_VAS_RAYN, SHQ_VAS_UD,  SHQ_VAS_GLOB};
        for (size_t i = 0; i < sizeof vas / sizeof *vas; i++)
            gen_set_class(g, S->t_shq, S->shq[vas[i]], GEN_CLASS_VAS);
        gen_set_class(g, S->t_eva, S->eva[EVA_EVA_MAINS], GEN_CLASS_VAS);
        gen_set_class(g, S->t_sat, S->sat[SAT_EVA_GLOB_PAT], GEN_CLASS_VAS);
        gen_set_class(g, S->t_sat, S->sat[SAT_EVA_GLOB_MED], GEN_CLASS_VAS);
    }
    {
        static const int sc[] = {EXA_MRSS_DOI_D, EXA_MRSS_DOI_G, EXA_MRSS_MAI_D,
                                 EXA_MRSS_MAI_G, EXA_KAP_D,      EXA_KAP_G};
        for (size_t i = 0; i < sizeof sc / sizeof *sc; i++)
            gen_set_class(g, S->t_exa, S->exa[sc[i]], GEN_CLASS_SCORE);
    }
    gen_set_register(g, S->t_inc);
    for (int v = 0; v < V_N; v++)
        S->ev[v] = tp_crf_event_by_code(g->crf, visit_codes[v]);
    for (size_t e = 0; e < tp_crf_event_count(g->crf); e++)
        if (tp_crf_event_type(tp_crf_event_at(g->crf, e)) == TP_EVENT_COMMON)
            S->ev_log = tp_crf_event_at(g->crf, e);
    return TP_OK;
}

static int s2_date_attr(struct gen *g, const char *key, const char *dflt, long *out)
{
    const char *v = tp_crf_attr(g->crf, key);
    if (!v || !*v)
        v = dflt;
    if (!gen_parse_iso_date(v, out))
        return tp_fail(g->err, TP_E_SPEC, "study.csv: %s must be a date yyyy-mm-dd, found '%s'",
                       key, v);
    return TP_OK;
}

static int s2_init(struct gen *g, void **state)
{
    struct s2_state *S = tp_calloc(1, sizeof *S);
    struct gen_rng r;
    int centres[40], arms[40], k = 0;
    static const int per_centre[6] = {14, 8, 6, 6, 4, 2};
    int rc;
    *state = S;
    if (!S)
        return tp_fail(g->err, TP_E_NOMEM, "out of memory");
    if ((rc = s2_date_attr(g, "FirstInclusionDate", "2015-10-13", &S->first_j0)) ||
        (rc = s2_date_attr(g, "ExtractionDate", "2018-03-15", &S->extraction_fixed)))
        return rc;
    if ((rc = s2_bind(g, S)))
        return rc;
    /* the 40-subject allocation list: one permutation of arms (20/20) and of centres */
    for (int c = 0; c < 6; c++)
        for (int i = 0; i < per_centre[c]; i++)
            centres[k++] = c + 1;
    for (int i = 0; i < 40; i++)
        arms[i] = i < 20 ? 1 : 2;
    gen_rng_init(&r, g->opt->seed, GEN_STUDY_STREAM, "s2.alloc40.arm");
    gen_shuffle(&r, arms, 40);
    gen_rng_init(&r, g->opt->seed, GEN_STUDY_STREAM, "s2.alloc40.centre");
    gen_shuffle(&r, centres, 40);
    memcpy(S->alloc_arm, arms, sizeof arms);
    memcpy(S->alloc_centre, centres, sizeof centres);
    return TP_OK;
}

static void s2_release(void *state)
{
    struct s2_state *S = state;
    if (!S)
        return;
    tp_free(S->seq);
    tp_free(S);
}

/* J0 (surgery) day of randomisation rank k (1-based): a pure function of k and the seed. */
static long s2_j0_of_rank(const struct s2_state *S, uint64_t seed, size_t k)
{
    if (k <= 40) {
        struct gen_rng r;
        long d = S->first_j0 + gen_round((double)(k - 1) * 16.0);
        if (k > 1) {
            gen_rng_init(&r, seed, k, "s2.rank.j0");
            d += gen_int(&r, -3, 3);
        }
        return s2_weekday_in(d, d - 3, d + 3);
    }
    return s2_business_day(gen_days(2018, 2, 1), (long)((k - 41) / 50));
}

static unsigned s2_centre_of_rank(const struct s2_state *S, size_t k)
{
    if (k <= 40)
        return (unsigned)S->alloc_centre[k - 1];
    return 7 + (unsigned)((k - 41) / 200);
}

static int s2_arm_of_rank(const struct s2_state *S, uint64_t seed, size_t k)
{
    struct gen_rng r;
    int block[4] = {1, 1, 2, 2};
    size_t within, blockno;
    if (k <= 40)
        return S->alloc_arm[k - 1];
    within = (k - 41) % 200;
    blockno = (k - 41) / 4;
    gen_rng_init(&r, seed, blockno, "s2.block");
    gen_shuffle(&r, block, 4);
    return block[within % 4];
}

static long s2_extraction(struct gen *g, void *state, size_t n)
{
    struct s2_state *S = state;
    if (n <= 40)
        return S->extraction_fixed;
    /* last generated visit (M6 at most J0 + 194) plus 45 days */
    return s2_j0_of_rank(S, g->opt->seed, n) + 194 + 45;
}

/* ------------------------------------------------------------------ traits and calendar */

static void s2_traits(struct gen *g, struct s2_subject *s)
{
    struct gen_rng r;
    double a, b, c;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.traits");
    a = gen_normal(&r);
    b = gen_normal(&r);
    c = gen_normal(&r);
    /* Cholesky factor of corr(hand, vasc, fib) = (0.4, 0.5, 0.2) */
    s->zh = a;
    s->zv = 0.4 * a + 0.916515 * b;
    s->zf = 0.5 * a + 0.0 * b + 0.866025 * c;
    s->forme = gen_chance(&r, 0.40) ? 2 : 1;
    if (s->forme == 2)
        s->zf += 0.8;
}

static void s2_demography(struct gen *g, struct s2_subject *s)
{
    struct gen_rng r;
    long birth, h2;
    int cy, cm, cd;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.demo");
    s->sex = gen_chance(&r, 0.85) ? 2 : 1;
    s->age = (int)s2_rnorm(&r, 54, 11, 25, 78);
    birth = s->consent - (long)s->age * 365 - (long)(s->age / 4) - gen_int(&r, 0, 364);
    gen_civil(birth, &s->byear, &s->bmonth, &cd);
    gen_civil(s->consent, &cy, &cm, &cd);
    s->age = cy - s->byear - (cm < s->bmonth ? 1 : 0);
    {
        static const double w[3] = {0.88, 0.10, 0.02};
        s->maindom = (int)gen_pick(&r, w, 3) + 1;
    }
    s->height =
        (int)(s->sex == 2 ? s2_rnorm(&r, 163, 7, 145, 195) : s2_rnorm(&r, 176, 7, 155, 200));
    s->weight10 = s2_rnorm(&r, s->sex == 2 ? 640 : 760, 120, 400, 1100);
    h2 = (long)s->height * s->height;
    /* randomised subjects have BMI >= 18 (EXC01); BMI screen failures are below it */
    /* BMI x 10 = weight10 * 10000 / height^2 */
    if (s->sf && s->sf_reason == 2)
        s->weight10 = (gen_int(&r, 160, 179) * h2 + 5000) / 10000;
    else if (s->weight10 * 10000 < 185 * h2)
        s->weight10 = (185 * h2 + 9999) / 10000 + gen_int(&r, 0, 50);
    if (s->sex == 1) {
        s->menop = 8;
        s->contra = 8;
    } else {
        double p = s->age >= 55 ? 0.95 : s->age >= 48 ? 0.5 : 0.08;
        s->menop = gen_chance(&r, p) ? 1 : 0;
        s->contra = s->menop ? 8 : 1;
    }
}

static long s2_imc10(const struct s2_subject *s)
{
    long h2 = (long)s->height * s->height;
    return (2 * s->weight10 * 10000 + h2) / (2 * h2);
}

/* Calendar of a randomised subject (clean days), dropout and missed visits. */
static void s2_calendar(struct gen *g, const struct s2_state *S, struct s2_subject *s)
{
    struct gen_rng r;
    long j0 = s2_j0_of_rank(S, g->opt->seed, s->rank);
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.calendar");
    for (int v = 0; v < V_N; v++)
        s->v[v].present = s->v[v].done = false;
    s->v[V_J0].day = j0;
    s->v[V_V0].day = s2_weekday_in(j0 - gen_int(&r, 7, 28), j0 - 30, j0 - 1);
    s->consent = s->v[V_V0].day - (gen_chance(&r, 0.6) ? 0 : gen_int(&r, 1, 10));
    if (gen_chance(&r, 0.7)) {
        s->rando_day = j0;
        s->rando_min = (int)gen_int(&r, 7 * 60 + 15, 8 * 60 + 20);
    } else {
        s->rando_day = s2_weekday_in(j0 - gen_int(&r, 1, 3), j0 - 5, j0 - 1);
        s->rando_min = (int)gen_int(&r, 9 * 60, 17 * 60);
    }
    {
        static const int jit[V_N] = {0, 0, 2, 5, 10, 10, 0};
        static const int win[V_N] = {0, 0, 2, 7, 14, 14, 0};
        for (int v = V_J7; v <= V_M6; v++) {
            long nom = j0 + visit_nominal[v];
            long d =
                nom + gen_round(gen_clamp(gen_normal_ms(&r, 0, jit[v] / 2.0), -jit[v], jit[v]));
            s->v[v].day = s2_weekday_in(d, nom - win[v], nom + win[v]);
        }
    }
    /* dropout: 5 % by M6, time uniform over follow-up */
    s->dropout = gen_chance(&r, 0.05);
    s->drop_day = s->dropout ? j0 + gen_int(&r, 1, 180) : 0;
    if (s->dropout) {
        static const double w[4] = {0.35, 0.35, 0.2, 0.1};
        static const int reasons[4] = {2, 3, 4, 6};
        s->statfin = reasons[gen_pick(&r, w, 4)];
    } else {
        s->statfin = 1;
    }
    for (int v = V_V0; v <= V_M6; v++) {
        s->v[v].present = !s->dropout || v <= V_J0 || s->v[v].day <= s->drop_day;
        s->v[v].done = s->v[v].present;
    }
    if (s->dropout && s->v[V_M6].present) {
        s->dropout = false;
        s->statfin = 1;
    }
    /* missed visits (visit form says not done, nothing else) */
    {
        static const double miss[V_N] = {0, 0, 0.02, 0.02, 0.01, 0.01, 0};
        for (int v = V_J7; v <= V_M6; v++)
            if (s->v[v].present && gen_chance(&r, miss[v]) && !(v == V_M6 && !s->dropout))
                s->v[v].done = false;
    }
    /* one unscheduled visit for about 10 % of subjects, between J7 and M3 */
    if (gen_chance(&r, 0.10)) {
        long lo = s->v[V_J7].day + 3, hi = s->v[V_M3].day - 5;
        long d = s2_weekday_in(gen_int(&r, lo, hi), lo, hi);
        bool clash = d == s->v[V_M1].day;
        if (!clash && (!s->dropout || d <= s->drop_day)) {
            s->v[V_NP].present = s->v[V_NP].done = true;
            s->v[V_NP].day = d;
        }
    }
    for (int v = 0; v < V_N; v++)
        s->v[v].rday = s->v[v].day;
    /* date order of the visits (NP slots in by date) */
    s->norder = 0;
    for (int v = 0; v < V_N; v++)
        if (s->v[v].present)
            s->order[s->norder++] = v;
    for (int i = 1; i < s->norder; i++)
        for (int j = i; j > 0 && s->v[s->order[j]].day < s->v[s->order[j - 1]].day; j--) {
            int t = s->order[j];
            s->order[j] = s->order[j - 1];
            s->order[j - 1] = t;
        }
    s->last_visit = V_V0;
    s->last_day = s->v[V_V0].day;
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        if (s->v[v].done && s->v[v].day >= s->last_day) {
            s->last_day = s->v[v].day;
            s->last_visit = v;
        }
    }
}

/* E27: a follow-up visit reported outside its window (the whole visit moves). */
static void s2_inject_windows(struct gen *g, struct s2_subject *s)
{
    static const long win_hi[V_N] = {0, 0, 9, 37, 104, 194, 0};
    for (int v = V_J7; v <= V_M6; v++) {
        long next = 1L << 40, d;
        if (!s->v[v].done || !gen_inj_chance(g, 0.02))
            continue;
        for (int w = v + 1; w <= V_M6; w++)
            if (s->v[w].present) {
                next = s->v[w].rday;
                break;
            }
        if (s->v[V_NP].present && s->v[V_NP].day > s->v[v].day && s->v[V_NP].day < next)
            next = s->v[V_NP].day;
        d = s->v[V_J0].day + win_hi[v] + gen_int(&g->inj, 5, 40);
        d = s2_weekday_in(d, d - 2, d + 2);
        if (d >= next - 3 || d > g->extraction_day - 20)
            continue;
        s->v[v].rday = d;
        s->v[v].e27 = true;
    }
}

/* ------------------------------------------------------------------ subject-level forms */

static void s2_inclusion(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->inc;
    int chfs = s->sf ? -1 : s->chfs[V_V0];
    struct gen_rng r;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.inclusion");
    if (s->sf && s->sf_reason == 1)
        chfs = (int)gen_int(&r, 8, 19);
    else if (s->sf)
        chfs = (int)s2_rnorm(&r, 40, 12, 20, 85);
    for (int dup = 0; dup < 1 + (s->e14 ? 1 : 0); dup++) {
        s2_row(g, S, S->t_inc, V_V0, 1, s);
        gen_set_date(g, c[INC_DATCONS], s->consent);
        gen_set_date(g, c[INC_DATSELEC], s->v[V_V0].day);
        gen_set_int(g, c[INC_CHFS_SEL], chfs);
        gen_set_int(g, c[INC_ELIGIBLE], s->sf ? 0 : 1);
        if (s->sf) {
            gen_set_blank(g, c[INC_NUMRANDO]);
            gen_set_blank(g, c[INC_DATRANDO]);
            gen_set_blank(g, c[INC_HRANDO]);
        } else {
            gen_set_str(g, c[INC_NUMRANDO], s->numrando);
            gen_set_date(g, c[INC_DATRANDO], s->rando_day);
            gen_set_time(g, c[INC_HRANDO], s->rando_min);
        }
        if (dup == 0) {
            if (s->e25 && gen_chance(&g->inj, 0.6)) {
                char buf[8];
                snprintf(buf, sizeof buf, "%ld", gen_int(&g->inj, 14, 19));
                gen_inject(g, c[INC_CHFS_SEL], "E25", buf, GEN_SEV_ERROR, "Eligibility");
                s->e25 = false;
            }
            if (s->e08 == 1) {
                char buf[16];
                gen_inject(g, c[INC_DATCONS], "E08",
                           gen_fmt_date(buf, sizeof buf, s->v[V_V0].day + gen_int(&g->inj, 3, 20)),
                           GEN_SEV_ERROR, "Cross-form dates");
            }
        } else {
            /* E14: the same PATNUM entered again under another centre */
            char other[8];
            snprintf(other, sizeof other, "%02u", s->centre + 1);
            gen_row_set_site(g, other);
            gen_row_injected(g);
            gen_inject_note(g, "E14", tp_crf_raw_column(g->crf, TP_RAW_SITE), s->site, other,
                            GEN_SEV_ERROR, "Subject identity");
        }
        gen_row_end(g);
    }
}

static void s2_demographie(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->dem;
    s2_row(g, S, S->t_dem, V_V0, 1, s);
    gen_set_int(g, c[DEM_SEXE], s->sex);
    gen_set_int(g, c[DEM_MOISNAIS], s->bmonth);
    gen_set_int(g, c[DEM_ANNAIS], s->byear);
    gen_set_int(g, c[DEM_AGE], s->age);
    gen_set_int(g, c[DEM_MAINDOM], s->maindom);
    gen_set_int(g, c[DEM_TAILLE], s->height);
    gen_set_dec(g, c[DEM_POIDS], s->weight10, 1);
    gen_set_dec(g, c[DEM_IMC], s2_imc10(s), 1);
    gen_set_int(g, c[DEM_MENOP], s->menop);
    gen_set_int(g, c[DEM_CONTRACEP], s->contra);
    if (s->e04 == 1) {
        char buf[16];
        gen_fmt_dec(buf, sizeof buf, s->height, 2, g->decimal);
        gen_inject(g, c[DEM_TAILLE], "E04", buf, GEN_SEV_ERROR, "Range + BMI consistency");
    } else if (s->e04 == 2) {
        char buf[16];
        snprintf(buf, sizeof buf, "%ld", s->weight10);
        gen_inject(g, c[DEM_POIDS], "E04", buf, GEN_SEV_ERROR, "Range + BMI consistency");
    } else if (gen_inj_chance(g, 0.01)) {
        char buf[16];
        gen_fmt_dec(buf, sizeof buf,
                    s2_imc10(s) + (gen_chance(&g->inj, 0.5) ? 1 : -1) * gen_int(&g->inj, 10, 30), 1,
                    g->decimal);
        gen_inject(g, c[DEM_IMC], "E16", buf, GEN_SEV_WARNING, "Derivation check");
    }
    if (s->e24 && s->sex == 1) {
        gen_inject(g, c[DEM_MENOP], "E24", gen_chance(&g->inj, 0.5) ? "1" : "0", GEN_SEV_ERROR,
                   "Consistency");
        s->e24 = 0;
    }
    gen_row_end(g);
}

static void s2_criteres(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->cri;
    struct gen_rng r;
    int crit[11] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    const char *comment = "";
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.criteres");
    if (s->sf) {
        switch (s->sf_reason) {
        case 1:
            crit[3] = 0;
            comment = "Score de Cochin < 20";
            break;
        case 2:
            crit[4] = 1;
            comment = "IMC < 18 kg/m²";
            break;
        case 3:
            crit[8] = 1;
            comment = "Sérologie positive";
            break;
        default:
            switch (gen_int(&r, 0, 2)) {
            case 0:
                crit[6] = 1;
                comment = "Contre-indication chirurgicale (avis anesthésiste)";
                break;
            case 1:
                crit[10] = 1;
                comment = "Traitement par mycophénolate mofétil";
                break;
            default:
                crit[2] = 0;
                comment = "Patient ne souhaite plus participer";
                break;
            }
        }
    }
    s2_row(g, S, S->t_cri, V_V0, 1, s);
    for (int i = 0; i < 11; i++)
        gen_set_int(g, c[CRI_INC01 + i], crit[i]);
    gen_set_str(g, c[CRI_COMMENT], comment);
    if (s->e25) {
        gen_inject(g, c[CRI_EXC04], "E25", "1", GEN_SEV_ERROR, "Eligibility");
        s->e25 = false;
    }
    gen_row_end(g);
}

static long s2_years_before(long day, double years)
{
    return day - gen_round(years * 365.25);
}

static int s2_prec(struct gen_rng *r, double full, double month)
{
    double u = gen_unif(r);
    return u < full ? 0 : u < full + month ? 1 : 2;
}

static void s2_sclerodermie(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->ssc;
    struct gen_rng r;
    double rp, symp, diag, maxy = s->age - 8;
    bool dc = s->forme == 2;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.ssc");
    rp = gen_clamp(gen_normal_ms(&r, 14.3, 7.7), 1.5, maxy);
    symp = gen_clamp(gen_normal_ms(&r, 9.9, 7), 1.0, rp);
    diag = gen_clamp(symp * (0.5 + 0.5 * gen_unif(&r)), 0.6, symp);
    s2_row(g, S, S->t_ssc, V_V0, 1, s);
    gen_set_pdate(g, c[SSC_DATDIAG], s2_years_before(s->consent, diag), s2_prec(&r, 0.4, 0.4));
    gen_set_int(g, c[SSC_FORME], s->forme);
    gen_set_pdate(g, c[SSC_DATRAYN], s2_years_before(s->consent, rp), s2_prec(&r, 0.1, 0.3));
    gen_set_pdate(g, c[SSC_DATSYMP], s2_years_before(s->consent, symp), s2_prec(&r, 0.2, 0.4));
    gen_set_int(g, c[SSC_ACREULAR], gen_chance(&r, 0.95));
    gen_set_int(g, c[SSC_AC_ACA], gen_chance(&r, 0.03) ? 9 : gen_chance(&r, dc ? 0.1 : 0.6));
    gen_set_int(g, c[SSC_AC_SCL70], gen_chance(&r, 0.03) ? 9 : gen_chance(&r, dc ? 0.4 : 0.1));
    gen_set_int(g, c[SSC_AC_ARNP3], gen_chance(&r, 0.3) ? 9 : gen_chance(&r, dc ? 0.12 : 0.02));
    gen_set_int(g, c[SSC_PID], gen_chance(&r, dc ? 0.45 : 0.2));
    gen_set_int(g, c[SSC_HTAP], gen_chance(&r, 0.08));
    gen_set_int(g, c[SSC_DIGEST], gen_chance(&r, 0.7));
    gen_set_int(g, c[SSC_CALCIN], gen_chance(&r, 0.25));
    gen_set_int(g, c[SSC_ATCD_UD], gen_chance(&r, gen_clamp(0.5 + 0.2 * s->zv, 0.1, 0.9)));
    {
        double w[4] = {0.45 + 0.1 * s->zf, 0.20 + 0.1 * s->zv, 0.10, 0.25};
        for (int i = 0; i < 4; i++)
            w[i] = w[i] < 0.02 ? 0.02 : w[i];
        gen_set_int(g, c[SSC_CAUSEHAND], (long)gen_pick(&r, w, 4) + 1);
    }
    gen_row_end(g);
}

static void s2_serologies(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->ser;
    struct gen_rng r;
    int pos = -1;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.sero");
    if (s->sf && s->sf_reason == 3)
        pos = (int)gen_int(&r, 1, 4); /* VHC, AGHBS, HTLV or TPHA */
    s2_row(g, S, S->t_ser, V_V0, 1, s);
    gen_set_date(g, c[SER_DATPREL], s->v[V_V0].day);
    for (int i = 0; i < 5; i++)
        gen_set_int(g, c[SER_VIH + i], i == pos ? 1 : 0);
    gen_set_int(g, c[SER_BHCG], s->sex == 2 && s->menop == 0 ? 0 : 8);
    if (s->e24 && s->sex == 1) {
        gen_inject(g, c[SER_BHCG], "E24", "1", GEN_SEV_ERROR, "Consistency");
        s->e24 = 0;
    }
    gen_row_end(g);
}

/* ------------------------------------------------------------------ visits */

static void s2_visite(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    static const char *const reasons[] = {"Patient hospitalisé", "Patient indisponible",
                                          "Oubli du rendez-vous", "Grève des transports"};
    const size_t *c = S->vis;
    struct gen_rng r;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.visite");
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        s2_row(g, S, S->t_vis, v, 1, s);
        gen_set_int(g, c[VIS_FAITE], s->v[v].done);
        if (s->v[v].done) {
            gen_set_date(g, c[VIS_DATVIS], s->v[v].day);
            gen_set_blank(g, c[VIS_RAISONNF]);
        } else {
            gen_set_blank(g, c[VIS_DATVIS]);
            gen_set_str(g, c[VIS_RAISONNF], reasons[gen_int(&r, 0, 3)]);
        }
        if (s->v[v].e27) {
            char buf[16];
            gen_inject(g, c[VIS_DATVIS], "E27", gen_fmt_date(buf, sizeof buf, s->v[v].rday),
                       GEN_SEV_WARNING, "Window");
        } else if (s->e08 == 4 && v == V_M3 && s->v[V_M1].done && s->v[v].done) {
            char buf[16];
            gen_inject(g, c[VIS_DATVIS], "E08",
                       gen_fmt_date(buf, sizeof buf, s->v[V_M1].rday - gen_int(&g->inj, 3, 10)),
                       GEN_SEV_ERROR, "Cross-form dates");
        }
        gen_row_end(g);
    }
}

static void s2_vitals(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->vs;
    struct gen_rng r;
    long sbp0, dbp0, hr0;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.vitals");
    sbp0 = s2_rnorm(&r, 122 + 0.3 * (s->age - 54), 12, 95, 170);
    dbp0 = s2_rnorm(&r, 75, 8, 55, 100);
    hr0 = s2_rnorm(&r, 74, 9, 52, 105);
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        long sbp, dbp;
        if (!s->v[v].done)
            continue;
        sbp = s2_clampl(sbp0 + gen_round(gen_normal_ms(&r, 0, 7)), 90, 180);
        dbp = s2_clampl(dbp0 + gen_round(gen_normal_ms(&r, 0, 5)), 50, 110);
        if (dbp > sbp - 20)
            dbp = sbp - 20;
        s2_row(g, S, S->t_vs, v, 1, s);
        gen_set_date(g, c[VS_DATVS], s->v[v].rday);
        gen_set_int(g, c[VS_PAS], sbp);
        gen_set_int(g, c[VS_PAD], dbp);
        gen_set_int(g, c[VS_FC], s2_clampl(hr0 + gen_round(gen_normal_ms(&r, 0, 6)), 50, 110));
        gen_set_dec(g, c[VS_TEMP], s2_rnorm(&r, 367, 3, 360, 380), 1);
        gen_set_dec(g, c[VS_POIDS],
                    s2_clampl(s->weight10 + gen_round(gen_normal_ms(&r, 0, 8)), 400, 1100), 1);
        gen_row_end(g);
    }
}

struct s2_labtest {
    const char *code, *unit;
    double mean_f, mean_m, sd;
    int ndec;
    long lo_f, hi_f, lo_m, hi_m; /* normal range, scaled by 10 */
};

static const struct s2_labtest lab_tests[] = {
    {"HB", "g/dL", 13.2, 14.6, 1.0, 1, 120, 160, 130, 170},
    {"GB", "G/L", 7.0, 7.2, 1.7, 1, 40, 100, 40, 100},
    {"PLQ", "G/L", 265, 245, 55, 0, 1500, 4000, 1500, 4000},
    {"CRP", "mg/L", 3.0, 3.0, 0, 1, 0, 50, 0, 50},
    {"CREAT", "µmol/L", 64, 82, 12, 0, 450, 900, 600, 1100},
    {"ASAT", "UI/L", 23, 26, 6, 0, 50, 350, 50, 400},
    {"ALAT", "UI/L", 20, 25, 8, 0, 50, 350, 50, 450},
    {"BHCG", "UI/L", 0.8, 0.8, 0.4, 1, 0, 50, 0, 50},
};

static const char *s2_lab_name(unsigned centre)
{
    static const char *const names[6] = {
        "Laboratoire AP-HM Hôpital Nord", "Laboratoire Hôpital Cochin (AP-HP)",
        "Laboratoire HCL Lyon Sud",       "Laboratoire CHU de Rouen",
        "Laboratoire CHU de Nantes",      "Laboratoire CHU d'Angers"};
    return centre >= 1 && centre <= 6 ? names[centre - 1] : NULL;
}

static void s2_biologie(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->lab;
    struct gen_rng r;
    double lvl[8];
    char labo[64];
    const char *ln = s2_lab_name(s->centre);
    bool wocbp = s->sex == 2 && s->menop == 0;
    if (ln)
        snprintf(labo, sizeof labo, "%s", ln);
    else
        snprintf(labo, sizeof labo, "Laboratoire du centre %s", s->site);
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.lab");
    for (int t = 0; t < 8; t++)
        lvl[t] = gen_normal(&r); /* subject level, visits vary around it */
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i], line = 0;
        int minute = (int)gen_int(&r, 8 * 60, 11 * 60 + 30);
        if (!s->v[v].done || !(v == V_V0 || v == V_M3 || v == V_M6 || v == V_NP))
            continue;
        for (int t = 0; t < 8; t++) {
            const struct s2_labtest *lt = &lab_tests[t];
            double mean = s->sex == 2 ? lt->mean_f : lt->mean_m, x;
            long scaled, lo = s->sex == 2 ? lt->lo_f : lt->lo_m,
                         hi = s->sex == 2 ? lt->hi_f : lt->hi_m;
            long scale = lt->ndec ? 10 : 1;
            char res[32];
            if (t == 7 && !wocbp)
                continue;
            if (t == 3) /* CRP: log-normal */
                x = exp(log(mean) + 0.8 * (0.7 * lvl[t] + 0.7 * gen_normal(&r)));
            else
                x = mean + lt->sd * (0.8 * lvl[t] + 0.6 * gen_normal(&r));
            if (t == 7)
                x = gen_clamp(x, 0.1, 2.0);
            scaled = gen_round(gen_clamp(x, 0.1, 10000) * (double)scale);
            if (scaled < 1)
                scaled = 1;
            gen_fmt_dec(res, sizeof res, scaled, lt->ndec, g->decimal);
            s2_row(g, S, S->t_lab, v, ++line, s);
            gen_set_date(g, c[LAB_DATPREL], s->v[v].rday);
            gen_set_time(g, c[LAB_HPREL], minute);
            gen_set_str(g, c[LAB_EXAMEN], lt->code);
            gen_set_str(g, c[LAB_RESULTAT], res);
            gen_set_str(g, c[LAB_UNITE], lt->unit);
            gen_set_dec(g, c[LAB_BINF], lo, 1);
            gen_set_dec(g, c[LAB_BSUP], hi, 1);
            {
                long x10 = lt->ndec ? scaled : scaled * 10;
                int interp = x10 >= lo && x10 <= hi ? 1 : gen_chance(&r, 0.9) ? 2 : 3;
                gen_set_int(g, c[LAB_INTERP], interp);
            }
            gen_set_str(g, c[LAB_LABO], labo);
            /* E20 unit slips and E21 censored results */
            if ((t == 3 || t == 4) && gen_inj_chance(g, 0.003)) {
                char buf[32];
                long v100 = t == 3 ? gen_round((double)scaled * 1.0)
                                   : gen_round((double)scaled * 100.0 / 88.4);
                gen_fmt_dec(buf, sizeof buf, v100, t == 3 ? 2 : 2, g->decimal);
                gen_inject(g, c[LAB_RESULTAT], "E20", buf, GEN_SEV_ERROR, "Unit/range");
                gen_inject(g, c[LAB_UNITE], "E20", "mg/dL", GEN_SEV_ERROR, "Unit/range");
            } else if (gen_inj_chance(g, 0.01)) {
                const char *cens = t == 3 && scaled < 50 ? "<5" : t == 2 ? ">1000" : "ND";
                if (t == 2 && scaled < 1000)
                    cens = "ND";
                gen_inject(g, c[LAB_RESULTAT], "E21", cens, GEN_SEV_INFO, "Handling");
            }
            gen_row_end(g);
        }
    }
}

/* ---- J0 procedures ---- */

static void s2_procedures(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    struct gen_rng r;
    long j0 = s->v[V_J0].rday;
    int vol, start, end, pstart, pend, t;
    bool svf = s->arm == 1;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.proc");
    start = (int)gen_int(&r, 8 * 60 + 30, 11 * 60);
    end = start + (int)gen_int(&r, 30, 90);
    s->lipo_start = start;
    s->lipo_end = end;
    vol = (int)(s2_rnorm(&r, 180, 40, 100, 300) / 5 * 5);

    /* randomisation (blinded kit) and the restricted unblinding sheet */
    s2_row(g, S, S->t_rnd, V_J0, 1, s);
    gen_set_str(g, S->rnd[RND_NUMRANDO], s->numrando);
    gen_set_date(g, S->rnd[RND_DATRANDO], s->rando_day);
    gen_set_str(g, S->rnd[RND_KIT], s->kit == 'A' ? "A" : "B");
    gen_row_end(g);
    s2_row(g, S, S->t_unb, V_J0, 1, s);
    gen_set_str(g, S->unb[UNB_NUMRANDO], s->numrando);
    gen_set_str(g, S->unb[UNB_KIT], s->kit == 'A' ? "A" : "B");
    gen_set_int(g, S->unb[UNB_BRAS], s->arm);
    gen_row_end(g);

    s2_row(g, S, S->t_lip, V_J0, 1, s);
    gen_set_date(g, S->lip[LIP_DATLIPO], j0);
    gen_set_time(g, S->lip[LIP_HDEB], start);
    gen_set_time(g, S->lip[LIP_HFIN], end);
    {
        static const double wa[3] = {0.6, 0.35, 0.05};
        static const double ws[5] = {0.6, 0.15, 0.15, 0.05, 0.05};
        gen_set_int(g, S->lip[LIP_ANESTH], (long)gen_pick(&r, wa, 3) + 1);
        gen_set_int(g, S->lip[LIP_SITEPREL], (long)gen_pick(&r, ws, 5) + 1);
    }
    gen_set_int(g, S->lip[LIP_VOLPREL], vol);
    if (gen_chance(&r, 0.03)) {
        gen_set_int(g, S->lip[LIP_INCIDENT], 1);
        gen_set_str(g, S->lip[LIP_INCID_TXT], "Saignement minime au site de prélèvement");
    } else {
        gen_set_int(g, S->lip[LIP_INCIDENT], 0);
        gen_set_blank(g, S->lip[LIP_INCID_TXT]);
    }
    gen_row_end(g);

    pstart = end + (int)gen_int(&r, 5, 20);
    pend = pstart + (int)gen_int(&r, 70, 110);
    s->prep_end = pend;
    s2_row(g, S, S->t_pre, V_J0, 1, s);
    gen_set_date(g, S->pre[PRE_DATTRAIT], j0);
    gen_set_time(g, S->pre[PRE_HDEB], pstart);
    gen_set_time(g, S->pre[PRE_HFIN], pend);
    gen_set_str(g, S->pre[PRE_APPAREIL], "Celution 800/CRS");
    gen_set_int(g, S->pre[PRE_VOLTRAIT], vol - gen_int(&r, 0, 4) * 5);
    if (svf) {
        gen_set_dec(g, S->pre[PRE_CELLTOT], s2_rnorm(&r, 450, 120, 200, 800), 1);
        gen_set_int(g, S->pre[PRE_VIAB], s2_rnorm(&r, 85, 5, 70, 95));
    } else {
        gen_set_str(g, S->pre[PRE_CELLTOT], "NA");
        gen_set_str(g, S->pre[PRE_VIAB], "NA");
    }
    gen_set_int(g, S->pre[PRE_VOLFINAL], 10);
    gen_set_int(g, S->pre[PRE_CONFORME], 1);
    gen_set_int(g, S->pre[PRE_STERIL], gen_chance(&r, 0.93) ? 1 : 3);
    gen_row_end(g);

    t = pend + (int)gen_int(&r, 10, 30);
    for (int k = 0; k < 10; k++) {
        char hand[2] = {k < 5 ? 'D' : 'G', '\0'};
        s2_row(g, S, S->t_inj, V_J0, k + 1, s);
        gen_set_date(g, S->inj[INJ_DATINJ], j0);
        gen_set_time(g, S->inj[INJ_HINJ], t);
        gen_set_str(g, S->inj[INJ_MAIN], hand);
        gen_set_int(g, S->inj[INJ_DOIGT], k % 5 + 1);
        gen_set_int(g, S->inj[INJ_NBPOINTS], 4);
        gen_set_dec(g, S->inj[INJ_VOLINJ], 10, 1);
        gen_set_int(g, S->inj[INJ_INCIDENT], gen_chance(&r, 0.02));
        t += (int)gen_int(&r, 2, 4);
        if (k == 0 && s->e08 == 3) {
            char buf[16];
            gen_inject(g, S->inj[INJ_DATINJ], "E08", gen_fmt_date(buf, sizeof buf, j0 + 1),
                       GEN_SEV_ERROR, "Cross-form dates");
        } else if (gen_inj_chance(g, 0.01)) {
            if (gen_chance(&g->inj, 0.5))
                gen_inject(g, S->inj[INJ_VOLINJ], "E26", g->decimal == ',' ? "0,5" : "0.5",
                           GEN_SEV_ERROR, "Protocol check");
            else
                gen_inject(g, S->inj[INJ_NBPOINTS], "E26", "3", GEN_SEV_ERROR, "Protocol check");
        }
        gen_row_end(g);
    }
}

/* ---- questionnaires ---- */

static const double chfs_domain_w[18] = {1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.2,
                                         1.2, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};

/* Spread total points over the 18 items (each 0-5) by weighted draws: keeps the exact total. */
static void s2_chfs_alloc(struct gen_rng *r, int total, const double *w, int *items)
{
    double ww[18];
    memset(items, 0, 18 * sizeof *items);
    for (int k = 0; k < total; k++) {
        for (int i = 0; i < 18; i++)
            ww[i] = items[i] < 5 ? w[i] : 0;
        items[gen_pick(r, ww, 18)]++;
    }
}

/* CHFS totals over the visits (primary endpoint: change J0 -> M3, brief §6.4). */
static void s2_chfs_totals(struct gen *g, struct s2_subject *s)
{
    struct gen_rng r;
    double t0, d3, d1, d6, mu = s->arm == 1 ? -9.2 : -7.6, sd = s->arm == 1 ? 12.2 : 13.2;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.chfs.totals");
    t0 = gen_clamp((double)gen_round(42 + 13 * s->zh + gen_normal_ms(&r, 0, 4)), 20, 90);
    d3 = gen_normal_ms(&r, mu, sd) - 0.15 * (t0 - 42);
    d1 = 0.5 * d3 + gen_normal_ms(&r, 0, 4);
    d6 = d3 + gen_normal_ms(&r, -1, 5);
    for (int v = 0; v < V_N; v++)
        s->chfs[v] = -1;
    s->chfs[V_J0] = (int)t0;
    s->chfs[V_V0] = (int)gen_clamp((double)gen_round(t0 + gen_normal_ms(&r, 0, 3)), 20, 90);
    s->chfs[V_M1] = (int)gen_clamp((double)gen_round(t0 + d1), 0, 90);
    s->chfs[V_M3] = (int)gen_clamp((double)gen_round(t0 + d3), 0, 90);
    s->chfs[V_M6] = (int)gen_clamp((double)gen_round(t0 + d6), 0, 90);
    for (int i = 0; i < 18; i++)
        s->item_w[i] = chfs_domain_w[i] * exp(gen_normal_ms(&r, 0, 0.5));
}

static void s2_cochin(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->chf;
    struct gen_rng r;
    const char *hand = s->maindom == 2 ? "G" : "D";
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.chfs.items");
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i], items[18], total = s->chfs[v], item_nd;
        bool form_nd, any_nd = false;
        double w[18];
        if (!s->v[v].done || total < 0 || v == V_NP)
            continue;
        if (v == V_V0 || v == V_J0) {
            memcpy(w, s->item_w, sizeof w);
        } else {
            for (int k = 0; k < 18; k++)
                w[k] = s->item_w[k] * (s->chfs_items[k] + 0.5);
        }
        s2_chfs_alloc(&r, total, w, items);
        if (v == V_J0)
            memcpy(s->chfs_items, items, sizeof items);
        /* missing data (brief §6.4): 2 % of forms not done; 1 % of forms with one item not done */
        form_nd = v != V_V0 && gen_chance(&r, 0.02);
        item_nd = v != V_V0 && gen_chance(&r, 0.01) ? (int)gen_int(&r, 0, 17) : -1;
        s2_row(g, S, S->t_chf, v, 1, s);
        gen_set_date(g, c[CHF_DATQ], s->v[v].rday);
        gen_set_str(g, c[CHF_MAINEVAL], hand);
        for (int k = 0; k < 18; k++) {
            bool nd = form_nd || k == item_nd;
            any_nd |= nd;
            if (nd)
                gen_set_str(g, S->q[k], "ND");
            else
                gen_set_int(g, S->q[k], items[k]);
        }
        if (any_nd)
            gen_set_str(g, c[CHF_SCORETOT], "ND");
        else
            gen_set_int(g, c[CHF_SCORETOT], total);
        gen_set_int(g, c[CHF_AIDE], gen_chance(&r, 0.08));
        if (!any_nd && gen_inj_chance(g, 0.01)) {
            char buf[24];
            long off = gen_int(&g->inj, 1, 5) * (gen_chance(&g->inj, 0.5) ? 1 : -1);
            snprintf(buf, sizeof buf, "%ld", total + off < 0 ? total + 5 : total + off);
            gen_inject(g, c[CHF_SCORETOT], "E16", buf, GEN_SEV_WARNING, "Derivation check");
        }
        gen_row_end(g);
    }
}

static void s2_shaq(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    static const int cat_first[9] = {0, 2, 4, 7, 9, 12, 14, 17, 20};
    const size_t *c = S->shq;
    struct gen_rng r;
    double subj, vas0[6];
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.shaq");
    subj = gen_normal_ms(&r, 0, 0.2);
    vas0[0] = 60 + 25 * s->zh + gen_normal_ms(&r, 0, 20);
    vas0[1] = 35 + gen_normal_ms(&r, 0, 30);
    vas0[2] = 25 + gen_normal_ms(&r, 0, 25);
    vas0[3] = 70 + 25 * s->zv + gen_normal_ms(&r, 0, 20);
    vas0[4] = 25 + 25 * s->zv + gen_normal_ms(&r, 0, 20);
    vas0[5] = 65 + 20 * s->zh + 10 * s->zf + gen_normal_ms(&r, 0, 20);
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i], item_nd;
        double di;
        bool form_nd;
        if (!s->v[v].done || !(v == V_J0 || v == V_M3 || v == V_M6) || s->chfs[v] < 0)
            continue;
        di = gen_clamp(0.2 + 0.024 * s->chfs[v] + subj + gen_normal_ms(&r, 0, 0.15), 0, 3);
        form_nd = gen_chance(&r, 0.02);
        item_nd = gen_chance(&r, 0.01) ? (int)gen_int(&r, 0, 19) : -1;
        s2_row(g, S, S->t_shq, v, 1, s);
        gen_set_date(g, c[SHQ_DATQ], s->v[v].rday);
        for (int k = 0; k < 8; k++) {
            long cs = s2_clampl(gen_round(di + gen_normal_ms(&r, 0, 0.45)), 0, 3);
            int n = cat_first[k + 1] - cat_first[k];
            int top = (int)gen_int(&r, 0, n - 1);
            for (int j = 0; j < n; j++) {
                long item = j == top ? cs : gen_int(&r, 0, cs);
                bool nd = form_nd || cat_first[k] + j == item_nd;
                if (nd)
                    gen_set_str(g, S->h[cat_first[k] + j], "ND");
                else
                    gen_set_int(g, S->h[cat_first[k] + j], item);
            }
            if (form_nd) {
                gen_set_str(g, S->aid[k], "ND");
                gen_set_str(g, S->tiers[k], "ND");
            } else {
                gen_set_int(g, S->aid[k], gen_chance(&r, cs >= 2 ? 0.3 : 0.08));
                gen_set_int(g, S->tiers[k], gen_chance(&r, cs >= 2 ? 0.2 : 0.04));
            }
        }
        for (int k = 0; k < 6; k++) {
            double delta = v == V_J0 ? 0 : (k == 1 || k == 2) ? 0 : -8;
            if (form_nd)
                gen_set_str(g, c[SHQ_VAS_DOUL + k], "ND");
            else
                gen_set_int(
                    g, c[SHQ_VAS_DOUL + k],
                    s2_clampl(gen_round(vas0[k] + delta + gen_normal_ms(&r, 0, 10)), 0, 150));
        }
        gen_row_end(g);
    }
}

static void s2_eva(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    static const double change[V_N] = {0, 0, 0, -4, -8, -8, 0};
    struct gen_rng r;
    double base;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.eva");
    base = 45 + 18 * s->zh + 8 * s->zv + gen_normal_ms(&r, 0, 15);
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        if (!s->v[v].done || !(v == V_J0 || v == V_M1 || v == V_M3 || v == V_M6))
            continue;
        s2_row(g, S, S->t_eva, v, 1, s);
        gen_set_date(g, S->eva[EVA_DATEVA], s->v[v].rday);
        if (gen_chance(&r, 0.02))
            gen_set_str(g, S->eva[EVA_EVA_MAINS], "ND");
        else
            gen_set_int(g, S->eva[EVA_EVA_MAINS],
                        s2_clampl(gen_round(base + change[v] + gen_normal_ms(&r, 0, 8)), 0, 100));
        gen_row_end(g);
    }
}

static void s2_diary(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->dia;
    struct gen_rng r;
    double mu;
    if (g->opt->no_diary)
        return;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.diary");
    mu = 5 + 1.3 * s->zv;
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i], line = 0;
        double x = 0;
        if (!s->v[v].done || !(v == V_J0 || v == V_M1 || v == V_M3 || v == V_M6))
            continue;
        for (int day = 1; day <= 14; day++) {
            long d = s->v[v].day - 15 + day;
            int m = s2_month(d);
            double season = (m == 12 || m <= 2) ? 0.8 : (m >= 6 && m <= 8) ? -0.6 : 0;
            double target = mu + season - (v == V_J0 ? 0 : 0.3);
            long rcs, attacks, minutes = 0;
            x = day == 1 ? gen_normal_ms(&r, 0, 1.5) : 0.5 * x + gen_normal_ms(&r, 0, 1.5 * 0.866);
            rcs = s2_clampl(gen_round(target + x), 0, 10);
            attacks = s2_clampl(gen_poisson(&r, 0.6 * (double)rcs), 0, 30);
            for (long a = 0; a < attacks; a++)
                minutes += gen_round(gen_expo(&r, 12)) + 1;
            if (gen_chance(&r, 0.05))
                continue; /* day not filled in */
            s2_row(g, S, S->t_dia, v, ++line, s);
            gen_set_str(g, c[DIA_PERIODE], s2_visit_code(v));
            gen_set_int(g, c[DIA_JOUR], day);
            gen_set_date(g, c[DIA_DATJOUR], s->v[v].rday - 15 + day);
            gen_set_int(g, c[DIA_NBCRISES], attacks);
            gen_set_int(g, c[DIA_DUREE_MIN], s2_clampl(minutes, 0, 1440));
            gen_set_int(g, c[DIA_RCS], rcs);
            if (gen_inj_chance(g, 0.002)) {
                char buf[16];
                gen_inject(g, c[DIA_DATJOUR], "E29",
                           gen_fmt_date(buf, sizeof buf, s->v[v].rday + gen_int(&g->inj, 1, 5)),
                           GEN_SEV_ERROR, "Chronology");
            }
            gen_row_end(g);
        }
    }
}

/* ---- digital ulcers (timeline over all visits) ---- */

static void s2_ulcer_new(struct gen_rng *r, struct s2_subject *s, long onset, int prec, int seen)
{
    struct s2_ulcer *u;
    static const double wf[5] = {0.05, 0.35, 0.3, 0.2, 0.1};
    static const double wl[4] = {0.6, 0.25, 0.1, 0.05};
    if (s->nud >= S2_MAX_UD)
        return;
    u = &s->ud[s->nud];
    u->id = ++s->nud;
    u->hand = gen_chance(r, 0.5) ? 'D' : 'G';
    u->finger = (int)gen_pick(r, wf, 5) + 1;
    u->loc = (int)gen_pick(r, wl, 4) + 1;
    u->diam = (int)s2_rnorm(r, 5, 2.5, 1, 15);
    u->onset = onset;
    u->prec = prec;
    u->active = true;
    u->first_seen = seen;
}

static bool s2_ulcers(struct gen *g, struct s2_state *S, struct s2_subject *s, int want_visit,
                      bool emit)
{
    /* emit false: only answer "active ulcer at want_visit?" (the timeline is replayed) */
    const size_t *c = S->ud;
    struct gen_rng r;
    long prev = 0;
    bool any_at_want = false;
    s->nud = 0;
    s->ninfections = 0;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.ulcers");
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i], line = 0;
        long d = s->v[v].day;
        bool healed_now[S2_MAX_UD];
        if (!s->v[v].done)
            continue;
        memset(healed_now, 0, sizeof healed_now);
        if (v == V_V0) {
            long n = gen_poisson(&r, 0.38 * exp(0.8 * s->zv));
            for (long k = 0; k < n && k < 5; k++)
                s2_ulcer_new(&r, s, d - gen_int(&r, 7, 180), s2_prec(&r, 0.6, 0.4), v);
        } else {
            double months = (double)(d - prev) / 30.0;
            double heal = 1 - pow(0.65, months);
            long n = gen_poisson(&r, 0.08 * exp(0.8 * s->zv) * months);
            for (int k = 0; k < s->nud; k++) {
                if (s->ud[k].active && gen_chance(&r, heal)) {
                    s->ud[k].active = false;
                    healed_now[k] = true;
                }
            }
            for (long k = 0; k < n; k++)
                s2_ulcer_new(&r, s, gen_int(&r, prev + 1, d), 0, v);
        }
        prev = d;
        for (int k = 0; k < s->nud; k++) {
            struct s2_ulcer *u = &s->ud[k];
            bool infected;
            char num[8], hand[2] = {u->hand, '\0'};
            if (!u->active && !healed_now[k])
                continue;
            if (u->active && v == want_visit)
                any_at_want = true;
            if (u->active && u->first_seen != v)
                u->diam = (int)s2_clampl(u->diam - gen_int(&r, 0, 2), 1, 20);
            infected = u->active && v != V_V0 && v != V_J0 && gen_chance(&r, 0.03);
            if (infected && s->ninfections < 4)
                s->infections[s->ninfections++] = d - gen_int(&r, 1, 5);
            if (!emit)
                continue;
            snprintf(num, sizeof num, "UD%02d", u->id);
            s2_row(g, S, S->t_ud, v, ++line, s);
            gen_set_str(g, c[UD_NUMUD], num);
            gen_set_str(g, c[UD_MAIN], hand);
            gen_set_int(g, c[UD_DOIGT], u->finger);
            gen_set_int(g, c[UD_LOCAL], u->loc);
            gen_set_int(g, c[UD_STATUT_UD],
                        !u->active                          ? 2
                        : (u->first_seen == v && v != V_V0) ? 3
                                                            : 1);
            if (u->active)
                gen_set_int(g, c[UD_DIAM_MM], u->diam);
            else
                gen_set_blank(g, c[UD_DIAM_MM]);
            gen_set_int(g, c[UD_INFECTE], infected);
            gen_set_pdate(g, c[UD_DATAPP], u->onset, u->prec);
            gen_row_end(g);
        }
    }
    return any_at_want;
}

static int s2_mrss_site(struct gen_rng *r, double a, double zf, double zh)
{
    return (int)s2_clampl(gen_round(a + 0.8 * zf + 0.3 * zh + gen_normal_ms(r, 0, 0.6)), 0, 3);
}

static void s2_exam(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    /* mean site scores tuned for a total mRSS around 14 (SCLERADEC I: 14 +/- 9.7) */
    static const double site_a[17] = {1.5,  1.5,  1.0,  1.0,  0.4, 0.4, -0.4, -0.4, 0.3,
                                      -0.5, -0.6, -0.5, -0.5, 0.0, 0.0, 0.1,  0.1};
    const size_t *c = S->exa;
    struct gen_rng r;
    int mrss0[17], kap0[2], ddp0[2][4], circ0[2], mono0[2][5];
    double grip0[2], pinchf, dc = s->forme == 2 ? 0.6 : 0;
    static const char *const mono_codes[6] = {"0.07", "0.4", "2", "4", "10", "300"};
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.exam");
    for (int k = 0; k < 17; k++)
        mrss0[k] = s2_mrss_site(&r, site_a[k] + (k >= 4 ? dc : 0), s->zf, k < 4 ? s->zh : 0);
    for (int h = 0; h < 2; h++) {
        kap0[h] =
            (int)s2_clampl(10 - gen_round(gen_clamp(1.6 * s->zf + gen_normal(&r), 0, 20)), 1, 10);
        for (int f = 0; f < 4; f++) {
            double p = gen_clamp(0.35 + 0.2 * s->zf, 0.05, 0.9);
            ddp0[h][f] =
                gen_chance(&r, p)
                    ? (int)s2_clampl(gen_round(gen_expo(&r, 8 * exp(0.6 * s->zf))) + 1, 1, 80)
                    : 0;
        }
        for (int f = 0; f < 5; f++)
            mono0[h][f] = (int)s2_clampl(
                gen_round(0.8 + 0.7 * s->zv + 0.3 * s->zf + gen_normal_ms(&r, 0, 0.7)), 0, 5);
        circ0[h] = (int)s2_clampl(
            gen_round((s->sex == 2 ? 58 : 66) + 3 * s->zf + gen_normal_ms(&r, 0, 4)), 50, 90);
    }
    {
        double base = s->sex == 2 ? gen_normal_ms(&r, 18, 6) : gen_normal_ms(&r, 30, 8);
        base = gen_clamp(base - 2 * s->zh, 3, 55);
        grip0[0] = base * (s->maindom == 2 ? 1.0 : 1.08);
        grip0[1] = base * (s->maindom == 2 ? 1.08 : 1.0);
        pinchf = 0.25 * exp(gen_normal_ms(&r, 0, 0.1));
    }
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i], tot = 0;
        bool full = v == V_J0 || v == V_M6;
        double improve = v == V_M1 ? 0.1 : v == V_M3 ? 0.3 : v == V_M6 ? 0.35 : 0;
        int mrss[17];
        if (!s->v[v].done || !(v == V_J0 || v == V_M1 || v == V_M3 || v == V_M6))
            continue;
        for (int k = 0; k < 17; k++) {
            mrss[k] = mrss0[k];
            if (k < 4 && mrss[k] > 0 && gen_chance(&r, improve))
                mrss[k]--;
            tot += mrss[k];
        }
        s2_row(g, S, S->t_exa, v, 1, s);
        gen_set_int(g, c[EXA_MRSS_DOI_D], mrss[0]);
        gen_set_int(g, c[EXA_MRSS_DOI_G], mrss[1]);
        gen_set_int(g, c[EXA_MRSS_MAI_D], mrss[2]);
        gen_set_int(g, c[EXA_MRSS_MAI_G], mrss[3]);
        for (int k = 0; k < 17; k++) {
            if (full)
                gen_set_int(g, S->mrss[k], mrss[k]);
            else
                gen_set_blank(g, S->mrss[k]);
        }
        if (full)
            gen_set_int(g, c[EXA_MRSSTOT], tot);
        else
            gen_set_blank(g, c[EXA_MRSSTOT]);
        for (int h = 0; h < 2; h++) {
            int kap = (int)s2_clampl(kap0[h] + (v != V_J0 && gen_chance(&r, 0.2) ? 1 : 0), 1, 10);
            gen_set_int(g, c[h ? EXA_KAP_G : EXA_KAP_D], kap);
            for (int f = 0; f < 4; f++) {
                long d =
                    ddp0[h][f]
                        ? s2_clampl(gen_round(ddp0[h][f] * exp(gen_normal_ms(&r, 0, 0.2))), 1, 80)
                        : 0;
                gen_set_int(g, S->ddp[h][f], d);
            }
            for (int t = 0; t < 3; t++) {
                double gr = grip0[h] * (1 + 0.02 * (v != V_J0)) * (1 + gen_normal_ms(&r, 0, 0.07));
                double pi = grip0[h] * pinchf * (1 + gen_normal_ms(&r, 0, 0.07));
                gen_set_dec(g, S->jam[h][t], s2_clampl(gen_round(gr * 10), 0, 600), 1);
                gen_set_dec(g, S->pin[h][t], s2_clampl(gen_round(pi * 10), 0, 150), 1);
            }
            for (int f = 0; f < 5; f++) {
                long lvl = s2_clampl(
                    mono0[h][f] + (gen_chance(&r, 0.15) ? (gen_chance(&r, 0.5) ? 1 : -1) : 0), 0,
                    5);
                gen_set_code(g, S->mono[h][f], mono_codes[lvl]);
            }
            gen_set_int(
                g, c[h ? EXA_CIRC_G3 : EXA_CIRC_D3],
                s2_clampl(circ0[h] - (v == V_M6 ? 1 : 0) + gen_round(gen_normal_ms(&r, 0, 0.8)), 50,
                          90));
        }
        gen_set_int(g, c[EXA_UD_PRESENT], s2_ulcers(g, S, s, v, false));
        if (full && gen_inj_chance(g, 0.01)) {
            char buf[8];
            snprintf(buf, sizeof buf, "%ld", tot + gen_int(&g->inj, 1, 4));
            gen_inject(g, c[EXA_MRSSTOT], "E16", buf, GEN_SEV_WARNING, "Derivation check");
        }
        gen_row_end(g);
    }
}

static void s2_capillaro(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->cap;
    struct gen_rng r;
    double sc;
    int pattern;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.capillaro");
    sc = 0.6 * s->zv + 0.4 * s->zf + gen_normal_ms(&r, 0, 0.6);
    pattern = sc < -0.5 ? 1 : sc < 0.6 ? 2 : 3;
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        if (!s->v[v].done || !(v == V_J0 || v == V_M6))
            continue;
        s2_row(g, S, S->t_cap, v, 1, s);
        if (gen_chance(&r, 0.05)) {
            gen_set_int(g, c[CAP_FAITE], 0);
            gen_set_blank(g, c[CAP_PATTERN]);
            gen_set_blank(g, c[CAP_DENSITE]);
            gen_set_blank(g, c[CAP_SCORE_SUPP]);
        } else {
            double dens = 7.0 - 1.2 * (pattern - 1) - 0.5 * s->zv + (v == V_M6 ? 0.2 : 0) +
                          gen_normal_ms(&r, 0, 0.8);
            gen_set_int(g, c[CAP_FAITE], 1);
            gen_set_int(g, c[CAP_PATTERN], pattern);
            gen_set_dec(g, c[CAP_DENSITE], s2_clampl(gen_round(dens * 10), 20, 90), 1);
            gen_set_int(
                g, c[CAP_SCORE_SUPP],
                s2_clampl(gen_round(pattern - 1 + 0.5 * s->zv + gen_normal_ms(&r, 0, 0.5)), 0, 3));
        }
        gen_row_end(g);
    }
}

static void s2_satisfaction(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    static const char *const comments[] = {
        "Patiente satisfaite ; souhaite une seconde injection",
        "Amélioration « nette » de la préhension",
        "Douleurs résiduelles au site de liposuccion.\r\nÀ revoir à la prochaine visite",
        "Dit : \"mes doigts sont plus souples\"",
        "Pas de changement ressenti",
        "Moins de crises de Raynaud cet hiver ; ulcère cicatrisé",
        "Gêne persistante pour l'écriture"};
    const size_t *c = S->sat;
    struct gen_rng r;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.satisfaction");
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        double gain;
        if (!s->v[v].done || !(v == V_M3 || v == V_M6))
            continue;
        gain = s->chfs[v] >= 0 ? (double)(s->chfs[V_J0] - s->chfs[v]) : 0;
        s2_row(g, S, S->t_sat, v, 1, s);
        gen_set_int(g, c[SAT_SAT_PAT], s2_rnorm(&r, 3 + gain / 10, 0.8, 1, 5));
        gen_set_int(g, c[SAT_SAT_MED], s2_rnorm(&r, 3.2 + gain / 12, 0.6, 1, 5));
        gen_set_int(g, c[SAT_EVA_GLOB_PAT], s2_rnorm(&r, 50 + 15 * s->zh - 0.8 * gain, 15, 0, 100));
        gen_set_int(g, c[SAT_EVA_GLOB_MED],
                    s2_rnorm(&r, 45 + 12 * s->zh + 5 * s->zf - 0.6 * gain, 10, 0, 100));
        if (gen_chance(&r, 0.25))
            gen_set_str(g, c[SAT_COMMENT],
                        comments[gen_int(&r, 0, (long)(sizeof comments / sizeof *comments) - 1)]);
        else
            gen_set_blank(g, c[SAT_COMMENT]);
        gen_row_end(g);
    }
}

/* ------------------------------------------------------------------ logs */

static int s2_visit_of_day(const struct s2_subject *s, long day)
{
    for (int i = 0; i < s->norder; i++) {
        int v = s->order[i];
        if (s->v[v].done && s->v[v].day >= day)
            return v;
    }
    return s->last_visit;
}

static void s2_antecedents(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    static const struct {
        const char *txt;
        double p;
        bool chronic;
    } mh[] = {{"Hypothyroïdie", 0.15, true},
              {"Reflux gastro-œsophagien", 0.35, true},
              {"Syndrome sec", 0.2, true},
              {"Hypertension artérielle", 0.25, true},
              {"Syndrome dépressif", 0.1, true},
              {"Ostéoporose", 0.15, true},
              {"Hypercholestérolémie", 0.2, true},
              {"Appendicectomie", 0.15, false},
              {"Migraine", 0.1, true},
              {"Cholécystectomie", 0.08, false},
              {"Canal carpien opéré", 0.05, false},
              {"Asthme", 0.05, true}};
    const size_t *c = S->atc;
    struct gen_rng r;
    int line = 0;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.mh");
    for (size_t k = 0; k < sizeof mh / sizeof *mh; k++) {
        long start, end;
        bool ongoing;
        if (!gen_chance(&r, mh[k].p))
            continue;
        start = s2_years_before(s->consent, 1 + gen_unif(&r) * gen_clamp(s->age - 20, 2, 30));
        ongoing = mh[k].chronic ? gen_chance(&r, 0.9) : false;
        end = mh[k].chronic ? start + gen_int(&r, 200, 2000) : start;
        if (end >= s->consent)
            ongoing = true;
        s2_row(g, S, S->t_atc, V_V0, ++line, s);
        gen_set_str(g, c[ATC_ATCD], mh[k].txt);
        gen_set_pdate(g, c[ATC_DATDEB], start, s2_prec(&r, 0.2, 0.3));
        gen_set_int(g, c[ATC_ENCOURS], ongoing);
        if (ongoing)
            gen_set_blank(g, c[ATC_DATFIN]);
        else
            gen_set_pdate(g, c[ATC_DATFIN], end, mh[k].chronic ? 1 : 2);
        if (gen_inj_chance(g, 0.005)) {
            if (ongoing) {
                char buf[16];
                gen_inject(g, c[ATC_DATFIN], "E17",
                           gen_fmt_date(buf, sizeof buf, s->consent - gen_int(&g->inj, 30, 400)),
                           GEN_SEV_ERROR, "Consistency");
            } else {
                gen_inject(g, c[ATC_ENCOURS], "E17", "1", GEN_SEV_ERROR, "Consistency");
            }
        }
        gen_row_end(g);
    }
}

struct s2_cm {
    const char *medic, *unit, *indic;
    long dose10;
    int freq, voie, ssc;
    long start, end;
    int prec;
    bool ongoing;
    int visit;
};

static void s2_add_cm(struct s2_cm *l, int *n, const char *medic, long dose10, const char *unit,
                      int freq, int voie, const char *indic, int ssc)
{
    if (*n >= S2_MAX_CM)
        return;
    l[*n].medic = medic;
    l[*n].dose10 = dose10;
    l[*n].unit = unit;
    l[*n].freq = freq;
    l[*n].voie = voie;
    l[*n].indic = indic;
    l[*n].ssc = ssc;
    l[*n].visit = V_V0;
    (*n)++;
}

static void s2_emit_cm(struct gen *g, struct s2_state *S, struct s2_subject *s,
                       const struct s2_cm *m, int line)
{
    const size_t *c = S->cm;
    s2_row(g, S, S->t_cm, m->visit, line, s);
    gen_set_str(g, c[CM_MEDIC], m->medic);
    gen_set_dec(g, c[CM_DOSE], m->dose10, 1);
    gen_set_str(g, c[CM_UNITE], m->unit);
    gen_set_int(g, c[CM_FREQ], m->freq);
    gen_set_int(g, c[CM_VOIE], m->voie);
    gen_set_str(g, c[CM_INDIC], m->indic);
    gen_set_pdate(g, c[CM_DATDEB], m->start, m->prec);
    if (m->ongoing)
        gen_set_blank(g, c[CM_DATFIN]);
    else
        gen_set_date(g, c[CM_DATFIN], m->end);
    gen_set_int(g, c[CM_ENCOURS], m->ongoing);
    gen_set_int(g, c[CM_TTT_SSC], m->ssc);
    if (gen_inj_chance(g, 0.005)) {
        if (m->ongoing) {
            char buf[16];
            gen_inject(g, c[CM_DATFIN], "E17", gen_fmt_date(buf, sizeof buf, s->last_day),
                       GEN_SEV_ERROR, "Consistency");
        } else {
            gen_inject(g, c[CM_ENCOURS], "E17", "1", GEN_SEV_ERROR, "Consistency");
        }
    }
    gen_row_end(g);
}

static void s2_traitements(struct gen *g, struct s2_state *S, struct s2_subject *s,
                           const struct s2_ae *ae, int nae)
{
    struct gen_rng r;
    struct s2_cm l[S2_MAX_CM];
    int n = 0, line = 0;
    long v0 = s->v[V_V0].day;
    memset(l, 0, sizeof l);
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.cm");
    if (gen_chance(&r, 0.7)) {
        if (gen_chance(&r, 0.5))
            s2_add_cm(l, &n, "Amlodipine", gen_chance(&r, 0.5) ? 50 : 100, "mg", 1, 1,
                      "Phénomène de Raynaud", 1);
        else
            s2_add_cm(l, &n, "Adalate LP 20 mg", 10, "cp", 2, 1, "Phénomène de Raynaud", 1);
    }
    if (gen_chance(&r, 0.25))
        s2_add_cm(l, &n, "Sildénafil", 200, "mg", 3, 1, "Phénomène de Raynaud sévère", 1);
    if (gen_chance(&r, 0.15))
        s2_add_cm(l, &n, "Bosentan", gen_chance(&r, 0.5) ? 625 : 1250, "mg", 2, 1,
                  "Prévention des ulcères digitaux", 1);
    if (gen_chance(&r, 0.15))
        s2_add_cm(l, &n, "Méthotrexate", 150, "mg", 4, gen_chance(&r, 0.6) ? 1 : 3,
                  "Sclérodermie systémique", 1);
    if (gen_chance(&r, 0.2))
        s2_add_cm(l, &n, "Cortancyl", 50, "mg", 1, 1, "Sclérodermie systémique", 1);
    if (gen_chance(&r, 0.6))
        s2_add_cm(l, &n, "Inexium", gen_chance(&r, 0.5) ? 200 : 400, "mg", 1, 1,
                  "Reflux gastro-œsophagien", 0);
    if (gen_chance(&r, 0.05))
        s2_add_cm(l, &n, "Iloprost", 50, "µg", 9, 2, "Ulcères digitaux", 1);
    if (gen_chance(&r, 0.15))
        s2_add_cm(l, &n, "Levothyrox", 750, "µg", 1, 1, "Hypothyroïdie", 0);
    while (n < 2 || (n < 10 && gen_chance(&r, 0.25))) {
        static const char *const extra[4] = {"Doliprane", "Calcium vitamine D3", "Macrogol",
                                             "Tramadol"};
        static const char *const ind[4] = {"Douleurs", "Ostéoporose", "Constipation", "Douleurs"};
        int k = (int)gen_int(&r, 0, 3);
        bool dup = false;
        for (int j = 0; j < n; j++)
            dup |= l[j].medic == extra[k];
        if (dup)
            break;
        s2_add_cm(l, &n, extra[k],
                  k == 0   ? 10000
                  : k == 1 ? 5000
                  : k == 2 ? 100
                           : 500,
                  k == 2 ? "g" : "mg", k == 0 || k == 3 ? 5 : 1, 1, ind[k], 0);
    }
    for (int k = 0; k < n; k++) {
        /* SSc therapy is never new in the month before inclusion (EXC04) */
        double years = l[k].ssc ? 0.25 + gen_unif(&r) * 8 : 0.1 + gen_unif(&r) * 10;
        l[k].start = s2_years_before(v0, years);
        if (l[k].ssc && l[k].start > v0 - 60)
            l[k].start = v0 - 60;
        l[k].prec = years > 3 ? (gen_chance(&r, 0.5) ? 2 : 1) : s2_prec(&r, 0.5, 0.4);
        l[k].ongoing = !gen_chance(&r, 0.1);
        if (!l[k].ongoing) {
            l[k].end = v0 - gen_int(&r, 5, 60);
            if (l[k].end <= l[k].start)
                l[k].end = l[k].start + 1;
            l[k].prec = 0;
        }
    }
    if (!s->sf) {
        /* local anaesthesia of the liposuction, post-operative analgesia */
        s2_add_cm(l, &n, "Xylocaïne 1 %", 200, "mL", 6, 6, "Anesthésie locale de la liposuccion",
                  0);
        l[n - 1].start = l[n - 1].end = s->v[V_J0].rday;
        l[n - 1].visit = V_J0;
        for (int a = 0; a < nae; a++) {
            if (!ae[a].ttcorr || n >= S2_MAX_CM)
                continue;
            s2_add_cm(l, &n, a % 2 ? "Paracétamol" : "Doliprane", 10000, "mg", 3, 1, ae[a].txt, 0);
            l[n - 1].start = ae[a].start;
            l[n - 1].end = ae[a].start + gen_int(&r, 2, 7);
            l[n - 1].ongoing = l[n - 1].end > s->last_day;
            l[n - 1].visit = s2_visit_of_day(s, l[n - 1].ongoing ? ae[a].start : l[n - 1].end);
        }
    }
    for (int k = 0; k < n; k++)
        s2_emit_cm(g, S, s, &l[k], ++line);
}

static int s2_ae_cmp(const void *a, const void *b)
{
    const struct s2_ae *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->txt, y->txt);
}

static void s2_ae_set(struct gen_rng *r, struct s2_ae *e, const char *txt, long start, long dur,
                      int lipo, int inj, int prod)
{
    memset(e, 0, sizeof *e);
    e->txt = txt;
    e->start = start;
    e->end = start + dur;
    e->hdeb = -1;
    e->intens = gen_chance(r, 0.7) ? 1 : gen_chance(r, 0.93) ? 2 : 3;
    e->lien[0] = lipo;
    e->lien[1] = inj;
    e->lien[2] = prod;
    e->ttcorr = gen_chance(r, 0.3);
}

static int s2_make_aes(struct gen *g, struct s2_subject *s, struct s2_ae *ae)
{
    static const char *const proc[] = {"hématome au site de liposuccion",
                                       "douleur abdominale post-opératoire",
                                       "ecchymose au site de prélèvement"};
    static const char *const injt[] = {"douleur des doigts injectés", "paresthésies digitales",
                                       "œdème des doigts injectés"};
    static const char *const bg[] = {"rhinopharyngite",  "céphalées",
                                     "gastro-entérite",  "lombalgies",
                                     "malaise vagal",    "poussée de phénomène de Raynaud",
                                     "syndrome grippal", "toux"};
    struct gen_rng r;
    long j0 = s->v[V_J0].day, last = s->last_day;
    int n = 0;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.ae");
    if (gen_chance(&r, 0.3)) {
        long day = gen_chance(&r, 0.6) ? j0 : j0 + 1;
        s2_ae_set(&r, &ae[n], proc[gen_int(&r, 0, 2)], day, gen_int(&r, 3, 14),
                  gen_chance(&r, 0.6) ? 1 : 2, 5, 5);
        if (day == j0)
            ae[n].hdeb = (int)s2_clampl(s->lipo_end + gen_int(&r, 30, 300), 0, 23 * 60 + 59);
        ae[n].ttcorr = gen_chance(&r, 0.4);
        n++;
    }
    if (gen_chance(&r, 0.2)) {
        s2_ae_set(&r, &ae[n], injt[gen_int(&r, 0, 2)], j0 + gen_int(&r, 0, 3), gen_int(&r, 2, 30),
                  5, (int)gen_int(&r, 1, 3), gen_chance(&r, 0.5) ? 3 : 4);
        n++;
    }
    if (gen_chance(&r, 0.5)) {
        long k = 1 + gen_poisson(&r, 0.4);
        for (long i = 0; i < k && n < S2_MAX_AE - 6 && last > j0 + 1; i++) {
            s2_ae_set(&r, &ae[n], bg[gen_int(&r, 0, 7)], gen_int(&r, j0 + 1, last),
                      gen_int(&r, 1, 20), 5, gen_chance(&r, 0.1) ? 4 : 5,
                      gen_chance(&r, 0.1) ? 4 : 5);
            if (gen_chance(&r, 0.15))
                ae[n].prec = 1;
            n++;
        }
    }
    for (int i = 0; i < s->ninfections && n < S2_MAX_AE - 2; i++) {
        s2_ae_set(&r, &ae[n], "infection d'un ulcère digital", s->infections[i], gen_int(&r, 7, 21),
                  5, 4, 4);
        ae[n].intens = 2;
        ae[n].ttcorr = true;
        n++;
    }
    if (gen_chance(&r, 0.03) && last > j0 + 10 && n < S2_MAX_AE - 1) {
        s2_ae_set(&r, &ae[n], "hospitalisation pour pneumopathie infectieuse",
                  gen_int(&r, j0 + 5, last), gen_int(&r, 5, 15), 5, 5, 5);
        ae[n].serious = true;
        ae[n].critgrav = 3;
        ae[n].intens = 3;
        n++;
    }
    if (s->dropout && s->statfin == 4 && n < S2_MAX_AE) {
        long d = s->drop_day - gen_int(&r, 1, 10);
        s2_ae_set(&r, &ae[n], "aggravation de la sclérodermie cutanée", d > j0 ? d : j0 + 1,
                  gen_int(&r, 20, 90), 5, 4, 4);
        ae[n].intens = 2;
        n++;
    }
    for (int i = 0; i < n; i++) {
        if (ae[i].start > last)
            ae[i].start = last;
        ae[i].ongoing = ae[i].end > last;
        if (ae[i].ongoing)
            ae[i].evol = gen_chance(&r, 0.6) ? 2 : 3;
        else
            ae[i].evol = gen_chance(&r, 0.96) ? 1 : 4;
    }
    qsort(ae, (size_t)n, sizeof *ae, s2_ae_cmp);
    return n;
}

static void s2_ei(struct gen *g, struct s2_state *S, struct s2_subject *s, struct s2_ae *ae, int n)
{
    const size_t *c = S->ae;
    bool e08_done = false;
    for (int i = 0; i < n; i++) {
        const struct s2_ae *e = &ae[i];
        int v = s2_visit_of_day(s, e->ongoing ? e->start : e->end);
        s2_row(g, S, S->t_ae, v, i + 1, s);
        gen_set_int(g, c[AE_NUMEI], i + 1);
        gen_set_str(g, c[AE_EI_TXT], e->txt);
        gen_set_pdate(g, c[AE_DATDEB], e->start, e->prec);
        if (e->hdeb >= 0 && !e->prec)
            gen_set_time(g, c[AE_HDEB], e->hdeb);
        else
            gen_set_blank(g, c[AE_HDEB]);
        if (e->ongoing)
            gen_set_blank(g, c[AE_DATFIN]);
        else
            gen_set_date(g, c[AE_DATFIN], e->end);
        gen_set_int(g, c[AE_ENCOURS], e->ongoing);
        gen_set_int(g, c[AE_INTENS], e->intens);
        gen_set_int(g, c[AE_GRAVE], e->serious);
        if (e->serious)
            gen_set_int(g, c[AE_CRITGRAV], e->critgrav);
        else
            gen_set_blank(g, c[AE_CRITGRAV]);
        gen_set_int(g, c[AE_LIEN_LIPO], e->lien[0]);
        gen_set_int(g, c[AE_LIEN_INJ], e->lien[1]);
        gen_set_int(g, c[AE_LIEN_PROD], e->lien[2]);
        gen_set_int(g, c[AE_TTCORR], e->ttcorr);
        gen_set_int(g, c[AE_EVOL], e->evol);
        if (s->e08 == 2 && !e08_done && !e->ongoing) {
            char buf[16];
            gen_inject(g, c[AE_DATFIN], "E08",
                       gen_fmt_date(buf, sizeof buf, e->start - gen_int(&g->inj, 1, 5)),
                       GEN_SEV_ERROR, "Cross-form dates");
            e08_done = true;
        } else if (gen_inj_chance(g, 0.005)) {
            char buf[16];
            if (e->ongoing)
                gen_inject(g, c[AE_DATFIN], "E17", gen_fmt_date(buf, sizeof buf, s->last_day),
                           GEN_SEV_ERROR, "Consistency");
            else
                gen_inject(g, c[AE_ENCOURS], "E17", "1", GEN_SEV_ERROR, "Consistency");
        }
        gen_row_end(g);
    }
}

static void s2_deviations(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    static const char *const desc[] = {
        "Journal de Raynaud non rapporté à la visite", "Bilan biologique réalisé hors délai",
        "Questionnaire rempli après l'examen clinique", "Pesée non réalisée",
        "Photographies des mains non réalisées"};
    const size_t *c = S->dev;
    struct gen_rng r;
    long n;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.dev");
    n = gen_poisson(&r, 0.3);
    for (long k = 0; k < n && k < 5; k++) {
        int v = s->order[gen_int(&r, 0, s->norder - 1)];
        if (!s->v[v].done)
            v = s->last_visit;
        s2_row(g, S, S->t_dev, v, k + 1, s);
        gen_set_int(g, c[DEV_NUMDEV], k + 1);
        gen_set_int(g, c[DEV_TYPE], 4);
        gen_set_str(g, c[DEV_DESC], desc[gen_int(&r, 0, 4)]);
        gen_set_date(g, c[DEV_DATDEV], s->v[v].rday);
        gen_set_int(g, c[DEV_MAJEURE], 0);
        gen_row_end(g);
    }
}

static void s2_fin_etude(struct gen *g, struct s2_state *S, struct s2_subject *s)
{
    const size_t *c = S->eos;
    struct gen_rng r;
    long end, news;
    int v = s->sf ? V_V0 : s->last_visit;
    gen_rng_init(&r, g->opt->seed, s->idx, "s2.eos");
    if (s->sf) {
        end = s->v[V_V0].day + gen_int(&r, 0, 10);
        news = end;
    } else if (!s->dropout) {
        end = s->v[V_M6].rday;
        news = end + (gen_chance(&r, 0.7) ? 0 : gen_int(&r, 1, 30));
    } else {
        end = s->statfin == 3 ? s->v[s->last_visit].rday : s->drop_day;
        if (end < s->v[s->last_visit].rday)
            end = s->v[s->last_visit].rday;
        news = end;
    }
    gen_row_begin(g, S->t_eos, S->ev_log, s2_visit_code(v), 1, end);
    gen_set_int(g, c[EOS_STATFIN], s->sf ? 7 : s->statfin);
    gen_set_date(g, c[EOS_DATFIN], end);
    gen_set_date(g, c[EOS_DATDERNOUV], news);
    gen_row_end(g);
}

/* ------------------------------------------------------------------ one subject */

static int s2_subject(struct gen *g, void *state, uint64_t idx, bool *randomised)
{
    struct s2_state *S = state;
    struct s2_subject s;
    struct gen_rng r;
    struct s2_ae ae[S2_MAX_AE];
    char key[32];
    int nae, rc;

    memset(&s, 0, sizeof s);
    s.idx = idx;
    s.rank = S->nrand + 1;
    gen_rng_init(&r, g->opt->seed, idx, "s2.screen");
    s.sf = gen_chance(&r, 0.18);
    if (s.sf) {
        static const double w[4] = {0.70, 0.15, 0.05, 0.10};
        s.sf_reason = (int)gen_pick(&r, w, 4) + 1;
    }
    s.centre = s2_centre_of_rank(S, s.rank);
    if (s.centre >= S->nseq) {
        size_t ncap = S->nseq;
        if (tp_grow((void **)&S->seq, &ncap, (size_t)s.centre + 1, sizeof *S->seq))
            return tp_fail(g->err, TP_E_NOMEM, "out of memory");
        memset(S->seq + S->nseq, 0, (ncap - S->nseq) * sizeof *S->seq);
        S->nseq = ncap;
    }
    s.seq = ++S->seq[s.centre];
    snprintf(s.site, sizeof s.site, "%02u", s.centre);
    snprintf(s.patnum, sizeof s.patnum, "%s-%03u", s.site, s.seq);
    snprintf(key, sizeof key, "%06u-%06u", s.centre, s.seq);
    if ((rc = gen_subject_begin(g, idx, s.site, s.patnum, s.rank <= 40, key)))
        return rc;
    s2_traits(g, &s);

    if (s.sf) {
        long j0 = s2_j0_of_rank(S, g->opt->seed, s.rank);
        gen_rng_init(&r, g->opt->seed, idx, "s2.calendar");
        s.v[V_V0].present = s.v[V_V0].done = true;
        s.v[V_V0].day = s.v[V_V0].rday = s2_weekday_in(j0 - gen_int(&r, 10, 40), j0 - 45, j0 - 5);
        s.consent = s.v[V_V0].day - (gen_chance(&r, 0.6) ? 0 : gen_int(&r, 1, 10));
        s.order[0] = V_V0;
        s.norder = 1;
        s.last_visit = V_V0;
        s.last_day = s.v[V_V0].day;
        s2_demography(g, &s);
        s.e24 = s.sex == 1 && gen_inj_chance(g, 0.002);
        s2_inclusion(g, S, &s);
        s2_demographie(g, S, &s);
        s2_criteres(g, S, &s);
        s2_serologies(g, S, &s);
        s2_fin_etude(g, S, &s);
        *randomised = false;
        return gen_subject_end(g);
    }

    s.arm = s2_arm_of_rank(S, g->opt->seed, s.rank);
    gen_rng_init(&r, g->opt->seed, idx, "s2.kit");
    s.kit = gen_chance(&r, 0.5) ? 'A' : 'B';
    snprintf(s.numrando, sizeof s.numrando, "R%03zu", s.rank);
    s2_calendar(g, S, &s);
    s2_demography(g, &s);
    s2_chfs_totals(g, &s);

    /* study-level injected errors of this subject (errors mode only) */
    if (g->rate > 0) {
        size_t every = g->rate >= 10 ? 20 : 200;
        s.e04 = gen_inj_chance(g, 0.01) ? (int)gen_int(&g->inj, 1, 2) : 0;
        s.e08 = gen_inj_chance(g, 0.005) ? (int)gen_int(&g->inj, 1, 4) : 0;
        s.e24 = s.sex == 1 && gen_inj_chance(g, 0.002);
        s.e25 = s.rank % every == every * 2 / 3;
        s.e14 = s.rank == 1000 || (s.rank > 1000 && (s.rank - 1000) % 20000 == 0);
        s2_inject_windows(g, &s);
    }

    s2_inclusion(g, S, &s);
    s2_demographie(g, S, &s);
    s2_criteres(g, S, &s);
    s2_sclerodermie(g, S, &s);
    s2_serologies(g, S, &s);
    s2_visite(g, S, &s);
    s2_vitals(g, S, &s);
    s2_biologie(g, S, &s);
    s2_procedures(g, S, &s);
    s2_cochin(g, S, &s);
    s2_shaq(g, S, &s);
    s2_eva(g, S, &s);
    s2_diary(g, S, &s);
    s2_exam(g, S, &s);
    s2_ulcers(g, S, &s, -1, true);
    s2_capillaro(g, S, &s);
    s2_satisfaction(g, S, &s);
    nae = s2_make_aes(g, &s, ae);
    s2_antecedents(g, S, &s);
    s2_traitements(g, S, &s, ae, nae);
    s2_ei(g, S, &s, ae, nae);
    s2_deviations(g, S, &s);
    s2_fin_etude(g, S, &s);
    S->nrand++;
    *randomised = true;
    return gen_subject_end(g);
}

const struct gen_model gen_model_scleradec2 = {"scleradec2", s2_init, s2_release, s2_extraction,
                                               s2_subject};
