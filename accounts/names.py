"""Person names are owned by recordpages (the people); kept here for existing imports."""

from recordpages.names import clean_person_name, validate_person_name

__all__ = ["clean_person_name", "validate_person_name"]
