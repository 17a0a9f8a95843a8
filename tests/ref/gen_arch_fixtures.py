#!/usr/bin/env python3
"""tests/ref/gen_arch_fixtures.py - today's small model families, as their files hold them, with
float64 PyTorch logits.

    /usr/bin/python3 tests/ref/gen_arch_fixtures.py        (python3-torch, python3-numpy)

Writes tests/data/arch/<name>/: config.json + model.safetensors (the names, layouts and config
keys transformers uses for the model type), model.gguf (the same weights as llama.cpp's
convert_hf_to_gguf.py lays them out for the architecture) and model.ref. The forwards below
are written the way transformers computes each model type (no transformers package here):
rotate_half RoPE with float32 inverse frequencies and cos/sin tables, Llama 3 and linear RoPE
scaling, q/k/v biases (Qwen2), per-head q/k RMSNorm (Qwen3, Gemma 3), Gemma 3's (1 + w)
norms, sqrt(hidden) embedding scale, sandwich norms, GeGLU-tanh, query_pre_attn_scalar and
sliding-window layers (kv_idx > q_idx - window) with their own RoPE base. Every feature is
active: biases and norms away from their init values, grouped-query attention, a sliding
window shorter than the test sequence, a Llama 3 original_max_position_embeddings small
enough that all three frequency bands occur.

  llama3        LlamaForCausalLM, untied head, rope_scaling llama3 (GGUF: rope_freqs.weight)
  llama3_tied   LlamaForCausalLM, tied head, llama3 scaling with another factor (Llama 3.2)
  llama_linear  LlamaForCausalLM, rope_scaling linear (GGUF: llama.rope.scaling.type/factor)
  smollm2       SmolLM2-shaped LlamaForCausalLM (tied, rope_theta 100000, rope_interleaved false)
  qwen2         Qwen2ForCausalLM (q/k/v biases, tied), GGUF qwen2 (NEOX: q/k rows as HF has them)
  qwen3         Qwen3ForCausalLM (q_norm/k_norm, head_dim != hidden/heads), GGUF qwen3
  gemma3        Gemma3ForCausalLM / gemma3_text (layer_types sliding, sliding, full; linear scaling
                on global layers; query_pre_attn_scalar != head_dim), GGUF gemma3 (norms + 1,
                rope.freq_base_swa, attention.sliding_window_pattern, and llm.attn_scale for
                the scale llama.cpp computes from head_dim)
  gemma3_bf16   the gemma3 weights as BF16 safetensors (the +1 is added in fp32 after BF16)

model.train: 4 AdamW steps from the file's weights (see train_steps), the losses and gradient
norms of each (F32 fixtures).

model.ref (little-endian): b"LLMA", int32 T, V, G; int32 tokens[T]; float64 logits[T*V] (every
position); int32 greedy[G] (greedy continuation of the T tokens, each step a full forward; the
generator checks every step's top-2 margin so fp32 cannot flip it).
"""
import json, math, os, struct
import numpy as np
import torch

import gen_hf_fixtures as gh
import gen_model_fixtures as gm

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "arch")
rng = np.random.default_rng(20261207)
T_TEST, G_TEST = 10, 6


# ---- RoPE as transformers computes it (float32 inverse frequencies and tables) ---------------------
def inv_freq_default(theta, hs):
    return 1.0 / (theta ** (torch.arange(0, hs, 2, dtype=torch.int64).float() / hs))


def inv_freq(cfg_rs, theta, hs):
    inv = inv_freq_default(theta, hs)
    if not cfg_rs:
        return inv
    ty = cfg_rs.get("rope_type", cfg_rs.get("type"))
    if ty == "linear":
        return inv / cfg_rs["factor"]
    assert ty == "llama3"
    factor, low, high = cfg_rs["factor"], cfg_rs["low_freq_factor"], cfg_rs["high_freq_factor"]
    old = cfg_rs["original_max_position_embeddings"]
    low_wl, high_wl = old / low, old / high
    wavelen = 2 * math.pi / inv
    inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
    medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
    return torch.where(medium, smoothed, inv_l)


