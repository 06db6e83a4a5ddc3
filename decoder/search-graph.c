/* search-graph.c — loading a decoding graph folder (wren mkgraph's output) for the search:
 * HCLG.wgraph (mmap()ed) or HCLG.fst copied into the flat struct wren_hclg, words.txt, phones.txt (optional) and
 * transitions.txt ("tid senone phone hmm_state is_selfloop" per line, tids from 1).
 * Not for: building graphs (graph.c) or the search itself (search.c). */
#include "decoder/decoder.h"
#include "fstext/fst.h"
#include "graph/graph.h"
#include "decoder/search.h"

#include "utils/error.h"
#include "utils/io.h"
#include "utils/log.h"
#include "utils/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int load_hclg(const char *path, struct wren_hclg *g)
{
    struct wren_fst *f;
    if (wren_fst_read(path, &f)) return -1;
    int n = wren_fst_num_states(f), start = wren_fst_start(f);
    if (n <= 0 || start < 0) {
        wren_fst_free(f);
        return wren_error("%s: graph has no start state", path);
    }
    size_t total = wren_fst_total_arcs(f);
    struct wren_hclg_edge *e = wren_xmalloc(sizeof *e * (total ? total : 1));
    float *final = wren_xmalloc(sizeof *final * (size_t)n);
    size_t k = 0;
    for (int s = 0; s < n; s++) {
        const struct wren_arc *a;
        size_t na;
        if (wren_fst_arcs(f, s, &a, &na)) { free(e); free(final); wren_fst_free(f); return -1; }
        for (size_t i = 0; i < na; i++)
            e[k++] = (struct wren_hclg_edge){ s, a[i].nextstate, a[i].ilabel, a[i].olabel, a[i].weight };
        final[s] = wren_fst_final(f, s);
    }
    wren_fst_free(f);
    int rc = wren_hclg_build(g, n, start, e, (int64_t)k, final);
    if (rc) wren_error_prefix("%s: ", path);
    free(e);
    free(final);
    return rc;
}

/* The flat graph (HCLG.wgraph, mmap()ed): arcs are copied state by state, emitting ones first,
 * without the edge sort the FST path needs. */
static int load_flat(const char *path, struct wren_hclg *g)
{
    struct wren_graph_flat f;
    if (wren_graph_map_flat(path, &f)) return -1;
    memset(g, 0, sizeof *g);
    if (f.start < 0 || f.num_states == 0 || f.num_states > INT32_MAX) {
        wren_graph_unmap_flat(&f);
        return wren_error("%s: graph has no start state", path);
    }
    int32_t n = (int32_t)f.num_states;
    g->n_states = n;
    g->start = f.start;
    g->n_arcs = (int64_t)f.num_arcs;
    g->off = wren_xmalloc(((size_t)n + 1) * sizeof *g->off);
    g->eps = wren_xmalloc((size_t)n * sizeof *g->eps);
    g->final = wren_xmalloc((size_t)n * sizeof *g->final);
    g->arcs = wren_xmalloc((f.num_arcs ? f.num_arcs : 1) * sizeof *g->arcs);
    int64_t k = 0;
    int rc = 0;
    for (int32_t s = 0; s < n && !rc; s++) {
        g->off[s] = k;
        g->final[s] = f.final_cost[s];
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) g->eps[s] = k;
            for (uint64_t i = f.arc_start[s]; i < f.arc_start[s + 1]; i++) {
                const struct wren_arc *a = &f.arcs[i];
                if ((a->ilabel == 0) != pass) continue;
                if (a->nextstate < 0 || a->nextstate >= n || a->ilabel < 0 || a->olabel < 0) {
                    rc = wren_error("%s: arc %llu of state %d: bad label or state", path,
                                    (unsigned long long)i, s);
                    break;
                }
                g->arcs[k++] = (struct wren_hclg_arc){ a->ilabel, a->olabel, a->weight, a->nextstate };
                if (a->ilabel > g->max_ilabel) g->max_ilabel = a->ilabel;
                if (a->olabel > g->max_olabel) g->max_olabel = a->olabel;
            }
        }
    }
    g->off[n] = k;
    wren_graph_unmap_flat(&f);
    if (rc) wren_hclg_free(g);
    return rc;
}

