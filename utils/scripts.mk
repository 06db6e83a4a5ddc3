# Build fragment: the shell utilities (run-jobs, split-data, validate-data-dir), the one-node
# Slurm cluster helper, and their end-to-end tests. The scripts are used from the source tree
# (recipes call utils/...), so they are distributed, not installed.
dist_noinst_SCRIPTS += utils/run-jobs.sh utils/split-data.sh utils/validate-data-dir.sh \
  utils/slurm/local-cluster.sh
EXTRA_DIST += utils/slurm/README.md utils/slurm/slurm-jobs.conf.example
# slurm.sh needs root (it installs slurm-wlm and munge and starts a cluster): otherwise it skips.
TESTS += tests/e2e/run-jobs-local.sh tests/e2e/data-dir.sh tests/e2e/slurm.sh
EXTRA_DIST += tests/e2e/run-jobs-local.sh tests/e2e/data-dir.sh tests/e2e/slurm.sh
# the option parser of the recipes (egs/steps/parse_options.sh) and every egs script's use of it
TESTS += tests/e2e/egs-options.sh
EXTRA_DIST += tests/e2e/egs-options.sh
# the pruning study's tables and plots (egs/steps/study_table.sh, plot_study.sh)
TESTS += tests/e2e/study-table.sh
EXTRA_DIST += tests/e2e/study-table.sh
