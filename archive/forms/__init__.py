"""The builders of the paper forms with a layout of their own (FORMS.md): one module
per form, each returning an archive.specs.DocumentSpec for archive.documents."""
