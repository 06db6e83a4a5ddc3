/* wren/decoder.h — decoding audio with a Sphinx acoustic model and a Wren graph (the folder
 * `wren mkgraph` writes): create a decoder once, decode files or sample buffers, read the words
 * and their times from the transcript, or feed an utterance in chunks and read partial results
 * (streaming). This is what `wren decode` does for each utterance.
 * The n best word sequences of an utterance come as a list of transcripts (wren_nbest), its
 * word lattice as a read-only graph (wren_word_lattice).
 * Several files of one speaker decode better together (wren_decoder_decode_speaker_files:
 * two passes, the second adapted to the speaker, as `wren decode` decodes a data dir).
 * Not here: lattice operations (the `wren lattice` commands). */
#ifndef WREN_PUBLIC_DECODER_H
#define WREN_PUBLIC_DECODER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Search options. Costs are -ln p; the acoustic cost of a frame is -acwt * ln p(x | senone).
 * Start from wren_decode_default_options(): the defaults are Wren's best known operating point,
 * the one its recipes use. */
struct wren_decode_opts {
    float beam;            /* search beam on the total cost */
    int max_active;        /* histogram pruning: at most this many tokens per frame */
    int min_active;        /* ... and at least this many */
    float lattice_beam;    /* lattice links within this of the best path are kept */
    float acwt;            /* acoustic scale */
    float word_penalty;    /* cost added to every word arc's graph cost */
    int prune_interval;    /* frames between lattice pruning passes */
    float beam_delta;      /* slack added to the beam when max-active cuts */
    float prune_scale;     /* tolerance of the periodic pruning, times lattice_beam */
    int determinize;       /* determinise word lattices (1; 0 = keep every word alignment) */
    int det_max_states;    /* give up determinising (keep the lattice as is) beyond this size */
    int remove_silence;    /* front-end VAD: -1 as the model's feat.params (Sphinx default: on,
                            * non-speech frames are not searched; times are still the audio's,
                            * the dropped frames silence in a word lattice), 0 search every
                            * frame */
    float score_floor;     /* acoustic dynamic-range clamp of semi-continuous and PTM models:
                            * a Gaussian's log density counts as at least the frame's best
                            * minus this many nats (pocketsphinx's 9.83); 0 = exact scores */
    int mbr;               /* the final transcript: 1 = the minimum-Bayes-risk word sequence of
                            * the utterance's lattice (fewest expected word errors at acwt; each
                            * word with its posterior), 0 = the lattice's best path */
    int mbr_max_cells;     /* MBR keeps two tables of (lattice states) x (best-path words + 1)
                            * doubles; a lattice beyond this many cells (a recording of several
                            * minutes decoded whole) gets its best path, with a warning */
};
struct wren_decode_opts wren_decode_default_options(void);

/* A loaded model and graph (opaque). Decoding is sequential: one decoder per thread. */
struct wren_decoder;
/* MODEL_DIR: a Sphinx model folder (mdef, means, variances, mixture_weights, feat.params), or
 * NULL for the one GRAPH_DIR was built with (its model.txt), else Debian's pocketsphinx-en-us;
 * GRAPH_DIR: the output of `wren mkgraph` for that model (HCLG.fst, words.txt, ...); o may be
 * NULL for the defaults. */
int wren_decoder_create(const char *model_dir, const char *graph_dir,
                        const struct wren_decode_opts *o, struct wren_decoder **out);
void wren_decoder_free(struct wren_decoder *d);
/* A second pass, as `wren decode --nnlm` gives it: from now on each final lattice is rescored by
 * the neural LM at NNLM_PATH (a safetensors file of `wren nnlm-train` or `wren prune`)
 * interpolated with the n-gram the graph was built from (GRAPH_DIR/lm.txt, which `wren mkgraph`
 * writes; an error if the graph has none or the file changed since), the NNLM's share LAMBDA
 * (0..1; `wren rescore`'s default 0.5) and the LM weight LM_WEIGHT (its default 1). The final
 * transcripts (decode, finish, speaker files) are then the rescored lattice's best path, without
 * confidences; wren_decoder_lattice_* give the rescored lattice and wren_decoder_nbest_* its n
 * best. Partial transcripts are not rescored. NNLM_PATH NULL: one pass again. */
