/* search-pool.c — chunks for the search's pool of tokens and links (search-pool.h): mapped in
 * blocks, chosen, unmapped. The blocks are mapped from the system, not malloc'ed: aligned
 * allocations from the heap left it in fragments, and a decode of short utterances peaked
 * 9 % higher (284 against 261 MB). */
#include "decoder/search-pool.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "utils/error.h"
#include "utils/fault.h"

/* A block's pages are only touched as its chunks are used. */
#define CHUNKS_PER_BLOCK (WREN_POOL_BLOCK_BYTES / WREN_POOL_CHUNK_BYTES)

/* the objects start past the chunk's header, at a multiple of their size */
static size_t first_offset(size_t size)
{
    size_t h = sizeof(struct wren_pool_chunk);
    return (h + size - 1) / size * size;
}

void wren_pool_init(struct wren_pool *p, size_t size)
{
    p->size = size;
    p->cur = p->avail = NULL;
    p->fresh = NULL;
    p->n_fresh = 0;
    p->blocks = NULL;
    p->n_blocks = p->cap_blocks = p->n_used = 0;
    /* a thirty-second of a chunk: what memory waits in chunks not drawn on stays small */
    p->min_free = (uint32_t)((WREN_POOL_CHUNK_BYTES - first_offset(size)) / size / 32);
}

void wren_pool_reset(struct wren_pool *p)
{
    size_t keep = WREN_POOL_KEEP_BYTES / WREN_POOL_BLOCK_BYTES;
    while (p->n_blocks > keep) munmap(p->blocks[--p->n_blocks], WREN_POOL_BLOCK_BYTES);
    p->n_used = 0;
    p->cur = p->avail = NULL;
    p->fresh = NULL;
    p->n_fresh = 0;
}

void wren_pool_free(struct wren_pool *p)
{
    for (size_t i = 0; i < p->n_blocks; i++) munmap(p->blocks[i], WREN_POOL_BLOCK_BYTES);
    free(p->blocks);
    wren_pool_init(p, p->size);
}

/* A block of chunks, aligned to a chunk: mapped one chunk larger, the slack unmapped. */
static void new_block(struct wren_pool *p)
{
    if (p->n_used < p->n_blocks) {   /* one kept from an earlier search */
        p->fresh = p->blocks[p->n_used++];
        p->n_fresh = CHUNKS_PER_BLOCK;
        return;
    }
    size_t len = WREN_POOL_BLOCK_BYTES + WREN_POOL_CHUNK_BYTES;
    char *m = wren_fault_alloc_fails() ? MAP_FAILED
                                       : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) wren_oom(len);
    uintptr_t a = ((uintptr_t)m + WREN_POOL_CHUNK_BYTES - 1) & ~(uintptr_t)(WREN_POOL_CHUNK_BYTES - 1);
    char *b = (char *)a;
    size_t head = (size_t)(b - m), tail = len - head - WREN_POOL_BLOCK_BYTES;
    if (head) munmap(m, head);
    if (tail) munmap(b + WREN_POOL_BLOCK_BYTES, tail);
    if (p->n_blocks == p->cap_blocks) {
        p->cap_blocks = p->cap_blocks ? 2 * p->cap_blocks : 16;
        p->blocks = wren_xrealloc(p->blocks, p->cap_blocks * sizeof *p->blocks);
    }
    p->blocks[p->n_blocks++] = b;
    p->n_used = p->n_blocks;
    p->fresh = b;
    p->n_fresh = CHUNKS_PER_BLOCK;
}

static struct wren_pool_chunk *new_chunk(struct wren_pool *p)
{
    if (!p->n_fresh) new_block(p);
    struct wren_pool_chunk *c = (struct wren_pool_chunk *)p->fresh;
    p->fresh += WREN_POOL_CHUNK_BYTES;
    p->n_fresh--;
    /* its objects in address order: the first allocations run through it */
    size_t off = first_offset(p->size), n = (WREN_POOL_CHUNK_BYTES - off) / p->size;
    char *base = (char *)c + off;
    for (size_t i = 0; i + 1 < n; i++) *(void **)(base + i * p->size) = base + (i + 1) * p->size;
    *(void **)(base + (n - 1) * p->size) = NULL;
    c->free = base;
    c->n_free = (uint32_t)n;
    c->listed = 0;
    c->next = NULL;
    return c;
}

void *wren_pool_refill(struct wren_pool *p)
{
    struct wren_pool_chunk *c = p->avail;
    if (c) {
        p->avail = c->next;
        c->listed = 0;
    } else {
        c = new_chunk(p);
    }
    p->cur = c;
    return wren_pool_get(p);
}
