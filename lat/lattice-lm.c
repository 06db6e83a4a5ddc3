/* lattice-lm.c — replacing the LM share of a word lattice's graph costs (n-gram lattice
 * rescoring, as Kaldi's lattice-lmrescore with scales -1 then +1): the lattice is composed with
 * the n-gram models by expanding every state with its word history (the last max-order - 1
 * words), and each word arc's graph cost gets new_scale * (-ln P_new(w | h)) minus
 * old_scale * (-ln P_old(w | h)); final states get the same for </s>. Over a whole path this
 * removes exactly the first-pass LM cost the graph put on it (graph costs are the LM's ln
 * probabilities plus HMM and pronunciation costs; weight pushing moves costs along a path but
 * keeps their sum), so the result's graph costs are "graph without first-pass LM + new LM".
 * Acoustic costs and transition-id strings are untouched. Not for: ARPA reading (lm/arpa.h),
 * neural LM rescoring (lm/). */
#include "lat/lattice.h"

#include "lm/arpa.h"
#include "utils/error.h"
#include "utils/hashmap.h"
#include "fstext/fst.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LN10 2.302585092994046

#define BOS_TOKEN (-2)   /* <s> in a history */

/* The back-off context of history h (len tokens: lattice word ids or BOS_TOKEN, oldest first)
 * under lm. */
static void lm_context(const struct wren_arpa *lm, const int *map, int bos, const int32_t *h, int len,
                       struct wren_arpa_context *c)
{
    int hist[WREN_ARPA_CONTEXT_MAX];
    int n = 0;
    int k = wren_arpa_order(lm) - 1;
    if (k > WREN_ARPA_CONTEXT_MAX) k = WREN_ARPA_CONTEXT_MAX;
    for (int i = len - k > 0 ? len - k : 0; i < len; i++)
        hist[n++] = h[i] == BOS_TOKEN ? bos : map[h[i]];
    wren_arpa_context(lm, hist, n, c);
}

/* -ln P(w | context) under lm; w is a lattice word id, or -1 for </s>. */
static double lm_cost(const struct wren_arpa *lm, const int *map, int eos,
                      const struct wren_arpa_context *c, int32_t w)
{
    int wid = w < 0 ? eos : map[w];
    return -(double)wren_arpa_logprob_context(lm, c, wid) * LN10;
}

/* ARPA ids of the words on the lattice's arcs (only those are looked up: a lattice holds a few
 * hundred of the tens of thousands of words.txt, and NNLM lattice rescoring calls this twice per
 * lattice). */
static int *word_map(const struct wren_arpa *lm, const struct wren_symtab *words,
                     const struct wren_lattice *in, int32_t max_word)
{
    int *m = wren_xmalloc(sizeof *m * ((size_t)max_word + 1));
    for (int32_t w = 0; w <= max_word; w++) m[w] = -2;
    for (int64_t i = 0; i < in->n_arcs; i++) {
        int32_t w = in->arcs[i].word;
        if (w < 0 || m[w] != -2) continue;
        const char *s = wren_symtab_symbol(words, w);
        m[w] = s ? wren_arpa_word_id(lm, s) : -1;
    }
    for (int32_t w = 0; w <= max_word; w++) if (m[w] == -2) m[w] = -1;
    return m;
}

/* The expansion, its arcs and finals written to n builders at once, with new-LM scale
 * new_scales[j] in out[j] (the structures are identical: the composition does not depend on
 * the scales). */
