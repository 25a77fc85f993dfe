"""The `tuneline` command: lists the verbs that exist, forwards to the step, reports config errors cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import VERBS, main


def test_help_lists_every_verb():
    out = subprocess.run(
        [str(Path(sys.executable).parent / "tuneline"), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for verb in VERBS:
        assert verb in out


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_verb_reaches_a_real_entry_point(verb, capsys):
    """`tuneline <verb> --help` imports the step and prints its usage, exit status 0."""
    try:
        status = VERBS[verb][0](["--help"])
    except SystemExit as exc:  # argparse's --help
        status = exc.code
    assert status == 0 and "usage" in capsys.readouterr().out.lower()


def test_unknown_config_key_is_an_error_naming_it(capsys):
    config = Path(__file__).resolve().parents[2] / "configs" / "base_model.yaml"
    assert main(["base-model", "--config", str(config), "sepc=foo"]) == 2
    assert "unknown key 'sepc'" in capsys.readouterr().err


def test_unknown_verb_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fly"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_pipeline_override_flags_become_pipeline_parameters():
    """Each stage's `--<stage>-override` reaches the pipeline parameter of the same stage, in order."""
    import inspect

    from pipelines import kfp_cli
    from pipelines.pipeline import build_pipeline

    args = kfp_cli.build_parser().parse_args(
        ["run-local", "--train-override", "lora.r=4", "--align-override", "dpo.beta=0.2",
         "--align-override", "method=orpo", "--eval-override", "max_examples=8"]
    )  # fmt: skip
    arguments = kfp_cli._arguments(args)
    assert arguments["train_overrides"] == ["lora.r=4"]
    assert arguments["align_overrides"] == ["dpo.beta=0.2", "method=orpo"]
    assert arguments["eval_overrides"] == ["max_examples=8"]
    pipeline_params = set(inspect.signature(build_pipeline().pipeline_func).parameters)
    assert set(arguments) <= pipeline_params


def test_pipeline_feedback_flag_names_the_folder_align_trains_on(tmp_path, monkeypatch, capsys):
    """`--feedback` reaches `feedback_uri`: none by default, a local folder made absolute, a bucket URI as given;
    a file is refused (align reads a folder, and a file there would silently add nothing)."""
    from pipelines import kfp_cli

    def feedback_uri(*flags: str) -> str:
        return kfp_cli._arguments(kfp_cli.build_parser().parse_args(["run-local", *flags]))["feedback_uri"]

    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "pairs-1.jsonl").write_text("")
    monkeypatch.chdir(tmp_path)
    assert feedback_uri() == ""
    assert feedback_uri("--feedback", "feedback") == str(tmp_path / "feedback")
    assert feedback_uri("--feedback", "gs://bucket/feedback/") == "gs://bucket/feedback/"
    for wrong, what in (("feedback/pairs-1.jsonl", "is a file"), ("nowhere", "is missing")):
        with pytest.raises(SystemExit) as exc:
            feedback_uri("--feedback", wrong)
        assert exc.value.code == 2
        assert (
            f"{wrong} {what}: give the folder `tuneline feedback export` writes to" in capsys.readouterr().err
        )


def test_run_local_without_feedback_says_when_dvc_repro_would_use_some(tmp_path, monkeypatch, capsys):
    """Pairs in data/feedback are not picked up silently (explicit --feedback), but not ignored silently either."""
    from pipelines import kfp_cli

    monkeypatch.setattr(kfp_cli, "FEEDBACK", tmp_path)
    args = kfp_cli.build_parser().parse_args(["run-local"])
    kfp_cli.note_unused_feedback(args)
    assert capsys.readouterr().err == ""
    (tmp_path / "pairs-1.jsonl").write_text("")
    kfp_cli.note_unused_feedback(args)
    assert f"this run does not (add --feedback {tmp_path})" in capsys.readouterr().err
    kfp_cli.note_unused_feedback(
        kfp_cli.build_parser().parse_args(["run-local", "--feedback", str(tmp_path)])
    )
    assert capsys.readouterr().err == ""
