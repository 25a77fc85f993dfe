"""The `tuneline` command: lists the verbs that exist, forwards to the step, reports config errors cleanly."""

from __future__ import annotations

import importlib
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
def test_every_verb_has_a_real_entry_point(verb):
    module_name, _, function = VERBS[verb][0].partition(":")
    assert callable(getattr(importlib.import_module(module_name), function or "main"))


def test_unknown_config_key_is_an_error_naming_it(capsys):
    config = Path(__file__).resolve().parents[2] / "configs" / "base_model.yaml"
    assert main(["base-model", "--config", str(config), "sepc=foo"]) == 2
    assert "unknown key 'sepc'" in capsys.readouterr().err


def test_unknown_verb_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fly"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
