"""Contract shapes labelled none: decoys that use the safe version of each pattern."""

from __future__ import annotations

from .ct_render import cap, fn

OZ = "@openzeppelin/contracts/"
TWAP_WORDS = {"30 minutes": "30 minutes", "1 hours": "one hour", "45 minutes": "45 minutes"}


def _dep(n):
    return fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;")


def safe_cei(n, rng, alt):
    """Checks-effects-interactions withdrawal."""
    return {"state": [f"mapping(address => uint256) public {n.bal};"],
            "funcs": [_dep(n),
                      fn(f"function {n.out}() external", f"uint256 {n.owed} = {n.bal}[msg.sender];",
                         f'require({n.owed} > 0, "nothing owed");', f"{n.bal}[msg.sender] = 0;",
                         f"(bool ok, ) = payable(msg.sender).call{{value: {n.owed}}}(\"\");",
                         'require(ok, "transfer failed");')],
            "why": f"{n.out}() zeroes {n.bal} before the external call and checks its result "
                   "(checks-effects-interactions); re-entry finds nothing to withdraw."}


def safe_guard(n, rng, alt):
    """Call-before-update, but behind ReentrancyGuard."""
    return {"imports": [f'import "{OZ}utils/ReentrancyGuard.sol";'], "inherits": ["ReentrancyGuard"],
            "state": [f"mapping(address => uint256) public {n.bal};"],
            "funcs": [_dep(n),
                      fn(f"function {n.out}() external nonReentrant", f"uint256 {n.owed} = {n.bal}[msg.sender];",
                         f"(bool ok, ) = msg.sender.call{{value: {n.owed}}}(\"\");", 'require(ok, "failed");',
                         f"{n.bal}[msg.sender] = 0;")],
            "why": f"{n.out}() calls out before zeroing {n.bal}, but nonReentrant blocks re-entry and "
                   f"{n.dep}() only adds to the caller's own balance; no exploitable issue."}


def safe_ownable(n, rng, alt):
    """Parameter setter behind Ownable."""
    return {"imports": [f'import "{OZ}access/Ownable.sol";'], "inherits": ["Ownable"],
            "state": [f"uint256 public {n.param} = 25;"], "ctor": [],
            "ctor_tail": " Ownable(msg.sender)", "events": [f"event {cap(n.param)}Updated(uint256 value);"],
            "funcs": [fn(f"function set{cap(n.param)}(uint256 v) external onlyOwner",
                         'require(v <= 1_000, "cap");', f"{n.param} = v;", f"emit {cap(n.param)}Updated(v);")],
            "why": f"set{cap(n.param)}() is restricted with onlyOwner and bounded to 10%; no issue found."}


def safe_roles(n, rng, alt):
    """Mint restricted with AccessControl."""
    return {"imports": [f'import "{OZ}token/ERC20/ERC20.sol";', f'import "{OZ}access/AccessControl.sol";'],
            "inherits": ["ERC20", "AccessControl"],
            "state": ['bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");'],
            "ctor": ["_grantRole(DEFAULT_ADMIN_ROLE, msg.sender);"],
            "ctor_tail": f' ERC20("{n.C}", "{n.C[:3].upper()}")',
            "funcs": [fn(f"function mint(address to, uint256 {n.amt}) external onlyRole(MINTER_ROLE)",
                         f"_mint(to, {n.amt});")],
            "why": "mint() requires MINTER_ROLE via AccessControl and only the admin can grant it; no issue found."}


def safe_checked_call(n, rng, alt):
    """Low-level call with its result enforced."""
    return {"state": [f"mapping(address => uint256) public {n.bal};"],
            "funcs": [_dep(n),
                      fn(f"function {n.out}(uint256 {n.amt}) external",
                         f'require({n.bal}[msg.sender] >= {n.amt}, "insufficient");',
                         f"{n.bal}[msg.sender] -= {n.amt};",
                         f"(bool sent, ) = payable(msg.sender).call{{value: {n.amt}}}(\"\");",
                         'require(sent, "ETH transfer failed");')],
            "why": f"{n.out}() updates state first and reverts if the call fails, so balances stay "
                   "consistent; no issue found."}


