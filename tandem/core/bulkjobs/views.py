"""The bulk job's page: its live progress (htmx polls the panel) and, once finished, what was done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from tandem.core.bulkjobs import selectors, services
from tandem.core.models import Role
from tandem.core.pagination import InvalidCursor

PROGRESS_TARGET = "bulk-job-progress"


@login_required
@require_GET
def bulk_job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_detail(request.user, job_id)
    context = {"job": job, "progress": selectors.progress(job), "progress_target": PROGRESS_TARGET}
    template = "bulkjobs/bulk_job_detail.html"
    # The panel polls itself; each poll gets only the panel.
    if request.htmx and request.htmx.target == PROGRESS_TARGET:
        template += "#progress"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_POST
def bulk_job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_detail(request.user, job_id)
    try:
        services.cancel_bulk_job(actor=request.user, job=job, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Cancelled. What was already done stays done.")
    return redirect("bulkjobs:bulk_job_detail", job_id=job.pk)


@login_required
@require_POST
def bulk_job_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_detail(request.user, job_id)
    try:
        services.restart_bulk_job(actor=request.user, job=job, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Running again from where it stopped. What was already done stays done.")
    return redirect("bulkjobs:bulk_job_detail", job_id=job.pk)


@login_required
@require_GET
def bulk_job_list(request: HttpRequest) -> HttpResponse:
    try:
        page = selectors.job_list(request.user, cursor=request.GET.get("cursor") or None)
    except InvalidCursor as error:
        messages.error(request, str(error))
        return redirect("bulkjobs:bulk_job_list")
    return render(
        request,
        "bulkjobs/bulk_job_list.html",
        {"page": page, "jobs": page.rows, "sees_everyone": request.user.role == Role.ADMIN},
    )
