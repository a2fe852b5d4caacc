"""Rich text in Editor.js JSON, the format Saleor's storefront renders."""

from __future__ import annotations

import hashlib

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
