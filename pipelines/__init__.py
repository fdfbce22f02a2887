"""Item pipelines, one per module: normalize, validate, dedupe."""
