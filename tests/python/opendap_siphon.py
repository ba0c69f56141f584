"""Find a granule in iroise's THREDDS catalog with siphon and open it over OPeNDAP with
`remote_access()`, as a user would; print as JSON what it reads next to the local file.

Usage: python opendap_siphon.py CATALOG_URL ARCHIVE_DIR VAR INDEX

Opens the first dataset of the catalog twice: `remote_access()` (a netCDF4 Dataset, through
the catalog's OPENDAP service) and `remote_access(use_xarray=True)` (an xarray Dataset).
Prints {"url_path", "access_urls": {service: url}, "netcdf4_type", "xarray_type",
"raw": VAR[INDEX] as stored, "local_raw", "decoded": VAR[INDEX] as xarray decodes it,
"local_decoded"} (arrays as in dap_arrays); the local file is ARCHIVE_DIR/url_path. Without
an OPENDAP access URL, prints only url_path, access_urls and local_raw.
"""

import json
import os
import sys
import warnings

import xarray as xr
from siphon.catalog import TDSCatalog

from dap_arrays import array_json, local_raw, parse_index


def main(catalog_url, archive, var, index_text):
    index = parse_index(index_text)
    warnings.simplefilter("ignore")
    dataset = TDSCatalog(catalog_url).datasets[0]
    local = os.path.join(archive, dataset.url_path)
    out = {
        "url_path": dataset.url_path,
        "access_urls": {str(k): v for k, v in dataset.access_urls.items()},
        "local_raw": local_raw(local, var, index),
    }
    if not any(str(service).upper() == "OPENDAP" for service in dataset.access_urls):
        # Nothing to open: the Rust side says what is missing.
        json.dump(out, sys.stdout)
        return
    nc = dataset.remote_access()
    try:
        out["netcdf4_type"] = f"{type(nc).__module__}.{type(nc).__name__}"
        v = nc.variables[var]
        v.set_auto_maskandscale(False)
        out["raw"] = array_json(v[index])
    finally:
        nc.close()
    with dataset.remote_access(use_xarray=True) as remote, xr.open_dataset(local) as here:
        out["xarray_type"] = f"{type(remote).__module__}.{type(remote).__name__}"
        out["decoded"] = array_json(remote[var][index].values)
        out["local_decoded"] = array_json(here[var][index].values)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
