class ApplicationError(Exception):
    """A failure a service reports to its caller, with a message safe to show to the user."""

    def __init__(self, message: str, *, code: str = "error", extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
