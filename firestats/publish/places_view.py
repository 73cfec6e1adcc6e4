"""How a report shows where its incidents were (辖区分布): a table per place of incidents, 同比/环比 and the call to
the first arrival, the places of repeated incidents, a bar chart and, where the export has coordinates, a map drawn
offline (``compute.places``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.display import HTML

from firestats.catalogue import part_word, table_heading
from firestats.compute.places import outlines, station_areas
from firestats.compute.response import segment_seconds
from firestats.publish import charts
from firestats.publish.html import chart, table
from firestats.settings import areas_geojson, settings, within_seconds
from firestats.wording import percentile, share

_CHANGES = ("year_on_year", "period_on_period")


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


@dataclass(frozen=True)
class PlacesView:
    """A station period's figures by place, as the page shows them in the station's language."""

    figures: dict[str, Any]  # the period's figures, as ``compute.station`` makes them
    language: str = "zh"
    part_of_year: bool = False  # a half, quarter or month: 环比 shown beside 同比
    incidents: pd.DataFrame | None = None  # the period's incidents, for the map
    station: str | None = None  # its canonical name, for its position in the settings

    @property
    def places(self) -> dict[str, Any]:
        """The figures by place: districts, types, hotspots (and areas where the settings give them)."""
        return self.figures["places"]

    def table(self) -> HTML:
        """Each place's incidents (起) and share, 同比 (and 环比), and its call to the first arrival: n, median and
        90th percentile (withheld below the settings' minimum n), and the share on scene within the threshold."""
        districts = self.places["districts"]
        if not districts:
            return HTML(f'<p class="fs-note">{table_heading("no_records", self.language)}</p>')
        changes = _CHANGES if self.part_of_year else _CHANGES[:1]
        columns = ("incidents", "share", *changes, "timed", "median_s", "p90_s", "within_share")
        rows = [[place, v["incidents"], share(v["share"]), *(_change(v[c]) for c in changes), v["timed"],
                 percentile(v["median_s"], v["timed"]), percentile(v["p90_s"], v["timed"]), share(v["within_share"])]
                for place, v in districts.items()]
        html = table([table_heading("place", self.language), *(part_word(c, self.language) for c in columns)], rows)
        hotspots = self.places["hotspots"]
        if hotspots:
            html += "<h3>重复警情地点</h3>" + table(
                [table_heading("place", self.language), part_word("incidents", self.language)],
                [[spot, v["incidents"]] for spot, v in hotspots.items()])
        return HTML(html)

    def chart(self) -> HTML:
        """The incidents per place as bars, busiest first."""
        counts = pd.Series({place: v["incidents"] for place, v in self.places["districts"].items()}, dtype=int)
        return chart(charts.places(counts), "辖区分布")

    def map(self) -> HTML:
        """Where the incidents with a point were, drawn offline (no tiles, no request): density and the call to
        the first arrival, the station's position from the settings, the unit's station areas outlined with the
        incidents inside each; a note where the export has no coordinates."""
        incidents = self.incidents if self.incidents is not None else pd.DataFrame()
        located = incidents.dropna(subset=["latitude", "longitude"]) if "latitude" in incidents else incidents
        if located.empty:
            return HTML('<p class="fs-note">导出的警情记录没有经纬度，不绘制地图。</p>')
        minutes = segment_seconds(located)["total"].to_numpy(dtype=float) / 60
        areas = station_areas(areas_geojson())
        at = settings()["places"]["stations"].get(self.station)
        fig = charts.incident_map(located["longitude"].to_numpy(dtype=float), located["latitude"].to_numpy(dtype=float),
                                  minutes, within_seconds() / 60, tuple(at) if at else None, outlines(areas))
        html = chart(fig, "警情地图").data + (f'<p class="fs-note">有经纬度的警情{len(located)}起'
                                             f"（共{len(incidents)}起）；底图不含道路，不联网。</p>")
        counted = self.places.get("areas")
        if counted:
            html += table([table_heading("place", self.language), part_word("incidents", self.language)],
                          [[name, v["incidents"]] for name, v in counted.items()])
        return HTML(html)
