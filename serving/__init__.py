"""The serving layer: a thin control plane over the generation engine (see docs/serving.md)."""
