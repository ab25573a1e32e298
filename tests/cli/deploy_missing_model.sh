#!/bin/sh
# A host missing its model file fails that host only (issue 13, bad input):
# a fleet of two local hosts, the model of host one absent there. The build
# succeeds (the model lives on the host, not where infrac builds) and writes
# both hosts; the playbook (staged, as tests/cli/deploy_ansible.sh runs it)
# fails host one before anything is copied or installed there, with the
# launch script's own message, and deploys host two completely; once the
# file is in place the next run deploys host one too.
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d /tmp/deploy-missing-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

if ! command -v ansible-playbook >/dev/null 2>&1; then
    fail "ansible-playbook is installed (scripts/deps.txt: ansible-core)"
    echo "1..$TAP_N"; exit 0
fi
export ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_REMOTE_TEMP="$T/ansible-tmp" ANSIBLE_NOCOLOR=1 \
       ANSIBLE_HOME="$T/ansible-home" ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=auto_silent
"$INFRAC_MKMODEL" -o "$T/model.gguf" --tokenizer bpe --ctx 512 >/dev/null 2>&1 || fail "infrac-mkmodel made a model"
# Host one serves a model whose file is not on the machine (its header is:
# gguf: is the build's local copy); host two's file is there.
cat > "$T/fleet.yaml" <<YAML
fleet: mm
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
  absent:
    path: $T/models/absent.gguf
    gguf: $T/model.gguf
  present:
    path: $T/model.gguf
    gguf: $T/model.gguf
services:
  a:
    host: one
    engine: infrac
    model: absent
    port: 9201
    context: 512
  b:
    host: two
    engine: infrac
    model: present
    port: 9202
    context: 512
YAML
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" > "$T/build.log" 2>&1; rc=$?
check "the build succeeds although host one's model file is not here (exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || { sed 's/^/# /' "$T/build.log"; echo "1..$TAP_N"; exit 0; }
check "the build writes both hosts" [ -f "$T/out/one/bin/a.sh" -a -f "$T/out/two/bin/b.sh" ]

cd "$T/out/ansible" || exit 0
play() { ansible-playbook -i inventory.yml playbook.yml -e "infrac_stage=$T/roots" > "$1" 2>&1; }
recap() { grep "^$2 " "$1" | sed 's/^[^:]*: *//' | tr -s ' '; }
play "$T/run1.log"; rc=$?
check "the playbook fails (exit $rc: a host failed)" [ "$rc" = 2 ]
check "host one fails ($(recap "$T/run1.log" one))" grep -q '^one .*failed=1 ' "$T/run1.log"
check "with the launch script's message naming the file" \
    grep -q "infrac\[a\]: model file $T/models/absent.gguf is missing or not readable" "$T/run1.log"
check "nothing was copied or installed on host one" [ ! -e "$T/roots/one" ]
check "host two is deployed ($(recap "$T/run1.log" two))" grep -q '^two .*changed=[1-9].* failed=0 ' "$T/run1.log"
installed_as_built() { # the staged install of host two is OUT/two's files, byte for byte
    r=$T/roots/two
    cmp -s "$T/out/two/etc/b.json" "$r/etc/infrac/mm/b.json" &&
        cmp -s "$T/out/two/bin/b.sh" "$r/usr/local/lib/infrac/mm/bin/b.sh" &&
        cmp -s "$T/out/two/systemd/infrac-b.service" "$r/etc/systemd/system/infrac-b.service" &&
        cmp -s "$T/out/two/systemd/infrac-mm.target" "$r/etc/systemd/system/infrac-mm.target" &&
        [ "$(cat "$r/etc/infrac/mm/installed-services")" = b ] &&
        diff -r "$T/out/two" "$r/var/lib/infrac/mm/build" > /dev/null
}
check "host two's install is complete and equals its build output" installed_as_built
[ -f "$T/roots/two/etc/infrac/mm/b.json" ] || sed 's/^/# /' "$T/run1.log" | tail -n 30

mkdir -p "$T/models" && cp "$T/model.gguf" "$T/models/absent.gguf"
play "$T/run2.log"; rc=$?
check "with the file in place the next run deploys host one (exit $rc: $(recap "$T/run2.log" one))" \
    sh -c "[ $rc = 0 ] && grep -q '^one .*changed=[1-9].* failed=0 ' '$T/run2.log'"
check "and changes nothing on host two ($(recap "$T/run2.log" two))" grep -q '^two .*changed=0 ' "$T/run2.log"
check "host one is installed" [ -f "$T/roots/one/etc/infrac/mm/a.json" ]
echo "1..$TAP_N"