int wren_decoder_set_nnlm(struct wren_decoder *d, const char *nnlm_path, float lambda, float lm_weight);
/* The sample rate the model expects (Hz). */
int wren_decoder_sample_rate(const struct wren_decoder *d);

/* The words of one utterance (as spelled in the graph's words.txt) and their times: by default
 * (opts.mbr) its minimum-Bayes-risk word sequence, else its best path. */
struct wren_transcript;
/* Decode an audio file (any format libsndfile reads, or NIST SPHERE; several channels are mixed
 * down to their mean, another rate than the model's is resampled, as `wren decode` does). */
int wren_decoder_decode_file(struct wren_decoder *d, const char *path, struct wren_transcript **out);
/* Decode n samples at the model's rate, on the 16-bit scale (-32768 .. 32767). Audio longer
 * than WREN_DECODE_PIECE_SECONDS is cut at its pauses first (the front end's VAD, as
 * `wren segment` cuts it) and decoded piece by piece, the transcript's times counted from the
 * start of the audio: one search over minutes of speech would take memory growing with its
 * length. (The n-best and lattice calls below cut such audio too and join the pieces' lattices;
 * the streaming calls cut a stream as it comes, see below.) */
#define WREN_DECODE_PIECE_SECONDS 60.0
int wren_decoder_decode_samples(struct wren_decoder *d, const float *samples, size_t n,
                                struct wren_transcript **out);
/* Decode n audio files of ONE speaker together, as `wren decode` decodes a speaker of a data dir
 * with its default --adapt: a speaker-independent pass, one fMLLR feature transform (and MAP
 * means) estimated for the speaker on its best paths, the adapted pass, a second estimate that
 * rescores its lattices. out[i] (an array of n, the caller's) receives the transcript of
 * paths[i]; each is the caller's to free. All files are read first; on any error (a file that
 * cannot be read) the call fails with that file's name and out holds NULLs.
 * On Wren's pooled dev set (egs/pooled) both passes took 1.03x the CPU of decoding the files one
 * by one, and 43.30 %WER went to 37.48. Long files are cut at their pauses as
 * wren_decoder_decode_samples cuts them. Afterwards the decoder decodes
 * speaker-independently again. */
int wren_decoder_decode_speaker_files(struct wren_decoder *d, const char *const *paths, int n,
                                      struct wren_transcript **out);
/* Streaming: one utterance fed in chunks as the audio arrives (a microphone, a socket).
 * wren_decoder_start_utterance begins it (dropping an unfinished one); accept_samples appends n
 * samples (model rate, 16-bit scale); partial_transcript is the best path over the audio so far
 * (computed from that audio alone, so its words may still change; wren_transcript_complete
 * is 0); finish_utterance ends it with the final transcript, the one decode_samples gives for
 * the whole audio, up to WREN_DECODE_PIECE_SECONDS of it. The stream is cut as it comes: each
 * time the part not yet cut passes 20 s, the audio before its last piece of speech (a pause
 * found as `wren segment` finds them) is decoded piece by piece as decode_samples decodes a
 * recording, its words kept and its audio dropped, so memory and the cost of a partial
 * transcript stay those of about 20 s of audio however long the stream runs (the samples of its
 * first WREN_DECODE_PIECE_SECONDS are kept too: a stream that ends within them is decoded again
 * whole by finish_utterance). Partial transcripts after a cut, and the final transcript of a
 * longer stream, start with the words of the parts cut off, times counted from the start of the
 * stream (the cut points differ from decode_samples', so the words near them may).
 * Transcripts from these calls are the caller's to free. */
void wren_decoder_start_utterance(struct wren_decoder *d);
int wren_decoder_accept_samples(struct wren_decoder *d, const float *samples, size_t n);
/* accept_samples for samples at sample_rate Hz (4000 to 768000; one rate per utterance), as a
 * microphone at 44.1 or 48 kHz gives them: the utterance's audio is resampled whole to the
 * model's rate for each partial and the final transcript, which is then decode_samples' for
 * all of it resampled at once (wren/audio.h). */
