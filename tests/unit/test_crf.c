/*
 * Unit tests of the crf module: the CSV sheet reader and the study-folder loader
 * (doc/crf-sheets.md). Error tests assert the code, the message and the location
 * (sheet, line, spreadsheet column, header), because a person fixes them in a spreadsheet.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crf/crf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a valid study in memory; each error test replaces one sheet ---- */

static const char mem_study[] = "Key,Value\n"
                                "StudyOID,ST.T\n"
                                "StudyName,Test\n"
                                "ProtocolName,T\n"
                                "Raw.MissingCodes,ND\n";
static const char mem_events[] =
    "StudyEventOID,Name,VisitCode,VISITNUM,NominalDay,WindowLow,WindowHigh,Repeating,Type\n"
    "SE.A,Visit A,A,1,0,0,0,No,Scheduled\n"
    "SE.B,Visit B,B,2,30,25,35,No,Scheduled\n"
    "SE.L,Logs,,,,,,No,Common\n";
static const char mem_forms[] = "FormOID,Name,Table\n"
                                "F.ONE,One,one\n"
                                "F.LOG,Log,log\n";
static const char mem_event_forms[] = "StudyEventOID,FormOID\n"
                                      "SE.A,F.ONE\n"
                                      "SE.B,F.ONE\n"
                                      "SE.L,F.LOG\n";
static const char mem_groups[] = "ItemGroupOID,FormOID,Name,Repeating\n"
                                 "IG.ONE,F.ONE,One,No\n"
                                 "IG.LOG,F.LOG,Log,Yes\n";
static const char mem_items[] =
    "ItemOID,ItemGroupOID,Name,DataType,Length,SignificantDigits,Question,Unit,CodeListOID,"
    "SoftLow,SoftHigh,HardLow,HardHigh,Mandatory,MissingCodes,CollectedAt\n"
    "IT.D,IG.ONE,DAT,date,,,Date,,,,,,,Yes,,\n"
    "IT.W,IG.ONE,POIDS,float,5,1,Weight,MU.KG,,40,110,30,180,Yes,ND,\n"
    "IT.Y,IG.ONE,FAIT,integer,1,,Done,,CL.YN,,,,,Yes,,SE.A\n"
    "IT.T,IG.LOG,TERM,text,50,,Term,,,,,,,Yes,,\n";
static const char mem_codelists[] = "CodeListOID,Name,DataType,CodedValue,Decode\n"
                                    "CL.YN,YN,integer,1,Oui\n"
                                    "CL.YN,,,0,Non\n";
static const char mem_units[] = "MeasurementUnitOID,Symbol\n"
                                "MU.KG,kg\n";

enum { M_STUDY, M_EVENTS, M_FORMS, M_EF, M_GROUPS, M_ITEMS, M_CL, M_UNITS, M_N };

static const char *const mem_names[M_N] = {
    "study.csv",          "crf/events.csv", "crf/forms.csv",     "crf/event_forms.csv",
    "crf/itemgroups.csv", "crf/items.csv",  "crf/codelists.csv", "crf/units.csv"};

/* Load the memory study with sheet `which` replaced by text (NULL = drop the sheet). */
static int load_with(int which, const char *text, struct tp_crf **crf, struct tp_error *err)
{
    const char *texts[M_N] = {mem_study,  mem_events, mem_forms,     mem_event_forms,
                              mem_groups, mem_items,  mem_codelists, mem_units};
    struct crf_memfile files[M_N];
    size_t n = 0;
    if (which >= 0)
        texts[which] = text;
    for (int i = 0; i < M_N; i++) {
        if (!texts[i])
            continue;
        files[n].name = mem_names[i];
        files[n].data = texts[i];
        files[n].len = strlen(texts[i]);
        n++;
    }
    tp_error_init(err);
    return crf_load_mem(files, n, crf, err);
}

/* Expect a load error: code, sheet, line, column and a piece of the message. */
static void expect_error(int which, const char *text, int code, const char *path, long line,
                         long col, const char *msg_part)
{
    struct tp_crf *crf = (struct tp_crf *)1;
    struct tp_error err;
    int rc = load_with(which, text, &crf, &err);
    cr_assert_eq(rc, code, "rc %d (want %d): %s", rc, code, err.msg);
    cr_assert_null(crf);
    cr_assert_str_eq(err.loc.path, path);
    cr_assert_eq(err.loc.line, line, "line %ld (want %ld): %s", err.loc.line, line, err.msg);
    cr_assert_eq(err.loc.col, col, "col %ld (want %ld): %s", err.loc.col, col, err.msg);
    cr_assert(strstr(err.msg, msg_part) != NULL, "message '%s' lacks '%s'", err.msg, msg_part);
}

