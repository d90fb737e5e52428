"""The engine: the latency-critical clock inside `dutydesk serve`; its parts are started by the composition root."""
