"""Marquee: film-licensed merchandise, licences, royalties and backer programmes."""

from .celeryconf import app as celery_app

__all__ = ["celery_app"]