static char *data_path(const char *rel)
{
    const char *base = getenv("TP_TEST_DATA");
    char *p;
    size_t n;
    if (!base)
        base = "tests/data";
    n = strlen(base) + strlen(rel) + 2;
    p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", base, rel);
    return p;
}

static char *study_path(void)
{
    const char *base = getenv("TP_DATADIR");
    char *p;
    size_t n;
    if (!base)
        base = getenv("TP_SRCDIR");
    if (!base)
        base = ".";
    n = strlen(base) + 32;
    p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/mappings/scleradec2", base);
    return p;
}

/* ---- the memory study itself ---- */

Test(crf, memory_study_loads)
{
    struct tp_crf *crf;
    struct tp_error err;
    const struct tp_crf_form *f;
    const struct tp_crf_item *it;
    const struct tp_crf_event *a, *b;
    double lo, hi;
    cr_assert_eq(load_with(-1, NULL, &crf, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_crf_event_count(crf), 3);
    cr_assert_eq(tp_crf_form_count(crf), 2);
    f = tp_crf_form_by_table(crf, "one");
    cr_assert_not_null(f);
    cr_assert_eq(tp_crf_form_item_count(f), 3);
    cr_assert_str_eq(tp_crf_item_name(tp_crf_form_item_at(f, 1)), "POIDS");
    it = tp_crf_item_find(crf, "IT.W");
    cr_assert_eq(tp_crf_item_datatype(it), TP_DT_FLOAT);
    cr_assert_eq(tp_crf_item_digits(it), 1);
    cr_assert(tp_crf_item_range(it, TP_RANGE_HARD, &lo, &hi));
    cr_assert(lo == 30 && hi == 180);
    cr_assert_str_eq(tp_crf_unit_symbol(tp_crf_item_unit(it)), "kg");
    cr_assert(tp_crf_item_allows_missing(it, "ND"));
    cr_assert_not(tp_crf_item_allows_missing(it, "NA"));
    a = tp_crf_event_find(crf, "SE.A");
    b = tp_crf_event_by_code(crf, "B");
    cr_assert(tp_crf_item_collected_at(tp_crf_item_find(crf, "IT.Y"), a));
    cr_assert_not(tp_crf_item_collected_at(tp_crf_item_find(crf, "IT.Y"), b));
    cr_assert(tp_crf_item_collected_at(it, b));
    cr_assert(tp_crf_form_rows_repeat(tp_crf_form_by_table(crf, "log")));
    cr_assert_eq(tp_crf_event_type(tp_crf_event_find(crf, "SE.L")), TP_EVENT_COMMON);
    cr_assert_str_eq(tp_crf_raw_column(crf, TP_RAW_SUBJECT), "PATNUM");
    cr_assert_eq(tp_crf_raw_delimiter(crf), ';');
    cr_assert_eq(tp_crf_raw_decimal_mark(crf), ',');
    /* numeric codelists compare numerically */
    cr_assert_eq(tp_crf_codelist_lookup(tp_crf_codelist_find(crf, "CL.YN"), "1.0"), 0);
    cr_assert_eq(tp_crf_codelist_lookup(tp_crf_codelist_find(crf, "CL.YN"), "2"), (size_t)-1);
    tp_crf_free(crf);
    tp_crf_free(NULL);
}

Test(crf, scleradec2_study_folder)
{
    char *dir = study_path();
    struct tp_crf *crf;
    struct tp_error err;
    const struct tp_crf_form *f;
    const struct tp_crf_codelist *cl;
    tp_error_init(&err);
    cr_assert_eq(tp_crf_load(dir, &crf, &err), TP_OK, "%s:%ld:%ld: %s", err.loc.path, err.loc.line,
                 err.loc.col, err.msg);
    cr_assert_str_eq(tp_crf_study_oid(crf), "ST.SCLERADEC2");
    cr_assert_eq(tp_crf_form_count(crf), 26);
    /* every table of brief §6.2 except centres.csv (generated from study.csv) */
    {
        static const char *const tables[] = {
            "inclusion",     "demographie",     "criteres",        "sclerodermie",
            "antecedents",   "traitements",     "serologies",      "randomisation",
            "levee_aveugle", "visite",          "signes_vitaux",   "biologie",
            "liposuccion",   "preparation_fvs", "injection",       "cochin",
            "shaq",          "eva_douleur",     "raynaud_journal", "examen_mains",
            "ulceres",       "capillaroscopie", "satisfaction",    "ei",
            "deviations",    "fin_etude"};
        for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
            cr_assert_not_null(tp_crf_form_by_table(crf, tables[i]), "no table %s", tables[i]);
    }
    f = tp_crf_form_by_table(crf, "cochin");
    cr_assert_eq(tp_crf_form_item_count(f), 22); /* DATQ MAINEVAL Q01-Q18 SCORETOT AIDE */
    cl = tp_crf_item_codelist(tp_crf_form_item_find(f, "Q07"));
    cr_assert_str_eq(tp_crf_codelist_oid(cl), "CL.COCHIN");
    cr_assert_eq(tp_crf_codelist_size(cl), 6);
    cr_assert_eq(tp_crf_form_item_count(tp_crf_form_by_table(crf, "shaq")), 43);
    cr_assert_not_null(tp_crf_form_item_find(tp_crf_form_by_table(crf, "examen_mains"), "MRSS17"));
    cr_assert(tp_crf_form_restricted(tp_crf_form_by_table(crf, "levee_aveugle")));
    cr_assert(tp_crf_event_has_form(tp_crf_event_by_code(crf, "M3"), f));
    cr_assert_not(tp_crf_event_has_form(tp_crf_event_by_code(crf, "J7"), f));
    cr_assert_not(tp_crf_item_collected_at(
        tp_crf_form_item_find(tp_crf_form_by_table(crf, "examen_mains"), "MRSSTOT"),
        tp_crf_event_by_code(crf, "M1")));
    tp_crf_free(crf);
    free(dir);
}

Test(crf, fixture_folder_mini)
{
    char *dir = data_path("crf/mini");
    struct tp_crf *crf;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_crf_load(dir, &crf, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_crf_item_count(crf), 9);
    /* a doubled quote inside a quoted cell */
    cr_assert_str_eq(tp_crf_item_question(tp_crf_item_find(crf, "IT.VS.PAS")),
                     "Pression \"systolique\"");
    cr_assert_str_eq(tp_crf_item_question(tp_crf_item_find(crf, "IT.AE.TERM")), "Terme, verbatim");
    /* a codelist's Name and DataType are inherited by its later rows */
    cr_assert_eq(tp_crf_codelist_size(tp_crf_codelist_find(crf, "CL.YN")), 2);
    tp_crf_free(crf);
    free(dir);
}

Test(crf, missing_folder_is_io_error)
{
    struct tp_crf *crf;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_crf_load("/nonexistent/study", &crf, &err), TP_E_IO);
    cr_assert_null(crf);
    cr_assert_str_eq(err.loc.path, "/nonexistent/study");
}

