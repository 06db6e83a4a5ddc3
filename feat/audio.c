/* audio.c — audio input over libsndfile (see audio.h). The whole input is read into memory
 * first (utterances are small, and pipes cannot seek), then decoded through libsndfile's
 * virtual I/O; WAV and SPHERE headers are also checked against the file length, because
 * libsndfile silently shortens truncated files. Not for: feature extraction. */
#include "feat/audio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feat/resample.h"
#include "utils/error.h"
#include "utils/io.h"

void wren_audio_opts_default(struct wren_audio_opts *o)
{
    memset(o, 0, sizeof *o);
    o->raw_format = NULL;
    o->raw_rate = 0;
    o->raw_channels = 1;
    o->channel = -1;
    o->expect_rate = 0;
    o->resample = 1;
}

void wren_audio_free(struct wren_audio *a)
{
    if (!a) return;
    free(a->samples);
    a->samples = NULL;
    a->n = 0;
}

/* ---- libsndfile virtual I/O over a memory buffer ---- */

struct membuf {
    const unsigned char *data;
    sf_count_t len, pos;
};

static sf_count_t mem_len(void *u) { return ((struct membuf *)u)->len; }

static sf_count_t mem_seek(sf_count_t off, int whence, void *u)
{
    struct membuf *m = u;
    sf_count_t p = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->len + off;
    if (p < 0) p = 0;
    if (p > m->len) p = m->len;
    m->pos = p;
    return p;
}

static sf_count_t mem_read(void *dst, sf_count_t count, void *u)
{
    struct membuf *m = u;
    sf_count_t k = m->len - m->pos;
    if (count < k) k = count;
    if (k <= 0) return 0;
    memcpy(dst, m->data + m->pos, (size_t)k);
    m->pos += k;
    return k;
}

static sf_count_t mem_write(const void *src, sf_count_t count, void *u)
{
    (void)src; (void)count; (void)u;
    return 0;
}

static sf_count_t mem_tell(void *u) { return ((struct membuf *)u)->pos; }

/* ---- header sanity checks libsndfile does not make ---- */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RIFF/WAVE: the data chunk must not claim more bytes than the file holds. */
static int check_wav(const unsigned char *d, size_t len, const char *name)
{
    if (len < 12 || memcmp(d, "RIFF", 4) != 0 || memcmp(d + 8, "WAVE", 4) != 0) return 0;
    size_t off = 12;
    while (off + 8 <= len) {
        uint32_t sz = le32(d + off + 4);
        if (memcmp(d + off, "data", 4) == 0) {
            size_t avail = len - off - 8;
            if (sz != 0xffffffffu && sz != 0 && (size_t)sz > avail)
                return wren_error("%s: truncated WAV file: header promises %u bytes of audio, "
                                  "the file has %zu", name, (unsigned)sz, avail);
            return 0;
        }
        off += 8 + (size_t)sz + (sz & 1);
    }
    return wren_error("%s: truncated or malformed WAV file: no data chunk", name);
}

/* Value of FIELD in a NIST SPHERE header ("field -i 123" or "field -s5 pcm"); NULL if absent. */
static const char *sphere_field(const char *hdr, const char *field, char *val, size_t cap)
{
    size_t fl = strlen(field);
    for (const char *s = hdr; (s = strstr(s, field)) != NULL; s += fl) {
        if ((s != hdr && s[-1] != '\n') || !isspace((unsigned char)s[fl])) continue;
        const char *p = s + fl;
        while (*p == ' ') p++;
        while (*p && *p != ' ' && *p != '\n') p++;   /* type: -i, -r, -sN */
        while (*p == ' ') p++;
        size_t n = 0;
        while (*p && *p != '\n' && *p != '\r' && n + 1 < cap) val[n++] = *p++;
        while (n > 0 && val[n - 1] == ' ') n--;
        val[n] = '\0';
        return val;
    }
    return NULL;
}

