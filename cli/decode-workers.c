/* decode-workers.c — `wren decode --nj N` (see decode-cmd.h): the model and graph are loaded
 * once; N forked workers (sharing them copy-on-write) decode contiguous shares of the utterances
 * (with --adapt whole speakers; a long recording's pieces) into files of a temporary folder,
 * which are then appended in input order to the outputs, with the workers' statistics.
 * Not for: decoding an utterance (cmd-decode.c). */
#include "cli/decode-cmd.h"

#include "utils/fault.h"
#include "utils/matrix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The whole file at path (NULL on failure, *len its bytes). */
static char *slurp(const char *path, size_t *len)
{
    char *d = NULL;
    *len = 0;
    if (wren_read_all(path, &d, len)) return NULL;
    return d;
}

/* Append the workers' si.K to --si-hyp and write their trans.K as --transforms-out. */
static int merge_adapt_outputs(struct cmd *c, const char *dir)
{
    struct wren_text_out *tr = NULL;
    if (c->ao.transforms_out && wren_text_out_open(c->ao.transforms_out, &tr)) return -1;
    int rc = 0;
    for (int k = 0; k < c->nj && !rc; k++) {
        for (int which = 0; which < 2 && !rc; which++) {
            FILE *to = which == 0 ? (c->si_out ? wren_text_out_file(c->si_out) : NULL)
                                  : (tr ? wren_text_out_file(tr) : NULL);
            if (!to) continue;
            char p[600];
            snprintf(p, sizeof p, "%s/%s.%d", dir, which == 0 ? "si" : "trans", k);
            size_t len;
            char *d = slurp(p, &len);
            if (!d || fwrite(d, 1, len, to) != len) rc = wren_error("%s: cannot append to the output", p);
            free(d);
        }
    }
    if (tr) {
        if (rc) wren_text_out_abort(tr);
        else rc = wren_text_out_commit(tr);
    }
    c->transforms_merged = 1;
    return rc;
}

/* What a worker reports besides its outputs. */
struct worker_stats {
    struct totals t;
    double cpu_si, cpu_adapted, cpu_est;
};

/* The jobs of each of nj workers, as indices into js (worker k: idx[first[k] .. first[k+1])).
 * Contiguous slices, cut where the audio's length (js->sec; an unknown length counts as the
 * mean) is nearest to an even share; with --adapt whole speakers, grouped in order of first
 * appearance (as decode_run_adapt decodes them), each weighing its utterances' length. */
static void split_jobs(struct cmd *c, const struct jobs *js, size_t *idx, size_t *first)
{
    size_t n = js->n;
    int nj = c->nj;
    if (!(c->ad && wren_adapt_estimating(c->ad))) {
        for (size_t i = 0; i < n; i++) idx[i] = i;
        jobs_balance(js->sec, n, nj, first);   /* by length where the headers tell it */
        return;
    }
    uint8_t *done = wren_xcalloc(n + 1, 1);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i]) continue;
        const char *spk = wren_adapt_speaker(c->ad, js->j[i].utt);
        for (size_t k = i; k < n; k++)
            if (!done[k] && !strcmp(wren_adapt_speaker(c->ad, js->j[k].utt), spk)) { idx[m++] = k; done[k] = 1; }
    }
    free(done);
    /* the speakers as units: where each starts in idx, and its length */
    double mean = jobs_mean_length(js->sec, n);
    size_t *ustart = wren_xmalloc((n + 1) * sizeof *ustart), nu = 0;
    double *w = wren_xmalloc((n + 1) * sizeof *w);
    for (size_t pos = 0; pos < n; nu++) {
        const char *spk = wren_adapt_speaker(c->ad, js->j[idx[pos]].utt);
        ustart[nu] = pos;
        w[nu] = 0;
        for (; pos < n && !strcmp(wren_adapt_speaker(c->ad, js->j[idx[pos]].utt), spk); pos++)
            w[nu] += js->sec && js->sec[idx[pos]] >= 0 ? js->sec[idx[pos]] : mean;
    }
    ustart[nu] = n;
    /* run() caps the workers at the speakers (nj <= nu): none is idle */
    size_t *ufirst = wren_xmalloc(((size_t)nj + 1) * sizeof *ufirst);
    jobs_balance(w, nu, nj, ufirst);
    for (int k = 0; k <= nj; k++) first[k] = ustart[ufirst[k]];
    free(ufirst);
    free(ustart);
    free(w);
}

