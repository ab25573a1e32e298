#!/bin/sh
# Installs the Debian packages listed in scripts/deps.txt that are missing.
# Called by the Makefile before the first build; cheap when all are present.
set -eu
here=$(dirname "$0")
missing=""
for pkg in $(grep -v '^#' "$here/deps.txt" | tr -s ' \n' ' '); do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
# Node.js and npm (for the llama.cpp parity tests) may come from another
# distribution of Node that bundles npm, so look for the commands instead.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
echo "setup: installing missing packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $missing
