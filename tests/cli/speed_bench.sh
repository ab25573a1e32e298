#!/bin/sh
# infrac-engine --bench: one JSON object with prompt and generation speeds,
# the shape tests/bench/engine/run.sh reads; bad values are refused.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/speed-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
E=$INFRAC_ENGINE
m="$tmp/m.gguf"
"$INFRAC_MKMODEL" -o "$m" --arch llama --type q4_0 --embd 256 --ff 512 --heads 4 --kv-heads 2 --vocab 600 2>"$tmp/err" ||
    fail "mkmodel: $(cat "$tmp/err")"

out=$("$E" --model "$m" --bench -p 40 -n 9 -t 2 2>"$tmp/err")
check "--bench prints one JSON object with pp and tg speeds" python3 -c "
import json, sys
d = json.loads(sys.argv[1])
assert set(d) == {'pp_tokens', 'pp_tps', 'tg_tokens', 'tg_tps', 'depth'} and d['depth'] == 0, d
assert d['pp_tokens'] == 40 and d['tg_tokens'] == 9 and d['pp_tps'] > 0 and d['tg_tps'] > 0, d" "$out"

out=$("$E" --model "$m" --bench -p 0 -n 3 -t 1 2>"$tmp/err")
check "--bench -p 0 measures generation only" python3 -c "
import json, sys
d = json.loads(sys.argv[1])
assert d['pp_tokens'] == 0 and d['pp_tps'] == 0 and d['tg_tps'] > 0, d" "$out"

"$E" --model "$m" --bench -p abc -n 4 >/dev/null 2>"$tmp/err"
check "--bench -p abc is a usage error (status 2)" test $? -eq 2
check "  and says why" grep -q "not a token count" "$tmp/err"
"$E" --model "$m" --bench --tokens 1,2 >/dev/null 2>"$tmp/err"
check "--bench with --tokens is refused" test $? -eq 2
"$E" --model "$m" --bench -p 20 -n 4 --context 8 >/dev/null 2>"$tmp/err"
check "--bench past --context fails with a message" test $? -eq 1
echo "1..$TAP_N"