/* The joined outputs of one cut utterance whose pieces the workers of decode_run_parallel shared (each
 * wrote its pieces' words as one line, its CTM lines, and its pieces' lattices joined): the
 * words in order on one line, and the workers' lattices joined (each starting where its first
 * piece does), from which the lattice, n-best and oracle outputs are written. */
static int join_shares(struct cmd *c, const char *dir, const size_t *first, FILE *outs[4])
{
    const char *utt = c->pieces.j[0].utt;
    int nj = c->nj, rc = 0, want_lat = outs[1] || outs[3] || c->have_ref;
    struct wren_lattice *parts = wren_xcalloc((size_t)nj + 1, sizeof *parts);
    double *start = wren_xcalloc((size_t)nj + 1, sizeof *start);
    if (outs[0]) fputs(utt, outs[0]);
    for (int k = 0; k < nj && !rc; k++) {
        char p[600];
        size_t len;
        snprintf(p, sizeof p, "%s/hyp.%d", dir, k);
        char *d = slurp(p, &len);
        if (!d) rc = -1;
        else if (outs[0]) {     /* "utt w1 w2 ...\n": the words */
            char *w = d + strcspn(d, " \n");
            w[strcspn(w, "\n")] = 0;
            fputs(w, outs[0]);
        }
        free(d);
        const struct job *p0 = &c->pieces.j[first[k]];
        start[k] = p0->t0 - p0->base;
        snprintf(p, sizeof p, "%s/lat.%d", dir, k);
        FILE *f = want_lat && !rc ? fopen(p, "r") : NULL;
        if (want_lat && !rc && !f) rc = wren_error("%s: cannot read: %s", p, strerror(errno));
        if (f) {
            char *key = NULL;
            int line = 0, got = wren_lattice_read(f, p, &line, &key, &parts[k]);
            if (got < 0) rc = -1;
            else if (got == 0) wren_lattice_init(&parts[k]);   /* its pieces left no lattice */
            free(key);
            fclose(f);
        }
    }
    if (outs[0]) fputc('\n', outs[0]);
    if (!rc && want_lat) {
        struct wren_lattice whole;
        wren_decoder_join_lattices(c->dec, parts, start, nj, &whole);
        c->fl = outs[1];
        c->fn = outs[3];
        c->cur = NULL;
        rc = decode_lattice_outputs(c, utt, &whole, NULL, 0);
        wren_lattice_free(&whole);
    }
    for (int k = 0; k < nj; k++) wren_lattice_free(&parts[k]);
    free(parts);
    free(start);
    return rc;
}

/* pa NULL: the jobs of js shared among c->nj workers; else the pieces of one cut utterance
 * (c->pieces, of audio pa), the outputs joined by join_shares. */
