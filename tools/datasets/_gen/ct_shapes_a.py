"""Contract shapes: reentrancy and access-control bugs."""

from __future__ import annotations

from .ct_render import cap, fn

OZ_ERC20 = 'import "@openzeppelin/contracts/token/ERC20/ERC20.sol";'
OZ_ERC721 = 'import "@openzeppelin/contracts/token/ERC721/ERC721.sol";'


def _deposit(n, ev):
    body = [f"{n.bal}[msg.sender] += msg.value;"]
    if ev:
        body.append("emit Deposited(msg.sender, msg.value);")
    return fn(f"function {n.dep}() external payable", *body)


def re_zero_after(n, rng, alt):
    """Withdraw pays ETH, then zeroes the balance."""
    ev = rng.random() < 0.5
    if alt:
        out = fn(f"function {n.out}() external",
                 f"uint256 {n.owed} = {n.bal}[msg.sender];", f"if ({n.owed} == 0) return;",
                 f"_push(payable(msg.sender), {n.owed});", f"delete {n.bal}[msg.sender];")
        helper = fn(f"function _push(address payable to, uint256 {n.amt}) internal",
                    f"(bool sent, ) = to.call{{value: {n.amt}}}(\"\");", 'require(sent, "push failed");')
        funcs = [_deposit(n, ev), out, helper]
    else:
        out = fn(f"function {n.out}() external",
                 f"uint256 {n.owed} = {n.bal}[msg.sender];", f'require({n.owed} > 0, "nothing to withdraw");',
                 f"(bool ok, ) = msg.sender.call{{value: {n.owed}}}(\"\");", 'require(ok, "transfer failed");',
                 f"{n.bal}[msg.sender] = 0;")
        funcs = [_deposit(n, ev), out]
    return {"state": [f"mapping(address => uint256) public {n.bal};"],
            "events": ["event Deposited(address indexed from, uint256 value);"] if ev else [],
            "funcs": funcs,
            "why": f"{n.out}() sends ETH before clearing {n.bal}[msg.sender]; a reentrant fallback can "
                   f"withdraw again and drain all {n.noun}."}


def re_claim_rewards(n, rng, alt):
    """Reward claim pays before resetting the accrued reward."""
    r = rng.choice(["earned", "rewards", "accrued"])
    credit = fn(f"function credit(address {n.user}, uint256 {n.amt}) external",
                f'require(msg.sender == {n.admin}, "only {n.admin}");', f"{r}[{n.user}] += {n.amt};")
    if alt:
        claim = fn("function claimRewards() external",
                   f"uint256 {n.owed} = {r}[msg.sender];", f"if ({n.owed} > 0) {{",
                   f"    Address.sendValue(payable(msg.sender), {n.owed});", f"    {r}[msg.sender] = 0;", "}")
        imports = ['import "@openzeppelin/contracts/utils/Address.sol";']
    else:
        claim = fn("function claimRewards() external",
                   f"uint256 {n.owed} = {r}[msg.sender];", f'require({n.owed} > 0, "no rewards");',
                   f"(bool ok, ) = payable(msg.sender).call{{value: {n.owed}}}(\"\");", "require(ok);",
                   f"{r}[msg.sender] = 0;", "lastClaim[msg.sender] = block.timestamp;")
        imports = []
    return {"imports": imports,
            "state": [f"address public {n.admin};", f"mapping(address => uint256) public {r};"]
            + ([] if alt else ["mapping(address => uint256) public lastClaim;"]),
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [credit, claim, ["receive() external payable {}"]],
            "why": f"claimRewards() pays ETH before resetting {r}[msg.sender]; re-entering lets a user "
                   f"claim the same rewards repeatedly until the reward balance is empty."}


def re_refund(n, rng, alt):
    """Outbid refunds are paid before being zeroed."""
    hb, hv = rng.choice([("highestBidder", "highestBid"), ("leader", "topBid"), ("winner", "bestOffer")])
    bid = fn(f"function {n.dep}() external payable",
             f'require(msg.value > {hv}, "bid too low");', f"if ({hb} != address(0)) {{",
             f"    {n.bal}[{hb}] += {hv};", "}", f"{hb} = msg.sender;", f"{hv} = msg.value;")
    if alt:
        ref = fn(f"function {n.out}() external",
                 f"uint256 {n.owed} = {n.bal}[msg.sender];", f'require({n.owed} != 0, "no refund");',
                 f"_refund(msg.sender, {n.owed});")
        helper = fn(f"function _refund(address to, uint256 {n.amt}) private",
                    f"(bool ok, ) = to.call{{value: {n.amt}}}(\"\");", 'require(ok, "refund failed");',
                    f"{n.bal}[to] = 0;")
        funcs = [bid, ref, helper]
    else:
        ref = fn(f"function {n.out}() external returns (bool)",
                 f"uint256 {n.owed} = {n.bal}[msg.sender];", f"if ({n.owed} > 0) {{",
                 f"    (bool ok, ) = payable(msg.sender).call{{value: {n.owed}}}(\"\");",
                 "    if (!ok) return false;", f"    {n.bal}[msg.sender] = 0;", "}", "return true;")
        funcs = [bid, ref]
    return {"state": [f"address public {hb};", f"uint256 public {hv};",
                      f"mapping(address => uint256) public {n.bal};"],
            "funcs": funcs,
            "why": f"{n.out}() refunds outbid ETH before clearing {n.bal}; a bidder contract can re-enter "
                   f"and pull other bidders' escrowed ETH."}


