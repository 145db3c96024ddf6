/*
 * Unit tests of the Define-XML module: reading 2.0/2.1 from memory (order, keys, codelists),
 * dangling references and malformed input reported with their lines, applying a define to a
 * dataset's metadata, the writer's reference check, and writing the hand-made fixture of
 * tests/data/define twice (identical bytes) and reading it back.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "define/define.h"
#include "trialpack/define.h"
#include "trialpack/format.h"
#include "trialpack/meta.h"
#include "trialpack/sdtm.h"
#include "trialpack/trialpack.h"

static const char minimal20[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" "
    "xmlns:def=\"http://www.cdisc.org/ns/def/v2.0\"\n"
    "     xmlns:xlink=\"http://www.w3.org/1999/xlink\" FileType=\"Snapshot\" FileOID=\"F\"\n"
    "     CreationDateTime=\"2024-01-01T00:00:00\">\n"
    " <Study "
    "OID=\"S\"><GlobalVariables><StudyName>S</StudyName><StudyDescription>S</StudyDescription>"
    "<ProtocolName>S</ProtocolName></GlobalVariables>\n"
    "  <MetaDataVersion OID=\"M\" Name=\"M\" def:DefineVersion=\"2.0.0\">\n"
    "   <ItemGroupDef OID=\"IG.DM\" Name=\"DM\" Repeating=\"No\" SASDatasetName=\"DM\" "
    "def:Structure=\"x\" def:ArchiveLocationID=\"LF.DM\">\n"
    "    <Description><TranslatedText xml:lang=\"en\">Demographics</TranslatedText></Description>\n"
    "    <ItemRef ItemOID=\"IT.USUBJID\" OrderNumber=\"2\" Mandatory=\"Yes\" KeySequence=\"1\"/>\n"
    "    <ItemRef ItemOID=\"IT.AGE\" OrderNumber=\"1\" Mandatory=\"No\" MethodOID=\"MT.AGE\"/>\n"
    "    <def:leaf ID=\"LF.DM\" xlink:href=\"dm.xpt\"><def:title>dm.xpt</def:title></def:leaf>\n"
    "   </ItemGroupDef>\n"
    "   <ItemDef OID=\"IT.USUBJID\" Name=\"USUBJID\" DataType=\"text\" Length=\"12\">"
    "<Description><TranslatedText xml:lang=\"en\">Unique Subject Identifier</TranslatedText>"
    "</Description></ItemDef>\n"
    "   <ItemDef OID=\"IT.AGE\" Name=\"AGE\" DataType=\"integer\" Length=\"3\" "
    "def:DisplayFormat=\"3.\">"
    "<Description><TranslatedText xml:lang=\"en\">Age</TranslatedText></Description>"
    "<CodeListRef CodeListOID=\"CL.AGE\"/><def:Origin Type=\"Derived\"/></ItemDef>\n"
    "   <CodeList OID=\"CL.AGE\" Name=\"Age\" DataType=\"integer\"><CodeListItem CodedValue=\"1\">"
    "<Decode><TranslatedText>one</TranslatedText></Decode></CodeListItem></CodeList>\n"
    "   <MethodDef OID=\"MT.AGE\" Name=\"Age\" Type=\"Computation\"><Description>"
    "<TranslatedText>x</TranslatedText></Description></MethodDef>\n"
    "  </MetaDataVersion>\n"
    " </Study>\n"
    "</ODM>\n";

static void setup(void)
{
    cr_assert_eq(tp_init(NULL), TP_OK);
}

static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    char *r;
    cr_assert_not_null(p, "'%s' not in the document", from);
    r = malloc(strlen(s) + strlen(to) + 1);
    cr_assert_not_null(r);
    memcpy(r, s, (size_t)(p - s));
    memcpy(r + (p - s), to, strlen(to));
    memcpy(r + (p - s) + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
    return r;
}

Test(define, reads_20_in_order_number_order, .init = setup)
{
    struct tp_define *d = NULL;
    struct tp_define_item it;
    struct tp_error err;
    const char *name, *coded, *decode;
    size_t nt;
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory(minimal20, strlen(minimal20), "m.xml", &d, &err), TP_OK,
                 "%s", err.msg);
    cr_assert_eq(tp_define_version(d), 20);
    cr_assert_eq(tp_define_ndatasets(d), 1);
    cr_assert_str_eq(tp_define_dataset_name(d, 0), "DM");
    cr_assert_str_eq(tp_define_dataset_label(d, 0), "Demographics");
    cr_assert_str_eq(tp_define_dataset_leaf(d, 0), "dm.xpt");
    cr_assert_eq(tp_define_dataset_nitems(d, 0), 2);
    cr_assert_eq(tp_define_dataset_item(d, 0, 0, &it, &err), TP_OK);
    cr_assert_str_eq(it.name, "AGE");
    cr_assert_str_eq(it.data_type, "integer");
    cr_assert_eq(it.length, 3);
    cr_assert_str_eq(it.display_format, "3.");
    cr_assert_str_eq(it.method_oid, "MT.AGE");
    cr_assert_str_eq(it.origin, "Derived");
    cr_assert(tp_define_codelist(d, it.codelist_oid, &name, &nt));
    cr_assert_eq(nt, 1);
    cr_assert(tp_define_codelist_term(d, it.codelist_oid, 0, &coded, &decode));
    cr_assert_str_eq(coded, "1");
    cr_assert_str_eq(decode, "one");
    cr_assert_eq(tp_define_dataset_item(d, 0, 1, &it, &err), TP_OK);
    cr_assert_str_eq(it.name, "USUBJID");
    cr_assert_eq(it.key_sequence, 1);
    cr_assert(it.mandatory);
    {
        size_t n = 99;
        cr_assert_eq(tp_define_check(d, NULL, NULL, &n, &err), TP_OK);
        cr_assert_eq(n, 0);
    }
    tp_define_free(d);
}

Test(define, dangling_references_are_findings_with_lines, .init = setup)
{
    char *doc = replace(minimal20, "ItemOID=\"IT.AGE\"", "ItemOID=\"IT.GONE\"");
    char *doc2 = replace(doc, "ArchiveLocationID=\"LF.DM\"", "ArchiveLocationID=\"LF.X\"");
    struct tp_define *d = NULL;
    struct tp_report *rep = tp_report_new();
    struct tp_error err;
    size_t n = 0;
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory(doc2, strlen(doc2), "bad.xml", &d, &err), TP_OK);
    cr_assert_eq(tp_define_check(d, NULL, rep, &n, &err), TP_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(tp_report_at(rep, 0)->line, 7);
    cr_assert(strstr(tp_report_at(rep, 0)->message, "LF.X"), "%s", tp_report_at(rep, 0)->message);
    cr_assert_eq(tp_report_at(rep, 1)->line, 10);
    cr_assert(strstr(tp_report_at(rep, 1)->message, "dangling ItemOID 'IT.GONE'"));
    /* applying such a define is an error naming the line */
    {
        struct tp_dataset *ds = tp_dataset_new("DM", "");
        struct tp_var v = {0};
        v.name = (char *)"AGE";
        v.type = TP_NUM;
        v.length = 8;
        cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK);
        cr_assert_eq(tp_define_apply_model(d, ds, &err), TP_E_PARSE);
        cr_assert_eq(err.loc.line, 7);
        cr_assert(strstr(err.msg, "dangling"), "%s", err.msg);
        tp_dataset_free(ds);
    }
    tp_define_free(d);
    tp_report_free(rep);
    free(doc);
    free(doc2);
}