int wren_decoder_accept_samples_at(struct wren_decoder *d, const float *samples, size_t n,
                                   int sample_rate);
int wren_decoder_partial_transcript(struct wren_decoder *d, struct wren_transcript **out);
int wren_decoder_finish_utterance(struct wren_decoder *d, struct wren_transcript **out);
int wren_transcript_num_words(const struct wren_transcript *t);
const char *wren_transcript_word(const struct wren_transcript *t, int i);
/* Start and end of word i in seconds from the start of the audio. */
double wren_transcript_word_start(const struct wren_transcript *t, int i);
double wren_transcript_word_end(const struct wren_transcript *t, int i);
/* The posterior of word i in the utterance's lattice (0..1; the MBR transcript's confidence), or
 * -1 where there is none (a best-path or partial transcript). */
double wren_transcript_word_confidence(const struct wren_transcript *t, int i);
/* The words joined by single spaces ("" for none). */
const char *wren_transcript_text(const struct wren_transcript *t);
/* 1 if the search reached a final state of the graph (0: the best partial path is given). */
int wren_transcript_complete(const struct wren_transcript *t);
void wren_transcript_free(struct wren_transcript *t);

/* The n best distinct word sequences of an utterance, best first, from its word lattice (as
 * `wren decode --nbest N` writes them; fewer if the lattice has fewer): each a transcript
 * (entry 0 is the best path, which wren_decoder_decode_file gives with opts.mbr = 0) with its graph cost and
 * unscaled acoustic cost (-ln p; the path's total is graph + acwt * acoustic). */
struct wren_nbest;
int wren_decoder_nbest_file(struct wren_decoder *d, const char *path, int n, struct wren_nbest **out);
int wren_decoder_nbest_samples(struct wren_decoder *d, const float *samples, size_t n_samples,
                               int n, struct wren_nbest **out);
int wren_nbest_size(const struct wren_nbest *b);
/* Entry i (0 = best; NULL outside the list), owned by the list. */
const struct wren_transcript *wren_nbest_transcript(const struct wren_nbest *b, int i);
double wren_nbest_graph_cost(const struct wren_nbest *b, int i);
double wren_nbest_acoustic_cost(const struct wren_nbest *b, int i);
void wren_nbest_free(struct wren_nbest *b);

/* The word lattice of an utterance, as `wren decode` writes it to LATTICE_OUT (pruned with the
 * lattice beam, determinised by default): states 0 .. num_states-1, numbered so that every arc
 * goes to a higher state; each arc carries a word (NULL for an epsilon arc), its graph cost,
 * its unscaled acoustic cost and the frames it spans. An utterance where nothing survived has
 * no states (start -1). Audio over WREN_DECODE_PIECE_SECONDS is cut at its pauses and its
 * pieces' lattices joined in sequence, the pauses between them silence frames, as are the frames
 * the front end's VAD dropped (-remove_silence), so frames count from the audio's start. */
struct wren_word_lattice;
int wren_decoder_lattice_file(struct wren_decoder *d, const char *path, struct wren_word_lattice **out);
int wren_decoder_lattice_samples(struct wren_decoder *d, const float *samples, size_t n_samples,
                                 struct wren_word_lattice **out);
int wren_word_lattice_num_states(const struct wren_word_lattice *l);
int wren_word_lattice_start(const struct wren_word_lattice *l);
int wren_word_lattice_num_arcs(const struct wren_word_lattice *l, int state);
/* Arc i of state: 0 and its fields (any pointer may be NULL), or -1 if there is no such arc. */
int wren_word_lattice_arc(const struct wren_word_lattice *l, int state, int i, int *next,
                          const char **word, double *graph_cost, double *acoustic_cost, int *frames);
/* 1 and the final costs (and frames) if state is final, else 0. */
int wren_word_lattice_final(const struct wren_word_lattice *l, int state, double *graph_cost,
                            double *acoustic_cost, int *frames);
/* Seconds per frame (the audio's frames: those the front end's VAD dropped are silence frames). */
double wren_word_lattice_frame_shift(const struct wren_word_lattice *l);
void wren_word_lattice_free(struct wren_word_lattice *l);

#ifdef __cplusplus
}
#endif
#endif
