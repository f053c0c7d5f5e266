"""What a report kernel forgets between areas, and what it may keep."""

from __future__ import annotations

from audit.render import chart_layout
from audit.run import kernel_state


def test_area_caches_are_emptied_but_label_widths_are_kept() -> None:
    from audit.framework import registry

    registry.shipped()
    chart_layout._width(["A label measured once"], chart_layout.TICK_PT)
    assert registry.shipped.cache_info().currsize == 1
    assert chart_layout._text_extent.cache_info().currsize > 0

    kernel_state._clear_audit_caches()

    assert registry.shipped.cache_info().currsize == 0  # may depend on what an area's notebook did: emptied
    assert chart_layout._text_extent.cache_info().currsize > 0  # a pure function of the text: kept
    assert getattr(chart_layout._text_extent, kernel_state.KEEP_BETWEEN_AREAS) is True
