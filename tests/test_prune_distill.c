/* test_prune_distill.c — knowledge distillation in fine-tuning (nnlm-train --distill, wren prune
 * --distill): finite-difference checks of the gradient of (1-A) CE + a (log Z)^2 + A T^2 KL
 * (output layer alone at temperatures 1, 2 and 0.5; the whole model with a dense, factored and
 * masked embedding) and of the KL value; weight 0 gives plain fine-tuning's model bit for bit; on
 * real text (Brown) distillation at a fixed budget leaves a pruned student closer to its dense
 * teacher (KL on held-out text) than plain fine-tuning does, for masked, factored and structured
 * (narrower d_model) students, and a small student trained from scratch too; the model records
 * it; wrong teachers (other vocabulary, shorter context, missing file) and bad weights and
 * temperatures are refused. A tiny teacher is trained once per process. */
#include "testutil.h"

#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "prune/wren-prune.h"
#include "utils/wren-util.h"
#define FD_SEED 555
#include "fdcheck.h"

#include <math.h>
#include <stdint.h>

static void fill(float *p, size_t n, uint64_t seed, float scale)
{
    for (size_t i = 0; i < n; i++) {
        seed = wren_nn_hash64(seed);
        p[i] = scale * ((float)nnlm_uniform(seed) * 2.0f - 1.0f);
    }
}

/* n teacher rows over V words: softmax(z / T) of random logits z, and sum q log q per row. */
static void teacher_rows(float *q, float *negent, int n, int V, float T, uint64_t seed)
{
    float *z = malloc((size_t)V * sizeof *z);
    for (int i = 0; i < n; i++) {
        fill(z, (size_t)V, seed + (uint64_t)i, 3.0f);
        double mx = -INFINITY, s = 0, ent = 0;
        for (int j = 0; j < V; j++) mx = z[j] > mx ? z[j] : mx;
        for (int j = 0; j < V; j++) s += exp((z[j] - mx) / T);
        for (int j = 0; j < V; j++) {
            double p = exp((z[j] - mx) / T) / s;
            q[(size_t)i * V + j] = (float)p;
            ent += p * log(p);
        }
        negent[i] = (float)ent;
    }
    free(z);
}


/* ---------------------------------------------------------------- gradients */

enum { ON = 5, OD = 4, OV = 9 };
struct out_ctx {
    float *h, *E, *b, *logits, *dh, *dE, *db;   /* dh, dE, db: scratch of the objective */
    int *tgt;
    float a;
    struct nnlm_distill *d;
};

/* The whole objective summed over the rows: (1-A) CE + a sum (log Z)^2 + A T^2 sum KL. */
static double out_objective(void *c)
{
    struct out_ctx *t = c;
    double loss = 0;
    t->d->kl = 0;
    struct nnlm_out_obj obj = { t->a, 0, NULL, 0, t->d };
    memset(t->dE, 0, sizeof(float) * OV * OD);
    memset(t->db, 0, sizeof(float) * OV);
    wren_nn_output_fwd_bwd(t->h, t->tgt, ON, OD, OV, t->E, t->b, 1.0f, &loss, NULL, t->dh, t->dE, t->db,
                           t->logits, 2, &obj);
    double A = t->d->weight, T = t->d->temp;
    return (1 - A) * loss + t->a * obj.zsq + A * T * T * t->d->kl;
}

