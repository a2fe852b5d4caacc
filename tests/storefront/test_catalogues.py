"""The storefront's message catalogues are complete and compiled.

Each part of the storefront (shop, checkout, account, member, licensor) keeps its own zh-Hans
catalogue beside its code. A string marked for translation in a part's
templates or Python but missing from its catalogue would show in English on
a Chinese page, and a `.mo` older than its `.po` would hide a fix: both fail
here. (Extraction is a close reading of Django's own tags, enough for the
forms the storefront uses: `{% translate "…" %}`, `{% blocktranslate trimmed %}`,
`_("…")`, `gettext("…")`, `gettext_lazy("…")`, `pgettext` is not used.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

STOREFRONT = Path(__file__).resolve().parents[2] / "marquee" / "storefront"
PARTS = ("shop", "checkout", "account", "member", "licensor")

TRANSLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<id>.*?)(?P=q)""", re.S)
BLOCK_TAG = re.compile(
    r"{%\s*blocktrans(?:late)?(?P<options>[^%]*)%}(?P<body>.*?){%\s*(?:plural|endblocktrans(?:late)?)\s*[^%]*%}",
    re.S,
)
PY_CALL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy)\(\s*(?P<q>["'])(?P<id>.*?)(?P=q)\s*[,)]""", re.S
)
VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")


def _block_msgid(options: str, body: str) -> str:
    msgid = VARIABLE.sub(lambda m: f"%({m.group(1)})s", body)
    if "trimmed" in options:
        msgid = " ".join(line.strip() for line in msgid.strip().splitlines() if line.strip())
    return msgid


def marked_strings(part: str) -> set[str]:
    root = STOREFRONT / part
    found: set[str] = set()
    for template in root.rglob("*.html"):
        text = template.read_text()
        found.update(m.group("id") for m in TRANSLATE_TAG.finditer(text))
        for block in BLOCK_TAG.finditer(text):
            found.add(_block_msgid(block.group("options"), block.group("body")))
    for module in root.rglob("*.py"):
        found.update(m.group("id") for m in PY_CALL.finditer(module.read_text()))
    return found


def catalogue(part: str) -> Path:
    return STOREFRONT / part / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("part", PARTS)
def test_every_marked_string_has_a_chinese_translation(part):
    marked = marked_strings(part)
    if not marked:
        return
    po = read_po(catalogue(part).open("rb"), locale="zh_Hans")
    translated = {m.id for m in po if m.id and m.string and not m.fuzzy}
    missing = sorted(marked - translated)
    assert not missing, f"{part}: not translated into zh-Hans: {missing[:20]}"


@pytest.mark.parametrize("part", PARTS)
def test_the_compiled_catalogue_matches_its_source(part):
    source = catalogue(part)
    if not source.exists():
        return
    po = read_po(source.open("rb"), locale="zh_Hans")
    mo = read_mo(source.with_suffix(".mo").open("rb"))
    expected = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == expected, f"{part}: run `manage.py compilemessages` (django.mo is stale)"
