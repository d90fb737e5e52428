"""The organisation directory (通讯录): units as a tree and the people in them (org), and their spreadsheets:
import with a per-row report in zh-CN, all rows or none (units_import, people_import), and export (export)."""
