"""More surface forms per family (train), assembly proxies, and held-out pattern variants (eval only)."""

from __future__ import annotations

from .ct_render import cap, fn

OZ = "@openzeppelin/contracts/"


def _dep(n):
    return fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;")


def re_partial(n, rng, alt):
    """Partial withdrawal: balance checked, ETH sent, balance reduced afterwards."""
    check = rng.choice([f'require({n.bal}[msg.sender] >= {n.amt}, "insufficient balance");',
                        f'require({n.amt} <= {n.bal}[msg.sender], "too much");'])
    send = rng.choice([(f"(bool ok, ) = msg.sender.call{{value: {n.amt}}}(\"\");", 'require(ok, "send failed");'),
                       (f"(bool success, ) = payable(msg.sender).call{{value: {n.amt}}}(\"\");",
                        'require(success, "transfer failed");')])
    body = [check, *send, f"{n.bal}[msg.sender] -= {n.amt};"]
    if alt:
        body = [check, f"_send(msg.sender, {n.amt});", f"{n.bal}[msg.sender] -= {n.amt};"]
    funcs = [_dep(n), fn(f"function {n.out}(uint256 {n.amt}) external", *body)]
    if alt:
        funcs.append(fn(f"function _send(address to, uint256 {n.amt}) private",
                        f"(bool ok, ) = to.call{{value: {n.amt}}}(\"\");", 'require(ok, "send failed");'))
    return {"state": [f"mapping(address => uint256) public {n.bal};"], "funcs": funcs,
            "why": f"{n.out}() sends ETH before reducing {n.bal}[msg.sender]; a contract can re-enter during the "
                   f"call and withdraw the same balance repeatedly, draining the {n.noun}."}


def re_callback(n, rng, alt):
    """Payment delivered through a callback on a caller-chosen receiver before the balance is cleared."""
    i, f = rng.choice([("IPayee", "onPayment"), ("IReceiver", "receivePayout"), ("ISettlement", "settle")])
    to = rng.choice(["to", "receiver", "recipient"])
    return {"pre": [f"interface {i} {{", f"    function {f}(address from) external payable;", "}"],
            "state": [f"mapping(address => uint256) public {n.bal};"],
            "funcs": [_dep(n),
                      fn(f"function {n.out}To(address {to}) external",
                         f"uint256 {n.owed} = {n.bal}[msg.sender];", f'require({n.owed} > 0, "empty");',
                         f"{i}({to}).{f}{{value: {n.owed}}}(msg.sender);", f"{n.bal}[msg.sender] = 0;")],
            "why": f"{n.out}To() pays through {f}() on a caller-chosen contract before zeroing {n.bal}; the "
                   f"callback can re-enter and be paid again until the {n.noun} are gone."}


def ac_sweep(n, rng, alt):
    """Emergency withdrawal of the whole balance without any access check."""
    name = rng.choice(["emergencyWithdraw", "rescueETH", "withdrawFees", "skim"])
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [_dep(n), fn(f"function {name}(address payable to) external",
                                  "to.transfer(address(this).balance);")],
            "why": f"{name}() has no access control: anyone can send the contract's whole balance, including "
                   f"the {n.noun}, to an address they choose."}


def ac_kill(n, rng, alt):
    """Unprotected selfdestruct."""
    name = rng.choice(["kill", "destroy", "shutdown", "close"])
    arg, target = rng.choice([("", "payable(msg.sender)"), ("address payable to", "to")])
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [_dep(n), fn(f"function {name}({arg}) external", f"selfdestruct({target});")],
            "why": f"{name}() calls selfdestruct without checking the caller, so anyone can destroy the "
                   f"contract and take the {n.noun} it holds."}


def uc_loop_send(n, rng, alt):
    """Prize distribution marks the round paid and ignores each send() result."""
    w = rng.choice(["winners", "payees", "recipients"])
    return {"state": [f"address payable[] public {w};", "bool public paid;", f"address public {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function addPayee(address payable p) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");', f"{w}.push(p);"),
                      fn("function distribute() external", 'require(!paid, "done");', "paid = true;",
                         f"uint256 share = address(this).balance / {w}.length;",
                         f"for (uint256 i = 0; i < {w}.length; i++) {{", f"    {w}[i].send(share);", "}")],
            "why": "distribute() marks the round paid and ignores each send() result; a payee whose transfer "
                   "fails loses their share for good."}


