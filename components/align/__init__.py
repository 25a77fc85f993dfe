"""Step `align`: preference alignment of the SFT adapter (DPO by default; ORPO, KTO, RLHF with reward model + GRPO)."""
