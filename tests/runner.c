/* tests/runner.c - the one test runner: a unity build of llm.h and every tests/test_*.c.
   Usage: runner [FILTER[,FILTER...]]   runs the tests whose name contains one of the
          FILTERs (all by default).
   Prints one line per test, then "N passed, N failed, N skipped"; exits 1 on failure. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include "../llm_cuda.h"   /* its flash algorithm in plain C (the kernels need nvcc) */
#include "test.h"

#include "test_core.c"
#include "test_inference.c"
#include "test_tokenizer.c"
#include "test_tokjson.c"
#include "test_gemm.c"
#include "test_sampler.c"
#include "test_generate.c"
#include "test_api.c"
#include "test_cuda_emu.c"
#include "test_quant.c"
#include "test_hf.c"
#include "test_oom.c"
#include "test_adapt.c"
#include "test_arch.c"
#include "test_regex.c"

typedef struct t_suite { const t_case *cases; size_t n; } t_suite;
#define T_SUITE(arr) { arr, sizeof(arr) / sizeof(arr[0]) }
static const t_suite t_suites[] = {
    T_SUITE(core_tests),
    T_SUITE(inference_tests),
    T_SUITE(tokenizer_tests),
    T_SUITE(tokjson_tests),
    T_SUITE(gemm_tests),
    T_SUITE(sampler_tests),
    T_SUITE(generate_tests),
    T_SUITE(api_tests),
    T_SUITE(cuda_emu_tests),
    T_SUITE(quant_tests),
    T_SUITE(hf_tests),
    T_SUITE(oom_tests),
    T_SUITE(adapt_tests),
    T_SUITE(arch_tests),
    T_SUITE(regex_tests),
};

static int t_selected(const char *name, const char *filters) {
    const char *p = filters;
    if (!filters) return 1;
    while (*p) {   /* each comma-separated filter in turn */
        size_t n = strcspn(p, ",");
        const char *q;
        for (q = name; *q; q++) if (n && strncmp(q, p, n) == 0) return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0, skipped = 0;
    size_t s, i;
    for (s = 0; s < sizeof t_suites / sizeof t_suites[0]; s++) {
        for (i = 0; i < t_suites[s].n; i++) {
            const t_case *c = &t_suites[s].cases[i];
            t_ctx t;
            double t0;
            if (!t_selected(c->name, filter)) continue;
            memset(&t, 0, sizeof t);
            t0 = llm_time_seconds();
            c->fn(&t);
            if (t.failed) failed++; else if (t.skipped) skipped++; else passed++;
            printf("%s %-40s %6.2fs %s\n", t.failed ? "FAIL" : t.skipped ? "SKIP" : "PASS",
                   c->name, llm_time_seconds() - t0, t.msg);
            fflush(stdout);
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
