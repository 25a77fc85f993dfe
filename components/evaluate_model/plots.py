"""The comparison chart: headline metrics side by side, the primary metric per slice, the bootstrap spread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from components.evaluate_model.stats import bootstrap_means

HEADLINE = ("rouge_l", "token_f1", "exact_match", "preference_accuracy", "guardrail_rate", "truncated_rate")


def comparison_chart(report: dict[str, Any], deltas: list[float], path: str | Path) -> Path:
    """Three panels (PNG): metrics in [0, 1] for both models, primary metric per category, bootstrap histogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cand, champ = report["candidate"], report["champion"]
    primary = report["primary"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), dpi=100)
    names = [m for m in HEADLINE if m in cand["metrics"] and m in champ["metrics"]]
    _grouped_bars(axes[0], names, [champ["metrics"][m] for m in names], [cand["metrics"][m] for m in names])
    axes[0].set_title("metrics (share or score, 0-1)")
    axes[0].set_ylim(0, 1.05)
    slices = report["slices"]["results"]
    cats = sorted(slices)
    _grouped_bars(
        axes[1], cats, [slices[c]["champion"] for c in cats], [slices[c]["candidate"] for c in cats]
    )
    axes[1].set_title(f"{primary['metric']} by {report['slices']['by']}")
    means = bootstrap_means(np.asarray(deltas, dtype=float), primary["resamples"], primary["seed"])
    axes[2].hist(means, bins=40, color="tab:gray", alpha=0.8)
    for x, style in ((primary["ci_low"], "--"), (primary["ci_high"], "--"), (primary["delta"], "-")):
        axes[2].axvline(x, color="tab:red", linestyle=style)
    axes[2].axvline(0, color="black", linewidth=0.8)
    axes[2].set_title(
        f"{primary['metric']} delta {primary['delta']:+.3f}, {primary['confidence']:.0%} CI "
        f"[{primary['ci_low']:+.3f}, {primary['ci_high']:+.3f}]"
    )
    axes[2].set_xlabel(f"bootstrap mean delta (candidate - champion), {primary['resamples']} resamples")
    fig.suptitle(f"candidate {cand['label']}  vs  champion {champ['label']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def _grouped_bars(ax, labels: list[str], champion: list[float], candidate: list[float]) -> None:
    x = np.arange(len(labels))
    ax.bar(x - 0.2, champion, width=0.4, label="champion", color="tab:orange")
    ax.bar(x + 0.2, candidate, width=0.4, label="candidate", color="tab:blue")
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
