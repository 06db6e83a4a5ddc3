# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
