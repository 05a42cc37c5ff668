"""report.md / report.html from a manifest: self-contained HTML with the plots, no heavy imports."""

from __future__ import annotations

import base64
import re
import subprocess
import sys

from ftflow.plugin.manager import load_plugins
from ftflow.report.html import markdown_to_html
from ftflow.report.manifest import write_run_record
from ftflow.report.sections import collect_sections


def _manifest(tmp_path) -> dict:
    train_dir = tmp_path / "train"
    train_dir.mkdir()
    taxonomy = {"categories": {"format": {"group": "behaviour", "meaning": "m"}},
                "variants": {"base": {"total": 4, "failed": 3, "counts": {"format": 2, "missing_fact": 1},
                                      "groups": {"behaviour": 2, "knowledge": 1}, "examples": {}},
                             "tuned": {"total": 4, "failed": 1, "counts": {"missing_fact": 1},
                                       "groups": {"knowledge": 1}, "examples": {}}},
                "focus": "tuned", "recommendation": "add retrieval (RAG)"}
    stage = {"kind": "k", "plugin": "p", "key": "0123456789abcdef", "seconds": 1.5}
    return {
        "run_id": "r-1", "recipe": "smoke", "status": "ok", "error": None, "ftflow_version": "0", "python": "3",
        "stages": [{**stage, "name": "data", "cached": True, "artifact": str(tmp_path)},
                   {**stage, "name": "train", "cached": False, "artifact": str(train_dir)},
                   {**stage, "name": "eval", "cached": False, "artifact": str(tmp_path)}],
        "metrics": {"base": {"token_f1": 0.2, "json_schema": 0.1}, "tuned": {"token_f1": 0.6, "json_schema": 0.9}},
        "stage_metadata": {
            "data": {"report_md": "| split | rows |\n|---|---|\n| train | 30 |\n\nLeakage: 0 <b>exact</b>."},
            "train": {"objective": "sft", "adapter": "lora", "loss_curve": [[1, 3.0], [2, 2.5], [3, 2.1]]},
            "eval": {"taxonomy": taxonomy, "report_md": "### Failure taxonomy\n\n**Recommendation**: `x | y`"},
        },
        "config": {"seed": 1},
    }


def test_report_html_is_self_contained_with_plots(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    manifest = _manifest(tmp_path)
    sections = collect_sections(load_plugins().hook.ftflow_report_sections(manifest=manifest))  # train, evaluate
    write_run_record(run_dir, manifest, sections=sections)
    page = (run_dir / "report.html").read_text()
    assert "<style>" in page and not re.search(r"<link|<script|src=\"(?!data:)|url\(", page)
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)"', page)
    assert {alt for alt, _ in images} == {"metrics per variant", "Training loss", "Failure taxonomy"}
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for _, data in images)
    assert "<td>tuned</td>" in page and "Data quality" in page and "&lt;b&gt;exact&lt;/b&gt;" in page
    assert "2 ran, 1 cached" in page and "<code>x | y</code>" in page
    md = (run_dir / "report.md").read_text()
    assert "loss 3 → 2.1" in md and "| tuned | 0.9 | 0.6 |" in md and "### Failure taxonomy" in md


def test_markdown_tables_headings_and_code_blocks():
    html = markdown_to_html("## Title\n\n| a | b \\| c |\n|---|---|\n| 1 | x |\n\n```\n<raw>\n```\ntext **bold**")
    assert "<h2>Title</h2>" in html and "<th>b | c</th>" in html and '<td class="num">1</td>' in html
    assert "<pre>&lt;raw&gt;</pre>" in html and "<p>text <strong>bold</strong></p>" in html


def test_report_modules_import_nothing_heavy():
    code = ("import sys, ftflow.report.manifest, ftflow.report.html, ftflow.commands.info, ftflow_plugins.evaluate;"
            "print(sorted(m for m in ('matplotlib', 'torch', 'transformers', 'jsonschema') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
