/*
 * ODM 1.3.2 export (CDISC ODM 1.3.2 specification §2, §3.1; standards.md §3): one Snapshot
 * document with the study's metadata (GlobalVariables, BasicDefinitions, MetaDataVersion with
 * Protocol, StudyEventDef, FormDef, ItemGroupDef, ItemDef, CodeList) and its ClinicalData, written
 * with libxml2's xmlTextWriter straight into a tp_sink (a temporary file renamed on success).
 *
 * ClinicalData is streamed: the raw form tables are merged subject by subject (odm_raw.c), and
 * each subject becomes SubjectData / StudyEventData (StudyEventRepeatKey for repeating events) /
 * FormData / ItemGroupData (ItemGroupRepeatKey = the raw LIGNE for repeating groups) / ItemData,
 * in event order, then the event's form order. RepeatKeys are written if and only if the
 * definition repeats (ODM 1.3.2 §3.1.4.1.1). Empty raw cells are not sent (all clinical data start
 * NULL); an item group whose items are all empty is left out unless the whole raw row is empty,
 * in which case its first item group is written empty so that the row still exists.
 * Values are converted from the raw conventions by odm_values.c. The output is deterministic:
 * CreationDateTime comes from tp_output_time() (SOURCE_DATE_EPOCH), everything else from inputs.
 */
#include "odm/odm.h"

#include "trialpack/trialpack.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlwriter.h>

#define X(s) ((const xmlChar *)(s))

/* ------------------------------------------------------------------ writer over a sink */

struct xw {
    xmlTextWriterPtr w;
    struct tp_sink *sink;
    struct tp_error *err;
    struct tp_error sink_err; /* first error of the sink, reported in place of libxml2's */
    bool failed;
};

static int xw_write(void *ctx, const char *buf, int len)
{
    struct xw *x = ctx;
    if (x->failed)
        return -1;
    if (len > 0 && tp_sink_write(x->sink, buf, (size_t)len, &x->sink_err)) {
        x->failed = true;
        return -1;
    }
    return len;
}

static int xw_close(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Turn a negative libxml2 return into the sink's error or a generic one. */
static int xw_check(struct xw *x, int r)
{
    if (r >= 0)
        return TP_OK;
    if (x->err && x->err->code)
        return x->err->code;
    if (x->sink_err.code) {
        if (x->err)
            *x->err = x->sink_err;
        return x->sink_err.code;
    }
    return tp_fail(x->err, TP_E_IO, "cannot write XML to '%s'", tp_sink_name(x->sink));
}

static int xw_start(struct xw *x, const char *name)
{
    return xw_check(x, xmlTextWriterStartElement(x->w, X(name)));
}

static int xw_end(struct xw *x)
{
    return xw_check(x, xmlTextWriterEndElement(x->w));
}

static int xw_attr(struct xw *x, const char *name, const char *value)
{
    return xw_check(x, xmlTextWriterWriteAttribute(x->w, X(name), X(value)));
}

static int xw_attr_n(struct xw *x, const char *name, size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    return xw_attr(x, name, buf);
}

static int xw_text_element(struct xw *x, const char *name, const char *text)
{
    return xw_check(x, xmlTextWriterWriteElement(x->w, X(name), X(text)));
}

/* <TranslatedText xml:lang="lang">text</TranslatedText>; lang NULL = none */
static int xw_tt(struct xw *x, const char *lang, const char *text)
{
    int rc = xw_start(x, "TranslatedText");
    if (!rc && lang)
        rc = xw_attr(x, "xml:lang", lang);
    if (!rc)
        rc = xw_check(x, xmlTextWriterWriteString(x->w, X(text)));
    if (!rc)
        rc = xw_end(x);
    return rc;
}

/* An element holding TranslatedText in French and English (the empty ones are left out). */
static int xw_fr_en(struct xw *x, const char *name, const char *fr, const char *en)
{
    int rc;
    if (!*fr && !*en)
        return TP_OK;
    rc = xw_start(x, name);
    if (!rc && *fr)
        rc = xw_tt(x, "fr", fr);
    if (!rc && *en)
        rc = xw_tt(x, "en", en);
    if (!rc)
        rc = xw_end(x);
    return rc;
}

static const char *yesno(bool b)
{
    return b ? "Yes" : "No";
}

/* Name attributes must not be empty (ODM "name" type). */
static const char *nonempty(const char *s, const char *fallback)
{
    return s && *s ? s : fallback;
}

/* ------------------------------------------------------------------ metadata */

static int odmw_units(struct xw *x, const struct tp_crf *crf)
{
    size_t n = tp_crf_unit_count(crf);
    int rc;
    if (n == 0)
        return TP_OK;
    if ((rc = xw_start(x, "BasicDefinitions")))
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct tp_crf_unit *u = tp_crf_unit_at(crf, i);
        const char *ucum = tp_crf_unit_ucum(u);
        rc = xw_start(x, "MeasurementUnit");
        if (!rc)
            rc = xw_attr(x, "OID", tp_crf_unit_oid(u));
        if (!rc)
            rc = xw_attr(
                x, "Name",
                nonempty(tp_crf_unit_name(u), nonempty(tp_crf_unit_symbol(u), tp_crf_unit_oid(u))));
        if (!rc)
            rc = xw_start(x, "Symbol");
        if (!rc)
            rc = xw_tt(x, NULL, nonempty(tp_crf_unit_symbol(u), tp_crf_unit_oid(u)));
        if (!rc)
            rc = xw_end(x);
        if (!rc && *ucum) {
            rc = xw_start(x, "Alias");
            if (!rc)
                rc = xw_attr(x, "Context", "UCUM");
            if (!rc)
                rc = xw_attr(x, "Name", ucum);
            if (!rc)
                rc = xw_end(x);
        }
        if (!rc)
            rc = xw_end(x);
    }
    if (!rc)
        rc = xw_end(x);
    return rc;
}

