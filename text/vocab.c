/* vocab.c — the word table (ids by word), word lists/lexicons, counting, top-K selection and OOV rates
 * (see vocab.h). Not for: n-gram counting. */
#include "text/vocab.h"

#include "utils/hashmap.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wren_vocab {
    char **words;
    long *counts;
    size_t n, cap;
    struct wren_hashmap index;   /* word -> id */
};

struct word_key { const char *w; size_t len; };

static uint64_t word_hash_of(const void *ctx, uint32_t id)
{
    return wren_hash_str(((const struct wren_vocab *)ctx)->words[id]);
}

static int word_eq(const void *ctx, uint32_t id, const void *key)
{
    const struct word_key *k = key;
    const char *x = ((const struct wren_vocab *)ctx)->words[id];
    return strncmp(x, k->w, k->len) == 0 && x[k->len] == '\0';
}

struct wren_vocab *wren_vocab_create(void)
{
    struct wren_vocab *v = wren_xcalloc(1, sizeof *v);
    wren_hashmap_init(&v->index, 512);
    return v;
}

void wren_vocab_free(struct wren_vocab *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) free(v->words[i]);
    free(v->words);
    free(v->counts);
    wren_hashmap_free(&v->index);
    free(v);
}

long wren_vocab_add(struct wren_vocab *v, const char *w, size_t len, long count)
{
    struct word_key k = { w, len };
    wren_hashmap_reserve(&v->index, v->n + 1, word_hash_of, v);
    size_t at = wren_hashmap_probe(&v->index, wren_hash_bytes(w, len), &k, word_eq, v);
    long id = (long)wren_hashmap_id_at(&v->index, at);
    if (id >= 0) {
        v->counts[id] += count;
        return id;
    }
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 1024;
        v->words = wren_xrealloc(v->words, v->cap * sizeof *v->words);
        v->counts = wren_xrealloc(v->counts, v->cap * sizeof *v->counts);
    }
    char *c = wren_xmalloc(len + 1);
    memcpy(c, w, len);
    c[len] = '\0';
    id = (long)v->n++;
    v->words[id] = c;
    v->counts[id] = count;
    wren_hashmap_put_at(&v->index, at, (uint32_t)id);
    return id;
}

long wren_vocab_find(const struct wren_vocab *v, const char *w, size_t len)
{
    struct word_key k = { w, len };
    return (long)wren_hashmap_find(&v->index, wren_hash_bytes(w, len), &k, word_eq, v);
}

size_t wren_vocab_size(const struct wren_vocab *v) { return v->n; }
const char *wren_vocab_word(const struct wren_vocab *v, long id) { return v->words[id]; }
long wren_vocab_count(const struct wren_vocab *v, long id) { return v->counts[id]; }

int wren_vocab_read(const char *path, struct wren_vocab **out)
{
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    struct wren_vocab *v = wren_vocab_create();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in.f)) >= 0) {
        if (!strncmp(line, ";;;", 3)) continue;
        char *s = line;
        while (*s && isspace((unsigned char)*s)) s++;
        size_t n = 0;
        while (s[n] && !isspace((unsigned char)s[n])) n++;
        if (n == 0) continue;
        /* word(2) -> word */
        if (n > 3 && s[n - 1] == ')') {
            size_t k = n - 2;
            while (k > 0 && isdigit((unsigned char)s[k])) k--;
            if (k > 0 && k < n - 2 && s[k] == '(') n = k;
        }
        wren_vocab_add(v, s, n, 1);
    }
    free(line);
    if (wren_input_close(&in)) { wren_vocab_free(v); return -1; }
    *out = v;
    return 0;
}

/* Calls fn(word, len, arg) for each word of a text file. */
static int for_each_word(const char *path, int skip_first, void (*fn)(const char *, size_t, void *), void *arg)
{
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in.f)) >= 0) {
        const char *s = line;
        int first = 1;
        for (;;) {
            while (*s && isspace((unsigned char)*s)) s++;
            if (!*s) break;
            const char *w = s;
            while (*s && !isspace((unsigned char)*s)) s++;
            if (first && skip_first) { first = 0; continue; }
            first = 0;
            fn(w, (size_t)(s - w), arg);
        }
    }
    free(line);
    return wren_input_close(&in);
}

