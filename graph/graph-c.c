/* graph-c.c — the context transducer C (HMM ids -> word-position phones) and the inventory of
 * distinct HMMs. C is the classic delayed triphone transducer: a state (left context, centre
 * phone) reads the next phone r and emits the HMM of triphone left-centre+r, moving to
 * (centre, r); filler phones (SIL, noises) are context-independent and count as SIL when they
 * are the context of a neighbour, as in Sphinx; utterance edges are SIL context. The first
 * phone is read on an arc with the start symbol #-1 on the input (no input epsilons), and the
 * last triphone is emitted on an arc to the final state with epsilon output. Triphones missing
 * from the mdef back off to other word positions, then to the CI phone (as pocketsphinx).
 * Triphones with the same transition matrix, senones and word position share one HMM id.
 * Not for: the HMM topology itself (graph-h.c). */
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"
#include "graph/graph-internal.h"
#include "am/mdef.h"

static const char WPOS_CHAR[4] = { 'b', 'e', 'i', 's' };

void wren_graph_hmms_init(struct graph_hmms *h, int n_emit)
{
    memset(h, 0, sizeof *h);
    h->n_emit = n_emit;
    h->index = wren_bytemap_new();
}

void wren_graph_hmms_free(struct graph_hmms *h)
{
    free(h->tmat);
    free(h->base);
    free(h->wpos);
    free(h->senones);
    wren_bytemap_free(h->index);
    memset(h, 0, sizeof *h);
}

int wren_graph_hmms_add(struct graph_hmms *h, const struct wren_mdef *mdef, int phone, int wpos)
{
    int key[3 + 64];
    int ne = h->n_emit;
    key[0] = wren_mdef_tmat(mdef, phone);
    key[1] = wren_mdef_phone_base(mdef, phone);
    key[2] = wpos;
    memcpy(key + 3, wren_mdef_senones(mdef, phone), (size_t)ne * sizeof(int));
    size_t len = (size_t)(3 + ne) * sizeof(int);
    long id = wren_bytemap_get(h->index, key, len, -1);
    if (id >= 0) return (int)id;
    int nh = ++h->n_hmm;
    if (nh + 1 > h->cap) {   /* geometric growth: one realloc per HMM was quadratic (minutes under ASan) */
        h->cap = h->cap ? 2 * h->cap : 256;
        while (h->cap < nh + 1) h->cap *= 2;
        h->tmat = wren_xrealloc(h->tmat, (size_t)h->cap * sizeof(int));
        h->base = wren_xrealloc(h->base, (size_t)h->cap * sizeof(int));
        h->wpos = wren_xrealloc(h->wpos, (size_t)h->cap * sizeof(int));
        h->senones = wren_xrealloc(h->senones, (size_t)h->cap * (size_t)ne * sizeof(int));
    }
    h->tmat[nh] = key[0];
    h->base[nh] = key[1];
    h->wpos[nh] = wpos;
    memcpy(h->senones + (size_t)nh * (size_t)ne, key + 3, (size_t)ne * sizeof(int));
    return (int)wren_bytemap_put(h->index, key, len, nh);
}

/* mdef phone for centre (ci, wpos) between contexts, with back-off. */
static int cd_phone(const struct wren_mdef *mdef, int ci, int w, int left, int right)
{
    if (wren_mdef_is_filler(mdef, ci)) return ci;
    int p = wren_mdef_triphone(mdef, ci, left, right, WPOS_CHAR[w]);
    static const int order[4] = { WPOS_I, WPOS_B, WPOS_E, WPOS_S };
    for (int k = 0; p < 0 && k < 4; k++)
        if (order[k] != w) p = wren_mdef_triphone(mdef, ci, left, right, WPOS_CHAR[order[k]]);
    return p < 0 ? ci : p;
}

struct cctx {
    const struct wren_mdef *mdef;
    struct graph_hmms *hmms;
    struct wren_fst *C;
    int nci, sil, npos;          /* npos = number of phone-side labels (1 + 4 nci) */
    int *state;                  /* [lc * npos + c] -> C state or -1 */
    int *queue, nq, qhead;
    int final;
    int dis_in0, dis_out0, ndis; /* disambig d: input dis_in0 + d, output dis_out0 + d */
};

static int ctx_of(const struct cctx *c, int ci)
{
    return wren_mdef_is_filler(c->mdef, ci) ? c->sil : ci;
}

static int valid_center(const struct cctx *c, int p)
{
    int ci = graph_posphone_ci(p), w = graph_posphone_wpos(p);
    return wren_mdef_is_filler(c->mdef, ci) ? w == WPOS_S : 1;
}

static int get_state(struct cctx *c, int lc, int center)
{
    int *slot = &c->state[(size_t)lc * (size_t)c->npos + (size_t)center];
    if (*slot < 0) {
        *slot = wren_fst_add_state(c->C);
        c->queue[c->nq++] = lc * c->npos + center;
    }
    return *slot;
}

