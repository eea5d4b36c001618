"""Tracing: a local OTLP/HTTP endpoint (a plain HTTP server on loopback, as an OpenTelemetry
Collector's 4318 port would be) receives the spans of one trace from the API's request
(continuing the caller's traceparent and tracestate) through the job's submission, its wait in
the queue and its run on the worker (decode, inference, storage, each database call) to the
job-finished mail; the trace id is in the log lines of the request. Sampling follows the
caller's flag; a collector that is down or hangs never slows a request (spans are dropped or
fail, counted)."""
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ovtest import api, detect
from ovtest.server import free_port
from ovtest.waiting import wait_for

KIND_SERVER, KIND_CLIENT, KIND_PRODUCER, KIND_CONSUMER = 2, 3, 4, 5


class Collector:
    """Takes OTLP/HTTP JSON export requests on /v1/traces; `delay` holds every answer."""

    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.delay = delay
        self.lock = threading.Lock()
        self.spans: list[tuple[dict, dict]] = []  # (resource attributes, span)
        self.requests: list[dict] = []  # headers of each export
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if collector.delay:
                    time.sleep(collector.delay)
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                doc = json.loads(body)
                with collector.lock:
                    collector.requests.append(dict(self.headers))
                    for rs in doc["resourceSpans"]:
                        resource = attributes(rs["resource"])
                        for ss in rs["scopeSpans"]:
                            for span in ss["spans"]:
                                collector.spans.append((resource, span))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def of_trace(self, trace_id: str) -> list[tuple[dict, dict]]:
        with self.lock:
            return [(r, s) for r, s in self.spans if s["traceId"] == trace_id]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def attributes(thing: dict) -> dict:
    out = {}
    for a in thing.get("attributes", []):
        (kind, value), = a["value"].items()
        out[a["key"]] = int(value) if kind == "intValue" else value
    return out


def traceparent(trace_id: str, span_id: str, sampled: bool = True) -> str:
    return f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"


def spans_metric(server, result: str) -> float:
    for family in text_string_to_metric_families(server.get("/metrics").text):
        for s in family.samples:
            if s.name == "objectvision_trace_spans_total" and s.labels.get("result") == result:
                return s.value
    return 0.0


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


def tracing_settings(collector: Collector) -> dict:
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_SERVICE_NAME": "objectvision-test",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test,team=vision%20ops",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-collector-token=s3cret"}