def rope_tables(inv, T):
    fr = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    emb = torch.cat([fr, fr], -1)
    return emb.cos().double(), emb.sin().double()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def llama3_rope_factors(rs, theta, hs):
    """rope_freqs.weight as convert_hf_to_gguf.py writes it (LlamaModel.generate_extra_tensors)"""
    freqs = 1.0 / (theta ** (torch.arange(0, hs, 2, dtype=torch.float32) / hs))
    factor, low, high = rs.get("factor", 8.0), rs.get("low_freq_factor", 1.0), rs.get("high_freq_factor", 4.0)
    old = rs.get("original_max_position_embeddings", 8192)
    low_wl, high_wl = old / low, old / high
    out = []
    for f in freqs:
        wl = 2 * math.pi / f
        if wl < high_wl:
            out.append(1)
        elif wl > low_wl:
            out.append(factor)
        else:
            s = (old / wl - low) / (high - low)
            out.append(1 / ((1 - s) / factor + s))
    return np.array(out, np.float32)


# ---- the forward of each model type ------------------------------------------------------------
def forward(kind, W, cfg, idx):
    L, NH, NKV, C = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    hs = cfg.get("head_dim") or C // NH
    T, eps = len(idx), cfg["rms_norm_eps"]
    gemma = kind == "gemma3"
    rs = cfg.get("rope_scaling")
    cos_g, sin_g = rope_tables(inv_freq(rs, cfg["rope_theta"], hs), T)
    if gemma:
        cos_l, sin_l = rope_tables(inv_freq_default(cfg["rope_local_base_freq"], hs), T)
        scale = cfg["query_pre_attn_scalar"] ** -0.5
        win = cfg["sliding_window"]
    else:
        scale = 1.0 / math.sqrt(hs)

    def rms(x, w):
        y = x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps)
        return y * (1.0 + w) if gemma else y * w

    x = W["model.embed_tokens.weight"][idx]
    if gemma:
        x = x * float(np.float32(C ** 0.5))   # Gemma3TextScaledWordEmbedding: a float32 buffer
    qi, ki = torch.arange(T)[:, None], torch.arange(T)[None, :]
    causal = ki <= qi
    for l in range(L):
        p = f"model.layers.{l}."
        sliding = gemma and cfg["layer_types"][l] == "sliding_attention"
        cos, sin = (cos_l, sin_l) if sliding else (cos_g, sin_g)
        mask = causal & (ki > qi - win) if sliding else causal
        h = rms(x, W[p + "input_layernorm.weight"])
        proj = lambda nm: h @ W[p + f"self_attn.{nm}_proj.weight"].T + (W[p + f"self_attn.{nm}_proj.bias"]
                                                                          if kind == "qwen2" else 0.0)
        q = proj("q").view(T, NH, hs)
        k = proj("k").view(T, NKV, hs)
        v = proj("v").view(T, NKV, hs)
        if kind in ("qwen3", "gemma3"):
            q, k = rms(q, W[p + "self_attn.q_norm.weight"]), rms(k, W[p + "self_attn.k_norm.weight"])
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(NH // NKV, 0), v.repeat_interleave(NH // NKV, 0)
        a = ((q @ k.transpose(-2, -1)) * scale).masked_fill(~mask, float("-inf")).softmax(-1)
        o = (a @ v).transpose(0, 1).reshape(T, NH * hs) @ W[p + "self_attn.o_proj.weight"].T
        if gemma:
            x = x + rms(o, W[p + "post_attention_layernorm.weight"])
            h = rms(x, W[p + "pre_feedforward_layernorm.weight"])
            u = torch.nn.functional.gelu(h @ W[p + "mlp.gate_proj.weight"].T, approximate="tanh")
            x = x + rms((u * (h @ W[p + "mlp.up_proj.weight"].T)) @ W[p + "mlp.down_proj.weight"].T,
                        W[p + "post_feedforward_layernorm.weight"])
        else:
            x = x + o
            h = rms(x, W[p + "post_attention_layernorm.weight"])
            u = torch.nn.functional.silu(h @ W[p + "mlp.gate_proj.weight"].T) * (h @ W[p + "mlp.up_proj.weight"].T)
            x = x + u @ W[p + "mlp.down_proj.weight"].T
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", gemma) else W["lm_head.weight"]
    return rms(x, W["model.norm.weight"]) @ head.T


# ---- weights: names and shapes as transformers has them -----------------------------------------
def shapes_of(kind, cfg):
    L, NH, NKV, C = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    hs = cfg.get("head_dim") or C // NH
    H, V = cfg["intermediate_size"], cfg["vocab_size"]
    S = {"model.embed_tokens.weight": (V, C)}
    for l in range(L):
        p = f"model.layers.{l}."
        S[p + "input_layernorm.weight"] = (C,)
        S[p + "self_attn.q_proj.weight"] = (NH * hs, C)
        if kind == "qwen2":
            S[p + "self_attn.q_proj.bias"] = (NH * hs,)
        S[p + "self_attn.k_proj.weight"] = (NKV * hs, C)
        if kind == "qwen2":
            S[p + "self_attn.k_proj.bias"] = (NKV * hs,)
        S[p + "self_attn.v_proj.weight"] = (NKV * hs, C)
        if kind == "qwen2":
            S[p + "self_attn.v_proj.bias"] = (NKV * hs,)
        S[p + "self_attn.o_proj.weight"] = (C, NH * hs)
        if kind in ("qwen3", "gemma3"):
            S[p + "self_attn.q_norm.weight"] = (hs,)
            S[p + "self_attn.k_norm.weight"] = (hs,)
        S[p + "post_attention_layernorm.weight"] = (C,)
        if kind == "gemma3":
            S[p + "pre_feedforward_layernorm.weight"] = (C,)
            S[p + "post_feedforward_layernorm.weight"] = (C,)
        S[p + "mlp.gate_proj.weight"] = (H, C)
        S[p + "mlp.up_proj.weight"] = (H, C)
        S[p + "mlp.down_proj.weight"] = (C, H)
    S["model.norm.weight"] = (C,)
    if not cfg.get("tie_word_embeddings", kind == "gemma3"):
        S["lm_head.weight"] = (V, C)
    return S


def values_of(kind, S):
    vals = {}
    for name, shape in S.items():
        if len(shape) == 1:
            if name.endswith("norm.weight"):   # Gemma's init is 0 (it multiplies by 1 + w), the others' 1
                base = 0.0 if kind == "gemma3" else 1.0
                vals[name] = (base + 0.15 * rng.standard_normal(shape)).astype(np.float32)
            else:   # biases: large enough to matter
                vals[name] = (0.3 * rng.standard_normal(shape)).astype(np.float32)
        else:
            vals[name] = (0.25 * rng.standard_normal(shape)).astype(np.float32)
    return vals


# ---- GGUF, as convert_hf_to_gguf.py writes these architectures ---------------------------------------
def llama_permute(w, n_head):   # LlamaModel.permute: rotate-half rows -> adjacent pairs
    w = np.asarray(w)
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_of(kind, cfg, vals, path, extra_kvs=()):
    arch = {"llama": "llama", "qwen2": "qwen2", "qwen3": "qwen3", "gemma3": "gemma3"}[kind]
    L, NH, NKV, C = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    hs = cfg.get("head_dim") or C // NH
    kv = [("general.architecture", "str", arch), ("general.name", "str", "llm.h test " + kind),
          (arch + ".context_length", "u32", cfg["max_position_embeddings"]), (arch + ".embedding_length", "u32", C),
          (arch + ".block_count", "u32", L), (arch + ".feed_forward_length", "u32", cfg["intermediate_size"]),
          (arch + ".attention.head_count", "u32", NH), (arch + ".attention.head_count_kv", "u32", NKV),
          (arch + ".attention.layer_norm_rms_epsilon", "f32", cfg["rms_norm_eps"]),
          (arch + ".rope.freq_base", "f32", cfg["rope_theta"])]
    if kind == "llama":
        kv += [(arch + ".rope.dimension_count", "u32", hs), (arch + ".vocab_size", "u32", cfg["vocab_size"])]
    if kind in ("qwen3", "gemma3"):
        kv += [(arch + ".attention.key_length", "u32", hs), (arch + ".attention.value_length", "u32", hs)]
    if kind == "gemma3":
        kv += [(arch + ".attention.sliding_window", "u32", cfg["sliding_window"]),
               (arch + ".rope.freq_base_swa", "f32", cfg["rope_local_base_freq"])]
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "linear":
        kv += [(arch + ".rope.scaling.type", "str", "linear"), (arch + ".rope.scaling.factor", "f32", rs["factor"])]
    kv += list(extra_kvs)
    names = [("model.embed_tokens.weight", "token_embd.weight")]
    for l in range(L):
        p, b = f"model.layers.{l}.", f"blk.{l}."
        names += [(p + "input_layernorm.weight", b + "attn_norm.weight")]
        for n in "qkv":
            names += [(p + f"self_attn.{n}_proj.weight", b + f"attn_{n}.weight"),
                      (p + f"self_attn.{n}_proj.bias", b + f"attn_{n}.bias")]
        names += [(p + "self_attn.q_norm.weight", b + "attn_q_norm.weight"),
                  (p + "self_attn.k_norm.weight", b + "attn_k_norm.weight"),
                  (p + "self_attn.o_proj.weight", b + "attn_output.weight")]
        if kind == "gemma3":
            names += [(p + "post_attention_layernorm.weight", b + "post_attention_norm.weight"),
                      (p + "pre_feedforward_layernorm.weight", b + "ffn_norm.weight"),
                      (p + "post_feedforward_layernorm.weight", b + "post_ffw_norm.weight")]
        else:
            names += [(p + "post_attention_layernorm.weight", b + "ffn_norm.weight")]
        names += [(p + "mlp.gate_proj.weight", b + "ffn_gate.weight"), (p + "mlp.up_proj.weight", b + "ffn_up.weight"),
                  (p + "mlp.down_proj.weight", b + "ffn_down.weight")]
    names += [("model.norm.weight", "output_norm.weight"), ("lm_head.weight", "output.weight")]
    tensors = []
    for hn, gn in names:
        if hn not in vals:
            continue
        x = np.asarray(vals[hn], np.float32)
        if kind == "llama" and (".q_proj." in hn or ".k_proj." in hn):
            x = llama_permute(x, NH if ".q_proj." in hn else NKV)
        if kind == "gemma3" and hn.endswith("norm.weight"):
            x = (x + np.float32(1.0)).astype(np.float32)   # Gemma3Model.modify_tensors: norm_shift
        tensors.append((gn, x.shape, "F32", x.astype("<f4").tobytes()))
    if kind == "llama" and rs and rs.get("rope_type") == "llama3":
        f = llama3_rope_factors(rs, cfg["rope_theta"], hs)
        tensors.append(("rope_freqs.weight", f.shape, "F32", f.astype("<f4").tobytes()))
    gh.write_gguf(path, kv, tensors)


# ---- the fixtures ------------------------------------------------------------------------------
def greedy_ok(kind, W, cfg, tokens):
    """(logits of tokens, G greedy ids) or None when some step's top-2 margin is too thin"""
    seq = list(tokens)
    logits = None
    for g in range(G_TEST + 1):
        lg = forward(kind, W, cfg, torch.tensor(seq)).detach().numpy()
        if logits is None:
            logits = lg
        if g == G_TEST:
            break
        last = np.sort(lg[-1])
        if last[-1] - last[-2] < 1e-3 * np.abs(lg[-1]).max():
            return None
        seq.append(int(np.argmax(lg[-1])))
    return logits, seq[len(tokens):]


TRAIN = (5e-3, 0.05, 0.5, 0.9, 0.95, 1e-8, 0.1, 1, 4, 4)   # lr, wd, clip, b1, b2, eps, min_frac, warmup, total, steps


def train_steps(kind, W0, cfg, d, B=2, T=9):
    """model.train: AdamW steps (decay on matrices, clipping below the norm) from the file's weights:
    b"LLMT", int32 B, T, n; float32 lr, wd, clip, b1, b2, eps, min_frac; int32 warmup, total;
    int32 inputs[B*T], targets[B*T]; float64 losses[n], norms[n]"""
    lr, wd, clip, b1, b2, eps, min_frac, warmup, total, n = TRAIN
    V = cfg["vocab_size"]
    W = {k: v.clone().requires_grad_(True) for k, v in W0.items()}
    idx = rng.integers(0, V, (B, T + 1))
    inp, tgt = torch.tensor(idx[:, :T]), torch.tensor(idx[:, 1:])
    decay = [W[k] for k in W if W[k].dim() == 2]
    nodecay = [W[k] for k in W if W[k].dim() == 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=lr, betas=(b1, b2), eps=eps)
    losses, norms = [], []
    for step in range(n):
        for g in opt.param_groups:
            g["lr"] = gm.lr_at(step, lr, warmup, total, min_frac)
        opt.zero_grad()
        lg = torch.stack([forward(kind, W, cfg, inp[b]) for b in range(B)])
        loss = torch.nn.functional.cross_entropy(lg.reshape(-1, V), tgt.reshape(-1))
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(W.values()), clip)))
        opt.step()
        losses.append(loss.item())
    with open(os.path.join(d, "model.train"), "wb") as f:
        f.write(b"LLMT" + struct.pack("<3i", B, T, n) + struct.pack("<7f", lr, wd, clip, b1, b2, eps, min_frac))
        f.write(struct.pack("<2i", warmup, total))
        f.write(inp.numpy().astype("<i4").tobytes() + tgt.numpy().astype("<i4").tobytes())
        f.write(np.array(losses, "<f8").tobytes() + np.array(norms, "<f8").tobytes())
    return losses, norms


