"""Rich text and translations as the demo's rows store them.

Descriptions are Editor.js JSON, the format Saleor's storefront renders;
the `translations` column maps Django language codes to translated fields.
"""

from __future__ import annotations

import hashlib

from django.utils.text import slugify

EDITORJS_VERSION = "2.24.3"
# A fixed save time keeps the demo data identical from one load to the next.
EDITORJS_TIME = 1_700_000_000_000


def editorjs(*paragraphs: str) -> dict:
    """Return an Editor.js document with one paragraph block per argument."""
    return {
        "time": EDITORJS_TIME,
        "blocks": [
            {"id": _block_id(index, text), "type": "paragraph", "data": {"text": text}}
            for index, text in enumerate(paragraphs)
        ],
        "version": EDITORJS_VERSION,
    }


def _block_id(index: int, text: str) -> str:
    """Editor.js block ids are short random strings; derive them so they are stable."""
    return hashlib.sha1(f"{index}:{text}".encode(), usedforsecurity=False).hexdigest()[:10]


def bilingual(en: dict, zh: dict) -> dict:
    """The `translations` column: Django language codes to translated fields."""
    return {"en": en, "zh-hans": zh}


def names(spec: dict) -> dict:
    """The `translations` of a row that has only a name (`name`, `name_zh`)."""
    return bilingual({"name": spec["name"]}, {"name": spec["name_zh"]})


def text_fields(name: str, description: str, *, zh: bool) -> dict:
    """Name, slug, description and SEO fields of one language."""
    return {
        "name": name,
        "slug": slugify(name, allow_unicode=zh),
        "description": editorjs(description),
        "seo_title": name,
        "seo_description": description,
    }


def described(spec: dict) -> dict:
    """The `translations` of a named, described row (categories, products, collections)."""
    return bilingual(
        text_fields(spec["name"], spec["description"], zh=False),
        text_fields(spec["name_zh"], spec["description_zh"], zh=True),
    )
