"""The yearly report's charts as PNG bytes (matplotlib, Agg, in memory); the figures come from `stats`.

Chinese labels need a CJK font, and the product must not depend on one being installed: a subset of Noto Sans
SC (SIL OFL 1.1, the GB2312 characters: every character of GB2312 levels 1 and 2, ASCII and Chinese
punctuation) ships in `fonts/`. Fonts found on the machine (Noto Sans CJK, WenQuanYi, SimHei, ...) come after
it, so a rare character outside GB2312 in a unit's name still renders where the machine has it.
No pyplot: each chart is its own `Figure`, nothing global but the font list. matplotlib (and numpy under it)
is imported when the first chart is drawn, not when the web or the CLI starts: only the yearly report needs it.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

FONT = Path(__file__).with_name("fonts") / "NotoSansSC-GB2312.ttf"
SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei",
              "Microsoft YaHei", "PingFang SC")
WIDTH_IN, DPI = 5.9, 200  # 150 mm on the page
DARK, LIGHT, ACCENT = "#1f3b63", "#9db4d3", "#b03a2e"  # tell apart in grey print too (with the hatching)


@lru_cache(maxsize=1)
def families() -> tuple[str, ...]:
    """Font families in the order matplotlib tries them for each character (shipped font first)."""
    from matplotlib import font_manager

    names: list[str] = []
    if FONT.exists():
        font_manager.fontManager.addfont(str(FONT))
        names.append(font_manager.FontProperties(fname=str(FONT)).get_name())
    present = {f.name for f in font_manager.fontManager.ttflist}
    names += [n for n in SYSTEM_CJK if n in present and n not in names]
    return (*names, "DejaVu Sans")


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})  # same figures, same bytes
    return buf.getvalue()


def _draw(height_in: float, paint) -> bytes:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context({"font.family": list(families()), "font.size": 9, "axes.unicode_minus": False,
                     "axes.spines.top": False, "axes.spines.right": False, "hatch.linewidth": 0.6}):
        fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
        paint(fig.add_subplot())
        return _png(fig)


def _legend(ax) -> None:
    """Above the plot, clear of the bars' labels."""
    ax.legend(frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))


def _labels(ax, bars, values) -> None:
    ax.bar_label(bars, labels=[str(v) if v else "" for v in values], padding=2, fontsize=8)


def monthly_incidents(months: list[dict]) -> bytes:
    """Incidents received and 网络舆情 per month, side by side."""
    def paint(ax):
        x = range(len(months))
        inc, op = [m["incidents"] for m in months], [m["public_opinion"] for m in months]
        _labels(ax, ax.bar([i - 0.2 for i in x], inc, 0.4, color=DARK, label="突发事件"), inc)
        _labels(ax, ax.bar([i + 0.2 for i in x], op, 0.4, color=LIGHT, hatch="///", edgecolor=DARK,
                           label="网络舆情"), op)
        ax.set_xticks(list(x), [f"{m['month']}月" for m in months])
        ax.set_ylabel("件次")
        ax.set_ylim(0, max(inc + op + [1]) * 1.15)
        ax.yaxis.get_major_locator().set_params(integer=True)
        _legend(ax)
    return _draw(2.9, paint)


def categories(rows: list[dict]) -> bytes:
    """Incidents received per category, as horizontal bars."""
    def paint(ax):
        rows_ = list(reversed(rows))
        counts = [r["count"] for r in rows_]
        colors = [LIGHT if r["category"] == "public_opinion" else DARK for r in rows_]
        bars = ax.barh([r["label"] for r in rows_], counts, color=colors, edgecolor=DARK,
                       hatch=["///" if r["category"] == "public_opinion" else "" for r in rows_])
        ax.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontsize=8)
        ax.set_xlabel("件次")
        ax.xaxis.get_major_locator().set_params(integer=True)
    return _draw(0.42 * len(rows) + 0.8, paint)


def quarters(rows: list[dict]) -> bytes:
    """Phone checks per quarter, passed and failed stacked, the pass rate above each bar."""
    def paint(ax):
        names = [f"第{'一二三四'[r['quarter'] - 1]}季度" for r in rows]
        passed, failed = [r["passed"] for r in rows], [r["failed"] for r in rows]
        ax.bar(names, passed, 0.5, color=DARK, label="合格")
        top = ax.bar(names, failed, 0.5, bottom=passed, color=ACCENT, hatch="xx", edgecolor="white", label="不合格")
        ax.bar_label(top, labels=[f"{r['checks']}次 合格率{r['pass_rate_text']}" if r["checks"] else "未抽查"
                                  for r in rows], padding=2, fontsize=8)
        ax.set_ylabel("电话抽查（次）")
        ax.set_ylim(0, max([r["checks"] for r in rows] + [1]) * 1.18)
        ax.yaxis.get_major_locator().set_params(integer=True)
        _legend(ax)
    return _draw(2.8, paint)


def units(rows: list[dict]) -> bytes:
    """Each unit's pass rate over the year (horizontal bars, %), the number of checks at the bar's end."""
    def paint(ax):
        rows_ = list(reversed(rows))
        rates = [100 * (r["pass_rate"] or 0) for r in rows_]
        bars = ax.barh([r["unit"] for r in rows_], rates, color=DARK)
        ax.bar_label(bars, labels=[f"{r['pass_rate_text']}（{r['checks']}次）" for r in rows_], padding=3, fontsize=8)
        ax.set_xlim(0, 125)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel("电话抽查合格率（%）")
    return _draw(0.3 * len(rows) + 0.9, paint)
