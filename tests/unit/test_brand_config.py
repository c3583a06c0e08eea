"""The brand configuration a support team edits: valid files load, invalid ones say why."""

import textwrap
from pathlib import Path

import pytest

from socialcare.config import load_brands
from socialcare.config.__main__ import main as check_config
from socialcare.errors import ConfigurationError
from socialcare.models import Platform
from tests.conftest import BRANDS_DIR


def write_brand(root: Path, folder: str, text: str) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / "brand.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def test_every_brand_in_the_repository_is_valid() -> None:
    brands = load_brands(BRANDS_DIR)
    assert brands.owner_of(Platform.X, "1500000000000000001").id == "acme"  # type: ignore[union-attr]
    assert brands.owner_of(Platform.VK, "218000000").id == "acme"  # type: ignore[union-attr]
    assert brands.owner_of(Platform.VK, "1") is None


def test_a_wrong_field_is_named_with_its_file(tmp_path: Path) -> None:
    write_brand(
        tmp_path,
        "shop",
        """
        id: shop
        name: Shop
        accounts:
          x:
            - id: "@shophelp"
    """,
    )
    with pytest.raises(ConfigurationError) as error:
        load_brands(tmp_path)
    message = str(error.value)
    assert "shop/brand.yaml" in message and "accounts.x.0.id" in message


def test_an_unknown_key_is_refused_so_typos_do_not_pass_silently(tmp_path: Path) -> None:
    write_brand(
        tmp_path,
        "shop",
        """
        id: shop
        name: Shop
        acounts: {}
    """,
    )
    with pytest.raises(ConfigurationError, match="acounts"):
        load_brands(tmp_path)


def test_an_account_claimed_by_two_brands_is_refused(tmp_path: Path) -> None:
    for brand in ("one", "two"):
        write_brand(
            tmp_path,
            brand,
            f"""
            id: {brand}
            name: {brand}
            accounts:
              vk: [{{id: 218000000}}]
        """,
        )
    with pytest.raises(ConfigurationError, match="218000000 belongs to both 'one' and 'two'"):
        load_brands(tmp_path)


def test_the_brand_id_must_match_its_folder(tmp_path: Path) -> None:
    write_brand(tmp_path, "shop", "id: other\nname: Shop\naccounts: {vk: [{id: 1}]}\n")
    with pytest.raises(ConfigurationError, match="must match its folder name 'shop'"):
        load_brands(tmp_path)


def test_the_check_command_exits_1_and_prints_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_brand(tmp_path, "shop", "id: shop\nname: ''\naccounts: {vk: [{id: 1}]}\n")
    assert check_config([str(tmp_path)]) == 1
    assert "name: String should have at least 1 character" in capsys.readouterr().err


def test_the_check_command_passes_on_the_repository() -> None:
    assert check_config([str(BRANDS_DIR)]) == 0
