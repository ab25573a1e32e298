#!/bin/sh
# make install / make uninstall into a DESTDIR: the two programs, the man
# pages infrac(1) and infrac-engine(1) (groff without warnings, every engine
# flag documented), the bash completion and the diagnostics reference that
# SARIF's informationUri names; uninstall leaves nothing.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine_flags.sh"
tmp=$(mktemp -d /tmp/install-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
build=$(dirname "$BUILD_DIR") variant=$(basename "$BUILD_DIR")
mk() { make -s -C "$SRC" BUILD="$build" V="$variant" DESTDIR="$tmp/root" PREFIX=/usr "$@" >"$tmp/make.log" 2>&1; }
check "make install succeeds" mk install
for f in bin/infrac bin/infrac-engine share/man/man1/infrac.1 share/man/man1/infrac-engine.1 \
         share/bash-completion/completions/infrac share/bash-completion/completions/infrac-engine \
         share/doc/infrac/diagnostics.md; do
    check "installs /usr/$f" test -e "$tmp/root/usr/$f"
done
for m in infrac infrac-engine; do
    page="$tmp/root/usr/share/man/man1/$m.1"
    groff -man -Tutf8 -ww -z "$page" >"$tmp/groff" 2>&1
    check "$m.1: groff -man -ww prints no warning" test ! -s "$tmp/groff"
    check "$m.1: man -l renders it" sh -c "MANPAGER=cat man -l '$page' 2>/dev/null | grep -q 'NAME'"
done
flags=$(engine_long_flags) || fail "the engine's flag table was read"
missing=""
for f in $flags; do grep -q -- "$(echo "$f" | sed 's/-/\\\\-/g')" "$SRC/docs/man/infrac-engine.1" || missing="$missing $f"; done
check "infrac-engine.1 documents every flag (missing:${missing:- none})" test -z "$missing"
check "the completion loads in bash" bash -c ". '$tmp/root/usr/share/bash-completion/completions/infrac' && complete -p infrac >/dev/null"
check "the completion offers the subcommands" bash -c ". '$tmp/root/usr/share/bash-completion/completions/infrac'
    COMP_WORDS=(infrac ch); COMP_CWORD=1; _infrac; [ \"\${COMPREPLY[*]}\" = check ]"
printf 'fleet: x\nhosts: {h: {address: 1.2.3.4}}\nservices: {s: {host: h, model: nope, port: 1}}\n' > "$tmp/bad.yaml"
"$tmp/root/usr/bin/infrac" check --format sarif "$tmp/bad.yaml" > "$tmp/out.sarif" 2>/dev/null
check "SARIF's informationUri is the installed reference, helpUri its anchor" sh -c \
    "grep -q '\"informationUri\": \"file:///usr/share/doc/infrac/diagnostics.md\"' '$tmp/out.sarif' &&
     grep -q '\"helpUri\": \"file:///usr/share/doc/infrac/diagnostics.md#E0101\"' '$tmp/out.sarif' &&
     grep -q '<a id=\"E0101\"></a>' '$tmp/root/usr/share/doc/infrac/diagnostics.md'"
check "make uninstall succeeds" mk uninstall
left=$(find "$tmp/root" -type f -o -type l | head -3)
check "make uninstall leaves no file (${left:-none})" test -z "$left"
