/* Hands documents to rego-cpp node by node and queries each, in C.
 *
 * scanner.engines.regopy_native does the same through ctypes, where each of the hundred-odd calls
 * a repository's document needs costs half a microsecond of argument conversion. evaluate() takes
 * a batch: it walks every document into a flat list of pushes while it holds the GIL (a few
 * microseconds each), then releases the GIL once and, for each document, replays the pushes into
 * rego-cpp (whose node building is the costly part) and runs the query. Releasing the GIL per
 * call instead had two worker threads spend a fifth of their time handing it to each other.
 *
 * The rules are those of the ctypes path, and the tests hold both to them against the parser
 * (tests/test_rego_native.py):
 *   - every string, keys included, is pushed as json.dumps(s, ensure_ascii=False) spells it
 *     between its quotes, which is how rego-cpp's parser keeps strings;
 *   - only exact dict, list, str, int (within int64), bool and None are pushed; a document with
 *     anything else (floats, big integers, subclasses, non-string keys, lone surrogates) gets no
 *     answer here, and the caller parses it from JSON text instead.
 *
 * The rego-cpp functions are not linked: bind() receives their addresses from regopy's own
 * handle on librego_shared, so this module always calls the library regopy loaded.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef uint_least32_t regoEnum;
typedef uint_least32_t regoSize;
typedef uint_least8_t regoBoolean;
typedef int_least64_t regoInt;
#define REGO_OK 0

static struct {
    void *(*NewInput)(void);
    regoEnum (*InputString)(void *, const char *);
    regoEnum (*InputInt)(void *, regoInt);
    regoEnum (*InputBoolean)(void *, regoBoolean);
    regoEnum (*InputNull)(void *);
    regoEnum (*InputObjectItem)(void *);
    regoEnum (*InputObject)(void *, regoSize);
    regoEnum (*InputArray)(void *, regoSize);
    regoEnum (*InputValidate)(void *);
    regoSize (*InputSize)(void *);
    regoEnum (*SetInput)(void *, void *);
    void (*FreeInput)(void *);
    void *(*BundleQueryEntrypoint)(void *, void *, const char *);
    regoBoolean (*OutputOk)(void *);
    regoSize (*OutputJSONSize)(void *);
    regoEnum (*OutputJSON)(void *, char *, regoSize);
    void (*FreeOutput)(void *);
    regoSize (*ErrorSize)(void *);
    regoEnum (*Error)(void *, char *, regoSize);
    void *(*OutputNode)(void *);
    regoSize (*NodeSize)(void *);
    void *(*NodeGet)(void *, regoSize);
    regoEnum (*NodeType)(void *);
    regoSize (*NodeValueSize)(void *);
    regoEnum (*NodeValue)(void *, char *, regoSize);
} rego;

/* bind() fills rego from regopy's handle, by the C API's names. */
#define FUNCTION(name) {"rego" #name, (void **)&rego.name}
static const struct {
    const char *name;
    void **slot;
} functions[] = {
    FUNCTION(NewInput), FUNCTION(InputString), FUNCTION(InputInt), FUNCTION(InputBoolean),
    FUNCTION(InputNull), FUNCTION(InputObjectItem), FUNCTION(InputObject), FUNCTION(InputArray),
    FUNCTION(InputValidate), FUNCTION(InputSize), FUNCTION(SetInput), FUNCTION(FreeInput),
    FUNCTION(BundleQueryEntrypoint), FUNCTION(OutputOk), FUNCTION(OutputJSONSize),
    FUNCTION(OutputJSON), FUNCTION(FreeOutput), FUNCTION(ErrorSize), FUNCTION(Error),
    FUNCTION(OutputNode), FUNCTION(NodeSize), FUNCTION(NodeGet), FUNCTION(NodeType),
    FUNCTION(NodeValueSize), FUNCTION(NodeValue),
};
#define FUNCTIONS (sizeof functions / sizeof functions[0])
static int bound = 0;

/* One rego-cpp input call, recorded while the GIL is held and replayed after it is released. A
 * string points into its Python object (kept alive by the document) or, once escaped, into the
 * spellings buffer (offset until the walk is over, because the buffer may move as it grows). */
