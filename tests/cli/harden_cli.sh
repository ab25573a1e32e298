#!/bin/sh
# Hostile input to the compiler (issue 15): each check is a finding's
# regression test. Times are bounded with timeout(1).
. "$SRC/tests/lib/tap.sh"
PYTHON3=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d /tmp/harden-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fleet_with_args() { # ENGINE ARGS...: a one-service fleet whose extra_args are ARGS
    eng=$1; shift
    { printf 'fleet: t\nhosts:\n  h: {address: 127.0.0.1, memory: 64GiB, cpus: 8}\n'
      printf 'models:\n  m: {path: /srv/m.gguf, shape: {arch: llama, layers: 16, embd: 2048, heads: 16, kv_heads: 4, head_dim: 128, ff: 8192, vocab: 32000, ctx_train: 8192, weights: 1GiB}}\n'
      printf 'services:\n  s:\n    host: h\n    model: m\n    port: 8080\n    engine: %s\n    extra_args: [' "$eng"
      sep=''; for a in "$@"; do printf '%s"%s"' "$sep" "$a"; sep=', '; done
      printf ']\n'; } > "$tmp/f.yaml"
}

# finding 2: flags infrac writes itself are refused in extra_args, with the key
refused() { # ENGINE KEY ARGS...
    eng=$1; key=$2; shift 2
    fleet_with_args "$eng" "$@"
    "$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1; rc=$?
    if [ "$rc" -ne 0 ] && grep -q "E0212" "$tmp/out" && grep -q "\`$key\`" "$tmp/out" && grep -q "f.yaml:[0-9]*:[0-9]*" "$tmp/out"; then
        ok "extra_args $* ($eng) refused with E0212 naming $key"
    else
        fail "extra_args $* ($eng) refused with E0212 naming $key (exit $rc)"; sed 's/^/# /' "$tmp/out"
    fi
}
refused llama.cpp bind --host 0.0.0.0
refused llama.cpp bind --host=0.0.0.0
refused llama.cpp port --port 9
refused llama.cpp context -c 131072
refused llama.cpp context --ctx-size=131072
refused llama.cpp gpu_layers -ngl 0
refused llama.cpp gpu_layers --n-gpu-layers 0
refused llama.cpp parallel -np 4
refused llama.cpp parallel --parallel=4
refused llama.cpp cache -ctk q4_0
refused llama.cpp cache --cache-type-v=q4_0
refused llama.cpp api_key_file --api-key secret
refused llama.cpp api_key_file --api-key-file=/k
refused llama.cpp tensor_split -ts 1,1
refused llama.cpp cpu_moe_layers --n-cpu-moe 4
refused llama.cpp flash_attention -fa off
refused vllm bind --host 0.0.0.0
refused vllm port --port=9
refused vllm context --max-model-len 131072
refused vllm context --max_model_len=131072
refused vllm gpus --tensor-parallel-size 2
refused vllm api_key_file --api-key k
refused vllm gpu_memory_utilization --gpu-memory-utilization 0.99
refused infrac bind --host 0.0.0.0
fleet_with_args llama.cpp --mlock --verbose
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && ! grep -q E0212 "$tmp/out" && grep -q W0211 "$tmp/out"; then ok "unmodelled extra_args stay W0211"; else fail "unmodelled extra_args stay W0211"; sed 's/^/# /' "$tmp/out"; fi
fleet_with_args vllm -c 5
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1
if ! grep -q E0212 "$tmp/out"; then ok "a llama.cpp flag is not refused on vllm"; else fail "a llama.cpp flag is not refused on vllm"; fi
check "explain E0212 names the fix" sh -c '"$INFRAC" explain E0212 | grep -q "bind: 0.0.0.0"'
check "docs/diagnostics.md documents E0212" grep -q "E0212" "$SRC/docs/diagnostics.md"

# finding 4: nesting stops at the limit; 100k and 1M levels end at once
for n in 100000 1000000; do
    python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write('fleet: ' + '['*n + ']'*n + '\\n')" "$n" > "$tmp/deep.yaml"
    start=$(date +%s%N)
    timeout 10 "$INFRAC" check "$tmp/deep.yaml" > "$tmp/out" 2>&1; rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$rc" -eq 1 ] && grep -q E0105 "$tmp/out" && [ "$ms" -lt 1000 ]; then ok "$n nesting levels: E0105 in ${ms} ms"
    else fail "$n nesting levels: E0105 in under a second (exit $rc, ${ms} ms)"; fi
done

