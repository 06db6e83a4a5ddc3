/* rescore-internal.h — the rescorer's fields, shared by rescore.c and rescore-lattice.c.
 * Not for: users of the module (rescore.h). */
#ifndef WREN_RESCORE_INTERNAL_H
#define WREN_RESCORE_INTERNAL_H

#include <stdint.h>

struct wren_rescorer {
    struct wren_nnlm *nnlm;
    const struct wren_arpa *ngram, *first;
    const struct wren_symtab *words;
    int32_t n_words;               /* 1 + largest id of words.txt */
    int *nn_map;                   /* lattice word id -> NNLM id (<unk> when absent) */
    int *ng_map, *fp_map;          /* lattice word id -> ARPA id (-1 when absent) */
    double unk_split;              /* ln(words of words.txt the NNLM maps to <unk>): P(<unk>) is
                                      shared uniformly among them, so an OOV word costs
                                      -ln P(<unk>|h) + unk_split in the NNLM term */
};

/* NNLM id of a lattice word; *oov = 1 when it maps to <unk>. */
int wren_rescorer_nn_id(const struct wren_rescorer *r, int32_t w, int *oov);

#endif
