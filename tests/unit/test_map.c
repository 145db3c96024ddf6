/*
 * Unit tests of the SDTM mapping engine (src/lib/map): sheet parsing with locations, filter
 * expressions, ISO 8601 dates and study days, transliteration, spec errors naming sheet/row/column,
 * controlled-terminology checks, and a small in-memory mapping run (records, --SEQ, --DY, VISITNUM,
 * EPOCH, SUPP--, findings with unit conversion, reconciliation figures).
 */
#include <config.h>

#include <criterion/criterion.h>
#include <string.h>

#include "map/map.h"
#include "trialpack/sdtm.h"

/* ---------------------------------------------------------------- sheets */

Test(map, sheet_quotes_bom_semicolon_and_lines)
{
    static const char text[] = "\xEF\xBB\xBF" "A;B;C\r\n1;\"x;y\";\"multi\nline\"\r\n\r\n2;\"q\"\"q\";\n";
    struct sheet sh;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(sheet_parse(&sh, "S.csv", text, sizeof text - 1, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(sh.ncols, 3);
    cr_assert_eq(sh.nrows, 2);
    cr_assert_str_eq(sheet_get(&sh, 0, 1), "x;y");
    cr_assert_str_eq(sheet_get(&sh, 0, 2), "multi\nline");
    cr_assert_str_eq(sheet_get(&sh, 1, 1), "q\"q");
    cr_assert_str_eq(sheet_get(&sh, 1, 2), "");
    cr_assert_eq(sh.line[0], 2);
    cr_assert_eq(sh.line[1], 5);
    cr_assert_eq(sheet_col(&sh, "b"), 1);
    sheet_release(&sh);
}

Test(map, sheet_unterminated_quote_fails_with_line)
{
    static const char text[] = "A,B\n1,\"open\n";
    struct sheet sh;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(sheet_parse(&sh, "Rules.csv", text, sizeof text - 1, &err), TP_E_SPEC);
    cr_assert_str_eq(err.loc.path, "Rules.csv");
    cr_assert(strstr(err.msg, "line 2") != NULL, "%s", err.msg);
}

/* ---------------------------------------------------------------- expressions */

static const char *const ex_names[] = {"A", "B", "C", NULL};
static const char *ex_vals[3];

static long ex_resolve(void *ctx, const char *name)
{
    (void)ctx;
    for (long i = 0; ex_names[i]; i++)
        if (strcmp(ex_names[i], name) == 0)
            return i;
    return -1;
}

static const char *ex_get(void *ctx, long id, size_t *n)
{
    (void)ctx;
    *n = strlen(ex_vals[id]);
    return ex_vals[id];
}

static bool ex_run(const char *text)
{
    struct expr *e;
    char msg[128];
    bool r;
    cr_assert_eq(expr_parse(text, ex_resolve, NULL, &e, msg, sizeof msg), TP_OK, "%s: %s", text,
                 msg);
    r = expr_eval(e, ex_get, NULL);
    expr_free(e);
    return r;
}

Test(map, expressions)
{
    ex_vals[0] = "1";
    ex_vals[1] = " 12,5 ";
    ex_vals[2] = "";
    cr_assert(ex_run("A = 1"));
    cr_assert(ex_run("B > 12 and B < 13"));
    cr_assert(ex_run("B = 12.5"));
    cr_assert(ex_run("C is empty and A is not empty"));
    cr_assert(ex_run("A in (3, 2, '1')"));
    cr_assert(ex_run("not (A <> 1) or C = 'x'"));
    cr_assert(!ex_run("A not in (1)"));
    cr_assert(!ex_run("C"), "a bare empty name is false");
}

Test(map, expression_errors)
{
    struct expr *e;
    char msg[128];
    cr_assert_eq(expr_parse("D = 1", ex_resolve, NULL, &e, msg, sizeof msg), TP_E_SPEC);
    cr_assert_str_eq(msg, "unknown name 'D'");
    cr_assert_eq(expr_parse("A = ", ex_resolve, NULL, &e, msg, sizeof msg), TP_E_SPEC);
    cr_assert_eq(expr_parse("A is emptyy", ex_resolve, NULL, &e, msg, sizeof msg), TP_E_SPEC);
    cr_assert_eq(expr_parse("(A = 1", ex_resolve, NULL, &e, msg, sizeof msg), TP_E_SPEC);
    cr_assert_eq(expr_parse("", ex_resolve, NULL, &e, msg, sizeof msg), TP_OK);
    cr_assert_null(e);
}

/* ---------------------------------------------------------------- dates */

static int conv(const char *d, const char *t, char *out)
{
    char why[128];
    return isodate_convert(d, strlen(d), t, t ? strlen(t) : 0, "dd/mm/yyyy", out, 40, why,
                           sizeof why);
}

Test(map, french_dates_to_iso8601)
{
    char out[40];
    cr_assert_eq(conv("05/11/2016", NULL, out), DATE_OK);
    cr_assert_str_eq(out, "2016-11-05");
    cr_assert_eq(conv("05/11/2016", "08:07", out), DATE_OK);
    cr_assert_str_eq(out, "2016-11-05T08:07");
    cr_assert_eq(conv("UK/03/2024", NULL, out), DATE_PARTIAL);
    cr_assert_str_eq(out, "2024-03");
    cr_assert_eq(conv("UK/UK/2011", NULL, out), DATE_PARTIAL);
    cr_assert_str_eq(out, "2011");
    cr_assert_eq(conv("29/02/2016", NULL, out), DATE_OK);
    cr_assert_eq(conv("29/02/2015", NULL, out), DATE_BAD);
    cr_assert_eq(conv("31/02/2016", NULL, out), DATE_BAD);
    cr_assert_str_eq(out, "");
    cr_assert_eq(conv("00/05/2016", NULL, out), DATE_BAD);
    cr_assert_eq(conv("15/13/2016", NULL, out), DATE_BAD);
    cr_assert_eq(conv("05/11/16", NULL, out), DATE_BAD);
    cr_assert_eq(conv("2016-11-05", NULL, out), DATE_BAD);
    cr_assert_eq(conv("", NULL, out), DATE_EMPTY);
    /* a bad time keeps the date and is reported */
    cr_assert_eq(conv("05/11/2016", "25:00", out), DATE_PARTIAL);
    cr_assert_str_eq(out, "2016-11-05");
}

Test(map, iso8601_validation_and_study_days)
{
    long a, b;
    cr_assert(isodate_valid("2016", 4));
    cr_assert(isodate_valid("2016-03", 7));
    cr_assert(isodate_valid("2016-03-05T13:12", 16));
    cr_assert(!isodate_valid("2016-3-5", 8));
    cr_assert(!isodate_valid("2016-02-30", 10));
    cr_assert(isodate_days("2015-10-26T13:12", 16, &a));
    cr_assert(isodate_days("2015-10-26", 10, &b));
    cr_assert_eq(isodate_study_day(b, a), 1);
    cr_assert(isodate_days("2015-10-25", 10, &b));
    cr_assert_eq(isodate_study_day(b, a), -1, "no day 0");
    cr_assert(isodate_days("2016-03-13", 10, &b));
    cr_assert_eq(isodate_study_day(b, a), 140);
    cr_assert(!isodate_days("2016-03", 7, &b));
    {
        char buf[16];
        isodate_from_days(a + 1, buf, sizeof buf);
        cr_assert_str_eq(buf, "2015-10-27");
    }
    cr_assert(iso_cmp("2015-10-26", 10, "2015-10-26T13:12", 16) < 0);
}

Test(map, transliteration)
{
    struct tp_strbuf sb;
    tp_strbuf_init(&sb);
    cr_assert(translit_ascii("hématome œdème µg 37°C", strlen("hématome œdème µg 37°C"), &sb));
    cr_assert_str_eq(sb.buf, "hematome oedeme ug 37degC");
    cr_assert(!translit_ascii("plain", 5, &sb));
    tp_strbuf_release(&sb);
}

/* ---------------------------------------------------------------- specs */

static const char ds_csv[] =
    "Dataset,Label,Class,Structure,Keys\n"
    "DM,Demographics,SPECIAL PURPOSE,One record per subject,STUDYID USUBJID\n"
    "AE,Adverse Events,EVENTS,One record per event,STUDYID USUBJID AESTDTC AETERM\n"
    "VS,Vital Signs,FINDINGS,One record per test per visit,STUDYID USUBJID VSTESTCD VISITNUM\n";
static const char var_csv[] =
    "Dataset,Order,Variable,Label,DataType,CodeList,Origin,NonStandard,Evaluator\n"
    "DM,1,STUDYID,Study Identifier,text,,Assigned,,\n"
    "DM,2,DOMAIN,Domain Abbreviation,text,,Assigned,,\n"
    "DM,3,USUBJID,Unique Subject Identifier,text,,Derived,,\n"
    "DM,4,RFSTDTC,Subject Reference Start Date/Time,datetime,,Derived,,\n"
    "DM,5,SEX,Sex,text,SEX,Collected,,\n"
    "AE,1,STUDYID,Study Identifier,text,,Assigned,,\n"
    "AE,2,DOMAIN,Domain Abbreviation,text,,Assigned,,\n"
    "AE,3,USUBJID,Unique Subject Identifier,text,,Derived,,\n"
    "AE,4,AESEQ,Sequence Number,integer,,Derived,,\n"
    "AE,5,AETERM,Reported Term,text,,Collected,,\n"
    "AE,6,AESTDTC,Start Date/Time,date,,Collected,,\n"
    "AE,7,AESTDY,Study Day of Start,integer,,Derived,,\n"
    "AE,8,AEREL5,Relationship (5 points),text,,Collected,Yes,INVESTIGATOR\n"
    "VS,1,STUDYID,Study Identifier,text,,Assigned,,\n"
    "VS,2,USUBJID,Unique Subject Identifier,text,,Derived,,\n"
    "VS,3,VSSEQ,Sequence Number,integer,,Derived,,\n"
    "VS,4,VSTESTCD,Test Code,text,VSTESTCD,Assigned,,\n"
    "VS,5,VSTEST,Test Name,text,,Assigned,,\n"
    "VS,6,VSORRES,Result,text,,Collected,,\n"
    "VS,7,VSORRESU,Unit,text,,Collected,,\n"
    "VS,8,VSSTRESC,Std Result,text,,Derived,,\n"
    "VS,9,VSSTRESN,Std Numeric Result,float,,Derived,,\n"
    "VS,10,VSSTRESU,Std Unit,text,,Derived,,\n"
    "VS,11,VSSTAT,Status,text,,Collected,,\n"
    "VS,12,VISITNUM,Visit Number,float,,Derived,,\n"
    "VS,13,VISIT,Visit Name,text,,Derived,,\n"
    "VS,14,VSDTC,Date,date,,Collected,,\n"
    "VS,15,VSDY,Study Day,integer,,Derived,,\n"
    "VS,16,VSLOBXFL,Last Obs Before Exposure,text,,Derived,,\n";
static const char cl_csv[] =
    "ID,Name,NCI Codelist Code,DataType,Order,Term,NCI Term Code,Decoded Value,Extended\n"
    "SEX,Sex,C66731,text,1,F,C16576,Female,\n"
    "SEX,Sex,C66731,text,2,M,C20197,Male,\n"
    "VSTESTCD,VS Test Code,C66741,text,1,WEIGHT,C25208,Weight,\n"
    "VSTESTCD,VS Test Code,C66741,text,2,TEMP,C174446,Temperature,\n";
static const char map_csv[] = "Map,Raw,Term\nSEX,1,M\nSEX,2,F\n";
static const char rules_csv[] =
    "Dataset,Block,Form,Variable,Algorithm,Source,Parameters,Condition\n"
    "DM,,incl,SEX,codelist,SEXE,map=SEX,\n"
    "DM,,,RFSTDTC,derive,,from=AE; var=AESTDTC; agg=min,\n"
    "AE,,ei,AETERM,assign,TXT,,\n"
    "AE,,ei,AESTDTC,isodate,DEB,,\n"
    "AE,,ei,AEREL5,assign,LIEN,,\n"
    "VS,,vs,VSDTC,isodate,DATVS,,\n"
    "VS,,vs,VSORRES,findings,POIDS,TESTCD=WEIGHT; ORRESU=lb; FACTOR=0.5; STRESU=kg,\n"
    "VS,,vs,VSORRES,findings,TEMP,TESTCD=TEMP; ORRESU=C,\n";
static const char settings_csv[] = "Key,Value\nSubjectForm,incl\nStudyID,STUDY\n";
static const char tv_csv[] = "VISITNUM,VISIT,VISITDY,VisitCode\n1,SCREENING,-7,V0\n2,DAY 1,1,J0\n";
static const char ct_txt[] =
    "Code\tCodelist Code\tCodelist Extensible (Yes/No)\tCodelist Name\tCDISC Submission Value\t"
    "CDISC Synonym(s)\tCDISC Definition\tNCI Preferred Term\n"
    "C66731\t\tNo\tSex\tSEX\tSex\tdef\tCDISC SDTM Sex of Individual Terminology\n"
    "C16576\tC66731\tNo\tSex\tF\tFemale\tdef\tFemale\n"
    "C20197\tC66731\tNo\tSex\tM\tMale\tdef\tMale\n"
    "C66741\t\tYes\tVital Signs Test Code\tVSTESTCD\tVS\tdef\tVS\n"
    "C25208\tC66741\tYes\tVital Signs Test Code\tWEIGHT\tWeight\tdef\tWeight\n"
    "C174446\tC66741\tYes\tVital Signs Test Code\tTEMP\tTemperature\tdef\tTemperature\n";

static struct tp_spec *spec_with(const char *rules, const char *cl, int *rc, struct tp_error *err)
{
    struct tp_spec *s = tp_spec_new();
    tp_error_init(err);
    cr_assert_not_null(s);
    *rc = tp_spec_add_sheet(s, "Datasets.csv", ds_csv, strlen(ds_csv), err);
    if (!*rc)
        *rc = tp_spec_add_sheet(s, "Variables.csv", var_csv, strlen(var_csv), err);
    if (!*rc)
        *rc = tp_spec_add_sheet(s, "Codelists.csv", cl, strlen(cl), err);
    if (!*rc)
        *rc = tp_spec_add_sheet(s, "CodeMaps.csv", map_csv, strlen(map_csv), err);
    if (!*rc)
        *rc = tp_spec_add_sheet(s, "Rules.csv", rules, strlen(rules), err);
    if (!*rc)
        *rc = tp_spec_add_sheet(s, "TrialVisits.csv", tv_csv, strlen(tv_csv), err);
    if (!*rc)
        *rc = tp_spec_add_sheet(s, "Settings.csv", settings_csv, strlen(settings_csv), err);
    if (!*rc)
        *rc = tp_spec_add_ct(s, "ct.txt", ct_txt, strlen(ct_txt), err);
    if (!*rc)
        *rc = tp_spec_finish(s, err);
    return s;
}

Test(map, spec_ok)
{
    struct tp_error err;
    int rc;
    struct tp_spec *s = spec_with(rules_csv, cl_csv, &rc, &err);
    cr_assert_eq(rc, TP_OK, "%s (%s:%ld)", err.msg, err.loc.path, err.loc.line);
    cr_assert_eq(tp_spec_ndatasets(s), 3);
    cr_assert_str_eq(tp_spec_dataset_name(s, 1), "AE");
    tp_spec_free(s);
}

static void spec_error(const char *rules, const char *cl, const char *path, long line, long col,
                       const char *msg)
{
    struct tp_error err;
    int rc;
    struct tp_spec *s = spec_with(rules, cl, &rc, &err);
    cr_assert_eq(rc, TP_E_SPEC, "want a spec error '%s'", msg);
    cr_assert_str_eq(err.loc.path, path);
    cr_assert_eq(err.loc.line, line, "line %ld, want %ld (%s)", err.loc.line, line, err.msg);
    cr_assert_eq(err.loc.col, col, "col %ld, want %ld (%s)", err.loc.col, col, err.msg);
    cr_assert_str_eq(err.msg, msg);
    tp_spec_free(s);
}

Test(map, spec_errors_name_sheet_row_column)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%sAE,,ei,AETERM,pivot,TXT,,\n", rules_csv);
    spec_error(buf, cl_csv, "Rules.csv", 10, 5, "unknown algorithm 'pivot'");
    snprintf(buf, sizeof buf, "%sAE,,ei,AEXTERM,assign,TXT,,\n", rules_csv);
    spec_error(buf, cl_csv, "Rules.csv", 10, 4, "variable 'AEXTERM' not in dataset AE");
    snprintf(buf, sizeof buf, "%sDM,,incl,SEX,codelist,SEXE,map=GENDER,\n", rules_csv);
    spec_error(buf, cl_csv, "Rules.csv", 10, 7, "code map 'GENDER' not in CodeMaps.csv");
    snprintf(buf, sizeof buf, "%sXX,,ei,AETERM,assign,TXT,,\n", rules_csv);
    spec_error(buf, cl_csv, "Rules.csv", 10, 1, "dataset 'XX' not in Datasets.csv");
    snprintf(buf, sizeof buf, "%sAE,,,AESTDY,derive,,from=AE; var=AESTDY,\n", rules_csv);
    spec_error(buf, cl_csv, "Rules.csv", 10, 6, "circular derivation through AE.AESTDY");
    snprintf(buf, sizeof buf, "%sSEX,Sex,C66731,text,3,X,,Unknown,Yes\n", cl_csv);
    spec_error(rules_csv, buf, "Codelists.csv", 6, 9,
               "codelist C66731 (SEX) is not extensible: 'X' cannot be added");
    snprintf(buf, sizeof buf, "%sVSTESTCD,VS,C66741,text,3,GRIP,,Grip,\n", cl_csv);
    spec_error(rules_csv, buf, "Codelists.csv", 6, 6,
               "'GRIP' is not a submission value of NCI codelist C66741 (VSTESTCD)");
}

Test(map, spec_extends_an_extensible_codelist)
{
    struct tp_error err;
    int rc;
    char buf[2048];
    struct tp_spec *s;
    snprintf(buf, sizeof buf, "%sVSTESTCD,VS,C66741,text,3,GRIP,,Grip,Yes\n", cl_csv);
    s = spec_with(rules_csv, buf, &rc, &err);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    tp_spec_free(s);
}

/* ---------------------------------------------------------------- an in-memory run */

static struct tp_dataset *raw_table(const char *const *cols, size_t ncols, const char *const *cells,
                                    size_t nrows)
{
    struct tp_dataset *ds = tp_dataset_new("raw", "");
    size_t first;
    for (size_t c = 0; c < ncols; c++) {
        struct tp_var v;
        memset(&v, 0, sizeof v);
        v.name = (char *)cols[c];
        v.label = (char *)"";
        v.type = TP_CHAR;
        v.length = 40;
        cr_assert_eq(tp_dataset_add_var(ds, &v, NULL), TP_OK);
    }
    cr_assert_eq(tp_dataset_add_rows(ds, nrows, &first, NULL), TP_OK);
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++)
            tp_dataset_set_str(ds, r, c, cells[r * ncols + c], strlen(cells[r * ncols + c]));
    return ds;
}

