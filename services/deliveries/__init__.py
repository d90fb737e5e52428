"""The delivery pipeline's data side: outbox rows, atomic claims, results, receipts, channels.

Callers (incidents, reminders, spot checks) use `enqueue` inside their own transaction;
the engine's dispatcher (`engine/dispatcher.py`) claims and sends. See README.md.
"""

from services.deliveries.channels import (  # noqa: F401
    build_notifier,
    channel_words,
    channels_stamp,
    create_channel,
    get_channel,
    list_channels,
    public,
    redacted,
    send_test,
    update_channel,
)
from services.deliveries.claims import (  # noqa: F401
    SendOutcome,
    any_due,
    claim_due,
    claim_rows,
    fail_over,
    record_result,
    record_results,
    recover_stale,
    release_unsent,
    renew_leases,
)
from services.deliveries.outbox import WAKE_HOOKS, enqueue, group_key, know_accounts, next_rung  # noqa: F401
from services.deliveries.receipts import ReceiptHooks, apply_receipt, cancel_queued, mark_acknowledged  # noqa: F401
from services.deliveries.render import Rendered, message_for, render  # noqa: F401