static void check_output_grad(float T)
{
    float h[ON * OD], E[OV * OD], b[OV], logits[2 * OV], q[ON * OV], negent[ON];
    float dh[ON * OD], dE[OV * OD] = { 0 }, db[OV] = { 0 }, sh[ON * OD], sE[OV * OD], sb[OV];
    int tgt[ON] = { 3, -1, 0, 8, 3 };
    fill(h, ON * OD, 27, 1); fill(E, OV * OD, 28, 1); fill(b, OV, 29, 1);
    for (int v = 0; v < OV; v++) b[v] += 1.0f;   /* log Z away from 0: the self-norm term matters */
    teacher_rows(q, negent, ON, OV, T, 31);
    struct nnlm_distill d = { q, negent, 0.6f, T, 0 };
    struct out_ctx c = { h, E, b, logits, sh, sE, sb, tgt, 0.3f, &d };
    double loss = 0;
    struct nnlm_out_obj obj = { 0.3f, 0, NULL, 0, &d };
    wren_nn_output_fwd_bwd(h, tgt, ON, OD, OV, E, b, 1.0f, &loss, NULL, dh, dE, db, logits, 2, &obj);
    /* the KL value, in double: sum over target rows of sum_j q_j (log q_j - log p_T,j) */
    double kl = 0;
    for (int i = 0; i < ON; i++) {
        if (tgt[i] < 0) continue;
        double z[OV], mx = -INFINITY, s = 0;
        for (int v = 0; v < OV; v++) {
            z[v] = b[v];
            for (int j = 0; j < OD; j++) z[v] += (double)h[i * OD + j] * E[v * OD + j];
            mx = z[v] > mx ? z[v] : mx;
        }
        for (int v = 0; v < OV; v++) s += exp((z[v] - mx) / T);
        for (int v = 0; v < OV; v++) {
            double lq = log(q[i * OV + v]), lpt = (z[v] - mx) / T - log(s);
            kl += q[i * OV + v] * (lq - lpt);
        }
    }
    ck_assert_msg(kl > 0.1, "T %g: KL %g too small to test the term", T, kl);
    ck_assert_msg(fabs(d.kl - kl) <= 1e-4 * (1 + kl), "T %g: KL %g, in double %g", T, d.kl, kl);
    char what[64];
    snprintf(what, sizeof what, "T %g dh", T);
    fd_check(what, out_objective, &c, h, dh, ON * OD, ON * OD, 1e-2, 1e-2);
    snprintf(what, sizeof what, "T %g dE", T);
    fd_check(what, out_objective, &c, E, dE, OV * OD, OV * OD, 1e-2, 1e-2);
    snprintf(what, sizeof what, "T %g dbias", T);
    fd_check(what, out_objective, &c, b, db, OV, OV, 1e-2, 1e-2);
    /* weight 0: the plain gradient, bit for bit; weight 0.6: a different one */
    float ph[ON * OD], pE[OV * OD] = { 0 }, pb[OV] = { 0 }, zh[ON * OD], zE[OV * OD] = { 0 }, zb[OV] = { 0 };
    double lp = 0, lz = 0;
    struct nnlm_out_obj plain = { 0.3f, 0, NULL, 0, NULL };
    wren_nn_output_fwd_bwd(h, tgt, ON, OD, OV, E, b, 1.0f, &lp, NULL, ph, pE, pb, logits, 2, &plain);
    struct nnlm_distill d0 = { q, negent, 0.0f, T, 0 };
    struct nnlm_out_obj zero = { 0.3f, 0, NULL, 0, &d0 };
    wren_nn_output_fwd_bwd(h, tgt, ON, OD, OV, E, b, 1.0f, &lz, NULL, zh, zE, zb, logits, 2, &zero);
    ck_assert(lp == lz && lp == loss);   /* the returned loss is the cross-entropy */
    if (T == 1.0f) ck_assert(!memcmp(ph, zh, sizeof ph) && !memcmp(pE, zE, sizeof pE) && !memcmp(pb, zb, sizeof pb));
    double diff = 0;
    for (int v = 0; v < OV; v++) diff += fabs(pb[v] - db[v]);
    ck_assert_msg(diff > 0.05, "T %g: the distillation term does not change dbias", T);
}

START_TEST(test_grad_output_distill)
{
    check_output_grad(1.0f);
    check_output_grad(2.0f);
    check_output_grad(0.5f);
}
END_TEST

struct model_ctx { struct wren_nnlm *m; struct nnlm_fb *fb; struct nnlm_batch *b; float *scratch; };
static double model_objective(void *c)
{
    struct model_ctx *t = c;
    long nt;
    double zsq = 0;
    t->b->zsq = &zsq;
    t->b->distill->kl = 0;
    double ce = wren_nn_forward_backward(t->m, t->fb, t->b, t->scratch, 0.0f, 5, 3, &nt, NULL);
    double A = t->b->distill->weight, T = t->b->distill->temp;
    return ((1 - A) * ce + t->b->self_norm * zsq + A * T * T * t->b->distill->kl) / (double)nt;
}

