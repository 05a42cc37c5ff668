"""Build contract-triage rows: shape registry, sampling, labels and near-dup control."""

from __future__ import annotations

import json
import re

from . import ct_outside_a, ct_outside_b, ct_outside_c
from . import ct_shapes_a as A
from . import ct_shapes_b as B
from . import ct_shapes_c as C
from . import ct_shapes_d as D
from . import ct_shapes_e as E
from .checks import jaccard, shingles
from .common import msg, number_ids, rng_for
from .ct_distract import EVAL_POOL, TRAIN_POOL, Ctx
from .ct_layout import style
from .ct_lint import LintError, check_snippet, mentioned_calls
from .ct_names import HELD_DOMAINS, PARA_DOMAINS, TRAIN_DOMAINS, pick_names
from .ct_render import flat, idents, merge, render

SYSTEM = ("Triage the Solidity code for security risk. Reply with only one JSON object: risk_family, severity, "
          "attack_surface, explanation.")
SURFACE = {"reentrancy": "external_call", "access_control": "privileged_function",
           "unchecked_external_call": "external_call", "integer_overflow": "arithmetic",
           "oracle_manipulation": "price_feed", "tx_origin_auth": "authentication",
           "delegatecall_injection": "proxy_call", "none": "none"}
MIN_LINES, MAX_LINES = 8, 40
ALL = list(TRAIN_DOMAINS)
FUNDS = ["vault", "staking", "dao", "lending", "auction", "game"]
DEFI = ["lending", "vault", "dao", "staking"]
TOKENISH = ["vault", "staking", "dao", "lending", "game"]

