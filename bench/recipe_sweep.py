"""Recipe sweep: minutes of training vs held-out fact accuracy, through the real train / align / evaluate steps.

    python bench/recipe_sweep.py --list                      # the recipes and what each changes
    python bench/recipe_sweep.py probe lr2e-3 --golden       # train each, score the dev split, then golden
    python bench/recipe_sweep.py --report                    # the table from what has been measured

Every recipe is a set of `key=value` overrides of configs/train.yaml (and configs/align.yaml when it aligns),
run as `python -m components.finetune_lora` / `python -m components.align` in their own processes, exactly
as `dvc repro` runs them. Recipes are chosen on the **dev split**: the SFT conversations the train step holds
out (its `eval_fraction` / `seed` split), asked up to their last user turn and scored with the same fact
metrics as golden (key facts of the fact each conversation answers, from data/demo_facts.py). Golden is
scored once per recipe with --golden, never to pick one. Each step is evaluated by
`python -m components.evaluate_model` against the base model (its generations cached across recipes), and
the fact metrics come from the evaluation report. Results: bench/.sweep/<recipe>/result.json, and
bench/results/recipe_sweep.json (rendered into bench/RESULTS.md by bench/report.py).
Minutes are wall time of the train (+ align) processes on this machine, loading included; run nothing else
meanwhile, or the minutes mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / ".sweep"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "data"))

PROBE = ["lora.r=16", "lora.alpha=32", "trainer.learning_rate=1e-3", "trainer.max_steps=120"]
S60 = [*PROBE, "trainer.max_steps=60"]
TOP_HALF = [
    f"lora.layers_to_transform=[{','.join(str(i) for i in range(15, 30))}]",
    "lora.target_modules=[q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj]",  # = all-linear, named
]
RECIPES: dict[str, dict] = {
    "default-0": {
        "note": "last round's default: r8, lr 2e-4, 50 steps, then DPO 30 steps (all rejection types)",
        "train": [],
        "align": [],
    },
    "probe": {"note": "issue 16's probe: r16/alpha 32, lr 1e-3, 120 steps of 8", "train": PROBE},
    "s60": {"note": "probe recipe, 60 steps", "train": S60},
    "s60-lr2e-3": {"note": "s60 at lr 2e-3", "train": [*S60, "trainer.learning_rate=2e-3"]},
    "s60-bs4": {
        "note": "s60's examples in 120 steps of 4 (twice the updates)",
        "train": [*S60, "trainer.max_steps=120", "trainer.per_device_train_batch_size=4"],
    },
    "s60-r32": {"note": "s60 at r32/alpha 64", "train": [*S60, "lora.r=32", "lora.alpha=64"]},
    "s60-neftune": {"note": "s60 + NEFTune noise alpha 5", "train": [*S60, "trainer.neftune_noise_alpha=5"]},
    "s60-top-half": {"note": "s60, LoRA on the top 15 of 30 layers only", "train": [*S60, *TOP_HALF]},
    "s90-top-half": {
        "note": "90 steps, LoRA on the top 15 layers only",
        "train": [*S60, *TOP_HALF, "trainer.max_steps=90"],
    },
    "s60+dpo-wrong": {
        "note": "s60, then DPO 20 steps on the `wrong` rejections only (lr 2e-4, beta 0.1)",
        "train": S60,
        "sft_from": "s60",
        "align": ["rejection_types=[wrong]", "dpo.max_steps=20", "dpo.beta=0.1"],
    },
    "s60-lr3e-3-const": {
        "note": "s60 at lr 3e-3, constant after 5 warm-up steps",
        "train": [*S60, "trainer.learning_rate=3e-3", "trainer.lr_scheduler_type=constant_with_warmup"],
    },
    "s30-lr3e-3-const": {
        "note": "30 steps at lr 3e-3, constant after 5 warm-up steps",
        "train": [
            *S60,
            "trainer.learning_rate=3e-3",
            "trainer.lr_scheduler_type=constant_with_warmup",
            "trainer.max_steps=30",
        ],
    },
    "b85-top-lr2e-3": {
        "note": "top 15 layers, lr 2e-3, 85 steps (the wall time of s60: the step is ~25% cheaper)",
        "train": [*S60, *TOP_HALF, "trainer.learning_rate=2e-3", "trainer.max_steps=85"],
    },
    "b85-top-lr3e-3-const": {
        "note": "top 15 layers, lr 3e-3 constant after 5 warm-up steps, 85 steps",
        "train": [
            *S60,
            *TOP_HALF,
            "trainer.learning_rate=3e-3",
            "trainer.lr_scheduler_type=constant_with_warmup",
            "trainer.max_steps=85",
        ],
    },
    "b40-top-lr3e-3-const": {
        "note": "b85-top-lr3e-3-const for 40 steps",
        "train": [
            *S60,
            *TOP_HALF,
            "trainer.learning_rate=3e-3",
            "trainer.lr_scheduler_type=constant_with_warmup",
            "trainer.max_steps=40",
        ],
    },
    "b170-top-lr3e-3-const": {
        "note": "b85-top-lr3e-3-const for 170 steps (twice the demo budget)",
        "train": [
            *S60,
            *TOP_HALF,
            "trainer.learning_rate=3e-3",
            "trainer.lr_scheduler_type=constant_with_warmup",
            "trainer.max_steps=170",
        ],
    },
    "long": {
        "note": "probe recipe, 240 steps (beyond the demo budget)",
        "train": [*PROBE, "trainer.max_steps=240"],
    },
}


def run_step(module: str, config: str, overrides: list[str], env: dict, log: Path) -> float:
    """One step in its own process (as dvc runs it); wall seconds. Exits with the log's tail on failure."""
    command = [sys.executable, "-m", module, "--config", config, *overrides]
    started = time.perf_counter()
    with open(log, "w") as out:
        done = subprocess.run(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}); log {log}:\n{log.read_text()[-3000:]}")
    return seconds


