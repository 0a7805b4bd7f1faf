"""`python -m gloss_torch.train JOB.json`: the fit of `gloss-train sae --engine torch`.

The TypeScript trainer resolves the settings and the normalisation (mean, scale), writes JOB.json,
runs this (under torchrun for --nproc N), then reads the weights back and evaluates, calibrates
and writes the output folder as for its own engines. This file streams the cache's training
batches in the TypeScript order, steps the SAE, evaluates the held-out sample every eval_every
steps, and writes into job["work"]:

- fit.safetensors: encoder.weight [m, d], encoder.bias [m], W_dec [m, d], b_dec [d] in
  normalised space, and since_fired [m];
- fit.json: steps done, compute seconds, history, device, ranks, dead fraction, versions;
- sparsify/: the SAE with the normalisation folded in, in sparsify's own format
  (SparseCoder.save_to_disk), which Gloss's importSparsify reads.

Progress goes to stdout as lines `@gloss {json}` (rank 0 only); everything else is a log line."""

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m gloss_torch.train JOB.json", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[0]).read_text())
    if not str(job.get("device", "cpu")).startswith("cuda"):
        # sparsify's Triton decoder is CUDA-only; its eager embedding_bag runs everywhere.
        os.environ.setdefault("SPARSIFY_DISABLE_TRITON", "1")
    import torch

    from .distributed import init_ranks, shutdown

    ranks = init_ranks(str(job.get("device", "cpu")))
    if job.get("threads"):
        torch.set_num_threads(int(job["threads"]))
    try:
        fit(job, ranks)
    finally:
        shutdown()
    return 0


def emit(obj: dict) -> None:
    print("@gloss " + json.dumps(obj), flush=True)


def fit(job: dict, ranks) -> None:
    import numpy as np
    import safetensors.torch
    import sparsify
    import torch

    from .cache import ActivationCache
    from .model import Settings, TorchSae
    from .schedule import learning_rate

    s = Settings(**job["options"])
    if s.batch % ranks.world:
        raise SystemExit(f"gloss-torch: batch {s.batch} is not divisible by --nproc {ranks.world}")
    local = s.batch // ranks.world
    dev = ranks.device
    cache = ActivationCache(job["cache"], held_out_fraction=job["held_out_fraction"])
    if cache.d != s.d:
        raise SystemExit(f"gloss-torch: the cache has d={cache.d}, the job d={s.d}")
    mean = torch.tensor(job["mean"], dtype=torch.float64)
    scale = float(job["scale"])
    mean32 = mean.float().to(dev)
    held = cache.held_out_rows > 0
    eval_raw = cache.sample(job.get("eval_rows", 4096), held_out=held)
    eval_x = (torch.from_numpy(eval_raw).to(dev) - mean32) * scale
    model = TorchSae(s, dev)
    every_eval = job.get("eval_every") or max(1, round(s.steps / 10))
    every_progress = job.get("progress_every") or 10
    history: list[dict] = []
    ema: dict[str, float] | None = None
    seconds = 0.0
    window_t, window_tokens = time.perf_counter(), 0
    step = 0
    lo, hi = ranks.rank * local, (ranks.rank + 1) * local
    stream = cache.batches(s.batch, shuffle=True, seed=s.seed, epochs=float("inf"), drop_last=True)
    for batch in stream:
        t0 = time.perf_counter()
        x = (torch.from_numpy(batch[lo:hi]).to(dev, non_blocking=True) - mean32) * scale
        lr = learning_rate(s.lr, s.steps, s.warmupSteps, s.decayFraction, step)
        st = model.step(x, s.batch, lr)
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        seconds += time.perf_counter() - t0
        step += 1
        window_tokens += s.batch
        fvu = st.sse / st.sst if st.sst > 0 else float("nan")
        vals = {"fvu": fvu, "l0": st.active / s.batch, "aux": st.aux_loss}
        ema = vals if ema is None else {k: ema[k] + 0.1 * (vals[k] - ema[k]) for k in vals}
        is_eval = step % every_eval == 0 or step == s.steps
        if ranks.is_main and (is_eval or step % every_progress == 0):
            now = time.perf_counter()
            pm = {
                "fvu": ema["fvu"],
                "l0": ema["l0"],
                "dead_fraction": st.dead / s.width,
                "aux_loss": ema["aux"],
                "lr": lr,
                "tokens_per_second": window_tokens / max(now - window_t, 1e-9),
            }
            if is_eval:
                pm["eval"] = model.evaluate(eval_x)
                history.append(history_row(step, pm))
            emit({"type": "progress", "step": step, "total": s.steps, "metrics": pm})
            window_t, window_tokens = time.perf_counter(), 0
        if step >= s.steps:
            break
    if not ranks.is_main:
        return
    work = Path(job["work"])
    work.mkdir(parents=True, exist_ok=True)
    sae = model.sae
    tensors = {
        "encoder.weight": sae.encoder.weight.detach().cpu().contiguous(),
        "encoder.bias": sae.encoder.bias.detach().cpu().contiguous(),
        "W_dec": sae.W_dec.detach().cpu().contiguous(),
        "b_dec": sae.b_dec.detach().cpu().contiguous(),
        "since_fired": model.since_fired.cpu().contiguous(),
    }
    safetensors.torch.save_file(tensors, str(work / "fit.safetensors"))
    model.folded(mean, scale).save_to_disk(work / "sparsify")
    device_name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    result = {
        "step": step,
        "seconds": seconds,
        "history": history,
        "device": dev.type,
        "device_name": device_name,
        "ranks": ranks.world,
        "threads": torch.get_num_threads(),
        "dead_fraction": model.num_dead() / s.width,
        "versions": {"torch": torch.__version__, "sparsify": sparsify.__version__, "numpy": np.__version__},
    }
    (work / "fit.json").write_text(json.dumps(result, indent=2) + "\n")
    emit({"type": "done", "step": step, "seconds": seconds})


def history_row(step: int, pm: dict) -> dict:
    """A row of metrics.json's history (trainer.ts's historyRow)."""
    return {
        "step": step,
        "train_fvu": pm["fvu"],
        "l0": pm["l0"],
        "dead_fraction": pm["dead_fraction"],
        "aux_loss": pm["aux_loss"],
        "lr": pm["lr"],
        "eval_fvu": pm["eval"]["fvu"],
        "eval_l0": pm["eval"]["l0"],
        "eval_dead_fraction": pm["eval"]["dead_fraction"],
    }


if __name__ == "__main__":
    code = main(sys.argv[1:])
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # After the process group is gone, a rank's interpreter teardown can abort in c10d's C++
        # destructors ("terminate called without an active exception", SIGABRT): seen about once in
        # 40 two-rank CPU runs under load, always after the last barrier, with every result written.
        # Skip that teardown: flush and leave.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
