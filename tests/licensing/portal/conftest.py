import pytest

from .factories import Royalties


@pytest.fixture
def royalties(register):
    return Royalties(register)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
