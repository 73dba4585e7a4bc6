"""The PyTorch quality anchor with a learning rate that descends to its deadline, as `gatelane train --time`
does with `--lr-schedule cosine`, `linear` or `cooldown`.

    deadline_schedule.py ANCHOR --schedule cosine|linear|cooldown [the anchor's own options, --seconds S among them]

The anchor (../shared/anchors/pytorch/charlstm_quality.py) trains at a constant rate and is not ours to edit, so
this runs it unchanged with one substitution: its Adam sets each step's rate from the wall time since its first
step, lr · (1 + cos(π·f)) / 2 for cosine, lr · (1 − f) for linear and lr · min(1, (1 − f) / 0.2) for cooldown
(constant, then linear to 0 over the last fifth), f the share of the budget spent (capped at 1). Run it without
--eval-every: the anchor's budget leaves its validations out, and this clock does not. Gatelane
counts its budget from the JVM's start, so at equal budgets the anchor's descent is, if anything, the gentler.
"""
import math
import runpy
import sys
import time

import torch

anchor, arguments = sys.argv[1], sys.argv[2:]
if "--schedule" not in arguments or "--seconds" not in arguments:
    sys.exit("usage: deadline_schedule.py ANCHOR --schedule cosine|linear|cooldown --seconds S [anchor options]")
at = arguments.index("--schedule")
schedule = arguments[at + 1]
del arguments[at:at + 2]
# The share of the budget the cooldown descends over: TrainingSchedule.COOLDOWN_SHARE.
COOLDOWN_SHARE = 0.2
factors = {
    "cosine": lambda spent: (1 + math.cos(math.pi * spent)) / 2,
    "linear": lambda spent: 1 - spent,
    "cooldown": lambda spent: min(1.0, (1 - spent) / COOLDOWN_SHARE),
}
if schedule not in factors:
    sys.exit(f"--schedule must be one of {', '.join(factors)}, not {schedule}")
budget = float(arguments[arguments.index("--seconds") + 1])


class DeadlineAdam(torch.optim.Adam):
    """Adam whose rate descends with the wall time spent of the budget."""

    def __init__(self, params, lr, **options):
        super().__init__(params, lr=lr, **options)
        self.base_lr = lr
        self.started = None

    def step(self, closure=None):
        now = time.perf_counter()
        self.started = self.started or now
        spent = min(1.0, (now - self.started) / budget)
        factor = factors[schedule](spent)
        for group in self.param_groups:
            group["lr"] = self.base_lr * factor
        return super().step(closure)


torch.optim.Adam = DeadlineAdam
sys.argv = [anchor] + arguments
runpy.run_path(anchor, run_name="__main__")
