#!/bin/sh
# The generated units under a real systemd (issue 13, item 2): Debian 12's
# systemd booted with systemd-nspawn (tests/lib/nspawn.sh), a built fleet of
# `engine: infrac` services on loopback installed with OUT/<host>/install.sh,
# its target started, each engine queried over HTTP (the keyed one through
# its LoadCredential= copy, as a DynamicUser= user), one SIGKILLed and
# restarted by systemd, an exclusive peer started (Conflicts= stops the
# first), a rebuild without a service re-installed (retired: stopped, files
# gone), `systemd-analyze security` on the running units, and `infrac
# status` read inside against all of it. Every wait is bounded; the
# container is powered off and its root removed on any exit.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/nspawn.sh"
. "$SRC/tests/lib/targets_exposure.sh"

T=$(mktemp -d /tmp/systemd-nspawn-XXXXXX)
cleanup() { nspawn_stop; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! nspawn_can_boot; then
    echo "# SKIPPED: this machine cannot boot a container: $NSPAWN_WHY" >&2
    skip "the generated units under a real systemd" "$NSPAWN_WHY"
    exit 0
fi

# Paths inside the container: the build output and fleet under /srv/proof
# (bound from $T/share, so a rebuild on the host is seen inside), the model
# under /srv/models (world-readable, as the dynamic user needs).
share=$T/share
mkdir -p "$share" "$T/models"
"$INFRAC_MKMODEL" -o "$T/models/tiny.gguf" --tokenizer bpe --ctx 512 >/dev/null 2>&1 ||
    fail "infrac-mkmodel made a model"
chmod 0644 "$T/models/tiny.gguf"

fleet() { # SERVICE...: the fleet with those services (ports fixed: own network namespace)
    cat <<YAML
fleet: proof
hosts:
  box:
    address: 127.0.0.1
    memory: 8 GiB
    cpus: 2
models:
  tiny:
    path: /srv/models/tiny.gguf
    gguf: $T/models/tiny.gguf
services:
YAML
    for s in "$@"; do
        context=512
        case $s in
            # open to the network, its peers named (issue 15 finding 20):
            # 192.0.2.0/24 (TEST-NET-1) passes the unit's IP filter, other
            # peers are dropped
            chat) port=8101 extra="    api_key_file: /etc/infrac/keys/chat.key
    bind: 0.0.0.0
    allow_clients: [192.0.2.0/24]
    allow_hosts: [192.0.2.7, 198.51.100.7]" ;;
            ex-a) port=8102 context=$pair_context extra="    exclusive: pair" ;;
            ex-b) port=8103 context=$pair_context extra="    exclusive: pair" ;;
            gone) port=8104 extra="" ;;
        esac
        printf '  %s:\n    host: box\n    engine: infrac\n    model: tiny\n    port: %s\n    context: %s\n' "$s" "$port" "$context"
        [ -n "$extra" ] && printf '%s\n' "$extra"
    done
    return 0
}
pair_context=512
fleet chat ex-a ex-b gone > "$share/fleet.yaml"
"$INFRAC" build "$share/fleet.yaml" -o "$share/out" > "$T/build.log" 2>&1
check "infrac build writes the fleet" [ -f "$share/out/box/install.sh" ]
[ -f "$share/out/box/install.sh" ] || { sed 's/^/# /' "$T/build.log"; echo "1..$TAP_N"; exit 0; }

NSPAWN_TIMEOUT=30
nspawn_boot "$T" --bind-ro="$share:/srv/proof" --bind-ro="$T/models:/srv/models"
rc=$?
if [ "$rc" = 2 ]; then
    echo "# SKIPPED: this machine cannot boot a container: $NSPAWN_WHY" >&2
    skip "the generated units under a real systemd" "$NSPAWN_WHY"
    exit 0
fi
check "Debian's systemd boots in the container (${NSPAWN_WHY:-multi-user reached})" [ "$rc" = 0 ]
if [ "$rc" != 0 ]; then
    sed 's/^/# /' "$T/boot.log" | tail -n 20
    echo "1..$TAP_N"; exit 0
fi
root=$T/root
cp "$INFRAC" "$INFRAC_ENGINE" "$root/usr-local/bin/"
# An ASan build's LeakSanitizer stops the process with ptrace at exit, which
# the units' SystemCallFilter= refuses (a failed exit): off for every
# infrac-*.service (a prefix drop-in) in that build only.
case $BUILD_DIR in *asan*)
    mkdir -p "$root/etc/systemd/system/infrac-.service.d"
    printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' > "$root/etc/systemd/system/infrac-.service.d/asan.conf"
