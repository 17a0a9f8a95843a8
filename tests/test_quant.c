/* tests/test_quant.c - tensor types (>>quant) and quantized decoding (>>qmatmul):
   ggml's block layouts against numpy (tests/ref/gen_quant_fixtures.py), the reference
   quantizers byte for byte, f16/bf16 conversions, every dot-product variant against the
   dequantized arithmetic, GGUF export and load of every type (Q4_K and Q6_K mixed per tensor,
   as Q4_K_M files are), quantized sessions against fp32 ones, and the trainer's refusal. */

static unsigned char *tq_file(size_t *n) {
    void *buf;
    if (llm_read_file("tests/data/quant_blocks.bin", NULL, &buf, n, NULL) != LLM_OK) return NULL;
    return (unsigned char *)buf;
}

/* the fixture's groups: 6 block sections (Q8_0, Q4_0, Q4_K, Q6_K, F16, BF16), 2 quantizer
   sections (Q8_0, Q4_0), 3 block sections (Q5_0, Q5_1, Q5_K), 2 quantizer sections (Q5_0, Q5_1) */
static const int tq_groups[4] = { 6, 2, 3, 2 };
static size_t tq_skip(const unsigned char *f, size_t pos, int quantizer) {
    if (quantizer) return pos + 12 + 4 * (size_t)llm__rd_u32(f + pos + 4) +
                          llm__rd_u32(f + pos + 8 + 4 * (size_t)llm__rd_u32(f + pos + 4));
    return pos + 16 + llm__rd_u32(f + pos + 12) + 4 * (size_t)llm__rd_u32(f + pos + 4) * llm__rd_u32(f + pos + 8);
}
/* the position of block section k (0..8) */
static size_t tq_block_section(const unsigned char *f, int k) {
    size_t pos = 4;
    int g, i;
    for (g = 0; g < 4; g++)
        for (i = 0; i < tq_groups[g]; i++) {
            if (g % 2 == 0 && k-- == 0) return pos;
            pos = tq_skip(f, pos, g % 2);
        }
    return pos;
}

static void test_quant_layouts(t_ctx *t) {
    size_t n, pos = 4;
    unsigned char *f = tq_file(&n);
    int sec, checked = 0, group;
    if (!f) T_SKIP(t, "tests/data/quant_blocks.bin missing (tests/ref/gen_quant_fixtures.py)");
    T_CHECK(t, memcmp(f, "LLMQ", 4) == 0, "magic");
    for (group = 0; group < 4; group += 2) {
    for (sec = 0; sec < tq_groups[group]; sec++) {   /* raw blocks -> floats, bit for bit */
        const uint32_t type = llm__rd_u32(f + pos), rows = llm__rd_u32(f + pos + 4), len = llm__rd_u32(f + pos + 8);
        const uint32_t raw = llm__rd_u32(f + pos + 12);
        const unsigned char *r = f + pos + 16, *want = r + raw;
        float *got = (float *)malloc(sizeof(float) * rows * len);
        uint32_t i;
        T_CHECK(t, llm__row_bytes((int)type, len) * rows == raw, "%s: %u bytes", llm_type_name((llm_type)type), raw);
        for (i = 0; i < rows; i++) llm__dequant_row((int)type, r + i * (raw / rows), got + i * len, len);
        for (i = 0; i < rows * len; i++) {
            uint32_t u = llm__rd_u32(want + 4 * i), g;
            float wf;
            memcpy(&g, got + i, 4);
            memcpy(&wf, &u, 4);
            if (u != g) {
                const double gv = got[i];
                free(got); llm_free(NULL, f);
                T_FAIL(t, "%s value %u: %.9g, numpy %.9g", llm_type_name((llm_type)type), i, gv, (double)wf);
            }
        }
        free(got);
        pos += 16 + raw + 4 * (size_t)rows * len;
        checked++;
    }
    for (sec = 0; sec < tq_groups[group + 1]; sec++) {   /* floats -> blocks, as ggml's reference quantizers */
        const uint32_t type = llm__rd_u32(f + pos), cnt = llm__rd_u32(f + pos + 4);
        float *x = (float *)malloc(sizeof(float) * cnt);
        const unsigned char *want;
        unsigned char got[2048];
        uint32_t i, bytes;
        for (i = 0; i < cnt; i++) { uint32_t u = llm__rd_u32(f + pos + 8 + 4 * i); memcpy(x + i, &u, 4); }
        bytes = llm__rd_u32(f + pos + 8 + 4 * cnt);
        want = f + pos + 12 + 4 * cnt;
        T_CHECK(t, bytes <= sizeof got && llm__quant_row((int)type, x, got, cnt), "quantize");
        T_CHECK(t, memcmp(got, want, bytes) == 0, "%s quantizer differs from ggml's reference rounding",
                llm_type_name((llm_type)type));
        free(x);
        pos += 12 + 4 * (size_t)cnt + bytes;
    }
    }
    T_CHECK(t, pos == n && checked == 9, "fixture layout (%d block sections)", checked);
    llm_free(NULL, f);
    T_NOTE(t, "Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, F16, BF16 dequantized bit for bit as numpy; "
              "Q8_0/Q4_0/Q5_0/Q5_1 quantizers as ggml's");
}

