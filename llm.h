/* llm.h - v0.2.0 - train and run GPT-style language models in one C header.

   Do this:
       #define LLM_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the implementation.

       #include ...
       #define LLM_IMPLEMENTATION
       #include "llm.h"

   and build with one command:
       cc -O2 prog.c -lm -lpthread          (fast on any x86-64 or aarch64 CPU: the SIMD kernels are
                                             chosen at run time; -march=native vectorises the rest too)

   WHAT IT IS
       A tokenizer-to-sampler GPT toolkit: tokenizers (GPT-2 byte-level BPE and Llama
       SentencePiece, exact to the references, plus BPE training), the model families GPT-2,
       Llama (1-3, SmolLM2), Qwen2, Qwen3 and Gemma 3 (llm_arch) with forward *and* backward
       passes, AdamW training, instruction tuning and
       LoRA adapters, KV-cache sessions,
       samplers, beam search, streaming generation, checkpoints (GGUF as the native format)
       and importers for karpathy/llm.c and karpathy/llama2.c files. Everything is plain C99
       that also compiles as C++11; the only dependencies are libc, libm and threads.

   CONTENTS (search for the tags; the implementation follows the data)
       >>status >>alloc >>threads ... >>beam    the public API (declarations), in this order
       >>platform    errors, allocation, files, the thread pool, the clock, the RNG
       >>tokenizer   pre-split, the regex matcher of Split patterns, NFC, the BPE merge loop,
                     encode, decode (streaming)
       >>model       config, tensor table, initialisation
       >>backend     the seam: the table of ops the model logic calls (CPU: the next section)
       >>ops         each forward above its backward: >>embedding >>scale >>layernorm >>headnorm
                     >>matmul >>rope >>attention >>gelu >>swiglu >>geglu >>residual
                     >>crossentropy >>adamw
       >>lora        low-rank adapters: forward and backward beside each adapted matrix, merge
       >>block       the transformer block, and the whole model's forward and backward
       >>training    the trainer: loss, gradient norm, clipping, AdamW, schedule
       >>inference   KV-cache sessions: prefill, decode, rewind, shift, save/load
       >>sampler     penalties, bias, temperature, top-k, top-p, min-p, draw
       >>generate    streaming generation, stop strings, frame budgets; beam search
       >>bpe_train   learning a byte-level BPE vocabulary
       >>formats     GGUF, tokenizer files, checkpoints, llm.c and llama2.c imports, shards,
                     LoRA adapters
       >>sft         instruction-tuning data: JSONL, chat formats (the models' templates), batches
       >>kernels     the fast variants behind the ops: >>gemm (packed, register-blocked),
                     >>matvec, the AdamW vectors; the sampler's heaps and selection
       >>appendix    Unicode tables: general categories (pre-split, regex), NFC
       >>cuda        llm_cuda.h, included here when LLM_CUDA is defined (the GPU backend)

   OPTIONS (#define before including the implementation)
       LLM_STATIC          all public functions get `static` linkage
       LLM_ASSERT(x)       your assert (default: assert from <assert.h>); only checks
                           internal invariants, never input
       LLM_MALLOC(sz)      compile-time allocator (define both or neither);
       LLM_FREE(p)         run-time allocators go in the desc structs (llm_allocator)
       LLM_NO_THREADS      build without threads (everything runs on the calling thread; set by
                           itself for WebAssembly without threads)
       LLM_NO_SIMD         use the portable scalar kernels only
       LLM_CUDA            the GPU backend of llm_cuda.h (compile the file with nvcc -x cu)

   STEP BY STEP: TRAINING
       Describe or load a model, make a trainer for a batch shape (it owns the gradients, the
       AdamW state and the activations), feed B*T inputs and the B*T targets (the same tokens
       shifted by one), save a checkpoint that resumes bit-identically:

   ---- example: training ----
      llm_model_desc md;
      llm_trainer_desc td;
      llm_model *model;
      llm_trainer *tr;
      llm_error err;
      llm_step_result res;
      int32_t inputs[4 * 64] = {0}, targets[4 * 64] = {0};   // fill from your data
      memset(&md, 0, sizeof md);
      md.config.arch = LLM_ARCH_LLAMA; md.config.n_layer = 4; md.config.n_head = 4;
      md.config.dim = 128; md.config.vocab_size = 256; md.config.max_seq_len = 64; md.seed = 1;
      if (llm_model_create(&md, &model, &err) != LLM_OK) { puts(err.message); return 1; }
      // or: llm_model_load("model.gguf", NULL, &model, &err)
      memset(&td, 0, sizeof td);
      td.batch = 4; td.seq_len = 64; td.lr = 1e-3f; td.total_steps = 1000;
      if (llm_trainer_create(model, &td, &tr, &err) != LLM_OK) { puts(err.message); return 1; }
      if (llm_trainer_step(tr, inputs, targets, &res) != LLM_OK) puts(llm_trainer_last_error(tr));
      printf("loss %.3f\n", res.loss);
      llm_trainer_save(tr, "run.gguf", 0);   // llm_trainer_load(tr, "run.gguf", &pos) resumes
      llm_trainer_free(tr);
      llm_model_free(model);
   ---- end ----
       Gradient accumulation: llm_trainer_accumulate() per micro-batch, then
       llm_trainer_update(). llm_model_forward() runs the model without a trainer.

   STEP BY STEP: GENERATION
       Load a model (a GGUF from llm.h carries its tokenizer; llm_model_set_tokenizer gives one
       to a model that has none), make a session per conversation (a KV cache; many sessions
       may share one model on many threads) and a sampler, and stream text:

   ---- example: generation ----
      llm_model *model;
      llm_session *s;
      llm_sampler *smp;
      llm_sampler_desc sd;
      llm_generate_desc gd;
      llm_generate_stats stats;
      llm_error err;
      if (llm_model_load("demo.gguf", NULL, &model, &err) != LLM_OK) { puts(err.message); return 1; }
      llm_session_create(model, NULL, &s, &err);            // NULL desc: the defaults
      memset(&sd, 0, sizeof sd);
      sd.temperature = 0.8f; sd.top_p = 0.95f; sd.seed = 1;  // vocab_size 0: the model's
      llm_sampler_create(model, &sd, &smp, &err);
      memset(&gd, 0, sizeof gd);
      gd.prompt = "Once upon a time"; gd.max_tokens = 200;
      gd.on_text = print_piece;   // int print_piece(const char *text, size_t len, int32_t tok, void *u)
      if (llm_generate(s, smp, &gd, &stats) != LLM_OK) puts(llm_session_last_error(s));
      printf("\n%d tokens, stopped: %s\n", stats.n_generated, llm_stop_reason_string(stats.stop));
      llm_sampler_free(smp);
      llm_session_free(s);
      llm_model_free(model);
   ---- end ----
       The callback only ever receives complete UTF-8 characters, never part of a stop string.
       In a game loop, llm_generator_create() then llm_generator_step(g, 0.004, &done) once
       per frame does about 4 ms of work. Lower level: llm_session_eval(s, ids, n, NULL), then
       llm_sampler_sample(smp, llm_session_logits(s), &id); or llm_beam_search().
       A chat model (Qwen, Llama 3, SmolLM2, Gemma 3): its tokenizer knows the model's chat
       format (from the model's chat template, see >>sft); llm_chat_tokenize writes the
       conversation as the prompt, and generation stops at the end of the model's turn:

   ---- example: chat ----
      llm_model *model;
      llm_session *s;
      llm_sampler *smp;
      llm_generate_desc gd;
      llm_chat_message msg[2];
      int32_t ids[512];
      size_t n = 0;
      llm_error err;
      if (llm_model_load("qwen3-0.6b.gguf", NULL, &model, &err) != LLM_OK) { puts(err.message); return 1; }
      msg[0].role = LLM_CHAT_SYSTEM; msg[0].content = "You are a blacksmith in a small village.";
      msg[1].role = LLM_CHAT_USER; msg[1].content = "Can you mend my sword?";
      if (llm_chat_tokenize(llm_model_tokenizer(model), NULL, msg, 2, 1, ids, 512, &n) != LLM_OK) return 1;
      llm_session_create(model, NULL, &s, &err);
      llm_sampler_create(model, NULL, &smp, &err);   // NULL desc: greedy
      memset(&gd, 0, sizeof gd);
      gd.prompt_ids = ids; gd.n_prompt_ids = (int)n; gd.max_tokens = 200; gd.on_text = print_piece;
      llm_generate(s, smp, &gd, NULL);   // stops at <|im_end|>: the answer is done
      llm_sampler_free(smp);
      llm_session_free(s);
      llm_model_free(model);
   ---- end ----

   STEP BY STEP: ADAPTING A MODEL (instruction tuning, LoRA)
       Instruction-tuning data is JSONL of prompt/response pairs or chat messages; batches of
       it carry LLM_TARGET_IGNORE on every token but the responses, so the loss is theirs
       alone. A LoRA adapter trains two small matrices per adapted weight, the base frozen; a
       session applies it at a scale, or llm_lora_merge folds it in; llm_lora_save writes the
       GGUF adapter llama.cpp loads (--lora):

   ---- example: adapting ----
      llm_model *model;
      llm_sft_data *data;
      llm_lora *lora;
      llm_lora_desc ld;
      llm_trainer_desc td;
      llm_trainer *tr;
      llm_error err;
      int32_t in[8 * 64], tg[8 * 64];
      int step;
      if (llm_model_load("demo.gguf", NULL, &model, &err) != LLM_OK) { puts(err.message); return 1; }
      if (llm_sft_load(llm_model_tokenizer(model), "chat.jsonl", NULL, NULL, &data, &err) != LLM_OK) {
          puts(err.message);   // e.g. "SFT line 7: a message's role is not ..."
          return 1;
      }
      memset(&ld, 0, sizeof ld);
      ld.rank = 16; ld.alpha = 32; ld.targets = LLM_LORA_Q | LLM_LORA_V;
      llm_lora_create(model, &ld, &lora, &err);
      memset(&td, 0, sizeof td);
      td.batch = 8; td.seq_len = 64; td.lr = 3e-3f; td.lora = lora;   // lora NULL: every weight
      llm_trainer_create(model, &td, &tr, &err);
      for (step = 0; step < 300; step++) {
          llm_sft_batch(data, (size_t)step * 8, 8, 64, in, tg);   // one example per row
          llm_trainer_step(tr, in, tg, NULL);
      }
      llm_lora_save(lora, "adapter.gguf", &err);   // then: llm_session_set_lora(s, lora, 1.0f)
      llm_trainer_free(tr);
      llm_lora_free(lora);
      llm_sft_free(data);
      llm_model_free(model);
   ---- end ----

   STEP BY STEP: TOKENIZERS
   ---- example: tokenizers ----
      llm_tokenizer *tok;
      llm_error err;
      int32_t ids[64];
      size_t n;
      char text[256];
      if (llm_tokenizer_load("gpt2/", NULL, &tok, &err) != LLM_OK) { puts(err.message); return 1; }
      // also tokenizer.model, tokenizer.bin, a .gguf; or llm_tokenizer_train() on your text
      llm_tokenize(tok, "Hello world", 11, 0, NULL, 0, &n);          // how many ids?
      llm_tokenize(tok, "Hello world", 11, 0, ids, 64, &n);          // exact to the reference
      llm_detokenize(tok, ids, n, text, sizeof text, &n);            // or llm_detok_push
      llm_tokenizer_free(tok);
   ---- end ----

   SAVE AND LOAD
       Every object with state has llm_X_save / llm_X_load (a file) and llm_X_save_mem /
       llm_X_load_mem (a buffer): model, tokenizer, trainer, session, sampler. A _save_mem with
       a NULL buffer and capacity 0 asks for the size. Files are GGUF (model, tokenizer,
       training checkpoints, readable by llama.cpp) or small tagged blobs (session, sampler).
       Every load checks every count and offset against the data and the LLM_MAX_* limits
       (>>model) before it allocates.

   THREADS
       llm_threadpool_create(n) makes a pool of persistent threads; pass it in the descs
       (NULL = run on the calling thread). A model and a tokenizer are read-only after they
       are created or loaded and may be shared by any number of threads and sessions. A
       trainer, a session, a sampler and a generator are used by one thread at a time.
       Several callers may share one pool (their jobs take turns). Results are bit-identical
       for a given thread count; the kernels split work over output elements, so most results
       are identical across thread counts too.

   MEMORY
       Every allocation goes through the llm_allocator in the desc (or LLM_MALLOC/LLM_FREE).
       A model is one parameter buffer plus a tensor table; a trainer adds gradients, AdamW
       m and v (3x the parameters), activations for its (B, T) and a workspace per thread;
       a session its KV cache and one layer's scratch. Nothing allocates per token or per step.
       Attention memory is O(T) per head: attention runs in tiles with an online softmax.

   ERRORS
       Every fallible call returns llm_status (LLM_OK = 0, errors negative);
       llm_status_string() names it. The message: calls that create or load an object, and
       calls on the shared read-only objects (model, tokenizer), fill the llm_error you pass
       (or NULL); objects you own keep their last error: llm_trainer_last_error(),
       llm_session_last_error(), llm_sampler_last_error(), llm_generator_last_error().
       A NULL object or pointer gives LLM_ERR_INVALID_ARG; llm_X_free(NULL) does nothing.
       The library never prints, exits or aborts; set log_fn in a desc to hear from it.

   PLATFORMS
       Linux, macOS, Windows (Win32 threads, no pthreads needed: cl prog.c, or mingw-w64 gcc
       without -lpthread; UTF-8 paths), WebAssembly (wasm32-wasi: threads off by themselves),
       x86-64 (AVX2 and AVX-512 kernels always compiled, chosen per CPU at run time: see
       llm_threadpool_kernels), aarch64 (NEON), any other C99 target with the portable
       kernels; either endianness (files are little-endian everywhere). tests/cross.sh runs
       the suite on aarch64, Windows, wasm32 and s390x.

   BACKENDS
       The CPU path is always compiled and is the reference. With LLM_CUDA defined and the
       file compiled by nvcc (nvcc -O3 -arch=sm_90 -DLLM_CUDA -x cu prog.c -lcublas),
       trainers and sessions run on an NVIDIA GPU with no change to the program (llm_cuda.h,
       see its top: flash attention, bf16 matmuls with fp32 master weights). The backend and
       precision fields of the trainer and session descs choose (AUTO: the GPU when one can
       be used, else the CPU and the log says why); llm_backend_name(),
       llm_trainer_backend() and llm_session_backend() say where work runs. A GPU trainer
       trains its own copy of the weights: llm_trainer_sync() brings them into the model.

   WHAT llm.h DOES NOT DO
       No quantisation (yet), no mixed precision on the CPU (fp32 everywhere), no multi-node
       training, no regex library, no network access.

   CHANGES
       0.3.0  today's small models: LLM_ARCH_QWEN2, _QWEN3, _GEMMA3 (Llama 3.x and SmolLM2
              are LLM_ARCH_LLAMA) and llm_config fields appended after arch (head_dim,
              rope_type with LLM_ROPE_LINEAR / _LLAMA3 and its factors, rope_local_theta,
              sliding_window, sliding_pattern, attn_scale); their Hugging Face and GGUF files
              both ways; the Hugging Face tokenizer.json pipeline (added tokens, NFC, regex
              Split, Digits, Metaspace, byte fallback, ignore_merges), LLM_PATTERN_QWEN2,
              llm_tokenizer_default_flags; chat formats recognised from a tokenizer's
              template (llm_chat_family, llm_chat_detect, llm_chat_format, llm_chat_tokenize,
              llm_tokenizer_chat, llm_tokenizer_eot; llm_chat_template gains family, flags,
              default_system, date at its end); generation stops at end-of-turn tokens.
       0.2.0  one API convention: _save/_load and _save_mem/_load_mem for every object with
              state (llm_model_load(path, desc, ...), llm_tokenizer_load(path, desc, ...),
              llm_trainer_load replaces llm_trainer_load_state, llm_token_shard_load*);
              enums reserve 0 (LLM_ARCH_NONE is refused; LLM_ARCH_GPT2 = 1); LLM_TOKEN_NONE;
              llm_sampler_create(model, desc, ...) with vocab_size (0 = the model's);
              llm_model_set_tokenizer copies and checks; llm_stop_reason_string; context
              shift in llm_generate; size queries return LLM_OK; NULL checks everywhere; a
              monotonic wall clock everywhere; frame budgets kept; llm_gemm,
              llm_threadpool_run, llm_sampler_candidates, llm_build_info, llm_backend_name;
              the CUDA backend (llm_cuda.h): llm_backend and llm_precision in the trainer
              and session descs, LLM_ERR_CUDA, llm_trainer_sync, llm_trainer_backend,
              llm_session_backend.
       0.1.0  the first release.

   LICENSE: see the end of the file (MIT or public domain, your choice).
*/
#ifndef LLM_H_INCLUDED
#define LLM_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define LLM_VERSION_MAJOR 0
#define LLM_VERSION_MINOR 3
#define LLM_VERSION_PATCH 0

#ifdef LLM_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define LLMDEF static __attribute__((unused))
#else
#define LLMDEF static
#endif
#else
#define LLMDEF extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* >>status ------------------------------------------------------------------------------ */
typedef enum llm_status {
    LLM_OK = 0,
    LLM_ERR_INVALID_ARG = -1,     /* a bad argument or configuration (a NULL object too) */
    LLM_ERR_OUT_OF_MEMORY = -2,   /* an allocation failed */
    LLM_ERR_IO = -3,              /* open/read/write failed */
    LLM_ERR_FORMAT = -4,          /* a file is truncated, corrupted or has the wrong magic */
    LLM_ERR_UNSUPPORTED = -5,     /* a valid file or request this build cannot handle */
    LLM_ERR_CANCELLED = -6,       /* a progress callback asked to stop */
    LLM_ERR_NON_FINITE = -7,      /* a NaN/Inf loss or gradient; weights left untouched */
    LLM_ERR_CONTEXT_FULL = -8,    /* a sequence longer than the model/session allows */
    LLM_ERR_BUFFER_TOO_SMALL = -9,/* the caller's buffer is too small; needed size reported */
    LLM_ERR_THREAD = -10,         /* a thread could not be created */
    LLM_ERR_OUT_OF_RANGE = -11,   /* a token id or position outside its range */
    LLM_ERR_CUDA = -12            /* no usable GPU, or a CUDA call failed (CUDA's message);
                                     an object whose GPU work failed stays failed */
} llm_status;

LLMDEF const char *llm_status_string(llm_status s);
/* What this build is: version, backend and the CPU kernels compiled in, for bug reports and
   benchmark logs. */
LLMDEF const char *llm_build_info(void);
/* The backend new trainers and sessions run on by default: "cpu", or "cuda:<device name>"
   when llm_cuda.h is compiled in and a GPU can be used. */
LLMDEF const char *llm_backend_name(void);

/* The message of a failed call, for calls that have no object of yours to keep it in (the
   create and load calls, and calls on the shared read-only model and tokenizer). Optional:
   pass NULL. Objects you own (trainer, session, sampler, generator) keep theirs instead:
   llm_trainer_last_error() and so on. */
typedef struct llm_error {
    llm_status status;
    char message[256];
} llm_error;

/* "no token": a tokenizer without BOS or EOS, text that belongs to no single token */
#define LLM_TOKEN_NONE (-1)

/* >>alloc ------------------------------------------------------------------------------- */
/* Run-time allocator hooks. All zero = LLM_MALLOC/LLM_FREE (default malloc/free).
   alloc_fn must return memory aligned to at least 16 bytes; llm.h aligns further itself. */
typedef struct llm_allocator {
    void *(*alloc_fn)(size_t size, void *user_data);
    void (*free_fn)(void *ptr, void *user_data);
    void *user_data;
} llm_allocator;
LLMDEF void llm_free(const llm_allocator *allocator, void *ptr); /* frees what llm.h returned */

/* Log callback: silent unless set. level: 0 error, 1 warning, 2 info, 3 debug. */
typedef void (*llm_log_fn)(int level, const char *message, void *user_data);

/* Progress / cancel callback for long calls. Return non-zero to cancel (LLM_ERR_CANCELLED). */
typedef int (*llm_progress_fn)(float fraction, void *user_data);

/* >>threads ----------------------------------------------------------------------------- */
typedef struct llm_threadpool llm_threadpool;
/* n_threads counts the calling thread: n_threads = 2 starts one worker. n <= 0: number of
   online CPUs. */
LLMDEF llm_status llm_threadpool_create(int n_threads, const llm_allocator *allocator,
                                        llm_threadpool **out, llm_error *err);
LLMDEF void llm_threadpool_free(llm_threadpool *pool);
LLMDEF int llm_threadpool_size(const llm_threadpool *pool); /* 1 for NULL */
/* Which CPU kernels the pool's work uses and why: what the CPU has and, where two variants
   are close, a measurement of both made when the pool was created (a few ms). NULL pool:
   the choice from the CPU's features alone. */
LLMDEF const char *llm_threadpool_kernels(const llm_threadpool *pool);
/* Runs fn(ctx, part, n_parts) for part = 0 .. n_parts-1 on the pool's threads (the caller
   included) and returns when every part is done. n_parts <= 0: one part per thread. Parts
   are handed to whichever thread is free, so fn must not depend on which thread runs it. */
LLMDEF void llm_threadpool_run(llm_threadpool *pool, void (*fn)(void *ctx, int part, int n_parts), void *ctx,
                               int n_parts);

/* >>timer and >>rng --------------------------------------------------------------------- */
LLMDEF double llm_time_seconds(void); /* a monotonic wall clock, in seconds */

/* A small, seedable generator (PCG32) kept inside objects; never global. */
typedef struct llm_rng { uint64_t state, inc; } llm_rng;
LLMDEF void llm_rng_seed(llm_rng *rng, uint64_t seed);
LLMDEF uint32_t llm_rng_u32(llm_rng *rng);
LLMDEF float llm_rng_float(llm_rng *rng);   /* uniform in [0, 1) */
LLMDEF float llm_rng_normal(llm_rng *rng);  /* standard normal (Box-Muller) */

/* >>files ------------------------------------------------------------------------------- */
/* Reads a whole file into memory (allocator's memory, NUL-terminated for convenience; free
   with llm_free). */
LLMDEF llm_status llm_read_file(const char *path, const llm_allocator *allocator,
                                void **data, size_t *size, llm_error *err);

/* SAVE AND LOAD, one convention for every object with state:
     llm_X_save(x, path, ...)              llm_X_load(path or x, ...)       a file
     llm_X_save_mem(x, buf, cap, &size)    llm_X_load_mem(data, size, ...)  a buffer
   A _save_mem call with buf NULL and cap 0 asks for the size: it returns LLM_OK with the
   bytes needed in *size; a smaller buffer gives LLM_ERR_BUFFER_TOO_SMALL and the size.
   Loads check every count and offset against the data before allocating. */

/* >>tokenizer --------------------------------------------------------------------------- */
/* Two tokenizer families behind one type:
     LLM_TOKENIZER_BPE   byte-level BPE (GPT-2 / tiktoken style): text is pre-split with a
                         regex-equivalent pattern (GPT-2 or cl100k/GPT-4, written by hand),
                         each piece is encoded by merging byte pairs in rank order. Exact to
                         OpenAI's GPT-2 encoder. Tokens are raw byte strings.
     LLM_TOKENIZER_SPM   SentencePiece BPE (Llama 2): spaces become U+2581, a dummy-prefix
                         space is added, pieces merge by score, unknown characters fall back
                         to <0xXX> byte pieces. Exact to sentencepiece.
   Hugging Face tokenizer.json files run their own pipeline on these two: added tokens (ids
   above the base vocabulary or inside it; "special" ones matched only with
   LLM_TOKENIZE_ALLOW_SPECIAL, the others always), normalizers NFC / Replace(" ", "▁") /
   Prepend("▁"), pre-tokenizers Split on a regex (GPT-2's, cl100k's (Llama 3) and Qwen 2's
   written by hand, any other through a small regex matcher compiled at load), ByteLevel,
   Digits, Metaspace, the BPE model's ignore_merges (Llama 3), byte_fallback, fuse_unk and merge
   ranks (Gemma 3 is SentencePiece-style with ranks). Llama 3, Qwen 2/2.5/3, SmolLM2 and Gemma 3
   files give the ids of the Hugging Face encoder (tests/test_tokjson.c). What a file asks for
   and llm.h cannot run (another normalizer, a regex construct, dropout, ...) is refused with
   LLM_ERR_UNSUPPORTED naming it. GGUF files carry the same (tokenizer.ggml.pre: gpt2, default,
   llama-bpe, dbrx, smaug-bpe, qwen2, smollm; another value is refused).
   A tokenizer is read-only after it is loaded or trained: share it across threads freely
   (every call keeps its scratch memory, word cache included, to itself). */
typedef struct llm_tokenizer llm_tokenizer;

typedef enum llm_tokenizer_type {
    LLM_TOKENIZER_NONE = 0,
    LLM_TOKENIZER_BPE = 1,
    LLM_TOKENIZER_SPM = 2
} llm_tokenizer_type;

/* Pre-split patterns of the byte-level family. */
typedef enum llm_pattern {
    LLM_PATTERN_DEFAULT = 0, /* LLM_PATTERN_GPT2 */
    LLM_PATTERN_GPT2 = 1,    /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    LLM_PATTERN_GPT4 = 2,    /* cl100k: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
                                 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+   (Llama 3) */
    LLM_PATTERN_QWEN2 = 3    /* cl100k with \p{N} for \p{N}{1,3}: one digit per piece (Qwen 2, 2.5, 3) */
} llm_pattern;

/* Loading a tokenizer. The format is detected from the content: a directory (holding
   tokenizer.json, encoder.json + vocab.bpe, vocab.json + merges.txt or tokenizer.model),
   Hugging Face's tokenizer.json (its pipeline: see "Hugging Face tokenizer.json" below; in a
   directory, tokenizer_config.json beside it names BOS/EOS and whether to add them),
   GPT-2's encoder.json (then the desc names vocab.bpe),
   a SentencePiece tokenizer.model, a llama2.c tokenizer.bin, or a native tokenizer (a GGUF
   holding tokenizer.ggml.* metadata: a tokenizer file or any llm.h checkpoint).
   field          default / meaning
   path2          vocab.bpe, when the file is encoder.json (llm_tokenizer_load)
   data2, size2   the same from memory (llm_tokenizer_load_mem)
   allocator      malloc/free
   log_fn         silent
   The desc may be NULL. */
typedef struct llm_tokenizer_desc {
    const char *path2;
    const void *data2;
    size_t size2;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
} llm_tokenizer_desc;

LLMDEF llm_status llm_tokenizer_load(const char *path, const llm_tokenizer_desc *desc, llm_tokenizer **out,
                                     llm_error *err);
LLMDEF llm_status llm_tokenizer_load_mem(const void *data, size_t size, const llm_tokenizer_desc *desc,
                                         llm_tokenizer **out, llm_error *err);
/* Saves the native tokenizer file: a GGUF with only tokenizer.ggml.* metadata (llama.cpp's
   keys, so llama.cpp reads it too) plus llm.tokenizer.* keys. */
LLMDEF llm_status llm_tokenizer_save(const llm_tokenizer *tok, const char *path, llm_error *err);
LLMDEF llm_status llm_tokenizer_save_mem(const llm_tokenizer *tok, void *buf, size_t cap, size_t *size,
                                         llm_error *err);
LLMDEF void llm_tokenizer_free(llm_tokenizer *tok);
LLMDEF llm_tokenizer_type llm_tokenizer_kind(const llm_tokenizer *tok);
LLMDEF int32_t llm_tokenizer_vocab_size(const llm_tokenizer *tok);
LLMDEF int32_t llm_tokenizer_bos(const llm_tokenizer *tok); /* LLM_TOKEN_NONE when there is none */
LLMDEF int32_t llm_tokenizer_eos(const llm_tokenizer *tok); /* LLM_TOKEN_NONE when there is none */
/* The flags the model was trained with: LLM_TOKENIZE_ADD_BOS and/or LLM_TOKENIZE_ADD_EOS, as
   the file says (tokenizer_config.json's add_bos_token / add_eos_token, a tokenizer.json
   TemplateProcessing, GGUF tokenizer.ggml.add_bos_token / add_eos_token; SentencePiece files
   add BOS). */
LLMDEF int llm_tokenizer_default_flags(const llm_tokenizer *tok);
/* Longest llm_token_piece in bytes (sizes llm_detok_push's output buffer). */
LLMDEF size_t llm_tokenizer_max_piece(const llm_tokenizer *tok);
/* The id of a token given its exact piece bytes (as llm_token_piece returns them), or
   LLM_TOKEN_NONE. */
LLMDEF int32_t llm_tokenizer_find(const llm_tokenizer *tok, const char *piece, size_t len);

/* llm_tokenize flags */
#define LLM_TOKENIZE_ADD_BOS 1        /* prepend BOS (when the tokenizer has one) */
#define LLM_TOKENIZE_ADD_EOS 2        /* append EOS (when the tokenizer has one) */
#define LLM_TOKENIZE_ALLOW_SPECIAL 4  /* match special tokens (<|endoftext|>, <s>, </s>...)
                                         written in the text; without it they are plain text
                                         (user input cannot inject them). Added tokens that
                                         are not special (Qwen's <think>, Gemma's </div>;
                                         GGUF's user-defined tokens) are always matched. */

/* Encodes len bytes of text into ids[0..cap). *n_ids gets the number of ids. ids NULL with
   cap 0 asks for the count (LLM_OK); a smaller cap gives LLM_ERR_BUFFER_TOO_SMALL, the
   count needed in *n_ids and the first cap ids in ids.
   Invalid UTF-8: every byte that does not start a valid UTF-8 sequence (strict: no
   overlongs, surrogates or code points above U+10FFFF) is one character of its own. The
   byte-level family treats it as punctuation (neither letter, number nor space) and encodes
   the byte itself, exactly what OpenAI's encoder does with text decoded by Python's
   'surrogateescape'; the SentencePiece family turns it into U+FFFD, as sentencepiece does.
   With ALLOW_SPECIAL the text is cut at special tokens and the parts in between encoded
   on their own (SentencePiece adds the dummy-prefix space only at the start of the text). */
LLMDEF llm_status llm_tokenize(const llm_tokenizer *tok, const char *text, size_t len,
                               int flags, int32_t *ids, size_t cap, size_t *n_ids);

/* The stored bytes of one token: raw bytes for the byte-level family; the piece itself for
   SentencePiece ("\xE2\x96\x81the" for " the", "<0x0A>" for a newline byte). NULL when id is
   out of range. *len may be NULL. */
LLMDEF const char *llm_token_piece(const llm_tokenizer *tok, int32_t id, size_t *len);

/* Decodes ids into text (not NUL-terminated). Byte-level: the concatenated token bytes,
   exactly (decode(encode(x)) == x for any bytes x). SentencePiece: as sentencepiece's
   DecodeIds: U+2581 becomes a space, the dummy-prefix space of the first piece is removed,
   byte pieces are joined and each byte that is not part of valid UTF-8 becomes U+FFFD,
   control tokens (<s>, </s>) vanish, <unk> becomes " \xE2\x81\x87 ".
   Same buffer rule as llm_tokenize (*n_out = bytes needed). LLM_ERR_OUT_OF_RANGE for an id
   outside the vocabulary. */
LLMDEF llm_status llm_detokenize(const llm_tokenizer *tok, const int32_t *ids, size_t n_ids,
                                 char *out, size_t cap, size_t *n_out);

/* Streaming detokenizer: a small value the caller owns (zero-initialise it, or call
   llm_detok_init). Feed ids one at a time; each call writes the text that became final,
   never a partial UTF-8 character: bytes that may still be the start of a character are
   held back (at most 3) until the character completes. Bytes that can no longer form a
   valid character are emitted as the whole decode would (raw for byte-level, U+FFFD per
   byte for SentencePiece), so the concatenated output of push...push flush equals
   llm_detokenize of the same ids. A buffer of llm_tokenizer_max_piece() + 16 bytes is
   always enough; with less, LLM_ERR_BUFFER_TOO_SMALL, *n_out = bytes needed, and the state
   is unchanged. */
typedef struct llm_detok_state {
    int started;              /* SentencePiece: some text was emitted (no more prefix strip) */
    int n_pending;            /* bytes held back */
    unsigned char pending[4];
} llm_detok_state;

LLMDEF void llm_detok_init(llm_detok_state *state);
LLMDEF llm_status llm_detok_push(const llm_tokenizer *tok, llm_detok_state *state, int32_t id,
                                 char *out, size_t cap, size_t *n_out);
/* Emits what is held back (an incomplete character at the end of the stream) and resets
   the state. */
LLMDEF llm_status llm_detok_flush(const llm_tokenizer *tok, llm_detok_state *state, char *out,
                                  size_t cap, size_t *n_out);

/* Training a byte-level BPE vocabulary (>>bpe_train).
   field              default / meaning
   text, size         required: the training corpus (any bytes)
   vocab_size         required: 256 byte tokens + merges + 1 (<|endoftext|>, the last id);
                      >= 257. Training stops early when no pair is left to merge. 256 gives
                      the plain byte tokenizer (no merges, no EOS): a byte-level model's.
   pattern            LLM_PATTERN_GPT2 (pre-split pattern; saved with the tokenizer)
   progress           none; called with the fraction of merges done; non-zero cancels
                      (LLM_ERR_CANCELLED)
   allocator, log_fn  malloc/free, silent
   Ties: the pair with the highest count wins; among equal counts the smallest
   (left id, right id). The result is deterministic. */
typedef struct llm_bpe_train_desc {
    const void *text;
    size_t size;
    int vocab_size;
    llm_pattern pattern;
    llm_progress_fn progress;
    void *progress_user_data;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
} llm_bpe_train_desc;

LLMDEF llm_status llm_tokenizer_train(const llm_bpe_train_desc *desc, llm_tokenizer **out,
                                      llm_error *err);

/* >>model ------------------------------------------------------------------------------- */
/* Limits. Every size a caller or a file declares is checked against these, in 64-bit
   arithmetic, before anything is allocated; a value past one is refused with a status that
   names it. A file's tensors must also hold the parameters its config asks for, so a model
   file never makes the loader allocate much more than its own size (fp32 values: at most
   about 4 x 16/9 bytes per file byte, the densest quantized type, doubled for padded
   vocabulary rows a GGUF does not store). Define any of them before including llm.h to
   change it. */
#ifndef LLM_MAX_LAYERS
#define LLM_MAX_LAYERS 1024           /* n_layer */
#endif
#ifndef LLM_MAX_HEADS
#define LLM_MAX_HEADS 1024            /* n_head, n_kv_head */
#endif
#ifndef LLM_MAX_DIM
#define LLM_MAX_DIM 65536             /* dim */
#endif
#ifndef LLM_MAX_FFN_DIM
#define LLM_MAX_FFN_DIM (1 << 20)     /* ffn_dim */
#endif
#ifndef LLM_MAX_VOCAB
#define LLM_MAX_VOCAB (1 << 24)       /* vocab_size, padded_vocab_size, tokens in a tokenizer */
#endif
#ifndef LLM_MAX_SEQ_LEN
#define LLM_MAX_SEQ_LEN (1 << 20)     /* max_seq_len, a session's n_ctx */
#endif
#ifndef LLM_MAX_TOKEN_BYTES
#define LLM_MAX_TOKEN_BYTES 65536     /* the bytes of one vocabulary entry */
#endif
#ifndef LLM_MAX_BATCH_TOKENS
#define LLM_MAX_BATCH_TOKENS (1 << 26)   /* B x T of a trainer or llm_model_forward */
#endif
#ifndef LLM_MAX_THREADS
#define LLM_MAX_THREADS 1024          /* n_threads */
#endif

typedef enum llm_arch {
    LLM_ARCH_NONE = 0,   /* not set: llm_model_create refuses it */
    LLM_ARCH_GPT2 = 1,   /* LayerNorm, GELU(tanh), learned positions, biases, tied head */
    LLM_ARCH_LLAMA = 2,  /* RMSNorm, SwiGLU, RoPE, grouped-query attention, no biases (also Llama 3, SmolLM2) */
    LLM_ARCH_QWEN2 = 3,  /* Llama + biases on q, k, v (Qwen2, Qwen2.5) */
    LLM_ARCH_QWEN3 = 4,  /* Llama + RMSNorm of each head's q and k before RoPE; head_dim may differ from dim/n_head */
    LLM_ARCH_GEMMA3 = 5  /* Llama-like with embeddings times sqrt(dim), q/k norms, norms after attention and after
                            the MLP too ("sandwich"), GeGLU (tanh GELU), sliding-window layers beside global
                            ones (each with its own RoPE base), tied head */
} llm_arch;

/* How RoPE frequencies are scaled (global layers only, for Gemma 3). */
typedef enum llm_rope_type {
    LLM_ROPE_DEFAULT = 0,   /* inv_i = theta^(-2i/hs) */
    LLM_ROPE_LINEAR = 1,    /* inv_i / rope_factor */
    LLM_ROPE_LLAMA3 = 2     /* Llama 3.x: per frequency, by wavelength (see llm__rope_inv) */
} llm_rope_type;

/* Model hyper-parameters. Zero fields take the defaults in the table.
   field              default
   arch               required: an llm_arch (it implies the family's feature set)
   n_layer, n_head    required (> 0)
   n_kv_head          n_head (must divide n_head; GPT-2 requires n_kv_head == n_head)
   dim                required; a multiple of n_head unless head_dim is set
   ffn_dim            4*dim (GPT-2), or 4*dim*2/3 rounded up to 32 (the others)
   vocab_size         required
   padded_vocab_size  vocab_size (llm.c pads 50257 to 50304; padded rows are never used)
   max_seq_len        required
   norm_eps           1e-5 (Qwen and Gemma 3 checkpoints say 1e-6)
   rope_theta         10000 (RoPE base; Gemma 3: of its global layers)
   untied_head        0: the classifier shares token_embd (Llama, Qwen may set 1; GPT-2, Gemma 3 are tied)
   --- appended for the newer families (GPT-2 refuses RoPE, a window and its own head_dim) ---
   head_dim           dim / n_head; Qwen3 and Gemma 3 set their own (q is (n_head*head_dim, dim))
   rope_type          LLM_ROPE_DEFAULT; LLM_ROPE_LINEAR or LLM_ROPE_LLAMA3 scale the frequencies
   rope_factor        1 (linear / llama3: frequencies divided by it; positive)
   rope_low_freq_factor, rope_high_freq_factor   1, 4 (llama3)
   rope_orig_max_pos  8192 (llama3: original_max_position_embeddings)
   rope_local_theta   10000 (Gemma 3: RoPE base of sliding layers, never scaled)
   sliding_window     0 = no sliding layers (Gemma 3 only): a sliding layer's query at position i
                      sees the keys j with i - window < j <= i
   sliding_pattern    6 (Gemma 3): layer l is global when (l + 1) % pattern == 0, else sliding
   attn_scale         1/sqrt(head_dim): scores are q.k times this (Gemma 3: query_pre_attn_scalar^-0.5) */
typedef struct llm_config {
    int n_layer;
    int n_head;
    int n_kv_head;
    int dim;
    int ffn_dim;
    int vocab_size;
    int padded_vocab_size;
    int max_seq_len;
    float norm_eps;
    float rope_theta;
    int untied_head;
    llm_arch arch;
    int head_dim;
    int rope_type;                /* an llm_rope_type */
    float rope_factor;
    float rope_low_freq_factor, rope_high_freq_factor;
    int rope_orig_max_pos;
    float rope_local_theta;
    int sliding_window;
    int sliding_pattern;
    float attn_scale;
} llm_config;

/* Tensor types, numbered as ggml / GGUF number them (see >>quant for the block layouts). */
typedef enum llm_type {
    LLM_TYPE_F32 = 0,
    LLM_TYPE_F16 = 1,
    LLM_TYPE_Q4_0 = 2,
    LLM_TYPE_Q5_0 = 6,
    LLM_TYPE_Q5_1 = 7,
    LLM_TYPE_Q8_0 = 8,
    LLM_TYPE_Q4_K = 12,
    LLM_TYPE_Q5_K = 13,
    LLM_TYPE_Q6_K = 14,
    LLM_TYPE_BF16 = 30
} llm_type;
LLMDEF const char *llm_type_name(llm_type type);   /* "F32", "Q4_K", ... */

/* One entry of the tensor table: every parameter lives at params + offset (fp32). A matrix
   may also have a quantized copy (type Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K: from a quantized GGUF or
   llm_model_quantize) that sessions use for their matrix products. */
typedef struct llm_tensor_info {
    char name[48];        /* GGUF / llama.cpp name, e.g. "blk.3.attn_q.weight" */
    int n_dims;           /* 1 or 2 */
    int64_t shape[2];     /* row-major: shape[0] rows of shape[1] floats (PyTorch order) */
    size_t offset;        /* in floats, into the parameter buffer */
    size_t size;          /* number of floats */
    int decay;            /* 1 when AdamW applies weight decay (2-D tensors) */
    llm_type type;        /* F32, or the type of its quantized copy */
} llm_tensor_info;

/* Creating and loading models.
   field        default / meaning
   config       the shape of a new model (llm_model_create)
   seed         init seed for a new model (0 is a valid seed)
   allocator    malloc/free
   log_fn       silent
   The desc may be NULL for the load calls. */
typedef struct llm_model_desc {
    llm_config config;
    uint64_t seed;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
    int no_mmap;          /* llm_model_load: 1 reads the file instead of mapping it */
    int quantized_only;   /* GGUF: quantized matrices keep only their blocks (see llm_model_load) */
} llm_model_desc;

typedef struct llm_model llm_model;

LLMDEF llm_status llm_model_create(const llm_model_desc *desc, llm_model **out, llm_error *err);
/* Loads a model; the format is detected from the content: GGUF (llm.h checkpoints and
   llama.cpp files of the architectures gpt2, llama (Llama 3.x with its rope_freqs, SmolLM2),
   qwen2, qwen3, gemma3: tensors F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K, mixed as
   quantized files mix them), a Hugging Face directory (config.json + model.safetensors, or
   shards named by model.safetensors.index.json; F32, F16, BF16; model_type gpt2, llama
   (rope_scaling llama3 or linear), qwen2, qwen3, gemma3_text) or the path of its
   .safetensors file, karpathy/llm.c GPT-2 checkpoints (magic 20240326, fp32), llama2.c
   checkpoints (legacy format, validated against the file size). What a file asks for that
   llm.h does not run (another model type or architecture, rope scaling, soft-capping,
   sliding windows outside Gemma 3, a config key or GGUF key not known to leave the math
   alone, a tensor the family has not) is refused with LLM_ERR_UNSUPPORTED naming it (the
   conversions and lists: >>formats). A tokenizer stored in a GGUF, or beside the
   safetensors (tokenizer.json, vocab.json + merges.txt, tokenizer.model), comes with it
   (llm_model_tokenizer).
   The parameters are fp32; a quantized matrix also keeps its blocks as a quantized copy
   (see llm_model_quantize), which sessions decode with. llm_model_load maps the file
   (mmap / MapViewOfFile) and uses those blocks in place (no_mmap in the desc reads it
   instead; a mapped file must not be truncated while the model lives). _mem copies what it
   needs from data (safetensors need their config.json: load the directory).
   quantized_only in the desc (GGUF): the quantized matrices (all but the embedding) get no
   fp32 values, so a Q4_0 model takes about 1/7 of the memory; every product of a CPU session
   or llm_model_forward then runs on the blocks (prefill too: about half the fp32 GEMM's
   speed). What needs fp32 weights is refused with LLM_ERR_UNSUPPORTED (training, GPU
   sessions, llm_model_export; llm_model_save works) until llm_model_quantize or
   llm_model_params gives the model its fp32 values (llm_model_params_const shows those
   matrices' values only after that). */
LLMDEF llm_status llm_model_load(const char *path, const llm_model_desc *desc, llm_model **out, llm_error *err);
LLMDEF llm_status llm_model_load_mem(const void *data, size_t size, const llm_model_desc *desc, llm_model **out,
                                     llm_error *err);
/* Saves the model (config + weights, and the tokenizer when one is attached) as GGUF. */
LLMDEF llm_status llm_model_save(const llm_model *model, const char *path, llm_error *err);
LLMDEF llm_status llm_model_save_mem(const llm_model *model, void *buf, size_t cap, size_t *size, llm_error *err);
/* Writing a model for other programs: GGUF (llama.cpp's names, keys and layouts; every matrix
   in `type`: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K, norms and biases F32; a matrix whose
   rows are not whole blocks stays F32), or safetensors + config.json for Hugging Face (path
   is a directory, made when missing; F32, F16 or BF16; the names, layouts and config keys of
   GPT2LMHeadModel, LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Gemma3ForCausalLM;
   the tokenizer is not written there). llm_model_save writes GGUF as the model holds it
   (quantized copies included, so they load back). */
typedef enum llm_file_format { LLM_FORMAT_GGUF = 0, LLM_FORMAT_SAFETENSORS = 1 } llm_file_format;
typedef struct llm_export_desc {
    llm_file_format format;
    llm_type type;          /* 0 = F32 */
} llm_export_desc;
LLMDEF llm_status llm_model_export(const llm_model *model, const char *path, const llm_export_desc *desc,
                                   llm_error *err);
LLMDEF void llm_model_free(llm_model *model);
LLMDEF const llm_config *llm_model_config(const llm_model *model);
LLMDEF size_t llm_model_num_params(const llm_model *model);  /* floats, padded rows included */
LLMDEF int llm_model_num_tensors(const llm_model *model);
LLMDEF const llm_tensor_info *llm_model_tensor(const llm_model *model, int i);
LLMDEF float *llm_model_params(llm_model *model);            /* the parameter buffer */
LLMDEF const float *llm_model_params_const(const llm_model *model);
/* Fills a config with defaults and validates it (arch set, n_head divides dim, ...). */
LLMDEF llm_status llm_config_resolve(llm_config *config, llm_error *err);
/* Gives every matrix a quantized copy of `type` (LLM_TYPE_Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K or
   Q6_K; a matrix whose rows are not whole blocks of the type (32, or 256 for the K types) gets
   none; LLM_TYPE_F32 drops the copies): sessions then decode with integer dot products, reading
   3.8x (Q8_0), 7.1x (Q4_0, Q4_K), 5.8x (Q5_0, Q5_K), 5.3x (Q5_1) or 4.9x (Q6_K) fewer bytes.
   Q8_0, Q4_0, Q5_0 and Q5_1 round as ggml's reference quantizers do; Q4_K, Q5_K and Q6_K use
   each sub-block's range (simpler than ggml's
   search, so a little less accurate). The fp32 parameters stay; a model with quantized copies
   cannot be trained (llm_trainer_create refuses it). Norms and biases stay fp32. */
LLMDEF llm_status llm_model_quantize(llm_model *model, llm_type type, llm_error *err);
/* Full forward pass without a trainer: logits[B*T*vocab_size] (real vocab only) for
   tokens[B*T]. Allocates its own activations; uses pool when given. */
LLMDEF llm_status llm_model_forward(const llm_model *model, llm_threadpool *pool,
                                    const int32_t *tokens, int B, int T, float *logits,
                                    llm_error *err);
/* The model's tokenizer (one stored in its GGUF file, or set), or NULL. */
LLMDEF const llm_tokenizer *llm_model_tokenizer(const llm_model *model);
/* Gives the model its own copy of tok (NULL: none). The vocabulary sizes must match
   (LLM_ERR_INVALID_ARG otherwise). The caller keeps tok and frees it when it likes; the
   model frees its copy with itself. The tokenizer is saved with the model. Call it before
   sessions or generators use the model. */
LLMDEF llm_status llm_model_set_tokenizer(llm_model *model, const llm_tokenizer *tok, llm_error *err);

/* >>training ---------------------------------------------------------------------------- */
/* Precision on a GPU backend (the CPU computes in fp32 whatever is asked):
   DEFAULT = BF16 on a GPU: bf16 inputs to the matmuls and attention, fp32 accumulation, fp32
   master weights and optimizer state; FP32 = fp32 everywhere (for parity checks). */
typedef enum llm_precision {
    LLM_PRECISION_DEFAULT = 0,
    LLM_PRECISION_FP32 = 1,
    LLM_PRECISION_BF16 = 2
} llm_precision;

/* Where a trainer or session runs. AUTO: the GPU when llm_cuda.h is compiled in and a GPU can
   be used, else the CPU (the log hears why); CUDA: the GPU or LLM_ERR_CUDA (a build without
   llm_cuda.h: LLM_ERR_UNSUPPORTED); CPU: the CPU. */
typedef enum llm_backend {
    LLM_BACKEND_AUTO = 0,
    LLM_BACKEND_CPU = 1,
    LLM_BACKEND_CUDA = 2
} llm_backend;

typedef enum llm_schedule {
    LLM_SCHEDULE_DEFAULT = 0,   /* LLM_SCHEDULE_COSINE */
    LLM_SCHEDULE_COSINE = 1,
    LLM_SCHEDULE_CONSTANT = 2
} llm_schedule;

/* field          default   meaning
   batch, seq_len required  B and T of every micro-batch (T <= max_seq_len)
   lr             3e-4      peak learning rate
   beta1, beta2   0.9/0.95  AdamW betas
   eps            1e-8      AdamW epsilon
   weight_decay   0 (off)   decoupled decay on 2-D tensors: p -= lr*wd*p
   grad_clip      0 (off)   global-norm clipping threshold
   warmup_steps   0         linear warmup from lr/warmup to lr
   total_steps    0         steps of the cosine schedule (0 = constant lr after warmup)
   schedule       cosine    LLM_SCHEDULE_COSINE or LLM_SCHEDULE_CONSTANT
   min_lr_frac    0         cosine decays to min_lr_frac * lr
   seed           0         the trainer's RNG (kept in checkpoints)
   pool           NULL      thread pool (NULL = calling thread)
   backend        auto      see llm_backend
   precision      default   see llm_precision (a GPU backend only)
   allocator, log_fn        as in llm_model_desc (zero = the model's)
   lora           NULL      train this low-rank adapter (see >>lora) instead of the model: the
                            model's weights stay as they are, with no gradients or optimizer
                            state (CPU only; checkpoints: save the adapter, llm_lora_save) */
typedef struct llm_lora llm_lora;
typedef struct llm_trainer_desc {
    int batch;
    int seq_len;
    float lr;
    float beta1, beta2, eps;
    float weight_decay;
    float grad_clip;
    int warmup_steps;
    int total_steps;
    llm_schedule schedule;
    float min_lr_frac;
    uint64_t seed;
    llm_threadpool *pool;
    llm_backend backend;
    llm_precision precision;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
    llm_lora *lora;
} llm_trainer_desc;

typedef struct llm_step_result {
    float loss;       /* mean cross-entropy of the step (before the update) */
    float grad_norm;  /* global gradient norm before clipping */
    float lr;         /* learning rate used by the update */
    int step;         /* optimizer steps done after this one */
} llm_step_result;

typedef struct llm_trainer llm_trainer;

/* The trainer updates the model's parameters in place on the CPU; on a GPU it trains its
   own copy, which llm_trainer_sync (and every save) brings back into the model. The model
   must not be used by other threads while a trainer steps it. */
LLMDEF llm_status llm_trainer_create(llm_model *model, const llm_trainer_desc *desc,
                                     llm_trainer **out, llm_error *err);
LLMDEF void llm_trainer_free(llm_trainer *tr);
/* Forward + backward of one micro-batch; adds to the gradients. inputs/targets: B*T ids
   (row b holds tokens b*T .. b*T+T-1; targets are the inputs shifted by one). A target may be
   LLM_TARGET_IGNORE: that position has no loss and no gradient (instruction tuning: the
   prompt's tokens; padding). *loss (may be NULL) gets the micro-batch mean loss over the
   other positions (0 when there are none). A non-finite loss returns LLM_ERR_NON_FINITE and
   drops the gradients accumulated so far; ids outside the vocabulary LLM_ERR_OUT_OF_RANGE. */
#define LLM_TARGET_IGNORE (-1)
LLMDEF llm_status llm_trainer_accumulate(llm_trainer *tr, const int32_t *inputs,
                                         const int32_t *targets, float *loss);
/* AdamW update from the accumulated gradients (averaged over the micro-batches), then
   zeroes them. Non-finite gradients: LLM_ERR_NON_FINITE, nothing changes. */
LLMDEF llm_status llm_trainer_update(llm_trainer *tr, llm_step_result *res);
/* accumulate + update */
LLMDEF llm_status llm_trainer_step(llm_trainer *tr, const int32_t *inputs,
                                   const int32_t *targets, llm_step_result *res);
/* Forward only (no gradients): mean loss of the batch. */
LLMDEF llm_status llm_trainer_eval(llm_trainer *tr, const int32_t *inputs,
                                   const int32_t *targets, float *loss);
LLMDEF float llm_trainer_lr(const llm_trainer *tr, int step); /* the schedule at a step */
LLMDEF int llm_trainer_step_count(const llm_trainer *tr);
/* The gradients (same layout as the parameters), and the (B*T, vocab_size) logits of the last
   llm_trainer_eval() (after accumulate/step the same buffer holds their gradient): host
   memory on the CPU backend, NULL on a GPU. */
LLMDEF const float *llm_trainer_grads(const llm_trainer *tr);
LLMDEF const float *llm_trainer_logits(const llm_trainer *tr);
/* Brings the trained parameters into the model (a GPU trainer trains a copy); a no-op on
   the CPU. Do it before sessions or llm_model_save use the model. */
LLMDEF llm_status llm_trainer_sync(llm_trainer *tr);
/* Where it runs: "cpu" or "cuda:<device name>". */
LLMDEF const char *llm_trainer_backend(const llm_trainer *tr);
LLMDEF llm_rng *llm_trainer_rng(llm_trainer *tr);
LLMDEF const char *llm_trainer_last_error(const llm_trainer *tr);
/* A training checkpoint: the model (config, weights, tokenizer) as GGUF plus the optimizer
   state (m, v), the step, the RNG and data_pos, a number of yours (where the data reader
   is). Save between updates. */
LLMDEF llm_status llm_trainer_save(llm_trainer *tr, const char *path, uint64_t data_pos);
LLMDEF llm_status llm_trainer_save_mem(llm_trainer *tr, void *buf, size_t cap, size_t *size, uint64_t data_pos);
/* Restores a checkpoint into a trainer whose model has the checkpoint's shape: weights,
   optimizer state, step and RNG, so training continues bit-identically; *data_pos (may be
   NULL) gets the saved position. Keys, shape and every tensor are checked before anything
   is read: a checkpoint that fails them changes nothing. */
LLMDEF llm_status llm_trainer_load(llm_trainer *tr, const char *path, uint64_t *data_pos);
LLMDEF llm_status llm_trainer_load_mem(llm_trainer *tr, const void *data, size_t size, uint64_t *data_pos);

/* >>lora: low-rank adapters ------------------------------------------------------------------
   A matrix W of the model becomes W x + (alpha / r) B (A x): A (r, in) drawn from the seed as
   PEFT draws it (uniform in +-1/sqrt(in)), B (out, r) zero, so a new adapter changes nothing.
   Targets (llm_lora_desc.targets, a mask; every layer gets the same):
       Llama  LLM_LORA_Q, _K, _V (attn_q/k/v), _O (attn_output), _GATE, _UP (ffn_gate/up), _DOWN
              (and Qwen2, Qwen3, Gemma 3: the same names; q is (n_head*head_dim, dim))
       GPT-2  LLM_LORA_QKV (attn_qkv is one matrix: any of Q, K, V means it), _O, _UP, _DOWN
   Training: llm_trainer_desc.lora. Inference: llm_session_set_lora applies one adapter to a
   session at a scale (sessions over one model may use different adapters; the adapter must
   outlive them). llm_lora_merge adds scale * (alpha/r) B A into the model's weights. Files:
   GGUF LoRA adapters as llama.cpp reads and writes them (general.type "adapter",
   adapter.type "lora", adapter.lora.alpha; tensors "<base tensor>.lora_a" (r, in) and
   "<base tensor>.lora_b" (out, r); F32, F16 or BF16 read). An adapter fits the models of its
   config (architecture, dim, layers, heads, head_dim, ffn_dim): others are refused. */
#define LLM_LORA_Q 1u
#define LLM_LORA_K 2u
#define LLM_LORA_V 4u
#define LLM_LORA_QKV 7u
#define LLM_LORA_O 8u
#define LLM_LORA_GATE 16u
#define LLM_LORA_UP 32u
#define LLM_LORA_DOWN 64u
/* field      default   meaning
   rank       8         r (1..1024)
   alpha      rank      the scale is alpha / rank
   targets    Q | V     the matrices (LLM_LORA_*)
   seed       0         draws A
   dropout    0         training only: each input element of the adapter path is zeroed with
                        this probability (the rest scaled by 1 / (1 - p)), as PEFT's lora_dropout;
                        llm_trainer_eval and sessions never drop (not stored in files)
   allocator  model's */
typedef struct llm_lora_desc {
    int rank;
    float alpha;
    unsigned targets;
    uint64_t seed;
    float dropout;
    llm_allocator allocator;
} llm_lora_desc;
LLMDEF llm_status llm_lora_create(const llm_model *model, const llm_lora_desc *desc, llm_lora **out, llm_error *err);
LLMDEF llm_status llm_lora_load(const llm_model *model, const char *path, const llm_allocator *allocator,
                                llm_lora **out, llm_error *err);
LLMDEF llm_status llm_lora_load_mem(const llm_model *model, const void *data, size_t size,
                                    const llm_allocator *allocator, llm_lora **out, llm_error *err);
LLMDEF llm_status llm_lora_save(const llm_lora *lora, const char *path, llm_error *err);
LLMDEF llm_status llm_lora_save_mem(const llm_lora *lora, void *buf, size_t cap, size_t *size, llm_error *err);
LLMDEF void llm_lora_free(llm_lora *lora);
LLMDEF int llm_lora_rank(const llm_lora *lora);
LLMDEF float llm_lora_alpha(const llm_lora *lora);
LLMDEF unsigned llm_lora_targets(const llm_lora *lora);
LLMDEF size_t llm_lora_num_params(const llm_lora *lora);
LLMDEF float *llm_lora_params(llm_lora *lora);       /* every A and B, as the tensors say */
LLMDEF int llm_lora_num_tensors(const llm_lora *lora);
LLMDEF const llm_tensor_info *llm_lora_tensor(const llm_lora *lora, int i);
/* W += scale * (alpha / r) * B A for every adapted matrix (the model must have fp32 weights). */
LLMDEF llm_status llm_lora_merge(llm_model *model, const llm_lora *lora, float scale, llm_error *err);

/* >>data: karpathy/llm.c token shards (header of 256 int32: magic 20240520, version 1,
   count; then uint16 ids). *tokens is allocator memory: free it with llm_free. */
LLMDEF llm_status llm_token_shard_load(const char *path, const llm_allocator *allocator,
                                       int32_t **tokens, size_t *count, llm_error *err);
LLMDEF llm_status llm_token_shard_load_mem(const void *data, size_t size, const llm_allocator *allocator,
                                           int32_t **tokens, size_t *count, llm_error *err);

/* >>sft: instruction tuning (supervised fine-tuning) data, and chat formats ----------------
   JSONL, one example per line (blank lines skipped):
       {"prompt": "...", "response": "..."}              a user turn and an assistant turn
       {"messages": [{"role": "system" | "user" | "assistant", "content": "..."}, ...]}
   Each conversation is written in a chat format (an llm_chat_template; NULL takes the
   tokenizer's, see llm_tokenizer_chat: a model's own format when its files name one, else
   llm.h's default below). The template's special tokens are tokens (encoded with
   LLM_TOKENIZE_ALLOW_SPECIAL), the contents are encoded without it (a content's "<|im_start|>"
   stays text): see llm_chat_tokenize. The tokens learned are the assistant's output: its
   contents and what ends its turn (the EOS in llm.h's default and Llama 2's format,
   <|im_end|>, <|eot_id|> or <end_of_turn> in the others; Qwen 3's <think> block where the
   format writes one); the rest (system and user turns, the template's structure) is context
   only: their targets are LLM_TARGET_IGNORE.
   Default template (the same one llm_chat_prompt writes for generation); BOS first when the
   tokenizer is SentencePiece and has one:
       "### System:\n" content "\n\n"   "### User:\n" content "\n\n"   "### Assistant:\n" content EOS "\n\n"
   A malformed line is refused with its line number (not JSON, no prompt/response or messages,
   a role other than those three, content not a string, no assistant turn).

   CHAT FORMATS. A model's chat template (Jinja text in tokenizer_config.json's "chat_template",
   a chat_template.jinja beside it, or GGUF's tokenizer.chat_template) is recognised by its
   markers as one of these families; llm.h runs no Jinja, it writes each family itself:
     family            recognised by              a user turn, then the generation prompt
     LLM_CHAT_CHATML   <|im_start|>               <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n
                       (Qwen 2, 2.5, 3, SmolLM2)
     LLM_CHAT_LLAMA3   <|start_header_id|> and    <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi
                       <|end_header_id|>          <|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n
     LLM_CHAT_GEMMA    <start_of_turn>            <bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n
     LLM_CHAT_LLAMA2   [INST] and <<SYS>>         <s>[INST] Hi [/INST]
     LLM_CHAT_DEFAULT  ### User: and ### Assistant:   ### User:\nHi\n\n### Assistant:\n
   Details, as the models' own templates write them:
   - ChatML: a system prompt the template writes when the conversation has none (Qwen 2.5's
     "You are Qwen, created by Alibaba Cloud...", SmolLM2's) is taken from the template text
     (default_system). Qwen 3 (a template with </think>: flag LLM_CHAT_THINK): an assistant
     content's "<think>...</think>" is cut off in the turns before the last user turn; the
     assistant turns after it are written "<think>\n" reasoning "\n</think>\n\n" content (the
     last one always, with an empty reasoning when it has none). Its generation prompt is
     "<|im_start|>assistant\n", as transformers' apply_chat_template(add_generation_prompt=True)
     writes it by default (enable_thinking on: the model opens its own <think>); with the flag
     LLM_CHAT_THINK_OFF (enable_thinking=False) it is followed by "<think>\n\n</think>\n\n".
   - Llama 3: contents are trimmed (leading and trailing whitespace). Llama 3.1 and later (a
     template with "Cutting Knowledge Date": flag LLM_CHAT_DATE_HEADER) always write a system
     turn that starts "Cutting Knowledge Date: December 2023\nToday Date: " date "\n\n" (date:
     NULL writes "26 Jul 2024", what the template writes when not given today's date).
   - Gemma: the assistant's role is "model"; a system prompt becomes the start of the first
     user turn (its content + "\n\n"); contents are trimmed.
   - Llama 2: the system prompt goes into the first user turn as "<<SYS>>\n" system
     "\n<</SYS>>\n\n"; an assistant turn is " " content " " EOS; there is no generation prompt
     beyond " [/INST]".
   A template with none of these markers is kept (and written back) but formatted with the
   default, with a warning through the log callback of the load. */
typedef enum llm_chat_family {
    LLM_CHAT_UNKNOWN = -1,   /* llm_chat_detect: no family's markers (formatted as the default) */
    LLM_CHAT_DEFAULT = 0,    /* the prefix/suffix strings of an llm_chat_template */
    LLM_CHAT_CHATML = 1,
    LLM_CHAT_LLAMA3 = 2,
    LLM_CHAT_GEMMA = 3,
    LLM_CHAT_LLAMA2 = 4
} llm_chat_family;
/* llm_chat_template flags */
#define LLM_CHAT_THINK 1          /* ChatML: Qwen 3's <think> handling (above) */
#define LLM_CHAT_THINK_OFF 2      /* with LLM_CHAT_THINK: the generation prompt closes an empty think block */
#define LLM_CHAT_DATE_HEADER 4    /* Llama 3: the system turn of Llama 3.1 and later */
/* A chat format. Zero-initialised with only the six strings set, it is llm.h's prefix/suffix
   template (as before the families existed); with family set, the strings are ignored. */
typedef struct llm_chat_template {
    const char *system_prefix, *system_suffix;
    const char *user_prefix, *user_suffix;
    const char *assistant_prefix, *assistant_suffix;   /* the suffix follows the EOS */
    llm_chat_family family;     /* LLM_CHAT_DEFAULT (0): the strings above */
    int flags;                  /* LLM_CHAT_THINK, LLM_CHAT_THINK_OFF, LLM_CHAT_DATE_HEADER */
    const char *default_system; /* the system turn written when a conversation has none (NULL: none) */
    const char *date;           /* LLM_CHAT_DATE_HEADER's "Today Date" (NULL: "26 Jul 2024") */
} llm_chat_template;
typedef enum llm_chat_role { LLM_CHAT_SYSTEM = 0, LLM_CHAT_USER = 1, LLM_CHAT_ASSISTANT = 2 } llm_chat_role;
typedef struct llm_chat_message {
    llm_chat_role role;
    const char *content;        /* UTF-8, NUL-terminated */
} llm_chat_message;

/* The family whose markers a chat template (Jinja text, NUL-terminated) has, or
   LLM_CHAT_UNKNOWN (also for NULL). */
LLMDEF llm_chat_family llm_chat_detect(const char *jinja);
LLMDEF const char *llm_chat_family_name(llm_chat_family family);   /* "chatml", "llama3", ... */
/* The format of a tokenizer's chat template: the recognised family with its flags and
   default_system (pointing into the tokenizer, valid while it lives), or llm.h's default
   (family LLM_CHAT_DEFAULT, the default strings) when it has none or it is not recognised. */
LLMDEF llm_chat_template llm_tokenizer_chat(const llm_tokenizer *tok);
/* The template text as read from the tokenizer's files (NULL when none); a model saved with
   this tokenizer writes it as GGUF tokenizer.chat_template. */
LLMDEF const char *llm_tokenizer_chat_template(const llm_tokenizer *tok);
/* Sets (a copy of) the template text and recognises it: *family (may be NULL) gets what
   llm_chat_detect says. jinja NULL removes it. Call it before sharing the tokenizer (a model
   takes a copy: llm_model_set_tokenizer). llm_chat_family_template gives llm.h's own minimal
   Jinja text of a family, to set one by name. */
LLMDEF llm_status llm_tokenizer_set_chat_template(llm_tokenizer *tok, const char *jinja, llm_chat_family *family,
                                                  llm_error *err);
LLMDEF const char *llm_chat_family_template(llm_chat_family family);
/* The ids that end a model's turn, besides EOS: GGUF's tokenizer.ggml.eot_token_id and
   eom_token_id, and whichever of <|im_end|>, <|eot_id|>, <|eom_id|>, <end_of_turn> the
   vocabulary has, and the end-of-text tokens <|endoftext|> and <eos> where the EOS is another
   (an instruct tokenizer names its end of turn as EOS: the models' generation configs stop at
   both). Writes at most cap of them to ids (may be NULL); returns how many there are (at
   most 8). llm_generate and llm_beam_search stop at them as at EOS. */
LLMDEF int llm_tokenizer_eot(const llm_tokenizer *tok, int32_t *ids, int cap);

typedef struct llm_sft_data {
    size_t n_examples;
    size_t n_tokens;          /* all examples' tokens */
    size_t n_learn;           /* of which learned (the assistant's output and its end of turn) */
    size_t *start;            /* (n_examples + 1) example e is tokens[start[e] .. start[e + 1]) */
    int32_t *tokens;          /* (n_tokens) */
    unsigned char *learn;     /* (n_tokens) 1: learned */
    int32_t pad;              /* the id padding a row (the EOS; 0 for a tokenizer without one) */
    llm_allocator alloc;
} llm_sft_data;
LLMDEF llm_status llm_sft_load(const llm_tokenizer *tok, const char *path, const llm_chat_template *tmpl,
                               const llm_allocator *allocator, llm_sft_data **out, llm_error *err);
LLMDEF llm_status llm_sft_load_mem(const llm_tokenizer *tok, const void *jsonl, size_t size,
                                   const llm_chat_template *tmpl, const llm_allocator *allocator, llm_sft_data **out,
                                   llm_error *err);
LLMDEF void llm_sft_free(llm_sft_data *data);
/* A (B, T) batch of examples first, first + 1, ... (wrapping around): row b holds one example
   (so attention never crosses examples), its first T + 1 tokens at most: inputs tokens 0..T-1,
   targets tokens 1..T where learned, LLM_TARGET_IGNORE elsewhere and in the padding. Returns
   the number of learned targets in the batch. */
LLMDEF size_t llm_sft_batch(const llm_sft_data *data, size_t first, int B, int T, int32_t *inputs,
                            int32_t *targets);
/* The text that asks a tuned model for its answer: [system turn,] the user turn, and the
   assistant prefix (tmpl NULL: the default). Writes at most cap bytes (NUL-terminated when
   cap > 0); returns the length the whole text needs. system may be NULL. */
LLMDEF size_t llm_chat_prompt(const llm_chat_template *tmpl, const char *system, const char *user, char *out,
                              size_t cap);
/* A conversation as text in a chat format (tmpl NULL: the default), then, when
   add_generation_prompt, what opens the assistant's turn. Same buffer rule as
   llm_chat_prompt; BOS is written as the family's text (<|begin_of_text|>, <bos>, <s>), the
   default's EOS not at all. For display and tests: to run a model use llm_chat_tokenize,
   which keeps the contents from injecting special tokens. */
LLMDEF size_t llm_chat_format(const llm_chat_template *tmpl, const llm_chat_message *messages, int n_messages,
                              int add_generation_prompt, char *out, size_t cap);
/* The same conversation as ids for tok (tmpl NULL: llm_tokenizer_chat(tok)), the prompt for
   llm_generate (prompt_ids) that continues it. For the model families these are the ids of
   the whole text encoded with LLM_TOKENIZE_ALLOW_SPECIAL (what transformers'
   apply_chat_template(tokenize=True) gives), except that a content's special tokens stay text:
   the template's special tokens are encoded on their own, the text between two of them
   (template text and contents) as one piece without the flag; BOS and EOS are the tokenizer's
   ids. llm.h's default template encodes each prefix, content and suffix on its own (as its
   SFT data always did). llm_sft_load writes the same ids, cut where each learned part starts
   (where a generation prompt ends). Same buffer rule as llm_tokenize. */
LLMDEF llm_status llm_chat_tokenize(const llm_tokenizer *tok, const llm_chat_template *tmpl,
                                    const llm_chat_message *messages, int n_messages, int add_generation_prompt,
                                    int32_t *ids, size_t cap, size_t *n_ids);

/* >>inference: KV-cache sessions ----------------------------------------------------------- */
/* A session holds one conversation over a shared, read-only model: the KV cache, the
   position, the token history and scratch. Many sessions may use one model on many threads.
   field        default         meaning
   n_ctx        max_seq_len     positions the cache holds (at most max_seq_len)
   n_batch      64              tokens per forward pass while prefilling (matrix-matrix)
   pool         NULL            thread pool (NULL = the calling thread)
   progress     NULL            called between prefill chunks; non-zero cancels the call
                                (LLM_ERR_CANCELLED, the session is left as before the call)
   backend      auto            see llm_backend
   precision    default         see llm_precision (a GPU backend only)
   allocator, log_fn            as in llm_model_desc (zero = the model's)
   The desc may be NULL. On a GPU backend a session holds its own copy of the weights and
   its KV cache in GPU memory. */
typedef struct llm_session_desc {
    int n_ctx;
    int n_batch;
    llm_threadpool *pool;
    llm_progress_fn progress;
    void *progress_user_data;
    llm_backend backend;
    llm_precision precision;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
} llm_session_desc;

typedef struct llm_session llm_session;
typedef struct llm_sampler llm_sampler;

LLMDEF llm_status llm_session_create(const llm_model *model, const llm_session_desc *desc,
                                     llm_session **out, llm_error *err);
LLMDEF void llm_session_free(llm_session *s);
/* Appends n tokens: a batched prefill (n > 1) or one decode step (n = 1). Afterwards
   llm_session_logits() holds the logits (vocab_size) of the last token; all_logits, when not
   NULL, receives n * vocab_size logits, one row per token. Errors: LLM_ERR_CONTEXT_FULL when
   pos + n > n_ctx (see llm_session_shift), LLM_ERR_OUT_OF_RANGE for bad ids. */
LLMDEF llm_status llm_session_eval(llm_session *s, const int32_t *tokens, int n, float *all_logits);
LLMDEF const float *llm_session_logits(const llm_session *s);
LLMDEF int llm_session_pos(const llm_session *s);
LLMDEF const char *llm_session_backend(const llm_session *s);   /* as llm_trainer_backend */
LLMDEF int llm_session_n_ctx(const llm_session *s);
LLMDEF const int32_t *llm_session_tokens(const llm_session *s);  /* the pos tokens so far */
LLMDEF const llm_model *llm_session_model(const llm_session *s);
LLMDEF void llm_session_reset(llm_session *s);
/* Drops everything after position pos (0 <= pos <= current position). The logits are those
   of token pos-1 only after the next eval; call eval again to get them. */
LLMDEF llm_status llm_session_rewind(llm_session *s, int pos);
/* Context shift: keeps the first n_keep tokens, drops the oldest half of the rest. Llama
   caches are re-rotated in place (RoPE is relative); GPT-2 caches (learned positions) are
   recomputed from the kept tokens. */
LLMDEF llm_status llm_session_shift(llm_session *s, int n_keep);
/* Save/restore: position, tokens, the used part of the cache and the last token's logits,
   plus, when smp is not NULL, the sampler's RNG and penalty window: a restored conversation
   continues with exactly the tokens the saved one would have produced. Load checks
   everything against the model's shape and the data's size first. A session saved without
   logits (after a rewind) gets them on load from one decode step of its last token. */
LLMDEF llm_status llm_session_save(const llm_session *s, const llm_sampler *smp, const char *path);
LLMDEF llm_status llm_session_save_mem(const llm_session *s, const llm_sampler *smp, void *buf, size_t cap,
                                       size_t *size);
LLMDEF llm_status llm_session_load(llm_session *s, llm_sampler *smp, const char *path);
LLMDEF llm_status llm_session_load_mem(llm_session *s, llm_sampler *smp, const void *data, size_t size);
LLMDEF const char *llm_session_last_error(const llm_session *s);
/* Applies an adapter (see >>lora) at a scale to what the session evaluates from now on (NULL
   removes it; the cache keeps what earlier tokens computed: llm_session_reset for a fresh
   start). CPU sessions; the adapter must fit the model and outlive its use. */
LLMDEF llm_status llm_session_set_lora(llm_session *s, const llm_lora *lora, float scale);

/* >>sampler ------------------------------------------------------------------------------ */
/* A sampler turns one row of logits into one token. It owns its parameters, its RNG and a
   window of recent tokens (for the penalties); use one per session. The chain is fixed:

       logits -> repetition / presence / frequency penalties -> logit bias -> temperature
              -> top-k -> top-p -> min-p -> draw

   temperature 0 (the default) is greedy: the argmax after penalties and bias; the
   truncation filters (top-k, top-p, min-p) are then ignored. Same seed, same logits, same
   calls -> the same tokens.

   field              default   meaning
   vocab_size         0         logits per row: 0 = the model's (llm_sampler_create's model)
   temperature        0         0 = greedy; > 0 divides the logits (< 1 sharpens)
   top_k              0 (off)   keep the k most likely tokens (k >= vocab_size = off)
   top_p              0 (off)   nucleus: keep the smallest set of most likely tokens whose
                                probability sums to >= top_p (0 or >= 1 = off)
   min_p              0 (off)   keep tokens with p >= min_p * p_max (> 1 keeps the argmax)
   repeat_penalty     0 (off)   CTRL-style: a token in the window gets logit / r if its logit
                                is > 0, logit * r otherwise (0 or 1 = off; r > 1 penalises)
   presence_penalty   0 (off)   subtracted once from a token that is in the window
   frequency_penalty  0 (off)   subtracted count times (count = occurrences in the window)
   penalty_last_n     64        how many recent tokens the window holds
   logit_bias         none      (token, bias) pairs added to the logits; -INFINITY bans a
   n_logit_bias                 token; copied at create, so the array may be temporary
   seed               0         RNG seed
   allocator          malloc    as everywhere

   Ties: tokens with equal logits are ranked by id (lower first), so a cut that falls inside
   a tie (top-k = 1 with two equal maxima) is deterministic. Logits may be -INFINITY (a
   banned token); NaN or +INFINITY is an error (LLM_ERR_NON_FINITE), as is a row where every
   token is banned. */
typedef struct llm_logit_bias {
    int32_t token;
    float bias;
} llm_logit_bias;

typedef struct llm_sampler_desc {
    int vocab_size;
    float temperature;
    int top_k;
    float top_p;
    float min_p;
    float repeat_penalty;
    float presence_penalty;
    float frequency_penalty;
    int penalty_last_n;
    const llm_logit_bias *logit_bias;
    int n_logit_bias;
    uint64_t seed;
    llm_allocator allocator;
} llm_sampler_desc;

/* Validates the desc (LLM_ERR_INVALID_ARG for negative or NaN parameters, no vocab_size and
   no model, a vocab_size other than the model's; LLM_ERR_OUT_OF_RANGE for a bias token
   outside the vocabulary) and preallocates everything sampling needs: llm_sampler_sample
   never allocates. model may be NULL when desc->vocab_size is set; desc may be NULL
   (greedy, the model's vocabulary). */
LLMDEF llm_status llm_sampler_create(const llm_model *model, const llm_sampler_desc *desc, llm_sampler **out,
                                     llm_error *err);
LLMDEF void llm_sampler_free(llm_sampler *s);
LLMDEF int llm_sampler_vocab_size(const llm_sampler *s);
/* Draws one token from logits (vocab_size floats, not modified) and accepts it into the
   window. On error *token is left alone and the RNG does not advance. */
LLMDEF llm_status llm_sampler_sample(llm_sampler *s, const float *logits, int32_t *token);
/* The set a draw would pick from, with renormalised probabilities (for tools, UIs and
   tests): ids[] and probs[] (vocab_size entries each) receive *n kept tokens, in no
   particular order. Nothing is accepted and the RNG does not move. A greedy sampler gives
   its one token with probability 1. */
LLMDEF llm_status llm_sampler_candidates(llm_sampler *s, const float *logits, int32_t *ids, float *probs, int *n);
/* Adds a token to the penalty window without sampling (e.g. the prompt).
   LLM_ERR_OUT_OF_RANGE for a token outside [0, vocab_size). */
LLMDEF llm_status llm_sampler_accept(llm_sampler *s, int32_t token);
/* Empties the window; the RNG keeps its place. */
LLMDEF void llm_sampler_reset(llm_sampler *s);
/* Save/restore the RNG and the window (session saves include them). Load checks the bytes
   (magic, version, vocab_size, token ids) and leaves the sampler untouched on error
   (LLM_ERR_FORMAT). A window longer than this sampler's penalty_last_n keeps its most
   recent tokens. */
LLMDEF llm_status llm_sampler_save(const llm_sampler *s, const char *path);
LLMDEF llm_status llm_sampler_save_mem(const llm_sampler *s, void *buf, size_t cap, size_t *size);
LLMDEF llm_status llm_sampler_load(llm_sampler *s, const char *path);
LLMDEF llm_status llm_sampler_load_mem(llm_sampler *s, const void *data, size_t size);
LLMDEF const char *llm_sampler_last_error(const llm_sampler *s);

/* >>generate: prompt -> tokens -> streamed text ------------------------------------------ */
typedef enum llm_stop_reason {
    LLM_STOP_NONE = 0,        /* still running */
    LLM_STOP_EOS = 1,         /* the tokenizer's end-of-sequence or an end-of-turn token (llm_tokenizer_eot) */
    LLM_STOP_TOKEN = 2,       /* one of stop_tokens */
    LLM_STOP_STRING = 3,      /* one of stop_strings (not emitted) */
    LLM_STOP_MAX_TOKENS = 4,  /* max_tokens generated */
    LLM_STOP_CONTEXT_FULL = 5,/* the session is full (and context_shift is off) */
    LLM_STOP_CALLBACK = 6,    /* on_text or on_token returned non-zero */
    LLM_STOP_ERROR = 7        /* a call failed (see the session's or generator's last error) */
} llm_stop_reason;
LLMDEF const char *llm_stop_reason_string(llm_stop_reason r);   /* "eos", "max tokens", ... */

/* Receives text that is final: complete UTF-8 characters, never part of a stop string.
   token is the id whose text completed this piece (LLM_TOKEN_NONE for text flushed at the
   end). Return non-zero to stop generating. */
typedef int (*llm_text_fn)(const char *text, size_t len, int32_t token, void *user_data);

/* field           default   meaning
   prompt          NULL      text, encoded with the tokenizer (NULL or "" = no new text)
   prompt_len      strlen    bytes of prompt
   prompt_ids      NULL      token ids to use instead of prompt
   n_prompt_ids    0
   add_bos         0         prepend the tokenizer's BOS to the text prompt
   max_tokens      0         new tokens at most (0 = until the context is full)
   stop_tokens     none      ids that end generation (not emitted)
   stop_strings    none      texts that end generation; output that could be the start of
                             one is held back until it is decided, and the stop string
                             itself is never emitted
   ignore_eos      0         1: do not stop at the tokenizer's EOS nor its end-of-turn tokens
                             (<|im_end|>, <|eot_id|>, <end_of_turn>: llm_tokenizer_eot)
   context_shift   0         1: when the session is full, drop the oldest half of what
                             follows the first n_keep tokens (llm_session_shift) and go on;
                             also before a prompt that does not fit (as often as needed)
   n_keep          0         tokens kept at the start on a context shift (a system prompt)
   tokenizer       model's   turns text into ids and ids into text (NULL and no tokenizer
                             with the model: ids only, on_token still reports them)
   on_text         NULL      streamed text (see llm_text_fn)
   on_token        NULL      every generated id, before its text (return non-zero to stop)
   user_data                 passed to both callbacks
   The session continues from its current position (a conversation), so a prompt is
   appended to what it already holds. The sampler keeps its state across calls. */
typedef struct llm_generate_desc {
    const char *prompt;
    size_t prompt_len;
    const int32_t *prompt_ids;
    int n_prompt_ids;
    int add_bos;
    int max_tokens;
    const int32_t *stop_tokens;
    int n_stop_tokens;
    const char *const *stop_strings;
    int n_stop_strings;
    int ignore_eos;
    int context_shift;
    int n_keep;
    const llm_tokenizer *tokenizer;
    llm_text_fn on_text;
    int (*on_token)(int32_t token, void *user_data);
    void *user_data;
} llm_generate_desc;

typedef struct llm_generate_stats {
    int n_prompt;             /* prompt tokens evaluated */
    int n_generated;          /* tokens generated */
    int n_shifts;             /* context shifts */
    double prefill_seconds, decode_seconds;
    llm_stop_reason stop;
} llm_generate_stats;

/* A generation in progress that does a bounded amount of work per call, for a game loop:
   each llm_generator_step() runs units of work (a prefill chunk sized to the time left,
   the logits after the prompt, a decode step) while their measured cost fits into
   budget_seconds, at least one unit per call; so a step overruns its budget by at most
   about one unit's misestimate. The sampler's vocabulary must be the model's.
   Reproducibility: llm_generate and any n_batch give the same bits for the same seed;
   a prompt cut into pieces by time puts its pieces of up to 4 tokens through the decode
   path, whose sums round differently in the last bits, so with a finite budget the sampled
   text can (rarely) differ between runs. Give the prefill an unlimited budget (one step
   with 1e30) where runs must match exactly. */
typedef struct llm_generator llm_generator;
LLMDEF llm_status llm_generator_create(llm_session *session, llm_sampler *sampler,
                                       const llm_generate_desc *desc, llm_generator **out,
                                       llm_error *err);
/* *done (may be NULL) becomes 1 when generation has stopped (see llm_generator_stats). */
LLMDEF llm_status llm_generator_step(llm_generator *g, double budget_seconds, int *done);
/* Fills stats (zeroed for a NULL generator). */
LLMDEF void llm_generator_stats(const llm_generator *g, llm_generate_stats *stats);
LLMDEF const char *llm_generator_last_error(const llm_generator *g);
LLMDEF void llm_generator_free(llm_generator *g);
/* The whole generation in one call (create, step until done, free). stats (may be NULL) is
   filled, zeroed first, also when the call fails; errors go to llm_session_last_error. */
LLMDEF llm_status llm_generate(llm_session *session, llm_sampler *sampler,
                               const llm_generate_desc *desc, llm_generate_stats *stats);

/* Beam search: the beam_size most likely continuations are kept at every step (scored by
   their summed log-probability divided by the GNMT length penalty ((5 + len) / 6)^alpha);
   a beam ends at the tokenizer's EOS, an end-of-turn token (llm_tokenizer_eot) or a stop token.
   The prompt's KV cache is shared by all beams; each beam keeps only its own suffix, so
   reselecting beams copies suffixes, never the prompt.
   field           default   meaning
   beam_size       4         beams kept (1..64, at most the session's n_batch)
   length_penalty  0.6       alpha (GPT-3 / GNMT); negative = 0 (no length normalisation)
   max_tokens      required  new tokens at most (the session must have room for them)
   ignore_eos      0         1: the model tokenizer's EOS (and end-of-turn tokens) does not end a beam
   stop_tokens     none      further ids that end a beam
   The prompt (n_prompt ids, at least 1) is appended to the session and stays there; the
   best continuation (ending token included) goes to out[0..*n_out), its score to *score. */
typedef struct llm_beam_desc {
    int beam_size;
    float length_penalty;
    int max_tokens;
    int ignore_eos;
    const int32_t *stop_tokens;
    int n_stop_tokens;
} llm_beam_desc;
LLMDEF llm_status llm_beam_search(llm_session *session, const int32_t *prompt, int n_prompt,
                                  const llm_beam_desc *desc, int32_t *out, int cap, int *n_out,
                                  float *score);

/* >>gemm: the matrix multiply behind every matmul, for benchmarks and your own code.
   C[M,N] = (accumulate ? C : 0) + A[M,K] B[K,N], where A(i,k) = A[i*a_rs + k*a_cs],
   B(k,j) = B[k*b_rs + j*b_cs] and C(i,j) = C[i*ldc + j]: any transposition is a choice of
   strides. workspace: llm_gemm_workspace_size(pool) bytes (64-byte aligned for best speed)
   for the packed panels, or NULL for a slower loop that needs none. Results are
   bit-identical for any thread count. */
LLMDEF size_t llm_gemm_workspace_size(const llm_threadpool *pool);
LLMDEF llm_status llm_gemm(llm_threadpool *pool, void *workspace, int M, int N, int K,
                           const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const float *B, ptrdiff_t b_rs,
                           ptrdiff_t b_cs, float *C, ptrdiff_t ldc, int accumulate);

#ifdef __cplusplus
}
#endif
#endif /* LLM_H_INCLUDED */

/* =========================================================================================
   IMPLEMENTATION
   ========================================================================================= */
#ifdef LLM_IMPLEMENTATION
#ifndef LLM_IMPLEMENTATION_DONE
#define LLM_IMPLEMENTATION_DONE

#if !defined(_POSIX_C_SOURCE) && !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, pthreads, fseeko (when llm.h is included first) */
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64      /* files over 2 GB on 32-bit systems */
#endif
#if defined(_WIN32) && !defined(_WIN32_WINNT)
#define _WIN32_WINNT 0x0601       /* Windows 7: condition variables, processor information */
#endif
/* WebAssembly without threads (wasm32-wasi without -pthread, Emscripten without -pthread):
   the pool runs everything on the calling thread */
#if !defined(LLM_NO_THREADS) && ((defined(__wasi__) && !defined(_REENTRANT)) || \
                                 (defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)))
#define LLM_NO_THREADS
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <math.h>
#include <float.h>
#include <limits.h>
#include <time.h>
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#elif defined(__APPLE__)
#include <mach/mach_time.h>
#endif
#if !defined(LLM_NO_THREADS) && !defined(_WIN32)
#include <pthread.h>
#include <unistd.h>
#endif

#ifndef LLM_ASSERT
#include <assert.h>
#define LLM_ASSERT(x) assert(x)
#endif
#if defined(LLM_MALLOC) != defined(LLM_FREE)
#error "llm.h: define both LLM_MALLOC and LLM_FREE, or neither"
#endif
#ifndef LLM_MALLOC
#define LLM_MALLOC(sz) malloc(sz)
#define LLM_FREE(p) free(p)
#endif

/* compile-time checks of the sizes the file formats rely on */
typedef char llm__check_float[(sizeof(float) == 4) ? 1 : -1];
typedef char llm__check_int32[(sizeof(int32_t) == 4) ? 1 : -1];
typedef char llm__check_size[(sizeof(size_t) >= 4) ? 1 : -1];

#if defined(__GNUC__) || defined(__clang__)
#define LLM__MAYBE_UNUSED __attribute__((unused))
#else
#define LLM__MAYBE_UNUSED
#endif
#define LLM__MIN(a, b) ((a) < (b) ? (a) : (b))
#define LLM__MAX(a, b) ((a) > (b) ? (a) : (b))
#define LLM__UNUSED(x) ((void)(x))
#if defined(__GNUC__) || defined(__clang__)
#define LLM__RESTRICT __restrict__
#define LLM__INLINE static inline __attribute__((always_inline))
#else
#define LLM__RESTRICT
#define LLM__INLINE static inline
#endif

/* The CPU kernels compiled in. On x86-64 (gcc, clang, MSVC) the AVX2+FMA and AVX-512
   variants are always compiled, whatever -march says (gcc and clang through target
   attributes), and one is chosen at run time from what the CPU has (>>kernels,
   llm__kernels_choose); on aarch64 the NEON variant; elsewhere, or with LLM_NO_SIMD, the
   portable C kernels, which are also the fallback everywhere. */
#if !defined(LLM_NO_SIMD) && (defined(__x86_64__) || defined(_M_X64)) && \
    (defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER))
#define LLM__X86 1
#include <immintrin.h>
#if defined(__GNUC__) || defined(__clang__)
#include <cpuid.h>
#define LLM__TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define LLM__TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,f16c")))
#define LLM__TARGET_VNNI __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#else
#include <intrin.h>
#define LLM__TARGET_AVX2
#define LLM__TARGET_AVX512
#define LLM__TARGET_VNNI
#endif
#define LLM__KERNEL_LIST "portable avx2 avx512"
#elif !defined(LLM_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define LLM__NEON 1
#include <arm_neon.h>
#define LLM__KERNEL_LIST "portable neon"
#else
#define LLM__KERNEL_LIST "portable"
#endif
#define LLM__GEMM_MR_MAX 8    /* the largest micro-kernel tile (AVX-512: 8 x 48) */
#define LLM__GEMM_NR_MAX 48
#if defined(__GNUC__) || defined(__clang__)
#define LLM__PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define LLM__PREFETCH(p) ((void)(p))
#endif
#ifndef LLM__GEMM_KC
#define LLM__GEMM_KC 256  /* k slice: MR x KC of A in L1                       */
#endif
#ifndef LLM__GEMM_MC
#define LLM__GEMM_MC 480  /* rows of A packed at once (multiple of every MR)     */
#endif
#ifndef LLM__GEMM_NC
#define LLM__GEMM_NC 480  /* columns of B packed at once: KC x NC in L2         */
#endif

/* The kernel variants in use: chosen once per thread pool (and per trainer or session
   without one) in >>kernels. GEMM variants give bit-identical results (each element is
   one FMA chain in k order); so do the matvec variants (16 or 32 partial sums in the same
   order) and the AdamW ones; so the choice changes speed only. */
struct llm__adamw_args;
struct llm__q8x;
typedef struct llm__kernels {
    const char *gemm_name;   /* "portable", "avx2", "avx512", "neon" */
    int mr, nr;              /* its micro-kernel tile */
    void (*gemm)(int kc, const float *a, const float *b, float *c, ptrdiff_t ldc, int beta);
    int (*pack_t)(float *pd, int w, int nv, int kc, const float *ps, ptrdiff_t rs);
    const char *dot_name;
    void (*dot4)(const float *x, const float *w0, const float *w1, const float *w2, const float *w3, int n,
                 float *out);
    size_t (*adamw)(const struct llm__adamw_args *o, size_t a, size_t b, float decay);
    float (*qdot)(int type, const unsigned char *w, const struct llm__q8x *x, int n);   /* >>qmatmul */
    /* four consecutive rows (row_bytes apart) at once */
    void (*qdot4)(int type, const unsigned char *w, size_t row_bytes, const struct llm__q8x *x, int n, float *out);
    char why[160];           /* how it was chosen */
} llm__kernels;
static void llm__kernels_choose(llm__kernels *k, const llm_allocator *al, int calibrate);

/* Defined further down, in >>kernels and the >>appendix (the readable code comes first). */
static void llm__gemm(const llm__kernels *kern, llm_threadpool *pool, float *ws, size_t ws_stride, int M, int N,
                      int K, const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const float *B, ptrdiff_t b_rs,
                      ptrdiff_t b_cs, float *C, ptrdiff_t ldc, int accumulate);
static void llm__matvec(const llm__kernels *kern, llm_threadpool *pool, float *out, const float *inp, const float *w,
                        const float *bias, size_t N, int C, int OC);
struct llm__ops;
#if defined(LLM_CUDA)
/* llm_cuda.h (included at the end of the implementation): its table, or NULL when no GPU can
   be used (then *why says why). */
static const struct llm__ops *llm__cuda_ops(const char **why);
static const char *llm__cuda_name(void);   /* "cuda:<device name>" */
#define LLM__BACKENDS "cuda+cpu"
#else
#define LLM__BACKENDS "cpu"
#endif
static int llm__cp_class(uint32_t cp);
static size_t llm__sampler_state_size(const llm_sampler *s);
static llm_status llm__tokenizer_clone(const llm_tokenizer *t, const llm_allocator *a, llm_tokenizer **out,
                                       llm_error *err);
static llm_status llm__tokenizer_pad(llm_tokenizer *t, int32_t n, llm_error *err);
struct llm_model;
static int64_t llm__saved_rows(const struct llm_model *m, const llm_tensor_info *t);
static size_t llm__row_bytes(int type, size_t n);
static void llm__dequant_row(int type, const unsigned char *src, float *dst, size_t n);
static llm_status llm__safetensors_export(const struct llm_model *m, const char *dir, const llm_export_desc *d,
                                          llm_error *err);
static llm_status llm__trainer_save(llm_trainer *tr, const char *path, void *buf, size_t cap, size_t *size,
                                    uint64_t data_pos);
struct llm__src;
static llm_status llm__trainer_load(llm_trainer *tr, struct llm__src *src, uint64_t *data_pos);

/* =========================================================================================
   >>platform: status strings, errors, allocation, files, threads, rng, timer
   ========================================================================================= */

LLMDEF const char *llm_status_string(llm_status s) {
    switch (s) {
    case LLM_OK: return "ok";
    case LLM_ERR_INVALID_ARG: return "invalid argument";
    case LLM_ERR_OUT_OF_MEMORY: return "out of memory";
    case LLM_ERR_IO: return "i/o error";
    case LLM_ERR_FORMAT: return "bad file format";
    case LLM_ERR_UNSUPPORTED: return "unsupported";
    case LLM_ERR_CANCELLED: return "cancelled";
    case LLM_ERR_NON_FINITE: return "non-finite value";
    case LLM_ERR_CONTEXT_FULL: return "context full";
    case LLM_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case LLM_ERR_THREAD: return "thread error";
    case LLM_ERR_OUT_OF_RANGE: return "out of range";
    case LLM_ERR_CUDA: return "CUDA error";
    }
    return "unknown status";
}

LLMDEF const char *llm_stop_reason_string(llm_stop_reason r) {
    switch (r) {
    case LLM_STOP_NONE: return "running";
    case LLM_STOP_EOS: return "end of sequence";
    case LLM_STOP_TOKEN: return "stop token";
    case LLM_STOP_STRING: return "stop string";
    case LLM_STOP_MAX_TOKENS: return "max tokens";
    case LLM_STOP_CONTEXT_FULL: return "context full";
    case LLM_STOP_CALLBACK: return "stopped by the callback";
    case LLM_STOP_ERROR: return "error";
    }
    return "unknown stop reason";
}
LLMDEF const char *llm_backend_name(void) {
#if defined(LLM_CUDA)
    const char *why;
    if (llm__cuda_ops(&why)) return llm__cuda_name();
#endif
    return "cpu";
}

LLMDEF const char *llm_build_info(void) {
#define LLM__STR2(x) #x
#define LLM__STR(x) LLM__STR2(x)
    return "llm.h " LLM__STR(LLM_VERSION_MAJOR) "." LLM__STR(LLM_VERSION_MINOR) "." LLM__STR(LLM_VERSION_PATCH)
           " | backend " LLM__BACKENDS " | cpu kernels " LLM__KERNEL_LIST " (chosen at run time: see "
           "llm_threadpool_kernels) | gemm kc " LLM__STR(LLM__GEMM_KC) " mc " LLM__STR(LLM__GEMM_MC) " nc "
           LLM__STR(LLM__GEMM_NC);
#undef LLM__STR
#undef LLM__STR2
}

/* Formats a message into buf (may be NULL) and returns status, so callers can write
   `return llm__fail(err, LLM_ERR_FORMAT, "...")`. */
static llm_status llm__vfail(char *buf, size_t cap, llm_status status, const char *fmt,
                             va_list ap) {
    if (buf && cap) {
        vsnprintf(buf, cap, fmt, ap);
    }
    return status;
}
static llm_status llm__fail(llm_error *err, llm_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err) {
        err->status = status;
        llm__vfail(err->message, sizeof err->message, status, fmt, ap);
    }
    va_end(ap);
    return status;
}
/* LLM__ASSUME(x): a fact the code relies on that clang's static analyzer cannot prove (a hash
   slot in use means its table's arrays were filled: it does not know llm__calloc zeroes);
   nothing in other builds. Each use says why: this is the analyzer's suppression list. */
#if defined(__clang_analyzer__)
#define LLM__ASSUME(x) do { if (!(x)) __builtin_unreachable(); } while (0)
#else
#define LLM__ASSUME(x) ((void)0)
#endif
/* (clang's static analyzer does not follow variadic calls, so it would take every failure for
   a possible LLM_OK; for it alone, the status a failure returns is spelled out) */
#if defined(__clang_analyzer__)
#define llm__fail(err, status, ...) (llm__fail(err, status, __VA_ARGS__), (status))
#endif
static void llm__ok(llm_error *err) {
    if (err) { err->status = LLM_OK; err->message[0] = 0; }
}

static void llm__log(llm_log_fn fn, void *user, int level, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    if (!fn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(level, msg, user);
}

/* The last error of an object that one thread uses at a time (trainer, session, sampler,
   generator), and the log callback that hears of it. */
typedef struct llm__diag {
    llm_error err;
    llm_log_fn log_fn;
    void *log_user;
} llm__diag;
static llm_status llm__dfail(llm__diag *d, llm_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    d->err.status = status;
    vsnprintf(d->err.message, sizeof d->err.message, fmt, ap);
    va_end(ap);
    llm__log(d->log_fn, d->log_user, 0, "llm.h: %s", d->err.message);
    return status;
}
#if defined(__clang_analyzer__)
#define llm__dfail(d, status, ...) (llm__dfail(d, status, __VA_ARGS__), (status))
#endif

/* >>alloc: every allocation goes through here. Blocks are 64-byte aligned (cache line,
   one AVX-512 vector) by over-allocating and storing the original pointer just before. */
static void *llm__alloc(const llm_allocator *a, size_t size) {
    unsigned char *raw, *p;
    size_t total;
    if (size > SIZE_MAX - 64 - sizeof(void *)) return NULL;
    total = size + 64 + sizeof(void *);
    if (a && a->alloc_fn) raw = (unsigned char *)a->alloc_fn(total, a->user_data);
    else raw = (unsigned char *)LLM_MALLOC(total);
    if (!raw) return NULL;
    p = raw + sizeof(void *);
    p += (64 - ((uintptr_t)p & 63)) & 63;
    memcpy(p - sizeof(void *), &raw, sizeof(void *));
    return p;
}
static void *llm__calloc(const llm_allocator *a, size_t count, size_t elem) {
    void *p;
    if (elem && count > SIZE_MAX / elem) return NULL;
    p = llm__alloc(a, count * elem);
    if (p) memset(p, 0, count * elem);
    return p;
}
static void llm__dealloc(const llm_allocator *a, void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof(void *));
    if (a && a->free_fn) a->free_fn(raw, a->user_data);
    else LLM_FREE(raw);
}
LLMDEF void llm_free(const llm_allocator *allocator, void *ptr) { llm__dealloc(allocator, ptr); }
/* Grows an array to hold at least `need` elements (doubling). Returns the (possibly new)
   pointer, or NULL on failure with the old block left alone. */
static void *llm__tgrow(const llm_allocator *a, void *p, size_t *cap, size_t need, size_t elem) {
    size_t nc;
    void *np;
    if (need <= *cap) return p;
    nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 4 / elem) return NULL;
        nc *= 2;
    }
    np = llm__alloc(a, nc * elem);
    if (!np) return NULL;
    if (p) { memcpy(np, p, *cap * elem); llm__dealloc(a, p); }
    *cap = nc;
    return np;
}

/* >>files: paths are UTF-8 everywhere (on Windows they are converted to UTF-16 for _wfopen
   and MoveFileExW); offsets are 64-bit. */
#if defined(_WIN32)
static wchar_t *llm__wide(const char *s) {   /* UTF-8 -> a new UTF-16 string (free with LLM_FREE) */
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? (wchar_t *)LLM_MALLOC((size_t)n * sizeof(wchar_t)) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) { LLM_FREE(w); w = NULL; }
    return w;
}
#endif
static FILE *llm__fopen(const char *path, const char *mode) {
#if defined(_WIN32)
    wchar_t *wp = llm__wide(path), *wm = llm__wide(mode);
    FILE *f = wp && wm ? _wfopen(wp, wm) : NULL;
    LLM_FREE(wp); LLM_FREE(wm);
    return f;
#else
    return fopen(path, mode);
#endif
}
/* replaces path by tmp (0 on success) */
static int llm__rename(const char *tmp, const char *path) {
#if defined(_WIN32)
    wchar_t *wt = llm__wide(tmp), *wp = llm__wide(path);
    int ok = wt && wp && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING);
    LLM_FREE(wt); LLM_FREE(wp);
    return ok ? 0 : -1;
#else
    return rename(tmp, path);
#endif
}
static void llm__remove(const char *path) {
#if defined(_WIN32)
    wchar_t *w = llm__wide(path);
    if (w) _wremove(w);
    LLM_FREE(w);
#else
    remove(path);
#endif
}
/* Memory-mapped files (POSIX mmap, Windows MapViewOfFile); elsewhere files are read. */
#include <errno.h>
#if !defined(_WIN32)
#include <sys/stat.h>   /* mkdir, stat, and the file's size for mmap */
#endif
#if !defined(_WIN32) && (defined(__unix__) || defined(__APPLE__)) && !defined(__wasi__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#define LLM__MMAP 1
#else
#define LLM__MMAP 0
#endif
/* 1 when path is a directory */
static int llm__is_dir(const char *path) {
#if defined(_WIN32)
    wchar_t *w = llm__wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    LLM_FREE(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
#else
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
#endif
}
/* makes a directory (0 on success or when it exists) */
static int llm__mkdir(const char *path) {
#if defined(_WIN32)
    wchar_t *w = llm__wide(path);
    int ok = w && (CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    LLM_FREE(w);
    return ok ? 0 : -1;
#else
    return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
#endif
}
/* Maps a whole regular file read-only; 0 when it cannot (no mapping on this platform, an
   empty file, a directory): the caller reads it instead. */
static void *llm__map_file(const char *path, uint64_t *size) {
#if defined(_WIN32)
    wchar_t *wp = llm__wide(path);
    HANDLE f = wp ? CreateFileW(wp, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL)
                  : INVALID_HANDLE_VALUE;
    HANDLE h = NULL;
    LARGE_INTEGER sz;
    void *p = NULL;
    LLM_FREE(wp);
    if (f == INVALID_HANDLE_VALUE) return NULL;
    if (GetFileSizeEx(f, &sz) && sz.QuadPart > 0 && (uint64_t)sz.QuadPart <= (uint64_t)SIZE_MAX)
        h = CreateFileMappingW(f, NULL, PAGE_READONLY, 0, 0, NULL);
    CloseHandle(f);
    if (h) { p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0); CloseHandle(h); }   /* the view keeps the mapping */
    if (p) *size = (uint64_t)sz.QuadPart;
    return p;
#elif LLM__MMAP
    struct stat sb;
    void *p;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 || (uint64_t)sb.st_size > (uint64_t)SIZE_MAX) {
        close(fd);
        return NULL;
    }
    p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return NULL;
    *size = (uint64_t)sb.st_size;
    return p;
#else
    LLM__UNUSED(path); LLM__UNUSED(size);
    return NULL;
#endif
}
static void llm__unmap_file(void *p, uint64_t size) {
#if defined(_WIN32)
    LLM__UNUSED(size);
    if (p) UnmapViewOfFile(p);
#elif LLM__MMAP
    if (p) munmap(p, (size_t)size);
#else
    LLM__UNUSED(p); LLM__UNUSED(size);
#endif
}
/* 64-bit offsets: Windows has its own calls; where long has 64 bits fseek does; 32-bit
   POSIX systems have fseeko (declared when the headers expose POSIX) */
#if defined(_WIN32)
#define LLM__FSEEK(f, o, w) _fseeki64((f), (__int64)(o), (w))
#define LLM__FTELL(f) ((int64_t)_ftelli64(f))
#elif LONG_MAX > 2147483647L || !(defined(__USE_XOPEN2K) || defined(__APPLE__) || defined(__FreeBSD__))
#define LLM__FSEEK(f, o, w) ((uint64_t)(o) > (uint64_t)LONG_MAX ? -1 : fseek((f), (long)(o), (w)))
#define LLM__FTELL(f) ((int64_t)ftell(f))
#else
#define LLM__FSEEK(f, o, w) fseeko((f), (off_t)(o), (w))
#define LLM__FTELL(f) ((int64_t)ftello(f))
#endif
static int llm__seek(FILE *f, uint64_t off) { return LLM__FSEEK(f, off, SEEK_SET); }
/* the file's size (-1 on failure) */
static int64_t llm__file_size(FILE *f) {
    if (LLM__FSEEK(f, 0, SEEK_END) != 0) return -1;
    return LLM__FTELL(f);
}

/* A byte source that is either a FILE or a memory buffer; every read is checked against the
   source size so loaders never trust a count from the file. */
typedef struct llm__src {
    const unsigned char *mem;
    FILE *f;
    uint64_t size;
    void *map;          /* mem is this file mapping (unmapped on close unless taken) */
} llm__src;

/* path: mapped when the platform can (map != 0), else read through a FILE. */
static llm_status llm__src_open_map(llm__src *s, const char *path, const void *data, size_t size, int map,
                                    llm_error *err) {
    memset(s, 0, sizeof *s);
    if (path && map && (s->map = llm__map_file(path, &s->size)) != NULL) {
        s->mem = (const unsigned char *)s->map;
        return LLM_OK;
    }
    if (path) {
        int64_t len;
        if (llm__is_dir(path)) return llm__fail(err, LLM_ERR_IO, "'%s' is a directory, not a file", path);
        s->f = llm__fopen(path, "rb");
        if (!s->f) return llm__fail(err, LLM_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        if ((len = llm__file_size(s->f)) < 0) {
            fclose(s->f); s->f = NULL;
            return llm__fail(err, LLM_ERR_IO, "cannot seek in '%s'", path);
        }
        s->size = (uint64_t)len;
        return LLM_OK;
    }
    if (!data && size) return llm__fail(err, LLM_ERR_INVALID_ARG, "no path and no data");
    s->mem = (const unsigned char *)data;
    s->size = size;
    return LLM_OK;
}
static llm_status llm__src_open(llm__src *s, const char *path, const void *data, size_t size, llm_error *err) {
    return llm__src_open_map(s, path, data, size, 0, err);
}
static void llm__src_close(llm__src *s) {
    if (s->f) fclose(s->f);
    llm__unmap_file(s->map, s->size);
    s->f = NULL; s->map = NULL; s->mem = NULL;
}
/* Reads n bytes at offset off; fails (LLM_ERR_FORMAT) when they lie beyond the end. */
static llm_status llm__src_read(llm__src *s, uint64_t off, void *dst, size_t n, llm_error *err) {
    if (off > s->size || n > s->size - off)
        return llm__fail(err, LLM_ERR_FORMAT,
                         "file truncated: need %llu bytes at offset %llu, size is %llu",
                         (unsigned long long)n, (unsigned long long)off,
                         (unsigned long long)s->size);
    if (n == 0) return LLM_OK;
    if (s->mem) { memcpy(dst, s->mem + off, n); return LLM_OK; }
    if (llm__seek(s->f, off) != 0 || fread(dst, 1, n, s->f) != n)
        return llm__fail(err, LLM_ERR_IO, "read error at offset %llu", (unsigned long long)off);
    return LLM_OK;
}

LLMDEF llm_status llm_read_file(const char *path, const llm_allocator *allocator, void **data,
                                size_t *size, llm_error *err) {
    llm__src s;
    llm_status st;
    void *buf;
    if (data) *data = NULL;
    if (size) *size = 0;
    if (!path || !data || !size) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL path, data or size");
    if ((st = llm__src_open(&s, path, NULL, 0, err)) != LLM_OK) return st;
    if (s.size > (uint64_t)(SIZE_MAX / 2)) { llm__src_close(&s);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "file too large"); }
    buf = llm__alloc(allocator, (size_t)s.size + 1);
    if (!buf) { llm__src_close(&s); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", path); }
    st = llm__src_read(&s, 0, buf, (size_t)s.size, err);
    llm__src_close(&s);
    if (st != LLM_OK) { llm__dealloc(allocator, buf); return st; }
    ((char *)buf)[s.size] = 0; /* convenient for text */
    *data = buf; *size = (size_t)s.size;
    llm__ok(err);
    return LLM_OK;
}

/* Writes n bytes to path (via path.tmp and a rename, so a crash never leaves half a file
   under the name). */
static llm_status llm__write_file(const char *path, const void *data, size_t n, llm_error *err) {
    size_t pl = strlen(path);
    char tmp[4096 + 8];
    FILE *f;
    int bad;
    if (pl > 4096) return llm__fail(err, LLM_ERR_INVALID_ARG, "path too long");
    memcpy(tmp, path, pl); memcpy(tmp + pl, ".tmp", 5);
    f = llm__fopen(tmp, "wb");
    if (!f) return llm__fail(err, LLM_ERR_IO, "cannot create '%s'", tmp);
    bad = n && fwrite(data, 1, n, f) != n;
    if (fclose(f) != 0) bad = 1;
    if (!bad && llm__rename(tmp, path) != 0) { llm__remove(path); bad = llm__rename(tmp, path) != 0; }
    if (bad) { llm__remove(tmp); return llm__fail(err, LLM_ERR_IO, "cannot write '%s'", path); }
    return LLM_OK;
}

/* Little-endian integer helpers for file formats (the host may be either endian). */
static uint32_t llm__rd_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t llm__rd_u64(const unsigned char *p) {
    return (uint64_t)llm__rd_u32(p) | ((uint64_t)llm__rd_u32(p + 4) << 32);
}
/* Writes the low nbytes of v at p, little-endian. */
static void llm__put_le(unsigned char *p, uint64_t v, int nbytes) {
    int i;
    for (i = 0; i < nbytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t llm__f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static int llm__host_is_le(void) { const uint16_t one = 1; return *(const unsigned char *)&one == 1; }
/* n 4-byte words at p between the host's order and little-endian (a no-op on LE hosts) */
static void llm__le32_words(void *p, size_t n) {
    unsigned char *b = (unsigned char *)p, t;
    size_t i;
    if (llm__host_is_le()) return;
    for (i = 0; i < n; i++, b += 4) { t = b[0]; b[0] = b[3]; b[3] = t; t = b[1]; b[1] = b[2]; b[2] = t; }
}
/* Reads n little-endian float32 values into dst. */
static llm_status llm__src_read_f32(llm__src *s, uint64_t off, float *dst, size_t n, llm_error *err) {
    llm_status st;
    if (n > SIZE_MAX / 4) return llm__fail(err, LLM_ERR_FORMAT, "tensor too large");
    st = llm__src_read(s, off, dst, n * 4, err);
    if (st == LLM_OK && !llm__host_is_le()) {
        size_t i; for (i = 0; i < n; i++) { uint32_t u; memcpy(&u, dst + i, 4);
            u = llm__rd_u32((const unsigned char *)&u); memcpy(dst + i, &u, 4); }
    }
    return st;
}

/* >>threads: a pool of persistent workers. llm__parallel(pool, fn, ctx) runs
   fn(ctx, i, n) once for every part i of n = the pool's width, and returns when all parts
   are done. Parts are claimed dynamically from one atomic counter by whichever thread is
   free, the caller included: if another process holds a core and a worker cannot run, the
   caller does its parts instead of waiting for it (a static split would stall the whole
   job on the slowest thread). Results cannot depend on who runs a part, so they stay
   deterministic. Idle workers spin briefly, then yield, then sleep on a condition variable.
   The width is min(threads, hardware threads): a pool asked for more threads than the
   machine has splits work no finer than it can run, and its workers do not spin (they
   would only take the CPU from the threads doing the work).
   Threads: POSIX threads, or Win32 threads on Windows (no pthreads library needed). */
typedef void (*llm__task_fn)(void *ctx, int ith, int nth);

#if !defined(LLM_NO_THREADS)
#if defined(__GNUC__) || defined(__clang__)
#define LLM__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define LLM__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define LLM__ATOMIC_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define LLM__ATOMIC_STORE64 LLM__ATOMIC_STORE
#define LLM__ATOMIC_ADD64 LLM__ATOMIC_ADD
#elif defined(_MSC_VER)
#include <intrin.h>
#define LLM__ATOMIC_LOAD(p) ((int)_InterlockedCompareExchange((volatile long *)(p), 0, 0))
#define LLM__ATOMIC_STORE(p, v) ((void)_InterlockedExchange((volatile long *)(p), (long)(v)))
#define LLM__ATOMIC_ADD(p, v) ((int)_InterlockedExchangeAdd((volatile long *)(p), (long)(v)))
#define LLM__ATOMIC_STORE64(p, v) ((void)_InterlockedExchange64((volatile __int64 *)(p), (__int64)(v)))
#define LLM__ATOMIC_ADD64(p, v) ((uint64_t)_InterlockedExchangeAdd64((volatile __int64 *)(p), (__int64)(v)))
#else
#error "llm.h: the thread pool needs GCC/Clang or MSVC atomics; build with -DLLM_NO_THREADS"
#endif
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#define LLM__PAUSE() _mm_pause()
#include <immintrin.h>
#elif (defined(__aarch64__) || defined(__arm__)) && (defined(__GNUC__) || defined(__clang__))
#define LLM__PAUSE() __asm__ __volatile__("yield")
#else
#define LLM__PAUSE() ((void)0)
#endif
#define LLM__SPIN 4000   /* pause-spins before yielding */
#define LLM__YIELDS 64   /* yields before sleeping */
#if defined(_WIN32)
typedef HANDLE llm__thread;
typedef CRITICAL_SECTION llm__mutex;
typedef CONDITION_VARIABLE llm__cond;
#define llm__mutex_init(m) InitializeCriticalSection(m)
#define llm__mutex_destroy(m) DeleteCriticalSection(m)
#define llm__mutex_lock(m) EnterCriticalSection(m)
#define llm__mutex_unlock(m) LeaveCriticalSection(m)
#define llm__cond_init(c) InitializeConditionVariable(c)
#define llm__cond_destroy(c) ((void)(c))
#define llm__cond_wait(c, m) SleepConditionVariableCS((c), (m), INFINITE)
#define llm__cond_broadcast(c) WakeAllConditionVariable(c)
#define LLM__YIELD() SwitchToThread()
#else
#include <sched.h>
typedef pthread_t llm__thread;
typedef pthread_mutex_t llm__mutex;
typedef pthread_cond_t llm__cond;
#define llm__mutex_init(m) pthread_mutex_init((m), NULL)
#define llm__mutex_destroy(m) pthread_mutex_destroy(m)
#define llm__mutex_lock(m) pthread_mutex_lock(m)
#define llm__mutex_unlock(m) pthread_mutex_unlock(m)
#define llm__cond_init(c) pthread_cond_init((c), NULL)
#define llm__cond_destroy(c) pthread_cond_destroy(c)
#define llm__cond_wait(c, m) pthread_cond_wait((c), (m))
#define llm__cond_broadcast(c) pthread_cond_broadcast(c)
#define LLM__YIELD() sched_yield()
#endif
#endif /* !LLM_NO_THREADS */

struct llm_threadpool {
    int n;                      /* threads including the caller */
    int width;                  /* parts of a job: min(n, hardware threads) */
    llm_allocator alloc;
    llm__kernels kern;          /* the CPU kernels its work uses (chosen at create) */
#ifndef LLM_NO_THREADS
    llm__thread *threads;
    int started;                /* workers successfully started */
    int spin;                   /* pause-spins before yielding (0 when oversubscribed) */
    llm__mutex mu;              /* guards the condition variable and sleepers */
    llm__cond cv_work;
    llm__mutex dispatch;        /* one job at a time when several callers share the pool */
    int generation;             /* bumped for every job: wakes the workers */
    int sleepers;               /* workers waiting on cv_work */
    int stop;
    uint64_t claim;             /* (parts << 32) | next part to hand out */
    int done;                   /* parts finished */
    llm__task_fn fn;
    void *ctx;
#endif
};

/* Hardware threads (logical CPUs online) and physical cores of this machine; 1 when unknown
   or without threads. */
static void llm__cpu_count(int *logical, int *physical) {
    *logical = 1; *physical = 1;
#if !defined(LLM_NO_THREADS) && defined(_WIN32)
    {
        SYSTEM_INFO si;
        DWORD len = 0;
        GetSystemInfo(&si);
        *logical = *physical = (int)si.dwNumberOfProcessors;
        /* one RelationProcessorCore record per core */
        if (!GetLogicalProcessorInformationEx(RelationProcessorCore, NULL, &len) &&
            GetLastError() == ERROR_INSUFFICIENT_BUFFER && len) {
            unsigned char *buf = (unsigned char *)LLM_MALLOC(len);
            if (buf && GetLogicalProcessorInformationEx(RelationProcessorCore,
                                                        (PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX)buf, &len)) {
                DWORD off = 0;
                int cores = 0;
                while (off < len) {
                    cores++;
                    off += ((PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX)(buf + off))->Size;
                }
                if (cores > 0) *physical = cores;
            }
            LLM_FREE(buf);
        }
    }
#elif !defined(LLM_NO_THREADS) && defined(_SC_NPROCESSORS_ONLN)
    {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        int cpu, cores = 0;
        if (n < 1) return;
        *logical = *physical = (int)LLM__MIN(n, 1024);
#if defined(__linux__)
        /* a core counts once: the CPUs whose number starts their thread_siblings_list */
        for (cpu = 0; cpu < *logical; cpu++) {
            char path[96], line[64];
            FILE *f;
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
            if (!(f = fopen(path, "r"))) { cores = 0; break; }
            if (fgets(line, sizeof line, f) && atoi(line) == cpu) cores++;
            fclose(f);
        }
        if (cores > 0) *physical = cores;
#else
        (void)cpu; (void)cores;
#endif
    }
#endif
}

#ifndef LLM_NO_THREADS
typedef struct llm__worker_arg { llm_threadpool *pool; int ith; } llm__worker_arg;

/* Claims and runs parts of the current job until none is left. A claim whose part number
   is below the part count stored in the same atomic word belongs to the current job, and
   that job cannot finish before the part is marked done, so fn and ctx stay valid. */
static void llm__pool_work(llm_threadpool *p) {
    for (;;) {
        uint64_t c = LLM__ATOMIC_ADD64(&p->claim, (uint64_t)1);
        uint32_t part = (uint32_t)c, parts = (uint32_t)(c >> 32);
        if (part >= parts) return;
        p->fn(p->ctx, (int)part, (int)parts);
        LLM__ATOMIC_ADD(&p->done, 1);
    }
}

static void llm__worker_loop(llm_threadpool *p) {
    int seen = 0;
    for (;;) {
        int g = LLM__ATOMIC_LOAD(&p->generation), spins;
        for (spins = 0; g == seen && spins < p->spin + LLM__YIELDS; spins++) {
            if (spins < p->spin) LLM__PAUSE(); else LLM__YIELD();
            g = LLM__ATOMIC_LOAD(&p->generation);
        }
        if (g == seen) {
            llm__mutex_lock(&p->mu);
            LLM__ATOMIC_STORE(&p->sleepers, p->sleepers + 1);
            while ((g = LLM__ATOMIC_LOAD(&p->generation)) == seen && !LLM__ATOMIC_LOAD(&p->stop))
                llm__cond_wait(&p->cv_work, &p->mu);
            LLM__ATOMIC_STORE(&p->sleepers, p->sleepers - 1);
            llm__mutex_unlock(&p->mu);
        }
        if (LLM__ATOMIC_LOAD(&p->stop)) break;
        seen = g;
        llm__pool_work(p);
    }
}
#if defined(_WIN32)
static DWORD WINAPI llm__worker_main(LPVOID arg) {
    llm__worker_loop(((llm__worker_arg *)arg)->pool);
    return 0;
}
#else
static void *llm__worker_main(void *arg) {
    llm__worker_loop(((llm__worker_arg *)arg)->pool);
    return NULL;
}
#endif
#endif

LLMDEF llm_status llm_threadpool_create(int n_threads, const llm_allocator *allocator,
                                        llm_threadpool **out, llm_error *err) {
    llm_threadpool *p;
    int logical, physical;
    if (!out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL out");
    *out = NULL;
    llm__cpu_count(&logical, &physical);
    if (n_threads <= 0) n_threads = LLM__MIN(physical, 256);   /* one per core: SMT siblings share its units */
    if (n_threads > LLM_MAX_THREADS)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_threads %d exceeds LLM_MAX_THREADS (%d)", n_threads,
                         LLM_MAX_THREADS);
    p = (llm_threadpool *)llm__calloc(allocator, 1, sizeof *p);
    if (!p) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (allocator) p->alloc = *allocator;
    p->n = n_threads;
    p->width = LLM__MAX(1, LLM__MIN(n_threads, logical));
    llm__kernels_choose(&p->kern, allocator, 1);
#ifdef LLM_NO_THREADS
    p->n = p->width = 1;
#else
    {
        int i;
        llm__worker_arg *args;
        p->spin = n_threads <= logical ? LLM__SPIN : 0;
        llm__mutex_init(&p->mu);
        llm__mutex_init(&p->dispatch);
        llm__cond_init(&p->cv_work);
        p->threads =
            (llm__thread *)llm__calloc(allocator, (size_t)n_threads, sizeof(llm__thread) + sizeof(llm__worker_arg));
        if (!p->threads) { llm_threadpool_free(p); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); }
        args = (llm__worker_arg *)(p->threads + n_threads);
        for (i = 1; i < n_threads; i++) {
            args[i].pool = p; args[i].ith = i;
#if defined(_WIN32)
            p->threads[i] = CreateThread(NULL, 0, llm__worker_main, &args[i], 0, NULL);
            if (!p->threads[i]) {
#else
            if (pthread_create(&p->threads[i], NULL, llm__worker_main, &args[i]) != 0) {
#endif
                llm_threadpool_free(p);
                return llm__fail(err, LLM_ERR_THREAD, "cannot start thread %d", i);
            }
            p->started = i;
        }
    }
#endif
    *out = p;
    llm__ok(err);
    return LLM_OK;
}

LLMDEF void llm_threadpool_free(llm_threadpool *p) {
    llm_allocator a;
    if (!p) return;
    a = p->alloc;
#ifndef LLM_NO_THREADS
    {
        int i;
        llm__mutex_lock(&p->mu);
        LLM__ATOMIC_STORE(&p->stop, 1);
        LLM__ATOMIC_ADD(&p->generation, 1);
        llm__cond_broadcast(&p->cv_work);
        llm__mutex_unlock(&p->mu);
        for (i = 1; i <= p->started; i++) {
#if defined(_WIN32)
            WaitForSingleObject(p->threads[i], INFINITE);
            CloseHandle(p->threads[i]);
#else
            pthread_join(p->threads[i], NULL);
#endif
        }
        llm__mutex_destroy(&p->mu);
        llm__mutex_destroy(&p->dispatch);
        llm__cond_destroy(&p->cv_work);
        llm__dealloc(&a, p->threads);
    }
#endif
    llm__dealloc(&a, p);
}

LLMDEF int llm_threadpool_size(const llm_threadpool *p) { return p ? p->n : 1; }
LLMDEF const char *llm_threadpool_kernels(const llm_threadpool *p) {
    return p ? p->kern.why : "chosen from the CPU's features (a pool also measures close variants)";
}
/* the parts one job is split into: the threads the machine can run at once */
static int llm__pool_width(const llm_threadpool *p) { return p ? p->width : 1; }

/* Runs fn(ctx, part, parts) for part = 0..parts-1 over the pool (parts <= 0: pool width). */
static void llm__parallel_parts(llm_threadpool *p, llm__task_fn fn, void *ctx, int parts) {
#ifndef LLM_NO_THREADS
    if (parts <= 0 && p) parts = p->width;
    if (p && p->n > 1 && parts > 1) {
        int spins = 0;
        llm__mutex_lock(&p->dispatch);
        p->fn = fn; p->ctx = ctx;
        LLM__ATOMIC_STORE(&p->done, 0);
        LLM__ATOMIC_STORE64(&p->claim, (uint64_t)(uint32_t)parts << 32);   /* publishes the job */
        LLM__ATOMIC_ADD(&p->generation, 1);
        if (LLM__ATOMIC_LOAD(&p->sleepers) > 0) {
            llm__mutex_lock(&p->mu);
            llm__cond_broadcast(&p->cv_work);
            llm__mutex_unlock(&p->mu);
        }
        llm__pool_work(p);
        /* only parts that other threads are running now are left */
        while (LLM__ATOMIC_LOAD(&p->done) < parts) {
            if (++spins < p->spin) LLM__PAUSE(); else LLM__YIELD();
        }
        llm__mutex_unlock(&p->dispatch);
        return;
    }
#else
    LLM__UNUSED(p);
#endif
    if (parts <= 1) { fn(ctx, 0, 1); return; }
    { int i; for (i = 0; i < parts; i++) fn(ctx, i, parts); }
}
LLMDEF void llm_threadpool_run(llm_threadpool *pool, void (*fn)(void *ctx, int part, int n_parts), void *ctx,
                               int n_parts) {
    if (fn) llm__parallel_parts(pool, fn, ctx, n_parts <= 0 ? llm_threadpool_size(pool) : n_parts);
}
/* One part per thread the machine can run: fn(ctx, ith, nth), nth = the pool's width
   (scratch memory may be indexed by ith). */
static void llm__parallel(llm_threadpool *p, llm__task_fn fn, void *ctx) { llm__parallel_parts(p, fn, ctx, 0); }

/* The slice [*lo, *hi) of n items that thread ith of nth handles. */
static void llm__split(size_t n, int ith, int nth, size_t *lo, size_t *hi) {
    size_t chunk = n / (size_t)nth, rem = n % (size_t)nth, i = (size_t)ith;
    *lo = i * chunk + LLM__MIN(i, rem);
    *hi = *lo + chunk + (i < rem ? 1 : 0);
}

/* >>timer: a monotonic wall clock on every platform. A strict -std=c99 build on glibc hides
   clock_gettime and CLOCK_MONOTONIC (the headers were read before any feature macro of
   ours could count), and clock() would then measure CPU time, not time: sleeping threads
   and frame budgets would look free. So the call is declared here when the header did
   not: the Linux ABI's timespec is two longs, and CLOCK_MONOTONIC is 1. */
#if defined(_WIN32)
LLMDEF double llm_time_seconds(void) {
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}
#elif defined(__APPLE__)
LLMDEF double llm_time_seconds(void) {
    mach_timebase_info_data_t tb;
    mach_timebase_info(&tb);
    return (double)mach_absolute_time() * (double)tb.numer / (double)tb.denom * 1e-9;
}
#elif defined(CLOCK_MONOTONIC)
LLMDEF double llm_time_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#elif defined(__linux__)
struct llm__timespec { long tv_sec, tv_nsec; };
extern int clock_gettime(int clock_id, struct llm__timespec *ts);
LLMDEF double llm_time_seconds(void) {
    struct llm__timespec ts;
    clock_gettime(1 /* CLOCK_MONOTONIC */, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#else
#error "llm.h: no monotonic clock known for this platform (add one to llm_time_seconds)"
#endif

/* >>rng: PCG32 (O'Neill), 64-bit state, 32-bit output. */
LLMDEF void llm_rng_seed(llm_rng *r, uint64_t seed) {
    if (!r) return;
    r->state = 0;
    r->inc = (seed << 1u) | 1u;
    llm_rng_u32(r);
    r->state += 0x853c49e6748fea9bULL ^ seed;
    llm_rng_u32(r);
}
LLMDEF uint32_t llm_rng_u32(llm_rng *r) {
    uint64_t old;
    uint32_t xorshifted, rot;
    if (!r) return 0;
    old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}
LLMDEF float llm_rng_float(llm_rng *r) { return (float)(llm_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }
LLMDEF float llm_rng_normal(llm_rng *r) {
    double u1, u2;
    if (!r) return 0;
    u1 = ((double)llm_rng_u32(r) + 1.0) * (1.0 / 4294967296.0); /* (0, 1] */
    u2 = (double)llm_rng_u32(r) * (1.0 / 4294967296.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Runs fn(ctx, lo, hi) over [0, n) split across the pool. */
typedef void (*llm__range_fn)(void *ctx, size_t lo, size_t hi);
typedef struct llm__for_args { llm__range_fn fn; void *ctx; size_t n; } llm__for_args;
static void llm__for_task(void *c, int ith, int nth) {
    const llm__for_args *a = (const llm__for_args *)c;
    size_t lo, hi;
    llm__split(a->n, ith, nth, &lo, &hi);
    if (lo < hi) a->fn(a->ctx, lo, hi);
}
static void llm__parallel_for(llm_threadpool *pool, size_t n, llm__range_fn fn, void *ctx) {
    llm__for_args a;
    a.fn = fn; a.ctx = ctx; a.n = n;
    if (!pool || pool->width == 1 || n < 2) { if (n) fn(ctx, 0, n); return; }
    /* more parts than threads: a thread that is preempted holds back only a small one */
    llm__parallel_parts(pool, llm__for_task, &a, (int)LLM__MIN(n, (size_t)pool->width * 4));
}

/* =========================================================================================
   >>tokenizer: byte-level BPE (GPT-2 / tiktoken) and SentencePiece BPE (Llama 2), and the
   Hugging Face pipeline over them (tokenizer.json: see the loader in >>formats)

   How the two families encode:
     byte-level BPE  text -> pre-split into "words" by a fixed pattern (GPT-2's regex, here
                     written by hand) -> each word's bytes become byte tokens -> the pair of
                     adjacent tokens with the lowest merge rank is merged, again and again,
                     until no adjacent pair has a rank.
     SentencePiece   text -> normalised (spaces become U+2581 "▁", a dummy "▁" in front) ->
                     one symbol per UTF-8 character -> the adjacent pair whose concatenation
                     is a vocabulary piece with the highest score is merged, again and again
                     -> characters still unknown become <0xXX> byte pieces.
   Both are the same loop: a priority queue of candidate merges over a linked list of
   symbols (llm__bpe_word), O(n log n) per word.
   ========================================================================================= */

/* Token types, numbered as SentencePiece and llama.cpp's tokenizer.ggml.token_type do. */
#define LLM__TT_NORMAL 1
#define LLM__TT_UNKNOWN 2
#define LLM__TT_CONTROL 3
#define LLM__TT_USER 4
#define LLM__TT_UNUSED 5
#define LLM__TT_BYTE 6

typedef struct llm__merge_slot { uint64_t key; int32_t rank, id; } llm__merge_slot;

struct llm_tokenizer {
    llm_allocator alloc;
    llm_tokenizer_type kind;
    llm_pattern pattern;     /* byte-level pre-split pattern */
    int32_t n;               /* vocabulary size */
    char *text;              /* every token's bytes, back to back */
    uint32_t *off;           /* n + 1 offsets into text */
    float *score;            /* SentencePiece merge priority (0 for byte-level) */
    unsigned char *type;     /* LLM__TT_* */
    int32_t *tab;            /* open-addressing hash: piece bytes -> id (-1 = empty) */
    uint32_t tab_mask;
    int32_t n_merges;        /* byte-level: merges in rank order: left, right, result */
    int32_t *merges;
    llm__merge_slot *mtab;   /* hash: (left id, right id) -> rank, result id */
    uint32_t mtab_mask;
    int32_t byte_id[256];    /* byte-level: the token of each byte; SPM: its <0xXX> piece */
    int32_t bos, eos, unk;
    int32_t *special;        /* ids matched by LLM_TOKENIZE_ALLOW_SPECIAL, longest first */
    int32_t n_special;
    unsigned char special_first[256]; /* 1 for bytes that start a special token */
    size_t max_piece;
    int add_dummy_prefix, remove_extra_ws, escape_ws, byte_fallback; /* SentencePiece */
    int seg_ok;              /* SPM: no piece has "▁" after another character (seg_keep all 0) */
    unsigned char seg_keep[256]; /* SPM: 1 for a byte that ends a character some piece has right
                                before a "▁". The text is cut before each "▁" that follows a
                                character not ending in such a byte and the parts encoded (and
                                cached) on their own: no piece spans a cut, same result */
    /* The Hugging Face pipeline (tokenizer.json; GGUF tokenizer.ggml.pre) */
    int n_pre;               /* byte-level: pre-split steps applied in turn, each to the pieces
                                of the one before (0: the one step `pattern`) */
    unsigned char pre[4];    /* LLM__PRE_* */
    int ignore_merges;       /* a piece that is itself a vocabulary token is that token (Llama 3) */
    int nfc;                 /* NFC-normalise the text first (Qwen) */
    int prefix_space;        /* byte-level: a space in front of a text that does not start with one */
    int rank_merges;         /* SPM: pieces merge by the rank of a merge list (tokenizer.json's BPE
                                model, Gemma), not by score; unknown characters fall back to bytes */
    int fuse_unk;            /* SPM, rank merges: adjacent unknown pieces give one <unk> */
    int meta_split;          /* SPM: Metaspace split: a piece begins at every "▁" (no "▁▁" merges) */
    int prefix_each;         /* SPM: the dummy prefix before each part between added tokens, not only
                                the first (Hugging Face's Prepend normalizer, Metaspace "always") */
    int add_bos, add_eos;    /* llm_tokenizer_default_flags */
    int hf;                  /* byte-level: the pipeline above, not the plain `pattern` split */
    struct llm__regex *re[4]; /* LLM__PRE_REGEX steps: the compiled Split pattern */
    char *re_src[4];         /* and its text (saved with the tokenizer) */
    uint32_t re_len[4];
    int32_t *stab;           /* hash of the added tokens matched in the text (CONTROL, USER) */
    uint32_t stab_mask;
    unsigned char *slen;     /* slen[L] 1: one of those is L bytes long (L <= slen_max) */
    uint32_t slen_max;
    unsigned char *spair;    /* bit (b0 << 8 | b1): one of those (2+ bytes) starts with b0 b1 */
    int n_user;              /* USER tokens (matched without LLM_TOKENIZE_ALLOW_SPECIAL) */
    /* chat (>>sft; read and written by llm__tok_chat_from_gguf / _to_gguf / _beside): the
       template text as read, what it was recognised as, and llama.cpp's end-of-turn ids */
    char *chat_jinja;        /* NUL-terminated, or NULL */
    char *chat_system;       /* chat.default_system points here */
    llm_chat_template chat;
    int32_t chat_eot[2];     /* GGUF tokenizer.ggml.eot_token_id, eom_token_id */
    int n_chat_eot;
};
/* (>>sft) the chat template keys of a tokenizer file */
static void llm__tok_chat_free(llm_tokenizer *t);

/* ---- small helpers --------------------------------------------------------------------- */


/* FNV-1a over bytes, folded to 32 bits; and a 64-bit integer mixer (murmur3 finaliser). */
static uint32_t llm__hash_bytes(const unsigned char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 0x100000001b3ULL; }
    return (uint32_t)(h ^ (h >> 32));
}
static uint32_t llm__hash_u64(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return (uint32_t)(x ^ (x >> 33));
}
static size_t llm__pow2_at_least(size_t n) { size_t c = 16; while (c < n) c *= 2; return c; }

/* ---- UTF-8 ------------------------------------------------------------------------------ */

/* Length (1..4) of the valid UTF-8 character at s[0..n), or 0 when s[0] does not start
   one (strict: no overlongs, no surrogates, nothing above U+10FFFF, no truncation). */
static size_t llm__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2 || c > 0xF4) return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F)) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F)) return 0;
    *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
          ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

/* 1 when s[0..n) is the valid beginning of a character that needs more than n bytes (so a
   streaming decoder must wait for more), 0 otherwise. */
static int llm__utf8_incomplete(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t need, i;
    if (c < 0xC2 || c > 0xF4) return 0;
    need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n >= need) return 0;
    for (i = 1; i < n; i++) if ((s[i] & 0xC0) != 0x80) return 0;
    if (n >= 2) {
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F)) return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F)) return 0;
    }
    return 1;
}

/* ---- Unicode classes for the pre-split: letter (\p{L}), number (\p{N}), space (\s) --------- */
#define LLM__CL_OTHER 0
#define LLM__CL_LETTER 1
#define LLM__CL_NUMBER 2
#define LLM__CL_SPACE 3

/* ASCII classes (the same generator's last line): \t \n \v \f \r and space are spaces. */
static const char llm__ascii_cls[129] = "000000000333330000000000000000003000000000000000222222222200000001111111111111"
                                        "11111111111110000001111111111111111111111111100000";

/* Class and byte length of the character at s[i]. An invalid byte is one character of
   class "other" (what a lone surrogate from Python's surrogateescape is). */
LLM__INLINE int llm__chr(const unsigned char *s, size_t n, size_t i, size_t *len) {
    uint32_t cp;
    if (s[i] < 0x80) { *len = 1; return llm__ascii_cls[s[i]] - '0'; }
    *len = llm__utf8_decode(s + i, n - i, &cp);
    if (!*len) { *len = 1; return LLM__CL_OTHER; }
    return llm__cp_class(cp);
}

/* ---- pre-split ------------------------------------------------------------------------- */
/* The end of the piece that starts at s[i] (i < n) under GPT-2's pattern
     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   The alternatives are tried in order, as the regex engine does. */
static size_t llm__split_gpt2(const unsigned char *s, size_t n, size_t i) {
    size_t len, e, last;
    int cl;
    if (s[i] == '\'' && i + 1 < n) {                 /* contractions (lowercase only) */
        unsigned char c1 = s[i + 1];
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
        if (i + 2 < n) {
            unsigned char c2 = s[i + 2];
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
                return i + 3;
        }
    }
    cl = llm__chr(s, n, i, &len);
    e = i + len;
    if (s[i] == ' ' && e < n) {                      /* " ?": a space joins what follows */
        size_t l2;
        int c2 = llm__chr(s, n, e, &l2);
        if (c2 != LLM__CL_SPACE) { cl = c2; e += l2; }
    }
    if (cl != LLM__CL_SPACE) {                       /* a run of letters, numbers or others */
        while (e < n) {
            size_t l;
            if (llm__chr(s, n, e, &l) != cl) break;
            e += l;
        }
        return e;
    }
    /* whitespace: \s+(?!\S) leaves the last space to the next word when one follows */
    e = i; last = i;
    while (e < n) {
        size_t l;
        if (llm__chr(s, n, e, &l) != LLM__CL_SPACE) break;
        last = e; e += l;
    }
    if (e == n) return e;
    if (last > i) return last;
    return e;                                        /* \s+: a lone space before a word */
}

/* The same for cl100k (GPT-4, Llama 3), maxdig 3:
     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
      ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
   and Qwen 2's, maxdig 1: the same with \p{N} in place of \p{N}{1,3}.                        */
LLM__INLINE size_t llm__split_cl(const unsigned char *s, size_t n, size_t i, int maxdig) {
    size_t len, e, last, nl;
    int cl, k;
    if (s[i] == '\'' && i + 1 < n) {                 /* contractions, any case */
        unsigned char c1 = (unsigned char)(s[i + 1] | 0x20);
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
        if (s[i + 1] == 0xC5 && i + 2 < n && s[i + 2] == 0xBF) return i + 3; /* U+017F long s folds to s */
        if (i + 2 < n) {
            unsigned char c2 = (unsigned char)(s[i + 2] | 0x20);
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
                return i + 3;
        }
    }
    cl = llm__chr(s, n, i, &len);
    e = i + len;
    if (cl != LLM__CL_LETTER && cl != LLM__CL_NUMBER && s[i] != '\r' && s[i] != '\n' && e < n) {
        size_t l2;                                   /* [^\r\n\p{L}\p{N}]\p{L}+ */
        if (llm__chr(s, n, e, &l2) == LLM__CL_LETTER) { cl = LLM__CL_LETTER; e += l2; }
    }
    if (cl == LLM__CL_LETTER) {                      /* \p{L}+ */
        while (e < n) { size_t l; if (llm__chr(s, n, e, &l) != LLM__CL_LETTER) break; e += l; }
        return e;
    }
    if (cl == LLM__CL_NUMBER) {                      /* \p{N}{1,3} */
        for (k = 1; k < maxdig && e < n; k++) {
            size_t l;
            if (llm__chr(s, n, e, &l) != LLM__CL_NUMBER) break;
            e += l;
        }
        return e;
    }
    if (s[i] == ' ' && e < n) {                      /* " ?" before punctuation */
        size_t l2;
        if (llm__chr(s, n, e, &l2) == LLM__CL_OTHER) { cl = LLM__CL_OTHER; e += l2; }
    }
    if (cl == LLM__CL_OTHER) {                       /* [^\s\p{L}\p{N}]+[\r\n]* */
        while (e < n) { size_t l; if (llm__chr(s, n, e, &l) != LLM__CL_OTHER) break; e += l; }
        while (e < n && (s[e] == '\r' || s[e] == '\n')) e++;
        return e;
    }
    e = i; last = i; nl = 0;                         /* whitespace */
    while (e < n) {
        size_t l;
        if (llm__chr(s, n, e, &l) != LLM__CL_SPACE) break;
        if (s[e] == '\r' || s[e] == '\n') nl = e + 1;
        last = e; e += l;
    }
    if (nl) return nl;                               /* \s*[\r\n]+ ends at the last newline */
    if (e == n) return e;
    if (last > i) return last;
    return e;
}

static size_t llm__split_gpt4(const unsigned char *s, size_t n, size_t i) { return llm__split_cl(s, n, i, 3); }
static size_t llm__split_qwen2(const unsigned char *s, size_t n, size_t i) { return llm__split_cl(s, n, i, 1); }

static size_t llm__split_next(llm_pattern p, const unsigned char *s, size_t n, size_t i) {
    return p == LLM_PATTERN_GPT4 ? llm__split_gpt4(s, n, i) : p == LLM_PATTERN_QWEN2 ? llm__split_qwen2(s, n, i)
                                                                                  : llm__split_gpt2(s, n, i);
}

/* Hugging Face pre-tokenizer steps of the byte-level family (llm_tokenizer.pre): the three
   patterns above (a Split on one of those regexes, or ByteLevel's own use_regex = GPT-2's),
   and Digits (individual_digits: one piece per \p{N} character; else runs of them). Any other
   Split regex (Isolated) is LLM__PRE_REGEX: the matcher below, compiled at load. */
#define LLM__PRE_GPT2 1
#define LLM__PRE_GPT4 2
#define LLM__PRE_QWEN2 3
#define LLM__PRE_DIGITS1 4
#define LLM__PRE_DIGITS 5
#define LLM__PRE_REGEX 6
static size_t llm__pre_next(int step, const unsigned char *s, size_t n, size_t i) {
    size_t len, e;
    int num;
    if (step <= LLM__PRE_QWEN2) return llm__split_next((llm_pattern)step, s, n, i);
    num = llm__chr(s, n, i, &len) == LLM__CL_NUMBER;
    e = i + len;
    if (num && step == LLM__PRE_DIGITS1) return e;
    while (e < n && (llm__chr(s, n, e, &len) == LLM__CL_NUMBER) == num) e += len;
    return e;
}

/* ---- regex matcher for the Split pre-tokenizers of tokenizer.json ----------------------------
   A backtracking matcher over code points for the patterns Hugging Face tokenizer.json files
   give their Split pre-tokenizer (GPT-2's, cl100k/Llama 3's, o200k's, Qwen's ...), compiled once
   at load. Semantics: leftmost-first, alternatives tried in order, greedy quantifiers backing off
   one character at a time: what the `regex` crate, Oniguruma and Python's `regex` give for these
   patterns.

   Interface (all internal):
     llm_status llm__regex_compile(const llm_allocator *a, const char *pat, size_t len, int flags,
                                   llm__regex **out, llm_error *err);
         flags 0: a regex; LLM__RX_LITERAL: pat is a plain string (Split {"String": ...}).
         A construct the matcher cannot run: LLM_ERR_UNSUPPORTED with a message naming it and its
         offset ("regex: lookbehind (?<= is not supported (offset 3 of ...)"); a malformed pattern
         (unbalanced parenthesis, bad escape): LLM_ERR_FORMAT. Patterns that can match the empty
         string are refused (LLM_ERR_UNSUPPORTED): no Split pattern needs one. Limits: 16384
         bytes of pattern, counts up to 1000 in {m,n}, 20000 instructions after expanding them.
     void llm__regex_free(llm__regex *re);                 (NULL is fine)
     int llm__regex_find(const llm__regex *re, const unsigned char *s, size_t n, size_t from,
                         llm__rx_scratch *sc, size_t *ms, size_t *me);
         Leftmost-first match starting at or after byte `from` in s[0..n): returns 1 with the match
         s[*ms..*me) (*ms < *me, both on character boundaries), 0 when there is none, or a
         negative status: LLM_ERR_OUT_OF_MEMORY when the scratch could not grow,
         LLM_ERR_UNSUPPORTED when a contrived pattern needs too much backtracking (below).
         `from` must be a character boundary (0, or the end of an earlier match). Find all:
         from = 0, then from = *me after each match.
     llm__rx_scratch: per-call memory (a backtracking stack), zero it and set .a (may be NULL for
         the default allocator); reuse it across calls; llm__rx_scratch_free(&sc) at the end.
         A compiled llm__regex is read-only: share it between threads, one scratch per thread.
   Text: UTF-8; each byte that does not start a valid character (llm__utf8_decode) is one
   character of no category: only negated sets match it ([^...], \S, \D, \W, \P{..}, and .).
   Supported: literals (UTF-8), escapes \t \n \r \f \v \a \e \0 \xHH \x{H..} \uHHHH and escaped
   punctuation; . (not \n); classes [...] [^...] with ranges; \d \D \s \S \w \W; \p{..} \P{..} \pX
   of the general categories (L Lu Ll Lt Lm Lo L& LC M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po
   S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn, also their long names); groups (...) (?:...)
   (?<name>...) (?P<name>...); (?i:...) (?-i:...) and (?i) at the start of the pattern (ASCII case
   folding plus the code points regex folds to ASCII letters: U+017F, U+212A, U+0130);
   alternation; * + ? {m} {m,} {m,n} greedy or lazy (trailing ?); lookahead (?=...) (?!...).
   Refused (LLM_ERR_UNSUPPORTED): lookbehind, atomic groups, possessive quantifiers,
   backreferences, anchors (^ $ \b \A \z ...), scripts and binary properties (\p{Han}),
   (?i) with non-ASCII cased letters or \p{Lu}/\p{Ll}/\p{Lt}, nested classes and class set
   operations, other inline flags.
   Unicode: the general categories of the >>appendix (Unicode 15.0, the regex module's); \s is
   White_Space (Zs Zl Zp, U+0009..U+000D, U+0085), \d is Nd, \w is regex's (L M Nd Nl Pc,
   Join_Control and the circled letters; the table gives those their own category values).
   Oniguruma (Hugging Face's Rust tokenizers) agrees on \s; JavaScript's \s (transformers.js)
   differs on U+0085 (not a space there) and U+FEFF (a space there).
   Speed: a quantified single set (\p{L}+, \s*, [^\r\n]?, \p{N}{1,3}) is one instruction that
   scans the run and backs off without a stack entry per character (none at all where backing off
   cannot help), (?!\S) is one test, and each branch knows the characters it can start with
   (ASCII ones exactly, others by category), so a failing alternative costs one test.
   Backtracking is bounded: after a step budget proportional to the text, a search remembers the
   (instruction, position) states that already failed (exponential blowups become linear), and
   a search that still runs past a limit linear in the text (program size x length: only
   contrived patterns reach it, with long runs scanned again and again) gives up and returns
   LLM_ERR_UNSUPPORTED ("too much backtracking") instead of running for hours. */

#define LLM__RX_LITERAL 1
#define LLM__RX_CAT_INVALID 63        /* the "category" of a byte that starts no character */
#define LLM__RX_MAX_PROG 20000        /* instructions, after expanding counted repetitions */
#define LLM__RX_MAX_REPEAT 1000       /* the largest m and n in {m,n} */

enum { LLM__RXO_CLASS, LLM__RXO_RUN, LLM__RXO_SPLIT, LLM__RXO_JMP, LLM__RXO_LOOK, LLM__RXO_LOOKC,
       LLM__RXO_MATCH };

typedef struct llm__rx_class {
    uint32_t ascii[4];                /* the answer for each ASCII character (negation applied) */
    uint64_t cats;                    /* categories in the set (bit 63: invalid bytes) */
    uint32_t r0, nr;                  /* non-ASCII ranges in the set: re->ranges[r0 .. r0+nr) */
    int neg;                          /* [^...]: the answer for non-ASCII is inverted */
} llm__rx_class;

/* A first-character filter: which ASCII characters can start a branch, and for the rest
   other: 0 none, 1 those whose category is in cats (bit 63: invalid bytes), 2 any; -1: any
   character at all (a branch that may match nothing or looks ahead). */
typedef struct llm__rx_first { uint32_t ascii[4]; int other; uint64_t cats; } llm__rx_first;

typedef struct llm__rx_inst {
    unsigned char op, greedy, neg;    /* greedy: RUN; neg: LOOK/LOOKC (?!...) */
    unsigned char keep;               /* RUN: backing off can help (else no frame is pushed);
                                         SPLIT: the second branch can be needed */
    int32_t cls;                      /* CLASS, RUN, LOOKC: the set */
    int32_t x, y;                     /* SPLIT: try x, then y; JMP: x; LOOK: the sub-program */
    uint32_t min, max;                /* RUN: counts (max UINT32_MAX: unbounded) */
    llm__rx_first fx, fy;             /* SPLIT: first characters of x and of y */
} llm__rx_inst;

typedef struct llm__regex {
    llm_allocator alloc;
    llm__rx_inst *prog; int32_t n_prog;
    llm__rx_class *cls; int32_t n_cls;
    uint32_t (*ranges)[2]; uint32_t n_ranges;
    llm__rx_first first;              /* characters a match can start with */
    int32_t start[128];               /* per ASCII first character: where to start (the leading
                                         branches it cannot take already skipped) */
} llm__regex;

typedef struct llm__rx_frame { int32_t kind, pc; size_t pos, aux; } llm__rx_frame;
typedef struct llm__rx_scratch {
    const llm_allocator *a;
    llm__rx_frame *stack; size_t cap, top;
    uint32_t *memo; size_t memo_cap;  /* bits (pc, position) already failed, when on */
    size_t memo_base, memo_span; int memo_on;
    size_t steps, budget;             /* steps taken (characters a run scans count too), and how
                                         many before the memo goes on, then before giving up */
} llm__rx_scratch;

static void llm__rx_scratch_free(llm__rx_scratch *sc) {
    llm__dealloc(sc->a, sc->stack); llm__dealloc(sc->a, sc->memo);
    sc->stack = NULL; sc->memo = NULL; sc->cap = sc->memo_cap = sc->top = 0;
}

static void llm__regex_free(llm__regex *re) {
    llm_allocator a;
    if (!re) return;
    a = re->alloc;
    llm__dealloc(&a, re->prog); llm__dealloc(&a, re->cls); llm__dealloc(&a, re->ranges);
    llm__dealloc(&a, re);
}

/* ---- character tests ---- */
/* In the >>appendix: the general category of a code point (0..32, see the table there); the
   code points (?i) matches to ASCII letters {letter, code point}. */
static int llm__uc_category(uint32_t cp);
static size_t llm__uc_fold_ascii(const uint32_t (**pairs)[2]);

LLM__INLINE int llm__rx_bit(const uint32_t *b, unsigned c) { return (int)((b[c >> 5] >> (c & 31)) & 1u); }

/* 1 when the character at s[pos] (pos < n) is in set c; *len gets its length in bytes. */
LLM__INLINE int llm__rx_in(const llm__regex *re, const llm__rx_class *c, const unsigned char *s, size_t n,
                           size_t pos, size_t *len) {
    uint32_t cp, k;
    size_t l;
    int in;
    if (s[pos] < 0x80) { *len = 1; return llm__rx_bit(c->ascii, s[pos]); }
    l = llm__utf8_decode(s + pos, n - pos, &cp);
    if (!l) { *len = 1; return (int)((c->cats >> LLM__RX_CAT_INVALID) & 1u) ^ c->neg; }
    *len = l;
    in = (int)((c->cats >> llm__uc_category(cp)) & 1u);
    if (!in && c->nr) { /* the set's own ranges: sorted, disjoint; binary search */
        uint32_t (*r)[2] = re->ranges + c->r0;
        uint32_t lo = 0, hi = c->nr;
        while (lo < hi) {
            k = (lo + hi) / 2;
            if (cp < r[k][0]) hi = k;
            else if (cp > r[k][1]) lo = k + 1;
            else { in = 1; break; }
        }
    }
    return in ^ c->neg;
}

/* The category of the character at s[pos] (>= 0x80), remembered for the last position asked. */
LLM__INLINE int llm__rx_cat_at(const unsigned char *s, size_t n, size_t pos, size_t *memo_pos, int *memo_cat) {
    uint32_t cp;
    if (*memo_pos != pos) {
        *memo_pos = pos;
        *memo_cat = llm__utf8_decode(s + pos, n - pos, &cp) ? llm__uc_category(cp) : LLM__RX_CAT_INVALID;
    }
    return *memo_cat;
}

LLM__INLINE int llm__rx_first_ok(const llm__rx_first *f, const unsigned char *s, size_t n, size_t pos,
                                 size_t *memo_pos, int *memo_cat) {
    if (s[pos] < 0x80) return llm__rx_bit(f->ascii, s[pos]);
    if (f->other != 1) return f->other != 0;
    return (int)((f->cats >> llm__rx_cat_at(s, n, pos, memo_pos, memo_cat)) & 1u);
}

/* The start of the character that ends at s[e] (lo < e, lo and e character boundaries).
   A lead byte always starts a character, so: the nearest lead byte at most 3 bytes back starts
   it when it decodes to exactly that length; otherwise s[e-1] is an invalid byte on its own. */
static size_t llm__rx_prev(const unsigned char *s, size_t n, size_t lo, size_t e) {
    size_t b = e - 1;
    uint32_t cp;
    if ((s[b] & 0xC0) != 0x80) return b;
    while (b > lo && e - b < 4 && (s[b] & 0xC0) == 0x80) b--;
    if ((s[b] & 0xC0) != 0x80 && llm__utf8_decode(s + b, n - b, &cp) == e - b) return b;
    return e - 1;
}

/* ---- the backtracking machine ---- */
enum { LLM__RXF_BRANCH, LLM__RXF_BACK, LLM__RXF_LAZY };

/* Grows the stack for one more frame (the exec loop writes frames itself while there is room). */
static int llm__rx_grow(llm__rx_scratch *sc) {
    llm__rx_frame *p = (llm__rx_frame *)llm__tgrow(sc->a, sc->stack, &sc->cap, sc->top + 1, sizeof *p);
    if (!p) return 0;
    sc->stack = p;
    return 1;
}

/* With the memo on: 1 when (pc, pos) was reached before in this search (it failed then, and
   would again: the outcome depends on nothing else), else marks it and returns 0. */
LLM__INLINE int llm__rx_seen(llm__rx_scratch *sc, int32_t pc, size_t pos) {
    size_t bit;
    bit = (size_t)pc * sc->memo_span + (pos - sc->memo_base);
    if ((sc->memo[bit >> 5] >> (bit & 31)) & 1u) return 1;
    sc->memo[bit >> 5] |= 1u << (bit & 31);
    return 0;
}

/* Runs the program from pc at s[pos], anchored (depth: lookaheads around this run). 1: matched,
   *end = where; 0: no match; 2: the step budget ran out (start again with the memo on), 3: it
   ran out with the memo on (give up);
   LLM_ERR_OUT_OF_MEMORY. The memo is used at depth 0 only: a lookahead that succeeded at a
   position must be able to run again from there. */
static int llm__rx_exec(const llm__regex *re, llm__rx_scratch *sc, int32_t pc, const unsigned char *s, size_t n,
                        size_t pos, int depth, size_t *end) {
    /* the hot state lives in locals: stores to the stack could alias the structs' fields */
    const llm__rx_inst *prog = re->prog;
    const llm__rx_class *cls = re->cls;
    size_t base = sc->top, top = sc->top, len;
    size_t steps = 0, budget = sc->budget - (sc->steps < sc->budget ? sc->steps : sc->budget);
    size_t mpos = SIZE_MAX;            /* the position whose category mcat holds */
    int mcat = 0;
    int memo = sc->memo_on && depth == 0, r = 0;
    llm__rx_frame *f;
#define LLM__RX_PUSH(K, PC, POS, AUX) do { \
        if (top == sc->cap) { sc->top = top; if (!llm__rx_grow(sc)) { r = LLM_ERR_OUT_OF_MEMORY; goto out; } } \
        f = &sc->stack[top++]; f->kind = (K); f->pc = (PC); f->pos = (POS); f->aux = (AUX); } while (0)
    for (;;) {
        const llm__rx_inst *in = &prog[pc];
        int ok = 1;
        if (++steps > budget) { r = sc->memo_on ? 3 : 2; goto out; }
        switch (in->op) {
        case LLM__RXO_CLASS:
            if (pos < n && llm__rx_in(re, &cls[in->cls], s, n, pos, &len)) { pos += len; pc++; }
            else ok = 0;
            break;
        case LLM__RXO_RUN: {
            const llm__rx_class *c = &cls[in->cls];
            uint32_t k = 0, mn = in->min, mx = in->max;
            size_t minpos = pos;
            if (in->greedy) {
                if (mn == 0) {
                    while (k < mx && pos < n && llm__rx_in(re, c, s, n, pos, &len)) { pos += len; k++; }
                } else {
                    while (k < mx && pos < n && llm__rx_in(re, c, s, n, pos, &len)) {
                        pos += len;
                        if (++k == mn) minpos = pos;
                    }
                    if (k < mn) { steps += k; ok = 0; break; }
                }
                steps += k;
                if (k > mn && in->keep) LLM__RX_PUSH(LLM__RXF_BACK, pc + 1, pos, minpos);
            } else {
                while (k < mn && pos < n && llm__rx_in(re, c, s, n, pos, &len)) { pos += len; k++; }
                steps += k;
                if (k < mn) { ok = 0; break; }
                if (k < mx) LLM__RX_PUSH(LLM__RXF_LAZY, pc, pos, k);
            }
            pc++;
            break;
        }
        case LLM__RXO_SPLIT: {
            int tx = in->fx.other < 0 || (pos < n && llm__rx_first_ok(&in->fx, s, n, pos, &mpos, &mcat));
            int ty = in->fy.other < 0 || (pos < n && llm__rx_first_ok(&in->fy, s, n, pos, &mpos, &mcat));
            if (tx) {
                if (ty && in->keep) LLM__RX_PUSH(LLM__RXF_BRANCH, in->y, pos, 0);
                pc = in->x;
            } else if (ty) pc = in->y;
            else ok = 0;
            if (ok && memo && llm__rx_seen(sc, pc, pos)) ok = 0;
            break;
        }
        case LLM__RXO_JMP: pc = in->x; break;
        case LLM__RXO_LOOKC: {
            int hit = pos < n && llm__rx_in(re, &cls[in->cls], s, n, pos, &len);
            if (hit == in->neg) ok = 0;
            else pc++;
            break;
        }
        case LLM__RXO_LOOK: {
            size_t e;
            sc->top = top;
            sc->steps += steps; steps = 0;
            r = llm__rx_exec(re, sc, in->x, s, n, pos, depth + 1, &e);
            budget = sc->budget - (sc->steps < sc->budget ? sc->steps : sc->budget);
            if (r < 0 || r >= 2) goto out;
            if (r == in->neg) ok = 0;
            else pc++;
            r = 0;
            break;
        }
        default: /* LLM__RXO_MATCH */
            *end = pos;
            r = 1;
            goto out;
        }
        while (!ok) { /* backtrack: resume the newest alternative */
            if (top == base) goto out;
            f = &sc->stack[top - 1];
            if (f->kind == LLM__RXF_BRANCH) {
                pc = f->pc; pos = f->pos; top--;
            } else if (f->kind == LLM__RXF_BACK) { /* a greedy run gives back one character */
                pos = llm__rx_prev(s, n, f->aux, f->pos);
                pc = f->pc;
                if (pos == f->aux) top--;
                else f->pos = pos;
            } else {                               /* a lazy run takes one more */
                const llm__rx_inst *q = &prog[f->pc];
                if (f->pos >= n || !llm__rx_in(re, &cls[q->cls], s, n, f->pos, &len)) { top--; continue; }
                pos = f->pos + len;
                pc = f->pc + 1;
                if (++f->aux >= q->max) top--;
                else f->pos = pos;
            }
            ok = !memo || !llm__rx_seen(sc, pc, pos);
        }
    }
out:
#undef LLM__RX_PUSH
    sc->top = base;
    sc->steps += steps;
    return r;
}

static int llm__regex_find(const llm__regex *re, const unsigned char *s, size_t n, size_t from, llm__rx_scratch *sc,
                           size_t *ms, size_t *me) {
    size_t i = from, len, e;
    uint32_t cp;
    int r;
    sc->top = 0;
    sc->steps = 0;
    sc->memo_on = 0;
    sc->budget = 4096 + 64 * (n - from); /* real patterns take a few steps per byte */
    if (n - from > (SIZE_MAX - 4096) / 64) sc->budget = SIZE_MAX;
    while (i < n) {
        size_t mpos = SIZE_MAX;
        int mcat = 0;
        if (llm__rx_first_ok(&re->first, s, n, i, &mpos, &mcat)) {
            int32_t pc0 = s[i] < 0x80 ? re->start[s[i]] : 0;
            r = llm__rx_exec(re, sc, pc0, s, n, i, 0, &e);
            if (r == 2) { /* pathological backtracking: from here on, remember failed states */
                size_t span = n - i + 1, words;
                if (span > SIZE_MAX / 64 / (size_t)re->n_prog) return LLM_ERR_OUT_OF_MEMORY;
                words = span * (size_t)re->n_prog / 32 + 1;
                if (words > sc->memo_cap) {
                    llm__dealloc(sc->a, sc->memo);
                    sc->memo = (uint32_t *)llm__alloc(sc->a, words * sizeof(uint32_t));
                    sc->memo_cap = sc->memo ? words : 0;
                    if (!sc->memo) return LLM_ERR_OUT_OF_MEMORY;
                }
                memset(sc->memo, 0, words * sizeof(uint32_t));
                sc->memo_on = 1; sc->memo_base = i; sc->memo_span = span;
                /* with the memo each (instruction, position) fails at most once: a limit linear
                   in the text, past which the search gives up rather than run for hours */
                sc->steps = 0;
                {   /* (in 64 bits: size_t may have 32) */
                    const uint64_t per = 64 + 16 * (uint64_t)re->n_prog;
                    const uint64_t lim = (uint64_t)span < ((uint64_t)1 << 40) / per
                                             ? 100000000u + (uint64_t)span * per : UINT64_MAX;
                    sc->budget = lim > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)lim;
                }
                r = llm__rx_exec(re, sc, pc0, s, n, i, 0, &e);
            }
            if (r == 3) return LLM_ERR_UNSUPPORTED;
            if (r < 0) return r;
            if (r) { *ms = i; *me = e; return 1; }
        }
        len = s[i] < 0x80 ? 1 : llm__utf8_decode(s + i, n - i, &cp);
        i += len ? len : 1;
    }
    return 0;
}

/* ---- the compiler: pattern -> syntax tree -> program ---- */
enum { LLM__RXN_EMPTY, LLM__RXN_CLASS, LLM__RXN_CAT, LLM__RXN_ALT, LLM__RXN_REP, LLM__RXN_LOOK };
typedef struct llm__rx_node { int type, a, b, greedy; uint32_t min, max; } llm__rx_node;

typedef struct llm__rx_comp {
    const llm_allocator *al;
    const unsigned char *p; size_t n, i;
    int icase, literal, depth;
    llm__rx_node *node; size_t n_node, cap_node;
    llm__rx_class *cls; size_t n_cls, cap_cls;
    uint32_t (*rg)[2]; size_t n_rg, cap_rg;
    llm__rx_inst *prog; size_t n_prog, cap_prog;
    int *pend; size_t n_pend, cap_pend;    /* LOOK instructions whose sub-program is still to emit */
    llm_status st;
    llm_error *err;
} llm__rx_comp;

/* A builder for one set: ASCII bits, categories, non-ASCII ranges (appended to c->rg). */
typedef struct llm__rx_set { uint32_t ascii[4]; uint64_t cats; size_t r0; int neg; } llm__rx_set;

static int llm__rx_fail(llm__rx_comp *c, llm_status st, const char *what) {
    if (c->st == LLM_OK) {
        char head[61];                 /* the pattern need not end in a NUL */
        size_t k, hn = c->n < 60 ? c->n : 60;
        for (k = 0; k < hn; k++) head[k] = c->p[k] ? (char)c->p[k] : ' ';
        head[hn] = 0;
        c->st = st;
        if (st == LLM_ERR_OUT_OF_MEMORY) llm__fail(c->err, st, "regex: out of memory");
        else llm__fail(c->err, st, "regex: %s%s (offset %u of \"%s%s\")", what,
                       st == LLM_ERR_UNSUPPORTED ? " is not supported" : "", (unsigned)c->i, head,
                       c->n > 60 ? "..." : "");
    }
    return -1;
}

static int llm__rx_node_new(llm__rx_comp *c, int type, int a, int b) {
    llm__rx_node *p;
    if (c->st) return -1;
    p = (llm__rx_node *)llm__tgrow(c->al, c->node, &c->cap_node, c->n_node + 1, sizeof *p);
    if (!p) return llm__rx_fail(c, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    c->node = p;
    p[c->n_node].type = type; p[c->n_node].a = a; p[c->n_node].b = b;
    p[c->n_node].greedy = 1; p[c->n_node].min = p[c->n_node].max = 0;
    return (int)c->n_node++;
}

static void llm__rx_range(llm__rx_comp *c, llm__rx_set *set, uint32_t lo, uint32_t hi) {
    uint32_t (*p)[2];
    for (; lo <= hi && lo < 128; lo++) set->ascii[lo >> 5] |= 1u << (lo & 31);
    if (lo > hi || c->st) return;
    p = (uint32_t (*)[2])llm__tgrow(c->al, c->rg, &c->cap_rg, c->n_rg + 1, sizeof *p);
    if (!p) { llm__rx_fail(c, LLM_ERR_OUT_OF_MEMORY, "out of memory"); return; }
    c->rg = p;
    p[c->n_rg][0] = lo; p[c->n_rg][1] = hi;
    c->n_rg++;
}

/* 1 when a non-ASCII code point has case variants (so (?i) cannot treat it as itself). */
static int llm__rx_cased(uint32_t cp) {
    int k = llm__uc_category(cp);
    return k <= 2 || k == 9 || (cp >= 0x24B6 && cp <= 0x24E9) || cp == 0x345;
}

/* Adds lo..hi to a set, with its case variants under (?i). */
static void llm__rx_add(llm__rx_comp *c, llm__rx_set *set, uint32_t lo, uint32_t hi) {
    uint32_t cp;
    const uint32_t (*fold)[2];
    size_t k, nf = llm__uc_fold_ascii(&fold);
    llm__rx_range(c, set, lo, hi);
    if (!c->icase) return;
    for (cp = lo; cp <= hi && cp < 128; cp++) {
        uint32_t lc = cp | 0x20;
        if (lc >= 'a' && lc <= 'z') {
            llm__rx_range(c, set, lc, lc); llm__rx_range(c, set, lc - 32, lc - 32);
            for (k = 0; k < nf; k++)
                if (fold[k][0] == lc) llm__rx_range(c, set, fold[k][1], fold[k][1]);
        }
    }
    for (cp = lo < 128 ? 128 : lo; cp <= hi && !c->st; cp++) {
        int known = 0;
        for (k = 0; k < nf; k++)
            if (fold[k][1] == cp) {
                llm__rx_range(c, set, fold[k][0], fold[k][0]);
                llm__rx_range(c, set, fold[k][0] - 32, fold[k][0] - 32);
                known = 1;
            }
        if (!known && llm__rx_cased(cp)) llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "(?i) with a non-ASCII cased letter");
        if (cp == 0x10FFFF) break;
    }
}

/* Category masks (bit = category of the >>appendix table; 30: Cc that is White_Space, 31: So
   and 32: Cf that are in \w). */
#define LLM__RXM_L 0x1FULL
#define LLM__RXM_M 0xE0ULL
#define LLM__RXM_N 0x700ULL
#define LLM__RXM_P 0x3F800ULL
#define LLM__RXM_S (0x3C0000ULL | (1ULL << 31))
#define LLM__RXM_Z 0x1C00000ULL
#define LLM__RXM_C (0x7E000000ULL | (1ULL << 30) | (1ULL << 32))
#define LLM__RXM_SPACE (0x1C00000ULL | (1ULL << 30))
#define LLM__RXM_WORD (LLM__RXM_L | LLM__RXM_M | (1ULL << 8) | (1ULL << 9) | (1ULL << 11) | (3ULL << 31))

/* The mask of a property name (\p{..}), or 0 when unknown. */
static uint64_t llm__rx_prop(const char *name, size_t len) {
    static const char *const names[] = {
        "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
        "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"};
    static const struct { const char *name; uint64_t mask; } groups[] = {
        {"L", LLM__RXM_L}, {"M", LLM__RXM_M}, {"N", LLM__RXM_N}, {"P", LLM__RXM_P}, {"S", LLM__RXM_S},
        {"Z", LLM__RXM_Z}, {"C", LLM__RXM_C}, {"L&", 7u}, {"LC", 7u}, {"Letter", LLM__RXM_L},
        {"Mark", LLM__RXM_M}, {"Number", LLM__RXM_N}, {"Punctuation", LLM__RXM_P}, {"Symbol", LLM__RXM_S},
        {"Separator", LLM__RXM_Z}, {"Other", LLM__RXM_C}, {"Uppercase_Letter", 1u},
        {"Lowercase_Letter", 2u}, {"Titlecase_Letter", 4u}, {"Modifier_Letter", 8u}, {"Other_Letter", 16u},
        {"Nonspacing_Mark", 32u}, {"Spacing_Mark", 64u}, {"Enclosing_Mark", 128u}, {"Decimal_Number", 256u},
        {"Letter_Number", 512u}, {"Other_Number", 1024u}, {"Control", (1ULL << 25) | (1ULL << 30)},
        {"Format", (1ULL << 26) | (1ULL << 32)}, {"Unassigned", 1ULL << 29}, {"Private_Use", 1ULL << 28},
        {"Surrogate", 1ULL << 27}};
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k]) == len && memcmp(names[k], name, len) == 0)
            return (1ULL << k) | (k == 25 ? 1ULL << 30 : k == 21 ? 1ULL << 31 : k == 26 ? 1ULL << 32 : 0);
    for (k = 0; k < sizeof groups / sizeof groups[0]; k++)
        if (strlen(groups[k].name) == len && memcmp(groups[k].name, name, len) == 0) return groups[k].mask;
    return 0;
}

/* The code point of the UTF-8 character at the cursor (a pattern must be valid UTF-8). */
static uint32_t llm__rx_getc(llm__rx_comp *c) {
    uint32_t cp;
    size_t l = llm__utf8_decode(c->p + c->i, c->n - c->i, &cp);
    if (!l) { llm__rx_fail(c, LLM_ERR_FORMAT, "invalid UTF-8 in the pattern"); return 0; }
    c->i += l;
    return cp;
}

static int llm__rx_hex(llm__rx_comp *c, size_t digits, uint32_t *out) { /* digits 0: {h..} */
    uint32_t v = 0;
    size_t k = 0, braced = digits == 0;
    if (braced) {
        if (c->i >= c->n || c->p[c->i] != '{') return 0;
        c->i++;
        digits = 8;
    }
    for (; k < digits && c->i < c->n; k++) {
        int ch = c->p[c->i], d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0) break;
        v = v * 16 + (uint32_t)d;
        c->i++;
    }
    if (braced) {
        if (c->i >= c->n || c->p[c->i] != '}' || k == 0) return 0;
        c->i++;
    } else if (k != digits) return 0;
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *out = v;
    return 1;
}

/* An escape after '\' (inside a set or not). Returns 1 with a single code point in *cp, 2 when
   it added a set (\d \s \w \p ...) to *set (negated ones as complements), 0 on failure. */
static int llm__rx_escape(llm__rx_comp *c, llm__rx_set *set, int in_class, uint32_t *cp) {
    unsigned ch;
    if (c->i >= c->n) { llm__rx_fail(c, LLM_ERR_FORMAT, "a trailing backslash"); return 0; }
    ch = c->p[c->i++];
    switch (ch) {
    case 't': *cp = 9; return 1;
    case 'n': *cp = 10; return 1;
    case 'r': *cp = 13; return 1;
    case 'f': *cp = 12; return 1;
    case 'v': *cp = 11; return 1;
    case 'a': *cp = 7; return 1;
    case 'e': *cp = 27; return 1;
    case '0': *cp = 0; return 1;
    case 'x':
        if ((c->i < c->n && c->p[c->i] == '{') ? llm__rx_hex(c, 0, cp) : llm__rx_hex(c, 2, cp)) return 1;
        llm__rx_fail(c, LLM_ERR_FORMAT, "a bad \\x escape");
        return 0;
    case 'u':
        if (llm__rx_hex(c, 4, cp)) return 1;
        llm__rx_fail(c, LLM_ERR_FORMAT, "a bad \\u escape");
        return 0;
    case 'd': case 'D': case 's': case 'S': case 'w': case 'W': case 'p': case 'P': {
        uint64_t m;
        uint32_t asc[4] = {0, 0, 0, 0}, k;
        int neg = ch == 'D' || ch == 'S' || ch == 'W' || ch == 'P';
        if (ch == 'd' || ch == 'D') m = 1ULL << 8;
        else if (ch == 's' || ch == 'S') m = LLM__RXM_SPACE;
        else if (ch == 'w' || ch == 'W') m = LLM__RXM_WORD;
        else {
            size_t start, len;
            if (c->i < c->n && c->p[c->i] == '{') {
                start = ++c->i;
                while (c->i < c->n && c->p[c->i] != '}') c->i++;
                if (c->i >= c->n) { llm__rx_fail(c, LLM_ERR_FORMAT, "an unclosed \\p{"); return 0; }
                len = c->i++ - start;
            } else {
                if (c->i >= c->n) { llm__rx_fail(c, LLM_ERR_FORMAT, "a bad \\p"); return 0; }
                start = c->i++; len = 1;
            }
            m = llm__rx_prop((const char *)c->p + start, len);
            if (!m) {
                c->i = start;
                llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "this property (only general categories)");
                return 0;
            }
            if (c->icase && (m & 7u) && (m & LLM__RXM_L) != LLM__RXM_L) {
                llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "(?i) with \\p{Lu}, \\p{Ll} or \\p{Lt}");
                return 0;
            }
        }
        if (neg) m = ~m; /* a complement: every other category, and invalid bytes */
        set->cats |= m;
        for (k = 0; k < 128; k++)
            if ((m >> llm__uc_category(k)) & 1u) asc[k >> 5] |= 1u << (k & 31);
        for (k = 0; k < 4; k++) set->ascii[k] |= asc[k];
        return 2;
    }
    case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
        if (in_class && ch == 'b') { *cp = 8; return 1; }
        c->i--;
        llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "an anchor (\\b \\B \\A \\z \\Z \\G)");
        return 0;
    default:
        if (ch < 0x80 && !((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') && !(ch >= '0' && ch <= '9')) {
            *cp = ch; /* escaped punctuation */
            return 1;
        }
        c->i--;
        llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "this escape (backreferences, \\k, \\h, \\R, \\X, ...)");
        return 0;
    }
}

/* Finishes a set: stores it as a class and returns a CLASS node. */
static int llm__rx_set_done(llm__rx_comp *c, llm__rx_set *set) {
    llm__rx_class *k;
    size_t i, j, nr;
    if (c->st) return -1;
    /* sort and merge this set's ranges (insertion sort: sets are small) */
    for (i = set->r0 + 1; i < c->n_rg; i++)
        for (j = i; j > set->r0 && c->rg[j][0] < c->rg[j - 1][0]; j--) {
            uint32_t t0 = c->rg[j][0], t1 = c->rg[j][1];
            c->rg[j][0] = c->rg[j - 1][0]; c->rg[j][1] = c->rg[j - 1][1]; c->rg[j - 1][0] = t0; c->rg[j - 1][1] = t1;
        }
    nr = 0;
    for (i = set->r0; i < c->n_rg; i++) {
        uint32_t *last = nr ? c->rg[set->r0 + nr - 1] : NULL;   /* (none yet: no pointer before the array) */
        if (last && c->rg[i][0] <= last[1] + 1) { if (c->rg[i][1] > last[1]) last[1] = c->rg[i][1]; }
        else { c->rg[set->r0 + nr][0] = c->rg[i][0]; c->rg[set->r0 + nr][1] = c->rg[i][1]; nr++; }
    }
    c->n_rg = set->r0 + nr;
    k = (llm__rx_class *)llm__tgrow(c->al, c->cls, &c->cap_cls, c->n_cls + 1, sizeof *k);
    if (!k) return llm__rx_fail(c, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    c->cls = k;
    k += c->n_cls;
    for (i = 0; i < 4; i++) k->ascii[i] = set->neg ? ~set->ascii[i] : set->ascii[i];
    k->cats = set->cats; k->neg = set->neg;
    k->r0 = (uint32_t)set->r0; k->nr = (uint32_t)nr;
    return llm__rx_node_new(c, LLM__RXN_CLASS, (int)c->n_cls++, 0);
}

static void llm__rx_set_init(llm__rx_comp *c, llm__rx_set *set) {
    memset(set, 0, sizeof *set);
    set->r0 = c->n_rg;
}

/* [...] after the '[' */
static int llm__rx_bracket(llm__rx_comp *c) {
    llm__rx_set set;
    int first = 1;
    llm__rx_set_init(c, &set);
    if (c->i < c->n && c->p[c->i] == '^') { set.neg = 1; c->i++; }
    for (;;) {
        uint32_t lo, hi;
        int r;
        if (c->st) return -1;
        if (c->i >= c->n) return llm__rx_fail(c, LLM_ERR_FORMAT, "an unclosed [");
        if (c->p[c->i] == ']' && !first) { c->i++; break; }
        first = 0;
        if (c->p[c->i] == '[') return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "a nested set or [:class:]");
        if (c->p[c->i] == '&' && c->i + 1 < c->n && c->p[c->i + 1] == '&')
            return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "set intersection &&");
        if (c->p[c->i] == '\\') {
            c->i++;
            r = llm__rx_escape(c, &set, 1, &lo);
            if (!r) return -1;
            if (r == 2) continue;
        } else lo = llm__rx_getc(c);
        hi = lo;
        if (c->i + 1 < c->n && c->p[c->i] == '-' && c->p[c->i + 1] != ']') {
            c->i++;
            if (c->p[c->i] == '\\') {
                c->i++;
                r = llm__rx_escape(c, &set, 1, &hi);
                if (r != 1) return r ? llm__rx_fail(c, LLM_ERR_FORMAT, "a range ending in a set") : -1;
            } else hi = llm__rx_getc(c);
            if (hi < lo) return llm__rx_fail(c, LLM_ERR_FORMAT, "a reversed range");
        }
        llm__rx_add(c, &set, lo, hi);
    }
    return llm__rx_set_done(c, &set);
}

static int llm__rx_alt(llm__rx_comp *c);

/* A group after the '(' */
static int llm__rx_group(llm__rx_comp *c) {
    int saved = c->icase, node = -1, look = -1;
    size_t open = c->i - 1;            /* where the '(' is */
    if (++c->depth > 64) return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "nesting deeper than 64 groups");
    if (c->i < c->n && c->p[c->i] == '?') {
        unsigned ch;
        c->i++;
        ch = c->i < c->n ? c->p[c->i] : 0;
        if (ch == ':') c->i++;
        else if (ch == '=' || ch == '!') { c->i++; look = ch == '!'; }
        else if (ch == '<' && c->i + 1 < c->n && (c->p[c->i + 1] == '=' || c->p[c->i + 1] == '!'))
            return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "lookbehind (?<= (?<!");
        else if (ch == '<' || (ch == 'P' && c->i + 1 < c->n && c->p[c->i + 1] == '<')) {
            while (c->i < c->n && c->p[c->i] != '>') c->i++;   /* a named group: captures are not kept */
            if (c->i >= c->n) return llm__rx_fail(c, LLM_ERR_FORMAT, "an unclosed group name");
            c->i++;
        } else if (ch == '>') return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "an atomic group (?>");
        else { /* flags: (?i) (?-i) (?i:...) */
            int on = 1, any = 0;
            while (c->i < c->n && (c->p[c->i] == 'i' || c->p[c->i] == '-')) {
                if (c->p[c->i] == '-') on = 0;
                else { c->icase = on; any = 1; }
                c->i++;
            }
            if (!any || c->i >= c->n || (c->p[c->i] != ':' && c->p[c->i] != ')'))
                return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "this group or inline flag (only (?i))");
            if (c->p[c->i] == ')') { /* (?i) opening the pattern: all of it */
                if (open != 0)
                    return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "(?i) after the start (engines differ on its reach)");
                c->i++;
                c->depth--;
                return llm__rx_node_new(c, LLM__RXN_EMPTY, 0, 0);
            }
            c->i++;
        }
    }
    node = llm__rx_alt(c);
    if (c->st) return -1;
    if (c->i >= c->n || c->p[c->i] != ')') return llm__rx_fail(c, LLM_ERR_FORMAT, "an unclosed (");
    c->i++;
    c->icase = saved;
    c->depth--;
    if (look >= 0) {
        int k = llm__rx_node_new(c, LLM__RXN_LOOK, node, 0);
        if (k >= 0) c->node[k].greedy = look; /* greedy holds "negative" here */
        return k;
    }
    return node;
}

static int llm__rx_atom(llm__rx_comp *c) {
    llm__rx_set set;
    uint32_t cp;
    unsigned ch = c->p[c->i];
    llm__rx_set_init(c, &set);
    if (c->literal) { cp = llm__rx_getc(c); llm__rx_add(c, &set, cp, cp); return llm__rx_set_done(c, &set); }
    switch (ch) {
    case '(': c->i++; return llm__rx_group(c);
    case '[': c->i++; return llm__rx_bracket(c);
    case '.': c->i++; set.neg = 1; llm__rx_range(c, &set, '\n', '\n'); return llm__rx_set_done(c, &set);
    case '^': case '$': return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "the anchors ^ and $");
    case '*': case '+': case '?': return llm__rx_fail(c, LLM_ERR_FORMAT, "a quantifier with nothing before it");
    case '\\': {
        int r;
        c->i++;
        r = llm__rx_escape(c, &set, 0, &cp);
        if (!r) return -1;
        if (r == 1) llm__rx_add(c, &set, cp, cp);
        return llm__rx_set_done(c, &set);
    }
    default:
        cp = llm__rx_getc(c);
        llm__rx_add(c, &set, cp, cp);
        return llm__rx_set_done(c, &set);
    }
}

/* {m} {m,} {m,n} at the cursor: 1 and the counts, or 0 (then '{' is a literal, as in Python) */
static int llm__rx_counts(llm__rx_comp *c, uint32_t *mn, uint32_t *mx) {
    size_t i = c->i + 1;
    uint32_t a = 0, b;
    int da = 0, comma = 0;
    while (i < c->n && c->p[i] >= '0' && c->p[i] <= '9') { /* saturating: a huge count is refused below */
        a = a > LLM__RX_MAX_REPEAT ? a : a * 10 + (uint32_t)(c->p[i++] - '0');
        if (a > LLM__RX_MAX_REPEAT) while (i < c->n && c->p[i] >= '0' && c->p[i] <= '9') i++;
        da++;
    }
    b = a;
    if (i < c->n && c->p[i] == ',') {
        i++; b = UINT32_MAX; comma = 1;
        if (i < c->n && c->p[i] >= '0' && c->p[i] <= '9') {
            b = 0;
            while (i < c->n && c->p[i] >= '0' && c->p[i] <= '9') {
                b = b > LLM__RX_MAX_REPEAT ? b : b * 10 + (uint32_t)(c->p[i++] - '0');
                if (b > LLM__RX_MAX_REPEAT) while (i < c->n && c->p[i] >= '0' && c->p[i] <= '9') i++;
            }
        }
    }
    if ((!da && !comma) || i >= c->n || c->p[i] != '}') return 0; /* {,n} is {0,n}, {,} is *, {} a literal */
    if (a > LLM__RX_MAX_REPEAT || (b != UINT32_MAX && b > LLM__RX_MAX_REPEAT)) {
        llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "a count above 1000 in {m,n}");
        return 0;
    }
    if (b < a) { llm__rx_fail(c, LLM_ERR_FORMAT, "{m,n} with n < m"); return 0; }
    c->i = i + 1;
    *mn = a; *mx = b;
    return 1;
}

static int llm__rx_repeat(llm__rx_comp *c) {
    int node = llm__rx_atom(c), quantified = 0;
    while (!c->st && !c->literal && c->i < c->n) {
        unsigned ch = c->p[c->i];
        uint32_t mn, mx;
        int r;
        if (ch == '*') { mn = 0; mx = UINT32_MAX; c->i++; }
        else if (ch == '+') { mn = 1; mx = UINT32_MAX; c->i++; }
        else if (ch == '?') { mn = 0; mx = 1; c->i++; }
        else if (ch == '{' && llm__rx_counts(c, &mn, &mx)) { }
        else break;
        if (c->st) return -1;
        if (quantified) return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "a quantifier after a quantifier (possessive?)");
        quantified = 1;
        r = llm__rx_node_new(c, LLM__RXN_REP, node, 0);
        if (r < 0) return -1;
        c->node[r].min = mn; c->node[r].max = mx;
        if (c->i < c->n && c->p[c->i] == '?') { c->node[r].greedy = 0; c->i++; }
        else if (c->i < c->n && c->p[c->i] == '+')
            return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "a possessive quantifier");
        node = r;
    }
    return c->st ? -1 : node;
}

/* ab c as CAT(a, CAT(b, c)): nested to the right, so the passes over the tree loop along a
   sequence or an alternation and recurse only into groups (at most 64 deep). */
static int llm__rx_cat(llm__rx_comp *c) {
    int node = -1, last = -1;
    while (!c->st && c->i < c->n && (c->literal || (c->p[c->i] != '|' && c->p[c->i] != ')'))) {
        int r = llm__rx_repeat(c), k;
        if (r < 0) return -1;
        if (node < 0) node = r;
        else if (last < 0) last = node = llm__rx_node_new(c, LLM__RXN_CAT, node, r);
        else {
            k = llm__rx_node_new(c, LLM__RXN_CAT, c->node[last].b, r);
            if (k < 0) return -1;
            c->node[last].b = k;
            last = k;
        }
    }
    return node < 0 ? llm__rx_node_new(c, LLM__RXN_EMPTY, 0, 0) : node;
}

/* a|b|c as ALT(a, ALT(b, c)): the program tries a, then b, then c, and each SPLIT's filter can
   skip a branch that cannot start at the next character without pushing anything. */
static int llm__rx_alt(llm__rx_comp *c) {
    int node = llm__rx_cat(c), last = -1;
    while (!c->st && c->i < c->n && c->p[c->i] == '|' && !c->literal) {
        int r, alt;
        c->i++;
        r = llm__rx_cat(c);
        if (r < 0) return -1;
        if (last < 0) last = node = llm__rx_node_new(c, LLM__RXN_ALT, node, r);
        else {
            alt = llm__rx_node_new(c, LLM__RXN_ALT, c->node[last].b, r);
            if (alt < 0) return -1;
            c->node[last].b = alt;
            last = alt;
        }
    }
    return c->st ? -1 : node;
}

/* ---- emitting the program ---- */
static int llm__rx_nullable(const llm__rx_comp *c, int k) {
    for (;;) {
        const llm__rx_node *d = &c->node[k];
        switch (d->type) {
        case LLM__RXN_CLASS: return 0;
        case LLM__RXN_CAT: if (!llm__rx_nullable(c, d->a)) return 0; k = d->b; break;
        case LLM__RXN_ALT: if (llm__rx_nullable(c, d->a)) return 1; k = d->b; break;
        case LLM__RXN_REP: if (d->min == 0) return 1; k = d->a; break;
        default: return 1; /* EMPTY, LOOK */
        }
    }
}

static int llm__rx_emit_inst(llm__rx_comp *c, int op) {
    llm__rx_inst *p;
    if (c->st) return -1;
    if (c->n_prog >= LLM__RX_MAX_PROG) return llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "a pattern this large");
    p = (llm__rx_inst *)llm__tgrow(c->al, c->prog, &c->cap_prog, c->n_prog + 1, sizeof *p);
    if (!p) return llm__rx_fail(c, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    c->prog = p;
    memset(&p[c->n_prog], 0, sizeof *p);
    p[c->n_prog].op = (unsigned char)op;
    return (int)c->n_prog++;
}

static void llm__rx_emit(llm__rx_comp *c, int k) {
    llm__rx_node d;
    int s, j;
    int32_t chain = -1;                /* the JMPs that end alternatives, linked through x */
    uint32_t r;
  again:
    if (c->st) return;
    d = c->node[k];
    switch (d.type) {
    case LLM__RXN_EMPTY: break;
    case LLM__RXN_CLASS:
        s = llm__rx_emit_inst(c, LLM__RXO_CLASS);
        if (s >= 0) c->prog[s].cls = d.a;
        break;
    case LLM__RXN_CAT: llm__rx_emit(c, d.a); k = d.b; goto again;
    case LLM__RXN_ALT:
        s = llm__rx_emit_inst(c, LLM__RXO_SPLIT);
        llm__rx_emit(c, d.a);
        j = llm__rx_emit_inst(c, LLM__RXO_JMP);
        if (c->st) return;
        c->prog[s].x = s + 1; c->prog[s].y = (int32_t)c->n_prog;
        c->prog[j].x = chain;
        chain = j;
        k = d.b;
        goto again;
    case LLM__RXN_LOOK:
        if (c->node[d.a].type == LLM__RXN_CLASS) { /* (?!\S): one test */
            s = llm__rx_emit_inst(c, LLM__RXO_LOOKC);
            if (s >= 0) { c->prog[s].cls = c->node[d.a].a; c->prog[s].neg = (unsigned char)d.greedy; }
            break;
        }
        s = llm__rx_emit_inst(c, LLM__RXO_LOOK);
        if (s < 0) return;
        c->prog[s].neg = (unsigned char)d.greedy;
        c->prog[s].x = d.a; /* the node for now; its sub-program is emitted after the main one */
        {
            int *p = (int *)llm__tgrow(c->al, c->pend, &c->cap_pend, c->n_pend + 1, sizeof(int));
            if (!p) { llm__rx_fail(c, LLM_ERR_OUT_OF_MEMORY, "out of memory"); return; }
            c->pend = p;
            p[c->n_pend++] = s;
        }
        break;
    default: /* REP */
        if (d.max == UINT32_MAX && llm__rx_nullable(c, d.a)) {
            llm__rx_fail(c, LLM_ERR_UNSUPPORTED, "an unbounded repetition of something that can match empty");
            return;
        }
        if (c->node[d.a].type == LLM__RXN_CLASS) { /* a run of one set: one instruction */
            s = llm__rx_emit_inst(c, LLM__RXO_RUN);
            if (s < 0) return;
            c->prog[s].cls = c->node[d.a].a; c->prog[s].min = d.min; c->prog[s].max = d.max;
            c->prog[s].greedy = (unsigned char)d.greedy;
            break;
        }
        for (r = 0; r < d.min && !c->st; r++) llm__rx_emit(c, d.a);
        if (d.max == UINT32_MAX) { /* L: SPLIT body, out; body; JMP L */
            s = llm__rx_emit_inst(c, LLM__RXO_SPLIT);
            llm__rx_emit(c, d.a);
            j = llm__rx_emit_inst(c, LLM__RXO_JMP);
            if (c->st) return;
            c->prog[j].x = s;
            c->prog[s].x = d.greedy ? s + 1 : (int32_t)c->n_prog;
            c->prog[s].y = d.greedy ? (int32_t)c->n_prog : s + 1;
        } else { /* (body (body ...)?)? : each optional copy skips to the end when not taken */
            int32_t chain = -1, end;
            for (r = d.min; r < d.max && !c->st; r++) {
                s = llm__rx_emit_inst(c, LLM__RXO_SPLIT);
                if (s < 0) return;
                c->prog[s].min = (uint32_t)chain; /* linked through min until patched */
                chain = s;
                llm__rx_emit(c, d.a);
            }
            if (c->st) return;
            end = (int32_t)c->n_prog;
            while (chain >= 0) {
                int32_t next = (int32_t)c->prog[chain].min;
                c->prog[chain].min = 0;
                c->prog[chain].x = d.greedy ? chain + 1 : end;
                c->prog[chain].y = d.greedy ? end : chain + 1;
                chain = next;
            }
        }
        break;
    }
    while (chain >= 0 && !c->st) { /* every alternative continues after the last one */
        int32_t next = c->prog[chain].x;
        c->prog[chain].x = (int32_t)c->n_prog;
        chain = next;
    }
}

static void llm__rx_first_add(const llm__rx_comp *c, int32_t cls, llm__rx_first *f) {
    const llm__rx_class *k = &c->cls[cls];
    int i;
    for (i = 0; i < 4; i++) f->ascii[i] |= k->ascii[i];
    if (k->nr || f->other == 2) f->other = 2;    /* explicit ranges: any non-ASCII, to be safe */
    else {
        uint64_t m = k->neg ? ~k->cats : k->cats;
        if (m) { f->other = 1; f->cats |= m; }
    }
}

/* The characters the program can start with from pc (other = -1: anything, or nothing). */
static void llm__rx_first_of(const llm__rx_comp *c, int32_t pc, llm__rx_first *f, unsigned char *seen) {
    while (f->other >= 0 && pc < (int32_t)c->n_prog && !seen[pc]) {
        const llm__rx_inst *in = &c->prog[pc];
        seen[pc] = 1;
        switch (in->op) {
        case LLM__RXO_CLASS: llm__rx_first_add(c, in->cls, f); return;
        case LLM__RXO_RUN:
            llm__rx_first_add(c, in->cls, f);
            if (in->min > 0) return;
            pc++;
            break;
        case LLM__RXO_SPLIT: llm__rx_first_of(c, in->x, f, seen); pc = in->y; break;
        case LLM__RXO_JMP: pc = in->x; break;
        default: f->other = -1; return;
        }
    }
}

static void llm__rx_first_at(const llm__rx_comp *c, int32_t pc, llm__rx_first *f, unsigned char *seen) {
    memset(f, 0, sizeof *f);
    memset(seen, 0, c->n_prog);
    if (c->n_prog > 1000) f->other = -1; /* a big program: skip the analysis (quadratic, recursive) */
    llm__rx_first_of(c, pc, f, seen);
}

/* 1 when the program from pc matches whatever follows (it cannot fail): then a frame that
   would resume elsewhere is never used. */
static int llm__rx_sure(const llm__rx_comp *c, int32_t pc, int hops) {
    while (hops++ < 64) {
        const llm__rx_inst *in = &c->prog[pc];
        if (in->op == LLM__RXO_MATCH) return 1;
        if (in->op == LLM__RXO_JMP) pc = in->x;
        else if (in->op == LLM__RXO_RUN && in->min == 0) pc++;
        else if (in->op == LLM__RXO_SPLIT) return llm__rx_sure(c, in->x, hops) && llm__rx_sure(c, in->y, hops);
        else return 0;
    }
    return 0;
}

/* 1 when no character is in both sets (conservative: 0 when unsure). */
static int llm__rx_disjoint(const llm__rx_comp *c, int32_t x, int32_t y) {
    const llm__rx_class *a = &c->cls[x], *b = &c->cls[y];
    int i;
    for (i = 0; i < 4; i++)
        if (a->ascii[i] & b->ascii[i]) return 0;
    if (a->nr || b->nr || (a->neg && b->neg)) return 0;
    if (a->neg) return (b->cats & ~a->cats) == 0;
    if (b->neg) return (a->cats & ~b->cats) == 0;
    return (a->cats & b->cats) == 0;
}

/* Whether a greedy run must remember where it could back off to: not when what follows cannot
   fail, nor when it must start with a character the run's set cannot give back. */
static int llm__rx_run_keep(const llm__rx_comp *c, int32_t pc) {
    const llm__rx_inst *next = &c->prog[pc + 1];
    if (llm__rx_sure(c, pc + 1, 0)) return 0;
    if ((next->op == LLM__RXO_CLASS || (next->op == LLM__RXO_RUN && next->min > 0)) &&
        llm__rx_disjoint(c, c->prog[pc].cls, next->cls))
        return 0;
    return 1;
}

static llm_status llm__regex_compile(const llm_allocator *a, const char *pat, size_t len, int flags, llm__regex **out,
                                     llm_error *err) {
    llm__rx_comp c;
    llm__regex *re = NULL;
    unsigned char *seen = NULL;
    int root;
    size_t k;
    *out = NULL;
    memset(&c, 0, sizeof c);
    c.al = a; c.p = (const unsigned char *)pat; c.n = len; c.err = err;
    c.literal = (flags & LLM__RX_LITERAL) != 0;
    if (len == 0) return llm__rx_fail(&c, LLM_ERR_UNSUPPORTED, "an empty pattern"), c.st;
    if (len > 16384) return llm__rx_fail(&c, LLM_ERR_UNSUPPORTED, "a pattern over 16384 bytes"), c.st;
    root = llm__rx_alt(&c);
    if (!c.st && c.i < c.n) llm__rx_fail(&c, LLM_ERR_FORMAT, "an unmatched )");
    if (!c.st && llm__rx_nullable(&c, root))
        llm__rx_fail(&c, LLM_ERR_UNSUPPORTED, "a pattern that can match the empty string");
    if (!c.st) llm__rx_emit(&c, root);
    llm__rx_emit_inst(&c, LLM__RXO_MATCH);
    for (k = 0; k < c.n_pend && !c.st; k++) { /* lookahead sub-programs, each ending in MATCH */
        int s = c.pend[k], node = c.prog[s].x;
        c.prog[s].x = (int32_t)c.n_prog;
        llm__rx_emit(&c, node);
        llm__rx_emit_inst(&c, LLM__RXO_MATCH);
    }
    for (k = 0; k < c.n_prog && !c.st; k++) { /* jump threading: JMP to JMP, JMP to MATCH */
        llm__rx_inst *in = &c.prog[k];
        int hops;
        if (in->op == LLM__RXO_JMP || in->op == LLM__RXO_SPLIT) {
            for (hops = 0; hops < 64 && c.prog[in->x].op == LLM__RXO_JMP; hops++) in->x = c.prog[in->x].x;
            if (in->op == LLM__RXO_JMP && c.prog[in->x].op == LLM__RXO_MATCH) in->op = LLM__RXO_MATCH;
        }
        if (in->op == LLM__RXO_SPLIT)
            for (hops = 0; hops < 64 && c.prog[in->y].op == LLM__RXO_JMP; hops++) in->y = c.prog[in->y].x;
    }
    if (!c.st) {
        seen = (unsigned char *)llm__alloc(a, c.n_prog);
        re = (llm__regex *)llm__calloc(a, 1, sizeof *re);
        if (!seen || !re) llm__rx_fail(&c, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (!c.st) {
        for (k = 0; k < c.n_prog; k++)
            if (c.prog[k].op == LLM__RXO_SPLIT) {
                llm__rx_first_at(&c, c.prog[k].x, &c.prog[k].fx, seen);
                llm__rx_first_at(&c, c.prog[k].y, &c.prog[k].fy, seen);
                c.prog[k].keep = (unsigned char)!llm__rx_sure(&c, c.prog[k].x, 0);
            } else if (c.prog[k].op == LLM__RXO_RUN)
                c.prog[k].keep = (unsigned char)(c.prog[k].greedy ? llm__rx_run_keep(&c, (int32_t)k) : 1);
        llm__rx_first_at(&c, 0, &re->first, seen);
        for (k = 0; k < 128; k++) { /* follow the leading splits a character decides alone */
            int32_t pc = 0, hops = 0;
            while (c.prog[pc].op == LLM__RXO_SPLIT && hops++ < 1000) {
                const llm__rx_inst *in = &c.prog[pc];
                int tx = in->fx.other < 0 || llm__rx_bit(in->fx.ascii, (unsigned)k);
                int ty = in->fy.other < 0 || llm__rx_bit(in->fy.ascii, (unsigned)k);
                if (tx && ty) break;
                if (!tx && !ty) break;
                pc = tx ? in->x : in->y;
            }
            re->start[k] = pc;
        }
        if (re->first.other < 0) { memset(re->first.ascii, 0xFF, sizeof re->first.ascii); re->first.other = 2; }
        if (a) re->alloc = *a;
        re->prog = c.prog; re->n_prog = (int32_t)c.n_prog;
        re->cls = c.cls; re->n_cls = (int32_t)c.n_cls;
        re->ranges = c.rg; re->n_ranges = (uint32_t)c.n_rg;
        c.prog = NULL; c.cls = NULL; c.rg = NULL;
        *out = re;
        re = NULL;
    }
    llm__dealloc(a, seen); llm__dealloc(a, re);
    llm__dealloc(a, c.node); llm__dealloc(a, c.pend); llm__dealloc(a, c.prog); llm__dealloc(a, c.cls);
    llm__dealloc(a, c.rg);
    return c.st;
}

/* ---- NFC normalization (the Hugging Face "NFC" normalizer, as Qwen's tokenizer.json uses) -----
   Interface (internal):
     llm_status llm__nfc(const llm_allocator *a, const unsigned char *s, size_t n,
                         unsigned char **buf, size_t *cap, const unsigned char **out, size_t *out_n);
         The NFC form of s[0..n): canonical decomposition, canonical ordering, canonical
         composition (Unicode UAX #15; tables from Python's unicodedata, in the >>appendix;
         Hangul by its algorithm). Text that is already NFC by the quick check (all ASCII and
         every character below U+0300 is; otherwise characters with NFC_Quick_Check Yes and
         combining classes in order) comes back untouched and uncopied: *out = s, *out_n = n.
         Otherwise the result is written to *buf (grown with llm__tgrow: *buf may be NULL with
         *cap 0; reuse it across calls, free it with llm__dealloc(a, *buf)), and *out = *buf. Only
         the part from the last safe boundary before the first character that needs work on is
         normalized; the prefix is copied. LLM_ERR_OUT_OF_MEMORY is the only failure.
     Invalid UTF-8: each byte that starts no valid character (llm__utf8_decode) passes through
     unchanged, as a starter that composes with nothing (so nothing composes across it).
     Unicode version: Python 3.11's unicodedata, 14.0: decompositions and compositions added
     later (Unicode 16.0 has some, e.g. for Tulu-Tigalari) are not applied. */

/* In the >>appendix: flags (LLM__NFC_*) and combining class of a code point; its one-level
   canonical decomposition (0: none; *b 0 for a singleton); the primary composite of a pair. */
#define LLM__NFC_NO 1        /* NFC_Quick_Check No: never in NFC */
#define LLM__NFC_MAYBE 2     /* NFC_Quick_Check Maybe: may compose with what precedes */
#define LLM__NFC_DECOMP 4    /* has a canonical decomposition */
static int llm__nfc_info(uint32_t cp, int *ccc);
static int llm__nfc_decomp1(uint32_t cp, uint32_t *a, uint32_t *b);
static uint32_t llm__nfc_pair(uint32_t a, uint32_t b);

#define LLM__NFC_RAW 0x80000000u    /* an invalid byte in the code point buffer: RAW | byte */
#define LLM__HG_S 0xAC00u
#define LLM__HG_L 0x1100u
#define LLM__HG_V 0x1161u
#define LLM__HG_T 0x11A7u
#define LLM__HG_NV 21u
#define LLM__HG_NT 28u
#define LLM__HG_NS 11172u

static int llm__nfc_ccc(uint32_t cp) {
    int ccc = 0;
    if (cp < 0x300 || (cp & LLM__NFC_RAW)) return 0;
    llm__nfc_info(cp, &ccc);
    return ccc;
}

/* Appends the full canonical decomposition of cp to cps (room for 4 more). */
static size_t llm__nfc_decompose(uint32_t cp, uint32_t *cps, size_t k) {
    uint32_t a, b;
    int ccc;
    if (cp - LLM__HG_S < LLM__HG_NS) { /* Hangul syllable: L V (T) */
        uint32_t si = cp - LLM__HG_S;
        cps[k++] = LLM__HG_L + si / (LLM__HG_NV * LLM__HG_NT);
        cps[k++] = LLM__HG_V + (si % (LLM__HG_NV * LLM__HG_NT)) / LLM__HG_NT;
        if (si % LLM__HG_NT) cps[k++] = LLM__HG_T + si % LLM__HG_NT;
        return k;
    }
    if (cp < 0xC0 || !(llm__nfc_info(cp, &ccc) & LLM__NFC_DECOMP) || !llm__nfc_decomp1(cp, &a, &b)) {
        cps[k++] = cp;
        return k;
    }
    k = llm__nfc_decompose(a, cps, k);
    if (b) k = llm__nfc_decompose(b, cps, k);
    return k;
}

static uint32_t llm__nfc_compose(uint32_t a, uint32_t b) {
    int ccc;
    if (a - LLM__HG_L < 19 && b - LLM__HG_V < LLM__HG_NV)
        return LLM__HG_S + ((a - LLM__HG_L) * LLM__HG_NV + (b - LLM__HG_V)) * LLM__HG_NT;
    if (a - LLM__HG_S < LLM__HG_NS && (a - LLM__HG_S) % LLM__HG_NT == 0 && b - LLM__HG_T - 1 < LLM__HG_NT - 1)
        return a + (b - LLM__HG_T);
    if ((a | b) & LLM__NFC_RAW || b < 0x300 || !(llm__nfc_info(b, &ccc) & LLM__NFC_MAYBE)) return 0;
    return llm__nfc_pair(a, b);
}

static size_t llm__utf8_put(uint32_t cp, unsigned char *o) {
    if (cp & LLM__NFC_RAW) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { o[0] = (unsigned char)(0xC0 | (cp >> 6)); o[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12)); o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18)); o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static llm_status llm__nfc(const llm_allocator *a, const unsigned char *s, size_t n, unsigned char **buf, size_t *cap,
                           const unsigned char **out, size_t *out_n) {
    size_t i = 0, safe = 0, len, k, m, j, o;
    int last = 0;
    uint32_t cp, *cps;
    unsigned char *dst;
    /* quick check: stop at the first character that may need work */
    while (i < n) {
        int ccc = 0, fl;
        if (s[i] < 0xCC) { /* ASCII, continuation bytes, characters below U+0300: ccc 0, Yes */
            if ((s[i] & 0xC0) != 0x80) safe = i;
            last = 0;
            i++;
            continue;
        }
        len = llm__utf8_decode(s + i, n - i, &cp);
        if (!len) { safe = i; last = 0; i++; continue; }
        fl = llm__nfc_info(cp, &ccc);
        if ((fl & (LLM__NFC_NO | LLM__NFC_MAYBE)) || (ccc && last > ccc)) break;
        if (ccc == 0) safe = i;
        last = ccc;
        i += len;
    }
    if (i >= n) { *out = s; *out_n = n; return LLM_OK; }
    /* decompose s[safe..n) into code points (at most 1.5 per byte), order, compose, encode */
    cps = (uint32_t *)llm__alloc(a, ((n - safe) * 3 / 2 + 8) * sizeof(uint32_t));
    if (!cps) return LLM_ERR_OUT_OF_MEMORY;
    for (i = safe, m = 0; i < n; i += len) {
        len = llm__utf8_decode(s + i, n - i, &cp);
        if (!len) { cps[m++] = LLM__NFC_RAW | s[i]; len = 1; continue; }
        k = m;
        m = llm__nfc_decompose(cp, cps, m);
        for (; k < m; k++) { /* canonical ordering: insertion by combining class (stable) */
            int c = llm__nfc_ccc(cps[k]);
            uint32_t v = cps[k];
            if (!c) continue;
            for (j = k; j > 0 && llm__nfc_ccc(cps[j - 1]) > c; j--) cps[j] = cps[j - 1];
            cps[j] = v;
        }
    }
    {   /* canonical composition, in place */
        long starter = -1;
        int last_cc = -1;              /* -1: nothing since the starter */
        for (i = 0, o = 0; i < m; i++) {
            uint32_t c = cps[i], comp;
            int cc = llm__nfc_ccc(c);
            if (starter >= 0 && (last_cc == -1 || (last_cc != 0 && last_cc < cc)) &&
                (comp = llm__nfc_compose(cps[starter], c)) != 0) {
                cps[starter] = comp;
                continue;
            }
            if (cc == 0) { starter = (long)o; last_cc = -1; }
            else last_cc = cc;
            cps[o++] = c;
        }
        m = o;
    }
    dst = (unsigned char *)llm__tgrow(a, *buf, cap, safe + 4 * m + 1, 1);
    if (!dst) { llm__dealloc(a, cps); return LLM_ERR_OUT_OF_MEMORY; }
    *buf = dst;
    memcpy(dst, s, safe);
    for (i = 0, o = safe; i < m; i++) o += llm__utf8_put(cps[i], dst + o);
    llm__dealloc(a, cps);
    *out = dst;
    *out_n = o;
    return LLM_OK;
}

/* ---- vocabulary tables -------------------------------------------------------------------- */
static size_t llm__tok_len(const llm_tokenizer *t, int32_t id) { return t->off[id + 1] - t->off[id]; }
static const unsigned char *llm__tok_str(const llm_tokenizer *t, int32_t id) {
    return (const unsigned char *)t->text + t->off[id];
}

static int32_t llm__tok_lookup(const llm_tokenizer *t, const unsigned char *s, size_t n) {
    uint32_t h = llm__hash_bytes(s, n) & t->tab_mask;
    for (;;) {
        int32_t id = t->tab[h];
        if (id < 0) return -1;
        if (llm__tok_len(t, id) == n && memcmp(llm__tok_str(t, id), s, n) == 0) return id;
        h = (h + 1) & t->tab_mask;
    }
}

static const llm__merge_slot *llm__merge_find(const llm_tokenizer *t, int32_t a, int32_t b) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    uint32_t h = llm__hash_u64(key) & t->mtab_mask;
    for (;;) {
        const llm__merge_slot *m = &t->mtab[h];
        if (m->key == key) return m;
        if (m->key == UINT64_MAX) return NULL;
        h = (h + 1) & t->mtab_mask;
    }
}

LLMDEF void llm_tokenizer_free(llm_tokenizer *t) {
    llm_allocator a;
    int k;
    if (!t) return;
    a = t->alloc;
    llm__dealloc(&a, t->text); llm__dealloc(&a, t->off); llm__dealloc(&a, t->score);
    llm__dealloc(&a, t->type); llm__dealloc(&a, t->tab); llm__dealloc(&a, t->merges);
    llm__dealloc(&a, t->mtab); llm__dealloc(&a, t->special); llm__dealloc(&a, t->stab);
    llm__dealloc(&a, t->slen); llm__dealloc(&a, t->spair);
    for (k = 0; k < 4; k++) { llm__regex_free(t->re[k]); llm__dealloc(&a, t->re_src[k]); }
    llm__tok_chat_free(t);
    llm__dealloc(&a, t);
}

/* A tokenizer with room for n tokens of nbytes bytes in all (filled by the loaders). */
static llm_status llm__tok_new(const llm_allocator *alloc, llm_tokenizer_type kind, size_t n,
                               size_t nbytes, llm_tokenizer **out, llm_error *err) {
    llm_tokenizer *t;
    *out = NULL;
    if (n == 0 || n > LLM_MAX_VOCAB || nbytes > 0xFFFFFFF0u)
        return llm__fail(err, LLM_ERR_FORMAT, "bad vocabulary size (%llu tokens, %llu bytes; at most %d tokens)",
                         (unsigned long long)n, (unsigned long long)nbytes, LLM_MAX_VOCAB);
    t = (llm_tokenizer *)llm__calloc(alloc, 1, sizeof *t);
    if (!t) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (alloc) t->alloc = *alloc;
    t->kind = kind;
    t->n = (int32_t)n;
    t->bos = t->eos = t->unk = -1;
    t->text = (char *)llm__alloc(alloc, nbytes + 1);
    t->off = (uint32_t *)llm__calloc(alloc, n + 1, sizeof(uint32_t));
    t->score = (float *)llm__calloc(alloc, n, sizeof(float));
    t->type = (unsigned char *)llm__calloc(alloc, n, 1);
    if (!t->text || !t->off || !t->score || !t->type) {
        llm_tokenizer_free(t);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory (%llu tokens)", (unsigned long long)n);
    }
    *out = t;
    return LLM_OK;
}

static int llm__is_byte_piece(const unsigned char *s, size_t n, int *value) {
    int v = 0, k;
    if (n != 6 || s[0] != '<' || s[1] != '0' || s[2] != 'x' || s[5] != '>') return 0;
    for (k = 3; k < 5; k++) {
        int c = s[k];
        v *= 16;
        if (c >= '0' && c <= '9') v += c - '0';
        else if (c >= 'A' && c <= 'F') v += c - 'A' + 10;
        else if (c >= 'a' && c <= 'f') v += c - 'a' + 10;
        else return 0;
    }
    *value = v;
    return 1;
}

/* After the tokens (text, off, type, score) are filled: builds the piece hash, byte table,
   special-token list and the flags the encoders need. */
static llm_status llm__tok_finish(llm_tokenizer *t, llm_error *err) {
    size_t cap = llm__pow2_at_least((size_t)t->n * 2), i;
    int32_t id;
    llm__dealloc(&t->alloc, t->tab); llm__dealloc(&t->alloc, t->special);   /* (a second call rebuilds) */
    llm__dealloc(&t->alloc, t->stab); llm__dealloc(&t->alloc, t->slen); llm__dealloc(&t->alloc, t->spair);
    t->tab = NULL; t->special = NULL; t->stab = NULL; t->slen = NULL; t->spair = NULL;
    t->slen_max = 0; t->n_user = 0;
    memset(t->special_first, 0, sizeof t->special_first);
    memset(t->seg_keep, 0, sizeof t->seg_keep);
    t->tab = (int32_t *)llm__alloc(&t->alloc, cap * sizeof(int32_t));
    if (!t->tab) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    memset(t->tab, 0xFF, cap * sizeof(int32_t));
    t->tab_mask = (uint32_t)(cap - 1);
    for (i = 0; i < 256; i++) t->byte_id[i] = -1;
    t->max_piece = 4;
    t->seg_ok = 1;
    t->n_special = 0;
    for (id = 0; id < t->n; id++) {
        const unsigned char *s = llm__tok_str(t, id);
        size_t n = llm__tok_len(t, id), p;
        int ty = t->type[id], bv;
        if (llm__tok_lookup(t, s, n) < 0) { /* first id wins for duplicate strings */
            uint32_t h = llm__hash_bytes(s, n) & t->tab_mask;
            while (t->tab[h] >= 0) h = (h + 1) & t->tab_mask;
            t->tab[h] = id;
        }
        if (n > LLM_MAX_TOKEN_BYTES)
            return llm__fail(err, LLM_ERR_FORMAT, "token %d is %llu bytes long (LLM_MAX_TOKEN_BYTES is %d)", (int)id,
                             (unsigned long long)n, LLM_MAX_TOKEN_BYTES);
        if (n > t->max_piece) t->max_piece = n;
        if (t->kind == LLM_TOKENIZER_BPE) {
            if (n == 1 && t->byte_id[s[0]] < 0 && ty != LLM__TT_CONTROL && ty != LLM__TT_USER) t->byte_id[s[0]] = id;
        } else if (ty == LLM__TT_BYTE) {
            if (!llm__is_byte_piece(s, n, &bv))
                return llm__fail(err, LLM_ERR_FORMAT, "byte token %d is not <0xXX>", (int)id);
            if (t->byte_id[bv] < 0) t->byte_id[bv] = id;
        }
        if ((ty == LLM__TT_CONTROL || ty == LLM__TT_USER) && n > 0) t->n_special++;
        if (ty == LLM__TT_USER && n > 0) t->n_user++;
        if (t->kind == LLM_TOKENIZER_SPM &&
            (ty == LLM__TT_NORMAL || ty == LLM__TT_USER || ty == LLM__TT_UNUSED)) {
            for (p = 1; p + 3 <= n; p++) /* "▁" (E2 96 81) after a character that is not "▁" */
                if (s[p] == 0xE2 && s[p + 1] == 0x96 && s[p + 2] == 0x81 &&
                    !(p >= 3 && s[p - 3] == 0xE2 && s[p - 2] == 0x96 && s[p - 1] == 0x81)) {
                    t->seg_ok = 0;
                    t->seg_keep[s[p - 1]] = 1;
                }
        }
    }
    t->max_piece += 4; /* room for " \xE2\x81\x87 " (<unk>) */
    if (t->kind == LLM_TOKENIZER_BPE)
        for (i = 0; i < 256; i++)
            if (t->byte_id[i] < 0)
                return llm__fail(err, LLM_ERR_FORMAT, "byte-level vocabulary lacks byte 0x%02X", (unsigned)i);
    if (t->n_special) {   /* the tokens matched in the text: a hash of them, their lengths, first pairs */
        size_t scap = llm__pow2_at_least((size_t)t->n_special * 2);
        for (id = 0; id < t->n; id++)
            if (t->type[id] == LLM__TT_CONTROL || t->type[id] == LLM__TT_USER)
                t->slen_max = LLM__MAX(t->slen_max, (uint32_t)llm__tok_len(t, id));
        t->stab = (int32_t *)llm__alloc(&t->alloc, scap * sizeof(int32_t));
        t->slen = (unsigned char *)llm__calloc(&t->alloc, (size_t)t->slen_max + 1, 1);
        t->spair = (unsigned char *)llm__calloc(&t->alloc, 8192, 1);
        if (!t->stab || !t->slen || !t->spair) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        memset(t->stab, 0xFF, scap * sizeof(int32_t));
        t->stab_mask = (uint32_t)(scap - 1);
        for (id = 0; id < t->n; id++) {
            const unsigned char *s = llm__tok_str(t, id);
            uint32_t n = (uint32_t)llm__tok_len(t, id), h;
            if ((t->type[id] != LLM__TT_CONTROL && t->type[id] != LLM__TT_USER) || n == 0) continue;
            for (h = llm__hash_bytes(s, n) & t->stab_mask; t->stab[h] >= 0; h = (h + 1) & t->stab_mask)
                if (llm__tok_len(t, t->stab[h]) == n && memcmp(llm__tok_str(t, t->stab[h]), s, n) == 0) break;
            if (t->stab[h] < 0) t->stab[h] = id;   /* the first id wins for a repeated string */
            t->special_first[s[0]] = 1;
            t->slen[n] = 1;
            if (n >= 2) t->spair[(s[0] << 5) | (s[1] >> 3)] |= (unsigned char)(1u << (s[1] & 7));
        }
    }
    return LLM_OK;
}

/* Byte-level: installs n merges (left, right ids in rank order). result[i] is the merged
   token, or NULL to look it up by its bytes (left + right). */
static llm_status llm__tok_set_merges(llm_tokenizer *t, const int32_t *pairs, const int32_t *result,
                                      size_t n, llm_error *err) {
    size_t cap = llm__pow2_at_least(n * 2 + 1), i;
    unsigned char *buf = NULL;
    t->n_merges = 0;
    if (n > 0x7FFFFFF0u)
        return llm__fail(err, LLM_ERR_FORMAT, "%llu merges (at most %u)", (unsigned long long)n, 0x7FFFFFF0u);
    t->merges = (int32_t *)llm__alloc(&t->alloc, (n ? n : 1) * 3 * sizeof(int32_t));
    t->mtab = (llm__merge_slot *)llm__alloc(&t->alloc, cap * sizeof(llm__merge_slot));
    buf = (unsigned char *)llm__alloc(&t->alloc, t->max_piece * 2 + 1);
    if (!t->merges || !t->mtab || !buf) { llm__dealloc(&t->alloc, buf);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); }
    for (i = 0; i < cap; i++) t->mtab[i].key = UINT64_MAX;
    t->mtab_mask = (uint32_t)(cap - 1);
    for (i = 0; i < n; i++) {
        int32_t a = pairs[2 * i], b = pairs[2 * i + 1], r;
        uint64_t key;
        uint32_t h;
        if (a < 0 || a >= t->n || b < 0 || b >= t->n) { llm__dealloc(&t->alloc, buf);
            return llm__fail(err, LLM_ERR_FORMAT, "merge %llu: token ids %d, %d (a vocabulary of %d)",
                             (unsigned long long)i, (int)a, (int)b, (int)t->n); }
        if (result) r = result[i];
        else {
            size_t la = llm__tok_len(t, a), lb = llm__tok_len(t, b);
            memcpy(buf, llm__tok_str(t, a), la);
            memcpy(buf + la, llm__tok_str(t, b), lb);
            r = llm__tok_lookup(t, buf, la + lb);
        }
        if (r < 0 || r >= t->n) { llm__dealloc(&t->alloc, buf);
            return llm__fail(err, LLM_ERR_FORMAT, "merge %llu: the merged token is not in the vocabulary",
                             (unsigned long long)i); }
        t->merges[3 * i] = a; t->merges[3 * i + 1] = b; t->merges[3 * i + 2] = r;
        key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        h = llm__hash_u64(key) & t->mtab_mask;
        while (t->mtab[h].key != UINT64_MAX && t->mtab[h].key != key) h = (h + 1) & t->mtab_mask;
        if (t->mtab[h].key == UINT64_MAX) { /* the first (lowest) rank of a repeated pair wins */
            t->mtab[h].key = key; t->mtab[h].rank = (int32_t)i; t->mtab[h].id = r;
        }
    }
    t->n_merges = (int32_t)n;
    llm__dealloc(&t->alloc, buf);
    return LLM_OK;
}

/* ---- the merge loop (both families) ------------------------------------------------------- */
typedef struct llm__sym { uint32_t start, len; int32_t id, prev, next; } llm__sym;
/* A candidate merge of symbols left+right: lower key first (rank, or -score), then the
   leftmost. size = their joint length when queued: a mismatch later means it is stale. */
typedef struct llm__cand { double key; int32_t left, right, id; uint32_t size; } llm__cand;
typedef struct llm__cache_slot { uint32_t hash, koff, klen, ioff, nids; } llm__cache_slot;

/* Per-call scratch memory: the tokenizer itself is never written. */
typedef struct llm__work {
    const llm_allocator *a;
    llm__sym *sym; size_t sym_cap;
    llm__cand *heap; size_t heap_cap, heap_n;
    unsigned char *norm; size_t norm_cap;        /* SentencePiece normalised text */
    int32_t *wids; size_t wids_cap, wids_n;      /* ids of the current word */
    int32_t *ids; size_t cap, n;                 /* the caller's output */
    llm__cache_slot *cache; uint32_t cache_mask, cache_used; /* word -> ids, this call only */
    unsigned char *ckey; size_t ckey_cap, ckey_n;
    int32_t *cids; size_t cids_cap, cids_n;
    llm__rx_scratch rx;                          /* the Split regex matcher's */
    unsigned char *nfcbuf; size_t nfcbuf_cap;    /* NFC-normalised text */
    int oom;
} llm__work;

static void llm__work_free(llm__work *w) {
    llm__dealloc(w->a, w->sym); llm__dealloc(w->a, w->heap); llm__dealloc(w->a, w->norm);
    llm__dealloc(w->a, w->wids); llm__dealloc(w->a, w->cache); llm__dealloc(w->a, w->ckey);
    llm__dealloc(w->a, w->cids);
    llm__rx_scratch_free(&w->rx);
    llm__dealloc(w->a, w->nfcbuf);
}

LLM__INLINE void llm__emit(llm__work *w, int32_t id) {
    if (w->n < w->cap) w->ids[w->n] = id;
    w->n++;
}
static void llm__wemit(llm__work *w, int32_t id) {
    int32_t *p = (int32_t *)llm__tgrow(w->a, w->wids, &w->wids_cap, w->wids_n + 1, sizeof(int32_t));
    if (!p) { w->oom = 1; return; }
    w->wids = p;
    w->wids[w->wids_n++] = id;
}

static int llm__cand_before(const llm__cand *x, const llm__cand *y) {
    return x->key < y->key || (x->key == y->key && x->left < y->left);
}
static void llm__heap_push(llm__work *w, const llm__cand *c) {
    size_t i;
    llm__cand *h = (llm__cand *)llm__tgrow(w->a, w->heap, &w->heap_cap, w->heap_n + 1, sizeof *h);
    if (!h) { w->oom = 1; return; }
    w->heap = h;
    i = w->heap_n++;
    while (i > 0 && llm__cand_before(c, &h[(i - 1) / 2])) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = *c;
}
static llm__cand llm__heap_pop(llm__work *w) {
    llm__cand top = w->heap[0], last = w->heap[--w->heap_n];
    size_t i = 0, n = w->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && llm__cand_before(&w->heap[c + 1], &w->heap[c])) c++;
        if (!llm__cand_before(&w->heap[c], &last)) break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n) w->heap[i] = last;
    return top;
}

/* Queues the merge of adjacent symbols l and r when the vocabulary has one. */
static void llm__try_pair(const llm_tokenizer *t, llm__work *w, const unsigned char *s, int32_t l, int32_t r) {
    const llm__sym *a = &w->sym[l], *b = &w->sym[r];
    llm__cand c;
    if (t->kind == LLM_TOKENIZER_BPE || t->rank_merges) {
        const llm__merge_slot *m;
        if (a->id < 0 || b->id < 0 || !(m = llm__merge_find(t, a->id, b->id))) return;
        c.key = (double)m->rank; c.id = m->id;
    } else {
        int32_t id = llm__tok_lookup(t, s + a->start, a->len + b->len);
        int ty;
        if (id < 0) return;
        ty = t->type[id]; /* sentencepiece merges into normal, user-defined and unused pieces */
        if (ty != LLM__TT_NORMAL && ty != LLM__TT_USER && ty != LLM__TT_UNUSED) return;
        c.key = -(double)t->score[id]; c.id = id;
    }
    c.left = l; c.right = r; c.size = a->len + b->len;
    llm__heap_push(w, &c);
}

/* Encodes one word s[0..n) (n > 0) into w->wids. */
static void llm__bpe_word(const llm_tokenizer *t, llm__work *w, const unsigned char *s, size_t n) {
    size_t i, nsym = 0;
    int32_t k;
    llm__sym *sym = (llm__sym *)llm__tgrow(w->a, w->sym, &w->sym_cap, n, sizeof *sym);
    if (!sym) { w->oom = 1; return; }
    w->sym = sym;
    /* 1. one symbol per byte (byte-level) or per character (SentencePiece) */
    for (i = 0; i < n;) {
        size_t l = 1;
        if (t->kind == LLM_TOKENIZER_SPM) {
            unsigned c = s[i];
            l = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (l > n - i) l = n - i;
        }
        sym[nsym].start = (uint32_t)i; sym[nsym].len = (uint32_t)l;
        sym[nsym].id = t->kind == LLM_TOKENIZER_BPE ? t->byte_id[s[i]]
                       : t->rank_merges             ? llm__tok_lookup(t, s + i, l)
                                                    : -1;
        sym[nsym].prev = (int32_t)nsym - 1; sym[nsym].next = (int32_t)nsym + 1;
        nsym++; i += l;
    }
    sym[nsym - 1].next = -1;
    /* 2. queue every adjacent pair, then merge the best until none is left */
    w->heap_n = 0;
    for (k = 0; k + 1 < (int32_t)nsym; k++) llm__try_pair(t, w, s, k, k + 1);
    while (w->heap_n && !w->oom) {
        llm__cand c = llm__heap_pop(w);
        llm__sym *L = &w->sym[c.left], *R = &w->sym[c.right];
        if (L->len == 0 || R->len == 0 || L->next != c.right || L->len + R->len != c.size) continue;
        L->len += R->len; L->id = c.id;
        R->len = 0;
        L->next = R->next;
        if (R->next >= 0) w->sym[R->next].prev = c.left;
        if (L->prev >= 0) llm__try_pair(t, w, s, L->prev, c.left);
        if (L->next >= 0) llm__try_pair(t, w, s, c.left, L->next);
    }
    /* 3. emit; SentencePiece symbols not in the vocabulary fall back to byte pieces */
    for (k = 0; k >= 0; k = w->sym[k].next) {
        const llm__sym *y = &w->sym[k];
        int32_t id = y->id;
        if (t->rank_merges) {   /* Hugging Face: an unknown character is its bytes, or <unk> */
            if (id < 0) {
                uint32_t b;
                for (b = 0; b < y->len && t->byte_fallback && t->byte_id[s[y->start + b]] >= 0; b++) {}
                if (t->byte_fallback && b == y->len) {
                    for (b = 0; b < y->len; b++) llm__wemit(w, t->byte_id[s[y->start + b]]);
                } else if (!(t->fuse_unk && w->wids_n && w->wids[w->wids_n - 1] == t->unk && t->unk >= 0)) {
                    llm__wemit(w, t->unk);
                }
                continue;
            }
        } else if (t->kind == LLM_TOKENIZER_SPM) {
            id = llm__tok_lookup(t, s + y->start, y->len);
            if (id < 0 || t->type[id] == LLM__TT_UNKNOWN) {
                if (t->byte_fallback) {
                    uint32_t b;
                    for (b = 0; b < y->len; b++) {
                        int32_t bid = t->byte_id[s[y->start + b]];
                        llm__wemit(w, bid >= 0 ? bid : t->unk);
                    }
                    continue;
                }
                id = t->unk;
            }
        }
        llm__wemit(w, id);
    }
}

/* Encodes a word through the per-call cache (most words repeat). */
static void llm__word_cached(const llm_tokenizer *t, llm__work *w, const unsigned char *s, size_t n) {
    uint32_t h = 0, slot = 0;
    size_t i;
    if (w->cache && n <= 64) {
        h = llm__hash_bytes(s, n);
        slot = h & w->cache_mask;
        for (;;) {
            const llm__cache_slot *c = &w->cache[slot];
            if (c->klen == 0) break;
            if (c->hash == h && c->klen == n && memcmp(w->ckey + c->koff, s, n) == 0) {
                for (i = 0; i < c->nids; i++) llm__emit(w, w->cids[c->ioff + i]);
                return;
            }
            slot = (slot + 1) & w->cache_mask;
        }
    }
    w->wids_n = 0;
    if (t->ignore_merges && (i = (size_t)llm__tok_lookup(t, s, n)) != (size_t)-1 && t->type[i] == LLM__TT_NORMAL)
        llm__wemit(w, (int32_t)i);   /* ignore_merges: a word that is a token is that token */
    else llm__bpe_word(t, w, s, n);
    if (w->oom) return;
    for (i = 0; i < w->wids_n; i++) llm__emit(w, w->wids[i]);
    if (w->cache && n <= 64 && w->cache_used < w->cache_mask / 2) { /* remember it */
        unsigned char *kb = (unsigned char *)llm__tgrow(w->a, w->ckey, &w->ckey_cap, w->ckey_n + n, 1);
        int32_t *ib;
        if (!kb) return;
        w->ckey = kb;
        ib = (int32_t *)llm__tgrow(w->a, w->cids, &w->cids_cap, w->cids_n + w->wids_n, sizeof(int32_t));
        if (!ib) return;
        w->cids = ib;
        memcpy(w->ckey + w->ckey_n, s, n);
        memcpy(w->cids + w->cids_n, w->wids, w->wids_n * sizeof(int32_t));
        w->cache[slot].hash = h; w->cache[slot].klen = (uint32_t)n;
        w->cache[slot].koff = (uint32_t)w->ckey_n; w->cache[slot].ioff = (uint32_t)w->cids_n;
        w->cache[slot].nids = (uint32_t)w->wids_n;
        w->ckey_n += n; w->cids_n += w->wids_n; w->cache_used++;
    }
}

/* SentencePiece: normalise s[0..n) into w->norm, then encode it. */
static void llm__spm_text(const llm_tokenizer *t, llm__work *w, const unsigned char *s, size_t n, int at_start) {
    size_t i = 0, k = 0, seg;
    unsigned char *o;
    int prev_space = 0;
    if (t->remove_extra_ws) while (i < n && s[i] == ' ') i++;
    if (i == n) return;                              /* empty (or all spaces): no tokens */
    o = (unsigned char *)llm__tgrow(w->a, w->norm, &w->norm_cap, 3 * (n - i) + 3, 1);
    if (!o) { w->oom = 1; return; }
    w->norm = o;
    if (at_start && t->add_dummy_prefix) {
        if (t->escape_ws) { o[k++] = 0xE2; o[k++] = 0x96; o[k++] = 0x81; } else o[k++] = ' ';
    }
    while (i < n) {
        uint32_t cp;
        size_t l;
        if (s[i] == ' ') {
            if (!(t->remove_extra_ws && prev_space)) {
                if (t->escape_ws) { o[k++] = 0xE2; o[k++] = 0x96; o[k++] = 0x81; } else o[k++] = ' ';
            }
            prev_space = 1; i++;
            continue;
        }
        prev_space = 0;
        l = llm__utf8_decode(s + i, n - i, &cp);
        if (l == 0) { o[k++] = 0xEF; o[k++] = 0xBF; o[k++] = 0xBD; i++; } /* U+FFFD */
        else { memcpy(o + k, s + i, l); k += l; i += l; }
    }
    if (t->remove_extra_ws && prev_space) k -= t->escape_ws ? 3 : 1; /* trailing space */
    /* cut before each "▁" that follows another character (unless some piece has that character's
       last byte before a "▁": seg_keep); encode the parts: no piece spans a cut, so merging each
       part alone gives what merging the whole gives */
    seg = 0;
    for (i = 0; i < k;) {
        int sp = i + 3 <= k && o[i] == 0xE2 && o[i + 1] == 0x96 && o[i + 2] == 0x81;
        if (sp && i > 0 && (t->meta_split || (!(i >= 3 && o[i - 3] == 0xE2 && o[i - 2] == 0x96 && o[i - 1] == 0x81) &&
                                              !t->seg_keep[o[i - 1]]))) {
            llm__word_cached(t, w, o + seg, i - seg);
            seg = i;
        }
        i += sp ? 3 : 1;
    }
    if (k > seg) llm__word_cached(t, w, o + seg, k - seg);
}

/* A piece of the Hugging Face pipeline (ignore_merges: in llm__word_cached). */
static void llm__hf_word(const llm_tokenizer *t, llm__work *w, const unsigned char *s, size_t n) {
    if (n == 1) { llm__emit(w, t->byte_id[s[0]]); return; }
    llm__word_cached(t, w, s, n);
}
/* Pre-split step `step` of s[0..n), each piece passed to the next step, the last to BPE. */
static void llm__hf_pre(const llm_tokenizer *t, llm__work *w, int step, const unsigned char *s, size_t n) {
    size_t i = 0;
    if (step >= t->n_pre || step >= 4) { llm__hf_word(t, w, s, n); return; }
    if (t->pre[step] == LLM__PRE_REGEX) {   /* Isolated: the matches and the text between them */
        size_t ms, me;
        int r;
        while (i < n && !w->oom && (r = llm__regex_find(t->re[step], s, n, i, &w->rx, &ms, &me)) != 0) {
            if (r < 0) { w->oom = 1; return; }
            if (ms > i) llm__hf_pre(t, w, step + 1, s + i, ms - i);
            llm__hf_pre(t, w, step + 1, s + ms, me - ms);
            i = me;
        }
        if (i < n && !w->oom) llm__hf_pre(t, w, step + 1, s + i, n - i);
        return;
    }
    while (i < n && !w->oom) {
        size_t e = llm__pre_next(t->pre[step], s, n, i);
        llm__hf_pre(t, w, step + 1, s + i, e - i);
        i = e;
    }
}

static void llm__bpe_text(const llm_tokenizer *t, llm__work *w, const unsigned char *s, size_t n) {
    size_t i = 0;
    if (t->hf) {   /* the Hugging Face pipeline */
        if (t->nfc) {   /* (text already in NFC comes back as it is, uncopied) */
            const unsigned char *o;
            size_t k;
            if (llm__nfc(w->a, s, n, &w->nfcbuf, &w->nfcbuf_cap, &o, &k) != LLM_OK) { w->oom = 1; return; }
            s = o; n = k;
        }
        if (t->prefix_space && n && s[0] != ' ') {
            unsigned char *o = (unsigned char *)llm__tgrow(w->a, w->norm, &w->norm_cap, n + 1, 1);
            if (!o) { w->oom = 1; return; }
            w->norm = o;
            memmove(o + 1, s, n);
            o[0] = ' ';
            s = o; n++;
        }
        if (t->n_pre) llm__hf_pre(t, w, 0, s, n);
        else if (n) llm__hf_word(t, w, s, n);
        return;
    }
    while (i < n && !w->oom) {
        size_t e = llm__split_next(t->pattern, s, n, i);
        if (e == i + 1) llm__emit(w, t->byte_id[s[i]]);  /* one byte: no merge possible */
        else llm__word_cached(t, w, s + i, e - i);
        i = e;
    }
}

/* The first added token written in the text at or after `from` (the leftmost, and the
   longest there, as Hugging Face's matcher): its position (n if none). Special (CONTROL)
   tokens count only when `allow`; user-defined ones always. */
static size_t llm__find_special(const llm_tokenizer *t, const unsigned char *s, size_t n, size_t from,
                                int allow, int32_t *which) {
    size_t i, l;
    for (i = from; i < n; i++) {
        uint64_t h = 0xcbf29ce484222325ULL;   /* llm__hash_bytes of each prefix, one byte at a time */
        const size_t lmax = LLM__MIN((size_t)t->slen_max, n - i);
        int32_t best = -1;
        if (!t->special_first[s[i]]) continue;
        for (l = 1; l <= lmax; l++) {
            h ^= s[i + l - 1];
            h *= 0x100000001b3ULL;
            if (l == 2 && !(t->spair[(s[i] << 5) | (s[i + 1] >> 3)] & (1u << (s[i + 1] & 7)))) break;
            if (t->slen[l]) {
                uint32_t k;
                for (k = (uint32_t)(h ^ (h >> 32)) & t->stab_mask; t->stab[k] >= 0; k = (k + 1) & t->stab_mask) {
                    int32_t id = t->stab[k];
                    if (llm__tok_len(t, id) != l || memcmp(llm__tok_str(t, id), s + i, l) != 0) continue;
                    if (allow || t->type[id] == LLM__TT_USER) best = id;   /* the longest wins */
                    break;
                }
            }
        }
        if (best >= 0) { *which = best; return i; }
    }
    *which = -1;
    return n;
}

LLMDEF llm_status llm_tokenize(const llm_tokenizer *t, const char *text, size_t len, int flags,
                               int32_t *ids, size_t cap, size_t *n_ids) {
    const unsigned char *s = (const unsigned char *)text;
    llm__work w;
    size_t pos = 0;
    if (n_ids) *n_ids = 0;
    if (!t || (!text && len) || !n_ids) return LLM_ERR_INVALID_ARG;
    memset(&w, 0, sizeof w);
    w.a = &t->alloc;
    w.rx.a = &t->alloc;
    w.ids = ids;
    w.cap = ids ? cap : 0;
    if (len > 2048) { /* a word cache pays off on longer texts */
        size_t c = llm__pow2_at_least(LLM__MIN(len / 4, (size_t)1 << 16));
        w.cache = (llm__cache_slot *)llm__calloc(w.a, c, sizeof(llm__cache_slot));
        if (w.cache) w.cache_mask = (uint32_t)(c - 1);
    }
    if ((flags & LLM_TOKENIZE_ADD_BOS) && t->bos >= 0) llm__emit(&w, t->bos);
    while (pos < len && !w.oom) {
        int32_t sid = -1;
        size_t end = len;
        if (t->n_user || ((flags & LLM_TOKENIZE_ALLOW_SPECIAL) && t->n_special))
            end = llm__find_special(t, s, len, pos, (flags & LLM_TOKENIZE_ALLOW_SPECIAL) != 0, &sid);
        if (end > pos) {
            if (t->kind == LLM_TOKENIZER_BPE) llm__bpe_text(t, &w, s + pos, end - pos);
            else llm__spm_text(t, &w, s + pos, end - pos, pos == 0 || t->prefix_each);
        }
        if (sid >= 0) { llm__emit(&w, sid); pos = end + llm__tok_len(t, sid); }
        else pos = end;
    }
    if ((flags & LLM_TOKENIZE_ADD_EOS) && t->eos >= 0) llm__emit(&w, t->eos);
    llm__work_free(&w);
    if (w.oom) return LLM_ERR_OUT_OF_MEMORY;
    *n_ids = w.n;
    if (!ids && cap == 0) return LLM_OK;   /* a size query */
    return w.n > cap || !ids ? LLM_ERR_BUFFER_TOO_SMALL : LLM_OK;
}

LLMDEF llm_tokenizer_type llm_tokenizer_kind(const llm_tokenizer *t) { return t ? t->kind : LLM_TOKENIZER_NONE; }
LLMDEF int32_t llm_tokenizer_vocab_size(const llm_tokenizer *t) { return t ? t->n : 0; }
LLMDEF int32_t llm_tokenizer_bos(const llm_tokenizer *t) { return t ? t->bos : -1; }
LLMDEF int32_t llm_tokenizer_eos(const llm_tokenizer *t) { return t ? t->eos : -1; }
LLMDEF int llm_tokenizer_default_flags(const llm_tokenizer *t) {
    if (!t) return 0;
    return (t->add_bos && t->bos >= 0 ? LLM_TOKENIZE_ADD_BOS : 0) |
           (t->add_eos && t->eos >= 0 ? LLM_TOKENIZE_ADD_EOS : 0);
}
LLMDEF size_t llm_tokenizer_max_piece(const llm_tokenizer *t) { return t ? t->max_piece : 0; }
LLMDEF int32_t llm_tokenizer_find(const llm_tokenizer *t, const char *piece, size_t len) {
    if (!t || (!piece && len)) return -1;
    return llm__tok_lookup(t, (const unsigned char *)(piece ? piece : ""), len);
}
LLMDEF const char *llm_token_piece(const llm_tokenizer *t, int32_t id, size_t *len) {
    if (!t || id < 0 || id >= t->n) { if (len) *len = 0; return NULL; }
    if (len) *len = llm__tok_len(t, id);
    return t->text + t->off[id];
}

/* ---- decoding (whole and streaming share one engine) ---------------------------------------- */
typedef struct llm__out { char *p; size_t cap, n; } llm__out;
static void llm__put(llm__out *o, const void *s, size_t n) {
    if (o->n < o->cap) memcpy(o->p + o->n, s, LLM__MIN(n, o->cap - o->n));
    o->n += n;
}
/* A byte that cannot be part of valid UTF-8: raw (byte-level) or U+FFFD (SentencePiece). */
static void llm__put_invalid(const llm_tokenizer *t, llm__out *o, unsigned char b) {
    if (t->kind == LLM_TOKENIZER_BPE) llm__put(o, &b, 1);
    else llm__put(o, "\xEF\xBF\xBD", 3);
}

/* Appends bytes s[0..n) to what the state holds back and emits every character that is now
   complete; an incomplete but still valid beginning stays held back. */
static void llm__detok_bytes(const llm_tokenizer *t, llm_detok_state *st, const unsigned char *s,
                             size_t n, llm__out *o) {
    unsigned char pend[4], win[4] = { 0 };
    size_t np = (size_t)st->n_pending, total = np + n, i = 0, before = o->n;
    memcpy(pend, st->pending, np);
    st->n_pending = 0;
    while (i < total) {
        size_t avail = LLM__MIN((size_t)4, total - i), k, l;
        uint32_t cp;
        if (i >= np && s[i - np] < 0x80) { /* ASCII run */
            size_t e = i - np;
            while (e < n && s[e] < 0x80) e++;
            llm__put(o, s + (i - np), e - (i - np));
            i = e + np;
            continue;
        }
        for (k = 0; k < avail; k++) win[k] = i + k < np ? pend[i + k] : s[i + k - np];
        l = llm__utf8_decode(win, avail, &cp);
        if (l) { llm__put(o, win, l); i += l; continue; }
        if (llm__utf8_incomplete(win, avail)) { /* wait for the rest of the character */
            memcpy(st->pending, win, avail);
            st->n_pending = (int)avail;
            break;
        }
        llm__put_invalid(t, o, win[0]);
        i++;
    }
    if (o->n > before) st->started = 1;
}

/* Emits the held-back bytes as invalid (the character can no longer complete). */
static void llm__detok_end(const llm_tokenizer *t, llm_detok_state *st, llm__out *o) {
    int k;
    for (k = 0; k < st->n_pending; k++) llm__put_invalid(t, o, st->pending[k]);
    if (st->n_pending) st->started = 1;
    st->n_pending = 0;
}

static llm_status llm__detok_one(const llm_tokenizer *t, llm_detok_state *st, int32_t id, llm__out *o) {
    const unsigned char *p;
    size_t n, i, run;
    int ty, bv;
    if (id < 0 || id >= t->n) return LLM_ERR_OUT_OF_RANGE;
    p = llm__tok_str(t, id);
    n = llm__tok_len(t, id);
    ty = t->type[id];
    if (t->kind == LLM_TOKENIZER_BPE) { llm__detok_bytes(t, st, p, n, o); return LLM_OK; }
    if (ty == LLM__TT_BYTE && llm__is_byte_piece(p, n, &bv)) {
        unsigned char b = (unsigned char)bv;
        llm__detok_bytes(t, st, &b, 1, o);
        return LLM_OK;
    }
    llm__detok_end(t, st, o);                        /* byte pieces end at a normal piece */
    if (ty == LLM__TT_CONTROL) return LLM_OK;        /* <s>, </s>: invisible */
    if (ty == LLM__TT_UNKNOWN) { llm__put(o, " \xE2\x81\x87 ", 5); st->started = 1; return LLM_OK; }
    i = 0;
    if (!st->started && (t->add_dummy_prefix || t->remove_extra_ws) && n >= 3 &&
        p[0] == 0xE2 && p[1] == 0x96 && p[2] == 0x81) i = 3; /* the dummy-prefix space */
    if (i < n) st->started = 1;
    while (i < n) {
        for (run = i; run < n && !(p[run] == 0xE2 && run + 2 < n && p[run + 1] == 0x96 && p[run + 2] == 0x81); run++) {}
        llm__put(o, p + i, run - i);
        if (run < n) { llm__put(o, " ", 1); run += 3; }
        i = run;
    }
    return LLM_OK;
}

LLMDEF void llm_detok_init(llm_detok_state *st) { if (st) memset(st, 0, sizeof *st); }

LLMDEF llm_status llm_detok_push(const llm_tokenizer *t, llm_detok_state *st, int32_t id, char *out,
                                 size_t cap, size_t *n_out) {
    llm_detok_state s2;
    llm__out o;
    llm_status r;
    if (n_out) *n_out = 0;
    if (!t || !st || !n_out || (!out && cap)) return LLM_ERR_INVALID_ARG;
    s2 = *st;
    o.p = out; o.cap = cap; o.n = 0;
    if ((r = llm__detok_one(t, &s2, id, &o)) != LLM_OK) return r;
    *n_out = o.n;
    if (o.n > cap) return LLM_ERR_BUFFER_TOO_SMALL;  /* state unchanged: retry */
    *st = s2;
    return LLM_OK;
}

LLMDEF llm_status llm_detok_flush(const llm_tokenizer *t, llm_detok_state *st, char *out, size_t cap,
                                  size_t *n_out) {
    llm_detok_state s2;
    llm__out o;
    if (n_out) *n_out = 0;
    if (!t || !st || !n_out || (!out && cap)) return LLM_ERR_INVALID_ARG;
    s2 = *st;
    o.p = out; o.cap = cap; o.n = 0;
    llm__detok_end(t, &s2, &o);
    *n_out = o.n;
    if (o.n > cap) return LLM_ERR_BUFFER_TOO_SMALL;
    llm_detok_init(st);
    return LLM_OK;
}

LLMDEF llm_status llm_detokenize(const llm_tokenizer *t, const int32_t *ids, size_t n_ids, char *out,
                                 size_t cap, size_t *n_out) {
    llm_detok_state st;
    llm__out o;
    size_t i;
    if (n_out) *n_out = 0;
    if (!t || (!ids && n_ids) || !n_out || (!out && cap)) return LLM_ERR_INVALID_ARG;
    llm_detok_init(&st);
    o.p = out; o.cap = cap; o.n = 0;
    for (i = 0; i < n_ids; i++) {
        llm_status r = llm__detok_one(t, &st, ids[i], &o);
        if (r != LLM_OK) return r;
    }
    llm__detok_end(t, &st, &o);
    *n_out = o.n;
    if (!out && cap == 0) return LLM_OK;   /* a size query */
    return o.n > cap ? LLM_ERR_BUFFER_TOO_SMALL : LLM_OK;
}

/* =========================================================================================
   >>model: config, tensor table, parameters, init
   Shapes use: L layers, C = dim, NH heads, NKV kv heads, hs = head_dim (C/NH unless the
   config sets it), qC = NH*hs (the attention's width), kvC = NKV*hs, H = ffn_dim,
   V = vocab, Vp = padded vocab, maxT = max_seq_len,
   QKV = qC + 2*kvC (the width of the fused q|k|v projection).
   Conventions every loader and exporter keeps (>>formats converts):
   - RoPE rotates adjacent pairs (x[2i], x[2i+1]) of a head (GGUF "llama" order). Hugging Face
     checkpoints of every family and GGUF qwen2 / qwen3 / gemma3 (NEOX) rotate halves
     (x[i], x[i + hs/2]): their loaders permute the rows of q and k (weights, biases) and the
     q_norm / k_norm weights into adjacent pairs, per head of hs; exporters permute back.
   - Gemma 3's RMSNorm multiplies by (1 + w). The model stores the value 1 + w (as GGUF files
     do), so every norm runs through the plain RMSNorm op; new models init norms to 1.
   ========================================================================================= */

/* Offsets (in floats) of one layer's tensors inside the parameter buffer; LLM__NONE when the
   family has no such tensor (Llama has no biases). */
#define LLM__NONE ((size_t)-1)
typedef struct llm__layer_off {
    size_t ln1w, ln1b;        /* (C)        attn_norm */
    size_t qkvw, qkvb;        /* (QKV, C), (QKV)  attn_qkv, or attn_q|attn_k|attn_v back to back (biases:
                                 GPT-2, Qwen2) */
    size_t qnw, knw;          /* (hs) (hs)  attn_q_norm, attn_k_norm (Qwen3, Gemma 3) */
    size_t attprojw, attprojb;/* (C, qC), (C)     attn_output */
    size_t pn1w;              /* (C)        post_attention_norm (Gemma 3) */
    size_t ln2w, ln2b;        /* (C)        ffn_norm */
    size_t fcw, fcb;          /* (H, C), (H) GPT-2 ffn_up;  (2H, C) the others: ffn_gate|ffn_up */
    size_t fcprojw, fcprojb;  /* (C, H), (C)      ffn_down */
    size_t pn2w;              /* (C)        post_ffw_norm (Gemma 3) */
} llm__layer_off;

struct llm_model {
    llm_config cfg;
    llm_allocator alloc;
    llm_log_fn log_fn;
    void *log_user;
    float *params;              /* n_params floats, 64-byte aligned */
    size_t n_params;
    llm_tensor_info *tensors;   /* the table, in storage order */
    int n_tensors;
    size_t wte, wpe, lnfw, lnfb, head;  /* (Vp,C) (maxT,C) (C) (C) (Vp,C): head == wte if tied */
    llm__layer_off *layers;     /* L entries */
    llm_tokenizer *tokenizer;   /* an attached tokenizer (owned), or NULL */
    unsigned char **qdata;      /* per tensor: its quantized copy (type in the table), or NULL */
    int n_quant;                /* tensors with a quantized copy */
    void *map; uint64_t map_size;   /* the mapped GGUF file its quantized copies lie in (llm_model_load) */
    unsigned char *no_fp32;     /* quantized_only: per tensor, 1 when only its quantized copy holds it */
    int lazy;                   /* some tensor has no fp32 values (sessions then prefill from the copies) */
};

/* The newer families' fields (head_dim, RoPE scaling, sliding window, attention scale):
   defaults filled, nonsense refused. Called by llm_config_resolve once hs is known. */
static llm_status llm__resolve_extra(llm_config *c, llm_error *err) {
    const int gpt2 = c->arch == LLM_ARCH_GPT2, gemma = c->arch == LLM_ARCH_GEMMA3;
    if (c->rope_type < LLM_ROPE_DEFAULT || c->rope_type > LLM_ROPE_LLAMA3)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "unknown rope_type %d", c->rope_type);
    if (gpt2 && c->rope_type != LLM_ROPE_DEFAULT)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "GPT-2 has learned positions, no RoPE (rope_type must be 0)");
    if (c->rope_type != LLM_ROPE_DEFAULT) {
        if (c->rope_factor == 0) c->rope_factor = 1.0f;
        if (!(c->rope_factor > 0) || c->rope_factor > 1e6f)
            return llm__fail(err, LLM_ERR_INVALID_ARG, "rope_factor %g must be positive", (double)c->rope_factor);
    }
    if (c->rope_type == LLM_ROPE_LLAMA3) {
        if (c->rope_low_freq_factor == 0) c->rope_low_freq_factor = 1.0f;
        if (c->rope_high_freq_factor == 0) c->rope_high_freq_factor = 4.0f;
        if (c->rope_orig_max_pos == 0) c->rope_orig_max_pos = 8192;
        if (!(c->rope_low_freq_factor > 0) || !(c->rope_high_freq_factor > c->rope_low_freq_factor) ||
            c->rope_orig_max_pos < 0)
            return llm__fail(err, LLM_ERR_INVALID_ARG,
                             "llama3 RoPE needs 0 < low_freq_factor < high_freq_factor and orig_max_pos > 0");
    }
    if (c->sliding_window < 0 || (!gemma && c->sliding_window))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "sliding_window %d: only Gemma 3 has sliding layers (>= 0)",
                         c->sliding_window);
    if (gemma) {
        if (c->rope_local_theta == 0) c->rope_local_theta = 10000.0f;
        if (c->sliding_pattern == 0) c->sliding_pattern = 6;
        if (!(c->rope_local_theta > 0) || c->sliding_pattern < 0)
            return llm__fail(err, LLM_ERR_INVALID_ARG, "rope_local_theta must be positive, sliding_pattern >= 0");
    }
    if (c->attn_scale == 0) c->attn_scale = 1.0f / sqrtf((float)c->head_dim);
    if (!(c->attn_scale > 0) || c->attn_scale > 1e6f)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "attn_scale %g must be positive", (double)c->attn_scale);
    return LLM_OK;
}

LLMDEF llm_status llm_config_resolve(llm_config *c, llm_error *err) {
    if (!c) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL config");
    if (c->arch == LLM_ARCH_NONE)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "config.arch is not set (LLM_ARCH_GPT2, _LLAMA, _QWEN2, ...)");
    if (c->arch < LLM_ARCH_GPT2 || c->arch > LLM_ARCH_GEMMA3)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "unknown architecture %d", (int)c->arch);
    if (c->n_layer <= 0 || c->n_layer > LLM_MAX_LAYERS)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_layer %d out of range (1..%d)", c->n_layer, LLM_MAX_LAYERS);
    if (c->n_head <= 0 || c->n_head > LLM_MAX_HEADS)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_head %d out of range (1..%d)", c->n_head, LLM_MAX_HEADS);
    if (c->dim <= 0 || c->dim > LLM_MAX_DIM)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "dim %d out of range (1..%d)", c->dim, LLM_MAX_DIM);
    if (c->head_dim == 0 && c->dim % c->n_head)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "dim %d is not a multiple of n_head %d", c->dim, c->n_head);
    if (c->head_dim == 0) c->head_dim = c->dim / c->n_head;
    if (c->head_dim < 0 || c->head_dim > LLM_MAX_DIM || (int64_t)c->head_dim * c->n_head > LLM_MAX_DIM)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "head_dim %d out of range (n_head * head_dim <= %d)", c->head_dim,
                         LLM_MAX_DIM);
    if (c->arch == LLM_ARCH_GPT2 && c->head_dim * c->n_head != c->dim)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "GPT-2's head_dim is dim / n_head (got %d)", c->head_dim);
    if (c->arch != LLM_ARCH_GPT2 && c->head_dim % 2)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "RoPE needs an even head size (got %d)", c->head_dim);
    if (c->n_kv_head == 0) c->n_kv_head = c->n_head;
    if (c->n_kv_head < 0 || c->n_kv_head > c->n_head || c->n_head % c->n_kv_head)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_kv_head %d must divide n_head %d", c->n_kv_head, c->n_head);
    if (c->arch == LLM_ARCH_GPT2 && c->n_kv_head != c->n_head)
        return llm__fail(err, LLM_ERR_INVALID_ARG,
                         "GPT-2 has no grouped-query attention (n_kv_head must equal n_head)");
    if (c->ffn_dim == 0) c->ffn_dim = c->arch == LLM_ARCH_GPT2 ? 4 * c->dim : (8 * c->dim / 3 + 31) / 32 * 32;
    if (c->ffn_dim < 0 || c->ffn_dim > LLM_MAX_FFN_DIM)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "ffn_dim %d out of range (1..%d)", c->ffn_dim, LLM_MAX_FFN_DIM);
    if (c->vocab_size <= 0 || c->vocab_size > LLM_MAX_VOCAB)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "vocab_size %d out of range (1..%d)", c->vocab_size, LLM_MAX_VOCAB);
    if (c->padded_vocab_size == 0) c->padded_vocab_size = c->vocab_size;
    if (c->padded_vocab_size < c->vocab_size || c->padded_vocab_size > LLM_MAX_VOCAB)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "padded_vocab_size %d out of range (vocab_size %d..%d)",
                         c->padded_vocab_size, c->vocab_size, LLM_MAX_VOCAB);
    if (c->max_seq_len <= 0 || c->max_seq_len > LLM_MAX_SEQ_LEN)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "max_seq_len %d out of range (1..%d)", c->max_seq_len,
                         LLM_MAX_SEQ_LEN);
    if (c->norm_eps == 0) c->norm_eps = 1e-5f;
    if (c->rope_theta == 0) c->rope_theta = 10000.0f;
    if (!(c->norm_eps > 0) || !(c->rope_theta > 0))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "norm_eps and rope_theta must be positive");
    if (c->arch == LLM_ARCH_GPT2) c->untied_head = 0;
    return llm__resolve_extra(c, err);
}

static const char *llm__family_name(llm_arch a) {
    static const char *const names[] = {"?", "GPT-2", "Llama", "Qwen2", "Qwen3", "Gemma 3"};
    return a >= LLM_ARCH_GPT2 && a <= LLM_ARCH_GEMMA3 ? names[a] : names[0];
}
/* The family's features, from its arch (the layout, the block and the sessions ask these). */
static int llm__has_rope(const llm_config *c) { return c->arch != LLM_ARCH_GPT2; }
static int llm__has_qkv_bias(const llm_config *c) { return c->arch == LLM_ARCH_GPT2 || c->arch == LLM_ARCH_QWEN2; }
static int llm__has_qk_norm(const llm_config *c) { return c->arch == LLM_ARCH_QWEN3 || c->arch == LLM_ARCH_GEMMA3; }
static int llm__is_gemma(const llm_config *c) { return c->arch == LLM_ARCH_GEMMA3; }
/* Gemma 3: the window of layer l (0 for a global layer, and for every layer of the others) */
static int llm__layer_window(const llm_config *c, int l) {
    if (!c->sliding_window) return 0;
    return c->sliding_pattern > 0 && (l + 1) % c->sliding_pattern == 0 ? 0 : c->sliding_window;
}
/* The width of the attention's output (q is (qC, C)), and of the fused q|k|v projection. */
static int llm__qdim(const llm_config *c) { return c->n_head * c->head_dim; }
static int llm__qkvdim(const llm_config *c) { return (c->n_head + 2 * c->n_kv_head) * c->head_dim; }

/* Lays out the tensor table for a config. With table == NULL only counts. Returns the
   number of tensors; *total gets the number of floats. Fills the model's offsets. */
static int llm__layout(llm_model *m, llm_tensor_info *table, uint64_t *total) {
    const llm_config *c = &m->cfg;
    int n = 0, l;
    uint64_t off = 0;   /* (64-bit: a config read from a file is counted before it is known to fit) */
    const int64_t C = c->dim, hs = c->head_dim, qC = (int64_t)c->n_head * hs, kvC = (int64_t)c->n_kv_head * hs;
    const int64_t H = c->ffn_dim;
    const int gpt2 = c->arch == LLM_ARCH_GPT2, gemma = llm__is_gemma(c);
/* LLM__TN adds a tensor, LLM__T also keeps its offset in dst */
#define LLM__TN(nm, r, cols, nd, dec) do { \
        if (table) { llm_tensor_info *ti = &table[n]; snprintf(ti->name, sizeof ti->name, "%s", nm); \
            ti->n_dims = nd; ti->shape[0] = (r); ti->shape[1] = (cols); ti->offset = (size_t)off; \
            ti->size = (size_t)((r) * (cols)); ti->decay = dec; } \
        off += (uint64_t)((r) * (cols)); n++; } while (0)
#define LLM__T(dst, nm, r, cols, nd, dec) do { dst = (size_t)off; LLM__TN(nm, r, cols, nd, dec); } while (0)
    char nm[48];
    LLM__T(m->wte, "token_embd.weight", (int64_t)c->padded_vocab_size, C, 2, 1);
    m->wpe = LLM__NONE;
    if (gpt2) LLM__T(m->wpe, "position_embd.weight", (int64_t)c->max_seq_len, C, 2, 1);
    for (l = 0; l < c->n_layer; l++) {
        llm__layer_off *lo = m->layers ? &m->layers[l] : NULL;
        llm__layer_off tmp;
        if (!lo) lo = &tmp;
        lo->ln1b = lo->qkvb = lo->attprojb = lo->ln2b = lo->fcb = lo->fcprojb = LLM__NONE;
        lo->qnw = lo->knw = lo->pn1w = lo->pn2w = LLM__NONE;
#define LLM__N(suffix) (snprintf(nm, sizeof nm, "blk.%d.%s", l, suffix), nm)
        LLM__T(lo->ln1w, LLM__N("attn_norm.weight"), C, 1, 1, 0);
        if (gpt2) {
            LLM__T(lo->ln1b, LLM__N("attn_norm.bias"), C, 1, 1, 0);
            LLM__T(lo->qkvw, LLM__N("attn_qkv.weight"), 3 * C, C, 2, 1);
            LLM__T(lo->qkvb, LLM__N("attn_qkv.bias"), 3 * C, 1, 1, 0);
            LLM__T(lo->attprojw, LLM__N("attn_output.weight"), C, C, 2, 1);
            LLM__T(lo->attprojb, LLM__N("attn_output.bias"), C, 1, 1, 0);
            LLM__T(lo->ln2w, LLM__N("ffn_norm.weight"), C, 1, 1, 0);
            LLM__T(lo->ln2b, LLM__N("ffn_norm.bias"), C, 1, 1, 0);
            LLM__T(lo->fcw, LLM__N("ffn_up.weight"), H, C, 2, 1);
            LLM__T(lo->fcb, LLM__N("ffn_up.bias"), H, 1, 1, 0);
            LLM__T(lo->fcprojw, LLM__N("ffn_down.weight"), C, H, 2, 1);
            LLM__T(lo->fcprojb, LLM__N("ffn_down.bias"), C, 1, 1, 0);
        } else {
            /* q, k, v back to back form one (qC + 2kvC, C) matrix: one GEMM computes all three */
            LLM__T(lo->qkvw, LLM__N("attn_q.weight"), qC, C, 2, 1);
            LLM__TN(LLM__N("attn_k.weight"), kvC, C, 2, 1);
            LLM__TN(LLM__N("attn_v.weight"), kvC, C, 2, 1);
            if (llm__has_qkv_bias(c)) {   /* Qwen2: (qC) (kvC) (kvC) back to back, one (QKV) bias */
                LLM__T(lo->qkvb, LLM__N("attn_q.bias"), qC, 1, 1, 0);
                LLM__TN(LLM__N("attn_k.bias"), kvC, 1, 1, 0);
                LLM__TN(LLM__N("attn_v.bias"), kvC, 1, 1, 0);
            }
            if (llm__has_qk_norm(c)) {    /* Qwen3, Gemma 3: one (hs) gain shared by the heads */
                LLM__T(lo->qnw, LLM__N("attn_q_norm.weight"), hs, 1, 1, 0);
                LLM__T(lo->knw, LLM__N("attn_k_norm.weight"), hs, 1, 1, 0);
            }
            LLM__T(lo->attprojw, LLM__N("attn_output.weight"), C, qC, 2, 1);
            if (gemma) LLM__T(lo->pn1w, LLM__N("post_attention_norm.weight"), C, 1, 1, 0);
            LLM__T(lo->ln2w, LLM__N("ffn_norm.weight"), C, 1, 1, 0);
            /* gate (w1) and up (w3) back to back: one (2H, C) GEMM */
            LLM__T(lo->fcw, LLM__N("ffn_gate.weight"), H, C, 2, 1);
            LLM__TN(LLM__N("ffn_up.weight"), H, C, 2, 1);
            LLM__T(lo->fcprojw, LLM__N("ffn_down.weight"), C, H, 2, 1);
            if (gemma) LLM__T(lo->pn2w, LLM__N("post_ffw_norm.weight"), C, 1, 1, 0);
        }
#undef LLM__N
    }
    LLM__T(m->lnfw, "output_norm.weight", C, 1, 1, 0);
    m->lnfb = LLM__NONE;
    if (gpt2) LLM__T(m->lnfb, "output_norm.bias", C, 1, 1, 0);
    m->head = m->wte;
    if (c->untied_head) LLM__T(m->head, "output.weight", (int64_t)c->padded_vocab_size, C, 2, 1);
#undef LLM__T
#undef LLM__TN
    *total = off;
    return n;
}

/* Allocates an (uninitialised) model for a resolved config. */
/* zero = 0 leaves the parameters unwritten (a loader that writes what it keeps; pages never
   written are never touched) */
static llm_status llm__model_alloc_z(const llm_config *cfg, const llm_allocator *a, llm_log_fn log_fn,
                                     void *log_user, int zero, llm_model **out, llm_error *err) {
    llm_model *m;
    uint64_t total;
    int n;
    uint64_t est;
    *out = NULL;
    m = (llm_model *)llm__calloc(a, 1, sizeof *m);
    if (!m) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    m->cfg = *cfg;
    if (a) m->alloc = *a;
    m->log_fn = log_fn; m->log_user = log_user;
    /* size check in 64-bit before anything big is allocated */
    est = (uint64_t)cfg->padded_vocab_size * (uint64_t)cfg->dim * 2 + (uint64_t)cfg->max_seq_len * (uint64_t)cfg->dim +
        (uint64_t)cfg->n_layer *
            ((uint64_t)cfg->dim * (uint64_t)(cfg->n_head + cfg->n_kv_head) * (uint64_t)cfg->head_dim * 2 +
             3 * (uint64_t)cfg->dim * (uint64_t)cfg->ffn_dim +
             16 * (uint64_t)cfg->dim);
    if (est > (uint64_t)(SIZE_MAX / 8)) {
        llm__dealloc(a, m);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "model too large (%llu parameters)", (unsigned long long)est);
    }
    m->layers = (llm__layer_off *)llm__calloc(a, (size_t)cfg->n_layer, sizeof(llm__layer_off));
    n = llm__layout(m, NULL, &total);
    m->tensors = (llm_tensor_info *)llm__calloc(a, (size_t)n, sizeof(llm_tensor_info));
    m->params = (float *)(total > SIZE_MAX / sizeof(float) ? NULL
                          : zero ? llm__calloc(a, (size_t)total, sizeof(float))
                                 : llm__alloc(a, (size_t)total * sizeof(float)));
    if (!m->layers || !m->tensors || !m->params) {
        llm_model_free(m);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for %llu parameters", (unsigned long long)total);
    }
    m->n_tensors = llm__layout(m, m->tensors, &total);
    m->n_params = (size_t)total;
    *out = m;
    return LLM_OK;
}
static llm_status llm__model_alloc(const llm_config *cfg, const llm_allocator *a, llm_log_fn log_fn,
                                   void *log_user, llm_model **out, llm_error *err) {
    return llm__model_alloc_z(cfg, a, log_fn, log_user, 1, out, err);
}
/* quantized_only: tensor i's fp32 values from its quantized copy */
static void llm__fill_fp32(llm_model *m, int i) {
    const llm_tensor_info *t = &m->tensors[i];
    const size_t rb = llm__row_bytes((int)t->type, (size_t)t->shape[1]);
    int64_t r;
    for (r = 0; r < llm__saved_rows(m, t); r++)
        llm__dequant_row((int)t->type, m->qdata[i] + (size_t)r * rb, m->params + t->offset + (size_t)(r * t->shape[1]),
                         (size_t)t->shape[1]);
    m->no_fp32[i] = 0;
}
/* ... and of every tensor that had none */
static void llm__model_materialize(llm_model *m) {
    int i;
    if (!m->lazy) return;
    for (i = 0; i < m->n_tensors; i++)
        if (m->no_fp32[i]) llm__fill_fp32(m, i);
    m->lazy = 0;
}

/* GPT-2 init: N(0, 0.02) for matrices and embeddings, residual projections (attn_output,
   ffn_down) scaled by 1/sqrt(2L), norm gains 1, biases 0, padded vocab rows 0. */
static void llm__model_init(llm_model *m, uint64_t seed) {
    llm_rng rng;
    int i;
    const float std = 0.02f, resid = 0.02f / sqrtf(2.0f * (float)m->cfg.n_layer);
    llm_rng_seed(&rng, seed);
    for (i = 0; i < m->n_tensors; i++) {
        const llm_tensor_info *t = &m->tensors[i];
        float *p = m->params + t->offset;
        size_t j, n = t->size;
        if (t->n_dims == 1) {
            float v = strstr(t->name, "norm.weight") ? 1.0f : 0.0f;
            for (j = 0; j < n; j++) p[j] = v;
        } else {
            float s = (strstr(t->name, "attn_output") || strstr(t->name, "ffn_down")) ? resid : std;
            if (strcmp(t->name, "token_embd.weight") == 0 || strcmp(t->name, "output.weight") == 0)
                n = (size_t)m->cfg.vocab_size * (size_t)m->cfg.dim; /* padded rows stay 0 */
            for (j = 0; j < n; j++) p[j] = s * llm_rng_normal(&rng);
        }
    }
}

LLMDEF llm_status llm_model_create(const llm_model_desc *d, llm_model **out, llm_error *err) {
    llm_config cfg;
    llm_status st;
    if (!d || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    *out = NULL;
    cfg = d->config;
    if ((st = llm_config_resolve(&cfg, err)) != LLM_OK) return st;
    if ((st = llm__model_alloc(&cfg, &d->allocator, d->log_fn, d->log_user_data, out, err)) != LLM_OK) return st;
    llm__model_init(*out, d->seed);
    llm__log(d->log_fn, d->log_user_data, 2, "llm.h: created %s model, %llu parameters",
             llm__family_name(cfg.arch), (unsigned long long)(*out)->n_params);
    llm__ok(err);
    return LLM_OK;
}

/* Frees tensor i's quantized copy unless it lies in the mapped file. */
static void llm__qdata_free(llm_model *m, int i) {
    const unsigned char *p = m->qdata[i], *b = (const unsigned char *)m->map;
    if (!b || p < b || p >= b + m->map_size) llm__dealloc(&m->alloc, m->qdata[i]);
    m->qdata[i] = NULL;
}
LLMDEF void llm_model_free(llm_model *m) {
    llm_allocator a;
    if (!m) return;
    a = m->alloc;
    llm_tokenizer_free(m->tokenizer);
    if (m->qdata) {
        int i;
        for (i = 0; i < m->n_tensors; i++) llm__qdata_free(m, i);
        llm__dealloc(&a, m->qdata);
    }
    llm__unmap_file(m->map, m->map_size);
    llm__dealloc(&a, m->no_fp32);
    llm__dealloc(&a, m->params);
    llm__dealloc(&a, m->tensors);
    llm__dealloc(&a, m->layers);
    llm__dealloc(&a, m);
}
LLMDEF const llm_config *llm_model_config(const llm_model *m) { return m ? &m->cfg : NULL; }
LLMDEF size_t llm_model_num_params(const llm_model *m) { return m ? m->n_params : 0; }
LLMDEF int llm_model_num_tensors(const llm_model *m) { return m ? m->n_tensors : 0; }
LLMDEF const llm_tensor_info *llm_model_tensor(const llm_model *m, int i) {
    return (m && i >= 0 && i < m->n_tensors) ? &m->tensors[i] : NULL;
}
LLMDEF float *llm_model_params(llm_model *m) {
    if (m) llm__model_materialize(m);
    return m ? m->params : NULL;
}
LLMDEF const float *llm_model_params_const(const llm_model *m) { return m ? m->params : NULL; }

/* The model's tokenizer: its own copy, made by llm__tokenizer_clone (>>formats). */
LLMDEF const llm_tokenizer *llm_model_tokenizer(const llm_model *m) { return m ? m->tokenizer : NULL; }
LLMDEF llm_status llm_model_set_tokenizer(llm_model *m, const llm_tokenizer *tok, llm_error *err) {
    llm_tokenizer *copy = NULL;
    llm_status st;
    if (!m) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model");
    if (tok && tok->n > m->cfg.vocab_size)   /* (a smaller one is padded: Qwen's 151669 tokens for 151936 rows) */
        return llm__fail(err, LLM_ERR_INVALID_ARG, "the tokenizer has %d tokens, the model's vocabulary %d",
                         (int)tok->n, m->cfg.vocab_size);
    if (tok && (st = llm__tokenizer_clone(tok, &m->alloc, &copy, err)) != LLM_OK) return st;
    if (copy && (st = llm__tokenizer_pad(copy, m->cfg.vocab_size, err)) != LLM_OK) {
        llm_tokenizer_free(copy);
        return st;
    }
    llm_tokenizer_free(m->tokenizer);
    m->tokenizer = copy;
    llm__ok(err);
    return LLM_OK;
}

static float *llm__PW(float *base, size_t off) { return off == LLM__NONE ? NULL : base + off; }


/* =========================================================================================
   >>quant: tensor types. Besides fp32, a model read from a GGUF file (or passed through
   llm_model_quantize) may keep a quantized copy of its matrices, in ggml's block formats,
   which sessions decode with integer dot products (>>kernels, llm__qmatmul); the fp32
   parameters stay the reference (training, the GPU, fallbacks). The formats, per block:
     F16, BF16   one 16-bit float per value
     Q8_0   32 values: d (f16), q[32] (int8)                    x = d q            34 bytes
     Q4_0   32 values: d (f16), 16 bytes of 4-bit q            x = d (q - 8)       18 bytes
            (byte j holds value j in its low nibble and value j + 16 in its high one)
     Q4_K   256 values: d, dmin (f16), 12 bytes of 6-bit scales and mins for the eight
            sub-blocks of 32, 128 bytes of 4-bit q             x = d sc q - dmin m  144 bytes
            (bytes 0-31 hold sub-blocks 0 and 1 in low/high nibbles, and so on)
     Q5_0   32 values: d (f16), qh (uint32: bit j = 5th bit of value j), 16 bytes of low
            nibbles as Q4_0                                    x = d (q - 16)      22 bytes
     Q5_1   32 values: d, m (f16), qh, 16 bytes as Q5_0         x = d q + m         24 bytes
     Q5_K   256 values: d, dmin, 12 bytes of scales and mins as Q4_K, 32 bytes qh (bit 2i of
            byte l: 5th bit of value l of sub-block 2i, bit 2i+1: of sub-block 2i+1), 128
            bytes of low nibbles as Q4_K                       x = d sc q - dmin m  176 bytes
            (llama.cpp's Q4_K_M falls back to Q5_0 for rows not in blocks of 256)
     Q6_K   256 values: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales
            (one per 16 values), d (f16)                       x = d sc (q - 32)    210 bytes
   ========================================================================================= */
typedef struct llm__qtype { int type; const char *name; int block, bytes; } llm__qtype;
static const llm__qtype llm__qtypes[] = {
    {LLM_TYPE_F32, "F32", 1, 4},      {LLM_TYPE_F16, "F16", 1, 2},      {LLM_TYPE_BF16, "BF16", 1, 2},
    {LLM_TYPE_Q8_0, "Q8_0", 32, 34},  {LLM_TYPE_Q4_0, "Q4_0", 32, 18},  {LLM_TYPE_Q4_K, "Q4_K", 256, 144},
    {LLM_TYPE_Q6_K, "Q6_K", 256, 210}, {LLM_TYPE_Q5_0, "Q5_0", 32, 22},  {LLM_TYPE_Q5_1, "Q5_1", 32, 24},
    {LLM_TYPE_Q5_K, "Q5_K", 256, 176},
};
static const llm__qtype *llm__qinfo(int type) {
    size_t i;
    for (i = 0; i < sizeof llm__qtypes / sizeof llm__qtypes[0]; i++)
        if (llm__qtypes[i].type == type) return &llm__qtypes[i];
    return NULL;
}
/* ggml's name of a tensor type llm.h does not read (for the message that refuses it) */
static const char *llm__ggml_type_name(uint32_t type) {
    static const char *const names[] = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0",
                                        "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS",
                                        "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8",
                                        "I16", "I32", "I64", "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8",
                                        "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8",
                                        "MXFP4"};
    return type < sizeof names / sizeof names[0] ? names[type] : "a type unknown to ggml too";
}
LLMDEF const char *llm_type_name(llm_type t) { return llm__qinfo((int)t) ? llm__qinfo((int)t)->name : "unknown"; }
/* bytes of a row of n values (n a multiple of the block) */
static size_t llm__row_bytes(int type, size_t n) {
    const llm__qtype *q = llm__qinfo(type);
    return q ? n / (size_t)q->block * (size_t)q->bytes : 0;
}

/* IEEE half <-> float, rounding to nearest even; bfloat16 is the float's top half */
static float llm__f16_to_f32(uint16_t h) {
    const uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 31, m = h & 1023;
    uint32_t u;
    float f;
    if (e == 0) {   /* zero or subnormal: m * 2^-24 */
        f = (float)m * (1.0f / 16777216.0f);
        return s ? -f : f;
    }
    u = e == 31 ? s | 0x7f800000u | (m << 13) : s | ((e + 112) << 23) | (m << 13);
    memcpy(&f, &u, 4);
    return f;
}
static uint16_t llm__f32_to_f16(float f) {
    uint32_t u, s, e, m;
    memcpy(&u, &f, 4);
    s = (u >> 16) & 0x8000; e = (u >> 23) & 255; m = u & 0x7fffff;
    if (e == 255) return (uint16_t)(s | 0x7c00 | (m ? 0x200 : 0));   /* inf, nan */
    if (e > 142) return (uint16_t)(s | 0x7c00);                      /* overflow: inf */
    if (e < 113) {                                                   /* subnormal or zero */
        uint32_t shift, r;
        if (e < 102) return (uint16_t)s;
        m |= 0x800000; shift = 126 - e;
        r = m >> shift;
        if ((m & ((1u << shift) - 1)) > (1u << (shift - 1)) ||
            ((m & ((1u << shift) - 1)) == (1u << (shift - 1)) && (r & 1)))
            r++;
        return (uint16_t)(s | r);
    }
    {
        uint32_t h = ((e - 112) << 10) | (m >> 13), rest = m & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;   /* may carry into the exponent: right */
        return (uint16_t)(s | h);
    }
}
static float llm__bf16_to_f32(uint16_t h) { uint32_t u = (uint32_t)h << 16; float f; memcpy(&f, &u, 4); return f; }
static uint16_t llm__f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);   /* nan stays nan */
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}
static uint16_t llm__rd_u16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* Q4_K's 6-bit scale and min of sub-block j (0..7) from its 12 packed bytes */
static void llm__q4k_scale_min(int j, const unsigned char *q, int *sc, int *m) {
    if (j < 4) {
        *sc = q[j] & 63; *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}
/* n values (a multiple of the block) of a row in `type` to floats */
static void llm__dequant_row(int type, const unsigned char *src, float *dst, size_t n) {
    size_t i, b;
    int j, l;
    switch (type) {
    case LLM_TYPE_F32:
        for (i = 0; i < n; i++) { uint32_t u = llm__rd_u32(src + 4 * i); memcpy(dst + i, &u, 4); }
        break;
    case LLM_TYPE_F16: for (i = 0; i < n; i++) dst[i] = llm__f16_to_f32(llm__rd_u16(src + 2 * i)); break;
    case LLM_TYPE_BF16: for (i = 0; i < n; i++) dst[i] = llm__bf16_to_f32(llm__rd_u16(src + 2 * i)); break;
    case LLM_TYPE_Q8_0:
        for (b = 0; b < n / 32; b++, src += 34, dst += 32) {
            const float d = llm__f16_to_f32(llm__rd_u16(src));
            for (j = 0; j < 32; j++) dst[j] = d * (float)(int8_t)src[2 + j];
        }
        break;
    case LLM_TYPE_Q4_0:
        for (b = 0; b < n / 32; b++, src += 18, dst += 32) {
            const float d = llm__f16_to_f32(llm__rd_u16(src));
            for (j = 0; j < 16; j++) {
                dst[j] = d * (float)((src[2 + j] & 0xF) - 8);
                dst[j + 16] = d * (float)((src[2 + j] >> 4) - 8);
            }
        }
        break;
    case LLM_TYPE_Q4_K:
        for (b = 0; b < n / 256; b++, src += 144) {
            const float d = llm__f16_to_f32(llm__rd_u16(src)), dmin = llm__f16_to_f32(llm__rd_u16(src + 2));
            const unsigned char *sc = src + 4, *q = src + 16;
            for (j = 0; j < 8; j += 2, q += 32) {
                int s1, m1, s2, m2;
                llm__q4k_scale_min(j, sc, &s1, &m1);
                llm__q4k_scale_min(j + 1, sc, &s2, &m2);
                for (l = 0; l < 32; l++) *dst++ = d * (float)s1 * (float)(q[l] & 0xF) - dmin * (float)m1;
                for (l = 0; l < 32; l++) *dst++ = d * (float)s2 * (float)(q[l] >> 4) - dmin * (float)m2;
            }
        }
        break;
    case LLM_TYPE_Q5_0:
    case LLM_TYPE_Q5_1: {
        const int q51 = type == LLM_TYPE_Q5_1, bs = q51 ? 24 : 22;
        for (b = 0; b < n / 32; b++, src += bs, dst += 32) {
            const float d = llm__f16_to_f32(llm__rd_u16(src)), m = q51 ? llm__f16_to_f32(llm__rd_u16(src + 2)) : 0;
            const uint32_t qh = llm__rd_u32(src + 2 + 2 * q51);
            const unsigned char *qs = src + 6 + 2 * q51;
            for (j = 0; j < 16; j++) {
                const int v0 = (int)((qs[j] & 0xF) | (((qh >> j) & 1) << 4)),
                          v1 = (int)((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
                if (q51) { dst[j] = d * (float)v0 + m; dst[j + 16] = d * (float)v1 + m; }
                else { dst[j] = d * (float)(v0 - 16); dst[j + 16] = d * (float)(v1 - 16); }
            }
        }
        break;
    }
    case LLM_TYPE_Q5_K:
        for (b = 0; b < n / 256; b++, src += 176) {
            const float d = llm__f16_to_f32(llm__rd_u16(src)), dmin = llm__f16_to_f32(llm__rd_u16(src + 2));
            const unsigned char *sc = src + 4, *qh = src + 16, *q = src + 48;
            for (j = 0; j < 8; j += 2, q += 32) {
                int s1, m1, s2, m2;
                llm__q4k_scale_min(j, sc, &s1, &m1);
                llm__q4k_scale_min(j + 1, sc, &s2, &m2);
                for (l = 0; l < 32; l++)
                    *dst++ = d * (float)s1 * (float)((q[l] & 0xF) | (((qh[l] >> j) & 1) << 4)) - dmin * (float)m1;
                for (l = 0; l < 32; l++)
                    *dst++ = d * (float)s2 * (float)((q[l] >> 4) | (((qh[l] >> (j + 1)) & 1) << 4)) - dmin * (float)m2;
            }
        }
        break;
    case LLM_TYPE_Q6_K:
        for (b = 0; b < n / 256; b++, src += 210) {
            const unsigned char *ql = src, *qh = src + 128;
            const int8_t *sc = (const int8_t *)(src + 192);
            const float d = llm__f16_to_f32(llm__rd_u16(src + 208));
            int half;
            for (half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, dst += 128)
                for (l = 0; l < 32; l++) {
                    const int is = l / 16;
                    dst[l] = d * sc[is] * (float)((int)((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
                    dst[l + 32] = d * sc[is + 2] * (float)((int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                    dst[l + 64] = d * sc[is + 4] * (float)((int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                    dst[l + 96] = d * sc[is + 6] * (float)((int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
                }
        }
        break;
    default: break;
    }
}
/* Q4_K and Q5_K's scales of a superblock of 256 (each sub-block's own range [min(0, lo), hi]
   in nmax steps, 6-bit scales and mins of f16 d and dmin, written to hdr[0..15]) and its
   values 0..nmax in q */
static void llm__qk_quant(const float *src, int nmax, unsigned char *hdr, int *q) {
    float scale[8], mn[8], maxs = 0, maxm = 0, d, dmin;
    int sc[8], m[8], j, l;
    for (j = 0; j < 8; j++) {
        float lo = 0, hi = src[32 * j];
        for (l = 0; l < 32; l++) { lo = LLM__MIN(lo, src[32 * j + l]); hi = LLM__MAX(hi, src[32 * j + l]); }
        scale[j] = (hi - lo) / (float)nmax; mn[j] = -lo;
        maxs = LLM__MAX(maxs, scale[j]); maxm = LLM__MAX(maxm, mn[j]);
    }
    d = llm__f16_to_f32(llm__f32_to_f16(maxs / 63.0f));
    dmin = llm__f16_to_f32(llm__f32_to_f16(maxm / 63.0f));
    llm__put_le(hdr, llm__f32_to_f16(maxs / 63.0f), 2);
    llm__put_le(hdr + 2, llm__f32_to_f16(maxm / 63.0f), 2);
    for (j = 0; j < 8; j++) {
        sc[j] = d > 0 ? LLM__MIN(63, (int)lroundf(scale[j] / d)) : 0;
        m[j] = dmin > 0 ? LLM__MIN(63, (int)lroundf(mn[j] / dmin)) : 0;
    }
    for (j = 0; j < 4; j++) {
        hdr[4 + j] = (unsigned char)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
        hdr[8 + j] = (unsigned char)((m[j] & 63) | ((m[j + 4] >> 4) << 6));
        hdr[12 + j] = (unsigned char)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
    for (j = 0; j < 8; j++)
        for (l = 0; l < 32; l++) {
            const float step = d * (float)sc[j];
            const int v = step > 0 ? (int)lroundf((src[32 * j + l] + dmin * (float)m[j]) / step) : 0;
            q[32 * j + l] = LLM__MAX(0, LLM__MIN(nmax, v));
        }
}
/* n floats (a multiple of the block) to a row in `type`: F32, F16, BF16, Q8_0, Q4_0, Q5_0 and
   Q5_1 with ggml's reference rounding (Q8_0: d = max|x| / 127, q = round(x / d); Q4_0: d = the
   value of largest magnitude / -8, q = min(15, trunc(x / d + 8.5)); Q5_0: d = that value / -16,
   q = min(31, trunc(x / d + 16.5)); Q5_1: d = (max - min) / 31, m = min, q = trunc((x - min) / d
   + 0.5)); Q4_K, Q5_K and Q6_K by each sub-block's range. Returns 0 for other types. */
static int llm__quant_row(int type, const float *src, unsigned char *dst, size_t n) {
    size_t i, b;
    int j;
    switch (type) {
    case LLM_TYPE_F32: for (i = 0; i < n; i++) llm__put_le(dst + 4 * i, llm__f32_bits(src[i]), 4); return 1;
    case LLM_TYPE_F16: for (i = 0; i < n; i++) llm__put_le(dst + 2 * i, llm__f32_to_f16(src[i]), 2); return 1;
    case LLM_TYPE_BF16: for (i = 0; i < n; i++) llm__put_le(dst + 2 * i, llm__f32_to_bf16(src[i]), 2); return 1;
    case LLM_TYPE_Q8_0:
        for (b = 0; b < n / 32; b++, src += 32, dst += 34) {
            float amax = 0, d, id;
            for (j = 0; j < 32; j++) amax = LLM__MAX(amax, fabsf(src[j]));
            d = amax / 127.0f; id = d ? 1.0f / d : 0.0f;
            llm__put_le(dst, llm__f32_to_f16(d), 2);
            for (j = 0; j < 32; j++) dst[2 + j] = (unsigned char)(int8_t)lroundf(src[j] * id);
        }
        return 1;
    case LLM_TYPE_Q4_0:
        for (b = 0; b < n / 32; b++, src += 32, dst += 18) {
            float amax = 0, mx = 0, d, id;
            for (j = 0; j < 32; j++) if (fabsf(src[j]) > amax) { amax = fabsf(src[j]); mx = src[j]; }
            d = mx / -8.0f; id = d ? 1.0f / d : 0.0f;
            llm__put_le(dst, llm__f32_to_f16(d), 2);
            for (j = 0; j < 16; j++) {
                const float f0 = src[j] * id + 8.5f, f1 = src[j + 16] * id + 8.5f;   /* (NaN: 0) */
                const int q0 = f0 >= 0.0f && f0 < 16.0f ? (int)f0 : f0 >= 16.0f ? 15 : 0,
                          q1 = f1 >= 0.0f && f1 < 16.0f ? (int)f1 : f1 >= 16.0f ? 15 : 0;
                dst[2 + j] = (unsigned char)(q0 | (q1 << 4));
            }
        }
        return 1;
    case LLM_TYPE_Q5_0:
    case LLM_TYPE_Q5_1: {
        const int q51 = type == LLM_TYPE_Q5_1, bs = q51 ? 24 : 22;
        for (b = 0; b < n / 32; b++, src += 32, dst += bs) {
            float amax = 0, mx = 0, lo = src[0], hi = src[0], d, id;
            uint32_t qh = 0;
            for (j = 0; j < 32; j++) {
                if (fabsf(src[j]) > amax) { amax = fabsf(src[j]); mx = src[j]; }
                if (src[j] < lo) lo = src[j];
                if (src[j] > hi) hi = src[j];
            }
            d = q51 ? (hi - lo) / 31.0f : mx / -16.0f;
            id = d ? 1.0f / d : 0.0f;
            llm__put_le(dst, llm__f32_to_f16(d), 2);
            if (q51) llm__put_le(dst + 2, llm__f32_to_f16(lo), 2);
            for (j = 0; j < 16; j++) {   /* (out of range and NaN: clamped, 0) */
                const float f0 = q51 ? (src[j] - lo) * id + 0.5f : src[j] * id + 16.5f;
                const float f1 = q51 ? (src[j + 16] - lo) * id + 0.5f : src[j + 16] * id + 16.5f;
                const int q0 = f0 >= 0.0f && f0 < 32.0f ? (int)f0 : f0 >= 32.0f ? 31 : 0,
                          q1 = f1 >= 0.0f && f1 < 32.0f ? (int)f1 : f1 >= 32.0f ? 31 : 0;
                dst[6 + 2 * q51 + j] = (unsigned char)((q0 & 0xF) | ((q1 & 0xF) << 4));
                qh |= (uint32_t)(q0 >> 4) << j | (uint32_t)(q1 >> 4) << (j + 16);
            }
            llm__put_le(dst + 2 + 2 * q51, qh, 4);
        }
        return 1;
    }
    case LLM_TYPE_Q4_K:   /* 8 sub-blocks of 32, value = d sc q - dmin m, q 0..15, sc and m 6 bits */
    case LLM_TYPE_Q5_K: { /* the same with q 0..31 */
        const int k5 = type == LLM_TYPE_Q5_K, bs = k5 ? 176 : 144;
        for (b = 0; b < n / 256; b++, src += 256, dst += bs) {
            int q[256], l;
            unsigned char *qs = dst + (k5 ? 48 : 16);
            llm__qk_quant(src, k5 ? 31 : 15, dst, q);
            if (k5) memset(dst + 16, 0, 32);
            for (j = 0; j < 8; j += 2)   /* sub-blocks j and j + 1 share 32 bytes: low and high nibbles */
                for (l = 0; l < 32; l++) {
                    const int q0 = q[32 * j + l], q1 = q[32 * (j + 1) + l];
                    qs[16 * j + l] = (unsigned char)((q0 & 0xF) | ((q1 & 0xF) << 4));
                    if (k5) dst[16 + l] |= (unsigned char)(((q0 >> 4) << j) | ((q1 >> 4) << (j + 1)));
                }
        }
        return 1;
    }
    case LLM_TYPE_Q6_K:   /* 16 sub-blocks of 16, value = d sc (q - 32), q 0..63, sc int8 */
        for (b = 0; b < n / 256; b++, src += 256, dst += 210) {
            float scale[16], maxs = 0, d;
            int sc[16], l, q[256];
            for (j = 0; j < 16; j++) {
                float amax = 0;
                for (l = 0; l < 16; l++) amax = LLM__MAX(amax, fabsf(src[16 * j + l]));
                scale[j] = amax / 31.0f;
                maxs = LLM__MAX(maxs, scale[j]);
            }
            d = llm__f16_to_f32(llm__f32_to_f16(maxs / 127.0f));
            llm__put_le(dst + 208, llm__f32_to_f16(maxs / 127.0f), 2);
            for (j = 0; j < 16; j++) {
                sc[j] = d > 0 ? LLM__MIN(127, (int)lroundf(scale[j] / d)) : 0;
                dst[192 + j] = (unsigned char)(int8_t)sc[j];
                for (l = 0; l < 16; l++) {
                    const float step = d * (float)sc[j];
                    const int v = step > 0 ? (int)lroundf(src[16 * j + l] / step) : 0;
                    q[16 * j + l] = LLM__MAX(-32, LLM__MIN(31, v)) + 32;
                }
            }
            for (j = 0; j < 2; j++) {   /* halves of 128: ql 64 bytes, qh 32 bytes each */
                unsigned char *ql = dst + 64 * j, *qh = dst + 128 + 32 * j;
                const int *v = q + 128 * j;
                for (l = 0; l < 32; l++) {
                    ql[l] = (unsigned char)((v[l] & 0xF) | ((v[l + 64] & 0xF) << 4));
                    ql[l + 32] = (unsigned char)((v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4));
                    qh[l] = (unsigned char)((v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) |
                                            ((v[l + 96] >> 4) << 6));
                }
            }
        }
        return 1;
    default: return 0;
    }
}

/* A quantized matrix as the matmul sees it: rows of up to three tensors in a row (a Llama
   q|k|v or gate|up matrix), each with its type; and the products over it (>>qmatmul). */
typedef struct llm__qpart { int type; int rows; size_t row_bytes; const unsigned char *data; } llm__qpart;
typedef struct llm__qmat { int n; llm__qpart part[3]; } llm__qmat;
/* activations quantized for those products: a block of 32 int8 with its scale and sum */
typedef struct llm__q8x { float d; int32_t sum; int8_t q[32]; } llm__q8x;
static int llm__qmat_find(const llm_model *m, const float *w, int C, int OC, llm__qmat *q);
static void llm__qmatmul(const llm__kernels *kern, llm_threadpool *pool, float *out, const float *inp,
                         const llm__qmat *q, const float *bias, size_t N, int C, int OC, llm__q8x *xq);

/* =========================================================================================
   >>backend: the seam between the model logic and the machine

   The model logic further down (one transformer block, forward and backward; the training
   step; the session step) is written once. It reaches its heavy ops through a table of
   functions, llm__ops, over buffers that the backend owns. The CPU table (llm__cpu_ops, at
   the end of >>ops) is made of the readable ops below; it works on host memory and is the
   reference. llm_cuda.h supplies a table with the same signatures over GPU memory, and a
   backend is correct when each of its ops matches the CPU op on the same inputs.
   Every op gets a context: the table, the thread pool, and a workspace with one slice per
   thread that the trainer or session owning the context allocated once, so no op
   allocates.
   ========================================================================================= */
typedef struct llm__ctx llm__ctx;

/* A session's KV cache as one layer's attention sees it. The n new rows sit at positions
   pos0 .. pos0+n-1: each stores its k, v and attends to every position up to its own.
   Beam search: the n rows are n beams at one position (pos0 + bpos); each keeps its k, v in
   its own suffix cache and attends to the shared prompt (positions 0 .. pos0-1), then to
   its suffix (rows 0 .. bpos). */
typedef struct llm__kv {
    float *k, *v;        /* (NKV, n_ctx, hs) this layer's cache */
    int n_ctx, pos0;
    float *bk, *bv;      /* (n, NKV, bcap, hs) this layer's beam suffixes, or NULL */
    int bcap, bpos;
} llm__kv;

/* One AdamW update over a parameter buffer (see llm__adamw_update). */
typedef struct llm__adamw_args {
    float *params, *grads, *m, *v;    /* n floats each; grads are zeroed */
    size_t n;
    const llm_tensor_info *tensors;   /* weight decay applies to tensors whose flag is set */
    int n_tensors;
    float lr, beta1, beta2, eps, weight_decay;
    float grad_scale;                 /* gradient multiplier: 1 / micro-batches x clip factor */
    float bc1, bc2;                   /* bias corrections 1 - beta^t */
    const llm__kernels *kern;         /* (set by the CPU op: its vector loop) */
} llm__adamw_args;

/* What a trainer or session tells its backend when it makes its context. */
typedef struct llm__ctx_info {
    int bf16;               /* 1: bf16 matmul and attention inputs (fp32 accumulation) */
    size_t max_rows;        /* rows of the largest activation matrix an op will see */
    size_t max_cols;        /* its widest row (the vocabulary, for the logits) */
    int n_head, n_kv_head, head_dim;   /* the attention's shape */
} llm__ctx_info;

typedef struct llm__ops {
    const char *name;
    int host_memory;   /* 1: buffers are host memory (a trainer updates the model in place) */
    /* the context's backend state: made (x->dev) and released; NULL on the CPU */
    llm_status (*init)(llm__ctx *x, const llm__ctx_info *info);
    void (*fini)(llm__ctx *x);
    /* where the parameters are (fp32, n floats): a backend may keep a bf16 copy for its matmuls */
    llm_status (*set_params)(const llm__ctx *x, const float *params, size_t n);
    /* the first error the backend met since init, with its message (ops queue their work and
       keep the first failure; a context that failed stays failed); NULL on the CPU */
    llm_status (*check)(const llm__ctx *x, char *msg, size_t cap);
    /* memory: alloc returns zeroed memory; copy is within the backend's memory (the ranges may
       overlap, as with memmove); upload and download are done when they return */
    void *(*alloc)(const llm__ctx *x, size_t bytes);
    void (*free)(const llm__ctx *x, void *p);
    void (*upload)(const llm__ctx *x, void *dst, const void *src, size_t bytes);
    void (*download)(const llm__ctx *x, void *dst, const void *src, size_t bytes);
    void (*copy)(const llm__ctx *x, void *dst, const void *src, size_t bytes);
    void (*zero)(const llm__ctx *x, void *p, size_t bytes);
    /* the ops, each documented at its CPU definition below */
    void (*embed_fwd)(const llm__ctx *x, float *out, const int32_t *tok, const float *wte, const float *wpe,
                      size_t N, int T, int pos0, int C);
    void (*embed_bwd)(const llm__ctx *x, float *dwte, float *dwpe, const float *dout, const int32_t *tok,
                      size_t N, int T, int C);
    void (*norm_fwd)(const llm__ctx *x, float *out, float *mean, float *rstd, const float *inp, const float *w,
                     const float *b, size_t N, int C, float eps, int rms);
    void (*norm_bwd)(const llm__ctx *x, float *dinp, float *dw, float *db, const float *dout, const float *inp,
                     const float *w, const float *mean, const float *rstd, size_t N, int C, int rms);
    void (*matmul_fwd)(const llm__ctx *x, float *out, const float *inp, const float *w, const float *bias,
                       size_t N, int C, int OC);
    void (*matmul_bwd)(const llm__ctx *x, float *dinp, float *dw, float *dbias, const float *dout,
                       const float *inp, const float *w, size_t N, int C, int OC);
    void (*rope)(const llm__ctx *x, float *buf, const float *cosv, const float *sinv, size_t N, int T,
                 int n_heads, int stride, int hs, int dir);
    void (*attn_fwd)(const llm__ctx *x, float *out, float *lse, const float *qkv, int B, int T, int NH, int NKV,
                     int hs, float scale, int window);
    void (*attn_bwd)(const llm__ctx *x, float *dqkv, const float *dout, const float *qkv, const float *o,
                     const float *lse, int B, int T, int NH, int NKV, int hs, float scale, int window);
    void (*attn_kv)(const llm__ctx *x, float *out, const float *qkv, const llm__kv *kv, int n, int NH, int NKV,
                    int hs, float scale, int window);
    void (*gelu_fwd)(const llm__ctx *x, float *out, const float *inp, size_t n);
    void (*gelu_bwd)(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t n);
    void (*swiglu_fwd)(const llm__ctx *x, float *out, const float *inp, size_t N, int H);
    void (*swiglu_bwd)(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t N, int H);
    void (*add)(const llm__ctx *x, float *out, const float *a, const float *b, size_t n);
    void (*add_norm)(const llm__ctx *x, float *res, float *out, float *mean, float *rstd, const float *a,
                     const float *b, const float *w, const float *bias, size_t N, int C, float eps, int rms);
    void (*ce_fwd)(const llm__ctx *x, float *losses, float *lse, const float *logits, const int32_t *targets,
                   size_t N, int V, int ld);
    void (*ce_bwd)(const llm__ctx *x, float *logits, const float *lse, const int32_t *targets, size_t N, int V,
                   int ld, float dloss);
    void (*ce_fused)(const llm__ctx *x, float *losses, float *lse, float *logits, const int32_t *targets,
                     size_t N, int V, int ld, float dloss);
    double (*sumsq)(const llm__ctx *x, const float *v, size_t n, double *parts);
    void (*adamw)(const llm__ctx *x, const llm__adamw_args *a);
    int32_t (*argmax)(const llm__ctx *x, const float *v, int n);
    /* the newer families' ops (Qwen3, Gemma 3); a backend without them leaves them NULL and
       llm__pick_ops keeps such models on the CPU */
    void (*scale)(const llm__ctx *x, float *buf, float s, size_t n);
    void (*headnorm_fwd)(const llm__ctx *x, float *buf, float *saved, float *rstd, const float *wq, const float *wk,
                         size_t N, int NH, int NKV, int hs, int stride, float eps);
    void (*headnorm_bwd)(const llm__ctx *x, float *dbuf, float *dwq, float *dwk, const float *saved,
                         const float *wq, const float *wk, const float *rstd, size_t N, int NH, int NKV, int hs,
                         int stride);
    void (*geglu_fwd)(const llm__ctx *x, float *out, const float *inp, size_t N, int H);
    void (*geglu_bwd)(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t N, int H);
    /* 1: runs every family (the ops above, an attention scale and window, head_dim apart from
       dim/n_head, q/k/v biases); 0: GPT-2 and Llama as they were (see llm__backend_lacks) */
    int all_families;
} llm__ops;

struct llm__ctx {
    const llm__ops *ops;
    llm_threadpool *pool;
    llm__kernels kern;    /* the CPU kernels (the pool's, or chosen for this context) */
    const llm_model *qmodel;   /* a session over a model with quantized copies: its matmuls use them */
    struct llm__q8x *qbuf;     /* (its quantized activations) */
    llm_allocator alloc;
    float *ws;            /* nth x ws_stride floats of scratch: slice i belongs to part i */
    size_t ws_stride;
    void *dev;            /* backend state (llm_cuda.h: stream, library handles, scratch) */
    int prefill;          /* a session's prefill: even a few rows take the GEMM (>>matmul) */
    char name[80];        /* "cpu", "cuda:<device name>" */
};

/* Floats of per-thread workspace that a GEMM of at most max_rows output rows packs into
   (0 for none); attention tiles (llm__attn_ws) share the same slice. */
static size_t llm__gemm_ws(int max_rows);
static size_t llm__attn_ws(int T, int NH, int NKV, int hs);
static size_t llm__kv_ws(int NH, int NKV, int hs);

/* =========================================================================================
   >>ops: each forward directly above its backward. Activations are row-major: N rows
   (N = B*T in training, the new tokens in a session) of C floats. Backward functions *add*
   into parameter gradients (dw, db) and, where noted, into dinp. Work is split over rows or
   over columns so that every output element is computed by one thread in a fixed order:
   results do not depend on the number of threads.
   ========================================================================================= */

/* Dot product with 16 independent partial sums: the compiler keeps them in one vector
   register (no -ffast-math needed) and the order is fixed, so results are reproducible. */
static float llm__dot(const float *LLM__RESTRICT a, const float *LLM__RESTRICT b, int n) {
    float acc[16] = {0};
    float s = 0;
    int i = 0, u;
    for (; i + 16 <= n; i += 16)
        for (u = 0; u < 16; u++) acc[u] += a[i + u] * b[i + u];
    for (; i < n; i++) s += a[i] * b[i];
    for (u = 0; u < 16; u++) s += acc[u];
    return s;
}
/* exp(x) for x <= 0 (softmax after subtracting the max, the sampler, GELU's tanh). libm's
   expf is a call per element; this one is plain arithmetic without branches, so the loops
   over the vocabulary vectorise (8-16 tokens per instruction, ~5x faster than expf at
   -O2 -march=native). The method (Cephes' expf):
       exp(x) = 2^n * exp(r),  n = round(x / ln 2),  r = x - n ln 2 in [-ln2/2, ln2/2]
   with n ln 2 subtracted in two parts (Cody-Waite: the first part has few bits, so n times
   it is exact), exp(r) = 1 + r + r^2 P(r) with P of degree 5, and 2^n built directly in the
   float's exponent bits. Relative error below 3e-7 (tested). x < -87 (where exp(x) <
   2^-125) gives 0, and so does -inf (a banned token). The selects are done on the bits
   with a mask, because a `?:` on floats stops GCC from vectorising the loop. */
LLM__INLINE float llm__exp_neg(float x) {
    const float lo = -87.0f;
    uint32_t keep = 0u - (uint32_t)(x >= lo), xb, lb, yb; /* all ones, or 0 below -87 */
    float xc, n, r, p, y, scale;
    int32_t ni;
    memcpy(&xb, &x, 4);
    memcpy(&lb, &lo, 4);
    xb = (xb & keep) | (lb & ~keep); /* x clamped to [-87, 0] */
    memcpy(&xc, &xb, 4);
    ni = (int32_t)(xc * 1.44269504088896341f - 0.5f); /* rounds (truncation of a value <= 0) */
    yb = (uint32_t)(ni + 127) << 23;                  /* 2^ni, ni in [-126, 0] */
    memcpy(&scale, &yb, 4);
    n = (float)ni;
    r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    y = (p * r * r + r + 1.0f) * scale;
    memcpy(&yb, &y, 4);
    yb &= keep; /* 0 below -87 */
    memcpy(&y, &yb, 4);
    return y;
}

/* y += alpha * x */
static void llm__axpy(float *LLM__RESTRICT y, float alpha, const float *LLM__RESTRICT x, int n) {
    int i;
    for (i = 0; i < n; i++) y[i] += alpha * x[i];
}

/* ---- >>embedding: out[r] = wte[tok[r]] + wpe[pos0 + r % T] (wpe only for GPT-2) ----
   out (N, C), tok (N), wte (Vp, C), wpe (maxT, C) or NULL. Training passes B*T rows with
   pos0 = 0 (row b*T + t is position t); a session passes its new rows at pos0 = its
   position and T = N (beams: T = 1, every row at pos0). */
static void llm__embed_forward(const llm__ctx *x, float *out, const int32_t *tok, const float *wte,
                               const float *wpe, size_t N, int T, int pos0, int C) {
    size_t r;
    int i;
    LLM__UNUSED(x);
    for (r = 0; r < N; r++) {
        float *o = out + r * C;
        const float *e = wte + (size_t)tok[r] * C;
        if (wpe) {
            const float *p = wpe + (size_t)(pos0 + (int)(r % (size_t)T)) * C;
            for (i = 0; i < C; i++) o[i] = e[i] + p[i];
        } else {
            memcpy(o, e, (size_t)C * sizeof(float));
        }
    }
}
/* dwte (Vp, C) += scatter of dout; dwpe (maxT, C) += dout summed over the sequences */
static void llm__embed_backward(const llm__ctx *x, float *dwte, float *dwpe, const float *dout, const int32_t *tok,
                                size_t N, int T, int C) {
    size_t r;
    int i;
    LLM__UNUSED(x);
    for (r = 0; r < N; r++) {
        const float *d = dout + r * C;
        float *e = dwte + (size_t)tok[r] * C;
        for (i = 0; i < C; i++) e[i] += d[i];
        if (dwpe) {
            float *p = dwpe + (r % (size_t)T) * C;
            for (i = 0; i < C; i++) p[i] += d[i];
        }
    }
}

/* ---- >>scale (Gemma 3's embedding: times sqrt(dim), in fp32): buf (n) *= s. Its backward is
   itself: the gradient of the scaled rows is scaled by the same s. ---- */
typedef struct llm__scale_args { float *buf; float s; } llm__scale_args;
static void llm__scale_rng(void *c, size_t lo, size_t hi) {
    const llm__scale_args *a = (const llm__scale_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) a->buf[i] *= a->s;
}
static void llm__scale(const llm__ctx *x, float *buf, float s, size_t n) {
    llm__scale_args a;
    a.buf = buf; a.s = s;
    llm__parallel_for(x->pool, n, llm__scale_rng, &a);
}

/* ---- >>layernorm (GPT-2): y = (x - mean) * rstd * w + b; rmsnorm (Llama): y = x * rstd * w
   out (N, C), mean (N) (unused for rmsnorm), rstd (N), inp (N, C), w, b (C) ---- */
typedef struct llm__norm_args {
    float *out, *mean, *rstd, *dinp, *dw, *db;
    const float *inp, *dout, *w, *b;
    int C, rms;
    float eps;
    size_t N;
} llm__norm_args;
static void llm__norm_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__norm_args *a = (const llm__norm_args *)c;
    size_t r;
    int i, C = a->C;
    for (r = lo; r < hi; r++) {
        const float *x = a->inp + r * C;
        float *y = a->out + r * C;
        double m = 0, v = 0;
        float mean, rstd;
        if (!a->rms) { for (i = 0; i < C; i++) m += x[i]; m /= C; }
        for (i = 0; i < C; i++) { double d = x[i] - m; v += d * d; }
        v /= C;
        mean = (float)m;
        rstd = (float)(1.0 / sqrt(v + a->eps));
        for (i = 0; i < C; i++) y[i] = (x[i] - mean) * rstd * a->w[i] + (a->b ? a->b[i] : 0.0f);
        if (a->mean) a->mean[r] = mean;
        a->rstd[r] = rstd;
    }
}
static void llm__norm_forward(const llm__ctx *x, float *out, float *mean, float *rstd, const float *inp,
                              const float *w, const float *b, size_t N, int C, float eps, int rms) {
    llm__norm_args a;
    memset(&a, 0, sizeof a);
    a.out = out; a.mean = rms ? NULL : mean; a.rstd = rstd; a.inp = inp; a.w = w; a.b = b;
    a.N = N; a.C = C; a.eps = eps; a.rms = rms;
    llm__parallel_for(x->pool, N, llm__norm_fwd_rows, &a);
}
/* dinp += d/dx (rows in parallel) */
static void llm__norm_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__norm_args *a = (const llm__norm_args *)c;
    size_t r;
    int i, C = a->C;
    for (r = lo; r < hi; r++) {
        const float *x = a->inp + r * C, *dy = a->dout + r * C;
        float *dx = a->dinp + r * C;
        float mean = a->rms ? 0.0f : a->mean[r], rstd = a->rstd[r];
        double dm = 0, dnm = 0;
        float fdm, fdnm;
        for (i = 0; i < C; i++) {
            float norm = (x[i] - mean) * rstd, dnorm = dy[i] * a->w[i];
            dm += dnorm; dnm += (double)dnorm * norm;
        }
        fdm = a->rms ? 0.0f : (float)(dm / C);
        fdnm = (float)(dnm / C);
        for (i = 0; i < C; i++) {
            float norm = (x[i] - mean) * rstd, dnorm = dy[i] * a->w[i];
            dx[i] += (dnorm - fdm - norm * fdnm) * rstd;
        }
    }
}
/* dw += sum_r dout * norm, db += sum_r dout (columns in parallel: fixed row order) */
static void llm__norm_bwd_cols(void *c, size_t lo, size_t hi) {
    const llm__norm_args *a = (const llm__norm_args *)c;
    size_t r, i, C = (size_t)a->C;
    for (r = 0; r < a->N; r++) {
        const float *x = a->inp + r * C, *dy = a->dout + r * C;
        float mean = a->rms ? 0.0f : a->mean[r], rstd = a->rstd[r];
        for (i = lo; i < hi; i++) {
            a->dw[i] += dy[i] * ((x[i] - mean) * rstd);
            if (a->db) a->db[i] += dy[i];
        }
    }
}
static void llm__norm_backward(const llm__ctx *x, float *dinp, float *dw, float *db, const float *dout,
                               const float *inp, const float *w, const float *mean, const float *rstd,
                               size_t N, int C, int rms) {
    llm__norm_args a;
    memset(&a, 0, sizeof a);
    a.dinp = dinp; a.dw = dw; a.db = db; a.dout = dout; a.inp = inp; a.w = w;
    a.mean = (float *)(uintptr_t)mean; a.rstd = (float *)(uintptr_t)rstd;
    a.N = N; a.C = C; a.rms = rms;
    llm__parallel_for(x->pool, N, llm__norm_bwd_rows, &a);
    if (dw) llm__parallel_for(x->pool, (size_t)C, llm__norm_bwd_cols, &a);   /* (NULL: a frozen norm) */
}

/* ---- >>headnorm (Qwen3, Gemma 3): RMSNorm of each q and k head over its hs floats, before
   RoPE, in place on the first NH + NKV heads of N rows of `stride` floats (qkv: stride QKV).
   The q heads share the gain wq (hs), the k heads wk (hs). Training keeps the input of each
   row's heads, saved (N, (NH+NKV)*hs), and rstd (N, NH+NKV) for the backward; a session
   passes NULL for both. ---- */
typedef struct llm__hnorm_args {
    float *buf, *saved, *rstd, *dwq, *dwk;
    const float *wq, *wk;
    size_t N;
    int NH, nh, hs, stride;
    float eps;
} llm__hnorm_args;
static void llm__hnorm_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__hnorm_args *a = (const llm__hnorm_args *)c;
    size_t r;
    int h, i, hs = a->hs;
    for (r = lo; r < hi; r++)
        for (h = 0; h < a->nh; h++) {
            float *v = a->buf + r * (size_t)a->stride + (size_t)h * hs;
            const float *w = h < a->NH ? a->wq : a->wk;
            double ss = 0;
            float rstd;
            if (a->saved) memcpy(a->saved + (r * (size_t)a->nh + (size_t)h) * hs, v, (size_t)hs * sizeof(float));
            for (i = 0; i < hs; i++) ss += (double)v[i] * v[i];
            rstd = (float)(1.0 / sqrt(ss / hs + a->eps));
            for (i = 0; i < hs; i++) v[i] = v[i] * rstd * w[i];
            if (a->rstd) a->rstd[r * (size_t)a->nh + (size_t)h] = rstd;
        }
}
static void llm__headnorm_forward(const llm__ctx *x, float *buf, float *saved, float *rstd, const float *wq,
                                  const float *wk, size_t N, int NH, int NKV, int hs, int stride, float eps) {
    llm__hnorm_args a;
    memset(&a, 0, sizeof a);
    a.buf = buf; a.saved = saved; a.rstd = rstd; a.wq = wq; a.wk = wk;
    a.N = N; a.NH = NH; a.nh = NH + NKV; a.hs = hs; a.stride = stride; a.eps = eps;
    llm__parallel_for(x->pool, N, llm__hnorm_fwd_rows, &a);
}
/* dwq, dwk (hs) += sum over rows and heads of dy * norm (columns in parallel, fixed order) */
static void llm__hnorm_bwd_cols(void *c, size_t lo, size_t hi) {
    const llm__hnorm_args *a = (const llm__hnorm_args *)c;
    size_t r, i;
    int h;
    for (r = 0; r < a->N; r++)
        for (h = 0; h < a->nh; h++) {
            const float *dy = a->buf + r * (size_t)a->stride + (size_t)h * a->hs;
            const float *xs = a->saved + (r * (size_t)a->nh + (size_t)h) * a->hs;
            const float rstd = a->rstd[r * (size_t)a->nh + (size_t)h];
            float *dw = h < a->NH ? a->dwq : a->dwk;
            for (i = lo; i < hi; i++) dw[i] += dy[i] * (xs[i] * rstd);
        }
}
/* dx = (dy w - norm * mean(dy w norm)) * rstd, written over dy */
static void llm__hnorm_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__hnorm_args *a = (const llm__hnorm_args *)c;
    size_t r;
    int h, i, hs = a->hs;
    for (r = lo; r < hi; r++)
        for (h = 0; h < a->nh; h++) {
            float *d = a->buf + r * (size_t)a->stride + (size_t)h * hs;
            const float *xs = a->saved + (r * (size_t)a->nh + (size_t)h) * hs, *w = h < a->NH ? a->wq : a->wk;
            const float rstd = a->rstd[r * (size_t)a->nh + (size_t)h];
            double dnm = 0;
            float fdnm;
            for (i = 0; i < hs; i++) dnm += (double)(d[i] * w[i]) * (xs[i] * rstd);
            fdnm = (float)(dnm / hs);
            for (i = 0; i < hs; i++) d[i] = (d[i] * w[i] - xs[i] * rstd * fdnm) * rstd;
        }
}
/* In place on dbuf (rows of `stride`, the q and k heads): the output's gradient becomes the
   input's; the gains' gradients are added into dwq, dwk (NULL: frozen). */
static void llm__headnorm_backward(const llm__ctx *x, float *dbuf, float *dwq, float *dwk, const float *saved,
                                   const float *wq, const float *wk, const float *rstd, size_t N, int NH, int NKV,
                                   int hs, int stride) {
    llm__hnorm_args a;
    memset(&a, 0, sizeof a);
    a.buf = dbuf; a.saved = (float *)(uintptr_t)saved; a.rstd = (float *)(uintptr_t)rstd;
    a.dwq = dwq; a.dwk = dwk; a.wq = wq; a.wk = wk;
    a.N = N; a.NH = NH; a.nh = NH + NKV; a.hs = hs; a.stride = stride;
    if (dwq && dwk) llm__parallel_for(x->pool, (size_t)hs, llm__hnorm_bwd_cols, &a);   /* before dy is overwritten */
    llm__parallel_for(x->pool, N, llm__hnorm_bwd_rows, &a);
}

/* ---- >>matmul: out (N, OC) = inp (N, C) @ w (OC, C)^T + bias (OC) ----
   A few rows (decoding a token) are matrix-vector work: llm__matvec streams the weights
   once with the output columns split over the threads. More rows go to llm__gemm, the one
   matrix multiply behind every matmul (both in >>kernels). The two sum in different orders,
   so a row's bits depend on the path; within a path they do not depend on the other rows.
   A session's prefill (x->prefill) therefore sends every chunk to the GEMM, its last few
   rows too: how n_batch cuts a prompt never changes a bit. */
#define LLM__MATVEC_ROWS 4  /* up to this many rows use the matrix-vector path */
typedef struct llm__bias_args { float *out; const float *bias, *dout; float *dbias; size_t N; int OC; } llm__bias_args;
static void llm__bias_rows(void *c, size_t lo, size_t hi) {
    const llm__bias_args *a = (const llm__bias_args *)c;
    size_t r;
    for (r = lo; r < hi; r++) memcpy(a->out + r * a->OC, a->bias, (size_t)a->OC * sizeof(float));
}
static void llm__matmul_forward(const llm__ctx *x, float *out, const float *inp, const float *w, const float *bias,
                                size_t N, int C, int OC) {
    llm__qmat q;
    /* decoding reads a quantized copy when there is one (>>qmatmul); more rows (a prefill)
       go through the fp32 GEMM, which is faster on a CPU when the fp32 weights are there */
    const int few = N <= LLM__MATVEC_ROWS && !x->prefill;
    if (x->qmodel && (few || x->qmodel->lazy) && llm__qmat_find(x->qmodel, w, C, OC, &q)) {
        llm__qmatmul(&x->kern, x->pool, out, inp, &q, bias, N, C, OC, x->qbuf);
        return;
    }
    if (few) {
        llm__matvec(&x->kern, x->pool, out, inp, w, bias, N, C, OC);
        return;
    }
    if (bias) {
        llm__bias_args a; a.out = out; a.bias = bias; a.N = N; a.OC = OC;
        llm__parallel_for(x->pool, N, llm__bias_rows, &a);
    }
    /* out (N, OC) (+)= inp (N, C) . w^T: A = inp, B(k, j) = w[j*C + k] */
    llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, OC, C, inp, C, 1, w, 1, C, out, OC, bias != NULL);
}
static void llm__bias_grad_cols(void *c, size_t lo, size_t hi) {
    const llm__bias_args *a = (const llm__bias_args *)c;
    size_t r, j;
    for (r = 0; r < a->N; r++) {
        const float *d = a->dout + r * a->OC;
        for (j = lo; j < hi; j++) a->dbias[j] += d[j];
    }
}
/* dinp (N, C) = dout @ w (written, not added); dw (OC, C) += dout^T @ inp; dbias += colsum
   (dw, dbias NULL: not wanted) */
static void llm__matmul_backward(const llm__ctx *x, float *dinp, float *dw, float *dbias, const float *dout,
                                 const float *inp, const float *w, size_t N, int C, int OC) {
    if (dinp) llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, C, OC, dout, OC, 1, w, C, 1, dinp, C, 0);
    if (dw) llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, OC, C, (int)N, dout, 1, OC, inp, C, 1, dw, C, 1);
    if (dbias) {
        llm__bias_args a; a.dbias = dbias; a.dout = dout; a.N = N; a.OC = OC;
        llm__parallel_for(x->pool, (size_t)OC, llm__bias_grad_cols, &a);
    }
}

/* ---- >>rope (Llama and later): rotate adjacent pairs (2i, 2i+1) of every q and k head by
   the angle pos * theta^(-2i/hs). cos/sin tables (rows of hs/2) are computed once per trainer
   or session the way llama2.c does (float pow, float angle), so imported models match it.
   Adjacent pairs are the one internal layout for every family: checkpoints that rotate
   halves (Hugging Face; GGUF qwen2 / qwen3 / gemma3) have their q, k rows permuted by the
   loaders (see >>model). Scaling (Llama 3, linear) and Gemma 3's second base only change
   the angles, so they live in the tables (llm__rope_table_cfg); the op is the same. ---- */
static void llm__rope_table(float *cosv, float *sinv, int pos0, int T, int hs, float theta) {
    int t, i;
    for (t = 0; t < T; t++)
        for (i = 0; i < hs / 2; i++) {
            float freq = 1.0f / powf(theta, (float)(2 * i) / (float)hs);
            float ang = (float)(pos0 + t) * freq;
            cosv[(size_t)t * (hs / 2) + i] = cosf(ang);
            sinv[(size_t)t * (hs / 2) + i] = sinf(ang);
        }
}
/* The frequency of pair i for the config's scaling (local: a Gemma 3 sliding layer, whose
   base is rope_local_theta, never scaled). Llama 3, per frequency inv = theta^(-2i/hs) with
   wavelength 2 pi / inv: short wavelengths (< orig / high_freq_factor) keep inv, long ones
   (> orig / low_freq_factor) get inv / factor, and those between blend the two with
   s = (orig / wavelength - low) / (high - low). Linear: inv / factor. */
static float llm__rope_inv(const llm_config *c, int i, int local) {
    const int hs = c->head_dim;
    const float inv = 1.0f / powf(local ? c->rope_local_theta : c->rope_theta, (float)(2 * i) / (float)hs);
    double wl, lo, hi, s;
    if (local || c->rope_type == LLM_ROPE_DEFAULT) return inv;
    if (c->rope_type == LLM_ROPE_LINEAR) return inv / c->rope_factor;
    wl = 2.0 * 3.141592653589793 / inv;
    lo = c->rope_orig_max_pos / c->rope_low_freq_factor;    /* longest wavelength kept... */
    hi = c->rope_orig_max_pos / c->rope_high_freq_factor;   /* ...and shortest scaled */
    if (wl < hi) return inv;
    if (wl > lo) return inv / c->rope_factor;
    s = (c->rope_orig_max_pos / wl - c->rope_low_freq_factor) / (c->rope_high_freq_factor - c->rope_low_freq_factor);
    return (float)((1.0 - s) * inv / c->rope_factor + s * inv);
}
/* The table of a config's layers (local: Gemma 3's sliding ones): unscaled RoPE with the
   global base is llm__rope_table itself, so plain Llama keeps its bits. */
static void llm__rope_table_cfg(float *cosv, float *sinv, int pos0, int T, const llm_config *c, int local) {
    const int hs = c->head_dim;
    int t, i;
    if (!local && c->rope_type == LLM_ROPE_DEFAULT) {
        llm__rope_table(cosv, sinv, pos0, T, hs, c->rope_theta);
        return;
    }
    for (t = 0; t < T; t++)
        for (i = 0; i < hs / 2; i++) {
            float ang = (float)(pos0 + t) * llm__rope_inv(c, i, local);
            cosv[(size_t)t * (hs / 2) + i] = cosf(ang);
            sinv[(size_t)t * (hs / 2) + i] = sinf(ang);
        }
}
typedef struct llm__rope_args { float *x; const float *cosv, *sinv; int T, hs, n_heads, stride, dir; } llm__rope_args;
static void llm__rope_rows(void *c, size_t lo, size_t hi) {
    const llm__rope_args *a = (const llm__rope_args *)c;
    size_t r;
    int h, i, half = a->hs / 2;
    for (r = lo; r < hi; r++) {
        const float *cs = a->cosv + (r % (size_t)a->T) * half, *sn = a->sinv + (r % (size_t)a->T) * half;
        for (h = 0; h < a->n_heads; h++) {
            float *v = a->x + r * (size_t)a->stride + (size_t)h * a->hs;
            for (i = 0; i < half; i++) {
                float x0 = v[2 * i], x1 = v[2 * i + 1], s = a->dir * sn[i];
                v[2 * i] = x0 * cs[i] - x1 * s;
                v[2 * i + 1] = x0 * s + x1 * cs[i];
            }
        }
    }
}
/* In place on the first n_heads heads (hs floats each) of N rows of `stride` floats; row r
   uses table row r % T. On qkv (stride QKV) the q and k heads are the first NH + NKV.
   dir = +1 rotates forward; dir = -1 rotates back, which is the backward pass (the rotation
   is orthogonal) and also moves cached keys to earlier positions. */
static void llm__rope(const llm__ctx *x, float *buf, const float *cosv, const float *sinv, size_t N, int T,
                      int n_heads, int stride, int hs, int dir) {
    llm__rope_args a;
    a.x = buf; a.cosv = cosv; a.sinv = sinv; a.T = T; a.hs = hs; a.n_heads = n_heads;
    a.stride = stride; a.dir = dir;
    llm__parallel_for(x->pool, N, llm__rope_rows, &a);
}

/* ---- >>attention: causal self-attention with grouped-query heads, in tiles with an online
   softmax (FlashAttention): no T x T matrix is ever stored, only a tile of scores per
   thread and the log-sum-exp of each row (B, NH, T) for the backward.
   qkv (B, T, QKV) with q heads at [0, C), k heads at [C, C+kvC), v heads at [C+kvC, QKV);
   out (B, T, C); query head h reads kv head h / (NH/NKV). Here C is the attention's width
   NH*hs (qC in >>model). Scores are q.k * scale (the config's attn_scale, 1/sqrt(hs) by
   default). window > 0 (Gemma 3's sliding layers): the query at position i sees only the
   keys j with i - window < j <= i, and key tiles entirely outside are skipped; 0: all j <= i.
   ---- */
#define LLM__ATT_BR 32   /* query rows per tile */
#define LLM__ATT_BC 64   /* keys per tile */

/* One step of the online softmax: the query q (hs) meets nk more keys K[j*ks] and values
   V[j*vs]. m and l are the running max of the scores and the running sum of exp(score - m);
   o (hs) is the running sum of exp(score - m) * v. When m grows, what was summed is
   rescaled by exp(m_old - m_new), so one pass over the keys gives softmax(q K^T) V = o / l
   without ever holding all scores. s: scratch for nk scores. */
static void llm__attend(const float *q, const float *K, size_t ks, const float *V, size_t vs, int nk, int hs,
                        float scale, float *s, float *m, float *l, float *o) {
    float mx = *m, corr, sum = 0;
    int j, d;
    if (nk <= 0) return;
    for (j = 0; j < nk; j++) {
        s[j] = llm__dot(q, K + (size_t)j * ks, hs) * scale;
        if (s[j] > mx) mx = s[j];
    }
    corr = llm__exp_neg(*m - mx);   /* rescale what was accumulated with the old max */
    for (j = 0; j < nk; j++) { s[j] = llm__exp_neg(s[j] - mx); sum += s[j]; }
    *l = *l * corr + sum;
    *m = mx;
    for (d = 0; d < hs; d++) o[d] *= corr;
    for (j = 0; j < nk; j++) llm__axpy(o, s[j], V + (size_t)j * vs, hs);
}

typedef struct llm__att_args {
    float *out, *lse, *dqkv, *ws;
    const float *qkv, *dout, *o;
    int B, T, NH, NKV, hs, window;
    float scale;
    size_t ws_stride;
} llm__att_args;
static void llm__att_fwd_task(void *c, int ith, int nth) {
    const llm__att_args *a = (const llm__att_args *)c;
    const int T = a->T, hs = a->hs, C = a->NH * hs, kvC = a->NKV * hs, QKV = C + 2 * kvC;
    const int group = a->NH / a->NKV, ntile = (T + LLM__ATT_BR - 1) / LLM__ATT_BR, W = a->window;
    const float scale = a->scale;
    float *S = a->ws + (size_t)ith * a->ws_stride;    /* (BC) scores */
    float *acc = S + LLM__ATT_BC;                      /* (BR, hs) output */
    float *mrow = acc + (size_t)LLM__ATT_BR * hs, *lrow = mrow + LLM__ATT_BR;
    size_t task, lo, hi;
    llm__split((size_t)a->B * a->NH * ntile, ith, nth, &lo, &hi);
    for (task = lo; task < hi; task++) {   /* one task: a tile of BR query rows of one head */
        const int b = (int)(task / ((size_t)a->NH * ntile)), h = (int)(task / ntile % a->NH);
        const int q0 = (int)(task % ntile) * LLM__ATT_BR, nq = LLM__MIN(LLM__ATT_BR, T - q0);
        const float *base = a->qkv + (size_t)b * T * QKV;
        const int qoff = h * hs, koff = C + (h / group) * hs, voff = C + kvC + (h / group) * hs;
        /* key tiles from the first one the window reaches up to the diagonal */
        const int kfirst = W > 0 ? LLM__MAX(0, q0 - W + 1) / LLM__ATT_BC * LLM__ATT_BC : 0;
        int r, k0, d;
        for (r = 0; r < nq; r++) { mrow[r] = -INFINITY; lrow[r] = 0; }
        memset(acc, 0, (size_t)nq * hs * sizeof(float));
        for (k0 = kfirst; k0 <= q0 + nq - 1; k0 += LLM__ATT_BC)
            for (r = 0; r < nq; r++) {
                const int tq = q0 + r, ks = W > 0 ? LLM__MAX(k0, tq - W + 1) : k0;   /* first key seen */
                const int nk = LLM__MIN(LLM__MIN(LLM__ATT_BC + k0, q0 + nq), tq + 1) - ks;
                llm__attend(base + (size_t)tq * QKV + qoff, base + (size_t)ks * QKV + koff, (size_t)QKV,
                            base + (size_t)ks * QKV + voff, (size_t)QKV, nk, hs, scale, S, &mrow[r], &lrow[r],
                            acc + (size_t)r * hs);
            }
        for (r = 0; r < nq; r++) {
            float *o = a->out + ((size_t)b * T + q0 + r) * C + h * hs;
            const float inv = 1.0f / lrow[r];
            for (d = 0; d < hs; d++) o[d] = acc[(size_t)r * hs + d] * inv;
            a->lse[((size_t)b * a->NH + h) * T + q0 + r] = mrow[r] + logf(lrow[r]);
        }
    }
}
/* out (B, T, C), lse (B, NH, T) from qkv (B, T, QKV) */
static void llm__attention_forward(const llm__ctx *x, float *out, float *lse, const float *qkv, int B, int T,
                                   int NH, int NKV, int hs, float scale, int window) {
    llm__att_args a;
    memset(&a, 0, sizeof a);
    a.out = out; a.lse = lse; a.qkv = qkv; a.ws = x->ws; a.ws_stride = x->ws_stride;
    a.B = B; a.T = T; a.NH = NH; a.NKV = NKV; a.hs = hs; a.scale = scale; a.window = window;
    llm__parallel(x->pool, llm__att_fwd_task, &a);
}

/* Backward (FlashAttention-2): one task per (batch, kv head) owns dK, dV of that head and dQ
   of its query group, so no two threads write the same gradient. For each key tile and each
   query tile at or below the diagonal the scores are recomputed from q, k and the saved
   log-sum-exp: P = exp(S - lse), dV += P^T dO, dP = dO V^T, dS = P * (dP - D) with
   D = rowsum(dO * O), dQ += dS K * scale, dK += dS^T Q * scale. */
static void llm__att_bwd_task(void *c, int ith, int nth) {
    const llm__att_args *a = (const llm__att_args *)c;
    const int T = a->T, hs = a->hs, C = a->NH * hs, kvC = a->NKV * hs, QKV = C + 2 * kvC;
    const int group = a->NH / a->NKV, W = a->window;
    const float scale = a->scale;
    float *D = a->ws + (size_t)ith * a->ws_stride;   /* (group, T) */
    size_t task, lo, hi;
    llm__split((size_t)a->B * a->NKV, ith, nth, &lo, &hi);
    for (task = lo; task < hi; task++) {
        const int b = (int)(task / a->NKV), kh = (int)(task % a->NKV);
        const float *base = a->qkv + (size_t)b * T * QKV;
        float *dbase = a->dqkv + (size_t)b * T * QKV;
        const int koff = C + kh * hs, voff = C + kvC + kh * hs;
        int g, t, k0, tq, j;
        /* zero this task's dK, dV, dQ columns and compute D for the group's heads */
        for (t = 0; t < T; t++) {
            memset(dbase + (size_t)t * QKV + koff, 0, (size_t)hs * sizeof(float));
            memset(dbase + (size_t)t * QKV + voff, 0, (size_t)hs * sizeof(float));
            for (g = 0; g < group; g++) {
                const int h = kh * group + g;
                const size_t ro = ((size_t)b * T + t) * C + (size_t)h * hs;
                memset(dbase + (size_t)t * QKV + h * hs, 0, (size_t)hs * sizeof(float));
                D[(size_t)g * T + t] = llm__dot(a->dout + ro, a->o + ro, hs);
            }
        }
        for (k0 = 0; k0 < T; k0 += LLM__ATT_BC) {
            const int nk = LLM__MIN(LLM__ATT_BC, T - k0);
            for (g = 0; g < group; g++) {
                const int h = kh * group + g, qoff = h * hs;
                const float *lse = a->lse + ((size_t)b * a->NH + h) * T;
                /* the queries that see this tile: from the diagonal to where the window leaves it */
                const int tend = W > 0 ? LLM__MIN(T, k0 + nk - 1 + W) : T;
                for (tq = k0 / LLM__ATT_BR * LLM__ATT_BR; tq < tend; tq++) {
                    const int jmax = LLM__MIN(nk, tq - k0 + 1), j0 = W > 0 ? LLM__MAX(0, tq - W + 1 - k0) : 0;
                    const float *q = base + (size_t)tq * QKV + qoff;
                    const float *dO = a->dout + ((size_t)b * T + tq) * C + (size_t)h * hs;
                    float *dq = dbase + (size_t)tq * QKV + qoff;
                    const float Dr = D[(size_t)g * T + tq];
                    for (j = j0; j < jmax; j++) {
                        const float *k = base + (size_t)(k0 + j) * QKV + koff;
                        const float *v = base + (size_t)(k0 + j) * QKV + voff;
                        const float p = llm__exp_neg(llm__dot(q, k, hs) * scale - lse[tq]);
                        const float ds = p * (llm__dot(dO, v, hs) - Dr) * scale;
                        llm__axpy(dbase + (size_t)(k0 + j) * QKV + voff, p, dO, hs);   /* dV */
                        llm__axpy(dq, ds, k, hs);                                        /* dQ */
                        llm__axpy(dbase + (size_t)(k0 + j) * QKV + koff, ds, q, hs);    /* dK */
                    }
                }
            }
        }
    }
}
/* dqkv (B, T, QKV) is written (not added); o is the forward output, dout its gradient. */
static void llm__attention_backward(const llm__ctx *x, float *dqkv, const float *dout, const float *qkv,
                                    const float *o, const float *lse, int B, int T, int NH, int NKV, int hs,
                                    float scale, int window) {
    llm__att_args a;
    memset(&a, 0, sizeof a);
    a.dqkv = dqkv; a.dout = dout; a.qkv = qkv; a.o = o; a.lse = (float *)(uintptr_t)lse;
    a.ws = x->ws; a.ws_stride = x->ws_stride;
    a.B = B; a.T = T; a.NH = NH; a.NKV = NKV; a.hs = hs; a.scale = scale; a.window = window;
    llm__parallel(x->pool, llm__att_bwd_task, &a);
}
static size_t llm__attn_ws(int T, int NH, int NKV, int hs) {
    size_t fwd = LLM__ATT_BC + (size_t)LLM__ATT_BR * hs + 2 * LLM__ATT_BR;
    size_t bwd = (size_t)(NH / NKV) * T;
    return LLM__MAX(fwd, bwd);
}

/* ---- attention over a session's KV cache (decoding and prefill): the n new rows first
   store their k and v, then row t (position pos0 + t) attends to cache positions
   0 .. pos0 + t with the same online softmax, one tile of keys at a time. One task per
   (row, kv head) serves the head's whole query group from one read of its keys. The cache
   is laid out (kv head, position, hs), so those reads are contiguous. A sliding window
   (window > 0) starts each row's keys at position pos - window + 1. ---- */
typedef struct llm__kv_args { float *out, *ws; const float *qkv; const llm__kv *kv; int n, NH, NKV, hs, window;
                              float scale; size_t ws_stride; } llm__kv_args;
/* The query group q (group, hs) meets the nkeys keys and values of K, V (rows of hs). */
static void llm__attend_group(const float *q, int group, int hs, float scale, const float *K, const float *V,
                              int nkeys, float *S, float *mrow, float *lrow, float *acc) {
    int k0, g;
    for (k0 = 0; k0 < nkeys; k0 += LLM__ATT_BC) {
        const int nk = LLM__MIN(LLM__ATT_BC, nkeys - k0);
        for (g = 0; g < group; g++)
            llm__attend(q + (size_t)g * hs, K + (size_t)k0 * hs, (size_t)hs, V + (size_t)k0 * hs, (size_t)hs, nk, hs,
                        scale, S, &mrow[g], &lrow[g], acc + (size_t)g * hs);
    }
}
static void llm__kv_task(void *c, int ith, int nth) {
    const llm__kv_args *a = (const llm__kv_args *)c;
    const llm__kv *kv = a->kv;
    const int hs = a->hs, group = a->NH / a->NKV, C = a->NH * hs, QKV = C + 2 * a->NKV * hs;
    float *S = a->ws + (size_t)ith * a->ws_stride;    /* (BC) */
    float *acc = S + LLM__ATT_BC;                      /* (group, hs) */
    float *mrow = acc + (size_t)group * hs, *lrow = mrow + group;
    size_t task, lo, hi;
    llm__split((size_t)a->n * a->NKV, ith, nth, &lo, &hi);
    for (task = lo; task < hi; task++) {
        const int t = (int)(task / a->NKV), kh = (int)(task % a->NKV);
        const float *K = kv->k + (size_t)kh * kv->n_ctx * hs, *V = kv->v + (size_t)kh * kv->n_ctx * hs;
        const float *q = a->qkv + (size_t)t * QKV + (size_t)kh * group * hs;
        int g, d;
        for (g = 0; g < group; g++) { mrow[g] = -INFINITY; lrow[g] = 0; }
        memset(acc, 0, (size_t)group * hs * sizeof(float));
        if (!kv->bk) {
            const int pos = kv->pos0 + t, k0 = a->window > 0 ? LLM__MAX(0, pos - a->window + 1) : 0;
            llm__attend_group(q, group, hs, a->scale, K + (size_t)k0 * hs, V + (size_t)k0 * hs, pos + 1 - k0, S, mrow,
                              lrow, acc);
        } else {   /* the shared prompt (positions k0 .. pos0-1), then this beam's own suffix */
            const size_t off = ((size_t)t * a->NKV + kh) * kv->bcap * hs;
            const int pos = kv->pos0 + kv->bpos, k0 = a->window > 0 ? LLM__MAX(0, pos - a->window + 1) : 0;
            const int s0 = LLM__MAX(0, k0 - kv->pos0);   /* the first suffix row the window sees */
            llm__attend_group(q, group, hs, a->scale, K + (size_t)k0 * hs, V + (size_t)k0 * hs, kv->pos0 - k0, S,
                              mrow, lrow, acc);
            llm__attend_group(q, group, hs, a->scale, kv->bk + off + (size_t)s0 * hs, kv->bv + off + (size_t)s0 * hs,
                              kv->bpos + 1 - s0, S, mrow, lrow, acc);
        }
        for (g = 0; g < group; g++) {
            float *o = a->out + (size_t)t * C + (size_t)(kh * group + g) * hs;
            const float inv = 1.0f / lrow[g];
            for (d = 0; d < hs; d++) o[d] = acc[(size_t)g * hs + d] * inv;
        }
    }
}
/* out (n, C) from the q of qkv (n, QKV); the k, v of qkv go into the cache first. */
static void llm__attention_kv(const llm__ctx *x, float *out, const float *qkv, const llm__kv *kv, int n, int NH,
                              int NKV, int hs, float scale, int window) {
    const int C = NH * hs, kvC = NKV * hs, QKV = C + 2 * kvC;
    llm__kv_args a;
    int t, h;
    for (t = 0; t < n; t++)
        for (h = 0; h < NKV; h++) {
            const float *row = qkv + (size_t)t * QKV;
            float *kd, *vd;
            if (kv->bk) {
                const size_t off = (((size_t)t * NKV + h) * kv->bcap + kv->bpos) * hs;
                kd = kv->bk + off; vd = kv->bv + off;
            } else {
                const size_t off = ((size_t)h * kv->n_ctx + kv->pos0 + t) * hs;
                kd = kv->k + off; vd = kv->v + off;
            }
            memcpy(kd, row + C + h * hs, (size_t)hs * sizeof(float));
            memcpy(vd, row + C + kvC + h * hs, (size_t)hs * sizeof(float));
        }
    memset(&a, 0, sizeof a);
    a.out = out; a.ws = x->ws; a.ws_stride = x->ws_stride; a.qkv = qkv; a.kv = kv;
    a.n = n; a.NH = NH; a.NKV = NKV; a.hs = hs; a.scale = scale; a.window = window;
    llm__parallel(x->pool, llm__kv_task, &a);
}
static size_t llm__kv_ws(int NH, int NKV, int hs) { return LLM__ATT_BC + (size_t)(NH / NKV) * (hs + 2); }

/* ---- >>gelu (GPT-2, tanh approximation): y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
   >>swiglu (Llama): inp (N, 2H) = [gate | up], y (N, H) = silu(gate) * up ---- */
typedef struct llm__act_args { float *out, *dinp; const float *inp, *dout; int H; } llm__act_args;
#define LLM__GELU_K 0.7978845608028654f /* sqrt(2/pi) */
/* tanh(u) = sign(u) (1 - e) / (1 + e) with e = exp(-2|u|) <= 1: vectorises, absolute error
   below 1e-6 (libm's tanhf is a call per element and dominated GPT-2's MLP time). */
LLM__INLINE float llm__tanh(float u) {
    const float e = llm__exp_neg(-2.0f * fabsf(u));
    return copysignf((1.0f - e) / (1.0f + e), u);
}
/* sigmoid(g) = 1 / (1 + exp(-g)) = (1 + tanh(g / 2)) / 2, through the same vectorising exp */
LLM__INLINE float llm__sigmoid(float g) { return 0.5f + 0.5f * llm__tanh(0.5f * g); }
static void llm__gelu_fwd_rng(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) {
        float x = a->inp[i];
        a->out[i] = 0.5f * x * (1.0f + llm__tanh(LLM__GELU_K * (x + 0.044715f * x * x * x)));
    }
}
/* out (n) = gelu(inp) */
static void llm__gelu_forward(const llm__ctx *x, float *out, const float *inp, size_t n) {
    llm__act_args a; a.out = out; a.inp = inp;
    llm__parallel_for(x->pool, n, llm__gelu_fwd_rng, &a);
}
static void llm__gelu_bwd_rng(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) {
        float x = a->inp[i], u = LLM__GELU_K * (x + 0.044715f * x * x * x);
        float th = llm__tanh(u), sech2 = 1.0f - th * th;
        float g = 0.5f * (1.0f + th) + 0.5f * x * sech2 * LLM__GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
        a->dinp[i] = g * a->dout[i];
    }
}
/* dinp (n) = gelu'(inp) * dout (written) */
static void llm__gelu_backward(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t n) {
    llm__act_args a; a.dinp = dinp; a.inp = inp; a.dout = dout;
    llm__parallel_for(x->pool, n, llm__gelu_bwd_rng, &a);
}
static void llm__swiglu_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t r;
    int i, H = a->H;
    for (r = lo; r < hi; r++) {
        const float *g = a->inp + r * 2 * H, *u = g + H;
        float *y = a->out + r * H;
        for (i = 0; i < H; i++) y[i] = g[i] * llm__sigmoid(g[i]) * u[i];
    }
}
/* out (N, H) from inp (N, 2H) */
static void llm__swiglu_forward(const llm__ctx *x, float *out, const float *inp, size_t N, int H) {
    llm__act_args a; a.out = out; a.inp = inp; a.H = H;
    llm__parallel_for(x->pool, N, llm__swiglu_fwd_rows, &a);
}
static void llm__swiglu_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t r;
    int i, H = a->H;
    for (r = lo; r < hi; r++) {
        const float *g = a->inp + r * 2 * H, *u = g + H, *dy = a->dout + r * H;
        float *dg = a->dinp + r * 2 * H, *du = dg + H;
        for (i = 0; i < H; i++) {
            float sig = llm__sigmoid(g[i]), silu = g[i] * sig;
            dg[i] = dy[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
            du[i] = dy[i] * silu;
        }
    }
}
/* dinp (N, 2H) written from dout (N, H) */
static void llm__swiglu_backward(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t N,
                                 int H) {
    llm__act_args a; a.dinp = dinp; a.inp = inp; a.dout = dout; a.H = H;
    llm__parallel_for(x->pool, N, llm__swiglu_bwd_rows, &a);
}

/* ---- >>geglu (Gemma 3): inp (N, 2H) = [gate | up] as for SwiGLU, y (N, H) = gelu(gate) * up
   with the tanh GELU above ---- */
LLM__INLINE float llm__gelu1(float x) {
    return 0.5f * x * (1.0f + llm__tanh(LLM__GELU_K * (x + 0.044715f * x * x * x)));
}
LLM__INLINE float llm__gelu1_grad(float x) {
    const float th = llm__tanh(LLM__GELU_K * (x + 0.044715f * x * x * x));
    return 0.5f * (1.0f + th) + 0.5f * x * (1.0f - th * th) * LLM__GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
}
static void llm__geglu_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t r;
    int i, H = a->H;
    for (r = lo; r < hi; r++) {
        const float *g = a->inp + r * 2 * H, *u = g + H;
        float *y = a->out + r * H;
        for (i = 0; i < H; i++) y[i] = llm__gelu1(g[i]) * u[i];
    }
}
/* out (N, H) from inp (N, 2H) */
static void llm__geglu_forward(const llm__ctx *x, float *out, const float *inp, size_t N, int H) {
    llm__act_args a; a.out = out; a.inp = inp; a.H = H;
    llm__parallel_for(x->pool, N, llm__geglu_fwd_rows, &a);
}
static void llm__geglu_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t r;
    int i, H = a->H;
    for (r = lo; r < hi; r++) {
        const float *g = a->inp + r * 2 * H, *u = g + H, *dy = a->dout + r * H;
        float *dg = a->dinp + r * 2 * H, *du = dg + H;
        for (i = 0; i < H; i++) {
            dg[i] = dy[i] * u[i] * llm__gelu1_grad(g[i]);
            du[i] = dy[i] * llm__gelu1(g[i]);
        }
    }
}
/* dinp (N, 2H) written from dout (N, H) */
static void llm__geglu_backward(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t N,
                                int H) {
    llm__act_args a; a.dinp = dinp; a.inp = inp; a.dout = dout; a.H = H;
    llm__parallel_for(x->pool, N, llm__geglu_bwd_rows, &a);
}

/* ---- >>residual: out = a + b (out may be a) ---- */
typedef struct llm__res_args { float *out; const float *a, *b; } llm__res_args;
static void llm__residual_rng(void *c, size_t lo, size_t hi) {
    const llm__res_args *r = (const llm__res_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) r->out[i] = r->a[i] + r->b[i];
}
static void llm__residual_forward(const llm__ctx *x, float *out, const float *a, const float *b, size_t n) {
    llm__res_args r; r.out = out; r.a = a; r.b = b;
    /* a decode step adds one row: waking the pool would cost more than the adds */
    if (n < 16384) llm__residual_rng(&r, 0, n);
    else llm__parallel_for(x->pool, n, llm__residual_rng, &r);
}
/* The backward of a residual add is the identity for both inputs: the model code passes the
   same gradient buffer down the residual stream and adds the branch gradients into it.
   res = a + b, then out = norm(res): the add in front of a norm, fused on backends where
   one pass over the rows saves a read (res may be a). */
static void llm__add_norm_forward(const llm__ctx *x, float *res, float *out, float *mean, float *rstd, const float *a,
                                  const float *b, const float *w, const float *bias, size_t N, int C, float eps,
                                  int rms) {
    llm__residual_forward(x, res, a, b, N * (size_t)C);
    llm__norm_forward(x, out, mean, rstd, res, w, bias, N, C, eps, rms);
}

/* ---- >>crossentropy: softmax over the real vocab V only (padded columns never count).
   logits (N, V) row stride ld; losses (N) = logsumexp - logit[target]; lse (N) saved.
   The backward overwrites logits with dlogits = (softmax - onehot) * dloss. A target of
   LLM_TARGET_IGNORE (-1) has loss 0 and gradient 0 (a prompt token in instruction tuning). ---- */
typedef struct llm__ce_args {
    float *logits, *losses, *lse;
    const int32_t *targets;
    int V, ld;
    float dloss;
} llm__ce_args;
static void llm__ce_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__ce_args *a = (const llm__ce_args *)c;
    size_t r;
    int i;
    for (r = lo; r < hi; r++) {
        const float *x = a->logits + r * a->ld;
        float mx = -INFINITY;
        double s = 0;
        for (i = 0; i < a->V; i++) if (x[i] > mx) mx = x[i];
        for (i = 0; i < a->V; i++) s += llm__exp_neg(x[i] - mx);
        a->lse[r] = mx + (float)log(s);
        if (a->losses) a->losses[r] = a->targets[r] < 0 ? 0.0f : a->lse[r] - x[a->targets[r]];
    }
}
static void llm__crossentropy_forward(const llm__ctx *x, float *losses, float *lse, const float *logits,
                                      const int32_t *targets, size_t N, int V, int ld) {
    llm__ce_args a;
    a.logits = (float *)(uintptr_t)logits; a.losses = losses; a.lse = lse; a.targets = targets; a.V = V; a.ld = ld;
    a.dloss = 0;
    llm__parallel_for(x->pool, N, llm__ce_fwd_rows, &a);
}
static void llm__ce_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__ce_args *a = (const llm__ce_args *)c;
    size_t r;
    int i;
    for (r = lo; r < hi; r++) {
        float *x = a->logits + r * a->ld;
        const float l = a->lse[r];
        if (a->targets[r] < 0) {   /* LLM_TARGET_IGNORE: no loss, no gradient */
            memset(x, 0, (size_t)a->V * sizeof(float));
            continue;
        }
        for (i = 0; i < a->V; i++) x[i] = llm__exp_neg(x[i] - l) * a->dloss;
        x[a->targets[r]] -= a->dloss;
    }
}
static void llm__crossentropy_backward(const llm__ctx *x, float *logits, const float *lse, const int32_t *targets,
                                       size_t N, int V, int ld, float dloss) {
    llm__ce_args a;
    a.logits = logits; a.lse = (float *)(uintptr_t)lse; a.losses = NULL; a.targets = targets; a.V = V; a.ld = ld;
    a.dloss = dloss;
    llm__parallel_for(x->pool, N, llm__ce_bwd_rows, &a);
}
/* Both at once, for training: the losses, then the logits overwritten by their gradient. */
static void llm__crossentropy_fused(const llm__ctx *x, float *losses, float *lse, float *logits,
                                    const int32_t *targets, size_t N, int V, int ld, float dloss) {
    llm__crossentropy_forward(x, losses, lse, logits, targets, N, V, ld);
    llm__crossentropy_backward(x, logits, lse, targets, N, V, ld, dloss);
}

/* ---- >>adamw, with PyTorch's semantics (torch.optim.AdamW), and the gradient norm ----
     p -= lr * wd * p                     (decoupled weight decay, tensors with decay set)
     m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2
     p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
   g is the accumulated gradient times grad_scale; the gradient is zeroed as it is used. */
static void llm__adamw_range(void *c, size_t lo, size_t hi) {
    const llm__adamw_args *o = (const llm__adamw_args *)c;
    const float b1 = o->beta1, b2 = o->beta2, eps = o->eps;
    const float step_size = o->lr / o->bc1, sbc2 = sqrtf(o->bc2);
    int t;
    for (t = 0; t < o->n_tensors; t++) {
        const llm_tensor_info *ti = &o->tensors[t];
        const size_t a = LLM__MAX(lo, ti->offset), b = LLM__MIN(hi, ti->offset + ti->size);
        const float decay = ti->decay ? 1.0f - o->lr * o->weight_decay : 1.0f;
        size_t i;
        if (a >= b) continue;
        i = o->kern->adamw(o, a, b, decay);   /* whole vectors, where the CPU has them */
        for (; i < b; i++) {
            float g = o->grads[i] * o->grad_scale, p = o->params[i] * decay;
            float mi = b1 * o->m[i] + (1.0f - b1) * g;
            float vi = b2 * o->v[i] + (1.0f - b2) * g * g;
            o->m[i] = mi; o->v[i] = vi;
            o->params[i] = p - step_size * mi / (sqrtf(vi) / sbc2 + eps);
            o->grads[i] = 0.0f;
        }
    }
}
static void llm__adamw_update(const llm__ctx *x, const llm__adamw_args *a) {
    llm__adamw_args o = *a;
    o.kern = &x->kern;
    llm__parallel_for(x->pool, a->n, llm__adamw_range, &o);
}
/* sum of v^2, deterministic: fixed chunks summed in double (parts: one per chunk), then in
   order, whatever the thread count */
#define LLM__NORM_CHUNK 16384
typedef struct llm__sumsq_args { const float *v; size_t n; double *parts; } llm__sumsq_args;
static void llm__sumsq_chunks(void *c, size_t lo, size_t hi) {
    const llm__sumsq_args *a = (const llm__sumsq_args *)c;
    size_t k, i;
    for (k = lo; k < hi; k++) {
        const size_t s = k * LLM__NORM_CHUNK, e = LLM__MIN(a->n, s + LLM__NORM_CHUNK);
        double acc[8] = {0};
        for (i = s; i + 8 <= e; i += 8) {
            int u;
            for (u = 0; u < 8; u++) acc[u] += (double)a->v[i + u] * a->v[i + u];
        }
        for (; i < e; i++) acc[0] += (double)a->v[i] * a->v[i];
        a->parts[k] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
}
static double llm__sumsq(const llm__ctx *x, const float *v, size_t n, double *parts) {
    const size_t nchunks = (n + LLM__NORM_CHUNK - 1) / LLM__NORM_CHUNK;
    llm__sumsq_args a;
    double sum = 0;
    size_t k;
    a.v = v; a.n = n; a.parts = parts;
    llm__parallel_for(x->pool, nchunks, llm__sumsq_chunks, &a);
    for (k = 0; k < nchunks; k++) sum += parts[k];
    return sum;
}

/* ---- the index of the largest of n values (the first among equals), or -1 when one is NaN
   or +Inf (the sampler then reports it): greedy decoding ---- */
static int32_t llm__argmax(const llm__ctx *x, const float *v, int n) {
    int i, best = 0;
    LLM__UNUSED(x);
    for (i = 0; i < n; i++) {
        if (v[i] != v[i] || v[i] == INFINITY) return -1;
        if (v[i] > v[best]) best = i;
    }
    return best;
}

/* ---- host memory, for the CPU table ---- */
static void *llm__host_alloc(const llm__ctx *x, size_t bytes) { return llm__calloc(&x->alloc, bytes, 1); }
static void llm__host_free(const llm__ctx *x, void *p) { llm__dealloc(&x->alloc, p); }
static void llm__host_copy(const llm__ctx *x, void *dst, const void *src, size_t bytes) {
    LLM__UNUSED(x);
    if (bytes && dst != src) memmove(dst, src, bytes);
}
static void llm__host_zero(const llm__ctx *x, void *p, size_t bytes) { LLM__UNUSED(x); if (bytes) memset(p, 0, bytes); }

/* The CPU backend: the reference every other backend is measured against. */
static const llm__ops llm__cpu_ops = {
    "cpu", 1,
    NULL, NULL, NULL, NULL,
    llm__host_alloc, llm__host_free, llm__host_copy, llm__host_copy, llm__host_copy, llm__host_zero,
    llm__embed_forward, llm__embed_backward,
    llm__norm_forward, llm__norm_backward,
    llm__matmul_forward, llm__matmul_backward,
    llm__rope,
    llm__attention_forward, llm__attention_backward, llm__attention_kv,
    llm__gelu_forward, llm__gelu_backward, llm__swiglu_forward, llm__swiglu_backward,
    llm__residual_forward, llm__add_norm_forward,
    llm__crossentropy_forward, llm__crossentropy_backward, llm__crossentropy_fused,
    llm__sumsq, llm__adamw_update, llm__argmax,
    llm__scale, llm__headnorm_forward, llm__headnorm_backward, llm__geglu_forward, llm__geglu_backward,
    1
};

/* What in a config a backend without all_families cannot run (NULL: nothing). RoPE scaling
   is only a table the backend is handed, so every backend runs it. */
LLM__MAYBE_UNUSED static const char *llm__backend_lacks(const llm__ops *o, const llm_config *c) {
    if (o->all_families) return NULL;
    if (c->arch != LLM_ARCH_GPT2 && c->arch != LLM_ARCH_LLAMA) return llm__family_name(c->arch);
    if (c->head_dim * c->n_head != c->dim) return "a head_dim other than dim / n_head";
    if (c->attn_scale != 1.0f / sqrtf((float)c->head_dim)) return "an attention scale other than 1/sqrt(head_dim)";
    return NULL;
}

/* The table a trainer or session asked for (see llm_backend): AUTO takes the GPU's when
   llm_cuda.h is compiled in and a GPU can be used, else the CPU's, and the log hears why. */
static llm_status llm__pick_ops(llm_backend b, const llm_config *c, llm_log_fn log_fn, void *log_user,
                                const llm__ops **out, llm_error *err) {
#if defined(LLM_CUDA)
    const char *why = NULL, *lack;
    const llm__ops *o = b == LLM_BACKEND_CPU ? NULL : llm__cuda_ops(&why);
    char msg[120];
    if (o && (lack = llm__backend_lacks(o, c)) != NULL) {   /* a model the GPU does not run yet */
        snprintf(msg, sizeof msg, "the GPU backend does not run %s yet", lack);
        if (b == LLM_BACKEND_CUDA) return llm__fail(err, LLM_ERR_UNSUPPORTED, "%s", msg);
        why = msg;
        o = NULL;
    }
    *out = o ? o : &llm__cpu_ops;
    if (o || b == LLM_BACKEND_CPU) return LLM_OK;
    if (b == LLM_BACKEND_CUDA) return llm__fail(err, LLM_ERR_CUDA, "no usable GPU: %s", why ? why : "unknown");
    llm__log(log_fn, log_user, 1, "llm.h: no usable GPU (%s): running on the CPU", why ? why : "unknown");
#else
    LLM__UNUSED(log_fn); LLM__UNUSED(log_user); LLM__UNUSED(c);
    *out = &llm__cpu_ops;
    if (b == LLM_BACKEND_CUDA)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "this build has no CUDA backend (compile with nvcc -DLLM_CUDA)");
#endif
    return LLM_OK;
}

/* A context on a backend table with ws_floats of CPU workspace per thread (0: none); info
   (may be NULL) tells the backend the precision and the largest activation it will see. */
static llm_status llm__ctx_init(llm__ctx *x, const llm__ops *ops, llm_threadpool *pool, const llm_allocator *al,
                                size_t ws_floats, const llm__ctx_info *info) {
    memset(x, 0, sizeof *x);
    x->ops = ops;
    x->pool = pool;
    if (al) x->alloc = *al;
    if (pool) x->kern = pool->kern;
    else llm__kernels_choose(&x->kern, al, ops->host_memory);   /* measures close variants (ms) */
    snprintf(x->name, sizeof x->name, "%s", ops->name);
    x->ws_stride = (ws_floats + 15) & ~(size_t)15;   /* slices stay 64-byte aligned */
    if (x->ws_stride && ops->host_memory) {
        x->ws = (float *)llm__alloc(al, x->ws_stride * (size_t)llm__pool_width(pool) * sizeof(float));
        if (!x->ws) return LLM_ERR_OUT_OF_MEMORY;
    }
    if (ops->init) {
        llm__ctx_info none;
        memset(&none, 0, sizeof none);
        return ops->init(x, info ? info : &none);
    }
    return LLM_OK;
}
/* The backend's first error, as the object's error (LLM_OK when there is none). */
static llm_status llm__ctx_check(const llm__ctx *x, llm__diag *d) {
    char msg[200];
    llm_status st;
    if (!x->ops || !x->ops->check) return LLM_OK;
    msg[0] = 0;
    if ((st = x->ops->check(x, msg, sizeof msg)) == LLM_OK) return LLM_OK;
    return llm__dfail(d, st, "%s: %s", x->name, msg);
}
static void llm__ctx_free(llm__ctx *x) {
    if (x->ops && x->ops->fini) x->ops->fini(x);
    llm__dealloc(&x->alloc, x->ws);
    x->ws = NULL;
}

/* =========================================================================================
   >>lora: low-rank adapters. An adapted matrix W (out, in) of a layer computes
   y = W x + s B (A x) with s = scale * alpha / r, A (r, in), B (out, r). The fused matrices
   (Llama's q|k|v and gate|up) take one adapter per part, on its rows [o0, o0 + rows).
   Forward: u = s (x A^T) (N, r); y[:, part] += u B^T. Backward (dy the output's gradient):
   dB += dy[:, part]^T u; du = s (dy[:, part] B); dA += du^T x; dx += du A.
   ========================================================================================= */
enum { LLM__LM_QKV = 0, LLM__LM_O = 1, LLM__LM_FC = 2, LLM__LM_DOWN = 3 };   /* a layer's fused matrices */
typedef struct llm__lora_slot {
    int layer, mat;      /* where: layer and matrix (LLM__LM_*) */
    int o0, rows, cols;  /* its output rows [o0, o0 + rows) of the fused matrix, input columns */
    size_t a, b;         /* offsets of A (r, cols) and B (rows, r) in params */
} llm__lora_slot;
struct llm_lora {
    llm_config cfg;            /* the base models it fits */
    int rank;
    float alpha;
    unsigned targets;
    float dropout;             /* training: the probability of dropping an input element */
    float *params;             /* n_params floats: A then B of every slot */
    size_t n_params;
    llm_tensor_info *tensors;  /* 2 per slot: "<base>.lora_a", "<base>.lora_b" */
    llm__lora_slot *slots;
    int n_slots;
    llm_allocator alloc;
};
/* One use of an adapter: trainer or session. u, du: (N, r) scratch; g: gradients (params'
   layout) or NULL. drop: dropout is on (a training forward and its backward), the masks drawn
   from drop_seed (the same in both), xd: (N, widest input) scratch for the dropped input. */
typedef struct llm__lora_run {
    const llm_lora *lo;
    float scale;               /* scale * alpha / r */
    float *u, *du;
    float *g;
    int drop;
    uint64_t drop_seed;
    float *xd;
} llm__lora_run;
/* the dropout mask: element i of slot si's input is kept when this is >= p (a hash, so the
   backward redraws the forward's mask without storing it) */
static float llm__lora_u(uint64_t seed, int si, size_t i) {
    uint64_t z = seed ^ ((uint64_t)(si + 1) * 0xD1B54A32D192ED03ull);
    z += (uint64_t)i * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) * (1.0f / 16777216.0f);
}
/* xd = dropout(in) for slot si: zeroed with probability p, the rest scaled by 1 / (1 - p) */
static const float *llm__lora_drop(const llm__lora_run *lr, int si, const float *in, size_t n) {
    const float p = lr->lo->dropout, keep = 1.0f / (1.0f - p);
    size_t i;
    if (!lr->drop || !(p > 0)) return in;
    for (i = 0; i < n; i++) lr->xd[i] = llm__lora_u(lr->drop_seed, si, i) < p ? 0.0f : in[i] * keep;
    return lr->xd;
}

/* the base tensor of a target: its name and place */
typedef struct llm__lora_target { unsigned bit; const char *name; int mat, part; } llm__lora_target;
static const llm__lora_target llm__lora_llama[7] = {{LLM_LORA_Q, "attn_q", LLM__LM_QKV, 0},
                                                    {LLM_LORA_K, "attn_k", LLM__LM_QKV, 1},
                                                    {LLM_LORA_V, "attn_v", LLM__LM_QKV, 2},
                                                    {LLM_LORA_O, "attn_output", LLM__LM_O, 0},
                                                    {LLM_LORA_GATE, "ffn_gate", LLM__LM_FC, 0},
                                                    {LLM_LORA_UP, "ffn_up", LLM__LM_FC, 1},
                                                    {LLM_LORA_DOWN, "ffn_down", LLM__LM_DOWN, 0}};
static const llm__lora_target llm__lora_gpt2[4] = {
    {LLM_LORA_QKV, "attn_qkv", LLM__LM_QKV, 0}, {LLM_LORA_O, "attn_output", LLM__LM_O, 0},
    {LLM_LORA_UP, "ffn_up", LLM__LM_FC, 0}, {LLM_LORA_DOWN, "ffn_down", LLM__LM_DOWN, 0}};
/* rows, first row and input columns of a target's part */
static void llm__lora_shape(const llm_config *c, const llm__lora_target *t, int *o0, int *rows, int *cols) {
    const int C = c->dim, qC = llm__qdim(c), kvC = c->n_kv_head * c->head_dim, H = c->ffn_dim;
    const int gpt2 = c->arch == LLM_ARCH_GPT2;
    *cols = t->mat == LLM__LM_DOWN ? H : t->mat == LLM__LM_O ? qC : C;   /* attn_output is (C, qC) */
    *o0 = 0;
    switch (t->mat) {
    case LLM__LM_QKV:   /* q (qC, C), k and v (kvC, C) */
        *rows = gpt2 ? 3 * C : t->part == 0 ? qC : kvC;
        *o0 = t->part == 0 ? 0 : t->part == 1 ? qC : qC + kvC;
        break;
    case LLM__LM_FC: *rows = H; *o0 = t->part * H; break;
    default: *rows = C; break;
    }
}
static int llm__lora_fits(const llm_config *a, const llm_config *b) {
    return a->arch == b->arch && a->dim == b->dim && a->n_layer == b->n_layer && a->n_head == b->n_head &&
           a->n_kv_head == b->n_kv_head && a->ffn_dim == b->ffn_dim && a->head_dim == b->head_dim;
}
LLMDEF void llm_lora_free(llm_lora *lo) {
    llm_allocator a;
    if (!lo) return;
    a = lo->alloc;
    llm__dealloc(&a, lo->params); llm__dealloc(&a, lo->tensors); llm__dealloc(&a, lo->slots);
    llm__dealloc(&a, lo);
}
/* An adapter of rank r on the targets, its parameters zero. */
static llm_status llm__lora_alloc(const llm_config *c, int rank, float alpha, unsigned targets,
                                  const llm_allocator *al, llm_lora **out, llm_error *err) {
    const int gpt2 = c->arch == LLM_ARCH_GPT2, nt = gpt2 ? 4 : 7;
    const llm__lora_target *tt = gpt2 ? llm__lora_gpt2 : llm__lora_llama;
    llm_lora *lo;
    int l, k, n = 0;
    size_t off = 0;
    *out = NULL;
    if (rank < 1 || rank > 1024)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "LoRA rank %d out of range (1..1024)", rank);
    if (!(alpha > 0) || !(alpha < 1e6f)) return llm__fail(err, LLM_ERR_INVALID_ARG, "LoRA alpha must be positive");
    if (!targets || (targets & ~127u) || (gpt2 && (targets & LLM_LORA_GATE)))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "LoRA targets 0x%x: %s", targets,
                         gpt2 ? "GPT-2 has QKV, O, UP and DOWN" : "Llama has Q, K, V, O, GATE, UP and DOWN");
    if (!(lo = (llm_lora *)llm__calloc(al, 1, sizeof *lo)))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (al) lo->alloc = *al;
    lo->cfg = *c; lo->rank = rank; lo->alpha = alpha;
    for (k = 0; k < nt; k++)
        if (targets & tt[k].bit) { lo->targets |= tt[k].bit; n++; }
    lo->slots = (llm__lora_slot *)llm__calloc(&lo->alloc, (size_t)n * (size_t)c->n_layer, sizeof *lo->slots);
    lo->tensors = (llm_tensor_info *)llm__calloc(&lo->alloc, (size_t)n * (size_t)c->n_layer * 2, sizeof *lo->tensors);
    if (!lo->slots || !lo->tensors) {
        llm_lora_free(lo);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (l = 0; l < c->n_layer; l++)
        for (k = 0; k < nt; k++) {
            llm__lora_slot *sl = &lo->slots[lo->n_slots];
            llm_tensor_info *ta = &lo->tensors[2 * lo->n_slots], *tb = ta + 1;
            if (!(lo->targets & tt[k].bit)) continue;
            sl->layer = l; sl->mat = tt[k].mat;
            llm__lora_shape(c, &tt[k], &sl->o0, &sl->rows, &sl->cols);
            sl->a = off; off += (size_t)rank * (size_t)sl->cols;
            sl->b = off; off += (size_t)sl->rows * (size_t)rank;
            snprintf(ta->name, sizeof ta->name, "blk.%d.%s.weight.lora_a", l, tt[k].name);
            snprintf(tb->name, sizeof tb->name, "blk.%d.%s.weight.lora_b", l, tt[k].name);
            ta->n_dims = tb->n_dims = 2;
            ta->shape[0] = rank; ta->shape[1] = sl->cols; ta->offset = sl->a; ta->size = (size_t)rank * sl->cols;
            tb->shape[0] = sl->rows; tb->shape[1] = rank; tb->offset = sl->b; tb->size = (size_t)sl->rows * rank;
            ta->decay = tb->decay = 1;
            lo->n_slots++;
        }
    lo->n_params = off;
    if (!(lo->params = (float *)llm__calloc(&lo->alloc, off, sizeof(float)))) {
        llm_lora_free(lo);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for %llu adapter parameters",
                         (unsigned long long)off);
    }
    *out = lo;
    return LLM_OK;
}
LLMDEF llm_status llm_lora_create(const llm_model *m, const llm_lora_desc *desc, llm_lora **out, llm_error *err) {
    llm_lora_desc d;
    llm_rng r;
    llm_status st;
    int i;
    if (out) *out = NULL;
    if (!m || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model or out");
    memset(&d, 0, sizeof d);
    if (desc) d = *desc;
    if (d.rank == 0) d.rank = 8;
    if (d.alpha == 0) d.alpha = (float)d.rank;
    if (!(d.dropout >= 0 && d.dropout < 1))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "LoRA dropout %g outside [0, 1)", (double)d.dropout);
    if (d.targets == 0) d.targets = m->cfg.arch == LLM_ARCH_GPT2 ? LLM_LORA_QKV : LLM_LORA_Q | LLM_LORA_V;
    if (!d.allocator.alloc_fn) d.allocator = m->alloc;
    if ((st = llm__lora_alloc(&m->cfg, d.rank, d.alpha, d.targets, &d.allocator, out, err)) != LLM_OK) return st;
    (*out)->dropout = d.dropout;
    llm_rng_seed(&r, d.seed);
    for (i = 0; i < (*out)->n_slots; i++) {   /* A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_, a = sqrt(5)) */
        const llm__lora_slot *sl = &(*out)->slots[i];
        const float bound = 1.0f / sqrtf((float)sl->cols);
        size_t k;
        for (k = 0; k < (size_t)d.rank * (size_t)sl->cols; k++)
            (*out)->params[sl->a + k] = bound * (2.0f * llm_rng_float(&r) - 1.0f);
    }
    llm__ok(err);
    return LLM_OK;
}
LLMDEF int llm_lora_rank(const llm_lora *lo) { return lo ? lo->rank : 0; }
LLMDEF float llm_lora_alpha(const llm_lora *lo) { return lo ? lo->alpha : 0.0f; }
LLMDEF unsigned llm_lora_targets(const llm_lora *lo) { return lo ? lo->targets : 0; }
LLMDEF size_t llm_lora_num_params(const llm_lora *lo) { return lo ? lo->n_params : 0; }
LLMDEF float *llm_lora_params(llm_lora *lo) { return lo ? lo->params : NULL; }
LLMDEF int llm_lora_num_tensors(const llm_lora *lo) { return lo ? 2 * lo->n_slots : 0; }
LLMDEF const llm_tensor_info *llm_lora_tensor(const llm_lora *lo, int i) {
    return lo && i >= 0 && i < 2 * lo->n_slots ? &lo->tensors[i] : NULL;
}
static void llm__scale_vec(float *v, size_t n, float s) {
    size_t i;
    for (i = 0; i < n; i++) v[i] *= s;
}
/* out (N, OC): the adapter's parts of matrix mat of layer l added (in: the matrix's input) */
static void llm__lora_fwd(const llm__ctx *x, const llm__lora_run *lr, int l, int mat, float *out, const float *in,
                          size_t N, int OC) {
    const llm_lora *lo = lr->lo;
    const int r = lo->rank, per = lo->n_slots / lo->cfg.n_layer;
    int i;
    for (i = l * per; i < (l + 1) * per; i++) {   /* (every layer has the same slots, in order) */
        const llm__lora_slot *sl = &lo->slots[i];
        const float *xin;
        if (sl->mat != mat) continue;
        xin = llm__lora_drop(lr, i, in, N * (size_t)sl->cols);   /* (training with dropout) */
        /* u (N, r) = s * in (N, cols) . A^T;  out[:, o0 .. o0 + rows) += u . B^T */
        llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, r, sl->cols, xin, sl->cols, 1, lo->params + sl->a, 1,
                  sl->cols, lr->u, r, 0);
        llm__scale_vec(lr->u, N * (size_t)r, lr->scale);
        llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, sl->rows, r, lr->u, r, 1, lo->params + sl->b, 1, r,
                  out + sl->o0, OC, 1);
    }
}
/* the backward of llm__lora_fwd: gradients of A and B into lr->g, dinp (N, cols) added to */
static void llm__lora_bwd(const llm__ctx *x, const llm__lora_run *lr, int l, int mat, float *dinp, const float *dout,
                          const float *in, size_t N, int OC) {
    const llm_lora *lo = lr->lo;
    const int r = lo->rank, per = lo->n_slots / lo->cfg.n_layer;
    int i;
    for (i = l * per; i < (l + 1) * per; i++) {
        const llm__lora_slot *sl = &lo->slots[i];
        const int drop = lr->drop && lo->dropout > 0;
        const float *xin;
        if (sl->mat != mat) continue;
        xin = llm__lora_drop(lr, i, in, N * (size_t)sl->cols);                   /* x: the (dropped) input */
        llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, r, sl->cols, xin, sl->cols, 1, lo->params + sl->a, 1,
                  sl->cols, lr->u, r, 0);
        llm__scale_vec(lr->u, N * (size_t)r, lr->scale);                         /* u = s x A^T */
        llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, sl->rows, r, (int)N, dout + sl->o0, 1, OC, lr->u, r, 1,
                  lr->g + sl->b, r, 1);                                           /* dB += dy^T u */
        llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, r, sl->rows, dout + sl->o0, OC, 1,
                  lo->params + sl->b, r, 1, lr->du, r, 0);
        llm__scale_vec(lr->du, N * (size_t)r, lr->scale);                        /* du = s dy B */
        llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, r, sl->cols, (int)N, lr->du, 1, r, xin, sl->cols, 1,
                  lr->g + sl->a, sl->cols, 1);                                    /* dA += du^T x */
        if (dinp && !drop)
            llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, sl->cols, r, lr->du, r, 1, lo->params + sl->a,
                      sl->cols, 1, dinp, sl->cols, 1);                            /* dx += du A */
        if (dinp && drop) {   /* through the dropout: dx += (du A) * mask / (1 - p) */
            const float p = lo->dropout, keep = 1.0f / (1.0f - p);
            size_t k;
            llm__gemm(&x->kern, x->pool, x->ws, x->ws_stride, (int)N, sl->cols, r, lr->du, r, 1, lo->params + sl->a,
                      sl->cols, 1, lr->xd, sl->cols, 0);
            for (k = 0; k < N * (size_t)sl->cols; k++)
                if (llm__lora_u(lr->drop_seed, i, k) >= p) dinp[k] += lr->xd[k] * keep;
        }
    }
}
/* the fused matrix mat of layer l in a model's parameters, and its row length */
static float *llm__lora_base(const llm_model *m, int l, int mat) {
    const llm__layer_off *o = &m->layers[l];
    const size_t off = mat == LLM__LM_QKV ? o->qkvw : mat == LLM__LM_O ? o->attprojw : mat == LLM__LM_FC ? o->fcw
                                                                                                      : o->fcprojw;
    return m->params + off;
}
LLMDEF llm_status llm_lora_merge(llm_model *m, const llm_lora *lo, float scale, llm_error *err) {
    int i;
    if (!m || !lo) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model or adapter");
    if (!llm__lora_fits(&m->cfg, &lo->cfg))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "the adapter was made for another model shape");
    if (m->lazy || m->n_quant)
        return llm__fail(err, LLM_ERR_UNSUPPORTED,
                         "merging needs fp32 weights without quantized copies (llm_model_quantize to F32 first)");
    for (i = 0; i < lo->n_slots; i++) {   /* W[o0 + j, k] += s * sum_q B[j, q] A[q, k] */
        const llm__lora_slot *sl = &lo->slots[i];
        const float s = scale * lo->alpha / (float)lo->rank;
        const int OC = sl->cols;
        float *W = llm__lora_base(m, sl->layer, sl->mat) + (size_t)sl->o0 * (size_t)OC;
        int j, q, k;
        for (j = 0; j < sl->rows; j++)
            for (q = 0; q < lo->rank; q++) {
                const float b = s * lo->params[sl->b + (size_t)j * lo->rank + q];
                const float *a = lo->params + sl->a + (size_t)q * sl->cols;
                for (k = 0; k < sl->cols; k++) W[(size_t)j * OC + k] += b * a[k];
            }
    }
    llm__ok(err);
    return LLM_OK;
}

/* =========================================================================================
   >>block: the transformer block, forward and backward, and the whole model around it.
   Training and sessions run the same llm__block_forward; they differ only in where the
   activations go (every layer's kept for the backward pass, or one layer's scratch reused)
   and in what the attention sees (the batch itself, or the KV cache).
   ========================================================================================= */

/* Gemma 3 multiplies the embedding by sqrt(dim), rounded to fp32 as Hugging Face rounds it. */
static float llm__embed_scale(const llm_config *c) { return (float)sqrt((double)c->dim); }

/* Pointers to one layer's weights, or to their gradients (same layout). NULL where the
   family has no such tensor (Llama has no biases). */
typedef struct llm__lw {
    float *ln1w, *ln1b;         /* (C) (C)          attn_norm */
    float *qkvw, *qkvb;         /* (QKV, C) (QKV)   attn_qkv, or attn_q|attn_k|attn_v (+ biases: Qwen2) */
    float *qnw, *knw;           /* (hs) (hs)        attn_q_norm, attn_k_norm (Qwen3, Gemma 3) */
    float *attprojw, *attprojb; /* (C, qC) (C)      attn_output */
    float *pn1w;                /* (C)              post_attention_norm (Gemma 3) */
    float *ln2w, *ln2b;         /* (C) (C)          ffn_norm */
    float *fcw, *fcb;           /* (FC, C) (FC)     ffn_up, or ffn_gate|ffn_up (FC = 2H) */
    float *fcprojw, *fcprojb;   /* (C, H) (C)       ffn_down */
    float *pn2w;                /* (C)              post_ffw_norm (Gemma 3) */
    const llm__lora_run *lora;  /* an adapter on this layer's matrices (forward: w; backward: dw), or NULL */
    int layer;
} llm__lw;
static void llm__layer_ptrs(const llm_model *m, float *base, int l, llm__lw *w) {
    const llm__layer_off *o = &m->layers[l];
    w->ln1w = llm__PW(base, o->ln1w); w->ln1b = llm__PW(base, o->ln1b);
    w->qkvw = llm__PW(base, o->qkvw); w->qkvb = llm__PW(base, o->qkvb);
    w->qnw = llm__PW(base, o->qnw); w->knw = llm__PW(base, o->knw);
    w->attprojw = llm__PW(base, o->attprojw); w->attprojb = llm__PW(base, o->attprojb);
    w->pn1w = llm__PW(base, o->pn1w); w->pn2w = llm__PW(base, o->pn2w);
    w->ln2w = llm__PW(base, o->ln2w); w->ln2b = llm__PW(base, o->ln2b);
    w->fcw = llm__PW(base, o->fcw); w->fcb = llm__PW(base, o->fcb);
    w->fcprojw = llm__PW(base, o->fcprojw); w->fcprojb = llm__PW(base, o->fcprojb);
    w->lora = NULL;
    w->layer = l;
}

/* Where one layer reads and writes, N rows of the residual stream. Training points each
   layer at its own slices (kept for the backward pass); a session points every layer at
   the same scratch and updates the stream in place (x == res2 == res3, ln1 == ln2 == tmp). */
typedef struct llm__la {
    const float *x;                   /* (N, C)   input: the residual stream */
    float *ln1, *ln1_mean, *ln1_rstd; /* (N, C) (N) (N) */
    float *qkv;                       /* (N, QKV) q, k after their norms and RoPE (Llama and later) */
    float *qk_in, *qk_rstd;           /* (N, (NH+NKV)*hs) (N, NH+NKV) q, k before the head norms and their
                                         rstd (Qwen3, Gemma 3 training; NULL in sessions) */
    float *atty;                      /* (N, qC)  attention output */
    float *lse;                       /* (B, NH, T) log-sum-exp of each row (training) */
    float *atto, *pn1_rstd;           /* (N, C) (N) Gemma 3: attn_output before post_attention_norm */
    float *res2;                      /* (N, C)   x + attention branch */
    float *ln2, *ln2_mean, *ln2_rstd; /* (N, C) (N) (N) */
    float *fch;                       /* (N, FC) */
    float *fch_act;                   /* (N, H)   after GELU / SwiGLU / GeGLU */
    float *mlpo, *pn2_rstd;           /* (N, C) (N) Gemma 3: ffn_down before post_ffw_norm */
    float *res3;                      /* (N, C)   output: res2 + MLP branch */
    float *tmp;                       /* (N, C)   a branch's output before its residual add */
} llm__la;

/* What the rows are: B sequences of T rows (training, the full forward), or the new rows of
   a session, whose attention goes through its KV cache. RoPE: row r uses table row
   r % rope_T of rope_cos/rope_sin (Gemma 3's sliding layers: of rope_lcos/rope_lsin). */
typedef struct llm__rows {
    size_t N;
    int B, T;
    const float *rope_cos, *rope_sin;
    const float *rope_lcos, *rope_lsin;
    int rope_T;
    const llm__kv *kv;   /* NULL: causal attention within each sequence of the batch */
} llm__rows;

/* The attention half: res2 = x + [post_attention_norm](attn_output(attention(q, k, v))) with
   q, k, v from attn_norm(x), biased (GPT-2, Qwen2), head-normed (Qwen3, Gemma 3) and rotated. */
static void llm__block_attn_fwd(const llm__ctx *x, const llm_config *c, const llm__lw *w, const llm__la *a,
                                const llm__rows *r) {
    const llm__ops *op = x->ops;
    const int C = c->dim, NH = c->n_head, NKV = c->n_kv_head, hs = c->head_dim, qC = NH * hs, QKV = llm__qkvdim(c);
    const int gpt2 = c->arch == LLM_ARCH_GPT2, win = llm__layer_window(c, w->layer);
    const size_t N = r->N;
    float *o = w->pn1w ? a->atto : a->tmp;   /* (N, C) the projection's output */
    op->norm_fwd(x, a->ln1, a->ln1_mean, a->ln1_rstd, a->x, w->ln1w, w->ln1b, N, C, c->norm_eps, !gpt2);
    op->matmul_fwd(x, a->qkv, a->ln1, w->qkvw, w->qkvb, N, C, QKV);
    if (w->lora) llm__lora_fwd(x, w->lora, w->layer, LLM__LM_QKV, a->qkv, a->ln1, N, QKV);
    if (w->qnw) op->headnorm_fwd(x, a->qkv, a->qk_in, a->qk_rstd, w->qnw, w->knw, N, NH, NKV, hs, QKV, c->norm_eps);
    if (!gpt2) op->rope(x, a->qkv, win ? r->rope_lcos : r->rope_cos, win ? r->rope_lsin : r->rope_sin, N, r->rope_T,
                        NH + NKV, QKV, hs, 1);
    if (r->kv) op->attn_kv(x, a->atty, a->qkv, r->kv, (int)N, NH, NKV, hs, c->attn_scale, win);
    else op->attn_fwd(x, a->atty, a->lse, a->qkv, r->B, r->T, NH, NKV, hs, c->attn_scale, win);
    op->matmul_fwd(x, o, a->atty, w->attprojw, w->attprojb, N, qC, C);
    if (w->lora) llm__lora_fwd(x, w->lora, w->layer, LLM__LM_O, o, a->atty, N, C);
    if (w->pn1w) op->norm_fwd(x, a->tmp, NULL, a->pn1_rstd, o, w->pn1w, NULL, N, C, c->norm_eps, 1);
}
static void llm__block_forward(const llm__ctx *x, const llm_config *c, const llm__lw *w, const llm__la *a,
                               const llm__rows *r) {
    const llm__ops *op = x->ops;
    const int C = c->dim, H = c->ffn_dim, gpt2 = c->arch == LLM_ARCH_GPT2, FC = gpt2 ? H : 2 * H;
    const size_t N = r->N;
    float *o = w->pn2w ? a->mlpo : a->tmp;   /* (N, C) ffn_down's output */
    llm__block_attn_fwd(x, c, w, a, r);
    /* MLP: res2 = x + attention, then norm -> up (and gate) -> GELU / SwiGLU / GeGLU -> down
       -> [post_ffw_norm] -> + res2 */
    op->add_norm(x, a->res2, a->ln2, a->ln2_mean, a->ln2_rstd, a->x, a->tmp, w->ln2w, w->ln2b, N, C, c->norm_eps,
                 !gpt2);
    op->matmul_fwd(x, a->fch, a->ln2, w->fcw, w->fcb, N, C, FC);
    if (w->lora) llm__lora_fwd(x, w->lora, w->layer, LLM__LM_FC, a->fch, a->ln2, N, FC);
    if (gpt2) op->gelu_fwd(x, a->fch_act, a->fch, N * H);
    else if (llm__is_gemma(c)) op->geglu_fwd(x, a->fch_act, a->fch, N, H);
    else op->swiglu_fwd(x, a->fch_act, a->fch, N, H);
    op->matmul_fwd(x, o, a->fch_act, w->fcprojw, w->fcprojb, N, H, C);
    if (w->lora) llm__lora_fwd(x, w->lora, w->layer, LLM__LM_DOWN, o, a->fch_act, N, C);
    if (w->pn2w) op->norm_fwd(x, a->tmp, NULL, a->pn2_rstd, o, w->pn2w, NULL, N, C, c->norm_eps, 1);
    op->add(x, a->res3, a->res2, a->tmp, N * C);
}

/* Activation gradients the backward pass works in (one layer at a time). */
typedef struct llm__lg {
    float *dres;    /* (N, C)   d loss / d residual stream: in d(res3), out d(x) */
    float *dbuf;    /* (N, max(C, qC)) a branch's input gradient before it joins dres */
    float *dpost;   /* (N, C)   Gemma 3: the gradient of a projection's output, through its post norm */
    float *dqkv;    /* (N, QKV) */
    float *dfch;    /* (N, FC) */
    float *dfch_act;/* (N, H) */
} llm__lg;

/* The gradient of a branch's output before its post norm (Gemma 3; d: dres otherwise). */
static const float *llm__post_norm_bwd(const llm__ctx *x, const llm_config *c, const llm__lg *g, float *dw,
                                       const float *w, const float *o, const float *rstd, size_t N) {
    if (!w) return g->dres;
    x->ops->zero(x, g->dpost, N * (size_t)c->dim * sizeof(float));
    x->ops->norm_bwd(x, g->dpost, dw, NULL, g->dres, o, w, NULL, rstd, N, c->dim, 1);
    return g->dpost;
}
/* The attention half's backward: dres holds d(loss)/d(res2) and becomes d(loss)/d(x). */
static void llm__block_attn_bwd(const llm__ctx *x, const llm_config *c, const llm__lw *w, const llm__lw *dw,
                                const llm__la *a, const llm__rows *r, const llm__lg *g) {
    const llm__ops *op = x->ops;
    const int C = c->dim, NH = c->n_head, NKV = c->n_kv_head, hs = c->head_dim, qC = NH * hs, QKV = llm__qkvdim(c);
    const int gpt2 = c->arch == LLM_ARCH_GPT2, win = llm__layer_window(c, w->layer);
    const size_t N = r->N;
    const float *dy = llm__post_norm_bwd(x, c, g, dw->pn1w, w->pn1w, a->atto, a->pn1_rstd, N);
    op->matmul_bwd(x, g->dbuf, dw->attprojw, dw->attprojb, dy, a->atty, w->attprojw, N, qC, C);
    if (dw->lora) llm__lora_bwd(x, dw->lora, w->layer, LLM__LM_O, g->dbuf, dy, a->atty, N, C);
    op->attn_bwd(x, g->dqkv, g->dbuf, a->qkv, a->atty, a->lse, r->B, r->T, NH, NKV, hs, c->attn_scale, win);
    if (!gpt2) op->rope(x, g->dqkv, win ? r->rope_lcos : r->rope_cos, win ? r->rope_lsin : r->rope_sin, N, r->rope_T,
                        NH + NKV, QKV, hs, -1);
    if (w->qnw)
        op->headnorm_bwd(x, g->dqkv, dw->qnw, dw->knw, a->qk_in, w->qnw, w->knw, a->qk_rstd, N, NH, NKV, hs, QKV);
    op->matmul_bwd(x, g->dbuf, dw->qkvw, dw->qkvb, g->dqkv, a->ln1, w->qkvw, N, C, QKV);
    if (dw->lora) llm__lora_bwd(x, dw->lora, w->layer, LLM__LM_QKV, g->dbuf, g->dqkv, a->ln1, N, QKV);
    op->norm_bwd(x, g->dres, dw->ln1w, dw->ln1b, g->dbuf, a->x, w->ln1w, a->ln1_mean, a->ln1_rstd, N, C, !gpt2);
}
/* The block backward: adds the layer's weight gradients into dw (none where dw's pointers are
   NULL: a frozen base; an adapter's into dw->lora) and turns g->dres from the gradient of the
   layer's output into the gradient of its input. */
static void llm__block_backward(const llm__ctx *x, const llm_config *c, const llm__lw *w, const llm__lw *dw,
                                const llm__la *a, const llm__rows *r, const llm__lg *g) {
    const llm__ops *op = x->ops;
    const int C = c->dim, H = c->ffn_dim, gpt2 = c->arch == LLM_ARCH_GPT2, FC = gpt2 ? H : 2 * H;
    const size_t N = r->N;
    /* MLP branch: dres holds d(loss)/d(res3) */
    const float *dy = llm__post_norm_bwd(x, c, g, dw->pn2w, w->pn2w, a->mlpo, a->pn2_rstd, N);
    op->matmul_bwd(x, g->dfch_act, dw->fcprojw, dw->fcprojb, dy, a->fch_act, w->fcprojw, N, H, C);
    if (dw->lora) llm__lora_bwd(x, dw->lora, w->layer, LLM__LM_DOWN, g->dfch_act, dy, a->fch_act, N, C);
    if (gpt2) op->gelu_bwd(x, g->dfch, a->fch, g->dfch_act, N * H);
    else if (llm__is_gemma(c)) op->geglu_bwd(x, g->dfch, a->fch, g->dfch_act, N, H);
    else op->swiglu_bwd(x, g->dfch, a->fch, g->dfch_act, N, H);
    op->matmul_bwd(x, g->dbuf, dw->fcw, dw->fcb, g->dfch, a->ln2, w->fcw, N, C, FC);
    if (dw->lora) llm__lora_bwd(x, dw->lora, w->layer, LLM__LM_FC, g->dbuf, g->dfch, a->ln2, N, FC);
    op->norm_bwd(x, g->dres, dw->ln2w, dw->ln2b, g->dbuf, a->res2, w->ln2w, a->ln2_mean, a->ln2_rstd, N, C, !gpt2);
    /* attention branch: dres now holds d(loss)/d(res2) */
    llm__block_attn_bwd(x, c, w, dw, a, r, g);
}

/* ---- the whole model on a batch: every layer's activations kept for the backward ---- */
typedef struct llm__acts {
    int B, T;
    int with_grads;
    float *mem;                               /* one block (backend memory) holding all below */
    float *encoded;                           /* (BT, C) input of layer 0 */
    float *ln1, *ln1_mean, *ln1_rstd;         /* (L, BT, C) (L, BT) (L, BT) */
    float *qkv;                               /* (L, BT, QKV)  q, k after norms and RoPE */
    float *qk_in, *qk_rstd;                   /* (L, BT, (NH+NKV)*hs) (L, BT, NH+NKV) head norms' input
                                                 and rstd (Qwen3, Gemma 3 with grads) */
    float *atty;                              /* (L, BT, qC)   attention output */
    float *att_lse;                           /* (L, B, NH, T) log-sum-exp of each row */
    float *atto, *pn1_rstd;                   /* (L, BT, C) (L, BT) Gemma 3: before post_attention_norm */
    float *res2;                              /* (L, BT, C)    residual after attention */
    float *ln2, *ln2_mean, *ln2_rstd;         /* (L, BT, C) (L, BT) (L, BT) */
    float *fch;                               /* (L, BT, FC)   FC = H (GPT-2) or 2H (the others) */
    float *fch_act;                           /* (L, BT, H)    after GELU / SwiGLU / GeGLU */
    float *mlpo, *pn2_rstd;                   /* (L, BT, C) (L, BT) Gemma 3: before post_ffw_norm */
    float *res3;                              /* (L, BT, C)    residual after the MLP */
    float *lnf, *lnf_mean, *lnf_rstd;         /* (BT, C) (BT) (BT) */
    float *logits;                            /* (BT, V)       becomes dlogits in backward */
    float *losses, *ce_lse;                   /* (BT) (BT) */
    float *rope_cos, *rope_sin;               /* (T, hs/2) */
    float *rope_lcos, *rope_lsin;             /* (T, hs/2) Gemma 3's sliding layers (else the same) */
    float *tmp;                               /* (BT, C) branch output before the residual add */
    /* activation gradients (only with_grads) */
    float *dres, *dbuf, *dqkv, *dfch, *dfch_act; /* (BT,C) (BT,max(C,qC)) (BT,QKV) (BT,FC) (BT,H) */
    float *dpost;                             /* (BT, C) Gemma 3 */
} llm__acts;

/* The RoPE tables of T positions from pos0, made on the host and uploaded: cos, sin (T, hs/2)
   of the global layers, and lcos, lsin of Gemma 3's sliding layers (NULL: none). */
static llm_status llm__rope_upload(const llm__ctx *x, const llm_config *c, int pos0, int T, float *cosv, float *sinv,
                                   float *lcos, float *lsin) {
    const size_t nr = (size_t)T * (size_t)(c->head_dim / 2);
    float *tab = (float *)llm__alloc(&x->alloc, 2 * nr * sizeof(float) + 1);
    if (!tab) return LLM_ERR_OUT_OF_MEMORY;
    llm__rope_table_cfg(tab, tab + nr, pos0, T, c, 0);
    x->ops->upload(x, cosv, tab, nr * sizeof(float));
    x->ops->upload(x, sinv, tab + nr, nr * sizeof(float));
    if (lcos) {
        llm__rope_table_cfg(tab, tab + nr, pos0, T, c, 1);
        x->ops->upload(x, lcos, tab, nr * sizeof(float));
        x->ops->upload(x, lsin, tab + nr, nr * sizeof(float));
    }
    llm__dealloc(&x->alloc, tab);
    return LLM_OK;
}

/* Carves the activation buffers out of one allocation of backend memory. logits_ext: the
   caller's logits buffer (NULL = allocate). */
static llm_status llm__acts_alloc(const llm__ctx *x, const llm_model *m, llm__acts *a, int B, int T, int with_grads,
                                  float *logits_ext) {
    const llm_config *c = &m->cfg;
    const size_t L = (size_t)c->n_layer, BT = (size_t)B * T, C = (size_t)c->dim, hs = (size_t)c->head_dim;
    const size_t qC = (size_t)llm__qdim(c), QKV = (size_t)llm__qkvdim(c), H = (size_t)c->ffn_dim;
    const size_t FC = c->arch == LLM_ARCH_GPT2 ? H : 2 * H, V = (size_t)c->vocab_size;
    const size_t nqk = (size_t)(c->n_head + c->n_kv_head), gem = llm__is_gemma(c), sliding = c->sliding_window > 0;
    const size_t qkn = llm__has_qk_norm(c) && with_grads;
    size_t total = 0, pass;
    float *p = NULL;
    memset(a, 0, sizeof *a);
    a->B = B; a->T = T; a->with_grads = with_grads;
    for (pass = 0; pass < 2; pass++) {
        /* pass 0 counts, pass 1 assigns (each buffer rounded up to 16 floats = 64 bytes) */
#define LLM__A(field, n) do { size_t n_ = ((size_t)(n) + 15) & ~(size_t)15; \
        if (pass) { a->field = p; p += n_; } else total += n_; } while (0)
        LLM__A(encoded, BT * C);
        LLM__A(ln1, L * BT * C); LLM__A(ln1_mean, L * BT); LLM__A(ln1_rstd, L * BT);
        LLM__A(qkv, L * BT * QKV); LLM__A(atty, L * BT * qC); LLM__A(att_lse, L * BT * (size_t)c->n_head);
        if (qkn) { LLM__A(qk_in, L * BT * nqk * hs); LLM__A(qk_rstd, L * BT * nqk); }
        if (gem) {
            LLM__A(atto, L * BT * C); LLM__A(pn1_rstd, L * BT); LLM__A(mlpo, L * BT * C); LLM__A(pn2_rstd, L * BT);
        }
        LLM__A(res2, L * BT * C);
        LLM__A(ln2, L * BT * C); LLM__A(ln2_mean, L * BT); LLM__A(ln2_rstd, L * BT);
        LLM__A(fch, L * BT * FC); LLM__A(fch_act, L * BT * H); LLM__A(res3, L * BT * C);
        LLM__A(lnf, BT * C); LLM__A(lnf_mean, BT); LLM__A(lnf_rstd, BT);
        if (!logits_ext) LLM__A(logits, BT * V);
        LLM__A(losses, BT); LLM__A(ce_lse, BT);
        LLM__A(rope_cos, (size_t)T * hs / 2 + 1); LLM__A(rope_sin, (size_t)T * hs / 2 + 1);
        if (sliding) { LLM__A(rope_lcos, (size_t)T * hs / 2 + 1); LLM__A(rope_lsin, (size_t)T * hs / 2 + 1); }
        LLM__A(tmp, BT * C);
        if (with_grads) {
            LLM__A(dres, BT * C); LLM__A(dbuf, BT * LLM__MAX(C, qC)); LLM__A(dqkv, BT * QKV);
            LLM__A(dfch, BT * FC); LLM__A(dfch_act, BT * H);
            if (gem) LLM__A(dpost, BT * C);
        }
#undef LLM__A
        if (!pass) {
            if (total > SIZE_MAX / sizeof(float)) return LLM_ERR_OUT_OF_MEMORY;
            p = a->mem = (float *)x->ops->alloc(x, total * sizeof(float));
            if (!p) return LLM_ERR_OUT_OF_MEMORY;
        }
    }
    if (logits_ext) a->logits = logits_ext;
    if (llm__has_rope(c) && llm__rope_upload(x, c, 0, T, a->rope_cos, a->rope_sin, a->rope_lcos, a->rope_lsin)) {
        x->ops->free(x, a->mem); a->mem = NULL;
        return LLM_ERR_OUT_OF_MEMORY;
    }
    return LLM_OK;
}
static void llm__acts_layer(const llm_model *m, const llm__acts *a, int l, llm__la *la) {
    const llm_config *c = &m->cfg;
    const size_t BT = (size_t)a->B * a->T, C = (size_t)c->dim, qC = (size_t)llm__qdim(c);
    const size_t QKV = (size_t)llm__qkvdim(c), H = (size_t)c->ffn_dim, nqk = (size_t)(c->n_head + c->n_kv_head);
    const size_t FC = c->arch == LLM_ARCH_GPT2 ? H : 2 * H, L = (size_t)l;
    memset(la, 0, sizeof *la);
    la->x = l == 0 ? a->encoded : a->res3 + (L - 1) * BT * C;
    la->ln1 = a->ln1 + L * BT * C; la->ln1_mean = a->ln1_mean + L * BT; la->ln1_rstd = a->ln1_rstd + L * BT;
    la->qkv = a->qkv + L * BT * QKV; la->atty = a->atty + L * BT * qC; la->lse = a->att_lse + L * BT * c->n_head;
    if (a->qk_in) {
        la->qk_in = a->qk_in + L * BT * nqk * (size_t)c->head_dim; la->qk_rstd = a->qk_rstd + L * BT * nqk;
    }
    if (a->atto) {
        la->atto = a->atto + L * BT * C; la->pn1_rstd = a->pn1_rstd + L * BT;
        la->mlpo = a->mlpo + L * BT * C; la->pn2_rstd = a->pn2_rstd + L * BT;
    }
    la->res2 = a->res2 + L * BT * C;
    la->ln2 = a->ln2 + L * BT * C; la->ln2_mean = a->ln2_mean + L * BT; la->ln2_rstd = a->ln2_rstd + L * BT;
    la->fch = a->fch + L * BT * FC; la->fch_act = a->fch_act + L * BT * H; la->res3 = a->res3 + L * BT * C;
    la->tmp = a->tmp;
}
static void llm__acts_rows(const llm__acts *a, llm__rows *r) {
    memset(r, 0, sizeof *r);
    r->N = (size_t)a->B * a->T; r->B = a->B; r->T = a->T;
    r->rope_cos = a->rope_cos; r->rope_sin = a->rope_sin; r->rope_T = a->T;
    r->rope_lcos = a->rope_lcos; r->rope_lsin = a->rope_lsin;
}

/* Forward pass: tokens (B*T, backend memory) -> a->logits (B*T, V), with the parameters at P. */
static void llm__forward(const llm__ctx *x, const llm_model *m, float *P, llm__acts *a, const int32_t *tokens,
                         const llm__lora_run *lr) {
    const llm_config *c = &m->cfg;
    const llm__ops *op = x->ops;
    const int gpt2 = c->arch == LLM_ARCH_GPT2, C = c->dim;
    llm__rows r;
    int l;
    llm__acts_rows(a, &r);
    op->embed_fwd(x, a->encoded, tokens, P + m->wte, llm__PW(P, m->wpe), r.N, a->T, 0, C);
    if (llm__is_gemma(c)) op->scale(x, a->encoded, llm__embed_scale(c), r.N * C);
    for (l = 0; l < c->n_layer; l++) {
        llm__lw w;
        llm__la la;
        llm__layer_ptrs(m, P, l, &w);
        w.lora = lr;
        llm__acts_layer(m, a, l, &la);
        llm__block_forward(x, c, &w, &la, &r);
    }
    op->norm_fwd(x, a->lnf, a->lnf_mean, a->lnf_rstd, a->res3 + (size_t)(c->n_layer - 1) * r.N * C, P + m->lnfw,
                 llm__PW(P, m->lnfb), r.N, C, c->norm_eps, !gpt2);
    /* classifier over the real vocab only: logits (BT, V) = lnf @ head[:V]^T */
    op->matmul_fwd(x, a->logits, a->lnf, P + m->head, NULL, r.N, C, c->vocab_size);
}

/* Backward pass from the logits' gradient (in a->logits, as llm__crossentropy_fused leaves
   it): adds all parameter gradients into G (same layout as the parameters), or, G NULL (a
   frozen model), only the adapter's into lr->g. */
static void llm__backward(const llm__ctx *x, const llm_model *m, float *P, float *G, llm__acts *a,
                          const int32_t *tokens, const llm__lora_run *lr) {
    const llm_config *c = &m->cfg;
    const llm__ops *op = x->ops;
    const int gpt2 = c->arch == LLM_ARCH_GPT2, C = c->dim, V = c->vocab_size;
    llm__rows r;
    llm__lg g;
    int l;
    llm__acts_rows(a, &r);
    g.dres = a->dres; g.dbuf = a->dbuf; g.dqkv = a->dqkv; g.dfch = a->dfch; g.dfch_act = a->dfch_act;
    g.dpost = a->dpost;
    /* classifier: dlnf = dlogits @ head, dhead += dlogits^T lnf (into dwte when tied) */
    op->matmul_bwd(x, g.dbuf, G ? G + m->head : NULL, NULL, a->logits, a->lnf, P + m->head, r.N, C, V);
    op->zero(x, g.dres, r.N * C * sizeof(float));
    op->norm_bwd(x, g.dres, G ? G + m->lnfw : NULL, G ? llm__PW(G, m->lnfb) : NULL, g.dbuf,
                 a->res3 + (size_t)(c->n_layer - 1) * r.N * C, P + m->lnfw, a->lnf_mean, a->lnf_rstd, r.N, C, !gpt2);
    for (l = c->n_layer - 1; l >= 0; l--) {
        llm__lw w, dw;
        llm__la la;
        llm__layer_ptrs(m, P, l, &w);
        if (G) llm__layer_ptrs(m, G, l, &dw);
        else { memset(&dw, 0, sizeof dw); dw.layer = l; }   /* a frozen base: no weight gradients */
        dw.lora = lr;
        llm__acts_layer(m, a, l, &la);
        llm__block_backward(x, c, &w, &dw, &la, &r, &g);
    }
    if (G && llm__is_gemma(c)) op->scale(x, g.dres, llm__embed_scale(c), r.N * C);
    if (G) op->embed_bwd(x, G + m->wte, llm__PW(G, m->wpe), g.dres, tokens, r.N, a->T, C);
}

static llm_status llm__check_tokens(const llm_model *m, const int32_t *tok, size_t n, llm_error *err) {
    size_t i;
    for (i = 0; i < n; i++)
        if (tok[i] < 0 || tok[i] >= m->cfg.vocab_size)
            return llm__fail(err, LLM_ERR_OUT_OF_RANGE, "token id %ld at index %lu outside [0, %d)", (long)tok[i],
                             (unsigned long)i, m->cfg.vocab_size);
    return LLM_OK;
}

LLMDEF llm_status llm_model_forward(const llm_model *m, llm_threadpool *pool, const int32_t *tokens, int B, int T,
                                    float *logits, llm_error *err) {
    llm__acts a;
    llm__ctx x;
    llm_status st;
    if (!m || !tokens || !logits) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    if (B <= 0 || T <= 0) return llm__fail(err, LLM_ERR_INVALID_ARG, "B and T must be positive");
    if (T > m->cfg.max_seq_len)
        return llm__fail(err, LLM_ERR_CONTEXT_FULL, "T = %d exceeds max_seq_len %d", T, m->cfg.max_seq_len);
    if ((int64_t)B * T > LLM_MAX_BATCH_TOKENS)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "B * T = %lld exceeds LLM_MAX_BATCH_TOKENS (%d)", (long long)B * T,
                         LLM_MAX_BATCH_TOKENS);
    if ((st = llm__check_tokens(m, tokens, (size_t)B * T, err)) != LLM_OK) return st;
    if (llm__ctx_init(&x, &llm__cpu_ops, pool, &m->alloc, LLM__MAX(llm__gemm_ws(B * T),
                      llm__attn_ws(T, m->cfg.n_head, m->cfg.n_kv_head, m->cfg.head_dim)), NULL) != LLM_OK ||
        llm__acts_alloc(&x, m, &a, B, T, 0, logits) != LLM_OK) {
        llm__ctx_free(&x);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for activations (B=%d, T=%d)", B, T);
    }
    if (m->lazy) {   /* quantized_only: every product from the quantized copies */
        const size_t width = (size_t)LLM__MAX(LLM__MAX(m->cfg.dim, m->cfg.ffn_dim), llm__qdim(&m->cfg));
        if (!(x.qbuf = (llm__q8x *)llm__alloc(&m->alloc, (size_t)B * T * (width / 32 + 1) * sizeof(llm__q8x)))) {
            x.ops->free(&x, a.mem);
            llm__ctx_free(&x);
            return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for activations (B=%d, T=%d)", B, T);
        }
        x.qmodel = m;
    }
    llm__forward(&x, m, m->params, &a, tokens, NULL);
    llm__dealloc(&m->alloc, x.qbuf);
    x.ops->free(&x, a.mem);
    llm__ctx_free(&x);
    llm__ok(err);
    return LLM_OK;
}

/* =========================================================================================
   >>training: loss, gradient norm and clipping, AdamW, learning-rate schedule
   ========================================================================================= */
struct llm_trainer {
    llm_model *model;
    llm_trainer_desc d;
    llm__ctx x;                /* backend, pool and workspace */
    float *params;             /* the parameters being trained: the model's own on the CPU */
    float *grads, *m, *v;      /* each model->n_params floats (backend memory) */
    double *norm_part;         /* one partial sum per chunk of the gradient norm */
    llm__acts acts;
    int32_t *tok;              /* (2, B*T) inputs and targets in backend memory (device backends) */
    float *losses;             /* (B*T) host copy of the per-position losses */
    int step;                  /* optimizer steps done */
    int n_micro;               /* micro-batches accumulated since the last update */
    size_t n_counted;          /* targets of the current micro-batch that are not LLM_TARGET_IGNORE */
    float *tp;                 /* what is trained: the parameters (params), or an adapter's */
    size_t tn;                 /* their count: grads, m and v have as many */
    const llm_tensor_info *ttab;   /* their tensors (which decay) */
    int tnt;
    llm__lora_run lora;        /* the adapter trained (lora.lo NULL: none) */
    double loss_sum;
    llm_rng rng;
    llm__diag diag;
};

static llm_status llm__trainer_alloc(llm_trainer *tr) {
    const llm__ctx *x = &tr->x;
    const size_t n = tr->model->n_params, BT = (size_t)tr->d.batch * tr->d.seq_len;
    llm_lora *lo = tr->d.lora;
    if (n > SIZE_MAX / sizeof(float)) return LLM_ERR_OUT_OF_MEMORY;
    tr->params = x->ops->host_memory ? tr->model->params : (float *)x->ops->alloc(x, n * sizeof(float));
    tr->tp = tr->params; tr->tn = n; tr->ttab = tr->model->tensors; tr->tnt = tr->model->n_tensors;
    if (lo) {   /* (CPU only) the adapter is trained in place; the base gets no gradient or state */
        tr->tp = lo->params; tr->tn = lo->n_params; tr->ttab = lo->tensors; tr->tnt = 2 * lo->n_slots;
        tr->lora.lo = lo;
        tr->lora.scale = lo->alpha / (float)lo->rank;
        tr->lora.u = (float *)llm__alloc(&x->alloc, 2 * BT * (size_t)lo->rank * sizeof(float));
        if (!tr->lora.u) return LLM_ERR_OUT_OF_MEMORY;
        tr->lora.du = tr->lora.u + BT * (size_t)lo->rank;
        if (lo->dropout > 0) {   /* the dropped input of the widest matrix */
            const llm_config *mc = &tr->model->cfg;
            const size_t w = (size_t)LLM__MAX(LLM__MAX(mc->dim, mc->ffn_dim), llm__qdim(mc));
            if (!(tr->lora.xd = (float *)llm__alloc(&x->alloc, BT * w * sizeof(float)))) return LLM_ERR_OUT_OF_MEMORY;
        }
    }
    tr->grads = (float *)x->ops->alloc(x, tr->tn * sizeof(float));
    tr->m = (float *)x->ops->alloc(x, tr->tn * sizeof(float));
    tr->v = (float *)x->ops->alloc(x, tr->tn * sizeof(float));
    tr->lora.g = tr->grads;
    tr->norm_part = (double *)llm__calloc(&x->alloc, tr->tn / LLM__NORM_CHUNK + 1, sizeof(double));
    tr->losses = (float *)llm__calloc(&x->alloc, BT, sizeof(float));
    if (!x->ops->host_memory) tr->tok = (int32_t *)x->ops->alloc(x, 2 * BT * sizeof(int32_t));
    if (!tr->params || !tr->grads || !tr->m || !tr->v || !tr->norm_part || !tr->losses ||
        (!x->ops->host_memory && !tr->tok))
        return LLM_ERR_OUT_OF_MEMORY;
    if (!x->ops->host_memory) x->ops->upload(x, tr->params, tr->model->params, n * sizeof(float));
    if (x->ops->set_params && x->ops->set_params(x, tr->params, n) != LLM_OK) return LLM_ERR_OUT_OF_MEMORY;
    return llm__acts_alloc(x, tr->model, &tr->acts, tr->d.batch, tr->d.seq_len, 1, NULL);
}

LLMDEF llm_status llm_trainer_create(llm_model *model, const llm_trainer_desc *desc, llm_trainer **out,
                                     llm_error *err) {
    llm_trainer *tr;
    llm_trainer_desc d;
    llm__ctx_info info;
    llm_status st;
    const llm__ops *ops;
    const llm_config *c;
    if (out) *out = NULL;
    if (!model || !desc || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    d = *desc;
    c = &model->cfg;
    if (d.batch <= 0 || d.seq_len <= 0)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "batch and seq_len must be positive");
    if (d.seq_len > c->max_seq_len)
        return llm__fail(err, LLM_ERR_CONTEXT_FULL, "seq_len %d exceeds the model's max_seq_len %d", d.seq_len,
                         c->max_seq_len);
    if ((int64_t)d.batch * d.seq_len > LLM_MAX_BATCH_TOKENS)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "batch * seq_len = %lld exceeds LLM_MAX_BATCH_TOKENS (%d)",
                         (long long)d.batch * d.seq_len, LLM_MAX_BATCH_TOKENS);
    if (d.lr == 0) d.lr = 3e-4f;
    if (d.beta1 == 0) d.beta1 = 0.9f;
    if (d.beta2 == 0) d.beta2 = 0.95f;
    if (d.eps == 0) d.eps = 1e-8f;
    if (!(d.lr > 0) || !(d.beta1 > 0 && d.beta1 < 1) || !(d.beta2 > 0 && d.beta2 < 1) || !(d.eps > 0) ||
        !(d.weight_decay >= 0) || !(d.grad_clip >= 0) || d.warmup_steps < 0 || d.total_steps < 0 ||
        !(d.min_lr_frac >= 0 && d.min_lr_frac <= 1))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "invalid optimizer settings");
    if ((unsigned)d.precision > LLM_PRECISION_BF16 || (unsigned)d.backend > LLM_BACKEND_CUDA)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "unknown precision or backend");
    if (model->n_quant)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "the model has %d quantized matrices: it is for inference; "
                         "llm_model_quantize(model, LLM_TYPE_F32, ...) drops them to train its fp32 weights",
                         model->n_quant);
    if (d.lora && !llm__lora_fits(c, &d.lora->cfg))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "the adapter was made for another model shape");
    if (d.lora && d.backend == LLM_BACKEND_CUDA)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "LoRA training runs on the CPU backend");
    if (d.lora) d.backend = LLM_BACKEND_CPU;
    if (!d.allocator.alloc_fn) d.allocator = model->alloc;
    if (!d.log_fn) { d.log_fn = model->log_fn; d.log_user_data = model->log_user; }
    if ((st = llm__pick_ops(d.backend, &model->cfg, d.log_fn, d.log_user_data, &ops, err)) != LLM_OK) return st;
    tr = (llm_trainer *)llm__calloc(&d.allocator, 1, sizeof *tr);
    if (!tr) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    tr->model = model; tr->d = d;
    tr->diag.log_fn = d.log_fn; tr->diag.log_user = d.log_user_data;
    memset(&info, 0, sizeof info);
    info.bf16 = d.precision != LLM_PRECISION_FP32;
    info.max_rows = (size_t)d.batch * d.seq_len;
    info.max_cols = (size_t)LLM__MAX(LLM__MAX(c->padded_vocab_size, 2 * c->ffn_dim),
                                     LLM__MAX(3 * c->dim, llm__qkvdim(c)));
    info.n_head = c->n_head; info.n_kv_head = c->n_kv_head; info.head_dim = c->head_dim;
    st = llm__ctx_init(&tr->x, ops, d.pool, &d.allocator,
                       LLM__MAX(llm__gemm_ws(INT32_MAX), llm__attn_ws(d.seq_len, c->n_head, c->n_kv_head,
                                                                      c->head_dim)), &info);
    if (st == LLM_OK) st = llm__trainer_alloc(tr);
    if (st != LLM_OK || llm__ctx_check(&tr->x, &tr->diag) != LLM_OK) {
        if (tr->diag.err.status != LLM_OK) st = llm__fail(err, tr->diag.err.status, "%s", tr->diag.err.message);
        else st = llm__fail(err, st, "out of memory for the trainer (%llu parameters, B=%d, T=%d)",
                            (unsigned long long)model->n_params, d.batch, d.seq_len);
        llm_trainer_free(tr);
        return st;
    }
    llm_rng_seed(&tr->rng, d.seed);
    *out = tr;
    llm__ok(err);
    return LLM_OK;
}

LLMDEF void llm_trainer_free(llm_trainer *tr) {
    llm_allocator a;
    const llm__ctx *x;
    if (!tr) return;
    a = tr->d.allocator;
    x = &tr->x;
    if (x->ops) {
        if (!x->ops->host_memory) { x->ops->free(x, tr->params); x->ops->free(x, tr->tok); }
        x->ops->free(x, tr->grads); x->ops->free(x, tr->m); x->ops->free(x, tr->v); x->ops->free(x, tr->acts.mem);
    }
    llm__dealloc(&a, tr->norm_part); llm__dealloc(&a, tr->losses); llm__dealloc(&a, tr->lora.u);
    llm__dealloc(&a, tr->lora.xd);
    llm__ctx_free(&tr->x);
    llm__dealloc(&a, tr);
}

/* Linear warmup over warmup_steps, then cosine decay to min_lr_frac * lr at total_steps
   (karpathy/llm.c's schedule), or constant. step is 0-based. */
LLMDEF float llm_trainer_lr(const llm_trainer *tr, int step) {
    const llm_trainer_desc *d;
    float min_lr;
    double ratio;
    if (!tr) return 0;
    d = &tr->d;
    min_lr = d->lr * d->min_lr_frac;
    if (step < d->warmup_steps) return d->lr * (float)(step + 1) / (float)d->warmup_steps;
    if (d->schedule == LLM_SCHEDULE_CONSTANT || d->total_steps <= d->warmup_steps) return d->lr;
    if (step >= d->total_steps) return min_lr;
    ratio = (double)(step - d->warmup_steps) / (double)(d->total_steps - d->warmup_steps);
    return min_lr + (float)(0.5 * (1.0 + cos(3.141592653589793 * ratio))) * (d->lr - min_lr);
}

/* Checks the ids and puts them where the backend reads them; *in, *tg get those pointers. */
static llm_status llm__tr_tokens(llm_trainer *tr, const int32_t *inputs, const int32_t *targets,
                                 const int32_t **in, const int32_t **tg) {
    const size_t n = (size_t)tr->d.batch * tr->d.seq_len;
    size_t i;
    const llm__ctx *x = &tr->x;
    llm_status st;
    llm_error e;
    if (!inputs || !targets) return llm__dfail(&tr->diag, LLM_ERR_INVALID_ARG, "NULL tokens");
    if ((st = llm__check_tokens(tr->model, inputs, n, &e)) != LLM_OK) return llm__dfail(&tr->diag, st, "%s", e.message);
    for (i = 0, tr->n_counted = 0; i < n; i++) {   /* targets: a token, or LLM_TARGET_IGNORE */
        if (targets[i] == LLM_TARGET_IGNORE) continue;
        if (targets[i] < 0 || targets[i] >= tr->model->cfg.vocab_size)
            return llm__dfail(&tr->diag, LLM_ERR_OUT_OF_RANGE,
                              "target %ld at index %lu outside [0, %d) and not LLM_TARGET_IGNORE", (long)targets[i],
                              (unsigned long)i, tr->model->cfg.vocab_size);
        tr->n_counted++;
    }
    if (x->ops->host_memory) { *in = inputs; *tg = targets; return LLM_OK; }
    x->ops->upload(x, tr->tok, inputs, n * sizeof(int32_t));
    x->ops->upload(x, tr->tok + n, targets, n * sizeof(int32_t));
    *in = tr->tok; *tg = tr->tok + n;
    return LLM_OK;
}
/* Forward and loss; the mean loss in *loss. grads: also turn the logits into their gradient
   (the loss of the micro-batch is the mean over its B*T positions, those whose target is
   LLM_TARGET_IGNORE aside; 0 when every target is). */
static llm_status llm__tr_forward(llm_trainer *tr, const int32_t *in, const int32_t *tg, int grads, float *loss) {
    const size_t BT = (size_t)tr->d.batch * tr->d.seq_len;
    const llm__ctx *x = &tr->x;
    const int V = tr->model->cfg.vocab_size;
    double s = 0;
    size_t i;
    llm_status st;
    llm__forward(x, tr->model, tr->params, &tr->acts, in, tr->lora.lo ? &tr->lora : NULL);
    if (grads)
        x->ops->ce_fused(x, tr->acts.losses, tr->acts.ce_lse, tr->acts.logits, tg, BT, V, V,
                         tr->n_counted ? 1.0f / (float)tr->n_counted : 0.0f);
    else
        x->ops->ce_fwd(x, tr->acts.losses, tr->acts.ce_lse, tr->acts.logits, tg, BT, V, V);
    x->ops->download(x, tr->losses, tr->acts.losses, BT * sizeof(float));
    if ((st = llm__ctx_check(x, &tr->diag)) != LLM_OK) return st;
    for (i = 0; i < BT; i++) s += tr->losses[i];
    *loss = tr->n_counted ? (float)(s / (double)tr->n_counted) : 0.0f;
    return isfinite(*loss) ? LLM_OK : llm__dfail(&tr->diag, LLM_ERR_NON_FINITE, "loss is %f", (double)*loss);
}

LLMDEF llm_status llm_trainer_eval(llm_trainer *tr, const int32_t *inputs, const int32_t *targets, float *loss) {
    const int32_t *in, *tg;
    float l = 0;
    llm_status st;
    if (!tr) return LLM_ERR_INVALID_ARG;
    if ((st = llm__tr_tokens(tr, inputs, targets, &in, &tg)) != LLM_OK) return st;
    st = llm__tr_forward(tr, in, tg, 0, &l);
    if (loss) *loss = l;
    return st;
}

/* Drops the gradients accumulated since the last update. */
static void llm__tr_drop(llm_trainer *tr) {
    tr->x.ops->zero(&tr->x, tr->grads, tr->tn * sizeof(float));
    tr->n_micro = 0;
    tr->loss_sum = 0;
}

LLMDEF llm_status llm_trainer_accumulate(llm_trainer *tr, const int32_t *inputs, const int32_t *targets, float *loss) {
    const int32_t *in, *tg;
    float l;
    llm_status st;
    if (!tr) return LLM_ERR_INVALID_ARG;
    if ((st = llm__tr_tokens(tr, inputs, targets, &in, &tg)) != LLM_OK) return st;
    /* adapter dropout: masks of this step and micro-batch, the same in the backward */
    tr->lora.drop = tr->lora.lo && tr->lora.lo->dropout > 0;
    tr->lora.drop_seed = tr->d.seed * 0x9E3779B97F4A7C15ull + (uint64_t)tr->step * 1000003u + (uint64_t)tr->n_micro;
    if ((st = llm__tr_forward(tr, in, tg, 1, &l)) != LLM_OK) {
        tr->lora.drop = 0;
        if (st == LLM_ERR_NON_FINITE) llm__tr_drop(tr);   /* nothing of this step is applied */
        return st;
    }
    /* each micro-batch contributes the gradient of its mean loss; update() averages them */
    llm__backward(&tr->x, tr->model, tr->params, tr->lora.lo ? NULL : tr->grads, &tr->acts, in,
                  tr->lora.lo ? &tr->lora : NULL);
    tr->lora.drop = 0;   /* (evaluation never drops) */
    tr->n_micro++;
    tr->loss_sum += l;
    if (loss) *loss = l;
    return LLM_OK;
}

LLMDEF llm_status llm_trainer_update(llm_trainer *tr, llm_step_result *res) {
    const llm__ctx *x;
    llm__adamw_args o;
    double norm;
    float loss;
    llm_status st;
    if (res) memset(res, 0, sizeof *res);
    if (!tr) return LLM_ERR_INVALID_ARG;
    x = &tr->x;
    if (tr->n_micro == 0) return llm__dfail(&tr->diag, LLM_ERR_INVALID_ARG, "no gradients accumulated");
    norm = sqrt(x->ops->sumsq(x, tr->grads, tr->tn, tr->norm_part)) / tr->n_micro;
    if ((st = llm__ctx_check(x, &tr->diag)) != LLM_OK) return st;
    loss = (float)(tr->loss_sum / tr->n_micro);
    if (!isfinite(norm)) {
        llm__tr_drop(tr);
        return llm__dfail(&tr->diag, LLM_ERR_NON_FINITE, "gradient norm is not finite at step %d; update skipped",
                          tr->step + 1);
    }
    memset(&o, 0, sizeof o);
    o.params = tr->tp; o.grads = tr->grads; o.m = tr->m; o.v = tr->v; o.n = tr->tn;
    o.tensors = tr->ttab; o.n_tensors = tr->tnt;
    o.lr = llm_trainer_lr(tr, tr->step);
    o.beta1 = tr->d.beta1; o.beta2 = tr->d.beta2; o.eps = tr->d.eps; o.weight_decay = tr->d.weight_decay;
    o.grad_scale = 1.0f / (float)tr->n_micro;   /* the averaged gradient (norm above is of that) */
    if (tr->d.grad_clip > 0) {                  /* torch.nn.utils.clip_grad_norm_ */
        double coef = tr->d.grad_clip / (norm + 1e-6);
        if (coef < 1.0) o.grad_scale *= (float)coef;
    }
    o.bc1 = 1.0f - powf(tr->d.beta1, (float)(tr->step + 1));
    o.bc2 = 1.0f - powf(tr->d.beta2, (float)(tr->step + 1));
    x->ops->adamw(x, &o);
    if ((st = llm__ctx_check(x, &tr->diag)) != LLM_OK) return st;
    tr->step++;
    tr->n_micro = 0; tr->loss_sum = 0;
    if (res) { res->loss = loss; res->grad_norm = (float)norm; res->lr = o.lr; res->step = tr->step; }
    return LLM_OK;
}

LLMDEF llm_status llm_trainer_step(llm_trainer *tr, const int32_t *inputs, const int32_t *targets,
                                   llm_step_result *res) {
    llm_status st;
    if (res) memset(res, 0, sizeof *res);
    st = llm_trainer_accumulate(tr, inputs, targets, NULL);
    if (st != LLM_OK) return st;
    return llm_trainer_update(tr, res);
}
/* Checkpoints: the model and the optimizer state as one GGUF (written and read in >>formats). */
LLMDEF llm_status llm_trainer_save(llm_trainer *tr, const char *path, uint64_t data_pos) {
    if (!tr || !path) return LLM_ERR_INVALID_ARG;
    return llm__trainer_save(tr, path, NULL, 0, NULL, data_pos);
}
LLMDEF llm_status llm_trainer_save_mem(llm_trainer *tr, void *buf, size_t cap, size_t *size, uint64_t data_pos) {
    if (size) *size = 0;
    if (!tr) return LLM_ERR_INVALID_ARG;
    return llm__trainer_save(tr, NULL, buf, cap, size, data_pos);
}

LLMDEF llm_status llm_trainer_load(llm_trainer *tr, const char *path, uint64_t *data_pos) {
    llm__src src;
    llm_error e;
    llm_status st;
    if (!tr || !path) return LLM_ERR_INVALID_ARG;
    if ((st = llm__src_open(&src, path, NULL, 0, &e)) != LLM_OK) return llm__dfail(&tr->diag, st, "%s", e.message);
    st = llm__trainer_load(tr, &src, data_pos);
    llm__src_close(&src);
    return st;
}
LLMDEF llm_status llm_trainer_load_mem(llm_trainer *tr, const void *data, size_t size, uint64_t *data_pos) {
    llm__src src;
    llm_error e;
    llm_status st;
    if (!tr || !data) return LLM_ERR_INVALID_ARG;
    if ((st = llm__src_open(&src, NULL, data, size, &e)) != LLM_OK) return llm__dfail(&tr->diag, st, "%s", e.message);
    return llm__trainer_load(tr, &src, data_pos);
}

LLMDEF int llm_trainer_step_count(const llm_trainer *tr) { return tr ? tr->step : 0; }
LLMDEF const float *llm_trainer_grads(const llm_trainer *tr) {
    return tr && tr->x.ops->host_memory ? tr->grads : NULL;
}
LLMDEF const float *llm_trainer_logits(const llm_trainer *tr) {
    return tr && tr->x.ops->host_memory ? tr->acts.logits : NULL;
}
LLMDEF llm_status llm_trainer_sync(llm_trainer *tr) {
    llm_status st;
    if (!tr) return LLM_ERR_INVALID_ARG;
    if ((st = llm__ctx_check(&tr->x, &tr->diag)) != LLM_OK) return st;   /* the model keeps its weights */
    if (!tr->x.ops->host_memory)
        tr->x.ops->download(&tr->x, tr->model->params, tr->params, tr->model->n_params * sizeof(float));
    return llm__ctx_check(&tr->x, &tr->diag);
}
LLMDEF const char *llm_trainer_backend(const llm_trainer *tr) { return tr ? tr->x.name : "NULL trainer"; }
LLMDEF llm_rng *llm_trainer_rng(llm_trainer *tr) { return tr ? &tr->rng : NULL; }
LLMDEF const char *llm_trainer_last_error(const llm_trainer *tr) { return tr ? tr->diag.err.message : "NULL trainer"; }

/* =========================================================================================
   >>inference: KV cache and sessions
   The cache is laid out (layer, kv head, position, hs) so that decoding reads each kv head's
   keys and values as one contiguous run, once for its whole query group (grouped-query
   attention). A prefill of n tokens is matrix-matrix work (the GEMM); a decode step (n = 1)
   is matrix-vector work that streams the weights once.
   ========================================================================================= */
struct llm_session {
    const llm_model *model;
    llm_session_desc d;
    llm__ctx x;                   /* backend, pool and workspace */
    const float *params;          /* the weights the backend reads (the model's on the CPU) */
    int n_ctx, n_batch, pos;
    int32_t *tokens;              /* (n_ctx) history (host) */
    float *kcache, *vcache;       /* (L, NKV, n_ctx, hs) */
    float *rope_cos, *rope_sin;   /* (n_ctx, hs/2) */
    float *rope_lcos, *rope_lsin; /* (n_ctx, hs/2) Gemma 3's sliding layers, or NULL */
    float *mem;                   /* one block holding the scratch rows below */
    float *xs, *xb, *mean, *rstd; /* (n_batch, C) (n_batch, C) (n_batch) (n_batch) */
    float *qkv, *att;             /* (n_batch, QKV) (n_batch, qC) */
    float *post;                  /* (n_batch, C) Gemma 3: a branch's output before its post norm */
    float *fch, *fch_act;         /* (n_batch, FC) (n_batch, H) */
    float *logits;                /* (V) logits of the last token (host) */
    int32_t *dtok;                /* (n_batch) the tokens of a forward (GPU: device memory) */
    float *dlogits;               /* (n_batch, V) logits as the backend computes them (GPU) */
    float *dparams;               /* the session's own copy of the weights (GPU) */
    int logits_stale;             /* the host logits wait for a download (GPU) */
    int logits_valid;
    int pending;                  /* rows in xs of the last forward whose last row's logits
                                     were not computed yet (see llm__session_finish) */
    llm__lora_run lora;           /* an adapter applied (lora.lo NULL: none); u, du (n_batch, r) */
    llm__diag diag;
};

/* Beam search's suffix caches: (L, beams, NKV, cap, hs) for k and for v. */
typedef struct llm__beam_kv {
    float *k, *v;
    int n_beams, cap;   /* beams allocated; rows per beam */
    int k_pos;          /* this step's row (each suffix then has k_pos + 1 rows) */
} llm__beam_kv;

static llm_status llm__session_alloc(llm_session *s) {
    const llm_config *c = &s->model->cfg;
    const llm__ctx *x = &s->x;
    const size_t C = (size_t)c->dim, hs = (size_t)c->head_dim, QKV = (size_t)llm__qkvdim(c);
    const size_t qC = (size_t)llm__qdim(c), gem = llm__is_gemma(c), sliding = c->sliding_window > 0;
    const size_t H = (size_t)c->ffn_dim, FC = c->arch == LLM_ARCH_GPT2 ? H : 2 * H, NB = (size_t)s->n_batch;
    const size_t kvsz = (size_t)c->n_layer * c->n_kv_head * (size_t)s->n_ctx * hs, half = hs / 2;
    size_t total = 0, pass;
    float *p = NULL;
    s->tokens = (int32_t *)llm__calloc(&x->alloc, (size_t)s->n_ctx, sizeof(int32_t));
    s->kcache = (float *)x->ops->alloc(x, kvsz * sizeof(float));
    s->vcache = (float *)x->ops->alloc(x, kvsz * sizeof(float));
    s->logits = (float *)llm__calloc(&x->alloc, (size_t)c->vocab_size, sizeof(float));
    if (!s->tokens || !s->kcache || !s->vcache || !s->logits) return LLM_ERR_OUT_OF_MEMORY;
    for (pass = 0; pass < 2; pass++) {
#define LLM__S(field, n) do { size_t n_ = ((size_t)(n) + 15) & ~(size_t)15; \
        if (pass) { s->field = p; p += n_; } else total += n_; } while (0)
        LLM__S(rope_cos, (size_t)s->n_ctx * half + 1); LLM__S(rope_sin, (size_t)s->n_ctx * half + 1);
        if (sliding) { LLM__S(rope_lcos, (size_t)s->n_ctx * half + 1); LLM__S(rope_lsin, (size_t)s->n_ctx * half + 1); }
        LLM__S(xs, NB * C); LLM__S(xb, NB * C); LLM__S(mean, NB); LLM__S(rstd, NB);
        LLM__S(qkv, NB * QKV); LLM__S(att, NB * qC); LLM__S(fch, NB * FC); LLM__S(fch_act, NB * H);
        if (gem) LLM__S(post, NB * C);
#undef LLM__S
        if (!pass) p = s->mem = (float *)x->ops->alloc(x, total * sizeof(float));
        if (!p) return LLM_ERR_OUT_OF_MEMORY;
    }
    /* the RoPE tables of every position, made once */
    if (llm__has_rope(c) && llm__rope_upload(x, c, 0, s->n_ctx, s->rope_cos, s->rope_sin, s->rope_lcos, s->rope_lsin))
        return LLM_ERR_OUT_OF_MEMORY;
    s->params = s->model->params;
    if (!x->ops->host_memory && s->model->lazy) return LLM_ERR_UNSUPPORTED;   /* (no fp32 weights to upload) */
    if (!x->ops->host_memory) {   /* a GPU: the weights, and room for tokens and logits there */
        const size_t np = s->model->n_params;
        s->dparams = (float *)x->ops->alloc(x, np * sizeof(float));
        s->dtok = (int32_t *)x->ops->alloc(x, NB * sizeof(int32_t));
        s->dlogits = (float *)x->ops->alloc(x, NB * (size_t)c->vocab_size * sizeof(float));
        if (!s->dparams || !s->dtok || !s->dlogits) return LLM_ERR_OUT_OF_MEMORY;
        x->ops->upload(x, s->dparams, s->model->params, np * sizeof(float));
        s->params = s->dparams;
    }
    if (x->ops->set_params && x->ops->set_params(x, s->params, s->model->n_params) != LLM_OK)
        return LLM_ERR_OUT_OF_MEMORY;
    if (x->ops->host_memory && s->model->n_quant) {   /* matmuls on the quantized copies (>>qmatmul) */
        const size_t width = (size_t)LLM__MAX(LLM__MAX(c->dim, c->ffn_dim), llm__qdim(c));
        s->x.qbuf = (llm__q8x *)llm__alloc(&x->alloc, NB * (width / 32 + 1) * sizeof(llm__q8x));
        if (!s->x.qbuf) return LLM_ERR_OUT_OF_MEMORY;
        s->x.qmodel = s->model;
    }
    return LLM_OK;
}

LLMDEF llm_status llm_session_create(const llm_model *m, const llm_session_desc *desc, llm_session **out,
                                     llm_error *err) {
    llm_session *s;
    llm_session_desc d;
    const llm_config *c;
    llm__ctx_info info;
    llm_status st;
    const llm__ops *ops;
    size_t ws;
    if (out) *out = NULL;
    if (!m || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    c = &m->cfg;
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (d.n_ctx == 0) d.n_ctx = c->max_seq_len;
    if (d.n_ctx < 0 || d.n_ctx > c->max_seq_len)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_ctx %d outside 1..max_seq_len (%d)", d.n_ctx, c->max_seq_len);
    if (d.n_batch == 0) d.n_batch = 64;
    if (d.n_batch < 0) return llm__fail(err, LLM_ERR_INVALID_ARG, "negative n_batch");
    if ((unsigned)d.precision > LLM_PRECISION_BF16 || (unsigned)d.backend > LLM_BACKEND_CUDA)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "unknown precision or backend");
    d.n_batch = LLM__MIN(d.n_batch, d.n_ctx);
    if (!d.allocator.alloc_fn) d.allocator = m->alloc;
    if (!d.log_fn) { d.log_fn = m->log_fn; d.log_user_data = m->log_user; }
    if ((st = llm__pick_ops(d.backend, &m->cfg, d.log_fn, d.log_user_data, &ops, err)) != LLM_OK) return st;
    s = (llm_session *)llm__calloc(&d.allocator, 1, sizeof *s);
    if (!s) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    s->model = m; s->d = d;
    s->n_ctx = d.n_ctx; s->n_batch = d.n_batch;
    s->diag.log_fn = d.log_fn; s->diag.log_user = d.log_user_data;
    ws = LLM__MAX(llm__gemm_ws(s->n_batch), llm__kv_ws(c->n_head, c->n_kv_head, c->head_dim));
    memset(&info, 0, sizeof info);
    info.bf16 = d.precision != LLM_PRECISION_FP32;
    info.max_rows = (size_t)s->n_batch;
    info.max_cols = (size_t)LLM__MAX(LLM__MAX(c->padded_vocab_size, 2 * c->ffn_dim),
                                     LLM__MAX(3 * c->dim, llm__qkvdim(c)));
    info.n_head = c->n_head; info.n_kv_head = c->n_kv_head; info.head_dim = c->head_dim;
    st = llm__ctx_init(&s->x, ops, d.pool, &d.allocator, ws, &info);
    if (st == LLM_OK) st = llm__session_alloc(s);
    if (st != LLM_OK || llm__ctx_check(&s->x, &s->diag) != LLM_OK) {
        if (s->diag.err.status != LLM_OK) st = llm__fail(err, s->diag.err.status, "%s", s->diag.err.message);
        else if (st == LLM_ERR_UNSUPPORTED)
            st = llm__fail(err, st, "a GPU session needs fp32 weights: the model was loaded quantized_only");
        else st = llm__fail(err, st, "out of memory for a session (n_ctx %d)", d.n_ctx);
        llm_session_free(s);
        return st;
    }
    *out = s;
    llm__ok(err);
    return LLM_OK;
}

LLMDEF void llm_session_free(llm_session *s) {
    llm_allocator a;
    const llm__ctx *x;
    if (!s) return;
    a = s->d.allocator;
    x = &s->x;
    if (x->ops) {
        x->ops->free(x, s->kcache); x->ops->free(x, s->vcache); x->ops->free(x, s->mem);
        x->ops->free(x, s->dparams); x->ops->free(x, s->dtok); x->ops->free(x, s->dlogits);
    }
    llm__dealloc(&a, s->tokens); llm__dealloc(&a, s->logits); llm__dealloc(&a, s->x.qbuf);
    llm__dealloc(&a, s->lora.u);
    llm__ctx_free(&s->x);
    llm__dealloc(&a, s);
}
LLMDEF llm_status llm_session_set_lora(llm_session *s, const llm_lora *lo, float scale) {
    float *u;
    if (!s) return LLM_ERR_INVALID_ARG;
    if (!lo) { s->lora.lo = NULL; return LLM_OK; }
    if (!llm__lora_fits(&s->model->cfg, &lo->cfg))
        return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "the adapter was made for another model shape");
    if (!s->x.ops->host_memory) return llm__dfail(&s->diag, LLM_ERR_UNSUPPORTED, "adapters apply to CPU sessions");
    if (!isfinite(scale)) return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "LoRA scale is not finite");
    if (!(u = (float *)llm__alloc(&s->x.alloc, 2 * (size_t)s->n_batch * (size_t)lo->rank * sizeof(float))))
        return llm__dfail(&s->diag, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    llm__dealloc(&s->x.alloc, s->lora.u);
    s->lora.lo = lo;
    s->lora.scale = scale * lo->alpha / (float)lo->rank;
    s->lora.u = u;
    s->lora.du = u + (size_t)s->n_batch * (size_t)lo->rank;
    s->lora.g = NULL;
    return LLM_OK;
}

#define LLM__LOGITS_NONE 0   /* an early prefill chunk: nobody reads its logits */
#define LLM__LOGITS_LAST 1   /* the last row's, into s->logits */
#define LLM__LOGITS_ALL 2    /* every row's, into the caller's buffer (beam: one row per beam) */

/* One forward pass over n <= n_batch tokens at positions pos .. pos+n-1: fills the cache and
   the logits asked for. With beam != NULL the n rows are n beams at the same position
   pos + k_pos: their k, v go to the beams' suffix caches, the session cache (the prompt)
   is only read, and the position does not move. */
/* The final norm and the classifier on one row of the residual stream: the logits of the
   last token (on a GPU they stay there until llm_session_logits or the argmax wants them). */
static void llm__session_head(llm_session *s, const float *row) {
    const llm_model *m = s->model;
    const llm_config *c = &m->cfg;
    const llm__ctx *x = &s->x;
    float *P = (float *)(uintptr_t)s->params;
    const int prefill = s->x.prefill;
    s->x.prefill = 0;   /* one row, always the decode path: the same bits however it is reached */
    x->ops->norm_fwd(x, s->xb, s->mean, s->rstd, row, P + m->lnfw, llm__PW(P, m->lnfb), 1, c->dim, c->norm_eps,
                     c->arch != LLM_ARCH_GPT2);
    x->ops->matmul_fwd(x, x->ops->host_memory ? s->logits : s->dlogits, s->xb, P + m->head, NULL, 1, c->dim,
                       c->vocab_size);
    s->x.prefill = prefill;
    s->logits_stale = !x->ops->host_memory;
}

static void llm__session_forward(llm_session *s, const int32_t *tok, int n, int want, float *all_logits,
                                 const llm__beam_kv *beam) {
    const llm_model *m = s->model;
    const llm_config *c = &m->cfg;
    const llm__ctx *x = &s->x;
    const llm__ops *op = x->ops;
    float *P = (float *)(uintptr_t)s->params;
    const int C = c->dim, NKV = c->n_kv_head, hs = c->head_dim, half = hs / 2;
    const int gpt2 = c->arch == LLM_ARCH_GPT2, rpos = beam ? s->pos + beam->k_pos : s->pos, V = c->vocab_size;
    const size_t N = (size_t)n, layer_kv = (size_t)NKV * s->n_ctx * hs;
    const int32_t *dtok = tok;
    llm__rows r;
    llm__la la;
    llm__kv kv;
    int l;
    if (!op->host_memory) {   /* the tokens where the backend reads them */
        op->upload(x, s->dtok, tok, N * sizeof(int32_t));
        dtok = s->dtok;
    }
    /* every layer reads x and writes back into it: one layer's scratch serves them all */
    memset(&la, 0, sizeof la);   /* (no head norm inputs kept: nothing goes backward) */
    la.x = s->xs; la.res2 = s->xs; la.res3 = s->xs;
    la.ln1 = s->xb; la.ln2 = s->xb; la.tmp = s->xb;
    la.ln1_mean = s->mean; la.ln1_rstd = s->rstd; la.ln2_mean = s->mean; la.ln2_rstd = s->rstd;
    la.qkv = s->qkv; la.atty = s->att; la.lse = NULL; la.fch = s->fch; la.fch_act = s->fch_act;
    la.atto = s->post; la.mlpo = s->post; la.pn1_rstd = s->rstd; la.pn2_rstd = s->rstd;
    memset(&r, 0, sizeof r);
    r.N = N; r.B = 1; r.T = n; r.kv = &kv;
    r.rope_cos = s->rope_cos + (size_t)rpos * half; r.rope_sin = s->rope_sin + (size_t)rpos * half;
    if (s->rope_lcos) {
        r.rope_lcos = s->rope_lcos + (size_t)rpos * half; r.rope_lsin = s->rope_lsin + (size_t)rpos * half;
    }
    r.rope_T = beam ? 1 : n;   /* beams all sit at one position: a table of one row */
    memset(&kv, 0, sizeof kv);
    kv.n_ctx = s->n_ctx; kv.pos0 = s->pos;
    op->embed_fwd(x, s->xs, dtok, P + m->wte, llm__PW(P, m->wpe), N, beam ? 1 : n, rpos, C);
    if (llm__is_gemma(c)) op->scale(x, s->xs, llm__embed_scale(c), N * C);
    for (l = 0; l < c->n_layer; l++) {
        llm__lw w;
        llm__layer_ptrs(m, P, l, &w);
        if (s->lora.lo) w.lora = &s->lora;
        kv.k = s->kcache + (size_t)l * layer_kv; kv.v = s->vcache + (size_t)l * layer_kv;
        if (beam) {
            const size_t lb = (size_t)l * beam->n_beams * NKV * beam->cap * hs;
            kv.bk = beam->k + lb; kv.bv = beam->v + lb; kv.bcap = beam->cap; kv.bpos = beam->k_pos;
        }
        llm__block_forward(x, c, &w, &la, &r);
    }
    if (want == LLM__LOGITS_ALL) {   /* into the caller's host buffer */
        float *dst = op->host_memory ? all_logits : s->dlogits;
        op->norm_fwd(x, s->xb, s->mean, s->rstd, s->xs, P + m->lnfw, llm__PW(P, m->lnfb), N, C, c->norm_eps, !gpt2);
        op->matmul_fwd(x, dst, s->xb, P + m->head, NULL, N, C, V);
        if (!op->host_memory) op->download(x, all_logits, s->dlogits, N * (size_t)V * sizeof(float));
        if (!beam) memcpy(s->logits, all_logits + (N - 1) * V, (size_t)V * sizeof(float));
        s->logits_stale = 0;
    } else if (want == LLM__LOGITS_LAST) {
        llm__session_head(s, s->xs + (N - 1) * C);
    }
    if (beam) { s->pending = 0; return; }
    if (s->tokens + s->pos != tok) memcpy(s->tokens + s->pos, tok, N * sizeof(int32_t));
    s->pos += n;
    s->logits_valid = want != LLM__LOGITS_NONE;
    s->pending = want == LLM__LOGITS_NONE ? n : 0;
}

/* The logits of the last token after a forward that skipped them: the final norm and the
   classifier on the last row the forward left in xs. */
static void llm__session_finish(llm_session *s) {
    if (s->logits_valid || !s->pending) return;
    llm__session_head(s, s->xs + (size_t)(s->pending - 1) * s->model->cfg.dim);
    s->logits_valid = 1;
    s->pending = 0;
}

/* Appends n tokens in chunks of n_batch; `want` is for the last chunk. whole: the tokens of
   the prompt these n belong to (n itself unless a generator cut it by time); more than a few
   make it a prefill, whose rows all take the GEMM however few a chunk has (see >>matmul). */
static llm_status llm__session_eval(llm_session *s, const int32_t *tokens, int n, float *all_logits, int want,
                                    int whole) {
    const int V = s->model->cfg.vocab_size, start = s->pos;
    int done = 0;
    llm_status st;
    llm_error e;
    if (n <= 0 || !tokens) return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "eval needs at least one token");
    if (n > s->n_ctx - s->pos)
        return llm__dfail(&s->diag, LLM_ERR_CONTEXT_FULL, "context full: %d tokens at position %d exceed n_ctx %d", n,
                          s->pos, s->n_ctx);
    if ((st = llm__check_tokens(s->model, tokens, (size_t)n, &e)) != LLM_OK)
        return llm__dfail(&s->diag, st, "%s", e.message);
    while (done < n) {
        const int chunk = LLM__MIN(s->n_batch, n - done), last = done + chunk == n;
        if (s->d.progress && done > 0 && s->d.progress((float)done / (float)n, s->d.progress_user_data)) {
            s->pos = start;     /* all or nothing */
            s->logits_valid = 0;
            s->pending = 0;
            s->x.prefill = 0;
            return llm__dfail(&s->diag, LLM_ERR_CANCELLED, "prefill cancelled after %d of %d tokens", done, n);
        }
        s->x.prefill = whole > LLM__MATVEC_ROWS && s->n_batch > LLM__MATVEC_ROWS;
        if (all_logits)
            llm__session_forward(s, tokens + done, chunk, LLM__LOGITS_ALL, all_logits + (size_t)done * V, NULL);
        else
            llm__session_forward(s, tokens + done, chunk, last ? want : LLM__LOGITS_NONE, NULL, NULL);
        done += chunk;
    }
    s->x.prefill = 0;
    if (s->d.progress) s->d.progress(1.0f, s->d.progress_user_data);
    return llm__ctx_check(&s->x, &s->diag);
}
LLMDEF llm_status llm_session_eval(llm_session *s, const int32_t *tokens, int n, float *all_logits) {
    if (!s) return LLM_ERR_INVALID_ARG;
    return llm__session_eval(s, tokens, n, all_logits, LLM__LOGITS_LAST, n);
}
LLMDEF const float *llm_session_logits(const llm_session *s) {
    if (!s || !s->logits_valid) return NULL;
    if (s->logits_stale) {   /* a GPU session: the logits come over now */
        llm_session *w = (llm_session *)(uintptr_t)s;
        w->x.ops->download(&w->x, w->logits, w->dlogits, (size_t)s->model->cfg.vocab_size * sizeof(float));
        w->logits_stale = 0;
    }
    return s->logits;
}
/* The argmax of the last token's logits, where they are (a GPU sends back one id). */
static int32_t llm__session_argmax(const llm_session *s) {
    const llm__ctx *x = &s->x;
    if (s->logits_stale) return x->ops->argmax(x, s->dlogits, s->model->cfg.vocab_size);
    return llm__argmax(x, s->logits, s->model->cfg.vocab_size);
}
LLMDEF int llm_session_pos(const llm_session *s) { return s ? s->pos : 0; }
LLMDEF const char *llm_session_backend(const llm_session *s) { return s ? s->x.name : "NULL session"; }
LLMDEF int llm_session_n_ctx(const llm_session *s) { return s ? s->n_ctx : 0; }
LLMDEF const int32_t *llm_session_tokens(const llm_session *s) { return s ? s->tokens : NULL; }
LLMDEF const llm_model *llm_session_model(const llm_session *s) { return s ? s->model : NULL; }
LLMDEF const char *llm_session_last_error(const llm_session *s) { return s ? s->diag.err.message : "NULL session"; }
LLMDEF void llm_session_reset(llm_session *s) { if (s) { s->pos = 0; s->logits_valid = 0; s->pending = 0; } }
LLMDEF llm_status llm_session_rewind(llm_session *s, int pos) {
    if (!s) return LLM_ERR_INVALID_ARG;
    if (pos < 0 || pos > s->pos)
        return llm__dfail(&s->diag, LLM_ERR_OUT_OF_RANGE, "rewind to %d outside 0..%d", pos, s->pos);
    if (pos != s->pos) { s->logits_valid = 0; s->pending = 0; }
    s->pos = pos;
    return LLM_OK;
}

LLMDEF llm_status llm_session_shift(llm_session *s, int n_keep) {
    const llm_config *c;
    const llm__ctx *x;
    int n_discard, moved, b, hs;
    if (!s) return LLM_ERR_INVALID_ARG;
    c = &s->model->cfg; x = &s->x; hs = c->head_dim;
    if (n_keep < 0 || n_keep >= s->pos)
        return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "n_keep %d must be below the position %d", n_keep, s->pos);
    n_discard = (s->pos - n_keep) / 2;
    if (n_discard == 0) return LLM_OK;
    moved = s->pos - n_keep - n_discard;
    s->pending = 0;
    memmove(s->tokens + n_keep, s->tokens + n_keep + n_discard, (size_t)moved * sizeof(int32_t));
    if (c->arch == LLM_ARCH_GPT2) {   /* learned positions: recompute the kept tokens */
        const int kept = s->pos - n_discard;
        s->pos = 0;
        s->logits_valid = 0;
        return kept ? llm__session_eval(s, s->tokens, kept, NULL, LLM__LOGITS_LAST, kept) : LLM_OK;
    }
    /* RoPE is relative: moving a key from position p to p - d is one more rotation by
       -d * freq, and row d of the table holds the angle d * freq */
    for (b = 0; b < c->n_layer * c->n_kv_head; b++) {
        float *K = s->kcache + (size_t)b * s->n_ctx * hs, *V = s->vcache + (size_t)b * s->n_ctx * hs;
        const int local = llm__layer_window(c, b / c->n_kv_head) > 0;   /* Gemma 3: the layer's own table */
        const float *cs = local ? s->rope_lcos : s->rope_cos, *sn = local ? s->rope_lsin : s->rope_sin;
        x->ops->copy(x, K + (size_t)n_keep * hs, K + (size_t)(n_keep + n_discard) * hs, (size_t)moved * hs * 4);
        x->ops->copy(x, V + (size_t)n_keep * hs, V + (size_t)(n_keep + n_discard) * hs, (size_t)moved * hs * 4);
        x->ops->rope(x, K + (size_t)n_keep * hs, cs + (size_t)n_discard * (hs / 2), sn + (size_t)n_discard * (hs / 2),
                     (size_t)moved, 1, 1, hs, hs, -1);
    }
    s->pos -= n_discard;
    return LLM_OK;
}

/* State blob, little-endian: "LLMS" u32 version (2), u32 n_layer, n_kv_head, hs, vocab, pos,
   then pos tokens and, per layer and kv head, pos rows of k then v; then u32 1 and the vocab
   logits of the last token when the session has them (u32 0 when not: after a rewind); then
   u32 sampler bytes (0 = none) and the sampler's state (RNG and penalty window). Version 1
   (no logits word) is still read. The logits are stored, not recomputed on load, because a
   recomputation is not always the same bits: a token evaluated inside a prefill batch goes
   through the GEMM, one decode step through the matvec, and the two round differently; a
   restored conversation must continue exactly as the saved one would. */
#define LLM__STATE_HDR 28
static size_t llm__session_kv_bytes(const llm_session *s, size_t pos) {
    const llm_config *c = &s->model->cfg;
    return pos * 4 + 2 * (size_t)c->n_layer * c->n_kv_head * pos * (size_t)c->head_dim * 4;
}
/* Whether the session has the last token's logits, or can make them (a prefill that skipped
   them left the last row in xs: llm__session_finish). */
static int llm__session_has_logits(const llm_session *s) { return s->pos > 0 && (s->logits_valid || s->pending); }
static size_t llm__session_state_size(const llm_session *s, const llm_sampler *smp) {
    return LLM__STATE_HDR + llm__session_kv_bytes(s, (size_t)s->pos) + 4 +
           (llm__session_has_logits(s) ? (size_t)s->model->cfg.vocab_size * 4 : 0) + 4 +
           (smp ? llm__sampler_state_size(smp) : 0);
}
LLMDEF llm_status llm_session_save_mem(const llm_session *s, const llm_sampler *smp, void *buf, size_t cap,
                                       size_t *size) {
    const llm_config *c;
    const llm__ctx *x;
    llm__diag *dg;
    size_t hs, need, smp_bytes;
    unsigned char *p = (unsigned char *)buf;
    int b;
    if (!s) return LLM_ERR_INVALID_ARG;
    c = &s->model->cfg; x = &s->x; dg = (llm__diag *)(uintptr_t)&s->diag;
    hs = (size_t)c->head_dim; need = llm__session_state_size(s, smp);
    smp_bytes = smp ? llm__sampler_state_size(smp) : 0;
    if (size) *size = need;
    if (!buf && cap == 0) return LLM_OK;   /* a size query */
    if (!buf) return llm__dfail(dg, LLM_ERR_INVALID_ARG, "NULL buffer");
    if (cap < need) return llm__dfail(dg, LLM_ERR_BUFFER_TOO_SMALL, "state needs %lu bytes", (unsigned long)need);
    if (llm__ctx_check(x, dg) != LLM_OK) return s->diag.err.status;
    memcpy(p, "LLMS", 4);
    llm__put_le(p + 4, 2, 4);
    llm__put_le(p + 8, (uint32_t)c->n_layer, 4);
    llm__put_le(p + 12, (uint32_t)c->n_kv_head, 4);
    llm__put_le(p + 16, (uint32_t)hs, 4); llm__put_le(p + 20, (uint32_t)c->vocab_size, 4);
    llm__put_le(p + 24, (uint32_t)s->pos, 4);
    p += LLM__STATE_HDR;
    memcpy(p, s->tokens, (size_t)s->pos * 4);   /* little-endian, as the whole blob */
    llm__le32_words(p, (size_t)s->pos); p += (size_t)s->pos * 4;
    for (b = 0; b < c->n_layer * c->n_kv_head; b++) {   /* each (layer, kv head): k rows, v rows */
        const size_t off = (size_t)b * s->n_ctx * hs, n = (size_t)s->pos * hs * 4;
        x->ops->download(x, p, s->kcache + off, n); llm__le32_words(p, n / 4); p += n;
        x->ops->download(x, p, s->vcache + off, n); llm__le32_words(p, n / 4); p += n;
    }
    if (llm__session_has_logits(s)) {
        /* logits a prefill left for later are made now, as the next generation would make
           them (the session's state does not change: only when they are computed) */
        const float *lg;
        llm__session_finish((llm_session *)(uintptr_t)s);
        lg = llm_session_logits(s);
        llm__put_le(p, 1, 4); p += 4;
        memcpy(p, lg, (size_t)c->vocab_size * 4); llm__le32_words(p, (size_t)c->vocab_size);
        p += (size_t)c->vocab_size * 4;
    } else {
        llm__put_le(p, 0, 4); p += 4;
    }
    if (llm__ctx_check(x, dg) != LLM_OK) return s->diag.err.status;
    llm__put_le(p, (uint32_t)smp_bytes, 4); p += 4;
    if (smp && llm_sampler_save_mem(smp, p, smp_bytes, NULL) != LLM_OK)
        return llm__dfail(dg, LLM_ERR_INVALID_ARG, "cannot save the sampler: %s", llm_sampler_last_error(smp));
    return LLM_OK;
}
/* Rows [r0, r1) of every (layer, kv head) of the cache from the blob's k/v section at p
   (holding pos rows per block). */
static llm_status llm__state_rows(llm_session *s, const unsigned char *p, size_t pos, size_t r0, size_t r1) {
    const llm_config *c = &s->model->cfg;
    const llm__ctx *x = &s->x;
    const size_t hs = (size_t)c->head_dim, n = (r1 - r0) * hs * 4;
    float *tmp = NULL;
    int b;
    if (r1 <= r0) return LLM_OK;
    if (!llm__host_is_le() && !(tmp = (float *)llm__alloc(&x->alloc, n + 4)))   /* big-endian: swap first */
        return llm__dfail(&s->diag, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    for (b = 0; b < c->n_layer * c->n_kv_head; b++) {
        const size_t off = (size_t)b * s->n_ctx * hs + r0 * hs, blk = pos * hs * 4 * 2 * (size_t)b + r0 * hs * 4;
        const unsigned char *k = p + blk, *v = p + blk + pos * hs * 4;
        if (tmp) {
            memcpy(tmp, k, n); llm__le32_words(tmp, n / 4); x->ops->upload(x, s->kcache + off, tmp, n);
            memcpy(tmp, v, n); llm__le32_words(tmp, n / 4); x->ops->upload(x, s->vcache + off, tmp, n);
        } else {
            x->ops->upload(x, s->kcache + off, k, n);
            x->ops->upload(x, s->vcache + off, v, n);
        }
    }
    llm__dealloc(&x->alloc, tmp);
    return LLM_OK;
}
LLMDEF llm_status llm_session_load_mem(llm_session *s, llm_sampler *smp, const void *buf, size_t size) {
    const llm_config *c;
    const unsigned char *p = (const unsigned char *)buf, *kvp, *lgp = NULL;
    size_t hs, kvb, at, smp_bytes;
    uint32_t pos, version, has_logits = 0;
    llm_status st;
    if (!s) return LLM_ERR_INVALID_ARG;
    c = &s->model->cfg; hs = (size_t)c->head_dim;
    if (!buf || size < LLM__STATE_HDR + 4 || memcmp(p, "LLMS", 4) != 0)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT, "not a session state (bad magic or size)");
    version = llm__rd_u32(p + 4);
    if (version != 1 && version != 2)
        return llm__dfail(&s->diag, LLM_ERR_UNSUPPORTED, "session state version %u (this build reads 1 and 2)",
                          version);
    if (llm__rd_u32(p + 8) != (uint32_t)c->n_layer || llm__rd_u32(p + 12) != (uint32_t)c->n_kv_head ||
        llm__rd_u32(p + 16) != (uint32_t)hs || llm__rd_u32(p + 20) != (uint32_t)c->vocab_size)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT,
                          "session state is for another model shape (n_layer %u, n_kv_head %u, head size %u, vocab "
                          "%u; this model %d, %d, %d, %d)",
                          llm__rd_u32(p + 8), llm__rd_u32(p + 12), llm__rd_u32(p + 16), llm__rd_u32(p + 20),
                          c->n_layer, c->n_kv_head, (int)hs, c->vocab_size);
    pos = llm__rd_u32(p + 24);
    if (pos > (uint32_t)s->n_ctx)
        return llm__dfail(&s->diag, LLM_ERR_CONTEXT_FULL, "state holds %u positions, this session %d", pos, s->n_ctx);
    kvb = llm__session_kv_bytes(s, pos);
    at = LLM__STATE_HDR + kvb;   /* what follows the cache */
    if (size < at + 4)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT, "session state truncated (%lu bytes, the cache of %u positions "
                          "needs %lu)", (unsigned long)size, pos, (unsigned long)(at + 4));
    if (version == 2) {
        has_logits = llm__rd_u32(p + at);
        if (has_logits > 1 || (has_logits && pos == 0))
            return llm__dfail(&s->diag, LLM_ERR_FORMAT, "session state: logits flag %u at byte %lu (expected 0 or 1%s)",
                              has_logits, (unsigned long)at, pos ? "" : "; 0 without tokens");
        at += 4;
        if (has_logits) {
            if (size - at < (size_t)c->vocab_size * 4 + 4)
                return llm__dfail(&s->diag, LLM_ERR_FORMAT, "session state truncated in the logits (%lu bytes)",
                                  (unsigned long)size);
            lgp = p + at;
            at += (size_t)c->vocab_size * 4;
        }
        if (size - at < 4)
            return llm__dfail(&s->diag, LLM_ERR_FORMAT, "session state truncated (%lu bytes)", (unsigned long)size);
    }
    smp_bytes = llm__rd_u32(p + at);
    if (size - at - 4 != smp_bytes)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT,
                          "session state truncated or padded (%lu bytes; the sampler part says %lu of %lu left)",
                          (unsigned long)size, (unsigned long)smp_bytes, (unsigned long)(size - at - 4));
    {   /* check the tokens before anything changes */
        uint32_t i;
        for (i = 0; i < pos; i++) {
            uint32_t t = llm__rd_u32(p + LLM__STATE_HDR + 4 * (size_t)i);
            if (t >= (uint32_t)c->vocab_size)
                return llm__dfail(&s->diag, LLM_ERR_FORMAT, "session state: token %u at %u outside [0, %d)", t, i,
                                  c->vocab_size);
        }
    }
    if (smp && smp_bytes && (st = llm_sampler_load_mem(smp, p + at + 4, smp_bytes)) != LLM_OK)
        return llm__dfail(&s->diag, st, "sampler state: %s", llm_sampler_last_error(smp));
    p += LLM__STATE_HDR;
    kvp = p + (size_t)pos * 4;
    s->pos = 0;
    s->logits_valid = 0;
    s->pending = 0;
    { uint32_t i; for (i = 0; i < pos; i++) s->tokens[i] = (int32_t)llm__rd_u32(p + 4 * (size_t)i); }
    if ((st = llm__state_rows(s, kvp, pos, 0, pos)) != LLM_OK) return st;
    s->pos = (int)pos;
    if (lgp) {   /* the logits as they were */
        memcpy(s->logits, lgp, (size_t)c->vocab_size * 4);
        llm__le32_words(s->logits, (size_t)c->vocab_size);
        s->logits_stale = 0;
        s->logits_valid = 1;
    } else if (pos > 0) {
        /* none stored (the session had none, or version 1): one decode step of the last
           token makes them, then its cache row is put back as stored (the step may round it
           differently from the batch that first computed it) */
        s->pos = (int)pos - 1;
        llm__session_forward(s, s->tokens + pos - 1, 1, LLM__LOGITS_LAST, NULL, NULL);
        if ((st = llm__state_rows(s, kvp, pos, pos - 1, pos)) != LLM_OK) {
            s->pos = 0; s->logits_valid = 0;
            return st;
        }
    }
    return llm__ctx_check(&s->x, &s->diag);
}
LLMDEF llm_status llm_session_save(const llm_session *s, const llm_sampler *smp, const char *path) {
    size_t n;
    void *buf;
    llm_status st;
    llm_error e;
    llm__diag *dg;
    if (!s || !path) return LLM_ERR_INVALID_ARG;
    dg = (llm__diag *)(uintptr_t)&s->diag;
    n = llm__session_state_size(s, smp);
    buf = llm__alloc(&s->x.alloc, n);
    if (!buf) return llm__dfail(dg, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    st = llm_session_save_mem(s, smp, buf, n, NULL);
    if (st == LLM_OK && (st = llm__write_file(path, buf, n, &e)) != LLM_OK) llm__dfail(dg, st, "%s", e.message);
    llm__dealloc(&s->x.alloc, buf);
    return st;
}
LLMDEF llm_status llm_session_load(llm_session *s, llm_sampler *smp, const char *path) {
    void *buf;
    size_t n;
    llm_error e;
    llm_status st;
    if (!s || !path) return LLM_ERR_INVALID_ARG;
    st = llm_read_file(path, &s->x.alloc, &buf, &n, &e);
    if (st != LLM_OK) return llm__dfail(&s->diag, st, "%s", e.message);
    st = llm_session_load_mem(s, smp, buf, n);
    llm__dealloc(&s->x.alloc, buf);
    return st;
}

/* =========================================================================================
   >>sampler: penalties, logit bias, temperature, top-k, top-p, min-p, draw

   A model gives one logit l_i per token; softmax turns them into probabilities
       p_i = exp(l_i / T) / sum_j exp(l_j / T)
   and the sampler draws a token from (a truncated copy of) that distribution. The chain:

     1. penalties   tokens seen in the last penalty_last_n tokens are pushed down:
                    CTRL's repetition penalty (Keskar et al. 2019) divides a positive logit
                    by r and multiplies a negative one by r (both lower it for r > 1);
                    OpenAI's presence/frequency penalties subtract pres + count * freq.
     2. logit bias  the caller adds fixed amounts to chosen tokens (-inf bans a token).
     3. temperature T < 1 sharpens, T > 1 flattens; T = 0 means "take the argmax" (greedy,
                    which stops here: the filters below cannot change the argmax).
     4. top-k       keep the k most likely tokens (Fan et al. 2018).
     5. top-p       nucleus (Holtzman et al. 2019): keep the smallest set of most likely
                    tokens whose probability, renormalised after top-k, sums to >= p.
     6. min-p       keep tokens with p_i >= min_p * p_max (Nguyen et al. 2024).
     7. draw        u uniform in [0, 1); walk the kept tokens adding up their weights and
                    stop where the running sum passes u * (total weight).

   Every filter keeps a *prefix* of the tokens ranked by logit (ties: lower id first), so
   the result of 4-6 is simply the shortest of the three prefixes, measured in the right
   order (top-p renormalises over the top-k set; min-p compares with p_max, which any
   renormalisation leaves unchanged). That lets us avoid sorting the vocabulary:

     top-k   a bounded heap of k candidates whose root is the worst kept one: a token
             enters only when it beats the root, so one pass is O(V) plus O(log k) per
             token that gets in: O(V log k) at worst (logits in increasing order).
     top-p   without top-k: compute the weights w_i = exp((l_i - l_max) / T) and their sum
             Z in one pass. A token with w_i < (1 - p) Z / (V - 1) can never be in the
             nucleus (even all of them together weigh less than (1 - p) Z), so a second
             pass keeps only the others (llama2.c's trick; usually a few hundred tokens).
             Then a quickselect on *mass* finds the nucleus without sorting it: partition
             around a pivot; if the tokens ranked above the pivot already weigh p Z, the
             nucleus lies among them, otherwise they are all in and the search continues
             below the pivot for the rest of the mass. Expected O(V); if the pivots keep
             being bad, the remaining range is heap-sorted, so the worst case is
             O(V log V) (a nearly flat distribution with p near 1).
     min-p   a threshold on the scaled logit: (l_i - l_max) / T >= log(min_p). O(V).

   The kept set is not sorted: the draw only needs the weights, and walking them in any
   fixed order gives the right distribution. Everything is deterministic: the same seed,
   logits and calls give the same tokens (the RNG advances only when a token is drawn,
   not for greedy). All scratch (vocab_size logits, weights, candidates and counts) is
   allocated at create, so sampling never allocates. Cost per token at V = 50257 on one
   core (bench/sampler.c): greedy ~15 us, top-k 40 ~40 us, top-p 0.9 on an LLM-like
   distribution ~80 us, the flat worst case ~600 us; a full qsort would take ~6000 us.
   ========================================================================================= */

/* One candidate token: its logit after penalties and bias, its unnormalised weight
   exp((logit - max) / T), and its id. */
typedef struct llm__scand {
    float logit;
    float w;
    int32_t id;
} llm__scand;

struct llm_sampler {
    llm_allocator alloc;
    int vocab_size;
    int n_pad;                 /* vocab_size rounded up to 16 (the scratch arrays' length) */
    int greedy;                /* temperature 0 (or so small that 1/T overflows) */
    float inv_temp;            /* 1 / temperature */
    int top_k;                 /* 0 = off (also when >= vocab_size) */
    float top_p;               /* 0 = off (also when >= 1) */
    float min_p;               /* 0 = off */
    float repeat_penalty;      /* 0 = off (also 1) */
    float presence_penalty, frequency_penalty;
    int penalties;             /* any of the three is on */
    llm_logit_bias *bias;
    int n_bias;
    llm_rng rng;
    int32_t *window;           /* ring buffer of the last win_cap tokens; while it is not full
                                  the tokens sit in window[0, win_len) and win_head == win_len */
    int win_cap, win_len, win_head;
    int32_t *counts;           /* vocab_size occurrence counts; all zero between calls */
    float *work;               /* n_pad logits after penalties and bias (padding: -inf) */
    float *probs;              /* n_pad weights exp((logit - max) / T) */
    llm__scand *cand;           /* vocab_size candidates */
    llm__diag diag;            /* the last error (llm_sampler_last_error) */
};

/* The sampler's fast loops live in >>kernels: the worst-at-root heap of top-k, the
   quickselect on mass of the nucleus, the vectorised weights, max and dense draw. */
static int llm__sampler_top_k(const float *LLM__RESTRICT l, int V, int k, llm__scand *LLM__RESTRICT h);
static int llm__sampler_nucleus(llm__scand *a, int n, double need);
static double llm__sampler_weights(const float *LLM__RESTRICT l, float *LLM__RESTRICT w, int n_pad, float m,
                                   float inv_t);
static float llm__sampler_max(const float *LLM__RESTRICT w, int n_pad, int32_t *argmax);
static int32_t llm__sampler_draw_dense(const float *LLM__RESTRICT w, int V, double target, int32_t fallback);

/* A uniform double in [0, 1) from 53 random bits (two PCG outputs), fine-grained enough
   for 50K-token distributions where some probabilities are below 2^-24. */
static double llm__sampler_u01(llm_rng *r) {
    uint32_t hi = llm_rng_u32(r) >> 5, lo = llm_rng_u32(r) >> 6; /* 27 + 26 bits */
    return ((double)hi * 67108864.0 + (double)lo) * (1.0 / 9007199254740992.0);
}


static void llm__sampler_push(llm_sampler *s, int32_t token) {
    s->window[s->win_head] = token;
    s->win_head = s->win_head + 1 == s->win_cap ? 0 : s->win_head + 1;
    if (s->win_len < s->win_cap) s->win_len++;
}

/* Steps 1-2: copy the logits to s->work (checking them), apply the penalties and the bias;
   returns the argmax (the first one among equals) in *argmax and the max logit in *max. */
static llm_status llm__sampler_prepare(llm_sampler *s, const float *logits, float *max,
                                       int32_t *argmax) {
    const int V = s->vocab_size;
    float *LLM__RESTRICT w = s->work;
    float m;
    int i, bad = 0;
    int32_t am;
    /* NaN and +inf are refused, -inf (a banned token) passes. The test is on the bits (all
       exponent bits set = inf or NaN; 0xff800000 = -inf): integer operations vectorise, and
       -ffast-math cannot optimise them away as it may a float NaN test. A flag rather than
       an early exit keeps the loop a plain copy. */
    for (i = 0; i < V; i++) {
        uint32_t u;
        memcpy(&u, &logits[i], 4);
        bad |= ((u & 0x7f800000u) == 0x7f800000u) & (u != 0xff800000u);
        w[i] = logits[i];
    }
    if (bad) {
        for (i = 0; i < V && logits[i] <= FLT_MAX; i++) {}
        return llm__dfail(&s->diag, LLM_ERR_NON_FINITE, "logit %d is %s", i,
                         logits[i] != logits[i] ? "NaN" : "+inf");
    }
    if (s->penalties && s->win_len) {
        /* count each token of the window, then penalise each distinct token once (the count
           is zeroed as it is used, which also leaves counts all zero for the next call) */
        int32_t *cnt = s->counts;
        const int32_t *win = s->window;
        for (i = 0; i < s->win_len; i++) cnt[win[i]]++;
        for (i = 0; i < s->win_len; i++) {
            int32_t t = win[i];
            int c = cnt[t];
            float v;
            if (!c) continue;
            cnt[t] = 0;
            v = w[t];
            if (s->repeat_penalty != 0) v = v > 0 ? v / s->repeat_penalty : v * s->repeat_penalty;
            v -= (float)c * s->frequency_penalty + s->presence_penalty;
            w[t] = v;
        }
    }
    for (i = 0; i < s->n_bias; i++) w[s->bias[i].token] += s->bias[i].bias;
    /* the max (and the check again: a penalty or a bias can overflow to +inf) */
    m = llm__sampler_max(w, s->n_pad, &am);
    if (!(m <= FLT_MAX))
        return llm__dfail(&s->diag, LLM_ERR_NON_FINITE, "logit %d is +inf after penalties and bias", (int)am);
    if (m == -INFINITY) return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "every token is banned (all logits are -inf)");
    *max = m;
    *argmax = am;
    return LLM_OK;
}

/* Steps 3-6. Returns the kept candidates in s->cand[0, n) with their weights and the total
   weight in *total; n is 0 only when min_p > 1 filtered out everything. With no filter at
   all (*dense set) the candidates are the whole vocabulary: weights in s->probs[0, V) by id,
   and n = V. */
static int llm__sampler_filter(llm_sampler *s, float m, double *total, int *dense) {
    const int V = s->vocab_size, n_pad = s->n_pad;
    const float *LLM__RESTRICT l = s->work;
    float *LLM__RESTRICT w = s->probs;
    llm__scand *LLM__RESTRICT c = s->cand;
    const float inv_t = s->inv_temp;
    const int use_k = s->top_k > 0 && s->top_k < V;
    const int use_p = s->top_p > 0 && s->top_p < 1;
    const int use_min_p = s->min_p > 0;
    const float log_min_p = use_min_p ? logf(s->min_p) : -INFINITY;
    double z = 0;
    int n = 0, i, j;
    *dense = 0;
    if (use_k) {
        n = llm__sampler_top_k(l, V, s->top_k, c);
        for (i = 0; i < n; i++) { c[i].w = llm__exp_neg((c[i].logit - m) * inv_t); z += c[i].w; }
        if (use_p) n = llm__sampler_nucleus(c, n, (double)s->top_p * z);
    } else if (use_p) {
        /* weights of the whole vocabulary and their sum Z ... */
        double cut;
        float cut_f;
        z = llm__sampler_weights(l, w, n_pad, m, inv_t);
        /* ... keep only what can be in the nucleus (w >= (1 - p) Z / (V - 1), with a margin
           for rounding), skipping blocks of 16 that hold nothing ... */
        cut = V > 1 ? (1.0 - (double)s->top_p) * z / (double)(V - 1) * 0.999 : 0;
        cut_f = cut > 1e-30 ? (float)cut : 1e-30f; /* > 0: banned tokens (w = 0) stay out */
        for (i = 0; i < n_pad; i += 16) {
            int any = 0;
            for (j = 0; j < 16; j++) any |= w[i + j] >= cut_f;
            if (!any) continue;
            for (j = i; j < i + 16; j++) {
                if (w[j] >= cut_f) { c[n].logit = l[j]; c[n].w = w[j]; c[n].id = j; n++; }
            }
        }
        /* ... and find the nucleus among the rest */
        n = llm__sampler_nucleus(c, n, (double)s->top_p * z);
    } else if (use_min_p) {
        /* min-p alone: one pass keeps x = (l - max) / T >= log(min_p), blocks of 16 at once */
        for (i = 0; i < n_pad; i += 16) {
            int any = 0;
            for (j = 0; j < 16; j++) any |= (l[i + j] - m) * inv_t >= log_min_p;
            if (!any) continue;
            for (j = i; j < i + 16; j++) {
                float x = (l[j] - m) * inv_t;
                if (x >= log_min_p) { c[n].logit = l[j]; c[n].w = llm__exp_neg(x); c[n].id = j; n++; }
            }
        }
    } else {
        /* temperature alone: the whole vocabulary */
        *total = llm__sampler_weights(l, w, n_pad, m, inv_t);
        *dense = 1;
        return V;
    }
    if (use_min_p && (use_k || use_p)) {
        int k = 0;
        for (i = 0; i < n; i++) {
            if ((c[i].logit - m) * inv_t >= log_min_p) c[k++] = c[i];
        }
        n = k;
    }
    z = 0;
    for (i = 0; i < n; i++) z += c[i].w;
    *total = z;
    return n;
}

/* Step 7: walk the candidates until the running weight passes target = u * total. */
static int32_t llm__sampler_draw(const llm__scand *c, int n, double target) {
    double acc = 0;
    int i, last = 0;
    for (i = 0; i < n; i++) {
        if (c[i].w <= 0) continue;
        acc += c[i].w;
        last = i;
        if (acc > target) return c[i].id;
    }
    return c[last].id; /* rounding left acc a hair below target */
}
LLMDEF llm_status llm_sampler_candidates(llm_sampler *s, const float *logits, int32_t *ids, float *probs,
                                         int *n_out) {
    float m;
    int32_t am;
    double z = 1;
    int n = 0, i, dense = 0;
    llm_status st;
    if (n_out) *n_out = 0;
    if (!s) return LLM_ERR_INVALID_ARG;
    if (!logits || !ids || !probs || !n_out)
        return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "NULL logits, ids, probs or count");
    if ((st = llm__sampler_prepare(s, logits, &m, &am)) != LLM_OK) return st;
    if (!s->greedy) n = llm__sampler_filter(s, m, &z, &dense);
    if (n == 0) {
        ids[0] = am;
        probs[0] = 1;
        *n_out = 1;
        return LLM_OK;
    }
    if (dense) {
        for (i = 0, n = 0; i < s->vocab_size; i++) {
            if (s->probs[i] > 0) { ids[n] = i; probs[n] = (float)(s->probs[i] / z); n++; }
        }
    } else {
        for (i = 0; i < n; i++) {
            ids[i] = s->cand[i].id;
            probs[i] = (float)(s->cand[i].w / z);
        }
    }
    *n_out = n;
    return LLM_OK;
}

LLMDEF llm_status llm_sampler_sample(llm_sampler *s, const float *logits, int32_t *token) {
    float m = 0;
    int32_t am = 0, tok;
    llm_status st;
    if (!s) return LLM_ERR_INVALID_ARG;
    if (!logits || !token) return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "NULL logits or token");
    st = llm__sampler_prepare(s, logits, &m, &am);
    if (st != LLM_OK) return st;
    tok = am;
    if (!s->greedy) {
        double z;
        int dense, n = llm__sampler_filter(s, m, &z, &dense);
        if (n > 0) { /* n == 0: nothing survived, the argmax */
            double target = llm__sampler_u01(&s->rng) * z;
            tok = dense ? llm__sampler_draw_dense(s->probs, s->vocab_size, target, am)
                        : llm__sampler_draw(s->cand, n, target);
        }
    }
    llm__sampler_push(s, tok);
    *token = tok;
    llm__ok(&s->diag.err);
    return LLM_OK;
}

LLMDEF llm_status llm_sampler_accept(llm_sampler *s, int32_t token) {
    if (!s) return LLM_ERR_INVALID_ARG;
    if (token < 0 || token >= s->vocab_size)
        return llm__dfail(&s->diag, LLM_ERR_OUT_OF_RANGE, "token %ld outside [0, %d)", (long)token, s->vocab_size);
    llm__sampler_push(s, token);
    return LLM_OK;
}

LLMDEF void llm_sampler_reset(llm_sampler *s) {
    if (!s) return;
    s->win_len = 0;
    s->win_head = 0;
}

LLMDEF void llm_sampler_free(llm_sampler *s) {
    llm_allocator a;
    if (!s) return;
    a = s->alloc;
    llm__dealloc(&a, s->bias);
    llm__dealloc(&a, s->window);
    llm__dealloc(&a, s->counts);
    llm__dealloc(&a, s->work);
    llm__dealloc(&a, s->probs);
    llm__dealloc(&a, s->cand);
    llm__dealloc(&a, s);
}

LLMDEF llm_status llm_sampler_create(const llm_model *model, const llm_sampler_desc *desc, llm_sampler **out,
                                     llm_error *err) {
    llm_sampler *s;
    llm_sampler_desc d;
    const llm_allocator *a;
    size_t V;
    int i;
    if (out) *out = NULL;
    if (!out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL out");
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (d.vocab_size == 0) {
        if (!model) return llm__fail(err, LLM_ERR_INVALID_ARG, "a sampler needs a model or a vocab_size");
        d.vocab_size = model->cfg.vocab_size;
    }
    if (model && d.vocab_size != model->cfg.vocab_size)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "vocab_size %d differs from the model's %d (0 takes the model's)",
                         d.vocab_size, model->cfg.vocab_size);
    if (d.vocab_size < 0 || d.vocab_size > LLM_MAX_VOCAB)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "vocab_size %d out of range (1..%d)", d.vocab_size, LLM_MAX_VOCAB);
    /* !(x >= 0) also catches NaN */
    if (!(d.temperature >= 0) || !(d.temperature <= FLT_MAX))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "temperature must be finite and >= 0");
    if (d.top_k < 0) return llm__fail(err, LLM_ERR_INVALID_ARG, "top_k %d < 0", d.top_k);
    if (!(d.top_p >= 0)) return llm__fail(err, LLM_ERR_INVALID_ARG, "top_p must be >= 0");
    if (!(d.min_p >= 0)) return llm__fail(err, LLM_ERR_INVALID_ARG, "min_p must be >= 0");
    if (!(d.repeat_penalty >= 0) || !(d.repeat_penalty <= FLT_MAX))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "repeat_penalty must be finite and >= 0");
    if (!(fabsf(d.presence_penalty) <= FLT_MAX) || !(fabsf(d.frequency_penalty) <= FLT_MAX))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "presence/frequency penalties must be finite");
    if (d.penalty_last_n < 0 || d.penalty_last_n > (1 << 20))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "penalty_last_n %d out of range (0..1M)", d.penalty_last_n);
    if (d.n_logit_bias < 0 || (d.n_logit_bias > 0 && !d.logit_bias))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_logit_bias %d with no logit_bias array", d.n_logit_bias);
    for (i = 0; i < d.n_logit_bias; i++) {
        const llm_logit_bias *b = &d.logit_bias[i];
        if (b->token < 0 || b->token >= d.vocab_size)
            return llm__fail(err, LLM_ERR_OUT_OF_RANGE, "logit_bias[%d]: token %ld outside [0, %d)", i, (long)b->token,
                             d.vocab_size);
        if (!(b->bias <= FLT_MAX)) /* NaN or +inf; -inf bans the token */
            return llm__fail(err, LLM_ERR_INVALID_ARG, "logit_bias[%d]: bias must be a number below +inf", i);
    }
    a = &d.allocator;
    s = (llm_sampler *)llm__calloc(a, 1, sizeof *s);
    if (!s) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    s->alloc = d.allocator;
    s->vocab_size = d.vocab_size;
    s->inv_temp = d.temperature > 0 ? 1.0f / d.temperature : 0;
    s->greedy = !(d.temperature > 0) || !(s->inv_temp <= FLT_MAX);
    s->top_k = d.top_k;
    s->top_p = d.top_p;
    s->min_p = d.min_p;
    s->repeat_penalty = d.repeat_penalty == 1.0f ? 0.0f : d.repeat_penalty;
    s->presence_penalty = d.presence_penalty;
    s->frequency_penalty = d.frequency_penalty;
    s->penalties = s->repeat_penalty != 0 || s->presence_penalty != 0 || s->frequency_penalty != 0;
    s->n_bias = d.n_logit_bias;
    s->win_cap = d.penalty_last_n ? d.penalty_last_n : 64;
    llm_rng_seed(&s->rng, d.seed);
    V = (size_t)d.vocab_size;
    s->window = (int32_t *)llm__calloc(a, (size_t)s->win_cap, sizeof(int32_t));
    s->counts = (int32_t *)llm__calloc(a, V, sizeof(int32_t));
    s->n_pad = (int)((V + 15) / 16 * 16);
    s->work = (float *)llm__calloc(a, (size_t)s->n_pad, sizeof(float));
    s->probs = (float *)llm__calloc(a, (size_t)s->n_pad, sizeof(float));
    s->cand = (llm__scand *)llm__calloc(a, V, sizeof(llm__scand));
    if (s->n_bias) s->bias = (llm_logit_bias *)llm__calloc(a, (size_t)s->n_bias, sizeof(llm_logit_bias));
    if (!s->window || !s->counts || !s->work || !s->probs || !s->cand || (s->n_bias && !s->bias)) {
        llm_sampler_free(s);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for a %d-token sampler", d.vocab_size);
    }
    if (s->n_bias) memcpy(s->bias, d.logit_bias, (size_t)s->n_bias * sizeof(llm_logit_bias));
    for (i = d.vocab_size; i < s->n_pad; i++) s->work[i] = -INFINITY; /* never overwritten */
    *out = s;
    llm__ok(err);
    return LLM_OK;
}
LLMDEF int llm_sampler_vocab_size(const llm_sampler *s) { return s ? s->vocab_size : 0; }

/* State bytes, little-endian:
     0  "LSMP"   4  u32 version (1)   8  u32 vocab_size   12  u32 window length n
     16 u64 rng.state   24 u64 rng.inc   32  n x u32 tokens, oldest first */
#define LLM__SAMPLER_STATE_HDR 32

static size_t llm__sampler_state_size(const llm_sampler *s) {
    return LLM__SAMPLER_STATE_HDR + 4 * (size_t)s->win_len;
}

LLMDEF llm_status llm_sampler_save_mem(const llm_sampler *s, void *buf, size_t cap, size_t *size) {
    unsigned char *p = (unsigned char *)buf;
    size_t need;
    int i, start;
    if (size) *size = 0;
    if (!s) return LLM_ERR_INVALID_ARG;
    need = llm__sampler_state_size(s);
    if (size) *size = need;
    if (!buf && cap == 0) return LLM_OK;   /* a size query */
    if (!buf) return llm__dfail((llm__diag *)(uintptr_t)&s->diag, LLM_ERR_INVALID_ARG, "NULL buffer");
    if (cap < need)
        return llm__dfail((llm__diag *)(uintptr_t)&s->diag, LLM_ERR_BUFFER_TOO_SMALL, "sampler state needs %lu bytes",
                          (unsigned long)need);
    memcpy(p, "LSMP", 4);
    llm__put_le(p + 4, 1, 4);
    llm__put_le(p + 8, (uint64_t)s->vocab_size, 4);
    llm__put_le(p + 12, (uint64_t)s->win_len, 4);
    llm__put_le(p + 16, s->rng.state, 8);
    llm__put_le(p + 24, s->rng.inc, 8);
    /* oldest first: while the ring is not full it starts at 0, afterwards at win_head */
    start = s->win_len < s->win_cap ? 0 : s->win_head;
    for (i = 0; i < s->win_len; i++) {
        int j = start + i >= s->win_cap ? start + i - s->win_cap : start + i;
        llm__put_le(p + LLM__SAMPLER_STATE_HDR + 4 * (size_t)i, (uint64_t)(uint32_t)s->window[j], 4);
    }
    return LLM_OK;
}

LLMDEF llm_status llm_sampler_load_mem(llm_sampler *s, const void *buf, size_t size) {
    const unsigned char *p = (const unsigned char *)buf;
    uint64_t version, vocab, n, i, skip;
    if (!s) return LLM_ERR_INVALID_ARG;
    if (!buf || size < LLM__SAMPLER_STATE_HDR || memcmp(p, "LSMP", 4) != 0)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT, "not a sampler state (%lu bytes, bad magic or too short)",
                          (unsigned long)size);
    version = (uint64_t)llm__rd_u32(p + 4);
    vocab = (uint64_t)llm__rd_u32(p + 8);
    n = (uint64_t)llm__rd_u32(p + 12);
    if (version != 1)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT, "sampler state version %lu (expected 1)", (unsigned long)version);
    if (vocab != (uint64_t)s->vocab_size)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT, "sampler state for vocab_size %lu, this sampler has %d",
                          (unsigned long)vocab, s->vocab_size);
    if (n > (size - LLM__SAMPLER_STATE_HDR) / 4)
        return llm__dfail(&s->diag, LLM_ERR_FORMAT, "sampler state holds %lu tokens but only %lu bytes",
                          (unsigned long)n, (unsigned long)size);
    if ((llm__rd_u64(p + 24) & 1) == 0) return llm__dfail(&s->diag, LLM_ERR_FORMAT, "sampler state: bad RNG increment");
    for (i = 0; i < n; i++) {
        uint64_t t = (uint64_t)llm__rd_u32(p + LLM__SAMPLER_STATE_HDR + 4 * i);
        if (t >= (uint64_t)s->vocab_size)
            return llm__dfail(&s->diag, LLM_ERR_FORMAT, "sampler state: token %lu outside [0, %d)", (unsigned long)t,
                              s->vocab_size);
    }
    /* all checked: now change the sampler (keeping the newest win_cap tokens) */
    s->rng.state = llm__rd_u64(p + 16);
    s->rng.inc = llm__rd_u64(p + 24);
    skip = n > (uint64_t)s->win_cap ? n - (uint64_t)s->win_cap : 0;
    s->win_len = 0;
    s->win_head = 0;
    for (i = skip; i < n; i++) llm__sampler_push(s, (int32_t)(uint64_t)llm__rd_u32(p + LLM__SAMPLER_STATE_HDR + 4 * i));
    llm__ok(&s->diag.err);
    return LLM_OK;
}
LLMDEF llm_status llm_sampler_save(const llm_sampler *s, const char *path) {
    unsigned char *buf;
    size_t n;
    llm_status st;
    llm_error e;
    if (!s || !path) return LLM_ERR_INVALID_ARG;
    n = llm__sampler_state_size(s);
    buf = (unsigned char *)llm__alloc(&s->alloc, n);
    if (!buf) return llm__dfail((llm__diag *)(uintptr_t)&s->diag, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    st = llm_sampler_save_mem(s, buf, n, NULL);
    if (st == LLM_OK && (st = llm__write_file(path, buf, n, &e)) != LLM_OK)
        llm__dfail((llm__diag *)(uintptr_t)&s->diag, st, "%s", e.message);
    llm__dealloc(&s->alloc, buf);
    return st;
}
LLMDEF llm_status llm_sampler_load(llm_sampler *s, const char *path) {
    void *buf;
    size_t n;
    llm_error e;
    llm_status st;
    if (!s || !path) return LLM_ERR_INVALID_ARG;
    if ((st = llm_read_file(path, &s->alloc, &buf, &n, &e)) != LLM_OK) return llm__dfail(&s->diag, st, "%s", e.message);
    st = llm_sampler_load_mem(s, buf, n);
    llm__dealloc(&s->alloc, buf);
    return st;
}

LLMDEF const char *llm_sampler_last_error(const llm_sampler *s) {
    return s ? s->diag.err.message : "NULL sampler";
}

/* =========================================================================================
   >>generate: prompt -> prefill -> sample -> stream text (UTF-8 complete, stop strings held
   back), as one call or in bounded steps; and beam search over a shared prompt cache.
   ========================================================================================= */
struct llm_generator {
    llm_session *s;
    llm_sampler *smp;
    llm_generate_desc d;
    const llm_tokenizer *tok;
    llm_allocator alloc;
    int32_t *prompt;                 /* ids still to evaluate */
    int n_prompt, prompt_done;
    int32_t *stop_tokens;
    char **stop;                     /* copies of the stop strings */
    size_t *stop_len;
    int n_stop;
    char *pend;                      /* text held back (could start a stop string) */
    size_t pend_len, pend_cap;
    char *piece;                     /* detokenizer output */
    size_t piece_cap;
    char *clean;                     /* the same with invalid bytes as U+FFFD (3 x piece_cap) */
    llm_detok_state ds;
    int32_t eos;
    int32_t eot[8];                  /* the tokenizer's end-of-turn ids: they stop as EOS does */
    int n_eot;
    int n_generated, finished;
    double t_prefill, t_decode;
    /* measured costs (seconds) that size the work of a step to its budget: a prefill token
       (chunks of several tokens are cheaper per token, so this errs on the safe side), the
       logits after a prefill, and a decode step (sample, emit, eval one token) */
    double est_tok, est_logits, est_decode;
    int n_shifts;
    llm_stop_reason stop_reason;
    llm__diag diag;
};

LLMDEF void llm_generator_free(llm_generator *g) {
    llm_allocator a;
    int i;
    if (!g) return;
    a = g->alloc;
    for (i = 0; i < g->n_stop; i++) llm__dealloc(&a, g->stop[i]);
    llm__dealloc(&a, g->stop); llm__dealloc(&a, g->stop_len); llm__dealloc(&a, g->stop_tokens);
    llm__dealloc(&a, g->prompt); llm__dealloc(&a, g->pend); llm__dealloc(&a, g->piece); llm__dealloc(&a, g->clean);
    llm__dealloc(&a, g);
}

/* The prompt: ids, or text through the tokenizer. */
static llm_status llm__gen_prompt(llm_generator *g, const llm_generate_desc *desc, llm_error *err) {
    const llm_allocator *a = &g->alloc;
    llm_status st;
    if (desc->prompt_ids && desc->n_prompt_ids > 0) {
        g->n_prompt = desc->n_prompt_ids;
        g->prompt = (int32_t *)llm__alloc(a, (size_t)g->n_prompt * sizeof(int32_t));
        if (!g->prompt) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        memcpy(g->prompt, desc->prompt_ids, (size_t)g->n_prompt * sizeof(int32_t));
    } else if ((desc->prompt && (desc->prompt_len || desc->prompt[0])) || desc->add_bos) {
        const char *text = desc->prompt ? desc->prompt : "";
        size_t len = desc->prompt_len ? desc->prompt_len : strlen(text), n = 0;
        const int flags = desc->add_bos ? LLM_TOKENIZE_ADD_BOS : 0;
        if (!g->tok)
            return llm__fail(err, LLM_ERR_INVALID_ARG,
                             "a text prompt needs a tokenizer (none given, none with the model)");
        llm_tokenize(g->tok, text, len, flags, NULL, 0, &n);
        g->prompt = (int32_t *)llm__alloc(a, (n + 1) * sizeof(int32_t));
        if (!g->prompt) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        if ((st = llm_tokenize(g->tok, text, len, flags, g->prompt, n, &n)) != LLM_OK)
            return llm__fail(err, st, "cannot tokenize the prompt");
        g->n_prompt = (int)n;
    }
    return llm__check_tokens(g->s->model, g->prompt, (size_t)g->n_prompt, err);
}

/* Copies of the stop tokens and stop strings, and the text buffers sized for them. */
static llm_status llm__gen_stops(llm_generator *g, const llm_generate_desc *desc, llm_error *err) {
    const llm_allocator *a = &g->alloc;
    size_t max_stop = 0;
    int i;
    if (desc->n_stop_tokens) {
        g->stop_tokens = (int32_t *)llm__alloc(a, (size_t)desc->n_stop_tokens * sizeof(int32_t));
        if (!g->stop_tokens) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        memcpy(g->stop_tokens, desc->stop_tokens, (size_t)desc->n_stop_tokens * sizeof(int32_t));
    }
    g->d.stop_tokens = g->stop_tokens;
    if (desc->n_stop_strings) {
        if (!g->tok) return llm__fail(err, LLM_ERR_INVALID_ARG, "stop strings need a tokenizer");
        g->stop = (char **)llm__calloc(a, (size_t)desc->n_stop_strings, sizeof(char *));
        g->stop_len = (size_t *)llm__calloc(a, (size_t)desc->n_stop_strings, sizeof(size_t));
        if (!g->stop || !g->stop_len) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        for (i = 0; i < desc->n_stop_strings; i++) {
            size_t n = desc->stop_strings[i] ? strlen(desc->stop_strings[i]) : 0;
            if (n == 0) continue;   /* an empty stop string would stop at once: ignored */
            g->stop[g->n_stop] = (char *)llm__alloc(a, n + 1);
            if (!g->stop[g->n_stop]) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
            memcpy(g->stop[g->n_stop], desc->stop_strings[i], n + 1);
            g->stop_len[g->n_stop++] = n;
            max_stop = LLM__MAX(max_stop, n);
        }
    }
    g->d.stop_strings = NULL;
    g->piece_cap = (g->tok ? llm_tokenizer_max_piece(g->tok) : 0) + 16;
    g->pend_cap = 3 * g->piece_cap + max_stop + 16;
    g->piece = (char *)llm__alloc(a, g->piece_cap);
    g->clean = (char *)llm__alloc(a, 3 * g->piece_cap);
    g->pend = (char *)llm__alloc(a, g->pend_cap);
    if (!g->piece || !g->clean || !g->pend) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    return LLM_OK;
}

LLMDEF llm_status llm_generator_create(llm_session *s, llm_sampler *smp, const llm_generate_desc *desc,
                                       llm_generator **out, llm_error *err) {
    llm_generator *g;
    llm_status st;
    int i;
    if (out) *out = NULL;
    if (!s || !smp || !desc || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    if (desc->max_tokens < 0 || desc->n_prompt_ids < 0 || desc->n_stop_tokens < 0 || desc->n_stop_strings < 0 ||
        desc->n_keep < 0)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "negative count in the generate desc");
    if ((desc->n_prompt_ids && !desc->prompt_ids) || (desc->n_stop_tokens && !desc->stop_tokens) ||
        (desc->n_stop_strings && !desc->stop_strings))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "a count without its array in the generate desc");
    if (smp->vocab_size != s->model->cfg.vocab_size)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "the sampler's vocab_size %d is not the model's %d", smp->vocab_size,
                         s->model->cfg.vocab_size);
    g = (llm_generator *)llm__calloc(&s->x.alloc, 1, sizeof *g);
    if (!g) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    g->s = s; g->smp = smp; g->d = *desc; g->alloc = s->x.alloc;
    g->diag.log_fn = s->diag.log_fn; g->diag.log_user = s->diag.log_user;
    g->tok = desc->tokenizer ? desc->tokenizer : s->model->tokenizer;
    g->eos = g->tok ? llm_tokenizer_eos(g->tok) : -1;
    g->n_eot = llm_tokenizer_eot(g->tok, g->eot, 8);
    llm_detok_init(&g->ds);
    st = llm__gen_prompt(g, desc, err);
    if (st == LLM_OK && g->n_prompt == 0 && !s->logits_valid && !s->pending)
        st = llm__fail(err, LLM_ERR_INVALID_ARG, "nothing to continue from: empty prompt and no logits in the session");
    /* a prompt that does not fit: refused, or with context_shift, room made as generation makes
       it (the oldest half after n_keep dropped, again while needed) when it fits after n_keep */
    if (st == LLM_OK && g->n_prompt > s->n_ctx - s->pos &&
        !(desc->context_shift && g->n_prompt <= s->n_ctx - desc->n_keep - 1 && desc->n_keep < s->pos))
        st = llm__fail(err, LLM_ERR_CONTEXT_FULL, "prompt of %d tokens does not fit (position %d of %d)", g->n_prompt,
                       s->pos, s->n_ctx);
    if (st == LLM_OK) st = llm__gen_stops(g, desc, err);
    while (st == LLM_OK && g->n_prompt > s->n_ctx - s->pos) {
        const int before = s->pos;
        if ((st = llm_session_shift(s, desc->n_keep)) != LLM_OK)
            st = llm__fail(err, st, "context shift: %s", llm_session_last_error(s));
        else if (s->pos == before)
            st = llm__fail(err, LLM_ERR_CONTEXT_FULL, "prompt of %d tokens does not fit (position %d of %d)",
                           g->n_prompt, s->pos, s->n_ctx);
        g->n_shifts++;
    }
    if (st != LLM_OK) { llm_generator_free(g); return st; }
    for (i = 0; i < g->n_prompt; i++) llm_sampler_accept(smp, g->prompt[i]);   /* penalties see the prompt */
    *out = g;
    llm__ok(err);
    return LLM_OK;
}

/* Hands text on, holding back any tail that could still become a stop string. */
static void llm__gen_emit(llm_generator *g, const char *text, size_t len, int32_t token, int final) {
    size_t emit, hold = 0;
    int i;
    if (g->pend_len + len > g->pend_cap) {   /* cannot happen with the sizes above; be safe */
        if (g->d.on_text && g->pend_len && g->d.on_text(g->pend, g->pend_len, token, g->d.user_data))
            g->stop_reason = LLM_STOP_CALLBACK;
        g->pend_len = 0;
        if (len > g->pend_cap) len = g->pend_cap;
    }
    memcpy(g->pend + g->pend_len, text, len);
    g->pend_len += len;
    emit = g->pend_len;
    if (g->n_stop && g->stop_reason == LLM_STOP_NONE) {
        size_t first = (size_t)-1, p;
        for (i = 0; i < g->n_stop; i++)   /* the earliest complete stop string */
            for (p = 0; p + g->stop_len[i] <= g->pend_len && p < first; p++)
                if (memcmp(g->pend + p, g->stop[i], g->stop_len[i]) == 0) { first = p; break; }
        if (first != (size_t)-1) {
            emit = first;
            g->stop_reason = LLM_STOP_STRING;
        } else if (!final) {  /* the longest tail that is a proper prefix of a stop string */
            for (i = 0; i < g->n_stop; i++) {
                size_t k = LLM__MIN(g->stop_len[i] - 1, g->pend_len);
                for (; k > hold; k--)
                    if (memcmp(g->pend + g->pend_len - k, g->stop[i], k) == 0) { hold = k; break; }
            }
            emit = g->pend_len - hold;
        }
    }
    if (emit && g->d.on_text && g->d.on_text(g->pend, emit, token, g->d.user_data) && g->stop_reason == LLM_STOP_NONE)
        g->stop_reason = LLM_STOP_CALLBACK;
    if (g->stop_reason == LLM_STOP_STRING) { g->pend_len = 0; return; }
    memmove(g->pend, g->pend + emit, g->pend_len - emit);
    g->pend_len -= emit;
}

/* Text from the detokenizer is final (no character is split), but a model can produce bytes
   that never form a character (byte-level vocabularies): those become U+FFFD here, so the
   callback only ever sees valid UTF-8. */
static void llm__gen_text(llm_generator *g, size_t n, int32_t token, int final) {
    const unsigned char *p = (const unsigned char *)g->piece;
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = llm__utf8_decode(p + i, n - i, &cp);
        if (k) { memcpy(g->clean + o, p + i, k); o += k; i += k; }
        else { memcpy(g->clean + o, "\xEF\xBF\xBD", 3); o += 3; i++; }
    }
    llm__gen_emit(g, g->clean, o, token, final);
}

/* Ends the generation: flushes what the detokenizer and the stop-string filter hold. */
static void llm__gen_finish(llm_generator *g, llm_stop_reason why) {
    size_t n = 0;
    if (g->finished) return;
    if (g->stop_reason == LLM_STOP_NONE) g->stop_reason = why;
    if (g->tok && g->stop_reason != LLM_STOP_STRING && g->stop_reason != LLM_STOP_CALLBACK) {
        if (llm_detok_flush(g->tok, &g->ds, g->piece, g->piece_cap, &n) != LLM_OK) n = 0;
        llm__gen_text(g, n, -1, 1);
    }
    g->finished = 1;
}

/* One decode step: sample from the session's logits, emit, and evaluate the new token. */
static llm_status llm__gen_decode_one(llm_generator *g) {
    llm_session *s = g->s;
    int32_t tok;
    int i;
    llm_status st;
    tok = -1;
    if (s->logits_stale && g->smp->greedy && !g->smp->penalties && !g->smp->n_bias)
        tok = llm__session_argmax(s);   /* a GPU session: one id comes back, not the logits */
    if (tok >= 0) st = llm_sampler_accept(g->smp, tok);
    else st = llm_sampler_sample(g->smp, llm_session_logits(s), &tok);   /* (also what reports a NaN) */
    if (st != LLM_OK && llm__ctx_check(&s->x, &s->diag) != LLM_OK)   /* the GPU failed: say that */
        return llm__dfail(&g->diag, s->diag.err.status, "%s", s->diag.err.message);
    if (st != LLM_OK) return llm__dfail(&g->diag, st, "sampler: %s", llm_sampler_last_error(g->smp));
    if (g->d.on_token && g->d.on_token(tok, g->d.user_data)) {
        g->n_generated++;
        llm__gen_finish(g, LLM_STOP_CALLBACK);
        return LLM_OK;
    }
    if (!g->d.ignore_eos) {   /* EOS, or the end of the model's turn */
        int e = tok == g->eos;
        for (i = 0; i < g->n_eot && !e; i++) e = tok == g->eot[i];
        if (e) { llm__gen_finish(g, LLM_STOP_EOS); return LLM_OK; }
    }
    for (i = 0; i < g->d.n_stop_tokens; i++)
        if (tok == g->stop_tokens[i]) { llm__gen_finish(g, LLM_STOP_TOKEN); return LLM_OK; }
    g->n_generated++;
    if (g->tok) {
        size_t n = 0;
        if (llm_detok_push(g->tok, &g->ds, tok, g->piece, g->piece_cap, &n) == LLM_OK && n) llm__gen_text(g, n, tok, 0);
    }
    if (g->stop_reason != LLM_STOP_NONE) { llm__gen_finish(g, g->stop_reason); return LLM_OK; }
    if (g->d.max_tokens && g->n_generated >= g->d.max_tokens) {
        llm__gen_finish(g, LLM_STOP_MAX_TOKENS);
        return LLM_OK;
    }
    if (s->pos >= s->n_ctx) {
        if (!g->d.context_shift || g->d.n_keep >= s->pos - 1) {
            llm__gen_finish(g, LLM_STOP_CONTEXT_FULL);
            return LLM_OK;
        }
        if ((st = llm_session_shift(s, g->d.n_keep)) != LLM_OK)
            return llm__dfail(&g->diag, st, "context shift: %s", llm_session_last_error(s));
        g->n_shifts++;
    }
    if ((st = llm__session_eval(s, &tok, 1, NULL, LLM__LOGITS_LAST, 1)) != LLM_OK)
        llm__dfail(&g->diag, st, "%s", llm_session_last_error(s));
    return st;
}

/* A cost estimate follows a rise at once and a fall slowly, so a step errs on the short side. */
static void llm__gen_measure(double *est, double seconds) {
    *est = seconds > *est ? seconds : 0.9 * *est + 0.1 * seconds;
}

/* One unit of work that fits into `left` seconds (first: the step has done nothing yet, so
   one unit runs whatever it costs): a prefill chunk, the logits after the prefill, or a
   decode step. A unit never measured yet runs only first in a step. Returns 0 when nothing
   fits. */
static int llm__gen_unit(llm_generator *g, double left, int first, llm_status *st) {
    llm_session *s = g->s;
    const double t = llm_time_seconds();
    if (g->prompt_done < g->n_prompt) {   /* as many prompt tokens as the time allows */
        int n = LLM__MIN(s->n_batch, g->n_prompt - g->prompt_done);
        if (g->est_tok > 0 && left < 1e9) {
            const double fit = left / g->est_tok;
            if (fit < (double)n) n = (int)fit;
        } else if (left < 1e9) {
            n = first ? 1 : 0;   /* no measurement yet */
        }
        if (n < 1) { if (!first) return 0; n = 1; }
        /* without a time limit the pieces are chunks of n_batch, all through the GEMM as in
           llm_session_eval; pieces cut by time take the path of their own size (a GEMM of a
           row or two costs about 2.5 matvecs, which would break small frame budgets), so
           their last bits can differ from an unlimited run's */
        if ((*st = llm__session_eval(s, g->prompt + g->prompt_done, n, NULL, LLM__LOGITS_NONE,
                                     left >= 1e9 ? g->n_prompt : n)) != LLM_OK) {
            llm__dfail(&g->diag, *st, "%s", llm_session_last_error(s));
            return 1;
        }
        g->prompt_done += n;
        llm__gen_measure(&g->est_tok, (llm_time_seconds() - t) / n);
        g->t_prefill += llm_time_seconds() - t;
        return 1;
    }
    if (!s->logits_valid) {
        if (!first && (g->est_logits == 0 || g->est_logits > left)) return 0;
        llm__session_finish(s);
        llm__gen_measure(&g->est_logits, llm_time_seconds() - t);
        g->t_prefill += llm_time_seconds() - t;
        return 1;
    }
    if (g->d.max_tokens && g->n_generated >= g->d.max_tokens) { llm__gen_finish(g, LLM_STOP_MAX_TOKENS); return 1; }
    if (!first && (g->est_decode == 0 || g->est_decode > left)) return 0;
    *st = llm__gen_decode_one(g);
    llm__gen_measure(&g->est_decode, llm_time_seconds() - t);
    g->t_decode += llm_time_seconds() - t;
    return 1;
}

LLMDEF llm_status llm_generator_step(llm_generator *g, double budget, int *done) {
    const double t0 = llm_time_seconds();
    llm_status st = LLM_OK;
    int units = 0;
    if (done) *done = 0;
    if (!g) return LLM_ERR_INVALID_ARG;
    while (!g->finished && st == LLM_OK) {
        const double left = budget - (llm_time_seconds() - t0);
        if (units > 0 && left <= 0) break;
        if (!llm__gen_unit(g, left, units == 0, &st)) break;
        units++;
    }
    if (st == LLM_ERR_CONTEXT_FULL) { llm__gen_finish(g, LLM_STOP_CONTEXT_FULL); st = LLM_OK; }
    else if (st != LLM_OK) { g->stop_reason = LLM_STOP_ERROR; g->finished = 1; }
    if (done) *done = g->finished;
    return st;
}
LLMDEF const char *llm_generator_last_error(const llm_generator *g) {
    return g ? g->diag.err.message : "NULL generator";
}

LLMDEF void llm_generator_stats(const llm_generator *g, llm_generate_stats *st) {
    if (!st) return;
    memset(st, 0, sizeof *st);
    if (!g) return;
    st->n_prompt = g->prompt_done; st->n_generated = g->n_generated; st->n_shifts = g->n_shifts;
    st->prefill_seconds = g->t_prefill; st->decode_seconds = g->t_decode;
    st->stop = g->finished ? g->stop_reason : LLM_STOP_NONE;
}

LLMDEF llm_status llm_generate(llm_session *s, llm_sampler *smp, const llm_generate_desc *d,
                               llm_generate_stats *stats) {
    llm_generator *g;
    llm_error e;
    int done = 0;
    llm_status st;
    if (stats) memset(stats, 0, sizeof *stats);
    if (!s) return LLM_ERR_INVALID_ARG;
    st = llm_generator_create(s, smp, d, &g, &e);
    if (st != LLM_OK) return llm__dfail(&s->diag, st, "%s", e.message);
    while (!done && st == LLM_OK) st = llm_generator_step(g, 1e30, &done);
    if (st != LLM_OK) llm__dfail(&s->diag, st, "%s", g->diag.err.message);
    llm_generator_stats(g, stats);
    llm_generator_free(g);
    return st;
}

/* ---- beam search ----
   W beams advance together: one forward pass evaluates every alive beam's last token (the
   n rows of llm__session_forward are the beams); each offers its W best continuations; the
   W best of all those survive, each copying its parent's suffix cache. A beam that ends
   (EOS, a stop token, max_tokens) moves to the finished list, scored with the length
   penalty; the search stops when W beams have finished or none is alive. */
typedef struct llm__beam_cand { float logp; int parent; int32_t tok; } llm__beam_cand;
typedef struct llm__beams {
    int W, T;                 /* beams, new tokens at most */
    float alpha;              /* length penalty */
    llm__beam_kv kv[2];       /* suffix caches of this step's beams and of the next step's */
    float *kvmem;             /* the suffix caches (backend memory) */
    float *logits;            /* (W, V) host memory */
    int32_t *toks, *ntoks;    /* (W, T) tokens of the alive beams (and of the next step's) */
    float *lp, *nlp;          /* (W) summed log-probabilities */
    int n_alive;
    int32_t *fin_toks;        /* (W, T) finished beams */
    float *fin_score;
    int *fin_len, n_fin;
    int32_t *cur;             /* (W) the tokens a step evaluates */
    llm__beam_cand *cand;     /* (W * W) */
    void *host;               /* one allocation holding the host arrays */
    int32_t eot[8];           /* the tokenizer's end-of-turn ids (end a beam as EOS does) */
    int n_eot;
} llm__beams;

static int llm__beam_cmp(const void *a, const void *b) {
    const llm__beam_cand *x = (const llm__beam_cand *)a, *y = (const llm__beam_cand *)b;
    if (x->logp != y->logp) return x->logp > y->logp ? -1 : 1;
    if (x->parent != y->parent) return x->parent < y->parent ? -1 : 1;   /* deterministic ties */
    return x->tok < y->tok ? -1 : (x->tok > y->tok);
}
/* log-softmax of a row, then its best W entries (ties: lower id) appended to cand */
static int llm__beam_topw(const float *logits, int V, int W, float base, int parent, llm__beam_cand *cand) {
    float mx = -INFINITY;
    double sum = 0;
    int i, n = 0, j;
    float lse;
    for (i = 0; i < V; i++) if (logits[i] > mx) mx = logits[i];
    for (i = 0; i < V; i++) sum += exp((double)logits[i] - mx);
    lse = mx + (float)log(sum);
    for (i = 0; i < V; i++) {   /* insertion into a sorted list of at most W: O(V W) */
        float lp = base + logits[i] - lse;
        if (n == W && lp <= cand[n - 1].logp) continue;
        j = n < W ? n++ : n - 1;
        while (j > 0 && cand[j - 1].logp < lp) { cand[j] = cand[j - 1]; j--; }
        cand[j].logp = lp; cand[j].parent = parent; cand[j].tok = i;
    }
    return n;
}
/* Copies `rows` suffix rows of beam sb in src to beam db in dst, for every layer and kv head. */
static void llm__beam_copy(const llm_session *s, const llm__beam_kv *dst, int db, const llm__beam_kv *src, int sb,
                           int rows) {
    const llm_config *c = &s->model->cfg;
    const llm__ctx *x = &s->x;
    const size_t hs = (size_t)c->head_dim, run = (size_t)src->cap * hs, bytes = (size_t)rows * hs * 4;
    int l, h;
    for (l = 0; l < c->n_layer; l++)
        for (h = 0; h < c->n_kv_head; h++) {
            const size_t lo = (size_t)l * src->n_beams * c->n_kv_head;
            x->ops->copy(x, dst->k + (lo + (size_t)db * c->n_kv_head + h) * run,
                         src->k + (lo + (size_t)sb * c->n_kv_head + h) * run, bytes);
            x->ops->copy(x, dst->v + (lo + (size_t)db * c->n_kv_head + h) * run,
                         src->v + (lo + (size_t)sb * c->n_kv_head + h) * run, bytes);
        }
}
static void llm__beams_free(const llm_session *s, llm__beams *b) {
    s->x.ops->free(&s->x, b->kvmem);
    llm__dealloc(&s->x.alloc, b->logits);
    llm__dealloc(&s->x.alloc, b->host);
}
static llm_status llm__beams_alloc(llm_session *s, llm__beams *b) {
    const llm_config *c = &s->model->cfg;
    const size_t W = (size_t)b->W, T = (size_t)b->T, V = (size_t)c->vocab_size;
    const size_t per = (size_t)c->n_layer * c->n_kv_head * T * (size_t)c->head_dim * W;
    size_t host;
    unsigned char *p;
    int i;
    b->kvmem = (float *)s->x.ops->alloc(&s->x, 4 * per * sizeof(float));
    b->logits = (float *)llm__alloc(&s->x.alloc, W * V * sizeof(float));
    host = 3 * W * T * sizeof(int32_t) + 3 * W * sizeof(float) + W * sizeof(int) + W * sizeof(int32_t) +
           W * W * sizeof(llm__beam_cand) + 64;
    b->host = llm__alloc(&s->x.alloc, host);
    if (!b->kvmem || !b->logits || !b->host) return LLM_ERR_OUT_OF_MEMORY;
    p = (unsigned char *)b->host;
    b->cand = (llm__beam_cand *)p; p += W * W * sizeof(llm__beam_cand);
    b->toks = (int32_t *)p; p += W * T * sizeof(int32_t);
    b->ntoks = (int32_t *)p; p += W * T * sizeof(int32_t);
    b->fin_toks = (int32_t *)p; p += W * T * sizeof(int32_t);
    b->lp = (float *)p; p += W * sizeof(float);
    b->nlp = (float *)p; p += W * sizeof(float);
    b->fin_score = (float *)p; p += W * sizeof(float);
    b->fin_len = (int *)p; p += W * sizeof(int);
    b->cur = (int32_t *)p;
    for (i = 0; i < 2; i++) {
        b->kv[i].k = b->kvmem + (size_t)(2 * i) * per; b->kv[i].v = b->kv[i].k + per;
        b->kv[i].n_beams = b->W; b->kv[i].cap = b->T; b->kv[i].k_pos = 0;
    }
    return LLM_OK;
}
/* Step k, part 1: beams whose token k ends them move to the finished list (the W best). */
static void llm__beams_retire(llm_session *s, llm__beams *b, const llm_beam_desc *desc, int32_t eos, int k) {
    int i, j;
    for (i = 0; i < b->n_alive;) {
        const int32_t last = b->toks[(size_t)i * b->T + k];
        int ends = last == eos || k + 1 == b->T, slot, w;
        float sc;
        for (j = 0; j < desc->n_stop_tokens; j++) ends |= last == desc->stop_tokens[j];
        for (j = 0; j < b->n_eot; j++) ends |= last == b->eot[j];
        if (!ends) { i++; continue; }
        sc = b->lp[i] / powf((5.0f + (float)(k + 1)) / 6.0f, b->alpha);
        slot = b->n_fin < b->W ? b->n_fin++ : -1;
        if (slot < 0) {   /* full: replace the worst finished beam if this one is better */
            for (w = 0, j = 1; j < b->W; j++) if (b->fin_score[j] < b->fin_score[w]) w = j;
            if (b->fin_score[w] < sc) slot = w;
        }
        if (slot >= 0) {
            b->fin_score[slot] = sc; b->fin_len[slot] = k + 1;
            memcpy(b->fin_toks + (size_t)slot * b->T, b->toks + (size_t)i * b->T, (size_t)(k + 1) * sizeof(int32_t));
        }
        /* drop beam i: the last alive beam (and its cache) takes its place */
        b->n_alive--;
        if (i != b->n_alive) {
            memcpy(b->toks + (size_t)i * b->T, b->toks + (size_t)b->n_alive * b->T, (size_t)(k + 1) * sizeof(int32_t));
            b->lp[i] = b->lp[b->n_alive];
            llm__beam_copy(s, &b->kv[0], i, &b->kv[0], b->n_alive, k);
        }
    }
}
/* Step k, part 2: evaluate every alive beam's token k, keep the W best continuations. */
static void llm__beams_expand(llm_session *s, llm__beams *b, int k) {
    const int V = s->model->cfg.vocab_size;
    int i, nc = 0, n_new = 0;
    for (i = 0; i < b->n_alive; i++) b->cur[i] = b->toks[(size_t)i * b->T + k];
    b->kv[0].k_pos = k;
    llm__session_forward(s, b->cur, b->n_alive, LLM__LOGITS_ALL, b->logits, &b->kv[0]);
    for (i = 0; i < b->n_alive; i++)
        nc += llm__beam_topw(b->logits + (size_t)i * V, V, b->W, b->lp[i], i, b->cand + nc);
    qsort(b->cand, (size_t)nc, sizeof *b->cand, llm__beam_cmp);
    for (i = 0; i < nc && n_new < b->W; i++, n_new++) {   /* each copies its parent's suffix (k + 1 rows) */
        const int p = b->cand[i].parent;
        memcpy(b->ntoks + (size_t)n_new * b->T, b->toks + (size_t)p * b->T, (size_t)(k + 1) * sizeof(int32_t));
        b->ntoks[(size_t)n_new * b->T + k + 1] = b->cand[i].tok;
        b->nlp[n_new] = b->cand[i].logp;
        llm__beam_copy(s, &b->kv[1], n_new, &b->kv[0], p, k + 1);
    }
    { llm__beam_kv t = b->kv[0]; b->kv[0] = b->kv[1]; b->kv[1] = t; }
    { int32_t *t = b->toks; b->toks = b->ntoks; b->ntoks = t; }
    { float *t = b->lp; b->lp = b->nlp; b->nlp = t; }
    b->n_alive = n_new;
}

LLMDEF llm_status llm_beam_search(llm_session *s, const int32_t *prompt, int n_prompt, const llm_beam_desc *desc,
                                  int32_t *out, int cap, int *n_out, float *score) {
    llm__beams b;
    int32_t eos;
    int k, i, best = -1;
    float best_score = -INFINITY;
    llm_status st;
    if (n_out) *n_out = 0;
    if (!s) return LLM_ERR_INVALID_ARG;
    if (!desc || !prompt || n_prompt <= 0 || !out || !n_out)
        return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "beam search needs a prompt, a desc and an output buffer");
    memset(&b, 0, sizeof b);
    b.W = desc->beam_size ? desc->beam_size : 4;
    b.T = desc->max_tokens;
    b.alpha = desc->length_penalty == 0 ? 0.6f : desc->length_penalty < 0 ? 0.0f : desc->length_penalty;
    eos = desc->ignore_eos || !s->model->tokenizer ? LLM_TOKEN_NONE : llm_tokenizer_eos(s->model->tokenizer);
    if (!desc->ignore_eos) b.n_eot = llm_tokenizer_eot(s->model->tokenizer, b.eot, 8);
    if (b.W < 1 || b.W > 64 || b.W > s->n_batch)
        return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "beam_size %d outside 1..min(64, n_batch)", b.W);
    if (b.T < 1) return llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "beam search needs max_tokens >= 1");
    if (s->pos + n_prompt + b.T > s->n_ctx)
        return llm__dfail(&s->diag, LLM_ERR_CONTEXT_FULL, "prompt + max_tokens exceed the context");
    if ((st = llm_session_eval(s, prompt, n_prompt, NULL)) != LLM_OK) return st;
    if (llm__beams_alloc(s, &b) != LLM_OK) {
        llm__beams_free(s, &b);
        return llm__dfail(&s->diag, LLM_ERR_OUT_OF_MEMORY, "out of memory for %d beams", b.W);
    }
    /* the first candidates come from the prompt's last logits */
    b.n_alive = llm__beam_topw(llm_session_logits(s), s->model->cfg.vocab_size, b.W, 0.0f, 0, b.cand);
    for (i = 0; i < b.n_alive; i++) { b.toks[(size_t)i * b.T] = b.cand[i].tok; b.lp[i] = b.cand[i].logp; }
    for (k = 0;; k++) {
        llm__beams_retire(s, &b, desc, eos, k);
        if (b.n_alive == 0 || b.n_fin >= b.W) break;
        llm__beams_expand(s, &b, k);
    }
    for (i = 0; i < b.n_fin; i++) if (b.fin_score[i] > best_score) { best_score = b.fin_score[i]; best = i; }
    if ((st = llm__ctx_check(&s->x, &s->diag)) != LLM_OK) {   /* the backend failed on the way */
        llm__beams_free(s, &b);
        return st;
    }
    if (best < 0) {
        st = llm__dfail(&s->diag, LLM_ERR_INVALID_ARG, "no beam finished");
    } else {
        *n_out = b.fin_len[best];
        if (score) *score = best_score;
        if (b.fin_len[best] > cap)
            st = llm__dfail(&s->diag, LLM_ERR_BUFFER_TOO_SMALL, "the best beam has %d tokens", b.fin_len[best]);
        else
            memcpy(out, b.fin_toks + (size_t)best * b.T, (size_t)b.fin_len[best] * sizeof(int32_t));
    }
    llm__beams_free(s, &b);
    return st;
}

/* =========================================================================================
   >>bpe_train: learning a byte-level BPE vocabulary from text
   ========================================================================================= */
/* ---- training a byte-level BPE vocabulary ---------------------------------------------------
   1. Pre-split the corpus with the pattern and count each distinct word.
   2. Every word is a sequence of token ids (bytes at first). Count every adjacent pair over
      all words (times the word's count), and remember which words hold each pair.
   3. Repeatedly take the most frequent pair (ties: smallest left id, then right id) from a
      max-heap, give it a new id, rewrite only the words that hold it, and apply the pair-
      count changes those rewrites cause. Heap entries whose count went stale are re-queued
      when they surface (lazy deletion), so no merge recounts the corpus.
   A merge whose bytes equal an existing token reuses that id (as HF tokenizers does), so a
   token string never appears twice. */
typedef struct llm__bt_heap { int64_t count; int32_t a, b; } llm__bt_heap;

typedef struct llm__bt {
    const llm_allocator *al;
    /* words */
    size_t *wstart; uint32_t *wlen; uint64_t *wcount; uint32_t *wstamp; size_t nw, wcap;
    uint32_t *wtab; size_t wtab_cap;                  /* word hash: index + 1 */
    int32_t *sym; size_t *soff;                       /* symbols of every word */
    /* pairs */
    uint64_t *pkey; int64_t *pcount; uint32_t *phead, *pstamp; size_t np, pcap;
    uint32_t *ptab; size_t ptab_cap;                  /* pair hash: index + 1 */
    uint32_t *oword, *onext; size_t no, ocap;         /* occurrence lists */
    uint32_t *changed; size_t nchanged, chcap;        /* pairs that grew during a merge */
    llm__bt_heap *heap; size_t nh, hcap;
    /* tokens */
    unsigned char *tbytes; size_t tb_n, tb_cap;
    uint32_t *toff; size_t ntok, tcap;
    int32_t *ttab; size_t ttab_cap;                   /* token string hash: id + 1 */
    int32_t *merges; size_t nm, mcap;                 /* left, right, result */
    int oom;
} llm__bt;

static void llm__bt_free(llm__bt *b) {
    const llm_allocator *a = b->al;
    llm__dealloc(a, b->wstart); llm__dealloc(a, b->wlen); llm__dealloc(a, b->wcount); llm__dealloc(a, b->wstamp);
    llm__dealloc(a, b->wtab); llm__dealloc(a, b->sym); llm__dealloc(a, b->soff);
    llm__dealloc(a, b->pkey); llm__dealloc(a, b->pcount); llm__dealloc(a, b->phead); llm__dealloc(a, b->pstamp);
    llm__dealloc(a, b->ptab); llm__dealloc(a, b->oword); llm__dealloc(a, b->onext); llm__dealloc(a, b->changed);
    llm__dealloc(a, b->heap); llm__dealloc(a, b->tbytes); llm__dealloc(a, b->toff); llm__dealloc(a, b->ttab);
    llm__dealloc(a, b->merges);
}

static size_t llm__next_cap(size_t cap, size_t need) { /* llm__tgrow's rule */
    size_t nc;
    if (need <= cap) return cap;
    nc = cap ? cap : 16;
    while (nc < need) nc *= 2;
    return nc;
}
/* Grows one of several arrays that share a capacity field (updated after the last one). */
#define LLM__BT_GROW(b, ptr, cap_field, need, type) \
    do { \
        size_t llm__c = (b)->cap_field; \
        type *llm__p = (type *)llm__tgrow((b)->al, (b)->ptr, &llm__c, (need), sizeof(type)); \
        if (!llm__p) (b)->oom = 1; \
        else (b)->ptr = llm__p; \
    } while (0)

static int llm__bt_heap_before(const llm__bt_heap *x, const llm__bt_heap *y) {
    if (x->count != y->count) return x->count > y->count;
    if (x->a != y->a) return x->a < y->a;
    return x->b < y->b;
}
static void llm__bt_push(llm__bt *b, int64_t count, int32_t x, int32_t y) {
    size_t i, c = b->hcap;
    llm__bt_heap e, *h = (llm__bt_heap *)llm__tgrow(b->al, b->heap, &c, b->nh + 1, sizeof *h);
    if (!h) { b->oom = 1; return; }
    b->heap = h; b->hcap = c;
    e.count = count; e.a = x; e.b = y;
    i = b->nh++;
    while (i > 0 && llm__bt_heap_before(&e, &h[(i - 1) / 2])) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = e;
}
static llm__bt_heap llm__bt_pop(llm__bt *b) {
    llm__bt_heap top = b->heap[0], last = b->heap[--b->nh];
    size_t i = 0, n = b->nh;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && llm__bt_heap_before(&b->heap[c + 1], &b->heap[c])) c++;
        if (!llm__bt_heap_before(&b->heap[c], &last)) break;
        b->heap[i] = b->heap[c];
        i = c;
    }
    if (n) b->heap[i] = last;
    return top;
}

/* The index of pair (x, y), created with count 0 when create is set; SIZE_MAX if absent. */
static size_t llm__bt_pair(llm__bt *b, int32_t x, int32_t y, int create) {
    uint64_t key = ((uint64_t)(uint32_t)x << 32) | (uint32_t)y;
    size_t h, mask;
    if (b->np * 2 >= b->ptab_cap) { /* rehash */
        if (!create) goto find;
        {
            size_t nc = b->ptab_cap ? b->ptab_cap * 2 : 1024, i;
            uint32_t *nt = (uint32_t *)llm__calloc(b->al, nc, sizeof(uint32_t));
            if (!nt) { b->oom = 1; return SIZE_MAX; }
            for (i = 0; i < b->np; i++) {
                size_t hh = llm__hash_u64(b->pkey[i]) & (nc - 1);
                while (nt[hh]) hh = (hh + 1) & (nc - 1);
                nt[hh] = (uint32_t)i + 1;
            }
            llm__dealloc(b->al, b->ptab);
            b->ptab = nt; b->ptab_cap = nc;
        }
    }
find:
    mask = b->ptab_cap - 1;
    h = llm__hash_u64(key) & mask;
    while (b->ptab[h]) {
        if (b->pkey[b->ptab[h] - 1] == key) return b->ptab[h] - 1;
        h = (h + 1) & mask;
    }
    if (!create) return SIZE_MAX;
    LLM__BT_GROW(b, pkey, pcap, b->np + 1, uint64_t);
    LLM__BT_GROW(b, pcount, pcap, b->np + 1, int64_t);
    LLM__BT_GROW(b, phead, pcap, b->np + 1, uint32_t);
    LLM__BT_GROW(b, pstamp, pcap, b->np + 1, uint32_t);
    if (b->oom) return SIZE_MAX;
    b->pcap = llm__next_cap(b->pcap, b->np + 1); /* same growth rule */
    b->pkey[b->np] = key; b->pcount[b->np] = 0; b->phead[b->np] = UINT32_MAX; b->pstamp[b->np] = 0;
    b->ptab[h] = (uint32_t)b->np + 1;
    return b->np++;
}

/* Adds delta to a pair's count; a growing pair remembers word w and is re-queued. */
static void llm__bt_change(llm__bt *b, int32_t x, int32_t y, int64_t delta, uint32_t w, uint32_t stamp) {
    size_t p = llm__bt_pair(b, x, y, delta > 0);
    if (p == SIZE_MAX) return;
    b->pcount[p] += delta;
    if (delta <= 0) return;
    if (b->phead[p] == UINT32_MAX || b->oword[b->phead[p]] != w) {
        LLM__BT_GROW(b, oword, ocap, b->no + 1, uint32_t);
        LLM__BT_GROW(b, onext, ocap, b->no + 1, uint32_t);
        if (b->oom) return;
        b->ocap = llm__next_cap(b->ocap, b->no + 1);
        b->oword[b->no] = w; b->onext[b->no] = b->phead[p]; b->phead[p] = (uint32_t)b->no++;
    }
    if (b->pstamp[p] != stamp) {
        b->pstamp[p] = stamp;
        LLM__BT_GROW(b, changed, chcap, b->nchanged + 1, uint32_t);
        if (b->oom) return;
        b->chcap = llm__next_cap(b->chcap, b->nchanged + 1);
        b->changed[b->nchanged++] = (uint32_t)p;
    }
}

/* The id of a token string, or -1; add = 1 appends it when new. */
static int32_t llm__bt_token(llm__bt *b, const unsigned char *s, size_t n, int add) {
    size_t mask = b->ttab_cap - 1, h = llm__hash_bytes(s, n) & mask;
    while (b->ttab[h]) {
        int32_t id = b->ttab[h] - 1;
        LLM__ASSUME(b->tbytes != NULL);   /* (a slot in use: a token was stored) */
        if (b->toff[id + 1] - b->toff[id] == n && memcmp(b->tbytes + b->toff[id], s, n) == 0) return id;
        h = (h + 1) & mask;
    }
    if (!add) return -1;
    LLM__BT_GROW(b, tbytes, tb_cap, b->tb_n + n, unsigned char);
    if (b->oom) return -1;
    b->tb_cap = llm__next_cap(b->tb_cap, b->tb_n + n);
    memcpy(b->tbytes + b->tb_n, s, n);
    b->tb_n += n;
    b->toff[b->ntok + 1] = (uint32_t)b->tb_n;
    b->ttab[h] = (int32_t)b->ntok + 1;
    return (int32_t)b->ntok++;
}

/* Step 1: the distinct words of the corpus and their counts; returns the number of bytes
   (symbols) in the distinct words. */
static size_t llm__bt_words(llm__bt *b, llm_pattern pattern, const unsigned char *s, size_t n) {
    size_t i, total_sym = 0;
    b->wtab_cap = 1024;
    b->wtab = (uint32_t *)llm__calloc(b->al, b->wtab_cap, sizeof(uint32_t));
    if (!b->wtab) b->oom = 1;
    for (i = 0; i < n && !b->oom;) {
        size_t e = llm__split_next(pattern, s, n, i), mask = b->wtab_cap - 1, h;
        h = llm__hash_bytes(s + i, e - i) & mask;
        while (b->wtab[h]) {
            size_t w = b->wtab[h] - 1;
            LLM__ASSUME(b->wlen != NULL);   /* (a slot in use: a word was stored) */
            if (b->wlen[w] == e - i && memcmp(s + b->wstart[w], s + i, e - i) == 0) break;
            h = (h + 1) & mask;
        }
        if (b->wtab[h]) {
            b->wcount[b->wtab[h] - 1]++;
        } else {
            LLM__BT_GROW(b, wstart, wcap, b->nw + 1, size_t);
            LLM__BT_GROW(b, wlen, wcap, b->nw + 1, uint32_t);
            LLM__BT_GROW(b, wcount, wcap, b->nw + 1, uint64_t);
            if (b->oom) break;
            b->wcap = llm__next_cap(b->wcap, b->nw + 1);
            b->wstart[b->nw] = i; b->wlen[b->nw] = (uint32_t)(e - i); b->wcount[b->nw] = 1;
            b->wtab[h] = (uint32_t)++b->nw;
            total_sym += e - i;
            if (b->nw * 2 >= b->wtab_cap) { /* rehash */
                size_t nc = b->wtab_cap * 2, w;
                uint32_t *nt = (uint32_t *)llm__calloc(b->al, nc, sizeof(uint32_t));
                if (!nt) { b->oom = 1; break; }
                for (w = 0; w < b->nw; w++) {
                    size_t hh = llm__hash_bytes(s + b->wstart[w], b->wlen[w]) & (nc - 1);
                    while (nt[hh]) hh = (hh + 1) & (nc - 1);
                    nt[hh] = (uint32_t)w + 1;
                }
                llm__dealloc(b->al, b->wtab);
                b->wtab = nt; b->wtab_cap = nc;
            }
        }
        i = e;
    }
    return total_sym;
}
/* Step 2: every word as byte symbols, the 256 byte tokens, and the count of every pair. */
static void llm__bt_pairs(llm__bt *b, const unsigned char *s, size_t total_sym, size_t target) {
    size_t i, at = 0, w;
    b->sym = (int32_t *)llm__alloc(b->al, (total_sym + 1) * sizeof(int32_t));
    b->soff = (size_t *)llm__alloc(b->al, (b->nw + 1) * sizeof(size_t));
    b->wstamp = (uint32_t *)llm__calloc(b->al, b->nw + 1, sizeof(uint32_t));
    b->toff = (uint32_t *)llm__calloc(b->al, target + 2, sizeof(uint32_t));
    b->ttab_cap = llm__pow2_at_least(target * 2 + 2);
    b->ttab = (int32_t *)llm__calloc(b->al, b->ttab_cap, sizeof(int32_t));
    if (!b->sym || !b->soff || !b->wstamp || !b->toff || !b->ttab) { b->oom = 1; return; }
    for (i = 0; i < 256; i++) { unsigned char c = (unsigned char)i; llm__bt_token(b, &c, 1, 1); }
    for (w = 0; w < b->nw; w++) {
        uint32_t k;
        b->soff[w] = at;
        for (k = 0; k < b->wlen[w]; k++) b->sym[at + k] = s[b->wstart[w] + k];
        for (k = 0; k + 1 < b->wlen[w]; k++)
            llm__bt_change(b, b->sym[at + k], b->sym[at + k + 1], (int64_t)b->wcount[w], (uint32_t)w, 1);
        at += b->wlen[w];
    }
    for (i = 0; i < b->nchanged; i++) {
        size_t p = b->changed[i];
        llm__bt_push(b, b->pcount[p], (int32_t)(b->pkey[p] >> 32), (int32_t)(uint32_t)b->pkey[p]);
    }
}
/* Step 3, one merge: the pair (x, y) at slot p becomes a new token z in every word that holds
   it, and the counts of the pairs around each occurrence move to the new neighbours. */
static void llm__bt_merge(llm__bt *b, size_t p, int32_t x, int32_t y, uint32_t stamp) {
    const size_t la = b->toff[x + 1] - b->toff[x], lb = b->toff[y + 1] - b->toff[y];
    unsigned char *cat = (unsigned char *)llm__alloc(b->al, la + lb);
    uint32_t node;
    size_t i;
    int32_t z;
    if (!cat) { b->oom = 1; return; }
    memcpy(cat, b->tbytes + b->toff[x], la);
    memcpy(cat + la, b->tbytes + b->toff[y], lb);
    z = llm__bt_token(b, cat, la + lb, 1);
    llm__dealloc(b->al, cat);
    LLM__BT_GROW(b, merges, mcap, 3 * (b->nm + 1), int32_t);
    if (z < 0 || b->oom) { b->oom = 1; return; }
    b->mcap = llm__next_cap(b->mcap, 3 * (b->nm + 1));
    b->merges[3 * b->nm] = x; b->merges[3 * b->nm + 1] = y; b->merges[3 * b->nm + 2] = z;
    b->nm++;
    b->nchanged = 0;
    for (node = b->phead[p]; node != UINT32_MAX && !b->oom; node = b->onext[node]) {
        uint32_t w = b->oword[node], L, r, o;
        int32_t *sy;
        int64_t c;
        if (b->wstamp[w] == stamp) continue;   /* a word listed twice */
        b->wstamp[w] = stamp;
        sy = b->sym + b->soff[w]; L = b->wlen[w]; c = (int64_t)b->wcount[w];
        for (r = 0, o = 0; r < L;) {
            if (r + 1 < L && sy[r] == x && sy[r + 1] == y) {
                if (o > 0) {
                    llm__bt_change(b, sy[o - 1], x, -c, w, stamp);
                    llm__bt_change(b, sy[o - 1], z, c, w, stamp);
                }
                if (r + 2 < L) {
                    llm__bt_change(b, y, sy[r + 2], -c, w, stamp);
                    llm__bt_change(b, z, sy[r + 2], c, w, stamp);
                }
                sy[o++] = z; r += 2;
            } else {
                sy[o++] = sy[r++];
            }
        }
        b->wlen[w] = o;
    }
    p = llm__bt_pair(b, x, y, 0);
    if (p != SIZE_MAX) b->pcount[p] = 0;
    for (i = 0; i < b->nchanged; i++) {
        size_t q = b->changed[i];
        if (b->pcount[q] > 0) llm__bt_push(b, b->pcount[q], (int32_t)(b->pkey[q] >> 32), (int32_t)(uint32_t)b->pkey[q]);
    }
}
/* Step 4: the tokenizer: the bytes, the merged tokens, then <|endoftext|> (unless eos is 0). */
static llm_status llm__bt_build(llm__bt *b, llm_pattern pattern, int eos, llm_tokenizer **out, llm_error *err) {
    llm_tokenizer *t;
    int32_t *pairs, *res;
    size_t i;
    llm_status st;
    if ((st = llm__tok_new(b->al, LLM_TOKENIZER_BPE, b->ntok + (eos ? 1 : 0), b->tb_n + 13, &t, err)) != LLM_OK)
        return st;
    memcpy(t->text, b->tbytes, b->tb_n);
    memcpy(t->off, b->toff, (b->ntok + 1) * sizeof(uint32_t));
    for (i = 0; i < b->ntok; i++) t->type[i] = LLM__TT_NORMAL;
    if (eos) {
        memcpy(t->text + b->tb_n, "<|endoftext|>", 13);
        t->off[b->ntok + 1] = (uint32_t)(b->tb_n + 13);
        t->type[b->ntok] = LLM__TT_CONTROL;
        t->bos = t->eos = (int32_t)b->ntok;
    }
    t->pattern = pattern;
    pairs = (int32_t *)llm__alloc(b->al, (2 * b->nm + 1) * sizeof(int32_t));
    res = (int32_t *)llm__alloc(b->al, (b->nm + 1) * sizeof(int32_t));
    if (!pairs || !res) st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == LLM_OK) st = llm__tok_finish(t, err);
    if (st == LLM_OK) {
        for (i = 0; i < b->nm; i++) {
            pairs[2 * i] = b->merges[3 * i]; pairs[2 * i + 1] = b->merges[3 * i + 1]; res[i] = b->merges[3 * i + 2];
        }
        st = llm__tok_set_merges(t, pairs, res, b->nm, err);
    }
    llm__dealloc(b->al, pairs); llm__dealloc(b->al, res);
    if (st != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}

LLMDEF llm_status llm_tokenizer_train(const llm_bpe_train_desc *d, llm_tokenizer **out, llm_error *err) {
    llm__bt b;
    const unsigned char *s;
    size_t target, total_sym;
    llm_pattern pattern;
    llm_status st = LLM_OK;
    uint32_t stamp = 1;
    if (out) *out = NULL;
    if (!d || !out || (!d->text && d->size)) return llm__fail(err, LLM_ERR_INVALID_ARG, "no desc, out or text");
    if (d->vocab_size < 256 || d->vocab_size > LLM_MAX_VOCAB)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "vocab_size %d: need 256..%d", d->vocab_size, LLM_MAX_VOCAB);
    pattern = d->pattern == LLM_PATTERN_DEFAULT ? LLM_PATTERN_GPT2 : d->pattern;
    if (pattern != LLM_PATTERN_GPT2 && pattern != LLM_PATTERN_GPT4)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "unknown pattern %d", (int)d->pattern);
    memset(&b, 0, sizeof b);
    b.al = &d->allocator;
    s = (const unsigned char *)d->text;
    /* the last id is <|endoftext|>; 256 means bytes only */
    target = d->vocab_size == 256 ? 256 : (size_t)d->vocab_size - 1;
    total_sym = llm__bt_words(&b, pattern, s, d->size);
    if (!b.oom) llm__bt_pairs(&b, s, total_sym, target);
    while (b.ntok < target && b.nh && !b.oom) {
        llm__bt_heap top = llm__bt_pop(&b);
        size_t p = llm__bt_pair(&b, top.a, top.b, 0);
        if (p == SIZE_MAX || b.pcount[p] <= 0) continue;
        if (b.pcount[p] != top.count) { llm__bt_push(&b, b.pcount[p], top.a, top.b); continue; }   /* stale entry */
        llm__bt_merge(&b, p, top.a, top.b, ++stamp);
        if (d->progress && (b.nm % 16) == 0 &&
            d->progress((float)(b.ntok - 256) / (float)(target - 256 > 0 ? target - 256 : 1), d->progress_user_data)) {
            st = llm__fail(err, LLM_ERR_CANCELLED, "training cancelled after %u merges", (unsigned)b.nm);
            break;
        }
    }
    if (st == LLM_OK && b.oom) st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == LLM_OK && d->progress && d->progress(1.0f, d->progress_user_data))
        st = llm__fail(err, LLM_ERR_CANCELLED, "training cancelled");
    if (st == LLM_OK) st = llm__bt_build(&b, pattern, d->vocab_size > 256, out, err);
    if (st == LLM_OK)
        llm__log(d->log_fn, d->log_user_data, 2, "BPE training: %u words, %u merges, %d tokens", (unsigned)b.nw,
                 (unsigned)b.nm, (int)(*out)->n);
    llm__bt_free(&b);
    if (st == LLM_OK) llm__ok(err);
    return st;
}

/* =========================================================================================
   >>formats: GGUF, tokenizer files, checkpoints and imports
   ========================================================================================= */

/* =========================================================================================
   >>gguf: the native file format (github.com/ggml-org/ggml docs/gguf.md, version 3)
     "GGUF" u32 version, u64 n_tensors, u64 n_kv,
     n_kv x { string key, u32 type, value }          string = u64 length + bytes
     n_tensors x { string name, u32 n_dims, u64 ne[n_dims] (fastest first), u32 type, u64 offset }
     padding to general.alignment (32), then tensor data (each tensor at data + offset).
   Used for models (with llama.cpp's key and tensor names), tokenizers (metadata only) and
   training checkpoints (llm.* keys and llm.opt.m.* / llm.opt.v.* tensors).
   ========================================================================================= */
enum {
    LLM__GGUF_U8 = 0, LLM__GGUF_I8 = 1, LLM__GGUF_U16 = 2, LLM__GGUF_I16 = 3, LLM__GGUF_U32 = 4,
    LLM__GGUF_I32 = 5, LLM__GGUF_F32 = 6, LLM__GGUF_BOOL = 7, LLM__GGUF_STR = 8,
    LLM__GGUF_ARR = 9, LLM__GGUF_U64 = 10, LLM__GGUF_I64 = 11, LLM__GGUF_F64 = 12
};
#define LLM__GGUF_ALIGN 32
#define LLM__GGUF_TYPE_F32 0
#define LLM__GGUF_TYPE_F16 1

static size_t llm__gguf_scalar_size(uint32_t t) {
    switch (t) {
    case LLM__GGUF_U8: case LLM__GGUF_I8: case LLM__GGUF_BOOL: return 1;
    case LLM__GGUF_U16: case LLM__GGUF_I16: return 2;
    case LLM__GGUF_U32: case LLM__GGUF_I32: case LLM__GGUF_F32: return 4;
    case LLM__GGUF_U64: case LLM__GGUF_I64: case LLM__GGUF_F64: return 8;
    default: return 0;
    }
}

/* RoPE layouts (see >>formats): row (or element) r of llm.h's pair order <- this one of the
   halves order: within a head, pair index 2i + t is half t's element i. */
static int64_t llm__half_of_pair(int64_t r, int64_t hs) {
    const int64_t h = r / hs, j = r % hs;
    return h * hs + (j & 1) * (hs / 2) + j / 2;
}
static int64_t llm__pair_of_half(int64_t r, int64_t hs) {
    const int64_t h = r / hs, j = r % hs;
    return h * hs + 2 * (j % (hs / 2)) + j / (hs / 2);
}
/* ---- writer: collects key/values in a byte buffer and tensors as pointers ---- */
/* a tensor to write: fp32 data written as `type` (converted or quantized row by row as it
   is written), or raw bytes already in `type` */
typedef struct llm__gguf_wt {
    const char *name;
    int n_dims;
    int64_t shape[2];
    const float *data;
    const unsigned char *raw;
    int type;
    int64_t perm_hs;   /* > 0: rows (or a vector's elements) written in halves order (llm__pair_of_half) */
} llm__gguf_wt;
typedef struct llm__gguf_w {
    llm_allocator alloc;
    unsigned char *kv; size_t kv_len, kv_cap; uint64_t n_kv;
    llm__gguf_wt *t; size_t n_t, cap_t;
    char *names; size_t names_len, names_cap; /* tensor names are copied here */
    float *own;   /* values a tensor of the writer's own points into (rope_freqs.weight) */
    int oom;
} llm__gguf_w;

static llm_status llm__gguf_w_create(const llm_allocator *a, llm__gguf_w **out) {
    llm__gguf_w *w = (llm__gguf_w *)llm__calloc(a, 1, sizeof *w);
    *out = w;
    if (!w) return LLM_ERR_OUT_OF_MEMORY;
    if (a) w->alloc = *a;
    return LLM_OK;
}
static void llm__gguf_w_free(llm__gguf_w *w) {
    llm_allocator a;
    if (!w) return;
    a = w->alloc;
    llm__dealloc(&a, w->kv); llm__dealloc(&a, w->t); llm__dealloc(&a, w->names); llm__dealloc(&a, w->own);
    llm__dealloc(&a, w);
}
static void llm__gguf_w_bytes(llm__gguf_w *w, const void *p, size_t n) {
    void *buf;
    if (w->oom) return;
    if (!(buf = llm__tgrow(&w->alloc, w->kv, &w->kv_cap, w->kv_len + n, 1))) { w->oom = 1; return; }
    w->kv = (unsigned char *)buf;
    if (n) memcpy(w->kv + w->kv_len, p, n);
    w->kv_len += n;
}
static void llm__gguf_w_le(llm__gguf_w *w, uint64_t v, int nbytes) {
    unsigned char b[8];
    llm__put_le(b, v, nbytes);
    llm__gguf_w_bytes(w, b, (size_t)nbytes);
}
static void llm__gguf_w_string(llm__gguf_w *w, const char *s, size_t len) {
    llm__gguf_w_le(w, len, 8);
    llm__gguf_w_bytes(w, s, len);
}
static void llm__gguf_w_key(llm__gguf_w *w, const char *key, uint32_t type) {
    llm__gguf_w_string(w, key, strlen(key));
    llm__gguf_w_le(w, type, 4);
    w->n_kv++;
}
LLM__MAYBE_UNUSED static void llm__gguf_w_u32(llm__gguf_w *w, const char *key, uint32_t v) {
    llm__gguf_w_key(w, key, LLM__GGUF_U32);
    llm__gguf_w_le(w, v, 4);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_i32(llm__gguf_w *w, const char *key, int32_t v) {
    llm__gguf_w_key(w, key, LLM__GGUF_I32);
    llm__gguf_w_le(w, (uint32_t)v, 4);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_u64(llm__gguf_w *w, const char *key, uint64_t v) {
    llm__gguf_w_key(w, key, LLM__GGUF_U64);
    llm__gguf_w_le(w, v, 8);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_f32(llm__gguf_w *w, const char *key, float v) {
    llm__gguf_w_key(w, key, LLM__GGUF_F32);
    llm__gguf_w_le(w, llm__f32_bits(v), 4);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_bool(llm__gguf_w *w, const char *key, int v) {
    llm__gguf_w_key(w, key, LLM__GGUF_BOOL);
    llm__gguf_w_le(w, v ? 1u : 0u, 1);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_str(llm__gguf_w *w, const char *key, const char *s, size_t len) {
    llm__gguf_w_key(w, key, LLM__GGUF_STR);
    llm__gguf_w_string(w, s, len);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_arr_str(llm__gguf_w *w, const char *key, const char *const *strs,
                                                  const uint32_t *lens, size_t n) {
    size_t i;
    llm__gguf_w_key(w, key, LLM__GGUF_ARR); llm__gguf_w_le(w, LLM__GGUF_STR, 4); llm__gguf_w_le(w, n, 8);
    for (i = 0; i < n; i++) llm__gguf_w_string(w, strs[i], lens ? lens[i] : strlen(strs[i]));
}
LLM__MAYBE_UNUSED static void llm__gguf_w_arr_f32(llm__gguf_w *w, const char *key, const float *v, size_t n) {
    size_t i;
    llm__gguf_w_key(w, key, LLM__GGUF_ARR); llm__gguf_w_le(w, LLM__GGUF_F32, 4); llm__gguf_w_le(w, n, 8);
    for (i = 0; i < n; i++) llm__gguf_w_le(w, llm__f32_bits(v[i]), 4);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_arr_i32(llm__gguf_w *w, const char *key, const int32_t *v, size_t n) {
    size_t i;
    llm__gguf_w_key(w, key, LLM__GGUF_ARR); llm__gguf_w_le(w, LLM__GGUF_I32, 4); llm__gguf_w_le(w, n, 8);
    for (i = 0; i < n; i++) llm__gguf_w_le(w, (uint32_t)v[i], 4);
}
/* Adds an fp32 tensor written as `type`, or raw bytes of `type` (raw != NULL); shape in
   row-major (PyTorch) order; nothing is copied. */
static void llm__gguf_w_tensor_as(llm__gguf_w *w, const char *name, int n_dims, const int64_t *shape,
                                  const float *data, const unsigned char *raw, int type) {
    void *buf;
    size_t nl = strlen(name) + 1, i;
    if (w->oom) return;
    if (!(buf = llm__tgrow(&w->alloc, w->t, &w->cap_t, w->n_t + 1, sizeof(llm__gguf_wt)))) { w->oom = 1; return; }
    w->t = (llm__gguf_wt *)buf;
    if (!(buf = llm__tgrow(&w->alloc, w->names, &w->names_cap, w->names_len + nl, 1))) { w->oom = 1; return; }
    w->names = (char *)buf;
    memcpy(w->names + w->names_len, name, nl);
    w->t[w->n_t].name = (const char *)(uintptr_t)w->names_len; /* an offset until written */
    w->names_len += nl;
    w->t[w->n_t].n_dims = n_dims;
    for (i = 0; i < 2; i++) w->t[w->n_t].shape[i] = (int)i < n_dims ? shape[i] : 1;
    w->t[w->n_t].data = data;
    w->t[w->n_t].raw = raw;
    w->t[w->n_t].type = type;
    w->t[w->n_t].perm_hs = 0;
    w->n_t++;
}
/* the row length (ggml's ne[0]) and the row count of a tensor to write */
static size_t llm__gguf_wt_rowlen(const llm__gguf_wt *t) { return (size_t)(t->n_dims > 1 ? t->shape[1] : t->shape[0]); }
static size_t llm__gguf_wt_rows(const llm__gguf_wt *t) { return t->n_dims > 1 ? (size_t)t->shape[0] : 1; }
static size_t llm__gguf_tensor_bytes(const llm__gguf_wt *t) {
    return llm__row_bytes(t->type, llm__gguf_wt_rowlen(t)) * llm__gguf_wt_rows(t);
}
static size_t llm__gguf_pad(size_t n) { return (LLM__GGUF_ALIGN - n % LLM__GGUF_ALIGN) % LLM__GGUF_ALIGN; }

/* Where a writer's bytes go: a FILE, or a memory buffer of cap bytes. */
typedef struct llm__sink { FILE *f; unsigned char *buf; size_t cap, pos; int fail; } llm__sink;
static void llm__sink_put(llm__sink *k, const void *p, size_t n) {
    if (k->fail || !n) return;
    if (k->f) { if (fwrite(p, 1, n, k->f) != n) k->fail = 1; return; }
    if (n > k->cap - k->pos) { k->fail = 1; return; }
    memcpy(k->buf + k->pos, p, n);
    k->pos += n;
}
/* n floats, little-endian whatever the host */
static void llm__sink_f32(llm__sink *k, const float *p, size_t n) {
    size_t i;
    if (llm__host_is_le()) { llm__sink_put(k, p, n * 4); return; }
    for (i = 0; i < n; i++) {
        unsigned char b[4];
        llm__put_le(b, llm__f32_bits(p[i]), 4);
        llm__sink_put(k, b, 4);
    }
}
/* The header: magic, counts, key/values, tensor infos, padding to the data. */
static void llm__gguf_w_header(llm__gguf_w *w, llm__gguf_w *hdr) {
    static const unsigned char zeros[LLM__GGUF_ALIGN] = {0};
    uint64_t off = 0;
    size_t i;
    memset(hdr, 0, sizeof *hdr);
    hdr->alloc = w->alloc;
    llm__gguf_w_bytes(hdr, "GGUF", 4);
    llm__gguf_w_le(hdr, 3, 4);
    llm__gguf_w_le(hdr, w->n_t, 8);
    llm__gguf_w_le(hdr, w->n_kv, 8);
    llm__gguf_w_bytes(hdr, w->kv, w->kv_len);
    for (i = 0; i < w->n_t; i++) {
        const llm__gguf_wt *t = &w->t[i];
        const char *name = w->names + (size_t)(uintptr_t)t->name;
        int d;
        llm__gguf_w_string(hdr, name, strlen(name));
        llm__gguf_w_le(hdr, (uint64_t)t->n_dims, 4);
        for (d = t->n_dims - 1; d >= 0; d--) llm__gguf_w_le(hdr, (uint64_t)t->shape[d], 8); /* fastest first */
        llm__gguf_w_le(hdr, (uint64_t)t->type, 4);
        llm__gguf_w_le(hdr, off, 8);
        off += llm__gguf_tensor_bytes(t) + llm__gguf_pad(llm__gguf_tensor_bytes(t));
    }
    llm__gguf_w_bytes(hdr, zeros, llm__gguf_pad(hdr->kv_len));
}
/* Bytes of the whole file, given its header. */
static size_t llm__gguf_w_size(const llm__gguf_w *w, const llm__gguf_w *hdr) {
    size_t i, n = hdr->kv_len;
    for (i = 0; i < w->n_t; i++)
        n += llm__gguf_tensor_bytes(&w->t[i]) + llm__gguf_pad(llm__gguf_tensor_bytes(&w->t[i]));
    return n;
}
static void llm__gguf_w_emit(const llm__gguf_w *w, const llm__gguf_w *hdr, llm__sink *k) {
    static const unsigned char zeros[LLM__GGUF_ALIGN] = {0};
    size_t i;
    llm__sink_put(k, hdr->kv, hdr->kv_len);
    for (i = 0; i < w->n_t; i++) {
        const llm__gguf_wt *t = &w->t[i];
        const size_t nb = llm__gguf_tensor_bytes(t), n = llm__gguf_wt_rowlen(t), rb = llm__row_bytes(t->type, n);
        if (t->perm_hs > 0 && t->n_dims == 1) {   /* a vector (F32) in halves order */
            size_t r;
            for (r = 0; r < n; r++) llm__sink_f32(k, t->data + llm__pair_of_half((int64_t)r, t->perm_hs), 1);
        } else if (t->perm_hs > 0) {   /* rows in halves order */
            unsigned char *row =
                t->raw || t->type == LLM_TYPE_F32 ? NULL : (unsigned char *)llm__alloc(&w->alloc, rb + 1);
            size_t r;
            if (!row && !t->raw && t->type != LLM_TYPE_F32) { k->fail = 1; return; }
            for (r = 0; r < llm__gguf_wt_rows(t); r++) {
                const size_t src = (size_t)llm__pair_of_half((int64_t)r, t->perm_hs);
                if (t->raw) llm__sink_put(k, t->raw + src * rb, rb);
                else if (!row) llm__sink_f32(k, t->data + src * n, n);
                else { llm__quant_row(t->type, t->data + src * n, row, n); llm__sink_put(k, row, rb); }
            }
            llm__dealloc(&w->alloc, row);
        } else if (t->raw) llm__sink_put(k, t->raw, nb);
        else if (t->type == LLM_TYPE_F32) llm__sink_f32(k, t->data, nb / 4);
        else {   /* converted or quantized a row at a time */
            unsigned char *row = (unsigned char *)llm__alloc(&w->alloc, rb + 1);
            size_t r;
            if (!row) { k->fail = 1; return; }
            for (r = 0; r < llm__gguf_wt_rows(t); r++) {
                llm__quant_row(t->type, t->data + r * n, row, n);
                llm__sink_put(k, row, rb);
            }
            llm__dealloc(&w->alloc, row);
        }
        llm__sink_put(k, zeros, llm__gguf_pad(nb));
    }
}
/* Writes the file to path.tmp first and renames it, so a crash never leaves a half-written
   checkpoint under the name. */
static llm_status llm__gguf_w_write(llm__gguf_w *w, const char *path, llm_error *err) {
    llm__gguf_w hdr;
    llm__sink k;
    size_t pathlen = strlen(path);
    char *tmp;
    llm_status st = LLM_OK;
    if (w->oom) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory building '%s'", path);
    llm__gguf_w_header(w, &hdr);
    tmp = (char *)llm__alloc(&w->alloc, pathlen + 5);
    if (hdr.oom || !tmp) {
        llm__dealloc(&w->alloc, hdr.kv); llm__dealloc(&w->alloc, tmp);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory writing '%s'", path);
    }
    memcpy(tmp, path, pathlen); memcpy(tmp + pathlen, ".tmp", 5);
    memset(&k, 0, sizeof k);
    k.f = llm__fopen(tmp, "wb");
    if (!k.f) st = llm__fail(err, LLM_ERR_IO, "cannot create '%s'", tmp);
    else {
        llm__gguf_w_emit(w, &hdr, &k);
        if (fclose(k.f) != 0) k.fail = 1;
        if (k.fail) st = llm__fail(err, LLM_ERR_IO, "cannot write '%s'", tmp);
    }
    if (st == LLM_OK && llm__rename(tmp, path) != 0) {
        llm__remove(path);
        if (llm__rename(tmp, path) != 0) st = llm__fail(err, LLM_ERR_IO, "cannot rename '%s' to '%s'", tmp, path);
    }
    if (st != LLM_OK) llm__remove(tmp);
    llm__dealloc(&w->alloc, hdr.kv);
    llm__dealloc(&w->alloc, tmp);
    return st;
}
/* The same into buf (cap bytes); *size gets the bytes needed. buf NULL with cap 0 asks for
   the size (LLM_OK). */
static llm_status llm__gguf_w_write_mem(llm__gguf_w *w, void *buf, size_t cap, size_t *size, llm_error *err) {
    llm__gguf_w hdr;
    llm__sink k;
    size_t need;
    llm_status st = LLM_OK;
    if (w->oom) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory building the file");
    llm__gguf_w_header(w, &hdr);
    if (hdr.oom) { llm__dealloc(&w->alloc, hdr.kv); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); }
    need = llm__gguf_w_size(w, &hdr);
    if (size) *size = need;
    if (!buf && cap == 0) {
        /* a size query */
    } else if (!buf) {
        st = llm__fail(err, LLM_ERR_INVALID_ARG, "NULL buffer of %llu bytes", (unsigned long long)cap);
    } else if (cap < need) {
        st = llm__fail(err, LLM_ERR_BUFFER_TOO_SMALL, "the file needs %llu bytes, the buffer has %llu",
                       (unsigned long long)need, (unsigned long long)cap);
    } else {
        memset(&k, 0, sizeof k);
        k.buf = (unsigned char *)buf; k.cap = cap;
        llm__gguf_w_emit(w, &hdr, &k);
    }
    llm__dealloc(&w->alloc, hdr.kv);
    return st;
}

/* A built writer into a file (path) or a buffer (else), then freed; the status of the save */
static llm_status llm__gguf_w_finish(llm__gguf_w *w, const char *path, void *buf, size_t cap, size_t *size,
                                     llm_error *err) {
    const llm_status st = path ? llm__gguf_w_write(w, path, err) : llm__gguf_w_write_mem(w, buf, cap, size, err);
    llm__gguf_w_free(w);
    if (st == LLM_OK) llm__ok(err);
    return st;
}

/* ---- reader: parses header, key/values and tensor infos; data is read on demand ---- */
typedef struct llm__gguf_kv {
    const char *key; size_t klen;
    uint32_t type, elem_type;  /* elem_type for arrays */
    uint64_t n;                /* array length (1 for scalars) */
    size_t off;                /* value (or first element) offset in meta */
    size_t *str_off;           /* string arrays: offsets of each string's length prefix */
} llm__gguf_kv;
typedef struct llm__gguf_tensor {
    const char *name; size_t nlen;
    int n_dims; int64_t shape[4];   /* row-major (slowest first) */
    uint32_t type;
    uint64_t offset;                /* absolute file offset */
    uint64_t nelem;
} llm__gguf_tensor;
typedef struct llm__gguf {
    llm_allocator alloc;
    llm__src *src;
    unsigned char *meta; size_t meta_len, meta_cap;   /* the file's header bytes */
    llm__gguf_kv *kv; size_t n_kv;
    llm__gguf_tensor *t; size_t n_t;
    size_t *str_offs;          /* storage for all string-array offsets */
    uint64_t data_start;
} llm__gguf;

/* Makes sure meta holds the file bytes [0, need). */
static llm_status llm__gguf_need(llm__gguf *g, uint64_t need, llm_error *err) {
    void *buf;
    size_t want;
    llm_status st;
    if (need <= g->meta_len) return LLM_OK;
    if (need > g->src->size)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF truncated: header needs %llu bytes, file has %llu",
                         (unsigned long long)need, (unsigned long long)g->src->size);
    want = (size_t)LLM__MIN(g->src->size, LLM__MAX(need, (uint64_t)g->meta_len * 2 + 65536));
    if (!(buf = llm__tgrow(&g->alloc, g->meta, &g->meta_cap, want, 1)))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading GGUF header");
    g->meta = (unsigned char *)buf;
    if ((st = llm__src_read(g->src, g->meta_len, g->meta + g->meta_len, want - g->meta_len, err)) != LLM_OK) return st;
    g->meta_len = want;
    return LLM_OK;
}
static llm_status llm__gguf_u64_at(llm__gguf *g, size_t *pos, uint64_t *v, llm_error *err) {
    llm_status st = llm__gguf_need(g, (uint64_t)*pos + 8, err);
    if (st != LLM_OK) return st;
    *v = llm__rd_u64(g->meta + *pos);
    *pos += 8;
    return LLM_OK;
}
static llm_status llm__gguf_u32_at(llm__gguf *g, size_t *pos, uint32_t *v, llm_error *err) {
    llm_status st = llm__gguf_need(g, (uint64_t)*pos + 4, err);
    if (st != LLM_OK) return st;
    *v = llm__rd_u32(g->meta + *pos);
    *pos += 4;
    return LLM_OK;
}
static llm_status llm__gguf_str_at(llm__gguf *g, size_t *pos, llm_error *err) {
    uint64_t len;
    llm_status st;
    if ((st = llm__gguf_u64_at(g, pos, &len, err)) != LLM_OK) return st;
    if (len > g->src->size - *pos)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF string length %llu beyond the end of the file",
                         (unsigned long long)len);
    if ((st = llm__gguf_need(g, (uint64_t)*pos + len, err)) != LLM_OK) return st;
    *pos += (size_t)len;
    return LLM_OK;
}
static void llm__gguf_close(llm__gguf *g) {
    llm__dealloc(&g->alloc, g->meta); llm__dealloc(&g->alloc, g->kv);
    llm__dealloc(&g->alloc, g->t); llm__dealloc(&g->alloc, g->str_offs);
    memset(g, 0, sizeof *g);
}
/* One key/value at *pos: validated, its offsets remembered (pointers come later, since meta
   may move while it grows). *n_str counts the strings of string arrays. */
static llm_status llm__gguf_read_kv(llm__gguf *g, llm__gguf_kv *kv, size_t *pos, size_t *n_str, llm_error *err) {
    const uint64_t size = g->src->size;
    const size_t kstart = *pos;
    llm_status st;
    size_t es;
    if ((st = llm__gguf_str_at(g, pos, err)) != LLM_OK) return st;
    kv->key = (const char *)(uintptr_t)(kstart + 8);
    kv->klen = *pos - kstart - 8;
    if ((st = llm__gguf_u32_at(g, pos, &kv->type, err)) != LLM_OK) return st;
    kv->n = 1;
    if (kv->type == LLM__GGUF_STR) {
        kv->off = *pos;
        return llm__gguf_str_at(g, pos, err);
    }
    if (kv->type != LLM__GGUF_ARR) {
        if (!(es = llm__gguf_scalar_size(kv->type)))
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF key %u bytes in: unknown type %u", (unsigned)kstart, kv->type);
        kv->off = *pos;
        if ((st = llm__gguf_need(g, (uint64_t)*pos + es, err)) != LLM_OK) return st;
        *pos += es;
        return LLM_OK;
    }
    if ((st = llm__gguf_u32_at(g, pos, &kv->elem_type, err)) != LLM_OK ||
        (st = llm__gguf_u64_at(g, pos, &kv->n, err)) != LLM_OK)
        return st;
    kv->off = *pos;
    if (kv->elem_type == LLM__GGUF_STR) {
        uint64_t j;
        if (kv->n > (size - *pos) / 8)
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF array of %llu strings beyond the end of the file",
                             (unsigned long long)kv->n);
        for (j = 0; j < kv->n; j++)
            if ((st = llm__gguf_str_at(g, pos, err)) != LLM_OK) return st;
        *n_str += (size_t)kv->n;
        return LLM_OK;
    }
    if (!(es = llm__gguf_scalar_size(kv->elem_type)))
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF array at byte %llu: unknown element type %u",
                         (unsigned long long)*pos, kv->elem_type);
    if (kv->n > (size - *pos) / es)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF array of %llu elements beyond the end of the file",
                         (unsigned long long)kv->n);
    if ((st = llm__gguf_need(g, (uint64_t)*pos + kv->n * es, err)) != LLM_OK) return st;
    *pos += (size_t)(kv->n * es);
    return LLM_OK;
}
/* One tensor info at *pos: name, dims, type, offset. The element count is only bounded here
   (at most 8 values a byte of file: no product overflows, and a 4-bit tensor may hold more
   values than the file has bytes); llm__gguf_place checks each tensor's exact byte size once
   its type is known. */
static llm_status llm__gguf_read_tensor(llm__gguf *g, llm__gguf_tensor *t, size_t i, size_t *pos, llm_error *err) {
    const uint64_t size = g->src->size;
    const uint64_t lim = size > UINT64_MAX / 8 ? UINT64_MAX : size * 8;
    const size_t nstart = *pos;
    uint64_t ne[4];
    uint32_t nd;
    int d;
    llm_status st;
    if ((st = llm__gguf_str_at(g, pos, err)) != LLM_OK) return st;
    t->name = (const char *)(uintptr_t)(nstart + 8);
    t->nlen = *pos - nstart - 8;
    if ((st = llm__gguf_u32_at(g, pos, &nd, err)) != LLM_OK) return st;
    if (nd < 1 || nd > 4)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF tensor %u ('%.*s') has %u dims (1..4)", (unsigned)i,
                         (int)LLM__MIN(t->nlen, 64), (const char *)g->meta + nstart + 8, nd);
    t->n_dims = (int)nd;
    t->nelem = 1;
    for (d = 0; d < (int)nd; d++) {
        if ((st = llm__gguf_u64_at(g, pos, &ne[d], err)) != LLM_OK) return st;
        if (ne[d] == 0 || ne[d] > lim || t->nelem > lim / ne[d])
            return llm__fail(err, LLM_ERR_FORMAT,
                             "GGUF tensor %u ('%.*s'): dimension %d is %llu (more values than 8 a byte of the file's "
                             "%llu bytes)",
                             (unsigned)i, (int)LLM__MIN(t->nlen, 64), (const char *)g->meta + nstart + 8, d,
                             (unsigned long long)ne[d], (unsigned long long)size);
        t->nelem *= ne[d];
    }
    for (d = 0; d < (int)nd; d++) t->shape[d] = (int64_t)ne[nd - 1 - d];
    if ((st = llm__gguf_u32_at(g, pos, &t->type, err)) != LLM_OK) return st;
    return llm__gguf_u64_at(g, pos, &t->offset, err);
}
/* The data starts at the header's end rounded up to the alignment (general.alignment or 32);
   every tensor's data must lie inside the file. Offsets become absolute. */
static llm_status llm__gguf_place(llm__gguf *g, size_t header_end, llm_error *err) {
    const uint64_t size = g->src->size;
    uint64_t al = LLM__GGUF_ALIGN;
    size_t k;
    for (k = 0; k < g->n_kv; k++) {
        const char *key = (const char *)g->meta + (size_t)(uintptr_t)g->kv[k].key;
        if (g->kv[k].klen == 17 && memcmp(key, "general.alignment", 17) == 0 && g->kv[k].type == LLM__GGUF_U32) {
            al = llm__rd_u32(g->meta + g->kv[k].off);
            if (al == 0 || (al & (al - 1)))
                return llm__fail(err, LLM_ERR_FORMAT, "GGUF alignment %u is not a power of two", (unsigned)al);
        }
    }
    g->data_start = ((uint64_t)header_end + al - 1) / al * al;
    for (k = 0; k < g->n_t; k++) {
        llm__gguf_tensor *t = &g->t[k];
        const llm__qtype *qt = llm__qinfo((int)t->type);   /* (unknown types: refused where they are read) */
        const uint64_t blocks = qt ? (t->nelem + (uint64_t)qt->block - 1) / (uint64_t)qt->block : 0;
        if (t->offset > size || g->data_start > size - t->offset ||
            (qt && blocks > (size - g->data_start - t->offset) / (uint64_t)qt->bytes))
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF tensor %u data (offset %llu) beyond the end of the file",
                             (unsigned)k, (unsigned long long)t->offset);
        t->offset += g->data_start;
    }
    return LLM_OK;
}
/* Offsets into meta become pointers; string arrays get an index of their strings. */
static llm_status llm__gguf_index(llm__gguf *g, size_t n_str, llm_error *err) {
    size_t i, used = 0;
    g->str_offs = (size_t *)llm__calloc(&g->alloc, n_str + 1, sizeof(size_t));
    if (!g->str_offs) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    for (i = 0; i < g->n_kv; i++) {
        llm__gguf_kv *kv = &g->kv[i];
        kv->key = (const char *)g->meta + (size_t)(uintptr_t)kv->key;
        if (kv->type == LLM__GGUF_ARR && kv->elem_type == LLM__GGUF_STR) {
            size_t p = kv->off;
            uint64_t j;
            kv->str_off = g->str_offs + used;
            for (j = 0; j < kv->n; j++) {
                kv->str_off[j] = p;
                p += 8 + (size_t)llm__rd_u64(g->meta + p);
            }
            used += (size_t)kv->n;
        }
    }
    for (i = 0; i < g->n_t; i++) g->t[i].name = (const char *)g->meta + (size_t)(uintptr_t)g->t[i].name;
    return LLM_OK;
}
/* Parses the header, key/values and tensor infos of a GGUF source; data is read on demand. */
static llm_status llm__gguf_open(llm__gguf *g, llm__src *src, const llm_allocator *a, llm_error *err) {
    size_t pos = 24, i, n_str = 0;
    uint32_t version;
    uint64_t n_t, n_kv;
    llm_status st;
    memset(g, 0, sizeof *g);
    if (a) g->alloc = *a;
    g->src = src;
    if ((st = llm__gguf_need(g, 24, err)) != LLM_OK) goto fail;
    if (memcmp(g->meta, "GGUF", 4) != 0) {
        st = llm__fail(err, LLM_ERR_FORMAT, "not a GGUF file (magic %02X %02X %02X %02X, expected 'GGUF')", g->meta[0],
                       g->meta[1], g->meta[2], g->meta[3]);
        goto fail;
    }
    version = llm__rd_u32(g->meta + 4);
    n_t = llm__rd_u64(g->meta + 8);
    n_kv = llm__rd_u64(g->meta + 16);
    if (version < 2 || version > 3) {
        st = llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF version %u not supported (2 or 3)", version);
        goto fail;
    }
    /* every kv takes at least 12 bytes and every tensor info at least 24 */
    if (n_kv > src->size / 12 || n_t > src->size / 24) {
        st = llm__fail(err, LLM_ERR_FORMAT, "GGUF counts (%llu tensors, %llu keys) exceed the file size",
                       (unsigned long long)n_t, (unsigned long long)n_kv);
        goto fail;
    }
    g->kv = (llm__gguf_kv *)llm__calloc(a, (size_t)n_kv + 1, sizeof *g->kv);
    g->t = (llm__gguf_tensor *)llm__calloc(a, (size_t)n_t + 1, sizeof *g->t);
    if (!g->kv || !g->t) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto fail; }
    for (i = 0; i < n_kv; i++)
        if ((st = llm__gguf_read_kv(g, &g->kv[i], &pos, &n_str, err)) != LLM_OK) goto fail;
    g->n_kv = (size_t)n_kv;
    for (i = 0; i < n_t; i++)
        if ((st = llm__gguf_read_tensor(g, &g->t[i], i, &pos, err)) != LLM_OK) goto fail;
    g->n_t = (size_t)n_t;
    if ((st = llm__gguf_place(g, pos, err)) != LLM_OK || (st = llm__gguf_index(g, n_str, err)) != LLM_OK) goto fail;
    llm__ok(err);
    return LLM_OK;
fail:
    llm__gguf_close(g);
    return st;
}

static const llm__gguf_kv *llm__gguf_find(const llm__gguf *g, const char *key) {
    size_t i, kl = strlen(key);
    for (i = 0; i < g->n_kv; i++)
        if (g->kv[i].klen == kl && memcmp(g->kv[i].key, key, kl) == 0) return &g->kv[i];
    return NULL;
}
static int llm__gguf_get_u64(const llm__gguf *g, const char *key, uint64_t *v) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    const unsigned char *p;
    if (!kv) return 0;
    p = g->meta + kv->off;
    switch (kv->type) {
    case LLM__GGUF_U8: case LLM__GGUF_BOOL: *v = p[0]; return 1;
    case LLM__GGUF_I8: if ((signed char)p[0] < 0) return 0; *v = p[0]; return 1;
    case LLM__GGUF_U16: *v = (uint64_t)p[0] | ((uint64_t)p[1] << 8); return 1;
    case LLM__GGUF_I16: if (p[1] & 0x80) return 0; *v = (uint64_t)p[0] | ((uint64_t)p[1] << 8); return 1;
    case LLM__GGUF_U32: *v = llm__rd_u32(p); return 1;
    case LLM__GGUF_I32: if (p[3] & 0x80) return 0; *v = llm__rd_u32(p); return 1;
    case LLM__GGUF_U64: *v = llm__rd_u64(p); return 1;
    case LLM__GGUF_I64: if (p[7] & 0x80) return 0; *v = llm__rd_u64(p); return 1;
    default: return 0;
    }
}
static int llm__gguf_get_u32(const llm__gguf *g, const char *key, uint32_t *v) {
    uint64_t u;
    if (!llm__gguf_get_u64(g, key, &u) || u > 0xffffffffu) return 0;
    *v = (uint32_t)u;
    return 1;
}
LLM__MAYBE_UNUSED static int llm__gguf_get_f32(const llm__gguf *g, const char *key, float *v) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv) return 0;
    if (kv->type == LLM__GGUF_F32) { uint32_t u = llm__rd_u32(g->meta + kv->off); memcpy(v, &u, 4); return 1; }
    if (kv->type == LLM__GGUF_F64) {
        uint64_t u = llm__rd_u64(g->meta + kv->off);
        double d;
        memcpy(&d, &u, 8);
        *v = (float)d;
        return 1;
    }
    return 0;
}
LLM__MAYBE_UNUSED static int llm__gguf_get_bool(const llm__gguf *g, const char *key, int *v) {
    uint64_t u;
    if (!llm__gguf_get_u64(g, key, &u)) return 0;
    *v = u != 0;
    return 1;
}
LLM__MAYBE_UNUSED static int llm__gguf_get_str(const llm__gguf *g, const char *key, const char **s, size_t *len) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv || kv->type != LLM__GGUF_STR) return 0;
    *len = (size_t)llm__rd_u64(g->meta + kv->off);
    *s = (const char *)g->meta + kv->off + 8;
    return 1;
}
/* Numeric array: raw little-endian elements (possibly unaligned: read with memcpy). */
LLM__MAYBE_UNUSED static int llm__gguf_get_arr(const llm__gguf *g, const char *key, int *elem_type, size_t *n,
                                               const void **raw) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv || kv->type != LLM__GGUF_ARR || kv->elem_type == LLM__GGUF_STR) return 0;
    *elem_type = (int)kv->elem_type; *n = (size_t)kv->n; *raw = g->meta + kv->off;
    return 1;
}
/* The i-th string of a string array, or 0 when absent / out of range. */
LLM__MAYBE_UNUSED static int llm__gguf_get_arr_str(const llm__gguf *g, const char *key, size_t i, const char **s,
                                                   size_t *len) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv || kv->type != LLM__GGUF_ARR || kv->elem_type != LLM__GGUF_STR || i >= kv->n) return 0;
    *len = (size_t)llm__rd_u64(g->meta + kv->str_off[i]);
    *s = (const char *)g->meta + kv->str_off[i] + 8;
    return 1;
}
static const llm__gguf_tensor *llm__gguf_tensor_find(const llm__gguf *g, const char *name) {
    size_t i, nl = strlen(name);
    for (i = 0; i < g->n_t; i++)
        if (g->t[i].nlen == nl && memcmp(g->t[i].name, name, nl) == 0) return &g->t[i];
    return NULL;
}

/* ---- loading: GPT-2 encoder.json + vocab.bpe ---------------------------------------------- */
/* GPT-2 stores token bytes as printable characters: bytes that are printable Latin-1 stand
   for themselves, the other 68 bytes map to U+0100.. in order (OpenAI's bytes_to_unicode). */
static void llm__gpt2_byte_map(uint32_t b2u[256], int16_t u2b[324]) {
    int b, n = 0;
    for (b = 0; b < 324; b++) u2b[b] = -1;
    for (b = 0; b < 256; b++) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) b2u[b] = (uint32_t)b;
        else b2u[b] = (uint32_t)(256 + n++);
        u2b[b2u[b]] = (int16_t)b;
    }
}

/* UTF-8 of mapped characters -> raw bytes. Returns the byte count, or (size_t)-1. */
static size_t llm__gpt2_unmap(const unsigned char *s, size_t n, const int16_t *u2b, unsigned char *out) {
    size_t i = 0, k = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = llm__utf8_decode(s + i, n - i, &cp);
        if (!l || cp >= 324 || u2b[cp] < 0) return (size_t)-1;
        out[k++] = (unsigned char)u2b[cp];
        i += l;
    }
    return k;
}

static int llm__hexval(int c) {
    return c >= '0' && c <= '9' ? c - '0'
        : c >= 'a' && c <= 'f'  ? c - 'a' + 10
        : c >= 'A' && c <= 'F'  ? c - 'A' + 10
                                : -1;
}

/* Parses the JSON string at s[*pos] (the opening quote) into raw token bytes (out needs as
   many bytes as the literal). Returns the length, or (size_t)-1 on a malformed string. */
static size_t llm__json_token(const unsigned char *s, size_t n, size_t *pos, const int16_t *u2b,
                              unsigned char *out) {
    size_t i = *pos + 1, k = 0;
    while (i < n && s[i] != '"') {
        uint32_t cp;
        if (s[i] == '\\') {
            if (i + 1 >= n) return (size_t)-1;
            switch (s[i + 1]) {
            case '"': cp = '"'; i += 2; break;
            case '\\': cp = '\\'; i += 2; break;
            case '/': cp = '/'; i += 2; break;
            case 'b': cp = 8; i += 2; break;
            case 'f': cp = 12; i += 2; break;
            case 'n': cp = 10; i += 2; break;
            case 'r': cp = 13; i += 2; break;
            case 't': cp = 9; i += 2; break;
            case 'u': {
                int d, j;
                if (i + 6 > n) return (size_t)-1;
                cp = 0;
                for (j = 2; j < 6; j++) {
                    if ((d = llm__hexval(s[i + j])) < 0) return (size_t)-1;
                    cp = cp * 16 + (uint32_t)d;
                }
                i += 6; /* (surrogate pairs cannot name one of the 324 mapped characters) */
                break;
            }
            default: return (size_t)-1;
            }
        } else {
            size_t l = llm__utf8_decode(s + i, n - i, &cp);
            if (!l) return (size_t)-1;
            i += l;
        }
        if (cp >= 324 || u2b[cp] < 0) return (size_t)-1;
        out[k++] = (unsigned char)u2b[cp];
    }
    if (i >= n) return (size_t)-1;
    *pos = i + 1;
    return k;
}

static size_t llm__skip_ws(const unsigned char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* encoder.json's entries as read: token bytes back to back, and each entry's place and id. */
typedef struct llm__json_vocab {
    unsigned char *raw;
    uint32_t *toff, *tlen;
    int32_t *byid;
    size_t cnt, rawn, maxid;
} llm__json_vocab;
static void llm__json_vocab_free(const llm_allocator *a, llm__json_vocab *v) {
    llm__dealloc(a, v->raw); llm__dealloc(a, v->toff); llm__dealloc(a, v->tlen); llm__dealloc(a, v->byid);
}
/* Step 1: encoder.json, {"token": id, ...} with tokens in GPT-2's byte alphabet. */
static llm_status llm__gpt2_encoder(const llm_allocator *a, const unsigned char *js, size_t jn, const int16_t *u2b,
                                    llm__json_vocab *v, llm_error *err) {
    size_t i;
    memset(v, 0, sizeof *v);
    v->raw = (unsigned char *)llm__alloc(a, jn + 1);
    v->toff = (uint32_t *)llm__alloc(a, (jn / 4 + 1) * sizeof(uint32_t)); /* an entry takes >= 6 bytes */
    v->tlen = (uint32_t *)llm__alloc(a, (jn / 4 + 1) * sizeof(uint32_t));
    v->byid = (int32_t *)llm__alloc(a, (jn / 4 + 1) * sizeof(int32_t));
    if (!v->raw || !v->toff || !v->tlen || !v->byid) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    i = llm__skip_ws(js, jn, 0);
    if (i >= jn || js[i] != '{')
        return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: expected '{' at byte %llu", (unsigned long long)i);
    i = llm__skip_ws(js, jn, i + 1);
    while (i < jn && js[i] != '}') {
        size_t l, id = 0, digits = 0;
        if (js[i] != '"' || (l = llm__json_token(js, jn, &i, u2b, v->raw + v->rawn)) == (size_t)-1)
            return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: bad token string at byte %llu", (unsigned long long)i);
        i = llm__skip_ws(js, jn, i);
        if (i >= jn || js[i] != ':')
            return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: expected ':' at byte %llu", (unsigned long long)i);
        i = llm__skip_ws(js, jn, i + 1);
        for (; i < jn && js[i] >= '0' && js[i] <= '9' && digits < 10; i++, digits++)
            id = id * 10 + (size_t)(js[i] - '0');
        if (!digits || id > 0x7FFFFFF0u)
            return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: bad id at byte %llu", (unsigned long long)i);
        v->toff[v->cnt] = (uint32_t)v->rawn; v->tlen[v->cnt] = (uint32_t)l; v->byid[v->cnt] = (int32_t)id;
        v->rawn += l;
        v->cnt++;
        if (id > v->maxid) v->maxid = id;
        i = llm__skip_ws(js, jn, i);
        if (i < jn && js[i] == ',') i = llm__skip_ws(js, jn, i + 1);
        else if (i >= jn || js[i] != '}')
            return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: expected ',' or '}' at byte %llu",
                             (unsigned long long)i);
    }
    if (i >= jn || v->cnt == 0)
        return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: truncated or empty (%llu bytes)", (unsigned long long)jn);
    if (v->maxid + 1 != v->cnt)
        return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: ids are not 0..%llu", (unsigned long long)(v->cnt - 1));
    return LLM_OK;
}
/* The tokenizer's vocabulary from encoder.json's entries, laid out in id order. */
static llm_status llm__gpt2_vocab(const llm_allocator *a, const llm__json_vocab *v, llm_tokenizer **out,
                                  llm_error *err) {
    const size_t n = v->cnt;
    llm_tokenizer *t;
    uint32_t *ent;
    size_t i, at = 0;
    llm_status st;
    if ((st = llm__tok_new(a, LLM_TOKENIZER_BPE, n, v->rawn, &t, err)) != LLM_OK) return st;
    ent = (uint32_t *)llm__alloc(a, n * sizeof(uint32_t));
    if (!ent) { llm_tokenizer_free(t); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); }
    for (i = 0; i < n; i++) ent[i] = UINT32_MAX;
    for (i = 0; i < n; i++) {
        if (ent[v->byid[i]] != UINT32_MAX) {
            llm__dealloc(a, ent);
            llm_tokenizer_free(t);
            return llm__fail(err, LLM_ERR_FORMAT, "encoder.json: id %d twice", (int)v->byid[i]);
        }
        ent[v->byid[i]] = (uint32_t)i;
    }
    for (i = 0; i < n; i++) {
        t->off[i] = (uint32_t)at;
        memcpy(t->text + at, v->raw + v->toff[ent[i]], v->tlen[ent[i]]);
        at += v->tlen[ent[i]];
        t->type[i] = LLM__TT_NORMAL;
    }
    t->off[n] = (uint32_t)at;
    llm__dealloc(a, ent);
    t->pattern = LLM_PATTERN_GPT2;
    if ((st = llm__tok_finish(t, err)) != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}
/* Step 2: vocab.bpe, "#version: 0.2" then one merge "left right" per line, best first; the
   tokens past the merges (GPT-2's <|endoftext|>) become special. */
static llm_status llm__gpt2_merges(const llm_allocator *a, llm_tokenizer *t, const unsigned char *bpe, size_t bn,
                                   const int16_t *u2b, llm_error *err) {
    unsigned char *buf = (unsigned char *)llm__alloc(a, bn + 1);
    int32_t *pairs = (int32_t *)llm__alloc(a, (bn / 2 + 1) * sizeof(int32_t));
    size_t i, nm = 0, line;
    llm_status st = LLM_OK;
    if (!buf || !pairs) st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    for (i = 0, line = 0; st == LLM_OK && i < bn; line++) {
        size_t e = i, n, sp, la, lb;
        int32_t ia, ib;
        while (e < bn && bpe[e] != '\n') e++;
        n = e;
        if (n > i && bpe[n - 1] == '\r') n--;
        if (n > i && !(line == 0 && bpe[i] == '#')) {
            for (sp = i; sp < n && bpe[sp] != ' '; sp++) {}
            if (sp >= n || sp == i || sp + 1 >= n || (la = llm__gpt2_unmap(bpe + i, sp - i, u2b, buf)) == (size_t)-1 ||
                (lb = llm__gpt2_unmap(bpe + sp + 1, n - sp - 1, u2b, buf + la)) == (size_t)-1 ||
                (ia = llm__tok_lookup(t, buf, la)) < 0 || (ib = llm__tok_lookup(t, buf + la, lb)) < 0) {
                st = llm__fail(err, LLM_ERR_FORMAT,
                               "vocab.bpe line %llu: not two space-separated tokens of the vocabulary ('%.*s')",
                               (unsigned long long)line + 1, (int)LLM__MIN(n - i, 48), (const char *)bpe + i);
                break;
            }
            pairs[2 * nm] = ia; pairs[2 * nm + 1] = ib;
            nm++;
        }
        i = e + 1;
    }
    if (st == LLM_OK) st = llm__tok_set_merges(t, pairs, NULL, nm, err);
    llm__dealloc(a, buf); llm__dealloc(a, pairs);
    if (st != LLM_OK) return st;
    for (i = 256 + nm; i < (size_t)t->n; i++) t->type[i] = LLM__TT_CONTROL;
    llm__dealloc(a, t->tab); t->tab = NULL;
    llm__dealloc(a, t->special); t->special = NULL;
    if ((st = llm__tok_finish(t, err)) != LLM_OK) return st;
    t->bos = t->eos = llm__tok_lookup(t, (const unsigned char *)"<|endoftext|>", 13);
    return LLM_OK;
}
static llm_status llm__load_tok_gpt2(const llm_allocator *a, const unsigned char *js, size_t jn,
                                     const unsigned char *bpe, size_t bn, llm_tokenizer **out, llm_error *err) {
    uint32_t b2u[256];
    int16_t u2b[324];
    llm__json_vocab v;
    llm_tokenizer *t = NULL;
    llm_status st;
    *out = NULL;
    llm__gpt2_byte_map(b2u, u2b);
    st = llm__gpt2_encoder(a, js, jn, u2b, &v, err);
    if (st == LLM_OK) st = llm__gpt2_vocab(a, &v, &t, err);
    llm__json_vocab_free(a, &v);
    if (st == LLM_OK) st = llm__gpt2_merges(a, t, bpe, bn, u2b, err);
    if (st != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}

/* ---- JSON: a small reader for config.json, tokenizer.json and safetensors headers --------------
   A document is first checked whole (llm__js_check: well formed, nested at most 64 deep);
   the accessors below then walk it by position, allocating nothing. */
static size_t llm__js_skip_str(const unsigned char *s, size_t n, size_t i) {   /* i: the opening quote */
    for (i++; i < n; i++) {
        if (s[i] == '"') return i + 1;
        if (s[i] < 0x20) break;
        if (s[i] == '\\' && ++i >= n) break;
    }
    return (size_t)-1;
}
/* past the value at i (after whitespace); (size_t)-1 when malformed, with the byte where it
   went wrong in *bad (when bad is not NULL) */
static size_t llm__js_skip_at(const unsigned char *s, size_t n, size_t i, int depth, size_t *bad) {
    size_t st;
    i = llm__skip_ws(s, n, i);
#define LLM__JS_BAD(at) do { if (bad) *bad = (at); return (size_t)-1; } while (0)
    if (i >= n || depth > 64) LLM__JS_BAD(i);
    if (s[i] == '"') {
        if ((st = llm__js_skip_str(s, n, i)) == (size_t)-1) LLM__JS_BAD(i);
        return st;
    }
    if (s[i] == '{' || s[i] == '[') {
        const int obj = s[i] == '{';
        const unsigned char close = obj ? '}' : ']';
        i = llm__skip_ws(s, n, i + 1);
        if (i < n && s[i] == close) return i + 1;
        for (;;) {
            if (obj) {
                if (i >= n || s[i] != '"' || (st = llm__js_skip_str(s, n, i)) == (size_t)-1) LLM__JS_BAD(i);
                i = llm__skip_ws(s, n, st);
                if (i >= n || s[i] != ':') LLM__JS_BAD(i);
                i++;
            }
            if ((i = llm__js_skip_at(s, n, i, depth + 1, bad)) == (size_t)-1) return (size_t)-1;
            i = llm__skip_ws(s, n, i);
            if (i < n && s[i] == ',') { i = llm__skip_ws(s, n, i + 1); continue; }
            if (i < n && s[i] == close) return i + 1;
            LLM__JS_BAD(i);
        }
    }
    for (st = i; i < n &&
         ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' ||
          s[i] == '+' || s[i] == '.');
         i++) {}
    if (i == st) LLM__JS_BAD(i);
#undef LLM__JS_BAD
    return i;
}
static size_t llm__js_skip(const unsigned char *s, size_t n, size_t i, int depth) {
    return llm__js_skip_at(s, n, i, depth, NULL);
}
/* 1 when s[0, n) is one JSON object (trailing whitespace allowed); else 0 and the byte where
   it stops being one in *bad (when not NULL) */
static int llm__js_check_at(const unsigned char *s, size_t n, size_t *bad) {
    size_t i = llm__skip_ws(s, n, 0), e, b = 0;
    if (!bad) bad = &b;
    *bad = i;
    if (i >= n || s[i] != '{' || (e = llm__js_skip_at(s, n, i, 0, bad)) == (size_t)-1) return 0;
    *bad = llm__skip_ws(s, n, e);
    return *bad == n;
}
static int llm__js_check(const unsigned char *s, size_t n) { return llm__js_check_at(s, n, NULL); }
/* Next member of the object whose '{' (first call) or last value's end (later calls) is at
   *i: the key's characters [*ks, *ke) as written and the value's position *v. 0 at the end. */
static int llm__js_member(const unsigned char *s, size_t n, size_t *i, size_t *ks, size_t *ke, size_t *v) {
    size_t p = llm__skip_ws(s, n, *i);
    if (p >= n || (s[p] != '{' && s[p] != ',')) return 0;
    p = llm__skip_ws(s, n, p + 1);
    if (p >= n || s[p] != '"') return 0;
    *ks = p + 1;
    p = llm__js_skip_str(s, n, p);
    *ke = p - 1;
    *v = llm__skip_ws(s, n, llm__skip_ws(s, n, p) + 1);
    *i = llm__js_skip(s, n, *v, 0);
    return 1;
}
/* Next element of the array at *i (its '[' first, then the last element's end); *v its place. */
static int llm__js_elem(const unsigned char *s, size_t n, size_t *i, size_t *v) {
    size_t p = llm__skip_ws(s, n, *i);
    if (p >= n || (s[p] != '[' && s[p] != ',')) return 0;
    p = llm__skip_ws(s, n, p + 1);
    if (p >= n || s[p] == ']') return 0;
    *v = p;
    *i = llm__js_skip(s, n, p, 0);
    return 1;
}
/* The value of key in the object at obj, or (size_t)-1 (keys compared as written). */
static size_t llm__js_get(const unsigned char *s, size_t n, size_t obj, const char *key) {
    size_t i = obj, ks, ke, v, kl = strlen(key);
    if (obj >= n || s[obj] != '{') return (size_t)-1;
    while (llm__js_member(s, n, &i, &ks, &ke, &v))
        if (ke - ks == kl && memcmp(s + ks, key, kl) == 0) return v;
    return (size_t)-1;
}
static int llm__js_is(const unsigned char *s, size_t n, size_t v, const char *lit) {   /* true, null, ... */
    size_t l = strlen(lit);
    return v < n && n - v >= l && memcmp(s + v, lit, l) == 0;
}
/* The number at v; 0 when it is not one. Parsed here (strtod would follow the C locale). */
static int llm__js_num(const unsigned char *s, size_t n, size_t v, double *out) {
    double m = 0;
    int neg = 0, digits = 0, e = 0, ev = 0, es = 1;
    if (v >= n) return 0;
    if (s[v] == '-') { neg = 1; v++; }
    for (; v < n && s[v] >= '0' && s[v] <= '9'; v++, digits++) m = m * 10 + (s[v] - '0');
    if (v < n && s[v] == '.')
        for (v++; v < n && s[v] >= '0' && s[v] <= '9'; v++, digits++, e--) m = m * 10 + (s[v] - '0');
    if (!digits) return 0;
    if (v < n && (s[v] == 'e' || s[v] == 'E')) {
        v++;
        if (v < n && (s[v] == '-' || s[v] == '+')) es = s[v++] == '-' ? -1 : 1;
        for (; v < n && s[v] >= '0' && s[v] <= '9'; v++) ev = LLM__MIN(ev * 10 + (s[v] - '0'), 9999);
    }
    *out = (neg ? -m : m) * pow(10.0, (double)(e + es * ev));
    return 1;
}
/* A non-negative integer at v no larger than max; 0 when it is not one. */
static int llm__js_uint(const unsigned char *s, size_t n, size_t v, uint64_t max, uint64_t *out) {
    uint64_t x = 0;
    size_t st = v;
    for (; v < n && s[v] >= '0' && s[v] <= '9'; v++) {
        if (x > (max - (uint64_t)(s[v] - '0')) / 10) return 0;
        x = x * 10 + (uint64_t)(s[v] - '0');
    }
    if (v == st || (v < n && (s[v] == '.' || s[v] == 'e' || s[v] == 'E'))) return 0;
    *out = x;
    return 1;
}
/* The string at v as UTF-8 into out (the literal's length suffices); its length, or
   (size_t)-1 when v is not a valid string. */
static size_t llm__js_str(const unsigned char *s, size_t n, size_t v, unsigned char *out) {
    size_t i = v + 1, k = 0;
    if (v >= n || s[v] != '"') return (size_t)-1;
    while (i < n && s[i] != '"') {
        uint32_t cp;
        if (s[i] != '\\') { out[k++] = s[i++]; continue; }
        if (i + 1 >= n) return (size_t)-1;
        switch (s[i + 1]) {
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u': cp = 0x110000; break;
        default: cp = s[i + 1]; break;
        }
        i += 2;
        if (cp == 0x110000) {
            int j, d;
            if (n - i < 4) return (size_t)-1;
            for (cp = 0, j = 0; j < 4; j++) {
                if ((d = llm__hexval(s[i + j])) < 0) return (size_t)-1;
                cp = cp * 16 + (uint32_t)d;
            }
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u') {   /* a surrogate pair */
                uint32_t lo = 0;
                for (j = 2; j < 6 && (d = llm__hexval(s[i + j])) >= 0; j++) lo = lo * 16 + (uint32_t)d;
                if (j == 6 && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;   /* a lone surrogate */
        }
        /* UTF-8 of cp (an escape takes 6+ bytes of the literal, its UTF-8 at most 4) */
        if (cp < 0x80) out[k++] = (unsigned char)cp;
        else if (cp < 0x800) {
            out[k++] = (unsigned char)(0xC0 | cp >> 6);
            out[k++] = (unsigned char)(0x80 | (cp & 63));
        } else if (cp < 0x10000) {
            out[k++] = (unsigned char)(0xE0 | cp >> 12); out[k++] = (unsigned char)(0x80 | ((cp >> 6) & 63));
            out[k++] = (unsigned char)(0x80 | (cp & 63));
        } else {
            out[k++] = (unsigned char)(0xF0 | cp >> 18); out[k++] = (unsigned char)(0x80 | ((cp >> 12) & 63));
            out[k++] = (unsigned char)(0x80 | ((cp >> 6) & 63)); out[k++] = (unsigned char)(0x80 | (cp & 63));
        }
    }
    return i < n ? k : (size_t)-1;
}
/* 1 when the value at v is the string lit (no escapes) */
static int llm__js_streq(const unsigned char *s, size_t n, size_t v, const char *lit) {
    size_t l = strlen(lit);
    return v < n && s[v] == '"' && n - v > l + 1 && memcmp(s + v + 1, lit, l) == 0 && s[v + 1 + l] == '"';
}

/* ---- loading: Hugging Face tokenizer.json ------------------------------------------------------
   {"added_tokens": [{"id", "content", "special"}...], "normalizer", "pre_tokenizer",
    "post_processor", "decoder",
    "model": {"type": "BPE", "vocab": {token: id}, "merges": ["a b", ...] or [["a", "b"], ...],
              "byte_fallback", "ignore_merges", "fuse_unk", "unk_token"}}
   Two families, told apart by the pipeline (anything else is refused with
   LLM_ERR_UNSUPPORTED naming the part):
     byte-level (a ByteLevel pre-tokenizer: GPT-2, Llama 3, Qwen, SmolLM2): tokens written in
       GPT-2's byte alphabet; normalizer none or NFC; pre-tokenizer steps ByteLevel
       (add_prefix_space; use_regex = GPT-2's split), Split (Isolated) on GPT-2's, cl100k's or
       Qwen 2's regex, Digits; ignore_merges. Decoder ByteLevel: the token bytes.
     SentencePiece-style (spaces become "▁": a Replace(" ", "▁") normalizer, or Metaspace,
       whose split makes a piece begin at each "▁"; Gemma, Llama 2 converted): tokens as UTF-8;
       Prepend("▁") / Metaspace prepend_scheme adds the dummy prefix; merges by rank;
       byte_fallback (<0xXX>), unk_token, fuse_unk. Decoders Replace("▁", " "), ByteFallback,
       Fuse, Strip, Metaspace.
   Added tokens take their ids (above the model's vocabulary or inside it); "special" ones
   become CONTROL tokens (matched only with LLM_TOKENIZE_ALLOW_SPECIAL), the others USER
   tokens (always matched, as Hugging Face does). BOS/EOS come from a TemplateProcessing
   post-processor (which also says to add them), else from their usual names. */
typedef struct llm__hf_pipe {
    int bytelevel, nfc, replace_space, prepend, metaspace, meta_split, prefix_space, n_pre;
    unsigned char pre[4];
    char re[4][512];   /* LLM__PRE_REGEX steps: the pattern */
    size_t re_len[4];
} llm__hf_pipe;

static const char llm__re_gpt2[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char llm__re_gpt4[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                                   "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char llm__re_qwen2[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                                    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* The string value of key in the object at obj into buf (cap bytes; NUL-terminated), or
   NULL when absent, not a string or too long. */
static const char *llm__js_getstr(const unsigned char *s, size_t n, size_t obj, const char *key, char *buf,
                                  size_t cap) {
    size_t v = llm__js_get(s, n, obj, key), e, l;
    if (v == (size_t)-1 || s[v] != '"') return NULL;
    e = llm__js_skip(s, n, v, 0);
    if (e == (size_t)-1 || e - v > cap) return NULL;
    if ((l = llm__js_str(s, n, v, (unsigned char *)buf)) == (size_t)-1) return NULL;
    buf[l] = 0;
    return buf;
}
static int llm__js_bool(const unsigned char *s, size_t n, size_t obj, const char *key, int dflt) {
    size_t v = llm__js_get(s, n, obj, key);
    if (v == (size_t)-1) return dflt;
    if (llm__js_is(s, n, v, "true")) return 1;
    if (llm__js_is(s, n, v, "false")) return 0;
    return dflt;
}

static llm_status llm__hf_normalizer(const unsigned char *s, size_t n, size_t v, int depth, llm__hf_pipe *p,
                                     llm_error *err) {
    char ty[32], a[16], b[16];
    size_t pat, i, e;
    if (v == (size_t)-1 || llm__js_is(s, n, v, "null")) return LLM_OK;
    if (s[v] != '{' || !llm__js_getstr(s, n, v, "type", ty, sizeof ty) || depth > 4)
        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: a normalizer without a type");
    if (strcmp(ty, "NFC") == 0) { p->nfc = 1; return LLM_OK; }
    if (strcmp(ty, "Sequence") == 0) {
        llm_status st;
        i = llm__js_get(s, n, v, "normalizers");
        if (i == (size_t)-1 || s[i] != '[')
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: Sequence without normalizers");
        while (llm__js_elem(s, n, &i, &e))
            if ((st = llm__hf_normalizer(s, n, e, depth + 1, p, err)) != LLM_OK) return st;
        return LLM_OK;
    }
    if (strcmp(ty, "Replace") == 0) {
        pat = llm__js_get(s, n, v, "pattern");
        if (pat != (size_t)-1 && s[pat] == '{' && llm__js_getstr(s, n, pat, "String", a, sizeof a) &&
            llm__js_getstr(s, n, v, "content", b, sizeof b) && strcmp(a, " ") == 0 && strcmp(b, "\xE2\x96\x81") == 0) {
            p->replace_space = 1;
            return LLM_OK;
        }
        return llm__fail(err, LLM_ERR_UNSUPPORTED,
                         "tokenizer.json: a Replace normalizer other than \" \" -> \"\xE2\x96\x81\"");
    }
    if (strcmp(ty, "Prepend") == 0 && llm__js_getstr(s, n, v, "prepend", a, sizeof a) &&
        strcmp(a, "\xE2\x96\x81") == 0) {
        p->prepend = 2;   /* a normalizer: every part between added tokens */
        return LLM_OK;
    }
    return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: normalizer %s not supported", ty);
}

static llm_status llm__hf_pretok(const unsigned char *s, size_t n, size_t v, int depth, llm__hf_pipe *p,
                                 llm_error *err) {
    char ty[32], beh[32];
    size_t i, e;
    int step = 0;
    if (v == (size_t)-1 || llm__js_is(s, n, v, "null")) return LLM_OK;
    if (s[v] != '{' || !llm__js_getstr(s, n, v, "type", ty, sizeof ty) || depth > 4)
        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: a pre-tokenizer without a type");
    if (strcmp(ty, "Sequence") == 0) {
        llm_status st;
        i = llm__js_get(s, n, v, "pretokenizers");
        if (i == (size_t)-1 || s[i] != '[')
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: Sequence without pretokenizers");
        while (llm__js_elem(s, n, &i, &e))
            if ((st = llm__hf_pretok(s, n, e, depth + 1, p, err)) != LLM_OK) return st;
        return LLM_OK;
    }
    if (strcmp(ty, "ByteLevel") == 0) {
        p->bytelevel = 1;
        if (llm__js_bool(s, n, v, "add_prefix_space", 1)) {
            if (p->n_pre)
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: ByteLevel add_prefix_space after a split");
            p->prefix_space = 1;
        }
        if (llm__js_bool(s, n, v, "use_regex", 1)) step = LLM__PRE_GPT2;
    } else if (strcmp(ty, "Digits") == 0) {
        step = llm__js_bool(s, n, v, "individual_digits", 0) ? LLM__PRE_DIGITS1 : LLM__PRE_DIGITS;
    } else if (strcmp(ty, "Metaspace") == 0) {
        char r[16], sch[16];
        if (!llm__js_getstr(s, n, v, "replacement", r, sizeof r) || strcmp(r, "\xE2\x96\x81") != 0)
            return llm__fail(err, LLM_ERR_UNSUPPORTED,
                             "tokenizer.json: Metaspace with a replacement other than \"\xE2\x96\x81\"");
        p->meta_split = llm__js_bool(s, n, v, "split", 1);   /* (Hugging Face's default) */
        p->metaspace = 1;
        if (llm__js_getstr(s, n, v, "prepend_scheme", sch, sizeof sch))
            p->prepend = strcmp(sch, "never") == 0 ? 0 : strcmp(sch, "always") == 0 ? 2 : 1;
        else p->prepend = llm__js_bool(s, n, v, "add_prefix_space", 1) ? 2 : 0;   /* (older files: always) */
        return LLM_OK;
    } else if (strcmp(ty, "Split") == 0) {
        size_t pat = llm__js_get(s, n, v, "pattern"), rv, re;
        unsigned char buf[512];
        size_t l = (size_t)-1;
        if (pat == (size_t)-1 || s[pat] != '{')
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: Split without a pattern");
        if (!llm__js_getstr(s, n, v, "behavior", beh, sizeof beh)) beh[0] = 0;
        if (llm__js_get(s, n, pat, "String") != (size_t)-1) {
            char a[8];
            /* " " merged with the previous piece, after spaces became "▁": nothing left to split */
            if (llm__js_getstr(s, n, pat, "String", a, sizeof a) && strcmp(a, " ") == 0 && p->replace_space &&
                strcmp(beh, "MergedWithPrevious") == 0 && !llm__js_bool(s, n, v, "invert", 0))
                return LLM_OK;
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: Split on a string (behavior %s)", beh);
        }
        if ((rv = llm__js_get(s, n, pat, "Regex")) == (size_t)-1 || s[rv] != '"' ||
            (re = llm__js_skip(s, n, rv, 0)) == (size_t)-1)
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: Split pattern is neither String nor Regex");
        if (re - rv < sizeof buf) l = llm__js_str(s, n, rv, buf);
        if (l != (size_t)-1) {
            buf[l] = 0;
            if (strcmp((char *)buf, llm__re_gpt2) == 0) step = LLM__PRE_GPT2;
            else if (strcmp((char *)buf, llm__re_gpt4) == 0) step = LLM__PRE_GPT4;
            else if (strcmp((char *)buf, llm__re_qwen2) == 0) step = LLM__PRE_QWEN2;
        }
        if (l == (size_t)-1)
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: a Split regex of more than %d bytes",
                             (int)sizeof buf - 1);
        if (strcmp(beh, "Isolated") != 0 || llm__js_bool(s, n, v, "invert", 0))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: Split with behavior %s%s (only Isolated)", beh,
                             llm__js_bool(s, n, v, "invert", 0) ? " and invert" : "");
        if (!step && p->n_pre < 4) {   /* any other regex: the matcher (compiled once loaded) */
            memcpy(p->re[p->n_pre], buf, l);
            p->re_len[p->n_pre] = l;
            step = LLM__PRE_REGEX;
        }
    } else {
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: pre-tokenizer %s not supported", ty);
    }
    if (step) {
        if (p->n_pre == 4)
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: more than 4 pre-tokenizer splits");
        p->pre[p->n_pre++] = (unsigned char)step;
    }
    return LLM_OK;
}

static llm_status llm__hf_decoder(const unsigned char *s, size_t n, size_t v, int depth, llm_error *err) {
    static const char *const known[] = { "ByteLevel", "ByteFallback", "Fuse", "Replace", "Strip", "Metaspace" };
    char ty[32];
    size_t i, e, k;
    if (v == (size_t)-1 || llm__js_is(s, n, v, "null")) return LLM_OK;
    if (s[v] != '{' || !llm__js_getstr(s, n, v, "type", ty, sizeof ty) || depth > 4)
        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: a decoder without a type");
    if (strcmp(ty, "Sequence") == 0) {
        llm_status st;
        i = llm__js_get(s, n, v, "decoders");
        if (i == (size_t)-1 || s[i] != '[')
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: Sequence without decoders");
        while (llm__js_elem(s, n, &i, &e))
            if ((st = llm__hf_decoder(s, n, e, depth + 1, err)) != LLM_OK) return st;
        return LLM_OK;
    }
    for (k = 0; k < sizeof known / sizeof known[0]; k++) if (strcmp(ty, known[k]) == 0) return LLM_OK;
    return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: decoder %s not supported", ty);
}

/* One token string of the file (at v) as its bytes into out: byte-level tokens through GPT-2's
   alphabet (raw: added tokens), the others as UTF-8. (size_t)-1 when malformed. */
static size_t llm__hf_tokstr(const unsigned char *s, size_t n, size_t v, int bytelevel, const int16_t *u2b,
                             unsigned char *tmp, unsigned char *out) {
    size_t l = llm__js_str(s, n, v, bytelevel ? tmp : out);
    if (l == (size_t)-1 || !bytelevel) return l;
    return llm__gpt2_unmap(tmp, l, u2b, out);
}

/* Compiles step k's Split regex and keeps its text. */
static llm_status llm__tok_set_regex(llm_tokenizer *t, int k, const char *pat, size_t len, llm_error *err) {
    llm_status st;
    if ((st = llm__regex_compile(&t->alloc, pat, len, 0, &t->re[k], err)) != LLM_OK) {
        char msg[sizeof err->message];
        if (err) {
            memcpy(msg, err->message, sizeof msg);
            return llm__fail(err, st, "tokenizer.json Split: %s", msg);
        }
        return st;
    }
    if (!(t->re_src[k] = (char *)llm__alloc(&t->alloc, len + 1)))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    memcpy(t->re_src[k], pat, len);
    t->re_src[k][len] = 0;
    t->re_len[k] = (uint32_t)len;
    return LLM_OK;
}

static llm_status llm__load_tok_hf(const llm_allocator *a, const unsigned char *s, size_t n, llm_tokenizer **out,
                                   llm_error *err) {
    const size_t root = llm__skip_ws(s, n, 0);
    size_t model, vocab, merges, added, i, v, e, ks, ke, cnt = 0, nadd = 0, rawn = 0, k, nm = 0;
    uint32_t b2u[256];
    int16_t u2b[324];
    llm__hf_pipe p;
    unsigned char *raw = NULL, *tmp = NULL;
    uint32_t *eoff = NULL, *elen = NULL;
    int32_t *eid = NULL, *slot = NULL, *pairs = NULL;
    unsigned char *espec = NULL;
    llm_tokenizer *t = NULL;
    llm_status st = LLM_OK;
    int64_t maxid = -1;
    char ty[32], unk[64];
    unsigned char ms[4096];   /* the model's small members (all but vocab and merges) as an object */
    size_t mn = 0, mks, mke, mv, mi;
    const size_t mo = 0;
    *out = NULL;
    memset(&p, 0, sizeof p);
    llm__gpt2_byte_map(b2u, u2b);
    /* (llm__tokenizer_parse checked the whole document: llm__js_check) */
    model = llm__js_get(s, n, root, "model");
    vocab = merges = (size_t)-1;
    ms[mn++] = '{';
    if (model != (size_t)-1 && s[model] == '{')   /* one walk over the model (its vocab and merges are big) */
        for (mi = model; llm__js_member(s, n, &mi, &mks, &mke, &mv);) {
            size_t ve = mi;   /* (the end of the value) */
            if (mke - mks == 5 && memcmp(s + mks, "vocab", 5) == 0) vocab = mv;
            else if (mke - mks == 6 && memcmp(s + mks, "merges", 6) == 0) merges = mv;
            else if (ve != (size_t)-1 && (mke - mks + 1) + (ve - mv) + 8 < sizeof ms - mn) {
                if (mn > 1) ms[mn++] = ',';
                memcpy(ms + mn, s + mks - 1, mke - mks + 2); mn += mke - mks + 2;
                ms[mn++] = ':';
                memcpy(ms + mn, s + mv, ve - mv); mn += ve - mv;
            }
        }
    ms[mn++] = '}';
    if (model == (size_t)-1 || s[model] != '{' || !llm__js_getstr(ms, mn, mo, "type", ty, sizeof ty)) {
        if (merges != (size_t)-1) strcpy(ty, "BPE");
        else return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: no model type (only BPE models are read)");
    }
    if (strcmp(ty, "BPE") != 0)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: model type %s (only BPE models are read)", ty);
    if (vocab == (size_t)-1 || s[vocab] != '{' || merges == (size_t)-1 || s[merges] != '[')
        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: model.vocab or model.merges missing");
    {
        char x[64];
        if ((llm__js_getstr(ms, mn, mo, "continuing_subword_prefix", x, sizeof x) && x[0]) ||
            (llm__js_getstr(ms, mn, mo, "end_of_word_suffix", x, sizeof x) && x[0]))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: BPE with a subword prefix or word suffix");
        e = llm__js_get(ms, mn, mo, "dropout");
        if (e != (size_t)-1 && !llm__js_is(ms, mn, e, "null"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: BPE dropout");
    }
    if ((st = llm__hf_normalizer(s, n, llm__js_get(s, n, root, "normalizer"), 0, &p, err)) != LLM_OK) return st;
    if ((st = llm__hf_pretok(s, n, llm__js_get(s, n, root, "pre_tokenizer"), 0, &p, err)) != LLM_OK) return st;
    if ((st = llm__hf_decoder(s, n, llm__js_get(s, n, root, "decoder"), 0, err)) != LLM_OK) return st;
    if (p.bytelevel) {
        if (p.replace_space || p.prepend || p.metaspace)
            return llm__fail(err, LLM_ERR_UNSUPPORTED,
                             "tokenizer.json: ByteLevel mixed with SentencePiece-style spaces");
        if (llm__js_bool(ms, mn, mo, "byte_fallback", 0))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: ByteLevel with byte_fallback");
    } else {
        if (!p.replace_space && !p.metaspace)
            return llm__fail(
                err, LLM_ERR_UNSUPPORTED,
                "tokenizer.json: neither byte-level (ByteLevel) nor SentencePiece-style (\"\xE2\x96\x81\" for "
                "spaces)%s",
                llm__js_bool(ms, mn, mo, "byte_fallback", 0) ? "; load the tokenizer.model beside it" : "");
        if (p.nfc || p.n_pre)
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.json: NFC or a Split/Digits pre-tokenizer with "
                                                       "SentencePiece-style spaces");
    }
    /* 1. the entries: model.vocab, then added_tokens */
    added = llm__js_get(s, n, root, "added_tokens");
    if (added != (size_t)-1 && s[added] != '[') added = (size_t)-1;
    for (i = vocab; llm__js_member(s, n, &i, &ks, &ke, &v);) cnt++;
    if (added != (size_t)-1) for (i = added; llm__js_elem(s, n, &i, &v);) nadd++;
    eoff = (uint32_t *)llm__alloc(a, (cnt + nadd + 1) * sizeof(uint32_t));
    elen = (uint32_t *)llm__alloc(a, (cnt + nadd + 1) * sizeof(uint32_t));
    eid = (int32_t *)llm__alloc(a, (cnt + nadd + 1) * sizeof(int32_t));
    espec = (unsigned char *)llm__alloc(a, cnt + nadd + 1);
    raw = (unsigned char *)llm__alloc(a, n + 1);   /* every string's bytes fit in the file's */
    tmp = (unsigned char *)llm__alloc(a, n + 1);
    if (!eoff || !elen || !eid || !espec || !raw || !tmp) {
        st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    k = 0;
    for (i = vocab; llm__js_member(s, n, &i, &ks, &ke, &v); k++) {
        uint64_t id;
        size_t l = llm__hf_tokstr(s, n, ks - 1, p.bytelevel, u2b, tmp, raw + rawn);
        if (l == (size_t)-1 || !llm__js_uint(s, n, v, LLM_MAX_VOCAB - 1, &id)) {
            st = llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: model.vocab entry at byte %llu: bad token or id%s",
                           (unsigned long long)ks,
                           p.bytelevel && l == (size_t)-1 ? " (not in GPT-2's byte alphabet)" : "");
            goto done;
        }
        eoff[k] = (uint32_t)rawn; elen[k] = (uint32_t)l; eid[k] = (int32_t)id; espec[k] = 0;
        rawn += l;
        if ((int64_t)id > maxid) maxid = (int64_t)id;
    }
    if (added != (size_t)-1)
        for (i = added; llm__js_elem(s, n, &i, &v); k++) {
            size_t idv = llm__js_get(s, n, v, "id"), cv = llm__js_get(s, n, v, "content"), l;
            uint64_t id;
            if (s[v] != '{' || idv == (size_t)-1 || !llm__js_uint(s, n, idv, LLM_MAX_VOCAB - 1, &id) ||
                cv == (size_t)-1 || (l = llm__js_str(s, n, cv, raw + rawn)) == (size_t)-1) {
                st = llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: added token at byte %llu: bad id or content",
                               (unsigned long long)v);
                goto done;
            }
            eoff[k] = (uint32_t)rawn; elen[k] = (uint32_t)l; eid[k] = (int32_t)id;
            espec[k] = (unsigned char)(llm__js_bool(s, n, v, "special", 0) ? 2 : 1);
            rawn += l;
            if ((int64_t)id > maxid) maxid = (int64_t)id;
        }
    if (maxid < 0) { st = llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: an empty vocabulary"); goto done; }
    /* 2. laid out in id order (an added token replaces a vocabulary entry of its id; ids no
       entry names stay empty, unused) */
    slot = (int32_t *)llm__alloc(a, (size_t)(maxid + 1) * sizeof(int32_t));
    if (!slot) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto done; }
    for (i = 0; i <= (size_t)maxid; i++) slot[i] = -1;
    for (i = 0; i < cnt + nadd; i++) {
        if (slot[eid[i]] >= 0 && (i < cnt || espec[slot[eid[i]]])) {
            st = llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: id %d twice", (int)eid[i]);
            goto done;
        }
        slot[eid[i]] = (int32_t)i;
    }
    {
        size_t bytes = 0, at = 0;
        for (i = 0; i <= (size_t)maxid; i++) if (slot[i] >= 0) bytes += elen[slot[i]];
        if ((st = llm__tok_new(a, p.bytelevel ? LLM_TOKENIZER_BPE : LLM_TOKENIZER_SPM, (size_t)maxid + 1, bytes, &t,
                               err)) != LLM_OK)
            goto done;
        for (i = 0; i <= (size_t)maxid; i++) {
            int32_t q = slot[i];
            int bv;
            t->off[i] = (uint32_t)at;
            t->type[i] = LLM__TT_UNUSED;
            if (q < 0) continue;
            memcpy(t->text + at, raw + eoff[q], elen[q]);
            at += elen[q];
            t->type[i] = espec[q] == 2 ? LLM__TT_CONTROL : espec[q] == 1 ? LLM__TT_USER : LLM__TT_NORMAL;
            if (!p.bytelevel && espec[q] == 0 && llm__is_byte_piece(raw + eoff[q], elen[q], &bv))
                t->type[i] = LLM__TT_BYTE;
        }
        t->off[maxid + 1] = (uint32_t)at;
    }
    if (!p.bytelevel) {
        t->rank_merges = 1; t->escape_ws = 1; t->remove_extra_ws = 0;
        t->add_dummy_prefix = p.prepend != 0;
        t->prefix_each = p.prepend == 2;
        t->meta_split = p.meta_split;
        t->byte_fallback = llm__js_bool(ms, mn, mo, "byte_fallback", 0);
        t->fuse_unk = llm__js_bool(ms, mn, mo, "fuse_unk", 0);
    } else {
        t->hf = 1; t->nfc = p.nfc; t->prefix_space = p.prefix_space; t->n_pre = p.n_pre;
        memcpy(t->pre, p.pre, sizeof p.pre);
        for (k = 0; k < (size_t)p.n_pre; k++)
            if (p.pre[k] == LLM__PRE_REGEX && (st = llm__tok_set_regex(t, (int)k, p.re[k], p.re_len[k], err)) != LLM_OK)
                goto done;
        t->pattern = p.n_pre == 1 && p.pre[0] <= LLM__PRE_QWEN2 ? (llm_pattern)p.pre[0] : LLM_PATTERN_GPT2;
        t->ignore_merges = llm__js_bool(ms, mn, mo, "ignore_merges", 0);
    }
    if ((st = llm__tok_finish(t, err)) != LLM_OK) goto done;
    if (llm__js_getstr(ms, mn, mo, "unk_token", unk, sizeof unk) &&
        (t->unk = llm__tok_lookup(t, (const unsigned char *)unk, strlen(unk))) >= 0 && !p.bytelevel)
        t->type[t->unk] = LLM__TT_UNKNOWN;
    /* 3. the merges, by rank */
    for (i = merges; llm__js_elem(s, n, &i, &v);) nm++;
    pairs = (int32_t *)llm__alloc(a, (2 * nm + 1) * sizeof(int32_t));
    if (!pairs) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto done; }
    k = 0;
    for (i = merges; llm__js_elem(s, n, &i, &v); k++) {
        size_t la = (size_t)-1, lb = (size_t)-1, j = v, w;
        if (s[v] == '[') {   /* ["a", "b"] */
            if (llm__js_elem(s, n, &j, &w)) la = llm__hf_tokstr(s, n, w, p.bytelevel, u2b, tmp, raw);
            if (la != (size_t)-1 && llm__js_elem(s, n, &j, &w))
                lb = llm__hf_tokstr(s, n, w, p.bytelevel, u2b, tmp, raw + la);
            if (lb != (size_t)-1 && llm__js_elem(s, n, &j, &w)) lb = (size_t)-1;
        } else {             /* "a b" */
            size_t l = llm__js_str(s, n, v, tmp), sp;
            if (l != (size_t)-1) {
                for (sp = 0; sp < l && tmp[sp] != ' '; sp++) {}
                if (sp < l) {
                    if (!p.bytelevel) {
                        memcpy(raw, tmp, l);
                        la = sp;
                        lb = l - sp - 1;
                        memmove(raw + sp, raw + sp + 1, lb);
                    } else if ((la = llm__gpt2_unmap(tmp, sp, u2b, raw)) != (size_t)-1)
                        lb = llm__gpt2_unmap(tmp + sp + 1, l - sp - 1, u2b, raw + la);
                }
            }
        }
        if (la == (size_t)-1 || lb == (size_t)-1 || (pairs[2 * k] = llm__tok_lookup(t, raw, la)) < 0 ||
            (pairs[2 * k + 1] = llm__tok_lookup(t, raw + la, lb)) < 0) {
            st = llm__fail(err, LLM_ERR_FORMAT, "tokenizer.json: merge %llu is not two tokens of the vocabulary",
                           (unsigned long long)k);
            goto done;
        }
    }
    if ((st = llm__tok_set_merges(t, pairs, NULL, nm, err)) != LLM_OK) goto done;
    /* 4. BOS / EOS: a TemplateProcessing post-processor's special tokens, else the usual names */
    e = llm__js_get(s, n, root, "post_processor");
    if (e != (size_t)-1 && s[e] == '{' && llm__js_getstr(s, n, e, "type", ty, sizeof ty) &&
        strcmp(ty, "TemplateProcessing") == 0 && (i = llm__js_get(s, n, e, "single")) != (size_t)-1 && s[i] == '[') {
        int seen_seq = 0;
        while (llm__js_elem(s, n, &i, &v)) {
            size_t sp = s[v] == '{' ? llm__js_get(s, n, v, "SpecialToken") : (size_t)-1;
            char name[128];
            int32_t id;
            if (s[v] == '{' && llm__js_get(s, n, v, "Sequence") != (size_t)-1) { seen_seq = 1; continue; }
            if (sp == (size_t)-1 || s[sp] != '{' || !llm__js_getstr(s, n, sp, "id", name, sizeof name)) continue;
            if ((id = llm__tok_lookup(t, (const unsigned char *)name, strlen(name))) < 0) continue;
            if (!seen_seq) { t->bos = id; t->add_bos = 1; } else { t->eos = id; t->add_eos = 1; }
        }
    }
    {
        static const char *const bos_names[] = { "<|begin_of_text|>", "<bos>", "<s>", "<|startoftext|>" };
        static const char *const eos_names[] = { "<|end_of_text|>", "<eos>", "</s>", "<|endoftext|>" };
        for (k = 0; k < 4 && t->bos < 0; k++)
            t->bos = llm__tok_lookup(t, (const unsigned char *)bos_names[k], strlen(bos_names[k]));
        for (k = 0; k < 4 && t->eos < 0; k++)
            t->eos = llm__tok_lookup(t, (const unsigned char *)eos_names[k], strlen(eos_names[k]));
    }
done:
    llm__dealloc(a, eoff); llm__dealloc(a, elen); llm__dealloc(a, eid); llm__dealloc(a, espec);
    llm__dealloc(a, raw); llm__dealloc(a, tmp); llm__dealloc(a, slot); llm__dealloc(a, pairs);
    if (st != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}

/* tokenizer_config.json beside a tokenizer.json: bos_token / eos_token (a string, an object
   with "content", or null) and add_bos_token / add_eos_token. */
static void llm__tok_apply_config(llm_tokenizer *t, const unsigned char *s, size_t n) {
    static const char *const keys[2] = { "bos_token", "eos_token" };
    const size_t root = llm__skip_ws(s, n, 0);
    int k;
    if (!llm__js_check(s, n)) return;
    for (k = 0; k < 2; k++) {
        size_t v = llm__js_get(s, n, root, keys[k]);
        char name[128];
        int32_t *dst = k ? &t->eos : &t->bos;
        if (v == (size_t)-1) continue;
        if (llm__js_is(s, n, v, "null")) { *dst = -1; continue; }
        if ((s[v] == '"' && llm__js_getstr(s, n, root, keys[k], name, sizeof name)) ||
            (s[v] == '{' && llm__js_getstr(s, n, v, "content", name, sizeof name))) {
            int32_t id = llm__tok_lookup(t, (const unsigned char *)name, strlen(name));
            if (id >= 0) *dst = id;
        }
    }
    t->add_bos = llm__js_bool(s, n, root, "add_bos_token", t->add_bos);
    t->add_eos = llm__js_bool(s, n, root, "add_eos_token", t->add_eos);
}

/* ---- loading: SentencePiece tokenizer.model (protobuf) ----------------------------------- */
/* Protobuf wire format: each field is a varint tag (field << 3 | wire type) then a varint
   (type 0), 8 bytes (1), a varint length + bytes (2) or 4 bytes (5). We read ModelProto:
     1 pieces (repeated): 1 piece (string), 2 score (float), 3 type (enum, default NORMAL)
     2 trainer_spec: 3 model_type (BPE = 2), 35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id
     3 normalizer_spec: 1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
                        4 remove_extra_whitespaces, 5 escape_whitespaces                    */
static int llm__pb_varint(const unsigned char *p, size_t n, size_t *pos, uint64_t *v) {
    int shift = 0;
    *v = 0;
    while (*pos < n && shift < 64) {
        unsigned char b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) return 1;
        shift += 7;
    }
    return 0;
}
/* Reads one field header and finds its payload: [*vs, *ve) for length-delimited/fixed
   fields, *v for varints. Returns 0 when malformed. */
static int llm__pb_field(const unsigned char *p, size_t n, size_t *pos, uint32_t *field, int *wire,
                         uint64_t *v, size_t *vs, size_t *ve) {
    uint64_t tag, len;
    if (!llm__pb_varint(p, n, pos, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF) return 0;
    *field = (uint32_t)(tag >> 3);
    *wire = (int)(tag & 7);
    *v = 0; *vs = *ve = *pos;
    switch (*wire) {
    case 0: return llm__pb_varint(p, n, pos, v);
    case 1: if (n - *pos < 8) return 0; *vs = *pos; *pos += 8; *ve = *pos; return 1;
    case 5: if (n - *pos < 4) return 0; *vs = *pos; *pos += 4; *ve = *pos; return 1;
    case 2:
        if (!llm__pb_varint(p, n, pos, &len) || len > n - *pos) return 0;
        *vs = *pos; *pos += (size_t)len; *ve = *pos;
        return 1;
    default: return 0;
    }
}

static llm_status llm__load_tok_spm(const llm_allocator *a, const unsigned char *p, size_t n,
                                      llm_log_fn log_fn, void *log_ud, llm_tokenizer **out, llm_error *err) {
    size_t pos, vs, ve, cnt = 0, bytes = 0, k;
    uint64_t v;
    uint32_t f;
    int wire, pass, have_spec = 0;
    int64_t model_type = 1, unk = 0, bos = 1, eos = 2;
    int byte_fallback = 0, dummy = 1, rmws = 1, escws = 1;
    llm_tokenizer *t = NULL;
    llm_status st;
    *out = NULL;
    for (pass = 0; pass < 2; pass++) {
        size_t at = 0;
        k = 0;
        for (pos = 0; pos < n;) {
            if (!llm__pb_field(p, n, &pos, &f, &wire, &v, &vs, &ve)) {
                llm_tokenizer_free(t);
                return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.model: bad protobuf at byte %llu",
                                 (unsigned long long)pos);
            }
            if (f == 1 && wire == 2) {               /* a piece */
                size_t q = vs, ps = 0, pe = 0;
                uint64_t pv;
                uint32_t pf;
                int pw, type = LLM__TT_NORMAL;
                float score = 0;
                while (q < ve) {
                    size_t s2, e2;
                    if (!llm__pb_field(p, ve, &q, &pf, &pw, &pv, &s2, &e2)) {
                        llm_tokenizer_free(t);
                        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.model: bad piece %llu", (unsigned long long)k);
                    }
                    if (pf == 1 && pw == 2) { ps = s2; pe = e2; }
                    else if (pf == 2 && pw == 5) { uint32_t u = llm__rd_u32(p + s2); memcpy(&score, &u, 4); }
                    else if (pf == 3 && pw == 0) type = (int)pv;
                }
                if (pass == 0) { cnt++; bytes += pe - ps; }
                else {
                    memcpy(t->text + at, p + ps, pe - ps);
                    t->off[k] = (uint32_t)at; at += pe - ps;
                    t->score[k] = score;
                    t->type[k] = (unsigned char)(type >= 1 && type <= 6 ? type : LLM__TT_NORMAL);
                }
                k++;
            } else if (pass == 0 && (f == 2 || f == 3) && wire == 2) {
                size_t q = vs;
                have_spec |= f == 2 ? 1 : 2;
                uint64_t sv;
                uint32_t sf;
                int sw;
                size_t s2, e2;
                while (q < ve) {
                    if (!llm__pb_field(p, ve, &q, &sf, &sw, &sv, &s2, &e2))
                        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.model: bad %s spec",
                                         f == 2 ? "trainer" : "normalizer");
                    if (sw != 0) {
                        if (f == 3 && sf == 2 && e2 > s2)
                            llm__log(log_fn, log_ud, 1,
                                     "tokenizer.model: normalization rules (precompiled_charsmap) are ignored");
                        continue;
                    }
                    if (f == 2) {
                        if (sf == 3) model_type = (int64_t)sv;
                        else if (sf == 35) byte_fallback = sv != 0;
                        else if (sf == 40) unk = (int32_t)(uint32_t)sv;
                        else if (sf == 41) bos = (int32_t)(uint32_t)sv;
                        else if (sf == 42) eos = (int32_t)(uint32_t)sv;
                    } else {
                        if (sf == 3) dummy = sv != 0;
                        else if (sf == 4) rmws = sv != 0;
                        else if (sf == 5) escws = sv != 0;
                    }
                }
            }
        }
        if (pass == 0) {
            if (cnt == 0) return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.model: no pieces");
            if (have_spec != 3)
                return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.model: truncated (no trainer or normalizer spec)");
            if (model_type != 2)
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "tokenizer.model: model type %d (only BPE = 2 is supported)",
                                 (int)model_type);
            if ((st = llm__tok_new(a, LLM_TOKENIZER_SPM, cnt, bytes, &t, err)) != LLM_OK) return st;
        } else t->off[cnt] = (uint32_t)at;
    }
    t->byte_fallback = byte_fallback; t->add_dummy_prefix = dummy; t->add_bos = 1;
    t->remove_extra_ws = rmws; t->escape_ws = escws;
    t->unk = unk >= 0 && unk < t->n ? (int32_t)unk : -1;
    t->bos = bos >= 0 && bos < t->n ? (int32_t)bos : -1;
    t->eos = eos >= 0 && eos < t->n ? (int32_t)eos : -1;
    if ((st = llm__tok_finish(t, err)) != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}

/* ---- loading: llama2.c tokenizer.bin --------------------------------------------------------- */
/* int32 max_token_length, then per token: float32 score, int32 length, bytes. The count is
   whatever fills the file. llama2.c's ids 0..2 are <unk>, "\n<s>\n", "\n</s>\n" (stored as
   <s> and </s> here, as in tokenizer.model); <0xXX> pieces are byte pieces. */
static llm_status llm__load_tok_bin(const llm_allocator *a, const unsigned char *p, size_t n,
                                    llm_tokenizer **out, llm_error *err) {
    size_t pos, cnt = 0, bytes = 0, k, at = 0, j;
    int32_t maxlen;
    llm_tokenizer *t = NULL;
    llm_status st;
    *out = NULL;
    if (n < 4) return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.bin: truncated header");
    maxlen = (int32_t)llm__rd_u32(p);
    if (maxlen <= 0 || maxlen > LLM_MAX_TOKEN_BYTES)
        return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.bin: bad max_token_length %d", (int)maxlen);
    for (pos = 4; pos < n; cnt++) {
        uint32_t len;
        if (n - pos < 8)
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.bin: token %llu truncated at byte %llu",
                             (unsigned long long)cnt, (unsigned long long)pos);
        len = llm__rd_u32(p + pos + 4);
        if (len > (uint32_t)maxlen || len > n - pos - 8)
            return llm__fail(err, LLM_ERR_FORMAT, "tokenizer.bin: token %llu has length %u (max %d, %llu bytes left)",
                             (unsigned long long)cnt, len, (int)maxlen, (unsigned long long)(n - pos - 8));
        for (k = 0; k < len; k++) bytes += p[pos + 8 + k] == ' ' ? 3 : 1; /* ' ' is "▁" again */
        pos += 8 + len;
    }
    if ((st = llm__tok_new(a, LLM_TOKENIZER_SPM, cnt, bytes, &t, err)) != LLM_OK) return st;
    for (pos = 4, k = 0; k < cnt; k++) {
        uint32_t u = llm__rd_u32(p + pos), len = llm__rd_u32(p + pos + 4);
        const unsigned char *s = p + pos + 8;
        int bv;
        memcpy(&t->score[k], &u, 4);
        if (len == 5 && memcmp(s, "\n<s>\n", 5) == 0) { s += 1; len = 3; }
        else if (len == 6 && memcmp(s, "\n</s>\n", 6) == 0) { s += 1; len = 4; }
        t->off[k] = (uint32_t)at;
        for (j = 0; j < len; j++) { /* llama2.c's export wrote "▁" as ' ' */
            if (s[j] == ' ') { memcpy(t->text + at, "\xE2\x96\x81", 3); at += 3; }
            else t->text[at++] = (char)s[j];
        }
        t->type[k] = LLM__TT_NORMAL;
        if (llm__is_byte_piece(s, len, &bv)) t->type[k] = LLM__TT_BYTE;
        else if (len == 5 && memcmp(s, "<unk>", 5) == 0) { t->type[k] = LLM__TT_UNKNOWN; t->unk = (int32_t)k; }
        else if ((len == 3 && memcmp(s, "<s>", 3) == 0) || (len == 4 && memcmp(s, "</s>", 4) == 0)) {
            t->type[k] = LLM__TT_CONTROL;
            if (len == 3) t->bos = (int32_t)k; else t->eos = (int32_t)k;
        }
        pos += 8 + llm__rd_u32(p + pos + 4);
    }
    t->off[cnt] = (uint32_t)at;
    t->add_dummy_prefix = 1; t->escape_ws = 1; t->byte_fallback = 1; t->remove_extra_ws = 0; t->add_bos = 1;
    if ((st = llm__tok_finish(t, err)) != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}

/* (>>sft) a tokenizer's chat template keys: GGUF tokenizer.chat_template and end-of-turn ids, and
   Hugging Face's tokenizer_config.json beside a tokenizer file */
static llm_status llm__tok_chat_from_gguf(llm_tokenizer *t, const llm__gguf *g, llm_log_fn log_fn, void *log_user,
                                          llm_error *err);
static void llm__tok_chat_to_gguf(const llm_tokenizer *t, llm__gguf_w *w);
static llm_status llm__tok_chat_beside(llm_tokenizer *t, const char *path, llm_log_fn log_fn, void *log_user);

/* ---- native format: GGUF metadata (llama.cpp's tokenizer.ggml.* keys) ---------------------- */
/* Byte-level tokens are stored the llama.cpp way: model "gpt2", tokens and merges written in
   GPT-2's printable byte alphabet (bytes_to_unicode), merges as "left right" strings; added
   (CONTROL, USER) tokens as they are. tokenizer.ggml.pre names the pre-tokenizer as llama.cpp
   does (below); llm.tokenizer.pre (the steps), .nfc, .prefix_space and .ignore_merges say it
   exactly for llm.h. A SentencePiece-style tokenizer with merge ranks (a tokenizer.json's, Gemma)
   is model "llama" with llm.tokenizer.merge_ids (left, right per merge, in rank order) and
   scores that order the merges the same way for llama.cpp (-rank of the first merge that
   makes the token). */
static const char *const llm__pre_step_names[7] = { "", "gpt2", "gpt4", "qwen2", "digits1", "digits", "regex" };
/* tokenizer.ggml.pre values: name -> steps (nfc, ignore_merges). An unknown name is refused. */
typedef struct llm__pre_name {
    const char *name;
    unsigned char steps[2];
    unsigned char nfc, ignore_merges;
} llm__pre_name;
static const llm__pre_name llm__pre_names[] = {
    { "default", { LLM__PRE_GPT2, 0 }, 0, 0 },     { "gpt2", { LLM__PRE_GPT2, 0 }, 0, 0 },
    { "llama-bpe", { LLM__PRE_GPT4, 0 }, 0, 1 },   { "llama3", { LLM__PRE_GPT4, 0 }, 0, 1 },
    { "llama-v3", { LLM__PRE_GPT4, 0 }, 0, 1 },    { "dbrx", { LLM__PRE_GPT4, 0 }, 0, 0 },
    { "smaug-bpe", { LLM__PRE_GPT4, 0 }, 0, 0 },   { "qwen2", { LLM__PRE_QWEN2, 0 }, 1, 0 },
    { "smollm", { LLM__PRE_DIGITS1, LLM__PRE_GPT2 }, 0, 0 },
};
/* The tokenizer.ggml.pre name of a byte-level tokenizer's pipeline; NULL when none fits. */
static const char *llm__pre_name_of(const llm_tokenizer *t) {
    size_t k;
    unsigned char st[4] = { 0, 0, 0, 0 };
    int nst = t->hf ? t->n_pre : 1;
    if (t->hf) memcpy(st, t->pre, 4); else st[0] = (unsigned char)(t->pattern ? t->pattern : LLM_PATTERN_GPT2);
    if (t->prefix_space || nst > 2) return NULL;
    for (k = 1; k < sizeof llm__pre_names / sizeof llm__pre_names[0]; k++) {
        const llm__pre_name *p = &llm__pre_names[k];
        if (p->steps[0] == st[0] && p->steps[1] == st[1] && p->nfc == t->nfc && p->ignore_merges == t->ignore_merges)
            return p->name;
    }
    return NULL;
}
static llm_status llm__tokenizer_to_gguf(const llm_tokenizer *t, llm__gguf_w *w) {
    const llm_allocator *a = &t->alloc;
    char **strs = NULL, *arena = NULL;
    uint32_t *lens = NULL, b2u[256];
    int32_t *types = NULL, i;
    int16_t u2b[324];
    size_t total = 0, at = 0, nstr = (size_t)t->n + (size_t)t->n_merges;
    int bpe = t->kind == LLM_TOKENIZER_BPE;
    llm__gpt2_byte_map(b2u, u2b);
    /* mapped bytes take at most 2 bytes each; a merge adds one space */
    total = (size_t)t->off[t->n] * 2;
    for (i = 0; bpe && i < t->n_merges; i++)
        total += 2 * (llm__tok_len(t, t->merges[3 * i]) + llm__tok_len(t, t->merges[3 * i + 1])) + 1;
    strs = (char **)llm__alloc(a, (nstr + 1) * sizeof(char *));
    lens = (uint32_t *)llm__alloc(a, (nstr + 1) * sizeof(uint32_t));
    types = (int32_t *)llm__alloc(a, ((size_t)t->n + 1) * sizeof(int32_t));
    arena = (char *)llm__alloc(a, total + 1);
    if (!strs || !lens || !types || !arena) {
        llm__dealloc(a, strs); llm__dealloc(a, lens); llm__dealloc(a, types); llm__dealloc(a, arena);
        return LLM_ERR_OUT_OF_MEMORY;
    }
    for (i = 0; i < t->n + (bpe ? t->n_merges : 0); i++) {
        size_t start = at;
        int part, nparts = i < t->n ? 1 : 2;
        for (part = 0; part < nparts; part++) {
            int32_t id = i < t->n ? i : t->merges[3 * (i - t->n) + part];
            const unsigned char *s = llm__tok_str(t, id);
            size_t n = llm__tok_len(t, id), k;
            if (part) arena[at++] = ' ';
            if (!bpe || t->type[id] == LLM__TT_CONTROL || t->type[id] == LLM__TT_USER) {   /* as they are */
                memcpy(arena + at, s, n); at += n; continue;
            }
            for (k = 0; k < n; k++) {
                uint32_t cp = b2u[s[k]];
                if (cp < 0x80) arena[at++] = (char)cp;
                else { arena[at++] = (char)(0xC0 | (cp >> 6)); arena[at++] = (char)(0x80 | (cp & 0x3F)); }
            }
        }
        strs[i] = arena + start;
        lens[i] = (uint32_t)(at - start);
        if (i < t->n) types[i] = t->type[i];
    }
    llm__gguf_w_str(w, "tokenizer.ggml.model", bpe ? "gpt2" : "llama", bpe ? 4 : 5);
    if (bpe) {
        const char *pn = llm__pre_name_of(t);
        if (pn) llm__gguf_w_str(w, "tokenizer.ggml.pre", pn, strlen(pn));
        if (!t->hf) {
            const char *pat = llm__pre_step_names[t->pattern >= 1 && t->pattern <= 3 ? t->pattern : 1];
            llm__gguf_w_str(w, "llm.tokenizer.pattern", pat, strlen(pat));
        } else {
            char steps[64];
            int k2;
            steps[0] = 0;
            for (k2 = 0; k2 < t->n_pre; k2++) {
                if (k2) strcat(steps, ",");
                strcat(steps, llm__pre_step_names[t->pre[k2] <= 6 ? t->pre[k2] : 0]);
            }
            {   /* the regex steps' patterns, in step order */
                const char *rs[4];
                uint32_t rl[4];
                int nr = 0;
                for (k2 = 0; k2 < t->n_pre; k2++)
                    if (t->pre[k2] == LLM__PRE_REGEX) { rs[nr] = t->re_src[k2]; rl[nr++] = t->re_len[k2]; }
                if (nr) llm__gguf_w_arr_str(w, "llm.tokenizer.regex", rs, rl, (size_t)nr);
            }
            llm__gguf_w_str(w, "llm.tokenizer.pre", steps, strlen(steps));
            llm__gguf_w_bool(w, "llm.tokenizer.nfc", t->nfc);
            llm__gguf_w_bool(w, "llm.tokenizer.prefix_space", t->prefix_space);
            llm__gguf_w_bool(w, "llm.tokenizer.ignore_merges", t->ignore_merges);
        }
    }
    llm__gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)strs, lens, (size_t)t->n);
    if (!bpe && t->rank_merges) {
        float *sc = (float *)llm__alloc(a, ((size_t)t->n + 1) * sizeof(float));
        int32_t *ids = (int32_t *)llm__alloc(a, ((size_t)t->n_merges * 2 + 1) * sizeof(int32_t));
        if (sc && ids) {
            for (i = 0; i < t->n; i++) sc[i] = -(float)t->n_merges - 1.0f;
            for (i = t->n_merges - 1; i >= 0; i--) {
                sc[t->merges[3 * i + 2]] = -(float)i;
                ids[2 * i] = t->merges[3 * i]; ids[2 * i + 1] = t->merges[3 * i + 1];
            }
            llm__gguf_w_arr_f32(w, "tokenizer.ggml.scores", sc, (size_t)t->n);
            llm__gguf_w_arr_i32(w, "llm.tokenizer.merge_ids", ids, (size_t)t->n_merges * 2);
            llm__gguf_w_bool(w, "llm.tokenizer.fuse_unk", t->fuse_unk);
            llm__gguf_w_bool(w, "llm.tokenizer.prefix_each", t->prefix_each);
            llm__gguf_w_bool(w, "llm.tokenizer.meta_split", t->meta_split);
        } else w->oom = 1;
        llm__dealloc(a, sc); llm__dealloc(a, ids);
    } else if (!bpe) llm__gguf_w_arr_f32(w, "tokenizer.ggml.scores", t->score, (size_t)t->n);
    llm__gguf_w_arr_i32(w, "tokenizer.ggml.token_type", types, (size_t)t->n);
    if (bpe)
        llm__gguf_w_arr_str(w, "tokenizer.ggml.merges", (const char *const *)(strs + t->n), lens + t->n,
                            (size_t)t->n_merges);
    if (t->bos >= 0) llm__gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)t->bos);
    if (t->eos >= 0) llm__gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)t->eos);
    if (t->unk >= 0) llm__gguf_w_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)t->unk);
    llm__gguf_w_bool(w, "tokenizer.ggml.add_bos_token", t->add_bos);
    llm__gguf_w_bool(w, "tokenizer.ggml.add_eos_token", t->add_eos);
    if (!bpe) {
        llm__gguf_w_bool(w, "tokenizer.ggml.add_space_prefix", t->add_dummy_prefix);
        llm__gguf_w_bool(w, "llm.tokenizer.remove_extra_whitespaces", t->remove_extra_ws);
        llm__gguf_w_bool(w, "llm.tokenizer.escape_whitespaces", t->escape_ws);
        llm__gguf_w_bool(w, "llm.tokenizer.byte_fallback", t->byte_fallback);
    }
    llm__dealloc(a, strs); llm__dealloc(a, lens); llm__dealloc(a, types); llm__dealloc(a, arena);
    return w->oom ? LLM_ERR_OUT_OF_MEMORY : LLM_OK;
}

static llm_status llm__tokenizer_from_gguf(const llm__gguf *g, const llm_allocator *a, llm_tokenizer **out,
                                           llm_error *err) {
    const char *model, *s;
    size_t mlen, n, nm = 0, i, bytes = 0, at = 0, sl;
    int bpe, et, b;
    const void *raw;
    uint32_t b2u[256], u;
    int16_t u2b[324];
    int32_t *pairs = NULL;
    unsigned char *buf = NULL;
    llm_tokenizer *t = NULL;
    llm_status st = LLM_OK;
    *out = NULL;
    llm__gpt2_byte_map(b2u, u2b);
    if (!llm__gguf_get_str(g, "tokenizer.ggml.model", &model, &mlen))
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF: no tokenizer (tokenizer.ggml.model missing)");
    if (mlen == 4 && memcmp(model, "gpt2", 4) == 0) bpe = 1;
    else if (mlen == 5 && memcmp(model, "llama", 5) == 0) bpe = 0;
    else
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: tokenizer model '%.*s' not supported",
                         (int)LLM__MIN(mlen, 32), model);
    if (!llm__gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &n, &raw) &&
        !llm__gguf_get_arr_str(g, "tokenizer.ggml.tokens", 0, &s, &sl))
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tokenizer.ggml.tokens missing");
    for (n = 0; llm__gguf_get_arr_str(g, "tokenizer.ggml.tokens", n, &s, &sl); n++) bytes += sl;
    if ((st = llm__tok_new(a, bpe ? LLM_TOKENIZER_BPE : LLM_TOKENIZER_SPM, n, bytes, &t, err)) != LLM_OK) return st;
    {
        int32_t tt = 0;
        const unsigned char *types = NULL, *scores = NULL;
        size_t nt = 0;
        if (llm__gguf_get_arr(g, "tokenizer.ggml.token_type", &et, &nt, &raw) &&
            (et == LLM__GGUF_I32 || et == LLM__GGUF_U32) && nt == n)
            types = (const unsigned char *)raw;
        if (llm__gguf_get_arr(g, "tokenizer.ggml.scores", &et, &nt, &raw) && et == LLM__GGUF_F32 && nt == n)
            scores = (const unsigned char *)raw;
        for (i = 0; i < n; i++) {
            llm__gguf_get_arr_str(g, "tokenizer.ggml.tokens", i, &s, &sl);
            tt = types ? (int32_t)llm__rd_u32(types + 4 * i) : LLM__TT_NORMAL;
            t->type[i] = (unsigned char)(tt >= 1 && tt <= 6 ? tt : LLM__TT_NORMAL);
            if (scores) { u = llm__rd_u32(scores + 4 * i); memcpy(&t->score[i], &u, 4); }
            t->off[i] = (uint32_t)at;
            if (bpe && t->type[i] != LLM__TT_CONTROL && t->type[i] != LLM__TT_USER) {
                size_t k = llm__gpt2_unmap((const unsigned char *)s, sl, u2b, (unsigned char *)t->text + at);
                if (k == (size_t)-1) {
                    st = llm__fail(err, LLM_ERR_FORMAT, "GGUF: token %llu is not in GPT-2's byte alphabet",
                                   (unsigned long long)i);
                    goto done;
                }
                at += k;
            } else { memcpy(t->text + at, s, sl); at += sl; }
        }
        t->off[n] = (uint32_t)at;
    }
    if (llm__gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &u) && u < n) t->bos = (int32_t)u;
    if (llm__gguf_get_u32(g, "tokenizer.ggml.eos_token_id", &u) && u < n) t->eos = (int32_t)u;
    if (llm__gguf_get_u32(g, "tokenizer.ggml.unknown_token_id", &u) && u < n) t->unk = (int32_t)u;
    t->add_bos = !bpe;
    if (bpe) {
        t->pattern = LLM_PATTERN_GPT2;
        if (llm__gguf_get_str(g, "llm.tokenizer.pre", &s, &sl)) {   /* llm.h's own: the steps */
            size_t p0 = 0, q;
            t->hf = 1;
            while (p0 < sl) {
                int k2, found = 0;
                for (q = p0; q < sl && s[q] != ','; q++) {}
                for (k2 = 1; k2 <= 6; k2++)
                    if (strlen(llm__pre_step_names[k2]) == q - p0 &&
                        memcmp(llm__pre_step_names[k2], s + p0, q - p0) == 0)
                        found = k2;
                if (!found || t->n_pre == 4) {
                    st = llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: llm.tokenizer.pre '%.*s' not supported",
                                   (int)LLM__MIN(sl, 64), s);
                    goto done;
                }
                if (found == LLM__PRE_REGEX) {
                    const char *rx;
                    size_t rl, nrx = 0;
                    for (k2 = 0; k2 < t->n_pre; k2++) nrx += t->pre[k2] == LLM__PRE_REGEX;
                    if (!llm__gguf_get_arr_str(g, "llm.tokenizer.regex", nrx, &rx, &rl)) {
                        st = llm__fail(err, LLM_ERR_FORMAT, "GGUF: llm.tokenizer.regex[%d] missing", (int)nrx);
                        goto done;
                    }
                    if ((st = llm__tok_set_regex(t, t->n_pre, rx, rl, err)) != LLM_OK) goto done;
                }
                t->pre[t->n_pre++] = (unsigned char)found;
                p0 = q + 1;
            }
            if (llm__gguf_get_bool(g, "llm.tokenizer.nfc", &b)) t->nfc = b;
            if (llm__gguf_get_bool(g, "llm.tokenizer.prefix_space", &b)) t->prefix_space = b;
            if (llm__gguf_get_bool(g, "llm.tokenizer.ignore_merges", &b)) t->ignore_merges = b;
        } else if (llm__gguf_get_str(g, "llm.tokenizer.pattern", &s, &sl)) {
            if (sl == 4 && memcmp(s, "gpt4", 4) == 0) t->pattern = LLM_PATTERN_GPT4;
            else if (sl == 5 && memcmp(s, "qwen2", 5) == 0) t->pattern = LLM_PATTERN_QWEN2;
        } else if (llm__gguf_get_str(g, "tokenizer.ggml.pre", &s, &sl)) {   /* llama.cpp's names */
            size_t k2, np = sizeof llm__pre_names / sizeof llm__pre_names[0];
            for (k2 = 0; k2 < np; k2++)
                if (strlen(llm__pre_names[k2].name) == sl && memcmp(llm__pre_names[k2].name, s, sl) == 0) break;
            if (k2 == np) {
                st = llm__fail(err, LLM_ERR_UNSUPPORTED,
                               "GGUF: tokenizer.ggml.pre '%.*s' (the pre-tokenizer) not supported",
                               (int)LLM__MIN(sl, 64), s);
                goto done;
            }
            if (llm__pre_names[k2].steps[1] || llm__pre_names[k2].nfc || llm__pre_names[k2].ignore_merges) {
                t->hf = 1;
                t->n_pre = llm__pre_names[k2].steps[1] ? 2 : 1;
                memcpy(t->pre, llm__pre_names[k2].steps, 2);
                t->nfc = llm__pre_names[k2].nfc;
                t->ignore_merges = llm__pre_names[k2].ignore_merges;
                t->add_bos = t->ignore_merges;   /* llama.cpp: Llama 3 adds BOS */
            } else t->pattern = (llm_pattern)llm__pre_names[k2].steps[0];
        }
    } else {
        t->add_dummy_prefix = 1; t->escape_ws = 1; t->byte_fallback = 1;
        if (llm__gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b)) t->add_dummy_prefix = b;
        if (llm__gguf_get_bool(g, "llm.tokenizer.remove_extra_whitespaces", &b)) t->remove_extra_ws = b;
        if (llm__gguf_get_bool(g, "llm.tokenizer.escape_whitespaces", &b)) t->escape_ws = b;
        if (llm__gguf_get_bool(g, "llm.tokenizer.byte_fallback", &b)) t->byte_fallback = b;
        if (llm__gguf_get_bool(g, "llm.tokenizer.fuse_unk", &b)) t->fuse_unk = b;
        if (llm__gguf_get_bool(g, "llm.tokenizer.prefix_each", &b)) t->prefix_each = b;
        if (llm__gguf_get_bool(g, "llm.tokenizer.meta_split", &b)) t->meta_split = b;
    }
    if (llm__gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b)) t->add_bos = b;
    if (llm__gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &b)) t->add_eos = b;
    if ((st = llm__tok_finish(t, err)) != LLM_OK) goto done;
    if (bpe) {
        size_t maxl = 0;
        for (nm = 0; llm__gguf_get_arr_str(g, "tokenizer.ggml.merges", nm, &s, &sl); nm++) maxl = LLM__MAX(maxl, sl);
        pairs = (int32_t *)llm__alloc(a, (2 * nm + 1) * sizeof(int32_t));
        buf = (unsigned char *)llm__alloc(a, maxl + 1);
        if (!pairs || !buf) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto done; }
        for (i = 0; i < nm; i++) {
            size_t sp, la, lb;
            int32_t ia = -1, ib = -1;
            llm__gguf_get_arr_str(g, "tokenizer.ggml.merges", i, &s, &sl);
            for (sp = 0; sp < sl && s[sp] != ' '; sp++) {}
            if (sp < sl && (la = llm__gpt2_unmap((const unsigned char *)s, sp, u2b, buf)) != (size_t)-1 &&
                (lb = llm__gpt2_unmap((const unsigned char *)s + sp + 1, sl - sp - 1, u2b, buf + la)) != (size_t)-1) {
                ia = llm__tok_lookup(t, buf, la);
                ib = llm__tok_lookup(t, buf + la, lb);
            }
            if (ia < 0 || ib < 0) {
                st = llm__fail(err, LLM_ERR_FORMAT,
                               "GGUF: tokenizer.ggml.merges[%llu] '%.*s' is not two tokens of the vocabulary",
                               (unsigned long long)i, (int)LLM__MIN(sl, 48), s);
                goto done;
            }
            pairs[2 * i] = ia; pairs[2 * i + 1] = ib;
        }
        if ((st = llm__tok_set_merges(t, pairs, NULL, nm, err)) != LLM_OK) goto done;
    } else if (llm__gguf_get_arr(g, "llm.tokenizer.merge_ids", &et, &nm, &raw) &&
               (et == LLM__GGUF_I32 || et == LLM__GGUF_U32)) {
        nm /= 2;   /* SentencePiece-style pieces merged by rank */
        pairs = (int32_t *)llm__alloc(a, (2 * nm + 1) * sizeof(int32_t));
        if (!pairs) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto done; }
        for (i = 0; i < 2 * nm; i++) pairs[i] = (int32_t)llm__rd_u32((const unsigned char *)raw + 4 * i);
        if ((st = llm__tok_set_merges(t, pairs, NULL, nm, err)) != LLM_OK) goto done;
        t->rank_merges = 1;
    }
done:
    llm__dealloc(a, pairs); llm__dealloc(a, buf);
    if (st != LLM_OK) { llm_tokenizer_free(t); return st; }
    *out = t;
    return LLM_OK;
}

/* A GGUF writer holding the tokenizer's metadata (the native tokenizer file). */
static llm_status llm__tokenizer_writer(const llm_tokenizer *t, llm__gguf_w **w, llm_error *err) {
    llm_status st;
    if (llm__gguf_w_create(&t->alloc, w) != LLM_OK) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    llm__gguf_w_str(*w, "general.type", "tokenizer", 9);
    if ((st = llm__tokenizer_to_gguf(t, *w)) == LLM_OK) llm__tok_chat_to_gguf(t, *w);
    if (st != LLM_OK || (*w)->oom) {
        if (st == LLM_OK) st = LLM_ERR_OUT_OF_MEMORY;
        llm__gguf_w_free(*w);
        *w = NULL;
        return llm__fail(err, st, "out of memory saving the tokenizer");
    }
    return LLM_OK;
}
LLMDEF llm_status llm_tokenizer_save(const llm_tokenizer *t, const char *path, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (!t || !path) return llm__fail(err, LLM_ERR_INVALID_ARG, "no tokenizer or path");
    if ((st = llm__tokenizer_writer(t, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, path, NULL, 0, NULL, err);
}
LLMDEF llm_status llm_tokenizer_save_mem(const llm_tokenizer *t, void *buf, size_t cap, size_t *size, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (size) *size = 0;
    if (!t) return llm__fail(err, LLM_ERR_INVALID_ARG, "no tokenizer");
    if ((st = llm__tokenizer_writer(t, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, NULL, buf, cap, size, err);
}

/* ---- llm_tokenizer_load: detects the format ---------------------------------------------------- */
/* p (n bytes): the first file; p2 (n2): the second (vocab.bpe), when there is one. */
static llm_status llm__tokenizer_parse(const unsigned char *p, size_t n, const unsigned char *p2, size_t n2,
                                       const llm_tokenizer_desc *d, llm_tokenizer **out, llm_error *err) {
    const llm_allocator *a = &d->allocator;
    size_t i;
    llm_status st;
    if (n >= 4 && memcmp(p, "GGUF", 4) == 0) {
        llm__src src;
        llm__gguf g;
        memset(&src, 0, sizeof src);
        src.mem = p; src.size = n;
        if ((st = llm__gguf_open(&g, &src, a, err)) != LLM_OK) return st;
        st = llm__tokenizer_from_gguf(&g, a, out, err);
        if (st == LLM_OK && (st = llm__tok_chat_from_gguf(*out, &g, d->log_fn, d->log_user_data, err)) != LLM_OK) {
            llm_tokenizer_free(*out);
            *out = NULL;
        }
        llm__gguf_close(&g);
        return st;
    }
    i = llm__skip_ws(p, n, 0);
    if (i < n && p[i] == '{' && !p2 && llm__js_check(p, n) && llm__js_get(p, n, i, "model") != (size_t)-1)
        return llm__load_tok_hf(a, p, n, out, err);  /* Hugging Face tokenizer.json */
    if (i < n && p[i] == '{') {                      /* GPT-2 encoder.json (+ vocab.bpe) */
        if (!p2)
            return llm__fail(err, LLM_ERR_INVALID_ARG, "encoder.json needs vocab.bpe (path2 or data2 in the desc)");
        return llm__load_tok_gpt2(a, p, n, p2, n2, out, err);
    }
    if (n > 0 && p[0] == 0x0A) {                     /* protobuf field 1: SentencePiece .model */
        st = llm__load_tok_spm(a, p, n, d->log_fn, d->log_user_data, out, err);
        if (st == LLM_OK || st == LLM_ERR_UNSUPPORTED || st == LLM_ERR_OUT_OF_MEMORY) return st;
        if (llm__load_tok_bin(a, p, n, out, NULL) == LLM_OK) { llm__ok(err); return LLM_OK; }
        return st;                                   /* report the .model error */
    }
    return llm__load_tok_bin(a, p, n, out, err);
}
static void llm__tokenizer_loaded(const llm_tokenizer_desc *d, const llm_tokenizer *t, llm_error *err) {
    llm__ok(err);
    llm__log(d->log_fn, d->log_user_data, 2, "tokenizer: %s, %d tokens",
             t->kind == LLM_TOKENIZER_BPE ? "byte-level BPE" : "SentencePiece BPE", (int)t->n);
}

LLMDEF llm_status llm_tokenizer_load(const char *path, const llm_tokenizer_desc *desc, llm_tokenizer **out,
                                     llm_error *err) {
    llm_tokenizer_desc d;
    void *f1 = NULL, *f2 = NULL;
    size_t n = 0, n2 = 0, pl;
    llm_status st;
    char *dir;
    FILE *fp = NULL;
    int k;
    if (out) *out = NULL;
    if (!path || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "no path or out");
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    /* a directory: tokenizer.json (Hugging Face), encoder.json + vocab.bpe (OpenAI's GPT-2
       files), vocab.json + merges.txt (the same under Hugging Face's names) or tokenizer.model */
    pl = strlen(path);
    dir = (char *)llm__alloc(&d.allocator, pl + 24);
    if (!dir) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    memcpy(dir, path, pl);
    st = LLM_ERR_IO;
    for (k = 0; k < 4; k++) {   /* the first that exists and is supported (a Llama's tokenizer.json is
                                   SentencePiece-style: its tokenizer.model is read instead) */
        static const char *const first[4] = { "/tokenizer.json", "/encoder.json", "/vocab.json", "/tokenizer.model" };
        memcpy(dir + pl, first[k], strlen(first[k]) + 1);
        if ((fp = llm__fopen(dir, "rb")) == NULL) continue;
        fclose(fp);
        st = llm_read_file(dir, &d.allocator, &f1, &n, err);
        if (k == 1 || k == 2) memcpy(dir + pl, k == 1 ? "/vocab.bpe" : "/merges.txt", 12);
        if (st == LLM_OK && (k == 1 || k == 2)) st = llm_read_file(dir, &d.allocator, &f2, &n2, err);
        if (st == LLM_OK)
            st = llm__tokenizer_parse((const unsigned char *)f1, n, (const unsigned char *)f2, n2, &d, out, err);
        llm__dealloc(&d.allocator, f1); llm__dealloc(&d.allocator, f2);
        f1 = f2 = NULL;
        if (st == LLM_OK && k == 0) {   /* tokenizer_config.json beside tokenizer.json: BOS/EOS */
            memcpy(dir + pl, "/tokenizer_config.json", 23);
            if ((fp = llm__fopen(dir, "rb")) != NULL) {
                fclose(fp);
                if (llm_read_file(dir, &d.allocator, &f1, &n, NULL) == LLM_OK)
                    llm__tok_apply_config(*out, (const unsigned char *)f1, n);
                llm__dealloc(&d.allocator, f1);
                f1 = NULL;
            }
        }
        if (st != LLM_ERR_UNSUPPORTED) break;
    }
    if (st == LLM_ERR_IO && k == 4) {   /* not a directory of those: the file itself */
        st = llm_read_file(path, &d.allocator, &f1, &n, err);
        if (st == LLM_OK && d.path2) st = llm_read_file(d.path2, &d.allocator, &f2, &n2, err);
        if (st == LLM_OK)
            st = llm__tokenizer_parse((const unsigned char *)f1, n, (const unsigned char *)f2, n2, &d, out, err);
    }
    llm__dealloc(&d.allocator, f1); llm__dealloc(&d.allocator, f2); llm__dealloc(&d.allocator, dir);
    if (st == LLM_OK && llm__tok_chat_beside(*out, path, d.log_fn, d.log_user_data) != LLM_OK) {
        llm_tokenizer_free(*out);
        *out = NULL;
        st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading the chat template");
    }
    if (st == LLM_OK) llm__tokenizer_loaded(&d, *out, err);
    return st;
}
LLMDEF llm_status llm_tokenizer_load_mem(const void *data, size_t size, const llm_tokenizer_desc *desc,
                                         llm_tokenizer **out, llm_error *err) {
    llm_tokenizer_desc d;
    llm_status st;
    if (out) *out = NULL;
    if (!data || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "no data or out");
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    st = llm__tokenizer_parse((const unsigned char *)data, size, (const unsigned char *)d.data2, d.size2, &d, out, err);
    if (st == LLM_OK) llm__tokenizer_loaded(&d, *out, err);
    return st;
}
/* Grows the vocabulary to n tokens with empty unused ones (a model's embedding may have more
   rows than its tokenizer has tokens: Qwen 3's 151936 for 151669); they encode from nothing and
   decode to nothing. */
static llm_status llm__tokenizer_pad(llm_tokenizer *t, int32_t n, llm_error *err) {
    uint32_t *off;
    float *score;
    unsigned char *type;
    int32_t i;
    if (n <= t->n) return LLM_OK;
    off = (uint32_t *)llm__alloc(&t->alloc, ((size_t)n + 1) * sizeof(uint32_t));
    score = (float *)llm__calloc(&t->alloc, (size_t)n, sizeof(float));
    type = (unsigned char *)llm__alloc(&t->alloc, (size_t)n);
    if (!off || !score || !type) {
        llm__dealloc(&t->alloc, off); llm__dealloc(&t->alloc, score); llm__dealloc(&t->alloc, type);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(off, t->off, ((size_t)t->n + 1) * sizeof(uint32_t));
    memcpy(score, t->score, (size_t)t->n * sizeof(float));
    memcpy(type, t->type, (size_t)t->n);
    for (i = t->n; i < n; i++) { off[i + 1] = off[t->n]; type[i] = LLM__TT_UNUSED; }
    llm__dealloc(&t->alloc, t->off); llm__dealloc(&t->alloc, t->score); llm__dealloc(&t->alloc, t->type);
    t->off = off; t->score = score; t->type = type;
    t->n = n;
    return LLM_OK;
}

/* A deep copy with allocator a, through the native file format (one code path, tested by
   every save/load round trip). */
static llm_status llm__tokenizer_clone(const llm_tokenizer *t, const llm_allocator *a, llm_tokenizer **out,
                                       llm_error *err) {
    llm_tokenizer_desc d;
    size_t n = 0;
    void *buf;
    llm_status st;
    if ((st = llm_tokenizer_save_mem(t, NULL, 0, &n, err)) != LLM_OK) return st;
    if (!(buf = llm__alloc(a, n))) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory copying a tokenizer");
    st = llm_tokenizer_save_mem(t, buf, n, &n, err);
    memset(&d, 0, sizeof d);
    if (a) d.allocator = *a;
    if (st == LLM_OK) st = llm_tokenizer_load_mem(buf, n, &d, out, err);
    llm__dealloc(a, buf);
    return st;
}

/* =========================================================================================
   >>formats: GGUF models and checkpoints, karpathy/llm.c and llama2.c imports, token shards
   ========================================================================================= */
/* Model families in files. Every family's tensor table (>>model) uses llama.cpp's GGUF names;
   what files spell or lay out differently is converted here, at load and at save:
   - RoPE: llm.h rotates adjacent pairs (x[2i], x[2i+1]) of each head, as GGUF "llama" files
     store q and k. Hugging Face files (every family) and GGUF "qwen2", "qwen3" and "gemma3"
     (llama.cpp's NEOX rope) rotate halves (x[i], x[i + hs/2]): their q/k weight rows, q/k
     biases and q_norm/k_norm weights are permuted per head of head_dim into pair order when
     read (llm__half_of_pair) and back when written.
   - Gemma 3's RMSNorm multiplies by (1 + w). The model holds 1 + w (as GGUF files store it),
     so the plain RMSNorm runs it: the Hugging Face loader adds 1.0f in fp32 (what
     transformers computes, 1.0 + weight.float()), the exporter subtracts it.
   - Llama 3 RoPE scaling is a config (rope_type, factor, low/high_freq_factor, original
     context); llama.cpp files carry it as rope_freqs.weight (a divisor per frequency). A file
     whose rope_freqs equals the Llama 3 factors of recognisable parameters is read as those
     parameters (llm.h's own files name them in llm.rope.* keys); any other is refused.
   - Keys: a config.json or GGUF key is used, or on an explicit list of keys that cannot change
     the math (llm__hf_ignored, llm__gguf_known), or refused with LLM_ERR_UNSUPPORTED naming it. */
static const char *llm__arch_name(llm_arch a) {
    switch (a) {
    case LLM_ARCH_GPT2: return "gpt2";
    case LLM_ARCH_QWEN2: return "qwen2";
    case LLM_ARCH_QWEN3: return "qwen3";
    case LLM_ARCH_GEMMA3: return "gemma3";
    default: return "llama";
    }
}
static int64_t llm__io_hs(const llm_config *c) { return c->head_dim > 0 ? c->head_dim : c->dim / c->n_head; }
/* GGUF stores this family's q/k in halves order (llama.cpp's NEOX rope types) */
static int llm__arch_neox(llm_arch a) { return a == LLM_ARCH_QWEN2 || a == LLM_ARCH_QWEN3 || a == LLM_ARCH_GEMMA3; }
/* The head size by which a table tensor's rows (matrices) or elements (vectors) follow the
   rotary layout (q/k weights, biases and norms), or 0. */
static int64_t llm__rot_hs(const llm_config *c, const char *name) {
    static const char *const sfx[6] = { "attn_q.weight", "attn_k.weight", "attn_q.bias", "attn_k.bias",
                                        "attn_q_norm.weight", "attn_k_norm.weight" };
    const size_t l = strlen(name);
    int i;
    if (c->arch == LLM_ARCH_GPT2) return 0;
    for (i = 0; i < 6; i++) {
        const size_t sl = strlen(sfx[i]);
        if (l > sl && name[l - sl - 1] == '.' && strcmp(name + l - sl, sfx[i]) == 0) return llm__io_hs(c);
    }
    return 0;
}
/* Llama 3's RoPE scaling as llama.cpp's rope_freqs.weight holds it: frequency i is divided by
   f[i]. In float32 as convert_hf_to_gguf.py computes them, bit for bit (PyTorch computes a
   number divided by a tensor as the tensor's reciprocal times the number). */
static void llm__llama3_factors(const llm_config *c, float *f) {
    const int64_t hs = llm__io_hs(c);
    const float factor = c->rope_factor, lo = c->rope_low_freq_factor > 0 ? c->rope_low_freq_factor : 1.0f,
                hi = c->rope_high_freq_factor > 0 ? c->rope_high_freq_factor : 4.0f;
    const float orig = (float)(c->rope_orig_max_pos > 0 ? c->rope_orig_max_pos : 8192);
    int64_t i;
    for (i = 0; i < hs / 2; i++) {
        const float inv = 1.0f / powf(c->rope_theta, (float)(2 * i) / (float)hs);
        const float wl = (1.0f / inv) * (float)(2.0 * 3.14159265358979323846);
        if (wl < orig / hi) f[i] = 1.0f;
        else if (wl > orig / lo) f[i] = factor;
        else {
            const float s = ((1.0f / wl) * orig - lo) / (hi - lo);
            f[i] = 1.0f / ((1.0f - s) / factor + s);
        }
    }
}

/* The config as llama.cpp's keys (so the file opens there), plus llm.* for what it lacks. */
static void llm__model_gguf_kvs(const llm_model *m, llm__gguf_w *w) {
    const llm_config *c = &m->cfg;
    const char *an = llm__arch_name(c->arch);
    const int64_t hs = llm__io_hs(c);
    char k[96];
#define LLM__K(suffix) (snprintf(k, sizeof k, "%s.%s", an, suffix), k)
    llm__gguf_w_str(w, "general.architecture", an, strlen(an));
    llm__gguf_w_u32(w, "general.alignment", LLM__GGUF_ALIGN);
    llm__gguf_w_u32(w, LLM__K("context_length"), (uint32_t)c->max_seq_len);
    llm__gguf_w_u32(w, LLM__K("embedding_length"), (uint32_t)c->dim);
    llm__gguf_w_u32(w, LLM__K("block_count"), (uint32_t)c->n_layer);
    llm__gguf_w_u32(w, LLM__K("feed_forward_length"), (uint32_t)c->ffn_dim);
    llm__gguf_w_u32(w, LLM__K("attention.head_count"), (uint32_t)c->n_head);
    llm__gguf_w_u32(w, LLM__K("attention.head_count_kv"), (uint32_t)c->n_kv_head);
    llm__gguf_w_u32(w, LLM__K("vocab_size"), (uint32_t)c->vocab_size);
    if (c->arch == LLM_ARCH_GPT2) {
        llm__gguf_w_f32(w, LLM__K("attention.layer_norm_epsilon"), c->norm_eps);
    } else {
        llm__gguf_w_f32(w, LLM__K("attention.layer_norm_rms_epsilon"), c->norm_eps);
        llm__gguf_w_f32(w, LLM__K("rope.freq_base"), c->rope_theta);
        llm__gguf_w_u32(w, LLM__K("rope.dimension_count"), (uint32_t)hs);
        if (hs != c->dim / c->n_head || c->arch == LLM_ARCH_QWEN3 || c->arch == LLM_ARCH_GEMMA3) {
            llm__gguf_w_u32(w, LLM__K("attention.key_length"), (uint32_t)hs);
            llm__gguf_w_u32(w, LLM__K("attention.value_length"), (uint32_t)hs);
        }
        if (c->rope_type == LLM_ROPE_LINEAR) {
            llm__gguf_w_str(w, LLM__K("rope.scaling.type"), "linear", 6);
            llm__gguf_w_f32(w, LLM__K("rope.scaling.factor"), c->rope_factor);
        } else if (c->rope_type == LLM_ROPE_LLAMA3) {   /* (and the rope_freqs.weight tensor) */
            llm__gguf_w_f32(w, "llm.rope.factor", c->rope_factor);
            llm__gguf_w_f32(w, "llm.rope.low_freq_factor", c->rope_low_freq_factor);
            llm__gguf_w_f32(w, "llm.rope.high_freq_factor", c->rope_high_freq_factor);
            llm__gguf_w_u32(w, "llm.rope.original_context_length", (uint32_t)c->rope_orig_max_pos);
        }
        if (c->arch == LLM_ARCH_GEMMA3) {
            if (c->sliding_window > 0)
                llm__gguf_w_u32(w, LLM__K("attention.sliding_window"), (uint32_t)c->sliding_window);
            llm__gguf_w_u32(w, LLM__K("attention.sliding_window_pattern"), (uint32_t)c->sliding_pattern);
            llm__gguf_w_f32(w, LLM__K("rope.freq_base_swa"), c->rope_local_theta);
        }
        /* (llama.cpp computes Gemma 3's from head_dim, or dim / n_head for 27B: llm.h's own key) */
        if (c->attn_scale != 0) llm__gguf_w_f32(w, "llm.attn_scale", c->attn_scale);
    }
#undef LLM__K
    llm__gguf_w_u32(w, "llm.padded_vocab_size", (uint32_t)c->padded_vocab_size);
    llm__gguf_w_u32(w, "llm.untied_head", (uint32_t)c->untied_head);
}
/* Row count written for a tensor: the vocabulary tables drop their padded rows. */
static int64_t llm__saved_rows(const llm_model *m, const llm_tensor_info *t) {
    if (strcmp(t->name, "token_embd.weight") == 0 || strcmp(t->name, "output.weight") == 0) return m->cfg.vocab_size;
    return t->shape[0];
}
/* The table's tensors into a writer: the optimizer state (prefix) as F32; the weights as
   `type` where a matrix's rows split into its blocks (its quantized copy when it has one of
   that type, else quantized as written), or, with type -1, each as the model holds it.
   Families whose GGUF rotates halves get their q/k rows, biases and norms in that order. */
static void llm__model_gguf_tensors(const llm_model *m, llm__gguf_w *w, const char *prefix, const float *base,
                                    int type) {
    int i;
    char nm[96];
    for (i = 0; i < m->n_tensors; i++) {
        const llm_tensor_info *t = &m->tensors[i];
        const unsigned char *copy = m->qdata && !prefix[0] ? m->qdata[i] : NULL;
        const llm__qtype *q;
        int64_t shape[2];
        int ty = LLM_TYPE_F32;
        shape[0] = llm__saved_rows(m, t); shape[1] = t->shape[1];
        snprintf(nm, sizeof nm, "%s%s", prefix, t->name);
        if (!prefix[0] && t->n_dims == 2) {
            ty = type < 0 ? (int)t->type : type;
            if (!(q = llm__qinfo(ty)) || t->shape[1] % q->block) ty = LLM_TYPE_F32;   /* (rows not in whole blocks) */
        }
        llm__gguf_w_tensor_as(w, nm, t->n_dims, shape, base + t->offset, copy && ty == (int)t->type ? copy : NULL, ty);
        if (llm__arch_neox(m->cfg.arch) && !w->oom) w->t[w->n_t - 1].perm_hs = llm__rot_hs(&m->cfg, t->name);
    }
    if (!prefix[0] && m->cfg.rope_type == LLM_ROPE_LLAMA3 && m->cfg.arch == LLM_ARCH_LLAMA && !w->oom) {
        int64_t n = llm__io_hs(&m->cfg) / 2;   /* llama.cpp's rope_freqs.weight */
        if (!(w->own = (float *)llm__alloc(&w->alloc, (size_t)n * sizeof(float)))) { w->oom = 1; return; }
        llm__llama3_factors(&m->cfg, w->own);
        llm__gguf_w_tensor_as(w, "rope_freqs.weight", 1, &n, w->own, NULL, LLM_TYPE_F32);
    }
}
/* Host copies of a trainer's state where the backend keeps it elsewhere (device memory):
   the model's parameters are brought up to date, m and v downloaded into *m, *v (freed by
   llm__trainer_host_done). On the CPU these are the trainer's own buffers. */
static llm_status llm__trainer_host(llm_trainer *tr, float **m, float **v) {
    const llm__ctx *x = &tr->x;
    const size_t bytes = tr->model->n_params * sizeof(float);
    *m = tr->m; *v = tr->v;
    if (x->ops->host_memory) return LLM_OK;
    if (llm__ctx_check(x, &tr->diag) != LLM_OK) return tr->diag.err.status;   /* nothing of a failed GPU is saved */
    x->ops->download(x, tr->model->params, tr->params, bytes);
    *m = (float *)llm__alloc(&x->alloc, bytes);
    *v = (float *)llm__alloc(&x->alloc, bytes);
    if (!*m || !*v) { llm__dealloc(&x->alloc, *m); llm__dealloc(&x->alloc, *v); return LLM_ERR_OUT_OF_MEMORY; }
    x->ops->download(x, *m, tr->m, bytes);
    x->ops->download(x, *v, tr->v, bytes);
    if (llm__ctx_check(x, &tr->diag) != LLM_OK) {
        llm__dealloc(&x->alloc, *m); llm__dealloc(&x->alloc, *v);
        return tr->diag.err.status;
    }
    return LLM_OK;
}
static void llm__trainer_host_done(llm_trainer *tr, float *m, float *v) {
    if (tr->x.ops->host_memory) return;
    llm__dealloc(&tr->x.alloc, m);
    llm__dealloc(&tr->x.alloc, v);
}

/* A GGUF writer holding the model, and the training state (m, v: host copies) when tr is
   given. */
static llm_status llm__model_writer(const llm_model *mdl, const llm_trainer *tr, const float *m, const float *v,
                                    uint64_t data_pos, int type, llm__gguf_w **out, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    *out = NULL;
    if (llm__gguf_w_create(&mdl->alloc, &w) != LLM_OK) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    llm__model_gguf_kvs(mdl, w);
    if (mdl->tokenizer && (st = llm__tokenizer_to_gguf(mdl->tokenizer, w)) != LLM_OK) {
        llm__gguf_w_free(w);
        return llm__fail(err, st, "cannot store the tokenizer");
    }
    if (mdl->tokenizer) llm__tok_chat_to_gguf(mdl->tokenizer, w);
    llm__model_gguf_tensors(mdl, w, "", mdl->params, type);
    if (tr) {
        llm__gguf_w_u32(w, "llm.train.step", (uint32_t)tr->step);
        llm__gguf_w_u64(w, "llm.train.rng_state", tr->rng.state);
        llm__gguf_w_u64(w, "llm.train.rng_inc", tr->rng.inc);
        llm__gguf_w_u64(w, "llm.train.data_pos", data_pos);
        llm__model_gguf_tensors(mdl, w, "llm.opt.m.", m, LLM_TYPE_F32);
        llm__model_gguf_tensors(mdl, w, "llm.opt.v.", v, LLM_TYPE_F32);
    }
    *out = w;
    return LLM_OK;
}
LLMDEF llm_status llm_model_save(const llm_model *m, const char *path, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (!m || !path) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    if ((st = llm__model_writer(m, NULL, NULL, NULL, 0, -1, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, path, NULL, 0, NULL, err);
}
LLMDEF llm_status llm_model_save_mem(const llm_model *m, void *buf, size_t cap, size_t *size, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (size) *size = 0;
    if (!m) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model");
    if ((st = llm__model_writer(m, NULL, NULL, NULL, 0, -1, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, NULL, buf, cap, size, err);
}
LLMDEF llm_status llm_model_export(const llm_model *m, const char *path, const llm_export_desc *desc,
                                   llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    llm_export_desc d;
    if (!m || !path) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (m->lazy)
        return llm__fail(err, LLM_ERR_UNSUPPORTED,
                         "the model was loaded quantized_only (its matrices have no fp32 values): llm_model_save "
                         "writes "
                         "it as it is; load it without quantized_only to export");
    if (d.format == LLM_FORMAT_SAFETENSORS) return llm__safetensors_export(m, path, &d, err);
    if (d.format != LLM_FORMAT_GGUF) return llm__fail(err, LLM_ERR_INVALID_ARG, "unknown format %d", (int)d.format);
    if (!llm__qinfo((int)d.type))
        return llm__fail(err, LLM_ERR_UNSUPPORTED,
                         "GGUF export writes F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K (asked: %d)",
                         (int)d.type);
    if ((st = llm__model_writer(m, NULL, NULL, NULL, 0, (int)d.type, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, path, NULL, 0, NULL, err);
}

LLMDEF llm_status llm_model_quantize(llm_model *m, llm_type type, llm_error *err) {
    int i;
    if (!m) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model");
    llm__model_materialize(m);   /* (quantized_only: new copies come from fp32 values) */
    if (!llm__qinfo((int)type) || type == LLM_TYPE_F16 || type == LLM_TYPE_BF16)
        return llm__fail(err, LLM_ERR_UNSUPPORTED,
                         "llm_model_quantize makes Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K copies (asked: %s)",
                         llm_type_name(type));
    if (type != LLM_TYPE_F32 && !m->qdata &&
        !(m->qdata = (unsigned char **)llm__calloc(&m->alloc, (size_t)m->n_tensors, sizeof *m->qdata)))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    for (i = 0; i < m->n_tensors; i++) {
        llm_tensor_info *t = &m->tensors[i];
        const int64_t rows = llm__saved_rows(m, t);
        const size_t rb = llm__row_bytes((int)type, (size_t)t->shape[1]);
        unsigned char *q;
        int64_t r;
        if (t->n_dims != 2 || (type != LLM_TYPE_F32 && t->type == type)) continue;
        if (m->qdata && m->qdata[i]) { llm__qdata_free(m, i); m->n_quant--; }
        t->type = LLM_TYPE_F32;
        if (type == LLM_TYPE_F32 || t->shape[1] % llm__qinfo((int)type)->block) continue;   /* (rows not in blocks) */
        if (!(q = (unsigned char *)llm__alloc(&m->alloc, rb * (size_t)rows + 1)))
            return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory quantizing '%s'", t->name);
        for (r = 0; r < rows; r++)
            llm__quant_row((int)type, m->params + t->offset + (size_t)(r * t->shape[1]), q + (size_t)r * rb,
                           (size_t)t->shape[1]);
        m->qdata[i] = q; t->type = type; m->n_quant++;
    }
    llm__ok(err);
    return LLM_OK;
}

/* path != NULL: to a file; else into buf. */
static llm_status llm__trainer_save(llm_trainer *tr, const char *path, void *buf, size_t cap, size_t *size,
                                    uint64_t data_pos) {
    llm__gguf_w *w = NULL;
    llm_error e;
    llm_status st;
    float *m, *v;
    if (tr->lora.lo)
        return llm__dfail(&tr->diag, LLM_ERR_UNSUPPORTED, "a LoRA trainer keeps no checkpoint: save the adapter");
    if (tr->n_micro) return llm__dfail(&tr->diag, LLM_ERR_INVALID_ARG, "save between updates (gradients are pending)");
    if ((st = llm__trainer_host(tr, &m, &v)) != LLM_OK)
        return st == LLM_ERR_OUT_OF_MEMORY ? llm__dfail(&tr->diag, st, "out of memory") : st;
    st = llm__model_writer(tr->model, tr, m, v, data_pos, LLM_TYPE_F32, &w, &e);
    if (st == LLM_OK) st = path ? llm__gguf_w_write(w, path, &e) : llm__gguf_w_write_mem(w, buf, cap, size, &e);
    llm__gguf_w_free(w);
    llm__trainer_host_done(tr, m, v);
    return st == LLM_OK ? LLM_OK : llm__dfail(&tr->diag, st, "%s", e.message);
}
/* A table tensor read in halves order (GGUF qwen2/qwen3/gemma3) put into llm.h's pair order:
   its fp32 values v (rows of a matrix, elements of a vector; NULL: none). */
static llm_status llm__unpermute(llm_model *m, float *v, const llm_tensor_info *t, int64_t hs, llm_error *err) {
    const int64_t rows = t->n_dims == 2 ? llm__saved_rows(m, t) : t->shape[0], cols = t->n_dims == 2 ? t->shape[1] : 1;
    float *tmp;
    int64_t r;
    if (hs < 2 || hs % 2 || rows % hs)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF: '%s' has %lld rows, not whole heads of %lld", t->name,
                         (long long)rows, (long long)hs);
    if (!v) return LLM_OK;
    if (!(tmp = (float *)llm__alloc(&m->alloc, (size_t)(rows * cols) * sizeof(float))))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    memcpy(tmp, v, (size_t)(rows * cols) * sizeof(float));
    for (r = 0; r < rows; r++)
        memcpy(v + r * cols, tmp + llm__half_of_pair(r, hs) * cols, (size_t)cols * sizeof(float));
    llm__dealloc(&m->alloc, tmp);
    return LLM_OK;
}
/* Finds the tensors named prefix + table name and checks their shapes and types; with base
   != NULL also reads them into base. */
/* Reads every tensor of the table (names prefixed) into base + offset (base NULL: checks
   only). Any type of >>quant is read and converted to fp32; keep (a model being loaded): a
   matrix in a quantized type also keeps those bytes as its quantized copy. */
static llm_status llm__gguf_read_tensors(llm_model *m, llm__gguf *g, const char *prefix, float *base, int keep,
                                         llm_error *err) {
    int i;
    char nm[96];
    for (i = 0; i < m->n_tensors; i++) {
        llm_tensor_info *t = &m->tensors[i];
        const llm__gguf_tensor *gt;
        const llm__qtype *qt;
        const int64_t rows = llm__saved_rows(m, t), rowlen = t->n_dims == 2 ? t->shape[1] : t->shape[0];
        const int64_t nrows = t->n_dims == 2 ? rows : 1;   /* a vector is one row */
        size_t rb, bytes;
        unsigned char *raw;
        llm_status st;
        int64_t r;
        int inplace, lazy;
        const int64_t perm = llm__arch_neox(m->cfg.arch) ? llm__rot_hs(&m->cfg, t->name) : 0;
        snprintf(nm, sizeof nm, "%s%s", prefix, t->name);
        gt = llm__gguf_tensor_find(g, nm);
        if (!gt) return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tensor '%s' missing", nm);
        if (gt->nelem != (uint64_t)(rows * t->shape[1]) || gt->shape[gt->n_dims - 1] != rowlen)
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tensor '%s' has %llu elements, expected %lld x %lld", nm,
                             (unsigned long long)gt->nelem, (long long)rows, (long long)t->shape[1]);
        if (!(qt = llm__qinfo((int)gt->type)))
            return llm__fail(err, LLM_ERR_UNSUPPORTED,
                             "GGUF: tensor '%s' has type %u (%s; F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K "
                             "and Q6_K are read)", nm, gt->type, llm__ggml_type_name(gt->type));
        if (rowlen % qt->block)
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tensor '%s': rows of %lld values in %s blocks of %d", nm,
                             (long long)rowlen, qt->name, qt->block);
        if (!base) continue;
        if (base == m->params && rows < t->shape[0])   /* padded vocabulary rows (a buffer not zeroed) */
            memset(base + t->offset + (size_t)(rows * t->shape[1]), 0,
                   (size_t)((t->shape[0] - rows) * t->shape[1]) * sizeof(float));
        if (gt->type == LLM__GGUF_TYPE_F32) {
            if ((st = llm__src_read_f32(g->src, gt->offset, base + t->offset, (size_t)gt->nelem, err)) != LLM_OK)
                return st;
            if (perm && (st = llm__unpermute(m, base + t->offset, t, perm, err)) != LLM_OK) return st;
            continue;
        }
        rb = llm__row_bytes((int)gt->type, (size_t)rowlen);
        bytes = rb * (size_t)nrows;
        inplace = g->src->map || (m->map && g->src->mem == (const unsigned char *)m->map);
        if (inplace) {   /* a mapped file: its blocks are used in place */
            if (gt->offset > g->src->size || bytes > g->src->size - gt->offset)
                return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tensor '%s' runs past the end of the file", nm);
            raw = (unsigned char *)(uintptr_t)(g->src->mem + gt->offset);
        } else if (!(raw = (unsigned char *)llm__alloc(&m->alloc, bytes + 1))) {
            return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", nm);
        } else if ((st = llm__src_read(g->src, gt->offset, raw, bytes, err)) != LLM_OK) {
            llm__dealloc(&m->alloc, raw);
            return st;
        }
        /* quantized_only (keep 2): a quantized matrix stays in its blocks (the embedding is looked
           up by rows, so it is converted too) */
        lazy = keep == 2 && t->n_dims == 2 && qt->block > 1 && base == m->params && i != 0;
        for (r = 0; r < nrows && !lazy; r++)
            llm__dequant_row((int)gt->type, raw + (size_t)r * rb, base + t->offset + (size_t)(r * rowlen),
                             (size_t)rowlen);
        if (perm) {   /* halves order -> pairs: the values, and the blocks kept as the quantized copy */
            const int copy = keep && t->n_dims == 2 && qt->block > 1 && base == m->params;
            unsigned char *q2 = NULL;
            if ((st = llm__unpermute(m, lazy ? NULL : base + t->offset, t, perm, err)) != LLM_OK ||
                !copy) {
                if (!inplace) llm__dealloc(&m->alloc, raw);
                if (st != LLM_OK) return st;
                continue;
            }
            if (!(q2 = (unsigned char *)llm__alloc(&m->alloc, bytes + 1))) {
                if (!inplace) llm__dealloc(&m->alloc, raw);
                return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", nm);
            }
            for (r = 0; r < nrows; r++) memcpy(q2 + (size_t)r * rb, raw + (size_t)llm__half_of_pair(r, perm) * rb, rb);
            if (!inplace) llm__dealloc(&m->alloc, raw);
            raw = q2;
            inplace = 0;
        }
        if (lazy) {
            if (!m->no_fp32 && !(m->no_fp32 = (unsigned char *)llm__calloc(&m->alloc, (size_t)m->n_tensors, 1))) {
                if (!inplace) llm__dealloc(&m->alloc, raw);
                return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
            }
            m->no_fp32[i] = 1;
            m->lazy = 1;
        }
        if (keep && t->n_dims == 2 && qt->block > 1 && base == m->params) {   /* the quantized copy */
            if (!m->qdata &&
                !(m->qdata = (unsigned char **)llm__calloc(&m->alloc, (size_t)m->n_tensors, sizeof *m->qdata))) {
                if (!inplace) llm__dealloc(&m->alloc, raw);
                return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
            }
            if (m->qdata[i]) llm__qdata_free(m, i);
            else m->n_quant++;
            m->qdata[i] = raw;
            t->type = (llm_type)gt->type;
            if (g->src->map && !m->map) { m->map = g->src->map; m->map_size = g->src->size; g->src->map = NULL; }
        } else if (!inplace) {
            llm__dealloc(&m->alloc, raw);
        }
    }
    return LLM_OK;
}

/* GGUF keys of an architecture (<arch>.suffix) that llm.h reads or that cannot change the
   math; any other <arch>.* key is refused, naming it (llama.cpp adds keys for features). */
static const char *const llm__gguf_known[] = {
    "context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
    "attention.head_count_kv", "attention.key_length", "attention.value_length", "attention.layer_norm_epsilon",
    "attention.layer_norm_rms_epsilon", "rope.freq_base", "rope.dimension_count", "rope.scaling.type",
    "rope.scaling.factor", "rope.scale_linear", "attention.sliding_window", "vocab_size",
    "rope.scaling.original_context_length",   /* (used by YaRN only, refused below) */
    "rope.scaling.finetuned", "tensor_data_layout",   /* (notes) */
    "rope.freq_base_swa", "attention.sliding_window_pattern",   /* (Gemma 3) */
    "expert_count", "expert_used_count", "final_logit_softcapping", "attn_logit_softcapping"   /* (must be 0) */
};
/* The model config a GGUF describes (llama.cpp's keys, plus llm.* for what they lack). */
static llm_status llm__gguf_config(const llm__gguf *g, llm_config *c, llm_error *err) {
    const char *an, *sv;
    size_t anl, svl, i;
    uint32_t u;
    float f;
    char k[96], arch[16];
    memset(c, 0, sizeof *c);
    if (!llm__gguf_get_str(g, "general.architecture", &an, &anl) || anl >= sizeof arch)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF: general.architecture missing (a tokenizer-only file?)");
    memcpy(arch, an, anl); arch[anl] = 0;
    if (strcmp(arch, "gpt2") == 0) c->arch = LLM_ARCH_GPT2;
    else if (strcmp(arch, "llama") == 0) c->arch = LLM_ARCH_LLAMA;
    else if (strcmp(arch, "qwen2") == 0) c->arch = LLM_ARCH_QWEN2;
    else if (strcmp(arch, "qwen3") == 0) c->arch = LLM_ARCH_QWEN3;
    else if (strcmp(arch, "gemma3") == 0) c->arch = LLM_ARCH_GEMMA3;
    else return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: architecture '%s' not supported", arch);
    for (i = 0; i < g->n_kv; i++) {   /* every <arch>.* key is one llm.h knows */
        const llm__gguf_kv *kv = &g->kv[i];
        size_t j;
        if (kv->klen <= anl + 1 || memcmp(kv->key, arch, anl) != 0 || kv->key[anl] != '.') continue;
        for (j = 0; j < sizeof llm__gguf_known / sizeof llm__gguf_known[0]; j++)
            if (kv->klen - anl - 1 == strlen(llm__gguf_known[j]) &&
                memcmp(kv->key + anl + 1, llm__gguf_known[j], kv->klen - anl - 1) == 0)
                break;
        if (j == sizeof llm__gguf_known / sizeof llm__gguf_known[0])
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: key '%.*s' is not supported (it may change the math)",
                             (int)LLM__MIN(kv->klen, 80), kv->key);
    }
#define LLM__GETU(suffix, field, required) do { snprintf(k, sizeof k, "%s.%s", arch, suffix); \
        if (llm__gguf_get_u32(g, k, &u) && u <= 0x7fffffff) c->field = (int)u; \
        else if ((required) || llm__gguf_find(g, k))   /* (a per-layer array: refused) */ \
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF: key %s missing or not a uint32 below 2^31", k); } while (0)
    LLM__GETU("context_length", max_seq_len, 1);
    LLM__GETU("embedding_length", dim, 1);
    LLM__GETU("block_count", n_layer, 1);
    LLM__GETU("feed_forward_length", ffn_dim, 1);
    LLM__GETU("attention.head_count", n_head, 1);
    LLM__GETU("attention.head_count_kv", n_kv_head, 0);
#undef LLM__GETU
    snprintf(k, sizeof k, "%s.vocab_size", arch);
    if (llm__gguf_get_u32(g, k, &u) && u <= 0x7fffffff) c->vocab_size = (int)u;
    else {  /* llama.cpp files may leave it out: take it from token_embd */
        const llm__gguf_tensor *te = llm__gguf_tensor_find(g, "token_embd.weight");
        if (te && te->n_dims == 2 && te->shape[0] <= 0x7fffffff) c->vocab_size = (int)te->shape[0];
    }
    snprintf(k, sizeof k, c->arch == LLM_ARCH_GPT2 ? "%s.attention.layer_norm_epsilon" :
                                                     "%s.attention.layer_norm_rms_epsilon", arch);
    llm__gguf_get_f32(g, k, &c->norm_eps);
    snprintf(k, sizeof k, "%s.rope.freq_base", arch);
    llm__gguf_get_f32(g, k, &c->rope_theta);
    if (llm__gguf_get_u32(g, "llm.padded_vocab_size", &u) && u <= 0x7fffffff) c->padded_vocab_size = (int)u;
    if (llm__gguf_get_u32(g, "llm.untied_head", &u)) c->untied_head = u != 0;
    else c->untied_head = llm__gguf_tensor_find(g, "output.weight") != NULL;
    {   /* the head size: key_length = value_length = rope.dimension_count (partial RoPE is not supported) */
        uint32_t kl = 0, vl = 0, rd = 0;
        int hk, hv, hr;
        snprintf(k, sizeof k, "%s.attention.key_length", arch); hk = llm__gguf_get_u32(g, k, &kl);
        snprintf(k, sizeof k, "%s.attention.value_length", arch); hv = llm__gguf_get_u32(g, k, &vl);
        snprintf(k, sizeof k, "%s.rope.dimension_count", arch); hr = llm__gguf_get_u32(g, k, &rd);
        if ((hk && hv && kl != vl) || (hk && hr && kl != rd) || (hv && hr && vl != rd) || kl > 65536 || vl > 65536 ||
            rd > 65536)
            return llm__fail(err, LLM_ERR_UNSUPPORTED,
                             "GGUF: attention.key_length %u, value_length %u and rope.dimension_count %u differ "
                             "(only RoPE over the whole head is supported)", kl, vl, rd);
        u = hk ? kl : hv ? vl : hr ? rd : 0;
        if (u && c->n_head > 0 && (c->dim % c->n_head || (int)u != c->dim / c->n_head)) c->head_dim = (int)u;
        if (c->arch == LLM_ARCH_GPT2 && c->head_dim)
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: a GPT-2 head size other than dim / n_head");
    }
    snprintf(k, sizeof k, "%s.expert_count", arch);
    if (llm__gguf_get_u32(g, k, &u) && u > 0)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: %s = %u: mixture-of-experts models are not supported", k, u);
    snprintf(k, sizeof k, "%s.rope.scaling.type", arch);
    if (llm__gguf_get_str(g, k, &sv, &svl) && !(svl == 4 && memcmp(sv, "none", 4) == 0)) {
        if (svl == 6 && memcmp(sv, "linear", 6) == 0) c->rope_type = LLM_ROPE_LINEAR;
        else return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: RoPE scaling '%.*s' is not supported (none, linear, "
                              "and Llama 3's rope_freqs are)", (int)LLM__MIN(svl, 40), sv);
    } else if (llm__gguf_find(g, k) && !llm__gguf_get_str(g, k, &sv, &svl)) {
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF: %s is not a string", k);
    }
    f = 0;
    snprintf(k, sizeof k, "%s.rope.scaling.factor", arch);
    if (!llm__gguf_get_f32(g, k, &f)) {   /* (older files: rope.scale_linear) */
        snprintf(k, sizeof k, "%s.rope.scale_linear", arch);
        if (llm__gguf_get_f32(g, k, &f) && f != 0 && f != 1 && !c->rope_type) c->rope_type = LLM_ROPE_LINEAR;
    }
    if (c->rope_type == LLM_ROPE_LINEAR) {
        if (!(f > 0) || !(f < 1e6f))
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF: linear RoPE scaling without a factor");
        c->rope_factor = f;
        if (f == 1) c->rope_type = LLM_ROPE_DEFAULT, c->rope_factor = 0;
    } else if (f != 0 && f != 1) {
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: %s = %g without a supported scaling type", k, (double)f);
    }
    {
        static const char *const caps[2] = { "final_logit_softcapping", "attn_logit_softcapping" };
        for (i = 0; i < 2; i++) {
            snprintf(k, sizeof k, "%s.%s", arch, caps[i]);
            if (llm__gguf_get_f32(g, k, &f) && f != 0)
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: %s = %g: soft-capping is not supported", k,
                                 (double)f);
        }
    }
    if (c->arch == LLM_ARCH_GEMMA3) {   /* llama.cpp's defaults: pattern 6, local base 10000 */
        const llm__gguf_kv *pk;
        snprintf(k, sizeof k, "%s.attention.sliding_window", arch);
        if (llm__gguf_get_u32(g, k, &u) && u <= 0x7fffffff) c->sliding_window = (int)u;
        c->sliding_pattern = 6;
        snprintf(k, sizeof k, "%s.attention.sliding_window_pattern", arch);
        if ((pk = llm__gguf_find(g, k)) != NULL) {   /* a period, or one bool per layer (1: sliding) */
            if (llm__gguf_get_u32(g, k, &u) && u <= LLM_MAX_LAYERS + 1) c->sliding_pattern = (int)u;
            else if (pk->type == LLM__GGUF_ARR && pk->elem_type == LLM__GGUF_BOOL && pk->n == (uint64_t)c->n_layer) {
                int p, l = 0;
                for (p = 0; p <= c->n_layer + 1; p++) {   /* (0: every layer sliding) */
                    for (l = 0; l < c->n_layer; l++)
                        if ((g->meta[pk->off + (size_t)l] != 0) != (p == 0 || (l + 1) % p != 0)) break;
                    if (l == c->n_layer) break;
                }
                if (l != c->n_layer)
                    return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: %s is not every p-th layer global", k);
                c->sliding_pattern = p;
            } else return llm__fail(err, LLM_ERR_FORMAT, "GGUF: %s is not a uint32 or one bool per layer", k);
        }
        c->rope_local_theta = 10000.0f;
        snprintf(k, sizeof k, "%s.rope.freq_base_swa", arch);
        llm__gguf_get_f32(g, k, &c->rope_local_theta);
    } else {
        snprintf(k, sizeof k, "%s.attention.sliding_window", arch);
        if (llm__gguf_get_u32(g, k, &u) && u > 0)
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: %s: sliding-window attention is supported in gemma3 only",
                             k);
    }
    if (c->arch != LLM_ARCH_GPT2 && !llm__gguf_get_f32(g, "llm.attn_scale", &c->attn_scale) &&
        c->arch == LLM_ARCH_GEMMA3 && c->n_layer == 62 && c->n_head > 0)   /* llama.cpp: Gemma 3 27B's scale */
        c->attn_scale = 1.0f / sqrtf((float)(c->dim / c->n_head));
    {   /* Llama 3 scaling: rope_freqs.weight (llama.cpp), checked against llm.rope.* or recognised */
        const llm__gguf_tensor *rf = llm__gguf_tensor_find(g, "rope_freqs.weight");
        if (!rf && llm__gguf_find(g, "llm.rope.factor"))
            return llm__fail(err, LLM_ERR_FORMAT,
                             "GGUF: llm.rope.* keys (Llama 3 RoPE scaling) without rope_freqs.weight");
        if (rf) {
            const int64_t n = (c->head_dim > 0 ? c->head_dim : c->n_head > 0 ? c->dim / c->n_head : 0) / 2;
            float file[512], want[512], mx = 0;
            int64_t j;
            int found = 0;
            llm_status st;
            if (c->arch != LLM_ARCH_LLAMA || c->rope_type)
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: rope_freqs.weight in a %s model%s", arch,
                                 c->rope_type ? " that also declares RoPE scaling" : "");
            if (rf->type != LLM__GGUF_TYPE_F32 || rf->n_dims != 1 || n <= 0 || n > 512 || rf->nelem != (uint64_t)n)
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: rope_freqs.weight is not %lld F32 values",
                                 (long long)n);
            if ((st = llm__src_read_f32(g->src, rf->offset, file, (size_t)n, err)) != LLM_OK) return st;
            if (c->rope_theta == 0) c->rope_theta = 10000.0f;
            for (j = 0; j < n; j++) mx = file[j] > mx ? file[j] : mx;
            if (llm__gguf_get_f32(g, "llm.rope.factor", &c->rope_factor)) {   /* llm.h's own keys */
                llm__gguf_get_f32(g, "llm.rope.low_freq_factor", &c->rope_low_freq_factor);
                llm__gguf_get_f32(g, "llm.rope.high_freq_factor", &c->rope_high_freq_factor);
                if (llm__gguf_get_u32(g, "llm.rope.original_context_length", &u) && u <= 0x7fffffff)
                    c->rope_orig_max_pos = (int)u;
                c->rope_type = LLM_ROPE_LLAMA3;
                found = 1;
            } else {   /* a llama.cpp file: the parameters whose factors these are */
                static const float lows[3] = { 1, 0.5f, 2 }, highs[3] = { 4, 2, 8 };
                int a, b, e;
                c->rope_type = LLM_ROPE_LLAMA3;
                c->rope_factor = mx;
                for (a = 0; a < 3 && !found && mx > 1; a++)
                    for (b = 0; b < 3 && !found; b++)
                        for (e = 4; e <= 24 && !found; e++) {
                            c->rope_low_freq_factor = lows[a]; c->rope_high_freq_factor = highs[b];
                            c->rope_orig_max_pos = 1 << e;
                            llm__llama3_factors(c, want);
                            for (j = 0; j < n && fabsf(want[j] - file[j]) <= 1e-5f * want[j]; j++) {}
                            found = j == n;
                        }
                if (!found) {
                    for (j = 0; j < n && file[j] == 1.0f; j++) {}
                    if (j == n) { c->rope_type = LLM_ROPE_DEFAULT; c->rope_factor = 0; found = 2; }   /* all 1: none */
                }
            }
            if (found == 1) {   /* the factors of these parameters must be the file's */
                llm__llama3_factors(c, want);
                for (j = 0; j < n && fabsf(want[j] - file[j]) <= 1e-5f * want[j]; j++) {}
                found = j == n;
            }
            if (!found)
                return llm__fail(err, LLM_ERR_UNSUPPORTED,
                                 "GGUF: rope_freqs.weight (max %g) is not Llama 3 RoPE scaling of parameters llm.h "
                                 "recognises", (double)mx);
            if (c->rope_type == LLM_ROPE_DEFAULT) {
                c->rope_low_freq_factor = c->rope_high_freq_factor = 0;
                c->rope_orig_max_pos = 0;
            }
        }
    }
    return LLM_OK;
}

/* quantized_only: a Llama q|k|v or gate|up matrix is one product; when only some of its
   tensors kept nothing but their copies, those get their fp32 values after all (the product
   then runs in fp32) */
static void llm__lazy_groups(llm_model *m) {
    int i, j, k;
    for (i = 0; i < m->n_tensors; i++) {
        const char *nm = m->tensors[i].name;
        const size_t l = strlen(nm);
        const int n = l > 13 && strcmp(nm + l - 13, "attn_q.weight") == 0 ? 3
                    : l > 15 && strcmp(nm + l - 15, "ffn_gate.weight") == 0 ? 2 : 0;
        int some = 0, all = 1;
        if (!n || i + n > m->n_tensors) continue;
        for (j = i; j < i + n; j++) { some |= m->no_fp32[j]; all &= m->no_fp32[j]; }
        if (!some || all) continue;
        for (j = i; j < i + n; j++)
            if (m->no_fp32[j]) llm__fill_fp32(m, j);
    }
    for (k = 0, m->lazy = 0; k < m->n_tensors; k++) m->lazy |= m->no_fp32[k];
}
/* A config read from a file: what llm_config_resolve refuses is a format error of the file */
static llm_status llm__file_config(llm_config *c, llm_error *err) {
    llm_status st = llm_config_resolve(c, err);
    if (st == LLM_ERR_INVALID_ARG) {
        st = LLM_ERR_FORMAT;
        if (err) err->status = st;
    }
    return st;
}
/* A file cannot make the loader allocate more than it holds: the parameters a config needs,
   against the values the file's tensors hold (padded vocabulary rows aside). */
/* held: the values of the file's tensors, at most what its data bytes can encode (16/9 values a
   byte: Q4_0 and Q4_K), whatever the tensors claim (they may overlap). Padded vocabulary rows
   a file need not store count up to as much again. In 64-bit: a 32-bit size_t cannot wrap. */
static llm_status llm__check_param_count(const llm_config *c, uint64_t held, uint64_t data_bytes, const char *what,
                                         llm_error *err) {
    const uint64_t pad = 2 * (uint64_t)(c->padded_vocab_size - c->vocab_size) * (uint64_t)c->dim;
    uint64_t need = 0;
    llm_model tmp;   /* (the table counted only: no layers, no tensors) */
    memset(&tmp, 0, sizeof tmp);
    tmp.cfg = *c;
    llm__layout(&tmp, NULL, &need);
    if (held > data_bytes / 9 * 16 + 16) held = data_bytes / 9 * 16 + 16;
    if (need > held + (pad < held ? pad : held))
        return llm__fail(err, LLM_ERR_FORMAT, "%s: the config needs %llu parameters, the file's tensors hold %llu",
                         what, (unsigned long long)need, (unsigned long long)held);
    return LLM_OK;
}
static llm_status llm__load_gguf(llm__src *src, const llm_model_desc *d, llm_model **out, llm_error *err) {
    llm__gguf g;
    llm_config c;
    llm_status st;
    llm_model *m = NULL;
    if ((st = llm__gguf_open(&g, src, &d->allocator, err)) != LLM_OK) return st;
    if ((st = llm__gguf_config(&g, &c, err)) != LLM_OK) { llm__gguf_close(&g); return st; }
    if ((st = llm__file_config(&c, err)) != LLM_OK) { llm__gguf_close(&g); return st; }
    {
        uint64_t held = 0;
        size_t k;
        for (k = 0; k < g.n_t; k++)   /* (each checked against the file size by its type) */
            if (!llm__qinfo((int)g.t[k].type)) {
                llm__fail(err, LLM_ERR_UNSUPPORTED,
                          "GGUF: tensor '%.*s' has type %u (%s), which llm.h does not read (F32, F16, BF16, Q8_0, "
                          "Q4_0, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K)",
                          (int)LLM__MIN(g.t[k].nlen, 64), g.t[k].name, g.t[k].type,
                          llm__ggml_type_name(g.t[k].type));
                llm__gguf_close(&g);
                return LLM_ERR_UNSUPPORTED;
            } else
                held = g.t[k].nelem > UINT64_MAX - held ? UINT64_MAX : held + g.t[k].nelem;
        if ((st = llm__check_param_count(&c, held, g.src->size - g.data_start, "GGUF", err)) != LLM_OK) {
            llm__gguf_close(&g);
            return st;
        }
    }
    if ((st = llm__model_alloc_z(&c, &d->allocator, d->log_fn, d->log_user_data, !d->quantized_only, &m, err)) !=
        LLM_OK) {
        llm__gguf_close(&g);
        return st;
    }
    {   /* a tensor the family does not have (a bias, a norm) would change the math: refused */
        size_t k;
        int i;
        for (k = 0; k < g.n_t; k++) {
            const llm__gguf_tensor *gt = &g.t[k];
            if ((gt->nlen >= 4 && memcmp(gt->name, "llm.", 4) == 0) ||
                (gt->nlen == 17 && memcmp(gt->name, "rope_freqs.weight", 17) == 0))
                continue;   /* (a checkpoint's optimizer state; rope_freqs: read by llm__gguf_config) */
            for (i = 0; i < m->n_tensors; i++)
                if (strlen(m->tensors[i].name) == gt->nlen && memcmp(m->tensors[i].name, gt->name, gt->nlen) == 0)
                    break;
            if (i == m->n_tensors) {
                llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: tensor '%.*s' is not part of a %s model as llm.h runs it",
                          (int)LLM__MIN(gt->nlen, 64), gt->name, llm__arch_name(c.arch));
                llm__gguf_close(&g);
                llm_model_free(m);
                return LLM_ERR_UNSUPPORTED;
            }
        }
    }
    st = llm__gguf_read_tensors(m, &g, "", m->params, d->quantized_only ? 2 : 1, err);
    if (st == LLM_OK && m->lazy) llm__lazy_groups(m);
    if (st == LLM_OK && llm__gguf_find(&g, "tokenizer.ggml.model")) {   /* an embedded tokenizer */
        const char *tm;
        size_t tl;
        if (!(llm__gguf_get_str(&g, "tokenizer.ggml.model", &tm, &tl) &&   /* (llama.cpp's "no vocabulary") */
              ((tl == 8 && memcmp(tm, "no_vocab", 8) == 0) || (tl == 4 && memcmp(tm, "none", 4) == 0))))
            st = llm__tokenizer_from_gguf(&g, &d->allocator, &m->tokenizer, err);
    }
    if (st == LLM_OK && m->tokenizer) st = llm__tok_chat_from_gguf(m->tokenizer, &g, d->log_fn, d->log_user_data, err);
    llm__gguf_close(&g);
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

/* The training state of a checkpoint, checked against the trainer's model (keys, shape,
   every tensor's name, shape and type) before anything is read. */
typedef struct llm__ckpt { uint32_t step; uint64_t rng_state, rng_inc, data_pos; } llm__ckpt;
static llm_status llm__trainer_check(const llm_trainer *tr, const llm__gguf *g, llm__ckpt *k, llm_error *e) {
    const llm_config *mc = &tr->model->cfg;
    llm_config c;
    llm_status st;
    k->data_pos = 0;
    if (!llm__gguf_get_u32(g, "llm.train.step", &k->step) ||
        !llm__gguf_get_u64(g, "llm.train.rng_state", &k->rng_state) ||
        !llm__gguf_get_u64(g, "llm.train.rng_inc", &k->rng_inc) || k->step > 0x7fffffff || !(k->rng_inc & 1))
        return llm__fail(e, LLM_ERR_FORMAT, "no training state (llm.train.* keys) in this checkpoint");
    llm__gguf_get_u64(g, "llm.train.data_pos", &k->data_pos);
    if ((st = llm__gguf_config(g, &c, e)) != LLM_OK || (st = llm_config_resolve(&c, e)) != LLM_OK) return st;
    if (c.arch != mc->arch || c.n_layer != mc->n_layer || c.n_head != mc->n_head || c.dim != mc->dim ||
        c.n_kv_head != mc->n_kv_head || c.ffn_dim != mc->ffn_dim || c.vocab_size != mc->vocab_size ||
        c.padded_vocab_size != mc->padded_vocab_size || c.max_seq_len != mc->max_seq_len ||
        c.untied_head != mc->untied_head)
        return llm__fail(e, LLM_ERR_INVALID_ARG, "the checkpoint's model has another shape than the trainer's");
    if ((st = llm__gguf_read_tensors(tr->model, (llm__gguf *)(uintptr_t)g, "", NULL, 0, e)) != LLM_OK ||
        (st = llm__gguf_read_tensors(tr->model, (llm__gguf *)(uintptr_t)g, "llm.opt.m.", NULL, 0, e)) != LLM_OK ||
        (st = llm__gguf_read_tensors(tr->model, (llm__gguf *)(uintptr_t)g, "llm.opt.v.", NULL, 0, e)) != LLM_OK)
        return st;
    return LLM_OK;
}
/* Reads weights, m and v of a checked checkpoint into the trainer. */
static llm_status llm__trainer_apply(llm_trainer *tr, llm__gguf *g, const llm__ckpt *k, llm_error *e) {
    const llm__ctx *x = &tr->x;
    const size_t bytes = tr->model->n_params * sizeof(float);
    float *m = tr->m, *v = tr->v;
    llm_status st;
    if (!x->ops->host_memory) {   /* read on the host, then upload */
        m = (float *)llm__alloc(&x->alloc, bytes);
        v = (float *)llm__alloc(&x->alloc, bytes);
        if (!m || !v) {
            llm__dealloc(&x->alloc, m);
            llm__dealloc(&x->alloc, v);
            return llm__fail(e, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    if ((st = llm__gguf_read_tensors(tr->model, g, "", tr->model->params, 0, e)) == LLM_OK &&
        (st = llm__gguf_read_tensors(tr->model, g, "llm.opt.m.", m, 0, e)) == LLM_OK &&
        (st = llm__gguf_read_tensors(tr->model, g, "llm.opt.v.", v, 0, e)) == LLM_OK && !x->ops->host_memory) {
        x->ops->upload(x, tr->params, tr->model->params, bytes);
        x->ops->upload(x, tr->m, m, bytes);
        x->ops->upload(x, tr->v, v, bytes);
        if (x->ops->set_params) st = x->ops->set_params(x, tr->params, tr->model->n_params);
    }
    if (!x->ops->host_memory) { llm__dealloc(&x->alloc, m); llm__dealloc(&x->alloc, v); }
    if (st != LLM_OK) return st;
    tr->step = (int)k->step;
    tr->rng.state = k->rng_state;
    tr->rng.inc = k->rng_inc;
    llm__tr_drop(tr);
    return LLM_OK;
}
static llm_status llm__trainer_load(llm_trainer *tr, llm__src *src, uint64_t *data_pos) {
    llm__gguf g;
    llm__ckpt k;
    llm_error e;
    llm_status st;
    if (tr->lora.lo)
        return llm__dfail(&tr->diag, LLM_ERR_UNSUPPORTED, "a LoRA trainer keeps no checkpoint: load the adapter");
    if ((st = llm__gguf_open(&g, src, &tr->d.allocator, &e)) != LLM_OK)
        return llm__dfail(&tr->diag, st, "%s", e.message);
    st = llm__trainer_check(tr, &g, &k, &e);
    if (st == LLM_OK) st = llm__trainer_apply(tr, &g, &k, &e);
    llm__gguf_close(&g);
    if (st != LLM_OK) return llm__dfail(&tr->diag, st, "%s", e.message);
    if (data_pos) *data_pos = k.data_pos;
    return LLM_OK;
}
/* karpathy/llm.c GPT-2 checkpoint: int32 header[256] = {20240326, 3 (fp32), maxT, V, L, NH,
   C, Vp, ...}, then all parameters as fp32, each kind for all layers together:
   wte (Vp,C) wpe (maxT,C) ln1w (L,C) ln1b (L,C) qkvw (L,3C,C) qkvb (L,3C) attprojw (L,C,C)
   attprojb (L,C) ln2w (L,C) ln2b (L,C) fcw (L,4C,C) fcb (L,4C) fcprojw (L,C,4C) fcprojb (L,C)
   lnfw (C) lnfb (C). */
static llm_status llm__load_llmc(llm__src *src, const unsigned char *hdr, const llm_model_desc *d, llm_model **out,
                                 llm_error *err) {
    int32_t h[8];
    llm_config c;
    llm_model *m = NULL;
    llm_status st;
    uint64_t off = 1024, need;
    int i, l;
    for (i = 0; i < 8; i++) h[i] = (int32_t)llm__rd_u32(hdr + 4 * i);
    if (h[1] != 3)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "llm.c checkpoint version %d (only 3 = fp32 is supported)",
                         (int)h[1]);
    memset(&c, 0, sizeof c);
    c.arch = LLM_ARCH_GPT2;
    c.max_seq_len = h[2];
    c.vocab_size = h[3];
    c.n_layer = h[4];
    c.n_head = h[5];
    c.dim = h[6];
    c.padded_vocab_size = h[7];
    if (c.max_seq_len <= 0 || c.vocab_size <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.dim <= 0 ||
        c.padded_vocab_size <= 0)
        return llm__fail(err, LLM_ERR_FORMAT,
                         "llm.c checkpoint: invalid header (maxT %d, V %d, L %d, NH %d, C %d, Vp %d)", h[2], h[3], h[4],
                         h[5], h[6], h[7]);
    if ((st = llm__file_config(&c, err)) != LLM_OK) return st;
    {   /* the file must hold exactly the parameters the header promises */
        uint64_t C = (uint64_t)c.dim, L = (uint64_t)c.n_layer;
        need = (uint64_t)c.padded_vocab_size * C + (uint64_t)c.max_seq_len * C + L * (12 * C * C + 13 * C) + 2 * C;
        if (need > (src->size - 1024) / 4)
            return llm__fail(err, LLM_ERR_FORMAT,
                             "llm.c checkpoint truncated: header needs %llu bytes of parameters, file has %llu",
                             (unsigned long long)(need * 4), (unsigned long long)(src->size - 1024));
    }
    if ((st = llm__model_alloc(&c, &d->allocator, d->log_fn, d->log_user_data, &m, err)) != LLM_OK) return st;
    {
        const size_t C = (size_t)c.dim;
        struct { size_t per; size_t fieldoff; } kinds[12];
        int k;
        /* llm.c order of the per-layer kinds, with each kind's size per layer and where it
           lives in llm__layer_off */
        size_t sizes[12];
        sizes[0] = C; sizes[1] = C; sizes[2] = 3 * C * C; sizes[3] = 3 * C; sizes[4] = C * C; sizes[5] = C;
        sizes[6] = C; sizes[7] = C; sizes[8] = 4 * C * C; sizes[9] = 4 * C; sizes[10] = 4 * C * C; sizes[11] = C;
        kinds[0].fieldoff = offsetof(llm__layer_off, ln1w); kinds[1].fieldoff = offsetof(llm__layer_off, ln1b);
        kinds[2].fieldoff = offsetof(llm__layer_off, qkvw); kinds[3].fieldoff = offsetof(llm__layer_off, qkvb);
        kinds[4].fieldoff = offsetof(llm__layer_off, attprojw); kinds[5].fieldoff = offsetof(llm__layer_off, attprojb);
        kinds[6].fieldoff = offsetof(llm__layer_off, ln2w); kinds[7].fieldoff = offsetof(llm__layer_off, ln2b);
        kinds[8].fieldoff = offsetof(llm__layer_off, fcw); kinds[9].fieldoff = offsetof(llm__layer_off, fcb);
        kinds[10].fieldoff = offsetof(llm__layer_off, fcprojw); kinds[11].fieldoff = offsetof(llm__layer_off, fcprojb);
        st = llm__src_read_f32(src, off, m->params + m->wte, (size_t)c.padded_vocab_size * C, err);
        off += (uint64_t)c.padded_vocab_size * C * 4;
        if (st == LLM_OK) st = llm__src_read_f32(src, off, m->params + m->wpe, (size_t)c.max_seq_len * C, err);
        off += (uint64_t)c.max_seq_len * C * 4;
        for (k = 0; k < 12 && st == LLM_OK; k++)
            for (l = 0; l < c.n_layer && st == LLM_OK; l++) {
                size_t dst;
                memcpy(&dst, (const unsigned char *)&m->layers[l] + kinds[k].fieldoff, sizeof dst);
                st = llm__src_read_f32(src, off, m->params + dst, sizes[k], err);
                off += sizes[k] * 4;
            }
        if (st == LLM_OK) st = llm__src_read_f32(src, off, m->params + m->lnfw, C, err);
        if (st == LLM_OK) st = llm__src_read_f32(src, off + C * 4, m->params + m->lnfb, C, err);
    }
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

/* llama2.c legacy checkpoint: int32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads,
   vocab_size (negative: separate classifier), seq_len}, then fp32 token_embedding (V,C),
   rms_att (L,C), wq (L,C,C), wk (L,kvC,C), wv (L,kvC,C), wo (L,C,C), rms_ffn (L,C),
   w1 (L,H,C), w2 (L,C,H), w3 (L,H,C), rms_final (C), freq_cis_real and _imag
   (maxT, hs/2 each: skipped, RoPE is recomputed), then wcls (V,C) when unshared. */
static llm_status llm__load_llama2c(llm__src *src, const unsigned char *hdr, const llm_model_desc *d, llm_model **out,
                                    llm_error *err) {
    int32_t h[7];
    llm_config c;
    llm_model *m = NULL;
    llm_status st = LLM_OK;
    uint64_t off = 28, need, C, L, H, kvC, V, hs, rope;
    int i, l, shared, with_rope;
    for (i = 0; i < 7; i++) h[i] = (int32_t)llm__rd_u32(hdr + 4 * i);
    memset(&c, 0, sizeof c);
    c.arch = LLM_ARCH_LLAMA;
    c.dim = h[0]; c.ffn_dim = h[1]; c.n_layer = h[2]; c.n_head = h[3]; c.n_kv_head = h[4];
    shared = h[5] > 0;
    c.vocab_size = h[5] == INT32_MIN ? 0 : h[5] < 0 ? -h[5] : h[5];
    c.max_seq_len = h[6]; /* (INT32_MIN: refused below) */
    c.untied_head = !shared;
    if (h[0] <= 0 || h[1] <= 0 || h[2] <= 0 || h[3] <= 0 || h[4] <= 0 || h[5] == 0 || h[5] == INT32_MIN || h[6] <= 0)
        return llm__fail(err, LLM_ERR_FORMAT,
                         "not a recognised model file (no GGUF / llm.c magic, and not a valid llama2.c header)");
    {
        llm_error e;
        if (llm_config_resolve(&c, &e) != LLM_OK)
            return llm__fail(err, LLM_ERR_FORMAT,
                             "not a recognised model file (no GGUF or llm.c magic; read as a llama2.c header: %s)",
                             e.message);
    }
    C = (uint64_t)c.dim; L = (uint64_t)c.n_layer; H = (uint64_t)c.ffn_dim; V = (uint64_t)c.vocab_size;
    hs = C / (uint64_t)c.n_head; kvC = (uint64_t)c.n_kv_head * hs;
    rope = (uint64_t)c.max_seq_len * hs;   /* freq_cis_real and _imag: in the legacy files, left out by some */
    need = V * C + L * (2 * C + 2 * C * C + 2 * C * kvC + 3 * C * H) + C + rope + (shared ? 0 : V * C);
    /* a llama2.c file has exactly one size (two: with or without the RoPE tables) */
    if (src->size - 28 != need * 4 && src->size - 28 != (need - rope) * 4)
        return llm__fail(err, LLM_ERR_FORMAT,
                         "llama2.c checkpoint: its header (dim %d, hidden %d, %d layers, %d heads, %d kv heads, vocab "
                         "%d, "
                         "seq %d) needs %llu bytes (%llu without the RoPE tables); the file has %llu%s",
                         h[0], h[1], h[2], h[3], h[4], h[5], h[6], (unsigned long long)(need * 4 + 28),
                         (unsigned long long)((need - rope) * 4 + 28), (unsigned long long)src->size,
                         src->size - 28 < (need - rope) * 4 ? " (truncated)" : "");
    with_rope = src->size - 28 == need * 4;
    if ((st = llm__model_alloc(&c, &d->allocator, d->log_fn, d->log_user_data, &m, err)) != LLM_OK) return st;
#define LLM__RD(dst, n) \
    do { \
        if (st == LLM_OK) st = llm__src_read_f32(src, off, m->params + (dst), (size_t)(n), err); \
        off += (uint64_t)(n)*4; \
    } while (0)
    LLM__RD(m->wte, V * C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].ln1w, C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].qkvw, C * C);               /* wq */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].qkvw + C * C, kvC * C);     /* wk */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].qkvw + C * C + kvC * C, kvC * C); /* wv */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].attprojw, C * C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].ln2w, C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].fcw, H * C);                /* w1 = gate */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].fcprojw, C * H);            /* w2 = down */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].fcw + H * C, H * C);        /* w3 = up */
    LLM__RD(m->lnfw, C);
    if (with_rope) off += rope * 4;   /* freq_cis_real, freq_cis_imag (RoPE is recomputed) */
    if (!shared) LLM__RD(m->head, V * C);
#undef LLM__RD
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

/* ---- Hugging Face: safetensors + config.json ------------------------------------------------------
   A model directory holds config.json and model.safetensors, or shards named by
   model.safetensors.index.json ({"weight_map": {tensor: file}}). A safetensors file is a u64
   header size N, N bytes of JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}},
   then the data (offsets count from the end of the header). Names and layouts differ from
   llm.h's table in these ways, undone on load and redone on export:
   - names: GPT2LMHeadModel (transformer.h.N.attn.c_attn, ...) and the Llama-style families
     (model.layers.N.self_attn.q_proj, ...; Gemma 3 names its sandwich norms its own way)
     spell them their own way (llm__hf_names);
   - GPT-2's Conv1D layers store weights as [in, out]: transposed;
   - q and k rows (and q/k biases and q_norm/k_norm weights) are ordered for rotate-half RoPE
     (pair i of a head is rows i and i + hs/2); llm.h rotates adjacent rows (2i, 2i+1): they
     are permuted per head of head_dim (see >>formats);
   - Gemma 3's norm weights w hold 1 + w in llm.h (added in fp32 on load, subtracted on export). */
#define LLM__HF_AS_IS 0
#define LLM__HF_TRANSPOSE 1
#define LLM__HF_PERMUTE 2
#define LLM__HF_PLUS1 4   /* (Gemma 3 only) */
static const char *const llm__hf_names[][5] = {
    /* llm.h suffix, GPT-2 (transformer.h.N.), Llama and Qwen (model.layers.N.), Gemma 3 where it differs, how */
    { "attn_norm.weight", "ln_1.weight", "input_layernorm.weight", NULL, "4" },
    { "attn_norm.bias", "ln_1.bias", NULL, NULL, "0" },
    { "attn_qkv.weight", "attn.c_attn.weight", NULL, NULL, "1" },
    { "attn_qkv.bias", "attn.c_attn.bias", NULL, NULL, "0" },
    { "attn_q.weight", NULL, "self_attn.q_proj.weight", NULL, "2" },
    { "attn_k.weight", NULL, "self_attn.k_proj.weight", NULL, "2" },
    { "attn_v.weight", NULL, "self_attn.v_proj.weight", NULL, "0" },
    { "attn_q.bias", NULL, "self_attn.q_proj.bias", NULL, "2" },
    { "attn_k.bias", NULL, "self_attn.k_proj.bias", NULL, "2" },
    { "attn_v.bias", NULL, "self_attn.v_proj.bias", NULL, "0" },
    { "attn_q_norm.weight", NULL, "self_attn.q_norm.weight", NULL, "6" },
    { "attn_k_norm.weight", NULL, "self_attn.k_norm.weight", NULL, "6" },
    { "attn_output.weight", "attn.c_proj.weight", "self_attn.o_proj.weight", NULL, "1" },
    { "attn_output.bias", "attn.c_proj.bias", NULL, NULL, "0" },
    { "post_attention_norm.weight", NULL, NULL, "post_attention_layernorm.weight", "4" },
    { "ffn_norm.weight", "ln_2.weight", "post_attention_layernorm.weight", "pre_feedforward_layernorm.weight", "4" },
    { "ffn_norm.bias", "ln_2.bias", NULL, NULL, "0" },
    { "post_ffw_norm.weight", NULL, NULL, "post_feedforward_layernorm.weight", "4" },
    { "ffn_gate.weight", NULL, "mlp.gate_proj.weight", NULL, "0" },
    { "ffn_up.weight", "mlp.c_fc.weight", "mlp.up_proj.weight", NULL, "1" },
    { "ffn_up.bias", "mlp.c_fc.bias", NULL, NULL, "0" },
    { "ffn_down.weight", "mlp.c_proj.weight", "mlp.down_proj.weight", NULL, "1" },
    { "ffn_down.bias", "mlp.c_proj.bias", NULL, NULL, "0" },
    { "token_embd.weight", "transformer.wte.weight", "model.embed_tokens.weight", NULL, "0" },
    { "position_embd.weight", "transformer.wpe.weight", NULL, NULL, "0" },
    { "output_norm.weight", "transformer.ln_f.weight", "model.norm.weight", NULL, "4" },
    { "output_norm.bias", "transformer.ln_f.bias", NULL, NULL, "0" },
    { "output.weight", NULL, "lm_head.weight", NULL, "0" }
};
/* The Hugging Face name of a table tensor into out; returns how it is stored (LLM__HF_*
   flags), or -1 when it has no name there. (GPT-2 files may also leave out "transformer.".) */
static int llm__hf_name(const llm_model *m, const char *name, char *out, size_t cap) {
    const int gpt2 = m->cfg.arch == LLM_ARCH_GPT2, gemma = m->cfg.arch == LLM_ARCH_GEMMA3;
    size_t i;
    int layer = -1, len = 0;
    const char *suffix = name;
    if (sscanf(name, "blk.%d.%n", &layer, &len) == 1 && len > 0) suffix = name + len;
    for (i = 0; i < sizeof llm__hf_names / sizeof llm__hf_names[0]; i++) {
        const char *hn = llm__hf_names[i][gpt2 ? 1 : gemma && llm__hf_names[i][3] ? 3 : 2];
        int how;
        if (strcmp(llm__hf_names[i][0], suffix) != 0 || !hn) continue;
        how = llm__hf_names[i][4][0] - '0';
        if (gpt2) how &= LLM__HF_TRANSPOSE;
        else how &= ~LLM__HF_TRANSPOSE;
        if (!gemma) how &= ~LLM__HF_PLUS1;
        if (layer >= 0) snprintf(out, cap, gpt2 ? "transformer.h.%d.%s" : "model.layers.%d.%s", layer, hn);
        else snprintf(out, cap, "%s", hn);
        return how;
    }
    return -1;
}
/* One stored tensor, value at row r, column c of the table's (rows, cols) tensor <- index in
   the Hugging Face layout (a permuted vector: rows = its length, cols = 1). */
static size_t llm__hf_index(int how, int64_t rows, int64_t cols, int64_t hs, int64_t r, int64_t c) {
    if (how & LLM__HF_TRANSPOSE) return (size_t)(c * rows + r);
    if (how & LLM__HF_PERMUTE) return (size_t)(llm__half_of_pair(r, hs) * cols + c);
    return (size_t)(r * cols + c);
}

typedef struct llm__st_tensor {
    char *name;
    int dtype;             /* LLM_TYPE_F32, F16 or BF16; -1 for others */
    int n_dims;
    int64_t shape[4];
    uint64_t off, bytes;   /* absolute offset in its file */
    int file;
} llm__st_tensor;
typedef struct llm__st {
    llm_allocator alloc;
    llm__src *src;
    int n_src;
    llm__st_tensor *t;
    size_t n_t, cap;
} llm__st;
static void llm__st_close(llm__st *h) {
    size_t i;
    int f;
    for (f = 0; f < h->n_src; f++) llm__src_close(&h->src[f]);
    for (i = 0; i < h->n_t; i++) llm__dealloc(&h->alloc, h->t[i].name);
    llm__dealloc(&h->alloc, h->src);
    llm__dealloc(&h->alloc, h->t);
    memset(h, 0, sizeof *h);
}
/* Reads the header of the safetensors file h->src[file] into the tensor list. */
static llm_status llm__st_header(llm__st *h, int file, const char *fname, llm_error *err) {
    llm__src *src = &h->src[file];
    unsigned char b8[8], *js;
    uint64_t hn;
    size_t i = 0, ks, ke, v, bad;
    llm_status st;
    if (src->size < 10) return llm__fail(err, LLM_ERR_FORMAT, "%s: too small for a safetensors file", fname);
    if ((st = llm__src_read(src, 0, b8, 8, err)) != LLM_OK) return st;
    hn = llm__rd_u64(b8);
    if (hn < 2 || hn > src->size - 8 || hn > ((uint64_t)1 << 28))
        return llm__fail(err, LLM_ERR_FORMAT, "%s: safetensors header of %llu bytes in a file of %llu", fname,
                         (unsigned long long)hn, (unsigned long long)src->size);
    if (!(js = (unsigned char *)llm__alloc(&h->alloc, (size_t)hn + 1)))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if ((st = llm__src_read(src, 8, js, (size_t)hn, err)) != LLM_OK) { llm__dealloc(&h->alloc, js); return st; }
    if (!llm__js_check_at(js, (size_t)hn, &bad)) {
        llm__dealloc(&h->alloc, js);
        return llm__fail(err, LLM_ERR_FORMAT,
                         "%s: the safetensors header is not a JSON object (malformed at byte %llu)", fname,
                         (unsigned long long)bad + 8);
    }
    i = llm__skip_ws(js, (size_t)hn, 0);
    st = LLM_OK;
    while (st == LLM_OK && llm__js_member(js, (size_t)hn, &i, &ks, &ke, &v)) {
        llm__st_tensor *t;
        size_t dt = llm__js_get(js, (size_t)hn, v, "dtype"), sh = llm__js_get(js, (size_t)hn, v, "shape"),
               of = llm__js_get(js, (size_t)hn, v, "data_offsets"), j, e;
        uint64_t beg, end, nel = 1, u, esz;
        if (ke - ks == 12 && memcmp(js + ks, "__metadata__", 12) == 0) continue;
        if (h->n_t == h->cap) {
            void *p = llm__tgrow(&h->alloc, h->t, &h->cap, h->cap * 2 + 64, sizeof *h->t);
            if (!p) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); break; }
            h->t = (llm__st_tensor *)p;
        }
        t = &h->t[h->n_t];
        memset(t, 0, sizeof *t);
        t->file = file;
        if (!(t->name = (char *)llm__alloc(&h->alloc, ke - ks + 2))) {
            st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
            break;
        }
        h->n_t++;
        if (llm__js_str(js, (size_t)hn, ks - 1, (unsigned char *)t->name) == (size_t)-1) t->name[0] = 0;
        else t->name[llm__js_str(js, (size_t)hn, ks - 1, (unsigned char *)t->name)] = 0;
        if (dt == (size_t)-1 || sh == (size_t)-1 || of == (size_t)-1 || js[sh] != '[' || js[of] != '[') {
            st = llm__fail(err, LLM_ERR_FORMAT, "%s: tensor '%s' lacks dtype, shape or data_offsets", fname, t->name);
            break;
        }
        t->dtype = llm__js_streq(js, (size_t)hn, dt, "F32") ? LLM_TYPE_F32
            : llm__js_streq(js, (size_t)hn, dt, "F16")      ? LLM_TYPE_F16
            : llm__js_streq(js, (size_t)hn, dt, "BF16")     ? LLM_TYPE_BF16
                                                            : -1;
        esz = t->dtype == LLM_TYPE_F32 ? 4 : 2;
        for (j = sh; st == LLM_OK && llm__js_elem(js, (size_t)hn, &j, &e);) {
            if (t->n_dims == 4 || !llm__js_uint(js, (size_t)hn, e, (uint64_t)1 << 40, &u) ||
                (u && nel > ((uint64_t)1 << 50) / u))
                st = llm__fail(err, LLM_ERR_FORMAT, "%s: tensor '%s': shape is not 1..4 sizes of at most 2^40", fname,
                               t->name);
            else { t->shape[t->n_dims++] = (int64_t)u; nel *= u; }
        }
        j = of;
        if (st != LLM_OK) break;
        if (!llm__js_elem(js, (size_t)hn, &j, &e) || !llm__js_uint(js, (size_t)hn, e, UINT64_MAX, &beg) ||
            !llm__js_elem(js, (size_t)hn, &j, &e) || !llm__js_uint(js, (size_t)hn, e, UINT64_MAX, &end) || beg > end ||
            end > src->size - 8 - hn) {
            st = llm__fail(err, LLM_ERR_FORMAT, "%s: tensor '%s' has data_offsets outside the file", fname, t->name);
            break;
        }
        if (t->dtype >= 0 && end - beg != nel * esz) {
            st = llm__fail(err, LLM_ERR_FORMAT, "%s: tensor '%s' holds %llu bytes, its shape needs %llu", fname,
                           t->name, (unsigned long long)(end - beg), (unsigned long long)(nel * esz));
            break;
        }
        t->off = 8 + hn + beg;
        t->bytes = end - beg;
    }
    llm__dealloc(&h->alloc, js);
    return st;
}
static const llm__st_tensor *llm__st_find(const llm__st *h, const char *name) {
    size_t i;
    for (i = 0; i < h->n_t; i++)
        if (strcmp(h->t[i].name, name) == 0) return &h->t[i];
    return NULL;
}
/* Opens the safetensors files of directory dir (one, or the shards of the index). */
static llm_status llm__st_open(llm__st *h, const char *dir, const llm_allocator *a, int map, llm_error *err) {
    const size_t dl = strlen(dir);
    char *path = (char *)llm__alloc(a, dl + 4096);
    unsigned char *idx = NULL;
    size_t n = 0;
    llm_status st = LLM_OK;
    memset(h, 0, sizeof *h);
    if (a) h->alloc = *a;
    if (!path) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    snprintf(path, dl + 4096, "%s/model.safetensors.index.json", dir);
    if ((st = llm_read_file(path, a, (void **)&idx, &n, err)) == LLM_ERR_OUT_OF_MEMORY) {
        llm__dealloc(a, path);
        return st;
    }
    if (st == LLM_OK) {
        size_t wm = 0, i, ks, ke, v, f;
        char **names = NULL;
        int nf = 0;
        if (!llm__js_check(idx, n) || (wm = llm__js_get(idx, n, llm__skip_ws(idx, n, 0), "weight_map")) == (size_t)-1 ||
            idx[wm] != '{')
            st = llm__fail(err, LLM_ERR_FORMAT, "model.safetensors.index.json: no weight_map object");
        /* the distinct file names, in order of first mention */
        if (st == LLM_OK && !(names = (char **)llm__calloc(a, n / 4 + 1, sizeof *names)))
            st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        for (i = wm; st == LLM_OK && llm__js_member(idx, n, &i, &ks, &ke, &v);) {
            char fn[256];
            size_t l;
            int k;
            if (idx[v] != '"' || llm__js_skip(idx, n, v, 0) - v > sizeof fn ||
                (l = llm__js_str(idx, n, v, (unsigned char *)fn)) == (size_t)-1 || l == 0 || memchr(fn, '/', l) ||
                memchr(fn, '\\', l) || memchr(fn, 0, l)) {
                st = llm__fail(err, LLM_ERR_FORMAT, "model.safetensors.index.json: a bad file name");
                break;
            }
            fn[l] = 0;
            for (k = 0; k < nf && strcmp(names[k], fn) != 0; k++) {}
            if (k == nf) {
                if (!(names[nf] = (char *)llm__alloc(a, l + 1))) {
                    st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
                    break;
                }
                memcpy(names[nf++], fn, l + 1);
            }
        }
        if (st == LLM_OK && nf == 0) st = llm__fail(err, LLM_ERR_FORMAT, "model.safetensors.index.json: no files");
        if (st == LLM_OK && !(h->src = (llm__src *)llm__calloc(a, (size_t)nf, sizeof *h->src)))
            st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        for (f = 0; st == LLM_OK && f < (size_t)nf; f++) {
            snprintf(path, dl + 4096, "%s/%s", dir, names[f]);
            if ((st = llm__src_open_map(&h->src[f], path, NULL, 0, map, err)) == LLM_OK) {
                h->n_src++;
                st = llm__st_header(h, (int)f, names[f], err);
            }
        }
        for (f = 0; names && f < (size_t)nf; f++) llm__dealloc(a, names[f]);
        llm__dealloc(a, names);
        llm__dealloc(a, idx);
    } else {
        snprintf(path, dl + 4096, "%s/model.safetensors", dir);
        if (!(h->src = (llm__src *)llm__calloc(a, 1, sizeof *h->src)))
            st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
        else if ((st = llm__src_open_map(&h->src[0], path, NULL, 0, map, err)) == LLM_OK) {
            h->n_src = 1;
            st = llm__st_header(h, 0, "model.safetensors", err);
        }
    }
    llm__dealloc(a, path);
    if (st != LLM_OK) llm__st_close(h);
    return st;
}

/* config.json keys of the Llama-style families that cannot change the math (ids, training
   and caching settings, notes); llm__hf_config reads every other key it accepts, and refuses
   the rest with LLM_ERR_UNSUPPORTED naming it. GPT-2 configs are read as before (their many
   task keys aside, every key that shapes the model is checked). */
static const char *const llm__hf_ignored[] = {
    "_name_or_path", "transformers_version", "torch_dtype", "dtype", "use_cache", "initializer_range",
    "bos_token_id", "eos_token_id", "pad_token_id", "tokenizer_class", "transformers.js_config", "is_llama_config",
    "cache_implementation", "pretraining_tp" /* (slices the same products) */, "output_attentions",
    "output_hidden_states", "return_dict", "id2label", "label2id", "keys_to_ignore_at_inference", "unsloth_fixed",
    "unsloth_version", "_attn_implementation_autoset", "max_window_layers" /* (with use_sliding_window only) */,
    "architectures", "model_type"   /* (checked first) */
};
/* The family's value of a number key as a float field; 0 when absent or null, -1 when not a number. */
static int llm__hf_float(const unsigned char *s, size_t n, size_t o, const char *key, float *out) {
    const size_t v = llm__js_get(s, n, o, key);
    double x;
    if (v == (size_t)-1 || llm__js_is(s, n, v, "null")) return 0;
    if (!llm__js_num(s, n, v, &x) || !(x > -1e30 && x < 1e30)) return -1;
    *out = (float)x;
    return 1;
}
/* rope_scaling {"rope_type" (or "type"): "default" | "linear" | "llama3", "factor", ...}, or
   transformers 5's rope_parameters, which also hold "rope_theta" (theta: where it goes) */
static llm_status llm__hf_rope_scaling(const unsigned char *s, size_t n, size_t v, llm_config *c, float *theta,
                                       llm_error *err) {
    size_t i = v, ks, ke, w;
    uint64_t u;
    double x;
    int type = -1;
    if (llm__js_is(s, n, v, "null")) return LLM_OK;
    if (s[v] != '{') return llm__fail(err, LLM_ERR_FORMAT, "config.json: rope_scaling is not an object");
    while (llm__js_member(s, n, &i, &ks, &ke, &w)) {
        const size_t kl = ke - ks;
        const char *k = (const char *)s + ks;
        if ((kl == 9 && memcmp(k, "rope_type", 9) == 0) || (kl == 4 && memcmp(k, "type", 4) == 0)) {
            if (llm__js_streq(s, n, w, "default")) type = LLM_ROPE_DEFAULT;
            else if (llm__js_streq(s, n, w, "linear")) type = LLM_ROPE_LINEAR;
            else if (llm__js_streq(s, n, w, "llama3")) type = LLM_ROPE_LLAMA3;
            else
                return llm__fail(err, LLM_ERR_UNSUPPORTED,
                                 "config.json: rope_scaling type %.*s is not supported (default, linear, llama3 are)",
                                 (int)LLM__MIN(llm__js_skip(s, n, w, 0) - w, 40), (const char *)s + w);
        } else if (kl == 6 && memcmp(k, "factor", 6) == 0 && llm__js_num(s, n, w, &x) && x > 0 && x < 1e6) {
            c->rope_factor = (float)x;
        } else if (kl == 15 && memcmp(k, "low_freq_factor", 15) == 0 && llm__js_num(s, n, w, &x) && x > 0 && x < 1e6) {
            c->rope_low_freq_factor = (float)x;
        } else if (kl == 16 && memcmp(k, "high_freq_factor", 16) == 0 && llm__js_num(s, n, w, &x) && x > 0 &&
                   x < 1e6) {
            c->rope_high_freq_factor = (float)x;
        } else if (kl == 32 && memcmp(k, "original_max_position_embeddings", 32) == 0 &&
                   llm__js_uint(s, n, w, 0x7fffffff, &u) && u > 0) {
            c->rope_orig_max_pos = (int)u;
        } else if (kl == 10 && memcmp(k, "rope_theta", 10) == 0 && theta && llm__js_num(s, n, w, &x) && x > 0 &&
                   x < 1e30) {
            *theta = (float)x;
        } else if (kl == 21 && memcmp(k, "partial_rotary_factor", 21) == 0 && llm__js_num(s, n, w, &x) && x == 1) {
            /* (RoPE over the whole head, as llm.h does) */
        } else {
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: %s key \"%.*s\" is not supported (or its value)",
                             theta ? "rope_parameters" : "rope_scaling", (int)LLM__MIN(kl, 60), k);
        }
    }
    if (type < 0 && theta) type = LLM_ROPE_DEFAULT;
    if (type < 0) return llm__fail(err, LLM_ERR_FORMAT, "config.json: rope_scaling without rope_type");
    c->rope_type = type;
    if (type == LLM_ROPE_DEFAULT) { c->rope_factor = c->rope_low_freq_factor = c->rope_high_freq_factor = 0; }
    else if (!(c->rope_factor > 0)) return llm__fail(err, LLM_ERR_FORMAT, "config.json: rope_scaling without a factor");
    if (type == LLM_ROPE_LLAMA3) {   /* (transformers requires them; these are its checks) */
        if (!(c->rope_low_freq_factor > 0) || !(c->rope_high_freq_factor > c->rope_low_freq_factor) ||
            c->rope_orig_max_pos <= 0)
            return llm__fail(err, LLM_ERR_FORMAT, "config.json: llama3 rope_scaling needs low_freq_factor < "
                             "high_freq_factor and original_max_position_embeddings");
    } else {
        c->rope_low_freq_factor = c->rope_high_freq_factor = 0;
        c->rope_orig_max_pos = 0;
    }
    return LLM_OK;
}
/* Gemma 3's layer kinds: layer_types ["sliding_attention" | "full_attention", ...] must be
   every p-th layer global ((l + 1) % p == 0), as sliding_window_pattern says */
static llm_status llm__hf_layer_types(const unsigned char *s, size_t n, size_t v, llm_config *c, int *pattern,
                                      int gemma, llm_error *err) {
    unsigned char kinds[LLM_MAX_LAYERS];
    size_t i = v, e;
    int l = 0, p;
    if (llm__js_is(s, n, v, "null")) return LLM_OK;
    if (s[v] != '[') return llm__fail(err, LLM_ERR_FORMAT, "config.json: layer_types is not an array");
    while (llm__js_elem(s, n, &i, &e)) {
        if (l >= c->n_layer || l >= LLM_MAX_LAYERS)
            return llm__fail(err, LLM_ERR_FORMAT, "config.json: layer_types has more than %d entries", c->n_layer);
        if (llm__js_streq(s, n, e, "full_attention")) kinds[l++] = 1;
        else if (llm__js_streq(s, n, e, "sliding_attention") && gemma) kinds[l++] = 0;
        else
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: layer_types entry %.*s is not supported here",
                             (int)LLM__MIN(llm__js_skip(s, n, e, 0) - e, 40), (const char *)s + e);
    }
    if (l != c->n_layer)
        return llm__fail(err, LLM_ERR_FORMAT, "config.json: layer_types has %d entries for %d layers", l, c->n_layer);
    if (!gemma) return LLM_OK;
    for (p = 0; p <= c->n_layer + 1; p++) {   /* the declared pattern first, then any (layer_types decides) */
        const int q = p == 0 ? *pattern : p;
        int j;
        if (q <= 0) continue;
        for (j = 0; j < l && kinds[j] == ((j + 1) % q == 0); j++) {}
        if (j == l) { *pattern = q; return LLM_OK; }
    }
    return llm__fail(err, LLM_ERR_UNSUPPORTED,
                     "config.json: layer_types is not every p-th layer global (the pattern llm.h runs)");
}

/* config.json -> llm_config (GPT2LMHeadModel, or model_type llama, qwen2, qwen3, gemma3_text;
   what llm.h cannot run is refused naming it: another activation, rope type, biases where the
   family has none, soft-capping, sliding windows outside Gemma 3, an unknown key). */
static llm_status llm__hf_config(const unsigned char *s, size_t n, llm_config *c, llm_error *err) {
    size_t o, v, bad;
    double x;
    int gpt2, pattern = 0;
    static const char *const types[5] = { "llama", "qwen2", "qwen3", "gemma3_text", "gpt2" };
    static const char *const classes[5] = { "LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
                                            "Gemma3ForCausalLM", "GPT2LMHeadModel" };
    static const llm_arch archs[5] = { LLM_ARCH_LLAMA, LLM_ARCH_QWEN2, LLM_ARCH_QWEN3, LLM_ARCH_GEMMA3, LLM_ARCH_GPT2 };
    int fam;
    memset(c, 0, sizeof *c);
    if (!llm__js_check_at(s, n, &bad))
        return llm__fail(err, LLM_ERR_FORMAT, "config.json: not a JSON object (malformed at byte %llu of %llu)",
                         (unsigned long long)bad, (unsigned long long)n);
    o = llm__skip_ws(s, n, 0);
    v = llm__js_get(s, n, o, "model_type");
    for (fam = 0; fam < 5 && !(v != (size_t)-1 && llm__js_streq(s, n, v, types[fam])); fam++) {}
    if (fam == 5) {
        if (v != (size_t)-1 && s[v] == '"')
            return llm__fail(err, LLM_ERR_UNSUPPORTED,
                             "config.json: model_type %.*s is not supported (gpt2, llama, qwen2, qwen3, gemma3_text "
                             "are)",
                             (int)LLM__MIN(llm__js_skip(s, n, v, 0) - v, 40), (const char *)s + v);
        return llm__fail(err, LLM_ERR_UNSUPPORTED,
                         "config.json: no model_type (gpt2, llama, qwen2, qwen3, gemma3_text)");
    }
    c->arch = archs[fam];
    gpt2 = c->arch == LLM_ARCH_GPT2;
    if ((v = llm__js_get(s, n, o, "architectures")) != (size_t)-1 && !llm__js_is(s, n, v, "null")) {
        size_t i = v, e;
        if (s[v] != '[') return llm__fail(err, LLM_ERR_FORMAT, "config.json: architectures is not an array");
        while (llm__js_elem(s, n, &i, &e))
            if (!llm__js_streq(s, n, e, classes[fam]))
                return llm__fail(err, LLM_ERR_UNSUPPORTED,
                                 "config.json: architecture %.*s is not supported for model_type %s (%s is)",
                                 (int)LLM__MIN(llm__js_skip(s, n, e, 0) - e, 60), (const char *)s + e, types[fam],
                                 classes[fam]);
    }
    {   /* the numbers: GPT-2's key, the others' key, the field, required */
        static const struct { const char *key[2]; size_t off; int req, is_float; } keys[] = {
            { { "n_layer", "num_hidden_layers" }, offsetof(llm_config, n_layer), 1, 0 },
            { { "n_head", "num_attention_heads" }, offsetof(llm_config, n_head), 1, 0 },
            { { NULL, "num_key_value_heads" }, offsetof(llm_config, n_kv_head), 0, 0 },
            { { "n_embd", "hidden_size" }, offsetof(llm_config, dim), 1, 0 },
            { { "n_inner", "intermediate_size" }, offsetof(llm_config, ffn_dim), 0, 0 },   /* (GPT-2: null = 4 dim) */
            { { "n_ctx", NULL }, offsetof(llm_config, max_seq_len), 0, 0 },
            { { "n_positions", "max_position_embeddings" }, offsetof(llm_config, max_seq_len), 1, 0 },
            { { "vocab_size", "vocab_size" }, offsetof(llm_config, vocab_size), 1, 0 },
            { { "layer_norm_epsilon", "rms_norm_eps" }, offsetof(llm_config, norm_eps), 0, 1 },
            { { NULL, "rope_theta" }, offsetof(llm_config, rope_theta), 0, 1 },
        };
        size_t k;
        for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const char *key = keys[k].key[gpt2 ? 0 : 1];
            unsigned char *field = (unsigned char *)c + keys[k].off;
            uint64_t u;
            if (!key) continue;
            v = llm__js_get(s, n, o, key);
            if (keys[k].is_float && v != (size_t)-1 && llm__js_num(s, n, v, &x)) {
                const float f = (float)x;
                memcpy(field, &f, sizeof f);
            } else if (!keys[k].is_float && v != (size_t)-1 && llm__js_uint(s, n, v, 0x7fffffff, &u)) {
                const int i = (int)u;
                memcpy(field, &i, sizeof i);
            } else if (keys[k].req || (!gpt2 && keys[k].off == offsetof(llm_config, ffn_dim))) {
                return llm__fail(err, LLM_ERR_FORMAT, "config.json: %s missing or invalid", key);
            }
        }
    }
    if (gpt2) {
        v = llm__js_get(s, n, o, "activation_function");
        if (v != (size_t)-1 && !llm__js_streq(s, n, v, "gelu_new") && !llm__js_streq(s, n, v, "gelu_pytorch_tanh"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: activation_function must be gelu_new (tanh GELU)");
        return LLM_OK;
    }
    {   /* every other key: read below, or on the ignored list, or refused */
        static const char *const used[] = {
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "hidden_size", "intermediate_size",
            "max_position_embeddings", "vocab_size", "rms_norm_eps", "rope_theta", "tie_word_embeddings", "hidden_act",
            "hidden_activation", "rope_scaling", "attention_bias", "mlp_bias", "head_dim", "use_sliding_window",
            "sliding_window", "layer_types", "sliding_window_pattern", "_sliding_window_pattern",
            "query_pre_attn_scalar", "rope_local_base_freq", "attn_logit_softcapping", "final_logit_softcapping",
            "rope_interleaved", "attention_dropout", "use_bidirectional_attention", "rope_parameters"
        };
        size_t i = o, ks, ke, w, j;
        while (llm__js_member(s, n, &i, &ks, &ke, &w)) {
            int known = 0;
            for (j = 0; j < sizeof used / sizeof used[0] && !known; j++)
                known = strlen(used[j]) == ke - ks && memcmp(used[j], s + ks, ke - ks) == 0;
            for (j = 0; j < sizeof llm__hf_ignored / sizeof llm__hf_ignored[0] && !known; j++)
                known = strlen(llm__hf_ignored[j]) == ke - ks && memcmp(llm__hf_ignored[j], s + ks, ke - ks) == 0;
            if (!known)
                return llm__fail(err, LLM_ERR_UNSUPPORTED,
                                 "config.json: key \"%.*s\" is not supported (llm.h cannot tell that it leaves the "
                                 "model's math alone)", (int)LLM__MIN(ke - ks, 60), (const char *)s + ks);
        }
    }
#define LLM__IS(key, lit) ((v = llm__js_get(s, n, o, key)) != (size_t)-1 && llm__js_is(s, n, v, lit))
#define LLM__HAS(key) ((v = llm__js_get(s, n, o, key)) != (size_t)-1 && !llm__js_is(s, n, v, "null"))
    {
        const int gemma = c->arch == LLM_ARCH_GEMMA3;
        const char *act = gemma ? "gelu_pytorch_tanh" : "silu";
        /* tie_word_embeddings: transformers' default is untied, but tied for Gemma 3 */
        c->untied_head = gemma ? LLM__IS("tie_word_embeddings", "false") : !LLM__IS("tie_word_embeddings", "true");
        if ((LLM__HAS("hidden_act") && !llm__js_streq(s, n, v, act)) ||
            (LLM__HAS("hidden_activation") && !llm__js_streq(s, n, v, act)) ||
            (!gemma && LLM__HAS("hidden_activation")))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: the activation of %s must be %s", types[fam], act);
        if ((v = llm__js_get(s, n, o, "rope_scaling")) != (size_t)-1 &&
            llm__hf_rope_scaling(s, n, v, c, NULL, err) != LLM_OK)
            return err ? err->status : LLM_ERR_UNSUPPORTED;
        if ((v = llm__js_get(s, n, o, "rope_parameters")) != (size_t)-1 && !llm__js_is(s, n, v, "null")) {
            /* transformers 5: the RoPE settings (Gemma 3: per layer kind) */
            const size_t full = llm__js_get(s, n, v, "full_attention");
            const size_t slid = llm__js_get(s, n, v, "sliding_attention");
            size_t i = v, ks, ke, w;
            llm_config tmp;
            if (full == (size_t)-1 && slid == (size_t)-1) {
                if (llm__hf_rope_scaling(s, n, v, c, &c->rope_theta, err) != LLM_OK)
                    return err ? err->status : LLM_ERR_UNSUPPORTED;
            } else {
                while (llm__js_member(s, n, &i, &ks, &ke, &w))
                    if (!((ke - ks == 14 && memcmp(s + ks, "full_attention", 14) == 0) ||
                          (gemma && ke - ks == 17 && memcmp(s + ks, "sliding_attention", 17) == 0)))
                        return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: rope_parameters for \"%.*s\"",
                                         (int)LLM__MIN(ke - ks, 40), (const char *)s + ks);
                if (full != (size_t)-1 && llm__hf_rope_scaling(s, n, full, c, &c->rope_theta, err) != LLM_OK)
                    return err ? err->status : LLM_ERR_UNSUPPORTED;
                memset(&tmp, 0, sizeof tmp);
                if (slid != (size_t)-1 && llm__hf_rope_scaling(s, n, slid, &tmp, &c->rope_local_theta, err) != LLM_OK)
                    return err ? err->status : LLM_ERR_UNSUPPORTED;
                if (tmp.rope_type != LLM_ROPE_DEFAULT)
                    return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: scaled RoPE on sliding layers");
            }
        }
        /* (Qwen2 has q/k/v biases whatever attention_bias says: transformers does not read it there) */
        if (c->arch != LLM_ARCH_QWEN2 && LLM__HAS("attention_bias") && !LLM__IS("attention_bias", "false"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: attention_bias is not supported for %s",
                             types[fam]);
        if (LLM__HAS("mlp_bias") && !LLM__IS("mlp_bias", "false"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: mlp_bias is not supported");
        if (LLM__HAS("rope_interleaved") && !LLM__IS("rope_interleaved", "false"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: rope_interleaved is not supported");
        if (LLM__HAS("use_bidirectional_attention") && !LLM__IS("use_bidirectional_attention", "false"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: use_bidirectional_attention is not supported");
        if (LLM__HAS("attn_logit_softcapping") || LLM__HAS("final_logit_softcapping"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: logit soft-capping is not supported");
        if (LLM__HAS("attention_dropout") && !(llm__js_num(s, n, v, &x) && x == 0))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: attention_dropout other than 0 is not supported");
        if (LLM__HAS("use_sliding_window") && !LLM__IS("use_sliding_window", "false"))
            return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: use_sliding_window is not supported for %s",
                             types[fam]);
        if (LLM__HAS("head_dim")) {
            uint64_t hd;
            if (!llm__js_uint(s, n, v, 65536, &hd) || hd == 0)
                return llm__fail(err, LLM_ERR_FORMAT, "config.json: head_dim invalid");
            c->head_dim = (int)hd;
        } else if (gemma) c->head_dim = 256;   /* (transformers' defaults) */
        else if (c->arch == LLM_ARCH_QWEN3) c->head_dim = 128;
        if (c->head_dim && c->n_head > 0 && c->dim % c->n_head == 0 && c->head_dim == c->dim / c->n_head)
            c->head_dim = 0;   /* (the default) */
        if (!gemma) {   /* sliding windows: Qwen's apply only with use_sliding_window (refused above) */
            if ((v = llm__js_get(s, n, o, "layer_types")) != (size_t)-1 &&
                llm__hf_layer_types(s, n, v, c, &pattern, 0, err) != LLM_OK)
                return err ? err->status : LLM_ERR_UNSUPPORTED;
            if (c->arch == LLM_ARCH_LLAMA && LLM__HAS("sliding_window"))
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: sliding_window is not supported for llama");
            if (LLM__HAS("query_pre_attn_scalar") || LLM__HAS("rope_local_base_freq") ||
                LLM__HAS("sliding_window_pattern") || LLM__HAS("_sliding_window_pattern"))
                return llm__fail(err, LLM_ERR_UNSUPPORTED, "config.json: Gemma keys in a %s config", types[fam]);
        } else {
            float qs = 256;
            uint64_t u;
            if (c->rope_theta == 0) c->rope_theta = 1000000.0f;
            if (c->rope_local_theta == 0) c->rope_local_theta = 10000.0f;
            if (llm__hf_float(s, n, o, "rope_local_base_freq", &c->rope_local_theta) < 0 ||
                llm__hf_float(s, n, o, "query_pre_attn_scalar", &qs) < 0 || !(qs > 0) || !(c->rope_local_theta > 0))
                return llm__fail(err, LLM_ERR_FORMAT, "config.json: rope_local_base_freq or query_pre_attn_scalar");
            c->attn_scale = (float)(1.0 / sqrt((double)qs));   /* (Python: query_pre_attn_scalar ** -0.5) */
            c->sliding_window = 4096;
            if (LLM__HAS("sliding_window")) {
                if (!llm__js_uint(s, n, v, 0x7fffffff, &u) || u == 0)
                    return llm__fail(err, LLM_ERR_FORMAT, "config.json: sliding_window invalid");
                c->sliding_window = (int)u;
            }
            pattern = 6;
            if (LLM__HAS("sliding_window_pattern") || LLM__HAS("_sliding_window_pattern")) {
                if (!llm__js_uint(s, n, v, LLM_MAX_LAYERS + 1, &u) || u == 0)
                    return llm__fail(err, LLM_ERR_FORMAT, "config.json: sliding_window_pattern invalid");
                pattern = (int)u;
            }
            if ((v = llm__js_get(s, n, o, "layer_types")) != (size_t)-1 &&
                llm__hf_layer_types(s, n, v, c, &pattern, 1, err) != LLM_OK)
                return err ? err->status : LLM_ERR_UNSUPPORTED;
            c->sliding_pattern = pattern;
            if (c->norm_eps == 0) c->norm_eps = 1e-6f;
        }
    }
#undef LLM__IS
#undef LLM__HAS
    return LLM_OK;
}

/* Loads a Hugging Face model directory. */
static llm_status llm__load_hf(const char *dir, const llm_model_desc *d, llm_model **out, llm_error *err) {
    const llm_allocator *a = &d->allocator;
    char *path, hn[160];
    unsigned char *cj = NULL;
    size_t cn = 0, pl = strlen(dir);
    llm_config c;
    llm_model *m = NULL;
    llm__st h;
    llm_status st;
    float *tmp = NULL;
    size_t tmp_n = 0;
    int i;
    *out = NULL;
    if (!(path = (char *)llm__alloc(a, pl + 32))) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    snprintf(path, pl + 32, "%s/config.json", dir);
    st = llm_read_file(path, a, (void **)&cj, &cn, err);
    if (st == LLM_OK) st = llm__hf_config(cj, cn, &c, err);
    llm__dealloc(a, cj);
    if (st == LLM_OK) st = llm__file_config(&c, err);
    if (st != LLM_OK) { llm__dealloc(a, path); return st; }
    if ((st = llm__st_open(&h, dir, a, !d->no_mmap, err)) != LLM_OK) { llm__dealloc(a, path); return st; }
    {
        uint64_t held = 0;
        size_t k;
        uint64_t bytes = 0;
        for (k = 0; k < h.n_t; k++)
            held += h.t[k].dtype < 0 ? 0 : h.t[k].bytes / (h.t[k].dtype == LLM_TYPE_F32 ? 4 : 2);
        for (k = 0; k < (size_t)h.n_src; k++) bytes += h.src[k].size;
        st = llm__check_param_count(&c, held, bytes / 2 * 9 / 16 + 1, "safetensors", err);   /* (2 values/byte) */
    }
    if (st == LLM_OK) st = llm__model_alloc(&c, a, d->log_fn, d->log_user_data, &m, err);
    for (i = 0; st == LLM_OK && i < m->n_tensors; i++) {
        const llm_tensor_info *ti = &m->tensors[i];
        const int64_t rows = ti->n_dims == 2 ? llm__saved_rows(m, ti) : 1,
                      cols = ti->n_dims == 2 ? ti->shape[1] : ti->shape[0];
        const int how = llm__hf_name(m, ti->name, hn, sizeof hn);
        const int64_t hs = llm__io_hs(&c);
        const int vec = ti->n_dims == 1 && (how & LLM__HF_PERMUTE);   /* (a vector permuted: rows = its length) */
        const llm__st_tensor *t = how < 0 ? NULL : llm__st_find(&h, hn);
        const unsigned char *raw;
        unsigned char *buf = NULL;
        int64_t r, cc;
        float *dst = m->params + ti->offset;
        if (!t && how >= 0 && c.arch == LLM_ARCH_GPT2 && strncmp(hn, "transformer.", 12) == 0)
            t = llm__st_find(&h, hn + 12);
        if (!t) {
            st = llm__fail(err, LLM_ERR_FORMAT, "safetensors: tensor '%s' missing", how < 0 ? ti->name : hn);
            break;
        }
        if (t->dtype < 0) {
            st = llm__fail(err, LLM_ERR_UNSUPPORTED, "safetensors: '%s' is not F32, F16 or BF16", hn);
            break;
        }
        if ((ti->n_dims == 1 && (t->n_dims != 1 || t->shape[0] != cols)) ||
            (ti->n_dims == 2 && (t->n_dims != 2 || t->shape[0] != (how & LLM__HF_TRANSPOSE ? cols : rows) ||
                                 t->shape[1] != (how & LLM__HF_TRANSPOSE ? rows : cols)))) {
            st = llm__fail(err, LLM_ERR_FORMAT,
                           "safetensors: '%s' has shape [%lld, %lld], config.json implies [%lld, %lld]", hn,
                           (long long)t->shape[0], (long long)(t->n_dims > 1 ? t->shape[1] : 0),
                           (long long)(how & LLM__HF_TRANSPOSE ? cols : rows),
                           (long long)(how & LLM__HF_TRANSPOSE ? rows : cols));
            break;
        }
        if (h.src[t->file].mem) raw = h.src[t->file].mem + t->off;   /* mapped (or in memory): read in place */
        else {
            if (!(buf = (unsigned char *)llm__alloc(a, (size_t)t->bytes + 1))) {
                st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
                break;
            }
            if ((st = llm__src_read(&h.src[t->file], t->off, buf, (size_t)t->bytes, err)) != LLM_OK) {
                llm__dealloc(a, buf);
                break;
            }
            raw = buf;
        }
        if (!(how & (LLM__HF_TRANSPOSE | LLM__HF_PERMUTE))) llm__dequant_row(t->dtype, raw, dst, (size_t)(rows * cols));
        else {
            if ((size_t)(rows * cols) > tmp_n) {
                llm__dealloc(a, tmp);
                tmp_n = (size_t)(rows * cols);
                if (!(tmp = (float *)llm__alloc(a, tmp_n * sizeof(float)))) {
                    llm__dealloc(a, buf);
                    st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
                    break;
                }
            }
            llm__dequant_row(t->dtype, raw, tmp, (size_t)(rows * cols));
            for (r = 0; r < rows; r++)
                for (cc = 0; cc < cols; cc++)
                    dst[r * cols + cc] = tmp[vec ? llm__hf_index(how, cols, 1, hs, cc, 0)
                                                 : llm__hf_index(how, rows, cols, hs, r, cc)];
        }
        if (how & LLM__HF_PLUS1)   /* Gemma: 1 + w in fp32, as transformers computes it */
            for (r = 0; r < rows * cols; r++) dst[r] = 1.0f + dst[r];
        llm__dealloc(a, buf);
    }
    llm__dealloc(a, tmp);
    llm__st_close(&h);
    if (st == LLM_OK) {   /* the tokenizer beside it, when there is one */
        llm_tokenizer_desc td;
        llm_tokenizer *tok = NULL;
        llm_error e2;
        static const char *const files[4] = { "/tokenizer.json", "/vocab.json", "/tokenizer.model", "/encoder.json" };
        int k;
        FILE *fp = NULL;
        for (k = 0; k < 4 && !fp; k++) {
            snprintf(path, pl + 32, "%s%s", dir, files[k]);
            fp = llm__fopen(path, "rb");
        }
        if (fp) {
            fclose(fp);
            memset(&td, 0, sizeof td);
            td.allocator = *a; td.log_fn = d->log_fn; td.log_user_data = d->log_user_data;
            if (llm_tokenizer_load(dir, &td, &tok, &e2) == LLM_OK && tok->n <= c.vocab_size &&
                llm__tokenizer_pad(tok, c.vocab_size, &e2) == LLM_OK)
                m->tokenizer = tok;
            else {
                llm__log(d->log_fn, d->log_user_data, 1, "llm.h: the tokenizer beside the model is not used: %s",
                         tok ? "its vocabulary size differs" : e2.message);
                llm_tokenizer_free(tok);
            }
        }
    }
    llm__dealloc(a, path);
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

/* ---- export: safetensors + config.json ---- */
/* a float as JSON, independent of the C locale's decimal point */
static void llm__js_float(char *out, size_t cap, double x) {
    char *p;
    snprintf(out, cap, "%.9g", x);
    for (p = out; *p; p++) if (*p == ',') *p = '.';
}
static llm_status llm__safetensors_export(const llm_model *m, const char *dir, const llm_export_desc *d,
                                          llm_error *err) {
    const llm_config *c = &m->cfg;
    const int ty = d->type == 0 ? LLM_TYPE_F32 : (int)d->type;
    const char *dtn = ty == LLM_TYPE_F32 ? "F32" : ty == LLM_TYPE_F16 ? "F16" : "BF16";
    const size_t esz = ty == LLM_TYPE_F32 ? 4 : 2, pl = strlen(dir);
    const int64_t hs = llm__io_hs(c);
    char *path = NULL, *hdr = NULL, hn[160], num[64];
    size_t hcap = 0, hlen = 0, i;
    uint64_t off = 0;
    unsigned char *row = NULL;
    float *tmp = NULL;
    FILE *f = NULL;
    llm_status st = LLM_OK;
    int k;
    if (ty != LLM_TYPE_F32 && ty != LLM_TYPE_F16 && ty != LLM_TYPE_BF16)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "safetensors export writes F32, F16 or BF16 (asked: %s)",
                         llm_type_name(d->type));
    if (llm__mkdir(dir) != 0) return llm__fail(err, LLM_ERR_IO, "cannot create the directory '%s'", dir);
    if (!(path = (char *)llm__alloc(&m->alloc, pl + 32))) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    /* config.json */
    {
        const size_t cap = 4096 + 24 * (size_t)c->n_layer;
        char *cfg = (char *)llm__alloc(&m->alloc, cap);
        size_t n = 0;
        int l;
        if (!cfg) { llm__dealloc(&m->alloc, path); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); }
#define LLM__CP(...) do { int w_ = snprintf(cfg + n, n < cap ? cap - n : 0, __VA_ARGS__); \
        if (w_ > 0) n += (size_t)w_; } while (0)
        llm__js_float(num, sizeof num, c->norm_eps);
        if (c->arch == LLM_ARCH_GPT2)
            LLM__CP("{\n  \"architectures\": [\"GPT2LMHeadModel\"],\n  \"model_type\": \"gpt2\",\n"
                    "  \"n_layer\": %d,\n  \"n_head\": %d,\n  \"n_embd\": %d,\n  \"n_inner\": %d,\n"
                    "  \"n_positions\": %d,\n  \"n_ctx\": %d,\n  \"vocab_size\": %d,\n  \"layer_norm_epsilon\": %s,\n"
                    "  \"activation_function\": \"gelu_new\",\n  \"tie_word_embeddings\": true,\n",
                    c->n_layer, c->n_head, c->dim, c->ffn_dim, c->max_seq_len, c->max_seq_len, c->vocab_size, num);
        else {
            static const char *const cls[6] = { "", "", "LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
                                                "Gemma3ForCausalLM" };
            static const char *const mt[6] = { "", "", "llama", "qwen2", "qwen3", "gemma3_text" };
            const int a = (int)c->arch >= 2 && (int)c->arch <= 5 ? (int)c->arch : 2;
            char th[64];
            llm__js_float(th, sizeof th, c->rope_theta);
            LLM__CP("{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"%s\",\n"
                    "  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n"
                    "  \"hidden_size\": %d,\n  \"intermediate_size\": %d,\n  \"max_position_embeddings\": %d,\n"
                    "  \"vocab_size\": %d,\n  \"rms_norm_eps\": %s,\n  \"rope_theta\": %s,\n  \"%s\": \"%s\",\n"
                    "  \"tie_word_embeddings\": %s,\n  \"head_dim\": %d,\n",
                    cls[a], mt[a], c->n_layer, c->n_head, c->n_kv_head, c->dim, c->ffn_dim, c->max_seq_len,
                    c->vocab_size, num, th, c->arch == LLM_ARCH_GEMMA3 ? "hidden_activation" : "hidden_act",
                    c->arch == LLM_ARCH_GEMMA3 ? "gelu_pytorch_tanh" : "silu", c->untied_head ? "false" : "true",
                    (int)hs);
            if (c->arch != LLM_ARCH_QWEN2) LLM__CP("  \"attention_bias\": false,\n");
            if (c->rope_type == LLM_ROPE_LINEAR) {
                llm__js_float(th, sizeof th, c->rope_factor);
                LLM__CP("  \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": %s},\n", th);
            } else if (c->rope_type == LLM_ROPE_LLAMA3) {
                char lo[64], hi[64];
                llm__js_float(th, sizeof th, c->rope_factor);
                llm__js_float(lo, sizeof lo, c->rope_low_freq_factor > 0 ? c->rope_low_freq_factor : 1.0f);
                llm__js_float(hi, sizeof hi, c->rope_high_freq_factor > 0 ? c->rope_high_freq_factor : 4.0f);
                LLM__CP("  \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": %s, \"low_freq_factor\": %s, "
                        "\"high_freq_factor\": %s, \"original_max_position_embeddings\": %d},\n",
                        th, lo, hi, c->rope_orig_max_pos > 0 ? c->rope_orig_max_pos : 8192);
            } else LLM__CP("  \"rope_scaling\": null,\n");
            if (c->arch == LLM_ARCH_GEMMA3) {
                /* query_pre_attn_scalar: the value whose ^-0.5 is attn_scale (0: head_dim) */
                const double qs =
                    c->attn_scale > 0 ? 1.0 / ((double)c->attn_scale * (double)c->attn_scale) : (double)hs;
                const int p = c->sliding_pattern > 0 ? c->sliding_pattern : 6;
                llm__js_float(th, sizeof th, c->rope_local_theta > 0 ? c->rope_local_theta : 10000.0f);
                LLM__CP("  \"rope_local_base_freq\": %s,\n  \"query_pre_attn_scalar\": %.17g,\n", th,
                        fabs(qs - floor(qs + 0.5)) < 1e-3 * qs ? floor(qs + 0.5) : qs);
                LLM__CP("  \"sliding_window\": %d,\n  \"sliding_window_pattern\": %d,\n  \"layer_types\": [",
                        c->sliding_window > 0 ? c->sliding_window : c->max_seq_len, p);
                for (l = 0; l < c->n_layer; l++)
                    LLM__CP("%s\"%s\"", l ? ", " : "",
                            c->sliding_window > 0 && (l + 1) % p ? "sliding_attention" : "full_attention");
                LLM__CP("],\n  \"attn_logit_softcapping\": null,\n  \"final_logit_softcapping\": null,\n");
            }
        }
        if (m->tokenizer && m->tokenizer->bos >= 0) LLM__CP("  \"bos_token_id\": %d,\n", (int)m->tokenizer->bos);
        if (m->tokenizer && m->tokenizer->eos >= 0) LLM__CP("  \"eos_token_id\": %d,\n", (int)m->tokenizer->eos);
        LLM__CP("  \"torch_dtype\": \"%s\"\n}\n", ty == LLM_TYPE_F32 ? "float32" : ty == LLM_TYPE_F16 ? "float16"
                                                                                                : "bfloat16");
#undef LLM__CP
        snprintf(path, pl + 32, "%s/config.json", dir);
        if (n >= cap) st = llm__fail(err, LLM_ERR_INVALID_ARG, "config too long");
        else st = llm__write_file(path, cfg, n, err);
        llm__dealloc(&m->alloc, cfg);
    }
    /* the header: every table tensor under its Hugging Face name, in table order */
    for (k = 0; st == LLM_OK && k < 2; k++) {   /* pass 0 sizes the header, pass 1 writes it */
        hlen = 0;
#define LLM__HP(...) do { int w_ = snprintf(hdr ? hdr + hlen : NULL, hdr ? hcap - hlen : 0, __VA_ARGS__); \
        if (w_ > 0) hlen += (size_t)w_; } while (0)
        LLM__HP("{\"__metadata__\":{\"format\":\"pt\"}");
        off = 0;
        for (i = 0; i < (size_t)m->n_tensors; i++) {
            const llm_tensor_info *ti = &m->tensors[i];
            const int64_t rows = ti->n_dims == 2 ? llm__saved_rows(m, ti) : 1,
                          cols = ti->n_dims == 2 ? ti->shape[1] : ti->shape[0];
            const int how = llm__hf_name(m, ti->name, hn, sizeof hn);
            const uint64_t bytes = (uint64_t)(rows * cols) * esz;
            if (how < 0) continue;
            if (ti->n_dims == 1) LLM__HP(",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld]", hn, dtn, (long long)cols);
            else
                LLM__HP(",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld,%lld]", hn, dtn,
                        (long long)(how & LLM__HF_TRANSPOSE ? cols : rows),
                        (long long)(how & LLM__HF_TRANSPOSE ? rows : cols));
            LLM__HP(",\"data_offsets\":[%llu,%llu]}", (unsigned long long)off, (unsigned long long)(off + bytes));
            off += bytes;
        }
        LLM__HP("}");
#undef LLM__HP
        while (hlen % 8) { if (hdr) hdr[hlen] = ' '; hlen++; }   /* the data starts 8-aligned */
        if (k == 0 && !(hdr = (char *)llm__alloc(&m->alloc, (hcap = hlen + 64))))
            st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    snprintf(path, pl + 32, "%s/model.safetensors.tmp", dir);
    if (st == LLM_OK && !(f = llm__fopen(path, "wb"))) st = llm__fail(err, LLM_ERR_IO, "cannot create '%s'", path);
    if (st == LLM_OK) {
        unsigned char b8[8];
        int bad = 0;
        for (k = 0; k < 8; k++) b8[k] = (unsigned char)((uint64_t)hlen >> (8 * k));
        bad |= fwrite(b8, 1, 8, f) != 8 || fwrite(hdr, 1, hlen, f) != hlen;
        for (i = 0; !bad && st == LLM_OK && i < (size_t)m->n_tensors; i++) {
            const llm_tensor_info *ti = &m->tensors[i];
            const int64_t rows = ti->n_dims == 2 ? llm__saved_rows(m, ti) : 1,
                          cols = ti->n_dims == 2 ? ti->shape[1] : ti->shape[0];
            const int how = llm__hf_name(m, ti->name, hn, sizeof hn);
            const float *src = m->params + ti->offset;
            const int vec = ti->n_dims == 1 && (how & LLM__HF_PERMUTE);   /* (a permuted vector) */
            int64_t r, cc, orows = how & LLM__HF_TRANSPOSE ? cols : rows,
                           ocols = how & LLM__HF_TRANSPOSE ? rows : cols;
            if (how < 0) continue;
            llm__dealloc(&m->alloc, row); llm__dealloc(&m->alloc, tmp);
            row = (unsigned char *)llm__alloc(&m->alloc, (size_t)ocols * esz);
            tmp = (float *)llm__alloc(&m->alloc, (size_t)ocols * sizeof(float));
            if (!row || !tmp) { st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); break; }
            for (r = 0; r < orows && !bad; r++) {   /* output row r: gather its values from the table's layout */
                for (cc = 0; cc < ocols; cc++) {
                    /* the table element whose stored index is r*ocols + cc */
                    int64_t tr, tc;
                    if (how & LLM__HF_TRANSPOSE) { tr = cc; tc = r; }
                    else if (vec) { tr = 0; tc = llm__pair_of_half(cc, hs); }
                    else if (how & LLM__HF_PERMUTE) { tr = llm__pair_of_half(r, hs); tc = cc; }
                    else { tr = r; tc = cc; }
                    tmp[cc] = src[tr * cols + tc];
                    if (how & LLM__HF_PLUS1) tmp[cc] -= 1.0f;   /* (Gemma: the file holds w of 1 + w) */
                }
                llm__quant_row(ty, tmp, row, (size_t)ocols);
                bad |= fwrite(row, 1, (size_t)ocols * esz, f) != (size_t)ocols * esz;
            }
        }
        if (fclose(f) != 0) bad = 1;
        if (st == LLM_OK && bad) st = llm__fail(err, LLM_ERR_IO, "cannot write '%s'", path);
        if (st == LLM_OK) {
            char *fin = (char *)llm__alloc(&m->alloc, pl + 32);
            if (!fin) st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
            else {
                snprintf(fin, pl + 32, "%s/model.safetensors", dir);
                if (llm__rename(path, fin) != 0) {
                    llm__remove(fin);
                    if (llm__rename(path, fin) != 0) st = llm__fail(err, LLM_ERR_IO, "cannot write '%s'", fin);
                }
                llm__dealloc(&m->alloc, fin);
            }
        }
        if (st != LLM_OK) llm__remove(path);
    }
    llm__dealloc(&m->alloc, row); llm__dealloc(&m->alloc, tmp);
    llm__dealloc(&m->alloc, hdr); llm__dealloc(&m->alloc, path);
    if (st == LLM_OK) llm__ok(err);
    return st;
}

static llm_status llm__model_load(llm__src *src, const llm_model_desc *desc, llm_model **out, llm_error *err) {
    llm_model_desc d;
    unsigned char hdr[32];
    llm_status st;
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    memset(hdr, 0, sizeof hdr);
    if (src->size < 28)
        return llm__fail(err, LLM_ERR_FORMAT, "%llu bytes: too small to be a model file",
                         (unsigned long long)src->size);
    if ((st = llm__src_read(src, 0, hdr, (size_t)LLM__MIN(src->size, 32), err)) != LLM_OK) return st;
    if (memcmp(hdr, "GGUF", 4) == 0) st = llm__load_gguf(src, &d, out, err);
    else if (hdr[8] == '{' && llm__rd_u64(hdr) < src->size && hdr[9] == '"')
        st = llm__fail(err, LLM_ERR_UNSUPPORTED,
                       "a safetensors file needs its config.json: load the directory that holds both");
    else if (llm__rd_u32(hdr) == 20240326u) {
        if (src->size < 1024) st = llm__fail(err, LLM_ERR_FORMAT, "llm.c checkpoint truncated in its 1024-byte header");
        else st = llm__load_llmc(src, hdr, &d, out, err);
    } else st = llm__load_llama2c(src, hdr, &d, out, err);
    if (st == LLM_OK) {
        llm__log(d.log_fn, d.log_user_data, 2, "llm.h: loaded %s model, %d layers, dim %d, vocab %d",
                 llm__arch_name((*out)->cfg.arch), (*out)->cfg.n_layer, (*out)->cfg.dim, (*out)->cfg.vocab_size);
        llm__ok(err);
    }
    return st;
}
/* 1 when path is a directory holding config.json, or a .safetensors file (dir gets its
   directory) */
static int llm__hf_path(const char *path, char *dir, size_t cap) {
    const size_t pl = strlen(path);
    FILE *f;
    if (pl + 16 > cap) return 0;
    memcpy(dir, path, pl);
    memcpy(dir + pl, "/config.json", 13);
    if ((f = llm__fopen(dir, "rb")) != NULL) { fclose(f); dir[pl] = 0; return 1; }
    if (pl > 12 && strcmp(path + pl - 12, ".safetensors") == 0) {
        size_t k = pl;
        while (k > 0 && path[k - 1] != '/' && path[k - 1] != '\\') k--;
        if (k == 0) { memcpy(dir, ".", 2); return 1; }
        dir[k - 1] = 0;
        if (k == 1) memcpy(dir, "/", 2);
        return 1;
    }
    return 0;
}
LLMDEF llm_status llm_model_load(const char *path, const llm_model_desc *desc, llm_model **out, llm_error *err) {
    llm__src src;
    llm_status st;
    llm_model_desc d;
    char dir[4096 + 16];
    if (out) *out = NULL;
    if (!path || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL path or out");
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (llm__hf_path(path, dir, sizeof dir)) {   /* Hugging Face: config.json + safetensors */
        if ((st = llm__load_hf(dir, &d, out, err)) == LLM_OK) {
            llm__log(d.log_fn, d.log_user_data, 2, "llm.h: loaded %s model (safetensors), %d layers, dim %d, vocab %d",
                     llm__arch_name((*out)->cfg.arch), (*out)->cfg.n_layer, (*out)->cfg.dim, (*out)->cfg.vocab_size);
            llm__ok(err);
        }
        return st;
    }
    if ((st = llm__src_open_map(&src, path, NULL, 0, !d.no_mmap, err)) != LLM_OK) return st;
    st = llm__model_load(&src, &d, out, err);
    llm__src_close(&src);
    return st;
}
LLMDEF llm_status llm_model_load_mem(const void *data, size_t size, const llm_model_desc *desc, llm_model **out,
                                     llm_error *err) {
    llm__src src;
    llm_status st;
    if (out) *out = NULL;
    if (!data || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL data or out");
    if ((st = llm__src_open(&src, NULL, data, size, err)) != LLM_OK) return st;
    return llm__model_load(&src, desc, out, err);
}

/* llm.c token shard: int32 header[256] = {20240520, 1, count, ...}, then count uint16 ids. */
LLMDEF llm_status llm_token_shard_load_mem(const void *data, size_t size, const llm_allocator *al, int32_t **tokens,
                                           size_t *count, llm_error *err) {
    const unsigned char *p = (const unsigned char *)data;
    uint32_t magic, version;
    uint64_t n, i;
    int32_t *t;
    if (!tokens || !count) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL tokens or count");
    *tokens = NULL; *count = 0;
    if (!data || size < 1024)
        return llm__fail(err, LLM_ERR_FORMAT, "token shard truncated: %llu bytes, header needs 1024",
                         (unsigned long long)size);
    magic = llm__rd_u32(p); version = llm__rd_u32(p + 4); n = llm__rd_u32(p + 8);
    if (magic != 20240520u)
        return llm__fail(err, LLM_ERR_FORMAT, "not an llm.c token shard (magic %u, expected 20240520)", magic);
    if (version != 1)
        return llm__fail(err, LLM_ERR_UNSUPPORTED, "token shard version %u (only 1 is supported)", version);
    if (n > (size - 1024) / 2)
        return llm__fail(err, LLM_ERR_FORMAT, "token shard truncated: header says %llu tokens, file holds %llu",
                         (unsigned long long)n, (unsigned long long)((size - 1024) / 2));
    if (n == 0) return llm__fail(err, LLM_ERR_FORMAT, "token shard holds no tokens");
    t = (int32_t *)llm__alloc(al, (size_t)n * sizeof(int32_t));
    if (!t) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for %llu tokens", (unsigned long long)n);
    for (i = 0; i < n; i++) t[i] = (int32_t)(p[1024 + 2 * i] | (p[1024 + 2 * i + 1] << 8));
    *tokens = t; *count = (size_t)n;
    llm__ok(err);
    return LLM_OK;
}
LLMDEF llm_status llm_token_shard_load(const char *path, const llm_allocator *al, int32_t **tokens, size_t *count,
                                       llm_error *err) {
    void *data;
    size_t size;
    llm_status st;
    if (!tokens || !count || !path) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL path, tokens or count");
    *tokens = NULL; *count = 0;
    if ((st = llm_read_file(path, al, &data, &size, err)) != LLM_OK) return st;
    st = llm_token_shard_load_mem(data, size, al, tokens, count, err);
    llm__dealloc(al, data);
    return st;
}

/* ---- LoRA adapters as GGUF (llama.cpp's layout) ---------------------------------------------
   general.architecture (the base's), general.type = "adapter", adapter.type = "lora",
   adapter.lora.alpha (f32; llama.cpp takes a missing one as alpha = r); tensors
   "blk.N.<base>.weight.lora_a" (r, in) and ".lora_b" (out, r), ggml order ne = [in, r] and
   [r, out]. */
/* The rows of a lora_b of q or k follow the rotary layout (GGUF qwen2/qwen3/gemma3: halves):
   the head size to permute them by, or 0. */
static int64_t llm__lora_rot_hs(const llm_config *c, const char *name) {
    const size_t l = strlen(name);
    if (!llm__arch_neox(c->arch) || l < 20) return 0;
    if (strcmp(name + l - 20, "attn_q.weight.lora_b") != 0 && strcmp(name + l - 20, "attn_k.weight.lora_b") != 0)
        return 0;
    return llm__io_hs(c);
}
static llm_status llm__lora_writer(const llm_lora *lo, llm__gguf_w **out, llm_error *err) {
    llm__gguf_w *w;
    const char *arch = llm__arch_name(lo->cfg.arch);
    int i;
    if (llm__gguf_w_create(&lo->alloc, &w) != LLM_OK) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    llm__gguf_w_str(w, "general.architecture", arch, strlen(arch));
    llm__gguf_w_str(w, "general.type", "adapter", 7);
    llm__gguf_w_str(w, "adapter.type", "lora", 4);
    llm__gguf_w_f32(w, "adapter.lora.alpha", lo->alpha);
    for (i = 0; i < 2 * lo->n_slots; i++) {
        const llm_tensor_info *t = &lo->tensors[i];
        const int64_t shape[2] = { t->shape[0], t->shape[1] };
        llm__gguf_w_tensor_as(w, t->name, 2, shape, lo->params + t->offset, NULL, LLM__GGUF_TYPE_F32);
        if (!w->oom) w->t[w->n_t - 1].perm_hs = llm__lora_rot_hs(&lo->cfg, t->name);
    }
    *out = w;
    return LLM_OK;
}
LLMDEF llm_status llm_lora_save(const llm_lora *lo, const char *path, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (!lo || !path) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL adapter or path");
    if ((st = llm__lora_writer(lo, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, path, NULL, 0, NULL, err);
}
LLMDEF llm_status llm_lora_save_mem(const llm_lora *lo, void *buf, size_t cap, size_t *size, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (size) *size = 0;
    if (!lo) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL adapter");
    if ((st = llm__lora_writer(lo, &w, err)) != LLM_OK) return st;
    return llm__gguf_w_finish(w, NULL, buf, cap, size, err);
}
/* "blk.N.<name>.weight.lora_a|b": the target it adapts (or NULL), layer and which (0 a, 1 b) */
static const llm__lora_target *llm__lora_parse_name(const llm_config *c, const char *s, size_t n, int *layer,
                                                    int *which) {
    const int gpt2 = c->arch == LLM_ARCH_GPT2, nt = gpt2 ? 4 : 7;
    const llm__lora_target *tt = gpt2 ? llm__lora_gpt2 : llm__lora_llama;
    size_t i = 4, nl;
    long l = 0;
    int k;
    if (n < 4 || memcmp(s, "blk.", 4) != 0 || i >= n || s[i] < '0' || s[i] > '9') return NULL;
    for (; i < n && s[i] >= '0' && s[i] <= '9' && l < 100000; i++) l = l * 10 + (s[i] - '0');
    if (i >= n || s[i] != '.' || l >= c->n_layer) return NULL;
    i++;
    for (k = 0; k < nt; k++) {
        nl = strlen(tt[k].name);
        if (n - i == nl + 14 && memcmp(s + i, tt[k].name, nl) == 0 && memcmp(s + i + nl, ".weight.lora_", 13) == 0 &&
            (s[n - 1] == 'a' || s[n - 1] == 'b')) {
            *layer = (int)l;
            *which = s[n - 1] == 'b';
            return &tt[k];
        }
    }
    return NULL;
}
static llm_status llm__lora_load(const llm_model *m, llm__src *src, const llm_allocator *al, llm_lora **out,
                                 llm_error *err) {
    const llm_config *c = &m->cfg;
    const char *arch = llm__arch_name(c->arch), *sv;
    llm__gguf g;
    llm_lora *lo = NULL;
    llm_status st;
    unsigned targets = 0;
    int rank = 0, i, layer, which;
    size_t k, sl;
    float alpha = 0;
    unsigned char *raw = NULL;
    if ((st = llm__gguf_open(&g, src, al, err)) != LLM_OK) return st;
#define LLM__LERR(...) do { st = llm__fail(err, LLM_ERR_FORMAT, __VA_ARGS__); goto done; } while (0)
    if (!llm__gguf_get_str(&g, "general.type", &sv, &sl) || sl != 7 || memcmp(sv, "adapter", 7) != 0)
        LLM__LERR("LoRA: general.type is not \"adapter\" (a model file, not an adapter?)");
    if (!llm__gguf_get_str(&g, "adapter.type", &sv, &sl) || sl != 4 || memcmp(sv, "lora", 4) != 0)
        LLM__LERR("LoRA: adapter.type is not \"lora\"");
    if (!llm__gguf_get_str(&g, "general.architecture", &sv, &sl) || sl != strlen(arch) || memcmp(sv, arch, sl) != 0)
        LLM__LERR("LoRA: the adapter's general.architecture is not the model's '%s'", arch);
    for (k = 0; k < g.n_t; k++) {   /* the targets and the rank, from the names and shapes */
        const llm__gguf_tensor *t = &g.t[k];
        const llm__lora_target *tg = llm__lora_parse_name(c, t->name, t->nlen, &layer, &which);
        int o0, rows, cols;
        if (!tg)
            LLM__LERR("LoRA: tensor '%.*s' is not blk.N.<matrix>.weight.lora_a/b of a %s model with %d layers",
                      (int)LLM__MIN(t->nlen, 96), t->name, arch, c->n_layer);
        llm__lora_shape(c, tg, &o0, &rows, &cols);
        if (t->n_dims != 2 || t->shape[which ? 0 : 1] != (which ? rows : cols))
            LLM__LERR("LoRA: tensor '%.*s' has shape %lld x %lld, expected %s (the base %s has %d x %d: another "
                      "model's adapter?)", (int)LLM__MIN(t->nlen, 96), t->name, (long long)t->shape[0],
                      (long long)(t->n_dims > 1 ? t->shape[1] : 1), which ? "(out, r)" : "(r, in)", tg->name, rows,
                      cols);
        if (!rank) rank = (int)(which ? t->shape[1] : t->shape[0]);
        if ((which ? t->shape[1] : t->shape[0]) != rank || rank < 1 || rank > 1024)
            LLM__LERR("LoRA: tensor '%.*s' has rank %lld, others %d", (int)LLM__MIN(t->nlen, 96), t->name,
                      (long long)(which ? t->shape[1] : t->shape[0]), rank);
        targets |= tg->bit;
    }
    if (!targets) LLM__LERR("LoRA: the adapter holds no tensors");
    if (!llm__gguf_get_f32(&g, "adapter.lora.alpha", &alpha) || alpha == 0) alpha = (float)rank;
    if (!(alpha > 0) || !(alpha < 1e6f)) LLM__LERR("LoRA: adapter.lora.alpha %g is not positive", (double)alpha);
    if ((st = llm__lora_alloc(c, rank, alpha, targets, al, &lo, err)) != LLM_OK) goto done;
    if (g.n_t != (size_t)(2 * lo->n_slots))
        LLM__LERR("LoRA: %llu tensors, but %d layers x %d matrices need %d (every layer must adapt the same ones)",
                  (unsigned long long)g.n_t, c->n_layer, lo->n_slots / c->n_layer, 2 * lo->n_slots);
    for (i = 0; i < 2 * lo->n_slots; i++) {
        const llm_tensor_info *ti = &lo->tensors[i];
        const llm__gguf_tensor *gt = llm__gguf_tensor_find(&g, ti->name);
        const llm__qtype *qt = gt ? llm__qinfo((int)gt->type) : NULL;
        size_t rb;
        int64_t r;
        if (!gt) LLM__LERR("LoRA: tensor '%s' missing (every layer must adapt the same matrices)", ti->name);
        if (!qt || qt->block != 1)
            LLM__LERR("LoRA: tensor '%s' has type %u (F32, F16 or BF16 are read)", ti->name, gt->type);
        rb = llm__row_bytes((int)gt->type, (size_t)ti->shape[1]);
        if (!(raw = (unsigned char *)llm__alloc(&lo->alloc, rb * (size_t)ti->shape[0] + 1))) {
            st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
        if ((st = llm__src_read(g.src, gt->offset, raw, rb * (size_t)ti->shape[0], err)) != LLM_OK) goto done;
        {
            const int64_t hs = llm__lora_rot_hs(c, ti->name);   /* (halves order: row r of ours is the file's
                                                                     llm__half_of_pair(r)) */
            if (hs && (hs % 2 || ti->shape[0] % hs)) LLM__LERR("LoRA: '%s' is not whole heads of %lld", ti->name,
                                                               (long long)hs);
            for (r = 0; r < ti->shape[0]; r++)
                llm__dequant_row((int)gt->type, raw + (size_t)(hs ? llm__half_of_pair(r, hs) : r) * rb,
                                 lo->params + ti->offset + (size_t)(r * ti->shape[1]), (size_t)ti->shape[1]);
        }
        llm__dealloc(&lo->alloc, raw);
        raw = NULL;
    }
#undef LLM__LERR
done:
    if (raw) llm__dealloc(&lo->alloc, raw);
    llm__gguf_close(&g);
    if (st != LLM_OK) { llm_lora_free(lo); return st; }
    *out = lo;
    llm__ok(err);
    return LLM_OK;
}
LLMDEF llm_status llm_lora_load(const llm_model *m, const char *path, const llm_allocator *al, llm_lora **out,
                                llm_error *err) {
    llm__src src;
    llm_status st;
    if (out) *out = NULL;
    if (!m || !path || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model, path or out");
    if ((st = llm__src_open(&src, path, NULL, 0, err)) != LLM_OK) return st;
    st = llm__lora_load(m, &src, al ? al : &m->alloc, out, err);
    llm__src_close(&src);
    return st;
}
LLMDEF llm_status llm_lora_load_mem(const llm_model *m, const void *data, size_t size, const llm_allocator *al,
                                    llm_lora **out, llm_error *err) {
    llm__src src;
    llm_status st;
    if (out) *out = NULL;
    if (!m || !data || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL model, data or out");
    if ((st = llm__src_open(&src, NULL, data, size, err)) != LLM_OK) return st;
    st = llm__lora_load(m, &src, al ? al : &m->alloc, out, err);
    llm__src_close(&src);
    return st;
}

/* =========================================================================================
   >>sft: instruction-tuning data (JSONL of prompt/response pairs or chat messages) and chat
   formats (a model's template recognised, conversations as text or ids)
   ========================================================================================= */
static const llm_chat_template llm__chat_default = {
    "### System:\n", "\n\n", "### User:\n", "\n\n", "### Assistant:\n", "\n\n", LLM_CHAT_DEFAULT, 0, NULL, NULL
};

typedef struct llm__sft_b {   /* the data being built */
    llm_sft_data *d;
    size_t cap_t, cap_l;   /* of d->tokens, d->learn */
    int oom;
} llm__sft_b;
static void llm__sft_push(llm__sft_b *b, int32_t id, int learn) {
    llm_sft_data *d = b->d;
    void *t, *l;
    if (b->oom) return;
    t = llm__tgrow(&d->alloc, d->tokens, &b->cap_t, d->n_tokens + 1, sizeof(int32_t));
    if (t) d->tokens = (int32_t *)t;
    l = t ? llm__tgrow(&d->alloc, d->learn, &b->cap_l, d->n_tokens + 1, 1) : NULL;
    if (l) d->learn = (unsigned char *)l;
    if (!t || !l) { b->oom = 1; return; }
    d->tokens[d->n_tokens] = id;
    d->learn[d->n_tokens++] = (unsigned char)learn;
    d->n_learn += (size_t)learn;
}

/* ---- chat formats: one renderer writes a conversation as pieces; a sink makes text or ids ----
   Pieces: a special token of the template (<|im_start|>: encoded alone with
   LLM_TOKENIZE_ALLOW_SPECIAL), the template's plain text and the contents (encoded without
   it, so a content cannot spell a special token), BOS / EOS (the tokenizer's ids; as text,
   the family's spelling). For the model families, the plain text between two special tokens
   is encoded as one run, as the whole text would be (Hugging Face cuts a text at its special
   tokens and encodes the parts); SFT data also cuts a run where the learned part starts (at
   generation the prompt ends there too). llm.h's default template encodes every piece on
   its own, as it always did. */
typedef struct llm__chat_msg { int role; const char *s; size_t n; } llm__chat_msg;
enum { LLM__CP_SPECIAL, LLM__CP_TMPL, LLM__CP_TEXT, LLM__CP_BOS, LLM__CP_BOS_SPM, LLM__CP_EOS };
typedef struct llm__chat_sink {
    const llm_tokenizer *tok;   /* NULL: text into out[0..cap) */
    char *out;
    int32_t *ids;               /* ids into ids[0..cap) (when sft is NULL) */
    size_t cap, n;              /* n: bytes or ids the whole conversation needs */
    llm__sft_b *sft;            /* SFT: ids appended with their learn flags */
    const llm_allocator *alloc;
    int merge;                  /* plain pieces join a run (the families) */
    int32_t *tmp;               /* one encoding's ids */
    size_t tmp_cap;
    char *run;                  /* plain text waiting to be encoded */
    size_t run_len, run_cap;
    int run_learn;
    llm_status st;
} llm__chat_sink;
static void llm__chat_id(llm__chat_sink *k, int32_t id, int learn) {
    if (k->sft) { llm__sft_push(k->sft, id, learn); return; }
    if (k->ids && k->n < k->cap) k->ids[k->n] = id;
    k->n++;
}
static void llm__chat_encode(llm__chat_sink *k, const char *s, size_t n, int flags, int learn) {
    size_t got = 0, i;
    llm_status st;
    if (!n || k->st != LLM_OK) return;
    for (;;) {
        st = llm_tokenize(k->tok, s, n, flags, k->tmp, k->tmp_cap, &got);
        if (st != LLM_ERR_BUFFER_TOO_SMALL && !(st == LLM_OK && !k->tmp)) break;
        llm__dealloc(k->alloc, k->tmp);
        k->tmp_cap = got + 16;
        if (!(k->tmp = (int32_t *)llm__alloc(k->alloc, k->tmp_cap * sizeof(int32_t)))) {
            k->tmp_cap = 0;
            k->st = LLM_ERR_OUT_OF_MEMORY;
            return;
        }
    }
    if (st != LLM_OK) { k->st = st; return; }
    for (i = 0; i < got; i++) llm__chat_id(k, k->tmp[i], learn);
}
static void llm__chat_flush(llm__chat_sink *k) {
    if (k->run_len) llm__chat_encode(k, k->run, k->run_len, 0, k->run_learn);
    k->run_len = 0;
}
static void llm__chat_put(llm__chat_sink *k, const char *s, size_t n, int kind, int learn) {
    if (!k->tok) {   /* text */
        if (kind == LLM__CP_BOS_SPM) return;
        if (n && k->out && k->n < k->cap) memcpy(k->out + k->n, s, LLM__MIN(n, k->cap - k->n));
        k->n += n;
        return;
    }
    if (k->st != LLM_OK) return;
    if (kind == LLM__CP_BOS || kind == LLM__CP_BOS_SPM || kind == LLM__CP_EOS) {
        /* the tokenizer's; without one, the family's spelling when it is a token */
        int32_t id = kind == LLM__CP_EOS ? llm_tokenizer_eos(k->tok) : llm_tokenizer_bos(k->tok);
        if (kind == LLM__CP_BOS_SPM && llm_tokenizer_kind(k->tok) != LLM_TOKENIZER_SPM) return;
        if (id < 0 && n) id = llm_tokenizer_find(k->tok, s, n);
        llm__chat_flush(k);
        if (id >= 0) llm__chat_id(k, id, learn);
        return;
    }
    if (!n) return;
    if (kind == LLM__CP_SPECIAL || !k->merge) {
        llm__chat_flush(k);
        llm__chat_encode(k, s, n, kind == LLM__CP_TEXT ? 0 : LLM_TOKENIZE_ALLOW_SPECIAL, learn);
        return;
    }
    if (k->run_len && k->sft && learn != k->run_learn) llm__chat_flush(k);
    if (k->run_len + n > k->run_cap) {
        void *r = llm__tgrow(k->alloc, k->run, &k->run_cap, k->run_len + n, 1);
        if (!r) { k->st = LLM_ERR_OUT_OF_MEMORY; return; }
        k->run = (char *)r;
    }
    memcpy(k->run + k->run_len, s, n);
    k->run_len += n;
    k->run_learn = learn;
}
/* plain template text of up to three parts (NULL parts skipped) */
static void llm__chat_tmpl(llm__chat_sink *k, const char *a, const char *b, const char *c, int learn) {
    if (a) llm__chat_put(k, a, strlen(a), LLM__CP_TMPL, learn);
    if (b) llm__chat_put(k, b, strlen(b), LLM__CP_TMPL, learn);
    if (c) llm__chat_put(k, c, strlen(c), LLM__CP_TMPL, learn);
}
static void llm__chat_special(llm__chat_sink *k, const char *s, int learn) {
    llm__chat_put(k, s, strlen(s), LLM__CP_SPECIAL, learn);
}
static void llm__chat_text(llm__chat_sink *k, const char *s, size_t n, int learn) {
    llm__chat_put(k, s, n, LLM__CP_TEXT, learn);
}

/* Whitespace as Python's str.strip() (Jinja's trim) sees it in ASCII; only_nl: '\n' alone
   (Qwen 3's strip('\n')). */
static int llm__chat_ws(unsigned char c, int only_nl) {
    return only_nl ? c == '\n' : c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}
static void llm__chat_strip(const char **s, size_t *n, int left, int right, int only_nl) {
    while (left && *n && llm__chat_ws((unsigned char)(*s)[0], only_nl)) { (*s)++; (*n)--; }
    while (right && *n && llm__chat_ws((unsigned char)(*s)[*n - 1], only_nl)) (*n)--;
}
/* position of needle in s[0..n) (first, or last when last), or (size_t)-1 */
static size_t llm__chat_find(const char *s, size_t n, const char *needle, int last) {
    const size_t l = strlen(needle);
    size_t i, at = (size_t)-1;
    for (i = 0; i + l <= n; i++)
        if (memcmp(s + i, needle, l) == 0) { at = i; if (!last) break; }
    return at;
}
static const char *llm__chat_role_name(int role, int gemma) {
    return role == LLM_CHAT_SYSTEM ? "system" : role == LLM_CHAT_USER ? "user" : gemma ? "model" : "assistant";
}

/* Qwen 3: an assistant turn (the template's reasoning_content / content split on </think>) */
static void llm__chat_qwen3_assistant(llm__chat_sink *k, const llm__chat_msg *m, int after_query, int last) {
    const char *c = m->s, *r = "";
    size_t cn = m->n, rn = 0, e = llm__chat_find(m->s, m->n, "</think>", 0);
    if (e != (size_t)-1) {
        const size_t le = llm__chat_find(m->s, m->n, "</think>", 1), st = le + 8;
        size_t o;
        c = m->s + st; cn = m->n - st;
        llm__chat_strip(&c, &cn, 1, 0, 1);
        r = m->s; rn = e;
        llm__chat_strip(&r, &rn, 0, 1, 1);
        if ((o = llm__chat_find(r, rn, "<think>", 1)) != (size_t)-1) { r += o + 7; rn -= o + 7; }
        llm__chat_strip(&r, &rn, 1, 0, 1);
    }
    llm__chat_special(k, "<|im_start|>", 0);
    llm__chat_tmpl(k, "assistant\n", NULL, NULL, 0);
    if (after_query && (last || rn)) {
        llm__chat_strip(&r, &rn, 1, 1, 1);
        llm__chat_strip(&c, &cn, 1, 0, 1);
        llm__chat_special(k, "<think>", 1);
        llm__chat_tmpl(k, "\n", NULL, NULL, 1);
        llm__chat_text(k, r, rn, 1);
        llm__chat_tmpl(k, "\n", NULL, NULL, 1);
        llm__chat_special(k, "</think>", 1);
        llm__chat_tmpl(k, "\n\n", NULL, NULL, 1);
    }
    llm__chat_text(k, c, cn, 1);
}

/* Writes the conversation m[0..n) (roles valid) in format t through the sink. */
static void llm__chat_render(const llm_chat_template *t, const llm__chat_msg *m0, int n0, int add_gen,
                             llm__chat_sink *k) {
    const llm__chat_msg *m = m0;
    llm__chat_msg *aug = NULL;
    const char *sys = NULL;
    size_t sysn = 0;
    int n = n0, i, fam = t->family;
    k->merge = fam != LLM_CHAT_DEFAULT;
    if (t->default_system && (n0 == 0 || m0[0].role != LLM_CHAT_SYSTEM)) {   /* the template's own system turn */
        aug = (llm__chat_msg *)llm__alloc(k->alloc, ((size_t)n0 + 1) * sizeof *aug);
        if (!aug) { k->st = LLM_ERR_OUT_OF_MEMORY; return; }
        aug[0].role = LLM_CHAT_SYSTEM; aug[0].s = t->default_system; aug[0].n = strlen(t->default_system);
        if (n0) memcpy(aug + 1, m0, (size_t)n0 * sizeof *aug);
        m = aug; n = n0 + 1;
    }
    if ((fam == LLM_CHAT_GEMMA || fam == LLM_CHAT_LLAMA2 ||
         (fam == LLM_CHAT_LLAMA3 && (t->flags & LLM_CHAT_DATE_HEADER))) &&
        n > 0 && m[0].role == LLM_CHAT_SYSTEM) {   /* a system prompt folded into another turn */
        sys = m[0].s; sysn = m[0].n;
        m++; n--;
    }
    switch (fam) {
    case LLM_CHAT_CHATML: {
        int last_query = n - 1;
        for (i = n - 1; i >= 0; i--) {   /* Qwen 3: the last user turn that is not a tool's response */
            const llm__chat_msg *q = &m[i];
            if (q->role == LLM_CHAT_USER &&
                !(q->n >= 31 && memcmp(q->s, "<tool_response>", 15) == 0 &&
                  memcmp(q->s + q->n - 16, "</tool_response>", 16) == 0)) { last_query = i; break; }
        }
        for (i = 0; i < n; i++) {
            const int as = m[i].role == LLM_CHAT_ASSISTANT;
            if (as && (t->flags & LLM_CHAT_THINK)) llm__chat_qwen3_assistant(k, &m[i], i > last_query, i == n - 1);
            else {
                llm__chat_special(k, "<|im_start|>", 0);
                llm__chat_tmpl(k, llm__chat_role_name(m[i].role, 0), "\n", NULL, 0);
                llm__chat_text(k, m[i].s, m[i].n, as);
            }
            llm__chat_special(k, "<|im_end|>", as);
            llm__chat_tmpl(k, "\n", NULL, NULL, 0);
        }
        if (add_gen) {
            llm__chat_special(k, "<|im_start|>", 0);
            llm__chat_tmpl(k, "assistant\n", NULL, NULL, 0);
            if ((t->flags & LLM_CHAT_THINK) && (t->flags & LLM_CHAT_THINK_OFF)) {
                llm__chat_special(k, "<think>", 0);
                llm__chat_tmpl(k, "\n\n", NULL, NULL, 0);
                llm__chat_special(k, "</think>", 0);
                llm__chat_tmpl(k, "\n\n", NULL, NULL, 0);
            }
        }
        break;
    }
    case LLM_CHAT_LLAMA3:
        llm__chat_put(k, "<|begin_of_text|>", 17, LLM__CP_BOS, 0);
        if (t->flags & LLM_CHAT_DATE_HEADER) {
            llm__chat_strip(&sys, &sysn, 1, 1, 0);
            llm__chat_special(k, "<|start_header_id|>", 0);
            llm__chat_tmpl(k, "system", NULL, NULL, 0);
            llm__chat_special(k, "<|end_header_id|>", 0);
            llm__chat_tmpl(k, "\n\nCutting Knowledge Date: December 2023\nToday Date: ",
                           t->date ? t->date : "26 Jul 2024", "\n\n", 0);
            llm__chat_text(k, sys, sysn, 0);
            llm__chat_special(k, "<|eot_id|>", 0);
        }
        for (i = 0; i < n; i++) {
            const char *c = m[i].s;
            size_t cn = m[i].n;
            const int as = m[i].role == LLM_CHAT_ASSISTANT;
            llm__chat_strip(&c, &cn, 1, 1, 0);
            llm__chat_special(k, "<|start_header_id|>", 0);
            llm__chat_tmpl(k, llm__chat_role_name(m[i].role, 0), NULL, NULL, 0);
            llm__chat_special(k, "<|end_header_id|>", 0);
            llm__chat_tmpl(k, "\n\n", NULL, NULL, 0);
            llm__chat_text(k, c, cn, as);
            llm__chat_special(k, "<|eot_id|>", as);
        }
        if (add_gen) {
            llm__chat_special(k, "<|start_header_id|>", 0);
            llm__chat_tmpl(k, "assistant", NULL, NULL, 0);
            llm__chat_special(k, "<|end_header_id|>", 0);
            llm__chat_tmpl(k, "\n\n", NULL, NULL, 0);
        }
        break;
    case LLM_CHAT_GEMMA:
        llm__chat_put(k, "<bos>", 5, LLM__CP_BOS, 0);
        for (i = 0; i < n; i++) {
            const char *c = m[i].s;
            size_t cn = m[i].n;
            const int as = m[i].role == LLM_CHAT_ASSISTANT;
            llm__chat_strip(&c, &cn, 1, 1, 0);
            llm__chat_special(k, "<start_of_turn>", 0);
            llm__chat_tmpl(k, llm__chat_role_name(m[i].role, 1), "\n", NULL, 0);
            if (i == 0 && sys) { llm__chat_text(k, sys, sysn, 0); llm__chat_tmpl(k, "\n\n", NULL, NULL, 0); }
            llm__chat_text(k, c, cn, as);
            llm__chat_special(k, "<end_of_turn>", as);
            llm__chat_tmpl(k, "\n", NULL, NULL, 0);
        }
        if (add_gen) {
            llm__chat_special(k, "<start_of_turn>", 0);
            llm__chat_tmpl(k, "model\n", NULL, NULL, 0);
        }
        break;
    case LLM_CHAT_LLAMA2:
        for (i = 0; i < n; i++) {
            const char *c = m[i].s;
            size_t cn = m[i].n;
            const int as = m[i].role == LLM_CHAT_ASSISTANT;
            if (!as) { llm__chat_put(k, "<s>", 3, LLM__CP_BOS, 0); llm__chat_tmpl(k, "[INST] ", NULL, NULL, 0); }
            else llm__chat_text(k, " ", 1, 1);
            if (i == 0 && sys) {   /* ("<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content).strip() */
                llm__chat_strip(&c, &cn, 0, 1, 0);
                llm__chat_tmpl(k, "<<SYS>>\n", NULL, NULL, as);
                if (!cn) llm__chat_strip(&sys, &sysn, 0, 1, 0);
                llm__chat_text(k, sys, sysn, as);
                llm__chat_tmpl(k, cn ? "\n<</SYS>>\n\n" : (sysn ? "\n<</SYS>>" : "<</SYS>>"), NULL, NULL, as);
            } else llm__chat_strip(&c, &cn, 1, 1, 0);
            llm__chat_text(k, c, cn, as);
            if (as) { llm__chat_text(k, " ", 1, 1); llm__chat_put(k, "</s>", 4, LLM__CP_EOS, 1); }
            else llm__chat_tmpl(k, " [/INST]", NULL, NULL, 0);
        }
        break;
    default:   /* llm.h's prefix/suffix template */
        llm__chat_put(k, "", 0, LLM__CP_BOS_SPM, 0);
        for (i = 0; i < n; i++) {
            const int r = m[i].role, as = r == LLM_CHAT_ASSISTANT;
            llm__chat_tmpl(k, r == LLM_CHAT_SYSTEM ? t->system_prefix : as ? t->assistant_prefix : t->user_prefix,
                           NULL, NULL, 0);
            llm__chat_text(k, m[i].s, m[i].n, as);
            if (as) llm__chat_put(k, "", 0, LLM__CP_EOS, 1);
            llm__chat_tmpl(k, r == LLM_CHAT_SYSTEM ? t->system_suffix : as ? t->assistant_suffix : t->user_suffix,
                           NULL, NULL, 0);
        }
        if (add_gen) llm__chat_tmpl(k, t->assistant_prefix, NULL, NULL, 0);
        break;
    }
    if (k->tok) llm__chat_flush(k);
    llm__dealloc(k->alloc, aug);
}
static void llm__chat_sink_free(llm__chat_sink *k) {
    llm__dealloc(k->alloc, k->tmp); llm__dealloc(k->alloc, k->run);
    k->tmp = NULL; k->run = NULL; k->tmp_cap = k->run_cap = k->run_len = 0;
}
/* the public messages as pieces (roles checked); NULL on a bad role or no memory */
static llm__chat_msg *llm__chat_msgs(const llm_allocator *a, const llm_chat_message *msgs, int n) {
    llm__chat_msg *m = (llm__chat_msg *)llm__alloc(a, ((size_t)n + 1) * sizeof *m);
    int i;
    if (!m) return NULL;
    for (i = 0; i < n; i++) {
        if (msgs[i].role < LLM_CHAT_SYSTEM || msgs[i].role > LLM_CHAT_ASSISTANT) { llm__dealloc(a, m); return NULL; }
        m[i].role = (int)msgs[i].role;
        m[i].s = msgs[i].content ? msgs[i].content : "";
        m[i].n = strlen(m[i].s);
    }
    return m;
}
LLMDEF size_t llm_chat_format(const llm_chat_template *tmpl, const llm_chat_message *messages, int n_messages,
                              int add_generation_prompt, char *out, size_t cap) {
    llm__chat_sink k;
    llm__chat_msg *m;
    if (n_messages < 0 || (n_messages && !messages)) n_messages = 0;
    memset(&k, 0, sizeof k);
    k.out = out; k.cap = out ? cap : 0;
    if (!(m = llm__chat_msgs(NULL, messages, n_messages))) { if (out && cap) out[0] = 0; return 0; }
    llm__chat_render(tmpl ? tmpl : &llm__chat_default, m, n_messages, add_generation_prompt, &k);
    llm__dealloc(NULL, m);
    if (out && cap) out[LLM__MIN(k.n, cap - 1)] = 0;
    return k.n;
}
LLMDEF size_t llm_chat_prompt(const llm_chat_template *tmpl, const char *system, const char *user, char *out,
                              size_t cap) {
    llm_chat_message m[2];
    int n = 0;
    if (system) { m[n].role = LLM_CHAT_SYSTEM; m[n++].content = system; }
    m[n].role = LLM_CHAT_USER; m[n++].content = user;
    return llm_chat_format(tmpl, m, n, 1, out, cap);
}
LLMDEF llm_status llm_chat_tokenize(const llm_tokenizer *tok, const llm_chat_template *tmpl,
                                    const llm_chat_message *messages, int n_messages, int add_generation_prompt,
                                    int32_t *ids, size_t cap, size_t *n_ids) {
    llm__chat_sink k;
    llm__chat_msg *m;
    llm_chat_template own;
    if (n_ids) *n_ids = 0;
    if (!tok || !n_ids || n_messages < 0 || (n_messages && !messages)) return LLM_ERR_INVALID_ARG;
    memset(&k, 0, sizeof k);
    k.tok = tok; k.ids = ids; k.cap = ids ? cap : 0; k.alloc = &tok->alloc;
    if (!(m = llm__chat_msgs(k.alloc, messages, n_messages))) {
        const int bad = n_messages > 0 && messages;
        int i;
        for (i = 0; bad && i < n_messages; i++)
            if (messages[i].role < LLM_CHAT_SYSTEM || messages[i].role > LLM_CHAT_ASSISTANT) return LLM_ERR_INVALID_ARG;
        return LLM_ERR_OUT_OF_MEMORY;
    }
    if (!tmpl) { own = llm_tokenizer_chat(tok); tmpl = &own; }
    llm__chat_render(tmpl, m, n_messages, add_generation_prompt, &k);
    llm__chat_sink_free(&k);
    llm__dealloc(k.alloc, m);
    if (k.st != LLM_OK) return k.st;
    *n_ids = k.n;
    if (!ids && cap == 0) return LLM_OK;
    return k.n > cap || !ids ? LLM_ERR_BUFFER_TOO_SMALL : LLM_OK;
}

/* ---- a tokenizer's chat template: recognition, and the keys of its files ---------------------- */
static int llm__chat_has(const char *s, const char *needle) { return strstr(s, needle) != NULL; }
LLMDEF llm_chat_family llm_chat_detect(const char *j) {
    if (!j) return LLM_CHAT_UNKNOWN;
    if (llm__chat_has(j, "<|start_header_id|>") && llm__chat_has(j, "<|end_header_id|>")) return LLM_CHAT_LLAMA3;
    if (llm__chat_has(j, "<|im_start|>")) return LLM_CHAT_CHATML;
    if (llm__chat_has(j, "<start_of_turn>")) return LLM_CHAT_GEMMA;
    if (llm__chat_has(j, "[INST]") && llm__chat_has(j, "<<SYS>>")) return LLM_CHAT_LLAMA2;
    if (llm__chat_has(j, "### User:") && llm__chat_has(j, "### Assistant:")) return LLM_CHAT_DEFAULT;
    return LLM_CHAT_UNKNOWN;
}
LLMDEF const char *llm_chat_family_name(llm_chat_family f) {
    switch (f) {
    case LLM_CHAT_UNKNOWN: return "unknown";
    case LLM_CHAT_DEFAULT: return "default";
    case LLM_CHAT_CHATML: return "chatml";
    case LLM_CHAT_LLAMA3: return "llama3";
    case LLM_CHAT_GEMMA: return "gemma";
    case LLM_CHAT_LLAMA2: return "llama2";
    }
    return "unknown";
}
/* llm.h's own minimal Jinja text of each family (what llama.cpp and transformers can run too) */
LLMDEF const char *llm_chat_family_template(llm_chat_family f) {
    switch (f) {
    case LLM_CHAT_DEFAULT:
        return "{% for m in messages %}{% if m['role'] == 'system' %}{{ '### System:\\n' + m['content'] + '\\n\\n' }}"
               "{% elif m['role'] == 'user' %}{{ '### User:\\n' + m['content'] + '\\n\\n' }}"
               "{% else %}{{ '### Assistant:\\n' + m['content'] + eos_token + '\\n\\n' }}{% endif %}{% endfor %}"
               "{% if add_generation_prompt %}{{ '### Assistant:\\n' }}{% endif %}";
    case LLM_CHAT_CHATML:
        return "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
               "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    case LLM_CHAT_LLAMA3:
        return "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n'"
               " + m['content'] | trim + '<|eot_id|>' }}{% endfor %}"
               "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    case LLM_CHAT_GEMMA:
        return "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
               "{% set first = messages[0]['content'] + '\\n\\n' %}"
               "{% set loop_messages = messages[1:] %}{% else %}{% set first = '' %}{% set loop_messages = messages %}"
               "{% endif %}{% for m in loop_messages %}{{ '<start_of_turn>' + ('model' if m['role'] == 'assistant' "
               "else m['role']) + '\\n' + (first if loop.first else '') + m['content'] | trim + '<end_of_turn>\\n' }}"
               "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";
    case LLM_CHAT_LLAMA2:
        return "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
               "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
               "{% set system_message = false %}{% endif %}{% for m in loop_messages %}"
               "{% if loop.index0 == 0 and system_message != false %}"
               "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + m['content'] %}"
               "{% else %}{% set content = m['content'] %}{% endif %}{% if m['role'] == 'user' %}"
               "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% else %}"
               "{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
    default: return NULL;
    }
}
/* ChatML: the system prompt a template writes when the conversation has none, from a string
   literal "<|im_start|>system\n...<|im_end|>" in its text (Qwen 2.5, SmolLM2). Unescaped into
   a new allocation, or NULL. */
static char *llm__chat_default_system(const llm_allocator *a, const char *j) {
    const char *p = j;
    while ((p = strstr(p, "<|im_start|>system")) != NULL) {
        const char *q = p + 18, *e;
        p = q;
        if (q[0] == '\\' && q[1] == 'n') q += 2;
        else if (q[0] == '\n') q++;
        else continue;
        for (e = q; *e && *e != '\'' && *e != '"' && *e != '{' && *e != '}' && strncmp(e, "<|im_end|>", 10) &&
                    strncmp(e, "<|im_start|>", 12);
             e++)   /* (stops at the next <|im_start|>: each byte is looked at once) */
            if (*e == '\\' && e[1]) e++;
        if (e > q && strncmp(e, "<|im_end|>", 10) == 0) {
            char *s = (char *)llm__alloc(a, (size_t)(e - q) + 1), *o;
            if (!s) return NULL;
            for (o = s; q < e; q++) {
                if (*q == '\\' && q + 1 < e) {
                    q++;
                    *o++ = *q == 'n' ? '\n' : *q == 't' ? '\t' : *q;
                } else *o++ = *q;
            }
            *o = 0;
            return s;
        }
    }
    return NULL;
}
static void llm__tok_chat_free(llm_tokenizer *t) {
    llm__dealloc(&t->alloc, t->chat_jinja); llm__dealloc(&t->alloc, t->chat_system);
    t->chat_jinja = t->chat_system = NULL;
    t->chat = llm__chat_default;
}
/* keeps (a copy of) jinja[0..len) and what it is recognised as; logs a template it does not know */
static llm_status llm__tok_chat_set(llm_tokenizer *t, const char *j, size_t len, llm_log_fn log_fn, void *log_user,
                                    llm_chat_family *family) {
    llm_chat_family f;
    llm__tok_chat_free(t);
    if (family) *family = LLM_CHAT_UNKNOWN;
    if (!j) return LLM_OK;
    if (!(t->chat_jinja = (char *)llm__alloc(&t->alloc, len + 1))) return LLM_ERR_OUT_OF_MEMORY;
    memcpy(t->chat_jinja, j, len);
    t->chat_jinja[len] = 0;
    f = llm_chat_detect(t->chat_jinja);
    if (family) *family = f;
    if (f == LLM_CHAT_UNKNOWN) {
        llm__log(log_fn, log_user, 1,
                 "llm.h: the chat template is none llm.h knows (ChatML, Llama 3, Gemma, Llama 2): conversations are "
                 "written in llm.h's default format");
        return LLM_OK;
    }
    if (f == LLM_CHAT_DEFAULT) return LLM_OK;
    memset(&t->chat, 0, sizeof t->chat);
    t->chat.family = f;
    if (f == LLM_CHAT_CHATML && llm__chat_has(t->chat_jinja, "</think>")) t->chat.flags |= LLM_CHAT_THINK;
    if (f == LLM_CHAT_LLAMA3 && llm__chat_has(t->chat_jinja, "Cutting Knowledge Date"))
        t->chat.flags |= LLM_CHAT_DATE_HEADER;
    if (f == LLM_CHAT_CHATML) t->chat_system = llm__chat_default_system(&t->alloc, t->chat_jinja);
    t->chat.default_system = t->chat_system;
    llm__log(log_fn, log_user, 2, "tokenizer: chat template %s%s%s", llm_chat_family_name(f),
             t->chat.flags & LLM_CHAT_THINK ? " (with <think>)" : "",
             t->chat_system ? " (a default system prompt)" : "");
    return LLM_OK;
}
LLMDEF llm_chat_template llm_tokenizer_chat(const llm_tokenizer *t) {
    if (!t || !t->chat_jinja) return llm__chat_default;
    return t->chat;
}
LLMDEF const char *llm_tokenizer_chat_template(const llm_tokenizer *t) { return t ? t->chat_jinja : NULL; }
LLMDEF llm_status llm_tokenizer_set_chat_template(llm_tokenizer *t, const char *jinja, llm_chat_family *family,
                                                  llm_error *err) {
    if (family) *family = LLM_CHAT_UNKNOWN;
    if (!t) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL tokenizer");
    if (llm__tok_chat_set(t, jinja, jinja ? strlen(jinja) : 0, NULL, NULL, family) != LLM_OK)
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    llm__ok(err);
    return LLM_OK;
}
LLMDEF int llm_tokenizer_eot(const llm_tokenizer *t, int32_t *ids, int cap) {
    static const char *const known[6] = { "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>",
                                          "<|endoftext|>", "<eos>" };
    int32_t all[8];
    int n = 0, i, k;
    if (!t) return 0;
    if (t->n_chat_eot & 1) all[n++] = t->chat_eot[0];
    if (t->n_chat_eot & 2) all[n++] = t->chat_eot[1];
    for (i = 0; i < 6; i++) {
        const int32_t id = llm__tok_lookup(t, (const unsigned char *)known[i], strlen(known[i]));
        if (id < 0 || id == t->eos) continue;
        for (k = 0; k < n && all[k] != id; k++) {}
        if (k == n) all[n++] = id;
    }
    for (i = 0; ids && i < n && i < cap; i++) ids[i] = all[i];
    return n;
}
/* GGUF: tokenizer.chat_template, tokenizer.ggml.eot_token_id / eom_token_id */
static llm_status llm__tok_chat_from_gguf(llm_tokenizer *t, const llm__gguf *g, llm_log_fn log_fn, void *log_user,
                                          llm_error *err) {
    const char *s;
    size_t sl;
    uint32_t u;
    if (llm__gguf_get_u32(g, "tokenizer.ggml.eot_token_id", &u) && u < (uint32_t)t->n) {
        t->chat_eot[0] = (int32_t)u; t->n_chat_eot |= 1;
    }
    if (llm__gguf_get_u32(g, "tokenizer.ggml.eom_token_id", &u) && u < (uint32_t)t->n) {
        t->chat_eot[1] = (int32_t)u; t->n_chat_eot |= 2;
    }
    if (llm__gguf_get_str(g, "tokenizer.chat_template", &s, &sl) &&
        llm__tok_chat_set(t, s, sl, log_fn, log_user, NULL) != LLM_OK)
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading the chat template");
    return LLM_OK;
}
static void llm__tok_chat_to_gguf(const llm_tokenizer *t, llm__gguf_w *w) {
    if (t->chat_jinja) llm__gguf_w_str(w, "tokenizer.chat_template", t->chat_jinja, strlen(t->chat_jinja));
    if (t->n_chat_eot & 1) llm__gguf_w_u32(w, "tokenizer.ggml.eot_token_id", (uint32_t)t->chat_eot[0]);
    if (t->n_chat_eot & 2) llm__gguf_w_u32(w, "tokenizer.ggml.eom_token_id", (uint32_t)t->chat_eot[1]);
}
/* Hugging Face: the template beside a tokenizer file or in its directory: tokenizer_config.json's
   "chat_template" (a string, or a list of {"name", "template"}: "default", else the first),
   else chat_template.jinja. A missing or unreadable file is no error (no template). */
static llm_status llm__tok_chat_beside(llm_tokenizer *t, const char *path, llm_log_fn log_fn, void *log_user) {
    const llm_allocator *a = &t->alloc;
    size_t pl = strlen(path), dl, n = 0, v, i, e, best = (size_t)-1;
    char *p;
    void *buf = NULL;
    const unsigned char *s;
    llm_status st = LLM_OK;
    if (t->chat_jinja) return LLM_OK;
    if (!llm__is_dir(path)) {   /* a file: its directory, when it is one of Hugging Face's */
        if (!(pl > 5 && strcmp(path + pl - 5, ".json") == 0) && !(pl > 6 && strcmp(path + pl - 6, ".model") == 0))
            return LLM_OK;
        for (dl = pl; dl > 0 && path[dl - 1] != '/' && path[dl - 1] != '\\'; dl--) {}
    } else dl = pl + 1;
    if (!(p = (char *)llm__alloc(a, dl + 32))) return LLM_ERR_OUT_OF_MEMORY;
    if (dl > pl) { memcpy(p, path, pl); p[pl] = '/'; } else memcpy(p, path, dl);
    memcpy(p + dl, "tokenizer_config.json", 22);
    if (llm_read_file(p, a, &buf, &n, NULL) == LLM_OK && llm__js_check((s = (const unsigned char *)buf), n) &&
        (v = llm__js_get(s, n, llm__skip_ws(s, n, 0), "chat_template")) != (size_t)-1) {
        if (s[v] == '[') {
            for (i = v; llm__js_elem(s, n, &i, &e);) {
                const size_t nm = llm__js_get(s, n, e, "name"), tv = llm__js_get(s, n, e, "template");
                if (tv == (size_t)-1 || s[tv] != '"') continue;
                if (best == (size_t)-1 || (nm != (size_t)-1 && llm__js_streq(s, n, nm, "default"))) best = tv;
            }
            v = best;
        }
        if (v != (size_t)-1 && s[v] == '"') {
            char *j = (char *)llm__alloc(a, llm__js_skip(s, n, v, 0) - v + 1);
            size_t jl;
            if (!j) st = LLM_ERR_OUT_OF_MEMORY;
            else if ((jl = llm__js_str(s, n, v, (unsigned char *)j)) != (size_t)-1)
                st = llm__tok_chat_set(t, j, jl, log_fn, log_user, NULL);
            llm__dealloc(a, j);
        }
    }
    llm__dealloc(a, buf);
    buf = NULL;
    if (st == LLM_OK && !t->chat_jinja) {
        memcpy(p + dl, "chat_template.jinja", 20);
        if (llm_read_file(p, a, &buf, &n, NULL) == LLM_OK)
            st = llm__tok_chat_set(t, (const char *)buf, n, log_fn, log_user, NULL);
        llm__dealloc(a, buf);
    }
    llm__dealloc(a, p);
    return st;
}

LLMDEF void llm_sft_free(llm_sft_data *d) {
    llm_allocator a;
    if (!d) return;
    a = d->alloc;
    llm__dealloc(&a, d->start); llm__dealloc(&a, d->tokens); llm__dealloc(&a, d->learn);
    llm__dealloc(&a, d);
}
LLMDEF llm_status llm_sft_load_mem(const llm_tokenizer *tok, const void *jsonl, size_t size,
                                   const llm_chat_template *tmpl, const llm_allocator *al, llm_sft_data **out,
                                   llm_error *err) {
    const unsigned char *s = (const unsigned char *)jsonl;
    llm_chat_template own;
    const llm_chat_template *t = tmpl;
    llm__sft_b b;
    llm__chat_sink k;
    llm_sft_data *d;
    llm__chat_msg *msg = NULL;
    size_t pos = 0, line = 0, ex_cap = 0, str_cap = 0, msg_cap = 0, bad;
    unsigned char *str = NULL;
    llm_status st = LLM_OK;
    if (out) *out = NULL;
    if (!tok || !out || (!jsonl && size)) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL tokenizer, data or out");
    if (!t) { own = llm_tokenizer_chat(tok); t = &own; }
    if (llm_tokenizer_eos(tok) < 0 && (t->family == LLM_CHAT_DEFAULT || t->family == LLM_CHAT_LLAMA2))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "SFT: the tokenizer has no EOS token to end the responses");
    if (!(d = (llm_sft_data *)llm__calloc(al, 1, sizeof *d)))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (al) d->alloc = *al;
    d->pad = llm_tokenizer_eos(tok) >= 0 ? llm_tokenizer_eos(tok) : 0;
    memset(&b, 0, sizeof b);
    b.d = d;
    memset(&k, 0, sizeof k);
    k.tok = tok; k.sft = &b; k.alloc = &d->alloc;
    while (pos < size && st == LLM_OK) {
        const unsigned char *ln = s + pos;
        size_t n = 0, v, i, before = d->n_tokens, learned = d->n_learn, used = 0;
        int nm = 0;
        line++;
        while (pos + n < size && s[pos + n] != '\n') n++;
        pos += n + 1;
        if (llm__skip_ws(ln, n, 0) == n) continue;   /* a blank line */
        if (n + 1 > str_cap) {   /* room for all strings of the line, unescaped */
            llm__dealloc(&d->alloc, str);
            str_cap = n + 1;
            if (!(str = (unsigned char *)llm__alloc(&d->alloc, str_cap))) { b.oom = 1; break; }
        }
        if (!llm__js_check_at(ln, n, &bad)) {
            st = llm__fail(err, LLM_ERR_FORMAT, "SFT line %llu: not a JSON object (malformed at byte %llu)",
                           (unsigned long long)line, (unsigned long long)bad);
            break;
        }
        {   /* example starts (+1 for the end) */
            void *ns = llm__tgrow(&d->alloc, d->start, &ex_cap, d->n_examples + 2, sizeof(size_t));
            if (!ns) { b.oom = 1; break; }
            d->start = (size_t *)ns;
        }
        d->start[d->n_examples] = d->n_tokens;
        i = llm__skip_ws(ln, n, 0);
        if ((v = llm__js_get(ln, n, i, "messages")) != (size_t)-1) {
            size_t a = v, e;
            if (ln[v] != '[') {
                st = llm__fail(err, LLM_ERR_FORMAT, "SFT line %llu: \"messages\" is not an array",
                               (unsigned long long)line);
                break;
            }
            while (st == LLM_OK && llm__js_elem(ln, n, &a, &e)) {
                size_t r = llm__js_get(ln, n, e, "role"), c = llm__js_get(ln, n, e, "content"), cl = 0;
                int role = r == (size_t)-1                 ? -1
                    : llm__js_streq(ln, n, r, "system")    ? 0
                    : llm__js_streq(ln, n, r, "user")      ? 1
                    : llm__js_streq(ln, n, r, "assistant") ? 2
                                                           : -1;
                void *nmsg = llm__tgrow(&d->alloc, msg, &msg_cap, (size_t)nm + 1, sizeof *msg);
                if (!nmsg) { b.oom = 1; break; }
                msg = (llm__chat_msg *)nmsg;
                if (role < 0)
                    st = llm__fail(err, LLM_ERR_FORMAT,
                                   "SFT line %llu: a message's role is not \"system\", \"user\" or \"assistant\"",
                                   (unsigned long long)line);
                else if (c == (size_t)-1 || (cl = llm__js_str(ln, n, c, str + used)) == (size_t)-1)
                    st = llm__fail(err, LLM_ERR_FORMAT, "SFT line %llu: a message's content is not a string",
                                   (unsigned long long)line);
                else {
                    msg[nm].role = role; msg[nm].s = (const char *)str + used; msg[nm++].n = cl;
                    used += cl;
                }
            }
            if (st != LLM_OK || b.oom) break;
        } else {
            size_t pv = llm__js_get(ln, n, i, "prompt"), rv = llm__js_get(ln, n, i, "response"), pl, rl;
            void *nmsg = llm__tgrow(&d->alloc, msg, &msg_cap, 2, sizeof *msg);
            if (!nmsg) { b.oom = 1; break; }
            msg = (llm__chat_msg *)nmsg;
            if (pv == (size_t)-1 || rv == (size_t)-1 || (pl = llm__js_str(ln, n, pv, str)) == (size_t)-1) {
                st = llm__fail(err, LLM_ERR_FORMAT,
                               "SFT line %llu: expected {\"prompt\": string, \"response\": string} or {\"messages\": "
                               "[...]}",
                               (unsigned long long)line);
                break;
            }
            if ((rl = llm__js_str(ln, n, rv, str + pl)) == (size_t)-1) {
                st = llm__fail(err, LLM_ERR_FORMAT, "SFT line %llu: \"response\" is not a string",
                               (unsigned long long)line);
                break;
            }
            msg[0].role = LLM_CHAT_USER; msg[0].s = (const char *)str; msg[0].n = pl;
            msg[1].role = LLM_CHAT_ASSISTANT; msg[1].s = (const char *)str + pl; msg[1].n = rl;
            nm = 2;
        }
        llm__chat_render(t, msg, nm, 0, &k);
        if (k.st == LLM_ERR_OUT_OF_MEMORY) b.oom = 1;
        else if (k.st != LLM_OK) {
            st = llm__fail(err, k.st, "SFT line %llu: cannot tokenize it", (unsigned long long)line);
            break;
        }
        if (st == LLM_OK && !b.oom && d->n_learn == learned)
            st = llm__fail(err, LLM_ERR_FORMAT, "SFT line %llu: no assistant turn (nothing to learn)",
                           (unsigned long long)line);
        if (st == LLM_OK && !b.oom && d->n_tokens - before < 2)
            st = llm__fail(err, LLM_ERR_FORMAT, "SFT line %llu: fewer than 2 tokens", (unsigned long long)line);
        d->n_examples++;
        if (b.oom) break;
    }
    llm__dealloc(&d->alloc, str);
    llm__dealloc(&d->alloc, msg);
    llm__chat_sink_free(&k);
    if (st == LLM_OK && b.oom) st = llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading SFT data");
    if (st == LLM_OK && !d->n_examples) st = llm__fail(err, LLM_ERR_FORMAT, "SFT: no examples (%llu lines)",
                                                        (unsigned long long)line);
    if (st != LLM_OK) { llm_sft_free(d); return st; }
    d->start[d->n_examples] = d->n_tokens;
    *out = d;
    llm__ok(err);
    return LLM_OK;
}
LLMDEF llm_status llm_sft_load(const llm_tokenizer *tok, const char *path, const llm_chat_template *tmpl,
                               const llm_allocator *al, llm_sft_data **out, llm_error *err) {
    void *buf = NULL;
    size_t n = 0;
    llm_status st;
    if (out) *out = NULL;
    if (!path) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL path");
    if ((st = llm_read_file(path, al, &buf, &n, err)) != LLM_OK) return st;
    st = llm_sft_load_mem(tok, buf, n, tmpl, al, out, err);
    llm__dealloc(al, buf);
    return st;
}
LLMDEF size_t llm_sft_batch(const llm_sft_data *d, size_t first, int B, int T, int32_t *inputs, int32_t *targets) {
    size_t learned = 0;
    int b, i;
    if (!d || !d->n_examples || B <= 0 || T <= 0 || !inputs || !targets) return 0;
    for (b = 0; b < B; b++) {
        const size_t e = (first + (size_t)b) % d->n_examples, s0 = d->start[e];
        const size_t len = LLM__MIN(d->start[e + 1] - s0, (size_t)T + 1);   /* tokens of this row */
        int32_t *in = inputs + (size_t)b * T, *tg = targets + (size_t)b * T;
        for (i = 0; i < T; i++) {
            const size_t k = s0 + (size_t)i;
            in[i] = (size_t)i < len ? d->tokens[k] : d->pad;
            tg[i] = (size_t)i + 1 < len && d->learn[k + 1] ? d->tokens[k + 1] : LLM_TARGET_IGNORE;
            learned += tg[i] != LLM_TARGET_IGNORE;
        }
    }
    return learned;
}
/* =========================================================================================
   >>kernels: the fast variants behind the readable ops
   ========================================================================================= */
/* >>gemm: one matrix multiply for every matmul in the model ---------------------------------

   C[M,N] = (accumulate ? C : 0) + A[M,K] * B[K,N], with A and B read through any strides.
   The forward pass (out = inp . W^T), the input gradient (dinp += dout . W) and the weight
   gradient (dW += dout^T . inp) are all this one routine with different strides.

   HOW A FAST GEMM WORKS (the BLIS recipe, as used here)
   A naive triple loop runs at a few percent of the machine's peak: every multiply-add needs
   two loads, and the loads miss the caches because one of the operands is walked across
   rows. A CPU core can start two vector FMAs per cycle (2 x 16 fp32 multiply-adds with
   AVX-512 on Zen 5 or Skylake-X), but only if the operands already sit in *registers*. The whole design is
   about feeding registers from L1, L1 from L2, and L2 from memory, without stalls.

   1. The micro-kernel. Keep an MR x NR tile of C in vector registers (AVX-512: 8 x 48 =
      24 zmm accumulators). For each k, load one row of NR values of B (3 vectors), then
      for each of the MR rows broadcast one value of A and do 3 FMAs. That is 24 FMAs per
      3 vector loads + 8 broadcasts: the arithmetic outweighs the memory traffic, and 24
      independent accumulators hide the 4-cycle FMA latency (2 pipes x 4 cycles needs >= 8
      chains in flight). The C tile is read and written once per KC values of k.
   2. Packing. The micro-kernel wants A as "MR values of column k, then MR of column k+1..."
      and B as "NR values of row k, then row k+1...", i.e. both streamed with unit stride.
      So before multiplying, blocks of A and B are copied ("packed") into that layout in
      scratch buffers. Packing costs O(MK + KN) moves against O(MNK) FMAs, and it buys
      two things: the kernel never sees strides (transposed inputs are packed the same as
      plain ones - this is why one kernel serves all three matmul forms), and packed panels
      are contiguous, so the hardware prefetchers stream them perfectly. Ragged edges (M or
      N not multiples of MR/NR) are padded with zeros in the packed panels; the kernel then
      runs on a full tile and only the valid part is written back.
   3. Cache blocking. K is cut into slices of KC (256): a packed A micro-panel (MR x KC =
      8 KB) stays in L1 while the kernel sweeps it across a packed B panel of KC x NC
      (NC = 480: 480 KB), which stays in L2 (1 MB on Zen 4). A is packed in blocks of MC
      rows (blocks are made as even as possible). Loop nest, outermost first:
          for pc in K step KC:           (fixed order: the K sum is always the same)
            for ic in M step MC:  pack A[ic.., pc..] into MR-row micro-panels
              for jc in N step NC: pack B[pc.., jc..] into NR-column micro-panels
                for ir in MC step MR:    (A micro-panel -> L1)
                  for jr in NC step NR:  (B micro-panel streams from L2)
                    micro-kernel: C tile += A micro-panel . B micro-panel
   4. Threads. Every thread owns a rectangle of C (a grid of tm x tn rectangles, cut on
      tile boundaries, chosen so the largest share is smallest) and runs the loop nest
      above on it with its own packing buffers: no barriers, no shared writes. K is never
      split, and every C element is summed in the same order (KC slices in order, k in
      order inside a slice, FMA by FMA), so the result is bit-identical for any number of
      threads and any call.

   Variants: AVX-512 (8 x 48), AVX2+FMA (6 x 16), NEON (8 x 12) and a portable C kernel
   (4 x 16, written so compilers vectorise it), chosen at run time (llm__kernels_choose,
   at the end of this section). LLM_NO_SIMD keeps the portable kernel only. */


/* ---- micro-kernels: C[MR x NR] (row stride ldc) = (beta ? C : 0) + sum_k a[k][.] b[k][.]
   a: packed kc x MR (a[k*MR + i]); b: packed kc x NR (b[k*NR + j]). Every variant does, for
   each C element, one multiply-add per k in k order (one FMA with FMA hardware), so the
   AVX2, AVX-512 and NEON kernels give the same bits. */

/* Portable kernel (4 x 16): the tile lives in a local array; with -O2/-O3 the j loop
   becomes vector code (16 SSE or 8 AVX registers). */
static void llm__gemm_kernel_portable(int kc, const float *LLM__RESTRICT a, const float *LLM__RESTRICT b,
                                      float *LLM__RESTRICT c, ptrdiff_t ldc, int beta) {
    float acc[4][16];
    int i, j, k;
    for (i = 0; i < 4; i++)
        for (j = 0; j < 16; j++) acc[i][j] = beta ? c[i * ldc + j] : 0.0f;
    for (k = 0; k < kc; k++) {
        for (i = 0; i < 4; i++) {
            float av = a[i];
            for (j = 0; j < 16; j++) acc[i][j] += av * b[j];
        }
        a += 4; b += 16;
    }
    for (i = 0; i < 4; i++)
        for (j = 0; j < 16; j++) c[i * ldc + j] = acc[i][j];
}

#if defined(LLM__X86)
/* AVX-512 (8 x 48): 24 zmm accumulators */
static LLM__TARGET_AVX512 void llm__gemm_kernel_avx512(int kc, const float *LLM__RESTRICT a,
                                                       const float *LLM__RESTRICT b, float *LLM__RESTRICT c,
                                                       ptrdiff_t ldc, int beta) {
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    __m512 c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    __m512 b0, b1, b2, av;
    int k;
#define LLM__K_LD(i) \
    c##i##0 = _mm512_loadu_ps(c + (i) * ldc); c##i##1 = _mm512_loadu_ps(c + (i) * ldc + 16); \
    c##i##2 = _mm512_loadu_ps(c + (i) * ldc + 32);
#define LLM__K_ZR(i) c##i##0 = _mm512_setzero_ps(); c##i##1 = c##i##0; c##i##2 = c##i##0;
#define LLM__K_FMA(i) av = _mm512_set1_ps(a[i]); c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0); \
    c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1); c##i##2 = _mm512_fmadd_ps(av, b2, c##i##2);
#define LLM__K_ST(i) \
    _mm512_storeu_ps(c + (i) * ldc, c##i##0); _mm512_storeu_ps(c + (i) * ldc + 16, c##i##1); \
    _mm512_storeu_ps(c + (i) * ldc + 32, c##i##2);
    if (beta) {
        LLM__K_LD(0) LLM__K_LD(1) LLM__K_LD(2) LLM__K_LD(3)
        LLM__K_LD(4) LLM__K_LD(5) LLM__K_LD(6) LLM__K_LD(7)
    } else {
        LLM__K_ZR(0) LLM__K_ZR(1) LLM__K_ZR(2) LLM__K_ZR(3)
        LLM__K_ZR(4) LLM__K_ZR(5) LLM__K_ZR(6) LLM__K_ZR(7)
    }
    for (k = 0; k < kc; k++) {
        b0 = _mm512_loadu_ps(b); b1 = _mm512_loadu_ps(b + 16); b2 = _mm512_loadu_ps(b + 32);
        LLM__K_FMA(0) LLM__K_FMA(1) LLM__K_FMA(2) LLM__K_FMA(3)
        LLM__K_FMA(4) LLM__K_FMA(5) LLM__K_FMA(6) LLM__K_FMA(7)
        a += 8; b += 48;
    }
    LLM__K_ST(0) LLM__K_ST(1) LLM__K_ST(2) LLM__K_ST(3)
    LLM__K_ST(4) LLM__K_ST(5) LLM__K_ST(6) LLM__K_ST(7)
    _mm256_zeroupper();
#undef LLM__K_LD
#undef LLM__K_ZR
#undef LLM__K_FMA
#undef LLM__K_ST
}
/* AVX2 + FMA (6 x 16): 12 ymm accumulators */
static LLM__TARGET_AVX2 void llm__gemm_kernel_avx2(int kc, const float *LLM__RESTRICT a, const float *LLM__RESTRICT b,
                                                   float *LLM__RESTRICT c, ptrdiff_t ldc, int beta) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, b0, b1, av;
    int k;
#define LLM__K_LD(i) c##i##0 = _mm256_loadu_ps(c + (i) * ldc); c##i##1 = _mm256_loadu_ps(c + (i) * ldc + 8);
#define LLM__K_ZR(i) c##i##0 = _mm256_setzero_ps(); c##i##1 = c##i##0;
#define LLM__K_FMA(i) av = _mm256_broadcast_ss(a + (i)); \
    c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0); c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);
#define LLM__K_ST(i) _mm256_storeu_ps(c + (i) * ldc, c##i##0); _mm256_storeu_ps(c + (i) * ldc + 8, c##i##1);
    if (beta) {
        LLM__K_LD(0) LLM__K_LD(1) LLM__K_LD(2) LLM__K_LD(3) LLM__K_LD(4) LLM__K_LD(5)
    } else {
        LLM__K_ZR(0) LLM__K_ZR(1) LLM__K_ZR(2) LLM__K_ZR(3) LLM__K_ZR(4) LLM__K_ZR(5)
    }
    for (k = 0; k < kc; k++) {
        b0 = _mm256_loadu_ps(b); b1 = _mm256_loadu_ps(b + 8);
        LLM__K_FMA(0) LLM__K_FMA(1) LLM__K_FMA(2) LLM__K_FMA(3) LLM__K_FMA(4) LLM__K_FMA(5)
        a += 6; b += 16;
    }
    LLM__K_ST(0) LLM__K_ST(1) LLM__K_ST(2) LLM__K_ST(3) LLM__K_ST(4) LLM__K_ST(5)
    _mm256_zeroupper();
#undef LLM__K_LD
#undef LLM__K_ZR
#undef LLM__K_FMA
#undef LLM__K_ST
}
#endif

#if defined(LLM__NEON)
/* NEON (8 x 12): 24 q-register accumulators, vfmaq_laneq_f32 broadcasts A from registers */
static void llm__gemm_kernel_neon(int kc, const float *LLM__RESTRICT a, const float *LLM__RESTRICT b,
                                  float *LLM__RESTRICT c, ptrdiff_t ldc, int beta) {
    float32x4_t acc[8][3];
    int i, j, k;
    for (i = 0; i < 8; i++)
        for (j = 0; j < 3; j++) acc[i][j] = beta ? vld1q_f32(c + i * ldc + 4 * j) : vdupq_n_f32(0.0f);
    for (k = 0; k < kc; k++) {
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
#define LLM__K_FMA(i, av, l) acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, l); \
        acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, l); acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, l);
        LLM__K_FMA(0, a0, 0) LLM__K_FMA(1, a0, 1) LLM__K_FMA(2, a0, 2) LLM__K_FMA(3, a0, 3)
        LLM__K_FMA(4, a1, 0) LLM__K_FMA(5, a1, 1) LLM__K_FMA(6, a1, 2) LLM__K_FMA(7, a1, 3)
#undef LLM__K_FMA
        a += 8; b += 12;
    }
    for (i = 0; i < 8; i++)
        for (j = 0; j < 3; j++) vst1q_f32(c + i * ldc + 4 * j, acc[i][j]);
}
#endif

/* ---- packing. n rows of X(r, k) = src[r*rs + k*ks], k < kc, become ceil(n/w) micro-panels
   of kc x w, one after the other: panel p holds dst[p*w*kc + k*w + r] = X(p*w + r, k), and
   zeros for rows past n. Three cases by stride: r contiguous (a plain copy per k), k
   contiguous (a transpose: the kernel variant's pack_t does whole blocks in registers),
   anything else (element by element). */
#if defined(LLM__X86)
/* AVX-512: 16 x 16 blocks, transposed in registers: r[i] holds row i; afterwards r[j]
   holds column j. (The all-ones-mask forms of the intrinsics are the plain instructions;
   they avoid g++ warnings about the "undefined" pass-through operand of the unmasked forms.)
   Returns the k up to which the panel is done. */
#define LLM__ULO(a, b) _mm512_mask_unpacklo_ps(a, (__mmask16)0xFFFF, a, b)
#define LLM__UHI(a, b) _mm512_mask_unpackhi_ps(a, (__mmask16)0xFFFF, a, b)
#define LLM__ULO2(a, b) _mm512_castpd_ps(_mm512_mask_unpacklo_pd(_mm512_castps_pd(a), (__mmask8)0xFF, \
                                                                 _mm512_castps_pd(a), _mm512_castps_pd(b)))
#define LLM__UHI2(a, b) _mm512_castpd_ps(_mm512_mask_unpackhi_pd(_mm512_castps_pd(a), (__mmask8)0xFF, \
                                                                 _mm512_castps_pd(a), _mm512_castps_pd(b)))
#define LLM__SH4(a, b, imm) _mm512_mask_shuffle_f32x4(a, (__mmask16)0xFFFF, a, b, imm)
static LLM__TARGET_AVX512 void llm__tr16(__m512 r[16]) {
    __m512 t[16], u[16];
    int i;
    for (i = 0; i < 16; i += 2) {
        t[i] = LLM__ULO(r[i], r[i + 1]);     /* r0[0] r1[0] r0[1] r1[1] (in each 128-bit lane) */
        t[i + 1] = LLM__UHI(r[i], r[i + 1]); /* r0[2] r1[2] r0[3] r1[3] */
    }
    for (i = 0; i < 16; i += 4) {
        u[i] = LLM__ULO2(t[i], t[i + 2]);         /* r0[0] r1[0] r2[0] r3[0] */
        u[i + 1] = LLM__UHI2(t[i], t[i + 2]);     /* r0[1] r1[1] r2[1] r3[1] */
        u[i + 2] = LLM__ULO2(t[i + 1], t[i + 3]); /* ... [2] */
        u[i + 3] = LLM__UHI2(t[i + 1], t[i + 3]); /* ... [3] */
    }
    /* now u[4g + c], 128-bit lane l, holds rows 4g..4g+3 of column 4l + c: move the lanes */
    for (i = 0; i < 4; i++) {
        __m512 v0 = LLM__SH4(u[i], u[4 + i], 0x88);      /* columns i, i+8 of rows 0-7 */
        __m512 v1 = LLM__SH4(u[i], u[4 + i], 0xdd);      /* columns i+4, i+12 */
        __m512 v2 = LLM__SH4(u[8 + i], u[12 + i], 0x88); /* the same for rows 8-15 */
        __m512 v3 = LLM__SH4(u[8 + i], u[12 + i], 0xdd);
        r[i] = LLM__SH4(v0, v2, 0x88);
        r[i + 8] = LLM__SH4(v0, v2, 0xdd);
        r[i + 4] = LLM__SH4(v1, v3, 0x88);
        r[i + 12] = LLM__SH4(v1, v3, 0xdd);
    }
}
#undef LLM__ULO
#undef LLM__UHI
#undef LLM__ULO2
#undef LLM__UHI2
#undef LLM__SH4
static LLM__TARGET_AVX512 int llm__pack_t_avx512(float *pd, int w, int nv, int kc, const float *ps, ptrdiff_t rs) {
    int r0, r, k0 = 0;
    if (w % 8 || kc < 16) return 0;
    for (r0 = 0; r0 < w; r0 += 16) {
        int gw = LLM__MIN(16, w - r0), gv = LLM__MAX(0, LLM__MIN(gw, nv - r0));
        __mmask16 m = (__mmask16)((1u << gw) - 1u);
        for (k0 = 0; k0 + 16 <= kc; k0 += 16) {
            __m512 x[16];
            if (k0 + 80 <= kc) for (r = 0; r < gv; r++) LLM__PREFETCH(ps + (r0 + r) * rs + k0 + 64);
            for (r = 0; r < 16; r++) x[r] = r < gv ? _mm512_loadu_ps(ps + (r0 + r) * rs + k0) : _mm512_setzero_ps();
            llm__tr16(x);
            for (r = 0; r < 16; r++) _mm512_mask_storeu_ps(pd + (ptrdiff_t)(k0 + r) * w + r0, m, x[r]);
        }
    }
    _mm256_zeroupper();
    return k0;
}
/* AVX2: 8 x 8 blocks (w a multiple of 8: the B panels; A's 6-row panels take the scalar
   loop) */
static LLM__TARGET_AVX2 int llm__pack_t_avx2(float *pd, int w, int nv, int kc, const float *ps, ptrdiff_t rs) {
    int r0, r, k0 = 0;
    if (w % 8 || kc < 8) return 0;
    for (r0 = 0; r0 < w; r0 += 8) {
        const int gv = LLM__MAX(0, LLM__MIN(8, nv - r0));
        for (k0 = 0; k0 + 8 <= kc; k0 += 8) {
            __m256 x[8], t[8], u[8];
            for (r = 0; r < 8; r++) x[r] = r < gv ? _mm256_loadu_ps(ps + (r0 + r) * rs + k0) : _mm256_setzero_ps();
            for (r = 0; r < 8; r += 2) {   /* pairs of rows interleaved: r0[0] r1[0] r0[1] r1[1] | [4] [5] */
                t[r] = _mm256_unpacklo_ps(x[r], x[r + 1]);
                t[r + 1] = _mm256_unpackhi_ps(x[r], x[r + 1]);
            }
            for (r = 0; r < 8; r += 4) {   /* four rows: column c in lane 0, column c + 4 in lane 1 */
                u[r] = _mm256_shuffle_ps(t[r], t[r + 2], 0x44);
                u[r + 1] = _mm256_shuffle_ps(t[r], t[r + 2], 0xEE);
                u[r + 2] = _mm256_shuffle_ps(t[r + 1], t[r + 3], 0x44);
                u[r + 3] = _mm256_shuffle_ps(t[r + 1], t[r + 3], 0xEE);
            }
            for (r = 0; r < 4; r++) {      /* rows 0-3 and 4-7 of column r, and of column r + 4 */
                _mm256_storeu_ps(pd + (ptrdiff_t)(k0 + r) * w + r0, _mm256_permute2f128_ps(u[r], u[4 + r], 0x20));
                _mm256_storeu_ps(pd + (ptrdiff_t)(k0 + r + 4) * w + r0, _mm256_permute2f128_ps(u[r], u[4 + r], 0x31));
            }
        }
    }
    _mm256_zeroupper();
    return k0;
}
#endif

static void llm__gemm_pack(const llm__kernels *kern, float *LLM__RESTRICT dst, int w, int n, int kc,
                           const float *LLM__RESTRICT src, ptrdiff_t rs, ptrdiff_t ks) {
    int r, k, p;
    if (rs == 1) {
        /* r contiguous: copy rows of w values. Go through k in groups of 16 so that both
           the reads (16 source rows, each contiguous across the panels) and the writes
           (16 x w contiguous values per micro-panel) stay in few pages and cache lines. */
        int k0;
        for (k0 = 0; k0 < kc; k0 += 16) {
            int k1 = LLM__MIN(kc, k0 + 16);
            /* ask for the next group's rows now: the copy is bound by memory latency */
            for (k = k1; k < LLM__MIN(kc, k1 + 16); k++)
                for (r = 0; r < n; r += 16) LLM__PREFETCH(src + k * ks + r);
            for (p = 0; p < n; p += w) {
                int nv = LLM__MIN(w, n - p);
                for (k = k0; k < k1; k++) {
                    const float *s = src + k * ks + p;
                    float *d = dst + (ptrdiff_t)p * kc + (ptrdiff_t)k * w;
                    if (nv == w) memcpy(d, s, (size_t)w * sizeof(float));
                    else {
                        for (r = 0; r < nv; r++) d[r] = s[r];
                        for (; r < w; r++) d[r] = 0.0f;
                    }
                }
            }
        }
        return;
    }
    for (p = 0; p < n; p += w) {
        float *pd = dst + (ptrdiff_t)p * kc;
        const float *ps = src + p * rs;
        int nv = LLM__MIN(w, n - p), k0 = 0;
        if (ks == 1) {   /* k contiguous: whole blocks by the variant, then the rest */
            if (kern->pack_t) k0 = kern->pack_t(pd, w, nv, kc, ps, rs);
            for (; k0 < kc; k0++) {
                float *d = pd + (ptrdiff_t)k0 * w;
                for (r = 0; r < nv; r++) d[r] = ps[r * rs + k0];
                for (; r < w; r++) d[r] = 0.0f;
            }
        } else {
            for (k = 0; k < kc; k++) {
                float *d = pd + (ptrdiff_t)k * w;
                for (r = 0; r < nv; r++) d[r] = ps[r * rs + k * ks];
                for (; r < w; r++) d[r] = 0.0f;
            }
        }
    }
}

/* ---- the threaded driver */
typedef struct llm__gemm_args {
    const llm__kernels *kern;
    int M, N, K, tm, tn, accumulate;
    const float *A, *B;
    ptrdiff_t a_rs, a_cs, b_rs, b_cs, ldc;
    float *C;
    float *buf;        /* per-thread packing buffers; NULL = unpacked fallback */
    size_t buf_stride; /* floats per thread */
    int mc_max;        /* rows of A one slice packs at once (<= MC, a multiple of MR) */
} llm__gemm_args;

static void llm__gemm_task(void *ctx, int ith, int nth) {
    const llm__gemm_args *g = (const llm__gemm_args *)ctx;
    const int MR = g->kern->mr, NR = g->kern->nr, KC = LLM__GEMM_KC;
    const int NC = LLM__GEMM_NC / NR * NR;
    size_t lo, hi;
    int m0, m1, n0, n1, mcb, ncb, pc, ic, jc, ir, jr;
    float *pa, *pb;
    float tile[LLM__GEMM_MR_MAX * LLM__GEMM_NR_MAX];
    if (ith >= g->tm * g->tn) return; /* (never: the grid is made for nth threads) */
    LLM__UNUSED(nth);
    /* this thread's rectangle of C, cut on MR / NR tile boundaries */
    llm__split((size_t)((g->M + MR - 1) / MR), ith / g->tn, g->tm, &lo, &hi);
    m0 = (int)lo * MR; m1 = LLM__MIN(g->M, (int)hi * MR);
    llm__split((size_t)((g->N + NR - 1) / NR), ith % g->tn, g->tn, &lo, &hi);
    n0 = (int)lo * NR; n1 = LLM__MIN(g->N, (int)hi * NR);
    if (m0 >= m1 || n0 >= n1) return;

    if (!g->buf) {
        /* Unpacked fallback (no scratch memory): same K order for every element. */
        int i, j, k;
        for (i = m0; i < m1; i++) {
            float *c = g->C + i * g->ldc;
            if (!g->accumulate) for (j = n0; j < n1; j++) c[j] = 0.0f;
            for (k = 0; k < g->K; k++) {
                float av = g->A[i * g->a_rs + k * g->a_cs];
                const float *b = g->B + k * g->b_rs;
                for (j = n0; j < n1; j++) c[j] += av * b[j * g->b_cs];
            }
        }
        return;
    }

    pa = g->buf + (size_t)ith * g->buf_stride;
    pb = pa + (size_t)g->mc_max * KC;
    /* block sizes: at most mc_max / NC, as even as possible, multiples of MR / NR */
    mcb = (m1 - m0 + g->mc_max - 1) / g->mc_max; mcb = ((m1 - m0 + mcb - 1) / mcb + MR - 1) / MR * MR;
    ncb = (n1 - n0 + NC - 1) / NC; ncb = ((n1 - n0 + ncb - 1) / ncb + NR - 1) / NR * NR;
    for (pc = 0; pc < g->K; pc += KC) {
        int kc = LLM__MIN(KC, g->K - pc);
        int beta = g->accumulate || pc > 0;
        for (ic = m0; ic < m1; ic += mcb) {
            int mc = LLM__MIN(mcb, m1 - ic);
            llm__gemm_pack(g->kern, pa, MR, mc, kc, g->A + ic * g->a_rs + pc * g->a_cs, g->a_rs, g->a_cs);
            for (jc = n0; jc < n1; jc += ncb) {
                int nc = LLM__MIN(ncb, n1 - jc);
                llm__gemm_pack(g->kern, pb, NR, nc, kc, g->B + pc * g->b_rs + jc * g->b_cs, g->b_cs, g->b_rs);
                for (ir = 0; ir < mc; ir += MR) {
                    int mr = LLM__MIN(MR, mc - ir);
                    for (jr = 0; jr < nc; jr += NR) {
                        int nr = LLM__MIN(NR, nc - jr), i, j;
                        float *c = g->C + (ic + ir) * g->ldc + jc + jr;
                        if (mr == MR && nr == NR) {
                            g->kern->gemm(kc, pa + (size_t)ir * kc, pb + (size_t)jr * kc, c, g->ldc, beta);
                            continue;
                        }
                        /* edge tile: run the full kernel on a scratch tile, copy back the valid part */
                        for (i = 0; i < MR; i++)
                            for (j = 0; j < NR; j++)
                                tile[i * NR + j] = (beta && i < mr && j < nr) ? c[i * g->ldc + j] : 0.0f;
                        g->kern->gemm(kc, pa + (size_t)ir * kc, pb + (size_t)jr * kc, tile, NR, 1);
                        for (i = 0; i < mr; i++)
                            for (j = 0; j < nr; j++) c[i * g->ldc + j] = tile[i * NR + j];
                    }
                }
            }
        }
    }
}

/* Floats of one thread's packing buffers for products of at most max_rows rows of C: a
   block of A (up to MC rows) and a KC x NC panel of B (for the largest tile of any variant). */
static size_t llm__gemm_ws(int max_rows) {
    const size_t MR = LLM__GEMM_MR_MAX, rows = (size_t)LLM__MIN(LLM__GEMM_MC, LLM__MAX(max_rows, 1));
    return (rows + MR - 1) / MR * MR * LLM__GEMM_KC + (size_t)LLM__GEMM_KC * LLM__GEMM_NC + 16;
}

/* C[M,N] = (accumulate ? C : 0) + A[M,K] * B[K,N]
   A(i,k) = A[i*a_rs + k*a_cs], B(k,j) = B[k*b_rs + j*b_cs], C(i,j) = C[i*ldc + j].
   ws: one slice of ws_stride floats per thread of pool for the packed panels (see
   llm__gemm_ws); NULL or too small: a slower unpacked loop with the same results' order
   (it never fails). Uses all threads of pool (NULL = the caller only). */
static void llm__gemm(const llm__kernels *kern, llm_threadpool *pool, float *ws, size_t ws_stride, int M, int N,
                      int K, const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const float *B, ptrdiff_t b_rs,
                      ptrdiff_t b_cs, float *C, ptrdiff_t ldc, int accumulate) {
    const int MR = kern->mr, NR = kern->nr, KC = LLM__GEMM_KC, NC = LLM__GEMM_NC / NR * NR;
    const size_t b_panel = (size_t)KC * LLM__GEMM_NC + 16;
    llm__gemm_args g;
    int nth = llm__pool_width(pool), tn, mt, nt;   /* llm__parallel's parts */
    double best = -1.0;
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        int i, j;
        if (!accumulate)
            for (i = 0; i < M; i++) for (j = 0; j < N; j++) C[i * ldc + j] = 0.0f;
        return;
    }
    memset(&g, 0, sizeof g);
    g.kern = kern;
    g.M = M; g.N = N; g.K = K; g.accumulate = accumulate;
    g.A = A; g.a_rs = a_rs; g.a_cs = a_cs; g.B = B; g.b_rs = b_rs; g.b_cs = b_cs;
    g.C = C; g.ldc = ldc;
    /* Thread grid tm x tn = nth: minimise the largest thread's cost = its padded tiles
       (MR*NR FMAs per k each) plus its packing (about 16 FMAs' worth per packed value:
       its rows of A once per NC block of its columns, its columns of B). */
    mt = (M + MR - 1) / MR; nt = (N + NR - 1) / NR;
    g.tm = nth; g.tn = 1;
    for (tn = 1; tn <= nth; tn++) {
        int tm = nth / tn;
        double rows, cols, cost;
        if (tm * tn != nth) continue;
        rows = (double)((mt + tm - 1) / tm) * MR;
        cols = (double)((nt + tn - 1) / tn) * NR;
        cost = rows * cols + 16.0 * (rows * (double)((int)((cols + NC - 1) / NC)) + cols);
        if (best < 0 || cost < best) { best = cost; g.tm = tm; g.tn = tn; }
    }
    if (ws && ws_stride >= b_panel + (size_t)MR * KC) {
        g.buf = ws;
        g.buf_stride = ws_stride;
        g.mc_max = (int)LLM__MIN((size_t)LLM__GEMM_MC, (ws_stride - b_panel) / KC / MR * MR);
    }
    llm__parallel(pool, llm__gemm_task, &g);
}


LLMDEF size_t llm_gemm_workspace_size(const llm_threadpool *pool) {
    return llm__gemm_ws(INT32_MAX) * sizeof(float) * (size_t)llm_threadpool_size(pool);
}
LLMDEF llm_status llm_gemm(llm_threadpool *pool, void *workspace, int M, int N, int K,
                           const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const float *B, ptrdiff_t b_rs,
                           ptrdiff_t b_cs, float *C, ptrdiff_t ldc, int accumulate) {
    llm__kernels k;
    if (M < 0 || N < 0 || K < 0) return LLM_ERR_INVALID_ARG;
    if (M == 0 || N == 0) return LLM_OK;
    if (!C || (K > 0 && (!A || !B))) return LLM_ERR_INVALID_ARG;
    if (pool) k = pool->kern;
    else llm__kernels_choose(&k, NULL, 0);
    llm__gemm(&k, pool, (float *)workspace, workspace ? llm__gemm_ws(INT32_MAX) : 0, M, N, K, A, a_rs, a_cs, B, b_rs,
              b_cs, C, ldc, accumulate);
    return LLM_OK;
}

/* ---- >>sampler kernels: the heaps, the selection and the vectorised loops of >>sampler ---- */
/* a ranks before b: a higher logit, or the same logit and a lower id. A strict total order,
   so every cut (top-k, the nucleus) is the same whichever way the tokens are visited. */
LLM__INLINE int llm__sc_before(const llm__scand *a, const llm__scand *b) {
    return a->logit > b->logit || (a->logit == b->logit && a->id < b->id);
}

/* A binary heap with the *worst* candidate at the root (every parent ranks after its
   children): top-k's "is this token better than the worst one kept?" is then one compare. */
static void llm__sc_sift_down(llm__scand *h, int n, int i) {
    llm__scand x = h[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && llm__sc_before(&h[c], &h[c + 1])) c++; /* the worse child */
        if (llm__sc_before(&h[c], &x)) break;                   /* x is worse: stays */
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}
static void llm__sc_sift_up(llm__scand *h, int i) {
    llm__scand x = h[i];
    while (i > 0) {
        int p = (i - 1) / 2;
        if (llm__sc_before(&x, &h[p])) break; /* x is better than its parent: heap holds */
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}
/* Heapsort, best first: build the worst-at-root heap, then move the root to the end. */
static void llm__sc_sort(llm__scand *a, int n) {
    int i;
    for (i = n / 2 - 1; i >= 0; i--) llm__sc_sift_down(a, n, i);
    for (i = n - 1; i > 0; i--) {
        llm__scand t = a[0];
        a[0] = a[i];
        a[i] = t;
        llm__sc_sift_down(a, i, 0);
    }
}
LLM__INLINE void llm__sc_swap(llm__scand *a, llm__scand *b) {
    llm__scand t = *a;
    *a = *b;
    *b = t;
}

/* top-k: the k best tokens of l[0, V) into h[0, n), n <= k (banned -inf tokens are
   skipped). Ids arrive in increasing order, so a tie with the root never displaces it. */
static int llm__sampler_top_k(const float *LLM__RESTRICT l, int V, int k, llm__scand *LLM__RESTRICT h) {
    int n = 0, i;
    for (i = 0; i < V; i++) {
        float v = l[i];
        if (n < k) {
            if (v == -INFINITY) continue;
            h[n].logit = v; h[n].w = 0; h[n].id = i;
            llm__sc_sift_up(h, n++);
        } else if (v > h[0].logit) {
            h[0].logit = v; h[0].id = i;
            llm__sc_sift_down(h, n, 0);
        }
    }
    return n;
}

/* The nucleus of a[0, n): reorders a so that a[0, c) are the c best candidates, with c the
   smallest count whose weights sum to >= need, and returns c (n if even all of them fall
   short, which only rounding can cause). a[0, c) is left unsorted.
   Quickselect on mass: everything in a[0, lo) is known to be in, the cut lies in [lo, hi]. */
static int llm__sampler_nucleus(llm__scand *a, int n, double need) {
    int lo = 0, hi = n, budget = 8, i, j;
    for (i = n; i > 1; i >>= 1) budget += 2; /* about 2 log2(n) + 8 partitions, then sort */
    while (hi - lo > 16 && budget-- > 0) {
        int mid = lo + (hi - lo) / 2;
        double mass = 0;
        llm__scand piv;
        /* median of three as the pivot, parked at hi - 1 */
        if (llm__sc_before(&a[mid], &a[lo])) llm__sc_swap(&a[mid], &a[lo]);
        if (llm__sc_before(&a[hi - 1], &a[lo])) llm__sc_swap(&a[hi - 1], &a[lo]);
        if (llm__sc_before(&a[hi - 1], &a[mid])) llm__sc_swap(&a[hi - 1], &a[mid]);
        llm__sc_swap(&a[mid], &a[hi - 1]);
        piv = a[hi - 1];
        /* Lomuto partition: a[lo, i) rank before the pivot, a[i, j) after it */
        for (i = lo, j = lo; j < hi - 1; j++) {
            if (llm__sc_before(&a[j], &piv)) {
                mass += a[j].w;
                llm__sc_swap(&a[i], &a[j]);
                i++;
            }
        }
        llm__sc_swap(&a[i], &a[hi - 1]); /* the pivot lands at a[i] */
        if (mass >= need) hi = i;                          /* the cut is above the pivot */
        else if (mass + a[i].w >= need) return i + 1;      /* the pivot completes it */
        else { need -= mass + a[i].w; lo = i + 1; }        /* all of a[lo, i] are in */
    }
    /* a small range (or bad luck with pivots): sort it and walk it */
    llm__sc_sort(a + lo, hi - lo);
    for (; lo < hi; lo++) {
        need -= a[lo].w;
        if (need <= 0) return lo + 1;
    }
    return hi;
}


/* The vocabulary loops below run over n_pad = vocab_size rounded up to 16, in blocks of 16
   with a constant trip count: compilers vectorise those even at -O2 (no remainder loop).
   The padding holds -inf logits, hence zero weights, so it never changes a result. */

/* w[i] = exp((l[i] - m) / T) for the whole (padded) vocabulary; returns Z = sum of w.
   Eight partial sums in a fixed order: deterministic, and vectorised too. */
static double llm__sampler_weights(const float *LLM__RESTRICT l, float *LLM__RESTRICT w,
                                   int n_pad, float m, float inv_t) {
    double z8[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }, z = 0;
    int i, j;
    for (i = 0; i < n_pad; i += 16)
        for (j = 0; j < 16; j++) w[i + j] = llm__exp_neg((l[i + j] - m) * inv_t);
    for (i = 0; i < n_pad; i += 8)
        for (j = 0; j < 8; j++) z8[j] += (double)w[i + j];
    for (j = 0; j < 8; j++) z += z8[j];
    return z;
}

/* A float's bits as an unsigned key with the same order (the radix-sort trick: flip all
   bits of a negative, only the sign bit of a positive), so the max is an integer max, which
   vectorises; a `?:` on floats would not. -inf has the smallest key of all numbers. */
LLM__INLINE uint32_t llm__sampler_key(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u ^ ((0u - (u >> 31)) | 0x80000000u);
}

/* The max of w[0, n_pad) and the first index holding it: sixteen running maxima of the
   keys, then a search for the first equal element, a block of 16 at a time. No NaN here. */
static float llm__sampler_max(const float *LLM__RESTRICT w, int n_pad, int32_t *argmax) {
    uint32_t k16[16], k = 0;
    float m;
    int i, j;
    for (j = 0; j < 16; j++) k16[j] = 0;
    for (i = 0; i < n_pad; i += 16)
        for (j = 0; j < 16; j++) {
            uint32_t x = llm__sampler_key(w[i + j]);
            k16[j] = x > k16[j] ? x : k16[j];
        }
    for (j = 0; j < 16; j++) k = k16[j] > k ? k16[j] : k;
    k ^= (k >> 31) ? 0x80000000u : 0xffffffffu; /* back to the float's bits */
    memcpy(&m, &k, 4);
    for (i = 0; i < n_pad; i += 16) {
        int hit = 0;
        for (j = 0; j < 16; j++) hit |= w[i + j] == m;
        if (hit) break;
    }
    while (i < n_pad && w[i] != m) i++;
    *argmax = i < n_pad ? i : 0;
    return m;
}

/* The same over the whole vocabulary (w by id), skipping blocks of 64 whose sum keeps the
   running total at or below target (the block sums are vectorised; the walk inside one
   block is not). fallback: a token with positive weight (the argmax). */
static int32_t llm__sampler_draw_dense(const float *LLM__RESTRICT w, int V, double target,
                                       int32_t fallback) {
    double acc = 0;
    int i = 0, j, k;
    for (; i + 64 <= V; i += 64) {
        float b8[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
        double b;
        for (k = 0; k < 64; k += 8)
            for (j = 0; j < 8; j++) b8[j] += w[i + k + j];
        b = (double)((b8[0] + b8[1]) + (b8[2] + b8[3])) + (double)((b8[4] + b8[5]) + (b8[6] + b8[7]));
        if (acc + b > target) break;
        acc += b;
    }
    for (; i < V; i++) {
        if (w[i] <= 0) continue;
        acc += w[i];
        fallback = i;
        if (acc > target) return i;
    }
    return fallback;
}

/* ---- >>matvec: out (N, OC) = inp (N, C) @ w (OC, C)^T + bias for N <= LLM__MATVEC_ROWS rows
   (decoding). Output columns are split over the threads, so the weights stream through
   memory exactly once. dot4: four dot products of x with four weight rows at once; x is
   loaded once for all four, and several accumulator chains hide the FMA latency, so the
   loop is bound by memory bandwidth.
   The SIMD variants all compute the same sum: 32 partial sums (element i goes to partial
   i mod 32, the tail padded with zeros), then q[j] = p[j] + p[j + 16], then the 16 q's
   halved pairwise in the same order (AVX-512: two zmm of 16; AVX2: four ymm of 8; NEON:
   eight q registers of 4). ---- */
static void llm__dot4_portable(const float *LLM__RESTRICT x, const float *LLM__RESTRICT w0,
                               const float *LLM__RESTRICT w1, const float *LLM__RESTRICT w2,
                               const float *LLM__RESTRICT w3, int n, float *out) {
    out[0] = llm__dot(x, w0, n); out[1] = llm__dot(x, w1, n);
    out[2] = llm__dot(x, w2, n); out[3] = llm__dot(x, w3, n);
}
/* the end of the common sum: 16 values q[0..15], halved pairwise (8 + 8, 4 + 4, 2 + 2, 1 + 1) */
LLM__MAYBE_UNUSED static float llm__sum16(const float *q) {
    float s8[8], s4[4], s2[2];
    int i;
    for (i = 0; i < 8; i++) s8[i] = q[8 + i] + q[i];
    for (i = 0; i < 4; i++) s4[i] = s8[4 + i] + s8[i];
    s2[0] = s4[2] + s4[0]; s2[1] = s4[3] + s4[1];
    return s2[1] + s2[0];
}
#if defined(LLM__X86)
/* llm__sum16's halvings from s8 = q[8..15] + q[0..7] on, in registers. The SIMD functions
   end with vzeroupper and call no plain-SSE code: in a build without -mavx, SSE code that
   runs while the upper halves of the vector registers are dirty pays a penalty on every
   instruction on many Intel CPUs. */
static LLM__TARGET_AVX2 float llm__hsum8(__m256 s8) {
    __m128 s4 = _mm_add_ps(_mm256_extractf128_ps(s8, 1), _mm256_castps256_ps128(s8));
    s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    s4 = _mm_add_ss(s4, _mm_shuffle_ps(s4, s4, 1));
    return _mm_cvtss_f32(s4);
}
static LLM__TARGET_AVX512 float llm__hsum16(__m512 q) {
    const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd((__mmask8)0xF, _mm512_castps_pd(q), 0));
    const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd((__mmask8)0xF, _mm512_castps_pd(q), 1));
    return llm__hsum8(_mm256_add_ps(hi, lo));
}
static LLM__TARGET_AVX512 void llm__dot4_avx512(const float *LLM__RESTRICT x, const float *LLM__RESTRICT w0,
                                                const float *LLM__RESTRICT w1, const float *LLM__RESTRICT w2,
                                                const float *LLM__RESTRICT w3, int n, float *out) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        a0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + i), a0);
        b0 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w0 + i + 16), b0);
        a1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w1 + i), a1);
        b1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + i + 16), b1);
        a2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w2 + i), a2);
        b2 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w2 + i + 16), b2);
        a3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w3 + i), a3);
        b3 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w3 + i + 16), b3);
    }
    if (i < n) {   /* the tail, zero-padded: 16 into a, the rest into b */
        const int r = n - i;
        const __mmask16 ma = (__mmask16)(r >= 16 ? 0xFFFFu : (1u << r) - 1u);
        const __mmask16 mb = (__mmask16)(r <= 16 ? 0u : (1u << (r - 16)) - 1u);
        const __m512 x0 = _mm512_maskz_loadu_ps(ma, x + i), x1 = _mm512_maskz_loadu_ps(mb, x + i + 16);
        a0 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(ma, w0 + i), a0);
        a1 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(ma, w1 + i), a1);
        a2 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(ma, w2 + i), a2);
        a3 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(ma, w3 + i), a3);
        b0 = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mb, w0 + i + 16), b0);
        b1 = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mb, w1 + i + 16), b1);
        b2 = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mb, w2 + i + 16), b2);
        b3 = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mb, w3 + i + 16), b3);
    }
    out[0] = llm__hsum16(_mm512_add_ps(a0, b0)); out[1] = llm__hsum16(_mm512_add_ps(a1, b1));
    out[2] = llm__hsum16(_mm512_add_ps(a2, b2)); out[3] = llm__hsum16(_mm512_add_ps(a3, b3));
    _mm256_zeroupper();
}
/* AVX2: two rows at a time (4 ymm of partials each: 16 registers hold no more) */
static LLM__TARGET_AVX2 void llm__dot2_avx2(const float *LLM__RESTRICT x, const float *LLM__RESTRICT w0,
                                            const float *LLM__RESTRICT w1, int n, float *out) {
    __m256 p0 = _mm256_setzero_ps(), p1 = p0, p2 = p0, p3 = p0, r0 = p0, r1 = p0, r2 = p0, r3 = p0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        const __m256 x2 = _mm256_loadu_ps(x + i + 16), x3 = _mm256_loadu_ps(x + i + 24);
        p0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + i), p0);
        p1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w0 + i + 8), p1);
        p2 = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w0 + i + 16), p2);
        p3 = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w0 + i + 24), p3);
        r0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w1 + i), r0);
        r1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + i + 8), r1);
        r2 = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w1 + i + 16), r2);
        r3 = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w1 + i + 24), r3);
    }
    if (i < n) {   /* the tail, zero-padded, 8 per register */
        __m256i m[4];
        int j;
        for (j = 0; j < 4; j++) {
            const int r = LLM__MAX(0, LLM__MIN(8, n - i - 8 * j));
            const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            m[j] = _mm256_cmpgt_epi32(_mm256_set1_epi32(r), lane);
        }
        {
            const __m256 x0 = _mm256_maskload_ps(x + i, m[0]), x1 = _mm256_maskload_ps(x + i + 8, m[1]);
            const __m256 x2 = _mm256_maskload_ps(x + i + 16, m[2]), x3 = _mm256_maskload_ps(x + i + 24, m[3]);
            p0 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + i, m[0]), p0);
            p1 = _mm256_fmadd_ps(x1, _mm256_maskload_ps(w0 + i + 8, m[1]), p1);
            p2 = _mm256_fmadd_ps(x2, _mm256_maskload_ps(w0 + i + 16, m[2]), p2);
            p3 = _mm256_fmadd_ps(x3, _mm256_maskload_ps(w0 + i + 24, m[3]), p3);
            r0 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w1 + i, m[0]), r0);
            r1 = _mm256_fmadd_ps(x1, _mm256_maskload_ps(w1 + i + 8, m[1]), r1);
            r2 = _mm256_fmadd_ps(x2, _mm256_maskload_ps(w1 + i + 16, m[2]), r2);
            r3 = _mm256_fmadd_ps(x3, _mm256_maskload_ps(w1 + i + 24, m[3]), r3);
        }
    }
    /* q = p[0..15] + p[16..31]: q[0..7] = p0 + p2, q[8..15] = p1 + p3; then s8 = q[8..] + q[0..] */
    out[0] = llm__hsum8(_mm256_add_ps(_mm256_add_ps(p1, p3), _mm256_add_ps(p0, p2)));
    out[1] = llm__hsum8(_mm256_add_ps(_mm256_add_ps(r1, r3), _mm256_add_ps(r0, r2)));
}
static LLM__TARGET_AVX2 void llm__dot4_avx2(const float *LLM__RESTRICT x, const float *LLM__RESTRICT w0,
                                            const float *LLM__RESTRICT w1, const float *LLM__RESTRICT w2,
                                            const float *LLM__RESTRICT w3, int n, float *out) {
    llm__dot2_avx2(x, w0, w1, n, out);
    llm__dot2_avx2(x, w2, w3, n, out + 2);
    _mm256_zeroupper();
}
#endif
#if defined(LLM__NEON)
/* NEON: two rows at a time, 8 q registers of 4 partials each */
static void llm__dot2_neon(const float *LLM__RESTRICT x, const float *LLM__RESTRICT w0, const float *LLM__RESTRICT w1,
                           int n, float *out) {
    float32x4_t p[8], r[8];
    float q[16], xt[32], t0[32], t1[32];
    int i = 0, j;
    for (j = 0; j < 8; j++) { p[j] = vdupq_n_f32(0.0f); r[j] = p[j]; }
    for (; i + 32 <= n; i += 32)
        for (j = 0; j < 8; j++) {
            const float32x4_t xv = vld1q_f32(x + i + 4 * j);
            p[j] = vfmaq_f32(p[j], xv, vld1q_f32(w0 + i + 4 * j));
            r[j] = vfmaq_f32(r[j], xv, vld1q_f32(w1 + i + 4 * j));
        }
    if (i < n) {   /* the tail, zero-padded */
        for (j = 0; j < 32; j++) {
            const int in = i + j < n;
            xt[j] = in ? x[i + j] : 0.0f; t0[j] = in ? w0[i + j] : 0.0f; t1[j] = in ? w1[i + j] : 0.0f;
        }
        for (j = 0; j < 8; j++) {
            const float32x4_t xv = vld1q_f32(xt + 4 * j);
            p[j] = vfmaq_f32(p[j], xv, vld1q_f32(t0 + 4 * j));
            r[j] = vfmaq_f32(r[j], xv, vld1q_f32(t1 + 4 * j));
        }
    }
    for (j = 0; j < 4; j++) vst1q_f32(q + 4 * j, vaddq_f32(p[j], p[j + 4]));
    out[0] = llm__sum16(q);
    for (j = 0; j < 4; j++) vst1q_f32(q + 4 * j, vaddq_f32(r[j], r[j + 4]));
    out[1] = llm__sum16(q);
}
static void llm__dot4_neon(const float *LLM__RESTRICT x, const float *LLM__RESTRICT w0, const float *LLM__RESTRICT w1,
                           const float *LLM__RESTRICT w2, const float *LLM__RESTRICT w3, int n, float *out) {
    llm__dot2_neon(x, w0, w1, n, out);
    llm__dot2_neon(x, w2, w3, n, out + 2);
}
#endif
typedef struct llm__mv_args {
    const llm__kernels *kern;
    float *out;
    const float *inp, *w, *bias;
    size_t N;
    int C, OC;
} llm__mv_args;
static void llm__matvec_cols(void *c, size_t lo, size_t hi) {
    const llm__mv_args *a = (const llm__mv_args *)c;
    size_t j = lo, r;
    const size_t C = (size_t)a->C;
    for (; j + 4 <= hi; j += 4) {
        const float *w = a->w + j * C;
        for (r = 0; r < a->N; r++) {
            float d[4];
            int u;
            a->kern->dot4(a->inp + r * C, w, w + C, w + 2 * C, w + 3 * C, a->C, d);
            for (u = 0; u < 4; u++) a->out[r * a->OC + j + u] = d[u] + (a->bias ? a->bias[j + u] : 0.0f);
        }
    }
    for (; j < hi; j++) {   /* the last columns: the same sums (the first three rows repeated) */
        const float *wj = a->w + j * C;
        for (r = 0; r < a->N; r++) {
            float d[4];
            a->kern->dot4(a->inp + r * C, wj, wj, wj, wj, a->C, d);
            a->out[r * a->OC + j] = d[0] + (a->bias ? a->bias[j] : 0.0f);
        }
    }
}
static void llm__matvec(const llm__kernels *kern, llm_threadpool *pool, float *out, const float *inp, const float *w,
                        const float *bias, size_t N, int C, int OC) {
    llm__mv_args a;
    a.kern = kern; a.out = out; a.inp = inp; a.w = w; a.bias = bias; a.N = N; a.C = C; a.OC = OC;
    llm__parallel_for(pool, (size_t)OC, llm__matvec_cols, &a);
}

/* ---- >>qmatmul: out (N, OC) = inp (N, C) @ W^T + bias with W a quantized copy (>>quant).
   Each input row is quantized to blocks of 32 int8 with one float scale (and the block's sum,
   which Q4_0 and Q4_K's offsets need), as ggml does for its Q8_0 activations; then every
   output is a sum over blocks of (weight scale x activation scale x an integer dot product).
   The output columns are split over the threads; each weight row is read once for all N
   inputs. ---- */

static void llm__q8x_quantize(const float *x, llm__q8x *b, int n) {
    int k, j;
    for (k = 0; k < n / 32; k++, x += 32, b++) {
        float amax = 0, id;
        int32_t s = 0;
        for (j = 0; j < 32; j++) amax = LLM__MAX(amax, fabsf(x[j]));
        b->d = amax / 127.0f;
        id = b->d ? 1.0f / b->d : 0.0f;
        for (j = 0; j < 32; j++) {   /* round to nearest even: the float adder does it (|x id| <= 127); the
                                        sum is stored as a float first (where float math runs in double, as on
                                        s390x, only that store rounds) */
            const float big = x[j] * id + 12582912.0f, r = big - 12582912.0f;
            b->q[j] = (int8_t)(r >= -127.0f && r <= 127.0f ? (int)r : 0);   /* (NaN and Inf inputs: 0) */
            s += b->q[j];
        }
        b->sum = s;
    }
}
/* the dot product of a weight row (n values of `type`) with quantized activations */
static float llm__qdot_portable(int type, const unsigned char *w, const llm__q8x *x, int n) {
    float acc = 0;
    int b, j, l;
    switch (type) {
    case LLM_TYPE_Q8_0:
        for (b = 0; b < n / 32; b++, w += 34, x++) {
            int32_t s = 0;
            /* (the sign by hand: GCC 12's vectoriser at -O2 -march=native with AVX-512 VNNI
               miscompiles the plain signed-byte dot product) */
            for (j = 0; j < 32; j++) s += ((int)w[2 + j] - ((w[2 + j] & 0x80) << 1)) * x->q[j];
            acc += llm__f16_to_f32(llm__rd_u16(w)) * x->d * (float)s;
        }
        break;
    case LLM_TYPE_Q4_0:
        for (b = 0; b < n / 32; b++, w += 18, x++) {
            int32_t s = 0;
            for (j = 0; j < 16; j++) s += (w[2 + j] & 0xF) * x->q[j] + (w[2 + j] >> 4) * x->q[j + 16];
            acc += llm__f16_to_f32(llm__rd_u16(w)) * x->d * (float)(s - 8 * x->sum);
        }
        break;
    case LLM_TYPE_Q5_0:
    case LLM_TYPE_Q5_1: {   /* q . x, then Q5_0: d (q . x - 16 sum x); Q5_1: d q . x + m sum x */
        const int q51 = type == LLM_TYPE_Q5_1, bs = q51 ? 24 : 22;
        for (b = 0; b < n / 32; b++, w += bs, x++) {
            const uint32_t qh = llm__rd_u32(w + 2 + 2 * q51);
            const unsigned char *qs = w + 6 + 2 * q51;
            int32_t s = 0;
            for (j = 0; j < 16; j++)
                s += (int)((qs[j] & 0xF) | (((qh >> j) & 1) << 4)) * x->q[j] +
                     (int)((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) * x->q[j + 16];
            if (q51)
                acc += x->d * (llm__f16_to_f32(llm__rd_u16(w)) * (float)s +
                               llm__f16_to_f32(llm__rd_u16(w + 2)) * (float)x->sum);
            else acc += llm__f16_to_f32(llm__rd_u16(w)) * x->d * (float)(s - 16 * x->sum);
        }
        break;
    }
    case LLM_TYPE_Q5_K:
        for (b = 0; b < n / 256; b++, w += 176) {
            const float d = llm__f16_to_f32(llm__rd_u16(w)), dmin = llm__f16_to_f32(llm__rd_u16(w + 2));
            const unsigned char *qh = w + 16, *q = w + 48;
            for (j = 0; j < 8; j += 2, q += 32, x += 2) {
                int s1, m1, s2, m2;
                int32_t lo = 0, hi = 0;
                llm__q4k_scale_min(j, w + 4, &s1, &m1);
                llm__q4k_scale_min(j + 1, w + 4, &s2, &m2);
                for (l = 0; l < 32; l++) {
                    lo += (int)((q[l] & 0xF) | (((qh[l] >> j) & 1) << 4)) * x[0].q[l];
                    hi += (int)((q[l] >> 4) | (((qh[l] >> (j + 1)) & 1) << 4)) * x[1].q[l];
                }
                acc += x[0].d * (d * (float)s1 * (float)lo - dmin * (float)m1 * (float)x[0].sum) +
                       x[1].d * (d * (float)s2 * (float)hi - dmin * (float)m2 * (float)x[1].sum);
            }
        }
        break;
    case LLM_TYPE_Q4_K:
        for (b = 0; b < n / 256; b++, w += 144) {
            const float d = llm__f16_to_f32(llm__rd_u16(w)), dmin = llm__f16_to_f32(llm__rd_u16(w + 2));
            const unsigned char *q = w + 16;
            for (j = 0; j < 8; j += 2, q += 32, x += 2) {
                int s1, m1, s2, m2;
                int32_t lo = 0, hi = 0;
                llm__q4k_scale_min(j, w + 4, &s1, &m1);
                llm__q4k_scale_min(j + 1, w + 4, &s2, &m2);
                for (l = 0; l < 32; l++) { lo += (q[l] & 0xF) * x[0].q[l]; hi += (q[l] >> 4) * x[1].q[l]; }
                acc += x[0].d * (d * (float)s1 * (float)lo - dmin * (float)m1 * (float)x[0].sum) +
                       x[1].d * (d * (float)s2 * (float)hi - dmin * (float)m2 * (float)x[1].sum);
            }
        }
        break;
    case LLM_TYPE_Q6_K:
        for (b = 0; b < n / 256; b++, w += 210) {
            const unsigned char *ql = w, *qh = w + 128;
            const int8_t *sc = (const int8_t *)(w + 192);
            const float d = llm__f16_to_f32(llm__rd_u16(w + 208));
            int half;
            for (half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, x += 4) {
                int32_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0};   /* sub-blocks of 16: (value group, l / 16) */
                for (l = 0; l < 32; l++) {
                    const int is = l / 16;
                    s[0 + is] += ((int)((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32) * x[0].q[l];
                    s[2 + is] += ((int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * x[1].q[l];
                    s[4 + is] += ((int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * x[2].q[l];
                    s[6 + is] += ((int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * x[3].q[l];
                }
                for (l = 0; l < 4; l++)
                    acc +=
                        d * x[l].d * ((float)sc[2 * l] * (float)s[2 * l] + (float)sc[2 * l + 1] * (float)s[2 * l + 1]);
            }
        }
        break;
    default: break;
    }
    return acc;
}
#if defined(LLM__X86)
/* 32 int8 products of signed a and b summed into 8 int32 lanes: maddubs multiplies unsigned
   by signed bytes, so |a| meets b with a's sign */
static LLM__TARGET_AVX2 __m256i llm__dot32_avx2(__m256i a, __m256i b) {
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}
/* unsigned a (0..15 or 0..63) times signed b */
static LLM__TARGET_AVX2 __m256i llm__dot32u_avx2(__m256i a, __m256i b) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1));
}
static LLM__TARGET_AVX2 float llm__hsum_i32f_avx2(__m256 v) { return llm__hsum8(v); }
/* (llm__q4k_scale_min compiled for AVX2, so that the kernels below inline it) */
static LLM__TARGET_AVX2 void llm__q4k_scale_min_avx2(int j, const unsigned char *q, int *sc, int *m) {
    if (j < 4) {
        *sc = q[j] & 63; *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}
static LLM__TARGET_AVX2 float llm__qdot_avx2(int type, const unsigned char *w, const llm__q8x *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    float r;
    int b;
    switch (type) {
    case LLM_TYPE_Q5_0:
    case LLM_TYPE_Q5_1: {   /* byte j of the 32: bit j of qh (its byte j / 8 spread, one bit tested per byte) */
        const int q51 = type == LLM_TYPE_Q5_1, bs = q51 ? 24 : 22;
        const __m256i lo4 = _mm256_set1_epi8(0xF), sixteen = _mm256_set1_epi8(16);
        const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
                                                3, 3, 3, 3, 3, 3, 3, 3);
        const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
        float extra = 0;
        for (b = 0; b < n / 32; b++, w += bs, x++) {
            const __m128i q = _mm_loadu_si128((const __m128i *)(w + 6 + 2 * q51));
            const __m256i h = _mm256_shuffle_epi8(_mm256_set1_epi32((int)llm__rd_u32(w + 2 + 2 * q51)), spread);
            const __m256i hb = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, bit), bit), sixteen);
            const __m256i v = _mm256_or_si256(_mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), lo4), hb);
            const __m256i xq = _mm256_loadu_si256((const __m256i *)x->q);
            const float d = _cvtsh_ss(llm__rd_u16(w));
            if (q51) {   /* d q . x + m sum x */
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d * x->d), _mm256_cvtepi32_ps(llm__dot32u_avx2(v, xq)), acc);
                extra += x->d * _cvtsh_ss(llm__rd_u16(w + 2)) * (float)x->sum;
            } else {     /* (q - 16) . x */
                const __m256i s = llm__dot32_avx2(_mm256_sub_epi8(v, sixteen), xq);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d * x->d), _mm256_cvtepi32_ps(s), acc);
            }
        }
        r = llm__hsum8(acc) + extra;
        _mm256_zeroupper();
        return r;
    }
    case LLM_TYPE_Q5_K: {
        const __m256i lo4 = _mm256_set1_epi8(0xF), one = _mm256_set1_epi8(1);
        float extra = 0;
        for (b = 0; b < n / 256; b++, w += 176) {
            const float d = _cvtsh_ss(llm__rd_u16(w)), dmin = _cvtsh_ss(llm__rd_u16(w + 2));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)(w + 16));
            const unsigned char *q = w + 48;
            int j;
            for (j = 0; j < 8; j += 2, q += 32, x += 2) {
                const __m256i qq = _mm256_loadu_si256((const __m256i *)q);
                /* bit j (j + 1) of each qh byte as its value's 16 (bits shifted in from the
                   neighbouring byte land above bit 0 and are masked off) */
                const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, j), one), 4);
                const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, j + 1), one), 4);
                const __m256i slo = llm__dot32u_avx2(_mm256_or_si256(_mm256_and_si256(qq, lo4), h0),
                                                     _mm256_loadu_si256((const __m256i *)x[0].q));
                const __m256i shi =
                    llm__dot32u_avx2(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qq, 4), lo4), h1),
                                     _mm256_loadu_si256((const __m256i *)x[1].q));
                int s1, m1, s2, m2;
                llm__q4k_scale_min_avx2(j, w + 4, &s1, &m1);
                llm__q4k_scale_min_avx2(j + 1, w + 4, &s2, &m2);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(x[0].d * d * (float)s1), _mm256_cvtepi32_ps(slo), acc);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(x[1].d * d * (float)s2), _mm256_cvtepi32_ps(shi), acc);
                extra -= x[0].d * dmin * (float)m1 * (float)x[0].sum + x[1].d * dmin * (float)m2 * (float)x[1].sum;
            }
        }
        r = llm__hsum8(acc) + extra;
        _mm256_zeroupper();
        return r;
    }
    case LLM_TYPE_Q8_0:
        for (b = 0; b < n / 32; b++, w += 34, x++) {
            const __m256i s = llm__dot32_avx2(_mm256_loadu_si256((const __m256i *)(w + 2)),
                                               _mm256_loadu_si256((const __m256i *)x->q));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(llm__rd_u16(w)) * x->d), _mm256_cvtepi32_ps(s), acc);
        }
        break;
    case LLM_TYPE_Q4_0: {
        const __m256i lo4 = _mm256_set1_epi8(0xF), eight = _mm256_set1_epi8(8);
        for (b = 0; b < n / 32; b++, w += 18, x++) {
            const __m128i q = _mm_loadu_si128((const __m128i *)(w + 2));
            const __m256i v = _mm256_sub_epi8(_mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), lo4), eight);
            const __m256i s = llm__dot32_avx2(v, _mm256_loadu_si256((const __m256i *)x->q));   /* (q - 8) . x */
            acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(llm__rd_u16(w)) * x->d), _mm256_cvtepi32_ps(s), acc);
        }
        break;
    }
    case LLM_TYPE_Q4_K: {
        const __m256i lo4 = _mm256_set1_epi8(0xF);
        float extra = 0;
        for (b = 0; b < n / 256; b++, w += 144) {
            const float d = _cvtsh_ss(llm__rd_u16(w)), dmin = _cvtsh_ss(llm__rd_u16(w + 2));
            const unsigned char *q = w + 16;
            int j;
            for (j = 0; j < 8; j += 2, q += 32, x += 2) {
                const __m256i qq = _mm256_loadu_si256((const __m256i *)q);
                const __m256i slo =
                    llm__dot32u_avx2(_mm256_and_si256(qq, lo4), _mm256_loadu_si256((const __m256i *)x[0].q));
                const __m256i shi = llm__dot32u_avx2(_mm256_and_si256(_mm256_srli_epi16(qq, 4), lo4),
                                                     _mm256_loadu_si256((const __m256i *)x[1].q));
                int s1, m1, s2, m2;
                llm__q4k_scale_min_avx2(j, w + 4, &s1, &m1);
                llm__q4k_scale_min_avx2(j + 1, w + 4, &s2, &m2);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(x[0].d * d * (float)s1), _mm256_cvtepi32_ps(slo), acc);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(x[1].d * d * (float)s2), _mm256_cvtepi32_ps(shi), acc);
                extra -= x[0].d * dmin * (float)m1 * (float)x[0].sum + x[1].d * dmin * (float)m2 * (float)x[1].sum;
            }
        }
        r = llm__hsum8(acc) + extra;
        _mm256_zeroupper();
        return r;
    }
    case LLM_TYPE_Q6_K: {
        const __m256i lo4 = _mm256_set1_epi8(0xF), three = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
        for (b = 0; b < n / 256; b++, w += 210) {
            const unsigned char *ql = w, *qh = w + 128;
            const int8_t *sc = (const int8_t *)(w + 192);
            const float d = _cvtsh_ss(llm__rd_u16(w + 208));
            int half, g;
            for (half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, x += 4) {
                const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
                const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
                const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
                __m256i v[4];   /* the four groups of 32 values, 0..63 */
                v[0] = _mm256_or_si256(_mm256_and_si256(l0, lo4), _mm256_slli_epi16(_mm256_and_si256(h, three), 4));
                v[1] = _mm256_or_si256(_mm256_and_si256(l1, lo4),
                                       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), three), 4));
                v[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), lo4),
                                       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), three), 4));
                v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), lo4),
                                       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), three), 4));
                /* the half's 8 scales as floats, once */
                const __m256 sc8 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)sc)));
                for (g = 0; g < 4; g++) {
                    /* (v - 32) . x = v . x - 32 sum(x), per half of 16 (each its own scale) */
                    const __m256i xq = _mm256_loadu_si256((const __m256i *)x[g].q);
                    const __m256i p = _mm256_maddubs_epi16(v[g], xq);                 /* 16 x int16 */
                    const __m256i c = _mm256_maddubs_epi16(m32, xq);                  /* 32 x pairs */
                    const __m256i s = _mm256_madd_epi16(_mm256_sub_epi16(p, c), _mm256_set1_epi16(1));   /* 8 x int32 */
                    /* lanes 0-3: values 0-15 (scale sc[2g]), lanes 4-7: values 16-31 (sc[2g + 1]) */
                    const __m256 scl = _mm256_permutevar8x32_ps(
                        sc8, _mm256_setr_epi32(2 * g, 2 * g, 2 * g, 2 * g, 2 * g + 1, 2 * g + 1, 2 * g + 1, 2 * g + 1));
                    acc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(d * x[g].d), scl), _mm256_cvtepi32_ps(s), acc);
                }
            }
        }
        break;
    }
    default: break;
    }
    r = llm__hsum_i32f_avx2(acc);
    _mm256_zeroupper();
    return r;
}
#endif

/* The quantized copy of the OC x C matrix at w, when it has one (a Llama q|k|v or gate|up
   matrix spans two or three tensors: each must have one) */
static int llm__qmat_find(const llm_model *m, const float *w, int C, int OC, llm__qmat *q) {
    size_t off, lo = 0, hi;
    int i, rows = 0;
    if (!m || !m->n_quant || w < m->params || w >= m->params + m->n_params) return 0;
    off = (size_t)(w - m->params);
    hi = (size_t)m->n_tensors;
    while (lo < hi) {   /* the table is in storage order */
        size_t mid = (lo + hi) / 2;
        if (m->tensors[mid].offset < off) lo = mid + 1; else hi = mid;
    }
    q->n = 0;
    for (i = (int)lo; i < m->n_tensors && rows < OC && q->n < 3; i++) {
        const llm_tensor_info *t = &m->tensors[i];
        if (t->offset != off + (size_t)rows * (size_t)C || !m->qdata[i] || t->n_dims != 2 || t->shape[1] != C) return 0;
        q->part[q->n].type = (int)t->type;
        q->part[q->n].rows = (int)LLM__MIN((int64_t)(OC - rows), llm__saved_rows(m, t));
        q->part[q->n].row_bytes = llm__row_bytes((int)t->type, (size_t)C);
        q->part[q->n].data = m->qdata[i];
        rows += q->part[q->n].rows;
        q->n++;
    }
    return rows == OC;
}
static void llm__qdot4_portable(int type, const unsigned char *w, size_t rb, const llm__q8x *x, int n, float *out) {
    int r;
    for (r = 0; r < 4; r++) out[r] = llm__qdot_portable(type, w + r * rb, x, n);
}
#if defined(LLM__X86)
/* Q8_0 and Q4_0 four rows at a time: each block of activations is loaded once for four weight
   streams, and four independent accumulator chains hide the FMA latency; K types row by row */
static LLM__TARGET_AVX2 void llm__qdot4_avx2(int type, const unsigned char *w, size_t rb, const llm__q8x *x, int n,
                                            float *out) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const __m256i lo4 = _mm256_set1_epi8(0xF), eight = _mm256_set1_epi8(8);
    int b;
    if (type != LLM_TYPE_Q8_0 && type != LLM_TYPE_Q4_0) {   /* K types: row by row, the next four rows fetched */
        int r;
        size_t o;
        for (r = 0; r < 4; r++) {
            for (o = 0; o < rb; o += 64) _mm_prefetch((const char *)(w + (r + 4) * rb + o), _MM_HINT_T0);
            out[r] = llm__qdot_avx2(type, w + r * rb, x, n);
        }
        return;
    }
    for (b = 0; b < n / 32; b++, x++) {
        const __m256i xq = _mm256_loadu_si256((const __m256i *)x->q);
        const __m256 xd = _mm256_set1_ps(x->d);
        __m256i v[4];
        __m128 d4;
        int r;
        if (type == LLM_TYPE_Q8_0) {
            const unsigned char *p = w + (size_t)b * 34;
            if (!(b & 1)) for (r = 0; r < 4; r++) _mm_prefetch((const char *)(p + (r + 4) * rb), _MM_HINT_T0);
            for (r = 0; r < 4; r++) v[r] = _mm256_loadu_si256((const __m256i *)(p + r * rb + 2));
            d4 = _mm_cvtph_ps(_mm_setr_epi16((short)llm__rd_u16(p), (short)llm__rd_u16(p + rb),
                                             (short)llm__rd_u16(p + 2 * rb), (short)llm__rd_u16(p + 3 * rb), 0, 0, 0,
                                             0));
        } else {
            const unsigned char *p = w + (size_t)b * 18;
            if (!(b & 3)) for (r = 0; r < 4; r++) _mm_prefetch((const char *)(p + (r + 4) * rb), _MM_HINT_T0);
            for (r = 0; r < 4; r++) {
                const __m128i q = _mm_loadu_si128((const __m128i *)(p + r * rb + 2));
                v[r] = _mm256_sub_epi8(_mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), lo4), eight);
            }
            d4 = _mm_cvtph_ps(_mm_setr_epi16((short)llm__rd_u16(p), (short)llm__rd_u16(p + rb),
                                             (short)llm__rd_u16(p + 2 * rb), (short)llm__rd_u16(p + 3 * rb), 0, 0, 0,
                                             0));
        }
        a0 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(d4)), xd),
                             _mm256_cvtepi32_ps(llm__dot32_avx2(v[0], xq)), a0);
        a1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(_mm_shuffle_ps(d4, d4, 1))), xd),
                             _mm256_cvtepi32_ps(llm__dot32_avx2(v[1], xq)), a1);
        a2 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(_mm_shuffle_ps(d4, d4, 2))), xd),
                             _mm256_cvtepi32_ps(llm__dot32_avx2(v[2], xq)), a2);
        a3 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(_mm_shuffle_ps(d4, d4, 3))), xd),
                             _mm256_cvtepi32_ps(llm__dot32_avx2(v[3], xq)), a3);
    }
    out[0] = llm__hsum8(a0); out[1] = llm__hsum8(a1); out[2] = llm__hsum8(a2); out[3] = llm__hsum8(a3);
    _mm256_zeroupper();
}
#endif
#if defined(LLM__X86)
/* The same with AVX-512 VNNI's vpdpbusd (unsigned x signed bytes summed into int32 in one
   instruction): Q4_0's nibbles (0..15) go in as they are and 8 x the activations' sums come
   off; Q8_0's bytes go in shifted by 128 (w ^ 0x80) and 128 x the sums come off; lane by
   lane the same integers as the AVX2 kernel, so the same results. */
static LLM__TARGET_VNNI void llm__qdot4_vnni(int type, const unsigned char *w, size_t rb, const llm__q8x *x, int n,
                                            float *out) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const __m256i lo4 = _mm256_set1_epi8(0xF), flip = _mm256_set1_epi8((char)0x80);
    const int q8 = type == LLM_TYPE_Q8_0, bs = q8 ? 34 : 18;
    int b;
    if (type != LLM_TYPE_Q4_0 && type != LLM_TYPE_Q8_0) { llm__qdot4_avx2(type, w, rb, x, n, out); return; }
    for (b = 0; b < n / 32; b++, x++) {
        const __m256i xq = _mm256_loadu_si256((const __m256i *)x->q);
        const __m256 xd = _mm256_set1_ps(x->d);
        const __m256i zero = _mm256_setzero_si256();
        /* 8 (Q4_0) or 128 (Q8_0) x the sum of each lane's four activations */
        const __m256i sums = _mm256_dpbusd_epi32(zero, _mm256_set1_epi8(1), xq);
        const __m256i off = q8 ? _mm256_slli_epi32(sums, 7) : _mm256_slli_epi32(sums, 3);
        const unsigned char *p = w + (size_t)b * bs;
        __m256i s[4];
        __m128 d4;
        int r;
        if (!(b & (q8 ? 1 : 3))) for (r = 0; r < 4; r++) _mm_prefetch((const char *)(p + (r + 4) * rb), _MM_HINT_T0);
        for (r = 0; r < 4; r++) {
            __m256i u;
            if (q8) {
                u = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + r * rb + 2)), flip);   /* w + 128 */
            } else {
                const __m128i q = _mm_loadu_si128((const __m128i *)(p + r * rb + 2));
                u = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), lo4);
            }
            s[r] = _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, u, xq), off);   /* (w - 8 or w) . x */
        }
        d4 = _mm_cvtph_ps(_mm_setr_epi16((short)llm__rd_u16(p), (short)llm__rd_u16(p + rb),
                                         (short)llm__rd_u16(p + 2 * rb), (short)llm__rd_u16(p + 3 * rb), 0, 0, 0, 0));
        a0 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(d4)), xd), _mm256_cvtepi32_ps(s[0]), a0);
        a1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(_mm_shuffle_ps(d4, d4, 1))), xd),
                             _mm256_cvtepi32_ps(s[1]), a1);
        a2 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(_mm_shuffle_ps(d4, d4, 2))), xd),
                             _mm256_cvtepi32_ps(s[2]), a2);
        a3 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_mm_cvtss_f32(_mm_shuffle_ps(d4, d4, 3))), xd),
                             _mm256_cvtepi32_ps(s[3]), a3);
    }
    out[0] = llm__hsum8(a0); out[1] = llm__hsum8(a1); out[2] = llm__hsum8(a2); out[3] = llm__hsum8(a3);
    _mm256_zeroupper();
}
#endif
#if defined(LLM__NEON)
/* 16 signed byte products summed into 4 int32 lanes: the dot-product instruction where the
   build has it (-march=armv8.2-a+dotprod and later), else widening multiplies (a pair of
   products fits int16: one side of every product here is an activation in -127..127) */
static int32x4_t llm__dot16_neon(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if defined(__ARM_FEATURE_DOTPROD)
    return vdotq_s32(acc, a, b);
#else
    int16x8_t p = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    p = vmlal_s8(p, vget_high_s8(a), vget_high_s8(b));
    return vpadalq_s16(acc, p);
#endif
}
/* Q8_0 and Q4_0 with NEON (the K types take the portable code) */
static float llm__qdot_neon(int type, const unsigned char *w, const llm__q8x *x, int n) {
    float32x4_t acc = vdupq_n_f32(0.0f);
    int b;
    if (type != LLM_TYPE_Q8_0 && type != LLM_TYPE_Q4_0) return llm__qdot_portable(type, w, x, n);
    for (b = 0; b < n / 32; b++, x++) {
        int8x16_t w0, w1;
        int32x4_t s = vdupq_n_s32(0);
        float d;
        if (type == LLM_TYPE_Q8_0) {
            w0 = vld1q_s8((const int8_t *)(w + 2)); w1 = vld1q_s8((const int8_t *)(w + 18));
            d = llm__f16_to_f32(llm__rd_u16(w));
            w += 34;
        } else {
            const uint8x16_t q = vld1q_u8(w + 2);
            w0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0xF))), vdupq_n_s8(8));
            w1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), vdupq_n_s8(8));
            d = llm__f16_to_f32(llm__rd_u16(w));
            w += 18;
        }
        s = llm__dot16_neon(s, w0, vld1q_s8(x->q));
        s = llm__dot16_neon(s, w1, vld1q_s8(x->q + 16));
        acc = vmlaq_n_f32(acc, vcvtq_f32_s32(s), d * x->d);
    }
    return vaddvq_f32(acc);
}
static void llm__qdot4_neon(int type, const unsigned char *w, size_t rb, const llm__q8x *x, int n, float *out) {
    int r;
    for (r = 0; r < 4; r++) out[r] = llm__qdot_neon(type, w + r * rb, x, n);
}
#endif
typedef struct llm__qmm_args {
    const llm__kernels *kern;
    const llm__qmat *q;
    const llm__q8x *xq;
    float *out;
    const float *bias;
    size_t N;
    int C, OC;
} llm__qmm_args;
static void llm__qmm_cols(void *c, size_t lo, size_t hi) {
    const llm__qmm_args *a = (const llm__qmm_args *)c;
    size_t j, r;
    for (j = lo; j < hi;) {
        int p = 0, row = (int)j;
        while (row >= a->q->part[p].rows) row -= a->q->part[p++].rows;
        if (j + 4 <= hi && row + 4 <= a->q->part[p].rows) {   /* four rows of one tensor */
            const llm__qpart *qp = &a->q->part[p];
            for (r = 0; r < a->N; r++) {
                float d[4];
                int u;
                a->kern->qdot4(qp->type, qp->data + (size_t)row * qp->row_bytes, qp->row_bytes,
                               a->xq + r * (size_t)(a->C / 32), a->C, d);
                for (u = 0; u < 4; u++) a->out[r * a->OC + j + u] = d[u] + (a->bias ? a->bias[j + u] : 0.0f);
            }
            j += 4;
            continue;
        }
        j++;
        {
            const unsigned char *wr = a->q->part[p].data + (size_t)row * a->q->part[p].row_bytes;
            for (r = 0; r < a->N; r++)
                a->out[r * a->OC + j - 1] =
                    a->kern->qdot(a->q->part[p].type, wr, a->xq + r * (size_t)(a->C / 32), a->C) +
                    (a->bias ? a->bias[j - 1] : 0.0f);
        }
    }
}
/* xq: room for N * C / 32 blocks */
static void llm__qmatmul(const llm__kernels *kern, llm_threadpool *pool, float *out, const float *inp,
                         const llm__qmat *q, const float *bias, size_t N, int C, int OC, llm__q8x *xq) {
    llm__qmm_args a;
    size_t r;
    for (r = 0; r < N; r++) llm__q8x_quantize(inp + r * C, xq + r * (size_t)(C / 32), C);
    a.kern = kern; a.q = q; a.xq = xq; a.out = out; a.bias = bias; a.N = N; a.C = C; a.OC = OC;
    llm__parallel_for(pool, (size_t)OC, llm__qmm_cols, &a);
}

/* ---- >>adamw kernel: whole 16-float blocks of llm__adamw_range's update, [a, b) of the
   buffer, with the same operations in the same order; returns where it stopped (the
   readable loop does the rest: the same elements for every variant). sqrt and divide do
   not vectorise from C without -fno-math-errno, hence the intrinsics. ---- */
static size_t llm__adamw_portable(const llm__adamw_args *o, size_t a, size_t b, float decay) {
    LLM__UNUSED(o); LLM__UNUSED(b); LLM__UNUSED(decay);
    return a;
}
#if defined(LLM__X86)
static LLM__TARGET_AVX512 size_t llm__adamw_avx512(const llm__adamw_args *o, size_t a, size_t b, float decay) {
    const float step_size = o->lr / o->bc1, sbc2 = sqrtf(o->bc2);
    const __m512 vs = _mm512_set1_ps(o->grad_scale), vd = _mm512_set1_ps(decay);
    const __m512 vb1 = _mm512_set1_ps(o->beta1), vb1c = _mm512_set1_ps(1.0f - o->beta1);
    const __m512 vb2 = _mm512_set1_ps(o->beta2), vb2c = _mm512_set1_ps(1.0f - o->beta2);
    const __m512 vss = _mm512_set1_ps(step_size), vsb = _mm512_set1_ps(sbc2), veps = _mm512_set1_ps(o->eps);
    size_t i = a;
    for (; i + 16 <= b; i += 16) {
        __m512 g = _mm512_mul_ps(_mm512_loadu_ps(o->grads + i), vs);
        __m512 p = _mm512_mul_ps(_mm512_loadu_ps(o->params + i), vd);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(o->m + i)), _mm512_mul_ps(vb1c, g));
        __m512 vi =
            _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(o->v + i)), _mm512_mul_ps(_mm512_mul_ps(vb2c, g), g));
        __m512 den = _mm512_add_ps(_mm512_div_ps(_mm512_maskz_sqrt_ps((__mmask16)0xFFFF, vi), vsb), veps);
        _mm512_storeu_ps(o->m + i, mi);
        _mm512_storeu_ps(o->v + i, vi);
        _mm512_storeu_ps(o->params + i, _mm512_sub_ps(p, _mm512_div_ps(_mm512_mul_ps(vss, mi), den)));
        _mm512_storeu_ps(o->grads + i, _mm512_setzero_ps());
    }
    _mm256_zeroupper();
    return i;
}
static LLM__TARGET_AVX2 size_t llm__adamw_avx2(const llm__adamw_args *o, size_t a, size_t b, float decay) {
    const float step_size = o->lr / o->bc1, sbc2 = sqrtf(o->bc2);
    const __m256 vs = _mm256_set1_ps(o->grad_scale), vd = _mm256_set1_ps(decay);
    const __m256 vb1 = _mm256_set1_ps(o->beta1), vb1c = _mm256_set1_ps(1.0f - o->beta1);
    const __m256 vb2 = _mm256_set1_ps(o->beta2), vb2c = _mm256_set1_ps(1.0f - o->beta2);
    const __m256 vss = _mm256_set1_ps(step_size), vsb = _mm256_set1_ps(sbc2), veps = _mm256_set1_ps(o->eps);
    size_t i = a, h;
    for (; i + 16 <= b; i += 16)
        for (h = i; h < i + 16; h += 8) {
            __m256 g = _mm256_mul_ps(_mm256_loadu_ps(o->grads + h), vs);
            __m256 p = _mm256_mul_ps(_mm256_loadu_ps(o->params + h), vd);
            __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(o->m + h)), _mm256_mul_ps(vb1c, g));
            __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(o->v + h)),
                                      _mm256_mul_ps(_mm256_mul_ps(vb2c, g), g));
            __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), vsb), veps);
            _mm256_storeu_ps(o->m + h, mi);
            _mm256_storeu_ps(o->v + h, vi);
            _mm256_storeu_ps(o->params + h, _mm256_sub_ps(p, _mm256_div_ps(_mm256_mul_ps(vss, mi), den)));
            _mm256_storeu_ps(o->grads + h, _mm256_setzero_ps());
        }
    _mm256_zeroupper();
    return i;
}
#endif
#if defined(LLM__NEON)
static size_t llm__adamw_neon(const llm__adamw_args *o, size_t a, size_t b, float decay) {
    const float step_size = o->lr / o->bc1, sbc2 = sqrtf(o->bc2);
    const float32x4_t vs = vdupq_n_f32(o->grad_scale), vd = vdupq_n_f32(decay);
    const float32x4_t vb1 = vdupq_n_f32(o->beta1), vb1c = vdupq_n_f32(1.0f - o->beta1);
    const float32x4_t vb2 = vdupq_n_f32(o->beta2), vb2c = vdupq_n_f32(1.0f - o->beta2);
    const float32x4_t vss = vdupq_n_f32(step_size), vsb = vdupq_n_f32(sbc2), veps = vdupq_n_f32(o->eps);
    size_t i = a, h;
    for (; i + 16 <= b; i += 16)
        for (h = i; h < i + 16; h += 4) {
            float32x4_t g = vmulq_f32(vld1q_f32(o->grads + h), vs);
            float32x4_t p = vmulq_f32(vld1q_f32(o->params + h), vd);
            float32x4_t mi = vaddq_f32(vmulq_f32(vb1, vld1q_f32(o->m + h)), vmulq_f32(vb1c, g));
            float32x4_t vi = vaddq_f32(vmulq_f32(vb2, vld1q_f32(o->v + h)), vmulq_f32(vmulq_f32(vb2c, g), g));
            float32x4_t den = vaddq_f32(vdivq_f32(vsqrtq_f32(vi), vsb), veps);
            vst1q_f32(o->m + h, mi);
            vst1q_f32(o->v + h, vi);
            vst1q_f32(o->params + h, vsubq_f32(p, vdivq_f32(vmulq_f32(vss, mi), den)));
            vst1q_f32(o->grads + h, vdupq_n_f32(0.0f));
        }
    return i;
}
#endif

/* ---- choosing the kernels: what the CPU has, then a measurement where two are close ---- */
enum { LLM__K_PORTABLE = 0, LLM__K_AVX2 = 1, LLM__K_AVX512 = 2, LLM__K_NEON = 3, LLM__K_VNNI = 4 };
/* the variants this CPU can run, as a bit set of 1 << LLM__K_* */
static unsigned llm__cpu_variants(void) {
    unsigned v = 1u << LLM__K_PORTABLE;
#if defined(LLM__X86)
    unsigned r1[4] = {0, 0, 0, 0}, r7[4] = {0, 0, 0, 0};
    unsigned long long xcr0 = 0;
#if defined(_MSC_VER) && !defined(__clang__)
    int i1[4], i7[4], i;
    __cpuid(i1, 1);
    __cpuidex(i7, 7, 0);
    for (i = 0; i < 4; i++) { r1[i] = (unsigned)i1[i]; r7[i] = (unsigned)i7[i]; }
    if (r1[2] & (1u << 27)) xcr0 = _xgetbv(0);
#else
    unsigned lo = 0, hi = 0;
    __cpuid(1, r1[0], r1[1], r1[2], r1[3]);
    if (__get_cpuid_max(0, NULL) >= 7) __cpuid_count(7, 0, r7[0], r7[1], r7[2], r7[3]);
    if (r1[2] & (1u << 27)) {   /* OSXSAVE: the OS saves the vector registers it reports in XCR0 */
        __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = ((unsigned long long)hi << 32) | lo;
    }
#endif
    /* AVX2 (leaf 7 ebx 5) + FMA (leaf 1 ecx 12), with the OS saving ymm (XCR0 bits 1, 2) */
    if ((r7[1] & (1u << 5)) && (r1[2] & (1u << 12)) && (r1[2] & (1u << 29)) && (xcr0 & 6) == 6)
        v |= 1u << LLM__K_AVX2;   /* (and F16C, leaf 1 ecx 29: every AVX2 CPU has it) */
    /* AVX-512 F, DQ, BW, VL (leaf 7 ebx 16, 17, 30, 31), the OS saving zmm (XCR0 bits 5-7) */
    if ((v & (1u << LLM__K_AVX2)) && (r7[1] & (1u << 16)) && (r7[1] & (1u << 17)) && (r7[1] & (1u << 30)) &&
        (r7[1] & (1u << 31)) && (xcr0 & 0xE6) == 0xE6)
        v |= 1u << LLM__K_AVX512;
    if ((v & (1u << LLM__K_AVX512)) && (r7[2] & (1u << 11))) v |= 1u << LLM__K_VNNI;   /* leaf 7 ecx 11 */
#elif defined(LLM__NEON)
    v |= 1u << LLM__K_NEON;
#endif
    return v;
}
/* the variant's kernels (which must be in the build and on the CPU) */
static void llm__kernels_set(llm__kernels *k, int variant) {
    k->gemm_name = "portable"; k->mr = 4; k->nr = 16; k->gemm = llm__gemm_kernel_portable; k->pack_t = NULL;
    k->dot_name = "portable"; k->dot4 = llm__dot4_portable; k->adamw = llm__adamw_portable;
    k->qdot = llm__qdot_portable; k->qdot4 = llm__qdot4_portable;
#if defined(LLM__X86)
    if (variant == LLM__K_AVX2) {
        k->gemm_name = "avx2"; k->mr = 6; k->nr = 16; k->gemm = llm__gemm_kernel_avx2; k->pack_t = llm__pack_t_avx2;
        k->dot_name = "avx2"; k->dot4 = llm__dot4_avx2; k->adamw = llm__adamw_avx2; k->qdot = llm__qdot_avx2;
        k->qdot4 = llm__qdot4_avx2;
    } else if (variant == LLM__K_AVX512) {
        k->gemm_name = "avx512"; k->mr = 8; k->nr = 48; k->gemm = llm__gemm_kernel_avx512;
        k->pack_t = llm__pack_t_avx512;
        k->dot_name = "avx512"; k->dot4 = llm__dot4_avx512; k->adamw = llm__adamw_avx512; k->qdot = llm__qdot_avx2;
        k->qdot4 = llm__cpu_variants() & (1u << LLM__K_VNNI) ? llm__qdot4_vnni : llm__qdot4_avx2;
    }
#elif defined(LLM__NEON)
    if (variant == LLM__K_NEON) {
        k->gemm_name = "neon"; k->mr = 8; k->nr = 12; k->gemm = llm__gemm_kernel_neon;
        k->dot_name = "neon"; k->dot4 = llm__dot4_neon; k->adamw = llm__adamw_neon;
        k->qdot = llm__qdot_neon; k->qdot4 = llm__qdot4_neon;
    }
#endif
    (void)variant;
}
#if defined(LLM__X86)
/* Seconds for the micro-kernel (kc = 256, from L1) and for dot4 over 2 MB of rows (from the
   caches): the best of a few repetitions. */
static double llm__time_gemm(const llm__kernels *k, float *buf) {
    float *a = buf, *b = a + 8 * 256, *c = b + 48 * 256;
    double best = 1e30;
    int rep, i;
    for (rep = 0; rep < 5; rep++) {
        double t0 = llm_time_seconds(), t;
        for (i = 0; i < 64; i++) k->gemm(256, a, b, c, k->nr, 1);
        t = (llm_time_seconds() - t0) / ((double)k->mr * k->nr);   /* per C element */
        if (t < best) best = t;
    }
    return best;
}
static double llm__time_dot(const llm__kernels *k, const float *w, int rows, int n) {
    double best = 1e30;
    float out[4];
    int rep, r;
    for (rep = 0; rep < 5; rep++) {
        double t0 = llm_time_seconds(), t;
        for (r = 0; r + 4 <= rows; r += 4) {
            const float *w0 = w + (size_t)r * n;
            k->dot4(w, w0, w0 + n, w0 + 2 * (size_t)n, w0 + 3 * (size_t)n, n, out);
        }
        t = llm_time_seconds() - t0;
        if (t < best) best = t;
    }
    return best;
}
#endif
/* Fills k with the fastest variants this build and CPU have. x86 CPUs with AVX-512 also have
   AVX2, and AVX-512 is not faster on every one of them (some split 512-bit operations in
   two, or slow down with them); with calibrate set, both are timed (a few ms) and the GEMM
   and the matvec each take the faster (their results are the same bits either way). */
static void llm__kernels_choose(llm__kernels *k, const llm_allocator *al, int calibrate) {
    const unsigned v = llm__cpu_variants();
    memset(k, 0, sizeof *k);
    llm__kernels_set(k, LLM__K_PORTABLE);
    snprintf(k->why, sizeof k->why, "portable (no SIMD variant for this CPU or build)");
#if defined(LLM__X86)
    if (v & (1u << LLM__K_AVX2)) {
        llm__kernels_set(k, LLM__K_AVX2);
        snprintf(k->why, sizeof k->why, "avx2 (the CPU has AVX2+FMA, not AVX-512)");
    }
    if (v & (1u << LLM__K_AVX512)) {
        llm__kernels a2, a5;
        const int rows = 128, n = 4096;   /* 2 MB of matvec rows */
        float *buf = calibrate ? (float *)llm__alloc(al, ((size_t)rows * n + 64 * 256) * sizeof(float)) : NULL;
        llm__kernels_set(k, LLM__K_AVX512);
        snprintf(k->why, sizeof k->why, "avx512 (the CPU has AVX-512%s)", calibrate ? "; no memory to time" : "");
        if (buf) {
            double g2, g5, d2, d5;
            size_t i;
            for (i = 0; i < (size_t)rows * n + 64 * 256; i++) buf[i] = (float)(i % 7) * 0.25f - 0.5f;
            llm__kernels_set(&a2, LLM__K_AVX2); llm__kernels_set(&a5, LLM__K_AVX512);
            llm__time_dot(&a5, buf, rows, n);   /* warm the caches and the clocks */
            g2 = llm__time_gemm(&a2, buf); g5 = llm__time_gemm(&a5, buf);
            d2 = llm__time_dot(&a2, buf, rows, n); d5 = llm__time_dot(&a5, buf, rows, n);
            if (g2 < g5) {
                k->gemm_name = a2.gemm_name; k->mr = a2.mr; k->nr = a2.nr; k->gemm = a2.gemm; k->pack_t = a2.pack_t;
                k->adamw = a2.adamw;
            }
            if (d2 < d5) { k->dot_name = a2.dot_name; k->dot4 = a2.dot4; }
            snprintf(k->why, sizeof k->why,
                     "gemm %s, matvec %s: the CPU has AVX-512 and AVX2; measured avx512 vs avx2: gemm %.0f vs %.0f "
                     "GFLOP/s, matvec %.1f vs %.1f GB/s",
                     k->gemm_name, k->dot_name, 2.0 * 256 * 64 / g5 * 1e-9, 2.0 * 256 * 64 / g2 * 1e-9,
                     (double)rows * n * 4 / d5 * 1e-9, (double)rows * n * 4 / d2 * 1e-9);
            llm__dealloc(al, buf);
        }
    }
#elif defined(LLM__NEON)
    if (v & (1u << LLM__K_NEON)) {
        llm__kernels_set(k, LLM__K_NEON);
        snprintf(k->why, sizeof k->why, "neon (aarch64)");
    }
#endif
    LLM__UNUSED(al); LLM__UNUSED(calibrate); LLM__UNUSED(v);
}

/* =========================================================================================
   >>appendix: Unicode tables
   ========================================================================================= */
/* BEGIN tables generated by tests/ref/gen_unicode_tables.py */
/* General categories (Python regex 2.5.123, Unicode 15.0): 34112 bytes. Values: 0 Lu 1 Ll 2 Lt 3 Lm 4 Lo
   5 Mn 6 Mc 7 Me 8 Nd 9 Nl 10 No 11 Pc 12 Pd 13 Ps 14 Pe 15 Pi 16 Pf 17 Po 18 Sm 19 Sc 20 Sk 21 So
   22 Zs 23 Zl 24 Zp 25 Cc 26 Cf 27 Cs 28 Co 29 Cn 30 Cc that is White_Space (U+0009..U+000D, U+0085)
   31 So that is in \w (circled letters) 32 Cf that is in \w (U+200C, U+200D). */
static const unsigned char llm__uc_cat_index[2048] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    30, 31, 32, 33, 34, 34, 35, 36, 37, 38, 39, 34, 34, 34, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53,
    54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 64, 65, 66, 67, 68, 69, 70, 71, 69, 72, 73, 69, 69, 64, 74, 64, 64,
    75, 76, 77, 78, 79, 80, 81, 82, 69, 83, 84, 85, 86, 87, 88, 89, 69, 69, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 90, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 91, 34, 34, 34, 34, 34, 34, 34, 34, 92, 34, 34, 93, 94, 95, 96, 97, 98,
    99, 100, 101, 102, 103, 104, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 105, 106, 106, 106, 106, 106, 106, 106, 106, 106, 106, 106, 106,
    106, 106, 106, 106, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107,
    107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 107,
    107, 107, 107, 107, 107, 107, 107, 107, 107, 107, 34, 34, 108, 109, 110, 111, 34, 34, 112, 113, 114, 115, 116,
    117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 34, 34, 130, 131, 132, 133, 134, 135, 136,
    137, 138, 139, 140, 141, 142, 122, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 122, 154, 155, 122,
    156, 157, 158, 159, 122, 160, 161, 162, 163, 164, 165, 166, 122, 167, 168, 169, 170, 122, 171, 172, 173, 34,
    34, 34, 34, 34, 34, 34, 174, 175, 34, 176, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 177, 34, 34, 34, 34, 34, 34, 34, 34, 178, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 34, 34, 34, 34, 179, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 34, 34, 34, 34, 180, 181, 182, 183, 122, 122, 122, 122, 184, 185, 186, 187,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 188, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 189, 190, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 191, 34, 34, 192, 34, 34, 193, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 194, 195, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 196, 197, 69, 198, 199, 200, 201, 202, 203, 122, 204, 205, 206, 207, 208, 209, 210, 211, 69, 69, 69,
    69, 212, 213, 122, 122, 122, 122, 122, 122, 122, 122, 214, 122, 215, 216, 217, 122, 122, 218, 122, 122, 122,
    219, 122, 122, 122, 122, 122, 220, 34, 221, 222, 122, 122, 122, 122, 122, 223, 224, 225, 122, 226, 227, 122,
    122, 228, 229, 230, 231, 232, 122, 69, 233, 69, 69, 69, 69, 69, 234, 235, 236, 237, 238, 69, 69, 239, 240, 69,
    241, 122, 122, 122, 122, 122, 122, 122, 122, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 242, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 243, 34, 244, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 245, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 246, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 34, 34, 34, 34, 247, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 248, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 249, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
    122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122, 122,
};
static const char llm__uc_cat_blocks[250][129] = {
    "<<<<<<<<<BBBBB<<<<<<<<<<<<<<<<<<9444644401454/44++++++++++445554"
    "4##########################0417.7$$$$$$$$$$$$$$$$$$$$$$$$$$0515<",
    "<<<<<B<<<<<<<<<<<<<<<<<<<<<<<<<<9466668478'25=8785--7$447-'3---4"
    "#######################5#######$$$$$$$$$$$$$$$$$$$$$$$$5$$$$$$$$",
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$$#$#$#$#"
    "$#$#$#$#$$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$##$#$#$$",
    "$##$#$##$###$$####$##$###$$$##$##$#$#$##$#$$#$##$###$#$##$$'#$$$"
    "''''#%$#%$#%$#$#$#$#$#$#$#$#$$#$#$#$#$#$#$#$#$#$$#%$#$###$#$#$#$",
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$$$$$$$##$##$"
    "$#$####$#$#$#$#$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
    "$$$$$$$$$$$$$$$$$$$$'$$$$$$$$$$$$$$$$$$$$$$$$$$$&&&&&&&&&&&&&&&&"
    "&&7777&&&&&&&&&&&&77777777777777&&&&&7777777&7&77777777777777777",
    "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
    "((((((((((((((((((((((((((((((((((((((((((((((((#$#$&7#$AA&$$$4#",
    "AAAA77#4###A#A##$#################A#########$$$$$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$#$$###$$$#$#$#$#$#$#$#$#$#$#$#$#$$$$$#$5#$##$$###",
    "################################################$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$",
    "#$8(((((**#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$"
    "##$#$#$#$#$#$#$$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$",
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$A###############"
    "#######################AA&444444$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
    "$$$$$$$$$4/AA886A(((((((((((((((((((((((((((((((((((((((((((((/("
    "4((4((4(AAAAAAAA'''''''''''''''''''''''''''AAAA''''44AAAAAAAAAAA",
    "======5554464488(((((((((((4=444''''''''''''''''''''''''''''''''"
    "&''''''''''(((((((((((((((((((((++++++++++4444''('''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''4'(((((((=8((((((&&((8((((''++++++++++'''88'",
    "44444444444444A='(''''''''''''''''''''''''''''''(((((((((((((((("
    "(((((((((((AA'''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''((((((((((('AAAAAAAAAAAAAA"
    "++++++++++'''''''''''''''''''''''''''''''''(((((((((&&8444&AA(66",
    "''''''''''''''''''''''((((&(((((((((&(((&(((((AA444444444444444A"
    "'''''''''''''''''''''''''(((AA4A'''''''''''AAAAA''''''''''''''''",
    "''''''''7''''''A==AAAAAA((((((((''''''''''''''''''''''''''''''''"
    "'''''''''&((((((((((((((((((((((((=(((((((((((((((((((((((((((((",
    "((()''''''''''''''''''''''''''''''''''''''''''''''''''''''()('))"
    ")(((((((())))())'(((((((''''''''''((44++++++++++4&''''''''''''''",
    "'())A''''''''AA''AA''''''''''''''''''''''A'''''''A'AAA''''AA('))"
    ")((((AA))AA))('AAAAAAAA)AAAA''A'''((AA++++++++++''66------86'4(A",
    "A(()A''''''AAAA''AA''''''''''''''''''''''A'''''''A''A''A''AA(A))"
    ")((AAAA((AA(((AAA(AAAAAAA''''A'AAAAAAA++++++++++(('''(4AAAAAAAAA",
    "A(()A'''''''''A'''A''''''''''''''''''''''A'''''''A''A'''''AA('))"
    ")(((((A(()A))(AA'AAAAAAAAAAAAAAA''((AA++++++++++46AAAAAAA'((((((",
    "A())A''''''''AA''AA''''''''''''''''''''''A'''''''A''A'''''AA(')("
    ")((((AA))AA))(AAAAAAA(()AAAA''A'''((AA++++++++++8'------AAAAAAAA",
    "AA('A''''''AAA'''A''''AAA''A'A''AAA''AAA'''AAA''''''''''''AAAA))"
    "())AAA)))A)))(AA'AAAAAA)AAAAAAAAAAAAAA++++++++++---88888868AAAAA",
    "()))(''''''''A'''A'''''''''''''''''''''''A''''''''''''''''AA('(("
    "())))A(((A((((AAAAAAA((A'''AA'AA''((AA++++++++++AAAAAAA4-------8",
    "'())4''''''''A'''A'''''''''''''''''''''''A''''''''''A'''''AA(')("
    ")))))A())A))((AAAAAAA))AAAAAA''A''((AA++++++++++A'')AAAAAAAAAAAA",
    "(())'''''''''A'''A'''''''''''''''''''''''''''''''''''''''''(('))"
    ")((((A)))A)))('8AAAA''')-------'''((AA++++++++++---------8''''''",
    "A())A''''''''''''''''''AAA''''''''''''''''''''''''A'''''''''A'AA"
    "'''''''AAA(AAAA)))(((A(A))))))))AAAAAA++++++++++AA))4AAAAAAAAAAA",
    "A''''''''''''''''''''''''''''''''''''''''''''''''(''(((((((AAAA6"
    "''''''&((((((((4++++++++++44AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "A''A'A'''''A''''''''''''''''''''''''A'A''''''''''(''((((((((('AA"
    "'''''A&A(((((((A++++++++++AA''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'88844444444444444484888((888888++++++++++----------8(8(8(0101))"
    "''''''''A''''''''''''''''''''''''''''''''''''AAAA(((((((((((((()",
    "(((((4(('''''(((((((((((A((((((((((((((((((((((((((((((((((((A88"
    "888888(888888A8844444888844AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''))(((()(((((()(())(('"
    "++++++++++444444''''''))((''''(((')))'')))))))'''(((('''''''''''",
    "''())(())))))(')++++++++++)))(88################################"
    "######A#AAAAA#AA$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$4&$$$",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''A''''AA'''''''A'A''''AA''''''''''''''''''''''''''''''''",
    "'''''''''A''''AA'''''''''''''''''''''''''''''''''A''''AA'''''''A"
    "'A''''AA'''''''''''''''A''''''''''''''''''''''''''''''''''''''''",
    "'''''''''''''''''A''''AA''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''AA(((444444444--------------------AAA",
    "''''''''''''''''8888888888AAAAAA################################"
    "######################################################AA$$$$$$AA",
    "/'''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''''84'''''''''''''''''",
    "9''''''''''''''''''''''''''01AAA''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''444,,,''''''''AAAAAAA",
    "''''''''''''''''''((()AAAAAAAAA'''''''''''''''''''(()44AAAAAAAAA"
    "''''''''''''''''''((AAAAAAAAAAAA'''''''''''''A'''A((AAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''(()((((((())"
    "))))))())(((((((((((444&4446'(AA++++++++++AAAAAA----------AAAAAA",
    "444444/4444(((=(++++++++++AAAAAA''''''''''''''''''''''''''''''''"
    "'''&'''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAA",
    "'''''((''''''''''''''''''''''''''''''''''('AAAAA''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAAAAA",
    "'''''''''''''''''''''''''''''''A((())))(()))AAAA))())))))(((AAAA"
    "8AAA44++++++++++''''''''''''''''''''''''''''''AA'''''AAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''AAAA''''''''''''''''"
    "''''''''''AAAAAA++++++++++-AAA8888888888888888888888888888888888",
    "'''''''''''''''''''''''(())(AA44''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''')()(((((((A()())(((((((())))))((((((((((AA(",
    "++++++++++AAAAAA++++++++++AAAAAA4444444&444444AA((((((((((((((*("
    "(((((((((((((((AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "(((()'''''''''''''''''''''''''''''''''''''''''''''''()((((()()))"
    "))())''''''''AAA++++++++++44444448888888888(((((((((88888888844A",
    "(()'''''''''''''''''''''''''''''')(((())(()(((''++++++++++''''''"
    "''''''''''''''''''''''''''''''''''''''()(()))()((())AAAAAAAA4444",
    "''''''''''''''''''''''''''''''''''''))))))))(((((((())((AAA44444"
    "++++++++++AAA'''++++++++++''''''''''''''''''''''''''''''&&&&&&44",
    "$$$$$$$$$AAAAAAA###########################################AA###"
    "44444444AAAAAAAA(((4((((((((((((()(((((((''''(''''''('')(('AAAAA",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$&&&&&&&&&&&&&&&&&&&&"
    "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&$$$$$$$$$$$$$&$$$$$$$",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&"
    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$"
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$",
    "#$#$#$#$#$#$#$#$#$#$#$$$$$$$$$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$"
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$",
    "$$$$$$$$########$$$$$$AA######AA$$$$$$$$########$$$$$$$$########"
    "$$$$$$AA######AA$$$$$$$$A#A#A#A#$$$$$$$$########$$$$$$$$$$$$$$AA",
    "$$$$$$$$%%%%%%%%$$$$$$$$%%%%%%%%$$$$$$$$%%%%%%%%$$$$$A$$####%7$7"
    "77$$$A$$####%777$$$$AA$$####A777$$$$$$$$#####777AA$$$A$$####%77A",
    "99999999999=DD==//////442302230244444444:;=====9444444444234444."
    ".4445014444444444454.44444444449=====A==========-&AA------55501&",
    "----------55501A&&&&&&&&&&&&&AAA66666666666666666666666666666666"
    "6AAAAAAAAAAAAAAA(((((((((((((****(***((((((((((((AAAAAAAAAAAAAAA",
    "88#8888#88$###$$###$8#885#####888888#8#8#8####8$####$''''$88$$##"
    "55555#$$$$8588$8----------------,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,,#$,,,,-88AAAA555558888855888858858858888888588888888888888888"
    "8888888888888855885858888888888888888888888888888888555555555555",
    "5555555555555555555555555555555555555555555555555555555555555555"
    "5555555555555555555555555555555555555555555555555555555555555555",
    "8888888801018888888888888888888855888888801888888888888888888888"
    "8888888888888888888888888888888888888888888888888888888888885888",
    "8888888888888888888888888885555555555555555555555555888888888888"
    "8888888888888888888888888888555555888888888888888888888888888888",
    "888888888888888888888888888888888888888AAAAAAAAAAAAAAAAAAAAAAAAA"
    "88888888888AAAAAAAAAAAAAAAAAAAAA--------------------------------",
    "----------------------------88888888888888888888888888CCCCCCCCCC"
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC----------------------",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "8888888888888888888888888888888888888888888888888888888888888888",
    "8888888888888888888888888888888888888888888888888888888588888888"
    "8588888888888888888888888888888888888888888888888888888855555555",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "8888888888888888888888888888888888888888888888858888888888888888",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "888888888888888888888888888888888888888801010101010101----------",
    "--------------------88888888888888888888888888888888888888888888"
    "5555501555555555555555555555555555555501010101015555555555555555",
    "5550101010101010101010101555555555555555555555555555555555555555"
    "5555555555555555555555550101555555555555555555555555555555550155",
    "8888888888888888888888888888888888888888888888885555555555555555"
    "5555588555555888888888888888888888888888888888888888AA8888888888",
    "8888888888888888888888A88888888888888888888888888888888888888888"
    "8888888888888888888888888888888888888888888888888888888888888888",
    "################################################$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$#$###$$#$#$#$####$#$$#$$$$$$&&##",
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$"
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$$888888#$#$(((#$AAAAA4444-44",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$A$AAAAA$AA''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''AAAAAAA&4AAAAAAAAAAAAAA(",
    "'''''''''''''''''''''''AAAAAAAAA'''''''A'''''''A'''''''A'''''''A"
    "'''''''A'''''''A'''''''A'''''''A((((((((((((((((((((((((((((((((",
    "44232344423423444444444/44/42344230101010144444&4444444444//4444"
    "/4044444444444448844401010101/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "88888888888888888888888888A8888888888888888888888888888888888888"
    "8888888888888888888888888888888888888888888888888888AAAAAAAAAAAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "8888888888888888888888AAAAAAAAAAAAAAAAAAAAAAAAAA888888888888AAAA",
    "94448&',01010101018801010101/0118,,,,,,,,,(((())/&&&&&88,,,&'488"
    "A'''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "'''''''''''''''''''''''AA((77&&'/'''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''''''4&&&'",
    "AAAAA'''''''''''''''''''''''''''''''''''''''''''A'''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "'''''''''''''''A88----8888888888''''''''''''''''''''''''''''''''"
    "888888888888888888888888888888888888AAAAAAAAAAAA''''''''''''''''",
    "8888888888888888888888888888888A----------8888888888888888888888"
    "88888888--------8---------------88888888888888888888888888888888",
    "----------888888888888888888888888888888888888888---------------"
    "8888888888888888888888888888888888888888888888888888888888888888",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "8888888888888888888888888888888888888888888888888888888888888888",
    "'''''''''''''''''''''&''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "'''''''''''''AAA888888888888888888888888888888888888888888888888"
    "8888888AAAAAAAAA''''''''''''''''''''''''''''''''''''''''&&&&&&44",
    "''''''''''''&444''''''''''''''''++++++++++''AAAAAAAAAAAAAAAAAAAA"
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$'(***4((((((((((4&",
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$&&((''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''',,,,,,,,,,((444444AAAAAAAA",
    "77777777777777777777777&&&&&&&&&77#$#$#$#$#$#$#$$$#$#$#$#$#$#$#$"
    "#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$#$&$$$$$$$$#$#$##$",
    "#$#$#$#$&77#$#$'#$#$$$#$#$#$#$#$#$#$#$#$#$#####$#####$#$#$#$#$#$"
    "#$#$####$#$AAAAA#$A$A$#$#$AAAAAAAAAAAAAAAAAAAAAAAA&&&#$'&&$'''''",
    "''('''(''''('''''''''''''''''''''''))(()8888(AAA------8868AAAAAA"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''4444AAAAAAAA",
    "))''''''''''''''''''''''''''''''''''''''''''''''''''))))))))))))"
    "))))((AAAAAAAA44++++++++++AAAAAA((((((((((((((((((''''''444'4''(",
    "++++++++++''''''''''''''''''''''''''''((((((((44''''''''''''''''"
    "'''''''((((((((((())AAAAAAAAAAA4'''''''''''''''''''''''''''''AAA",
    "((()'''''''''''''''''''''''''''''''''''''''''''''''())(((())(())"
    ")4444444444444A&++++++++++AAAA44'''''(&'''''''''++++++++++'''''A",
    "'''''''''''''''''''''''''''''''''''''''''(((((())(())((AAAAAAAAA"
    "'''(''''''''()AA++++++++++AA4444''''''''''''''''&''''''888')()''",
    "''''''''''''''''''''''''''''''''''''''''''''''''('(((''(('''''(("
    "'('AAAAAAAAAAAAAAAAAAAAAAAA''&44''''''''''')(())44'&&)(AAAAAAAAA",
    "A''''''AA''''''AA''''''AAAAAAAAA'''''''A'''''''A$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$7&&&&$$$$$$$$$&77AAAA$$$$$$$$$$$$$$$$",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$"
    "'''''''''''''''''''''''''''''''''''))())())4)(AA++++++++++AAAAAA",
    "''''''''''''''''''''''''''''''''''''AAAAAAAAAAAA''''''''''''''''"
    "'''''''AAAA'''''''''''''''''''''''''''''''''''''''''''''''''AAAA",
    ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
    ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>",
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''AA''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "$$$$$$$AAAAAAAAAAAA$$$$$AAAAA'(''''''''''5'''''''''''''A'''''A'A"
    "''A''A''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''77777777777777"
    "777AAAAAAAAAAAAAAAA'''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''10"
    "8888888888888888''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''AA''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''AAAAAAA8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA''''''''''''6888",
    "((((((((((((((((4444444014AAAAAA((((((((((((((((4//..01010101010"
    "1010144014444...444A4444/0101014445/555A4644AAAA'''''A''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''AA=",
    "A444644401454/44++++++++++4455544##########################0417."
    "7$$$$$$$$$$$$$$$$$$$$$$$$$$05150140144''''''''''&'''''''''''''''",
    "''''''''''''''''''''''''''''''&&'''''''''''''''''''''''''''''''A"
    "AA''''''AA''''''AA''''''AA'''AAA6657866A8555588AAAAAAAAAA===88AA",
    "''''''''''''A''''''''''''''''''''''''''A'''''''''''''''''''A''A'"
    "''''''''''''''AA''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAA",
    "444AAAA---------------------------------------------AAA888888888"
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,----8888888",
    "8888888888--888A8888888888888AAA8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAA888888888888888888888888888888888888888888888(AA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''AAA''''''''''''''''''''''''''''''''"
    "'''''''''''''''''AAAAAAAAAAAAAAA(---------------------------AAAA",
    "''''''''''''''''''''''''''''''''----AAAAAAAAA'''''''''''''''''''"
    "','''''''',AAAAA''''''''''''''''''''''''''''''''''''''(((((AAAAA",
    "''''''''''''''''''''''''''''''A4''''''''''''''''''''''''''''''''"
    "''''AAAA''''''''4,,,,,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "########################################$$$$$$$$$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$$''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''AA++++++++++AAAAAA################"
    "####################AAAA$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$AAAA",
    "''''''''''''''''''''''''''''''''''''''''AAAAAAAA''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''AAAAAAAAAAA4###########A####",
    "###########A#######A##A$$$$$$$$$$$A$$$$$$$$$$$$$$$A$$$$$$$A$$AAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAAAA"
    "''''''''''''''''''''''AAAAAAAAAA''''''''AAAAAAAAAAAAAAAAAAAAAAAA",
    "&&&&&&A&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&A&&&&&&&&&AAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''AA'A''''''''''''''''''''''''''''''''''''''''''''A''AAA'AA'"
    "''''''''''''''''''''''A4--------'''''''''''''''''''''''88-------",
    "'''''''''''''''''''''''''''''''AAAAAAAA---------AAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'''''''''''''''''''A''AAAAA-----",
    "''''''''''''''''''''''------AAA4''''''''''''''''''''''''''AAAAA4"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAA--''"
    "----------------AA----------------------------------------------",
    "'(((A((AAAAA((((''''A'''A'''''''''''''''''''''''''''''AA(((AAAA("
    "---------AAAAAAA444444444AAAAAAA'''''''''''''''''''''''''''''--4",
    "'''''''''''''''''''''''''''''---AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "''''''''8''''''''''''''''''''''''''''((AAAA-----4444444AAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''AAA4444444"
    "''''''''''''''''''''''AA--------'''''''''''''''''''AAAAA--------",
    "''''''''''''''''''AAAAAAA4444AAAAAAAAAAAA-------AAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "###################################################AAAAAAAAAAAAA"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$AAAAAAA------",
    "''''''''''''''''''''''''''''''''''''((((AAAAAAAA++++++++++AAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-------------------------------A",
    "''''''''''''''''''''''''''''''''''''''''''A((/AA''AAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA(((",
    "'''''''''''''''''''''''''''''----------'AAAAAAAA''''''''''''''''"
    "''''''(((((((((((----44444AAAAAAAAAAAAAAAAAAAAAA''''''''''''''''",
    "''((((4444AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA''''''''''''''''"
    "'''''-------AAAAAAAAAAAAAAAAAAAA'''''''''''''''''''''''AAAAAAAAA",
    ")()'''''''''''''''''''''''''''''''''''''''''''''''''''''(((((((("
    "(((((((4444444AAAA--------------------++++++++++(''(('AAAAAAAAA(",
    "(()''''''''''''''''''''''''''''''''''''''''''''')))(((())((44=44"
    "44(AAAAAAAAAA=AA'''''''''''''''''''''''''AAAAAAA++++++++++AAAAAA",
    "(((''''''''''''''''''''''''''''''''''''((((()((((((((A++++++++++"
    "4444'))'AAAAAAAA'''''''''''''''''''''''''''''''''''(44'AAAAAAAAA",
    "(()'''''''''''''''''''''''''''''''''''''''''''''''')))((((((((()"
    ")''''4444((((4)(++++++++++'4'444A--------------------AAAAAAAAAAA",
    "''''''''''''''''''A''''''''''''''''''''''''')))((())()((444444('"
    "'(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''A'A''''A'''''''''''''''A''''''''''4AAAAAA''''''''''''''''"
    "'''''''''''''''''''''''''''''''()))((((((((AAAAA++++++++++AAAAAA",
    "(())A''''''''AA''AA''''''''''''''''''''''A'''''''A''A'''''A(('))"
    "())))AA))AA)))AA'AAAAAA)AAAAA'''''))AA(((((((AAA(((((AAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''')))(((((((("
    "))((()(''''44444++++++++++44A4('''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''''''')))(((((()())))("
    "()((''4'AAAAAAAA++++++++++AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''')))((((AA))))(()("
    "(44444444444444444444444''''((AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''''''')))(((((((())()("
    "(444'AAAAAAAAAAA++++++++++AAAAAA4444444444444AAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''()())(((((()('4AAAAAA"
    "++++++++++AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''AA((())(((()(((((AAAA++++++++++--4448"
    "'''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''')))((((((((()((4AAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA################################"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$++++++++++---------AAAAAAAAAAAA'",
    "'''''''AA'AA''''''''A''A''''''''''''''''''''''''))))))A))AA(()('"
    ")')(444AAAAAAAAA++++++++++AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA''''''''AA''''''''''''''''''''''"
    "''''''''''''''''')))((((AA(())))('4')AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'((((((((((''''''''''''''''''''''''''''''''''''''''(((((()'((((4"
    "4444444(AAAAAAAA'(((((())(((''''''''''''''''''''''''''''''''''''",
    "''''''''''((((((((((((()((444'44444AAAAAAAAAAAAA''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAA",
    "4444444444AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''A''''''''''''''''''''''''''''''''''''')(((((((A(((((()("
    "'44444AAAAAAAAAA++++++++++-------------------AAA44''''''''''''''",
    "''''''''''''''''AA((((((((((((((((((((((A)((((((()(()((AAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''A''A''''''''''''''''''''''''''''''''''''''((((((AAA(A((A("
    "(((((('(AAAAAAAA++++++++++AAAAAA''''''A''A''''''''''''''''''''''",
    "'''''''''')))))A((A))()('AAAAAAA++++++++++AAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'''''''''''''''''''(())44AAAAAAA",
    "((')'''''''''''''A''''''''''''''''''''''''''''''''''))(((((AAA))"
    "()(4444444444444++++++++++AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'AAAAAAAAAAAAAAA"
    "---------------------88888888666688888888888888888AAAAAAAAAAAAA4",
    "''''''''''''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,A44444AAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAA''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''''''''44AAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''================"
    "(''''''(((((((((((((((AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAA"
    "'''''''''''''''''''''''''''''''A++++++++++AAAA44''''''''''''''''",
    "'''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''A"
    "++++++++++AAAAAA''''''''''''''''''''''''''''''AA(((((4AAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''(((((((444448888"
    "&&&&48AAAAAAAAAA++++++++++A-------A'''''''''''''''''''''AAAAA'''",
    "''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "################################$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
    "-----------------------4444AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''AAAA(')))))))))))))))))))))))))))))))))))))))))))))))",
    "))))))))AAAAAAA((((&&&&&&&&&&&&&AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&&4&(AAAAAAAAAAA))AAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&&&&A&&&&&&&A&&A",
    "'''''''''''''''''''''''''''''''''''AAAAAAAAAAAAAAA'AAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAA'''AA'AAAAAAAAAAAAAA''''AAAAAAAA''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''''''''''''AAAAA'''''''''''''AAA",
    "'''''''''AAAAAAA''''''''''AA8((4====AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "((((((((((((((((((((((((((((((((((((((((((((((AA(((((((((((((((("
    "(((((((AAAAAAAAA888888888888888888888888888888888888888888888888",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "8888AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "888888888888888888888888888888888888888888888888888888AAAAAAAAAA",
    "888888888888888888888888888888888888888AA88888888888888888888888"
    "8888888888888888888888888888888888888))(((888))))))========(((((",
    "(((88(((((((888888888888888888888888888888((((888888888888888888"
    "8888888888888888888888888888888888888888888AAAAAAAAAAAAAAAAAAAAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "88(((8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "--------------------AAAAAAAAAAAA--------------------AAAAAAAAAAAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "88888888888888888888888AAAAAAAAA-------------------------AAAAAAA",
    "##########################$$$$$$$$$$$$$$$$$$$$$$$$$$############"
    "##############$$$$$$$A$$$$$$$$$$$$$$$$$$########################",
    "##$$$$$$$$$$$$$$$$$$$$$$$$$$#A##AA#AA##AA####A########$$$$A$A$$$"
    "$$$$A$$$$$$$$$$$##########################$$$$$$$$$$$$$$$$$$$$$$",
    "$$$$##A####AA########A#######A$$$$$$$$$$$$$$$$$$$$$$$$$$##A####A"
    "#####A#AAA#######A$$$$$$$$$$$$$$$$$$$$$$$$$$####################",
    "######$$$$$$$$$$$$$$$$$$$$$$$$$$##########################$$$$$$"
    "$$$$$$$$$$$$$$$$$$$$##########################$$$$$$$$$$$$$$$$$$",
    "$$$$$$$$##########################$$$$$$$$$$$$$$$$$$$$$$$$$$####"
    "######################$$$$$$$$$$$$$$$$$$$$$$$$$$################",
    "##########$$$$$$$$$$$$$$$$$$$$$$$$$$$$AA########################"
    "#5$$$$$$$$$$$$$$$$$$$$$$$$$5$$$$$$#########################5$$$$",
    "$$$$$$$$$$$$$$$$$$$$$5$$$$$$#########################5$$$$$$$$$$"
    "$$$$$$$$$$$$$$$5$$$$$$#########################5$$$$$$$$$$$$$$$$",
    "$$$$$$$$$5$$$$$$#########################5$$$$$$$$$$$$$$$$$$$$$$"
    "$$$5$$$$$$#$AA++++++++++++++++++++++++++++++++++++++++++++++++++",
    "(((((((((((((((((((((((((((((((((((((((((((((((((((((((8888((((("
    "(((((((((((((((((((((((((((((((((((((((((((((88888888(8888888888",
    "8888(8844444AAAAAAAAAAAAAAA(((((A(((((((((((((((AAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "$$$$$$$$$$'$$$$$$$$$$$$$$$$$$$$AAAAAA$$$$$$AAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "(((((((A(((((((((((((((((AA(((((((A((A(((((AAAAA&&&&&&&&&&&&&&&&"
    "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&AAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAA(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "'''''''''''''''''''''''''''''''''''''''''''''AAA(((((((&&&&&&&AA"
    "++++++++++AAAA'8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAA''''''''''''''''''''''''''''''(AAAAAAAAAAAAAAAAA"
    "''''''''''''''''''''''''''''''''''''''''''''((((++++++++++AAAAA6",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAA'''''''''''''''''''''''''''&((((++++++++++AAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'''''''A''''A''A'''''''''''''''A",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''AA---------(((((((AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "##################################$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$"
    "$$$$(((((((&AAAA++++++++++AAAA44AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA---------------",
    "--------------------------------------------8---6----AAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "A---------------------------------------------8---------------AA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''A'''''''''''''''''''''''''''A''A'AA'A''''''''''A''''A'A'AAAA"
    "AA'AAAA'A'A'A'''A''A'AA'A'A'A'A'A''A'AA''''A'''''''A''''A''''A'A",
    "''''''''''A'''''''''''''''''AAAAA'''A'''''A'''''''''''''''''AAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA55AAAAAAAAAAAAAA",
    "88888888888888888888888888888888888888888888AAAA8888888888888888"
    "8888888888888888888888888888888888888888888888888888888888888888",
    "88888888888888888888AAAAAAAAAAAA888888888888888AA888888888888888"
    "A888888888888888A8888888888888888888888888888888888888AAAAAAAAAA",
    "-------------88888888888888888888888888888888888CCCCCCCCCCCCCCCC"
    "CCCCCCCCCC888888CCCCCCCCCCCCCCCCCCCCCCCCCC888888CCCCCCCCCCCCCCCC",
    "CCCCCCCCCC888888888888888888888888888888888888AAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA88888888888888888888888888",
    "888AAAAAAAAAAAAA88888888888888888888888888888888888888888888AAAA"
    "888888888AAAAAAA88AAAAAAAAAAAAAA888888AAAAAAAAAAAAAAAAAAAAAAAAAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "8888888888888888888888888888888888888888888888888888888888877777",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "888888888888888888888888AAAA88888888888888888AAA8888888888888AAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "8888888888888888888888888888888888888888888888888888888AAAA88888",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "88888888888888888888888888AAAAAA888888888888AAAA8AAAAAAAAAAAAAAA",
    "888888888888AAAA888888888888888888888888888888888888888888888888"
    "88888888AAAAAAAA8888888888AAAAAA88888888888888888888888888888888",
    "88888888AAAAAAAA888888888888888888888888888888AA88AAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "8888888888888888888888888888888888888888888888888888888888888888"
    "88888888888888888888AAAAAAAAAAAA88888888888888AA8888888888888AAA",
    "888888888AAAAAAA8888888888888888888888888888888888888888888888A8"
    "888888AAAAAAAA88888888888888AAAA888888888AAAAAAA888888888AAAAAAA",
    "8888888888888888888A88888888888888888888888888888888888888888888"
    "88888888888AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA++++++++++AAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''AAAAAA"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''AA''''''''''''''''''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''AAAAAAAAAAAAAA''''''''''''''''"
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''''''''''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''"
    "'''''''''''AAAAA''''''''''''''''''''''''''''''''''''''''''''''''",
    "''''''''''''''''''''''''''''''''''''''''''''''''AAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};
static const uint32_t llm__uc_cat_high[5][2] = { /* {lo, hi | category << 24} above 0x40000 */
    {0xE0001,0x1A0E0001}, {0xE0020,0x1A0E007F}, {0xE0100,0x50E01EF}, {0xF0000,0x1C0FFFFD}, {0x100000,0x1C10FFFD},
};
/* non-ASCII code points that (?i) matches to an ASCII letter (simple case folding) */
static const uint32_t llm__uc_fold_ascii_tab[3][2] = {
    {'i',0x130}, {'k',0x212A}, {'s',0x17F},
};
/* NFC (Python unicodedata, Unicode 14.0.0): 35144 bytes. llm__nfc_prop: an index into llm__nfc_props,
   {canonical combining class, flags: 1 quick check No, 2 quick check Maybe, 4 decomposes}. */
static const unsigned char llm__nfc_prop_index[1536] = {
    0, 1, 2, 3, 4, 0, 5, 6, 7, 8, 0, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
    29, 30, 31, 32, 33, 0, 0, 34, 0, 0, 0, 0, 0, 0, 0, 35, 36, 0, 37, 38, 0, 39, 40, 41, 42, 43, 44, 0, 45, 46, 47,
    48, 49, 50, 51, 52, 53, 54, 55, 56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 57, 0, 0, 0, 58, 59, 60, 0, 0, 0,
    0, 61, 62, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 63, 64, 0, 0, 65, 66, 67, 68, 0, 69, 0, 70, 46, 46, 46, 46, 46,
    46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46,
    46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46,
    46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 71, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 72, 72, 73, 74, 75, 0, 0,
    0, 0, 0, 76, 0, 0, 0, 0, 0, 0, 77, 0, 78, 79, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80, 81, 0, 0, 0, 0, 82, 0,
    0, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 0, 93, 94, 0, 95, 96, 97, 98, 0, 99, 0, 100, 101, 102, 103, 0, 0,
    96, 0, 104, 105, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 106, 107, 0, 0, 0, 0, 0, 0, 0, 0, 108, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 109, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 110, 111,
    112, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 113, 0, 107, 0, 0, 114,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 115, 116, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    72, 72, 72, 72, 117, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const char llm__nfc_prop_blocks[118][129] = {
    "################################################################"
    "################################################################",
    "################################################################"
    "$$$$$$#$$$$$$$$$#$$$$$$##$$$$$##$$$$$$#$$$$$$$$$#$$$$$$##$$$$$#$",
    "$$$$$$$$$$$$$$$$##$$$$$$$$$$$$$$$$$$$$##$$$$$$$$$###$$$$#$$$$$$#"
    "###$$$$$$###$$$$$$##$$$$$$$$$$$$$$$$$$##$$$$$$$$$$$$$$$$$$$$$$$#",
    "################################$$#############$$###############"
    "#############$$$$$$$$$$$$$$$$#$$$$$$##$$$$$$$$$$$###$$##$$$$$$$$",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$##$$######$$$$$$$$$$$$$$############"
    "################################################################",
    "%%%%%&%%%%%%%&&%&%&%%'((((')(((((**++++,,((((++(++((----.((((&&&"
    "//%//0&(((&&&((#&&&((((&'((&1221221&&&&&&&&&&&&&####3#########3#",
    "#####$$3$$$#$#$$$#########################$$$$$$$###############"
    "##########$$$$$####$$###########################################",
    "$$#$###$####$$$##########$###############################$######"
    "################$$#$###$####$$$#######################$$########",
    "###&&&&&########################################################"
    "#$$#############$$$$##$$##$$$$$$##$$$$$$##$$$$$$$$$$$$##$$######",
    "#################(&&&&(&&&4(&&&&&&((((((&&(&&45&6789:;<=>@@ABC#D"
    "#EF#&(#>########################################################",
    "################&&&&&&&&GHI#######$$$$$#########################"
    "###########JKLGHIMN%%+(&&&&&(&&(################O###############",
    "################################################################"
    "$#$################$##&&&&&&&##&&&&(&##&&#(&&(##################",
    "#################P##############################&(&&(&&(((&((&(&"
    "&&(&(&(&(&&#####################################################",
    "################################################################"
    "###########################################&&&&&&&(&#########(##",
    "######################&&&&#&&&&&&&&&#&&&#&&&&&##################"
    "#########################(((####################################",
    "########################&(((&&&&################################"
    "##########&&&&&(((((&&&&&&&&&&&&&&#(&&(&&(&&&(((JKL&&&(&&((&&&&&",
    "#########################################$#######$##$#######Q###"
    "#############R###&(&&###33333333################################",
    "############################################################S#T#"
    "###########$$R#########T####33#3##############################&#",
    "###################################################3##3#####S###"
    "#############R###########333##3#################################",
    "############################################################S###"
    "#############R##################################################",
    "############################################################S#T#"
    "########$##$$R########TT####33##################################",
    "####################$#########################################T#"
    "##########$$$R#########T########################################",
    "############################################################S###"
    "########$####R#######UV#########################################",
    "############################################################S###"
    "$#T####$$#$$#R#######TT#########################################",
    "###########################################################RR#T#"
    "##########$$$R#########T########################################",
    "################################################################"
    "##########W####T##########$#$$$T################################",
    "########################################################XXR#####"
    "########YYYY####################################################",
    "########################################################ZZR#####"
    "########[[[[####################################################",
    "########################((###########################(#(#]######"
    "###3#########3####3####3####3############3#######^_3`33#3#____##",
    "_3&&R#&&###########3#########3####3####3####3############3######"
    "######(#########################################################",
    "######################################$#######T########S#RR#####"
    "################################################################",
    "#############(##################################################"
    "################################################################",
    "################################################################"
    "#################################TTTTTTTTTTTTTTTTTTTTT##########",
    "########################################TTTTTTTTTTTTTTTTTTTTTTTT"
    "TTT#############################################################",
    "################################################################"
    "#############################&&&################################",
    "####################RR##############################R###########"
    "################################################################",
    "################################################################"
    "##################R##########&##################################",
    "#########################################5######################"
    "################################################################",
    "#########################################################4&(####"
    "################################################################",
    "#######################&(#######################################"
    "################################R####################&&&&&&&&##(",
    "################################################&&&&&((((((&&(#("
    "(&&((&&&&&(&&&&#################################################",
    "######$#$#$#$#$###$#################################ST#####$#$##"
    "$$#$R######################################&(&&&&&&&############",
    "##########################################RR####################"
    "######################################S###########RR############",
    "#######################################################S########"
    "################################################################",
    "################################################################"
    "################&&&#-(((((&&((((&#-------####(######&###&&######",
    "################################################################"
    "&&(&&&&&&&(&&2a(*&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&'55(b&1(&(",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$#$####$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$"
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$######",
    "$$$$$$$$$$$$$$$$$$$$$$##$$$$$$##$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$"
    "$$$$$$##$$$$$$##$$$$$$$$#$#$#$#$$$$$$$$$$$$$$$$$$3$3$3$3$3$3$3##",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$#$$$$$3$#3#"
    "#$$$$#$$$3$3$$$$$$$3##$$$$$3#$$$$$$3$$$$$$$3$$33##$$$#$$$3$3$3##",
    "33##############################################################"
    "################################################################",
    "################################################################"
    "################&&--&&&&---&&####&###--&(&--((((&###############",
    "######################################3###33####################"
    "################################################################",
    "##########################$$##################$#################"
    "#############$$$################################################",
    "####$####$##$#######################$#$#########################"
    "#$##$##$#$######################$#$##########$$$$$##$$##$$######",
    "$$##$$##$$##################################$$$$################"
    "################################$$$$######$$$$##################",
    "#########################################33#####################"
    "################################################################",
    "################################################################"
    "############################3###################################",
    "################################################################"
    "###############################################&&&##############",
    "################################################################"
    "###############################################################R",
    "################################################################"
    "################################&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&",
    "##########################################b5'4cc################"
    "############$#$#$#$#$#$#$#$#$#$#$#$##$#$#$######$$#$$#$$#$$#$$##",
    "####################$####dd###$#############$#$#$#$#$#$#$#$#$#$#"
    "$#$##$#$#$######$$#$$#$$#$$#$$######################$##$$$$###$#",
    "################################################################"
    "###############################################&####&&&&&&&&&&##",
    "##############################&&################################"
    "################################################&&##############",
    "######R#####################################R###################"
    "################################################################",
    "################################################################"
    "####R###########################&&&&&&&&&&&&&&&&&&##############",
    "###########################################(((##################"
    "###################R############################################",
    "###################################################S############"
    "R###############################################################",
    "################################################&#&&(##&&#####&&"
    "#&####################################################R#########",
    "################################################################"
    "#############################################R##################",
    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$############################"
    "################################################################",
    "3333333333333333333333333333333333333333333333333333333333333333"
    "3333333333333333333333333333333333333333333333333333333333333333",
    "33333333333333##3#3##3333333333#3#3##33###3333333333333333333333"
    "3333333333333333333333333333333333333333333333##3333333333333333",
    "3333333333333333333333333333333333333333333333333333333333333333"
    "33333333333333333333333333######################################",
    "#############################3e3##########3333333333333#33333#3#"
    "33#33#333333333#################################################",
    "################################&&&&&&&(((((((&&################"
    "################################################################",
    "################################################################"
    "#############################################################(##",
    "################################################################"
    "################################(###############################",
    "################################################################"
    "######################################################&&&&&#####",
    "#############(#&########################################&-(####R"
    "################################################################",
    "################################################################"
    "#####################################&(#########################",
    "####################################&&&&########################"
    "################################################################",
    "###########################################&&###################"
    "################################################################",
    "################################################################"
    "######((&&&(&((((###############################################",
    "##&(&(##########################################################"
    "################################################################",
    "################################################################"
    "######R#########################################R##############R",
    "##########################$#$##############$#############RQ#####"
    "################################################################",
    "&&&####################################T######$$###RR###########"
    "###################################################S############",
    "################################################################"
    "R#########S#####################################################",
    "#####################################################RS#########"
    "################################################################",
    "################################################################"
    "#########################################SR#####################",
    "###########################################################SS#T#"
    "###########$$R#########T##############&&&&&&&###&&&&&###########",
    "################################################################"
    "##R###S#######################&#################################",
    "################################################T#########T$$T$#"
    "##RS############################################################",
    "###############################################T##########$$###R"
    "S###############################################################",
    "###############################################################R"
    "################################################################",
    "######################################################RS########"
    "################################################################",
    "###########################################R####################"
    "################################################################",
    "#########################################################RS#####"
    "################################################################",
    "################################################T#######$####RR#"
    "###S############################################################",
    "################################################################"
    "################################R###############################",
    "####################################################R###########"
    "#######R########################################################",
    "#########################R######################################"
    "################################################################",
    "################################################################"
    "##S#RR##########################################################",
    "#######################R########################################"
    "################################################################",
    "################################################################"
    "################################################-----###########",
    "################################################&&&&&&&#########"
    "################################################################",
    "################################################################"
    "################################################ff##############",
    "##############################-#################################"
    "################################################################",
    "################################################################"
    "##############################3333333]]---###g]]]]]########(((((",
    "(((##&&&&&((##############################&&&&#############33333"
    "3###############################################################",
    "################################################################"
    "##&&&###########################################################",
    "&&&&&&&#&&&&&&&&&&&&&&&&&##&&&&&&&#&&#&&&&&#####################"
    "################################################################",
    "##############################################&#################"
    "############################################&&&&################",
    "################################################################"
    "################(((((((#########################################",
    "################################################################"
    "####&&&&&&S#####################################################",
    "333333333333333333333333333333##################################"
    "################################################################",
};
static const unsigned char llm__nfc_props[67][2] = {
    {0,0}, {0,4}, {230,2}, {230,0}, {232,0}, {220,0}, {216,2}, {202,0}, {220,2}, {202,2}, {1,0}, {1,2}, {230,5},
    {240,2}, {233,0}, {234,0}, {0,5}, {222,0}, {228,0}, {10,0}, {11,0}, {12,0}, {13,0}, {14,0}, {15,0}, {16,0},
    {17,0}, {18,0}, {19,0}, {20,0}, {21,0}, {22,0}, {23,0}, {24,0}, {25,0}, {30,0}, {31,0}, {32,0}, {27,0}, {28,0},
    {29,0}, {33,0}, {34,0}, {35,0}, {36,0}, {7,2}, {9,0}, {7,0}, {0,2}, {84,0}, {91,2}, {9,2}, {103,0}, {107,0},
    {118,0}, {122,0}, {216,0}, {129,0}, {130,0}, {132,0}, {214,0}, {218,0}, {224,0}, {8,2}, {26,0}, {6,0}, {226,0},
};
/* canonical decompositions, one level: code point << 42 | first << 21 | second (0: a singleton) */
static const uint64_t llm__nfc_dec[2061] = {
    0x3000008200300ULL, 0x3040008200301ULL, 0x3080008200302ULL, 0x30C0008200303ULL, 0x3100008200308ULL,
    0x314000820030AULL, 0x31C0008600327ULL, 0x3200008A00300ULL, 0x3240008A00301ULL, 0x3280008A00302ULL,
    0x32C0008A00308ULL, 0x3300009200300ULL, 0x3340009200301ULL, 0x3380009200302ULL, 0x33C0009200308ULL,
    0x3440009C00303ULL, 0x3480009E00300ULL, 0x34C0009E00301ULL, 0x3500009E00302ULL, 0x3540009E00303ULL,
    0x3580009E00308ULL, 0x364000AA00300ULL, 0x368000AA00301ULL, 0x36C000AA00302ULL, 0x370000AA00308ULL,
    0x374000B200301ULL, 0x380000C200300ULL, 0x384000C200301ULL, 0x388000C200302ULL, 0x38C000C200303ULL,
    0x390000C200308ULL, 0x394000C20030AULL, 0x39C000C600327ULL, 0x3A0000CA00300ULL, 0x3A4000CA00301ULL,
    0x3A8000CA00302ULL, 0x3AC000CA00308ULL, 0x3B0000D200300ULL, 0x3B4000D200301ULL, 0x3B8000D200302ULL,
    0x3BC000D200308ULL, 0x3C4000DC00303ULL, 0x3C8000DE00300ULL, 0x3CC000DE00301ULL, 0x3D0000DE00302ULL,
    0x3D4000DE00303ULL, 0x3D8000DE00308ULL, 0x3E4000EA00300ULL, 0x3E8000EA00301ULL, 0x3EC000EA00302ULL,
    0x3F0000EA00308ULL, 0x3F4000F200301ULL, 0x3FC000F200308ULL, 0x4000008200304ULL, 0x404000C200304ULL,
    0x4080008200306ULL, 0x40C000C200306ULL, 0x4100008200328ULL, 0x414000C200328ULL, 0x4180008600301ULL,
    0x41C000C600301ULL, 0x4200008600302ULL, 0x424000C600302ULL, 0x4280008600307ULL, 0x42C000C600307ULL,
    0x430000860030CULL, 0x434000C60030CULL, 0x438000880030CULL, 0x43C000C80030CULL, 0x4480008A00304ULL,
    0x44C000CA00304ULL, 0x4500008A00306ULL, 0x454000CA00306ULL, 0x4580008A00307ULL, 0x45C000CA00307ULL,
    0x4600008A00328ULL, 0x464000CA00328ULL, 0x4680008A0030CULL, 0x46C000CA0030CULL, 0x4700008E00302ULL,
    0x474000CE00302ULL, 0x4780008E00306ULL, 0x47C000CE00306ULL, 0x4800008E00307ULL, 0x484000CE00307ULL,
    0x4880008E00327ULL, 0x48C000CE00327ULL, 0x4900009000302ULL, 0x494000D000302ULL, 0x4A00009200303ULL,
    0x4A4000D200303ULL, 0x4A80009200304ULL, 0x4AC000D200304ULL, 0x4B00009200306ULL, 0x4B4000D200306ULL,
    0x4B80009200328ULL, 0x4BC000D200328ULL, 0x4C00009200307ULL, 0x4D00009400302ULL, 0x4D4000D400302ULL,
    0x4D80009600327ULL, 0x4DC000D600327ULL, 0x4E40009800301ULL, 0x4E8000D800301ULL, 0x4EC0009800327ULL,
    0x4F0000D800327ULL, 0x4F4000980030CULL, 0x4F8000D80030CULL, 0x50C0009C00301ULL, 0x510000DC00301ULL,
    0x5140009C00327ULL, 0x518000DC00327ULL, 0x51C0009C0030CULL, 0x520000DC0030CULL, 0x5300009E00304ULL,
    0x534000DE00304ULL, 0x5380009E00306ULL, 0x53C000DE00306ULL, 0x5400009E0030BULL, 0x544000DE0030BULL,
    0x550000A400301ULL, 0x554000E400301ULL, 0x558000A400327ULL, 0x55C000E400327ULL, 0x560000A40030CULL,
    0x564000E40030CULL, 0x568000A600301ULL, 0x56C000E600301ULL, 0x570000A600302ULL, 0x574000E600302ULL,
    0x578000A600327ULL, 0x57C000E600327ULL, 0x580000A60030CULL, 0x584000E60030CULL, 0x588000A800327ULL,
    0x58C000E800327ULL, 0x590000A80030CULL, 0x594000E80030CULL, 0x5A0000AA00303ULL, 0x5A4000EA00303ULL,
    0x5A8000AA00304ULL, 0x5AC000EA00304ULL, 0x5B0000AA00306ULL, 0x5B4000EA00306ULL, 0x5B8000AA0030AULL,
    0x5BC000EA0030AULL, 0x5C0000AA0030BULL, 0x5C4000EA0030BULL, 0x5C8000AA00328ULL, 0x5CC000EA00328ULL,
    0x5D0000AE00302ULL, 0x5D4000EE00302ULL, 0x5D8000B200302ULL, 0x5DC000F200302ULL, 0x5E0000B200308ULL,
    0x5E4000B400301ULL, 0x5E8000F400301ULL, 0x5EC000B400307ULL, 0x5F0000F400307ULL, 0x5F4000B40030CULL,
    0x5F8000F40030CULL, 0x6800009E0031BULL, 0x684000DE0031BULL, 0x6BC000AA0031BULL, 0x6C0000EA0031BULL,
    0x734000820030CULL, 0x738000C20030CULL, 0x73C000920030CULL, 0x740000D20030CULL, 0x7440009E0030CULL,
    0x748000DE0030CULL, 0x74C000AA0030CULL, 0x750000EA0030CULL, 0x754001B800304ULL, 0x758001F800304ULL,
    0x75C001B800301ULL, 0x760001F800301ULL, 0x764001B80030CULL, 0x768001F80030CULL, 0x76C001B800300ULL,
    0x770001F800300ULL, 0x7780018800304ULL, 0x77C001C800304ULL, 0x7800044C00304ULL, 0x7840044E00304ULL,
    0x7880018C00304ULL, 0x78C001CC00304ULL, 0x7980008E0030CULL, 0x79C000CE0030CULL, 0x7A0000960030CULL,
    0x7A4000D60030CULL, 0x7A80009E00328ULL, 0x7AC000DE00328ULL, 0x7B0003D400304ULL, 0x7B4003D600304ULL,
    0x7B80036E0030CULL, 0x7BC005240030CULL, 0x7C0000D40030CULL, 0x7D00008E00301ULL, 0x7D4000CE00301ULL,
    0x7E00009C00300ULL, 0x7E4000DC00300ULL, 0x7E80018A00301ULL, 0x7EC001CA00301ULL, 0x7F00018C00301ULL,
    0x7F4001CC00301ULL, 0x7F8001B000301ULL, 0x7FC001F000301ULL, 0x800000820030FULL, 0x804000C20030FULL,
    0x8080008200311ULL, 0x80C000C200311ULL, 0x8100008A0030FULL, 0x814000CA0030FULL, 0x8180008A00311ULL,
    0x81C000CA00311ULL, 0x820000920030FULL, 0x824000D20030FULL, 0x8280009200311ULL, 0x82C000D200311ULL,
    0x8300009E0030FULL, 0x834000DE0030FULL, 0x8380009E00311ULL, 0x83C000DE00311ULL, 0x840000A40030FULL,
    0x844000E40030FULL, 0x848000A400311ULL, 0x84C000E400311ULL, 0x850000AA0030FULL, 0x854000EA0030FULL,
    0x858000AA00311ULL, 0x85C000EA00311ULL, 0x860000A600326ULL, 0x864000E600326ULL, 0x868000A800326ULL,
    0x86C000E800326ULL, 0x878000900030CULL, 0x87C000D00030CULL, 0x8980008200307ULL, 0x89C000C200307ULL,
    0x8A00008A00327ULL, 0x8A4000CA00327ULL, 0x8A8001AC00304ULL, 0x8AC001EC00304ULL, 0x8B0001AA00304ULL,
    0x8B4001EA00304ULL, 0x8B80009E00307ULL, 0x8BC000DE00307ULL, 0x8C00045C00304ULL, 0x8C40045E00304ULL,
    0x8C8000B200304ULL, 0x8CC000F200304ULL, 0xD000060000000ULL, 0xD040060200000ULL, 0xD0C0062600000ULL,
    0xD100061000301ULL, 0xDD00057200000ULL, 0xDF80007600000ULL, 0xE140015000301ULL, 0xE180072200301ULL,
    0xE1C0016E00000ULL, 0xE200072A00301ULL, 0xE240072E00301ULL, 0xE280073200301ULL, 0xE300073E00301ULL,
    0xE380074A00301ULL, 0xE3C0075200301ULL, 0xE400079400301ULL, 0xEA80073200308ULL, 0xEAC0074A00308ULL,
    0xEB00076200301ULL, 0xEB40076A00301ULL, 0xEB80076E00301ULL, 0xEBC0077200301ULL, 0xEC00079600301ULL,
    0xF280077200308ULL, 0xF2C0078A00308ULL, 0xF300077E00301ULL, 0xF340078A00301ULL, 0xF380079200301ULL,
    0xF4C007A400301ULL, 0xF50007A400308ULL, 0x10000082A00300ULL, 0x10040082A00308ULL, 0x100C0082600301ULL,
    0x101C0080C00308ULL, 0x10300083400301ULL, 0x10340083000300ULL, 0x10380084600306ULL, 0x10640083000306ULL,
    0x10E40087000306ULL, 0x11400086A00300ULL, 0x11440086A00308ULL, 0x114C0086600301ULL, 0x115C008AC00308ULL,
    0x11700087400301ULL, 0x11740087000300ULL, 0x11780088600306ULL, 0x11D8008E80030FULL, 0x11DC008EA0030FULL,
    0x13040082C00306ULL, 0x13080086C00306ULL, 0x13400082000306ULL, 0x13440086000306ULL, 0x13480082000308ULL,
    0x134C0086000308ULL, 0x13580082A00306ULL, 0x135C0086A00306ULL, 0x1368009B000308ULL, 0x136C009B200308ULL,
    0x13700082C00308ULL, 0x13740086C00308ULL, 0x13780082E00308ULL, 0x137C0086E00308ULL, 0x13880083000304ULL,
    0x138C0087000304ULL, 0x13900083000308ULL, 0x13940087000308ULL, 0x13980083C00308ULL, 0x139C0087C00308ULL,
    0x13A8009D000308ULL, 0x13AC009D200308ULL, 0x13B00085A00308ULL, 0x13B40089A00308ULL, 0x13B80084600304ULL,
    0x13BC0088600304ULL, 0x13C00084600308ULL, 0x13C40088600308ULL, 0x13C8008460030BULL, 0x13CC008860030BULL,
    0x13D00084E00308ULL, 0x13D40088E00308ULL, 0x13E00085600308ULL, 0x13E40089600308ULL, 0x188800C4E00653ULL,
    0x188C00C4E00654ULL, 0x189000C9000654ULL, 0x189400C4E00655ULL, 0x189800C9400654ULL, 0x1B0000DAA00654ULL,
    0x1B0800D8200654ULL, 0x1B4C00DA400654ULL, 0x24A4012500093CULL, 0x24C4012600093CULL, 0x24D0012660093CULL,
    0x25600122A0093CULL, 0x25640122C0093CULL, 0x25680122E0093CULL, 0x256C012380093CULL, 0x2570012420093CULL,
    0x2574012440093CULL, 0x2578012560093CULL, 0x257C0125E0093CULL, 0x272C0138E009BEULL, 0x27300138E009D7ULL,
    0x277001342009BCULL, 0x277401344009BCULL, 0x277C0135E009BCULL, 0x28CC0146400A3CULL, 0x28D80147000A3CULL,
    0x29640142C00A3CULL, 0x29680142E00A3CULL, 0x296C0143800A3CULL, 0x29780145600A3CULL, 0x2D200168E00B56ULL,
    0x2D2C0168E00B3EULL, 0x2D300168E00B57ULL, 0x2D700164200B3CULL, 0x2D740164400B3CULL, 0x2E500172400BD7ULL,
    0x2F280178C00BBEULL, 0x2F2C0178E00BBEULL, 0x2F300178C00BD7ULL, 0x31200188C00C56ULL, 0x33000197E00CD5ULL,
    0x331C0198C00CD5ULL, 0x33200198C00CD6ULL, 0x33280198C00CC2ULL, 0x332C0199400CD5ULL, 0x352801A8C00D3EULL,
    0x352C01A8E00D3EULL, 0x353001A8C00D57ULL, 0x376801BB200DCAULL, 0x377001BB200DCFULL, 0x377401BB800DCAULL,
    0x377801BB200DDFULL, 0x3D0C01E8400FB7ULL, 0x3D3401E9800FB7ULL, 0x3D4801EA200FB7ULL, 0x3D5C01EAC00FB7ULL,
    0x3D7001EB600FB7ULL, 0x3DA401E8000FB5ULL, 0x3DCC01EE200F72ULL, 0x3DD401EE200F74ULL, 0x3DD801F6400F80ULL,
    0x3DE001F6600F80ULL, 0x3E0401EE200F80ULL, 0x3E4C01F2400FB7ULL, 0x3E7401F3800FB7ULL, 0x3E8801F4200FB7ULL,
    0x3E9C01F4C00FB7ULL, 0x3EB001F5600FB7ULL, 0x3EE401F2000FB5ULL, 0x40980204A0102EULL, 0x6C180360A01B35ULL,
    0x6C200360E01B35ULL, 0x6C280361201B35ULL, 0x6C300361601B35ULL, 0x6C380361A01B35ULL, 0x6C480362201B35ULL,
    0x6CEC0367401B35ULL, 0x6CF40367801B35ULL, 0x6D000367C01B35ULL, 0x6D040367E01B35ULL, 0x6D0C0368401B35ULL,
    0x78000008200325ULL, 0x7804000C200325ULL, 0x78080008400307ULL, 0x780C000C400307ULL, 0x78100008400323ULL,
    0x7814000C400323ULL, 0x78180008400331ULL, 0x781C000C400331ULL, 0x78200018E00301ULL, 0x7824001CE00301ULL,
    0x78280008800307ULL, 0x782C000C800307ULL, 0x78300008800323ULL, 0x7834000C800323ULL, 0x78380008800331ULL,
    0x783C000C800331ULL, 0x78400008800327ULL, 0x7844000C800327ULL, 0x7848000880032DULL, 0x784C000C80032DULL,
    0x78500022400300ULL, 0x78540022600300ULL, 0x78580022400301ULL, 0x785C0022600301ULL, 0x78600008A0032DULL,
    0x7864000CA0032DULL, 0x78680008A00330ULL, 0x786C000CA00330ULL, 0x78700045000306ULL, 0x78740045200306ULL,
    0x78780008C00307ULL, 0x787C000CC00307ULL, 0x78800008E00304ULL, 0x7884000CE00304ULL, 0x78880009000307ULL,
    0x788C000D000307ULL, 0x78900009000323ULL, 0x7894000D000323ULL, 0x78980009000308ULL, 0x789C000D000308ULL,
    0x78A00009000327ULL, 0x78A4000D000327ULL, 0x78A8000900032EULL, 0x78AC000D00032EULL, 0x78B00009200330ULL,
    0x78B4000D200330ULL, 0x78B80019E00301ULL, 0x78BC001DE00301ULL, 0x78C00009600301ULL, 0x78C4000D600301ULL,
    0x78C80009600323ULL, 0x78CC000D600323ULL, 0x78D00009600331ULL, 0x78D4000D600331ULL, 0x78D80009800323ULL,
    0x78DC000D800323ULL, 0x78E003C6C00304ULL, 0x78E403C6E00304ULL, 0x78E80009800331ULL, 0x78EC000D800331ULL,
    0x78F0000980032DULL, 0x78F4000D80032DULL, 0x78F80009A00301ULL, 0x78FC000DA00301ULL, 0x79000009A00307ULL,
    0x7904000DA00307ULL, 0x79080009A00323ULL, 0x790C000DA00323ULL, 0x79100009C00307ULL, 0x7914000DC00307ULL,
    0x79180009C00323ULL, 0x791C000DC00323ULL, 0x79200009C00331ULL, 0x7924000DC00331ULL, 0x79280009C0032DULL,
    0x792C000DC0032DULL, 0x7930001AA00301ULL, 0x7934001EA00301ULL, 0x7938001AA00308ULL, 0x793C001EA00308ULL,
    0x79400029800300ULL, 0x79440029A00300ULL, 0x79480029800301ULL, 0x794C0029A00301ULL, 0x7950000A000301ULL,
    0x7954000E000301ULL, 0x7958000A000307ULL, 0x795C000E000307ULL, 0x7960000A400307ULL, 0x7964000E400307ULL,
    0x7968000A400323ULL, 0x796C000E400323ULL, 0x797003CB400304ULL, 0x797403CB600304ULL, 0x7978000A400331ULL,
    0x797C000E400331ULL, 0x7980000A600307ULL, 0x7984000E600307ULL, 0x7988000A600323ULL, 0x798C000E600323ULL,
    0x7990002B400307ULL, 0x7994002B600307ULL, 0x7998002C000307ULL, 0x799C002C200307ULL, 0x79A003CC400307ULL,
    0x79A403CC600307ULL, 0x79A8000A800307ULL, 0x79AC000E800307ULL, 0x79B0000A800323ULL, 0x79B4000E800323ULL,
    0x79B8000A800331ULL, 0x79BC000E800331ULL, 0x79C0000A80032DULL, 0x79C4000E80032DULL, 0x79C8000AA00324ULL,
    0x79CC000EA00324ULL, 0x79D0000AA00330ULL, 0x79D4000EA00330ULL, 0x79D8000AA0032DULL, 0x79DC000EA0032DULL,
    0x79E0002D000301ULL, 0x79E4002D200301ULL, 0x79E8002D400308ULL, 0x79EC002D600308ULL, 0x79F0000AC00303ULL,
    0x79F4000EC00303ULL, 0x79F8000AC00323ULL, 0x79FC000EC00323ULL, 0x7A00000AE00300ULL, 0x7A04000EE00300ULL,
    0x7A08000AE00301ULL, 0x7A0C000EE00301ULL, 0x7A10000AE00308ULL, 0x7A14000EE00308ULL, 0x7A18000AE00307ULL,
    0x7A1C000EE00307ULL, 0x7A20000AE00323ULL, 0x7A24000EE00323ULL, 0x7A28000B000307ULL, 0x7A2C000F000307ULL,
    0x7A30000B000308ULL, 0x7A34000F000308ULL, 0x7A38000B200307ULL, 0x7A3C000F200307ULL, 0x7A40000B400302ULL,
    0x7A44000F400302ULL, 0x7A48000B400323ULL, 0x7A4C000F400323ULL, 0x7A50000B400331ULL, 0x7A54000F400331ULL,
    0x7A58000D000331ULL, 0x7A5C000E800308ULL, 0x7A60000EE0030AULL, 0x7A64000F20030AULL, 0x7A6C002FE00307ULL,
    0x7A800008200323ULL, 0x7A84000C200323ULL, 0x7A880008200309ULL, 0x7A8C000C200309ULL, 0x7A900018400301ULL,
    0x7A94001C400301ULL, 0x7A980018400300ULL, 0x7A9C001C400300ULL, 0x7AA00018400309ULL, 0x7AA4001C400309ULL,
    0x7AA80018400303ULL, 0x7AAC001C400303ULL, 0x7AB003D4000302ULL, 0x7AB403D4200302ULL, 0x7AB80020400301ULL,
    0x7ABC0020600301ULL, 0x7AC00020400300ULL, 0x7AC40020600300ULL, 0x7AC80020400309ULL, 0x7ACC0020600309ULL,
    0x7AD00020400303ULL, 0x7AD40020600303ULL, 0x7AD803D4000306ULL, 0x7ADC03D4200306ULL, 0x7AE00008A00323ULL,
    0x7AE4000CA00323ULL, 0x7AE80008A00309ULL, 0x7AEC000CA00309ULL, 0x7AF00008A00303ULL, 0x7AF4000CA00303ULL,
    0x7AF80019400301ULL, 0x7AFC001D400301ULL, 0x7B000019400300ULL, 0x7B04001D400300ULL, 0x7B080019400309ULL,
    0x7B0C001D400309ULL, 0x7B100019400303ULL, 0x7B14001D400303ULL, 0x7B1803D7000302ULL, 0x7B1C03D7200302ULL,
    0x7B200009200309ULL, 0x7B24000D200309ULL, 0x7B280009200323ULL, 0x7B2C000D200323ULL, 0x7B300009E00323ULL,
    0x7B34000DE00323ULL, 0x7B380009E00309ULL, 0x7B3C000DE00309ULL, 0x7B40001A800301ULL, 0x7B44001E800301ULL,
    0x7B48001A800300ULL, 0x7B4C001E800300ULL, 0x7B50001A800309ULL, 0x7B54001E800309ULL, 0x7B58001A800303ULL,
    0x7B5C001E800303ULL, 0x7B6003D9800302ULL, 0x7B6403D9A00302ULL, 0x7B680034000301ULL, 0x7B6C0034200301ULL,
    0x7B700034000300ULL, 0x7B740034200300ULL, 0x7B780034000309ULL, 0x7B7C0034200309ULL, 0x7B800034000303ULL,
    0x7B840034200303ULL, 0x7B880034000323ULL, 0x7B8C0034200323ULL, 0x7B90000AA00323ULL, 0x7B94000EA00323ULL,
    0x7B98000AA00309ULL, 0x7B9C000EA00309ULL, 0x7BA00035E00301ULL, 0x7BA40036000301ULL, 0x7BA80035E00300ULL,
    0x7BAC0036000300ULL, 0x7BB00035E00309ULL, 0x7BB40036000309ULL, 0x7BB80035E00303ULL, 0x7BBC0036000303ULL,
    0x7BC00035E00323ULL, 0x7BC40036000323ULL, 0x7BC8000B200300ULL, 0x7BCC000F200300ULL, 0x7BD0000B200323ULL,
    0x7BD4000F200323ULL, 0x7BD8000B200309ULL, 0x7BDC000F200309ULL, 0x7BE0000B200303ULL, 0x7BE4000F200303ULL,
    0x7C000076200313ULL, 0x7C040076200314ULL, 0x7C0803E0000300ULL, 0x7C0C03E0200300ULL, 0x7C1003E0000301ULL,
    0x7C1403E0200301ULL, 0x7C1803E0000342ULL, 0x7C1C03E0200342ULL, 0x7C200072200313ULL, 0x7C240072200314ULL,
    0x7C2803E1000300ULL, 0x7C2C03E1200300ULL, 0x7C3003E1000301ULL, 0x7C3403E1200301ULL, 0x7C3803E1000342ULL,
    0x7C3C03E1200342ULL, 0x7C400076A00313ULL, 0x7C440076A00314ULL, 0x7C4803E2000300ULL, 0x7C4C03E2200300ULL,
    0x7C5003E2000301ULL, 0x7C5403E2200301ULL, 0x7C600072A00313ULL, 0x7C640072A00314ULL, 0x7C6803E3000300ULL,
    0x7C6C03E3200300ULL, 0x7C7003E3000301ULL, 0x7C7403E3200301ULL, 0x7C800076E00313ULL, 0x7C840076E00314ULL,
    0x7C8803E4000300ULL, 0x7C8C03E4200300ULL, 0x7C9003E4000301ULL, 0x7C9403E4200301ULL, 0x7C9803E4000342ULL,
    0x7C9C03E4200342ULL, 0x7CA00072E00313ULL, 0x7CA40072E00314ULL, 0x7CA803E5000300ULL, 0x7CAC03E5200300ULL,
    0x7CB003E5000301ULL, 0x7CB403E5200301ULL, 0x7CB803E5000342ULL, 0x7CBC03E5200342ULL, 0x7CC00077200313ULL,
    0x7CC40077200314ULL, 0x7CC803E6000300ULL, 0x7CCC03E6200300ULL, 0x7CD003E6000301ULL, 0x7CD403E6200301ULL,
    0x7CD803E6000342ULL, 0x7CDC03E6200342ULL, 0x7CE00073200313ULL, 0x7CE40073200314ULL, 0x7CE803E7000300ULL,
    0x7CEC03E7200300ULL, 0x7CF003E7000301ULL, 0x7CF403E7200301ULL, 0x7CF803E7000342ULL, 0x7CFC03E7200342ULL,
    0x7D000077E00313ULL, 0x7D040077E00314ULL, 0x7D0803E8000300ULL, 0x7D0C03E8200300ULL, 0x7D1003E8000301ULL,
    0x7D1403E8200301ULL, 0x7D200073E00313ULL, 0x7D240073E00314ULL, 0x7D2803E9000300ULL, 0x7D2C03E9200300ULL,
    0x7D3003E9000301ULL, 0x7D3403E9200301ULL, 0x7D400078A00313ULL, 0x7D440078A00314ULL, 0x7D4803EA000300ULL,
    0x7D4C03EA200300ULL, 0x7D5003EA000301ULL, 0x7D5403EA200301ULL, 0x7D5803EA000342ULL, 0x7D5C03EA200342ULL,
    0x7D640074A00314ULL, 0x7D6C03EB200300ULL, 0x7D7403EB200301ULL, 0x7D7C03EB200342ULL, 0x7D800079200313ULL,
    0x7D840079200314ULL, 0x7D8803EC000300ULL, 0x7D8C03EC200300ULL, 0x7D9003EC000301ULL, 0x7D9403EC200301ULL,
    0x7D9803EC000342ULL, 0x7D9C03EC200342ULL, 0x7DA00075200313ULL, 0x7DA40075200314ULL, 0x7DA803ED000300ULL,
    0x7DAC03ED200300ULL, 0x7DB003ED000301ULL, 0x7DB403ED200301ULL, 0x7DB803ED000342ULL, 0x7DBC03ED200342ULL,
    0x7DC00076200300ULL, 0x7DC40075800000ULL, 0x7DC80076A00300ULL, 0x7DCC0075A00000ULL, 0x7DD00076E00300ULL,
    0x7DD40075C00000ULL, 0x7DD80077200300ULL, 0x7DDC0075E00000ULL, 0x7DE00077E00300ULL, 0x7DE40079800000ULL,
    0x7DE80078A00300ULL, 0x7DEC0079A00000ULL, 0x7DF00079200300ULL, 0x7DF40079C00000ULL, 0x7E0003E0000345ULL,
    0x7E0403E0200345ULL, 0x7E0803E0400345ULL, 0x7E0C03E0600345ULL, 0x7E1003E0800345ULL, 0x7E1403E0A00345ULL,
    0x7E1803E0C00345ULL, 0x7E1C03E0E00345ULL, 0x7E2003E1000345ULL, 0x7E2403E1200345ULL, 0x7E2803E1400345ULL,
    0x7E2C03E1600345ULL, 0x7E3003E1800345ULL, 0x7E3403E1A00345ULL, 0x7E3803E1C00345ULL, 0x7E3C03E1E00345ULL,
    0x7E4003E4000345ULL, 0x7E4403E4200345ULL, 0x7E4803E4400345ULL, 0x7E4C03E4600345ULL, 0x7E5003E4800345ULL,
    0x7E5403E4A00345ULL, 0x7E5803E4C00345ULL, 0x7E5C03E4E00345ULL, 0x7E6003E5000345ULL, 0x7E6403E5200345ULL,
    0x7E6803E5400345ULL, 0x7E6C03E5600345ULL, 0x7E7003E5800345ULL, 0x7E7403E5A00345ULL, 0x7E7803E5C00345ULL,
    0x7E7C03E5E00345ULL, 0x7E8003EC000345ULL, 0x7E8403EC200345ULL, 0x7E8803EC400345ULL, 0x7E8C03EC600345ULL,
    0x7E9003EC800345ULL, 0x7E9403ECA00345ULL, 0x7E9803ECC00345ULL, 0x7E9C03ECE00345ULL, 0x7EA003ED000345ULL,
    0x7EA403ED200345ULL, 0x7EA803ED400345ULL, 0x7EAC03ED600345ULL, 0x7EB003ED800345ULL, 0x7EB403EDA00345ULL,
    0x7EB803EDC00345ULL, 0x7EBC03EDE00345ULL, 0x7EC00076200306ULL, 0x7EC40076200304ULL, 0x7EC803EE000345ULL,
    0x7ECC0076200345ULL, 0x7ED00075800345ULL, 0x7ED80076200342ULL, 0x7EDC03F6C00345ULL, 0x7EE00072200306ULL,
    0x7EE40072200304ULL, 0x7EE80072200300ULL, 0x7EEC0070C00000ULL, 0x7EF00072200345ULL, 0x7EF80077200000ULL,
    0x7F040015000342ULL, 0x7F0803EE800345ULL, 0x7F0C0076E00345ULL, 0x7F100075C00345ULL, 0x7F180076E00342ULL,
    0x7F1C03F8C00345ULL, 0x7F200072A00300ULL, 0x7F240071000000ULL, 0x7F280072E00300ULL, 0x7F2C0071200000ULL,
    0x7F300072E00345ULL, 0x7F3403F7E00300ULL, 0x7F3803F7E00301ULL, 0x7F3C03F7E00342ULL, 0x7F400077200306ULL,
    0x7F440077200304ULL, 0x7F480079400300ULL, 0x7F4C0072000000ULL, 0x7F580077200342ULL, 0x7F5C0079400342ULL,
    0x7F600073200306ULL, 0x7F640073200304ULL, 0x7F680073200300ULL, 0x7F6C0071400000ULL, 0x7F7403FFC00300ULL,
    0x7F7803FFC00301ULL, 0x7F7C03FFC00342ULL, 0x7F800078A00306ULL, 0x7F840078A00304ULL, 0x7F880079600300ULL,
    0x7F8C0076000000ULL, 0x7F900078200313ULL, 0x7F940078200314ULL, 0x7F980078A00342ULL, 0x7F9C0079600342ULL,
    0x7FA00074A00306ULL, 0x7FA40074A00304ULL, 0x7FA80074A00300ULL, 0x7FAC0071C00000ULL, 0x7FB00074200314ULL,
    0x7FB40015000300ULL, 0x7FB80070A00000ULL, 0x7FBC000C000000ULL, 0x7FC803EF800345ULL, 0x7FCC0079200345ULL,
    0x7FD00079C00345ULL, 0x7FD80079200342ULL, 0x7FDC03FEC00345ULL, 0x7FE00073E00300ULL, 0x7FE40071800000ULL,
    0x7FE80075200300ULL, 0x7FEC0071E00000ULL, 0x7FF00075200345ULL, 0x7FF40016800000ULL, 0x80000400400000ULL,
    0x80040400600000ULL, 0x84980075200000ULL, 0x84A80009600000ULL, 0x84AC0018A00000ULL, 0x86680432000338ULL,
    0x866C0432400338ULL, 0x86B80432800338ULL, 0x8734043A000338ULL, 0x8738043A800338ULL, 0x873C043A400338ULL,
    0x88100440600338ULL, 0x88240441000338ULL, 0x88300441600338ULL, 0x88900444600338ULL, 0x88980444A00338ULL,
    0x89040447800338ULL, 0x89100448600338ULL, 0x891C0448A00338ULL, 0x89240449000338ULL, 0x89800007A00338ULL,
    0x8988044C200338ULL, 0x89B40449A00338ULL, 0x89B80007800338ULL, 0x89BC0007C00338ULL, 0x89C0044C800338ULL,
    0x89C4044CA00338ULL, 0x89D0044E400338ULL, 0x89D4044E600338ULL, 0x89E0044EC00338ULL, 0x89E4044EE00338ULL,
    0x8A00044F400338ULL, 0x8A04044F600338ULL, 0x8A100450400338ULL, 0x8A140450600338ULL, 0x8A200450C00338ULL,
    0x8A240450E00338ULL, 0x8AB00454400338ULL, 0x8AB40455000338ULL, 0x8AB80455200338ULL, 0x8ABC0455600338ULL,
    0x8B80044F800338ULL, 0x8B84044FA00338ULL, 0x8B880452200338ULL, 0x8B8C0452400338ULL, 0x8BA80456400338ULL,
    0x8BAC0456600338ULL, 0x8BB00456800338ULL, 0x8BB40456A00338ULL, 0x8CA40601000000ULL, 0x8CA80601200000ULL,
    0xAB70055BA00338ULL, 0xC1300609603099ULL, 0xC1380609A03099ULL, 0xC1400609E03099ULL, 0xC148060A203099ULL,
    0xC150060A603099ULL, 0xC158060AA03099ULL, 0xC160060AE03099ULL, 0xC168060B203099ULL, 0xC170060B603099ULL,
    0xC178060BA03099ULL, 0xC180060BE03099ULL, 0xC188060C203099ULL, 0xC194060C803099ULL, 0xC19C060CC03099ULL,
    0xC1A4060D003099ULL, 0xC1C0060DE03099ULL, 0xC1C4060DE0309AULL, 0xC1CC060E403099ULL, 0xC1D0060E40309AULL,
    0xC1D8060EA03099ULL, 0xC1DC060EA0309AULL, 0xC1E4060F003099ULL, 0xC1E8060F00309AULL, 0xC1F0060F603099ULL,
    0xC1F4060F60309AULL, 0xC2500608C03099ULL, 0xC2780613A03099ULL, 0xC2B00615603099ULL, 0xC2B80615A03099ULL,
    0xC2C00615E03099ULL, 0xC2C80616203099ULL, 0xC2D00616603099ULL, 0xC2D80616A03099ULL, 0xC2E00616E03099ULL,
    0xC2E80617203099ULL, 0xC2F00617603099ULL, 0xC2F80617A03099ULL, 0xC3000617E03099ULL, 0xC3080618203099ULL,
    0xC3140618803099ULL, 0xC31C0618C03099ULL, 0xC3240619003099ULL, 0xC3400619E03099ULL, 0xC3440619E0309AULL,
    0xC34C061A403099ULL, 0xC350061A40309AULL, 0xC358061AA03099ULL, 0xC35C061AA0309AULL, 0xC364061B003099ULL,
    0xC368061B00309AULL, 0xC370061B603099ULL, 0xC374061B60309AULL, 0xC3D00614C03099ULL, 0xC3DC061DE03099ULL,
    0xC3E0061E003099ULL, 0xC3E4061E203099ULL, 0xC3E8061E403099ULL, 0xC3F8061FA03099ULL, 0x3E4001189000000ULL,
    0x3E4040CDE800000ULL, 0x3E40811D9400000ULL, 0x3E40C1199000000ULL, 0x3E4100DDA200000ULL, 0x3E41409C6400000ULL,
    0x3E4180A7CA00000ULL, 0x3E41C13F3800000ULL, 0x3E42013F3800000ULL, 0x3E4240B2A200000ULL, 0x3E428123A200000ULL,
    0x3E42C0AB0E00000ULL, 0x3E4300B29000000ULL, 0x3E4340C3EC00000ULL, 0x3E4380ECD200000ULL, 0x3E43C0FF0A00000ULL,
    0x3E44010C7E00000ULL, 0x3E44410F7400000ULL, 0x3E448111F000000ULL, 0x3E44C1211E00000ULL, 0x3E4500D40400000ULL,
    0x3E4540DA3600000ULL, 0x3E4580E1B200000ULL, 0x3E45C0E7BC00000ULL, 0x3E4601087A00000ULL, 0x3E464122D400000ULL,
    0x3E468133E200000ULL, 0x3E46C09D0400000ULL, 0x3E4700A6EA00000ULL, 0x3E4740D60800000ULL, 0x3E4780E43600000ULL,
    0x3E47C10C5A00000ULL, 0x3E48013C3C00000ULL, 0x3E4840BAA000000ULL, 0x3E4880DFD600000ULL, 0x3E48C10B9A00000ULL,
    0x3E490112C800000ULL, 0x3E4940C59200000ULL, 0x3E498103B000000ULL, 0x3E49C1103E00000ULL, 0x3E4A00BD9400000ULL,
    0x3E4A40CE2E00000ULL, 0x3E4A80DAD400000ULL, 0x3E4AC0E5F800000ULL, 0x3E4B01219C00000ULL, 0x3E4B409F0C00000ULL,
    0x3E4B80A36E00000ULL, 0x3E4BC0A5BC00000ULL, 0x3E4C00C98800000ULL, 0x3E4C40D5A600000ULL, 0x3E4C80E42000000ULL,
    0x3E4CC0EDCE00000ULL, 0x3E4D01000200000ULL, 0x3E4D410C0C00000ULL, 0x3E4D810CB800000ULL, 0x3E4DC11BDE00000ULL,
    0x3E4E012E6400000ULL, 0x3E4E4136DE00000ULL, 0x3E4E813BF400000ULL, 0x3E4EC0F11800000ULL, 0x3E4F00F2FE00000ULL,
    0x3E4F40FB4000000ULL, 0x3E4F81079200000ULL, 0x3E4FC1260800000ULL, 0x3E50013CFE00000ULL, 0x3E504115AC00000ULL,
    0x3E5080B1BE00000ULL, 0x3E50C0BE0800000ULL, 0x3E5100F8C000000ULL, 0x3E514100FC00000ULL, 0x3E5180E4C400000ULL,
    0x3E51C0F19400000ULL, 0x3E5201198400000ULL, 0x3E52412DEE00000ULL, 0x3E5280B1B000000ULL, 0x3E52C0B8C400000ULL,
    0x3E5300D42600000ULL, 0x3E5340DBB400000ULL, 0x3E5380DE1E00000ULL, 0x3E53C0FA5E00000ULL, 0x3E5400FC6E00000ULL,
    0x3E54412C9600000ULL, 0x3E5480A5A400000ULL, 0x3E54C1011600000ULL, 0x3E5500A3B800000ULL, 0x3E5540A39800000ULL,
    0x3E5580F43800000ULL, 0x3E55C0FB7C00000ULL, 0x3E560107E200000ULL, 0x3E56412CEA00000ULL, 0x3E5681170000000ULL,
    0x3E56C0C59E00000ULL, 0x3E5700D40400000ULL, 0x3E574115FC00000ULL, 0x3E57809C7200000ULL, 0x3E57C0B7CE00000ULL,
    0x3E5800C02400000ULL, 0x3E5840E70E00000ULL, 0x3E5880EAE000000ULL, 0x3E58C0A62E00000ULL, 0x3E5900F1F600000ULL,
    0x3E59409F7E00000ULL, 0x3E5980BF5200000ULL, 0x3E59C09C1A00000ULL, 0x3E5A00D99800000ULL, 0x3E5A40CAF000000ULL,
    0x3E5A80FA4400000ULL, 0x3E5AC0A78600000ULL, 0x3E5B00B0BC00000ULL, 0x3E5B40EE0200000ULL, 0x3E5B81089200000ULL,
    0x3E5BC1155400000ULL, 0x3E5C00D77400000ULL, 0x3E5C411F6000000ULL, 0x3E5C80D91000000ULL, 0x3E5CC0C5FC00000ULL,
    0x3E5D0105CA00000ULL, 0x3E5D40C74000000ULL, 0x3E5D80EACA00000ULL, 0x3E5DC09D5C00000ULL, 0x3E5E00A2D200000ULL,
    0x3E5E40A39200000ULL, 0x3E5E80D10200000ULL, 0x3E5EC0F9CE00000ULL, 0x3E5F0104DE00000ULL, 0x3E5F4115A400000ULL,
    0x3E5F81239E00000ULL, 0x3E5FC0A5EA00000ULL, 0x3E6000A88400000ULL, 0x3E6040B2E600000ULL, 0x3E6080BDD800000ULL,
    0x3E60C0CB8A00000ULL, 0x3E6100DFFC00000ULL, 0x3E6140F25400000ULL, 0x3E61812B5A00000ULL, 0x3E61C134D400000ULL,
    0x3E62013D2E00000ULL, 0x3E62413D9C00000ULL, 0x3E6280A53600000ULL, 0x3E62C0CD8C00000ULL, 0x3E6300D6EE00000ULL,
    0x3E63411EC400000ULL, 0x3E6380BCE800000ULL, 0x3E63C0C32000000ULL, 0x3E6400C40000000ULL, 0x3E6440C93400000ULL,
    0x3E6480DE4600000ULL, 0x3E64C0E29200000ULL, 0x3E6500E91200000ULL, 0x3E6540F39400000ULL, 0x3E6580FBE800000ULL,
    0x3E65C100DE00000ULL, 0x3E66011E4C00000ULL, 0x3E664109DC00000ULL, 0x3E6681204600000ULL, 0x3E66C1269400000ULL,
    0x3E6700A42E00000ULL, 0x3E6740A54600000ULL, 0x3E6780A97A00000ULL, 0x3E67C0E19000000ULL, 0x3E6801118400000ULL,
    0x3E6841155400000ULL, 0x3E6880BD9200000ULL, 0x3E68C0BFEA00000ULL, 0x3E6900C6F600000ULL, 0x3E6940D75C00000ULL,
    0x3E6980F87C00000ULL, 0x3E69C0E6EA00000ULL, 0x3E6A009DC800000ULL, 0x3E6A40ADF200000ULL, 0x3E6A80B7CE00000ULL,
    0x3E6AC0BB7400000ULL, 0x3E6B00C03800000ULL, 0x3E6B40E76400000ULL, 0x3E6B80E8D200000ULL, 0x3E6BC0FF3400000ULL,
    0x3E6C01008C00000ULL, 0x3E6C41246800000ULL, 0x3E6C812DEC00000ULL, 0x3E6CC12E9000000ULL, 0x3E6D01303000000ULL,
    0x3E6D409F1600000ULL, 0x3E6D80F35C00000ULL, 0x3E6DC1236800000ULL, 0x3E6E012D7000000ULL, 0x3E6E40C1C200000ULL,
    0x3E6E809D0C00000ULL, 0x3E6EC0A1B400000ULL, 0x3E6F00B7DC00000ULL, 0x3E6F40B87E00000ULL, 0x3E6F80CB3200000ULL,
    0x3E6FC0D40400000ULL, 0x3E7000E39C00000ULL, 0x3E7040EC8400000ULL, 0x3E708109F800000ULL, 0x3E70C120F800000ULL,
    0x3E71013F1A00000ULL, 0x3E7140CD1000000ULL, 0x3E71812C5C00000ULL, 0x3E71C0A51200000ULL, 0x3E7200CEF600000ULL,
    0x3E7240CFE600000ULL, 0x3E7280DA8200000ULL, 0x3E72C0DD3800000ULL, 0x3E7300E81200000ULL, 0x3E7340EAB200000ULL,
    0x3E7380F0D600000ULL, 0x3E73C0FA2000000ULL, 0x3E740130BC00000ULL, 0x3E7440A2DA00000ULL, 0x3E7480C45C00000ULL,
    0x3E74C12CF000000ULL, 0x3E7500A05600000ULL, 0x3E7540BA3200000ULL, 0x3E7580DBD400000ULL, 0x3E75C11E5400000ULL,
    0x3E7600BF1600000ULL, 0x3E7640C28800000ULL, 0x3E7680D02E00000ULL, 0x3E76C0E70E00000ULL, 0x3E77012D0C00000ULL,
    0x3E7740A45200000ULL, 0x3E7780A81E00000ULL, 0x3E77C0B8CA00000ULL, 0x3E7800CC2600000ULL, 0x3E7840CE9C00000ULL,
    0x3E7880D15000000ULL, 0x3E78C0D9CA00000ULL, 0x3E7900E80C00000ULL, 0x3E7940EBC400000ULL, 0x3E7980FEF200000ULL,
    0x3E79C1119E00000ULL, 0x3E7A0111C200000ULL, 0x3E7A41239800000ULL, 0x3E7A812DC400000ULL, 0x3E7AC0A67E00000ULL,
    0x3E7B00DD7400000ULL, 0x3E7B40A83A00000ULL, 0x3E7B80E3A000000ULL, 0x3E7BC0E93000000ULL, 0x3E7C010BF400000ULL,
    0x3E7C412D4600000ULL, 0x3E7C8138AE00000ULL, 0x3E7CC13D3E00000ULL, 0x3E7D00CF2E00000ULL, 0x3E7D40DB9600000ULL,
    0x3E7D8103D000000ULL, 0x3E7DC0F59600000ULL, 0x3E7E00F64000000ULL, 0x3E7E40F92400000ULL, 0x3E7E80E58000000ULL,
    0x3E7EC0E13200000ULL, 0x3E7F0116B000000ULL, 0x3E7F409D8000000ULL, 0x3E7F81066C00000ULL, 0x3E7FC0A47400000ULL,
    0x3E8000A40E00000ULL, 0x3E8040BD4C00000ULL, 0x3E8080C5A600000ULL, 0x3E80C0F9AC00000ULL, 0x3E8100B70A00000ULL,
    0x3E8140DA3C00000ULL, 0x3E8180CD6800000ULL, 0x3E81C11E7600000ULL, 0x3E8201109800000ULL, 0x3E82412C9A00000ULL,
    0x3E8281131600000ULL, 0x3E82C0BDA600000ULL, 0x3E8300A28000000ULL, 0x3E8340AB8000000ULL, 0x3E8400B0B400000ULL,
    0x3E8480CCE800000ULL, 0x3E8540A3BC00000ULL, 0x3E8580E65400000ULL, 0x3E85C0ED9400000ULL, 0x3E8600F27800000ULL,
    0x3E8640F2BC00000ULL, 0x3E8680F2CA00000ULL, 0x3E86C0F31E00000ULL, 0x3E87012EAC00000ULL, 0x3E8740F97C00000ULL,
    0x3E8780FF7A00000ULL, 0x3E88010C2400000ULL, 0x3E888115F000000ULL, 0x3E8941207000000ULL, 0x3E898121FA00000ULL,
    0x3E8A8131DE00000ULL, 0x3E8AC131F800000ULL, 0x3E8B01325000000ULL, 0x3E8B413B6800000ULL, 0x3E8B8121BC00000ULL,
    0x3E8BC12D6E00000ULL, 0x3E8C009F5C00000ULL, 0x3E8C40A1CE00000ULL, 0x3E8C80A29A00000ULL, 0x3E8CC0A59200000ULL,
    0x3E8D00A5C800000ULL, 0x3E8D40A6A200000ULL, 0x3E8D80AB3A00000ULL, 0x3E8DC0AC0C00000ULL, 0x3E8E00ACD000000ULL,
    0x3E8E40B08000000ULL, 0x3E8E80B15000000ULL, 0x3E8EC0B8C800000ULL, 0x3E8F00B8DC00000ULL, 0x3E8F40C12800000ULL,
    0x3E8F80C2D000000ULL, 0x3E8FC0C31C00000ULL, 0x3E9000C3E400000ULL, 0x3E9040CA9E00000ULL, 0x3E9080CBC400000ULL,
    0x3E90C0CD2200000ULL, 0x3E9100D10A00000ULL, 0x3E9140DAEE00000ULL, 0x3E9180DC3400000ULL, 0x3E91C0DE4400000ULL,
    0x3E9200E2DC00000ULL, 0x3E9240E45600000ULL, 0x3E9280E84400000ULL, 0x3E92C0F12200000ULL, 0x3E9300F27C00000ULL,
    0x3E9340F29200000ULL, 0x3E9380F29000000ULL, 0x3E93C0F2A000000ULL, 0x3E9400F2AC00000ULL, 0x3E9440F2BA00000ULL,
    0x3E9480F31A00000ULL, 0x3E94C0F31C00000ULL, 0x3E9500F48000000ULL, 0x3E9540F50200000ULL, 0x3E9580F78000000ULL,
    0x3E95C0FBE800000ULL, 0x3E9600FC1200000ULL, 0x3E9640FC8200000ULL, 0x3E9680FEE400000ULL, 0x3E96C1000A00000ULL,
    0x3E970103DA00000ULL, 0x3E974104F200000ULL, 0x3E978104F200000ULL, 0x3E97C108AE00000ULL, 0x3E9801122000000ULL,
    0x3E9841132C00000ULL, 0x3E9881160200000ULL, 0x3E98C1167200000ULL, 0x3E990119A600000ULL, 0x3E99411A1000000ULL,
    0x3E99811F6C00000ULL, 0x3E99C1207000000ULL, 0x3E9A012DC600000ULL, 0x3E9A412FFE00000ULL, 0x3E9A81307600000ULL,
    0x3E9AC0C0EA00000ULL, 0x3E9B0485DC00000ULL, 0x3E9B41043000000ULL, 0x3E9C009C4C00000ULL, 0x3E9C40A36A00000ULL,
    0x3E9C80A2D000000ULL, 0x3E9CC09F0000000ULL, 0x3E9D00A28A00000ULL, 0x3E9D40A30000000ULL, 0x3E9D80A58E00000ULL,
    0x3E9DC0A5F400000ULL, 0x3E9E00AB3A00000ULL, 0x3E9E40AAAA00000ULL, 0x3E9E80AB3200000ULL, 0x3E9EC0ABC400000ULL,
    0x3E9F00B0B400000ULL, 0x3E9F40B16600000ULL, 0x3E9F80B28800000ULL, 0x3E9FC0B2A800000ULL, 0x3EA000B4C400000ULL,
    0x3EA040B65000000ULL, 0x3EA080BDA400000ULL, 0x3EA0C0BDB200000ULL, 0x3EA100BED200000ULL, 0x3EA140BF5A00000ULL,
    0x3EA180C1B000000ULL, 0x3EA1C0C29C00000ULL, 0x3EA200C21000000ULL, 0x3EA240C31C00000ULL, 0x3EA280C2C000000ULL,
    0x3EA2C0C3E400000ULL, 0x3EA300C46800000ULL, 0x3EA340C78800000ULL, 0x3EA380C83800000ULL, 0x3EA3C0C8A400000ULL,
    0x3EA400CAAC00000ULL, 0x3EA440CCE800000ULL, 0x3EA480CE2E00000ULL, 0x3EA4C0CE3600000ULL, 0x3EA500CEAC00000ULL,
    0x3EA540D6F200000ULL, 0x3EA580D77400000ULL, 0x3EA5C0DA8200000ULL, 0x3EA600DDB600000ULL, 0x3EA640DD9600000ULL,
    0x3EA680DE4400000ULL, 0x3EA6C0E03C00000ULL, 0x3EA700E2DC00000ULL, 0x3EA740EF4E00000ULL, 0x3EA780E46A00000ULL,
    0x3EA7C0E55E00000ULL, 0x3EA800E65400000ULL, 0x3EA840E8E200000ULL, 0x3EA880EA0C00000ULL, 0x3EA8C0EA7600000ULL,
    0x3EA900EC3A00000ULL, 0x3EA940EC3E00000ULL, 0x3EA980ED9400000ULL, 0x3EA9C0EDB600000ULL, 0x3EAA00EDE800000ULL,
    0x3EAA40EE9400000ULL, 0x3EAA80EE8000000ULL, 0x3EAAC0F19800000ULL, 0x3EAB00F56200000ULL, 0x3EAB40F78000000ULL,
    0x3EAB80F8F600000ULL, 0x3EABC0FAB600000ULL, 0x3EAC00FBE800000ULL, 0x3EAC40FE7C00000ULL, 0x3EAC81000A00000ULL,
    0x3EACC106A400000ULL, 0x3EAD0107DE00000ULL, 0x3EAD410EF200000ULL, 0x3EAD81128200000ULL, 0x3EADC1130C00000ULL,
    0x3EAE01132C00000ULL, 0x3EAE41157E00000ULL, 0x3EAE8115F000000ULL, 0x3EAEC1159600000ULL, 0x3EAF01160200000ULL,
    0x3EAF4115FC00000ULL, 0x3EAF8115DA00000ULL, 0x3EAFC1167200000ULL, 0x3EB001171400000ULL, 0x3EB0411A1000000ULL,
    0x3EB0811E7000000ULL, 0x3EB0C120E400000ULL, 0x3EB101233200000ULL, 0x3EB14124EC00000ULL, 0x3EB1812CF800000ULL,
    0x3EB1C12DC600000ULL, 0x3EB2012EAC00000ULL, 0x3EB2412FB600000ULL, 0x3EB2812FFE00000ULL, 0x3EB2C1301600000ULL,
    0x3EB301307600000ULL, 0x3EB341362400000ULL, 0x3EB3813F3800000ULL, 0x3EB3C4509400000ULL, 0x3EB404508800000ULL,
    0x3EB44467AA00000ULL, 0x3EB480773A00000ULL, 0x3EB4C0803000000ULL, 0x3EB500807200000ULL, 0x3EB544A49200000ULL,
    0x3EB584B9A000000ULL, 0x3EB5C4FDA600000ULL, 0x3EB6013E8600000ULL, 0x3EB6413F1C00000ULL, 0x3EC7400BB2005B4ULL,
    0x3EC7C00BE4005B7ULL, 0x3ECA800BD2005C1ULL, 0x3ECAC00BD2005C2ULL, 0x3ECB01F692005C1ULL, 0x3ECB41F692005C2ULL,
    0x3ECB800BA0005B7ULL, 0x3ECBC00BA0005B8ULL, 0x3ECC000BA0005BCULL, 0x3ECC400BA2005BCULL, 0x3ECC800BA4005BCULL,
    0x3ECCC00BA6005BCULL, 0x3ECD000BA8005BCULL, 0x3ECD400BAA005BCULL, 0x3ECD800BAC005BCULL, 0x3ECE000BB0005BCULL,
    0x3ECE400BB2005BCULL, 0x3ECE800BB4005BCULL, 0x3ECEC00BB6005BCULL, 0x3ECF000BB8005BCULL, 0x3ECF800BBC005BCULL,
    0x3ED0000BC0005BCULL, 0x3ED0400BC2005BCULL, 0x3ED0C00BC6005BCULL, 0x3ED1000BC8005BCULL, 0x3ED1800BCC005BCULL,
    0x3ED1C00BCE005BCULL, 0x3ED2000BD0005BCULL, 0x3ED2400BD2005BCULL, 0x3ED2800BD4005BCULL, 0x3ED2C00BAA005B9ULL,
    0x3ED3000BA2005BFULL, 0x3ED3400BB6005BFULL, 0x3ED3800BC8005BFULL, 0x4426822132110BAULL, 0x4427022136110BAULL,
    0x442AC2214A110BAULL, 0x444B82226211127ULL, 0x444BC2226411127ULL, 0x44D2C2268E1133EULL, 0x44D302268E11357ULL,
    0x452EC22972114BAULL, 0x452F022972114B0ULL, 0x452F822972114BDULL, 0x456E822B70115AFULL, 0x456EC22B72115AFULL,
    0x464E02326A11930ULL, 0x745783A2AE1D165ULL, 0x7457C3A2B01D165ULL, 0x745803A2BE1D16EULL, 0x745843A2BE1D16FULL,
    0x745883A2BE1D170ULL, 0x7458C3A2BE1D171ULL, 0x745903A2BE1D172ULL, 0x746EC3A3721D165ULL, 0x746F03A3741D165ULL,
    0x746F43A3761D16EULL, 0x746F83A3781D16EULL, 0x746FC3A3761D16FULL, 0x747003A3781D16FULL, 0xBE00009C7A00000ULL,
    0xBE00409C7000000ULL, 0xBE00809C8200000ULL, 0xBE00C4024400000ULL, 0xBE01009EC000000ULL, 0xBE01409F5C00000ULL,
    0xBE01809F7600000ULL, 0xBE01C0A00400000ULL, 0xBE0200A0F400000ULL, 0xBE0240A13200000ULL, 0xBE0280A1CE00000ULL,
    0xBE02C0A19E00000ULL, 0xBE0300693C00000ULL, 0xBE03440C7400000ULL, 0xBE0380A29A00000ULL, 0xBE03C0A2A800000ULL,
    0xBE0400A2C800000ULL, 0xBE0440A2EE00000ULL, 0xBE04840A3800000ULL, 0xBE04C0697200000ULL, 0xBE0500A2CE00000ULL,
    0xBE0540A31A00000ULL, 0xBE05840A9600000ULL, 0xBE05C0A32E00000ULL, 0xBE0600A34800000ULL, 0xBE06409D9800000ULL,
    0xBE0680A35800000ULL, 0xBE06C0A36A00000ULL, 0xBE070523BE00000ULL, 0xBE0740A3EA00000ULL, 0xBE0780A40600000ULL,
    0xBE07C069BE00000ULL, 0xBE0800A47600000ULL, 0xBE0840A48C00000ULL, 0xBE0880A4E400000ULL, 0xBE08C0A4EE00000ULL,
    0xBE09006A2A00000ULL, 0xBE0940A58E00000ULL, 0xBE0980A59200000ULL, 0xBE09C0A5C800000ULL, 0xBE0A00A5F400000ULL,
    0xBE0A40A60A00000ULL, 0xBE0A80A60C00000ULL, 0xBE0AC0A62E00000ULL, 0xBE0B00A69200000ULL, 0xBE0B40A6A200000ULL,
    0xBE0B80A6B400000ULL, 0xBE0BC0A6E600000ULL, 0xBE0C00A6FA00000ULL, 0xBE0C40A6FE00000ULL, 0xBE0C80A6FE00000ULL,
    0xBE0CC0A6FE00000ULL, 0xBE0D04145800000ULL, 0xBE0D40E0E000000ULL, 0xBE0D80A79400000ULL, 0xBE0DC0A7BE00000ULL,
    0xBE0E0416C600000ULL, 0xBE0E40A7D600000ULL, 0xBE0E80A7E200000ULL, 0xBE0EC0A80C00000ULL, 0xBE0F00A93C00000ULL,
    0xBE0F40A87000000ULL, 0xBE0F80A89000000ULL, 0xBE0FC0A8D000000ULL, 0xBE1000A94400000ULL, 0xBE1040A9EC00000ULL,
    0xBE1080AA2000000ULL, 0xBE10C0AAA600000ULL, 0xBE1100AAC600000ULL, 0xBE1140AB0800000ULL, 0xBE1180AB0800000ULL,
    0xBE11C0AB3200000ULL, 0xBE1200AB5600000ULL, 0xBE1240AB6600000ULL, 0xBE1280AB8400000ULL, 0xBE12C0AE2C00000ULL,
    0xBE1300AC0C00000ULL, 0xBE1340AE2E00000ULL, 0xBE1380ACA200000ULL, 0xBE13C0ACE800000ULL, 0xBE1400A40E00000ULL,
    0xBE1440B1DC00000ULL, 0xBE1480AF9C00000ULL, 0xBE14C0AFE800000ULL, 0xBE1500B01A00000ULL, 0xBE1540AF1600000ULL,
    0xBE1580B06400000ULL, 0xBE15C0B06200000ULL, 0xBE1600B15800000ULL, 0xBE164429C800000ULL, 0xBE1680B1E400000ULL,
    0xBE16C0B1EE00000ULL, 0xBE1700B20C00000ULL, 0xBE1740B23400000ULL, 0xBE1780B24400000ULL, 0xBE17C0B2C400000ULL,
    0xBE18042D5000000ULL, 0xBE18442DD400000ULL, 0xBE1880B3D800000ULL, 0xBE18C0B43600000ULL, 0xBE1900B44E00000ULL,
    0xBE1940B3B000000ULL, 0xBE1980B4CC00000ULL, 0xBE19C06DDC00000ULL, 0xBE1A006DF800000ULL, 0xBE1A40B61000000ULL,
    0xBE1A80B67C00000ULL, 0xBE1AC0B67C00000ULL, 0xBE1B04339000000ULL, 0xBE1B40B78600000ULL, 0xBE1B80B7B000000ULL,
    0xBE1BC0B7CE00000ULL, 0xBE1C00B7E600000ULL, 0xBE1C44363000000ULL, 0xBE1C80B7FE00000ULL, 0xBE1CC0B80C00000ULL,
    0xBE1D00BEA600000ULL, 0xBE1D40B84400000ULL, 0xBE1D806F0200000ULL, 0xBE1DC0B8C000000ULL, 0xBE1E00B8DC00000ULL,
    0xBE1E40B98000000ULL, 0xBE1E80B91A00000ULL, 0xBE1EC43BC800000ULL, 0xBE1F00BA8600000ULL, 0xBE1F443BCC00000ULL,
    0xBE1F80BADC00000ULL, 0xBE1FC0BAD600000ULL, 0xBE2000BAF800000ULL, 0xBE2040BBC200000ULL, 0xBE2080BBC400000ULL,
    0xBE20C0705E00000ULL, 0xBE2100BBFA00000ULL, 0xBE2140BC5000000ULL, 0xBE2180BC7A00000ULL, 0xBE21C0BCD200000ULL,
    0xBE220070C400000ULL, 0xBE2244430600000ULL, 0xBE228070F800000ULL, 0xBE22C0BD6000000ULL, 0xBE2300BD6600000ULL,
    0xBE2340BD6C00000ULL, 0xBE2380BD9400000ULL, 0xBE23C5472400000ULL, 0xBE2400BDFC00000ULL, 0xBE2444466200000ULL,
    0xBE2484466200000ULL, 0xBE24C1040200000ULL, 0xBE2500BE4400000ULL, 0xBE2540BE4400000ULL, 0xBE2580718E00000ULL,
    0xBE25C4657000000ULL, 0xBE2604C3B400000ULL, 0xBE2640BEC400000ULL, 0xBE2680BED600000ULL, 0xBE26C071C600000ULL,
    0xBE2700BF3400000ULL, 0xBE2740BF9A00000ULL, 0xBE2780BFAE00000ULL, 0xBE27C0BFF200000ULL, 0xBE2800C10200000ULL,
    0xBE2840727400000ULL, 0xBE2880723800000ULL, 0xBE28C0C12800000ULL, 0xBE29044DA800000ULL, 0xBE2940C18E00000ULL,
    0xBE2980C29000000ULL, 0xBE29C0C29800000ULL, 0xBE2A00C29C00000ULL, 0xBE2A40C29800000ULL, 0xBE2A80C2F400000ULL,
    0xBE2AC0C31C00000ULL, 0xBE2B00C36400000ULL, 0xBE2B40C34800000ULL, 0xBE2B80C35E00000ULL, 0xBE2BC0C3BC00000ULL,
    0xBE2C00C3E400000ULL, 0xBE2C40C3EC00000ULL, 0xBE2C80C42000000ULL, 0xBE2CC0C43600000ULL, 0xBE2D00C4BA00000ULL,
    0xBE2D40C56200000ULL, 0xBE2D80C5A800000ULL, 0xBE2DC0C6A000000ULL, 0xBE2E04561800000ULL, 0xBE2E40C67A00000ULL,
    0xBE2E80C5F800000ULL, 0xBE2EC0C6D000000ULL, 0xBE2F00C70600000ULL, 0xBE2F40C7C800000ULL, 0xBE2F8457E200000ULL,
    0xBE2FC0C84400000ULL, 0xBE3000C78A00000ULL, 0xBE3040C75200000ULL, 0xBE3080745C00000ULL, 0xBE30C0C8D200000ULL,
    0xBE3100C8FC00000ULL, 0xBE3140C93A00000ULL, 0xBE3180C8EE00000ULL, 0xBE31C074D800000ULL, 0xBE3200CA9E00000ULL,
    0xBE3240CAD800000ULL, 0xBE3284601400000ULL, 0xBE32C0CBC600000ULL, 0xBE3300CDF000000ULL, 0xBE3340CC9200000ULL,
    0xBE3380763200000ULL, 0xBE33C0CD2200000ULL, 0xBE3400761000000ULL, 0xBE344075C800000ULL, 0xBE3480A32400000ULL,
    0xBE34C0A32A00000ULL, 0xBE3500CE0000000ULL, 0xBE3540CD3800000ULL, 0xBE3581015A00000ULL, 0xBE35C087B200000ULL,
    0xBE3600CE2E00000ULL, 0xBE3640CE3600000ULL, 0xBE3680CE4200000ULL, 0xBE36C0CEBC00000ULL, 0xBE3700CEA600000ULL,
    0xBE3744678600000ULL, 0xBE3780769200000ULL, 0xBE37C0CFF400000ULL, 0xBE3800CF0A00000ULL, 0xBE3840D0A400000ULL,
    0xBE3880D10A00000ULL, 0xBE38C468DA00000ULL, 0xBE3900D11C00000ULL, 0xBE3940D03E00000ULL, 0xBE3980D22800000ULL,
    0xBE39C0773A00000ULL, 0xBE3A00D28400000ULL, 0xBE3A40D34600000ULL, 0xBE3A80D3D400000ULL, 0xBE3AC0D55000000ULL,
    0xBE3B046D4600000ULL, 0xBE3B40D5B600000ULL, 0xBE3B80783000000ULL, 0xBE3BC0D64200000ULL, 0xBE3C04714E00000ULL,
    0xBE3C40D6A800000ULL, 0xBE3C80789C00000ULL, 0xBE3CC0D6E400000ULL, 0xBE3D00D73E00000ULL, 0xBE3D40D77400000ULL,
    0xBE3D80D77600000ULL, 0xBE3DC4751A00000ULL, 0xBE3E043A1600000ULL, 0xBE3E4475F400000ULL, 0xBE3E80D89C00000ULL,
    0xBE3EC4797800000ULL, 0xBE3F00D97E00000ULL, 0xBE3F40D99A00000ULL, 0xBE3F80D8CE00000ULL, 0xBE3FC0DA2C00000ULL,
    0xBE4000DA7C00000ULL, 0xBE4040DAEE00000ULL, 0xBE4080DA8200000ULL, 0xBE40C0DAD200000ULL, 0xBE4100DAF000000ULL,
    0xBE4140DB0A00000ULL, 0xBE41847A3C00000ULL, 0xBE41C0DA6800000ULL, 0xBE4200DC5E00000ULL, 0xBE4240DCDC00000ULL,
    0xBE42807A6600000ULL, 0xBE42C0DD9600000ULL, 0xBE4300DD8E00000ULL, 0xBE43447DA200000ULL, 0xBE4380DBF200000ULL,
    0xBE43C0DEDC00000ULL, 0xBE44047EBC00000ULL, 0xBE44447F1C00000ULL, 0xBE4480DF8C00000ULL, 0xBE44C0E07200000ULL,
    0xBE4500E03C00000ULL, 0xBE4540E03600000ULL, 0xBE45807B2C00000ULL, 0xBE45C0E09400000ULL, 0xBE4600E0FA00000ULL,
    0xBE4640E0EE00000ULL, 0xBE4680E15A00000ULL, 0xBE46C40A4A00000ULL, 0xBE4700E28A00000ULL, 0xBE474484C600000ULL,
    0xBE4780E33800000ULL, 0xBE47C4875600000ULL, 0xBE4800E45000000ULL, 0xBE4840E46A00000ULL, 0xBE4880E4A000000ULL,
    0xBE48C48C1000000ULL, 0xBE4900E50000000ULL, 0xBE4940E52A00000ULL, 0xBE49848E6A00000ULL, 0xBE49C4902800000ULL,
    0xBE4A00E6F400000ULL, 0xBE4A40E71600000ULL, 0xBE4A807D5800000ULL, 0xBE4AC0E74A00000ULL, 0xBE4B007D7000000ULL,
    0xBE4B407D7000000ULL, 0xBE4B80E88E00000ULL, 0xBE4BC0E8B800000ULL, 0xBE4C00E8E200000ULL, 0xBE4C40E90A00000ULL,
    0xBE4C80E99400000ULL, 0xBE4CC07E3600000ULL, 0xBE4D00EA4800000ULL, 0xBE4D44986C00000ULL, 0xBE4D80EA7C00000ULL,
    0xBE4DC4992400000ULL, 0xBE4E00EAE000000ULL, 0xBE4E44433E00000ULL, 0xBE4E80EC2000000ULL, 0xBE4EC49F4200000ULL,
    0xBE4F049F7000000ULL, 0xBE4F44A08800000ULL, 0xBE4F807FF800000ULL, 0xBE4FC0801000000ULL, 0xBE5000EDE800000ULL,
    0xBE5044A1E600000ULL, 0xBE5084A1E400000ULL, 0xBE50C4A23200000ULL, 0xBE5104A26600000ULL, 0xBE5140EE3C00000ULL,
    0xBE5180EE3E00000ULL, 0xBE51C0EE3E00000ULL, 0xBE5200EE9400000ULL, 0xBE5240807200000ULL, 0xBE5280EF1600000ULL,
    0xBE52C0808C00000ULL, 0xBE5300812C00000ULL, 0xBE5344A83A00000ULL, 0xBE5380F09C00000ULL, 0xBE53C0F11800000ULL,
    0xBE5400F19800000ULL, 0xBE544081C600000ULL, 0xBE5484AC4C00000ULL, 0xBE54C0F2AC00000ULL, 0xBE5504AD3400000ULL,
    0xBE5544AD8A00000ULL, 0xBE5580F31E00000ULL, 0xBE55C0F3D600000ULL, 0xBE5600825E00000ULL, 0xBE5640F48000000ULL,
    0xBE5680F49400000ULL, 0xBE56C0F49E00000ULL, 0xBE5704B2F800000ULL, 0xBE5744B54E00000ULL, 0xBE5784B54E00000ULL,
    0xBE57C0F5DC00000ULL, 0xBE5800840400000ULL, 0xBE5844B75600000ULL, 0xBE5880F78C00000ULL, 0xBE58C0F79200000ULL,
    0xBE5900844E00000ULL, 0xBE5944B90000000ULL, 0xBE5980F9A400000ULL, 0xBE59C0854000000ULL, 0xBE5A00F9D000000ULL,
    0xBE5A40F9C600000ULL, 0xBE5A80FA0000000ULL, 0xBE5AC4BF0C00000ULL, 0xBE5B00FAC600000ULL, 0xBE5B40860200000ULL,
    0xBE5B80FB8E00000ULL, 0xBE5BC0FC0400000ULL, 0xBE5C00FC8A00000ULL, 0xBE5C40866800000ULL, 0xBE5C84C45000000ULL,
    0xBE5CC4C48E00000ULL, 0xBE5D0086B200000ULL, 0xBE5D44C5B200000ULL, 0xBE5D80FEF400000ULL, 0xBE5DC4C67C00000ULL,
    0xBE5E00FF2A00000ULL, 0xBE5E40FFF400000ULL, 0xBE5E81000A00000ULL, 0xBE5EC4C9B400000ULL, 0xBE5F04CA4600000ULL,
    0xBE5F4100C000000ULL, 0xBE5F84CB5000000ULL, 0xBE5FC100E000000ULL, 0xBE600466BE00000ULL, 0xBE604087AA00000ULL,
    0xBE6081016400000ULL, 0xBE60C1020600000ULL, 0xBE6100881600000ULL, 0xBE6141027C00000ULL, 0xBE6180B56A00000ULL,
    0xBE61C4CF4E00000ULL, 0xBE6204CF6A00000ULL, 0xBE6244672600000ULL, 0xBE6284673800000ULL, 0xBE62C1040200000ULL,
    0xBE6301040800000ULL, 0xBE63411F3C00000ULL, 0xBE638088D600000ULL, 0xBE63C1052200000ULL, 0xBE6401051600000ULL,
    0xBE6441053A00000ULL, 0xBE6480A56600000ULL, 0xBE64C1056200000ULL, 0xBE6501056600000ULL, 0xBE6541057A00000ULL,
    0xBE658105CC00000ULL, 0xBE65C4D67800000ULL, 0xBE660105CA00000ULL, 0xBE6641063A00000ULL, 0xBE668106C600000ULL,
    0xBE66C1075A00000ULL, 0xBE6701064600000ULL, 0xBE6741077A00000ULL, 0xBE678107CE00000ULL, 0xBE67C108AE00000ULL,
    0xBE680106A600000ULL, 0xBE6841079400000ULL, 0xBE6881079800000ULL, 0xBE68C107B800000ULL, 0xBE6904D86C00000ULL,
    0xBE6944DAD600000ULL, 0xBE6984D9AA00000ULL, 0xBE69C08A5600000ULL, 0xBE6A0109E200000ULL, 0xBE6A4109E600000ULL,
    0xBE6A810A2C00000ULL, 0xBE6AC4E79400000ULL, 0xBE6B010AC800000ULL, 0xBE6B44DE5800000ULL, 0xBE6B808ABA00000ULL,
    0xBE6BC08AC200000ULL, 0xBE6C04DF6200000ULL, 0xBE6C44E1A400000ULL, 0xBE6C808AD600000ULL, 0xBE6CC10CA000000ULL,
    0xBE6D010CB800000ULL, 0xBE6D410CCE00000ULL, 0xBE6D810CD200000ULL, 0xBE6DC10D5200000ULL, 0xBE6E010D1000000ULL,
    0xBE6E410E1C00000ULL, 0xBE6E810DC400000ULL, 0xBE6EC10EF200000ULL, 0xBE6F010E5000000ULL, 0xBE6F410ED600000ULL,
    0xBE6F810F0C00000ULL, 0xBE6FC08BAE00000ULL, 0xBE70010FC200000ULL, 0xBE7041100200000ULL, 0xBE70808BF200000ULL,
    0xBE70C110C000000ULL, 0xBE710110C600000ULL, 0xBE7144ECCE00000ULL, 0xBE718111AE00000ULL, 0xBE71C111BC00000ULL,
    0xBE72008C6A00000ULL, 0xBE724111F400000ULL, 0xBE7280697600000ULL, 0xBE72C4F15C00000ULL, 0xBE7304F2CC00000ULL,
    0xBE73408D7C00000ULL, 0xBE73808D8E00000ULL, 0xBE73C1154000000ULL, 0xBE740115DA00000ULL, 0xBE7441171400000ULL,
    0xBE748118AA00000ULL, 0xBE74C4F95000000ULL, 0xBE7501195600000ULL, 0xBE7541198200000ULL, 0xBE75811A3600000ULL,
    0xBE75C11AEE00000ULL, 0xBE7604FE5E00000ULL, 0xBE7644100800000ULL, 0xBE76811B9600000ULL, 0xBE76C11B7800000ULL,
    0xBE77011BE000000ULL, 0xBE774411BC00000ULL, 0xBE77811DA800000ULL, 0xBE77C11E7000000ULL, 0xBE78050BA400000ULL,
    0xBE78450BDA00000ULL, 0xBE7881212800000ULL, 0xBE78C121E200000ULL, 0xBE7901222200000ULL, 0xBE79450E5C00000ULL,
    0xBE7981223600000ULL, 0xBE79C1247000000ULL, 0xBE7A0125AE00000ULL, 0xBE7A4125B000000ULL, 0xBE7A8124F800000ULL,
    0xBE7AC127F200000ULL, 0xBE7B01282A00000ULL, 0xBE7B4517F400000ULL, 0xBE7B812B1600000ULL, 0xBE7BC0932A00000ULL,
    0xBE7C012B6E00000ULL, 0xBE7C451AEE00000ULL, 0xBE7C8093CC00000ULL, 0xBE7CC12D8600000ULL, 0xBE7D00BB6400000ULL,
    0xBE7D412E4600000ULL, 0xBE7D85228A00000ULL, 0xBE7DC5243400000ULL, 0xBE7E0094DC00000ULL, 0xBE7E4094EC00000ULL,
    0xBE7E812FC000000ULL, 0xBE7EC5281400000ULL, 0xBE7F00956400000ULL, 0xBE7F45292C00000ULL, 0xBE7F81301600000ULL,
    0xBE7FC1301600000ULL, 0xBE8001305200000ULL, 0xBE80452B6C00000ULL, 0xBE808131C400000ULL, 0xBE80C0966600000ULL,
    0xBE8101325200000ULL, 0xBE8141334E00000ULL, 0xBE8181338400000ULL, 0xBE81C133FC00000ULL, 0xBE8200979C00000ULL,
    0xBE8245366000000ULL, 0xBE8281362400000ULL, 0xBE82C1388000000ULL, 0xBE830139FA00000ULL, 0xBE8340999C00000ULL,
    0xBE838099DA00000ULL, 0xBE83C13ACE00000ULL, 0xBE8405419C00000ULL, 0xBE844099F000000ULL, 0xBE8485420A00000ULL,
    0xBE84C5441C00000ULL, 0xBE8505452200000ULL, 0xBE85413D7600000ULL, 0xBE85809AAC00000ULL, 0xBE85C13DF200000ULL,
    0xBE86013DFC00000ULL, 0xBE86413E0A00000ULL, 0xBE86813E1E00000ULL, 0xBE86C13E2C00000ULL, 0xBE87013E7600000ULL,
    0xBE87454C0000000ULL,
};
/* primary composites: indexes into llm__nfc_dec, sorted by (first, second) */
static const uint16_t llm__nfc_comp[941] = {
    912, 909, 913, 0, 1, 2, 3, 53, 55, 238, 4, 572, 5, 165, 208, 210, 570, 415, 57, 417, 419, 421, 59, 61, 63, 65,
    6, 425, 67, 427, 431, 433, 429, 7, 8, 9, 598, 69, 71, 73, 10, 596, 77, 212, 214, 594, 240, 75, 439, 441, 445,
    198, 79, 447, 81, 83, 187, 85, 87, 449, 453, 236, 451, 455, 457, 11, 12, 13, 89, 91, 93, 97, 14, 610, 167, 216,
    218, 612, 95, 459, 98, 463, 189, 465, 100, 467, 102, 106, 469, 104, 475, 473, 477, 479, 481, 200, 108, 15, 483,
    112, 485, 110, 489, 487, 16, 17, 18, 19, 114, 116, 246, 20, 616, 118, 169, 220, 222, 161, 614, 191, 499, 501,
    120, 503, 124, 224, 226, 505, 122, 509, 126, 128, 511, 132, 513, 232, 130, 521, 136, 523, 234, 134, 527, 525,
    21, 22, 23, 138, 140, 142, 24, 640, 144, 146, 171, 228, 230, 163, 638, 529, 148, 533, 531, 539, 541, 543, 545,
    150, 549, 547, 551, 553, 555, 652, 25, 152, 658, 250, 557, 154, 656, 654, 155, 559, 157, 159, 561, 563, 26, 27,
    28, 29, 54, 56, 239, 30, 573, 31, 166, 209, 211, 571, 416, 58, 418, 420, 422, 60, 62, 64, 66, 32, 426, 68, 428,
    432, 434, 430, 33, 34, 35, 599, 70, 72, 74, 36, 597, 78, 213, 215, 595, 241, 76, 440, 442, 446, 199, 80, 448,
    82, 84, 188, 86, 88, 450, 454, 237, 452, 456, 458, 565, 37, 38, 39, 90, 92, 94, 40, 611, 168, 217, 219, 613,
    96, 460, 99, 197, 464, 190, 466, 101, 468, 103, 107, 470, 105, 476, 474, 478, 480, 482, 201, 109, 41, 484, 113,
    486, 111, 490, 488, 42, 43, 44, 45, 115, 117, 247, 46, 617, 119, 170, 221, 223, 162, 615, 192, 500, 502, 121,
    504, 125, 225, 227, 506, 123, 510, 127, 129, 512, 133, 514, 233, 131, 522, 566, 137, 524, 235, 135, 528, 526,
    47, 48, 49, 139, 141, 143, 50, 641, 145, 147, 172, 229, 231, 164, 639, 530, 149, 534, 532, 540, 542, 544, 546,
    151, 550, 548, 567, 552, 554, 556, 653, 51, 153, 659, 251, 558, 52, 657, 568, 655, 156, 560, 158, 160, 562,
    564, 875, 258, 835, 576, 574, 580, 578, 181, 202, 204, 185, 423, 602, 600, 606, 604, 461, 620, 618, 624, 622,
    491, 244, 493, 242, 206, 179, 175, 173, 177, 577, 575, 581, 579, 182, 203, 205, 186, 424, 603, 601, 607, 605,
    462, 621, 619, 625, 623, 492, 245, 494, 243, 207, 180, 176, 174, 178, 586, 584, 590, 588, 587, 585, 591, 589,
    435, 437, 436, 438, 495, 497, 496, 498, 515, 516, 517, 518, 535, 536, 537, 538, 569, 630, 628, 634, 632, 636,
    631, 629, 635, 633, 637, 644, 642, 648, 646, 650, 645, 643, 649, 647, 651, 195, 193, 194, 183, 184, 443, 444,
    248, 249, 196, 831, 259, 830, 829, 668, 669, 833, 841, 261, 682, 683, 843, 262, 696, 697, 845, 857, 263, 856,
    855, 268, 712, 713, 883, 264, 726, 727, 874, 872, 265, 871, 870, 269, 740, 885, 266, 752, 753, 887, 826, 838,
    760, 270, 823, 822, 660, 661, 827, 825, 762, 271, 676, 677, 764, 272, 688, 689, 839, 837, 766, 273, 850, 849,
    275, 704, 705, 853, 768, 277, 720, 721, 866, 867, 770, 278, 863, 862, 276, 732, 733, 868, 772, 279, 744, 745,
    881, 879, 851, 267, 854, 864, 274, 869, 880, 280, 281, 285, 302, 304, 284, 282, 306, 283, 300, 310, 312, 287,
    314, 289, 316, 286, 318, 324, 288, 326, 328, 330, 332, 322, 303, 305, 293, 291, 307, 292, 301, 311, 313, 296,
    315, 290, 317, 295, 319, 325, 297, 327, 329, 331, 333, 323, 294, 298, 299, 308, 309, 320, 321, 334, 335, 337,
    336, 338, 340, 341, 339, 342, 343, 344, 353, 354, 365, 364, 366, 369, 370, 372, 371, 373, 374, 377, 375, 376,
    378, 379, 381, 380, 382, 383, 385, 384, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 471, 472,
    507, 508, 519, 520, 582, 592, 583, 593, 608, 609, 626, 627, 662, 664, 666, 774, 663, 665, 667, 775, 776, 777,
    778, 779, 780, 781, 670, 672, 674, 782, 671, 673, 675, 783, 784, 785, 786, 787, 788, 789, 678, 680, 679, 681,
    684, 686, 685, 687, 690, 692, 694, 790, 691, 693, 695, 791, 792, 793, 794, 795, 796, 797, 698, 700, 702, 798,
    699, 701, 703, 799, 800, 801, 802, 803, 804, 805, 706, 708, 710, 707, 709, 711, 714, 716, 718, 715, 717, 719,
    722, 724, 723, 725, 728, 730, 729, 731, 734, 736, 738, 735, 737, 739, 741, 742, 743, 746, 748, 750, 806, 747,
    749, 751, 807, 808, 809, 810, 811, 812, 813, 754, 756, 758, 814, 755, 757, 759, 815, 816, 817, 818, 819, 820,
    821, 824, 836, 878, 828, 846, 847, 848, 840, 882, 859, 860, 861, 894, 895, 896, 897, 899, 898, 900, 901, 902,
    903, 904, 905, 906, 907, 908, 911, 910, 914, 915, 916, 917, 918, 919, 920, 921, 930, 931, 922, 923, 924, 925,
    932, 933, 926, 927, 928, 929, 934, 935, 936, 937, 966, 941, 942, 943, 944, 945, 946, 947, 948, 949, 950, 951,
    952, 953, 954, 955, 956, 957, 958, 959, 960, 961, 962, 963, 964, 965, 967, 993, 968, 969, 970, 971, 972, 973,
    974, 975, 976, 977, 978, 979, 980, 981, 982, 983, 984, 985, 986, 987, 988, 989, 990, 991, 992, 994, 995, 996,
    997, 998, 1493, 1494, 1495, 1496, 1497, 1498, 1499, 1501, 1500, 1502, 1503, 1504, 1505,
};
/* END tables generated by tests/ref/gen_unicode_tables.py */
LLM__INLINE int llm__uc_val(char ch) { /* a table character -> its value (see the generator) */
    return (unsigned char)ch - 0x23 - (ch > '?') - (ch > '\\');
}
static int llm__uc_category(uint32_t cp) {
    size_t lo = 0, hi = sizeof llm__uc_cat_high / sizeof llm__uc_cat_high[0];
    if (cp < 0x40000) return llm__uc_val(llm__uc_cat_blocks[llm__uc_cat_index[cp >> 7]][cp & 127]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < llm__uc_cat_high[mid][0]) hi = mid;
        else if (cp > (llm__uc_cat_high[mid][1] & 0xFFFFFF)) lo = mid + 1;
        else return (int)(llm__uc_cat_high[mid][1] >> 24);
    }
    return 29; /* Cn */
}
static size_t llm__uc_fold_ascii(const uint32_t (**pairs)[2]) {
    *pairs = llm__uc_fold_ascii_tab;
    return sizeof llm__uc_fold_ascii_tab / sizeof llm__uc_fold_ascii_tab[0];
}
static int llm__nfc_info(uint32_t cp, int *ccc) {
    int v;
    if (cp >= 0x30000) { *ccc = 0; return 0; }
    v = llm__uc_val(llm__nfc_prop_blocks[llm__nfc_prop_index[cp >> 7]][cp & 127]);
    *ccc = llm__nfc_props[v][0];
    return llm__nfc_props[v][1];
}
static int llm__nfc_decomp1(uint32_t cp, uint32_t *a, uint32_t *b) {
    size_t lo = 0, hi = sizeof llm__nfc_dec / sizeof llm__nfc_dec[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t c = (uint32_t)(llm__nfc_dec[mid] >> 42);
        if (cp < c) hi = mid;
        else if (cp > c) lo = mid + 1;
        else {
            *a = (uint32_t)(llm__nfc_dec[mid] >> 21) & 0x1FFFFF;
            *b = (uint32_t)llm__nfc_dec[mid] & 0x1FFFFF;
            return 1;
        }
    }
    return 0;
}
static uint32_t llm__nfc_pair(uint32_t a, uint32_t b) {
    uint64_t key = ((uint64_t)a << 21) | b;
    size_t lo = 0, hi = sizeof llm__nfc_comp / sizeof llm__nfc_comp[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t d = llm__nfc_dec[llm__nfc_comp[mid]], k = d & ((1ULL << 42) - 1);
        if (key < k) hi = mid;
        else if (key > k) lo = mid + 1;
        else return (uint32_t)(d >> 42);
    }
    return 0;
}
/* The GPT-2 pre-split's classes: letter, number, White_Space, other. */
static int llm__cp_class(uint32_t cp) {
    int k;
    if (cp < 128) return llm__ascii_cls[cp] - '0';
    k = llm__uc_category(cp);
    return k <= 4 ? LLM__CL_LETTER : k >= 8 && k <= 10 ? LLM__CL_NUMBER
         : (k >= 22 && k <= 24) || k == 30 ? LLM__CL_SPACE : LLM__CL_OTHER; /* 31, 32: So, Cf */
}

/* >>cuda: the GPU backend lives in its own header, pulled in here when LLM_CUDA is defined */
#if defined(LLM_CUDA)
#if !defined(__CUDACC__)
#error "llm.h: LLM_CUDA needs nvcc: nvcc -O3 -arch=sm_90 -DLLM_CUDA -x cu prog.c -lcublas (or leave LLM_CUDA out)"
#endif
#include "llm_cuda.h"
#endif

#endif /* LLM_IMPLEMENTATION_DONE */
#endif /* LLM_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 llm.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication in perpetuity for the benefit of the public at
large and to the detriment of our heirs and successors. We intend this
dedication to be an overt act of relinquishment in perpetuity of all present
and future rights to this software under copyright law.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN
ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
*/