static void check_model_grad(int emb)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = fd_test_model(v, emb, 93);
    enum { B = 2, T = 8, V = 12 };
    int tok[B * T] = { 0, 3, 4, 5, 1, 0, 3, 9, 0, 10, 6, 7, 8, 3, 4, 1 };
    int tgt[B * T] = { 3, 4, 5, 1, -1, 3, 9, 2, 10, 6, 7, 8, 3, 4, 1, -1 };
    int pos[B * T], seg[B * T];
    for (int r = 0; r < B; r++) {
        int last = 0;
        for (int i = 0; i < T; i++) {
            if (tok[r * T + i] == 0) last = i;
            seg[r * T + i] = last;
            pos[r * T + i] = i - last;
        }
    }
    float q[B * T * V], negent[B * T];
    teacher_rows(q, negent, B * T, V, 2.0f, 41);
    struct nnlm_distill d = { q, negent, 0.6f, 2.0f, 0 };
    struct nnlm_batch b = { .B = B, .T = T, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg,
                            .self_norm = 0.25f, .distill = &d };
    struct nnlm_fb *fb = wren_nn_fb_create(m, B, T, 1);
    float *grad = wren_fbuf_alloc(m->nparams), *scratch = wren_fbuf_alloc(m->nparams);
    long nt;
    wren_nn_forward_backward(m, fb, &b, grad, 0.0f, 5, 3, &nt, NULL);
    ck_assert_int_eq(nt, 14);
    ck_assert_msg(d.kl / nt > 0.1, "mean KL %g: too small to test the term", d.kl / nt);
    struct model_ctx c = { m, fb, &b, scratch };
    /* eps 2e-3: at 5e-3 the curvature of these large weights already shows (pos_emb) */
    ck_assert_int_gt(fd_check_tensors(m, grad, model_objective, &c, 2e-3), 20);
    wren_fbuf_free(grad);
    wren_fbuf_free(scratch);
    wren_nn_fb_free(fb);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(dir);
}

START_TEST(test_grad_model_distill_dense_emb) { check_model_grad(0); }
END_TEST

START_TEST(test_grad_model_distill_factored_emb) { check_model_grad(1); }
END_TEST

START_TEST(test_grad_model_distill_masked_emb) { check_model_grad(2); }
END_TEST

/* ---------------------------------------------------------------- real text */

static char *dir, *train_txt, *dev_txt, *teacher;

static void teacher_once(void)
{
    if (teacher) return;
    dir = test_tmpdir();
    size_t n = strlen(dir) + 32;
    train_txt = malloc(n); dev_txt = malloc(n); teacher = malloc(n);
    snprintf(train_txt, n, "%s/train.txt", dir);
    snprintf(dev_txt, n, "%s/dev.txt", dir);
    snprintf(teacher, n, "%s/teacher.safetensors", dir);
    test_brown_split(dir, 1400, 1000, 200, train_txt, dev_txt);
    struct wren_nnlm_train_opts t;
    wren_nnlm_train_opts_default(&t);
    t.train = train_txt; t.out = teacher; t.vocab_size = 1000;
    t.layers = 2; t.d_model = 32; t.heads = 4; t.ffn = 64; t.context = 16;
    t.batch = 16; t.steps = 400; t.valid_every = 400; t.lr = 3e-3; t.dropout = 0; t.threads = 1;
    wren_verbosity = 0;
    ck_assert_int_eq(wren_nnlm_train(&t, NULL, NULL), 0);
}

/* One-shot prune of the teacher with fine-tuning on `steps` batches of 8 x 16 tokens, plain
 * (distill NULL) or distilled; returns the model DIR/NAME-<size>.safetensors. */
static struct wren_nnlm *prune_ft(const char *name, const char *method, const char *size, long steps,
                                  const char *distill, double weight)
{
    char prefix[512], out[600];
    snprintf(prefix, sizeof prefix, "%s/%s", dir, name);
    struct wren_prune_opts o;
    wren_prune_opts_default(&o);
    o.model = teacher; o.out_prefix = prefix; o.method = method; o.criterion = "magnitude";
    o.embedding = 1; o.sizes = size; o.finetune_text = train_txt; o.finetune_tokens = steps * 8 * 16;
    o.steps = 1; o.lr = 1e-3; o.distill = distill; o.distill_weight = weight;
    ck_assert_msg(wren_prune_run(&o) == 0, "%s: %s", name, wren_error_msg());
    snprintf(out, sizeof out, "%s-%s.safetensors", prefix, size);
    struct wren_nnlm *m = wren_nnlm_load(out);
    ck_assert_msg(m != NULL, "%s", wren_error_msg());
    return m;
}