esac
mkdir -p "$root/etc/infrac/keys"
printf 'proof-key\n' > "$root/etc/infrac/keys/chat.key"
chmod 0600 "$root/etc/infrac/keys/chat.key"

journal() { # UNIT...: its journal, as TAP comments (after a failure)
    for _u in "$@"; do nspawn_in journalctl --no-pager -n 15 -u "$_u" 2>&1 | sed 's/^/# /'; done
}
prop() { nspawn_in systemctl show -P "$2" "$1" 2>/dev/null; } # UNIT PROPERTY
# http PORT PATH [curl args]: the HTTP status inside the container.
http() {
    _p=$1 _path=$2; shift 2
    nspawn_in curl -s -m 2 -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$_p$_path" 2>/dev/null
}
# wait_for SECONDS CMD...: 0 once CMD succeeds.
wait_for() {
    _n=$(($1 * 5)); shift
    while [ "$_n" -gt 0 ]; do "$@" && return 0; sleep 0.2; _n=$((_n - 1)); done
    return 1
}
healthy() { [ "$(http "$1" /health)" = 200 ]; }
refused() { [ "$(http "$1" /health)" = 000 ]; }
active() { [ "$(prop "infrac-$1.service" ActiveState)" = active ]; }
inactive() { [ "$(prop "infrac-$1.service" ActiveState)" = inactive ]; }
# status_of SERVICE: its state in `infrac status --format json` inside.
status_json() { nspawn_in infrac status /srv/proof/out --timeout 1 --format json > "$T/status.json" 2>"$T/status.err"; }
status_of() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
print(" ".join(s["state"] for s in j["services"] if s["service"] == sys.argv[2]) or "absent")' \
        "$T/status.json" "$1" 2>/dev/null
}

