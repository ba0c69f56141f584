"""The xpublish baseline of the DAP2 benchmark: xpublish with the xpublish-opendap plugin.

    uvicorn --app-dir benches/dap xpublish_app:app --workers N ...

with DAP_DATASETS="id=/path/file.nc,id2=/path/other.nc" in the environment. Each file is opened with
`xr.open_dataset(path, mask_and_scale=False, decode_times=False)`: the plugin serves a variable as
xarray holds it, so this keeps the stored values (packed int16 with their scale_factor, add_offset
and _FillValue in the DAS, the time axis in its own units), the bytes Iroise and pydap serve. With
xarray's defaults the plugin would serve decoded float32 values instead. URLs:
/datasets/{id}/opendap.das, .dds, .dods?CE.
"""

import os

import xarray as xr
import xpublish
from xpublish_opendap import OpenDapPlugin


def build() -> xpublish.Rest:
    datasets = {}
    for item in os.environ["DAP_DATASETS"].split(","):
        name, path = item.split("=", 1)
        datasets[name] = xr.open_dataset(path, mask_and_scale=False, decode_times=False)
    return xpublish.Rest(datasets, plugins={"opendap": OpenDapPlugin()})


app = build().app
