/*
 * Accessors of the CRF model (include/trialpack/study.h) and its destructor. The handles are the
 * internal structs of crf.h; callers only ever see pointers to them.
 */
#include <config.h>

#include <math.h>
#include <string.h>
#include <strings.h>

#include "crf/crf.h"

static const char *const dt_names[] = {
    NULL,   "text", "string",   "integer",     "float",       "double",         "boolean",
    "date", "time", "datetime", "partialDate", "partialTime", "partialDatetime"};

const char *tp_crf_datatype_name(enum tp_crf_datatype t)
{
    if ((int)t < 1 || (size_t)t >= sizeof dt_names / sizeof *dt_names)
        return "unknown";
    return dt_names[t];
}

bool tp_crf_datatype_parse(const char *s, enum tp_crf_datatype *out)
{
    for (size_t i = 1; i < sizeof dt_names / sizeof *dt_names; i++) {
        if (strcasecmp(s, dt_names[i]) == 0) {
            *out = (enum tp_crf_datatype)i;
            return true;
        }
    }
    return false;
}

/* ---- lifetime ---- */

static void free_strs(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_free(l[i]);
    tp_free(l);
}

void tp_crf_free(struct tp_crf *crf)
{
    if (!crf)
        return;
    for (size_t i = 0; i < crf->nattrs; i++) {
        tp_free(crf->attrs[i].key);
        tp_free(crf->attrs[i].value);
    }
    tp_free(crf->attrs);
    for (size_t i = 0; i < TP_RAW_NCOLS; i++)
        tp_free(crf->rawcol[i]);
    for (size_t i = 0; i < crf->nunits; i++) {
        struct tp_crf_unit *u = crf->units[i];
        tp_free(u->oid);
        tp_free(u->symbol);
        tp_free(u->name);
        tp_free(u->name_en);
        tp_free(u->ucum);
        tp_free(u);
    }
    tp_free(crf->units);
    for (size_t i = 0; i < crf->ncodelists; i++) {
        struct tp_crf_codelist *cl = crf->codelists[i];
        for (size_t k = 0; k < cl->ncodes; k++) {
            tp_free(cl->codes[k].value);
            tp_free(cl->codes[k].decode);
            tp_free(cl->codes[k].decode_en);
            tp_free(cl->codes[k].submission);
        }
        tp_free(cl->codes);
        tp_free(cl->oid);
        tp_free(cl->name);
        tp_free(cl);
    }
    tp_free(crf->codelists);
    for (size_t i = 0; i < crf->nevents; i++) {
        struct tp_crf_event *ev = crf->events[i];
        tp_free(ev->oid);
        tp_free(ev->name);
        tp_free(ev->name_en);
        tp_free(ev->visit_code);
        tp_free(ev->visitnum);
        tp_free(ev->forms);
        tp_free(ev);
    }
    tp_free(crf->events);
    for (size_t i = 0; i < crf->nforms; i++) {
        struct tp_crf_form *f = crf->forms[i];
        tp_free(f->oid);
        tp_free(f->name);
        tp_free(f->name_en);
        tp_free(f->table);
        tp_free(f->groups);
        tp_free(f->items);
        crf_map_release(&f->item_names);
        tp_free(f);
    }
    tp_free(crf->forms);
    for (size_t i = 0; i < crf->ngroups; i++) {
        struct tp_crf_itemgroup *g = crf->groups[i];
        tp_free(g->oid);
        tp_free(g->name);
        tp_free(g->name_en);
        tp_free(g->domain);
        tp_free(g->items);
        tp_free(g);
    }
    tp_free(crf->groups);
    for (size_t i = 0; i < crf->nitems; i++) {
        struct tp_crf_item *it = crf->items[i];
        tp_free(it->oid);
        tp_free(it->name);
        tp_free(it->question);
        tp_free(it->question_en);
        tp_free(it->comment);
        free_strs(it->missing, it->nmissing);
        tp_free(it->at_events);
        tp_free(it);
    }
    tp_free(crf->items);
    crf_map_release(&crf->event_oids);
    crf_map_release(&crf->event_codes);
    crf_map_release(&crf->form_oids);
    crf_map_release(&crf->form_tables);
    crf_map_release(&crf->group_oids);
    crf_map_release(&crf->item_oids);
    crf_map_release(&crf->cl_oids);
    crf_map_release(&crf->unit_oids);
    tp_free(crf->dir);
    tp_free(crf);
}

