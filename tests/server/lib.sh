# Moved to tests/lib/engine.sh; this line keeps tests written against the
# old path (on branches not yet merged) working. Source tests/lib/engine.sh.
. "$SRC/tests/lib/engine.sh"
