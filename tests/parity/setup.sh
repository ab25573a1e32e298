#!/bin/sh
# Installs node-llama-cpp (pinned by package-lock.json) into
# tests/parity/node_modules, once per lock file. Never downloads or builds
# llama.cpp: install scripts are off (NODE_LLAMA_CPP_SKIP_DOWNLOAD too), the
# optional GPU packages are left out, and the prebuilt CPU binding
# @node-llama-cpp/linux-x64 is a direct dependency.
# Exit 0: ready. Exit 3: npm or node missing, or the registry unreachable
# (the caller skips, printing the reason from stderr). Other: a real failure.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null 2>&1 || { echo "node is not installed" >&2; exit 3; }
command -v npm >/dev/null 2>&1 || { echo "npm is not installed" >&2; exit 3; }
stamp="$dir/node_modules/.infrac-lock"
want=$(cksum < "$dir/package-lock.json")
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
# npm install (not npm ci) from the lock, in a staging copy so the tree's
# lock file is never rewritten: npm ci refuses a lock that lacks the other
# platforms' optional packages, which a mirror may not serve.
log=$(mktemp /tmp/parity-npm.XXXXXX)
stage=$(mktemp -d /tmp/parity-npm-stage.XXXXXX)
cp "$dir/package.json" "$dir/package-lock.json" "$stage/"
(cd "$stage" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional --ignore-scripts \
    --no-audit --no-fund --loglevel=error) > "$log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
    rm -rf "$dir/node_modules" && mv "$stage/node_modules" "$dir/node_modules" || rc=1
fi
rm -rf "$stage"
if [ $rc -ne 0 ]; then
    if grep -qiE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network' "$log"; then
        echo "npm registry unreachable: $(grep -m1 -iE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network' "$log")" >&2
        rm -f "$log"
        exit 3
    fi
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
echo "$want" > "$stamp"
