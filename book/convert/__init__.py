"""Stage 2: Markdown to HTML, with the source line of every block, through the raw-HTML allow-list."""
