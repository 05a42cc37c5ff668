"""Render shape specs into Solidity source, with optional paraphrase restructuring."""

from __future__ import annotations

import re

from .ct_names import LICENSES, PRAGMAS_06, PRAGMAS_07, PRAGMAS_08

PARA_PRAGMAS = ["^0.8.25", "^0.8.26", "0.8.23"]
REQ = re.compile(r'^(\s*)require\((.*), "([^"]*)"\);$')

FILLERS = {
    "vault": [(["uint256 public lastHarvest;"],
               ["function harvestAge() external view returns (uint256) {",
                "    return block.timestamp - lastHarvest;", "}"]),
              ([], ["function totalAssets() external view returns (uint256) {",
                    "    return address(this).balance;", "}"])],
    "staking": [(["uint256 public epochLength = 7 days;"],
                 ["function currentEpoch() external view returns (uint256) {",
                  "    return block.timestamp / epochLength;", "}"])],
    "auction": [(["uint256 public endsAt;"],
                 ["function timeLeft() external view returns (uint256) {",
                  "    return block.timestamp >= endsAt ? 0 : endsAt - block.timestamp;", "}"])],
    "dao": [(["uint256 public proposalCount;"],
             ["function nextProposalId() external view returns (uint256) {",
              "    return proposalCount + 1;", "}"])],
    "lending": [(["uint256 public constant BPS = 10_000;"],
                 ["function maxBorrowFor(uint256 collateralValue) public pure returns (uint256) {",
                  "    return collateralValue * 7_500 / BPS;", "}"])],
    "nft": [(["string public baseExtension = \".json\";"],
             ["function contractURI() external pure returns (string memory) {",
              "    return \"ipfs://collection.json\";", "}"])],
    "insurance": [(["uint256 public coverCount;"],
                   ["function activeCovers() external view returns (uint256) {",
                    "    return coverCount;", "}"])],
    "lottery": [(["uint256 public drawId;"],
                 ["function currentDraw() external view returns (uint256) {",
                  "    return drawId;", "}"])],
    "escrow": [(["uint256 public constant DISPUTE_WINDOW = 3 days;"],
                ["function disputeDeadline(uint256 start) external pure returns (uint256) {",
                 "    return start + DISPUTE_WINDOW;", "}"])],
    "payroll": [(["uint256 public payPeriod = 30 days;"],
                 ["function periodsSince(uint256 start) external view returns (uint256) {",
                  "    return (block.timestamp - start) / payPeriod;", "}"])],
    "crowdfund": [(["uint256 public backerCount;"],
                   ["function backers() external view returns (uint256) {",
                    "    return backerCount;", "}"])],
    "bridge": [(["uint256 public nonce;"],
                ["function nextNonce() external view returns (uint256) {",
                 "    return nonce + 1;", "}"])],
}
KEYWORDS = {"uint256", "public", "constant", "function", "external", "view", "pure", "returns", "string",
            "memory", "days", "immutable", "collateralValue", "start"}
NOTICES = ["Holds user funds; reviewed internally.", "Experimental, not audited.",
           "Part of the v2 rollout.", "Simplified for review.", "Deployed on mainnet and L2s."]


def fn(sig: str, *body: str) -> list[str]:
    """A function/modifier block with a 4-space indented body."""
    return [sig + " {"] + ["    " + b if b else "" for b in body] + ["}"]


def cap(s: str) -> str:
    """Upper-case the first character."""
    return s[0].upper() + s[1:]


def _camel(msg: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", msg)
    return "".join(w[0].upper() + w[1:] for w in words) or "Failed"


def _paraphrase(block: list[str], errors: set[str]) -> list[str]:
    """require(cond, "msg") -> custom-error revert, uint256 -> uint."""
    out = []
    for line in block:
        m = REQ.match(line)
        if m:
            name = _camel(m.group(3))
            errors.add(name)
            line = f"{m.group(1)}if (!({m.group(2)})) revert {name}();"
        out.append(line.replace("uint256 ", "uint ").replace("uint256)", "uint)"))
    return out


def render(n, spec: dict, rng, *, para: bool = False, filler: bool = True) -> str:
    """Assemble a full compilable-looking Solidity file from a shape spec."""
    ver = spec.get("ver", "08")
    pool = {"08": PARA_PRAGMAS if para else PRAGMAS_08, "07": PRAGMAS_07, "06": PRAGMAS_06}[ver]
    state, funcs = list(spec.get("state", [])), [list(f) for f in spec["funcs"]]
    if filler and rng.random() < 0.55 and n.domain in FILLERS:
        fstate, ffunc = rng.choice(FILLERS[n.domain])
        taken = set(re.findall(r"\w+", "\n".join(state + [x for f in funcs for x in f])))
        fresh = set(re.findall(r"\w+", "\n".join(fstate + ffunc[:1]))) - KEYWORDS
        if not fresh & taken:
            state += fstate
            funcs.append(ffunc)
    head = funcs[:spec.get("fixed", 0)]
    tail = funcs[spec.get("fixed", 0):]
    rng.shuffle(tail)
    funcs = head + tail
    errors: set[str] = set()
    if para and ver == "08":
        funcs = [_paraphrase(f, errors) for f in funcs]
        state = [s.replace("uint256 ", "uint ") for s in state]
    out = [f"// SPDX-License-Identifier: {rng.choice(LICENSES)}", f"pragma solidity {rng.choice(pool)};", ""]
    if spec.get("imports"):
        out += spec["imports"] + [""]
    if spec.get("pre"):
        out += spec["pre"] + [""]
    if rng.random() < 0.35:
        out.append(f"/// @notice {rng.choice(NOTICES)}")
    inherits = spec.get("inherits", [])
    out.append(f"contract {n.C}" + (f" is {', '.join(inherits)}" if inherits else "") + " {")
    blocks = [_paraphrase(b, errors) if para and ver == "08" else list(b) for b in spec.get("mods", [])]
    body = list(state)
    body += spec.get("events", [])
    body += [f"error {e}();" for e in sorted(errors)]
    if spec.get("ctor") is not None:
        sig = "constructor(" + spec.get("ctor_args", "") + ")"
        sig += spec.get("ctor_tail", "") + (" public" if ver == "06" else "")
        blocks.append(fn(sig, *spec["ctor"]))
    blocks += funcs
    for b in blocks:
        if body:
            body.append("")
        body += b
    out += ["    " + line if line else "" for line in body]
    out.append("}")
    return "\n".join(out)