/* An integer field of a SPHERE header: 0 absent, 1 read into *out, -1 not an integer. */
static int sphere_int(const char *hdr, const char *field, long *out)
{
    char v[64];
    if (!sphere_field(hdr, field, v, sizeof v)) return 0;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno) return -1;
    *out = x;
    return 1;
}

/* NIST SPHERE: the header's sample_count, channel_count and sample_n_bytes must describe
 * exactly the bytes that follow it (libsndfile trusts sample_count and would silently read a
 * prefix, or past the end), and sample_rate must be there and positive. */
static int check_sphere(const unsigned char *d, size_t len, const char *name)
{
    if (len < 16 || memcmp(d, "NIST_1A\n", 8) != 0) return 0;
    char hdr[4097];
    char field[9];   /* the header length, bytes 8..15; the input need not be NUL-terminated */
    memcpy(field, d + 8, 8);
    field[8] = '\0';
    long hlen = strtol(field, NULL, 10);
    if (hlen < 16 || hlen > 4096 || (size_t)hlen > len)
        return wren_error("%s: truncated or malformed NIST SPHERE header", name);
    memcpy(hdr, d, (size_t)hlen);
    hdr[hlen] = '\0';
    char v[64];
    if (sphere_field(hdr, "sample_coding", v, sizeof v) && strstr(v, "shorten"))
        return wren_error("%s: shorten-compressed SPHERE is not supported; use a wav.scp pipe "
                          "such as 'sph2pipe -f wav %s |'", name, name);
    long count = -1, chans = 1, bytes = 2, rate = 0;
    static const char *fields[4] = { "sample_count", "channel_count", "sample_n_bytes", "sample_rate" };
    long *vals[4] = { &count, &chans, &bytes, &rate };
    for (int i = 0; i < 4; i++)
        if (sphere_int(hdr, fields[i], vals[i]) < 0)
            return wren_error("%s: SPHERE header field %s is not an integer", name, fields[i]);
    if (chans < 1 || chans > 64)
        return wren_error("%s: SPHERE header channel_count %ld is out of range (1-64)", name, chans);
    if (bytes < 1 || bytes > 4)
        return wren_error("%s: SPHERE header sample_n_bytes %ld is out of range (1-4)", name, bytes);
    if (rate <= 0)
        return wren_error("%s: SPHERE header has no positive sample_rate", name);
    if (sphere_field(hdr, "sample_byte_format", v, sizeof v) && strspn(v, "0123456789") == strlen(v) &&
        (long)strlen(v) != bytes)
        return wren_error("%s: SPHERE header sample_byte_format '%s' contradicts sample_n_bytes %ld",
                          name, v, bytes);
    size_t have = len - (size_t)hlen, frame = (size_t)chans * (size_t)bytes;
    if (count < 0 && sphere_field(hdr, "sample_count", v, sizeof v) == NULL) {
        if (have % frame)
            return wren_error("%s: truncated SPHERE file: %zu bytes of audio is not a whole number "
                              "of %zu-byte frames", name, have, frame);
        return 0;
    }
    if (count < 0)
        return wren_error("%s: SPHERE header sample_count %ld is negative", name, count);
    double need = (double)count * (double)frame;
    if (need > (double)have)
        return wren_error("%s: truncated SPHERE file: header promises %ld samples, the "
                          "file has %.0f", name, count, (double)have / (double)frame);
    if (need < (double)have)
        return wren_error("%s: SPHERE header sample_count %ld contradicts the data: %zu bytes after "
                          "the %ld-byte header hold %.0f samples", name, count, have, hlen,
                          (double)have / (double)frame);
    return 0;
}

/* ---- raw formats ---- */

