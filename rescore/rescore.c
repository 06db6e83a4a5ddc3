/* rescore.c — options, the rescorer (word maps between the lattice's words.txt, the n-gram
 * models and the NNLM vocabulary), score combination and n-best rescoring with a prefix trie.
 * Lattice expansion lives in rescore-lattice.c. Not for: reading/writing lattices or command
 * line handling (cmd-rescore.c). */
#include "rescore/rescore.h"
#include "rescore/rescore-internal.h"

#include "lm/arpa.h"
#include "utils/error.h"
#include "utils/hashmap.h"
#include "fstext/fst.h"
#include "nnlm/nnlm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LN10 2.302585092994046

void wren_rescore_opts_default(struct wren_rescore_opts *o)
{
    /* lattice: the recipes' result, better than 100-best on pooled dev and test (test 32.74
     * against 33.70 %WER, p = 0.001, egs/pooled/RESULTS.md) at a third of its time */
    o->mode = "lattice";
    o->nbest = 100;
    o->lm_weight = 1.0f;
    /* between the corpora's dev optima: 0.3-0.4 on LJ, 0.8 on TIMIT and arctic, and 0.6 was no
     * better than 0.5 on pooled test (egs/pooled/RESULTS.md, session 32) */
    o->lambda = 0.5f;
    /* the recipes' operating point (arctic dev: the same WER as history 3 / beam 8 with 8,294
     * instead of 55,918 NNLM tokens) */
    o->history = 2;
    o->beam = 4.0f;
    /* arctic dev, 60 lattices: 16 needed the least CPU of 1, 8, 16, 32, 64, 128 (2026-11-26); with
     * the level-by-level lattice expansion 16 and 64 are within 8 % of each other and neither is
     * best for both a dense and a low-rank model (best of 4, 2026-12-03, step-2500 snapshots) */
    o->lattice_batch = 16;
    o->wip = 0.0f;
    o->acwt = 0.1f;
    o->oov_penalty = 0.0f;
    o->unnormalized = -1;   /* auto: unnormalised exactly when the model was trained self-normalised */
}

int wren_rescore_opts_table(struct wren_rescore_opts *o, struct wren_opt *t, int search)
{
    /* search = 1: an option of the search or of the combination weights (what `rescore-tune`
     * does not read: it scores the n-best lists lattice by lattice, its grids set the weights) */
    const struct { struct wren_opt opt; int search; } tab[] = {
        { { "mode", WREN_OPT_STRING, &o->mode, "nbest | lattice" }, 1 },
        { { "nbest", WREN_OPT_INT, &o->nbest, "nbest mode: distinct word sequences per lattice" }, 0 },
        { { "lm-weight", WREN_OPT_FLOAT, &o->lm_weight, "weight of the interpolated LM cost (-ln)" }, 1 },
        { { "lambda", WREN_OPT_FLOAT, &o->lambda, "NNLM share: (1-lambda)*ngram + lambda*nnlm; the best value depends on the corpus (0.3-0.8 on the pooled recipe's dev parts): tune it on a dev set with wren rescore-tune" }, 1 },
        { { "history", WREN_OPT_INT, &o->history, "lattice mode: merge histories agreeing on the last K words" }, 1 },
        { { "expand-beam", WREN_OPT_FLOAT, &o->beam, "lattice mode: pruning beam while expanding" }, 1 },
        { { "beam", WREN_OPT_ALIAS, (void *)"expand-beam", NULL }, 1 },
        { { "lattice-batch", WREN_OPT_INT, &o->lattice_batch, "lattices rescored together, their NNLM requests in one batched call (lattice mode: expanded side by side; n-best: one prefix trie; 1: one at a time)" }, 1 },
        { { "word-penalty", WREN_OPT_FLOAT, &o->wip, "cost per hypothesis word (positive penalises words)" }, 1 },
        { { "wip", WREN_OPT_ALIAS, (void *)"word-penalty", NULL }, 1 },
        { { "acwt", WREN_OPT_FLOAT, &o->acwt, "acoustic scale" }, 0 },
        { { "oov-penalty", WREN_OPT_FLOAT, &o->oov_penalty, "extra cost per word outside the NNLM vocabulary (scored as <unk>)" }, 0 },
        { { "unnormalized", WREN_OPT_BOOL, &o->unnormalized,
            "NNLM words cost minus their raw logit (log Z taken as 0, no softmax); auto: true for models trained self-normalised (nnlm-train --self-norm, metadata self_norm > 0), false otherwise" }, 0 },
    };
    _Static_assert(sizeof tab / sizeof *tab == WREN_RESCORE_NOPTS, "WREN_RESCORE_NOPTS counts the table");
    int n = 0;
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (search || !tab[i].search) t[n++] = tab[i].opt;
    t[n] = (struct wren_opt)WREN_OPT_TABLE_END;
    return n;
}

