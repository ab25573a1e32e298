# Shared by tests/cli/parity_*.sh: sets up node-llama-cpp or skips loudly.
# parity_setup NAME: 0 when ready; otherwise prints a TAP skip and returns 1.
parity_setup() {
    _why=$(sh "$SRC/tests/parity/setup.sh" 2>&1 >/dev/null); _rc=$?
    if [ $_rc -eq 3 ]; then
        skip "$1" "$_why"
        return 1
    fi
    if [ $_rc -ne 0 ]; then
        fail "$1: installing node-llama-cpp failed: $(echo "$_why" | tail -3 | tr '\n' ' ')"
        return 1
    fi
    return 0
}
