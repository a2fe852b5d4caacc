"""The hook statement files (CSV, XLSX, PDF) plug into.

`render_statement_files(statement)` runs at the end of each licensor's
statement, inside its transaction (a statement whose files fail to render
is not issued, and the close says why). Renderers register with
`register_statement_renderer` run after the CSV, XLSX and PDF of `files`.
"""

from __future__ import annotations

from collections.abc import Callable

from . import files

_renderers: list[Callable] = []


def register_statement_renderer(fn: Callable) -> Callable:
    if fn not in _renderers:
        _renderers.append(fn)
    return fn


def render_statement_files(statement) -> None:
    files.render_statement_files(statement)
    for renderer in list(_renderers):
        renderer(statement)
