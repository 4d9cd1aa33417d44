"""The sandbox server itself: start-up, TLS, the ready file, URI limits and the admin API."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from sfseg.sandbox.config import SandboxConfig
from sfseg.sandbox.server import SandboxInfo, SandboxServer, run_sandbox


def test_run_sandbox_serves_versions_on_loopback() -> None:
    """run_sandbox binds a free loopback port and is serving by the time it returns."""
    with run_sandbox(seed="empty") as info:
        assert info.url.startswith("http://127.0.0.1:")
        response = httpx.get(f"{info.url}/services/data")
    assert response.status_code == 200
    assert response.json()[0] == {
        "label": "Winter '24",
        "url": "/services/data/v59.0",
        "version": "59.0",
    }


def test_versions_list_not_counted(fresh_sandbox: SandboxInfo) -> None:
    """GET /services/data needs no token, carries no limit header and is not counted."""
    response = httpx.get(f"{fresh_sandbox.url}/services/data/")
    versions = [entry["version"] for entry in response.json()]
    assert versions == [f"{number}.0" for number in range(59, 68)]
    assert "sforce-limit-info" not in response.headers
    assert fresh_sandbox.state.limits.used == 0


def test_server_stops_on_exit() -> None:
    """Leaving run_sandbox closes the port."""
    with run_sandbox(seed="empty") as info:
        url = info.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/services/data", timeout=2)


def test_tls_server_trusts_only_its_ca(tmp_path: Path) -> None:
    """With tls=True the URL is https and the written CA file verifies the certificate."""
    ca_file = tmp_path / "ca.pem"
    with run_sandbox(seed="empty", tls=True, ca_file=ca_file) as info:
        assert info.url.startswith("https://127.0.0.1:")
        assert info.ca_file == str(ca_file)
        trusted = httpx.get(f"{info.url}/services/data", verify=info.verify)
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{info.url}/services/data")
    assert trusted.status_code == 200
    assert ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_ready_file_is_private_json(tmp_path: Path) -> None:
    """The ready file contains url, client id and secret, CA and version, with mode 0600."""
    ready = tmp_path / "ready.json"
    with run_sandbox(seed="empty", ready_file=ready) as info:
        document = json.loads(ready.read_text())
        mode = stat.S_IMODE(os.stat(ready).st_mode)
    assert document == {
        "url": info.url,
        "client_id": info.client_id,
        "client_secret": info.client_secret,
        "ca_file": None,
        "api_version": "66.0",
    }
    assert mode == 0o600


def test_remote_host_needs_allow_remote() -> None:
    """A non-loopback --host is rejected unless allow_remote is set."""
    with pytest.raises(ValueError, match="not a loopback address"):
        SandboxConfig(host="0.0.0.0", seed="empty")
    assert SandboxConfig(host="0.0.0.0", allow_remote=True, seed="empty").host == "0.0.0.0"


def test_busy_port_fails_clearly() -> None:
    """A port already in use fails start-up with a message naming it."""
    with run_sandbox(seed="empty") as info:
        port = int(info.url.rsplit(":", 1)[1])
        server = SandboxServer(SandboxConfig(seed="empty", port=port))
        with pytest.raises(RuntimeError, match=f"cannot listen on 127.0.0.1:{port}"):
            server.start()


def test_generated_secret_is_marked() -> None:
    """A generated client secret is flagged; one the user gave is not."""
    assert SandboxConfig(seed="empty").secret_generated is True
    assert SandboxConfig(seed="empty", client_secret="mine").secret_generated is False


def test_long_uri_gets_html_414(fresh_http: httpx.Client) -> None:
    """A URI over 16,384 bytes returns 414 with Salesforce's HTML page, not JSON."""
    response = fresh_http.get("/query", params={"q": "SELECT Id FROM Contact WHERE " + "x" * 16_400})
    assert response.status_code == 414
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>"


