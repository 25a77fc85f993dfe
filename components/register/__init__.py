"""Step `register`: adapter-only MLflow versions with lineage, gated promotion by alias, audit, rollback."""