static int raw_format(const char *fmt, int *out)
{
    static const struct { const char *name; int f; } tab[] = {
        { "s16le", SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE }, { "s16be", SF_FORMAT_PCM_16 | SF_ENDIAN_BIG },
        { "s24le", SF_FORMAT_PCM_24 | SF_ENDIAN_LITTLE }, { "s24be", SF_FORMAT_PCM_24 | SF_ENDIAN_BIG },
        { "s32le", SF_FORMAT_PCM_32 | SF_ENDIAN_LITTLE }, { "s32be", SF_FORMAT_PCM_32 | SF_ENDIAN_BIG },
        { "f32le", SF_FORMAT_FLOAT | SF_ENDIAN_LITTLE }, { "f32be", SF_FORMAT_FLOAT | SF_ENDIAN_BIG },
        { "f64le", SF_FORMAT_DOUBLE | SF_ENDIAN_LITTLE }, { "f64be", SF_FORMAT_DOUBLE | SF_ENDIAN_BIG },
        { "s8", SF_FORMAT_PCM_S8 }, { "u8", SF_FORMAT_PCM_U8 },
        { "ulaw", SF_FORMAT_ULAW }, { "alaw", SF_FORMAT_ALAW },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(fmt, tab[i].name) == 0) {
            *out = SF_FORMAT_RAW | tab[i].f;
            return 0;
        }
    return wren_error("unknown raw format '%s' (s16le, s16be, s8, u8, s24le, s24be, s32le, "
                      "s32be, f32le, f32be, f64le, f64be, ulaw, alaw)", fmt);
}

/* Bytes per frame of raw input, to spot a partial last sample. */
static int raw_bytes_per_sample(int format)
{
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_16: return 2;
    case SF_FORMAT_PCM_24: return 3;
    case SF_FORMAT_PCM_32: case SF_FORMAT_FLOAT: return 4;
    case SF_FORMAT_DOUBLE: return 8;
    default: return 1;
    }
}

/* ---- reading ---- */

static int open_sf(const struct membuf *mb, const char *name, const struct wren_audio_opts *o,
                   SF_VIRTUAL_IO *vio, void *user, SNDFILE **sf, SF_INFO *info)
{
    memset(info, 0, sizeof *info);
    if (o->raw_format) {
        if (raw_format(o->raw_format, &info->format) < 0) return -1;
        if (o->raw_rate <= 0)
            return wren_error("%s: raw input needs its sample rate (--raw-rate)", name);
        if (o->raw_channels <= 0)
            return wren_error("%s: raw input needs a positive channel count", name);
        info->samplerate = o->raw_rate;
        info->channels = o->raw_channels;
        long fb = (long)raw_bytes_per_sample(info->format) * o->raw_channels;
        if (mb->len % fb)
            return wren_error("%s: truncated raw audio: %ld bytes is not a whole number of "
                              "%ld-byte frames", name, (long)mb->len, fb);
    } else {
        if (check_wav(mb->data, (size_t)mb->len, name) < 0) return -1;
        if (check_sphere(mb->data, (size_t)mb->len, name) < 0) return -1;
    }
    *sf = sf_open_virtual(vio, SFM_READ, info, user);
    if (!*sf) {
        const char *why = sf_strerror(NULL);
        if (o->raw_format)
            return wren_error("%s: cannot read as raw %s: %s", name, o->raw_format, why);
        return wren_error("%s: not a readable audio file (%s)", name, why);
    }
    return 0;
}

static int check_shape(const SF_INFO *info, const char *name, const struct wren_audio_opts *o)
{
    if (info->channels < 1)
        return wren_error("%s: no audio channels", name);
    if (o->channel >= info->channels)
        return wren_error("%s: channel %d requested, the file has %d", name, o->channel,
                          info->channels);
    if (info->samplerate <= 0)
        return wren_error("%s: sample rate %d Hz", name, info->samplerate);
    if (o->expect_rate > 0 && info->samplerate != o->expect_rate && !o->resample)
        return wren_error("%s: sample rate %d Hz does not match the model's %d Hz (resampling "
                          "is off: --no-resample)", name, info->samplerate, o->expect_rate);
    return 0;
}

