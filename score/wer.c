/* wer.c — WER scoring (see wer.h): sclite-compatible alignment, Kaldi-style summaries,
 * breakdowns, alignment listings and the two-system comparison. Not for: normalising text;
 * words are compared byte for byte. */
#include "score/wer.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* sclite's word costs (sctk word.c: correct 0, ins/del 3, sub 4). */
enum { COST_SUB = 4, COST_INS = 3, COST_DEL = 3 };

void wren_wer_opts_default(struct wren_wer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = "all";
    o->bootstrap = 10000;
    o->seed = 1;
    o->ci = 0.95;   /* every score with its interval: what the recipes print */
}

int wren_wer_opts_table(struct wren_wer_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "mode", WREN_OPT_STRING, &o->mode, "all: missing hyps count as deletions; present: skip them" },
        { "per-utt", WREN_OPT_STRING, &o->per_utt, "write a per-utterance table to FILE" },
        { "per-spk", WREN_OPT_STRING, &o->per_spk, "utt2spk FILE: print a per-speaker table" },
        { "alignments", WREN_OPT_STRING, &o->alignments, "write sclite-style REF/HYP alignments to FILE" },
        { "json", WREN_OPT_BOOL, &o->json, "print a JSON line with the totals" },
        { "compare", WREN_OPT_STRING, &o->compare, "second HYP file: matched-pairs significance test" },
        { "bootstrap", WREN_OPT_INT, &o->bootstrap, "bootstrap resamples for --compare and --ci" },
        { "seed", WREN_OPT_INT, &o->seed, "random seed of the bootstrap" },
        { "ci", WREN_OPT_DOUBLE, &o->ci,
          "LEVEL in (0,1), e.g. 0.95: also print the bootstrap confidence interval of the %WER (and of B - A with --compare); 0: none" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_WER_NOPTS + 1, "WREN_WER_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

void wren_wer_counts_add(struct wren_wer_counts *s, const struct wren_wer_counts *c)
{
    s->words += c->words; s->corr += c->corr; s->sub += c->sub;
    s->del += c->del; s->ins += c->ins; s->sents += c->sents; s->sent_errs += c->sent_errs;
}

int wren_wer_align(const char *const *ref, int nref, const char *const *hyp, int nhyp,
                   enum wren_wer_op **ops)
{
    size_t w = (size_t)nhyp + 1;
    int *cost = wren_xmalloc(((size_t)nref + 1) * w * sizeof *cost);
    unsigned char *back = wren_xmalloc(((size_t)nref + 1) * w);
    cost[0] = 0;
    back[0] = 0;
    for (int b = 1; b <= nhyp; b++) { cost[b] = cost[b - 1] + COST_INS; back[b] = WREN_WER_INS; }
    for (int a = 1; a <= nref; a++) {
        size_t r = (size_t)a * w, p = (size_t)(a - 1) * w;
        cost[r] = cost[p] + COST_DEL;
        back[r] = WREN_WER_DEL;
        for (int b = 1; b <= nhyp; b++) {
            int same = strcmp(ref[a - 1], hyp[b - 1]) == 0;
            int sub = cost[p + b - 1] + (same ? 0 : COST_SUB);
            int del = cost[p + b] + COST_DEL;
            int ins = cost[r + b - 1] + COST_INS;
            /* sclite net_dp.c: diagonal if <= both, else deletion if strictly < insertion */
            if (sub <= del && sub <= ins) { cost[r + b] = sub; back[r + b] = same ? WREN_WER_COR : WREN_WER_SUB; }
            else if (del < ins) { cost[r + b] = del; back[r + b] = WREN_WER_DEL; }
            else { cost[r + b] = ins; back[r + b] = WREN_WER_INS; }
        }
    }
    int n = 0, a = nref, b = nhyp;
    enum wren_wer_op *out = wren_xmalloc(((size_t)nref + (size_t)nhyp + 1) * sizeof *out);
    while (a > 0 || b > 0) {
        enum wren_wer_op op = back[(size_t)a * w + b];
        out[n++] = op;
        if (op != WREN_WER_INS) a--;
        if (op != WREN_WER_DEL) b--;
    }
    for (int i = 0; i < n / 2; i++) { enum wren_wer_op t = out[i]; out[i] = out[n - 1 - i]; out[n - 1 - i] = t; }
    free(cost);
    free(back);
    *ops = out;
    return n;
}

struct utt {
    const char *id;
    char **ref, **hyp;        /* words (point into the tables' values) */
    int nref, nhyp, nops, missing;
    enum wren_wer_op *ops;
    struct wren_wer_counts c;
};

struct wren_wer_result {
    char *ref_path, *hyp_path;
    struct wren_table ref, hyp;
    struct utt *u;
    size_t n;
    long missing;
};

static char **split_words(char *s, int *n)
{
    int cnt = 0;
    for (const char *p = s; *p;) {     /* count first: wren_split_ws writes NULs */
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        cnt++;
        while (*p && !isspace((unsigned char)*p)) p++;
    }
    char **w = wren_xmalloc(((size_t)cnt + 1) * sizeof *w);
    *n = wren_split_ws(s, w, cnt);
    return w;
}

static int cmp_entry_ptr(const void *x, const void *y)
{
    const struct wren_table_entry *a = *(const struct wren_table_entry *const *)x;
    const struct wren_table_entry *b = *(const struct wren_table_entry *const *)y;
    return strcmp(a->key, b->key);
}

/* Sorted index of a table's entries for bsearch joins. */
static struct wren_table_entry **sorted_index(struct wren_table *t)
{
    struct wren_table_entry **ix = wren_xmalloc((t->n + 1) * sizeof *ix);
    for (size_t i = 0; i < t->n; i++) ix[i] = &t->e[i];
    qsort(ix, t->n, sizeof *ix, cmp_entry_ptr);
    return ix;
}

static struct wren_table_entry *lookup(struct wren_table_entry **ix, size_t n, const char *key)
{
    struct wren_table_entry k = { (char *)key, NULL, 0 }, *kp = &k;
    struct wren_table_entry **f = bsearch(&kp, ix, n, sizeof *ix, cmp_entry_ptr);
    return f ? *f : NULL;
}

static void score_utt(struct utt *u)
{
    u->nops = wren_wer_align((const char *const *)u->ref, u->nref, (const char *const *)u->hyp,
                             u->nhyp, &u->ops);
    wren_wer_counts_of_ops(u->ops, u->nops, u->nref, &u->c);
}

void wren_wer_counts_of_ops(const enum wren_wer_op *ops, int nops, int nref, struct wren_wer_counts *c)
{
    memset(c, 0, sizeof *c);
    c->words = nref;
    for (int i = 0; i < nops; i++) {
        switch (ops[i]) {
        case WREN_WER_COR: c->corr++; break;
        case WREN_WER_SUB: c->sub++; break;
        case WREN_WER_DEL: c->del++; break;
        case WREN_WER_INS: c->ins++; break;
        }
    }
    c->sents = 1;
    c->sent_errs = wren_wer_errors(c) > 0;
}

struct wren_wer_result *wren_wer_score(const struct wren_wer_opts *o, const char *ref_path,
                                       const char *hyp_path)
{
    int present = 0;
    if (!strcmp(o->mode, "present")) present = 1;
    else if (strcmp(o->mode, "all")) { wren_error("--mode must be 'all' or 'present', not '%s'", o->mode); return NULL; }
    struct wren_wer_result *r = wren_xcalloc(1, sizeof *r);
    if (wren_table_read(ref_path, &r->ref)) { free(r); return NULL; }
    if (wren_table_read(hyp_path, &r->hyp)) { wren_table_free(&r->ref); free(r); return NULL; }
    r->ref_path = wren_xstrdup(ref_path);
    r->hyp_path = wren_xstrdup(hyp_path);
    struct wren_table_entry **rix = sorted_index(&r->ref), **hix = sorted_index(&r->hyp);
    for (size_t i = 0; i < r->hyp.n; i++)
        if (!lookup(rix, r->ref.n, r->hyp.e[i].key)) {
            wren_error("%s:%d: utterance '%s' is not in the reference %s", hyp_path, r->hyp.e[i].line,
                       r->hyp.e[i].key, ref_path);
            free(rix); free(hix);
            wren_wer_result_free(r);
            return NULL;
        }
    r->u = wren_xcalloc(r->ref.n + 1, sizeof *r->u);
    static char empty[] = "";
    for (size_t i = 0; i < r->ref.n; i++) {
        struct wren_table_entry *h = lookup(hix, r->hyp.n, r->ref.e[i].key);
        if (!h) {
            r->missing++;
            if (r->missing <= 5) wren_warn("no hypothesis for utterance '%s'%s", r->ref.e[i].key,
                                           present ? " (skipped)" : " (scored as all deletions)");
            if (present) continue;
        }
        struct utt *u = &r->u[r->n++];
        u->id = r->ref.e[i].key;
        u->missing = h == NULL;
        u->ref = split_words(r->ref.e[i].value, &u->nref);
        u->hyp = split_words(h ? h->value : empty, &u->nhyp);
        score_utt(u);
    }
    if (r->missing > 5) wren_warn("%ld utterances in total have no hypothesis", r->missing);
    free(rix);
    free(hix);
    long words = 0;
    for (size_t i = 0; i < r->n; i++) words += r->u[i].nref;
    if (words == 0) {   /* errors / 0 words: no WER, not a 0.00 */
        if (r->ref.n == 0) wren_error("%s: no utterances (empty reference)", ref_path);
        else if (r->n == 0) wren_error("%s: no reference utterance has a hypothesis in %s (--mode present)",
                                       ref_path, hyp_path);
        else wren_error("%s: the %zu scored reference utterances have no words (WER undefined)", ref_path, r->n);
        wren_wer_result_free(r);
        return NULL;
    }
    return r;
}

void wren_wer_result_free(struct wren_wer_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) { free(r->u[i].ref); free(r->u[i].hyp); free(r->u[i].ops); }
    free(r->u);
    wren_table_free(&r->ref);
    wren_table_free(&r->hyp);
    free(r->ref_path);
    free(r->hyp_path);
    free(r);
}