# finding 5: values per file and diagnostics per file are bounded (before:
# 3.69 GB for a 63 MiB list; ASan's redzones roughly triple what is used)
case ${BUILD_DIR:-} in *asan*) max_kb=1048576 ;; *) max_kb=409600 ;; esac
python3 -c "import sys; sys.stdout.write('fleet: [' + '1,'*8000000 + '1]\\n')" > "$tmp/ones.yaml"
/usr/bin/time -f "%M" -o "$tmp/rss" timeout 20 "$INFRAC" check "$tmp/ones.yaml" > "$tmp/out" 2>&1; rc=$?
kb=$(tail -1 "$tmp/rss")
if [ "$rc" -eq 1 ] && grep -q E0114 "$tmp/out" && [ "$kb" -lt "$max_kb" ]; then ok "16 MB list of ones: E0114, ${kb} KiB"
else fail "16 MB list of ones: E0114 under $max_kb KiB (exit $rc, ${kb} KiB)"; fi
python3 -c "import sys; sys.stdout.write('fleet: t\\nhosts:\\n' + '  h: {}\\n'*200000)" > "$tmp/dups.yaml"
/usr/bin/time -f "%M" -o "$tmp/rss" timeout 20 "$INFRAC" check "$tmp/dups.yaml" > "$tmp/out" 2>&1; rc=$?
kb=$(tail -1 "$tmp/rss")
if [ "$rc" -eq 1 ] && [ "$(grep -c 'error\[' "$tmp/out")" -eq 1000 ] && grep -q "^note: [0-9]* more errors and [0-9]* more warnings* not shown" "$tmp/out" && [ "$kb" -lt "$max_kb" ]; then
    ok "200,000 duplicate keys: 1000 shown, then one 'more' line (${kb} KiB)"
else fail "200,000 duplicate keys: 1000 shown, then one 'more' line (exit $rc, ${kb} KiB)"; grep -v "^ " "$tmp/out" | tail -3 | sed 's/^/# /'; fi
"$INFRAC" check --format json "$tmp/dups.yaml" > "$tmp/out.json" 2>/dev/null
check "json: errors count the omitted ones" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['diagnostics'])==1000 and d['omitted']>0 and d['errors']+d['warnings']==1000+d['omitted']" "$tmp/out.json"

# finding 13: temp trees of dead builds are cleaned; concurrent builds serialise
fleet="$SRC/examples/demo.yaml"
mkdir -p "$tmp/b/.out.tmp-Dead01/x" "$tmp/b/.out.old-Dead02"
echo stale > "$tmp/b/.out.tmp-Dead01/x/file"
"$INFRAC" build "$fleet" -o "$tmp/b/out" > "$tmp/out" 2>&1; rc=$?
left=$(ls -A "$tmp/b" | grep -c '\.tmp-\|\.old-')
if [ "$rc" -eq 0 ] && [ "$left" -eq 0 ]; then ok "a build removes the temp trees of dead builds"; else fail "a build removes the temp trees of dead builds (rc $rc, $left left)"; fi
pids=""
for i in 1 2 3 4 5 6; do "$INFRAC" build "$fleet" -o "$tmp/c/out" > "$tmp/race$i" 2>&1 & pids="$pids $!"; done
bad=0; for p in $pids; do wait "$p" || bad=$((bad + 1)); done
if [ "$bad" -eq 0 ] && ! grep -q E0902 "$tmp"/race*; then ok "six concurrent builds into one new OUT all succeed"
else fail "six concurrent builds into one new OUT all succeed ($bad failed)"; cat "$tmp"/race* | sed 's/^/# /' | head -5; fi
check "no temp tree is left after the race" sh -c '! ls -A "$1" | grep -q "\.tmp-\|\.old-"' sh "$tmp/c"

# finding 14: output modes do not follow the umask
(umask 022 && "$INFRAC" build "$fleet" -o "$tmp/m022" > /dev/null 2>&1)
(umask 077 && "$INFRAC" build "$fleet" -o "$tmp/m077" > /dev/null 2>&1)
(cd "$tmp/m022" && find . -printf '%m %p\n' | sort) > "$tmp/modes022"
(cd "$tmp/m077" && find . -printf '%m %p\n' | sort) > "$tmp/modes077"
if [ -s "$tmp/modes022" ] && cmp -s "$tmp/modes022" "$tmp/modes077"; then ok "umask 077 gives the modes of umask 022"
else fail "umask 077 gives the modes of umask 022"; diff "$tmp/modes022" "$tmp/modes077" | head -5 | sed 's/^/# /'; fi

