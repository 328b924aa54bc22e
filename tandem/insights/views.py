from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.insights import selectors


@login_required
@require_GET
def home(request):
    return render(
        request,
        "insights/home.html",
        {
            "funnel": selectors.funnel(request.user),
            "recent_contacts": selectors.recent_contacts(request.user),
            "recent_activity": selectors.recent_activity(request.user),
        },
    )


@login_required
@require_GET
def search(request):
    query = request.GET.get("q", "")
    results = selectors.search(request.user, query, limit=selectors.SEARCH_PAGE_LIMIT)
    return render(request, "insights/search.html", {"results": results, "search_query": results.query})


@login_required
@require_GET
def search_suggest(request):
    results = selectors.search(request.user, request.GET.get("q", ""), limit=selectors.SUGGEST_LIMIT)
    return render(request, "insights/_search_suggest.html", {"results": results})
