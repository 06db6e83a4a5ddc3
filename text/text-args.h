/* text-args.h — a helper the text-preparation commands share: take every occurrence of a
 * repeatable option (`--eval FILE --eval FILE`, `--report-oov FILE ...`) out of argv before the
 * option table parses the rest. Not for: any other option parsing (utils/opts.h does that). */
#ifndef WREN_TEXT_ARGS_H
#define WREN_TEXT_ARGS_H

/* Removes "--NAME V", "-NAME V" and "--NAME=V" from argv (argc updated) and returns the values
 * in a new NULL-terminated array (caller frees the array, not the strings); *n their number.
 * Returns NULL with a message if the option is last without a value. */
char **wren_text_take_repeated(int *argc, char **argv, const char *name, int *n);

#endif