def fixture(name, kind, cfg, dtype="F32", vals=None, extra_kvs=(), gguf=True):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if not f.startswith("llamacpp_"):   # (made by tests/ref/llamacpp/run.sh with llama.cpp)
            os.remove(os.path.join(d, f))
    S = shapes_of(kind, cfg)
    if vals is None:
        vals = values_of(kind, S)
    W, stored = {}, []
    for n, shape in S.items():
        raw, v = gh.rounded(vals[n], dtype)
        W[n] = torch.tensor(v.reshape(shape))
        stored.append((n, dtype, shape, raw))
    cfg = dict(cfg, torch_dtype={"F32": "float32", "BF16": "bfloat16"}[dtype])
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    gh.write_safetensors(os.path.join(d, "model.safetensors"), stored)
    if gguf:
        gguf_of(kind, cfg, vals, os.path.join(d, "model.gguf"), extra_kvs)
    V = cfg["vocab_size"]
    while True:
        tokens = [int(t) for t in rng.integers(0, V, T_TEST)]
        r = greedy_ok(kind, W, cfg, tokens)
        if r:
            break
    logits, greedy = r
    with open(os.path.join(d, "model.ref"), "wb") as f:
        f.write(b"LLMA" + struct.pack("<iii", T_TEST, V, G_TEST))
        f.write(np.array(tokens, "<i4").tobytes())
        f.write(np.asarray(logits, "<f8").tobytes())
        f.write(np.array(greedy, "<i4").tobytes())
    tl, tn = train_steps(kind, W, cfg, d) if dtype == "F32" else ([], [])
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f"{name}: {dtype}, {sum(int(np.prod(s)) for s in S.values())} params, logits max "
          f"{np.abs(logits).max():.3f}, greedy {greedy}, train losses {['%.4f' % x for x in tl]} "
          f"norms {['%.3f' % x for x in tn]}, {size // 1024} KB")
    return vals


