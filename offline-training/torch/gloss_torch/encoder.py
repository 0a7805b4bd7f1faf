"""The TopK encoder with its AuxK twin in one autograd function, after sparsify's FusedEncoder.

sparsify's FusedEncoder returns the pre-activations for AuxK but its backward drops their
gradient, so there the AuxK loss trains only the dead latents' decoder rows. Gao et al. (and
Gloss's TypeScript engines) also train the dead latents' encoder rows and biases through it; this
function does, over both the TopK and the AuxK selections."""

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor


class Encoded(NamedTuple):
    top_acts: Tensor
    top_indices: Tensor
    aux_acts: Tensor | None
    aux_indices: Tensor | None


class TopKAuxEncoder(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor, k: int, dead_bias: Tensor | None, k_aux: int):
        pre = F.relu(F.linear(x, weight, bias))
        vals, idx = pre.topk(k, dim=-1, sorted=False)
        if dead_bias is not None and k_aux > 0:
            # dead_bias is 0 on dead latents and -inf on live ones: TopK over the dead latents only.
            aux_vals, aux_idx = (pre + dead_bias).topk(k_aux, dim=-1, sorted=False)
            aux_vals = aux_vals.clamp_min(0)
            all_idx = torch.cat([idx, aux_idx], dim=1)
            all_vals = torch.cat([vals, aux_vals], dim=1)
        else:
            aux_vals = aux_idx = None
            all_idx, all_vals = idx, vals
        ctx.save_for_backward(x, weight, all_idx, all_vals)
        ctx.k = k
        ctx.has_aux = aux_vals is not None
        ctx.mark_non_differentiable(idx)
        if aux_idx is not None:
            ctx.mark_non_differentiable(aux_idx)
        return vals, idx, aux_vals, aux_idx

    @staticmethod
    def backward(ctx, g_vals, _g_idx, g_aux, _g_aux_idx):
        x, weight, all_idx, all_vals = ctx.saved_tensors
        if g_vals is None:
            g_vals = torch.zeros(all_idx.shape[0], ctx.k, dtype=x.dtype, device=x.device)
        g = g_vals
        if ctx.has_aux:
            if g_aux is None:
                g_aux = torch.zeros(all_idx.shape[0], all_idx.shape[1] - ctx.k, dtype=x.dtype, device=x.device)
            g = torch.cat([g_vals, g_aux], dim=1)
        # The ReLU's gradient: none where the selected value is 0 (Gloss's kernels skip those entries).
        g = (g * (all_vals > 0)).type_as(weight)
        # Scattered into a dense [B, m] gradient of the pre-activations (the forward's size), the
        # weight and input gradients are two GEMMs: faster than index_add over [B, k + k_aux, d]
        # products once AuxK selects hundreds of latents per row.
        dense = torch.zeros(x.shape[0], weight.shape[0], dtype=weight.dtype, device=weight.device)
        dense.scatter_add_(1, all_idx, g)
        grad_x = dense @ weight
        grad_w = dense.mT @ x
        grad_b = dense.sum(0)
        return grad_x, grad_w, grad_b, None, None, None


def encode(x: Tensor, weight: Tensor, bias: Tensor, k: int, dead_bias: Tensor | None, k_aux: int) -> Encoded:
    """TopK (and, with dead_bias, AuxK over the dead latents) of relu(x W^T + b)."""
    return Encoded(*TopKAuxEncoder.apply(x, weight, bias, k, dead_bias, k_aux))
