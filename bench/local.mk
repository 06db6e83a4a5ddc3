# bench: `make bench` runs every bench/*.sh script (each prints figures and ratios against a
# reference measured in the same run). Components add their bench programs to noinst_PROGRAMS
# and their scripts to WREN_BENCHES in their own fragment.
WREN_BENCHES =
bench: all
	@set -e; for s in $(WREN_BENCHES); do \
	  echo "=== $$s"; WREN=$(abs_top_builddir)/wren WREN_BUILDDIR=$(abs_top_builddir) \
	  WREN_SHARED=$${WREN_SHARED:-$(abs_top_srcdir)/../shared} bash $(srcdir)/$$s; done
.PHONY: bench

# ---- frontend ----
WREN_BENCHES += bench/frontend-vs-sphinx.sh
EXTRA_DIST += bench/frontend-vs-sphinx.sh

# ---- am ----
noinst_PROGRAMS += bench/am-score-bench
bench_am_score_bench_SOURCES = bench/am-score-bench.c
bench_am_score_bench_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/am-score.sh
EXTRA_DIST += bench/am-score.sh

# ---- graph ----
EXTRA_DIST += tests/e2e/mkgraph.sh bench/mkgraph.sh
WREN_BENCHES += bench/mkgraph.sh

# ---- search ----
WREN_BENCHES += bench/decode.sh
EXTRA_DIST += bench/decode.sh bench/austen-graph.sh
WREN_BENCHES += bench/adapt.sh
EXTRA_DIST += bench/adapt.sh
WREN_BENCHES += bench/segment.sh
EXTRA_DIST += bench/segment.sh
noinst_PROGRAMS += bench/stream-wav   # examples/stream-wav.c, for segment.sh's streamed row
bench_stream_wav_SOURCES = examples/stream-wav.c
bench_stream_wav_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/resample.sh
EXTRA_DIST += bench/resample.sh

# ---- ngram ----
WREN_BENCHES += bench/ngram-count.sh
EXTRA_DIST += bench/ngram-count.sh
WREN_BENCHES += bench/ngram-table.sh
EXTRA_DIST += bench/ngram-table.sh
WREN_BENCHES += bench/ngram-make.sh
EXTRA_DIST += bench/ngram-make.sh

# ---- text ----
WREN_BENCHES += bench/text-prep.sh
EXTRA_DIST += bench/text-prep.sh

# ---- nnlm ----
noinst_PROGRAMS += bench/nnlm-bench
bench_nnlm_bench_SOURCES = bench/nnlm-bench.c
bench_nnlm_bench_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/nnlm.sh
EXTRA_DIST += bench/nnlm.sh
noinst_PROGRAMS += bench/nnlm-sparse-bench
bench_nnlm_sparse_bench_SOURCES = bench/nnlm-sparse-bench.c
bench_nnlm_sparse_bench_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/nnlm-sparse.sh
EXTRA_DIST += bench/nnlm-sparse.sh

# ---- rescore ----
WREN_BENCHES += bench/rescore.sh
EXTRA_DIST += bench/rescore.sh

# ---- prune ----
WREN_BENCHES += bench/prune.sh
EXTRA_DIST += bench/prune.sh
