"""`python -m gloss_torch.extract JOB.json`: the residual stream of a Llama-family GGUF model after
job["layer"] blocks, in PyTorch, written as the shards of a Gloss activation cache.

The TypeScript side tokenises with the detector bundle's tokenizer and writes job["ids"] (a JSON
line of token ids per text); this runs the model over windows of max_tokens tokens (as
activations/extract.ts does), flushes a shard whenever shard_rows rows are pending (at a text
boundary), and reports each shard as `@gloss {"type": "shard", "file", "rows", "texts"}`. The
TypeScript side writes tokens.jsonl and index.json."""

import json
import sys
from pathlib import Path

import numpy as np
import torch

from .hidden import hidden_after, load_gguf

DTYPES = {"float32": "<f4", "float16": "<f2"}


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    device = job.get("device", "cpu")
    model = load_gguf(job["gguf"], device)
    layer = int(job["layer"])
    max_tokens = int(job["max_tokens"])
    shard_rows = int(job["shard_rows"])
    dtype = DTYPES[job["dtype"]]
    out = Path(job["out"])
    first = int(job.get("first_shard", 0))
    pending: list[np.ndarray] = []
    rows = texts = 0
    shard = first

    def flush() -> None:
        nonlocal pending, rows, texts, shard
        if rows == 0:
            return
        file = f"shard-{shard:05d}.bin"
        tmp = out / f"{file}.tmp"
        np.concatenate(pending).astype(dtype).tofile(tmp)
        tmp.rename(out / file)
        print("@gloss " + json.dumps({"type": "shard", "file": file, "rows": rows, "texts": texts}), flush=True)
        pending, rows, texts, shard = [], 0, 0, shard + 1

    with open(job["ids"]) as f:
        for line in f:
            ids = json.loads(line)
            acts = []
            for w in range(0, len(ids), max_tokens):
                win = torch.tensor([ids[w : w + max_tokens]], device=device)
                acts.append(hidden_after(model, win, [layer])[layer][0].float().cpu().numpy())
            a = np.concatenate(acts) if acts else np.zeros((0, model.config.hidden_size), np.float32)
            if not np.isfinite(a).all():
                raise SystemExit(f"gloss-torch: non-finite activation in text {texts}")
            pending.append(a)
            rows += a.shape[0]
            texts += 1
            if rows >= shard_rows:
                flush()
    flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