/* f16: every half survives half -> float -> half; rounding to nearest even at the edges */
static void test_quant_f16(t_ctx *t) {
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        const float f = llm__f16_to_f32((uint16_t)h);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) { T_CHECK(t, f != f, "nan %04x", h); continue; }
        T_CHECK(t, llm__f32_to_f16(f) == h, "half %04x -> %g -> %04x", h, (double)f, llm__f32_to_f16(f));
    }
    T_CHECK(t, llm__f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00, "tie to even (down)");
    T_CHECK(t, llm__f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02, "tie to even (up)");
    T_CHECK(t, llm__f32_to_f16(65520.0f) == 0x7c00 && llm__f32_to_f16(65519.0f) == 0x7bff, "overflow edge");
    T_CHECK(t, llm__f32_to_f16(5.96e-8f) == 0x0001 && llm__f32_to_f16(2.0e-8f) == 0, "subnormals");
    T_CHECK(t, llm__f32_to_bf16(1.00390625f) == 0x3f80 && llm__f32_to_bf16(1.01171875f) == 0x3f82, "bf16 ties");
}

/* each variant's dot product = the dequantized arithmetic (sum over blocks of d_w d_x q_w q_x),
   and within 2% (relative to |w| |x|) of the dot with the unquantized activations */
static void test_quant_dot_variants(t_ctx *t) {
    size_t n, pos;
    unsigned char *f = tq_file(&n);
    const unsigned have = llm__cpu_variants();
    double worst_var = 0, worst_q = 0;
    llm_rng r;
    int sec;
    if (!f) T_SKIP(t, "fixture missing");
    llm_rng_seed(&r, 5);
    for (sec = 0; sec < 9; sec++) {   /* Q8_0, Q4_0, Q4_K, Q6_K, (F16, BF16: skipped), Q5_0, Q5_1, Q5_K */
        uint32_t type, rows, len, raw;
        const unsigned char *w;
        float x[512], wd[512];
        llm__q8x xq[16];
        uint32_t row, i;
        if (sec == 4 || sec == 5) continue;
        pos = tq_block_section(f, sec);
        type = llm__rd_u32(f + pos); rows = llm__rd_u32(f + pos + 4); len = llm__rd_u32(f + pos + 8);
        raw = llm__rd_u32(f + pos + 12); w = f + pos + 16;
        for (i = 0; i < len; i++) x[i] = llm_rng_normal(&r);
        llm__q8x_quantize(x, xq, (int)len);
        for (row = 0; row < rows; row++) {
            const unsigned char *wr = w + row * (raw / rows);
            double exact = 0, deq = 0, norm_w = 0, norm_x = 0;
            int v;
            llm__dequant_row((int)type, wr, wd, len);
            for (i = 0; i < len; i++) {
                exact += (double)wd[i] * x[i];
                deq += (double)wd[i] * (double)xq[i / 32].d * xq[i / 32].q[i % 32];
                norm_w += (double)wd[i] * wd[i]; norm_x += (double)x[i] * x[i];
            }
            worst_q = LLM__MAX(worst_q, fabs(deq - exact) / sqrt(norm_w * norm_x));
            for (v = 0; v < 4; v++) {
                llm__kernels k;
                double got, e;
                if (!(have & (1u << v))) continue;
                llm__kernels_set(&k, v);
                got = k.qdot((int)type, wr, xq, (int)len);
                e = fabs(got - deq) / sqrt(norm_w * norm_x);
                worst_var = LLM__MAX(worst_var, e);
                T_CHECK(t, e < 1e-5, "%s qdot %s: %g vs %g", k.gemm_name, llm_type_name((llm_type)type), got, deq);
                if (row == 0) {   /* four rows at once (the same two rows twice): the same as one by one */
                    unsigned char four[4 * 600];   /* (a Q8_0 row of 512 is 544 bytes) */
                    float d4[4];
                    const size_t rb = raw / rows;
                    memcpy(four, w, rb);
                    memcpy(four + rb, w + rb, rb);
                    memcpy(four + 2 * rb, w, rb);
                    memcpy(four + 3 * rb, w + rb, rb);
                    k.qdot4((int)type, four, rb, xq, (int)len, d4);
                    T_CHECK(t,
                            d4[0] == k.qdot((int)type, w, xq, (int)len) &&
                                d4[3] == k.qdot((int)type, w + rb, xq, (int)len) && d4[0] == d4[2] && d4[1] == d4[3],
                            "%s qdot4 %s differs from qdot", k.gemm_name, llm_type_name((llm_type)type));
                }
            }
        }
    }
    llm_free(NULL, f);
    T_CHECK(t, worst_q < 2e-2, "activation quantization error %.2e", worst_q);
    T_NOTE(t, "variants vs dequantized arithmetic %.1e; vs fp32 activations %.1e (of |w||x|)", worst_var, worst_q);
}

