/* decodable.h — the interface between the search and whatever scores frames: for frame t and
 * a mask of the senones the search will look at, fill in their natural-log likelihoods.
 * Implementations: a score matrix (tests, precomputed scores) and, in decodable.c, the acoustic
 * model over a feature stream. Not for: search (search.h) or feature extraction (feat.h). */
#ifndef WREN_DECODABLE_H
#define WREN_DECODABLE_H

#include <stdint.h>

struct wren_decodable {
    int n_senones;
    /* Frames that can be scored now (grows while audio is streamed in). */
    int (*frames_ready)(struct wren_decodable *d);
    /* 1 once no more frames will come (end of utterance). */
    int (*is_done)(struct wren_decodable *d);
    /* Fill scores[s] = ln p(frame | senone s) for every s with active[s] != 0 (others may be
     * left untouched). Returns 0, or -1 with wren_error set. */
    int (*score_frame)(struct wren_decodable *d, int frame, const uint8_t *active, float *scores);
    void (*free)(struct wren_decodable *d);
    /* Counters for reports: senones computed / senones in the model, summed over frames. */
    int64_t n_scored, n_possible;
};

/* A decodable over a row-major n_frames x n_senones matrix of log-likelihoods (copied). */
struct wren_decodable *wren_decodable_matrix(const float *loglik, int n_frames, int n_senones);
/* The same, but frames are appended with wren_decodable_matrix_push (streaming tests);
 * wren_decodable_matrix_close marks the end. */
struct wren_decodable *wren_decodable_matrix_stream(int n_senones);
void wren_decodable_matrix_push(struct wren_decodable *d, const float *row);
void wren_decodable_matrix_close(struct wren_decodable *d);

/* A decodable over feature vectors scored by an acoustic model (am.h) for the active senones
 * only. The features (n_frames x dim, row-major) are borrowed: set them (again, when more
 * audio has come) with wren_decodable_am_set; they must stay valid while frames are scored. */
struct wren_am;
struct wren_decodable *wren_decodable_am(struct wren_am *am, int dim);
void wren_decodable_am_set(struct wren_decodable *d, const float *feats, int n_frames, int done);

void wren_decodable_free(struct wren_decodable *d);

#endif
