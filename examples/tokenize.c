/* examples/tokenize.c - encode, decode and train tokenizers with llm.h.

   Shows: loading any supported tokenizer (GPT-2 directory, SentencePiece .model, llama2.c
   tokenizer.bin, native GGUF) with llm_tokenizer_load, encoding a file's exact bytes with
   llm_tokenize (asking for the size first), decoding ids back with the streaming
   detokenizer (llm_detok_push/flush), and training a byte-level BPE vocabulary with
   llm_tokenizer_train + llm_tokenizer_save.

   Build: cc -O3 -march=native -o tokenize examples/tokenize.c -lm -lpthread
   Usage:
     tokenize -z TOKENIZER --encode FILE   ids of FILE's bytes on one line (no BOS)
     tokenize -z TOKENIZER --decode FILE   FILE holds whitespace-separated ids; writes the bytes
     tokenize --train N --data FILE --out TOK [--pattern gpt2|gpt4]                          */
#define LLM_IMPLEMENTATION
#include "../llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static int usage(void) {
    fprintf(stderr, "usage: tokenize -z TOKENIZER --encode FILE\n"
                    "       tokenize -z TOKENIZER --decode FILE\n"
                    "       tokenize --train N --data FILE --out TOK [--pattern gpt2|gpt4]\n");
    return 2;
}

static int progress(float f, void *ud) {
    int *last = (int *)ud, pct = (int)(100.0f * f);
    if (pct / 10 != *last / 10) { fprintf(stderr, "\rtraining: %3d%%", pct); *last = pct; }
    return 0; /* non-zero would cancel */
}

int main(int argc, char **argv) {
    const char *tokpath = NULL, *encode = NULL, *decode = NULL, *data = NULL, *outp = NULL, *pattern = "gpt2";
    long train = 0;
    int i, rc = 0;
    llm_error err;
    llm_tokenizer *tok = NULL;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) { fprintf(stderr, "tokenize: %s needs a value\n", a); return usage(); }
        if (!strcmp(a, "-z")) tokpath = argv[++i];
        else if (!strcmp(a, "--encode")) encode = argv[++i];
        else if (!strcmp(a, "--decode")) decode = argv[++i];
        else if (!strcmp(a, "--data")) data = argv[++i];
        else if (!strcmp(a, "--out")) outp = argv[++i];
        else if (!strcmp(a, "--pattern")) pattern = argv[++i];
        else if (!strcmp(a, "--train")) {
            char *e;
            train = strtol(argv[++i], &e, 10);
            if (*e || train < 257) { fprintf(stderr, "tokenize: --train needs a vocabulary size >= 257\n"); return 2; }
        } else { fprintf(stderr, "tokenize: unknown flag '%s'\n", a); return usage(); }
    }
    if (train) {
        llm_bpe_train_desc d;
        void *text;
        size_t size;
        double t0;
        int last_pct = 0;
        if (!data || !outp) { fprintf(stderr, "tokenize: --train needs --data and --out\n"); return usage(); }
        memset(&d, 0, sizeof d);
        if (!strcmp(pattern, "gpt2")) d.pattern = LLM_PATTERN_GPT2;
        else if (!strcmp(pattern, "gpt4")) d.pattern = LLM_PATTERN_GPT4;
        else { fprintf(stderr, "tokenize: unknown pattern '%s' (gpt2 or gpt4)\n", pattern); return 2; }
        if (llm_read_file(data, NULL, &text, &size, &err) != LLM_OK) { fprintf(stderr, "tokenize: %s\n", err.message); return 1; }
        d.text = text; d.size = size; d.vocab_size = (int)train; d.progress = progress; d.progress_user_data = &last_pct;
        t0 = llm_time_seconds();
        if (llm_tokenizer_train(&d, &tok, &err) != LLM_OK) { fprintf(stderr, "\ntokenize: %s\n", err.message); llm_free(NULL, text); return 1; }
        fprintf(stderr, "\rtrained %d tokens on %lu bytes in %.2fs\n", (int)llm_tokenizer_vocab_size(tok), (unsigned long)size, llm_time_seconds() - t0);
        llm_free(NULL, text);
        if (llm_tokenizer_save(tok, outp, &err) != LLM_OK) { fprintf(stderr, "tokenize: %s\n", err.message); rc = 1; }
        llm_tokenizer_free(tok);
        return rc;
    }
    if (!tokpath || (!encode == !decode)) return usage();
    {
        if (llm_tokenizer_load(tokpath, NULL, &tok, &err) != LLM_OK) { fprintf(stderr, "tokenize: %s: %s\n", tokpath, err.message); return 1; }
    }
    if (encode) {
        void *text;
        size_t size, n = 0, k;
        int32_t *ids;
        if (llm_read_file(encode, NULL, &text, &size, &err) != LLM_OK) { fprintf(stderr, "tokenize: %s\n", err.message); llm_tokenizer_free(tok); return 1; }
        llm_tokenize(tok, (const char *)text, size, 0, NULL, 0, &n); /* how many? */
        ids = (int32_t *)malloc((n ? n : 1) * sizeof(int32_t));
        if (!ids || llm_tokenize(tok, (const char *)text, size, 0, ids, n, &n) != LLM_OK) { fprintf(stderr, "tokenize: encoding failed\n"); rc = 1; }
        else {
            for (k = 0; k < n; k++) printf(k ? " %d" : "%d", (int)ids[k]);
            printf("\n");
        }
        free(ids);
        llm_free(NULL, text);
    } else {
        void *text;
        size_t size, pos = 0, cap = llm_tokenizer_max_piece(tok) + 16, m;
        char *buf = (char *)malloc(cap);
        llm_detok_state st;
        if (llm_read_file(decode, NULL, &text, &size, &err) != LLM_OK) { fprintf(stderr, "tokenize: %s\n", err.message); llm_tokenizer_free(tok); free(buf); return 1; }
        llm_detok_init(&st);
        while (pos < size) {
            const char *s = (const char *)text + pos;
            char *e;
            long v;
            if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') { pos++; continue; }
            errno = 0;
            v = strtol(s, &e, 10);
            if (e == s || errno || (*e && *e != ' ' && *e != '\n' && *e != '\t' && *e != '\r') || v < 0 || v >= llm_tokenizer_vocab_size(tok)) {
                fprintf(stderr, "tokenize: bad token id '%.*s' at byte %lu\n", (int)((e > s ? e : s + 1) - s), s, (unsigned long)pos);
                rc = 1;
                break;
            }
            if (llm_detok_push(tok, &st, (int32_t)v, buf, cap, &m) != LLM_OK) { fprintf(stderr, "tokenize: decode failed\n"); rc = 1; break; }
            fwrite(buf, 1, m, stdout);
            pos = (size_t)(e - (const char *)text);
        }
        if (llm_detok_flush(tok, &st, buf, cap, &m) == LLM_OK) fwrite(buf, 1, m, stdout);
        llm_free(NULL, text);
        free(buf);
    }
    llm_tokenizer_free(tok);
    return rc;
}
