"""Email: welcome, job finished (counts per class, a link; only with notifications on, and not
for a job whose client waited for its answer),
password changed and API key created, through the three transports: .eml files in the outbox
(the embedded default), a real SMTP server on loopback (aiosmtpd, from tests/servers.sh) and
a local HTTP endpoint standing in for Brevo's API. Names are HTML-escaped in the HTML part and
left as they are in the text part; a refused or undeliverable mail fails visibly (log,
metrics), never the request that caused it."""
import email
import email.policy
import json
import mailbox
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ovtest import api, detect
from ovtest.server import free_port
from ovtest.waiting import wait_for

TRICKY_NAME = 'Ann <b>&"Ω'
FRONTEND = "https://app.example.com"


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def smtp_messages(recipient: str) -> list:
    maildir = os.environ["OV_TEST_SMTP_MAILDIR"]
    box = mailbox.Maildir(maildir, factory=None, create=False)
    found = []
    for key in box.keys():
        try:
            raw = box.get_bytes(key)
        except (KeyError, FileNotFoundError):
            continue
        m = parse(raw)
        if recipient in str(m["To"]):
            found.append(m)
    return found


def emails_metric(server, kind: str, result: str) -> float:
    text = server.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if (s.name == "objectvision_emails_total" and s.labels.get("kind") == kind and
                    s.labels.get("result") == result):
                return s.value
    return 0.0


@pytest.fixture
def smtp_settings():
    url = os.environ.get("OV_TEST_SMTP_URL")
    if not url:
        pytest.skip("no test SMTP server: run scripts/test.sh or tests/servers.sh")
    return {"EMAIL_TRANSPORT": "smtp", "SMTP_URL": url,
            "EMAIL_SENDER": "noreply@objectvision.test", "EMAIL_SENDER_NAME": "ObjectVision",
            "FRONTEND_BASE_URL": FRONTEND}


def test_the_welcome_mail_lands_in_the_outbox_by_default(launch):
    server = launch.server(FRONTEND_BASE_URL=FRONTEND)
    address = api.unique_email("outbox")
    r = server.post("/api/v1/auth/signup",
                    json={"email": address, "password": api.PASSWORD, "name": TRICKY_NAME})
    assert r.status_code == 201, r.text
    outbox = server.data_dir / "outbox"

    def ours():
        files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
        return [f for f in files if address in parse(f.read_bytes())["To"]]

    (path,) = wait_for(ours, f"a .eml file for {address} in {outbox}")
    message = parse(path.read_bytes())
    assert message["Subject"] == "Welcome to ObjectVision", message["Subject"]
    assert message["To"].addresses[0].display_name == TRICKY_NAME, message["To"]
    text, html = parts(message)
    assert f"Hello {TRICKY_NAME}," in text, text
    assert "Hello Ann &lt;b&gt;&amp;&quot;Ω," in html, html
    assert "<b>&" not in html, "a name never becomes markup"
    assert f"{FRONTEND}/" in text and f'href="{FRONTEND}/"' in html
    assert not list(outbox.glob(".*.tmp")), "no half-written files"


def test_smtp_mails_for_signup_job_password_and_api_key(clusters, smtp_settings):
    # Scaled: the worker process stores the job's mail, the API node sends it.
    server = clusters(nodes=1, workers=1, **smtp_settings).api
    account = api.new_account(server, "smtp")
    (welcome,) = wait_for(lambda: smtp_messages(account.email), "the welcome mail over SMTP")
    assert welcome["From"].addresses[0].addr_spec == "noreply@objectvision.test"
    text, html = parts(welcome)
    assert account.email in text and account.email in html

    job = detect.detect(server, account, "dog.jpg")
    want = detect.counts(job["images"][0])

    def job_mail():
        return [m for m in smtp_messages(account.email) if "job" in m["Subject"].lower()]

    (done,) = wait_for(job_mail, "the job-finished mail")
    total = sum(want.values())
    assert done["Subject"] == f"Your detection job is done: {total} objects found", done["Subject"]
    text, html = parts(done)
    for label, n in want.items():
        assert f"{label}: {n}" in text, (label, n, text)
        assert f">{label}</td>" in html and f">{n}</td>" in html, html
    assert f"{FRONTEND}/jobs/{job['job_id']}" in text, text

    r = server.patch(f"/api/v1/users/{account.id}", headers=account.headers,
                     json={"current_password": api.PASSWORD, "new_password": "another horse 2"})
    assert r.status_code == 200, r.text
    wait_for(lambda: [m for m in smtp_messages(account.email)
                      if "password was changed" in m["Subject"]], "the password-changed mail")
    fresh = api.login(server, account.email, "another horse 2")
    headers = {"Authorization": f"Bearer {fresh['access_token']}"}
    r = server.post(f"/api/v1/users/{account.id}/api-key", headers=headers)
    assert r.status_code == 201, r.text
    (key_mail,) = wait_for(lambda: [m for m in smtp_messages(account.email)
                                    if "API key" in m["Subject"]], "the API-key mail")
    assert r.json()["api_key"] not in key_mail.as_string(), "the key itself is never mailed"


