"""A year of calls and meetings logged on deals and on qualified contacts, and tasks: open ones on every open
deal (some overdue, some due today or later; the deal's next step is its earliest, as the deals app's handler
keeps it), done ones in the past. Set-based (bulk inserts with explicit ids, so a second run writes the same
rows) and deterministic: every draw comes from this step's own random stream, every time from the year."""

import datetime

from django.core.management.color import no_style
from django.db import connection

from tandem.contacts.models import Activity, Contact
from tandem.demo import vocabulary as words
from tandem.demo.generator.company import next_id
from tandem.demo.generator.context import DAY, GeneratorContext
from tandem.engagements.models import Engagement, Task
from tandem.sales.deals.models import Deal, DealContact

MAX_DEALS = 300
MAX_CONTACTS = 300
OUTCOMES = (("connected", 55), ("left_voicemail", 20), ("no_answer", 15), ("busy", 6), ("wrong_number", 4))
TASKS = (
    ("Send the proposal", "email"),
    ("Follow up on the demo", "call"),
    ("Call about pricing", "call"),
    ("Book a meeting with the CFO", "meeting"),
    ("Send the security questionnaire", "email"),
    ("Check in after the trial", "call"),
    ("Prepare the business case", "todo"),
)


def create_engagements(context: GeneratorContext) -> None:
    rng = context.random("engagements")
    end, today = context.end_at, context.config.today
    engagement_id, task_id = next_id(Engagement), next_id(Task)
    engagements, attendees, tasks, activities = [], [], [], []
    outcome_values, outcome_weights = zip(*OUTCOMES, strict=True)

    def moment(start: datetime.datetime, stop: datetime.datetime) -> datetime.datetime:
        room = max(int((stop - start).total_seconds()), 3600)
        at = start + datetime.timedelta(seconds=rng.randrange(room))
        # Office hours: 8:00 to 17:45, on the quarter hour.
        at = at.replace(hour=8 + rng.randrange(10), minute=15 * rng.randrange(4), second=0, microsecond=0)
        return at - datetime.timedelta(days=1) if at > stop else at

    def log(kind, subject_type, subject_id, at, owner_id, targets, details_extra, attendee=None):
        nonlocal engagement_id
        outcome = rng.choices(outcome_values, outcome_weights)[0] if kind == "call" else ""
        minutes = rng.choice((2, 5, 10, 15, 20, 30)) if kind == "call" else rng.choice((30, 45, 60))
        if outcome in ("no_answer", "busy", "wrong_number"):
            minutes = 0
        body = rng.choice(words.CALL_NOTES if kind == "call" else words.MEETING_NOTES)
        engagements.append(Engagement(
            id=engagement_id, kind=kind, subject_type=subject_type, subject_id=subject_id, occurred_at=at,
            duration_minutes=minutes, outcome=outcome, body=body, logged_by_id=owner_id, created_at=at,
        ))  # fmt: skip
        details = {"engagement_id": engagement_id, **({"outcome": outcome} if outcome else {}),
                   "duration_minutes": minutes, **details_extra}  # fmt: skip
        if attendee is not None:
            attendees.append(
                Engagement.attendees.through(engagement_id=engagement_id, contact_id=attendee[0])
            )
            details["attendees"] = [attendee[1]]
        for contact_id, company_id in targets:
            activities.append(Activity(
                contact_id=contact_id, company_id=company_id, kind=f"{kind}_logged", occurred_at=at,
                actor_id=owner_id, subject_type=subject_type, subject_id=subject_id, body=body, details=details,
            ))  # fmt: skip
        engagement_id += 1

    deals = list(
        Deal.objects.filter(deleted_at__isnull=True)
        .order_by("created_at", "name", "id")
        .values_list("id", "name", "company_id", "owner_id", "team_id", "status", "created_at", "closed_at")[
            :MAX_DEALS
        ]
    )
    primary = dict(
        DealContact.objects.filter(deal_id__in=[row[0] for row in deals], is_primary=True).values_list(
            "deal_id", "contact_id"
        )
    )
    people = Contact.objects.filter(pk__in=set(primary.values())).values_list("pk", "first_name", "last_name")
    full_names = {pk: f"{first} {last}".strip() for pk, first, last in people}
    next_steps = []
    for deal_id, name, company_id, owner_id, team_id, status, created_at, closed_at in deals:
        contact_id = primary.get(deal_id)
        targets = [(None, company_id)] if company_id else []
        targets += [(contact_id, None)] if contact_id else []
        stop = min(closed_at or end, end)
        for _ in range(rng.randrange(1, 5)):
            log("call", "deal", deal_id, moment(created_at, stop), owner_id, targets, {"deal": name})
        for _ in range(rng.randrange(0, 3)):
            attendee = (contact_id, full_names.get(contact_id, "")) if contact_id else None
            log(
                "meeting",
                "deal",
                deal_id,
                moment(created_at, stop),
                owner_id,
                targets,
                {"deal": name},
                attendee,
            )
        for _ in range(rng.randrange(0, 3)):  # done tasks, in the past
            title, task_type = rng.choice(TASKS)
            done_at = moment(created_at, stop)
            tasks.append(Task(
                id=task_id, title=title, subject_type="deal", subject_id=deal_id, due_date=done_at.date(),
                task_type=task_type, status="done", done_at=done_at, owner_id=owner_id, team_id=team_id,
                created_by_id=owner_id, created_at=done_at - datetime.timedelta(days=rng.randrange(1, 10)),
                updated_at=done_at, reminded_for_date=done_at.date(),
            ))  # fmt: skip
            details = {"task_id": task_id, "title": title, "task_type": task_type, "deal": name}
            for target_contact, target_company in targets:
                activities.append(Activity(
                    contact_id=target_contact, company_id=target_company, kind="task_completed",
                    occurred_at=done_at, actor_id=owner_id, subject_type="deal", subject_id=deal_id,
                    details=details,
                ))  # fmt: skip
            task_id += 1
        if status != "open":
            continue
        # Open tasks: about a third overdue, some due today, the rest in the next two weeks.
        earliest = None
        for _ in range(rng.randrange(1, 3)):
            title, task_type = rng.choice(TASKS)
            due = today + datetime.timedelta(days=rng.choice((-6, -3, -1, 0, 0, 1, 2, 4, 7, 10, 14)))
            at = datetime.time(9 + rng.randrange(8), 0) if rng.random() < 0.4 else None
            tasks.append(Task(
                id=task_id, title=title, subject_type="deal", subject_id=deal_id, due_date=due, due_time=at,
                priority=rng.choice(("normal", "normal", "high", "low")), task_type=task_type, status="open",
                owner_id=owner_id, team_id=team_id, created_by_id=owner_id,
                created_at=end - datetime.timedelta(seconds=rng.randrange(DAY, 20 * DAY)), updated_at=end,
            ))  # fmt: skip
            # The first due wins, then the earlier time (a task without one after those with), then the first
            # created: the order of engagements.selectors.earliest_open_task, which the deals handler reads.
            order = (due, at or datetime.time.max, task_id)
            if earliest is None or order < earliest[2]:
                earliest = (title, due, order)
            task_id += 1
        next_steps.append(Deal(pk=deal_id, next_step=earliest[0], next_step_date=earliest[1]))

    contacts = list(
        Contact.objects.filter(deleted_at__isnull=True, lifecycle_stage__in=["mql", "sql"])
        .order_by("id")
        .values_list("id", "company_id", "owner_id", "created_at")[:MAX_CONTACTS]
    )
    for contact_id, company_id, owner_id, created_at in contacts:
        for _ in range(rng.randrange(1, 4)):
            log("call", "contact", contact_id, moment(max(created_at, context.start_at), end), owner_id,
                [(contact_id, company_id)], {})  # fmt: skip

    Engagement.objects.bulk_create(engagements, batch_size=2000)
    Engagement.attendees.through.objects.bulk_create(attendees, batch_size=2000)
    Task.objects.bulk_create(tasks, batch_size=2000)
    Activity.objects.bulk_create(activities, batch_size=2000)
    Deal.objects.bulk_update(next_steps, ["next_step", "next_step_date"], batch_size=1000)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Engagement, Task]):
            cursor.execute(statement)
