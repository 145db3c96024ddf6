/*
 * File and memory implementations of tp_source / tp_sink (see io.h).
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_BUFSZ (256u * 1024u)

struct tp_source {
    char name[256];
    int fd;                      /* -1 for memory sources */
    const unsigned char *mem;    /* memory source */
    size_t mem_len, mem_pos;
    long long size, pos;
};

struct tp_sink {
    char path[4096];             /* final path ("" for memory) */
    char tmp[4096];              /* temp path while open */
    int fd;
    unsigned char *buf;
    size_t len, cap;             /* file: buffer fill; memory: all bytes */
    long long total;
    bool memory, committed, failed;
};

static void io_name(char *dst, size_t size, const char *name)
{
    snprintf(dst, size, "%s", name ? name : "");
}

int tp_source_open_file(struct tp_source **out, const char *path, struct tp_error *err)
{
    struct tp_source *s;
    struct stat st;
    struct tp_loc loc;
    *out = NULL;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    s = tp_calloc(1, sizeof *s);
    if (!s)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    io_name(s->name, sizeof s->name, path);
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int e = errno;
        tp_free(s);
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s': %s", path, strerror(e));
    }
    if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(s->fd);
        tp_free(s);
        return tp_fail_at(err, TP_E_IO, &loc, "'%s' is a directory", path);
    }
    s->size = (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode)) ? (long long)st.st_size : -1;
    *out = s;
    return TP_OK;
}

int tp_source_open_memory(struct tp_source **out, const void *data, size_t n, const char *name,
                          struct tp_error *err)
{
    struct tp_source *s = tp_calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    io_name(s->name, sizeof s->name, name ? name : "<memory>");
    s->fd = -1;
    s->mem = data;
    s->mem_len = n;
    s->size = (long long)n;
    *out = s;
    return TP_OK;
}

long tp_source_read(struct tp_source *src, void *buf, size_t n, struct tp_error *err)
{
    if (n > (size_t)1 << 30)
        n = (size_t)1 << 30;
    if (src->fd < 0) {
        size_t left = src->mem_len - src->mem_pos;
        if (n > left)
            n = left;
        if (n)
            memcpy(buf, src->mem + src->mem_pos, n);
        src->mem_pos += n;
        src->pos += (long long)n;
        return (long)n;
    }
    for (;;) {
        ssize_t r = read(src->fd, buf, n);
        if (r >= 0) {
            src->pos += r;
            return (long)r;
        }
        if (errno != EINTR) {
            struct tp_loc loc;
            tp_loc_init(&loc);
            tp_loc_set_path(&loc, src->name);
            tp_fail_at(err, TP_E_IO, &loc, "read error: %s", strerror(errno));
            return -1;
        }
    }
}

int tp_source_read_full(struct tp_source *src, void *buf, size_t n, size_t *got, struct tp_error *err)
{
    size_t have = 0;
    while (have < n) {
        long r = tp_source_read(src, (unsigned char *)buf + have, n - have, err);
        if (r < 0)
            return err ? err->code : TP_E_IO;
        if (r == 0)
            break;
        have += (size_t)r;
    }
    if (got)
        *got = have;
    if (have < n && !got) {
        struct tp_loc loc;
        tp_loc_init(&loc);
        tp_loc_set_path(&loc, src->name);
        return tp_fail_at(err, TP_E_PARSE, &loc, "unexpected end of file at byte %lld",
                          src->pos);
    }
    return TP_OK;
}

int tp_source_rewind(struct tp_source *src, struct tp_error *err)
{
    if (src->fd < 0) {
        src->mem_pos = 0;
        src->pos = 0;
        return TP_OK;
    }
    if (lseek(src->fd, 0, SEEK_SET) < 0)
        return tp_fail(err, TP_E_IO, "cannot rewind '%s': %s", src->name, strerror(errno));
    src->pos = 0;
    return TP_OK;
}

long long tp_source_size(const struct tp_source *src)
{
    return src->size;
}

long long tp_source_tell(const struct tp_source *src)
{
    return src->pos;
}

const char *tp_source_name(const struct tp_source *src)
{
    return src->name;
}

void tp_source_close(struct tp_source *src)
{
    if (!src)
        return;
    if (src->fd >= 0)
        close(src->fd);
    tp_free(src);
}

/* ---- sinks ---- */

