# Boots the host's own systemd in a systemd-nspawn container for the tests
# that need a real service manager (source it; POSIX sh).
#
# The root is a skeleton made fresh per run (a few files, no network, no
# cache to go stale): the host's /usr bound read-only (Debian 12 is
# merged-/usr, so /bin, /lib, /sbin are links into it), a writable /usr/local
# over it (install.sh writes /usr/local/lib/infrac/, the programs under test
# go to /usr/local/bin), a minimal /etc, and its own network namespace
# (loopback only: fixed ports cannot collide with the host's), the unified
# cgroup hierarchy where the kernel has it (NSPAWN_UNIFIED=yes). Only the
# units the boot needs start; dbus, logind and the gettys are masked (nothing
# here talks to them; systemctl and systemd-analyze use systemd's private
# socket), so it boots in about a second.
#
#   nspawn_boot DIR [--bind-ro=HOST:CONTAINER ...]   boots DIR/root, named after
#                         DIR (unique: a mktemp directory); sets NSPAWN_LEADER
#   nspawn_in [-t S] CMD  runs CMD inside (as root, bounded by NSPAWN_TIMEOUT or S)
#   nspawn_stop           powers off (SIGKILL past a bound), removes DIR and
#                         the container's cgroups; also run by a watchdog
#                         when the calling shell dies without it
# nspawn_boot returns 2 when this machine cannot run a container at all
# (NSPAWN_WHY says why: the caller skips), 1 when the container started but
# its systemd did not come up (a failure: NSPAWN_WHY and DIR/boot.log say more).

NSPAWN_TIMEOUT=${NSPAWN_TIMEOUT:-30}
NSPAWN_LIFETIME=${NSPAWN_LIFETIME:-600}
NSPAWN_WATCHDOG=""
NSPAWN_CGROUPS=""
NSPAWN_PID=""
NSPAWN_LEADER=""
NSPAWN_DIR=""
NSPAWN_NAME=""
NSPAWN_WHY=""
NSPAWN_MASKED="dbus.service dbus.socket systemd-logind.service console-getty.service getty.target \
systemd-update-utmp.service systemd-update-utmp-runlevel.service"

# nspawn_can_boot: 0 when root, systemd-nspawn and a systemd to boot exist.
nspawn_can_boot() {
    if [ "$(id -u)" -ne 0 ]; then NSPAWN_WHY="not root (systemd-nspawn needs root)"; return 1; fi
    if ! command -v systemd-nspawn >/dev/null 2>&1; then
        NSPAWN_WHY="systemd-nspawn is not installed (Debian systemd-container, scripts/deps.txt)"; return 1
    fi
    if [ ! -x /usr/lib/systemd/systemd ]; then NSPAWN_WHY="no /usr/lib/systemd/systemd to boot"; return 1; fi
    if ! command -v nsenter >/dev/null 2>&1; then NSPAWN_WHY="no nsenter (util-linux)"; return 1; fi
    return 0
}

nspawn_skeleton() { # DIR
    _r=$1
    mkdir -p "$_r/usr" "$_r/usr-local/bin" "$_r/etc/systemd/system" "$_r/var/lib" "$_r/var/cache" \
        "$_r/var/log" "$_r/var/tmp" "$_r/tmp" "$_r/root" "$_r/srv" || return 1
    for _l in bin lib lib64 sbin; do
        [ -e "/usr/$_l" ] && ln -s "usr/$_l" "$_r/$_l"
    done
    cp /usr/lib/os-release "$_r/etc/os-release" || return 1
    # Debian's alternatives (awk, which, ...) are links under /etc.
    [ -d /etc/alternatives ] && cp -a /etc/alternatives "$_r/etc/"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
        > "$_r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$_r/etc/group"
    # nss-systemd resolves DynamicUser= names (ps, ls -l); files for the rest.
    printf 'passwd: files systemd\ngroup: files systemd\nshadow: files\nhosts: files\n' \
        > "$_r/etc/nsswitch.conf"
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' > "$_r/etc/hosts"
    : > "$_r/etc/machine-id"
    for _u in $NSPAWN_MASKED; do ln -s /dev/null "$_r/etc/systemd/system/$_u"; done
    ln -s /usr/lib/systemd/system/multi-user.target "$_r/etc/systemd/system/default.target"
}

