"""Non-learned reference points of the restoration tasks, scored by the tasks' own metrics:
super-resolution by bicubic upsampling of the LR input (torch, align_corners=False: what the U-Net
starts from), inpainting by leaving the block mid-grey. Writes results/restoration/baselines.txt."""

from pathlib import Path

import torch

from ganbench.domains.image.io import from_generator
from ganbench.engine.evaluator import evaluate_samples
from ganbench.tasks import TASKS

torch.set_num_threads(1)
lines = []
for name in ("image/sr4x-fashion-mnist", "image/inpaint-fashion-mnist"):
    task = TASKS.get(name)()
    cond = torch.from_numpy(task.test_conditions_uint8())
    images = from_generator(task.condition_input(cond)[:, :task.shape[2]])
    m = evaluate_samples(task, images)
    what = "bicubic upsampling" if "sr4x" in name else "centre block left mid-grey"
    lines.append(f"{name:28s} {what:28s} " + "  ".join(f"{k} {v.value:.4f}" for k, v in m.items())
                 + f"  (n={m['psnr'].details['n']})")
    print(lines[-1], flush=True)
Path(__file__).with_name("baselines.txt").write_text("\n".join(lines) + "\n")