struct count_arg { struct wren_vocab *v; long tokens; };

static void count_word(const char *w, size_t n, void *arg)
{
    struct count_arg *a = arg;
    wren_vocab_add(a->v, w, n, 1);
    a->tokens++;
}

int wren_vocab_count_text(struct wren_vocab *v, const char *path, int skip_first, long *tokens)
{
    struct count_arg a = { v, 0 };
    if (for_each_word(path, skip_first, count_word, &a)) return -1;
    if (tokens) *tokens = a.tokens;
    return 0;
}

void wren_vocab_select_opts_default(struct wren_vocab_select_opts *o)
{
    memset(o, 0, sizeof *o);
    o->top = 20000;
}

int wren_vocab_select_opts_table(struct wren_vocab_select_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "top", WREN_OPT_INT, &o->top, "keep the K most frequent words" },
        { "lexicon", WREN_OPT_STRING, &o->lexicon, "CMUdict-format lexicon: keep only words it can pronounce" },
        { "ids", WREN_OPT_BOOL, &o->ids, "--report-oov texts start each line with an utterance id" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_VOCAB_SELECT_NOPTS + 1, "WREN_VOCAB_SELECT_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

static const struct wren_vocab *sort_v;

static int cmp_by_count(const void *x, const void *y)
{
    long a = *(const long *)x, b = *(const long *)y;
    if (sort_v->counts[a] != sort_v->counts[b]) return sort_v->counts[a] > sort_v->counts[b] ? -1 : 1;
    return strcmp(sort_v->words[a], sort_v->words[b]);
}

struct wren_vocab *wren_vocab_select(const struct wren_vocab *counts, const struct wren_vocab *lex, int top,
                                     long *skipped)
{
    long *ids = wren_xmalloc((counts->n + 1) * sizeof *ids);
    for (size_t i = 0; i < counts->n; i++) ids[i] = (long)i;
    sort_v = counts;
    qsort(ids, counts->n, sizeof *ids, cmp_by_count);
    struct wren_vocab *sel = wren_vocab_create();
    long skip = 0;
    for (size_t i = 0; i < counts->n && (long)sel->n < top; i++) {
        const char *w = counts->words[ids[i]];
        if (lex && wren_vocab_find(lex, w, strlen(w)) < 0) { skip++; continue; }
        wren_vocab_add(sel, w, strlen(w), counts->counts[ids[i]]);
    }
    free(ids);
    if (skipped) *skipped = skip;
    return sel;
}

int wren_vocab_write(const struct wren_vocab *sel, const char *path)
{
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "w")) return -1;
    for (size_t i = 0; i < sel->n; i++) fprintf(a.f, "%s\n", sel->words[i]);
    return wren_atomic_commit(&a);
}

struct oov_arg { const struct wren_vocab *v; struct wren_vocab *seen; struct wren_oov_stats *st; };

static void oov_word(const char *w, size_t n, void *arg)
{
    struct oov_arg *a = arg;
    int oov = wren_vocab_find(a->v, w, n) < 0;
    a->st->tokens++;
    a->st->oovs += oov;
    if (wren_vocab_find(a->seen, w, n) < 0) {
        a->st->types++;
        a->st->oov_types += oov;
    }
    wren_vocab_add(a->seen, w, n, 1);
}

int wren_vocab_oov(const struct wren_vocab *v, const char *path, int skip_first, struct wren_oov_stats *st)
{
    memset(st, 0, sizeof *st);
    struct oov_arg a = { v, wren_vocab_create(), st };
    int rc = for_each_word(path, skip_first, oov_word, &a);
    wren_vocab_free(a.seen);
    return rc;
}
