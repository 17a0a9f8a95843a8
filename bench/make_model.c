/* bench/make_model.c - writes a random-weight GGUF of a named shape, with a real tokenizer, for
   benchmarks and cross-checks beside llama.cpp (bench/compare.sh, bench/crosscheck.sh).

   Uses only llm.h's public API: llm_model_create (random init), llm_model_params (optional
   rescaling / jitter), llm_tokenizer_load + llm_model_set_tokenizer, llm_model_export (GGUF in
   llama.cpp's names, keys and layouts, the matrices in the asked type).
   llama.cpp refuses a GGUF without tokenizer.ggml.* keys, so a tokenizer is required. When the
   model's vocabulary is larger than the tokenizer's (Qwen3: 151936 rows, 151669 tokens), the
   tokenizer.json is read into memory and the missing ids are appended to its added_tokens as
   special "[PAD<id>]" tokens, as llama.cpp's converter names them (it marks them UNUSED; here
   they are CONTROL tokens: never produced by encoding plain text either way).

   Build:  cc -O2 -o make_model bench/make_model.c -lm -lpthread
   Usage:  make_model --out FILE --tokenizer TOKENIZER.json|DIR [--shape NAME] [--type T]
                      [--arch A] [--dim N] [--layers N] [--heads N] [--kv-heads N] [--head-dim N]
                      [--ffn N] [--vocab N] [--ctx N] [--theta X] [--untied] [--eps X]
                      [--rope-llama3 FACTOR,LOW,HIGH,ORIG] [--window N] [--pattern N] [--local-theta X]
                      [--scale S] [--jitter J] [--seed N]
     --shape   qwen3-0.6b (hidden 1024, 28 layers, 16 heads, 8 kv heads, head_dim 128, ffn 3072,
               vocab 151936, tied, rope_theta 1e6, rms eps 1e-6; context 1024 here), or tiny
               (dim 64, 2 layers, 4 heads, 2 kv heads, ffn 128, context 128); other options
               then override fields. --vocab 0 (the default of tiny): the tokenizer's size.
     --type    f32 (default), f16, q8_0, q4_0, q4_k, q6_k (llm_model_export; norms stay F32)
     --scale   multiplies every matrix (embedding included) by S, so that random logits are
               far from uniform (cross-checks); --jitter J sets every norm weight to 1 + J*N(0,1)
               and every bias to J*N(0,1), so q/k norm and bias layouts matter.
   Prints one line: the file, its parameters and the tokenizer used. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: make_model --out FILE --tokenizer TOKENIZER [--shape qwen3-0.6b|tiny] [--type f32|f16|"
                    "q8_0|q4_0|q4_k|q6_k]\n"
                    "       [--arch llama|qwen2|qwen3|gemma3] [--dim N] [--layers N] [--heads N] [--kv-heads N]"
                    " [--head-dim N]\n"
                    "       [--ffn N] [--vocab N] [--ctx N] [--theta X] [--eps X] [--untied]"
                    " [--rope-llama3 F,LOW,HIGH,ORIG]\n"
                    "       [--window N] [--pattern N] [--local-theta X] [--scale S] [--jitter J] [--seed N]\n");
    return 2;
}

/* Reads a tokenizer.json (path, or path/tokenizer.json) and appends special [PAD<id>] added
   tokens for the ids n_have..vocab-1. Returns a malloc'd buffer, or NULL. */
static char *padded_json(const char *path, int n_have, int vocab, size_t *size) {
    char file[4096];
    llm_error err;
    void *data = NULL;
    size_t n = 0, at, extra, w;
    char *src, *out, *p;
    int id;
    if (llm_read_file(path, NULL, &data, &n, &err) != LLM_OK || (n > 0 && ((char *)data)[0] != '{')) {
        if (data) llm_free(NULL, data);
        snprintf(file, sizeof file, "%s/tokenizer.json", path);
        if (llm_read_file(file, NULL, &data, &n, &err) != LLM_OK) {
            fprintf(stderr, "make_model: %s: %s\n", file, err.message);
            return NULL;
        }
    }
    src = (char *)data;
    p = strstr(src, "\"added_tokens\"");
    if (!p || !(p = strchr(p, '['))) {
        fprintf(stderr, "make_model: %s has no added_tokens list to pad\n", path);
        llm_free(NULL, data);
        return NULL;
    }
    at = (size_t)(p - src) + 1;
    extra = (size_t)(vocab - n_have) * 64 + 16;
    if (!(out = (char *)malloc(n + extra))) { llm_free(NULL, data); return NULL; }
    memcpy(out, src, at);
    w = at;
    for (id = n_have; id < vocab; id++)
        w += (size_t)sprintf(out + w, "{\"id\":%d,\"content\":\"[PAD%d]\",\"special\":true},", id, id);
    {   /* an empty list: no comma after the last pad */
        size_t k = at;
        while (k < n && (src[k] == ' ' || src[k] == '\n' || src[k] == '\r' || src[k] == '\t')) k++;
        if (k < n && src[k] == ']') w--;
    }
    memcpy(out + w, src + at, n - at);
    w += n - at;
    *size = w;
    llm_free(NULL, data);
    return out;
}

