/* examples/generate.c - generates text (or token ids) from a model with llm.h.

   Shows: loading a model by content (a native or llama.cpp GGUF of any tensor type, a Hugging
   Face directory with config.json + safetensors, a karpathy/llm.c GPT-2 or llama2.c
   checkpoint), a tokenizer (embedded in or beside the model, or given with -z), quantizing on
   load, a KV-cache session (batched prefill, then token-by-token decode), the sampler chain,
   stop strings, beam search, perplexity, LoRA adapters (--lora, llm.h's or llama.cpp's) and
   the instruction-tuning template (--chat), and the streaming callback that only ever
   receives complete UTF-8 characters.

   Build: cc -O3 -march=native -o generate examples/generate.c -lm -lpthread
   GPU:   nvcc -O3 -arch=sm_90 -DLLM_CUDA -x cu -o generate examples/generate.c -lcublas
          (the same source; without a usable GPU at run time it says why and uses the CPU)
   Usage: generate MODEL [-z TOKENIZER] [-i PROMPT] [-n NEW_TOKENS] [-t TEMP] [-p TOP_P] [-k TOP_K]
                   [-s SEED] [--min-p X] [--repeat-penalty X] [--beam N] [--stop STR]...
                   [--threads N] [--prompt-ids "ID ID ..."] [--ids] [--no-shift]
                   [--chat [--system TEXT]]
   MODEL: a native GGUF (./train saves demo.gguf), an llm.c GPT-2 checkpoint or a llama2.c one.
   With no prompt a model starts from its tokenizer's BOS, else a Llama model from id 1 and a
   GPT-2 model from <|endoftext|> (50256, or the last id for smaller vocabularies). Like
   llama2.c's run.c, a Llama model also stops when it produces BOS (the tokenizer's, else
   id 1). A byte-level model (256 tokens) takes -i text as its bytes. When -n asks for more
   than the context holds, the context shifts (the oldest half is dropped) so generation goes
   on; --no-shift stops at the end instead. --ids prints
   only the generated ids on one line. The last line on stderr is the timing: decode tok/s,
   then prefill tok/s, and where it ran.
   --quantize q8_0|q4_0|q5_0|q5_1|q4_k|q5_k|q6_k decodes with quantized copies of the matrices (a
   quantized GGUF has them already); --perplexity prints "perplexity: X over N tokens", the teacher-forced
   perplexity of the prompt's ids after the first (--file reads the prompt text from a file):
   how to measure what a quantization costs. A quantized GGUF is loaded quantized_only (its
   matrices stay in their blocks, prefill included); --keep-fp32 also makes their fp32 values
   (more memory, a faster prefill). --lora applies a LoRA adapter (llm.h's or llama.cpp's GGUF)
   at --lora-scale (1); --chat wraps the -i text in the model's chat format (a user turn, after
   a --system turn, then what opens the assistant's answer): the format its tokenizer's chat
   template names (ChatML for Qwen and SmolLM2, Llama 3's headers, Gemma's turns, Llama 2's
   [INST]), else llm.h's instruction-tuning template (what train --sft taught the model to
   answer); generation then stops at the model's end of turn (<|im_end|>, <|eot_id|>,
   <end_of_turn>) as at EOS. --chat without -i chats on stdin: one user turn per line, the
   session keeping the conversation. */
#define LLM_IMPLEMENTATION
#include "../llm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* warnings and errors from the library (e.g. why no GPU is used) go to stderr */
static void on_log(int level, const char *msg, void *u) {
    (void)u;
    if (level <= 1) fprintf(stderr, "%s\n", msg);
}

static int usage(void) {
    fprintf(stderr,
        "usage: generate MODEL [-z TOKENIZER] [-i PROMPT] [-n NEW_TOKENS] [-t TEMP] [-p TOP_P] [-k TOP_K]\n"
        "                [-s SEED] [--min-p X] [--repeat-penalty X] [--beam N] [--stop STR]...\n"
        "                [--threads N] [--prompt-ids \"ID ID ...\"] [--ids] [--no-shift] [--file TEXT_FILE]\n"
        "                [--quantize q8_0|q4_0|q5_0|q5_1|q4_k|q5_k|q6_k] [--perplexity] [--keep-fp32]\n"
        "                [--lora ADAPTER.gguf [--lora-scale S]] [--chat [--system TEXT]]\n");
    return 2;
}

