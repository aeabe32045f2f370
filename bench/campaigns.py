"""A rush on a campaign: signatures, confirmations and the widget under load.

    .venv/bin/python bench/campaigns.py [--sign-seconds 120] [--confirm-seconds 30]
                                        [--widget-seconds 20] [--connections 20]
                                        [--workers 3]

The embedded default (SQLite, jobs in threads of the web process) unless
DATABASE_URL is set; with REDIS_URL as well, Redis is the cache and the job
broker (no worker runs during the benchmark, so every queued mail stays in
the broker, where it is counted). Builds a fresh database in a temporary data
folder, creates one open campaign, starts gunicorn on 127.0.0.1 only and
drives it with ``wrk`` (Debian package ``wrk``), closed loop:

1. signing: each request a new e-mail address, through the form with a CSRF
   cookie and token as a browser sends them;
2. confirming: each request the button behind one mailed link;
3. the widget page, from the cache.

Then it checks that every answered submission is stored once, that every
address got exactly one confirmation mail and every confirmed one exactly
one thank-you mail, and that the counter equals the signatures. The rate
limits are raised for the run: all traffic comes from one address.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.1f p50=%.2f p95=%.2f p99=%.2f "
    .. "errors=%d\\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""

THREADS = """
local next_id = 0
setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
"""

SIGN = (
    THREADS
    + """
local count = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=@COOKIE@"
wrk.headers["Accept-Language"] = "en"
request = function()
  count = count + 1
  local body = "name=Bench+Person&consent=on&csrfmiddlewaretoken=@TOKEN@"
    .. "&email=@RUN@-" .. id .. "-" .. count .. "%40example.org"
  return wrk.format(nil, "@PATH@", nil, body)
end
"""
    + REPORT
)

CONFIRM = (
    THREADS
    + """
