"""The per-chunk step that writes every contact's timeline."""

import datetime

from tandem.contacts.models import Activity
from tandem.demo import vocabulary as words
from tandem.demo.generator.context import DAY, ContactPlan, GeneratorContext

ACTIVITY_COLUMNS = (
    "contact_id", "company_id", "kind", "occurred_at", "actor_id", "subject_type", "subject_id", "campaign_id",
    "body", "details",
)  # fmt: skip


def write_activities(context: GeneratorContext, chunk: list[ContactPlan]) -> None:
    """Every touch: creation, stage moves, the first form, page views, newsletters with realistic delivery,
    open and click rates, and the sales and success team's calls, meetings and notes."""
    rng = context.random("activities")
    config = context.config
    budget = None if config.activities is None else config.activities / max(config.contacts, 1)
    table = Activity._meta.db_table
    end = context.end_at
    for plan in chunk:
        company_id = plan.company.id if plan.company else None
        rows: list[tuple] = [
            (plan.created_at, "created", None, plan.source[0], None, "", {"source": plan.source[0]}),
        ]
        for from_stage, to_stage, at, actor in plan.stage_path:
            rows.append((at, "stage_changed", actor, "", None, "", {"from": from_stage, "to": to_stage}))
        mandatory = len(rows)
        life = (end - plan.created_at).total_seconds()
        months = life / (30 * DAY)
        deep = plan.stage not in ("subscriber", "lead", "other")
        page_views = 1 + int(rng.expovariate(1 / (6 if deep else 2)))
        newsletters = int(months * 2) if plan.marketing_consent == "granted" else 0
        sales_touches = 0
        if plan.stage in ("sql", "opportunity", "customer", "evangelist"):
            sales_touches = rng.randint(2, 7)
        elif plan.stage == "mql":
            sales_touches = rng.randint(0, 2)
        optional = page_views + newsletters * 3 + sales_touches + 1
        if budget is not None:
            # A budget scales the optional touches down (never the creation and stage history).
            quota = max(budget * rng.uniform(0.5, 1.5) - mandatory, 0)
            scale = min(1.0, quota / optional)
            page_views = int(page_views * scale + rng.random())
            newsletters = int(newsletters * scale + rng.random()) if newsletters else 0
            sales_touches = int(sales_touches * scale + rng.random()) if sales_touches else 0
        if plan.source[1] in ("organic", "paid_social", "webinar", "cpc", "review_site") and (
            budget is None or rng.random() < budget / 10
        ):
            form = {"webinar": 2}.get(plan.source[0], 1)
            rows.append((plan.created_at, "form_submitted", None, "form", form, "",
                         {"form": "Webinar registration" if form == 2 else "Get the guide"}))  # fmt: skip
        for _ in range(page_views):
            at = plan.created_at + datetime.timedelta(seconds=int(rng.random() * life))
            rows.append((at, "page_view", None, "page", None, "", {"url": rng.choice(words.PAGES)}))
        issue_seconds = 14 * DAY
        first_issue = int(plan.created_at.timestamp() // issue_seconds + 1)
        for issue in range(first_issue, first_issue + newsletters):
            sent_at = datetime.datetime.fromtimestamp(issue * issue_seconds + 9 * 3600, datetime.UTC)
            if sent_at >= end:
                break
            subject = words.NEWSLETTER_SUBJECTS[issue % len(words.NEWSLETTER_SUBJECTS)]
            details = {"subject": subject}
            rows.append((sent_at, "email_sent", None, "email", issue, "", details))
            if rng.random() < 0.015:
                rows.append((sent_at + datetime.timedelta(seconds=30), "email_bounced", None, "email", issue,
                             "", {"bounce": "soft"}))  # fmt: skip
                continue
            rows.append(
                (sent_at + datetime.timedelta(seconds=20), "email_delivered", None, "email", issue, "", {})
            )
            if rng.random() < 0.27:
                opened_at = sent_at + datetime.timedelta(seconds=int(rng.expovariate(1 / 20_000)) + 60)
                rows.append((min(opened_at, end), "email_opened", None, "email", issue, "", {}))
                if rng.random() < 0.14:
                    clicked_at = opened_at + datetime.timedelta(seconds=rng.randint(5, 300))
                    rows.append((min(clicked_at, end), "email_clicked", None, "email", issue, "",
                                 {"url": rng.choice(words.PAGES)}))  # fmt: skip
        if sales_touches:
            qualified_at = next(
                (at for _, to, at, _ in plan.stage_path if to in ("mql", "sql")), plan.created_at
            )
            room = max((end - qualified_at).total_seconds(), 60)
            for _ in range(sales_touches):
                at = qualified_at + datetime.timedelta(seconds=int(rng.random() * room))
                touch = rng.choices(("call", "meeting", "note"), (45, 25, 30))[0]
                body = rng.choice(
                    {"call": words.CALL_NOTES, "meeting": words.MEETING_NOTES, "note": words.PLAIN_NOTES}[
                        touch
                    ]
                )
                # A call or meeting is the engagements app's kind (its heading reads "Call" without an
                # outcome); a note is the spine's.
                kind = {"call": "call_logged", "meeting": "meeting_logged", "note": "note"}[touch]
                rows.append((at, kind, plan.owner_id, "", None, body, {}))
        for at, kind, actor, subject_type, subject_id, body, details in rows:
            context.writer.add(
                table,
                ACTIVITY_COLUMNS,
                (
                    plan.id,
                    company_id,
                    kind,
                    min(at, end),
                    actor,
                    subject_type,
                    subject_id,
                    None,
                    body,
                    details,
                ),
            )