static int parse_type(const char *s, llm_type *t) {
    static const struct { const char *name; llm_type type; } types[] = {
        { "f32", LLM_TYPE_F32 }, { "f16", LLM_TYPE_F16 }, { "q8_0", LLM_TYPE_Q8_0 },
        { "q4_0", LLM_TYPE_Q4_0 }, { "q4_k", LLM_TYPE_Q4_K }, { "q6_k", LLM_TYPE_Q6_K } };
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(s, types[i].name)) { *t = types[i].type; return 1; }
    return 0;
}

int main(int argc, char **argv) {
    llm_model_desc md;
    llm_config *c = &md.config;
    llm_export_desc ed;
    llm_model *m = NULL;
    llm_tokenizer *tok = NULL;
    llm_error err;
    const char *out = NULL, *tpath = NULL, *tok_note = "as loaded";
    double scale = 1, jitter = 0;
    int i, rc = 1;
    memset(&md, 0, sizeof md);
    memset(&ed, 0, sizeof ed);
    md.seed = 1;
    /* the tiny shape by default */
    c->arch = LLM_ARCH_QWEN3; c->dim = 64; c->n_layer = 2; c->n_head = 4; c->n_kv_head = 2; c->ffn_dim = 128;
    c->max_seq_len = 128;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--untied")) { c->untied_head = 1; continue; }
        if (!v) return usage();
        i++;
        if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--tokenizer")) tpath = v;
        else if (!strcmp(a, "--shape")) {
            if (!strcmp(v, "qwen3-0.6b")) {
                c->arch = LLM_ARCH_QWEN3; c->dim = 1024; c->n_layer = 28; c->n_head = 16; c->n_kv_head = 8;
                c->head_dim = 128; c->ffn_dim = 3072; c->vocab_size = 151936; c->untied_head = 0;
                c->rope_theta = 1e6f; c->norm_eps = 1e-6f; c->max_seq_len = 1024;
            } else if (strcmp(v, "tiny") != 0) return usage();
        } else if (!strcmp(a, "--type")) { if (!parse_type(v, &ed.type)) return usage(); }
        else if (!strcmp(a, "--arch")) {
            if (!strcmp(v, "llama")) c->arch = LLM_ARCH_LLAMA;
            else if (!strcmp(v, "qwen2")) c->arch = LLM_ARCH_QWEN2;
            else if (!strcmp(v, "qwen3")) c->arch = LLM_ARCH_QWEN3;
            else if (!strcmp(v, "gemma3")) c->arch = LLM_ARCH_GEMMA3;
            else return usage();
        }
        else if (!strcmp(a, "--dim")) c->dim = atoi(v);
        else if (!strcmp(a, "--layers")) c->n_layer = atoi(v);
        else if (!strcmp(a, "--heads")) c->n_head = atoi(v);
        else if (!strcmp(a, "--kv-heads")) c->n_kv_head = atoi(v);
        else if (!strcmp(a, "--head-dim")) c->head_dim = atoi(v);
        else if (!strcmp(a, "--ffn")) c->ffn_dim = atoi(v);
        else if (!strcmp(a, "--vocab")) c->vocab_size = atoi(v);
        else if (!strcmp(a, "--ctx")) c->max_seq_len = atoi(v);
        else if (!strcmp(a, "--theta")) c->rope_theta = (float)atof(v);
        else if (!strcmp(a, "--eps")) c->norm_eps = (float)atof(v);
        else if (!strcmp(a, "--rope-llama3")) {
            c->rope_type = LLM_ROPE_LLAMA3;
            if (sscanf(v, "%f,%f,%f,%d", &c->rope_factor, &c->rope_low_freq_factor, &c->rope_high_freq_factor,
                       &c->rope_orig_max_pos) != 4) return usage();
        }
        else if (!strcmp(a, "--window")) c->sliding_window = atoi(v);
        else if (!strcmp(a, "--pattern")) c->sliding_pattern = atoi(v);
        else if (!strcmp(a, "--local-theta")) c->rope_local_theta = (float)atof(v);
        else if (!strcmp(a, "--scale")) scale = atof(v);
        else if (!strcmp(a, "--jitter")) jitter = atof(v);
        else if (!strcmp(a, "--seed")) md.seed = (uint64_t)strtoull(v, NULL, 10);
        else return usage();
    }
    if (!out || !tpath) return usage();
    if (llm_tokenizer_load(tpath, NULL, &tok, &err) != LLM_OK) {
        fprintf(stderr, "make_model: %s: %s\n", tpath, err.message);
        return 1;
    }
    if (c->vocab_size == 0) c->vocab_size = llm_tokenizer_vocab_size(tok);
    if (llm_tokenizer_vocab_size(tok) > c->vocab_size) {
        fprintf(stderr, "make_model: the tokenizer has %d tokens, more than the model's vocabulary %d\n",
                (int)llm_tokenizer_vocab_size(tok), c->vocab_size);
        goto done;
    }
    if (llm_tokenizer_vocab_size(tok) < c->vocab_size) {   /* pad the token list to the model's rows */
        size_t n = 0, tl;
        char *json = padded_json(tpath, llm_tokenizer_vocab_size(tok), c->vocab_size, &n), *jinja = NULL;
        const char *tj = llm_tokenizer_chat_template(tok);   /* (read beside the file: keep it) */
        if (tj && (jinja = (char *)malloc((tl = strlen(tj)) + 1)) != NULL) memcpy(jinja, tj, tl + 1);
        llm_tokenizer_free(tok);
        tok = NULL;
        if (!json) { free(jinja); goto done; }
        if (llm_tokenizer_load_mem(json, n, NULL, &tok, &err) != LLM_OK ||
            (jinja && llm_tokenizer_set_chat_template(tok, jinja, NULL, &err) != LLM_OK)) {
            fprintf(stderr, "make_model: the padded tokenizer.json: %s\n", err.message);
            free(json); free(jinja);
            goto done;
        }
        free(json); free(jinja);
        tok_note = "padded with [PAD<id>] special tokens";
    }
    if (llm_model_create(&md, &m, &err) != LLM_OK || llm_model_set_tokenizer(m, tok, &err) != LLM_OK) {
        fprintf(stderr, "make_model: %s\n", err.message);
        goto done;
    }
    if (scale != 1 || jitter != 0) {
        float *p = llm_model_params(m);
        llm_rng rng;
        int k;
        llm_rng_seed(&rng, md.seed + 12345);
        for (k = 0; k < llm_model_num_tensors(m); k++) {
            const llm_tensor_info *t = llm_model_tensor(m, k);
            const int is_bias = strstr(t->name, ".bias") != NULL;
            size_t j;
            for (j = 0; j < t->size; j++) {
                float *x = p + t->offset + j;
                if (t->n_dims == 2) *x = (float)(*x * scale);
                else if (jitter != 0) *x = (float)((is_bias ? 0.0 : 1.0) + jitter * llm_rng_normal(&rng));
            }
        }
    }
    if (llm_model_export(m, out, &ed, &err) != LLM_OK) {
        fprintf(stderr, "make_model: %s: %s\n", out, err.message);
        goto done;
    }
    printf("%s: %s, %zu parameters, dim %d, %d layers, %d/%d heads, head_dim %d, ffn %d, vocab %d; "
           "tokenizer %s (%d tokens, %s)\n",
           out, llm_type_name(ed.type), llm_model_num_params(m), llm_model_config(m)->dim,
           llm_model_config(m)->n_layer, llm_model_config(m)->n_head, llm_model_config(m)->n_kv_head,
           llm_model_config(m)->head_dim, llm_model_config(m)->ffn_dim, llm_model_config(m)->vocab_size, tpath,
           (int)llm_tokenizer_vocab_size(tok), tok_note);
    rc = 0;
done:
    llm_model_free(m);
    llm_tokenizer_free(tok);
    return rc;
}
