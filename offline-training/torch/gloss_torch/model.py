"""A TopK SAE under training on EleutherAI sparsify's SparseCoder (its parameters, decoder, decoder
norm and gradient projection, its save format), with the training step of Gloss's TypeScript
engines (sae/core.ts, sae/kernels.ts):

- loss: mean squared error over the batch's B x d elements, plus AuxK:
  aux_coef * min(dead / k_aux, 1) * ||e_hat - e||^2 / var(e), where e is the TopK residual and
  e_hat the decoding of the top min(k_aux, dead) dead latents (Gao et al. 2024);
- a latent is dead after dead_tokens tokens without a positive TopK activation;
- decoder rows unit norm: the gradient's component along each row is removed before Adam, the
  rows renormalised after it;
- initialisation: core.ts's random unit decoder rows (the same numbers for the same seed), the
  encoder their transpose, biases zero.

With several ranks each holds the same weights and a slice of the global batch; the losses are
normalised by global quantities (B, var(e)) and the gradients summed, so N ranks take the step
one rank would take on the whole batch."""

from dataclasses import dataclass

import torch
from torch import Tensor

from .distributed import all_max, all_sum, broadcast_
from .encoder import encode
from .rng import init_decoder


@dataclass
class Settings:
    """The resolved settings of a run (sae/trainer.ts's ResolvedOptions)."""

    d: int
    width: int
    k: int
    lr: float
    batch: int
    steps: int
    seed: int
    kAux: int
    auxCoef: float
    deadTokens: float
    beta1: float
    beta2: float
    eps: float
    warmupSteps: int
    decayFraction: float


@dataclass
class StepStats:
    sse: float
    sst: float
    active: int
    aux_loss: float
    dead: int


