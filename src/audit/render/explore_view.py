"""The explorer's display: readable case tables and linked dropdowns, for notebooks/explore_cases.ipynb.

The data work (filters, the cases behind a figure) is in analyse/explore.py;
this module only shows it. Tables are made readable here: agencies by name
rather than as Python tuples, figures rounded, each criterion's answer beside
the evidence the auditor gave for it. Everything shown is case-level, so the
explorer is for the inspection team and never for publication.

The dropdowns (ipywidgets) start at the notebook's parameters, so a notebook
run headless (papermill, nbval) shows the parameters' selection; the case
table is an itables widget, whose JavaScript comes inside the Python package
(no request leaves the machine).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from audit.analyse import explore
from audit.check.validate import AuditData
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.framework.settings import age_focus
from audit.read.load import fold

ANY = "(any)"  # how a dropdown shows "no filter"
# Column headers a reader understands; criterion IDs stay as they are (the report uses them too).
HEADERS = {
    "area": "Area",
    "case_id": "Case",
    "audit_date": "Audit date",
    "audit_round": "Round",
    "age_band": "Age band",
    "agencies": "Agencies",
    "overall_grade": "Grade given",
    "derived_grade": "Grade from answers",
    "mean_points": "Mean points",
    "comments": "Comments",
    "impact": "Impact",
    "good_practice": "Good practice",
    "source": "Workbook row",
}
PERCENT = ("pct_yes", "ci_low", "ci_high")


def _text(value: Any) -> str:
    """A free-text cell as plain text: a dict of comments as "heading: text" lines, nothing as ""."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, Mapping):
        return "\n".join(f"{k}: {v}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def agency_names(value: Any, fw: Framework) -> str:
    """A case's agencies by name ("Police, Health"); "" when none were recorded."""
    if not isinstance(value, (tuple, list)):
        return ""
    return ", ".join(fw.agencies.get(a, str(a)) for a in value)


def readable_cases(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Cases of explore.case_table as a reader sees them: names, rounded figures, evidence beside each answer."""
    shown = pd.DataFrame(index=cases.index)
    for column in ("area", "case_id", "audit_date", "audit_round", "age_band"):
        shown[HEADERS[column]] = cases[column].map(_text)
    shown[HEADERS["agencies"]] = cases["agencies"].map(lambda a: agency_names(a, fw))
    shown[HEADERS["overall_grade"]] = cases["overall_grade"].map(_text)
    shown[HEADERS["derived_grade"]] = cases["derived_grade"].map(_text)
    shown[HEADERS["mean_points"]] = cases["mean_points"].round(2)
    for cid in fw.criterion_ids:
        shown[cid] = cases[cid].map(_text)
        shown[f"{cid} evidence"] = cases[f"free_evidence_{cid}"].map(_text)
    for column in ("comments", "impact", "good_practice", "source"):
        shown[HEADERS[column]] = cases[column].map(_text)
    return shown.reset_index(drop=True)


def readable_results(results: pd.DataFrame) -> pd.DataFrame:
    """explore.selection_results with its percentages rounded to whole numbers and its scores to two places."""
    shown = results.copy()
    for column in PERCENT:
        if column in shown.columns:
            shown[column] = shown[column].astype(float).round(0)
    if "score" in shown.columns:
        shown["score"] = shown["score"].astype(float).round(2)
    return shown


def _options(fw: Framework, areas: list[str]) -> dict[str, list[tuple[str, str | None]]]:
    """Each dropdown's choices as (label, value); the value None means no filter. ``areas``: those with cases."""
    focus = age_focus(fw)
    bands: list[tuple[str, str | None]] = [(ANY, None)]
    if focus is not None:
        bands.append((f"{focus.label}", explore.FOCUS))
    return {
        "area": [(ANY, None), *((a, a) for a in areas)],
        "agency": [(ANY, None), *((label, aid) for aid, label in fw.agencies.items())],
        "age_band": [*bands, *((b, b) for b in fw.age_bands)],
        "criterion": [(ANY, None), *((f"{c.id} {c.label}", c.id) for c in fw.criteria)],
        "answer": [("Yes, Partly or No", None), *((a, a) for a in fw.points)],
    }


class Explorer:
    """Linked dropdowns over the cases, a summary of the figure they pick out, and a sortable case table."""

    FILTERS = ("area", "agency", "age_band", "criterion", "answer")

    def __init__(self, groups: Mapping[str, AuditData], *, framework: str | None = None, **chosen: Any) -> None:
        import ipywidgets as widgets
        from itables.widget import ITable

        if not groups:
            raise AuditError("no cases to explore: the source holds no workbook")
        self.groups = dict(groups)
        if framework is None:
            framework = next(iter(self.groups))
        if framework not in self.groups:
            raise AuditError(f"no framework {framework!r} in the data; it has: {', '.join(self.groups)}")
        unknown = set(chosen) - set(self.FILTERS)
        if unknown:
            raise TypeError(f"unknown filter {sorted(unknown)[0]!r}")
        self._tables = {name: explore.case_table(data) for name, data in self.groups.items()}
        self._ready = False
        style = {"description_width": "initial"}
        self.framework = widgets.Dropdown(
            options=list(self.groups), value=framework, description="Framework", style=style
        )
        self.dropdowns = {
            name: widgets.Dropdown(description=name.replace("_", " ").capitalize(), style=style)
            for name in self.FILTERS
        }
        self.summary = widgets.HTML()
        self.table = ITable(
            caption="Cases that match the filters", scrollX=True, classes="display nowrap compact", maxBytes=0
        )
        self._set_framework(framework, chosen)
        self.framework.observe(lambda change: self._set_framework(change["new"], {}), names="value")
        for dropdown in self.dropdowns.values():
            dropdown.observe(lambda _change: self.refresh(), names="value")
        row = widgets.HBox([self.framework, *self.dropdowns.values()], layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([row, self.summary, self.table])
        self._ready = True
        self.refresh()

    @property
    def data(self) -> AuditData:
        return self.groups[self.framework.value]

    @property
    def cases(self) -> pd.DataFrame:
        return self._tables[self.framework.value]

    def _set_framework(self, name: str, chosen: Mapping[str, Any]) -> None:
        """Fill the dropdowns with the framework's choices, at ``chosen`` (checked: an unknown value is an error)."""
        data = self.groups[name]
        fw = data.framework
        chosen = dict(chosen)
        chosen["area"] = explore.only_area(data, chosen.get("area"))
        # The filters check every value and name those that exist; the dropdowns then show them as spelled.
        explore.filter_cases(self._tables[name], fw, **{k: chosen.get(k) for k in self.FILTERS})
        values = _canonical(data, fw, chosen)
        ready, self._ready = self._ready, False  # one refresh for the whole change, not one per dropdown
        for key, options in _options(fw, list(dict.fromkeys(self._tables[name]["area"]))).items():
            self.dropdowns[key].options = options
            self.dropdowns[key].value = values[key]
        self._ready = ready
        self.refresh()

    def selection(self) -> dict[str, Any]:
        """The filters as chosen now, as explore.filter_cases takes them."""
        return {name: dropdown.value for name, dropdown in self.dropdowns.items()}

    def chosen(self) -> pd.DataFrame:
        """The cases that match the dropdowns (explore.case_table rows)."""
        return explore.filter_cases(self.cases, self.data.framework, **self.selection())

    def describe(self) -> str:
        """One line on what is shown: the number of cases and, with a criterion, the figure they make."""
        picked = self.selection()
        if picked["criterion"] is None:
            return f"{len(self.chosen())} cases match the filters."
        drill = explore.cases_behind(
            self.cases,
            self.data.framework,
            picked["area"],
            picked["criterion"],
            answer=picked["answer"],
            agency=picked["agency"],
            age_band=picked["age_band"],
        )
        return drill.describe()

    def refresh(self) -> None:
        """Redraw the summary and the table for the dropdowns' values."""
        if not self._ready:
            return
        self.dropdowns["answer"].disabled = self.dropdowns["criterion"].value is None
        if self.dropdowns["answer"].disabled and self.dropdowns["answer"].value is not None:
            self.dropdowns["answer"].value = None  # an answer means nothing without its criterion
            return  # the change above refreshes again
        import html

        self.summary.value = f"<p><strong>{html.escape(self.describe())}</strong></p>"
        self.table.update(readable_cases(self.chosen(), self.data.framework))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widgets, with the selection as a plain table and line for where widgets do not show.

        JupyterLab shows the widgets; a notebook run headless and read without a
        kernel (papermill's output, nbconvert's HTML) shows the text and table of
        the selection the parameters made.
        """
        import html

        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        line = self.describe()
        table = readable_cases(self.chosen(), self.data.framework).to_html(index=False)
        bundle["text/plain"] = line
        bundle["text/html"] = f"<p><strong>{html.escape(line)}</strong></p>{table}"
        return bundle


def _canonical(data: AuditData, fw: Framework, chosen: Mapping[str, Any]) -> dict[str, str | None]:
    """The chosen filters as the dropdowns spell them (area, agency ID, band, criterion ID, answer)."""
    area, agency, band = chosen.get("area"), chosen.get("agency"), chosen.get("age_band")
    criterion, answer = chosen.get("criterion"), chosen.get("answer")
    if area is not None:
        area = next(a for a in data.areas if fold(a) == fold(str(area)))  # matched as the filter matches it
    if agency is not None:
        agency = agency if agency in fw.agencies else fw.agency_id(agency)
    if band is not None:
        if not isinstance(band, str):
            raise AuditError("the explorer's age band dropdown takes one band or 'focus', not a list")
        bands = explore.band_values(fw, band)
        band = explore.FOCUS if band.strip().casefold() == explore.FOCUS else bands[0]
    if criterion is not None:
        criterion = fw.criterion(criterion).id
    if answer is not None:
        if not isinstance(answer, str):
            raise AuditError("the explorer's answer dropdown takes one answer, not a list")
        answer = explore.answer_values(fw, answer)[0]
    return {"area": area, "agency": agency, "age_band": band, "criterion": criterion, "answer": answer}
