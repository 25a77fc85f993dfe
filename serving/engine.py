"""The token loop: one batch of requests decoded together over a shared KV cache (left padding).

    states = [SequenceState(prompt_ids, SamplingParams(max_new_tokens=32), tok, end_ids(tok, model), emit)]
    run_batch(model, pad_id, states)

Why not `model.generate`: a served batch mixes requests with their own max tokens, stop sequences, sampling
settings, seeds and logprobs, and each must stream as it goes and leave the batch when it is done. The loop
does what `generate` does for greedy decoding (same positions, mask and cache, so the same tokens) and drops
finished rows from the cache so the rest run on a smaller batch.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import torch

from serving.decoding import SequenceState

NEG_INF = float("-inf")


def end_ids(tokenizer, model) -> set[int]:
    """Token ids that end an answer: the tokenizer's end/pad tokens and the model's configured eos ids."""
    ids = {tokenizer.eos_token_id, tokenizer.pad_token_id}
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    return {i for i in ids if i is not None}


def left_pad(prompts: Sequence[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Input ids and attention mask with every prompt aligned at the right."""
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
        mask[row, width - len(prompt) :] = 1
    return ids, mask


@torch.inference_mode()
def run_batch(model, pad_id: int, states: list[SequenceState]) -> None:
    """Decode all `states` until each has finished (or was cancelled); events go out through each state."""
    from transformers import DynamicCache

    for state in states:
        if state.params.do_sample:
            seed = state.params.seed if state.params.seed is not None else secrets.randbits(63)
            state.generator = torch.Generator().manual_seed(seed)  # per request: a seed reproduces its answer
    ids, mask = left_pad([s.prompt_ids for s in states], pad_id)
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
    cache = DynamicCache(config=model.config)
    logits = model(
        input_ids=ids,
        attention_mask=mask,
        position_ids=positions,
        cache=cache,
        use_cache=True,
        logits_to_keep=1,
    ).logits[:, -1, :]
    active = list(states)
    while True:
        tokens, logprobs = choose_tokens(logits.float(), active)
        for state, token, logprob in zip(active, tokens.tolist(), logprobs, strict=True):
            state.push(token, logprob)
        keep = [i for i, s in enumerate(active) if not s.finished]
        if not keep:
            return
        if len(keep) < len(active):
            index = torch.tensor(keep, dtype=torch.long)
            cache.batch_select_indices(index)
            mask, positions, tokens = mask[index], positions[index], tokens[index]
            active = [active[i] for i in keep]
        mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=-1)
        positions = positions[:, -1:] + 1
        logits = model(
            input_ids=tokens[:, None],
            attention_mask=mask,
            position_ids=positions,
            cache=cache,
            use_cache=True,
        ).logits[:, -1, :]


def choose_tokens(logits: torch.Tensor, states: list[SequenceState]) -> tuple[torch.Tensor, list]:
    """Next token of each row (penalties and min-length masking, then greedy argmax or seeded sampling),
    and each row's logprobs entry when that request asked for logprobs."""
    logits = apply_penalties(logits, states)
    chosen = logits.argmax(dim=-1)
    logprobs = []
    for row, state in enumerate(states):
        params = state.params
        if params.do_sample and params.temperature > 0:
            chosen[row] = sample(logits[row], params.temperature, params.top_p, state.generator)
        logprobs.append(
            token_logprobs(logits[row], int(chosen[row]), params.top_logprobs) if params.logprobs else None
        )
    return chosen, logprobs


def apply_penalties(logits: torch.Tensor, states: list[SequenceState]) -> torch.Tensor:
    """Repetition/frequency/presence penalties and end-of-turn suppression below min tokens, per row."""
    for row, state in enumerate(states):
        p = state.params
        if len(state.tokens) < p.min_new_tokens:
            logits[row, list(state.end_ids)] = NEG_INF
        if p.repetition_penalty != 1.0:
            seen = torch.tensor(sorted(set(state.prompt_ids) | set(state.tokens)), dtype=torch.long)
            scores = logits[row, seen]
            logits[row, seen] = torch.where(
                scores < 0, scores * p.repetition_penalty, scores / p.repetition_penalty
            )
        if state.tokens and (p.frequency_penalty or p.presence_penalty):
            counts = torch.bincount(torch.tensor(state.tokens), minlength=logits.shape[-1]).float()
            logits[row] -= counts * p.frequency_penalty + (counts > 0).float() * p.presence_penalty
    return logits


def sample(row_logits: torch.Tensor, temperature: float, top_p: float, generator) -> int:
    """Temperature + nucleus (top-p) sampling with the request's own generator (so a seed reproduces)."""
    probs = torch.softmax(row_logits / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(descending=True)
        outside = sorted_probs.cumsum(-1) - sorted_probs > top_p  # keep the smallest set reaching top_p
        sorted_probs[outside] = 0.0
        probs = torch.zeros_like(probs).scatter(0, order, sorted_probs)
    return int(torch.multinomial(probs, 1, generator=generator))


def token_logprobs(row_logits: torch.Tensor, token: int, top: int) -> dict:
    """Log-probability of the chosen token and the `top` most likely alternatives (ids; text added later)."""
    logprobs = torch.log_softmax(row_logits, dim=-1)
    best = logprobs.topk(top) if top else None
    alternatives = list(zip(best.indices.tolist(), best.values.tolist(), strict=True)) if best else []
    return {"id": token, "logprob": float(logprobs[token]), "top": alternatives}
