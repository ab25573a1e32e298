# The highest `systemd-analyze security` exposure a generated service may
# rate, offline (tests/lib/targets_lint.sh) and running
# (tests/cli/systemd_nspawn.sh), issue 15 finding 20.
# exposure_bound OUT/HOST SERVICE: the bound of the unit of SERVICE.
exposure_bound() {
    config="$1/etc/$2.json"
    if [ ! -f "$config" ]; then
        echo 2.0 # not an engine (llama-swap)
    elif grep -q '"engine": "infrac"' "$config" ||
        { grep -q '"gpus": \[\]' "$config" && grep -q '"engine": "llama.cpp"' "$config"; }; then
        # Open to the network with no allow_clients, a unit cannot name its
        # peers in IPAddressAllow= (0.2 of the score): 1.1 there; 1.0 on
        # loopback or with allow_clients (IPAddressDeny=any).
        if grep -qE '"bind": "(127\.[0-9.]*|::1|localhost)"' "$config" ||
            grep -qx 'IPAddressDeny=any' "$1/systemd/infrac-$2.service" 2>/dev/null; then
            echo 1.0
        else
            echo 1.1
        fi
    else
        echo 1.4
    fi
}
