"""``report.html``: one self-contained page (inline CSS, plots as base64 PNGs) built from the manifest.

It shows the same sections as ``report.md`` plus plots: metrics per variant and the charts of the sections
plugins contribute (``ftflow_report_sections``: the training loss, the failure taxonomy).  Stage sections (``report_md`` in a stage's metadata: data quality, tokenization,
evaluation) are Markdown; a small converter below turns their tables, headings and paragraphs into HTML,
so no Markdown library is needed.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from ftflow.cache.memo import Memo
from ftflow.report.markdown import metrics_table, stage_summary
from ftflow.report.sections import ReportSection

_CSS = """
body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px 32px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
h3{font-size:15px;margin:18px 0 6px}h4{font-size:14px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6}tr:nth-child(even) td{background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:SFMono-Regular,Consolas,monospace;font-size:12px;background:#f0f3f6;border-radius:4px}
code{padding:1px 4px}pre{padding:10px;white-space:pre-wrap}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.ok{background:#1a7f37}.failed{background:#cf222e}.muted{color:#656d76}
img{max-width:100%;border:1px solid #eaeef2;border-radius:6px;margin:6px 0}
.grid{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.grid>div{flex:1 1 480px}
.scroll{overflow-x:auto}
"""


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _inline(text: str) -> str:
    """Escape, then **bold** and `code` (the only inline Markdown the stage sections use)."""
    text = _esc(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def _cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def _html_table(headers: list[str], rows: list[list[Any]]) -> str:
    def td(value: Any) -> str:
        text = str(value)
        cls = ' class="num"' if re.fullmatch(r"[-+]?[\d.,]+(%|s| GB)?|–", text) else ""
        return f"<td{cls}>{_inline(text)}</td>"

    head = "".join(f"<th>{_inline(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(td(c) for c in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def markdown_to_html(text: str, heading_offset: int = 0) -> str:
    """Headings, pipe tables, fenced code and paragraphs; everything else is escaped text."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append(f"<pre>{_esc(chr(10).join(lines[i + 1:j]))}</pre>")
            i = j + 1
        elif line.lstrip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [_cells(b) for b in block if not re.fullmatch(r"\s*\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*", b)]
            out.append(_html_table(rows[0], rows[1:]) if rows else "")
        elif m := re.match(r"(#{1,6})\s+(.*)", line):
            level = min(len(m.group(1)) + heading_offset, 6)
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            i += 1
        elif line.strip():
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].lstrip().startswith(("|", "#", "```")):
                para.append(lines[i].strip())
                i += 1
            out.append(f"<p>{_inline(' '.join(para))}</p>")
        else:
            i += 1
    return "\n".join(out)


def _img(data: str | None, alt: str) -> str:
    if data is None:
        return f'<p class="muted">({_esc(alt)}: no plot — matplotlib is not installed or there is no data)</p>'
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


def _chart(memo: Memo | None, fn: Callable[..., str | None], data: Any) -> str | None:
    """A plot, memoised by the data it draws: a fully cached rerun redraws nothing (matplotlib's import
    and rendering cost seconds, more than the rest of a cached run)."""
    key = Memo.key("chart", fn.__name__, data) if memo else None
    hit = memo.get(key) if memo and key else None
    if hit is not None:
        return hit or None
    chart = fn(data)
    if memo and key:
        memo.put(key, chart or "")
    return chart


def _section_html(section: ReportSection, memo: Memo | None) -> list[str]:
    from ftflow.report.plots import DRAW

    parts = [f"<h2>{_esc(section.title)}</h2>"]
    if section.markdown:
        parts.append(markdown_to_html(section.markdown, heading_offset=0))
    for chart in section.charts:
        parts.append(_img(_chart(memo, DRAW[chart.shape], dataclasses.asdict(chart)), chart.title))
    return parts


def render_html(manifest: dict[str, Any], memo: Memo | None = None,
                sections: Sequence[ReportSection] = ()) -> str:
    """The self-contained report; ``memo`` (the workspace's) keeps plots across runs; ``sections`` are what
    plugins contribute (``ftflow_report_sections``)."""
    from ftflow.report.plots import metrics_chart

    status = manifest["status"]
    parts = [f"<h1>ftflow run <code>{_esc(manifest['run_id'])}</code></h1>",
             f'<p>recipe <strong>{_esc(manifest["recipe"])}</strong> &nbsp; '
             f'<span class="status {"ok" if status == "ok" else "failed"}">{_esc(status)}</span>'
             f' &nbsp; <span class="muted">ftflow {_esc(manifest.get("ftflow_version", ""))}, '
             f'python {_esc(manifest.get("python", ""))}</span></p>']
    if manifest.get("error"):
        parts.append(f"<pre>{_esc(manifest['error'])}</pre>")
    metadata = manifest.get("stage_metadata", {})
    if manifest.get("metrics"):
        headers, rows = metrics_table(manifest["metrics"], manifest.get("intervals"))
        note = ['<p class="muted">Brackets: 95% bootstrap interval over the eval examples.</p>'] \
            if manifest.get("intervals") else []
        parts += ["<h2>Variants</h2>", _html_table(headers, rows), *note,
                  _img(_chart(memo, metrics_chart, manifest["metrics"]), "metrics per variant")]
    for section in sections:
        parts += _section_html(section, memo)
    for name, meta in metadata.items():
        if meta.get("report_md"):
            title = {"data": "Data quality", "eval": "Evaluation"}.get(name, name.capitalize())
            parts += [f"<h2>{_esc(title)} ({_esc(name)})</h2>", markdown_to_html(meta["report_md"], heading_offset=0)]
    headers, rows, summary = stage_summary(manifest["stages"])
    parts += ["<h2>Stages, timings and cache hits</h2>", f"<p>{_esc(summary)}</p>", _html_table(headers, rows)]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>ftflow run {_esc(manifest['run_id'])}</title><style>{_CSS}</style></head>"
            f"<body><main>\n{body}\n</main></body></html>\n")
