# promtool and prometheus for the tests (source it; POSIX sh). Debian's
# `prometheus` package is not in scripts/deps.txt: installing it enables and
# starts a Prometheus daemon on :9090, which a build or test machine should
# not get. Both programs are static Go binaries, so the tests take them out
# of the package instead: `apt-get download` + `dpkg-deb -x`, kept in
# ${XDG_CACHE_HOME:-~/.cache}/infrac/prometheus/<Debian version>/ (outside
# the repository, reused until the package version changes). Installed
# ones on the PATH are used as they are.
#   prometheus_tools   sets PROMTOOL and PROMETHEUS, or PROM_WHY and returns 1
prometheus_tools() {
    PROMTOOL=$(command -v promtool 2>/dev/null) PROMETHEUS=$(command -v prometheus 2>/dev/null)
    [ -n "$PROMTOOL" ] && [ -n "$PROMETHEUS" ] && return 0
    _ver=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -z "$_ver" ] || [ "$_ver" = "(none)" ]; then
        PROM_WHY="apt knows no prometheus package (run apt-get update)"; return 1
    fi
    _dir="${XDG_CACHE_HOME:-$HOME/.cache}/infrac/prometheus/$(printf '%s' "$_ver" | tr -c 'A-Za-z0-9.+~\n-' '_')"
    PROMTOOL=$_dir/promtool PROMETHEUS=$_dir/prometheus
    [ -x "$PROMTOOL" ] && [ -x "$PROMETHEUS" ] && return 0
    _tmp=$(mktemp -d /tmp/prometheus-deb-XXXXXX)
    chmod 0755 "$_tmp" # apt's download sandbox user writes here
    if ! (cd "$_tmp" && apt-get download -q "prometheus=$_ver" >/dev/null 2>&1); then
        rm -rf "$_tmp"; PROM_WHY="apt-get download prometheus=$_ver failed (Debian mirror unreachable?)"; return 1
    fi
    # Copied in beside, then renamed: a concurrent run never sees half a binary.
    if ! dpkg-deb -x "$_tmp"/prometheus_*.deb "$_tmp/x" || ! mkdir -p "$_dir" ||
        ! cp "$_tmp/x/usr/bin/promtool" "$_dir/.promtool.$$" || ! cp "$_tmp/x/usr/bin/prometheus" "$_dir/.prometheus.$$" ||
        ! mv -f "$_dir/.promtool.$$" "$PROMTOOL" || ! mv -f "$_dir/.prometheus.$$" "$PROMETHEUS"; then
        rm -rf "$_tmp"; PROM_WHY="could not unpack promtool from the package into $_dir"; return 1
    fi
    rm -rf "$_tmp"
    "$PROMTOOL" --version >/dev/null 2>&1 || { PROM_WHY="$PROMTOOL does not run"; return 1; }
}
