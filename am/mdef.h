/* mdef.h — CMU Sphinx model definition (mdef): the phone set, the triphones with their word
 * positions, and for every phone its senone ids and transition matrix id. Reads both the
 * binary "BMDF" format (Debian's pocketsphinx models) and the text format ("0.3" header).
 * Not for: Gaussian parameters or scoring (see am.h). */
#ifndef WREN_MDEF_H
#define WREN_MDEF_H

struct wren_mdef;   /* opaque */

/* Load a binary or text mdef. 0 on success, -1 with a one-line wren_error naming the file. */
int  wren_mdef_load(const char *path, struct wren_mdef **out);
void wren_mdef_free(struct wren_mdef *m);

int  wren_mdef_n_ciphones(const struct wren_mdef *m);
int  wren_mdef_n_phones(const struct wren_mdef *m);        /* CI phones + triphones */
int  wren_mdef_n_emit_states(const struct wren_mdef *m);   /* 3 for these models */
int  wren_mdef_n_senones(const struct wren_mdef *m);
int  wren_mdef_n_ci_senones(const struct wren_mdef *m);    /* senones of the CI phones */
int  wren_mdef_n_tmat(const struct wren_mdef *m);

/* CI phone ids are 0 .. n_ciphones-1; phone ids >= n_ciphones are triphones. */
const char *wren_mdef_ciphone_name(const struct wren_mdef *m, int ci);
int  wren_mdef_ciphone_id(const struct wren_mdef *m, const char *name);  /* -1 if absent */
int  wren_mdef_is_filler(const struct wren_mdef *m, int ci);   /* SIL and noise phones */
/* Id of the silence phone "SIL", or -1. */
int  wren_mdef_sil(const struct wren_mdef *m);

/* Triphone base(left,right) at word position 'b' (begin), 'e' (end), 'i' (internal) or
 * 's' (single); returns the phone id or -1 if the mdef lacks it (callers back off as
 * pocketsphinx does: other word positions, then the CI phone). As in pocketsphinx, a filler
 * context (noise phones) is looked up as SIL. */
int  wren_mdef_triphone(const struct wren_mdef *m, int base, int left, int right, char wpos);

const int *wren_mdef_senones(const struct wren_mdef *m, int phone);  /* n_emit_states ids */
int  wren_mdef_tmat(const struct wren_mdef *m, int phone);
int  wren_mdef_phone_base(const struct wren_mdef *m, int phone);    /* its CI phone */
/* Left/right context CI phone of a triphone (-1 for a CI phone) and its word position
 * ('b','e','i','s'; '-' for a CI phone). */
int  wren_mdef_phone_left(const struct wren_mdef *m, int phone);
int  wren_mdef_phone_right(const struct wren_mdef *m, int phone);
char wren_mdef_phone_wpos(const struct wren_mdef *m, int phone);
/* The CI phone whose senones include senone s (sphinx's sen2cimap), or -1. */
int  wren_mdef_senone_ciphone(const struct wren_mdef *m, int s);

#endif
