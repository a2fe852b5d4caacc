"""Writes for film data.

`save_film` stores one validated record as the complete truth about a film:
scalar fields, genres, credits and box-office figures are brought in line
with it. It compares before it writes, so saving the same record twice
issues no UPDATE at all and `Film.updated_at` only moves when something
about the film really changed.
"""

from __future__ import annotations

import enum

from django.db import transaction
from django.db.models import Q

from .models import BoxOfficeFigure, Credit, Film, Genre, Person
from .records import BoxOfficeRecord, CreditRecord, FilmRecord, GenreRecord, PersonRecord


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@transaction.atomic
def save_film(record: FilmRecord) -> Outcome:
    """Create or reconcile the film `record.slug`; one transaction per film."""
    fields = record.film_fields()
    # The row lock makes two imports of the same film queue rather than
    # interleave their credit and box-office reconciliation.
    film = Film.objects.select_for_update().filter(slug=record.slug).first()
    created = film is None
    if created:
        film = Film.objects.create(slug=record.slug, **fields)
        changed = True
    else:
        changed = _update_fields(film, fields)

    genres = _resolve_genres(record.genres)
    changed |= _reconcile_genres(film, genres, created=created)
    changed |= _reconcile_credits(film, record.credits)
    changed |= _reconcile_box_office(film, record.box_office)

    if created:
        return Outcome.CREATED
    if not changed:
        return Outcome.UNCHANGED
    # Relations changed but perhaps no column did: touch the row anyway, so
    # anything keyed on updated_at (caches, sync jobs) sees the change.
    film.save(update_fields=["updated_at"])
    return Outcome.UPDATED


def resolve_person(record: PersonRecord) -> Person:
    """Find or create the person a credit names.

    People are keyed by a slug derived from the English name. A name with no
    English form (a CSV cell holding only 吴京) is first looked up among the
    names already on file, so it joins the person the JSON dataset created
    rather than starting a duplicate.
    """
    if not record.name_en:
        matches = list(Person.objects.filter(Q(name=record.name) | Q(name_zh=record.name))[:2])
        if len(matches) == 1:
            _refresh_person(matches[0], record)
            return matches[0]
    person, created = Person.objects.get_or_create(
        slug=record.slug,
        defaults={"name": record.name, "name_zh": record.name_zh, "name_en": record.name_en},
    )
    if not created:
        _refresh_person(person, record)
    return person


def _update_fields(film: Film, fields: dict) -> bool:
    dirty = [name for name, value in fields.items() if getattr(film, name) != value]
    if not dirty:
        return False
    for name in dirty:
        setattr(film, name, fields[name])
    film.save(update_fields=[*dirty, "updated_at"])
    return True


def _resolve_genres(records: tuple[GenreRecord, ...]) -> list[Genre]:
    existing = Genre.objects.in_bulk([r.slug for r in records], field_name="slug")
    genres = []
    for record in records:
        genre = existing.get(record.slug)
        if genre is None:
            genre = Genre.objects.create(
                slug=record.slug,
                name=record.name or record.slug.replace("-", " ").capitalize(),
                name_zh=record.name_zh,
            )
            existing[record.slug] = genre
        else:
            wanted = {"name": record.name, "name_zh": record.name_zh}
            dirty = [k for k, v in wanted.items() if v and getattr(genre, k) != v]
            if dirty:
                for key in dirty:
                    setattr(genre, key, wanted[key])
                genre.save(update_fields=dirty)
        genres.append(genre)
    return genres


def _reconcile_genres(film: Film, genres: list[Genre], *, created: bool) -> bool:
    wanted = {genre.pk for genre in genres}
    current = set() if created else set(film.genres.values_list("pk", flat=True))
    if wanted == current:
        return False
    film.genres.set(genres)
    return True


def _refresh_person(person: Person, record: PersonRecord) -> None:
    incoming = {"name": record.name, "name_zh": record.name_zh, "name_en": record.name_en}
    if record.authoritative:
        dirty = [k for k, v in incoming.items() if v and getattr(person, k) != v]
    else:
        dirty = [k for k, v in incoming.items() if v and not getattr(person, k)]
    if dirty:
        for key in dirty:
            setattr(person, key, incoming[key])
        person.save(update_fields=dirty)


def _reconcile_credits(film: Film, records: tuple[CreditRecord, ...]) -> bool:
    wanted: dict[tuple[int, str, str], int] = {}
    next_order: dict[str, int] = {}
    for record in records:
        person = resolve_person(record.person)
        key = (person.pk, record.role, record.character)
        if key in wanted:  # two spellings that resolved to the same person
            continue
        wanted[key] = next_order.get(record.role, 0)
        next_order[record.role] = wanted[key] + 1

    changed = False
    for credit in list(film.credits.all()):
        key = (credit.person_id, credit.role, credit.character)
        order = wanted.pop(key, None)
        if order is None:
            credit.delete()
            changed = True
        elif credit.sort_order != order:
            credit.sort_order = order
            credit.save(update_fields=["sort_order"])
            changed = True
    if wanted:
        Credit.objects.bulk_create(
            Credit(film=film, person_id=person_id, role=role, character=character, sort_order=order)
            for (person_id, role, character), order in wanted.items()
        )
        changed = True
    return changed


def _reconcile_box_office(film: Film, records: tuple[BoxOfficeRecord, ...]) -> bool:
    wanted = {(r.market, r.as_of): r for r in records}
    changed = False
    for figure in list(film.box_office.all()):
        record = wanted.pop((figure.market, figure.as_of), None)
        if record is None:
            figure.delete()
            changed = True
            continue
        values = {
            "gross_amount": record.gross_amount,
            "currency": record.currency,
            "source": record.source,
        }
        dirty = [k for k, v in values.items() if getattr(figure, k) != v]
        if dirty:
            for key in dirty:
                setattr(figure, key, values[key])
            figure.save(update_fields=dirty)
            changed = True
    if wanted:
        BoxOfficeFigure.objects.bulk_create(
            BoxOfficeFigure(
                film=film,
                market=r.market,
                gross_amount=r.gross_amount,
                currency=r.currency,
                as_of=r.as_of,
                source=r.source,
            )
            for r in wanted.values()
        )
        changed = True
    return changed