static const char *odmw_event_type(enum tp_crf_event_type t)
{
    switch (t) {
    case TP_EVENT_UNSCHEDULED: return "Unscheduled";
    case TP_EVENT_COMMON: return "Common";
    default: return "Scheduled";
    }
}

static bool odmw_form_wanted(const struct tp_crf_form *f, const struct tp_odm_export_options *o)
{
    return !(o->skip_restricted && tp_crf_form_restricted(f));
}

static int odmw_events(struct xw *x, const struct tp_crf *crf,
                       const struct tp_odm_export_options *o)
{
    size_t n = tp_crf_event_count(crf);
    int rc = xw_start(x, "Protocol");
    for (size_t i = 0; i < n && !rc; i++) {
        const struct tp_crf_event *ev = tp_crf_event_at(crf, i);
        rc = xw_start(x, "StudyEventRef");
        if (!rc)
            rc = xw_attr(x, "StudyEventOID", tp_crf_event_oid(ev));
        if (!rc)
            rc = xw_attr_n(x, "OrderNumber", i + 1);
        if (!rc)
            rc = xw_attr(x, "Mandatory", yesno(tp_crf_event_type(ev) == TP_EVENT_SCHEDULED));
        if (!rc)
            rc = xw_end(x);
    }
    if (!rc)
        rc = xw_end(x);
    for (size_t i = 0; i < n && !rc; i++) {
        const struct tp_crf_event *ev = tp_crf_event_at(crf, i);
        size_t order = 0;
        rc = xw_start(x, "StudyEventDef");
        if (!rc)
            rc = xw_attr(x, "OID", tp_crf_event_oid(ev));
        if (!rc)
            rc = xw_attr(x, "Name", nonempty(tp_crf_event_name(ev), tp_crf_event_oid(ev)));
        if (!rc)
            rc = xw_attr(x, "Repeating", yesno(tp_crf_event_repeating(ev)));
        if (!rc)
            rc = xw_attr(x, "Type", odmw_event_type(tp_crf_event_type(ev)));
        if (!rc)
            rc = xw_fr_en(x, "Description", tp_crf_event_name(ev), tp_crf_event_name_en(ev));
        for (size_t k = 0; k < tp_crf_event_form_count(ev) && !rc; k++) {
            const struct tp_crf_form *f = tp_crf_event_form_at(ev, k);
            if (!odmw_form_wanted(f, o))
                continue;
            rc = xw_start(x, "FormRef");
            if (!rc)
                rc = xw_attr(x, "FormOID", tp_crf_form_oid(f));
            if (!rc)
                rc = xw_attr_n(x, "OrderNumber", ++order);
            if (!rc)
                rc = xw_attr(x, "Mandatory", yesno(tp_crf_event_form_mandatory(ev, k)));
            if (!rc)
                rc = xw_end(x);
        }
        if (!rc)
            rc = xw_end(x);
    }
    return rc;
}