/* a Llama whose matrices have rows in whole blocks of 32 (or 256 with k) */
static llm_model *tq_model(int dim, int ffn, uint64_t seed) {
    llm_model_desc d;
    llm_model *m = NULL;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_LLAMA; d.config.n_layer = 2; d.config.dim = dim; d.config.n_head = dim / 32;
    d.config.n_kv_head = dim / 64 > 0 ? dim / 64 : 1; d.config.ffn_dim = ffn; d.config.vocab_size = 96;
    d.config.max_seq_len = 64; d.seed = seed;
    llm_model_create(&d, &m, NULL);
    return m;
}
/* relative error of the last logits of a prompt: quantized session vs fp32 session over m */
static double tq_logits_err(llm_model *m) {
    llm_session *sq = NULL, *sf = NULL;
    int32_t prompt[9] = {1, 5, 9, 33, 2, 70, 11, 4, 90};
    float *lq, *lf;
    double num = 0, den = 0;
    int i, nq = m->n_quant;
    llm_session_create(m, NULL, &sq, NULL);
    m->n_quant = 0;   /* (a session made now sees no copies: the fp32 reference) */
    llm_session_create(m, NULL, &sf, NULL);
    m->n_quant = nq;
    llm_session_eval(sq, prompt, 9, NULL);
    llm_session_eval(sf, prompt, 9, NULL);
    lq = (float *)llm_session_logits(sq); lf = (float *)llm_session_logits(sf);
    for (i = 0; i < 96; i++) { num += ((double)lq[i] - lf[i]) * ((double)lq[i] - lf[i]); den += (double)lf[i] * lf[i]; }
    llm_session_free(sq); llm_session_free(sf);
    return sqrt(num / den);
}

/* export GGUF in each type -> load: the weights are the type's values, quantized matrices keep
   their copies (and save/load keeps them), quantized sessions stay close to fp32 ones */
