"""Markdown model card for a registered version (its description in the MLflow UI): what it is, the primary
metric with its interval against the champion it was compared with, three golden answers, lineage.

Every other number is an MLflow metric on the version's logged model (and its registration run), where the
UI charts and compares them; the whole evaluation is `eval_report.json` in that run.
"""

from __future__ import annotations

from typing import Any

EXAMPLES = 3  # golden answers shown
ANSWER_CHARS = 300  # an answer longer than this is cut in the card (the report has it whole)


def render_model_card(
    name: str,
    record: dict[str, Any],
    lineage: dict[str, str],
    base_uri: str,
    evaluation: dict[str, Any] | None,
    intended_use: str,
    limitations: str,
    examples: list[dict[str, Any]] = (),
) -> str:
    """The card is a pure function of its inputs, so it can be tested and re-rendered. `evaluation` is the
    comparison (components/register/decision.py `Comparison` as a dict); `examples` the report's rows."""
    lines = [
        f"# {name}",
        "",
        f"LoRA adapter ({record.get('method', 'sft')}) over `{record.get('base_model')}` ({base_uri}): the "
        "version holds the adapter, tokenizer, system prompt and generation defaults; the base is a reference.",
        "",
    ]
    if evaluation:
        lines += [
            f"**{evaluation['primary_metric']}** {evaluation['delta']:+.3f} against {evaluation['champion_label']} "
            f"(95% interval [{evaluation['ci_low']:+.3f}, {evaluation['ci_high']:+.3f}], paired bootstrap on the "
            "golden set). Every metric: the model's metrics in MLflow; the evaluation: `eval_report.json` in the "
            "registration run.",
            "",
        ]
        shown = [r for r in examples if {"question", "candidate_answer"} <= set(r)][:EXAMPLES]
        lines += ["## Three golden answers", ""] if shown else []
        for row in shown:
            lines += [
                f"**{clip(row['question'])}**",
                "",
                f"- reference: {clip(row.get('reference', ''))}",
                f"- this version: {clip(row['candidate_answer'])}",
                f"- {evaluation['champion_label']}: {clip(row.get('champion_answer', ''))}",
                "",
            ]
    else:
        lines += ["Not evaluated before registration.", ""]
    lines += [
        "## Lineage",
        "",
        *[f"- {key}: `{value}`" for key, value in sorted(lineage.items()) if not key.startswith("eval.")],
        "",
        f"**Intended use:** {intended_use}",
        "",
        f"**Limitations:** {limitations}",
        "",
    ]
    return "\n".join(lines)


def clip(text: Any) -> str:
    """One line of at most ANSWER_CHARS characters (Markdown line breaks would end the list item)."""
    if isinstance(text, list):  # a conversation: its last user turn
        text = next((m.get("content", "") for m in reversed(text) if m.get("role") == "user"), "")
    flat = " ".join(str(text).split())
    return flat if len(flat) <= ANSWER_CHARS else flat[: ANSWER_CHARS - 1] + "…"
