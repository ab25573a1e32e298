#!/bin/sh
# infrac status on a Mac host (`platform: macos`): the jobs are launchd's, so
# on this machine the state comes from `launchctl print system/<label>`
# (plan.json's `unit` is the label). macOS is not here: a fake launchctl on
# PATH answers as launchd does (a running job, a spawn it scheduled, a job
# not loaded: exit 113), and without one status says it read no job state.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

T=$SERVER_TMP
p_run=$(free_port); p_spawn=$(free_port); p_gone=$(free_port)
cat > "$T/mac.yaml" <<YAML
fleet: studio
defaults:
  engine: llama.cpp
hosts:
  here:
    platform: macos
    address: 127.0.0.1
    cpus: 8
    gpus: [m3-ultra-256gb]
models:
  q:
    path: /Users/Shared/models/Qwen3-8B-Q4_K_M.gguf
    catalog: qwen3-8b
    quant: Q4_K_M
services:
  run: {host: here, model: q, port: $p_run, gpus: [0], context: 4096}
  spawn: {host: here, model: q, port: $p_spawn, gpus: [0], context: 4096}
  gone: {host: here, model: q, port: $p_gone, gpus: [0], context: 4096}
YAML
"$INFRAC" build "$T/mac.yaml" -o "$T/out" > "$T/build.log" 2>&1
check "infrac build of a Mac fleet" [ -f "$T/out/plan.json" ]
check "plan.json: a Mac service's unit is its launchd label" \
    [ "$(json_get "$(cat "$T/out/plan.json")" "[s['unit'] for s in j['services'] if s['name'] == 'run'][0]")" = local.infrac.studio.run ]

# launchctl print system/LABEL as launchd answers it: the job's own state one
# tab in (an endpoint's deeper state must not be taken for it), 113 when unknown
mkdir -p "$T/bin"
cat > "$T/bin/launchctl" <<'SH'
#!/bin/sh
[ "$1" = print ] || exit 64
case "$2" in
system/local.infrac.studio.run) state=running ;;
system/local.infrac.studio.spawn) state="spawn scheduled" ;;
*) echo "Could not find service \"${2#system/}\" in domain for system" >&2; exit 113 ;;
esac
printf '%s = {\n\tactive count = 1\n\tpath = /Library/LaunchDaemons/%s.plist\n\tstate = %s\n\n\tendpoints = {\n\t\t"x" = {\n\t\t\tstate = idle\n\t\t}\n\t}\n}\n' "$2" "${2#system/}" "$state"
SH
chmod +x "$T/bin/launchctl"
PATH="$T/bin:$PATH" "$INFRAC" status "$T/out" --timeout 1 > "$T/st.txt" 2>&1
PATH="$T/bin:$PATH" "$INFRAC" status "$T/out" --timeout 1 --format json > "$T/st.json" 2>&1
sed 's/^/# /' "$T/st.txt"
check "a running job: [job active/running]" grep -q '^here  *run  *down .*\[job active/running\]' "$T/st.txt"
check "a spawn launchd scheduled, port closed: starting" \
    grep -q '^here  *spawn  *starting .*launchd job local.infrac.studio.spawn is activating/spawn scheduled' "$T/st.txt"
check "a job launchd does not know: not loaded" grep -q '^here  *gone  *down .*\[job inactive/not loaded\]' "$T/st.txt"
check "json: launchd present on the Mac host, no systemd entry for it" \
    [ "$(json_get "$(cat "$T/st.json")" "(j['launchd'], j['systemd'])")" = "({'here': 'present'}, {})" ]
# a job installed on the Mac that the fleet no longer has: its launchd label asked
mkdir -p "$T/root/etc/infrac/studio"
printf 'run\nold\n' > "$T/root/etc/infrac/studio/installed-services"
PATH="$T/bin:$PATH" "$INFRAC" status "$T/out" --timeout 1 --root "$T/root" > "$T/st2.txt" 2>&1
check "a retired job is unexpected, its label asked of launchd" \
    grep -q '^here  *old  *unexpected .*\[job inactive/not loaded\]' "$T/st2.txt"
# no launchctl here (this is not a Mac): said, not failed
PATH=/usr/bin:/bin "$INFRAC" status "$T/out" --timeout 1 > "$T/st3.txt" 2>&1
check "without launchctl: said so, no job states" \
    sh -c "grep -q 'launchctl is not on this machine: launchd job states not read' '$T/st3.txt' && ! grep -q '\[job' '$T/st3.txt'"
echo "1..$TAP_N"
