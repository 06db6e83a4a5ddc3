/* graph-mkgraph.c — the recipe HCLG = min(det(H ∘ min(det(C ∘ min(det(L ∘ G)))))) with the
 * disambiguation symbols removed after the last determinisation and self-loops added at the
 * end, and the files of a graph directory (graph.h). Not for: building the pieces
 * (graph-l.c, graph-g.c, graph-c.c, graph-h.c) or the command line (cmd-mkgraph.c). */
#include <math.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "lm/arpa.h"
#include "utils/error.h"
#include "graph/graph-internal.h"
#include "utils/io.h"
#include "utils/log.h"
#include "am/mdef.h"

void wren_mkgraph_opts_default(struct wren_mkgraph_opts *o)
{
    o->sil_prob = 0.5f;
    o->noise_prob = 0.0f;
    o->transition_scale = 1.0f;
    o->self_loop_scale = 0.1f;   /* Kaldi's default: dev arctic 43.10 -> 38.99 %WER (egs/arctic) */
    o->det_log = 1;
    o->keep_intermediate = 0;
    o->write_flat = 1;
}

struct build {
    const struct wren_graph_model *model;
    const struct wren_mkgraph_opts *opts;
    const char *out_dir;
    struct wren_mkgraph_stats *st;
    double t0;
    struct wren_lexicon *lex;
    struct wren_arpa *lm;
    struct graph_words words;
    struct graph_hmms hmms;
    struct graph_tids tids;
    int n_disambig;
};

static void step(const struct build *b, const char *what, const struct wren_fst *f)
{
    wren_log("mkgraph: %-28s %9d states %10zu arcs  %7.1f s  %6.0f MB peak", what,
             f ? wren_fst_num_states(f) : 0, f ? wren_fst_total_arcs(f) : 0,
             wren_now() - b->t0, (double)wren_peak_rss() / 1048576.0);
}

static int keep(const struct build *b, const struct wren_fst *f, const char *name)
{
    if (!b->opts->keep_intermediate) return 0;
    char *p = wren_path_join(b->out_dir, name);
    int rc = wren_fst_write(f, p);
    free(p);
    return rc;
}

static int build_lg(struct build *b, struct wren_fst **lg)
{
    struct wren_fst *L = NULL, *G = NULL;
    const struct wren_mdef *mdef = b->model->mdef;
    struct graph_lex_opts lo = { b->opts->sil_prob, wren_mdef_sil(mdef), b->opts->noise_prob };
    if (wren_graph_build_l(b->lex, mdef, &b->words, &lo, &L, &b->n_disambig, &b->st->lex_prons) < 0)
        return -1;
    b->st->n_disambig = b->n_disambig;
    step(b, "L", L);
    if (wren_graph_build_g(b->lm, &b->words, &G, &b->st->ngrams_dropped) < 0) {
        wren_fst_free(L);
        return -1;
    }
    b->st->g_states = wren_fst_num_states(G);
    b->st->g_arcs = (long)wren_fst_total_arcs(G);
    step(b, "G", G);
    int rc = keep(b, L, "L.fst") | keep(b, G, "G.fst");
    wren_fst_arcsort_olabel(L);
    wren_fst_arcsort_ilabel(G);
    struct wren_fst *LG = NULL, *det = NULL;
    if (rc == 0) rc = wren_fst_compose(L, G, &LG);
    wren_fst_free(L);
    wren_fst_free(G);
    if (rc < 0) return -1;
    step(b, "L o G", LG);
    if (wren_fst_rmepsilon(LG) < 0 || wren_fst_determinize(LG, b->opts->det_log, 0, &det) < 0) {
        wren_fst_free(LG);
        return -1;
    }
    wren_fst_free(LG);
    step(b, "det(LG)", det);
    if (wren_fst_minimize(det, 0, 0) < 0) {
        wren_fst_free(det);
        return -1;
    }
    b->st->lg_states = wren_fst_num_states(det);
    b->st->lg_arcs = (long)wren_fst_total_arcs(det);
    step(b, "min(det(LG))", det);
    *lg = det;
    return keep(b, det, "LG.fst");
}

