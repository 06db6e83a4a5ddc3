# cli: the `wren` program: dispatch (wren.c), the table of subcommands (commands.def) and one
# cmd-<name>.c per subcommand (option parsing, printing, exit codes), like git's builtin/. They
# go into libwren-cli.a, which the program and the tests link; libwren itself has no commands.
noinst_LIBRARIES += libwren-cli.a
libwren_cli_a_SOURCES = cli/cmd-am-info.c cli/cmd-compute-feats.c cli/cmd-decode.c cli/decode-jobs.c cli/decode-nnlm.c cli/decode-workers.c \
  cli/cmd-lattice.c cli/cmd-leak-guard.c cli/cmd-mkgraph.c cli/cmd-ngram-count.c \
  cli/cmd-ngram-make.c cli/cmd-ngram.c cli/cmd-nnlm.c cli/cmd-prune.c cli/cmd-rescore-tune.c \
  cli/cmd-rescore.c cli/cmd-segment.c cli/cmd-text-norm.c cli/cmd-util.c cli/cmd-vocab-select.c cli/cmd-wer.c
noinst_HEADERS += cli/cmd-util.h cli/decode-cmd.h cli/decode-jobs.h
wren_SOURCES = cli/wren.c
wren_LDADD = $(WREN_CLI_LDADD)
EXTRA_DIST += cli/commands.def
TESTS += tests/e2e/output-errors.sh
EXTRA_DIST += tests/e2e/output-errors.sh
