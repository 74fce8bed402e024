"""The video domain: Moving-digits generation and prediction, a recurrent-latent generator, 3-D conv
critics, and metrics in feature spaces trained here (``fvd_local``, ``fid_frame``) plus per-frame
PSNR/SSIM of predictions (the image domain's ``psnr``/``ssim``). The literature's FVD (``fvd``, I3D
Kinetics-400 logits) is computed on request (``ganbench eval --metrics fvd``, ``evaluate(metrics=
["fvd"])``) when the user's I3D weights are on disk (``GANBENCH_I3D_WEIGHTS``, see
:mod:`ganbench.domains.video.i3d`); it is no task's default metric, so runs and tables never need it.

:data:`DOMAIN` declares what the metric registry, the reports and the suites need to know about it
(see :mod:`ganbench.core.domain`); nothing heavy is imported here. Sample pictures: each run saves a
strip of videos (``samples.png``, one row of frames per video), which the HTML report shows.
"""

from ganbench.core.domain import MAX, MIN, CollapseMetric, Domain, Metric
from ganbench.core.protocol import SAMPLE_COUNT

_VIDEO = "ganbench.domains.video.metrics:VideoMetrics"  # one pass: video features and frame features
_I3D = "ganbench.domains.video.metrics:I3DMetrics"  # I3D from a local weights file, on request

DOMAIN = Domain(
    name="video",
    summary="videos: Frechet video distance in a 3-D CNN trained on the task (not I3D), per-frame FID",
    metrics=(
        Metric("fvd_local", _VIDEO, MIN, "Frechet distance of the task's own 3-D CNN features (digits + motion) of generated vs test videos; not I3D FVD"),
        Metric("fid_frame", _VIDEO, MIN, "FID of single frames (all frames pooled) in the frames' own classifier vs the test frames"),
        Metric("recall_video", _VIDEO, MAX, "share of test videos inside the generated videos' k-NN manifold (k=3) in fvd_local's features"),
        Metric("coverage_video", _VIDEO, MAX, "share of test videos' k-NN balls (k=5, fvd_local's features) holding a generated video"),
        Metric("fvd", _I3D, MIN, "FVD of the literature: Frechet distance of I3D Kinetics-400 logits (mean over time, 224x224 "
               "frames); on request, with GANBENCH_I3D_WEIGHTS=pytorch-i3d's rgb_imagenet.pt", {"on_request": True}),
    ),
    # how much of the real distribution the generated videos reach
    collapse=(CollapseMetric("recall", MAX, ("recall_video",)), CollapseMetric("coverage", MAX, ("coverage_video",))),
    collapse_note="video: recall, coverage of whole videos in fvd_local's features",
    suite_objectives={"quick": ("ns", "hinge")},
    report_rank=5,
    protocol_variants=SAMPLE_COUNT,
)
