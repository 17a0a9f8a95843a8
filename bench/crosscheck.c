/* bench/crosscheck.c - compares llm.h's next-token distributions with llama.cpp's on the same GGUF.

   llama.cpp's llama-perplexity --kl-divergence-base FILE (with no --kl-divergence) writes the
   tokens it scored and, for the last half of every context window, the log-probabilities of the
   whole vocabulary (16-bit, over the 16 nats below the best token):
     "_logits_", int32 n_ctx, int32 n_vocab, int32 n_chunk, int32 tokens[n_chunk * n_ctx],
     then per chunk, for positions n_ctx/2 .. n_ctx-2: float scale, float min_log_prob,
     uint16 q[n_vocab] (padded to even), log p = min_log_prob + scale * q.
   This program runs llm.h on the same tokens the same way (each window afresh, its first token
   replaced by BOS when the tokenizer adds one; one token at a time through a session, the
   decoding path, so quantized copies count), and prints:
     the perplexity llama-perplexity computes (exp of the mean -log p of the next token over
     those positions), llm.h's and llama.cpp's (from its file);
     the largest |difference| of log p(next token) (where llama.cpp's file resolves it: within
     16 nats of the best token, to 16/65535); the mean KL(llama.cpp || llm.h); how often
     the most likely token (the greedy id) is the same;
     with --text, whether llm.h's tokenizer gives the ids llama.cpp gave.
   A by-hand check beside llama.cpp (bench/crosscheck.sh); never run in CI.
   Build:  cc -O2 -o crosscheck bench/crosscheck.c -lm -lpthread
   Usage:  crosscheck --model FILE.gguf --logits LLAMA_LOGITS [--text TEXT_FILE] [--threads N] */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rd_i32(FILE *f, int32_t *v) { return fread(v, sizeof *v, 1, f) == 1; }

