/*
 * Unit tests of the odm module: raw value conversion (odm_values.c), the export of a small study
 * (metadata, keys, repeat keys, conversions, errors with their locations), the import (tables,
 * typing, lenient and strict paths, TransactionType, XML safety) and the round trip between them.
 * Fixtures are written into a fresh temporary folder per test.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "odm/odm.h"
#include "trialpack/odm.h"
#include "trialpack/study.h"
#include "trialpack/trialpack.h"
#include "trialpack/xml.h"

/* ------------------------------------------------------------------ fixtures */

static char tmpdir[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    struct stat st;
    if (!d)
        return;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static const char *VS_HEADER =
    "ETUDE;CENTRE;PATNUM;VISITE;LIGNE;DATVS;POIDS;SEXE;STATUT;DATSAIS\r\n";
static const char *AE_HEADER =
    "ETUDE;CENTRE;PATNUM;VISITE;LIGNE;TERM;DATDEB;HDEB;STATUT;DATSAIS\r\n";

static void mini_study(void)
{
    char path[512];
    snprintf(tmpdir, sizeof tmpdir, "%s/tp-odm-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(path, sizeof path, "%s/study", tmpdir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/study/crf", tmpdir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/raw", tmpdir);
    mkdir(path, 0777);
    write_file("study/study.csv", "Key,Value\n"
                                  "StudyOID,ST.MINI\n"
                                  "StudyName,MINI\n"
                                  "ProtocolName,MINI\n"
                                  "StudyDescription,Mini study\n"
                                  "MetaDataVersionOID,MDV.MINI\n"
                                  "MetaDataVersionName,Mini v1\n"
                                  "Raw.Delimiter,;\n"
                                  "Raw.DecimalMark,\",\"\n"
                                  "Raw.MissingCodes,ND NA NSP\n");
    write_file("study/crf/events.csv",
               "StudyEventOID,Name,NameEN,VisitCode,VISITNUM,Repeating,Type,OrderNumber\n"
               "SE.V1,Visite 1,Visit 1,V1,1,No,Scheduled,1\n"
               "SE.V2,Visite 2,Visit 2,V2,2,No,Scheduled,2\n"
               "SE.NP,Non prévue,Unscheduled,NP,,Yes,Unscheduled,3\n"
               "SE.LOG,Logs,Logs,,,No,Common,4\n");
    write_file("study/crf/forms.csv", "FormOID,Name,NameEN,Table,Repeating,Restricted,OrderNumber\n"
                                      "F.VS,Signes vitaux,Vital signs,vs,No,No,1\n"
                                      "F.AE,Événements,Adverse events,ae,No,Yes,2\n");
    write_file("study/crf/event_forms.csv", "StudyEventOID,FormOID,Mandatory,OrderNumber\n"
                                            "SE.V1,F.VS,Yes,1\n"
                                            "SE.V2,F.VS,Yes,1\n"
                                            "SE.NP,F.VS,No,1\n"
                                            "SE.LOG,F.AE,No,1\n");
    write_file("study/crf/itemgroups.csv",
               "ItemGroupOID,FormOID,Name,NameEN,Repeating,OrderNumber,Domain\n"
               "IG.VS,F.VS,Signes vitaux,Vital signs,No,1,VS\n"
               "IG.AE,F.AE,EI,AE,Yes,2,AE\n");
    write_file("study/crf/items.csv",
               "ItemOID,ItemGroupOID,Name,DataType,Length,SignificantDigits,Question,QuestionEN,"
               "Unit,CodeListOID,SoftLow,SoftHigh,HardLow,HardHigh,Mandatory,MissingCodes,"
               "CollectedAt,OrderNumber,Comment\n"
               "IT.VS.DATVS,IG.VS,DATVS,date,10,,Date des signes,Date,,,,,,,Yes,,,1,\n"
               "IT.VS.POIDS,IG.VS,POIDS,float,5,1,Poids,Weight,MU.KG,,40,120,30,180,No,ND,,2,\n"
               "IT.VS.SEXE,IG.VS,SEXE,integer,1,,Sexe,Sex,,CL.SEXE,,,,,No,,,3,\n"
               "IT.AE.TERM,IG.AE,TERM,text,200,,Terme,Term,,,,,,,Yes,,,1,\n"
               "IT.AE.DATDEB,IG.AE,DATDEB,partialDate,10,,Début,Start,,,,,,,No,,,2,\n"
               "IT.AE.HDEB,IG.AE,HDEB,time,5,,Heure,Time,,,,,,,No,,,3,\n");
    write_file("study/crf/units.csv", "MeasurementUnitOID,Symbol,Name,NameEN,UCUM\n"
                                      "MU.KG,kg,kilogramme,kilogram,kg\n");
    write_file("study/crf/codelists.csv",
               "CodeListOID,Name,DataType,CodedValue,Decode,DecodeEN,SubmissionValue,OrderNumber\n"
               "CL.SEXE,SEXE,integer,1,Homme,Male,M,1\n"
               "CL.SEXE,SEXE,integer,2,Femme,Female,F,2\n");
}

static void mini_raw(const char *vs, const char *ae)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s%s", VS_HEADER, vs);
    write_file("raw/vs.csv", buf);
    if (ae) {
        snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s%s", AE_HEADER, ae);
        write_file("raw/ae.csv", buf);
    }
}

static const char *VS_ROWS = "MINI;01;01-001;V1;1;05/11/2016;62,5;2;SAISI;05/11/2016 10:00\r\n"
                             "MINI;01;01-001;V2;1;05/12/2016;ND;2;SAISI;05/12/2016 10:00\r\n"
                             "MINI;01;01-001;NP;1;10/12/2016;;2;SAISI;10/12/2016 10:00\r\n"
                             "MINI;02;02-001;V1;1;06/11/2016;80,0;1;SAISI;06/11/2016 10:00\r\n"
                             "MINI;10;10-001;V1;1;;;;SAISI;07/11/2016 10:00\r\n";
static const char *AE_ROWS =
    "MINI;01;01-001;V2;1;Céphalée;UK/12/2016;14:30;SAISI;05/12/2016 10:00\r\n"
    "MINI;01;01-001;V2;2;\"Nausée; vomissements\";12/12/2016;;SAISI;05/12/2016 10:00\r\n";

static struct tp_crf *load_mini(void)
{
    char path[512];
    struct tp_crf *crf = NULL;
    struct tp_error err;
    tp_error_init(&err);
    snprintf(path, sizeof path, "%s/study", tmpdir);
    cr_assert_eq(tp_crf_load(path, &crf, &err), TP_OK, "%s", err.msg);
    return crf;
}

static void setup(void)
{
    struct tp_error err;
    tp_error_init(&err);
    tp_init(&err);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    mini_study();
}

static void teardown(void)
{
    rm_tree(tmpdir);
}

/* Export the mini study into memory; returns a NUL-terminated copy (free()). */
static char *export_mini(struct tp_crf *crf, struct tp_report *rep, struct tp_error *err, int *rc)
{
    char raw[512];
    unsigned char *buf = NULL;
    size_t n = 0;
    char *s;
    snprintf(raw, sizeof raw, "%s/raw", tmpdir);
    *rc = tp_odm_export_memory(crf, raw, NULL, rep, &buf, &n, err);
    if (*rc)
        return NULL;
    s = malloc(n + 1);
    memcpy(s, buf, n);
    s[n] = '\0';
    tp_odm_free(buf);
    return s;
}

/* ------------------------------------------------------------------ values */

struct conv_case {
    enum tp_crf_datatype t;
    const char *in, *out;
    int rc;
};

static const struct conv_case conv_cases[] = {
    {TP_DT_FLOAT, "12,5", "12.5", ODM_CONV_OK},
    {TP_DT_FLOAT, "-0,07", "-0.07", ODM_CONV_OK},
    {TP_DT_FLOAT, "12.5", "12.5", ODM_CONV_FIXED},
    {TP_DT_FLOAT, "12", "12", ODM_CONV_OK},
    {TP_DT_FLOAT, "<5", "<5", ODM_CONV_KEPT},
    {TP_DT_FLOAT, "1,2,3", "1,2,3", ODM_CONV_KEPT},
    {TP_DT_INTEGER, "42", "42", ODM_CONV_OK},
    {TP_DT_INTEGER, " 42 ", "42", ODM_CONV_FIXED},
    {TP_DT_INTEGER, "+7", "7", ODM_CONV_OK},
    {TP_DT_INTEGER, "4,0", "4,0", ODM_CONV_KEPT},
    {TP_DT_INTEGER, "oui", "oui", ODM_CONV_KEPT},
    {TP_DT_DATE, "05/11/2016", "2016-11-05", ODM_CONV_OK},
    {TP_DT_DATE, "29/02/2016", "2016-02-29", ODM_CONV_OK},
    {TP_DT_DATE, "29/02/2015", "29/02/2015", ODM_CONV_KEPT},
    {TP_DT_DATE, "31/02/2016", "31/02/2016", ODM_CONV_KEPT},
    {TP_DT_DATE, "15/13/2016", "15/13/2016", ODM_CONV_KEPT},
    {TP_DT_DATE, "00/05/2016", "00/05/2016", ODM_CONV_KEPT},
    {TP_DT_DATE, "05/11/16", "05/11/16", ODM_CONV_KEPT},
    {TP_DT_DATE, "2016-11-05", "2016-11-05", ODM_CONV_KEPT},
    {TP_DT_DATE, "UK/10/2016", "UK/10/2016", ODM_CONV_KEPT},
    {TP_DT_PARTIAL_DATE, "UK/10/2016", "2016-10", ODM_CONV_OK},
    {TP_DT_PARTIAL_DATE, "UNK/UNK/1999", "1999", ODM_CONV_OK},
    {TP_DT_PARTIAL_DATE, "uk/uk/1999", "1999", ODM_CONV_OK},
    {TP_DT_PARTIAL_DATE, "12/UK/1999", "12/UK/1999", ODM_CONV_KEPT},
    {TP_DT_PARTIAL_DATE, "17/07/2011", "2011-07-17", ODM_CONV_OK},
    {TP_DT_TIME, "14:30", "14:30:00", ODM_CONV_OK},
    {TP_DT_TIME, "07:05:09", "07:05:09", ODM_CONV_OK},
    {TP_DT_TIME, "24:00", "24:00", ODM_CONV_KEPT},
    {TP_DT_TIME, "UK:30", "UK:30", ODM_CONV_KEPT},
    {TP_DT_PARTIAL_TIME, "14:UK", "14", ODM_CONV_OK},
    {TP_DT_PARTIAL_TIME, "14:30", "14:30", ODM_CONV_OK},
    {TP_DT_DATETIME, "05/11/2016 14:30", "2016-11-05T14:30:00", ODM_CONV_OK},
    {TP_DT_DATETIME, "05/11/2016", "05/11/2016", ODM_CONV_KEPT},
    {TP_DT_PARTIAL_DATETIME, "UK/11/2016 14:30", "2016-11", ODM_CONV_OK},
    {TP_DT_PARTIAL_DATETIME, "05/11/2016 14:UK", "2016-11-05T14", ODM_CONV_OK},
    {TP_DT_PARTIAL_DATETIME, "05/11/2016", "2016-11-05", ODM_CONV_OK},
    {TP_DT_BOOLEAN, "1", "1", ODM_CONV_OK},
    {TP_DT_BOOLEAN, "Oui", "Oui", ODM_CONV_KEPT},
    {TP_DT_TEXT, " libre; texte ", " libre; texte ", ODM_CONV_OK},
    {TP_DT_TEXT, "12,5", "12,5", ODM_CONV_OK},
};

Test(odm_values, raw_conventions_to_odm_forms)
{
    struct tp_strbuf out;
    tp_strbuf_init(&out);
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
        const struct conv_case *c = &conv_cases[i];
        const char *why = NULL;
        int rc = odm_value_from_raw(c->t, c->in, strlen(c->in), ',', NULL, "ND NA NSP", &out, &why);
        cr_expect_eq(rc, c->rc, "'%s' (%s): rc %d, expected %d", c->in, tp_crf_datatype_name(c->t),
                     rc, c->rc);
        cr_expect_str_eq(tp_strbuf_cstr(&out), c->out, "'%s' (%s)", c->in,
                         tp_crf_datatype_name(c->t));
        if (rc != ODM_CONV_OK)
            cr_expect_not_null(why, "'%s' has no reason", c->in);
    }
    tp_strbuf_release(&out);
}