static bool odmw_group_mandatory(const struct tp_crf_itemgroup *g)
{
    for (size_t i = 0; i < tp_crf_itemgroup_item_count(g); i++)
        if (tp_crf_item_mandatory(tp_crf_itemgroup_item_at(g, i)))
            return true;
    return false;
}

static int odmw_forms(struct xw *x, const struct tp_crf *crf, const struct tp_odm_export_options *o)
{
    int rc = TP_OK;
    for (size_t i = 0; i < tp_crf_form_count(crf) && !rc; i++) {
        const struct tp_crf_form *f = tp_crf_form_at(crf, i);
        if (!odmw_form_wanted(f, o))
            continue;
        rc = xw_start(x, "FormDef");
        if (!rc)
            rc = xw_attr(x, "OID", tp_crf_form_oid(f));
        if (!rc)
            rc = xw_attr(x, "Name", nonempty(tp_crf_form_name(f), tp_crf_form_oid(f)));
        if (!rc)
            rc = xw_attr(x, "Repeating", yesno(tp_crf_form_repeating(f)));
        if (!rc)
            rc = xw_fr_en(x, "Description", tp_crf_form_name(f), tp_crf_form_name_en(f));
        for (size_t k = 0; k < tp_crf_form_itemgroup_count(f) && !rc; k++) {
            const struct tp_crf_itemgroup *g = tp_crf_form_itemgroup_at(f, k);
            rc = xw_start(x, "ItemGroupRef");
            if (!rc)
                rc = xw_attr(x, "ItemGroupOID", tp_crf_itemgroup_oid(g));
            if (!rc)
                rc = xw_attr_n(x, "OrderNumber", k + 1);
            if (!rc)
                rc = xw_attr(x, "Mandatory", yesno(odmw_group_mandatory(g)));
            if (!rc)
                rc = xw_end(x);
        }
        if (!rc)
            rc = xw_end(x);
    }
    return rc;
}

static int odmw_groups(struct xw *x, const struct tp_crf *crf,
                       const struct tp_odm_export_options *o)
{
    int rc = TP_OK;
    for (size_t i = 0; i < tp_crf_form_count(crf) && !rc; i++) {
        const struct tp_crf_form *f = tp_crf_form_at(crf, i);
        if (!odmw_form_wanted(f, o))
            continue;
        for (size_t k = 0; k < tp_crf_form_itemgroup_count(f) && !rc; k++) {
            const struct tp_crf_itemgroup *g = tp_crf_form_itemgroup_at(f, k);
            const char *domain = tp_crf_itemgroup_domain(g);
            rc = xw_start(x, "ItemGroupDef");
            if (!rc)
                rc = xw_attr(x, "OID", tp_crf_itemgroup_oid(g));
            if (!rc)
                rc =
                    xw_attr(x, "Name", nonempty(tp_crf_itemgroup_name(g), tp_crf_itemgroup_oid(g)));
            if (!rc)
                rc = xw_attr(x, "Repeating", yesno(tp_crf_itemgroup_repeating(g)));
            if (!rc && *domain)
                rc = xw_attr(x, "Domain", domain);
            if (!rc)
                rc = xw_fr_en(x, "Description", tp_crf_itemgroup_name(g),
                              tp_crf_itemgroup_name_en(g));
            for (size_t j = 0; j < tp_crf_itemgroup_item_count(g) && !rc; j++) {
                const struct tp_crf_item *it = tp_crf_itemgroup_item_at(g, j);
                rc = xw_start(x, "ItemRef");
                if (!rc)
                    rc = xw_attr(x, "ItemOID", tp_crf_item_oid(it));
                if (!rc)
                    rc = xw_attr_n(x, "OrderNumber", j + 1);
                if (!rc)
                    rc = xw_attr(x, "Mandatory", yesno(tp_crf_item_mandatory(it)));
                if (!rc)
                    rc = xw_end(x);
            }
            if (!rc)
                rc = xw_end(x);
        }
    }
    return rc;
}

static int odmw_range(struct xw *x, const char *cmp, double v, const char *softhard)
{
    char buf[40];
    int rc;
    tp_format_double(v, buf, sizeof buf);
    rc = xw_start(x, "RangeCheck");
    if (!rc)
        rc = xw_attr(x, "Comparator", cmp);
    if (!rc)
        rc = xw_attr(x, "SoftHard", softhard);
    if (!rc)
        rc = xw_text_element(x, "CheckValue", buf);
    if (!rc)
        rc = xw_end(x);
    return rc;
}

