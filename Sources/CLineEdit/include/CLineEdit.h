#ifndef OURO_CLINEEDIT_H
#define OURO_CLINEEDIT_H
/* A small line editor over libedit (BSD editline): emacs key bindings, persistent history with
 * Ctrl-R search, tab completion through a callback. Knows nothing of Lua. */

typedef struct ouro_editor ouro_editor;

/* Tab completion. `before` is the line up to the cursor. The callback sets *out to a malloc'ed
 * array of malloc'ed strings, each a full replacement for the last *word_len bytes of `before`,
 * and returns how many there are (0: nothing to complete). */
typedef int (*ouro_complete_fn)(void *ctx, const char *before, char ***out, int *word_len);

/* Opens the editor on the terminal at stdin/stdout. history_path may be NULL (no history file);
 * the file is read now and rewritten (atomically) whenever an entry is remembered. */
ouro_editor *ouro_editor_open(const char *program, const char *history_path, int history_size,
                              ouro_complete_fn complete, void *ctx);

enum { OURO_EDITOR_LINE = 0, OURO_EDITOR_EOF = 1, OURO_EDITOR_INTERRUPTED = 2 };

/* Reads one line (without its newline) into a malloc'ed string the caller frees. Returns NULL with
 * *status = OURO_EDITOR_EOF at Ctrl-D on an empty line or end of input, OURO_EDITOR_INTERRUPTED when
 * a signal (Ctrl-C) interrupted the read; the typed text is then discarded. */
char *ouro_editor_read(ouro_editor *ed, const char *prompt, int *status);

/* Adds an entry to the history and saves the history file. Returns 0, or -1 if saving failed. */
int ouro_editor_remember(ouro_editor *ed, const char *entry);

void ouro_editor_close(ouro_editor *ed);
#endif