def main():
    os.makedirs(OUT, exist_ok=True)
    base = {"attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
            "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 32,
            "max_position_embeddings": 64, "mlp_bias": False, "num_attention_heads": 4, "num_hidden_layers": 2,
            "num_key_value_heads": 2, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "transformers_version": "4.46.0",
            "use_cache": True, "vocab_size": 128}
    llama = dict(base, architectures=["LlamaForCausalLM"], model_type="llama", head_dim=8)
    # hs 8, theta 500000: wavelengths 6.3, 167, 4443, 118000; original 256 -> high, medium, low, low
    l3 = dict(llama, rope_theta=500000.0, tie_word_embeddings=False,
              rope_scaling={"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                            "original_max_position_embeddings": 256, "rope_type": "llama3"})
    fixture("llama3", "llama", l3)
    l3t = dict(l3, tie_word_embeddings=True,
               rope_scaling=dict(l3["rope_scaling"], factor=32.0, original_max_position_embeddings=512))
    fixture("llama3_tied", "llama", l3t)
    fixture("llama_linear", "llama", dict(llama, rope_theta=10000.0, tie_word_embeddings=False,
                                          rope_scaling={"factor": 4.0, "type": "linear"}))
    smol = dict(base, architectures=["LlamaForCausalLM"], model_type="llama", is_llama_config=True,
                rope_interleaved=False, rope_scaling=None, rope_theta=100000, tie_word_embeddings=True,
                pad_token_id=2, num_key_value_heads=1)
    fixture("smollm2", "llama", smol)
    qwen2 = {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
             "intermediate_size": 32, "max_position_embeddings": 64, "max_window_layers": 2, "model_type": "qwen2",
             "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
             "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": 32, "tie_word_embeddings": True,
             "transformers_version": "4.43.1", "use_cache": True, "use_sliding_window": False, "vocab_size": 128}
    fixture("qwen2", "qwen2", qwen2)
    qwen3 = dict(qwen2, architectures=["Qwen3ForCausalLM"], model_type="qwen3", attention_bias=False, head_dim=16,
                 sliding_window=None, max_window_layers=2, transformers_version="4.51.0")
    fixture("qwen3", "qwen3", qwen3)
    gemma = {"architectures": ["Gemma3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
             "attn_logit_softcapping": None, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
             "final_logit_softcapping": None, "head_dim": 16, "hidden_activation": "gelu_pytorch_tanh",
             "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 32,
             "layer_types": ["sliding_attention", "sliding_attention", "full_attention"],
             "max_position_embeddings": 64, "model_type": "gemma3_text", "num_attention_heads": 2,
             "num_hidden_layers": 3, "num_key_value_heads": 1, "pad_token_id": 0, "query_pre_attn_scalar": 24,
             "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0,
             "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
             "rope_theta": 1000000.0, "sliding_window": 4, "sliding_window_pattern": 3,
             "transformers_version": "4.55.0", "use_cache": True, "vocab_size": 128}
    # llama.cpp takes Gemma 3's pattern as 6 unless gemma3.attention.sliding_window_pattern says
    # otherwise, and its scale as 1/sqrt(head_dim) (llm.h's own key says what differs)
    gk = [("gemma3.attention.sliding_window_pattern", "u32", 3),
          ("llm.attn_scale", "f32", float(np.float32(24 ** -0.5)))]
    gv = fixture("gemma3", "gemma3", gemma, extra_kvs=gk)
    fixture("gemma3_bf16", "gemma3", gemma, dtype="BF16", vals=gv, gguf=False)


if __name__ == "__main__":
    main()