# Install and start.
nspawn_in sh /srv/proof/out/box/install.sh > "$T/install.log" 2>&1
check "install.sh succeeds under systemd" [ $? = 0 ]
sed 's/^/# /' "$T/install.log"
check "install.sh enabled the target" [ "$(nspawn_in systemctl is-enabled infrac-proof.target)" = enabled ]
nspawn_in systemctl start infrac-proof.target > "$T/start.log" 2>&1
check "systemctl start infrac-proof.target" [ $? = 0 ]
for s in chat:8101 ex-a:8102 gone:8104; do
    name=${s%%:*} port=${s#*:}
    wait_for 20 healthy "$port"
    check "$name is started by the target and answers /health on $port" healthy "$port"
    healthy "$port" || journal "infrac-$name.service"
done
check "ex-b is not started (exclusive peer of ex-a)" inactive ex-b
check "chat refuses /v1/models without its key" [ "$(http 8101 /v1/models)" = 401 ]
check "chat serves /v1/models with the key systemd handed it (LoadCredential=)" \
    [ "$(http 8101 /v1/models -H 'Authorization: Bearer proof-key')" = 200 ]
# IPAddressAllow=: the container's loopback gets one address inside
# allow_clients and one outside; a connection from each to chat's port
# (the source is the address dialled) passes or is dropped by the kernel.
nspawn_in ip addr add 192.0.2.7/32 dev lo 2>/dev/null
nspawn_in ip addr add 198.51.100.7/32 dev lo 2>/dev/null
peer_status() { nspawn_in curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$1:8101/health" 2>/dev/null; }
check "allow_clients: a peer in 192.0.2.0/24 reaches chat ($(peer_status 192.0.2.7))" [ "$(peer_status 192.0.2.7)" = 200 ]
check "allow_clients: a peer outside it is dropped ($(peer_status 198.51.100.7))" [ "$(peer_status 198.51.100.7)" = 000 ]
check "allow_clients: the unit's filter is IPAddressDeny=any with the named network" \
    grep -qx 'IPAddressAllow=localhost 192.0.2.0/24' "$share/out/box/systemd/infrac-chat.service"
pid=$(prop infrac-chat.service MainPID)
uid=$(nspawn_in awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
check "chat runs as a dynamic user (uid $uid in 61184..65519)" [ "${uid:-0}" -ge 61184 -a "${uid:-0}" -le 65519 ]
check "chat's engine is the unit's main process (the script exec'd it)" \
    [ "$(nspawn_in cat "/proc/$pid/comm")" = infrac-engine ]
check "chat's cache directory exists for the dynamic user" nspawn_in test -d /var/cache/private/infrac-chat
# DevicePolicy=closed: a process in chat's cgroup may open /dev/null, not
# /dev/net/tun (which any process outside the unit opens). systemd enforces
# it with a BPF program on the unified hierarchy only.
opens() { # CGROUP DEVICE: 0 when a process in CGROUP can open DEVICE
    nspawn_in sh -c 'if [ -n "$1" ]; then echo $$ > "/sys/fs/cgroup/$1/cgroup.procs" || exit 2; fi
        (exec 3<>"$2") 2>/dev/null' sh "$1" "$2"
}
if [ "$NSPAWN_UNIFIED" = yes ]; then
    unit_cg=system.slice/infrac-chat.service
    refused_in_unit() { ! opens "$unit_cg" /dev/net/tun; }
    check "DevicePolicy=closed: chat's cgroup cannot open /dev/net/tun" refused_in_unit
    check "DevicePolicy=closed: chat's cgroup opens /dev/null" opens "$unit_cg" /dev/null
    check "DevicePolicy=closed: chat's cgroup opens /dev/urandom" opens "$unit_cg" /dev/urandom
    check "outside the unit /dev/net/tun opens (the refusal is the unit's)" opens "" /dev/net/tun
else
    echo "# SKIPPED: no cgroup2 in this kernel: DevicePolicy= is not enforced in the container" >&2
    skip "DevicePolicy=closed is enforced" "no unified cgroup hierarchy (cgroup2) here"
fi
status_json
check "infrac status: chat, ex-a, gone up; ex-b down as planned (exit 0)" \
    [ "$(status_of chat)/$(status_of ex-a)/$(status_of gone)/$(status_of ex-b)" = up/up/up/down -a \
      "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit"])' "$T/status.json" 2>/dev/null)" = 0 ]

# The running units as systemd rates them (not --offline).
for name in chat ex-a gone; do
    level=$(nspawn_in systemd-analyze security --no-pager "infrac-$name.service" 2>&1 |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    bound=$(exposure_bound "$share/out/box" "$name")
    check "systemd-analyze security rates running infrac-$name.service ${level:-?} <= $bound" \
        awk -v l="${level:-99}" -v m="$bound" 'BEGIN { exit !(l <= m) }'
done

# SIGKILL: systemd restarts it (Restart=on-failure, RestartSec=).
old=$(prop infrac-ex-a.service MainPID)
[ "${old:-0}" != 0 ] && nspawn_in kill -KILL "$old"
restarted() { _p=$(prop infrac-ex-a.service MainPID); [ "${_p:-0}" != 0 ] && [ "$_p" != "$old" ] && healthy 8102; }
wait_for 30 restarted
check "ex-a killed with SIGKILL is restarted by systemd (pid $old -> $(prop infrac-ex-a.service MainPID))" restarted
restarted || journal infrac-ex-a.service
check "systemd counts the restart (NRestarts=$(prop infrac-ex-a.service NRestarts))" \
    [ "$(prop infrac-ex-a.service NRestarts)" -ge 1 ]

# Conflicts=: starting the exclusive peer stops the running one.
nspawn_in systemctl start infrac-ex-b.service
wait_for 20 healthy 8103
check "ex-b starts by hand and answers on 8103" healthy 8103
healthy 8103 || journal infrac-ex-b.service
check "starting ex-b stopped ex-a (Conflicts=)" inactive ex-a
check "nothing listens on ex-a's port any more" refused 8102
status_json
check "infrac status: ex-b up, ex-a down as planned (its peer runs)" \
    [ "$(status_of ex-b)/$(status_of ex-a)" = up/down ]

# A stopped service is down, and status says so with exit 1.
nspawn_in systemctl stop infrac-chat.service
status_json; rc=$?
check "infrac status: a stopped service is down (exit $rc)" [ "$(status_of chat)" = down -a "$rc" = 1 ]
nspawn_in systemctl start infrac-chat.service
wait_for 20 healthy 8101

# Retire: rebuild without gone; before the install status sees it
# unexpected, after it the unit is stopped and its files are gone.
fleet chat ex-a ex-b > "$share/fleet.yaml"
"$INFRAC" build "$share/fleet.yaml" -o "$share/out" > "$T/build.log" 2>&1
check "rebuild without gone" [ $? = 0 ]
status_json
check "infrac status: gone is unexpected before the re-install ($(status_of gone))" [ "$(status_of gone)" = unexpected ]
# Its stop fails (as an engine past TimeoutStopSec= or exiting non-zero on
# SIGTERM would: a test drop-in): a retired unit must not stay behind failed.
mkdir -p "$root/etc/systemd/system/infrac-gone.service.d"
printf '[Service]\nExecStopPost=/bin/false\n' > "$root/etc/systemd/system/infrac-gone.service.d/stop-fails.conf"
nspawn_in systemctl daemon-reload
nspawn_in sh /srv/proof/out/box/install.sh > "$T/install.log" 2>&1
check "install.sh of the rebuild succeeds" [ $? = 0 ]
check "install.sh says gone is retired" grep -q 'removed gone (no longer in the fleet)' "$T/install.log"
check "gone is stopped, not left failed ($(prop infrac-gone.service ActiveState))" inactive gone
check "gone's port is closed" refused 8104
check "gone's unit, script and config are removed" sh -c "! ls '$root/etc/systemd/system/infrac-gone.service' \
    '$root/usr-local/lib/infrac/proof/bin/gone.sh' '$root/etc/infrac/proof/gone.json' 2>/dev/null"
check "systemd no longer knows gone ($(prop infrac-gone.service LoadState))" [ "$(prop infrac-gone.service LoadState)" = not-found ]
status_json; rc=$?
check "infrac status: gone is no longer listed, everything as planned (exit $rc)" \
    [ "$(status_of gone)" = absent -a "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/# /' "$T/status.json"

# Ansible's handler under systemd (OUT/ansible, run inside as root: no sudo
# there, so no become). A first run installs what install.sh already did:
# nothing restarts. After a rebuild that changes the exclusive pair only, it
# restarts what the target starts of them (ex-a, which stops ex-b, started
# by hand above, through Conflicts=) and not ex-b, nor chat.
# Release build only: the playbook is Python and restarts the same units in
# either build; in the ASan build it would only add a minute.
case $BUILD_DIR in *asan*) playbook=no ;; *) playbook=yes ;; esac
play() { # LOG
    nspawn_in -t 180 env ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=auto_silent \
        ansible-playbook -i /srv/proof/out/ansible/inventory.yml /srv/proof/out/ansible/playbook.yml \
        -e ansible_become=false > "$1" 2>&1
}
recap() { grep '^box ' "$1" | sed 's/^[^:]*: *//' | tr -s ' '; }
if [ "$playbook" = yes ]; then
    pid_chat=$(prop infrac-chat.service MainPID) pid_exb=$(prop infrac-ex-b.service MainPID)
    play "$T/play1.log"; rc=$?
    check "ansible-playbook deploys the host (exit $rc: $(recap "$T/play1.log"))" [ "$rc" = 0 ]
    [ "$rc" = 0 ] || sed 's/^/# /' "$T/play1.log" | tail -n 30
    check "files as installed already: nothing restarts (chat $pid_chat, ex-b $pid_exb)" \
        [ "$(prop infrac-chat.service MainPID)" = "$pid_chat" -a "$(prop infrac-ex-b.service MainPID)" = "$pid_exb" ]
    pair_context=256
    fleet chat ex-a ex-b > "$share/fleet.yaml"
    "$INFRAC" build "$share/fleet.yaml" -o "$share/out" > "$T/build.log" 2>&1
    play "$T/play2.log"; rc=$?
    wait_for 20 healthy 8102
    check "after the pair changed the playbook succeeds (exit $rc: $(recap "$T/play2.log"))" [ "$rc" = 0 ]
    check "the handler restarted ex-a, the target's member of the exclusive group" active ex-a
    check "and left ex-b stopped (Conflicts=), not restarted over ex-a" inactive ex-b
    check "and did not restart chat, which did not change (pid $pid_chat)" \
        [ "${pid_chat:-0}" != 0 -a "$(prop infrac-chat.service MainPID)" = "$pid_chat" ]
fi

failed=$(nspawn_in systemctl list-units --failed --plain --no-legend 'infrac-*' 2>/dev/null)
check "no infrac unit failed${failed:+: $failed}" [ -z "$failed" ]
echo "1..$TAP_N"