/* ---- study ---- */

const char *tp_crf_attr(const struct tp_crf *crf, const char *key)
{
    for (size_t i = 0; i < crf->nattrs; i++)
        if (strcmp(crf->attrs[i].key, key) == 0)
            return crf->attrs[i].value;
    return NULL;
}

size_t tp_crf_attr_count(const struct tp_crf *crf)
{
    return crf->nattrs;
}

void tp_crf_attr_at(const struct tp_crf *crf, size_t i, const char **key, const char **value)
{
    *key = crf->attrs[i].key;
    *value = crf->attrs[i].value;
}

const char *tp_crf_study_oid(const struct tp_crf *crf)
{
    return tp_crf_attr(crf, "StudyOID");
}

const char *tp_crf_study_name(const struct tp_crf *crf)
{
    return tp_crf_attr(crf, "StudyName");
}

const char *tp_crf_protocol_name(const struct tp_crf *crf)
{
    return tp_crf_attr(crf, "ProtocolName");
}

const char *tp_crf_raw_column(const struct tp_crf *crf, enum tp_crf_rawcol role)
{
    return (unsigned)role < TP_RAW_NCOLS ? crf->rawcol[role] : "";
}

char tp_crf_raw_delimiter(const struct tp_crf *crf)
{
    return crf->delim;
}

char tp_crf_raw_decimal_mark(const struct tp_crf *crf)
{
    return crf->decimal;
}

/* ---- events ---- */

size_t tp_crf_event_count(const struct tp_crf *crf)
{
    return crf->nevents;
}

const struct tp_crf_event *tp_crf_event_at(const struct tp_crf *crf, size_t i)
{
    return i < crf->nevents ? crf->events[i] : NULL;
}

const struct tp_crf_event *tp_crf_event_find(const struct tp_crf *crf, const char *oid)
{
    size_t i = crf_map_get(&crf->event_oids, oid);
    return i == CRF_NONE ? NULL : crf->events[i];
}

const struct tp_crf_event *tp_crf_event_by_code(const struct tp_crf *crf, const char *code)
{
    size_t i = crf_map_get(&crf->event_codes, code);
    return i == CRF_NONE ? NULL : crf->events[i];
}

size_t tp_crf_event_index(const struct tp_crf_event *ev)
{
    return ev->index;
}

const char *tp_crf_event_oid(const struct tp_crf_event *ev)
{
    return ev->oid;
}

const char *tp_crf_event_name(const struct tp_crf_event *ev)
{
    return ev->name;
}

const char *tp_crf_event_name_en(const struct tp_crf_event *ev)
{
    return ev->name_en;
}

const char *tp_crf_event_visit_code(const struct tp_crf_event *ev)
{
    return ev->visit_code;
}

const char *tp_crf_event_visitnum(const struct tp_crf_event *ev)
{
    return ev->visitnum;
}

enum tp_crf_event_type tp_crf_event_type(const struct tp_crf_event *ev)
{
    return ev->type;
}

bool tp_crf_event_repeating(const struct tp_crf_event *ev)
{
    return ev->repeating;
}

bool tp_crf_event_day(const struct tp_crf_event *ev, long *day)
{
    if (ev->has_day && day)
        *day = ev->day;
    return ev->has_day;
}

bool tp_crf_event_window(const struct tp_crf_event *ev, long *low, long *high)
{
    if (ev->has_window) {
        if (low)
            *low = ev->win_lo;
        if (high)
            *high = ev->win_hi;
    }
    return ev->has_window;
}