static double kl_to_teacher(struct wren_nnlm *m)
{
    struct wren_nnlm *t = wren_nnlm_load(teacher);
    double kl;
    ck_assert_msg(wren_nnlm_distill_kl_text(t, m, dev_txt, 0, &kl) == 0, "%s", wren_error_msg());
    wren_nnlm_free(t);
    return kl;
}

START_TEST(test_weight_zero_is_plain)
{
    teacher_once();
    struct wren_nnlm *p = prune_ft("plain0", "lowrank", "0.5", 30, NULL, 0.5);
    struct wren_nnlm *z = prune_ft("zero", "lowrank", "0.5", 30, teacher, 0.0);
    ck_assert_ptr_null(wren_nnlm_distilled_from(p, NULL, NULL));
    float w = -1;
    ck_assert_str_eq(wren_nnlm_distilled_from(z, &w, NULL), teacher);   /* recorded, with its weight */
    ck_assert(w == 0.0f);
    ck_assert_int_eq(wren_nnlm_num_tensors(p), wren_nnlm_num_tensors(z));
    for (int i = 0; i < wren_nnlm_num_tensors(p); i++) {
        const char *name = wren_nnlm_tensor_name(p, i);
        int r1, c1, r2, c2;
        const float *a = wren_nnlm_tensor(p, name, &r1, &c1), *b = wren_nnlm_tensor(z, name, &r2, &c2);
        if (!a) continue;   /* a mask */
        ck_assert(b && r1 == r2 && c1 == c2);
        ck_assert_msg(!memcmp(a, b, (size_t)r1 * (c1 ? c1 : 1) * sizeof *a), "%s differs from plain fine-tuning", name);
    }
    /* and the pruned model really was fine-tuned: a distilled one (weight 0.5) differs */
    struct wren_nnlm *h = prune_ft("half", "lowrank", "0.5", 30, teacher, 0.5);
    const float *a = wren_nnlm_tensor(p, "ln_f.weight", NULL, NULL), *b = wren_nnlm_tensor(h, "ln_f.weight", NULL, NULL);
    ck_assert(memcmp(a, b, (size_t)wren_nnlm_d_model(p) * sizeof *a));
    wren_nnlm_free(h); wren_nnlm_free(z); wren_nnlm_free(p);
}
END_TEST

/* At the same fine-tuning budget, the distilled student is closer to the teacher on held-out
 * text than the plainly fine-tuned one: masked (unstructured, with the embedding), factored
 * (lowrank, with the embedding) and narrower (structured, with residual channels). */
START_TEST(test_distill_moves_towards_teacher)
{
    teacher_once();
    const char *methods[] = { "unstructured", "lowrank", "structured" }, *sizes[] = { "0.3", "0.3", "0.5" };
    for (int mi = 0; mi < 3; mi++) {
        char name[64];
        snprintf(name, sizeof name, "plain-%s", methods[mi]);
        struct wren_nnlm *p = prune_ft(name, methods[mi], sizes[mi], 40, NULL, 0.5);
        snprintf(name, sizeof name, "dist-%s", methods[mi]);
        struct wren_nnlm *d = prune_ft(name, methods[mi], sizes[mi], 40, teacher, 0.5);
        double kp = kl_to_teacher(p), kd = kl_to_teacher(d);
        fprintf(stderr, "%s %s: KL to the teacher on dev: plain fine-tuning %.4f, distilled %.4f\n",
                methods[mi], sizes[mi], kp, kd);
        ck_assert_msg(kd < kp, "%s: distilled KL %g not below plain %g", methods[mi], kd, kp);
        float w = 0, t = 0;
        ck_assert_str_eq(wren_nnlm_distilled_from(d, &w, &t), teacher);
        ck_assert(w == 0.5f && t == 1.0f);
        if (mi == 2) ck_assert_int_lt(wren_nnlm_d_model(d), 32);   /* a narrower student */
        if (mi == 0) ck_assert_ptr_nonnull(wren_nnlm_tensor_mask(d, "tok_emb.mask", NULL, NULL));
        if (mi == 1) ck_assert_int_gt(wren_nnlm_emb_rank(d), 0);
        wren_nnlm_free(p); wren_nnlm_free(d);
    }
}
END_TEST