Test(define, malformed_and_doctype_are_errors_with_lines, .init = setup)
{
    static const char doctype[] = "<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE ODM [<!ENTITY x "
                                  "SYSTEM \"file:///etc/passwd\">]>\n<ODM>&x;</ODM>\n";
    struct tp_define *d = NULL;
    struct tp_error err;
    char *bad = replace(minimal20, "</ItemGroupDef>", "</ItemGroup>");
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory(bad, strlen(bad), "m.xml", &d, &err), TP_E_PARSE);
    cr_assert_null(d);
    cr_assert_eq(err.loc.line, 12, "line %ld: %s", err.loc.line, err.msg);
    cr_assert_str_eq(err.loc.path, "m.xml");
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory(doctype, strlen(doctype), "d.xml", &d, &err), TP_E_PARSE);
    cr_assert_eq(err.loc.line, 3);
    cr_assert(strstr(err.msg, "DOCTYPE"));
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory("<a/>", 4, "a.xml", &d, &err), TP_E_PARSE);
    cr_assert(strstr(err.msg, "not a Define-XML document"), "%s", err.msg);
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory("", 0, "e.xml", &d, &err), TP_E_PARSE);
    free(bad);
}

Test(define, apply_updates_metadata_and_checks_types, .init = setup)
{
    struct tp_define *d = NULL;
    struct tp_dataset *ds = tp_dataset_new("dm", "");
    struct tp_var v = {0};
    struct tp_error err;
    const struct tp_var *o;
    tp_error_init(&err);
    cr_assert_eq(tp_define_read_memory(minimal20, strlen(minimal20), "m.xml", &d, &err), TP_OK);
    v.name = (char *)"usubjid";
    v.type = TP_CHAR;
    v.length = 40;
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK);
    v.name = (char *)"AGE";
    v.type = TP_NUM;
    v.length = 8;
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK);
    v.name = (char *)"EXTRA";
    v.type = TP_CHAR;
    v.length = 5;
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK);
    cr_assert_eq(tp_define_apply_model(d, ds, &err), TP_OK, "%s", err.msg);
    cr_assert_str_eq(tp_dataset_label(ds), "Demographics");
    o = tp_dataset_var(ds, 0);
    cr_assert_str_eq(o->name, "USUBJID");
    cr_assert_str_eq(o->label, "Unique Subject Identifier");
    cr_assert_str_eq(o->item_oid, "IT.USUBJID");
    cr_assert_str_eq(o->data_type, "string");
    cr_assert_eq(o->length, 12);
    cr_assert_eq(o->key_sequence, 1);
    o = tp_dataset_var(ds, 1);
    cr_assert_str_eq(o->item_oid, "IT.AGE");
    cr_assert_str_eq(o->data_type, "integer");
    cr_assert_eq(o->format_width, 3);
    cr_assert_eq(o->length, 8);
    o = tp_dataset_var(ds, 2);
    cr_assert_null(o->item_oid);
    cr_assert_eq(o->length, 5);
    tp_dataset_free(ds);

    /* a character AGE contradicts DataType integer: error, metadata unchanged */
    ds = tp_dataset_new("DM", "keep");
    v.name = (char *)"AGE";
    v.type = TP_CHAR;
    v.length = 3;
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK);
    cr_assert_eq(tp_define_apply_model(d, ds, &err), TP_E_SPEC);
    cr_assert_eq(err.loc.line, 14, "line %ld", err.loc.line);
    cr_assert_str_eq(err.loc.variable, "AGE");
    cr_assert_str_eq(tp_dataset_label(ds), "keep");
    tp_dataset_free(ds);

    /* the template for a CSV */
    cr_assert_eq(tp_define_dataset_meta(d, "dm", &ds, &err), TP_OK);
    cr_assert_eq(tp_dataset_nvars(ds), 2);
    cr_assert_str_eq(tp_dataset_var(ds, 0)->name, "AGE");
    cr_assert_eq(tp_dataset_var(ds, 0)->type, TP_NUM);
    cr_assert_eq(tp_dataset_var(ds, 1)->type, TP_CHAR);
    cr_assert_eq(tp_dataset_var(ds, 1)->length, 12);
    tp_dataset_free(ds);
    cr_assert_eq(tp_define_dataset_meta(d, "AE", &ds, &err), TP_E_SPEC);
    tp_define_free(d);
}

