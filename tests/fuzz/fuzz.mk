# tests/fuzz: one libFuzzer harness per input parser (tests/fuzz/fuzz_<parser>.c, README in
# tests/fuzz/README.md). With --enable-fuzzing (clang) they link libFuzzer and `make fuzz` runs
# each for FUZZ_SECONDS; every build also links them with a replay main() so that `make check`
# runs each harness over its seed corpus and the crash regressions (tests/fuzz/replay.sh).
FUZZ_HARNESSES = audio mdef am lexicon arpa lattice nnlm table text_norm
FUZZ_SECONDS ?= 60
FUZZ_SRC_COMMON = tests/fuzz/fuzz-util.h
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/run-fuzz.sh tests/fuzz/corpus tests/fuzz/regress tests/fuzz/dict

check_PROGRAMS += tests/fuzz/replay_audio tests/fuzz/replay_mdef tests/fuzz/replay_am tests/fuzz/replay_lexicon tests/fuzz/replay_arpa tests/fuzz/replay_lattice tests/fuzz/replay_nnlm tests/fuzz/replay_table tests/fuzz/replay_text_norm
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh

tests_fuzz_replay_audio_SOURCES = tests/fuzz/fuzz_audio.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_audio_LDADD = $(WREN_LDADD)
tests_fuzz_replay_mdef_SOURCES = tests/fuzz/fuzz_mdef.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_mdef_LDADD = $(WREN_LDADD)
tests_fuzz_replay_am_SOURCES = tests/fuzz/fuzz_am.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_am_LDADD = $(WREN_LDADD)
tests_fuzz_replay_lexicon_SOURCES = tests/fuzz/fuzz_lexicon.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_lexicon_LDADD = $(WREN_LDADD)
tests_fuzz_replay_arpa_SOURCES = tests/fuzz/fuzz_arpa.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_arpa_LDADD = $(WREN_LDADD)
tests_fuzz_replay_lattice_SOURCES = tests/fuzz/fuzz_lattice.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_lattice_LDADD = $(WREN_LDADD)
tests_fuzz_replay_nnlm_SOURCES = tests/fuzz/fuzz_nnlm.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_nnlm_LDADD = $(WREN_LDADD)
tests_fuzz_replay_table_SOURCES = tests/fuzz/fuzz_table.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_table_LDADD = $(WREN_LDADD)
tests_fuzz_replay_text_norm_SOURCES = tests/fuzz/fuzz_text_norm.c tests/fuzz/replay.c $(FUZZ_SRC_COMMON)
tests_fuzz_replay_text_norm_LDADD = $(WREN_LDADD)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_audio tests/fuzz/fuzz_mdef tests/fuzz/fuzz_am tests/fuzz/fuzz_lexicon tests/fuzz/fuzz_arpa tests/fuzz/fuzz_lattice tests/fuzz/fuzz_nnlm tests/fuzz/fuzz_table tests/fuzz/fuzz_text_norm
tests_fuzz_fuzz_audio_SOURCES = tests/fuzz/fuzz_audio.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_audio_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_audio_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_mdef_SOURCES = tests/fuzz/fuzz_mdef.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_mdef_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_mdef_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_am_SOURCES = tests/fuzz/fuzz_am.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_am_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_am_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_lexicon_SOURCES = tests/fuzz/fuzz_lexicon.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_lexicon_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_lexicon_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_arpa_SOURCES = tests/fuzz/fuzz_arpa.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_arpa_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_arpa_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_lattice_SOURCES = tests/fuzz/fuzz_lattice.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_lattice_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_lattice_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_nnlm_SOURCES = tests/fuzz/fuzz_nnlm.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_nnlm_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_nnlm_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_table_SOURCES = tests/fuzz/fuzz_table.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_table_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_table_LDADD = $(WREN_LDADD)
tests_fuzz_fuzz_text_norm_SOURCES = tests/fuzz/fuzz_text_norm.c $(FUZZ_SRC_COMMON)
tests_fuzz_fuzz_text_norm_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_text_norm_LDADD = $(WREN_LDADD)

# make fuzz [FUZZ_SECONDS=60] [FUZZ_HARNESSES="arpa lattice"]: run each harness, one per CPU at
# a time (FUZZ_JOBS).
fuzz: tests/fuzz/fuzz_audio tests/fuzz/fuzz_mdef tests/fuzz/fuzz_am tests/fuzz/fuzz_lexicon tests/fuzz/fuzz_arpa tests/fuzz/fuzz_lattice tests/fuzz/fuzz_nnlm tests/fuzz/fuzz_table tests/fuzz/fuzz_text_norm
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash $(top_srcdir)/tests/fuzz/run-fuzz.sh $(abs_top_builddir) $(FUZZ_HARNESSES)
else
fuzz:
	@echo "make fuzz needs a build configured with --enable-fuzzing (clang + libFuzzer)" >&2; exit 1
endif
.PHONY: fuzz
