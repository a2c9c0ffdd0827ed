/* Optional native speed-ups for `linkcheck scan` (see linkcheck/extract.py, "Native fast path").
 *
 * The Python code stays the definition of every rule. What lives here does only what is provably
 * the same as a piece of it, for the common case, and hands everything else back:
 *
 *   bare_prose(...)  walks prose the way `_MASTER.search` would and emits the plain bare URLs
 *                    (ASCII, nothing to trim, on a line that is not indented) itself; at the first
 *                    position where anything else may start (`, ![, [, <, href, src, a bare URL
 *                    that needs the CJK or trimming rules) it stops and returns that position.
 *   simple_url(url)  the `_SIMPLE` fullmatch of linkcheck/canonical.py: (scheme, host, path) or
 *                    None.
 *
 * tests/test_speedups.py runs both against the Python definitions on the real corpus and on
 * generated text. Building this module is optional (setuptools `optional = true`): without a C
 * compiler linkcheck runs the same rules in Python, only slower.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ------------------------------------------------------------------------------------------ */
/* Character classes, as the regexes of extract.py define them                                 */

static inline int
is_ascii_letter(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
is_ascii_alnum(Py_UCS4 c)
{
    return is_ascii_letter(c) || (c >= '0' && c <= '9');
}

/* _RUN = [^\s<>"`{}|\\^\x00-\x1f\x7f]  (\s is Unicode whitespace for a str pattern) */
static inline int
is_run_char(Py_UCS4 c)
{
    if (c < 0x80) {
        if (c <= 0x20 || c == 0x7f)
            return 0;
        switch (c) {
        case '<': case '>': case '"': case '`': case '{': case '}': case '|': case '\\': case '^':
            return 0;
        default:
            return 1;
        }
    }
    return !Py_UNICODE_ISSPACE(c);
}

/* _MAYBE_TRIM: the last characters of a run that the trimming rules may drop */
static inline int
maybe_trim(Py_UCS4 c)
{
    switch (c) {
    case '.': case ',': case ';': case ':': case '!': case '?': case '\'': case '"': case '*':
    case '~': case ')': case ']':
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* bare_prose                                                                                  */

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t end; /* the search's endpos: nothing at or after it is seen */
} Text;

#define AT(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static inline int
starts_with(const Text *t, Py_ssize_t i, const char *lit)
{
    for (; *lit; lit++, i++) {
        if (i >= t->end || AT(t, i) != (Py_UCS4)(unsigned char)*lit)
            return 0;
    }
    return 1;
}

/* Where the raw run starting at i ends (exclusive); *ascii is cleared on a non-ASCII char. */
static inline Py_ssize_t
run_end(const Text *t, Py_ssize_t i, int *ascii)
{
    while (i < t->end) {
        Py_UCS4 c = AT(t, i);
        if (!is_run_char(c))
            break;
        if (c >= 0x80)
            *ascii = 0;
        i++;
    }
    return i;
}

/* The end of a bare URL alternative (_BARE_ALTS) matching at q, or -1 when none matches there. */
static Py_ssize_t
bare_match_end(const Text *t, Py_ssize_t q, int *ascii)
{
    Py_UCS4 first = AT(t, q);
    Py_UCS4 before = q > 0 ? AT(t, q - 1) : 0;
    Py_ssize_t i;
    if (first == 'h') { /* h(?<![A-Za-z]h)ttps?:// */
        if (is_ascii_letter(before) || !starts_with(t, q, "http"))
            return -1;
        i = q + 4;
        if (i < t->end && AT(t, i) == 's')
            i++;
        if (!starts_with(t, i, "://"))
            return -1;
        return run_end(t, i + 3, ascii);
    }
    if (first == 'f') { /* f(?<![A-Za-z]f)tp:// */
        if (is_ascii_letter(before) || !starts_with(t, q, "ftp://"))
            return -1;
        return run_end(t, q + 6, ascii);
    }
    if (first == 'w') { /* w(?<![A-Za-z0-9./@_\-]w)ww\.[A-Za-z0-9\-]+\.[A-Za-z0-9] */
        if (is_ascii_alnum(before) || before == '.' || before == '/' || before == '@' || before == '_'
            || before == '-')
            return -1;
        if (!starts_with(t, q, "www."))
            return -1;
        i = q + 4;
        Py_ssize_t label = i;
        while (i < t->end) {
            Py_UCS4 c = AT(t, i);
            if (!(is_ascii_alnum(c) || c == '-'))
                break;
            i++;
        }
        /* [A-Za-z0-9\-]+ cannot hold '.', so no backtracking can help when this fails */
        if (i == label || i + 1 >= t->end || AT(t, i) != '.' || !is_ascii_alnum(AT(t, i + 1)))
            return -1;
        return run_end(t, i + 2, ascii);
    }
    return -1;
}

/* May a non-bare alternative of _MASTER start at q? (A superset is fine: Python decides.) */
static inline int
other_may_start(const Text *t, Py_ssize_t q, Py_UCS4 c)
{
    switch (c) {
    case '`': case '[': case '<':
        return 1;
    case '!':
        return q + 1 < t->end && AT(t, q + 1) == '[';
    case 'h':
        return starts_with(t, q + 1, "ref");
    case 's':
        return starts_with(t, q + 1, "rc");
    default:
        return 0;
    }
}

/* Characters where an alternative of _MASTER may start: ` ! [ < h(ref|ttp) s(rc) f(tp) w(ww). */
static const unsigned char MAY_START[128] = {
    ['`'] = 1, ['!'] = 1, ['['] = 1, ['<'] = 1, ['h'] = 1, ['s'] = 1, ['f'] = 1, ['w'] = 1,
};

#define SKIP_PLAIN(T)                                                                          \
    do {                                                                                       \
        const T *d = (const T *)t->data;                                                      \
        while (q < t->end && (d[q] >= 128 || !MAY_START[d[q]]))                               \
            q++;                                                                               \
    } while (0)

/* The first position at or after q where an alternative of _MASTER may start (or t->end).
 * (The one hot loop: specialised per string width, as PyUnicode_READ's switch per character
 * would cost several times the work.) */
static Py_ssize_t
skip_plain(const Text *t, Py_ssize_t q)
{
    switch (t->kind) {
    case PyUnicode_1BYTE_KIND:
        SKIP_PLAIN(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        SKIP_PLAIN(Py_UCS2);
        break;
    default:
        SKIP_PLAIN(Py_UCS4);
        break;
    }
    return q;
}

/* Occurrence(file, line, column, kind), without running the dataclass's generated __init__ (a
 * Python frame per URL, a third of this module's time): object.__new__ and the four attributes it
 * would set, in its order. models.Occurrence is a plain dataclass with no __post_init__; the
 * tests compare what both routes build. */
static PyObject *str_file, *str_line, *str_column, *str_kind, *empty_tuple;

static PyObject *
new_occurrence(PyTypeObject *type, PyObject *file, Py_ssize_t line, Py_ssize_t column, PyObject *kind)
{
    PyObject *occ = type->tp_new(type, empty_tuple, NULL);
    if (occ == NULL)
        return NULL;
    PyObject *line_obj = PyLong_FromSsize_t(line);
    PyObject *column_obj = PyLong_FromSsize_t(column);
    if (line_obj == NULL || column_obj == NULL || PyObject_SetAttr(occ, str_file, file) < 0
        || PyObject_SetAttr(occ, str_line, line_obj) < 0 || PyObject_SetAttr(occ, str_column, column_obj) < 0
        || PyObject_SetAttr(occ, str_kind, kind) < 0) {
        Py_XDECREF(line_obj);
        Py_XDECREF(column_obj);
        Py_DECREF(occ);
        return NULL;
    }
    Py_DECREF(line_obj);
    Py_DECREF(column_obj);
    return occ;
}

/* bare_prose(text, pos, end, line, offset, ls_from, ls, file, out, occurrence, kind)
 *   -> (q, line, offset, ls_from, ls)
 *
 * The scanner state (line, offset, ls_from, ls) is _Scanner's, passed in and handed back. q is the
 * position Python must look at with `_MASTER.match`, or -1 when no match starts before `end`.
 */
static PyObject *
bare_prose(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "bare_prose() takes 11 arguments");
        return NULL;
    }
    PyObject *text = args[0];
    if (!PyUnicode_Check(text) || !PyList_Check(args[8]) || !PyType_Check(args[9])) {
        PyErr_SetString(PyExc_TypeError, "bare_prose(): text must be str, out a list, occurrence a type");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    Py_ssize_t end = PyLong_AsSsize_t(args[2]);
    Py_ssize_t line = PyLong_AsSsize_t(args[3]);
    Py_ssize_t offset = PyLong_AsSsize_t(args[4]);
    Py_ssize_t ls_from = PyLong_AsSsize_t(args[5]);
    Py_ssize_t ls = PyLong_AsSsize_t(args[6]);
    if (PyErr_Occurred())
        return NULL;
    PyObject *file = args[7], *out = args[8], *occurrence = args[9], *kind = args[10];

    Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    if (end < t.end)
        t.end = end;
    if (pos < 0)
        pos = 0;

    Py_ssize_t q = pos, stop = -1;
    while (q < t.end) {
        q = skip_plain(&t, q);
        if (q >= t.end)
            break;
        Py_UCS4 c = AT(&t, q);
        if (c != 'h' && c != 'f' && c != 'w') {
            if (c < 0x80 && other_may_start(&t, q, c)) {
                stop = q;
                break;
            }
            q++;
            continue;
        }
        if (c == 'h' && other_may_start(&t, q, c)) { /* href */
            stop = q;
            break;
        }
        int ascii = 1;
        Py_ssize_t r = bare_match_end(&t, q, &ascii);
        if (r < 0) {
            q++;
            continue;
        }
        /* _Scanner.prose: the start of q's line, through the same forward cache */
        Py_ssize_t line_start;
        if (q >= ls_from) {
            for (Py_ssize_t j = q - 1; j >= ls_from; j--) {
                if (AT(&t, j) == '\n') {
                    ls = j + 1;
                    break;
                }
            }
            ls_from = q;
            line_start = ls;
        }
        else {
            line_start = 0;
            for (Py_ssize_t j = q - 1; j >= 0; j--) {
                if (AT(&t, j) == '\n') {
                    line_start = j + 1;
                    break;
                }
            }
        }
        Py_UCS4 lead = AT(&t, line_start);
        if (!ascii || lead == ' ' || lead == '\t' || maybe_trim(AT(&t, r - 1))) {
            stop = q; /* CJK rules, trimming or a possibly indented code block: Python's part */
            break;
        }
        /* emit(): the line number by counting newlines from the last emitted offset */
        for (Py_ssize_t j = offset; j < q; j++) /* text.count("\n", offset, q), as prose() */
            line += AT(&t, j) == '\n';
        offset = q;
        PyObject *url = PyUnicode_Substring(text, q, r);
        if (url == NULL)
            return NULL;
        PyObject *occ = new_occurrence((PyTypeObject *)occurrence, file, line, q - line_start + 1, kind);
        if (occ == NULL) {
            Py_DECREF(url);
            return NULL;
        }
        PyObject *pair = PyTuple_Pack(2, url, occ);
        Py_DECREF(url);
        Py_DECREF(occ);
        if (pair == NULL)
            return NULL;
        int failed = PyList_Append(out, pair);
        Py_DECREF(pair);
        if (failed)
            return NULL;
        q = r; /* pos += len(url): nothing was cut off */
    }
    return Py_BuildValue("nnnnn", stop, line, offset, ls_from, ls);
}

/* ------------------------------------------------------------------------------------------ */
/* simple_url                                                                                  */

/* (https?)://([a-z0-9](?:[a-z0-9.\-]*[a-z])?)(/[A-Za-z0-9\-._~/!$'()*+,;=:@]*)?(?:#.*)?  fullmatch,
 * re.S. Returns (scheme, host, path or None) or None. */
static inline int
is_host_char(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static inline int
is_simple_path_char(Py_UCS4 c)
{
    if (c >= 0x80)
        return 0;
    if (is_ascii_alnum(c))
        return 1;
    switch (c) {
    case '-': case '.': case '_': case '~': case '/': case '!': case '$': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case ':': case '@':
        return 1;
    default:
        return 0;
    }
}

static PyObject *
simple_url(PyObject *module, PyObject *url)
{
    if (!PyUnicode_Check(url)) {
        PyErr_SetString(PyExc_TypeError, "simple_url() takes a str");
        return NULL;
    }
    Text t = {PyUnicode_KIND(url), PyUnicode_DATA(url), PyUnicode_GET_LENGTH(url)};
    Py_ssize_t i;
    if (starts_with(&t, 0, "https://"))
        i = 8;
    else if (starts_with(&t, 0, "http://"))
        i = 7;
    else
        Py_RETURN_NONE;
    Py_ssize_t host_start = i;
    /* [a-z0-9](?:[a-z0-9.\-]*[a-z])? : the longest run of host characters, then back off to
     * its last letter (the group must end in [a-z] unless it is one [a-z0-9] character) */
    while (i < t.end && is_host_char(AT(&t, i)))
        i++;
    Py_ssize_t run = i;
    if (run == host_start)
        Py_RETURN_NONE;
    Py_UCS4 first = AT(&t, host_start);
    if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9')))
        Py_RETURN_NONE;
    /* What follows the host must be '/', '#' or the end. The host can only end before `run` if a
     * '/' or '#' sits there, and inside the run there is none: so the host is the whole run. */
    Py_ssize_t host_end = run;
    if (host_end - host_start > 1) {
        Py_UCS4 last = AT(&t, host_end - 1);
        if (!(last >= 'a' && last <= 'z'))
            Py_RETURN_NONE;
    }
    Py_ssize_t path_start = -1, path_end = -1;
    i = host_end;
    if (i < t.end && AT(&t, i) == '/') {
        path_start = i;
        while (i < t.end && is_simple_path_char(AT(&t, i)))
            i++;
        path_end = i;
    }
    if (i < t.end && AT(&t, i) != '#')
        Py_RETURN_NONE;
    PyObject *scheme = PyUnicode_FromString(host_start == 8 ? "https" : "http");
    PyObject *host = PyUnicode_Substring(url, host_start, host_end);
    PyObject *path = path_start >= 0 ? PyUnicode_Substring(url, path_start, path_end) : Py_NewRef(Py_None);
    if (scheme == NULL || host == NULL || path == NULL) {
        Py_XDECREF(scheme);
        Py_XDECREF(host);
        Py_XDECREF(path);
        return NULL;
    }
    PyObject *result = PyTuple_Pack(3, scheme, host, path);
    Py_DECREF(scheme);
    Py_DECREF(host);
    Py_DECREF(path);
    return result;
}

/* ------------------------------------------------------------------------------------------ */

static PyMethodDef speedups_methods[] = {
    {"bare_prose", (PyCFunction)(void (*)(void))bare_prose, METH_FASTCALL,
     "Emit the plain bare URLs of prose; return where Python must look next."},
    {"simple_url", simple_url, METH_O, "The _SIMPLE fullmatch of canonical.py: (scheme, host, path) or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "linkcheck._speedups", "Native fast paths of linkcheck scan.", -1, speedups_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    str_file = PyUnicode_InternFromString("file");
    str_line = PyUnicode_InternFromString("line");
    str_column = PyUnicode_InternFromString("column");
    str_kind = PyUnicode_InternFromString("kind");
    empty_tuple = PyTuple_New(0);
    if (str_file == NULL || str_line == NULL || str_column == NULL || str_kind == NULL || empty_tuple == NULL)
        return NULL;
    return PyModule_Create(&speedups_module);
}