int wren_audio_read_memory(const void *data, size_t len, const char *name,
                           const struct wren_audio_opts *o, struct wren_audio *a)
{
    memset(a, 0, sizeof *a);
    if (len == 0)
        return wren_error("%s: empty file (0 bytes)", name);
    struct membuf mb = { data, (sf_count_t)len, 0 };
    SF_VIRTUAL_IO vio = { mem_len, mem_seek, mem_read, mem_write, mem_tell };
    SNDFILE *sf;
    SF_INFO info;
    if (open_sf(&mb, name, o, &vio, &mb, &sf, &info) < 0) return -1;
    if (check_shape(&info, name, o) < 0) {
        sf_close(sf);
        return -1;
    }
    sf_command(sf, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
    int ch = info.channels, pick = o->channel;
    float mix = 32768.0f / (float)ch;
    size_t cap = info.frames > 0 && info.frames < ((sf_count_t)1 << 31) ? (size_t)info.frames
                                                                        : 1 << 16;
    float *buf = wren_xmalloc(4096 * (size_t)ch * sizeof(float));
    float *s = wren_xmalloc((cap + 1) * sizeof(float));
    size_t n = 0;
    for (;;) {
        sf_count_t got = sf_readf_float(sf, buf, 4096);
        if (got <= 0) break;
        if (n + (size_t)got > cap) {
            while (n + (size_t)got > cap) cap *= 2;
            s = wren_xrealloc(s, (cap + 1) * sizeof(float));
        }
        if (pick >= 0 || ch == 1)
            for (sf_count_t i = 0; i < got; i++) s[n++] = buf[i * ch + (pick < 0 ? 0 : pick)] * 32768.0f;
        else   /* no channel chosen: the mean of all */
            for (sf_count_t i = 0; i < got; i++) {
                float v = 0;
                for (int c = 0; c < ch; c++) v += buf[i * ch + c];
                s[n++] = v * mix;
            }
    }
    int err = sf_error(sf);
    const char *errmsg = err ? sf_strerror(sf) : NULL;
    int rc = 0;
    if (err)
        rc = wren_error("%s: truncated or damaged audio after %zu samples (%s)", name, n, errmsg);
    else if (info.frames > 0 && info.frames != SF_COUNT_MAX && (sf_count_t)n < info.frames)
        rc = wren_error("%s: truncated audio: header promises %lld samples, only %zu read",
                        name, (long long)info.frames, n);
    else if (n == 0)
        rc = wren_error("%s: no audio samples (zero length)", name);
    sf_close(sf);
    free(buf);
    if (rc < 0) {
        free(s);
        return -1;
    }
    a->samples = s;
    a->n = n;
    a->rate = a->source_rate = info.samplerate;
    a->file_channels = ch;
    if (o->expect_rate > 0 && a->rate != o->expect_rate) {
        float *r;
        size_t m;
        if (wren_resample(s, n, a->rate, o->expect_rate, name, &r, &m) < 0) {
            wren_audio_free(a);
            return -1;
        }
        free(s);
        a->samples = r;
        a->n = m;
        a->rate = o->expect_rate;
    }
    return 0;
}

int wren_audio_read(const char *spec, const struct wren_audio_opts *o, struct wren_audio *a)
{
    char *data;
    size_t len;
    memset(a, 0, sizeof *a);
    if (wren_read_all(spec, &data, &len) < 0) return -1;
    int rc = wren_audio_read_memory(data, len, spec, o, a);
    free(data);
    return rc;
}

int wren_audio_seconds(const char *spec, const struct wren_audio_opts *o, double *sec)
{
    size_t n = strlen(spec);
    while (n > 0 && spec[n - 1] == ' ') n--;
    if (n == 0 || spec[n - 1] == '|' || !strcmp(spec, "-")) return 1;
    struct stat st;
    if (stat(spec, &st) != 0 || !S_ISREG(st.st_mode)) return 1;
    if (o->raw_format) {
        int format;
        if (raw_format(o->raw_format, &format) < 0 || o->raw_rate <= 0 || o->raw_channels <= 0) return 1;
        *sec = (double)st.st_size / ((double)raw_bytes_per_sample(format) * o->raw_channels) / o->raw_rate;
        return 0;
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(spec, SFM_READ, &info);
    if (!sf) return 1;
    sf_close(sf);
    if (info.samplerate <= 0 || info.frames <= 0 || info.frames == SF_COUNT_MAX) return 1;
    *sec = (double)info.frames / info.samplerate;
    return 0;
}

int wren_audio_file_like(const char *path)
{
    static const char *magic[] = { "RIFF", "RIFX", "RF64", "fLaC", "NIST_1A\n", "FORM", "OggS",
                                   ".snd", "caff", "riff" };
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char b[8];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++) {
        size_t m = strlen(magic[i]);
        if (n >= m && memcmp(b, magic[i], m) == 0) return 1;
    }
    /* MP3: an ID3 tag, or straight into an MPEG audio frame header: 11 sync bits, then a
     * version, layer, bit rate and sample rate that are not reserved (nor 'free' bit rate) */
    if (n >= 3 && memcmp(b, "ID3", 3) == 0) return 1;
    const unsigned char *u = (const unsigned char *)b;
    return n >= 3 && u[0] == 0xFF && (u[1] & 0xE0) == 0xE0 && ((u[1] >> 3) & 3) != 1 &&
           ((u[1] >> 1) & 3) != 0 && (u[2] >> 4) != 0 && (u[2] >> 4) != 15 && ((u[2] >> 2) & 3) != 3;
}

int wren_audio_raw_like(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    unsigned char b[65536];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    for (size_t i = 0; i < n; i++)   /* text has no control bytes but tab, newline and CR */
        if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') return 1;
    return 0;
}

static int by_key(const void *a, const void *b)   /* then by path: a stable message */
{
    const struct wren_table_entry *x = *(const struct wren_table_entry *const *)a;
    const struct wren_table_entry *y = *(const struct wren_table_entry *const *)b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

int wren_audio_scp_read(const char *path, const char *what, struct wren_table *t)
{
    if (wren_table_read(path, t)) return -1;
    for (size_t i = 0; i < t->n; i++)
        if (!t->e[i].value[0]) {
            int rc = wren_error("%s:%d: %s %s has no audio", path, t->e[i].line, what, t->e[i].key);
            wren_table_free(t);
            return rc;
        }
    return 0;
}

int wren_audio_folder(const char *dir, struct wren_table *t)
{
    memset(t, 0, sizeof *t);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) return wren_error("%s: cannot list the folder: %s", dir, strerror(errno));
    t->e = wren_xcalloc((size_t)n + 1, sizeof *t->e);
    for (int i = 0; i < n; i++) {
        char *path = names[i]->d_name[0] == '.' ? NULL : wren_path_join(dir, names[i]->d_name);
        if (path && wren_audio_file_like(path))
            t->e[t->n++] = (struct wren_table_entry){ wren_path_key(path), path, 0 };
        else
            free(path);
        free(names[i]);
    }
    free(names);
    t->path = wren_xstrdup(dir);
    int rc = 0;
    if (t->n == 0) rc = wren_error("%s: a folder with no audio file and no wav.scp", dir);
    const struct wren_table_entry **k = wren_xmalloc((t->n + 1) * sizeof *k);
    for (size_t i = 0; i < t->n; i++) k[i] = &t->e[i];
    qsort(k, t->n, sizeof *k, by_key);
    for (size_t i = 1; i < t->n && !rc; i++)
        if (!strcmp(k[i - 1]->key, k[i]->key))
            rc = wren_error("%s: %s and %s both name utterance '%s'", dir, k[i - 1]->value,
                            k[i]->value, k[i]->key);
    free(k);
    if (rc) wren_table_free(t);
    return rc;
}