# The cgroup mounts this process sees: "MOUNTPOINT/OWN-PATH" for the cgroup2
# hierarchy and the name=systemd one (systemd-nspawn's supervisor and payload
# cgroups go under them).
nspawn_own_cgroups() {
    awk '$3 == "cgroup2" || ($3 == "cgroup" && $4 ~ /(^|,)name=systemd(,|$)/) { print $2, $3 }' /proc/self/mounts |
        while read -r _mnt _type; do
            if [ "$_type" = cgroup2 ]; then
                _own=$(sed -n 's/^0:://p' /proc/self/cgroup)
            else
                _own=$(sed -n 's/^[0-9]*:name=systemd://p' /proc/self/cgroup)
            fi
            printf '%s%s\n' "$_mnt" "${_own%/}"
        done
}

# nspawn_boot DIR [nspawn options...]
nspawn_boot() {
    NSPAWN_DIR=$1; shift
    NSPAWN_NAME=$(basename "$NSPAWN_DIR" | tr -c 'A-Za-z0-9\n-' '-')
    _root="$NSPAWN_DIR/root"
    nspawn_skeleton "$_root" || { NSPAWN_WHY="could not make the root under $NSPAWN_DIR"; return 2; }
    # Without a systemd on the host, nothing owns the cgroup tree: the
    # container gets cgroups of its own (--keep-unit: systemd-nspawn makes its
    # supervisor and payload cgroups under them, removed in nspawn_stop); with
    # one, systemd-nspawn asks it for a scope.
    NSPAWN_CGROUPS=""
    _keep=""
    if [ ! -d /run/systemd/system ]; then
        _keep=--keep-unit
        for _c in $(nspawn_own_cgroups); do
            mkdir "$_c/infrac-$NSPAWN_NAME" || { NSPAWN_WHY="cannot make a cgroup under $_c"; return 2; }
            NSPAWN_CGROUPS="$NSPAWN_CGROUPS $_c/infrac-$NSPAWN_NAME"
        done
    fi
    # Debian 12 hosts run the unified (v2) hierarchy; in it systemd enforces
    # DevicePolicy= (and IP filters) with BPF programs, so the container may
    # call bpf() and attach them (CAP_BPF, CAP_NET_ADMIN).
    NSPAWN_UNIFIED=no
    grep -q cgroup2 /proc/filesystems && NSPAWN_UNIFIED=yes
    # shellcheck disable=SC2016 # $$ and $1 belong to the inner sh
    SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=$NSPAWN_UNIFIED sh -c '
        for c in $1; do echo $$ > "$c/cgroup.procs" || exit 1; done
        shift; exec "$@"' sh "$NSPAWN_CGROUPS" \
        systemd-nspawn --quiet $_keep --register=no --private-network --console=read-only \
        --capability=CAP_BPF,CAP_NET_ADMIN --system-call-filter=bpf \
        --machine="$NSPAWN_NAME" --directory="$_root" \
        --bind-ro=/usr --bind="$_root/usr-local:/usr/local" "$@" --boot \
        < /dev/null > "$NSPAWN_DIR/boot.log" 2>&1 &
    NSPAWN_PID=$!
    # Should this shell die without its cleanup (SIGKILL), the container
    # goes too; it never outlives NSPAWN_LIFETIME seconds.
    _owner=$$
    (
        _n=0
        while kill -0 "$_owner" 2>/dev/null && [ "$_n" -lt "$NSPAWN_LIFETIME" ]; do sleep 1; _n=$((_n + 1)); done
        nspawn_stop
    ) > /dev/null 2>&1 &
    NSPAWN_WATCHDOG=$!
    # The container's PID 1 is systemd-nspawn's child once it has set up.
    _i=0
    while [ "$_i" -lt $((NSPAWN_TIMEOUT * 10)) ]; do
        if ! kill -0 "$NSPAWN_PID" 2>/dev/null; then
            NSPAWN_WHY="systemd-nspawn exited at once: $(tail -n 3 "$NSPAWN_DIR/boot.log" | tr '\n' ' ')"
            NSPAWN_PID=""
            return 2
        fi
        NSPAWN_LEADER=$(pgrep -P "$NSPAWN_PID" 2>/dev/null | head -n 1)
        [ -n "$NSPAWN_LEADER" ] && [ "$(cat "/proc/$NSPAWN_LEADER/comm" 2>/dev/null)" = systemd ] && break
        NSPAWN_LEADER=""
        sleep 0.1; _i=$((_i + 1))
    done
    [ -n "$NSPAWN_LEADER" ] || { NSPAWN_WHY="no systemd in the container after ${NSPAWN_TIMEOUT}s"; return 1; }
    # Booted: multi-user reached (running, or degraded when a unit of the
    # host's /usr failed here; the caller lists failed units).
    _i=0
    while [ "$_i" -lt $((NSPAWN_TIMEOUT * 10)) ]; do
        _state=$(nspawn_in systemctl is-system-running 2>/dev/null)
        case $_state in running | degraded) return 0 ;; esac
        sleep 0.1; _i=$((_i + 1))
    done
    NSPAWN_WHY="the container's systemd did not reach multi-user in ${NSPAWN_TIMEOUT}s (state ${_state:-none})"
    return 1
}