def re_mint_cap(n, rng, alt):
    """_safeMint callback fires before the per-wallet counter is updated."""
    cap_name = rng.choice(["MAX_PER_WALLET", "WALLET_LIMIT", "MAX_MINTS"])
    price = rng.choice(["0.05 ether", "0.08 ether", "0.02 ether"])
    loop = [f"for (uint256 i = 0; i < {n.amt}; i++) {{", "    _safeMint(msg.sender, nextId++);", "}"]
    if alt:
        body = [f'require({n.bal}[msg.sender] + {n.amt} <= {cap_name}, "cap reached");',
                f'require(msg.value == {n.amt} * PRICE, "bad payment");', f"_mintBatch(msg.sender, {n.amt});",
                f"{n.bal}[msg.sender] += {n.amt};"]
        extra = [fn("function _mintBatch(address to, uint256 count) internal",
                    "for (uint256 i; i < count; ++i) {", "    _safeMint(to, nextId);", "    nextId++;", "}")]
    else:
        body = [f'require({n.bal}[msg.sender] + {n.amt} <= {cap_name}, "wallet cap");',
                f'require(msg.value == {n.amt} * PRICE, "wrong price");', *loop,
                f"{n.bal}[msg.sender] += {n.amt};"]
        extra = []
    return {"imports": [OZ_ERC721], "inherits": ["ERC721"],
            "state": [f"uint256 public constant {cap_name} = {rng.choice([2, 3, 5])};",
                      f"uint256 public constant PRICE = {price};", "uint256 public nextId;",
                      f"mapping(address => uint256) public {n.bal};"],
            "ctor": [], "ctor_tail": f' ERC721("{n.C}", "{n.C[:4].upper()}")',
            "funcs": [fn(f"function {n.dep}(uint256 {n.amt}) external payable", *body)] + extra,
            "why": f"_safeMint calls onERC721Received before {n.bal} is updated, so a contract minter can "
                   f"re-enter {n.dep}() and mint past {cap_name}."}


def _only(n):
    return fn(f"modifier only{cap(n.admin)}()", f'require(msg.sender == {n.admin}, "not {n.admin}");', "_;")


def ac_takeover(n, rng, alt):
    """Admin setter without a modifier."""
    setter = fn(f"function set{cap(n.admin)}(address next) external", f"{n.admin} = next;")
    if alt:
        setter = fn(f"function transfer{cap(n.admin)}Role(address next) public",
                    'require(next != address(0), "zero address");', f"_set{cap(n.admin)}(next);")
        setter += [""] + fn(f"function _set{cap(n.admin)}(address next) internal", f"{n.admin} = next;")
    sweep = fn(f"function sweep(address payable to) external only{cap(n.admin)}",
               "to.transfer(address(this).balance);")
    return {"state": [f"address public {n.admin};"], "mods": [_only(n)], "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [setter, sweep, ["receive() external payable {}"]],
            "why": f"The {n.admin} setter has no access check, so anyone can become {n.admin} and then call "
                   f"sweep() to take the whole balance."}


def ac_mint(n, rng, alt):
    """Unrestricted token mint."""
    sym = n.C[:3].upper()
    mint = fn(f"function mintTo(address to, uint256 {n.amt}) external", f"_mint(to, {n.amt});")
    if alt:
        mint = fn(f"function issue(address to, uint256 {n.amt}) public", f"_issue(to, {n.amt});")
        mint += [""] + fn(f"function _issue(address to, uint256 {n.amt}) internal",
                          f"totalIssued += {n.amt};", f"_mint(to, {n.amt});")
    burn = fn(f"function burnFrom(address from, uint256 {n.amt}) external",
              f'require(msg.sender == {n.admin}, "only {n.admin}");', f"_burn(from, {n.amt});")
    return {"imports": [OZ_ERC20], "inherits": ["ERC20"],
            "state": [f"address public {n.admin};"] + (["uint256 public totalIssued;"] if alt else []),
            "ctor": [f"{n.admin} = msg.sender;"], "ctor_tail": f' ERC20("{n.C} Share", "{sym}")',
            "funcs": [mint, burn],
            "why": f"The mint function is public with no role check; anyone can mint unlimited {sym} and "
                   "dilute or drain every holder."}


