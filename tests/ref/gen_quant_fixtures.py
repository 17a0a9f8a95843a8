"""tests/ref/gen_quant_fixtures.py - fixtures for llm.h's tensor types (>>quant), from numpy.

Writes tests/data/quant_blocks.bin: for each of Q8_0, Q4_0, Q4_K, Q6_K, F16, BF16, two rows of 512
values as raw ggml blocks (random but valid: random scales, mins and quants) and their float32
values computed here with ggml's block layouts and the same float32 operation order; then, for
Q8_0 and Q4_0, 512 floats and the bytes ggml's reference quantizer (quantize_row_q8_0_ref /
quantize_row_q4_0_ref) makes of them.
    /usr/bin/python3 tests/ref/gen_quant_fixtures.py
Then the same for Q5_0, Q5_1, Q5_K (blocks and values; llama.cpp's Q4_K_M and Q5_K_M files use
them), and the bytes of ggml's reference quantizers for Q5_0 and Q5_1 (quantize_row_q5_0_ref /
quantize_row_q5_1_ref), from a second random stream so the first sections stay as they were.
Layout: "LLMQ", then per section: u32 type, u32 rows, u32 row_len, u32 raw bytes, raw, float32
values; then the quantizer section: u32 type, u32 n, float32 x[n], u32 bytes, bytes. Groups:
6 block sections, 2 quantizer sections, 3 block sections, 2 quantizer sections."""
import struct
import numpy as np

rng = np.random.default_rng(20261202)
f32 = np.float32


def f16(x):
    return np.array(x, dtype=np.float32).astype(np.float16)


