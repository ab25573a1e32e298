/* Opening a file that must be a regular file (a model, a key) without
 * hanging on a FIFO: open(2) with O_NONBLOCK (a FIFO without a writer would
 * block it forever, fifo(7)), fstat, refuse anything else by name, then
 * clear O_NONBLOCK for ordinary reads. */
#ifndef INFRAC_FILE_KIND_H
#define INFRAC_FILE_KIND_H

#include <stddef.h>
#include <sys/stat.h>

/* "a FIFO", "a directory", "a socket", ... for a st_mode. */
const char *file_kind_name(mode_t mode);

/* An fd open for reading on the regular file path (st filled), or -1 with
 * "cannot open: <errno>" or "not a regular file (a FIFO)" in why. */
int open_regular_file(const char *path, struct stat *st, char *why, size_t whylen);

#endif
