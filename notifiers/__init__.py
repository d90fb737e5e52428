"""One plugin per delivery channel behind notifiers/base.py; imports core only."""
