/* test_search_pool.c — the search's pool of tokens and links (decoder/search-pool.h): objects
 * are distinct, aligned and inside their chunk; a freed object is taken again from the chunk
 * drawn on; a chunk is drawn on again only once a thirty-second of it is free, and then its
 * objects come before new memory; a reset makes every object free, keeps the first blocks
 * mapped (the same addresses come back) and unmaps the rest; many blocks' worth of objects,
 * freed in a scattered order and taken again, never overlap. */
#include "testutil.h"

#include "decoder/search-pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct obj { void *a, *b, *c; uint64_t tag; };   /* 32 bytes, as a token or a link */

/* objects that fill a chunk (its header takes the first slot) */
static size_t per_chunk(void) { return WREN_POOL_CHUNK_BYTES / sizeof(struct obj) - 1; }

START_TEST(test_distinct_aligned)
{
    struct wren_pool p;
    wren_pool_init(&p, sizeof(struct obj));
    size_t n = 3 * per_chunk() + 5;
    struct obj **o = malloc(n * sizeof *o);
    for (size_t i = 0; i < n; i++) {
        o[i] = wren_pool_get(&p);
        ck_assert_uint_eq((uintptr_t)o[i] % sizeof(struct obj), 0);
        struct wren_pool_chunk *c = wren_pool_chunk_of(o[i]);
        ck_assert_ptr_ne((void *)o[i], (void *)c);   /* never the header */
        ck_assert((char *)o[i] + sizeof(struct obj) <= (char *)c + WREN_POOL_CHUNK_BYTES);
        o[i]->tag = i;
    }
    for (size_t i = 0; i < n; i++) ck_assert_uint_eq(o[i]->tag, i);   /* no two share memory */
    /* a new chunk is drawn on in address order */
    ck_assert_ptr_eq((char *)o[1], (char *)o[0] + sizeof(struct obj));
    free(o);
    wren_pool_free(&p);
}
END_TEST

START_TEST(test_reuse_order)
{
    struct wren_pool p;
    wren_pool_init(&p, sizeof(struct obj));
    size_t pc = per_chunk();
    struct obj **o = malloc((2 * pc + 1) * sizeof *o);
    for (size_t i = 0; i < pc; i++) o[i] = wren_pool_get(&p);   /* the first chunk, full */
    struct obj *x = wren_pool_get(&p);                         /* the second chunk drawn on */
    struct wren_pool_chunk *first = wren_pool_chunk_of(o[0]), *second = wren_pool_chunk_of(x);
    ck_assert_ptr_ne(first, second);
    /* freed in the chunk drawn on: taken again at once */
    wren_pool_put(&p, x);
    ck_assert_ptr_eq(wren_pool_get(&p), x);
    /* a few freed in the full first chunk: not drawn on yet */
    size_t few = pc / 32 - 1;
    for (size_t i = 0; i < few; i++) wren_pool_put(&p, o[i]);
    for (size_t i = 0; i + 1 < pc; i++) {   /* the rest of the second chunk */
        struct obj *y = wren_pool_get(&p);
        ck_assert_ptr_eq(wren_pool_chunk_of(y), second);
    }
    /* one more free makes a thirty-second: the first chunk comes before new memory */
    wren_pool_put(&p, o[few]);
    for (size_t i = 0; i <= few; i++) {
        struct obj *y = wren_pool_get(&p);
        ck_assert_ptr_eq(wren_pool_chunk_of(y), first);
    }
    struct obj *z = wren_pool_get(&p);   /* the first is used up again: a new chunk */
    ck_assert_ptr_ne(wren_pool_chunk_of(z), first);
    ck_assert_ptr_ne(wren_pool_chunk_of(z), second);
    free(o);
    wren_pool_free(&p);
}
END_TEST

START_TEST(test_reset_keeps_first_blocks)
{
    struct wren_pool p;
    wren_pool_init(&p, sizeof(struct obj));
    /* more than WREN_POOL_KEEP_BYTES of objects */
    size_t n = (WREN_POOL_KEEP_BYTES / WREN_POOL_CHUNK_BYTES + 70) * per_chunk();
    struct obj *first = NULL;
    for (size_t i = 0; i < n; i++) {
        struct obj *o = wren_pool_get(&p);
        if (!i) first = o;
        o->tag = i;
    }
    size_t mapped = p.n_blocks;
    wren_pool_reset(&p);
    ck_assert_uint_lt(p.n_blocks, mapped);
    ck_assert_uint_le(p.n_blocks * WREN_POOL_BLOCK_BYTES, WREN_POOL_KEEP_BYTES);
    ck_assert_ptr_eq(wren_pool_get(&p), first);   /* the kept memory first */
    wren_pool_free(&p);
    ck_assert_uint_eq(p.n_blocks, 0);
}
END_TEST

/* many objects taken and freed in a scattered order, as lattice pruning frees links: the live
 * ones keep their contents, and the pool never hands out one that is live */
START_TEST(test_scattered_churn)
{
    struct wren_pool p;
    wren_pool_init(&p, sizeof(struct obj));
    enum { LIVE = 200000, ROUNDS = 600000 };
    struct obj **live = calloc(LIVE, sizeof *live);
    uint64_t rng = 12345, tag = 1;
    for (int r = 0; r < ROUNDS; r++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t k = (size_t)(rng >> 33) % LIVE;
        if (live[k]) {
            ck_assert_uint_eq(live[k]->tag, (uint64_t)k << 32 | (live[k]->tag & 0xffffffffu));
            wren_pool_put(&p, live[k]);
            live[k] = NULL;
        } else {
            live[k] = wren_pool_get(&p);
            live[k]->tag = (uint64_t)k << 32 | (tag++ & 0xffffffffu);
        }
    }
    size_t n_live = 0;
    for (size_t k = 0; k < LIVE; k++)
        if (live[k]) {
            n_live++;
            ck_assert_uint_eq(live[k]->tag >> 32, k);
        }
    /* the memory mapped stays within twice what the live objects need */
    ck_assert_uint_le(p.n_blocks * WREN_POOL_BLOCK_BYTES, 2 * n_live * sizeof(struct obj) + 64 * WREN_POOL_CHUNK_BYTES);
    free(live);
    wren_pool_free(&p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("search-pool");
    TCase *tc = tcase_create("pool");
    tcase_add_test(tc, test_distinct_aligned);
    tcase_add_test(tc, test_reuse_order);
    tcase_add_test(tc, test_reset_keeps_first_blocks);
    tcase_add_test(tc, test_scattered_churn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
