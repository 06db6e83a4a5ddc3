/* distill.c — knowledge distillation from a dense teacher NNLM: checking that a model can teach
 * another (same vocabulary, enough context), running the teacher forward (no gradient) on the
 * student's training batches to its next-word distributions at a temperature, and the mean KL
 * divergence from a teacher to a student over a text. The student's side of the objective (its
 * gradient) is in layers.c (struct nnlm_distill, nnlm-internal.h); train.c runs both.
 * Only the teacher's output distribution is used, so its shape (width, heads, pruned or not) may
 * differ from the student's. Not for: training itself (train.c). */
#include "nnlm/nnlm-internal.h"

#include "utils/matrix.h"
#include "nnlm/vmath.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wren_nnlm_distill_check(const struct wren_nnlm *m, const struct wren_nnlm *teacher,
                            const char *teacher_path)
{
    int n = m->c.vocab_size, nt = teacher->c.vocab_size;
    if (nt != n)
        return wren_error("%s: the teacher's vocabulary has %d words, the student's %d (distillation "
                          "needs the same words in the same order)", teacher_path, nt, n);
    for (int i = 0; i < n; i++) {
        const char *a = wren_nnlm_vocab_word(teacher->vocab, i), *b = wren_nnlm_vocab_word(m->vocab, i);
        if (strcmp(a, b))
            return wren_error("%s: the teacher's vocabulary differs from the student's at id %d ('%s', "
                              "not '%s'; distillation needs the same words in the same order)",
                              teacher_path, i, a, b);
    }
    if (teacher->c.context < m->c.context)
        return wren_error("%s: the teacher's context %d is shorter than the student's %d (it runs on "
                          "the student's windows)", teacher_path, teacher->c.context, m->c.context);
    return 0;
}

const char *wren_nnlm_distilled_from(const struct wren_nnlm *m, float *weight, float *temp)
{
    if (weight) *weight = m->distill_teacher ? m->c.distill_weight : 0.0f;
    if (temp) *temp = m->distill_teacher ? m->c.distill_temp : 1.0f;
    return m->distill_teacher;
}

struct nnlm_teacher {
    struct wren_nnlm *m;
    struct nnlm_fb *fb;
    int B, T;
    float *q;        /* [B*T, V]: logits, then probabilities at the temperature */
    float *negent;   /* [B*T] */
    struct nnlm_distill d;
};

struct nnlm_teacher *wren_nn_teacher_create(const char *path, const struct wren_nnlm *m, int B, int T,
                                            float weight, float temp)
{
    struct wren_nnlm *tm = wren_nnlm_load(path);
    if (!tm) return NULL;
    if (wren_nnlm_distill_check(m, tm, path)) { wren_nnlm_free(tm); return NULL; }
    struct nnlm_teacher *t = wren_xcalloc(1, sizeof *t);
    t->m = tm;
    t->B = B;
    t->T = T;
    t->fb = wren_nn_fb_create(tm, B, T, 0);
    t->q = wren_fbuf_alloc((size_t)B * T * tm->c.vocab_size);
    t->negent = wren_fbuf_alloc((size_t)B * T);
    t->d.q = t->q;
    t->d.negent = t->negent;
    t->d.weight = weight;
    t->d.temp = temp;
    return t;
}

void wren_nn_teacher_free(struct nnlm_teacher *t)
{
    if (!t) return;
    wren_nn_fb_free(t->fb);
    wren_fbuf_free(t->q);
    wren_fbuf_free(t->negent);
    wren_nnlm_free(t->m);
    free(t);
}

/* Row z [V] of logits to softmax(z / temp) in place; returns sum_j q_j log q_j. */
static float tempered_softmax(float *z, int V, float temp)
{
    float k = 1.0f / temp, mx = nnlm_vmax(z, (size_t)V);
    double sx, s = nnlm_vsum_exp_scaled(z, mx, k, (size_t)V, &sx), log_s = log(s);
    nnlm_vexp_scaled(z, z, (float)(mx + temp * log_s), k, (size_t)V);
    /* log q_j = (z_j - mx) k - log s */
    return (float)(k * sx / s - log_s);
}

