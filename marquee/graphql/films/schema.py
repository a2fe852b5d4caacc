import graphene

from marquee.films import selectors
from marquee.films.models import Film as FilmModel

from ..core.errors import ErrorCode, client_error, not_found
from ..core.ids import decode_global_id
from ..core.pagination import SortKey, paginate
from ..core.types import OrderDirection, connection_field, connection_from_page
from .types import Film, FilmCountableConnection


class FilmFilterInput(graphene.InputObjectType):
    search = graphene.String(description="Matches Chinese or English titles.")
    genres = graphene.List(graphene.NonNull(graphene.String), description="Genre slugs.")
    released_from = graphene.Date()
    released_to = graphene.Date()
    slugs = graphene.List(graphene.NonNull(graphene.String))


class FilmOrderField(graphene.Enum):
    RELEASE_DATE = "release_date"
    TITLE = "title"


class FilmOrder(graphene.InputObjectType):
    field = graphene.Argument(FilmOrderField, required=True)
    direction = graphene.Argument(OrderDirection, required=True)


class FilmQueries(graphene.ObjectType):
    films = connection_field(FilmCountableConnection, filter=FilmFilterInput(), sort_by=FilmOrder())
    film = graphene.Field(Film, id=graphene.ID(), slug=graphene.String())

    @staticmethod
    def resolve_films(_root, _info, filter=None, sort_by=None, **kwargs):
        filter = filter or {}
        queryset = selectors.filter_films(
            selectors.films_queryset(),
            selectors.FilmFilter(
                search=filter.get("search"),
                genres=filter.get("genres"),
                released_from=filter.get("released_from"),
                released_to=filter.get("released_to"),
                slugs=filter.get("slugs"),
            ),
        )
        field = getattr(sort_by.get("field"), "value", sort_by.get("field")) if sort_by else None
        descending = (
            getattr(sort_by.get("direction"), "value", sort_by.get("direction")) == "DESC"
            if sort_by
            else True
        )
        if field == "title":
            keys = [SortKey("title", descending)]
        else:
            queryset = selectors.with_release_sort(queryset)
            keys = [SortKey(selectors.RELEASE_SORT_FIELD, descending)]
        page = paginate(queryset, connection="films", sort_keys=keys, **kwargs)
        return connection_from_page(FilmCountableConnection, page)

    @staticmethod
    def resolve_film(_root, _info, id=None, slug=None):
        if (id is None) == (slug is None):
            raise client_error(
                "Provide exactly one of `id`, `slug` to look up a film.", ErrorCode.REQUIRED
            )
        if id is not None:
            film = FilmModel.objects.filter(pk=decode_global_id(id, "Film")).first()
        else:
            film = FilmModel.objects.filter(slug=slug).first() if len(slug) <= 128 else None
        if film is None:
            raise not_found("Film", "id" if id is not None else "slug", id or slug)
        return film