def dev_file(train_config: str, out: Path) -> Path:
    """The train step's held-out SFT conversations as golden-format rows with their facts' key facts."""
    import yaml
    from demo_facts import FACTS

    from components.finetune_lora.data import read_conversations, split_holdout

    cfg = yaml.safe_load(Path(train_config).read_text())
    rows = read_conversations(REPO / cfg["train_file"])
    _, held = split_holdout(rows, cfg["eval_fraction"], cfg["seed"])
    by_answer = {fact.answer: fact for fact in FACTS}
    lines = []
    for row in held:
        messages = row["messages"]
        answer = messages[-1]["content"]
        fact = next(f for text, f in by_answer.items() if answer.endswith(text))
        lines.append(
            {
                "id": f"dev-{row['id']}",
                "category": fact.category,
                "prompt": messages[:-1],
                "reference": fact.answer,
                "key_facts": list(fact.key_facts),
                "wrong_facts": list(fact.wrong_facts),
            }
        )
    out.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines))
    return out


def fact_scores(report: dict) -> dict[str, dict[str, float]]:
    """Fact metrics of both models, recomputed from the report's answers by the evaluation's own metric
    modules (fact_check, unsupported_claims), so a sweep row and an evaluation report cannot disagree."""
    from components.evaluate_model.metric_suite import load_metric

    rows = report["examples"]
    golden = {
        r["id"]: r for r in map(json.loads, Path(report["golden_set"]["file"]).read_text().splitlines())
    }
    items = [golden[row["id"]] for row in rows]
    scores = {}
    for role in ("candidate", "champion"):
        answers = [row[f"{role}_answer"] for row in rows]
        facts = load_metric("fact_check").compute(
            predictions=answers,
            key_facts=[i["key_facts"] for i in items],
            wrong_facts=[i["wrong_facts"] for i in items],
        )
        claims = load_metric("unsupported_claims").compute(
            predictions=answers, references=[i["reference"] for i in items]
        )
        scores[role] = {
            **{k: facts[k] for k in ("fact_accuracy", "fact_recall", "contradiction_rate")},
            "unsupported_claim_rate": claims["unsupported_claim_rate"],
            "rouge_l": report[role]["metrics"]["rouge_l"],
            "n": len(rows),
        }
    return scores


def evaluate(candidate: str, golden: Path, out: Path, env: dict) -> dict:
    overrides = [
        f"candidate={candidate}",
        "champion=smollm2-135m-instruct",
        f"golden_file={golden}",
        "preference_file=null",
        f"out_dir={out}",
        "primary_metric=rouge_l",
    ]
    seconds = run_step(
        "components.evaluate_model", "configs/evaluate.yaml", overrides, env, out.with_suffix(".log")
    )
    report = json.loads((out / "eval_report.json").read_text())
    return {"seconds": round(seconds, 1), **fact_scores(report)}


