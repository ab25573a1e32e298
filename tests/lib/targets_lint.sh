#!/bin/sh
# Lints a build output offline: targets_lint.sh OUT
# For each host: installs its units and launch scripts into a scratch root
# (the system's own units copied beside them, so dependencies resolve), runs
# `systemd-analyze verify --root=` (must print nothing and succeed) and
# `systemd-analyze security --offline=true` (issue 15 finding 20: `engine:
# infrac` and CPU-only services at most 1.0 on loopback and 1.1 open to the
# network, GPU services at most 1.4, llama-swap's proxy at most 2.0), and
# shellcheck on every script. A Mac's host (launchd/): every property list
# through plist_lint.py (plistlib, plutil -lint's rules) and shellcheck on
# its install.sh. Prints what is wrong; exits 1 when anything is.
set -u
out=$1
. "$(dirname "$0")/targets_exposure.sh"
status=0
problem() { echo "targets_lint: $*"; status=1; }

for tool in systemd-analyze shellcheck python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "targets_lint: $tool is not installed (scripts/deps.txt lists it)"
        exit 1
    fi
done

system_units=/usr/lib/systemd/system
[ -d "$system_units" ] || system_units=/lib/systemd/system

lint_scripts() {
    for script in "$@"; do
        [ -f "$script" ] || continue
        [ "$(head -n 1 "$script")" = "#!/bin/sh" ] || problem "$script: not a #!/bin/sh script"
        grep -qx 'set -eu' "$script" || problem "$script: no 'set -eu'"
        [ -x "$script" ] || problem "$script: not executable"
        log=$(shellcheck -s sh "$script" 2>&1) || problem "$script: shellcheck: $log"
    done
}

for host in "$out"/*/; do
    host=${host%/}
    if [ -d "$host/launchd" ]; then
        set -- "$host"/launchd/*.plist
        if [ ! -f "$1" ]; then
            problem "$host/launchd: no property list"
        elif ! log=$(python3 "$(dirname "$0")/plist_lint.py" "$@" 2>&1); then
            problem "$host/launchd: $log"
        fi
        [ -d "$host/systemd" ] && problem "$host: both launchd/ and systemd/"
        lint_scripts "$host/install.sh"
        continue
    fi
    [ -d "$host/systemd" ] || continue
    root=$(mktemp -d /tmp/targets-root-XXXXXX)
    mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd"
    cp -r "$system_units" "$root/usr/lib/systemd/system"
    units=
    for unit in "$host"/systemd/*.service "$host"/systemd/*.target; do
        [ -f "$unit" ] || continue
        name=$(basename "$unit")
        cp "$unit" "$root/etc/systemd/system/$name"
        units="$units $name"
        exec_path=$(sed -n 's/^ExecStart=//p' "$unit")
        if [ -n "$exec_path" ]; then
            service=${name#infrac-}
            service=${service%.service}
            mkdir -p "$root$(dirname "$exec_path")"
            cp "$host/bin/$service.sh" "$root$exec_path" || problem "$name: no launch script for $exec_path"
            chmod 755 "$root$exec_path"
        fi
    done
    # units the fleet needs (requires:, wants:, e.g. tailscaled.service)
    # live on the target host, not here: stand-ins (After= alone needs none)
    for dep in $(sed -n 's/^\(Requires\|Wants\)=//p' "$host"/systemd/*.service | tr ' ' '\n' | sort -u); do
        [ -e "$root/usr/lib/systemd/system/$dep" ] || [ -e "$root/etc/systemd/system/$dep" ] && continue
        printf '[Unit]\nDescription=stand-in for %s of the target host\n' "$dep" > "$root/etc/systemd/system/$dep"
        case $dep in *.service) printf '[Service]\nExecStart=/bin/true\n' >> "$root/etc/systemd/system/$dep" ;; esac
    done
    # shellcheck disable=SC2086
    log=$(systemd-analyze verify --root="$root" $units 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$log" ]; then
        problem "$host: systemd-analyze verify (exit $rc): $log"
    fi
    for name in $units; do
        case $name in *.service) ;; *) continue ;; esac
        service=${name#infrac-}
        bound=$(exposure_bound "$host" "${service%.service}")
        level=$(systemd-analyze security --offline=true --root="$root" --no-pager "$name" 2>&1 |
            sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
        if [ -z "$level" ]; then
            problem "$host/$name: no exposure level from systemd-analyze security"
        elif ! awk -v l="$level" -v m="$bound" 'BEGIN { exit !(l <= m) }'; then
            problem "$host/$name: exposure $level is above $bound"
        fi
    done
    rm -rf "$root"
    lint_scripts "$host"/bin/*.sh "$host/install.sh"
done
exit "$status"
