#!/bin/sh
# Rewrites the front end's golden diagnostics (tests/golden/front/errors.*)
# from tests/golden/front/errors.yaml. Usage: refresh-front.sh BUILD_DIR
set -eu
dir=${1:-build/release}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make -s V="$(basename "$dir")" "$dir/tests/test_front_golden" >/dev/null
FRONT_GOLDEN_WRITE=1 SRC="$root" CMOCKA_MESSAGE_OUTPUT=TAP "$dir/tests/test_front_golden" >/dev/null
echo "refreshed tests/golden/front/errors.{txt,json,github,sarif}: review git diff"