# nspawn_in [-t SECONDS] CMD...: CMD in every namespace of the container, a
# clean environment, bounded in time (NSPAWN_TIMEOUT unless -t).
nspawn_in() {
    _t=$NSPAWN_TIMEOUT
    if [ "$1" = -t ]; then _t=$2; shift 2; fi
    timeout "$_t" nsenter --target "$NSPAWN_LEADER" --all \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME=/root LANG=C.UTF-8 SYSTEMD_COLORS=0 "$@"
}

nspawn_stop() {
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        kill -TERM "$NSPAWN_PID" 2>/dev/null # systemd-nspawn powers the container off
        _i=0
        while kill -0 "$NSPAWN_PID" 2>/dev/null && [ "$_i" -lt 200 ]; do sleep 0.1; _i=$((_i + 1)); done
        # Past the bound: killing the container's PID 1 ends all of it.
        [ -n "$NSPAWN_LEADER" ] && kill -KILL "$NSPAWN_LEADER" 2>/dev/null
        kill -KILL "$NSPAWN_PID" 2>/dev/null
        wait "$NSPAWN_PID" 2>/dev/null
    fi
    NSPAWN_PID=""
    [ -n "$NSPAWN_WATCHDOG" ] && kill "$NSPAWN_WATCHDOG" 2>/dev/null
    NSPAWN_WATCHDOG=""
    # The container's cgroups, deepest first (empty once its processes are gone).
    for _c in $NSPAWN_CGROUPS; do
        _i=0
        while [ -d "$_c" ] && [ "$_i" -lt 50 ]; do
            find "$_c" -depth -type d -exec rmdir {} \; 2>/dev/null
            [ -d "$_c" ] && sleep 0.1
            _i=$((_i + 1))
        done
    done
    NSPAWN_CGROUPS=""
    # systemd-nspawn leaves its mount propagation directory behind without a host systemd.
    [ -n "$NSPAWN_NAME" ] && rm -rf "/run/systemd/nspawn/propagate/$NSPAWN_NAME"
    [ -n "$NSPAWN_DIR" ] && rm -rf "$NSPAWN_DIR"
    NSPAWN_DIR=""
}
