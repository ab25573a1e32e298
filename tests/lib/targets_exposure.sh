# The highest `systemd-analyze security` exposure a generated service may
# rate, offline (tests/lib/targets_lint.sh) and running (tests/cli/systemd_nspawn.sh).
max_exposure=${TARGETS_MAX_EXPOSURE:-2.0}
