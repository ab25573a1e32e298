#!/bin/sh
# OUT/ansible/ of infrac build: the playbook passes ansible-playbook
# --syntax-check and ansible-lint, and really deploys two local hosts
# (ansible_connection=local, one staging root each via -e infrac_stage):
# the first run changes, the second reports changed=0, a rebuild without a
# service retires it, --limit touches one host only, and then changes nothing;
# an install that failed is retried; a Mac host (launchd) is deployed by a
# play of its own, staged too (its install.sh stages without launchctl).
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d /tmp/deploy-ansible-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

if ! command -v ansible-playbook >/dev/null 2>&1 || ! command -v ansible-lint >/dev/null 2>&1; then
    echo "# ansible-core or ansible-lint missing: run scripts/setup.sh" >&2
    fail "ansible-playbook and ansible-lint are installed (scripts/deps.txt)"
    echo "1..$TAP_N"; exit 0
fi
export ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_REMOTE_TEMP="$T/ansible-tmp" ANSIBLE_NOCOLOR=1 \
       ANSIBLE_HOME="$T/ansible-home" ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=auto_silent
"$INFRAC_MKMODEL" -o "$T/model.gguf" --tokenizer bpe --ctx 512 >/dev/null 2>&1 || fail "infrac-mkmodel made a model"
fleet() { # SERVICES-OF-ONE...: a fleet of two loopback hosts
    cat <<YAML
fleet: dep
hosts:
  one:
    address: 127.0.0.1
    memory: 32 GiB
    cpus: 2
  two:
    address: localhost
    memory: 32 GiB
    cpus: 2
models:
  m:
    path: $T/model.gguf
    gguf: $T/model.gguf
services:
  a:
    host: two
    model: m
    port: 9001
    context: 512
YAML
    for s in "$@"; do
        printf '  %s:\n    host: one\n    model: m\n    port: %s\n    context: 512\n' "$s" "$(( 9100 + ${#s} ))"
    done
}
fleet b cc > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build.log" 2>&1
check "infrac build writes OUT/ansible/" [ -f "$T/out/ansible/playbook.yml" -a -f "$T/out/ansible/inventory.yml" ]
[ -f "$T/out/ansible/playbook.yml" ] || sed 's/^/# /' "$T/build.log"
cd "$T/out/ansible" || exit 0
check "ansible-playbook --syntax-check" sh -c 'ansible-playbook -i inventory.yml playbook.yml --syntax-check >"$0/syntax.log" 2>&1' "$T"
check "ansible-lint is clean" sh -c 'ansible-lint -q playbook.yml inventory.yml >"$0/lint.log" 2>&1' "$T"
sed 's/^/# /' "$T/lint.log" | head -20
check "loopback hosts connect locally" sh -c "grep -c 'ansible_connection: local' inventory.yml | grep -qx 2"

play() { # LOG [ARGS...]
    _log=$1; shift
    ansible-playbook -i inventory.yml playbook.yml -e "infrac_stage=$T/roots" "$@" > "$_log" 2>&1
}
recap() { # LOG HOST -> "ok=N changed=N ... failed=N"
    grep "^$2 " "$1" | sed 's/^[^:]*: *//' | tr -s ' '
}
play "$T/run1.log"; rc=$?
check "first run succeeds" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/# /' "$T/run1.log" | tail -30
check "first run changes host one ($(recap "$T/run1.log" one))" grep -q '^one .*changed=[1-9]' "$T/run1.log"
check "first run changes host two" grep -q '^two .*changed=[1-9]' "$T/run1.log"
check "host one staged: units, scripts, configs" \
    [ -f "$T/roots/one/etc/systemd/system/infrac-b.service" -a -f "$T/roots/one/usr/local/lib/infrac/dep/bin/cc.sh" \
      -a -f "$T/roots/one/etc/infrac/dep/b.json" ]
check "host two staged under its own root" [ -f "$T/roots/two/etc/infrac/dep/a.json" -a ! -e "$T/roots/two/etc/infrac/dep/b.json" ]

