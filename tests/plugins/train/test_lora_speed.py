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


def _count_fused_calls(monkeypatch) -> list:
    from ftflow_plugins.train import lora_speed

    calls = []
    original = lora_speed.LoraLinearFunction.apply
    monkeypatch.setattr(lora_speed.LoraLinearFunction, "apply", lambda *a: calls.append(1) or original(*a))
    return calls


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


def test_an_adapter_switched_in_later_is_checked_on_each_call(monkeypatch):
    """A second adapter with dropout, made active after fusing, runs through peft's forward."""
    from peft import LoraConfig

    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    model = _tiny_lora_model()
    fuse_lora_layers(model)
    model.add_adapter("noisy", LoraConfig(r=4, lora_dropout=0.5, target_modules="all-linear",
                                          task_type="CAUSAL_LM"))
    calls = _count_fused_calls(monkeypatch)
    ids = torch.randint(0, 64, (1, 8))
    model(input_ids=ids)
    fused_calls = len(calls)
    model.set_adapter("noisy")
    model(input_ids=ids)
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


def _qlora_pair(tmp_path):
    """A tiny Llama loaded in 4-bit NF4 (bf16 compute) with LoRA on every linear layer, adapters in bf16 as trl
    makes them for quantized models, frozen biases on q/k/v/o; and its fp32 twin: the same dequantized base
    weights, biases and adapters."""
    pytest.importorskip("bitsandbytes")
    from bitsandbytes.functional import dequantize_4bit
    from peft import LoraConfig, get_peft_model
    from transformers import BitsAndBytesConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, attention_bias=True)
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                               bnb_4bit_compute_dtype=torch.bfloat16)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM")
    qlora = get_peft_model(LlamaForCausalLM.from_pretrained(tmp_path, quantization_config=quant, dtype=torch.bfloat16,
                                                            device_map={"": "cpu"}), lora)
    for name, param in qlora.named_parameters():
        if param.requires_grad:
            if "lora_B" in name:
                torch.nn.init.normal_(param, std=0.2)
            param.data = param.data.to(torch.bfloat16)
    twin = get_peft_model(LlamaForCausalLM.from_pretrained(tmp_path, dtype=torch.float32), copy.deepcopy(lora))
    dense = dict(twin.named_modules())
    with torch.no_grad():
        for name, module in qlora.named_modules():
            if hasattr(module, "lora_A"):
                weight, bias = module.base_layer.weight, module.base_layer.bias
                dense[name].base_layer.weight.copy_(dequantize_4bit(weight, weight.quant_state).float())
                if bias is not None:
                    dense[name].base_layer.bias.copy_(bias.float())
        adapters = {k: v.float() for k, v in qlora.state_dict().items() if "lora_" in k}
        assert not twin.load_state_dict(adapters, strict=False).unexpected_keys
    return qlora, twin


def test_4bit_layers_fused_and_grouped_match_peft(tmp_path, monkeypatch):
    """method.fused_qlora: LoRA layers on 4-bit bases, fused alone and in groups, are as close to the fp32
    twin as peft's own QLoRA forward is, in loss and every adapter gradient (a wrong term would be far off);
    under autocast and with the model's own bf16 inputs.  Without ``four_bit`` nothing is fused."""
    from ftflow_plugins.train import lora_speed
    from ftflow_plugins.train.lora_groups import group_lora_projections

    qlora, twin = _qlora_pair(tmp_path)
    assert lora_speed.fuse_lora_layers(copy.deepcopy(qlora)) == 0
    fused, grouped = copy.deepcopy(qlora), copy.deepcopy(qlora)
    assert lora_speed.fuse_lora_layers(fused, four_bit=True) == 2 * 7
    lora_speed.fuse_lora_layers(grouped, four_bit=True)
    assert group_lora_projections(grouped) == 2 * 2
    calls = _count_fused_calls(monkeypatch)
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(1))
    ref_loss, ref_grads = _loss_and_grads(twin, ids, autocast=False)
    for autocast in (True, False):
        for model in (qlora, fused, grouped):
            model.zero_grad()
        peft_loss, peft_grads = _loss_and_grads(qlora, ids, autocast)
        calls.clear()
        for model, expected_calls in ((fused, 2 * 7), (grouped, 2 * 2)):  # grouped: only o_proj and down_proj
            loss, grads = _loss_and_grads(model, ids, autocast)
            assert len(calls) == expected_calls
            calls.clear()
            assert grads.keys() == ref_grads.keys() and all(g.dtype == torch.bfloat16 for g in grads.values())
            assert abs(loss.float() - ref_loss) <= max(2 * abs(peft_loss.float() - ref_loss), 5e-3)
            errors, peft_errors = _relative_errors(grads, ref_grads), _relative_errors(peft_grads, ref_grads)
            assert max(errors) < 0.1 and sum(errors) < 1.5 * sum(peft_errors), (autocast, errors, peft_errors)


