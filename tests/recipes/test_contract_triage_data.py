"""The shipped data sets are current, and contract_triage's static lint really catches each risk family."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

#: The generators of the shipped data sets (tools/, outside the wheel; they write recipes/datasets/).
TOOLS = Path(__file__).resolve().parents[2] / "tools" / "datasets"


def _lint():
    spec = importlib.util.spec_from_file_location("ct_lint", TOOLS / "_gen" / "ct_lint.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ct_lint", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


lint = _lint()

SAFE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Vault {
    address public owner;
    uint256 public fee;
    mapping(address => uint256) public bal;

    constructor() { owner = msg.sender; }

    function deposit() external payable { bal[msg.sender] += msg.value; }

    function setFee(uint256 f) external {
        require(msg.sender == owner, "owner");
        fee = f;
    }

    function withdraw() external {
        uint256 a = bal[msg.sender];
        bal[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: a}("");
        require(ok, "send failed");
    }
}"""

# (family, old text, new text): one edit of SAFE that plants exactly that family's bug.
PLANTED = [
    ("reentrancy", 'bal[msg.sender] = 0;\n        (bool ok, ) = msg.sender.call{value: a}("");\n        require(ok, "send failed");',
     '(bool ok, ) = msg.sender.call{value: a}("");\n        require(ok, "send failed");\n        bal[msg.sender] = 0;'),
    ("unchecked_external_call", '(bool ok, ) = msg.sender.call{value: a}("");\n        require(ok, "send failed");',
     "payable(msg.sender).send(a);"),
    ("access_control", 'require(msg.sender == owner, "owner");\n', ""),
    ("tx_origin_auth", "require(msg.sender == owner", "require(tx.origin == owner"),
    ("integer_overflow", "bal[msg.sender] = 0;", "unchecked { bal[msg.sender] -= a + 1; }"),
    ("delegatecall_injection", "function deposit() external payable { bal[msg.sender] += msg.value; }",
     "function run(address t, bytes calldata d) external { (bool s, ) = t.delegatecall(d); require(s); }"),
    ("oracle_manipulation", "uint256 a = bal[msg.sender];",
     "(uint112 r0, uint112 r1, ) = pair.getReserves();\n        uint256 a = bal[msg.sender] * r1 / r0;"),
]


def test_committed_data_sets_are_current_and_pass_every_check():
    done = subprocess.run([sys.executable, str(TOOLS / "generate.py"), "--check"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "contract_triage/outside.jsonl: 25 rows" in done.stdout


def test_safe_contract_shows_no_marker():
    assert lint.markers(SAFE) == set()
    lint.check_snippet(SAFE, "none")


@pytest.mark.parametrize(("family", "old", "new"), PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_bug_is_found_and_only_it(family, old, new):
    assert old in SAFE
    code = SAFE.replace(old, new)
    assert lint.markers(code) == {family}
    lint.check_snippet(code, family)
    with pytest.raises(lint.LintError, match="also shows"):
        lint.check_snippet(code, "none")


def test_pre_08_arithmetic_needs_a_guard():
    old = SAFE.replace("^0.8.20", "^0.6.12")
    assert lint.markers(old) == set()  # 0.6 alone is not a finding
    unguarded = old.replace("bal[msg.sender] = 0;", "bal[msg.sender] -= a;")
    assert lint.markers(unguarded) == {"integer_overflow"}
    guarded = unguarded.replace("bal[msg.sender] -= a;", 'require(bal[msg.sender] >= a, "low");\n        bal[msg.sender] -= a;')
    assert lint.markers(guarded) == set()
    assert lint.markers(unguarded.replace("^0.6.12", "^0.8.20")) == set()  # checked arithmetic since 0.8


def test_label_check_rejects_missing_marker_and_unbalanced_code():
    with pytest.raises(lint.LintError, match="no reentrancy marker"):
        lint.check_snippet(SAFE, "reentrancy")
    with pytest.raises(lint.LintError, match="unclosed"):
        lint.check_snippet(SAFE[:-1], "none")
