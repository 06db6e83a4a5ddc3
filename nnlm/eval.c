/* eval.c — perplexity of a text under an NNLM, computed as SRILM's `ngram -ppl` does: every
 * sentence is scored from <s>, its </s> is predicted and counted, and
 * ppl = 10^(-sum log10 p / (words - skipped OOVs + sentences)). Words outside the vocabulary are
 * scored as <unk> and counted (as SRILM does for a model with <unk> in its vocabulary); with
 * skip_oovs their predictions are left out instead (SRILM's default for closed vocabularies).
 * Also the mean and standard deviation of log Z (the softmax normaliser) over the counted
 * tokens: how self-normalised the model is; unnormalised scoring takes log Z as 0.
 * Not for: n-gram perplexity (lm/), or training-time validation shortcuts. */
#include "nnlm/nnlm-internal.h"

#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wren_nnlm_eval_opts_default(struct wren_nnlm_eval_opts *o)
{
    o->debug = 0;
    o->skip_oovs = 0;
    o->batch = 256;
    o->kv = 0;
    o->unnormalized = 0;
}

int wren_nnlm_eval_opts_table(struct wren_nnlm_eval_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "debug", WREN_OPT_INT, &o->debug, "1: a line per sentence; 2: also a line per word" },
        { "skip-oovs", WREN_OPT_BOOL, &o->skip_oovs,
          "leave predictions of out-of-vocabulary words out of the totals (default: score them as <unk>)" },
        { "batch", WREN_OPT_INT, &o->batch, "sentences scored per batch" },
        { "kv", WREN_OPT_BOOL, &o->kv,
          "score word by word through KV-cache states, all sentences of a batch a step at a time, as "
          "lattice and n-best rescoring do (same probabilities; for timing that path)" },
        { "unnormalized", WREN_OPT_BOOL, &o->unnormalized,
          "score every word by its raw logit (log Z taken as 0: no softmax over the vocabulary), as "
          "`wren rescore --unnormalized` does; the ppl then shows what skipping normalisation costs "
          "(meant for models trained with nnlm-train --self-norm)" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_NNLM_EVAL_NOPTS + 1, "WREN_NNLM_EVAL_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

struct sent_buf {
    int n, cap;
    int **ids;
    int *len;
    char **text;   /* original words, for debug output */
    long *line;    /* line number of each sentence in the text, for errors */
    const char *path;
};

static void sb_clear(struct sent_buf *b)
{
    for (int i = 0; i < b->n; i++) { free(b->ids[i]); free(b->text[i]); }
    b->n = 0;
}

/* The log-probabilities of n sentences through the incremental API: at step d every sentence
 * still running predicts its d-th token, all in one wren_nnlm_state_score_many call. */
static int score_kv(struct wren_nnlm *m, int n, int *const *ids, const int *len, float *lp,
                    float *logz)
{
    size_t *start = wren_xmalloc(((size_t)n + 1) * sizeof *start);
    struct wren_nnlm_state **st = wren_xmalloc((size_t)(n ? n : 1) * sizeof *st);
    struct wren_nnlm_state **in = wren_xmalloc((size_t)(n ? n : 1) * sizeof *in);
    struct wren_nnlm_state **next = wren_xmalloc((size_t)(n ? n : 1) * sizeof *next);
    int *who = wren_xmalloc((size_t)(n ? n : 1) * sizeof *who), *word = wren_xmalloc((size_t)(n ? n : 1) * sizeof *word);
    float *out = wren_xmalloc((size_t)(n ? n : 1) * sizeof *out);
    struct wren_nnlm_state *bos = wren_nnlm_state_begin(m);
    int maxlen = 0, rc = 0;
    start[0] = 0;
    for (int i = 0; i < n; i++) {
        start[i + 1] = start[i] + (size_t)len[i] + 1;
        st[i] = wren_nnlm_state_copy(bos);
        if (len[i] > maxlen) maxlen = len[i];
    }
    for (int d = 0; d <= maxlen && !rc; d++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (d <= len[i]) { who[k] = i; in[k] = st[i]; word[k] = d < len[i] ? ids[i][d] : WREN_NNLM_EOS; k++; }
        rc = wren_nnlm_state_score_many(m, k, in, word, out, next);
        for (int j = 0; j < k && !rc; j++) {
            int i = who[j];
            lp[start[i] + (size_t)d] = out[j];
            logz[start[i] + (size_t)d] = m->unnormalized ? 0.0f : wren_nn_state_logz(in[j]);
            wren_nnlm_state_free(st[i]);
            st[i] = NULL;
            if (d < len[i]) st[i] = next[j];
            else wren_nnlm_state_free(next[j]);
        }
    }
    for (int i = 0; i < n; i++) wren_nnlm_state_free(st[i]);
    wren_nnlm_state_free(bos);
    free(start); free(st); free(in); free(next); free(who); free(word); free(out);
    return rc;
}

/* Score the buffered sentences and add them to the totals; non-zero (error reported) when the
 * scorer fails, and then nothing is added. */
static int flush(struct wren_nnlm *m, struct sent_buf *b, const struct wren_nnlm_eval_opts *o,
                 FILE *out, struct wren_nnlm_eval_result *r, double zacc[2])
{
    const struct wren_nnlm_vocab *v = m->vocab;
    size_t total = 0;
    for (int i = 0; i < b->n; i++) total += (size_t)b->len[i] + 1;
    float *lp = wren_xmalloc(2 * (total ? total : 1) * sizeof *lp), *logz = lp + (total ? total : 1);
    int rc = o->kv ? score_kv(m, b->n, b->ids, b->len, lp, logz)
                   : wren_nn_score_sentences(m, b->n, (const int *const *)b->ids, b->len, lp, NULL, logz);
    if (rc) { free(lp); sb_clear(b); return rc; }
    size_t k = 0;
    for (int i = 0; i < b->n; i++) {
        double s10 = 0;
        long oov = 0, counted = 0;
        if (o->debug >= 1 && b->text[i]) fprintf(out, "%s\n", b->text[i]);
        char *save = NULL, *w = b->text[i] ? strtok_r(b->text[i], " \t\r\n", &save) : NULL;
        for (int j = 0; j <= b->len[i]; j++, k++) {
            int id = j < b->len[i] ? b->ids[i][j] : WREN_NNLM_EOS;
            if (!isfinite(lp[k])) {   /* an overflowing forward pass: no figure to print */
                rc = wren_error("%s:%ld: token %d (%s): the model's log-probability is %s", b->path,
                                b->line[i], j + 1, j < b->len[i] ? wren_nnlm_vocab_word(v, id) : "</s>",
                                isnan(lp[k]) ? "NaN" : "infinite");
                free(lp);
                sb_clear(b);
                return rc;
            }
            int is_oov = id == WREN_NNLM_UNK;
            oov += is_oov && j < b->len[i];
            double l10 = lp[k] / log(10.0);
            if (!(is_oov && o->skip_oovs)) {
                s10 += l10;
                counted++;
                zacc[0] += logz[k];
                zacc[1] += (double)logz[k] * logz[k];
            }
            if (o->debug >= 2) {
                const char *word = j < b->len[i] ? (w ? w : wren_nnlm_vocab_word(v, id)) : "</s>";
                fprintf(out, "\tp( %s | %s ) = %s%.6g [ %.6f ]\n", word,
                        j == 0 ? "<s>" : "...", is_oov ? "[OOV] " : "", pow(10.0, l10), l10);
            }
            if (w && j < b->len[i]) w = strtok_r(NULL, " \t\r\n", &save);
        }
        r->sentences++;
        r->words += b->len[i];
        r->oovs += oov;
        r->logprob10 += s10;
        if (o->debug >= 1)
            fprintf(out, "1 sentences, %d words, %ld OOVs\nlogprob= %.6f ppl= %.6g\n\n", b->len[i], oov,
                    s10, counted > 0 ? pow(10.0, -s10 / (double)counted) : 0.0);
    }
    free(lp);
    sb_clear(b);
    return 0;
}

int wren_nnlm_eval_text(struct wren_nnlm *m, const char *text, const struct wren_nnlm_eval_opts *o,
                        FILE *out, struct wren_nnlm_eval_result *r)
{
    memset(r, 0, sizeof *r);
    struct wren_input in;
    if (wren_input_open(&in, text)) return -1;
    int batch = o->batch > 0 ? o->batch : 256;
    struct sent_buf b = { 0, batch, wren_xmalloc((size_t)batch * sizeof(int *)),
                          wren_xmalloc((size_t)batch * sizeof(int)), wren_xmalloc((size_t)batch * sizeof(char *)),
                          wren_xmalloc((size_t)batch * sizeof(long)), text };
    long lineno = 0;
    char *line = NULL;
    size_t cap = 0;
    long skipped_oov_preds = 0;
    double zacc[2] = { 0, 0 };   /* sum of log Z and of its square over the counted tokens */
    int rc = 0, was_unnormalized = wren_nnlm_unnormalized(m);
    wren_nnlm_set_unnormalized(m, o->unnormalized);
    while (getline(&line, &cap, in.f) > 0) {
        lineno++;
        char *copy = o->debug >= 1 ? wren_xstrdup(line) : NULL;
        size_t len = strlen(line);
        int *ids = wren_xmalloc((len / 2 + 2) * sizeof *ids), n = 0;
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
            int id = wren_nnlm_vocab_id(m->vocab, w);
            if (id == WREN_NNLM_BOS || id == WREN_NNLM_EOS) continue;
            ids[n++] = id;
            skipped_oov_preds += o->skip_oovs && id == WREN_NNLM_UNK;
        }
        if (n == 0) { free(ids); free(copy); continue; }
        if (copy) {
            size_t cl = strlen(copy);
            while (cl && (copy[cl - 1] == '\n' || copy[cl - 1] == '\r')) copy[--cl] = 0;
        }
        b.ids[b.n] = ids;
        b.len[b.n] = n;
        b.text[b.n] = copy;
        b.line[b.n] = lineno;
        b.n++;
        if (b.n == batch && (rc = flush(m, &b, o, out, r, zacc))) break;
    }
    if (!rc && b.n) rc = flush(m, &b, o, out, r, zacc);
    wren_nnlm_set_unnormalized(m, was_unnormalized);
    free(line);
    free(b.ids);
    free(b.len);
    free(b.text);
    free(b.line);
    if (wren_input_close(&in) || rc) return -1;
    double denom = (double)(r->words - skipped_oov_preds + r->sentences);
    if (r->sentences == 0)   /* a perplexity of nothing is not 0 */
        return wren_error("%s: no sentences to score (empty text)", text);
    r->ppl = pow(10.0, -r->logprob10 / denom);
    if (!isfinite(r->ppl))
        return wren_error("%s: perplexity overflows (log10 prob %.4g over %.0f tokens)", text,
                          r->logprob10, denom);
    r->log_z_mean = zacc[0] / denom;
    double var = zacc[1] / denom - r->log_z_mean * r->log_z_mean;
    r->log_z_sd = var > 0 ? sqrt(var) : 0;
    return 0;
}
