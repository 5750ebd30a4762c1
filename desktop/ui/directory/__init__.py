"""The Directory section: search and filters, detail pane, create/edit, import, export, booklet."""
