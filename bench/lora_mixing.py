"""Two LoRA versions in one batch on CPU: what peft's mixed-adapter batches cost against one merged version.

    python bench/lora_mixing.py            # SmolLM2-135M-Instruct, the project's LoRA config (a few minutes)
    python bench/lora_mixing.py --tiny     # the tests' tiny random Llama (seconds; figures not rendered)

Canary routing serves champion and challenger from one base: unmerged, each row naming its adapter
(`generate(adapter_names=[...])`). This measures, in process and round-robin, 8 prompts x 32 new tokens
(min = max), greedy, for two random LoRA adapters shaped like configs/train.yaml's `lora`:
  merged          the champion merged into the base (what one version is served as)
  one adapter     unmerged, `set_adapter` (peft's plain LoRA forward)
  names, one      unmerged, `adapter_names` naming one adapter for every row (peft's mixed-batch forward)
  mixed 4/4       unmerged, half the rows champion, half challenger, `adapter_names` (peft's mixed batch)
  scaled 4/4      unmerged, both adapters active, each scaled per row by a 0/1 mask (the backend until
                  2026-12-01: every adapter runs over every row)
  stacked 4/4     unmerged, one stacked adapter masked per row (what the backend does:
                  components/common/row_adapters.py)
and checks that each row's tokens equal its version's merged answer, and that the stacked rows' logits are
bit for bit those of a batch of their adapter alone. The ratio merged / system is the
throughput a canary at 0.5 keeps against one merged version (the serving issue targets >= 0.85).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start
from serving_bench import PROMPTS, build_tiny_base

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def random_adapter(base, lora: dict, seed: int, out: Path) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(
        r=lora["r"],
        lora_alpha=lora["alpha"],
        target_modules=lora["target_modules"],
        lora_dropout=0.0,
        layers_to_transform=lora.get("layers_to_transform"),
        task_type="CAUSAL_LM",
        init_lora_weights=False,
    )
    get_peft_model(base.load_model(), config).save_pretrained(out)
    return out


def systems(base, adapters: list[Path]) -> dict:
    """name -> (model, adapter_names or None, how rows pick adapters): the ways of serving two versions."""
    from peft import PeftModel

    def merged(adapter: Path):
        return PeftModel.from_pretrained(base.load_model(), adapter).merge_and_unload().eval()

    mixed = PeftModel.from_pretrained(base.load_model(), adapters[0], adapter_name="champion")
    mixed.load_adapter(adapters[1], adapter_name="challenger")
    mixed.eval()
    return {
        "merged": (merged(adapters[0]), None, None),
        "challenger merged": (merged(adapters[1]), None, None),
        "one adapter": (mixed, ["champion"] * 8, "rows"),
        "names, one": (mixed, ["champion"] * 8, None),
        "mixed 4/4": (mixed, ["champion", "challenger"] * 4, None),
        "scaled 4/4": (mixed, ["champion", "challenger"] * 4, "scaled"),
        "stacked 4/4": (mixed, ["champion", "challenger"] * 4, "rows"),
    }


@contextmanager
def scaled_rows(model, names: list[str]) -> Iterator[None]:
    """The backend's way until 2026-12-01: every adapter active, each one's scale a per-row 0/1 mask."""
    import torch
    from peft.tuners.lora import LoraLayer

    unique = sorted(set(names))
    layers = [m for m in model.modules() if isinstance(m, LoraLayer)]
    model.base_model.set_adapter(unique, inference_mode=True)
    for layer in layers:
        for a in unique:
            layer.set_scale(a, torch.tensor([n == a for n in names], dtype=torch.float32).view(-1, 1, 1))
    try:
        yield
    finally:
        for layer in layers:
            for a in unique:
                layer.set_scale(a, 1.0)
        model.base_model.set_adapter("champion", inference_mode=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny random Llama instead of SmolLM2-135M")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    import torch
    import yaml

    from components.common.base_model import resolve_base_model
    from components.common.row_adapters import row_adapters
    from components.common.step import offline_environment

    offline_environment()
    work = Path(tempfile.mkdtemp(prefix="tuneline-lora-mixing-"))
    base = resolve_base_model(build_tiny_base(work / "tiny") if args.tiny else "smollm2-135m-instruct")
    lora = yaml.safe_load((REPO / "configs" / "train.yaml").read_text())["lora"]
    if args.tiny:
        lora = {**lora, "layers_to_transform": None}
    adapters = [random_adapter(base, lora, seed, work / f"adapter-{seed}") for seed in (1, 2)]
    tokenizer = base.load_tokenizer()
    tokenizer.padding_side = "left"
    prompts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True
        )
        for p in PROMPTS
    ]
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    settings = dict(
        max_new_tokens=32, min_new_tokens=32, do_sample=False, pad_token_id=tokenizer.pad_token_id
    )
    runs = systems(base, adapters)
    times: dict[str, list[float]] = {name: [] for name in runs}
    tokens: dict[str, list] = {}
    ways = {"rows": row_adapters, "scaled": scaled_rows}
    with torch.inference_mode():
        for round_ in range(args.rounds + 1):  # round 0 warms up
            for name, (model, names, way) in runs.items():
                extra = {"adapter_names": names} if names and not way else {}
                started = time.perf_counter()
                with ways[way](model, names) if way else nullcontext():
                    out = model.generate(**batch, **settings, **extra)
                if round_:
                    times[name].append(time.perf_counter() - started)
                tokens[name] = out[:, batch["input_ids"].shape[1] :].tolist()
        exact = stacked_rows_exact(runs["stacked 4/4"][0], batch, settings, row_adapters)
    report(times, tokens, args)
    print(f"stacked rows' logits bit for bit those of their adapter alone: {exact}")
    return 0


def stacked_rows_exact(model, batch: dict, settings: dict, row_adapters) -> bool:
    """Each row's logits at every step of a mixed stacked batch equal those of a batch of its adapter alone."""
    import torch

    def scores(names: list[str]) -> torch.Tensor:
        with row_adapters(model, names):
            out = model.generate(**batch, **settings, output_scores=True, return_dict_in_generate=True)
        return torch.stack(out.scores, dim=1)

    mixed = scores(["champion", "challenger"] * 4)
    alone = {a: scores([a] * 8) for a in ("champion", "challenger")}
    return all(torch.equal(mixed[i], alone["champion" if i % 2 == 0 else "challenger"][i]) for i in range(8))