def test_one_trace_from_the_request_through_the_worker_to_the_mail(clusters, collector):
    # Scaled: the request on the API node, the job on a worker process, the mail sent by the
    # API node's sender; embedded: all in one process. One trace either way.
    cluster = clusters(nodes=1, workers=1, **tracing_settings(collector))
    server = cluster.api
    account = api.new_account(server, "trace")
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    r = server.post(detect.DETECT_IMAGE, files=[("image", detect.part("dog.jpg"))], timeout=60,
                    headers={**account.headers, "traceparent": traceparent(trace_id, caller_span),
                             "tracestate": "vendor=opaque"})
    job_id = detect.accepted(r)["job_id"]
    job = detect.completed(server, account, job_id)
    assert job["status"] == "completed", job

    def by_name():
        found = {}
        for resource, span in collector.of_trace(trace_id):
            found.setdefault(span["name"], []).append((resource, span))
        wanted = {"POST /api/v1/detect/image", "job.submit", "job.queued", "job.run", "job.image",
                  "detect", "image.decode", "inference", "storage.write", "storage.read",
                  "email.send"}
        return found if wanted <= set(found) else None

    spans = wait_for(by_name, f"the spans of trace {trace_id}", logs=cluster.logs)
    ((api_resource, request),) = spans["POST /api/v1/detect/image"]
    assert request["parentSpanId"] == caller_span, "the caller's span is the parent"
    assert request["kind"] == KIND_SERVER
    assert request["traceState"] == "vendor=opaque"
    req = attributes(request)
    assert req["http.route"] == "/api/v1/detect/image" and req["http.response.status_code"] == 202
    assert req["enduser.id"] == account.id

    ((_, submit),) = spans["job.submit"]
    assert submit["parentSpanId"] == request["spanId"] and submit["kind"] == KIND_PRODUCER
    assert attributes(submit)["objectvision.job.id"] == job_id
    ((_, queued),) = spans["job.queued"]
    assert queued["parentSpanId"] == submit["spanId"]
    ((worker_resource, run),) = spans["job.run"]
    assert run["parentSpanId"] == submit["spanId"] and run["kind"] == KIND_CONSUMER
    assert int(queued["endTimeUnixNano"]) <= int(run["startTimeUnixNano"]) + 1_000_000
    ((_, image),) = spans["job.image"]
    assert image["parentSpanId"] == run["spanId"]
    ((_, det),) = spans["detect"]
    assert det["parentSpanId"] == image["spanId"]
    assert attributes(det)["objectvision.detections"] >= 1
    for stage in ("image.decode", "inference"):
        ((_, s),) = spans[stage]
        assert s["parentSpanId"] == det["spanId"], stage
    # The upload is written under the submission, read back under the image.
    assert any(s["parentSpanId"] == submit["spanId"] for _, s in spans["storage.write"])
    assert any(s["parentSpanId"] == image["spanId"] for _, s in spans["storage.read"])

    # Database calls: client spans with the SQL (no values), under the request and the job.
    ids = {s["spanId"]: s for _, s in collector.of_trace(trace_id)}

    def under(span, ancestor_id):
        while span.get("parentSpanId") in ids:
            if span["parentSpanId"] == ancestor_id:
                return True
            span = ids[span["parentSpanId"]]
        return False

    db = [s for _, s in collector.of_trace(trace_id) if "db.system.name" in attributes(s)]
    assert {attributes(s)["db.system.name"] for s in db} <= {"sqlite", "postgresql"}
    assert all(s["kind"] == KIND_CLIENT for s in db)
    assert any(under(s, submit["spanId"]) and attributes(s)["db.operation.name"] == "INSERT"
               for s in db), "the job's rows are inserted under the submission"
    assert any(under(s, run["spanId"]) for s in db), "the worker's database calls are traced"
    assert not any(account.email in attributes(s)["db.query.text"] for s in db)

    # The job-finished mail is sent in the same trace, after the job.
    mails = [s for _, s in spans["email.send"]
             if attributes(s)["objectvision.mail.kind"] == "job_finished"]
    assert mails and under(mails[0], run["spanId"]), "the mail continues the job's trace"

    # Who sent them: the resource names the service, the role and the operator's attributes.
    assert api_resource["service.name"] == "objectvision-test"
    assert api_resource["deployment.environment"] == "test"
    assert api_resource["team"] == "vision ops"
    assert api_resource["objectvision.role"] == "serve"
    assert worker_resource["objectvision.role"] == ("worker" if cluster.scaled else "serve")
    assert all(h.get("x-collector-token") == "s3cret" for h in collector.requests)

    # The request's log lines carry the trace id.
    wait_for(lambda: f'"trace_id":"{trace_id}"' in server.stdout(),
             "the request's access-log line with the trace id", logs=cluster.logs)


def test_without_a_collector_the_callers_trace_reaches_the_logs_of_the_request_and_the_job(
        clusters):
    # Nothing is exported, but the caller's trace id is continued: the API node's access line
    # and the worker's line at the job's end (another process when scaled) both carry it.
    cluster = clusters(nodes=1, workers=1)
    server = cluster.api
    account = api.new_account(server, "untraced")
    trace_id = secrets.token_hex(16)
    r = server.post(detect.DETECT_IMAGE, files=[("image", detect.part("dog.jpg"))], timeout=60,
                    headers={**account.headers,
                             "traceparent": traceparent(trace_id, secrets.token_hex(8))})
    job_id = detect.accepted(r)["job_id"]
    detect.completed(server, account, job_id)

    def lines_of_the_trace():
        found = [line for line in cluster.logs().splitlines()
                 if f'"trace_id":"{trace_id}"' in line]
        ends = [line for line in found if f"job {job_id} completed" in line]
        requests = [line for line in found if '"msg":"request"' in line]
        return (ends, requests) if ends and requests else None

    wait_for(lines_of_the_trace, "the request's and the job's log lines with the trace id",
             logs=cluster.logs)


