"""Surface form of a rendered snippet: syntax era, code idioms, indentation, braces, comments.

Every transform here preserves meaning, so a row's label never depends on it.  Train and eval draw
from different option sets (``style(held=...)``): eval-only indentation, comment texts and pragma
versions test that the model reads the code rather than the template around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REQ = re.compile(r'^(\s*)require\((.*), "([^"]*)"\);$')
DECL = re.compile(r"^(\s*)(contract|abstract contract|library|interface|function|modifier|constructor|fallback|"
                  r"receive)\b(.*) \{$")
FUNC_NAME = re.compile(r"^\s*function (\w+)\(")

# Comments that describe a function, keyed on words in its name; {w} is the name split into words.
DESCRIBE = [("withdraw", "Sends the caller's funds out of the contract."), ("set", "Updates {w}."),
            ("mint", "Mints new tokens."), ("claim", "Claims what the caller is owed."),
            ("deposit", "Accepts a deposit from the caller."), ("stake", "Stakes the caller's funds."),
            ("borrow", "Borrows against posted collateral."), ("liquidate", "Liquidates an unhealthy position."),
            ("execute", "Runs an action on behalf of the protocol."), ("transfer", "Moves tokens to another account."),
            ("upgrade", "Points the proxy at new logic."), ("_", "Internal helper.")]
GENERIC_DOC = ["Entry point for {w}.", "Handles {w}.", "{W}.", "Core logic for {w}.", "See the docs for {w}."]
EVAL_DOC = ["Implements {w} as specified.", "{W} (v2 behaviour).", "Public API: {w}."]
# Comments that claim safety (or danger) regardless of the code: the label follows the code, not these.
MISLEAD = ["// safe: reviewed, no reentrancy possible", "// audited by two firms, no issues",
           "// only trusted callers reach this in practice", "// TODO: double-check this before mainnet",
           "// NOTE: overflow is impossible here", "// gas optimised, do not change",
           "/// @dev protected by design", "// WARNING: sensitive function"]
EVAL_MISLEAD = ["// reviewed: looks fine", "// FIXME: possible exploit?", "// invariant holds, see spec",
                "// known issue, accepted risk"]
HEADERS = ["/// @title {C}", "/// @author protocol team", "// {C}: core contract", "/** @title {C} */"]
EVAL_HEADERS = ["// ---- {C} ----", "/// @custom:security-contact security@example.org"]


@dataclass
class Style:
    """Sampled surface choices for one snippet."""

    indent: str
    allman: bool
    compact: bool
    spdx: bool
    doc: str  # none | natspec | line | block
    mislead: bool
    header: str | None
    uint: bool  # uint256 -> uint
    errors: bool  # require(c, "m") -> custom errors (0.8 only)
    bare_require: bool  # drop require messages
    public: bool  # external -> public where legal
    held: bool


def style(rng, held: bool) -> Style:
    """Draw a surface style; held-out eval rows add tab indentation and their own comment texts."""
    indents = ["    ", "    ", "  ", "\t"] if held else ["    ", "    ", "    ", "  "]
    header = None
    if rng.random() < 0.2:
        header = rng.choice(EVAL_HEADERS if held else HEADERS)
    req = rng.random()
    return Style(indent=rng.choice(indents), allman=rng.random() < 0.2, compact=rng.random() < 0.25,
                 spdx=rng.random() < 0.8, doc=rng.choice(["none", "none", "natspec", "line", "block"]),
                 mislead=rng.random() < 0.2, header=header, uint=rng.random() < 0.3,
                 errors=req < 0.2, bare_require=0.2 <= req < 0.35, public=rng.random() < 0.25, held=held)


def _camel(msg: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", msg)
    return "".join(w[0].upper() + w[1:] for w in words) or "Failed"


NEGATE = {"==": "!=", "!=": "==", ">=": "<", "<=": ">", ">": "<=", "<": ">="}


def negate(cond: str) -> str:
    """The negation of a require condition, written the way people write it."""
    m = re.fullmatch(r"([^<>=!&|?()]+?) (==|!=|>=|<=|>|<) ([^<>=!&|?]+)", cond)
    if m:
        return f"{m.group(1)} {NEGATE[m.group(2)]} {m.group(3)}"
    if re.fullmatch(r"!\w+(\[[\w.]+\])*(\.\w+)?", cond):
        return cond[1:]
    return f"!({cond})" if re.search(r"[^\w.\[\]]", cond) else f"!{cond}"


def idioms(lines: list[str], st: Style, ver: str, errors: set[str]) -> list[str]:
    """Code-level idioms: custom errors or bare requires, uint vs uint256, public vs external."""
    out = []
    for line in lines:
        m = REQ.match(line)
        if m and st.errors and ver == "08":
            name = _camel(m.group(3))
            errors.add(name)
            line = f"{m.group(1)}if ({negate(m.group(2))}) revert {name}();"
        elif m and st.bare_require:
            line = f"{m.group(1)}require({m.group(2)});"
        if st.uint:
            line = re.sub(r"\buint256\b", "uint", line)
        if st.public and ver == "08" and line.lstrip().startswith("function ") and " external" in line:
            line = line.replace(" external", " public", 1)
        out.append(line)
    return out


def legacy(lines: list[str], ver: str, contract: str) -> list[str]:
    """Rewrite 0.8-style code into 0.4-0.6 syntax (call.value, now, fallback functions, public ctors)."""
    out = []
    for line in lines:
        if ver in ("04", "05"):
            line = re.sub(r"\.call\{value: ([^}]+)\}\(", r".call.value(\1)(", line)
            line = re.sub(r"\bpayable\((msg\.sender|to|[a-z]\w*)\)", r"\1", line)
            line = line.replace("receive() external payable {}", "function() external payable {}")
            line = line.replace(" immutable ", " ").replace("calldata", "memory")
            if line.lstrip().startswith("function ") and line.endswith("{") and " external" in line:
                line = line.replace(" external", " public", 1)
            line = line.replace("block.timestamp", "now")
        if ver == "04":
            line = re.sub(r"\(bool (\w+), \) = (.+)\((\w*|\"\")\);", r"bool \1 = \2(\3);", line)
            line = line.replace('("");', "();").replace("function() external payable {}",
                                                          "function() public payable {}")
            line = line.replace("address payable", "address")
            if line.lstrip().startswith("constructor("):
                line = line.replace("constructor(", f"function {contract}(")
        line = re.sub(r"(\d)_(\d)", r"\1\2", line)
        out.append(line)
    return out


def _doc(name: str, st: Style, rng) -> str:
    parts = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name.lstrip("_")).split()
    words = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in parts)
    text = next((t for k, t in DESCRIBE if name.lower().startswith(k)), None)
    if text is None or rng.random() < 0.4:
        text = rng.choice(EVAL_DOC if st.held else GENERIC_DOC)
    return text.format(w=words, W=words[:1].upper() + words[1:])


def comments(lines: list[str], st: Style, rng) -> list[str]:
    """Doc comments above functions (some, not all) and at most one misleading comment."""
    funcs = [i for i, line in enumerate(lines) if FUNC_NAME.match(line)]
    targets = {i for i in funcs if st.doc != "none" and rng.random() < 0.6}
    mislead = rng.choice(funcs) if st.mislead and funcs else None
    out = []
    for i, line in enumerate(lines):
        pad = line[:len(line) - len(line.lstrip())]
        if i in targets:
            text = _doc(FUNC_NAME.match(line).group(1), st, rng)
            out.append(pad + {"natspec": f"/// @notice {text}", "line": f"// {text}",
                              "block": f"/** @dev {text} */"}[st.doc])
        if i == mislead:
            out.append(pad + rng.choice(EVAL_MISLEAD if st.held else MISLEAD))
        out.append(line)
    return out


def shape_text(lines: list[str], st: Style) -> list[str]:
    """Indentation unit, Allman braces for declarations, compact (no blank lines between members)."""
    out = []
    for line in lines:
        if st.compact and not line.strip() and out and out[-1].startswith((" ", "\t")):
            continue
        body = line.lstrip(" ")
        depth = (len(line) - len(body)) // 4
        if st.allman and DECL.match(line):
            out.append(st.indent * depth + body[:-2])
            out.append(st.indent * depth + "{")
            continue
        out.append(st.indent * depth + body if body else "")
    return out
