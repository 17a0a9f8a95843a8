#!/usr/bin/env python3
"""tests/ref/gen_hf_fixtures.py - model files as other programs write them, with PyTorch logits.

    /usr/bin/python3 tests/ref/gen_hf_fixtures.py        (python3-torch, python3-numpy)

Writes under tests/data/hf/:
  Hugging Face directories (config.json + model.safetensors), with the names and layouts of
  transformers' GPT2LMHeadModel (Conv1D weights [in, out]) and LlamaForCausalLM (q/k rows in
  rotate-half order); the logits come from forwards written the way those classes compute
  (x @ W for Conv1D, rotate_half RoPE), so they check llm.h's transposes and permutation:
    gpt2_f32, gpt2_f16, gpt2_bf16, llama_f32, llama_f16, llama_bf16, llama_sharded (two
    shards + model.safetensors.index.json; tied head, other rope_theta and rms_norm_eps)
  GGUF files as llama.cpp lays them out (dims fastest first, 32-byte alignment, q/k in
  adjacent-pair order), logits from llm.h's reference forward (tests/ref/gen_model_fixtures.py)
  on the weights the blocks decode to:
    llama_{f32,f16,bf16,q8_0,q4_0}.gguf   (Q8_0 / Q4_0 by ggml's reference quantizers)
    llama_q4_k_m.gguf                     (dim 256: Q4_K and Q6_K mixed as Q4_K_M files mix them)
  Each model has <name>.ref: b"LLMR", int32 T, int32 V, int32 tokens[T], float64 logits[T*V].
"""
import json, math, os, struct
import numpy as np
import torch

import gen_model_fixtures as gm
import gen_quant_fixtures as gq

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "hf")
rng = np.random.default_rng(20261203)


