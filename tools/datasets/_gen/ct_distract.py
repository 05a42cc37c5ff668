"""Distractor code: harmless members mixed into a snippet around the one labelled pattern.

Every distractor is safe on its own and in any host contract: no external calls, no tx.origin, no
delegatecall, no price reads, no arithmetic on pre-0.8 code, and every state change that needs a
privilege is guarded by the host's own check (``ctx.guard``).  ``ct_lint`` re-checks the result.
Train and eval use disjoint pools, so eval rows surround the pattern with code never seen in training.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ct_render import cap, fn


@dataclass
class Ctx:
    """What a distractor may rely on in its host snippet."""

    ver: str
    guard: list[str] | None  # a require line, or None when the host has no sound admin check
    modifier: str | None  # e.g. "onlyOwner" when the host inherits one
    bal: str | None  # the host's per-user balance mapping, if any
    inherits: list[str]


def _guarded(ctx: Ctx, sig: str, *body: str) -> list[str] | None:
    if ctx.modifier:
        return fn(f"{sig} {ctx.modifier}", *body)
    if ctx.guard:
        return fn(sig, *ctx.guard, *body)
    return None


def _ext(ctx: Ctx) -> str:
    return "public" if ctx.ver in ("04", "05") else "external"


def d_version(n, rng, ctx):
    v = rng.choice(["1.0.0", "2.1.3", "0.9.1", "1.4.2"])
    if rng.random() < 0.5:
        return {"state": [f'string public constant VERSION = "{v}";']}
    mut = "pure" if ctx.ver not in ("04",) else "constant"
    return {"funcs": [fn(f"function version() {_ext(ctx)} {mut} returns (string memory)", f'return "{v}";')]}


def d_view_balance(n, rng, ctx):
    if not ctx.bal:
        return None
    name = rng.choice(["balanceFor", "positionOf", "getBalance", "creditOf"])
    mut = "view" if ctx.ver != "04" else "constant"
    return {"funcs": [fn(f"function {name}(address a) {_ext(ctx)} {mut} returns (uint256)", f"return {ctx.bal}[a];")]}


def d_profile(n, rng, ctx):
    s, m = rng.choice([("Profile", "profiles"), ("Member", "members"), ("Info", "infoOf")])
    return {"state": [f"struct {s} {{ bool active; uint256 joinedBlock; }}", f"mapping(address => {s}) public {m};"],
            "funcs": [fn(f"function register() {_ext(ctx)}", f'require(!{m}[msg.sender].active, "registered");',
                         f"{m}[msg.sender] = {s}(true, block.number);")]}


def d_min(n, rng, ctx):
    name = rng.choice(["_min", "_lesser", "_cap"])
    return {"funcs": [fn(f"function {name}(uint256 a, uint256 b) internal pure returns (uint256)",
                         "return a < b ? a : b;")]}


def d_library(n, rng, ctx):
    if ctx.ver != "08":
        return None
    lib = rng.choice(["PctMath", "BpsLib", "FeeMath"])
    return {"pre": fn(f"library {lib}", *fn("function applyBps(uint256 x, uint256 bps) internal pure returns (uint256)",
                                           "return x * bps / 10_000;"))}


def d_interface(n, rng, ctx):
    i, f = rng.choice([("IRegistry", "isListed(address who) external view returns (bool)"),
                       ("IRewardsHook", "onReward(address to, uint256 amount) external"),
                       ("IPausable", "paused() external view returns (bool)")])
    return {"pre": [f"interface {i} {{", f"    function {f};", "}"]}


def d_event(n, rng, ctx):
    e = rng.choice(["ConfigChanged(address indexed by, uint256 value)", "Synced(uint256 blockNumber)",
                    "Note(address indexed caller, bytes32 tag)"])
    return {"events": [f"event {e};"]}


def d_setter(n, rng, ctx):
    var = rng.choice(["treasury", "feeRecipient", "keeper", "registry"])
    f = _guarded(ctx, f"function set{cap(var)}(address next) {_ext(ctx)}",
                 'require(next != address(0), "zero");', f"{var} = next;")
    return f and {"state": [f"address public {var};"], "funcs": [f]}


def d_allowlist(n, rng, ctx):
    m = rng.choice(["allowed", "whitelisted", "isPartner"])
    f = _guarded(ctx, f"function set{cap(m)}(address who, bool on) {_ext(ctx)}", f"{m}[who] = on;")
    return f and {"state": [f"mapping(address => bool) public {m};"], "funcs": [f]}


def d_enum(n, rng, ctx):
    e, v = rng.choice([("Phase", "phase"), ("Status", "status"), ("Stage", "stage")])
    f = _guarded(ctx, f"function advance() {_ext(ctx)}", f"{v} = {e}.Closed;")
    return f and {"state": [f"enum {e} {{ Open, Closed }}", f"{e} public {v};"], "funcs": [f]}


def d_constant(n, rng, ctx):
    c = rng.choice(["MAX_SUPPLY = 10_000", "MIN_DEPOSIT = 0.01 ether", "GRACE = 1 days", "DENOM = 1e18"])
    return {"state": [f"uint256 public constant {c};"]}


def d_counter(n, rng, ctx):
    if ctx.ver != "08":
        return None
    c = rng.choice(["actionCount", "epochId", "syncs"])
    f = _guarded(ctx, f"function bump{cap(c)}() external", f"{c} += 1;")
    return f and {"state": [f"uint256 public {c};"], "funcs": [f]}


def d_deployed(n, rng, ctx):
    v = rng.choice(["deployedAt", "startBlock", "genesis"])
    imm = " immutable" if ctx.ver in ("08", "07") else ""
    src = "block.number" if v == "startBlock" else "block.timestamp"
    return {"state": [f"uint256 public{imm} {v};"], "ctor": [f"{v} = {src};"]}


def d_notzero(n, rng, ctx):
    return {"mods": [fn("modifier nonZero(address a)", 'require(a != address(0), "zero address");', "_;")]}


TRAIN_POOL = [d_version, d_view_balance, d_profile, d_min, d_library, d_interface, d_event, d_setter,
              d_allowlist, d_constant, d_counter, d_deployed, d_notzero]


# -- eval-only distractors ------------------------------------------------------------------------------
def e_epochs(n, rng, ctx):
    if ctx.ver != "08":
        return None
    f = _guarded(ctx, "function openEpoch(uint256 start) external", "epochs.push(Epoch(start, 0));")
    return f and {"state": ["struct Epoch { uint256 start; uint256 total; }", "Epoch[] public epochs;"],
                  "funcs": [f, fn("function epochCount() external view returns (uint256)", "return epochs.length;")]}


def e_addr_lib(n, rng, ctx):
    return {"pre": fn("library AddrCheck", *fn("function isZero(address a) internal pure returns (bool)",
                                             "return a == address(0);"))}


def e_hub_iface(n, rng, ctx):
    return {"pre": ["interface IStakingHub {", "    function notify(uint256 amount) external;",
                    "    function hubOwner() external view returns (address);", "}"]}


def e_metadata(n, rng, ctx):
    f = _guarded(ctx, f"function setMetadata(string memory uri) {_ext(ctx)}", "metadata = uri;")
    return f and {"state": ["string public metadata;"], "funcs": [f]}


def e_ping(n, rng, ctx):
    return {"events": ["event Heartbeat(address indexed from, uint256 at);"],
            "funcs": [fn(f"function ping() {_ext(ctx)}", "emit Heartbeat(msg.sender, block.number);")]}


def e_blocklist(n, rng, ctx):
    f = _guarded(ctx, f"function blockAddress(address who) {_ext(ctx)}", "blocked[who] = true;")
    return f and {"state": ["mapping(address => bool) public blocked;"], "funcs": [f]}


def e_tag(n, rng, ctx):
    return {"state": [f'bytes32 public constant DOMAIN_TAG = keccak256("{n.C}.v1");']}


def e_config(n, rng, ctx):
    mut = "pure" if ctx.ver != "04" else "constant"
    return {"funcs": [fn(f"function getConfig() {_ext(ctx)} {mut} returns (uint256, uint256)", "return (3, 7);")]}


EVAL_POOL = [e_epochs, e_addr_lib, e_hub_iface, e_metadata, e_ping, e_blocklist, e_tag, e_config]
