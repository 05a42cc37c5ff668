"""Hand-written outside probes (part 3): clean contracts in OpenZeppelin, legacy, proxy and oracle styles."""

from __future__ import annotations

OZ_TOKEN = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract GovToken is ERC20, ERC20Pausable, Ownable {
    constructor(address initialOwner) ERC20("Gov", "GOV") Ownable(initialOwner) {}

    function pause() public onlyOwner { _pause(); }

    function unpause() public onlyOwner { _unpause(); }

    function mint(address to, uint256 amount) public onlyOwner {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Pausable) {
        super._update(from, to, value);
    }
}'''

PULL_05 = r'''pragma solidity ^0.5.7;

contract Refunds {
    address public admin;
    mapping(address => uint) public credit;

    constructor() public { admin = msg.sender; }

    function allocate(address payee) external payable {
        require(msg.sender == admin, "admin only");
        credit[payee] += msg.value;
    }

    function withdrawCredit() external {
        uint amount = credit[msg.sender];
        require(amount != 0, "no credit");
        credit[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}'''

TRANSPARENT_PROXY = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

contract SimpleTransparentProxy {
    // bytes32(uint256(keccak256("eip1967.proxy.admin")) - 1)
    bytes32 private constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;
    bytes32 private constant IMPL_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    constructor(address logic) {
        assembly {
            sstore(ADMIN_SLOT, caller())
            sstore(IMPL_SLOT, logic)
        }
    }

    function _admin() private view returns (address a) { assembly { a := sload(ADMIN_SLOT) } }

    function upgradeTo(address logic) external {
        require(msg.sender == _admin(), "not admin");
        assembly { sstore(IMPL_SLOT, logic) }
    }

    fallback() external payable {
        require(msg.sender != _admin(), "admin cannot fallback");
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), sload(IMPL_SLOT), 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok case 0 { revert(0, returndatasize()) } default { return(0, returndatasize()) }
        }
    }
}'''

CHAINLINK_SAFE = r'''// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/interfaces/AggregatorV3Interface.sol";
import {IERC20, SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract StableSwapDesk {
    using SafeERC20 for IERC20;

    AggregatorV3Interface public immutable ethUsd;
    IERC20 public immutable usdc;
    uint256 public constant STALE_AFTER = 3600;

    constructor(AggregatorV3Interface feed, IERC20 _usdc) { ethUsd = feed; usdc = _usdc; }

    function sellEth() external payable {
        (, int256 answer,, uint256 updatedAt,) = ethUsd.latestRoundData();
        require(answer > 0 && block.timestamp - updatedAt <= STALE_AFTER, "bad oracle");
        uint256 usdcOut = msg.value * uint256(answer) / 1e20;
        usdc.safeTransfer(msg.sender, usdcOut);
    }
}'''

SAFEMATH_06 = r'''pragma solidity ^0.6.12;

import "@openzeppelin/contracts/math/SafeMath.sol";

contract RewardPool {
    using SafeMath for uint256;

    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;

    function join() external payable {
        sharesOf[msg.sender] = sharesOf[msg.sender].add(msg.value);
        totalShares = totalShares.add(msg.value);
    }

    function leave(uint256 shares) external {
        sharesOf[msg.sender] = sharesOf[msg.sender].sub(shares);
        totalShares = totalShares.sub(shares);
        msg.sender.transfer(shares);
    }
}'''

ENTRIES = [
    ("oz_pausable_token", "none", "none",
     "mint(), pause() and unpause() are all onlyOwner and transfers go through OpenZeppelin's checked "
     "_update; no issue found.", OZ_TOKEN, None),
    ("pull_refunds_05", "none", "none",
     "allocate() is admin-only and withdrawCredit() zeroes credit before transfer(), which forwards only "
     "2300 gas; no issue found.", PULL_05, None),
    ("transparent_proxy", "none", "none",
     "The fallback delegatecalls only the implementation in the EIP-1967 slot, which only the admin can "
     "change through upgradeTo(); no issue found.", TRANSPARENT_PROXY, None),
    ("chainlink_desk", "none", "none",
     "sellEth() uses a Chainlink feed with positivity and staleness checks and pays with SafeERC20; no "
     "issue found.", CHAINLINK_SAFE, None),
    ("safemath_pool_06", "none", "none",
     "All share arithmetic uses SafeMath add/sub on 0.6 and leave() updates state before transfer(); "
     "no issue found.", SAFEMATH_06, None),
]
