"""Loading a school's classes, pupils and staff from the sector database's
(CSDL ngành) spreadsheet exports (R13): tolerant reading, a field-by-field
preview, an atomic and idempotent apply, and the imported file kept as the
archived data file of the sổ đăng bộ."""
