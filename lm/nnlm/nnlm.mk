# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# lm/nnlm: the Transformer neural LM (model, layers, training, safetensors, scoring, commands)
# and utils/matrix.{c,h} (float buffers and OpenBLAS GEMM helpers), owned by this component.
libwren_a_SOURCES += utils/matrix.c lm/nnlm/vocab.c lm/nnlm/safetensors.c lm/nnlm/model.c \
  lm/nnlm/vmath.c lm/nnlm/layers.c lm/nnlm/sparse.c lm/nnlm/forward.c lm/nnlm/infer.c lm/nnlm/train.c lm/nnlm/eval.c \
  lm/nnlm/cmd-nnlm.c
pkginclude_HEADERS += utils/matrix.h lm/nnlm/nnlm.h
EXTRA_DIST += lm/nnlm/nnlm-internal.h lm/nnlm/sparse.h lm/nnlm/vmath.h

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

noinst_PROGRAMS += bench/nnlm-bench
bench_nnlm_bench_SOURCES = bench/nnlm-bench.c
bench_nnlm_bench_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/nnlm.sh
EXTRA_DIST += bench/nnlm.sh

# CSR kernel of masked (unstructurally pruned) layers: crossover against SGEMM, eval speed
if HAVE_CHECK
check_PROGRAMS += tests/test_nnlm_sparse
TESTS += tests/test_nnlm_sparse
tests_test_nnlm_sparse_SOURCES = tests/test_nnlm_sparse.c tests/testutil.h
tests_test_nnlm_sparse_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_nnlm_sparse_LDADD = $(CHECK_LDADD)
endif
noinst_PROGRAMS += bench/nnlm-sparse-bench
bench_nnlm_sparse_bench_SOURCES = bench/nnlm-sparse-bench.c
bench_nnlm_sparse_bench_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/nnlm-sparse.sh
EXTRA_DIST += bench/nnlm-sparse.sh

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