size_t tp_crf_event_form_count(const struct tp_crf_event *ev)
{
    return ev->nforms;
}

const struct tp_crf_form *tp_crf_event_form_at(const struct tp_crf_event *ev, size_t i)
{
    return i < ev->nforms ? ev->forms[i].form : NULL;
}

bool tp_crf_event_form_mandatory(const struct tp_crf_event *ev, size_t i)
{
    return i < ev->nforms && ev->forms[i].mandatory;
}

bool tp_crf_event_has_form(const struct tp_crf_event *ev, const struct tp_crf_form *form)
{
    for (size_t i = 0; i < ev->nforms; i++)
        if (ev->forms[i].form == form)
            return true;
    return false;
}

/* ---- forms ---- */

size_t tp_crf_form_count(const struct tp_crf *crf)
{
    return crf->nforms;
}

const struct tp_crf_form *tp_crf_form_at(const struct tp_crf *crf, size_t i)
{
    return i < crf->nforms ? crf->forms[i] : NULL;
}

const struct tp_crf_form *tp_crf_form_find(const struct tp_crf *crf, const char *oid)
{
    size_t i = crf_map_get(&crf->form_oids, oid);
    return i == CRF_NONE ? NULL : crf->forms[i];
}

const struct tp_crf_form *tp_crf_form_by_table(const struct tp_crf *crf, const char *table)
{
    size_t i = crf_map_get(&crf->form_tables, table);
    return i == CRF_NONE ? NULL : crf->forms[i];
}

size_t tp_crf_form_index(const struct tp_crf_form *form)
{
    return form->index;
}

const char *tp_crf_form_oid(const struct tp_crf_form *form)
{
    return form->oid;
}

const char *tp_crf_form_name(const struct tp_crf_form *form)
{
    return form->name;
}

const char *tp_crf_form_name_en(const struct tp_crf_form *form)
{
    return form->name_en;
}

const char *tp_crf_form_table(const struct tp_crf_form *form)
{
    return form->table;
}

bool tp_crf_form_repeating(const struct tp_crf_form *form)
{
    return form->repeating;
}

bool tp_crf_form_rows_repeat(const struct tp_crf_form *form)
{
    return form->rows_repeat;
}

bool tp_crf_form_restricted(const struct tp_crf_form *form)
{
    return form->restricted;
}

size_t tp_crf_form_itemgroup_count(const struct tp_crf_form *form)
{
    return form->ngroups;
}

const struct tp_crf_itemgroup *tp_crf_form_itemgroup_at(const struct tp_crf_form *form, size_t i)
{
    return i < form->ngroups ? form->groups[i] : NULL;
}

size_t tp_crf_form_item_count(const struct tp_crf_form *form)
{
    return form->nitems;
}

const struct tp_crf_item *tp_crf_form_item_at(const struct tp_crf_form *form, size_t i)
{
    return i < form->nitems ? form->items[i] : NULL;
}

const struct tp_crf_item *tp_crf_form_item_find(const struct tp_crf_form *form, const char *name)
{
    for (size_t i = 0; i < form->nitems; i++)
        if (strcmp(form->items[i]->name, name) == 0)
            return form->items[i];
    return NULL;
}

/* ---- item groups ---- */

size_t tp_crf_itemgroup_count(const struct tp_crf *crf)
{
    return crf->ngroups;
}

const struct tp_crf_itemgroup *tp_crf_itemgroup_at(const struct tp_crf *crf, size_t i)
{
    return i < crf->ngroups ? crf->groups[i] : NULL;
}

const struct tp_crf_itemgroup *tp_crf_itemgroup_find(const struct tp_crf *crf, const char *oid)
{
    size_t i = crf_map_get(&crf->group_oids, oid);
    return i == CRF_NONE ? NULL : crf->groups[i];
}

const char *tp_crf_itemgroup_oid(const struct tp_crf_itemgroup *ig)
{
    return ig->oid;
}

