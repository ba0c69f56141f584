"""The baseline of the swath tiles benchmark: xpublish with the xpublish-wms plugin.

    uvicorn --app-dir benches/swaths xpublish_wms_app:app --workers N ...

with SWATH_FILE=/path/granule.nc in the environment: the harmonised granule from Iroise's archive,
the very file Iroise draws. It is opened with xarray's defaults (`xr.open_dataset(path)`: scale,
offset and _FillValue applied, so fill values are NaN), as xpublish-wms expects, and loaded into
memory at start-up (`.load()`): the baseline's best case, since it then reads nothing from disk
per request (opened lazily, it was about 10 % slower here). Its `lat`/`lon` are 2D with CF
standard names and each variable names them in `coordinates`, so cf_xarray finds them and
xpublish-wms takes its curvilinear path (`IrregularGrid`: the whole array projected to EPSG:3857
with pyproj, then datashader's quadmesh on the tile's canvas, shaded with a matplotlib colormap,
PNG by Pillow).

URL: /datasets/swath/wms?service=WMS&version=1.3.0&request=GetMap&layers=wind_speed&crs=EPSG:3857
&bbox=minx,miny,maxx,maxy&width=256&height=256&styles=raster/viridis&colorscalerange=0,25

At import (so in every uvicorn worker, before it accepts a connection) one GetMap is rendered
through the plugin's own code: numba compiles datashader's kernels on the first call of a process
(several seconds), a one-off cost that is not what the benchmark compares.
"""

import os

import xarray as xr
import xpublish
from xpublish_wms import CfWmsPlugin
from xpublish_wms.query import WMSGetMapQuery
from xpublish_wms.wms.get_map import GetMap

DATASET_ID = "swath"
# One tile of the warm-up, in the style of the benchmark's requests (the whole world at zoom 0).
WARMUP = {
    "service": "WMS",
    "version": "1.3.0",
    "request": "GetMap",
    "layers": "wind_speed",
    "crs": "EPSG:3857",
    "bbox": "-20037508.342789,-20037508.342789,20037508.342789,20037508.342789",
    "width": 256,
    "height": 256,
    "styles": "raster/viridis",
    "colorscalerange": "0,25",
}


def open_swath() -> xr.Dataset:
    return xr.open_dataset(os.environ["SWATH_FILE"]).load()


def warm_up(ds: xr.Dataset) -> None:
    """Render one GetMap through xpublish-wms's GetMap, so numba compiles its kernels now."""
    query = WMSGetMapQuery.model_validate(WARMUP)
    GetMap(array_render_threshold_bytes=int(1e9)).get_map(ds, query, {})


def build() -> xpublish.Rest:
    ds = open_swath()
    if ds.gridded.name != "nondimensional":
        raise SystemExit(f"xpublish-wms does not see a curvilinear grid in {os.environ['SWATH_FILE']}: {ds.gridded.name}")
    warm_up(ds)
    return xpublish.Rest({DATASET_ID: ds}, plugins={"wms": CfWmsPlugin()})


app = build().app
