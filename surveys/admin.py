from django.contrib import admin

from surveys.models import Survey, SurveyVersion


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["slug", "status", "audience", "opens_at", "closes_at"]
    list_filter = ["status", "audience"]


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    list_display = ["survey", "number", "published_at"]
