"""The CLI's command groups, one module per area; `dutydesk.cli` gathers them."""
