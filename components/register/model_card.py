"""Markdown model card for a registered version: where it came from, how it scored, what it is for."""

from __future__ import annotations

from typing import Any


def render_model_card(
    name: str,
    record: dict[str, Any],
    lineage: dict[str, str],
    base_uri: str,
    evaluation: dict[str, Any] | None,
    intended_use: str,
    limitations: str,
) -> str:
    """The card is a pure function of its inputs, so it can be tested and re-rendered."""
    lines = [
        f"# {name}",
        "",
        f"LoRA adapter ({record.get('method', 'sft')}) over base `{record.get('base_model')}`, registered as {base_uri}.",
        "The version holds the adapter, tokenizer, system prompt and generation defaults; the base is a reference.",
        "",
        "## Lineage",
        "",
        "| what | value |",
        "|---|---|",
        *[f"| {key} | `{value}` |" for key, value in sorted(lineage.items())],
        "",
        "## System prompt and generation defaults",
        "",
        f"> {record.get('system_prompt') or '(none)'}",
        "",
        f"`{record.get('generation') or {}}`",
        "",
        "## Evaluation",
        "",
    ]
    if evaluation:
        lines += [
            f"Compared with {evaluation['champion_label']} on the golden set "
            f"(paired bootstrap, 95% interval of the mean delta):",
            "",
            "| metric | candidate | champion | delta |",
            "|---|---|---|---|",
        ]
        for metric, cand in sorted(evaluation["candidate"].items()):
            champ = evaluation["champion"].get(metric)
            delta = "" if champ is None else f"{cand - champ:+.4f}"
            lines.append(f"| {metric} | {cand:.4f} | {'' if champ is None else f'{champ:.4f}'} | {delta} |")
        lines += [
            "",
            f"Primary metric `{evaluation['primary_metric']}`: delta {evaluation['delta']:+.4f}, "
            f"95% CI [{evaluation['ci_low']:+.4f}, {evaluation['ci_high']:+.4f}].",
        ]
    else:
        lines.append("Not evaluated before registration.")
    lines += ["", "## Intended use", "", intended_use, "", "## Limitations", "", limitations, ""]
    return "\n".join(lines)
