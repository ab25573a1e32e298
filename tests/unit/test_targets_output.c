/* The build output on disk: it passes systemd-analyze verify and security
 * and shellcheck (tests/lib/targets_lint.sh), is deterministic, replaces a
 * previous output atomically, refuses a directory that is not ours unless
 * forced, and its launch scripts stop with a clear message before exec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets.h"
#include "targets_support.h"
#include "shell_quote.h"

static char *scratch;

static int setup(void **state)
{
    (void)state;
    scratch = targets_scratch_dir("output");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    targets_remove_tree(scratch);
    free(scratch);
    return 0;
}

static const char *path_in(const char *rel)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 512, "%s/%s", scratch, rel);
    return p;
}

static out_commit_status build_into(plan *p, const char *dir, bool force, char *err, size_t errlen)
{
    out_tree t;
    out_tree_init(&t);
    assert_int_equal(target_build_tree(p, &t, err, errlen), 0);
    out_commit_status st = out_tree_commit(&t, dir, force, err, errlen);
    out_tree_free(&t);
    return st;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int run_quiet(const char *fmt, const char *a, const char *b, char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    return targets_run(cmd, out);
}

static void lint_passes(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    char err[512];
    assert_int_equal(build_into(p, path_in("lint"), false, err, sizeof err), OUT_COMMIT_OK);
    const char *src = getenv("SRC") ? getenv("SRC") : ".";
    char *log = NULL;
    int rc = run_quiet("sh %s/tests/lib/targets_lint.sh %s", src, path_in("lint"), &log);
    if (rc != 0)
        fprintf(stderr, "%s\n", log);
    assert_int_equal(rc, 0);
    free(log);
    targets_test_plan_free(p);
}

/* Values with $, a backtick, a backslash or a leading ~ are quoted so that
 * the scripts stay shellcheck-clean (SC2016, SC1003, SC2088 warn on the
 * obvious single quoting of them) and the engine gets them verbatim. */
static void lint_passes_with_shell_metacharacters(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    static const char *const hostile[] = {"--x=$HOME", "`id`", "a\\b", "~/model", "~", "$(id)", "'q'", "\\",
                                          "--y=~user", "a$b`c\\d'e"};
    p->services[1].cfg.extra_args = hostile;
    p->services[1].cfg.n_extra_args = sizeof hostile / sizeof hostile[0];
    p->services[1].cfg.alias = "~alias$x";
    char err[512];
    assert_int_equal(build_into(p, path_in("meta"), false, err, sizeof err), OUT_COMMIT_OK);
    const char *src = getenv("SRC") ? getenv("SRC") : ".";
    char *log = NULL;
    int rc = run_quiet("sh %s/tests/lib/targets_lint.sh %s", src, path_in("meta"), &log);
    if (rc != 0)
        fprintf(stderr, "%s\n", log);
    assert_int_equal(rc, 0);
    free(log);
    /* and sh reads each one back as it was */
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        for (int always = 0; always < 2; always++) {
            strbuf cmd = {0};
            sb_puts(&cmd, "printf '%s' ");
            if (always)
                sb_add_shell_quoted(&cmd, hostile[i]);
            else
                sb_add_shell_word(&cmd, hostile[i]);
            char *got = NULL;
            assert_int_equal(targets_run(cmd.p, &got), 0);
            assert_string_equal(got, hostile[i]);
            free(got);
            sb_free(&cmd);
        }
    }
    targets_test_plan_free(p);
}

static void lint_catches_a_weak_unit(void **state)
{
    (void)state;
    /* The lint is a real check: a unit without its hardening fails it. */
    const char *src = getenv("SRC") ? getenv("SRC") : ".";
    assert_int_equal(run_quiet("cp -r %s %s", path_in("lint"), path_in("weak"), NULL), 0);
    assert_int_equal(run_quiet("sed -i '/^SystemCallFilter\\|^CapabilityBoundingSet\\|^PrivateUsers\\|^NoNewPriv/d' "
                               "%s/gpu1/systemd/infrac-chat.service%s", path_in("weak"), "", NULL), 0);
    char *log = NULL;
    assert_int_not_equal(run_quiet("sh %s/tests/lib/targets_lint.sh %s", src, path_in("weak"), &log), 0);
    assert_non_null(strstr(log, "infrac-chat.service: exposure"));
    free(log);
    /* And verify fails on a key systemd does not know, or a missing ExecStart target. */
    assert_int_equal(run_quiet("cp -r %s %s", path_in("lint"), path_in("bogus"), NULL), 0);
    assert_int_equal(run_quiet("echo 'RestartSteps=3' >> %s/cpu1/systemd/infrac-tiny.service%s", path_in("bogus"), "",
                               NULL), 0);
    assert_int_not_equal(run_quiet("sh %s/tests/lib/targets_lint.sh %s", src, path_in("bogus"), &log), 0);
    assert_non_null(strstr(log, "systemd-analyze verify"));
    assert_non_null(strstr(log, "RestartSteps"));
    free(log);
}

