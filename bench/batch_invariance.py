"""Does a request's greedy answer depend on what it is decoded beside? Batched `generate` vs transformers' CB manager.

    python bench/batch_invariance.py --golden data/raw/golden.jsonl --prompts 32   # SmolLM2, 32 golden questions (~10 min)
    python bench/batch_invariance.py              # SmolLM2-135M-Instruct, 8 chat prompts x 64 tokens (~3 minutes)
    python bench/batch_invariance.py --tiny       # the tests' tiny random Llama

"Evaluate what you serve" needs the bytes a server returns for a prompt to be the bytes evaluation got for it.
Evaluation decodes its prompts in fixed batches; a server decodes each request beside whatever else is in
flight. This measures how often a row's greedy tokens change with its company:
  generate:   each prompt alone; all in one left-padded batch (how evaluation decodes: its batch_size is 32);
              batches of `--server-batch` (the server's max_batch_size).
  CB manager: each prompt alone; all added at once; all added one by one at staggered times, twice (in
              order, then reversed), so each joins a batch already decoding (how a server under load runs).
Each line gives the rows whose tokens equal evaluation's decode (`generate`, one batch) and `generate` alone.
Answers end at the end-of-turn token or after `--new-tokens`. With `--golden`, the prompts are the golden
set's conversations (system prompt included), as evaluation renders them. Figures go to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start
from continuous_batching import THREADS, chat_prompts, collect, load, own_thread, stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the tiny random Llama instead of SmolLM2")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--gap-ms", type=int, default=300, help="time between staggered arrivals")
    parser.add_argument("--server-batch", type=int, default=8, help="the server's max_batch_size")
    parser.add_argument("--golden", type=Path, help="golden.jsonl: its first --prompts conversations")
    args = parser.parse_args(argv)
    import torch

    from components.common.step import offline_environment

    offline_environment()
    THREADS[0] = torch.get_num_threads()
    torch.set_num_threads(1)  # the main thread loads and waits; a system's own thread computes
    name = "tiny" if args.tiny else "smollm2"
    model, tokenizer = load(name)
    prompts = (
        golden_prompts(tokenizer, args.golden, args.prompts)
        if args.golden
        else chat_prompts(tokenizer, args.prompts)
    )
    ends = sorted({tokenizer.eos_token_id, *_as_list(model.generation_config.eos_token_id)} - {None})
    n = args.new_tokens
    runs: dict[str, list[list[int]]] = {}
    runs["generate, each alone"] = [own_thread(generate, model, tokenizer, [p], n, ends)[0] for p in prompts]
    runs["generate, one batch"] = own_thread(generate, model, tokenizer, prompts, n, ends)
    size = args.server_batch
    runs[f"generate, batches of {size}"] = [
        row
        for i in range(0, len(prompts), size)
        for row in own_thread(generate, model, tokenizer, prompts[i : i + size], n, ends)
    ]
    cb_model, _ = load(name)
    for label, order, gap in (
        ("CB, each alone", None, 0.0),
        ("CB, all at once", list(range(len(prompts))), 0.0),
        ("CB, staggered", list(range(len(prompts))), args.gap_ms / 1000),
        ("CB, staggered reversed", list(reversed(range(len(prompts)))), args.gap_ms / 1000),
    ):
        runs[label] = own_thread(cb_decode, cb_model, prompts, n, ends, order, gap)
    count = len(prompts)
    rows, table = (
        [],
        [
            "| decode | rows = evaluation's (generate, one batch) | rows = generate alone | mean answer tokens |",
            "|---|---|---|---|",
        ],
    )
    for label, tokens in runs.items():
        same_eval = sum(a == b for a, b in zip(tokens, runs["generate, one batch"], strict=True))
        same_alone = sum(a == b for a, b in zip(tokens, runs["generate, each alone"], strict=True))
        mean = sum(map(len, tokens)) / count
        table.append(f"| {label} | {same_eval}/{count} | {same_alone}/{count} | {mean:.1f} |")
        rows.append(
            {
                "figure": f"{name}, {count} {'golden' if args.golden else 'chat'} prompts, {n} tokens greedy: "
                f"rows as evaluation decodes them, {label}",
                "ours": same_eval,
                "peer": count,
                "unit": "rows",
            }
        )
    print("\n".join(table))
    record("batch_invariance", rows, tiny=args.tiny, threads=THREADS[0], table=table)
    return 0


def golden_prompts(tokenizer, path: Path, count: int) -> list[list[int]]:
    """The first `count` golden conversations, rendered with the chat template as a prompt."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()][:count]
    return [tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True, tokenize=True, return_dict=False) for r in records]  # fmt: skip


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def generate(model, tokenizer, prompts: list[list[int]], n: int, ends: list[int]) -> list[list[int]]:
    """One left-padded greedy `generate` call; each row's new tokens up to (not including) its first end id."""
    import torch

    batch = tokenizer.pad({"input_ids": prompts}, padding=True, padding_side="left", return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=n, do_sample=False, eos_token_id=ends,
                             pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    return [_until_end(row[batch["input_ids"].shape[1] :].tolist(), ends) for row in out]


def cb_decode(
    model, prompts, n: int, ends: list[int], order: list[int] | None, gap: float
) -> list[list[int]]:
    """Greedy answers from a started CB manager: each prompt alone (order None), or added in `order`, `gap` s
    apart (0: all at once)."""
    import torch
    from transformers import GenerationConfig
    from transformers.generation.configuration_utils import ContinuousBatchingConfig

    longest = max(len(p) for p in prompts) + n
    config = ContinuousBatchingConfig(num_blocks=len(prompts) * -(-longest // 256), max_batch_tokens=len(prompts) * longest)  # fmt: skip
    gen = GenerationConfig(
        max_new_tokens=n, do_sample=False, eos_token_id=ends, pad_token_id=model.config.pad_token_id
    )
    manager = model.init_continuous_batching(generation_config=gen, continuous_batching_config=config)
    with torch.inference_mode():
        manager.start()
    try:
        if order is None:
            results = {}
            for i, prompt in enumerate(prompts):
                manager.add_request(prompt, request_id=str(i), max_new_tokens=n)
                results |= collect(manager, {str(i)})
        else:
            for i in order:
                manager.add_request(prompts[i], request_id=str(i), max_new_tokens=n)
                time.sleep(gap)
            results = collect(manager, {str(i) for i in order})
    finally:
        stop(manager)
    return [_until_end(list(results[str(i)].generated_tokens), ends) for i in range(len(prompts))]


def _until_end(tokens: list[int], ends: list[int]) -> list[int]:
    cut = next((i for i, t in enumerate(tokens) if t in ends), len(tokens))
    return tokens[:cut]


if __name__ == "__main__":
    raise SystemExit(main())
