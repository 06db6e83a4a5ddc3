# bench: `make bench` runs every bench/*.sh script (each prints figures and ratios against a
# reference measured in the same run). Components add their bench programs to noinst_PROGRAMS
# and their scripts to WREN_BENCHES in their own fragment.
WREN_BENCHES =
bench: all
	@set -e; for s in $(WREN_BENCHES); do \
	  echo "=== $$s"; WREN=$(abs_top_builddir)/wren WREN_BUILDDIR=$(abs_top_builddir) \
	  WREN_SHARED=$${WREN_SHARED:-$(abs_top_srcdir)/../shared} bash $(srcdir)/$$s; done
.PHONY: bench
