"""plugins/train/lora_speed.py: the fused LoRA layer computes what peft computes, forward and backward."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")


def _tiny_lora_model(dropout: float = 0.0, use_dora: bool = False, bias: str = "none", attention_bias: bool = False):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, attention_bias=attention_bias)
    model = get_peft_model(LlamaForCausalLM(config), LoraConfig(r=4, lora_alpha=8, lora_dropout=dropout, bias=bias,
                                                                 use_dora=use_dora, target_modules="all-linear",
                                                                 task_type="CAUSAL_LM"))
    for name, param in model.named_parameters():  # peft starts B at zero: make the low-rank term matter
        if "lora_B" in name:
            torch.nn.init.normal_(param, std=0.2)
    return model


def _loss_and_grads(model, ids, autocast: bool):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def _relative_errors(grads, reference):
    return [((grads[n] - reference[n]).norm() / reference[n].norm()).item() for n in reference]


def test_fused_layers_match_peft():
    """In fp32 the fused layers give peft's loss and gradients to rounding; under bf16 autocast they are
    as close to the fp32 reference as peft's own bf16 path is (a wrong term would be far off)."""
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    reference = _tiny_lora_model()
    plain, fused = copy.deepcopy(reference), copy.deepcopy(reference)
    assert fuse_lora_layers(fused) == 2 * 7  # q, k, v, o, gate, up, down per layer
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(1))
    ref_loss, ref_grads = _loss_and_grads(reference, ids, autocast=False)
    fused_loss, fused_grads = _loss_and_grads(fused, ids, autocast=False)
    torch.testing.assert_close(fused_loss, ref_loss, rtol=1e-5, atol=1e-6)
    assert fused_grads.keys() == ref_grads.keys() and len(ref_grads) == 2 * 2 * 7
    for name, grad in ref_grads.items():
        torch.testing.assert_close(fused_grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)

    for model in (plain, fused):
        model.zero_grad()
    plain_loss, plain_grads = _loss_and_grads(plain, ids, autocast=True)
    fused_loss, fused_grads = _loss_and_grads(fused, ids, autocast=True)
    assert all(g.dtype == torch.float32 for g in fused_grads.values())  # fp32 adapters get fp32 gradients
    torch.testing.assert_close(fused_loss, plain_loss, rtol=1e-3, atol=1e-3)
    peft_errors, fused_errors = _relative_errors(plain_grads, ref_grads), _relative_errors(fused_grads, ref_grads)
    assert max(fused_errors) < 0.1
    assert sum(fused_errors) < 1.5 * sum(peft_errors)


def test_fused_layers_follow_merge_and_disable():
    """Merged or disabled adapters take peft's own path, so generation and merging behave as before."""
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    model = _tiny_lora_model()
    fuse_lora_layers(model)
    ids = torch.randint(0, 64, (1, 8), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        tuned = model(input_ids=ids).logits
        with model.disable_adapter():
            base = model(input_ids=ids).logits
        model.merge_adapter()
        merged = model(input_ids=ids).logits
    assert not torch.allclose(tuned, base)
    torch.testing.assert_close(merged, tuned, rtol=1e-4, atol=1e-5)


def test_layers_with_dropout_dora_or_trained_bias_keep_peft_forward():
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    assert fuse_lora_layers(_tiny_lora_model(dropout=0.1)) == 0
    assert fuse_lora_layers(_tiny_lora_model(use_dora=True)) == 0
    # adapter.bias=all trains the base layers' biases: q/k/v/o have one here, the MLP layers do not
    assert fuse_lora_layers(_tiny_lora_model(bias="all", attention_bias=True)) == 2 * 3
    assert fuse_lora_layers(_tiny_lora_model(attention_bias=True)) == 2 * 7  # frozen biases are added


def test_an_adapter_switched_in_later_is_checked_on_each_call():
    """A second adapter with dropout, made active after fusing, runs through peft's forward."""
    from peft import LoraConfig

    from ftflow_plugins.train.lora_speed import LoraLinearFunction, fuse_lora_layers

    model = _tiny_lora_model()
    fuse_lora_layers(model)
    model.add_adapter("noisy", LoraConfig(r=4, lora_dropout=0.5, target_modules="all-linear",
                                          task_type="CAUSAL_LM"))
    calls = []
    original = LoraLinearFunction.apply
    LoraLinearFunction.apply = lambda *args: calls.append(1) or original(*args)
    try:
        ids = torch.randint(0, 64, (1, 8))
        model(input_ids=ids)
        fused_calls = len(calls)
        model.set_adapter("noisy")
        model(input_ids=ids)
    finally:
        LoraLinearFunction.apply = original
    assert fused_calls == 2 * 7 and len(calls) == fused_calls


@pytest.mark.parametrize("autocast", [False, True])
def test_cached_adapter_casts_follow_every_optimizer_step(autocast):
    """The scaled, cast adapters are cached between calls; each optimizer step (fused AdamW, as on GPUs)
    updates the parameters in place, and the next forward sees the new weights: training with fused
    layers follows training with peft's layers step by step."""
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    plain = _tiny_lora_model()
    fused = copy.deepcopy(plain)
    fuse_lora_layers(fused)
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(3))

    def logits(model):
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            return model(input_ids=ids).logits.float()

    before = logits(plain)
    optimizers = [torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.01, fused=True)
                  for model in (plain, fused)]
    for _ in range(3):
        for model, optimizer in zip((plain, fused), optimizers, strict=True):
            _loss_and_grads(model, ids, autocast)
            optimizer.step()
            optimizer.zero_grad()
        if autocast:  # bf16 rounding differs from peft's and Adam amplifies it: compare with the step's change
            moved = (logits(plain) - before).abs().mean()
            assert (logits(fused) - logits(plain)).abs().mean() < 0.3 * moved  # stale adapters: ~1x
        else:
            torch.testing.assert_close(logits(fused), logits(plain))
    assert (logits(plain) - before).abs().max() > 0.5  # stale adapters would fail the comparisons above
    with torch.no_grad():  # load_state_dict copies in place too
        for param in fused.parameters():
            if param.requires_grad:
                param.zero_()
        with fused.disable_adapter():
            base = logits(fused)
    torch.testing.assert_close(logits(fused), base)