static int odmw_item(struct xw *x, const struct tp_crf_item *it)
{
    enum tp_crf_datatype t = tp_crf_item_datatype(it);
    const struct tp_crf_unit *u = tp_crf_item_unit(it);
    const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
    const char *comment = tp_crf_item_comment(it);
    static const enum tp_crf_range kinds[2] = {TP_RANGE_SOFT, TP_RANGE_HARD};
    static const char *const kind_names[2] = {"Soft", "Hard"};
    int rc = xw_start(x, "ItemDef");
    if (!rc)
        rc = xw_attr(x, "OID", tp_crf_item_oid(it));
    if (!rc)
        rc = xw_attr(x, "Name", nonempty(tp_crf_item_name(it), tp_crf_item_oid(it)));
    if (!rc)
        rc = xw_attr(x, "DataType", tp_crf_datatype_name(t));
    if (!rc && tp_crf_item_length(it) > 0)
        rc = xw_attr_n(x, "Length", tp_crf_item_length(it));
    if (!rc && (t == TP_DT_FLOAT || t == TP_DT_DOUBLE) && tp_crf_item_digits(it) > 0)
        rc = xw_attr_n(x, "SignificantDigits", tp_crf_item_digits(it));
    if (!rc && *comment)
        rc = xw_attr(x, "Comment", comment);
    if (!rc)
        rc = xw_fr_en(x, "Question", tp_crf_item_question(it), tp_crf_item_question_en(it));
    if (!rc && u) {
        rc = xw_start(x, "MeasurementUnitRef");
        if (!rc)
            rc = xw_attr(x, "MeasurementUnitOID", tp_crf_unit_oid(u));
        if (!rc)
            rc = xw_end(x);
    }
    for (int k = 0; k < 2 && !rc; k++) {
        double lo, hi;
        if (!tp_crf_item_range(it, kinds[k], &lo, &hi))
            continue;
        if (isfinite(lo))
            rc = odmw_range(x, "GE", lo, kind_names[k]);
        if (!rc && isfinite(hi))
            rc = odmw_range(x, "LE", hi, kind_names[k]);
    }
    if (!rc && cl) {
        rc = xw_start(x, "CodeListRef");
        if (!rc)
            rc = xw_attr(x, "CodeListOID", tp_crf_codelist_oid(cl));
        if (!rc)
            rc = xw_end(x);
    }
    if (!rc)
        rc = xw_end(x);
    return rc;
}

static const char *odmw_cl_type(enum tp_crf_datatype t)
{
    switch (t) {
    case TP_DT_INTEGER: return "integer";
    case TP_DT_FLOAT:
    case TP_DT_DOUBLE: return "float";
    case TP_DT_STRING: return "string";
    default: return "text";
    }
}

static int odmw_codelists(struct xw *x, const struct tp_crf *crf)
{
    int rc = TP_OK;
    for (size_t i = 0; i < tp_crf_codelist_count(crf) && !rc; i++) {
        const struct tp_crf_codelist *cl = tp_crf_codelist_at(crf, i);
        size_t n = tp_crf_codelist_size(cl);
        if (n == 0)
            continue; /* a CodeList needs at least one item */
        rc = xw_start(x, "CodeList");
        if (!rc)
            rc = xw_attr(x, "OID", tp_crf_codelist_oid(cl));
        if (!rc)
            rc = xw_attr(x, "Name", nonempty(tp_crf_codelist_name(cl), tp_crf_codelist_oid(cl)));
        if (!rc)
            rc = xw_attr(x, "DataType", odmw_cl_type(tp_crf_codelist_datatype(cl)));
        for (size_t k = 0; k < n && !rc; k++) {
            const char *sub = tp_crf_code_submission(cl, k);
            const char *fr = tp_crf_code_decode(cl, k), *en = tp_crf_code_decode_en(cl, k);
            rc = xw_start(x, "CodeListItem");
            if (!rc)
                rc = xw_attr(x, "CodedValue", tp_crf_code_value(cl, k));
            if (!rc)
                rc = xw_attr_n(x, "OrderNumber", k + 1);
            if (!rc) {
                if (!*fr && !*en)
                    rc = xw_fr_en(x, "Decode", tp_crf_code_value(cl, k), "");
                else
                    rc = xw_fr_en(x, "Decode", fr, en);
            }
            if (!rc && *sub) {
                rc = xw_start(x, "Alias");
                if (!rc)
                    rc = xw_attr(x, "Context", "SDTM");
                if (!rc)
                    rc = xw_attr(x, "Name", sub);
                if (!rc)
                    rc = xw_end(x);
            }
            if (!rc)
                rc = xw_end(x);
        }
        if (!rc)
            rc = xw_end(x);
    }
    return rc;
}

