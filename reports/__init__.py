"""Figures for the people who oversee the schools (R14, R15): deadlines of
Article 12 and completeness of required records per school (district office)
or per group and teacher (principal), as a table, a chart and an XLSX export;
and the public face of the published school plans (home, school pages,
search, signed PDFs)."""
