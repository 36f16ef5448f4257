"""Files as records: a plan handed in as a Word, OpenDocument, spreadsheet or PDF
file, checked, converted to PDF/A by LibreOffice (scans get a Vietnamese text
layer from OCRmyPDF), previewed, searched, signed and archived (DESIGN.md, intake)."""
