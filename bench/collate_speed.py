"""Host time to fetch and collate one SFT batch of packed rows: trl's collator chain beside ftflow's.

    python3 bench/collate_speed.py [--batch 8] [--seq 2048] [--batches 40]

ftflow's GPU training loop runs on one host thread, and batches are collated on that thread between steps
(``method.dataloader_workers=0``), so every millisecond here is a millisecond the GPU can wait
(bench/RESULTS.md).  Both paths read the same packed rows (chats of 60-400 tokens, ~40% of tokens
labelled, packed by ftflow's packer into ``--seq``-token rows) from a ``datasets.Dataset`` and return the
same tensors (``tests/plugins/train/test_packed_batches.py``):

* before: rows as Python lists, trl's padding-free ``DataCollatorForLanguageModeling`` padded to
  ``batch x seq``, then ftflow's token count and label positions (what ftflow 0.1 ran on CUDA until the
  fifth session);
* ftflow: rows as numpy arrays, ``PackedBatchCollator``.

Prints milliseconds per batch (median of rounds) and the ratio.  CPU only; no GPU needed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any


def packed_rows(rows: int, seq: int, seed: int = 0) -> Any:
    from datasets import Dataset

    from ftflow_plugins.data.packing import pack_rows

    rng = random.Random(seed)
    chats: dict[str, list[list[int]]] = {"input_ids": [], "labels": []}
    while sum(map(len, chats["input_ids"])) < rows * seq * 1.05:
        length = rng.randint(60, 400)
        ids = [rng.randrange(1, 128000) for _ in range(length)]
        answer = int(length * 0.6)  # the assistant's turn at the end is labelled
        chats["input_ids"].append(ids)
        chats["labels"].append([-100] * answer + ids[answer:])
    return Dataset.from_dict(pack_rows(chats, seq))


def time_per_batch(fetch: Callable[[list[int]], list[dict]], collate: Callable[[list[dict]], Any],
                   batches: list[list[int]]) -> float:
    start = time.perf_counter()
    for indices in batches:
        collate(fetch(indices))
    return (time.perf_counter() - start) / len(batches) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=2048)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import torch
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from ftflow_plugins.train.packed_batches import PackedBatchCollator
    from ftflow_plugins.train.sft_loss import label_positions
    from ftflow_plugins.train.telemetry import TokenCounter

    as_lists = packed_rows(args.batch * args.batches, args.seq)
    as_arrays = as_lists.with_format("numpy")
    order = list(range(len(as_lists)))
    random.Random(1).shuffle(order)
    batches = [order[i:i + args.batch] for i in range(0, len(order) - args.batch + 1, args.batch)]
    multiple = args.batch * args.seq
    trl_chain = label_positions(TokenCounter().wrap(
        DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True, pad_to_multiple_of=multiple)))
    ours = PackedBatchCollator(0, multiple, stamp_labels=True)
    paths = {"trl collator + stamps (lists)": (as_lists.__getitems__, trl_chain),
             "ftflow PackedBatchCollator (numpy)": (as_arrays.__getitems__, ours)}
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):  # alternate, so drift in the machine's load hits both
        for name, (fetch, collate) in paths.items():
            times[name].append(time_per_batch(fetch, collate, batches))
    print(f"{len(batches)} batches of {args.batch} x {args.seq} tokens, {args.rounds} rounds, "
          f"torch threads {torch.get_num_threads()}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:38s} {median:7.2f} ms/batch")
    before, after = medians.values()
    print(f"{'ratio (before / ftflow)':38s} {before / after:7.1f}x")


if __name__ == "__main__":
    main()
