from __future__ import annotations

import pytest

from ftflow.config.compose import compose_recipe
from ftflow.errors import ConfigError, UserError


def test_recipe_overlay_overrides_group_defaults():
    recipe = compose_recipe(["recipe=smoke"])
    assert recipe.name == "smoke"
    assert recipe.config["model"]["provider"] == "random-init"
    assert recipe.choices["model"] == "tiny-random"
    assert recipe.config["method"]["max_steps"] == 16


def test_command_line_group_option_beats_the_recipe():
    recipe = compose_recipe(["recipe=smoke", "adapter=full", "method.learning_rate=0.5"])
    assert recipe.config["adapter"] == {"provider": "full"}
    assert recipe.config["method"]["learning_rate"] == 0.5


def test_unknown_recipe_lists_choices():
    with pytest.raises(ConfigError, match=r"recipe: unknown recipe 'does_not_exist' \(choices: .*smoke"):
        compose_recipe(["recipe=does_not_exist"])


def test_unknown_group_option_lists_choices():
    with pytest.raises(ConfigError, match=r"adapter: unknown option 'lorra' for group 'adapter' \(choices: .*lora"):
        compose_recipe(["recipe=smoke", "adapter=lorra"])


def test_unknown_key_names_the_valid_keys():
    with pytest.raises(ConfigError) as err:
        compose_recipe(["recipe=smoke", "method.lerning_rate=1"])
    assert "method.lerning_rate: unknown config key 'lerning_rate'" in str(err.value)
    assert "learning_rate" in str(err.value)


def test_missing_recipe_is_explained():
    with pytest.raises(ConfigError, match="pass recipe=NAME"):
        compose_recipe(["method=sft"])


def test_import_targets_are_refused(tmp_path):
    (tmp_path / "recipe").mkdir()
    (tmp_path / "recipe" / "evil.yaml").write_text(
        "# @package _global_\nmethod:\n  _target_: os.system\n  provider: sft\n")
    with pytest.raises(ConfigError, match=r"method._target_: recipes are data"):
        compose_recipe(["recipe=evil"], [tmp_path])


def test_user_recipe_dir_adds_recipes_and_group_options(tmp_path):
    (tmp_path / "recipe").mkdir()
    (tmp_path / "method").mkdir()
    (tmp_path / "method" / "sft_slow.yaml").write_text("provider: sft\nlearning_rate: 1.0e-5\n")
    (tmp_path / "recipe" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /model: tiny-random\n  - override /method: sft_slow\n"
        "description: mine\n")
    recipe = compose_recipe(["recipe=mine"], [tmp_path])
    assert recipe.config["method"] == {"provider": "sft", "learning_rate": 1e-5}
    assert recipe.config["description"] == "mine"


def test_malformed_override():
    with pytest.raises(UserError, match="not of the form key=value"):
        compose_recipe(["recipe=smoke", "justakey"])
