"""Config of the `base_model` step (defaults in configs/base_model.yaml)."""

from pydantic import Field

from components.common.config import StepConfig


class BaseModelConfig(StepConfig):
    """Resolve the base model and record its content hash for every later step's lineage."""

    spec: str = Field(
        "smollm2-135m-instruct",
        description="Built-in name, local .gguf file or local transformers folder (safetensors).",
    )
    out_dir: str = Field("artifacts/base_model", description="Where base_model.json is written.")
    sanity_prompt: str = Field(
        "What is the capital of France?",
        description="Asked once with greedy decoding to prove the model loads and answers.",
    )
    max_new_tokens: int = Field(24, ge=1, le=512, description="Length cap of the sanity answer.")