int wren_rescore_unnormalized(const struct wren_rescore_opts *o, const struct wren_nnlm *m)
{
    return o->unnormalized < 0 ? wren_nnlm_self_norm(m) > 0 : o->unnormalized != 0;
}

int wren_rescore_opts_check(const struct wren_rescore_opts *o)
{
    if (strcmp(o->mode, "nbest") && strcmp(o->mode, "lattice"))
        return wren_error("--mode must be nbest or lattice (got '%s')", o->mode);
    if (o->nbest < 1) return wren_error("--nbest must be >= 1");
    if (!(o->lambda >= 0 && o->lambda <= 1)) return wren_error("--lambda must be in [0, 1]");
    if (o->history < 1) return wren_error("--history must be >= 1");
    if (!(o->beam >= 0)) return wren_error("--beam must be >= 0");
    if (o->lattice_batch < 1) return wren_error("--lattice-batch must be >= 1");
    if (!(o->acwt > 0)) return wren_error("--acwt must be > 0");
    if (!(o->lm_weight >= 0)) return wren_error("--lm-weight must be >= 0");
    return 0;
}

/* ------------------------------------------------------------------ rescorer */

static int *arpa_map(const struct wren_arpa *lm, const struct wren_symtab *words, int32_t n)
{
    int *m = wren_xmalloc(sizeof *m * (size_t)n);
    for (int32_t w = 0; w < n; w++) {
        const char *s = wren_symtab_symbol(words, w);
        m[w] = s ? wren_arpa_word_id(lm, s) : -1;
    }
    return m;
}

long wren_rescorer_nnlm_calls(const struct wren_rescorer *r) { return r->nnlm_calls; }

struct wren_rescorer *wren_rescorer_create(struct wren_nnlm *nnlm, const struct wren_arpa *ngram,
                                           const struct wren_arpa *first_lm,
                                           const struct wren_symtab *words)
{
    struct wren_rescorer *r = wren_xcalloc(1, sizeof *r);
    r->nnlm = nnlm;
    r->ngram = ngram;
    r->first = first_lm;
    r->words = words;
    r->n_words = (int32_t)wren_symtab_available_key(words);
    r->nn_map = wren_xmalloc(sizeof *r->nn_map * (size_t)(r->n_words > 0 ? r->n_words : 1));
    const struct wren_nnlm_vocab *v = wren_nnlm_get_vocab(nnlm);
    long n_unk = 0;
    for (int32_t w = 0; w < r->n_words; w++) {
        const char *s = wren_symtab_symbol(words, w);
        r->nn_map[w] = s ? wren_nnlm_vocab_id(v, s) : WREN_NNLM_UNK;
        /* real words only: not <eps>, #disambiguation symbols, <s>, </s> or <unk> itself */
        if (s && w > 0 && r->nn_map[w] == WREN_NNLM_UNK && s[0] != '#' && s[0] != '<') n_unk++;
    }
    r->unk_split = n_unk > 1 ? log((double)n_unk) : 0.0;
    r->ng_map = arpa_map(ngram, words, r->n_words);
    r->fp_map = arpa_map(first_lm, words, r->n_words);
    return r;
}

void wren_rescorer_free(struct wren_rescorer *r)
{
    if (!r) return;
    free(r->nn_map); free(r->ng_map); free(r->fp_map);
    free(r);
}

int wren_rescorer_nn_id(const struct wren_rescorer *r, int32_t w, int *oov)
{
    int id = (w >= 0 && w < r->n_words) ? r->nn_map[w] : WREN_NNLM_UNK;
    *oov = id == WREN_NNLM_UNK;
    return id;
}

/* -ln P(words </s>) under an ARPA model, the convention of lat/lattice-lm.c: words mapped
 * by spelling, history starts with <s>, log10 converted with ln 10. */
