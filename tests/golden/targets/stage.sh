#!/bin/sh
# Prints the fleet file to build for a golden listing. A fleet whose model
# paths are relative to its own directory (examples/demo.yaml) would make
# the listing depend on where the checkout lives: the unit's PrivateTmp= and
# ProtectHome= follow the model's absolute path. Such a fleet is copied
# into DIR with those paths resolved against a fixed checkout root,
# /srv/infrac-checkout, as if the repository were cloned there.
#   stage.sh FLEET DIR
set -eu
fleet=$1; dir=$2
if grep -Eq '^[[:space:]]+path:[[:space:]]+\.\./' "$fleet"; then
    mkdir -p "$dir"
    staged="$dir/$(basename "$fleet")"
    sed -E 's#^([[:space:]]+path:[[:space:]]+)\.\./#\1/srv/infrac-checkout/#' "$fleet" > "$staged"
    echo "$staged"
else
    echo "$fleet"
fi
