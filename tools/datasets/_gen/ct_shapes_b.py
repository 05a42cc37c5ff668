"""Contract shapes: unchecked external calls, integer overflow and tx.origin auth."""

from __future__ import annotations

from .ct_render import cap, fn

OZ_IERC20 = 'import "@openzeppelin/contracts/token/ERC20/IERC20.sol";'
OZ_ERC20 = 'import "@openzeppelin/contracts/token/ERC20/ERC20.sol";'


def uc_send_zeroed(n, rng, alt):
    """Balance wiped, then send() result ignored."""
    if alt:
        funcs = [fn(f"function {n.out}(address payable to) external",
                    f"uint256 {n.owed} = {n.bal}[msg.sender];", f"delete {n.bal}[msg.sender];",
                    f"_pay(to, {n.owed});"),
                 fn(f"function _pay(address payable to, uint256 {n.amt}) internal", f"to.send({n.amt});")]
    else:
        funcs = [fn(f"function {n.out}() external", f"uint256 {n.owed} = {n.bal}[msg.sender];",
                    f"{n.bal}[msg.sender] = 0;", f"payable(msg.sender).send({n.owed});")]
    funcs.append(fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;"))
    return {"state": [f"mapping(address => uint256) public {n.bal};"], "funcs": funcs,
            "why": f"{n.out}() clears {n.bal} and ignores send()'s return value; if the transfer fails "
                   "the user's balance is wiped and the ETH is stuck."}


def uc_call_ignored(n, rng, alt):
    """Low-level call result dropped after debiting."""
    last = (["(bool success, ) = msg.sender.call{value: " + n.amt + '}("");',
             f"emit Withdrawn(msg.sender, {n.amt}, success);"] if alt else
            ["msg.sender.call{value: " + n.amt + '}("");', f"emit Withdrawn(msg.sender, {n.amt});"])
    event = ("event Withdrawn(address indexed to, uint256 value, bool ok);" if alt
             else "event Withdrawn(address indexed to, uint256 value);")
    return {"state": [f"mapping(address => uint256) public {n.bal};"], "events": [event],
            "funcs": [fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;"),
                      fn(f"function {n.out}(uint256 {n.amt}) external",
                         f'require({n.bal}[msg.sender] >= {n.amt}, "insufficient");',
                         f"{n.bal}[msg.sender] -= {n.amt};", *last)],
            "why": f"{n.out}() debits {n.bal} but never checks whether the low-level call succeeded, so a "
                   "failed transfer silently loses the user's funds."}


def uc_erc20_transfer(n, rng, alt):
    """ERC-20 transfer's bool return ignored on payout."""
    pay = (fn(f"function {n.out}(uint256 {n.amt}) external", f"_debit(msg.sender, {n.amt});",
              f"{n.tok}.transfer(msg.sender, {n.amt});") if alt else
           fn(f"function {n.out}(uint256 {n.amt}) external", f"{n.bal}[msg.sender] -= {n.amt};",
              f"{n.tok}.transfer(msg.sender, {n.amt});"))
    funcs = [fn(f"function {n.dep}(uint256 {n.amt}) external",
                f'require({n.tok}.transferFrom(msg.sender, address(this), {n.amt}), "pull failed");',
                f"{n.bal}[msg.sender] += {n.amt};"), pay]
    if alt:
        funcs.append(fn(f"function _debit(address {n.user}, uint256 {n.amt}) private",
                        f"{n.bal}[{n.user}] -= {n.amt};"))
    return {"imports": [OZ_IERC20],
            "state": [f"IERC20 public immutable {n.tok};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.tok} = token_;"], "ctor_args": "IERC20 token_", "funcs": funcs,
            "why": f"{n.out}() ignores the bool returned by {n.tok}.transfer; with tokens that return false "
                   "instead of reverting, users lose their balance without being paid."}


def uc_fee_forward(n, rng, alt):
    """Protocol fee forwarded with an unchecked send."""
    t = rng.choice(["treasury", "feeSink", "collector"])
    body = [f"uint256 fee = msg.value * {n.param} / 10_000;", f"{n.bal}[msg.sender] += msg.value - fee;",
            f"payable({t}).send(fee);"]
    if alt:
        body = ["uint256 fee = _fee(msg.value);", f"payable({t}).send(fee);",
                f"{n.bal}[msg.sender] += msg.value - fee;"]
    funcs = [fn(f"function {n.dep}() external payable", *body)]
    if alt:
        funcs.append(fn("function _fee(uint256 gross) internal view returns (uint256)",
                        f"return gross * {n.param} / 10_000;"))
    return {"state": [f"address public {t};", f"uint256 public {n.param} = 30;",
                      f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{t} = {t}_;"], "ctor_args": f"address {t}_", "funcs": funcs,
            "why": f"The fee send() to {t} is unchecked; if it fails the fee stays stuck and accounting "
                   "drifts, but user balances are unaffected."}


def uc_notify(n, rng, alt):
    """Integrator hook called with an ignored result."""
    h = rng.choice(["hook", "listener", "notifier"])
    call = f'{h}.call(abi.encodeWithSignature("onDeposit(address,uint256)", msg.sender, msg.value));'
    if alt:
        call = (f"{h}.call(abi.encodeWithSelector(bytes4(keccak256(\"onDeposit(address,uint256)\")), "
                "msg.sender, msg.value));")
    return {"state": [f"address public {h};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{h} = {h}_;"], "ctor_args": f"address {h}_",
            "funcs": [fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;", call)],
            "why": f"The {h} callback's result is ignored, so a failing hook is skipped silently; only "
                   "integrator bookkeeping is affected, not user funds."}


def uc_free_credit(n, rng, alt):
    """Held-out: transferFrom result ignored before crediting the user."""
    return {"imports": [OZ_IERC20],
            "state": [f"IERC20 public {n.tok};", f"mapping(address => uint256) public {n.bal};"],
            "ctor": [f"{n.tok} = IERC20(t);"], "ctor_args": "address t",
            "funcs": [fn(f"function {n.dep}(uint256 {n.amt}) external",
                         f"{n.tok}.transferFrom(msg.sender, address(this), {n.amt});",
                         f"{n.bal}[msg.sender] += {n.amt};"),
                      fn(f"function {n.out}(uint256 {n.amt}) external", f"{n.bal}[msg.sender] -= {n.amt};",
                         f'require({n.tok}.transfer(msg.sender, {n.amt}), "transfer failed");')],
            "why": f"{n.dep}() credits {n.bal} without checking transferFrom's result; with a token that "
                   "returns false, anyone gets free credit and withdraws others' funds."}


def uc_queue_exec(n, rng, alt):
    """Held-out: queued payout marked done even if the call failed."""
    return {"state": ["struct Payment { address to; uint256 value; bool done; }", "Payment[] public queue;",
                      f"address public {n.admin};"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function enqueue(address to) external payable",
                         f'require(msg.sender == {n.admin}, "only {n.admin}");',
                         "queue.push(Payment(to, msg.value, false));"),
                      fn("function execute(uint256 id) external", "Payment storage p = queue[id];",
                         'require(!p.done, "already paid");', "p.done = true;",
                         'p.to.call{value: p.value}("");')],
            "why": "execute() marks the payment done and ignores the call result; a failed payout can "
                   "never be retried, so the recipient loses it."}


def io_underflow_transfer(n, rng, alt):
    """Pre-0.8 subtraction used as a balance check."""
    ver = rng.choice(["07", "06", "05", "04"])
    if alt:
        funcs = [fn(f"function _move(address from, address to, uint256 {n.amt}) internal",
                    f"{n.bal}[from] = {n.bal}[from] - {n.amt};", f"{n.bal}[to] = {n.bal}[to] + {n.amt};"),
                 fn(f"function transfer(address to, uint256 {n.amt}) external returns (bool)",
                    f"_move(msg.sender, to, {n.amt});", "return true;")]
    else:
        funcs = [fn(f"function transfer(address to, uint256 {n.amt}) external returns (bool)",
                    f'require({n.bal}[msg.sender] - {n.amt} >= 0, "insufficient");',
                    f"{n.bal}[msg.sender] -= {n.amt};", f"{n.bal}[to] += {n.amt};", "return true;")]
    return {"ver": ver, "state": [f"mapping(address => uint256) public {n.bal};", "uint256 public totalSupply;"],
            "ctor": ["totalSupply = 1_000_000e18;", f"{n.bal}[msg.sender] = totalSupply;"], "funcs": funcs,
            "why": f"Without SafeMath on pre-0.8 Solidity, {n.bal}[sender] - {n.amt} underflows, so any "
                   "holder can send more than they own and mint a huge balance."}


def io_batch_mul(n, rng, alt):
    """Pre-0.8 count * value overflow in a batch transfer."""
    ver = rng.choice(["06", "07", "05", "04"])
    funcs = [fn(f"function batchTransfer(address[] calldata receivers, uint256 {n.amt}) external",
                "uint256 cnt = receivers.length;", f"uint256 total = cnt * {n.amt};",
                'require(cnt > 0 && cnt <= 20, "bad count");',
                f'require({n.bal}[msg.sender] >= total, "insufficient");',
                f"{n.bal}[msg.sender] -= total;", "for (uint256 i = 0; i < cnt; i++) {",
                f"    {n.bal}[receivers[i]] += {n.amt};", "}")]
    if alt:
        funcs = [fn("function airdrop(address[] memory to, uint256 each) public",
                    'require(to.length != 0 && to.length < 21, "size");',
                    f'require({n.bal}[msg.sender] >= _total(to.length, each), "balance");',
                    f"{n.bal}[msg.sender] -= _total(to.length, each);",
                    f"for (uint256 k; k < to.length; k++) {n.bal}[to[k]] += each;"),
                 fn("function _total(uint256 count, uint256 each) internal pure returns (uint256)",
                    "return count * each;")]
    return {"ver": ver, "state": [f"mapping(address => uint256) public {n.bal};"], "funcs": funcs,
            "why": f"cnt * {n.amt} can overflow on pre-0.8 Solidity, so total wraps to a tiny number and "
                   "receivers are credited enormous balances from nothing."}


def io_locktime(n, rng, alt):
    """Pre-0.8 lock extension overflows the unlock timestamp."""
    return {"ver": rng.choice(["07", "06", "05"]), "state": [f"mapping(address => uint256) public {n.bal};",
                                                             "mapping(address => uint256) public unlockAt;"],
            "funcs": [fn(f"function {n.dep}() external payable", f"{n.bal}[msg.sender] += msg.value;",
                         "unlockAt[msg.sender] = block.timestamp + 1 weeks;"),
                      fn("function extendLock(uint256 extraSeconds) external",
                         "unlockAt[msg.sender] += extraSeconds;") if not alt else
                      fn("function increaseLockTime(uint256 by) public",
                         "uint256 current = unlockAt[msg.sender];", "unlockAt[msg.sender] = current + by;"),
                      fn(f"function {n.out}() external", 'require(block.timestamp > unlockAt[msg.sender], "locked");',
                         f"uint256 {n.owed} = {n.bal}[msg.sender];", f"{n.bal}[msg.sender] = 0;",
                         f"payable(msg.sender).transfer({n.owed});")],
            "why": f"The lock extension adds to unlockAt without overflow checks (pre-0.8), so a huge value "
                   f"wraps the timestamp and {n.out}() unlocks immediately."}


def io_unchecked_block(n, rng, alt):
    """0.8 unchecked block around user-controlled subtraction."""
    core = [f'require(allowance[from][msg.sender] >= {n.amt}, "allowance");', "unchecked {",
            f"    allowance[from][msg.sender] -= {n.amt};", f"    {n.bal}[from] -= {n.amt};",
            f"    {n.bal}[to] += {n.amt};", "}", "return true;"]
    return {"state": [f"mapping(address => uint256) public {n.bal};",
                      "mapping(address => mapping(address => uint256)) public allowance;"],
            "funcs": [fn(f"function transferFrom(address from, address to, uint256 {n.amt}) external returns (bool)",
                         *core),
                      fn(f"function approve(address spender, uint256 {n.amt}) external returns (bool)",
                         f"allowance[msg.sender][spender] = {n.amt};", "return true;")],
            "why": f"In the unchecked block {n.bal}[from] is never compared with {n.amt}, so it underflows "
                   "and the sender ends up with a near-infinite balance."}


def io_counter_wrap(n, rng, alt):
    """Pre-0.8 uint8 loyalty counter wraps."""
    c = rng.choice(["purchases", "visits", "orders"])
    return {"ver": rng.choice(["07", "06", "05", "04"]), "state": [f"mapping(address => uint8) public {c};",
                                   f"mapping(address => uint256) public {n.bal};"],
            "funcs": [fn(f"function {n.dep}() external payable",
                         f"uint256 price = {c}[msg.sender] >= 10 ? 0.009 ether : 0.01 ether;",
                         'require(msg.value == price, "wrong price");',
                         *([f"uint8 tier = {c}[msg.sender];", "tier++;", f"{c}[msg.sender] = tier;"] if alt
                           else [f"{c}[msg.sender] += 1;"]),
                         f"{n.bal}[msg.sender] += 1;")],
            "why": f"{c} is a uint8 incremented without checks (pre-0.8); after 255 purchases it wraps to 0 "
                   "and the loyalty discount resets. Accounting only, no theft."}


def io_price_mul(n, rng, alt):
    """Held-out: pre-0.8 quantity * price overflow in a payment check."""
    return {"ver": rng.choice(["06", "07", "05"]),
            "state": ["uint256 public constant UNIT_PRICE = 0.01 ether;",
                      f"mapping(address => uint256) public {n.bal};", "uint256 public sold;"],
            "funcs": [fn(f"function {n.dep}(uint256 quantity) external payable",
                         "uint256 cost = quantity * UNIT_PRICE;", 'require(msg.value == cost, "wrong payment");',
                         f"{n.bal}[msg.sender] += quantity;", "sold += quantity;")],
            "why": "quantity * UNIT_PRICE can overflow on pre-0.8 Solidity, so a buyer pays almost nothing "
                   f"for an astronomically large {n.bal} balance."}


def io_downcast(n, rng, alt):
    """Held-out: 0.8 silent downcast of an unlock timestamp."""
    return {"state": ["struct Lock { uint128 amount; uint64 unlockAt; }",
                      "mapping(address => Lock) public locks;"],
            "funcs": [fn("function lock(uint256 duration) external payable",
                         "locks[msg.sender] = Lock(uint128(msg.value), uint64(block.timestamp + duration));"),
                      fn(f"function {n.out}() external", "Lock memory l = locks[msg.sender];",
                         'require(block.timestamp >= l.unlockAt, "still locked");', "delete locks[msg.sender];",
                         "payable(msg.sender).transfer(l.amount);")],
            "why": "uint64(block.timestamp + duration) truncates silently in 0.8, so a crafted duration "
                   "wraps unlockAt into the past and bypasses the lock."}


def _origin_guard(n, alt):
    return f'require(tx.origin == {n.admin}, "not {n.admin}");'


def to_withdraw(n, rng, alt):
    """tx.origin guarding a full withdrawal."""
    return {"state": [f"address public {n.admin};"], "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function withdrawAll(address payable to) external", _origin_guard(n, alt),
                         "to.transfer(address(this).balance);"),
                      ["receive() external payable {}"]],
            "why": f"withdrawAll() authenticates with tx.origin; a malicious contract the {n.admin} interacts "
                   "with can call it and drain the balance."}