play "$T/run2.log"; rc=$?
check "second run: changed=0 on both hosts (exit $rc)" sh -c \
    "[ $rc = 0 ] && grep -q '^one .*changed=0 ' '$T/run2.log' && grep -q '^two .*changed=0 ' '$T/run2.log'"

# Retire cc: rebuild without it and deploy only host one.
cd "$T" || exit 0
fleet b > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build2.log" 2>&1
cd "$T/out/ansible" || exit 0
play "$T/run3.log" --limit one; rc=$?
check "--limit one deploys host one only (exit $rc)" sh -c \
    "[ $rc = 0 ] && grep -q '^one .*changed=[1-9]' '$T/run3.log' && ! grep -q '^two ' '$T/run3.log'"
check "the retired service is reported" grep -q 'removed cc (no longer in the fleet)' "$T/run3.log"
check "and its files are gone from the host" [ ! -e "$T/roots/one/etc/infrac/dep/cc.json" -a ! -e "$T/roots/one/etc/systemd/system/infrac-cc.service" ]
play "$T/run4.log" --limit one; rc=$?
check "after the retirement host one reports changed=0 (exit $rc)" sh -c \
    "[ $rc = 0 ] && grep -q '^one .*changed=0 ' '$T/run4.log'"

# An install that fails after the copy (a file where install.sh makes a
# directory) is retried by the next run, though the copy is unchanged then.
cd "$T" || exit 0
fleet b dd > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build3.log" 2>&1
mv "$T/roots/one/etc/infrac/dep" "$T/roots/one/etc/infrac/dep.saved" && : > "$T/roots/one/etc/infrac/dep"
cd "$T/out/ansible" || exit 0
play "$T/run5.log" --limit one; rc=$?
check "an install that fails fails the host (exit $rc: $(recap "$T/run5.log" one))" grep -q '^one .*failed=1 ' "$T/run5.log"
rm -f "$T/roots/one/etc/infrac/dep" && mv "$T/roots/one/etc/infrac/dep.saved" "$T/roots/one/etc/infrac/dep"
play "$T/run6.log" --limit one; rc=$?
check "the next run installs it though nothing new is copied (exit $rc: $(recap "$T/run6.log" one))" \
    [ "$rc" = 0 -a -f "$T/roots/one/etc/infrac/dep/dd.json" ]
play "$T/run7.log" --limit one; rc=$?
check "and the run after that reports changed=0 (exit $rc)" sh -c "[ $rc = 0 ] && grep -q '^one .*changed=0 ' '$T/run7.log'"
# A llama-swap host: its config holds every engine command line, so a change
# to it notifies llama-swap's own restart handler (skipped when staged, as
# the services' restarts are), and an unchanged rerun does not.
swap_fleet() { # CONTEXT
    cat <<YAML
fleet: dep
hosts:
  one:
    address: 127.0.0.1
    memory: 32 GiB
    cpus: 2
    llama_swap: {port: 9300}
models:
  m:
    path: $T/model.gguf
    gguf: $T/model.gguf
services:
  b:
    host: one
    model: m
    port: 9101
    context: $1
YAML
}
cd "$T" || exit 0
swap_fleet 512 > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build4.log" 2>&1
cd "$T/out/ansible" || exit 0
check "the inventory says which hosts run llama-swap" grep -q 'infrac_llama_swap: true' inventory.yml
check "ansible-lint is clean with llama-swap's handler" sh -c 'ansible-lint -q playbook.yml inventory.yml >"$0/lint2.log" 2>&1' "$T"
play "$T/run8.log" --limit one; rc=$?
check "a llama-swap host deploys (exit $rc)" [ "$rc" = 0 -a -f "$T/roots/one/etc/infrac/dep/llama-swap.yaml" ]
check "its install notifies llama-swap's restart" grep -q 'RUNNING HANDLER \[Restart llama-swap\]' "$T/run8.log"
play "$T/run9.log" --limit one; rc=$?
check "an unchanged rerun restarts nothing (exit $rc)" sh -c \
    "[ $rc = 0 ] && grep -q '^one .*changed=0 ' '$T/run9.log' && ! grep -q 'RUNNING HANDLER' '$T/run9.log'"