def test_no_job_mail_for_a_user_who_turned_notifications_off(clusters, smtp_settings):
    server = clusters(nodes=1, workers=1, **smtp_settings).api
    account = api.new_account(server, "quiet")
    r = server.patch(f"/api/v1/users/{account.id}", headers=account.headers,
                     json={"settings": {"notifications": False}})
    assert r.status_code == 200, r.text
    detect.detect(server, account, "eagle.jpg")
    r = server.patch(f"/api/v1/users/{account.id}", headers=account.headers,
                     json={"settings": {"notifications": True}})
    assert r.status_code == 200, r.text
    second = detect.detect(server, account, "dog.jpg")
    wait_for(lambda: [m for m in smtp_messages(account.email)
                      if second["job_id"] in parts(m)[0]], "the mail of the second job")
    job_mails = [m for m in smtp_messages(account.email) if "job" in m["Subject"].lower()]
    assert len(job_mails) == 1, [m["Subject"] for m in job_mails]


def test_no_job_mail_for_a_job_whose_client_waited_for_it(clusters, smtp_settings):
    """`?wait=true` answers with the finished job: a mail saying it finished would only repeat
    it (a camera posting a frame a second would get one a second). A job the client did not
    wait for is mailed as always."""
    server = clusters(nodes=1, workers=1, **smtp_settings).api
    account = api.new_account(server, "waiter")
    r = detect.upload(server, account, "eagle.jpg", wait=True)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    waited = r.json()
    assert waited["status"] == "completed", waited
    assert waited["params"].get("notify") is False, waited["params"]
    second = detect.detect(server, account, "dog.jpg")
    assert "notify" not in second["params"], second["params"]
    wait_for(lambda: [m for m in smtp_messages(account.email)
                      if second["job_id"] in parts(m)[0]], "the mail of the queued job")
    job_mails = [m for m in smtp_messages(account.email) if "job" in m["Subject"].lower()]
    assert len(job_mails) == 1, [m["Subject"] for m in job_mails]
    assert waited["job_id"] not in parts(job_mails[0])[0]