def safe_erc20(n, rng, alt):
    """SafeERC20 transfers."""
    return {"imports": [f'import "{OZ}token/ERC20/utils/SafeERC20.sol";'],
            "state": ["using SafeERC20 for IERC20;", f"IERC20 public immutable {n.tok};",
                      f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.tok} = t;"], "ctor_args": "IERC20 t",
            "funcs": [fn(f"function {n.dep}(uint256 {n.amt}) external",
                         f"{n.tok}.safeTransferFrom(msg.sender, address(this), {n.amt});",
                         f"{n.bal}[msg.sender] += {n.amt};"),
                      fn(f"function {n.out}(uint256 {n.amt}) external", f"{n.bal}[msg.sender] -= {n.amt};",
                         f"{n.tok}.safeTransfer(msg.sender, {n.amt});")],
            "why": "Token transfers go through SafeERC20, which reverts on false returns, and 0.8 arithmetic "
                   "guards the balance; no issue found."}


def safe_safemath(n, rng, alt):
    """Pre-0.8 token using SafeMath."""
    return {"ver": rng.choice(["07", "06", "05"]), "imports": [f'import "{OZ}math/SafeMath.sol";'],
            "state": ["using SafeMath for uint256;", f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn(f"function transfer(address to, uint256 {n.amt}) external returns (bool)",
                         f"{n.bal}[msg.sender] = {n.bal}[msg.sender].sub({n.amt});",
                         f"{n.bal}[to] = {n.bal}[to].add({n.amt});", "return true;")],
            "why": "Pre-0.8 code, but every balance update uses SafeMath sub/add, which revert on "
                   "underflow and overflow; no issue found."}


def safe_twap(n, rng, alt):
    """Price from a time-weighted average over 30+ minutes."""
    period = rng.choice(["30 minutes", "1 hours", "45 minutes"])
    pre = ["interface IPairTwap {", "    function price0CumulativeLast() external view returns (uint256);", "}"]
    return {"pre": pre,
            "state": ["IPairTwap public pair;", "uint256 public lastCumulative;", "uint32 public lastUpdate;",
                      "uint256 public twap;", f"uint32 public constant PERIOD = {period};"],
            "funcs": [fn("function update() external", "uint32 nowTs = uint32(block.timestamp);",
                         'require(nowTs - lastUpdate >= PERIOD, "too soon");',
                         "uint256 cum = pair.price0CumulativeLast();",
                         "twap = (cum - lastCumulative) / (nowTs - lastUpdate);",
                         "lastCumulative = cum;", "lastUpdate = nowTs;")],
            "why": f"Prices come from a cumulative TWAP averaged over at least {TWAP_WORDS[period]}, which a "
                   "single-block swap cannot move meaningfully; no issue found."}


def safe_chainlink(n, rng, alt):
    """Chainlink feed with staleness and sign checks."""
    pre = ["interface IFeed {",
           "    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);",
           "}"]
    return {"pre": pre, "state": ["IFeed public immutable feed;", "uint256 public constant MAX_AGE = 1 hours;"],
            "ctor": ["feed = f;"], "ctor_args": "IFeed f",
            "funcs": [fn("function price() public view returns (uint256)",
                         "(, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();",
                         'require(answer > 0, "bad price");',
                         'require(block.timestamp - updatedAt <= MAX_AGE, "stale price");',
                         "return uint256(answer);")],
            "why": "price() reads a Chainlink feed and rejects stale or non-positive answers; not "
                   "manipulable within one transaction. No issue found."}


def safe_sender_auth(n, rng, alt):
    """msg.sender (not tx.origin) authentication."""
    return {"state": [f"address public {n.admin};"], "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function withdrawAll(address payable to) external",
                         f'require(msg.sender == {n.admin}, "not {n.admin}");', "to.transfer(address(this).balance);"),
                      ["receive() external payable {}"]],
            "why": f"withdrawAll() authenticates with msg.sender == {n.admin}, so intermediate contracts "
                   "cannot act for the admin; no issue found."}


