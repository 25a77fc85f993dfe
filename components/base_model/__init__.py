"""Step `base_model`: resolve the base model offline, record its identity, check it generates."""
