# cli: the `wren` program (dispatch only) and the shared subcommand boilerplate.
libwren_a_SOURCES += cli/cmd-util.c
wren_SOURCES = cli/wren.c
wren_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/cli
wren_LDADD = $(WREN_LDADD)
EXTRA_DIST += cli/commands.def cli/cmd-util.h
TESTS += tests/e2e/output-errors.sh
EXTRA_DIST += tests/e2e/output-errors.sh