int tp_sink_open_file(struct tp_sink **out, const char *path, struct tp_error *err)
{
    struct tp_sink *s;
    struct tp_loc loc;
    int n;
    *out = NULL;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    s = tp_calloc(1, sizeof *s);
    if (!s)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    n = snprintf(s->path, sizeof s->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof s->path - 16) {
        tp_free(s);
        return tp_fail_at(err, TP_E_USAGE, &loc, "output path too long");
    }
    snprintf(s->tmp, sizeof s->tmp, "%s.tmp-XXXXXX", path);
    s->fd = mkstemp(s->tmp);
    if (s->fd < 0) {
        int e = errno;
        tp_free(s);
        return tp_fail_at(err, TP_E_IO, &loc, "cannot create '%s': %s", path, strerror(e));
    }
    /* mkstemp creates 0600; give the file the usual permissions the umask allows */
    {
        mode_t um = umask(0);
        umask(um);
        fchmod(s->fd, 0666 & ~um);
    }
    s->cap = IO_BUFSZ;
    s->buf = tp_malloc(s->cap);
    if (!s->buf) {
        close(s->fd);
        unlink(s->tmp);
        tp_free(s);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    *out = s;
    return TP_OK;
}

int tp_sink_open_memory(struct tp_sink **out, struct tp_error *err)
{
    struct tp_sink *s = tp_calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    s->memory = true;
    s->fd = -1;
    snprintf(s->path, sizeof s->path, "<memory>");
    *out = s;
    return TP_OK;
}

static int sink_flush(struct tp_sink *s, struct tp_error *err)
{
    size_t off = 0;
    while (off < s->len) {
        ssize_t w = write(s->fd, s->buf + off, s->len - off);
        if (w < 0) {
            struct tp_loc loc;
            if (errno == EINTR)
                continue;
            tp_loc_init(&loc);
            tp_loc_set_path(&loc, s->path);
            s->failed = true;
            return tp_fail_at(err, TP_E_IO, &loc, "write error: %s", strerror(errno));
        }
        off += (size_t)w;
    }
    s->len = 0;
    return TP_OK;
}

int tp_sink_write(struct tp_sink *s, const void *data, size_t n, struct tp_error *err)
{
    if (s->committed || s->failed)
        return tp_fail(err, TP_E_INTERNAL, "write to a closed sink");
    if (s->memory) {
        if (tp_grow((void **)&s->buf, &s->cap, s->len + n, 1))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        if (n)
            memcpy(s->buf + s->len, data, n);
        s->len += n;
        s->total += (long long)n;
        return TP_OK;
    }
    s->total += (long long)n;
    if (s->len + n > s->cap) {
        int rc = sink_flush(s, err);
        if (rc)
            return rc;
        if (n >= s->cap) {
            const unsigned char *p = data;
            size_t off = 0;
            while (off < n) {
                ssize_t w = write(s->fd, p + off, n - off);
                if (w < 0) {
                    if (errno == EINTR)
                        continue;
                    s->failed = true;
                    return tp_fail(err, TP_E_IO, "write error on '%s': %s", s->path,
                                   strerror(errno));
                }
                off += (size_t)w;
            }
            return TP_OK;
        }
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return TP_OK;
}

int tp_sink_puts(struct tp_sink *s, const char *str, struct tp_error *err)
{
    return tp_sink_write(s, str, strlen(str), err);
}

int tp_sink_putc(struct tp_sink *s, char c, struct tp_error *err)
{
    if (!s->memory && s->len < s->cap && !s->committed && !s->failed) {
        s->buf[s->len++] = (unsigned char)c;
        s->total++;
        return TP_OK;
    }
    return tp_sink_write(s, &c, 1, err);
}

long long tp_sink_tell(const struct tp_sink *s)
{
    return s->total;
}

int tp_sink_commit(struct tp_sink *s, struct tp_error *err)
{
    int rc;
    if (s->committed)
        return TP_OK;
    if (s->memory) {
        s->committed = true;
        return TP_OK;
    }
    rc = sink_flush(s, err);
    if (rc)
        return rc;
    if (close(s->fd) != 0) {
        s->fd = -1;
        s->failed = true;
        return tp_fail(err, TP_E_IO, "cannot close '%s': %s", s->path, strerror(errno));
    }
    s->fd = -1;
    if (rename(s->tmp, s->path) != 0) {
        s->failed = true;
        return tp_fail(err, TP_E_IO, "cannot rename '%s' to '%s': %s", s->tmp, s->path,
                       strerror(errno));
    }
    s->committed = true;
    return TP_OK;
}

const unsigned char *tp_sink_memory(const struct tp_sink *s, size_t *n)
{
    if (n)
        *n = s->memory ? s->len : 0;
    return s->memory ? s->buf : NULL;
}

const char *tp_sink_name(const struct tp_sink *s)
{
    return s->path;
}

void tp_sink_free(struct tp_sink *s)
{
    if (!s)
        return;
    if (!s->memory && !s->committed) {
        if (s->fd >= 0)
            close(s->fd);
        unlink(s->tmp);
    }
    tp_free(s->buf);
    tp_free(s);
}