def ac_param(n, rng, alt):
    """Fee parameter settable by anyone, taken from withdrawals."""
    setter = fn(f"function set{cap(n.param)}(uint256 newValue) external",
                'require(newValue <= 10_000, "too high");', f"{n.param} = newValue;")
    body = [f"uint256 {n.owed} = {n.bal}[msg.sender];", f"{n.bal}[msg.sender] = 0;",
            f"uint256 fee = {n.owed} * {n.param} / 10_000;", f"payable({n.admin}).transfer(fee);",
            f"payable(msg.sender).transfer({n.owed} - fee);"]
    if alt:
        body = [f"uint256 {n.owed} = {n.bal}[msg.sender];", f"{n.bal}[msg.sender] = 0;",
                f"(uint256 fee, uint256 net) = _split({n.owed});", f"payable({n.admin}).transfer(fee);",
                "payable(msg.sender).transfer(net);"]
    funcs = [setter, fn(f"function {n.out}() external", *body),
             fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;")]
    if alt:
        funcs.append(fn("function _split(uint256 gross) internal view returns (uint256 fee, uint256 net)",
                        f"fee = gross * {n.param} / 10_000;", "net = gross - fee;"))
    return {"state": [f"address public {n.admin};", f"uint256 public {n.param} = 50;",
                      f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"], "funcs": funcs,
            "why": f"set{cap(n.param)}() lacks access control; anyone can raise {n.param} to 100% and divert "
                   f"users' withdrawals to {n.admin}."}


def ac_pause(n, rng, alt):
    """Pause switch callable by anyone."""
    p = rng.choice(["paused", "halted", "frozen"])
    toggle = fn("function setPaused(bool value) external", f"{p} = value;")
    if alt:
        toggle = fn("function pause() external", f"{p} = true;") + [""] + fn(
            "function unpause() external", f'require(msg.sender == {n.admin}, "only {n.admin}");', f"{p} = false;")
    return {"state": [f"address public {n.admin};", f"bool public {p};",
                      f"mapping(address => uint256) public {n.bal};"],
            "mods": [fn("modifier whenActive()", f'require(!{p}, "{p}");', "_;")],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [toggle,
                      fn(f"function {n.dep}() external payable whenActive", f"{n.bal}[msg.sender] += msg.value;"),
                      fn(f"function {n.out}(uint256 {n.amt}) external whenActive",
                         f"{n.bal}[msg.sender] -= {n.amt};", f"payable(msg.sender).transfer({n.amt});")],
            "why": f"Anyone can set {p}, freezing {n.dep}() and {n.out}() for all users; funds are not "
                   "stolen but the contract can be griefed indefinitely."}


def ac_uri(n, rng, alt):
    """Metadata URI setter without a modifier."""
    uri = rng.choice(["baseURI", "baseTokenURI", "metadataRoot"])
    setter = fn("function setBaseURI(string calldata newURI) external", f"{uri} = newURI;")
    if alt:
        setter = fn("function updateMetadata(string memory newURI) public", "_setRoot(newURI);") + [""] + fn(
            "function _setRoot(string memory newURI) internal", f"{uri} = newURI;")
    return {"imports": [OZ_ERC721], "inherits": ["ERC721"],
            "state": [f"address public {n.admin};", f"string public {uri};", "uint256 public minted;"],
            "ctor": [f"{n.admin} = msg.sender;"], "ctor_tail": f' ERC721("{n.C}", "{n.C[:3].upper()}")',
            "funcs": [setter,
                      fn("function _baseURI() internal view override returns (string memory)", f"return {uri};"),
                      fn("function mint() external payable", 'require(msg.value == 0.03 ether, "price");',
                         "_mint(msg.sender, ++minted);")],
            "why": "Anyone can change the base URI and deface the collection's metadata; no funds are at "
                   "risk, so the impact is limited."}


def ac_initializer(n, rng, alt):
    """Held-out: re-callable initializer hands over the admin role."""
    return {"state": [f"address public {n.admin};", "bool public initialized;",
                      f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn(f"function initialize(address first{cap(n.admin)}) external",
                         f"{n.admin} = first{cap(n.admin)};", "initialized = true;"),
                      fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;"),
                      fn("function drainTo(address payable to) external",
                         f'require(msg.sender == {n.admin}, "forbidden");', "to.transfer(address(this).balance);")],
            "fixed": 1,
            "why": f"initialize() never checks the initialized flag, so anyone can call it again, become "
                   f"{n.admin} and move all {n.noun} with drainTo()."}


def ac_soft_modifier(n, rng, alt):
    """Held-out: modifier logs unauthorized callers but never reverts."""
    return {"state": [f"address public {n.admin};"],
            "events": ["event Unauthorized(address caller);"],
            "mods": [fn(f"modifier only{cap(n.admin)}()", f"if (msg.sender != {n.admin}) {{",
                        "    emit Unauthorized(msg.sender);", "}", "_;")],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn(f"function rescueFunds(address payable to) external only{cap(n.admin)}",
                         "to.transfer(address(this).balance);"),
                      ["receive() external payable {}"]],
            "why": f"only{cap(n.admin)} emits an event for outsiders but still executes the body, so anyone "
                   "can call rescueFunds() and take the balance."}
