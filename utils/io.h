/* io.h — reading inputs (plain files, stdin "-", gzip/xz files, Kaldi "command |" pipes) and
 * writing outputs atomically (temp file + rename) so that a killed job never leaves a half
 * written file behind. Not for: parsing formats (see table.h and each module). */
#ifndef WREN_IO_H
#define WREN_IO_H

#include <stdio.h>

struct wren_input {
    FILE *f;
    int is_pipe;     /* opened with popen: close with wren_input_close */
    char *name;      /* the spec it was opened from, for error messages */
};

/* Open for reading: "-" is stdin; "cmd |" runs cmd through the shell (Kaldi wav.scp style);
 * a name ending in .gz or .xz is decompressed through gzip/xz. On error returns -1 with a
 * message naming the file. */
int wren_input_open(struct wren_input *in, const char *spec);
/* Close; returns -1 (with a message) if a pipe's command exited non-zero. */
int wren_input_close(struct wren_input *in);

/* Read a whole input into memory (NUL-terminated; *len excludes the NUL). */
int wren_read_all(const char *spec, char **data, size_t *len);

struct wren_atomic {
    FILE *f;
    char *path;      /* final path (or the device written in place), NULL when writing to stdout */
    char *tmp;       /* temporary path in the same directory */
    int special;     /* a device or FIFO, written in place */
};

/* Open PATH for writing through a temporary file PATH.tmp.PID in the same directory; "-" is
 * stdout; an existing device or FIFO (e.g. /dev/null) is written in place. Temp files of PATH
 * left by killed runs (their PID no longer exists) are removed first. */
int wren_atomic_open(struct wren_atomic *a, const char *path, const char *mode);
/* Flush, fsync and rename into place; on any write error removes the temp file and returns -1. */
int wren_atomic_commit(struct wren_atomic *a);
/* Flush F and check its error flag; on failure returns -1 with "NAME: write error: reason". */
int wren_stream_check(FILE *f, const char *name);
/* Discard what was written (removes the temp file). */
void wren_atomic_abort(struct wren_atomic *a);

/* 1 if PATH exists and is a regular file or directory. */
int wren_path_exists(const char *path);
/* 1 if A and B name the same file or folder (their real paths; the strings themselves when either
 * cannot be resolved). */
int wren_path_same(const char *a, const char *b);
/* mkdir -p */
int wren_mkdir_p(const char *path);
/* Join a directory and a file name into a new string. */
char *wren_path_join(const char *dir, const char *name);
/* The file name of PATH without its folder and last extension ("a/b.c.wav" -> "b.c"), new. */
char *wren_path_stem(const char *path);
/* The table key of a file PATH stands for: its stem, each white-space or control byte made '_'
 * ("a/my talk.wav" -> "my_talk"), since a Kaldi table's key ends at the first white space. New. */
char *wren_path_key(const char *path);

#endif