/* nnlm-train --distill: a smaller student (another shape) trained from scratch with the teacher
 * ends closer to it than the same training without; a temperature other than 1 trains too. */
START_TEST(test_nnlm_train_distill)
{
    teacher_once();
    char vocab[512], out[3][512];
    snprintf(vocab, sizeof vocab, "%s/vocab.txt", dir);
    struct wren_nnlm *t = wren_nnlm_load(teacher);
    ck_assert_int_eq(wren_nnlm_vocab_write(wren_nnlm_get_vocab(t), vocab), 0);
    wren_nnlm_free(t);
    double kl[3];
    for (int k = 0; k < 3; k++) {
        snprintf(out[k], sizeof out[k], "%s/student%d.safetensors", dir, k);
        struct wren_nnlm_train_opts o;
        wren_nnlm_train_opts_default(&o);
        o.train = train_txt; o.out = out[k]; o.vocab = vocab;
        o.layers = 1; o.d_model = 16; o.heads = 2; o.ffn = 32; o.context = 16;
        o.batch = 16; o.steps = 150; o.valid_every = 150; o.lr = 3e-3; o.dropout = 0; o.threads = 1;
        if (k > 0) { o.distill = teacher; o.distill_weight = 0.9; }
        if (k == 2) o.distill_temp = 2.0;
        ck_assert_msg(wren_nnlm_train(&o, NULL, NULL) == 0, "%s", wren_error_msg());
        struct wren_nnlm *m = wren_nnlm_load(out[k]);
        ck_assert_ptr_nonnull(m);
        kl[k] = kl_to_teacher(m);
        float w, temp;
        const char *from = wren_nnlm_distilled_from(m, &w, &temp);
        if (k == 0) ck_assert_ptr_null(from);
        else ck_assert(from && !strcmp(from, teacher) && w == 0.9f && temp == (k == 2 ? 2.0f : 1.0f));
        wren_nnlm_free(m);
    }
    fprintf(stderr, "from scratch: KL to the teacher on dev: plain %.4f, distilled %.4f, at T=2 %.4f\n",
            kl[0], kl[1], kl[2]);
    ck_assert_msg(kl[1] < kl[0], "distilled KL %g not below plain %g", kl[1], kl[0]);
    ck_assert(isfinite(kl[2]));
}
END_TEST

/* ---------------------------------------------------------------- refusals */

/* A model over the teacher's words: the same (mode 0), two swapped (1) or the last dropped (2). */
static char *other_vocab_model(const char *name, int mode, int context)
{
    struct wren_nnlm *t = wren_nnlm_load(teacher);
    const struct wren_nnlm_vocab *tv = wren_nnlm_get_vocab(t);
    int n = wren_nnlm_vocab_size(tv);
    char vpath[512], *path = malloc(512);
    snprintf(vpath, sizeof vpath, "%s/%s.vocab", dir, name);
    snprintf(path, 512, "%s/%s.safetensors", dir, name);
    FILE *f = fopen(vpath, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 3; i < n - (mode == 2); i++) {
        int j = mode == 1 ? (i == 10 ? 11 : i == 11 ? 10 : i) : i;
        fprintf(f, "%s\n", wren_nnlm_vocab_word(tv, j));
    }
    fclose(f);
    struct wren_nnlm_vocab *v = wren_nnlm_vocab_read(vpath);
    struct wren_nnlm_arch a;
    wren_nnlm_arch_default(&a);
    a.n_layers = 1; a.d_model = 16; a.n_heads = 2; a.d_ffn = 16; a.context = context;
    struct wren_nnlm *m = wren_nnlm_create(&a, v, 5);
    ck_assert_int_eq(wren_nnlm_save(m, path), 0);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    wren_nnlm_free(t);
    return path;
}

