#!/usr/bin/env python3
"""Reference outputs for the GGUF reader and the SmolLM2-135M-Instruct Q4_1 fixture.

Run (once, the results are committed):
    python3 -m venv /tmp/gguf/venv
    /tmp/gguf/venv/bin/pip install gguf==0.19.0 numpy transformers==5.24.0 torch==2.15.0 accelerate
    scripts/fetch-smollm2.sh            # puts the .gguf in ~/.cache/memorag/fixtures/
    /tmp/gguf/venv/bin/python scripts/goldens/smollm2_gguf.py \
        ~/.cache/memorag/fixtures/SmolLM2-135M-Instruct.Q4_1.gguf src-test-data/gguf

Writes two files into the output directory:
  dequant_golden.json   seeded blocks of every supported quantised type and gguf-py's dequantisation of them
                        (gguf.quants.dequantize, the package llama.cpp maintains).
  smollm2_q4_1_golden.json  Hugging Face transformers (which dequantises the GGUF to float32 through gguf-py and
                        undoes llama.cpp's q/k permutation itself) on the real weights: token ids of sample strings,
                        a chat-template render, last-position logits of a prompt, and 16 greedy tokens.
"""
import importlib.metadata
import json
import os
import sys

import numpy as np


def dequant_goldens():
    from gguf import GGMLQuantizationType as T
    from gguf import quants
    from gguf.constants import GGML_QUANT_SIZES

    rng = np.random.default_rng(20260312)
    out = []
    # Types gguf-py can quantise: quantise seeded normal values, so the scales are realistic.
    for t in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.F16, T.BF16):
        x = rng.standard_normal((2, 64)).astype(np.float32)
        q = quants.quantize(x, t)
        out.append(golden(t, q))
    # K-quants: gguf-py only dequantises them, so draw random block bytes with sane f16 super-scales.
    for t in (T.Q4_K, T.Q6_K):
        block_size, type_size = GGML_QUANT_SIZES[t]
        q = rng.integers(0, 256, size=(2, type_size), dtype=np.uint8)
        for b in range(2):
            d = np.array([rng.uniform(0.001, 0.05)], dtype=np.float16).view(np.uint8)
            if t == T.Q4_K:
                q[b, 0:2] = d
                q[b, 2:4] = np.array([rng.uniform(0.001, 0.05)], dtype=np.float16).view(np.uint8)
            else:
                q[b, 208:210] = d
        out.append(golden(t, q))
    return out


def golden(t, q):
    from gguf import quants
    v = quants.dequantize(q, t).reshape(-1)
    return {"type": t.name, "hex": bytes(q.reshape(-1).tobytes()).hex(), "values": [float(f) for f in v]}


RAW_PROMPT = "Once upon a time, in a small village by the sea, there lived"


def model_goldens(path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    d, f = os.path.dirname(path), os.path.basename(path)
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    model.eval()
    samples = ["Hello, world!", "The year 2024 had 366 days.", "  leading spaces\tand\ttabs\n\nnew lines",
               "Ünïcödé — naïve café; 東京タワー", "<|im_start|>user\nhi<|im_end|>"]
    encodings = [{"text": s, "ids": tok.encode(s, add_special_tokens=False)} for s in samples]
    messages = [{"role": "system", "content": "You are a concise assistant."},
                {"role": "user", "content": "What is the capital of France?"}]
    render = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = tok.encode(render, add_special_tokens=False)
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].float()
        top = torch.topk(logits, 32)
        gen = model.generate(torch.tensor([ids]), max_new_tokens=16, do_sample=False)[0, len(ids):]
        # A plain-text continuation forced to 16 tokens (the chat answer above ends early at <|im_end|>).
        raw_ids = tok.encode(RAW_PROMPT, add_special_tokens=False)
        raw = model.generate(torch.tensor([raw_ids]), max_new_tokens=16, min_new_tokens=16,
                             do_sample=False)[0, len(raw_ids):]
    stride = 97
    return {
        "source": "transformers " + __import__("transformers").__version__ + ", torch " + torch.__version__
                  + ", gguf " + importlib.metadata.version("gguf") + ", float32 dequantised weights",
        "file": f,
        "encodings": encodings,
        "messages": messages,
        "chat_render": render,
        "prompt_ids": ids,
        "vocab_size": int(logits.shape[0]),
        "top_ids": top.indices.tolist(),
        "top_logits": top.values.tolist(),
        "strided_logits_stride": stride,
        "strided_logits": logits[::stride].tolist(),
        "greedy_ids": gen.tolist(),
        "greedy_text": tok.decode(gen, skip_special_tokens=False),
        "raw_prompt": RAW_PROMPT,
        "raw_prompt_ids": raw_ids,
        "raw_greedy_ids": raw.tolist(),
        "raw_greedy_text": tok.decode(raw, skip_special_tokens=False),
    }


def main():
    gguf_path, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "dequant_golden.json"), "w") as fh:
        json.dump(dequant_goldens(), fh)
    with open(os.path.join(out_dir, "smollm2_q4_1_golden.json"), "w") as fh:
        json.dump(model_goldens(gguf_path), fh, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