static void test_quant_gguf_roundtrip(t_ctx *t) {
    static const llm_type types[] = { LLM_TYPE_F16, LLM_TYPE_BF16, LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q5_0,
                                      LLM_TYPE_Q5_1 };
    const char *path = "tests/tmp_quant.gguf", *path2 = "tests/tmp_quant2.gguf";
    llm_model *m = tq_model(64, 128, 7);
    char note[400] = "";
    size_t k;
    int i;
    for (k = 0; k < sizeof types / sizeof types[0]; k++) {
        llm_export_desc ed;
        llm_model *a = NULL, *b = NULL;
        llm_error e;
        double err_w = 0, err_l;
        memset(&ed, 0, sizeof ed);
        ed.type = types[k];
        T_CHECK(t, llm_model_export(m, path, &ed, &e) == LLM_OK, "export %s: %s", llm_type_name(types[k]), e.message);
        T_CHECK(t, llm_model_load(path, NULL, &a, &e) == LLM_OK, "load %s: %s", llm_type_name(types[k]), e.message);
        for (i = 0; i < m->n_tensors; i++) {   /* every matrix holds the type's values of the original */
            const llm_tensor_info *ti = &m->tensors[i];
            const int64_t rows = llm__saved_rows(m, ti);
            const size_t rb = llm__row_bytes(ti->n_dims == 2 ? (int)types[k] : LLM_TYPE_F32, (size_t)ti->shape[1]);
            unsigned char *q = (unsigned char *)malloc(rb + 1);
            float *back = (float *)malloc(sizeof(float) * (size_t)ti->shape[1]);
            int64_t r;
            for (r = 0; r < rows; r++) {
                const float *src = m->params + ti->offset + (size_t)(r * ti->shape[1]);
                int64_t c;
                llm__quant_row(ti->n_dims == 2 ? (int)types[k] : LLM_TYPE_F32, src, q, (size_t)ti->shape[1]);
                llm__dequant_row(ti->n_dims == 2 ? (int)types[k] : LLM_TYPE_F32, q, back, (size_t)ti->shape[1]);
                for (c = 0; c < ti->shape[1]; c++)
                    if (back[c] != a->params[ti->offset + (size_t)(r * ti->shape[1] + c)]) err_w = 1;
            }
            free(q); free(back);
        }
        T_CHECK(t, err_w == 0, "%s: loaded weights are not the type's values", llm_type_name(types[k]));
        if (types[k] != LLM_TYPE_F16 && types[k] != LLM_TYPE_BF16) {
            T_CHECK(t, a->n_quant == 15, "%s: %d quantized matrices, want 15 (2 layers x 7 + the embedding)",
                    llm_type_name(types[k]), a->n_quant);
            err_l = tq_logits_err(a);
            T_CHECK(t, err_l < (types[k] == LLM_TYPE_Q8_0 ? 2e-2 : 5e-2), "%s session logits: rel err %.2e",
                    llm_type_name(types[k]), err_l);
            snprintf(note + strlen(note), sizeof note - strlen(note), "%s logits %.1e vs fp32 on the same weights; ",
                     llm_type_name(types[k]), err_l);
            /* llm_model_save keeps the copies; the trainer refuses the model */
            T_CHECK(t, llm_model_save(a, path2, &e) == LLM_OK && llm_model_load(path2, NULL, &b, &e) == LLM_OK, "%s",
                    e.message);
            for (i = 0; i < a->n_tensors; i++)
                if (a->qdata[i])
                    T_CHECK(t, b->qdata && b->qdata[i] && b->tensors[i].type == a->tensors[i].type &&
                               memcmp(a->qdata[i], b->qdata[i],
                                      llm__row_bytes((int)a->tensors[i].type, (size_t)a->tensors[i].shape[1]) *
                                          (size_t)llm__saved_rows(a, &a->tensors[i])) == 0,
                            "the copy of %s changed through save/load", a->tensors[i].name);
            {
                llm_trainer_desc td;
                llm_trainer *tr = NULL;
                memset(&td, 0, sizeof td); td.batch = 1; td.seq_len = 8;
                T_CHECK(t, llm_trainer_create(b, &td, &tr, &e) == LLM_ERR_UNSUPPORTED && !tr, "trainer accepted");
                T_CHECK(t, llm_model_quantize(b, LLM_TYPE_F32, &e) == LLM_OK && b->n_quant == 0, "drop copies");
                T_CHECK(t, llm_trainer_create(b, &td, &tr, &e) == LLM_OK, "trainer after the copies went: %s",
                        e.message);
                llm_trainer_free(tr);
            }
            llm_model_free(b);
        }
        llm_model_free(a);
    }
    {   /* llm_model_quantize in memory gives the same copies an export + load gives */
        llm_model *a = NULL;
        llm_error e;
        llm_export_desc ed;
        memset(&ed, 0, sizeof ed); ed.type = LLM_TYPE_Q4_0;
        llm_model_export(m, path, &ed, NULL);
        llm_model_load(path, NULL, &a, NULL);
        T_CHECK(t, llm_model_quantize(m, LLM_TYPE_Q4_0, &e) == LLM_OK && m->n_quant == 15, "quantize: %s", e.message);
        for (i = 0; i < m->n_tensors; i++)
            if (m->qdata[i])
                T_CHECK(t, memcmp(m->qdata[i], a->qdata[i],
                                  llm__row_bytes(LLM_TYPE_Q4_0, (size_t)m->tensors[i].shape[1]) *
                                      (size_t)llm__saved_rows(m, &m->tensors[i])) == 0, "%s", m->tensors[i].name);
        T_CHECK(t, llm_model_quantize(m, LLM_TYPE_F16, &e) == LLM_ERR_UNSUPPORTED, "F16 copies accepted");
        llm_model_free(a);
    }
    remove(path); remove(path2);
    llm_model_free(m);
    T_NOTE(t, "F16/BF16/Q8_0/Q4_0/Q5_0/Q5_1 weights exact; %s", note);
}

