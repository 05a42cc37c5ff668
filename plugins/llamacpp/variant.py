"""``gguf`` eval variant: every GGUF file of the export stage, run through llama.cpp on the CPU.

``eval.variants: [base, tuned, gguf]`` expands to ``gguf:q8_0``, ``gguf:q4_k_m``, ... (one per file the
export wrote), so the report shows each quantization's scores next to the HF model's.
"""

from __future__ import annotations

from typing import Any

from ftflow.errors import UserError
from ftflow.stage import StageContext
from ftflow_plugins.evaluate.variants import Generator, Variant


def gguf_files(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """quant -> file info from an export artifact's metadata, in the recipe's order (empty: no GGUF)."""
    files = metadata.get("gguf") or {}
    order = [q for q in metadata.get("quants", []) if q in files]
    return {q: files[q] for q in order + sorted(set(files) - set(order))}


class GgufVariant(Variant):
    name = "gguf"
    description = "each exported GGUF file (gguf:<quant>) through llama.cpp on the CPU"
    libraries = ("llama-cpp-python",)
    needs = ("export",)
    code_modules = ("ftflow_plugins.llamacpp.generator",)

    def check(self, stage, upstream) -> list[str]:
        export = upstream.get("export")
        if export is not None and export.plugin != "gguf":
            return [f"eval.variants: 'gguf' reads GGUF files, but export={export.plugin} writes none: "
                    "use export=gguf"]
        return []

    def expand(self, ctx: StageContext) -> list[str]:
        files = gguf_files(ctx.inputs["export"].metadata)
        if not files:
            raise UserError("eval.variants: 'gguf' found no GGUF files in the export artifact (use export=gguf)")
        return [f"gguf:{quant}" for quant in files]

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        from ftflow_plugins.llamacpp.generator import LlamaCppGenerator, eval_workers

        export = ctx.inputs["export"]
        quant = name.split(":", 1)[1]
        info = gguf_files(export.metadata)[quant]
        path = export.path / info["file"]
        # Under the schema's grammar, as served, unless eval.constrained=false decodes every variant without one.
        constrain = getattr(ctx.config, "constrained", None) is not False
        suffix = "" if constrain or not getattr(ctx.config, "json_schema", None) else ":unconstrained"
        return LlamaCppGenerator(path, f"gguf:{info['sha256']}{suffix}", seed=ctx.seed, workers=eval_workers(path),
                                 constrain=constrain)
