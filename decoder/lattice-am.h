/* lattice-am.h — acoustic rescoring of a lattice: every arc's (and final weight's) acoustic
 * cost recomputed from new features along its transition-id string, as the search would score
 * them (used by --adapt-rescore to apply a second fMLLR transform without decoding again).
 * Not for: LM rescoring (lat/lattice.h, rescore/). */
#ifndef WREN_LATTICE_AM_H
#define WREN_LATTICE_AM_H

#include <stdint.h>

struct wren_am;
struct wren_lattice;

/* Replace every acoustic cost of l by minus the sum of its frames' senone log-likelihoods
 * under am for feats (nf frames of the model's dims), each frame's needed senones scored in
 * one wren_am_score_frame call (top-N and score floor as in the search). tid_senone maps
 * transition ids 1..n_tids to senones. Frames count from l's start state. 0; -1 with a
 * message if an arc's alignment does not fit the nf frames or names an unknown id. */
int wren_lattice_am_rescore(struct wren_lattice *l, struct wren_am *am, const int32_t *tid_senone,
                            int32_t n_tids, const float *feats, int nf);

#endif