static int on_text(const char *text, size_t len, int32_t tok, void *u) {
    (void)tok; (void)u;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}
typedef struct ids_out { int n; } ids_out;
static int on_token(int32_t tok, void *u) {
    ids_out *o = (ids_out *)u;
    printf(o->n++ ? " %d" : "%d", (int)tok);
    return 0;
}

/* --chat without -i: a conversation on stdin, one user turn per line (up to 4 KB). Each turn
   the whole conversation is written in the model's chat format; the session keeps what it
   already holds up to the first difference (a model's answer re-encoded, or a template that
   rewrites earlier turns, as Qwen 3 drops old <think> blocks) and evaluates the rest. */
typedef struct chat_reply { char *text; size_t len, cap; } chat_reply;
static int on_chat_text(const char *text, size_t len, int32_t tok, void *u) {
    chat_reply *r = (chat_reply *)u;
    (void)tok;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    if (r->len + len + 1 > r->cap) {
        size_t nc = 2 * (r->len + len + 1);
        char *p = (char *)realloc(r->text, nc);
        if (!p) return 1;
        r->text = p; r->cap = nc;
    }
    memcpy(r->text + r->len, text, len);
    r->len += len;
    r->text[r->len] = 0;
    return 0;
}
static int chat_loop(llm_session *s, llm_sampler *smp, const llm_tokenizer *tk, const char *system, int n_new) {
    llm_chat_message *msg = NULL;
    int n_msg = 0, rc = 1;
    char line[4096];
    int32_t *ids = NULL;
    if (system) {
        msg = (llm_chat_message *)malloc(sizeof *msg);
        if (!msg) return 1;
        msg[0].role = LLM_CHAT_SYSTEM; msg[0].content = system;
        n_msg = 1;
    }
    fprintf(stderr, "chat (%s format): one user turn per line; an empty line or the end of the input ends it\n",
            llm_chat_family_name(llm_tokenizer_chat(tk).family));
    for (;;) {
        llm_generate_desc gd;
        llm_generate_stats st;
        chat_reply reply;
        llm_chat_message *grown;
        size_t n = 0, l;
        int keep = 0, pos = llm_session_pos(s);
        char *user;
        printf("> ");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) break;
        l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
        if (!l) break;
        if (!(grown = (llm_chat_message *)realloc(msg, (size_t)(n_msg + 2) * sizeof *msg))) goto out;
        msg = grown;
        if (!(user = (char *)malloc(l + 1))) goto out;
        memcpy(user, line, l + 1);
        msg[n_msg].role = LLM_CHAT_USER; msg[n_msg++].content = user;
        llm_chat_tokenize(tk, NULL, msg, n_msg, 1, NULL, 0, &n);
        free(ids);
        if (!(ids = (int32_t *)malloc((n + 1) * sizeof(int32_t))) ||
            llm_chat_tokenize(tk, NULL, msg, n_msg, 1, ids, n, &n) != LLM_OK) goto out;
        if ((int)n + 1 > llm_session_n_ctx(s)) {
            fprintf(stderr, "generate: the conversation (%d tokens) fills the context (%d)\n", (int)n,
                    llm_session_n_ctx(s));
            break;
        }
        while (keep < pos && keep + 1 < (int)n && llm_session_tokens(s)[keep] == ids[keep]) keep++;
        if (keep < pos && llm_session_rewind(s, keep) != LLM_OK) goto out;
        memset(&gd, 0, sizeof gd);
        memset(&reply, 0, sizeof reply);
        gd.prompt_ids = ids + keep; gd.n_prompt_ids = (int)n - keep;
        gd.max_tokens = n_new < llm_session_n_ctx(s) - (int)n ? n_new : llm_session_n_ctx(s) - (int)n;
        gd.on_text = on_chat_text; gd.user_data = &reply;
        if (llm_generate(s, smp, &gd, &st) != LLM_OK) {
            fprintf(stderr, "\ngenerate: %s\n", llm_session_last_error(s));
            free(reply.text);
            goto out;
        }
        printf("\n");
        fprintf(stderr, "(%d prompt tokens evaluated, %d kept; %d generated, %s)\n", st.n_prompt, keep,
                st.n_generated, llm_stop_reason_string(st.stop));
        if (!reply.text && !(reply.text = (char *)calloc(1, 1))) goto out;   /* an empty answer */
        msg[n_msg].role = LLM_CHAT_ASSISTANT; msg[n_msg++].content = reply.text;
    }
    rc = 0;