# (shape, family, severity, train domains, train rows)
TRAIN_SHAPES = [
    (A.re_zero_after, "reentrancy", "critical", FUNDS, 9),
    (A.re_claim_rewards, "reentrancy", "high", ["staking", "vault", "dao", "lending", "nft", "game"], 7),
    (A.re_refund, "reentrancy", "critical", ["auction", "nft", "lending"], 6),
    (A.re_mint_cap, "reentrancy", "medium", ["nft", "dao", "staking"], 6),
    (E.re_partial, "reentrancy", "critical", FUNDS, 8),
    (E.re_callback, "reentrancy", "critical", ["vault", "lending", "staking"], 6),
    (A.ac_takeover, "access_control", "critical", ALL, 7),
    (A.ac_mint, "access_control", "critical", DEFI, 6),
    (A.ac_param, "access_control", "high", FUNDS, 6),
    (A.ac_pause, "access_control", "medium", FUNDS, 5),
    (A.ac_uri, "access_control", "low", ["nft"], 4),
    (E.ac_sweep, "access_control", "critical", ALL, 6),
    (E.ac_kill, "access_control", "critical", ALL, 5),
    (B.uc_send_zeroed, "unchecked_external_call", "high", FUNDS, 7),
    (B.uc_call_ignored, "unchecked_external_call", "high", FUNDS, 7),
    (B.uc_erc20_transfer, "unchecked_external_call", "high", FUNDS, 6),
    (B.uc_fee_forward, "unchecked_external_call", "medium", FUNDS, 5),
    (B.uc_notify, "unchecked_external_call", "low", FUNDS, 5),
    (E.uc_loop_send, "unchecked_external_call", "high", ["game", "dao", "auction", "nft"], 6),
    (B.io_underflow_transfer, "integer_overflow", "critical", TOKENISH, 7),
    (B.io_batch_mul, "integer_overflow", "critical", TOKENISH, 6),
    (B.io_locktime, "integer_overflow", "high", DEFI, 6),
    (B.io_unchecked_block, "integer_overflow", "critical", TOKENISH, 6),
    (B.io_counter_wrap, "integer_overflow", "medium", ["nft", "auction", "staking", "game"], 5),
    (E.io_unchecked_sub, "integer_overflow", "critical", ["staking", "vault", "game"], 5),
    (C.or_borrow_spot, "oracle_manipulation", "critical", ["lending", "vault", "dao"], 8),
    (C.or_mint_ratio, "oracle_manipulation", "high", ["vault", "staking", "dao"], 7),
    (C.or_liquidate_spot, "oracle_manipulation", "critical", ["lending", "vault"], 7),
    (C.or_bonus_spot, "oracle_manipulation", "medium", ["staking", "nft", "dao", "vault", "game"], 6),
    (E.or_lp_value, "oracle_manipulation", "critical", ["lending", "vault"], 6),
    (B.to_withdraw, "tx_origin_auth", "high", ALL, 8),
    (B.to_modifier_param, "tx_origin_auth", "medium", ALL, 7),
    (B.to_mint_map, "tx_origin_auth", "high", ALL, 6),
    (B.to_ownership, "tx_origin_auth", "high", ALL, 8),
    (E.to_allowlist, "tx_origin_auth", "high", ALL, 6),
    (C.dc_execute, "delegatecall_injection", "critical", DEFI + ["nft", "game"], 10),
    (C.dc_multicall, "delegatecall_injection", "critical", DEFI + ["auction"], 9),
    (C.dc_strategy, "delegatecall_injection", "critical", ["vault", "staking", "dao"], 8),
    (E.dc_selector, "delegatecall_injection", "critical", ALL, 6),
    (D.safe_cei, "none", "none", FUNDS, 7),
    (D.safe_guard, "none", "none", FUNDS, 6),
    (D.safe_ownable, "none", "none", ALL, 6),
    (D.safe_roles, "none", "none", ["dao", "staking", "vault", "nft", "game"], 5),
    (D.safe_checked_call, "none", "none", FUNDS, 6),
    (D.safe_erc20, "none", "none", FUNDS, 5),
    (D.safe_safemath, "none", "none", TOKENISH, 5),
    (D.safe_twap, "none", "none", ["lending", "vault", "staking"], 5),
    (D.safe_chainlink, "none", "none", ["lending", "vault", "staking"], 5),
    (D.safe_sender_auth, "none", "none", ALL, 6),
    (D.safe_unchecked_loop, "none", "none", FUNDS, 5),
    (D.safe_proxy, "none", "none", DEFI, 5),
    (D.safe_initializer, "none", "none", ALL, 5),
    (E.safe_asm_proxy, "none", "none", DEFI + ["nft"], 5),
    (E.safe_origin_eoa, "none", "none", ["game", "nft", "auction"], 4),
]
# Shapes whose arithmetic is safe on any compiler version: they may also be written in 0.4-0.6 syntax,
# so an old pragma never implies integer_overflow on its own.
LEGACY = {A.re_zero_after: ["04", "05", "06"], A.re_refund: ["05", "06"], A.re_claim_rewards: ["05", "06"],
          E.re_partial: ["04", "05", "06"], A.ac_takeover: ["04", "05", "06"], E.ac_sweep: ["04", "05", "06"],
          E.ac_kill: ["04", "05", "06"], B.uc_send_zeroed: ["04", "05", "06"], B.uc_call_ignored: ["04", "05", "06"],
          B.uc_notify: ["05", "06"], B.to_withdraw: ["04", "05", "06"], B.to_modifier_param: ["04", "05", "06"],
          B.to_ownership: ["04", "05", "06"], C.dc_execute: ["05", "06"], C.dc_strategy: ["05", "06"],
          D.safe_cei: ["04", "05", "06"], D.safe_checked_call: ["04", "05", "06"],
          D.safe_sender_auth: ["04", "05", "06"], D.safe_initializer: ["05", "06"], A.ac_initializer: ["05", "06"],
          B.to_dao_execute: ["05", "06"], D.safe_pull: ["05", "06"], E.dc_asm_user: ["05", "06"],
          E.to_allowlist: ["04", "05", "06"], E.dc_selector: ["05", "06"]}
