/* settings.c — the record of the `wren prune` settings a model was made with (metadata
 * prune_settings), and the resume check against it: a rerun into the same --out-prefix with
 * other settings would otherwise keep the old models and report them as the new settings'.
 * Only what changes the model is recorded: the input model (and a distillation teacher) by the
 * CRC-32 of its file, so that a retrained dense model is not mistaken for the old one, and the
 * settings (no paths, no --sizes: the file name holds the size; the fine-tuning ones only when
 * there is fine-tuning). The texts are not identified (they may be pipes).
 * Not for: the schedules themselves (schedule.c). */
#include "prune/wren-prune.h"

#include "utils/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* CRC-32 of a file's bytes into *crc; -1 with an error naming the file. */
static int file_crc32(const char *path, unsigned long *crc)
{
    FILE *f = fopen(path, "rb");
    if (!f) return wren_error("%s: %s", path, strerror(errno));
    unsigned char *buf = wren_xmalloc(1 << 20);
    uLong c = crc32(0L, Z_NULL, 0);
    size_t n;
    while ((n = fread(buf, 1, 1 << 20, f)) > 0) c = crc32(c, buf, (uInt)n);
    int bad = ferror(f);
    free(buf);
    fclose(f);
    if (bad) return wren_error("%s: read error", path);
    *crc = c;
    return 0;
}

char *wren_prune_settings_string(const struct wren_prune_opts *o)
{
    unsigned long model_crc = 0, teacher_crc = 0;
    if (file_crc32(o->model, &model_crc)) return NULL;
    if (o->finetune_tokens > 0 && o->distill && file_crc32(o->distill, &teacher_crc)) return NULL;
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
                     "model_crc32=%08lx criterion=%s method=%s schedule=%s steps=%d schedule_shape=%s "
                     "scope=%s embedding=%d embedding_exponent=%.9g size_basis=%s batch=%d seed=%ld",
                     model_crc, o->criterion, o->method, o->schedule, o->steps, o->schedule_shape,
                     o->scope, o->embedding, o->emb_exponent, o->size_basis, o->batch, o->seed);
    if (n > 0 && (size_t)n < sizeof buf && strcmp(o->criterion, "magnitude"))
        n += snprintf(buf + n, sizeof buf - (size_t)n, " calib_tokens=%ld", o->calib_tokens);
    if (n > 0 && (size_t)n < sizeof buf)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " finetune_tokens=%ld", o->finetune_tokens);
    if (n > 0 && (size_t)n < sizeof buf && o->finetune_tokens > 0)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " lr=%.9g dropout=%.9g", o->lr, o->dropout);
    if (n > 0 && (size_t)n < sizeof buf && o->finetune_tokens > 0 && o->distill)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      " teacher_crc32=%08lx distill_weight=%.9g distill_temperature=%.9g", teacher_crc,
                      o->distill_weight, o->distill_temp);
    return wren_xstrdup(buf);
}

/* The value of key in a "k=v k=v" record (into val, at most cap bytes), or 0 if absent. */
static int value_of(const char *rec, const char *key, char *val, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = rec; *p;) {
        size_t tl = strcspn(p, " ");
        if (tl > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            size_t vl = tl - kl - 1 < cap - 1 ? tl - kl - 1 : cap - 1;
            memcpy(val, p + kl + 1, vl);
            val[vl] = '\0';
            return 1;
        }
        p += tl;
        p += strspn(p, " ");
    }
    return 0;
}

/* Append "key R (asked A)" to out for every key of `from` whose values in the two records
 * differ ("-" where absent); with only_new, just the keys that `recorded` lacks. */
static void describe_diff(const char *from, const char *recorded, const char *asked, int only_new,
                          char *out, size_t cap, size_t *len)
{
    for (const char *p = from; *p;) {
        size_t tl = strcspn(p, " "), kl = strcspn(p, "=");
        if (kl > tl) kl = tl;
        char key[64], vr[128], va[128];
        snprintf(key, sizeof key, "%.*s", (int)kl, p);
        int in_rec = value_of(recorded, key, vr, sizeof vr);
        if (!in_rec) strcpy(vr, "-");
        if (!value_of(asked, key, va, sizeof va)) strcpy(va, "-");
        if (strcmp(vr, va) && !(only_new && in_rec)) {
            int w = snprintf(out + *len, cap - *len, "%s%s %s (asked %s)", *len ? ", " : "", key, vr, va);
            if (w > 0 && *len + (size_t)w < cap) *len += (size_t)w;
        }
        p += tl;
        p += strspn(p, " ");
    }
}

int wren_prune_settings_check(const char *path, const char *recorded, const char *asked)
{
    if (!recorded) {
        wren_warn("%s: no record of the settings it was made with (made before wren prune kept one); "
                  "kept as it is", path);
        return 0;
    }
    if (!strcmp(recorded, asked)) return 0;
    char diff[1024] = "";
    size_t len = 0;
    describe_diff(recorded, recorded, asked, 0, diff, sizeof diff, &len);
    describe_diff(asked, recorded, asked, 1, diff, sizeof diff, &len);   /* keys only asked has */
    return wren_error("%s: made with other settings (%s); remove it or choose another --out-prefix",
                      path, len ? diff : recorded);
}
