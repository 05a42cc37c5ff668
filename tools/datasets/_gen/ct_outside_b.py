"""Hand-written outside probes (part 2): overflow, oracles, tx.origin and delegatecall."""

from __future__ import annotations

MULTI_TRANSFER = r'''pragma solidity ^0.4.18;

contract PausableToken {
    mapping (address => uint256) balances;
    event Transfer(address indexed from, address indexed to, uint256 value);

    function balanceOf(address _owner) public view returns (uint256) { return balances[_owner]; }

    function multiTransfer(address[] _receivers, uint256 _value) public returns (bool) {
        uint cnt = _receivers.length;
        uint256 amount = uint256(cnt) * _value;
        require(cnt > 0 && cnt <= 20);
        require(_value > 0 && balances[msg.sender] >= amount);

        balances[msg.sender] = balances[msg.sender] - amount;
        for (uint i = 0; i < cnt; i++) {
            balances[_receivers[i]] = balances[_receivers[i]] + _value;
            Transfer(msg.sender, _receivers[i], _value);
        }
        return true;
    }
}'''

GAS_GOLF_ERC20 = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @notice Minimal ERC20 with hand-optimised transfers.
contract LeanToken {
    string public name = "Lean";
    string public symbol = "LEAN";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) private _balances;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(uint256 supply) {
        totalSupply = supply;
        _balances[msg.sender] = supply;
    }

    function balanceOf(address a) external view returns (uint256) { return _balances[a]; }

    function transfer(address to, uint256 amount) external returns (bool) {
        uint256 fromBalance = _balances[msg.sender];
        // balances can never exceed totalSupply, so this is safe to leave unchecked
        unchecked {
            _balances[msg.sender] = fromBalance - amount;
            _balances[to] += amount;
        }
        emit Transfer(msg.sender, to, amount);
        return true;
    }
}'''

TIMELOCK = r'''pragma solidity ^0.6.0;

