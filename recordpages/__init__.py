"""The record tree and the people: the authority, schools, school years,
professional groups, classes and every record page of the regulation (Đ14),
with the staff, pupils and roles they belong to. Imports no other project app."""
