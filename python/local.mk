# python: the Python package `wren` (python/wren: ctypes over libwren.so, and wren.torch, the
# NNLM as a PyTorch module), installed as source files under $(wrenpythondir) (configure picks
# the directory Debian's python3 searches under the prefix). The package finds the library
# through WREN_LIB, the configured libdir (the generated _libdir.py), the lib folder next to
# the package, or the loader's path. Not here: a compiled extension (none is needed).
wrenpythondir = $(prefix)/$(WREN_PYTHON_SUBDIR)/wren
wrenpython_DATA = python/wren/__init__.py python/wren/_lib.py python/wren/decoder.py \
  python/wren/lm.py python/wren/wer.py python/wren/torch.py python/wren/safetensors.py
nodist_wrenpython_DATA = python/wren/_libdir.py
python/wren/_libdir.py: Makefile
	$(AM_V_GEN)$(MKDIR_P) python/wren && echo "LIBDIR = '$(libdir)'" > $@
CLEANFILES += python/wren/_libdir.py
EXTRA_DIST += $(wrenpython_DATA)

TESTS += tests/e2e/python.sh
EXTRA_DIST += tests/e2e/python.sh tests/python/checks.py tests/python/test_wren.py tests/python/test_nnlm_pass.py tests/python/test_torch.py
