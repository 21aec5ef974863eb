import logging
import re

# A web draft's URL token opens its answers (a complaint's, a survey's): keep it out of every log line.
DRAFT_TOKEN = re.compile(r"(/complaint/|/surveys/r/)[A-Za-z0-9_-]{16,}")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = DRAFT_TOKEN.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
