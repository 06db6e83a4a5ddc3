/* graph-l.c — the word list (words.txt) and the lexicon transducer L of graph building:
 * LM words restricted to the lexicon, pronunciations as word-position phones (b/i/e/s, as
 * Sphinx triphones are conditioned on them), optional silence (and optionally noise phones,
 * output epsilon) at the start and between words, disambiguation
 * symbols #1.. for homophones and for pronunciations that are prefixes of others, and the #0
 * self-loop that lets G's back-off arcs through. Not for: reading the lexicon (lexicon.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lm/arpa.h"
#include "utils/error.h"
#include "graph/graph-internal.h"
#include "utils/log.h"
#include "am/mdef.h"

int wren_graph_phone_disambig0(const struct wren_mdef *mdef)
{
    return graph_posphone(wren_mdef_n_ciphones(mdef), 0);
}

void wren_graph_words_free(struct graph_words *w)
{
    wren_symtab_free(w->syms);
    free(w->lm2word);
    memset(w, 0, sizeof *w);
}

int wren_graph_make_words(const struct wren_arpa *lm, const struct wren_lexicon *lex,
                     struct graph_words *w, long *dropped)
{
    memset(w, 0, sizeof *w);
    size_t nv = wren_arpa_vocab_size(lm);
    w->syms = wren_symtab_new("words");
    w->lm2word = wren_xmalloc((nv + 1) * sizeof(int));
    w->bos = wren_arpa_word_id(lm, "<s>");
    w->eos = wren_arpa_word_id(lm, "</s>");
    wren_symtab_add(w->syms, "<eps>");
    *dropped = 0;
    for (size_t i = 0; i < nv; i++) {
        const char *s = wren_arpa_word(lm, (int)i);
        long first;
        int n;
        w->lm2word[i] = -1;
        if ((int)i == w->bos || (int)i == w->eos) continue;
        if (wren_lexicon_find(lex, s, &first, &n) < 0) {
            if (*dropped < 10) wren_log("mkgraph: LM word '%s' is not in the lexicon: dropped", s);
            (*dropped)++;
            continue;
        }
        w->lm2word[i] = (int)wren_symtab_add(w->syms, s);
    }
    if (*dropped > 10) wren_log("mkgraph: ... %ld LM words not in the lexicon dropped in all", *dropped);
    wren_symtab_add(w->syms, "<s>");
    wren_symtab_add(w->syms, "</s>");
    w->word_disambig0 = (int)wren_symtab_available_key(w->syms);
    if (wren_symtab_size(w->syms) <= 3)
        return wren_error("no word of the LM has a pronunciation in %s", wren_lexicon_path(lex));
    return 0;
}

/* One pronunciation in word-position phones. */
struct lpron {
    int word;
    int *seq;
    int len;
    int disambig;     /* 0 or k for #k */
};

static int map_pron(const struct wren_lexicon *lex, const struct wren_mdef *mdef, long i,
                    const char *word, struct lpron *p)
{
    int n;
    long line;
    const int *ph = wren_lexicon_pron(lex, i, &n, &line);
    p->seq = wren_xmalloc((size_t)n * sizeof(int));
    p->len = n;
    p->disambig = 0;
    for (int k = 0; k < n; k++) {
        const char *name = wren_lexicon_phone_name(lex, ph[k]);
        int ci = wren_mdef_ciphone_id(mdef, name);
        if (ci < 0)
            return wren_error("%s:%ld: phone '%s' of word '%s' is not in the model",
                              wren_lexicon_path(lex), line, name, word);
        int w = n == 1 ? WPOS_S : k == 0 ? WPOS_B : k == n - 1 ? WPOS_E : WPOS_I;
        if (wren_mdef_is_filler(mdef, ci)) w = WPOS_S;
        p->seq[k] = graph_posphone(ci, w);
    }
    return 0;
}

/* #k for pronunciations that are identical to another or a proper prefix of another. */
static int assign_disambig(struct lpron *p, long n)
{
    struct wren_bytemap *count = wren_bytemap_new(), *prefix = wren_bytemap_new(), *next = wren_bytemap_new();
    for (long i = 0; i < n; i++) {
        size_t bytes = (size_t)p[i].len * sizeof(int);
        long c = wren_bytemap_get(count, p[i].seq, bytes, -1);
        if (c < 0) wren_bytemap_put(count, p[i].seq, bytes, 1);
        else {
            /* bump: re-put is not supported, so count in `next` as a second map */
            long k = wren_bytemap_get(next, p[i].seq, bytes, -1);
            if (k < 0) wren_bytemap_put(next, p[i].seq, bytes, 0);
        }
        for (int l = 1; l < p[i].len; l++)
            wren_bytemap_put(prefix, p[i].seq, (size_t)l * sizeof(int), 1);
    }
    /* `next` now holds the sequences seen more than once; number their occurrences. */
    struct wren_bytemap *used = wren_bytemap_new();
    int max = 0;
    for (long i = 0; i < n; i++) {
        size_t bytes = (size_t)p[i].len * sizeof(int);
        int dup = wren_bytemap_get(next, p[i].seq, bytes, -1) >= 0;
        int pre = wren_bytemap_get(prefix, p[i].seq, bytes, -1) >= 0;
        if (!dup && !pre) continue;
        /* k-th occurrence of this sequence gets #k: key = seq + occurrence number */
        int k = 1;
        int *key = wren_xmalloc(bytes + sizeof(int));
        memcpy(key, p[i].seq, bytes);
        for (;; k++) {
            key[p[i].len] = k;
            if (wren_bytemap_get(used, key, bytes + sizeof(int), -1) < 0) break;
        }
        wren_bytemap_put(used, key, bytes + sizeof(int), 1);
        free(key);
        p[i].disambig = k;
        if (k > max) max = k;
    }
    wren_bytemap_free(count);
    wren_bytemap_free(prefix);
    wren_bytemap_free(next);
    wren_bytemap_free(used);
    return max;
}