static void deterministic(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    char err[512];
    assert_int_equal(build_into(p, path_in("det1"), false, err, sizeof err), OUT_COMMIT_OK);
    assert_int_equal(build_into(p, path_in("det2"), false, err, sizeof err), OUT_COMMIT_OK);
    assert_int_equal(run_quiet("diff -r %s %s", path_in("det1"), path_in("det2"), NULL), 0);
    /* Modes too, whatever the umask. */
    char *m1 = NULL, *m2 = NULL;
    run_quiet("cd %s && find . -printf '%%p %%m\\n' | sort%s", path_in("det1"), "", &m1);
    run_quiet("cd %s && find . -printf '%%p %%m\\n' | sort%s", path_in("det2"), "", &m2);
    assert_string_equal(m1, m2);
    assert_non_null(strstr(m1, "./gpu1/bin/chat.sh 755"));
    assert_non_null(strstr(m1, "./gpu1/etc/chat.json 644"));
    free(m1);
    free(m2);
    targets_test_plan_free(p);
}

static void rebuild_replaces_previous(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    char err[512];
    const char *out = path_in("re");
    assert_int_equal(build_into(p, out, false, err, sizeof err), OUT_COMMIT_OK);
    write_text(path_in("re/stale.txt"), "left from an old build\n");
    assert_int_equal(build_into(p, out, false, err, sizeof err), OUT_COMMIT_OK);
    assert_int_not_equal(access(path_in("re/stale.txt"), F_OK), 0);
    assert_int_equal(access(path_in("re/gpu1/README.md"), F_OK), 0);
    /* No temporary directory left beside OUT. */
    char *left = NULL;
    run_quiet("ls -A %s | grep -c '^\\.re\\.' || true%s", scratch, "", &left);
    assert_string_equal(left, "0\n");
    free(left);
    targets_test_plan_free(p);
}

static ino_t inode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_ino;
}

/* A rebuild links the files the previous output holds byte for byte (same
 * inode, nothing written), and writes anew every file that differs, that
 * the user changed in place, or that another name also links to. */
