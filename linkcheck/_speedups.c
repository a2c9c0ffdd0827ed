/* Optional native speed-ups for `linkcheck scan` (see linkcheck/extract.py, "Native fast path").
 *
 * The Python code stays the definition of every rule. What lives here does only what is provably
 * the same as a piece of it, for the common case, and hands everything else back:
 *
 *   bare_prose(...)  walks prose the way `_MASTER.search` would, emits the plain bare URLs
 *                    (ASCII, nothing to trim, on a line that is not indented) and plain images
 *                    itself and passes over inline code spans that hold no URL; at the first
 *                    position where anything else may start ([, <, href, src, another image, a bare
 *                    URL that needs the CJK or trimming rules, a code span with a URL or on an
 *                    indented line) it stops and returns that position.
 *   simple_url(url)  the `_SIMPLE` fullmatch of linkcheck/canonical.py: (scheme, host, path) or
 *                    None.
 *   merge(...)       collect._merge_python, with canonicalize()'s fast paths inlined.
 *   fence_starts(t)  extract._fence_starts in one pass.
 *   bytes_replace    bytes.replace for cli_json's line breaks between objects.
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

/* An instance of a plain dataclass without running its generated __init__ (a Python frame per
 * object, a third of this module's time): object.__new__, then the attributes __init__ would set,
 * in its order (the order of __dict__, and so of the JSON keys). models.Occurrence and models.Link
 * are plain dataclasses with no __post_init__; the tests compare what both routes build. */
static PyObject *str_file, *str_line, *str_column, *str_kind, *empty_tuple;
static PyObject *str_url, *str_canonical, *str_host, *str_checkable, *str_skip_reason, *str_occurrences;
static PyObject *str_force_https, *str_http_prefix, *str_www, *str_slash, *str_site_relative;

static PyObject *
new_plain(PyTypeObject *type, int n, PyObject *const *names, PyObject *const *values)
{
    PyObject *obj = type->tp_new(type, empty_tuple, NULL);
    if (obj == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (PyObject_SetAttr(obj, names[i], values[i]) < 0) {
            Py_DECREF(obj);
            return NULL;
        }
    }
    return obj;
}

static PyObject *
new_occurrence(PyTypeObject *type, PyObject *file, Py_ssize_t line, Py_ssize_t column, PyObject *kind)
{
    PyObject *line_obj = PyLong_FromSsize_t(line);
    PyObject *column_obj = PyLong_FromSsize_t(column);
    PyObject *occ = NULL;
    if (line_obj != NULL && column_obj != NULL) {
        PyObject *names[] = {str_file, str_line, str_column, str_kind};
        PyObject *values[] = {file, line_obj, column_obj, kind};
        occ = new_plain(type, 4, names, values);
    }
    Py_XDECREF(line_obj);
    Py_XDECREF(column_obj);
    return occ;
}

/* The start of q's line, through _Scanner's forward cache (ls: the start of ls_from's line). */
static inline Py_ssize_t
line_start_of(const Text *t, Py_ssize_t q, Py_ssize_t *ls_from, Py_ssize_t *ls)
{
    if (q >= *ls_from) {
        for (Py_ssize_t j = q - 1; j >= *ls_from; j--) {
            if (AT(t, j) == '\n') {
                *ls = j + 1;
                break;
            }
        }
        *ls_from = q;
        return *ls;
    }
    for (Py_ssize_t j = q - 1; j >= 0; j--) {
        if (AT(t, j) == '\n')
            return j + 1;
    }
    return 0;
}

/* _BLANK_LINE (\n[ \t\r]*\n) anywhere in [from, to)? */
static int
has_blank_line(const Text *t, Py_ssize_t from, Py_ssize_t to)
{
    for (Py_ssize_t i = from; i < to; i++) {
        if (AT(t, i) != '\n')
            continue;
        Py_ssize_t j = i + 1;
        while (j < to && (AT(t, j) == ' ' || AT(t, j) == '\t' || AT(t, j) == '\r'))
            j++;
        if (j < to && AT(t, j) == '\n')
            return 1;
    }
    return 0;
}

/* _Scanner._code_span for the backtick run at q: where scanning resumes, or -1 when the span
 * holds a bare URL (reported with kind ``code`` by Python). */