def test_4bit_layers_keep_no_dense_weight_and_fall_back_where_inexact(tmp_path, monkeypatch):
    """A fused 4-bit layer saves its packed weight for the backward, not a dequantized copy (QLoRA's memory
    saving).  peft's path runs for an input or autocast dtype other than the layer's compute dtype, and for a
    weight that lost its quantization state or was repacked for bitsandbytes' CPU kernels."""
    from ftflow_plugins.train import lora_speed

    qlora, _ = _qlora_pair(tmp_path)
    lora_speed.fuse_lora_layers(qlora, four_bit=True)
    layer = qlora.base_model.model.model.layers[0].mlp.gate_proj
    saved = []

    def pack(tensor):
        saved.append(tensor)
        return tensor

    x = torch.randn(3, 64, dtype=torch.bfloat16, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        layer(x).sum().backward()
    assert any(t.dtype == torch.uint8 for t in saved)  # the packed 4-bit weight
    assert all(t.numel() < 64 * 128 for t in saved if t.is_floating_point())  # no dense weight, either way round
    calls = _count_fused_calls(monkeypatch)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        layer(x)
        with pytest.warns(UserWarning, match="fused_qlora: a 4-bit LoRA layer runs peft's path"):
            layer(x.float())  # fp32 input, bf16 compute: bitsandbytes returns fp32
    with torch.autocast("cpu", dtype=torch.float16):
        layer(x)
    assert len(calls) == 1
    state = layer.base_layer.weight.quant_state
    state.packing_format_for_cpu = True
    assert lora_speed.fusable_adapter(layer, x, autocast=False) is None
    state.packing_format_for_cpu = False
    assert lora_speed.fusable_adapter(layer, x, autocast=False) == "default"
    expected = layer(x)
    layer.base_layer.weight.quant_state = None  # bitsandbytes restores it from the module in its own forward
    torch.testing.assert_close(layer(x), expected, rtol=5e-2, atol=5e-3)  # peft in bf16: rounding only
    assert len(calls) == 2


@pytest.mark.parametrize("fused_qlora, expected", [(None, 2 * 7), (False, 0), (True, 2 * 7)])
def test_fused_qlora_defaults_to_on_wherever_fused_lora_is(tmp_path, fused_qlora, expected):
    """speed_up_lora, as the train stage calls it: method.fused_qlora=null fuses the 4-bit layers whenever
    method.fused_lora is on; false keeps peft's path for them."""
    from types import SimpleNamespace

    from ftflow_plugins.train import lora_speed

    qlora, _ = _qlora_pair(tmp_path)
    logs = []
    cfg = SimpleNamespace(lora_autocast=False, fused_lora=True, fused_qlora=fused_qlora, lora_groups=False)
    backend = SimpleNamespace(device=lambda: "cpu", use_bf16=lambda: False)
    from ftflow_plugins.train.precision import Precision

    lora_speed.speed_up_lora(SimpleNamespace(log=logs.append), cfg, backend, qlora, one_process=True,
                             precision=Precision("fp32", "test"))
    assert f"fused LoRA forward/backward on {expected} layers" in logs
    assert sum(hasattr(m, "_ftflow_4bit") for m in qlora.modules()) == expected
