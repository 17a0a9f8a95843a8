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

/* Threads of the tests' own (a user's threads calling the library): POSIX or Win32. */
#if !defined(LLM_NO_THREADS)
typedef struct t_thread { void *(*fn)(void *); void *arg; llm__thread th; } t_thread;
#if defined(_WIN32)
static DWORD WINAPI t_thread_main(LPVOID p) { t_thread *t = (t_thread *)p; t->fn(t->arg); return 0; }
static int t_thread_start(t_thread *t, void *(*fn)(void *), void *arg) {
    t->fn = fn; t->arg = arg;
    t->th = CreateThread(NULL, 0, t_thread_main, t, 0, NULL);
    return t->th != NULL;
}
static void t_thread_join(t_thread *t) { WaitForSingleObject(t->th, INFINITE); CloseHandle(t->th); }
#else
static int t_thread_start(t_thread *t, void *(*fn)(void *), void *arg) {
    t->fn = fn; t->arg = arg;
    return pthread_create(&t->th, NULL, fn, arg) == 0;
}
static void t_thread_join(t_thread *t) { pthread_join(t->th, NULL); }
#endif
#endif

/* File formats are little-endian; on a big-endian host these swap n values of `width`
   bytes in place (a no-op on little-endian hosts), and write them in little-endian order. */
static int t_host_le(void) { const unsigned short one = 1; return *(const unsigned char *)&one == 1; }
static void t_le(void *p, size_t n, size_t width) {
    unsigned char *b = (unsigned char *)p, t;
    size_t i, j;
    if (t_host_le()) return;
    for (i = 0; i < n; i++, b += width)
        for (j = 0; j < width / 2; j++) { t = b[j]; b[j] = b[width - 1 - j]; b[width - 1 - j] = t; }
}
static void t_fwrite_le(const void *p, size_t width, size_t n, FILE *f) {
    const unsigned char *b = (const unsigned char *)p;
    unsigned char w[8];
    size_t i, j;
    if (t_host_le()) { fwrite(p, width, n, f); return; }
    for (i = 0; i < n; i++, b += width) {
        for (j = 0; j < width; j++) w[j] = b[width - 1 - j];
        fwrite(w, width, 1, f);
    }
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