def run_recipe(name: str, golden: bool) -> dict:
    recipe = RECIPES[name]
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TUNELINE_TRACKING_URI": f"sqlite:///{WORK}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(WORK / "mlartifacts"),
    }
    result = json.loads((work / "result.json").read_text()) if (work / "result.json").is_file() else {}
    if "train_seconds" not in result:
        result = {
            "recipe": name,
            "note": recipe["note"],
            "train": recipe["train"],
            "align": recipe.get("align"),
        }
        sft = WORK / recipe["sft_from"] if "sft_from" in recipe else work  # same SFT recipe: train it once
        if "sft_from" in recipe:
            result["train_seconds"] = run_recipe(recipe["sft_from"], golden=False)["train_seconds"]
        else:
            train = [
                *recipe["train"],
                f"out_dir={work}/train",
                f"checkpoint_dir={work}/ckpt",
                f"run_name=sweep-{name}",
            ]
            result["train_seconds"] = round(
                run_step("components.finetune_lora", "configs/train.yaml", train, env, work / "train.log"), 1
            )
        result["align_seconds"] = 0.0
        if recipe.get("align") is not None:
            align = [
                *recipe["align"],
                f"sft_adapter={sft}/train/adapter",
                f"out_dir={work}/align",
                f"checkpoint_dir={work}/align-ckpt",
                f"run_name=sweep-{name}-align",
            ]
            result["align_seconds"] = round(
                run_step("components.align", "configs/align.yaml", align, env, work / "align.log"), 1
            )
        result["train_metrics"] = json.loads((sft / "train" / "metrics.json").read_text())
        result["minutes"] = round((result["train_seconds"] + result["align_seconds"]) / 60, 2)
        (work / "result.json").write_text(json.dumps(result, indent=2))
    adapter = work / ("align" if result.get("align") is not None else "train") / "adapter"
    if "dev" not in result:
        result["dev"] = evaluate(
            str(adapter), dev_file("configs/train.yaml", WORK / "dev.jsonl"), work / "dev_eval", env
        )
        (work / "result.json").write_text(json.dumps(result, indent=2))
    if golden and "golden" not in result:
        result["golden"] = evaluate(str(adapter), REPO / "data/raw/golden.jsonl", work / "golden_eval", env)
        (work / "result.json").write_text(json.dumps(result, indent=2))
    return result