int decode_run_parallel(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao,
                        FILE *outs[4], const struct wren_audio *pa)
{
    int adapt = c->ad && wren_adapt_estimating(c->ad);
    const char *tmpdir = getenv("TMPDIR");
    char *tmpl = wren_path_join(tmpdir && *tmpdir ? tmpdir : "/tmp", "wren-decode-XXXXXX");
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        int err = errno;
        free(tmpl);
        return wren_error("cannot create a temporary folder for --nj: %s", strerror(err));
    }
    /* outputs, then the worker's statistics, --si-hyp and --transforms-out */
    static const char *names[7] = { "hyp", "lat", "ctm", "nbest", "stats", "si", "trans" };
    /* the out-of-memory exit removes the workers' files and the folder (they were left behind) */
    size_t nwf = (size_t)c->nj * 7;
    char **wf = wren_xcalloc(nwf, sizeof *wf);
    wren_exit_unlink_add(dir);
    for (size_t i = 0; i < nwf; i++) {
        wf[i] = wren_xmalloc(strlen(dir) + 32);
        sprintf(wf[i], "%s/%s.%d", dir, names[i % 7], (int)(i / 7));
        wren_exit_unlink_add(wf[i]);
    }
    size_t n_units = pa ? c->pieces.n : js->n;
    size_t *idx = wren_xmalloc((n_units + 1) * sizeof *idx), *first = wren_xmalloc(((size_t)c->nj + 1) * sizeof *first);
    if (pa) {                   /* the pieces, by length */
        double *w = wren_xmalloc((n_units + 1) * sizeof *w);
        for (size_t i = 0; i < n_units; i++) w[i] = c->pieces.j[i].t1 - c->pieces.j[i].t0;
        jobs_balance(w, n_units, c->nj, first);
        free(w);
    } else {
        split_jobs(c, js, idx, first);
        for (int k = 0; k < c->nj; k++) {
            double sec = 0;
            for (size_t i = first[k]; i < first[k + 1]; i++) sec += js->sec && js->sec[idx[i]] > 0 ? js->sec[idx[i]] : 0;
            size_t m = first[k + 1] - first[k];
            wren_vlog("decode: worker %d: %zu utterance%s, %.1f s of audio", k, m, m == 1 ? "" : "s", sec);
        }
    }
    pid_t *pid = wren_xcalloc((size_t)c->nj, sizeof *pid);
    if (c->nj > c->workers) c->workers = c->nj;
    for (int k = 0; k < c->nj; k++) {
        size_t b = first[k], e = first[k + 1];
        fflush(NULL);
        pid[k] = fork();
        if (pid[k] < 0) return wren_error("fork: %s", strerror(errno));
        if (pid[k] == 0) {
            /* the workers fill the cores: --nnlm's GEMMs take one thread in each (with the
             * library's default, the worker's idle BLAS threads spun on the others' cores) */
            wren_blas_set_threads(1);
            /* the worker's paths, then the parent's bookkeeping freed: nothing refers to it in
             * a worker, and a worker's out-of-memory exit showed it as a leak under LSan */
            char fp[7][600];
            for (int i = 0; i < 7; i++) snprintf(fp[i], sizeof fp[i], "%s/%s.%d", dir, names[i], k);
            const char *sp = fp[4];
            for (size_t i = 0; i < nwf; i++) free(wf[i]);
            free(wf);
            free(pid);
            free(tmpl);
            struct jobs mine = { 0 };
            mine.n = pa ? 0 : e - b;
            mine.j = wren_xmalloc((mine.n + 1) * sizeof *mine.j);
            for (size_t i = 0; i < mine.n; i++) mine.j[i] = js->j[idx[b + i]];
            free(idx);
            free(first);
            /* a share of pieces: its lattice always (the parent takes the n-best and oracle of
             * the joined one), no n-best of its own */
            int want[4] = { outs[0] != NULL, outs[1] || (pa && (outs[3] || c->have_ref)), outs[2] != NULL,
                            !pa && outs[3] };
            if (pa) c->nbest = 0, c->have_ref = 0;
            FILE *f[4] = { NULL, NULL, NULL, NULL };
            for (int i = 0; i < 4; i++)
                if (want[i]) {
                    f[i] = wren_fault_fopen_out(fp[i], "w");   /* fopen; its writes may fail in tests */
                    if (!f[i]) {
                        fprintf(stderr, "wren decode: %s: cannot write: %s\n", fp[i], strerror(errno));
                        _exit(2);
                    }
                }
            c->fh = f[0]; c->fl = f[1]; c->fc = f[2]; c->fn = f[3];
            memset(&c->t, 0, sizeof c->t);
            int bad = 0;
            if (adapt) {
                FILE *si = NULL;
                if (c->si_out && !(si = fopen(fp[5], "w"))) {
                    fprintf(stderr, "wren decode: %s: cannot write: %s\n", fp[5], strerror(errno));
                    _exit(2);
                }
                c->si_worker = si;
                if (decode_run_adapt(c, &mine, ao, NULL)) bad = 1;
                if (si && (wren_stream_check(si, fp[5]) | fclose(si)) && !bad)
                    bad = wren_error("%s: write error", fp[5]);
                if (!bad && c->ao.transforms_out) {
                    FILE *t = fopen(fp[6], "w");
                    if (!t || wren_adapt_write_transforms(c->ad, t) || fclose(t))
                        bad = wren_error("%s: cannot write the transforms", fp[6]);
                }
            } else if (pa) {
                for (size_t i = b; i < e && !c->out_failed; i++) decode_cut_piece(c, i, pa, pa->n);
                if (decode_pieces_flush(c)) bad = 1;
            } else {
                for (size_t i = 0; i < mine.n && !c->out_failed; i++) decode_run_job(c, &mine.j[i], ao);
                if (decode_pieces_flush(c)) bad = 1;
            }
            free(mine.j);
            decode_rec_forget(c);
            /* the first failure, in one line; the parent prints nothing more (exit 2) */
            for (int i = 0; i < 4; i++) {
                if (!f[i]) continue;
                if (wren_stream_check(f[i], fp[i]) && !bad) bad = 1;
                errno = 0;
                if (fclose(f[i]) && !bad)
                    bad = wren_error("%s: write error: %s", fp[i], errno ? strerror(errno) : "input/output error");
            }
            struct worker_stats ws = { c->t, c->cpu_si, c->cpu_adapted, c->ad ? wren_adapt_cpu(c->ad) : 0 };
            FILE *st = fopen(sp, "wb");
            if ((!st || fwrite(&ws, sizeof ws, 1, st) != 1 || fclose(st)) && !bad)
                bad = wren_error("%s: cannot write: %s", sp, strerror(errno));
            if (bad) fprintf(stderr, "wren decode: worker %d: %s\n", k + 1, wren_error_msg());
            _exit(bad ? 2 : 0);
        }
    }
    int rc = 0, said = 0;
    for (int k = 0; k < c->nj; k++) {
        int status = 0;
        int waited = waitpid(pid[k], &status, 0) >= 0;
        if (waited && WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
        /* exit 2: the worker printed its one line (out of memory, a write error); a second
         * line "worker K failed" would only repeat it */
        if (waited && WIFEXITED(status) && WEXITSTATUS(status) == WREN_EXIT_INTERNAL) said = 1;
        else if (waited && WIFSIGNALED(status))
            rc = wren_error("decode worker %d killed by signal %d", k + 1, WTERMSIG(status));
        else rc = wren_error("decode worker %d failed", k + 1);
    }
    if (said && !rc) { c->worker_said = 1; rc = -1; }
    if (pa && !rc) rc = join_shares(c, dir, first, outs);
    for (int k = 0; k < c->nj && !rc; k++) {
        for (int i = 0; i < 4 && !rc; i++) {
            if (!outs[i] || (pa && i != 2)) continue;   /* a share's CTM lines only: join_shares did the rest */
            char p[600];
            snprintf(p, sizeof p, "%s/%s.%d", dir, names[i], k);
            size_t len;
            char *d = slurp(p, &len);
            if (!d || fwrite(d, 1, len, outs[i]) != len) rc = wren_error("%s: cannot append to the output", p);
            free(d);
            unlink(p);
        }
        char p[600];
        snprintf(p, sizeof p, "%s/stats.%d", dir, k);
        size_t len;
        char *d = slurp(p, &len);
        if (d && len == sizeof(struct worker_stats)) {
            struct worker_stats ws;
            memcpy(&ws, d, sizeof ws);
            const struct totals t = ws.t;
            c->cpu_si += ws.cpu_si; c->cpu_adapted += ws.cpu_adapted; c->cpu_est_workers += ws.cpu_est;
            c->t.n_ok += t.n_ok; c->t.n_fail += t.n_fail; c->t.n_no_final += t.n_no_final;
            c->t.n_bad_segment += t.n_bad_segment;
            c->t.n_resampled += t.n_resampled;
            c->t.n_mixed += t.n_mixed;
            c->t.n_cut += t.n_cut;
            c->t.n_pieces += t.n_pieces;
            if (t.channels_hi > c->t.channels_hi) c->t.channels_hi = t.channels_hi;
            if (t.rate_lo && (!c->t.rate_lo || t.rate_lo < c->t.rate_lo)) c->t.rate_lo = t.rate_lo;
            if (t.rate_hi > c->t.rate_hi) c->t.rate_hi = t.rate_hi;
            c->t.frames += t.frames; c->t.lat_arcs += t.lat_arcs; c->t.ref_words += t.ref_words;
            c->t.oracle_err += t.oracle_err; c->t.depth_sum += t.depth_sum;
            c->t.active_sum += t.active_sum; c->t.senone_sum += t.senone_sum; c->t.audio_sec += t.audio_sec;
            c->t.nnlm_tokens += t.nnlm_tokens; c->t.nnlm_cpu += t.nnlm_cpu;
        } else if (!rc) {
            rc = wren_error("%s: worker statistics missing", p);
        }
        free(d);
        unlink(p);
    }
    /* --adapt: the workers' --si-hyp and --transforms-out, in order */
    if (adapt && !rc) rc = merge_adapt_outputs(c, dir);
    /* remove whatever is left, then the folder */
    for (int k = 0; k < c->nj; k++)
        for (int i = 0; i < 7; i++) {
            char p[600];
            snprintf(p, sizeof p, "%s/%s.%d", dir, names[i], k);
            unlink(p);
        }
    free(idx);
    free(first);
    rmdir(dir);
    for (size_t i = 0; i < nwf; i++) { wren_exit_unlink_forget(wf[i]); free(wf[i]); }
    wren_exit_unlink_forget(dir);
    free(wf);
    free(tmpl);
    free(pid);
    return rc;
}

