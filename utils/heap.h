/* heap.h — a binary min-heap of fixed-size elements in the order of a caller's comparison: the
 * smallest comes out first. For Dijkstra-style searches (lattice segments, n-best paths),
 * subset queues (lattice determinisation), k-way merges of sorted files (count shards) and
 * frontiers (NNLM lattice expansion). Equal elements come out in an order fixed by the sequence
 * of pushes and pops alone, so results never depend on anything else.
 * Not for: lookups by key (hashmap.h); decrease-key (push the improved entry again and skip
 * stale ones when they come out, as the users do). */
#ifndef WREN_HEAP_H
#define WREN_HEAP_H

#include <stddef.h>

/* Whether a must come out before b (a strict order). ctx is the heap's, e.g. an array that
 * elements index. */
typedef int (*wren_heap_less_fn)(const void *a, const void *b, const void *ctx);

struct wren_heap {
    unsigned char *v;          /* n elements of `size` bytes, heap-ordered */
    size_t n, cap, size;
    wren_heap_less_fn less;
    const void *ctx;
};

/* An empty heap of elements of elem_size bytes (no allocation until the first push). */
void wren_heap_init(struct wren_heap *h, size_t elem_size, wren_heap_less_fn less, const void *ctx);
void wren_heap_free(struct wren_heap *h);

void wren_heap_push(struct wren_heap *h, const void *elem);
/* Remove the smallest element, copying it to out (unless out is NULL). The heap is not empty. */
void wren_heap_pop(struct wren_heap *h, void *out);
/* The element at the top was changed in place (it may now be larger): restore the order. */
void wren_heap_top_changed(struct wren_heap *h);

/* The smallest element (the heap is not empty), valid until the heap changes. */
static inline void *wren_heap_top(const struct wren_heap *h) { return h->v; }
static inline size_t wren_heap_size(const struct wren_heap *h) { return h->n; }
/* Forget every element (keeps the memory). */
static inline void wren_heap_clear(struct wren_heap *h) { h->n = 0; }

#endif
