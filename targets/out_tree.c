/* The output tree: files collected in memory, then written into a fresh
 * directory beside OUT and swapped into place, so that a reader of OUT sees
 * the old build or the new one, never half of one, and a failed build
 * leaves the previous OUT as it was. Builds into one OUT take turns through
 * an flock(2) on `.OUT.lock` beside it (there while a build runs); the holder removes the
 * `.OUT.tmp-*` and `.OUT.old-*` trees that builds killed midway left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run_threads.h"
#include "targets.h"

void out_tree_init(out_tree *t) { memset(t, 0, sizeof *t); }

void out_tree_free(out_tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->files[i].path);
        free(t->files[i].data);
    }
    free(t->files);
    out_tree_init(t);
}

void out_tree_add(out_tree *t, const char *path, char *data, size_t len, unsigned mode)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        out_file *f = realloc(t->files, cap * sizeof *f);
        if (!f)
            abort();
        t->files = f;
        t->cap = cap;
    }
    char *p = strdup(path);
    if (!p)
        abort();
    t->files[t->n++] = (out_file){p, data, len, mode};
}

const out_file *out_tree_find(const out_tree *t, const char *path)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->files[i].path, path))
            return &t->files[i];
    return NULL;
}

static void remove_contents(int dirfd);

/* Removes the entry name of dirfd: a file (or link) at once, a directory
 * with everything below it (not following symlinks). */
static void remove_entry_at(int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
        return;
    int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) {
        remove_contents(sub);
        close(sub);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Removes everything below the directory dirfd. */
static void remove_contents(int dirfd)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            remove_entry_at(dirfd, e->d_name);
    closedir(d);
}

/* The entries of one directory, removed by several threads at once.
 * Removing mostly waits for the disk (ext4 mounted with discard, without
 * a journal, discards each freed block synchronously: fs/ext4/mballoc.c,
 * ext4_mb_clear_bb), and the waits of several threads overlap: removing
 * the previous 10,000-service tree took 1.2-3.8 s on one thread, 0.33 s
 * on RUN_THREADS_MAX (8). */
typedef struct remove_job {
    int dirfd;
    char **names;
    size_t n;
    atomic_size_t next;
} remove_job;

static void *remove_worker(void *arg)
{
    remove_job *j = arg;
    for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;)
        remove_entry_at(j->dirfd, j->names[i]);
    return NULL;
}

/* rm -rf path, its top entries spread over threads. */
static void remove_tree(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        unlink(path);
        return;
    }
    remove_job j = {fd, NULL, 0, 0};
    int fd2 = dup(fd);
    DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
    size_t cap = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (j.n == cap) {
            cap = cap ? cap * 2 : 64;
            char **names = realloc(j.names, cap * sizeof *names);
            if (!names)
                abort();
            j.names = names;
        }
        if (!(j.names[j.n++] = strdup(e->d_name)))
            abort();
    }
    if (d)
        closedir(d);
    else if (fd2 >= 0)
        close(fd2);
    run_threads(remove_worker, &j, RUN_THREADS_MAX);
    for (size_t i = 0; i < j.n; i++)
        free(j.names[i]);
    free(j.names);
    close(fd);
    rmdir(path);
}

/* Like mkdir -p for the directories of path (the user's, above OUT: the
 * umask applies). */
static int make_parents(char *path)
{
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = mkdir(path, 0755);
        int e = rc == 0 ? 0 : errno;
        *slash = '/';
        if (rc != 0 && e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    return 0;
}

/* Takes the build lock of OUT (blocks while another build holds it). The
 * holder unlinks the lock file when done, so none is left beside OUT; a
 * waiter that then gets the lock of the unlinked file takes it again. */
static int lock_output(const char *path, char *err, size_t errlen)
{
    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "cannot create the build lock '%s': %s", path, strerror(errno));
            return -1;
        }
        int rc;
        while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
        if (rc != 0) {
            snprintf(err, errlen, "cannot lock '%s': %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && lstat(path, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino)
            return fd;
        close(fd);
    }
}