def io_unchecked_sub(n, rng, alt):
    """0.8 unchecked block around a debit that is never compared with the balance."""
    name = rng.choice(["burn", "spend", "redeemPoints", "consume"])
    return {"state": [f"mapping(address => uint256) public {n.bal};", "uint256 public totalSupply;"],
            "funcs": [fn(f"function {name}(uint256 {n.amt}) external", "unchecked {",
                         f"    {n.bal}[msg.sender] -= {n.amt};", f"    totalSupply -= {n.amt};", "}"),
                      fn(f"function transfer(address to, uint256 {n.amt}) external",
                         f"{n.bal}[msg.sender] -= {n.amt};", f"{n.bal}[to] += {n.amt};")],
            "why": f"{name}() subtracts inside unchecked without comparing {n.amt} to {n.bal}[msg.sender], so the "
                   "balance underflows to a huge number that can then be transferred."}


def safe_asm_proxy(n, rng, alt):
    """EIP-1967-style proxy in assembly; only the admin can change the implementation."""
    slot = rng.choice(["IMPLEMENTATION_SLOT", "_IMPL_SLOT", "LOGIC_SLOT"])
    return {"state": [f"bytes32 private constant {slot} = "
                      "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;",
                      f"address public immutable {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;", "_setImplementation(logic);"], "ctor_args": "address logic",
            "funcs": [fn("function upgradeTo(address logic) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");', "_setImplementation(logic);"),
                      fn("function _setImplementation(address logic) private",
                         f"assembly {{ sstore({slot}, logic) }}"),
                      fn("fallback() external payable", "assembly {", f"    let impl := sload({slot})",
                         "    calldatacopy(0, 0, calldatasize())",
                         "    let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)",
                         "    returndatacopy(0, 0, returndatasize())",
                         "    switch ok case 0 { revert(0, returndatasize()) } default { return(0, returndatasize()) }",
                         "}")],
            "why": f"The fallback delegatecalls only the implementation stored in {slot}, which only the "
                   f"immutable {n.admin} can change; callers cannot pick the target. No issue found."}


def safe_origin_eoa(n, rng, alt):
    """tx.origin used only to keep contracts out of a mint, never as authentication."""
    limit = rng.choice(["MAX_PER_TX", "BATCH_LIMIT"])
    return {"state": [f"uint256 public constant {limit} = {rng.choice([3, 5, 10])};",
                      f"mapping(address => uint256) public {n.bal};", f"address public {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn(f"function {n.dep}(uint256 count) external payable",
                         'require(msg.sender == tx.origin, "no contracts");',
                         f'require(count > 0 && count <= {limit}, "bad count");',
                         f"{n.bal}[msg.sender] += count;"),
                      fn(f"function {n.out}() external", f'require(msg.sender == {n.admin}, "only {n.admin}");',
                         f"payable({n.admin}).transfer(address(this).balance);")],
            "why": f"tx.origin only blocks contract callers in {n.dep}(); authorisation uses msg.sender == "
                   f"{n.admin}. No issue found."}


def dc_selector(n, rng, alt):
    """Caller picks the library and selector that are delegatecalled."""
    lib = rng.choice(["lib", "logic", "helper"])
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn(f"function useLibrary(address {lib}, bytes4 selector, uint256 arg) external",
                         f"(bool ok, ) = {lib}.delegatecall(abi.encodeWithSelector(selector, arg));",
                         'require(ok, "library call failed");'),
                      _dep(n)],
            "why": f"useLibrary() delegatecalls a {lib} address and selector chosen by the caller, so anyone "
                   f"can run code against this contract's storage and steal the {n.noun}."}


def or_lp_value(n, rng, alt):
    """LP-token collateral valued from the pair's current reserves."""
    return {"pre": ["interface ILPPair {", "    function getReserves() external view returns (uint112, uint112, uint32);",
                    "    function totalSupply() external view returns (uint256);", "}"],
            "state": ["ILPPair public lp;", f"mapping(address => uint256) public {n.bal};",
                      "mapping(address => uint256) public borrowed;"],
            "funcs": [fn("function lpValue(uint256 lpAmount) public view returns (uint256)",
                         "(uint112 r0, uint112 r1, ) = lp.getReserves();",
                         "return lpAmount * (uint256(r0) + uint256(r1)) / lp.totalSupply();"),
                      fn(f"function borrow(uint256 {n.amt}) external",
                         f'require(borrowed[msg.sender] + {n.amt} <= lpValue({n.bal}[msg.sender]) / 2, "limit");',
                         f"borrowed[msg.sender] += {n.amt};", f"payable(msg.sender).transfer({n.amt});")],
            "why": "lpValue() prices LP collateral from the pair's live reserves; skewing them with a flash "
                   "loan inflates the value and lets an attacker borrow the pool's ETH."}


