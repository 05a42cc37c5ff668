"""Static checks on generated (and hand-written) Solidity snippets: syntax balance and risk markers.

A row's label comes from the shape that wrote it; these checks re-derive evidence from the code
itself, so a distractor, a layout transform or a legacy rewrite cannot silently add a second issue or
remove the labelled one.  The markers are deliberately simple regular expressions over code with
comments and strings blanked out: each family's marker must be present in its rows, and the markers
of every other family must be absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

START = re.compile(r"\b(function\s+\w+|function\s*\(|fallback\s*\(|receive\s*\(|constructor\s*\(|modifier\s+\w+)")
PAIRS = {")": "(", "]": "[", "}": "{"}
EXTERNAL_VALUE = re.compile(r"\.call\{value|\.call\.value\(|sendValue\(|_safeMint\(|\{value: |_mint\([^;]*\"\"\)")
STATE_WRITE = re.compile(r"\s*(?:delete\s+(\w+)|(\w+)(?:\[[^\]]*\])*(?:\.\w+)?\s*(?:=|\+=|-=|\+\+|--)(?!=))")
TARGET = r"\s*(?:\w+\([\w.\[\]]+\)|[\w\[\]]+)(?:\.\w+|\[\w+\])*"  # a, a.b, a[i], payable(a), IERC20(a)
IGNORED = re.compile(TARGET + r"\.(?:send|call|delegatecall)\b|" + TARGET + r"\.(?:transfer|transferFrom)\([^,()]+,")
LOCAL = re.compile(r"\b(?:uint\d*|int\d*|bool|address|bytes\d*|string|I\w+)(?:\s+(?:memory|storage|calldata|payable))?"
                   r"\s+(\w+)\s*[=,;)]")
ORIGIN_AUTH = re.compile(r"tx\.origin\s*[!=]=\s*(?!msg\.sender\b)\w|(?<!msg\.sender)\s[!=]=\s*tx\.origin|\[tx\.origin\]")
SPOT = re.compile(r"getReserves\(|slot0\(|getAmountsOut\(|balanceOf\((?:pool|pair|address\(pair\))\)")
DOWNCAST = re.compile(r"\buint(?:8|16|32|64|128)\((?!block\.timestamp\))")
UNCHECKED = re.compile(r"unchecked\s*\{([^{}]*)\}")
COUNTER = re.compile(r"^\s*(?:\+\+\w+|\w+\+\+);?\s*$")
GUARD = re.compile(r"msg\.sender\s*[!=]=|[!=]=\s*msg\.sender|require\(\s*\w+\[msg\.sender\]\s*[,)]|"
                   r"tx\.origin\s*[!=]=|\[tx\.origin\]|require\(!\s*\w+\s*[,)]|if \(\s*\w+\s*\) revert")
PRIVILEGED_CALL = re.compile(r"selfdestruct\(|\.transfer\(address\(this\)\.balance\)|_mint\((?!msg\.sender)")
CAPTURED = re.compile(r"\(?bool (\w+)(?:,[^)=]*\))?\s*=\s*[^;]*\.(?:send|call|delegatecall)\b")
PRAGMA = re.compile(r"pragma solidity [^0-9]*0\.(\d+)")


class LintError(ValueError):
    """A snippet fails a static check."""


@dataclass
class Func:
    """One function-like block: its header (signature and modifiers) and its body."""

    name: str
    header: str
    body: str


def strip(code: str) -> str:
    """Code with comments removed and string contents blanked (line structure kept)."""
    out, i, n = [], 0, len(code)
    while i < n:
        if code.startswith("//", i):
            j = code.find("\n", i)
            i = n if j < 0 else j
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            if j < 0:
                raise LintError("unterminated block comment")
            out.append("\n" * code.count("\n", i, j))
            i = j + 2
        elif code[i] == '"':
            j = code.find('"', i + 1)
            if j < 0 or "\n" in code[i:j]:
                raise LintError("unterminated string")
            out.append('""')
            i = j + 1
        else:
            out.append(code[i])
            i += 1
    return "".join(out)


def balanced(code: str) -> None:
    """Brackets, parentheses and braces nest properly (comments and strings ignored)."""
    stack: list[tuple[str, int]] = []
    for lineno, line in enumerate(strip(code).split("\n"), 1):
        for ch in line:
            if ch in "([{":
                stack.append((ch, lineno))
            elif ch in ")]}":
                if not stack or stack[-1][0] != PAIRS[ch]:
                    raise LintError(f"unbalanced {ch!r} on line {lineno}")
                stack.pop()
    if stack:
        raise LintError(f"unclosed {stack[-1][0]!r} from line {stack[-1][1]}")


def functions(code: str) -> list[Func]:
    """Every function, fallback, receive, constructor and modifier with a body."""
    text, out = strip(code), []
    names = set(re.findall(r"\bcontract (\w+)", text))
    for m in START.finditer(text):
        brace, semi = text.find("{", m.end()), text.find(";", m.end())
        if brace < 0 or 0 <= semi < brace:
            continue  # interface declaration
        depth, j = 0, brace
        while j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        name = re.sub(r"^(function|modifier)\s*", "", m.group(1)).rstrip("(").strip() or "fallback"
        name = "constructor" if name in names else name  # 0.4 constructors are named after the contract
        out.append(Func(name, text[m.start():brace], text[brace + 1:j]))
    return out


def version(code: str) -> int:
    """The minor version of the pragma (8 for ^0.8.x)."""
    m = PRAGMA.search(code)
    if not m:
        raise LintError("no pragma solidity")
    return int(m.group(1))


def statements(body: str) -> list[str]:
    """A body split into simple statements (on ``;``, ``{`` and ``}``), in order."""
    opts = re.sub(r"\{(\s*(?:value|gas)\s*:[^{}]*)\}", lambda m: "\x01" + m.group(1) + "\x02", body)
    return [st.replace("\x01", "{").replace("\x02", "}") for st in re.split(r"[;{}]", opts) if st.strip()]


def state_write(stmt: str, locals_: set[str]) -> str | None:
    """The variable a statement writes, if it is not a local."""
    m = STATE_WRITE.match(stmt)
    name = m and (m.group(1) or m.group(2))
    return name if name and name not in locals_ else None


def _external_at(f: Func, funcs: list[Func], stmts: list[str]) -> int | None:
    """Index of the first statement making a value-carrying call, looking one level into helpers."""
    helpers = {g.name for g in funcs if g is not f and EXTERNAL_VALUE.search(g.body)}
    for i, st in enumerate(stmts):
        if EXTERNAL_VALUE.search(st) or any(m.group(1) in helpers for m in re.finditer(r"\b(\w+)\(", st)):
            return i
    return None


def reentrant(f: Func, funcs: list[Func]) -> bool:
    """A value-carrying external call (or token callback) followed by a state write in the same body.

    Under ``nonReentrant`` only a cross-function path counts: another unguarded entry point that
    debits the same mapping for the caller.
    """
    stmts = statements(f.body)
    at = _external_at(f, funcs, stmts)
    if at is None:
        return False
    locals_ = set(LOCAL.findall(f.header + f.body))
    written = [w for st in stmts[at + 1:] if (w := state_write(st, locals_))]
    if not written:
        return False
    if "nonReentrant" not in f.header:
        return True
    return any(g is not f and "nonReentrant" not in g.header and not re.search(r"\b(view|pure|internal|private)\b",
                                                                              g.header)
               and re.search(rf"\b{re.escape(w)}\[msg\.sender\]\s*-=", g.body) for g in funcs for w in written)


def ignored_result(text: str) -> bool:
    """A low-level call or send whose result is dropped, or captured and never checked."""
    if any(IGNORED.match(st) for f in functions(text) for st in statements(f.body)):
        return True
    for m in CAPTURED.finditer(text):
        v = re.escape(m.group(1))
        if not re.search(rf"(?:require|assert)\(\s*!?\s*{v}\b|if\s*\(\s*!?\s*{v}\b|return {v}\b", text[m.end():]):
            return True
    return False


def unsafe_math_pre08(f: Func) -> bool:
    """Pre-0.8: subtraction or multiplication, or adding a caller-supplied parameter, before any comparison
    guard in the same body (a comparison that itself does the arithmetic, ``a - b >= 0``, guards nothing)."""
    params = set(re.findall(r"\b(\w+)\s*[,)]", f.header.split("(", 1)[-1].split(")", 1)[0] + ")"))
    add = "|".join(re.escape(p) for p in params) or "(?!x)x"
    math = re.compile(rf"[\w\])]\s*(?:-=|\*=)|[\w\])]\s+[-*]\s+\w|\+=\s*(?:{add})\b|[\w\])]\s+\+\s+(?:{add})\b")
    seen_guard = bool(GUARD.search(f.body))  # privileged callers are trusted with their own inputs
    for st in statements(f.body):
        risky = math.search(st) and ".sub(" not in st and ".mul(" not in st
        if risky and not seen_guard:
            return True
        if not risky and re.search(r"(?:require\(|if\s*\().*[<>]", st):
            seen_guard = True
    return False


def state_scalars(code: str) -> set[str]:
    """Contract-level, non-constant, non-mapping state variables."""
    out, depth = set(), 0
    for line in strip(code).split("\n"):
        body = line.strip()
        if depth == 1 and body.endswith(";") and not re.match(r"(event|error|using|function|mapping|struct|enum)\b",
                                                               body) and " constant " not in body:
            m = re.search(r"(\w+)\s*(?:=[^;]*)?;$", body)
            if m:
                out.add(m.group(1))
        depth += line.count("{") - line.count("}")
    return out


def _privileged(f: Func, funcs: dict[str, Func], admins: set[str], depth: int = 0) -> bool:
    if PRIVILEGED_CALL.search(f.body):
        return True
    if any(re.match(rf"\s*{re.escape(a)}\s*=(?!=)", st) for st in statements(f.body) for a in admins):
        return True
    calls = set(re.findall(r"\b(_\w+)\(", f.body))
    return depth < 2 and any(c in funcs and _privileged(funcs[c], funcs, admins, depth + 1) for c in calls)


def _config_write(f: Func, funcs: dict[str, Func], scalars: set[str], depth: int = 0) -> bool:
    params = set(re.findall(r"\b(\w+)\s*[,)]", f.header.split("(", 1)[-1]))
    for st in statements(f.body):
        m = re.fullmatch(r"\s*(\w+)\s*=\s*(\w+)\s*", st)
        if m and m.group(1) in scalars and (m.group(2) in params or m.group(2) in ("true", "false")):
            return True
    calls = set(re.findall(r"\b(_\w+)\(", f.body))
    return depth < 2 and any(c in funcs and _config_write(funcs[c], funcs, scalars, depth + 1) for c in calls)


def unguarded(code: str) -> list[str]:
    """Public entry points that, without checking who calls (msg.sender, tx.origin, a role mapping, a
    sound only* modifier, a one-shot flag), change an admin or a config value set from a parameter,
    move the whole balance, selfdestruct or mint to anyone."""
    funcs = functions(code)
    by_name = {f.name: f for f in funcs}
    text = strip(code)
    admins = set(re.findall(r"msg\.sender\s*[!=]=\s*(\w+)", text)) | set(re.findall(r"(\w+)\s*[!=]=\s*msg\.sender", text))
    admins |= set(re.findall(r"tx\.origin\s*[!=]=\s*(\w+)", text))
    scalars = state_scalars(code)
    sound = {f.name for f in funcs if f.header.startswith("modifier")
             and re.search(r"require\(|revert|throw|if\s*\([^;{]*\)\s*_;", f.body)}
    out = []
    for f in funcs:
        if f.name == "constructor" or f.header.startswith("modifier"):
            continue
        if re.search(r"\b(internal|private|view|pure)\b", f.header):
            continue
        mods = set(re.findall(r"\b(only\w*|initializer)\b", f.header))
        if mods & (sound | {"onlyOwner", "onlyRole", "initializer"}) or GUARD.search(f.body):
            continue
        if _privileged(f, by_name, admins) or _config_write(f, by_name, scalars):
            out.append(f.name)
    return out


def soft_modifier(code: str) -> bool:
    """An only* modifier that never reverts (it logs or returns instead)."""
    return any(f.header.startswith("modifier only") and not re.search(r"require\(|revert|throw|if\s*\([^;{]*\)\s*_;",
                                                                         f.body)
               for f in functions(code))


def markers(code: str) -> set[str]:
    """The risk families whose evidence appears in the code."""
    text, funcs, found = strip(code), functions(code), set()
    ver = version(code)
    if any(reentrant(f, funcs) for f in funcs):
        found.add("reentrancy")
    if ignored_result(text):
        found.add("unchecked_external_call")
    if ORIGIN_AUTH.search(text):
        found.add("tx_origin_auth")
    if SPOT.search(text):
        found.add("oracle_manipulation")
    if any("delegatecall" in f.body and f.name != "fallback" for f in funcs):
        found.add("delegatecall_injection")
    risky_unchecked = any(not all(COUNTER.match(s) for s in m.group(1).split(";") if s.strip())
                          for m in UNCHECKED.finditer(text))
    pre08 = ver < 8 and "SafeMath" not in text and any(unsafe_math_pre08(f) for f in funcs)
    small_counter = ver < 8 and re.search(r"uint8\)", text) and re.search(r"\+\+|\+= 1", text)
    if risky_unchecked or pre08 or DOWNCAST.search(text) or small_counter:
        found.add("integer_overflow")
    if unguarded(code) or soft_modifier(code):
        found.add("access_control")
    return found


def check_snippet(code: str, family: str) -> None:
    """Raise LintError unless the code is balanced, shows its family's marker and no other family's."""
    balanced(code)
    found = markers(code)
    if family != "none" and family not in found:
        raise LintError(f"no {family} marker in the code")
    extra = found - {family}
    if extra:
        raise LintError(f"code also shows {sorted(extra)} (labelled {family})")


def mentioned_calls(explanation: str) -> list[str]:
    """Names written as ``name()`` in an explanation."""
    return re.findall(r"\b([A-Za-z_]\w*)\(\)", explanation)
