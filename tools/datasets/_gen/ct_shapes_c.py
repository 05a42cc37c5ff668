"""Contract shapes: oracle manipulation and delegatecall injection."""

from __future__ import annotations

from .ct_render import fn

PAIR = ["interface IPair {", "    function getReserves() external view returns (uint112, uint112, uint32);", "}"]
OZ_IERC20 = 'import "@openzeppelin/contracts/token/ERC20/IERC20.sol";'


def _spot(alt):
    if alt:
        return fn("function _spot() internal view returns (uint256 px)",
                  "(uint112 base, uint112 quote, ) = pair.getReserves();",
                  "px = (uint256(quote) * 1e18) / base;")
    return fn("function priceOf() public view returns (uint256)", "(uint112 r0, uint112 r1, ) = pair.getReserves();",
              "return uint256(r1) * 1e18 / uint256(r0);")


def or_borrow_spot(n, rng, alt):
    """Borrow limit valued with AMM spot reserves."""
    px = "_spot()" if alt else "priceOf()"
    ltv = rng.choice(["75", "80", "70"])
    return {"pre": PAIR, "state": ["IPair public immutable pair;", f"mapping(address => uint256) public {n.bal};",
                                   "mapping(address => uint256) public debt;"],
            "ctor": ["pair = pair_;"], "ctor_args": "IPair pair_",
            "funcs": [_spot(alt),
                      fn(f"function borrow(uint256 {n.amt}) external",
                         f"uint256 value = {n.bal}[msg.sender] * {px} / 1e18;",
                         f'require(debt[msg.sender] + {n.amt} <= value * {ltv} / 100, "undercollateralised");',
                         f"debt[msg.sender] += {n.amt};", f"payable(msg.sender).transfer({n.amt});")],
            "why": "Collateral is priced from the pair's spot reserves; a flash-loan swap inflates the price "
                   "and lets an attacker borrow far more than the collateral is worth."}


def or_mint_ratio(n, rng, alt):
    """Shares minted at a price read from pool token balances."""
    q = rng.choice(["quote", "usdc", "stableToken"])
    price = (f"{q}.balanceOf(pool) * 1e18 / {n.tok}.balanceOf(pool)")
    funcs = [fn("function spotPrice() public view returns (uint256)", f"return {price};"),
             fn("function buyShares() external payable", "uint256 minted = msg.value * 1e18 / spotPrice();",
                f"{n.bal}[msg.sender] += minted;", "totalShares += minted;")]
    if alt:
        funcs = [fn("function buyShares() external payable", "uint256 px = _poolPrice();",
                    "uint256 minted = (msg.value * 1e18) / px;", f"{n.bal}[msg.sender] += minted;",
                    "totalShares += minted;"),
                 fn("function _poolPrice() private view returns (uint256)",
                    f"uint256 a = {q}.balanceOf(pool);", f"uint256 b = {n.tok}.balanceOf(pool);",
                    "return a * 1e18 / b;")]
    return {"imports": [OZ_IERC20],
            "state": [f"IERC20 public {n.tok};", f"IERC20 public {q};", "address public pool;",
                      f"mapping(address => uint256) public {n.bal};", "uint256 public totalShares;"],
            "funcs": funcs,
            "why": "The share price comes from the pool's current token balances, which a flash loan or "
                   "donation can skew to mint shares cheaply and dilute holders."}


def or_liquidate_spot(n, rng, alt):
    """Liquidation health check uses spot reserves."""
    px = "_spot()" if alt else "priceOf()"
    bonus = rng.choice(["105", "108", "110"])
    return {"pre": PAIR, "state": ["IPair public immutable pair;", f"mapping(address => uint256) public {n.bal};",
                                   "mapping(address => uint256) public debt;"],
            "ctor": ["pair = pair_;"], "ctor_args": "IPair pair_",
            "funcs": [_spot(alt),
                      fn(f"function liquidate(address {n.user}) external payable",
                         f"uint256 value = {n.bal}[{n.user}] * {px} / 1e18;",
                         f'require(debt[{n.user}] * 100 > value * 80, "healthy");',
                         f'require(msg.value == debt[{n.user}], "repay full debt");',
                         f"uint256 seized = {n.bal}[{n.user}] * {bonus} / 100;",
                         f"debt[{n.user}] = 0;", f"{n.bal}[{n.user}] = 0;",
                         f"{n.bal}[msg.sender] += seized;")],
            "why": "liquidate() judges health with spot AMM reserves; an attacker can crash the price in one "
                   "transaction and seize healthy users' collateral at a bonus."}


def or_bonus_spot(n, rng, alt):
    """Reward multiplier derived from spot reserves."""
    return {"pre": PAIR, "state": ["IPair public pair;", f"mapping(address => uint256) public {n.bal};",
                                   "mapping(address => uint256) public points;"],
            "funcs": [_spot(alt),
                      fn("function checkpoint() external",
                         f"uint256 mult = {'_spot()' if alt else 'priceOf()'} > 2e18 ? 2 : 1;",
                         f"points[msg.sender] += {n.bal}[msg.sender] * mult;")],
            "why": "The points multiplier uses the spot reserve price, so a user can skew the pool within one "
                   "transaction to double their rewards; principal is not at risk."}


