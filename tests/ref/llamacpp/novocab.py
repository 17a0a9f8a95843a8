#!/usr/bin/env python3
"""novocab.py IN.gguf OUT.gguf LLAMA_CPP_DIR - a copy of a GGUF with tokenizer.ggml.model = "no_vocab"
(llama.cpp refuses a file without tokenizer keys; the fixtures carry none), via llama.cpp's gguf-py."""
import sys
sys.path.insert(0, sys.argv[3] + "/gguf-py")
import gguf

r = gguf.GGUFReader(sys.argv[1])
arch = bytes(r.fields["general.architecture"].parts[-1]).decode()
w = gguf.GGUFWriter(sys.argv[2], arch)
for name, f in r.fields.items():
    if name.startswith("GGUF.") or name == "general.architecture" or f.types[0] == gguf.GGUFValueType.ARRAY:
        continue
    if f.types[0] == gguf.GGUFValueType.STRING:
        w.add_string(name, bytes(f.parts[-1]).decode())
    else:
        w.add_key_value(name, f.parts[-1][0], f.types[0])
w.add_string("tokenizer.ggml.model", "no_vocab")
if arch + ".vocab_size" not in r.fields:
    w.add_uint32(arch + ".vocab_size", int([t for t in r.tensors if t.name == "token_embd.weight"][0].shape[1]))
for t in r.tensors:
    w.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
