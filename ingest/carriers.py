"""Checking carrier lists: coordinates to WGS84 and joined to counties, or addresses geocoded."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.datum import DATUMS, normalize_datum, to_wgs84
from ingest.base import CARRIER_ROLES, CHINA_BOX, Check
from ingest.values import parse_coordinate
from store.base import CARRIER_COLUMNS


class CarriersCheck(Check):
    """Carrier lists: name, type, and an address or coordinates with their datum."""

    roles = CARRIER_ROLES

    def run(self) -> tuple[pd.DataFrame, list[dict]]:
        self.map_columns()
        self.require("name", "名称")
        self.require("type", "类型")
        has_coords = "lon" in self.columns and "lat" in self.columns
        if not has_coords and "address" not in self.columns:
            self.problem(1, None, "", "缺少位置列：需要“地址”列，或“经度”与“纬度”列")
        if ("lon" in self.columns) != ("lat" in self.columns):
            self.problem(1, None, "", "经度与纬度列必须同时提供")
        for column in self.extra:
            self.problem(1, column, column, f"无法识别的列“{column}”（可在列映射中忽略）")
        file_datum = self.file_datum()
        self.fail_if_problems()
        records = [self.carrier(row_no, has_coords, file_datum)
                   for row_no in range(self.first_row, self.first_row + len(self.frame))]
        records = [r for r in records if r is not None]
        self.locate(records)
        self.duplicates([(r["name"], r["type"], r["county_adcode"]) for r in records],
                        [r["_row"] for r in records], "载体（名称、类型、县区）")
        report = [{"text": r["address"] or f"{r['lon']:.6f},{r['lat']:.6f}", "status": "matched",
                   "adcode": r["county_adcode"] or r["city_adcode"], "name": r["name"],
                   "level": r["precision"], "rows": [r["_row"]]} for r in records]
        self.fail_if_problems(report)
        frame = pd.DataFrame(records).drop(columns=["_row", "_point"])
        return frame.loc[:, list(CARRIER_COLUMNS)], report

    def file_datum(self) -> str | None:
        if self.options.datum in (None, ""):
            return None
        try:
            return normalize_datum(self.options.datum)
        except ValueError:
            self.problem(None, None, self.options.datum,
                         f"未知坐标系“{self.options.datum}”，应为 {'、'.join(DATUMS)}")
            return None

    def carrier(self, row_no, has_coords, file_datum) -> dict | None:
        name, kind = self.text(row_no, "name"), self.text(row_no, "type")
        address = self.text(row_no, "address")
        for role, value in (("name", name), ("type", kind)):
            if not value:
                self.problem(row_no, self.columns[role], "", "不能为空")
            elif value.startswith(("=", "+", "@")):
                self.problem(row_no, self.columns[role], value, "以 = + @ 开头，疑似表格公式")
        record = {"_row": row_no, "name": name, "type": kind, "address": address or None,
                  "lon": None, "lat": None, "datum": None, "source": self.source(row_no),
                  "province_adcode": None, "city_adcode": None, "county_adcode": None,
                  "precision": None, "_point": None}
        lon_text = self.text(row_no, "lon") if has_coords else ""
        lat_text = self.text(row_no, "lat") if has_coords else ""
        if lon_text or lat_text:
            return self.with_coordinates(record, row_no, lon_text, lat_text, file_datum)
        if not address:
            self.problem(row_no, None, "", "既没有地址，也没有经纬度")
            return None
        return record

    def with_coordinates(self, record, row_no, lon_text, lat_text, file_datum):
        datum_text = self.text(row_no, "datum") if "datum" in self.columns else ""
        try:
            datum = normalize_datum(datum_text) if datum_text else file_datum
        except ValueError:
            self.problem(row_no, self.columns["datum"], datum_text,
                         f"未知坐标系“{datum_text}”，应为 {'、'.join(DATUMS)}")
            return None
        if datum is None:
            self.problem(row_no, None, "", "给了经纬度却没有说明坐标系（WGS84、GCJ-02 或 BD-09）")
            return None
        try:
            lon, lat = parse_coordinate(lon_text), parse_coordinate(lat_text)
        except ValueError as exc:
            self.problem(row_no, self.columns["lon"], f"{lon_text}, {lat_text}",
                         f"经纬度不是数值：{exc}")
            return None
        lon_min, lat_min, lon_max, lat_max = CHINA_BOX
        if not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max):
            self.problem(row_no, self.columns["lon"], f"{lon_text}, {lat_text}",
                         "经纬度不在中国范围内（经度、纬度是否写反？）")
            return None
        wlon, wlat = to_wgs84(lon, lat, datum)
        return {**record, "lon": float(wlon), "lat": float(wlat), "datum": datum,
                "precision": "site"}

    def locate(self, records: list[dict]) -> None:
        """Fill adcodes: coordinates by point in county, addresses by the geocoder."""
        with_coords = [r for r in records if r["lon"] is not None]
        counties = self.ctx.boundaries[self.ctx.boundaries["level"] == "county"]
        if with_coords:
            points = gpd.GeoDataFrame(
                {"i": range(len(with_coords))},
                geometry=gpd.points_from_xy([r["lon"] for r in with_coords],
                                            [r["lat"] for r in with_coords]), crs="EPSG:4326")
            joined = gpd.sjoin(points, counties[["adcode", "geometry"]], how="left",
                               predicate="within").drop_duplicates("i").set_index("i")
            for i, record in enumerate(with_coords):
                adcode = joined.at[i, "adcode"]
                if pd.isna(adcode):
                    self.problem(record["_row"], self.columns.get("lon"),
                                 f"{record['lon']:.6f}, {record['lat']:.6f}",
                                 "坐标不在已覆盖的县区内（请核对经纬度与坐标系）")
                else:
                    self._set_codes(record, str(adcode))
        for record in records:
            if record["lon"] is None:
                self.geocode_address(record)

    def geocode_address(self, record: dict) -> None:
        result = self.ctx.address_geocoder.geocode(record["address"])
        column = self.columns.get("address")
        if result.status == "ambiguous":
            names = "、".join(c.name for c in result.candidates[:5])
            self.problem(record["_row"], column, record["address"],
                         f"地址有歧义，可能是：{names}；请写明所在市县或给出经纬度")
            return
        best = result.best
        if result.status != "matched" or best is None:
            self.problem(record["_row"], column, record["address"], "地址无法定位；请给出经纬度")
            return
        adcode = best.county_adcode or best.city_adcode or best.adcode
        if not adcode or adcode.endswith("0000"):
            self.problem(record["_row"], column, record["address"],
                         "地址只能定位到省，无法关联到县区；请写明市县或给出经纬度")
            return
        point = best.geometry if best.geometry.geom_type == "Point" \
            else best.geometry.representative_point()
        record.update(lon=float(point.x), lat=float(point.y), datum=None,
                      precision=best.precision)
        self._set_codes(record, adcode)

    def _set_codes(self, record: dict, adcode: str) -> None:
        if not hasattr(self, "_codes"):
            units = self.ctx.boundaries
            self._codes = {a: (lv, c, p) for a, lv, c, p in zip(
                units["adcode"], units["level"], units["city_adcode"], units["province_adcode"])}
        level, city, province = self._codes.get(adcode, ("county", adcode[:4] + "00",
                                                         adcode[:2] + "0000"))
        record["province_adcode"] = province
        record["city_adcode"] = None if level == "province" else city
        record["county_adcode"] = adcode if level == "county" else None
