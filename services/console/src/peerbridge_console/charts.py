"""Server-drawn horizontal bar charts (SVG in the page: no script, no CDN): the geometry of each
bar; templates/_chart.html draws it with its title, and the table beside it holds the same figures."""

from __future__ import annotations

LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 330, 230, 320
ROW_HEIGHT, BAR_HEIGHT, TOP = 30, 18, 8
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH


def bars(figures: list[dict], unit: str) -> dict:
    """``figures`` as ``figures.figure`` gives them; a suppressed or missing figure gets no bar, only
    its words, so it can never be read as zero."""
    values = [f["value"] for f in figures if f["rule"] is None and isinstance(f["value"], int | float)]
    top = 1.0 if unit == "rate" else max([abs(v) for v in values] + [1])
    drawn = []
    for index, item in enumerate(figures):
        y = TOP + index * ROW_HEIGHT
        value = item["value"] if item["rule"] is None else None
        width = round(BAR_WIDTH * abs(value) / top, 1) if isinstance(value, int | float) else 0
        drawn.append({**item, "y": y, "bar_y": y + (ROW_HEIGHT - BAR_HEIGHT) / 2, "text_y": y + ROW_HEIGHT / 2 + 5,
                      "width": max(width, 1) if value else 0, "drawn": value is not None})
    return {"bars": drawn, "width": WIDTH, "height": TOP * 2 + ROW_HEIGHT * len(figures),
            "label_width": LABEL_WIDTH, "bar_x": LABEL_WIDTH, "value_x": LABEL_WIDTH + BAR_WIDTH + 8,
            "bar_height": BAR_HEIGHT}
