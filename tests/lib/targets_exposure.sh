# The highest `systemd-analyze security` exposure a generated service may
# rate, offline (tests/lib/targets_lint.sh) and running (tests/cli/systemd_nspawn.sh).
max_exposure=${TARGETS_MAX_EXPOSURE:-2.0}
# exposure_bound HOST SERVICE: what the unit of SERVICE in OUT/HOST may rate
# offline (issue 15 finding 20; max_exposure above stays the bound of the
# running rating, which nspawn measures).
exposure_bound() {
    config="$1/etc/$2.json"
    if [ ! -f "$config" ]; then
        echo 2.0 # not an engine (llama-swap)
    elif grep -q '"engine": "infrac"' "$config" || grep -q '"gpus": \[\]' "$config"; then
        echo 1.0
    else
        echo 1.4
    fi
}
