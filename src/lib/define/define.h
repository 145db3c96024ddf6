/*
 * Internal header of the Define-XML module (src/lib/define): a string pool and an OID index
 * shared by the writer and the reader, the write model (what define_model.c builds from a spec and
 * a data folder and define_write.c serialises), and the read model (define_read.c).
 */
#ifndef TP_DEFINE_INT_H
#define TP_DEFINE_INT_H

#include "internal.h"
#include "trialpack/dataset.h"
#include "trialpack/define.h"

/* ---------------------------------------------------------------- pool (define_util.c) */
/* Every string of a model lives in one pool, freed at once. */
struct dpool {
    struct dpool_chunk *head;
};
void dpool_init(struct dpool *p);
void dpool_release(struct dpool *p);
/* Copies; NULL on OOM. dpool_strdup(p, NULL) returns "". */
char *dpool_strdup(struct dpool *p, const char *s);
char *dpool_strndup(struct dpool *p, const char *s, size_t n);
char *dpool_printf(struct dpool *p, const char *fmt, ...) TP_PRINTF(2, 3);
void *dpool_alloc(struct dpool *p, size_t n);

/* Append a zeroed element to a growable array (*arr, *n, *cap); NULL on OOM. */
void *dvec_push(void *arr_ptr, size_t *n, size_t *cap, size_t size);

/* ---------------------------------------------------------------- index (define_util.c) */
/* String -> size_t; keys are borrowed (pool strings). Case-sensitive. */
struct dindex {
    const char **keys;
    size_t *vals;
    size_t cap, n;
};
void dindex_init(struct dindex *x);
void dindex_release(struct dindex *x);
bool dindex_get(const struct dindex *x, const char *key, size_t *val);
/* Insert; false when already present (value unchanged). TP_E_NOMEM via *rc. */
int dindex_put(struct dindex *x, const char *key, size_t val, bool *added);

/* An OID from free text: keeps [A-Za-z0-9._-], other bytes become '_'; "" becomes "X". */
char *define_oid(struct dpool *p, const char *prefix, const char *a, const char *b, const char *c);

/* ---------------------------------------------------------------- write model */
struct dm_ref { /* ItemRef */
    const char *item_oid, *method_oid, *role;
    long order;
    int key; /* KeySequence, 0 none */
    bool mandatory;
    const char **wc; /* WhereClauseOIDs (value lists only) */
    size_t nwc, wccap;
};

struct dm_docref {            /* def:DocumentRef with an optional PDFPageRef */
    const char *leaf, *pages; /* pages "" = no PDFPageRef */
    bool named;               /* NamedDestination instead of PhysicalRef */
};

struct dm_std {
    const char *oid, *name, *type, *pset, *version;
};

struct dm_leaf {
    const char *id, *href, *title;
    int kind; /* 1 annotated CRF, 2 supplemental document, 0 other */
};

struct dm_vl {
    const char *oid;
    struct dm_ref *refs;
    size_t nrefs, cap;
};

struct dm_check {
    const char *item_oid, *comparator;
    const char **vals;
    size_t nvals, cap;
};

struct dm_wc {
    const char *oid, *comment_oid;
    struct dm_check *checks;
    size_t nchecks, cap;
};

struct dm_ig {
    const char *oid, *name, *domain, *label, *cls, *structure, *purpose, *comment_oid, *std_oid,
        *leaf_id, *leaf_href, *file;
    bool repeating, refdata, nonstandard;
    struct dm_ref *refs;
    size_t nrefs, cap;
};

struct dm_it {
    const char *oid, *name, *label, *datatype, *display_format, *codelist_oid, *vl_oid,
        *comment_oid, *origin, *source, *origin_desc;
    long length, sigdig;  /* -1 = absent */
    struct dm_docref doc; /* origin document (aCRF pages), leaf "" = none */
};

struct dm_term {
    const char *coded, *decode, *nci;
    bool extended;
};

struct dm_cl {
    const char *oid, *name, *datatype, *nci, *std_oid;
    struct dm_term *terms;
    size_t nterms, cap;
    bool decoded;
};

struct dm_mt {
    const char *oid, *name, *type, *desc, *expr_ctx, *expr;
    struct dm_docref doc;
};

struct dm_com {
    const char *oid, *desc;
    struct dm_docref doc;
};

struct dm_doc {
    struct dpool pool;
    const char *file_oid, *created, *originator, *study_oid, *study_name, *study_desc, *protocol,
        *mdv_oid, *mdv_name, *define_version, *context;
    struct dm_std *stds;
    size_t nstds, stdcap;
    struct dm_leaf *leafs;
    size_t nleafs, leafcap;
    struct dm_vl *vls;
    size_t nvls, vlcap;
    struct dm_wc *wcs;
    size_t nwcs, wccap;
    struct dm_ig *igs;
    size_t nigs, igcap;
    struct dm_it *its;
    size_t nits, itcap;
    struct dm_cl *cls;
    size_t ncls, clcap;
    struct dm_mt *mts;
    size_t nmts, mtcap;
    struct dm_com *coms;
    size_t ncoms, comcap;
    struct dindex oids; /* every OID/ID defined, for uniqueness */
};

void dm_doc_init(struct dm_doc *d);
void dm_doc_release(struct dm_doc *d);
/* Build the model from a finished spec and a data folder (define_model.c). */
int dm_build(struct dm_doc *d, const struct tp_spec *spec, const char *data_dir,
             struct tp_error *err);
/* Every reference resolves and every OID is unique: TP_E_INTERNAL naming the first problem. */
int dm_check_refs(const struct dm_doc *d, struct tp_error *err);
/* Serialise to path atomically (define_write.c). */
int dm_write(const struct dm_doc *d, const char *path, struct tp_error *err);
/* Serialise to a new memory buffer (tp_free). */
int dm_write_memory(const struct dm_doc *d, char **out, size_t *n, struct tp_error *err);

#endif
