"""Statements stored on S3 (boto3 against moto in server mode: a real HTTP endpoint).

The bucket is private; a licensor's download link goes through Marquee's
signed view, which redirects to a presigned S3 URL that expires shortly.
"""

import io
import logging
import socket
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from openpyxl import load_workbook

from marquee.licensing.statements.downloads import statement_file_path
from marquee.licensing.statements.files import render_statement_files

pytestmark = pytest.mark.django_db

BUCKET = "marquee-statements"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "test"
    settings.AWS_SECRET_ACCESS_KEY = "test"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.AWS_QUERYSTRING_AUTH = False  # the bucket's own URLs would be unsigned...
    settings.ROYALTY_DOWNLOAD_SECONDS = 120
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def statement(royalties, register):
    snapshot = royalties.sell(royalties.shop.variants("Wolf Tee")[0], 2, sold=date(2026, 8, 2))
    royalties.post(snapshot, Decimal("18.00"))
    return royalties.statement(
        register.licensor_a,
        [snapshot],
        units=2,
        royalty=Decimal("18.00"),
        amount_payable=Decimal("18.00"),
    )


def test_files_are_written_to_the_bucket_and_read_back(s3, statement):
    render_statement_files(statement)
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="statements/")["Contents"]
    keys = {item["Key"] for item in listed}
    assert keys == {
        f"statements/studio-a/20260701-20260930-v1.{ext}" for ext in ("csv", "xlsx", "pdf")
    }
    body = s3.get_object(Bucket=BUCKET, Key=statement.xlsx_file.name)["Body"].read()
    summary = dict(load_workbook(io.BytesIO(body))["Summary"].iter_rows(values_only=True))
    assert Decimal(str(summary["Amount payable"])) == Decimal("18.00")


def test_download_redirects_to_a_short_lived_presigned_url(s3, s3_endpoint, statement, register):
    render_statement_files(statement)
    path = statement_file_path(register.user_a, statement, "pdf")
    response = register.client("licensor_a").client.get(path)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    assert url.startswith(f"{s3_endpoint}/{BUCKET}/statements/studio-a/")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
    # The object itself is not readable without the signature.
    assert httpx.get(url.split("?", 1)[0]).status_code == 403


def test_another_licensors_link_is_not_found(s3, statement, register):
    render_statement_files(statement)
    forged = statement_file_path(register.user_b, statement, "csv")
    assert register.client("licensor_b").client.get(forged).status_code == 404
