"""Open a granule with pydap's DAP2 client, as a user would, and print as JSON what it sees
next to the same values read from the local file with netCDF4.

Usage: python opendap_pydap.py URL LOCAL_FILE VAR INDEX

Prints {"types": {name: pydap type}, "global": NC_GLOBAL attributes, "attributes": VAR's
attributes, "maps": map names of VAR (a Grid), "remote": VAR[INDEX] (array of the Grid),
"remote_array": VAR.array[INDEX].data, "remote_maps": {map: array of the subset Grid},
"local": VAR[INDEX], "local_maps": {map: its local values}} (arrays as in dap_arrays).
"""

import json
import sys
import warnings

from pydap.client import open_url
from pydap.model import GridType

from dap_arrays import array_json, local_raw, parse_index, plain


def main(url, local, var, index_text):
    index = parse_index(index_text)
    # Without dap2:// or dap4:// in the URL, pydap warns that it assumes DAP2; say so instead.
    warnings.simplefilter("ignore")
    ds = open_url(url, protocol="dap2")
    target = ds[var]
    # pydap 3.5 lifts the DAS's NC_GLOBAL container into the dataset's attributes.
    global_attributes = dict(ds.attributes)
    global_attributes.update(global_attributes.pop("NC_GLOBAL", {}))
    out = {
        "types": {name: type(ds[name]).__name__ for name in ds.keys()},
        "global": plain(global_attributes),
        "attributes": plain(target.attributes),
        "maps": list(target.maps) if isinstance(target, GridType) else [],
        "remote": array_json(target[index].data),
        "local": local_raw(local, var, index),
    }
    if isinstance(target, GridType):
        out["remote_array"] = array_json(target.array[index].data)
        # With output_grid, slicing a Grid subsets its array and its maps together.
        grid = open_url(url, protocol="dap2", output_grid=True)[var][index]
        out["remote_maps"] = {name: array_json(grid.maps[name].data) for name in grid.maps}
        out["local_maps"] = {name: local_raw(local, name, (s,)) for name, s in zip(out["maps"], index)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