/* Q4_K, Q5_K and Q6_K (what Q4_K_M and Q5_K_M files mix): random valid blocks as copies, saved raw, loaded back:
   the weights are the blocks' values and quantized sessions follow fp32 ones */
static void test_quant_k_types(t_ctx *t) {
    const char *path = "tests/tmp_quant_k.gguf";
    llm_model *m = tq_model(256, 512, 9), *a = NULL;
    llm_rng r;
    llm_error e;
    double err_l;
    int i, k6 = 0, k5 = 0;
    llm_rng_seed(&r, 3);
    m->qdata = (unsigned char **)calloc((size_t)m->n_tensors, sizeof *m->qdata);
    for (i = 0; i < m->n_tensors; i++) {
        llm_tensor_info *ti = &m->tensors[i];
        const int type = i % 3 == 1 ? LLM_TYPE_Q6_K : i % 3 == 2 ? LLM_TYPE_Q5_K : LLM_TYPE_Q4_K;
        const int64_t rows = llm__saved_rows(m, ti);
        const size_t rb = llm__row_bytes(type, (size_t)ti->shape[1]);
        unsigned char *q;
        size_t j;
        int64_t row;
        if (ti->n_dims != 2) continue;
        q = (unsigned char *)malloc(rb * (size_t)rows);
        for (j = 0; j < rb * (size_t)rows; j++) q[j] = (unsigned char)llm_rng_u32(&r);
        for (row = 0; row < rows; row++) {   /* small positive scales: d (and dmin) f16 in the blocks */
            unsigned char *blk = q + (size_t)row * rb;
            size_t b;
            for (b = 0; b < rb; b += (size_t)llm__qinfo(type)->bytes) {
                if (type != LLM_TYPE_Q6_K) {
                    llm__put_le(blk + b, llm__f32_to_f16(0.001f), 2);
                    llm__put_le(blk + b + 2, llm__f32_to_f16(0.002f), 2);
                } else llm__put_le(blk + b + 208, llm__f32_to_f16(0.0005f), 2);
            }
            llm__dequant_row(type, blk, m->params + ti->offset + (size_t)(row * ti->shape[1]), (size_t)ti->shape[1]);
        }
        m->qdata[i] = q; ti->type = (llm_type)type; m->n_quant++;
        k6 += type == LLM_TYPE_Q6_K; k5 += type == LLM_TYPE_Q5_K;
    }
    T_CHECK(t, llm_model_save(m, path, &e) == LLM_OK, "save: %s", e.message);
    T_CHECK(t, llm_model_load(path, NULL, &a, &e) == LLM_OK, "load: %s", e.message);
    T_CHECK(t, a->n_quant == m->n_quant, "%d copies, want %d", a->n_quant, m->n_quant);
    T_CHECK(t, memcmp(a->params, m->params, m->n_params * sizeof(float)) == 0, "weights differ after load");
    err_l = tq_logits_err(a);
    T_CHECK(t, err_l < 3e-2, "Q4_K/Q5_K/Q6_K session logits: rel err %.2e", err_l);
    for (i = 0; i < m->n_tensors; i++) free(m->qdata[i]);
    free(m->qdata); m->qdata = NULL; m->n_quant = 0;
    llm_model_free(m); llm_model_free(a);   /* (a maps the file: free it before removing the file) */
    remove(path);
    T_NOTE(t, "%d Q4_K + %d Q5_K + %d Q6_K matrices; logits %.1e vs fp32 on the same weights", 15 - k6 - k5, k5, k6,
           err_l);
}