enum { STRING, ESCAPED, INT, BOOLEAN, NULL_, ITEM, OBJECT, ARRAY };
typedef struct {
    int kind;
    regoInt number;
    const char *text;
} Push;

typedef struct {
    Push *pushes;
    size_t count, capacity;
    char *spellings;
    size_t used, room;
} Plan;

/* What a walk reports: done, a value the C API cannot carry exactly (parse the JSON text
 * instead), or a Python error (set). */
enum { PLANNED = 0, NOT_REPRESENTABLE = 1, FAILED = -1 };

static int add(Plan *plan, int kind, regoInt number, const char *text) {
    if (plan->count == plan->capacity) {
        size_t capacity = plan->capacity ? plan->capacity * 2 : 256;
        Push *grown = PyMem_Realloc(plan->pushes, capacity * sizeof(Push));
        if (grown == NULL) {
            PyErr_NoMemory();
            return FAILED;
        }
        plan->pushes = grown;
        plan->capacity = capacity;
    }
    plan->pushes[plan->count++] = (Push){kind, number, text};
    return PLANNED;
}

static int needs_escape(const char *text, Py_ssize_t size) {
    for (Py_ssize_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == '"' || c == '\\') {
            return 1;
        }
    }
    return 0;
}

/* json.dumps(s, ensure_ascii=False)[1:-1], in UTF-8, NUL-terminated, onto the spellings: the
 * short escapes where JSON has them, \u00XX (lower-case hex) for the other control characters,
 * everything else as it is. Returns the spelling's offset, or -1 with MemoryError set. */
static Py_ssize_t escape(Plan *plan, const char *text, Py_ssize_t size) {
    static const char hex[] = "0123456789abcdef";
    size_t need = plan->used + (size_t)size * 6 + 1;
    if (need > plan->room) {
        size_t room = need > 2 * plan->room ? need : 2 * plan->room;
        char *grown = PyMem_Realloc(plan->spellings, room);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        plan->spellings = grown;
        plan->room = room;
    }
    Py_ssize_t offset = (Py_ssize_t)plan->used;
    char *at = plan->spellings + plan->used;
    for (Py_ssize_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': *at++ = '\\'; *at++ = '"'; break;
        case '\\': *at++ = '\\'; *at++ = '\\'; break;
        case '\n': *at++ = '\\'; *at++ = 'n'; break;
        case '\r': *at++ = '\\'; *at++ = 'r'; break;
        case '\t': *at++ = '\\'; *at++ = 't'; break;
        case '\b': *at++ = '\\'; *at++ = 'b'; break;
        case '\f': *at++ = '\\'; *at++ = 'f'; break;
        default:
            if (c < 0x20) {
                *at++ = '\\'; *at++ = 'u'; *at++ = '0'; *at++ = '0';
                *at++ = hex[c >> 4]; *at++ = hex[c & 0xf];
            } else {
                *at++ = (char)c;
            }
        }
    }
    *at++ = '\0';
    plan->used = (size_t)(at - plan->spellings);
    return offset;
}

static int plan_string(Plan *plan, PyObject *value) {
    Py_ssize_t size;
    const char *text = PyUnicode_AsUTF8AndSize(value, &size);
    if (text == NULL) {  /* a lone surrogate: json.dumps and the parser decide what it means */
        PyErr_Clear();
        return NOT_REPRESENTABLE;
    }
    if (!needs_escape(text, size)) {
        return add(plan, STRING, 0, text);
    }
    Py_ssize_t offset = escape(plan, text, size);
    return offset < 0 ? FAILED : add(plan, ESCAPED, offset, NULL);
}

