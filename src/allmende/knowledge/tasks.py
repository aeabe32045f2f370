"""Background jobs of the knowledge hub: thin, taking ids, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler
from allmende.core.tasks import run_job


@shared_task(name="knowledge.check_tool")
def check_tool(tool_id: int) -> bool:
    from allmende.knowledge.services import tool_check

    return tool_check(tool_id=tool_id)


@shared_task(name="knowledge.check_due_tools")
def check_due_tools() -> int:
    from allmende.knowledge.services import tools_check_due

    return tools_check_due()


@shared_task(name="knowledge.start_checks")
def start_checks() -> None:
    """The periodic entry: the round of checks runs as a job of its own, so
    its requests to other servers do not hold up the other periodic jobs."""
    run_job(check_due_tools)


scheduler.register("knowledge.start_checks", timedelta(minutes=30), start_checks)


@shared_task(name="knowledge.provision_service_request")
def provision_service_request(request_id: int) -> str:
    from allmende.knowledge.services.hosting import service_request_provision

    return service_request_provision(request_id=request_id)