static Py_ssize_t
code_span_resume(const Text *t, Py_ssize_t q)
{
    Py_ssize_t opener_end = q + 1;
    while (opener_end < t->end && AT(t, opener_end) == '`')
        opener_end++;
    Py_ssize_t n = opener_end - q;
    /* The closer, (?<!`)`{n}(?!`): a run of exactly n backticks (cut at the end of the search)
     * that does not continue the opener. */
    Py_ssize_t p = opener_end, closer_start = -1, closer_end = -1;
    while (p < t->end) {
        if (AT(t, p) != '`') {
            p++;
            continue;
        }
        Py_ssize_t run_start = p;
        while (p < t->end && AT(t, p) == '`')
            p++;
        if (p - run_start == n && AT(t, run_start - 1) != '`') {
            closer_start = run_start;
            closer_end = p;
            break;
        }
    }
    if (closer_start < 0 || has_blank_line(t, opener_end, closer_start))
        return opener_end; /* a literal backtick run */
    Text span = *t;
    span.end = closer_start;
    for (Py_ssize_t i = opener_end; i < closer_start; i++) {
        Py_UCS4 c = AT(t, i);
        int ascii = 1;
        if ((c == 'h' || c == 'f' || c == 'w') && bare_match_end(&span, i, &ascii) >= 0)
            return -1;
    }
    return closer_end;
}

/* _SCHEME = [A-Za-z][A-Za-z0-9+.\-]*: at the start of [from, to)? */
static int
has_scheme(const Text *t, Py_ssize_t from, Py_ssize_t to)
{
    if (from >= to || !is_ascii_letter(AT(t, from)))
        return 0;
    for (Py_ssize_t i = from + 1; i < to; i++) {
        Py_UCS4 c = AT(t, i);
        if (c == ':')
            return 1;
        if (!(is_ascii_alnum(c) || c == '+' || c == '.' || c == '-'))
            return 0;
    }
    return 0;
}

/* A plain image at q, ``![alt](dest)``: alt without brackets or a newline, dest printable ASCII
 * without spaces, parentheses, a backslash or a leading '<', closed at once by ')'. For those the
 * image alternative of _MASTER matches with exactly that dest (nothing to backtrack into), and
 * _Scanner.prose emits it when it is a URL destination. Returns the end of the match, with the
 * dest's span in *dest_start and *dest_end; -1 for anything else (Python's part). */
static Py_ssize_t
simple_image(const Text *t, Py_ssize_t q, Py_ssize_t *dest_start, Py_ssize_t *dest_end)
{
    Py_ssize_t i = q + 2; /* after "![" */
    while (i < t->end) {
        Py_UCS4 c = AT(t, i);
        if (c == ']')
            break;
        if (c == '[' || c == '\n')
            return -1;
        i++;
    }
    if (i + 1 >= t->end || AT(t, i + 1) != '(')
        return -1;
    Py_ssize_t d = i + 2, j = d;
    while (j < t->end) {
        Py_UCS4 c = AT(t, j);
        if (c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '\\' || (j == d && c == '<'))
            break;
        j++;
    }
    if (j >= t->end || AT(t, j) != ')')
        return -1;
    *dest_start = d;
    *dest_end = j;
    return j + 1;
}

/* emit() of _Scanner: (url, Occurrence(file, line, column, kind)) appended to out. */
static int
emit(PyObject *text, const Text *t, Py_ssize_t start, Py_ssize_t end, Py_ssize_t *line, Py_ssize_t *offset,
     Py_ssize_t line_start, PyObject *file, PyObject *out, PyObject *occurrence, PyObject *kind)
{
    for (Py_ssize_t j = *offset; j < start; j++) /* text.count("\n", offset, start) */
        *line += AT(t, j) == '\n';
    *offset = start;
    PyObject *url = PyUnicode_Substring(text, start, end);
    if (url == NULL)
        return -1;
    PyObject *occ = new_occurrence((PyTypeObject *)occurrence, file, *line, start - line_start + 1, kind);
    if (occ == NULL) {
        Py_DECREF(url);
        return -1;
    }
    PyObject *pair = PyTuple_Pack(2, url, occ);
    Py_DECREF(url);
    Py_DECREF(occ);
    if (pair == NULL)
        return -1;
    int failed = PyList_Append(out, pair);
    Py_DECREF(pair);
    return failed;
}