/* llm.h's own Q4_K and Q6_K quantizers: valid blocks (dequantized values within the
   sub-block ranges' steps), an error per type, and sessions on a quantized model */
static void test_quant_k_quantizers(t_ctx *t) {
    static const int types[3] = { LLM_TYPE_Q4_K, LLM_TYPE_Q6_K, LLM_TYPE_Q5_K };
    /* bounds from the formats: Q4_K has 15 steps per sub-block's range, Q6_K 31 per half-range,
       Q5_K 31 per range */
    static const double tol[3] = { 0.12, 0.03, 0.06 };
    double rms[3], lerr[3];
    llm_rng r;
    int k, i;
    llm_rng_seed(&r, 11);
    for (k = 0; k < 3; k++) {
        float x[1024], y[1024];
        unsigned char q[1024];
        double num = 0, den = 0;
        for (i = 0; i < 1024; i++) x[i] = llm_rng_normal(&r) * (i % 256 < 32 ? 0.01f : 1.0f);   /* a quiet sub-block */
        T_CHECK(t, llm__quant_row(types[k], x, q, 1024) == 1, "quantize %d", types[k]);
        llm__dequant_row(types[k], q, y, 1024);
        for (i = 0; i < 1024; i++) { num += (double)(x[i] - y[i]) * (x[i] - y[i]); den += (double)x[i] * x[i]; }
        rms[k] = sqrt(num / den);
        T_CHECK(t, rms[k] < tol[k], "%s: relative rms error %.3f", llm_type_name((llm_type)types[k]), rms[k]);
        {
            llm_model *m = tq_model(256, 512, 21);
            llm_error e;
            T_CHECK(t, llm_model_quantize(m, (llm_type)types[k], &e) == LLM_OK && m->n_quant == 15, "quantize: %s",
                    e.message);
            lerr[k] = tq_logits_err(m);
            llm_model_free(m);
            T_CHECK(t, lerr[k] < 3 * tol[k], "%s session logits rel err %.3f", llm_type_name((llm_type)types[k]),
                    lerr[k]);
        }
    }
    T_NOTE(t, "weights rms err Q4_K %.3f, Q5_K %.3f, Q6_K %.3f; session logits vs fp32 %.3f / %.3f / %.3f", rms[0],
           rms[2], rms[1], lerr[0], lerr[2], lerr[1]);
}

/* A 4-bit tensor that dominates its file holds more values than the file has bytes (a Q4_K
   token_embd 151936 x 896 in a ~400 MB file): it loads; a truncated file, or a dimension that
   claims more than 8 values a byte, is still refused with a message. */