def or_slot0(n, rng, alt):
    """Held-out: Uniswap V3 slot0 spot price sizing payouts."""
    pre = ["interface IV3Pool {",
           "    function slot0() external view returns (uint160, int24, uint16, uint16, uint16, uint8, bool);",
           "}"]
    return {"pre": pre, "state": ["IV3Pool public pool;", f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn("function currentPrice() public view returns (uint256)",
                         "(uint160 sqrtP, , , , , , ) = pool.slot0();",
                         "return (uint256(sqrtP) * uint256(sqrtP)) >> 192;"),
                      fn(f"function {n.out}() external", f"uint256 units = {n.bal}[msg.sender];",
                         f"{n.bal}[msg.sender] = 0;", "payable(msg.sender).transfer(units * currentPrice());")],
            "why": "Payouts are sized with slot0, the instantaneous Uniswap V3 price; a flash swap moves it "
                   f"and lets an attacker drain the {n.noun}."}


def or_amounts_out(n, rng, alt):
    """Held-out: router quote used as a sale price."""
    pre = ["interface IRouter {",
           "    function getAmountsOut(uint256, address[] calldata) external view returns (uint256[] memory);",
           "}"]
    return {"pre": pre, "state": ["IRouter public router;", "address public weth;", "address public usd;",
                                  f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn(f"function {n.dep}(uint256 usdPrice) external payable",
                         "address[] memory path = new address[](2);", "path[0] = weth;", "path[1] = usd;",
                         "uint256 ethUsd = router.getAmountsOut(1e18, path)[1];",
                         'require(msg.value * ethUsd / 1e18 >= usdPrice, "underpaid");',
                         f"{n.bal}[msg.sender] += usdPrice;")],
            "why": "The ETH price comes from router.getAmountsOut, a spot quote that can be pumped in the same "
                   "transaction so buyers pay far less than the USD price."}


def dc_execute(n, rng, alt):
    """Arbitrary target delegatecall."""
    if alt:
        f = fn("function forward(address impl, bytes memory payload) public payable", "_forward(impl, payload);")
        f += [""] + fn("function _forward(address impl, bytes memory payload) internal",
                       "(bool ok, ) = impl.delegatecall(payload);", 'require(ok, "forward failed");')
    else:
        f = fn("function execute(address target, bytes calldata data) external payable returns (bytes memory)",
               "(bool ok, bytes memory res) = target.delegatecall(data);", 'require(ok, "exec failed");',
               "return res;")
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [f, fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;")],
            "why": "Anyone can delegatecall an arbitrary contract, which runs with this contract's storage and "
                   f"balance: it can overwrite {n.admin} and steal all {n.noun}."}


def dc_multicall(n, rng, alt):
    """Batch of delegatecalls to caller-chosen modules."""
    loop = ["for (uint256 i = 0; i < modules.length; i++) {",
            "    (bool ok, ) = modules[i].delegatecall(calls[i]);", '    require(ok, "call failed");', "}"]
    if alt:
        loop = ["uint256 i;", "while (i < modules.length) {", "    _run(modules[i], calls[i]);",
                "    unchecked { ++i; }", "}"]
    funcs = [fn("function batch(address[] calldata modules, bytes[] calldata calls) external", *loop),
             fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;")]
    if alt:
        funcs.append(fn("function _run(address m, bytes calldata data) private",
                        "(bool ok, ) = m.delegatecall(data);", 'require(ok, "module failed");'))
    return {"state": [f"address public {n.admin};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"], "funcs": funcs,
            "why": "batch() delegatecalls module addresses supplied by the caller, so anyone can run "
                   f"arbitrary code in this contract's context and seize {n.admin} and the funds."}


def dc_strategy(n, rng, alt):
    """Caller-supplied strategy executed by delegatecall."""
    return {"state": [f"address public {n.admin};", "uint256 public lastHarvest;",
                      f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function harvest(address strategy, bytes calldata params) external",
                         "(bool ok, ) = strategy.delegatecall(",
                         '    abi.encodeWithSignature("harvest(bytes)", params)', ");",
                         'require(ok, "harvest failed");', "lastHarvest = block.timestamp;")],
            "why": "harvest() delegatecalls a strategy address chosen by the caller; a malicious strategy "
                   f"runs in this contract's storage and can steal the {n.noun}."}


def dc_user_hook(n, rng, alt):
    """Held-out: per-user hook executed with delegatecall."""
    return {"state": ["mapping(address => address) public hookOf;",
                      f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn("function setHook(address hook) external", "hookOf[msg.sender] = hook;"),
                      fn(f"function {n.out}() external", "address h = hookOf[msg.sender];",
                         "if (h != address(0)) {",
                         '    (bool ok, ) = h.delegatecall(abi.encodeWithSignature("beforeExit(address)", msg.sender));',
                         '    require(ok, "hook failed");', "}", f"uint256 {n.owed} = {n.bal}[msg.sender];",
                         f"{n.bal}[msg.sender] = 0;", f"payable(msg.sender).transfer({n.owed});")],
            "why": "Users register any hook, which is delegatecalled in this contract's context; a malicious "
                   f"hook can rewrite storage and drain the {n.noun}."}


def dc_actions(n, rng, alt):
    """Held-out: struct-encoded actions delegatecalled in a loop."""
    return {"state": ["struct Action { address target; bytes data; }", f"address public {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function run(Action[] calldata actions) external payable",
                         "for (uint256 i = 0; i < actions.length; i++) {",
                         "    (bool ok, ) = actions[i].target.delegatecall(actions[i].data);",
                         '    require(ok, "action failed");', "}"),
                      ["receive() external payable {}"]],
            "why": "run() lets any caller delegatecall arbitrary targets, giving them full control of this "
                   f"contract's storage, including {n.admin}, and its ETH."}
