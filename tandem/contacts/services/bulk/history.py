"""What a wave leaves behind besides the records: timeline entries, stage changes and their events, the
`…imported` event, and consent evidence."""

from tandem.contacts import events
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    Contact,
    LifecycleStage,
    StageChange,
)
from tandem.contacts.services.bulk.rows import (
    Spec,
    UpsertContext,
    WavePlan,
)
from tandem.contacts.services.bulk.sql import (
    insert_rows,
)
from tandem.contacts.services.consent import BULK_METHOD, evidence_source
from tandem.core.events import publish, publish_many

# The event name: helper `integrity` is adding it as a constant in tandem.contacts.events.


def record_history(spec: Spec, plan: WavePlan, context: UpsertContext, now) -> None:
    """A timeline entry per touched record, a StageChange and a `contacts.contact.stage_changed` event per
    contact whose stage the wave set or changed, and one `….imported` event for the wave."""
    actor = context.actor
    results, to_create, to_update = plan.results, plan.to_create, plan.to_update
    source_type, source_id = context.source_type, context.source_id
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    record_field = "contact_id" if spec.model is Contact else "company_id"
    other_field = "company_id" if spec.model is Contact else "contact_id"
    activity_columns = (
        record_field,
        other_field,
        "kind",
        "occurred_at",
        "actor_id",
        "subject_type",
        "subject_id",
        "campaign_id",
        "body",
        "details",
    )
    activities = [
        (
            results[position].object_id,
            None,
            ActivityKind.IMPORTED,
            now,
            actor_id,
            source_type,
            source_id,
            None,
            "",
            {"created": True},
        )
        for position, _row in to_create
    ]
    activities += [
        (
            instance.pk,
            None,
            ActivityKind.IMPORTED,
            now,
            actor_id,
            source_type,
            source_id,
            None,
            "",
            {"created": False, "fields": sorted(name for name in previous if name != "updated_at")},
        )
        for _position, _row, instance, previous in to_update
    ]
    insert_rows(Activity, activity_columns, activities)
    if spec.model is Contact:
        stage_columns = (
            "contact_id",
            "from_stage",
            "to_stage",
            "changed_at",
            "actor_id",
            "cause_type",
            "cause_id",
        )
        stage_changes = [
            (
                results[position].object_id,
                "",
                row.fields.get("lifecycle_stage") or LifecycleStage.LEAD,
                now,
                actor_id,
                source_type,
                source_id,
            )
            for position, row in to_create
        ]
        stage_changes += [
            (
                instance.pk,
                previous["lifecycle_stage"],
                instance.lifecycle_stage,
                now,
                actor_id,
                source_type,
                source_id,
            )
            for _position, _row, instance, previous in to_update
            if "lifecycle_stage" in previous
        ]
        insert_rows(StageChange, stage_columns, stage_changes)
        _publish_stage_changes(stage_changes, source_type, source_id, now)
    touched = [results[position].object_id for position, _ in to_create]
    touched += [instance.pk for _, _, instance, _ in to_update]
    if touched:
        publish(f"contacts.{spec.name}.imported", ids=touched, source_type=source_type, source_id=source_id)


def _publish_stage_changes(stage_changes: list[tuple], source_type: str, source_id: int | None, now) -> None:
    """One `contacts.contact.stage_changed` outbox row per contact whose stage the wave set or changed, with
    the payload every other path publishes (events.stage_changed_payload); ids read back in one query."""
    if not stage_changes:
        return
    contact_ids = [change[0] for change in stage_changes]
    change_ids = dict(
        StageChange.objects.filter(
            contact_id__in=contact_ids, cause_type=source_type, cause_id=source_id, changed_at=now
        ).values_list("contact_id", "pk")
    )
    publish_many(
        events.CONTACT_STAGE_CHANGED,
        [
            events.stage_changed_payload(
                contact_id=contact_id,
                from_stage=from_stage,
                to_stage=to_stage,
                stage_change_id=change_ids.get(contact_id),
                cause_type=source_type,
                cause_id=source_id,
            )
            for contact_id, from_stage, to_stage, *_ in stage_changes
        ],
    )


def record_consents(plan: WavePlan, context: UpsertContext, now) -> None:
    """Marketing-email consent from the file's opt-in and confirmation times (Mailchimp's OPTIN_TIME and
    CONFIRM_TIME), as evidence: given only to contacts with no marketing-email consent yet, so an import
    never overwrites the proof a contact already has. One query and one INSERT for the wave."""
    wanted = {}
    for position, row in plan.to_create:
        if row.consent:
            wanted[plan.results[position].object_id] = row.consent
    for _position, row, instance, _previous in plan.to_update:
        if row.consent:
            wanted[instance.pk] = row.consent
    if not wanted:
        return
    already = set(
        Consent.objects.filter(
            contact_id__in=list(wanted), purpose=ConsentPurpose.MARKETING_EMAIL
        ).values_list("contact_id", flat=True)
    )
    source = evidence_source(context.source_type, context.source_id)
    Consent.objects.bulk_create(
        [
            Consent(
                contact_id=contact_id,
                purpose=ConsentPurpose.MARKETING_EMAIL,
                status=ConsentStatus.GRANTED,
                method=BULK_METHOD,
                recorded_at=evidence.get("given_at") or evidence.get("confirmed_at") or now,
                confirmed_at=evidence.get("confirmed_at"),
                ip_address=evidence.get("ip_address"),
                source=source,
            )
            for contact_id, evidence in wanted.items()
            if contact_id not in already
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
