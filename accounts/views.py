from django.http import Http404


def sign_in(request):
    raise Http404("todo")


def sign_out(request):
    raise Http404("todo")
