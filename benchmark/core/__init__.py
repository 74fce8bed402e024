"""The core every domain builds on and that names no domain: registries, errors, config, task spec,
data location, atomic writes, provenance and run records."""
