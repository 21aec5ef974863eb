from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpResponse
from django.template.loader import render_to_string


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops keeping a file as soon as it passes the per-file limit, so an oversize upload is never
    stored whole; the names of skipped files are left on the request for the form to report."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ATTACHMENT_MAX_FILE_BYTES:
            skipped = getattr(self.request, "oversize_uploads", [])
            skipped.append((self.field_name, self.file_name))
            self.request.oversize_uploads = skipped
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


class RequestSizeGuardMiddleware:
    """Refuses a body larger than a whole complaint's files before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.ATTACHMENT_MAX_TOTAL_BYTES + 1024 * 1024:
            html = render_to_string("413.html", request=request)
            return HttpResponse(html, status=413)
        if request.path_info.startswith("/anymail/") and length:
            # An email provider posts a whole message (photos included) as JSON or MIME: read it
            # here, within the bound above, rather than against Django's 2.5 MB form-data cap.
            request._body = request.read(length)
        return self.get_response(request)