START_TEST(test_bad_teachers_and_options)
{
    teacher_once();
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s/bad", dir);
    char *swapped = other_vocab_model("swapped", 1, 16), *cut = other_vocab_model("cut", 2, 16);
    char *shortctx = other_vocab_model("short", 0, 8);
    struct { const char *teacher; double weight, temp; long tokens; const char *expect, *expect2; } cases[] = {
        { swapped, 0.5, 1, 1280, swapped, "differs from the student's" },
        { cut, 0.5, 1, 1280, cut, "vocabulary has" },
        { shortctx, 0.5, 1, 1280, shortctx, "context 8" },
        { "/nonexistent/teacher.safetensors", 0.5, 1, 1280, "/nonexistent/teacher.safetensors", "" },
        { teacher, 1.5, 1, 1280, "--distill-weight", "[0,1]" },
        { teacher, -0.1, 1, 1280, "--distill-weight", "[0,1]" },
        { teacher, NAN, 1, 1280, "--distill-weight", "[0,1]" },
        { teacher, 0.5, 0, 1280, "--distill-temperature", "> 0" },
        { teacher, 0.5, -2, 1280, "--distill-temperature", "> 0" },
        { teacher, 0.5, INFINITY, 1280, "--distill-temperature", "> 0" },
        { teacher, 0.5, 1, 0, "--finetune-tokens", "--distill" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wren_prune_opts o;
        wren_prune_opts_default(&o);
        o.model = teacher; o.out_prefix = prefix; o.method = "lowrank"; o.sizes = "0.5";
        o.finetune_text = train_txt; o.finetune_tokens = cases[i].tokens;
        o.distill = cases[i].teacher; o.distill_weight = cases[i].weight; o.distill_temp = cases[i].temp;
        ck_assert_int_eq(wren_prune_run(&o), -1);
        const char *msg = wren_error_msg();
        ck_assert_msg(strstr(msg, cases[i].expect) && strstr(msg, cases[i].expect2) && !strchr(msg, '\n'),
                      "case %zu: %s", i, msg);
    }
    /* refused before any work: no output */
    char out[600];
    snprintf(out, sizeof out, "%s-0.5.safetensors", prefix);
    ck_assert_msg(access(out, F_OK) != 0, "%s written despite a bad teacher", out);
    /* nnlm-train --distill checks the same */
    struct wren_nnlm_train_opts t;
    wren_nnlm_train_opts_default(&t);
    snprintf(out, sizeof out, "%s/bad-train.safetensors", dir);
    t.train = train_txt; t.out = out; t.init = teacher; t.steps = 2; t.batch = 2; t.threads = 1;
    t.distill = swapped;
    ck_assert_int_eq(wren_nnlm_train(&t, NULL, NULL), -1);
    ck_assert_msg(strstr(wren_error_msg(), swapped) != NULL, "%s", wren_error_msg());
    t.distill = teacher; t.distill_weight = 2;
    ck_assert_int_eq(wren_nnlm_train(&t, NULL, NULL), -1);
    ck_assert_msg(strstr(wren_error_msg(), "--distill-weight") != NULL, "%s", wren_error_msg());
    t.distill_weight = 0.5; t.distill_temp = 0;
    ck_assert_int_eq(wren_nnlm_train(&t, NULL, NULL), -1);
    ck_assert_msg(strstr(wren_error_msg(), "--distill-temperature") != NULL, "%s", wren_error_msg());
    free(swapped); free(cut); free(shortctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prune-distill");
    TCase *g = tcase_create("gradients");
    tcase_add_test(g, test_grad_output_distill);
    tcase_add_test(g, test_grad_model_distill_dense_emb);
    tcase_add_test(g, test_grad_model_distill_factored_emb);
    tcase_add_test(g, test_grad_model_distill_masked_emb);
    suite_add_tcase(s, g);
    TCase *tr = tcase_create("real text");
    tcase_set_timeout(tr, 900);
    tcase_add_test(tr, test_bad_teachers_and_options);
    tcase_add_test(tr, test_weight_zero_is_plain);
    tcase_add_test(tr, test_distill_moves_towards_teacher);
    tcase_add_test(tr, test_nnlm_train_distill);
    suite_add_tcase(s, tr);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);   /* the teacher is trained once for the process */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (dir) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "test_prune_distill: could not remove %s\n", dir);
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