def deq_q8_0(raw, n):
    out = np.zeros(n, np.float32)
    for b in range(n // 32):
        blk = raw[b * 34:(b + 1) * 34]
        d = np.frombuffer(blk[:2], np.float16)[0].astype(np.float32)
        q = np.frombuffer(blk[2:], np.int8).astype(np.float32)
        out[b * 32:(b + 1) * 32] = d * q
    return out


def gen_q8_0(n):
    raw = b""
    for _ in range(n // 32):
        raw += f16(rng.uniform(0.001, 0.1)).tobytes() + rng.integers(-127, 128, 32, dtype=np.int8).tobytes()
    return raw, deq_q8_0(raw, n)


def gen_q4_0(n):
    raw, out = b"", np.zeros(n, np.float32)
    for b in range(n // 32):
        d = f16(rng.uniform(-0.1, 0.1))
        q = rng.integers(0, 16, 32)
        raw += d.tobytes() + bytes(int(q[j]) | (int(q[j + 16]) << 4) for j in range(16))
        dd = d.astype(np.float32)
        out[b * 32:(b + 1) * 32] = dd * (q - 8).astype(np.float32)
    return raw, out


def q4k_scale_min(j, sc):
    if j < 4:
        return sc[j] & 63, sc[j + 4] & 63
    return (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4), (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4)


def gen_q4_k(n, scale=1.0):
    raw, out = b"", []
    for _ in range(n // 256):
        d, dmin = f16(scale * rng.uniform(0.0005, 0.01)), f16(scale * rng.uniform(0.0005, 0.01))
        sc = rng.integers(0, 256, 12).astype(np.int64)
        qs = rng.integers(0, 256, 128).astype(np.int64)
        raw += d.tobytes() + dmin.tobytes() + bytes(int(v) for v in sc) + bytes(int(v) for v in qs)
        dd, dm = d.astype(np.float32), dmin.astype(np.float32)
        for j in range(0, 8, 2):
            q = qs[(j // 2) * 32:(j // 2) * 32 + 32]
            s1, m1 = q4k_scale_min(j, sc)
            s2, m2 = q4k_scale_min(j + 1, sc)
            out.append(dd * f32(s1) * (q & 0xF).astype(np.float32) - dm * f32(m1))
            out.append(dd * f32(s2) * (q >> 4).astype(np.float32) - dm * f32(m2))
    return raw, np.concatenate(out).astype(np.float32)


def gen_q6_k(n, scale=1.0):
    raw, out = b"", []
    for _ in range(n // 256):
        ql = rng.integers(0, 256, 128).astype(np.int64)
        qh = rng.integers(0, 256, 64).astype(np.int64)
        sc = rng.integers(-128, 128, 16).astype(np.int8)
        d = f16(scale * rng.uniform(0.0005, 0.01))
        raw += bytes(int(v) for v in ql) + bytes(int(v) for v in qh) + sc.tobytes() + d.tobytes()
        dd = d.astype(np.float32)
        y = np.zeros(256, np.float32)
        for half in range(2):
            L, H, S = ql[half * 64:], qh[half * 32:], sc[half * 8:].astype(np.float32)
            for l in range(32):
                is_ = l // 16
                q1 = ((L[l] & 0xF) | ((H[l] & 3) << 4)) - 32
                q2 = ((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32
                q3 = ((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32
                q4 = ((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32
                base = half * 128
                y[base + l] = dd * S[is_] * f32(q1)
                y[base + l + 32] = dd * S[is_ + 2] * f32(q2)
                y[base + l + 64] = dd * S[is_ + 4] * f32(q3)
                y[base + l + 96] = dd * S[is_ + 6] * f32(q4)
        out.append(y)
    return raw, np.concatenate(out).astype(np.float32)


def gen_f16(n):
    x = rng.normal(0, 1, n).astype(np.float32).astype(np.float16)
    return x.tobytes(), x.astype(np.float32)


def gen_bf16(n):
    bits = (rng.normal(0, 1, n).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    return bits.tobytes(), (bits.astype(np.uint32) << 16).view(np.float32)


def quant_q8_0_ref(x):
    out = b""
    for b in range(len(x) // 32):
        v = x[b * 32:(b + 1) * 32]
        amax = np.max(np.abs(v))
        d = f32(amax / f32(127))
        idv = f32(1) / d if d else f32(0)
        q = np.array([np.round(f32(t * idv)) for t in v])   # roundf: half away from zero (no exact halves here)
        out += f16(d).tobytes() + q.astype(np.int8).tobytes()
    return out


def quant_q4_0_ref(x):
    out = b""
    for b in range(len(x) // 32):
        v = x[b * 32:(b + 1) * 32]
        mx = v[np.argmax(np.abs(v))]
        d = f32(mx / f32(-8))
        idv = f32(1) / d if d else f32(0)
        q = [min(15, int(f32(t * idv) + f32(8.5))) for t in v]
        out += f16(d).tobytes() + bytes(q[j] | (q[j + 16] << 4) for j in range(16))
    return out


def gen_q5(n, q51):
    raw, out = b"", np.zeros(n, np.float32)
    for b in range(n // 32):
        d = f16(rng2.uniform(-0.1, 0.1) if not q51 else rng2.uniform(0.001, 0.1))
        m = f16(rng2.uniform(-1, 1))
        q = rng2.integers(0, 32, 32)
        qh = sum(int(q[j] >> 4) << j for j in range(32))
        raw += d.tobytes() + (m.tobytes() if q51 else b"") + struct.pack("<I", qh)
        raw += bytes(int(q[j] & 0xF) | (int(q[j + 16] & 0xF) << 4) for j in range(16))
        dd = d.astype(np.float32)
        if q51:
            out[b * 32:(b + 1) * 32] = dd * q.astype(np.float32) + m.astype(np.float32)
        else:
            out[b * 32:(b + 1) * 32] = dd * (q - 16).astype(np.float32)
    return raw, out


def gen_q5_k(n):
    raw, out = b"", []
    for _ in range(n // 256):
        d, dmin = f16(rng2.uniform(0.0005, 0.01)), f16(rng2.uniform(0.0005, 0.01))
        sc = rng2.integers(0, 256, 12).astype(np.int64)
        qh = rng2.integers(0, 256, 32).astype(np.int64)
        qs = rng2.integers(0, 256, 128).astype(np.int64)
        raw += d.tobytes() + dmin.tobytes() + bytes(int(v) for v in sc) + bytes(int(v) for v in qh)
        raw += bytes(int(v) for v in qs)
        dd, dm = d.astype(np.float32), dmin.astype(np.float32)
        for j in range(0, 8, 2):   # sub-blocks j, j+1: low/high nibbles of 32 bytes; 5th bits: bits j, j+1 of qh
            q = qs[(j // 2) * 32:(j // 2) * 32 + 32]
            s1, m1 = q4k_scale_min(j, sc)
            s2, m2 = q4k_scale_min(j + 1, sc)
            v1 = (q & 0xF) | (((qh >> j) & 1) << 4)
            v2 = (q >> 4) | (((qh >> (j + 1)) & 1) << 4)
            out.append(dd * f32(s1) * v1.astype(np.float32) - dm * f32(m1))
            out.append(dd * f32(s2) * v2.astype(np.float32) - dm * f32(m2))
    return raw, np.concatenate(out).astype(np.float32)


def pack_q5(q):
    qh = sum(int(q[j] >> 4) << j for j in range(32))
    return struct.pack("<I", qh) + bytes((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4) for j in range(16))


def quant_q5_0_ref(x):
    out = b""
    for b in range(len(x) // 32):
        v = x[b * 32:(b + 1) * 32]
        mx = v[np.argmax(np.abs(v))]   # (the first of largest magnitude, as ggml's strict >)
        d = f32(mx / f32(-16))
        idv = f32(1) / d if d else f32(0)
        q = [min(31, int(f32(f32(t * idv) + f32(16.5)))) for t in v]
        out += f16(d).tobytes() + pack_q5(q)
    return out


def quant_q5_1_ref(x):
    out = b""
    for b in range(len(x) // 32):
        v = x[b * 32:(b + 1) * 32]
        lo, hi = f32(np.min(v)), f32(np.max(v))
        d = f32(f32(hi - lo) / f32(31))
        idv = f32(1) / d if d else f32(0)
        q = [int(f32(f32(f32(t - lo) * idv) + f32(0.5))) for t in v]
        out += f16(d).tobytes() + f16(lo).tobytes() + pack_q5(q)
    return out


rng2 = np.random.default_rng(20261207)


def main():
    TYPES = [(8, gen_q8_0), (2, gen_q4_0), (12, gen_q4_k), (14, gen_q6_k), (1, gen_f16), (30, gen_bf16)]
    with open("tests/data/quant_blocks.bin", "wb") as f:
        f.write(b"LLMQ")
        for t, gen in TYPES:
            rows = [gen(512) for _ in range(2)]
            raw = b"".join(r[0] for r in rows)
            vals = np.concatenate([r[1] for r in rows]).astype("<f4")
            f.write(struct.pack("<IIII", t, 2, 512, len(raw)) + raw + vals.tobytes())
        for t, fn in [(8, quant_q8_0_ref), (2, quant_q4_0_ref)]:
            x = rng.normal(0, 1, 512).astype(np.float32)
            q = fn(x)
            f.write(struct.pack("<II", t, 512) + x.astype("<f4").tobytes() + struct.pack("<I", len(q)) + q)
        for t, gen in [(6, lambda n: gen_q5(n, False)), (7, lambda n: gen_q5(n, True)), (13, gen_q5_k)]:
            rows = [gen(512) for _ in range(2)]
            raw = b"".join(r[0] for r in rows)
            vals = np.concatenate([r[1] for r in rows]).astype("<f4")
            f.write(struct.pack("<IIII", t, 2, 512, len(raw)) + raw + vals.tobytes())
        for t, fn in [(6, quant_q5_0_ref), (7, quant_q5_1_ref)]:
            x = rng2.normal(0, 1, 512).astype(np.float32)
            q = fn(x)
            f.write(struct.pack("<II", t, 512) + x.astype("<f4").tobytes() + struct.pack("<I", len(q)) + q)
    print("wrote tests/data/quant_blocks.bin")


if __name__ == "__main__":
    main()
