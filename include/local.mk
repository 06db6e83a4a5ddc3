# include: the public C API (wren.h and wren/*.h), installed with the static library libwren.a,
# the shared library libwren.so (the same objects, exporting only what the public headers
# declare) and the pkg-config file wren.pc. examples/ programs are built against them.
include_HEADERS = include/wren.h
pkginclude_HEADERS += include/wren/common.h include/wren/decoder.h include/wren/audio.h \
  include/wren/lm.h include/wren/nnlm.h include/wren/wer.h
WREN_API_HDRS = $(include_HEADERS) $(pkginclude_HEADERS)

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = wren.pc
CLEANFILES = libwren.map libwren.so libwren.so.$(WREN_SOVERSION)

# The soname's number changes when the public API changes incompatibly.
WREN_SOVERSION = 0
WREN_SONAME = libwren.so.$(WREN_SOVERSION)

# Only the functions the public headers declare are exported; everything else is local.
libwren.map: $(WREN_API_HDRS)
	$(AM_V_GEN){ echo 'WREN_$(WREN_SOVERSION) {'; echo '  global:'; \
	  (cd $(srcdir) && cat $(WREN_API_HDRS)) | sed 's:/\*.*\*/::; /^ *\*/d; /^\/\*/d' | \
	  grep -o '\bwren_[a-z0-9_]*[[:space:]]*(' | sed 's/[[:space:]]*($$//' | sort -u | sed 's/.*/    &;/'; \
	  echo '  local: *;'; echo '};'; } > $@.tmp && mv $@.tmp $@

$(WREN_SONAME): libwren.a libwren.map
	$(AM_V_CCLD)$(CXX) -shared -o $@ -Wl,-soname,$(WREN_SONAME) -Wl,--version-script=libwren.map \
	  -Wl,--whole-archive libwren.a -Wl,--no-whole-archive \
	  $(LDFLAGS) $(FST_LIBS) $(OPENBLAS_LIBS) $(SNDFILE_LIBS) $(SOXR_LIBS) $(ZLIB_LIBS) -lm
libwren.so: $(WREN_SONAME)
	$(AM_V_at)ln -sf $(WREN_SONAME) $@

all-local: libwren.so
install-exec-local: libwren.so
	$(MKDIR_P) '$(DESTDIR)$(libdir)'
	$(INSTALL_PROGRAM) $(WREN_SONAME) '$(DESTDIR)$(libdir)/$(WREN_SONAME)'
	cd '$(DESTDIR)$(libdir)' && ln -sf $(WREN_SONAME) libwren.so
uninstall-local:
	rm -f '$(DESTDIR)$(libdir)/$(WREN_SONAME)' '$(DESTDIR)$(libdir)/libwren.so'

EXTRA_DIST += wren.pc.in examples/decode-wav.c examples/nbest-wav.c examples/lattice-wav.c examples/stream-wav.c examples/decode-speaker.c
TESTS += tests/e2e/install.sh tests/layering.sh
EXTRA_DIST += tests/e2e/install.sh tests/layering.sh
