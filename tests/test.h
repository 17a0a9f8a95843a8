/* tests/test.h - the tiny test harness shared by every tests/test_*.c file.

   A test is `static void name(t_ctx *t)`; it fails with T_CHECK/T_FAIL, skips with T_SKIP,
   and may leave a detail (measured error, timing) with T_NOTE. The runner (tests/runner.c)
   prints one line per test and, last, "N passed, N failed, N skipped". */
#ifndef LLM_TEST_H
#define LLM_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

typedef struct t_ctx {
    int failed, skipped;
    char msg[600];
} t_ctx;

typedef struct t_case {
    const char *name;
    void (*fn)(t_ctx *t);
} t_case;

static void t_set(t_ctx *t, const char *prefix, const char *fmt, ...) {
    va_list ap;
    size_t n;
    snprintf(t->msg, sizeof t->msg, "%s", prefix);
    n = strlen(t->msg);
    va_start(ap, fmt);
    vsnprintf(t->msg + n, sizeof t->msg - n, fmt, ap);
    va_end(ap);
}

#define T_FAIL(t, ...) do { char t__w[700]; snprintf(t__w, sizeof t__w, "%s:%d: %s ", __FILE__, __LINE__, (t)->msg); \
    t_set((t), t__w, __VA_ARGS__); (t)->failed = 1; return; } while (0)
#define T_CHECK(t, cond, ...) do { if (!(cond)) T_FAIL(t, __VA_ARGS__); } while (0)
#define T_SKIP(t, ...) do { t_set((t), "", __VA_ARGS__); (t)->skipped = 1; return; } while (0)
#define T_NOTE(t, ...) t_set((t), "", __VA_ARGS__)

/* Path of a file in the shared test data ($LLM_TEST_DATA, default ../shared/data);
   returns NULL when it does not exist (tests then T_SKIP). */
static const char *t_data_path(const char *rel) {
    static char buf[1024]; /* test-only static: the library itself has no globals */
    const char *root = getenv("LLM_TEST_DATA");
    FILE *f;
    if (!root || !*root) root = "../shared/data";
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    f = fopen(buf, "rb");
    if (!f) return NULL;
    fclose(f);
    return buf;
}

/* Relative error of two arrays: max|a-b| / max(max|b|, tiny). */
static double t_rel_err(const float *a, const double *b, size_t n) {
    double md = 0, mb = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        if (d < 0) d = -d;
        if (d > md || d != d) md = d != d ? 1e30 : d;
        if ((b[i] < 0 ? -b[i] : b[i]) > mb) mb = b[i] < 0 ? -b[i] : b[i];
    }
    return md / (mb > 1e-30 ? mb : 1e-30);
}
#endif
