"""Roster tables: posts, pools, months, slots, holidays (roster); leave reports and pairs, swaps, handovers, duty log."""