static int odmw_study(struct xw *x, const struct tp_crf *crf, const struct tp_odm_export_options *o)
{
    const char *desc = tp_crf_attr(crf, "StudyDescription");
    const char *mdv = tp_crf_attr(crf, "MetaDataVersionOID");
    const char *mdvname = tp_crf_attr(crf, "MetaDataVersionName");
    int rc = xw_start(x, "Study");
    if (!rc)
        rc = xw_attr(x, "OID", tp_crf_study_oid(crf));
    if (!rc)
        rc = xw_start(x, "GlobalVariables");
    if (!rc)
        rc = xw_text_element(x, "StudyName", tp_crf_study_name(crf));
    if (!rc)
        rc = xw_text_element(x, "StudyDescription", desc ? desc : "");
    if (!rc)
        rc = xw_text_element(x, "ProtocolName", tp_crf_protocol_name(crf));
    if (!rc)
        rc = xw_end(x);
    if (!rc)
        rc = odmw_units(x, crf);
    if (!rc)
        rc = xw_start(x, "MetaDataVersion");
    if (!rc)
        rc = xw_attr(x, "OID", nonempty(mdv, "MDV.1"));
    if (!rc)
        rc = xw_attr(x, "Name", nonempty(mdvname, nonempty(mdv, "MDV.1")));
    if (!rc)
        rc = odmw_events(x, crf, o);
    if (!rc)
        rc = odmw_forms(x, crf, o);
    if (!rc)
        rc = odmw_groups(x, crf, o);
    for (size_t i = 0; i < tp_crf_form_count(crf) && !rc; i++) {
        const struct tp_crf_form *f = tp_crf_form_at(crf, i);
        if (!odmw_form_wanted(f, o))
            continue;
        for (size_t k = 0; k < tp_crf_form_item_count(f) && !rc; k++)
            rc = odmw_item(x, tp_crf_form_item_at(f, k));
    }
    if (!rc)
        rc = odmw_codelists(x, crf);
    if (!rc)
        rc = xw_end(x); /* MetaDataVersion */
    if (!rc)
        rc = xw_end(x); /* Study */
    return rc;
}

/* ------------------------------------------------------------------ clinical data */

struct odmw {
    const struct tp_crf *crf;
    struct xw x;
    struct tp_report *rep;
    struct tp_odm_stats st;
    char decimal;
    const char *codes;
    struct tp_strbuf val;
    /* converted values of the current row, offsets into vals (SIZE_MAX = empty) */
    struct tp_strbuf vals;
    size_t *voff;
    size_t capvoff;
    /* LIGNE keys seen in the current form instance (duplicate check) */
    const char **seen;
    size_t nseen, capseen;
};

/* Convert the row's values into w->vals / w->voff; warnings point at the raw cell. */
static int odmw_convert_row(struct odmw *w, const struct odm_raw_row *row, bool *any,
                            struct tp_error *err)
{
    size_t n = tp_crf_form_item_count(row->form);
    *any = false;
    tp_strbuf_reset(&w->vals);
    if (tp_grow((void **)&w->voff, &w->capvoff, n + 1, sizeof *w->voff))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct tp_crf_item *it = tp_crf_form_item_at(row->form, i);
        const char *raw = row->values[i], *why;
        size_t len = strlen(raw);
        int c;
        w->voff[i] = SIZE_MAX;
        if (len == 0)
            continue;
        c = odm_value_from_raw(tp_crf_item_datatype(it), raw, len, w->decimal, it, w->codes,
                               &w->val, &why);
        if (c < 0)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        if (c != ODM_CONV_OK)
            odm_warn(w->rep, &w->st.warnings, ODM_RULE_VALUE, row->path, row->line,
                     tp_crf_form_table(row->form), tp_crf_item_name(it), -1, raw,
                     c == ODM_CONV_KEPT ? "%s (%s): kept as is (column %ld)"
                                        : "%s (%s): converted (column %ld)",
                     why, tp_crf_datatype_name(tp_crf_item_datatype(it)), row->cols[i]);
        w->voff[i] = w->vals.len;
        if (tp_strbuf_add(&w->vals, w->val.buf ? w->val.buf : "", w->val.len) ||
            tp_strbuf_addc(&w->vals, '\0'))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        *any = true;
    }
    return TP_OK;
}