def to_modifier_param(n, rng, alt):
    """tx.origin modifier guarding a config setter."""
    return {"state": [f"address public {n.admin};", f"uint256 public {n.param};"],
            "mods": [fn(f"modifier only{cap(n.admin)}()", _origin_guard(n, alt), "_;")],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn(f"function set{cap(n.param)}(uint256 v) external only{cap(n.admin)}", f"{n.param} = v;")],
            "why": f"only{cap(n.admin)} checks tx.origin, so a phishing contract can change {n.param} while "
                   f"the {n.admin} calls it; config only, no direct fund access."}


def to_mint_map(n, rng, alt):
    """tx.origin allow-list for minting."""
    sym = n.C[:3].upper()
    return {"imports": [OZ_ERC20], "inherits": ["ERC20"],
            "state": ["mapping(address => bool) public minters;"],
            "ctor": ["minters[msg.sender] = true;"], "ctor_tail": f' ERC20("{n.C}", "{sym}")',
            "funcs": [fn(f"function mint(address to, uint256 {n.amt}) external",
                         'require(minters[tx.origin], "not minter");', f"_mint(to, {n.amt});")],
            "why": "mint() trusts minters[tx.origin]; any contract a minter calls can mint tokens on "
                   "their behalf."}


def to_ownership(n, rng, alt):
    """tx.origin guarding an ownership transfer."""
    return {"state": [f"address public {n.admin};"], "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function transferOwnership(address next) external", _origin_guard(n, alt),
                         f"{n.admin} = next;"),
                      fn("function sweep() external", f'require(msg.sender == {n.admin}, "only {n.admin}");',
                         f"payable({n.admin}).transfer(address(this).balance);"),
                      ["receive() external payable {}"]],
            "why": f"transferOwnership() uses tx.origin, so a contract the {n.admin} is tricked into calling "
                   "can take ownership and then sweep() the funds."}


def to_dao_execute(n, rng, alt):
    """Held-out: tx.origin guarding arbitrary treasury calls."""
    return {"state": [f"address public {n.admin};"], "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function execute(address target, uint256 value, bytes calldata data) external",
                         _origin_guard(n, alt), "(bool ok, ) = target.call{value: value}(data);",
                         'require(ok, "call failed");'),
                      ["receive() external payable {}"]],
            "why": f"execute() authenticates the {n.admin} via tx.origin; any contract they interact with can "
                   "make arbitrary calls and move treasury funds."}


def to_pause_guard(n, rng, alt):
    """Held-out: tx.origin guarding a pause switch."""
    return {"state": [f"address public {n.admin};", "bool public paused;"],
            "ctor": [f"{n.admin} = msg.sender;"],
            "funcs": [fn("function setPaused(bool value) external", _origin_guard(n, alt), "paused = value;"),
                      fn(f"function {n.dep}() external payable", 'require(!paused, "paused");')],
            "why": f"setPaused() relies on tx.origin, so a phishing contract can toggle the pause while the "
                   f"{n.admin} interacts with it; availability only, funds stay safe."}
