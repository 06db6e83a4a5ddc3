/* heap.c — the binary min-heap of heap.h: sift up on push, sift the last element down from the
 * top on pop. Not for: anything ordered by more than one key at a time. */
#include "utils/heap.h"

#include "utils/error.h"

#include <stdlib.h>
#include <string.h>

#define AT(h, i) ((h)->v + (i) * (h)->size)

/* Copy one element: the common sizes as fixed-size copies (a few moves, not a memcpy call:
 * lattice determinisation moves 4- and 16-byte elements in its inner loops). */
static inline void move(void *dst, const void *src, size_t size)
{
    switch (size) {
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, size); break;
    }
}

void wren_heap_init(struct wren_heap *h, size_t elem_size, wren_heap_less_fn less, const void *ctx)
{
    memset(h, 0, sizeof *h);
    h->size = elem_size;
    h->less = less;
    h->ctx = ctx;
}

void wren_heap_free(struct wren_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

void wren_heap_push(struct wren_heap *h, const void *elem)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 64;
        h->v = wren_xrealloc(h->v, h->cap * h->size);
    }
    /* move parents down while the new element comes out before them (strictly: an equal
     * parent stays above) */
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!h->less(elem, AT(h, p), h->ctx)) break;
        move(AT(h, i), AT(h, p), h->size);
        i = p;
    }
    move(AT(h, i), elem, h->size);
}

/* Put x (not in the array, or the element at i itself) at hole i and move it down to its place;
 * of two children the right one is taken only when strictly smaller. */
static void sift_down(struct wren_heap *h, size_t i, const void *x)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->less(AT(h, c + 1), AT(h, c), h->ctx)) c++;
        if (!h->less(AT(h, c), x, h->ctx)) break;
        move(AT(h, i), AT(h, c), h->size);
        i = c;
    }
    move(AT(h, i), x, h->size);
}

void wren_heap_pop(struct wren_heap *h, void *out)
{
    if (out) move(out, h->v, h->size);
    if (--h->n == 0) return;
    sift_down(h, 0, AT(h, h->n));   /* the last element, still in place past the end */
}

void wren_heap_top_changed(struct wren_heap *h)
{
    if (h->n < 2) return;
    unsigned char buf[64], *x = h->size <= sizeof buf ? buf : wren_xmalloc(h->size);
    memcpy(x, h->v, h->size);
    sift_down(h, 0, x);
    if (x != buf) free(x);
}
