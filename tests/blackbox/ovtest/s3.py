"""The test S3 store (OV_TEST_S3_ENDPOINT, OV_TEST_S3_BUCKET; s3rver's S3RVER / S3RVER keys
unless OV_TEST_S3_ACCESS_KEY_ID / OV_TEST_S3_SECRET_ACCESS_KEY say otherwise), and a listing
of its keys signed with AWS Signature V4 (written here from the specification, apart from the
server's own signer, so that it works against any S3-compatible store)."""
import datetime
import hashlib
import hmac
import os
import re
import urllib.parse
from dataclasses import dataclass

import requests

REGION = "us-east-1"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass
class Store:
    endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str

    def settings(self, prefix: str) -> dict[str, str]:
        """A server's environment for files under s3://bucket/prefix of this store."""
        return {"STORAGE_URL": f"s3://{self.bucket}/{prefix}",
                "AWS_ENDPOINT_URL_S3": self.endpoint, "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key}

    def keys(self, prefix: str) -> list[str]:
        """Every key under prefix (ListObjectsV2, every page), sorted."""
        found, token = [], None
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if token:
                query["continuation-token"] = token
            r = self._get(f"/{self.bucket}", query)
            assert r.status_code == 200, f"listing {prefix}: {r.status_code} {r.text[:300]}"
            found += [unescape(k) for k in re.findall(r"<Key>(.*?)</Key>", r.text)]
            if "<IsTruncated>true</IsTruncated>" not in r.text:
                return sorted(found)
            token = unescape(re.search(r"<NextContinuationToken>(.*?)<", r.text).group(1))

    def _get(self, path: str, query: dict[str, str]) -> requests.Response:
        url = urllib.parse.urlsplit(self.endpoint)
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        canonical_query = "&".join(
            f"{quote(k)}={quote(v)}" for k, v in sorted(query.items()))
        headers = {"host": url.netloc, "x-amz-content-sha256": EMPTY_SHA256,
                   "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join(["GET", quote(path, "/"), canonical_query,
                               "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                               signed, EMPTY_SHA256])
        scope = f"{date}/{REGION}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_access_key).encode()
        for part in (date, REGION, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        authorization = (f"AWS4-HMAC-SHA256 Credential={self.access_key_id}/{scope}, "
                         f"SignedHeaders={signed}, Signature={signature}")
        return requests.get(f"{self.endpoint}{quote(path, '/')}?{canonical_query}",
                            headers={"x-amz-content-sha256": EMPTY_SHA256,
                                     "x-amz-date": amz_date, "Authorization": authorization},
                            timeout=10)


def quote(text: str, safe: str = "") -> str:
    return urllib.parse.quote(text, safe="-_.~" + safe)


def unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def from_env() -> Store | None:
    endpoint = os.environ.get("OV_TEST_S3_ENDPOINT")
    bucket = os.environ.get("OV_TEST_S3_BUCKET")
    if not endpoint or not bucket:
        return None
    return Store(endpoint.rstrip("/"), bucket,
                 os.environ.get("OV_TEST_S3_ACCESS_KEY_ID", "S3RVER"),
                 os.environ.get("OV_TEST_S3_SECRET_ACCESS_KEY", "S3RVER"))
