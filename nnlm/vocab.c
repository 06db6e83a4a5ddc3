/* vocab.c — the NNLM's word vocabulary: <s>, </s>, <unk> then words; read from a word list or
 * built from the most frequent words of a text. Not for: text normalisation (text/). */
#include "nnlm/nnlm-internal.h"

#include "utils/hashmap.h"
#include "utils/wren-util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wren_nnlm_vocab {
    int n, cap;
    char **words;
    struct wren_hashmap index;   /* id by word */
};

static uint64_t word_hash_of(const void *ctx, uint32_t id)
{
    return wren_hash_str(((const struct wren_nnlm_vocab *)ctx)->words[id]);
}

static int word_eq(const void *ctx, uint32_t id, const void *key)
{
    return !strcmp(((const struct wren_nnlm_vocab *)ctx)->words[id], key);
}

/* Add a word if new; returns its id. */
static int vocab_add(struct wren_nnlm_vocab *v, const char *w)
{
    wren_hashmap_reserve(&v->index, (size_t)v->n + 1, word_hash_of, v);
    size_t at = wren_hashmap_probe(&v->index, wren_hash_str(w), w, word_eq, v);
    if (wren_hashmap_id_at(&v->index, at) >= 0) return (int)wren_hashmap_id_at(&v->index, at);
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 1024;
        v->words = wren_xrealloc(v->words, (size_t)v->cap * sizeof *v->words);
    }
    v->words[v->n] = wren_xstrdup(w);
    wren_hashmap_put_at(&v->index, at, (uint32_t)v->n);
    return v->n++;
}

static struct wren_nnlm_vocab *vocab_new(void)
{
    struct wren_nnlm_vocab *v = wren_xcalloc(1, sizeof *v);
    wren_hashmap_init(&v->index, 512);
    vocab_add(v, "<s>");
    vocab_add(v, "</s>");
    vocab_add(v, "<unk>");
    return v;
}

struct wren_nnlm_vocab *wren_nn_vocab_from_words(char *const *words, int n);
struct wren_nnlm_vocab *wren_nn_vocab_from_words(char *const *words, int n)
{
    struct wren_nnlm_vocab *v = vocab_new();
    for (int i = 0; i < n; i++) vocab_add(v, words[i]);
    return v;
}

struct wren_nnlm_vocab *wren_nnlm_vocab_read(const char *path)
{
    struct wren_input in;
    if (wren_input_open(&in, path)) return NULL;
    struct wren_nnlm_vocab *v = vocab_new();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in.f) > 0) {
        char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);
        if (w) vocab_add(v, w);
    }
    free(line);
    if (wren_input_close(&in)) { wren_nnlm_vocab_free(v); return NULL; }
    return v;
}

struct count { const char *w; long n; long first; };

static int by_count(const void *a, const void *b)
{
    const struct count *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

struct wren_nnlm_vocab *wren_nnlm_vocab_build(const char *text_path, int max_words)
{
    struct wren_input in;
    if (wren_input_open(&in, text_path)) return NULL;
    struct wren_nnlm_vocab *all = vocab_new();
    long *cnt = NULL;
    size_t ccap = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in.f) > 0) {
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
            int id = vocab_add(all, w);
            if ((size_t)id >= ccap) {
                size_t nc = ccap ? ccap * 2 : 4096;
                cnt = wren_xrealloc(cnt, nc * sizeof *cnt);
                memset(cnt + ccap, 0, (nc - ccap) * sizeof *cnt);
                ccap = nc;
            }
            cnt[id]++;
        }
    }
    free(line);
    if (wren_input_close(&in)) { wren_nnlm_vocab_free(all); free(cnt); return NULL; }
    int nw = all->n - 3;
    struct count *c = wren_xmalloc((size_t)(nw > 0 ? nw : 1) * sizeof *c);
    for (int i = 0; i < nw; i++) { c[i].w = all->words[i + 3]; c[i].n = cnt[i + 3]; c[i].first = i; }
    qsort(c, (size_t)nw, sizeof *c, by_count);
    struct wren_nnlm_vocab *v = vocab_new();
    for (int i = 0; i < nw && (max_words <= 0 || i < max_words); i++) vocab_add(v, c[i].w);
    free(c);
    free(cnt);
    wren_nnlm_vocab_free(all);
    return v;
}

void wren_nnlm_vocab_free(struct wren_nnlm_vocab *v)
{
    if (!v) return;
    for (int i = 0; i < v->n; i++) free(v->words[i]);
    free(v->words);
    wren_hashmap_free(&v->index);
    free(v);
}

int wren_nnlm_vocab_size(const struct wren_nnlm_vocab *v) { return v->n; }

const char *wren_nnlm_vocab_word(const struct wren_nnlm_vocab *v, int id)
{
    return id >= 0 && id < v->n ? v->words[id] : NULL;
}

int wren_nnlm_vocab_id(const struct wren_nnlm_vocab *v, const char *word)
{
    int64_t id = wren_hashmap_find(&v->index, wren_hash_str(word), word, word_eq, v);
    return id < 0 ? WREN_NNLM_UNK : (int)id;
}

int wren_nnlm_vocab_write(const struct wren_nnlm_vocab *v, const char *path)
{
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "w")) return -1;
    for (int i = 0; i < v->n; i++) fprintf(a.f, "%s\n", v->words[i]);
    return wren_atomic_commit(&a);
}

/* ---- corpus: one sentence a line to <s> w... </s> token ids */

int wren_nn_corpus_read(const char *path, const struct wren_nnlm_vocab *v, struct nnlm_corpus *c)
{
    memset(c, 0, sizeof *c);
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    size_t tcap = 1 << 16, scap = 1 << 12;
    c->tok = wren_xmalloc(tcap * sizeof *c->tok);
    c->sent = wren_xmalloc(scap * sizeof *c->sent);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in.f) > 0) {
        size_t need = c->ntok + strlen(line) / 2 + 3;   /* at most len/2+1 words, <s>, </s> */
        char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);
        if (!w) continue;   /* blank lines are not sentences */
        if (c->nsent == scap) c->sent = wren_xrealloc(c->sent, (scap *= 2) * sizeof *c->sent);
        c->sent[c->nsent++] = c->ntok;
        while (need > tcap) c->tok = wren_xrealloc(c->tok, (tcap *= 2) * sizeof *c->tok);
        c->tok[c->ntok++] = WREN_NNLM_BOS;
        for (; w; w = strtok_r(NULL, " \t\r\n", &save)) {
            int id = wren_nnlm_vocab_id(v, w);
            if (id == WREN_NNLM_BOS || id == WREN_NNLM_EOS) continue;  /* markup in the text */
            c->tok[c->ntok++] = id;
            c->words++;
            if (id == WREN_NNLM_UNK && strcmp(w, "<unk>")) c->oovs++;
        }
        c->tok[c->ntok++] = WREN_NNLM_EOS;
    }
    free(line);
    if (wren_input_close(&in)) { wren_nn_corpus_free(c); return -1; }
    return 0;
}

void wren_nn_corpus_free(struct nnlm_corpus *c)
{
    free(c->tok);
    free(c->sent);
    memset(c, 0, sizeof *c);
}
