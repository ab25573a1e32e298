#!/bin/sh
# infrac-engine --bench: one JSON object with prompt and generation speeds,
# the shape tests/bench/engine/run.sh reads; bad values are refused; and
# report.mjs gives each (model, depth, threads) its own row.
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

out=$("$E" --model "$m" --bench -p 0 -n 3 -d 16 -t 1 2>"$tmp/err")
check "--bench -d 16 reports depth 16" python3 -c "
import json, sys
d = json.loads(sys.argv[1])
assert d['depth'] == 16 and d['pp_tokens'] == 0 and d['tg_tokens'] == 3 and d['tg_tps'] > 0, d" "$out"

# tests/bench/engine/report.mjs on a short run: a plain cell and a depth
# cell (MODEL@d16) of one model, infrac's side measured above, llama.cpp's
# side records in llama-bench's -o json shape (n_prompt, n_gen, n_depth,
# avg_ts), as run.sh writes them. Each (model, depth, threads) is its own row.
plain=$("$E" --model "$m" --bench -p 40 -n 9 -t 1 2>"$tmp/err")
{
    echo '{"kind":"membw","threads":1,"gbs":10}'
    echo '{"kind":"llama.cpp","cell":"m","model":"m","depth":0,"threads":1,"rss_kib":2048,"out":[{"n_prompt":40,"n_gen":0,"n_depth":0,"avg_ts":100},{"n_prompt":0,"n_gen":9,"n_depth":0,"avg_ts":50}]}'
    echo "{\"kind\":\"infrac\",\"cell\":\"m\",\"model\":\"m\",\"depth\":0,\"threads\":1,\"rss_kib\":1024,\"out\":$plain}"
    echo '{"kind":"llama.cpp","cell":"m@d16","model":"m","depth":16,"threads":1,"rss_kib":4096,"out":[{"n_prompt":0,"n_gen":3,"n_depth":16,"avg_ts":20}]}'
    echo "{\"kind\":\"infrac\",\"cell\":\"m@d16\",\"model\":\"m\",\"depth\":16,\"threads\":1,\"rss_kib\":1024,\"out\":$out}"
} > "$tmp/results.jsonl"
node "$SRC/tests/bench/engine/report.mjs" "$tmp/results.jsonl" "$tmp" > "$tmp/report.md" 2>"$tmp/err"
check "report.mjs gives the depth cell its own row, paired by model+depth+threads" python3 -c "
import json, sys
head = [h.strip() for h in [l for l in open(sys.argv[1]) if l.startswith('| model |')][0].split('|')[1:-1]]
assert head[:3] == ['model', 'depth', 'threads'], head
rows = [[c.strip() for c in l.split('|')[1:-1]] for l in open(sys.argv[1]) if l.startswith('| m |')]
assert len(rows) == 2, rows
plain, deep = sorted(rows, key=lambda r: int(r[1]))
col = lambda r, name, k=0: r[[i for i, h in enumerate(head) if h == name][k]]
ie0, ie16 = json.loads(sys.argv[2])['tg_tps'], json.loads(sys.argv[3])['tg_tps']
assert plain[1] == '0' and deep[1] == '16', rows
assert col(plain, 'pp512 llama.cpp') == '100.0' and col(plain, 'tg128 llama.cpp') == '50.0', plain
assert col(deep, 'pp512 llama.cpp') == 'n/a' and col(deep, 'pp512 infrac') == 'n/a' and col(deep, 'tg128 llama.cpp') == '20.0', deep
assert abs(float(col(plain, 'tg128 infrac')) - ie0) < 0.06 and abs(float(col(deep, 'tg128 infrac')) - ie16) < 0.06, rows
assert abs(float(col(deep, 'ratio', 1)) - ie16 / 20) < 0.01, deep
assert col(plain, 'ratio', 2) == '0.50' and col(deep, 'ratio', 2) == '0.25', rows
assert float(col(deep, 'tg limit (bandwidth)')) > 0 and col(deep, 'infrac %') != 'n/a', deep
" "$tmp/report.md" "$plain" "$out" || cat "$tmp/report.md" "$tmp/err"

"$E" --model "$m" --bench -p abc -n 4 >/dev/null 2>"$tmp/err"
check "--bench -p abc is a usage error (status 2)" test $? -eq 2
check "  and says why" grep -q "not a token count" "$tmp/err"
"$E" --model "$m" --bench --tokens 1,2 >/dev/null 2>"$tmp/err"
check "--bench with --tokens is refused" test $? -eq 2
"$E" --model "$m" --bench -p 20 -n 4 --context 8 >/dev/null 2>"$tmp/err"
check "--bench past --context fails with a message" test $? -eq 1
echo "1..$TAP_N"
