"""Video nets: a generator with a recurrent motion latent (MoCoGAN), 3-D convolutional critics
(TGAN / DVD-GAN's temporal discriminator), and a frame predictor with a context encoder.

* ``recurrent-video-generator`` (Tulyakov et al. 2018, MoCoGAN): a content code z_c (``latent_dim``)
  held for the whole video and a motion code per frame from a GRU driven by fresh noise; each frame
  is decoded from (z_c, h_t) by a DCGAN-style 2-D decoder shared across frames.
* ``conv3d-discriminator``: stride-2 3-D convolutions over (time, height, width), LeakyReLU(0.2),
  no batch norm (per-sample penalties), optional spectral norm, one linear score. On prediction
  tasks it scores the whole video, context and continuation stacked in time (a conditional critic).
* ``context-video-predictor``: a 2-D conv encoder per context frame, a GRU over the context, then
  the GRU rolled on over the future frames driven by noise, decoded by the same kind of decoder.

Raw samples are N×C×T×H×W floats in [-1, 1]; H and W divisible by 4.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganbench.core.device import randn
from ganbench.core.errors import UserError
from ganbench.domains.conditional.nets import ConditionalGenerator
from ganbench.nets.latent import LatentGenerator

VIDEOS, FUTURES = "videos", "video-futures"
MOTION_DIM = 16


def video_shape(task, net: str, kinds: tuple[str, ...]) -> tuple[int, int, int, int]:
    """(T, H, W, C) of a video task of one of ``kinds``."""
    shape = getattr(task, "shape", None)
    if task.spec.sample_kind not in kinds or shape is None or len(shape) != 4:
        raise UserError(f"{net} builds for {' or '.join(kinds)} tasks, not {task.spec.name} ({task.spec.sample_kind}): "
                        f"choose a net for {task.spec.sample_kind} (ganbench list shows the nets)")
    t, h, w, c = (int(x) for x in shape)
    if h % 4 or w % 4:
        raise UserError(f"{net} needs frames with H and W divisible by 4, got {h}x{w}")
    return t, h, w, c


class FrameDecoder(nn.Module):
    """A code per frame -> a frame in [-1, 1]: linear to a (H/4 × W/4) map, two transposed convs."""

    def __init__(self, code: int, channels: int, height: int, width: int, base: int):
        super().__init__()
        self.c0, self.h0, self.w0 = 2 * base, height // 4, width // 4
        self.project = nn.Sequential(nn.Linear(code, self.c0 * self.h0 * self.w0), nn.BatchNorm1d(self.c0 * self.h0 * self.w0), nn.ReLU())
        self.net = nn.Sequential(nn.ConvTranspose2d(2 * base, base, 4, 2, 1), nn.BatchNorm2d(base), nn.ReLU(),
                                 nn.ConvTranspose2d(base, channels, 4, 2, 1), nn.Tanh())

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """N×T×code -> N×C×T×H×W."""
        n, t, _ = codes.shape
        frames = self.net(self.project(codes.reshape(n * t, -1)).view(n * t, self.c0, self.h0, self.w0))
        return frames.view(n, t, *frames.shape[1:]).transpose(1, 2)


class RecurrentVideoGenerator(LatentGenerator):
    role = "generator"
    sample_kinds = (VIDEOS,)
    sample_batch = 250

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: latent_dim (content code), g_ch (decoder channels), g_hidden (GRU units)."""
        t, h, w, c = video_shape(task, "recurrent-video-generator", (VIDEOS,))
        return cls(int(cfg["latent_dim"]), t, c, h, w, int(cfg["g_ch"]), int(cfg["g_hidden"]))

    def __init__(self, content_dim: int, frames: int, channels: int, height: int, width: int, base: int = 32,
                 hidden: int = 64):
        super().__init__()
        self.content_dim, self.frames = content_dim, frames
        self.latent_dim = content_dim + frames * MOTION_DIM  # one draw holds the content and every frame's motion noise
        self.h0 = nn.Linear(content_dim, hidden)
        self.gru = nn.GRU(MOTION_DIM, hidden, batch_first=True)
        self.decode = FrameDecoder(content_dim + hidden, channels, height, width, base)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        content, motion = z[:, :self.content_dim], z[:, self.content_dim:].view(len(z), self.frames, MOTION_DIM)
        h, _ = self.gru(motion, torch.tanh(self.h0(content))[None])
        return self.decode(torch.cat([content[:, None].expand(-1, self.frames, -1), h], -1))


