# tests: Check unit tests (tests/test_<module>.c) and end-to-end scripts (tests/e2e/*.sh).
# Each component's fragment adds its own tests to check_PROGRAMS/TESTS; this file holds the
# shared parts and the utils tests.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash

if HAVE_CHECK
check_PROGRAMS += tests/test_utils
TESTS += tests/test_utils
tests_test_utils_SOURCES = tests/test_utils.c tests/testutil.h
tests_test_utils_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_utils_LDADD = $(CHECK_LDADD)
endif
EXTRA_DIST += tests/testutil.h tests/fdcheck.h

# ---- frontend ----
# Front end: audio input (libsndfile), Sphinx feat.params, MFCC/CMN/deltas, Kaldi fbank.
if HAVE_CHECK
check_PROGRAMS += tests/test_audio tests/test_feat
TESTS += tests/test_audio tests/test_feat
tests_test_audio_SOURCES = tests/test_audio.c tests/testutil.h
tests_test_audio_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_audio_LDADD = $(CHECK_LDADD)
tests_test_feat_SOURCES = tests/test_feat.c tests/testutil.h
tests_test_feat_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_feat_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/compute-feats.sh
EXTRA_DIST += tests/e2e/compute-feats.sh

# ---- am ----
# Sphinx acoustic models: decoder/am.{c,h} (loading, senone scoring), decoder/mdef.{c,h}
# (model definition), internal parts am-s3io.c, am-mixw.c, gauden.c; `wren am-info`.
if HAVE_CHECK
check_PROGRAMS += tests/test_am
TESTS += tests/test_am
tests_test_am_SOURCES = tests/test_am.c tests/testutil.h
tests_test_am_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_am_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/am-info.sh
EXTRA_DIST += tests/e2e/am-info.sh

# ---- graph ----
# graph: Wren's C API over OpenFst (fst.h / fst.cc, the only C++), the lexicon, the L, G, C, H
# builders and `wren mkgraph`.
if HAVE_CHECK
check_PROGRAMS += tests/test_fst
TESTS += tests/test_fst
tests_test_fst_SOURCES = tests/test_fst.c tests/testutil.h
tests_test_fst_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_fst_LDADD = $(CHECK_LDADD)
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_graph
TESTS += tests/test_graph
tests_test_graph_SOURCES = tests/test_graph.c tests/testutil.h
tests_test_graph_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_graph_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/mkgraph.sh

# ---- search ----
# search: the lattice-generating beam search, lattices and their tools, `wren decode`,
# `wren lattice`.

if HAVE_CHECK
check_PROGRAMS += tests/test_search
TESTS += tests/test_search
tests_test_search_SOURCES = tests/test_search.c tests/testutil.h
tests_test_search_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_search_LDADD = $(CHECK_LDADD)
check_PROGRAMS += tests/test_search_pool
TESTS += tests/test_search_pool
tests_test_search_pool_SOURCES = tests/test_search_pool.c tests/testutil.h
tests_test_search_pool_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_search_pool_LDADD = $(CHECK_LDADD)
check_PROGRAMS += tests/test_lattice
TESTS += tests/test_lattice
tests_test_lattice_SOURCES = tests/test_lattice.c tests/testutil.h
tests_test_lattice_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_lattice_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/decode.sh tests/e2e/segment.sh tests/e2e/search-options.sh tests/e2e/decode-mismatch.sh tests/e2e/pocketsphinx-baseline.sh
EXTRA_DIST += tests/e2e/decode.sh tests/e2e/segment.sh tests/e2e/search-options.sh tests/e2e/decode-mismatch.sh tests/e2e/pocketsphinx-baseline.sh

# ---- adapt ----
# adapt: fMLLR speaker adaptation — statistics from the Sphinx GMMs along best paths
# (fmllr-stats.c), the row-by-row estimate (fmllr.c), the transform table (fmllr-io.c), and
# the two-pass `wren decode --adapt fmllr` / `--transforms` state (decode-adapt.c).

if HAVE_CHECK
check_PROGRAMS += tests/test_fmllr
TESTS += tests/test_fmllr
tests_test_fmllr_SOURCES = tests/test_fmllr.c tests/testutil.h
tests_test_fmllr_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_fmllr_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/decode-fmllr.sh
EXTRA_DIST += tests/e2e/decode-fmllr.sh

# ---- wer ----
# WER scoring: decoder/wer.{c,h} (library), decoder/cmd-wer.c (`wren wer`).
if HAVE_CHECK
check_PROGRAMS += tests/test_wer
TESTS += tests/test_wer
tests_test_wer_SOURCES = tests/test_wer.c tests/testutil.h
tests_test_wer_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_wer_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/wer-sclite.sh
EXTRA_DIST += tests/e2e/wer-sclite.sh
# the single-corpus recipes' WER/RTF table (egs/steps/results_table.sh): %WER, interval, CPU RTF
TESTS += tests/e2e/results-table.sh
EXTRA_DIST += tests/e2e/results-table.sh

# ---- ngram ----
# lm/ngram: ARPA models (read/write/lookup), n-gram counting and estimation (modified Kneser-Ney,
# Witten-Bell, add-k), Stolcke pruning, perplexity, count files; commands ngram-count,
# ngram-make and ngram.
if HAVE_CHECK
check_PROGRAMS += tests/test_arpa
TESTS += tests/test_arpa
tests_test_arpa_SOURCES = tests/test_arpa.c tests/testutil.h
tests_test_arpa_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_arpa_LDADD = $(CHECK_LDADD)
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_ngram
TESTS += tests/test_ngram
tests_test_ngram_SOURCES = tests/test_ngram.c tests/testutil.h
tests_test_ngram_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_ngram_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/ngram.sh
EXTRA_DIST += tests/e2e/ngram.sh
if HAVE_CHECK
check_PROGRAMS += tests/test_ngram_make
TESTS += tests/test_ngram_make
tests_test_ngram_make_SOURCES = tests/test_ngram_make.c tests/testutil.h
tests_test_ngram_make_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_ngram_make_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/ngram-make.sh
EXTRA_DIST += tests/e2e/ngram-make.sh utils/ngram-shards.sh

