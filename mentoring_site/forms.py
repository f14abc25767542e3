"""Form helpers every app shares."""


class InvalidMarksMixin:
    """Marks each field with an error `is-invalid`, so Bootstrap shows the message beside it,
    including errors a service raised after the form validated (`form.add_error`)."""

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self._errors or {}:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