LEGACY_SHARE = 0.35
HELD = list(HELD_DOMAINS)
HELD_SHAPES = [
    (A.ac_initializer, "access_control", "critical", 4), (A.ac_soft_modifier, "access_control", "critical", 4),
    (E.ac_public_internal, "access_control", "critical", 3),
    (B.uc_free_credit, "unchecked_external_call", "critical", 4),
    (B.uc_queue_exec, "unchecked_external_call", "high", 3),
    (B.io_price_mul, "integer_overflow", "critical", 4), (B.io_downcast, "integer_overflow", "high", 3),
    (C.or_slot0, "oracle_manipulation", "critical", 4), (C.or_amounts_out, "oracle_manipulation", "high", 4),
    (B.to_dao_execute, "tx_origin_auth", "high", 4), (B.to_pause_guard, "tx_origin_auth", "medium", 3),
    (C.dc_user_hook, "delegatecall_injection", "critical", 4),
    (C.dc_actions, "delegatecall_injection", "critical", 3), (E.dc_asm_user, "delegatecall_injection", "critical", 3),
    (E.re_cross_fn, "reentrancy", "critical", 4), (E.re_erc1155_hook, "reentrancy", "medium", 3),
    (D.safe_pull, "none", "none", 4), (D.safe_merkle, "none", "none", 4), (D.safe_timelock, "none", "none", 4),
]
# Held-out rows also reuse two train reentrancy shapes, only in held-out domains (new contexts).
HELD_REUSE = [(A.re_zero_after, "reentrancy", "critical", 3), (A.re_claim_rewards, "reentrancy", "high", 2)]


def answer(family: str, severity: str, why: str) -> str:
    """Compact JSON answer with keys in schema order."""
    obj = {"risk_family": family, "severity": severity, "attack_surface": SURFACE[family], "explanation": why}
    return json.dumps(obj, separators=(",", ":"))


def make_row(code: str, family: str, severity: str, why: str, kind: str) -> dict:
    """One chat row plus label metadata."""
    user = f"Triage this contract:\n```solidity\n{code}\n```"
    return {"messages": [msg("system", SYSTEM), msg("user", user), msg("assistant", answer(family, severity, why))],
            "meta": {"risk_family": family, "severity": severity, "attack_surface": SURFACE[family],
                     "split_kind": kind}}


DECL_KW = re.compile(r"\b(?:function|modifier|struct|enum|event|library|interface|contract) (\w+)")
DECL_VAR = re.compile(r"(\w+)(?: = [^;]*)?;$")


def declared(ex: dict) -> set[str]:
    """Names a distractor declares: functions, types, events and state variables."""
    lines = ex.get("pre", []) + ex.get("state", []) + ex.get("events", [])
    lines += [x for block in ex.get("funcs", []) + ex.get("mods", []) for x in block]
    out = {m.group(1) for line in lines for m in DECL_KW.finditer(line)}
    return out | {m.group(1) for line in ex.get("state", []) if (m := DECL_VAR.search(line.strip()))}


def host_ctx(n, spec: dict, ver: str) -> Ctx:
    """What distractors may rely on in this snippet: a sound admin check and the balance mapping."""
    state = "\n".join(spec.get("state", []))
    modifier = "onlyOwner" if "Ownable" in spec.get("inherits", []) else None
    guard = None
    if re.search(rf"address (?:public |private |internal )?(?:immutable )?{re.escape(n.admin)};", state):
        guard = [f'require(msg.sender == {n.admin}, "only {n.admin}");']
    bal = n.bal if re.search(rf"mapping\(address => uint256\) (?:public |internal |private )?{re.escape(n.bal)};",
                             state) else None
    return Ctx(ver=ver, guard=guard, modifier=modifier, bal=bal, inherits=list(spec.get("inherits", [])))


def pick_extras(n, spec: dict, rng, pool, ver: str) -> list[dict]:
    """Up to three distractors that fit the line budget and share no name with the shape or each other."""
    ctx = host_ctx(n, spec, ver)
    taken = idents(flat(spec)) | {n.C}
    lines = len(flat(spec)) + 8
    target = rng.randint(10, 28)
    chosen: list[dict] = []
    for make in rng.sample(pool, len(pool)):
        if len(chosen) == 2 or lines >= target:
            break
        ex = make(n, rng, ctx)
        if not ex:
            continue
        body = ex.get("pre", []) + ex.get("state", []) + ex.get("events", []) + ex.get("ctor", [])
        body += [x for block in ex.get("funcs", []) + ex.get("mods", []) for x in block]
        names = declared(ex)
        if names & taken or (ex.get("ctor") and spec.get("ctor") is None and spec.get("ctor_tail")):
            continue
        size = len(body) + len(ex.get("funcs", [])) + len(ex.get("mods", []))
        if lines + size > MAX_LINES - 2:
            continue
        taken |= names
        lines += size
        chosen.append(ex)
    return chosen


