from django.urls import path

from tandem.core.records.urls import patterns
from tandem.engagements import views
from tandem.engagements.records import TASK

app_name = "engagements"
urlpatterns = [
    # Fixed paths first: "tasks/mine/" must not be read as a record id.
    path("tasks/mine/", views.task_queue, name="task_queue"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/reschedule/", views.task_reschedule, name="task_reschedule"),
    path("activities/log/<str:kind>/", views.log, name="log"),
    *patterns(TASK),
]