static int plan_value(Plan *plan, PyObject *value) {
    if (PyUnicode_CheckExact(value)) {
        return plan_string(plan, value);
    }
    if (value == Py_None) {
        return add(plan, NULL_, 0, NULL);
    }
    if (PyBool_Check(value)) {
        return add(plan, BOOLEAN, value == Py_True, NULL);
    }
    if (PyLong_CheckExact(value)) {
        int overflow = 0;
        long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow != 0) {
            return NOT_REPRESENTABLE;
        }
        if (number == -1 && PyErr_Occurred()) {
            return FAILED;
        }
        return add(plan, INT, (regoInt)number, NULL);
    }
    int status = PLANNED;
    if (PyDict_CheckExact(value)) {
        if (Py_EnterRecursiveCall(" while handing a document to rego-cpp")) {
            return FAILED;
        }
        PyObject *key, *item;
        Py_ssize_t position = 0;
        while (status == PLANNED && PyDict_Next(value, &position, &key, &item)) {
            if (!PyUnicode_CheckExact(key)) {
                status = NOT_REPRESENTABLE;
                break;
            }
            status = plan_string(plan, key);
            if (status == PLANNED) {
                status = plan_value(plan, item);
            }
            if (status == PLANNED) {
                status = add(plan, ITEM, 0, NULL);
            }
        }
        Py_LeaveRecursiveCall();
        return status == PLANNED ? add(plan, OBJECT, PyDict_GET_SIZE(value), NULL) : status;
    }
    if (PyList_CheckExact(value)) {
        if (Py_EnterRecursiveCall(" while handing a document to rego-cpp")) {
            return FAILED;
        }
        /* Planning runs no Python code, so the list cannot change under the loop. */
        Py_ssize_t size = PyList_GET_SIZE(value);
        for (Py_ssize_t i = 0; status == PLANNED && i < size; i++) {
            status = plan_value(plan, PyList_GET_ITEM(value, i));
        }
        Py_LeaveRecursiveCall();
        return status == PLANNED ? add(plan, ARRAY, size, NULL) : status;
    }
    return NOT_REPRESENTABLE;  /* floats, big integers, tuples, subclasses */
}

/* Runs without the GIL. rego-cpp's input keeps the first error it meets and ignores the calls
 * after it, so single pushes are not checked: the input is validated once at the end. */
static int replay(const Plan *plan, void *interpreter) {
    void *input = rego.NewInput();
    if (input == NULL) {
        return 0;
    }
    for (size_t i = 0; i < plan->count; i++) {
        const Push *push = &plan->pushes[i];
        switch (push->kind) {
        case STRING: rego.InputString(input, push->text); break;
        case ESCAPED: rego.InputString(input, plan->spellings + push->number); break;
        case INT: rego.InputInt(input, push->number); break;
        case BOOLEAN: rego.InputBoolean(input, (regoBoolean)push->number); break;
        case NULL_: rego.InputNull(input); break;
        case ITEM: rego.InputObjectItem(input); break;
        case OBJECT: rego.InputObject(input, (regoSize)push->number); break;
        case ARRAY: rego.InputArray(input, (regoSize)push->number); break;
        }
    }
    int set = rego.InputValidate(input) == REGO_OK && rego.InputSize(input) == 1 &&
              rego.SetInput(interpreter, input) == REGO_OK;
    rego.FreeInput(input);
    return set;
}

static int not_bound(void) {
    if (!bound) {
        PyErr_SetString(PyExc_RuntimeError, "bind() the rego-cpp functions first");
    }
    return !bound;
}

/* The error text of an answer that is not UTF-8; regopy_native.NOT_UTF8 says the same. */
#define NOT_UTF8 "rego-cpp's answer is not UTF-8 text"

/* What one document's query gave: its JSON answer, or rego-cpp's error text (ok is 0), or
 * nothing (text is NULL) when the document must be parsed from JSON text instead. */
typedef struct {
    int ok;
    char *text;
} Answer;

/* A text rego-cpp hands out by size then by copy (an output's JSON, an interpreter's error, a
 * node's value), malloc'd and NUL-terminated whether or not the size counted a terminator; NULL
 * when it cannot be had. */
static char *read_text(void *from, regoSize (*size_of)(void *),
                       regoEnum (*copy)(void *, char *, regoSize)) {
    regoSize size = size_of(from);
    char *text = malloc((size_t)size + 1);
    if (text != NULL && copy(from, text, size) != REGO_OK) {
        free(text);
        return NULL;
    }
    if (text != NULL) {
        text[size] = '\0';
    }
    return text;
}