/* Under the lock no other build is writing: a temp tree of OUT is a dead one's. */
static void remove_stale_trees(const char *parent, const char *base)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    char tmp_prefix[4200], old_prefix[4200];
    snprintf(tmp_prefix, sizeof tmp_prefix, ".%s.tmp-", base);
    snprintf(old_prefix, sizeof old_prefix, ".%s.old-", base);
    size_t lt = strlen(tmp_prefix), lo = strlen(old_prefix);
    for (struct dirent *e; (e = readdir(d));) {
        bool tmp = strncmp(e->d_name, tmp_prefix, lt) == 0 && strlen(e->d_name) == lt + 6;
        bool old = strncmp(e->d_name, old_prefix, lo) == 0 && strlen(e->d_name) == lo + 6;
        if (!tmp && !old)
            continue;
        char path[8600];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
    }
    closedir(d);
}

/* Makes the directory rel (relative to dirfd) and any missing above it,
 * 0755 whatever the umask. One mkdirat when the parent exists, which for
 * a tree written in path order is nearly always. */
static int make_dir_at(int dirfd, char *rel, mode_t umask_bits)
{
    if (mkdirat(dirfd, rel, 0755) == 0)
        return (umask_bits & 0755) ? fchmodat(dirfd, rel, 0755, 0) : 0;
    if (errno == EEXIST)
        return 0;
    char *slash = strrchr(rel, '/');
    if (errno != ENOENT || !slash)
        return -1;
    *slash = '\0';
    int rc = make_dir_at(dirfd, rel, umask_bits);
    *slash = '/';
    return rc == 0 ? make_dir_at(dirfd, rel, umask_bits) : -1;
}

/* Writes name below dirfd with exactly mode: the umask must not change the
 * output, so a mode it would narrow is set again with fchmod. No fsync
 * here: commit_locked syncs the whole tree at once (issue 15 finding 19:
 * one fsync per file made 10,000 services take 205 s). */
static int write_file_at(int dirfd, const char *name, const char *data, size_t len, unsigned mode,
                         mode_t umask_bits)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        done += (size_t)n;
    }
    if ((umask_bits & mode) && fchmod(fd, mode) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

/* Opens the directory rel of the previous output without following a
 * symlink or leaving its filesystem (openat2(2) RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV, Linux 5.6): only files that are
 * truly inside it are linked into the new tree. -1 where it fails. */
static int open_old_dir(int old_root, const char *rel)
{
    struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV};
    return (int)syscall(SYS_openat2, old_root, rel, &how, sizeof how);
}

/* Whether the previous output's name (below old_dir) is a regular file of
 * ours holding exactly data with exactly mode, and no other name links to
 * it: the new tree may then link it rather than write a copy. */