/* bare_prose(text, pos, end, line, offset, ls_from, ls, file, out, occurrence, kind, image_kind)
 *   -> (q, line, offset, ls_from, ls)
 *
 * The scanner state (line, offset, ls_from, ls) is _Scanner's, passed in and handed back. q is the
 * position Python must look at with `_MASTER.match`, or -1 when no match starts before `end`.
 */
static PyObject *
bare_prose(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 12) {
        PyErr_SetString(PyExc_TypeError, "bare_prose() takes 12 arguments");
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
    PyObject *file = args[7], *out = args[8], *occurrence = args[9], *kind = args[10], *image_kind = args[11];

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
        if (c == '`') { /* an inline code span, on a line that is not indented: _Scanner._code_span */
            Py_UCS4 lead = AT(&t, line_start_of(&t, q, &ls_from, &ls));
            Py_ssize_t resume = lead == ' ' || lead == '\t' ? -1 : code_span_resume(&t, q);
            if (resume < 0) {
                stop = q;
                break;
            }
            q = resume;
            continue;
        }
        if (c == '!' && q + 1 < t.end && AT(&t, q + 1) == '[') { /* an image: _Scanner.prose, dest() */
            Py_ssize_t line_start = line_start_of(&t, q, &ls_from, &ls);
            Py_UCS4 lead = AT(&t, line_start);
            Py_ssize_t dest_start, dest_end;
            Py_ssize_t resume = lead == ' ' || lead == '\t' ? -1 : simple_image(&t, q, &dest_start, &dest_end);
            if (resume < 0) {
                stop = q;
                break;
            }
            /* _is_url_dest: site-relative or with a scheme (an empty dest is not one) */
            if (dest_end > dest_start && (AT(&t, dest_start) == '/' || has_scheme(&t, dest_start, dest_end))) {
                line_start = line_start_of(&t, dest_start, &ls_from, &ls); /* the same line */
                if (emit(text, &t, dest_start, dest_end, &line, &offset, line_start, file, out, occurrence,
                         image_kind) < 0)
                    return NULL;
            }
            q = resume;
            continue;
        }
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
        Py_ssize_t line_start = line_start_of(&t, q, &ls_from, &ls);
        Py_UCS4 lead = AT(&t, line_start);
        if (!ascii || lead == ' ' || lead == '\t' || maybe_trim(AT(&t, r - 1))) {
            stop = q; /* CJK rules, trimming or a possibly indented code block: Python's part */
            break;
        }
        if (emit(text, &t, q, r, &line, &offset, line_start, file, out, occurrence, kind) < 0)
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

typedef struct {
    int https;
    Py_ssize_t host_start, host_end, path_start, path_end; /* path_start -1: no path */
} SimpleParts;

/* The _SIMPLE fullmatch; 0 when it does not match. */
static int
parse_simple(PyObject *url, SimpleParts *p)
{
    Text t = {PyUnicode_KIND(url), PyUnicode_DATA(url), PyUnicode_GET_LENGTH(url)};
    Py_ssize_t i;
    if (starts_with(&t, 0, "https://"))
        i = 8;
    else if (starts_with(&t, 0, "http://"))
        i = 7;
    else
        return 0;
    p->https = i == 8;
    p->host_start = i;
    /* [a-z0-9](?:[a-z0-9.\-]*[a-z])? then '/', '#' or the end: none of those is a host character,
     * so the host is the whole run of host characters, and must end in a letter when longer than
     * one character. */
    while (i < t.end && is_host_char(AT(&t, i)))
        i++;
    p->host_end = i;
    if (i == p->host_start)
        return 0;
    Py_UCS4 first = AT(&t, p->host_start);
    if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9')))
        return 0;
    if (i - p->host_start > 1) {
        Py_UCS4 last = AT(&t, i - 1);
        if (!(last >= 'a' && last <= 'z'))
            return 0;
    }
    p->path_start = p->path_end = -1;
    if (i < t.end && AT(&t, i) == '/') {
        p->path_start = i;
        while (i < t.end && is_simple_path_char(AT(&t, i)))
            i++;
        p->path_end = i;
    }
    return i == t.end || AT(&t, i) == '#';
}

static PyObject *
simple_url(PyObject *module, PyObject *url)
{
    if (!PyUnicode_Check(url)) {
        PyErr_SetString(PyExc_TypeError, "simple_url() takes a str");
        return NULL;
    }
    SimpleParts p;
    if (!parse_simple(url, &p))
        Py_RETURN_NONE;
    PyObject *scheme = PyUnicode_FromString(p.https ? "https" : "http");
    PyObject *host = PyUnicode_Substring(url, p.host_start, p.host_end);
    PyObject *path = p.path_start >= 0 ? PyUnicode_Substring(url, p.path_start, p.path_end) : Py_NewRef(Py_None);
    PyObject *result = NULL;
    if (scheme != NULL && host != NULL && path != NULL)
        result = PyTuple_Pack(3, scheme, host, path);
    Py_XDECREF(scheme);
    Py_XDECREF(host);
    Py_XDECREF(path);
    return result;
}

/* A new ASCII str: the concatenation of up to three ASCII pieces (str slices or C strings). */
static PyObject *
ascii_concat(const char *prefix, PyObject *a, Py_ssize_t a_start, Py_ssize_t a_end, PyObject *b, Py_ssize_t b_start,
             Py_ssize_t b_end)
{
    Py_ssize_t prefix_len = (Py_ssize_t)strlen(prefix);
    Py_ssize_t a_len = a_end - a_start, b_len = b == NULL ? 0 : b_end - b_start;
    PyObject *out = PyUnicode_New(prefix_len + a_len + b_len, 127);
    if (out == NULL)
        return NULL;
    Py_UCS1 *d = PyUnicode_1BYTE_DATA(out);
    memcpy(d, prefix, (size_t)prefix_len);
    /* the pieces are ASCII (checked by the callers' parsers), so 1-byte strings */
    memcpy(d + prefix_len, PyUnicode_1BYTE_DATA(a) + a_start, (size_t)a_len);
    if (b_len)
        memcpy(d + prefix_len + a_len, PyUnicode_1BYTE_DATA(b) + b_start, (size_t)b_len);
    return out;
}

/* The site profile of a host: profile_for(host), memoised in the `profiles` dict. Borrowed. */
static PyObject *
profile_of(PyObject *host, PyObject *profile_for, PyObject *profiles)
{
    PyObject *profile = PyDict_GetItemWithError(profiles, host);
    if (profile != NULL || PyErr_Occurred())
        return profile;
    profile = PyObject_CallOneArg(profile_for, host);
    if (profile == NULL)
        return NULL;
    int failed = PyDict_SetItem(profiles, host, profile);
    Py_DECREF(profile); /* the dict holds it */
    return failed ? NULL : profile;
}

/* What canonicalize() gives, for the Link: new references in *canonical and *host. */
typedef struct {
    PyObject *canonical, *host, *checkable, *skip_reason; /* the last two borrowed */
} Canon;

/* canonicalize()'s fast paths (canonical.py). 1: filled; 0: not a URL they take whole (Python
 * decides); -1: error. */
static int
fast_canonical(PyObject *url, int site_relative_fast, PyObject *profile_for, PyObject *profiles, Canon *out)
{
    if (!PyUnicode_IS_ASCII(url))
        return 0; /* both fast paths take ASCII only */
    Py_ssize_t n = PyUnicode_GET_LENGTH(url);
    const Py_UCS1 *d = PyUnicode_1BYTE_DATA(url);
    if (n && d[0] == '/') {
        /* _SIMPLE_RELATIVE, with no site URL: /(?!/)[path chars]*(?:#.*)? -> itself, fragment dropped */
        if (!site_relative_fast || (n > 1 && d[1] == '/'))
            return 0;
        Py_ssize_t i = 1;
        while (i < n && is_simple_path_char(d[i]))
            i++;
        if (i < n && d[i] != '#')
            return 0;
        out->canonical = PyUnicode_Substring(url, 0, i);
        out->host = PyUnicode_New(0, 127);
        out->checkable = Py_False;
        out->skip_reason = str_site_relative;
        if (out->canonical == NULL || out->host == NULL) {
            Py_CLEAR(out->canonical);
            Py_CLEAR(out->host);
            return -1;
        }
        return 1;
    }
    SimpleParts p;
    if (!parse_simple(url, &p))
        return 0;
    for (Py_ssize_t i = p.host_start; i + 9 <= p.host_end; i++) {
        if (memcmp(d + i, "localhost", 9) == 0)
            return 0; /* "localhost" names take the general path */
    }
    PyObject *host = PyUnicode_Substring(url, p.host_start, p.host_end);
    if (host == NULL)
        return -1;
    PyObject *profile = profile_of(host, profile_for, profiles);
    if (profile == NULL) {
        Py_DECREF(host);
        return -1;
    }
    PyObject *force = PyObject_GetAttr(profile, str_force_https);
    int https = force == NULL ? -1 : PyObject_IsTrue(force);
    Py_XDECREF(force);
    if (https < 0) {
        Py_DECREF(host);
        return -1;
    }
    https = https || p.https;
    Py_ssize_t path_len = p.path_start < 0 ? 0 : p.path_end - p.path_start;
    if (path_len > 1 && d[p.path_end - 1] == '/') {
        /* a trailing slash the site's canonical rules may strip: Python's part */
        PyObject *rules = PyObject_GetAttr(profile, str_canonical);
        int has_rules = rules == NULL ? -1 : PyObject_IsTrue(rules);
        Py_XDECREF(rules);
        if (has_rules != 0) {
            Py_DECREF(host);
            return has_rules < 0 ? -1 : 0;
        }
    }
    /* f"{scheme}://{host}{path}", the path "/" when there is none */
    out->canonical = path_len ? ascii_concat(https ? "https://" : "http://", url, p.host_start, p.host_end, url,
                                             p.path_start, p.path_end)
                              : ascii_concat(https ? "https://" : "http://", url, p.host_start, p.host_end, str_slash,
                                             0, 1);
    if (out->canonical == NULL) {
        Py_DECREF(host);
        return -1;
    }
    out->host = host;
    out->checkable = Py_True;
    out->skip_reason = Py_None;
    return 1;
}

static int
append_occurrence(PyObject *link, PyObject *occ)
{
    PyObject *occurrences = PyObject_GetAttr(link, str_occurrences);
    if (occurrences == NULL)
        return -1;
    int failed = PyList_Append(occurrences, occ);
    Py_DECREF(occurrences);
    return failed;
}

/* merge(pairs, by_url, by_canonical, site_url, canonicalize, profile_for, profiles, link_type)
 *
 * collect._merge_python in C: each (url, occurrence) joins the Link of its canonical form, a new
 * Link for a new form. canonicalize(url, site_url) is called for what fast_canonical does not take;
 * `profiles` memoises profile_for.
 */
static PyObject *
merge(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "merge() takes 8 arguments");
        return NULL;
    }
    PyObject *pairs = args[0], *by_url = args[1], *by_canonical = args[2], *site_url = args[3];
    PyObject *canonicalize = args[4], *profile_for = args[5], *profiles = args[6], *link_type = args[7];
    if (!PyList_Check(pairs) || !PyDict_Check(by_url) || !PyDict_Check(by_canonical) || !PyDict_Check(profiles)
        || !PyType_Check(link_type)) {
        PyErr_SetString(PyExc_TypeError, "merge(): wrong argument types");
        return NULL;
    }
    int site_relative_fast = site_url == Py_None;
    for (Py_ssize_t n = 0; n < PyList_GET_SIZE(pairs); n++) {
        PyObject *pair = PyList_GET_ITEM(pairs, n);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0))) {
            PyErr_SetString(PyExc_TypeError, "merge(): pairs must be (str, occurrence) tuples");
            return NULL;
        }
        PyObject *url = PyTuple_GET_ITEM(pair, 0), *occ = PyTuple_GET_ITEM(pair, 1);
        PyObject *link = PyDict_GetItemWithError(by_url, url); /* borrowed */
        if (link != NULL) {
            if (append_occurrence(link, occ) < 0)
                return NULL;
            continue;
        }
        if (PyErr_Occurred())
            return NULL;
        /* ``www.``-style bare URLs are canonicalised as http://www.… */
        Py_ssize_t www = PyUnicode_Tailmatch(url, str_www, 0, PY_SSIZE_T_MAX, -1);
        if (www < 0)
            return NULL;
        PyObject *full = www ? PyUnicode_Concat(str_http_prefix, url) : Py_NewRef(url);
        if (full == NULL)
            return NULL;
        Canon canon = {NULL, NULL, NULL, NULL};
        PyObject *general = NULL; /* canonicalize()'s Canonical, when it decided */
        int fast = fast_canonical(full, site_relative_fast, profile_for, profiles, &canon);
        if (fast == 0) {
            general = PyObject_CallFunctionObjArgs(canonicalize, full, site_url, NULL);
            if (general != NULL && (!PyTuple_Check(general) || PyTuple_GET_SIZE(general) != 5)) {
                PyErr_SetString(PyExc_TypeError, "merge(): canonicalize must return a Canonical");
                Py_CLEAR(general);
            }
            if (general != NULL) {
                canon.canonical = Py_NewRef(PyTuple_GET_ITEM(general, 0));
                canon.host = Py_NewRef(PyTuple_GET_ITEM(general, 1));
                canon.checkable = PyTuple_GET_ITEM(general, 2);
                canon.skip_reason = PyTuple_GET_ITEM(general, 3);
            }
        }
        Py_DECREF(full);
        if (canon.canonical == NULL) {
            Py_XDECREF(general);
            return NULL;
        }
        PyObject *key = canon.canonical;
        int failed = 0;
        link = PyDict_GetItemWithError(by_canonical, key); /* borrowed */
        if (link != NULL) {
            Py_INCREF(link);
            failed = append_occurrence(link, occ) < 0;
        }
        else if (PyErr_Occurred()) {
            failed = 1;
        }
        else {
            PyObject *occurrences = PyList_New(1);
            if (occurrences == NULL) {
                failed = 1;
            }
            else {
                PyList_SET_ITEM(occurrences, 0, Py_NewRef(occ));
                PyObject *names[] = {str_url, str_canonical, str_host, str_checkable, str_skip_reason, str_occurrences};
                PyObject *values[] = {url, key, canon.host, canon.checkable, canon.skip_reason, occurrences};
                link = new_plain((PyTypeObject *)link_type, 6, names, values);
                Py_DECREF(occurrences);
                failed = link == NULL || PyDict_SetItem(by_canonical, key, link) < 0;
            }
        }
        Py_DECREF(canon.canonical);
        Py_DECREF(canon.host);
        Py_XDECREF(general); /* after: checkable and skip_reason were borrowed from it */
        if (!failed)
            failed = PyDict_SetItem(by_url, url, link) < 0;
        Py_XDECREF(link);
        if (failed)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------------------------ */
