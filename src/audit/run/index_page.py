"""The batch's front pages: the index of a framework's areas, and the index of several frameworks.

The index is one table of areas (cases, key criteria, recorded judgements, links), which its own
inline script sorts and filters; every page carries the banner saying which version it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit.framework.model import Framework
from audit.publish.published import PublishedResult
from audit.render.marking import version_banner
from audit.resources import REPORT_TEMPLATES_DIR


def recorded_judgements(pub: PublishedResult) -> tuple[list[str] | None, list[str] | None]:
    """The strengths and areas for priority action an area's people recorded; (None, None) if it recorded none."""
    judged = pub.practice.judgements
    if not judged:
        return None, None
    strengths = [j.label for j in judged if j.judgement == "Strength"]
    priorities = [j.label for j in judged if j.judgement == "Area for priority action"]
    return strengths, priorities


def index_html(batch: Any, fw: Framework) -> str:
    """The batch's front page: every area with its key results and a link, and what failed."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(REPORT_TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"]))
    key_labels = [c.label for c in fw.criteria if c.key]
    publish = bool(getattr(batch, "publish", False))
    return env.get_template("index.html.j2").render(
        batch=batch,
        fw=fw,
        key_labels=key_labels,
        made=dt.date.today(),
        banner=version_banner(publish, getattr(batch, "threshold", None)),
        banner_published=publish,
    )


def frameworks_index_html(batch: Any) -> str:
    """The front page of a batch of several frameworks: each framework's areas, national summary and index."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(REPORT_TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("frameworks_index.html.j2").render(
        batch=batch,
        made=dt.date.today(),
        banner=version_banner(getattr(batch, "publish", False), getattr(batch, "threshold", None)),
        banner_published=getattr(batch, "publish", False),
    )
