#include "CLineEdit.h"
#include <histedit.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ouro_editor {
    EditLine *el;
    History *hist;
    HistEvent ev;
    char *history_path;
    char *prompt;
    ouro_complete_fn complete;
    void *ctx;
};

static char *prompt_of(EditLine *el) {
    ouro_editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    return ed && ed->prompt ? ed->prompt : "";
}

/* Longest common prefix length of the candidates. */
static size_t common_prefix(char **c, int n) {
    size_t len = strlen(c[0]);
    for (int i = 1; i < n; i++) {
        size_t k = 0;
        while (k < len && c[i][k] && c[i][k] == c[0][k]) k++;
        len = k;
    }
    return len;
}

/* Lists candidates in columns under the line, like a shell's second Tab. */
static void list_candidates(char **c, int n) {
    size_t width = 0;
    for (int i = 0; i < n; i++) if (strlen(c[i]) > width) width = strlen(c[i]);
    width += 2;
    int columns = (int)(80 / width);
    if (columns < 1) columns = 1;
    fputc('\n', stdout);
    for (int i = 0; i < n; i++) {
        fprintf(stdout, "%-*s", (int)width, c[i]);
        if ((i + 1) % columns == 0 || i == n - 1) fputc('\n', stdout);
    }
    fflush(stdout);
}

static unsigned char complete_key(EditLine *el, int ch) {
    (void)ch;
    ouro_editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    if (!ed || !ed->complete) return CC_ERROR;
    const LineInfo *li = el_line(el);
    size_t before_len = (size_t)(li->cursor - li->buffer);
    char *before = malloc(before_len + 1);
    if (!before) return CC_ERROR;
    memcpy(before, li->buffer, before_len);
    before[before_len] = 0;
    char **cands = NULL;
    int word_len = 0;
    int n = ed->complete(ed->ctx, before, &cands, &word_len);
    free(before);
    unsigned char result = CC_REFRESH;
    if (n <= 0 || !cands) {
        result = CC_ERROR;
    } else {
        size_t common = common_prefix(cands, n);
        if (word_len < 0 || (size_t)word_len > before_len) word_len = 0;
        if (common > (size_t)word_len) {
            char *insert = strndup(cands[0] + word_len, common - (size_t)word_len);
            if (insert) { el_insertstr(el, insert); free(insert); }
        } else if (n > 1) {
            list_candidates(cands, n);
            result = CC_REDISPLAY;
        } else {
            result = CC_ERROR;
        }
    }
    for (int i = 0; i < n; i++) free(cands[i]);
    free(cands);
    return result;
}

ouro_editor *ouro_editor_open(const char *program, const char *history_path, int history_size,
                              ouro_complete_fn complete, void *ctx) {
    /* libedit decodes input by the locale; make UTF-8 the default when none is set */
    const char *loc = setlocale(LC_CTYPE, "");
    if (!loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0) setlocale(LC_CTYPE, "C.UTF-8");
    ouro_editor *ed = calloc(1, sizeof *ed);
    if (!ed) return NULL;
    ed->complete = complete;
    ed->ctx = ctx;
    ed->el = el_init(program, stdin, stdout, stderr);
    ed->hist = history_init();
    if (!ed->el || !ed->hist) { ouro_editor_close(ed); return NULL; }
    history(ed->hist, &ed->ev, H_SETSIZE, history_size > 0 ? history_size : 1000);
    history(ed->hist, &ed->ev, H_SETUNIQUE, 1);
    if (history_path) {
        ed->history_path = strdup(history_path);
        history(ed->hist, &ed->ev, H_LOAD, history_path);   /* a missing file is not an error */
    }
    el_set(ed->el, EL_CLIENTDATA, ed);
    el_set(ed->el, EL_EDITOR, "emacs");
    el_set(ed->el, EL_SIGNAL, 1);
    el_set(ed->el, EL_PROMPT, prompt_of);
    el_set(ed->el, EL_HIST, history, ed->hist);
    el_set(ed->el, EL_ADDFN, "ouro-complete", "Complete a Lua name", complete_key);
    el_set(ed->el, EL_BIND, "^I", "ouro-complete", NULL);
    el_set(ed->el, EL_BIND, "^R", "em-inc-search-prev", NULL);
    el_source(ed->el, NULL);   /* the user's ~/.editrc may rebind keys */
    return ed;
}

char *ouro_editor_read(ouro_editor *ed, const char *prompt, int *status) {
    free(ed->prompt);
    ed->prompt = strdup(prompt ? prompt : "");
    int count = 0;
    errno = 0;
    const char *line = el_gets(ed->el, &count);
    if (!line) {
        *status = (count < 0 && errno == EINTR) ? OURO_EDITOR_INTERRUPTED : OURO_EDITOR_EOF;
        return NULL;
    }
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    *status = OURO_EDITOR_LINE;
    return strndup(line, len);
}

int ouro_editor_remember(ouro_editor *ed, const char *entry) {
    if (!entry || !*entry) return 0;
    history(ed->hist, &ed->ev, H_ENTER, entry);
    if (!ed->history_path) return 0;
    /* write a sibling file and rename it over the old one: a crash never leaves half a history */
    size_t n = strlen(ed->history_path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmp.%ld", ed->history_path, (long)getpid());
    int ok = history(ed->hist, &ed->ev, H_SAVE, tmp) >= 0 && rename(tmp, ed->history_path) == 0;
    if (!ok) unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

void ouro_editor_close(ouro_editor *ed) {
    if (!ed) return;
    if (ed->el) el_end(ed->el);
    if (ed->hist) history_end(ed->hist);
    free(ed->history_path);
    free(ed->prompt);
    free(ed);
}
