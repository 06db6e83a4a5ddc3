# Build fragment: the shell utilities (run-jobs, split-data, validate-data-dir) and their tests.