contract SavingsLock {
    mapping(address => uint) public balances;
    mapping(address => uint) public lockTime;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
        lockTime[msg.sender] = now + 1 weeks;
    }

    function increaseLockTime(uint _secondsToIncrease) public {
        lockTime[msg.sender] += _secondsToIncrease;
    }

    function withdraw() public {
        require(balances[msg.sender] > 0, "Insufficient funds");
        require(now > lockTime[msg.sender], "Lock time not expired");
        uint amount = balances[msg.sender];
        balances[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}'''

UNIV2_LENDER = r'''// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.10;

interface IUniswapV2Pair {
    function token0() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
}

contract EthBackedLoans {
    IUniswapV2Pair public immutable wethUsdc;
    address public immutable weth;
    mapping(address => uint256) public collateralEth;
    mapping(address => uint256) public debtUsd;

    constructor(IUniswapV2Pair pair, address _weth) { wethUsdc = pair; weth = _weth; }

    function ethPriceUsd() public view returns (uint256) {
        (uint112 r0, uint112 r1, ) = wethUsdc.getReserves();
        return wethUsdc.token0() == weth ? uint256(r1) * 1e30 / r0 : uint256(r0) * 1e30 / r1;
    }

    function maxBorrow(address user) public view returns (uint256) {
        return collateralEth[user] * ethPriceUsd() / 1e18 * 2 / 3;
    }

    function borrowUsd(uint256 amount) external {
        require(debtUsd[msg.sender] + amount <= maxBorrow(msg.sender), "LTV");
        debtUsd[msg.sender] += amount;
        // ... USDC is sent by the treasury module
    }
}'''

V3_MINT_PRICE = r'''// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// Mints GOLD receipts priced in ETH using the live pool price.
contract GoldReceipts {
    IUniswapV3Pool public immutable pool;
    mapping(address => uint256) public receipts;

    constructor(IUniswapV3Pool _pool) { pool = _pool; }

    function quote() public view returns (uint256 priceX96) {
        (uint160 sqrtPriceX96,,,,,,) = pool.slot0();
        priceX96 = uint256(sqrtPriceX96) * uint256(sqrtPriceX96) >> 96;
    }

    function buy() external payable {
        uint256 units = (msg.value << 96) / quote();
        receipts[msg.sender] += units;
    }
}'''

ROUTER_BOOST = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.4;

interface IRouter02 {
    function getAmountsOut(uint amountIn, address[] calldata path) external view returns (uint[] memory amounts);
}

contract LoyaltyPoints {
    IRouter02 immutable router;
    address[] private path;
    mapping(address => uint256) public points;
    mapping(address => uint256) public deposited;

    constructor(IRouter02 r, address weth, address usdc) {
        router = r;
        path = [weth, usdc];
    }

    function depositEth() external payable {
        deposited[msg.sender] += msg.value;
        uint256 usdValue = router.getAmountsOut(msg.value, path)[1];
        points[msg.sender] += usdValue / 1e6;
    }
}'''

ORIGIN_WALLET = r'''pragma solidity ^0.4.11;

contract FamilyWallet {
    address owner;

    function FamilyWallet() {
        owner = msg.sender;
    }

    function () payable {}

    function sendTo(address receiver, uint amount) {
        require(tx.origin == owner);
        receiver.transfer(amount);
    }
}'''

ORIGIN_GUARDIAN = r'''// SPDX-License-Identifier: AGPL-3.0
pragma solidity ^0.8.21;

error Unauthorized();

contract BridgeCircuitBreaker {
    address public guardian;
    bool public halted;

    event Halted(bool value);

    constructor(address g) {
        guardian = g;
    }

    modifier onlyGuardian() {
        if (tx.origin != guardian) revert Unauthorized();
        _;
    }

    function setHalted(bool value) external onlyGuardian {
        halted = value;
        emit Halted(value);
    }
}'''

DS_PROXY = r'''pragma solidity ^0.5.12;

contract ActionProxy {
    address public owner;

    constructor() public { owner = msg.sender; }

    function execute(address _target, bytes memory _data) public payable returns (bytes memory response) {
        require(_target != address(0), "ds-proxy-target-address-required");
        assembly {
            let succeeded := delegatecall(sub(gas, 5000), _target, add(_data, 0x20), mload(_data), 0, 0)
            let size := returndatasize
            response := mload(0x40)
            mstore(0x40, add(response, and(add(add(size, 0x20), 0x1f), not(0x1f))))
            mstore(response, size)
            returndatacopy(add(response, 0x20), 0, size)
            switch iszero(succeeded)
            case 1 { revert(add(response, 0x20), size) }
        }
    }
}'''

MODULE_ROUTER = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// Diamond-like router: functions are served by registered modules.
contract ModularAccount {
    mapping(bytes4 => address) public moduleFor;
    address public owner = msg.sender;

    function registerModule(bytes4 selector, address module) external {
        moduleFor[selector] = module;
    }

    fallback() external payable {
        address module = moduleFor[msg.sig];
        require(module != address(0), "no module");
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}'''

ENTRIES = [
    ("multi_transfer_04", "integer_overflow", "critical",
     "multiTransfer() computes cnt * _value without SafeMath on 0.4; a huge _value wraps amount to almost "
     "nothing, so receivers get enormous balances for free.", MULTI_TRANSFER, None),
    ("unchecked_erc20_transfer", "integer_overflow", "critical",
     "transfer() subtracts inside unchecked without checking fromBalance >= amount, so sending more than "
     "you hold underflows to a near-infinite balance.", GAS_GOLF_ERC20, None),
    ("timelock_06", "integer_overflow", "high",
     "increaseLockTime() adds to lockTime without overflow checks (0.6), so a crafted value wraps the "
     "unlock time and withdraw() works immediately.", TIMELOCK, None),
    ("univ2_spot_lender", "oracle_manipulation", "critical",
     "ethPriceUsd() reads Uniswap V2 spot reserves; a flash-loan swap inflates the ETH price and "
     "borrowUsd() lends far more than the collateral is worth.", UNIV2_LENDER, None),
    ("v3_slot0_mint", "oracle_manipulation", "high",
     "buy() prices receipts with slot0, the instantaneous Uniswap V3 price, so a buyer can move the pool "
     "first and mint receipts far below fair value.", V3_MINT_PRICE, None),
    ("router_points", "oracle_manipulation", "medium",
     "depositEth() values deposits with router.getAmountsOut, a spot quote one swap can inflate; only "
     "loyalty points are affected, not user funds.", ROUTER_BOOST, None),
    ("origin_wallet_04", "tx_origin_auth", "high",
     "sendTo() authorises with tx.origin, so a contract the owner interacts with can call it and send "
     "the wallet's ETH anywhere.", ORIGIN_WALLET, None),
    ("origin_circuit_breaker", "tx_origin_auth", "medium",
     "onlyGuardian compares tx.origin, so a phishing contract can flip setHalted() while the guardian "
     "calls it; this only affects availability.", ORIGIN_GUARDIAN, None),
    ("ds_proxy_no_auth", "delegatecall_injection", "critical",
     "execute() delegatecalls any _target with caller-supplied data and has no auth check, so anyone can "
     "run code with this proxy's storage and ETH.", DS_PROXY, None),
    ("module_router", "delegatecall_injection", "critical",
     "registerModule() lets anyone map a selector to their own module, which the fallback then "
     "delegatecalls: full control of storage and funds.", MODULE_ROUTER,
     "the delegatecall sits in fallback(), where ct_lint assumes a proxy; the open registerModule() is "
     "what makes the target caller-chosen"),
]
