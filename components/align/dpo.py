"""Direct preference trainers over the SFT adapter: DPO (default), ORPO and KTO, all from TRL 1.16.

    trainer = make_preference_trainer("dpo", policy, tokenizer, args, train_pairs, callbacks)

- dpo: `trl.DPOTrainer`. Given a PeftModel carrying the SFT adapter it copies that adapter into a frozen `ref`
  adapter: the reference policy is the SFT model on the same base, not a second model. `precompute_ref_log_probs`
  computes the reference log-probs once before training instead of a reference forward pass per step.
  `train_sampling_strategy: group_by_length` batches pairs of similar length (see `pair_lengths`): TRL pads
  chosen and rejected of a batch to one length, and transformers' own length grouping reads `input_ids`,
  which a DPO dataset does not have.
- orpo: `trl.experimental.orpo.ORPOTrainer` (experimental in TRL 1.16): reference-free, SFT loss plus an
  odds-ratio term, on the same pairs.
- kto: `trl.KTOTrainer` on the pairs unpaired (chosen = desirable, rejected = undesirable; see data.kto_rows),
  reference = frozen `ref` copy as for DPO.
"""

from __future__ import annotations

from typing import Any

from components.align.config import AlignConfig, trl_config_class
from components.align.data import dataset_for
from components.common.training import Precision, build_trainer_args

# tuneline defaults under the user's section: tokens/s needs `input_ids` in the batch, which only DPO has.
SECTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "dpo": {},
    "orpo": {"include_num_input_tokens_seen": "no"},
    "kto": {"include_num_input_tokens_seen": "no"},
    "reward": {},
    "grpo": {"include_num_input_tokens_seen": "no"},
}


def trainer_args(cfg: AlignConfig, section: str, precision: Precision, output_dir: str):
    """The TRL config of one section: tuneline defaults < the YAML section < values tuneline owns."""
    values = {**SECTION_DEFAULTS[section], **getattr(cfg, section)}
    return build_trainer_args(
        trl_config_class(section), values, precision=precision, output_dir=output_dir, seed=cfg.seed
    )


def reference_beta(method: str, args) -> float | None:
    """beta of the implicit reward log(pi / pi_ref) for methods with a reference model (ORPO has none)."""
    return float(args.beta) if method in ("dpo", "kto") else None


def pair_lengths(dataset) -> list[int] | None:
    """Padded length of each tokenised pair: prompt + the longer of chosen and rejected (what a batch pads to).

    None when the dataset is not TRL's tokenised DPO shape (prompt_ids, chosen_ids, rejected_ids).
    """
    columns = getattr(dataset, "column_names", None) or []
    if not {"prompt_ids", "chosen_ids", "rejected_ids"} <= set(columns):
        return None
    return [
        len(prompt) + max(len(chosen), len(rejected))
        for prompt, chosen, rejected in zip(
            dataset["prompt_ids"], dataset["chosen_ids"], dataset["rejected_ids"], strict=True
        )
    ]


def _length_grouped_dpo_trainer():
    """DPOTrainer whose `group_by_length` sampler groups pairs by `pair_lengths` (the base class would fail)."""
    from transformers.trainer_pt_utils import LengthGroupedSampler
    from trl import DPOTrainer

    class LengthGroupedDPOTrainer(DPOTrainer):
        def _get_train_sampler(self, train_dataset=None):
            dataset = train_dataset if train_dataset is not None else self.train_dataset
            lengths = (
                pair_lengths(dataset) if self.args.train_sampling_strategy == "group_by_length" else None
            )
            if lengths is None:
                return super()._get_train_sampler(train_dataset)
            batch = self.args.train_batch_size * self.args.gradient_accumulation_steps
            return LengthGroupedSampler(batch, lengths=lengths)

    return LengthGroupedDPOTrainer


def make_preference_trainer(method: str, policy, tokenizer, args, train_pairs: list, callbacks: list):
    """The TRL trainer for `method`, training the policy's `default` adapter (the SFT adapter)."""
    dataset = dataset_for(method, train_pairs)
    common = {
        "args": args,
        "train_dataset": dataset,
        "processing_class": tokenizer,
        "callbacks": callbacks,
    }
    if method == "dpo":
        return _length_grouped_dpo_trainer()(model=policy, **common)
    if method == "kto":
        from trl import KTOTrainer

        return KTOTrainer(model=policy, **common)
    if method == "orpo":
        from trl.experimental.orpo import ORPOTrainer

        return ORPOTrainer(model=policy, **common)
    raise ValueError(f"not a direct preference method: {method}")
