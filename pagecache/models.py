"""No models: present so that `migrate` sends post_migrate to this app (apps.py)."""
