# engine_long_flags: every long flag of infrac-engine, one a line, from the
# table both of its parsers read (common/infrac_engine_flags.c); fails when
# the table could not be read.
engine_long_flags() {
    _flags=$(grep -o '^    \[IEF_[A-Z_]*\] = {IEF_[A-Z_]*, "--[a-z-]*"' "$SRC/common/infrac_engine_flags.c" |
        sed 's/.*"\(--[a-z-]*\)"/\1/' | sort -u)
    [ "$(printf '%s\n' $_flags | wc -l)" -ge 30 ] || return 1
    printf '%s\n' $_flags
}
