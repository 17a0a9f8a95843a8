/* tests/fuzz/fuzz.h - shared by the fuzz harnesses (tests/fuzz/fuzz_*.c).

   Each harness defines LLVMFuzzerTestOneInput(data, size): the libFuzzer entry point. Built
   with -DLLM_FUZZ_LIBFUZZER and clang -fsanitize=fuzzer,address,undefined it is a libFuzzer
   target; built without, this file gives it a main that runs without libFuzzer:
     fuzz_X FILE|DIR ...            runs every file (a corpus replay)
     fuzz_X --mutate N FILE|DIR ... also N mutations of each file (bit flips, byte values,
                                    cuts, inserted and repeated runs, little-endian counts set
                                    to large values), seeded, so any run can be repeated
     fuzz_X --seeds DIR             writes the harness's seed corpus into DIR (see fuzz_seeds)
   Every input must end in a status: no crash, no leak, no hang (the sanitizers and the
   caller's timeout say so). */
#ifndef LLM_FUZZ_H
#define LLM_FUZZ_H
#define LLM_IMPLEMENTATION
#include "../../llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__cplusplus)
extern "C"
#endif
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* a tiny model as a GGUF in memory (with a trained byte-level tokenizer when tok) */
#if defined(__GNUC__)
__attribute__((unused))
#endif
static unsigned char *fz_tiny_model(llm_arch arch, int tok, size_t *n) {
    llm_model_desc d;
    llm_model *m = NULL;
    unsigned char *buf = NULL;
    memset(&d, 0, sizeof d);
    d.config.arch = arch;
    d.config.n_layer = 1;
    d.config.n_head = 2;
    d.config.dim = 32;
    d.config.vocab_size = tok ? 260 : 64;
    d.config.max_seq_len = 16; d.config.ffn_dim = 32; d.config.n_kv_head = arch == LLM_ARCH_LLAMA ? 1 : 2; d.seed = 3;
    if (llm_model_create(&d, &m, NULL) != LLM_OK) return NULL;
    if (tok) {
        static const char text[] = "the quick brown fox jumps over the lazy dog; the dog sleeps. 1234 ++ -- ok";
        llm_bpe_train_desc bd;
        llm_tokenizer *t = NULL;
        memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 260;
        if (llm_tokenizer_train(&bd, &t, NULL) == LLM_OK) llm_model_set_tokenizer(m, t, NULL);
        llm_tokenizer_free(t);
    }
    if (llm_model_save_mem(m, NULL, 0, n, NULL) == LLM_OK && (buf = (unsigned char *)malloc(*n)))
        llm_model_save_mem(m, buf, *n, n, NULL);
    llm_model_free(m);
    return buf;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir);   /* each harness: writes its seed corpus */
static int fz_write(const char *dir, const char *name, const void *p, size_t n) {
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "wb"))) return 0;
    fwrite(p, 1, n, f);
    return fclose(f) == 0;
}
static unsigned long long fz_execs;
static void fz_run(const unsigned char *p, size_t n) {
    unsigned char *copy = (unsigned char *)malloc(n ? n : 1);   /* exact size: ASan sees any overread */
    if (n) memcpy(copy, p, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    fz_execs++;
}
static void fz_mutate(const unsigned char *p, size_t n, llm_rng *r, int rounds) {
    size_t cap = n * 2 + 64;
    unsigned char *b = (unsigned char *)malloc(cap);
    int k;
    for (k = 0; k < rounds; k++) {
        size_t m = n, i, edits = 1 + llm_rng_u32(r) % 4, e;
        memcpy(b, p, n);
        for (e = 0; e < edits; e++) {
            const uint32_t op = llm_rng_u32(r) % 7;
            const size_t at = m ? llm_rng_u32(r) % m : 0;
            if (op == 0 && m) b[at] ^= (unsigned char)(1u << (llm_rng_u32(r) % 8));
            else if (op == 1 && m) b[at] = (unsigned char)llm_rng_u32(r);
            else if (op == 2 && m) m = at;                                           /* cut */
            else if (op == 3 && m + 16 <= cap) {                                     /* insert */
                const size_t len = 1 + llm_rng_u32(r) % 16;
                memmove(b + at + len, b + at, m - at);
                for (i = 0; i < len; i++) b[at + i] = (unsigned char)llm_rng_u32(r);
                m += len;
            } else if (op == 4 && m >= 4) {                                          /* a count made large */
                static const uint32_t big[] = { 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 65536u, 1u << 30 };
                const size_t a = at > m - 4 ? m - 4 : at;
                llm__put_le(b + a, big[llm_rng_u32(r) % 5], 4);
            } else if (op == 5 && m >= 8) {                                          /* copy a run */
                const size_t len = 1 + llm_rng_u32(r) % 8, from = llm_rng_u32(r) % (m - len + 1);
                if (at + len <= m) memmove(b + at, b + from, len);
            } else if (op == 6 && m) {
                b[at] = (unsigned char)"\0\x01\x7f\x80\xff{}[]\",:\\0"[llm_rng_u32(r) % 14];
            }
        }
        fz_run(b, m);
    }
    free(b);
}
static int fz_file(const char *path, int rounds, llm_rng *r) {
    void *buf;
    size_t n;
    if (llm_read_file(path, NULL, &buf, &n, NULL) != LLM_OK) return 0;
    fz_run((const unsigned char *)buf, n);
    if (rounds) fz_mutate((const unsigned char *)buf, n, r, rounds);
    llm_free(NULL, buf);
    return 1;
}
#if defined(_WIN32)
#define fz_each(dir, rounds, r) (-1)
#else
#include <dirent.h>
static int fz_each(const char *dir, int rounds, llm_rng *r) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    char path[1024];
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        n += fz_file(path, rounds, r);
    }
    closedir(d);
    return n;
}
#endif
int main(int argc, char **argv) {
    int i, rounds = 0, files = 0;
    llm_rng r;
    llm_rng_seed(&r, 20261202);
    for (i = 1; i < argc; i++) {
        int k;
        if (!strcmp(argv[i], "--seeds") && i + 1 < argc) return fz_seeds(argv[i + 1]) ? 0 : 1;
        if (!strcmp(argv[i], "--mutate") && i + 1 < argc) { rounds = atoi(argv[++i]); continue; }
        k = fz_each(argv[i], rounds, &r);
        files += k >= 0 ? k : fz_file(argv[i], rounds, &r);
    }
    printf("%s: %d files, %llu executions, no crash\n", argv[0], files, fz_execs);
    return 0;
}
#endif
#endif
