/* am-internal.h — declarations shared by the acoustic model's own files (am.c, am-s3io.c,
 * am-mixw.c, gauden.c, mdef.c): the Sphinx binary parameter file reader and the Gaussian
 * codebooks. Not a public header: other modules use am.h and mdef.h only. */
#ifndef WREN_AM_INTERNAL_H
#define WREN_AM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t wren_bswap32(uint32_t u)
{
    return (u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) | (u << 24);
}

/* A bounds-checked reader over a file held in memory, for the formats that are not s3 files
 * (binary mdef, sendump): errors name the file, the byte offset and what was being read. */
struct wren_byte_reader {
    const unsigned char *buf;
    size_t len, pos;
    int swap;            /* the file is in the other byte order */
    const char *path;
};

/* Read one 32-bit int (byte-swapped when needed); -1 with a message at the end of the buffer. */
int wren_byte_reader_i32(struct wren_byte_reader *r, int32_t *v, const char *what);

/* ---- am-s3io.c: Sphinx-3 binary parameter files ("s3" header, key/value lines up to
 * "endhdr", the byte-order magic 0x11223344, data, optional checksum). The whole file is
 * held in memory; every read is bounds-checked and errors name the file and byte offset. */
struct wren_s3 {
    const char *path;
    char *buf;
    size_t len, pos;
    int swap;            /* file written in the other byte order */
    int has_chksum;      /* header has "chksum0": a checksum word follows the data */
    uint32_t chksum;     /* running checksum of the values read so far (sphinx's rule) */
};

int  wren_s3_open(struct wren_s3 *s, const char *path);
/* Read n 32-bit ints / floats (byte-swapped when needed; added to the checksum). */
int  wren_s3_i32(struct wren_s3 *s, int32_t *v, size_t n, const char *what);
int  wren_s3_f32(struct wren_s3 *s, float *v, size_t n, const char *what);
/* 1 if at least n_items * item_size bytes remain (guards allocations sized from headers). */
int  wren_s3_has(const struct wren_s3 *s, size_t n_items, size_t item_size);
/* Verify the checksum (if any) and that no data follows. Does not close. */
int  wren_s3_finish(struct wren_s3 *s);
void wren_s3_close(struct wren_s3 *s);

/* ---- gauden.c: Gaussian codebooks (means + variances files). */
struct wren_gauden {
    int n_mgau, n_feat, n_density;
    int veclen[8];
    size_t feat_off[8];      /* offset of stream f inside one codeword row of all streams */
    int total_len;           /* sum of veclen */
    float *mean;             /* [mgau][feat][density][veclen[feat]] */
    float *ivar2;            /* 1 / (2 var), same layout */
    float *logdet;           /* [mgau][feat][density]: sum -0.5 log(2 pi var) */
    long n_floored;          /* variances raised to the floor */
};

int  wren_gauden_load(const char *mean_path, const char *var_path, float varfloor,
                      struct wren_gauden **out);
void wren_gauden_free(struct wren_gauden *g);
/* Natural-log densities of all codewords of codebook mgau, stream f, for stream vector x. */
void wren_gauden_eval(const struct wren_gauden *g, int mgau, int f, const float *x, float *out);

/* ---- am-mixw.c: mixture weights, linear probabilities laid out [feat][density][senone]. */
struct wren_mixw {
    int n_sen, n_feat, n_density;
    float *w;
    int quantised;           /* 1 if from sendump */
};

/* mixture_weights (float file): normalised, floored at `floor`, renormalised, as sphinx does. */
int  wren_mixw_read_float(const char *path, float floor, struct wren_mixw *out);
/* The expected sizes (from the mdef and the means) are checked; a sendump header may omit
 * some of them. */
/* sendump: quantised -log weights (8 bit, or 4 bit through a 16-entry codebook) in units of
 * 2^shift * ln(logbase) nats (sphinx: logbase 1.0001, shift 10). */
int  wren_mixw_read_sendump(const char *path, int n_feat, int n_density, int n_sen,
                            struct wren_mixw *out);
void wren_mixw_free(struct wren_mixw *m);

#endif
