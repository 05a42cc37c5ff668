"""ftflow's numpy collator returns exactly what trl's padding-free collator and ftflow's stamps return."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
import torch

from ftflow_plugins.train.packed_batches import PackedBatchCollator
from ftflow_plugins.train.sft_loss import label_positions
from ftflow_plugins.train.telemetry import TokenCounter


def packed_examples(rows: int, length: int, seed: int, with_lengths: bool = True) -> list[dict]:
    rng = random.Random(seed)
    examples = []
    for _ in range(rows):
        lengths = [rng.randint(1, 40) for _ in range(rng.randint(1, 5))]
        ids = [rng.randrange(1, 1000) for _ in range(min(sum(lengths), length))]
        labels = [token if rng.random() < 0.6 else -100 for token in ids]
        example = {"input_ids": ids, "labels": labels}
        if with_lengths:
            example["seq_lengths"] = lengths if sum(lengths) <= length else [len(ids)]
        examples.append(example)
    return examples


def trl_batch(examples: list[dict], multiple: int | None, stamp_labels: bool) -> dict:
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    collate = TokenCounter().wrap(DataCollatorForLanguageModeling(pad_token_id=7, padding_free=True,
                                                                   pad_to_multiple_of=multiple))
    return (label_positions(collate) if stamp_labels else collate)(examples)


@pytest.mark.parametrize("multiple, stamp_labels, with_lengths", [(None, False, True), (256, True, True),
                                                                  (64, True, False)])
def test_same_batch_as_trl(multiple, stamp_labels, with_lengths):
    examples = packed_examples(8, 128, seed=multiple or 1, with_lengths=with_lengths)
    expected = trl_batch(examples, multiple, stamp_labels)
    collate = PackedBatchCollator(7, multiple, stamp_labels=stamp_labels)
    as_arrays = [{key: np.asarray(value) for key, value in example.items()} for example in examples]
    for batch in (collate(examples), pickle.loads(pickle.dumps(collate))(as_arrays)):  # lists, or a numpy dataset
        assert batch.keys() == expected.keys()
        for key, value in expected.items():
            if torch.is_tensor(value):
                assert batch[key].dtype == value.dtype and torch.equal(batch[key], value), key
            else:
                assert batch[key] == value, key
    if multiple:
        assert expected["input_ids"].shape[1] % multiple == 0 and expected["input_ids"].shape[1] > multiple - 1
