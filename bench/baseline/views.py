"""The framework's own ceiling on this machine, through the same middleware as every page:
a0 renders a tiny template, a1 validates two fields and inserts one row in one transaction."""

from django import forms
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from bench.baseline.models import BaselineRow


class BaselineForm(forms.Form):
    name = forms.CharField(max_length=100)
    number = forms.IntegerField(min_value=0, max_value=1000)


def tiny_get(request):
    return render(request, "bench/tiny.html", {"greeting": "hello"})


def tiny_post(request):
    form = BaselineForm(request.POST)
    if not form.is_valid():
        return HttpResponse("invalid", status=400)
    with transaction.atomic():
        BaselineRow.objects.create(**form.cleaned_data)
    return redirect("bench_baseline:get")