class Sampler:
    """Rejection-samples snippets so no two accepted codes in a domain are near duplicates."""

    def __init__(self, limit: float = 0.7):
        self.limit = limit
        self.by_domain: dict[str, list[frozenset]] = {}
        self.seen: set[str] = set()

    def accept(self, keys: tuple[str, ...], code: str, others: list[frozenset] = ()) -> bool:
        """Accept code if it is new and dissimilar to earlier codes sharing a key."""
        if code in self.seen:
            return False
        sh = shingles(code)
        pools = [self.by_domain.setdefault(k, []) for k in keys]
        if any(jaccard(sh, o) >= self.limit for pool in pools + [list(others)] for o in pool):
            return False
        for pool in pools:
            pool.append(sh)
        self.seen.add(code)
        return True


def _version(shape, spec: dict, rng) -> str:
    if "ver" in spec:
        return spec["ver"]
    if shape in LEGACY and rng.random() < LEGACY_SHARE:
        return rng.choice(LEGACY[shape])
    return "08"


def _emit(sampler, shape, family, severity, domains, count, pools, rng, kind, others=()):
    rows, tries = [], 0
    held = kind != "train"
    while len(rows) < count:
        tries += 1
        if tries > count * 60:
            raise RuntimeError(f"could not sample {count} distinct rows for {shape.__name__}")
        dom = domains[len(rows) % len(domains)] if tries <= count else rng.choice(domains)
        n = pick_names(dom, pools, rng, held=held)
        spec = shape(n, rng, kind == "paraphrase")
        ver = _version(shape, spec, rng)
        extras = pick_extras(n, spec, rng, EVAL_POOL if held else TRAIN_POOL, ver)
        code = render(n, merge(spec, extras, rng), rng, style(rng, held), ver=ver)
        if not MIN_LINES <= len(code.splitlines()) <= MAX_LINES or len(spec["why"]) > 200:
            continue
        try:
            check_snippet(code, family)
        except LintError as exc:
            raise RuntimeError(f"{shape.__name__} wrote a snippet that fails the lint ({exc}):\n{code}") from exc
        if any(f"{name}(" not in code for name in mentioned_calls(spec["why"])):
            raise RuntimeError(f"{shape.__name__}: explanation names a function missing from the code:\n{code}")
        if sampler.accept((dom, shape.__name__), code, others):
            rows.append(make_row(code, family, severity, spec["why"], kind))
    return rows


def build_outside() -> list[dict]:
    """The hand-written outside probes as rows (``meta.probe`` names each; never used for training)."""
    rows = []
    for name, family, severity, why, code, _note in ct_outside_a.ENTRIES + ct_outside_b.ENTRIES + ct_outside_c.ENTRIES:
        row = make_row(code, family, severity, why, "outside")
        row["meta"]["probe"] = name
        rows.append(row)
    return number_ids(rows, "ct-outside")


def build() -> tuple[list[dict], list[dict]]:
    """Return (train, eval) rows for contract triage."""
    rng = rng_for("contract-triage")
    sampler = Sampler()
    train = []
    for shape, fam, sev, doms, count in TRAIN_SHAPES:
        train += _emit(sampler, shape, fam, sev, doms, count, TRAIN_DOMAINS, rng, "train")
    train_sh = [shingles(r["messages"][1]["content"]) for r in train]
    evals = []
    for shape, fam, sev, count in HELD_SHAPES + HELD_REUSE:
        evals += _emit(sampler, shape, fam, sev, HELD, count, HELD_DOMAINS, rng, "heldout", others=train_sh)
    for i, (shape, fam, sev, doms, _count) in enumerate(TRAIN_SHAPES):
        para_doms = [d for d in doms if d in PARA_DOMAINS]
        evals += _emit(sampler, shape, fam, sev, para_doms, 1 + (i % 3 == 0), PARA_DOMAINS, rng,
                       "paraphrase", others=train_sh)
    rng.shuffle(train)
    rng.shuffle(evals)
    return number_ids(train, "ct-train"), number_ids(evals, "ct-eval")