static int load_transitions(const char *path, struct wren_decode_graph *g)
{
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    char *buf = NULL;
    size_t cap = 0, cap_t = 0;
    int line = 0, rc = 0;
    g->n_tids = 0;
    g->max_senone = -1;
    while (getline(&buf, &cap, in.f) >= 0) {
        line++;
        char *fld[6];
        char *s = wren_strtrim(buf);
        if (!*s) continue;
        int n = wren_split_ws(s, fld, 6);
        long v[5];
        int bad = n != 5;
        for (int i = 0; i < 5 && !bad; i++) {
            char *end;
            v[i] = strtol(fld[i], &end, 10);
            bad = *end || end == fld[i] || v[i] < 0 || v[i] > INT32_MAX;
        }
        if (!bad && v[0] != g->n_tids + 1) bad = 2;
        if (bad) {
            rc = wren_error("%s:%d: %s", path, line, bad == 2 ? "transition ids must be 1, 2, 3, ... in order"
                                         : "expected 'tid senone phone hmm_state is_selfloop'");
            break;
        }
        int32_t t = ++g->n_tids;
        if ((size_t)t + 1 > cap_t) {
            cap_t = cap_t ? cap_t * 2 : 1024;
            g->tid_senone = wren_xrealloc(g->tid_senone, cap_t * sizeof *g->tid_senone);
            g->tid_phone = wren_xrealloc(g->tid_phone, cap_t * sizeof *g->tid_phone);
            g->tid_selfloop = wren_xrealloc(g->tid_selfloop, cap_t);
            g->tid_senone[0] = g->tid_phone[0] = -1;
            g->tid_selfloop[0] = 0;
        }
        g->tid_senone[t] = (int32_t)v[1];
        g->tid_phone[t] = (int32_t)v[2];
        g->tid_selfloop[t] = v[4] != 0;
        if (v[1] > g->max_senone) g->max_senone = (int32_t)v[1];
    }
    free(buf);
    if (wren_input_close(&in) && !rc) rc = -1;
    if (!rc && g->n_tids == 0) rc = wren_error("%s: no transitions", path);
    return rc;
}

/* words.txt (if with_words), transitions.txt and (if there) phones.txt of a graph folder. */
static int load_tables(const char *dir, int with_words, struct wren_decode_graph *g)
{
    char *p;
    int rc = 0;
    if (with_words) {
        p = wren_path_join(dir, "words.txt");
        rc = wren_symtab_read_text(p, &g->words);
        free(p);
    }
    if (!rc) {
        p = wren_path_join(dir, "transitions.txt");
        rc = load_transitions(p, g);
        free(p);
    }
    if (!rc) {
        p = wren_path_join(dir, "phones.txt");
        if (wren_path_exists(p)) rc = wren_symtab_read_text(p, &g->phones);
        free(p);
    }
    return rc;
}

/* Keep the first message of a failed load, free what was loaded. */
static int load_failed(struct wren_decode_graph *g)
{
    char *msg = wren_xstrdup(wren_error_msg());
    wren_decode_graph_free(g);
    wren_error("%s", msg);
    free(msg);
    return -1;
}

int wren_decode_graph_load_tables(const char *dir, struct wren_decode_graph *g)
{
    memset(g, 0, sizeof *g);
    return load_tables(dir, 0, g) ? load_failed(g) : 0;
}

/* Sphinx names its filler phones SIL and +NAME+ (noisedict); mkgraph writes ciphone ci as
 * phones.txt id ci + 1. */
uint8_t *wren_decode_graph_filler_tids(const struct wren_decode_graph *g, const char *dir)
{
    if (!g->phones) {
        wren_error("%s: no phones.txt, so silence cannot be told from words", dir);
        return NULL;
    }
    uint8_t *f = wren_xcalloc((size_t)g->n_tids + 1, 1);
    for (int32_t t = 1; t <= g->n_tids; t++) {
        const char *ph = wren_symtab_symbol(g->phones, g->tid_phone[t] + 1);
        size_t n = ph ? strlen(ph) : 0;
        f[t] = ph && (!strcmp(ph, "SIL") || (n > 2 && ph[0] == '+' && ph[n - 1] == '+'));
    }
    return f;
}

int wren_decode_graph_load(const char *dir, struct wren_decode_graph *g)
{
    memset(g, 0, sizeof *g);
    /* the flat graph if mkgraph wrote one (fast to load), else the OpenFst file */
    char *p = wren_path_join(dir, "HCLG.wgraph");
    g->hclg = wren_xcalloc(1, sizeof *g->hclg);
    int rc;
    if (wren_path_exists(p)) {
        rc = load_flat(p, g->hclg);
    } else {
        free(p);
        p = wren_path_join(dir, "HCLG.fst");
        rc = load_hclg(p, g->hclg);
    }
    free(p);
    if (!rc) rc = load_tables(dir, 1, g);
    if (!rc && g->hclg->max_ilabel > g->n_tids)
        rc = wren_error("%s: HCLG.fst uses transition id %d, transitions.txt has %d", dir,
                        g->hclg->max_ilabel, g->n_tids);
    return rc ? load_failed(g) : 0;
}

void wren_decode_graph_free(struct wren_decode_graph *g)
{
    if (!g) return;
    if (g->hclg) wren_hclg_free(g->hclg);
    free(g->hclg);
    wren_symtab_free(g->words);
    wren_symtab_free(g->phones);
    free(g->tid_senone);
    free(g->tid_phone);
    free(g->tid_selfloop);
    memset(g, 0, sizeof *g);
}