static const char *cell(const struct tp_dataset *ds, size_t row, const char *var)
{
    static char buf[128];
    size_t n;
    long c = tp_dataset_find_var(ds, var);
    const char *s;
    cr_assert_geq(c, 0, "no variable %s", var);
    if (tp_dataset_var(ds, (size_t)c)->type == TP_NUM) {
        char miss;
        double d = tp_dataset_num(ds, row, (size_t)c, &miss);
        if (miss != TP_PRESENT)
            return "";
        snprintf(buf, sizeof buf, "%g", d);
        return buf;
    }
    s = tp_dataset_str(ds, row, (size_t)c, &n);
    snprintf(buf, sizeof buf, "%.*s", (int)n, s);
    return buf;
}

Test(map, in_memory_run)
{
    static const char *const incl_cols[] = {"PATNUM", "VISITE", "SEXE"};
    static const char *const incl[] = {"01-001", "V0", "2", "01-002", "V0", "1"};
    static const char *const ei_cols[] = {"PATNUM", "VISITE", "TXT", "DEB", "LIEN"};
    static const char *const ei[] = {"01-001", "M1", "céphalée", "12/03/2016", "3",
                                     "01-001", "M1", "nausée", "10/03/2016", "",
                                     "01-002", "M1", "rash", "31/02/2016", "1",
                                     "09-999", "M1", "orphan", "01/01/2016", "1"};
    static const char *const vs_cols[] = {"PATNUM", "VISITE", "DATVS", "POIDS", "TEMP"};
    static const char *const vs[] = {"01-001", "V0", "01/03/2016", "130", "36,6",
                                     "01-001", "J0", "10/03/2016", "131", "ND",
                                     "01-001", "NP", "20/03/2016", "", "37,2"};
    struct tp_error err;
    int rc;
    struct tp_spec *s = spec_with(rules_csv, cl_csv, &rc, &err);
    struct tp_sdtm *run;
    struct tp_dataset *dm, *ae, *vsd, *supp;
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_assert_eq(tp_sdtm_new(s, &run, &err), TP_OK);
    cr_assert_eq(tp_sdtm_add_raw(run, "incl", raw_table(incl_cols, 3, incl, 2), &err), TP_OK);
    cr_assert_eq(tp_sdtm_add_raw(run, "ei", raw_table(ei_cols, 5, ei, 4), &err), TP_OK);
    cr_assert_eq(tp_sdtm_add_raw(run, "vs", raw_table(vs_cols, 5, vs, 3), &err), TP_OK);
    rc = tp_sdtm_run_memory(run, &err);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);

    dm = tp_sdtm_result(run, "DM", &err);
    cr_assert_eq(tp_dataset_nrows(dm), 2);
    cr_assert_str_eq(cell(dm, 0, "USUBJID"), "STUDY-01-001");
    cr_assert_str_eq(cell(dm, 0, "DOMAIN"), "DM");
    cr_assert_str_eq(cell(dm, 0, "SEX"), "F");
    cr_assert_str_eq(cell(dm, 0, "RFSTDTC"), "2016-03-10");
    cr_assert_str_eq(cell(dm, 1, "RFSTDTC"), "", "the bad date gave no AESTDTC");

    ae = tp_sdtm_result(run, "AE", &err);
    cr_assert_eq(tp_dataset_nrows(ae), 3, "the orphan makes no record");
    /* sorted by AESTDTC, AESEQ per subject */
    cr_assert_str_eq(cell(ae, 0, "AETERM"), "nausee", "transliterated (fda profile)");
    cr_assert_str_eq(cell(ae, 0, "AESEQ"), "1");
    cr_assert_str_eq(cell(ae, 0, "AESTDY"), "1");
    cr_assert_str_eq(cell(ae, 1, "AESTDY"), "3");
    cr_assert_str_eq(cell(ae, 2, "USUBJID"), "STUDY-01-002");
    cr_assert_str_eq(cell(ae, 2, "AESEQ"), "1");
    cr_assert_eq(tp_dataset_find_var(ae, "AEREL5"), -1, "non-standard variable moved out");

    supp = tp_sdtm_result(run, "SUPPAE", &err);
    cr_assert_eq(tp_dataset_nrows(supp), 2, "no SUPP record for an empty value");
    cr_assert_str_eq(cell(supp, 0, "IDVAR"), "AESEQ");
    cr_assert_str_eq(cell(supp, 0, "IDVARVAL"), "2");
    cr_assert_str_eq(cell(supp, 0, "QNAM"), "AEREL5");
    cr_assert_str_eq(cell(supp, 0, "QVAL"), "3");
    cr_assert_str_eq(cell(supp, 0, "QEVAL"), "INVESTIGATOR");

    vsd = tp_sdtm_result(run, "VS", &err);
    /* TEMP x3 (one not done) + WEIGHT x2 (one blank) */
    cr_assert_eq(tp_dataset_nrows(vsd), 5);
    cr_assert_str_eq(cell(vsd, 0, "VSTESTCD"), "TEMP");
    cr_assert_str_eq(cell(vsd, 0, "VSTEST"), "Temperature");
    cr_assert_str_eq(cell(vsd, 0, "VSORRES"), "36.6");
    cr_assert_str_eq(cell(vsd, 0, "VSSTRESN"), "36.6");
    cr_assert_str_eq(cell(vsd, 1, "VSSTAT"), "NOT DONE");
    cr_assert_str_eq(cell(vsd, 1, "VSORRESU"), "");
    cr_assert_str_eq(cell(vsd, 0, "VSLOBXFL"), "Y", "J0 temperature is not done");
    cr_assert_str_eq(cell(vsd, 2, "VISITNUM"), "2.01", "unscheduled after DAY 1");
    cr_assert_str_eq(cell(vsd, 2, "VISIT"), "UNSCHEDULED 2.01");
    cr_assert_str_eq(cell(vsd, 3, "VSTESTCD"), "WEIGHT");
    cr_assert_str_eq(cell(vsd, 3, "VSSTRESN"), "65");
    cr_assert_str_eq(cell(vsd, 3, "VSSTRESU"), "kg");
    cr_assert_str_eq(cell(vsd, 4, "VSLOBXFL"), "Y");
    cr_assert_str_eq(cell(vsd, 4, "VSDY"), "1");

    cr_assert_eq(tp_sdtm_raw_records(run), 9);
    cr_assert_eq(tp_sdtm_unmapped_records(run), 1, "the orphan");
    cr_assert_geq(tp_sdtm_nissues(run), 3, "bad date, transliterations");
    tp_dataset_free(dm);
    tp_dataset_free(ae);
    tp_dataset_free(vsd);
    tp_dataset_free(supp);
    tp_sdtm_free(run);
    tp_spec_free(s);
}
