"""Step `train`: LoRA supervised fine-tuning (TRL SFTTrainer + peft) with MLflow tracking and crash-safe resume."""
