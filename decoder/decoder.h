/* decoder.h — decoding inside Wren (the public part is include/wren/decoder.h): the decoding
 * options' defaults and option table (shared by `wren decode`, the lattice tools and the tests),
 * the decoding graph folder as the decoder loads it, and the streaming C API (feed audio
 * chunks, get partial and final results) that `wren decode` is built on.
 * Not for: the search internals (search.h), lattice algorithms (lattice.h). */
#ifndef WREN_DECODER_H
#define WREN_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "utils/opts.h"
#include "wren/decoder.h"   /* struct wren_decode_opts, the decoder and transcripts */

void wren_decode_opts_default(struct wren_decode_opts *o);
/* The decoding options, bound to *o, written to t (opts.h convention: WREN_DECODE_NOPTS of
 * them, then WREN_OPT_TABLE_END); returns WREN_DECODE_NOPTS. */
#define WREN_DECODE_NOPTS 15
int wren_decode_opts_table(struct wren_decode_opts *o, struct wren_opt *t);
/* -1 with a message if an option is out of range. */
int wren_decode_opts_check(const struct wren_decode_opts *o);

/* ---- the graph folder (HCLG.fst, words.txt, transitions.txt, phones.txt) ---- */
struct wren_hclg;
struct wren_symtab;                     /* fst.h */
struct wren_decode_graph {
    struct wren_hclg *hclg;
    struct wren_symtab *words, *phones; /* phones may be NULL (no phones.txt) */
    int32_t n_tids;                     /* tids 1..n_tids */
    int32_t *tid_senone, *tid_phone;    /* [n_tids + 1] */
    uint8_t *tid_selfloop;
    int32_t max_senone;
};
int wren_decode_graph_load(const char *dir, struct wren_decode_graph *g);
/* Only the transitions and phones of a graph folder (hclg and words NULL): what a lattice's
 * transition ids mean. */
int wren_decode_graph_load_tables(const char *dir, struct wren_decode_graph *g);
/* Per transition id (1..n_tids): 1 if its phone is silence or noise (by Sphinx's names, from
 * phones.txt); NULL with a message naming dir if the folder has no phones.txt. Caller frees. */
uint8_t *wren_decode_graph_filler_tids(const struct wren_decode_graph *g, const char *dir);
void wren_decode_graph_free(struct wren_decode_graph *g);

/* ---- results ---- */
struct wren_decode_word {
    int32_t word;          /* id in words.txt */
    int start, frames;     /* first frame and number of frames */
    float conf;            /* MBR: the word's posterior; -1 on a best path */
};
struct wren_decode_result {
    struct wren_decode_word *w;
    int n;                 /* words of the best path (epsilons left out) */
    int frames;            /* frames decoded */
    double graph_cost, acoustic_cost;   /* of the best path, acoustic unscaled */
    int reached_final;     /* 0: no final state was reached; the best partial path is given */
};
void wren_decode_result_free(struct wren_decode_result *r);

/* ---- the decoder: model + graph + search, and the streaming API ----
 * Partial results decode the audio fed so far with features computed for that audio alone
 * (an approximation: with batch CMN the mean changes as audio comes in). The final result is
 * always that of decoding the whole utterance at once (if partials were asked for, the final
 * pass decodes the utterance again with its final features). */
struct wren_decoder;
struct wren_lattice;
const struct wren_decode_graph *wren_decoder_graph(const struct wren_decoder *d);
double wren_decoder_frame_shift(const struct wren_decoder *d);   /* seconds */
const struct wren_feat_params *wren_decoder_feat_params(const struct wren_decoder *d);
/* 1 if the front end drops non-speech frames (then the search's frame numbers, and so the
 * times of wren_decoder_finish's lattice, are not the audio's; the results' word times are
 * mapped back to it, and the lattices given out padded: wren_decoder_lattice_on_audio). */
int wren_decoder_drops_frames(const struct wren_decoder *d);
/* The last utterance's audio frame of each decoded frame (*n of them, then the audio's number
 * of frames), or NULL when the front end drops none (then the two are the same). Valid until
 * the next partial or final result. */
const int *wren_decoder_frame_map(const struct wren_decoder *d, int *n);
/* Word times of r from decoded frames to audio frames through such a map (NULL: unchanged). A
 * word runs from the audio frame of its first decoded frame to that of its last. */
void wren_decode_result_to_audio(struct wren_decode_result *r, const int *kept, int n);

/* Begin an utterance (drops any unfinished one). */
void wren_decoder_start(struct wren_decoder *d);
/* Append audio (16-bit scale floats at the model's rate). */
int wren_decoder_feed(struct wren_decoder *d, const float *samples, size_t n);
/* The same at RATE Hz (one rate per utterance): resampled to the model's rate whole before each
 * result, so the final result is the one of the whole audio resampled at once. */