def to_allowlist(n, rng, alt):
    """Allow-list keyed by tx.origin guards a payout."""
    m = rng.choice(["trusted", "operators", "isKeeper"])
    return {"state": [f"mapping(address => bool) public {m};", f"address public {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;", f"{m}[msg.sender] = true;"],
            "funcs": [fn(f"function payOut(address payable to, uint256 {n.amt}) external",
                         f'require({m}[tx.origin], "not trusted");', f"to.transfer({n.amt});"),
                      fn(f"function set{cap(m)}(address who, bool on) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");', f"{m}[who] = on;"),
                      ["receive() external payable {}"]],
            "why": f"payOut() checks {m}[tx.origin]; if a trusted account calls a malicious contract, it can "
                   "call payOut() and send the contract's ETH anywhere."}


# -- held-out pattern variants (eval only) --------------------------------------------------------------
def ac_public_internal(n, rng, alt):
    """Held-out: a helper meant to be internal is public and sets the admin."""
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"_set{cap(n.admin)}(msg.sender);"],
            "funcs": [fn(f"function _set{cap(n.admin)}(address who) public", f"{n.admin} = who;"),
                      _dep(n),
                      fn("function withdrawReserves(address payable to) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");', "to.transfer(address(this).balance);")],
            "why": f"_set{cap(n.admin)}() is public, so anyone can make themselves {n.admin} and then call "
                   f"withdrawReserves() to take the {n.noun}."}


def dc_asm_user(n, rng, alt):
    """Held-out: assembly delegatecall to a caller-supplied target."""
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function route(address module, bytes memory payload) public payable",
                         "assembly {",
                         "    let ok := delegatecall(gas(), module, add(payload, 0x20), mload(payload), 0, 0)",
                         "    if iszero(ok) { revert(0, 0) }", "}"),
                      _dep(n)],
            "why": "route() delegatecalls a module address chosen by the caller (in assembly), so anyone can run "
                   f"code with this contract's storage, take over {n.admin} and drain the {n.noun}."}


def re_cross_fn(n, rng, alt):
    """Held-out: withdraw is nonReentrant, but the unguarded transfer() can be re-entered mid-call."""
    return {"imports": [f'import "{OZ}utils/ReentrancyGuard.sol";'], "inherits": ["ReentrancyGuard"],
            "state": [f"mapping(address => uint256) public {n.bal};"],
            "funcs": [_dep(n),
                      fn(f"function transfer(address to, uint256 {n.amt}) external",
                         f'require({n.bal}[msg.sender] >= {n.amt}, "balance");',
                         f"{n.bal}[msg.sender] -= {n.amt};", f"{n.bal}[to] += {n.amt};"),
                      fn(f"function {n.out}() external nonReentrant", f"uint256 {n.owed} = {n.bal}[msg.sender];",
                         f"(bool ok, ) = msg.sender.call{{value: {n.owed}}}(\"\");", 'require(ok, "failed");',
                         f"{n.bal}[msg.sender] = 0;")],
            "why": f"{n.out}() sends ETH before zeroing {n.bal}; nonReentrant does not cover transfer(), so the "
                   "callback moves the balance to a second account and withdraws it twice."}


def re_erc1155_hook(n, rng, alt):
    """Held-out: ERC-1155 mint callback fires before the per-wallet counter is updated."""
    return {"imports": [f'import "{OZ}token/ERC1155/ERC1155.sol";'], "inherits": ["ERC1155"],
            "state": ["uint256 public constant LIMIT = 2;", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [], "ctor_tail": ' ERC1155("ipfs://meta/{id}.json")',
            "funcs": [fn(f"function {n.dep}(uint256 {n.amt}) external payable",
                         f'require({n.bal}[msg.sender] + {n.amt} <= LIMIT, "limit");',
                         f'require(msg.value == {n.amt} * 0.01 ether, "price");',
                         f'_mint(msg.sender, 1, {n.amt}, "");', f"{n.bal}[msg.sender] += {n.amt};")],
            "why": f"_mint calls onERC1155Received before {n.bal} is updated, so a contract can re-enter "
                   f"{n.dep}() and mint past LIMIT; only the cap is bypassed."}