def test_sampling_follows_the_callers_flag_and_a_bad_header_starts_a_new_trace(launch, collector):
    server = launch.server(**tracing_settings(collector))
    sampled, unsampled = secrets.token_hex(16), secrets.token_hex(16)
    r = server.get("/health", headers={"traceparent": traceparent(sampled, secrets.token_hex(8))})
    assert r.status_code == 200
    r = server.get("/health", headers={"traceparent": traceparent(unsampled, secrets.token_hex(8),
                                                                  sampled=False)})
    assert r.status_code == 200
    r = server.get("/health", headers={"traceparent": "00-not-a-trace-01",
                                       "X-Request-ID": "bad-traceparent-1"})
    assert r.status_code == 200, "a malformed traceparent is ignored, never refused"
    wait_for(lambda: collector.of_trace(sampled), "the sampled request's span")

    def fresh_root():
        with collector.lock:
            return [s for _, s in collector.spans
                    if attributes(s).get("objectvision.request_id") == "bad-traceparent-1"]

    (root,) = wait_for(fresh_root, "the span of the request with a malformed traceparent")
    assert "parentSpanId" not in root and root["traceId"] not in (sampled, unsampled)
    # Its access-log line names the new trace.
    wait_for(lambda: f'"trace_id":"{root["traceId"]}"' in server.stdout(), "its log line")
    assert collector.of_trace(unsampled) == [], "the caller decided not to sample"


def test_a_collector_that_hangs_never_slows_requests(launch):
    slow = Collector(delay=5)
    try:
        server = launch.server(OTEL_EXPORTER_OTLP_ENDPOINT=slow.endpoint,
                               OTEL_BSP_SCHEDULE_DELAY="50", OTEL_BSP_MAX_QUEUE_SIZE="4",
                               OTEL_BSP_MAX_EXPORT_BATCH_SIZE="2", OTEL_EXPORTER_OTLP_TIMEOUT="3000")
        started = time.monotonic()
        for _ in range(40):
            assert server.get("/health").status_code == 200
        elapsed = time.monotonic() - started
        # Diagnostic only (timings are not asserted): the queue is full, spans are dropped.
        wait_for(lambda: spans_metric(server, "dropped") > 0,
                 f"spans dropped while the collector hangs (40 requests took {elapsed:.2f}s)")
    finally:
        slow.close()


def test_a_collector_that_is_down_fails_spans_visibly(launch):
    server = launch.server(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}",
                           OTEL_BSP_SCHEDULE_DELAY="50")
    for _ in range(3):
        assert server.get("/health").status_code == 200
    wait_for(lambda: spans_metric(server, "failed") > 0, "failed spans counted", timeout=60,
             logs=server.logs)
    wait_for(lambda: "span(s) not exported" in server.stdout(), "a warning in the log",
             logs=server.logs)


@pytest.mark.parametrize("settings, message", [
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"),
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "only http/json"),
    ({"OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"),
    ({"OTEL_RESOURCE_ATTRIBUTES": "novalue"}, "OTEL_RESOURCE_ATTRIBUTES"),
])
def test_bad_tracing_settings_stop_the_start_naming_the_variable(launch, settings, message):
    server = launch.server(start=False, **settings)
    code, out, err = server.run_until_exit()
    assert code != 0
    assert message in out + err, out + err
