/* Source files: loading, the size limit, the line index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"

static void line_index_of_buffer(void **state)
{
    (void)state;
    source_file s;
    assert_int_equal(source_from_buffer(&s, "f.yaml", "a: 1\r\nbb: 2\n\nlast", 17), 0);
    assert_int_equal(s.n_lines, 4);
    size_t len;
    const char *l = source_line(&s, 1, &len);
    assert_int_equal(len, 4); /* CR dropped */
    assert_memory_equal(l, "a: 1", 4);
    l = source_line(&s, 2, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(l, "bb: 2", 5);
    l = source_line(&s, 3, &len);
    assert_int_equal(len, 0);
    l = source_line(&s, 4, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(l, "last", 4);
    assert_null(source_line(&s, 0, &len));
    assert_null(source_line(&s, 5, &len));
    source_free(&s);
}

static void trailing_newline_is_not_a_line(void **state)
{
    (void)state;
    source_file s;
    assert_int_equal(source_from_buffer(&s, "f.yaml", "a\nb\n", 4), 0);
    assert_int_equal(s.n_lines, 2);
    source_free(&s);
    assert_int_equal(source_from_buffer(&s, "f.yaml", "", 0), 0);
    assert_int_equal(s.n_lines, 1);
    size_t len = 99;
    assert_non_null(source_line(&s, 1, &len));
    assert_int_equal(len, 0);
    assert_string_equal(s.text, "");
    source_free(&s);
}

static void loads_file_and_keeps_nul_bytes(void **state)
{
    (void)state;
    char path[] = "/tmp/front-src-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x: 1\n\0y\n", 8), 8);
    close(fd);
    source_file s;
    char err[256];
    assert_int_equal(source_load(&s, path, err, sizeof err), 0);
    assert_int_equal(s.len, 8); /* the parser reports the NUL, not the loader */
    assert_int_equal(s.n_lines, 2);
    assert_string_equal(s.path, path);
    source_free(&s);
    unlink(path);
}

static void refuses_missing_directory_and_huge(void **state)
{
    (void)state;
    source_file s;
    char err[256];
    assert_int_equal(source_load(&s, "/nonexistent/fleet.yaml", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/fleet.yaml"));
    assert_int_equal(source_load(&s, "/tmp", err, sizeof err), -1);
    assert_non_null(strstr(err, "directory"));
    char path[] = "/tmp/front-big-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* sparse: one byte past the limit costs no disk */
    assert_int_equal(ftruncate(fd, (off_t)SOURCE_MAX_BYTES + 1), 0);
    close(fd);
    assert_int_equal(source_load(&s, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_index_of_buffer),
        cmocka_unit_test(trailing_newline_is_not_a_line),
        cmocka_unit_test(loads_file_and_keeps_nul_bytes),
        cmocka_unit_test(refuses_missing_directory_and_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