class FakeBrevo:
    """Brevo's POST /v3/smtp/email on loopback: records requests, answers `status`."""

    def __init__(self, status: int = 201):
        self.status = status
        self.requests: list[tuple[dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                outer.requests.append((dict(self.headers), body))
                answer = json.dumps({"messageId": f"<{uuid.uuid4()}@smtp-relay>"} if
                                    outer.status < 300 else {"code": "invalid_parameter",
                                                             "message": "email is not valid"})
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v3/smtp/email"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def brevo():
    fake = FakeBrevo()
    yield fake
    fake.close()


def brevo_settings(fake) -> dict:
    return {"EMAIL_TRANSPORT": "brevo", "BREVO_API_URL": fake.url, "BREVO_API_KEY": "xkeysib-test",
            "EMAIL_SENDER": "hello@objectvision.test", "EMAIL_SENDER_NAME": "ObjectVision",
            "COMPANY_NAME": "Acme Vision"}


def test_brevo_gets_the_transactional_request(launch, brevo):
    server = launch.server(**brevo_settings(brevo))
    address = api.unique_email("brevo")
    r = server.post("/api/v1/auth/signup",
                    json={"email": address, "password": api.PASSWORD, "name": TRICKY_NAME})
    assert r.status_code == 201
    headers, body = wait_for(lambda: [x for x in brevo.requests
                                      if x[1]["to"][0]["email"] == address], "a Brevo request")[0]
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["api-key"] == "xkeysib-test" and lower["content-type"] == "application/json"
    assert body["sender"] == {"email": "hello@objectvision.test", "name": "ObjectVision"}, body
    assert body["to"] == [{"email": address, "name": TRICKY_NAME}], body
    assert body["subject"] == "Welcome to Acme Vision", body
    assert "Hello Ann &lt;b&gt;&amp;&quot;Ω," in body["htmlContent"]
    assert f"Hello {TRICKY_NAME}," in body["textContent"]


def test_a_refused_mail_fails_visibly_and_never_the_request(launch, brevo):
    brevo.status = 400  # Brevo refuses: for good, no retry
    server = launch.server(MAIL_RETRY_BACKOFF_SECONDS="0.1", **brevo_settings(brevo))
    r = server.post("/api/v1/auth/signup",
                    json={"email": api.unique_email("refused"), "password": api.PASSWORD})
    assert r.status_code == 201, "the signup does not wait for, nor fail with, its mail"
    wait_for(lambda: emails_metric(server, "welcome", "failed") == 1, "the failure counted")
    assert len(brevo.requests) == 1, "a refused mail is not tried again"
    assert emails_metric(server, "welcome", "sent") == 0
    wait_for(lambda: "failed for good" in server.stdout() and
             "Brevo answered 400" in server.stdout(), "the failure logged (asynchronous log)")


def test_an_unreachable_server_is_retried_then_given_up(launch):
    closed = free_port()  # nothing listens there
    server = launch.server(EMAIL_TRANSPORT="smtp", SMTP_URL=f"smtp://127.0.0.1:{closed}",
                           EMAIL_SENDER="noreply@objectvision.test", MAIL_MAX_ATTEMPTS="3",
                           MAIL_RETRY_BACKOFF_SECONDS="0.1")
    r = server.post("/api/v1/auth/signup",
                    json={"email": api.unique_email("down"), "password": api.PASSWORD})
    assert r.status_code == 201
    wait_for(lambda: emails_metric(server, "welcome", "failed") == 1, "given up")
    assert emails_metric(server, "welcome", "retried") == 2, "two retries before the third"


def test_mail_settings_are_checked_at_start(launch):
    server = launch.server(start=False, EMAIL_TRANSPORT="smtp", SMTP_URL="http://mail:25")
    rc, out, err = server.run_until_exit()
    assert rc == 2 and "SMTP_URL" in out + err, (out, err)
    server = launch.server(start=False, EMAIL_TRANSPORT="brevo", BREVO_API_KEY=None)
    rc, out, err = server.run_until_exit()
    assert rc == 2 and "BREVO_API_KEY" in out + err, (out, err)


def test_the_daily_report_goes_once_a_day_to_those_who_asked_and_had_jobs(clusters):
    # Every second instead of 07:00 UTC: each run stores the report of the last 24 hours for
    # each user with the setting on and a job in them, at most one per user and UTC day.
    cluster = clusters(nodes=1, workers=1, SCHEDULE_DAILY_REPORT="@every 1s",
                       FRONTEND_BASE_URL=FRONTEND)
    server = cluster.api
    busy, idle, uninterested = (api.new_account(server, tag)
                                for tag in ("report", "report-idle", "report-off"))
    job = detect.detect(server, busy, "dog.jpg")
    want = detect.counts(job["images"][0])
    detect.detect(server, uninterested, "dog.jpg")
    for account in (busy, idle):
        r = server.patch(f"/api/v1/users/{account.id}", headers=account.headers,
                         json={"settings": {"daily_report": True}})
        assert r.status_code == 200, r.text
        assert r.json()["settings"]["daily_report"] is True
    outbox = server.data_dir / "outbox"

    def reports(account):
        files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
        found = [parse(f.read_bytes()) for f in files]
        return [m for m in found if account.email in str(m["To"]) and "day:" in m["Subject"]]

    (report,) = wait_for(lambda: reports(busy), "the daily report")
    total = sum(want.values())
    assert report["Subject"] == f"Your ObjectVision day: 1 job(s), {total} object(s)"
    text, html = parts(report)
    for label, n in want.items():
        assert f"{label}: {n}" in text, (label, n, text)
        assert f">{label}</td>" in html, html
    assert f"{FRONTEND}/history" in text, text

    # More runs store nothing more: one report a day, none without jobs, none unasked.
    admin = cluster.admin_headers

    def runs() -> int:
        listed = server.get("/api/v1/admin/schedules", headers=admin).json()["tasks"]
        (task,) = [t for t in listed if t["name"] == "reports.daily"]
        return (task["last_run"] or {}).get("number", 0)

    seen = runs()
    wait_for(lambda: runs() >= seen + 3, "three more runs of reports.daily")
    assert len(reports(busy)) == 1
    assert reports(idle) == [] and reports(uninterested) == []
