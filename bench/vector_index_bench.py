"""The prompt-embedding index (components/common/vector_index.py) at the demo's size and scaled up.

    python bench/vector_index_bench.py                       # 1x, 10x, 100x the demo's training prompts
    python bench/vector_index_bench.py --sizes 1,10          # skip 100x (~99k prompts: minutes of embedding)
    python bench/vector_index_bench.py --tiny                # 100 prompts: checks the script, not a figure

Training prompts = the unique user turns of data/raw/sft.jsonl (992; what `register` indexes for a version).
A scale of N adds N-1 deterministic variants of each (a prefix, a suffix and a word swap from fixed lists), so
every text is distinct and must be embedded. Per size, in a fresh Milvus Lite folder:
- cold build: `sync` of every prompt (embedding + insert + flush), and the embedding alone within it;
- warm re-sync of the same texts (must embed nothing), and a new key with the same texts (a new model version
  trained on the same data: vectors copied, nothing embedded);
- reading the key's vectors back (what serving's router does on a version change), reopening the folder;
- single-query top-5 latency over `--queries` golden prompts: Milvus search on precomputed query vectors,
  and embed + search (`nearest`), against a numpy scan of the same vectors in memory (the peer).
The MiniLM model is loaded before timing (its load is reported on its own). Not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PREFIXES = ["", "Hi! ", "Quick question: ", "Hello, ", "Sorry to bother you, but ", "Hey there. ",
            "One more thing: ", "Good morning! ", "Help please: ", "I was wondering, "]  # fmt: skip
SUFFIXES = ["", " Thanks!", " Cheers.", " Thank you in advance.", " Any idea?", " Much appreciated.",
            " (asking for my team)", " It's urgent.", " On Windows.", " On my Mac."]  # fmt: skip
SWAPS = [("How do I", "How can I"), ("Can I", "Is it possible to"), ("notes", "pages"), ("my", "our")]


def training_prompts(limit: int | None = None) -> list[str]:
    from components.common.jsonl import read_jsonl
    from components.validate_data.features import user_turns

    turns = [t for _, r in read_jsonl(REPO / "data/raw/sft.jsonl").records for t in user_turns(r)]
    unique = list(dict.fromkeys(t for t in turns if t.strip()))
    return unique[:limit] if limit else unique


def variant(text: str, copy: int) -> str:
    """Copy 0 is the text itself; copy i gets prefix i % 10, suffix i // 10 % 10 and, past 100, a swap."""
    swap_from, swap_to = SWAPS[(copy // 100) % len(SWAPS)]
    body = text.replace(swap_from, swap_to, 1) if copy >= 100 else text
    return f"{PREFIXES[copy % 10]}{body}{SUFFIXES[copy // 10 % 10]}"


def scaled(prompts: list[str], scale: int) -> list[str]:
    return list(dict.fromkeys(variant(p, copy) for copy in range(scale) for p in prompts))


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def measure(scale: int, prompts: list[str], queries: list[str], embedder, folder: Path) -> dict:
    """Every figure for one size, in a fresh Lite folder."""
    import numpy as np

    from components.common.vector_index import PromptIndex

    texts = scaled(prompts, scale)
    db = str(folder / f"x{scale}.db")
    out: dict = {"scale": scale, "prompts": len(texts)}
    with PromptIndex(db, embedder) as index:
        cold = index.sync("bench/1", texts)
        out |= {"cold_s": cold.total_s, "embed_s": cold.embed_s, "embedded": cold.embedded}
        warm = index.sync("bench/1", texts)
        out |= {"warm_s": warm.total_s, "warm_embedded": warm.embedded}
        copy = index.sync("bench/2", texts)
        out |= {"copy_s": copy.total_s, "copy_embedded": copy.embedded, "copy_reused": copy.reused}
        started = time.perf_counter()
        _, matrix = index.vectors("bench/1")
        out["vectors_s"] = time.perf_counter() - started
        query_vectors = embedder.embed(queries)
        index.search(query_vectors[:1], k=5, keys=["bench/1"])  # first call: warm-up, not measured
        search, nearest, scan = [], [], []
        for i, text in enumerate(queries):
            started = time.perf_counter()
            index.search(query_vectors[i : i + 1], k=5, keys=["bench/1"])
            search.append(time.perf_counter() - started)
            started = time.perf_counter()
            index.nearest([text], "bench/1", k=5)
            nearest.append(time.perf_counter() - started)
            started = time.perf_counter()
            np.argpartition(-(matrix @ query_vectors[i]), 5)[:5]
            scan.append(time.perf_counter() - started)
    started = time.perf_counter()
    with PromptIndex(db, embedder) as index:
        index.keys()
    out["reopen_s"] = time.perf_counter() - started
    out["disk_mb"] = sum(f.stat().st_size for f in Path(db).rglob("*") if f.is_file()) / 2**20
    for name, values in (("search", search), ("nearest", nearest), ("scan", scan)):
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = percentiles(values)
    assert out["warm_embedded"] == 0 and out["copy_embedded"] == 0, out  # incremental, or the index is broken
    return out


def table(results: list[dict], load_s: float) -> list[str]:
    head = ("| scale | prompts | cold build s (embed s) | warm re-sync s | new key, same texts s | vectors() s "
            "| reopen s | search p50/p95 ms | embed+search p50/p95 ms | numpy scan p50/p95 ms | disk MB |")  # fmt: skip
    lines = [
        f"MiniLM load (once per process, not in the figures): {load_s:.1f} s",
        "",
        head,
        "|" + "---|" * 11,
    ]
    for r in results:
        lines.append(
            f"| {r['scale']}x | {r['prompts']:,} | {r['cold_s']:.1f} ({r['embed_s']:.1f}) | {r['warm_s']:.2f} "
            f"| {r['copy_s']:.2f} | {r['vectors_s']:.2f} | {r['reopen_s']:.2f} "
            f"| {r['search_p50_ms']:.1f} / {r['search_p95_ms']:.1f} | {r['nearest_p50_ms']:.1f} / "
            f"{r['nearest_p95_ms']:.1f} | {r['scan_p50_ms']:.2f} / {r['scan_p95_ms']:.2f} | {r['disk_mb']:.0f} |"
        )
    return lines


def rows_of(r: dict) -> list[dict]:
    size = f"{r['prompts']:,} prompts ({r['scale']}x demo)"
    return [
        {"figure": f"vector index, {size}: cold build (embed + insert + flush) vs the embedding alone",
         "ours": round(r["cold_s"], 2), "peer": round(r["embed_s"], 2), "unit": "s", "target": "<= 1.3"},
        {"figure": f"vector index, {size}: warm re-sync (0 embedded) vs cold build",
         "ours": round(r["warm_s"], 2), "peer": round(r["cold_s"], 2), "unit": "s", "target": "<= 0.1"},
        {"figure": f"vector index, {size}: new key with the same texts (copied, 0 embedded) vs cold build",
         "ours": round(r["copy_s"], 2), "peer": round(r["cold_s"], 2), "unit": "s", "target": "<= 0.5"},
        {"figure": f"vector index, {size}: top-5 search p50, Milvus Lite vs numpy scan in memory",
         "ours": round(r["search_p50_ms"], 2), "peer": round(r["scan_p50_ms"], 3), "unit": "ms"},
        {"figure": f"vector index, {size}: embed + top-5 search p50 vs search alone",
         "ours": round(r["nearest_p50_ms"], 2), "peer": round(r["search_p50_ms"], 2), "unit": "ms"},
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="scales of the demo's training prompts")
    parser.add_argument("--queries", type=int, default=100, help="single queries timed per size")
    parser.add_argument("--tiny", action="store_true", help="100 prompts at 1x: checks the script")
    args = parser.parse_args()
    from components.common.embeddings import Embedder
    from components.common.jsonl import read_jsonl
    from components.common.step import offline_environment
    from components.validate_data.features import user_turns

    offline_environment()
    sizes = [1] if args.tiny else [int(s) for s in args.sizes.split(",")]
    prompts = training_prompts(100 if args.tiny else None)
    golden = [user_turns(r)[-1] for _, r in read_jsonl(REPO / "data/raw/golden.jsonl").records]
    queries = [variant(golden[i % len(golden)], i // len(golden)) for i in range(args.queries)]
    started = time.perf_counter()
    embedder = Embedder.load()
    embedder.embed(["warm-up"])
    load_s = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp(prefix="vector-bench-"))
    results = []
    try:
        for scale in sizes:
            results.append(measure(scale, prompts, queries, embedder, folder))
            print(json.dumps(results[-1]), flush=True)
            shutil.rmtree(folder / f"x{scale}.db", ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines = table(results, load_s)
    print("\n".join(lines))
    record("vector_index_bench", [row for r in results for row in rows_of(r)], tiny=args.tiny, table=lines)


if __name__ == "__main__":
    main()
