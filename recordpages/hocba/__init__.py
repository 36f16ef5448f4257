"""The học bạ as one book (issue 16): what it holds, as data (book.py), and its data
file (XML with its schema, JSON) for the sector database and for embedding in the
signed PDF/A-3. The PDF is drawn from the same Book (archive.forms.hocba), so the
two cannot say different things."""