class Conv3DDiscriminator(nn.Module):
    role = "discriminator"
    sample_kinds = (VIDEOS, FUTURES)

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: d_ch (channels of the first layer, doubled per stage), spectral_norm."""
        t, h, w, c = video_shape(task, "conv3d-discriminator", (VIDEOS, FUTURES))
        return cls(c, t, h, w, int(cfg["d_ch"]), bool(cfg["spectral_norm"]))

    def __init__(self, channels: int, frames: int, height: int, width: int, base: int = 32, spectral_norm: bool = False):
        super().__init__()
        wrap = _sn if spectral_norm else (lambda m: m)
        self.net = nn.Sequential(
            wrap(nn.Conv3d(channels, base, (3, 4, 4), (1, 2, 2), (1, 1, 1))), nn.LeakyReLU(0.2),
            wrap(nn.Conv3d(base, 2 * base, 4, 2, 1)), nn.LeakyReLU(0.2),
            wrap(nn.Conv3d(2 * base, 4 * base, (3, 4, 4), (1, 2, 2), (1, 1, 1))), nn.LeakyReLU(0.2),
            nn.Flatten())
        with torch.no_grad():
            size = self.net(torch.zeros(1, channels, frames, height, width)).shape[1]
        self.score = wrap(nn.Linear(size, 1))

    def forward(self, *videos: torch.Tensor) -> torch.Tensor:
        """One score per video; given (context, continuation), of the two stacked in time."""
        x = videos[0] if len(videos) == 1 else torch.cat(videos, dim=2)
        return self.score(self.net(x)).squeeze(-1)


class ContextVideoPredictor(ConditionalGenerator):
    sample_kinds = (FUTURES,)
    sample_batch = 250

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: g_ch (encoder/decoder channels), g_hidden (GRU units)."""
        t, h, w, c = video_shape(task, "context-video-predictor", (FUTURES,))
        return cls(int(task.context_frames), t - int(task.context_frames), c, h, w, int(cfg["g_ch"]), int(cfg["g_hidden"]))

    def __init__(self, context: int, future: int, channels: int, height: int, width: int, base: int = 32, hidden: int = 128):
        super().__init__()
        self.context, self.future = context, future
        self.encode = nn.Sequential(nn.Conv2d(channels, base, 4, 2, 1), nn.LeakyReLU(0.2),
                                    nn.Conv2d(base, 2 * base, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
                                    nn.Linear(2 * base * (height // 4) * (width // 4), hidden), nn.LeakyReLU(0.2))
        self.gru = nn.GRU(hidden + MOTION_DIM, hidden, batch_first=True)
        self.decode = FrameDecoder(hidden, channels, height, width, base)

    def noise(self, cond: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        return randn((len(cond), self.future, MOTION_DIM), generator=rng, device=cond.device)

    def forward(self, cond: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """cond N×C×k×H×W (context frames) -> N×C×(T-k)×H×W predicted frames."""
        n, c, k, h, w = cond.shape
        feats = self.encode(cond.transpose(1, 2).reshape(n * k, c, h, w)).view(n, k, -1)
        if noise is None:
            noise = cond.new_zeros(n, self.future, MOTION_DIM)
        _, state = self.gru(torch.cat([feats, feats.new_zeros(n, k, MOTION_DIM)], -1))
        last, outs = feats[:, -1:], []
        for t in range(self.future):  # roll on: each step reads the previous step's output code
            out, state = self.gru(torch.cat([last, noise[:, t:t + 1]], -1), state)
            outs.append(out)
            last = out
        return self.decode(torch.cat(outs, 1))
