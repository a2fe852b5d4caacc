"""The hook statement files (CSV, XLSX, PDF) plug into.

`render_statement_files(statement)` runs at the end of each licensor's
statement, inside its transaction (a statement whose files fail to render
is not issued, and the close says why). Renderers register with
`register_statement_renderer`; the module `marquee.licensing.statements.files`,
when it exists, is imported first so it can register itself (or expose its
own `render_statement_files`). Without any renderer, statements are issued
without files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

_renderers: list[Callable] = []


def register_statement_renderer(fn: Callable) -> Callable:
    if fn not in _renderers:
        _renderers.append(fn)
    return fn


def _files_module():
    try:
        return importlib.import_module("marquee.licensing.statements.files")
    except ModuleNotFoundError as error:
        if error.name != "marquee.licensing.statements.files":
            raise
        return None


def render_statement_files(statement) -> None:
    files = _files_module()
    own = getattr(files, "render_statement_files", None) if files else None
    if callable(own) and own not in _renderers:
        own(statement)
    for renderer in list(_renderers):
        renderer(statement)
