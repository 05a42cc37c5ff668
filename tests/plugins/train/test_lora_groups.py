"""plugins/train/lora_groups.py: grouped LoRA projections compute what peft computes, in any call order."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")

from tests.plugins.train.test_lora_speed import _loss_and_grads, _relative_errors, _tiny_lora_model  # noqa: E402


def _grouped(model):
    from ftflow_plugins.train.lora_groups import group_lora_projections
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    fuse_lora_layers(model)
    assert group_lora_projections(model) == 2 * 2  # q/k/v and gate/up in each of 2 layers
    return model


def _count_calls(monkeypatch):
    from ftflow_plugins.train import lora_groups, lora_speed

    calls = {"grouped": 0, "single": 0}
    grouped, single = lora_groups.GroupedLoraFunction.apply, lora_speed.LoraLinearFunction.apply
    monkeypatch.setattr(lora_groups.GroupedLoraFunction, "apply",
                        lambda *a: calls.__setitem__("grouped", calls["grouped"] + 1) or grouped(*a))
    monkeypatch.setattr(lora_speed.LoraLinearFunction, "apply",
                        lambda *a: calls.__setitem__("single", calls["single"] + 1) or single(*a))
    return calls


def test_grouped_layers_match_peft(monkeypatch):
    """fp32: peft's loss and gradients to rounding; bf16 autocast: as close to the fp32 reference as peft's
    own bf16 path.  Each layer runs 2 grouped calls (q/k/v, gate/up) and 2 single ones (o, down)."""
    reference = _tiny_lora_model(attention_bias=True)  # frozen q/k/v biases ride along
    plain, grouped = copy.deepcopy(reference), _grouped(copy.deepcopy(reference))
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(1))
    calls = _count_calls(monkeypatch)
    ref_loss, ref_grads = _loss_and_grads(reference, ids, autocast=False)
    loss, grads = _loss_and_grads(grouped, ids, autocast=False)
    assert calls == {"grouped": 2 * 2, "single": 2 * 2}
    torch.testing.assert_close(loss, ref_loss, rtol=1e-5, atol=1e-6)
    assert grads.keys() == ref_grads.keys()
    for name, grad in ref_grads.items():
        torch.testing.assert_close(grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)

    grouped.zero_grad()
    plain_loss, plain_grads = _loss_and_grads(plain, ids, autocast=True)
    loss, grads = _loss_and_grads(grouped, ids, autocast=True)
    assert all(g.dtype == torch.float32 for g in grads.values())
    torch.testing.assert_close(loss, plain_loss, rtol=1e-3, atol=1e-3)
    errors, peft_errors = _relative_errors(grads, ref_grads), _relative_errors(plain_grads, ref_grads)
    assert max(errors) < 0.1 and sum(errors) < 1.5 * sum(peft_errors)
    assert not any(m._ftflow_group.dissolved for m in grouped.modules() if hasattr(m, "_ftflow_group"))


def test_a_member_called_with_another_input_computes_alone():
    """Outputs are handed over only for the very input the first member saw: k_proj on another tensor (or
    called before q_proj) gets its own result."""
    plain, grouped = _tiny_lora_model(), _grouped(_tiny_lora_model())
    attention, reference = grouped.base_model.model.model.layers[0].self_attn, \
        plain.base_model.model.model.layers[0].self_attn
    x, y = torch.randn(2, 5, 32), torch.randn(2, 5, 32)
    with torch.no_grad():
        torch.testing.assert_close(attention.k_proj(y), reference.k_proj(y))  # before any q_proj call
        attention.q_proj(x)
        torch.testing.assert_close(attention.k_proj(y), reference.k_proj(y))  # another input
        torch.testing.assert_close(attention.k_proj(x), reference.k_proj(x))  # handed over
        torch.testing.assert_close(attention.k_proj(x), reference.k_proj(x))  # again: computed alone
        torch.testing.assert_close(attention.v_proj(x), reference.v_proj(x))


def test_a_group_whose_outputs_go_unused_is_dissolved(monkeypatch):
    """A model whose k/v read another input than q (KV sharing, say) wastes the shared pass once: the next
    q_proj call finds the handed-over outputs untaken and the group computes alone from then on."""
    plain, grouped = _tiny_lora_model(), _grouped(_tiny_lora_model())
    attention, reference = grouped.base_model.model.model.layers[0].self_attn, \
        plain.base_model.model.model.layers[0].self_attn
    calls = _count_calls(monkeypatch)
    x, y = torch.randn(2, 5, 32), torch.randn(2, 5, 32)
    with torch.no_grad():
        for _ in range(3):
            torch.testing.assert_close(attention.q_proj(x), reference.q_proj(x))
            torch.testing.assert_close(attention.k_proj(y), reference.k_proj(y))
            torch.testing.assert_close(attention.v_proj(y), reference.v_proj(y))
    assert attention.q_proj._ftflow_group.dissolved
    assert calls == {"grouped": 1, "single": 3 * 3 - 1}  # the first pass's q_proj was grouped
    gate_group = grouped.base_model.model.model.layers[0].mlp.gate_proj._ftflow_group
    assert not gate_group.dissolved


def test_grouped_layers_follow_optimizer_steps_merge_and_disable():
    """Trained with fused AdamW (in-place updates) the grouped model follows peft's step by step; merged
    or disabled adapters take peft's path."""
    plain = _tiny_lora_model()
    grouped = _grouped(copy.deepcopy(plain))
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(3))
    optimizers = [torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=0.01, fused=True)
                  for m in (plain, grouped)]
    for _ in range(3):
        for model, optimizer in zip((plain, grouped), optimizers, strict=True):
            _loss_and_grads(model, ids, autocast=False)
            optimizer.step()
            optimizer.zero_grad()
        with torch.no_grad():  # Adam amplifies fp32 rounding (another summation order); a stale or wrong
            # gradient moves the logits by ~0.1-1
            torch.testing.assert_close(grouped(input_ids=ids).logits, plain(input_ids=ids).logits,
                                       rtol=1e-3, atol=1e-4)
    with torch.no_grad():
        tuned = grouped(input_ids=ids).logits
        with grouped.disable_adapter(), plain.disable_adapter():
            base = grouped(input_ids=ids).logits
            torch.testing.assert_close(base, plain(input_ids=ids).logits)
        grouped.merge_adapter()
        torch.testing.assert_close(grouped(input_ids=ids).logits, tuned, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(tuned, base, atol=1e-2)


def _patterned_lora_model():
    """Members with their own rank and scale (8/3 is not exact in bf16): a group must keep them apart."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2)
    lora = LoraConfig(r=4, lora_alpha=8, rank_pattern={"k_proj": 3, "up_proj": 2}, alpha_pattern={"v_proj": 5},
                      target_modules="all-linear", task_type="CAUSAL_LM")
    model = get_peft_model(LlamaForCausalLM(config), lora)
    for name, param in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(param, std=0.2)
    return model


@pytest.mark.parametrize("autocast", [False, True])
def test_members_keep_their_rank_and_scale_and_gradients_accumulate(autocast):
    """Two micro-batches accumulated (the members' A gradients are views of one tensor) give peft's
    summed gradients, with a rank and a scale of their own per member."""
    plain = _patterned_lora_model()
    grouped, reference = _grouped(copy.deepcopy(plain)), copy.deepcopy(plain)
    attention = grouped.base_model.model.model.layers[0].self_attn
    assert [attention.k_proj.lora_A["default"].weight.shape[0], attention.v_proj.scaling["default"]] == [3, 5 / 4]
    batches = [torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(seed)) for seed in (4, 5)]
    for model, cast in ((plain, autocast), (grouped, autocast), (reference, False)):
        for ids in batches:
            _loss_and_grads(model, ids, cast)
    sums = [{n: p.grad for n, p in m.named_parameters() if p.requires_grad} for m in (plain, grouped, reference)]
    if autocast:  # as close to the fp32 sums as peft's own bf16 path is
        peft_errors, errors = _relative_errors(sums[0], sums[2]), _relative_errors(sums[1], sums[2])
        assert max(errors) < 0.1 and sum(errors) < 1.5 * sum(peft_errors)
    else:
        for name, grad in sums[0].items():
            torch.testing.assert_close(sums[1][name], grad, rtol=1e-4, atol=1e-6, msg=name)


def test_layers_that_cannot_be_fused_are_not_grouped():
    from ftflow_plugins.train.lora_groups import group_lora_projections
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    model = _tiny_lora_model(bias="all", attention_bias=True)  # trained q/k/v biases: only the MLP fuses
    fuse_lora_layers(model)
    assert group_lora_projections(model) == 2  # gate/up per layer