static int odmw_row(struct odmw *w, const struct odm_raw_row *row, size_t index_in_form,
                    struct tp_error *err)
{
    struct xw *x = &w->x;
    const struct tp_crf_form *form = row->form;
    bool any, first = true;
    int rc;
    char seq[32];
    const char *repeat_key = row->line_key;
    if (tp_crf_form_rows_repeat(form)) {
        if (!*repeat_key) {
            snprintf(seq, sizeof seq, "%zu", index_in_form + 1);
            repeat_key = seq;
            odm_warn(w->rep, &w->st.warnings, ODM_RULE_RAW, row->path, row->line,
                     tp_crf_form_table(form), tp_crf_raw_column(w->crf, TP_RAW_LINE), -1, NULL,
                     "empty line number in a repeating table; %s used", seq);
        }
        for (size_t i = 0; i < w->nseen; i++)
            if (strcmp(w->seen[i], repeat_key) == 0) {
                odm_warn(w->rep, &w->st.warnings, ODM_RULE_RAW, row->path, row->line,
                         tp_crf_form_table(form), tp_crf_raw_column(w->crf, TP_RAW_LINE), -1,
                         repeat_key,
                         "duplicate row: line number %s of subject's form '%s' at this event "
                         "already exported; row left out",
                         repeat_key, tp_crf_form_oid(form));
                return TP_OK;
            }
        if (tp_grow((void **)&w->seen, &w->capseen, w->nseen + 1, sizeof *w->seen))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        w->seen[w->nseen++] = row->line_key;
    } else if (index_in_form > 0) {
        odm_warn(w->rep, &w->st.warnings, ODM_RULE_RAW, row->path, row->line,
                 tp_crf_form_table(form), NULL, -1, NULL,
                 "duplicate row: form '%s' of this subject at this event already exported; row "
                 "left out",
                 tp_crf_form_oid(form));
        return TP_OK;
    }
    if ((rc = odmw_convert_row(w, row, &any, err)))
        return rc;
    for (size_t g = 0; g < tp_crf_form_itemgroup_count(form) && !rc; g++) {
        const struct tp_crf_itemgroup *ig = tp_crf_form_itemgroup_at(form, g);
        size_t nit = tp_crf_itemgroup_item_count(ig);
        bool has = false;
        for (size_t j = 0; j < nit && !has; j++)
            has = w->voff[tp_crf_item_position(tp_crf_itemgroup_item_at(ig, j))] != SIZE_MAX;
        if (!has && (any || !first))
            continue;
        first = false;
        rc = xw_start(x, "ItemGroupData");
        if (!rc)
            rc = xw_attr(x, "ItemGroupOID", tp_crf_itemgroup_oid(ig));
        if (!rc && tp_crf_itemgroup_repeating(ig))
            rc = xw_attr(x, "ItemGroupRepeatKey", repeat_key);
        for (size_t j = 0; j < nit && !rc; j++) {
            const struct tp_crf_item *it = tp_crf_itemgroup_item_at(ig, j);
            size_t off = w->voff[tp_crf_item_position(it)];
            if (off == SIZE_MAX)
                continue;
            rc = xw_start(x, "ItemData");
            if (!rc)
                rc = xw_attr(x, "ItemOID", tp_crf_item_oid(it));
            if (!rc)
                rc = xw_attr(x, "Value", w->vals.buf + off);
            if (!rc)
                rc = xw_end(x);
            w->st.items++;
        }
        if (!rc)
            rc = xw_end(x);
        w->st.itemgroups++;
    }
    return rc;
}

