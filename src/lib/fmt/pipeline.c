/*
 * Row copying from a reader to a writer with read-ahead on a second thread: while the writer
 * encodes batch N the reader parses batch N+1, so a conversion keeps both cores of a small machine
 * busy. Two batches ping-pong between the threads; memory stays two batches whatever the row count.
 */
#include "format.h"

#include <pthread.h>
#include <string.h>

struct pipe_state {
    struct tp_reader *r;
    struct tp_dataset *slot[2];
    bool full[2];
    bool eof, stop;
    size_t batch_rows;
    int rc;                      /* reader status */
    struct tp_error err;         /* reader error */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *pipe_reader(void *arg)
{
    struct pipe_state *p = arg;
    int idx = 0;
    for (;;) {
        int rc;
        pthread_mutex_lock(&p->mu);
        while (p->full[idx] && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pthread_mutex_unlock(&p->mu);
        rc = tp_reader_fill(p->r, p->slot[idx], p->batch_rows, &p->err);
        pthread_mutex_lock(&p->mu);
        if (rc || tp_dataset_nrows(p->slot[idx]) == 0) {
            p->rc = rc;
            p->eof = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        p->full[idx] = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        idx ^= 1;
    }
    return NULL;
}

int tp_pipe_rows(struct tp_reader *r, struct tp_writer *w, size_t batch_rows,
                 void (*progress)(size_t rows, void *ctx), void *ctx, struct tp_error *err)
{
    struct pipe_state p;
    pthread_t th;
    int idx = 0, wrc = TP_OK;
    size_t total = 0;

    memset(&p, 0, sizeof p);
    p.r = r;
    p.batch_rows = batch_rows ? batch_rows : 8192;
    tp_error_init(&p.err);
    p.slot[0] = tp_dataset_clone_meta(tp_reader_meta(r));
    p.slot[1] = tp_dataset_clone_meta(tp_reader_meta(r));
    if (!p.slot[0] || !p.slot[1]) {
        tp_dataset_free(p.slot[0]);
        tp_dataset_free(p.slot[1]);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    if (pthread_create(&th, NULL, pipe_reader, &p) != 0) {
        /* no thread available: copy on this one */
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
        for (;;) {
            int rc = tp_reader_fill(r, p.slot[0], p.batch_rows, err);
            if (rc == TP_OK && tp_dataset_nrows(p.slot[0]) > 0)
                rc = tp_writer_write(w, p.slot[0], err);
            if (rc || tp_dataset_nrows(p.slot[0]) == 0) {
                wrc = rc;
                break;
            }
            total += tp_dataset_nrows(p.slot[0]);
            if (progress)
                progress(total, ctx);
        }
        tp_dataset_free(p.slot[0]);
        tp_dataset_free(p.slot[1]);
        return wrc;
    }
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (!p.full[idx] && !p.eof)
            pthread_cond_wait(&p.cv, &p.mu);
        if (!p.full[idx]) {          /* eof and nothing left in this slot */
            pthread_mutex_unlock(&p.mu);
            break;
        }
        pthread_mutex_unlock(&p.mu);
        wrc = tp_writer_write(w, p.slot[idx], err);
        total += tp_dataset_nrows(p.slot[idx]);
        pthread_mutex_lock(&p.mu);
        p.full[idx] = false;
        if (wrc)
            p.stop = true;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        if (wrc)
            break;
        if (progress)
            progress(total, ctx);
        idx ^= 1;
    }
    pthread_join(th, NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    tp_dataset_free(p.slot[0]);
    tp_dataset_free(p.slot[1]);
    if (wrc)
        return wrc;
    if (p.rc) {
        if (err && err->code == TP_OK)
            *err = p.err;
        return p.rc;
    }
    return TP_OK;
}