static void test_quant_embd_dominates(t_ctx *t) {
    const char *path = "tests/tmp_quant_embd.gguf";
    llm_model_desc d;
    llm_model *m = NULL, *a = NULL;
    llm_export_desc ed;
    llm_error e;
    unsigned char *buf = NULL;
    size_t n = 0, i;
    uint64_t nelem;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_LLAMA; d.config.n_layer = 1; d.config.dim = 256; d.config.n_head = 8;
    d.config.n_kv_head = 4; d.config.ffn_dim = 256; d.config.vocab_size = 8192; d.config.max_seq_len = 32; d.seed = 5;
    T_CHECK(t, llm_model_create(&d, &m, &e) == LLM_OK, "create: %s", e.message);
    memset(&ed, 0, sizeof ed); ed.type = LLM_TYPE_Q4_K;
    T_CHECK(t, llm_model_export(m, path, &ed, &e) == LLM_OK, "export: %s", e.message);
    T_CHECK(t, llm_read_file(path, NULL, (void **)&buf, &n, &e) == LLM_OK, "read: %s", e.message);
    nelem = (uint64_t)m->tensors[0].shape[0] * (uint64_t)m->tensors[0].shape[1];
    T_CHECK(t, nelem > n, "the embedding (%llu values) does not outnumber the file's %llu bytes",
            (unsigned long long)nelem, (unsigned long long)n);
    T_CHECK(t, llm_model_load_mem(buf, n, NULL, &a, &e) == LLM_OK, "load: %s", e.message);
    T_CHECK(t, a->tensors[0].type == LLM_TYPE_Q4_K && a->qdata && a->qdata[0], "token_embd not kept as Q4_K");
    llm_model_free(a); a = NULL;
    /* truncated: the last tensor's blocks run past the end */
    T_CHECK(t, llm_model_load_mem(buf, n - 100, NULL, &a, &e) == LLM_ERR_FORMAT && !a &&
               strstr(e.message, "beyond the end"), "a truncated file: %s", e.message);
    for (i = 0; i + 17 < n; i++)   /* token_embd's vocabulary dimension (ne[1], after nd and ne[0]) */
        if (memcmp(buf + i, "token_embd.weight", 17) == 0) break;
    T_CHECK(t, i + 17 + 20 < n, "token_embd's tensor info not found");
    {   /* a lie under 8 values a byte: refused by its Q4_K byte size */
        unsigned char *dim1 = buf + i + 17 + 4 + 8;
        llm__put_le(dim1, 4 * n / 256, 8);
        T_CHECK(t, llm_model_load_mem(buf, n, NULL, &a, &e) == LLM_ERR_FORMAT && !a, "a lying dimension loaded");
        T_CHECK(t, strstr(e.message, "beyond the end") != NULL, "message: %s", e.message);
        llm__put_le(dim1, 9 * n / 256 + 1, 8);   /* over 8 a byte: refused while parsing */
        T_CHECK(t, llm_model_load_mem(buf, n, NULL, &a, &e) == LLM_ERR_FORMAT && !a &&
                   strstr(e.message, "8 a byte"), "an oversized dimension: %s", e.message);
    }
    llm_free(NULL, buf);
    llm_model_free(m);
    remove(path);
    T_NOTE(t, "Q4_K token_embd of %llu values in a %llu-byte file loads; truncated and lying files refused",
           (unsigned long long)nelem, (unsigned long long)n);
}

/* A Qwen2.5-0.5B-like file scaled down (hidden 96, so rows of 96 are not in blocks of 256):
   as llama.cpp's Q4_K_M makes it, those matrices Q5_0 (the embedding Q8_0), ffn_down (rows of
   256) Q4_K and Q6_K. It loads with its blocks as copies, and a session on the copies decodes
   like llm_model_forward on the dequantized weights. A tensor of a type llm.h does not read is
   refused naming the type. */