Test(define, writer_refuses_dangling_reference, .init = setup)
{
    struct dm_doc d;
    struct dm_ig *g;
    struct dm_ref *r;
    struct tp_error err;
    char *out = NULL;
    size_t n;
    tp_error_init(&err);
    dm_doc_init(&d);
    g = dvec_push(&d.igs, &d.nigs, &d.igcap, sizeof *g);
    g->oid = "IG.DM";
    g->name = "DM";
    r = dvec_push(&g->refs, &g->nrefs, &g->cap, sizeof *r);
    r->item_oid = "IT.DM.NOPE";
    cr_assert_eq(dm_write_memory(&d, &out, &n, &err), TP_E_INTERNAL);
    cr_assert(strstr(err.msg, "IT.DM.NOPE"), "%s", err.msg);
    cr_assert_null(out);
    dm_doc_release(&d);
}

/* Convert the fixture's CSV tables to XPT in dir. */
static void make_fixture_data(const char *dir)
{
    static const char *const names[] = {"dm", "vs", "suppdm"};
    const char *td = getenv("TP_TEST_DATA");
    char csv[4096], meta[4096], xpt[4096];
    cr_assert_not_null(td, "TP_TEST_DATA is not set");
    for (size_t i = 0; i < 3; i++) {
        struct tp_dataset *tmpl = NULL, *ds = NULL;
        struct tp_options *o = tp_options_new();
        struct tp_error err;
        tp_error_init(&err);
        snprintf(csv, sizeof csv, "%s/define/data/%s.csv", td, names[i]);
        snprintf(meta, sizeof meta, "%s/define/data/%s-vars.csv", td, names[i]);
        snprintf(xpt, sizeof xpt, "%s/%s.xpt", dir, names[i]);
        cr_assert_eq(tp_meta_read_csv(meta, &tmpl, &err), TP_OK, "%s", err.msg);
        tp_options_set_template(o, tmpl);
        cr_assert_eq(tp_read_file(csv, "csv", o, &ds, &err), TP_OK, "%s", err.msg);
        {
            char up[16];
            for (size_t k = 0; k <= strlen(names[i]); k++)
                up[k] = (char)(names[i][k] >= 'a' ? names[i][k] - 32 : names[i][k]);
            tp_dataset_set_name(ds, up);
        }
        cr_assert_eq(tp_write_file(xpt, "xpt", ds, NULL, &err), TP_OK, "%s", err.msg);
        tp_dataset_free(ds);
        tp_dataset_free(tmpl);
        tp_options_free(o);
    }
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long sz;
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)sz + 1);
    cr_assert_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    b[sz] = '\0';
    *n = (size_t)sz;
    return b;
}