static int odmw_subject(struct odmw *w, const struct odm_raw_subject *sub, struct tp_error *err)
{
    struct xw *x = &w->x;
    size_t i = 0;
    int rc = xw_start(x, "SubjectData");
    if (!rc)
        rc = xw_attr(x, "SubjectKey", sub->subject);
    w->st.subjects++;
    while (i < sub->nrows && !rc) {
        const struct odm_raw_row *r0 = &sub->rows[i];
        rc = xw_start(x, "StudyEventData");
        if (!rc)
            rc = xw_attr(x, "StudyEventOID", tp_crf_event_oid(r0->event));
        if (!rc && tp_crf_event_repeating(r0->event))
            rc = xw_attr(x, "StudyEventRepeatKey", r0->event_repeat);
        w->st.events++;
        while (i < sub->nrows && !rc && sub->rows[i].event == r0->event &&
               strcmp(sub->rows[i].event_repeat, r0->event_repeat) == 0) {
            const struct tp_crf_form *form = sub->rows[i].form;
            size_t k = 0;
            rc = xw_start(x, "FormData");
            if (!rc)
                rc = xw_attr(x, "FormOID", tp_crf_form_oid(form));
            if (!rc && tp_crf_form_repeating(form))
                rc = xw_attr(x, "FormRepeatKey", "1");
            w->st.forms++;
            w->nseen = 0;
            while (i < sub->nrows && !rc && sub->rows[i].event == r0->event &&
                   sub->rows[i].form == form &&
                   strcmp(sub->rows[i].event_repeat, r0->event_repeat) == 0) {
                rc = odmw_row(w, &sub->rows[i], k++, err);
                i++;
            }
            if (!rc)
                rc = xw_end(x);
        }
        if (!rc)
            rc = xw_end(x);
    }
    if (!rc)
        rc = xw_end(x);
    return rc;
}

/* ------------------------------------------------------------------ driver */

void tp_odm_export_options_init(struct tp_odm_export_options *o)
{
    memset(o, 0, sizeof *o);
}

void tp_odm_free(void *p)
{
    tp_free(p);
}

/* Raw.Encoding of study.csv as a CSV reader encoding ("UTF-8-BOM" -> "utf-8"). */
static const char *odmw_encoding(const struct tp_crf *crf, const struct tp_odm_export_options *o)
{
    const char *e = o->encoding;
    if (e && *e)
        return e;
    e = tp_crf_attr(crf, "Raw.Encoding");
    if (!e || !*e || strncasecmp(e, "utf-8", 5) == 0 || strncasecmp(e, "utf8", 4) == 0)
        return "utf-8";
    return e;
}

static int odmw_run(const struct tp_crf *crf, const char *rawdir, struct tp_sink *sink,
                    const struct tp_odm_export_options *o, struct tp_report *rep,
                    struct tp_odm_stats *st, struct tp_error *err)
{
    struct odmw w;
    struct odm_raw *raw = NULL;
    xmlOutputBufferPtr ob;
    char stamp[32], created[40], fileoid[300];
    int rc;
    memset(&w, 0, sizeof w);
    w.crf = crf;
    w.rep = rep;
    w.decimal = tp_crf_raw_decimal_mark(crf);
    w.codes = tp_crf_attr(crf, "Raw.MissingCodes");
    tp_strbuf_init(&w.val);
    tp_strbuf_init(&w.vals);
    w.x.sink = sink;
    w.x.err = err;
    tp_error_init(&w.x.sink_err);

    rc = odm_raw_open(crf, rawdir, odmw_encoding(crf, o), o->skip_restricted, rep, &w.st.warnings,
                      &raw, err);
    if (rc)
        goto out;
    ob = xmlOutputBufferCreateIO(xw_write, xw_close, &w.x, NULL);
    if (!ob) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    w.x.w = xmlNewTextWriter(ob); /* owns ob from here, even on failure */
    if (!w.x.w) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    if (!o->compact) {
        xmlTextWriterSetIndent(w.x.w, 1);
        xmlTextWriterSetIndentString(w.x.w, X("  "));
    }
    tp_format_iso8601(tp_output_time(), stamp, sizeof stamp);
    if (o->file_oid && *o->file_oid)
        snprintf(fileoid, sizeof fileoid, "%s", o->file_oid);
    else
        snprintf(fileoid, sizeof fileoid, "ODM.%s.%s", tp_crf_study_oid(crf), stamp);
    snprintf(created, sizeof created, "%sZ", stamp); /* UTC */