static void test_quant_q5_mixed(t_ctx *t) {
    const char *path = "tests/tmp_quant_q5.gguf";
    llm_model_desc d;
    llm_model *m = NULL, *a = NULL;
    llm_session *s = NULL;
    llm_error e;
    int32_t prompt[9] = {1, 5, 9, 33, 2, 70, 11, 4, 90};
    float *lf = (float *)malloc(sizeof(float) * 9 * 96);
    const float *ls;
    double num = 0, den = 0, rel;
    int i, n5 = 0, nk = 0;
    unsigned char *buf = NULL;
    size_t n = 0, p;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_QWEN2; d.config.n_layer = 2; d.config.dim = 96; d.config.n_head = 3;
    d.config.n_kv_head = 1; d.config.ffn_dim = 256; d.config.vocab_size = 96; d.config.max_seq_len = 64; d.seed = 31;
    T_CHECK(t, llm_model_create(&d, &m, &e) == LLM_OK, "create: %s", e.message);
    m->qdata = (unsigned char **)calloc((size_t)m->n_tensors, sizeof *m->qdata);
    for (i = 0; i < m->n_tensors; i++) {
        llm_tensor_info *ti = &m->tensors[i];
        const int64_t rows = llm__saved_rows(m, ti);
        int type;
        size_t rb;
        int64_t r;
        if (ti->n_dims != 2) continue;
        type = i == 0 ? LLM_TYPE_Q8_0 : ti->shape[1] % 256 ? LLM_TYPE_Q5_0 : nk++ % 2 ? LLM_TYPE_Q6_K : LLM_TYPE_Q4_K;
        rb = llm__row_bytes(type, (size_t)ti->shape[1]);
        m->qdata[i] = (unsigned char *)malloc(rb * (size_t)rows);
        for (r = 0; r < rows; r++) {
            float *row = m->params + ti->offset + (size_t)(r * ti->shape[1]);
            llm__quant_row(type, row, m->qdata[i] + (size_t)r * rb, (size_t)ti->shape[1]);
            llm__dequant_row(type, m->qdata[i] + (size_t)r * rb, row, (size_t)ti->shape[1]);
        }
        ti->type = (llm_type)type; m->n_quant++;
        n5 += type == LLM_TYPE_Q5_0;
    }
    T_CHECK(t, llm_model_save(m, path, &e) == LLM_OK, "save: %s", e.message);
    T_CHECK(t, llm_model_load(path, NULL, &a, &e) == LLM_OK, "load: %s", e.message);
    T_CHECK(t, a->n_quant == m->n_quant && n5 == 12 && nk == 2, "%d copies, want %d", a->n_quant, m->n_quant);
    T_CHECK(t, memcmp(a->params, m->params, m->n_params * sizeof(float)) == 0, "weights differ after load");
    for (i = 0; i < m->n_tensors; i++)
        if (m->qdata[i])
            T_CHECK(t, a->tensors[i].type == m->tensors[i].type &&
                       memcmp(a->qdata[i], m->qdata[i], llm__row_bytes((int)m->tensors[i].type,
                                                                       (size_t)m->tensors[i].shape[1]) *
                                                            (size_t)llm__saved_rows(m, &m->tensors[i])) == 0,
                    "blocks of %s changed", m->tensors[i].name);
    T_CHECK(t, llm_model_forward(a, NULL, prompt, 1, 9, lf, &e) == LLM_OK, "forward: %s", e.message);
    T_CHECK(t, llm_session_create(a, NULL, &s, &e) == LLM_OK && llm_session_eval(s, prompt, 9, NULL) == LLM_OK, "%s",
            e.message);
    ls = llm_session_logits(s);
    for (i = 0; i < 96; i++) {
        num += ((double)ls[i] - lf[8 * 96 + i]) * ((double)ls[i] - lf[8 * 96 + i]);
        den += (double)lf[8 * 96 + i] * lf[8 * 96 + i];
    }
    rel = sqrt(num / den);
    T_CHECK(t, rel < 3e-2, "Q5_0/Q4_K/Q6_K session vs llm_model_forward: rel err %.2e", rel);
    llm_session_free(s); llm_model_free(a); a = NULL;
    /* an unknown type (Q4_1 = 3) on token_embd: refused, naming it */
    T_CHECK(t, llm_read_file(path, NULL, (void **)&buf, &n, &e) == LLM_OK, "read: %s", e.message);
    for (p = 0; p + 17 < n; p++)
        if (memcmp(buf + p, "token_embd.weight", 17) == 0) break;
    llm__put_le(buf + p + 17 + 4 + 16, 3, 4);
    T_CHECK(t, llm_model_load_mem(buf, n, NULL, &a, &e) == LLM_ERR_UNSUPPORTED && !a && strstr(e.message, "Q4_1") &&
               strstr(e.message, "token_embd"), "an unknown type: %s", e.message);
    llm_free(NULL, buf);
    for (i = 0; i < m->n_tensors; i++) free(m->qdata[i]);
    free(m->qdata); m->qdata = NULL; m->n_quant = 0;
    llm_model_free(m); free(lf);
    remove(path);
    T_NOTE(t, "dim 96: %d Q5_0 + Q4_K + Q6_K + Q8_0 embedding; session vs forward %.1e; Q4_1 refused by name", n5,
           rel);
}

static const t_case quant_tests[] = {
    {"quant_q5_mixed", test_quant_q5_mixed},
    {"quant_embd_dominates", test_quant_embd_dominates},
    {"quant_k_quantizers", test_quant_k_quantizers},
    {"quant_layouts_vs_numpy", test_quant_layouts},
    {"quant_f16_bf16", test_quant_f16},
    {"quant_dot_variants", test_quant_dot_variants},
    {"quant_gguf_roundtrip", test_quant_gguf_roundtrip},
    {"quant_k_types", test_quant_k_types},
};
