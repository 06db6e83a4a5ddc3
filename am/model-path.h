/* model-path.h — which acoustic model folder and lexicon a command uses when --model or --dict
 * is not given. `wren mkgraph` records its model folder in OUT_DIR/model.txt; a command with a
 * graph takes that one, and otherwise Debian's pocketsphinx-en-us (the model and dictionary every
 * recipe passes), when installed.
 * Not for: loading a model (am.h). */
#ifndef WREN_MODEL_PATH_H
#define WREN_MODEL_PATH_H

#define WREN_DEBIAN_MODEL_DIR "/usr/share/pocketsphinx/model/en-us/en-us"
#define WREN_DEBIAN_DICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

/* The model folder for a command given GIVEN (--model, or NULL) and GRAPH_DIR (or NULL), as a
 * new string in *out: GIVEN; else the folder GRAPH_DIR/model.txt names (an error if it is no
 * model folder: a moved graph must not silently take another model); else Debian's en-us. -1
 * with a message saying what to pass when there is none. With both GIVEN and a model.txt that
 * names another folder, a warning (a graph decoded with a model it was not built for). */
int wren_model_dir_resolve(const char *given, const char *graph_dir, char **out);

/* Debian's en-us model folder when installed, else NULL (for commands without a graph). */
const char *wren_model_default(void);

/* Debian's cmudict-en-us.dict when installed, else NULL. */
const char *wren_dict_default(void);

/* Write GRAPH_DIR/model.txt: MODEL_DIR's absolute path, one line (atomically). */
int wren_graph_model_record(const char *graph_dir, const char *model_dir);

#endif