def safe_unchecked_loop(n, rng, alt):
    """unchecked only around a loop counter."""
    return {"state": [f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn(f"function creditMany(address[] calldata users, uint256 {n.amt}) external payable",
                         f'require(msg.value == users.length * {n.amt}, "wrong total");',
                         "for (uint256 i = 0; i < users.length; ) {", f"    {n.bal}[users[i]] += {n.amt};",
                         "    unchecked { ++i; }", "}")],
            "why": "unchecked only wraps the loop counter, which cannot overflow; the payment check uses "
                   "checked 0.8 arithmetic. No issue found."}


def safe_proxy(n, rng, alt):
    """Proxy delegatecall to an admin-controlled implementation."""
    return {"state": ["address public implementation;", f"address public immutable {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;", "implementation = impl;"], "ctor_args": "address impl",
            "funcs": [fn("function upgradeTo(address next) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");', 'require(next.code.length > 0, "not a contract");',
                         "implementation = next;"),
                      fn("fallback() external payable",
                         "(bool ok, ) = implementation.delegatecall(msg.data);", 'require(ok, "impl reverted");')],
            "why": f"The proxy only delegatecalls an implementation that the immutable {n.admin} sets; callers "
                   "cannot choose the target. No issue found."}


def safe_initializer(n, rng, alt):
    """One-shot initializer."""
    return {"state": [f"address public {n.admin};", "bool private initialized;"],
            "funcs": [fn("function initialize(address first) external", 'require(!initialized, "already init");',
                         "initialized = true;", f"{n.admin} = first;"),
                      fn("function rescue(address payable to) external", f'require(msg.sender == {n.admin}, "auth");',
                         "to.transfer(address(this).balance);")],
            "fixed": 1,
            "why": "initialize() can run only once thanks to the initialized flag, and rescue() checks "
                   f"msg.sender == {n.admin}; no issue found."}


def safe_pull(n, rng, alt):
    """Held-out: pull-payment escrow with CEI."""
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function assign(address payee) external payable",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");', f"{n.bal}[payee] += msg.value;"),
                      fn(f"function {n.out}() external", f"uint256 {n.owed} = {n.bal}[msg.sender];",
                         f"delete {n.bal}[msg.sender];",
                         f"(bool ok, ) = msg.sender.call{{value: {n.owed}}}(\"\");", 'require(ok, "pay failed");')],
            "why": f"Payees pull funds themselves and {n.bal} is cleared before the call, so re-entry "
                   "and failed pushes are not a problem; no issue found."}


def safe_merkle(n, rng, alt):
    """Held-out: Merkle claim with claimed flag set first."""
    return {"imports": [f'import "{OZ}utils/cryptography/MerkleProof.sol";',
                        f'import "{OZ}token/ERC20/utils/SafeERC20.sol";'],
            "state": ["using SafeERC20 for IERC20;", "bytes32 public immutable root;", f"IERC20 public {n.tok};",
                      "mapping(address => bool) public claimed;"],
            "ctor": ["root = r;"], "ctor_args": "bytes32 r",
            "funcs": [fn(f"function claim(uint256 {n.amt}, bytes32[] calldata proof) external",
                         'require(!claimed[msg.sender], "claimed");',
                         f"bytes32 leaf = keccak256(abi.encodePacked(msg.sender, {n.amt}));",
                         'require(MerkleProof.verify(proof, root, leaf), "bad proof");',
                         "claimed[msg.sender] = true;", f"{n.tok}.safeTransfer(msg.sender, {n.amt});")],
            "why": "claim() verifies a Merkle proof, marks the claim before transferring and uses SafeERC20; "
                   "no issue found."}


def safe_timelock(n, rng, alt):
    """Held-out: admin actions queued behind a delay."""
    return {"state": [f"address public {n.admin};", "uint256 public constant DELAY = 2 days;",
                      "mapping(bytes32 => uint256) public eta;"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function queue(address target, bytes calldata data) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");',
                         "eta[keccak256(abi.encode(target, data))] = block.timestamp + DELAY;"),
                      fn("function executeQueued(address target, bytes calldata data) external",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");',
                         "bytes32 id = keccak256(abi.encode(target, data));",
                         'require(eta[id] != 0 && block.timestamp >= eta[id], "not ready");', "delete eta[id];",
                         "(bool ok, ) = target.call(data);", 'require(ok, "failed");')],
            "why": f"Only {n.admin} can queue and execute, each call waits out a 2-day delay, and results "
                   "are checked; no issue found."}
