"""Print what the last `dvc repro` produced: data check, training, alignment, base-vs-champion, decision.

python -m pipelines.summary          # make demo ends with this
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ART = Path("artifacts")


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


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
        print(f"alignment: {json.dumps(shown)}")
    if report:
        p, champ = report["primary"], report["champion"]
        label = champ.get("label") or champ.get("source")
        print(f"candidate vs {label} on {report['golden_set']['n']} golden prompts:")
        for metric in sorted(set(report["candidate"]["metrics"]) & set(champ["metrics"])):
            cand, base = report["candidate"]["metrics"][metric], champ["metrics"][metric]
            print(f"  {metric:<28} {base:>10.4f} -> {cand:>10.4f}  ({cand - base:+.4f})")
        print(f"  {p['metric']} delta {p['delta']:+.4f}, 95% CI [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}]")
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
