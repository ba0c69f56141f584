"""The pydap baseline of the DAP2 benchmark: pydap's own file server (`pydap.wsgi.app.DapServer`
with its netCDF handler, the app behind the `pydap` command) under gunicorn, as `pydap --data DIR`
runs it, but started by gunicorn directly so that workers and the control socket can be set.

    gunicorn --chdir benches/dap pydap_app:app ...      (DAP_ROOT=/path/to/archive)

pydap 3.5.9 as released cannot serve what this benchmark asks of it; two fixes of upstream bugs are
applied here, each restoring what the code plainly intends, with no effect on speed:

1. `NetCDFHandler`'s `LazyVariable.__getitem__` reshapes every read to the variable's full shape
   (pydap issues #130 and #184, open since 2017), so any hyperslab (`sst[0][10:20][30:40]`) fails
   with "cannot reshape array of size 10000 into shape (1,1800,3600)", and so does any whole
   variable above 2^27 bytes, which pydap reads in blocks of that size. Fixed: a read keeps the
   shape of what was read.
2. `DASResponse.__iter__` encodes each line as ASCII and means to fall back to UTF-8, but catches
   `UnicodeDecodeError` where `encode` raises `UnicodeEncodeError`: an attribute with a non-ASCII
   character (the demo granule's "0.1° step") cuts the DAS short. Fixed: the fallback catches the
   right error.

Set DAP_PYDAP_UNPATCHED=1 to run pydap as released (the checks in run.sh then fail).
"""

import os

import netCDF4
import numpy as np
from pydap.handlers import netcdf_handler
from pydap.responses import das as das_response
from pydap.wsgi.app import DapServer, StaticMiddleware

if os.environ.get("DAP_PYDAP_UNPATCHED") != "1":

    def _lazy_getitem(self, key):
        with netCDF4.Dataset(self.filepath, "r") as source:
            source.set_auto_scale(False)
            out = np.asarray(source[self.path][key]).astype(self.dtype)
            # Only an explicit reshape() of the whole variable changes its shape.
            if tuple(self._reshape) != tuple(self._shape) and out.size == int(np.prod(self._reshape)):
                out = out.reshape(self._reshape)
            return out

    netcdf_handler.LazyVariable.__getitem__ = _lazy_getitem

    def _das_iter(self):
        for line in das_response.das(self.dataset):
            try:
                yield line.encode("ascii")
            except UnicodeEncodeError:
                yield line.encode("UTF-8")

    das_response.DASResponse.__iter__ = _das_iter

app = StaticMiddleware(DapServer(os.environ["DAP_ROOT"]), ("pydap.wsgi", "templates/static"))