local paths = {}
local position = 0
init = function(args)
  local index = 0
  for line in io.lines("@TOKENS@") do
    if index % @THREADS@ == id then paths[#paths + 1] = line end
    index = index + 1
  end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=@COOKIE@"
wrk.headers["Accept-Language"] = "en"
request = function()
  position = position + 1
  local path = paths[((position - 1) % #paths) + 1]
  return wrk.format(nil, path, nil,
    "action=confirm&csrfmiddlewaretoken=@TOKEN@")
end
"""
    + REPORT
)


def _fill(template: str, **values: object) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name.upper()}@", str(value))
    return template


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _setup() -> str:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from allmende.accounts.models import User
    from allmende.campaigns import services
    from allmende.campaigns.models import Campaign

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    Campaign.objects.filter(slug="ansturm").delete()
    staff = User.objects.create_user(
        username=f"bench-{secrets.token_hex(4)}", is_staff=True, password=None
    )
    now = timezone.now()
    campaign = services.campaign_create(
        actor=staff,
        data={
            "slug": "ansturm",
            "title_de": "Ansturm",
            "title_en": "Rush",
            "claim_de": "Alle unterschreiben auf einmal.",
            "claim_en": "Everyone signs at once.",
            "background_de": "",
            "background_en": "",
            "image_alt_de": "",
            "image_alt_en": "",
            "signers": "everyone",
            "starts_at": now - timedelta(hours=1),
            "ends_at": now + timedelta(days=7),
            "goal": 100_000,
            "consent_de": "Einverstanden.",
            "consent_en": "I agree.",
            "names_public": True,
            "organization": None,
        },
    )
    services.demand_add(actor=staff, campaign=campaign, title_de="Mitmachen")
    services.campaign_transition(actor=staff, campaign=campaign, target="published")
    return campaign.slug


def _wrk(args: argparse.Namespace, seconds: int, target: str, script: Path) -> dict:
    output = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            target,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(
        r"RESULT requests=(\d+) rps=([\d.]+) p50=([\d.]+) p95=([\d.]+) "
        r"p99=([\d.]+) errors=(\d+)",
        output,
    )
    assert match, output
    names = ["requests", "rps", "p50", "p95", "p99", "errors"]
    return {
        name: (int if name in ("requests", "errors") else float)(value)
        for name, value in zip(names, match.groups(), strict=True)
    }


def _queued_mails() -> Counter[tuple[str, str]]:
    """(recipient, kind) of every mail queued: in the broker with Redis,
    else in the files the development delivery writes."""
    from django.conf import settings

    mails: Counter[tuple[str, str]] = Counter()

    def kind(subject: str) -> str:
        return subject.split(":")[0]

    if settings.ALLMENDE_TASK_MODE == "celery":
        import redis

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for key in client.keys("*"):
            if client.type(key) != b"list":
                continue
            for raw in client.lrange(key, 0, -1):
                message = json.loads(raw)
                if message.get("headers", {}).get("task") != "core.send_email":
                    continue
                body = json.loads(base64.b64decode(message["body"]))
                email = body[0][0]
                for recipient in email["to"]:
                    mails[(recipient, kind(email["subject"]))] += 1
        return mails
    for path in Path(settings.EMAIL_FILE_PATH).glob("*.log"):
        text = path.read_text(errors="replace")
        for block in text.split("-" * 79):
            to = re.search(r"^To: (.+)$", block, re.MULTILINE)
            subject = re.search(r"^Subject: (.+)$", block, re.MULTILINE)
            if to and subject:
                mails[(to.group(1).strip(), kind(subject.group(1)))] += 1
    return mails


def _cpu_per_request(slug: str, count: int = 50) -> dict[str, float]:
    """Median CPU time in ms of this process for one submission, one
    confirmation and one widget view (on SQLite it includes the queries):
    on a crowded machine a steadier figure than the wall time."""
    import statistics

    from django.test import Client

    from allmende.campaigns.models import Signature
    from allmende.campaigns.services import signature_token, signatures_erase

    client = Client(headers={"accept-language": "en"})
    times: dict[str, list[float]] = {"sign": [], "confirm": [], "widget": []}
    for number in range(count):
        started = time.process_time()
        client.post(
            f"/campaigns/{slug}/sign/",
            {"name": "CPU", "email": f"cpu-{number}@example.org", "consent": "on"},
        )
        times["sign"].append(time.process_time() - started)
    for signature in Signature.objects.filter(email__startswith="cpu-"):
        url = f"/campaigns/s/{signature_token(signature)}/"
        started = time.process_time()
        client.post(url, {"action": "confirm"})
        times["confirm"].append(time.process_time() - started)
    for _ in range(count):
        started = time.process_time()
        client.get(f"/campaigns/{slug}/embed/?lang=de")
        times["widget"].append(time.process_time() - started)
    signatures_erase(
        actor=None,
        emails=Signature.objects.filter(email__startswith="cpu-").values_list(
            "email", flat=True
        ),
    )
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sign-seconds", type=int, default=120)
    parser.add_argument("--confirm-seconds", type=int, default=30)
    parser.add_argument("--widget-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    data_dir = os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ.setdefault("ALLMENDE_ALLOWED_HOSTS", "127.0.0.1,testserver")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SECURE_COOKIES"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ["ALLMENDE_CAMPAIGN_RATE_PER_CLIENT"] = str(10**9)
    os.environ["ALLMENDE_CAMPAIGN_RATE_PER_DOMAIN"] = str(10**9)
    os.environ["ALLMENDE_EMAIL_FILE_PATH"] = str(Path(data_dir) / "mail")
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    slug = _setup()
    cpu = _cpu_per_request(slug)

    from django.conf import settings
    from django.db import connection

    if settings.ALLMENDE_TASK_MODE == "celery":
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "allmende.config.wsgi",
        ],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cookie = secrets.token_hex(16)  # Django accepts a 32-character secret
    token = cookie  # and the same secret, unmasked, as the form's token
    run = secrets.token_hex(3)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/-/health", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        mode = (
            f"{connection.vendor}, jobs: {settings.ALLMENDE_TASK_MODE}, "
            f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        )
        print(
            f"\nwrk -t{args.threads} -c{args.connections}, gunicorn "
            f"{args.workers} workers (DEBUG off), {mode}; "
            f"load average before: {_load()}\n"
        )
        print("| phase | seconds | requests | requests/s | p50 ms | p95 ms "
              "| p99 ms | errors |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|")

        def row(name: str, seconds: int, r: dict[str, Any]) -> None:
            print(
                f"| {name} | {seconds} | {r['requests']} | {r['rps']:.1f} "
                f"| {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} "
                f"| {r['errors']} |"
            )

        script = Path(data_dir) / "sign.lua"
        path = f"/campaigns/{slug}/sign/"
        script.write_text(_fill(SIGN, cookie=cookie, token=token, run=run, path=path))
        signing = _wrk(args, args.sign_seconds, base + path, script)
        row("sign", args.sign_seconds, signing)

        from allmende.campaigns.models import Signature, SignatureState
        from allmende.campaigns.services import signature_token

        pending = list(
            Signature.objects.filter(campaign__slug=slug, state=SignatureState.PENDING)
        )
        tokens = Path(data_dir) / "tokens.txt"
        tokens.write_text(
            "".join(f"/campaigns/s/{signature_token(s)}/\n" for s in pending)
        )
        script = Path(data_dir) / "confirm.lua"
        script.write_text(
            _fill(
                CONFIRM, cookie=cookie, token=token, tokens=tokens, threads=args.threads
            )
        )
        confirming = _wrk(args, args.confirm_seconds, base, script)
        row("confirm", args.confirm_seconds, confirming)

        script = Path(data_dir) / "widget.lua"
        script.write_text(REPORT)
        widget = _wrk(
            args,
            args.widget_seconds,
            f"{base}/campaigns/{slug}/embed/?lang=de",
            script,
        )
        row("widget page", args.widget_seconds, widget)
        print(f"\nload average after: {_load()}")
        print(
            "CPU time of one request in this process (median of 50, ms): "
            + ", ".join(f"{name} {value:.1f}" for name, value in cpu.items())
        )
    finally:
        server.terminate()
        server.wait(timeout=60)

    from allmende.campaigns.models import CampaignCounter
    from allmende.campaigns.services import counters_update

    signatures = Signature.objects.filter(campaign__slug=slug)
    stored = signatures.count()
    emails = signatures.values("email").distinct().count()
    confirmed = signatures.filter(state=SignatureState.CONFIRMED).count()
    answered = signing["requests"] - signing["errors"]
    print(
        f"\nsubmissions answered: {answered}; signatures stored: {stored} "
        f"(distinct addresses: {emails}; the difference to the answered ones "
        f"is requests still in flight when wrk stopped)"
    )
    print(f"pending at the start of the confirming phase: {len(pending)}")
    print(f"confirmed: {confirmed} (distinct links requested <= {len(pending)})")
    if settings.ALLMENDE_TASK_MODE == "thread":
        time.sleep(2)  # the last mail jobs of the stopped server have ended
    mails = _queued_mails()
    confirm_mails = Counter(
        n for (to, kind), n in mails.items() if kind == "Please confirm your signature"
    )
    thanks = Counter(
        n for (to, kind), n in mails.items() if kind == "Thank you for signing"
    )
    print(
        f"confirmation mails: {sum(k * n for k, n in confirm_mails.items())} to "
        f"{sum(confirm_mails.values())} addresses, per address {dict(confirm_mails)}"
    )
    print(
        f"thank-you mails: {sum(k * n for k, n in thanks.items())} to "
        f"{sum(thanks.values())} addresses, per address {dict(thanks)}"
    )
    counters_update()
    counter = CampaignCounter.objects.get(campaign__slug=slug)
    print(f"counter after folding: {counter.individuals} (confirmed: {confirmed})")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