struct wren_wer_counts wren_wer_totals(const struct wren_wer_result *r, long *missing)
{
    struct wren_wer_counts s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < r->n; i++) wren_wer_counts_add(&s, &r->u[i].c);
    if (missing) *missing = r->missing;
    return s;
}

const char *wren_wer_utt(const struct wren_wer_result *r, size_t i, struct wren_wer_counts *c)
{
    if (i >= r->n) return NULL;
    if (c) *c = r->u[i].c;
    return r->u[i].id;
}

static double pct(long num, long den)
{
    if (den == 0) return num == 0 ? 0.0 : INFINITY;
    return 100.0 * (double)num / (double)den;
}

void wren_wer_print_summary(FILE *f, const struct wren_wer_result *r)
{
    long missing;
    struct wren_wer_counts s = wren_wer_totals(r, &missing);
    fprintf(f, "%%WER %.2f [ %ld / %ld, %ld ins, %ld del, %ld sub ]%s\n", pct(wren_wer_errors(&s), s.words),
            wren_wer_errors(&s), s.words, s.ins, s.del, s.sub, missing ? " [PARTIAL]" : "");
    fprintf(f, "%%SER %.2f [ %ld / %ld ]\n", pct(s.sent_errs, s.sents), s.sent_errs, s.sents);
    fprintf(f, "Scored %ld sentences, %ld not present in hyp.\n", s.sents, missing);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void wren_wer_print_json(FILE *f, const struct wren_wer_result *r)
{
    long missing;
    struct wren_wer_counts s = wren_wer_totals(r, &missing);
    double wer = pct(wren_wer_errors(&s), s.words);
    fputs("{\"ref\": ", f);
    json_str(f, r->ref_path);
    fputs(", \"hyp\": ", f);
    json_str(f, r->hyp_path);
    if (isfinite(wer)) fprintf(f, ", \"wer\": %.4f", wer);
    else fputs(", \"wer\": null", f);
    fprintf(f, ", \"errors\": %ld, \"words\": %ld, \"ins\": %ld, \"del\": %ld, \"sub\": %ld, \"corr\": %ld, "
               "\"ser\": %.4f, \"sent_errors\": %ld, \"sentences\": %ld, \"missing\": %ld}\n",
            wren_wer_errors(&s), s.words, s.ins, s.del, s.sub, s.corr, pct(s.sent_errs, s.sents),
            s.sent_errs, s.sents, missing);
}

int wren_wer_write_per_utt(const struct wren_wer_result *r, const char *path)
{
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "w")) return -1;
    fprintf(a.f, "# utt #words #corr #sub #del #ins #err %%wer\n");
    for (size_t i = 0; i < r->n; i++) {
        const struct utt *u = &r->u[i];
        fprintf(a.f, "%s %ld %ld %ld %ld %ld %ld %.2f%s\n", u->id, u->c.words, u->c.corr, u->c.sub, u->c.del,
                u->c.ins, wren_wer_errors(&u->c), pct(wren_wer_errors(&u->c), u->c.words),
                u->missing ? " missing" : "");
    }
    return wren_atomic_commit(&a);
}

