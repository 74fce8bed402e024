"""The task registry: one line per task, ``"name": "module:Class"``, imported on first use."""

from benchmark.registry import Registry

TASKS = Registry("task")

# name                      target                                   one-line summary
TASKS.register("toy/ring8", "tasks.toy_ring8:Ring8", "8 Gaussians on a circle (radius 1, sigma 0.01; VEEGAN/PacGAN protocol)")
TASKS.register("toy/grid25", "tasks.toy_grid25:Grid25", "25 Gaussians on {-4,-2,0,2,4}^2 (sigma 0.05; VEEGAN/PacGAN protocol)")
