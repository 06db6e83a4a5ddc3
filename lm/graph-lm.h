/* graph-lm.h — which ARPA LM a decoding graph was built with. `wren mkgraph` records it in
 * GRAPH_DIR/lm.txt: one line, the file's CRC-32 and size, then its absolute path. Rescoring a
 * graph's lattices (`--graph`) must subtract exactly that LM's costs; the record lets it find the
 * file without being told, and refuse one that has changed since the graph was built (its costs
 * would no longer be the ones in the lattices). Not for: reading the LM (arpa.h). */
#ifndef WREN_GRAPH_LM_H
#define WREN_GRAPH_LM_H

/* Write GRAPH_DIR/lm.txt for the ARPA file ARPA (atomically). An LM that is no regular file (a
 * pipe) cannot be found again: nothing is written, and 0 is returned. */
int wren_graph_lm_record(const char *graph_dir, const char *arpa);

/* The LM GRAPH_DIR/lm.txt records, as a new string in *out; *out = NULL and 0 when there is no
 * lm.txt (a graph built before the record existed). -1 with a one-line message naming lm.txt when
 * it is malformed, or the file it names is gone or differs from the one the graph was built with
 * (the message tells to give the option --OPT instead). */
int wren_graph_lm_resolve(const char *graph_dir, const char *opt, char **out);

#endif
