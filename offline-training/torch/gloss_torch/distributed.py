"""torch.distributed set-up for `--nproc N`: one process per rank (started by torchrun), gloo on
CPU, NCCL on CUDA, and the sum/max all-reduces the trainer needs (no-ops with one rank)."""

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class Ranks:
    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_ranks(device: str) -> Ranks:
    """Joins the process group torchrun describes (WORLD_SIZE > 1), else a single rank."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SystemExit("gloss-torch: --device cuda but torch.cuda.is_available() is False on this host")
        dev = torch.device("cuda", local % torch.cuda.device_count())
        torch.cuda.set_device(dev)
    else:
        dev = torch.device("cpu")
    if world > 1:
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    return Ranks(rank, world, dev)


def all_sum(t: torch.Tensor) -> torch.Tensor:
    """Sums t over the ranks, in place."""
    if dist.is_initialized():
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def all_max(t: torch.Tensor) -> torch.Tensor:
    """Element-wise maximum over the ranks, in place."""
    if dist.is_initialized():
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t


def broadcast_(t: torch.Tensor) -> torch.Tensor:
    """Rank 0's t on every rank, in place."""
    if dist.is_initialized():
        dist.broadcast(t, src=0)
    return t


def shutdown() -> None:
    """Leaves the process group once every rank is done (rank 0 writes the results last)."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