static char *copy_error(void *interpreter) {
    char *text = read_text(interpreter, rego.ErrorSize, rego.Error);
    return text != NULL ? text : strdup("rego-cpp gave no output and no error");
}

/* A failed query's output is an error sequence whose JSON is just "<error>"; the words are in
 * its nodes: error > (errormsg, errorast, errorcode). Returns "code: message[; ...]", or NULL
 * when there are none. regopy_native._error_text reads them the same way. */
#define REGO_NODE_ERROR 1800
#define REGO_NODE_ERROR_MESSAGE 1801
#define REGO_NODE_ERROR_CODE 1803

typedef struct {
    char *text;
    size_t used, room;
} Text;

static void append(Text *out, const char *words) {
    size_t size = strlen(words);
    size_t need = out->used + size + 1;
    if (need > out->room) {
        size_t room = need > 2 * out->room ? need : 2 * out->room;
        char *grown = realloc(out->text, room);
        if (grown == NULL) {
            return;
        }
        out->text = grown;
        out->room = room;
    }
    memcpy(out->text + out->used, words, size + 1);
    out->used += size;
}

static void append_value(Text *out, void *node) {
    char *value = read_text(node, rego.NodeValueSize, rego.NodeValue);
    if (value != NULL) {
        append(out, value);
        free(value);
    }
}

static char *error_text(void *output) {
    void *errors = rego.OutputNode(output);
    Text out = {0};
    for (regoSize i = 0; errors != NULL && i < rego.NodeSize(errors); i++) {
        void *error = rego.NodeGet(errors, i);
        if (error == NULL || rego.NodeType(error) != REGO_NODE_ERROR) {
            continue;
        }
        void *message = NULL, *code = NULL;
        for (regoSize j = 0; j < rego.NodeSize(error); j++) {
            void *part = rego.NodeGet(error, j);
            regoEnum type = part ? rego.NodeType(part) : 0;
            message = type == REGO_NODE_ERROR_MESSAGE ? part : message;
            code = type == REGO_NODE_ERROR_CODE ? part : code;
        }
        if (out.used > 0) {
            append(&out, "; ");
        }
        size_t before = out.used;
        if (code != NULL) {
            append_value(&out, code);
        }
        if (out.used > before) {
            append(&out, ": ");
        }
        if (message != NULL) {
            append_value(&out, message);
        }
    }
    if (out.used == 0) {
        free(out.text);
        return NULL;
    }
    return out.text;
}

/* Runs without the GIL: each planned document becomes the input, then the query runs. */
static void answer_all(const Plan *plans, const int *planned, Answer *answers, Py_ssize_t count,
                       void *interpreter, void *bundle, const char *entrypoint) {
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!planned[i] || !replay(&plans[i], interpreter)) {
            continue;  /* text stays NULL: the caller parses this one */
        }
        void *output = rego.BundleQueryEntrypoint(interpreter, bundle, entrypoint);
        if (output == NULL) {
            answers[i].text = copy_error(interpreter);
            continue;
        }
        answers[i].ok = rego.OutputOk(output) != 0;
        answers[i].text = answers[i].ok ? NULL : error_text(output);
        if (answers[i].text == NULL) {
            answers[i].text = read_text(output, rego.OutputJSONSize, rego.OutputJSON);
        }
        if (answers[i].text == NULL) {
            answers[i].ok = 0;
            answers[i].text = copy_error(interpreter);
        }
        rego.FreeOutput(output);
    }
}

