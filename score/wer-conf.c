/* wer-conf.c — how good word confidences are, and making them better: the normalised cross-entropy
 * (NCE, as NIST sclite reports it) of confidences against the correctness of each hypothesis
 * word, and a logistic calibration c' = sigma(a * logit(c) + b) fitted by maximum likelihood
 * (Newton's method) on a dev set, the usual remedy for lattice posteriors, which are
 * over-confident. A fitted calibration never has a dev NCE below 0, since a = 0 with b at the
 * base rate's logit already gives 0. Not for: aligning words (wer.c), computing posteriors
 * (lattice-mbr.c). */
#include "score/wer.h"

#include "utils/error.h"
#include "utils/io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Confidences are kept away from 0 and 1 so that one confident error cannot make NCE -inf. */
static double clip(double c) { return c < 1e-4 ? 1e-4 : c > 1 - 1e-4 ? 1 - 1e-4 : c; }
static double logit(double c) { c = clip(c); return log(c / (1 - c)); }

double wren_conf_calibrate(const struct wren_conf_calib *k, double c)
{
    return 1.0 / (1.0 + exp(-(k->a * logit(c) + k->b)));
}

double wren_conf_nce(const float *conf, const unsigned char *ok, long n)
{
    long correct = 0;
    double sum = 0;
    for (long i = 0; i < n; i++) {
        double c = clip(conf[i]);
        correct += ok[i] != 0;
        sum += log2(ok[i] ? c : 1 - c);
    }
    if (correct == 0 || correct == n) return NAN;
    double p = (double)correct / (double)n;
    double hmax = -((double)correct * log2(p) + (double)(n - correct) * log2(1 - p));
    return (hmax + sum) / hmax;
}

int wren_conf_fit(const float *conf, const unsigned char *ok, long n, struct wren_conf_calib *k)
{
    long correct = 0;
    for (long i = 0; i < n; i++) correct += ok[i] != 0;
    if (correct == 0 || correct == n)
        return wren_error("confidence calibration needs both correct and wrong words (%ld of %ld correct)",
                          correct, n);
    /* start from the base rate, then Newton steps on the log-likelihood in (a, b) */
    double a = 0, b = log((double)correct / (double)(n - correct));
    for (int it = 0; it < 50; it++) {
        double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
        for (long i = 0; i < n; i++) {
            double x = logit(conf[i]), p = 1.0 / (1.0 + exp(-(a * x + b)));
            double r = (ok[i] ? 1.0 : 0.0) - p, w = p * (1 - p);
            ga += r * x; gb += r;
            haa += w * x * x; hab += w * x; hbb += w;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 1e-12)) break;
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        a += da; b += db;
        if (fabs(da) < 1e-9 && fabs(db) < 1e-9) break;
    }
    if (!isfinite(a) || !isfinite(b)) return wren_error("confidence calibration did not converge");
    k->a = a;
    k->b = b;
    return 0;
}

int wren_conf_calib_read(const char *path, struct wren_conf_calib *k)
{
    FILE *f = fopen(path, "r");
    if (!f) return wren_error("%s: cannot open: %s", path, strerror(errno));
    char word[16];
    int n = fscanf(f, "%15s %lf %lf", word, &k->a, &k->b);
    fclose(f);
    if (n != 3 || strcmp(word, "logistic") || !isfinite(k->a) || !isfinite(k->b))
        return wren_error("%s:1: expected 'logistic A B' with finite A and B", path);
    return 0;
}

int wren_conf_calib_write(const char *path, const struct wren_conf_calib *k)
{
    struct wren_atomic f;
    if (wren_atomic_open(&f, path, "w")) return -1;
    fprintf(f.f, "logistic %.9g %.9g\n", k->a, k->b);
    return wren_atomic_commit(&f);
}