# ---- text ----
# Text preparation: normalisation (text-norm), leak guard, vocabulary selection.
if HAVE_CHECK
check_PROGRAMS += tests/test_text_norm
TESTS += tests/test_text_norm
tests_test_text_norm_SOURCES = tests/test_text_norm.c tests/testutil.h
tests_test_text_norm_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_text_norm_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/text-prep.sh
EXTRA_DIST += tests/e2e/text-prep.sh

# ---- nnlm ----
# lm/nnlm: the Transformer neural LM (model, layers, training, safetensors, scoring, commands)
# and utils/matrix.{c,h} (float buffers and OpenBLAS GEMM helpers), owned by this component.

if HAVE_CHECK
check_PROGRAMS += tests/test_nnlm
TESTS += tests/test_nnlm
tests_test_nnlm_SOURCES = tests/test_nnlm.c tests/testutil.h
tests_test_nnlm_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_nnlm_LDADD = $(CHECK_LDADD)
endif
# self-normalisation (training objective) and unnormalised scoring; uses prune/ for fine-tuning
if HAVE_CHECK
check_PROGRAMS += tests/test_nnlm_selfnorm
TESTS += tests/test_nnlm_selfnorm
tests_test_nnlm_selfnorm_SOURCES = tests/test_nnlm_selfnorm.c tests/testutil.h
tests_test_nnlm_selfnorm_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_nnlm_selfnorm_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/nnlm.sh
EXTRA_DIST += tests/e2e/nnlm.sh


# CSR kernel of masked (unstructurally pruned) layers: crossover against SGEMM, eval speed
if HAVE_CHECK
check_PROGRAMS += tests/test_nnlm_sparse
TESTS += tests/test_nnlm_sparse
tests_test_nnlm_sparse_SOURCES = tests/test_nnlm_sparse.c tests/testutil.h
tests_test_nnlm_sparse_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_nnlm_sparse_LDADD = $(CHECK_LDADD)
endif

# vectorised exp / logsumexp / GELU against libm
if HAVE_CHECK
check_PROGRAMS += tests/test_vmath
TESTS += tests/test_vmath
tests_test_vmath_SOURCES = tests/test_vmath.c tests/testutil.h
tests_test_vmath_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_vmath_LDADD = $(CHECK_LDADD)
endif

# the loader refuses corrupt and self-contradicting model files; eval/train refuse empty texts
if HAVE_CHECK
check_PROGRAMS += tests/test_nnlm_validate
TESTS += tests/test_nnlm_validate
tests_test_nnlm_validate_SOURCES = tests/test_nnlm_validate.c tests/testutil.h
tests_test_nnlm_validate_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_nnlm_validate_LDADD = $(CHECK_LDADD)
endif
# bad input of the LM commands (corrupt models, non-finite ARPA values, empty texts): exit 1
TESTS += tests/e2e/bad-input.sh
EXTRA_DIST += tests/e2e/bad-input.sh

# ---- rescore ----
# lm/rescore: NNLM second pass (n-best with prefix sharing, pruned lattice rescoring, tuning),
# `wren rescore`, `wren rescore-tune`.

if HAVE_CHECK
check_PROGRAMS += tests/test_rescore
TESTS += tests/test_rescore
tests_test_rescore_SOURCES = tests/test_rescore.c tests/testutil.h
tests_test_rescore_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_rescore_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/rescore.sh
EXTRA_DIST += tests/e2e/rescore.sh

# ---- prune ----
if HAVE_CHECK
check_PROGRAMS += tests/test_prune
TESTS += tests/test_prune
tests_test_prune_SOURCES = tests/test_prune.c tests/testutil.h
tests_test_prune_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_prune_LDADD = $(CHECK_LDADD)
endif
# knowledge distillation in fine-tuning (nnlm-train --distill, prune --distill)
if HAVE_CHECK
check_PROGRAMS += tests/test_prune_distill
TESTS += tests/test_prune_distill
tests_test_prune_distill_SOURCES = tests/test_prune_distill.c tests/testutil.h
tests_test_prune_distill_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_prune_distill_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/prune.sh
EXTRA_DIST += tests/e2e/prune.sh
# egs/steps/prune_nnlm.sh: the fine-tuning recipe recorded per output folder, another one refused
TESTS += tests/e2e/prune-nnlm-settings.sh
EXTRA_DIST += tests/e2e/prune-nnlm-settings.sh

# Fault injection (utils/fault.h): failing allocations and writes in short runs of the main
# commands, a few sampled call sites each; `make fault-sweep` tries every write and up to
# FAULT_FULL_MAX allocations per command (see tests/fault/sweep.sh).
TESTS += tests/fault/sweep.sh
EXTRA_DIST += tests/fault/sweep.sh
fault-sweep: wren$(EXEEXT)
	$(AM_TESTS_ENVIRONMENT) FAULT_SWEEP=full bash $(srcdir)/tests/fault/sweep.sh
.PHONY: fault-sweep

# print-tests: the TESTS list, for utils/run-tests.sh (which starts tests/slowest.txt's first).
print-tests:
	@echo TESTS: $(TESTS)
.PHONY: print-tests
EXTRA_DIST += tests/slowest.txt