static int compose_det_min(struct build *b, const struct wren_fst *left, struct wren_fst *right,
                           const char *name, struct wren_fst **out)
{
    struct wren_fst *comp = NULL, *det = NULL;
    wren_fst_arcsort_ilabel(right);
    if (wren_fst_compose(left, right, &comp) < 0) return -1;
    char what[64];
    snprintf(what, sizeof what, "%s (composed)", name);
    step(b, what, comp);
    int rc = wren_fst_determinize(comp, b->opts->det_log, 0, &det);
    wren_fst_free(comp);
    if (rc < 0) return -1;
    snprintf(what, sizeof what, "det(%s)", name);
    step(b, what, det);
    *out = det;
    return 0;
}

static int build_clg(struct build *b, struct wren_fst *LG, struct wren_fst **clg)
{
    struct wren_fst *C = NULL;
    wren_graph_hmms_init(&b->hmms, wren_mdef_n_emit_states(b->model->mdef));
    if (wren_graph_build_c(b->model->mdef, b->n_disambig, &b->hmms, &C) < 0) return -1;
    b->st->n_hmms = b->hmms.n_hmm;
    step(b, "C", C);
    wren_fst_arcsort_olabel(C);
    int rc = compose_det_min(b, C, LG, "CLG", clg);
    wren_fst_free(C);
    if (rc < 0) return -1;
    if (wren_fst_minimize(*clg, 0, 0) < 0) return -1;
    b->st->clg_states = wren_fst_num_states(*clg);
    b->st->clg_arcs = (long)wren_fst_total_arcs(*clg);
    step(b, "min(det(CLG))", *clg);
    return keep(b, *clg, "CLG.fst");
}

static int build_hclg(struct build *b, struct wren_fst *CLG, struct wren_fst **hclg)
{
    struct wren_fst *H = NULL;
    if (wren_graph_build_h(&b->hmms, b->model, b->n_disambig, b->opts->transition_scale,
                      b->opts->self_loop_scale, &H, &b->tids) < 0)
        return -1;
    b->st->n_tids = b->tids.n_tid;
    step(b, "H (no self-loops)", H);
    int rc = keep(b, H, "Ha.fst");
    wren_fst_arcsort_olabel(H);
    if (rc == 0) rc = compose_det_min(b, H, CLG, "HCLG", hclg);
    wren_fst_free(H);
    if (rc < 0) return -1;
    /* Remove the disambiguation symbols (transition ids above n_tid) and minimise. */
    if (keep(b, *hclg, "HCLG.det.fst") < 0) return -1;
    int nmap = b->tids.n_tid + b->n_disambig + 3;
    int *imap = wren_xmalloc((size_t)nmap * sizeof(int));
    for (int i = 0; i < nmap; i++) imap[i] = i <= b->tids.n_tid ? i : 0;
    wren_fst_relabel(*hclg, imap, nmap, NULL, 0);
    free(imap);
    if (wren_fst_rmepsilon(*hclg) < 0 || wren_fst_minimize(*hclg, 0, 1) < 0) return -1;
    step(b, "min(HCLG), no disambig", *hclg);
    if (keep(b, *hclg, "HCLGa.fst") < 0) return -1;
    if (wren_graph_add_selfloops(*hclg, &b->tids) < 0) return -1;
    wren_fst_arcsort_ilabel(*hclg);
    step(b, "HCLG with self-loops", *hclg);
    return 0;
}

static int write_symtab_file(const struct build *b, const struct wren_symtab *t, const char *name)
{
    char *p = wren_path_join(b->out_dir, name);
    int rc = wren_symtab_write_text(t, p);
    free(p);
    return rc;
}

