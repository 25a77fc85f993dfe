"""KFP component: the `base_model` step as a pipeline task (logic lives in core.run)."""

from kfp import dsl
from kfp.dsl import Artifact, Output

from components.common.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE)
def base_model_op(spec: str, base_model: Output[Artifact]) -> str:
    """Resolve the base model, write base_model.json into the artifact folder, return its sha256."""
    from components.base_model.config import BaseModelConfig
    from components.base_model.core import run
    from components.common.step import offline_environment

    offline_environment()
    result = run(BaseModelConfig(spec=spec, out_dir=base_model.path))
    base_model.metadata.update({"sha256": result["sha256"], "spec": spec})
    return result["sha256"]