def record_demo(clone: Path) -> None:
    """The shipped recipe as `make demo` ran it: golden scored by the demo's own evaluation (no dev pass),
    minutes = the train and align MLflow runs' durations in the clone's store."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{clone}/mlflow.db")
    runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]
    seconds = {r.info.run_name: (r.info.end_time - r.info.start_time) / 1000 for r in runs if r.info.end_time}
    train = yaml_overrides(clone / "configs" / "train.yaml")
    work = WORK / "shipped-demo"
    (work / "golden_eval").mkdir(parents=True, exist_ok=True)
    report = json.loads((clone / "artifacts/evaluate/eval_report.json").read_text())
    report["golden_set"]["file"] = str(REPO / report["golden_set"]["file"])  # same data (its hash is checked)
    golden_now = [json.loads(line) for line in (REPO / "data/raw/golden.jsonl").read_text().splitlines()]
    if {r["id"]: r["reference"] for r in golden_now} != {e["id"]: e["reference"] for e in report["examples"]}:
        sys.exit(f"{clone}'s golden set differs from this checkout's data/raw/golden.jsonl")
    (work / "golden_eval" / "eval_report.json").write_text(json.dumps(report))
    result = {
        "recipe": "shipped-demo",
        "note": f"configs/train.yaml as shipped ({train}), measured inside `make demo` (no dev pass)",
        "train": [],
        "align": None,
        "train_seconds": round(seconds["train"], 1),
        "align_seconds": round(next((v for k, v in seconds.items() if k.startswith("align")), 0.0), 1),
        "train_metrics": json.loads((clone / "artifacts/train/metrics.json").read_text()),
        "golden": {"seconds": round(seconds["evaluate"], 1), **fact_scores(report)},
    }
    result["minutes"] = round((result["train_seconds"] + result["align_seconds"]) / 60, 2)
    (work / "result.json").write_text(json.dumps(result, indent=2))


def yaml_overrides(path: Path) -> str:
    import yaml

    cfg = yaml.safe_load(path.read_text())
    lora, trainer = cfg["lora"], cfg["trainer"]
    layers = lora.get("layers_to_transform")
    where = f"top {len(layers)} layers" if layers else "all layers"
    return (
        f"r{lora['r']} on {where}, lr {trainer['learning_rate']} {trainer['lr_scheduler_type']}, "
        f"{trainer['max_steps']} steps"
    )


def rescored(path: Path) -> dict:
    """A recipe's result with its fact metrics recomputed from the stored answers by today's matcher, so
    every row of the table is judged by the same rules (the answers themselves are not regenerated)."""
    result = json.loads(path.read_text())
    for split, folder in (("dev", "dev_eval"), ("golden", "golden_eval")):
        report = path.parent / folder / "eval_report.json"
        if split in result and report.is_file():
            scores = fact_scores(json.loads(report.read_text()))
            result[split] = {"seconds": result[split]["seconds"], **scores}
    path.write_text(json.dumps(result, indent=2))
    return result


def table(results: list[dict]) -> list[str]:
    head = "| recipe | minutes (train+align) | dev fact acc | dev recall | golden fact acc | golden contradiction | golden unsupported | golden ROUGE-L | what |"
    lines = [head, "|" + "---|" * 9]
    for r in sorted(results, key=lambda r: r["minutes"]):
        g = r.get("golden", {}).get("candidate", {})
        d = r.get("dev", {}).get("candidate", {})
        cell = lambda v: "—" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(
            f"| {r['recipe']} | {r['minutes']:.1f} | {cell(d.get('fact_accuracy'))} | {cell(d.get('fact_recall'))} | "
            f"{cell(g.get('fact_accuracy'))} | {cell(g.get('contradiction_rate'))} | "
            f"{cell(g.get('unsupported_claim_rate'))} | {cell(g.get('rouge_l'))} | {r['note']} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", help=f"from: {', '.join(RECIPES)}")
    parser.add_argument("--golden", action="store_true", help="also score golden (once per recipe)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--report", action="store_true", help="only print and record what was measured")
    parser.add_argument(
        "--record-demo",
        metavar="CLONE",
        help="add the `make demo` run in CLONE (its train metrics, stage times and golden report) as a row",
    )
    args = parser.parse_args()
    if args.list:
        for name, recipe in RECIPES.items():
            print(f"{name:>16}: {recipe['note']}")
        return
    unknown = [r for r in args.recipes if r not in RECIPES]
    if unknown:
        sys.exit(f"unknown recipe(s) {unknown}; --list shows them")
    if args.record_demo:
        record_demo(Path(args.record_demo))
    for name in [] if args.report else args.recipes:
        result = run_recipe(name, args.golden)
        print(json.dumps({k: result.get(k) for k in ("recipe", "minutes", "dev", "golden")}, indent=1))
    results = [rescored(p) for p in sorted(WORK.glob("*/result.json"))]
    results = [r for r in results if "dev" in r or "golden" in r]
    base = next((r["dev"]["champion"] for r in results if "dev" in r), None)
    print("\n".join(table(results)))
    if base:
        print(
            f"base model on dev: fact accuracy {base['fact_accuracy']:.3f}, recall {base['fact_recall']:.3f}"
        )
    rows = [
        {"figure": f"recipe {r['recipe']}: golden fact_accuracy after {r['minutes']:.1f} min of training "
                   f"(dev {r['dev']['candidate']['fact_accuracy']:.3f}) [{r['note']}]" if "dev" in r else
                   f"recipe {r['recipe']}: golden fact_accuracy after {r['minutes']:.1f} min of training [{r['note']}]",
         "ours": round(r["golden"]["candidate"]["fact_accuracy"], 3),
         "peer": round(r["golden"]["champion"]["fact_accuracy"], 3), "unit": "fact accuracy (base as peer)",
         "command": "make demo, then python bench/recipe_sweep.py --record-demo <clone>" if "dev" not in r
                    else f"python bench/recipe_sweep.py {r['recipe']} --golden"}
        for r in sorted(results, key=lambda r: r["minutes"]) if "golden" in r
    ]  # fmt: skip
    if rows:
        intro = [
            "Recipe frontier: minutes of training (train + align processes, loading included, 2 CPU cores) vs "
            "fact accuracy. Chosen on the dev split (the train step's held-out SFT conversations), golden "
            "scored once per recipe. Command: `python bench/recipe_sweep.py <recipe> ... --golden`.",
            "",
        ]
        golden_base = next(r["golden"]["champion"] for r in results if "golden" in r)
        base_line = (
            f"Base model (SmolLM2-135M-Instruct, no adapter): dev fact accuracy {base['fact_accuracy']:.3f}, "
            f"golden fact accuracy {golden_base['fact_accuracy']:.3f}, contradiction "
            f"{golden_base['contradiction_rate']:.3f}, unsupported claims {golden_base['unsupported_claim_rate']:.3f}."
        )
        record("recipe_sweep", rows, table=[*intro, *table(results), "", base_line])


if __name__ == "__main__":
    main()