cd "$T" || exit 0
swap_fleet 256 > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build5.log" 2>&1
cd "$T/out/ansible" || exit 0
play "$T/run10.log" --limit one; rc=$?
check "a changed command line reaches llama-swap's config (exit $rc)" grep -q -- ' -c 256 ' "$T/roots/one/etc/infrac/dep/llama-swap.yaml"
check "and notifies its restart again" grep -q 'RUNNING HANDLER \[Restart llama-swap\]' "$T/run10.log"
check "llama-swap's installed files are read again after the install" sh -c \
    "grep -q 'TASK \\[Read llama-swap.s installed files after the install\\]' '$T/run10.log'"
# A Mac (platform: macos) on loopback, beside a Linux host: its own group and
# play, which copies OUT/<host> and runs its install.sh (plists into
# Library/LaunchDaemons, every job reloaded by install.sh itself, staged here).
mac_fleet() { # SERVICES-OF-THE-MAC...
    cat <<YAML
fleet: dep
defaults:
  engine: llama.cpp
hosts:
  one:
    address: 127.0.0.1
    memory: 32 GiB
    cpus: 2
  mac:
    platform: macos
    address: localhost
    cpus: 8
    gpus: [m3-ultra-256gb]
models:
  q:
    path: /Users/Shared/models/Qwen3-8B-Q4_K_M.gguf
    catalog: qwen3-8b
    quant: Q4_K_M
services:
  b:
    host: one
    model: q
    port: 9101
    context: 512
YAML
    for s in "$@"; do
        printf '  %s:\n    host: mac\n    model: q\n    port: %s\n    gpus: [0]\n    context: 4096\n' "$s" "$(( 9200 + ${#s} ))"
    done
}
cd "$T" || exit 0
mac_fleet x yy > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build6.log" 2>&1
cd "$T/out/ansible" || exit 0
check "the Mac is in a group of its own" sh -c \
    "sed -n '/infrac_dep_macos:/,\$p' inventory.yml | grep -q '^        mac:' && ! sed -n '/infrac_dep:/,/infrac_dep_macos:/p' inventory.yml | grep -q '^        mac:'"
check "ansible-lint is clean with the Macs' play" sh -c 'ansible-lint -q playbook.yml inventory.yml >"$0/lint3.log" 2>&1' "$T"
sed 's/^/# /' "$T/lint3.log" | head -10
play "$T/run11.log" --limit mac; rc=$?
check "the Mac deploys (exit $rc: $(recap "$T/run11.log" mac))" sh -c \
    "[ $rc = 0 ] && grep -q '^mac .*changed=[1-9]' '$T/run11.log' &&
     [ -f '$T/roots/mac/Library/LaunchDaemons/local.infrac.dep.x.plist' -a -f '$T/roots/mac/Library/LaunchDaemons/local.infrac.dep.yy.plist' ] &&
     [ -f '$T/roots/mac/etc/infrac/dep/x.json' ]"
play "$T/run12.log" --limit mac; rc=$?
check "an unchanged rerun on the Mac changes nothing (exit $rc)" sh -c "[ $rc = 0 ] && grep -q '^mac .*changed=0 ' '$T/run12.log'"
cd "$T" || exit 0
mac_fleet x > "$T/fleet.yaml"
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build7.log" 2>&1
cd "$T/out/ansible" || exit 0
play "$T/run13.log" --limit mac; rc=$?
check "a service dropped from the Mac is retired: its plist gone, reported (exit $rc)" sh -c \
    "[ $rc = 0 ] && [ ! -e '$T/roots/mac/Library/LaunchDaemons/local.infrac.dep.yy.plist' ] && grep -q 'removed yy (no longer in the fleet)' '$T/run13.log'"
echo "1..$TAP_N"
