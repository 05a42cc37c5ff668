"""Batches of packed rows for SFT, collated with numpy (``method.packing`` with padding-free rows).

trl's padding-free collator (``DataCollatorForLanguageModeling``) turns every example's token lists into
tensors with ``torch.tensor(list)`` and pads and indexes them with small torch CPU ops; with ftflow's token
count and label positions on top that is ~10 ms of Python a batch of 8 x 2048 tokens on this machine, spent on
the training loop's thread while the GPU waits (the loop is host-bound: bench/RESULTS.md).
``PackedBatchCollator`` returns the same keys and values (checked against trl's in
``tests/plugins/train/test_packed_batches.py``) from numpy arrays, and stamps the real-token count and, for
the lean SFT loss, the labelled positions in the same pass.

trl's layout: all rows of a batch are concatenated into one row (padding-free), positions restart at 0 for
each conversation, the labels at position 0 are ignored, the row is padded to ``pad_to_multiple_of``, and the
conversation boundaries are given for varlen kernels (``cu_seq_lens_*``, ``max_length_*``, ``seq_idx``).

The ``rows`` layout (the CPU default) keeps each packed row a row of the batch instead, padded to the longest
row, with the same restarting positions and no attention mask: transformers then builds a block-causal mask
per row from the positions.  Without varlen kernels (CPU SDPA), one concatenated row of B x L tokens would
attend over (B x L)^2 scores under a block mask, B times the work of B rows of L (measured in
bench/RESULTS.md, the CPU section).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftflow_plugins.train.sft_loss import IGNORE, label_stamps
from ftflow_plugins.train.telemetry import TokenCounter


@dataclass(frozen=True)
class PackedBatchCollator:
    """trl's padding-free collation plus ftflow's stamps; picklable for data-loader workers."""

    pad_token_id: int
    pad_to_multiple_of: int | None
    stamp_labels: bool = False  # the labelled positions, for the lean SFT loss (sft_loss.label_stamps)
    rows: bool = False  # one batch row per packed row (no varlen kernels: CPU) instead of one concatenated row

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        if not self.rows:
            return self._flat(examples)
        import numpy as np
        import torch

        width = _round_up(max(len(e["input_ids"]) for e in examples), self.pad_to_multiple_of)
        input_ids = np.full((len(examples), width), self.pad_token_id, dtype=np.int64)
        labels = np.full((len(examples), width), IGNORE, dtype=np.int64)
        positions = np.zeros((len(examples), width), dtype=np.int64)
        real = 0
        for row, example in enumerate(examples):
            ids = np.asarray(example["input_ids"], dtype=np.int64)
            lengths = np.asarray(example.get("seq_lengths", [len(ids)]), dtype=np.int64)
            n = len(ids)
            input_ids[row, :n] = ids
            labels[row, :n] = np.asarray(example.get("labels", ids), dtype=np.int64)
            positions[row, :n] = np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            positions[row, n:] = np.arange(width - n)  # the padding is a block of its own, trained on by nothing
            real += n
        labels[positions == 0] = IGNORE  # a conversation's first token predicts nothing
        batch: dict[str, Any] = {"input_ids": torch.from_numpy(input_ids), "labels": torch.from_numpy(labels),
                                 "position_ids": torch.from_numpy(positions), TokenCounter.KEY: real}
        if self.stamp_labels:
            batch.update(label_stamps(labels))
        return batch

    def _flat(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import numpy as np
        import torch

        input_ids = np.concatenate([np.asarray(e["input_ids"], dtype=np.int64) for e in examples])
        labels = np.concatenate([np.asarray(e.get("labels", e["input_ids"]), dtype=np.int64) for e in examples])
        lengths = np.concatenate([np.asarray(e["seq_lengths"] if "seq_lengths" in e else [len(e["input_ids"])],
                                             dtype=np.int64) for e in examples])
        real = len(input_ids)
        padded = _round_up(real, self.pad_to_multiple_of)
        starts = np.cumsum(lengths) - lengths
        positions = np.zeros(padded, dtype=np.int64)
        positions[:real] = np.arange(real) - np.repeat(starts, lengths)
        input_ids = np.concatenate([input_ids, np.full(padded - real, self.pad_token_id, dtype=np.int64)])
        labels = np.concatenate([labels, np.full(padded - real, IGNORE, dtype=np.int64)])
        labels[positions == 0] = IGNORE  # a conversation's first token predicts nothing; padding is all zeros
        boundaries = np.append(np.flatnonzero(positions == 0), padded).astype(np.int32)
        spans = np.diff(boundaries)
        batch: dict[str, Any] = {
            "input_ids": torch.from_numpy(input_ids)[None],
            "labels": torch.from_numpy(labels)[None],
            "position_ids": torch.from_numpy(positions)[None],
        }
        batch["cu_seq_lens_q"] = batch["cu_seq_lens_k"] = torch.from_numpy(boundaries)
        batch["max_length_q"] = batch["max_length_k"] = int(spans.max())
        batch["seq_idx"] = torch.from_numpy(np.repeat(np.arange(len(spans), dtype=np.int32), spans))[None]
        batch[TokenCounter.KEY] = real  # real tokens, for the telemetry
        if self.stamp_labels:
            batch.update(label_stamps(labels[None]))
        return batch


def _round_up(length: int, multiple: int | None) -> int:
    return length if not multiple else -(-length // multiple) * multiple