/* fence_starts                                                                                */

#define FENCE_SCAN(T)                                                                          \
    do {                                                                                       \
        const T *d = (const T *)PyUnicode_DATA(text);                                          \
        for (Py_ssize_t i = 0; i + 2 < n; i += 3) {                                            \
            /* a run starting at i, i+1 or i+2 covers i+2: look there first */                 \
            if (d[i + 2] != '`' && d[i + 2] != '~')                                            \
                continue;                                                                      \
            for (Py_ssize_t j = i; j <= i + 2 && j + 2 < n; j++) {                             \
                T c = d[j];                                                                    \
                if ((c == '`' || c == '~') && d[j + 1] == c && d[j + 2] == c) {                \
                    PyObject *at = PyLong_FromSsize_t(j);                                      \
                    if (at == NULL || PyList_Append(found, at) < 0) {                          \
                        Py_XDECREF(at);                                                        \
                        Py_DECREF(found);                                                      \
                        return NULL;                                                           \
                    }                                                                          \
                    Py_DECREF(at);                                                             \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    } while (0)

/* extract._fence_starts: every offset where ``` or ~~~ starts, overlapping runs included. */
static PyObject *
fence_starts(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "fence_starts() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *found = PyList_New(0);
    if (found == NULL)
        return NULL;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        FENCE_SCAN(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        FENCE_SCAN(Py_UCS2);
        break;
    default:
        FENCE_SCAN(Py_UCS4);
        break;
    }
    return found;
}

/* ------------------------------------------------------------------------------------------ */
/* bytes_replace                                                                               */

/* data.replace(old, new) for bytes. CPython's replace runs a fresh two-way search (needle
 * preprocessing included) for every occurrence in a long haystack; the JSON report has one per
 * link, and that cost a twentieth of a whole scan. Here: memchr for the first byte, memcmp. */
static PyObject *
bytes_replace(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[1]) || !PyBytes_Check(args[2])
        || PyBytes_GET_SIZE(args[1]) == 0) {
        PyErr_SetString(PyExc_TypeError, "bytes_replace(data, old, new): three bytes, old not empty");
        return NULL;
    }
    const char *data = PyBytes_AS_STRING(args[0]), *old = PyBytes_AS_STRING(args[1]);
    const char *repl = PyBytes_AS_STRING(args[2]);
    Py_ssize_t n = PyBytes_GET_SIZE(args[0]), m = PyBytes_GET_SIZE(args[1]), r = PyBytes_GET_SIZE(args[2]);
    /* first pass: count (non-overlapping, left to right, as bytes.replace) */
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i + m <= n;) {
        const char *hit = memchr(data + i, old[0], (size_t)(n - m + 1 - i));
        if (hit == NULL)
            break;
        i = hit - data;
        if (memcmp(hit, old, (size_t)m) == 0) {
            count++;
            i += m;
        }
        else {
            i++;
        }
    }
    if (count == 0)
        return Py_NewRef(args[0]);
    if (r > m && count > (PY_SSIZE_T_MAX - n) / (r - m)) {
        PyErr_NoMemory();
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, n + count * (r - m));
    if (out == NULL)
        return NULL;
    char *dst = PyBytes_AS_STRING(out);
    Py_ssize_t i = 0, copied = 0;
    while (i + m <= n) {
        const char *hit = memchr(data + i, old[0], (size_t)(n - m + 1 - i));
        if (hit == NULL)
            break;
        i = hit - data;
        if (memcmp(hit, old, (size_t)m) == 0) {
            memcpy(dst, data + copied, (size_t)(i - copied));
            dst += i - copied;
            memcpy(dst, repl, (size_t)r);
            dst += r;
            i += m;
            copied = i;
        }
        else {
            i++;
        }
    }
    memcpy(dst, data + copied, (size_t)(n - copied));
    return out;
}

