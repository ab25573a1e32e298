#!/bin/sh
# infrac build for a Mac (`platform: macos`): one launchd property list per
# service in place of the units, linted like `plutil -lint` would
# (tests/lib/plist_lint.py), whose ProgramArguments are the engine config's
# command (one argv builder), the keys each fleet setting maps to, the
# gpu_wired_limit boot job, install.sh staged, and what launchd cannot
# hold refused at build time.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/launchd-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fleet="$SRC/examples/mac-studio.yaml"
out="$tmp/out"
host="$out/studio"
big="$host/launchd/local.infrac.studio.big.plist"
fast="$host/launchd/local.infrac.studio.fast.plist"

check_exit 0 "mac-studio builds" sh -c "'$INFRAC' build '$fleet' -o '$out' >/dev/null 2>&1"
check "one property list per service and the wired-limit job" \
    test -f "$big" -a -f "$fast" -a -f "$host/launchd/local.infrac-sysctl.studio.plist"
check "no systemd unit and no launch script on a Mac" test ! -e "$host/systemd" -a ! -e "$host/bin"
check "every property list lints (plistlib, plutil -lint's rules)" python3 "$SRC/tests/lib/plist_lint.py" "$host"/launchd/*.plist
check "the Mac's install.sh is shellcheck-clean and calls no systemctl" \
    sh -c "shellcheck -s sh '$host/install.sh' && ! grep -q systemctl '$host/install.sh'"

# key FILE PYTHON-EXPRESSION: the expression over the parsed job `j` is true
key() {
    python3 - "$1" "$2" <<'PY'
import plistlib, sys
j = plistlib.load(open(sys.argv[1], "rb"), fmt=plistlib.FMT_XML)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}
for s in big fast; do
    check "$s: ProgramArguments is the engine config's command" python3 - "$host/launchd/local.infrac.studio.$s.plist" "$host/etc/$s.json" <<'PY'
import json, plistlib, sys
j = plistlib.load(open(sys.argv[1], "rb"), fmt=plistlib.FMT_XML)
sys.exit(0 if j["ProgramArguments"] == json.load(open(sys.argv[2]))["command"] else 1)
PY
done
check "ProgramArguments runs the build's binary" key "$big" 'j["ProgramArguments"][0] == "/opt/homebrew/bin/llama-server"'
check "the API key is read from its file (launchd hands no credentials over)" \
    key "$big" '"/etc/infrac/studio/big.key" in j["ProgramArguments"]'
check "env: in EnvironmentVariables, HOME the working directory" \
    key "$big" 'j["EnvironmentVariables"] == {"HOME": j["WorkingDirectory"], "XDG_CACHE_HOME": j["WorkingDirectory"], "GGML_METAL_NDEBUG": "1"}'
check "user: is UserName" key "$big" 'j["UserName"] == "llm"'
check "mlock: MemoryLock unlimited, soft and hard" \
    key "$big" 'j["SoftResourceLimits"] == j["HardResourceLimits"] == {"MemoryLock": 2**63 - 1}'
check "no mlock: no resource limits" key "$fast" '"SoftResourceLimits" not in j and "HardResourceLimits" not in j'
check "restart on-failure: KeepAlive SuccessfulExit false, RunAtLoad" \
    key "$big" 'j["KeepAlive"] == {"SuccessfulExit": False} and j["RunAtLoad"] is True'
check "restart always: KeepAlive true" key "$fast" 'j["KeepAlive"] is True'
check "restart_sec: ThrottleInterval" key "$fast" 'j["ThrottleInterval"] == 5'
check "logs under /Library/Logs/infrac/<fleet>" \
    key "$big" 'j["StandardOutPath"] == j["StandardErrorPath"] == "/Library/Logs/infrac/studio/big.log"'
check "the wired-limit job sets the fleet's gpu_wired_limit (224 GiB) at load" \
    key "$host/launchd/local.infrac-sysctl.studio.plist" \
    'j["ProgramArguments"] == ["/usr/sbin/sysctl", "iogpu.wired_limit_mb=229376"] and j["RunAtLoad"] is True'
check "the README says where the jobs go and how to load them" \
    sh -c "grep -q '/Library/LaunchDaemons/local.infrac.studio.big.plist' '$host/README.md' && grep -q 'launchctl bootstrap system' '$host/README.md'"
check "plan.json says the host is a Mac" grep -q '"platform": "macos"' "$out/plan.json"
check "the Ansible inventory puts the Mac in the Macs' group only" sh -c \
    "sed -n '/infrac_studio_macos:/,\$p' '$out/ansible/inventory.yml' | grep -q '^        studio:' &&
     ! sed -n '/infrac_studio:/,/infrac_studio_macos:/p' '$out/ansible/inventory.yml' | grep -q '^        studio:'"

# install.sh staged under a directory: the jobs where launchd reads them.
stage="$tmp/stage"
check "install.sh stages the Mac" sh -c "INFRAC_INSTALL_ROOT='$stage' sh '$host/install.sh' >/dev/null"
check "property lists in /Library/LaunchDaemons" \
    test -f "$stage/Library/LaunchDaemons/local.infrac.studio.big.plist" -a -f "$stage/Library/LaunchDaemons/local.infrac-sysctl.studio.plist"
check "engine configs, log files and working directories in place" \
    test -f "$stage/etc/infrac/studio/big.json" -a -f "$stage/Library/Logs/infrac/studio/big.log" -a -d "$stage/Library/Caches/infrac/studio/fast"

check "install.sh records the services" sh -c "[ \"\$(cat '$stage/etc/infrac/studio/installed-services')\" = \"\$(printf 'big\\nfast')\" ]"
printf 'gone\n' >> "$stage/etc/infrac/studio/installed-services"
: > "$stage/Library/LaunchDaemons/local.infrac.studio.gone.plist"
: > "$stage/etc/infrac/studio/gone.json"
out=$(INFRAC_INSTALL_ROOT="$stage" sh "$host/install.sh")
check "a reinstall removes a dropped service's plist and config" \
    test ! -e "$stage/Library/LaunchDaemons/local.infrac.studio.gone.plist" -a ! -e "$stage/etc/infrac/studio/gone.json"
check "a reinstall says what it removed" sh -c "echo '$out' | grep -q 'removed gone'"
check "and keeps the fleet's" test -f "$stage/Library/LaunchDaemons/local.infrac.studio.big.plist"

# No user, no restart, not at boot; and neither a wired limit.
sed -e '/^  user: llm/d' -e '/gpu_wired_limit/d' -e 's/^    restart: always/    restart: "no"/' \
    -e 's/^    restart_sec: 5/    autostart: false/' "$fleet" > "$tmp/plain.yaml"
check_exit 0 "a variant without user, wired limit or autostart builds" \
    sh -c "'$INFRAC' build '$tmp/plain.yaml' -o '$tmp/plain' >/dev/null 2>&1"
pfast="$tmp/plain/studio/launchd/local.infrac.studio.fast.plist"
check "no user: UserName nobody (launchd would run a daemon as root)" key "$pfast" 'j["UserName"] == "nobody"'
check "autostart false: RunAtLoad false" key "$pfast" 'j["RunAtLoad"] is False'
check "restart no: KeepAlive false" key "$pfast" 'j["KeepAlive"] is False'
check "no gpu_wired_limit: no sysctl job" test ! -e "$tmp/plain/studio/launchd/local.infrac-sysctl.studio.plist"
check "its plists lint" python3 "$SRC/tests/lib/plist_lint.py" "$tmp/plain/studio/launchd/"*.plist
sed -e 's/^    restart: always/    autostart: false/' -e 's/^    mlock: true/    mlock: true\n    restart: on-abnormal/' "$fleet" > "$tmp/later.yaml"
"$INFRAC" build "$tmp/later.yaml" -o "$tmp/later" >/dev/null 2>&1
check "restart on-abnormal: KeepAlive Crashed true" \
    key "$tmp/later/studio/launchd/local.infrac.studio.big.plist" 'j["KeepAlive"] == {"Crashed": True} and j["RunAtLoad"] is True'
check "not at load: KeepAlive false (any KeepAlive would start it at load)" \
    key "$tmp/later/studio/launchd/local.infrac.studio.fast.plist" 'j["KeepAlive"] is False and j["RunAtLoad"] is False'

# A draft on the Mac's GPU is on Metal's device, MTL0, not CUDA0.
cat > "$tmp/draft.yaml" <<'YAML'
fleet: d
hosts:
  mac: {platform: macos, gpus: [m4-max-64gb]}
models:
  big: {path: /m/Qwen3-14B-Q4_K_M.gguf, catalog: qwen3-14b}
  small:
    path: /m/Qwen3-0.6B.gguf
    shape: {arch: qwen3, layers: 28, embd: 1024, heads: 16, kv_heads: 8, head_dim: 128, ff: 3072, vocab: 151936, ctx_train: 40960, weights: 0.6 GiB}
services:
  chat: {host: mac, model: big, port: 8080, gpus: [0], draft: small, draft_gpu: 0}
YAML
"$INFRAC" build "$tmp/draft.yaml" -o "$tmp/draft" >/dev/null 2>&1
check "a draft on the Mac's GPU: --spec-draft-device MTL0" \
    key "$tmp/draft/mac/launchd/local.infrac.d.chat.plist" '"MTL0" == j["ProgramArguments"][j["ProgramArguments"].index("--spec-draft-device") + 1]'

# XML escaping, and what XML 1.0 cannot hold.
sed -e 's|^    threads: 16|    threads: 16\n    extra_args: ["--jinja", "--chat-template-kwargs", "{\\"a\\": \\"<\&>\\"}"]|' "$fleet" > "$tmp/esc.yaml"
"$INFRAC" build "$tmp/esc.yaml" -o "$tmp/esc" >/dev/null 2>&1
check "'<', '&' and '>' in an argument are escaped and read back" \
    key "$tmp/esc/studio/launchd/local.infrac.studio.fast.plist" 'j["ProgramArguments"][-1] == "{\"a\": \"<&>\"}"'
check "escaped as entities in the file" grep -q '&lt;&amp;&gt;' "$tmp/esc/studio/launchd/local.infrac.studio.fast.plist"
sed -e 's|^    threads: 16|    threads: 16\n    extra_args: ["--x\\x01"]|' "$fleet" > "$tmp/ctl.yaml"
"$INFRAC" build "$tmp/ctl.yaml" -o "$tmp/ctl" >"$tmp/err" 2>&1; rc=$?
check "a control character in an argument fails the build (exit 1)" test "$rc" -eq 1
check "the failure says E0903 and why" grep -q 'E0903.*launchd property list (XML 1.0)' "$tmp/err"
echo "1..$TAP_N"