def test_uri_under_limit_is_served(fresh_http: httpx.Client) -> None:
    """A 16,000-byte URI with ordinary headers stays under the limit and is served."""
    path = fresh_http.base_url.raw_path.decode().rstrip("/") + "/query?q="
    soql = "SELECT+Id+FROM+Contact+WHERE+LastName+!%3D+'"
    filler = "x" * (16_000 - len(path) - len(soql) - 1)
    request = fresh_http.build_request("GET", "/query?q=" + soql + filler + "'")
    assert len(request.url.raw_path) == 16_000
    response = fresh_http.send(request)
    assert response.status_code == 200
    assert response.json()["totalSize"] == 0


def test_big_headers_get_431(fresh_http: httpx.Client) -> None:
    """URI and headers together over 16,384 bytes get 431."""
    response = fresh_http.get("/limits", headers={"X-Filler": "y" * 16_400})
    assert response.status_code == 431
    assert "Request Header Fields Too Large" in response.text


def test_admin_api_not_counted(fresh_sandbox: SandboxInfo) -> None:
    """Calls under /__sandbox/ are not API calls."""
    response = httpx.get(f"{fresh_sandbox.url}/__sandbox/stats")
    assert response.status_code == 200
    assert response.json()["api_calls"] == 0
    assert fresh_sandbox.state.limits.used == 0


def test_asgi_app_in_process() -> None:
    """The app works through httpx.ASGITransport, with no server."""
    from sfseg.sandbox.app import create_app

    app = create_app(SandboxConfig(seed="empty"))
    config = app.state.sandbox.config
    credentials = {
        "grant_type": "client_credentials",
        "client_id": config.client_id,
        "client_secret": config.client_secret,
    }

    async def call_limits() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            token = (await client.post("/services/oauth2/token", data=credentials)).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            return await client.get("/services/data/v66.0/limits", headers=headers)

    response = asyncio.run(call_limits())
    assert response.status_code == 200
    assert response.json()["DailyApiRequests"] == {"Max": 100_000, "Remaining": 99_999}
    assert response.headers["sforce-limit-info"] == "api-usage=1/100000"


def test_fixture_fails_clearly_when_server_cannot_start() -> None:
    """The shared fixtures fail the test with the start-up error, not a hang or a traceback."""
    from tests.conftest import _serve

    with pytest.raises(pytest.fail.Exception, match="The sandbox server did not start .*unknown seed"):
        next(_serve(seed="no-such-seed"))


def test_db_file_keeps_records(tmp_path: Path) -> None:
    """With db= the org lives in an SQLite file, and a new server on it sees earlier writes."""
    database = tmp_path / "org.db"
    with run_sandbox(seed="empty", db=database) as info:
        headers = {"Authorization": f"Bearer {info.access_token()}"}
        created = httpx.post(f"{info.data_url}/sobjects/Account", json={"Name": "Kept"}, headers=headers)
    with run_sandbox(seed="empty", db=database) as info:
        headers = {"Authorization": f"Bearer {info.access_token()}"}
        found = httpx.get(
            f"{info.data_url}/query", params={"q": "SELECT Id, Name FROM Account"}, headers=headers
        ).json()
    assert created.status_code == 201
    assert found["totalSize"] == 1
    assert found["records"][0]["Id"] == created.json()["id"]


def test_record_errors_from_any_route() -> None:
    """A RecordError escaping a plain FastAPI route becomes Salesforce's error array."""
    from sfseg.sandbox.app import create_app
    from sfseg.sandbox.org import RecordError

    app = create_app(SandboxConfig(seed="empty"))

    @app.get("/raises")
    def raises() -> None:
        raise RecordError("INVALID_FIELD", "No such column 'X' on entity 'Contact'.", ["X"])

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return await client.get("/raises")

    response = asyncio.run(call())
    assert response.status_code == 400
    assert response.json() == [
        {"message": "No such column 'X' on entity 'Contact'.", "errorCode": "INVALID_FIELD", "fields": ["X"]}
    ]
