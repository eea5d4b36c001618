"""GET /metrics: the Prometheus text format (parsed with prometheus_client's own parser), the
counters moving with requests and detections, METRICS_TOKEN, and METRICS_PORT for `serve` and
for `objectvision worker`."""
import uuid

import requests
from prometheus_client.parser import text_string_to_metric_families

from ovtest import api, detect
from ovtest.server import free_port

METRICS = "/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Scrape:
    """One parsed exposition: sample values by (name, labels), family types by name."""

    def __init__(self, text: str):
        self.text = text
        self.types: dict[str, str] = {}
        self.values: dict[tuple[str, frozenset], float] = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for s in family.samples:
                key = (s.name, frozenset(s.labels.items()))
                assert key not in self.values, f"a sample appears twice: {key}"
                self.values[key] = s.value

    def value(self, name: str, **labels) -> float:
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def total(self, name: str, **labels) -> float:
        """The sum over the samples of `name` whose labels include `labels`."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.values.items() if n == name and want <= ls)

    def names(self) -> set[str]:
        return {name for name, _ in self.values}


def scrape(url: str, headers: dict | None = None) -> Scrape:
    r = requests.get(url, headers=headers, timeout=10)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    assert r.headers["Content-Type"] == CONTENT_TYPE, r.headers
    return Scrape(r.text)


def test_the_exposition_parses_and_holds_the_service_figures(launch):
    server = launch.server()
    assert server.get("/health").status_code == 200
    m = scrape(server.url + METRICS)
    want = {
        "objectvision_http_requests": "counter",
        "objectvision_http_request_duration_seconds": "histogram",
        "objectvision_http_requests_in_flight": "gauge",
        "objectvision_http_open_connections": "gauge",
        "objectvision_blocking_pool_pending": "gauge",
        "objectvision_queue_depth": "gauge",
        "objectvision_queue_oldest_age_seconds": "gauge",
        "objectvision_cache_hits": "counter",
        "objectvision_cache_misses": "counter",
        "objectvision_db_pool_connections": "gauge",
        "objectvision_db_pool_max_connections": "gauge",
        "objectvision_inference_request_duration_seconds": "histogram",
        "objectvision_inference_compute_duration_seconds": "histogram",
        "objectvision_inference_queue_duration_seconds": "histogram",
        "objectvision_log_lines_dropped": "counter",
        "process_cpu_seconds": "counter",
        "process_resident_memory_bytes": "gauge",
        "process_open_fds": "gauge",
        "process_threads": "gauge",
    }
    for name, kind in want.items():
        assert m.types.get(name) == kind, (name, m.types.get(name))
    assert m.value("objectvision_http_requests_in_flight") >= 1, "the scrape itself is in flight"
    assert m.value("process_resident_memory_bytes") > 10 << 20
    assert m.value("process_open_fds") > 3 and m.value("process_threads") > 2
    assert m.value("objectvision_db_pool_max_connections") >= 1


def test_requests_are_counted_by_route_template_method_and_status(launch):
    server = launch.server()
    account = api.new_account(server, "metrics")
    before = scrape(server.url + METRICS)
    for _ in range(3):
        assert server.get("/api/v1/users/get-profile", headers=account.headers).status_code == 200
    assert server.get("/api/v1/users/get-profile").status_code == 401
    stray = f"/no/such/{uuid.uuid4().hex}"
    assert server.get(stray).status_code == 404
    assert server.request("BREW", "/health").status_code == 405
    after = scrape(server.url + METRICS)

    def moved(**labels):
        name = "objectvision_http_requests_total"
        return after.value(name, **labels) - before.value(name, **labels)

    profile = "/api/v1/users/get-profile"
    assert moved(route=profile, method="GET", status="200") == 3
    assert moved(route=profile, method="GET", status="401") == 1
    assert moved(route="-", method="GET", status="404") == 1
    assert moved(route="-", method="other", status="405") == 1, "unknown methods share a label"
    assert stray not in after.text and "BREW" not in after.text, "no raw path or method leaks"
    count = "objectvision_http_request_duration_seconds_count"
    assert (after.value(count, route=profile, method="GET") -
            before.value(count, route=profile, method="GET")) == 4
    inf_bucket = after.value("objectvision_http_request_duration_seconds_bucket", route=profile,
                             method="GET", le="+Inf")
    assert inf_bucket == after.value(count, route=profile, method="GET")
    assert after.total("objectvision_cache_hits_total") > before.total(
        "objectvision_cache_hits_total"), "repeated profile reads are answered from the cache"


def test_a_metrics_token_is_required_when_set(launch):
    token = "scrape-" + uuid.uuid4().hex
    server = launch.server(METRICS_TOKEN=token)
    for headers in (None, {"Authorization": "Bearer wrong"},
                    {"Authorization": "Bearer " + token + "x"}, {"Authorization": token}):
        r = server.get(METRICS, headers=headers)
        assert r.status_code == 401 and r.json()["detail"], (headers, r.status_code, r.text)
        assert r.headers.get("WWW-Authenticate") == "Bearer"
    m = scrape(server.url + METRICS, {"Authorization": "Bearer " + token})
    assert m.value("objectvision_http_requests_total", route="/metrics", method="GET",
                   status="401") == 4


def test_a_metrics_port_serves_them_apart_from_the_api(launch):
    port = free_port()
    server = launch.server(METRICS_PORT=str(port))
    assert server.get(METRICS).status_code == 404, "not on the API's port"
    assert server.get("/health/live").status_code == 200
    m = scrape(f"http://127.0.0.1:{port}{METRICS}")
    assert m.value("objectvision_http_requests_total", route="/health/live", method="GET",
                   status="200") == 1, "the API's requests, counted where they were served"
    assert not any(ls and ("route", "/metrics") in ls for _, ls in m.values), \
        "the metrics server's own scrapes are not mixed with the API's requests"


def test_a_detection_moves_the_inference_and_job_metrics(clusters):
    """Scaled: the worker process exposes them on its METRICS_PORT; embedded: serve does."""
    cluster = clusters(nodes=1, workers=0)
    if cluster.scaled:
        port = free_port()
        cluster.add_worker(METRICS_PORT=str(port))
        worker_url = f"http://127.0.0.1:{port}{METRICS}"
    else:
        worker_url = cluster.api.url + METRICS
    api_url = cluster.api.url + METRICS
    account = api.new_account(cluster.api, "inference")
    before, api_before = scrape(worker_url), scrape(api_url)
    job = detect.detect(cluster.api, account, "dog.jpg")
    after, api_after = scrape(worker_url), scrape(api_url)

    def moved(name, **labels):
        return after.total(name, **labels) - before.total(name, **labels)

    assert job["status"] == "completed", job
    # Summed over the models (one ran).
    assert moved("objectvision_inference_request_success_total") == 1, after.text
    assert moved("objectvision_inference_exec_count_total") >= 1
    assert moved("objectvision_inference_count_total") >= 1
    assert moved("objectvision_inference_compute_duration_seconds_count") >= 1
    assert moved("objectvision_inference_request_failure_total") == 0
    assert moved("objectvision_job_events_total", kind="job.started") == 1
    assert moved("objectvision_job_events_total", kind="job.completed") == 1
    assert moved("objectvision_job_run_duration_seconds_count") == 1
    queued = (api_after.total("objectvision_job_events_total", kind="job.queued") -
              api_before.total("objectvision_job_events_total", kind="job.queued"))
    assert queued == 1, "the API node that accepted the job counts it"