    rc = xw_check(&w.x, xmlTextWriterStartDocument(w.x.w, "1.0", "UTF-8", NULL));
    if (!rc)
        rc = xw_start(&w.x, "ODM");
    if (!rc)
        rc = xw_attr(&w.x, "xmlns", ODM_NS);
    if (!rc)
        rc = xw_attr(&w.x, "ODMVersion", "1.3.2");
    if (!rc)
        rc = xw_attr(&w.x, "FileType", "Snapshot");
    if (!rc)
        rc = xw_attr(&w.x, "Granularity", "All");
    if (!rc)
        rc = xw_attr(&w.x, "FileOID", fileoid);
    if (!rc)
        rc = xw_attr(&w.x, "CreationDateTime", created);
    if (!rc && tp_crf_attr(crf, "Sponsor"))
        rc = xw_attr(&w.x, "Originator", tp_crf_attr(crf, "Sponsor"));
    if (!rc)
        rc = xw_attr(&w.x, "SourceSystem", "trialpack");
    if (!rc)
        rc = xw_attr(&w.x, "SourceSystemVersion", tp_version());
    if (!rc)
        rc = odmw_study(&w.x, crf, o);
    if (!rc)
        rc = xw_start(&w.x, "ClinicalData");
    if (!rc)
        rc = xw_attr(&w.x, "StudyOID", tp_crf_study_oid(crf));
    if (!rc)
        rc = xw_attr(&w.x, "MetaDataVersionOID",
                     nonempty(tp_crf_attr(crf, "MetaDataVersionOID"), "MDV.1"));
    while (!rc) {
        const struct odm_raw_subject *sub;
        bool more;
        rc = odm_raw_next_subject(raw, &sub, &more, err);
        if (rc || !more)
            break;
        rc = odmw_subject(&w, sub, err);
    }
    if (!rc)
        rc = xw_end(&w.x); /* ClinicalData */
    if (!rc)
        rc = xw_check(&w.x, xmlTextWriterEndDocument(w.x.w));
    if (!rc)
        rc = xw_check(&w.x, xmlTextWriterFlush(w.x.w));
out:
    if (w.x.w)
        xmlFreeTextWriter(w.x.w);
    if (!rc && w.x.failed)
        rc = xw_check(&w.x, -1);
    w.st.bytes = (unsigned long long)tp_sink_tell(sink);
    if (st)
        *st = w.st;
    odm_raw_close(raw);
    tp_strbuf_release(&w.val);
    tp_strbuf_release(&w.vals);
    tp_free(w.voff);
    tp_free(w.seen);
    return rc;
}

int tp_odm_export(const struct tp_crf *crf, const char *rawdir, const char *out_path,
                  const struct tp_odm_export_options *o, struct tp_report *rep,
                  struct tp_odm_stats *st, struct tp_error *err)
{
    struct tp_odm_export_options defaults;
    struct tp_sink *sink = NULL;
    int rc;
    if (!o) {
        tp_odm_export_options_init(&defaults);
        o = &defaults;
    }
    if (!crf || !rawdir || !out_path)
        return tp_fail(err, TP_E_USAGE, "tp_odm_export needs a study, a raw folder and an output");
    rc = tp_sink_open_file(&sink, out_path, err);
    if (rc)
        return rc;
    rc = odmw_run(crf, rawdir, sink, o, rep, st, err);
    if (!rc)
        rc = tp_sink_commit(sink, err);
    tp_sink_free(sink); /* removes the temporary file when not committed */
    return rc;
}

int tp_odm_export_memory(const struct tp_crf *crf, const char *rawdir,
                         const struct tp_odm_export_options *o, struct tp_report *rep,
                         unsigned char **out, size_t *n, struct tp_error *err)
{
    struct tp_odm_export_options defaults;
    struct tp_sink *sink = NULL;
    const unsigned char *mem;
    size_t len;
    int rc;
    *out = NULL;
    *n = 0;
    if (!o) {
        tp_odm_export_options_init(&defaults);
        o = &defaults;
    }
    if (!crf || !rawdir)
        return tp_fail(err, TP_E_USAGE, "tp_odm_export_memory needs a study and a raw folder");
    rc = tp_sink_open_memory(&sink, err);
    if (rc)
        return rc;
    rc = odmw_run(crf, rawdir, sink, o, rep, NULL, err);
    if (!rc)
        rc = tp_sink_commit(sink, err);
    if (!rc) {
        mem = tp_sink_memory(sink, &len);
        *out = tp_malloc(len ? len : 1);
        if (!*out)
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        else {
            if (len)
                memcpy(*out, mem, len);
            *n = len;
        }
    }
    tp_sink_free(sink);
    return rc;
}