const char *tp_crf_itemgroup_name(const struct tp_crf_itemgroup *ig)
{
    return ig->name;
}

const char *tp_crf_itemgroup_name_en(const struct tp_crf_itemgroup *ig)
{
    return ig->name_en;
}

const char *tp_crf_itemgroup_domain(const struct tp_crf_itemgroup *ig)
{
    return ig->domain;
}

bool tp_crf_itemgroup_repeating(const struct tp_crf_itemgroup *ig)
{
    return ig->repeating;
}

const struct tp_crf_form *tp_crf_itemgroup_form(const struct tp_crf_itemgroup *ig)
{
    return ig->form;
}

size_t tp_crf_itemgroup_item_count(const struct tp_crf_itemgroup *ig)
{
    return ig->nitems;
}

const struct tp_crf_item *tp_crf_itemgroup_item_at(const struct tp_crf_itemgroup *ig, size_t i)
{
    return i < ig->nitems ? ig->items[i] : NULL;
}

/* ---- items ---- */

size_t tp_crf_item_count(const struct tp_crf *crf)
{
    return crf->nitems;
}

const struct tp_crf_item *tp_crf_item_at(const struct tp_crf *crf, size_t i)
{
    return i < crf->nitems ? crf->items[i] : NULL;
}

const struct tp_crf_item *tp_crf_item_find(const struct tp_crf *crf, const char *oid)
{
    size_t i = crf_map_get(&crf->item_oids, oid);
    return i == CRF_NONE ? NULL : crf->items[i];
}

const char *tp_crf_item_oid(const struct tp_crf_item *it)
{
    return it->oid;
}

const char *tp_crf_item_name(const struct tp_crf_item *it)
{
    return it->name;
}

const char *tp_crf_item_question(const struct tp_crf_item *it)
{
    return it->question;
}

const char *tp_crf_item_question_en(const struct tp_crf_item *it)
{
    return it->question_en;
}

const char *tp_crf_item_comment(const struct tp_crf_item *it)
{
    return it->comment;
}

enum tp_crf_datatype tp_crf_item_datatype(const struct tp_crf_item *it)
{
    return it->type;
}

unsigned tp_crf_item_length(const struct tp_crf_item *it)
{
    return it->length;
}

unsigned tp_crf_item_digits(const struct tp_crf_item *it)
{
    return it->digits;
}

bool tp_crf_item_mandatory(const struct tp_crf_item *it)
{
    return it->mandatory;
}

bool tp_crf_item_range(const struct tp_crf_item *it, enum tp_crf_range which, double *low,
                       double *high)
{
    bool has = which == TP_RANGE_SOFT ? it->has_soft : it->has_hard;
    double lo = which == TP_RANGE_SOFT ? it->soft_lo : it->hard_lo;
    double hi = which == TP_RANGE_SOFT ? it->soft_hi : it->hard_hi;
    if (!has) {
        lo = -HUGE_VAL;
        hi = HUGE_VAL;
    }
    if (low)
        *low = lo;
    if (high)
        *high = hi;
    return has;
}

const struct tp_crf_codelist *tp_crf_item_codelist(const struct tp_crf_item *it)
{
    return it->codelist;
}

const struct tp_crf_unit *tp_crf_item_unit(const struct tp_crf_item *it)
{
    return it->unit;
}

size_t tp_crf_item_missing_count(const struct tp_crf_item *it)
{
    return it->nmissing;
}

const char *tp_crf_item_missing_at(const struct tp_crf_item *it, size_t i)
{
    return i < it->nmissing ? it->missing[i] : NULL;
}

bool tp_crf_item_allows_missing(const struct tp_crf_item *it, const char *code)
{
    for (size_t i = 0; i < it->nmissing; i++)
        if (strcmp(it->missing[i], code) == 0)
            return true;
    return false;
}

bool tp_crf_item_collected_at(const struct tp_crf_item *it, const struct tp_crf_event *ev)
{
    if (it->nat_events == 0)
        return tp_crf_event_has_form(ev, it->group->form);
    for (size_t i = 0; i < it->nat_events; i++)
        if (it->at_events[i] == ev->index)
            return true;
    return false;
}

