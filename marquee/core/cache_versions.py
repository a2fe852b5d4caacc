"""The catalogue version: one number every write to the public catalogue moves.

A cached answer is keyed by the catalogue token, so an answer made before a
write is never served after it commits. The version is kept by PostgreSQL,
not by the code that writes, so every writer moves it: ORM saves,
`QuerySet.update`, `bulk_create`, raw SQL, the admin, `loaddemo`.

Each domain declares its tables from its `AppConfig.ready()`:

- `register_catalogue_table(model, volatile=(...))`: the table is read by a
  public catalogue answer. Columns in `volatile` (stock-like counters such as
  a programme's units sold) do not move the version: answers that show them
  live only as long as the stock bound allows;
- `register_private_table(model, reason=...)`: no public answer reads it
  (orders, checkouts, stock, payments, ledgers ...). The declaration is
  required, so a new model cannot be forgotten (a test checks every model);
- `register_moments(model, *fields)`: values whose passing changes an answer
  without any write (a licence's term, a publication date, a drop's start).

Statements. After `migrate` (`post_migrate`), every catalogue table gets two
statement-level triggers, replacing any earlier ones:

    BEFORE INSERT OR DELETE OR TRUNCATE ON <table> FOR EACH STATEMENT
    BEFORE UPDATE OF <every non-volatile column> ON <table> FOR EACH STATEMENT

both running one statement in the writer's transaction:

    INSERT INTO core_catalogueversion (id, counter, generation)
    VALUES (1, 1, gen_random_uuid())
    ON CONFLICT (id) DO UPDATE SET counter = core_catalogueversion.counter + 1

The lock. The UPDATE takes the version row's lock until the writer commits
or rolls back: catalogue writers queue behind each other there (readers
never wait: MVCC). The triggers run BEFORE the statement, so a transaction
takes the version lock before it locks any catalogue row by writing it,
which keeps two catalogue writers from waiting on each other in opposite
order. Hot writes (stock, reservations, checkouts, orders, a programme's
units) touch no catalogue table or only volatile columns, so they never
take this lock. A statement that changes no row still moves the version:
a needless miss, never a stale answer.

Why a reader never stores old data under a new version. Readers run in
READ COMMITTED, where each statement sees what was committed when it
started. `catalogue_token()` reads the version in the request's first
statement, before any data. A writer's data and its bump commit together,
so if the reader saw the new version, every later statement of the request
sees the new data too; if it saw the old version, its data may be old or
new, and either is filed under the old version, which the next reader no
longer asks for. A rolled back write takes its bump with it. If the row is
ever deleted (a flush, a TRUNCATE), the next reader or writer recreates it
with a new generation, so a version can never come back.

The era. An answer also changes when a registered moment passes. The token
carries the next registered moment after now; it is found with one query
only when the version changed or the era passed, and kept in-process
otherwise, so the hot path costs one statement: the version read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

VERSION_TABLE = "core_catalogueversion"
FUNCTION = "core_bump_catalogue_version"
WRITE_TRIGGER = "catalogue_version_write"
UPDATE_TRIGGER = "catalogue_version_update"

BUMP = f"""
INSERT INTO {VERSION_TABLE} (id, counter, generation) VALUES (1, 1, gen_random_uuid())
ON CONFLICT (id) DO UPDATE SET counter = {VERSION_TABLE}.counter + 1
"""
READ = f"SELECT generation, counter FROM {VERSION_TABLE} WHERE id = 1"
RECREATE = f"""
INSERT INTO {VERSION_TABLE} (id, counter, generation) VALUES (1, 0, gen_random_uuid())
ON CONFLICT (id) DO NOTHING
"""

# Apps whose every concrete model must be declared one way or the other.
DOMAIN_APPS = ("core", "accounts", "films", "merch", "licensing", "members")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]  # the columns whose UPDATE moves the version


@dataclass(frozen=True)
class CatalogueState:
    """What one request read: the token for its cache keys and the next moment."""

    token: str
    era: datetime | None


_catalogue: dict[str, Table] = {}
_private: dict[str, str] = {}
_declared: set[str] = set()  # model labels, auto-created through tables included
_moments: dict[tuple[str, str], bool] = {}  # (table, column) -> is a date (not a datetime)

_era_lock = threading.Lock()
_era_cache: dict[str, object] = {}


def _through_models(model):
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            yield through


def register_catalogue_table(model, *, volatile: tuple[str, ...] | list[str] = ()) -> None:
    """`model`'s table is read by public catalogue answers: every write to it moves the version.

    `volatile`: field names whose change alone does not (stock-like counters).
    Tables of the model's automatic many-to-many relations are registered too.
    """
    names = {field.name: field for field in model._meta.concrete_fields}
    unknown = set(volatile) - set(names)
    if unknown:
        raise ValueError(f"{model._meta.label} has no fields {sorted(unknown)} to mark volatile.")
    volatile_columns = {names[name].column for name in volatile}
    columns = tuple(
        field.column
        for field in model._meta.concrete_fields
        if field.column not in volatile_columns
    )
    _catalogue[model._meta.db_table] = Table(model._meta.db_table, columns)
    _declared.add(model._meta.label)
    for through in _through_models(model):
        table = through._meta.db_table
        _catalogue[table] = Table(table, tuple(f.column for f in through._meta.concrete_fields))
        _declared.add(through._meta.label)


def register_private_table(model, *, reason: str) -> None:
    """No public catalogue answer reads `model` (`reason` says why): its writes move nothing."""
    _private[model._meta.label] = reason
    _declared.add(model._meta.label)
    for through in _through_models(model):
        _private[through._meta.label] = reason
        _declared.add(through._meta.label)


def register_private_tables(private: dict) -> None:
    """`register_private_table` for each {reason: models} an app declares."""
    for reason, tables in private.items():
        for model in tables:
            register_private_table(model, reason=reason)


def register_moments(model, *fields: str) -> None:
    """Fields of `model` whose passing changes a public answer without a write.

    A DateField passes twice: when its day begins (`start <= today`) and when
    it ends (`today <= end`), in the shop's time zone.
    """
    for name in fields:
        field = model._meta.get_field(name)
        if not isinstance(field, models.DateField):
            raise ValueError(f"{model._meta.label}.{name} is not a date or a datetime.")
        is_date = not isinstance(field, models.DateTimeField)
        _moments[(model._meta.db_table, field.column)] = is_date


def catalogue_tables() -> dict[str, Table]:
    return dict(_catalogue)


def undeclared_models() -> list[str]:
    """Concrete models of the domain apps declared neither catalogue nor private."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        domain = meta.app_label in DOMAIN_APPS and not meta.abstract and not meta.proxy
        if domain and meta.label not in _declared:
            found.append(meta.label)
    return sorted(found)