/* Can phone r follow a phone at word position w? (within a word: i/e; after a word end: b/s) */
static int may_follow(const struct cctx *c, int w_prev, int r)
{
    int ci = graph_posphone_ci(r), w = graph_posphone_wpos(r);
    int in_word = w_prev == WPOS_B || w_prev == WPOS_I;
    if (wren_mdef_is_filler(c->mdef, ci)) return !in_word && w == WPOS_S;
    return in_word ? (w == WPOS_I || w == WPOS_E) : (w == WPOS_B || w == WPOS_S);
}

static void add_disambig_loops(struct cctx *c, int s)
{
    for (int d = 0; d < c->ndis; d++)   /* #0..#n; #-1 only leaves the start state */
        wren_fst_add_arc(c->C, s, c->dis_in0 + d, c->dis_out0 + d, 0.0f, s);
}

static void expand_state(struct cctx *c, int key)
{
    int lc = key / c->npos, center = key % c->npos;
    int s = c->state[key];
    int ci = graph_posphone_ci(center), w = graph_posphone_wpos(center);
    for (int r = 1; r < c->npos; r++) {
        if (!valid_center(c, r) || !may_follow(c, w, r)) continue;
        int ph = cd_phone(c->mdef, ci, w, lc, ctx_of(c, graph_posphone_ci(r)));
        int h = wren_graph_hmms_add(c->hmms, c->mdef, ph, w);
        int t = get_state(c, ctx_of(c, ci), r);
        wren_fst_add_arc(c->C, s, h, r, 0.0f, t);
    }
    if (w == WPOS_E || w == WPOS_S) {
        int ph = cd_phone(c->mdef, ci, w, lc, c->sil);
        wren_fst_add_arc(c->C, s, wren_graph_hmms_add(c->hmms, c->mdef, ph, w), 0, 0.0f, c->final);
    }
    add_disambig_loops(c, s);
}

/* HMM ids are only known once C is built, so disambiguation inputs first get labels above
 * any possible HMM id and are renumbered at the end. */
int wren_graph_build_c(const struct wren_mdef *mdef, int n_disambig, struct graph_hmms *hmms,
                  struct wren_fst **out)
{
    *out = NULL;
    struct cctx c;
    memset(&c, 0, sizeof c);
    c.mdef = mdef;
    c.hmms = hmms;
    c.nci = wren_mdef_n_ciphones(mdef);
    c.sil = wren_mdef_sil(mdef);
    if (c.sil < 0) return wren_error("the model has no SIL phone (needed as context at edges)");
    c.npos = graph_posphone(c.nci, 0);
    c.ndis = n_disambig + 1;                         /* #0..#n and #-1 */
    int placeholder = 4 * wren_mdef_n_phones(mdef) + 1;   /* > any HMM id (phone x wpos) */
    c.dis_in0 = placeholder;
    c.dis_out0 = wren_graph_phone_disambig0(mdef);
    size_t nkeys = (size_t)c.nci * (size_t)c.npos;
    c.state = wren_xmalloc(nkeys * sizeof(int));
    for (size_t i = 0; i < nkeys; i++) c.state[i] = -1;
    c.queue = wren_xmalloc(nkeys * sizeof(int));
    c.C = wren_fst_new();
    int start = wren_fst_add_state(c.C);
    c.final = wren_fst_add_state(c.C);
    wren_fst_set_start(c.C, start);
    wren_fst_set_final(c.C, start, 0.0f);
    wren_fst_set_final(c.C, c.final, 0.0f);
    int start_sym = c.dis_in0 + n_disambig + 1;      /* #-1 */
    for (int r = 1; r < c.npos; r++) {
        if (!valid_center(&c, r) || !may_follow(&c, WPOS_E, r)) continue;
        wren_fst_add_arc(c.C, start, start_sym, r, 0.0f, get_state(&c, c.sil, r));
    }
    for (int d = 0; d <= n_disambig; d++)
        wren_fst_add_arc(c.C, start, c.dis_in0 + d, c.dis_out0 + d, 0.0f, start);
    while (c.qhead < c.nq) expand_state(&c, c.queue[c.qhead++]);
    /* Renumber disambiguation inputs to n_hmm + 1 + d. */
    int nmap = placeholder + c.ndis + 1;
    int *imap = wren_xmalloc((size_t)nmap * sizeof(int));
    for (int i = 0; i < nmap; i++) imap[i] = i;
    for (int d = 0; d <= c.ndis; d++) imap[placeholder + d] = hmms->n_hmm + 1 + d;
    wren_fst_relabel(c.C, imap, nmap, NULL, 0);
    free(imap);
    free(c.state);
    free(c.queue);
    *out = c.C;
    return 0;
}
