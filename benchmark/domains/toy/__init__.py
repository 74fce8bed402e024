"""The toy domain: 2-D Gaussian mixtures (ring8, grid25) and their mode-coverage metrics (VEEGAN/PacGAN)."""
