"""Pack tokenized conversations into ``max_length`` sequences, as full as the data allows.

Why our own packer: trl's best-fit-decreasing (``pack_dataset(strategy="bfd")``) is greedy, and on short
support chats (150-280 tokens into 1,024) it leaves ~6% of every batch as padding (94.4% on
wallet_support).  Here each sequence is filled as close to ``max_length`` as any subset of the remaining
rows can reach — a subset-sum search per bin ("minimum bin slack"), done with a numpy bitset in
O(rows x max_length) per bin — which reaches 98-99% on the same data.  Rows are processed in chunks of
``CHUNK`` (like trl's ``datasets.map`` batches) so that cost stays linear in the data set.

The SFT trainer feeds the packed rows to trl as they are (``padding_free``), with ``seq_lengths`` so
that position ids restart at every conversation and attention never crosses conversations (flash
attention's varlen path, or the block-diagonal mask transformers builds from those position ids).
Efficiency = real tokens / (sequences x max_length): the share of compute spent on data.
"""

from __future__ import annotations

from typing import Any

CHUNK = 1000


def fill_one_bin(lengths: list[int], remaining: list[int], capacity: int) -> list[int]:
    """Indices (into ``lengths``) of a subset of ``remaining`` whose total is the largest <= capacity.

    ``remaining`` is sorted longest first, so each reachable total is first reached with the longest
    rows: long rows are placed early, when there is still room to pair them well.
    """
    import numpy as np

    reach = np.zeros(capacity + 1, dtype=bool)
    reach[0] = True
    via = np.full(capacity + 1, -1, dtype=np.int64)  # the row that first reached each total
    for index in remaining:
        size = lengths[index]
        if size > capacity:
            continue
        new = reach[:-size] & ~reach[size:] if size else np.zeros(0, dtype=bool)
        if new.any():
            targets = np.nonzero(new)[0] + size
            reach[targets] = True
            via[targets] = index
            if reach[capacity]:
                break
    total = int(np.nonzero(reach)[0][-1])
    chosen = []
    while total > 0:  # each row was added to a total reached only with rows before it
        index = int(via[total])
        chosen.append(index)
        total -= lengths[index]
    return chosen


def pack_indices(lengths: list[int], max_length: int, chunk: int = CHUNK) -> list[list[int]]:
    """Group row indices into sequences of at most ``max_length`` tokens (rows longer are clipped)."""
    clipped = [min(n, max_length) for n in lengths]
    bins: list[list[int]] = []
    for start in range(0, len(clipped), chunk):
        remaining = sorted((i for i in range(start, min(start + chunk, len(clipped))) if clipped[i] > 0),
                           key=lambda i: (-clipped[i], i))
        while remaining:
            chosen = fill_one_bin(clipped, remaining, max_length)
            taken = set(chosen)
            bins.append(sorted(chosen))
            remaining = [i for i in remaining if i not in taken]
    return bins


def pack_rows(rows: dict[str, list[list[int]]], max_length: int) -> dict[str, list[list[int]]]:
    """Concatenate the columns of packed rows; ``seq_lengths`` lists each sequence's conversations."""
    columns = list(rows)
    lengths = [len(ids) for ids in rows[columns[0]]]
    packed: dict[str, list[list[int]]] = {name: [] for name in [*columns, "seq_lengths"]}
    for members in pack_indices(lengths, max_length):
        for name in columns:
            packed[name].append([token for i in members for token in rows[name][i][:max_length]])
        packed["seq_lengths"].append([min(lengths[i], max_length) for i in members])
    return packed


def packing_report(lengths: list[int], max_length: int) -> dict[str, Any]:
    """Sequences and efficiency of packing these (untruncated) lengths, for the run report."""
    tokens = sum(min(n, max_length) for n in lengths)
    bins = len(pack_indices(lengths, max_length))
    return {"strategy": "subset-sum", "max_length": max_length, "sequences": len(lengths), "bins": bins,
            "tokens": tokens, "efficiency": round(tokens / (bins * max_length), 4) if bins else 0.0}