out:
    while (n_msg > (system ? 1 : 0)) free((void *)msg[--n_msg].content);
    free(msg);
    free(ids);
    return rc;
}

static int parse_num(const char *s, double lo, double hi, double *out) {
    char *e;
    double v;
    if (!s) return 0;
    v = strtod(s, &e);
    if (e == s || *e || !(v >= lo && v <= hi)) return 0;
    *out = v;
    return 1;
}

/* The command line; parse_args returns 0, or the exit code of a bad one (usage printed). */
typedef struct gen_opts {
    const char *model_path, *tok_path, *prompt, *prompt_ids, *quant, *text_file, *lora, *system;
    const char *stops[16];
    int n_stops, n_new, top_k, beam, threads, ids_only, shift, ppl, keep_fp32, chat;
    double temp, top_p, min_p, rep, lora_scale;
    uint64_t seed;
} gen_opts;
static int parse_args(int argc, char **argv, gen_opts *o) {
    static const char *const known[] = {"-z", "-i", "-n", "-t", "-p", "-k", "-s", "--min-p", "--repeat-penalty",
                                        "--beam", "--stop", "--threads", "--prompt-ids", "--quantize", "--file",
                                        "--lora", "--lora-scale", "--system"};
    double v;
    int i;
    memset(o, 0, sizeof *o);
    o->temp = 1.0; o->top_p = 0.9; o->rep = 1.0; o->n_new = 256; o->shift = 1; o->seed = 42; o->lora_scale = 1.0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        size_t kk;
        if (a[0] != '-') {
            if (o->model_path) {
                fprintf(stderr, "generate: unexpected argument '%s'\n", a);
                return usage();
            }
            o->model_path = a;
            continue;
        }
        if (!strcmp(a, "--ids")) { o->ids_only = 1; continue; }
        if (!strcmp(a, "--no-shift")) { o->shift = 0; continue; }
        if (!strcmp(a, "--keep-fp32")) { o->keep_fp32 = 1; continue; }
        if (!strcmp(a, "--perplexity")) { o->ppl = 1; continue; }
        if (!strcmp(a, "--chat")) { o->chat = 1; continue; }
        for (kk = 0; kk < sizeof known / sizeof known[0] && strcmp(a, known[kk]); kk++) {}
        if (kk == sizeof known / sizeof known[0]) {
            fprintf(stderr, "generate: unknown option '%s'\n", a);
            return usage();
        }
        if (!val) { fprintf(stderr, "generate: %s needs a value\n", a); return usage(); }
        i++;
        if (!strcmp(a, "-z")) o->tok_path = val;
        else if (!strcmp(a, "--system")) o->system = val;
        else if (!strcmp(a, "-i")) o->prompt = val;
        else if (!strcmp(a, "--prompt-ids")) o->prompt_ids = val;
        else if (!strcmp(a, "--quantize")) o->quant = val;
        else if (!strcmp(a, "--file")) o->text_file = val;
        else if (!strcmp(a, "--lora")) o->lora = val;
        else if (!strcmp(a, "--lora-scale")) {
            if (!parse_num(val, -100, 100, &o->lora_scale)) goto bad;
        }
        else if (!strcmp(a, "--stop")) {
            if (o->n_stops == 16) {
                fprintf(stderr, "generate: at most 16 --stop strings\n");
                return 2;
            }
            o->stops[o->n_stops++] = val;
        } else if (!strcmp(a, "-n")) {
            if (!parse_num(val, 0, 1e7, &v) || v != (int)v) goto bad;
            o->n_new = (int)v;
        } else if (!strcmp(a, "-t")) {
            if (!parse_num(val, 0, 100, &o->temp)) goto bad;
        } else if (!strcmp(a, "-p")) {
            if (!parse_num(val, 0, 1, &o->top_p)) goto bad;
        } else if (!strcmp(a, "-k")) {
            if (!parse_num(val, 0, 1e7, &v) || v != (int)v) goto bad;
            o->top_k = (int)v;
        } else if (!strcmp(a, "-s")) {
            if (!parse_num(val, 0, 1.8e19, &v)) goto bad;
            o->seed = (uint64_t)v;
        } else if (!strcmp(a, "--min-p")) {
            if (!parse_num(val, 0, 1, &o->min_p)) goto bad;
        } else if (!strcmp(a, "--repeat-penalty")) {
            if (!parse_num(val, 0, 100, &o->rep)) goto bad;
        } else if (!strcmp(a, "--beam")) {
            if (!parse_num(val, 1, 64, &v) || v != (int)v) goto bad;
            o->beam = (int)v;
        } else {   /* --threads */
            if (!parse_num(val, 0, 1024, &v) || v != (int)v) goto bad;
            o->threads = (int)v;
        }
        continue;
    bad:
        fprintf(stderr, "generate: bad value '%s' for %s\n", val, a);
        return 2;
    }
    if (!o->model_path) return usage();
    return 0;
}
/* --prompt-ids "ID ID ..." (spaces, commas, tabs or newlines between): the ids into out
   (room for strlen(s) / 2 + 1), each below vocab; 0 and a message when one is not. */