# finding 15: install.sh writes its manifest 0644 whatever the umask, and
# reads back only strict service names
"$INFRAC" build "$fleet" -o "$tmp/inst" > /dev/null 2>&1
stage="$tmp/stage"
(umask 000 && INFRAC_INSTALL_ROOT="$stage" sh "$tmp/inst/demo/install.sh" > /dev/null 2>&1)
man=$(ls "$stage"/etc/infrac/*/installed-services 2>/dev/null | head -1)
mode=$(stat -c %a "$man" 2>/dev/null)
check "installed-services is 0644 under umask 000 (got $mode)" [ "$mode" = 644 ]
for n in .hidden .. -x _x; do
    printf '%s\n' "$n" >> "$man"
    : > "$stage/etc/systemd/system/infrac-$n.service"
done
out=$(INFRAC_INSTALL_ROOT="$stage" sh "$tmp/inst/demo/install.sh" 2>&1)
kept=0; for n in .hidden .. -x _x; do [ -e "$stage/etc/systemd/system/infrac-$n.service" ] && kept=$((kept + 1)); done
if [ "$kept" -eq 4 ] && ! echo "$out" | grep -q "removed"; then ok "install.sh ignores names like .hidden, .., -x in its manifest"
else fail "install.sh ignores names like .hidden, .., -x in its manifest ($kept of 4 kept)"; echo "$out" | sed 's/^/# /'; fi
check "install.sh is shellcheck-clean" sh -c 'command -v shellcheck >/dev/null || exit 0; shellcheck -s sh "$1"' sh "$tmp/inst/demo/install.sh"

# finding 17: paths are normalized before the sandbox is chosen
cat > "$tmp/paths.yaml" <<'YAML'
fleet: p
hosts:
  h: {address: 127.0.0.1, memory: 64GiB, cpus: 8}
models:
  m: {path: /tmp/../home/u/./m.gguf, shape: {arch: llama, layers: 16, embd: 2048, heads: 16, kv_heads: 4, head_dim: 128, ff: 8192, vocab: 32000, ctx_train: 8192, weights: 1GiB}}
services:
  s: {host: h, model: m, port: 8080, api_key_file: /etc//infrac/../../root/key}
YAML
"$INFRAC" build "$tmp/paths.yaml" -o "$tmp/paths" > "$tmp/out" 2>&1
unit="$tmp/paths/h/systemd/infrac-s.service"
check "/tmp/../home/u/m.gguf: ProtectHome=read-only" grep -qx "ProtectHome=read-only" "$unit"
check "/tmp/../home/u/m.gguf: PrivateTmp=yes" grep -qx "PrivateTmp=yes" "$unit"
check "the model path is written normalized" grep -q '"model_path": "/home/u/m.gguf"' "$tmp/paths/h/etc/s.json" "$tmp/paths/plan.json"
check "the key path is used normalized" sh -c 'grep -q "/root/key" "$1" && ! grep -q "\.\./" "$1"' sh "$unit"
# finding 3: a service's allow_hosts reach the infrac engine's config; what
# cannot be a Host name is refused; other engines are told it does nothing.
refused infrac allow_hosts --allow-host x.example
hosts_fleet() { # ENGINE HOSTS-LIST
    fleet_with_args "$1"
    sed -i "s/^    extra_args: \[\]$/    allow_hosts: $2/" "$tmp/f.yaml"
}
hosts_fleet infrac '[api.example, 10.0.0.5]'
"$INFRAC" build "$tmp/f.yaml" -o "$tmp/hosts" > "$tmp/out" 2>&1; rc=$?
check "allow_hosts builds (rc $rc)" [ "$rc" -eq 0 ]
check "allow_hosts are in the engine config" "$PYTHON3" -c "
import json, sys
c = json.load(open('$tmp/hosts/h/etc/s.json'))
sys.exit(c['allow_hosts'] != ['api.example', '10.0.0.5'])"
hosts_fleet infrac '["api.example:8080"]'
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1; rc=$?
check "allow_hosts with a port is E0203 (rc $rc)" sh -c "[ $rc -ne 0 ] && grep -q 'E0203.*allow_hosts' '$tmp/out'"
hosts_fleet llama.cpp '[api.example]'
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1
check "allow_hosts on llama.cpp is W0210" grep -q "W0210.*allow_hosts" "$tmp/out"
"$INFRAC" build "$tmp/f.yaml" -o "$tmp/hosts2" > /dev/null 2>&1
check "a llama.cpp config lists no allowed hosts" grep -q '"allow_hosts": \[\]' "$tmp/hosts2/h/etc/s.json"
# finding 20: allow_clients names the peers of a service open to the network:
# the unit's IP filter lets only them (and this machine) through, on every
# engine; what systemd's IPAddressAllow= cannot take is refused.
clients_fleet() { # ENGINE CLIENTS-LIST
    fleet_with_args "$1"
    sed -i "s|^    extra_args: \[\]$|    bind: 0.0.0.0\n    api_key_file: /etc/infrac/s.key\n    allow_clients: $2|" "$tmp/f.yaml"
}
clients_fleet llama.cpp '[192.168.1.0/24, fd00::/8, 10.0.0.5, link-local]'
"$INFRAC" build "$tmp/f.yaml" -o "$tmp/clients" > "$tmp/out" 2>&1; rc=$?
check "allow_clients builds (rc $rc)" [ "$rc" -eq 0 ]
check "allow_clients: IPAddressDeny=any" grep -qx "IPAddressDeny=any" "$tmp/clients/h/systemd/infrac-s.service"
check "allow_clients: IPAddressAllow= lists localhost and the peers" \
    grep -qx "IPAddressAllow=localhost 192.168.1.0/24 fd00::/8 10.0.0.5 link-local" "$tmp/clients/h/systemd/infrac-s.service"
fleet_with_args infrac
sed -i "s/^    extra_args: \[\]$/    allow_clients: [10.0.0.0\/8]/" "$tmp/f.yaml"
"$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1; rc=$?
check "allow_clients on a loopback service is W0602 (rc $rc)" sh -c "[ $rc -eq 0 ] && grep -q 'W0602' '$tmp/out'"
for bad in '[192.168.1.0/33]' '[lan]' '[any]' '["10.0.0.5/"]' '["::1/129"]' '["10.0.0.5/08"]'; do
    clients_fleet infrac "$bad"
    "$INFRAC" check "$tmp/f.yaml" > "$tmp/out" 2>&1; rc=$?
    check "allow_clients $bad is E0203 (rc $rc)" sh -c "[ $rc -ne 0 ] && grep -q 'E0203.*allow_clients' '$tmp/out'"
done
# finding 19: the build is durable with one syncfs(2) of the new tree and one
# fsync of the directory holding OUT (the rename), not one fsync per file.
sh "$SRC/tests/bench/check/gen_fleet.sh" 5 50 > "$tmp/fifty.yaml"
if command -v strace > /dev/null 2>&1; then
    # LeakSanitizer cannot stop the world under ptrace: no leak check here.
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    strace -f -c -o "$tmp/strace" -e trace=fsync,fdatasync,syncfs,sync,sync_file_range \
        "$INFRAC" build "$tmp/fifty.yaml" -o "$tmp/durable" > /dev/null 2>&1
    rc=$?
    calls() { awk -v s="$1" '$NF == s { print $(NF-1) ~ /^[0-9]+$/ ? $(NF-1) : $(NF-2) }' "$tmp/strace"; }
    nsync=$(calls syncfs); nfsync=$(calls fsync); nfd=$(calls fdatasync)
    synced_once() { [ "$rc" -eq 0 ] && [ "${nsync:-0}" -eq 1 ] && [ "${nfsync:-0}" -le 1 ] && [ "${nfd:-0}" -eq 0 ]; }
    check "a 50-service build syncs once per tree (rc $rc; syncfs ${nsync:-0}, fsync ${nfsync:-0}, fdatasync ${nfd:-0})" synced_once
else
    skip "a 50-service build syncs once per tree" "strace is not installed (scripts/deps.txt lists it)"
fi
# a build that fails while writing leaves the previous OUT as it was
"$INFRAC" build "$tmp/fifty.yaml" -o "$tmp/keep" > /dev/null 2>&1
before=$(cd "$tmp/keep" && find . -type f -exec md5sum {} + | sort | md5sum)
# a file-size limit makes a write fail midway (EFBIG, SIGXFSZ ignored), as root too; the
# failing build is of another fleet, since files the previous OUT already holds are linked, not written
sh "$SRC/tests/bench/check/gen_fleet.sh" 6 60 > "$tmp/sixty.yaml"
(ulimit -f 8; trap '' XFSZ; exec "$INFRAC" build "$tmp/sixty.yaml" -o "$tmp/keep") > "$tmp/out.fail" 2>&1; rc=$?
after=$(cd "$tmp/keep" && find . -type f -exec md5sum {} + | sort | md5sum)
left=$(find "$tmp" -maxdepth 1 -name '.keep.tmp-*' | wc -l)
kept() { [ "$rc" -ne 0 ] && [ "$before" = "$after" ] && [ "$left" -eq 0 ] && grep -q "cannot write" "$tmp/out.fail"; }
check "a build failing midway leaves the previous OUT untouched (rc $rc, $left temp trees)" kept
echo "1..$TAP_N"