Test(odm_values, missing_code_not_allowed_is_named)
{
    struct tp_strbuf out;
    const char *why = NULL;
    tp_strbuf_init(&out);
    cr_assert_eq(odm_value_from_raw(TP_DT_INTEGER, "ND", 2, ',', NULL, "ND NA NSP", &out, &why),
                 ODM_CONV_KEPT);
    cr_expect_str_eq(tp_strbuf_cstr(&out), "ND");
    cr_expect(strstr(why, "missing code") != NULL, "%s", why);
    tp_strbuf_release(&out);
}

Test(odm_values, natural_order)
{
    cr_expect_lt(odm_natural_cmp("2", "10"), 0);
    cr_expect_lt(odm_natural_cmp("99", "100"), 0);
    cr_expect_lt(odm_natural_cmp("01-002", "01-010"), 0);
    cr_expect_lt(odm_natural_cmp("07-200", "08-001"), 0);
    cr_expect_eq(odm_natural_cmp("01-001", "1-1"), 0);
    cr_expect_gt(odm_natural_cmp("b", "a"), 0);
    cr_expect_lt(odm_natural_cmp("a", "a1"), 0);
}

/* ------------------------------------------------------------------ export */

Test(odm_export, mini_study_document, .init = setup, .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    int rc;
    char *x;
    tp_error_init(&err);
    mini_raw(VS_ROWS, AE_ROWS);
    x = export_mini(crf, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_expect_eq(tp_report_count(rep), 0, "clean data, no findings");
    /* root and metadata */
    cr_expect(strstr(x, "FileType=\"Snapshot\"") != NULL);
    cr_expect(strstr(x, "CreationDateTime=\"2023-11-14T22:13:20Z\"") != NULL);
    cr_expect(strstr(x, "<StudyName>MINI</StudyName>") != NULL);
    cr_expect(strstr(x, "<MeasurementUnit OID=\"MU.KG\" Name=\"kilogramme\">") != NULL);
    cr_expect(strstr(x, "<StudyEventRef StudyEventOID=\"SE.NP\" OrderNumber=\"3\" "
                        "Mandatory=\"No\"/>") != NULL);
    cr_expect(strstr(x, "<StudyEventDef OID=\"SE.NP\" Name=\"Non prévue\" Repeating=\"Yes\" "
                        "Type=\"Unscheduled\">") != NULL);
    cr_expect(strstr(x, "<TranslatedText xml:lang=\"fr\">Poids</TranslatedText>") != NULL);
    cr_expect(strstr(x, "<TranslatedText xml:lang=\"en\">Weight</TranslatedText>") != NULL);
    cr_expect(strstr(x, "<RangeCheck Comparator=\"GE\" SoftHard=\"Soft\">") != NULL);
    cr_expect(strstr(x, "<RangeCheck Comparator=\"LE\" SoftHard=\"Hard\">") != NULL);
    cr_expect(strstr(x, "<CheckValue>180</CheckValue>") != NULL);
    cr_expect(strstr(x, "<CodeListRef CodeListOID=\"CL.SEXE\"/>") != NULL);
    cr_expect(strstr(x, "<MeasurementUnitRef MeasurementUnitOID=\"MU.KG\"/>") != NULL);
    cr_expect(strstr(x, "<Alias Context=\"SDTM\" Name=\"F\"/>") != NULL);
    /* clinical data: order, keys, conversions */
    cr_expect(strstr(x, "<ItemData ItemOID=\"IT.VS.POIDS\" Value=\"62.5\"/>") != NULL);
    cr_expect(strstr(x, "<ItemData ItemOID=\"IT.VS.POIDS\" Value=\"ND\"/>") != NULL);
    cr_expect(strstr(x, "<ItemData ItemOID=\"IT.VS.DATVS\" Value=\"2016-11-05\"/>") != NULL);
    cr_expect(strstr(x, "<StudyEventData StudyEventOID=\"SE.NP\" StudyEventRepeatKey=\"1\">") !=
              NULL);
    cr_expect(strstr(x, "<StudyEventData StudyEventOID=\"SE.V1\" StudyEventRepeatKey") == NULL);
    cr_expect(strstr(x, "<ItemGroupData ItemGroupOID=\"IG.AE\" ItemGroupRepeatKey=\"2\">") != NULL);
    cr_expect(strstr(x, "<ItemData ItemOID=\"IT.AE.DATDEB\" Value=\"2016-12\"/>") != NULL);
    cr_expect(strstr(x, "<ItemData ItemOID=\"IT.AE.HDEB\" Value=\"14:30:00\"/>") != NULL);
    cr_expect(strstr(x, "Value=\"Nausée; vomissements\"") != NULL);
    /* subjects in site order (10 after 02), log form in the Common event, after the visits */
    cr_expect(strstr(x, "SubjectKey=\"02-001\"") < strstr(x, "SubjectKey=\"10-001\""));
    cr_expect(strstr(x, "StudyEventOID=\"SE.NP\" StudyEventRepeatKey") <
              strstr(x, "StudyEventOID=\"SE.LOG\">"));
    /* an all-empty row keeps its item group */
    cr_expect(strstr(x, "<SubjectData SubjectKey=\"10-001\">\n      <StudyEventData "
                        "StudyEventOID=\"SE.V1\">\n        <FormData FormOID=\"F.VS\">\n"
                        "          <ItemGroupData ItemGroupOID=\"IG.VS\"/>") != NULL);
    free(x);
    tp_report_free(rep);
    tp_crf_free(crf);
}

Test(odm_export, validates_against_bundled_schema_and_is_deterministic, .init = setup,
     .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_error err;
    struct tp_report *rep = tp_report_new();
    char out[512], out2[512], raw[512], xsd[4096];
    size_t nerr = 99;
    int rc;
    char *a, *b;
    tp_error_init(&err);
    mini_raw(VS_ROWS, AE_ROWS);
    snprintf(out, sizeof out, "%s/a.xml", tmpdir);
    snprintf(out2, sizeof out2, "%s/b.xml", tmpdir);
    snprintf(raw, sizeof raw, "%s/raw", tmpdir);
    cr_assert_eq(tp_odm_export(crf, raw, out, NULL, NULL, NULL, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_odm_export(crf, raw, out2, NULL, NULL, NULL, &err), TP_OK, "%s", err.msg);
    a = export_mini(crf, NULL, &err, &rc);
    b = export_mini(crf, NULL, &err, &rc);
    cr_expect_str_eq(a, b, "two exports differ");
    free(a);
    free(b);
    if (tp_xml_schema_for(TP_XML_ODM, 0, NULL, xsd, sizeof xsd, &err) != TP_OK) {
        cr_log_warn("bundled ODM schema not found (%s): validation skipped", err.msg);
    } else {
        cr_assert_eq(tp_xml_validate(out, xsd, rep, &nerr, &err), TP_OK, "%s", err.msg);
        cr_expect_eq(nerr, 0, "%zu schema findings, first: %s", nerr,
                     tp_report_count(rep) ? tp_report_at(rep, 0)->message : "");
    }
    tp_report_free(rep);
    tp_crf_free(crf);
}

Test(odm_export, value_findings_point_at_the_raw_cell, .init = setup, .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    const struct tp_finding *f;
    int rc;
    char *x;
    tp_error_init(&err);
    mini_raw("MINI;01;01-001;V1;1;31/02/2016;62.5;2;SAISI;05/11/2016 10:00\r\n", NULL);
    x = export_mini(crf, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    /* the missing ae.csv, the impossible date, the decimal point */
    cr_assert_eq(tp_report_count(rep), 3);
    f = tp_report_at(rep, 0);
    cr_expect_str_eq(f->rule_id, ODM_RULE_RAW);
    cr_expect(strstr(f->path, "ae.csv") != NULL);
    f = tp_report_at(rep, 1);
    cr_expect_str_eq(f->rule_id, ODM_RULE_VALUE);
    cr_expect(strstr(f->path, "vs.csv") != NULL);
    cr_expect_eq(f->line, 2);
    cr_expect_str_eq(f->variable, "DATVS");
    cr_expect_str_eq(f->value, "31/02/2016");
    cr_expect(strstr(f->message, "impossible calendar date") != NULL, "%s", f->message);
    cr_expect(strstr(f->message, "column 6") != NULL, "%s", f->message);
    f = tp_report_at(rep, 2);
    cr_expect_str_eq(f->variable, "POIDS");
    cr_expect(strstr(x, "Value=\"31/02/2016\"") != NULL, "kept as it was");
    cr_expect(strstr(x, "Value=\"62.5\"") != NULL, "decimal point accepted");
    free(x);
    tp_report_free(rep);
    tp_crf_free(crf);
}

Test(odm_export, skip_restricted_forms, .init = setup, .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_odm_export_options o;
    struct tp_error err;
    unsigned char *buf;
    size_t n;
    char raw[512], *x;
    tp_error_init(&err);
    mini_raw(VS_ROWS, AE_ROWS);
    tp_odm_export_options_init(&o);
    o.skip_restricted = true;
    o.compact = true;
    o.file_oid = "ODM.TEST";
    snprintf(raw, sizeof raw, "%s/raw", tmpdir);
    cr_assert_eq(tp_odm_export_memory(crf, raw, &o, NULL, &buf, &n, &err), TP_OK, "%s", err.msg);
    x = strndup((const char *)buf, n);
    cr_expect(strstr(x, "F.AE") == NULL, "restricted form left out");
    cr_expect(strstr(x, "FileOID=\"ODM.TEST\"") != NULL);
    cr_expect(strstr(x, "\n  <Study") == NULL, "compact output has no indentation");
    free(x);
    tp_odm_free(buf);
    tp_crf_free(crf);
}

static void expect_export_error(const char *vs, const char *file, long line, long col,
                                const char *msg_part)
{
    struct tp_crf *crf = load_mini();
    struct tp_error err;
    char raw[512], out[512];
    struct stat st;
    tp_error_init(&err);
    write_file("raw/vs.csv", vs);
    snprintf(raw, sizeof raw, "%s/raw", tmpdir);
    snprintf(out, sizeof out, "%s/out.xml", tmpdir);
    cr_assert_eq(tp_odm_export(crf, raw, out, NULL, NULL, NULL, &err), TP_E_PARSE);
    cr_expect(strstr(err.loc.path, file) != NULL, "path %s", err.loc.path);
    cr_expect_eq(err.loc.line, line, "line %ld", err.loc.line);
    if (col != -99)
        cr_expect_eq(err.loc.col, col, "col %ld", err.loc.col);
    cr_expect(strstr(err.msg, msg_part) != NULL, "message: %s", err.msg);
    cr_expect_neq(stat(out, &st), 0, "no output left behind");
    cr_expect_eq(count_entries(tmpdir), 2, "nothing else written (study, raw)");
    tp_crf_free(crf);
}

Test(odm_export, unknown_column_is_an_error_with_location, .init = setup, .fini = teardown)
{
    expect_export_error("ETUDE;CENTRE;PATNUM;VISITE;LIGNE;DATVS;POID;SEXE;STATUT;DATSAIS\r\n",
                        "vs.csv", 1, 7, "column 'POID' is neither an item");
}

Test(odm_export, missing_item_column_is_an_error, .init = setup, .fini = teardown)
{
    expect_export_error("ETUDE;CENTRE;PATNUM;VISITE;LIGNE;DATVS;SEXE;STATUT;DATSAIS\r\n", "vs.csv",
                        1, -1, "item 'POIDS' of form 'F.VS' is missing");
}

Test(odm_export, unknown_visit_code_is_an_error_with_location, .init = setup, .fini = teardown)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", VS_HEADER,
             "MINI;01;01-001;V1;1;05/11/2016;62,5;2;SAISI;05/11/2016 10:00\r\n"
             "MINI;01;01-001;V9;1;05/11/2016;62,5;2;SAISI;05/11/2016 10:00\r\n");
    expect_export_error(buf, "vs.csv", 3, 4, "unknown visit code 'V9'");
}

Test(odm_export, a_misplaced_row_is_reported_and_kept, .init = setup, .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    const struct tp_finding *f;
    int rc;
    char *x, *p;
    size_t n = 0;
    tp_error_init(&err);
    /* an orphan row (01-918) inside subject 01-001's rows, as the generator's E15 writes it;
       then a row that goes back (01-000) */
    mini_raw("MINI;01;01-001;V1;1;05/11/2016;62,5;2;SAISI;05/11/2016 10:00\r\n"
             "MINI;01;01-918;V1;1;05/11/2016;70,5;2;SAISI;05/11/2016 10:00\r\n"
             "MINI;01;01-001;V2;1;05/12/2016;63,5;2;SAISI;05/12/2016 10:00\r\n"
             "MINI;01;01-002;V1;1;05/12/2016;64,5;2;SAISI;05/12/2016 10:00\r\n"
             "MINI;01;01-003;V1;1;05/12/2016;65,5;2;SAISI;05/12/2016 10:00\r\n"
             "MINI;01;01-000;V1;1;05/12/2016;66,5;2;SAISI;05/12/2016 10:00\r\n"
             "MINI;02;02-001;V1;1;06/11/2016;80,0;1;SAISI;06/11/2016 10:00\r\n",
             "MINI;01;01-001;V2;1;Céphalée;UK/12/2016;14:30;SAISI;05/12/2016 10:00\r\n");
    x = export_mini(crf, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_assert_eq(tp_report_count(rep), 2);
    f = tp_report_at(rep, 0);
    cr_expect_eq(f->line, 3);
    cr_expect(strstr(f->message, "exported with its own subject") != NULL, "%s", f->message);
    f = tp_report_at(rep, 1);
    cr_expect_eq(f->line, 7);
    cr_expect(strstr(f->message, "further SubjectData") != NULL, "%s", f->message);
    for (p = x; (p = strstr(p, "SubjectKey=\"01-001\"")); p++)
        n++;
    cr_expect_eq(n, 1, "01-001 stays in one SubjectData");
    cr_expect(strstr(x, "SubjectKey=\"01-918\"") != NULL);
    /* merge order: 01-001 01-002 01-003, then 01-000 (a row going back comes next), then the
       stray 01-918 in its place, then 02-001 */
    cr_expect(strstr(x, "SubjectKey=\"01-003\"") < strstr(x, "SubjectKey=\"01-000\""));
    cr_expect(strstr(x, "SubjectKey=\"01-000\"") < strstr(x, "SubjectKey=\"01-918\""));
    cr_expect(strstr(x, "SubjectKey=\"01-918\"") < strstr(x, "SubjectKey=\"02-001\""));
    cr_expect(strstr(x, "Value=\"63.5\"") != NULL, "nothing lost");
    cr_expect(strstr(x, "Value=\"66.5\"") != NULL, "nothing lost");
    free(x);
    tp_report_free(rep);
    tp_crf_free(crf);
}

Test(odm_export, unsorted_table_is_an_error, .init = setup, .fini = teardown)
{
    size_t cap = 200000, len;
    char *buf = malloc(cap);
    len = (size_t)snprintf(buf, cap, "%s", VS_HEADER);
    for (int i = 1200; i > 0; i--)
        len += (size_t)snprintf(buf + len, cap - len,
                                "MINI;01;01-%04d;V1;1;05/11/2016;62,5;2;SAISI;05/11/2016 10:00\r\n",
                                i);
    expect_export_error(buf, "vs.csv", 1003, 3, "not grouped and sorted");
    free(buf);
}

Test(odm_export, short_row_is_an_error_with_location, .init = setup, .fini = teardown)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", VS_HEADER, "MINI;01;01-001;V1;1;05/11/2016\r\n");
    expect_export_error(buf, "vs.csv", 2, -99, "fields");
}

Test(odm_export, duplicate_rows_are_reported_and_left_out, .init = setup, .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    int rc;
    char *x, *p;
    size_t n = 0;
    tp_error_init(&err);
    mini_raw("MINI;01;01-001;V1;1;05/11/2016;62,5;2;SAISI;05/11/2016 10:00\r\n"
             "MINI;01;01-001;V1;1;05/11/2016;63,5;2;SAISI;05/11/2016 10:00\r\n",
             "MINI;01;01-001;V2;1;Céphalée;UK/12/2016;14:30;SAISI;05/12/2016 10:00\r\n"
             "MINI;01;01-001;V2;1;Céphalée;UK/12/2016;14:30;SAISI;05/12/2016 10:00\r\n");
    x = export_mini(crf, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_expect_eq(tp_report_count(rep), 2);
    for (p = x; (p = strstr(p, "<ItemGroupData")); p++)
        n++;
    cr_expect_eq(n, 2);
    cr_expect(strstr(x, "63.5") == NULL);
    free(x);
    tp_report_free(rep);
    tp_crf_free(crf);
}

/* ------------------------------------------------------------------ import */

static struct tp_odm_tables *import_text(const char *xml, const struct tp_odm_import_options *o,
                                         struct tp_report *rep, struct tp_error *err, int *rc)
{
    struct tp_odm_tables *t = NULL;
    *rc = tp_odm_import_memory(xml, strlen(xml), "test.xml", o, rep, &t, err);
    return t;
}

static char *table_text(const struct tp_odm_tables *t, const char *name)
{
    for (size_t i = 0; i < tp_odm_tables_count(t); i++)
        if (strcmp(tp_odm_tables_name(t, i), name) == 0) {
            size_t n;
            const unsigned char *d = tp_odm_tables_data(t, i, &n);
            return strndup((const char *)d, n);
        }
    return NULL;
}

#define ODM_HEAD                                                     \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                   \
    "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" FileOID=\"F\" " \
    "CreationDateTime=\"2024-01-01T00:00:00\" ODMVersion=\"1.3.2\" "
#define ODM_META                                                                               \
    "<Study OID=\"S\"><GlobalVariables><StudyName>S</StudyName><StudyDescription/>"            \
    "<ProtocolName>S</ProtocolName></GlobalVariables>\n"                                       \
    "<MetaDataVersion OID=\"M\" Name=\"M\">\n"                                                 \
    "<StudyEventDef OID=\"SE\" Name=\"SE\" Repeating=\"No\" Type=\"Scheduled\"/>\n"            \
    "<FormDef OID=\"F\" Name=\"F\" Repeating=\"No\"/>\n"                                       \
    "<ItemGroupDef OID=\"IG.A\" Name=\"A\" Repeating=\"Yes\">"                                 \
    "<ItemRef ItemOID=\"IT.N\" Mandatory=\"No\"/><ItemRef ItemOID=\"IT.T\" Mandatory=\"No\"/>" \
    "</ItemGroupDef>\n"                                                                        \
    "<ItemDef OID=\"IT.N\" Name=\"N\" DataType=\"float\"/>\n"                                  \
    "<ItemDef OID=\"IT.T\" Name=\"T\" DataType=\"text\"/>\n"                                   \
    "<ItemDef OID=\"IT.X\" Name=\"X\" DataType=\"text\"/>\n"                                   \
    "</MetaDataVersion></Study>\n"

Test(odm_import, tables_typed_by_itemdefs, .init = setup, .fini = teardown)
{
    const char *xml =
        ODM_HEAD "FileType=\"Snapshot\">\n" ODM_META
                 "<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\">\n"
                 "<SubjectData SubjectKey=\"001\"><StudyEventData StudyEventOID=\"SE\"><FormData "
                 "FormOID=\"F\">\n"
                 "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"1\">"
                 "<ItemData ItemOID=\"IT.N\" Value=\"61.50\"/><ItemData ItemOID=\"IT.T\" "
                 "Value=\"a, &quot;b&quot;\"/>"
                 "</ItemGroupData>\n"
                 "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"2\">"
                 "<ItemData ItemOID=\"IT.N\" IsNull=\"Yes\"/><ItemDataString "
                 "ItemOID=\"IT.T\">typed</ItemDataString>"
                 "</ItemGroupData>\n"
                 "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"3\">"
                 "<ItemData ItemOID=\"IT.N\" Value=\"ND\"/></ItemGroupData>\n"
                 "</FormData></StudyEventData></SubjectData></ClinicalData></ODM>\n";
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    int rc;
    struct tp_odm_tables *t;
    char *csv;
    tp_error_init(&err);
    t = import_text(xml, NULL, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_assert_eq(tp_odm_tables_count(t), 1);
    cr_expect_str_eq(tp_odm_tables_name(t, 0), "IG.A.csv");
    cr_expect_eq(tp_odm_tables_rows(t, 0), 3);
    csv = table_text(t, "IG.A.csv");
    cr_expect_str_eq(csv, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                          "ItemGroupRepeatKey,N,T\n"
                          "001,SE,,F,,1,61.5,\"a, \"\"b\"\"\"\n"
                          "001,SE,,F,,2,,typed\n"
                          "001,SE,,F,,3,,\n");
    /* "ND" in a float item: not a number, written as missing with a warning */
    cr_expect_eq(tp_report_count(rep), 1);
    cr_expect(strstr(tp_report_at(rep, 0)->message, "not a number") != NULL);
    free(csv);
    tp_odm_tables_free(t);
    tp_report_free(rep);
}

Test(odm_import, itemoid_without_itemdef_names_oid_and_line, .init = setup, .fini = teardown)
{
    const char *xml = ODM_HEAD
        "FileType=\"Snapshot\">\n" ODM_META
        "<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\">\n"
        "<SubjectData SubjectKey=\"001\"><StudyEventData StudyEventOID=\"SE\"><FormData "
        "FormOID=\"F\">\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"1\">\n"
        "<ItemData ItemOID=\"IT.N\" Value=\"1\"/>\n"
        "<ItemData ItemOID=\"IT.GHOST\" Value=\"2\"/>\n"
        "</ItemGroupData></FormData></StudyEventData></SubjectData></ClinicalData></ODM>\n";
    struct tp_error err;
    int rc;
    struct tp_odm_tables *t;
    tp_error_init(&err);
    t = import_text(xml, NULL, NULL, &err, &rc);
    cr_expect_eq(rc, TP_E_PARSE);
    cr_expect_null(t);
    cr_expect_str_eq(err.loc.path, "test.xml");
    cr_expect_eq(err.loc.line, 16, "line %ld", err.loc.line);
    cr_expect(strstr(err.msg, "'IT.GHOST'") != NULL, "%s", err.msg);
}

Test(odm_import, data_beyond_the_metadata_add_columns_once, .init = setup, .fini = teardown)
{
    /* IT.X has an ItemDef but is not referenced by IG.A; IG.B has no ItemGroupDef */
    const char *xml = ODM_HEAD
        "FileType=\"Snapshot\">\n" ODM_META
        "<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\">\n"
        "<SubjectData SubjectKey=\"001\"><StudyEventData StudyEventOID=\"SE\" "
        "StudyEventRepeatKey=\"1\"><FormData FormOID=\"F\">\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"1\"><ItemData ItemOID=\"IT.N\" "
        "Value=\"1\"/></ItemGroupData>\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"2\"><ItemData ItemOID=\"IT.X\" "
        "Value=\"x\"/></ItemGroupData>\n"
        "<ItemGroupData ItemGroupOID=\"IG.B\"><ItemData ItemOID=\"IT.T\" Value=\"t\"/>"
        "</ItemGroupData>\n"
        "</FormData></StudyEventData></SubjectData></ClinicalData></ODM>\n";
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    int rc;
    struct tp_odm_tables *t;
    char *a, *b;
    tp_error_init(&err);
    t = import_text(xml, NULL, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_assert_eq(tp_odm_tables_count(t), 2);
    a = table_text(t, "IG.A.csv");
    b = table_text(t, "IG.B.csv");
    cr_expect_str_eq(a, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                        "ItemGroupRepeatKey,N,T,X\n"
                        "001,SE,1,F,,1,1,,\n"
                        "001,SE,1,F,,2,,,x\n");
    cr_expect_str_eq(b, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                        "ItemGroupRepeatKey,T\n"
                        "001,SE,1,F,,,t\n");
    /* each warning once, although the file was read again: repeat key on a non-repeating
       event, IT.X not referenced, IG.B without definition */
    cr_expect_eq(tp_report_count(rep), 3, "%zu findings", tp_report_count(rep));
    free(a);
    free(b);
    tp_odm_tables_free(t);
    tp_report_free(rep);
}

Test(odm_import, clinicaldata_without_metadata, .init = setup, .fini = teardown)
{
    const char *xml = ODM_HEAD
        "FileType=\"Snapshot\">"
        "<ClinicalData StudyOID=\"P\" MetaDataVersionOID=\"1\"><SubjectData SubjectKey=\"9\">"
        "<StudyEventData StudyEventOID=\"S\"><FormData FormOID=\"F\"><ItemGroupData "
        "ItemGroupOID=\"LB\"><ItemData ItemOID=\"LBTESTCD\" Value=\"ALT\"/><ItemData "
        "ItemOID=\"LBORRES\" Value=\"245\"/></ItemGroupData></FormData></StudyEventData>"
        "</SubjectData></ClinicalData></ODM>";
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    int rc;
    struct tp_odm_tables *t;
    char *a;
    tp_error_init(&err);
    t = import_text(xml, NULL, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    a = table_text(t, "LB.csv");
    cr_assert_not_null(a);
    cr_expect_str_eq(a, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                        "ItemGroupRepeatKey,LBTESTCD,LBORRES\n"
                        "9,S,,F,,,ALT,245\n");
    cr_expect_eq(tp_report_count(rep), 1);
    free(a);
    tp_odm_tables_free(t);
    tp_report_free(rep);
}

Test(odm_import, transactional_rows_carry_their_transaction_type, .init = setup, .fini = teardown)
{
    const char *xml = ODM_HEAD
        "FileType=\"Transactional\">\n" ODM_META
        "<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\">\n"
        "<SubjectData SubjectKey=\"001\" TransactionType=\"Upsert\"><StudyEventData "
        "StudyEventOID=\"SE\"><FormData FormOID=\"F\">\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"1\"><ItemData ItemOID=\"IT.N\" "
        "Value=\"2\"/></ItemGroupData>\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"2\" "
        "TransactionType=\"Remove\"/>\n"
        "</FormData></StudyEventData></SubjectData></ClinicalData></ODM>\n";
    struct tp_error err;
    int rc;
    struct tp_odm_tables *t;
    char *a;
    tp_error_init(&err);
    t = import_text(xml, NULL, NULL, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    a = table_text(t, "IG.A.csv");
    cr_expect_str_eq(a, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                        "ItemGroupRepeatKey,TransactionType,N,T\n"
                        "001,SE,,F,,1,Upsert,2,\n"
                        "001,SE,,F,,2,Remove,,\n");
    free(a);
    tp_odm_tables_free(t);
}

Test(odm_import, snapshot_remove_is_left_out_with_a_warning, .init = setup, .fini = teardown)
{
    const char *xml = ODM_HEAD
        "FileType=\"Snapshot\">\n" ODM_META
        "<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\">\n"
        "<SubjectData SubjectKey=\"001\"><StudyEventData StudyEventOID=\"SE\"><FormData "
        "FormOID=\"F\">\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"1\" TransactionType=\"Insert\">"
        "<ItemData ItemOID=\"IT.N\" Value=\"2\"/></ItemGroupData>\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"2\" "
        "TransactionType=\"Remove\"><ItemData ItemOID=\"IT.N\" Value=\"3\"/></ItemGroupData>\n"
        "<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"3\" "
        "TransactionType=\"Update\"><ItemData ItemOID=\"IT.N\" Value=\"4\"/></ItemGroupData>\n"
        "</FormData></StudyEventData></SubjectData></ClinicalData></ODM>\n";
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    int rc;
    struct tp_odm_tables *t;
    tp_error_init(&err);
    t = import_text(xml, NULL, rep, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    cr_expect_eq(tp_odm_tables_rows(t, 0), 2);
    cr_expect_eq(tp_report_count(rep), 2);
    cr_expect_str_eq(tp_report_at(rep, 0)->rule_id, ODM_RULE_TX);
    tp_odm_tables_free(t);
    tp_report_free(rep);
}

static void expect_import_refused(const char *xml, long line, const char *msg_part)
{
    struct tp_error err;
    struct tp_odm_tables *t = NULL;
    int rc;
    char in[512], out[512];
    tp_error_init(&err);
    t = import_text(xml, NULL, NULL, &err, &rc);
    cr_expect_eq(rc, TP_E_PARSE, "rc %d", rc);
    cr_expect_null(t);
    if (line > 0)
        cr_expect_eq(err.loc.line, line, "line %ld", err.loc.line);
    cr_expect(strstr(err.msg, msg_part) != NULL, "message: %s", err.msg);
    /* the same from a file: nothing is left behind */
    snprintf(in, sizeof in, "%s/in.xml", tmpdir);
    snprintf(out, sizeof out, "%s/tables", tmpdir);
    write_file("in.xml", xml);
    tp_error_init(&err);
    cr_expect_eq(tp_odm_import(in, out, NULL, NULL, NULL, &err), TP_E_PARSE);
    cr_expect_eq(count_entries(tmpdir), 3, "only study/, raw/ and in.xml remain");
}

Test(odm_import, doctype_is_refused_before_parsing, .init = setup, .fini = teardown)
{
    expect_import_refused(
        "<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE ODM [\n<!ENTITY x SYSTEM "
        "\"file:///etc/passwd\">]>\n<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\""
        " a=\"&x;\"/>",
        3, "DOCTYPE");
}

Test(odm_import, malformed_xml_is_an_error_with_its_line, .init = setup, .fini = teardown)
{
    expect_import_refused(ODM_HEAD
                          "FileType=\"Snapshot\">\n<ClinicalData StudyOID=\"S\" "
                          "MetaDataVersionOID=\"M\">\n<SubjectData>\n</ClinicalData>\n</ODM>\n",
                          5, "not well-formed");
}

Test(odm_import, non_odm_root_is_refused, .init = setup, .fini = teardown)
{
    expect_import_refused(
        "<?xml version=\"1.0\"?><ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.2\"/>", 1,
        "not an ODM 1.3 document");
    expect_import_refused("<?xml version=\"1.0\"?><root/>", 1, "not an ODM document");
}

Test(odm_import, empty_input_is_an_error, .init = setup, .fini = teardown)
{
    expect_import_refused("", -1, "not well-formed");
}

Test(odm_import, file_output_replaces_only_its_tables, .init = setup, .fini = teardown)
{
    const char *xml = ODM_HEAD
        "FileType=\"Snapshot\">\n" ODM_META
        "<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\">\n"
        "<SubjectData SubjectKey=\"001\"><StudyEventData StudyEventOID=\"SE\"><FormData "
        "FormOID=\"F\">\n<ItemGroupData ItemGroupOID=\"IG.A\" ItemGroupRepeatKey=\"1\"><ItemData "
        "ItemOID=\"IT.N\" Value=\"2\"/></ItemGroupData>\n"
        "</FormData></StudyEventData></SubjectData></ClinicalData></ODM>\n";
    struct tp_error err;
    struct tp_odm_stats st;
    char in[512], out[512];
    tp_error_init(&err);
    write_file("in.xml", xml);
    snprintf(in, sizeof in, "%s/in.xml", tmpdir);
    snprintf(out, sizeof out, "%s/tables", tmpdir);
    cr_assert_eq(tp_odm_import(in, out, NULL, NULL, &st, &err), TP_OK, "%s", err.msg);
    cr_expect_eq(st.tables, 1);
    cr_expect_eq(st.itemgroups, 1);
    cr_expect_eq(count_entries(out), 1);
    write_file("tables/keep.txt", "mine");
    cr_assert_eq(tp_odm_import(in, out, NULL, NULL, &st, &err), TP_OK, "%s", err.msg);
    cr_expect_eq(count_entries(out), 2, "the second import keeps other files");
    cr_expect_eq(count_entries(tmpdir), 4, "no temporary folder left (study raw in.xml tables)");
}

/* ------------------------------------------------------------------ round trip */

Test(odm_roundtrip, export_then_import_gives_the_raw_values, .init = setup, .fini = teardown)
{
    struct tp_crf *crf = load_mini();
    struct tp_odm_import_options io;
    struct tp_error err;
    struct tp_odm_tables *t;
    int rc;
    char *x, *vs, *ae;
    tp_error_init(&err);
    mini_raw(VS_ROWS, AE_ROWS);
    x = export_mini(crf, NULL, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    tp_odm_import_options_init(&io);
    io.crf = crf;
    t = import_text(x, &io, NULL, &err, &rc);
    cr_assert_eq(rc, TP_OK, "%s", err.msg);
    vs = table_text(t, "IG.VS.csv");
    ae = table_text(t, "IG.AE.csv");
    /* POIDS allows ND: kept as text with --study */
    cr_expect_str_eq(vs, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                         "ItemGroupRepeatKey,DATVS,POIDS,SEXE\n"
                         "01-001,SE.V1,,F.VS,,,2016-11-05,62.5,2\n"
                         "01-001,SE.V2,,F.VS,,,2016-12-05,ND,2\n"
                         "01-001,SE.NP,1,F.VS,,,2016-12-10,,2\n"
                         "02-001,SE.V1,,F.VS,,,2016-11-06,80.0,1\n"
                         "10-001,SE.V1,,F.VS,,,,,\n");
    cr_expect_str_eq(ae, "SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,"
                         "ItemGroupRepeatKey,TERM,DATDEB,HDEB\n"
                         "01-001,SE.LOG,,F.AE,,1,Céphalée,2016-12,14:30:00\n"
                         "01-001,SE.LOG,,F.AE,,2,Nausée; vomissements,2016-12-12,\n");
    free(vs);
    free(ae);
    free(x);
    tp_odm_tables_free(t);
    tp_crf_free(crf);
}
