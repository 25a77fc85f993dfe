"""Print what the last `dvc repro` produced: data check, training, alignment, base-vs-champion, decision.

python -m pipelines.summary          # make demo ends with this
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

ART = Path("artifacts")


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def print_facts(report: dict[str, Any], champion_label: str, shown: int = 3) -> None:
    """The headline a support team reads: fact accuracy with its interval, then `shown` golden questions
    (evenly spaced through the set, not picked by score) with both models' answers and the facts missed."""
    facts = report.get("paired", {}).get("fact_accuracy")
    if not facts:
        return
    print(
        f"fact accuracy (every key fact stated, no wrong one): {champion_label} {facts['champion']:.3f} -> "
        f"candidate {facts['candidate']:.3f}, delta {facts['mean_delta']:+.3f}, "
        f"95% CI [{facts['ci_low']:+.3f}, {facts['ci_high']:+.3f}]"
    )
    rows = report["examples"]
    for row in [rows[i * len(rows) // shown] for i in range(min(shown, len(rows)))]:
        print(f"\n  Q ({row['id']}): {row['question']}")
        print(f"  reference:  {row['reference']}")
        for role, name in (("champion", champion_label), ("candidate", "candidate")):
            missed = row[role].get("facts_missed", [])
            verdict = "all key facts" if not missed else "missed: " + "; ".join(missed)
            wrong = row[role].get("wrong_facts_stated", [])
            verdict += f"; WRONG: {'; '.join(wrong)}" if wrong else ""
            print(f"  {name[:10]:<10}  {textwrap.shorten(row[role + '_answer'], 220)}  [{verdict}]")


def main() -> int:
    validate = read(ART / "metrics" / "validate_data.json")
    train, align = read(ART / "train" / "metrics.json"), read(ART / "align" / "metrics.json")
    report, registration = (
        read(ART / "evaluate" / "eval_report.json"),
        read(ART / "register" / "registration.json"),
    )
    decision = read(ART / "promote" / "decision.json")
    print("== tuneline demo summary ==")
    if validate:
        print(f"data validation: {'passed' if validate.get('passed', 1) else 'FAILED'}")
    if train:
        print(
            f"SFT held-out loss: base {train.get('eval_loss_base')} -> adapter {train.get('eval_loss_adapter')}"
        )
    if align:
        shown = {k: v for k, v in align.items() if "accuracy" in k or "margin" in k}
        print(
            f"alignment: {json.dumps(shown)}" if shown else "alignment: none (the SFT adapter is passed on)"
        )
    if report:
        p, champ = report["primary"], report["champion"]
        label = champ.get("label") or champ.get("source")
        print(f"candidate vs {label} on {report['golden_set']['n']} golden prompts:")
        for metric in sorted(set(report["candidate"]["metrics"]) & set(champ["metrics"])):
            cand, base = report["candidate"]["metrics"][metric], champ["metrics"][metric]
            print(f"  {metric:<28} {base:>10.4f} -> {cand:>10.4f}  ({cand - base:+.4f})")
        print(f"  {p['metric']} delta {p['delta']:+.4f}, 95% CI [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}]")
        print_facts(report, label)
    if registration:
        print(
            f"registered {registration['uri']} ({registration['adapter_bytes'] / 1e6:.1f} MB adapter; "
            f"base {registration['base_version']}, {registration['base_bytes'] / 1e6:.0f} MB, stored once)"
        )
    if decision:
        print(f"promotion: {decision.get('status')}")
        for reason in decision.get("reasons", []):
            print(f"  - {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
