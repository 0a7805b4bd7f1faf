"""SAEs from the libraries themselves, for Gloss's interoperability tests (run in the venv that
`gloss-train setup-torch` makes, with gloss_torch importable).

  saelens-train --cache DIR --out DIR --arch topk|jumprelu --d-sae M [--k K] --steps N --batch B --seed S
      trains an SAE with SAELens's own SAETrainer on the rows of a Gloss activation cache (training
      split, streamed by gloss_torch.cache) and saves it with save_inference_model.
  saelens-encode --sae DIR --x IN.safetensors --out OUT.safetensors
      loads DIR with SAELens's SAE.load_from_disk and writes encode(x) as tensor "codes"; prints
      the class SAELens picked and its config as JSON.
"""

import argparse
import json
import sys

import torch
from safetensors.torch import load_file, save_file


def rows(cache_dir: str, batch: int, seed: int):
    from gloss_torch.cache import ActivationCache

    cache = ActivationCache(cache_dir, held_out_fraction=0.05)
    for b in cache.batches(batch, shuffle=True, seed=seed, epochs=float("inf"), drop_last=True):
        yield torch.from_numpy(b).float()


def saelens_train(a) -> None:
    from sae_lens.config import LoggingConfig, SAETrainerConfig
    from sae_lens.saes.jumprelu_sae import JumpReLUTrainingSAE, JumpReLUTrainingSAEConfig
    from sae_lens.saes.topk_sae import TopKTrainingSAE, TopKTrainingSAEConfig
    from sae_lens.training.sae_trainer import SAETrainer

    torch.manual_seed(a.seed)
    first = next(rows(a.cache, a.batch, a.seed))
    d = first.shape[1]
    if a.arch == "topk":
        sae = TopKTrainingSAE(TopKTrainingSAEConfig(d_in=d, d_sae=a.d_sae, k=a.k))
    else:
        sae = JumpReLUTrainingSAE(JumpReLUTrainingSAEConfig(d_in=d, d_sae=a.d_sae, l0_coefficient=a.l0_coefficient))
    cfg = SAETrainerConfig(
        total_training_samples=a.steps * a.batch,
        train_batch_size_samples=a.batch,
        lr=a.lr,
        lr_end=a.lr,
        lr_warm_up_steps=max(1, a.steps // 20),
        device="cpu",
        logger=LoggingConfig(log_to_wandb=False, eval_every_n_wandb_logs=2**31 - 1),
        n_batches_for_norm_estimate=10,
    )
    trainer = SAETrainer(cfg=cfg, sae=sae, data_provider=rows(a.cache, a.batch, a.seed), save_checkpoint_fn=lambda _p: None)
    trained = trainer.fit()
    trained.save_inference_model(a.out)
    print(json.dumps({"steps": trainer.n_training_steps, "class": type(trained).__name__}))


def saelens_encode(a) -> None:
    from sae_lens import SAE

    sae = SAE.load_from_disk(a.sae)
    x = load_file(a.x)["x"]
    with torch.no_grad():
        codes = sae.encode(x).contiguous()
    save_file({"codes": codes}, a.out)
    cfg = sae.cfg.to_dict()
    print(json.dumps({"class": type(sae).__name__, "architecture": sae.cfg.architecture(), "cfg": cfg}, default=str))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("saelens-train")
    t.add_argument("--cache", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--arch", choices=["topk", "jumprelu"], default="topk")
    t.add_argument("--d-sae", type=int, required=True)
    t.add_argument("--k", type=int, default=8)
    t.add_argument("--l0-coefficient", type=float, default=1.0)
    t.add_argument("--lr", type=float, default=3e-4)
    t.add_argument("--steps", type=int, default=200)
    t.add_argument("--batch", type=int, default=256)
    t.add_argument("--seed", type=int, default=0)
    e = sub.add_parser("saelens-encode")
    e.add_argument("--sae", required=True)
    e.add_argument("--x", required=True)
    e.add_argument("--out", required=True)
    a = p.parse_args(argv)
    {"saelens-train": saelens_train, "saelens-encode": saelens_encode}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
