"""The learning-rate schedule of sae/trainer.ts's learningRate: linear warm-up, constant, then a
linear decay to 0 over the last decay_fraction of the steps."""


def learning_rate(lr: float, steps: int, warmup_steps: int, decay_fraction: float, step: int) -> float:
    """The learning rate at 0-based `step` (the step about to run)."""
    f = 1.0
    if warmup_steps > 0 and step < warmup_steps:
        f = (step + 1) / warmup_steps
    decay_steps = _js_round(decay_fraction * steps)
    decay_start = steps - decay_steps
    if decay_steps > 0 and step >= decay_start:
        f = min(f, (steps - step) / (decay_steps + 1))
    return lr * f


def _js_round(v: float) -> int:
    """Math.round: halves round up (Python's round goes to even)."""
    import math

    return math.floor(v + 0.5)
