"""Freezing approved versions into signed PDF/A files in object storage, their
verification (command and public page), correction minutes, the year-end BagIt
package and backups. Listens to workflow's `record_transitioned`; imports
neither search nor anything that imports archive."""
