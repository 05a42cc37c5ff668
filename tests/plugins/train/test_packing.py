"""Packed sequences train as if each conversation were alone: trl's padding-free collator turns
``seq_lengths`` into position ids that restart per conversation, and the model must not attend across
them.  Checked on a tiny random Llama: the summed loss of a packed row equals the separate rows' sum."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("pad_to", [None, 32])
def test_packed_row_loss_equals_the_separate_rows_losses(pad_to):
    """Also with static shapes (``method.static_shapes``): padding the flattened row to a fixed size
    with position-0 filler changes nothing for the real tokens."""
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from ftflow_plugins.data.packing import pack_rows

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    model = LlamaForCausalLM(config).eval()
    rows = [[5, 9, 11, 3, 7], [2, 8, 8, 4], [6, 1, 12, 13, 14, 15]]
    packed = pack_rows({"input_ids": rows}, 16)
    assert len(packed["input_ids"]) == 1 and sum(packed["seq_lengths"][0]) == 15

    collator = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True, pad_to_multiple_of=pad_to)
    batch = collator([{"input_ids": ids, "seq_lengths": lengths}
                      for ids, lengths in zip(packed["input_ids"], packed["seq_lengths"], strict=True)])
    assert batch["input_ids"].shape[1] == (pad_to or 15)
    assert (batch["labels"][0, 15:] == -100).all()
    with torch.no_grad():
        # use_cache=False, as both training paths pass: with a cache transformers does not look for packing.
        logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits[0]
    order = [rows.index(r) for r in _split(packed["input_ids"][0], packed["seq_lengths"][0])]
    start = 0
    for index, length in zip(order, packed["seq_lengths"][0], strict=True):
        with torch.no_grad():
            alone = model(input_ids=torch.tensor([rows[index]])).logits[0]
        torch.testing.assert_close(logits[start:start + length], alone, atol=1e-5, rtol=1e-4)
        start += length


def _split(ids: list[int], lengths: list[int]) -> list[list[int]]:
    out, start = [], 0
    for n in lengths:
        out.append(ids[start:start + n])
        start += n
    return out
