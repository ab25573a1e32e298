#!/bin/sh
# infrac build end to end: golden listings of every fleet that has one,
# the offline lint (systemd-analyze verify/security, shellcheck) on every
# output, determinism, atomicity, --force, bad output directories, and
# --print-commands agreeing with the engine configs.
. "$SRC/tests/lib/tap.sh"
golden="$SRC/tests/golden/targets"
tmp=$(mktemp -d /tmp/targets-cli-XXXXXX)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
lab="$golden/fleets/lab.yaml"

# Golden listings: every fleet with a golden file builds to exactly it.
for want in "$golden"/*.txt; do
    [ -f "$want" ] || continue
    name=$(basename "$want" .txt)
    fleet="examples/$name.yaml"
    [ -f "$SRC/$fleet" ] || fleet="tests/golden/targets/fleets/$name.yaml"
    fleet=$(cd "$SRC" && sh "$golden/stage.sh" "$fleet" "$tmp/staged")
    if ! (cd "$SRC" && "$INFRAC" build "$fleet" -o "$tmp/$name" >/dev/null 2>&1); then
        fail "$name: builds"
        continue
    fi
    sh "$golden/listing.sh" "$tmp/$name" "$(cd "$SRC" && pwd -P)" > "$tmp/$name.txt"
    if cmp -s "$want" "$tmp/$name.txt"; then
        ok "$name: output equals tests/golden/targets/$name.txt"
    else
        fail "$name: output differs from its golden file (tests/golden/refresh-targets.sh)"
        diff -u "$want" "$tmp/$name.txt" | head -40 | sed 's/^/# /'
    fi
    if log=$(sh "$SRC/tests/lib/targets_lint.sh" "$tmp/$name" 2>&1); then
        ok "$name: units verify, security <= 1.0 (CPU, infrac; 1.1 off loopback) / 1.4 (GPU), scripts shellcheck-clean"
    else
        fail "$name: lint"
        echo "$log" | sed 's/^/# /'
    fi
done
# Every example that builds has a golden listing.
for fleet in "$SRC"/examples/*.yaml; do
    [ -f "$fleet" ] || continue
    name=$(basename "$fleet" .yaml)
    if "$INFRAC" build "$fleet" -o "$tmp/probe-$name" >/dev/null 2>&1; then
        check "examples/$name.yaml has a golden listing" test -f "$golden/$name.txt"
    fi
done

# Determinism: two builds, same bytes (whatever path the fleet is given by).
"$INFRAC" build "$lab" -o "$tmp/d1" >/dev/null 2>&1
(cd "$golden/fleets" && "$INFRAC" build lab.yaml -o "$tmp/d2" >/dev/null 2>&1)
check "two builds are byte-identical" diff -r "$tmp/d1" "$tmp/d2"
sha=$(sha256sum "$lab" | cut -d' ' -f1)
check "plan.json carries the fleet's sha256" grep -q "\"source_sha256\": \"$sha\"" "$tmp/d1/plan.json"

# Exclusive -> Conflicts=, autostart false -> not wanted by the target.
check "exclusive group: chat conflicts with chat-wide" \
    grep -qx 'Conflicts=infrac-chat-wide.service' "$tmp/d1/gpu1/systemd/infrac-chat.service"
check "the target wants chat" grep -qx 'Wants=infrac-chat.service' "$tmp/d1/gpu1/systemd/infrac-lab.target"
check "autostart false: the target does not want batch" \
    sh -c "! grep -q 'infrac-batch' '$tmp/d1/gpu1/systemd/infrac-lab.target'"

# A fleet with errors writes nothing and leaves the previous output.
cp -a "$tmp/d1" "$tmp/d1.before"
sed 's/port: 8081/port: 8080/' "$lab" > "$tmp/broken.yaml"
check_exit 1 "a fleet with errors fails the build" sh -c "'$INFRAC' build '$tmp/broken.yaml' -o '$tmp/d1' >/dev/null 2>&1"
check "a failed build leaves the previous output byte-identical" diff -r "$tmp/d1" "$tmp/d1.before"
check_exit 1 "a fleet with errors writes no new output" sh -c "'$INFRAC' build '$tmp/broken.yaml' -o '$tmp/new' >/dev/null 2>&1"
check "no output directory was created" test ! -e "$tmp/new"

# Not an infrac output: refused (E0901, exit 2) unless --force.
mkdir "$tmp/mine" && echo precious > "$tmp/mine/notes.txt"
"$INFRAC" build "$lab" -o "$tmp/mine" >"$tmp/err" 2>&1; rc=$?
check "a foreign directory is refused with exit 2" test "$rc" -eq 2
check "the refusal says E0901" grep -q 'E0901.*not an infrac build output' "$tmp/err"
check "the foreign directory is untouched" test -f "$tmp/mine/notes.txt"
check_exit 0 "--force replaces it" sh -c "'$INFRAC' build '$lab' -o '$tmp/mine' --force >/dev/null 2>&1"
check "after --force it is a build output" test -f "$tmp/mine/.infrac-build" -a ! -e "$tmp/mine/notes.txt"

# Unwritable output: clear error, exit 2.
echo x > "$tmp/afile"
"$INFRAC" build "$lab" -o "$tmp/afile/out" >"$tmp/err" 2>&1; rc=$?
check "an output under a file fails with exit 2" test "$rc" -eq 2
check "the error says E0902 and why" grep -q 'E0902.*cannot create' "$tmp/err"
# Mode bits do not stop root, but procfs refuses new files to everyone.
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    ro_parent=$tmp/ro
else
    ro_parent=/proc
fi
check_exit 2 "an unwritable parent fails with exit 2" sh -c "'$INFRAC' build '$lab' -o '$ro_parent/infrac-out' 2>/dev/null"
check_exit 2 "no -o and no --print-commands is a usage error" sh -c "'$INFRAC' build '$lab' 2>/dev/null"

# --print-commands prints the engine configs' command lines.
"$INFRAC" build "$lab" --print-commands 2>/dev/null > "$tmp/commands"
check "--print-commands prints one line per service" test "$(wc -l < "$tmp/commands")" -eq 4
check "--print-commands shows llama-server with --fit off" grep -q '^gpu1/chat: llama-server .*--fit off' "$tmp/commands"
check "--print-commands shows vllm serve" grep -q '^gpu1/batch: vllm serve ' "$tmp/commands"
# The config is indented one array element per line (keys sorted, 2 spaces).
tiny_cmd=$(sed -n '/^  "command": \[/,/^  \]/s/^    "\(.*\)",\{0,1\}$/\1/p' "$tmp/d1/cpu1/etc/tiny.json" | tr '\n' ' ')
tiny_cmd=${tiny_cmd% }
check "the config's command equals the printed one" grep -qx "cpu1/tiny: $tiny_cmd" "$tmp/commands"

# Build problems come in the diagnostics' format too.
"$INFRAC" build "$lab" -o "$tmp/afile/out" --format json >"$tmp/json" 2>/dev/null
check "--format json reports E0902 as JSON" grep -q '"code": "E0902"' "$tmp/json"
"$INFRAC" build "$lab" -o "$tmp/afile/out" --format github >"$tmp/gh" 2>/dev/null
check "--format github reports E0902 as an annotation" grep -q '^::error file=.*title=E0902::' "$tmp/gh"

# install.sh, staged under a directory: every file in place with its mode,
# and a service an earlier build installed that the fleet dropped is removed.
stage="$tmp/stage"
check "install.sh stages gpu1" sh -c "INFRAC_INSTALL_ROOT='$stage' sh '$tmp/d1/gpu1/install.sh' >/dev/null"
check "units installed" test -f "$stage/etc/systemd/system/infrac-chat.service" -a -f "$stage/etc/systemd/system/infrac-lab.target"
check "launch script installed executable" test -x "$stage/usr/local/lib/infrac/lab/bin/chat.sh"
check "engine config installed where infrac-engine --config looks" test -f "$stage/etc/infrac/lab/batch.json"
check "the unit's ExecStart is the installed script" \
    grep -qx "ExecStart=/usr/local/lib/infrac/lab/bin/chat.sh" "$stage/etc/systemd/system/infrac-chat.service"
printf 'gone\n' >> "$stage/etc/infrac/lab/installed-services"
: > "$stage/etc/systemd/system/infrac-gone.service"
: > "$stage/usr/local/lib/infrac/lab/bin/gone.sh"
out=$(INFRAC_INSTALL_ROOT="$stage" sh "$tmp/d1/gpu1/install.sh")
check "a reinstall removes the dropped service's unit" test ! -e "$stage/etc/systemd/system/infrac-gone.service"
check "a reinstall removes the dropped service's script" test ! -e "$stage/usr/local/lib/infrac/lab/bin/gone.sh"
check "a reinstall says what it removed" sh -c "echo '$out' | grep -q 'removed gone'"

# A model path relative to the fleet file becomes one clean absolute path,
# whatever directory infrac runs from.
(cd "$SRC/examples" && "$INFRAC" build ./demo.yaml -o "$tmp/rel" >/dev/null 2>&1)
check "relative model path resolved without ./ or ../ segments" \
    grep -q "\"model_path\": \"$(cd "$SRC" && pwd -P)/build/demo/model.gguf\"" "$tmp/rel/demo/etc/tiny.json"