int main(int argc, char **argv) {
    const char *mpath = NULL, *lpath = NULL, *tpath = NULL;
    int threads = 1, i, rc = 1;
    FILE *f = NULL;
    char magic[8];
    int32_t n_ctx = 0, n_vocab = 0, n_chunk = 0, *tokens = NULL;
    uint16_t *rec = NULL;
    float *ours = NULL;
    llm_model *m = NULL;
    llm_session *s = NULL;
    llm_threadpool *pool = NULL;
    llm_session_desc sd;
    llm_error err;
    const llm_tokenizer *tk;
    double nll_o = 0, nll_l = 0, max_d = 0, kl = 0;
    long count = 0, same_top = 0, clamped = 0;
    int add_bos, bos, first, nv;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--model")) mpath = argv[i + 1];
        else if (!strcmp(argv[i], "--logits")) lpath = argv[i + 1];
        else if (!strcmp(argv[i], "--text")) tpath = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    }
    if (!mpath || !lpath) {
        fprintf(stderr, "usage: crosscheck --model FILE.gguf --logits LLAMA_LOGITS [--text TEXT_FILE] [--threads N]\n");
        return 2;
    }
    if (!(f = fopen(lpath, "rb")) || fread(magic, 1, 8, f) != 8 || memcmp(magic, "_logits_", 8) != 0 ||
        !rd_i32(f, &n_ctx) || !rd_i32(f, &n_vocab) || !rd_i32(f, &n_chunk) || n_ctx < 4 || n_ctx > (1 << 20) ||
        n_vocab < 2 || n_vocab > LLM_MAX_VOCAB || n_chunk < 1 || n_chunk > (1 << 20)) {
        fprintf(stderr, "crosscheck: %s is not a llama-perplexity logits file\n", lpath);
        goto done;
    }
    nv = 2 * ((n_vocab + 1) / 2) + 4;
    tokens = (int32_t *)malloc((size_t)n_chunk * (size_t)n_ctx * sizeof *tokens);
    rec = (uint16_t *)malloc((size_t)nv * sizeof *rec);
    ours = (float *)malloc((size_t)n_vocab * sizeof *ours);
    if (!tokens || !rec || !ours ||
        fread(tokens, sizeof *tokens, (size_t)n_chunk * (size_t)n_ctx, f) != (size_t)n_chunk * (size_t)n_ctx) {
        fprintf(stderr, "crosscheck: %s: truncated\n", lpath);
        goto done;
    }
    if (llm_model_load(mpath, NULL, &m, &err) != LLM_OK) {
        fprintf(stderr, "crosscheck: %s: %s\n", mpath, err.message);
        goto done;
    }
    if (llm_model_config(m)->vocab_size != n_vocab) {
        fprintf(stderr, "crosscheck: the model has %d tokens, llama.cpp's file %d\n", llm_model_config(m)->vocab_size,
                n_vocab);
        goto done;
    }
    tk = llm_model_tokenizer(m);
    add_bos = tk && (llm_tokenizer_default_flags(tk) & LLM_TOKENIZE_ADD_BOS) && llm_tokenizer_bos(tk) >= 0;
    bos = add_bos ? llm_tokenizer_bos(tk) : -1;
    if (tpath && tk) {   /* the same ids from the same text? */
        void *text = NULL;
        size_t len = 0, n = 0, k, want = (size_t)n_chunk * (size_t)n_ctx;
        int32_t *ids;
        if (llm_read_file(tpath, NULL, &text, &len, &err) != LLM_OK) {
            fprintf(stderr, "crosscheck: %s: %s\n", tpath, err.message);
            goto done;
        }
        llm_tokenize(tk, (const char *)text, len, llm_tokenizer_default_flags(tk), NULL, 0, &n);
        ids = (int32_t *)malloc((n + 1) * sizeof *ids);
        if (ids) llm_tokenize(tk, (const char *)text, len, llm_tokenizer_default_flags(tk), ids, n, &n);
        for (k = 0; ids && k < want && k < n && ids[k] == tokens[k]; k++) {}
        if (ids && k == want) printf("tokenizer: the %lu ids llama.cpp scored are llm.h's (of %lu)\n",
                                     (unsigned long)want, (unsigned long)n);
        else if (ids) printf("tokenizer: DIFFERENT from llama.cpp's at id %lu (llm.h %d, llama.cpp %d); "
                             "the comparison below uses llama.cpp's ids\n",
                             (unsigned long)k, k < n ? (int)ids[k] : -1, (int)tokens[k]);
        free(ids);
        llm_free(NULL, text);
    }
    if (threads > 1 && llm_threadpool_create(threads, NULL, &pool, &err) != LLM_OK) {
        fprintf(stderr, "crosscheck: %s\n", err.message);
        goto done;
    }
    memset(&sd, 0, sizeof sd);
    sd.pool = pool;
    sd.n_ctx = n_ctx;
    if (llm_session_create(m, &sd, &s, &err) != LLM_OK) {
        fprintf(stderr, "crosscheck: %s\n", err.message);
        goto done;
    }
    first = n_ctx / 2;
    for (i = 0; i < n_chunk; i++) {
        const int32_t *ch = tokens + (size_t)i * (size_t)n_ctx;
        int j;
        llm_session_reset(s);
        for (j = 0; j < n_ctx - 1; j++) {
            int32_t t = j == 0 && add_bos ? bos : ch[j];
            const float *l;
            double mx = -1e30, z = 0, lse, lp_o, lp_l, d, klp = 0;
            float scale, minlp;
            int v, top_o = 0, top_l = 0;
            if (llm_session_eval(s, &t, 1, NULL) != LLM_OK) {
                fprintf(stderr, "crosscheck: %s\n", llm_session_last_error(s));
                goto done;
            }
            if (j < first) continue;
            l = llm_session_logits(s);
            for (v = 0; v < n_vocab; v++) if (l[v] > mx) { mx = l[v]; top_o = v; }
            for (v = 0; v < n_vocab; v++) z += exp(l[v] - mx);
            lse = mx + log(z);
            for (v = 0; v < n_vocab; v++) ours[v] = (float)(l[v] - lse);
            if (fread(rec, sizeof *rec, (size_t)nv, f) != (size_t)nv) {
                fprintf(stderr, "crosscheck: %s: truncated at chunk %d\n", lpath, i + 1);
                goto done;
            }
            memcpy(&scale, rec, 4);
            memcpy(&minlp, rec + 2, 4);
            for (v = 0; v < n_vocab; v++) {
                double lpl = minlp + (double)scale * rec[4 + v];
                if (rec[4 + v] > rec[4 + top_l]) top_l = v;
                klp += exp(lpl) * (lpl - ours[v]);
            }
            lp_o = ours[ch[j + 1]];
            lp_l = minlp + (double)scale * rec[4 + ch[j + 1]];
            d = fabs(lp_o - lp_l);
            if (rec[4 + ch[j + 1]] == 0) clamped++;   /* more than 16 nats below the best: stored as that */
            else if (d > max_d) max_d = d;
            nll_o -= lp_o;
            nll_l -= lp_l;
            kl += klp;
            same_top += top_o == top_l;
            count++;
        }
    }
    printf("%s: %d windows of %d tokens (%ld scored)%s\n", mpath, n_chunk, n_ctx, count,
           add_bos ? ", BOS first" : "");
    printf("perplexity: llm.h %.4f, llama.cpp %.4f (from its 16-bit log-probs); max |d log p(next)| %.5f "
           "(%ld next tokens more than 16 nats below the best left out); mean KL(llama.cpp||llm.h) %.2e; "
           "same greedy id %ld/%ld\n",
           exp(nll_o / count), exp(nll_l / count), max_d, clamped, kl / count, same_top, count);
    rc = 0;
done:
    if (f) fclose(f);
    llm_session_free(s);
    llm_threadpool_free(pool);
    llm_model_free(m);
    free(tokens);
    free(rec);
    free(ours);
    return rc;
}