static void rebuild_links_unchanged_files(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    char err[512];
    assert_int_equal(build_into(p, path_in("ln"), false, err, sizeof err), OUT_COMMIT_OK);
    ino_t readme = inode_of(path_in("ln/gpu1/README.md"));
    ino_t plan_json = inode_of(path_in("ln/plan.json"));
    ino_t script = inode_of(path_in("ln/gpu1/bin/chat.sh"));
    char *before = NULL;
    run_quiet("cat %s%s", path_in("ln/gpu1/etc/chat.json"), "", &before);
    write_text(path_in("ln/gpu1/etc/chat.json"), "edited by hand\n");
    assert_int_equal(link(path_in("ln/plan.json"), path_in("plan-elsewhere.json")), 0);
    assert_int_equal(chmod(path_in("ln/gpu1/bin/chat.sh"), 0700), 0);
    /* A FIFO in a file's place is not opened (that would block), just replaced. */
    assert_int_equal(unlink(path_in("ln/gpu1/install.sh")), 0);
    assert_int_equal(mkfifo(path_in("ln/gpu1/install.sh"), 0755), 0);
    assert_int_equal(build_into(p, path_in("ln"), false, err, sizeof err), OUT_COMMIT_OK);
    assert_true(inode_of(path_in("ln/gpu1/README.md")) == readme);
    assert_true(inode_of(path_in("ln/plan.json")) != plan_json);
    assert_true(inode_of(path_in("ln/gpu1/bin/chat.sh")) != script);
    struct stat st;
    assert_int_equal(stat(path_in("ln/gpu1/bin/chat.sh"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(lstat(path_in("ln/gpu1/install.sh"), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    char *after = NULL;
    run_quiet("cat %s%s", path_in("ln/gpu1/etc/chat.json"), "", &after);
    assert_string_equal(after, before);
    free(before);
    free(after);
    targets_test_plan_free(p);
}

static void refuses_foreign_directory_unless_forced(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    char err[512];
    mkdir(path_in("mine"), 0755);
    write_text(path_in("mine/thesis.tex"), "precious\n");
    assert_int_equal(build_into(p, path_in("mine"), false, err, sizeof err), OUT_COMMIT_NOT_OURS);
    assert_non_null(strstr(err, "not an infrac build output"));
    assert_int_equal(access(path_in("mine/thesis.tex"), F_OK), 0);
    assert_int_equal(build_into(p, path_in("mine"), true, err, sizeof err), OUT_COMMIT_OK);
    assert_int_not_equal(access(path_in("mine/thesis.tex"), F_OK), 0);
    assert_int_equal(access(path_in("mine/" TARGET_MARKER), F_OK), 0);
    /* A plain file is not ours either. */
    write_text(path_in("afile"), "x\n");
    assert_int_equal(build_into(p, path_in("afile"), false, err, sizeof err), OUT_COMMIT_NOT_OURS);
    /* An empty directory holds nothing to lose. */
    mkdir(path_in("empty"), 0755);
    assert_int_equal(build_into(p, path_in("empty"), false, err, sizeof err), OUT_COMMIT_OK);
    targets_test_plan_free(p);
}

static void failed_write_leaves_previous_output(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    char err[512];
    const char *out = path_in("keep");
    assert_int_equal(build_into(p, out, false, err, sizeof err), OUT_COMMIT_OK);
    assert_int_equal(run_quiet("cp -a %s %s", out, path_in("keep-copy"), NULL), 0);
    /* A tree that fails half-way: "a" is a file, then "a/b" needs it as a directory. */
    out_tree t;
    out_tree_init(&t);
    out_tree_add(&t, "a", strdup("x"), 1, 0644);
    out_tree_add(&t, "a/b", strdup("y"), 1, 0644);
    assert_int_equal(out_tree_commit(&t, out, false, err, sizeof err), OUT_COMMIT_IO);
    out_tree_free(&t);
    assert_int_equal(run_quiet("diff -r %s %s", out, path_in("keep-copy"), NULL), 0);
    char *left = NULL;
    run_quiet("ls -A %s | grep -c '^\\.keep\\.' || true%s", scratch, "", &left);
    assert_string_equal(left, "0\n");
    free(left);
    /* Missing directories above OUT are created. */
    assert_int_equal(build_into(p, path_in("nest/a/b"), false, err, sizeof err), OUT_COMMIT_OK);
    assert_int_equal(access(path_in("nest/a/b/plan.json"), F_OK), 0);
    /* An output whose parent cannot hold directories. */
    write_text(path_in("notadir"), "x\n");
    assert_int_equal(build_into(p, path_in("notadir/out"), false, err, sizeof err), OUT_COMMIT_IO);
    assert_non_null(strstr(err, "cannot create"));
    targets_test_plan_free(p);
}

/* Runs one service's launch script from a fresh build; returns its exit code. */
static int run_script(plan *p, const char *service, char **log)
{
    char err[512];
    assert_int_equal(build_into(p, path_in("run"), true, err, sizeof err), OUT_COMMIT_OK);
    char script[600];
    const plan_service *s = targets_test_service(p, service);
    snprintf(script, sizeof script, "%s/bin/%s.sh", s->host->name, service);
    return run_quiet("PATH=/usr/bin:/bin sh %s/%s", path_in("run"), script, log);
}

static void launch_script_stops_before_exec(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    plan_service *tiny = targets_test_service(p, "tiny");
    char *log = NULL;

    tiny->model_path = "/nonexistent/model.gguf";
    assert_int_equal(run_script(p, "tiny", &log), 1);
    assert_non_null(strstr(log, "infrac[tiny]: model file /nonexistent/model.gguf is missing"));
    free(log);

    char model[512];
    snprintf(model, sizeof model, "%s", path_in("model.gguf"));
    write_text(model, "0123456789");
    tiny->model_path = model;
    tiny->model_file_bytes = 11;
    assert_int_equal(run_script(p, "tiny", &log), 1);
    assert_non_null(strstr(log, "has 10 bytes, the plan expects 11"));
    free(log);

    tiny->model_file_bytes = 10;
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(sock >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(sock, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(sock, 1), 0);
    socklen_t len = sizeof addr;
    getsockname(sock, (struct sockaddr *)&addr, &len);
    tiny->cfg.port = ntohs(addr.sin_port);
    assert_int_equal(run_script(p, "tiny", &log), 1);
    char want[64];
    snprintf(want, sizeof want, "port %u is already in use", (unsigned)tiny->cfg.port);
    assert_non_null(strstr(log, want));
    free(log);
    close(sock);

    /* Checks pass: the credential is the next thing it wants. */
    assert_int_equal(run_script(p, "tiny", &log), 1);
    if (!strstr(log, "API key credential missing"))
        fprintf(stderr, "%s\n", log);
    assert_non_null(strstr(log, "API key credential missing"));
    free(log);

    /* Then it execs the engine (not installed here: the shell says so). */
    tiny->cfg.api_key_file = NULL;
    assert_int_equal(run_script(p, "tiny", &log), 127);
    assert_non_null(strstr(log, "infrac-engine"));
    free(log);
    targets_test_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lint_passes),
        cmocka_unit_test(lint_passes_with_shell_metacharacters),
        cmocka_unit_test(lint_catches_a_weak_unit),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(rebuild_replaces_previous),
        cmocka_unit_test(rebuild_links_unchanged_files),
        cmocka_unit_test(refuses_foreign_directory_unless_forced),
        cmocka_unit_test(failed_write_leaves_previous_output),
        cmocka_unit_test(launch_script_stops_before_exec),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
