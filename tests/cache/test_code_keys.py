"""A provider's code fingerprint covers its own module and the modules it uses, not its whole package."""

from __future__ import annotations

import sys
import textwrap

import pytest
from light import LightPlugin, light_config

from ftflow import keys
from ftflow.plugin import hookimpl
from ftflow.plugin.manager import load_plugins

PACKAGE = {
    # Like a built-in plugin package: __init__ registers every provider, so it imports every module.
    "__init__.py": "from fpkg.a import A\nfrom fpkg.b import B\n",
    "a.py": """
        from light import _Note

        class A(_Note):
            name, kind = "fa", "model"

            def run(self, ctx):
                from fpkg import helper  # a lazy import counts
                return super().run(ctx) if helper.READY else {}
        """,
    "b.py": """
        from light import _Note

        class B(_Note):
            name, kind = "fb", "data"
        """,
    "helper.py": "READY = True\n",
}


@pytest.fixture
def fpkg(tmp_path, monkeypatch):
    root = tmp_path / "src" / "fpkg"
    root.mkdir(parents=True)
    for name, text in PACKAGE.items():
        (root / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    yield root
    for name in [m for m in sys.modules if m == "fpkg" or m.startswith("fpkg.")]:
        del sys.modules[name]
    _forget()


def _forget() -> None:
    for cached in (keys.code_files, keys.code_fingerprint, keys._module_path, keys._module_imports, keys._top_level):
        cached.cache_clear()


def _edit(path, comment: str) -> None:
    path.write_text(path.read_text() + f"# {comment}\n")
    _forget()


def test_code_files_follow_imports_within_the_package(fpkg):
    import fpkg as package

    assert keys.code_files(package.A) == (fpkg / "a.py", fpkg / "helper.py")
    assert keys.code_files(package.B) == (fpkg / "b.py",)


def test_editing_a_sibling_module_keeps_other_providers_stages_cached(fpkg, light_runner):
    import fpkg as package

    class Plugin:
        @hookimpl
        def ftflow_register_providers(self, registry):
            registry.add(package.A)
            registry.add(package.B)

    plugins = load_plugins(extra=[LightPlugin(), Plugin()])
    config = {**light_config(), "model": {"provider": "fa"}, "data": {"provider": "fb"}}

    def ran() -> set[str]:
        return {r.name for r in light_runner(config, plugins).run("run", "ftflow run") if not r.cached}

    assert ran() == {"model", "data", "train", "eval"}
    _edit(fpkg / "b.py", "a comment in b")
    assert ran() == {"data"}  # the same output: train and eval stay cached too
    _edit(fpkg / "helper.py", "a comment in the helper A imports")
    assert ran() == {"model"}
    _edit(fpkg / "__init__.py", "the package's __init__ is nobody's code")
    assert ran() == set()


def test_builtin_sft_is_not_keyed_on_grpo():
    from ftflow_plugins.train.grpo import GrpoMethod
    from ftflow_plugins.train.sft import SftMethod

    sft = {p.name for p in keys.code_files(SftMethod)}
    assert {"sft.py", "common.py", "hf.py"} <= sft and "grpo.py" not in sft
    assert "grpo.py" in {p.name for p in keys.code_files(GrpoMethod)}


def test_training_is_not_keyed_on_decoding_or_reranking_code():
    """Editing the eval decoder, the GGUF export or a reranker must not retrain: the tokenize stage retrieves
    (RAG context) but reads which reranker its index uses from the index itself, with its code fingerprint
    (``rag.index.recorded``); the model stage writes a GGUF with llama.cpp's quantizer only."""
    from ftflow_plugins.data.tokenize import ChatTemplateTokenizer
    from ftflow_plugins.models.providers import SmolLM2Gguf
    from ftflow_plugins.train.sft import SftMethod

    for cls in (ChatTemplateTokenizer, SftMethod, SmolLM2Gguf):
        files = {f"{p.parent.name}/{p.name}" for p in keys.code_files(cls)}
        assert not files & {"llamacpp/generator.py", "llamacpp/batch.py", "llamacpp/engine.py", "export/gguf.py",
                            "rag/rerank.py", "rag/llm_rerank.py", "rag/index.py"}, (cls.__name__, sorted(files))
    assert "rag/retrieve.py" in {f"{p.parent.name}/{p.name}" for p in keys.code_files(ChatTemplateTokenizer)}
    # The method reads tokenized rows; it encodes mixed-in rows like the tokenize stage, without retrieving.
    assert not [p for p in keys.code_files(SftMethod) if p.parent.name == "rag"]


def test_a_provider_defined_in_a_script_is_keyed_on_the_script(tmp_path, monkeypatch):
    """A plugin registered from a script run as ``__main__`` (no ``__spec__``) is keyed on that file."""
    import types

    script = tmp_path / "launch.py"
    script.write_text("X = 1\n")
    main = types.ModuleType("__main__")
    main.__file__, main.__spec__ = str(script), None
    monkeypatch.setitem(sys.modules, "__main__", main)
    keys._top_level.cache_clear()
    keys._module_path.cache_clear()
    cls = type("Scripted", (), {"__module__": "__main__"})
    try:
        assert keys.code_files(cls) == (script,)
    finally:
        keys._top_level.cache_clear()
        keys._module_path.cache_clear()
        keys.code_files.cache_clear()