def report(times: dict[str, list[float]], tokens: dict[str, list], args) -> None:
    merged = statistics.median(times["merged"])
    expected = [tokens["merged"][i] if i % 2 == 0 else tokens["challenger merged"][i] for i in range(8)]
    rows = []
    print(f"{'system':18s} {'median s':>9s} {'merged/system':>14s}  rows as their version merged")
    for name in (
        "merged",
        "one adapter",
        "names, one",
        "mixed 4/4",
        "scaled 4/4",
        "stacked 4/4",
    ):
        median = statistics.median(times[name])
        want = tokens["merged"] if name in ("merged", "one adapter", "names, one") else expected
        same = sum(a == b for a, b in zip(tokens[name], want, strict=True))
        print(f"{name:18s} {median:9.2f} {merged / median:14.2f}  {same}/8")
        if name != "merged":
            rows.append(
                {
                    "figure": f"LoRA on CPU: 8 x 32 tokens, {name} vs one merged version (throughput kept)",
                    "ours": round(median, 2),
                    "peer": round(merged, 2),
                    "ratio": round(merged / median, 3),
                    "target": ">= 0.85" if name.endswith("4/4") else "-",
                    "unit": "s",
                }
            )
    record("lora_mixing", rows, tiny=args.tiny)


if __name__ == "__main__":
    raise SystemExit(main())