static double arpa_sentence_cost(const struct wren_arpa *lm, const int *map, int32_t n_map,
                                 const int32_t *w, int n)
{
    int k = wren_arpa_order(lm) - 1;
    int *h = wren_xmalloc(sizeof *h * (size_t)(n + 2));
    int len = 0;
    h[len++] = wren_arpa_word_id(lm, "<s>");
    double cost = 0;
    for (int i = 0; i <= n; i++) {
        int id = i < n ? (w[i] >= 0 && w[i] < n_map ? map[w[i]] : -1) : wren_arpa_word_id(lm, "</s>");
        int start = len - k > 0 ? len - k : 0;
        cost -= (double)wren_arpa_logprob(lm, h + start, len - start, id) * LN10;
        h[len++] = id;
    }
    free(h);
    return cost;
}

struct wren_rescore_lm_weights wren_rescore_lm_weights(const struct wren_rescore_opts *o)
{
    /* the NNLM weight is a float product, as the lattice mode always computed it */
    return (struct wren_rescore_lm_weights){ o->lm_weight * (1.0 - o->lambda), o->lm_weight * o->lambda };
}

double wren_rescore_hyp_cost(const struct wren_rescore_opts *o, const struct wren_rescore_hyp *h)
{
    struct wren_rescore_lm_weights w = wren_rescore_lm_weights(o);
    return o->acwt * h->ac + h->hmm + (w.ngram * h->ngram + w.nnlm * h->nnlm) + o->wip * h->n_words +
           o->oov_penalty * h->n_oov;
}

int wren_rescore_best(const struct wren_rescore_opts *o, const struct wren_rescore_hyp *h, int n)
{
    int best = -1;
    double bc = INFINITY;
    for (int i = 0; i < n; i++) {
        double c = wren_rescore_hyp_cost(o, &h[i]);
        if (best < 0 || c < bc) { bc = c; best = i; }
    }
    return best;
}

void wren_rescore_hyps_free(struct wren_rescore_hyp *h, int n)
{
    if (!h) return;
    for (int i = 0; i < n; i++) free(h[i].words);
    free(h);
}

/* ------------------------------------------------------------------ prefix trie */

/* owner: the lattice whose hypothesis created the node (its NNLM token is counted there) */
struct trie_node { int32_t parent, word, depth, owner; float logp; };

struct trie {
    struct trie_node *n; int32_t count, cap;
    struct wren_u64map children;   /* (parent, word) -> child */
};

static int32_t trie_child(struct trie *t, int32_t parent, int32_t word, int32_t owner)
{
    int is_new;
    int64_t *child = wren_u64map_put(&t->children, (uint64_t)(uint32_t)parent << 32 | (uint32_t)word, &is_new);
    if (!is_new) return (int32_t)*child;
    if (t->count == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->n = wren_xrealloc(t->n, sizeof *t->n * (size_t)t->cap);
    }
    int32_t id = t->count++;
    t->n[id] = (struct trie_node){ parent, word, parent < 0 ? 0 : t->n[parent].depth + 1, owner, 0 };
    *child = id;
    return id;
}

static void trie_free(struct trie *t) { free(t->n); wren_u64map_free(&t->children); }

/* Nodes of one depth ordered by parent: siblings next to each other share their history,
 * which the NNLM then gathers once and reads from cache (node ids break ties, so the order
 * is deterministic). */
struct node_ref { int32_t parent, id; };

