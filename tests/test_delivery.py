"""bridge.delivery: response handling (docs/cloud-mode.md), retries, user deletion.

Most tests inject a transport; the rest send real HTTP to a loopback server (never off 127.0.0.1).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import DASHBOARD_CONFIG
from fake_clevertap import LoopbackServer

from bridge.cloud import route, transform
from bridge.delivery import (
    HttpRequest,
    HttpResponse,
    RetryPolicy,
    TransportError,
    delete_users,
    send,
    urllib_transport,
)
from bridge.errors import DeliveryError, EventError, SettingsError

CONFIG = DASHBOARD_CONFIG
SUCCESS = {"status": "success", "processed": 1, "unprocessed": []}


class Scripted:
    """A transport that answers from a script (an HttpResponse or an exception per call) and records requests."""

    def __init__(self, *answers: HttpResponse | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def answer(status: int, body: Any, **headers: str) -> HttpResponse:
    return HttpResponse(status, json.dumps(body).encode(), {k.replace("_", "-").lower(): v for k, v in headers.items()})


def outputs(count: int = 1) -> list[dict[str, Any]]:
    return [o for i in range(count) for o in transform({"type": "track", "event": f"E{i}", "userId": "u"}, CONFIG)]


def no_sleep() -> tuple[list[float], Callable[[float], None]]:
    waits: list[float] = []
    return waits, waits.append


def test_success_needs_2xx_and_status_success() -> None:
    transport = Scripted(answer(200, SUCCESS))
    [report] = send(outputs(), transport=transport)
    assert (report.ok, report.status_code, report.message, report.attempts) == (True, 200, "Request Processed Successfully", 1)
    assert report.response == SUCCESS and report.records == 1
    [request] = transport.requests
    assert request.url == "https://api.clevertap.com/1/upload"
    assert request.headers == {"X-CleverTap-Account-Id": "ACC", "X-CleverTap-Passcode": "PASS", "Content-Type": "application/json"}
    assert json.loads(request.body) == {"d": [{"evtName": "E0", "evtData": {}, "type": "event", "identity": "u"}]}


@pytest.mark.parametrize("status_word", ["fail", "partial", None])
def test_a_2xx_without_success_fails_with_status_400(status_word: str | None) -> None:
    body = {"status": status_word, "processed": 0, "unprocessed": [{"status": "fail", "code": 509}]}
    [report] = send(outputs(), transport=Scripted(answer(200, body)))
    assert (report.ok, report.status_code, report.message, report.attempts) == (False, 400, "Request failed  with status: 200", 1)
    assert report.unprocessed == [{"status": "fail", "code": 509}]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_4xx_fails_with_its_status_and_is_not_retried(status: int) -> None:
    waits, sleep = no_sleep()
    transport = Scripted(answer(status, {"status": "fail", "error": "Invalid Credentials", "code": status}))
    [report] = send(outputs(), transport=transport, sleep=sleep)
    assert (report.ok, report.status_code, report.message) == (False, status, f"Request failed  with status: {status}")
    assert (report.attempts, report.retryable, len(transport.requests), waits) == (1, False, 1, [])


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_5xx_and_429_are_retried_with_exponential_backoff(status: int) -> None:
    waits, sleep = no_sleep()
    transport = Scripted(answer(status, {"status": "fail"}))
    [report] = send(outputs(), transport=transport, policy=RetryPolicy(retries=3, backoff=0.5, max_backoff=8), sleep=sleep)
    assert (report.ok, report.status_code, report.attempts, report.retryable) == (False, status, 4, True)
    assert waits == [0.5, 1.0, 2.0] and len(transport.requests) == 4


def test_backoff_is_capped_and_retry_after_honoured() -> None:
    waits, sleep = no_sleep()
    send(outputs(), transport=Scripted(answer(503, {})), policy=RetryPolicy(retries=5, backoff=1, max_backoff=4), sleep=sleep)
    assert waits == [1, 2, 4, 4, 4]
    waits, sleep = no_sleep()
    transport = Scripted(answer(429, {}, retry_after="3"), answer(200, SUCCESS))
    [report] = send(outputs(), transport=transport, policy=RetryPolicy(retries=2, backoff=0.5), sleep=sleep)
    assert report.ok and report.attempts == 2 and waits == [3.0]


def test_a_retry_that_succeeds_is_a_success() -> None:
    waits, sleep = no_sleep()
    transport = Scripted(TransportError("connection reset"), answer(502, {}), answer(200, SUCCESS))
    [report] = send(outputs(), transport=transport, sleep=sleep)
    assert (report.ok, report.attempts, waits) == (True, 3, [0.5, 1.0])


def test_network_errors_exhaust_retries() -> None:
    waits, sleep = no_sleep()
    [report] = send(outputs(), transport=Scripted(TransportError("refused")), policy=RetryPolicy(retries=2), sleep=sleep)
    assert (report.ok, report.status_code, report.message, report.attempts, report.retryable) == (False, 500, "Network error: refused", 3, True)


def test_router_output_is_sent_batch_by_batch_and_error_entries_skipped() -> None:
    inputs = [{"message": {"type": "track", "event": f"E{i}", "userId": "u"}, "metadata": {"jobId": i},
               "destination": {"Config": CONFIG}} for i in range(1001)]
    inputs.append({"message": {"type": "group"}, "metadata": {"jobId": -1}, "destination": {"Config": CONFIG}})
    transport = Scripted(answer(200, SUCCESS))
    reports = send(route(inputs), transport=transport)
    assert [(r.index, r.records, r.ok) for r in reports] == [(0, 1000, True), (1, 1, True)]
    assert [len(json.loads(r.body)["d"]) for r in transport.requests] == [1000, 1]


def test_base_url_replaces_scheme_and_host_only() -> None:
    transport = Scripted(answer(200, SUCCESS))
    send(transform({"type": "alias", "userId": "n", "previousId": "o"}, {**CONFIG, "region": "in1"}), transport=transport,
         base_url="http://127.0.0.1:9/")
    assert transport.requests[0].url == "http://127.0.0.1:9/1/upload"


# User deletion ------------------------------------------------------------------------------------

def attributes(count: int) -> list[dict[str, Any]]:
    return [{"userId": f"user{i}"} for i in range(count)]


def test_delete_users_sends_every_batch_in_order() -> None:
    transport = Scripted(answer(200, {"status": "success"}))
    result = delete_users(attributes(250), {"accountId": "A", "passcode": "P", "region": "us1"}, transport=transport)
    assert result == {"statusCode": 200, "status": "successful"}
    assert [r.url for r in transport.requests] == ["https://us1.api.clevertap.com/1/delete/profiles.json"] * 3
    assert [json.loads(r.body)["identity"] for r in transport.requests] == [
        [f"user{i}" for i in range(0, 100)], [f"user{i}" for i in range(100, 200)], [f"user{i}" for i in range(200, 250)]]


def test_delete_users_stops_at_the_first_refusal() -> None:
    transport = Scripted(answer(200, {}), answer(404, {"status": "fail"}), answer(200, {}))
    with pytest.raises(DeliveryError, match="^User deletion request failed$") as caught:
        delete_users(attributes(250), {"accountId": "A", "passcode": "P"}, transport=transport)
    assert (caught.value.status_code, caught.value.retryable, len(transport.requests)) == (404, False, 2)


def test_delete_users_retries_5xx_then_reports_it() -> None:
    waits, sleep = no_sleep()
    transport = Scripted(answer(503, {}))
    with pytest.raises(DeliveryError) as caught:
        delete_users(attributes(3), {"accountId": "A", "passcode": "P"}, transport=transport, retries=2, sleep=sleep)
    assert (caught.value.status_code, caught.value.retryable, len(transport.requests), waits) == (503, True, 3, [0.5, 1.0])


def test_delete_users_without_ids_sends_nothing() -> None:
    transport = Scripted(answer(500, {}))
    assert delete_users([{"email": "e@x.com"}], {"accountId": "A", "passcode": "P"}, transport=transport)["statusCode"] == 200
    assert transport.requests == []


def test_delete_users_validates_before_sending() -> None:
    transport = Scripted(answer(200, {}))
    with pytest.raises(SettingsError):
        delete_users(attributes(1), {"accountId": "A"}, transport=transport)
    with pytest.raises(EventError, match="^userAttributes is not an array$"):
        delete_users("u1", {"accountId": "A", "passcode": "P"}, transport=transport)  # type: ignore[arg-type]
    assert transport.requests == []


# Real HTTP on loopback ---------------------------------------------------------------------------------

def test_urllib_transport_against_a_loopback_server() -> None:
    script: Iterator[tuple[int, Any, dict[str, str]]] = iter([(503, {"status": "fail"}, {}), (200, SUCCESS, {})])
    with LoopbackServer(lambda request: next(script)) as server:
        waits, sleep = no_sleep()
        [report] = send(outputs(), base_url=server.base_url, sleep=sleep)
        assert (report.ok, report.attempts, report.response) == (True, 2, SUCCESS)
        assert len(server.requests) == 2
        first = server.requests[0]
        assert first["path"] == "/1/upload"
        assert first["headers"]["x-clevertap-account-id"] == "ACC"
        assert first["headers"]["x-clevertap-passcode"] == "PASS"
        assert first["headers"]["content-type"] == "application/json"
        assert first["body"] == {"d": [{"evtName": "E0", "evtData": {}, "type": "event", "identity": "u"}]}


def test_urllib_transport_returns_4xx_answers_and_does_not_retry() -> None:
    with LoopbackServer(lambda request: (401, {"status": "fail", "error": "Invalid Credentials", "code": 401}, {})) as server:
        response = urllib_transport(HttpRequest(server.base_url + "/1/upload", {"Content-Type": "application/json"}, b"{}"))
        assert response.status == 401 and json.loads(response.body)["error"] == "Invalid Credentials"
        [report] = send(outputs(), base_url=server.base_url, sleep=lambda s: None)
        assert (report.status_code, report.attempts, len(server.requests)) == (401, 1, 2)


def test_urllib_transport_raises_transport_error_when_nothing_listens() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError):
        urllib_transport(HttpRequest(f"http://127.0.0.1:{port}/1/upload", {}, b"{}", timeout=2))
    [report] = send(outputs(), base_url=f"http://127.0.0.1:{port}", policy=RetryPolicy(retries=1), sleep=lambda s: None)
    assert (report.ok, report.attempts, report.status_code) == (False, 2, 500)


def test_delete_users_over_loopback() -> None:
    with LoopbackServer(lambda request: (200, {"status": "success"}, {})) as server:
        result = delete_users(attributes(101), {"accountId": "A", "passcode": "P"}, base_url=server.base_url)
    assert result["statusCode"] == 200
    assert [len(r["body"]["identity"]) for r in server.requests] == [100, 1]
    assert {r["path"] for r in server.requests} == {"/1/delete/profiles.json"}
