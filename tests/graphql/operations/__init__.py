"""Our own storefront operations, loaded from the .graphql files beside this module."""

from pathlib import Path

HERE = Path(__file__).parent


def load(*names: str) -> str:
    return "\n".join((HERE / f"{name}.graphql").read_text() for name in names)


PRODUCT_GRID = load("product_grid", "product_card")
PRODUCT_PAGE = load("product_page")
NAVIGATION = load("navigation")
