"""The real S3 server: versions, Object Lock, and surviving a restart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from devservices import S3Server


def client(server: S3Server) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def new_bucket(s3: Any, *, object_lock: bool) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)
    return name


def test_keeps_every_version_of_a_key(s3_server: S3Server) -> None:
    s3 = client(s3_server)
    bucket = new_bucket(s3, object_lock=False)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    first = s3.put_object(Bucket=bucket, Key="hoc-ba/1.pdf", Body=b"version one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="hoc-ba/1.pdf", Body=b"version two")["VersionId"]

    assert first != second
    versions = s3.list_object_versions(Bucket=bucket, Prefix="hoc-ba/1.pdf")["Versions"]
    assert {v["VersionId"] for v in versions} == {first, second}
    assert (
        s3.get_object(Bucket=bucket, Key="hoc-ba/1.pdf", VersionId=first)["Body"].read()
        == b"version one"
    )
    assert s3.get_object(Bucket=bucket, Key="hoc-ba/1.pdf")["Body"].read() == b"version two"


def test_object_lock_refuses_to_delete_a_retained_version(s3_server: S3Server) -> None:
    s3 = client(s3_server)
    bucket = new_bucket(s3, object_lock=True)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert (
        s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"][
            "ObjectLockEnabled"
        ]
        == "Enabled"
    )

    until = datetime.now(UTC) + timedelta(days=1)
    locked = s3.put_object(
        Bucket=bucket,
        Key="archive/plan.pdf",
        Body=b"signed",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )["VersionId"]
    free = s3.put_object(Bucket=bucket, Key="scratch.txt", Body=b"tmp")["VersionId"]

    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=bucket, Key="archive/plan.pdf", VersionId=locked)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert (
        s3.get_object(Bucket=bucket, Key="archive/plan.pdf", VersionId=locked)["Body"].read()
        == b"signed"
    )
    retention = s3.get_object_retention(Bucket=bucket, Key="archive/plan.pdf", VersionId=locked)[
        "Retention"
    ]
    assert retention["Mode"] == "COMPLIANCE"

    # A version without retention can still be deleted: the refusal above is the lock.
    s3.delete_object(Bucket=bucket, Key="scratch.txt", VersionId=free)


def test_retention_set_after_upload_also_protects_the_version(s3_server: S3Server) -> None:
    s3 = client(s3_server)
    bucket = new_bucket(s3, object_lock=True)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    s3.put_object_retention(
        Bucket=bucket,
        Key="k",
        VersionId=version,
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": datetime.now(UTC) + timedelta(days=1)},
    )
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version)


def test_data_survives_stop_and_start(s3_server: S3Server) -> None:
    s3 = client(s3_server)
    bucket = new_bucket(s3, object_lock=False)
    s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"still here")
    endpoint = s3_server.endpoint_url

    s3_server.stop()
    assert not s3_server.running
    with pytest.raises(EndpointConnectionError):
        s3.list_buckets()

    s3_server.start()
    assert s3_server.endpoint_url == endpoint
    assert s3.get_object(Bucket=bucket, Key="kept.txt")["Body"].read() == b"still here"


def test_env_names_the_application_settings(s3_server: S3Server) -> None:
    assert s3_server.env() == {
        "S3_ENDPOINT_URL": s3_server.endpoint_url,
        "S3_ACCESS_KEY_ID": s3_server.access_key,
        "S3_SECRET_ACCESS_KEY": s3_server.secret_key,
        "S3_REGION": s3_server.region,
    }
