# lat: word lattices: building, I/O, determinisation, n-gram LM replacement, MBR.
libwren_a_SOURCES += lat/lattice-concat.c lat/lattice-det.c lat/lattice-io.c lat/lattice-lm.c lat/lattice-mbr.c \
  lat/lattice-pad.c lat/lattice-post.c lat/lattice.c
noinst_HEADERS += lat/lattice.h
