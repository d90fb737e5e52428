"""What the features plug into the web app: alert and metric sources, receipt hooks, the menu, dashboard panels.

The web app only reads these; the composition root (`dutydesk/composition.py`) fills them in, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from services.alerts import Source
from services.deliveries.receipts import ReceiptHooks
from web.console.nav import NavItem

# fn(registry, session, now): adds this feature's gauges to the /metrics registry
MetricSource = Callable[..., None]
# fn(session, now, caller, settings) -> rows of one dashboard panel
Panel = Callable[..., list]


@dataclass(frozen=True)
class Extensions:
    alert_sources: Sequence[Source] = ()
    metric_sources: Sequence[MetricSource] = ()
    receipt_hooks: ReceiptHooks = field(default_factory=ReceiptHooks)
    menu: Sequence[NavItem] = ()
    panels: Mapping[str, Sequence[Panel]] = field(default_factory=dict)
