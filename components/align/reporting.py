"""What the align step writes besides the adapter: training logs, per-step curves for `dvc plots`, a figure.

Curves (one CSV each, columns `step,<name>`, so dvc.yaml can plot each with x: step, y: <name>):
- reward_margin.csv / reward_accuracy.csv: DPO/ORPO/KTO's implicit reward (chosen minus rejected, and the share
  of the batch where chosen wins) per step; for rlhf the reward model's margin and pairwise accuracy while it trains.
- kl.csv: rlhf: GRPO's per-token KL of its sampled answers to the SFT policy; kto: TRL's batch KL estimate.
  DPO samples nothing, so it has no KL estimate (and ORPO no reference): their file has the header only and
  the figure shows the implicit rewards of chosen and rejected answers (beta * log pi/pi_ref) instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from components.common.training_outputs import training_log_rows, write_training_log

CURVES = ("reward_margin", "reward_accuracy", "kl")


def log_rows(log_history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per-step rows of a trainer's log with TRL's `a/b` metric names written `a_b` (CSV and DVC friendly)."""
    return [{k.replace("/", "_"): v for k, v in row.items()} for row in training_log_rows(log_history)]


def curve_points(
    method: str, policy_rows: list[dict[str, Any]], reward_rows: list[dict[str, Any]]
) -> dict[str, list[tuple[int, float]]]:
    """(step, value) series of each curve for `method` (see module docstring)."""

    def series(rows, key):
        return [(int(r["step"]), float(r[key])) for r in rows if r.get(key) is not None]

    if method == "rlhf":
        return {
            "reward_margin": series(reward_rows, "margin"),
            "reward_accuracy": series(reward_rows, "accuracy"),
            "kl": series(policy_rows, "kl"),
        }
    return {
        "reward_margin": series(policy_rows, "rewards_margins"),
        "reward_accuracy": series(policy_rows, "rewards_accuracies"),
        "kl": series(policy_rows, "kl"),
    }


def write_curves(points: Mapping[str, list[tuple[int, float]]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in CURVES:
        path = folder / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["step", name])
            writer.writerows((step, round(value, 6)) for step, value in points.get(name, []))
        paths.append(path)
    return paths


def write_logs(
    policy_rows: list[dict[str, Any]], reward_rows: list[dict[str, Any]], root: Path
) -> list[Path]:
    """train_log.csv (the policy's steps) and, for rlhf, reward_log.csv (the reward model's steps)."""
    paths = [write_training_log(policy_rows, root / "train_log.csv")]
    if reward_rows:
        paths.append(write_training_log(reward_rows, root / "reward_log.csv"))
    return paths


def plot_alignment(
    points: Mapping[str, list[tuple[int, float]]], policy_rows: list[dict[str, Any]], path: Path, title: str
) -> Path:
    """Loss, reward margin, reward accuracy and KL over steps (implicit rewards where there is no KL)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def series(key):
        return [(int(r["step"]), float(r[key])) for r in policy_rows if r.get(key) is not None]

    rlhf = bool(series("reward"))  # rlhf: margin and accuracy are the reward model's, while it trains
    panels = [("loss", {"loss": series("loss")})]
    for name in CURVES[:2]:
        label = name.replace("reward_", "reward model: ") if rlhf else name.replace("_", " ")
        panels.append((label, {name: points.get(name, [])}))
    if rlhf:
        panels.append(("policy: mean reward of its samples", {"reward": series("reward")}))
    if points.get("kl"):
        panels.append(("KL to the SFT policy", {"kl": points["kl"]}))
    else:
        rewards = {"chosen": series("rewards_chosen"), "rejected": series("rewards_rejected")}
        panels.append(("implicit reward (no KL estimate)", rewards))
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6), dpi=100)
    for ax, (label, lines) in zip(axes, panels, strict=True):
        drawn = {name: values for name, values in lines.items() if values}
        for name, values in drawn.items():
            ax.plot([s for s, _ in values], [v for _, v in values], marker=".", label=name)
        if not drawn:
            ax.text(
                0.5, 0.5, "not measured\nfor this method", ha="center", va="center", transform=ax.transAxes
            )
        elif len(drawn) > 1:
            ax.legend()
        ax.set_title(label)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# Numbers that go to metrics.json (dvc metrics) and to MLflow as final.*, when the method produces them.
METRIC_KEYS = (
    "global_step", "mean_train_loss", "final_train_loss", "train_seconds", "seconds_per_step",
    "tokens_per_second", "trainable_parameters", "adapter_mb", "train_pairs", "held_out_pairs",
    "sft_preference_accuracy", "aligned_preference_accuracy", "preference_accuracy_gain",
    "sft_preference_margin", "aligned_preference_margin", "held_out_reward_accuracy", "held_out_reward_margin",
    "final_reward_margin", "final_reward_accuracy", "final_kl", "reward_model_held_out_accuracy",
    "reward_model_held_out_margin", "reward_model_train_accuracy", "reward_model_train_margin",
    "reward_model_global_step", "reward_model_train_seconds",
)  # fmt: skip


def write_outputs(
    method: str, root: Path, policy_rows: list, reward_rows: list, result: dict[str, Any]
) -> dict:
    """Logs, curves, figure and metrics.json into `root`; adds the final per-step values to `result`."""
    from components.common.training_outputs import folder_megabytes, write_metrics

    write_logs(policy_rows, reward_rows, root)
    points = curve_points(method, policy_rows, reward_rows)
    write_curves(points, root / "curves")
    plot_alignment(points, policy_rows, root / "alignment_curves.png", f"align: {method}")
    result["final_train_loss"] = round(policy_rows[-1]["loss"], 4) if policy_rows else None
    for name in CURVES:
        if points.get(name):
            result[f"final_{name}"] = round(points[name][-1][1], 4)
    result["adapter_mb"] = round(folder_megabytes(root / "adapter"), 2)
    metrics = {
        key: result[key]
        for key in METRIC_KEYS
        if isinstance(result.get(key), int | float) and not isinstance(result.get(key), bool)
    }
    write_metrics(metrics, root / "metrics.json")
    return metrics