Test(define, writes_fixture_deterministically_and_reads_it_back, .init = setup)
{
    char dir[] = "/tmp/tp-define-unit.XXXXXX", out1[256], out2[256], spec_dir[4096];
    const char *td = getenv("TP_TEST_DATA");
    struct tp_spec *spec = tp_spec_new();
    struct tp_error err;
    struct tp_define *d = NULL;
    struct tp_define_item it;
    char *a, *b;
    size_t na, nb;
    tp_error_init(&err);
    cr_assert_not_null(mkdtemp(dir));
    make_fixture_data(dir);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    snprintf(spec_dir, sizeof spec_dir, "%s/define/sdtm", td);
    cr_assert_eq(tp_spec_load_dir(spec, spec_dir, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_spec_finish(spec, &err), TP_OK, "%s: %s", err.loc.path, err.msg);
    snprintf(out1, sizeof out1, "%s/define.xml", dir);
    snprintf(out2, sizeof out2, "%s/define2.xml", dir);
    cr_assert_eq(tp_define_write(spec, dir, out1, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_define_write(spec, dir, out2, &err), TP_OK, "%s", err.msg);
    a = slurp(out1, &na);
    b = slurp(out2, &nb);
    cr_assert_eq(na, nb);
    cr_assert(memcmp(a, b, na) == 0, "two runs differ");
    cr_assert(strstr(a, "CreationDateTime=\"2023-11-14T22:13:20\""));
    cr_assert_null(strstr(a, "IG.LB"), "LB has no data and must not be described");
    cr_assert_null(strstr(a, "MT.UNUSED"));
    cr_assert(strstr(a, "def:ExtendedValue=\"Yes\""));
    cr_assert(strstr(a, "<Alias Context=\"nci:ExtCodeID\" Name=\"C66731\"/>"));
    cr_assert_eq(tp_define_read(out1, &d, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_define_version(d), 21);
    cr_assert_eq(tp_define_ndatasets(d), 3);
    cr_assert_str_eq(tp_define_dataset_name(d, 0), "DM");
    cr_assert_str_eq(tp_define_dataset_name(d, 1), "SUPPDM");
    cr_assert_str_eq(tp_define_dataset_leaf(d, 0), "dm.xpt");
    cr_assert_eq(tp_define_dataset_nitems(d, 0), 6);
    cr_assert_eq(tp_define_dataset_item(d, 0, 2, &it, &err), TP_OK);
    cr_assert_str_eq(it.oid, "IT.DM.USUBJID");
    cr_assert_eq(it.length, 11);
    cr_assert_eq(it.key_sequence, 2);
    cr_assert_eq(tp_define_dataset_item(d, 0, 3, &it, &err), TP_OK);
    cr_assert_str_eq(it.data_type, "integer");
    cr_assert_eq(it.length, 3); /* 102 */
    {
        size_t n = 9;
        cr_assert_eq(tp_define_check(d, dir, NULL, &n, &err), TP_OK);
        cr_assert_eq(n, 0);
    }
    tp_define_free(d);
    free(a);
    free(b);
    tp_spec_free(spec);
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
    }
}