static PyObject *evaluate(PyObject *Py_UNUSED(module), PyObject *args) {
    unsigned long long interpreter, bundle;
    const char *entrypoint;
    PyObject *documents;
    if (!PyArg_ParseTuple(args, "KKyO!:evaluate", &interpreter, &bundle, &entrypoint,
                          &PyList_Type, &documents) ||
        not_bound()) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(documents);
    Plan *plans = PyMem_Calloc(count ? count : 1, sizeof(Plan));
    int *planned = PyMem_Calloc(count ? count : 1, sizeof(int));
    Answer *answers = PyMem_Calloc(count ? count : 1, sizeof(Answer));
    PyObject *result = NULL;
    if (plans == NULL || planned == NULL || answers == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* The documents stay referenced by the list, and the list by the caller, while the GIL is
     * released: the strings the plans point into cannot go away. */
    Py_INCREF(documents);
    for (Py_ssize_t i = 0; i < count; i++) {
        int status = plan_value(&plans[i], PyList_GET_ITEM(documents, i));
        if (status == FAILED) {
            PyErr_Clear();  /* the text path meets the same problem and reports it */
        }
        planned[i] = status == PLANNED;
    }
    Py_BEGIN_ALLOW_THREADS
    answer_all(plans, planned, answers, count, (void *)(uintptr_t)interpreter,
               (void *)(uintptr_t)bundle, entrypoint);
    Py_END_ALLOW_THREADS
    result = PyList_New(count);
    for (Py_ssize_t i = 0; result != NULL && i < count; i++) {
        PyObject *item;
        if (answers[i].text == NULL) {
            item = Py_NewRef(Py_None);
        } else {
            PyObject *text = PyUnicode_DecodeUTF8(answers[i].text, strlen(answers[i].text), NULL);
            if (text == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                /* a builtin made bytes (base64.decode): this document's error, not the batch's */
                PyErr_Clear();
                item = Py_BuildValue("(Os)", Py_False, NOT_UTF8);
            } else {
                item = text ? Py_BuildValue("(NN)", PyBool_FromLong(answers[i].ok), text) : NULL;
            }
        }
        if (item == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, item);
    }
    Py_DECREF(documents);
done:
    for (Py_ssize_t i = 0; i < count && plans != NULL; i++) {
        PyMem_Free(plans[i].pushes);
        PyMem_Free(plans[i].spellings);
    }
    for (Py_ssize_t i = 0; i < count && answers != NULL; i++) {
        free(answers[i].text);
    }
    PyMem_Free(plans);
    PyMem_Free(planned);
    PyMem_Free(answers);
    return result;
}

static PyObject *bind(PyObject *Py_UNUSED(module), PyObject *addresses) {
    if (!PyDict_Check(addresses)) {
        PyErr_SetString(PyExc_TypeError, "bind() takes {C function name: address}");
        return NULL;
    }
    for (size_t i = 0; i < FUNCTIONS; i++) {
        PyObject *address = PyDict_GetItemString(addresses, functions[i].name);
        unsigned long long value = address ? PyLong_AsUnsignedLongLong(address) : 0;
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (value == 0) {
            PyErr_Format(PyExc_ValueError, "no address for %s", functions[i].name);
            return NULL;
        }
        *functions[i].slot = (void *)(uintptr_t)value;
    }
    bound = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", bind, METH_O,
     "bind(addresses)\n\n"
     "{name: address} of rego-cpp's C functions this module calls (NEEDS names them); once,\n"
     "before anything else."},
    {"evaluate", evaluate, METH_VARARGS,
     "evaluate(interpreter_address, bundle_address, entrypoint, documents) -> list\n\n"
     "For each document of the list, in order: make it the interpreter's input and query the\n"
     "entrypoint. Each answer is (ok, text): the answer's JSON when ok, else rego-cpp's error\n"
     "text; or None where the document holds a value the C API cannot carry exactly or\n"
     "rego-cpp refused it: parse that one from JSON text instead. The GIL is released while\n"
     "rego-cpp works."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native_input",
    .m_doc = "rego-cpp inputs and queries in C; see scanner.evaluate.regopy_native.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native_input(void) {
    PyObject *self = PyModule_Create(&module);
    PyObject *names = self ? PyTuple_New(FUNCTIONS) : NULL;
    for (size_t i = 0; names != NULL && i < FUNCTIONS; i++) {
        PyObject *name = PyUnicode_FromString(functions[i].name);
        if (name == NULL) {
            Py_CLEAR(names);
            break;
        }
        PyTuple_SET_ITEM(names, i, name);
    }
    /* NEEDS: the C functions bind() wants addresses for. */
    if (names == NULL || PyModule_AddObject(self, "NEEDS", names) < 0) {
        Py_XDECREF(names);
        Py_XDECREF(self);
        return NULL;
    }
    return self;
}