const struct tp_crf_itemgroup *tp_crf_item_itemgroup(const struct tp_crf_item *it)
{
    return it->group;
}

const struct tp_crf_form *tp_crf_item_form(const struct tp_crf_item *it)
{
    return it->group->form;
}

size_t tp_crf_item_position(const struct tp_crf_item *it)
{
    return it->position;
}

/* ---- codelists ---- */

size_t tp_crf_codelist_count(const struct tp_crf *crf)
{
    return crf->ncodelists;
}

const struct tp_crf_codelist *tp_crf_codelist_at(const struct tp_crf *crf, size_t i)
{
    return i < crf->ncodelists ? crf->codelists[i] : NULL;
}

const struct tp_crf_codelist *tp_crf_codelist_find(const struct tp_crf *crf, const char *oid)
{
    size_t i = crf_map_get(&crf->cl_oids, oid);
    return i == CRF_NONE ? NULL : crf->codelists[i];
}

const char *tp_crf_codelist_oid(const struct tp_crf_codelist *cl)
{
    return cl->oid;
}

const char *tp_crf_codelist_name(const struct tp_crf_codelist *cl)
{
    return cl->name;
}

enum tp_crf_datatype tp_crf_codelist_datatype(const struct tp_crf_codelist *cl)
{
    return cl->type;
}

size_t tp_crf_codelist_size(const struct tp_crf_codelist *cl)
{
    return cl->ncodes;
}

const char *tp_crf_code_value(const struct tp_crf_codelist *cl, size_t i)
{
    return i < cl->ncodes ? cl->codes[i].value : NULL;
}

const char *tp_crf_code_decode(const struct tp_crf_codelist *cl, size_t i)
{
    return i < cl->ncodes ? cl->codes[i].decode : NULL;
}

const char *tp_crf_code_decode_en(const struct tp_crf_codelist *cl, size_t i)
{
    return i < cl->ncodes ? cl->codes[i].decode_en : NULL;
}

const char *tp_crf_code_submission(const struct tp_crf_codelist *cl, size_t i)
{
    return i < cl->ncodes ? cl->codes[i].submission : NULL;
}

size_t tp_crf_codelist_lookup(const struct tp_crf_codelist *cl, const char *value)
{
    bool numeric = cl->type == TP_DT_INTEGER || cl->type == TP_DT_FLOAT || cl->type == TP_DT_DOUBLE;
    double v = 0;
    if (numeric && !crf_parse_number(value, &v))
        return CRF_NONE;
    for (size_t i = 0; i < cl->ncodes; i++) {
        if (numeric ? cl->codes[i].num == v : strcmp(cl->codes[i].value, value) == 0)
            return i;
    }
    return CRF_NONE;
}

/* ---- units ---- */

size_t tp_crf_unit_count(const struct tp_crf *crf)
{
    return crf->nunits;
}

const struct tp_crf_unit *tp_crf_unit_at(const struct tp_crf *crf, size_t i)
{
    return i < crf->nunits ? crf->units[i] : NULL;
}

const struct tp_crf_unit *tp_crf_unit_find(const struct tp_crf *crf, const char *oid)
{
    size_t i = crf_map_get(&crf->unit_oids, oid);
    return i == CRF_NONE ? NULL : crf->units[i];
}

const char *tp_crf_unit_oid(const struct tp_crf_unit *u)
{
    return u->oid;
}

const char *tp_crf_unit_symbol(const struct tp_crf_unit *u)
{
    return u->symbol;
}

const char *tp_crf_unit_name(const struct tp_crf_unit *u)
{
    return u->name;
}

const char *tp_crf_unit_name_en(const struct tp_crf_unit *u)
{
    return u->name_en;
}

const char *tp_crf_unit_ucum(const struct tp_crf_unit *u)
{
    return u->ucum;
}
