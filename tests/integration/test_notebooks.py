"""The notebooks are executed, not decoration: quickstart on the tiny model, then compare_versions on its store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.integration
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(name: str) -> nbformat.NotebookNode:
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    return book


def outputs_text(book: nbformat.NotebookNode) -> str:
    parts = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_quickstart_then_compare_versions(tmp_path, monkeypatch, tiny_model_dir):
    monkeypatch.setenv("TUNELINE_NOTEBOOK_BASE", str(tiny_model_dir))
    monkeypatch.setenv("TUNELINE_NOTEBOOK_WORKDIR", str(tmp_path))
    monkeypatch.setenv("TUNELINE_NOTEBOOK_MODEL", "quickstart-assistant")
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlartifacts"))
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path / "cache"))
    quick = outputs_text(execute("quickstart.ipynb"))
    assert "validation passed" in quick and "registered models:/quickstart-assistant/1" in quick
    compare = execute("compare_versions.ipynb")
    shown = outputs_text(compare)
    assert "champion" in shown and "rouge_l" in shown
    assert any(
        out.get("output_type") == "display_data" and "image/png" in out.get("data", {})
        for cell in compare.cells
        for out in cell.get("outputs", [])
    )
