"""Deliveries console: message states (发送记录), channel admin with test sends (渠道管理), the personal inbox (收件箱)."""