# --- Triggers ----------------------------------------------------------------


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def trigger_statements(connection) -> list[str]:
    """The DDL that installs (or replaces) the function and every registered table's triggers."""
    statements = [
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {BUMP.strip()}; RETURN NULL; END $$"
    ]
    existing = set(connection.introspection.table_names())
    for table in sorted(_catalogue.values(), key=lambda t: t.name):
        if table.name not in existing:
            continue
        quoted = _quote(connection, table.name)
        columns = ", ".join(_quote(connection, c) for c in table.columns)
        statements += [
            f"DROP TRIGGER IF EXISTS {WRITE_TRIGGER} ON {quoted}",
            f"DROP TRIGGER IF EXISTS {UPDATE_TRIGGER} ON {quoted}",
            f"CREATE TRIGGER {WRITE_TRIGGER} BEFORE INSERT OR DELETE OR TRUNCATE ON {quoted} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
            f"CREATE TRIGGER {UPDATE_TRIGGER} BEFORE UPDATE OF {columns} ON {quoted} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
        ]
    return statements


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Install every registered table's triggers and drop those of tables no longer registered."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname IN (%s, %s)",
            [WRITE_TRIGGER, UPDATE_TRIGGER],
        )
        for table, trigger in cursor.fetchall():
            if table not in _catalogue:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {_quote(connection, table)}")
        for statement in trigger_statements(connection):
            cursor.execute(statement)
        cursor.execute(RECREATE)


def install_triggers_after_migrate(sender, using=DEFAULT_DB_ALIAS, **_kwargs) -> None:
    if apps.is_installed("marquee.core"):
        install_triggers(using)


# --- Reading the token -------------------------------------------------------


def _moment_query(connection) -> str:
    parts = []
    zone = settings.TIME_ZONE.replace("'", "")
    for (table, column), is_date in sorted(_moments.items()):
        quoted_column = _quote(connection, column)
        source = _quote(connection, table)
        if is_date:
            expressions = [
                f"({quoted_column}::timestamp AT TIME ZONE '{zone}')",
                f"(({quoted_column} + 1)::timestamp AT TIME ZONE '{zone}')",
            ]
        else:
            expressions = [quoted_column]
        for expression in expressions:
            parts.append(
                f"SELECT min(v) AS m FROM (SELECT {expression} AS v FROM {source}) s "
                "WHERE v > %(now)s"
            )
    return "SELECT min(m) FROM (" + " UNION ALL ".join(parts) + ") moments"


def _next_moment(connection, now: datetime) -> datetime | None:
    if not _moments:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_moment_query(connection), {"now": now})
        return cursor.fetchone()[0]


def _era(connection, version: str, now: datetime) -> datetime | None:
    """The next moment after `now`: queried when the version changed or the era passed."""
    with _era_lock:
        cached = _era_cache.get(connection.alias)
    if cached is not None:
        cached_version, era = cached
        if cached_version == version and (era is None or now < era):
            return era
    era = _next_moment(connection, now)
    with _era_lock:
        _era_cache[connection.alias] = (version, era)
    return era


def forget_eras() -> None:
    """Drop the in-process eras (tests that roll back a transaction reuse versions)."""
    with _era_lock:
        _era_cache.clear()


def _read_version(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute(READ)
        row = cursor.fetchone()
        if row is None:  # flushed: a new generation, so no old version comes back
            cursor.execute(RECREATE)
            cursor.execute(READ)
            row = cursor.fetchone()
    generation, counter = row
    return f"{generation.hex}.{counter}"


def catalogue_state(request=None, using: str = DEFAULT_DB_ALIAS) -> CatalogueState:
    """The catalogue's token and era, read once per request (one statement on the hot path)."""
    if request is not None:
        cached = getattr(request, "_catalogue_state", None)
        if cached is not None:
            return cached
    connection = connections[using]
    now = timezone.now()
    version = _read_version(connection)
    era = _era(connection, version, now)
    token = f"{version}.{int(era.timestamp() * 1000) if era else '-'}"
    state = CatalogueState(token=token, era=era)
    if request is not None:
        request._catalogue_state = state
    return state


def catalogue_token(request=None) -> str:
    return catalogue_state(request).token
