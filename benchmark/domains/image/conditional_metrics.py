"""Metrics of class-conditional image generators: intra-FID, classifier accuracy and CAS.

They read each image with the label the generator was asked for (``takes_labels``):

* ``intra_fid`` (Miyato & Koyama, ICLR 2018): for every class, the FID between the generated
  images asked for that class and the reference split's images of that class, in the task's
  feature extractor (the ``extractor`` option, as FID); the mean over classes. It is low only when
  each class is right, so a generator that ignores the label scores far worse here than on FID.
* ``class_accuracy``: the share of generated images the task's domain classifier (the one whose
  features the image metrics use, trained on the real training split) assigns to the requested
  class; its accuracy on the real test split is the ceiling, in the details.
* ``cas``, Classification Accuracy Score (Ravuri & Vinyals, NeurIPS 2019): a classifier trained on
  the generated images and their requested labels only, by the domain classifier's own recipe
  (the same network, optimiser, seed and number of epochs), then tested on the real test split.
  The details give the same recipe's accuracy on as many real training images (the first n of a
  class-stratified order; cached): the value a perfect generator would reach at this sample
  count. Trained on the whole real training split the recipe *is* the domain classifier, so CAS
  of the real training set equals the classifier's test accuracy (tests/test_conditional.py).
"""

from __future__ import annotations

import numpy as np

from ganbench.core.labelled import Labelled
from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue
from ganbench.metrics.frechet import frechet_distance, gaussian_stats


def intra_fid(feats: np.ndarray, labels: np.ndarray, ref_feats: np.ndarray, ref_labels: np.ndarray) -> tuple[float, dict]:
    """Mean over the classes present in both sets of the per-class Fréchet distance; and the per-class values."""
    per_class = {}
    for c in sorted(set(np.unique(labels)) & set(np.unique(ref_labels))):
        mu, sigma = gaussian_stats(feats[labels == c])
        mu_r, sigma_r = gaussian_stats(ref_feats[ref_labels == c])
        per_class[int(c)] = float(frechet_distance(mu, sigma, mu_r, sigma_r))
    if not per_class:
        raise ValueError("intra-FID needs samples of at least one class of the reference split")
    return float(np.mean(list(per_class.values()))), per_class


def stratified_order(labels: np.ndarray) -> np.ndarray:
    """Indices that take the classes in turn (the first n hold every class as evenly as possible)."""
    by_class = [list(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    order = []
    for i in range(max(len(b) for b in by_class)):
        order += [b[i] for b in by_class if i < len(b)]
    return np.asarray(order, dtype=np.int64)


def classification_accuracy_score(task, images: np.ndarray, labels: np.ndarray) -> float:
    """The domain classifier's recipe trained on (images, labels), its accuracy on the real test split."""
    from ganbench.domains.image.features.classifier import SEED, train_classifier

    _, _, x_test, y_test = task.classifier_data()
    _, meta = train_classifier(images, labels, x_test, y_test, int(task.classifier_epochs), SEED)
    return float(meta["test_accuracy"])


def real_cas(task, n: int) -> float:
    """CAS of ``n`` real training images (class-stratified), cached by (task, version, n)."""
    from ganbench.engine.refcache import RefKey, ReferenceCache

    spec = getattr(task, "data_spec", task.spec)
    key = RefKey(spec.name, spec.version, "cas-real", split="train", n=n)

    def compute() -> dict:
        x, y, _, _ = task.classifier_data()
        idx = stratified_order(y)[:n]
        return {"accuracy": np.array(classification_accuracy_score(task, x[idx], y[idx]))}

    return float(ReferenceCache().get(key, compute, ("accuracy",))["accuracy"])


class ConditionalImageMetrics(MetricFamily):
    """intra_fid, class_accuracy, cas of labelled generated images (one feature pass; CAS trains a classifier).

    Options: ``extractor`` (intra-FID's feature space; default the task's, as FID), ``device``.
    """

    provides = {"intra_fid": MIN, "class_accuracy": MAX, "cas": MAX}
    takes_labels = True

    def reset(self) -> None:
        self._images: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []

    def update(self, batch) -> None:
        if not isinstance(batch, Labelled):
            raise ValueError(f"{', '.join(self.metrics)} score images with the labels they were generated for: "
                             f"{self.task.spec.name} decodes to Labelled samples, got {type(batch).__name__}")
        self._images.append(np.asarray(batch.samples))
        self._labels.append(np.asarray(batch.labels))

    def _extractor(self, name: str):
        from ganbench.domains.image.features import build_extractor

        device = self.options.get("device")
        return build_extractor(name, self.task) if device is None else build_extractor(name, self.task, device)

    def compute(self) -> dict[str, MetricValue]:
        from ganbench.domains.image.metrics import _extract, reference_features

        if not self._images:
            raise ValueError("conditional image metrics need samples: update() was never given any")
        images, labels = np.concatenate(self._images), np.concatenate(self._labels)
        n = len(labels)
        out: dict[str, MetricValue] = {}
        base = {"n": n, "n_classes": int(len(np.unique(labels)))}
        if "intra_fid" in self.metrics:
            extractor = self._extractor(self.options.get("extractor") or getattr(self.task, "default_extractor", "inception-v3"))
            feats, _ = _extract(extractor, images)
            ref = reference_features(self.task, extractor)
            ref_labels = self.task.reference_labels()
            value, per_class = intra_fid(feats, labels, ref["features"], ref_labels)
            out["intra_fid"] = MetricValue(value, MIN, {**base, "extractor": extractor.name, **getattr(extractor, "details", {}),
                                                        "reference": f"{self.task.spec.reference_split} split, per class",
                                                        "n_reference": len(ref_labels),
                                                        # this run's own numbers ("run": not part of a column's protocol)
                                                        "run": {"per_class": {str(k): round(v, 4) for k, v in per_class.items()}}})
        if "class_accuracy" in self.metrics:
            classifier = self._extractor("classifier")
            _, logits = _extract(classifier, images)
            acc = float((logits.argmax(axis=1) == labels).mean())
            out["class_accuracy"] = MetricValue(acc, MAX, {**base, "classifier": classifier.name,
                                                           **getattr(classifier, "details", {})})
        if "cas" in self.metrics:
            cas = classification_accuracy_score(self.task, images, labels)
            out["cas"] = MetricValue(cas, MAX, {**base, "recipe": f"domain classifier's ({self.task.classifier_epochs} "
                                                                 f"epochs, seed 0), tested on the real test split",
                                                "real_at_n": round(real_cas(self.task, n), 4)})
        return out
