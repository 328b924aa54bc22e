"""The events the engagements app publishes (payloads are ids only)."""

# A task was created, changed, rescheduled, completed, reopened, trashed or restored; published once per
# subject it is or was about (a task moved from one deal to another names both), so the subject's app can
# follow its open tasks (the deals app keeps a deal's next step on its earliest open task).
# task_id, subject_type, subject_id
TASK_CHANGED = "engagements.task.changed"
# A call, meeting or email was logged by hand. engagement_id, kind, subject_type, subject_id
ENGAGEMENT_LOGGED = "engagements.engagement.logged"