/* --nj N on one recording longer than --cut-seconds: its pieces shared among the workers
 * (decode_run_parallel); shorter, or without a pause to cut at, it is decoded as decode_run_job does. */
int decode_run_cut_parallel(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao, FILE *outs[4])
{
    struct wren_audio a;
    int kept = 0, k = 0;
    job_pieces_clear(&c->pieces);
    if (decode_job_read(c, j, ao, &a, &kept)) return 0;
    if ((double)a.n / a.rate > c->cut_seconds)
        k = job_cut(j, wren_decoder_feat_params(c->dec), &a, 0, a.n, c->cut_seconds, &c->pieces);
    if (k < 2) {                /* one job, from the audio already read */
        job_pieces_clear(&c->pieces);
        decode_run_audio(c, j, ao, a, kept);
        return decode_pieces_flush(c) ? -1 : 0;
    }
    decode_count_audio(c, &a, ao);
    c->t.n_cut++;
    c->t.n_pieces += k;
    int nj = c->nj;
    if (c->nj > k) c->nj = k;
    int rc = decode_run_parallel(c, NULL, ao, outs, &a);
    c->nj = nj;
    if (!kept) wren_audio_free(&a);
    return rc;
}

/* Job i of js, a whole recording whose header says it is longer than --cut-seconds (a pipe's
 * length is not known before it is read; segments are shared whole). */
