"""Writes the demo's pages and menus (`data/shop.toml`), which link to the catalogue."""

from __future__ import annotations

from datetime import datetime

from django.utils.text import slugify

from marquee.merch.models import Menu, MenuItem, Page, PageType

from .catalogue import Catalogue
from .richtext import bilingual, editorjs, names


def write_content(shop: dict, catalogue: Catalogue, now: datetime) -> dict[str, int]:
    """Create the page type, pages and menus; return counts for the report."""
    page_type = PageType.objects.create(**shop["page_type"])
    pages = Page.objects.bulk_create(
        Page(
            page_type=page_type,
            slug=spec["slug"],
            title=spec["title"],
            content=editorjs(*spec["paragraphs"]),
            seo_title=spec["title"],
            seo_description=spec["paragraphs"][0],
            is_published=True,
            published_at=now,
            translations=bilingual(
                _page_fields(spec["title"], spec["slug"], spec["paragraphs"]),
                _page_fields(
                    spec["title_zh"],
                    slugify(spec["title_zh"], allow_unicode=True),
                    spec["paragraphs_zh"],
                ),
            ),
        )
        for spec in shop["pages"]
    )
    pages_by_slug = {page.slug: page for page in pages}

    menus = Menu.objects.bulk_create(
        Menu(slug=spec["slug"], name=spec["name"]) for spec in shop["menus"]
    )
    menus_by_slug = {menu.slug: menu for menu in menus}

    # One level of children: parents first, so the children can point at them.
    parents: list[tuple[MenuItem, dict]] = []
    for spec in shop["menus"]:
        for order, item_spec in enumerate(spec["items"]):
            menu = menus_by_slug[spec["slug"]]
            item = _menu_item(item_spec, menu, None, order, catalogue, pages_by_slug)
            parents.append((item, item_spec))
    MenuItem.objects.bulk_create(item for item, _ in parents)
    children = []
    for parent, parent_spec in parents:
        for order, child_spec in enumerate(parent_spec.get("children", ())):
            children.append(
                _menu_item(child_spec, parent.menu, parent, order, catalogue, pages_by_slug)
            )
    MenuItem.objects.bulk_create(children)

    return {"pages": len(pages), "menus": len(menus), "menu items": len(parents) + len(children)}


def _page_fields(title: str, slug: str, paragraphs: list[str]) -> dict:
    return {
        "title": title,
        "slug": slug,
        "content": editorjs(*paragraphs),
        "seo_title": title,
        "seo_description": paragraphs[0],
    }


def _menu_item(
    spec: dict,
    menu: Menu,
    parent: MenuItem | None,
    order: int,
    catalogue: Catalogue,
    pages: dict[str, Page],
) -> MenuItem:
    return MenuItem(
        menu=menu,
        parent=parent,
        name=spec["name"],
        sort_order=order,
        url=spec.get("url", ""),
        category=catalogue.categories.get(spec.get("category", "")),
        collection=catalogue.collections.get(spec.get("collection", "")),
        page=pages.get(spec.get("page", "")),
        translations=names(spec),
    )