static bool same_file_at(int old_dir, const char *name, const char *data, size_t len, unsigned mode, uid_t uid)
{
    /* Looked at before it is opened: opening a FIFO or a device someone
     * left in OUT could block or act; O_NONBLOCK covers a swap between. */
    struct stat before, st;
    if (fstatat(old_dir, name, &before, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(before.st_mode) ||
        before.st_size < 0 || (size_t)before.st_size != len)
        return false;
    int fd = openat(old_dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == mode &&
                st.st_nlink == 1 && st.st_uid == uid && st.st_size >= 0 && (size_t)st.st_size == len;
    char buf[65536];
    for (size_t done = 0; same && done < len;) {
        size_t want = len - done < sizeof buf ? len - done : sizeof buf;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        same = n > 0 && memcmp(buf, data + done, (size_t)n) == 0;
        done += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    return same;
}

/* A file of the tree in the order it is written: directory by directory,
 * so that each directory is made and opened once. */
typedef struct tree_entry {
    const char *path, *data;
    size_t dlen, len;
    unsigned mode;
} tree_entry;

static int by_directory(const void *a, const void *b)
{
    const tree_entry *x = a, *y = b;
    size_t n = x->dlen < y->dlen ? x->dlen : y->dlen;
    int c = memcmp(x->path, y->path, n);
    if (c || x->dlen == y->dlen)
        return c ? c : strcmp(x->path + x->dlen, y->path + y->dlen);
    return x->dlen < y->dlen ? -1 : 1;
}

/* The new tree written by several threads, a directory at a time. */
typedef struct write_job {
    const tree_entry *order;
    size_t *starts, n_dirs; /* order[starts[k]..starts[k+1]) share a directory */
    size_t *items, n_items; /* starts[items[m]..items[m+1]) share a top directory: one thread's share */
    int tmpfd, old_root;
    mode_t umask_bits;
    uid_t uid;
    atomic_size_t next;
    pthread_mutex_t lock;
    const char *failed; /* the first file that could not be written, under lock */
    int failed_errno;
} write_job;

static void write_failed(write_job *j, const char *rel, int e)
{
    pthread_mutex_lock(&j->lock);
    if (!j->failed) {
        j->failed = rel;
        j->failed_errno = e;
    }
    pthread_mutex_unlock(&j->lock);
}

/* Writes the files of one directory; false once a file fails. */
static bool write_dir(write_job *j, size_t from, size_t to)
{
    const char *rel = j->order[from].path;
    size_t dlen = j->order[from].dlen;
    int new_dir = j->tmpfd, old_dir = j->old_root;
    if (dlen) {
        char dir[4096];
        if (dlen >= sizeof dir) {
            write_failed(j, rel, ENAMETOOLONG);
            return false;
        }
        memcpy(dir, rel, dlen);
        dir[dlen] = '\0';
        new_dir = make_dir_at(j->tmpfd, dir, j->umask_bits) == 0
                      ? openat(j->tmpfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                      : -1;
        if (new_dir < 0) {
            write_failed(j, rel, errno);
            return false;
        }
        old_dir = j->old_root >= 0 ? open_old_dir(j->old_root, dir) : -1;
    }
    bool ok = true;
    for (size_t i = from; ok && i < to; i++) {
        const tree_entry *f = &j->order[i];
        const char *name = f->path + (dlen ? dlen + 1 : 0);
        if (old_dir >= 0 && same_file_at(old_dir, name, f->data, f->len, f->mode, j->uid) &&
            linkat(old_dir, name, new_dir, name, 0) == 0)
            continue;
        if (write_file_at(new_dir, name, f->data, f->len, f->mode, j->umask_bits) != 0) {
            write_failed(j, f->path, errno);
            ok = false;
        }
    }
    if (new_dir != j->tmpfd)
        close(new_dir);
    if (old_dir >= 0 && old_dir != j->old_root)
        close(old_dir);
    return ok;
}

static void *write_worker(void *arg)
{
    write_job *j = arg;
    for (size_t m; (m = atomic_fetch_add(&j->next, 1)) < j->n_items;)
        for (size_t k = j->items[m]; k < j->items[m + 1]; k++)
            if (!write_dir(j, j->starts[k], j->starts[k + 1])) {
                atomic_store(&j->next, j->n_items); /* the others stop at their next share */
                return NULL;
            }
    return NULL;
}

/* Marks the new tree a top of directory hierarchies for ext4's Orlov
 * allocator (chattr(1) +T, FS_TOPDIR_FL; other filesystems refuse it,
 * which changes nothing): its host directories then spread over the block
 * groups, instead of all going where the previous build's directories
 * were freed a moment ago, which ext4 without a journal scans past at each
 * new inode (fs/ext4/ialloc.c, find_group_orlov and recently_deleted). */
static void set_top_dir(int dirfd)
{
    int flags = 0;
    if (ioctl(dirfd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
        flags |= FS_TOPDIR_FL;
        ioctl(dirfd, FS_IOC_SETFLAGS, &flags);
    }
}

static bool is_ours(const char *dir)
{
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/" TARGET_MARKER, dir);
    struct stat st;
    return lstat(marker, &st) == 0 && S_ISREG(st.st_mode);
}

/* An empty directory holds nothing to lose. */
static bool is_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    closedir(d);
    return empty;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static out_commit_status commit_locked(const out_tree *t, const char *out, const char *parent, const char *base,
                                       bool force, char *err, size_t errlen);

out_commit_status out_tree_commit(const out_tree *t, const char *out_dir, bool force, char *err,
                                  size_t errlen)
{
    char out[4096];
    size_t len = strlen(out_dir);
    if (len == 0 || len >= sizeof out - 64) {
        snprintf(err, errlen, "output directory name is empty or too long");
        return OUT_COMMIT_IO;
    }
    memcpy(out, out_dir, len + 1);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0';

    char parent[4096], base[4096];
    const char *slash = strrchr(out, '/');
    if (!slash) {
        snprintf(parent, sizeof parent, ".");
        snprintf(base, sizeof base, "%s", out);
    } else {
        snprintf(parent, sizeof parent, "%.*s", slash == out ? 1 : (int)(slash - out), out);
        snprintf(base, sizeof base, "%s", slash + 1);
    }
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        snprintf(err, errlen, "'%s' cannot be an output directory: name a directory to create", out_dir);
        return OUT_COMMIT_IO;
    }

    /* Like mkdir -p for the directories above OUT (the user's: umask applies). */
    char parent_slash[4200];
    snprintf(parent_slash, sizeof parent_slash, "%s/", parent);
    make_parents(parent_slash);
    char lock_path[8300];
    snprintf(lock_path, sizeof lock_path, "%s/.%s.lock", parent, base);
    int lock = lock_output(lock_path, err, errlen);
    if (lock < 0)
        return OUT_COMMIT_IO;
    out_commit_status rc = commit_locked(t, out, parent, base, force, err, errlen);
    unlink(lock_path);
    close(lock); /* releases the flock */
    return rc;
}

static out_commit_status commit_locked(const out_tree *t, const char *out, const char *parent, const char *base,
                                       bool force, char *err, size_t errlen)
{
    remove_stale_trees(parent, base);
    struct stat st;
    bool exists = lstat(out, &st) == 0, exists_dir = exists && S_ISDIR(st.st_mode);
    if (exists && !force) {
        if (!exists_dir || (!is_ours(out) && !is_empty_dir(out))) {
            snprintf(err, errlen, "'%s' exists and is not an infrac build output (no %s file)", out,
                     TARGET_MARKER);
            return OUT_COMMIT_NOT_OURS;
        }
    }

    char tmp[8300];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", parent, base);
    if (!mkdtemp(tmp)) {
        snprintf(err, errlen, "cannot create a directory in '%s' for the output: %s", parent, strerror(errno));
        return OUT_COMMIT_IO;
    }
    if (chmod(tmp, 0755) != 0)
        goto io_error;
    int tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tmpfd < 0)
        goto io_error;
    set_top_dir(tmpfd);
    mode_t umask_bits = umask(0);
    umask(umask_bits);
    /* A file the previous output already holds byte for byte is linked
     * from it, not written again: no new inode, no data to write back, and
     * removing the previous tree then frees no inode. (ext4 without a
     * journal skips, at each new inode, every inode freed in the last
     * minute (fs/ext4/ialloc.c, recently_deleted): writing 43,004 new
     * files just after the previous build freed as many took 4-13 s of
     * CPU there, docs/benchmarks.md.) */
    int old_root = exists_dir ? open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) : -1;
    static const char marker_text[] = "infrac build output: `infrac build -o` may replace this directory\n";
    tree_entry *order = malloc((t->n + 1) * sizeof *order);
    if (!order)
        abort();
    for (size_t i = 0; i <= t->n; i++) {
        const char *rel = i < t->n ? t->files[i].path : TARGET_MARKER;
        const char *slash = strrchr(rel, '/');
        order[i] = i < t->n ? (tree_entry){rel, t->files[i].data, slash ? (size_t)(slash - rel) : 0, t->files[i].len,
                                           t->files[i].mode}
                            : (tree_entry){rel, marker_text, 0, sizeof marker_text - 1, 0644};
    }
    qsort(order, t->n + 1, sizeof *order, by_directory);
    write_job j = {order, NULL, 0, NULL, 0, tmpfd, old_root, umask_bits, geteuid(), 0, PTHREAD_MUTEX_INITIALIZER,
                   NULL, 0};
    j.starts = malloc((t->n + 2) * sizeof *j.starts);
    j.items = malloc((t->n + 2) * sizeof *j.items);
    if (!j.starts || !j.items)
        abort();
    size_t top_len = (size_t)-1;
    for (size_t i = 0; i <= t->n; i++) {
        if (i && order[i].dlen == order[i - 1].dlen && !memcmp(order[i].path, order[i - 1].path, order[i].dlen))
            continue;
        /* The directory's first component: threads that share none seldom
         * wait for each other's directory locks. */
        size_t top = strcspn(order[i].path, "/");
        if (top > order[i].dlen)
            top = 0;
        if (top != top_len || memcmp(order[i].path, order[j.starts[j.n_dirs - 1]].path, top))
            j.items[j.n_items++] = j.n_dirs;
        top_len = top;
        j.starts[j.n_dirs++] = i;
    }
    j.starts[j.n_dirs] = t->n + 1;
    j.items[j.n_items] = j.n_dirs;
    /* Writing is mostly the kernel's CPU work: a thread per processor. */
    run_threads(write_worker, &j, online_cpus());
    const char *failed = j.failed;
    int e = j.failed_errno;
    pthread_mutex_destroy(&j.lock);
    free(j.starts);
    free(j.items);
    free(order);
    if (old_root >= 0)
        close(old_root);
    if (failed) {
        snprintf(err, errlen, "cannot write '%s': %s", failed, strerror(e));
        close(tmpfd);
        remove_tree(tmp);
        return OUT_COMMIT_IO;
    }
    /* Durable before it is renamed into place: one syncfs(2) writes back
     * every file of the tree (and whatever else of that filesystem is
     * dirty) in one go, where an fsync per file waited for the journal once
     * per file. */
    int synced = syncfs(tmpfd);
    int sync_errno = errno;
    close(tmpfd);
    if (synced != 0) {
        errno = sync_errno;
        goto io_error;
    }

    if (exists && !exists_dir) {
        /* --force over a plain file. */
        if (unlink(out) != 0)
            goto io_error;
        exists = false;
    }
    if (!exists || (lstat(out, &st) != 0 && errno == ENOENT)) {
        if (rename(tmp, out) != 0)
            goto io_error;
    } else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) == 0) {
        remove_tree(tmp); /* now the previous output */
    } else {
        /* No atomic exchange here: move the old one aside, then swap. */
        char old[8300];
        snprintf(old, sizeof old, "%s/.%s.old-XXXXXX", parent, base);
        if (!mkdtemp(old) || rmdir(old) != 0 || rename(out, old) != 0)
            goto io_error;
        if (rename(tmp, out) != 0) {
            int e = errno;
            rename(old, out);
            errno = e;
            goto io_error;
        }
        remove_tree(old);
    }
    sync_dir(parent);
    return OUT_COMMIT_OK;

io_error:
    snprintf(err, errlen, "cannot write the output '%s': %s", out, strerror(errno));
    remove_tree(tmp);
    return OUT_COMMIT_IO;
}