/* ---- sheet syntax ---- */

Test(crf, sheet_quotes_newlines_and_lines)
{
    static const char text[] = "\xEF\xBB\xBF"
                               "A,B\r\n"
                               "\"x, y\",\"two\nlines\"\r\n"
                               "\r\n"
                               "# a comment row,ignored\n"
                               "p,\"q \"\"r\"\"\"\n"
                               ",,\n";
    struct crf_sheet s;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse((const unsigned char *)text, strlen(text), "t.csv", &s, &err),
                 TP_OK);
    cr_assert_eq(s.ncols, 2);
    cr_assert_str_eq(s.cols[0], "A");
    cr_assert_eq(s.nrows, 2);
    cr_assert_str_eq(s.rows[0].fields[0], "x, y");
    cr_assert_str_eq(s.rows[0].fields[1], "two\nlines");
    cr_assert_eq(s.rows[0].line, 2);
    cr_assert_eq(s.rows[1].line, 6);
    cr_assert_str_eq(s.rows[1].fields[1], "q \"r\"");
    crf_sheet_release(&s);
}

Test(crf, sheet_semicolon_delimiter_is_detected)
{
    static const char text[] = "Key;Value\nStudyOID;\"A;B\"\n";
    struct crf_sheet s;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse((const unsigned char *)text, strlen(text), "t.csv", &s, &err),
                 TP_OK);
    cr_assert_eq(s.delim, ';');
    cr_assert_str_eq(s.rows[0].fields[1], "A;B");
    crf_sheet_release(&s);
}

