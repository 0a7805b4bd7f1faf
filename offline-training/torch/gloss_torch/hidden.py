"""Residual-stream hidden states of a Llama-family GGUF model in PyTorch, through transformers'
GGUF loader (gguf_file=...; it de-quantises the weights to float32).

"After L blocks" means what Gloss's ONNX graphs mean by layer L: L = 0 is the token embeddings,
L >= 1 the output of block L - 1, before any final norm (transformers' last hidden_states entry
is normed, so the blocks' outputs are read with forward hooks instead).

`python -m gloss_torch.hidden --gguf FILE --ids IDS.json --layers 0,1,... --out OUT.safetensors`
writes tensor `t{i}_L{L}` [T_i, d] for each id list i of IDS.json and each layer L."""

import argparse
import sys
from pathlib import Path

import torch


def load_gguf(path: str | Path, device: str = "cpu", dtype: torch.dtype = torch.float32):
    """The causal LM of a GGUF file. llama.cpp writes "no pad token" as 2^32 - 1, which
    transformers would take as a padding index; it is dropped."""
    from transformers import AutoConfig, AutoModelForCausalLM

    p = Path(path)
    cfg = AutoConfig.from_pretrained(p.parent, gguf_file=p.name)
    if cfg.pad_token_id is not None and not 0 <= cfg.pad_token_id < cfg.vocab_size:
        cfg.pad_token_id = None
    model = AutoModelForCausalLM.from_pretrained(p.parent, gguf_file=p.name, config=cfg, dtype=dtype)
    return model.to(device).eval()


@torch.inference_mode()
def hidden_after(model, ids: torch.Tensor, layers: list[int]) -> dict[int, torch.Tensor]:
    """Hidden states [B, T, d] after each of `layers` blocks for input_ids [B, T]."""
    base = model.model
    n = len(base.layers)
    for layer in layers:
        if not 0 <= layer <= n:
            raise SystemExit(f"gloss-torch: layer {layer} out of range: the model has {n} layers (0..{n})")
    got: dict[int, torch.Tensor] = {}
    handles = []

    def keep(layer: int):
        def hook(_module, _inputs, output):
            got[layer] = (output[0] if isinstance(output, tuple) else output).detach()

        return hook

    for layer in layers:
        module = base.embed_tokens if layer == 0 else base.layers[layer - 1]
        handles.append(module.register_forward_hook(keep(layer)))
    try:
        # Only the blocks up to the deepest wanted layer matter; the rest still runs (transformers
        # has no early exit), which costs time but not correctness.
        base(input_ids=ids)
    finally:
        for h in handles:
            h.remove()
    return got


def main(argv: list[str]) -> int:
    import json

    from safetensors.torch import save_file

    ap = argparse.ArgumentParser(prog="python -m gloss_torch.hidden")
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--ids", required=True, help="JSON list of token id lists")
    ap.add_argument("--layers", required=True, help="comma-separated layers (0 = embeddings)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args(argv)
    layers = [int(x) for x in a.layers.split(",")]
    model = load_gguf(a.gguf, a.device)
    out = {}
    for i, seq in enumerate(json.loads(Path(a.ids).read_text())):
        hs = hidden_after(model, torch.tensor([seq], device=a.device), layers)
        for layer, h in hs.items():
            out[f"t{i}_L{layer}"] = h[0].float().cpu().contiguous()
    save_file(out, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