int wren_decoder_feed_at(struct wren_decoder *d, const float *samples, size_t n, int rate);
/* Best path over the audio fed so far. */
int wren_decoder_partial(struct wren_decoder *d, struct wren_decode_result *r);
/* End of utterance: the final result (wren_decoder_output_result, its word times on the
 * audio), and if lat != NULL the word lattice (pruned with the lattice beam, acoustic costs
 * unscaled, times on the decoded frames; the caller frees it; under the NNLM pass the
 * rescored one). r NULL (lat not NULL): the search's lattice alone, no result computed and no
 * NNLM pass (for passes that only gather statistics; reached_final is in the stats). */
int wren_decoder_finish(struct wren_decoder *d, struct wren_decode_result *r, struct wren_lattice *lat);
/* The final result of a word lattice under the decoder's options: the minimum-Bayes-risk word
 * sequence (o.mbr; each word's posterior in conf; the best path's times if it has the same
 * words, else the posterior-weighted means) or the best path. graph_cost and acoustic_cost are
 * the best path's either way. frames and reached_final are left 0. */
int wren_decoder_lattice_result(const struct wren_decoder *d, const struct wren_lattice *wl,
                                struct wren_decode_result *r);
/* The same for n lattices wl[i] into r[i]; on error every r[i] is empty. */
int wren_decoder_lattice_results(const struct wren_decoder *d, int n, const struct wren_lattice *const *wl,
                                 struct wren_decode_result *r);
/* A path of that lattice (wren_lattice_nbest) as a result: its words and frames, trimmed of
 * silence at the words' edges as the best path is (frames, reached_final left 0). */
struct wren_path;
void wren_decoder_path_result(const struct wren_decoder *d, const struct wren_path *p,
                              struct wren_decode_result *r);
/* --- the NNLM second pass (decoder-nnlm.c; wren_decoder_set_nnlm in the public header) --- */
struct wren_rescore_models;
struct wren_rescore_opts;
/* wl (a final word lattice, on the decoded frames) rescored by the models m under o (lattice
 * mode) into *out (new; an empty lattice stays empty), and the rescored lattice's best path as
 * *r (on the same frames): the second pass of `wren decode --nnlm` and wren_decoder_set_nnlm.
 * *tokens (if not NULL) gets the NNLM tokens scored added. */
int wren_decoder_nnlm_result(const struct wren_decoder *d, struct wren_rescore_models *m,
                             const struct wren_rescore_opts *o, const struct wren_lattice *wl,
                             struct wren_lattice *out, struct wren_decode_result *r, long *tokens);
/* The same for n lattices wl[i] into out[i] and r[i], up to o->lattice_batch of them expanded
 * side by side with their NNLM requests scored together (wren_rescore_lattices: each gets the
 * expansion it gets alone, its costs equal up to the last float bits). On error every out[i]
 * and r[i] is empty. */
int wren_decoder_nnlm_results(const struct wren_decoder *d, struct wren_rescore_models *m,
                              const struct wren_rescore_opts *o, int n, const struct wren_lattice *const *wl,
                              struct wren_lattice *out, struct wren_decode_result *r, long *tokens);
/* The result of a final lattice: under wren_decoder_set_nnlm its rescored best
 * path, the rescored lattice into *out when out is not NULL (*rescored = 1); else
 * wren_decoder_lattice_result (*rescored = 0, *out untouched). */
int wren_decoder_output_result(struct wren_decoder *d, const struct wren_lattice *wl, struct wren_decode_result *r,
                               struct wren_lattice *out, int *rescored);
/* A final lattice as the public lattice and n-best calls give it: under wren_decoder_set_nnlm
 * replaced by its rescored lattice (in place), else unchanged (no result computed). */
int wren_decoder_output_lattice(struct wren_decoder *d, struct wren_lattice *lat);
/* The results of n final lattices (no lattices out): under wren_decoder_set_nnlm rescored
 * together (wren_decoder_nnlm_results), their NNLM requests batched; pass up to
 * WREN_DECODER_OUTPUT_CHUNK at a time to bound the memory of the rescored lattices. On error
 * every r[i] is empty. */
#define WREN_DECODER_OUTPUT_CHUNK 64
int wren_decoder_output_results(struct wren_decoder *d, int n, const struct wren_lattice *const *wl,
                                struct wren_decode_result *r);
/* The acoustic scale the decoder searches with. */
float wren_decoder_acwt(const struct wren_decoder *d);
/* The public transcript of a result (words as strings, times in seconds). */
struct wren_transcript *wren_transcript_from_result(const struct wren_decoder *d,
                                                    const struct wren_decode_result *r);
/* The public streaming calls (transcript-stream.c) cut a long stream at its pauses as it comes:
 * the words of the part decoded and dropped so far, and that part's length in seconds. */
