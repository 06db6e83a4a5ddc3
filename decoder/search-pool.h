/* search-pool.h — the search's tokens and links: objects of one size, taken from chunks that
 * each keep their own free list, allocation drawing on one chunk at a time. With one free list
 * for the whole pool, a search over a minute of audio took the objects freed by lattice
 * pruning back in the order it freed them, scattered over hundreds of megabytes, and spent
 * a third of its time on the cache misses (bench/segment.sh: a 3-minute recording searched
 * whole); drawing on one chunk keeps the objects made together close together. Internal to
 * the search (search.c). */
#ifndef WREN_SEARCH_POOL_H
#define WREN_SEARCH_POOL_H

#include <stddef.h>
#include <stdint.h>

/* Chunks are this size and aligned to it: an object's chunk is its address masked. They are
 * mapped from the system in blocks of WREN_POOL_BLOCK_BYTES. */
#define WREN_POOL_CHUNK_BYTES ((size_t)1 << 16)
#define WREN_POOL_BLOCK_BYTES (32 * WREN_POOL_CHUNK_BYTES)

struct wren_pool_chunk {
    void *free;                        /* its free objects (a new chunk's in address order) */
    uint32_t n_free;
    int listed;                        /* on the pool's list of chunks to draw on */
    struct wren_pool_chunk *next;      /* in that list */
};

struct wren_pool {
    size_t size;                       /* of an object (a multiple of 8, at least a pointer) */
    struct wren_pool_chunk *cur;       /* the chunk drawn on */
    struct wren_pool_chunk *avail;     /* chunks with at least min_free free objects */
    uint32_t min_free;
    char *fresh;                       /* the newest block's chunks not yet used */
    size_t n_fresh;
    void **blocks;                     /* all mapped, to unmap */
    size_t n_blocks, cap_blocks;
    size_t n_used;                     /* blocks[0 .. n_used) drawn on since the last reset */
};

/* An empty pool of objects of size bytes. */
void wren_pool_init(struct wren_pool *p, size_t size);
/* Empty again: every object free. Up to WREN_POOL_KEEP_BYTES of its blocks stay mapped for
 * the next search (mostly the next utterance's: mapping them anew cost a page fault per 4 KiB
 * each time); the rest are unmapped. */
#define WREN_POOL_KEEP_BYTES ((size_t)32 << 20)
void wren_pool_reset(struct wren_pool *p);
/* Every block unmapped. */
void wren_pool_free(struct wren_pool *p);
/* The next chunk to draw on, and an object from it (cur had none left). */
void *wren_pool_refill(struct wren_pool *p);

static inline struct wren_pool_chunk *wren_pool_chunk_of(const void *x)
{
    return (struct wren_pool_chunk *)((uintptr_t)x & ~(uintptr_t)(WREN_POOL_CHUNK_BYTES - 1));
}

static inline void *wren_pool_get(struct wren_pool *p)
{
    struct wren_pool_chunk *c = p->cur;
    if (c && c->free) {
        void *x = c->free;
        c->free = *(void **)x;
        c->n_free--;
        return x;
    }
    return wren_pool_refill(p);
}

static inline void wren_pool_put(struct wren_pool *p, void *x)
{
    struct wren_pool_chunk *c = wren_pool_chunk_of(x);
    *(void **)x = c->free;
    c->free = x;
    /* a chunk is drawn on again once enough of it is free: drawing on one with a few free
     * objects would scatter the next allocations as the single free list did */
    if (++c->n_free >= p->min_free && !c->listed && c != p->cur) {
        c->listed = 1;
        c->next = p->avail;
        p->avail = c;
    }
}

#endif