static int parse_ids(const char *s, int vocab, int32_t *out, int *n) {
    const char *p = s;
    *n = 0;
    for (;;) {
        char *e;
        long x;
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        x = strtol(p, &e, 10);
        if (e == p || x < 0 || x >= vocab) {
            fprintf(stderr, "generate: bad token id in --prompt-ids at '%.20s' (vocab %d)\n", p, vocab);
            return 0;
        }
        out[(*n)++] = (int32_t)x;
        p = e;
    }
    if (!*n) fprintf(stderr, "generate: --prompt-ids holds no ids\n");
    return *n > 0;
}

int main(int argc, char **argv) {
    gen_opts o;
    const char *prompt;
    int i, rc = 1;
    llm_model_desc md;
    void *file_text = NULL;
    llm_model *model = NULL;
    llm_tokenizer *tok = NULL;
    const llm_tokenizer *tk;
    llm_threadpool *pool = NULL;
    llm_session *s = NULL;
    llm_session_desc sd;
    llm_sampler *smp = NULL;
    llm_sampler_desc spd;
    llm_error err;
    int32_t *pids = NULL, stop_bos = 1;
    llm_lora *lora = NULL;
    char *chat = NULL;
    int n_pids = 0;
    const llm_config *c;

    if ((rc = parse_args(argc, argv, &o)) != 0) return rc;
    rc = 1;
    prompt = o.prompt;

    memset(&md, 0, sizeof md);
    md.quantized_only = !o.keep_fp32;   /* a quantized GGUF stays in its blocks: a fraction of the memory */
    md.log_fn = on_log;                 /* warnings, e.g. a chat template llm.h does not know */
    if (llm_model_load(o.model_path, &md, &model, &err) != LLM_OK) {
        fprintf(stderr, "generate: %s: %s\n", o.model_path, err.message);
        return 1;
    }
    c = llm_model_config(model);
    if (o.quant) {   /* quantized copies of the matrices: decoding reads them */
        llm_type qt = !strcmp(o.quant, "q8_0") ? LLM_TYPE_Q8_0 : !strcmp(o.quant, "q4_0") ? LLM_TYPE_Q4_0
                    : !strcmp(o.quant, "q5_0") ? LLM_TYPE_Q5_0 : !strcmp(o.quant, "q5_1") ? LLM_TYPE_Q5_1
                    : !strcmp(o.quant, "q4_k") ? LLM_TYPE_Q4_K : !strcmp(o.quant, "q5_k") ? LLM_TYPE_Q5_K
                    : !strcmp(o.quant, "q6_k") ? LLM_TYPE_Q6_K : LLM_TYPE_F32;
        if (qt == LLM_TYPE_F32) {
            fprintf(stderr, "generate: --quantize takes q8_0, q4_0, q5_0, q5_1, q4_k, q5_k or q6_k\n");
            goto done;
        }
        if (llm_model_quantize(model, qt, &err) != LLM_OK) {
            fprintf(stderr, "generate: %s\n", err.message);
            goto done;
        }
    }
    if (o.text_file) {   /* the prompt from a file */
        size_t n;
        if (llm_read_file(o.text_file, NULL, &file_text, &n, &err) != LLM_OK) {
            fprintf(stderr, "generate: %s: %s\n", o.text_file, err.message);
            goto done;
        }
        prompt = (const char *)file_text;
    }
    if (o.tok_path) {
        llm_tokenizer_desc td;
        memset(&td, 0, sizeof td);
        td.log_fn = on_log;
        if (llm_tokenizer_load(o.tok_path, &td, &tok, &err) != LLM_OK ||
            llm_model_set_tokenizer(model, tok, &err) != LLM_OK) {
            fprintf(stderr, "generate: %s: %s\n", o.tok_path, err.message);
            goto done;
        }
    } else if (!llm_model_tokenizer(model) && c->vocab_size == 256) {
        /* a byte-level model without a stored tokenizer: its tokens are bytes */
        llm_bpe_train_desc bd;
        memset(&bd, 0, sizeof bd);
        bd.vocab_size = 256;
        if (llm_tokenizer_train(&bd, &tok, &err) != LLM_OK || llm_model_set_tokenizer(model, tok, &err) != LLM_OK) {
            fprintf(stderr, "generate: %s\n", err.message);
            goto done;
        }
    }
    tk = llm_model_tokenizer(model);
    if (o.lora && llm_lora_load(model, o.lora, NULL, &lora, &err) != LLM_OK) {   /* an adapter for the sessions */
        fprintf(stderr, "generate: %s: %s\n", o.lora, err.message);
        goto done;
    }
    if (o.chat && !prompt && !o.prompt_ids && !tk) {
        fprintf(stderr, "generate: --chat needs a tokenizer\n");
        goto done;
    }
    if (o.chat && prompt && !o.prompt_ids) {
        /* the text as a user turn in the model's chat format (its tokenizer's template, else
           the one train --sft uses), then what opens the answer; the template's special tokens
           are tokens, the text's never are */
        llm_chat_template ct;
        llm_chat_message m[2];
        size_t n = 0;
        int nm = 0;
        if (!tk) { fprintf(stderr, "generate: --chat needs a tokenizer\n"); goto done; }
        ct = llm_tokenizer_chat(tk);
        if (o.system) { m[nm].role = LLM_CHAT_SYSTEM; m[nm++].content = o.system; }
        m[nm].role = LLM_CHAT_USER; m[nm++].content = prompt;
        fprintf(stderr, "chat format: %s\n", llm_chat_family_name(ct.family));
        llm_chat_tokenize(tk, NULL, m, nm, 1, NULL, 0, &n);
        pids = (int32_t *)malloc((n + 1) * sizeof(int32_t));
        if (!pids || llm_chat_tokenize(tk, NULL, m, nm, 1, pids, n, &n) != LLM_OK) goto done;
        n_pids = (int)n;
        n = llm_chat_format(&ct, m, nm, 1, NULL, 0);   /* the same as text, to show it */
        if (!(chat = (char *)malloc(n + 1))) goto done;
        llm_chat_format(&ct, m, nm, 1, chat, n + 1);
        prompt = chat;
    }
    /* the prompt: ids, text, or the start token */
    if (!n_pids && o.prompt_ids) {
        pids = (int32_t *)malloc((strlen(o.prompt_ids) / 2 + 2) * sizeof(int32_t));
        if (!pids || !parse_ids(o.prompt_ids, c->vocab_size, pids, &n_pids)) goto done;
    } else if (!n_pids && prompt && *prompt) {
        size_t n = 0;
        int flags = tk && llm_tokenizer_kind(tk) == LLM_TOKENIZER_SPM ? LLM_TOKENIZE_ADD_BOS : 0;
        if (!tk) {
            fprintf(stderr, "generate: -i needs a tokenizer (-z, or one in the checkpoint); use --prompt-ids\n");
            goto done;
        }
        llm_tokenize(tk, prompt, strlen(prompt), flags, NULL, 0, &n);
        pids = (int32_t *)malloc((n + 1) * sizeof(int32_t));
        llm_tokenize(tk, prompt, strlen(prompt), flags, pids, n, &n);
        n_pids = (int)n;
    }
    if (!n_pids) {
        pids = (int32_t *)malloc(sizeof(int32_t));
        pids[0] = tk && llm_tokenizer_bos(tk) >= 0 ? llm_tokenizer_bos(tk)
                : c->arch == LLM_ARCH_LLAMA ? 1 : (c->vocab_size > 50256 ? 50256 : c->vocab_size - 1);
        n_pids = 1;
    }
    if (llm_threadpool_create(o.threads, NULL, &pool, &err) != LLM_OK) {
        fprintf(stderr, "generate: %s\n", err.message);
        goto done;
    }
    if (o.ppl) {
        /* teacher-forced perplexity of the ids after the first: exp(mean(-log p(id[t+1] | ids[..t]))),
           one token at a time (the decoding path, so quantized copies count), in windows of the
           context: each window starts afresh with its first id */
        double nll = 0;
        int n_scored = 0, w0;
        memset(&sd, 0, sizeof sd);
        sd.pool = pool; sd.log_fn = on_log;
        if (n_pids < 2) { fprintf(stderr, "generate: --perplexity needs at least 2 prompt tokens\n"); goto done; }
        if (llm_session_create(model, &sd, &s, &err) != LLM_OK) {
            fprintf(stderr, "generate: %s\n", err.message);
            goto done;
        }
        if (lora && llm_session_set_lora(s, lora, (float)o.lora_scale) != LLM_OK) {
            fprintf(stderr, "generate: %s\n", llm_session_last_error(s));
            goto done;
        }
        for (w0 = 0; w0 + 1 < n_pids; w0 += llm_session_n_ctx(s)) {
            const int len = n_pids - w0 < llm_session_n_ctx(s) ? n_pids - w0 : llm_session_n_ctx(s);
            int k;
            llm_session_reset(s);
            for (k = 0; k + 1 < len; k++) {
                const float *l;
                double mx = -1e30, z = 0;
                int j;
                if (llm_session_eval(s, pids + w0 + k, 1, NULL) != LLM_OK) {
                    fprintf(stderr, "generate: %s\n", llm_session_last_error(s));
                    goto done;
                }
                l = llm_session_logits(s);
                for (j = 0; j < c->vocab_size; j++) if (l[j] > mx) mx = l[j];
                for (j = 0; j < c->vocab_size; j++) z += exp(l[j] - mx);
                nll += mx + log(z) - l[pids[w0 + k + 1]];
                n_scored++;
            }
        }
        printf("perplexity: %.4f over %d tokens\n", exp(nll / n_scored), n_scored);
        rc = 0;
        goto done;
    }
    memset(&sd, 0, sizeof sd);
    sd.pool = pool; sd.log_fn = on_log;
    if (llm_session_create(model, &sd, &s, &err) != LLM_OK) {
        fprintf(stderr, "generate: %s\n", err.message);
        goto done;
    }
    if (lora && llm_session_set_lora(s, lora, (float)o.lora_scale) != LLM_OK) {
        fprintf(stderr, "generate: %s\n", llm_session_last_error(s));
        goto done;
    }
    if (n_pids >= llm_session_n_ctx(s)) {
        fprintf(stderr, "generate: the prompt (%d tokens) fills the context (%d)\n", n_pids, llm_session_n_ctx(s));
        goto done;
    }
    if (o.n_new > llm_session_n_ctx(s) - n_pids) {
        if (o.beam || !o.shift) {
            fprintf(stderr, "generate: the context holds %d tokens: %d new after the %d of the prompt%s\n",
                    llm_session_n_ctx(s), llm_session_n_ctx(s) - n_pids, n_pids,
                    o.beam ? " (beam search does not shift)" : " (without --no-shift the context shifts)");
            o.n_new = llm_session_n_ctx(s) - n_pids;
        } else {
            fprintf(stderr, "generate: the context holds %d tokens; past that its oldest half is dropped "
                            "(--no-shift stops there instead)\n", llm_session_n_ctx(s));
        }
    }

    if (o.beam) {
        llm_beam_desc bd;
        int32_t *out = (int32_t *)malloc((size_t)(o.n_new + 1) * sizeof(int32_t));
        int n_out = 0;
        float score;
        double t0 = llm_time_seconds(), dt;
        memset(&bd, 0, sizeof bd);
        bd.beam_size = o.beam; bd.max_tokens = o.n_new > 0 ? o.n_new : 1;
        if (llm_beam_search(s, pids, n_pids, &bd, out, o.n_new + 1, &n_out, &score) != LLM_OK) {
            fprintf(stderr, "generate: %s\n", llm_session_last_error(s)); free(out); goto done;
        }
        dt = llm_time_seconds() - t0;
        if (o.ids_only || !tk) { for (i = 0; i < n_out; i++) printf(i ? " %d" : "%d", (int)out[i]); printf("\n"); }
        else {
            size_t n = 0; char *txt;
            llm_detokenize(tk, out, (size_t)n_out, NULL, 0, &n);
            txt = (char *)malloc(n + 1);
            llm_detokenize(tk, out, (size_t)n_out, txt, n, &n);
            if (prompt) fputs(prompt, stdout);
            fwrite(txt, 1, n, stdout); printf("\n");
            free(txt);
        }
        fprintf(stderr, "beam %d: %d tokens, score %.4f, %.2f s | %.1f tok/s\n", o.beam, n_out, score, dt, n_out / dt);
        free(out);
        rc = 0;
        goto done;
    }

    memset(&spd, 0, sizeof spd);
    spd.temperature = (float)o.temp; spd.top_p = (float)o.top_p; spd.top_k = o.top_k;
    spd.min_p = (float)o.min_p; spd.repeat_penalty = (float)o.rep; spd.seed = o.seed;
    if (llm_sampler_create(model, &spd, &smp, &err) != LLM_OK) {
        fprintf(stderr, "generate: %s\n", err.message);
        goto done;
    }
    if (o.chat && !prompt && !o.prompt_ids) {   /* a conversation on stdin */
        llm_session_reset(s);
        rc = chat_loop(s, smp, tk, o.system, o.n_new);
        goto done;
    }
    {
        llm_generate_desc gd;
        llm_generate_stats st;
        ids_out io;
        memset(&gd, 0, sizeof gd); memset(&io, 0, sizeof io);
        gd.prompt_ids = pids; gd.n_prompt_ids = n_pids; gd.max_tokens = o.n_new; gd.context_shift = o.shift;
        gd.n_keep =
            (tk ? pids[0] == llm_tokenizer_bos(tk) : c->arch == LLM_ARCH_LLAMA && pids[0] == 1) ? 1 : 0; /* BOS */
        gd.stop_strings = o.stops; gd.n_stop_strings = tk ? o.n_stops : 0;
        if (c->arch == LLM_ARCH_LLAMA) {   /* the BOS (llama2.c's id 1 without a tokenizer; Llama 3's is not 1) */
            if (tk && llm_tokenizer_bos(tk) >= 0) stop_bos = llm_tokenizer_bos(tk);
            gd.stop_tokens = &stop_bos; gd.n_stop_tokens = 1;
        }
        if (o.ids_only || !tk) { gd.on_token = on_token; gd.user_data = &io; }
        else {
            gd.on_text = on_text;
            if (prompt) { fputs(prompt, stdout); fflush(stdout); }
        }
        if (o.n_new == 0) { rc = 0; goto done; }
        if (llm_generate(s, smp, &gd, &st) != LLM_OK) {
            fprintf(stderr, "\ngenerate: %s\n", llm_session_last_error(s));
            goto done;
        }
        printf("\n");
        fflush(stdout);
        if (st.n_shifts) fprintf(stderr, "context shifted %d time%s\n", st.n_shifts, st.n_shifts > 1 ? "s" : "");
        if (st.stop == LLM_STOP_CONTEXT_FULL) fprintf(stderr, "stopped: the context is full\n");
        fprintf(stderr, "decode: %.1f tok/s (%d tokens, %.1f ms/token) | prefill: %.1f tok/s (%d tokens) | %s\n",
                st.decode_seconds > 0 ? st.n_generated / st.decode_seconds : 0.0, st.n_generated,
                st.n_generated ? 1000 * st.decode_seconds / st.n_generated : 0.0,
                st.prefill_seconds > 0 ? st.n_prompt / st.prefill_seconds : 0.0, st.n_prompt, llm_session_backend(s));
    }
    rc = 0;
done:
    free(pids);
    llm_free(NULL, file_text);
    llm_sampler_free(smp);
    llm_session_free(s);
    llm_lora_free(lora);
    free(chat);
    llm_threadpool_free(pool);
    llm_tokenizer_free(tok);
    llm_model_free(model);
    return rc;
}