Test(crf, sheet_stray_quote)
{
    static const char text[] = "A,B\nok,fine\nx,bad\"quote\n";
    struct crf_sheet s;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse((const unsigned char *)text, strlen(text), "t.csv", &s, &err),
                 TP_E_PARSE);
    cr_assert_eq(err.loc.line, 3);
    cr_assert_eq(err.loc.col, 2);
}

Test(crf, sheet_unclosed_quote)
{
    static const char text[] = "A,B\nok,\"never closed\n";
    struct crf_sheet s;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse((const unsigned char *)text, strlen(text), "t.csv", &s, &err),
                 TP_E_PARSE);
    cr_assert_eq(err.loc.line, 2);
    cr_assert(strstr(err.msg, "never closed") != NULL, "%s", err.msg);
}

Test(crf, sheet_invalid_utf8)
{
    static const char text[] = "A,B\nok,caf\xE9\n";
    struct crf_sheet s;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse((const unsigned char *)text, strlen(text), "t.csv", &s, &err),
                 TP_E_PARSE);
    cr_assert_eq(err.loc.line, 2);
    cr_assert_eq(err.loc.col, 7);
    cr_assert(strstr(err.msg, "UTF-8") != NULL);
}

Test(crf, sheet_extra_values)
{
    static const char text[] = "A,B\n1,2,3\n";
    struct crf_sheet s;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse((const unsigned char *)text, strlen(text), "t.csv", &s, &err),
                 TP_E_PARSE);
    cr_assert_eq(err.loc.line, 2);
    cr_assert_eq(err.loc.col, 3);
}

/* ---- loader errors: location and message ---- */

Test(crf, unknown_codelist)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,CodeListOID\n"
                 "IT.D,IG.ONE,DAT,date,Date,\n"
                 "IT.Y,IG.ONE,FAIT,integer,Done,CL.NOPE\n"
                 "IT.T,IG.LOG,TERM,text,Term,\n",
                 TP_E_SPEC, "crf/items.csv", 3, 6, "unknown CodeListOID 'CL.NOPE'");
}

Test(crf, duplicate_item_oid)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question\n"
                 "IT.D,IG.ONE,DAT,date,Date\n"
                 "IT.D,IG.ONE,DAT2,date,Date again\n"
                 "IT.T,IG.LOG,TERM,text,Term\n",
                 TP_E_SPEC, "crf/items.csv", 3, 1, "duplicate ItemOID 'IT.D'");
}

Test(crf, duplicate_column_in_form)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question\n"
                 "IT.D,IG.ONE,DAT,date,Date\n"
                 "IT.E,IG.ONE,dat,date,Date again\n"
                 "IT.T,IG.LOG,TERM,text,Term\n",
                 TP_E_SPEC, "crf/items.csv", 3, 3, "duplicate column 'dat'");
}

Test(crf, bad_data_type)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question\n"
                 "IT.D,IG.ONE,DAT,number,Date\n"
                 "IT.T,IG.LOG,TERM,text,Term\n",
                 TP_E_SPEC, "crf/items.csv", 2, 4, "unknown data type 'number'");
}

Test(crf, missing_required_column)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType\n"
                 "IT.D,IG.ONE,DAT,date\n",
                 TP_E_SPEC, "crf/items.csv", 1, -1, "missing required column 'Question'");
}

Test(crf, unknown_column_is_named)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,Lenght\n"
                 "IT.D,IG.ONE,DAT,date,Date,10\n",
                 TP_E_SPEC, "crf/items.csv", 1, 6, "unknown column 'Lenght'");
}

Test(crf, notes_columns_are_ignored)
{
    struct tp_crf *crf;
    struct tp_error err;
    cr_assert_eq(
        load_with(M_UNITS, "MeasurementUnitOID,Symbol,# note\nMU.KG,kg,any text\n", &crf, &err),
        TP_OK, "%s", err.msg);
    tp_crf_free(crf);
}