class TorchSae:
    """sparsify's SparseCoder plus Adam, the dead-latent counters and one training step."""

    def __init__(self, s: Settings, device: torch.device):
        from sparsify import SparseCoder, SparseCoderConfig

        self.s = s
        self.device = device
        cfg = SparseCoderConfig(activation="topk", num_latents=s.width, k=s.k, normalize_decoder=True)
        self.sae = SparseCoder(s.d, cfg, device=device, dtype=torch.float32)
        with torch.no_grad():
            w = torch.from_numpy(init_decoder(s.d, s.width, s.seed))
            self.sae.W_dec.copy_(w.to(device))
            self.sae.encoder.weight.copy_(w.to(device))
            self.sae.encoder.bias.zero_()
            self.sae.b_dec.zero_()
            for p in self.sae.parameters():
                broadcast_(p.data)
        self.params = list(self.sae.parameters())
        self.opt = torch.optim.Adam(self.params, lr=s.lr, betas=(s.beta1, s.beta2), eps=s.eps)
        self.since_fired = torch.zeros(s.width, dtype=torch.float64, device=device)

    def num_dead(self) -> int:
        return int((self.since_fired >= self.s.deadTokens).sum())

    def step(self, x: Tensor, global_batch: int, lr: float) -> StepStats:
        """One Adam step on this rank's rows x (normalised, [b, d]) of a global batch of global_batch rows."""
        s, sae = self.s, self.sae
        from sparsify.utils import decoder_impl

        n_dead = self.num_dead()
        use_aux = n_dead > 0 and s.kAux > 0
        dead_bias = None
        k_aux = 0
        if use_aux:
            k_aux = min(s.kAux, n_dead)
            dead = self.since_fired >= s.deadTokens
            dead_bias = torch.where(dead, 0.0, float("-inf")).to(x.dtype)
        enc = encode(x - sae.b_dec, sae.encoder.weight, sae.encoder.bias, s.k, dead_bias, k_aux)
        x_hat = sae.decode(enc.top_acts, enc.top_indices)
        e = x - x_hat
        sse = e.pow(2).sum()
        loss = sse / (global_batch * s.d)
        moments = torch.cat([x.sum(0), x.pow(2).sum(0)]).detach().double()
        aux_sse = torch.zeros((), device=x.device)
        e_var = 0.0
        if use_aux:
            ed = e.detach()
            e_stats = all_sum(torch.cat([ed.pow(2).sum().reshape(1), ed.sum(0)]).double())
            e_var = float(e_stats[0] - e_stats[1:].pow(2).sum() / global_batch)
            if e_var > 0:
                assert enc.aux_acts is not None and enc.aux_indices is not None
                e_hat = decoder_impl(enc.aux_indices, enc.aux_acts, sae.W_dec.mT)
                aux_sse = (e_hat - ed).pow(2).sum()
                loss = loss + s.auxCoef * min(n_dead / s.kAux, 1.0) * aux_sse / e_var
        self.opt.zero_grad(set_to_none=False)
        loss.backward()
        self._reduce_grads()
        sae.remove_gradient_parallel_to_decoder_directions()
        for g in self.opt.param_groups:
            g["lr"] = lr
        self.opt.step()
        sae.set_decoder_norm_to_unit_norm()

        fired = torch.zeros(s.width, dtype=torch.uint8, device=x.device)
        live = enc.top_acts > 0
        fired[enc.top_indices[live]] = 1
        all_max(fired)
        self.since_fired += global_batch
        self.since_fired[fired.bool()] = 0
        scalars = torch.stack([sse.detach().double(), live.sum().double(), aux_sse.detach().double()])
        scal = all_sum(torch.cat([scalars, moments]))
        col_sum, col_sq = scal[3 : 3 + s.d], scal[3 + s.d :]
        sst = float((col_sq - col_sum.pow(2) / global_batch).sum())
        return StepStats(
            sse=float(scal[0]),
            sst=sst,
            active=int(scal[1]),
            aux_loss=float(scal[2]) / e_var if use_aux and e_var > 0 else 0.0,
            dead=self.num_dead(),
        )

    def _reduce_grads(self) -> None:
        """Sums the gradients over the ranks (one flat buffer, one all-reduce)."""
        import torch.distributed as dist

        if not dist.is_initialized():
            return
        grads = [p.grad for p in self.params]
        flat = torch.cat([g.reshape(-1) for g in grads])  # type: ignore[union-attr]
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        o = 0
        for g in grads:
            n = g.numel()  # type: ignore[union-attr]
            g.copy_(flat[o : o + n].view_as(g))  # type: ignore[union-attr]
            o += n

    @torch.no_grad()
    def evaluate(self, x: Tensor, batch: int = 1024) -> dict[str, float]:
        """FVU, L0 and never-firing fraction on normalised rows x (core.ts's evaluate)."""
        sae, s = self.sae, self.s
        fired = torch.zeros(s.width, dtype=torch.bool, device=x.device)
        sse = 0.0
        active = 0
        for r0 in range(0, x.shape[0], batch):
            xb = x[r0 : r0 + batch]
            enc = encode(xb - sae.b_dec, sae.encoder.weight, sae.encoder.bias, s.k, None, 0)
            live = enc.top_acts > 0
            fired[enc.top_indices[live]] = True
            active += int(live.sum())
            sse += float((xb - sae.decode(enc.top_acts, enc.top_indices)).double().pow(2).sum())
        xd = x.double()
        sst = float((xd - xd.mean(0)).pow(2).sum())
        n = x.shape[0]
        return {
            "fvu": sse / sst if sst > 0 else float("nan"),
            "l0": active / n,
            "dead_fraction": 1.0 - float(fired.float().mean()),
        }

    @torch.no_grad()
    def folded(self, mean: Tensor, scale: float):
        """A SparseCoder on raw activations: the normalisation (x - mean) * scale folded into the
        weights (W_enc * scale, W_dec / scale, b_dec = mean + b_dec / scale), as trainer.ts folds it."""
        from sparsify import SparseCoder

        out = SparseCoder(self.s.d, self.sae.cfg, device="cpu", dtype=torch.float32)
        out.encoder.weight.copy_(self.sae.encoder.weight.cpu() * scale)
        out.encoder.bias.copy_(self.sae.encoder.bias.cpu())
        assert out.W_dec is not None and self.sae.W_dec is not None
        out.W_dec.copy_(self.sae.W_dec.cpu() / scale)
        out.b_dec.copy_(mean.cpu().float() + self.sae.b_dec.cpu() / scale)
        return out
