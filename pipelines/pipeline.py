"""The lifecycle as a Kubeflow pipeline, built from the same components DVC runs.

    tuneline pipeline compile --out tuneline-pipeline.yaml [--train-accelerator nvidia.com/gpu --train-gpus 1]
    tuneline pipeline run-local                       # kfp.local.SubprocessRunner: the whole DAG on this machine
    tuneline pipeline submit --host URL --run-name r1 # kfp.Client: a cluster

validate -> train -> align -> evaluate -> [gate passes] -> register -> promote. The YAML configs in configs/ are
read at compile time and passed as parameters, so the pipeline and `dvc repro` use the same settings; pipeline
parameters (data URIs, overrides) are the knobs users change per run. `feedback_uri` names a folder of pairs from
`tuneline feedback export` (what `dvc repro` reads from data/feedback) for align's training side; empty: none.
"""

from dataclasses import dataclass
from pathlib import Path

from kfp import dsl
from kfp.dsl import Dataset, Output

from components.align.component import align_op
from components.common.images import COMPONENT_IMAGE
from components.evaluate_model.component import evaluate_op
from components.finetune_lora.component import finetune_lora_op
from components.register.component import gate_op, promote_op, register_op
from components.validate_data.component import validate_data_op

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Resources:
    """Per-step resource requests (compile-time: Kubernetes needs them in the spec)."""

    cpu: str = "2"
    memory: str = "8G"
    train_cpu: str = "4"
    train_memory: str = "16G"
    train_accelerator: str = ""  # e.g. nvidia.com/gpu
    train_gpus: int = 0
    train_retries: int = 2
    tracking_uri: str = ""  # TUNELINE_TRACKING_URI for every task (an MLflow server on a cluster)


@dsl.component(base_image=COMPONENT_IMAGE)
def feedback_source_op(feedback_uri: str, no_feedback: Output[Dataset]) -> str:
    """The URI of the feedback folder align reads: `feedback_uri` when given, else `no_feedback`, an empty folder.

    Pipeline plumbing: an input artifact cannot be optional at run time (kfp.local runs no dsl.OneOf of
    artifacts), so the pipeline always imports a folder and "no feedback" is an empty one.
    """
    from pathlib import Path

    Path(no_feedback.path).mkdir(parents=True, exist_ok=True)
    (Path(no_feedback.path) / "README.txt").write_text("no feedback pairs were given to this pipeline run\n")
    return feedback_uri or no_feedback.uri


def read_config(name: str, configs_dir: Path = REPO / "configs") -> str:
    return (configs_dir / f"{name}.yaml").read_text()


def build_pipeline(resources: Resources = Resources(), configs_dir: Path = REPO / "configs"):
    """Return the pipeline function (resources and configs are baked in at compile time)."""

    def sized(task: dsl.PipelineTask, cpu: str, memory: str) -> dsl.PipelineTask:
        task.set_cpu_request(cpu).set_memory_request(memory)
        if resources.tracking_uri:
            task.set_env_variable("TUNELINE_TRACKING_URI", resources.tracking_uri)
        return task

    @dsl.pipeline(
        name="tuneline-lifecycle", description="validate, LoRA fine-tune, align, evaluate, register, promote"
    )
    def lifecycle(
        sft_uri: str,
        preference_uri: str,
        golden_uri: str,
        base_model: str = "smollm2-135m-instruct",
        train_overrides: list = [],  # noqa: B006 - KFP parameters need literal defaults
        eval_overrides: list = [],  # noqa: B006
        align_overrides: list = [],  # noqa: B006
        feedback_uri: str = "",
    ):
        # Config files are constants of the compiled pipeline (the same YAML `dvc repro` uses); per-run knobs are
        # the `*_overrides` parameters. (Multi-line text cannot be a parameter default: kfp's header breaks.)
        validate_config = read_config("validate_data", configs_dir)
        train_config, eval_config = read_config("train", configs_dir), read_config("evaluate", configs_dir)
        align_config = read_config("align", configs_dir)
        register_config, promote_config = (
            read_config("register", configs_dir),
            read_config("promote", configs_dir),
        )
        sft = dsl.importer(artifact_uri=sft_uri, artifact_class=Dataset, reimport=False)
        preference = dsl.importer(artifact_uri=preference_uri, artifact_class=Dataset, reimport=False)
        golden = dsl.importer(artifact_uri=golden_uri, artifact_class=Dataset, reimport=False)
        source = feedback_source_op(feedback_uri=feedback_uri).set_display_name("feedback pairs")
        source.set_cpu_request("100m").set_memory_request("256M")
        feedback = dsl.importer(artifact_uri=source.outputs["Output"], artifact_class=Dataset, reimport=False)
        validate = sized(
            validate_data_op(
                sft=sft.output,
                preference=preference.output,
                golden=golden.output,
                base_model=base_model,
                config_yaml=validate_config,
            ),
            resources.cpu,
            resources.memory,
        ).set_display_name("validate data")
        with dsl.If(validate.outputs["Output"] == True, name="data-valid"):  # noqa: E712 - a KFP condition, not Python
            train = finetune_lora_op(
                sft_data=sft.output,
                config_yaml=train_config,
                overrides=train_overrides,
            ).set_display_name("LoRA fine-tune")
            sized(train, resources.train_cpu, resources.train_memory).set_retry(resources.train_retries)
            if resources.train_accelerator and resources.train_gpus:
                train.set_accelerator_type(resources.train_accelerator).set_accelerator_limit(
                    resources.train_gpus
                )
            align = align_op(
                trained=train.outputs["trained"],
                preference_data=preference.output,
                feedback=feedback.output,
                config_yaml=align_config,
                overrides=align_overrides,
            ).set_display_name("preference alignment")
            sized(align, resources.train_cpu, resources.train_memory).set_retry(resources.train_retries)
            if resources.train_accelerator and resources.train_gpus:
                align.set_accelerator_type(resources.train_accelerator).set_accelerator_limit(
                    resources.train_gpus
                )
            evaluate = sized(
                evaluate_op(
                    candidate=align.outputs["aligned"],
                    golden=golden.output,
                    preference=preference.output,
                    config_yaml=eval_config,
                    overrides=eval_overrides,
                ),
                resources.train_cpu,
                resources.train_memory,
            ).set_display_name("evaluate vs champion")
            gate = sized(
                gate_op(eval_report=evaluate.outputs["evaluation"], config_yaml=promote_config),
                resources.cpu,
                resources.memory,
            ).set_display_name("promotion gate")
            with dsl.If(gate.output == "pass", name="gate-passed"):
                register = sized(
                    register_op(
                        trained=align.outputs["aligned"],
                        eval_report=evaluate.outputs["evaluation"],
                        config_yaml=register_config,
                    ),
                    resources.cpu,
                    resources.memory,
                ).set_display_name("register version")
                sized(
                    promote_op(version=register.outputs["Output"], config_yaml=promote_config),
                    resources.cpu,
                    resources.memory,
                ).set_display_name("promote champion").set_caching_options(False)
                register.set_caching_options(False)  # registering twice must be a decision, not a cache hit

    return lifecycle


def compile_pipeline(out: Path, resources: Resources = Resources()) -> Path:
    from kfp import compiler

    compiler.Compiler().compile(build_pipeline(resources), str(out))
    return out
