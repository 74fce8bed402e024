"""One package per domain (toy, image, sequence machinery, text, molecule): its task base class, nets,
features, metrics, plotting, and the facts the reports need about it."""
