"""Step `validate_data`: great-expectations gate on SFT, preference and evaluation data (runs first)."""