Test(crf, codelist_type_mismatch)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,CodeListOID\n"
                 "IT.Y,IG.ONE,FAIT,text,Done,CL.YN\n"
                 "IT.T,IG.LOG,TERM,text,Term,\n",
                 TP_E_SPEC, "crf/items.csv", 2, 6, "item is text but codelist 'CL.YN' is integer");
}

Test(crf, integer_codelist_value)
{
    expect_error(M_CL,
                 "CodeListOID,Name,DataType,CodedValue,Decode\n"
                 "CL.YN,YN,integer,1,Oui\n"
                 "CL.YN,YN,integer,O,Non\n",
                 TP_E_SPEC, "crf/codelists.csv", 3, 4, "is not an integer");
}

Test(crf, duplicate_coded_value)
{
    expect_error(M_CL,
                 "CodeListOID,Name,DataType,CodedValue,Decode\n"
                 "CL.YN,YN,integer,1,Oui\n"
                 "CL.YN,YN,integer,01,Oui encore\n",
                 TP_E_SPEC, "crf/codelists.csv", 3, 4, "duplicate coded value '01'");
}

Test(crf, unknown_form_in_event_forms)
{
    expect_error(M_EF,
                 "StudyEventOID,FormOID\n"
                 "SE.A,F.ONE\n"
                 "SE.L,F.NONE\n",
                 TP_E_SPEC, "crf/event_forms.csv", 3, 2, "unknown FormOID 'F.NONE'");
}

Test(crf, form_in_no_event)
{
    expect_error(M_EF, "StudyEventOID,FormOID\nSE.A,F.ONE\n", TP_E_SPEC, "crf/forms.csv", 3, 1,
                 "form 'F.LOG' is in no event");
}

Test(crf, soft_range_outside_hard)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,SoftLow,SoftHigh,HardLow,HardHigh\n"
                 "IT.W,IG.ONE,POIDS,float,Weight,20,110,30,180\n"
                 "IT.T,IG.LOG,TERM,text,Term,,,,\n",
                 TP_E_SPEC, "crf/items.csv", 2, 6, "soft range is outside the hard range");
}

Test(crf, key_column_name_is_reserved)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question\n"
                 "IT.P,IG.ONE,PATNUM,text,Subject\n"
                 "IT.T,IG.LOG,TERM,text,Term\n",
                 TP_E_SPEC, "crf/items.csv", 2, 3, "key or system column");
}

Test(crf, collected_at_unknown_event_and_wrong_form)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,CollectedAt\n"
                 "IT.D,IG.ONE,DAT,date,Date,SE.A SE.Z\n"
                 "IT.T,IG.LOG,TERM,text,Term,\n",
                 TP_E_SPEC, "crf/items.csv", 2, 6, "unknown StudyEventOID 'SE.Z'");
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,CollectedAt\n"
                 "IT.D,IG.ONE,DAT,date,Date,SE.L\n"
                 "IT.T,IG.LOG,TERM,text,Term,\n",
                 TP_E_SPEC, "crf/items.csv", 2, 6, "is not collected at event 'SE.L'");
}

Test(crf, bad_yes_no)
{
    expect_error(M_GROUPS,
                 "ItemGroupOID,FormOID,Name,Repeating\n"
                 "IG.ONE,F.ONE,One,Peut-être\n"
                 "IG.LOG,F.LOG,Log,Yes\n",
                 TP_E_SPEC, "crf/itemgroups.csv", 2, 4, "expected Yes or No");
}

Test(crf, missing_sheet)
{
    struct tp_crf *crf;
    struct tp_error err;
    cr_assert_eq(load_with(M_ITEMS, NULL, &crf, &err), TP_E_IO);
    cr_assert_str_eq(err.loc.path, "crf/items.csv");
    /* codelists and units are optional sheets, but items refer to them here */
    cr_assert_eq(load_with(M_UNITS, NULL, &crf, &err), TP_E_SPEC);
    cr_assert(strstr(err.msg, "unknown MeasurementUnitOID 'MU.KG'") != NULL, "%s", err.msg);
}

