"""Stage 1: read and validate the project (book.yaml, chapters, data tables, translations, clinic lists, images)."""