struct nnlm_distill *wren_nn_teacher_run(struct nnlm_teacher *t, const struct nnlm_batch *b)
{
    int V = t->m->c.vocab_size, N = b->B * b->T;
    if (b->B > t->B || b->T > t->T) {   /* train.c sizes both from the same B x T */
        wren_error("nnlm teacher: a batch of %dx%d tokens, its workspace holds %dx%d", b->B, b->T, t->B, t->T);
        return NULL;
    }
    wren_nn_forward_logits(t->m, t->fb, b, t->q);
    int nt = wren_nn_par_threads((size_t)N * V);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int i = 0; i < N; i++)
        t->negent[i] = b->tgt[i] < 0 ? 0.0f : tempered_softmax(t->q + (size_t)i * V, V, t->d.temp);
    t->d.kl = 0;
    return &t->d;
}

/* Rows of up to T targets: each sentence from <s>; one longer than T is cut into windows of T
 * (a later window starts without <s>, its history truncated). Fills rows from sentence *si,
 * token offset *off within it; returns the targets placed. */
static long fill_rows(const struct nnlm_corpus *c, size_t *si, size_t *off, int B, int T, int *tok,
                      int *tgt, int *pos, int *seg, long room)
{
    long placed = 0;
    for (int r = 0; r < B; r++)
        for (int j = 0; j < T; j++) {
            size_t i = (size_t)r * T + (size_t)j;
            tok[i] = WREN_NNLM_BOS;
            tgt[i] = -1;
            pos[i] = j;
            seg[i] = 0;
        }
    for (int r = 0; r < B && *si < c->nsent && placed < room; r++) {
        size_t a = c->sent[*si], end = *si + 1 < c->nsent ? c->sent[*si + 1] : c->ntok;
        size_t ntgt = end - a - 1;   /* every token after <s>, </s> included */
        int j = 0;
        for (; j < T && *off < ntgt && placed < room; j++, (*off)++, placed++) {
            tok[(size_t)r * T + j] = c->tok[a + *off];
            tgt[(size_t)r * T + j] = c->tok[a + *off + 1];
        }
        if (*off >= ntgt) { (*si)++; *off = 0; }
    }
    return placed;
}

int wren_nnlm_distill_kl_text(struct wren_nnlm *teacher, struct wren_nnlm *m, const char *text,
                              long max_tokens, double *kl)
{
    if (wren_nnlm_distill_check(m, teacher, "teacher")) return -1;
    struct nnlm_corpus c;
    if (wren_nn_corpus_read(text, m->vocab, &c)) return -1;
    if (c.nsent == 0) { wren_nn_corpus_free(&c); return wren_error("%s: no sentences", text); }
    int B = 8, T = m->c.context, V = m->c.vocab_size;   /* two B*T*V logit buffers */
    size_t N = (size_t)B * T;
    int *tok = wren_xmalloc(N * sizeof *tok), *tgt = wren_xmalloc(N * sizeof *tgt);
    int *pos = wren_xmalloc(N * sizeof *pos), *seg = wren_xmalloc(N * sizeof *seg);
    float *zs = wren_fbuf_alloc(N * V), *zt = wren_fbuf_alloc(N * V);
    struct nnlm_fb *fs = wren_nn_fb_create(m, B, T, 0), *ft = wren_nn_fb_create(teacher, B, T, 0);
    size_t si = 0, off = 0;
    double sum = 0;
    long count = 0, room = max_tokens > 0 ? max_tokens : -1;
    while (si < c.nsent && (room < 0 || count < room)) {
        count += fill_rows(&c, &si, &off, B, T, tok, tgt, pos, seg, room < 0 ? (long)N : room - count);
        struct nnlm_batch b = { .B = B, .T = T, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg };
        wren_nn_forward_logits(m, fs, &b, zs);
        wren_nn_forward_logits(teacher, ft, &b, zt);
        for (size_t i = 0; i < N; i++) {
            if (tgt[i] < 0) continue;
            float *q = zt + i * V;
            const float *z = zs + i * V;
            double negent = tempered_softmax(q, V, 1.0f), lse = wren_nn_vlogsumexp(z, (size_t)V), qz = 0;
            for (int j = 0; j < V; j++) qz += (double)q[j] * z[j];
            sum += negent - (qz - lse);   /* sum_j q_j (log q_j - log p_j) */
        }
    }
    wren_nn_fb_free(fs);
    wren_nn_fb_free(ft);
    wren_fbuf_free(zs);
    wren_fbuf_free(zt);
    free(tok); free(tgt); free(pos); free(seg);
    wren_nn_corpus_free(&c);
    *kl = count > 0 ? sum / (double)count : 0.0;
    if (!isfinite(*kl)) return wren_error("%s: the KL divergence from the teacher is %g", text, *kl);
    return 0;
}
