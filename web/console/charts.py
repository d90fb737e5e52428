"""Small inline-SVG charts for the statistics page (no JavaScript, no CDN)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def _colour(rate: float | None) -> str:
    if rate is None:
        return "#eef1f6"
    if rate >= 0.999:
        return "#1e7b34"
    if rate >= 0.75:
        return "#7fb77e"
    if rate >= 0.5:
        return "#e0a100"
    return "#b3261e"


def heatmap(rows: list[dict], months: int = 12, cell: int = 26, label_w: int = 130, title: str = "各单位各月电话抽查合格率",
            month_names: list[str] | None = None, unchecked: str = "未抽查") -> Markup:
    """Units × months, each cell coloured by pass rate; a <title> per cell gives the number. The wording comes
    in the page's language (`title`, `month_names`, `unchecked`); unit names are data, marked lang="zh-CN"."""
    names = month_names or [f"{m}月" for m in range(1, months + 1)]
    h = 22 + cell * len(rows)
    w = label_w + cell * months
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}">']
    for m in range(months):
        parts.append(f'<text x="{label_w + m * cell + cell / 2}" y="14" font-size="11" text-anchor="middle">{m + 1}</text>')
    for i, row in enumerate(rows):
        y = 22 + i * cell
        parts.append(f'<text x="{label_w - 6}" y="{y + cell * 0.65}" font-size="12" text-anchor="end">'
                     f'<tspan lang="zh-CN">{escape(row["unit"])}</tspan></text>')
        for m, rate in enumerate(row["rates"][:months]):
            tip = unchecked if rate is None else f"{rate:.0%}"
            parts.append(f'<rect x="{label_w + m * cell + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="{_colour(rate)}"><title lang="zh-CN">{escape(row["unit"])} {escape(names[m])} {escape(tip)}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(values: list[float | None], labels: list[str], height: int = 140, bar: int = 28, unit: str = "",
         title: str = "") -> Markup:
    """A plain bar chart; missing values leave a gap; `title` names it for screen readers."""
    top = max([v for v in values if v is not None] or [1]) or 1
    w = bar * len(values) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" width="{w}" height="{height + 30}" '
             f'viewBox="0 0 {w} {height + 30}" role="img" aria-label="{escape(title)}">']
    for i, (v, label) in enumerate(zip(values, labels)):
        x = 5 + i * bar
        if v is not None:
            bh = max(1.0, v / top * height)
            parts.append(f'<rect x="{x + 3}" y="{height - bh + 10}" width="{bar - 6}" height="{bh}" fill="#7a1712">'
                         f'<title>{escape(label)}: {v}{unit}</title></rect>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 25}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