static int by_parent(const void *a, const void *b)
{
    const struct node_ref *x = a, *y = b;
    if (x->parent != y->parent) return x->parent < y->parent ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Score every trie node (except the root, node 0) once: depth by depth, one score_many call
 * over all nodes of a depth; the states of a depth are freed once the next one is scored. */
static int trie_score(struct wren_rescorer *r, struct trie *t)
{
    struct wren_nnlm *m = r->nnlm;
    int32_t maxd = 0;
    for (int32_t i = 0; i < t->count; i++) if (t->n[i].depth > maxd) maxd = t->n[i].depth;
    size_t cnt = (size_t)t->count;
    struct wren_nnlm_state **st = wren_xcalloc(cnt, sizeof *st);
    int32_t *ids = wren_xmalloc(sizeof *ids * cnt), *prev = wren_xmalloc(sizeof *prev * cnt);
    struct wren_nnlm_state **in = wren_xmalloc(sizeof *in * cnt), **next = wren_xmalloc(sizeof *next * cnt);
    int *words = wren_xmalloc(sizeof *words * cnt);
    float *lp = wren_xmalloc(sizeof *lp * cnt);
    struct node_ref *refs = wren_xmalloc(sizeof *refs * cnt);
    st[0] = wren_nnlm_state_begin(m);
    prev[0] = 0;
    int nprev = 1, rc = 0;
    for (int32_t d = 1; d <= maxd; d++) {
        int n = 0;
        for (int32_t i = 1; i < t->count; i++)
            if (t->n[i].depth == d) refs[n++] = (struct node_ref){ t->n[i].parent, i };
        qsort(refs, (size_t)n, sizeof *refs, by_parent);
        for (int j = 0; j < n; j++) {
            ids[j] = refs[j].id; in[j] = st[refs[j].parent]; words[j] = t->n[ids[j]].word;
        }
        r->nnlm_calls++;
        if ((rc = wren_nnlm_state_score_many(m, n, in, words, lp, next))) break;
        for (int j = 0; j < n; j++) {
            t->n[ids[j]].logp = lp[j];
            if (words[j] == WREN_NNLM_EOS) wren_nnlm_state_free(next[j]);
            else st[ids[j]] = next[j];
        }
        for (int j = 0; j < nprev; j++) { wren_nnlm_state_free(st[prev[j]]); st[prev[j]] = NULL; }
        memcpy(prev, ids, sizeof *ids * (size_t)n);
        nprev = n;
    }
    for (int32_t i = 0; i < t->count; i++) wren_nnlm_state_free(st[i]);
    free(st); free(ids); free(prev); free(in); free(next); free(words); free(lp); free(refs);
    return rc;
}

/* The hypotheses of one lattice with their first-pass and n-gram costs, each word sequence
 * (and </s>) added to the trie; leaf[i] is hypothesis i's </s> node. Returns the count. */
static int nbest_into_trie(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                           const struct wren_lattice *l, int32_t owner, struct trie *t,
                           struct wren_rescore_hyp **hyps, int32_t **leaf, struct wren_rescore_stats *st)
{
    *hyps = NULL; *leaf = NULL;
    if (l->start < 0) return 0;
    struct wren_path *p;
    int n = wren_lattice_nbest(l, o->acwt, o->nbest, 2000000, &p);
    if (n < 0) return -1;
    struct wren_rescore_hyp *h = wren_xcalloc((size_t)(n ? n : 1), sizeof *h);
    int32_t *lf = wren_xmalloc(sizeof *lf * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        h[i].n_words = p[i].n_words;
        h[i].words = wren_xmalloc(sizeof *h[i].words * (size_t)(p[i].n_words + 1));
        memcpy(h[i].words, p[i].words, sizeof *h[i].words * (size_t)p[i].n_words);
        h[i].ac = p[i].a;
        h[i].hmm = p[i].g - arpa_sentence_cost(r->first, r->fp_map, r->n_words, p[i].words, p[i].n_words);
        h[i].ngram = arpa_sentence_cost(r->ngram, r->ng_map, r->n_words, p[i].words, p[i].n_words);
        int32_t node = 0;
        for (int j = 0; j < p[i].n_words; j++) {
            int oov;
            node = trie_child(t, node, wren_rescorer_nn_id(r, p[i].words[j], &oov), owner);
            h[i].n_oov += oov;
        }
        lf[i] = trie_child(t, node, WREN_NNLM_EOS, owner);
        st->naive_tokens += p[i].n_words + 1;
        wren_path_free(&p[i]);
    }
    free(p);
    st->hyps += n;
    *hyps = h; *leaf = lf;
    return n;
}

int wren_rescore_nbest_many(struct wren_rescorer *r, const struct wren_rescore_opts *o, int n_lat,
                            const struct wren_lattice *l, struct wren_rescore_hyp **hyps, int *n_hyps,
                            struct wren_rescore_stats *st, int *failed)
{
    *failed = -1;
    wren_nnlm_set_unnormalized(r->nnlm, wren_rescore_unnormalized(o, r->nnlm));
    struct trie t = { 0 };
    wren_u64map_init(&t.children, 256);
    trie_child(&t, -1, -1, -1);   /* root: <s> */
    int32_t **leaf = wren_xcalloc((size_t)(n_lat ? n_lat : 1), sizeof *leaf);
    int rc = 0;
    for (int k = 0; k < n_lat; k++) { hyps[k] = NULL; n_hyps[k] = 0; }
    for (int k = 0; k < n_lat && !rc; k++) {
        n_hyps[k] = nbest_into_trie(r, o, &l[k], k, &t, &hyps[k], &leaf[k], &st[k]);
        if (n_hyps[k] < 0) { n_hyps[k] = 0; *failed = k; rc = -1; }
    }
    /* (hypotheses come zeroed: without the NNLM their nnlm costs stay 0) */
    if (!rc && wren_rescore_runs_nnlm(o)) rc = trie_score(r, &t);
    if (!rc && wren_rescore_runs_nnlm(o)) {
        for (int32_t i = 1; i < t.count; i++) st[t.n[i].owner].tokens++;
        for (int k = 0; k < n_lat; k++)
            for (int i = 0; i < n_hyps[k]; i++) {
                double c = 0;
                for (int32_t node = leaf[k][i]; node > 0; node = t.n[node].parent) c -= t.n[node].logp;
                hyps[k][i].nnlm = c + r->unk_split * hyps[k][i].n_oov;
            }
    }
    for (int k = 0; k < n_lat; k++) {
        free(leaf[k]);
        if (rc) { wren_rescore_hyps_free(hyps[k], n_hyps[k]); hyps[k] = NULL; n_hyps[k] = 0; }
    }
    free(leaf);
    trie_free(&t);
    return rc;
}

int wren_rescore_nbest(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                       const struct wren_lattice *l, struct wren_rescore_hyp **hyps,
                       struct wren_rescore_stats *st)
{
    int n, failed;
    if (wren_rescore_nbest_many(r, o, 1, l, hyps, &n, st, &failed)) return -1;
    return n;
}

int wren_rescore_sentence_costs(struct wren_rescorer *r, int n, const struct wren_rescore_hyp *h,
                                double *cost)
{
    int **w = wren_xmalloc(sizeof *w * (size_t)(n ? n : 1));
    int *lens = wren_xmalloc(sizeof *lens * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        lens[i] = h[i].n_words;
        w[i] = wren_xmalloc(sizeof **w * (size_t)(h[i].n_words + 1));
        for (int j = 0; j < h[i].n_words; j++) {
            int oov;
            w[i][j] = wren_rescorer_nn_id(r, h[i].words[j], &oov);
        }
    }
    int rc = wren_nnlm_score_sentences(r->nnlm, n, (const int *const *)w, lens, NULL, cost);
    for (int i = 0; i < n; i++) { cost[i] = -cost[i]; free(w[i]); }
    free(w); free(lens);
    return rc;
}

/* ------------------------------------------------------------------ models */

struct wren_rescore_models *wren_rescore_models_load(const char *nnlm, const char *lm,
                                                     const char *first_lm, const char *words)
{
    if (!nnlm || !lm || !words) {
        wren_error("--nnlm, --lm and --words are required");
        return NULL;
    }
    struct wren_rescore_models *m = wren_xcalloc(1, sizeof *m);
    if (!(m->nnlm = wren_nnlm_load(nnlm))) goto fail;
    if (wren_arpa_read(lm, &m->ngram)) goto fail;
    if (first_lm && strcmp(first_lm, lm)) {
        if (wren_arpa_read(first_lm, &m->first)) goto fail;
    } else {
        m->first = m->ngram;
    }
    if (wren_symtab_read_text(words, &m->words)) goto fail;
    m->r = wren_rescorer_create(m->nnlm, m->ngram, m->first, m->words);
    return m;
fail:
    wren_rescore_models_free(m);
    return NULL;
}

void wren_rescore_models_free(struct wren_rescore_models *m)
{
    if (!m) return;
    wren_rescorer_free(m->r);
    if (m->first != m->ngram) wren_arpa_free(m->first);
    wren_arpa_free(m->ngram);
    wren_symtab_free(m->words);
    if (m->nnlm) wren_nnlm_free(m->nnlm);
    free(m);
}
