"""Chat-template parity: the prompt llama.cpp builds from a GGUF must tokenize exactly like the HF one.

A model is tuned on prompts rendered by the HF tokenizer's template; llama-cpp-python renders chats
with the template *embedded in the GGUF* and its own tokenizer.  Any drift (a lost template, a changed
special token, a different BOS rule) silently degrades every answer of the exported model, so the
export stage compares token ids on fixed conversations and fails with a readable diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

#: (name, messages, add_generation_prompt): system/user/assistant, multi-turn, no system prompt,
#: a finished conversation, and text with non-ASCII characters, markup and surrounding whitespace.
CONVERSATIONS: tuple[tuple[str, list[dict[str, str]], bool], ...] = (
    ("user-only", [{"role": "user", "content": "How do I switch networks?"}], True),
    ("system+user", [
        {"role": "system", "content": "You are Lumen Wallet's support agent. Answer briefly."},
        {"role": "user", "content": "My transaction is stuck as pending."},
    ], True),
    ("multi-turn", [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is a seed phrase?"},
        {"role": "assistant", "content": "A list of 12 or 24 words that restores your wallet."},
        {"role": "user", "content": "Should I share it with support?"},
    ], True),
    ("finished", [
        {"role": "user", "content": "Is gas paid in ETH?"},
        {"role": "assistant", "content": "Yes, on Ethereum mainnet gas is paid in ETH."},
    ], False),
    ("unicode+markup", [
        {"role": "system", "content": "Réponds en français, s'il te plaît."},
        {"role": "user", "content": "  Coût des frais — 0.5 € ? <b>urgent</b> 🚀\n```json\n{\"a\": 1}\n```  "},
    ], True),
)


class TemplateParityError(RuntimeError):
    """The GGUF's chat template (or tokenizer) does not reproduce the HF prompt tokens."""


def hf_token_ids(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
    ids = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=add_generation_prompt,
                                        return_dict=False)
    return [int(i) for i in ids]


class GgufChat:
    """The prompt-building half of llama-cpp-python's chat completion, from a GGUF's own metadata.

    It mirrors ``Llama.__init__`` (a ``Jinja2ChatFormatter`` over ``tokenizer.chat_template`` with the
    file's BOS/EOS texts) and the chat handler (``tokenize(prompt, add_bos=not added_special,
    special=True)``), so the ids are those ``create_chat_completion`` feeds the model.
    """

    def __init__(self, gguf_path: Path) -> None:
        import llama_cpp

        self.llm = llama_cpp.Llama(str(gguf_path), vocab_only=True, verbose=False)
        self.template = self.llm.metadata.get("tokenizer.chat_template")
        if not self.template:
            self.close()
            raise TemplateParityError(f"{gguf_path.name} carries no tokenizer.chat_template")

    def _text(self, token: int) -> str:
        return self.llm._model.token_get_text(token) if token != -1 else ""

    def token_ids(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(self.template, eos_token=self._text(self.llm.token_eos()),
                                        bos_token=self._text(self.llm.token_bos()),
                                        add_generation_prompt=add_generation_prompt)
        result = formatter(messages=messages)
        return self.llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)

    def piece(self, token: int) -> str:
        return self.llm.detokenize([token], special=True).decode("utf-8", errors="replace")

    def close(self) -> None:
        self.llm.close()


def _diff(name: str, hf: list[int], gguf: list[int], hf_piece: Any, gguf_piece: Any) -> str:
    """First divergence with a few tokens of context, then a unified diff of id:piece lines."""
    first = next((i for i, (a, b) in enumerate(zip(hf, gguf, strict=False)) if a != b), min(len(hf), len(gguf)))
    lo = max(0, first - 3)
    lines = [f"conversation '{name}': {len(hf)} HF tokens vs {len(gguf)} GGUF tokens, first difference at "
             f"token {first}",
             f"  HF  : {[f'{t}:{hf_piece(t)!r}' for t in hf[lo:first + 4]]}",
             f"  GGUF: {[f'{t}:{gguf_piece(t)!r}' for t in gguf[lo:first + 4]]}"]
    unified = difflib.unified_diff([f"{t}:{hf_piece(t)!r}" for t in hf], [f"{t}:{gguf_piece(t)!r}" for t in gguf],
                                   "hf", "gguf", n=1, lineterm="")
    lines += ["  " + line for line in list(unified)[:40]]
    return "\n".join(lines)


def check_parity(tokenizer: Any, gguf_path: Path,
                 conversations: tuple[tuple[str, list[dict[str, str]], bool], ...] = CONVERSATIONS
                 ) -> dict[str, Any]:
    """Compare token ids on every conversation; raise ``TemplateParityError`` listing each mismatch."""
    chat = GgufChat(gguf_path)
    try:
        failures, checked = [], 0
        for name, messages, add_generation_prompt in conversations:
            hf = hf_token_ids(tokenizer, messages, add_generation_prompt)
            gguf = chat.token_ids(messages, add_generation_prompt)
            checked += 1
            if hf != gguf:
                failures.append(_diff(name, hf, gguf, lambda t: tokenizer.decode([t]), chat.piece))
    finally:
        chat.close()
    if failures:
        raise TemplateParityError(f"chat template parity failed for {gguf_path.name} "
                                  f"({len(failures)}/{checked} conversations):\n" + "\n".join(failures))
    return {"file": gguf_path.name, "conversations": checked, "ok": True}