/* ------------------------------------------------------------------------------------------ */

static PyMethodDef speedups_methods[] = {
    {"bare_prose", (PyCFunction)(void (*)(void))bare_prose, METH_FASTCALL,
     "Emit the plain bare URLs of prose; return where Python must look next."},
    {"simple_url", simple_url, METH_O, "The _SIMPLE fullmatch of canonical.py: (scheme, host, path) or None."},
    {"bytes_replace", (PyCFunction)(void (*)(void))bytes_replace, METH_FASTCALL,
     "bytes.replace(data, old, new) with one memchr/memcmp pass per occurrence."},
    {"fence_starts", fence_starts, METH_O, "extract._fence_starts: offsets where ``` or ~~~ starts."},
    {"merge", (PyCFunction)(void (*)(void))merge, METH_FASTCALL,
     "collect._merge_python: join (url, occurrence) pairs into Links by canonical form."},
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
    str_url = PyUnicode_InternFromString("url");
    str_canonical = PyUnicode_InternFromString("canonical");
    str_host = PyUnicode_InternFromString("host");
    str_checkable = PyUnicode_InternFromString("checkable");
    str_skip_reason = PyUnicode_InternFromString("skip_reason");
    str_occurrences = PyUnicode_InternFromString("occurrences");
    str_force_https = PyUnicode_InternFromString("force_https");
    str_slash = PyUnicode_InternFromString("/");
    str_site_relative = PyUnicode_InternFromString("site-relative");
    str_http_prefix = PyUnicode_InternFromString("http://");
    str_www = PyUnicode_InternFromString("www.");
    empty_tuple = PyTuple_New(0);
    if (str_file == NULL || str_line == NULL || str_column == NULL || str_kind == NULL || str_url == NULL
        || str_canonical == NULL || str_host == NULL || str_checkable == NULL || str_skip_reason == NULL
        || str_occurrences == NULL || str_force_https == NULL || str_slash == NULL || str_site_relative == NULL || str_http_prefix == NULL
        || str_www == NULL || empty_tuple == NULL)
        return NULL;
    return PyModule_Create(&speedups_module);
}