static float cost_of(double p)
{
    return p <= 0 ? INFINITY : (float)-log(p);
}

static int add_word(struct wren_fst *L, const struct lpron *p, int loop, int silst, int dis0,
                    float cost_nosil, float cost_sil)
{
    int n = p->len + (p->disambig ? 1 : 0);
    int s = loop;
    for (int k = 0; k < n; k++) {
        int il = k < p->len ? p->seq[k] : dis0 + p->disambig;
        int ol = k == 0 ? p->word : 0;
        if (k < n - 1) {
            int t = wren_fst_add_state(L);
            wren_fst_add_arc(L, s, il, ol, 0.0f, t);
            s = t;
        } else {
            wren_fst_add_arc(L, s, il, ol, cost_nosil, loop);
            if (silst >= 0) wren_fst_add_arc(L, s, il, ol, cost_sil, silst);
        }
    }
    return 0;
}

int wren_graph_build_l(const struct wren_lexicon *lex, const struct wren_mdef *mdef,
                  const struct graph_words *w, const struct graph_lex_opts *o,
                  struct wren_fst **out, int *n_disambig, long *n_prons)
{
    *out = NULL;
    long cap = 1024, np = 0;
    struct lpron *p = wren_xmalloc((size_t)cap * sizeof *p);
    long nsym = wren_symtab_available_key(w->syms);
    int rc = 0;
    for (long id = 1; id < nsym && rc == 0; id++) {
        const char *word = wren_symtab_symbol(w->syms, id);
        if (!word || !strcmp(word, "<s>") || !strcmp(word, "</s>")) continue;
        char *wcopy = wren_xstrdup(word);
        long first;
        int n;
        if (wren_lexicon_find(lex, wcopy, &first, &n) == 0) {
            for (int k = 0; k < n && rc == 0; k++) {
                if (np == cap) p = wren_xrealloc(p, (size_t)(cap *= 2) * sizeof *p);
                p[np].word = (int)id;
                rc = map_pron(lex, mdef, first + k, wcopy, &p[np]);
                np++;
            }
        }
        free(wcopy);
    }
    if (rc == 0 && o->sil_prob > 0 && o->sil_ci < 0)
        rc = wren_error("the model has no silence phone SIL (needed by --sil-prob)");
    if (rc == 0 && o->sil_prob + o->noise_prob >= 1)
        rc = wren_error("--sil-prob + --noise-prob must be < 1 (got %g)", (double)(o->sil_prob + o->noise_prob));
    /* the filler phones that may stand where silence may: SIL, then the noise phones */
    int fill[64], nfill = 0, n_noise = 0;
    if (rc == 0 && o->sil_prob > 0) fill[nfill++] = o->sil_ci;
    for (int ci = 0; rc == 0 && o->noise_prob > 0 && ci < wren_mdef_n_ciphones(mdef) && nfill < 64; ci++)
        if (ci != o->sil_ci && wren_mdef_is_filler(mdef, ci)) { fill[nfill++] = ci; n_noise++; }
    if (rc == 0 && o->noise_prob > 0 && n_noise == 0)
        rc = wren_error("the model has no noise phone (filler other than SIL; needed by --noise-prob)");
    if (rc == 0) {
        *n_disambig = assign_disambig(p, np);
        int dis0 = wren_graph_phone_disambig0(mdef);
        struct wren_fst *L = wren_fst_new();
        int start = wren_fst_add_state(L), loop = start, silst = -1;
        float cns = 0, cs = INFINITY;
        if (nfill > 0) {
            /* a filler phone with probability pf = sil_prob + noise_prob at the start, after
             * each word (so also at the end); which one: SIL sil_prob / pf, each noise phone
             * noise_prob / (n_noise pf) */
            double pf = (double)o->sil_prob + (double)(n_noise ? o->noise_prob : 0.0f);
            loop = wren_fst_add_state(L);
            silst = wren_fst_add_state(L);
            cns = cost_of(1.0 - pf);
            cs = cost_of(pf);
            wren_fst_add_arc(L, start, 0, 0, cns, loop);
            for (int k = 0; k < nfill; k++) {
                double pk = fill[k] == o->sil_ci && o->sil_prob > 0 ? o->sil_prob : o->noise_prob / n_noise;
                int ph = graph_posphone(fill[k], WPOS_S);
                wren_fst_add_arc(L, start, ph, 0, cost_of(pk), loop);
                wren_fst_add_arc(L, silst, ph, 0, cost_of(pk / pf), loop);
            }
        }
        wren_fst_set_start(L, start);
        wren_fst_set_final(L, loop, 0.0f);
        wren_fst_add_arc(L, loop, dis0, w->word_disambig0, 0.0f, loop);
        for (long i = 0; i < np; i++) add_word(L, &p[i], loop, silst, dis0, cns, cs);
        *out = L;
    }
    for (long i = 0; i < np; i++) free(p[i].seq);
    free(p);
    *n_prons = np;
    return rc;
}
