"""Approval steps as state machines on the records, deadlines, corrections,
locks and the hash-chained audit log (Đ11–Đ13). Imports recordpages, and
accounts.signals to audit security events; emits events that archive and
search subscribe to."""
