"""What the public may read: the authority's home, school pages and the school
plans the principal has published (live page *and* workflow state
"published"), their signed PDFs, and a search over them. Every other page,
document or file answers 404 to the public, whatever its Wagtail flags."""