def rounded(a, dtype):
    """float32 array -> (bytes as stored, the float64 values they hold)"""
    a = np.asarray(a, np.float32)
    if dtype == "F32":
        return a.astype("<f4").tobytes(), a.astype(np.float64)
    if dtype == "F16":
        h = a.astype(np.float16)
        return h.astype("<f2").tobytes(), h.astype(np.float64)
    bits = a.view(np.uint32).astype(np.uint64)   # bf16, round to nearest even
    b = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return b.astype("<u2").tobytes(), (b.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, raw bytes)"""
    hdr, off = {"__metadata__": {"format": "pt"}}, 0
    for name, dt, shape, raw in tensors:
        hdr[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    h = json.dumps(hdr).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for _, _, _, raw in tensors:
            f.write(raw)


def write_ref(path, tokens, logits):
    with open(path, "wb") as f:
        f.write(b"LLMR" + struct.pack("<ii", len(tokens), logits.shape[-1]))
        f.write(np.array(tokens, "<i4").tobytes())
        f.write(np.asarray(logits, "<f8").tobytes())


# ---- Hugging Face forwards (as transformers computes them) ------------------------------------
def hf_gpt2(W, cfg, idx):
    L, NH, C = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    T, hs = len(idx), C // NH
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (C,), W[p + ".weight"], W[p + ".bias"], eps=1e-5)
    x = W["transformer.wte.weight"][idx] + W["transformer.wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        p = f"transformer.h.{l}."
        qkv = ln(x, p + "ln_1") @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]   # Conv1D: x @ W
        q, k, v = (t.view(T, NH, hs).transpose(0, 1) for t in qkv.split(C, -1))
        a = ((q @ k.transpose(-2, -1)) / math.sqrt(hs)).masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + (a @ v).transpose(0, 1).reshape(T, C) @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        u = torch.nn.functional.gelu(ln(x, p + "ln_2") @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"],
                                     approximate="tanh")
        x = x + u @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    return ln(x, "transformer.ln_f") @ W["transformer.wte.weight"].T


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def hf_llama(W, cfg, idx):
    L, NH, NKV, C = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    T, hs, eps = len(idx), C // NH, cfg["rms_norm_eps"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hs, 2, dtype=torch.int64).float() / hs))   # float32, as HF
    fr = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    emb = torch.cat([fr, fr], -1)
    cos, sin = emb.cos().double(), emb.sin().double()
    rms = lambda x, w: x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w
    x = W["model.embed_tokens.weight"][idx]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        p = f"model.layers.{l}."
        h = rms(x, W[p + "input_layernorm.weight"])
        q = (h @ W[p + "self_attn.q_proj.weight"].T).view(T, NH, hs).transpose(0, 1)
        k = (h @ W[p + "self_attn.k_proj.weight"].T).view(T, NKV, hs).transpose(0, 1)
        v = (h @ W[p + "self_attn.v_proj.weight"].T).view(T, NKV, hs).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(NH // NKV, 0), v.repeat_interleave(NH // NKV, 0)
        a = ((q @ k.transpose(-2, -1)) / math.sqrt(hs)).masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + (a @ v).transpose(0, 1).reshape(T, C) @ W[p + "self_attn.o_proj.weight"].T
        h = rms(x, W[p + "post_attention_layernorm.weight"])
        u = torch.nn.functional.silu(h @ W[p + "mlp.gate_proj.weight"].T) * (h @ W[p + "mlp.up_proj.weight"].T)
        x = x + u @ W[p + "mlp.down_proj.weight"].T
    head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return rms(x, W["model.norm.weight"]) @ head.T


def gpt2_weights(cfg):
    L, C, V, T = cfg["n_layer"], cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    H = 4 * C
    W = {"transformer.wte.weight": (V, C), "transformer.wpe.weight": (T, C)}
    for l in range(L):
        p = f"transformer.h.{l}."
        W.update({p + "ln_1.weight": (C,), p + "ln_1.bias": (C,), p + "attn.c_attn.weight": (C, 3 * C),
                  p + "attn.c_attn.bias": (3 * C,), p + "attn.c_proj.weight": (C, C), p + "attn.c_proj.bias": (C,),
                  p + "ln_2.weight": (C,), p + "ln_2.bias": (C,), p + "mlp.c_fc.weight": (C, H),
                  p + "mlp.c_fc.bias": (H,), p + "mlp.c_proj.weight": (H, C), p + "mlp.c_proj.bias": (C,)})
    W.update({"transformer.ln_f.weight": (C,), "transformer.ln_f.bias": (C,)})
    return W


def llama_weights(cfg):
    L, NH, NKV, C = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    H, V, kvC = cfg["intermediate_size"], cfg["vocab_size"], NKV * (C // NH)
    W = {"model.embed_tokens.weight": (V, C)}
    for l in range(L):
        p = f"model.layers.{l}."
        W.update({p + "input_layernorm.weight": (C,), p + "self_attn.q_proj.weight": (C, C),
                  p + "self_attn.k_proj.weight": (kvC, C), p + "self_attn.v_proj.weight": (kvC, C),
                  p + "self_attn.o_proj.weight": (C, C), p + "post_attention_layernorm.weight": (C,),
                  p + "mlp.gate_proj.weight": (H, C), p + "mlp.up_proj.weight": (H, C), p + "mlp.down_proj.weight": (C, H)})
    W["model.norm.weight"] = (C,)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = (V, C)
    return W


def random_values(shapes):
    vals = {}
    for name, shape in shapes.items():
        if len(shape) == 1:
            base = 1.0 if ("ln_" in name or "norm" in name or "layernorm" in name) and name.endswith("weight") else 0.0
            vals[name] = (base + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            vals[name] = (0.2 * rng.standard_normal(shape)).astype(np.float32)
    return vals


def hf_model(name, cfg, shapes, vals, dtype, forward, shards=1):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    W, stored = {}, []
    for n, shape in shapes.items():
        raw, v = rounded(vals[n], dtype)
        W[n] = torch.tensor(v.reshape(shape))
        stored.append((n, dtype, shape, raw))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(dict(cfg, torch_dtype={"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype]), f, indent=2)
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), stored)
    else:
        k = len(stored) // 2
        parts = [stored[:k], stored[k:]]
        wm = {}
        for i, part in enumerate(parts):
            fn = f"model-{i + 1:05d}-of-{len(parts):05d}.safetensors"
            write_safetensors(os.path.join(d, fn), part)
            wm.update({t[0]: fn for t in part})
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": sum(len(t[3]) for t in stored)}, "weight_map": wm}, f, indent=2)
    V = cfg["vocab_size"]
    tokens = [int(t) for t in rng.integers(0, V, 9)]
    logits = forward(W, cfg, torch.tensor(tokens)).detach().numpy()
    write_ref(os.path.join(d, "model.ref"), tokens, logits)
    print(f"{name}: {dtype}, {sum(np.prod(s) for s in shapes.values())} params, logits max {np.abs(logits).max():.3f}")


# ---- GGUF, as llama.cpp lays it out ----------------------------------------------------------------
GGUF_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8, "Q4_K": 12, "Q6_K": 14, "BF16": 30}


def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def write_gguf(path, kvs, tensors):
    """kvs: list of (key, 'u32'|'f32'|'str', value); tensors: (name, shape rows-first, type, raw)"""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += gguf_str(k)
        out += struct.pack("<I", {"u32": 4, "f32": 6, "str": 8}[t])
        out += struct.pack("<I", v) if t == "u32" else struct.pack("<f", v) if t == "f32" else gguf_str(v)
    off, data = 0, b""
    for name, shape, ty, raw in tensors:
        out += gguf_str(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in reversed(shape))
        out += struct.pack("<IQ", GGUF_TYPES[ty], off)
        pad = (32 - len(raw) % 32) % 32
        data += raw + b"\0" * pad
        off += len(raw) + pad
    out += b"\0" * ((32 - len(out) % 32) % 32)
    with open(path, "wb") as f:
        f.write(out + data)


def encode(x, ty):
    """float32 rows -> (raw, the values the blocks hold)"""
    x = np.asarray(x, np.float32)
    if ty in ("F32", "F16", "BF16"):
        raw, v = rounded(x, ty)
        return raw, v.reshape(x.shape)
    rows = x.reshape(-1, x.shape[-1])
    raw, back = b"", []
    for r in rows:
        q = gq.quant_q8_0_ref(r) if ty == "Q8_0" else gq.quant_q4_0_ref(r)
        raw += q
        back.append(gq.deq_q8_0(q, len(r)) if ty == "Q8_0" else deq_q4_0(q, len(r)))
    return raw, np.array(back, np.float64).reshape(x.shape)


def deq_q4_0(raw, n):
    out = np.zeros(n, np.float32)
    for b in range(n // 32):
        blk = raw[b * 18:(b + 1) * 18]
        d = np.frombuffer(blk[:2], np.float16)[0].astype(np.float32)
        q = np.frombuffer(blk[2:], np.uint8)
        out[b * 32:b * 32 + 16] = d * ((q & 15).astype(np.float32) - 8)
        out[b * 32 + 16:b * 32 + 32] = d * ((q >> 4).astype(np.float32) - 8)
    return out


def llama_gguf(name, cfg, types, seed_scale=1.0):
    """cfg: llm.h tuple (arch=1, L, NH, NKV, C, H, V, Vp, maxT, untied); types(tensor name) -> type"""
    arch, L, NH, NKV, C, H, V, Vp, maxT, untied = cfg
    kvs = [("general.architecture", "str", "llama"), ("llama.context_length", "u32", maxT),
           ("llama.embedding_length", "u32", C), ("llama.block_count", "u32", L), ("llama.feed_forward_length", "u32", H),
           ("llama.attention.head_count", "u32", NH), ("llama.attention.head_count_kv", "u32", NKV),
           ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5), ("llama.rope.freq_base", "f32", 10000.0),
           ("llama.rope.dimension_count", "u32", C // NH)]
    names = {"wte": "token_embd.weight", "lnfw": "output_norm.weight", "head": "output.weight"}
    for l in range(L):
        names.update({f"{l}.ln1w": f"blk.{l}.attn_norm.weight", f"{l}.wq": f"blk.{l}.attn_q.weight",
                      f"{l}.wk": f"blk.{l}.attn_k.weight", f"{l}.wv": f"blk.{l}.attn_v.weight",
                      f"{l}.wo": f"blk.{l}.attn_output.weight", f"{l}.ln2w": f"blk.{l}.ffn_norm.weight",
                      f"{l}.w1": f"blk.{l}.ffn_gate.weight", f"{l}.w3": f"blk.{l}.ffn_up.weight",
                      f"{l}.w2": f"blk.{l}.ffn_down.weight"})
    P, tensors = {}, []
    for tn, shape in gm.tensor_table(cfg):
        gname, ty = names[tn], (types(names[tn]) if len(shape) == 2 else "F32")
        if ty in ("Q4_K", "Q6_K"):
            rows = [(gq.gen_q4_k if ty == "Q4_K" else gq.gen_q6_k)(shape[1], 0.05 * seed_scale) for _ in range(shape[0])]
            raw, vals = b"".join(r[0] for r in rows), np.array([r[1] for r in rows], np.float64)
        else:
            if len(shape) == 1:
                x = (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
            else:
                x = (0.2 * rng.standard_normal(shape)).astype(np.float32)
            raw, vals = encode(x, ty)
        P[tn] = torch.tensor(vals.reshape(shape))
        tensors.append((gname, shape, ty, raw))
    write_gguf(os.path.join(OUT, name + ".gguf"), kvs, tensors)
    tokens = [int(t) for t in rng.integers(0, V, 9)]
    logits = gm.forward(cfg, P, torch.tensor([tokens]))[0].detach().numpy()
    write_ref(os.path.join(OUT, name + ".ref"), tokens, logits)
    print(f"{name}.gguf: logits max {np.abs(logits).max():.3f}")


def main():
    os.makedirs(OUT, exist_ok=True)
    g = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 32,
         "n_positions": 16, "n_ctx": 16, "n_inner": None, "vocab_size": 64, "layer_norm_epsilon": 1e-05,
         "activation_function": "gelu_new", "tie_word_embeddings": True}
    gs = gpt2_weights(g)
    gv = random_values(gs)
    for dt in ("F32", "F16", "BF16"):
        hf_model("gpt2_" + dt.lower(), g, gs, gv, dt, hf_gpt2)
    lcfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_size": 32, "intermediate_size": 64,
            "max_position_embeddings": 16, "vocab_size": 64, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
            "hidden_act": "silu", "tie_word_embeddings": False, "rope_scaling": None, "attention_bias": False}
    ls = llama_weights(lcfg)
    lv = random_values(ls)
    for dt in ("F32", "F16", "BF16"):
        hf_model("llama_" + dt.lower(), lcfg, ls, lv, dt, hf_llama)
    tied = dict(lcfg, tie_word_embeddings=True, rope_theta=500000.0, rms_norm_eps=1e-06)
    ts = llama_weights(tied)
    hf_model("llama_sharded", tied, ts, random_values(ts), "F32", hf_llama, shards=2)
    small = (1, 2, 4, 2, 32, 64, 64, 64, 16, 1)
    for ty in ("F32", "F16", "BF16", "Q8_0", "Q4_0"):
        llama_gguf("llama_" + ty.lower(), small, lambda n, ty=ty: ty)
    # dim 256 (K-quant blocks hold 256 values): Q6_K for attn_v, ffn_down and output, Q4_K for the rest
    kq = (1, 1, 4, 2, 256, 256, 64, 64, 16, 1)
    llama_gguf("llama_q4_k_m", kq, lambda n: "Q6_K" if ("attn_v" in n or "ffn_down" in n or n == "output.weight") else "Q4_K")


if __name__ == "__main__":
    main()