static int lm_rescore(const struct wren_lattice *in, const struct wren_symtab *words,
                      const struct wren_arpa *old_lm, float old_scale, const struct wren_arpa *new_lm,
                      int n_out, const float *new_scales, struct wren_lattice *out)
{
    if (in->start < 0) { for (int o = 0; o < n_out; o++) wren_lattice_init(&out[o]); return 0; }
    const struct wren_arpa *lms[2] = { old_lm, new_lm };
    int bos[2] = { -1, -1 }, eos[2] = { -1, -1 }, *map[2] = { NULL, NULL };
    int32_t max_word = 0;
    for (int64_t i = 0; i < in->n_arcs; i++) if (in->arcs[i].word > max_word) max_word = in->arcs[i].word;
    int k = 0;
    for (int j = 0; j < 2; j++) {
        if (!lms[j]) continue;
        bos[j] = wren_arpa_word_id(lms[j], "<s>");
        eos[j] = wren_arpa_word_id(lms[j], "</s>");
        if (bos[j] < 0 || eos[j] < 0) {
            for (int x = 0; x < j; x++) free(map[x]);
            return wren_error("%s LM has no <s> or </s>", j ? "new" : "old");
        }
        map[j] = word_map(lms[j], words, in, max_word);
        if (wren_arpa_order(lms[j]) - 1 > k) k = wren_arpa_order(lms[j]) - 1;
    }
    if (k > WREN_ARPA_CONTEXT_MAX) k = WREN_ARPA_CONTEXT_MAX;
    struct wren_tuples ht;       /* histories: length, then k words (lattice ids), oldest first */
    struct wren_u64map pm;       /* (lattice state, history) -> output state */
    struct wren_u64map cm;       /* (history, word) -> its LM costs in cc (old, new): a lattice
                                    has the same word after the same history at many times, and
                                    the ARPA lookups were most of the expansion's cost */
    double *cc = NULL;
    size_t ncc = 0, ccap = 0;
    /* the back-off contexts of each history under each LM, looked up when the history is first
     * expanded (its words' costs then need only their own n-gram look-ups) */
    struct wren_arpa_context *ctx[2] = { NULL, NULL };
    unsigned char *ctx_ready = NULL;
    size_t ctx_cap = 0;
    wren_tuples_init(&ht, (size_t)k + 1);
    wren_u64map_init(&pm, 0);
    wren_u64map_init(&cm, 0);
    struct wren_lat_builder *b[2];
    for (int o = 0; o < n_out; o++) b[o] = wren_lat_builder_create_over(in->tids, in->n_tids);
    /* work list of (lattice state, history) pairs */
    int32_t *ws = NULL, *wh = NULL; size_t nw = 0, cw = 0;
    int32_t *h = wren_xcalloc((size_t)k + 1, sizeof *h), *h2 = wren_xcalloc((size_t)k + 1, sizeof *h2);
    if (k > 0) { h[0] = 1; h[1] = BOS_TOKEN; }
    int32_t h0 = (int32_t)wren_tuples_intern(&ht, h);
    int is_new;
    int32_t start = 0;
    for (int o = 0; o < n_out; o++) start = wren_lat_builder_add_state(b[o]);
    *wren_u64map_put(&pm, (uint64_t)in->start << 32 | (uint32_t)h0, NULL) = start;
    cw = 256;
    ws = wren_xmalloc(cw * sizeof *ws);
    wh = wren_xmalloc(cw * sizeof *wh);
    ws[nw] = in->start; wh[nw++] = h0;
    while (nw) {
        int32_t s = ws[--nw], hi = wh[nw];
        int32_t src = (int32_t)*wren_u64map_get(&pm, (uint64_t)s << 32 | (uint32_t)hi);
        memcpy(h, wren_tuples_get(&ht, (uint32_t)hi), sizeof *h * (size_t)(k + 1));
        int len = h[0];
        const int32_t *hw = h + 1;
        if ((size_t)hi >= ctx_cap) {
            size_t cap = ctx_cap ? ctx_cap : 256;
            while (cap <= (size_t)hi) cap *= 2;
            for (int j = 0; j < 2; j++) ctx[j] = wren_xrealloc(ctx[j], cap * sizeof *ctx[j]);
            ctx_ready = wren_xrealloc(ctx_ready, cap);
            memset(ctx_ready + ctx_cap, 0, cap - ctx_cap);
            ctx_cap = cap;
        }
        if (!ctx_ready[hi]) {
            for (int j = 0; j < 2; j++)
                if (lms[j]) lm_context(lms[j], map[j], bos[j], hw, len, &ctx[j][hi]);
            ctx_ready[hi] = 1;
        }
        const struct wren_arpa_context *c0 = &ctx[0][hi], *c1 = &ctx[1][hi];
        for (int64_t i = in->off[s]; i < in->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &in->arcs[i];
            double g = a->g, cnew = 0;
            int32_t nh = hi;
            if (a->word) {
                int fresh;
                int64_t *ci = wren_u64map_put(&cm, (uint64_t)(uint32_t)hi << 32 | (uint32_t)a->word, &fresh);
                if (fresh) {
                    if (ncc == ccap) {
                        ccap = ccap ? 2 * ccap : 256;
                        cc = wren_xrealloc(cc, 2 * ccap * sizeof *cc);
                    }
                    cc[2 * ncc] = lms[0] ? lm_cost(lms[0], map[0], eos[0], c0, a->word) : 0;
                    cc[2 * ncc + 1] = lms[1] ? lm_cost(lms[1], map[1], eos[1], c1, a->word) : 0;
                    *ci = (int64_t)ncc++;
                }
                if (lms[0]) g += -old_scale * cc[2 * *ci];
                if (lms[1]) cnew = cc[2 * *ci + 1];
                /* shift the word in, keeping the last k tokens */
                memset(h2, 0, sizeof *h2 * (size_t)(k + 1));
                if (k > 0) {
                    int keep = len < k ? len : k - 1;
                    memcpy(h2 + 1, hw + len - keep, sizeof *h2 * (size_t)keep);
                    h2[1 + keep] = a->word;
                    h2[0] = keep + 1;
                }
                nh = (int32_t)wren_tuples_intern(&ht, h2);
            }
            int64_t *slot = wren_u64map_put(&pm, (uint64_t)a->dst << 32 | (uint32_t)nh, &is_new);
            if (is_new) {
                for (int o = 0; o < n_out; o++) *slot = wren_lat_builder_add_state(b[o]);
                if (nw + 1 > cw) {
                    cw *= 2;
                    ws = wren_xrealloc(ws, cw * sizeof *ws);
                    wh = wren_xrealloc(wh, cw * sizeof *wh);
                }
                ws[nw] = a->dst; wh[nw++] = nh;
            }
            for (int o = 0; o < n_out; o++)
                wren_lat_builder_add_arc(b[o], src, (int32_t)*slot, a->word,
                                         (float)(lms[1] && a->word ? g + new_scales[o] * cnew : g), a->a,
                                         in->tids + a->str, a->len);
            /* the history table may have moved */
            memcpy(h, wren_tuples_get(&ht, (uint32_t)hi), sizeof *h * (size_t)(k + 1));
        }
        if (in->final_g[s] != INFINITY) {
            double g = in->final_g[s], cnew = 0;
            if (lms[0]) g += -old_scale * lm_cost(lms[0], map[0], eos[0], c0, -1);
            if (lms[1]) cnew = lm_cost(lms[1], map[1], eos[1], c1, -1);
            for (int o = 0; o < n_out; o++)
                wren_lat_builder_set_final(b[o], src, (float)(lms[1] ? g + new_scales[o] * cnew : g),
                                           in->final_a[s], in->tids + in->final_str[s], in->final_len[s]);
        }
    }
    for (int o = 0; o < n_out; o++) {
        wren_lat_builder_finish(b[o], start, &out[o]);
        wren_lat_builder_free(b[o]);
        wren_lattice_connect_sort(&out[o]);
    }
    free(ws); free(wh); free(h); free(h2);
    wren_tuples_free(&ht);
    wren_u64map_free(&pm);
    wren_u64map_free(&cm);
    free(cc);
    free(ctx[0]); free(ctx[1]); free(ctx_ready);
    free(map[0]); free(map[1]);
    return 0;
}

int wren_lattice_lm_rescore(const struct wren_lattice *in, const struct wren_symtab *words,
                            const struct wren_arpa *old_lm, float old_scale,
                            const struct wren_arpa *new_lm, float new_scale,
                            struct wren_lattice *out)
{
    return lm_rescore(in, words, old_lm, old_scale, new_lm, 1, &new_scale, out);
}

int wren_lattice_lm_rescore2(const struct wren_lattice *in, const struct wren_symtab *words,
                             const struct wren_arpa *old_lm, float old_scale,
                             const struct wren_arpa *new_lm, float new_scale0, float new_scale1,
                             struct wren_lattice *out0, struct wren_lattice *out1)
{
    struct wren_lattice out[2];
    float scales[2] = { new_scale0, new_scale1 };
    int rc = lm_rescore(in, words, old_lm, old_scale, new_lm, 2, scales, out);
    if (!rc) { *out0 = out[0]; *out1 = out[1]; }
    return rc;
}