struct wren_stream_cut {
    struct wren_transcript *done;     /* NULL: nothing cut yet */
    double offset;                    /* seconds of audio before the current part */
    size_t next_look;                 /* samples of the current part before the next look for a pause */
    int n_cuts;                       /* parts cut off so far */
    double fed_seconds;               /* of the whole stream */
    /* the stream's audio as fed (at first_rate) while it is at most WREN_DECODE_PIECE_SECONDS
     * long, NULL past that: a stream cut before it ended within them is decoded again whole */
    float *first;
    size_t n_first, cap_first;
    int first_rate;
};
struct wren_stream_cut *wren_decoder_stream_cut(struct wren_decoder *d);
/* n samples appended to the growing buffer *buf (*len used of *cap) */
void wren_samples_append(float **buf, size_t *len, size_t *cap, const float *s, size_t n);
/* The current utterance's audio at the model's rate (audio fed at another rate resampled). */
int wren_decoder_stream_audio(struct wren_decoder *d, const float **samples, size_t *n);
/* The audio as fed at another rate: that rate (0 if fed at the model's), its samples in *samples. */
int wren_decoder_stream_source(const struct wren_decoder *d, const float **samples, size_t *n);
/* b's words after a's (a may be NULL), b's times moved by b_start seconds; a new transcript,
 * complete if both are. */
struct wren_transcript *wren_transcript_concat(const struct wren_transcript *a, const struct wren_transcript *b,
                                               double b_start);
/* The transcripts of a recording's k pieces (segments s, seconds) as one, each piece's times
 * moved by its start; the words move from the pieces to it (free the pieces after). */
struct wren_segment;
struct wren_transcript *wren_transcript_join(struct wren_transcript **p, const struct wren_segment *s, int k);
/* The k pieces s (seconds from the start of the n samples) each decoded as an utterance, their
 * transcripts joined as wren_transcript_join joins them (as decode_samples decodes audio over
 * WREN_DECODE_PIECE_SECONDS). */
int wren_decoder_decode_pieces(struct wren_decoder *d, const float *samples, size_t n,
                               const struct wren_segment *s, int k, struct wren_transcript **out);
/* n samples cut at their pauses as `wren segment` cuts them (its default options): k pieces in
 * *s (seconds; the caller frees it). */
int wren_decoder_segments(const struct wren_decoder *d, const float *samples, size_t n,
                          struct wren_segment **s, int *k);
/* Audio of n samples longer than WREN_DECODE_PIECE_SECONDS cut at its pauses (as `wren segment`
 * cuts it): its k pieces in *s (seconds; the caller frees it); shorter audio: *s NULL, k 0. */
int wren_decoder_pieces(const struct wren_decoder *d, const float *samples, size_t n,
                        struct wren_segment **s, int *k);
/* The lattices of a recording's k pieces (piece i from start_sec[i] seconds, each on its audio's
 * frames) in sequence (lattice-join.c); the pauses between them become silence frames, so that
 * the joined lattice's times are the recording's. out is new. */
struct wren_lattice;
/* A lattice of a search on the audio's frames, through that search's frame map (kept, n as
 * wren_decoder_frame_map gives them): each frame the VAD dropped becomes a silence frame. 1 and
 * *out (new) if it padded, 0 if there was nothing to pad (no map, an empty lattice), -1 with a
 * message. */
int wren_decoder_lattice_on_audio(struct wren_decoder *d, const int *kept, int n, const struct wren_lattice *in,
                                  struct wren_lattice *out);
void wren_decoder_join_lattices(struct wren_decoder *d, const struct wren_lattice *parts, const double *start_sec,
                                int k, struct wren_lattice *out);
/* The lattice of n samples on the audio's frames (*complete: the search reached a final state,
 * in every piece): one search, or for audio over WREN_DECODE_PIECE_SECONDS its pieces' lattices
 * joined. */
int wren_decoder_lattice_of(struct wren_decoder *d, const float *samples, size_t n, struct wren_lattice *lat,
                            int *complete);
/* The samples [*a, *b) of piece s of audio of n samples. */
void wren_decoder_piece_samples(const struct wren_decoder *d, const struct wren_segment *s, size_t n,
                                size_t *a, size_t *b);

/* Speaker adaptation (fMLLR, see fmllr.h and decode-adapt.c): W (dim x (dim+1), row-major,
 * copied) is applied as x -> A x + b to the features of the following utterances; NULL
 * removes it. wren_decoder_raw_features gives the last finished utterance's features before
 * the transform (valid until the next utterance); wren_decoder_am the model, for statistics. */
struct wren_am;
void wren_decoder_set_transform(struct wren_decoder *d, const double *W);
const float *wren_decoder_raw_features(const struct wren_decoder *d, int *n_frames);
int wren_decoder_feat_dim(const struct wren_decoder *d);
struct wren_am *wren_decoder_am(struct wren_decoder *d);
/* The following utterances search with min(beam, the decoder's beam) and min(max_active, its
 * max-active); a value <= 0 keeps the decoder's own. */
void wren_decoder_narrow_search(struct wren_decoder *d, float beam, int max_active);

/* Figures of the last finished utterance. */
struct wren_decoder_stats {
    int frames;
    double avg_active;          /* tokens per frame */
    double senone_fraction;     /* senones scored / senones in the model */
    int64_t lattice_states, lattice_arcs;
    int det_failed;             /* lattices left undeterminised so far (size guard) */
    int reached_final;          /* 0: no final state was reached */
};
void wren_decoder_stats(const struct wren_decoder *d, struct wren_decoder_stats *st);

#endif