static int write_tables(const struct build *b)
{
    if (write_symtab_file(b, b->words.syms, "words.txt") < 0) return -1;
    const struct wren_mdef *mdef = b->model->mdef;
    struct wren_symtab *ph = wren_symtab_new("phones");
    wren_symtab_add(ph, "<eps>");
    for (int ci = 0; ci < wren_mdef_n_ciphones(mdef); ci++)
        wren_symtab_add_id(ph, wren_mdef_ciphone_name(mdef, ci), ci + 1);
    int rc = write_symtab_file(b, ph, "phones.txt");
    wren_symtab_free(ph);
    if (rc < 0) return -1;
    char *p = wren_path_join(b->out_dir, "transitions.txt");
    struct wren_atomic a;
    rc = wren_atomic_open(&a, p, "w");
    free(p);
    if (rc < 0) return -1;
    for (int t = 1; t <= b->tids.n_tid; t++) {
        const struct wren_transition *x = &b->tids.t[t];
        fprintf(a.f, "%d %d %d %d %d\n", t, x->senone, x->phone, x->hmm_state, x->is_selfloop);
    }
    return wren_atomic_commit(&a);
}

static int write_graph(struct build *b, const struct wren_fst *hclg)
{
    char *p = wren_path_join(b->out_dir, "HCLG.fst");
    int rc = wren_fst_write(hclg, p);
    free(p);
    if (rc == 0 && b->opts->write_flat) {
        p = wren_path_join(b->out_dir, "HCLG.wgraph");
        rc = wren_graph_write_flat(hclg, p);
        free(p);
    }
    if (rc == 0) rc = write_tables(b);
    if (rc == 0) {
        p = wren_path_join(b->out_dir, "disambig.txt");
        struct wren_atomic a;
        rc = wren_atomic_open(&a, p, "w");
        free(p);
        if (rc == 0) {
            fprintf(a.f, "%d\n", b->n_disambig);
            rc = wren_atomic_commit(&a);
        }
    }
    return rc;
}

int wren_mkgraph(const struct wren_graph_model *model, const char *dict_path,
                 const char *lm_path, const char *out_dir, const struct wren_mkgraph_opts *opts,
                 struct wren_mkgraph_stats *stats)
{
    struct build b;
    memset(&b, 0, sizeof b);
    memset(stats, 0, sizeof *stats);
    b.model = model;
    b.opts = opts;
    b.out_dir = out_dir;
    b.st = stats;
    b.t0 = wren_now();
    struct wren_fst *LG = NULL, *CLG = NULL, *HCLG = NULL;
    int rc = wren_mkdir_p(out_dir);
    if (rc == 0) rc = wren_lexicon_read(dict_path, &b.lex);
    if (rc == 0) {
        stats->lex_words = wren_lexicon_n_words(b.lex);
        rc = wren_arpa_read(lm_path, &b.lm);
    }
    if (rc == 0) {
        stats->lm_words = (long)wren_arpa_vocab_size(b.lm);
        rc = wren_graph_make_words(b.lm, b.lex, &b.words, &stats->words_dropped);
        stats->words_kept = wren_symtab_size(b.words.syms) > 3 ? wren_symtab_size(b.words.syms) - 3 : 0;
    }
    if (rc == 0) rc = build_lg(&b, &LG);
    wren_lexicon_free(b.lex);
    b.lex = NULL;
    wren_arpa_free(b.lm);
    b.lm = NULL;
    if (rc == 0) rc = build_clg(&b, LG, &CLG);
    wren_fst_free(LG);
    if (rc == 0) rc = build_hclg(&b, CLG, &HCLG);
    wren_fst_free(CLG);
    if (rc == 0) {
        stats->hclg_states = wren_fst_num_states(HCLG);
        stats->hclg_arcs = (long)wren_fst_total_arcs(HCLG);
        wren_fst_stochasticity(HCLG, &stats->stoch_min, &stats->stoch_max);
        wren_log("mkgraph: HCLG stochasticity (log semiring): min %.4f max %.4f",
                 stats->stoch_min, stats->stoch_max);
        rc = write_graph(&b, HCLG);
    }
    wren_fst_free(HCLG);
    wren_graph_words_free(&b.words);
    wren_graph_hmms_free(&b.hmms);
    wren_graph_tids_free(&b.tids);
    stats->seconds = wren_now() - b.t0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        stats->cpu_seconds = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                             (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    stats->peak_rss = wren_peak_rss();
    return rc;
}