Test(crf, study_required_key_and_raw_keys)
{
    expect_error(M_STUDY, "Key,Value\nStudyOID,ST.T\nStudyName,Test\n", TP_E_SPEC, "study.csv", 1,
                 -1, "missing required key 'ProtocolName'");
    expect_error(M_STUDY,
                 "Key,Value\nStudyOID,ST.T\nStudyName,Test\nProtocolName,T\nRaw.Delimiter,#\n",
                 TP_E_SPEC, "study.csv", 5, 2, "Raw.Delimiter");
    expect_error(M_STUDY,
                 "Key,Value\nStudyOID,ST.T\nStudyName,Test\nProtocolName,T\nRaw.Colum.Site,C\n",
                 TP_E_SPEC, "study.csv", 5, 1, "unknown key 'Raw.Colum.Site'");
    expect_error(M_STUDY, "Key,Value\nStudyOID,ST.T\nStudyOID,ST.U\n", TP_E_SPEC, "study.csv", 3, 1,
                 "duplicate key 'StudyOID'");
}

Test(crf, missing_code_not_declared)
{
    expect_error(M_ITEMS,
                 "ItemOID,ItemGroupOID,Name,DataType,Question,MissingCodes\n"
                 "IT.D,IG.ONE,DAT,date,Date,NSP\n"
                 "IT.T,IG.LOG,TERM,text,Term,\n",
                 TP_E_SPEC, "crf/items.csv", 2, 6, "'NSP' is not in study.csv Raw.MissingCodes");
}

Test(crf, event_window_checks)
{
    expect_error(M_EVENTS,
                 "StudyEventOID,Name,VisitCode,VISITNUM,NominalDay,WindowLow,WindowHigh,Type\n"
                 "SE.A,A,A,1,10,0,5,Scheduled\n"
                 "SE.B,B,B,2,,,,Scheduled\n"
                 "SE.L,L,,,,,,Common\n",
                 TP_E_SPEC, "crf/events.csv", 2, 5, "outside the window");
    expect_error(M_EVENTS,
                 "StudyEventOID,Name,VisitCode,VISITNUM,Type\n"
                 "SE.A,A,A,1,Scheduled\n"
                 "SE.B,B,a,2,Scheduled\n"
                 "SE.L,L,,,Common\n",
                 TP_E_SPEC, "crf/events.csv", 3, 3, "duplicate VisitCode 'a'");
}

Test(crf, mixed_repeating_groups_in_a_form)
{
    expect_error(M_GROUPS,
                 "ItemGroupOID,FormOID,Name,Repeating\n"
                 "IG.ONE,F.ONE,One,No\n"
                 "IG.TWO,F.ONE,Two,Yes\n"
                 "IG.LOG,F.LOG,Log,Yes\n",
                 TP_E_SPEC, "crf/itemgroups.csv", 3, 4, "must all repeat or none");
}

Test(crf, reserved_table_name)
{
    expect_error(M_FORMS, "FormOID,Name,Table\nF.ONE,One,listes\nF.LOG,Log,log\n", TP_E_SPEC,
                 "crf/forms.csv", 2, 3, "reserved");
}

Test(crf, datatype_names_round_trip)
{
    for (int t = TP_DT_TEXT; t <= TP_DT_PARTIAL_DATETIME; t++) {
        enum tp_crf_datatype back;
        cr_assert(tp_crf_datatype_parse(tp_crf_datatype_name((enum tp_crf_datatype)t), &back));
        cr_assert_eq((int)back, t);
    }
}

/* The fuzz target must accept anything; replay the fixture sheets and a few odd inputs. */
Test(crf, fuzz_target_replays_fixtures)
{
    static const char *const sheets[] = {"crf/mini/study.csv", "crf/mini/crf/items.csv",
                                         "crf/mini/crf/codelists.csv", "crf/mini/crf/events.csv"};
    static const char *const odd[] = {
        "", "\"", "a\n\"b", "\xEF\xBB\xBF", ",,,\n,,,", "\n\x1E\n\x1E\n"};
    for (size_t i = 0; i < sizeof sheets / sizeof *sheets; i++) {
        char *p = data_path(sheets[i]);
        FILE *f = fopen(p, "rb");
        char buf[16384];
        size_t n;
        cr_assert_not_null(f, "%s", p);
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
        free(p);
    }
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
        LLVMFuzzerTestOneInput((const uint8_t *)odd[i], strlen(odd[i]));
}
