"""Step `evaluate`: candidate versus champion on the golden set, with cached generations and paired statistics."""