struct spk { char *name; struct wren_wer_counts c; };

static int cmp_spk(const void *x, const void *y)
{
    return strcmp(((const struct spk *)x)->name, ((const struct spk *)y)->name);
}

int wren_wer_print_per_spk(FILE *f, const struct wren_wer_result *r, const char *utt2spk)
{
    struct wren_table t;
    if (wren_table_read(utt2spk, &t)) return -1;
    struct wren_table_entry **ix = sorted_index(&t);
    struct spk *s = wren_xcalloc(r->n + 1, sizeof *s);
    size_t ns = 0;
    int rc = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct wren_table_entry *e = lookup(ix, t.n, r->u[i].id);
        if (!e || !*e->value) { rc = wren_error("%s: no speaker for utterance '%s'", utt2spk, r->u[i].id); break; }
        size_t j = 0;
        while (j < ns && strcmp(s[j].name, e->value)) j++;   /* few speakers: linear is fine */
        if (j == ns) s[ns++].name = e->value;
        wren_wer_counts_add(&s[j].c, &r->u[i].c);
    }
    if (rc == 0) {
        qsort(s, ns, sizeof *s, cmp_spk);
        fprintf(f, "%-16s %6s %7s | %6s %6s %6s %6s %6s %6s\n", "SPKR", "#Snt", "#Wrd", "Corr", "Sub", "Del", "Ins",
                "Err", "S.Err");
        struct wren_wer_counts sum;
        memset(&sum, 0, sizeof sum);
        for (size_t j = 0; j <= ns; j++) {
            const struct wren_wer_counts *c = j < ns ? &s[j].c : &sum;
            if (j < ns) wren_wer_counts_add(&sum, c);
            fprintf(f, "%-16s %6ld %7ld | %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f\n", j < ns ? s[j].name : "Sum/Avg",
                    c->sents, c->words, pct(c->corr, c->words), pct(c->sub, c->words), pct(c->del, c->words),
                    pct(c->ins, c->words), pct(wren_wer_errors(c), c->words), pct(c->sent_errs, c->sents));
        }
    }
    free(s);
    free(ix);
    wren_table_free(&t);
    return rc;
}