static int job_long(const struct cmd *c, const struct jobs *js, size_t i)
{
    return !js->j[i].rec && c->cut_seconds > 0 && js->sec && js->sec[i] > c->cut_seconds;
}

/* --nj N over several utterances: each recording that is longer than --cut-seconds by its
 * header has its pieces shared among the workers (decode_run_cut_parallel), the utterances between
 * such recordings are shared whole (decode_run_parallel; one alone is decoded here); all in input
 * order. Before, a worker took a long recording whole, and two workers given one recording of
 * an hour and two of ten minutes took an hour. */
int decode_run_shared(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao, FILE *outs[4])
{
    int nj = c->nj, rc = 0;
    size_t b = 0;
    for (size_t i = 0; i <= js->n && !rc && !c->out_failed; i++) {
        int is_long = i < js->n && job_long(c, js, i);
        if (i < js->n && !is_long) continue;
        if (i - b == 1) {
            decode_run_job(c, &js->j[b], ao);
            if (decode_pieces_flush(c)) rc = -1;
        } else if (i > b) {
            struct jobs part = *js;     /* a view of jobs b .. i-1 */
            part.j = js->j + b;
            part.sec = js->sec ? js->sec + b : NULL;
            part.n = i - b;
            if ((size_t)c->nj > part.n) c->nj = (int)part.n;
            rc = decode_run_parallel(c, &part, ao, outs, NULL);
            c->nj = nj;
        }
        if (!rc && is_long) rc = decode_run_cut_parallel(c, &js->j[i], ao, outs);
        b = i + 1;
    }
    return rc;
}