static void put_upper(FILE *f, const char *w, int upper)
{
    for (; *w; w++) fputc(upper ? toupper((unsigned char)*w) : *w, f);
}

/* One column of a listing: the word (upper-cased when wrong) or asterisks, padded to width. */
static void put_cell(FILE *f, const char *w, int width, int upper)
{
    if (w) { put_upper(f, w, upper); width -= (int)strlen(w); }
    else { for (int k = 0; k < width; k++) fputc('*', f); width = 0; }
    for (int k = 0; k < width; k++) fputc(' ', f);
    fputc(' ', f);
}

static void write_alignment(FILE *f, const struct utt *u)
{
    fprintf(f, "id: (%s)\n", u->id);
    fprintf(f, "Scores: (#C #S #D #I) %ld %ld %ld %ld\n", u->c.corr, u->c.sub, u->c.del, u->c.ins);
    static const char *const ev[] = { " ", "S", "D", "I" };
    for (int line = 0; line < 3; line++) {
        fputs(line == 0 ? "REF:  " : line == 1 ? "HYP:  " : "Eval: ", f);
        int a = 0, b = 0;
        for (int i = 0; i < u->nops; i++) {
            enum wren_wer_op op = u->ops[i];
            const char *rw = op == WREN_WER_INS ? NULL : u->ref[a];
            const char *hw = op == WREN_WER_DEL ? NULL : u->hyp[b];
            int width = (int)(rw && hw ? (strlen(rw) > strlen(hw) ? strlen(rw) : strlen(hw))
                                       : strlen(rw ? rw : hw));
            if (line == 0) put_cell(f, rw, width, op != WREN_WER_COR);
            else if (line == 1) put_cell(f, hw, width, op != WREN_WER_COR);
            else put_cell(f, ev[op], width, 0);
            if (op != WREN_WER_INS) a++;
            if (op != WREN_WER_DEL) b++;
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

int wren_wer_write_alignments(const struct wren_wer_result *r, const char *path)
{
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "w")) return -1;
    for (size_t i = 0; i < r->n; i++) write_alignment(a.f, &r->u[i]);
    return wren_atomic_commit(&a);
}

int wren_wer_compare(const struct wren_wer_result *a, const struct wren_wer_result *b,
                     int resamples, unsigned seed, double ci_level, struct wren_wer_compare *out)
{
    memset(out, 0, sizeof *out);
    if (a->n != b->n) return wren_error("compare: %s scores %zu utterances but %s scores %zu (use --mode all)",
                                        a->hyp_path, a->n, b->hyp_path, b->n);
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->u[i].id, b->u[i].id)) return wren_error("compare: utterance lists differ at '%s'", a->u[i].id);
    size_t n = a->n;
    long *ea = wren_xmalloc((n + 1) * sizeof *ea), *eb = wren_xmalloc((n + 1) * sizeof *eb);
    long *words = wren_xmalloc((n + 1) * sizeof *words);
    long sa = 0, sb = 0, sw = 0;
    double sd = 0, sd2 = 0;
    for (size_t i = 0; i < n; i++) {
        ea[i] = wren_wer_errors(&a->u[i].c);
        eb[i] = wren_wer_errors(&b->u[i].c);
        words[i] = a->u[i].c.words;
        sa += ea[i]; sb += eb[i]; sw += words[i];
        double d = (double)(ea[i] - eb[i]);
        sd += d; sd2 += d * d;
        if (ea[i] < eb[i]) out->a_better++;
        else if (eb[i] < ea[i]) out->b_better++;
    }
    out->utts = (long)n;
    out->wer_a = pct(sa, sw);
    out->wer_b = pct(sb, sw);
    /* matched pairs: z = mean(d) / (sd(d) / sqrt(n)) on per-utterance error differences */
    out->z = 0;
    out->p_mp = 1;
    if (n > 1) {
        double mean = sd / (double)n, var = (sd2 - (double)n * mean * mean) / (double)(n - 1);
        if (var > 0) {
            out->z = mean / sqrt(var / (double)n);
            out->p_mp = erfc(fabs(out->z) / sqrt(2.0));
        } else if (mean != 0) {
            out->z = mean > 0 ? INFINITY : -INFINITY;
            out->p_mp = 0;
        }
    }
    /* paired bootstrap (Bisani & Ney 2004): resample utterances, count sign of the difference */
    long le = 0, ge = 0;
    unsigned long long st = wren_wer_rng_seed(seed);
    for (int k = 0; k < resamples && n > 0; k++) {
        long da = 0, db = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(wren_wer_rng_next(&st) % n);
            da += ea[j];
            db += eb[j];
        }
        if (da <= db) le++;
        if (da >= db) ge++;
    }
    if (resamples > 0 && n > 0) {
        double p = 2.0 * (double)(le < ge ? le : ge) / (double)resamples;
        out->p_boot = p > 1 ? 1 : p;
    } else {
        out->p_boot = 1;
    }
    int rc = 0;
    if (ci_level > 0)
        rc = wren_wer_diff_ci(ea, eb, words, n, resamples, seed, ci_level, &out->diff_lo, &out->diff_hi);
    free(ea); free(eb); free(words);
    return rc;
}
